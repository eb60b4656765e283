/*
 * The DHCP server of one network (RFC 2131 §4.3, options from RFC 2132):
 * its configuration, its lease table and the server's side of the
 * protocol. Pure: dhcpd_input() takes a client's message and the time and
 * returns the reply's bytes and where they go (RFC 2131 §4.1); a thin
 * binding does the UDP. Nothing is allocated: the lease table is a block
 * the caller provides, sized by dhcpd_table_size() for the records a
 * configuration needs (dhcpd_capacity(): one per range address and per
 * reservation outside the range), and holding their indexes too, so that
 * each message costs the same whatever the size of the pool.
 *
 * Policy:
 * - a client is known by its client identifier (option 61) if it sends
 *   one, by 'htype' and 'chaddr' otherwise (RFC 2131 §4.2); reservations
 *   are by MAC address, and a reserved address is never given to another
 *   client, not even when asked for it;
 * - DISCOVER chooses, in order: the client's reserved address; its current
 *   or previous address (its record); the requested address if free; an
 *   address never used; then the one expired longest ago (RFC 2131 §4.3.1);
 *   an offer holds its address for DHCPD_OFFER_HOLD seconds; when nothing
 *   is free there is no offer, while bound clients still renew;
 * - REQUEST is answered by the client's state (RFC 2131 §4.3.2): SELECTING
 *   (server identifier) ACKs our offer or forgets it when another server
 *   was chosen; INIT-REBOOT (requested address, no ciaddr) NAKs a wrong
 *   subnet or an address that is another's, ACKs the client's own and
 *   stays silent for a client it has no record of; RENEWING and REBINDING
 *   (ciaddr) extend the client's lease, or give it the address again if
 *   the record was lost (a restart) and the address is free for it;
 * - DECLINE sets the address aside for DHCPD_DECLINE_HOLD seconds
 *   (§4.3.3); RELEASE ends the lease but keeps the record, so the client
 *   gets the same address next time (§4.3.4); INFORM gets an ACK with no
 *   lease time and no 'yiaddr' (§4.3.5);
 * - the lease time is always the configured one, whatever a client asks
 *   for (RFC 2131 §4.3.1 leaves the choice to the server);
 * - plain BOOTP requests (no option 53) and relayed requests from another
 *   subnet are not answered;
 * - the clients of one switch port hold at most (port_leases) pool
 *   addresses at once (see struct dhcpd_config), so that a guest cycling
 *   source MACs cannot empty the pool; a client that already holds an
 *   offered or bound address is never refused by that limit.
 * Every message ends in one named counter of struct dhcpd_stats: a reply
 * or a reason for silence.
 */
#ifndef UNIGATE_NET_DHCPD_H
#define UNIGATE_NET_DHCPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

#define DHCPD_LEASES_MAX   65536    /* records one server accepts: a /16's pool */
#define DHCPD_HOSTS_MAX	   64	    /* reservations per network */
#define DHCPD_NAME_MAX	   64	    /* a DNS label (RFC 1035 §2.3.4) and its NUL */
#define DHCPD_DOMAIN_MAX   128	    /* domain name and its NUL */
#define DHCPD_KEY_MAX	   32	    /* client identifier bytes kept; see struct dhcpd_key */
#define DHCPD_LEASE_MIN	   60	    /* seconds */
#define DHCPD_LEASE_MAX	   31536000 /* seconds: 365 days */
#define DHCPD_OFFER_HOLD   60	    /* seconds an offered address waits for its REQUEST */
#define DHCPD_DECLINE_HOLD 600	    /* seconds a declined address is not used */
#define DHCPD_PORT_ANY	   0xff	    /* no port known: no port check */

/*
 * Pool addresses the clients of one switch port may hold at once by
 * default. A port is normally one VM, which holds one address; a nested
 * hypervisor's bridge behind one port rarely has more than a few dozen
 * guests. So nobody meets the limit but a guest inventing clients, which
 * then holds 32 addresses of the pool rather than all of them.
 */
#define DHCPD_PORT_LEASES_DEFAULT 32

/* A reservation: `dhcp host NAME MAC IP`. */
struct dhcpd_host {
	char name[DHCPD_NAME_MAX]; /* a DNS label, resolved and sent as option 12 */
	uint8_t mac[6];
	uint32_t ip; /* host byte order, like every address here */
};

