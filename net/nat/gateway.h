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

struct network;

/*
 * The forwarding stage of a network's CPU port (net/switch/network.h): IPv4
 * in the (len)-byte Ethernet frame at (frame), which the switch sent to the
 * CPU port of (net). NAT rewrites it in place (the driver's buffer, lent for
 * the call) and sends it on, or drops it and counts why; either way it
 * returns true (consumed). False: not for forwarding (ARP, the gateway's
 * own addresses, broadcasts), the frame goes on to lwIP untouched.
 */
bool gw_input(struct network *net, void *frame, size_t len);

/* Sets up (or resizes, clearing it) the NAT table of (sessions) entries
 * with the idle timeouts (timeouts) in seconds: udp, tcp, tcp-transitory,
 * icmp. Returns 0, -ENOMEM or -EINVAL. */
int gw_configure(uint32_t sessions, const uint32_t timeouts[4]);

/* The uplink network (NULL: none), and whether its DHCP lease's DNS
 * servers become the forwarder's upstreams. */
void gw_set_uplink(struct network *up, bool learn_dns);

/* Replaces every port forward. Returns 0 or the first -errno. */
void gw_forwards_clear(void);
int gw_forward_add(uint8_t proto, uint16_t out_port, uint32_t in_ip, uint16_t in_port);

#endif
