#!/usr/bin/env python3
"""802.1Q against Linux's own: a Linux bridge with VLAN filtering, trunked
to a unigate port, carries two VLANs to guests on its access ports; each
guest gets its lease from its own VLAN's network, reaches its gateway (and
the VLAN 20 guest the outside through NAT), and the two cannot reach each
other. The kernels these tests run on have no bridge VLAN filtering, so the
Linux bridge runs in a VM of its own: make bench's peer (Debian's kernel
and iproute2, tools/peer), booted with peer.role=vlanswitch. The wire
between the two VMs is a plain bridge in a namespace, where tcpdump sees
the tags both sides put on.

                         +-- unigate (QEMU, TCG) --------------------------+
 ns out 10.88.0.1 ------ | eth0 uplink 10.88.0.2/24                        |
                         | eth1 trunk: lab10 (vlan 10, hostonly            |
                         |   192.168.10.1/24) and lab20 (vlan 20, nat      |
                         |   192.168.20.2/24), both tagged                 |
                         +--------------------|----------------------------+
 ns wire: bridge "w" (no VLAN awareness: a cable), tcpdump -e on it
                         +--------------------|----------------------------+
                         | eth0 trunk (vids 10, 20 tagged)                 |
 ns g10 --------------- | eth1 access, pvid 10 untagged   br0, Linux 6.1   |
 ns g20 --------------- | eth2 access, pvid 20 untagged   vlan_filtering 1 |
                         +-- Linux VM (QEMU, TCG; the peer's kernel) ------+
 Every address lives only inside these namespaces; nothing routes out.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from tools.lab import Capture, Port, Unigate, check, results, udhcpc  # noqa: E402
from tools.bench import PEER_DIR, Peer  # noqa: E402

CONFIG = """hostname vlangate
uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1
network lab10 hostonly
  vlan 10
  tagged eth1
  address 192.168.10.1/24
  dhcp range 192.168.10.100 192.168.10.150
network lab20 nat
  vlan 20
  tagged eth1
  address 192.168.20.2/24
  dhcp range 192.168.20.100 192.168.20.150
"""


def main():
    work = "/tmp/ug-vlanlinux-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(os.path.join(PEER_DIR, "initrd.gz")):
        check("the Linux VM's image exists (make builds build/peer)", False, PEER_DIR)
        return 1
    ug = Unigate(ports=[Port("virtio-net-pci", ns="out"), Port("virtio-net-pci", ns="wire")],
                 log=None, config=CONFIG, tag="ugv%d" % (os.getpid() % 10000))
    sw = Peer(ports=[Port("virtio-net-pci", ns="trunk"), Port("virtio-net-pci", ns="g10"),
                     Port("virtio-net-pci", ns="g20")], mem="256M", log=None,
              append="peer.role=vlanswitch", tag="lsw%d" % (os.getpid() % 10000))
    try:
        ug.start()
        ug.wait_ready()
        sw.start()
        sw.wait_ready(timeout=180)
        check("the Linux VM is a VLAN-filtering bridge (bridge vlan show lists eth0 with 10 "
              "and 20, eth1 PVID 10, eth2 PVID 20)",
              re.search(r"eth1\s+10 PVID Egress Untagged", sw.out) is not None and
              re.search(r"eth2\s+20 PVID Egress Untagged", sw.out) is not None and
              "peer:" not in sw.out, sw.out[-1500:])
        out, wire = ug.ports
        trunk, g10, g20 = sw.ports
        out.ns.run("ip addr add 10.88.0.1/24 dev %s" % out.tap)
        out.ns.run("ip link set %s up" % out.tap)
        # The cable: the Linux VM's trunk tap joins unigate's eth1 tap on a
        # plain bridge in unigate's wire namespace.
        trunk.ns.run("ip link set %s netns %s" % (trunk.tap, wire.ns.name))
        wire.ns.run("ip link add w type bridge stp_state 0 forward_delay 0")
        for dev in (wire.tap, trunk.tap):
            wire.ns.run("ip link set %s master w" % dev)
            wire.ns.run("ip link set %s up" % dev)
        wire.ns.run("ip link set w up")
        # Both ways: what each side tags.
        cap = Capture(ug, "wire", wire.tap, os.path.join(work, "wire.txt"), direction=None)

        ip10 = udhcpc(g10.ns, g10.tap, work, tries=5)
        check("the VLAN 10 guest behind the Linux bridge leases from lab10 (%s)" % ip10,
              ip10.startswith("192.168.10."), ug.command("show dhcp"))
        ip20 = udhcpc(g20.ns, g20.tap, work, tries=5)
        check("the VLAN 20 guest leases from lab20 (%s)" % ip20, ip20.startswith("192.168.20."),
              ug.command("show dhcp"))
        g20.ns.run("ip route replace default via 192.168.20.2", check=False)
        g10.ns.run("ip route replace default via 192.168.10.1", check=False)
        r = g10.ns.run("ping -c 2 -W 2 192.168.10.1", check=False)
        check("the VLAN 10 guest pings its gateway", " 0% packet loss" in r, r)
        r = g20.ns.run("ping -c 2 -W 2 10.88.0.1", check=False)
        check("the VLAN 20 guest reaches the outside through lab20's NAT", " 0% packet loss" in r,
              r)
        r = g10.ns.run("ping -c 2 -W 1 %s" % (ip20 or "192.168.20.100"), check=False)
        check("the VLAN 10 guest cannot reach the VLAN 20 guest", " 100% packet loss" in r or
              "unreachable" in r, r)
        out.ns.run("ping -c 1 -W 1 10.88.0.2", check=False)
        time.sleep(1)
        text = "\n".join(cap.frames())
        tagged = {int(v) for v in re.findall(r"ethertype 802\.1Q \(0x8100\), length \d+: vlan "
                                             r"(\d+)", text)}
        untagged_ip = re.findall(r"ethertype IPv4 \(0x0800\), length \d+: 192\.168\.", text)
        check("on the wire both sides tag: VLANs %s seen, no guest IPv4 untagged (%d)" % (
              sorted(tagged), len(untagged_ip)), tagged == {10, 20} and not untagged_ip,
              text[-1500:])
        dhcp_tagged = re.findall(r"vlan (\d+), p \d, ethertype IPv4 \(0x0800\), "
                                 r"192\.168\.(10\.1|20\.2)\.67 >", text)
        check("unigate's DHCP answers went out tagged with their own network's VLAN",
              any(v == "10" and g == "10.1" for v, g in dhcp_tagged) and
              any(v == "20" and g == "20.2" for v, g in dhcp_tagged), str(dhcp_tagged))
        counters = ug.command("show counters")
        m = re.search(r"eth1 802\.1Q: sent tagged (\d+); dropped: untagged with no untagged "
                      r"network (\d+), unknown tag (\d+)", counters)
        check("show counters: eth1 sent tagged frames and dropped none for their tag (%s)" %
              (str(m.groups()) if m else "no line"), m is not None and int(m.group(1)) > 0 and
              m.group(3) == "0", counters)
    except Exception as e:  # noqa: BLE001 - reported as a check
        check("VLAN lab with a Linux bridge runs", False, "%s: %s\n%s\n%s" % (
            type(e).__name__, e, ug.out[-1000:], sw.out[-1500:]))
    finally:
        sw.close()
        ug.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