/* A network's DHCP configuration. */
struct dhcpd_config {
	uint32_t server;	       /* the gateway address: server identifier (54) */
	uint8_t prefix;		       /* subnet prefix length, 8 .. 30: subnet mask (1) */
	bool router;		       /* send the server as router (3): nat networks */
	uint32_t dns;		       /* DNS server (6), 0 to leave out: the gateway */
	char domain[DHCPD_DOMAIN_MAX]; /* domain name (15), "" to leave out */
	uint32_t range_start;	       /* the dynamic pool, both ends included */
	uint32_t range_end;
	uint32_t lease_s; /* DHCPD_LEASE_MIN .. DHCPD_LEASE_MAX */
	/* Pool addresses one port's clients may hold at once, offered or
	 * bound: DHCPD_PORT_LEASES_DEFAULT when the user says nothing; 0 (a
	 * zeroed configuration) for no limit. Reservations are neither
	 * counted nor refused, nor are messages with no port (DHCPD_PORT_ANY). */
	uint32_t port_leases;
	uint16_t mtu; /* interface MTU (26), 68 .. 1500, 0 to leave out: a VXLAN network's */
	uint32_t nhosts;
	struct dhcpd_host host[DHCPD_HOSTS_MAX];
};

/*
 * Who a client is: its client identifier, or htype and chaddr. Identifiers
 * longer than DHCPD_KEY_MAX bytes (rare: RFC 4361 DUIDs are 20-odd) are
 * kept as their first DHCPD_KEY_MAX bytes, their length and a hash of the
 * rest.
 */
struct dhcpd_key {
	uint8_t kind; /* DHCPD_KEY_* */
	uint8_t len;  /* the identifier's whole length */
	uint8_t id[DHCPD_KEY_MAX];
	uint32_t tail; /* FNV-1a of the bytes past DHCPD_KEY_MAX, or 0 */
};

#define DHCPD_KEY_NONE	   0
#define DHCPD_KEY_CLIENTID 1 /* option 61 */
#define DHCPD_KEY_HWADDR   2 /* htype, then chaddr[0 .. hlen) */

/* States of a lease record. Time moves a record on without a write:
 * an OFFERED or BOUND record past (until) reads as EXPIRED, a DECLINED one
 * as FREE. */
#define DHCPD_FREE     0 /* empty slot, or an address with no claim on it */
#define DHCPD_OFFERED  1 /* offered, held until (until) */
#define DHCPD_BOUND    2 /* leased until (until) */
#define DHCPD_EXPIRED  3 /* lease ended at (until); the client still comes first for it */
#define DHCPD_DECLINED 4 /* set aside until (until); belongs to nobody */

/* One lease record. Written only by the dhcpd files. */
struct dhcpd_lease {
	uint32_t ip; /* 0 for an empty slot */
	uint32_t until;
	uint8_t state;
	uint8_t mac[6];		   /* chaddr when htype is Ethernet, else zero */
	uint8_t port;		   /* the port the owner spoke from, or DHCPD_PORT_ANY */
	struct dhcpd_key key;	   /* the owner; kind NONE for DECLINED */
	char name[DHCPD_NAME_MAX]; /* the client's option 12, a valid label, or "" */
};

/*
 * Counters. Each message given to dhcpd_input() ends in exactly one of
 * offer, ack, nak, released, declined, selected_other or a drop_*; a NAK
 * also counts its nak_* reason, and recovered and name_* count details.
 */
