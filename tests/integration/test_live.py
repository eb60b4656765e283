#!/usr/bin/env python3
"""Live reconfiguration that must keep what runs, each check proved by
traffic or by the console's own words: the hostname (prompt, A and PTR at
every gateway), `mac table N` resizing the running switches and keeping
what they learned, `nat sessions N` keeping a TCP flow established, one
`ports` statement moving a port between networks, a network the user
calls `uplink` staying apart from the appliance's own uplink, and a
host-only network refusing outside names unless told `forward dns`.

                +---------------- unigate (QEMU q35, TCG) -----------------+
 ns out  ------ | eth0 uplink 10.88.0.2/24 gw 10.88.0.1 (iperf3 server)     |
 ns g1   ------ | eth1 -+- blue nat 192.168.99.2/24, DHCP .128-.254          |
 ns g2   ------ | eth2 -+     later: red, then the user's network "uplink"    |
 ns g3   ------ | eth3 --- red hostonly 192.168.56.1/24, DHCP .100-.200       |
                +-----------------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import json
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results  # noqa: E402

SCRIPT = os.path.join(HERE, "dhcp-script.sh")
CONFIG = """hostname edge1
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1

network blue nat
  ports eth1 eth2
  address 192.168.99.2/24
  dhcp range 192.168.99.128 192.168.99.254
network red hostonly
  ports eth3
  address 192.168.56.1/24
  dhcp range 192.168.56.100 192.168.56.200
