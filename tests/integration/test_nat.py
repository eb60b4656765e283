#!/usr/bin/env python3
"""The NAT gateway with real tools: curl and ping from guests to the outside,
a TTL-limited probe answered by the gateway and by a router outside (its
time-exceeded translated back), port forwards from outside and hairpinned
from a guest, endpoint-independent mapping, iperf3 TCP and UDP through NAT,
a small table refusing new flows while an existing one carries on, and a
host-only network that is never translated.

                 +---------------- unigate (QEMU q35, TCG) ----------------+
 ns out -------- | eth0 uplink 10.88.0.2/24, gateway 10.88.0.1               |
 10.88.0.1,.3,.4 |                                                          |
   |  (router)   |                                                          |
 ns far          |                                                          |
 10.99.0.2       |                                                          |
 ns g1 --------- | eth1 -+- vmnet8 nat 192.168.99.2/24                      |
 ns g2 --------- | eth2 -+    forward tcp 8080 -> g2:8000                   |
 ns g3 --------- | eth3 --- vmnet1 hostonly 192.168.56.1/24                 |
                 +----------------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results  # noqa: E402
sys.path.insert(0, HERE)
from iperf_volume import iperf_volume  # noqa: E402

PEER = os.path.join(HERE, "nat_peer.py")
PROBE = os.path.join(HERE, "l2probe.py")
CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1 eth2
  address 192.168.99.2/24
  forward tcp 8080 192.168.99.12 8000
network vmnet1 hostonly
  ports eth3
  address 192.168.56.1/24
"""

def web(ug, ns, addr, port, text, work):
    root = os.path.join(work, ns)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(text)
    return ug.spawn(ns, ["busybox", "httpd", "-f", "-p", "%s:%d" % (addr, port), "-h", root])


def curl(ns, url):
    return ns.run("curl -s -m 5 %s" % url, check=False, timeout=20)


