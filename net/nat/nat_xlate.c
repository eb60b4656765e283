/*
 * Packet translation: validation of the IPv4 and transport headers (every
 * length before it is read, the header checksum as a router must, RFC 1812
 * §5.2.2), the choice between translating, handing to the appliance and
 * dropping, and the rewriting itself. Rewrites are incremental (RFC 1624):
 * an address change fixes the IPv4 header checksum and, through the
 * pseudo-header, the TCP or UDP checksum; a port or ICMP identifier change
 * fixes the transport checksum; a UDP checksum of 0 stays 0 (RFC 768).
 *
 * Outbound packets take their mapping's outside address and port as
 * source (RFC 4787 §4.1); inbound ones to the uplink address take the
 * mapping's inside address and port as destination; outbound ones to the
 * uplink address are hairpinned, both at once (RFC 4787 §6: the receiver
 * sees the sender's outside address and port). ICMP echo and timestamp
 * use their identifier as the port (RFC 5508 §3.1). What no mapping claims
 * is the appliance's own when it is addressed to a port outside the pool,
 * and unsolicited (dropped) when inside it. ICMP errors go to nat_icmp.c.
 */
#include <errno.h>
#include <string.h>

#include "net/cksum.h"
#include "net/nat/nat_impl.h"

#define NAT_IP_DF     0x4000
#define NAT_IP_MF     0x2000
#define NAT_IP_OFFSET 0x1fff

/* Query requests an inside host may start a mapping with (RFC 5508 REQ-1). */
static bool nat_icmp_request(uint8_t type)
{
	return type == NAT_ICMPT_ECHO || type == NAT_ICMPT_TIMESTAMP;
}

static bool nat_icmp_reply(uint8_t type)
{
	return type == NAT_ICMPT_ECHO_REPLY || type == NAT_ICMPT_TIMESTAMP_REPLY;
}

static bool nat_icmp_is_error(uint8_t type)
{
	return type == NAT_ICMPT_UNREACH || type == NAT_ICMPT_TIME_EXCEEDED ||
	       type == NAT_ICMPT_PARAM_PROBLEM;
}

/* Addresses never routed: this network, loopback, link-local (RFC 3927
 * §7), multicast, reserved and broadcast. */
static bool nat_martian(uint32_t a)
{
	uint32_t top = a >> 24;

	return top == 0 || top == 127 || top >= 224 || (a >> 16) == 0xa9fe;
}

/*
 * Validates the transport header of the first (or only) fragment of (p),
 * (p->l4len) bytes at (p->l4), and fills the port and checksum fields.
 * Returns NAT_TO_UPLINK if it is usable, else the drop verdict.
 */
static enum nat_verdict nat_parse_l4(struct nat_pkt *p)
{
	uint8_t *l4 = p->l4;
	uint16_t need = p->pi == NAT_P_TCP ? 20 : 8, ulen;

	if (p->l4len < need)
		return p->frag ? NAT_DROP_L4 : NAT_DROP_SHORT; /* RFC 1858: tiny fragment */
	switch (p->pi) {
	case NAT_P_TCP:
		if ((l4[12] >> 4) < 5 || (!p->frag && (l4[12] >> 4) * 4 > p->l4len))
			return NAT_DROP_L4;
		p->tcpflags = l4[13];
		p->l4ck = l4 + 16;
		break;
	case NAT_P_UDP:
		ulen = nat_get16(l4 + 4);
		if (ulen < 8 || (!p->frag && ulen > p->l4len))
			return NAT_DROP_L4;
		p->l4ck = l4 + 6;
		p->ckflags = CKSUM_UDP;
		break;
	default:
		p->icmp_type = l4[0];
		p->l4ck = l4 + 2;
		if (nat_icmp_request(l4[0]) || nat_icmp_reply(l4[0]))
			p->sport = p->dport = l4 + 4;
		return NAT_TO_UPLINK;
	}
	p->sport = l4;
	p->dport = l4 + 2;
	if (nat_get16(p->sport) == 0 || nat_get16(p->dport) == 0)
		return NAT_DROP_L4;
	return NAT_TO_UPLINK;
}

/*
 * Validates the IPv4 packet of (len) bytes at (pkt) into (p). Returns
 * NAT_TO_UPLINK if it may be looked at further, else the drop verdict.
 */
static enum nat_verdict nat_parse(uint8_t *pkt, size_t len, struct nat_pkt *p)
{
	uint16_t ihl, frag;

