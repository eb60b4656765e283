/*
 * The guard of a network: which guest holds which address. A table of
 * bindings {IP, MAC, port, origin, expiry}, filled by the DHCP server's
 * ACKs, by `dhcp host` reservations, and (mode learn) by the first claim
 * of a free address on a port; then every ARP message and IPv4 packet a
 * guest port sends is checked against it: its sender must hold the address
 * it speaks for, on the port it speaks from. Nobody may claim the gateway's
 * address. When a second MAC claims a bound address, or a bound MAC speaks
 * from another port, the holder keeps its binding and the clash is recorded
 * as a conflict (first and last seen, both MACs and ports), which the
 * binding reports once per GUARD_REPORT_MS. Bounded: the table holds the
 * (capacity) bindings its caller sized it for, in memory the caller gives;
 * when it is full, new bindings are refused and counted, none evicted. A
 * binding is found by its address and by its MAC, each through a keyed
 * hash, so that no frame and no binding costs a pass over the table. Keys
 * are wide enough for an IPv6 address later. Pure: no I/O, no allocation.
 */
#ifndef UNIGATE_NET_SWITCH_GUARD_H
#define UNIGATE_NET_SWITCH_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

#define GUARD_CAPACITY_DEFAULT 256 /* bindings of a network with a small pool, or none */
#define GUARD_LEARN_MARGIN     256 /* room for learned and static guests beside the pool */
/* A /16's DHCP pool (65536), its reservations (64) and GUARD_LEARN_MARGIN
 * more: every address a DHCP server may give, and room for guests that
 * helped themselves. */
#define GUARD_CAPACITY_MAX 65856
/* Slots a lookup examines: a binding whose run would be longer is refused
 * as if the table were full. At most half full, a table of a /16's guests
 * has runs up to ~75 slots in one fill of 5000. */
#define GUARD_PROBE_MAX 128
#define GUARD_CONFLICTS 16     /* conflicts remembered per network (oldest replaced) */
#define GUARD_LEARN_MS	600000 /* a learned binding lasts this long after its last packet */
#define GUARD_REPORT_MS 10000  /* one console line per conflict per this long, at most */
#define GUARD_PORT_ANY	0xff   /* a reservation not yet seen on a port */

enum guard_mode {
	GUARD_OFF,    /* `no guard`: nothing checked */
	GUARD_LEARN,  /* default: DHCP, reservations, and first claims of free addresses */
	GUARD_STRICT, /* DHCP and reservations only */
};

enum guard_origin {
	GUARD_FREE,
	GUARD_DHCP,	/* an ACK of the network's DHCP server; expires with the lease */
	GUARD_RESERVED, /* a `dhcp host`: never expires; its port is the first it is seen on */
	GUARD_LEARNED,	/* mode learn: the first claim of a free address */
};

/* One binding. All zero is a free slot. */
struct guard_binding {
	uint32_t ip;	  /* host order; IPv4 for now */
	uint32_t expires; /* now_ms; ignored for GUARD_RESERVED */
	uint8_t mac[6];
	uint8_t port;	/* GUARD_PORT_ANY until seen, for a reservation */
	uint8_t origin; /* enum guard_origin */
};

/* A clash: (mac2) on (port2) claimed what (mac1) on (port1) holds. */
struct guard_conflict {
	uint32_t ip;	 /* the address claimed (0: a MAC seen on a second port) */
	uint8_t mac1[6]; /* the holder */
	uint8_t mac2[6]; /* the claimant */
	uint8_t port1, port2;
	uint32_t first, last; /* now_ms */
	uint32_t count;
	uint32_t reported; /* now_ms of the last report; 0: never */
};

/* Why a frame was dropped: the counters `show bindings` prints. */
struct guard_stats {
	uint64_t checked;      /* frames given to guard_arp() and guard_ip() */
	uint64_t learned;      /* bindings made by first claims */
	uint64_t drop_gateway; /* claimed the gateway's address */
	uint64_t drop_taken;   /* claimed an address bound to another MAC */
	uint64_t drop_port;    /* a bound MAC speaking from another port */
	uint64_t drop_unbound; /* mode strict, or the table full: an address nobody holds */
	uint64_t drop_source;  /* IPv4 source not bound to its MAC (or not in the subnet) */
	uint64_t refused_full; /* a binding that did not fit */
};

