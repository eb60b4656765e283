#!/usr/bin/env python3
"""The baked-in default config end to end: the uplink takes its address by
DHCP from a dnsmasq outside (naming itself with option 12) and learns its
DNS server from the lease; a guest gets a lease on vmnet8, resolves an
outside name through the gateway (forwarded to the learned server) and
fetches a page through NAT. Console statements keep the learned server;
an upstream that answers ICMP port unreachable gets the guest SERVFAIL at
once (or the next upstream's answer), a silent one SERVFAIL before dig's
first timeout.

                +------------- unigate (default config) -------------+
 ns out  ------ | eth0 uplink: DHCP client                            |
 10.88.0.1      |   (dnsmasq: DHCP 10.88.0.50-.60, DNS outside.test)  |
 10.88.0.3      |   (nothing on port 53: ICMP port unreachable)       |
 ns g1   ------ | eth1  vmnet8 nat 192.168.99.2/24, DHCP .128-.254    |
                +-----------------------------------------------------+
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

def main():
    work = "/tmp/ug-uplink-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("e1000", ns="g1")], log=None)
    try:
        ug.start()
        ug.wait_ready()
        out, g1 = ug.ports
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        with open(os.path.join(work, "index.html"), "w") as f:
            f.write("hello from outside\n")
        ug.spawn("out", ["busybox", "httpd", "-f", "-p", "10.88.0.1:80", "-h", work])
        ug.spawn("out", ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                         "--interface=%s" % out.tap, "--bind-interfaces",
                         "--listen-address=10.88.0.1",
                         "--dhcp-range=10.88.0.50,10.88.0.60,1h", "--dhcp-leasefile=%s/l" % work,
                         "--dhcp-option=option:router,10.88.0.1",
                         "--dhcp-option=option:dns-server,10.88.0.1",
                         "--address=/outside.test/10.88.0.1",
                         "--address=/later.test/10.88.0.7", "--pid-file="])
        # lwIP's DHCP client retries on its own schedule; wait for the lease.
        deadline, up = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            up = ug.command("show uplink")
            if re.search(r"uplink address 10\.88\.0\.(5\d|60) ", up) and "DNS server" in up:
                break
            time.sleep(1)
        check("the uplink gets its address from the outside DHCP server",
              re.search(r"uplink address 10\.88\.0\.(5\d|60) mask 255\.255\.255\.0 gateway "
                        r"10\.88\.0\.1 \(DHCP\)", up), up)
        check("and learns its DNS server from the lease",
              "DNS server from the lease: 10.88.0.1" in up, up)
        env = os.path.join(work, "g1")
        g1.ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t 4 -T 1 -s %s" %
                  (env, g1.tap, SCRIPT), check=False, timeout=30)
        got = open(env + ".bound").read() if os.path.exists(env + ".bound") else ""
        check("a guest gets a lease from the default vmnet8 range",
              re.search(r"^ip=192\.168\.99\.(1[2-9]\d|2[0-5]\d)$", got, re.M), got)
        g1.ns.run("ip route add default via 192.168.99.2")
        with open("/etc/netns/%s/resolv.conf" % g1.ns.name, "w") as f:
            f.write("nameserver 192.168.99.2\n")
        page = g1.ns.run("curl -s -m 5 http://outside.test/", check=False, timeout=30)
        check("the guest resolves an outside name (forwarded to the learned server) and "
              "fetches the page through NAT", page == "hello from outside\n", page)
        leases = open(os.path.join(work, "l")).read()
        check("the uplink's DHCP client names itself (option 12): the hostname",
              re.search(r" 10\.88\.0\.\d+ unigate ", leases), leases)

        def dig(name, timeout=5):
            t0 = time.monotonic()
            got = g1.ns.run("dig @192.168.99.2 +tries=1 +time=%d %s A" % (timeout, name),
                            check=False, timeout=timeout + 10)
            return got, time.monotonic() - t0

        def status(got):
            m = re.search(r"status: ([A-Z]+)", got)
            return m.group(1) if m else "no answer"

        # Any statement typed at the console keeps the servers learned from the lease.
        ug.command("mac aging 10m")
        ug.command("nat timeout udp 10m")
        dns = ug.command("show dns")
        got, _ = dig("later.test")
        check("after console statements the forwarder still uses the learned server",
              "upstream 10.88.0.1" in dns and "10.88.0.7" in got, dns + got)

        # A configured upstream with nothing on port 53: its ICMP port
        # unreachable ends the query at once.
        out.ns.run("ip addr add 10.88.0.3/24 dev %s" % out.tap)
        ug.command("dns upstream 10.88.0.3")
        got, took = dig("outside.test")
        dns = ug.command("show dns")
        check("an unreachable upstream gets the client SERVFAIL in under 2 s",
              status(got) == "SERVFAIL" and took < 2.0, "%.2f s: %s" % (took, got))
        check("and show dns counts the ICMP unreachable",
              re.search(r"unreachable [1-9]\d* \(servfail [1-9]", dns), dns)
        ug.command("dns upstream 10.88.0.3 10.88.0.1")
        got, took = dig("outside.test")
        check("with a second upstream, the answer comes from it at once",
              status(got) == "NOERROR" and "10.88.0.1" in got and took < 2.0,
              "%.2f s: %s" % (took, got))
        # A silent upstream (no host answers ARP for it): SERVFAIL before
        # dig's own 5 s timeout, not silence.
        ug.command("dns upstream 10.88.0.9")
        got, took = dig("outside.test")
        check("a silent upstream gets the client SERVFAIL before its 5 s timeout",
              status(got) == "SERVFAIL" and took < 5.0, "%.2f s: %s" % (took, got))
        ug.command("no dns upstream")
        got, _ = dig("later.test")
        check("no dns upstream goes back to the learned server",
              "10.88.0.7" in got, got)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:
        check("uplink lab runs", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
