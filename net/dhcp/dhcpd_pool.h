/*
 * The DHCP server's lease table and the rules about addresses: which
 * addresses a client may have under a configuration (its reservation, or
 * the range less other hosts' reservations), which record holds an address
 * or belongs to a client, choosing a free address (RFC 2131 §4.3.1: never
 * used first, then the one expired longest ago, so that returning clients
 * find theirs), and the names clients give (RFC 2132 §3.14) that the DNS
 * forwarder answers for. Used by net/dhcp/dhcpd.c only; struct dhcpd and the
 * record layout are in net/dhcp/dhcpd.h. Searches go through the table's
 * indexes (net/dhcp/dhcpd_index.h), so that a message costs the same in a
 * pool of ten addresses or of 65,000; only the choice of an expired
 * address, once the pool has no never-used one left, visits every record.
 * Records are written here only (and their state in dhcpd.c through
 * dhcpd_pool_hold()), so that the indexes stay right.
 */
#ifndef UNIGATE_NET_DHCPD_POOL_H
#define UNIGATE_NET_DHCPD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"

/* Returns (l)'s state at (now): OFFERED and BOUND records past their time
 * read as EXPIRED, DECLINED ones as FREE. */
uint8_t dhcpd_pool_state(const struct dhcpd_lease *l, uint32_t now);

/* Returns true if (ip) is a host address of (d)'s subnet: not its network
 * or broadcast address. */
bool dhcpd_pool_in_subnet(const struct dhcpd *d, uint32_t ip);

/* Returns the reservation for (mac), or for (ip), in (c), or NULL. */
const struct dhcpd_host *dhcpd_pool_host_by_mac(const struct dhcpd_config *c, const uint8_t mac[6]);
const struct dhcpd_host *dhcpd_pool_host_by_ip(const struct dhcpd_config *c, uint32_t ip);

/*
 * Returns true if (ip) may be leased under (c) to a client with Ethernet
 * address (mac) (NULL for a client with none): its reservation's address
 * if it has one, else a range address that is not reserved.
 */
bool dhcpd_pool_usable(const struct dhcpd_config *c, uint32_t ip, const uint8_t *mac);

/* Fills (k) with the identity of (m)'s sender: RFC 2131 §4.2. Kind NONE if
 * it has neither a client identifier nor a usable chaddr. */
void dhcpd_pool_key(const struct dhcp_msg *m, struct dhcpd_key *k);

bool dhcpd_pool_key_equal(const struct dhcpd_key *a, const struct dhcpd_key *b);

/* Returns the record of address (ip), or of client (k), or NULL. */
struct dhcpd_lease *dhcpd_pool_find_ip(const struct dhcpd *d, uint32_t ip);
struct dhcpd_lease *dhcpd_pool_find_key(const struct dhcpd *d, const struct dhcpd_key *k);

/* Returns true if nobody but client (k) has a claim on (ip) at (now): no
 * record, a FREE or EXPIRED one, or (k)'s own. */
bool dhcpd_pool_free_for(const struct dhcpd *d, uint32_t ip, const struct dhcpd_key *k,
			 uint32_t now);

/* Returns an address for a client that has none (RFC 2131 §4.3.1): the
 * lowest range address never used and not reserved, else the one expired
 * longest ago, preferring those nobody owns; 0 if every address is
 * offered, bound or set aside. Only the second choice scans the table. */
uint32_t dhcpd_pool_pick(const struct dhcpd *d, uint32_t now);

/*
 * Makes the record of (ip) client (k)'s, with (mac) (NULL: none), dropping
 * any other record (k) had, and returns it; its state, time and port are
 * the caller's to set, with dhcpd_pool_hold(). A record taken from another
 * client loses its name. Returns NULL only if (ip) has no place in the
 * table: neither a range address nor a reserved one, which callers rule
 * out (dhcpd_pool_usable()).
 */
struct dhcpd_lease *dhcpd_pool_claim(struct dhcpd *d, uint32_t ip, const struct dhcpd_key *k,
				     const uint8_t *mac);

/* Sets (l)'s (state), the time (until) it ends and the (port) it is pinned
 * to, keeping the port counts right. */
void dhcpd_pool_hold(struct dhcpd *d, struct dhcpd_lease *l, uint8_t state, uint32_t until,
		     uint8_t port);

/* Sets (l)'s address aside until (until) for nobody (RFC 2131 §4.3.3):
 * DECLINED, with no client, MAC or name. */
void dhcpd_pool_disown(struct dhcpd *d, struct dhcpd_lease *l, uint32_t until);

/*
 * Returns how many pool addresses the clients of (port) hold at (now):
 * OFFERED and BOUND records pinned to (port) whose address is not a
 * reservation. Kept as a count, which time brings down as holds end
 * (dhcpd_index_expire()), so no record is visited to answer.
 */
uint32_t dhcpd_pool_port_live(struct dhcpd *d, uint8_t port, uint32_t now);

/* Empties record (l) of (d). */
void dhcpd_pool_drop(struct dhcpd *d, struct dhcpd_lease *l);

/*
 * Moves into (d)'s table the records of (from), (n) of them laid out under
 * the configuration (d) had, that (d)'s configuration, just changed, still
 * allows (see dhcpd_configure()), each to its place under it, without the
 * names that now clash with a reservation; then rebuilds the indexes.
 * (from) may be (d)'s own table: the records then move within it. Returns
 * the number of records dropped.
 */
uint32_t dhcpd_pool_refit(struct dhcpd *d, struct dhcpd_lease *from, uint32_t n);

/* Returns true if the (n) bytes at (a) equal the NUL-terminated (b), ASCII
 * letters compared without regard to case. */
bool dhcpd_pool_name_eq(const char *a, size_t n, const char *b);

/* Returns true if (s) is a DNS label: 1 .. 63 letters, digits and
 * hyphens, not starting or ending with a hyphen (RFC 1123 §2.1). */
bool dhcpd_pool_label_ok(const char *s, size_t len);

/*
 * Records the option 12 name in (raw) of (len) bytes for (l), bound at
 * (now): its first label, trailing NULs dropped, in lower case. Returns 0,
 * -EINVAL if it is not a valid label (the record keeps no name), or
 * -EEXIST if a reservation or another bound client has that name, or
 * -EPERM for a name no client may take (wpad, isatap, localhost); none
 * kept either way. A record not bound that had the name loses it: a name
 * is in one record at most.
 */
int dhcpd_pool_set_name(struct dhcpd *d, struct dhcpd_lease *l, const uint8_t *raw, size_t len,
			uint32_t now);

#endif