	memset(p, 0, sizeof(*p));
	if (len < 20)
		return NAT_DROP_SHORT;
	if (pkt[0] >> 4 != 4)
		return NAT_DROP_VERSION;
	ihl = (uint16_t)((pkt[0] & 0x0f) * 4);
	if (ihl < 20 || ihl > len)
		return NAT_DROP_IHL;
	p->tot = nat_get16(pkt + 2);
	if (p->tot < ihl || p->tot > len)
		return NAT_DROP_LENGTH;
	if (cksum(pkt, ihl) != 0)
		return NAT_DROP_IP_CKSUM;
	frag = nat_get16(pkt + 6);
	p->ip = pkt;
	p->id = nat_get16(pkt + 4);
	p->df = (frag & NAT_IP_DF) != 0;
	p->frag = (frag & (NAT_IP_MF | NAT_IP_OFFSET)) != 0;
	p->more = (frag & NAT_IP_MF) != 0;
	p->first = (frag & NAT_IP_OFFSET) == 0;
	p->ttl = pkt[8];
	p->proto = pkt[9];
	p->src = nat_get32(pkt + 12);
	p->dst = nat_get32(pkt + 16);
	p->l4len = (uint16_t)(p->tot - ihl);
	p->pi = p->proto == NAT_IPPROTO_TCP    ? NAT_P_TCP
		: p->proto == NAT_IPPROTO_UDP  ? NAT_P_UDP
		: p->proto == NAT_IPPROTO_ICMP ? NAT_P_ICMP
					       : NAT_P_NONE;
	/* RFC 1858, overlapping fragments: one at offset 8 could rewrite the
	 * TCP flags. */
	if (p->pi == NAT_P_TCP && (frag & NAT_IP_OFFSET) == 1)
		return NAT_DROP_L4;
	if (!p->first || p->pi == NAT_P_NONE)
		return NAT_TO_UPLINK;
	p->l4 = pkt + ihl;
	return nat_parse_l4(p);
}

enum nat_verdict nat_hop_check(const struct nat_pkt *p, uint16_t mtu, bool may_icmp,
			       struct nat_meta *meta)
{
	uint32_t size = p->tot;

	meta->mtu = mtu;
	if (p->ttl <= 1)
		return may_icmp ? NAT_ICMP_TIME_EXCEEDED : NAT_DROP_TTL;
	/* A GSO packet leaves as segments: headers and gso_size bytes each. */
	if (meta->gso_size && p->pi == NAT_P_TCP && p->l4 != NULL) {
		uint32_t seg = (uint32_t)(p->l4 - p->ip) + (p->l4[12] >> 4) * 4u + meta->gso_size;

		size = seg < size ? seg : size;
	}
	if (size > mtu) {
		if (p->df)
			return may_icmp ? NAT_ICMP_FRAG_NEEDED : NAT_DROP_TOO_BIG;
		meta->fragment = true;
	}
	return NAT_TO_UPLINK;
}

void nat_set_addr(struct nat_pkt *p, bool to_src, uint32_t ip)
{
	uint8_t *f = p->ip + (to_src ? 12 : 16);
	uint32_t old = nat_get32(f);

	nat_put32(f, ip);
	cksum_adjust32(p->ip + 10, old, ip, 0);
	if (p->l4 != NULL && p->pi != NAT_P_ICMP)
		cksum_adjust32(p->l4ck, old, ip, p->ckflags);
	if (to_src)
		p->src = ip;
	else
		p->dst = ip;
}

/* Replaces the port (or ICMP identifier) at (field) with (port). */
static void nat_set_port(struct nat_pkt *p, uint8_t *field, uint16_t port)
{
	uint16_t old = nat_get16(field);

	nat_put16(field, port);
	if (!(p->ckflags & CKSUM_PARTIAL)) /* the device will sum the new port */
		cksum_adjust16(p->l4ck, old, port, p->ckflags);
}

void nat_ttl_dec(struct nat_pkt *p)
{
	uint16_t old = nat_get16(p->ip + 8);

	p->ip[8]--;
	p->ttl--;
	cksum_adjust16(p->ip + 10, old, nat_get16(p->ip + 8), 0);
}

/* What a failed nat_map_get() or nat_sess_get() means for the packet. */
static enum nat_verdict nat_refused(int err)
{
	return err == -ENOSPC ? NAT_ICMP_ADMIN_PROHIBITED : NAT_DROP_NO_SESSION;
}

