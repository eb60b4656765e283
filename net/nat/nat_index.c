/*
 * The hash tables of the NAT: two indexes over the mapping records
 * (inside key to mapping, outside port to mapping) and the session table
 * itself, whose records sit in their slots, keyed by (mapping, remote
 * address, remote port), so that a session costs one memory access less
 * to find. All three use linear probing from a keyed hash, kept at most
 * half full; every entry sits within (probe) slots of its home with none
 * empty in between, so a lookup stops at the first empty slot or after
 * (probe) slots. Deletion shifts the rest of the run back instead of
 * leaving a tombstone, as net/switch/fdb.c does, so nothing degrades with churn;
 * sessions therefore move, and nothing keeps a pointer to one across
 * calls. An index slot holds a record number plus one in its low
 * NAT_IX_ID_BITS bits and 11 more bits of the hash above, so that a
 * lookup reads only the record that matches. The hash keys come from the
 * caller's seed: a remote that cannot read them cannot choose collisions.
 */
#include <errno.h>
#include <string.h>

#include "net/nat/nat_impl.h"

#define NAT_IX_ID_MASK ((1u << NAT_IX_ID_BITS) - 1)

_Static_assert(NAT_CAPACITY_MAX < NAT_IX_ID_MASK, "record numbers fit index slots");

static uint64_t nat_hash(const struct nat *n, struct nat_key k)
{
	uint64_t x = (k.a ^ n->key[0]) * n->key[1];

	x ^= x >> 32;
	return (x ^ k.b ^ n->key[2]) * n->key[3];
}

/* The home slot: the top bits of the hash. */
static uint32_t nat_home(const struct nat *n, uint64_t h)
{
	return (uint32_t)(h >> n->shift);
}

/* The tag: 11 bits of the hash below those any home slot uses. */
static uint32_t nat_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) << NAT_IX_ID_BITS;
}

/* The key under which mapping (id) sits in index (ix). */
static struct nat_key nat_map_key(const struct nat *n, int ix, uint32_t id)
{
	const struct nat_map *m = &n->map[id];

	return ix == NAT_IX_IN ? nat_key_in(m->pi, m->in_ip, m->in_port)
			       : nat_key_out(m->pi, m->out_port);
}

static struct nat_key nat_sess_key(const struct nat_sess *s)
{
	return nat_key_sess(s->map, s->rem_ip, s->rem_port);
}

static bool nat_key_eq(struct nat_key x, struct nat_key y)
{
	return x.a == y.a && x.b == y.b;
}

static uint32_t *nat_ix(const struct nat *n, int ix)
{
	return ix == NAT_IX_IN ? n->ix_in : n->ix_out;
}

uint32_t nat_ix_find(const struct nat *n, int ix, struct nat_key k)
{
	const uint32_t *t = nat_ix(n, ix);
	uint64_t h = nat_hash(n, k);
	uint32_t i = nat_home(n, h), tag = nat_tag(h), d;

	for (d = 0; d < n->probe; d++, i = (i + 1) & n->mask) {
		if (t[i] == 0)
			return NAT_NONE;
		if ((t[i] & ~NAT_IX_ID_MASK) == tag &&
		    nat_key_eq(nat_map_key(n, ix, nat_ix_id(t[i])), k))
			return i;
	}
	return NAT_NONE;
}

/* Counts a distance (d) from home just stored. */
static void nat_probe_seen(struct nat *n, uint32_t d)
{
	if (d > n->stats.probe_max)
		n->stats.probe_max = d;
}

int nat_ix_add(struct nat *n, int ix, struct nat_key k, uint32_t id)
{
	uint32_t *t = nat_ix(n, ix);
	uint64_t h = nat_hash(n, k);
	uint32_t i = nat_home(n, h), d;

	for (d = 0; d < n->probe; d++, i = (i + 1) & n->mask) {
		if (t[i] != 0)
			continue;
		t[i] = nat_tag(h) | (id + 1);
		nat_probe_seen(n, d);
		return 0;
	}
	return -ENOSPC;
}

/* The home slot of whatever sits in slot (k) of index (ix), or of the
 * session table if (ix) is NAT_IX_SESS. */
static uint32_t nat_home_of(const struct nat *n, int ix, uint32_t k)
{
	if (ix == NAT_IX_SESS)
		return nat_home(n, nat_hash(n, nat_sess_key(&n->sess[k])));
	return nat_home(n, nat_hash(n, nat_map_key(n, ix, nat_ix_id(nat_ix(n, ix)[k]))));
}

static bool nat_slot_used(const struct nat *n, int ix, uint32_t k)
{
	return ix == NAT_IX_SESS ? (n->sess[k].flags & NAT_S_USED) != 0 : nat_ix(n, ix)[k] != 0;
}

/*
 * Empties slot (hole) of index (ix) (or of the session table) and moves
 * back every later entry of its run that may sit there: one (dist) slots
 * on may move if it is at least (dist) from its own home. Returns the
 * slots examined.
 */
static uint32_t nat_shift_back(struct nat *n, int ix, uint32_t hole)
{
	uint32_t work = 0, dist, k;

	for (;;) {
		for (dist = 1;; dist++) {
			work++;
			k = (hole + dist) & n->mask;
			if (dist >= n->probe || !nat_slot_used(n, ix, k)) {
				if (ix == NAT_IX_SESS)
					memset(&n->sess[hole], 0, sizeof(n->sess[hole]));
				else
					nat_ix(n, ix)[hole] = 0;
				return work;
			}
			if (((k - nat_home_of(n, ix, k)) & n->mask) >= dist)
				break;
		}
		if (ix == NAT_IX_SESS)
			n->sess[hole] = n->sess[k];
		else
			nat_ix(n, ix)[hole] = nat_ix(n, ix)[k];
		hole = k;
	}
}