/* A network's guard. Readable by anyone; written only by net/switch/guard*.c. */
struct guard {
	enum guard_mode mode;
	uint32_t gateway; /* the network's own address */
	uint32_t net, mask;
	uint32_t count;
	uint32_t capacity; /* bindings at most */
	uint32_t slots;	   /* of slot[] and by_mac[]: a power of two, at least 2 * capacity */
	uint32_t shift;	   /* 64 - log2(slots): the hash bits dropped */
	uint32_t soonest;  /* while (timed): no DHCP or learned binding expires earlier */
	bool timed;	   /* there may be DHCP or learned bindings */
	uint64_t key;	   /* hashes addresses into slot[] */
	uint64_t mac_key;  /* hashes MACs into by_mac[] */
	/* In the caller's memory: the bindings, open addressing by ip with no
	 * tombstones; then by MAC, the numbers of their slots plus one (0:
	 * free). */
	struct guard_binding *slot;
	uint32_t *by_mac;
	struct guard_conflict conflict[GUARD_CONFLICTS];
	struct guard_stats stats;
	/* Port names for the show functions: (port_name)(port_ctx, port), or
	 * "ethN" while it is NULL or says NULL. */
	const char *(*port_name)(const void *ctx, unsigned port);
	const void *port_ctx;
};

/* Verdicts of guard_arp() and guard_ip(). */
#define GUARD_PASS 0 /* forward the frame */
#define GUARD_DROP 1 /* drop it: counted */
#define GUARD_CONFLICT                                                                             \
	2 /* drop it: counted, and a conflict due a report (its first, or                          \
	     none for GUARD_REPORT_MS): the binding prints one line */

/*
 * Returns the bytes of memory a table of (capacity) bindings needs, 8-byte
 * aligned: 20 a slot, 2 to 4 slots a binding (40 to 80 bytes). 0 if
 * (capacity) is 0 or above GUARD_CAPACITY_MAX.
 */
size_t guard_mem_size(uint32_t capacity);

/*
 * Returns the capacity for a network whose DHCP pool and reservations
 * hold (dhcp_addresses) addresses (0: no DHCP server) in a subnet of mask
 * (mask): those and GUARD_LEARN_MARGIN more, but no more than the subnet
 * has guest addresses, nor than GUARD_CAPACITY_MAX; at least
 * GUARD_CAPACITY_DEFAULT.
 */
uint32_t guard_capacity_for(uint32_t dhcp_addresses, uint32_t mask);

/*
 * Makes (g) an empty guard in (mode) for the subnet (net)/(mask) whose
 * gateway is (gateway) (host order), holding up to (capacity) bindings in
 * (mem): guard_mem_size(capacity) bytes, 8-byte aligned, which the caller
 * owns and keeps for the guard's life; init clears them. (seed) keys the
 * hashes (a random number: guests choose their MACs and addresses). With
 * (mem) NULL, or (capacity) 0 or above GUARD_CAPACITY_MAX, the guard has
 * capacity 0 and no memory of its own: it binds nothing (guard_bind()
 * says -ENOSPC, counted) and in modes learn and strict drops every claim
 * as unbound; give it GUARD_OFF, for a network with no address.
 */
void guard_init(struct guard *g, void *mem, uint32_t capacity, enum guard_mode mode,
		uint32_t gateway, uint32_t net, uint32_t mask, uint64_t seed);

/* Returns how many bindings (g) may hold. */
uint32_t guard_capacity(const struct guard *g);

/*
 * Moves (src) into (dst), a guard made by guard_init() over other memory,
 * of any capacity and seed (a network's DHCP pool grew or shrank): (dst)
 * takes (src)'s mode, subnet, port names, bindings (expired ones too),
 * conflicts and counters, and keeps its memory, capacity and keys; (src)
 * is not changed. Returns 0, then (src) and its memory may go; or -ENOSPC
 * if the bindings do not fit (more than (dst) holds, or a run too long),
 * and then (dst) holds part of them: the caller discards it and keeps
 * (src).
 */
