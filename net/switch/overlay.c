/*
 * The VXLAN binding (net/switch/overlay.h): each network's VNI, UDP port
 * and remote endpoints, the encapsulation of frames its switch sends to a
 * remote, and the taking apart of VXLAN packets that reach the uplink.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/offload.h"
#include "kernel/random.h"
#include "lwip/netif.h"
#include "net/addr.h"
#include "net/nat/egress.h"
#include "net/switch/network.h"
#include "net/switch/overlay.h"
#include "net/switch/vxlan.h"

/* One remote endpoint: a port of its network's switch. */
struct overlay_remote {
	uint32_t ip;
	char name[24]; /* "vxlan 10.88.0.1", the switch port's name */
};

struct overlay_net {
	uint32_t vni; /* 0: the network has no VXLAN */
	uint16_t port;
	unsigned nremotes;
	struct overlay_remote remote[OVERLAY_REMOTES_MAX];
	uint64_t tx, rx;	 /* frames sent to and taken from remotes */
	uint64_t drop_too_big;	 /* would not fit the uplink's MTU once wrapped */
	uint64_t drop_no_uplink; /* no uplink address to send from */
	uint64_t drop_offload;	 /* an offload that could not be done first */
	uint64_t drop_unlisted;	 /* VXLAN for this VNI from an address not listed */
};

static struct overlay_net overlay_tab[NETWORK_MAX];
static struct network *overlay_up;
static uint64_t overlay_seed;
static uint16_t overlay_ip_id;
static uint64_t overlay_unknown_vni; /* VXLAN to us for a VNI no network has */
/* VXLAN to us refused before its VNI was known: malformed, fragment, I
 * flag clear, runt (by enum vxlan_drop). */
static uint64_t overlay_bad[VXLAN_DROP_MAX];
/* The UDP ports some network's VXLAN uses, each once: what a frame at the
 * uplink is checked against (none, the usual case: no cost). */
static uint16_t overlay_ports[NETWORK_MAX];
static int overlay_nports;
/* The outer headers and the inner frame, built for egress_send(). */
static uint8_t overlay_buf[VXLAN_OUTER_LEN + NETDEV_FRAME_MAX];

/* Rebuilds overlay_ports[] after a network's VXLAN changed. */
static void overlay_index_ports(void)
{
	overlay_nports = 0;
	for (int i = 0; i < NETWORK_MAX; i++) {
		int j = 0;

		while (j < overlay_nports && overlay_ports[j] != overlay_tab[i].port)
			j++;
		if (overlay_tab[i].vni != 0 && j == overlay_nports)
			overlay_ports[overlay_nports++] = overlay_tab[i].port;
	}
}

int overlay_set(struct network *net, uint32_t vni, uint16_t port, const uint32_t *remote,
		unsigned n)
{
	struct overlay_net *o = &overlay_tab[network_index(net)];

	if (n > OVERLAY_REMOTES_MAX || vni > VXLAN_VNI_MAX || (vni != 0 && n == 0))
		return -EINVAL;
	if (vni == 0)
		n = 0;
	while (overlay_seed == 0)
		overlay_seed = (uint64_t)random_u32() << 32 | random_u32();
	/* A remote that stays keeps its slot, its switch port, and the MACs
	 * behind it; one that goes takes them along. */
	for (unsigned k = 0; k < OVERLAY_REMOTES_MAX; k++) {
		struct overlay_remote *r = &o->remote[k];
		bool had = k < o->nremotes, has = k < n;
		char ip[ADDR_IPV4_STRLEN];

		if (had && has && r->ip == remote[k])
			continue;
		if (had)
			network_remote_del(net, NETWORK_REMOTE_PORT0 + (int)k);
		memset(r, 0, sizeof(*r));
		if (!has)
			continue;
		r->ip = remote[k];
		snprintf(r->name, sizeof(r->name), "vxlan %s", addr_fmt_ipv4(r->ip, ip));
		network_remote_add(net, NETWORK_REMOTE_PORT0 + (int)k, r->name, o);
	}
	o->vni = vni;
	o->port = port;
	o->nremotes = n;
	/* No VXLAN (or the network went): nothing of it, counters included,
	 * is left for the next network in this slot. */
	if (vni == 0)
		memset(o, 0, sizeof(*o));
	overlay_index_ports();
	return 0;
}

