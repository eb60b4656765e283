#!/usr/bin/env python3
"""Ports and the switch, with real tools in network namespaces, for every
NIC model and for a mix: guests ping the gateway (lwIP on the CPU port) and
each other (switched, never through lwIP), arping, a broadcast reaches every
other port but not its sender, a silent guest ages out of the MAC table, and
iperf3 TCP carries megabytes between two guests (the receiver counts at least
90% of what was sent).

            +------------------- unigate (QEMU q35, TCG) ------------------+
 ns up  ----| eth0  uplink (unused until the NAT issue)                    |
 ns g1  ----| eth1 -+                                                       |
 ns g2  ----| eth2 -+- vmnet8 learning switch -- CPU port 192.168.99.2/24  |
 ns g3  ----| eth3 -+                                                       |
            +--------------------------------------------------------------+
 guests: gN has 192.168.99.(10+N)/24 on its tap; nothing routes anywhere else.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import LabError, Port, Unigate, check, results  # noqa: E402
sys.path.insert(0, HERE)
from iperf_volume import iperf_volume  # noqa: E402

GATEWAY = "192.168.99.2"
PROBE = os.path.join(HERE, "l2probe.py")

def counters(ug):
    out = ug.command("show counters")
    m = re.search(r"network vmnet8 .*\n  switch: in (\d+), unicast (\d+),.* to cpu (\d+)", out)
    if not m:
        raise LabError("no vmnet8 switch counters in:\n" + out)
    return {"in": int(m.group(1)), "forwarded": int(m.group(2)), "to-cpu": int(m.group(3))}


def guest(ug, n):
    p = ug.ports[n]
    p.ns.run("ip addr add 192.168.99.%d/24 dev %s" % (10 + n, p.tap))
    return p


def mac_of(p):
    return p.ns.run("cat /sys/class/net/%s/address" % p.tap).strip()


def ping(p, dst, count=3):
    out = p.ns.run("ping -c %d -i 0.2 -W 2 %s" % (count, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def topology(label, models, extra_checks=False):
    ports = []
    for i, spec in enumerate(models):
        model, _, opts = spec.partition(",")
        ports.append(Port(model, ns="g%d" % i if i else "up", opts=opts,
                          mac="52:54:00:ab:00:%02x" % i))
    ug = Unigate(ports=ports, log=None)
    try:
        ug.start()
        ug.wait_ready(timeout=30)
        guests = [guest(ug, n) for n in range(1, len(ports))]
        out = ug.command("show ports")
        check("%s: show ports lists eth0..eth%d with link up" % (label, len(ports) - 1),
              all(re.search(r"^eth%d\s+\S+\s+%s\s+up" % (i, re.escape(p.mac)), out, re.M)
                  for i, p in enumerate(ports)), out)

        for i, g in enumerate(guests, 1):
            got = ping(g, GATEWAY)
            check("%s: g%d (%s) pings the gateway %s" % (label, i, g.model, GATEWAY), got == 3,
                  "%d of 3 replies" % got)

        if len(guests) >= 2:
            before = counters(ug)
            got = ping(guests[0], "192.168.99.12", count=10)
            after = counters(ug)
            check("%s: g1 pings g2 through the switch" % label, got == 10, "%d of 10" % got)
            fwd = after.get("forwarded", 0) - before.get("forwarded", 0)
            cpu = after.get("to-cpu", 0) - before.get("to-cpu", 0)
            check("%s: guest-to-guest frames are switched, not given to lwIP "
                  "(forwarded +%d, to-cpu +%d)" % (label, fwd, cpu), fwd >= 20 and cpu < 10,
                  str((before, after)))

        out = ug.command("show mac")
        missing = [i for i, g in enumerate(guests, 1)
                   if not re.search(r"%s\s+eth%d\s+dynamic\s+\d+" % (re.escape(mac_of(g)), i), out)]
        check("%s: show mac has every guest on its port" % label, not missing,
              "missing g%s in:\n%s" % (missing, out))

        if extra_checks:
            broadcast(label, ug, guests)
            arping(label, guests[0])
            aging(label, ug, guests)
            iperf(label, ug, guests)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("%s: topology runs" % label, False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()


def broadcast(label, ug, guests):
    tag = "bcast-%d" % os.getpid()
    listeners = [ug.spawn(g.ns_name, ["python3", PROBE, "recv", g.tap, tag, "3"])
                 for g in guests]
    time.sleep(0.5)
    guests[0].ns.run("python3 %s send %s %s" % (PROBE, guests[0].tap, tag))
    counts = [int(p.communicate(timeout=10)[0].strip() or -1) for p in listeners]
    check("%s: a broadcast from g1 reaches every other guest once and not g1 (%s)" %
          (label, counts), counts[0] == 0 and all(c == 1 for c in counts[1:]), str(counts))


def arping(label, g):
    out = g.ns.run("arping -c 2 -w 5 -I %s %s" % (g.tap, GATEWAY), check=False, timeout=20)
    check("%s: arping gets ARP replies from the gateway" % label,
          re.search(r"2 packets transmitted, 2 packets received", out) or
          len(re.findall(r"bytes from", out)) >= 2, out)


def aging(label, ug, guests):
    ug.command("mac aging 4")
    g = guests[-1]
    ping(g, GATEWAY, count=1)
    mac = mac_of(g)
    # The other guests keep talking; g stays silent.
    deadline = time.monotonic() + 15
    gone = False
    while time.monotonic() < deadline:
        ping(guests[0], GATEWAY, count=1)
        if mac not in ug.command("show mac"):
            gone = True
            break
        time.sleep(1)
    check("%s: a silent guest ages out (aging 4 s)" % label, gone)
    ping(g, GATEWAY, count=1)
    check("%s: and is learned again when it speaks" % label, mac in ug.command("show mac"))
    ug.command("mac aging 300")


def iperf(label, ug, guests):
    # Volume, not speed (make bench measures speed): megabytes crossed and
    # g2 counted at least 90% of what g1 sent.
    v = iperf_volume(ug, guests[1].ns_name, "192.168.99.12", guests[0].ns_name, ["-t", "2"])
    good, why = v.enough(min_mb=10)
    check("%s: iperf3 TCP g1 -> g2 through the switch: %s (%.0f Mbit/s)" %
          (label, v, v.mbit()), good, why)


def main():
    only = sys.argv[1:]  # e.g. "virtio" to run one topology
    topologies = [
        ("virtio-net", ["virtio-net-pci"] * 4, True),
        ("e1000 82540EM", ["e1000"] * 4, True),
        ("e1000 82545EM", ["e1000-82545em"] * 3, False),
        ("e1000 82544GC", ["e1000-82544gc"] * 3, False),
        ("e1000e 82574L", ["e1000e"] * 3, False),
        ("mixed", ["virtio-net-pci", "e1000", "e1000e", "virtio-net-pci,disable-modern=on",
                   "e1000-82545em"], False),
    ]
    for label, models, extra in topologies:
        if only and not any(o in label for o in only):
            continue
        topology(label, models, extra)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