int guard_copy(struct guard *dst, const struct guard *src);

/* Changes the mode and subnet, keeping the bindings that are still inside
 * the subnet (and not the gateway's address). */
void guard_configure(struct guard *g, enum guard_mode mode, uint32_t gateway, uint32_t net,
		     uint32_t mask);

/*
 * Binds (ip) to (mac) on (port) with (origin) until (expires) (now_ms;
 * ignored for reservations), replacing what (ip) had: the DHCP server's
 * word or the configuration is final. A MAC holds one DHCP or learned
 * binding at a time: its older one is dropped. Returns 0 or -ENOSPC
 * (counted), or -EINVAL (the gateway's address, outside the subnet).
 */
int guard_bind(struct guard *g, uint32_t ip, const uint8_t mac[6], uint8_t port,
	       enum guard_origin origin, uint32_t expires);

/* Removes (ip)'s binding (a released lease, a removed reservation). */
void guard_unbind(struct guard *g, uint32_t ip);

/* Removes every binding of (origin) (the reservations, before they are
 * given again). */
void guard_unbind_origin(struct guard *g, enum guard_origin origin);

/*
 * Checks an ARP message from port (port), frame source (src_mac), whose
 * sender is (spa, sha) (RFC 826), at (now_ms): the sender must be the
 * frame's source, not claim the gateway, and hold (spa), or (mode learn)
 * (spa) must be free, which binds it. An ARP probe (spa 0, RFC 5227)
 * passes. Returns GUARD_PASS, GUARD_DROP or GUARD_CONFLICT, and (*c) the
 * conflict for GUARD_CONFLICT (valid until the next call).
 */
int guard_arp(struct guard *g, uint8_t port, const uint8_t src_mac[6], uint32_t spa,
	      const uint8_t sha[6], uint32_t now_ms, const struct guard_conflict **c);

/*
 * Checks an IPv4 packet from port (port), frame source (src_mac), source
 * address (src) at (now_ms): 0.0.0.0 passes (a DHCP client); otherwise
 * (src) must be in the subnet and held by (src_mac) on (port), or (mode
 * learn) free, which binds it. Refreshes a learned binding. Returns as
 * guard_arp().
 */
int guard_ip(struct guard *g, uint8_t port, const uint8_t src_mac[6], uint32_t src, uint32_t now_ms,
	     const struct guard_conflict **c);

/* The MAC holding (ip), or NULL: for the neighbour table, which takes
 * guests' entries from here only. */
const uint8_t *guard_mac_of(const struct guard *g, uint32_t ip, uint32_t now_ms);

/* Port (port) left the network: its DHCP and learned bindings go (the
 * guest behind it is gone), and a reservation seen there may be seen on
 * another port next. */
void guard_unbind_port(struct guard *g, uint8_t port);

/*
 * Removes expired DHCP and learned bindings: a pass over the table once
 * the soonest expiry has come, else nothing. So that expiries can be
 * ordered, each lies between now and less than 2^31 ms ahead when bound,
 * and the time between two calls plus the furthest ahead an expiry is
 * given stays below 2^31 ms (the binding calls it every second, and
 * network_guard_lease caps leases at 20 days).
 */
void guard_expire(struct guard *g, uint32_t now_ms);

/* Names ports in what the show functions print: (fn)(ctx, port), e.g. a
 * VXLAN remote's port by its endpoint; NULL (the default) for "ethN". */
void guard_set_port_names(struct guard *g, const char *(*fn)(const void *ctx, unsigned port),
			  const void *ctx);

/* Prints the bindings in address order (address, MAC, port, origin,
 * seconds left; a pass over the table per 128 shown) and the counters;
 * then the conflicts with first and last seen. Returns 0. */
int guard_show(const struct guard *g, uint32_t now_ms, struct cli_out *out);
int guard_show_conflicts(const struct guard *g, uint32_t now_ms, struct cli_out *out);

/* Checks the invariants (count, no address twice, origins, the layout, the
 * index by MAC, the soonest expiry). Costs a pass over the table: for
 * tests. Returns 0 or -EFAULT. */
int guard_check(const struct guard *g);

#endif
