/*
 * The binding of networks to ports and lwIP. A frame received on a port is
 * given to its network's switch; each egress port gets it by netdev_xmit
 * (the one copy, into that port's transmit buffer), and the CPU port gets
 * it as a pbuf for lwIP. lwIP's own frames enter the switch at the CPU port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "kernel/cli.h"
#include "kernel/memory.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "drivers/offload.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "net/nat/egress.h"
#include "net/nat/gateway.h"
#include "net/services.h"
#include "net/switch/guard.h"
#include "net/switch/loop.h"
#include "net/switch/network.h"
#include "net/switch/overlay.h"
#include "net/switch/switch.h"
#include "netif/ethernet.h"

#define NETWORK_SEGS_MAX      16
#define NETWORK_AGE_BUDGET    64    /* MAC table slots aged per main-loop pass */
#define NETWORK_LOOP_PROBE_MS 2000  /* loop probes out of every port this often */
#define NETWORK_LOOP_BLOCK_MS 60000 /* a port that closes a loop is blocked this long */

struct network {
	bool used;
	bool is_nat;
	uint16_t vid;	   /* 802.1Q VLAN ID, 0: none */
	uint64_t untagged; /* its ports that carry it untagged (bit i: eth<i>) */
	uint64_t tagged;   /* ... and tagged with (vid) */
	bool has_netif;
	char name[NETWORK_NAME_MAX];
	uint32_t addr;
	uint8_t prefix;
	bool has_hwaddr; /* (hwaddr) is the netif's MAC, not one made up */
	uint8_t hwaddr[6];
	struct sw sw;
	struct fdb_entry *slots;
	struct netif netif;
	bool guarded;		  /* guard on: a network with an address, not `no guard` */
	struct guard guard;	  /* who holds which address (net/switch/guard.h) */
	void *guard_mem;	  /* its table: network_guard_alloc(), or NULL */
	uint64_t trusted;	  /* ports whose DHCP servers may answer (the uplink's) */
	uint64_t rogue_dhcp;	  /* DHCP server messages from other ports, dropped */
	uint64_t loops;		  /* loops found: a probe came back */
	uint64_t loop_drops;	  /* frames received on a port blocked for a loop */
	uint64_t cpu_nobuf;	  /* frames for lwIP dropped: no pbuf */
	uint64_t cpu_bad_offload; /* frames for lwIP whose offload could not be finished */
	uint64_t cpu_tx_big;	  /* lwIP frames with too many segments */
};

static struct network network_tab[NETWORK_MAX];
/* The subnets of the networks with a gateway address, for network_by_addr
 * per forwarded frame: usually two or three, not NETWORK_MAX slots. */
static struct {
	uint32_t net, mask;
	struct network *owner;
} network_subnets[NETWORK_MAX];
static int network_nsubnets;
static uint32_t network_aging_s = FDB_AGING_DEFAULT;
static uint32_t network_storm_pps = SW_STORM_DEFAULT;
static uint32_t network_port_macs = FDB_PORT_LIMIT_DEFAULT;
/* The frame lwIP is handling now: its ingress port (-1: none) and source. */
static int network_in_port = -1;
static uint8_t network_in_mac[6];
static int network_rx_port = -1; /* the port whose frame the switch is forwarding */
static uint16_t network_rx_pcp;	 /* its 802.1Q priority, kept when it leaves tagged */
/* 802.1Q: the network of each VLAN ID (its index + 1, 0: none), and the
 * frames each port dropped for their tag. */
static uint8_t network_by_vid[4096];
static struct network_port_vlan {
	uint64_t untagged;    /* untagged, and the port is in no network untagged */
	uint64_t unknown_tag; /* a VLAN ID the port does not carry */
	uint64_t bad_offload; /* a tag in front of offload offsets that cannot be */
	uint64_t tagged_out;  /* frames sent tagged */
	char role[64];	      /* for show ports: "vmnet8, lab10 (vlan 10)" */
} network_vlan[NETDEV_MAX];
/* Loop detection (net/switch/loop.h): each port's probe token, and until
 * when (sys_now(), 0: not) it is blocked for closing a loop. */
static uint64_t network_loop_token[NETDEV_MAX];
static uint32_t network_loop_until[NETDEV_MAX];

/* Gives lwIP one finished frame, made of (nseg) pieces. Returns 0 (for
 * offload_segment(), which goes on). */
static int network_lwip_input(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct network *net = ctx;
	struct pbuf *p;
	size_t len = 0, at = 0;

	for (int i = 0; i < nseg; i++)
		len += seg[i].len;
	p = len <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
	if (p == NULL) {
		net->cpu_nobuf++;
		return 0;
	}
	for (int i = 0; i < nseg; i++) {
		pbuf_take_at(p, seg[i].data, (u16_t)seg[i].len, (u16_t)at);
		at += seg[i].len;
	}
	network_in_port = network_rx_port;
	memcpy(network_in_mac, (const uint8_t *)seg[0].data + 6, 6);
	if (net->netif.input(p, &net->netif) != ERR_OK)
		pbuf_free(p);
	network_in_port = -1;
	return 0;
}

/* The CPU port: the forwarding stage, then lwIP, which takes finished
 * frames only: what the sender left to a device (ofl) is done first. The
 * CPU port is the last a frame goes to (network_send), so changing the
 * frame in place here harms no other port. */
