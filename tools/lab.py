#!/usr/bin/env python3
"""The unigate lab: boots the image in QEMU, drives its serial console, and
tears everything down by the PIDs it recorded.

Used by every integration test and by `make demo`. Network safety (BRIEF.md
§6): QEMU gets no user-mode networking; every process started here is
recorded in self.pids and killed by PID in close(), never by name.

    with Unigate(machine="pc") as ug:
        ug.wait_ready()
        print(ug.command("show version"))
"""
import os
import re
import select
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.path.join(ROOT, "build", "unigate.elf")
PROMPT = "unigate> "
READY = re.compile(r"unigate ready in (\d+) ms")
_accel_cache = None


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


class Unigate:
    """One appliance VM with its console on a pipe."""

    def __init__(self, machine="q35", mem="64M", accel=None, debug_exit=True,
                 extra=(), log=sys.stderr, image=IMAGE):
        self.machine = machine
        self.mem = mem
        self.accel = accel
        self.debug_exit = debug_exit
        self.extra = list(extra)
        self.log = log
        self.image = image
        self.proc = None
        self.pids = []
        self.out = ""      # everything the console printed
        self.pos = 0       # how far expect() has consumed self.out
        self.ready_ms = None

    def argv(self):
        accel = self.accel or probe_accel()
        args = ["qemu-system-x86_64", "-machine", self.machine, "-accel", accel,
                "-m", self.mem, "-kernel", self.image, "-display", "none",
                "-serial", "stdio", "-monitor", "none", "-no-reboot",
                "-nodefaults", "-net", "none"]
        if self.debug_exit:
            args += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        return args + self.extra

    def start(self):
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.pids.append(self.proc.pid)
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
        self.expect(re.escape(PROMPT), 5)
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
        self.expect(re.escape(PROMPT), timeout)
        return self.out[start:self.pos - len(PROMPT)]

    def wait_exit(self, timeout=10):
        """Reads the output until QEMU exits; returns its exit status."""
        deadline = time.monotonic() + timeout
        while self._read(min(0.2, max(deadline - time.monotonic(), 0))):
            if time.monotonic() > deadline:
                raise LabError("QEMU still running after %ss; last output:\n%s"
                               % (timeout, self.out[-800:]))
        return self.proc.wait(5)

    def close(self):
        """Kills every process this lab started, by PID."""
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
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
        self.pids = []


if __name__ == "__main__":
    # Interactive use: tools/lab.py [machine] boots and attaches this terminal.
    machine = sys.argv[1] if len(sys.argv) > 1 else "q35"
    ug = Unigate(machine=machine)
    os.execvp("qemu-system-x86_64", [a if a != "stdio" else "mon:stdio" for a in ug.argv()])
