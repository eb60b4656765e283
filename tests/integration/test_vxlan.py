#!/usr/bin/env python3
"""VXLAN (RFC 7348): network lab spans hosts. A Linux vxlan device in ns out
(VNI 5000, UDP 4789) bridged to a "remote guest" rg puts rg on unigate's
network lab as if it were on a port: rg gets its lease across VXLAN, with
the interface MTU 1450 (DHCP option 26; the local guest lg too), resolves
an outside name through the gateway's DNS, fetches a page from a server in
ns out through NAT, and exchanges TCP with lg both ways (iperf3); show mac
names rg's MAC's endpoint 10.88.0.1; tcpdump in out decodes unigate's
packets as VXLAN vni 5000. An inner frame too big for the uplink is
counted, never fragmented, while one that fits crosses. VXLAN from an
address that is not a listed remote (a second vxlan device at 10.88.0.3)
reaches no one and is counted. Then a second unigate (ug2) joins the same
outside segment with `network lab hostonly` WITHOUT an address (a plain
segment) and `vxlan 5000 remote 10.88.0.2`; ug1 lists it as a second remote
at the console; ug2's guest g2 gets its lease from ug1 across VXLAN and
pings lg, and each appliance's show mac names the other as the endpoint of
the other's guest.

                       +------------- ug1 (QEMU q35, TCG) ---------------+
 ns out                |                                                  |
  brup 10.88.0.1/24 -- | eth0 uplink 10.88.0.2/24 (VXLAN from here, 4789) |
   | (dnsmasq: www.out.test = 10.88.0.1; http.server on 10.88.0.1:8080)  |
   +- veth - ns rogue 10.88.0.3: vxlan vxr 5000 -> 10.88.0.2 (not a remote)
   +- ug2's eth0 tap   |                                                  |
  vx0 (vxlan 5000,     |  network lab nat 192.168.50.2/24, DHCP .100-.150 |
   local 10.88.0.1,    |    vxlan 5000 remote 10.88.0.1 [10.88.0.4]       |
   remote 10.88.0.2)   |                                                  |
   brx -- veth -- ns rg| eth1 -- ns lg                                    |
                       +--------------------------------------------------+
                       +------------- ug2 (QEMU q35, TCG) ---------------+
 (tap in ns out, brup) | eth0 uplink 10.88.0.4/24                         |
                       | network lab hostonly (no address: plain segment) |
                       |   vxlan 5000 remote 10.88.0.2                    |
 ns g2 --------------- | eth1                                             |
                       +--------------------------------------------------+
 tcpdump -e -nn -Q in on ug1's uplink tap in ns out: the packets ug1 sent.
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Capture, Port, Unigate, check, results, udhcpc_lease  # noqa: E402
from iperf_volume import iperf_volume  # noqa: E402

PROBE = os.path.join(HERE, "l2probe.py")
CONFIG = """hostname vxgate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
dns upstream 10.88.0.1
network lab nat
  address 192.168.50.2/24
  dhcp range 192.168.50.100 192.168.50.150
  vxlan 5000 remote 10.88.0.1
  ports eth1
"""
CONFIG2 = """hostname vxgate2
uplink eth0 address 10.88.0.4/24
network lab hostonly
  vxlan 5000 remote 10.88.0.2
  ports eth1
