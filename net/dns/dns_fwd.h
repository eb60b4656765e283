/*
 * The DNS forwarder's state machine: queries from guests are answered
 * locally (net/dns/dns_local.h) or relayed to an upstream server, and the
 * upstream's reply is relayed back. Pure: time and randomness come from
 * the caller, and every call returns what to send as a list of actions in
 * a struct dns_out, which the lwIP binding carries out. No allocation:
 * the pending table is an array the caller provides, sized by config.
 *
 * Forgery resilience (RFC 5452): each upstream query gets a random 16-bit
 * ID and its own random local port (§9.2); a reply is accepted only from
 * an upstream address the query was sent to, from port 53, on the query's
 * local port, with its ID and its question (§9.1); anything else is
 * counted and ignored, and the query stays pending. Identical queries
 * outstanding at once share one upstream query (§5): queries that are the
 * same from byte 2 on (same QNAME spelling, flags and EDNS record), so
 * each waiting client gets exactly the reply its own query would have
 * got, with its own ID. A client whose resolver randomises QNAME case
 * (dns-0x20) therefore gets its own spelling back.
 *
 * Retransmission: a query is sent again after DNS_FWD_TIMEOUT_DEFAULT ms,
 * doubling each time, to the upstreams in turn (the first try always to
 * the first), with the same ID and port; after the last try the waiting
 * clients get SERVFAIL. Replies are passed through whole, the TC bit
 * included: a client that sees TC retries over TCP (RFC 7766 §5), which
 * this core does not forward. Queries carry at most DNS_MSG_MAX as their
 * EDNS payload size (larger values are lowered before sending), so no
 * reply exceeds DNS_MSG_MAX; clients without EDNS get at most 512 bytes
 * (RFC 1035 §4.2.1) since their query goes out without EDNS too.
 */
#ifndef UNIGATE_NET_DNS_FWD_H
#define UNIGATE_NET_DNS_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"
#include "net/dns/dns_local.h"
#include "net/dns/dns_msg.h"

#define DNS_FWD_UPSTREAMS_MAX	4
#define DNS_FWD_WAITERS_MAX	8    /* clients sharing one upstream query */
#define DNS_FWD_TRIES_MAX	8    /* sends of one upstream query */
#define DNS_FWD_TRIES_DEFAULT	3    /* sends at 0, 1 and 3 s */
#define DNS_FWD_TIMEOUT_DEFAULT 1000 /* ms before the first retransmission */
/* SERVFAIL at the latest this long after the first send: before a stub
 * resolver's first timeout (5 s in glibc and dig), so that it gets an
 * answer rather than silence. */
#define DNS_FWD_DEADLINE_DEFAULT 4000
#define DNS_FWD_TIMEOUT_MAX	 60000
#define DNS_FWD_QUERY_MAX	 512  /* longest query forwarded (kept for retries) */
#define DNS_FWD_CAPACITY_MAX	 4096 /* pending upstream queries */
#define DNS_FWD_PER_CLIENT	 16   /* of them, opened by one client address at most: default */
#define DNS_FWD_PORT_MIN	 1024 /* RFC 5452 §9.2: 53, or 1024 and above */
#define DNS_FWD_AVOID_MAX	 8    /* ports of the range never used */
#define DNS_FWD_PORT_PICKS	 32   /* random draws for a free port */
#define DNS_OUT_MAX		 (DNS_FWD_WAITERS_MAX + 2)

/* Where a query came from. */
struct dns_client {
	uint32_t ip; /* host order */
	uint16_t port;
	uint16_t net; /* the binding's: the network (gateway address) it came to */
};

enum dns_act_kind {
	/*
	 * Send (data, len) to client (to) from DNS_PORT on the gateway address
	 * of network (to.net), with the first two bytes replaced by (id).
	 */
	DNS_ACT_REPLY,
	/*
	 * Send (data, len) to (server), DNS_PORT, from local UDP port (port),
	 * opening that port first if it is not open, with the first two
	 * bytes replaced by (id).
	 */
	DNS_ACT_SEND,
	/* Local port (port) carries no more queries: close it. */
	DNS_ACT_CLOSE,
};

