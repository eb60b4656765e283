/*
 * The table of a network's guard (net/switch/guard.h), in memory its
 * caller gives: (slots) bindings, open addressing by IPv4 address with
 * linear probing, as net/switch/fdb.c does it, then (slots) entries of an
 * index by MAC. At most (capacity) bindings keep both arrays at most half
 * full; every binding sits at most GUARD_PROBE_MAX - 1 slots after its
 * home with no free slot in between; removal shifts later bindings of the
 * run back into the hole, so there are no tombstones. The home slot comes
 * from a keyed mix of the address (xor, odd multiply, xorshift, keyed odd
 * multiply; the top bits taken) whose keys are drawn from the caller's
 * seed.
 *
 * The index by MAC holds each binding's slot number, plus one, at or after
 * the home of its MAC (the same mix, its own key), probed linearly and
 * shifted back on removal as the slots are; a binding that moves takes its
 * entry along. A MAC's bindings (one DHCP or learned, and reservations)
 * sit in one run, so that "this MAC's older lease" and "this MAC on
 * another port" cost a probe, not a pass over the table. Its probes are
 * not bounded: half empty, and keyed, its runs stay short.
 *
 * Time: a DHCP or learned binding holds until (expires), compared by
 * subtraction so that the millisecond clock may wrap. An expired binding
 * is free at once to every check, and keeps its slot until guard_expire()
 * (net/switch/guard.c) removes it, or its address or MAC is bound again.
 * (soonest) is a time no such binding expires before: a new binding may
 * lower it, a refresh only moves an expiry later, and guard_expire()
 * makes it exact; so guard_expire() passes over the table only once
 * something may have expired, which keeps a full table's claims (each of
 * which sweeps) cheap. Expiries are ordered by subtraction too, so all of
 * them, and (soonest), must lie within 2^31 ms of each other: each lies
 * less than 2^31 ms ahead when bound, and the time between two calls of
 * guard_expire() plus the furthest ahead any is given stays below that.
 *
 * Here too: making a guard over its memory, moving one into another, and
 * guard_check(), which checks these invariants. Who may bind what is
 * decided in net/switch/guard.c.
 */
#include <errno.h>
#include <string.h>

#include "net/splitmix.h"
#include "net/switch/guard_table.h"

_Static_assert(sizeof(struct guard_binding) % sizeof(uint32_t) == 0,
	       "guard: the index by MAC follows the slots, aligned");

/* The table of a guard of capacity 0: two free slots, never written,
 * since every binding is refused before it would be. */
static struct guard_binding guard_none[2];
static uint32_t guard_none_mac[2];

static uint32_t guard_mix(const struct guard *g, uint64_t v, uint64_t key)
{
	uint64_t x = (v ^ key) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= key | 1;
	return (uint32_t)(x >> g->shift);
}

static uint32_t guard_home(const struct guard *g, uint32_t ip)
{
	return guard_mix(g, ip, g->key);
}

static uint32_t guard_mac_home(const struct guard *g, const uint8_t m[6])
{
	uint64_t v = (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint32_t)m[2] << 24 |
		     (uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5];

	return guard_mix(g, v, g->mac_key);
}

/* The slots of a table of (capacity) bindings: a power of two, at least
 * twice as many, so that it is at most half full. */
static uint32_t guard_slots_for(uint32_t capacity)
{
	uint32_t n = 2;

	while (n < 2 * capacity)
		n *= 2;
	return n;
}

size_t guard_mem_size(uint32_t capacity)
{
	if (capacity == 0 || capacity > GUARD_CAPACITY_MAX)
		return 0;
	return (size_t)guard_slots_for(capacity) *
	       (sizeof(struct guard_binding) + sizeof(uint32_t));
}

uint32_t guard_capacity_for(uint32_t dhcp_addresses, uint32_t mask)
{
	uint64_t hostmask = ~mask, hosts = hostmask <= 1 ? hostmask + 1 : hostmask - 1;
	uint64_t n = (uint64_t)dhcp_addresses + GUARD_LEARN_MARGIN;

	if (n > hosts)
		n = hosts;
	if (n > GUARD_CAPACITY_MAX)
		n = GUARD_CAPACITY_MAX;
	return n > GUARD_CAPACITY_DEFAULT ? (uint32_t)n : GUARD_CAPACITY_DEFAULT;
}