/* Records first fragment (p) for its later ones, against mapping (m).
 * Returns NAT_TO_UPLINK to mean "go on", else the drop verdict. */
static enum nat_verdict nat_frag_note(struct nat *n, const struct nat_pkt *p,
				      const struct nat_map *m, uint32_t new_src, uint32_t new_dst,
				      uint32_t now_ms)
{
	int err;

	if (!p->frag)
		return NAT_TO_UPLINK;
	err = nat_frag_add(n, p, nat_map_index(n, m), new_src, new_dst, now_ms);
	if (err == -EDQUOT)
		return NAT_DROP_FRAG_QUOTA;
	return err ? NAT_DROP_FRAG_FULL : NAT_TO_UPLINK;
}

/* The remote port of (p)'s session, the remote being its destination
 * (outbound) or its source (inbound); 0 for ICMP. */
static uint16_t nat_rport(const struct nat_pkt *p, bool inbound)
{
	if (p->pi == NAT_P_ICMP)
		return 0;
	return nat_get16(inbound ? p->sport : p->dport);
}

/*
 * May (p), going (inbound), start a session? Outbound UDP, an ICMP query,
 * and a TCP SYN without ACK may: a guest cannot fill the table with plain
 * ACKs, and a connection that lost its session (clear nat) is reset by its
 * peer rather than picked up. Inbound, for endpoint-independent filtering
 * (RFC 4787 REQ-8, RFC 5382 REQ-3), UDP from a new remote may, and a TCP
 * SYN without ACK (RFC 5382 REQ-2: simultaneous open); nothing else.
 */
static bool nat_may_start(const struct nat_pkt *p, bool inbound)
{
	uint8_t f = p->tcpflags;

	switch (p->pi) {
	case NAT_P_TCP:
		return (f & NAT_TCP_SYN) && !(f & (NAT_TCP_ACK | NAT_TCP_RST));
	case NAT_P_UDP:
		return true;
	default:
		return !inbound && nat_icmp_request(p->icmp_type);
	}
}

/* The state a session (p) starts begins in. (A hairpinned segment may
 * start the receiver's side without a SYN: transitory.) */
static uint8_t nat_start_state(const struct nat_pkt *p, bool inbound)
{
	if (p->pi != NAT_P_TCP)
		return NAT_TCP_NONE;
	if (p->tcpflags & NAT_TCP_SYN)
		return inbound ? NAT_TCP_SYN_IN : NAT_TCP_SYN_OUT;
	return NAT_TCP_TRANS;
}

/* Accounts (p), going (inbound), to session (s) of (m), unless it was
 * just (made) for it. */
static void nat_note(struct nat *n, struct nat_map *m, struct nat_sess *s, int made,
		     const struct nat_pkt *p, bool inbound, uint32_t now_ms)
{
	if (made)
		return;
	if (p->pi == NAT_P_TCP)
		nat_tcp_track(n, m, s, inbound, p->tcpflags, now_ms);
	else
		nat_sess_touch(n, m, s, now_ms);
}

/* May (p) open one more inbound session under forward (m) this second?
 * An outside host sending SYNs from every source port would otherwise
 * fill the table through one forward. */
static bool nat_forward_rate_ok(struct nat *n, struct nat_map *m, const struct nat_pkt *p,
				uint32_t now_ms)
{
	uint32_t sec;

	if (!(m->flags & NAT_M_FORWARD) || n->cfg.forward_rate == 0 || !nat_may_start(p, true) ||
	    nat_sess_find(n, m, p->src, nat_rport(p, true), now_ms) != NULL)
		return true;
	sec = now_ms / 1000;
	if (m->new_in_s != sec) {
		m->new_in_s = sec;
		m->new_in = 0;
	}
	if (m->new_in >= n->cfg.forward_rate)
		return false;
	m->new_in++;
	return true;
}

/* From a nat network: out of the uplink, or hairpinned back inside. */
static enum nat_verdict nat_out(struct nat *n, struct nat_pkt *p, uint32_t now_ms,
				struct nat_meta *meta)
{
	uint32_t up = n->cfg.uplink_ip;
	bool hairpin = p->dst == up, start = nat_may_start(p, false);
	struct nat_map *m, *hm = NULL;
	struct nat_sess *s, *hs = NULL;
	enum nat_verdict v;
	int made, hmade = 0;
	uint32_t hmi;