struct dhcpd_stats {
	uint64_t in; /* messages given to dhcpd_input() */
	uint64_t discover, request, decline, release, inform;
	uint64_t offer, ack, nak;     /* replies */
	uint64_t released, declined;  /* addresses given back, set aside */
	uint64_t selected_other;      /* REQUEST naming another server: offer forgotten */
	uint64_t recovered;	      /* RENEWING/REBINDING client without a record, ACKed */
	uint64_t nak_wrong_subnet;    /* address not in our subnet */
	uint64_t nak_taken;	      /* address leased, offered, declined or reserved: another's */
	uint64_t nak_wrong_addr;      /* not the address we offered or leased to this client */
	uint64_t nak_not_pool;	      /* in our subnet but not ours to lease */
	uint64_t drop_off;	      /* not configured */
	uint64_t drop_short;	      /* shorter than the fixed part and cookie */
	uint64_t drop_cookie;	      /* no magic cookie */
	uint64_t drop_malformed;      /* options broken, or required fields missing */
	uint64_t drop_op;	      /* not a BOOTREQUEST */
	uint64_t drop_bootp;	      /* no message type: BOOTP, not served */
	uint64_t drop_type;	      /* a server's message type (OFFER, ACK, NAK) or unknown */
	uint64_t drop_bad_client;     /* no usable identity: empty or group chaddr */
	uint64_t drop_relay;	      /* relayed from another subnet */
	uint64_t drop_not_for_us;     /* RELEASE or DECLINE naming another server */
	uint64_t drop_pool_empty;     /* DISCOVER, nothing free */
	uint64_t drop_reserved_held;  /* DISCOVER from a host whose reserved address is declined */
	uint64_t drop_unknown_client; /* INIT-REBOOT from a client we have no record of */
	uint64_t drop_no_binding;     /* RELEASE or DECLINE of an address not the client's */
	uint64_t drop_bad_ciaddr;     /* INFORM without a ciaddr in our subnet */
	uint64_t drop_no_room;	      /* reply does not fit (reply_cap or the client's limit) */
	uint64_t drop_chaddr;	      /* chaddr is not the frame's source MAC (no relay) */
	uint64_t drop_other_port;     /* about a live lease of a client on another port */
	uint64_t drop_port_limit;     /* a new address for a port at its port_leases */
	uint64_t name_invalid;	      /* option 12 not a usable DNS label: not recorded */
	uint64_t name_conflict;	      /* option 12 names another host: not recorded */
	uint64_t name_reserved;	      /* option 12 is wpad, isatap or localhost: not recorded */
};

/*
 * The lease table's indexes, in the block that holds its records
 * (net/dhcp/dhcpd_index.h). Arrays of record numbers, DHCPD_NIL-terminated.
 */
struct dhcpd_index {
	uint64_t seed;			    /* keys the hashes: clients choose keys and names */
	uint32_t nb;			    /* hash buckets, a power of two */
	uint32_t nw;			    /* slots of the expiry wheel, a power of two */
	uint32_t nused, nfull;		    /* words of (used) and (full) */
	uint32_t wheel_t;		    /* the second the wheel has turned to */
	bool wheel_on;			    /* (wheel_t) has been set */
	uint32_t *key_head, *key_next;	    /* records by client key */
	uint32_t *name_head, *name_next;    /* records by name */
	uint32_t *w_head, *w_prev, *w_next; /* counted records by their hold's end */
	uint32_t *held;			    /* per port: pool addresses its clients hold */
	uint64_t *used;			    /* range records present or reserved, one bit each */
	uint64_t *full;			    /* words of (used) with every bit set */
};

/* A server. Fields are readable by anyone, written only by the dhcpd files. */
struct dhcpd {
	struct dhcpd_config cfg;
	bool configured;
	uint32_t mask; /* from cfg.prefix */
	/* (capacity) records, each at its address's place: the range's
	 * addresses in order, then the reservations outside the range in
	 * the configuration's order (dhcpd_index_slot()). */
	struct dhcpd_lease *lease;
	uint32_t capacity;
	struct dhcpd_index ix;
	struct dhcpd_stats stats;
};

/* Where a reply goes: RFC 2131 §4.1. */
enum dhcpd_dest_kind {
	DHCPD_DEST_BROADCAST, /* 255.255.255.255:68, link broadcast */
	DHCPD_DEST_UNICAST,   /* (ip):68, the client's configured ciaddr: ARP as usual */
	DHCPD_DEST_HWADDR,    /* (ip):68 at link address (mac), no ARP: the client has no
				 address yet, so it would not answer one */
	DHCPD_DEST_RELAY,     /* (ip):67, the relay agent in giaddr: ARP as usual */
};

struct dhcpd_dest {
	enum dhcpd_dest_kind kind;
	uint32_t ip; /* host byte order */
	uint16_t port;
	uint8_t mac[6]; /* for DHCPD_DEST_HWADDR; ff:ff:ff:ff:ff:ff for a broadcast */
};

