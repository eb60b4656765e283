/*
 * What the nat_*.c files share and nobody else uses: the record layouts,
 * the parsed form of a packet, and the functions each file offers the
 * others. nat_index.c holds the hash tables; nat_table.c the mappings
 * (RFC 4787 §4.1), their per-remote sessions with the RFC 7857 §2 TCP
 * machine, expiry and forwards; nat_evict.c chooses the half-open session
 * that makes room for a new flow; nat_setup.c the settings, quotas and
 * the memory; nat_xlate.c validates and rewrites packets; nat_icmp.c
 * translates ICMP errors (RFC 5508 §4) and keeps the budget of those the
 * binding sends; nat_frag.c tracks fragmented datagrams; nat_show.c lists
 * and prints. Not an interface: include net/nat/nat.h.
 */
#ifndef UNIGATE_NET_NAT_IMPL_H
#define UNIGATE_NET_NAT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "net/nat/nat.h"

/* Protocol indexes: mappings, port bitmaps and keys use these. */
#define NAT_P_TCP  0
#define NAT_P_UDP  1
#define NAT_P_ICMP 2
#define NAT_P_N	   3
#define NAT_P_NONE 0xff

#define NAT_IPPROTO_ICMP 1
#define NAT_IPPROTO_TCP	 6
#define NAT_IPPROTO_UDP	 17

/* ICMP types (RFC 792). */
#define NAT_ICMPT_ECHO_REPLY	  0
#define NAT_ICMPT_UNREACH	  3
#define NAT_ICMPT_ECHO		  8
#define NAT_ICMPT_TIME_EXCEEDED	  11
#define NAT_ICMPT_PARAM_PROBLEM	  12
#define NAT_ICMPT_TIMESTAMP	  13
#define NAT_ICMPT_TIMESTAMP_REPLY 14

#define NAT_NONE 0xffffffffu /* no record: the end of a free list */

/*
 * An endpoint-independent mapping (RFC 4787 §4.1): inside address and
 * port to outside port, for all remotes. Lives while it has sessions, or
 * for ever if it is a forward.
 */
struct nat_map {
	uint32_t in_ip; /* host order */
	uint16_t in_port;
	uint16_t out_port;
	uint32_t nsess;	   /* sessions under it; free record: next free index */
	uint32_t seen;	   /* now_ms when one of its sessions last moved */
	uint8_t pi;	   /* NAT_P_* */
	uint8_t flags;	   /* NAT_M_* */
	uint16_t new_in;   /* new inbound sessions in second (new_in_s): forwards */
	uint32_t new_in_s; /* now_ms / 1000 when new_in was counted */
};

#define NAT_M_USED    0x01
#define NAT_M_FORWARD 0x02

/* One remote endpoint of a mapping, with its own idle timer and TCP state;
 * a slot of the session table, all zero when empty. */
struct nat_sess {
	uint32_t rem_ip;
	uint16_t rem_port; /* 0 for ICMP */
	uint8_t state;	   /* NAT_TCP_*, 0 but for TCP */
	uint8_t flags;	   /* NAT_S_* */
	uint32_t map;	   /* its mapping's record number */
	uint32_t seen;	   /* now_ms of the last refreshing packet */
};

#define NAT_S_USED 0x01

/* TCP session states, after RFC 6146 §3.5.2 as RFC 7857 §2 adopts it. */
enum nat_tcp_state {
	NAT_TCP_NONE,	  /* not TCP */
	NAT_TCP_SYN_OUT,  /* SYN seen outbound only: opening */
	NAT_TCP_SYN_IN,	  /* SYN seen inbound only: opening */
	NAT_TCP_EST,	  /* SYN seen both ways */
	NAT_TCP_FIN_OUT,  /* established, FIN seen outbound */
	NAT_TCP_FIN_IN,	  /* established, FIN seen inbound */
	NAT_TCP_FIN_BOTH, /* FIN seen both ways: closing */
	NAT_TCP_TRANS,	  /* RST seen, or picked up mid-stream: transitory */
	NAT_TCP_NSTATES
};

/* Is (s) half-open: a TCP session whose SYN has had no answer? */
static inline bool nat_halfopen(const struct nat_sess *s)
{
	return s->state == NAT_TCP_SYN_OUT || s->state == NAT_TCP_SYN_IN;
}

