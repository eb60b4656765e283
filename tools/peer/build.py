#!/usr/bin/env python3
"""Builds the Linux router VM that `make bench` measures unigate against:
Debian's stock kernel and an initramfs of busybox-static, nftables and
dnsmasq, all from Debian binary packages that are downloaded with
`apt-get download` and unpacked with `dpkg -x`; nothing is installed on the
host.

    tools/peer/build.py build/peer
      -> build/peer/vmlinuz       the kernel of linux-image-amd64's dependency
         build/peer/initrd.gz     busybox, nft, dnsmasq, their libraries, the
                                  kernel modules they need, tools/peer/init
         build/peer/vmlinux       the same kernel decompressed (its ELF), if
                                  it has a PVH entry point
         build/peer/initrd.cpio   the same initramfs, not compressed
         build/peer/debs/         the downloaded packages (a cache)
         build/peer/MANIFEST      which package versions went in

Package names are resolved at build time (apt-cache), so nothing is pinned to
a version that may no longer be downloadable. The only network access is
apt-get's, to the Debian registry the host is set up with.
"""
import glob
import gzip
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# iproute2's ip and bridge, as /usr/sbin/ip and /usr/sbin/bridge: busybox's
# ip cannot make the vxlan device of make bench's VXLAN row nor a bridge with
# VLAN filtering (test_vlan_linux.py), and has no bridge command (busybox's
# stays /bin/ip, for everything else).
ROOTS = ["busybox-static", "nftables", "dnsmasq-base", "iproute2", "zlib1g"]
BINARIES = ["usr/sbin/nft", "usr/sbin/dnsmasq", "bin/ip", "sbin/bridge"]
# A binary's path in the image, where not its own.
RENAMED = {"bin/ip": "usr/sbin/ip", "sbin/bridge": "usr/sbin/bridge"}
# Kernel modules the init script loads (with what modules.dep says they need);
# a name the kernel has built in is skipped.
MODULES = ["virtio_pci", "virtio_net", "e1000", "af_packet", "bridge",
           "crc32c_generic", "nf_conntrack", "nf_nat", "nf_tables", "nft_chain_nat",
           "nft_masq", "vxlan"]
MULTIARCH = "lib/x86_64-linux-gnu"


def run(argv, cwd=None):
    """Runs (argv); returns its stdout, raising with its stderr on failure."""
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("peer: %s: status %d: %s" % (" ".join(argv), r.returncode,
                                                       r.stderr.strip()))
    return r.stdout


def depends(pkg):
    """The packages (pkg) depends on (first of each alternative)."""
    out = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests",
                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", pkg],
                         capture_output=True, text=True).stdout  # empty if apt knows no (pkg)
    return re.findall(r"(?m)^\s+\|?(?:Pre)?Depends: ([^<\s]\S*)", out)


def resolve():
    """The kernel package and every library package the roots need: the
    closure of their Depends, followed into lib* packages only (passwd,
    debconf and the like are maintainer-script needs, not run-time ones)."""
    kernel = [p for p in depends("linux-image-amd64") if p.startswith("linux-image-")]
    if not kernel:  # apt's lists were never fetched on this machine
        run(["apt-get", "update", "-q"])
        kernel = [p for p in depends("linux-image-amd64") if p.startswith("linux-image-")]
    if not kernel:
        raise SystemExit("peer: apt-cache knows no linux-image-amd64 (run apt-get update)")
    want, todo = [], list(ROOTS)
    while todo:
        p = todo.pop(0)
        if p in want:
            continue
        want.append(p)
        todo += [d for d in depends(p) if d.startswith("lib") and d not in want]
    return kernel[0], want


def download(pkgs, debs):
    """apt-get downloads each of (pkgs) not yet in (debs); returns the .deb
    path of each, the newest when several versions are cached."""
    os.makedirs(debs, exist_ok=True)
    missing = [p for p in pkgs if not glob.glob(os.path.join(debs, p + "_*.deb"))]
    if missing:
        print("  APT     download %s" % " ".join(missing), flush=True)
        run(["apt-get", "download", "-q"] + missing, cwd=debs)
    paths = []
    for p in pkgs:
        found = sorted(glob.glob(os.path.join(debs, p + "_*.deb")), key=os.path.getmtime)
        paths.append(found[-1])
    return paths


