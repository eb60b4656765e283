/*
 * The guard's policy (net/switch/guard.h): who may hold an address, and
 * what a guest port's ARP messages and IPv4 packets may claim. Bindings
 * come from the DHCP server, from reservations, and (mode learn) from the
 * first claim of a free address; a claim of a live binding by another
 * MAC, or by its MAC from another port, is dropped and recorded as a
 * conflict, due a report at most once per GUARD_REPORT_MS. Expired
 * bindings are swept here. The table these decisions read and write is
 * net/switch/guard_table.c; the show functions are in guard_show.c.
 */
#include <errno.h>
#include <string.h>

#include "net/switch/guard_table.h"

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
