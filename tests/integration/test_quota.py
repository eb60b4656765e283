#!/usr/bin/env python3
"""Quotas are configurable and seen, and upstream DNS leaves from the uplink
only. Three DHCP clients behind one port (macvlan devices, each with its
own MAC) under `quota dhcp-leases 2`: two get addresses, the third none,
counted in show dhcp and show quotas; raising the quota at the console
lets the third in, and running-config says so. DNS: a guest's query is
forwarded to the upstream from the uplink address (the upstream's log
names 10.88.0.2); with `dns upstream` set to a guest's address, nothing
reaches that guest (queries leave only through the uplink) and the client
gets SERVFAIL, not silence. A SYN flood from one guest (300 connections to
an outside address that never answers) under `quota host-sessions 64`
holds at most 64 sessions, the rest refused and counted, while a victim
guest's traffic through NAT carries on. A guest that sends 60 queries the
upstream never answers holds 16 of the forwarder's slots (the rest get
SERVFAIL at once, counted), and the victim's names still resolve. An
outside host's SYN flood to a port forward (1000 SYNs at once) opens at most
`forward-rate` sessions a second, the rest dropped and counted, while the
victim reaches the forward's server.

                +---------------- unigate (QEMU q35, TCG) --------------+
 ns out  ------ | eth0 uplink 10.88.0.2/24 (echo_dns.py at 10.88.0.1)  |
 ns g1   ------ | eth1 -+- vmnet8 nat 192.168.99.2/24, DHCP .128-.254  |
 (mv0 mv1 mv2)  |       |                                               |
 ns g2   ------ | eth2 -+  (a client: dig)                              |
 ns g3   ------ | eth3 -+  (a static guest running a DNS server, .30)   |
                +-------------------------------------------------------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Port, Unigate, check, results, udhcpc as lease  # noqa: E402

ECHO_DNS = os.path.join(HERE, "echo_dns.py")
CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
dns upstream 10.88.0.1
quota dhcp-leases 2
network vmnet8 nat
  ports eth1 eth2 eth3
  address 192.168.99.2/24
  dhcp range 192.168.99.128 192.168.99.254
"""
# Opens 300 TCP connections from ADDR to an outside address nobody has:
# each SYN would open a NAT session. Bounded: 300 sockets, 3 s.
SYN_FLOOD = """
import socket, time
socks = []
for i in range(300):
    s = socket.socket()
    s.setblocking(False)
    s.bind(("ADDR", 0))
    s.connect_ex(("10.88.0.77", 80))
    socks.append(s)
time.sleep(3)
"""

# 60 A queries for names the upstream never answers, from ADDR, without
# waiting for answers; then 1 s for the forwarder to refuse what is beyond
# the client's share. Bounded: 60 datagrams.
DNS_FLOOD = """
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("ADDR", 0))
for i in range(60):
    name = b"".join(bytes([len(l)]) + l for l in [b"slow%d" % i, b"example", b"com"])
    q = struct.pack("!HHHHHH", 1000 + i, 0x0100, 1, 0, 0, 0) + name + b"\\0" + b"\\0\\1\\0\\1"
    s.sendto(q, ("192.168.99.2", 53))
time.sleep(1)
"""

# 1000 SYNs at once to the forward, from the outside namespace: non-blocking
# connects, kept 2 s. Bounded: 1000 sockets.
FWD_FLOOD = """
import socket, time
socks = []
for i in range(1000):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("10.88.0.2", 8080))
    socks.append(s)
time.sleep(2)
"""

# A server on the victim: answers "pong" to each connection, for 60 s.
TCP_SERVER = """
import socket, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("%s", 8080))
l.listen(2048)
l.settimeout(1)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        c, _ = l.accept()
    except socket.timeout:
        continue
    c.sendall(b"pong")
    c.close()
"""

# One connection to the forward after the flood (2 s later: a new second).
FWD_GET = """
import socket, time
time.sleep(1.5)
s = socket.create_connection(("10.88.0.2", 8080), timeout=5)
print(s.recv(16).decode())
"""


def counter(text, pattern):
    m = re.search(pattern, text)
    return int(m.group(1)) if m else -1


def dig(ns, name, timeout=8):
    return ns.run("dig @192.168.99.2 %s A +time=%d +tries=1" % (name, timeout), check=False,
                  timeout=timeout + 10)


