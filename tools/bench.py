#!/usr/bin/env python3
"""Measured figures for unigate (`make bench`): boot to ready, idle host CPU,
ping RTT and iperf3 TCP through the switch, per NIC model; DHCP leases per
second with perfdhcp against unigate and against dnsmasq on the same switch. Each figure is
measured, never asserted; bounded runs only (BRIEF.md §6).

    ns g1 --- eth1 -+
                    +- vmnet8 switch (unigate, QEMU q35, TCG, 1 vCPU)
    ns g2 --- eth2 -+
"""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tools.lab import Port, Unigate, probe_accel  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime of all threads


def bench_model(model):
    ports = [Port(model, ns="up")] + [Port(model, ns="g%d" % i) for i in (1, 2)]
    ug = Unigate(ports=ports, log=None)
    fig = {}
    try:
        t0 = time.monotonic()
        ug.start()
        fig["ready_ms"] = ug.wait_ready()
        fig["qemu_to_ready_s"] = time.monotonic() - t0
        for i in (1, 2):
            ug.ports[i].ns.run("ip addr add 192.168.99.%d/24 dev %s" % (10 + i, ug.ports[i].tap))
        hz = os.sysconf("SC_CLK_TCK")
        time.sleep(2)
        c0 = cpu_ticks(ug.proc.pid)
        time.sleep(10)
        fig["idle_cpu_pct"] = (cpu_ticks(ug.proc.pid) - c0) * 100.0 / hz / 10
        out = ug.ports[1].ns.run("ping -c 20 -i 0.05 -q 192.168.99.12", check=False)
        m = re.search(r"= ([\d.]+)/([\d.]+)/", out)
        fig["ping_ms"] = (float(m.group(1)), float(m.group(2))) if m else None
        rates = []
        for _ in range(RUNS):
            srv = ug.spawn("g2", ["iperf3", "-s", "-1", "-B", "192.168.99.12"])
            time.sleep(0.5)
            out = ug.ports[1].ns.run("iperf3 -c 192.168.99.12 -t %d -f m" % SECONDS,
                                     check=False, timeout=SECONDS + 30)
            srv.communicate(timeout=15)
            m = re.search(r"([\d.]+) Mbits/sec\s+\d*\s*receiver", out)
            rates.append(float(m.group(1)) if m else 0.0)
        fig["tcp_mbit"] = rates
    finally:
        ug.close()
    return fig


NAT_CONFIG = """uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network vmnet8 nat
  ports eth1
  address 192.168.99.2/24
"""


def iperf(ug, args):
    """One iperf3 run from g1 to the outside host; Mbit/s at the receiver."""
    srv = ug.spawn("up", ["iperf3", "-s", "-1", "-B", "10.88.0.1"])
    time.sleep(0.5)
    out = ug.ports[1].ns.run("iperf3 -c 10.88.0.1 -t %d -f m %s" % (SECONDS, args), check=False,
                             timeout=SECONDS + 30)
    srv.communicate(timeout=15)
    rx = r"([\d.]+) Mbits/sec\s+(?:[\d.]+ ms\s+\d+/\d+ \([\d.e+-]+%\)\s+)?\d*\s*receiver"
    # With parallel streams the total is on the [SUM] line.
    m = re.search(r"\[SUM\].*?" + rx, out) or re.search(rx, out)
    return float(m.group(1)) if m else 0.0


def bench_nat(model):
    """iperf3 from a guest to the outside through NAT: TCP 1 and 4 streams,
    UDP at 1 Gbit/s offered (1470-byte datagrams)."""
    ports = [Port(model, ns="up"), Port(model, ns="g1")]
    ug = Unigate(ports=ports, log=None, config=NAT_CONFIG)
    try:
        ug.start()
        ug.wait_ready()
        ug.ports[0].ns.run("ip addr add 10.88.0.1/24 dev %s" % ug.ports[0].tap)
        ug.ports[1].ns.run("ip addr add 192.168.99.11/24 dev %s" % ug.ports[1].tap)
        ug.ports[1].ns.run("ip route add default via 192.168.99.2")
        return (iperf(ug, ""), iperf(ug, "-P 4"), iperf(ug, "-u -b 1000M"))
    finally:
        ug.close()


