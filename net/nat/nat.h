/*
 * NAPT from the nat networks out of the uplink's one address: the session
 * table and the rewriting of IPv4 packets, pure (no I/O, no allocation):
 * nat_translate() takes a writable packet and the time and returns a
 * verdict; the binding does the sending. Behaviour, by RFC:
 * - endpoint-independent mapping: one outside port per (protocol, inside
 *   address, inside port), whatever the destination (RFC 4787 REQ-1,
 *   RFC 5382 REQ-1, RFC 5508 REQ-1a); the inside port is kept when it is
 *   in the pool and free, else a random free port of the pool with the
 *   same parity is taken (RFC 4787 REQ-3, REQ-4; RFC 7857's port
 *   randomization, RFC 6056);
 *   never port overloading; ICMP query identifiers are ports here.
 * - endpoint-independent filtering (RFC 4787 REQ-8, RFC 5382 REQ-3): a
 *   mapping accepts UDP from any remote and TCP SYNs from any remote, each
 *   new remote getting its own session; ICMP replies and other TCP
 *   segments need a session.
 * - per-remote sessions with idle timers: UDP (default 300 s, at least
 *   120, RFC 4787 REQ-5), ICMP queries (60 s, RFC 5508 REQ-2), TCP state
 *   followed from SYN, FIN and RST in both directions (RFC 7857 §2, the
 *   RFC 6146 machine): established 7440 s (RFC 5382 REQ-5), closing and
 *   after RST 240 s (RFC 7857 §2.2), opening 240 s (RFC 7857 §2.1 lets it
 *   be set lower). Translated packets refresh their session both ways
 *   (RFC 4787 REQ-6); ICMP errors never do (RFC 5508 REQ-6), nor does a
 *   RST that does not end an established connection (RFC 7857, outbound
 *   refresh and error packets).
 * - hairpinning: an inside host sending to the uplink address and a mapped
 *   port reaches the inside host behind it, seeing the sender's mapped
 *   address and port as the source (RFC 4787 REQ-9, RFC 5382 REQ-8); port
 *   forwards apply to it too.
 * - ICMP errors (destination unreachable, time exceeded, parameter
 *   problem) are translated both ways and hairpinned: the ICMP checksum
 *   and the embedded IP header checksum are verified, the embedded header
 *   and ports reverted, every checksum fixed (RFC 5508 REQ-3 to REQ-5,
 *   REQ-7); errors with no matching session are dropped.
 * - as a router: TTL decremented, time exceeded and fragmentation needed
 *   asked of the binding (RFC 1812 §5.3.1, RFC 4787 REQ-13), no ICMP
 *   error ever asked about an ICMP error or a non-first fragment.
 * - fragments: the first fragment is translated as a whole packet and,
 *   when later fragments will need its mapping (inbound and hairpinned
 *   datagrams), recorded by (source, destination, protocol, IP ID) for
 *   NAT_FRAG_TIMEOUT_MS in a table of NAT_FRAG_SLOTS; later fragments
 *   take their addresses from the record. Outbound later fragments need
 *   no record (only the source address changes). An inbound later
 *   fragment with no record, arriving before its first fragment or
 *   belonging to the appliance's own traffic, is NAT_LOCAL. So inbound
 *   fragments out of order are not translated (RFC 4787 REQ-14 only for
 *   the outbound direction) unless the binding reassembles first.
 * - quotas (enum nat_quota, each 0 for off): one guest, or one outside
 *   host, cannot use up what the others need.
 *   - a new flow that finds no room (the table holding (capacity)
 *     sessions or mappings, its inside host holding cfg.host_sessions, no
 *     free port in the pool, or no free session slot within NAT_PROBE_MAX
 *     of its home) first evicts a half-open TCP session (SYN seen one way
 *     only): the one idle longest among the cfg.halfopen_scan session
 *     slots after where the previous search stopped, so bounded work per
 *     packet (a few such searches at most); for the host, one of that host's bucket only; for a
 * port, one whose dynamic mapping goes with it; for a slot, one in the slots the new session may
 * use. None younger than NAT_HALFOPEN_GRACE_MS (a handshake in flight) goes, nor any established,
 * closing or transitory TCP session, UDP or ICMP; an expired session not yet swept goes first. With
 * none to evict, or a mapping index with no free slot within NAT_PROBE_MAX (never evicted for), the
 * flow is refused (NAT_ICMP_ADMIN_PROHIBITED, RFC 5508 REQ-8) and counted.
 *   - half-open sessions time out fast under pressure: when the table, or
 *     the host's bucket, is at least 7/8 full, after
 *     NAT_HALFOPEN_PRESSED_S (RFC 6146 §4's TCP_INCOMING_SYN) instead of
 *     the opening timeout (RFC 7857 §2.1 lets a partly open session time
 *     out sooner than 4 minutes).
 *   - an inside host holds at most cfg.host_sessions sessions, a forward
 *     opens at most cfg.forward_rate inbound sessions a second, a mapping
 *     holds at most cfg.frag_per_map fragment records
 *     (NAT_DROP_FRAG_QUOTA), and the binding is asked to send at most
 *     cfg.icmp_err_rate ICMP errors a second, a burst of as many, to one
 *     host (RFC 1812 §4.3.2.8; NAT_DROP_ICMP_RATE): a spoofed source
 *     cannot turn the gateway into a reflector.
 * Host-only networks are never translated: the binding does not call this
 * module for them.
 *
 * Memory: the caller provides one block of nat_mem_size(capacity) bytes,
 * about 68 a session: mapping records, two indexes over them (inside key,
 * outside port) and the session table, each hashed with a key from a
 * random seed, at most half full, probing at most NAT_PROBE_MAX slots,
 * deleting by backward shift; so a packet costs a constant number of
 * lookups in either direction. Time is a millisecond counter that may
 * wrap; nat_expire() must sweep the table at least once every 2^31 ms.
 */
