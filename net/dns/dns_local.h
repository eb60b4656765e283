/*
 * Local names: the answers a network's gateway gives itself, before any
 * forwarding, for the names of its DHCP clients and reservations, so that
 * "ping web1" works between guests with no hosts file. The binding
 * supplies the names through two callbacks; this file decides which
 * questions are local and builds the response:
 *
 * - "web1" (one label) or "web1.DOMAIN": A from the lookup callback; for
 *   another QTYPE (AAAA, MX...) NOERROR with no answer (RFC 2308 §2.2),
 *   so that resolvers asking for AAAA and A in parallel do not wait.
 * - an unknown "host.DOMAIN", and any deeper name under DOMAIN: NXDOMAIN
 *   (RFC 2308 §2.1); DOMAIN itself: NOERROR with no answer. Questions
 *   about the network's domain never leave the appliance.
 * - "d.c.b.a.in-addr.arpa" (RFC 1035 §3.5) for an address in the
 *   network's subnet: PTR from the reverse callback, otherwise NXDOMAIN;
 *   reverse names of private networks are served locally (RFC 6303 §3).
 * - an unknown single label and everything else: forwarded.
 *
 * Negative answers carry no SOA record, so resolvers do not cache them
 * (RFC 2308 §5): a guest that gets its lease a moment later resolves at
 * once. Pure: no I/O.
 */
#ifndef UNIGATE_NET_DNS_LOCAL_H
#define UNIGATE_NET_DNS_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dns/dns_msg.h"

#define DNS_LOCAL_TTL 60 /* seconds: short, since leases come and go */

/* A network's local names. The binding fills it; this file only reads it. */
struct dns_local {
	uint8_t domain[DNS_NAME_MAX]; /* wire form; set by dns_local_set_domain() */
	uint16_t domain_len;	      /* 0: no domain */
	uint32_t net;		      /* the network's address, host order, */
	uint32_t mask;		      /* and mask; 0: no reverse names */
	uint32_t ttl;		      /* of answers, seconds */
	bool local_only;	      /* other names are REFUSED, not forwarded */
	/*
	 * Finds host (name), one label of 1 .. DNS_LABEL_MAX characters with
	 * A-Z folded to lower case; compare it case-insensitively. Stores its
	 * address (host order) in (*addr) and returns 0, or returns -ENOENT.
	 * (name) is valid during the call only. NULL: no names.
	 */
	int (*lookup)(void *ctx, const char *name, uint32_t *addr);
	/*
	 * Finds the host name of (addr) (host order) and writes it, one label
	 * without the domain, NUL-terminated, into (name) of (size) bytes.
	 * Returns 0, or -ENOENT. NULL: no reverse names.
	 */
	int (*reverse)(void *ctx, uint32_t addr, char *name, size_t size);
	void *ctx; /* passed to both */
};

/* Results of dns_local_answer(). */
#define DNS_LOCAL_FORWARD  0 /* not a local name */
#define DNS_LOCAL_ANSWER   1 /* an A or PTR record */
#define DNS_LOCAL_NODATA   2 /* NOERROR, no answer */
#define DNS_LOCAL_NXDOMAIN 3

/*
 * Sets (loc)'s domain from the text (domain), e.g. "localdomain"; NULL or
 * "" for none. Returns 0 or -EINVAL (as dns_name_from_str()), leaving the
 * domain unchanged.
 */
int dns_local_set_domain(struct dns_local *loc, const char *domain);

/*
 * Returns how many labels (name) has in front of (domain), both in wire
 * form: 0 when they are equal, 1 for "web1" under it, and so on; -1 if
 * (name) is not under (domain). Case is ignored. (name) must be a valid
 * wire-form name of (name_len) bytes, as dns_name_read() produces.
 */
int dns_name_under(const uint8_t *name, size_t name_len, const uint8_t *domain, size_t domain_len);

/*
 * Reads the IPv4 address from a reverse name "d.c.b.a.in-addr.arpa" (any
 * case; each part 0..255 in decimal without leading zeros) into (*addr),
 * a.b.c.d in host order. Returns 0, or -EINVAL for any other name.
 */
int dns_name_in_addr(const uint8_t *name, size_t name_len, uint32_t *addr);

/*
 * Decides whether the query (q), parsed by dns_msg_parse(), is for a local
 * name of (loc) and if so builds the response into (buf) of (size) bytes
 * (DNS_UDP_PLAIN_MAX is always enough), owned by the caller, with its
 * length in (*len). Returns DNS_LOCAL_FORWARD (nothing written), or
 * DNS_LOCAL_ANSWER, _NODATA or _NXDOMAIN, or -ENOSPC if (size) is too small.
 */
int dns_local_answer(const struct dns_local *loc, const struct dns_msg *q, uint8_t *buf,
		     size_t size, size_t *len);

#endif