/* A fragmented datagram whose later fragments need its first's rewrite. */
struct nat_frag {
	uint32_t src, dst; /* as it arrives, host order */
	uint32_t new_src, new_dst;
	uint32_t born; /* now_ms of the first fragment */
	uint32_t map;  /* record number of the mapping it counts against */
	uint16_t id;
	uint8_t proto;
	uint8_t state; /* NAT_FRAG_*: 0 free */
};

#define NAT_FRAG_OPEN 1 /* its last fragment not seen yet */
#define NAT_FRAG_DONE 2 /* last fragment seen: kept for stragglers, but its slot may be taken */

/*
 * A packet after validation. Pointers are into the caller's buffer. For a
 * later fragment, or a protocol not translated, l4 and the port and
 * checksum pointers are NULL.
 */
struct nat_pkt {
	uint8_t *ip;
	uint8_t *l4;	/* transport header, NULL for later fragments */
	uint8_t *sport; /* source port field; ICMP query: the identifier */
	uint8_t *dport; /* destination port field; ICMP query: the identifier */
	uint8_t *l4ck;	/* transport checksum field */
	int ckflags;	/* CKSUM_UDP for UDP */
	uint32_t src, dst;
	uint16_t tot;	/* IPv4 total length */
	uint16_t l4len; /* transport bytes in this packet */
	uint16_t id;	/* IP identification */
	uint8_t proto;	/* IP protocol number */
	uint8_t pi;	/* NAT_P_*, or NAT_P_NONE */
	uint8_t ttl;
	uint8_t tcpflags;
	uint8_t icmp_type;
	bool df;    /* don't fragment */
	bool frag;  /* a fragment, first or later */
	bool first; /* the first fragment, or not fragmented */
	bool more;  /* more fragments follow (MF) */
};

#define NAT_TCP_FIN 0x01
#define NAT_TCP_SYN 0x02
#define NAT_TCP_RST 0x04
#define NAT_TCP_ACK 0x10

static inline uint16_t nat_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nat_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void nat_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void nat_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define NAT_PORT_WORDS (65536 / 64) /* port bitmap words per protocol */

/* nat_index.c: the mapping indexes and the session table. */

enum { NAT_IX_IN, NAT_IX_OUT, NAT_IX_SESS };

#define NAT_IX_ID_BITS 21 /* an index slot: tag above, record number + 1 below */

struct nat_key {
	uint64_t a, b;
};

static inline struct nat_key nat_key_in(int pi, uint32_t ip, uint16_t port)
{
	struct nat_key k = {(uint64_t)pi << 48 | (uint64_t)ip << 16 | port, 0};

	return k;
}

static inline struct nat_key nat_key_out(int pi, uint16_t port)
{
	struct nat_key k = {(uint64_t)pi << 16 | port, 0};

	return k;
}

static inline struct nat_key nat_key_sess(uint32_t map, uint32_t rip, uint16_t rport)
{
	struct nat_key k = {(uint64_t)map << 32 | rip, rport};

	return k;
}

/* The record number an index slot's value (v) stands for. */
static inline uint32_t nat_ix_id(uint32_t v)
{
	return (v & ((1u << NAT_IX_ID_BITS) - 1)) - 1;
}

/* Returns the value in slot (slot) of mapping index (ix). */
static inline uint32_t nat_ix_slot(const struct nat *n, int ix, uint32_t slot)
{
	return ix == NAT_IX_IN ? n->ix_in[slot] : n->ix_out[slot];
}

/* Returns the slot of mapping index (ix) holding key (k), or NAT_NONE. */
uint32_t nat_ix_find(const struct nat *n, int ix, struct nat_key k);

/* Adds mapping (id), whose key (k) is absent, to index (ix). Returns 0 or
 * -ENOSPC (no empty slot within reach). */
int nat_ix_add(struct nat *n, int ix, struct nat_key k, uint32_t id);

/* Removes mapping (id), keyed as it is now, from index (ix). Returns the
 * slots examined. */
uint32_t nat_ix_remove(struct nat *n, int ix, uint32_t id);

