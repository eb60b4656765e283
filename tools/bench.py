#!/usr/bin/env python3
"""Measured figures for unigate beside a Linux router VM (`make bench`,
issue 10): both VMs boot in the same topology, under the same accelerator,
with the same NIC model, port count, -m and DHCP pool, and the same clients
measure them; one table gives each figure's median for both, their ratio and
the spread. Figures are measured, never asserted; every run is bounded in
count and time and stays inside the lab's namespaces (BRIEF.md §6).

    ns g1 (192.168.99.11) --- eth1 -+                    +- eth0 --- ns up
                                    +- VM (LAN .99.2/24, |   10.88.0.1/24,
    ns g2 (192.168.99.12) --- eth2 -+   NAT out of eth0  +   "outside"
                                        10.88.0.2/24)

The VM is unigate (build/unigate.elf) or the peer (build/peer: Debian's
kernel, eth1 and eth2 bridged, nftables masquerade, dnsmasq; built by
tools/peer/build.py; its timed boots start the kernel and initramfs
unpacked, see Peer). In each run, each VM boots twice per NIC model. The
first boot measures, in this order: QEMU start to ready, the first DHCP
lease (busybox udhcpc), idle host CPU, ping, iperf3 TCP (1 and 4 streams,
reverse) and 64-byte UDP through NAT, TCP guest to guest, and perfdhcp at
three offered rates. The second has MANY guest ports (g1 .. g32) on a /16
LAN (172.20.0.1/16) spanned over VXLAN to the outside namespace, and
measures TCP from g1 to a guest of that second host over VXLAN, then the 32
guests' TCP through NAT at once, then perfdhcp with 60,000 new clients
against the /16 pool. perfdhcp is a relay agent sending to the VM's address.
The smallest -m that boots and forwards is bisected once per VM and NIC
model: as many of its boots as fit run beside the peer's second boots
(whose boot time nothing measures), the rest after the runs, two at once.
The client's DHCP floor (udhcpc against dnsmasq on a veth pair) is measured
in every run. Each progress line starts with the time since the bench
began; the end shows the time by phase and by row.

Environment: BENCH_RUNS (3), BENCH_SECONDS (10, per transfer), BENCH_QUICK=1
(one run, 2 s transfers, no -m bisection), BENCH_MODELS ("virtio-net-pci
e1000"), UNIGATE_ACCEL (see tools/lab.py). Writes build/bench.md.
"""
import collections
import contextlib
import ipaddress
import json
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tools.lab import ROOT, IMAGE, LabError, Port, Unigate, probe_accel, sh  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
RUNS = int(os.environ.get("BENCH_RUNS", "1" if QUICK else "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2" if QUICK else "10"))
# The rows whose length the issue leaves open (64-byte UDP, a packet rate;
# TCP guest to guest and over VXLAN) transfer for half as long as the TCP
# rows through NAT: with three runs, make bench then stays under 25 minutes.
SHORT_SECONDS = max(2, SECONDS // 2)
IDLE_SECONDS = 3 if QUICK else 10
DHCP_SECONDS = 2 if QUICK else 3
DHCP_RATES = (2000, 5000, 20000)
POOL16_CLIENTS, POOL16_RATE = 60000, 20000
MODELS = os.environ.get("BENCH_MODELS", "virtio-net-pci e1000").split()
# The peer does not boot in unigate's 64 MiB, so both VMs get this much
# (except in the bisection of the smallest -m).
MEM_MIB = 256
PEER_DIR = os.path.join(ROOT, "build", "peer")
OUT_MD = os.path.join(ROOT, "build", "bench.md")
LOG_DIR = os.path.join(ROOT, "build", "bench")

# perfdhcp's 100 clients all sit behind one port, as a MAC-cycling guest
# would: the dhcp-leases quota (32 per port) would refuse most of them, and
# the peer's dnsmasq has no such limit, so the bench lifts it.
UNIGATE_CONFIG = """hostname unigate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
quota dhcp-leases off
network vmnet8 nat
  ports eth1-eth%(last)d
  address %(lan)s
  dhcp range %(first_ip)s %(last_ip)s lease 30m
"""
# The LAN: the gateway's address, the DHCP pool. The /16 one is for the
# boot of the VXLAN, many-guests and /16 DHCP rows (the last with new
# clients, a pool of 65,521 addresses).
LAN24 = {"lan": "192.168.99.2/24", "first_ip": "192.168.99.128", "last_ip": "192.168.99.254"}
LAN16 = {"lan": "172.20.0.1/16", "first_ip": "172.20.0.10", "last_ip": "172.20.255.250"}
# Static guests, by their offset from the LAN's network address: g1 and g2
# (g1 also in the VXLAN row), g1 in the /16 DHCP row (perfdhcp relays from
# its address: outside the pool, which its clients fill), the VXLAN row's
# remote guest (rg), and the many-guests row's guests, from g1 on. Where
# these are in the pool, as in the VXLAN and many-guests rows' boot, no DHCP
# client runs (and the /16 DHCP row comes after them).
HOST_G1, HOST_G2, HOST_RELAY, HOST_RG, HOST_MANY = 11, 12, 5, 50, 100
# The many-guests row: this many guest ports, each with a TCP transfer.
MANY = 32
MANY_SECONDS = max(SECONDS, 5)  # 32 TCP flows take a while to share the link
OUTSIDE = "10.88.0.1"
# The VXLAN row: the same network, spanned to a second host (the outside
# namespace, with a Linux vxlan device bridged to a remote guest, rg).
VXLAN_LINE = "  vxlan 5000 remote %s\n" % OUTSIDE
UDHCPC = "busybox udhcpc -f -q -n -s /bin/true -t 5 -T 1 -i %s"


def lan_ip(lan, n):
    """The address (n) past (lan)'s network address."""
    return str(ipaddress.ip_interface(lan["lan"]).network.network_address + n)


def lan_cidr(lan, n):
    """lan_ip() with (lan)'s prefix length."""
    return "%s/%d" % (lan_ip(lan, n), ipaddress.ip_interface(lan["lan"]).network.prefixlen)


def gateway(lan):
    """The VM's own address on (lan)."""
    return str(ipaddress.ip_interface(lan["lan"]).ip)


def in_pool(lan, ip):
    first, last = (ipaddress.ip_address(lan[k]) for k in ("first_ip", "last_ip"))
    return first <= ipaddress.ip_address(ip) <= last


G1, G2 = lan_ip(LAN24, HOST_G1), lan_ip(LAN24, HOST_G2)
assert not any(in_pool(LAN24, ip) for ip in (G1, G2))
assert not in_pool(LAN16, lan_ip(LAN16, HOST_RELAY))

BEGIN = time.monotonic()  # main() sets it again
TOOK = collections.defaultdict(float)  # seconds by phase


def say(line):
    """Prints a progress line, after the time since the bench began."""
    print("[%4.0f s] %s" % (time.monotonic() - BEGIN, line), flush=True)


@contextlib.contextmanager
def phase(name):
    """Adds the time the block takes to TOOK[name]."""
    t = time.monotonic()
    try:
        yield
    finally:
        TOOK[name] += time.monotonic() - t


class Failed(Exception):
    """A figure could not be measured; the message says why."""


def tun_names(pid):
    """The tap names process (pid) holds open (tun's fdinfo "iff:" line)."""
    names = set()
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                m = re.search(r"(?m)^iff:\s+(\S+)", f.read())
        except OSError:
            continue
        if m:
            names.add(m.group(1))
    return names


class Peer(Unigate):
    """The Linux router VM: the lab's QEMU command line and ports, with
    Debian's kernel and the peer's initramfs in place of unigate's image.
    It boots them unpacked (build/peer/vmlinux at its PVH entry, initrd.cpio)
    where tools/peer/build.py could make them, so that its ready row does not
    time TCG running the XZ and gzip decompressors (5-9 s of a 15-18 s boot
    here); (shipped) boots vmlinuz and initrd.gz as Debian ships them, as the
    -m bisection does: the compressed initramfs is the smaller in RAM."""

    READY = re.compile(r"READY (\d+\.\d+)")

    def __init__(self, vxlan=False, append="", shipped=False, **kw):
        unpacked = not shipped and os.path.exists(os.path.join(PEER_DIR, "vmlinux"))
        super().__init__(image=os.path.join(PEER_DIR, "vmlinux" if unpacked else "vmlinuz"),
                         debug_exit=False, **kw)
        self.initrd = os.path.join(PEER_DIR, "initrd.cpio" if unpacked else "initrd.gz")
        self.vxlan = vxlan
        self.append = append  # more of the kernel's command line (peer.role=...)

    def argv(self):
        args = super().argv()
        i = args.index("-kernel") + 2
        args[i:i] = ["-initrd", self.initrd,
                     "-append", "console=ttyS0 panic=-1 quiet" +
                     (" peer.vxlan=" + OUTSIDE if self.vxlan else "") +
                     (" " + self.append if self.append else "")]
        return args

    def start(self):
        """As Unigate.start, but Linux prints nothing early: the taps move
        into their namespaces once QEMU's fdinfo shows each of them open."""
        self._track()
        try:
            self._make_taps()
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, bufsize=0)
            self.pids.append(self.proc.pid)
            deadline = time.monotonic() + 30
            while not set(self.taps) <= tun_names(self.proc.pid):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise LabError("QEMU did not open its taps")
                time.sleep(0.01)
            self._move_taps()
        except BaseException:
            self.close()
            raise
        return self

    def wait_ready(self, timeout=120):
        """Waits for the init script's READY line; returns the guest's own
        uptime then, in ms (the kernel's and init's part)."""
        m = self.expect(self.READY, timeout)
        self.ready_ms = float(m.group(1)) * 1000
        return self.ready_ms


