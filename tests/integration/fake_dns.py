#!/usr/bin/env python3
"""A hostile upstream DNS server for the RFC 5452 test, run in the outside
namespace: for each query it first sends forged answers (wrong ID, then the
right ID from the wrong source port), then the true answer. Bounded: it
answers at most COUNT queries and exits after SECONDS.

    fake_dns.py ADDR NAME TRUE_IP FORGED_IP COUNT SECONDS
"""
import socket
import struct
import sys
import time


def answer(query, qid, ip):
    """The answer to (query) with ID (qid): its question, and one A record
    of (ip). Also echo_dns.py's."""
    qend = 12
    while qend < len(query) and query[qend] != 0:
        qend += query[qend] + 1
    question = query[12:qend + 5]
    flags = 0x8180  # response, recursion desired and available, no error
    head = struct.pack("!HHHHHH", qid, flags, 1, 1, 0, 0)
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
    return head + question + rr


def main():
    addr, name, true_ip, forged_ip = sys.argv[1:5]
    count, seconds = int(sys.argv[5]), float(sys.argv[6])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((addr, 5353))
    deadline = time.monotonic() + seconds
    while count > 0 and time.monotonic() < deadline:
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            q, peer = s.recvfrom(2048)
        except socket.timeout:
            break
        qid = struct.unpack("!H", q[:2])[0]
        s.sendto(answer(q, qid ^ 0x5a5a, forged_ip), peer)      # wrong ID
        other.sendto(answer(q, qid, forged_ip), peer)           # wrong source port
        s.sendto(answer(q, qid, true_ip), peer)                 # the real one
        count -= 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
