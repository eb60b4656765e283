/*
 * The guard of a network (net/switch/guard.h): GUARD_SLOTS slots, open
 * addressing by IPv4 address with linear probing, as net/switch/fdb.c does
 * it. At most GUARD_BINDINGS_MAX bindings keep the array at most half
 * full; every binding sits at most GUARD_PROBE_MAX - 1 slots after its
 * home with no free slot in between; removal shifts later bindings of the
 * run back into the hole, so there are no tombstones. The home slot comes
 * from a keyed mix of the address (xor, odd multiply, xorshift, keyed odd
 * multiply; the top bits taken) whose key is drawn from the caller's seed.
 *
 * Time: a DHCP or learned binding holds until (expires), compared by
 * subtraction so that the millisecond clock may wrap. An expired binding
 * is free at once to every check, and keeps its slot until guard_expire()
 * removes it, or its address or MAC is bound again. So that no expiry is
 * misjudged, it must lie less than 2^31 ms (24 days) ahead when bound,
 * and guard_expire() must run at least once per 2^31 ms.
 *
 * Only an address leads to a binding; a MAC's bindings are found by
 * visiting every slot, which happens only when a binding is made and when
 * a free address is claimed in mode learn.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addr.h"
#include "net/splitmix.h"
#include "net/switch/guard.h"

#define GUARD_PROBE_MAX 64 /* slots examined per lookup, at most */
#define GUARD_MASK	(GUARD_SLOTS - 1u)
#define GUARD_SHIFT	(64 - __builtin_ctz(GUARD_SLOTS)) /* hash bits to drop */
#define GUARD_HALF	0x80000000u			  /* 2^31 ms: the clock's horizon */

_Static_assert((GUARD_SLOTS & GUARD_MASK) == 0 && GUARD_SLOTS >= 2 * GUARD_BINDINGS_MAX,
	       "guard: a power-of-two slot array at most half full");
_Static_assert(GUARD_PROBE_MAX <= GUARD_SLOTS, "guard: probe within the array");

static const char *const guard_origin_names[] = {
	[GUARD_FREE] = "free",
	[GUARD_DHCP] = "dhcp",
	[GUARD_RESERVED] = "reserved",
	[GUARD_LEARNED] = "learned",
};

static uint32_t guard_home(const struct guard *g, uint32_t ip)
{
	uint64_t x = ((uint64_t)ip ^ g->key) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= g->key | 1;
	return (uint32_t)(x >> GUARD_SHIFT);
}

static bool guard_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
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

/*
 * Returns the slot holding (ip), or -1 with (*spare) set to the free slot
 * ending its probe path, or -1 if there is none within reach.
 */
