/*
 * Frames for the binding tests: builders for ARP, IPv4 with TCP, UDP and
 * ICMP, and DHCP client messages, and a parser that checks the IPv4 header
 * and transport checksums on its own (RFC 791, RFC 793, RFC 768, RFC 792),
 * not with net/cksum.c, so that a checksum bug there cannot hide.
 */
#include <stdio.h>
#include <string.h>

#include "tests/bind/bind.h"

const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint32_t ip4(const char *s)
{
	unsigned a, b, c, d;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		return 0;
	return a << 24 | b << 16 | c << 8 | d;
}

/* The one's complement sum of (len) bytes, folded, added to (sum). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The transport checksum over the pseudo-header and (len) bytes at (l4). */
static uint16_t csum_l4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return (uint16_t)~csum_add(csum_add(0, ph, sizeof(ph)), l4, len);
}

static size_t frame_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, type);
	return FRAME_ETH_HLEN;
}

size_t frame_arp(uint8_t *buf, const uint8_t eth_dst[6], int op, const uint8_t sha[6], uint32_t spa,
		 const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *a = buf + frame_eth(buf, eth_dst, sha, FRAME_TYPE_ARP);

	memset(a, 0, 60 - FRAME_ETH_HLEN);
	put16(a, 1); /* Ethernet */
	put16(a + 2, FRAME_TYPE_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, (uint16_t)op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	return 60;
}

size_t frame_ip(uint8_t *buf, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint8_t proto,
		uint32_t src, uint32_t dst, const void *l4, size_t l4len)
{
	uint8_t *ip = buf + frame_eth(buf, eth_dst, eth_src, FRAME_TYPE_IP), *t = ip + 20;
	static uint16_t id = 0x1000;

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, id++);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, (uint16_t)~csum_add(0, ip, 20));
	memcpy(t, l4, l4len);
	if (proto == FRAME_TCP)
		put16(t + 16, csum_l4(src, dst, proto, t, l4len));
	else if (proto == FRAME_UDP) {
		uint16_t c = csum_l4(src, dst, proto, t, l4len);

		put16(t + 6, c ? c : 0xffff); /* 0 means none (RFC 768) */
	} else if (proto == FRAME_ICMP)
		put16(t + 2, (uint16_t)~csum_add(0, t, l4len));
	return FRAME_ETH_HLEN + 20 + l4len;
}

uint16_t frame_pseudo_sum(const uint8_t *frame)
{
	const uint8_t *ip = frame + FRAME_ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	put16(ph + 10, (uint16_t)(be16(ip + 2) - ihl));
	return (uint16_t)csum_add(0, ph, sizeof(ph));
}

size_t frame_partial(uint8_t *frame)
{
	size_t at = FRAME_ETH_HLEN + (size_t)(frame[FRAME_ETH_HLEN] & 15) * 4;

	at += frame[FRAME_ETH_HLEN + 9] == FRAME_TCP ? 16 : 6;
	put16(frame + at, frame_pseudo_sum(frame));
	return at;
}

bool frame_ip_hdr_ok(const uint8_t *frame)
{
	const uint8_t *ip = frame + FRAME_ETH_HLEN;

	return csum_add(0, ip, (size_t)(ip[0] & 15) * 4) == 0xffff;
}

void frame_set_ttl(uint8_t *frame, uint8_t ttl)
{
	uint8_t *ip = frame + FRAME_ETH_HLEN;

	ip[8] = ttl;
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~csum_add(0, ip, 20));
}

size_t l4_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	      uint8_t flags)
{
	memset(l4, 0, 24);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, seq);
	put32(l4 + 8, ack);
	l4[12] = 6 << 4; /* 24 bytes: the header and an MSS option */
	l4[13] = flags;
	put16(l4 + 14, 65535);
	l4[20] = 2; /* MSS 1460 */
	l4[21] = 4;
	put16(l4 + 22, 1460);
	return 24;
}

size_t l4_tcp_data(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		   uint8_t flags, const void *data, size_t len)
{
	memset(l4, 0, 20);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, seq);
	put32(l4 + 8, ack);
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 65535);
	memcpy(l4 + 20, data, len);
	return 20 + len;
}

size_t l4_udp(uint8_t *l4, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + len));
	put16(l4 + 6, 0);
	memcpy(l4 + 8, data, len);
	return 8 + len;
}

size_t l4_icmp_echo(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq)
{
	memset(l4, 0, 16);
	l4[0] = type;
	put16(l4 + 4, id);
	put16(l4 + 6, seq);
	memcpy(l4 + 8, "unigate!", 8);
	return 16;
}