static void network_to_cpu(struct network *net, void *frame, size_t len,
			   const struct netdev_offload *ofl)
{
	struct netdev_offload o;
	struct netdev_seg seg = {frame, len};

	egress_arp_input(net, frame, len);
	if (overlay_input(net, frame, len, ofl))
		return;
	if (ofl != NULL)
		o = *ofl;
	if (gw_input(net, frame, len, ofl != NULL ? &o : NULL))
		return;
	if (ofl != NULL && o.gso_type) {
		if (offload_segment(frame, len, &o, network_lwip_input, net) < 0)
			net->cpu_bad_offload++;
		return;
	}
	if (ofl != NULL && (o.flags & OFFLOAD_F_NEEDS_CSUM) && offload_csum(frame, len, &o) != 0) {
		net->cpu_bad_offload++;
		return;
	}
	network_lwip_input(net, &seg, 1);
}

/* An 802.1Q tag for (net)'s frame: TPID 0x8100, then priority and VLAN ID. */
struct network_tag {
	struct netdev *nd;
	uint8_t tag[4];
};

/* Queues the finished frame (seg) on the tagged port, its tag after the
 * MAC addresses (802.1Q §9.3); the first piece holds them. Returns 0. */
static int network_tag_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct network_tag *t = ctx;
	struct netdev_seg out[NETWORK_SEGS_MAX + 2];
	int n = 0;

	if (nseg > NETWORK_SEGS_MAX || seg[0].len < 12) {
		t->nd->stats.tx_drop_size++;
		return 0;
	}
	out[n++] = (struct netdev_seg){seg[0].data, 12};
	out[n++] = (struct netdev_seg){t->tag, 4};
	if (seg[0].len > 12)
		out[n++] = (struct netdev_seg){(const uint8_t *)seg[0].data + 12, seg[0].len - 12};
	for (int i = 1; i < nseg; i++)
		out[n++] = seg[i];
	network_vlan[t->nd->index].tagged_out++;
	netdev_xmit(t->nd, out, n, NULL);
	return 0;
}

/* Sends a frame out of (nd), a port carrying (net) tagged. A tag moves
 * the headers that offload offsets and software segmentation expect
 * (drivers/offload.h takes Ethernet II only), so what the sender left to
 * a device is done first, on the untagged frame, without writing to it:
 * other ports may still send it as it is. */
static void network_xmit_tagged(struct network *net, struct netdev *nd,
				const struct netdev_seg *seg, int nseg,
				const struct netdev_offload *ofl)
{
	struct network_tag t = {
		nd,
		{0x81, 0x00, (uint8_t)(network_rx_pcp << 5 | net->vid >> 8), (uint8_t)net->vid}};
	uint8_t sum[2];
	int v;

	if (ofl != NULL && ofl->gso_type != OFFLOAD_GSO_NONE) {
		if (offload_segment(seg[0].data, seg[0].len, ofl, network_tag_emit, &t) < 0)
			network_vlan[nd->index].bad_offload++;
		return;
	}
	if (ofl != NULL && (ofl->flags & OFFLOAD_F_NEEDS_CSUM)) {
		size_t at = (size_t)ofl->csum_start + ofl->csum_offset;

		v = offload_csum_value(seg[0].data, seg[0].len, ofl);
		if (v < 0 || at < 12) {
			network_vlan[nd->index].bad_offload++;
			return;
		}
		sum[0] = (uint8_t)(v >> 8);
		sum[1] = (uint8_t)v;
		/* The frame, with the finished checksum put in on the way. */
		struct netdev_seg parts[3] = {
			{seg[0].data, at},
			{sum, 2},
			{(const uint8_t *)seg[0].data + at + 2, seg[0].len - at - 2},
		};
		network_tag_emit(&t, parts, 3);
		return;
	}
	network_tag_emit(&t, seg, nseg);
}

/* Sends a frame out of (net)'s port (port), tagged if it carries (net) so. */
static void network_port_xmit(struct network *net, int port, const struct netdev_seg *seg, int nseg,
			      const struct netdev_offload *ofl)
{
	struct netdev *nd = sw_port_user(&net->sw, port);

	if (net->tagged & SW_BIT(port))
		network_xmit_tagged(net, nd, seg, nseg, ofl);
	else
		netdev_xmit(nd, seg, nseg, ofl);
}

static void network_send(struct network *net, sw_mask_t mask, const struct netdev_seg *seg,
			 int nseg, const struct netdev_offload *ofl)
{
	while (mask) {
		int port = __builtin_ctzll(mask);

		mask &= mask - 1;
		if (port == NETWORK_CPU_PORT) {
			/* Only frames from ports get here, and those are one segment. */
			network_to_cpu(net, (void *)seg[0].data, seg[0].len, ofl);
			continue;
		}
		if (port >= NETWORK_REMOTE_PORT0) {
			overlay_xmit(net, port, seg, nseg, ofl);
			continue;
		}
		network_port_xmit(net, port, seg, nseg, ofl);
	}
}

/* True if the Ethernet frame is a DHCP server's message (UDP from port 67
 * to port 68, RFC 2131 §4.1): a guest running a DHCP server must not hand
 * addresses to its neighbours. Untrusted bytes: every length checked. */
static bool network_dhcp_server(const uint8_t *f, size_t len)
{
	size_t ihl;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4 || f[23] != 17)
		return false;
	ihl = (size_t)(f[14] & 0x0f) * 4;
	if (ihl < 20 || len < 14 + ihl + 4 || (f[20] & 0x1f) != 0 || f[21] != 0)
		return false;
	return f[14 + ihl] == 0 && f[14 + ihl + 1] == 67 && f[14 + ihl + 2] == 0 &&
	       f[14 + ihl + 3] == 68;
}

/* Port (p)'s name in network (ctx): "eth3", or a VXLAN remote's; NULL
 * for none. Also the guard's (guard_set_port_names). */
static const char *network_port_name(const void *ctx, unsigned p)
{
	const struct network *net = ctx;

	return p < SW_PORTS_MAX ? net->sw.port[p].name : NULL;
}

/* Prints a clash the guard found, at most once per GUARD_REPORT_MS each:
 * a clone or a thief made visible. */