#ifndef UNIGATE_NET_NAT_H
#define UNIGATE_NET_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

#define NAT_CAPACITY_DEFAULT	  65536 /* sessions, and mappings */
#define NAT_CAPACITY_MAX	  (1u << 20)
#define NAT_PROBE_MAX		  64	  /* index slots examined per lookup, at most */
#define NAT_PORT_MIN_DEFAULT	  1024	  /* dynamic outside ports: RFC 4787 REQ-3a */
#define NAT_PORT_MAX_DEFAULT	  49151	  /* above: lwIP's own ports (0xc000 up) */
#define NAT_MTU_DEFAULT		  1500	  /* bytes, uplink and inside alike */
#define NAT_FORWARD_RATE_DEFAULT  500	  /* new inbound sessions per forward per second */
#define NAT_HOST_SESSIONS_DEFAULT 16384	  /* sessions one inside host may hold */
#define NAT_HOST_BUCKETS	  1024	  /* per-host counts, by a keyed hash of the address */
#define NAT_MTU_MIN		  68	  /* RFC 791 */
#define NAT_TIMEOUT_MAX		  1000000 /* seconds (11.5 days), far below 2^31 ms */
#define NAT_FRAG_SLOTS		  256	  /* fragmented datagrams tracked at once */
#define NAT_FRAG_PROBE		  16	  /* fragment slots examined per lookup */
#define NAT_FRAG_TIMEOUT_MS	  30000	  /* a datagram's fragments must follow within this */
#define NAT_FRAG_PER_MAP_DEFAULT  16	  /* fragment records one mapping may hold */
#define NAT_ICMP_ERR_RATE_DEFAULT 20	  /* ICMP errors asked per host per second, and burst */
#define NAT_ICMP_BUCKETS	  1024	  /* ICMP error budgets, by a keyed hash of the address */
#define NAT_HALFOPEN_SCAN_DEFAULT 128	  /* session slots searched for one to evict */
#define NAT_HALFOPEN_GRACE_MS	  1000	  /* a younger half-open session is never evicted */
#define NAT_HALFOPEN_PRESSED_S	  6	  /* half-open timeout under pressure (RFC 6146 §4) */
#define NAT_EXPIRE_BUDGET	  256	  /* session slots per nat_expire() call, suggested */

/* Idle timeouts, in seconds; defaults and smallest values allowed. */
enum nat_timeout {
	NAT_TMO_UDP,	     /* 300, at least 120: RFC 4787 REQ-5 */
	NAT_TMO_ICMP,	     /* 60, at least 60: RFC 5508 REQ-2 */
	NAT_TMO_TCP_EST,     /* 7440, at least 7440: RFC 5382 REQ-5 */
	NAT_TMO_TCP_TRANS,   /* 240, at least 240: closing, after RST (RFC 5382 REQ-5) */
	NAT_TMO_TCP_OPENING, /* 240, at least 6: partly open (RFC 7857 §2.1, RFC 5382 REQ-4) */
	NAT_TMO_MAX
};

