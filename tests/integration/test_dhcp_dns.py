#!/usr/bin/env python3
"""DHCP server and DNS forwarder with real clients: dhclient and busybox
udhcpc get leases with the right options, a reservation is honoured, a
small pool runs out while existing clients renew, release frees an address,
guests' names resolve (dig, and ping by name), queries are forwarded to a
real dnsmasq outside, forged upstream answers are ignored (RFC 5452) and
counted, one by one, and nothing is answered on the uplink: not at the
uplink address, and not at the inside gateway address for an outside host
that routes the inside subnet via the uplink.

                +------------------ unigate (QEMU q35, TCG) -------------------+
 ns out  ------ | eth0 uplink 10.88.0.2/24  (dnsmasq or fake_dns.py at 10.88.0.1)|
 (route to      |                                                                |
  192.168.99/24 |                                                                |
  via 10.88.0.2)|                                                                |
 ns g1..g4 ---- | eth1..eth4  vmnet8 nat 192.168.99.2/24, domain lab.test       |
                |   dhcp range .128-.129 (two addresses), web1 reserved at .10   |
                +----------------------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results, sh  # noqa: E402

SCRIPT = os.path.join(HERE, "dhcp-script.sh")
FAKE_DNS = os.path.join(HERE, "fake_dns.py")
WEB1_MAC = "02:00:00:00:00:21"
CONFIG = """hostname labgate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
dns upstream 10.88.0.1
network vmnet8 nat
  ports eth1 eth2 eth3 eth4
  address 192.168.99.2/24
  domain lab.test
  dhcp range 192.168.99.128 192.168.99.129 lease 10m
  dhcp host web1 %s 192.168.99.10
""" % WEB1_MAC

class Client:
    """Runs DHCP clients in one guest namespace, recording what they got."""

    def __init__(self, ug, port, work):
        self.ug, self.p, self.out = ug, port, os.path.join(work, port.ns_name)

    def env(self, suffix):
        path = "%s.%s" % (self.out, suffix)
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)

    def udhcpc(self, extra="", tries=3):
        for f in os.listdir(os.path.dirname(self.out)):
            if f.startswith(os.path.basename(self.out) + "."):
                os.unlink(os.path.join(os.path.dirname(self.out), f))
        r = self.p.ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t %d -T 1 -s %s %s"
                          % (self.out, self.p.tap, tries, SCRIPT, extra), check=False, timeout=30)
        return self.env("bound")

    def dhclient(self, release=False):
        """One dhclient exchange in the foreground (-d), stopped by its PID
        once the lease file shows a new lease (or the release went out)."""
        lf = self.out + ".leases"
        # dhclient clears the environment of its script: pass LEASE_OUT in a wrapper.
        wrapper = self.out + "-script.sh"
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nLEASE_OUT=%s exec %s \"$@\"\n" % (self.out, SCRIPT))
        os.chmod(wrapper, 0o755)
        before = open(lf).read().count("lease {") if os.path.exists(lf) else 0
        proc = self.ug.spawn(self.p.ns_name, ["dhclient", "-d", "-1", "-v", "-lf", lf, "-pf",
                                              self.out + ".pid", "-sf", wrapper] +
                             (["-r"] if release else []) + [self.p.tap])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if not release and os.path.exists(lf) and open(lf).read().count("lease {") > before:
                break
            time.sleep(0.2)
        if proc.poll() is None:
            proc.terminate()
        return proc.communicate(timeout=10)[0]


def mask24(env, key):
    return env.get(key) == "255.255.255.0"


def counter(text, name):
    """The value of counter (name) ("wrong id", ...) in a show output, or -1."""
    m = re.search(r"\b%s (\d+)" % re.escape(name), text)
    return int(m.group(1)) if m else -1


def dns_counters(ug):
    """The forwarder's counter lines of show dns (everything after "pending")."""
    out = ug.command("show dns")
    return "\n".join(l for l in out.splitlines() if re.search(r"\d", l) and
                     "pending" not in l and not l.startswith("DNS forwarder")) or out


def silent_dig(ns, args):
    """One dig try with a 2 s timeout; returns (exit status, output). dig
    exits 9 when no server replied; an answer, even REFUSED, is status 0."""
    out = ns.run("dig +tries=1 +time=2 %s; echo status=$?" % args, check=False, timeout=30)
    m = re.search(r"status=(\d+)\s*$", out)
    return (int(m.group(1)) if m else -1), out


