/*
 * The guard of a network (net/switch/guard.h), in memory its caller gives:
 * (slots) bindings, open addressing by IPv4 address with linear probing,
 * as net/switch/fdb.c does it, then (slots) entries of an index by MAC.
 * At most (capacity) bindings keep both arrays at most half full; every
 * binding sits at most GUARD_PROBE_MAX - 1 slots after its home with no
 * free slot in between; removal shifts later bindings of the run back into
 * the hole, so there are no tombstones. The home slot comes from a keyed
 * mix of the address (xor, odd multiply, xorshift, keyed odd multiply; the
 * top bits taken) whose keys are drawn from the caller's seed.
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
 * removes it, or its address or MAC is bound again. (soonest) is a time
 * no such binding expires before: a new binding may lower it, a refresh
 * only moves an expiry later, and guard_expire() makes it exact; so
 * guard_expire() passes over the table only once something may have
 * expired, which keeps a full table's claims (each of which sweeps)
 * cheap. Expiries are ordered by subtraction too, so all of them, and
 * (soonest), must lie within 2^31 ms of each other: each lies less than
 * 2^31 ms ahead when bound, and the time between two calls of
 * guard_expire() plus the furthest ahead any is given stays below that.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addr.h"
#include "net/splitmix.h"
#include "net/switch/guard.h"

#define GUARD_HALF	 0x80000000u /* 2^31 ms: the clock's horizon */
#define GUARD_SHOW_BATCH 128	     /* bindings sorted per pass of guard_show() */

_Static_assert(sizeof(struct guard_binding) % sizeof(uint32_t) == 0,
	       "guard: the index by MAC follows the slots, aligned");

/* The table of a guard of capacity 0: two free slots, never written,
 * since every binding is refused before it would be. */
static struct guard_binding guard_none[2];
static uint32_t guard_none_mac[2];

static const char *const guard_origin_names[] = {
	[GUARD_FREE] = "free",
	[GUARD_DHCP] = "dhcp",
	[GUARD_RESERVED] = "reserved",
	[GUARD_LEARNED] = "learned",
};

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

static bool guard_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

/* True if (a) is before (b), for times less than 2^31 ms apart. */
static bool guard_before(uint32_t a, uint32_t b)
{
	return a - b >= GUARD_HALF;
}

/* True if (b), a binding, no longer holds its address at (now_ms). */
static bool guard_expired(const struct guard_binding *b, uint32_t now_ms)
{
	return b->origin != GUARD_RESERVED && now_ms - b->expires < GUARD_HALF;
}

/*
 * True if (ip) may be a guest's address: inside the subnet, and neither
 * 0.0.0.0 nor, in a subnet with more than two addresses, its network or
 * broadcast address (RFC 1122 §3.2.1.3: never a source). The gateway's
 * address is judged by the callers, which count it apart.
 */
