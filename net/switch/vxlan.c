/*
 * The VXLAN codec (net/switch/vxlan.h). Offsets are from the start of the
 * outer Ethernet frame; the IPv4 header (RFC 791 §3.1) starts at 14, the
 * UDP header (RFC 768) after IHL words of it, the VXLAN header (RFC 7348
 * §5: flags byte, 24 reserved bits, 24-bit VNI, 8 reserved bits) after
 * that. All fields are big-endian. The source-port hash feeds the flow's
 * words one at a time through SplitMix64's finaliser, keyed by the seed:
 * good spread for ECMP, not a cryptographic MAC.
 */
#include <errno.h>
#include <string.h>

#include "net/cksum.h"
#include "net/splitmix.h"
#include "net/switch/vxlan.h"

#define VXLAN_ETH_LEN	  14
#define VXLAN_ETHERTYPE	  0x0800 /* IPv4 */
#define VXLAN_IP_MIN	  20	 /* IPv4 header without options */
#define VXLAN_IP_AT_FRAG  (VXLAN_ETH_LEN + 6)
#define VXLAN_IP_AT_PROTO (VXLAN_ETH_LEN + 9)
#define VXLAN_IP_AT_SRC	  (VXLAN_ETH_LEN + 12)
#define VXLAN_IP_AT_DST	  (VXLAN_ETH_LEN + 16)
#define VXLAN_IP_MF	  0x2000 /* more fragments */
#define VXLAN_IP_OFFSET	  0x1fff /* fragment offset, in 8-byte units */
#define VXLAN_PROTO_TCP	  6
#define VXLAN_PROTO_UDP	  17
#define VXLAN_UDP_LEN	  8

_Static_assert(VXLAN_OUTER_LEN == VXLAN_ETH_LEN + VXLAN_IP_MIN + VXLAN_UDP_LEN + VXLAN_HDR_LEN,
	       "outer header layout");

static uint16_t vxlan_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t vxlan_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void vxlan_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void vxlan_put32(uint8_t *p, uint32_t v)
{
	vxlan_put16(p, (uint16_t)(v >> 16));
	vxlan_put16(p + 2, (uint16_t)v);
}

int vxlan_parse(const uint8_t *f, size_t len, uint32_t dst_ip, uint16_t port, struct vxlan_rx *rx)
{
	size_t ihl, tot, udp, ulen;
	const uint8_t *v;

	/* 1: the fixed-offset fields say whether this is UDP to our address. */
	if (len < VXLAN_ETH_LEN + VXLAN_IP_MIN || vxlan_get16(f + 12) != VXLAN_ETHERTYPE ||
	    f[VXLAN_IP_AT_PROTO] != VXLAN_PROTO_UDP || vxlan_get32(f + VXLAN_IP_AT_DST) != dst_ip)
		return 1;
	/* 2: a later fragment has no UDP header to tell the port by. */
	if (vxlan_get16(f + VXLAN_IP_AT_FRAG) & VXLAN_IP_OFFSET)
		return 1;
	/* 3: what locates the UDP header, and keeps it inside the packet. */
	ihl = (size_t)(f[VXLAN_ETH_LEN] & 0x0f) * 4;
	tot = vxlan_get16(f + VXLAN_ETH_LEN + 2);
	if (f[VXLAN_ETH_LEN] >> 4 != 4 || ihl < VXLAN_IP_MIN || tot < ihl + VXLAN_UDP_LEN ||
	    tot > len - VXLAN_ETH_LEN)
		return -VXLAN_DROP_MALFORMED;
	udp = VXLAN_ETH_LEN + ihl;
	/* 4: ours only if to our port. */
	if (vxlan_get16(f + udp + 2) != port)
		return 1;
	/* 5..9: ours; everything else about it must hold. */
	if (cksum(f + VXLAN_ETH_LEN, ihl) != 0)
		return -VXLAN_DROP_MALFORMED;
	if (vxlan_get16(f + VXLAN_IP_AT_FRAG) & VXLAN_IP_MF)
		return -VXLAN_DROP_FRAGMENT;
	ulen = vxlan_get16(f + udp + 4);
	if (ulen < VXLAN_UDP_LEN + VXLAN_HDR_LEN || ulen > tot - ihl)
		return -VXLAN_DROP_MALFORMED;
	v = f + udp + VXLAN_UDP_LEN;
	if (!(v[0] & VXLAN_FLAG_I))
		return -VXLAN_DROP_FLAGS;
	if (ulen - VXLAN_UDP_LEN - VXLAN_HDR_LEN < VXLAN_ETH_LEN)
		return -VXLAN_DROP_RUNT;
	rx->src = vxlan_get32(f + VXLAN_IP_AT_SRC);
	rx->dst = dst_ip;
	rx->sport = vxlan_get16(f + udp);
	rx->vni = vxlan_get32(v + 4) >> 8;
	rx->inner = udp + VXLAN_UDP_LEN + VXLAN_HDR_LEN;
	rx->inner_len = ulen - VXLAN_UDP_LEN - VXLAN_HDR_LEN;
	return 0;
}

