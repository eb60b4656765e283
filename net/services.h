/*
 * Gateway services of a network: the DHCP server (net/dhcp/dhcpd.h) and the DNS
 * forwarder (net/dns/dns_fwd.h, net/dns/dns_local.h), bound to lwIP UDP. Each
 * network with an address gets its DNS listener on that address; DHCP
 * listens once on port 67 and picks the network by the receiving netif.
 * Neither ever answers on the uplink.
 */
#ifndef UNIGATE_NET_SERVICES_H
#define UNIGATE_NET_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dhcp/dhcpd.h"

struct netif;
struct network;

/* Opens the DHCP server socket and sets up the forwarder. Returns 0 or
 * -ENOMEM. */
int svc_init(void);

/* Allocates the lease table of one network's DHCP server, of (capacity)
 * records, 1 .. DHCPD_LEASES_MAX, with their indexes (dhcpd_table_size()),
 * for svc_network(), which takes it; the caller frees it with
 * svc_leases_free() only if it does not give it. NULL: out of memory. */
void *svc_leases_alloc(uint32_t capacity);
void svc_leases_free(void *leases);

/* The records network DHCP configuration (*dhcp) needs
 * (dhcpd_capacity()), or 0 for no DHCP (NULL): any table will do. */
uint32_t svc_leases_need(const struct dhcpd_config *dhcp);

/* True if network (name) needs a new lease table for svc_network(): it is
 * new to services (then at least 1 record), or its table does not have
 * (capacity) records, from svc_leases_need(), which is not 0. */
bool svc_needs_leases(const char *name, uint32_t capacity);

/* A DNS listener (a UDP socket) for svc_network(), which takes it; the
 * caller frees it with svc_listener_free() only if it does not give it.
 * svc_needs_listener() says whether network (name) with gateway address
 * (addr) will need a new one. NULL: no socket left. */
bool svc_needs_listener(const char *name, uint32_t addr);
void *svc_listener_alloc(void);
void svc_listener_free(void *listener);

/* Runs services for network (name) on (netif) (its gateway address):
 * DNS always, DHCP with (*dhcp) unless it is NULL, answering names under
 * (domain); other names are forwarded upstream if (forward), else refused.
 * (leases), from svc_leases_alloc() with (capacity) records, or NULL when
 * svc_needs_leases() said no, is always taken: a network new to services
 * starts its server over it; one that has services moves its leases that
 * stay valid under (*dhcp) into it and frees the table it had (with DHCP
 * off it keeps its own, and its leases, and frees (leases)); with (leases)
 * NULL a network keeps its table. A new DNS listener takes (listener) (or
 * makes one if it is NULL); an unneeded (listener) is freed. Returns 0, or
 * -errno with (*why) saying what is wrong. */
int svc_network(const char *name, struct netif *netif, const struct dhcpd_config *dhcp,
		const char *domain, bool forward, void *leases, uint32_t capacity, void *listener,
		const char **why);

/* Stops network (name)'s services and forgets its leases. */
void svc_network_remove(const char *name);

/* Configured upstream DNS servers (host byte order), in order of
 * preference; (n) 0: use the learned ones. Replaces the configured list. */
void svc_set_upstreams(const uint32_t *ips, unsigned n);

/* For show quotas: queries refused at a client's share (client_full) and
 * DHCP clients refused at a port's lease limit (drop_port_limit, summed
 * over networks). Counts since boot; a removed network's go with it. */
void svc_quota_counts(uint64_t *dns_client, uint64_t *dhcp_port);

/* Port (port) left network (name), or was blocked for closing a loop:
 * the DHCP leases its clients took stay theirs, no longer tied to it, so
 * that each client's next message ties its lease to the port it now
 * speaks from (dhcpd_forget_port). */
void svc_port_released(const char *name, int port);

/* The uplink network (NULL: none). Upstream queries leave from its
 * address only, out of its netif, and replies are taken only from it;
 * while it has no address, forwarded queries fail (SERVFAIL). */
void svc_set_uplink(struct network *up);

/* Pending upstream queries one client may open (dns_fwd_set_per_client):
 * `quota dns-queries`; 0 for any. */
void svc_set_client_queries(uint32_t n);

/* Upstream DNS servers learned from the uplink's DHCP lease; used while
 * none are configured. Replaces the learned list. */
void svc_learn_upstreams(const uint32_t *ips, unsigned n);

/* The appliance's (name): it resolves to every network's gateway address,
 * and each gateway address back to it. Returns 0 or -EINVAL (too long). */
int svc_set_hostname(const char *name);

/* Offers the forwarder an ICMP error that reached the uplink address
 * (local_addr, host order): the IPv4 packet of (len) bytes at (ip), which
 * the caller owns. True if it was a destination unreachable about one of
 * the forwarder's upstream queries, which then fails over at once (the
 * caller drops the packet); false: not the forwarder's, pass it on. */
bool svc_icmp_error(const uint8_t *ip, size_t len, uint32_t local_addr);

#endif
