#!/usr/bin/env python3
"""802.1Q VLANs: one unigate port (eth1) is a trunk carrying two networks
tagged, VLAN 10 (host-only) and VLAN 20 (NAT), to guests on access ports;
they get leases from their own VLAN's network, reach their own gateway, the
VLAN 20 guest reaches the outside through NAT, and the two VLANs stay apart.
unigate's frames on the trunk carry tags 10 and 20 (tcpdump -e) and nothing
untagged; a frame with a tag the port does not carry (VLAN 30, which is
lab30's on the uplink but not eth1's) reaches nobody and is counted, as is
an untagged frame while eth1 has no untagged network; `ports eth1` in a new
network at the console then gives untagged frames a home (a lease from it)
while the tagged VLANs carry on. A guest behind eth2, also tagged in lab10,
sends with priority 5 (as a Linux VLAN device with egress-qos-map 0:5
would): its frames leave eth1 with PCP 5 kept. A bridged network with
vlan 30 is bridged to VLAN 30 on the uplink: its guest leases from a DHCP
server that only the outside's VLAN 30 reaches, and the uplink capture
shows the guest's frames tagged 30, never untagged.

The kernels these tests run on have no 802.1Q support (no CONFIG_VLAN_8021Q:
no VLAN devices; no bridge vlan_filtering), so each trunk's far end is
vlan_tagger.py, a VLAN-aware switch port in userspace (AF_PACKET; the tag a
frame arrived with is read from PACKET_AUXDATA).

                        +------------------- unigate (QEMU q35, TCG) -------------------+
 ns out: T0 10.88.0.1 - | eth0 uplink 10.88.0.2/24, untagged                            |
  vlan_tagger T0        |   + VLAN 30 tagged: lab30 bridged, vlan 30, ports eth3        |
   30=o30a -- ns out30  |                                                               |
   (o30 10.30.0.1, dnsmasq DHCP on it only)                                             |
 ns trunk: vlan_tagger  | eth1 trunk: lab10 (vlan 10) and lab20 (vlan 20) tagged;       |
  T1 (eth1's tap) ----- |   untagged: none, then lab40 (typed at the console)           |
   10=a10 -- ns g10     |   lab10 hostonly 192.168.10.1/24, DHCP .100-.150              |
   20=a20 -- ns g20     |   lab20 nat      192.168.20.2/24, DHCP .100-.150              |
   30=a30 -- ns g30     |   (VLAN 30 is not eth1's: dropped, counted)                   |
   untagged=a1 - ns g1  |   (untagged on eth1: dropped, counted; then lab40)            |
 ns pg: vlan_tagger T2  | eth2 (e1000): tagged in lab10                                 |
   10/pcp 5=b10 - ns pgg|                                                               |
 ns g3  --------------- | eth3: lab30 bridged (VLAN 30 on the uplink)                   |
                        +---------------------------------------------------------------+
 tcpdump -e -nn -Q in on T1 (ns trunk) and on T0 (ns out): the frames unigate sent.
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from tools.lab import Capture, Port, Unigate, check, results, udhcpc_lease  # noqa: E402

PROBE = os.path.join(HERE, "l2probe.py")
TAGGER = os.path.join(HERE, "vlan_tagger.py")
CONFIG = """hostname vlangate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
dns upstream 10.88.0.1
network lab10 hostonly
  vlan 10
  tagged eth1 eth2
  address 192.168.10.1/24
  dhcp range 192.168.10.100 192.168.10.150
network lab20 nat
  vlan 20
  tagged eth1
  address 192.168.20.2/24
  dhcp range 192.168.20.100 192.168.20.150
network lab30 bridged
  vlan 30
  ports eth3