/* Returns the session keyed (k), or NULL. */
struct nat_sess *nat_st_find(const struct nat *n, struct nat_key k);

/* Returns the empty slot a new session keyed (k) goes into, or NULL if
 * none is within reach. */
struct nat_sess *nat_st_slot(struct nat *n, struct nat_key k);

/* Returns the home slot of a session keyed (k): it sits within (n->probe)
 * slots from there. */
uint32_t nat_st_home(const struct nat *n, struct nat_key k);

/* Empties session slot (slot), moving later sessions back. Returns the
 * slots examined. */
uint32_t nat_st_remove(struct nat *n, uint32_t slot);

/* nat_setup.c */

/* Empties every record, index, bitmap and the fragment table. */
void nat_reset(struct nat *n);

/* nat_table.c: mappings and sessions. */

/* Returns the live mapping holding outside port (port) of (pi), or NULL. */
struct nat_map *nat_map_by_out(struct nat *n, int pi, uint16_t port, uint32_t now_ms);

/* Returns the live mapping of (pi) (ip):(port) inside, or NULL. */
struct nat_map *nat_map_by_in(struct nat *n, int pi, uint32_t ip, uint16_t port, uint32_t now_ms);

/*
 * Finds the mapping of (pi) (ip):(port), live or not, or if (create) makes
 * one with a new outside port, evicting a half-open session for room if
 * need be (nat_evict()), but none of mapping (keep) (NAT_NONE for none),
 * which the caller holds. Returns 0 with (*m) set, -ENOENT (none and not
 * (create)), or -ENOSPC (refused: counted in n->stats).
 */
int nat_map_get(struct nat *n, int pi, uint32_t ip, uint16_t port, uint32_t now_ms, bool create,
		uint32_t keep, struct nat_map **m);

/* Removes (m) if it is a dynamic mapping left without sessions: one just
 * made for a packet that then got none. */
void nat_map_release(struct nat *n, struct nat_map *m);

/*
 * Finds the session of (m) with (rip):(rport), or if (create) makes one in
 * state (state), just used. An expired session found counts as absent: it
 * is reset to (state) if (create), else left to nat_expire(). Making one
 * may evict a half-open session, none of mapping (keep) (NAT_NONE for
 * none) and not the last of (m); that moves sessions: a session pointer
 * held across the call must be looked up again. Returns 0 (found) or 1
 * (made or reset) with (*s) set, -ENOENT, or -ENOSPC (refused: counted in
 * n->stats).
 */
int nat_sess_get(struct nat *n, struct nat_map *m, uint32_t rip, uint16_t rport, uint32_t now_ms,
		 bool create, uint8_t state, uint32_t keep, struct nat_sess **s);

/* Returns the unexpired session of (m) with (rip):(rport), or NULL. Changes nothing. */
struct nat_sess *nat_sess_find(struct nat *n, const struct nat_map *m, uint32_t rip, uint16_t rport,
			       uint32_t now_ms);

/* Marks (s) of (m) as just used. */
void nat_sess_touch(struct nat *n, struct nat_map *m, struct nat_sess *s, uint32_t now_ms);

/*
 * Moves TCP session (s) of (m) along for a segment with (flags) going in
 * direction (inbound), refreshing it unless the segment is a RST that
 * does not end an established connection.
 */
void nat_tcp_track(struct nat *n, struct nat_map *m, struct nat_sess *s, bool inbound,
		   uint8_t flags, uint32_t now_ms);

/* Returns true if (port) is in the pool of dynamic outside ports. */
bool nat_in_pool(const struct nat *n, uint16_t port);

/* Returns the configured timeout in ms of a session of (pi) in TCP state (state). */
uint32_t nat_sess_timeout_ms(const struct nat *n, int pi, uint8_t state);

/* Is the table, or the host bucket of inside address (in_ip), at least
 * 7/8 full? */
bool nat_pressed(const struct nat *n, uint32_t in_ip);

/* Returns how long (s) lives idle, in ms: its timeout, or
 * NAT_HALFOPEN_PRESSED_S for a half-open session under pressure. */
uint32_t nat_sess_life_ms(const struct nat *n, const struct nat_sess *s);

/* Has (s) been idle its life long? */
bool nat_sess_expired(const struct nat *n, const struct nat_sess *s, uint32_t now_ms);