"""


def lease(p, work):
    """Runs busybox udhcpc once on port (p); returns the address it got, or ""."""
    env = os.path.join(work, p.ns_name)
    if os.path.exists(env + ".bound"):
        os.unlink(env + ".bound")
    p.ns.run("ip addr flush dev %s" % p.tap)
    p.ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t 4 -T 1 -s %s" %
             (env, p.tap, SCRIPT), check=False, timeout=30)
    got = open(env + ".bound").read() if os.path.exists(env + ".bound") else ""
    m = re.search(r"^ip=(\S+)$", got, re.M)
    return m.group(1) if m else ""


def ping(p, dst, count=2):
    out = p.ns.run("ping -c %d -i 0.2 -W 1 %s" % (count, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def main():
    work = "/tmp/ug-live-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
                        Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3")],
                 config=CONFIG, log=None)
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3 = ug.ports
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)

        # The hostname names the prompt and resolves at every gateway.
        check("the prompt is the configured hostname", ug.out.rstrip().endswith("edge1>"),
              ug.out[-200:])
        ug.command("hostname edge2")
        check("a new hostname renames the prompt at once", ug.out.rstrip().endswith("edge2>"),
              ug.out[-200:])
        a1, a3 = lease(g1, work), lease(g3, work)
        check("guests on blue and red get leases", a1.startswith("192.168.99.") and
              a3.startswith("192.168.56."), "%r %r" % (a1, a3))
        got = g1.ns.run("dig +short +tries=1 +time=3 @192.168.99.2 edge2", check=False)
        check("the hostname resolves to blue's gateway address", got.strip() == "192.168.99.2",
              got)
        got = g3.ns.run("dig +short +tries=1 +time=3 @192.168.56.1 EDGE2.localdomain",
                        check=False)
        check("and, in any case and under the domain, to red's", got.strip() == "192.168.56.1",
              got)
        got = g1.ns.run("dig +short +tries=1 +time=3 @192.168.99.2 -x 192.168.99.2",
                        check=False)
        check("the gateway address resolves back to the hostname (PTR)",
              got.strip().startswith("edge2."), got)

        # A host-only network has no route out, nor a DNS tunnel: names that
        # are not local are REFUSED there, forwarded from the nat network
        # (to an upstream with nothing on port 53: SERVFAIL at once), and
        # forwarded from red too once it says `forward dns`.
        def status(p, server, name):
            got = p.ns.run("dig @%s +tries=1 +time=3 %s A" % (server, name), check=False,
                           timeout=20)
            m = re.search(r"status: ([A-Z]+)", got)
            return m.group(1) if m else "no answer"

        ug.command("dns upstream 10.88.0.1")
        check("a host-only guest's outside names are refused",
              status(g3, "192.168.56.1", "example.org") == "REFUSED")
        check("a nat guest's are forwarded (and fail upstream)",
              status(g1, "192.168.99.2", "example.org") == "SERVFAIL")
        ug.command("network red")
        ug.command("forward dns")
        ug.command("exit")
        check("with forward dns, the host-only guest's are forwarded too",
              status(g3, "192.168.56.1", "example.org") == "SERVFAIL")
        check("and running-config says so",
              "  forward dns" in ug.command("show running-config"))

        # mac table N resizes the running switches, keeping what they learned.
        ping(g1, "192.168.99.2", 1)
        mac1 = g1.ns.run("cat /sys/class/net/%s/address" % g1.tap).strip()
        ug.command("mac table 1024")
        nets = ug.command("show networks")
        check("mac table 1024 resizes every running switch",
              len(re.findall(r"of 1024 MAC addresses", nets)) >= 2 and
              "of 4096 MAC addresses" not in nets, nets)
        check("and keeps the addresses it learned", mac1 in ug.command("show mac blue"),
              ug.command("show mac blue"))

        # nat sessions N: a TCP flow through NAT stays established.
        g1.ns.run("ip route add default via 192.168.99.2")
        srv = ug.spawn("out", ["iperf3", "-s", "-1", "-B", "10.88.0.1"])
        time.sleep(0.5)
        cli = ug.spawn("g1", ["iperf3", "-c", "10.88.0.1", "-t", "8", "-b", "4M", "-J"])
        time.sleep(3)
        before = ug.command("show nat")
        ug.command("nat sessions 16384")
        after = ug.command("show nat")
        res, _ = cli.communicate(timeout=40)
        try:
            rep = json.loads(res)
            late = [i["sum"]["bytes"] for i in rep["intervals"][4:]]
            recv = rep["end"]["sum_received"]["bytes"]
        except (ValueError, KeyError):
            late, recv = [], 0
        est = re.compile(r"tcp\s+%s:\d+\s+\d+\s+10\.88\.0\.1:5201\s+established" %
                         re.escape(a1))
        check("nat sessions 16384 keeps the running TCP session established",
              est.search(before) and est.search(after), before + after)
        check("and the flow goes on: every second after the change carries data",
              recv > 2_000_000 and late and min(late) > 0, "received %d, late %r" %
              (recv, late))
        check("the table has the new size",
              re.search(r"table holds \d+ of 16384 sessions", after), after)

        # One ports statement moves a port, and says so.
        ug.command("network red")
        said = ug.command("ports eth3 eth2")
        ug.command("exit")
        check("ports at the console moves eth2 out of blue and says so",
              "% eth2 moved from network blue" in said, said)
        a2 = lease(g2, work)
        check("the moved port's guest gets its lease from red",
              a2.startswith("192.168.56."), a2)

        # A network the user names "uplink" is theirs, not the appliance's uplink.
        ug.command("network uplink hostonly")
        ug.command("address 10.3.0.1/24")
        said = ug.command("ports eth2")
        ug.command("exit")
        nets = ug.command("show networks")
        m = re.search(r"network uplink hostonly\n  ports:([^\n]*)\n  gateway 10\.3\.0\.1/24",
                      nets)
        check("network uplink has its own port and gateway",
              m and m.group(1).split() == ["eth2"], nets)
        g2.ns.run("ip addr flush dev %s" % g2.tap)
        g2.ns.run("ip addr add 10.3.0.5/24 dev %s" % g2.tap)
        check("its guest reaches its gateway", ping(g2, "10.3.0.1") > 0)
        check("and the real uplink still carries blue's NAT traffic",
              ping(g1, "10.88.0.1") > 0)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("live reconfiguration lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
