/*
 * ICMP error translation (RFC 5508 §4, RFC 5382 REQ-9, RFC 4787 REQ-12).
 * An error quotes the packet that caused it: its IPv4 header and at least
 * 8 bytes of what followed (RFC 792), which are the ports, or the ICMP
 * query identifier. That packet went through the NAT the other way, so
 * the error is matched by the quoted packet's mapping and session, and
 * translated by undoing what was done to the quote:
 * - inbound (from outside, to the uplink address): the quote left from
 *   the uplink address; its source goes back to the inside address and
 *   port, and so does the error's destination (RFC 5508 REQ-4);
 * - outbound (from inside, to a remote): the quote came in to an inside
 *   host; its destination becomes the uplink address and outside port
 *   again, and the error's source the uplink address (REQ-5);
 * - hairpinned (from inside, to the uplink address): both ends of the
 *   quote, and of the error (REQ-7).
 * The ICMP checksum and the quote's header checksum are verified first
 * (REQ-3, REQ-3a); the quote's transport checksum is not (REQ-3c) but is
 * fixed when the quote holds it; the ICMP checksum is then recomputed over
 * the message. Type and code are kept; an error refreshes nothing
 * (REQ-6); no error is ever asked about an error (RFC 1812 §4.3.2.7).
 *
 * Also the budget of the errors the binding is asked to send (RFC 1812
 * §4.3.2.8 asks a router to limit their rate): cfg.icmp_err_rate a
 * second to one destination host, a burst of as many, in a token bucket
 * per keyed-hash bucket of the address (n->icmp_err).
 */
#include <stddef.h>

#include "net/cksum.h"
#include "net/nat/nat_impl.h"

#define NAT_ICMP_HLEN 8 /* type, code, checksum, 4 more bytes */

/* The quoted packet inside an ICMP error. Pointers into the message. */
struct nat_quote {
	uint8_t *ip;
	uint8_t *sport, *dport; /* ICMP query: both the identifier */
	uint8_t *l4ck;		/* transport checksum, NULL if cut off */
	int ckflags;
	uint32_t src, dst;
	uint16_t sp, dp; /* ICMP query: the identifier, and 0 */
	uint8_t pi;
	uint8_t icmp_type; /* ICMP query: its type */
};

/*
 * Parses the (len) bytes at (q) as a quoted IPv4 packet. Returns 0, or -1
 * if it is malformed: short, not IPv4, bad header checksum, not a first
 * fragment, no ports or identifier, or not TCP, UDP or an ICMP query.
 */
