#!/usr/bin/env python3
"""Networks and the configuration language, end to end: a config passed by
fw_cfg, isolation between networks, host-only and bridged modes, the
running-config round trip (the rebooted appliance leases, answers and
forwards), live reconfiguration from the console checked by traffic, and a
bad fw_cfg file falling back to the last good config.

                +---------------- unigate (QEMU q35, TCG) -----------------+
 ns out  ------ | eth0 uplink 10.88.0.2/24 --+                              |
 (10.88.0.1)    |                            +- uplink switch               |
 ns g4   ------ | eth4 (vmnet0, bridged) ----+                              |
 (10.88.0.50)   |                                                           |
 ns g1   ------ | eth1 -+- vmnet8 nat      192.168.99.2/24                   |
 ns g2   ------ | eth2 -+                                                   |
 ns g3   ------ | eth3 --- vmnet1 hostonly 192.168.56.1/24                  |
 (default route |   (nothing from vmnet1 may reach ns out: l2probe.py count  |
  via .56.1)    |    watches out's tap for the guest's ping payload)         |
                +-----------------------------------------------------------+
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

PROBE = os.path.join(HERE, "l2probe.py")
SCRIPT = os.path.join(HERE, "dhcp-script.sh")
RT1_MAC = "02:00:00:00:01:11"  # reserved in vmnet8, used after the round trip
CONFIG = """# lab config
hostname labgate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1

network vmnet8 nat
  ports eth1 eth2
  address 192.168.99.2/24
  dhcp range 192.168.99.128 192.168.99.254
  dhcp host rt1 %s 192.168.99.20
network vmnet1 hostonly
  ports eth3
  address 192.168.56.1/24
network vmnet0 bridged
  ports eth4
""" % RT1_MAC

def ping(p, dst, count=2):
    out = p.ns.run("ping -c %d -i 0.2 -W 1 %s" % (count, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def addr(p, cidr):
    p.ns.run("ip addr flush dev %s" % p.tap)
    p.ns.run("ip addr add %s dev %s" % (cidr, p.tap))


def to_gateway(ug, net):
    """The frames network (net)'s switch has given to its gateway (CPU port)."""
    out = ug.command("show networks")
    m = re.search(r"network %s\b.*?(\d+) to the gateway" % net, out, re.S)
    return int(m.group(1)) if m else -1


def tagged_ping(ug, src, dst, watch, count=3):
    """Pings (dst) from port (src) with a payload pattern of our own while
    l2probe.py captures on port (watch)'s tap. Returns (replies, frames with
    the pattern that reached (watch)): the capture sees a packet whether or
    not something translated its addresses."""
    pattern = "%016x" % (time.monotonic_ns() ^ os.getpid() << 40)
    cap = ug.spawn(watch.ns_name, ["python3", PROBE, "count", watch.tap, pattern, "5"])
    time.sleep(0.5)
    out = src.ns.run("ping -c %d -i 0.2 -W 1 -p %s %s" % (count, pattern, dst),
                     check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    seen = cap.communicate(timeout=15)[0].strip()
    return (int(m.group(1)) if m else 0), (int(seen) if seen.isdigit() else -1)


def udhcpc(p, work):
    """One busybox udhcpc exchange on port (p); returns the leased address."""
    lease = os.path.join(work, p.ns_name)
    p.ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t 3 -T 1 -s %s"
             % (lease, p.tap, SCRIPT), check=False, timeout=30)
    try:
        with open(lease + ".bound") as f:
            env = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
    except OSError:
        return None
    return env.get("ip")


def running(ug):
    out = ug.command("show running-config")
    return "\n".join(l for l in out.splitlines() if not l.startswith("#")).strip() + "\n"


def lab(config):
    names = ["out", "g1", "g2", "g3", "g4"]
    models = ["virtio-net-pci", "virtio-net-pci", "e1000", "virtio-net-pci", "e1000e"]
    ports = [Port(m, ns=n) for m, n in zip(models, names)]
    return Unigate(ports=ports, log=None, config=config)