static bool guard_host(const struct guard *g, uint32_t ip)
{
	uint32_t hostmask = ~g->mask;

	if (ip == 0 || (ip & g->mask) != g->net)
		return false;
	return hostmask <= 1 || (ip != g->net && ip != (g->net | hostmask));
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

/*
 * Returns the slot holding (ip), or -1 with (*spare) set to the free slot
 * ending its probe path, or -1 if there is none within reach.
 */
static int guard_find(const struct guard *g, uint32_t ip, int *spare)
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

/* Puts (b) in free slot (i), which ends (b)'s address's probe path. */
static void guard_put(struct guard *g, uint32_t i, const struct guard_binding *b)
{
	g->slot[i] = *b;
	g->count++;
	guard_mac_add(g, i);
	guard_timed(g, b);
}

/*
 * Empties slot (hole) and moves back every later binding of its run that
 * may sit there: one (dist) slots after the hole may if it is at least
 * (dist) slots from its own home, and none is GUARD_PROBE_MAX or more.
 * Each binding moved takes its entry in by_mac[] along.
 */
static void guard_remove_at(struct guard *g, uint32_t hole)
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

/* Why a binding goes, for guard_remove_if(). */
enum guard_why {
	GUARD_WHY_ORIGIN,  /* its origin is (origin) */
	GUARD_WHY_EXPIRED, /* expired at (now_ms) */
	GUARD_WHY_SUBNET,  /* not a guest's address of the subnet */
	GUARD_WHY_PORT,	   /* a DHCP or learned binding on port (port) */
};

struct guard_what {
	enum guard_why why;
	uint8_t origin;
	uint32_t now_ms;
	uint8_t port;
};

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
 * Removes every binding (w) names: a pass over the table, for a change of
 * configuration, a port gone, or a sweep. A removal only moves bindings
 * backwards, into slots at or after the one being examined, except across
 * the end of the array into slots already examined and kept; so one
 * forward pass that examines the current slot again after each removal
 * sees every binding.
 */
static void guard_remove_if(struct guard *g, const struct guard_what *w)
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

/* Removes the DHCP or learned binding (a MAC has one) of (mac) to an
 * address other than (ip). Walks the run again after a removal, which
 * moves entries. */
static void guard_remove_mac(struct guard *g, const uint8_t mac[6], uint32_t ip)
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

void guard_configure(struct guard *g, enum guard_mode mode, uint32_t gateway, uint32_t net,
		     uint32_t mask)
{
	struct guard_what w = {.why = GUARD_WHY_SUBNET};

	g->mode = mode;
	g->gateway = gateway;
	g->net = net & mask;
	g->mask = mask;
	guard_remove_if(g, &w);
}

/* Writes (nb) over the binding of its address in slot (i); if it names
 * another MAC, the entry in by_mac[] moves to that MAC's run. */
static void guard_replace(struct guard *g, uint32_t i, const struct guard_binding *nb)
{
	bool moved = memcmp(g->slot[i].mac, nb->mac, 6) != 0;

	if (moved)
		guard_mac_del(g, guard_mac_place(g, i));
	g->slot[i] = *nb;
	if (moved)
		guard_mac_add(g, i);
	guard_timed(g, nb);
}

int guard_bind(struct guard *g, uint32_t ip, const uint8_t mac[6], uint8_t port,
	       enum guard_origin origin, uint32_t expires)
{
	struct guard_binding nb = {.ip = ip, .port = port};
	int i, spare;

	if ((origin != GUARD_DHCP && origin != GUARD_RESERVED && origin != GUARD_LEARNED) ||
	    !guard_host(g, ip) || ip == g->gateway || !guard_unicast(mac) ||
	    (port == GUARD_PORT_ANY && origin != GUARD_RESERVED))
		return -EINVAL;
	/* The MAC's older lease or claim is over, whether or not this fits. */
	if (origin != GUARD_RESERVED)
		guard_remove_mac(g, mac, ip);
	i = guard_find(g, ip, &spare);
	/*
	 * The same guest again: a reservation stays one when its guest is
	 * given its address by DHCP (it must not expire with the lease), and
	 * a port already known is kept when none is given.
	 */
	if (i >= 0 && memcmp(g->slot[i].mac, mac, 6) == 0) {
		if (g->slot[i].origin == GUARD_RESERVED)
			origin = GUARD_RESERVED;
		if (port == GUARD_PORT_ANY)
			nb.port = g->slot[i].port;
	}
	memcpy(nb.mac, mac, 6);
	nb.origin = (uint8_t)origin;
	nb.expires = origin == GUARD_RESERVED ? 0 : expires;
	if (i >= 0) {
		guard_replace(g, (uint32_t)i, &nb);
		return 0;
	}
	if (g->count >= g->capacity || spare < 0) {
		g->stats.refused_full++;
		return -ENOSPC;
	}
	guard_put(g, (uint32_t)spare, &nb);
	return 0;
}

void guard_unbind(struct guard *g, uint32_t ip)
{
	int spare, i = guard_find(g, ip, &spare);

	if (i >= 0)
		guard_remove_at(g, (uint32_t)i);
}

void guard_unbind_origin(struct guard *g, enum guard_origin origin)
{
	struct guard_what w = {.why = GUARD_WHY_ORIGIN, .origin = (uint8_t)origin};

	if (origin != GUARD_FREE)
		guard_remove_if(g, &w);
}

void guard_unbind_port(struct guard *g, uint8_t port)
{
	struct guard_what w = {.why = GUARD_WHY_PORT, .port = port};

	guard_remove_if(g, &w);
	/* A reservation seen there may turn up on another port now. */
	for (uint32_t i = 0; i < g->slots; i++)
		if (g->slot[i].origin == GUARD_RESERVED && g->slot[i].port == port)
			g->slot[i].port = GUARD_PORT_ANY;
}

void guard_expire(struct guard *g, uint32_t now_ms)
{
	struct guard_what w = {.why = GUARD_WHY_EXPIRED, .now_ms = now_ms};
	uint32_t left, least = 0;

	if (!g->timed || guard_before(now_ms, g->soonest))
		return; /* nothing has expired yet */
	guard_remove_if(g, &w);
	/* What is left has not expired: the soonest is the least time left. */
	g->timed = false;
	for (uint32_t i = 0; i < g->slots; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE || b->origin == GUARD_RESERVED)
			continue;
		left = b->expires - now_ms;
		if (!g->timed || left < least)
			least = left;
		g->timed = true;
	}
	g->soonest = now_ms + least;
}

