/*
 * The forwarding database of one learning switch: which port each source
 * MAC address was last seen on, for how long. A bounded, keyed hash table
 * in memory the caller provides: linear probing over a power-of-two slot
 * array at most half full, every entry within FDB_PROBE_MAX slots of its
 * home slot, deletion by backward shift (no tombstones). Learning never
 * evicts a live entry to make room; an entry whose age reaches the aging
 * time is treated as absent at once and its slot may be reused.
 *
 * Time is a millisecond counter that may wrap: an entry's age is now_ms
 * minus the time it was last seen, modulo 2^32. Pure: no I/O, no
 * allocation. Lookup and learning examine at most FDB_PROBE_MAX slots; a
 * removal also walks the rest of its run of occupied slots (a few at half
 * load); aging proceeds in steps of a given budget; only init, flushing,
 * listing and checking visit the whole array.
 */
#ifndef UNIGATE_NET_FDB_H
#define UNIGATE_NET_FDB_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_PROBE_MAX	       64      /* slots examined per lookup, at most */
#define FDB_CAPACITY_MAX       65536   /* entries; the slot array is twice as large */
#define FDB_AGING_DEFAULT      300     /* seconds, as IEEE 802.1D recommends */
#define FDB_AGING_MAX	       1000000 /* seconds (11.5 days): keeps ages far below 2^31 ms */
#define FDB_PORT_MAX	       256     /* port numbers are 0 .. FDB_PORT_MAX - 1 */
#define FDB_PORT_LIMIT_DEFAULT 256     /* learned addresses one port may hold */

/* One slot. All zero is an empty slot. */
struct fdb_entry {
	uint32_t seen; /* now_ms at the last frame from (mac) */
	uint8_t mac[6];
	uint8_t port;
	uint8_t flags; /* FDB_F_* */
};

#define FDB_F_USED   0x01
#define FDB_F_STATIC 0x02 /* configured: never ages, never moves */

/* Event counters; every refusal has a named reason. */
struct fdb_stats {
	uint64_t learned;	  /* new entries, including relearning an expired one */
	uint64_t refreshed;	  /* frames from a known address on its known port */
	uint64_t moved;		  /* known address seen on another port */
	uint64_t refused_full;	  /* new address while the table holds (capacity) entries */
	uint64_t refused_probe;	  /* new address, no free slot within FDB_PROBE_MAX */
	uint64_t ignored_group;	  /* multicast or broadcast source: never learned */
	uint64_t ignored_zero;	  /* all-zero source: never learned */
	uint64_t static_conflict; /* a static entry's address seen on another port */
	uint64_t refused_port;	  /* new address (or a move) to a port at its limit */
	uint64_t aged;		  /* expired entries removed by fdb_age() or reused */
	uint64_t flushed;	  /* entries removed by fdb_flush_port() */
	uint32_t probe_max;	  /* largest distance from home slot ever stored */
};

/*
 * A table. Fields are readable by anyone (count for "show"), written only
 * by fdb.c.
 */
struct fdb {
	struct fdb_entry *slot; /* the caller's array of (mask + 1) entries */
	uint32_t mask;		/* slot count - 1 */
	uint32_t shift;		/* 64 - log2(slot count): hash bits to drop */
	uint32_t probe;		/* FDB_PROBE_MAX, or the slot count if smaller */
	uint32_t capacity;	/* entries allowed, expired ones included */
	uint32_t count;		/* entries stored, expired but not yet removed included */
	uint32_t aging_ms;
	uint32_t cursor;		       /* next slot fdb_age() examines */
	uint32_t port_limit;		       /* learned entries per port; 0: none */
	uint64_t unlimited[FDB_PORT_MAX / 64]; /* bit p: port p has no limit */
	uint32_t learned[FDB_PORT_MAX];	       /* learned (not static) entries per port */
	uint64_t k0, k1, k2;		       /* hash key, from the seed */
	struct fdb_stats stats;
};

/* A listed entry, as fdb_next() reports it. */
struct fdb_info {
	uint8_t mac[6];
	uint8_t port;
	bool is_static;
	uint32_t age_ms; /* 0 for static entries */
};

/* Results of fdb_learn() that are not errors. */
#define FDB_NEW	      0
#define FDB_REFRESHED 1
#define FDB_MOVED     2

/*
 * Returns the slot count fdb_init() needs for (capacity) entries: the
 * smallest power of two at least twice (capacity), or 0 if (capacity) is
 * 0 or above FDB_CAPACITY_MAX.
 */
uint32_t fdb_nslots(uint32_t capacity);