static void network_report(const struct network *net, const struct guard_conflict *c)
{
	char ip[ADDR_IPV4_STRLEN], m1[ADDR_MAC_STRLEN], m2[ADDR_MAC_STRLEN];
	const char *p1 = network_port_name(net, c->port1), *p2 = network_port_name(net, c->port2);

	p1 = p1 != NULL ? p1 : "?";
	p2 = p2 != NULL ? p2 : "?";

	if (c->ip != 0 && c->port1 == GUARD_PORT_ANY)
		printf("\nguard: network %s: %s is reserved for %s; %s on %s claims it "
		       "(refused)\n",
		       net->name, addr_fmt_ipv4(c->ip, ip), addr_fmt_mac(c->mac1, m1),
		       addr_fmt_mac(c->mac2, m2), p2);
	else if (c->ip != 0)
		printf("\nguard: network %s: %s is held by %s on %s; %s on %s claims it too "
		       "(refused)\n",
		       net->name, addr_fmt_ipv4(c->ip, ip), addr_fmt_mac(c->mac1, m1), p1,
		       addr_fmt_mac(c->mac2, m2), p2);
	else
		printf("\nguard: network %s: %s is bound on %s and seen on %s too "
		       "(refused)\n",
		       net->name, addr_fmt_mac(c->mac2, m2), p1, p2);
}

/* The guard's look at a guest's frame (untrusted: every length checked
 * here): ARP by its sender, IPv4 by its source. Returns true to drop. */
static bool network_guard_drop(struct network *net, int port, const uint8_t *f, size_t len)
{
	const struct guard_conflict *c = NULL;
	uint32_t now = sys_now();
	int v;

	if (len < 14)
		return false;
	if (f[12] == 0x08 && f[13] == 0x06) {
		/* RFC 826 for IPv4 over Ethernet; anything else is not ours to judge. */
		if (len < 42 || f[14] != 0 || f[15] != 1 || f[16] != 0x08 || f[17] != 0 ||
		    f[18] != 6 || f[19] != 4)
			return false;
		v = guard_arp(&net->guard, (uint8_t)port, f + 6,
			      (uint32_t)f[28] << 24 | (uint32_t)f[29] << 16 | (uint32_t)f[30] << 8 |
				      f[31],
			      f + 22, now, &c);
	} else if (f[12] == 0x08 && f[13] == 0x00) {
		if (len < 34 || (f[14] >> 4) != 4)
			return false;
		v = guard_ip(&net->guard, (uint8_t)port, f + 6,
			     (uint32_t)f[26] << 24 | (uint32_t)f[27] << 16 | (uint32_t)f[28] << 8 |
				     f[29],
			     now, &c);
	} else {
		return false;
	}
	if (v == GUARD_CONFLICT && c != NULL)
		network_report(net, c);
	return v != GUARD_PASS;
}

/* Port (port) no longer speaks for (net)'s guests: it left, or a loop was
 * cut there. What they were bound to through it goes (the guard), and
 * their DHCP leases are no longer tied to it (services). */
static void network_port_released(struct network *net, int port)
{
	guard_unbind_port(&net->guard, (uint8_t)port);
	svc_port_released(net->name, port);
}

/*
 * A probe (token) arrived on port (in): if it is one of ours, something
 * outside joins the port it left from to this one. The port it came in on
 * is blocked (a host sees only its own port's probes, so it can block only
 * its own port), or the other one if this is a trusted port (the uplink,
 * where the outside is): a guest's loop must not cut the uplink. Returns
 * false for a probe that is not ours (another appliance's: forwarded).
 */
/* True if (token) is one of our ports' probes. One that comes back from a
 * VXLAN remote is dropped: a loop through another host is that host's to
 * cut, and blocking a local port for it could cut the wrong one. */
static bool network_loop_ours(uint64_t token)
{
	for (int p = 0; p < NETDEV_MAX; p++)
		if (token != 0 && network_loop_token[p] == token)
			return true;
	return false;
}

static bool network_loop_seen(struct network *net, int in, uint64_t token)
{
	int from = -1, block;

	for (int p = 0; p < NETDEV_MAX && from < 0; p++)
		if (token != 0 && network_loop_token[p] == token)
			from = p;
	if (from < 0)
		return false;
	/* The loop is already cut: this probe left before the cut. */
	if (network_loop_until[from] != 0)
		return true;
	/* The outside reflecting the uplink's own probe (a hairpin bridge,
	 * VEPA) is no loop through us: cutting the uplink would be worse. */
	if (from == in && (net->trusted & SW_BIT(in)))
		return true;
	block = from != in && (net->trusted & SW_BIT(in)) ? from : in;
	if (network_loop_until[block] == 0) {
		network_loop_until[block] = (sys_now() + NETWORK_LOOP_BLOCK_MS) | 1;
		net->loops++;
		/* While the loop ran, the looping guest's frames came in on both
		 * ports: whatever it was bound to on the blocked one goes, so that
		 * it keeps its address through the open one. */
		for (int i = 0; i < NETWORK_MAX; i++)
			if (network_tab[i].used && (network_tab[i].sw.members & SW_BIT(block)))
				network_port_released(&network_tab[i], block);
		printf("\nloop: network %s: a probe sent on eth%d came back on eth%d; eth%d "
		       "blocked for "
		       "%u s\n",
		       net->name, from, in, block, NETWORK_LOOP_BLOCK_MS / 1000);
	}
	return true;
}

/* A frame of (net) from port (port), untagged: the checks every guest
 * frame passes, then the switch. */
