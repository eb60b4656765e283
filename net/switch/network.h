/*
 * Networks: each is a learning switch (net/switch/switch.h) over a set of ports,
 * and, when it has an address, a CPU port: an lwIP netif carrying that
 * address. This file binds the pure switch to the netdev ports and to
 * lwIP; frames between guests go port to port and never enter lwIP. The
 * uplink is a network too (its port plus the appliance's own uplink
 * address), and a bridged network's ports join the uplink's switch.
 * The configuration binding (config/apply.c) drives these functions.
 *
 * The path of a frame, in order:
 *  1. A port's driver lends the frame to network_rx(): its 802.1Q tag, or
 *     its absence, picks the network (the tag comes off in place), and the
 *     frame goes to that network's switch (sw_input, net/switch/switch.h):
 *     the source MAC is learned, the destination picks the egress ports
 *     and/or the CPU port. Frames from a VXLAN remote enter here too, at
 *     the remote's port (network_remote_input, from step 3).
 *  2. Egress ports get it by netdev_xmit (one copy, into their rings; a
 *     port carrying the network tagged gets the tag as one more piece), with
 *     what its sender left to a device (a checksum, a 64 KB TCP segment to
 *     cut: drivers/netdev.h), which netdev_xmit finishes in software for a
 *     port whose device cannot.
 *     A VXLAN remote's port wraps it for the uplink (overlay_xmit,
 *     net/switch/overlay.h).
 *  3. The CPU port (the gateway's MAC, or the uplink's): ARP is shown to the
 *     forwarding path's neighbour table (egress_arp_input, net/nat/egress.h);
 *     at the uplink, VXLAN for us is taken apart (overlay_input); then the
 *     forwarding stage, gw_input() (net/nat/gateway.h), translates
 *     nat traffic in the driver's buffer and sends it on through
 *     egress_send() and network_output(), without lwIP; what it leaves goes to
 *  4. lwIP, the appliance's own host stack: ARP and ICMP for its addresses,
 *     DHCP and DNS (net/services.h), the uplink's DHCP client.
 * lwIP's own frames enter the switch at the CPU port (network_linkoutput).
 */
#ifndef UNIGATE_NET_NETWORK_H
#define UNIGATE_NET_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "kernel/cli.h"

#define NETWORK_MAX 33 /* 32 configured networks and the uplink */
/* Switch ports: eth<i> is port i, the CPU port NETDEV_MAX, and a VXLAN
 * network's remote endpoints NETWORK_REMOTE_PORT0 + k (net/switch/overlay.h). */
#define NETWORK_CPU_PORT     NETDEV_MAX
#define NETWORK_REMOTE_PORT0 (NETWORK_CPU_PORT + 1)
#define NETWORK_NAME_MAX     16

struct network;
struct netif;

/* Allocates the MAC table memory of a network of (mac_table) entries,
 * for network_add() or network_set_mac_table(), which take it; the caller
 * frees it with network_table_free() only if it gives it to neither.
 * Returns NULL when out of memory. Allocating first is what lets a
 * config apply fail before it changes anything. */
void *network_table_alloc(uint32_t mac_table);
void network_table_free(void *table);

/* Creates network (name) with the MAC table (table) of (mac_table)
 * entries, from network_table_alloc(), which it takes (and frees on
 * error), and no ports or address; (is_nat) marks it for translation.
 * Returns 0 and stores it in (*out), or -EEXIST, -ENOSPC (no slot),
 * -EINVAL. */
int network_add(const char *name, bool is_nat, uint32_t mac_table, void *table,
		struct network **out);

/* Gives (net) the MAC table (table) of (mac_table) entries, from
 * network_table_alloc(), which it takes, keeping the learned entries that
 * fit; frees the old one. */
void network_set_mac_table(struct network *net, uint32_t mac_table, void *table);

/* Allocates the memory of a guard (net/switch/guard.h) of (capacity)
 * bindings, for network_set_guard_table(), which takes it; the caller frees
 * it with network_guard_free() only if it does not give it. NULL when out
 * of memory. A network starts with none (its guard binds nothing). */
void *network_guard_alloc(uint32_t capacity);
void network_guard_free(void *mem);

/* Gives (net)'s guard the table (mem) of (capacity) bindings, from
 * network_guard_alloc(), which it takes, keeping the bindings (all, or
 * none if they do not fit); frees the old one. */
void network_set_guard_table(struct network *net, void *mem, uint32_t capacity);

/* The bindings (net)'s guard holds at most. */
uint32_t network_guard_capacity(const struct network *net);

/* The entries (net)'s MAC table holds at most. */
uint32_t network_mac_table(const struct network *net);

/* Detaches every port, removes the netif, frees the network. */
void network_remove(struct network *net);

/* The network called (name), or NULL. */
struct network *network_find(const char *name);

/* Makes the network's ports exactly the ports whose bits are set in (mask)
 * (bit i: eth<i>; absent ports are ignored). A port in (mask) that belongs
 * to another network is moved. Ports leaving lose their MAC table entries.
 * Returns 0. */
int network_set_ports(struct network *net, uint64_t mask);

/* Gives the network the 802.1Q VLAN ID (vid), 1 .. 4094 (0: none), and
 * makes its tagged ports exactly those in (tagged) (bit i: eth<i>):
 * frames with that ID from them are the network's, and its frames leave
 * them with it. A port may be tagged in many networks, untagged (ports)
 * in one; one already untagged here turns tagged. Returns 0, -EINVAL, or
 * -EBUSY (another network has the ID; nothing changed). */
