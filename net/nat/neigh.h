/*
 * The forwarding path's neighbour (ARP) table: which MAC address an IPv4
 * address of a network has, so that a translated frame goes straight to
 * its egress port without lwIP. One bounded table for every network, keyed
 * by (network, address); each network may hold at most its own share, so
 * that one network cannot fill it for the others. An address being
 * resolved is INCOMPLETE: the binding queues frames for it (a few, in its
 * own buffers) and sends ARP requests (RFC 826) when this table says so,
 * at most (tries) of them (RFC 1122 §2.3.2.1: no flooding with requests);
 * then it is FAILED for a while and frames to it are dropped at once.
 * A REACHABLE entry lasts (reachable_ms) from its last confirmation (an
 * ARP message from that address), then is probed again only if used.
 * Also here: parsing ARP frames from untrusted bytes and building the
 * request. Pure: no I/O, no allocation, no lwIP.
 */
#ifndef UNIGATE_NET_NAT_NEIGH_H
#define UNIGATE_NET_NAT_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

#define NEIGH_NETS		64    /* network numbers 0 .. NEIGH_NETS - 1 */
#define NEIGH_CAPACITY_MAX	65536 /* entries; the slot array is twice as large */
#define NEIGH_PROBE_MAX		32    /* slots examined per lookup, at most */
#define NEIGH_REACHABLE_DEFAULT 60000 /* ms a confirmed entry is used without asking */
#define NEIGH_RETRY_DEFAULT	1000  /* ms between ARP requests for one address */
#define NEIGH_TRIES_DEFAULT	3     /* requests before an address is FAILED */
#define NEIGH_FAILED_HOLD	5000  /* ms a FAILED address drops frames at once */
#define NEIGH_ARP_LEN		42    /* Ethernet header and an ARP message for IPv4 */

enum neigh_state {
	NEIGH_FREE,
	NEIGH_INCOMPLETE, /* request sent, no answer yet */
	NEIGH_REACHABLE,  /* MAC known and confirmed within reachable_ms */
	NEIGH_STALE,	  /* MAC known, confirmation old: used, and asked again */
	NEIGH_FAILED,	  /* no answer to (tries) requests: drop for a while */
};

/* One slot. All zero is a free slot. */
struct neigh_entry {
	uint32_t ip;	  /* host order */
	uint32_t when;	  /* now_ms: of the last confirmation, request, or failure */
	uint8_t mac[6];	  /* REACHABLE, STALE */
	uint8_t net;	  /* the binding's network number */
	uint8_t state;	  /* enum neigh_state */
	uint8_t requests; /* requests sent since the last confirmation */
	uint8_t pad[3];
};

struct neigh_stats {
	uint64_t hits;		 /* neigh_resolve() with a usable MAC */
	uint64_t misses;	 /* neigh_resolve() that had to wait */
	uint64_t requests;	 /* ARP requests asked for */
	uint64_t confirmed;	 /* entries made or refreshed by ARP */
	uint64_t changed;	 /* a known address answered with another MAC */
	uint64_t failed;	 /* addresses that did not answer (tries) requests */
	uint64_t dropped_failed; /* resolves of a FAILED address: frame dropped */
	uint64_t refused_full;	 /* new address, table or network share full */
	uint64_t refused_probe;	 /* new address, no free slot within NEIGH_PROBE_MAX */
	uint64_t expired;	 /* entries removed by neigh_tick() */
	uint64_t arp_bad;	 /* neigh_arp_parse(): not a well-formed IPv4-over-Ethernet ARP */
};

/* A table. Readable by anyone (for show); written only by neigh.c. */
struct neigh {
	struct neigh_entry *slot; /* the caller's array of (mask + 1) entries */
	uint32_t mask;
	uint32_t shift;
	uint32_t probe;
	uint32_t capacity;	      /* entries in all */
	uint32_t count;		      /* entries stored */
	uint32_t share;		      /* entries one network may hold */
	uint32_t per_net[NEIGH_NETS]; /* entries stored, by network */
	uint32_t reachable_ms, retry_ms;
	unsigned tries;
	uint32_t cursor; /* next slot neigh_tick() examines */
	uint64_t k0, k1;
	struct neigh_stats stats;
};

/* Results of neigh_resolve(). */
#define NEIGH_USE     0 /* (mac) filled: send the frame */
#define NEIGH_REQUEST 1 /* queue the frame and send an ARP request for the address now */
#define NEIGH_WAIT    2 /* queue the frame: a request is out */

/* Returns the slot count neigh_init() needs for (capacity) entries: the
 * smallest power of two at least twice (capacity); 0 if (capacity) is 0 or
 * above NEIGH_CAPACITY_MAX. */
uint32_t neigh_nslots(uint32_t capacity);