static void network_input(struct network *net, int port, void *frame, size_t len,
			  const struct netdev_offload *ofl)
{
	struct netdev_seg seg = {frame, len};
	bool remote = port >= NETWORK_REMOTE_PORT0;
	int outer = network_rx_port; /* a VXLAN frame's: its uplink's port */
	sw_mask_t mask;
	uint64_t token;

	if (loop_parse(frame, len, &token) &&
	    (remote ? network_loop_ours(token) : network_loop_seen(net, port, token)))
		return;
	if (!remote && network_loop_until[port] != 0) {
		net->loop_drops++;
		return;
	}
	if (network_dhcp_server(frame, len) &&
	    !(remote ? net->prefix == 0 : (net->trusted & SW_BIT(port)) != 0)) {
		net->rogue_dhcp++;
		return;
	}
	if (net->guarded && network_guard_drop(net, port, frame, len))
		return;
	if (sw_input(&net->sw, port, frame, len, sys_now(), &mask) > 0) {
		/* Split horizon: every endpoint sends its floods to every
		 * other itself (head-end replication, as Linux's vxlan device
		 * does), so what came from a remote never goes on to another;
		 * in a mesh of three it would loop. */
		if (remote)
			mask &= SW_BIT(NETWORK_REMOTE_PORT0) - 1;
		network_rx_port = port;
		network_send(net, mask, &seg, 1, ofl);
		network_rx_port = outer;
	}
}

/*
 * A frame from a port: 802.1Q first. A tagged frame belongs to the
 * network of its VLAN ID if the port carries that network tagged; an
 * untagged or priority-tagged one (VLAN ID 0, 802.1Q §9.6) to the port's
 * untagged network. Anything else is dropped and counted. The tag comes
 * off in the driver's buffer (the MAC addresses move up four bytes), and
 * offload offsets, counted from the frame's start, with it.
 */
static void network_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl)
{
	struct network *net = nd->owner;
	struct netdev_offload o;
	uint8_t *f = frame;
	uint16_t tci, vid;

	network_rx_pcp = 0;
	if (len < 18 || f[12] != 0x81 || f[13] != 0x00) {
		if (net == NULL) {
			network_vlan[nd->index].untagged++;
			return;
		}
		network_input(net, nd->index, frame, len, ofl);
		return;
	}
	tci = (uint16_t)(f[14] << 8 | f[15]);
	vid = tci & 0x0fff;
	if (vid != 0) {
		net = network_by_vid[vid] ? &network_tab[network_by_vid[vid] - 1] : NULL;
		if (net == NULL || !(net->tagged & SW_BIT(nd->index))) {
			network_vlan[nd->index].unknown_tag++;
			return;
		}
	} else if (net == NULL) {
		network_vlan[nd->index].untagged++;
		return;
	}
	if (ofl != NULL) {
		o = *ofl;
		if ((o.flags & OFFLOAD_F_NEEDS_CSUM) && o.csum_start < 18) {
			network_vlan[nd->index].bad_offload++;
			return;
		}
		if (o.flags & OFFLOAD_F_NEEDS_CSUM)
			o.csum_start -= 4;
		if (o.hdr_len >= 4)
			o.hdr_len -= 4;
		ofl = &o;
	}
	memmove(f + 4, f, 12);
	network_rx_pcp = tci >> 13;
	network_input(net, nd->index, f + 4, len - 4, ofl);
	network_rx_pcp = 0;
}

int network_remote_add(struct network *net, int port, const char *name, void *user)
{
	int err;

	if (port < NETWORK_REMOTE_PORT0)
		return -EINVAL;
	err = sw_port_add(&net->sw, port, name, user);
	if (err == 0)
		sw_port_set_up(&net->sw, port, true);
	return err;
}

int network_remote_del(struct network *net, int port)
{
	if (port < NETWORK_REMOTE_PORT0)
		return -EINVAL;
	guard_unbind_port(&net->guard, (uint8_t)port);
	return sw_port_del(&net->sw, port);
}

void network_remote_input(struct network *net, int port, void *frame, size_t len,
			  const struct netdev_offload *ofl)
{
	network_input(net, port, frame, len, ofl);
}

struct network *network_at(int index)
{
	return index >= 0 && index < NETWORK_MAX && network_tab[index].used ? &network_tab[index]
									    : NULL;
}

void network_set_guard(struct network *net, int mode)
{
	uint32_t mask = net->prefix ? 0xffffffffu << (32 - net->prefix) : 0;

	net->guarded = mode != GUARD_OFF && net->prefix != 0;
	guard_configure(&net->guard, net->guarded ? (enum guard_mode)mode : GUARD_OFF, net->addr,
			net->addr & mask, mask);
}

void network_guard_reserved(struct network *net, const uint8_t (*mac)[6], const uint32_t *ip,
			    unsigned n)
{
	guard_unbind_origin(&net->guard, GUARD_RESERVED);
	for (unsigned i = 0; i < n; i++)
		guard_bind(&net->guard, ip[i], mac[i], GUARD_PORT_ANY, GUARD_RESERVED, 0);
}

void network_guard_lease(struct network *net, uint32_t ip, const uint8_t mac[6], int port,
			 uint32_t lease_s)
{
	/* Renewals come at half the lease (RFC 2131 §4.4.5), so a binding of
	 * at most 20 days, well inside the guard's 2^31 ms horizon, is renewed
	 * long before it ends. */
	uint32_t s = lease_s < 20 * 86400u ? lease_s : 20 * 86400u;

	if (port >= 0 && port < GUARD_PORT_ANY)
		guard_bind(&net->guard, ip, mac, (uint8_t)port, GUARD_DHCP, sys_now() + s * 1000u);
}

int network_input_source(uint8_t mac[6])
{
	if (network_in_port >= 0)
		memcpy(mac, network_in_mac, 6);
	return network_in_port;
}

void network_set_trusted(struct network *net, uint64_t ports)
{
	net->trusted = ports;
	/* A whole LAN may sit behind the uplink port: no MAC limit there. */
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		fdb_set_unlimited(&net->sw.fdb, p, (ports >> p) & 1);
}

