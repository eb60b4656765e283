#!/usr/bin/env python3
"""Loop detection: a guest that bridges two of its NICs (a Linux bridge
without STP over two unigate ports) closes a loop; unigate's probes find it
within seconds, block one of the two ports (not both), print one line, and
the network goes on working for everyone: the other guest pings the
gateway, and the looping guest still reaches it through its open port.
Two clients of the looping guest took DHCP leases before the loop, one
through each port: whichever port is blocked, the client whose lease was
tied to it gets the same address again through the open one (the lease
follows it; it is not held for the blocked port).

 ns g1 ---------------- eth1 -+
 ns lp: br0 (no STP) -+- eth2 -+- vmnet8 hostonly 192.168.99.2/24, DHCP .100-.150
        vb (ns lpb) --+- eth3 -+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results, udhcpc as lease  # noqa: E402

CONFIG = """network vmnet8 hostonly
  ports eth1-eth3
  address 192.168.99.2/24
  dhcp range 192.168.99.100 192.168.99.150
"""


def main():
    ports = [Port("virtio-net-pci", ns="g1"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="lp"), Port("virtio-net-pci", ns="lp")]
    ug = Unigate(ports=ports, config=CONFIG, log=None)
    work = "/tmp/ug-loop-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    try:
        ug.start()
        ug.wait_ready(60)
        g1, lp = ug.ports[1], ug.ports[2]
        g1.ns.run("ip addr add 192.168.99.11/24 dev %s" % g1.tap)
        ping = g1.ns.run("ping -c 2 -i 0.2 -W 2 192.168.99.2", check=False)
        check("before the loop, g1 pings the gateway", " 0% packet loss" in ping, ping[-200:])
        # Before the loop: br0 takes its lease through eth2 alone; vb, a
        # second client behind the same bridge, through eth3 alone.
        eth2, eth3 = ug.ports[2].tap, ug.ports[3].tap
        lpb = ug.ns("lpb")
        # A fixed MAC: a bridge otherwise takes its lowest port's, which changes
        # as eth3 joins, and would make br0 a new client with a new address.
        lp.ns.run("ip link add br0 address 02:00:00:00:77:01 type bridge stp_state 0 "
                  "forward_delay 0")
        lp.ns.run("ip link add vbp type veth peer name vb")
        lp.ns.run("ip link set vb netns %s" % lpb.name)
        lpb.run("ip link set vb up")
        lp.ns.run("ip link set vbp master br0")
        lp.ns.run("ip link set vbp up")
        lp.ns.run("ip link set br0 up")
        lp.ns.run("ip link set %s master br0" % eth3)
        lease_b = lease(lpb, "vb", work)
        lp.ns.run("ip link set %s nomaster" % eth3)
        lp.ns.run("ip link set %s master br0" % eth2)
        lease_a = lease(lp.ns, "br0", work)
        check("before the loop, br0 leases through eth2 and vb through eth3",
              lease_a.startswith("192.168.99.") and lease_b.startswith("192.168.99."),
              "br0 %r, vb %r" % (lease_a, lease_b))
        ug.pos = len(ug.out)
        lp.ns.run("ip link set %s master br0" % eth3)
        t0 = time.monotonic()
        try:
            line = ug.expect(r"loop: network vmnet8: a probe sent on eth(\d) came back on "
                             r"eth(\d); eth(\d) blocked for 60 s", 10)
            found = time.monotonic() - t0
        except Exception as e:  # noqa: BLE001 - reported as the check's detail
            line, found = str(e), None
        check("the loop is found within 10 s (%s s)" % (found and "%.1f" % found), found, line)
        time.sleep(3)  # more probe rounds: they must not block the other port too
        nets = ug.command("show networks")
        blocked = re.findall(r"(eth\d)\(blocked: loop\)", nets)
        check("exactly one of eth2, eth3 is blocked", len(blocked) == 1 and
              blocked[0] in ("eth2", "eth3"), nets)
        ping = g1.ns.run("ping -c 5 -i 0.2 -W 2 192.168.99.2", check=False)
        check("with the loop in place, g1 still pings the gateway", " 0% packet loss" in ping,
              ping[-200:])
        ping = lp.ns.run("ping -c 3 -i 0.2 -W 2 -I br0 192.168.99.2", check=False)
        check("and the looping guest reaches it through its open port",
              " 0% packet loss" in ping, ping[-200:])
        again_a = lease(lp.ns, "br0", work)
        again_b = lease(lpb, "vb", work)
        check("both clients get their addresses again through the open port",
              again_a == lease_a and again_b == lease_b,
              "br0 %r then %r, vb %r then %r, blocked %s; %s" %
              (lease_a, again_a, lease_b, again_b, blocked, ug.command("show dhcp")))
        counters = ug.command("show counters")
        m = re.search(r"loops found (\d+); frames dropped on ports blocked for a loop (\d+)",
                      counters)
        check("show counters: one loop found, the blocked port's frames dropped",
              m and m.group(1) == "1" and int(m.group(2)) > 0, counters[-600:])
    finally:
        ug.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