def needed_libs(staging, binaries):
    """The DT_NEEDED closure of (binaries) inside (staging): a map from each
    soname to the file that holds it."""
    dirs = [os.path.join(staging, d) for d in (MULTIARCH, "usr/" + MULTIARCH)]
    found, todo = {}, [os.path.join(staging, b) for b in binaries]
    while todo:
        out = run(["readelf", "-d", todo.pop()])
        for so in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out):
            if so in found:
                continue
            path = next((os.path.join(d, so) for d in dirs
                         if os.path.exists(os.path.join(d, so))), None)
            if not path:
                raise SystemExit("peer: no package gave %s" % so)
            found[so] = path
            todo.append(path)
    return found


def modname(path):
    """The kernel's name of the module in file (path): nf_nat for nf_nat.ko."""
    return re.sub(r"\.ko(\.\w+)?$", "", os.path.basename(path)).replace("-", "_")


def module_order(moddir):
    """The kernel modules to load, each after those it depends on, as paths
    relative to (moddir). The package has no modules.dep (depmod writes it
    when the package is installed), so each module's own "depends=" field
    (its .modinfo section) is read instead."""
    by_name = {}
    for d, _, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            by_name[modname(f)] = os.path.relpath(os.path.join(d, f), moddir)
    with open(os.path.join(moddir, "modules.builtin")) as f:
        builtin = {modname(m.strip()) for m in f}
    order = []

    def visit(name):
        body = read(os.path.join(moddir, by_name[name]))
        if by_name[name].endswith(".xz"):
            body = lzma.decompress(body)
        m = re.search(rb"\0depends=([^\0]*)\0", body)
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(modname(dep))
        if by_name[name] not in order:
            order.append(by_name[name])

    for name in MODULES:
        if name in by_name:
            visit(name)
        elif name not in builtin:
            raise SystemExit("peer: the kernel has no module %s" % name)
    return order