struct dns_action {
	enum dns_act_kind kind;
	uint16_t id;	      /* REPLY, SEND: the message ID to send */
	uint16_t port;	      /* SEND, CLOSE: our local port */
	uint32_t server;      /* SEND: upstream address, host order */
	struct dns_client to; /* REPLY */
	const uint8_t *data;  /* REPLY, SEND: the message, (len) bytes */
	size_t len;
};

/*
 * What one call asks the binding to do: act[0 .. n), in order. (data)
 * points into (buf), into the forwarder's table, or into the message the
 * caller passed in; it stays valid until the next call on the forwarder
 * or this struct, and while the caller's message does. Every call resets
 * (n) first. The binding owns the struct; it is too large for a small
 * stack, so keep one in static storage.
 */
struct dns_out {
	unsigned n;
	struct dns_action act[DNS_OUT_MAX];
	uint8_t buf[DNS_UDP_PLAIN_MAX]; /* a response the core built */
};

struct dns_fwd_waiter {
	struct dns_client from;
	uint16_t id; /* the client's query ID */
};

/* One outstanding upstream query. All zero is a free entry. */
struct dns_fwd_entry {
	uint16_t port;			     /* our local port; 0: free */
	uint16_t id;			     /* upstream query ID */
	uint16_t qlen;			     /* bytes in (query) */
	uint8_t tries;			     /* sends so far, 1 .. DNS_FWD_TRIES_MAX */
	uint8_t nwait;			     /* 1 .. DNS_FWD_WAITERS_MAX */
	uint8_t dead;			     /* bit i: upstream[i] said unreachable */
	uint32_t first_ms;		     /* time of the first send */
	uint32_t sent_ms;		     /* time of the latest send */
	uint32_t sent_to[DNS_FWD_TRIES_MAX]; /* upstream of each send */
	struct dns_fwd_waiter wait[DNS_FWD_WAITERS_MAX];
	struct dns_question q;
	uint8_t query[DNS_FWD_QUERY_MAX]; /* the first client's query, payload size lowered */
};

/* Counters; every ignored or refused message has its reason. */
struct dns_fwd_stats {
	uint64_t queries;	 /* messages passed to dns_fwd_query() */
	uint64_t q_dropped;	 /* no reply: shorter than a header, a response, too long, port 0 */
	uint64_t q_formerr;	 /* malformed, no question, or TC set: FORMERR */
	uint64_t q_notimp;	 /* an opcode other than QUERY: NOTIMP */
	uint64_t q_badvers;	 /* EDNS version above 0: BADVERS (RFC 6891 §6.1.3) */
	uint64_t q_too_long;	 /* longer than DNS_FWD_QUERY_MAX, not local: REFUSED */
	uint64_t q_not_local;	 /* not a local name, and the network forwards none: REFUSED */
	uint64_t local_answer;	 /* A or PTR answered locally */
	uint64_t local_nodata;	 /* local name, other type: NOERROR, no answer */
	uint64_t local_nxdomain; /* under the network's domain, unknown */
	uint64_t forwarded;	 /* new upstream queries */
	uint64_t merged;	 /* joined an identical outstanding query */
	uint64_t duplicate;	 /* the same client and ID already waiting: ignored */
	uint64_t merge_full;	 /* identical query has DNS_FWD_WAITERS_MAX waiters: dropped */
	uint64_t table_full;	 /* SERVFAIL: pending table full (nothing evicted) */
	uint64_t client_full;	 /* SERVFAIL: the client has (per_client) pending */
	uint64_t no_upstream;	 /* SERVFAIL: no upstream server configured */
	uint64_t no_port;	 /* SERVFAIL: no free local port found */
	uint64_t build_fail;	 /* a response did not fit (never expected) */
	uint64_t retransmits;	 /* sends after the first */
	uint64_t timeouts;	 /* SERVFAIL after the last try, or at the deadline */
	uint64_t unreachable;	 /* ICMP unreachable from an upstream: next one tried */
	uint64_t unreach_fail;	 /* SERVFAIL: ICMP unreachable and no upstream left to try */
	uint64_t unreach_ignored; /* ICMP unreachable not matching a query's server */
	uint64_t aborted;	  /* SERVFAIL: the binding could not send */
	uint64_t replies;	  /* messages passed to dns_fwd_reply() */
	uint64_t accepted;	  /* matched and relayed */
	uint64_t truncated;	  /* of those, with TC set */
	uint64_t r_no_query;	  /* on a port with no query outstanding */
	uint64_t r_bad_server;	  /* from an address the query was not sent to */
	uint64_t r_bad_port;	  /* from a source port other than 53 */
	uint64_t r_bad_id;	  /* wrong ID */
	uint64_t r_bad_question;  /* other question, or none */
	uint64_t r_malformed;	  /* unparsable, or not a response */
	uint64_t r_too_long;	  /* longer than DNS_MSG_MAX */
	uint64_t rtt_sum_ms;	  /* first send to accepted reply, summed */
	uint32_t rtt_max_ms;
	uint32_t pending_max; /* most entries in use at once */
};