/* Points (g) at (mem) for (capacity) bindings, all free; at the shared
 * empty table if (mem) cannot be used. */
static void guard_layout(struct guard *g, void *mem, uint32_t capacity)
{
	size_t size = guard_mem_size(capacity);

	if (mem == NULL || size == 0) {
		g->capacity = 0;
		g->slots = 2;
		g->slot = guard_none;
		g->by_mac = guard_none_mac;
	} else {
		memset(mem, 0, size);
		g->capacity = capacity;
		g->slots = guard_slots_for(capacity);
		g->slot = mem;
		g->by_mac = (uint32_t *)(g->slot + g->slots);
	}
	g->shift = 64u - (uint32_t)__builtin_ctz(g->slots);
}

int guard_find(const struct guard *g, uint32_t ip, int *spare)
{
	uint32_t i = guard_home(g, ip), d;

	*spare = -1;
	for (d = 0; d < GUARD_PROBE_MAX; d++, i = (i + 1) & (g->slots - 1)) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE) {
			*spare = (int)i;
			return -1;
		}
		if (b->ip == ip)
			return (int)i;
	}
	return -1;
}

/* The place in by_mac[] of slot (i)'s entry, which is in the run from its
 * MAC's home. */
static uint32_t guard_mac_place(const struct guard *g, uint32_t i)
{
	uint32_t p = guard_mac_home(g, g->slot[i].mac);

	while (g->by_mac[p] != i + 1)
		p = (p + 1) & (g->slots - 1);
	return p;
}

/* Enters slot (i)'s binding, its MAC written, in by_mac[]. */
static void guard_mac_add(struct guard *g, uint32_t i)
{
	uint32_t p = guard_mac_home(g, g->slot[i].mac);

	while (g->by_mac[p] != 0)
		p = (p + 1) & (g->slots - 1);
	g->by_mac[p] = i + 1;
}

/*
 * Empties place (hole) of by_mac[] and moves back every later entry of
 * its run that may sit there: one whose home is not after the hole. Reads
 * the MAC of each entry's slot, so runs before any slot changes.
 */
static void guard_mac_del(struct guard *g, uint32_t hole)
{
	uint32_t mask = g->slots - 1, k, home;

	for (k = (hole + 1) & mask; g->by_mac[k] != 0; k = (k + 1) & mask) {
		home = guard_mac_home(g, g->slot[g->by_mac[k] - 1].mac);
		if (((k - home) & mask) >= ((k - hole) & mask)) {
			g->by_mac[hole] = g->by_mac[k];
			hole = k;
		}
	}
	g->by_mac[hole] = 0;
}

/*
 * Returns the slot of the next binding of (mac) in its run of by_mac[],
 * from place (*p) (first its home) on, and moves (*p) past it; -1 at the
 * end of the run.
 */
static int guard_mac_next(const struct guard *g, const uint8_t mac[6], uint32_t *p)
{
	uint32_t e;

	while ((e = g->by_mac[*p]) != 0) {
		*p = (*p + 1) & (g->slots - 1);
		if (memcmp(g->slot[e - 1].mac, mac, 6) == 0)
			return (int)(e - 1);
	}
	return -1;
}

/* (b), just bound or given a new expiry, may expire before any other. */
static void guard_timed(struct guard *g, const struct guard_binding *b)
{
	if (b->origin == GUARD_RESERVED || (g->timed && !guard_before(b->expires, g->soonest)))
		return;
	g->soonest = b->expires;
	g->timed = true;
}

void guard_put(struct guard *g, uint32_t i, const struct guard_binding *b)
{
	g->slot[i] = *b;
	g->count++;
	guard_mac_add(g, i);
	guard_timed(g, b);
}

void guard_replace(struct guard *g, uint32_t i, const struct guard_binding *nb)
{
	bool moved = memcmp(g->slot[i].mac, nb->mac, 6) != 0;

	if (moved)
		guard_mac_del(g, guard_mac_place(g, i));
	g->slot[i] = *nb;
	if (moved)
		guard_mac_add(g, i);
	guard_timed(g, nb);
}

