#!/usr/bin/env python3
"""Boots the real image in QEMU on both machine types and drives the
console: the boot report, help, show version/pci/memory, line editing,
bad input, an exception report, halt and reboot (a second boot seen on the
console, in a QEMU that restarts the machine instead of exiting).

    test script --pipe--> [ QEMU q35|pc : unigate, COM1 on stdio ]
                          (no network devices at all)
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tools.lab import IMAGE, READY, Unigate, check, probe_accel, results  # noqa: E402

MACHINES = ["q35", "pc"]

def elf_build_id():
    out = subprocess.run(["readelf", "-n", IMAGE], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


class RebootingUnigate(Unigate):
    """The lab's QEMU without -no-reboot: a reset restarts the machine, so a
    reboot shows as a second boot on the console. Still killed by its PID
    at close()."""

    def argv(self):
        return [a for a in super().argv() if a != "-no-reboot"]


def run_case(name, fn, lab=Unigate, **kw):
    """Runs fn(ug) on a fresh appliance; any exception is a failure."""
    ug = lab(log=None, **kw)
    try:
        ug.start()
        fn(ug)
    except Exception as e:  # a timeout or crash fails this case only
        check(name, False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()


def boot_and_commands(machine):
    def fn(ug):
        ms = ug.wait_ready(timeout=30)
        stages = re.findall(r"\] (\w+) ", ug.out)
        check("%s: boot report has every stage, then the ready line (%d ms)" % (machine, ms),
              stages == ["cpu", "time", "boot", "memory", "irq", "pci", "lwip", "ports", "config"], str(stages))

        out = ug.command("help")
        want = ["help", "show version", "show pci", "show memory", "reboot", "halt"]
        missing = [c for c in want if not re.search(r"^\s+%s\s" % re.escape(c), out, re.M)]
        check("%s: help lists every command" % machine, not missing, "missing %s" % missing)

        out = ug.command("show version")
        bid = elf_build_id()
        check("%s: show version gives the ELF's build id" % machine,
              bid is not None and ("build id %s" % bid) in out, out)
        m = re.search(r"booted in (\d+) ms", out)
        check("%s: show version gives the boot time of the ready line" % machine,
              m is not None and int(m.group(1)) == ms, out)
        # QEMU's default TCG CPU has neither RDRAND nor RDSEED: jitter alone.
        check("%s: show version names the generator and what seeded it" % machine,
              "random: arc4random (ChaCha20), seeded by TSC jitter" in out, out)

        out = ug.command("show pci")
        check("%s: show pci lists the e1000 we plugged in with its BARs" % machine,
              re.search(r"8086:100e\s+020000\s+\d+\s+ethernet\n\s+BAR0 mem 0x[0-9a-f]+ size 0x20000",
                        out) is not None, out)
        host = "8086:29c0" if machine == "q35" else "8086:1237"
        check("%s: show pci lists the host bridge %s" % (machine, host), host in out, out)

        out = ug.command("show memory")
        m = re.search(r"usable RAM: (\d+) KiB", out)
        kib = int(m.group(1)) if m else 0
        check("%s: show memory counts the 96 MiB we gave (%d KiB usable)" % (machine, kib),
              90 * 1024 < kib <= 96 * 1024, out)
        m = re.search(r"heap: \w+-\w+, \d+ KiB used of (\d+) KiB", out)
        check("%s: the heap is sized from the memory map" % machine,
              m is not None and 80 * 1024 < int(m.group(1)) < kib, out)
        used = int(re.search(r"(\d+) KiB used", out).group(1)) if m else 0
        owners = {o: int(n) for o, n in re.findall(r"^  ([a-z][\w -]*): (\d+) KiB$", out, re.M)}
        # 256 + 256 descriptors and 2 KiB buffers: a little over 1 MiB.
        check("%s: show memory gives the e1000's rings and buffers" % machine,
              1024 <= owners.get("e1000", 0) < 2048, out)
        check("%s: show memory gives the NAT table, MAC tables and leases" % machine,
              all(owners.get(o, 0) > 0 for o in ("nat", "mac tables", "dhcp leases")), out)
        check("%s: the heap by module, \"other\" included, adds up to what is used" % machine,
              "other" in owners and used - len(owners) <= sum(owners.values()) <= used, out)

        ug.send("halt\r")
        check("%s: halt exits QEMU through isa-debug-exit (status 1)" % machine,
              ug.wait_exit(10) == 1, ug.out[-200:])
    run_case("%s: boot and commands" % machine, fn, machine=machine, mem="96M",
             extra=["-device", "e1000,id=nic0"])


def bad_input(machine):
    def fn(ug):
        ug.wait_ready()
        out = ug.command("frobnicate now")
        check("%s: an unknown command gets one error line" % machine,
              out.strip() == "% unknown command: 'frobnicate now' (try 'help')", repr(out))
        ug.send("x" * 400 + "\r")
        m = ug.expect(r"% line too long[^\n]*\n", 10)
        check("%s: an over-long line is refused with one error" % machine, m is not None)
        ug.expect(re.escape("unigate> "))
        # Control characters, high bytes and junk escape sequences, then a command.
        ug.send(b"\x00\x02\x07\x0e\x1b[99;99;99;99;99;99;99~\x1b[Z\xff\xfe\x80\x1bOQ")
        out = ug.command("show version")
        check("%s: the console survives control bytes and junk escapes" % machine,
              "build id" in out, repr(out))
        ug.send(b"\r\n\r\n")
        out = ug.command("show version")
        check("%s: blank lines and CR LF are harmless" % machine, "build id" in out, repr(out))
    run_case("%s: bad input" % machine, fn, machine=machine)


def line_editing(machine):
    def fn(ug):
        ug.wait_ready()
        # Type "shw version", go left 9 times, insert "o": "show version".
        ug.send("shw version" + "\x1b[D" * 9 + "o\r")
        ug.expect(r"build id ")
        ug.expect(re.escape("unigate> "))
        check("%s: arrow keys move the cursor for an insert" % machine, True)
        ug.send("garbage words\x15show pci\r")  # ctrl-U kills the line
        m = ug.expect(r"(unknown command|BB:DD\.F)")
        ug.expect(re.escape("unigate> "))
        check("%s: ctrl-U kills the line" % machine, m.group(1) == "BB:DD.F", m.group(0))
        ug.send("show vexyz\x7f\x7f\x7frsion\r")  # backspace x3
        m = ug.expect(r"(unknown command|ambiguous|build id)")
        ug.expect(re.escape("unigate> "))
        check("%s: backspace deletes" % machine, m.group(1) == "build id", m.group(0))
        ug.send("\x1b[A\x1b[A\r")  # up twice: "show pci"
        m = ug.expect(r"(BB:DD\.F|build id|unknown)")
        ug.expect(re.escape("unigate> "))
        check("%s: history recalls older lines with the up arrow" % machine,
              m.group(1) == "BB:DD.F", m.group(0))
    run_case("%s: line editing" % machine, fn, machine=machine)


def exception_report(machine):
    def fn(ug):
        ug.wait_ready()
        ug.send("debug crash\r")
        status = ug.wait_exit(10)
        out = ug.out
        check("%s: a page fault prints vector, error code, RIP, CR2 and registers" % machine,
              re.search(r"CPU exception 14 \(page fault\), error code 0x[0-9a-f]+", out) and
              re.search(r"RIP [0-9a-f]{16}", out) and "CR2 00007fffdead0000" in out and
              re.search(r"R15 [0-9a-f]{16}", out), out[-600:])
        check("%s: after an exception the machine halts (status 3)" % machine, status == 3,
              str(status))
    run_case("%s: exception" % machine, fn, machine=machine)


def halt_without_debug_exit(machine):
    def fn(ug):
        ug.wait_ready()
        ug.send("halt\r")
        check("%s: halt without isa-debug-exit powers off through ACPI (status 0)" % machine,
              ug.wait_exit(10) == 0, ug.out[-200:])
    run_case("%s: acpi halt" % machine, fn, machine=machine, debug_exit=False)


def reboot(machine):
    def fn(ug):
        first = ug.wait_ready()
        ug.send("reboot\r")
        # QEMU's exit status cannot tell a reset from a power-off (ACPI
        # soft-off exits 0 too): wait for the machine to boot again, within
        # a bounded time, and for the new boot to take commands.
        start = time.monotonic()
        second = ug.wait_ready(timeout=30)
        took = time.monotonic() - start
        boots = len(READY.findall(ug.out))
        check("%s: reboot boots the machine again (ready in %d ms, then in %d ms after "
              "the reset, %.1f s later)" % (machine, first, second, took),
              boots == 2 and ug.proc.poll() is None, "%d boots; %s" % (boots, ug.out[-300:]))
        out = ug.command("show version")
        check("%s: the rebooted appliance takes commands" % machine, "build id" in out, out)
    run_case("%s: reboot" % machine, fn, lab=RebootingUnigate, machine=machine)


def main():
    print("# accelerator: %s" % probe_accel(), flush=True)
    for machine in MACHINES:
        boot_and_commands(machine)
        bad_input(machine)
        line_editing(machine)
        exception_report(machine)
        halt_without_debug_exit(machine)
        reboot(machine)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