def main():
    work = "/tmp/ug-dhcp-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ports = [Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3"),
             Port("e1000e", ns="g4")]
    ug = Unigate(ports=ports, log=None, config=CONFIG)
    netns_dirs = []
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3, g4 = ug.ports
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        g4.ns.run("ip link set %s address %s" % (g4.tap, WEB1_MAC))
        c1, c2, c3, c4 = (Client(ug, p, work) for p in (g1, g2, g3, g4))

        log = c1.dhclient()
        lease = open(c1.out + ".leases").read() if os.path.exists(c1.out + ".leases") else ""
        m = re.search(r"fixed-address ([\d.]+);", lease)
        ip1 = m.group(1) if m else None
        check("dhclient gets a lease from the range (%s)" % ip1,
              ip1 in ("192.168.99.128", "192.168.99.129"), log[-400:])
        check("dhclient: mask, router, DNS, domain and lease time are right",
              "option subnet-mask 255.255.255.0;" in lease and
              "option routers 192.168.99.2;" in lease and
              "option domain-name-servers 192.168.99.2;" in lease and
              'option domain-name "lab.test";' in lease and
              "option dhcp-lease-time 600;" in lease and
              "option dhcp-server-identifier 192.168.99.2;" in lease, lease)

        e2 = c2.udhcpc("-x hostname:alpha")
        ip2 = e2.get("ip")
        check("udhcpc gets the other address of the range (%s)" % ip2,
              ip2 in ("192.168.99.128", "192.168.99.129") and ip2 != ip1, str(e2))
        check("udhcpc: mask, router, DNS, domain and lease time are right",
              mask24(e2, "subnet") and e2.get("router") == "192.168.99.2" and
              e2.get("dns", "").strip() == "192.168.99.2" and e2.get("domain") == "lab.test" and
              e2.get("lease") == "600", str(e2))

        e4 = c4.udhcpc()
        check("the reservation is honoured: web1's MAC gets 192.168.99.10",
              e4.get("ip") == "192.168.99.10", str(e4))

        e3 = c3.udhcpc(tries=2)
        check("the pool is empty: a third client gets no lease", not e3.get("ip"), str(e3))
        counters = ug.command("show dhcp")
        check("and the server counted it", re.search(r"pool[ _]empty[^\n]*[1-9]", counters),
              counters)

        e2b = c2.udhcpc("-x hostname:alpha -r %s" % ip2)
        check("an existing client still renews its address with the pool empty",
              e2b.get("ip") == ip2, str(e2b))
        log = c1.dhclient()
        lease = open(c1.out + ".leases").read()
        check("dhclient renews the same address",
              re.findall(r"fixed-address ([\d.]+);", lease)[-1:] == [ip1], lease[-300:])

        leases = ug.command("show leases")
        check("show leases lists the clients with MAC, name and expiry",
              ip2 in leases and "alpha" in leases and "192.168.99.10" in leases and
              "web1" in leases, leases)

        # dhclient unicasts the RELEASE and then runs its script, which flushes
        # the address; if the kernel had yet to resolve the gateway's MAC, the
        # flush drops the queued RELEASE with the neighbour entry (a race the
        # CI once lost). A real client has talked to its server: so does this one.
        g1.ns.run("ping -c 1 -W 2 192.168.99.2", check=False, timeout=10)
        released = c1.dhclient(release=True)
        time.sleep(0.5)
        e3 = c3.udhcpc()
        check("after dhclient releases, the freed address goes to the waiting client",
              e3.get("ip") == ip1, "%s\nrelease: %s\n%s\n%s" % (
                  e3, released[-600:], ug.command("show dhcp"), ug.command("show leases")))

        # DNS: names of reservations and of DHCP clients, both ways.
        def dig(ns, args):
            return ns.run("dig +short +time=2 +tries=2 %s" % args, check=False,
                          timeout=30).strip()

        check("dig web1 at the gateway gives the reservation",
              dig(g2.ns, "@192.168.99.2 web1") == "192.168.99.10")
        check("dig alpha.lab.test gives the client's leased address",
              dig(g4.ns, "@192.168.99.2 alpha.lab.test") == ip2)
        check("reverse lookup of the client's address gives its name",
              dig(g4.ns, "@192.168.99.2 -x %s" % ip2) == "alpha.lab.test.")
        check("an unknown name in the local domain is NXDOMAIN, answered locally",
              "NXDOMAIN" in g4.ns.run("dig +time=2 +tries=1 @192.168.99.2 nosuch.lab.test",
                                      check=False, timeout=30))
        d = "/etc/netns/%s" % g2.ns.name
        os.makedirs(d, exist_ok=True)
        netns_dirs.append(d)
        with open(d + "/resolv.conf", "w") as f:
            f.write("nameserver 192.168.99.2\nsearch lab.test\n")
        out_ping = g2.ns.run("ping -c 2 -i 0.2 -W 2 web1", check=False, timeout=30)
        check("ping web1 works from another guest with no hosts file",
              "2 received" in out_ping and "192.168.99.10" in out_ping, out_ping)

        # Forwarding to a real DNS server outside.
        dnsmasq = ug.spawn("out", ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                   "--listen-address=10.88.0.1", "--bind-interfaces",
                                   "--address=/outside.test/10.88.0.77", "--pid-file="])
        time.sleep(1)
        check("a query for an outside name is forwarded to dnsmasq upstream",
              dig(g2.ns, "@192.168.99.2 outside.test") == "10.88.0.77")
        dnsmasq.terminate()
        dnsmasq.wait(5)

        # Never answers on the uplink: silence, since any answer (REFUSED
        # too) tells an outside host a resolver is there.
        before = dns_counters(ug)
        st, got = silent_dig(out.ns, "@10.88.0.2 web1")
        check("dig at the uplink address gets no DNS answer (status %d, no servers could be "
              "reached)" % st, st == 9 and "no servers could be reached" in got, got)
        # Not even an ICMP port unreachable ("connection refused"): silence.
        check("and silence: dig timed out", "timed out" in got and "refused" not in got, got)
        after = dns_counters(ug)
        check("and the forwarder never saw it (show dns counters unchanged)", after == before,
              "before:\n%s\nafter:\n%s" % (before, after))
        # An outside host that routes the inside subnet via the uplink asks
        # the inside gateway address: it must not reach the DNS service
        # either. The forwarding stage drops it and counts it.
        out.ns.run("ip route add 192.168.99.0/24 via 10.88.0.2")
        nat = ug.command("show nat")
        before = dns_counters(ug)
        st, got = silent_dig(out.ns, "@192.168.99.2 web1")
        check("dig at the inside gateway address routed via the uplink times out (status %d)"
              % st, st == 9 and "no servers could be reached" in got and "timed out" in got and
              "refused" not in got, got)
        after = dns_counters(ug)
        check("and the forwarder never saw it (show dns counters unchanged)", after == before,
              "before:\n%s\nafter:\n%s" % (before, after))
        name = "from the uplink not to its address"
        grew = counter(ug.command("show nat"), name) - counter(nat, name)
        check("and show nat counted the drop ('%s' +%d)" % (name, grew), grew >= 1,
              "grew by %d:\n%s" % (grew, nat))
        out.ns.run("ip route del 192.168.99.0/24")

        # Each query draws one answer with a wrong ID and one from a wrong
        # port before the true one: both counters grow by one per query.
        queries = 3
        fake = ug.spawn("out", ["python3", FAKE_DNS, "10.88.0.1", "spoof.test", "10.88.0.99",
                                "6.6.6.6", str(queries), "20"])
        time.sleep(1)
        before = ug.command("show dns")
        got = [dig(g2.ns, "@192.168.99.2 spoof%d.test" % i) for i in range(queries)]
        dns = ug.command("show dns")
        check("forged upstream answers (wrong ID, wrong port) are ignored: %s" % got,
              got == ["10.88.0.99"] * queries, "%s\n%s" % (got, dns))
        grew = {k: counter(dns, k) - counter(before, k) for k in ("wrong id", "wrong port")}
        check("and counted by the forwarder, one of each per query (%d queries: %s)"
              % (queries, grew), grew == {"wrong id": queries, "wrong port": queries},
              "before:\n%s\nafter:\n%s" % (before, dns))
        fake.communicate(timeout=30)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("DHCP/DNS lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        for d in netns_dirs:
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
