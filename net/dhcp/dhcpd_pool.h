/*
 * The DHCP server's lease table and the rules about addresses: which
 * addresses a client may have under a configuration (its reservation, or
 * the range less other hosts' reservations), which record holds an address
 * or belongs to a client, choosing a free address (RFC 2131 §4.3.1: never
 * used first, then the one expired longest ago, so that returning clients
 * find theirs), and the names clients give (RFC 2132 §3.14) that the DNS
 * forwarder answers for. Used by net/dhcp/dhcpd.c only; struct dhcpd and the
 * record layout are in net/dhcp/dhcpd.h. Every search is a scan of the table,
 * which holds at most DHCPD_LEASES_MAX records and is touched only per
 * DHCP message or per query.
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

/* Returns an address for a client that has none: the lowest range address
 * never used and not reserved, else the one expired longest ago; 0 if
 * every address is offered, bound or set aside. */
uint32_t dhcpd_pool_pick(const struct dhcpd *d, uint32_t now);

/*
 * Makes the record of (ip) client (k)'s, with (mac) (NULL: none), dropping
 * any other record (k) had, and returns it; its state and time are the
 * caller's to set. A record taken from another client loses its name.
 * Returns NULL only if the table is full, which dhcpd_config_check()
 * rules out for usable addresses.
 */
struct dhcpd_lease *dhcpd_pool_claim(struct dhcpd *d, uint32_t ip, const struct dhcpd_key *k,
				     const uint8_t *mac);

/*
 * Returns how many pool addresses the clients of (port) hold at (now):
 * OFFERED and BOUND records pinned to (port) whose address is not a
 * reservation. A scan like the others: records turn EXPIRED by time
 * alone, so a kept count would be wrong without a write.
 */
uint32_t dhcpd_pool_port_live(const struct dhcpd *d, uint8_t port, uint32_t now);

/* Empties (l)'s slot. */
void dhcpd_pool_drop(struct dhcpd_lease *l);

/*
 * Drops the records that (d)'s configuration, just changed, no longer
 * allows (see dhcpd_configure()), and the names that now clash with a
 * reservation. Returns the number of records dropped.
 */
uint32_t dhcpd_pool_refit(struct dhcpd *d);

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
 * kept either way.
 */
int dhcpd_pool_set_name(struct dhcpd *d, struct dhcpd_lease *l, const uint8_t *raw, size_t len,
			uint32_t now);

#endif