/* What nat_translate() decided. The packet is rewritten only for NAT_TO_*.
 * A NAT_ICMP_* verdict comes only within cfg.icmp_err_rate for the
 * packet's source, else NAT_DROP_ICMP_RATE. */
enum nat_verdict {
	NAT_TO_UPLINK,		   /* translated: send it out of the uplink */
	NAT_TO_INSIDE,		   /* translated: send it to the nat network holding its
				      (new) destination address */
	NAT_LOCAL,		   /* not for translation, untouched: the appliance's own (lwIP) */
	NAT_ICMP_TIME_EXCEEDED,	   /* untouched: send ICMP 11/0 about it to its source, drop it */
	NAT_ICMP_FRAG_NEEDED,	   /* untouched: send ICMP 3/4 with next-hop MTU meta->mtu, drop */
	NAT_ICMP_ADMIN_PROHIBITED, /* untouched: no room for a new flow; send ICMP 3/13 (or
				      not), drop */
	/* Dropped, untouched, nothing to send; each one counted. */
	NAT_DROP_SHORT,	     /* shorter than an IPv4 header or than its transport header */
	NAT_DROP_VERSION,    /* not IPv4 */
	NAT_DROP_IHL,	     /* header length below 20 bytes or beyond the buffer */
	NAT_DROP_LENGTH,     /* total length below the header length or beyond the buffer */
	NAT_DROP_IP_CKSUM,   /* header checksum wrong (RFC 1812 §5.2.2) */
	NAT_DROP_ADDR,	     /* martian source or destination, or inbound not to the uplink */
	NAT_DROP_PROTO,	     /* outbound protocol other than TCP, UDP, ICMP */
	NAT_DROP_L4,	     /* bad transport header: port 0, TCP data offset, UDP length,
				tiny first fragment, TCP fragment at offset 8 (RFC 1858) */
	NAT_DROP_NO_UPLINK,  /* outbound while the uplink has no address */
	NAT_DROP_NO_MAPPING, /* to a pool port or identifier no mapping holds (unsolicited) */
	NAT_DROP_NO_SESSION, /* TCP other than a SYN, ICMP reply or error, from a remote
				the mapping has no session with */
	NAT_DROP_ICMP_TYPE,  /* ICMP type not translated (redirect, outbound reply, ...) */
	NAT_DROP_ICMP_CKSUM, /* ICMP error whose checksum fails (RFC 5508 REQ-3) */
	NAT_DROP_ICMP_INNER, /* ICMP error whose embedded packet is malformed, fragmented
				beyond its first part, or inconsistent (REQ-3a) */
	NAT_DROP_TTL,	     /* TTL expired where no ICMP error may be sent */
	NAT_DROP_TOO_BIG,    /* DF set, too big, where no ICMP error may be sent */
	NAT_DROP_FRAG,	     /* a fragmented ICMP error; a later fragment of a hairpinned
				datagram whose first fragment was not seen */
	NAT_DROP_FRAG_FULL,  /* first fragment, and no room to track its datagram */
	NAT_DROP_RATE,	     /* a new inbound session to a forward beyond its rate */
	NAT_DROP_FRAG_QUOTA, /* first fragment, its mapping holding cfg.frag_per_map records */
	NAT_DROP_ICMP_RATE,  /* an ICMP error (NAT_ICMP_*) to a host beyond cfg.icmp_err_rate:
				nothing sent */
	NAT_VERDICT_MAX
};

/* Returns true if (v) is one of the NAT_DROP_* verdicts. */
static inline bool nat_is_drop(enum nat_verdict v)
{
	return v >= NAT_DROP_SHORT;
}

/* What the caller tells nat_translate() about a packet (kept), and more
 * about its verdict (filled in). */