int network_set_vlan(struct network *net, uint16_t vid, uint64_t tagged);

/* Adds remote endpoint port (port), NETWORK_REMOTE_PORT0 or more, to
 * (net)'s switch, up; (name) and (user) as sw_port_add() takes them.
 * Removing it forgets the MACs learned behind it. Return sw_port_add()'s
 * and sw_port_del()'s results. */
int network_remote_add(struct network *net, int port, const char *name, void *user);
int network_remote_del(struct network *net, int port);

/* A frame of (len) bytes at (frame), with (ofl), from remote endpoint
 * port (port) of (net): through the same checks as a guest port's frame
 * (guard, storm control, MAC limits), then the switch. The frame is lent
 * as a driver lends its buffer. DHCP server messages are taken from
 * remotes only in a network without an address (its gateway is remote). */
void network_remote_input(struct network *net, int port, void *frame, size_t len,
			  const struct netdev_offload *ofl);

/* The network with number (index) (network_index), or NULL. */
struct network *network_at(int index);

/* Gives the network the gateway address (addr)/(prefix) (host byte order),
 * creating its netif, or removes the netif when (prefix) is 0. (gateway),
 * if not 0, becomes the default route through this network. Returns 0 or
 * -ENOMEM. */
int network_set_address(struct network *net, uint32_t addr, uint8_t prefix, uint32_t gateway);

/* Makes (mac) the MAC of the network's netif when network_set_address()
 * creates it (otherwise one is made up from the network's number and
 * address): the uplink takes its NIC's, which no other appliance on the
 * outside segment shares. */
void network_set_hwaddr(struct network *net, const uint8_t mac[6]);

/* The network's lwIP netif, or NULL if it has no address. */
struct netif *network_netif(struct network *net);

/* The ports (bit i: eth<i>) of (net) from which DHCP server messages are
 * taken, and which may have any number of MACs: the uplink's, where the
 * outside's server and LAN are. From every other port DHCP server
 * messages are dropped and counted (a guest's DHCP server must not hand
 * out addresses), and at most FDB_PORT_LIMIT_DEFAULT MACs are learned.
 * Default: none. */
void network_set_trusted(struct network *net, uint64_t ports);

/* The guard of (net) (net/switch/guard.h): (mode) an enum guard_mode, for
 * the network's current address (call it again after the address
 * changes); off for a network without one. */
void network_set_guard(struct network *net, int mode);

/* The `dhcp host` reservations of (net): (n) pairs (mac)[i], (ip)[i]
 * (host order), replacing the previous ones. */
void network_guard_reserved(struct network *net, const uint8_t (*mac)[6], const uint32_t *ip,
			    unsigned n);

/* The DHCP server has ACKed (ip) to (mac) on port (port) for (lease_s)
 * seconds: that guest now holds the address. */
void network_guard_lease(struct network *net, uint32_t ip, const uint8_t mac[6], int port,
			 uint32_t lease_s);

/* While lwIP handles a frame that came from a port (inside its input, e.g.
 * in a UDP receive callback): stores the frame's source MAC in (mac) and
 * returns the port's number; otherwise returns -1. Lets a service check a
 * message against the frame it came in (DHCP's chaddr, its port). */
int network_input_source(uint8_t mac[6]);

/* Marks the network for NAT (or not). */
void network_set_nat(struct network *net, bool is_nat);
bool network_is_nat(const struct network *net);

/* The network's number, 0 .. NETWORK_MAX - 1, fixed while it exists. */
int network_index(const struct network *net);

/* The address and mask of the network's CPU port (host order; the
 * uplink's as its DHCP client has them), or 0 without one; and its MAC
 * (6 bytes). */
uint32_t network_ip(const struct network *net);
uint32_t network_netmask(const struct network *net);
const uint8_t *network_mac(const struct network *net);

/* Sends the Ethernet frame of (len) bytes at (frame) into the network's
 * switch from its CPU port, as the gateway: it goes to the port the
 * destination MAC was learned on (or is flooded), copied into that port's
 * transmit ring, with what (ofl) (NULL: nothing) leaves to a device; the
 * caller keeps (frame). The forwarding path's egress, step 3 of the path
 * above, without lwIP. */
void network_output(struct network *net, void *frame, size_t len, const struct netdev_offload *ofl);

/* Finds the network whose gateway subnet holds (addr) (host byte order). */
struct network *network_by_addr(uint32_t addr);

/* Sets storm control for every network's ports (sw_set_storm): (pps)
 * flooded frames per second per port, 0 for none. */
void network_set_storm(uint32_t pps);

/* Sets how many MAC addresses one port of any network may have learned
 * (fdb_set_port_limit; trusted uplink ports have no limit), 0 for none.
 * Default FDB_PORT_LIMIT_DEFAULT. */
void network_set_port_macs(uint32_t limit);

/* For show quotas: addresses refused at a port's limit (fdb refused_port)
 * and floods over storm control (sw storm_limited), summed over networks. */
void network_quota_counts(uint64_t *port_macs, uint64_t *storm);

/* Sets every network's MAC table aging time. */
void network_set_aging(uint32_t aging_s);

/* For show networks: prints one network's ports and switch summary. */
void network_show(const struct network *net, struct cli_out *out);

#endif