/* Removes the session in slot (slot), which moves later ones back, and its
 * mapping if that is dynamic and left with none. Returns the work done. */
uint32_t nat_sess_remove(struct nat *n, uint32_t slot);

/* Returns the record number of (m). */
uint32_t nat_map_index(const struct nat *n, const struct nat_map *m);

/* The bucket of inside host (ip) in n->host_sess. */
uint32_t nat_host_bucket(const struct nat *n, uint32_t ip);

/* nat_evict.c: room for a new flow. */

/* What a session evicted for a new entry must be. */
enum nat_room {
	NAT_ROOM_SESS, /* any: the table holds (capacity) sessions */
	NAT_ROOM_HOST, /* one of host bucket (bucket): the host holds its quota */
	NAT_ROOM_MAP,  /* one whose dynamic mapping goes with it: (capacity) mappings */
	NAT_ROOM_PORT, /* as NAT_ROOM_MAP, of protocol (pi): the pool has no free port */
};

struct nat_want {
	enum nat_room room;
	uint32_t bucket; /* NAT_ROOM_HOST */
	int pi;		 /* NAT_ROOM_PORT */
	uint32_t serve;	 /* the mapping the room is for: keeps one session at least */
	uint32_t keep;	 /* a mapping the caller holds: keeps them all */
};

/*
 * Removes one session that (w) allows, found among cfg.halfopen_scan
 * session slots from n->evict_cursor on (moved past them): an expired one
 * first, else the half-open one idle longest past NAT_HALFOPEN_GRACE_MS;
 * its mapping goes with it if left with none. Returns 0 or -ENOSPC (none
 * there, or cfg.halfopen_scan 0).
 */
int nat_evict(struct nat *n, const struct nat_want *w, uint32_t now_ms);

/* As nat_evict(), among the slots a new session keyed (k) may use. */
int nat_evict_near(struct nat *n, struct nat_key k, const struct nat_want *w, uint32_t now_ms);

/* nat_frag.c: fragmented datagrams. */

/* Forgets every tracked datagram. */
void nat_frag_clear(struct nat *n);

/*
 * Records that later fragments of (p)'s datagram, a first fragment, get
 * addresses (new_src), (new_dst), counting the record against mapping
 * record (map). Returns 0, -ENOSPC (every slot it may use is taken), or
 * -EDQUOT ((map) holds cfg.frag_per_map open records already).
 */
int nat_frag_add(struct nat *n, const struct nat_pkt *p, uint32_t map, uint32_t new_src,
		 uint32_t new_dst, uint32_t now_ms);

/*
 * Returns the live record of (p)'s datagram, a later fragment, or NULL.
 * The last fragment (MF clear) marks it done: its slot may be taken again
 * and it counts against its mapping no more.
 */
const struct nat_frag *nat_frag_follow(struct nat *n, const struct nat_pkt *p, uint32_t now_ms);

/* nat_xlate.c: helpers the ICMP error translation shares. */

/*
 * The router checks on a packet about to be forwarded to a hop of MTU
 * (mtu): TTL, then size. (may_icmp): an ICMP error may be sent about it.
 * Returns NAT_TO_UPLINK to mean "go on", else the verdict to return.
 */
enum nat_verdict nat_hop_check(const struct nat_pkt *p, uint16_t mtu, bool may_icmp,
			       struct nat_meta *meta);

/* Replaces the source (to_src) or destination address of (p) with (ip), fixing checksums. */
void nat_set_addr(struct nat_pkt *p, bool to_src, uint32_t ip);

/* Decrements (p)'s TTL, fixing the header checksum. */
void nat_ttl_dec(struct nat_pkt *p);

/* nat_icmp.c: ICMP errors, (p) an ICMP error message. */
enum nat_verdict nat_icmp_error(struct nat *n, enum nat_dir dir, struct nat_pkt *p, uint32_t now_ms,
				struct nat_meta *meta);

/* May one more ICMP error go to host (ip) now (cfg.icmp_err_rate)? If so,
 * it is counted against the host's budget. */
bool nat_icmp_budget(struct nat *n, uint32_t ip, uint32_t now_ms);

#endif