void guard_remove_at(struct guard *g, uint32_t hole)
{
	uint32_t mask = g->slots - 1, dist, k;

	g->count--;
	guard_mac_del(g, guard_mac_place(g, hole));
	for (;;) {
		for (dist = 1;; dist++) {
			k = (hole + dist) & mask;
			if (dist >= GUARD_PROBE_MAX || g->slot[k].origin == GUARD_FREE) {
				memset(&g->slot[hole], 0, sizeof(g->slot[hole]));
				return;
			}
			if (((k - guard_home(g, g->slot[k].ip)) & mask) >= dist)
				break;
		}
		g->by_mac[guard_mac_place(g, k)] = hole + 1;
		g->slot[hole] = g->slot[k];
		hole = k;
	}
}

static bool guard_goes(const struct guard *g, const struct guard_binding *b,
		       const struct guard_what *w)
{
	switch (w->why) {
	case GUARD_WHY_ORIGIN:
		return b->origin == w->origin;
	case GUARD_WHY_EXPIRED:
		return guard_expired(b, w->now_ms);
	case GUARD_WHY_SUBNET:
		return !guard_host(g, b->ip) || b->ip == g->gateway;
	default:
		return b->origin != GUARD_RESERVED && b->port == w->port;
	}
}

/*
 * A removal only moves bindings backwards, into slots at or after the one
 * being examined, except across the end of the array into slots already
 * examined and kept; so one forward pass that examines the current slot
 * again after each removal sees every binding.
 */
void guard_remove_if(struct guard *g, const struct guard_what *w)
{
	uint32_t i = 0;

	while (i < g->slots) {
		if (g->slot[i].origin != GUARD_FREE && guard_goes(g, &g->slot[i], w)) {
			guard_remove_at(g, i);
			continue;
		}
		i++;
	}
}

void guard_remove_mac(struct guard *g, const uint8_t mac[6], uint32_t ip)
{
	uint32_t p = guard_mac_home(g, mac);
	int i;

	while ((i = guard_mac_next(g, mac, &p)) >= 0) {
		if (g->slot[i].origin != GUARD_RESERVED && g->slot[i].ip != ip) {
			guard_remove_at(g, (uint32_t)i);
			p = guard_mac_home(g, mac);
		}
	}
}

const struct guard_binding *guard_elsewhere(const struct guard *g, const uint8_t mac[6],
					    uint8_t port, uint32_t now_ms)
{
	uint32_t p = guard_mac_home(g, mac);
	int i;

	while ((i = guard_mac_next(g, mac, &p)) >= 0) {
		const struct guard_binding *b = &g->slot[i];

		if (b->port != port && b->port != GUARD_PORT_ANY && !guard_expired(b, now_ms))
			return b;
	}
	return NULL;
}

void guard_init(struct guard *g, void *mem, uint32_t capacity, enum guard_mode mode,
		uint32_t gateway, uint32_t net, uint32_t mask, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->mode = mode;
	g->gateway = gateway;
	g->net = net & mask;
	g->mask = mask;
	g->key = splitmix_next(&seed);
	g->mac_key = splitmix_next(&seed);
	guard_layout(g, mem, capacity);
}

uint32_t guard_capacity(const struct guard *g)
{
	return g->capacity;
}

int guard_copy(struct guard *dst, const struct guard *src)
{
	struct guard own = *dst;
	int spare;

	/* All of (src) but the table, which is (dst)'s, with its keys. */
	*dst = *src;
	dst->key = own.key;
	dst->mac_key = own.mac_key;
	dst->count = 0;
	guard_layout(dst, own.capacity != 0 ? own.slot : NULL, own.capacity);
	if (src->count > dst->capacity)
		return -ENOSPC;
	for (uint32_t i = 0; i < src->slots; i++) {
		if (src->slot[i].origin == GUARD_FREE)
			continue;
		if (guard_find(dst, src->slot[i].ip, &spare) >= 0 || spare < 0)
			return -ENOSPC;
		guard_put(dst, (uint32_t)spare, &src->slot[i]);
	}
	return 0;
}

/* (g) points at the memory its capacity needs, or at the shared empty
 * table for capacity 0, and holds no more than that. */
static bool guard_layout_ok(const struct guard *g)
{
	if (g->capacity == 0 ? g->slot != guard_none || g->by_mac != guard_none_mac || g->slots != 2
			     : guard_mem_size(g->capacity) == 0 || g->slot == NULL ||
				       g->slots != guard_slots_for(g->capacity) ||
				       g->by_mac != (const uint32_t *)(g->slot + g->slots))
		return false;
	return g->shift == 64u - (uint32_t)__builtin_ctz(g->slots) && g->count <= g->capacity;
}

