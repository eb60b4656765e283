#!/usr/bin/env python3
"""One guest cannot hurt another: a guest that runs its own DHCP server
(dnsmasq, a rogue range) hands no address to its neighbour, whose lease
comes from the gateway; the rogue's answers are dropped at its port and
counted. A clone of the neighbour (its MAC, on another port) gets no lease
while the neighbour's lease lives, and the neighbour renews as before. A
guest that takes the neighbour's address by hand (static, with gratuitous
ARP) is refused, reported on the console and in show conflicts, and the
neighbour's traffic through NAT carries on; a guest with a static address
of its own works under `guard learn`, and its directed broadcast to the
uplink's subnet does not leave; its broadcast flood reaches the others at
the storm-control rate only, and its flood of made-up source MACs fills
no more than its share of the MAC table. The outside's DHCP server, behind the
uplink port, still serves a guest of a bridged network.

                +---------------- unigate (QEMU q35, TCG) -----------------+
 ns out  ------ | eth0 uplink 10.88.0.2/24 (dnsmasq: DHCP .50-.60 outside) |
 ns g3   ------ | eth3  vmnet0 bridged: switched with the uplink          |
 ns g1   ------ | eth1 -+- vmnet8 nat 192.168.99.2/24, DHCP .128-.254     |
 (rogue DHCP    |       |                                                  |
  .50-.60)      |       |                                                  |
 ns g2   ------ | eth2 -+  (the victim: busybox udhcpc)                    |
 ns g4   ------ | eth4 -+  (a static guest, 192.168.99.40)                 |
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

SCRIPT = os.path.join(HERE, "dhcp-script.sh")
PROBE = os.path.join(HERE, "l2probe.py")
CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1 eth2 eth4
  address 192.168.99.2/24
  dhcp range 192.168.99.128 192.168.99.254
network vmnet0 bridged
  ports eth3
"""


def lease(p, work):
    """Runs busybox udhcpc once on port (p); returns its environment file's text."""
    env = os.path.join(work, p.ns_name)
    if os.path.exists(env + ".bound"):
        os.unlink(env + ".bound")
    p.ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t 4 -T 1 -s %s" %
             (env, p.tap, SCRIPT), check=False, timeout=30)
    return open(env + ".bound").read() if os.path.exists(env + ".bound") else ""


def dnsmasq(ug, p, addr, lo, hi, work):
    p.ns.run("ip addr add %s dev %s" % (addr, p.tap))
    return ug.spawn(p.ns_name, ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                "--port=0", "--no-ping", "--interface=%s" % p.tap,
                                "--bind-interfaces",
                                "--dhcp-range=%s,%s,1h" % (lo, hi),
                                "--dhcp-leasefile=%s/%s.leases" % (work, p.ns_name),
                                "--pid-file="])