static int guard_find(const struct guard *g, uint32_t ip, int *spare)
{
	uint32_t i = guard_home(g, ip), d;

	*spare = -1;
	for (d = 0; d < GUARD_PROBE_MAX; d++, i = (i + 1) & GUARD_MASK) {
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

/*
 * Empties slot (hole) and moves back every later binding of its run that
 * may sit there: one (dist) slots after the hole may if it is at least
 * (dist) slots from its own home, and none is GUARD_PROBE_MAX or more.
 */
static void guard_remove_at(struct guard *g, uint32_t hole)
{
	uint32_t dist, k;

	g->count--;
	for (;;) {
		for (dist = 1;; dist++) {
			k = (hole + dist) & GUARD_MASK;
			if (dist >= GUARD_PROBE_MAX || g->slot[k].origin == GUARD_FREE) {
				memset(&g->slot[hole], 0, sizeof(g->slot[hole]));
				return;
			}
			if (((k - guard_home(g, g->slot[k].ip)) & GUARD_MASK) >= dist)
				break;
		}
		g->slot[hole] = g->slot[k];
		hole = k;
	}
}

/* Why a binding goes, for guard_remove_if(). */
enum guard_why {
	GUARD_WHY_ORIGIN,  /* its origin is (origin) */
	GUARD_WHY_EXPIRED, /* expired at (now_ms) */
	GUARD_WHY_SUBNET,  /* not a guest's address of the subnet */
	GUARD_WHY_MAC,	   /* a DHCP or learned binding of (mac) other than (ip) */
	GUARD_WHY_PORT,	   /* a DHCP or learned binding on port (port) */
};

struct guard_what {
	enum guard_why why;
	uint8_t origin;
	uint32_t now_ms;
	uint32_t ip;
	const uint8_t *mac;
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
	case GUARD_WHY_PORT:
		return b->origin != GUARD_RESERVED && b->port == w->port;
	default:
		return b->origin != GUARD_RESERVED && b->ip != w->ip &&
		       memcmp(b->mac, w->mac, 6) == 0;
	}
}

/*
 * Removes every binding (w) names. A removal only moves bindings
 * backwards, into slots at or after the one being examined, except across
 * the end of the array into slots already examined and kept; so one
 * forward pass that examines the current slot again after each removal
 * sees every binding.
 */
static void guard_remove_if(struct guard *g, const struct guard_what *w)
{
	uint32_t i = 0;

	while (i < GUARD_SLOTS) {
		if (g->slot[i].origin != GUARD_FREE && guard_goes(g, &g->slot[i], w)) {
			guard_remove_at(g, i);
			continue;
		}
		i++;
	}
}

void guard_init(struct guard *g, enum guard_mode mode, uint32_t gateway, uint32_t net,
		uint32_t mask, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->mode = mode;
	g->gateway = gateway;
	g->net = net & mask;
	g->mask = mask;
	g->key = splitmix_next(&seed);
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

int guard_bind(struct guard *g, uint32_t ip, const uint8_t mac[6], uint8_t port,
	       enum guard_origin origin, uint32_t expires)
{
	struct guard_what w = {.why = GUARD_WHY_MAC, .ip = ip, .mac = mac};
	struct guard_binding *b;
	int i, spare;

	if ((origin != GUARD_DHCP && origin != GUARD_RESERVED && origin != GUARD_LEARNED) ||
	    !guard_host(g, ip) || ip == g->gateway || !guard_unicast(mac) ||
	    (port == GUARD_PORT_ANY && origin != GUARD_RESERVED))
		return -EINVAL;
	/* The MAC's older lease or claim is over, whether or not this fits. */
	if (origin != GUARD_RESERVED)
		guard_remove_if(g, &w);
	i = guard_find(g, ip, &spare);
	if (i < 0) {
		if (g->count >= GUARD_BINDINGS_MAX || spare < 0) {
			g->stats.refused_full++;
			return -ENOSPC;
		}
		g->count++;
		b = &g->slot[spare];
	} else {
		b = &g->slot[i];
		/*
		 * The same guest again: a reservation stays one when its guest
		 * is given its address by DHCP (it must not expire with the
		 * lease), and a port already known is kept when none is given.
		 */
		if (memcmp(b->mac, mac, 6) == 0) {
			if (b->origin == GUARD_RESERVED)
				origin = GUARD_RESERVED;
			if (port == GUARD_PORT_ANY)
				port = b->port;
		}
	}
	b->ip = ip;
	b->expires = origin == GUARD_RESERVED ? 0 : expires;
	memcpy(b->mac, mac, 6);
	b->port = port;
	b->origin = (uint8_t)origin;
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
	for (uint32_t i = 0; i < GUARD_SLOTS; i++)
		if (g->slot[i].origin == GUARD_RESERVED && g->slot[i].port == port)
			g->slot[i].port = GUARD_PORT_ANY;
}

void guard_expire(struct guard *g, uint32_t now_ms)
{
	struct guard_what w = {.why = GUARD_WHY_EXPIRED, .now_ms = now_ms};

	guard_remove_if(g, &w);
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
	for (uint32_t i = 0; i < GUARD_SLOTS; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin != GUARD_FREE && b->port != port && b->port != GUARD_PORT_ANY &&
		    memcmp(b->mac, mac, 6) == 0 && !guard_expired(b, now_ms))
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
	/* Full: the expired may make room, the live are never evicted. */
	if (g->count >= GUARD_BINDINGS_MAX)
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

/* The live binding with the lowest address above (after), or NULL. */
static const struct guard_binding *guard_next(const struct guard *g, uint32_t after, bool first,
					      uint32_t now_ms)
{
	const struct guard_binding *best = NULL;

	for (uint32_t i = 0; i < GUARD_SLOTS; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE || guard_expired(b, now_ms) ||
		    (!first && b->ip <= after) || (best != NULL && b->ip >= best->ip))
			continue;
		best = b;
	}
	return best;
}

/* In address order: a few hundred bindings, printed by hand, need no index. */
int guard_show(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	const struct guard_stats *s = &g->stats;
	const struct guard_binding *b;
	char ip[ADDR_IPV4_STRLEN], mac[ADDR_MAC_STRLEN], port[8], left[12];
	uint32_t shown = 0;

	cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", "Address", "MAC address", "Port", "Origin",
		   "Left (s)");
	for (b = guard_next(g, 0, true, now_ms); b != NULL;
	     b = guard_next(g, b->ip, false, now_ms)) {
		if (b->origin == GUARD_RESERVED)
			snprintf(left, sizeof(left), "-");
		else
			snprintf(left, sizeof(left), "%u",
				 (unsigned)((b->expires - now_ms) / 1000));
		cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", addr_fmt_ipv4(b->ip, ip),
			   addr_fmt_mac(b->mac, mac), guard_port_name(g, b->port, port),
			   b->origin <= GUARD_LEARNED ? guard_origin_names[b->origin] : "?", left);
		shown++;
	}
	/* One line, in pieces that each fit CLI_PRINTF_MAX. */
	cli_printf(out, "%u bindings shown; table holds %u of %u; checked %llu, learned %llu, ",
		   shown, g->count, GUARD_BINDINGS_MAX, (unsigned long long)s->checked,
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

/* The binding (b) at slot (i) is well-formed and reachable from its home. */
static bool guard_slot_ok(const struct guard *g, uint32_t i, const struct guard_binding *b)
{
	uint32_t home = guard_home(g, b->ip), j;

	if (b->origin > GUARD_LEARNED || !guard_host(g, b->ip) || b->ip == g->gateway ||
	    !guard_unicast(b->mac) || (b->port == GUARD_PORT_ANY && b->origin != GUARD_RESERVED) ||
	    (b->origin == GUARD_RESERVED && b->expires != 0) ||
	    ((i - home) & GUARD_MASK) >= GUARD_PROBE_MAX)
		return false;
	for (j = home; j != i; j = (j + 1) & GUARD_MASK)
		if (g->slot[j].origin == GUARD_FREE || g->slot[j].ip == b->ip)
			return false;
	return true;
}

/*
 * A MAC holds one DHCP or learned binding at a time: (seen) is a set of
 * the slots of those checked so far (slot + 1; 0 is empty), by MAC, with
 * linear probing; at most half full. Returns false if the MAC of slot (i)
 * is in it already, else adds it.
 */
static bool guard_mac_once(const struct guard *g, uint16_t seen[GUARD_SLOTS], uint32_t i)
{
	const uint8_t *m = g->slot[i].mac;
	uint32_t h = guard_home(g, (uint32_t)m[2] << 24 | (uint32_t)m[3] << 16 |
					   (uint32_t)(m[4] ^ m[0]) << 8 | (uint32_t)(m[5] ^ m[1]));

	for (;; h = (h + 1) & GUARD_MASK) {
		if (seen[h] == 0) {
			seen[h] = (uint16_t)(i + 1);
			return true;
		}
		if (memcmp(g->slot[seen[h] - 1].mac, m, 6) == 0)
			return false;
	}
}

int guard_check(const struct guard *g)
{
	static const struct guard_binding zero;
	static const struct guard_conflict none;
	uint16_t seen[GUARD_SLOTS] = {0};
	uint32_t i, j, n = 0;

	if (g->mode > GUARD_STRICT || (g->net & ~g->mask) != 0)
		return -EFAULT;
	for (i = 0; i < GUARD_SLOTS; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE) {
			if (memcmp(b, &zero, sizeof(zero)) != 0)
				return -EFAULT;
			continue;
		}
		n++;
		if (!guard_slot_ok(g, i, b) ||
		    (b->origin != GUARD_RESERVED && !guard_mac_once(g, seen, i)))
			return -EFAULT;
	}
	if (n != g->count || n > GUARD_BINDINGS_MAX)
		return -EFAULT;
	for (i = 0; i < GUARD_CONFLICTS; i++) {
		const struct guard_conflict *k = &g->conflict[i];

		if (k->count == 0) {
			if (memcmp(k, &none, sizeof(none)) != 0)
				return -EFAULT;
			continue;
		}
		/* Every record was due a report when made; none is made twice. */
		if (k->reported == 0)
			return -EFAULT;
		for (j = i + 1; j < GUARD_CONFLICTS; j++)
			if (g->conflict[j].count != 0 && g->conflict[j].ip == k->ip &&
			    g->conflict[j].port2 == k->port2 &&
			    memcmp(g->conflict[j].mac2, k->mac2, 6) == 0)
				return -EFAULT;
	}
	return 0;
}