/* lwIP's transmit: the frame enters the switch at the CPU port. lwIP keeps
 * the pbuf (transmit never consumes). */
static err_t network_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct network *net = nif->state;
	struct netdev_seg seg[NETWORK_SEGS_MAX];
	int nseg = 0;
	sw_mask_t mask;

	for (struct pbuf *q = p; q != NULL; q = q->next) {
		if (nseg == NETWORK_SEGS_MAX) {
			net->cpu_tx_big++;
			return ERR_MEM;
		}
		seg[nseg].data = q->payload;
		seg[nseg].len = q->len;
		nseg++;
	}
	if (sw_input(&net->sw, NETWORK_CPU_PORT, p->payload, p->len, sys_now(), &mask) > 0)
		network_send(net, mask, seg, nseg, NULL);
	return ERR_OK;
}

static err_t network_netif_init(struct netif *nif)
{
	nif->name[0] = 'v';
	nif->name[1] = 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	nif->mtu = 1500;
	nif->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = network_linkoutput;
	return ERR_OK;
}

struct network *network_find(const char *name)
{
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used && strcmp(network_tab[i].name, name) == 0)
			return &network_tab[i];
	return NULL;
}

/* The bytes of (t)'s slots, for memory_account(): a table is counted
 * while a network holds it. */
static long long network_table_bytes(const struct fdb *t)
{
	return (long long)(((size_t)t->mask + 1) * sizeof(struct fdb_entry));
}

void *network_table_alloc(uint32_t mac_table)
{
	uint32_t nslots = fdb_nslots(mac_table);

	return nslots ? calloc(nslots, sizeof(struct fdb_entry)) : NULL;
}

void network_table_free(void *table)
{
	free(table);
}

int network_add(const char *name, bool is_nat, uint32_t mac_table, void *table,
		struct network **out)
{
	struct network *net = NULL;
	uint32_t nslots = fdb_nslots(mac_table);
	int err = -EEXIST;

	if (network_find(name))
		goto free_table;
	err = -EINVAL;
	if (strlen(name) >= NETWORK_NAME_MAX || nslots == 0 || table == NULL)
		goto free_table;
	for (int i = 0; i < NETWORK_MAX && net == NULL; i++)
		if (!network_tab[i].used)
			net = &network_tab[i];
	err = -ENOSPC;
	if (net == NULL)
		goto free_table;
	memset(net, 0, sizeof(*net));
	err = sw_init(&net->sw, table, nslots, mac_table, network_aging_s,
		      ((uint64_t)random_u32() << 32) | random_u32());
	if (err)
		goto free_table;
	net->slots = table;
	memory_account("mac tables", network_table_bytes(&net->sw.fdb));
	sw_set_storm(&net->sw, network_storm_pps);
	/* Random source MACs from one guest cannot fill the table. */
	fdb_set_port_limit(&net->sw.fdb, network_port_macs);
	/* No table until the network has an address (network_set_guard_table). */
	guard_init(&net->guard, NULL, 0, GUARD_OFF, 0, 0, 0,
		   ((uint64_t)random_u32() << 32) | random_u32());
	guard_set_port_names(&net->guard, network_port_name, net);
	snprintf(net->name, sizeof(net->name), "%s", name);
	net->is_nat = is_nat;
	net->used = true;
	*out = net;
	return 0;

free_table:
	free(table);
	return err;
}

void network_set_mac_table(struct network *net, uint32_t mac_table, void *table)
{
	struct fdb next;

	if (fdb_init(&next, table, fdb_nslots(mac_table), mac_table, network_aging_s,
		     ((uint64_t)random_u32() << 32) | random_u32()) != 0) {
		free(table); /* a size the caller did not allocate for: a bug */
		return;
	}
	fdb_copy(&next, &net->sw.fdb, sys_now());
	memory_account("mac tables",
		       network_table_bytes(&next) - network_table_bytes(&net->sw.fdb));
	free(net->slots);
	net->slots = table;
	net->sw.fdb = next;
}

uint32_t network_mac_table(const struct network *net)
{
	return net->sw.fdb.capacity;
}

/* Port (p)'s receive hook and its line in show ports, after its part in
 * some network changed: it receives while any network has it. */
static void network_port_update(int p)
{
	struct netdev *nd = netdev_get(p);
	char *r = network_vlan[p].role;
	size_t used = 0;
	bool any = false;

	if (nd == NULL)
		return;
	r[0] = '\0';
	if (nd->owner != NULL)
		used = (size_t)snprintf(r, sizeof(network_vlan[p].role), "%s",
					((struct network *)nd->owner)->name);
	for (int i = 0; i < NETWORK_MAX; i++) {
		const struct network *net = &network_tab[i];

		any |= net->used && (net->sw.members & SW_BIT(p));
		if (net->used && (net->tagged & SW_BIT(p)) && used < sizeof(network_vlan[p].role))
			used += (size_t)snprintf(r + used, sizeof(network_vlan[p].role) - used,
						 "%s%s (vlan %u)", used ? ", " : "", net->name,
						 net->vid);
	}
	nd->rx = any ? network_rx : NULL;
	nd->role = r;
}

static void network_detach(struct network *net, int port)
{
	struct netdev *nd = sw_port_user(&net->sw, port);

	sw_port_del(&net->sw, port);
	network_port_released(net, port);
	net->untagged &= ~SW_BIT(port);
	net->tagged &= ~SW_BIT(port);
	if (nd != NULL && nd->owner == net)
		nd->owner = NULL;
	network_port_update(port);
}