/* Returns the records a lease table needs for (c): one per range address
 * and per reservation outside the range, at least 1; 1 for (c) NULL. Past
 * DHCPD_LEASES_MAX for a range too big, which dhcpd_config_check() refuses. */
uint32_t dhcpd_capacity(const struct dhcpd_config *c);

/* Returns the bytes of a lease table of (capacity) records with its
 * indexes, (capacity) 1 .. DHCPD_LEASES_MAX: about 144 bytes a record. */
size_t dhcpd_table_size(uint32_t capacity);

/*
 * Makes (d) a server with no configuration over (table), a block of
 * dhcpd_table_size(capacity) bytes, 8-aligned, that the caller owns and
 * keeps for the server's life (or until dhcpd_configure_table() gives it
 * back); init writes all of it. (seed) keys the table's hashes: a random
 * number, so that clients cannot choose colliding keys or names. Returns
 * 0, or -EINVAL if (capacity) is 0 or above DHCPD_LEASES_MAX.
 */
int dhcpd_init(struct dhcpd *d, void *table, uint32_t capacity, uint64_t seed);

/*
 * Checks (c) for a table of (capacity) records: the server inside a subnet
 * of prefix 8..30 and not its network or broadcast address; the range
 * ordered, inside the subnet, and leaving out the server, the network and
 * the broadcast addresses; the lease time in limits; the domain a valid
 * name or ""; each reservation named by a unique valid label, with a
 * unique unicast MAC and a unique address that is in the subnet and not
 * the server's; and the range plus the reserved addresses outside it
 * (dhcpd_capacity()) no more than DHCPD_LEASES_MAX, nor than (capacity). Returns 0, or -EINVAL or
 * -ENOSPC with (*why), if (why) is not NULL, set to a static one-line reason.
 */
int dhcpd_config_check(const struct dhcpd_config *c, uint32_t capacity, const char **why);

/*
 * Applies (c), copied, to (d) if dhcpd_config_check() passes, else
 * changes nothing and returns its error. Leases survive when their address
 * is still good for their client under (c): inside the new range and not
 * reserved for another MAC, or the client's own reservation. Others are
 * forgotten (the client is NAKed when it next asks), as are names that now
 * belong to a reservation. A lower (port_leases) takes nothing away: a
 * port over it keeps its leases, which renew, and gets no new address
 * until it is under. Returns 0 or -errno.
 */
int dhcpd_configure(struct dhcpd *d, const struct dhcpd_config *c, const char **why);

/*
 * As dhcpd_configure(), moving the server to (table), a block of
 * dhcpd_table_size(capacity) bytes like dhcpd_init()'s, for a (c) that
 * needs another capacity (a range grown or shrunk): the leases that stay
 * valid under (c) move into it. On success (d) owns (table) and the table
 * it had is the caller's again, to free; on failure nothing changes and
 * (table) stays the caller's. Returns 0, -EINVAL or -ENOSPC.
 */
int dhcpd_configure_table(struct dhcpd *d, const struct dhcpd_config *c, void *table,
			  uint32_t capacity, const char **why);

/*
 * Handles one message of (len) bytes at (msg), the payload of a UDP
 * datagram to port 67 that arrived on the server's network at (now)
 * seconds, which never goes back from one call to the next (the count of
 * each port's addresses follows time forward only); (msg) stays the
 * caller's and is only read. A reply is written to (reply), the caller's
 * buffer of (reply_cap) bytes, and where to send it to (*dest).
 * DHCP_DEFAULT_MAX bytes always suffice: the longest reply, with a
 * 127-byte domain and a 63-byte host name, is 486 bytes. Returns the
 * reply's length, or 0 when there is none; every outcome is counted in
 * d->stats.
 */
int dhcpd_input(struct dhcpd *d, const uint8_t *msg, size_t len, uint32_t now, uint8_t *reply,
		size_t reply_cap, struct dhcpd_dest *dest);

/* Where a message came from, as the binding saw its frame. */
struct dhcpd_src {
	uint8_t mac[6]; /* the Ethernet source address */
	uint8_t port;	/* the switch port, 0 .. DHCPD_PORT_ANY - 1 */
};

