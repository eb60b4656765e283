/*
 * Fragmented datagrams whose later fragments need the translation their
 * first fragment got: only the first carries the ports (RFC 791 §3.2), so
 * later ones are matched to it by (source, destination, protocol,
 * identification), the key a receiver reassembles by, and take the
 * addresses recorded for it. A small keyed hash of NAT_FRAG_SLOTS records:
 * a datagram may sit in any of NAT_FRAG_PROBE slots from its home; a
 * record lives NAT_FRAG_TIMEOUT_MS from the first fragment and its slot is
 * free again after that. Nothing live is evicted: when every slot a new
 * datagram may use is live, it is refused.
 */
#include <errno.h>
#include <string.h>

#include "net/nat/nat_impl.h"

#define NAT_FRAG_BITS 8 /* log2(NAT_FRAG_SLOTS) */

_Static_assert(NAT_FRAG_SLOTS == 1 << NAT_FRAG_BITS, "fragment table size");

static uint32_t nat_frag_home(const struct nat *n, const struct nat_pkt *p)
{
	uint64_t x = ((uint64_t)p->src << 32 | p->dst) ^ n->key[2];

	x *= n->key[1];
	x ^= x >> 29;
	x ^= (uint64_t)p->id << 8 | p->proto;
	x *= n->key[3];
	return (uint32_t)(x >> (64 - NAT_FRAG_BITS));
}

static bool nat_frag_live(const struct nat_frag *f, uint32_t now_ms)
{
	return f->used && now_ms - f->born < NAT_FRAG_TIMEOUT_MS;
}

static bool nat_frag_match(const struct nat_frag *f, const struct nat_pkt *p)
{
	return f->src == p->src && f->dst == p->dst && f->id == p->id && f->proto == p->proto;
}

void nat_frag_clear(struct nat *n)
{
	memset(n->frag, 0, NAT_FRAG_SLOTS * sizeof(*n->frag));
}

int nat_frag_add(struct nat *n, const struct nat_pkt *p, uint32_t new_src, uint32_t new_dst,
		 uint32_t now_ms)
{
	uint32_t home = nat_frag_home(n, p), d;
	struct nat_frag *spare = NULL;

	for (d = 0; d < NAT_FRAG_PROBE; d++) {
		struct nat_frag *f = &n->frag[(home + d) % NAT_FRAG_SLOTS];

		if (!nat_frag_live(f, now_ms)) {
			if (spare == NULL)
				spare = f;
		} else if (nat_frag_match(f, p)) {
			spare = f; /* the first fragment again: take it as new */
			break;
		}
	}
	if (spare == NULL)
		return -ENOSPC;
	spare->src = p->src;
	spare->dst = p->dst;
	spare->id = p->id;
	spare->proto = p->proto;
	spare->new_src = new_src;
	spare->new_dst = new_dst;
	spare->born = now_ms;
	spare->used = 1;
	n->stats.frag_tracked++;
	return 0;
}

const struct nat_frag *nat_frag_find(const struct nat *n, const struct nat_pkt *p, uint32_t now_ms)
{
	uint32_t home = nat_frag_home(n, p), d;

	for (d = 0; d < NAT_FRAG_PROBE; d++) {
		const struct nat_frag *f = &n->frag[(home + d) % NAT_FRAG_SLOTS];

		if (nat_frag_live(f, now_ms) && nat_frag_match(f, p))
			return f;
	}
	return NULL;
}