int vxlan_build(uint8_t hdr[VXLAN_OUTER_LEN], const struct vxlan_tx *t, size_t inner_len)
{
	uint8_t *ip = hdr + VXLAN_ETH_LEN, *udp = ip + VXLAN_IP_MIN, *v = udp + VXLAN_UDP_LEN;

	if (inner_len > VXLAN_INNER_MAX || t->vni > VXLAN_VNI_MAX)
		return -EINVAL;
	memset(hdr, 0, VXLAN_OUTER_LEN);
	vxlan_put16(hdr + 12, VXLAN_ETHERTYPE);
	ip[0] = 0x45; /* version 4, IHL 5 */
	ip[1] = t->tos;
	vxlan_put16(ip + 2, (uint16_t)(VXLAN_OUTER_LEN - VXLAN_ETH_LEN + inner_len));
	vxlan_put16(ip + 4, t->ip_id);
	ip[8] = VXLAN_TTL; /* flags and fragment offset stay 0: DF clear */
	ip[9] = VXLAN_PROTO_UDP;
	vxlan_put32(ip + 12, t->src);
	vxlan_put32(ip + 16, t->dst);
	vxlan_put16(ip + 10, cksum(ip, VXLAN_IP_MIN));
	vxlan_put16(udp, t->sport);
	vxlan_put16(udp + 2, t->dport);
	vxlan_put16(udp + 4, (uint16_t)(VXLAN_UDP_LEN + VXLAN_HDR_LEN + inner_len));
	/* UDP checksum 0: none (RFC 7348 §5). */
	v[0] = VXLAN_FLAG_I;
	vxlan_put32(v + 4, t->vni << 8);
	return 0;
}

/* The (n) <= 8 bytes at (off) of the (len)-byte (f), big-endian; those past (len) read as 0. */
static uint64_t vxlan_load(const uint8_t *f, size_t len, size_t off, size_t n)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		w = w << 8 | (off + i < len ? f[off + i] : 0);
	return w;
}

/* One step of the flow hash: (w) into state (h). */
static uint64_t vxlan_mix(uint64_t h, uint64_t w)
{
	h ^= w;
	return splitmix_next(&h);
}

uint16_t vxlan_src_port(const uint8_t *f, size_t len, uint64_t seed)
{
	uint64_t h = splitmix_next(&seed), ports = 0;
	size_t ihl;
	uint8_t proto;

	h = vxlan_mix(h, vxlan_load(f, len, 0, 8));
	h = vxlan_mix(h, vxlan_load(f, len, 8, 4));
	if (len > VXLAN_ETH_LEN && vxlan_get16(f + 12) == VXLAN_ETHERTYPE &&
	    f[VXLAN_ETH_LEN] >> 4 == 4) {
		proto = (uint8_t)vxlan_load(f, len, VXLAN_IP_AT_PROTO, 1);
		ihl = (size_t)(f[VXLAN_ETH_LEN] & 0x0f) * 4;
		if ((proto == VXLAN_PROTO_TCP || proto == VXLAN_PROTO_UDP) && ihl >= VXLAN_IP_MIN &&
		    !(vxlan_load(f, len, VXLAN_IP_AT_FRAG, 2) & (VXLAN_IP_MF | VXLAN_IP_OFFSET)))
			ports = vxlan_load(f, len, VXLAN_ETH_LEN + ihl, 4);
		h = vxlan_mix(h, vxlan_load(f, len, VXLAN_IP_AT_SRC, 8));
		h = vxlan_mix(h, (uint64_t)proto << 32 | ports);
	}
	return (uint16_t)(VXLAN_SPORT_MIN + (h >> 50));
}