struct nat_meta {
	/* In: the sender left the TCP/UDP checksum to a device (virtio 1.2
	 * §5.1.6.2, NEEDS_CSUM, the field at its usual place): the field
	 * holds the pseudo-header's sum, so an address change updates it as a
	 * sum and a port change leaves it (the device sums the ports). */
	bool csum_partial;
	/* In: a TCP GSO packet, cut later into segments of this many payload
	 * bytes: the next hop's MTU is checked against a segment, not the
	 * whole. 0: an ordinary packet. */
	uint16_t gso_size;
	uint16_t mtu;  /* NAT_ICMP_FRAG_NEEDED, NAT_TO_*: the next hop's MTU */
	bool fragment; /* NAT_TO_*: longer than (mtu), DF clear: fragment it to send it */
};

/* Direction of a packet given to nat_translate(). */
enum nat_dir {
	NAT_OUTBOUND, /* from a host of a nat network, routed towards the uplink */
	NAT_INBOUND,  /* arrived on the uplink, to the uplink address */
};

/* Settings. Addresses are in host order. */
struct nat_config {
	uint32_t uplink_ip;	       /* the address mappings use; 0 while there is none */
	uint16_t uplink_mtu;	       /* NAT_MTU_MIN .. 65535 */
	uint16_t inside_mtu;	       /* of the nat networks, NAT_MTU_MIN .. 65535 */
	uint16_t port_min;	       /* dynamic outside ports and ICMP identifiers: the pool */
	uint16_t port_max;	       /* 1 .. 65535, port_min <= port_max */
	uint32_t timeout[NAT_TMO_MAX]; /* seconds */
	uint32_t forward_rate;	       /* new inbound sessions per forward per second; 0: any */
	uint32_t host_sessions;	       /* sessions per inside host (bucket); 0: any */
	uint32_t frag_per_map;	       /* fragment records per mapping; 0: any */
	uint32_t icmp_err_rate;	       /* ICMP errors asked per host (bucket) per second; 0: any */
	uint32_t halfopen_scan;	       /* session slots searched for a half-open session to
					  evict; 0: none evicted, none timed out fast */
};

/*
 * Quotas, the fields of struct nat_config above that keep one guest (or
 * one outside host) from starving the others; 0 turns one off. Defaults
 * (nat_quota_default) nobody notices in normal use:
 * - host_sessions 16384: a quarter of the default table, far beyond what
 *   a busy desktop keeps open;
 * - forward_rate 500: a server behind a forward rarely sees more new
 *   clients a second;
 * - frag_per_map 16: a record is needed only until its datagram's last
 *   fragment has passed, a few milliseconds in order; 16 datagrams of one
 *   flow in flight at once leave the other flows 240 records;
 * - icmp_err_rate 20: a traceroute asks 3 a hop, path MTU discovery one
 *   per route change; 20 a second is more than any real host needs;
 * - halfopen_scan 128: 2 KiB of session slots read per new flow that
 *   finds no room, which holds about 64 sessions at the table's densest.
 */
enum nat_quota {
	NAT_Q_HOST_SESSIONS, /* cfg.host_sessions, "host-sessions" */
	NAT_Q_FORWARD_RATE,  /* cfg.forward_rate, "forward-rate" */
	NAT_Q_FRAG_PER_MAP,  /* cfg.frag_per_map, "fragments" */
	NAT_Q_ICMP_ERR_RATE, /* cfg.icmp_err_rate, "icmp-errors" */
	NAT_Q_HALFOPEN_SCAN, /* cfg.halfopen_scan, "half-open-scan" */
	NAT_Q_MAX
};

/* An ICMP error budget: a token bucket (RFC 1812 §4.3.2.8) held as what is
 * owed, in thousandths of an error, as of (at_ms). All zero: full. */
struct nat_err_budget {
	uint32_t owed;
	uint32_t at_ms;
};

/* Event counters. Every nat_translate() call ends in one verdict[]. */
struct nat_stats {
	uint64_t verdict[NAT_VERDICT_MAX];
	uint64_t maps_created; /* dynamic mappings */
	uint64_t sessions_created;
	uint64_t sessions_expired; /* removed by nat_expire(), found expired and reused, or
				      found expired by a search for room */
	uint64_t port_preserved;   /* new mappings that kept the inside port */
	/* New flows refused, no session to evict for them: */
	uint64_t refused_full;	   /* table holding (capacity) sessions or mappings */
	uint64_t refused_host;	   /* its inside host holding host_sessions already */
	uint64_t refused_probe;	   /* no index slot free within NAT_PROBE_MAX */
	uint64_t refused_ports;	   /* no outside port free in the pool */
	uint64_t frag_tracked;	   /* first fragments recorded */
	uint64_t frag_local;	   /* inbound later fragments with no record: NAT_LOCAL */
	uint64_t maps_preempted;   /* dynamic mappings ended by a forward added over them */
	uint64_t halfopen_evicted; /* half-open sessions evicted for a new flow */
	uint32_t probe_max;	   /* largest distance from home slot ever stored */
};

