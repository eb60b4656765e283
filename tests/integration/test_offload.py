#!/usr/bin/env python3
"""virtio-net offloads (virtio 1.2 §5.1.6.2): checksums left to the device
and 64 KB TCP segments (GSO) cross the switch and the NAT whole, and are
finished in software for ports that cannot take them (e1000, and a
virtio-net port with csum=off). Every check is on what real receivers
accept.

A Linux receiver trusts a frame that arrives from a tap still marked
"checksum left to the device", so the traffic goes one hop further: the
namespaces next to unigate forward it over a veth whose transmit
checksumming is off (the kernel then computes the checksum from the sum
unigate left in the field, and cuts GSO frames itself) to a receiver whose
veth has receive checksumming off, so that it verifies every checksum. A
wrong pseudo-header sum after NAT, or a wrong checksum from the software
path, shows in its TcpInCsumErrors/UdpInCsumErrors and in lost volume.

 ns far 10.77.0.2 -veth- ns out 10.88.0.1 (router) -tap- eth0 uplink 10.88.0.2
 ns g1far .99.11 -veth- ns g1 (bridge) -tap- eth1 virtio, all offloads  -+
 ns g2 .99.12 ---------------------------tap- eth2 e1000               -+- vmnet8 nat
 ns g3 .99.13 ---------------------------tap- eth3 virtio, csum=off    -+   .99.2/24
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from tools.lab import Port, Unigate, check, results  # noqa: E402
from iperf_volume import iperf_volume  # noqa: E402

CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1-eth3
  address 192.168.99.2/24
"""
ERRORS = "TcpInCsumErrors UdpInCsumErrors IpInHdrErrors"


def csum_errors(ns):
    """The namespace's checksum and header error counters, summed."""
    out = ns.run("nstat -az %s" % ERRORS, check=False)
    return sum(int(n) for n in re.findall(r"^\w+\s+(\d+)", out, re.M))


def port_counters(ug, port):
    """rx/tx packets and bytes and the offload line of `show ports` for (port)."""
    text = ug.command("show ports")
    m = re.search(r"^%s .*?\n(.*?\n.*?\n.*?\n)" % port, text, re.M | re.S)
    block = m.group(1) if m else ""
    nums = re.search(r"rx (\d+) packets (\d+) bytes, tx (\d+) packets (\d+) bytes", block)
    c = dict(zip(("rxp", "rxb", "txp", "txb"), map(int, nums.groups()))) if nums else {}
    for key, pat in (("rx_gso", r"rx GSO (\d+)"), ("sw_csum", r"checksums (\d+)"),
                     ("sw_gso", r"GSO (\d+), bad"), ("bad", r"bad (\d+)")):
        m = re.search(pat, block)
        c[key] = int(m.group(1)) if m else -1
    c["text"] = block.strip()
    return c


def volume_check(name, r, ns_list):
    ok, why = r.enough(min_mb=8)
    check("%s: %s" % (name, r), ok, why)
    errs = {ns.name: csum_errors(ns) for ns in ns_list}
    check("%s: the receivers counted no checksum errors" % name, not any(errs.values()),
          str(errs))


