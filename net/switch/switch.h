/*
 * One learning switch per network: up to SW_PORTS_MAX ports, a MAC table
 * (net/switch/fdb.h) and the forwarding decision for each frame. Pure: sw_input()
 * takes a frame and the time and returns the set of ports the frame goes
 * out of; the binding does the transmitting. The CPU port (the network's
 * lwIP netif) is one port among the others, with its own MAC pinned to it.
 *
 * Policy, IEEE 802.1D in spirit:
 * - a frame never leaves through the port it came in on;
 * - known unicast goes to its one port; broadcast, multicast and unknown
 *   unicast flood to every port that can transmit, except that the CPU port
 *   receives no unknown unicast (its own MACs are pinned, so an unknown
 *   destination is never the CPU's);
 * - frames to the 802.1D reserved group 01:80:c2:00:00:00-0f (STP, LACP,
 *   802.1X, LLDP) are not relayed;
 * - frames with a group or zero source, or with a source pinned to another
 *   port (spoofed, or our own frame looped back), are dropped;
 * - when the MAC table is full, new sources are not learned but their
 *   frames are still forwarded, and frames to them flood as unknown
 *   unicast; existing entries are never evicted to make room.
 * Every drop is counted by reason in struct sw_stats.
 */
#ifndef UNIGATE_NET_SWITCH_H
#define UNIGATE_NET_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"
#include "net/switch/fdb.h"

#define SW_PORTS_MAX 64 /* port numbers are 0 .. 63: bits of a sw_mask_t */
#define SW_BIT(p)    ((sw_mask_t)1 << (p))

/* A set of ports, bit i for port i. */
typedef uint64_t sw_mask_t;
#define SW_ETH_HLEN   14 /* destination, source, EtherType */
#define SW_AGE_BUDGET 64 /* MAC table slots one sw_age() call examines */

struct sw_port {
	const char *name;      /* "eth1", or the network's name for the CPU port */
	void *user;	       /* the binding's: a struct netdev, or the netif */
	bool up;	       /* can transmit */
	bool storm_used;       /* storm control has seen a flood from it */
	uint32_t storm_tokens; /* flooded frames it may still send */
	uint32_t storm_ms;     /* now_ms of the last refill */
};

/* Storm control: broadcast, multicast and unknown-unicast frames a guest
 * port may have flooded to the other guests per second (a burst of as
 * many), by default. Beyond it, its group frames reach only the CPU port
 * (the gateway's services have their own limits) and its unknown unicast
 * nothing, counted; the CPU port's own floods are not limited. */
#define SW_STORM_DEFAULT 1000

/* Per-switch counters; each frame given to sw_input() ends in exactly one
 * of unicast, flood_* or drop_*. */
struct sw_stats {
	uint64_t in;		  /* frames given to sw_input() */
	uint64_t unicast;	  /* known unicast, sent to its one port */
	uint64_t flood_bcast;	  /* broadcast, flooded */
	uint64_t flood_mcast;	  /* multicast, flooded */
	uint64_t flood_unknown;	  /* unicast to an unknown address, flooded */
	uint64_t to_cpu;	  /* frames whose egress set includes the CPU port */
	uint64_t drop_runt;	  /* shorter than an Ethernet header */
	uint64_t drop_bad_port;	  /* ingress port not in the switch (a binding bug) */
	uint64_t drop_bad_src;	  /* group or all-zero source address */
	uint64_t drop_src_pinned; /* source pinned to another port */
	uint64_t drop_link_local; /* 802.1D reserved group destination */
	uint64_t drop_same_port;  /* destination known on the ingress port */
	uint64_t drop_port_down;  /* destination known on a port that cannot transmit */
	uint64_t drop_no_egress;  /* nowhere to flood: no other port can transmit */
	uint64_t drop_storm;	  /* flood over the port's storm-control rate, to no gateway */
	uint64_t storm_limited;	  /* floods over the rate (given to the gateway only, or dropped);
				     not one of the outcomes above */
};