void overlay_set_uplink(struct network *up)
{
	overlay_up = up;
}

/* The next hop toward (ip) out of the uplink: itself on the uplink's
 * subnet, else the uplink's gateway (0: none). */
static uint32_t overlay_hop(struct network *up, uint32_t ip)
{
	struct netif *nif = network_netif(up);
	uint32_t mask = network_netmask(up);

	if ((ip & mask) == (network_ip(up) & mask))
		return ip;
	return nif != NULL ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif))) : 0;
}

/* Wraps the finished frame (seg)[0 .. nseg) and sends it to remote (k) of
 * (o), with (ofl) (its offsets counted from the inner frame's start). */
static void overlay_encap(struct overlay_net *o, unsigned k, const struct netdev_seg *seg, int nseg,
			  const struct netdev_offload *ofl)
{
	struct vxlan_tx t = {0};
	struct netdev_offload moved;
	uint8_t *inner = overlay_buf + VXLAN_OUTER_LEN;
	size_t len = 0;
	uint32_t hop;

	for (int i = 0; i < nseg; i++)
		len += seg[i].len;
	if (len + VXLAN_OUTER_LEN - 14 > OVERLAY_UPLINK_MTU || len > NETDEV_FRAME_MAX) {
		o->drop_too_big++;
		return;
	}
	if (overlay_up == NULL || network_ip(overlay_up) == 0 ||
	    (hop = overlay_hop(overlay_up, o->remote[k].ip)) == 0) {
		o->drop_no_uplink++;
		return;
	}
	for (size_t at = 0, i = 0; i < (size_t)nseg; at += seg[i].len, i++)
		memcpy(inner + at, seg[i].data, seg[i].len);
	t.src = network_ip(overlay_up);
	t.dst = o->remote[k].ip;
	t.sport = vxlan_src_port(inner, len, overlay_seed);
	t.dport = o->port;
	t.vni = o->vni;
	t.ip_id = overlay_ip_id++;
	/* RFC 7348 §5 lets the outer header take the inner's DSCP and ECN. */
	if (len >= 16 && inner[12] == 0x08 && inner[13] == 0x00)
		t.tos = inner[15];
	if (vxlan_build(overlay_buf, &t, len) != 0) {
		o->drop_too_big++;
		return;
	}
	if (ofl != NULL) {
		moved = *ofl;
		moved.csum_start += VXLAN_OUTER_LEN;
		ofl = &moved;
	}
	o->tx++;
	egress_send(overlay_up, overlay_buf, VXLAN_OUTER_LEN + len, hop, ofl);
}

/* A GSO frame's pieces, each wrapped on its own, its TCP checksum left
 * to the uplink's device as (partial) says. */
struct overlay_cut {
	struct overlay_net *o;
	unsigned k;
	struct netdev_offload partial;
};

static int overlay_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct overlay_cut *c = ctx;

	overlay_encap(c->o, c->k, seg, nseg, &c->partial);
	return 0;
}

void overlay_xmit(struct network *net, int port, const struct netdev_seg *seg, int nseg,
		  const struct netdev_offload *ofl)
{
	struct overlay_net *o = &overlay_tab[network_index(net)];
	unsigned k = (unsigned)(port - NETWORK_REMOTE_PORT0);
	struct overlay_cut c = {o, k, {0}};

	if (k >= o->nremotes)
		return;
	/* A 64 KB segment cannot travel as one VXLAN packet: cut it here,
	 * each piece's checksum left to the uplink's device (or to
	 * netdev_xmit, if it has none): the payload is read once, by the
	 * copy into the packet. */
	if (ofl != NULL && ofl->gso_type != OFFLOAD_GSO_NONE) {
		if (offload_segment_partial(seg[0].data, seg[0].len, ofl, overlay_emit, &c,
					    &c.partial) < 0)
			o->drop_offload++;
		return;
	}
	/* A checksum left to a device stays left to the uplink's. */
	overlay_encap(o, k, seg, nseg,
		      ofl != NULL && (ofl->flags & OFFLOAD_F_NEEDS_CSUM) ? ofl : NULL);
}