/*
 * As dhcpd_input(), for a message whose frame came from (*src): the
 * client's chaddr must be the frame's source MAC (unless a relay sent
 * it), and a live lease (offered or bound) belongs to its client on the
 * port it took it from: DISCOVER, REQUEST, DECLINE and RELEASE from
 * another port are ignored and counted, so a clone or a forger elsewhere
 * cannot take, renew, poison or free it. An offer or ACK pins the lease
 * to the port the message came from. A client that holds no live lease
 * gets no new one (DISCOVER, or a REQUEST that would bind) while the
 * clients of its port hold (cfg.port_leases) pool addresses; a relayed
 * message counts for the port its frame came from (the relay's).
 * (src) NULL: dhcpd_input().
 */
int dhcpd_input_from(struct dhcpd *d, const uint8_t *msg, size_t len, const struct dhcpd_src *src,
		     uint32_t now, uint8_t *reply, size_t reply_cap, struct dhcpd_dest *dest);

/* Forgets every lease, offer and declined address (`clear leases`), as if
 * the server had just started. Returns the number of records dropped. */
uint32_t dhcpd_clear(struct dhcpd *d);

/*
 * Unpins every record owned from switch port (port): its port becomes
 * DHCPD_PORT_ANY, so that its client's next offer or ACK pins it to the
 * port that message came from. The lease, its address and its time are
 * kept, and it no longer counts for (port)'s limit. For a port that was
 * blocked (a loop) or left the network, whose clients may speak from
 * another port now. (port) DHCPD_PORT_ANY: nothing changes.
 */
void dhcpd_forget_port(struct dhcpd *d, uint8_t port);

/* A lease as dhcpd_lease_next() reports it. Pointers are into the server
 * and valid until it next changes. */
struct dhcpd_lease_info {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state;	      /* DHCPD_OFFERED, DHCPD_BOUND or DHCPD_DECLINED */
	uint32_t remaining;   /* seconds until the state ends */
	const char *name;     /* the reservation's name, else the client's, or "" */
	bool reserved;	      /* the address is a reservation */
	const uint8_t *clid;  /* client identifier bytes kept, or NULL */
	uint8_t clid_len;     /* bytes at (clid) */
	uint8_t clid_fulllen; /* the identifier's whole length */
};

/*
 * Lists the offered, bound and declined addresses: start with (*pos) = 0;
 * each call fills (info) and returns 0, or returns -ENOENT at the end. The
 * server must not change between calls of one listing. Order is the
 * table's: the range's addresses upwards, then reservations outside it.
 */
int dhcpd_lease_next(const struct dhcpd *d, uint32_t *pos, uint32_t now,
		     struct dhcpd_lease_info *info);

/* Prints `show leases` for (d): a header, one row per listed lease (IP,
 * MAC, state, seconds left, name, client id), then a summary. Returns 0. */
int dhcpd_show_leases(const struct dhcpd *d, uint32_t now, struct cli_out *out);

/* Prints (d)'s counters for `show counters`. Returns 0. */
int dhcpd_show_counters(const struct dhcpd *d, struct cli_out *out);

/*
 * Resolves host (name), NUL-terminated, compared without regard to case:
 * a reservation's name, or the option 12 name of a client whose lease is
 * bound at (now). (name) may be qualified by the configured domain and end
 * in a dot ("web1", "web1.lan."). Stores the address in (*ip) and returns
 * 0, or returns -ENOENT.
 */
int dhcpd_lookup_name(const struct dhcpd *d, const char *name, uint32_t now, uint32_t *ip);

/*
 * The reverse: writes the unqualified name of address (ip), a reservation
 * or a client with a bound lease and a name, NUL-terminated into (name) of
 * (size) bytes. Returns 0, -ENOENT, or -ENOSPC if it does not fit.
 */
int dhcpd_lookup_addr(const struct dhcpd *d, uint32_t ip, uint32_t now, char *name, size_t size);

/*
 * Checks the table's invariants: each record's address valid under the
 * configuration and the record at its address's place, no client twice,
 * no name twice, states known; and its indexes against the records. For
 * tests and the fuzzer: visits every record and every index entry.
 * Returns 0 or -EFAULT.
 */
int dhcpd_check(const struct dhcpd *d, uint32_t now);

#endif
