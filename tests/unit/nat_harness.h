/*
 * What the NAT unit tests (test_nat*.c) share: a translator over a static
 * block of memory, builders of IPv4 packets with TCP, UDP, ICMP queries
 * and ICMP errors whose checksums are right, and a check of every
 * checksum of a packet, quote included, by full recomputation with a
 * byte-wise reference independent of net/cksum.c. xl() translates and
 * checks: a translated packet's checksums, an untouched one's bytes, the
 * table's invariants. Functions are static inline so that each test
 * program may use only some of them.
 */
#ifndef UNIGATE_TESTS_NAT_HARNESS_H
#define UNIGATE_TESTS_NAT_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/nat/nat.h"

#define UP  0x0a580002u /* 10.88.0.2, the uplink address */
#define H1  0xc0a8630au /* 192.168.99.10 */
#define H2  0xc0a8630bu /* 192.168.99.11 */
#define H3  0xc0a8630cu
#define R1  0x5db8d822u /* 93.184.216.34 */
#define R2  0x08080808u
#define R3  0x01010101u
#define RTR 0x0a580001u /* a router on the uplink side */

#define TCP  6
#define UDP  17
#define ICMP 1

#define SYN 0x02
#define FIN 0x01
#define RST 0x04
#define ACK 0x10

#define SEC 1000u

static uint64_t mem[(5u << 20) / 8]; /* enough for 65536 sessions */
static struct nat nat;
static uint32_t rstate = 12345;

static inline uint32_t xrand(void *ctx)
{
	uint32_t *s = ctx;

	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Byte-level helpers and an independent checksum. */

static inline uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static inline void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)(v >> 16));
	p16(p + 2, (uint16_t)v);
}

static inline uint32_t rsum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static inline uint16_t rck(const uint8_t *p, size_t len)
{
	return (uint16_t)~rsum(p, len, 0);
}

static inline uint32_t rpseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

/* The transport checksum of the L4 bytes at (l4), as it should be. */
static inline uint16_t l4ck(uint8_t proto, uint32_t src, uint32_t dst, uint8_t *l4, size_t len)
{
	size_t at = proto == TCP ? 16 : proto == UDP ? 6 : 2;
	uint16_t saved = g16(l4 + at), v;

	p16(l4 + at, 0);
	if (proto == ICMP)
		v = rck(l4, len);
	else
		v = (uint16_t)~rsum(l4, len, rpseudo(src, dst, proto, len));
	p16(l4 + at, saved);
	if (proto == UDP && v == 0)
		v = 0xffff;
	return v;
}

static inline void fix_l4(uint8_t *ip)
{
	size_t ihl = (ip[0] & 15) * 4, tot = g16(ip + 2);
	uint8_t proto = ip[9];
	size_t at = proto == TCP ? 16 : proto == UDP ? 6 : 2;

	p16(ip + ihl + at, l4ck(proto, g32(ip + 12), g32(ip + 16), ip + ihl, tot - ihl));
}

static inline void fix_ip(uint8_t *ip)
{
	p16(ip + 10, 0);
	p16(ip + 10, rck(ip, (ip[0] & 15) * 4u));
}