/*
 * Makes (t) an empty table over (slots), an array of (nslots) entries
 * (neigh_nslots(capacity)) that the caller owns and keeps; init clears it.
 * Each network may hold at most (share) entries (1 .. capacity). (seed)
 * keys the hash (take it from a random source). Defaults: reachable
 * NEIGH_REACHABLE_DEFAULT, retry NEIGH_RETRY_DEFAULT, NEIGH_TRIES_DEFAULT.
 * Returns 0 or -EINVAL.
 */
int neigh_init(struct neigh *t, struct neigh_entry *slots, uint32_t nslots, uint32_t capacity,
	       uint32_t share, uint64_t seed);

/*
 * Finds the MAC of (ip) on network (net) for a frame to send at (now_ms).
 * Returns NEIGH_USE with (mac) filled (REACHABLE or STALE), NEIGH_REQUEST
 * (a new INCOMPLETE entry, or one whose retry is due), NEIGH_WAIT
 * (INCOMPLETE, a request is out), or -ENOSPC (no room) or -EHOSTUNREACH
 * (FAILED and held), both counted. (*ask) is true when the binding should
 * send an ARP request for (ip) now: always with NEIGH_REQUEST, and with
 * NEIGH_USE for a STALE entry whose last request is older than retry_ms
 * (the frame goes; the answer refreshes the entry; a STALE entry asked
 * (tries) times without an answer becomes FAILED).
 */
int neigh_resolve(struct neigh *t, uint8_t net, uint32_t ip, uint32_t now_ms, uint8_t mac[6],
		  bool *ask);

/*
 * Takes the ARP sender (ip, mac) seen on network (net) at (now_ms); the
 * binding passes only senders of the network's own subnet, never 0.0.0.0. An
 * existing entry for it becomes REACHABLE with that MAC (counted as
 * changed if the MAC differs). A new entry is made only if (create) (the
 * binding says who may create: e.g. a request for our own address).
 * Returns 1 if an INCOMPLETE entry resolved (the binding sends its queued
 * frames), 0 otherwise, or -ENOSPC when (create) found no room.
 */
int neigh_confirm(struct neigh *t, uint8_t net, uint32_t ip, const uint8_t mac[6], uint32_t now_ms,
		  bool create);

/*
 * Only this call turns an INCOMPLETE entry out of tries into FAILED (so the
 * binding learns to drop its frames); call it at least every 2^31 ms.
 * Looks at up to (budget) slots from where the previous call stopped:
 * INCOMPLETE entries due a retry are reported (at most (max) of them) in
 * (due)[i] as (net, ip) pairs for the binding to send requests; those out
 * of tries become FAILED (the binding drops their queued frames: they are
 * reported in (failed) likewise); FAILED entries past their hold and STALE
 * entries unused for reachable_ms are removed. Returns the number of
 * entries written to (due) plus (failed); *(ndue) and *(nfailed) say which.
 */
struct neigh_addr {
	uint8_t net;
	uint32_t ip;
};
int neigh_tick(struct neigh *t, uint32_t now_ms, uint32_t budget, struct neigh_addr *due,
	       unsigned max, unsigned *ndue, struct neigh_addr *failed, unsigned *nfailed);

/* Removes every entry of network (net) (its address or ports changed). */
void neigh_flush_net(struct neigh *t, uint8_t net);

/* A parsed ARP message (RFC 826) for IPv4 over Ethernet. */
struct neigh_arp {
	uint16_t op; /* 1 request, 2 reply */
	uint8_t sha[6];
	uint32_t spa; /* host order */
	uint8_t tha[6];
	uint32_t tpa;
};

/*
 * Parses the Ethernet frame of (len) bytes at (frame) as ARP: ethertype
 * 0x0806, hardware type 1 length 6, protocol 0x0800 length 4, op 1 or 2,
 * a unicast sender MAC equal to the frame's source. Returns 0, or -EINVAL
 * (counted in (t)'s arp_bad if (t) is not NULL).
 */
int neigh_arp_parse(struct neigh *t, const uint8_t *frame, size_t len, struct neigh_arp *arp);

/*
 * Writes into (buf), NEIGH_ARP_LEN bytes, a broadcast ARP request from
 * (mac)/(ip) asking for (target) (host order). Returns NEIGH_ARP_LEN.
 */
size_t neigh_arp_request(uint8_t *buf, const uint8_t mac[6], uint32_t ip, uint32_t target);

/*
 * Prints the entries of network (net) (every network if (net) is
 * NEIGH_NETS): address, MAC, state, age; then the counters. Returns 0.
 */
int neigh_show(const struct neigh *t, unsigned net, uint32_t now_ms, struct cli_out *out);

/* Checks the invariants (probe bound, no address twice, counts). For
 * tests. Returns 0 or -EFAULT. */
int neigh_check(const struct neigh *t);

#endif
