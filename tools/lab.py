#!/usr/bin/env python3
"""The unigate lab: boots the image in QEMU with a list of ports, drives its
serial console, and tears everything down.

Each port is a NIC model plus a backend:
  - Port(model, ns="g1"): a tap that QEMU opens and the lab then moves into
    network namespace "g1" (created by the lab, named with a per-lab prefix);
    the namespace plays a guest, or the outside world;
  - Port(model, socket=PATH): a rootless QEMU `-netdev dgram` unix socket.

Used by every integration test and by `make demo`. Network safety (BRIEF.md
§6): traffic stays between namespaces this lab creates; QEMU gets no
user-mode networking; every process started here is recorded in self.pids
and killed by PID, every namespace and tap is deleted in close(). A test
stopped by SIGTERM (tests/run.sh's timeout) or SIGINT closes every lab that
is still open before it exits.

    with Unigate(ports=[Port("virtio-net-pci", ns="up"),
                        Port("e1000", ns="g1")]) as ug:
        ug.wait_ready()
        ug.ns("g1").run("ping -c1 192.168.99.2")
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# UNIGATE_IMAGE runs the tests against another build (make BUILD=DIR).
IMAGE = os.environ.get("UNIGATE_IMAGE", os.path.join(ROOT, "build", "unigate.elf"))
ISO = os.path.join(ROOT, "build", "unigate.iso")
OVMF = "/usr/share/ovmf/OVMF.fd"
# The hostname (a-z, 0-9, -) and the open block, as config/apply.c prints them.
PROMPT = re.compile(r"(?m)^[a-z0-9-]+(\([a-z0-9-]+\))?> ")
READY = re.compile(r"unigate ready in (\d+) ms")
_accel_cache = None


results = []  # every check() of this test run
_live = []    # labs that may hold processes, namespaces or taps: see _on_signal


def _on_signal(signum, frame):
    """SIGTERM or SIGINT: closes every lab still open, so that no QEMU
    process, namespace or tap outlives the test, then exits with status
    128 + (signum). A second signal during the cleanup is ignored (by a
    handler, not SIG_IGN, which the cleanup's commands would inherit)."""
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: None)
    print("lab: %s: closing %d lab(s)" % (signal.Signals(signum).name, len(_live)),
          file=sys.stderr, flush=True)
    for lab in list(_live):
        lab.close()
    raise SystemExit(128 + signum)


# Python's defaults would skip the cleanup (SIGTERM) or leave it to whatever
# catches KeyboardInterrupt (SIGINT); a signal ignored by our parent stays so.
for _sig, _default in ((signal.SIGTERM, signal.SIG_DFL),
                       (signal.SIGINT, signal.default_int_handler)):
    if signal.getsignal(_sig) is _default:
        signal.signal(_sig, _on_signal)


def check(name, cond, detail=""):
    """Records one test result and prints it as "ok - NAME" or
    "not ok - NAME: DETAIL" (the lines tests/run.sh counts)."""
    results.append(bool(cond))
    print("%s - %s%s" % ("ok" if cond else "not ok", name, "" if cond else ": " + detail),
          flush=True)


DHCP_SCRIPT = os.path.join(ROOT, "tests", "integration", "dhcp-script.sh")


class Lease(dict):
    """What the tests' client script was given when bound (its
    environment); printed, only what DHCP gave."""

    def __repr__(self):
        keys = ("ip", "subnet", "router", "dns", "serverid", "mtu", "lease", "domain")
        return repr({k: self[k] for k in keys if k in self})


def udhcpc_lease(ns, dev, work, tries=3, options=""):
    """Runs busybox udhcpc once on (dev) in namespace (ns) (a Netns), with
    the tests' client script writing under (work), passing (options)
    (e.g. "-O mtu" to ask for option 26); returns the Lease, empty if
    none came."""
    env = os.path.join(work, "%s-%s" % (ns.name, dev))
    if os.path.exists(env + ".bound"):
        os.unlink(env + ".bound")
    ns.run("env LEASE_OUT=%s busybox udhcpc -i %s -n -q -f -t %d -T 1 %s -s %s" %
           (env, dev, tries, options, DHCP_SCRIPT), check=False, timeout=30)
    if not os.path.exists(env + ".bound"):
        return Lease()
    with open(env + ".bound") as f:
        return Lease(l.rstrip("\n").split("=", 1) for l in f if "=" in l)