/*
 * Makes (t) an empty table over (slots), an array of (nslots) entries the
 * caller owns and keeps alive and untouched for the table's life; init
 * clears it. (nslots) must be a power of two at least 2 * (capacity)
 * (fdb_nslots() computes it), (capacity) in 1 .. FDB_CAPACITY_MAX, and
 * (aging_s) in 1 .. FDB_AGING_MAX. (seed) keys the hash: take it from a
 * random source, so that nobody outside can choose addresses that collide.
 * Returns 0 or -EINVAL.
 */
int fdb_init(struct fdb *t, struct fdb_entry *slots, uint32_t nslots, uint32_t capacity,
	     uint32_t aging_s, uint64_t seed);

/*
 * Changes the aging time to (aging_s), 1 .. FDB_AGING_MAX; existing entries
 * are judged by the new time from now on. Returns 0 or -EINVAL.
 */
int fdb_set_aging(struct fdb *t, uint32_t aging_s);

/* Returns true if (mac) is a valid source address: not group, not zero. */
bool fdb_mac_unicast(const uint8_t mac[6]);

/*
 * Records that a frame from (mac) arrived on (port) at (now_ms). Returns
 * FDB_NEW (added, or an expired entry relearned), FDB_REFRESHED (same port,
 * age reset), FDB_MOVED (now on (port)), or without changing the table:
 * -EINVAL if (mac) is group or zero or (port) is out of range, -EPERM if
 * (mac) has a static entry on another port, -ENOSPC if the table is full
 * or no slot is free within FDB_PROBE_MAX of (mac)'s home (not seen in
 * tests: full 64k-entry tables needed at most 46). Each outcome but a bad
 * (port) is counted in t->stats.
 */
int fdb_learn(struct fdb *t, const uint8_t mac[6], int port, uint32_t now_ms);

/*
 * Returns the port (mac) was last seen on, or -1 if it is unknown or its
 * entry has expired. Examines at most FDB_PROBE_MAX slots.
 */
int fdb_lookup(const struct fdb *t, const uint8_t mac[6], uint32_t now_ms);

/*
 * Adds or replaces a static entry: (mac), not group or zero, on (port).
 * Returns 0, -EINVAL, or -ENOSPC as fdb_learn().
 */
int fdb_add_static(struct fdb *t, const uint8_t mac[6], int port);

/* Removes (mac)'s entry, static or not. Returns 0 or -ENOENT. */
int fdb_del(struct fdb *t, const uint8_t mac[6]);

/*
 * Removes the dynamic entries on (port), and its static ones too if
 * (statics): when a port's link goes down, or it leaves the switch.
 * Visits every slot. Returns the number removed.
 */
uint32_t fdb_flush_port(struct fdb *t, int port, bool statics);

/*
 * Removes expired entries, examining about (budget) slots from where the
 * previous call stopped (a removal's backward shift counts against it), so
 * that calling it from the poll loop spreads the sweep over time. The
 * whole table must be swept at least once every 2^31 ms, which a budget
 * of 1 per millisecond already guarantees. Returns the number removed.
 */
uint32_t fdb_age(struct fdb *t, uint32_t now_ms, uint32_t budget);

/*
 * Lists entries: start with (*pos) = 0; each call fills (info) with the
 * next unexpired entry and returns 0, or returns -ENOENT at the end. The
 * table must not change between calls of one listing. Order is the hash's.
 */
int fdb_next(const struct fdb *t, uint32_t *pos, uint32_t now_ms, struct fdb_info *info);

/*
 * Copies the live entries of (src) into (dst), an empty table from
 * fdb_init() (another size and seed), keeping ports, ages and static
 * flags, and the counters and aging time: how a table is resized without
 * forgetting what it learned. Static entries go first; entries that do
 * not fit are dropped and counted as flushed. Returns the entries copied.
 */
int fdb_copy(struct fdb *dst, const struct fdb *src, uint32_t now_ms);

/* Sets how many learned addresses one port may hold, (limit) 0 for no
 * limit (fdb_init's; the binding sets FDB_PORT_LIMIT_DEFAULT), and whether
 * port (port) is
 * exempt (the uplink, behind which a whole LAN may sit). Entries already
 * learned stay; a port at its limit learns no new address, nor gets one
 * moved to it, counted in refused_port. */
void fdb_set_port_limit(struct fdb *t, uint32_t limit);
void fdb_set_unlimited(struct fdb *t, int port, bool unlimited);

/* Returns the home slot of (mac) in (t): for tests and diagnostics. */
uint32_t fdb_home(const struct fdb *t, const uint8_t mac[6]);

/*
 * Checks the table's invariants (every entry within reach of its home with
 * no empty slot between, no address twice, count right). For tests and
 * diagnostics: visits every slot. Returns 0 or -EFAULT.
 */
int fdb_check(const struct fdb *t);

#endif
