#!/usr/bin/env python3
"""Boots the real image with and without a virtio-rng device (virtio 1.2
§5.4) and checks what seeded the random generator: show version names
virtio-rng only when the device fed it, show pci lists the device, and a
device that stops delivering (QEMU's rate limit) costs one bounded wait,
said on the console, after which the appliance carries on.

    test script --pipe--> [ QEMU q35 : unigate, COM1 on stdio ]
                                  |
                           virtio-rng-pci (modern interface) <- host /dev/urandom

    test script --pipe--> [ QEMU q35 : unigate ]   (no virtio-rng)

    test script --pipe--> [ QEMU pc : unigate ]
                                  |
                           virtio-rng-pci, legacy only, 16 bytes a minute

TCG only; no network devices at all. UNIGATE_IMAGE names another image
than build/unigate.elf (a private build directory).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tools.lab import IMAGE, Unigate, check, results  # noqa: E402

IMAGE_PATH = IMAGE
RNG_IDS = r"1af4:10(05|44)"  # transitional, modern (virtio 1.2 §4.1.2)
SEEDED = "random: arc4random (ChaCha20), seeded by "


def run_case(name, fn, **kw):
    """Runs fn(ug) on a fresh appliance under TCG; any exception fails it."""
    ug = Unigate(log=None, accel="tcg", image=IMAGE_PATH, **kw)
    try:
        ug.start()
        fn(ug)
    except Exception as e:  # a timeout or crash fails this case only
        check(name, False, "%s: %s" % (type(e).__name__, e))
    finally:
        ug.close()


def wait_fed(ug, timeout=5):
    """Asks show rng until the device feeds the generator, within (timeout)
    seconds: it is probed on the main loop's first pass, after the ready
    line. Returns the last show rng output."""
    deadline = time.monotonic() + timeout
    while True:
        out = ug.command("show rng")
        if "feeding the generator" in out or time.monotonic() > deadline:
            return out
        time.sleep(0.1)


def with_device():
    name = "virtio-rng on q35"

    def fn(ug):
        ug.wait_ready()
        rng = wait_fed(ug)
        check("%s: the driver brings the device up on the modern interface and it "
              "delivers bytes" % name,
              re.search(r"modern interface, requestq size \d+, feeding the generator", rng)
              and re.search(r"delivered [1-9]\d* bytes", rng), rng)
        out = ug.command("show version")
        check("%s: show version names virtio-rng among what seeded the generator" % name,
              re.search(re.escape(SEEDED) + r"(RDSEED, |RDRAND, )*virtio-rng, TSC jitter\n",
                        out) is not None, out)
        out = ug.command("show pci")
        check("%s: show pci lists the entropy device" % name,
              re.search(RNG_IDS + r"\s+00ff00", out) is not None, out)
        check("%s: no wait for the device ran out" % name,
              "bytes in time" not in ug.out and "timeouts 0" in rng, ug.out[-600:])
    run_case(name, fn, machine="q35", extra=["-device", "virtio-rng-pci"])


def without_device():
    name = "no virtio-rng"

    def fn(ug):
        ug.wait_ready()
        time.sleep(0.3)  # the poller's first passes, which would find it
        rng = ug.command("show rng")
        check("%s: show rng finds no device" % name, rng.strip() == "no virtio-rng device", rng)
        out = ug.command("show version")
        m = re.search(re.escape(SEEDED) + r"([^\n]*)\n", out)
        check("%s: show version does not name virtio-rng" % name,
              m is not None and "virtio-rng" not in m.group(1) and
              m.group(1).endswith("TSC jitter"), out)
        out = ug.command("show pci")
        check("%s: show pci lists no entropy device" % name,
              re.search(RNG_IDS, out) is None and "8086:29c0" in out, out)
    run_case(name, fn, machine="q35")


def legacy_rate_limited():
    name = "legacy virtio-rng on pc, 16 bytes a minute"

    def fn(ug):
        ug.wait_ready()
        # The reseed draws 40 bytes: 16 come, then the device is silent.
        m = ug.expect(r"random: virtio-rng gave (\d+) of 40 bytes in time; seeding from the "
                      r"other sources", 10)
        check("%s: a device that stops delivering costs one bounded wait, said on the "
              "console" % name, m.group(1) == "16", m.group(0))
        rng = wait_fed(ug)
        check("%s: the driver uses the legacy interface and counts the timeout" % name,
              "legacy interface" in rng and "delivered 16 bytes" in rng and
              "timeouts 1" in rng, rng)
        out = ug.command("show version")
        check("%s: show version names virtio-rng, which gave 16 bytes" % name,
              re.search(re.escape(SEEDED) + r"(RDSEED, |RDRAND, )*virtio-rng, TSC jitter\n",
                        out) is not None, out)
        out = ug.command("show pci")
        check("%s: show pci lists the transitional device" % name, "1af4:1005" in out, out)
    run_case(name, fn, machine="pc",
             extra=["-device", "virtio-rng-pci,disable-modern=on,max-bytes=16,period=60000"])


def main():
    print("# accelerator: tcg, image %s" % IMAGE_PATH, flush=True)
    with_device()
    without_device()
    legacy_rate_limited()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