def main():
    ports = [Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="g1"),
             Port("e1000", ns="g2"), Port("virtio-net-pci", ns="g3", opts="csum=off")]
    # 128 MiB: receive buffers that hold a whole 64 KB frame (other tests,
    # at 64 MiB, take the mergeable buffers' path).
    ug = Unigate(ports=ports, config=CONFIG, log=None, mem="128M")
    try:
        ug.start()
        ug.wait_ready(60)
        out, g1, g2, g3 = ug.ports
        # The outside: a router namespace and a verifying receiver behind it.
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        oa, fb = ug.link("out", "10.77.0.1/24", "far", "10.77.0.2/24")
        out.ns.run("sysctl -qw net.ipv4.ip_forward=1")
        out.ns.run("ethtool -K %s tx off" % oa)
        far = ug.ns("far")
        far.run("ethtool -K %s rx off" % fb)
        far.run("ip route add default via 10.77.0.1")
        # g1: a bridge between unigate's port and a verifying guest.
        ga, gb = ug.link("g1", "192.0.2.1/32", "g1far", "192.168.99.11/24")
        g1.ns.run("ip addr flush dev %s" % ga)
        g1.ns.run("ip link add br0 type bridge")
        for ifn in (g1.tap, ga):
            g1.ns.run("ip link set %s master br0" % ifn)
        g1.ns.run("ip link set br0 up")
        g1.ns.run("ethtool -K %s tx off" % ga)
        g1far = ug.ns("g1far")
        g1far.run("ethtool -K %s rx off" % gb)
        g1far.run("ip route add default via 192.168.99.2")
        for p, ip in ((g2, "192.168.99.12"), (g3, "192.168.99.13")):
            p.ns.run("ip addr add %s/24 dev %s" % (ip, p.tap))
            p.ns.run("ip route add default via 192.168.99.2")

        text = ug.command("show virtio")
        check("eth1 negotiated checksum and TSO offloads both ways",
              re.search(r"^eth1 .*\n.*\n.*\n.*\n\s+offloads: tx csum tso4 tso6 ecn, "
                        r"rx csum tso4 tso6 ecn", text, re.M), text)
        check("with 128 MiB, eth1 receives whole frames (64 KB buffers)",
              re.search(r"^eth1 .*\n\s+rx: size 256, 64 buffers of 65600 bytes", text, re.M),
              text)
        check("eth3 (csum=off) takes no transmit offload",
              re.search(r"^eth3 .*\n.*\n.*\n.*\n\s+offloads: tx none, rx csum", text, re.M),
              text)
        ping = g1far.run("ping -c 3 -i 0.2 -W 2 10.77.0.2", check=False)
        check("g1far reaches far through NAT", " 0% packet loss" in ping, ping[-200:])

        # NAT outbound: GSO frames from eth1 leave eth0 whole.
        e1, e0 = port_counters(ug, "eth1"), port_counters(ug, "eth0")
        r = iperf_volume(ug, "far", "10.77.0.2", "g1far", ["-t", "2"])
        volume_check("TCP through NAT, guest to outside", r, [far, g1far])
        e1b, e0b = port_counters(ug, "eth1"), port_counters(ug, "eth0")
        check("GSO frames came in on eth1 whole", e1b["rx_gso"] - e1["rx_gso"] > 100,
              e1b["text"])
        txp, txb = e0b["txp"] - e0["txp"], e0b["txb"] - e0["txb"]
        check("and left eth0 whole (mean frame above the MTU)", txp and txb / txp > 3000,
              "%d bytes in %d frames" % (txb, txp))
        check("nothing on eth0 was finished in software or refused",
              e0b["sw_gso"] == 0 and e0b["bad"] == 0, e0b["text"])

        # NAT inbound: GSO frames from the outside, translated whole.
        e0 = port_counters(ug, "eth0")
        r = iperf_volume(ug, "far", "10.77.0.2", "g1far", ["-t", "2", "-R"])
        volume_check("TCP through NAT, outside to guest", r, [far, g1far])
        e0b = port_counters(ug, "eth0")
        check("GSO frames came in on eth0 whole", e0b["rx_gso"] - e0["rx_gso"] > 100,
              e0b["text"])

        # UDP: partial checksums from the guest, the address rewritten.
        r = iperf_volume(ug, "far", "10.77.0.2", "g1far",
                         ["-u", "-b", "40M", "-l", "1400", "-t", "2"])
        volume_check("UDP through NAT, guest to outside", r, [far, g1far])

        # Ports that cannot take the offloads get finished frames.
        for port, p, ip in (("eth2", g2, "192.168.99.12"), ("eth3", g3, "192.168.99.13")):
            before = port_counters(ug, port)
            r = iperf_volume(ug, p.ns_name, ip, "g1far", ["-t", "2"])
            volume_check("TCP on the switch, eth1 to %s" % port, r, [p.ns])
            after = port_counters(ug, port)
            check("%s: GSO frames were cut in software for it" % port,
                  after["sw_gso"] - before["sw_gso"] > 100, after["text"])
            r = iperf_volume(ug, p.ns_name, ip, "g1far",
                             ["-u", "-b", "40M", "-l", "1400", "-t", "2"])
            volume_check("UDP on the switch, eth1 to %s" % port, r, [p.ns])
            final = port_counters(ug, port)
            if port == "eth3":
                check("eth3: checksums were completed in software for it",
                      final["sw_csum"] - after["sw_csum"] > 100, final["text"])
            else:  # the 8254x takes checksum offload (a context descriptor)
                check("eth2: the e1000 completed the checksums itself",
                      final["sw_csum"] == after["sw_csum"] and final["bad"] == 0,
                      final["text"])
        e0 = port_counters(ug, "eth2")
        r = iperf_volume(ug, "far", "10.77.0.2", "g2", ["-t", "2", "-R"])
        volume_check("TCP through NAT, outside to the e1000 guest", r, [g2.ns])
        e0b = port_counters(ug, "eth2")
        check("eth2: the outside's GSO frames were cut for it",
              e0b["sw_gso"] - e0["sw_gso"] > 100, e0b["text"])
    finally:
        ug.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