def main():
    work = "/tmp/ug-nat-%d" % os.getpid()
    ports = [Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3")]
    ug = Unigate(ports=ports, log=None, config=CONFIG)
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3 = ug.ports
        for p, cidr, gw in ((out, "10.88.0.1/24", None), (g1, "192.168.99.11/24", "192.168.99.2"),
                            (g2, "192.168.99.12/24", "192.168.99.2"),
                            (g3, "192.168.56.10/24", "192.168.56.1")):
            p.ns.run("ip addr add %s dev %s" % (cidr, p.tap))
            if gw:
                p.ns.run("ip route add default via %s" % gw)
        for extra in ("10.88.0.3/24", "10.88.0.4/24"):
            out.ns.run("ip addr add %s dev %s" % (extra, out.tap))
        # A router outside: out forwards to far.
        ug.link("out", "10.99.0.1/24", "far", "10.99.0.2/24")
        out.ns.run("sysctl -qw net.ipv4.ip_forward=1")
        ug.ns("far").run("ip route add default via 10.99.0.1")
        web(ug, "out", "10.88.0.1", 8000, "outside web\n", work)
        web(ug, "g2", "192.168.99.12", 8000, "g2 web\n", work)
        time.sleep(0.5)

        check("curl from a guest to a web server outside, through NAT",
              curl(g1.ns, "http://10.88.0.1:8000/") == "outside web\n")
        ping = g1.ns.run("ping -n -c 3 -i 0.2 -W 2 10.88.0.1", check=False, timeout=20)
        check("ping outside from a guest", "3 received" in ping, ping)
        sessions = ug.command("show nat")
        check("show nat lists the guest's sessions with state and idle time",
              re.search(r"tcp\s+192\.168\.99\.11:\d+\s+\d+\s+10\.88\.0\.1:8000\s+\S+\s+\d+",
                        sessions) and re.search(r"icmp\s+192\.168\.99\.11", sessions), sessions)

        ttl1 = g1.ns.run("ping -n -c 1 -t 1 -W 2 10.99.0.2", check=False, timeout=20)
        check("TTL 1: the gateway itself sends time exceeded",
              "From 192.168.99.2 icmp_seq=1 Time to live exceeded" in ttl1, ttl1)
        ttl2 = g1.ns.run("ping -n -c 1 -t 2 -W 2 10.99.0.2", check=False, timeout=20)
        check("TTL 2: the outside router's time exceeded comes back translated",
              "From 10.88.0.1 icmp_seq=1 Time to live exceeded" in ttl2, ttl2)
        check("and a full-TTL ping crosses the router", "1 received" in g1.ns.run(
            "ping -n -c 1 -W 2 10.99.0.2", check=False, timeout=20))

        check("port forward from outside reaches the guest's server",
              curl(out.ns, "http://10.88.0.2:8080/") == "g2 web\n")
        check("the same forward hairpinned from another guest",
              curl(g1.ns, "http://10.88.0.2:8080/") == "g2 web\n")

        sink = ug.spawn("out", ["python3", PEER, "udp-sink", "7000", "4", "10.88.0.1",
                                "10.88.0.3", "10.88.0.4"])
        time.sleep(0.5)
        g1.ns.run("python3 %s eim 7000 10.88.0.1 10.88.0.3 10.88.0.4" % PEER)
        seen = sink.communicate(timeout=20)[0].split("\n")
        srcs = {l.split()[1] for l in seen if l.strip()}
        check("one UDP socket to three destinations keeps one outside port (EIM): %s" % srcs,
              len([l for l in seen if l.strip()]) == 3 and len(srcs) == 1 and
              all(s.startswith("10.88.0.2:") for s in srcs), str(seen))

        # Volume, not speed (make bench measures speed): megabytes crossed
        # and the server counted at least 90% of what the client sent.
        tcp = iperf_volume(ug, "out", "10.88.0.1", "g1", ["-t", "2"])
        good, why = tcp.enough(min_mb=10)
        check("iperf3 TCP through NAT: %s (%.0f Mbit/s)" % (tcp, tcp.mbit()), good, why)
        # 50 Mbit/s for 2 s offers 12.5 MB.
        udp = iperf_volume(ug, "out", "10.88.0.1", "g1", ["-u", "-b", "50M", "-t", "2"])
        good, why = udp.enough(min_mb=10)
        check("iperf3 UDP through NAT: %s (%.0f Mbit/s)" % (udp, udp.mbit()), good, why)

        # No reply is not enough (a packet sent out untranslated gets none):
        # nothing with the guest's ping payload may reach ns out at all.
        pattern = "%016x" % (time.monotonic_ns() ^ os.getpid() << 40)
        cap = ug.spawn("out", ["python3", PROBE, "count", out.tap, pattern, "4"])
        time.sleep(0.5)
        ping3 = g3.ns.run("ping -n -c 2 -W 1 -p %s 10.88.0.1" % pattern, check=False,
                          timeout=20)
        seen = cap.communicate(timeout=15)[0].strip()
        check("a host-only guest is never translated: nothing of its pings reaches outside "
              "(%s frames seen)" % seen, "0 received" in ping3 and seen == "0",
              "seen %s; %s" % (seen, ping3))

        # A small table: new flows are refused, an existing one carries on.
        ug.command("nat sessions 64")
        echo = ug.spawn("out", ["python3", PEER, "echo", "10.88.0.1", "7001", "20"])
        time.sleep(0.5)
        held = g1.ns.run("python3 %s hold 10.88.0.1 7001 7002 100" % PEER, check=False,
                         timeout=40).strip()
        echo.communicate(timeout=30)
        counters = ug.command("show nat")
        check("with a 64-session table, 100 new flows are refused and counted",
              re.search(r"refused: full [1-9]", counters), counters[-800:])
        check("while the existing TCP connection keeps working", held == "held", held)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("NAT lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
