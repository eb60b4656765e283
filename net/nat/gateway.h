/*
 * The gateway's forwarding path: IPv4 from nat networks out of the uplink
 * through the NAPT core (net/nat/nat.h), replies and port forwards back in,
 * hairpinning, and the ICMP errors the core asks for. The uplink's address
 * (static or from lwIP's DHCP client) is followed here, with the DNS
 * servers its lease names.
 */
#ifndef UNIGATE_NET_GATEWAY_H
#define UNIGATE_NET_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/nat/nat.h"

struct network;

struct netdev_offload;

/*
 * The forwarding stage of a network's CPU port (net/switch/network.h): IPv4
 * in the (len)-byte Ethernet frame at (frame), which the switch sent to the
 * CPU port of (net). NAT rewrites it in place (the driver's buffer, lent for
 * the call) and sends it on, or drops it and counts why; either way it
 * returns true (consumed). False: not for forwarding (ARP, the gateway's
 * own addresses, broadcasts), the frame goes on to lwIP untranslated.
 * (ofl), NULL or the caller's copy of what the sender left to a device
 * (drivers/netdev.h): a GSO frame is translated whole and a partial
 * checksum kept partial where the egress port can finish them; a partial
 * checksum at an unusual place is completed here, and its flag cleared in
 * (*ofl), whatever is returned.
 */
bool gw_input(struct network *net, void *frame, size_t len, struct netdev_offload *ofl);

/* Allocates the memory of a NAT table of (sessions) entries for the next
 * gw_configure(), unless the running table has that size: the step of a
 * config apply that may fail, taken before anything changes. Returns 0,
 * -ENOMEM or -EINVAL. gw_prepare_abort() frees it unused. Here and in
 * gw_configure(), (sessions) 0 means what the heap allows
 * (nat_capacity_for_heap, net/nat/nat.h). */
int gw_prepare(uint32_t sessions);
void gw_prepare_abort(void);

/* Sets up or resizes the NAT table to (sessions) entries, with the idle
 * timeouts (timeouts) in seconds: udp, tcp, tcp-transitory, icmp, and the
 * quotas (quotas), by enum nat_quota (0: off). Live
 * sessions and forwards move to a bigger table; only a table too small
 * for them ends them. Uses gw_prepare()'s memory, or allocates it. All or
 * nothing: on error the running NAT is unchanged. Returns 0, -ENOMEM or
 * -EINVAL, or a forward's error (as gw_set_forwards()). */
int gw_configure(uint32_t sessions, const uint32_t timeouts[4], const uint32_t quotas[NAT_Q_MAX]);

/* For show quotas: new flows refused at a host's share, inbound sessions
 * over a forward's rate, first fragments over a mapping's share, and ICMP
 * errors not sent over a host's rate, since the table was made (a resize
 * keeps them). */
void gw_quota_counts(uint64_t *host, uint64_t *forward, uint64_t *frag, uint64_t *icmp);

/* The uplink network (NULL: none). Its address is followed for NAT, and
 * the DNS servers its DHCP lease names go to the forwarder (used while no
 * `dns upstream` is configured). */
void gw_set_uplink(struct network *up);

#define GW_FORWARDS_MAX 2048 /* 32 networks of 64 */

/* A port forward: (proto) 6 or 17 to the uplink's (out_port) goes to
 * (in_ip):(in_port), host byte order. */
struct gw_forward {
	uint8_t proto;
	uint16_t out_port;
	uint32_t in_ip;
	uint16_t in_port;
};

/* Makes the forwards exactly (fw)[0 .. n) (copied). Forwards that stay
 * keep their sessions. Returns 0, -ENOSPC (more than GW_FORWARDS_MAX), or
 * the first error of a forward that could not be added (the rest are). */
int gw_set_forwards(const struct gw_forward *fw, unsigned n);

#endif
