#!/usr/bin/env python3
"""A /16 DHCP pool with real clients: the lease table is sized to the range
(65,521 records), busybox udhcpc gets the lowest addresses with a /16 mask,
show leases and show dhcp say so, a range too big for one network is
refused at the console with nothing changed, and a live range change
(shrink, then grow) moves the leases into a table of the new size: the
clients renew their addresses, and a new one gets the next never-used.

                +------------- unigate (QEMU q35, TCG) -------------+
 ns g1 -------- | eth1   network lab hostonly, 10.10.0.1/16          |
 ns g2 -------- | eth2   dhcp range 10.10.0.10 - 10.10.255.250       |
                +---------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results, udhcpc_lease  # noqa: E402

CONFIG = """hostname pool16
network lab hostonly
  ports eth1 eth2
  address 10.10.0.1/16
  dhcp range 10.10.0.10 10.10.255.250 lease 10m
"""


def records(ug):
    """(in use, records) from show leases' summary, or None."""
    out = ug.command("show leases")
    m = re.search(r"(\d+) of (\d+) records in use", out)
    return (int(m.group(1)), int(m.group(2))) if m else out


def bindings(ug):
    """(held, capacity) of network lab's guard, from show bindings."""
    m = re.search(r"table holds (\d+) of (\d+)", ug.command("show bindings lab"))
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


def set_range(ug, first, last):
    """Types a new dhcp range for network lab; returns what it printed."""
    ug.command("network lab")
    out = ug.command("dhcp range %s %s lease 10m" % (first, last))
    ug.command("exit")
    return out


def main():
    work = "/tmp/ug-pool16-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ports = [Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="g2")]
    ug = Unigate(ports=ports, log=None, config=CONFIG)
    try:
        ug.start()
        ug.wait_ready()
        _, g1, g2 = ug.ports
        check("the lease table is sized to the /16 range", records(ug) == (0, 65521),
              str(records(ug)))

        e1 = udhcpc_lease(g1.ns, g1.tap, work)
        e2 = udhcpc_lease(g2.ns, g2.tap, work)
        check("udhcpc on g1 gets the lowest address with a /16 mask (%r)" % e1,
              e1.get("ip") == "10.10.0.10" and e1.get("subnet") == "255.255.0.0", str(e1))
        check("udhcpc on g2 gets the next one (%r)" % e2, e2.get("ip") == "10.10.0.11", str(e2))
        leases = ug.command("show leases")
        check("show leases lists both, bound, 2 of 65521 records in use",
              "10.10.0.10 " in leases and "10.10.0.11 " in leases and "bound" in leases and
              "2 of 65521 records in use" in leases, leases)
        dhcp = ug.command("show dhcp")
        check("show dhcp counts the offers and ACKs", re.search(r"offer 2, ack 2\b", dhcp), dhcp)
        held, cap = bindings(ug)
        check("the guard holds both leases, in a table for the whole pool (%d of %d)" % (held, cap),
              held == 2 and cap >= 65521, ug.command("show bindings lab"))

        # A /15 network, no ports, for a range one server cannot lease.
        ug.command("network big hostonly")
        ug.command("address 10.20.0.1/15")
        bad = ug.command("dhcp range 10.20.0.10 10.21.0.10 lease 10m")
        ug.command("exit")
        running = ug.command("show running-config")
        ug.command("no network big")
        check("a range past 65536 addresses is refused, naming the limit",
              "a network leases at most 65536" in bad, bad)
        check("and nothing of it applied", "10.21.0.10" not in running and
              records(ug) == (2, 65521), running)

        set_range(ug, "10.10.0.10", "10.10.0.100")
        check("shrunk live: a table of 91 records, both leases in it", records(ug) == (2, 91),
              str(records(ug)))
        held, small = bindings(ug)
        check("and the guard's table shrank with it, both bindings kept (%d of %d)" % (
            held, small), held == 2 and 256 <= small < cap, ug.command("show bindings lab"))
        r1 = udhcpc_lease(g1.ns, g1.tap, work, options="-r 10.10.0.10")
        check("g1 renews its address after the change (%r)" % r1,
              r1.get("ip") == "10.10.0.10", str(r1))
        set_range(ug, "10.10.0.10", "10.10.255.250")
        check("grown live again: 65521 records, the leases kept", records(ug) == (2, 65521),
              str(records(ug)))
        g2.ns.run("ip link set %s address 02:00:00:00:16:02" % g2.tap)
        e3 = udhcpc_lease(g2.ns, g2.tap, work)
        check("a new client gets the next never-used address (%r)" % e3,
              e3.get("ip") == "10.10.0.12", str(e3))
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("/16 pool lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
