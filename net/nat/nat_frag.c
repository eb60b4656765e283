/*
 * Fragmented datagrams whose later fragments need the translation their
 * first fragment got: only the first carries the ports (RFC 791 §3.2), so
 * later ones are matched to it by (source, destination, protocol,
 * identification), the key a receiver reassembles by, and take the
 * addresses recorded for it. A small keyed hash of NAT_FRAG_SLOTS records:
 * a datagram may sit in any of NAT_FRAG_PROBE slots from its home; a
 * record lives NAT_FRAG_TIMEOUT_MS from the first fragment and its slot is
 * free again after that, or once the last fragment (MF clear) has passed:
 * the record then stays for fragments that arrive late, until a new
 * datagram needs the slot. An open record is never taken: when every slot
 * a new datagram may use holds one, it is refused.
 *
 * One mapping may hold at most cfg.frag_per_map open records, so that one
 * flow (one outside host, through a forward) cannot take them all. Records
 * expire by time, lazily, so the count is made when it is needed, by
 * looking at every slot: only a new datagram's first fragment needs it,
 * rare enough for NAT_FRAG_SLOTS comparisons, and a count kept up to date
 * instead would have to be corrected on every expiry it never sees.
 * A record counts against the mapping record number it was made for; if
 * that mapping ends and its record is reused within NAT_FRAG_TIMEOUT_MS,
 * the newcomer inherits the count, erring on the side of the others.
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

/* Is (f) a record later fragments may still find? */
static bool nat_frag_live(const struct nat_frag *f, uint32_t now_ms)
{
	return f->state != 0 && now_ms - f->born < NAT_FRAG_TIMEOUT_MS;
}

/* Is (f) a live record whose datagram has not ended: one not to take? */
static bool nat_frag_open(const struct nat_frag *f, uint32_t now_ms)
{
	return f->state == NAT_FRAG_OPEN && nat_frag_live(f, now_ms);
}

static bool nat_frag_match(const struct nat_frag *f, const struct nat_pkt *p)
{
	return f->src == p->src && f->dst == p->dst && f->id == p->id && f->proto == p->proto;
}

void nat_frag_clear(struct nat *n)
{
	memset(n->frag, 0, NAT_FRAG_SLOTS * sizeof(*n->frag));
}

/* Returns the live record of (p)'s datagram, or NULL. */
static struct nat_frag *nat_frag_find(struct nat *n, const struct nat_pkt *p, uint32_t now_ms)
{
	uint32_t home = nat_frag_home(n, p), d;

	for (d = 0; d < NAT_FRAG_PROBE; d++) {
		struct nat_frag *f = &n->frag[(home + d) % NAT_FRAG_SLOTS];

		if (nat_frag_live(f, now_ms) && nat_frag_match(f, p))
			return f;
	}
	return NULL;
}

/* Returns a slot a new datagram (p) may take: free, expired or done. */
static struct nat_frag *nat_frag_spare(struct nat *n, const struct nat_pkt *p, uint32_t now_ms)
{
	uint32_t home = nat_frag_home(n, p), d;

	for (d = 0; d < NAT_FRAG_PROBE; d++) {
		struct nat_frag *f = &n->frag[(home + d) % NAT_FRAG_SLOTS];

		if (!nat_frag_open(f, now_ms))
			return f;
	}
	return NULL;
}

/* Returns the open records mapping record (map) holds: a look at every slot. */
static uint32_t nat_frag_count(const struct nat *n, uint32_t map, uint32_t now_ms)
{
	uint32_t i, count = 0;

	for (i = 0; i < NAT_FRAG_SLOTS; i++)
		count += n->frag[i].map == map && nat_frag_open(&n->frag[i], now_ms);
	return count;
}

int nat_frag_add(struct nat *n, const struct nat_pkt *p, uint32_t map, uint32_t new_src,
		 uint32_t new_dst, uint32_t now_ms)
{
	struct nat_frag *f = nat_frag_find(n, p, now_ms); /* the first fragment again: anew */
	uint32_t quota = n->cfg.frag_per_map;

	if (f == NULL || f->map != map || f->state != NAT_FRAG_OPEN) {
		if (quota != 0 && nat_frag_count(n, map, now_ms) >= quota)
			return -EDQUOT;
	}
	if (f == NULL)
		f = nat_frag_spare(n, p, now_ms);
	if (f == NULL)
		return -ENOSPC;
	f->src = p->src;
	f->dst = p->dst;
	f->id = p->id;
	f->proto = p->proto;
	f->new_src = new_src;
	f->new_dst = new_dst;
	f->born = now_ms;
	f->map = map;
	f->state = NAT_FRAG_OPEN;
	n->stats.frag_tracked++;
	return 0;
}

const struct nat_frag *nat_frag_follow(struct nat *n, const struct nat_pkt *p, uint32_t now_ms)
{
	struct nat_frag *f = nat_frag_find(n, p, now_ms);

	if (f != NULL && !p->more)
		f->state = NAT_FRAG_DONE;
	return f;
}