"""
RG_MAC, LG_MAC, G2_MAC = "02:00:00:00:50:01", "02:00:00:00:50:02", "02:00:00:00:50:03"
PAGE = "hello from the outside\n"


def dhcp(ns, dev, work, tries=3):
    """busybox udhcpc once on (dev) in namespace (ns), asking for the
    interface MTU (option 26): tools/lab.py's
    udhcpc_lease()."""
    return udhcpc_lease(ns, dev, work, tries, "-O mtu")


def ping(ns, dst, count=2, extra=""):
    """Replies (ns) got to (count) pings of (dst), and ping's output."""
    out = ns.run("ping -c %d -i 0.2 -W 1 %s %s" % (count, extra, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return (int(m.group(1)) if m else 0), out


def counter(text, pattern):
    """The sum of every number that (pattern)'s group 1 matches in (text),
    or -1 if none."""
    got = [int(n) for n in re.findall(pattern, text)]
    return sum(got) if got else -1


# VXLAN drops, which show counters prints (BRIEF.md 7: every drop in a named
# counter that show counters prints): inner frames too big for the uplink,
# and VXLAN from an address that is not a listed remote.
TOO_BIG = r"too big for the uplink (\d+)"
NOT_REMOTE = r"from an unlisted address (\d+)"


def vxlan_lines(ug):
    """show networks' VXLAN lines, for a failure's detail."""
    return "\n".join(l for l in ug.command("show networks").splitlines() if "vxlan" in l)


def mac_line(ug, mac):
    """The line of show mac for (mac), or ""."""
    table = ug.command("show mac")
    return next((l for l in table.splitlines() if l.lower().startswith(mac)), ""), table


def in_range(env):
    ip = env.get("ip", "")
    return ip.startswith("192.168.50.") and ip.rsplit(".", 1)[1].isdigit() and \
        100 <= int(ip.rsplit(".", 1)[1]) <= 150


def main():
    work = "/tmp/ug-vxlan-%d" % os.getpid()
    os.makedirs(os.path.join(work, "www"), exist_ok=True)
    with open(os.path.join(work, "www", "hello.txt"), "w") as f:
        f.write(PAGE)
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="lg")],
                 config=CONFIG, log=None)
    ug2 = None
    try:
        ug.start()
        ug.wait_ready(60)
        out, lg_p = ug.ports
        o, lg = out.ns, lg_p.ns
        T0 = out.tap
        # The outside segment: a bridge in out, so that a rogue host and ug2 join it.
        o.run("ip link add brup address 02:00:00:00:88:01 type bridge stp_state 0")
        o.run("ip link set %s master brup" % T0)
        o.run("ip addr add 10.88.0.1/24 dev brup")
        o.run("ip link set brup up")
        # The second host: vx0 bridged with the remote guest rg.
        o.run("ip link add vx0 type vxlan id 5000 local 10.88.0.1 remote 10.88.0.2 "
              "dstport 4789")
        o.run("ip link add brx type bridge stp_state 0")
        o.run("ip link set vx0 master brx")
        rg = ug.ns("rg")
        o.run("ip link add rgp type veth peer name r0")
        o.run("ip link set r0 netns %s" % rg.name)
        o.run("ip link set rgp master brx")
        for dev in ("vx0", "rgp", "brx"):
            o.run("ip link set %s up" % dev)
        rg.run("ip link set r0 address %s" % RG_MAC)
        rg.run("ip link set r0 up")
        lg.run("ip link set %s address %s" % (lg_p.tap, LG_MAC))
        # Outside services: DNS with a name, and a web page.
        ug.spawn("out", ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                         "--listen-address=10.88.0.1", "--bind-interfaces",
                         "--address=/www.out.test/10.88.0.1", "--pid-file="])
        web_log = os.path.join(work, "web.log")
        ug.spawn("out", ["sh", "-c", "exec python3 -u -m http.server 8080 --bind 10.88.0.1 "
                         "--directory %s/www >%s 2>&1" % (work, web_log)])
        cap = Capture(ug, "out", T0, os.path.join(work, "out.txt"))

        erg = dhcp(rg, "r0", work, tries=4)
        check("the remote guest rg leases from lab across VXLAN (%s)" % erg.get("ip"),
              in_range(erg) and erg.get("serverid") == "192.168.50.2" and
              erg.get("router") == "192.168.50.2",
              "%s\n%s\ncapture:\n%s" % (erg, ug.command("show dhcp"),
                                        "\n".join(cap.lines()[-8:])))
        check("rg's lease carries the interface MTU 1450 (option 26: mtu=%s)" % erg.get("mtu"),
              erg.get("mtu") == "1450", str(erg))
        elg = dhcp(lg, lg_p.tap, work, tries=4)
        check("the local guest lg leases too (%s), with MTU 1450 (mtu=%s)" %
              (elg.get("ip"), elg.get("mtu")), in_range(elg) and elg.get("mtu") == "1450",
              str(elg))
        iprg, iplg = erg.get("ip", "192.168.50.100"), elg.get("ip", "192.168.50.101")
        # rg applies what DHCP gave it, as a client honouring option 26 does.
        rg.run("ip link set r0 mtu %s" % (erg.get("mtu") or "1450"), check=False)
        rg.run("ip route replace default via 192.168.50.2 dev r0", check=False)
        with open(os.path.join(rg.etc, "resolv.conf"), "w") as f:
            f.write("nameserver 192.168.50.2\n")
        n, got = ping(rg, "192.168.50.2")
        check("rg pings its gateway across VXLAN", n == 2, got[-300:])

        ans = rg.run("dig +short +time=2 +tries=2 @192.168.50.2 www.out.test", check=False,
                     timeout=30).strip()
        check("rg resolves www.out.test through the gateway's DNS (%r)" % ans,
              ans == "10.88.0.1", ans)
        page = rg.run("curl -s -m 10 http://www.out.test:8080/hello.txt", check=False,
                      timeout=30)
        seen = open(web_log).read() if os.path.exists(web_log) else ""
        check("rg fetches a page from ns out by name through NAT", page == PAGE,
              "%r\n%s" % (page, ug.command("show nat")))
        check("and the server saw it from the uplink address 10.88.0.2",
              re.search(r"^10\.88\.0\.2 .*GET /hello\.txt", seen, re.M), seen[-400:])

        line, table = mac_line(ug, RG_MAC)
        check("show mac lists rg's MAC with its endpoint 10.88.0.1", "10.88.0.1" in line,
              table)
        vx = [l for l in cap.lines() if re.search(
            r"10\.88\.0\.2\.\d+ > 10\.88\.0\.1\.4789: VXLAN, flags \[I\] \(0x08\), vni 5000\b",
            l)]
        check("tcpdump in out decodes ug1's packets as VXLAN vni 5000 to 10.88.0.1:4789 (%d)"
              % len(vx), vx, "\n".join(cap.lines()[-12:]))

        # Too big for the uplink: counted, never fragmented; one that fits crosses.
        before = ug.command("show counters")
        n_fit, got_fit = ping(lg, iprg, extra="-M do -s 1400")
        n_big, got_big = ping(lg, iprg, extra="-M do -s 1472")
        after = ug.command("show counters")
        big0, big1 = counter(before, TOO_BIG), counter(after, TOO_BIG)
        check("a 1428-byte ping from lg crosses VXLAN to rg", n_fit == 2, got_fit[-300:])
        check("a 1500-byte one (1550 bytes once encapsulated) does not, and is counted as too "
              "big (%d -> %d)" % (big0, big1), n_big == 0 and big0 >= 0 and big1 - big0 >= 2,
              "%s\nshow counters before:\n%s\nafter:\n%s\nshow networks: %s" %
              (got_big[-200:], before, after, vxlan_lines(ug)))
        frags = [l for l in cap.lines() if "ip-proto-17" in l or "frag" in l]
        check("and nothing went out fragmented", not frags, "\n".join(frags[:6]))

        # TCP both ways between lg and rg, lg honouring option 26 as well.
        lg.run("ip link set %s mtu %s" % (lg_p.tap, elg.get("mtu") or "1450"), check=False)
        v = iperf_volume(ug, "rg", iprg, "lg", ["-t", "2"])
        good, why = v.enough(min_mb=10)
        check("iperf3 TCP lg -> rg across VXLAN: %s (%.0f Mbit/s)" % (v, v.mbit()), good,
              why + "\n" + ug.command("show counters"))
        v = iperf_volume(ug, "rg", iprg, "lg", ["-t", "2", "-R"])
        good, why = v.enough(min_mb=10)
        check("iperf3 TCP rg -> lg across VXLAN: %s (%.0f Mbit/s)" % (v, v.mbit()), good,
              why + "\n" + ug.command("show counters"))

        # VXLAN from 10.88.0.3, not a listed remote.
        rogue = ug.ns("rogue")
        o.run("ip link add rga type veth peer name rgu")
        o.run("ip link set rgu netns %s" % rogue.name)
        o.run("ip link set rga master brup")
        o.run("ip link set rga up")
        rogue.run("ip addr add 10.88.0.3/24 dev rgu")
        rogue.run("ip link set rgu up")
        rogue.run("ip link add vxr type vxlan id 5000 local 10.88.0.3 remote 10.88.0.2 "
                  "dstport 4789")
        rogue.run("ip addr add 192.168.50.99/24 dev vxr")
        rogue.run("ip link set vxr up")
        before = ug.command("show counters")
        tag = "vx-%d" % os.getpid()
        listeners = [ug.spawn(ns, ["python3", PROBE, "recv", dev, tag, "3"])
                     for ns, dev in (("lg", lg_p.tap), ("rg", "r0"))]
        time.sleep(0.5)
        for _ in range(3):
            rogue.run("python3 %s send vxr %s" % (PROBE, tag))
        heard = [l.communicate(timeout=15)[0].strip() for l in listeners]
        n, got = ping(rogue, "192.168.50.2", count=3)
        after = ug.command("show counters")
        r0, r1 = counter(before, NOT_REMOTE), counter(after, NOT_REMOTE)
        check("VXLAN from 10.88.0.3 reaches no one (lg, rg heard %s; %d ping replies)"
              % (heard, n), heard == ["0", "0"] and n == 0, got[-300:])
        check("and is counted as from an unlisted address (%d -> %d; 3 probes, ARP requests)"
              % (r0, r1),
              r0 >= 0 and r1 - r0 >= 3, "show counters before:\n%s\nafter:\n%s\n"
              "show networks: %s" % (before, after, vxlan_lines(ug)))

        # A second appliance on the same segment carries lab for its guest.
        # NICs of its own: QEMU would give both appliances the same MACs.
        ug2 = Unigate(ports=[Port("virtio-net-pci", ns="up", mac="52:54:00:12:35:56"),
                             Port("virtio-net-pci", ns="g2", mac="52:54:00:12:35:57")],
                      config=CONFIG2, log=None, tag=ug.tag + "b")
        ug2.start()
        ug2.wait_ready(60)
        # Two hosts on one segment need two MACs: the uplinks' own must differ.
        up1, up2 = ug.command("show uplink"), ug2.command("show uplink")
        mac1 = re.search(r"MAC ([0-9a-f:]{17})", up1)
        mac2 = re.search(r"MAC ([0-9a-f:]{17})", up2)
        check("ug1's and ug2's uplink MACs differ (%s, %s)" %
              (mac1 and mac1.group(1), mac2 and mac2.group(1)),
              mac1 and mac2 and mac1.group(1) != mac2.group(1), up1 + up2)
        up2, g2_p = ug2.ports
        up2.ns.run("ip link set %s netns %s" % (up2.tap, o.name))
        o.run("ip link set %s master brup" % up2.tap)
        o.run("ip link set %s up" % up2.tap)
        said = [ug.command(l) for l in ("network lab", "vxlan 5000 remote 10.88.0.1 10.88.0.4",
                                        "exit")]
        g2 = g2_p.ns
        g2.run("ip link set %s address %s" % (g2_p.tap, G2_MAC))
        eg2 = dhcp(g2, g2_p.tap, work, tries=5)
        check("ug2's guest g2 leases from ug1 across VXLAN (%s from %s, mtu %s)" %
              (eg2.get("ip"), eg2.get("serverid"), eg2.get("mtu")),
              in_range(eg2) and eg2.get("serverid") == "192.168.50.2" and
              eg2.get("mtu") == "1450",
              "%s\nug1: %s\n%s\nug2:\n%s%s" % (eg2, said, ug.command("show dhcp"),
                                               ug2.command("show networks"),
                                               ug2.command("show arp")))
        n, got = ping(g2, iplg, count=3)
        neigh = g2.run("ip neigh show %s" % iplg, check=False)
        check("g2 pings ug1's local guest lg (%s, MAC %s)" % (iplg, LG_MAC),
              n == 3 and eg2.get("ip") != iplg and LG_MAC in neigh.lower(),
              "%s\nneighbour: %s" % (got[-300:], neigh))
        line1, table1 = mac_line(ug, G2_MAC)
        line2, table2 = mac_line(ug2, LG_MAC)
        check("ug1's show mac names 10.88.0.4 for g2, ug2's names 10.88.0.2 for lg",
              "10.88.0.4" in line1 and "10.88.0.2" in line2, table1 + "\n" + table2)
        ug2.send("halt\r")
        ug2.wait_exit(10)
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:  # noqa: BLE001 - reported as a check
        check("VXLAN lab runs", False, "%s: %s\nug1:\n%s\nug2:\n%s" % (
            type(e).__name__, e, ug.out[-1500:], ug2.out[-1500:] if ug2 else ""))
    finally:
        if ug2:
            ug2.close()
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