struct nat_map;
struct nat_sess;
struct nat_frag;

/*
 * A translator. Fields are readable by anyone (counts for "show"), written
 * only by the nat_*.c files.
 */
struct nat {
	struct nat_config cfg;
	struct nat_map *map;   /* (capacity) mapping records */
	struct nat_sess *sess; /* session table, (mask + 1) slots, by (mapping, remote) */
	uint32_t *ix_in;       /* mapping by (protocol, inside address, inside port) */
	uint32_t *ix_out;      /* mapping by (protocol, outside port) */
	uint64_t *ports;       /* outside ports in use: a bitmap per protocol */
	struct nat_frag *frag; /* NAT_FRAG_SLOTS records */
	uint32_t capacity;
	uint32_t mask;	/* index and session table slots - 1 */
	uint32_t shift; /* 64 - log2(index slots) */
	uint32_t probe; /* NAT_PROBE_MAX, or the slot count if smaller */
	uint32_t nmaps; /* mappings stored, forwards included */
	uint32_t nsess; /* sessions stored, expired ones not yet swept included */
	uint32_t nforwards;
	uint32_t map_free;     /* head of the free mapping list */
	uint32_t cursor;       /* next session slot nat_expire() examines */
	uint32_t evict_cursor; /* next session slot the search for one to evict examines */
	uint64_t key[4];       /* hash key, from the seed */
	uint32_t (*rand)(void *ctx);
	void *rand_ctx;
	/* Sessions per inside host: bucket nat_host_bucket(in_ip). Colliding
	 * hosts share a budget, which only ever errs on the side of the
	 * others; the keyed hash keeps outsiders from choosing collisions. */
	uint32_t host_sess[NAT_HOST_BUCKETS];
	/* ICMP errors asked per destination host: a budget per keyed-hash
	 * bucket, shared as host_sess is. */
	struct nat_err_budget icmp_err[NAT_ICMP_BUCKETS];
	struct nat_stats stats;
};

/* A port forward, as nat_forward_next() lists it. */
struct nat_forward {
	uint8_t proto; /* 6 (TCP) or 17 (UDP) */
	uint16_t out_port;
	uint32_t in_ip;
	uint16_t in_port;
	uint32_t sessions; /* sessions using it now */
};

/* A session, as nat_session_next() lists it. */
struct nat_session_info {
	uint8_t proto; /* 6, 17 or 1 */
	uint32_t in_ip;
	uint16_t in_port; /* ICMP: the inside query identifier */
	uint16_t out_port;
	uint32_t rem_ip;
	uint16_t rem_port; /* ICMP: 0 */
	bool forward;	   /* under a port forward */
	const char *state; /* "established", "syn-out", ...; "-" but for TCP */
	uint32_t idle_ms;
	uint32_t expires_s; /* seconds left */
};

/* Fills (c) with the defaults: no uplink address, MTUs 1500, the default
 * pool, default timeouts and quotas. */
void nat_config_default(struct nat_config *c);

/*
 * Returns the bytes of memory nat_init() needs for (capacity) sessions and
 * as many mappings, or 0 if (capacity) is 0 or above NAT_CAPACITY_MAX:
 * 4.5 MB for NAT_CAPACITY_DEFAULT.
 */
size_t nat_mem_size(uint32_t capacity);

/*
 * The table size to use when none is configured, for a heap of (heap)
 * bytes: NAT_CAPACITY_DEFAULT when its memory (nat_mem_size) takes at most
 * an eighth of the heap, else the largest power of two that does, and
 * never below NAT_CAPACITY_FLOOR.
 */
#define NAT_CAPACITY_FLOOR 1024
uint32_t nat_capacity_for_heap(uint64_t heap);