KINDS = (("unigate", Unigate), ("peer", Peer))


def new_vm(kind, model, mib=MEM_MIB, vxlan=False, guests=2, lan=LAN24, tag=None, shipped=False):
    """An unstarted VM of (kind) with ports up, g1 .. g(guests) of NIC
    (model) and the LAN (lan); with (vxlan), its LAN is also spanned to
    10.88.0.1 over VXLAN 5000. (tag): the lab's own, if another lab is open
    beside it. (shipped): see Peer."""
    ports = [Port(model, ns="up")] + [Port(model, ns="g%d" % i) for i in range(1, guests + 1)]
    if kind is Unigate:
        text = UNIGATE_CONFIG % dict(lan, last=guests)
        cfg = {"config": text + (VXLAN_LINE if vxlan else "")}
    else:
        cfg = {"vxlan": vxlan, "shipped": shipped}
        if lan is not LAN24:
            cfg["append"] = "peer.lan=%s,%s,%s" % (lan["lan"], lan["first_ip"], lan["last_ip"])
    return kind(ports=ports, mem="%dM" % mib, accel=probe_accel(), log=None, tag=tag, **cfg)


def drain(vm):
    """Reads what the console printed so far, so that QEMU never blocks on
    a full pipe between two figures."""
    while vm.proc and select.select([vm.proc.stdout], [], [], 0)[0]:
        if not vm._read(0):
            break


def finish(vm, proc, timeout):
    """Waits for (proc), started by vm.spawn, for up to (timeout) s; kills it
    by its PID if it is still running; then drops it from the lab's lists so
    that close() never signals a PID that may have been reused."""
    try:
        out = proc.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0]
    vm.pids.remove(proc.pid)
    vm.children.remove(proc)
    return out


def outside_address(vm):
    """The outside host's address, on the VM's uplink (port up)."""
    up = vm.ports[0]
    up.ns.run("ip addr add %s/24 dev %s" % (OUTSIDE, up.tap))


