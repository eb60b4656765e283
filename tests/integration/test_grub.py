#!/usr/bin/env python3
"""The hardware boot path: build/unigate.iso (GRUB, Multiboot2) boots under
SeaBIOS and under OVMF (UEFI), reads its memory map from Multiboot2, and
runs the console; the ELF itself passes grub-file's Multiboot2 check.

    test script --pipe--> [ QEMU q35, -cdrom unigate.iso : GRUB -> unigate ]
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tools.lab import IMAGE, ISO, Unigate, check, results  # noqa: E402


def boot_iso(name, uefi):
    ug = Unigate(iso=ISO, uefi=uefi, mem="128M", log=None)
    try:
        ug.start()
        ug.wait_ready(timeout=120)
        check("%s: GRUB loads the image through Multiboot2" % name,
              re.search(r"boot +loader Multiboot2, \d+ memory map entries", ug.out), ug.out[-500:])
        out = ug.command("show memory")
        m = re.search(r"usable RAM: (\d+) KiB", out)
        check("%s: the Multiboot2 memory map gives the RAM we set" % name,
              m and 100 * 1024 < int(m.group(1)) <= 128 * 1024, out)
        ug.send("halt\r")
        check("%s: halt exits" % name, ug.wait_exit(10) == 1, ug.out[-200:])
    except Exception as e:
        check("%s: boots" % name, False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()


def main():
    r = subprocess.run(["grub-file", "--is-x86-multiboot2", IMAGE])
    check("grub-file sees a valid Multiboot2 header in unigate.elf", r.returncode == 0)
    boot_iso("BIOS", uefi=False)
    if os.path.exists("/usr/share/ovmf/OVMF.fd"):
        boot_iso("UEFI", uefi=True)
    else:
        check("OVMF is installed for the UEFI boot test", False, "install the ovmf package")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