size_t dhcp_client_msg(uint8_t *buf, int type, const uint8_t mac[6], uint32_t xid,
		       uint32_t requested, uint32_t server)
{
	uint8_t *o = buf + 240;

	memset(buf, 0, 300);
	buf[0] = 1; /* BOOTREQUEST */
	buf[1] = 1; /* Ethernet */
	buf[2] = 6;
	put32(buf + 4, xid);
	memcpy(buf + 28, mac, 6);
	put32(buf + 236, 0x63825363); /* magic cookie */
	*o++ = 53;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (requested) {
		*o++ = 50;
		*o++ = 4;
		put32(o, requested);
		o += 4;
	}
	if (server) {
		*o++ = 54;
		*o++ = 4;
		put32(o, server);
		o += 4;
	}
	*o++ = 55; /* parameter request list: mask, router, DNS, domain */
	*o++ = 4;
	*o++ = 1;
	*o++ = 3;
	*o++ = 6;
	*o++ = 15;
	*o++ = 255;
	return 300; /* BOOTP's minimum, padded */
}

int pkt_parse(const uint8_t *f, size_t len, struct pkt *p)
{
	const uint8_t *ip = f + FRAME_ETH_HLEN, *t;
	size_t ihl, tot, l4len;

	memset(p, 0, sizeof(*p));
	if (len < FRAME_ETH_HLEN)
		return -1;
	memcpy(p->dst, f, 6);
	memcpy(p->src, f + 6, 6);
	p->type = be16(f + 12);
	if (p->type == FRAME_TYPE_ARP) {
		if (len < FRAME_ETH_HLEN + 28)
			return -1;
		p->arp_op = be16(ip + 6);
		memcpy(p->arp_sha, ip + 8, 6);
		p->arp_spa = be32(ip + 14);
		p->arp_tpa = be32(ip + 24);
		return 0;
	}
	if (p->type != FRAME_TYPE_IP || len < FRAME_ETH_HLEN + 20)
		return -1;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || FRAME_ETH_HLEN + tot > len)
		return -1;
	p->proto = ip[9];
	p->ttl = ip[8];
	p->ip_src = be32(ip + 12);
	p->ip_dst = be32(ip + 16);
	p->ip_ok = csum_add(0, ip, ihl) == 0xffff;
	t = ip + ihl;
	l4len = tot - ihl;
	p->data = t;
	p->data_len = l4len;
	if (p->proto == FRAME_TCP && l4len >= 20) {
		size_t off = (size_t)(t[12] >> 4) * 4;

		p->sport = be16(t);
		p->dport = be16(t + 2);
		p->tcp_seq = be32(t + 4);
		p->tcp_ack = be32(t + 8);
		p->tcp_flags = t[13];
		p->l4_ok = csum_l4(p->ip_src, p->ip_dst, p->proto, t, l4len) == 0;
		if (off >= 20 && off <= l4len) {
			p->data = t + off;
			p->data_len = l4len - off;
		}
	} else if (p->proto == FRAME_UDP && l4len >= 8) {
		p->sport = be16(t);
		p->dport = be16(t + 2);
		p->l4_ok =
			be16(t + 6) == 0 || csum_l4(p->ip_src, p->ip_dst, p->proto, t, l4len) == 0;
		p->data = t + 8;
		p->data_len = l4len - 8;
	} else if (p->proto == FRAME_ICMP && l4len >= 8) {
		p->icmp_type = t[0];
		p->icmp_code = t[1];
		p->sport = be16(t + 4); /* the echo identifier */
		p->l4_ok = csum_add(0, t, l4len) == 0xffff;
		p->data = t + 8;
		p->data_len = l4len - 8;
	}
	return 0;
}

const uint8_t *dhcp_option(const struct pkt *p, uint8_t code, size_t *len)
{
	const uint8_t *o, *end;

	if (p->proto != FRAME_UDP || p->data_len < 240 || be32(p->data + 236) != 0x63825363)
		return NULL;
	o = p->data + 240;
	end = p->data + p->data_len;
	while (o < end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			return NULL;
		if (*o == code) {
			*len = o[1];
			return o + 2;
		}
		o += 2 + o[1];
	}
	return NULL;
}

int dhcp_type(const struct pkt *p)
{
	size_t len;
	const uint8_t *o = dhcp_option(p, 53, &len);

	return o != NULL && len == 1 ? o[0] : -1;
}

uint32_t dhcp_yiaddr(const struct pkt *p)
{
	return p->proto == FRAME_UDP && p->data_len >= 240 ? be32(p->data + 16) : 0;
}