class Capture:
    """tcpdump -e -nn -l on (dev) in the lab's namespace (ns_name), written
    to the file (path), which text(), lines() and frames() read at any time.
    (direction) "in" (the default), on a tap, is what QEMU wrote, i.e. what
    the appliance sent; None is both ways. Killed by PID at lab close."""

    def __init__(self, lab, ns_name, dev, path, direction="in"):
        self.path = path
        lab.spawn(ns_name, ["sh", "-c", "exec tcpdump -i %s -e -nn -l %s >%s 2>&1"
                            % (dev, "-Q " + direction if direction else "", path)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "listening on" not in self.text():
            time.sleep(0.1)

    def text(self):
        try:
            with open(self.path) as f:
                return f.read()
        except OSError:
            return ""

    def lines(self):
        """Every line, a decoded tunnel's inner frame on its own line."""
        return self.text().splitlines()

    def frames(self):
        """The captured frames' first lines (tcpdump's own messages left out)."""
        return [l for l in self.lines() if re.match(r"\d\d:\d\d:\d\d\.\d+ ", l)]


def udhcpc(ns, dev, work, tries=3):
    """As udhcpc_lease(); returns only the leased address, or ""."""
    return udhcpc_lease(ns, dev, work, tries).get("ip", "")


class LabError(Exception):
    """A wait timed out or the appliance did something unexpected."""


def probe_accel():
    """Returns "kvm" only if a probe boot under KVM reaches the ready line
    within a few seconds; /dev/kvm on the build machines is a nested device
    that can hang ordinary guests, so TCG is the default. UNIGATE_ACCEL
    overrides the probe."""
    global _accel_cache
    if _accel_cache:
        return _accel_cache
    forced = os.environ.get("UNIGATE_ACCEL")
    if forced:
        _accel_cache = forced
        return forced
    _accel_cache = "tcg"
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        probe = Unigate(accel="kvm", log=None)
        try:
            probe.start()
            probe.wait_ready(timeout=4)
            _accel_cache = "kvm"
        except LabError:
            pass
        finally:
            probe.close()
    return _accel_cache


MODELS = ["virtio-net-pci", "e1000", "e1000-82545em", "e1000-82544gc", "e1000e"]


def sh(cmd, check=True, timeout=30):
    """Runs a shell command on the host; returns its stdout."""
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise LabError("%s: status %d: %s" % (cmd, r.returncode, r.stderr.strip()))
    return r.stdout


class Netns:
    """A network namespace the lab creates; run() executes inside it."""

    def __init__(self, name):
        self.name = name
        self.etc = "/etc/netns/%s" % name

    def create(self):
        """Adds the namespace; the caller has recorded it first, so that
        delete() runs even if this is interrupted."""
        name = self.name
        sh("ip netns add %s" % name)
        sh("ip netns exec %s ip link set lo up" % name)
        # Programs in the namespace resolve names only through what a test
        # sets up: ip netns exec bind-mounts this over /etc/resolv.conf.
        os.makedirs(self.etc, exist_ok=True)
        with open(self.etc + "/resolv.conf", "w") as f:
            f.write("nameserver 127.0.0.1\n")
        # No IPv6 chatter (MLD, router solicitations): tests count frames.
        for scope in ("all", "default"):
            sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % (name, scope))

    def run(self, cmd, check=True, timeout=30):
        return sh("ip netns exec %s %s" % (self.name, cmd), check, timeout)

    def popen(self, cmd):
        """Starts (cmd) in the namespace in the background; the caller
        records the PID (Unigate.spawn does)."""
        return subprocess.Popen(["ip", "netns", "exec", self.name] + cmd,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def delete(self):
        sh("ip netns del %s" % self.name, check=False)
        shutil.rmtree(self.etc, ignore_errors=True)


# More ports than this are placed eight to a PCI slot (Unigate.argv).
MANY_PORTS = 24


class Port:
    """One NIC of the appliance: a QEMU device model and its backend."""

    def __init__(self, model="virtio-net-pci", ns=None, socket=None, mac=None, opts=""):
        if model not in MODELS:
            raise ValueError("unknown NIC model %s" % model)
        self.model, self.ns_name, self.socket, self.mac, self.opts = model, ns, socket, mac, opts
        self.tap = None
        self.ns = None


class Unigate:
    """One appliance VM with its console on a pipe and its ports."""

    def __init__(self, machine="q35", mem="64M", accel=None, debug_exit=True,
                 extra=(), log=sys.stderr, image=IMAGE, ports=(), iso=None, uefi=False,
                 config=None, tag=None):
        self.machine = machine
        self.mem = mem
        self.accel = accel
        self.debug_exit = debug_exit
        self.extra = list(extra)
        self.log = log
        self.image = image
        self.iso = iso
        self.uefi = uefi
        self.config = config  # text passed as fw_cfg opt/unigate/config
        self.config_path = None
        self.proc = None
        self.pids = []
        self.out = ""      # everything the console printed
        self.pos = 0       # how far expect() has consumed self.out
        self.ready_ms = None
        self.ports = list(ports)
        # Prefixes this lab's namespaces and taps (at most 8 characters, so
        # that interface names stay within 15); a second lab in the same
        # process needs a tag of its own.
        self.tag = tag or "ug%d" % (os.getpid() % 100000)
        self.namespaces = {}
        self.taps = []
        if self.config_path and os.path.exists(self.config_path):
            os.unlink(self.config_path)
        self.children = []
        self._track()

    def _track(self):
        """Puts this lab on the list a signal closes (close() takes it off)."""
        if self not in _live:
            _live.append(self)

    def argv(self):
        accel = self.accel or probe_accel()
        args = ["qemu-system-x86_64", "-machine", self.machine, "-accel", accel,
                "-m", self.mem, "-display", "none",
                "-serial", "stdio", "-monitor", "none", "-no-reboot",
                "-nodefaults", "-net", "none"]
        args += ["-cdrom", self.iso] if self.iso else ["-kernel", self.image]
        if self.uefi:
            args += ["-bios", OVMF]
        if self.config is not None:
            self.config_path = "/tmp/%s-%d.conf" % (self.tag, id(self))
            with open(self.config_path, "w") as f:
                f.write(self.config)
            args += ["-fw_cfg", "name=opt/unigate/config,file=%s" % self.config_path]
        if self.debug_exit:
            args += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        for i, p in enumerate(self.ports):
            if p.tap:
                args += ["-netdev", "tap,id=n%d,ifname=%s,script=no,downscript=no" % (i, p.tap)]
            elif p.socket:
                args += ["-netdev", "dgram,id=n%d,local.type=unix,local.path=%s.a,"
                         "remote.type=unix,remote.path=%s.b" % (i, p.socket, p.socket)]
            else:
                raise LabError("port %d has no backend" % i)
            dev = "%s,netdev=n%d" % (p.model, i)
            if len(self.ports) > MANY_PORTS:
                # A PCI bus has 32 slots: eight ports share each, as
                # functions of one multifunction device (slot 2 onwards is
                # free on q35 and pc).
                dev += ",addr=0x%x.%d" % (2 + i // 8, i % 8)
                dev += ",multifunction=on" if i % 8 == 0 else ""
            if p.mac:
                dev += ",mac=" + p.mac
            if p.opts:
                dev += "," + p.opts
            args += ["-device", dev]
        return args + self.extra

    def ns(self, name):
        """The namespace a port was put in (created on first use)."""
        if name not in self.namespaces:
            self._track()
            n = self.namespaces[name] = Netns("%s-%s" % (self.tag, name))
            n.create()
        return self.namespaces[name]

    def _make_taps(self):
        for i, p in enumerate(self.ports):
            if p.ns_name:
                p.tap = "%st%d" % (self.tag, i)
                self.taps.append(p.tap)  # before it exists: see Netns.create
                sh("ip tuntap add dev %s mode tap" % p.tap)

    def _move_taps(self):
        """QEMU holds the taps open now; move each into its namespace."""
        for p in self.ports:
            if p.tap:
                p.ns = self.ns(p.ns_name)
                sh("ip link set %s netns %s" % (p.tap, p.ns.name))
                p.ns.run("ip link set %s up" % p.tap)

    def link(self, ns_a, addr_a, ns_b, addr_b):
        """A veth pair between two lab namespaces, with addresses (CIDR);
        removed with the namespaces. Returns the two interface names."""
        a, b = "%sv%da" % (self.tag, len(self.taps)), "%sv%db" % (self.tag, len(self.taps))
        self._track()
        self.taps.append(a)
        sh("ip link add %s type veth peer name %s" % (a, b))
        for ifn, ns, addr in ((a, ns_a, addr_a), (b, ns_b, addr_b)):
            sh("ip link set %s netns %s" % (ifn, self.ns(ns).name))
            self.ns(ns).run("ip addr add %s dev %s" % (addr, ifn))
            self.ns(ns).run("ip link set %s up" % ifn)
        return a, b

    def spawn(self, ns, cmd):
        """Starts (cmd) (a list) inside namespace (ns); killed by PID at close."""
        proc = self.ns(ns).popen(cmd)
        self.pids.append(proc.pid)
        self.children.append(proc)
        return proc

    def start(self):
        self._track()
        try:
            self._make_taps()
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, bufsize=0)
            self.pids.append(self.proc.pid)
            if self.taps:
                self.expect("unigate ", 30)  # QEMU has opened every netdev
                self.pos = 0
                self._move_taps()
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _read(self, timeout):
        """Appends what QEMU printed within (timeout) s; False at EOF."""
        r, _, _ = select.select([self.proc.stdout], [], [], max(timeout, 0))
        if not r:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        # Carriage returns are terminal cursor moves; tests read lines.
        text = data.decode("utf-8", "replace").replace("\r", "")
        self.out += text
        if self.log:
            self.log.write(text)
            self.log.flush()
        return True

    def expect(self, pattern, timeout=10):
        """Waits for regex (pattern) in the output after the last match;
        returns the match and consumes up to its end."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.2)):
                if not m and self.proc.poll() is not None:
                    raise LabError("QEMU exited (status %s) waiting for %r; last output:\n%s"
                                   % (self.proc.returncode, rx.pattern, self.out[-800:]))
                if left <= 0:
                    raise LabError("timed out after %ss waiting for %r; last output:\n%s"
                                   % (timeout, rx.pattern, self.out[-800:]))

    def wait_ready(self, timeout=30):
        m = self.expect(READY, timeout)
        self.ready_ms = int(m.group(1))
        self.expect(PROMPT, 5)
        return self.ready_ms

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def command(self, line, timeout=10):
        """Types (line) and Enter; returns what it printed before the next
        prompt, without the echo."""
        self.send(line + "\r")
        self.expect(re.escape(line) + r"\n", timeout)
        start = self.pos
        m = self.expect(PROMPT, timeout)
        return self.out[start:m.start()]

    def wait_exit(self, timeout=10):
        """Reads the output until QEMU exits; returns its exit status."""
        deadline = time.monotonic() + timeout
        while self._read(min(0.2, max(deadline - time.monotonic(), 0))):
            if time.monotonic() > deadline:
                raise LabError("QEMU still running after %ss; last output:\n%s"
                               % (timeout, self.out[-800:]))
        return self.proc.wait(5)

    def close(self):
        """Kills every process this lab started, by PID, then deletes its
        namespaces and taps."""
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for c in self.children:
            try:
                c.wait(3)
            except subprocess.TimeoutExpired:
                os.kill(c.pid, signal.SIGKILL)
                c.wait()
        self.children = []
        if self.proc:
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except (BrokenPipeError, OSError):
                    pass
            self.proc = None
        self.pids = []
        for n in self.namespaces.values():
            n.delete()
        self.namespaces = {}
        for t in self.taps:
            sh("ip link del %s" % t, check=False)  # only if it never moved
        self.taps = []
        if self.config_path and os.path.exists(self.config_path):
            os.unlink(self.config_path)
        if self in _live:
            _live.remove(self)


if __name__ == "__main__":
    # Interactive use: tools/lab.py [machine] boots and attaches this terminal.
    machine = sys.argv[1] if len(sys.argv) > 1 else "q35"
    ug = Unigate(machine=machine)
    os.execvp("qemu-system-x86_64", [a if a != "stdio" else "mon:stdio" for a in ug.argv()])