bool overlay_input(struct network *up, uint8_t *frame, size_t len, const struct netdev_offload *ofl)
{
	struct netdev_offload inner_ofl;
	struct vxlan_rx rx;
	uint32_t addr;
	int rc = 1, idx = -1, i;

	if (overlay_nports == 0 || up != overlay_up || up == NULL || (addr = network_ip(up)) == 0)
		return false;
	/* Usually one port for every network: tried once. */
	for (i = 0; i < overlay_nports && rc == 1; i++)
		rc = vxlan_parse(frame, len, addr, overlay_ports[i], &rx);
	if (rc == 1)
		return false;
	if (rc < 0) {
		overlay_bad[-rc]++;
		return true;
	}
	for (int j = 0; j < NETWORK_MAX && idx < 0; j++)
		if (overlay_tab[j].vni == rx.vni && overlay_tab[j].port == overlay_ports[i - 1])
			idx = j;
	if (idx < 0 || network_at(idx) == NULL) {
		overlay_unknown_vni++;
		return true;
	}
	struct overlay_net *o = &overlay_tab[idx];
	unsigned k = 0;

	while (k < o->nremotes && o->remote[k].ip != rx.src)
		k++;
	if (k == o->nremotes) {
		o->drop_unlisted++;
		return true;
	}
	if (ofl != NULL) {
		/* We took no UDP tunnel GSO from the device. A checksum left
		 * undone in the outer headers (the sender's UDP checksum: one
		 * partial checksum per packet, so the inner frame's are done)
		 * is no concern of the inner frame; one in the inner frame
		 * moves with it. */
		inner_ofl = *ofl;
		if (inner_ofl.gso_type != OFFLOAD_GSO_NONE) {
			o->drop_offload++;
			return true;
		}
		if (!(inner_ofl.flags & OFFLOAD_F_NEEDS_CSUM) || inner_ofl.csum_start < rx.inner)
			ofl = NULL;
		else {
			inner_ofl.csum_start -= (uint16_t)rx.inner;
			ofl = &inner_ofl;
		}
	}
	o->rx++;
	network_remote_input(network_at(idx), NETWORK_REMOTE_PORT0 + (int)k, frame + rx.inner,
			     rx.inner_len, ofl);
	return true;
}

void overlay_show(const struct network *net, struct cli_out *out)
{
	const struct overlay_net *o = &overlay_tab[network_index(net)];

	if (o->vni == 0)
		return;
	cli_printf(out, "  vxlan %u, UDP port %u, remotes:", (unsigned)o->vni, o->port);
	for (unsigned k = 0; k < o->nremotes; k++) {
		char ip[ADDR_IPV4_STRLEN];

		cli_printf(out, " %s", addr_fmt_ipv4(o->remote[k].ip, ip));
	}
	cli_printf(out,
		   "\n  vxlan: sent %llu, received %llu; dropped: too big for the uplink %llu, "
		   "no uplink address %llu, offload %llu, from an unlisted address %llu\n",
		   (unsigned long long)o->tx, (unsigned long long)o->rx,
		   (unsigned long long)o->drop_too_big, (unsigned long long)o->drop_no_uplink,
		   (unsigned long long)o->drop_offload, (unsigned long long)o->drop_unlisted);
	/* Refused before a VNI said whose it was: every network's line. */
	cli_printf(out,
		   "  vxlan (all networks): unknown VNI %llu, malformed %llu, fragment %llu, "
		   "I flag clear %llu, runt %llu\n",
		   (unsigned long long)overlay_unknown_vni,
		   (unsigned long long)overlay_bad[VXLAN_DROP_MALFORMED],
		   (unsigned long long)overlay_bad[VXLAN_DROP_FRAGMENT],
		   (unsigned long long)overlay_bad[VXLAN_DROP_FLAGS],
		   (unsigned long long)overlay_bad[VXLAN_DROP_RUNT]);
}