def main():
    work = "/tmp/ug-quota-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
                        Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3")],
                 config=CONFIG, log=None)
    try:
        ug.start()
        ug.wait_ready()
        out, g1, g2, g3 = ug.ports
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        out_log = os.path.join(work, "out.log")
        ug.spawn(out.ns_name, ["python3", ECHO_DNS, "10.88.0.1", "10.9.9.9", out_log, "300",
                               "150"])

        # Three clients behind one port, each with its own MAC.
        devs = []
        for i in range(3):
            dev = "mv%d" % i
            g1.ns.run("ip link add %s link %s type macvlan mode bridge" % (dev, g1.tap))
            g1.ns.run("ip link set %s address 02:00:00:00:51:%02x" % (dev, i + 1))
            g1.ns.run("ip link set %s up" % dev)
            devs.append(dev)
        got = [lease(g1.ns, d, work) for d in devs[:2]]
        check("under quota dhcp-leases 2, two clients behind one port get addresses",
              all(re.match(r"192\.168\.99\.\d+$", a) for a in got), str(got))
        third = lease(g1.ns, devs[2], work)
        dhcp = ug.command("show dhcp")
        refused = counter(dhcp, r"port lease limit (\d+)")
        check("the third gets none, counted in show dhcp", third == "" and refused > 0,
              third + dhcp)
        quotas = ug.command("show quotas")
        check("show quotas gives dhcp-leases 2 (default 32) and the refusals",
              re.search(r"dhcp-leases\s+2\s+32\s+([1-9]\d*)\b", quotas), quotas)
        other = lease(g2.ns, g2.tap, work)
        check("a client on another port still gets an address",
              re.match(r"192\.168\.99\.\d+$", other), other)
        reply = ug.command("quota dhcp-leases 3")
        third = lease(g1.ns, devs[2], work)
        check("raising the quota at the console lets the third in",
              re.match(r"192\.168\.99\.\d+$", third), reply + third)
        running = ug.command("show running-config")
        check("running-config says quota dhcp-leases 3", "quota dhcp-leases 3\n" in
              running.replace("\r", ""), running)

        # DNS leaves from the uplink address only.
        g2.ns.run("ip route replace default via 192.168.99.2", check=False)
        ans = dig(g2.ns, "www.example.com")
        check("a guest's query is answered through the upstream",
              "status: NOERROR" in ans and "10.9.9.9" in ans, ans)
        srcs = open(out_log).read().split()
        check("the upstream saw it from the uplink address 10.88.0.2",
              srcs and set(srcs) == {"10.88.0.2"}, str(srcs))
        g3.ns.run("ip addr add 192.168.99.30/24 dev %s" % g3.tap)
        g3.ns.run("ping -c 1 -W 2 192.168.99.2", check=False)  # bound by guard learn
        g3_log = os.path.join(work, "g3.log")
        ug.spawn(g3.ns_name, ["python3", ECHO_DNS, "192.168.99.30", "10.7.7.7", g3_log, "20",
                              "60"])
        time.sleep(0.5)
        ug.command("dns upstream 192.168.99.30")
        t0 = time.monotonic()
        ans = dig(g2.ns, "inside.example.com")
        took = time.monotonic() - t0
        check("with an upstream inside a network, the client gets SERVFAIL, not silence "
              "(%.1f s)" % took, "status: SERVFAIL" in ans and took < 6.5, ans)
        check("and the guest posing as upstream got no query",
              os.path.exists(g3_log) and open(g3_log).read() == "", open(g3_log).read()
              if os.path.exists(g3_log) else "no log")
        # A SYN flood from mv0 under a small host share.
        ug.command("quota host-sessions 64")
        attacker = got[0]
        g1.ns.run("ip route replace default via 192.168.99.2 dev %s" % devs[0])
        g1.ns.run("python3 -c '%s'" % SYN_FLOOD.replace("ADDR", attacker), timeout=30)
        nat = ug.command("show nat", timeout=20)
        # Only the flood opens sessions here (DNS is the appliance's own).
        held = counter(nat, r"sessions shown of (\d+)")
        m = re.search(r"host's share (\d+)", nat)
        check("a SYN flood holds at most its 64 sessions (%d), the rest refused and counted"
              % held, 32 <= held <= 64 and m and int(m.group(1)) > 0, nat[-1500:])
        quotas = ug.command("show quotas")
        check("show quotas counts the refusals under host-sessions",
              re.search(r"host-sessions\s+64\s+16384\s+[1-9]", quotas), quotas)
        ping = g2.ns.run("ping -c 3 -i 0.2 -W 2 10.88.0.1", check=False)
        check("the victim still reaches outside through NAT", " 0% packet loss" in ping,
              ping[-300:])
        # 60 queries that stay pending, from mv0 (the route to the subnet
        # goes out of it): its share is 16.
        flooder = got[0]
        g1.ns.run("python3 -c '%s'" % DNS_FLOOD.replace("ADDR", flooder), timeout=30)
        quotas = ug.command("show quotas")
        m = re.search(r"dns-queries\s+16\s+16\s+(\d+)", quotas)
        check("a guest's 60 pending queries: 44 refused at its share of 16, counted",
              m and int(m.group(1)) >= 40, quotas)
        ug.command("dns upstream 10.88.0.1")
        ans = dig(g2.ns, "victim.example.com")
        check("while they pend, the victim's names still resolve",
              "status: NOERROR" in ans and "10.9.9.9" in ans, ans)

        # An outside host floods a port forward with SYNs.
        ug.command("no quota host-sessions")
        ug.command("network vmnet8")
        ug.command("forward tcp 8080 %s 8080" % other)
        ug.command("exit")
        g2.ns.run("ip route replace default via 192.168.99.2", check=False)
        server = ug.spawn(g2.ns_name, ["python3", "-c", TCP_SERVER % other])
        time.sleep(0.5)
        out.ns.run("python3 -c '%s'" % FWD_FLOOD, timeout=30)
        quotas = ug.command("show quotas")
        m = re.search(r"forward-rate\s+500/s\s+500/s\s+(\d+)", quotas)
        check("a SYN flood at a forward: beyond 500 new sessions a second dropped, counted",
              m and int(m.group(1)) >= 300, quotas)
        reply = out.ns.run("python3 -c '%s'" % FWD_GET, check=False, timeout=30)
        check("and the forward's server is still reached from outside", "pong" in reply,
              reply)
        server.kill()
        quotas = ug.command("show quotas")
        names = ["host-sessions", "forward-rate", "fragments", "icmp-errors", "dns-queries",
                 "port-macs", "dhcp-leases", "storm-control"]
        check("show quotas lists every quota", all(n in quotas for n in names), quotas)
    except subprocess.TimeoutExpired as e:
        check("no step timed out", False, str(e))
    finally:
        ug.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
