#!/usr/bin/env python3
"""Raw Ethernet probe run inside a test namespace (AF_PACKET, no tools).

    l2probe.py send IFACE TAG [DST_MAC]   sends one frame of EtherType 0x88b5
                                          (IEEE local experimental) carrying TAG,
                                          to DST_MAC or broadcast
    l2probe.py recv IFACE TAG SECONDS     prints how many inbound frames with TAG
                                          arrived within SECONDS (outgoing ones,
                                          our own, are not counted)
    l2probe.py macflood IFACE N           sends N frames of EtherType 0x88b5 to
                                          a made-up unicast address, each from a
                                          different made-up source MAC
    l2probe.py count IFACE HEX SECONDS    prints how many inbound frames of any
                                          type carry the bytes HEX (e.g. a ping -p
                                          pattern) within SECONDS: a capture that
                                          sees a packet whatever its addresses
"""
import socket
import sys
import time

ETH_P = 0x88B5
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    op, iface, tag = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    proto = ETH_P
    if op == "count":
        # Every frame, and the pattern anywhere in it (translated or not).
        proto, tag = ETH_P_ALL, bytes.fromhex(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((iface, proto))
    if op == "send":
        dst = bytes.fromhex(sys.argv[4].replace(":", "")) if len(sys.argv) > 4 else b"\xff" * 6
        src = s.getsockname()[4]
        s.send(dst + src + ETH_P.to_bytes(2, "big") + tag.ljust(46, b"\0"))
        return 0
    if op == "macflood":
        for i in range(min(int(sys.argv[3]), 100000)):
            src = b"\x02\xee" + i.to_bytes(4, "big")
            s.send(b"\x02\xdd\x00\x00\x00\x01" + src + ETH_P.to_bytes(2, "big") + b"\0" * 46)
        return 0
    deadline = time.monotonic() + float(sys.argv[4])
    count = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        if addr[2] != PACKET_OUTGOING and tag in data[14:]:
            count += 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