/*
 * Makes (n) an empty translator with configuration (cfg) (copied) over
 * (mem), (size) bytes aligned to 8 that the caller owns and keeps alive
 * and untouched for the translator's life; init clears it. (size) must be
 * at least nat_mem_size(capacity). (seed) keys the hashes and (rand),
 * called with (rand_ctx), picks outside ports: take both from a random
 * source, so that nobody outside can guess ports or choose colliding
 * keys. Returns 0, or -EINVAL for a bad argument or setting (timeouts
 * below their minimum, pool or MTU out of range).
 */
int nat_init(struct nat *n, void *mem, size_t size, uint32_t capacity, const struct nat_config *cfg,
	     uint64_t seed, uint32_t (*rand)(void *ctx), void *rand_ctx);

/*
 * As nat_init(), over (mem) whose first nat_mem_size(capacity) bytes are
 * all zero already: init does not clear them again. For a caller that
 * clears a big table a piece at a time (the first touch of fresh memory is
 * what costs), so that no one step holds the CPU for long.
 */
int nat_init_zeroed(struct nat *n, void *mem, size_t size, uint32_t capacity,
		    const struct nat_config *cfg, uint64_t seed, uint32_t (*rand)(void *ctx),
		    void *rand_ctx);

/*
 * Copies every mapping (forwards included) and session of (src) into
 * (dst), freshly made by nat_init() with room for them, keeping outside
 * ports, TCP states and idle times, and the counters: how a table grows
 * without ending a flow. The settings are not copied: timeouts and quotas
 * stay those (dst) was made with or given since (nat_set_timeout(),
 * nat_set_quota(), before or after the copy), so the caller carries them
 * over, or changes them with the size. Fragment records and ICMP error
 * budgets start afresh. (src) is not changed. Returns 0, or -ENOSPC when
 * they do not fit (then (dst) holds part of them: nat_clear() it, or
 * discard it).
 */
int nat_copy(struct nat *dst, const struct nat *src);

/*
 * Sets the uplink address (ip), host order, 0 for none, and its MTU. A new
 * address ends every dynamic mapping and session (nat_clear()): their
 * outside address is gone. Returns 0 or -EINVAL (MTU out of range).
 */
int nat_set_uplink(struct nat *n, uint32_t ip, uint16_t mtu);

/* Sets the MTU of the nat networks. Returns 0 or -EINVAL. */
int nat_set_inside_mtu(struct nat *n, uint16_t mtu);

/*
 * Sets timeout (which) to (seconds), between its minimum (above) and
 * NAT_TIMEOUT_MAX; sessions are judged by it from now on. Returns 0 or
 * -EINVAL.
 */
int nat_set_timeout(struct nat *n, enum nat_timeout which, uint32_t seconds);

/* Returns (which)'s name for config statements: "udp", "icmp",
 * "tcp" (established), "tcp-transitory", "tcp-opening"; NULL if out of range. */
const char *nat_timeout_name(enum nat_timeout which);

/* Returns (which)'s smallest allowed value in seconds, or 0 if out of range. */
uint32_t nat_timeout_min(enum nat_timeout which);

/*
 * Sets quota (which) to (value): 0 (off) or up to nat_quota_max(which).
 * It applies from the next packet on; nothing already admitted is ended
 * (a host above a lowered host_sessions keeps its sessions and opens no
 * new one). Returns 0 or -EINVAL.
 */
int nat_set_quota(struct nat *n, enum nat_quota which, uint32_t value);

/* Returns the value of quota (which) in (n), or 0 if out of range. */
uint32_t nat_quota_get(const struct nat *n, enum nat_quota which);

/* Returns (which)'s name for config statements: "host-sessions",
 * "forward-rate", "fragments", "icmp-errors", "half-open-scan"; NULL if out
 * of range. */
const char *nat_quota_name(enum nat_quota which);

/* Returns (which)'s default (struct nat_config above), or 0 if out of range. */
uint32_t nat_quota_default(enum nat_quota which);

/*
 * Returns the largest value (which) may take, or 0 if out of range:
 * host-sessions NAT_CAPACITY_MAX, forward-rate 65535 (counted in 16
 * bits), fragments NAT_FRAG_SLOTS, icmp-errors 100000, half-open-scan
 * 4096 (64 KiB read for one packet). The smallest is always 0, off.
 */
uint32_t nat_quota_max(enum nat_quota which);

