/*
 * The virtio-net transmit offloads done in software (drivers/offload.h).
 * Segmentation parses the frame once, checking every length against the
 * frame before reading what it covers, copies the headers into a local
 * buffer, and then for each segment patches that copy and hands it out
 * with a slice of the original payload: no payload byte is copied, and
 * each is read once, by the checksum of its own segment.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "drivers/offload.h"
#include "net/cksum.h"

#define OFFLOAD_ETH_LEN	  14
#define OFFLOAD_ETH_IPV4  0x0800
#define OFFLOAD_ETH_IPV6  0x86dd
#define OFFLOAD_IPV4_MIN  20
#define OFFLOAD_IPV6_LEN  40
#define OFFLOAD_TCP_MIN	  20
#define OFFLOAD_PROTO_TCP 6

/* IPv4 flags and fragment offset (RFC 791 §3.1): MF and the offset. */
#define OFFLOAD_IPV4_FRAG 0x3fff

/* TCP flags, byte 13 of the header (RFC 9293 §3.1, RFC 3168 §6.1). */
#define OFFLOAD_TCP_FIN 0x01
#define OFFLOAD_TCP_PSH 0x08
#define OFFLOAD_TCP_CWR 0x80

static uint16_t offload_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t offload_get32(const uint8_t *p)
{
	return (uint32_t)offload_get16(p) << 16 | offload_get16(p + 2);
}

static void offload_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void offload_put32(uint8_t *p, uint32_t v)
{
	offload_put16(p, (uint16_t)(v >> 16));
	offload_put16(p + 2, (uint16_t)v);
}

int offload_csum_value(const uint8_t *frame, size_t len, const struct netdev_offload *ofl)
{
	size_t start = ofl->csum_start, at = start + ofl->csum_offset;
	uint16_t v;

	if (at + 2 > len) /* then csum_start < len too */
		return -EINVAL;
	/* §5.1.6.2: the field already holds the pseudo-header's sum, so
	 * summing it along with the rest gives the whole checksum. A 0 is
	 * sent as 0xffff, as RFC 768 has UDP do; TCP takes either. */
	v = cksum_fold(cksum_add(0, frame + start, len - start));
	return v == 0 ? 0xffff : v;
}

int offload_csum(uint8_t *frame, size_t len, const struct netdev_offload *ofl)
{
	int v = offload_csum_value(frame, len, ofl);

	if (v < 0)
		return v;
	offload_put16(frame + ofl->csum_start + ofl->csum_offset, (uint16_t)v);
	return 0;
}

/* Checks the IPv4 header at (ip), (avail) bytes to the frame's end, and
 * returns the IP packet's length, or 0 if it cannot be cut. */