	if (p->pi == NAT_P_ICMP && !nat_icmp_request(p->icmp_type))
		return NAT_DROP_ICMP_TYPE;
	if (hairpin) {
		uint16_t port;

		if (p->pi == NAT_P_ICMP)
			return NAT_LOCAL; /* the appliance answers its own address */
		port = nat_get16(p->dport);
		hm = nat_map_by_out(n, p->pi, port, now_ms);
		if (hm == NULL)
			return nat_in_pool(n, port) ? NAT_DROP_NO_MAPPING : NAT_LOCAL;
	}
	v = nat_hop_check(p, hairpin ? n->cfg.inside_mtu : n->cfg.uplink_mtu, true, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	/* Room for a new flow may evict half-open sessions: none of hm's. */
	hmi = hairpin ? nat_map_index(n, hm) : NAT_NONE;
	made = nat_map_get(n, p->pi, p->src, nat_get16(p->sport), now_ms, start, hmi, &m);
	if (made < 0)
		return nat_refused(made);
	made = nat_sess_get(n, m, p->dst, nat_rport(p, false), now_ms, start,
			    nat_start_state(p, false), hmi, &s);
	if (made < 0) {
		nat_map_release(n, m);
		return nat_refused(made);
	}
	if (hairpin) {
		/* The receiver's side sees it arrive from the sender's mapping. */
		hmade = nat_sess_get(n, hm, up, m->out_port, now_ms, nat_may_start(p, true),
				     nat_start_state(p, true), nat_map_index(n, m), &hs);
		if (hmade < 0)
			return nat_refused(hmade);
		/* Room made for hs kept m's sessions, but may have moved s. */
		s = nat_st_find(n, nat_key_sess(nat_map_index(n, m), p->dst, nat_rport(p, false)));
		v = nat_frag_note(n, p, m, up, hm->in_ip, now_ms);
		if (v != NAT_TO_UPLINK)
			return v;
	}
	nat_note(n, m, s, made, p, false, now_ms);
	if (hairpin)
		nat_note(n, hm, hs, hmade, p, true, now_ms);
	nat_set_addr(p, true, up);
	nat_set_port(p, p->sport, m->out_port);
	if (hairpin) {
		nat_set_addr(p, false, hm->in_ip);
		nat_set_port(p, p->dport, hm->in_port);
	}
	nat_ttl_dec(p);
	return hairpin ? NAT_TO_INSIDE : NAT_TO_UPLINK;
}

/* From the uplink to the uplink address: to a mapping, or the appliance's. */
static enum nat_verdict nat_in(struct nat *n, struct nat_pkt *p, uint32_t now_ms,
			       struct nat_meta *meta)
{
	struct nat_map *m;
	struct nat_sess *s;
	enum nat_verdict v;
	uint16_t port;
	int made;