/*
 * Adds a port forward: (proto) 6 or 17, the uplink's port (out_port)
 * leads to (in_ip):(in_port), from outside and from inside (hairpin), and
 * replies from (in_ip):(in_port) leave from (out_port). Never expires. A
 * dynamic mapping holding (out_port) or (in_ip):(in_port) ends at once,
 * with its sessions. (out_port) may be any port; one above the pool
 * shadows the appliance's own port of that number, so keep the
 * appliance's sockets off it. Returns 0, -EINVAL (bad protocol, zero port
 * or address), -EEXIST (this forward is there), -EBUSY (another forward
 * holds (out_port), or (in_ip):(in_port): endpoint-independent mapping
 * allows one outside port per inside port), or -ENOSPC.
 */
int nat_forward_add(struct nat *n, uint8_t proto, uint16_t out_port, uint32_t in_ip,
		    uint16_t in_port);

/* Removes the forward of (proto) (out_port) and its sessions. Returns 0 or -ENOENT. */
int nat_forward_del(struct nat *n, uint8_t proto, uint16_t out_port);

/*
 * Lists forwards: start with (*pos) = 0; each call fills (f) with the next
 * and returns 0, or returns -ENOENT at the end. The table must not change
 * during one listing.
 */
int nat_forward_next(const struct nat *n, uint32_t *pos, struct nat_forward *f);

/*
 * Translates the IPv4 packet at (pkt): (len) contiguous bytes the caller
 * owns and lets this function rewrite in place until it returns; bytes
 * past the IPv4 total length (link padding) are ignored. (dir) is where
 * it comes from; (now_ms) the time. Validates every header before reading
 * it. Fills (*meta) if (meta) is not NULL. Returns the verdict, counted
 * in n->stats.verdict. The length never changes; only NAT_TO_* verdicts
 * change bytes.
 *
 * The binding calls it with NAT_OUTBOUND for an IPv4 packet a host of a
 * nat network sends to its gateway that is routed out of the uplink,
 * packets to the uplink address included (hairpin), once it has checked
 * that the source address belongs to that network; with NAT_INBOUND for
 * an IPv4 packet that arrives on the uplink addressed to the uplink
 * address. Never for the gateway's own addresses, between networks, for
 * broadcast or multicast, or for host-only networks. Fragments are given
 * as they come (or reassembled first; then NAT_TO_* with meta->fragment
 * asks for fragmenting again).
 */
enum nat_verdict nat_translate(struct nat *n, enum nat_dir dir, uint8_t *pkt, size_t len,
			       uint32_t now_ms, struct nat_meta *meta);

/*
 * Removes expired sessions, and mappings left with none, examining about
 * (budget) session slots from where the previous call stopped (removals
 * count against it too). Call it from the poll loop, e.g. with
 * NAT_EXPIRE_BUDGET every few milliseconds. Returns the number removed.
 */
uint32_t nat_expire(struct nat *n, uint32_t now_ms, uint32_t budget);

/*
 * Removes every dynamic mapping and session and forgets tracked fragments,
 * keeping the forwards ("clear nat"). Visits the whole table.
 */
void nat_clear(struct nat *n);

/* Zeroes n->stats but probe_max. */
void nat_clear_counters(struct nat *n);

/*
 * Lists sessions: start with (*pos) = 0; each call fills (info) with the
 * next unexpired session and returns 0, or returns -ENOENT at the end. The
 * table must not change during one listing. Order is the table's.
 */
int nat_session_next(const struct nat *n, uint32_t *pos, uint32_t now_ms,
		     struct nat_session_info *info);

/*
 * Prints "show nat": the settings, the forwards, then up to (limit)
 * sessions (protocol, inside address:port, outside port, remote, state,
 * idle seconds), then a summary line. Returns 0.
 */
int nat_show(const struct nat *n, uint32_t now_ms, uint32_t limit, struct cli_out *out);

/* Prints the counters for "show counters": verdicts, every drop by its
 * reason, table events, evictions and refusals. Returns 0. */
int nat_show_counters(const struct nat *n, struct cli_out *out);

/* Returns the name of (v), e.g. "drop-no-mapping"; "?" if out of range. */
const char *nat_verdict_name(enum nat_verdict v);

/*
 * Checks the table's invariants (every index entry reachable from its home
 * and pointing at a used record with its key, counts, port bits, session
 * counts per mapping). For tests: visits everything. Returns 0 or -EFAULT.
 */
int nat_check(const struct nat *n);

#endif
