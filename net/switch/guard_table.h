/*
 * What net/switch/guard*.c share, for them and tests only: the
 * operations on the table of bindings that guard_table.c keeps (by
 * address, with an index by MAC), and the tests of addresses, MACs and
 * times that the table and the policy in guard.c both judge by. Not an
 * interface: include net/switch/guard.h.
 */
#ifndef UNIGATE_NET_SWITCH_GUARD_TABLE_H
#define UNIGATE_NET_SWITCH_GUARD_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/switch/guard.h"

#define GUARD_HALF 0x80000000u /* 2^31 ms: the clock's horizon */

/* True if (mac) is a unicast address and not all zero. */
static inline bool guard_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

/* True if (a) is before (b), for times less than 2^31 ms apart. */
static inline bool guard_before(uint32_t a, uint32_t b)
{
	return a - b >= GUARD_HALF;
}

/* True if (b), a binding, no longer holds its address at (now_ms). */
static inline bool guard_expired(const struct guard_binding *b, uint32_t now_ms)
{
	return b->origin != GUARD_RESERVED && now_ms - b->expires < GUARD_HALF;
}

/*
 * True if (ip) may be a guest's address: inside the subnet, and neither
 * 0.0.0.0 nor, in a subnet with more than two addresses, its network or
 * broadcast address (RFC 1122 §3.2.1.3: never a source). The gateway's
 * address is judged by the callers, which count it apart.
 */
static inline bool guard_host(const struct guard *g, uint32_t ip)
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
int guard_find(const struct guard *g, uint32_t ip, int *spare);

/* A live binding of (mac) on a known port other than (port), or NULL. */
const struct guard_binding *guard_elsewhere(const struct guard *g, const uint8_t mac[6],
					    uint8_t port, uint32_t now_ms);

/* Puts (b) in free slot (i), which ends (b)'s address's probe path. */
void guard_put(struct guard *g, uint32_t i, const struct guard_binding *b);

/* Writes (nb) over the binding of its address in slot (i); if it names
 * another MAC, the entry in by_mac[] moves to that MAC's run. */
void guard_replace(struct guard *g, uint32_t i, const struct guard_binding *nb);

/*
 * Empties slot (hole) and moves back every later binding of its run that
 * may sit there: one (dist) slots after the hole may if it is at least
 * (dist) slots from its own home, and none is GUARD_PROBE_MAX or more.
 * Each binding moved takes its entry in by_mac[] along.
 */
void guard_remove_at(struct guard *g, uint32_t hole);

/* Removes the DHCP or learned binding (a MAC has one) of (mac) to an
 * address other than (ip). Walks the run again after a removal, which
 * moves entries. */
void guard_remove_mac(struct guard *g, const uint8_t mac[6], uint32_t ip);

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

/* Removes every binding (w) names: a pass over the table, for a change of
 * configuration, a port gone, or a sweep. */
void guard_remove_if(struct guard *g, const struct guard_what *w);

#endif