/*
 * Records that (mac) on (port) claimed (ip), which (holder) holds on
 * (hport) (ip 0: (mac) is bound on (hport)), at (now_ms). Returns
 * GUARD_CONFLICT with (*c) set if the record is due a report, else
 * GUARD_DROP.
 */
static int guard_conflict(struct guard *g, uint32_t ip, const uint8_t holder[6], uint8_t hport,
			  const uint8_t mac[6], uint8_t port, uint32_t now_ms,
			  const struct guard_conflict **c)
{
	struct guard_conflict *r = NULL, *k;
	uint32_t since;
	unsigned i;

	for (i = 0; i < GUARD_CONFLICTS && r == NULL; i++) {
		k = &g->conflict[i];
		if (k->count != 0 && k->ip == ip && k->port2 == port &&
		    memcmp(k->mac2, mac, 6) == 0)
			r = k;
	}
	if (r == NULL) {
		/* A free record, else the one seen longest ago. */
		for (i = 0; i < GUARD_CONFLICTS; i++) {
			k = &g->conflict[i];
			if (k->count == 0) {
				r = k;
				break;
			}
			if (r == NULL || now_ms - k->last > now_ms - r->last)
				r = k;
		}
		memset(r, 0, sizeof(*r));
		r->ip = ip;
		memcpy(r->mac2, mac, 6);
		r->port2 = port;
		r->first = now_ms;
	}
	/* The holder may have changed since: the record names the current one. */
	memcpy(r->mac1, holder, 6);
	r->port1 = hport;
	r->last = now_ms;
	if (r->count != UINT32_MAX)
		r->count++;
	since = now_ms - r->reported;
	if (since == UINT32_MAX) /* a report at 0 is stamped 1: the same moment */
		since = 0;
	if (r->reported != 0 && since < GUARD_REPORT_MS)
		return GUARD_DROP;
	r->reported = now_ms != 0 ? now_ms : 1; /* 0 means never */
	if (c != NULL)
		*c = r;
	return GUARD_CONFLICT;
}

