#!/usr/bin/env python3
"""An upstream DNS server that answers every A query with one address and
appends the source address of each query to a log file, so that a test can
see where queries came from (and that none came). Names whose first label
begins with "slow" get no answer at all: an upstream that keeps queries
pending. Bounded: it answers at
most COUNT queries and exits after SECONDS.

    echo_dns.py ADDR ANSWER_IP LOG COUNT SECONDS
"""
import socket
import struct
import sys
import time

from fake_dns import answer  # this script's folder is on sys.path


def main():
    addr, ip, log = sys.argv[1:4]
    count, seconds = int(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    open(log, "w").close()
    deadline = time.monotonic() + seconds
    while count > 0 and time.monotonic() < deadline:
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            q, peer = s.recvfrom(2048)
        except socket.timeout:
            break
        with open(log, "a") as f:
            f.write(peer[0] + "\n")
        if len(q) > 13 and q[13:17] != b"slow":
            s.sendto(answer(q, struct.unpack("!H", q[:2])[0], ip), peer)
        count -= 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