static void network_netif_remove(struct network *net)
{
	if (!net->has_netif)
		return;
	sw_port_del(&net->sw, NETWORK_CPU_PORT);
	netif_remove(&net->netif);
	net->has_netif = false;
}

/* Rebuilds network_subnets after an address came or went. */
static void network_index_subnets(void)
{
	network_nsubnets = 0;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];
		uint32_t mask = net->prefix ? 0xffffffffu << (32 - net->prefix) : 0;

		if (net->used && net->has_netif && net->prefix) {
			network_subnets[network_nsubnets].net = net->addr & mask;
			network_subnets[network_nsubnets].mask = mask;
			network_subnets[network_nsubnets].owner = net;
			network_nsubnets++;
		}
	}
}

void network_remove(struct network *net)
{
	egress_network_changed(net);
	network_set_vlan(net, 0, 0);
	overlay_set(net, 0, 0, NULL, 0);
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		if (net->sw.members & SW_BIT(p))
			network_detach(net, p);
	network_netif_remove(net);
	memory_account("mac tables", -network_table_bytes(&net->sw.fdb));
	free(net->slots);
	memory_account("guard", -(long long)guard_mem_size(guard_capacity(&net->guard)));
	free(net->guard_mem);
	memset(net, 0, sizeof(*net));
	network_index_subnets();
}

void *network_guard_alloc(uint32_t capacity)
{
	size_t size = guard_mem_size(capacity);

	return size ? malloc(size) : NULL;
}

void network_guard_free(void *mem)
{
	free(mem);
}

uint32_t network_guard_capacity(const struct network *net)
{
	return guard_capacity(&net->guard);
}

void network_set_guard_table(struct network *net, void *mem, uint32_t capacity)
{
	static struct guard next; /* about 1 KB of conflicts and counters */

	guard_init(&next, mem, capacity, GUARD_OFF, 0, 0, 0,
		   ((uint64_t)random_u32() << 32) | random_u32());
	/* What has expired need not fit. */
	guard_expire(&net->guard, sys_now());
	if (guard_copy(&next, &net->guard) < 0) {
		/* Smaller than the bindings held (a pool cut down under its
		 * guests): they bind again by DHCP or a first claim. */
		printf("guard: network %s: %u bindings do not fit in %u: cleared\n", net->name,
		       (unsigned)net->guard.count, (unsigned)capacity);
		guard_init(&next, mem, capacity, net->guard.mode, net->guard.gateway,
			   net->guard.net, net->guard.mask,
			   ((uint64_t)random_u32() << 32) | random_u32());
		guard_set_port_names(&next, network_port_name, net);
	}
	memory_account("guard", (long long)guard_mem_size(capacity) -
					(long long)guard_mem_size(guard_capacity(&net->guard)));
	free(net->guard_mem);
	net->guard = next;
	net->guard_mem = mem;
}

/* Makes the ports that carry (net) tagged, if (tagged), else untagged,
 * exactly those in (mask): a port leaving is detached; one joining is
 * added to the switch, or, a member the other way until now, turned (the
 * same switch port, its MAC entries kept). A port is untagged in one
 * network at most: joining untagged takes it from the one it was in. */
static void network_set_members(struct network *net, uint64_t mask, bool tagged)
{
	uint64_t *these = tagged ? &net->tagged : &net->untagged;
	uint64_t *other = tagged ? &net->untagged : &net->tagged;

	for (int p = 0; p < NETWORK_CPU_PORT; p++) {
		uint64_t bit = SW_BIT(p);
		bool want = mask & bit, have = *these & bit;
		struct netdev *nd = netdev_get(p);

		if (want == have || nd == NULL)
			continue;
		if (!want) {
			network_detach(net, p);
			continue;
		}
		if (!tagged && nd->owner != NULL)
			network_detach(nd->owner, p);
		if ((*other & bit) || sw_port_add(&net->sw, p, nd->name, nd) == 0) {
			sw_port_set_up(&net->sw, p, nd->link);
			*other &= ~bit;
			*these |= bit;
			if (!tagged)
				nd->owner = net;
			else if (nd->owner == net)
				nd->owner = NULL;
		}
		network_port_update(p);
	}
}

int network_set_ports(struct network *net, uint64_t mask)
{
	network_set_members(net, mask, false);
	return 0;
}

int network_set_vlan(struct network *net, uint16_t vid, uint64_t tagged)
{
	int idx = network_index(net);

	if (vid > 4094)
		return -EINVAL;
	if (vid != 0 && network_by_vid[vid] != 0 && network_by_vid[vid] != idx + 1)
		return -EBUSY;
	if (net->vid != 0 && network_by_vid[net->vid] == idx + 1)
		network_by_vid[net->vid] = 0;
	net->vid = vid;
	if (vid != 0)
		network_by_vid[vid] = (uint8_t)(idx + 1);
	else
		tagged = 0;
	network_set_members(net, tagged, true);
	/* The VLAN ID shows in every port's role: refresh them all. */
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		network_port_update(p);
	return 0;
}

static int network_set_address_netif(struct network *net, uint32_t addr, uint8_t prefix,
				     uint32_t gateway);

int network_set_address(struct network *net, uint32_t addr, uint8_t prefix, uint32_t gateway)
{
	int err = network_set_address_netif(net, addr, prefix, gateway);

	network_index_subnets();
	return err;
}