	if (p->pi == NAT_P_ICMP && !nat_icmp_reply(p->icmp_type))
		return NAT_LOCAL; /* requests, and what else may come, are the appliance's */
	port = nat_get16(p->dport);
	m = nat_map_by_out(n, p->pi, port, now_ms);
	if (m == NULL)
		return nat_in_pool(n, port) ? NAT_DROP_NO_MAPPING : NAT_LOCAL;
	v = nat_hop_check(p, n->cfg.inside_mtu, true, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	if (!nat_forward_rate_ok(n, m, p, now_ms))
		return NAT_DROP_RATE;
	made = nat_sess_get(n, m, p->src, nat_rport(p, true), now_ms, nat_may_start(p, true),
			    nat_start_state(p, true), NAT_NONE, &s);
	if (made < 0)
		return nat_refused(made);
	v = nat_frag_note(n, p, m, p->src, m->in_ip, now_ms);
	if (v != NAT_TO_UPLINK)
		return v;
	nat_note(n, m, s, made, p, true, now_ms);
	nat_set_addr(p, false, m->in_ip);
	nat_set_port(p, p->dport, m->in_port);
	nat_ttl_dec(p);
	return NAT_TO_INSIDE;
}

/*
 * A fragment other than the first: addresses only. Outbound it just takes
 * the uplink address as source, unless hairpinned; inbound (and
 * hairpinned) it needs its first fragment's record.
 */
static enum nat_verdict nat_later(struct nat *n, enum nat_dir dir, struct nat_pkt *p,
				  uint32_t now_ms, struct nat_meta *meta)
{
	uint32_t up = n->cfg.uplink_ip, src = up, dst = p->dst;
	const struct nat_frag *f = NULL;
	bool inside = true;
	enum nat_verdict v;

	if (dir == NAT_OUTBOUND && p->pi == NAT_P_NONE)
		return p->dst == up ? NAT_LOCAL : NAT_DROP_PROTO;
	if (dir == NAT_INBOUND || p->dst == up) {
		f = nat_frag_follow(n, p, now_ms);
		if (f == NULL && dir == NAT_INBOUND) {
			n->stats.frag_local++;
			return NAT_LOCAL;
		}
		if (f == NULL)
			return NAT_DROP_FRAG;
		src = f->new_src;
		dst = f->new_dst;
	} else {
		inside = false;
	}
	v = nat_hop_check(p, inside ? n->cfg.inside_mtu : n->cfg.uplink_mtu, false, meta);
	if (v != NAT_TO_UPLINK)
		return v;
	if (src != p->src)
		nat_set_addr(p, true, src);
	if (dst != p->dst)
		nat_set_addr(p, false, dst);
	nat_ttl_dec(p);
	return inside ? NAT_TO_INSIDE : NAT_TO_UPLINK;
}

/* Validates the packet at (pkt) into (*p) and decides what becomes of it. */
static enum nat_verdict nat_decide(struct nat *n, enum nat_dir dir, uint8_t *pkt, size_t len,
				   uint32_t now_ms, struct nat_meta *meta, struct nat_pkt *p)
{
	uint32_t up = n->cfg.uplink_ip;
	enum nat_verdict v;

	v = nat_parse(pkt, len, p);
	if (v != NAT_TO_UPLINK)
		return v;
	if (meta->csum_partial && p->l4 != NULL && (p->pi == NAT_P_TCP || p->pi == NAT_P_UDP))
		p->ckflags = CKSUM_PARTIAL;
	if (dir == NAT_INBOUND) {
		if (up == 0)
			return NAT_LOCAL; /* e.g. the uplink's DHCP client still at work */
		if (p->dst != up || p->src == up || nat_martian(p->src))
			return NAT_DROP_ADDR;
	} else {
		if (up == 0)
			return NAT_DROP_NO_UPLINK;
		if (p->src == up || nat_martian(p->src) || nat_martian(p->dst))
			return NAT_DROP_ADDR;
	}
	if (!p->first)
		return nat_later(n, dir, p, now_ms, meta);
	if (p->pi == NAT_P_NONE)
		return dir == NAT_INBOUND || p->dst == up ? NAT_LOCAL : NAT_DROP_PROTO;
	if (p->pi == NAT_P_ICMP && nat_icmp_is_error(p->icmp_type))
		return nat_icmp_error(n, dir, p, now_ms, meta);
	if (p->pi == NAT_P_ICMP && p->sport == NULL)
		return dir == NAT_INBOUND ? NAT_LOCAL : NAT_DROP_ICMP_TYPE;
	return dir == NAT_OUTBOUND ? nat_out(n, p, now_ms, meta) : nat_in(n, p, now_ms, meta);
}

/* Does (v) ask the binding to send an ICMP error to the packet's source? */
static bool nat_asks_icmp(enum nat_verdict v)
{
	return v == NAT_ICMP_TIME_EXCEEDED || v == NAT_ICMP_FRAG_NEEDED ||
	       v == NAT_ICMP_ADMIN_PROHIBITED;
}

enum nat_verdict nat_translate(struct nat *n, enum nat_dir dir, uint8_t *pkt, size_t len,
			       uint32_t now_ms, struct nat_meta *meta)
{
	struct nat_meta spare;
	struct nat_pkt p;
	enum nat_verdict v;

	if (meta == NULL) {
		memset(&spare, 0, sizeof(spare));
		meta = &spare;
	}
	meta->mtu = 0;
	meta->fragment = false;
	v = nat_decide(n, dir, pkt, len, now_ms, meta, &p);
	/* RFC 1812 §4.3.2.8: a source address is easily forged; errors to one
	 * host are limited, so that the gateway is no reflector. */
	if (nat_asks_icmp(v) && !nat_icmp_budget(n, p.src, now_ms))
		v = NAT_DROP_ICMP_RATE;
	n->stats.verdict[v]++;
	return v;
}