class Cpio:
    """An initramfs in the cpio "newc" format, as the kernel unpacks it."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 1

    def _entry(self, name, mode, body=b""):
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name) + 1, 0))
        self.ino += 1
        self.data += hdr.encode() + name.encode() + b"\0"
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, body, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, body)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def close(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def pvh_kernel(bzimage):
    """The ELF kernel inside (bzimage), if QEMU can boot it directly, else
    None. Under TCG the bzImage's own decompressor takes 5-9 s of the peer's
    boot (XZ, in emulated code); given the ELF, QEMU enters it at its PVH
    entry point (the Xen note XEN_ELFNOTE_PHYS32_ENTRY, 18) with the kernel
    already in place. The payload's place is in the setup header (the x86
    boot protocol 2.08+: payload_offset at 0x248 and payload_length at 0x24c,
    counted from the protected-mode code after the setup sectors)."""
    if bzimage[0x202:0x206] != b"HdrS" or struct.unpack_from("<H", bzimage, 0x206)[0] < 0x208:
        return None
    setup = ((bzimage[0x1f1] or 4) + 1) * 512
    off, length = struct.unpack_from("<II", bzimage, 0x248)
    payload = bzimage[setup + off:setup + off + length]
    try:
        if payload.startswith(b"\xfd7zXZ\x00"):
            elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
        elif payload.startswith(b"\x1f\x8b"):
            elf = gzip.decompress(payload)
        else:
            return None
    except (lzma.LZMAError, OSError, EOFError):
        return None
    if elf[:5] != b"\x7fELF\x02":
        return None
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        ptype, _, poff, _, _, psize = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        n, end = poff, poff + psize
        while ptype == 4 and n + 12 <= end:  # PT_NOTE: namesz, descsz, type, name, desc
            namesz, descsz, ntype = struct.unpack_from("<III", elf, n)
            name = elf[n + 12:n + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == 18:
                return elf
            n += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return None


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/peer")
    kernel, libs = resolve()
    debs = download([kernel] + libs, os.path.join(out, "debs"))
    staging = os.path.join(out, "staging")
    shutil.rmtree(staging, ignore_errors=True)
    manifest = []
    for deb in debs:
        run(["dpkg-deb", "-x", deb, staging])
        manifest.append(os.path.basename(deb))
    kver = os.path.basename(glob.glob(os.path.join(staging, "boot", "vmlinuz-*"))[0])[8:]
    moddir = os.path.join(staging, "lib", "modules", kver)

    img = Cpio()
    for d in ("bin", "dev", "etc", "lib", "lib64", "lib/modules", "proc", "run", "sys", "tmp",
              "usr", "usr/sbin", "var", "var/lib", "var/lib/misc", MULTIARCH):
        img.dir(d)
    img.file("bin/busybox", read(os.path.join(staging, "bin", "busybox")), 0o755)
    img.symlink("bin/sh", "busybox")
    for b in BINARIES:
        img.file(RENAMED.get(b, b), read(os.path.join(staging, b)), 0o755)
    for so, path in sorted(needed_libs(staging, BINARIES).items()):
        img.file(MULTIARCH + "/" + so, read(path), 0o755)
    img.file(MULTIARCH + "/ld-linux-x86-64.so.2",
             read(os.path.join(staging, MULTIARCH, "ld-linux-x86-64.so.2")), 0o755)
    img.symlink("lib64/ld-linux-x86-64.so.2", "/" + MULTIARCH + "/ld-linux-x86-64.so.2")
    names = []
    for mod in module_order(moddir):
        body = read(os.path.join(moddir, mod))
        if mod.endswith(".xz"):
            body = lzma.decompress(body)
        elif mod.endswith(".zst"):
            raise SystemExit("peer: zstd-compressed modules are not handled")
        name = re.sub(r"\.ko(\.\w+)?$", ".ko", os.path.basename(mod))
        img.file("lib/modules/" + name, body)
        names.append(name)
    img.file("lib/modules/order", ("\n".join(names) + "\n").encode())
    img.file("etc/passwd", b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
    img.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    for f in ("init", "nat.nft", "dnsmasq.conf"):
        img.file("init" if f == "init" else "etc/" + f, read(os.path.join(HERE, f)),
                 0o755 if f == "init" else 0o644)
    cpio = img.close()
    # As shipped (vmlinuz, initrd.gz): the image row and the -m bisection.
    # Unpacked (vmlinux, initrd.cpio): the boots that are timed, which then
    # do not time TCG running decompressors (see pvh_kernel).
    with open(os.path.join(out, "initrd.cpio"), "wb") as f:
        f.write(cpio)
    with open(os.path.join(out, "initrd.gz.tmp"), "wb") as f:
        f.write(gzip.compress(cpio, 9))
    shutil.copy(os.path.join(staging, "boot", "vmlinuz-" + kver), os.path.join(out, "vmlinuz"))
    elf = pvh_kernel(read(os.path.join(out, "vmlinuz")))
    if elf:
        with open(os.path.join(out, "vmlinux"), "wb") as f:
            f.write(elf)
    elif os.path.exists(os.path.join(out, "vmlinux")):
        os.remove(os.path.join(out, "vmlinux"))
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("kernel %s\nmodules %s\n%s\n" % (kver, " ".join(names), "\n".join(manifest)))
    shutil.rmtree(staging)
    os.replace(os.path.join(out, "initrd.gz.tmp"), os.path.join(out, "initrd.gz"))
    print("  PEER    %s: vmlinuz %s (%d bytes), initrd.gz %d bytes; %s" % (
        out, kver, os.path.getsize(os.path.join(out, "vmlinuz")),
        os.path.getsize(os.path.join(out, "initrd.gz")),
        "vmlinux %d bytes (PVH entry)" % len(elf) if elf else "no PVH entry: boots vmlinuz"))


if __name__ == "__main__":
    main()
