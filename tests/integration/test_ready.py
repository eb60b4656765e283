#!/usr/bin/env python3
"""Ready means serving: when the ready line is printed, every port
receives. QEMU's 8254x models take no frame for a second after the
receiver is enabled (hw/net/e1000.c, flush_queue_timer), so each e1000
port proves it receives with a probe frame looped back by its PHY
(drivers/e1000.h) before ready is printed. Two guests on two 8254x models
ask for a lease at once, the moment the ready line appears: each gets its
OFFER within 400 ms of its DISCOVER on the wire (with the ready line
printed at set-up, as before, the DISCOVER waited out the rest of QEMU's
second: ~700 ms). The ready line says how long set-up took and that it
waited; show e1000 says each probe ended with a frame; no probe frame
reaches the wire (the PHY looped them), and transmit works after it.

                +------------- unigate (QEMU q35, TCG) -------------+
 ns up   ------ | eth0 e1000 (82540EM)  uplink 10.88.0.2/24          |
 ns g1   ------ | eth1 e1000 (82540EM) -+- vmnet8 nat 192.168.99.2/24 |
 ns g2   ------ | eth2 e1000-82544gc   -+  DHCP .128-.254             |
 ns g3   ------ | eth3 virtio-net      -+                             |
                +---------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tools.lab import Capture, Port, Unigate, check, results  # noqa: E402

CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1 eth2 eth3
  address 192.168.99.2/24
  dhcp range 192.168.99.128 192.168.99.254
"""
# One DISCOVER, one second for the OFFER, then the REQUEST.
UDHCPC = "busybox udhcpc -f -q -n -s /bin/true -t 1 -T 1 -A 1 -i %s"
STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) ")


def stamp(line):
    m = STAMP.match(line)
    return (int(m.group(1)) * 60 + int(m.group(2))) * 60 + float(m.group(3))


def answer_ms(lines, mac):
    """Milliseconds from the client (mac)'s first DHCP request (its
    DISCOVER) to the first server reply to it (the OFFER), in a capture's
    lines (the other guest's DISCOVER is flooded here too); None if either
    is missing."""
    t_ask = None
    for line in lines:
        if not STAMP.match(line):
            continue
        if t_ask is None and "BOOTP/DHCP, Request from %s" % mac in line:
            t_ask = stamp(line)
        elif t_ask is not None and "> %s," % mac in line and "BOOTP/DHCP, Reply" in line:
            return (stamp(line) - t_ask) * 1000
    return None


def mac_of(port):
    out = port.ns.run("ip -o link show dev %s" % port.tap)
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def main():
    work = tempfile.mkdtemp(prefix="ug-ready-")
    ug = Unigate(log=None, accel="tcg", config=CONFIG,
                 ports=[Port("e1000", ns="up"), Port("e1000", ns="g1"),
                        Port("e1000-82544gc", ns="g2"), Port("virtio-net-pci", ns="g3")])
    try:
        ug.start()
        caps = {}
        for i, g in ((1, "g1"), (2, "g2")):
            caps[g] = Capture(ug, g, ug.ports[i].tap, os.path.join(work, g + ".txt"),
                              direction=None)
        m = ug.expect(r"unigate ready in (\d+) ms(.*)\n", 30)
        clients = [ug.spawn(ug.ports[i].ns_name, (UDHCPC % ug.ports[i].tap).split())
                   for i in (1, 2)]
        outs = []
        for c in clients:
            try:
                outs.append(c.communicate(timeout=20)[0])
            except subprocess.TimeoutExpired:
                c.kill()
                outs.append(c.communicate()[0])
        ready, rest = int(m.group(1)), m.group(2)
        setup = re.search(r"\(set up in (\d+) ms, then waited for (\d+) port\(s\) to receive\)",
                          rest)
        check("the ready line says set-up ended earlier and that it waited for the 3 e1000 "
              "ports", setup and int(setup.group(1)) <= ready and setup.group(2) == "3",
              m.group(0))
        deadline = time.monotonic() + 5  # tcpdump writes its lines a little later
        while time.monotonic() < deadline and not all(
                "Reply" in c.text() for c in caps.values()):
            time.sleep(0.1)
        for k, g in enumerate(("g1", "g2")):
            model = ug.ports[k + 1].model
            check("%s (%s): a lease from one DISCOVER sent at the ready line" % (g, model),
                  "obtained" in outs[k] or "lease of" in outs[k], outs[k][-300:])
            ms = answer_ms(caps[g].lines(), mac_of(ug.ports[k + 1]))
            check("%s (%s): the OFFER is on the wire within 400 ms of the DISCOVER "
                  "(the port was receiving at ready)" % (g, model),
                  ms is not None and ms < 400, "%s ms; %s" % (ms, caps[g].text()[-600:]))
            check("%s (%s): no probe frame reached the wire" % (g, model),
                  "0x88b5" not in caps[g].text(), caps[g].text()[-600:])
        out = ug.command("show e1000")
        probes = re.findall(r"receive probe: a frame arrived after (\d+) ms, (\d+) probe frames",
                            out)
        check("show e1000: every e1000 port's probe ended with a frame", len(probes) == 3, out)
        out = ug.command("show ports")
        check("show ports: the guests' ports sent their answers (transmit is back after the "
              "probe)", re.search(r"eth1 .*\n\s+rx [1-9]\d* packets .* tx [1-9]", out)
              is not None, out)
    except Exception as e:  # a timeout or crash fails the test, with its reason
        check("the appliance boots and serves", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