def ping(p, dst, count=2):
    out = p.ns.run("ping -c %d -i 0.2 -W 1 %s" % (count, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def rogue_drops(ug):
    m = re.search(r"network vmnet8 .*?from guest ports dropped (\d+)",
                  ug.command("show counters"), re.S)
    return int(m.group(1)) if m else -1


def main():
    work = "/tmp/ug-guard-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
                        Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3"),
                        Port("e1000", ns="g4")],
                 config=CONFIG, log=None)
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3, g4 = ug.ports
        dnsmasq(ug, out, "10.88.0.1/24", "10.88.0.50", "10.88.0.60", work)
        rogue = dnsmasq(ug, g1, "192.168.99.66/24", "192.168.99.50", "192.168.99.60", work)
        time.sleep(1)  # both servers listening
        check("the rogue DHCP server runs", rogue.poll() is None,
              rogue.stdout.read() if rogue.poll() is not None else "")
        before = rogue_drops(ug)
        got = lease(g2, work)
        check("the victim's lease comes from the gateway, not the rogue guest",
              re.search(r"^ip=192\.168\.99\.(1[2-9]\d|2[0-5]\d)$", got, re.M) and
              re.search(r"^serverid=192\.168\.99\.2$", got, re.M), got)
        after = rogue_drops(ug)
        check("the rogue server's answers were dropped at its port and counted",
              before >= 0 and after > before, "before %d, after %d" % (before, after))
        victim_ip = re.search(r"^ip=(\S+)$", got, re.M)
        victim_ip = victim_ip.group(1) if victim_ip else "?"

        # A clone: the rogue guest takes the victim's MAC on its own port.
        rogue.kill()
        rogue.wait(timeout=10)
        mac2 = g2.ns.run("cat /sys/class/net/%s/address" % g2.tap).strip()
        g1.ns.run("ip addr flush dev %s" % g1.tap)
        g1.ns.run("ip link set %s down" % g1.tap)
        g1.ns.run("ip link set %s address %s" % (g1.tap, mac2))
        g1.ns.run("ip link set %s up" % g1.tap)
        got = lease(g1, work)
        dhcp = ug.command("show dhcp")
        m = re.search(r"lease held on another port (\d+)", dhcp)
        check("a clone of the victim on another port gets no lease while the victim's lives",
              "ip=" not in got and m and int(m.group(1)) > 0, got + dhcp)
        got = lease(g2, work)
        check("and the victim renews its address as before",
              re.search(r"^ip=%s$" % re.escape(victim_ip), got, re.M), got)
        # The thief: back to a MAC of its own, it takes the victim's
        # address by hand and announces it.
        g2.ns.run("ip route replace default via 192.168.99.2")
        check("the victim reaches outside through NAT", ping(g2, "10.88.0.1") > 0)
        g1.ns.run("ip link set %s down" % g1.tap)
        g1.ns.run("ip link set %s address 02:00:00:00:0a:01" % g1.tap)
        g1.ns.run("ip link set %s up" % g1.tap)
        g1.ns.run("ip addr add %s/24 dev %s" % (victim_ip, g1.tap))
        g1.ns.run("arping -U -c 2 -I %s %s" % (g1.tap, victim_ip), check=False, timeout=20)
        stolen = ping(g1, "192.168.99.2")
        check("a guest claiming the victim's address gets nothing through", stolen == 0,
              "%d replies" % stolen)
        check("the victim's traffic through NAT carries on", ping(g2, "10.88.0.1") > 0)
        conflicts = ug.command("show conflicts vmnet8")
        check("show conflicts names the address, both MACs and both ports",
              re.search(r"%s\s+%s on eth2\s+02:00:00:00:0a:01 on eth1" %
                        (re.escape(victim_ip), re.escape(mac2)), conflicts), conflicts)
        check("and the console said so, once",
              len(re.findall(r"guard: network vmnet8: %s is held by %s on eth2; "
                             r"02:00:00:00:0a:01 on eth1 claims it too" %
                             (re.escape(victim_ip), re.escape(mac2)), ug.out)) == 1,
              ug.out[-1500:])
        bindings = ug.command("show bindings vmnet8")
        m = re.search(r"taken (\d+)", bindings)
        check("the refused frames are counted", m and int(m.group(1)) > 0, bindings)

        # A guest with a static address of its own, under guard learn.
        g4.ns.run("ip addr add 192.168.99.40/24 dev %s" % g4.tap)
        g4.ns.run("ip route add default via 192.168.99.2")
        check("a static guest reaches the gateway and outside under guard learn",
              ping(g4, "192.168.99.2") > 0 and ping(g4, "10.88.0.1") > 0)
        check("and holds its address as learned",
              re.search(r"192\.168\.99\.40\s+\S+\s+eth4\s+learned",
                        ug.command("show bindings vmnet8")), ug.command("show bindings"))

        # A directed broadcast to the uplink's subnet is not forwarded (RFC 2644).
        pattern = "%016x" % (time.monotonic_ns() ^ os.getpid() << 40)
        cap = ug.spawn("out", ["python3", PROBE, "count", out.tap, pattern, "4"])
        time.sleep(0.5)
        g4.ns.run("ping -b -c 3 -i 0.2 -W 1 -p %s 10.88.0.255" % pattern, check=False,
                  timeout=20)
        seen = cap.communicate(timeout=15)[0].strip()
        m = re.search(r"directed broadcast (\d+)", ug.command("show nat"))
        check("a directed broadcast to the uplink's subnet does not leave, and is counted",
              seen == "0" and m and int(m.group(1)) >= 3, "seen %r, %s" % (seen, m and m.group(0)))

        # Storm control: a guest flooding broadcasts reaches its neighbours
        # at the configured rate only; the gateway still hears it.
        ug.command("storm control 50")
        pattern = "%016x" % (time.monotonic_ns() ^ os.getpid() << 41)
        cap = ug.spawn("g2", ["python3", PROBE, "count", g2.tap, pattern, "4"])
        time.sleep(0.5)
        t0 = time.monotonic()
        g4.ns.run("ping -b -l 300 -c 400 -i 0.01 -W 1 -p %s 192.168.99.255" % pattern,
                  check=False,
                  timeout=30)
        took = time.monotonic() - t0
        seen = cap.communicate(timeout=15)[0].strip()
        # A second's burst, then 50 a second while it lasts (with a margin).
        most = int(50 * (took + 2))
        counters = ug.command("show counters")
        m = re.search(r"network vmnet8 .*?kept from guests by storm control (\d+)", counters,
                      re.S)
        check("storm control: a flood of 400 broadcasts reaches a neighbour at about 50/s",
              seen.isdigit() and 40 <= int(seen) <= most and m and int(m.group(1)) >= 100 and
              int(m.group(1)) + int(seen) >= 350,
              "neighbour saw %r of 400 in %.1f s (at most %d); %s" %
              (seen, took, most, m and m.group(0)[-60:]))
        ug.command("no storm control")
        check("and the flooding guest still reaches its gateway", ping(g4, "192.168.99.2") > 0)

        # Random source MACs from one port cannot fill the MAC table.
        ug.spawn("g1", ["python3", PROBE, "macflood", g1.tap, "600"]).wait(timeout=60)
        counters = ug.command("show counters")
        lim = re.search(r"network vmnet8 .*?port's limit (\d+)", counters, re.S)
        size = re.search(r"network vmnet8 .*?switch: (\d+) of", ug.command("show networks"),
                         re.S)
        check("a flood of 600 source MACs from one port is held to its 256, counted",
              lim and int(lim.group(1)) >= 300 and size and int(size.group(1)) <= 256 + 8,
              "%s %s" % (lim and lim.group(0)[-40:], size and size.group(0)[-30:]))
        check("and the victim still reaches outside", ping(g2, "10.88.0.1") > 0)

        got = lease(g3, work)
        check("the outside DHCP server still serves a bridged guest through the uplink port",
              re.search(r"^ip=10\.88\.0\.(5\d|60)$", got, re.M), got)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("guard lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