uint32_t nat_ix_remove(struct nat *n, int ix, uint32_t id)
{
	uint32_t slot = nat_ix_find(n, ix, nat_map_key(n, ix, id));

	return slot == NAT_NONE ? 1 : nat_shift_back(n, ix, slot);
}

struct nat_sess *nat_st_find(const struct nat *n, struct nat_key k)
{
	uint32_t i = nat_home(n, nat_hash(n, k)), d;

	for (d = 0; d < n->probe; d++, i = (i + 1) & n->mask) {
		struct nat_sess *s = &n->sess[i];

		if (!(s->flags & NAT_S_USED))
			return NULL;
		if (nat_key_eq(nat_sess_key(s), k))
			return s;
	}
	return NULL;
}

struct nat_sess *nat_st_slot(struct nat *n, struct nat_key k)
{
	uint32_t i = nat_home(n, nat_hash(n, k)), d;

	for (d = 0; d < n->probe; d++, i = (i + 1) & n->mask) {
		if (n->sess[i].flags & NAT_S_USED)
			continue;
		nat_probe_seen(n, d);
		return &n->sess[i];
	}
	return NULL;
}

uint32_t nat_st_home(const struct nat *n, struct nat_key k)
{
	return nat_home(n, nat_hash(n, k));
}

uint32_t nat_st_remove(struct nat *n, uint32_t slot)
{
	return nat_shift_back(n, NAT_IX_SESS, slot);
}

/* Checks one index, or the session table: every entry reachable from its
 * home with nothing empty between, no key twice, (want) entries. */
static int nat_check_table(const struct nat *n, int ix, uint32_t want)
{
	uint32_t i, j, home, count = 0;

	for (i = 0; i <= n->mask; i++) {
		if (!nat_slot_used(n, ix, i))
			continue;
		count++;
		if (ix == NAT_IX_SESS) {
			const struct nat_sess *s = &n->sess[i];

			if (s->map >= n->capacity || !(n->map[s->map].flags & NAT_M_USED) ||
			    nat_st_find(n, nat_sess_key(s)) != s)
				return -EFAULT;
		} else {
			uint32_t id = nat_ix_id(nat_ix(n, ix)[i]);

			if (id >= n->capacity || !(n->map[id].flags & NAT_M_USED) ||
			    nat_ix_find(n, ix, nat_map_key(n, ix, id)) != i)
				return -EFAULT;
		}
		home = nat_home_of(n, ix, i);
		if (((i - home) & n->mask) >= n->probe)
			return -EFAULT;
		for (j = home; j != i; j = (j + 1) & n->mask)
			if (!nat_slot_used(n, ix, j))
				return -EFAULT;
	}
	return count == want ? 0 : -EFAULT;
}

/* Is (m)'s outside port marked in use? */
static bool nat_check_bit(const struct nat *n, const struct nat_map *m)
{
	uint64_t w = n->ports[(size_t)m->pi * NAT_PORT_WORDS + m->out_port / 64];

	return (w >> (m->out_port % 64)) & 1;
}

/* Every host bucket counts exactly the sessions of its hosts' mappings. */
static int nat_check_hosts(const struct nat *n)
{
	static uint32_t want[NAT_HOST_BUCKETS]; /* 4 KiB: not on the stack */

	memset(want, 0, sizeof(want));
	for (uint32_t i = 0; i < n->capacity; i++)
		if (n->map[i].flags & NAT_M_USED)
			want[nat_host_bucket(n, n->map[i].in_ip)] += n->map[i].nsess;
	return memcmp(want, n->host_sess, sizeof(want)) == 0 ? 0 : -EFAULT;
}

int nat_check(const struct nat *n)
{
	uint32_t i, maps = 0, fwd = 0, bits = 0, w, nfree = 0, f;
	uint64_t sum = 0;

	for (i = 0; i < n->capacity; i++) {
		const struct nat_map *m = &n->map[i];

		if (!(m->flags & NAT_M_USED))
			continue;
		maps++;
		fwd += (m->flags & NAT_M_FORWARD) != 0;
		sum += m->nsess;
		if (m->pi >= NAT_P_N || !nat_check_bit(n, m) ||
		    (m->nsess == 0 && !(m->flags & NAT_M_FORWARD)))
			return -EFAULT;
	}
	for (f = n->map_free; f != NAT_NONE && nfree <= n->capacity; f = n->map[f].nsess) {
		if (f >= n->capacity || (n->map[f].flags & NAT_M_USED))
			return -EFAULT;
		nfree++;
	}
	for (w = 0; w < NAT_P_N * NAT_PORT_WORDS; w++)
		bits += (uint32_t)__builtin_popcountll(n->ports[w]);
	if (maps != n->nmaps || fwd != n->nforwards || sum != n->nsess || bits != maps ||
	    nfree != n->capacity - maps)
		return -EFAULT;
	if (nat_check_table(n, NAT_IX_IN, maps) || nat_check_table(n, NAT_IX_OUT, maps) ||
	    nat_check_table(n, NAT_IX_SESS, n->nsess))
		return -EFAULT;
	return nat_check_hosts(n);
}