/* The binding (b) at slot (i) is well-formed and reachable from its home;
 * a DHCP or learned one expires no sooner than (soonest). */
static bool guard_slot_ok(const struct guard *g, uint32_t i, const struct guard_binding *b)
{
	uint32_t mask = g->slots - 1, home = guard_home(g, b->ip), j;

	if (b->origin > GUARD_LEARNED || !guard_host(g, b->ip) || b->ip == g->gateway ||
	    !guard_unicast(b->mac) || (b->port == GUARD_PORT_ANY && b->origin != GUARD_RESERVED) ||
	    (b->origin == GUARD_RESERVED && b->expires != 0) ||
	    (b->origin != GUARD_RESERVED && (!g->timed || guard_before(b->expires, g->soonest))) ||
	    ((i - home) & mask) >= GUARD_PROBE_MAX)
		return false;
	for (j = home; j != i; j = (j + 1) & mask)
		if (g->slot[j].origin == GUARD_FREE || g->slot[j].ip == b->ip)
			return false;
	return true;
}

/* Every entry of by_mac[] names a binding's slot; there are (count). */
static bool guard_entries_ok(const struct guard *g)
{
	uint32_t p, e, n = 0;

	for (p = 0; p < g->slots; p++) {
		e = g->by_mac[p];
		if (e == 0)
			continue;
		if (e > g->slots || g->slot[e - 1].origin == GUARD_FREE)
			return false;
		n++;
	}
	return n == g->count;
}

/*
 * Slot (i)'s binding has one entry in the run of by_mac[] from its MAC's
 * home (so, with guard_entries_ok(), every binding has exactly one and
 * every entry is where lookups look), and, if it is a DHCP or learned
 * one, its MAC has no other such: a MAC holds one at a time.
 */
static bool guard_mac_ok(const struct guard *g, uint32_t i)
{
	const struct guard_binding *b = &g->slot[i];
	uint32_t p = guard_mac_home(g, b->mac), mine = 0, rivals = 0;
	int k;

	while ((k = guard_mac_next(g, b->mac, &p)) >= 0) {
		if ((uint32_t)k == i)
			mine++;
		else if (b->origin != GUARD_RESERVED && g->slot[k].origin != GUARD_RESERVED)
			rivals++;
	}
	return mine == 1 && rivals == 0;
}

/* Every record was due a report when made; none is made twice. */
static bool guard_conflicts_ok(const struct guard *g)
{
	static const struct guard_conflict none;
	uint32_t i, j;

	for (i = 0; i < GUARD_CONFLICTS; i++) {
		const struct guard_conflict *k = &g->conflict[i];

		if (k->count == 0) {
			if (memcmp(k, &none, sizeof(none)) != 0)
				return false;
			continue;
		}
		if (k->reported == 0)
			return false;
		for (j = i + 1; j < GUARD_CONFLICTS; j++)
			if (g->conflict[j].count != 0 && g->conflict[j].ip == k->ip &&
			    g->conflict[j].port2 == k->port2 &&
			    memcmp(g->conflict[j].mac2, k->mac2, 6) == 0)
				return false;
	}
	return true;
}

int guard_check(const struct guard *g)
{
	static const struct guard_binding zero;
	uint32_t i, n = 0;

	if (g->mode > GUARD_STRICT || (g->net & ~g->mask) != 0 || !guard_layout_ok(g))
		return -EFAULT;
	for (i = 0; i < g->slots; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE) {
			if (memcmp(b, &zero, sizeof(zero)) != 0)
				return -EFAULT;
			continue;
		}
		n++;
		if (!guard_slot_ok(g, i, b))
			return -EFAULT;
	}
	if (n != g->count || !guard_entries_ok(g))
		return -EFAULT;
	/* Only now are the runs of by_mac[] known to end and to name bindings. */
	for (i = 0; i < g->slots; i++)
		if (g->slot[i].origin != GUARD_FREE && !guard_mac_ok(g, i))
			return -EFAULT;
	return guard_conflicts_ok(g) ? 0 : -EFAULT;
}
