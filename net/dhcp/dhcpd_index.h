/*
 * The indexes over a DHCP server's lease table, which live in the same
 * block as its records (one allocation per network), so that every message
 * costs the same whatever the size of the pool. Each record sits at its
 * address's place (dhcpd_index_slot()), so an address needs no index.
 * Clients are found by a hash of their key and names by a hash of the
 * name, both chained and keyed by a seed, as clients choose both; the
 * never-used range addresses by a bitmap of the places taken (by a record
 * or a reservation) with a summary of its full words; and the pool
 * addresses each switch port's clients hold are counted, each counted
 * record on a wheel by the second its hold ends, so that time takes it off
 * the count with no scan. Used by net/dhcp/dhcpd.c and dhcpd_pool.c only.
 *
 * Whoever writes a record's ip, key, name, state, time or port takes it
 * out of the indexes that field feeds first and puts it back after;
 * dhcpd_index_rebuild() makes them all again from the records.
 */
#ifndef UNIGATE_NET_DHCPD_INDEX_H
#define UNIGATE_NET_DHCPD_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dhcp/dhcpd.h"

#define DHCPD_NIL	0xffffffffu /* no record: ends a chain */
#define DHCPD_WHEEL_MAX 1024	    /* wheel slots at most: a second each */

/* True if (a) is before (b), for times less than 2^31 s apart. */
static inline bool dhcpd_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Points (d)'s records and indexes into (table), a block of
 * dhcpd_table_size(capacity) bytes, and empties its records; the indexes
 * are dhcpd_index_rebuild()'s to fill. Keeps the seed and the wheel's time. */
void dhcpd_index_layout(struct dhcpd *d, void *table, uint32_t capacity);

/* Makes every index again from the records and (d)'s configuration. */
void dhcpd_index_rebuild(struct dhcpd *d);

/* Returns the place of address (ip) under (d)'s configuration: its offset
 * in the range, or past the range for a reservation outside it; DHCPD_NIL
 * for an address that has no place, or none while unconfigured. */
uint32_t dhcpd_index_slot(const struct dhcpd *d, uint32_t ip);

/* Returns the record of client (k) (kind not NONE), or NULL. */
struct dhcpd_lease *dhcpd_index_key(const struct dhcpd *d, const struct dhcpd_key *k);

/* Returns the record named (n) bytes at (name), ASCII case aside, or NULL. */
struct dhcpd_lease *dhcpd_index_name(const struct dhcpd *d, const char *name, size_t n);

/* Put (l) into, or take it out of, the indexes its key, its name, its
 * place (the bitmap) and its hold (the port counts) feed. Each looks at
 * the record as it is: adding one with no key, no name, no address or no
 * counted hold does nothing, and so does taking out one not there. */
void dhcpd_index_add(struct dhcpd *d, struct dhcpd_lease *l);
void dhcpd_index_del(struct dhcpd *d, struct dhcpd_lease *l);

/* The same for the port count alone, around a write of (l)'s state, time
 * or port. */
void dhcpd_index_count(struct dhcpd *d, struct dhcpd_lease *l);
void dhcpd_index_uncount(struct dhcpd *d, struct dhcpd_lease *l);

/* The same for the name alone, around a write of (l)'s name. */
void dhcpd_index_name_add(struct dhcpd *d, struct dhcpd_lease *l);
void dhcpd_index_name_del(struct dhcpd *d, struct dhcpd_lease *l);

/* Returns the lowest range place with no record that is not reserved, or
 * DHCPD_NIL when every one is taken. */
uint32_t dhcpd_index_unused(const struct dhcpd *d);

/* Turns the wheel to (now): holds that ended by then stop counting. */
void dhcpd_index_expire(struct dhcpd *d, uint32_t now);

/* Returns the pool addresses the clients of (port) hold, offered or bound,
 * as of the wheel's time. */
uint32_t dhcpd_index_held(const struct dhcpd *d, uint8_t port);

/* Checks every index against the records. Returns 0 or -EFAULT. */
int dhcpd_index_check(const struct dhcpd *d);

#endif
