#!/usr/bin/env python3
"""A userspace 802.1Q trunk for the VLAN tests: the kernels that run them
(CI's included) have neither 8021q VLAN devices nor bridge VLAN filtering,
so this stands in for a VLAN-aware switch port. It joins one trunk
interface to one access interface per VLAN ID:

    vlan_tagger.py TRUNK VID:IFACE[:PCP] [VID:IFACE[:PCP] ...] [--untagged IFACE]
                   [--seconds N]

A frame from IFACE leaves TRUNK tagged with VID (priority PCP, default 0);
a frame on TRUNK tagged VID leaves IFACE untagged, with its priority lost
as an access port loses it; frames of other VIDs are dropped. With
--untagged, IFACE's frames go to TRUNK untagged and untagged frames on
TRUNK go to IFACE. The kernel hands AF_PACKET sockets received frames with
the tag moved into metadata (PACKET_AUXDATA), which is where it is read.
Runs for at most --seconds (default 600): bounded, as every lab loop is.
"""
import os
import select
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
ETH_P_ALL = 0x0003


def open_if(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((name, 0))
    return s


def recv(s):
    """One frame and its VLAN TCI (or None), however the kernel delivered it."""
    data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(64))
    if addr[2] == socket.PACKET_OUTGOING:
        return None, None
    for level, kind, cdata in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(cdata) >= 18:
            status, _, _, _, _, tci = struct.unpack_from("IIIHHH", cdata)
            if status & TP_STATUS_VLAN_VALID:
                return data, tci
    if len(data) >= 18 and data[12:14] == b"\x81\x00":
        return data[:12] + data[16:], struct.unpack("!H", data[14:16])[0]
    return data, None


def main():
    args = sys.argv[1:]
    seconds, untagged = 600, None
    if "--seconds" in args:
        i = args.index("--seconds")
        seconds = float(args[i + 1])
        del args[i:i + 2]
    if "--untagged" in args:
        i = args.index("--untagged")
        untagged = open_if(args[i + 1])
        del args[i:i + 2]
    trunk = open_if(args[0])
    access = {}  # vid -> (socket, pcp)
    for spec in args[1:]:
        parts = spec.split(":")
        access[int(parts[0])] = (open_if(parts[1]), int(parts[2]) if len(parts) > 2 else 0)
    by_sock = {a[0]: vid for vid, a in access.items()}
    socks = [trunk] + [a[0] for a in access.values()] + ([untagged] if untagged else [])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select(socks, [], [], 1.0)
        for s in ready:
            frame, tci = recv(s)
            if frame is None or len(frame) < 14:
                continue
            if s is trunk:
                vid = None if tci is None else tci & 0x0fff
                if vid and vid in access:
                    access[vid][0].send(frame)
                elif not vid and untagged is not None:
                    untagged.send(frame)
            elif s is untagged:
                trunk.send(frame)
            else:
                vid = by_sock[s]
                tag = struct.pack("!HH", 0x8100, access[vid][1] << 13 | vid)
                trunk.send(frame[:12] + tag + frame[12:])


if __name__ == "__main__":
    main()