def addresses(vm):
    """Static addresses of a VM on LAN24: the outside host, and g1/g2
    routed through the VM."""
    outside_address(vm)
    for p, n in ((vm.ports[1], HOST_G1), (vm.ports[2], HOST_G2)):
        guest_address(p, lan_cidr(LAN24, n), gateway(LAN24))


def guest_address(port, cidr, router, instead=False):
    """Gives the guest behind (port) the static address (cidr) and its
    default route through (router), the VM; (instead) of any it had."""
    if instead:
        port.ns.run("ip addr flush dev %s" % port.tap)
    port.ns.run("ip addr add %s dev %s" % (cidr, port.tap))
    port.ns.run("ip route replace default via %s" % router)


def dhcp_lease(ifname):
    """Run as `bench.py --dhcp-lease IF` inside a namespace. Opens a capture
    on (ifname), prints "listening", and on a line from stdin runs busybox
    udhcpc on (ifname). Prints one JSON object: udhcpc's wall time from
    start to lease (lease_ms), and the server's answer times on the wire, by
    the kernel's receive timestamps: from the last DISCOVER before the first
    OFFER to it (offer_ms), the same for REQUEST and ACK (ack_ms)."""
    import socket
    import struct
    # ETH_P_ALL: a socket bound to one protocol does not see outgoing frames.
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    sock.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS
    sock.bind((ifname, 0))
    print("listening", flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    client = subprocess.Popen((UDHCPC % ifname).split(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    last, res, done = {}, {}, None
    # Until udhcpc is done and the ACK seen (or 0.5 s more), at most 30 s.
    while time.monotonic() < t0 + 30 and (done is None or time.monotonic() < done + 0.5):
        if done is None and client.poll() is not None:
            done = time.monotonic()
            if client.returncode == 0:
                res["lease_ms"] = (done - t0) * 1000
            else:
                res["error"] = "udhcpc got no lease (status %d)" % client.returncode
        if "ack_ms" in res and done is not None:
            break
        if not select.select([sock], [], [], 0.01)[0]:
            continue
        frame, anc, _, _ = sock.recvmsg(2048, 64)
        stamp = next((struct.unpack("qq", d[:16]) for lvl, typ, d in anc
                      if lvl == socket.SOL_SOCKET and typ == 35), None)
        ihl = (frame[14] & 15) * 4 if len(frame) > 14 else 0
        udp, dhcp = 14 + ihl, 14 + ihl + 8
        if (stamp is None or len(frame) < dhcp + 240 or frame[12:14] != b"\x08\x00"
                or frame[23] != 17
                or struct.unpack("!H", frame[udp + 2:udp + 4])[0] not in (67, 68)):
            continue
        t = stamp[0] * 1000.0 + stamp[1] / 1e6
        opts, kind = frame[dhcp + 240:], None
        while len(opts) >= 2 and opts[0] != 255:  # the options, bounded by the frame
            if opts[0] == 0:
                opts = opts[1:]
                continue
            if opts[0] == 53 and opts[1] >= 1 and len(opts) >= 3:
                kind = opts[2]
            opts = opts[2 + opts[1]:]
        if kind in (1, 3):  # DISCOVER, REQUEST
            last[kind] = t
        elif kind == 2 and 1 in last and "offer_ms" not in res:
            res["offer_ms"] = t - last[1]
        elif kind == 5 and 3 in last and "ack_ms" not in res:
            res["ack_ms"] = t - last[3]
    if client.poll() is None:
        client.kill()
        client.wait()
        res["error"] = "udhcpc still running after 30 s"
    print(json.dumps(res), flush=True)


def lease_start(lab, ns, ifname):
    """Starts the dhcp_lease helper on (ifname) in namespace (ns) of (lab),
    recording its PID as lab.spawn does; lease() then lets it run."""
    proc = subprocess.Popen(["ip", "netns", "exec", lab.ns(ns).name, sys.executable,
                             os.path.abspath(__file__), "--dhcp-lease", ifname],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lab.pids.append(proc.pid)
    lab.children.append(proc)
    return proc


def lease(lab, helper):
    """Lets the dhcp_lease (helper) run udhcpc now; returns its JSON."""
    line = helper.stdout.readline()
    if line.strip() != "listening":
        finish(lab, helper, 5)
        raise Failed("the lease helper did not start: %s" % line.strip()[-120:])
    helper.stdin.write("go\n")
    helper.stdin.flush()
    out = (finish(lab, helper, 40) or "").strip().splitlines() or ["nothing"]
    try:
        return json.loads(out[-1])
    except ValueError:
        raise Failed("the lease helper printed %s" % out[-1][-120:])


def iperf(vm, client, server, addr, args, seconds=SECONDS):
    """One iperf3 run of (seconds) from namespace (client) to the server in
    (server) at (addr); returns iperf3's JSON "end" object."""
    srv = vm.spawn(server, ["iperf3", "-s", "-1", "-B", addr])
    listening(vm, server, 5201)
    out = vm.ns(client).run("iperf3 -J -c %s -t %d %s" % (addr, seconds, args), check=False,
                            timeout=seconds + 30)
    finish(vm, srv, 10)
    try:
        res = json.loads(out)
    except ValueError:
        raise Failed("iperf3 printed no JSON: %s" % out.strip()[-120:])
    if "error" in res:
        raise Failed("iperf3: %s" % res["error"])
    return res["end"]


def listening(vm, ns, port, timeout=5):
    """Waits (at most (timeout) s) until a TCP socket listens on (port) in
    namespace (ns): a server just started is ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if vm.ns(ns).run("ss -Hltn sport = :%d" % port, check=False).strip():
            return
        time.sleep(0.02)


def tcp_mbit(vm, args, client="g1", server="up", addr=OUTSIDE, seconds=SECONDS):
    end = iperf(vm, client, server, addr, args, seconds)
    bps = end.get("sum_received", {}).get("bits_per_second", 0)
    if not bps:
        raise Failed("iperf3 received nothing")
    return bps / 1e6


def udp_kpps(vm):
    """64-byte UDP datagrams sent as fast as iperf3 can from g1 to the
    outside host; thousands delivered per second, by the receiver's count."""
    r = iperf(vm, "g1", "up", OUTSIDE, "-u -l 64 -b 0", SHORT_SECONDS)["sum_received"]
    delivered = r["packets"] - r["lost_packets"]
    if delivered <= 0 or r["seconds"] <= 0:
        raise Failed("no datagram delivered")
    return delivered / r["seconds"] / 1000


def ping_ms(vm):
    """ping -c 200 -i 0.01 from g1 to the outside host: (min, avg) in ms."""
    out = vm.ports[1].ns.run("ping -q -c 200 -i 0.01 -W 1 %s" % OUTSIDE, check=False, timeout=30)
    m = re.search(r"= ([\d.]+)/([\d.]+)/", out)
    if not m:
        raise Failed("no reply: %s" % out.strip().splitlines()[-1:])
    return float(m.group(1)), float(m.group(2))


def perfdhcp(vm, rate, clients=100, lan=LAN24):
    """DORA exchanges per second perfdhcp completes from g1 with (clients)
    simulated clients, offered at (rate)/s for DHCP_SECONDS. perfdhcp is a
    relay agent here (giaddr: g1's address on (lan)) and, as a relay agent
    does (RFC 2131 §4.1, RFC 1542 §4.1.1), sends to the server's address:
    the VM's own on (lan). (Broadcast, its messages would flood every other
    guest port, a cost of the port count rather than of the DHCP server:
    with 32 guests, 3,800 exchanges/s against 6,400 unicast.)"""
    g1 = vm.ports[1]
    out = g1.ns.run("perfdhcp -4 -r %d -R %d -p %d %s 2>&1" % (
        rate, clients, DHCP_SECONDS, gateway(lan)), check=False, timeout=DHCP_SECONDS + 30)
    m = re.search(r"REQUEST-ACK\*+\nsent packets: \d+\nreceived packets: (\d+)", out)
    if not m:
        raise Failed("perfdhcp: %s" % out.strip().splitlines()[-1:])
    return int(m.group(1)) / DHCP_SECONDS


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime of all threads


class Results:
    """Every value and failure, by (row, model, kind)."""

    def __init__(self):
        self.vals, self.fails, self.argv = {}, {}, {}
        self.took = collections.defaultdict(float)  # seconds by row

    def add(self, row, model, kind, fn):
        """Records fn()'s value, or why it failed; returns the value or None."""
        key = (row, model, kind)
        t = time.monotonic()
        try:
            v = fn()
        except (Failed, LabError, subprocess.TimeoutExpired, OSError, KeyError) as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            self.fails.setdefault(key, []).append(reason[:160])
            say("    %s %s %s: failed: %s" % (kind, model, row, reason[:160]))
            return None
        finally:
            self.took[row] += time.monotonic() - t
        self.vals.setdefault(key, []).append(v)
        return v

    def fail_all(self, rows, model, kind, reason):
        for row in rows:
            self.fails.setdefault((row, model, kind), []).append(reason)


# key, label, unit, format, whether higher is better
ROWS = [
    ("start", "QEMU start to ready", "s", "%.2f", False),
    ("kernel", "  the guest's own part (its ready line)", "ms", "%.0f", False),
    ("lease", "first DHCP lease after ready (busybox udhcpc)", "ms", "%.0f", False),
    ("offer", "  the server's answer on the wire: DISCOVER to OFFER", "ms", "%.2f", False),
    ("ack", "  the server's answer on the wire: REQUEST to ACK", "ms", "%.2f", False),
    ("tcp1", "TCP LAN to outside through NAT, 1 stream", "Mbit/s", "%.0f", True),
    ("tcp4", "  same, 4 streams", "Mbit/s", "%.0f", True),
    ("tcpR", "  same, reverse (outside to LAN)", "Mbit/s", "%.0f", True),
    ("udp64", "UDP 64-byte packets delivered through NAT", "kpps", "%.1f", True),
    ("pingmin", "ping RTT through NAT, min", "ms", "%.3f", False),
    ("pingavg", "ping RTT through NAT, avg", "ms", "%.3f", False),
    ("g2g", "guest to guest TCP on one switch", "Mbit/s", "%.0f", True),
    ("vxlan", "guest to a guest on another host over VXLAN, TCP", "Mbit/s", "%.0f", True),
    ("idle", "idle host CPU over %d s" % IDLE_SECONDS, "% of a core", "%.2f", False),
] + [("dhcp%d" % r, "DHCP exchanges/s, perfdhcp 100 clients, %d/s offered" % r, "/s", "%.0f",
      True) for r in DHCP_RATES] + [
    ("dhcp16", "DHCP exchanges/s, perfdhcp %d new clients, /16 pool, %d/s offered" % (
        POOL16_CLIENTS, POOL16_RATE), "/s", "%.0f", True),
    ("many", "%d guests at once through NAT, TCP, aggregate" % MANY, "Mbit/s", "%.0f", True),
    ("jain", "  same, Jain's fairness index of the guests' rates", "", "%.3f", True),
    ("arp", "  same, the gateway's ARP requests per guest", "", "%.2f", False),
] + [
    ("mem", "smallest -m that boots and forwards", "MiB", "%.0f", False),
    ("size", "image (the peer: kernel + initrd as Debian ships them, compressed)", "KiB", "%.0f", False),
]
BOOT_ROWS = [r[0] for r in ROWS
             if r[0] not in ("mem", "size", "vxlan", "dhcp16", "many", "jain", "arp")]


def one_boot(res, kind_name, kind, model, run):
    """Boots one VM and measures every per-boot row on it."""
    vm = new_vm(kind, model)
    add = lambda row, fn: res.add(row, model, kind_name, fn)  # noqa: E731
    try:
        t0 = time.monotonic()
        try:
            vm.start()
            helper = lease_start(vm, "g1", vm.ports[1].tap)
            guest_ms = vm.wait_ready()
        except LabError as e:
            res.fail_all(BOOT_ROWS, model, kind_name, "did not boot: %s" % str(e).splitlines()[0])
            say("    %s %s: did not boot" % (kind_name, model))
            return
        ready_s = time.monotonic() - t0
        res.argv.setdefault((kind_name, model), " ".join(vm.proc.args))
        try:
            wire = lease(vm, helper)
        except Failed as e:
            wire = {"error": str(e)}
        add("lease", lambda: wire.get("lease_ms") or fail(wire.get("error", "no lease")))
        for row, key in (("offer", "offer_ms"), ("ack", "ack_ms")):
            add(row, lambda: wire.get(key) or fail("no %s in the capture" % key[:-3].upper()))
        add("start", lambda: ready_s)
        add("kernel", lambda: guest_ms)
        addresses(vm)
        hz = os.sysconf("SC_CLK_TCK")
        time.sleep(1)  # the VM settles (the lease just given) before the idle figure
        drain(vm)
        c0 = cpu_ticks(vm.proc.pid)
        time.sleep(IDLE_SECONDS)
        add("idle", lambda: (cpu_ticks(vm.proc.pid) - c0) * 100.0 / hz / IDLE_SECONDS)
        rtt = []
        if add("pingmin", lambda: rtt.extend(ping_ms(vm)) or rtt[0]) is not None:
            add("pingavg", lambda: rtt[1])
        else:
            res.fail_all(["pingavg"], model, kind_name, "see ping min")
        for row, args in (("tcp1", ""), ("tcp4", "-P 4"), ("tcpR", "-R")):
            add(row, lambda: tcp_mbit(vm, args))
            drain(vm)
        add("udp64", lambda: udp_kpps(vm))
        add("g2g", lambda: tcp_mbit(vm, "", client="g1", server="g2", addr=G2,
                                    seconds=SHORT_SECONDS))
        vm.ports[1].ns.run("ip link set %s promisc on" % vm.ports[1].tap)
        for rate in DHCP_RATES:
            drain(vm)
            add("dhcp%d" % rate, lambda: perfdhcp(vm, rate))
    finally:
        drain(vm)
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(os.path.join(LOG_DIR, "%s-%s-%d.log" % (kind_name, model, run)), "w") as f:
            f.write(vm.out)
        vm.close()
    vals = {r: res.vals.get((r, model, kind_name), [None])[-1] for r in ("start", "lease", "tcp1")}
    say("    %s %s run %d: ready %s s, lease %s ms, TCP %s Mbit/s" % (
        kind_name, model, run, fmt("%.2f", vals["start"]), fmt("%.0f", vals["lease"]),
        fmt("%.0f", vals["tcp1"])))


def vxlan_mbit(vm, lan):
    """TCP from g1 on the VM's LAN (lan) to rg, a guest of the same network
    on a second host reached over VXLAN: the outside namespace plays that
    host, a Linux vxlan device (VNI 5000, to the VM's uplink address)
    bridged to rg. Both guests use MTU 1450, as the tunnel leaves them; g1
    gets 1500 back after, and the second host's vxlan device goes."""
    up, g1 = vm.ports[0], vm.ports[1]
    o, rg = up.ns, vm.ns("rg")
    rg_ip = lan_ip(lan, HOST_RG)
    try:
        o.run("ip link add vx0 type vxlan id 5000 local %s remote 10.88.0.2 dstport 4789 dev %s"
              % (OUTSIDE, up.tap))
        o.run("ip link add br0 type bridge")
        o.run("ip link add rgp type veth peer name r0")
        o.run("ip link set r0 netns %s" % rg.name)
        for d in ("vx0", "rgp"):
            o.run("ip link set %s master br0" % d)
        for d in ("vx0", "rgp", "br0"):
            o.run("ip link set %s up" % d)
        rg.run("ip link set r0 mtu 1450")
        rg.run("ip addr add %s dev r0" % lan_cidr(lan, HOST_RG))
        rg.run("ip link set r0 up")
        g1.ns.run("ip link set %s mtu 1450" % g1.tap)
        # Resolve both ways first: the first frames flood to every endpoint.
        g1.ns.run("ping -c 2 -i 0.2 -W 2 %s" % rg_ip, check=False, timeout=15)
        return tcp_mbit(vm, "", client="g1", server="rg", addr=rg_ip, seconds=SHORT_SECONDS)
    finally:
        g1.ns.run("ip link set %s mtu 1500" % g1.tap, check=False)
        o.run("ip link del vx0", check=False)


def boot_for(res, kind_name, model, vm, rows, measure, beside=None):
    """Boots (vm) for rows of their own (rows) and runs measure(vm) on it;
    if it does not boot, those rows fail with the reason. (beside), a
    Prober, runs while the VM boots."""
    try:
        try:
            vm.start()
            if beside:
                beside.start()
            vm.wait_ready()
        except LabError as e:
            res.fail_all(rows, model, kind_name, "did not boot: %s" % str(e).splitlines()[0])
            say("    %s %s: did not boot for %s" % (kind_name, model, " ".join(rows)))
            return
        finally:
            if beside:
                beside.stop()
        measure(vm)
    finally:
        drain(vm)
        vm.close()


def jain(xs):
    """Jain's fairness index: 1 when every share is equal, 1/n when one
    takes all."""
    return sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs)) if any(xs) else 0.0


def gated(vm, ns, cmd):
    """Starts (cmd) in namespace (ns) of (vm)'s lab once a line arrives on
    its stdin; its PID is recorded as vm.spawn does."""
    proc = subprocess.Popen(["ip", "netns", "exec", vm.ns(ns).name, "sh", "-c",
                             'read go && exec "$@"', "gated"] + cmd,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    vm.pids.append(proc.pid)
    vm.children.append(proc)
    return proc


def many_guests(vm, lan):
    """Every guest (g1 .. g(MANY), at (lan)'s HOST_MANY on; g1's address
    there instead of the VXLAN row's) sends TCP to its own iperf3 server
    outside for MANY_SECONDS, all at once, while each guest's namespace
    captures the ARP requests the gateway sends it. Returns (aggregate
    Mbit/s, Jain's index, ARP requests per guest)."""
    guests = vm.ports[1:]
    gw = gateway(lan)
    for i, g in enumerate(guests):
        guest_address(g, lan_cidr(lan, HOST_MANY + i), gw, instead=i == 0)
    # requests sent by the gateway
    arp_filter = "arp[6:2] = 1 and arp[14:4] = 0x%08x" % int(ipaddress.ip_address(gw))
    # 64 iperf3 processes would otherwise starve the VM's own threads of
    # the host's cores (the host's scheduler shares by thread): they run
    # niced, for both VMs alike.
    nice = os.environ.get("BENCH_NICE", "nice -n 19").split()
    caps = [vm.spawn(g.ns_name, ["tcpdump", "-i", g.tap, "-nn", "-l", "-q", arp_filter])
            for g in guests]
    servers = [vm.spawn("up", nice + ["iperf3", "-s", "-1", "-B", OUTSIDE, "-p", str(5201 + i)])
               for i in range(len(guests))]
    # Every client waits for a line on its stdin, so that all start within
    # a millisecond: a start spread over the spawns would be measured as
    # unfairness.
    clients = [gated(vm, g.ns_name, nice + ["iperf3", "-J", "-c", OUTSIDE, "-p", str(5201 + i),
                                            "-t", str(MANY_SECONDS)])
               for i, g in enumerate(guests)]
    time.sleep(1.5)  # servers and captures listening; e1000 ports receiving
    for c in clients:
        c.stdin.write("go\n")
    for c in clients:
        c.stdin.flush()
    rates, errors = [], []
    for c in clients:
        out = finish(vm, c, MANY_SECONDS + 60)
        try:
            got = json.loads(out)
        except ValueError:
            got = None
        if not isinstance(got, dict):
            got = {"error": "no JSON: %s" % out.strip()[-80:]}
        try:
            rates.append(got["end"]["sum_received"]["bits_per_second"] / 1e6)
        except (KeyError, TypeError):
            rates.append(0.0)
            errors.append(str(got.get("error", "no figure")))
    time.sleep(0.5)
    requests = 0
    for p in caps + servers:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
        out = finish(vm, p, 10)
        if p in caps:
            requests += out.count("ARP, Request")
    if not any(rates):
        raise Failed("no guest's transfer completed")
    say("    %d guests: %s Mbit/s each%s" % (
        len(rates), " ".join("%.0f" % r for r in rates),
        "; %d failed, e.g. %s" % (len(errors), errors[0][:100]) if errors else ""))
    return sum(rates), jain(rates), requests / len(guests)


def many_boot(res, kind_name, kind, model, run, beside=None):
    """Boots a VM with MANY guest ports, whose LAN is LAN16 (a pool of 65,521
    addresses) and is spanned over VXLAN to the outside namespace, and
    measures on it, in this order: the VXLAN row (g1 at HOST_G1), the
    many-guests rows (g1 readdressed), the /16 DHCP row (perfdhcp with
    POOL16_CLIENTS clients, nearly all new, relaying from g1 at HOST_RELAY,
    outside the pool its clients fill). (beside): see boot_for."""
    rows = ["vxlan", "many", "jain", "arp", "dhcp16"]

    def measure(vm):
        add = lambda row, fn: res.add(row, model, kind_name, fn)  # noqa: E731
        outside_address(vm)
        guest_address(vm.ports[1], lan_cidr(LAN16, HOST_G1), gateway(LAN16))
        add("vxlan", lambda: vxlan_mbit(vm, LAN16))
        drain(vm)
        got = []
        if add("many", lambda: got.extend(many_guests(vm, LAN16)) or got[0]):
            add("jain", lambda: got[1])
            add("arp", lambda: got[2])
        else:
            res.fail_all(rows[2:4], model, kind_name, "see the aggregate")
        drain(vm)
        guest_address(vm.ports[1], lan_cidr(LAN16, HOST_RELAY), gateway(LAN16), instead=True)
        vm.ports[1].ns.run("ip link set %s promisc on" % vm.ports[1].tap)
        add("dhcp16", lambda: perfdhcp(vm, POOL16_RATE, POOL16_CLIENTS, LAN16))
        vals = {r: res.vals.get((r, model, kind_name), [None])[-1] for r in rows}
        say("    %s %s run %d: VXLAN %s Mbit/s, %d guests %s Mbit/s, /16 DHCP %s/s" % (
            kind_name, model, run, fmt("%.0f", vals["vxlan"]), MANY, fmt("%.0f", vals["many"]),
            fmt("%.0f", vals["dhcp16"])))
    boot_for(res, kind_name, model, new_vm(kind, model, vxlan=True, guests=MANY, lan=LAN16),
             rows, measure, beside)


def fail(reason):
    raise Failed(reason)


def fmt(f, v):
    return "-" if v is None else f % v


def dhcp_floor():
    """udhcpc against dnsmasq on a bare veth pair between two namespaces,
    the client's own share of the lease row: the lease helper's JSON."""
    lab = Unigate(log=None)
    try:
        a, b = lab.link("srv", "192.168.98.1/24", "cli", "192.168.98.3/24")
        srv = lab.spawn("srv", ["dnsmasq", "--no-daemon", "--port=0", "--no-resolv",
                                "--no-hosts", "--interface=%s" % a, "--bind-interfaces",
                                "--dhcp-range=192.168.98.128,192.168.98.254,30m",
                                "--dhcp-leasefile=/dev/null", "--no-ping",
                                "--dhcp-authoritative", "--pid-file=", "--user=root"])
        time.sleep(0.5)
        if srv.poll() is not None:
            raise Failed("dnsmasq exited: %s" % srv.stdout.read().strip()[-120:])
        return lease(lab, lease_start(lab, "cli", b))
    finally:
        lab.close()


def alive_and_forwarding(kind, model, mib, tag=None):
    """Whether a VM of (kind) with -m (mib) reaches ready and forwards a
    ping from g1 to the outside host through NAT. One too small for either
    VM stops by itself (unigate: no RAM for its heap; the peer's kernel
    panics unpacking its initramfs, and panic=-1 with -no-reboot ends
    QEMU), so the timeouts only bound a hang."""
    vm = new_vm(kind, model, mib, tag=tag, shipped=True)
    try:
        vm.start()
        vm.wait_ready(timeout=20 if kind is Unigate else 90)
        addresses(vm)
        out = vm.ports[1].ns.run("ping -c 5 -i 0.2 -W 2 %s" % OUTSIDE, check=False, timeout=20)
        return re.search(r" [1-5] received", out) is not None
    except LabError:
        return False
    finally:
        vm.close()


class Bisection:
    """The smallest -m for (kind) and (model), bisected between a size that
    fails and MEM_MIB, which the runs show to work: to 1 MiB for unigate, to
    4 MiB for the peer (about 104 MiB; each of its boots takes 15-20 s). A
    boot at a time, from one thread at a time; an error other than the VM's
    own failure ends it (error)."""

    def __init__(self, kind_name, kind, model):
        self.kind_name, self.kind, self.model = kind_name, kind, model
        self.lo, self.hi, self.step = (1, MEM_MIB, 1) if kind is Unigate else (16, MEM_MIB, 4)
        self.boots, self.error = 0, None

    def done(self):
        return self.error is not None or self.hi - self.lo <= self.step

    def boot(self, tag):
        """Boots once, halving the interval."""
        mid = (self.lo + self.hi) // 2
        try:
            ok = alive_and_forwarding(self.kind, self.model, mid, tag)
        except Exception as e:  # in a thread of its own: the mem row says why
            self.error = "-m %d: %s" % (mid, str(e).strip().splitlines()[0][:120]
                                        if str(e).strip() else type(e).__name__)
            say("    -m %d MiB, %s %s: %s" % (mid, self.kind_name, self.model, self.error))
            return
        if ok:
            self.hi = mid
        else:
            self.lo = mid
        self.boots += 1
        say("    -m %d MiB, %s %s: %s" % (mid, self.kind_name, self.model,
                                          "boots and forwards" if ok else "fails"))

    def result(self):
        if self.error:
            raise Failed(self.error)
        return self.hi


def next_bisection(bisections, kinds):
    """The unfinished bisection of one of (kinds) with the fewest boots."""
    left = [b for b in bisections if b.kind in kinds and not b.done()]
    return min(left, key=lambda b: b.boots) if left else None


class Prober:
    """Bisection boots in a thread beside a VM whose boot nothing times (the
    peer's second and third boots: 15-40 s of one core's TCG, the host's
    other core idle), from start() to stop(), which waits for the boot in
    flight: the peer's within the first PEER_WINDOW s (one takes about as
    long as the VM beside), then unigate's (a second or two each). Its lab
    has a tag of its own."""

    PEER_WINDOW = 10

    def __init__(self, bisections):
        self.bisections = bisections
        self.thread, self.stopping, self.boots = None, threading.Event(), 0

    def _run(self):
        tag = "ugp%d" % (os.getpid() % 100000)
        t0 = time.monotonic()
        while not self.stopping.is_set():
            b = None
            if time.monotonic() - t0 < self.PEER_WINDOW:
                b = next_bisection(self.bisections, (Peer,))
            b = b or next_bisection(self.bisections, (Unigate,))
            if b is None:
                return
            b.boot(tag)
            self.boots += 1

    def start(self):
        self.stopping.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join()
            self.thread = None


def finish_bisections(bisections):
    """The bisections' remaining boots, two at once (two bisections, each
    booting on a core of its own: the host has two), the peer's first."""
    lock, left = threading.Lock(), list(bisections)

    def worker(n):
        tag = "ug%s%d" % ("ab"[n], os.getpid() % 100000)
        while True:
            with lock:  # a bisection to this worker alone
                b = next_bisection(left, (Peer,)) or next_bisection(left, (Unigate,))
                if b is not None:
                    left.remove(b)
            if b is None:
                return
            while not b.done():
                b.boot(tag)
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def image_kib(kind):
    if kind is Unigate:
        return os.path.getsize(IMAGE) / 1024
    return sum(os.path.getsize(os.path.join(PEER_DIR, f)) for f in ("vmlinuz", "initrd.gz")) / 1024


def cell(res, row, model, kind, f):
    """Median (and how many runs failed), or "failed: reason"."""
    vals, fails = res.vals.get((row, model, kind), []), res.fails.get((row, model, kind), [])
    if not vals:
        return ("failed: %s" % fails[0]) if fails else "not run", None
    med = statistics.median(vals)
    s = f % med
    if fails:
        s += " (%d of %d failed: %s)" % (len(fails), len(fails) + len(vals), fails[0])
    return s, med


def spread(res, row, model, kind, f):
    vals = res.vals.get((row, model, kind), [])
    if len(vals) < 2:
        return "-"
    return "%s–%s" % (f % min(vals), f % max(vals))


def table(res):
    """The results as one Markdown table."""
    lines = ["| figure | unit | NIC | unigate (median) | peer (median) | unigate ÷ peer |"
             " better | unigate min–max | peer min–max |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row, label, unit, f, higher in ROWS:
        if QUICK and row == "mem":
            continue  # the bisection boots each VM about eight times
        for model in MODELS:
            u, um = cell(res, row, model, "unigate", f)
            p, pm = cell(res, row, model, "peer", f)
            ratio, better = "-", "-"
            if um is not None and pm is not None and um > 0 and pm > 0:
                ratio = "%.3g" % (um / pm)
                better = "same" if um == pm else (
                    "unigate" if (um > pm) == higher else "peer")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, unit, model, u, p, ratio, better, spread(res, row, model, "unigate", f),
                spread(res, row, model, "peer", f)))
    return "\n".join(lines)


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"(?m)^model name\s*:\s*(.+)$", f.read())
        cpu = m.group(1) if m else cpu
    qemu = sh("qemu-system-x86_64 --version").splitlines()[0]
    return "%d cores (nproc), %s; kernel %s; %s" % (os.cpu_count(), cpu, platform.release(), qemu)


def main():
    for f in (IMAGE, os.path.join(PEER_DIR, "vmlinuz"), os.path.join(PEER_DIR, "initrd.gz")):
        if not os.path.exists(f):
            print("bench: %s is missing (make bench builds it)" % f, file=sys.stderr)
            return 1
    global BEGIN
    BEGIN = time.monotonic()
    accel = probe_accel()
    head = ("unigate bench%s: %s; accelerator %s (both VMs), 1 vCPU, -m %d MiB; %d run(s), "
            "%d s transfers (%d s for UDP, guest to guest, VXLAN), NIC models %s" % (
                " (quick)" if QUICK else "", machine(), accel, MEM_MIB, RUNS, SECONDS,
                SHORT_SECONDS, ", ".join(MODELS)))
    print(head, flush=True)
    res = Results()
    bisections = [] if QUICK else [Bisection(kind_name, kind, model)
                                   for kind_name, kind in (("peer", Peer), ("unigate", Unigate))
                                   for model in MODELS]
    prober = Prober(bisections)
    for run in range(1, RUNS + 1):
        say("  run %d of %d" % (run, RUNS))
        with phase("DHCP floor"):
            try:
                wire = dhcp_floor()
            except (Failed, LabError) as e:
                wire = {"error": str(e)}
        res.add("floor", "veth", "dnsmasq",
                lambda: wire.get("lease_ms") or fail(wire.get("error", "no lease")))
        for key in ("offer_ms", "ack_ms"):
            res.add("floor_" + key, "veth", "dnsmasq",
                    lambda: wire.get(key) or fail("no %s in the capture" % key[:-3].upper()))
        for model in MODELS:
            for kind_name, kind in KINDS:
                with phase("%s first boots" % kind_name):
                    one_boot(res, kind_name, kind, model, run)
                beside = prober if kind is Peer and bisections else None
                with phase("%s VXLAN, %d-guest and /16 DHCP boots" % (kind_name, MANY)):
                    many_boot(res, kind_name, kind, model, run, beside)
    if bisections:
        say("  -m bisection: %d boots done beside the peer's untimed boots; the rest now"
            % prober.boots)
        with phase("-m bisection after the runs"):
            finish_bisections(bisections)
    for kind_name, kind in KINDS:
        for model in MODELS:
            res.add("size", model, kind_name, lambda: image_kib(kind))
    for b in bisections:
        res.add("mem", b.model, b.kind_name, b.result)
    floor_line = ("The lease row's floor, the same udhcpc against dnsmasq on a veth pair "
                  "(same runs): lease %s ms; dnsmasq's answers on the wire: DISCOVER to OFFER "
                  "%s ms, REQUEST to ACK %s ms (medians; min–max %s, %s, %s)." % tuple(
                      [cell(res, r, "veth", "dnsmasq", f)[0] for r, f in (
                          ("floor", "%.0f"), ("floor_offer_ms", "%.2f"), ("floor_ack_ms", "%.2f"))]
                      + [spread(res, r, "veth", "dnsmasq", f) for r, f in (
                          ("floor", "%.0f"), ("floor_offer_ms", "%.2f"),
                          ("floor_ack_ms", "%.2f"))]))
    tab = table(res)
    took = time.monotonic() - BEGIN
    print("\n" + tab + "\n\n" + floor_line + "\nbench took %.0f s" % took, flush=True)
    print("time by phase: " + ", ".join("%s %.0f s" % kv for kv in TOOK.items()) +
          ("; %d of %d bisection boots beside the peer's untimed boots"
           % (prober.boots, sum(b.boots for b in bisections)) if bisections else ""))
    print("time by row (all runs, both VMs, both NICs): " + ", ".join(
        "%s %.0f s" % kv for kv in sorted(res.took.items(), key=lambda kv: -kv[1]) if kv[1] >= 1))
    with open(OUT_MD, "w") as f:
        f.write("# unigate beside a Linux router VM\n\n%s\n\n%s\n\n%s\n\n" % (head, tab, floor_line))
        f.write("Ratio: unigate's median divided by the peer's; \"better\" says whose figure is "
                "better (higher throughput; lower time, RTT, CPU, memory, size). udhcpc: `%s`; "
                "iperf3 -t %d (-t %d for 64-byte UDP, guest to guest and VXLAN); ping -c 200 "
                "-i 0.01; perfdhcp -R 100 -p %d SERVER (a relay agent).\n\n"
                % (UDHCPC % "IF", SECONDS, SHORT_SECONDS, DHCP_SECONDS))
        f.write("## QEMU command lines\n\n")
        for (kind_name, model), argv in sorted(res.argv.items()):
            f.write("- %s, %s: `%s`\n" % (kind_name, model, argv))
        with open(os.path.join(PEER_DIR, "MANIFEST")) as m:
            f.write("\n## The peer's packages\n\n```\n%s```\n" % m.read())
        f.write("\nConsole logs: build/bench/. The bench took %.0f s.\n" % took)
    print("written to %s" % os.path.relpath(OUT_MD, ROOT))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--dhcp-lease"]:
        dhcp_lease(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
