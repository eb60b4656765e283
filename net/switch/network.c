/*
 * The data path of networks: a frame received on a port goes through
 * 802.1Q and the checks every guest frame passes (loop probes, rogue DHCP
 * servers, the guard) to its network's switch; each egress port gets it by
 * netdev_xmit (the one copy, into that port's transmit buffer; tagged for
 * a port that carries the network so), and the CPU port gets it as a pbuf
 * for lwIP. lwIP's own frames enter the switch at the CPU port. The
 * poller ages the MAC tables and follows the ports' links.
 */
#include <string.h>

#include "drivers/offload.h"
#include "kernel/poll.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "net/nat/egress.h"
#include "net/nat/gateway.h"
#include "net/switch/loop.h"
#include "net/switch/network_impl.h"
#include "net/switch/overlay.h"
#include "netif/ethernet.h"

#define NETWORK_SEGS_MAX   16
#define NETWORK_AGE_BUDGET 64 /* MAC table slots aged per main-loop pass */

/* The frame lwIP is handling now: its ingress port (-1: none) and source. */
static int network_in_port = -1;
static uint8_t network_in_mac[6];
static int network_rx_port = -1; /* the port whose frame the switch is forwarding */
static uint16_t network_rx_pcp;	 /* its 802.1Q priority, kept when it leaves tagged */

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

void network_port_xmit(struct network *net, int port, const struct netdev_seg *seg, int nseg,
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
void network_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl)
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

void network_remote_input(struct network *net, int port, void *frame, size_t len,
			  const struct netdev_offload *ofl)
{
	network_input(net, port, frame, len, ofl);
}

int network_input_source(uint8_t mac[6])
{
	if (network_in_port >= 0)
		memcpy(mac, network_in_mac, 6);
	return network_in_port;
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

err_t network_netif_init(struct netif *nif)
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

void network_output(struct network *net, void *frame, size_t len, const struct netdev_offload *ofl)
{
	struct netdev_seg seg = {frame, len};
	sw_mask_t mask;

	if (sw_input(&net->sw, NETWORK_CPU_PORT, frame, len, sys_now(), &mask) > 0)
		network_send(net, mask & ~SW_BIT(NETWORK_CPU_PORT), &seg, 1, ofl);
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

POLLER(network, network_poll);