/* A forwarder. Readable by anyone; written only by dns_fwd.c. */
struct dns_fwd {
	struct dns_fwd_entry *entry; /* the caller's array of (capacity) */
	uint32_t capacity;
	uint32_t count; /* entries in use */
	uint32_t (*rand)(void);
	uint32_t upstream[DNS_FWD_UPSTREAMS_MAX]; /* host order */
	unsigned nupstream;
	uint32_t timeout_ms;
	unsigned tries;
	uint32_t deadline_ms;
	uint16_t port_min, port_max;
	uint16_t avoid[DNS_FWD_AVOID_MAX];
	unsigned navoid;
	uint32_t per_client; /* upstream queries one client address may open; 0: any */
	struct dns_fwd_stats stats;
};

/*
 * Makes (f) an empty forwarder over (entries), an array of (capacity)
 * (1 .. DNS_FWD_CAPACITY_MAX) the caller owns and keeps for the
 * forwarder's life; init clears it. (rand) returns 32 unpredictable bits
 * (kernel/random.h random_u32): IDs and ports come from it. Defaults: no
 * upstream, DNS_FWD_TIMEOUT_DEFAULT, DNS_FWD_TRIES_DEFAULT, ports 1024 ..
 * 65535 with none avoided, DNS_FWD_PER_CLIENT queries per client. Returns 0 or -EINVAL.
 */
int dns_fwd_init(struct dns_fwd *f, struct dns_fwd_entry *entries, uint32_t capacity,
		 uint32_t (*rand)(void));

/*
 * Sets how many pending upstream queries one client address may have
 * opened (joining an identical pending query costs none); (n) 0 means any,
 * up to the whole table. Beyond it a query gets SERVFAIL, counted as
 * client_full. Pending queries stay. Default DNS_FWD_PER_CLIENT.
 */
void dns_fwd_set_per_client(struct dns_fwd *f, uint32_t n);

/*
 * Sets the upstream servers to (ips)[0 .. n), host order, n up to
 * DNS_FWD_UPSTREAMS_MAX; 0 means none (forwarded queries get SERVFAIL).
 * Pending queries keep the servers they were sent to for matching and use
 * the new list for their next tries. Returns 0 or -EINVAL.
 */
int dns_fwd_set_upstreams(struct dns_fwd *f, const uint32_t *ips, unsigned n);

/*
 * Sets the wait before the first retransmission, (timeout_ms) 1 ..
 * DNS_FWD_TIMEOUT_MAX, doubled for each later one, and the number of
 * sends per query, (tries) 1 .. DNS_FWD_TRIES_MAX. Returns 0 or -EINVAL.
 */
int dns_fwd_set_retry(struct dns_fwd *f, uint32_t timeout_ms, unsigned tries);

/*
 * Sets the longest time from a query's first send to its SERVFAIL,
 * (deadline_ms) 1 .. DNS_FWD_TIMEOUT_MAX (default DNS_FWD_DEADLINE_DEFAULT),
 * whatever tries are left. Returns 0 or -EINVAL.
 */