"""
G3_MAC = "02:00:00:00:30:03"


def start_tagger(ug, ns_name, trunk, access, untagged=None, seconds=240):
    """Starts vlan_tagger.py in lab namespace (ns_name) (killed by PID at lab
    close): (trunk) carries each "VID:IFACE[:PCP]" of (access) tagged, and
    (untagged)'s frames untagged. Returns once it holds its sockets."""
    args = ["python3", TAGGER, trunk] + access + ["--seconds", str(seconds)]
    if untagged:
        args += ["--untagged", untagged]
    proc = ug.spawn(ns_name, args)
    want = 1 + len(access) + (1 if untagged else 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            fds = os.listdir("/proc/%d/fd" % proc.pid)
            socks = sum(os.readlink("/proc/%d/fd/%s" % (proc.pid, fd)).startswith("socket:")
                        for fd in fds)
        except OSError:
            socks = 0
        if socks >= want:
            time.sleep(0.1)  # its last bind()
            return proc
        time.sleep(0.05)
    raise RuntimeError("vlan_tagger.py in %s did not start: %s" %
                       (ns_name, proc.communicate(timeout=5)[0] if proc.poll() is not None
                        else "still opening sockets"))


def veth(ug, ns_a, a, ns_b, b, mac_b=None):
    """A veth pair between lab namespaces: (a) in (ns_a), (b) in (ns_b), up.
    Both send finished checksums: vlan_tagger.py passes frames on as
    AF_PACKET reads them, and a checksum left to the device
    (CHECKSUM_PARTIAL) would reach unigate unfinished."""
    na, nb = ug.ns(ns_a), ug.ns(ns_b)
    na.run("ip link add %s type veth peer name %s" % (a, b))
    na.run("ethtool -K %s tx off" % a)
    na.run("ethtool -K %s tx off" % b)
    na.run("ip link set %s netns %s" % (b, nb.name))
    if mac_b:
        nb.run("ip link set %s address %s" % (b, mac_b))
    na.run("ip link set %s up" % a)
    nb.run("ip link set %s up" % b)
    return nb


def dhcp(ns, dev, work, tries=3):
    """busybox udhcpc once on (dev) in namespace (ns): tools/lab.py's
    udhcpc_lease()."""
    return udhcpc_lease(ns, dev, work, tries)


def ping(ns, dst, count=2):
    """Replies (ns) got to (count) pings of (dst), and ping's output."""
    out = ns.run("ping -c %d -i 0.2 -W 1 %s" % (count, dst), check=False, timeout=30)
    m = re.search(r"(\d+) received", out)
    return (int(m.group(1)) if m else 0), out


def counter(text, pattern):
    """The number (pattern)'s group 1 matches in (text), or -1."""
    m = re.search(pattern, text, re.M)
    return int(m.group(1)) if m else -1


# show counters: one line per port with 802.1Q counters, once one is not 0:
# "eth1 802.1Q: sent tagged N; dropped: untagged with no untagged network N,
# unknown tag N, bad offload N".
UNKNOWN_TAG = r"^eth1 802\.1Q:.*\bunknown tag (\d+)"
UNTAGGED = r"^eth1 802\.1Q:.*\buntagged with no untagged network (\d+)"


def vlan_counters(ug):
    """eth1's unknown-tag and untagged drops (0 while show counters has no
    802.1Q line for eth1), and the output they came from."""
    text = ug.command("show counters")
    there = re.search(r"^eth1 802\.1Q:", text, re.M)
    return ((counter(text, UNKNOWN_TAG), counter(text, UNTAGGED)) if there else (0, 0)) + \
        (text,)


def listen(ug, targets, tag, seconds=3):
    """Starts l2probe.py recv on each (ns name, dev) of (targets)."""
    procs = [ug.spawn(ns, ["python3", PROBE, "recv", dev, tag, str(seconds)])
             for ns, dev in targets]
    time.sleep(0.5)
    return procs


def heard(procs):
    out = []
    for p in procs:
        text = p.communicate(timeout=15)[0].strip()
        out.append(int(text) if text.isdigit() else -1)
    return out


def dnsmasq_log(dm):
    """What dnsmasq (--log-dhcp) said, once it is stopped."""
    dm.terminate()
    try:
        return dm.communicate(timeout=10)[0][-1500:]
    except Exception as e:  # noqa: BLE001 - only for a failure's detail
        return str(e)


def in_range(env, prefix):
    ip = env.get("ip", "")
    return ip.startswith(prefix) and ip.rsplit(".", 1)[1].isdigit() and \
        100 <= int(ip.rsplit(".", 1)[1]) <= 150


def section(text, start):
    """The lines of (text) from the one starting with (start) up to the
    next unindented line, or ""."""
    m = re.search(r"^%s\b(.*?)(?=^\S|\Z)" % re.escape(start), text, re.S | re.M)
    return m.group(1) if m else ""


def main():
    work = "/tmp/ug-vlan-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    ports = [Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="trunk"),
             Port("e1000", ns="pg"), Port("virtio-net-pci", ns="g3")]
    ug = Unigate(ports=ports, config=CONFIG, log=None)
    try:
        ug.start()
        ug.wait_ready(60)
        out, trunk_p, pg_p, g3_p = ug.ports
        T0, T1, T2 = out.tap, trunk_p.tap, pg_p.tap
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % T0)

        # The trunk's far end: VLANs 10, 20 and 30 tagged, untagged to g1.
        g10 = veth(ug, "trunk", "a10", "g10", "v10", "02:00:00:00:10:10")
        g20 = veth(ug, "trunk", "a20", "g20", "v20", "02:00:00:00:20:20")
        g30 = veth(ug, "trunk", "a30", "g30", "v30", "02:00:00:00:30:30")
        g1 = veth(ug, "trunk", "a1", "g1", "v1", "02:00:00:00:01:01")
        cap_trunk = Capture(ug, "trunk", T1, os.path.join(work, "trunk.txt"))
        start_tagger(ug, "trunk", T1, ["10:a10", "20:a20", "30:a30"], untagged="a1")

        # Leases, each from its own VLAN's network.
        e10 = dhcp(g10, "v10", work, tries=4)
        check("the VLAN 10 guest leases from lab10's range (%s)" % e10.get("ip"),
              in_range(e10, "192.168.10.") and e10.get("serverid") == "192.168.10.1",
              "%s\n%s\ntrunk capture:\n%s" % (e10, ug.command("show dhcp"),
                                              "\n".join(cap_trunk.frames()[-8:])))
        e20 = dhcp(g20, "v20", work, tries=4)
        check("the VLAN 20 guest leases from lab20's range (%s), router 192.168.20.2"
              % e20.get("ip"), in_range(e20, "192.168.20.") and
              e20.get("router") == "192.168.20.2", "%s\n%s" % (e20, ug.command("show dhcp")))
        ip10, ip20 = e10.get("ip", "192.168.10.100"), e20.get("ip", "192.168.20.100")
        n, got = ping(g10, "192.168.10.1")
        check("the VLAN 10 guest pings its gateway 192.168.10.1", n == 2, got[-300:])
        n, got = ping(g20, "192.168.20.2")
        check("the VLAN 20 guest pings its gateway 192.168.20.2", n == 2, got[-300:])
        g20.run("ip route replace default via 192.168.20.2 dev v20", check=False)
        n, got = ping(g20, "10.88.0.1", count=3)
        check("the VLAN 20 guest reaches the outside 10.88.0.1 through NAT "
              "(out has no route back to 192.168.20.0/24)", n == 3,
              got[-300:] + ug.command("show nat"))

        # eth2's far end: VLAN 10 with priority 5 (egress-qos-map 0:5).
        pgg = veth(ug, "pg", "b10", "pgg", "p10", "02:00:00:00:10:55")
        start_tagger(ug, "pg", T2, ["10:b10:5"])
        # Isolation: at L2 a broadcast from g10 reaches pgg (lab10 through
        # eth2) but no one else; at L3 lab20's gateway routes nothing to lab10.
        tag = "v10-%d" % os.getpid()
        procs = listen(ug, [("pgg", "p10"), ("g20", "v20"), ("g3", g3_p.tap), ("out", T0)],
                       tag)
        g10.run("python3 %s send v10 %s" % (PROBE, tag))
        counts = heard(procs)
        check("a broadcast from the VLAN 10 guest reaches pgg (lab10 via eth2) and no one "
              "else (pgg, g20, g3, out = %s)" % counts, counts == [1, 0, 0, 0], str(counts))
        n, got = ping(g20, ip10)
        check("the VLAN 20 guest cannot reach the VLAN 10 guest %s (%d replies)" % (ip10, n),
              n == 0, got[-300:])
        g10.run("ip addr add 192.168.20.61/24 dev v10")
        n, got = ping(g10, ip20)
        g10.run("ip addr del 192.168.20.61/24 dev v10")
        check("nor the VLAN 10 guest, given an address in lab20's subnet, the VLAN 20 guest "
              "%s (%d replies)" % (ip20, n), n == 0, got[-300:])

        # Priority: pgg's frames (PCP 5 on eth2) leave eth1 with PCP 5.
        epg = dhcp(pgg, "p10", work, tries=4)
        check("the guest behind eth2's VLAN 10 leases from lab10 (%s)" % epg.get("ip"),
              in_range(epg, "192.168.10."), "%s\n%s" % (epg, ug.command("show dhcp")))
        ippg = epg.get("ip", "192.168.10.101")
        n, got = ping(pgg, ip10, count=3)
        check("it pings the VLAN 10 guest on the trunk", n == 3, got[-300:])
        time.sleep(0.5)
        frames = cap_trunk.frames()
        req = [l for l in frames if re.search(r"%s > %s: ICMP echo request" %
                                              (re.escape(ippg), re.escape(ip10)), l)]
        check("its echo requests leave eth1 tagged vlan 10 with priority 5 kept "
              "(%d of %d 'vlan 10, p 5')" % (sum("vlan 10, p 5," in l for l in req), len(req)),
              req and all("vlan 10, p 5," in l for l in req), "\n".join(req[-4:]) or
              "no echo request from %s in the trunk capture:\n%s" %
              (ippg, "\n".join(frames[-10:])))

        # What unigate sent on the trunk so far: tags 10 and 20, nothing untagged.
        tagged10 = [l for l in frames if re.search(
            r"vlan 10, p \d, ethertype IPv4 \(0x0800\), 192\.168\.10\.1\.67 > ", l)]
        tagged20 = [l for l in frames if re.search(
            r"vlan 20, p \d, ethertype IPv4 \(0x0800\), 192\.168\.20\.2\.67 > ", l)]
        check("the trunk capture shows unigate's DHCP replies tagged vlan 10 (%d) and "
              "vlan 20 (%d)" % (len(tagged10), len(tagged20)), tagged10 and tagged20,
              "\n".join(frames[-12:]))
        untagged = [l for l in frames if "802.1Q" not in l]
        check("and nothing untagged (%d of %d frames) while eth1 has no untagged network"
              % (len(untagged), len(frames)), frames and not untagged,
              "\n".join(untagged[:6]))

        # show ports / show networks name the tags.
        nets = ug.command("show networks")
        n10, n20 = section(nets, "network lab10"), section(nets, "network lab20")
        n30 = section(nets, "network lab30")
        check("show networks: lab10 has vlan 10 tagged on eth1 and eth2, lab20 vlan 20 on "
              "eth1, lab30 vlan 30 on eth0",
              re.search(r"vlan 10\b.*\beth1\b.*\beth2\b", n10) and
              re.search(r"vlan 20\b.*\beth1\b", n20) and re.search(r"vlan 30\b.*\beth0\b", n30),
              nets)
        sp = ug.command("show ports")
        p0, p1, p2 = section(sp, "eth0"), section(sp, "eth1"), section(sp, "eth2")
        check("show ports: eth1 carries lab10 (vlan 10) and lab20 (vlan 20), eth2 lab10, "
              "the uplink lab30 (vlan 30)",
              re.search(r"lab10 \(vlan 10\).*lab20 \(vlan 20\)", p1) and
              re.search(r"lab10 \(vlan 10\)", p2) and re.search(r"lab30 \(vlan 30\)", p0), sp)

        # Bridged + vlan 30: lab30's guest leases from a server that only
        # the uplink's VLAN 30 reaches.
        veth(ug, "out", "o30a", "out30", "o30")
        out30 = ug.ns("out30")
        out30.run("ip addr add 10.30.0.1/24 dev o30")
        cap_out = Capture(ug, "out", T0, os.path.join(work, "out.txt"))
        start_tagger(ug, "out", T0, ["30:o30a"])
        dm = ug.spawn("out30", ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                "--port=0", "--no-ping", "--interface=o30", "--bind-interfaces",
                                "--dhcp-range=10.30.0.100,10.30.0.150,255.255.255.0,10m",
                                "--dhcp-leasefile=%s/dnsmasq.leases" % work, "--pid-file=",
                                "--log-dhcp", "--log-facility=-"])
        time.sleep(1)
        g3 = g3_p.ns
        g3.run("ip link set %s address %s" % (g3_p.tap, G3_MAC))
        e3 = dhcp(g3, g3_p.tap, work, tries=4)
        check("the bridged VLAN 30 guest leases from the server on the uplink's VLAN 30 "
              "(%s from %s)" % (e3.get("ip"), e3.get("serverid")),
              in_range(e3, "10.30.0.") and e3.get("serverid") == "10.30.0.1",
              "%s\ncapture on the uplink:\n%s\n%s" % (e3, "\n".join(cap_out.frames()[-10:]),
                                                       dnsmasq_log(dm)))
        n, got = ping(g3, "10.30.0.1")
        check("and pings it", n == 2, got[-300:])
        tag = "v30-%d" % os.getpid()
        procs = listen(ug, [("out30", "o30")], tag)
        g3.run("python3 %s send %s %s" % (PROBE, g3_p.tap, tag))
        counts = heard(procs)
        check("a broadcast from the bridged guest reaches the outside's VLAN 30 (%s)" % counts,
              counts == [1], str(counts))
        # (A listener on T0 itself would hear tagged frames too: without
        # 8021q the kernel hands them to every socket of their EtherType.)
        mine = [l for l in cap_out.frames() if l.split(" ")[1:2] == [G3_MAC]]
        check("the uplink capture shows the guest's frames tagged vlan 30, never untagged "
              "(%d frames)" % len(mine), mine and all("vlan 30," in l for l in mine),
              "\n".join(mine[:8]) or "\n".join(cap_out.frames()[-10:]))
        n, got = ping(out.ns, "10.88.0.2")
        check("the uplink's own untagged address still answers", n == 2, got[-300:])

        # A tag eth1 does not carry (30: lab30's, on the uplink and eth3).
        unk0, _, before = vlan_counters(ug)
        tag = "v99-%d" % os.getpid()
        procs = listen(ug, [("pgg", "p10"), ("g3", g3_p.tap), ("out30", "o30"), ("out", T0)],
                       tag)
        for _ in range(3):
            g30.run("python3 %s send v30 %s" % (PROBE, tag))
        counts = heard(procs)
        e30 = dhcp(g30, "v30", work, tries=2)
        unk1, _, after = vlan_counters(ug)
        check("a VLAN 30 frame on eth1 reaches no one (pgg, g3, out30, out = %s) and gets no "
              "lease (%s)" % (counts, e30.get("ip")), counts == [0, 0, 0, 0] and not e30,
              str(counts))
        check("and is counted as an unknown tag (%d -> %d; 3 probes, 2 DHCP discovers)"
              % (unk0, unk1), unk1 - unk0 >= 4,
              "before:\n%s\nafter:\n%s" % (before, after))

        # Untagged frames on eth1, which has no untagged network yet.
        _, unt0, before = vlan_counters(ug)
        for _ in range(3):
            g1.run("python3 %s send v1 %s" % (PROBE, tag))
        e1 = dhcp(g1, "v1", work, tries=2)
        _, unt1, after = vlan_counters(ug)
        check("an untagged frame on eth1 gets nowhere (no lease: %s) and is counted as "
              "untagged (%d -> %d)" % (e1.get("ip"), unt0, unt1),
              not e1 and unt1 - unt0 >= 4,
              "before:\n%s\nafter:\n%s" % (before, after))
        said = [ug.command(l) for l in ("network lab40 hostonly", "address 192.168.40.1/24",
                                        "dhcp range 192.168.40.100 192.168.40.150",
                                        "ports eth1", "exit")]
        e1 = dhcp(g1, "v1", work, tries=4)
        check("after `ports eth1` in a new network lab40, the untagged guest leases from it "
              "(%s)" % e1.get("ip"), in_range(e1, "192.168.40."),
              "%s\nconsole: %s\n%s" % (e1, said, ug.command("show networks")))
        n, got = ping(g10, "192.168.10.1")
        n2, got2 = ping(g20, "10.88.0.1")
        check("and the tagged VLANs on eth1 carry on (g10 pings its gateway, g20 the outside)",
              n == 2 and n2 == 2, got[-200:] + got2[-200:])
        dm.terminate()
        ug.send("halt\r")
        ug.wait_exit(10)
    except Exception as e:  # noqa: BLE001 - reported as a check
        check("VLAN lab runs", False, "%s: %s\n%s" % (type(e).__name__, e, ug.out[-1500:]))
    finally:
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