/* A live binding of (mac) on a known port other than (port), or NULL. */
static const struct guard_binding *guard_elsewhere(const struct guard *g, const uint8_t mac[6],
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

/*
 * The common part of guard_arp() and guard_ip(): (mac) on (port) speaks
 * for (ip), a guest's address of the subnet, at (now_ms).
 */
static int guard_claim(struct guard *g, uint8_t port, const uint8_t mac[6], uint32_t ip,
		       uint32_t now_ms, const struct guard_conflict **c)
{
	const struct guard_binding *other;
	struct guard_binding *b;
	int i, spare;

	i = guard_find(g, ip, &spare);
	if (i >= 0 && !guard_expired(&g->slot[i], now_ms)) {
		b = &g->slot[i];
		if (memcmp(b->mac, mac, 6) != 0) {
			g->stats.drop_taken++;
			return guard_conflict(g, ip, b->mac, b->port, mac, port, now_ms, c);
		}
		if (b->port == GUARD_PORT_ANY) /* a reservation, first seen */
			b->port = port;
		if (b->port != port) {
			g->stats.drop_port++;
			return guard_conflict(g, ip, b->mac, b->port, mac, port, now_ms, c);
		}
		if (b->origin == GUARD_LEARNED)
			b->expires = now_ms + GUARD_LEARN_MS;
		return GUARD_PASS;
	}
	if (g->mode != GUARD_LEARN) {
		g->stats.drop_unbound++;
		return GUARD_DROP;
	}
	other = guard_elsewhere(g, mac, port, now_ms);
	if (other != NULL) {
		g->stats.drop_port++;
		return guard_conflict(g, 0, mac, other->port, mac, port, now_ms, c);
	}
	/* Full: the expired may make room (a pass only once one has expired),
	 * the live are never evicted. */
	if (g->count >= g->capacity)
		guard_expire(g, now_ms);
	if (guard_bind(g, ip, mac, port, GUARD_LEARNED, now_ms + GUARD_LEARN_MS) != 0) {
		g->stats.drop_unbound++; /* and refused_full, by guard_bind() */
		return GUARD_DROP;
	}
	g->stats.learned++;
	return GUARD_PASS;
}

/* A frame's source: a unicast MAC on a real port. */
static bool guard_source_ok(uint8_t port, const uint8_t src_mac[6])
{
	return port != GUARD_PORT_ANY && guard_unicast(src_mac);
}

int guard_arp(struct guard *g, uint8_t port, const uint8_t src_mac[6], uint32_t spa,
	      const uint8_t sha[6], uint32_t now_ms, const struct guard_conflict **c)
{
	if (c != NULL)
		*c = NULL;
	g->stats.checked++;
	if (g->mode == GUARD_OFF)
		return GUARD_PASS;
	if (!guard_source_ok(port, src_mac) || memcmp(sha, src_mac, 6) != 0) {
		g->stats.drop_source++;
		return GUARD_DROP;
	}
	if (spa == 0) /* RFC 5227 probe: claims nothing */
		return GUARD_PASS;
	if (spa == g->gateway) {
		g->stats.drop_gateway++;
		return GUARD_DROP;
	}
	if (!guard_host(g, spa)) {
		g->stats.drop_source++;
		return GUARD_DROP;
	}
	return guard_claim(g, port, src_mac, spa, now_ms, c);
}

int guard_ip(struct guard *g, uint8_t port, const uint8_t src_mac[6], uint32_t src, uint32_t now_ms,
	     const struct guard_conflict **c)
{
	if (c != NULL)
		*c = NULL;
	g->stats.checked++;
	if (g->mode == GUARD_OFF || src == 0) /* 0.0.0.0: a DHCP client */
		return GUARD_PASS;
	if (!guard_source_ok(port, src_mac)) {
		g->stats.drop_source++;
		return GUARD_DROP;
	}
	if (src == g->gateway) {
		g->stats.drop_gateway++;
		return GUARD_DROP;
	}
	if (!guard_host(g, src)) {
		g->stats.drop_source++;
		return GUARD_DROP;
	}
	return guard_claim(g, port, src_mac, src, now_ms, c);
}

const uint8_t *guard_mac_of(const struct guard *g, uint32_t ip, uint32_t now_ms)
{
	int spare, i = guard_find(g, ip, &spare);

	if (i < 0 || guard_expired(&g->slot[i], now_ms))
		return NULL;
	return g->slot[i].mac;
}

void guard_set_port_names(struct guard *g, const char *(*fn)(const void *ctx, unsigned port),
			  const void *ctx)
{
	g->port_name = fn;
	g->port_ctx = ctx;
}

/* The port's name, or "ethN"; "-" for a reservation not yet seen. */
static const char *guard_port_name(const struct guard *g, uint8_t port, char buf[8])
{
	const char *name = g->port_name != NULL ? g->port_name(g->port_ctx, port) : NULL;

	if (port == GUARD_PORT_ANY)
		return "-";
	if (name != NULL)
		return name;
	snprintf(buf, 8, "eth%u", port);
	return buf;
}

/*
 * Fills (batch) with the slots of the live bindings with the lowest
 * addresses above (after) (or all, if (first)), at most GUARD_SHOW_BATCH,
 * in address order; returns how many. One pass, sorting by insertion: so
 * guard_show() needs no memory but a batch, and a pass per batch.
 */
static uint32_t guard_batch(const struct guard *g, uint32_t after, bool first, uint32_t now_ms,
			    uint32_t batch[GUARD_SHOW_BATCH])
{
	uint32_t n = 0, i, j;

	for (i = 0; i < g->slots; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE || guard_expired(b, now_ms) ||
		    (!first && b->ip <= after) ||
		    (n == GUARD_SHOW_BATCH && b->ip > g->slot[batch[n - 1]].ip))
			continue;
		/* In its place; when the batch is full, the highest drops out. */
		j = n < GUARD_SHOW_BATCH ? n++ : n - 1;
		for (; j > 0 && g->slot[batch[j - 1]].ip > b->ip; j--)
			batch[j] = batch[j - 1];
		batch[j] = i;
	}
	return n;
}