/* Checks every checksum of the IPv4 packet at (ip), and of an ICMP error's quote. */
static inline void assert_valid(const uint8_t *ip)
{
	size_t ihl = (ip[0] & 15) * 4, tot = g16(ip + 2), qihl, qtot, avail;
	const uint8_t *l4 = ip + ihl, *q;
	uint8_t proto = ip[9];

	assert_int_equal(rck(ip, ihl), 0);
	if (g16(ip + 6) & 0x3fff)
		return; /* a fragment: its transport checksum is the datagram's */
	if (proto == TCP || (proto == UDP && g16(l4 + 6) != 0))
		assert_int_equal(
			(uint16_t)~rsum(l4, tot - ihl,
					rpseudo(g32(ip + 12), g32(ip + 16), proto, tot - ihl)),
			0);
	if (proto != ICMP)
		return;
	assert_int_equal(rck(l4, tot - ihl), 0);
	if (l4[0] != 3 && l4[0] != 11 && l4[0] != 12)
		return;
	q = l4 + 8;
	qihl = (q[0] & 15) * 4;
	assert_int_equal(rck(q, qihl), 0);
	qtot = g16(q + 2);
	avail = tot - ihl - 8;
	if (qtot <= avail && q[9] != ICMP && !(q[9] == UDP && g16(q + qihl + 6) == 0))
		assert_int_equal(
			(uint16_t)~rsum(q + qihl, qtot - qihl,
					rpseudo(g32(q + 12), g32(q + 16), q[9], qtot - qihl)),
			0);
	if (qtot <= avail && q[9] == ICMP)
		assert_int_equal(rck(q + qihl, qtot - qihl), 0);
}

/* Packet builders: (b) gets a whole IPv4 packet with correct checksums. */

static uint16_t ip_id = 1;
static uint8_t ip_ttl = 64;
static uint16_t ip_frag = 0x4000; /* DF */
static size_t ip_opt = 0;

static inline size_t mk_ip(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, size_t l4len)
{
	size_t ihl = 20 + ip_opt, i;

	b[0] = (uint8_t)(0x40 | ihl / 4);
	b[1] = 0;
	p16(b + 2, (uint16_t)(ihl + l4len));
	p16(b + 4, ip_id++);
	p16(b + 6, ip_frag);
	b[8] = ip_ttl;
	b[9] = proto;
	p16(b + 10, 0);
	p32(b + 12, src);
	p32(b + 16, dst);
	for (i = 20; i < ihl; i++)
		b[i] = 1; /* NOP options */
	fix_ip(b);
	return ihl;
}

static inline size_t mk_tcp(uint8_t *b, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
			    uint8_t flags, size_t payload)
{
	size_t ihl = mk_ip(b, TCP, src, dst, 20 + payload);
	uint8_t *t = b + ihl;

	memset(t, 0, 20);
	p16(t, sp);
	p16(t + 2, dp);
	p32(t + 4, 1000);
	t[12] = 5 << 4;
	t[13] = flags;
	p16(t + 14, 65535);
	for (size_t i = 0; i < payload; i++)
		t[20 + i] = (uint8_t)(i * 7 + 3);
	fix_l4(b);
	return ihl + 20 + payload;
}

static inline size_t mk_udp(uint8_t *b, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
			    size_t payload)
{
	size_t ihl = mk_ip(b, UDP, src, dst, 8 + payload);
	uint8_t *u = b + ihl;

	p16(u, sp);
	p16(u + 2, dp);
	p16(u + 4, (uint16_t)(8 + payload));
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 13 + 1);
	fix_l4(b);
	return ihl + 8 + payload;
}

static inline size_t mk_icmp(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
			     size_t payload)
{
	size_t ihl = mk_ip(b, ICMP, src, dst, 8 + payload);
	uint8_t *c = b + ihl;

	c[0] = type;
	c[1] = 0;
	p16(c + 2, 0);
	p16(c + 4, id);
	p16(c + 6, 1);
	for (size_t i = 0; i < payload; i++)
		c[8 + i] = (uint8_t)i;
	fix_l4(b);
	return ihl + 8 + payload;
}

/* An ICMP error (type, code) from (src) to (dst) quoting (qlen) bytes of (quote). */
static inline size_t mk_err(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			    const uint8_t *quote, size_t qlen)
{
	uint16_t frag = ip_frag;
	size_t ihl;
	uint8_t *c;

	ip_frag = 0;
	ihl = mk_ip(b, ICMP, src, dst, 8 + qlen);
	ip_frag = frag;
	c = b + ihl;
	c[0] = type;
	c[1] = code;
	p16(c + 2, 0);
	p32(c + 4, type == 3 && code == 4 ? 1280 : 0);
	memcpy(c + 8, quote, qlen);
	fix_l4(b);
	return ihl + 8 + qlen;
}

