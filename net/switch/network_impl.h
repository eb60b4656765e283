/*
 * What the net/switch/network*.c files share and nobody else uses: the
 * record of a network, the table of networks, each port's 802.1Q and loop
 * state, and the functions each file offers the others. network.c holds
 * the data path (a port's frame through 802.1Q and the switch to ports,
 * remotes and lwIP; lwIP's frames back; the poller); network_setup.c
 * adds, removes and configures networks; network_guard.c binds each
 * network's guard (net/switch/guard.h) to its frames and to DHCP;
 * network_loop.c sends loop probes and blocks the ports that close a loop
 * (net/switch/loop.h); network_cli.c prints networks for the console.
 * Not an interface: include net/switch/network.h.
 */
#ifndef UNIGATE_NET_SWITCH_NETWORK_IMPL_H
#define UNIGATE_NET_SWITCH_NETWORK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "lwip/netif.h"
#include "net/switch/fdb.h"
#include "net/switch/guard.h"
#include "net/switch/network.h"
#include "net/switch/switch.h"

struct network {
	bool used;
	bool is_nat;
	uint16_t vid;	   /* 802.1Q VLAN ID, 0: none */
	uint64_t untagged; /* its ports that carry it untagged (bit i: eth<i>) */
	uint64_t tagged;   /* ... and tagged with (vid) */
	bool has_netif;
	char name[NETWORK_NAME_MAX];
	uint32_t addr;
	uint8_t prefix;
	bool has_hwaddr; /* (hwaddr) is the netif's MAC, not one made up */
	uint8_t hwaddr[6];
	struct sw sw;
	struct fdb_entry *slots;
	struct netif netif;
	bool guarded;		  /* guard on: a network with an address, not `no guard` */
	struct guard guard;	  /* who holds which address (net/switch/guard.h) */
	void *guard_mem;	  /* its table: network_guard_alloc(), or NULL */
	uint64_t trusted;	  /* ports whose DHCP servers may answer (the uplink's) */
	uint64_t rogue_dhcp;	  /* DHCP server messages from other ports, dropped */
	uint64_t loops;		  /* loops found: a probe came back */
	uint64_t loop_drops;	  /* frames received on a port blocked for a loop */
	uint64_t cpu_nobuf;	  /* frames for lwIP dropped: no pbuf */
	uint64_t cpu_bad_offload; /* frames for lwIP whose offload could not be finished */
	uint64_t cpu_tx_big;	  /* lwIP frames with too many segments */
};

/* Every network, the uplink among them; a slot is free unless (used). A
 * network's index here is its number (network_index). */
extern struct network network_tab[NETWORK_MAX];

/* 802.1Q: the network of each VLAN ID (its index + 1, 0: none), and the
 * frames each port dropped for their tag. */
extern uint8_t network_by_vid[4096];
struct network_port_vlan {
	uint64_t untagged;    /* untagged, and the port is in no network untagged */
	uint64_t unknown_tag; /* a VLAN ID the port does not carry */
	uint64_t bad_offload; /* a tag in front of offload offsets that cannot be */
	uint64_t tagged_out;  /* frames sent tagged */
	char role[64];	      /* for show ports: "vmnet8, lab10 (vlan 10)" */
};
extern struct network_port_vlan network_vlan[NETDEV_MAX];

/* Loop detection (net/switch/loop.h): until when (sys_now(), 0: not) each
 * port is blocked for closing a loop. */
extern uint32_t network_loop_until[NETDEV_MAX];

/* ---- network.c: the data path ---- */

/* A port's receive hook (drivers/netdev.h) while some network has the
 * port: the frame (frame), (len) bytes, lent by (nd)'s driver for the
 * call, goes to the network its 802.1Q tag or its absence picks. The tag
 * comes off in the driver's buffer. */
void network_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl);

/* Sends a frame out of (net)'s port (port), tagged if it carries (net) so.
 * The caller keeps (seg). */
void network_port_xmit(struct network *net, int port, const struct netdev_seg *seg, int nseg,
		       const struct netdev_offload *ofl);

/* lwIP's init of a network's netif (netif_add): its name, MTU and flags;
 * its frames go out through the switch's CPU port. */
err_t network_netif_init(struct netif *nif);

/* ---- network_setup.c: adding, removing, configuring ---- */

/* Port (port) no longer speaks for (net)'s guests: it left, or a loop was
 * cut there. What they were bound to through it goes (the guard), and
 * their DHCP leases are no longer tied to it (services). */
void network_port_released(struct network *net, int port);

/* ---- network_guard.c: the guard's binding ---- */

/* Port (p)'s name in network (ctx): "eth3", or a VXLAN remote's; NULL
 * for none. Also the guard's (guard_set_port_names). */
const char *network_port_name(const void *ctx, unsigned p);

/* The guard's look at a guest's frame of (len) bytes at (f) from port
 * (port) (untrusted: every length is checked): ARP by its sender, IPv4 by
 * its source. Prints a clash it finds. Returns true to drop. */
bool network_guard_drop(struct network *net, int port, const uint8_t *f, size_t len);

/* ---- network_loop.c: loop detection ---- */

/* True if (token) is one of our ports' probes. One that comes back from a
 * VXLAN remote is dropped: a loop through another host is that host's to
 * cut, and blocking a local port for it could cut the wrong one. */
bool network_loop_ours(uint64_t token);

/*
 * A probe (token) arrived on port (in) of (net): if it is one of ours,
 * something outside joins the port it left from to this one. The port it
 * came in on is blocked (a host sees only its own port's probes, so it can
 * block only its own port), or the other one if this is a trusted port
 * (the uplink, where the outside is): a guest's loop must not cut the
 * uplink. Returns false for a probe that is not ours (another appliance's:
 * forwarded).
 */
bool network_loop_seen(struct network *net, int in, uint64_t token);

/* Ends blocks that are over, and every NETWORK_LOOP_PROBE_MS sends a
 * probe out of each open port of every network that has two or more. */
void network_loop_poll(uint32_t now);

#endif