static void guard_show_binding(const struct guard *g, const struct guard_binding *b,
			       uint32_t now_ms, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN], mac[ADDR_MAC_STRLEN], port[8], left[12];

	if (b->origin == GUARD_RESERVED)
		snprintf(left, sizeof(left), "-");
	else
		snprintf(left, sizeof(left), "%u", (unsigned)((b->expires - now_ms) / 1000));
	cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", addr_fmt_ipv4(b->ip, ip),
		   addr_fmt_mac(b->mac, mac), guard_port_name(g, b->port, port),
		   b->origin <= GUARD_LEARNED ? guard_origin_names[b->origin] : "?", left);
}

/* Prints the live bindings in address order by looking up each address
 * of the subnet: for a subnet no larger than the table. Returns how many. */
static uint32_t guard_show_walk(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	uint32_t ip, last = g->net | ~g->mask, shown = 0;
	int i, spare;

	for (ip = g->net;; ip++) {
		i = guard_find(g, ip, &spare);
		if (i >= 0 && !guard_expired(&g->slot[i], now_ms)) {
			guard_show_binding(g, &g->slot[i], now_ms, out);
			shown++;
		}
		if (ip == last)
			return shown;
	}
}

/* The same by a pass over the table per GUARD_SHOW_BATCH bindings: for a
 * subnet larger than the table. */
static uint32_t guard_show_passes(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	uint32_t batch[GUARD_SHOW_BATCH], n, k, after = 0, shown = 0;

	do {
		n = guard_batch(g, after, shown == 0, now_ms, batch);
		for (k = 0; k < n; k++)
			guard_show_binding(g, &g->slot[batch[k]], now_ms, out);
		if (n != 0)
			after = g->slot[batch[n - 1]].ip;
		shown += n;
	} while (n == GUARD_SHOW_BATCH);
	return shown;
}

int guard_show(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	const struct guard_stats *s = &g->stats;
	uint32_t shown;

	cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", "Address", "MAC address", "Port", "Origin",
		   "Left (s)");
	if (~g->mask < g->slots)
		shown = guard_show_walk(g, now_ms, out);
	else
		shown = guard_show_passes(g, now_ms, out);
	/* One line, in pieces that each fit CLI_PRINTF_MAX. */
	cli_printf(out, "%u bindings shown; table holds %u of %u; checked %llu, learned %llu, ",
		   shown, g->count, g->capacity, (unsigned long long)s->checked,
		   (unsigned long long)s->learned);
	cli_printf(out, "dropped: gateway %llu, taken %llu, port %llu, unbound %llu, source %llu; ",
		   (unsigned long long)s->drop_gateway, (unsigned long long)s->drop_taken,
		   (unsigned long long)s->drop_port, (unsigned long long)s->drop_unbound,
		   (unsigned long long)s->drop_source);
	cli_printf(out, "refused full %llu\n", (unsigned long long)s->refused_full);
	return 0;
}

int guard_show_conflicts(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN], m1[ADDR_MAC_STRLEN], m2[ADDR_MAC_STRLEN], p1[8], p2[8];
	unsigned i, shown = 0;

	cli_printf(out, "%-15s %-27s %-27s %7s %10s %9s\n", "Address", "Holder", "Claimant",
		   "Count", "First (s)", "Last (s)");
	for (i = 0; i < GUARD_CONFLICTS; i++) {
		const struct guard_conflict *k = &g->conflict[i];

		if (k->count == 0)
			continue;
		cli_printf(out, "%-15s %-17s on %-6s %-17s on %-6s %7u %10u %9u\n",
			   k->ip != 0 ? addr_fmt_ipv4(k->ip, ip) : "-", addr_fmt_mac(k->mac1, m1),
			   guard_port_name(g, k->port1, p1), addr_fmt_mac(k->mac2, m2),
			   guard_port_name(g, k->port2, p2), (unsigned)k->count,
			   (unsigned)((now_ms - k->first) / 1000),
			   (unsigned)((now_ms - k->last) / 1000));
		shown++;
	}
	cli_printf(out, "%u conflicts (of %u kept); first and last seen, seconds ago\n", shown,
		   GUARD_CONFLICTS);
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