/* A switch. Fields are readable by anyone, written only by switch.c. */
struct sw {
	struct fdb fdb;
	struct sw_port port[SW_PORTS_MAX];
	sw_mask_t members;  /* bit i: port i exists */
	sw_mask_t tx_mask;  /* bit i: port i exists and is up */
	int cpu_port;	    /* or -1 */
	uint32_t storm_pps; /* flooded frames per second per port; 0: no limit */
	struct sw_stats stats;
};

/*
 * Makes (s) a switch with no ports over a MAC table of (capacity) entries
 * in (slots): the arguments and the errors are fdb_init()'s.
 */
int sw_init(struct sw *s, struct fdb_entry *slots, uint32_t nslots, uint32_t capacity,
	    uint32_t aging_s, uint64_t seed);

/* Sets storm control: at most (pps) flooded frames per second from each
 * port but the CPU port, 0 for no limit (default SW_STORM_DEFAULT). */
void sw_set_storm(struct sw *s, uint32_t pps);

/*
 * Adds port (port), 0 .. SW_PORTS_MAX - 1, up. (name) and (user) stay the
 * caller's and must outlive the port; sw_port_user() returns (user).
 * Returns 0, -EINVAL (out of range) or -EEXIST.
 */
int sw_port_add(struct sw *s, int port, const char *name, void *user);

/*
 * Adds the CPU port, as sw_port_add(), and pins (mac), the netif's
 * address, to it with a static MAC table entry. Returns 0, -EINVAL (out of
 * range, bad (mac), or the switch already has a CPU port), -EEXIST, or
 * -ENOSPC (table full; nothing added).
 */
int sw_port_add_cpu(struct sw *s, int port, const char *name, void *user, const uint8_t mac[6]);

/*
 * Pins (mac) to (port) with a static entry: another address of the CPU
 * port, or a configured host. Returns fdb_add_static()'s result, or
 * -ENOENT if (port) is not in the switch.
 */
int sw_pin_mac(struct sw *s, const uint8_t mac[6], int port);

/*
 * Removes (port) and every MAC table entry on it, static ones included.
 * Returns 0 or -ENOENT.
 */
int sw_port_del(struct sw *s, int port);

/*
 * Says whether (port) can transmit (its link is up). Going down removes the
 * port's learned entries, so that its hosts are found again by flooding
 * wherever they reappear. Returns 0 or -ENOENT.
 */
int sw_port_set_up(struct sw *s, int port, bool up);

/* Returns (port)'s user pointer, or NULL if there is no such port. */
void *sw_port_user(const struct sw *s, int port);

/*
 * Decides where a frame of (len) bytes at (frame), received on (in_port) at
 * (now_ms), goes, learning its source. Reads only the first SW_ETH_HLEN
 * bytes, after checking (len); (frame) stays the caller's. Stores in
 * (*out_mask) the ports to send it out of (bit i: port i), never including
 * (in_port). Returns the number of those ports; 0 means the frame is
 * dropped, its reason counted in s->stats.
 */
int sw_input(struct sw *s, int in_port, const uint8_t *frame, size_t len, uint32_t now_ms,
	     sw_mask_t *out_mask);

/*
 * Removes expired MAC table entries, SW_AGE_BUDGET slots' worth per call:
 * call it from the poll loop, at least once a second. Returns the number
 * removed.
 */
uint32_t sw_age(struct sw *s, uint32_t now_ms);

/*
 * Prints the MAC table for "show mac": a header, then one row per unexpired
 * entry (address, port name, dynamic or static, age in seconds), then a
 * summary line. Only entries on (port) if it is 0 or more. Returns 0.
 */
int sw_show_mac(const struct sw *s, uint32_t now_ms, int port, struct cli_out *out);

/* Prints the switch's and its MAC table's counters, for "show counters".
 * Returns 0. */
int sw_show_counters(const struct sw *s, struct cli_out *out);

#endif