int dns_fwd_set_deadline(struct dns_fwd *f, uint32_t deadline_ms);

/*
 * Sets the local ports upstream queries go out from: (min) .. (max), min
 * at least DNS_FWD_PORT_MIN, except the (navoid) ports in (avoid) (up to
 * DNS_FWD_AVOID_MAX: the appliance's own services, the NAT's pool if it
 * shares the address). Takes effect for new queries. Returns 0 or -EINVAL.
 */
int dns_fwd_set_ports(struct dns_fwd *f, uint16_t min, uint16_t max, const uint16_t *avoid,
		      unsigned navoid);

/*
 * Handles the (len) bytes at (msg), a datagram to DNS_PORT from client
 * (from) at (now_ms); the caller owns (msg) and may free it once (out)
 * has been carried out. (loc) holds the local names of the client's
 * network, or is NULL. Fills (out) with at most one action: a REPLY (a
 * local answer or an error), or a SEND of a new upstream query; or none
 * (merged into an outstanding query, or dropped). Returns 0.
 */
int dns_fwd_query(struct dns_fwd *f, const struct dns_local *loc, const uint8_t *msg, size_t len,
		  const struct dns_client *from, uint32_t now_ms, struct dns_out *out);

/*
 * Handles the (len) bytes at (msg), a datagram that arrived on local port
 * (local_port) from (src_ip):(src_port). If it is the reply to the query
 * outstanding on that port (RFC 5452 §9.1), fills (out) with a REPLY of
 * (msg) itself to each waiting client, then a CLOSE of the port, and
 * returns 0; the caller keeps (msg) until (out) is carried out. Otherwise
 * counts why, leaves (out) empty and the query pending, and returns
 * -ENOENT (no query on that port), -EPERM (wrong server, port, ID or
 * question), -EBADMSG (malformed, or not a response) or -EMSGSIZE.
 */
int dns_fwd_reply(struct dns_fwd *f, const uint8_t *msg, size_t len, uint32_t src_ip,
		  uint16_t src_port, uint16_t local_port, uint32_t now_ms, struct dns_out *out);

/*
 * Retransmits queries whose wait has passed, and answers SERVFAIL to the
 * clients of those out of tries or past the deadline (then CLOSEs their
 * port). Call it from
 * the poll loop every 100 ms or so. Returns 1 when (out) filled up before
 * all due work was done (carry (out) out and call again), else 0.
 */
int dns_fwd_tick(struct dns_fwd *f, uint32_t now_ms, struct dns_out *out);

/*
 * Handles an ICMP destination unreachable (RFC 792, RFC 1122 §3.2.2.1)
 * that says the query sent from local port (port) to (server) did not
 * arrive. If that query is outstanding and was sent to (server), it goes
 * at once to the next upstream, while tries are left and another upstream
 * exists (a SEND into (out)); otherwise its clients get SERVFAIL now (and
 * the port a CLOSE). Returns 0, or -ENOENT (no query on that port) or
 * -EPERM (not sent to (server)), counted, with (out) left empty.
 */
int dns_fwd_unreachable(struct dns_fwd *f, uint16_t port, uint32_t server, uint32_t now_ms,
			struct dns_out *out);

/*
 * Gives up on the query outstanding on local port (port), because the
 * binding could not open the port or send from it: SERVFAIL to its
 * clients and a CLOSE of the port into (out). Call it after carrying out
 * the (out) that held the SEND. Returns 0, or -ENOENT.
 */
int dns_fwd_abort(struct dns_fwd *f, uint16_t port, struct dns_out *out);

/*
 * Prints "show dns": upstreams and settings, table use, every counter,
 * then up to (list) pending queries (port, ID, tries, waiters, age, the
 * question). Returns 0.
 */
int dns_fwd_show(const struct dns_fwd *f, uint32_t now_ms, unsigned list, struct cli_out *out);

/*
 * Checks the table's invariants (count, unique non-zero ports, bounds of
 * every field). For tests and fuzzing. Returns 0 or -EFAULT.
 */
int dns_fwd_check(const struct dns_fwd *f);

#endif