static size_t offload_parse_ipv4(const uint8_t *ip, size_t avail, struct offload_gso *g)
{
	size_t tot;

	if (avail < OFFLOAD_IPV4_MIN || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
		return 0;
	g->iphl = (size_t)(ip[0] & 15) * 4;
	tot = offload_get16(ip + 2);
	/* A fragment's TCP header may be elsewhere, and cutting one would
	 * give fragments of one datagram different IDs (RFC 791 §3.2). DF
	 * may be set: TSO senders set it for path MTU discovery. */
	if (tot < g->iphl + OFFLOAD_TCP_MIN || tot > avail ||
	    (offload_get16(ip + 6) & OFFLOAD_IPV4_FRAG) != 0 || ip[9] != OFFLOAD_PROTO_TCP)
		return 0;
	g->psum =
		cksum_pseudo(offload_get32(ip + 12), offload_get32(ip + 16), OFFLOAD_PROTO_TCP, 0);
	return tot;
}

/* As offload_parse_ipv4(), for IPv6 without extension headers. */
static size_t offload_parse_ipv6(const uint8_t *ip, size_t avail, struct offload_gso *g)
{
	size_t plen;

	if (avail < OFFLOAD_IPV6_LEN || ip[0] >> 4 != 6 || ip[6] != OFFLOAD_PROTO_TCP)
		return 0;
	plen = offload_get16(ip + 4);
	if (plen < OFFLOAD_TCP_MIN || plen + OFFLOAD_IPV6_LEN > avail)
		return 0;
	g->iphl = OFFLOAD_IPV6_LEN;
	/* RFC 8200 §8.1: source, destination, a 32-bit length whose high
	 * word is 0 for any length we make, three zero bytes, next header. */
	g->psum = cksum_add(0, ip + 8, 32) + OFFLOAD_PROTO_TCP;
	return plen + OFFLOAD_IPV6_LEN;
}

int offload_gso_parse(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
		      struct offload_gso *g)
{
	int type = ofl->gso_type & ~OFFLOAD_GSO_ECN;
	const uint8_t *tcp;
	size_t iplen;

	if (len < OFFLOAD_ETH_LEN || ofl->gso_size == 0)
		return -EINVAL;
	/* Ethernet II only: a VLAN tag (0x8100) would move the IP header. */
	switch (offload_get16(frame + 12)) {
	case OFFLOAD_ETH_IPV4:
		g->v6 = false;
		if (type != OFFLOAD_GSO_TCPV4)
			return -EINVAL;
		iplen = offload_parse_ipv4(frame + OFFLOAD_ETH_LEN, len - OFFLOAD_ETH_LEN, g);
		break;
	case OFFLOAD_ETH_IPV6:
		g->v6 = true;
		if (type != OFFLOAD_GSO_TCPV6)
			return -EINVAL;
		iplen = offload_parse_ipv6(frame + OFFLOAD_ETH_LEN, len - OFFLOAD_ETH_LEN, g);
		break;
	default:
		return -EINVAL;
	}
	if (iplen == 0)
		return -EINVAL;
	/* Both parsers made sure the first 20 TCP bytes lie in the packet. */
	tcp = frame + OFFLOAD_ETH_LEN + g->iphl;
	g->thl = (size_t)(tcp[12] >> 4) * 4;
	if (g->thl < OFFLOAD_TCP_MIN || g->iphl + g->thl > iplen)
		return -EINVAL;
	g->hlen = OFFLOAD_ETH_LEN + g->iphl + g->thl;
	g->plen = iplen - g->iphl - g->thl;
	return 0;
}

int offload_check(const uint8_t *frame, size_t len, const struct netdev_offload *ofl)
{
	struct offload_gso g;

	if ((ofl->flags & OFFLOAD_F_NEEDS_CSUM) &&
	    (size_t)ofl->csum_start + ofl->csum_offset + 2 > len)
		return -EINVAL;
	if (ofl->gso_type == OFFLOAD_GSO_NONE)
		return 0;
	if (!(ofl->flags & OFFLOAD_F_NEEDS_CSUM) || offload_gso_parse(frame, len, ofl, &g) != 0 ||
	    ofl->csum_start != OFFLOAD_ETH_LEN + g.iphl || ofl->csum_offset != 16 ||
	    (g.plen + ofl->gso_size - 1) / ofl->gso_size > OFFLOAD_SEGS_MAX)
		return -EINVAL;
	return 0;
}

/* offload_segment(), and with (partial) offload_segment_partial(). */
static int offload_cut(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
		       offload_emit_fn emit, void *ctx, struct netdev_offload *partial)
{
	uint8_t hdr[OFFLOAD_HDR_MAX], *ip = hdr + OFFLOAD_ETH_LEN, *tcp, flags;
	struct netdev_seg seg[2];
	struct offload_gso g;
	size_t mss = ofl->gso_size, off = 0, n, tlen;
	uint32_t seq, sum;
	uint16_t id = 0;
	int i, nseg;

	if (offload_gso_parse(frame, len, ofl, &g) != 0)
		return -EINVAL;
	nseg = g.plen == 0 ? 1 : (int)((g.plen + mss - 1) / mss);
	if (nseg > OFFLOAD_SEGS_MAX)
		return -EINVAL;

	memcpy(hdr, frame, g.hlen);
	tcp = ip + g.iphl;
	if (partial != NULL) {
		memset(partial, 0, sizeof(*partial));
		partial->flags = OFFLOAD_F_NEEDS_CSUM;
		partial->csum_start = (uint16_t)(g.hlen - g.thl);
		partial->csum_offset = 16;
	}
	seq = offload_get32(tcp + 4);
	flags = tcp[13];
	if (!g.v6)
		id = offload_get16(ip + 4);
	seg[0].data = hdr;
	seg[0].len = g.hlen;
	for (i = 0; i < nseg; i++, off += n) {
		n = g.plen - off < mss ? g.plen - off : mss;
		tlen = g.thl + n;
		if (g.v6) {
			offload_put16(ip + 4, (uint16_t)tlen);
		} else {
			offload_put16(ip + 2, (uint16_t)(g.iphl + tlen));
			offload_put16(ip + 4, (uint16_t)(id + i));
			offload_put16(ip + 10, 0);
			offload_put16(ip + 10, cksum(ip, g.iphl));
		}
		/* What Linux's tcp_gso_segment() does: FIN and PSH belong to
		 * the end of the data, CWR to the first segment sent after
		 * the window was reduced (RFC 3168 §6.1.2). */
		tcp[13] = flags;
		if (i > 0)
			tcp[13] &= (uint8_t)~OFFLOAD_TCP_CWR;
		if (i < nseg - 1)
			tcp[13] &= (uint8_t) ~(OFFLOAD_TCP_FIN | OFFLOAD_TCP_PSH);
		offload_put32(tcp + 4, seq + (uint32_t)off);
		offload_put16(tcp + 16, 0);
		if (partial != NULL) {
			/* virtio 1.2 §5.1.6.2: the field holds the pseudo-header's
			 * sum, folded, not complemented; the device does the rest. */
			offload_put16(tcp + 16, (uint16_t)~cksum_fold(g.psum + (uint32_t)tlen));
		} else {
			/* The header's length is a multiple of 4, so the payload's
			 * words line up after it; only the payload may end odd. */
			sum = cksum_add(g.psum + (uint32_t)tlen, tcp, g.thl);
			sum = cksum_add(sum, frame + g.hlen + off, n);
			offload_put16(tcp + 16, cksum_fold(sum));
		}
		seg[1].data = frame + g.hlen + off;
		seg[1].len = n;
		if (emit(ctx, seg, n > 0 ? 2 : 1) != 0)
			return i;
	}
	return nseg;
}

int offload_segment(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
		    offload_emit_fn emit, void *ctx)
{
	return offload_cut(frame, len, ofl, emit, ctx, NULL);
}

int offload_segment_partial(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
			    offload_emit_fn emit, void *ctx, struct netdev_offload *partial)
{
	return offload_cut(frame, len, ofl, emit, ctx, partial);
}
