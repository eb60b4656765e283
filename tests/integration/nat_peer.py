#!/usr/bin/env python3
"""Small bounded peers for the NAT test, run inside test namespaces.

    nat_peer.py udp-sink PORT SECONDS ADDR...   prints "ADDR SRC_IP:SRC_PORT" per datagram
    nat_peer.py eim PORT DST...                 one UDP socket sends to every DST:PORT
    nat_peer.py echo ADDR PORT SECONDS          TCP echo server (one connection)
    nat_peer.py hold DST PORT FLOOD_PORT N      opens a TCP connection to DST:PORT, sends
                                                one UDP datagram from each of N new
                                                sockets to DST:FLOOD_PORT, then checks the
                                                TCP connection still echoes; prints
                                                "held" or "lost"
"""
import select
import socket
import sys
import time


def udp_sink(port, seconds, addrs):
    socks = []
    for a in addrs:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, port))
        socks.append(s)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], max(deadline - time.monotonic(), 0))
        for s in r:
            _, peer = s.recvfrom(2048)
            print("%s %s:%d" % (s.getsockname()[0], peer[0], peer[1]), flush=True)


def eim(port, dsts):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for d in dsts:
        s.sendto(b"eim", (d, port))
        time.sleep(0.1)


def echo(addr, port, seconds):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(seconds)
    c, _ = srv.accept()
    c.settimeout(seconds)
    while True:
        data = c.recv(1024)
        if not data:
            break
        c.sendall(data)


def hold(dst, port, flood_port, n):
    c = socket.create_connection((dst, port), timeout=5)
    c.sendall(b"before")
    c.recv(16)
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"flood", (dst, flood_port))
        socks.append(s)
    time.sleep(0.5)
    c.settimeout(5)
    try:
        c.sendall(b"after")
        print("held" if c.recv(16) == b"after" else "lost")
    except OSError:
        print("lost")


def main():
    op = sys.argv[1]
    if op == "udp-sink":
        udp_sink(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:])
    elif op == "eim":
        eim(int(sys.argv[2]), sys.argv[3:])
    elif op == "echo":
        echo(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif op == "hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
