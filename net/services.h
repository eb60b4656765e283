/*
 * Gateway services of a network: the DHCP server (net/dhcp/dhcpd.h) and the DNS
 * forwarder (net/dns/dns_fwd.h, net/dns/dns_local.h), bound to lwIP UDP. Each
 * network with an address gets its DNS listener on that address; DHCP
 * listens once on port 67 and picks the network by the receiving netif.
 * Neither ever answers on the uplink.
 */
#ifndef UNIGATE_NET_SERVICES_H
#define UNIGATE_NET_SERVICES_H

#include <stdint.h>

#include "net/dhcp/dhcpd.h"

struct netif;

/* Opens the DHCP server socket and sets up the forwarder. Returns 0 or
 * -ENOMEM. */
int svc_init(void);

/* Runs services for network (name) on (netif) (its gateway address):
 * DNS always, DHCP with (*dhcp) unless it is NULL, answering names under
 * (domain). Leases that stay valid under a new (*dhcp) are kept. Returns 0,
 * or -errno with (*why) saying what is wrong with (*dhcp). */
int svc_network(const char *name, struct netif *netif, const struct dhcpd_config *dhcp,
		const char *domain, const char **why);

/* Stops network (name)'s services and forgets its leases. */
void svc_network_remove(const char *name);

/* Upstream DNS servers (host byte order), in order of preference. */
void svc_set_upstreams(const uint32_t *ips, unsigned n);

#endif