static int network_set_address_netif(struct network *net, uint32_t addr, uint8_t prefix,
				     uint32_t gateway)
{
	ip4_addr_t ip, mask, gw;
	uint8_t mac[6] = {0x02, 0x75, 0x67, 0, 0, 0}; /* locally administered */
	int idx = (int)(net - network_tab);
	int err;

	ip4_addr_set_u32(&ip, lwip_htonl(addr));
	ip4_addr_set_u32(&mask, lwip_htonl(prefix ? 0xffffffffu << (32 - prefix) : 0));
	ip4_addr_set_u32(&gw, lwip_htonl(gateway));
	if (addr != net->addr || prefix != net->prefix)
		egress_network_changed(net);
	net->addr = addr;
	net->prefix = prefix;
	if (prefix == 0) {
		network_netif_remove(net);
		return 0;
	}
	if (net->has_netif) {
		netif_set_addr(&net->netif, &ip, &mask, &gw);
	} else {
		/* A MAC of our own per network, stable across boots; or the
		 * one given (the uplink's NIC's: unique on its segment, where
		 * other appliances may be). */
		mac[3] = (uint8_t)idx;
		mac[4] = (uint8_t)(addr >> 8);
		mac[5] = (uint8_t)addr;
		if (net->has_hwaddr)
			memcpy(mac, net->hwaddr, sizeof(mac));
		memcpy(net->netif.hwaddr, mac, sizeof(mac));
		err = sw_port_add_cpu(&net->sw, NETWORK_CPU_PORT, net->name, &net->netif, mac);
		if (err)
			return err;
		if (netif_add(&net->netif, &ip, &mask, &gw, net, network_netif_init,
			      ethernet_input) == NULL) {
			sw_port_del(&net->sw, NETWORK_CPU_PORT);
			return -ENOMEM;
		}
		netif_set_up(&net->netif);
		net->has_netif = true;
	}
	if (gateway)
		netif_set_default(&net->netif);
	return 0;
}

void network_set_hwaddr(struct network *net, const uint8_t mac[6])
{
	memcpy(net->hwaddr, mac, sizeof(net->hwaddr));
	net->has_hwaddr = true;
}

struct netif *network_netif(struct network *net)
{
	return net->has_netif ? &net->netif : NULL;
}

void network_set_nat(struct network *net, bool is_nat)
{
	net->is_nat = is_nat;
}

bool network_is_nat(const struct network *net)
{
	return net->is_nat;
}

int network_index(const struct network *net)
{
	return (int)(net - network_tab);
}

uint32_t network_ip(const struct network *net)
{
	return net->has_netif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&net->netif))) : 0;
}

uint32_t network_netmask(const struct network *net)
{
	return net->has_netif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&net->netif))) : 0;
}

const uint8_t *network_mac(const struct network *net)
{
	return net->netif.hwaddr;
}

void network_output(struct network *net, void *frame, size_t len, const struct netdev_offload *ofl)
{
	struct netdev_seg seg = {frame, len};
	sw_mask_t mask;

	if (sw_input(&net->sw, NETWORK_CPU_PORT, frame, len, sys_now(), &mask) > 0)
		network_send(net, mask & ~SW_BIT(NETWORK_CPU_PORT), &seg, 1, ofl);
}

struct network *network_by_addr(uint32_t addr)
{
	for (int i = 0; i < network_nsubnets; i++)
		if ((addr & network_subnets[i].mask) == network_subnets[i].net)
			return network_subnets[i].owner;
	return NULL;
}

void network_set_aging(uint32_t aging_s)
{
	network_aging_s = aging_s;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			fdb_set_aging(&network_tab[i].sw.fdb, aging_s);
}

void network_set_storm(uint32_t pps)
{
	network_storm_pps = pps;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			sw_set_storm(&network_tab[i].sw, pps);
}

void network_quota_counts(uint64_t *port_macs, uint64_t *storm)
{
	*port_macs = *storm = 0;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used) {
			*port_macs += network_tab[i].sw.fdb.stats.refused_port;
			*storm += network_tab[i].sw.stats.storm_limited;
		}
}

void network_set_port_macs(uint32_t limit)
{
	network_port_macs = limit;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			fdb_set_port_limit(&network_tab[i].sw.fdb, limit);
}

/* Ends blocks that are over, and every NETWORK_LOOP_PROBE_MS sends a
 * probe out of each open port of every network that has two or more. */
static void network_loop_poll(uint32_t now)
{
	static uint32_t probed;
	uint8_t frame[LOOP_FRAME_LEN];

	for (int p = 0; p < NETDEV_MAX; p++) {
		if (network_loop_until[p] != 0 && (int32_t)(now - network_loop_until[p]) >= 0) {
			network_loop_until[p] = 0;
			printf("\nloop: eth%d unblocked\n", p);
		}
	}
	if (now - probed < NETWORK_LOOP_PROBE_MS)
		return;
	probed = now;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];
		sw_mask_t open = net->sw.tx_mask & (SW_BIT(NETWORK_CPU_PORT) - 1);

		if (!net->used || (open & (open - 1)) == 0)
			continue; /* fewer than two ports: no loop through us */
		for (; open; open &= open - 1) {
			int p = __builtin_ctzll(open);
			struct netdev *nd = sw_port_user(&net->sw, p);
			struct netdev_seg seg = {frame, sizeof(frame)};

			while (network_loop_token[p] == 0)
				network_loop_token[p] = (uint64_t)random_u32() << 32 | random_u32();
			loop_build(frame, nd->mac, network_loop_token[p]);
			network_port_xmit(net, p, &seg, 1, NULL);
		}
	}
}

static void network_poll(void)
{
	static uint32_t guard_swept;
	uint32_t now = sys_now();
	bool sweep = now - guard_swept >= 1000;

	if (sweep)
		guard_swept = now;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used)
			continue;
		fdb_age(&net->sw.fdb, now, NETWORK_AGE_BUDGET);
		/* DHCP leases are bound with the guard off too: every
		 * guard's expiries are kept (guard_expire's 2^31 ms rule). */
		if (sweep)
			guard_expire(&net->guard, now);
		for (int p = 0; p < NETWORK_CPU_PORT; p++) {
			struct netdev *nd = sw_port_user(&net->sw, p);
			bool up = nd != NULL && nd->link && network_loop_until[p] == 0;

			if (nd != NULL && up != (bool)(net->sw.tx_mask & SW_BIT(p)))
				sw_port_set_up(&net->sw, p, up);
		}
	}
	network_loop_poll(now);
}