def main_lab():
    ug = lab(CONFIG)
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3, g4 = ug.ports
        addr(out, "10.88.0.1/24")
        addr(g1, "192.168.99.11/24")
        addr(g2, "192.168.99.12/24")
        addr(g3, "192.168.99.13/24")  # same subnet as vmnet8, other network
        addr(g4, "10.88.0.50/24")

        check("fw_cfg config is running", "hostname labgate" in ug.command("show running-config"))
        check("nat guests reach their gateway", ping(g1, "192.168.99.2") == 2)
        check("nat guests reach each other", ping(g1, "192.168.99.12") == 2)
        check("isolation: a guest of vmnet1 with a vmnet8 address reaches nothing there",
              ping(g3, "192.168.99.11") == 0 and ping(g3, "192.168.99.2") == 0)
        tag = "iso-%d" % os.getpid()
        listeners = [ug.spawn(p.ns_name, ["python3", PROBE, "recv", p.tap, tag, "2"])
                     for p in (g2, g3, g4, out)]
        time.sleep(0.5)
        g1.ns.run("python3 %s send %s %s" % (PROBE, g1.tap, tag))
        counts = [int(l.communicate(timeout=10)[0].strip() or -1) for l in listeners]
        check("isolation: a broadcast in vmnet8 reaches g2 only (g2, g3, g4, out = %s)" % counts,
              counts == [1, 0, 0, 0], str(counts))

        addr(g3, "192.168.56.10/24")
        check("host-only guest reaches its gateway 192.168.56.1", ping(g3, "192.168.56.1") == 2)
        # Without a default route the guest would never send the packet and
        # the check could not fail: route everything via the gateway, as a
        # DHCP-configured guest would, so only unigate can stop it.
        g3.ns.run("ip route add default via 192.168.56.1")
        before = to_gateway(ug, "vmnet1")
        replies, seen = tagged_ping(ug, g3, "10.88.0.1", out)
        took = to_gateway(ug, "vmnet1") - before
        check("host-only network has no route out: its pings to 10.88.0.1 reach the gateway "
              "(%d frames) and nothing reaches ns out (%d frames, %d replies)"
              % (took, seen, replies), took >= 3 and seen == 0 and replies == 0,
              "to gateway %d, seen outside %d, replies %d" % (took, seen, replies))
        # The same capture does see a packet that is allowed out.
        replies, seen = tagged_ping(ug, g4, "10.88.0.1", out)
        check("and the capture on ns out sees the bridged guest's pings (%d)" % seen,
              replies == 3 and seen == 3, "replies %d, seen %d" % (replies, seen))
        g3.ns.run("ip route del default")

        check("bridged guest reaches the outside host at L2 (ping)", ping(g4, "10.88.0.1") == 2)
        arp = g4.ns.run("arping -c 2 -w 5 -I %s 10.88.0.1" % g4.tap, check=False, timeout=20)
        check("bridged guest gets ARP replies from the outside host", "bytes from" in arp, arp)
        check("the appliance's uplink address answers beside the bridged guest",
              ping(out, "10.88.0.2") == 2 and ping(g4, "10.88.0.2") == 2)
        check("other networks unaffected by the bridge", ping(g1, "192.168.99.2") == 2)

        # Live reconfiguration: eth2 moves from vmnet8 to vmnet1.
        for line in ("network vmnet8", "ports eth1", "exit", "network vmnet1",
                     "ports eth2 eth3", "exit"):
            err = ug.command(line)
            check("console accepts '%s'" % line, "%" not in err, err)
        addr(g2, "192.168.56.12/24")
        check("moved port: g2 now reaches vmnet1's gateway", ping(g2, "192.168.56.1") == 2)
        check("moved port: g2 now reaches g3 in vmnet1", ping(g2, "192.168.56.10") == 2)
        check("moved port: g1 keeps working in vmnet8", ping(g1, "192.168.99.2") == 2)

        ug.command("network vmnet1")
        ug.command("address 192.168.57.1/24")
        ug.command("exit")
        addr(g3, "192.168.57.10/24")
        check("changed address: vmnet1's gateway answers on 192.168.57.1",
              ping(g3, "192.168.57.1") == 2)
        ug.command("network vmnet2 hostonly")
        ug.command("address 192.168.58.1/24")
        ug.command("exit")
        ug.command("network vmnet1")
        ug.command("ports eth2")
        ug.command("exit")
        ug.command("network vmnet2")
        ug.command("ports eth3")
        ug.command("exit")
        addr(g3, "192.168.58.10/24")
        check("added network at run time: its guest reaches 192.168.58.1",
              ping(g3, "192.168.58.1") == 2)
        addr(g2, "192.168.57.12/24")
        ug.command("no network vmnet2")
        check("removed network: its gateway is gone", ping(g3, "192.168.58.1", 1) == 0)
        check("and the others carry on", ping(g1, "192.168.99.2") == 2 and
              ping(g2, "192.168.57.1") == 2)

        bad = ug.command("network vmnet8")
        bad = ug.command("address 192.168.99.300/24")
        check("a bad statement is rejected with column and caret",
              re.search(r"% column \d+: .*\n.*address 192\.168\.99\.300/24\n *\^", bad), bad)
        ug.command("exit")
        check("and changed nothing", ping(g1, "192.168.99.2") == 2)

        # Round trip: boot with show running-config as the config.
        text = running(ug)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("config lab runs", False, "%s: %s" % (type(e).__name__, e))
        return None
    finally:
        ug.close()
    return text


