#!/usr/bin/env python3
"""The forwarding path's own neighbour (ARP) table, with 32 guests pinging
outside at once through NAT, on ports up to eth32 (past the 32 bits a port
mask once had): every ping answered, and the gateway asks ARP
about each next hop only as often as it must (at most 2 requests per guest
over the run; lwIP's single 10-entry table used to thrash here). Then an
outside next hop that stops answering: frames to it are dropped and counted
once it is found unreachable, and guests' traffic is unaffected.

                 +---------------- unigate (QEMU q35, TCG) ----------------+
 ns out -------- | eth0 uplink 10.88.0.2/24, gateway 10.88.0.1               |
 10.88.0.1       |                                                          |
 ns g1 --------- | eth1  -+                                                 |
 ...             |        +- vmnet8 nat 192.168.99.2/24                      |
 ns g32 -------- | eth32 -+   guests 192.168.99.11 .. .42, static            |
                 +----------------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results  # noqa: E402

GUESTS = 32
CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1-eth%d
  address 192.168.99.2/24
""" % GUESTS


def counter(text, name):
    m = re.search(r"%s (\d+)" % name, text)
    return int(m.group(1)) if m else -1


def main():
    ports = [Port("virtio-net-pci", ns="out")] + \
        [Port("virtio-net-pci" if i % 2 else "e1000", ns="g%d" % i) for i in range(1, GUESTS + 1)]
    ug = Unigate(ports=ports, config=CONFIG, mem="128M", log=None)
    try:
        ug.start()
        ug.wait_ready(60)
        out, guests = ug.ports[0], ug.ports[1:]
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        for i, g in enumerate(guests):
            g.ns.run("ip addr add 192.168.99.%d/24 dev %s" % (11 + i, g.tap))
            g.ns.run("ip route add default via 192.168.99.2")
        # Every guest, 20 pings each at 5 per second, all at once.
        pings = [ug.spawn(g.ns_name, ["ping", "-c", "20", "-i", "0.2", "-W", "2", "10.88.0.1"])
                 for g in guests]
        got = []
        for p in pings:
            text = p.communicate(timeout=60)[0]
            m = re.search(r"(\d+) received", text)
            got.append(int(m.group(1)) if m else 0)
        check("%d guests pinging outside at once: every ping answered" % GUESTS,
              min(got) == 20, "received %r" % got)
        arp = ug.command("show arp")
        reqs = counter(arp, "ARP requests")
        check("the gateway asked ARP at most twice per guest (and the uplink hop)",
              0 < reqs <= 2 * GUESTS + 2, arp)
        check("every guest and the uplink's next hop are in the table",
              all("192.168.99.%d " % (11 + i) in arp for i in range(GUESTS)) and
              "10.88.0.1 " in arp, arp)
        check("forwarded frames took the egress path, none was lost waiting",
              counter(arp, "sent") > GUESTS * 20 and counter(arp, "queue full") == 0 and
              counter(arp, "unreachable") == 0, arp)

        # A next hop that never answers (the uplink's gateway moved to an
        # address nobody has; 10.77.0.1 lies beyond it): a few requests, then its frames are dropped
        # and counted, and guest to gateway traffic carries on.
        ug.command("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.9")
        guests[0].ns.run("ping -c 8 -i 0.5 -W 1 10.77.0.1", check=False, timeout=30)
        # Three requests a second apart, then FAILED: look for a while, as
        # a loaded machine runs the appliance late.
        deadline = time.monotonic() + 10
        while True:
            arp2 = ug.command("show arp")
            if re.search(r"10\.88\.0\.9 .*failed", arp2) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        check("a next hop that does not answer is found unreachable and its frames dropped",
              counter(arp2, "unreachable") > 0 and re.search(r"10\.88\.0\.9 .*failed", arp2),
              arp2)
        check("after a bounded number of requests", counter(arp2, "ARP requests") - reqs <= 4,
              arp2)
        text = guests[1].ns.run("ping -c 3 -i 0.2 -W 1 192.168.99.2", check=False)
        check("guests still reach the gateway", "3 received" in text, text)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("neighbour table lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