DHCP_CONFIG_PEER = """uplink eth0 dhcp
network vmnet8 hostonly
  ports eth1 eth2
  address 192.168.99.2/24
"""


def perfdhcp(ns, tap):
    """DORA exchanges per second that perfdhcp completes from (ns), offered
    at 5000/s by 100 simulated clients for 10 s."""
    out = ns.run("perfdhcp -4 -l %s -r 20000 -R 100 -p 10 -t 2 2>&1" % tap, check=False,
                 timeout=60)
    m = re.search(r"REQUEST-ACK\*+\nsent packets: \d+\nreceived packets: (\d+)", out)
    return int(m.group(1)) / 10.0 if m else 0.0


def bench_dhcp():
    """Leases per second: unigate's server, then dnsmasq on a guest port of
    the same switch (unigate's DHCP off), both measured from g1."""
    rates = {}
    for who in ("unigate", "dnsmasq"):
        ports = [Port("virtio-net-pci", ns="up")] + [Port("virtio-net-pci", ns="g%d" % i)
                                                     for i in (1, 2)]
        ug = Unigate(ports=ports, log=None, config=DHCP_CONFIG_PEER if who == "dnsmasq" else None)
        try:
            ug.start()
            ug.wait_ready()
            g1, g2 = ug.ports[1], ug.ports[2]
            g1.ns.run("ip addr add 192.168.99.50/24 dev %s" % g1.tap)
            # perfdhcp's clients have made-up MACs: a server unicasting to
            # chaddr (RFC 2131 §4.1) reaches them only if the tap listens.
            g1.ns.run("ip link set %s promisc on" % g1.tap)
            if who == "dnsmasq":
                g2.ns.run("ip addr add 192.168.99.3/24 dev %s" % g2.tap)
                ug.spawn("g2", ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                "--port=0", "--interface=%s" % g2.tap, "--bind-interfaces",
                                "--dhcp-range=192.168.99.128,192.168.99.254,30m",
                                "--dhcp-leasefile=/dev/null", "--no-ping",
                                "--dhcp-authoritative", "--pid-file="])
                time.sleep(1)
            rates[who] = perfdhcp(g1.ns, g1.tap)
        finally:
            ug.close()
    return rates


def main():
    models = sys.argv[1:] or ["virtio-net-pci", "e1000"]
    print("unigate bench: QEMU %s, accelerator %s, iperf3 %d x %d s" %
          (os.popen("qemu-system-x86_64 --version").readline().split()[3], probe_accel(),
           RUNS, SECONDS))
    print("%-16s %9s %11s %9s %18s %s" % ("model", "ready ms", "QEMU->ready", "idle CPU",
                                          "ping min/avg ms", "TCP g1->g2 Mbit/s (median; runs)"))
    for model in models:
        f = bench_model(model)
        ping = "%.3f/%.3f" % f["ping_ms"] if f["ping_ms"] else "-"
        print("%-16s %9d %10.2fs %8.2f%% %18s %.0f; %s" % (
            model, f["ready_ms"], f["qemu_to_ready_s"], f["idle_cpu_pct"], ping,
            statistics.median(f["tcp_mbit"]), " ".join("%.0f" % r for r in f["tcp_mbit"])),
            flush=True)
    print("%-16s %14s %14s %14s" % ("NAT g1->out", "TCP 1 stream", "TCP 4 streams",
                                      "UDP (1G offered)"))
    for model in models:
        t1, t4, u = bench_nat(model)
        print("%-16s %9.0f Mb/s %9.0f Mb/s %9.0f Mb/s" % (model, t1, t4, u), flush=True)
    r = bench_dhcp()
    print("DHCP leases/s (perfdhcp, 100 clients, offered 20000/s, 10 s, through the switch): "
          "unigate %.0f, dnsmasq %.0f" % (r["unigate"], r["dnsmasq"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