static int nat_quote_parse(uint8_t *q, size_t len, struct nat_quote *in)
{
	size_t ihl;
	uint8_t *l4;

	if (len < 20 || q[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < 20 || ihl + 8 > len || cksum(q, ihl) != 0 || (nat_get16(q + 6) & 0x1fff) != 0)
		return -1;
	l4 = q + ihl;
	in->ip = q;
	in->src = nat_get32(q + 12);
	in->dst = nat_get32(q + 16);
	in->ckflags = 0;
	switch (q[9]) {
	case NAT_IPPROTO_TCP:
	case NAT_IPPROTO_UDP:
		in->pi = q[9] == NAT_IPPROTO_TCP ? NAT_P_TCP : NAT_P_UDP;
		in->sport = l4;
		in->dport = l4 + 2;
		in->sp = nat_get16(l4);
		in->dp = nat_get16(l4 + 2);
		if (in->sp == 0 || in->dp == 0)
			return -1;
		if (in->pi == NAT_P_UDP) {
			in->l4ck = l4 + 6;
			in->ckflags = CKSUM_UDP;
		} else {
			in->l4ck = len - ihl >= 18 ? l4 + 16 : NULL;
		}
		return 0;
	case NAT_IPPROTO_ICMP:
		/* Echo and timestamp requests and replies. */
		if (l4[0] != NAT_ICMPT_ECHO_REPLY && l4[0] != NAT_ICMPT_ECHO &&
		    l4[0] != NAT_ICMPT_TIMESTAMP && l4[0] != NAT_ICMPT_TIMESTAMP_REPLY)
			return -1;
		in->pi = NAT_P_ICMP;
		in->icmp_type = l4[0];
		in->sport = in->dport = l4 + 4;
		in->sp = nat_get16(l4 + 4);
		in->dp = 0;
		in->l4ck = l4 + 2;
		return 0;
	default:
		return -1;
	}
}

/* Replaces the quote's source (to_src) or destination address with (ip). */
static void nat_quote_addr(struct nat_quote *in, bool to_src, uint32_t ip)
{
	uint8_t *f = in->ip + (to_src ? 12 : 16);
	uint32_t old = nat_get32(f);

	nat_put32(f, ip);
	cksum_adjust32(in->ip + 10, old, ip, 0);
	if (in->l4ck != NULL && in->pi != NAT_P_ICMP)
		cksum_adjust32(in->l4ck, old, ip, in->ckflags);
}

/* Replaces the quote's port (or identifier) at (field) with (port). */
static void nat_quote_port(struct nat_quote *in, uint8_t *field, uint16_t port)
{
	uint16_t old = nat_get16(field);

	nat_put16(field, port);
	if (in->l4ck != NULL)
		cksum_adjust16(in->l4ck, old, port, in->ckflags);
}

/* From outside about a packet that left from the uplink address. */
static enum nat_verdict nat_icmp_in(struct nat *n, struct nat_pkt *p, struct nat_quote *in,
				    uint32_t now_ms, struct nat_meta *meta)
{
	struct nat_map *m;
	enum nat_verdict v;

	/* The quote left from here; a quoted ICMP query went out as a request. */
	if (in->src != n->cfg.uplink_ip ||
	    (in->pi == NAT_P_ICMP && in->icmp_type != NAT_ICMPT_ECHO &&
	     in->icmp_type != NAT_ICMPT_TIMESTAMP))
		return NAT_DROP_ICMP_INNER;
	m = nat_map_by_out(n, in->pi, in->sp, now_ms);
	if (m == NULL)
		return nat_in_pool(n, in->sp) ? NAT_DROP_NO_MAPPING : NAT_LOCAL;
	if (nat_sess_find(n, m, in->dst, in->pi == NAT_P_ICMP ? 0 : in->dp, now_ms) == NULL)
		return NAT_DROP_NO_SESSION;
	v = nat_hop_check(p, n->cfg.inside_mtu, false, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	nat_quote_addr(in, true, m->in_ip);
	nat_quote_port(in, in->sport, m->in_port);
	nat_set_addr(p, false, m->in_ip);
	return NAT_TO_INSIDE;
}

/* From inside to a remote, about a packet that came in from it. */
static enum nat_verdict nat_icmp_out(struct nat *n, struct nat_pkt *p, struct nat_quote *in,
				     uint32_t now_ms, struct nat_meta *meta)
{
	uint16_t port = in->pi == NAT_P_ICMP ? in->sp : in->dp;
	struct nat_map *m;
	enum nat_verdict v;

	if (in->src != p->dst)
		return NAT_DROP_ICMP_INNER; /* an error goes to the quote's source */
	m = nat_map_by_in(n, in->pi, in->dst, port, now_ms);
	if (m == NULL)
		return NAT_DROP_NO_MAPPING;
	if (nat_sess_find(n, m, in->src, in->pi == NAT_P_ICMP ? 0 : in->sp, now_ms) == NULL)
		return NAT_DROP_NO_SESSION;
	v = nat_hop_check(p, n->cfg.uplink_mtu, false, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	nat_quote_addr(in, false, n->cfg.uplink_ip);
	nat_quote_port(in, in->dport, m->out_port);
	nat_set_addr(p, true, n->cfg.uplink_ip);
	return NAT_TO_UPLINK;
}

/* From inside to the uplink address, about a hairpinned packet. */
static enum nat_verdict nat_icmp_hairpin(struct nat *n, struct nat_pkt *p, struct nat_quote *in,
					 uint32_t now_ms, struct nat_meta *meta)
{
	uint32_t up = n->cfg.uplink_ip;
	struct nat_map *a, *b;
	enum nat_verdict v;

	if (in->pi == NAT_P_ICMP || in->src != up)
		return NAT_DROP_ICMP_INNER; /* queries to the uplink address are not hairpinned */
	a = nat_map_by_out(n, in->pi, in->sp, now_ms);
	if (a == NULL)
		return nat_in_pool(n, in->sp) ? NAT_DROP_NO_MAPPING : NAT_LOCAL;
	b = nat_map_by_in(n, in->pi, in->dst, in->dp, now_ms);
	if (b == NULL)
		return NAT_DROP_NO_MAPPING;
	if (nat_sess_find(n, a, up, b->out_port, now_ms) == NULL)
		return NAT_DROP_NO_SESSION;
	v = nat_hop_check(p, n->cfg.inside_mtu, false, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	nat_quote_addr(in, true, a->in_ip);
	nat_quote_port(in, in->sport, a->in_port);
	nat_quote_addr(in, false, up);
	nat_quote_port(in, in->dport, b->out_port);
	nat_set_addr(p, true, up);
	nat_set_addr(p, false, a->in_ip); /* REQ-7a: to the quote's new source */
	return NAT_TO_INSIDE;
}

enum nat_verdict nat_icmp_error(struct nat *n, enum nat_dir dir, struct nat_pkt *p, uint32_t now_ms,
				struct nat_meta *meta)
{
	uint8_t *icmp = p->l4;
	struct nat_quote in;
	enum nat_verdict v;

	if (p->frag)
		return NAT_DROP_FRAG;
	if (cksum(icmp, p->l4len) != 0)
		return NAT_DROP_ICMP_CKSUM;
	if (p->l4len < NAT_ICMP_HLEN ||
	    nat_quote_parse(icmp + NAT_ICMP_HLEN, p->l4len - NAT_ICMP_HLEN, &in) != 0)
		return NAT_DROP_ICMP_INNER;
	if (dir == NAT_INBOUND)
		v = nat_icmp_in(n, p, &in, now_ms, meta);
	else if (p->dst == n->cfg.uplink_ip)
		v = nat_icmp_hairpin(n, p, &in, now_ms, meta);
	else
		v = nat_icmp_out(n, p, &in, now_ms, meta);
	if (v != NAT_TO_UPLINK && v != NAT_TO_INSIDE)
		return v;
	nat_ttl_dec(p);
	nat_put16(icmp + 2, 0);
	nat_put16(icmp + 2, cksum(icmp, p->l4len));
	return v;
}

#define NAT_ICMP_BUCKET_BITS 10 /* log2(NAT_ICMP_BUCKETS) */

_Static_assert(NAT_ICMP_BUCKETS == 1 << NAT_ICMP_BUCKET_BITS, "ICMP budget buckets");

/* The budget of host (ip): a keyed hash, so that nobody outside can choose
 * which hosts share one. */
static uint32_t nat_icmp_bucket(const struct nat *n, uint32_t ip)
{
	return (uint32_t)(((ip ^ n->key[1]) * (n->key[0] | 1)) >> (64 - NAT_ICMP_BUCKET_BITS));
}

bool nat_icmp_budget(struct nat *n, uint32_t ip, uint32_t now_ms)
{
	uint32_t rate = n->cfg.icmp_err_rate, dt, paid;
	struct nat_err_budget *b;

	if (rate == 0)
		return true;
	b = &n->icmp_err[nat_icmp_bucket(n, ip)];
	/* Thousandths of an error: (rate) a millisecond is paid back, and a
	 * second pays back the whole burst, so a longer wait (or a clock
	 * that wrapped since) counts as a second. */
	dt = now_ms - b->at_ms;
	paid = (dt < 1000 ? dt : 1000) * rate;
	b->owed = b->owed > paid ? b->owed - paid : 0;
	b->at_ms = now_ms;
	if (b->owed + 1000 > rate * 1000)
		return false;
	b->owed += 1000;
	return true;
}
