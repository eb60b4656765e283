#!/usr/bin/env python3
"""make demo: boots unigate with an uplink and two guests, each guest a
network namespace on a tap, and shows what happens when they use it.

    ns up --- eth0 (uplink)
    ns g1 --- eth1 -+- vmnet8: switch + gateway 192.168.99.2/24
    ns g2 --- eth2 -+
Everything is removed at the end (tools/lab.py, by PID and by name).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tools.lab import Port, Unigate  # noqa: E402


def show(title, text):
    print("\n=== %s\n%s" % (title, text.rstrip()), flush=True)


def main():
    ports = [Port("virtio-net-pci", ns="up"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="g2")]
    with Unigate(ports=ports, log=None) as ug:
        ms = ug.wait_ready()
        show("boot (ready in %d ms)" % ms, ug.out[:ug.pos])
        g1, g2 = ug.ports[1], ug.ports[2]
        g1.ns.run("ip addr add 192.168.99.11/24 dev %s" % g1.tap)
        g2.ns.run("ip addr add 192.168.99.12/24 dev %s" % g2.tap)
        show("g1: ping the gateway", g1.ns.run("ping -c 3 -i 0.2 192.168.99.2", check=False))
        show("g1: ping g2 through the switch", g1.ns.run("ping -c 3 -i 0.2 192.168.99.12",
                                                         check=False))
        for cmd in ("show ports", "show mac", "show counters"):
            show("unigate> " + cmd, ug.command(cmd))
        ug.send("halt\r")
        ug.wait_exit(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