void network_show(const struct network *net, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN];

	cli_printf(out, "  ports:");
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		if (net->sw.members & SW_BIT(p))
			cli_printf(out, " %s%s%s", net->sw.port[p].name,
				   net->tagged & SW_BIT(p) ? "(tagged)" : "",
				   network_loop_until[p]	 ? "(blocked: loop)"
				   : net->sw.tx_mask & SW_BIT(p) ? ""
								 : "(down)");
	cli_printf(out, "\n");
	if (net->vid != 0)
		cli_printf(out, "  vlan %u: tagged on", net->vid);
	for (int p = 0; net->vid != 0 && p < NETWORK_CPU_PORT; p++)
		if (net->tagged & SW_BIT(p))
			cli_printf(out, " %s", net->sw.port[p].name);
	if (net->vid != 0)
		cli_printf(out, "%s\n", net->tagged ? "" : " no port");
	if (net->has_netif)
		cli_printf(out, "  gateway %s/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
			   addr_fmt_ipv4(net->addr, ip), net->prefix, net->netif.hwaddr[0],
			   net->netif.hwaddr[1], net->netif.hwaddr[2], net->netif.hwaddr[3],
			   net->netif.hwaddr[4], net->netif.hwaddr[5]);
	overlay_show(net, out);
	cli_printf(out, "  switch: %u of %u MAC addresses, %llu frames in, %llu to the gateway\n",
		   net->sw.fdb.count, net->sw.fdb.capacity, (unsigned long long)net->sw.stats.in,
		   (unsigned long long)net->sw.stats.to_cpu);
}

static int network_cmd_show_mac(int argc, char **argv, struct cli_out *out)
{
	int shown = 0;

	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used || (argc > 0 && strcmp(argv[0], net->name) != 0))
			continue;
		cli_printf(out, "network %s\n", net->name);
		sw_show_mac(&net->sw, sys_now(), -1, out);
		shown++;
	}
	if (argc > 0 && shown == 0) {
		cli_printf(out, "%% no network named '%s'\n", argv[0]);
		return -ENOENT;
	}
	return 0;
}

static int network_cmd_show_counters(int argc, char **argv, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN];

	(void)argc;
	(void)argv;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used)
			continue;
		cli_printf(out, "network %s (%s, %s/%u)\n", net->name,
			   net->is_nat ? "nat" : "no nat", addr_fmt_ipv4(net->addr, ip),
			   net->prefix);
		sw_show_counters(&net->sw, out);
		overlay_show(net, out);
		cli_printf(out,
			   "  cpu port: no pbuf %llu, too many segments %llu, bad offload header "
			   "%llu; DHCP server messages from guest ports dropped %llu\n",
			   (unsigned long long)net->cpu_nobuf, (unsigned long long)net->cpu_tx_big,
			   (unsigned long long)net->cpu_bad_offload,
			   (unsigned long long)net->rogue_dhcp);
		cli_printf(out,
			   "  loops found %llu; frames dropped on ports blocked for a loop %llu\n",
			   (unsigned long long)net->loops, (unsigned long long)net->loop_drops);
	}
	for (int p = 0; p < NETDEV_MAX; p++) {
		const struct network_port_vlan *v = &network_vlan[p];

		if (v->untagged || v->unknown_tag || v->bad_offload || v->tagged_out)
			cli_printf(out,
				   "eth%d 802.1Q: sent tagged %llu; dropped: untagged with no "
				   "untagged network %llu, unknown tag %llu, bad offload %llu\n",
				   p, (unsigned long long)v->tagged_out,
				   (unsigned long long)v->untagged,
				   (unsigned long long)v->unknown_tag,
				   (unsigned long long)v->bad_offload);
	}
	return 0;
}

/* show bindings / show conflicts [NETWORK]: every guarded network, or one. */
static int network_cmd_guard(int argc, char **argv, struct cli_out *out, bool conflicts)
{
	int shown = 0;

	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used || !net->has_netif || net->name[0] == '(' ||
		    (argc > 0 && strcmp(argv[0], net->name) != 0))
			continue;
		cli_printf(out, "network %s: guard %s\n", net->name,
			   !net->guarded		     ? "off"
			   : net->guard.mode == GUARD_STRICT ? "strict"
							     : "learn");
		if (conflicts)
			guard_show_conflicts(&net->guard, sys_now(), out);
		else
			guard_show(&net->guard, sys_now(), out);
		shown++;
	}
	if (argc > 0 && shown == 0) {
		cli_printf(out, "%% no guarded network named '%s'\n", argv[0]);
		return -ENOENT;
	}
	return 0;
}

static int network_cmd_bindings(int argc, char **argv, struct cli_out *out)
{
	return network_cmd_guard(argc, argv, out, false);
}

static int network_cmd_conflicts(int argc, char **argv, struct cli_out *out)
{
	return network_cmd_guard(argc, argv, out, true);
}

CLI_COMMAND(show_bindings, "show bindings",
	    "who holds which address: IP, MAC, port, origin, expiry; guard drops by reason",
	    network_cmd_bindings);
CLI_COMMAND(show_conflicts, "show conflicts",
	    "addresses or MACs claimed twice (clones): both MACs and ports, first and last seen",
	    network_cmd_conflicts);
CLI_COMMAND(show_mac, "show mac", "MAC table of every network, or of NETWORK",
	    network_cmd_show_mac);
CLI_COMMAND(show_counters, "show counters", "switch and MAC table counters per network",
	    network_cmd_show_counters);

POLLER(network, network_poll);