def round_trip(text):
    ug = lab(text)
    work = "/tmp/ug-config-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    try:
        ug.start()
        ug.wait_ready()
        again = running(ug)
        check("booting with show running-config gives the same running-config",
              again == text, "first:\n%s\nsecond:\n%s" % (text, again))
        # The booted state works, by traffic in each network: vmnet8's DHCP
        # range, reservation and DNS name, vmnet1's moved port and changed
        # address, the bridge.
        out, g1, g2, g3, g4 = ug.ports
        addr(out, "10.88.0.1/24")
        addr(g4, "10.88.0.50/24")
        g1.ns.run("ip link set %s address %s" % (g1.tap, RT1_MAC))
        ip = udhcpc(g1, work)
        check("and the booted state works: vmnet8 leases rt1 its reservation (%s)" % ip,
              ip == "192.168.99.20", str(ip))
        check("the leased guest reaches its gateway", ping(g1, "192.168.99.2") == 2)
        name = g1.ns.run("dig +short +time=2 +tries=2 @192.168.99.2 rt1", check=False,
                         timeout=30).strip()
        check("the gateway resolves the reservation's name (%s)" % name,
              name == "192.168.99.20", name)
        addr(g2, "192.168.57.12/24")
        check("vmnet1 kept eth2 and its changed address 192.168.57.1",
              ping(g2, "192.168.57.1") == 2)
        check("the bridged guest still reaches the outside host", ping(g4, "10.88.0.1") == 2)
    except Exception as e:
        check("round trip boots", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)


def bad_file():
    bad = CONFIG.replace("  address 192.168.56.1/24", "  address 192.168.56.1/33")
    line = bad.splitlines().index("  address 192.168.56.1/33") + 1
    ug = lab(bad)
    try:
        ug.start()
        ug.wait_ready()
        check("a bad fw_cfg file is reported with its line, column and a caret",
              re.search(r"line %d, column \d+: [^\n]*\n\s*address 192\.168\.56\.1/33\n *\^"
                        % line, ug.out), ug.out[-600:])
        out = ug.command("show running-config")
        check("and the appliance runs the last good config (the baked-in one)",
              "booted from config/default.conf" in out and "labgate" not in out and
              "vmnet1" not in out, out)
    except Exception as e:
        check("bad file boots", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()


def main():
    text = main_lab()
    if text:
        round_trip(text)
    bad_file()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