static uint32_t now = 1000;
static struct nat_meta meta;

static inline enum nat_verdict xl(enum nat_dir dir, uint8_t *b, size_t len)
{
	static uint8_t copy[4096];
	enum nat_verdict v;

	assert_true(len <= sizeof(copy));
	memcpy(copy, b, len);
	v = nat_translate(&nat, dir, b, len, now, &meta);
	if (v == NAT_TO_UPLINK || v == NAT_TO_INSIDE)
		assert_valid(b);
	else
		assert_memory_equal(copy, b, len); /* untouched unless translated */
	assert_int_equal(nat_check(&nat), 0);
	return v;
}

static inline uint16_t sport(const uint8_t *b)
{
	return g16(b + (b[0] & 15) * 4);
}

static inline uint16_t dport(const uint8_t *b)
{
	return g16(b + (b[0] & 15) * 4 + 2);
}

static inline uint16_t icmp_id(const uint8_t *b)
{
	return g16(b + (b[0] & 15) * 4 + 4);
}

static inline void setup_nat(uint32_t capacity)
{
	struct nat_config c;

	nat_config_default(&c);
	c.uplink_ip = UP;
	assert_true(nat_mem_size(capacity) <= sizeof(mem));
	assert_int_equal(nat_init(&nat, mem, sizeof(mem), capacity, &c, 42, xrand, &rstate), 0);
	now = 1000;
	ip_ttl = 64;
	ip_frag = 0x4000;
	ip_opt = 0;
}

static inline int setup(void **state)
{
	(void)state;
	setup_nat(4096);
	return 0;
}

/* The state name of the one session of (in_ip):(in_port), or NULL. */
static inline const char *state_of(uint32_t in_ip, uint16_t in_port, uint32_t rem_ip)
{
	static struct nat_session_info si;
	uint32_t pos = 0;

	while (nat_session_next(&nat, &pos, now, &si) == 0)
		if (si.in_ip == in_ip && si.in_port == in_port && si.rem_ip == rem_ip)
			return si.state;
	return NULL;
}

/* Sends a TCP segment with (flags) through the translator: outbound from
 * (in_ip):(in_port) to (rem):(rport), or inbound from there to the
 * uplink's (out_port); checks the verdict is (want). */
static inline void tcp_send(enum nat_dir dir, uint32_t in_ip, uint16_t in_port, uint16_t out_port,
			    uint32_t rem, uint16_t rport, uint8_t flags, enum nat_verdict want)
{
	uint8_t b[128];
	size_t len;

	if (dir == NAT_OUTBOUND)
		len = mk_tcp(b, in_ip, in_port, rem, rport, flags, 0);
	else
		len = mk_tcp(b, rem, rport, UP, out_port, flags, 0);
	assert_int_equal(xl(dir, b, len), want);
}

/* Splits the whole datagram (b, len) at (at) payload bytes (a multiple of
 * 8) into two fragments, (f1, *l1) and (f2, *l2). */
static inline void split(const uint8_t *b, size_t len, size_t at, uint8_t *f1, size_t *l1,
			 uint8_t *f2, size_t *l2)
{
	size_t ihl = (b[0] & 15) * 4;

	memcpy(f1, b, ihl + at);
	p16(f1 + 2, (uint16_t)(ihl + at));
	p16(f1 + 6, 0x2000);
	fix_ip(f1);
	*l1 = ihl + at;
	memcpy(f2, b, ihl);
	memcpy(f2 + ihl, b + ihl + at, len - ihl - at);
	p16(f2 + 2, (uint16_t)(len - at));
	p16(f2 + 6, (uint16_t)(at / 8));
	fix_ip(f2);
	*l2 = len - at;
}

#endif
