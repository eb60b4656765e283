/*
 * Unit tests for the NAT core's packet handling beyond plain mappings:
 * ICMP errors translated inbound, outbound and hairpinned with every
 * checksum verified (RFC 5508), TTL and DF/MTU decisions, fragments
 * (outbound, inbound from the first fragment's record, hairpinned, tiny,
 * a full fragment table), malformed packets, IP options, link padding,
 * UDP without a checksum, and what a sender with offloads leaves: a
 * partial checksum (the pseudo-header's sum) kept partial and right, and
 * a GSO packet's MTU judged by its segments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/nat/nat.h"
#include "tests/unit/nat_harness.h"

static void test_icmp_error_inbound(void **state)
{
	uint8_t b[512], q[256], e[512];
	size_t len, qlen, elen;
	struct nat_session_info si;
	uint32_t pos = 0, idle;

	(void)state;
	/* UDP out; a router beyond says time exceeded about it. */
	len = mk_udp(b, H1, 5000, R1, 53, 12);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	memcpy(q, b, len);
	qlen = len;
	now += 5 * SEC;
	elen = mk_err(e, RTR, UP, 11, 0, q, qlen);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_TO_INSIDE);
	assert_int_equal(g32(e + 16), H1);
	assert_int_equal(g32(e + 12), RTR);
	assert_int_equal(g32(e + 20 + 8 + 12), H1);
	assert_int_equal(g16(e + 20 + 8 + 20), 5000);
	assert_int_equal(g32(e + 20 + 8 + 16), R1);
	assert_int_equal(e[20], 11);
	/* RFC 5508 REQ-6: no refresh. */
	assert_int_equal(nat_session_next(&nat, &pos, now, &si), 0);
	idle = si.idle_ms;
	assert_int_equal(idle, 5 * SEC);

	/* Fragmentation needed, quoting only the first 8 bytes of UDP. */
	elen = mk_err(e, RTR, UP, 3, 4, q, 28);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_TO_INSIDE);
	assert_int_equal(g16(e + 20 + 6), 1280); /* next-hop MTU kept */

	/* TCP, quote complete with its checksum. */
	len = mk_tcp(b, H2, 6000, R2, 443, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	elen = mk_err(e, R2, UP, 3, 3, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_TO_INSIDE);
	assert_int_equal(g32(e + 16), H2);
	assert_string_equal(state_of(H2, 6000, R2), "syn-out"); /* RFC 5382 REQ-10 */

	/* About an echo request: the identifier is reverted. */
	len = mk_icmp(b, H3, R3, 8, 0x1234, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_icmp(b, H2, R3, 8, 0x1234, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_not_equal(icmp_id(b), 0x1234);
	elen = mk_err(e, RTR, UP, 11, 0, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_TO_INSIDE);
	assert_int_equal(g32(e + 16), H2);
	assert_int_equal(g16(e + 20 + 8 + 20 + 4), 0x1234);

	/* Refusals. */
	elen = mk_err(e, RTR, UP, 11, 0, q, qlen);
	e[20 + 3] ^= 1; /* ICMP checksum */
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_ICMP_CKSUM);
	memcpy(b, q, qlen);
	b[10] ^= 1; /* quote's header checksum */
	elen = mk_err(e, RTR, UP, 11, 0, b, qlen);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_ICMP_INNER);
	elen = mk_err(e, RTR, UP, 11, 0, q, 27); /* 7 bytes of UDP */
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_ICMP_INNER);
	len = mk_udp(b, UP, 5000, R2, 53, 0); /* no session with R2 */
	elen = mk_err(e, RTR, UP, 3, 1, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_NO_SESSION);
	len = mk_udp(b, UP, 9999, R2, 53, 0); /* no mapping */
	elen = mk_err(e, RTR, UP, 3, 1, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_NO_MAPPING);
	len = mk_udp(b, UP, 55555, R2, 53, 0); /* the appliance's own port */
	elen = mk_err(e, RTR, UP, 3, 3, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_LOCAL);
	len = mk_udp(b, R3, 5000, R2, 53, 0); /* did not leave from here */
	elen = mk_err(e, RTR, UP, 3, 3, b, len);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_ICMP_INNER);
	ip_ttl = 1;
	elen = mk_err(e, RTR, UP, 11, 0, q, qlen);
	assert_int_equal(xl(NAT_INBOUND, e, elen), NAT_DROP_TTL); /* no error about an error */
	ip_ttl = 64;
	ip_frag = 0x2000;
	len = mk_ip(e, ICMP, RTR, UP, 8 + qlen) + 8 + qlen;
	ip_frag = 0x4000;
	e[20] = 11;
	e[21] = 0;
	memset(e + 22, 0, 6);
	memcpy(e + 28, q, qlen);
	fix_l4(e);
	assert_int_equal(xl(NAT_INBOUND, e, len), NAT_DROP_FRAG);
}

static void test_icmp_error_outbound(void **state)
{
	static uint8_t b[2048], e[2048];
	size_t len, elen;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_udp(b, R1, 53, UP, 5000, 16);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	/* The inside host answers port unreachable, quoting what it got. */
	elen = mk_err(e, H1, R1, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_TO_UPLINK);
	assert_int_equal(g32(e + 12), UP);
	assert_int_equal(g32(e + 16), R1);
	assert_int_equal(g32(e + 28 + 16), UP);
	assert_int_equal(g16(e + 28 + 22), 5000);
	/* From an inside router about a packet for a host behind it. */
	len = mk_tcp(b, H2, 4000, R2, 80, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_tcp(b, R2, 80, UP, 4000, SYN | ACK, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	elen = mk_err(e, 0xc0a86301u, R2, 11, 0, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_TO_UPLINK);
	assert_int_equal(g32(e + 12), UP);
	assert_int_equal(g16(e + 28 + 22), 4000);
	/* Refusals: sent elsewhere than the quote's source; unknown. */
	elen = mk_err(e, H1, R3, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_DROP_ICMP_INNER);
	len = mk_udp(b, R1, 53, H3, 5000, 0);
	elen = mk_err(e, H3, R1, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_DROP_NO_MAPPING);
	len = mk_udp(b, R3, 53, H1, 5000, 0);
	elen = mk_err(e, H1, R3, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_DROP_NO_SESSION);
	ip_frag = 0x4000;
	len = mk_udp(b, R1, 53, H1, 5000, 1400);
	elen = mk_err(e, H1, R1, 3, 3, b, len);
	assert_int_equal(nat_set_uplink(&nat, UP, 1000), 0);
	e[6] |= 0x40; /* DF, too big, and no error about an error */
	e[10] = e[11] = 0;
	fix_ip(e);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_DROP_TOO_BIG);
	e[6] &= (uint8_t)~0x40;
	fix_ip(e);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_TO_UPLINK);
	assert_true(meta.fragment);
}

/* RFC 5508 REQ-7: an error about a hairpinned packet, hairpinned back. */
static void test_icmp_error_hairpin(void **state)
{
	uint8_t b[512], e[512];
	size_t len, elen;

	(void)state;
	assert_int_equal(nat_forward_add(&nat, UDP, 8053, H1, 53), 0);
	len = mk_udp(b, H2, 6666, UP, 8053, 20);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(g32(b + 16), H1);
	elen = mk_err(e, H1, UP, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_TO_INSIDE);
	assert_int_equal(g32(e + 12), UP);
	assert_int_equal(g32(e + 16), H2);
	assert_int_equal(g32(e + 28 + 12), H2);
	assert_int_equal(g16(e + 28 + 20), 6666);
	assert_int_equal(g32(e + 28 + 16), UP);
	assert_int_equal(g16(e + 28 + 22), 8053);
	/* About a packet the appliance itself sent from the uplink address. */
	len = mk_udp(b, UP, 60000, H1, 53, 0);
	elen = mk_err(e, H1, UP, 3, 3, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, e, elen), NAT_LOCAL);
}

static void test_ttl(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	ip_ttl = 1;
	len = mk_udp(b, H1, 5000, R1, 33434, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(nat.nmaps, 0); /* nothing made for it */
	ip_ttl = 0;
	len = mk_udp(b, H1, 5000, R1, 33434, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_TIME_EXCEEDED);
	ip_ttl = 2;
	len = mk_udp(b, H1, 5000, R1, 33434, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(b[8], 1);
	ip_ttl = 1;
	len = mk_udp(b, R1, 33434, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_ICMP_TIME_EXCEEDED);
	len = mk_udp(b, R1, 33434, UP, 50000, 0); /* for the appliance: TTL 1 is fine */
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	len = mk_icmp(b, H1, R1, 8, 5, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(nat.stats.verdict[NAT_ICMP_TIME_EXCEEDED], 4);
}

static void test_df_too_big(void **state)
{
	static uint8_t b[2048];
	size_t len;

	(void)state;
	assert_int_equal(nat_set_uplink(&nat, UP, 1400), 0);
	assert_int_equal(nat_set_inside_mtu(&nat, 1300), 0);
	len = mk_udp(b, H1, 5000, R1, 9, 1500 - 28);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_FRAG_NEEDED);
	assert_int_equal(meta.mtu, 1400);
	assert_int_equal(nat.nmaps, 0);
	len = mk_udp(b, H1, 5000, R1, 9, 1400 - 28);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_false(meta.fragment);
	ip_frag = 0;
	len = mk_udp(b, H1, 5000, R1, 9, 1500 - 28);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_true(meta.fragment);
	assert_int_equal(meta.mtu, 1400);
	ip_frag = 0x4000;
	len = mk_udp(b, R1, 9, UP, 5000, 1400 - 28);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_ICMP_FRAG_NEEDED);
	assert_int_equal(meta.mtu, 1300);
	/* A new uplink address ends the dynamic mappings; the same keeps them. */
	assert_int_equal(nat_set_uplink(&nat, UP, 1500), 0);
	assert_int_equal(nat.nmaps, 1);
	assert_int_equal(nat_set_uplink(&nat, UP + 1, 1500), 0);
	assert_int_equal(nat.nmaps, 0);
}

/* Reassembles two translated fragments and checks the transport checksum. */
static void assert_reassembled(const uint8_t *f1, size_t l1, const uint8_t *f2, size_t l2)
{
	static uint8_t w[4096];
	size_t ihl = (f1[0] & 15) * 4;

	assert_int_equal(g32(f1 + 12), g32(f2 + 12));
	assert_int_equal(g32(f1 + 16), g32(f2 + 16));
	memcpy(w, f1, l1);
	memcpy(w + l1, f2 + ihl, l2 - ihl);
	p16(w + 2, (uint16_t)(l1 + l2 - ihl));
	p16(w + 6, 0);
	fix_ip(w);
	assert_valid(w);
}

static void test_fragments(void **state)
{
	static uint8_t b[4096], f1[2048], f2[2048], g2[2048];
	size_t len, l1, l2, m2 = 0;
	uint16_t out;
	int i;

	(void)state;
	ip_frag = 0;
	/* Outbound: the first fragment maps, the second follows the address. */
	len = mk_udp(b, H1, 5000, R1, 9, 2000);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_TO_UPLINK);
	out = sport(f1);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_TO_UPLINK);
	assert_int_equal(g32(f2 + 12), UP);
	assert_reassembled(f1, l1, f2, l2);
	/* Out of order outbound: fine too. */
	len = mk_udp(b, H1, 5000, R1, 9, 2000);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_TO_UPLINK);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_TO_UPLINK);
	assert_reassembled(f1, l1, f2, l2);
	/* Inbound: tracked from the first fragment. */
	len = mk_udp(b, R1, 9, UP, out, 3000);
	split(b, len, 2000, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_INBOUND, f1, l1), NAT_TO_INSIDE);
	assert_int_equal(nat.stats.frag_tracked, 1);
	assert_int_equal(xl(NAT_INBOUND, f2, l2), NAT_TO_INSIDE);
	assert_int_equal(g32(f2 + 16), H1);
	assert_reassembled(f1, l1, f2, l2);
	/* ... an inbound later fragment with no first is the appliance's. */
	len = mk_udp(b, R1, 9, UP, out, 3000);
	split(b, len, 2000, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_INBOUND, f2, l2), NAT_LOCAL);
	assert_int_equal(nat.stats.frag_local, 1);
	/* ... and after NAT_FRAG_TIMEOUT_MS the record is gone. */
	assert_int_equal(xl(NAT_INBOUND, f1, l1), NAT_TO_INSIDE);
	now += NAT_FRAG_TIMEOUT_MS;
	assert_int_equal(xl(NAT_INBOUND, f2, l2), NAT_LOCAL);
	/* Hairpinned: both addresses from the record. */
	assert_int_equal(nat_forward_add(&nat, UDP, 9000, H2, 9000), 0);
	len = mk_udp(b, H3, 4000, UP, 9000, 2500);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_DROP_FRAG); /* before its first */
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_TO_INSIDE);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_TO_INSIDE);
	assert_int_equal(g32(f2 + 12), UP);
	assert_int_equal(g32(f2 + 16), H2);
	assert_reassembled(f1, l1, f2, l2);
	/* Fragmented ICMP echo. */
	len = mk_icmp(b, H1, R2, 8, 321, 3000);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_TO_UPLINK);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_TO_UPLINK);
	assert_reassembled(f1, l1, f2, l2);
	len = mk_icmp(b, R2, UP, 0, icmp_id(f1), 3000);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_INBOUND, f1, l1), NAT_TO_INSIDE);
	assert_int_equal(xl(NAT_INBOUND, f2, l2), NAT_TO_INSIDE);
	assert_reassembled(f1, l1, f2, l2);
	/* TCP, with a later fragment's TTL running out: dropped, no error.
	 * (The connection is opened first: only a SYN opens a session.) */
	len = mk_tcp(b, H1, 7000, R1, 80, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_tcp(b, H1, 7000, R1, 80, ACK, 3000);
	split(b, len, 1480, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_TO_UPLINK);
	f2[8] = 1;
	fix_ip(f2);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_DROP_TTL);
	/* Tiny first fragments (RFC 1858) and TCP at offset 8 bytes. */
	len = mk_udp(b, H1, 5000, R1, 9, 100);
	split(b, len, 0, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_DROP_L4);
	len = mk_tcp(b, H1, 7000, R1, 80, ACK, 100);
	split(b, len, 16, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f1, l1), NAT_DROP_L4);
	split(b, len, 8, f1, &l1, f2, &l2);
	assert_int_equal(xl(NAT_OUTBOUND, f2, l2), NAT_DROP_L4);
	/* A full fragment table refuses new datagrams, keeps the old ones
	 * (all of one mapping here: no quota per mapping). */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_FRAG_PER_MAP, 0), 0);
	for (i = 0; i < 10 * NAT_FRAG_SLOTS; i++) {
		len = mk_udp(b, R1, 9, UP, out, 100);
		split(b, len, 64, f1, &l1, f2, &l2);
		if (xl(NAT_INBOUND, f1, l1) == NAT_DROP_FRAG_FULL)
			break;
		memcpy(g2, f2, l2);
		m2 = l2;
	}
	assert_true(i >= NAT_FRAG_SLOTS / 4 && i <= NAT_FRAG_SLOTS);
	assert_int_equal(xl(NAT_INBOUND, g2, m2), NAT_TO_INSIDE);
	now += NAT_FRAG_TIMEOUT_MS;
	assert_int_equal(xl(NAT_INBOUND, f1, l1), NAT_TO_INSIDE);
}

static void test_malformed(void **state)
{
	uint8_t b[256], c[256];
	size_t len;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 8);
	memcpy(c, b, len);
	assert_int_equal(xl(NAT_OUTBOUND, b, 19), NAT_DROP_SHORT);
	b[0] = 0x65;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_VERSION);
	b[0] = 0x44;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_IHL);
	b[0] = 0x4f; /* 60 bytes of header in a 44-byte buffer */
	assert_int_equal(xl(NAT_OUTBOUND, b, 44), NAT_DROP_IHL);
	memcpy(b, c, len);
	assert_int_equal(xl(NAT_OUTBOUND, b, len - 1), NAT_DROP_LENGTH); /* tot > buffer */
	p16(b + 2, 19);
	fix_ip(b);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_LENGTH);
	memcpy(b, c, len);
	b[10] ^= 0x40;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_IP_CKSUM);
	/* Transport headers. */
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, 27), NAT_DROP_LENGTH);
	p16(b + 24, 9); /* UDP length beyond the packet */
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_L4);
	p16(b + 24, 7);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_L4);
	len = mk_udp(b, H1, 0, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_L4);
	len = mk_tcp(b, H1, 5000, R1, 80, SYN, 0);
	b[32] = 4 << 4;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_L4);
	b[32] = 6 << 4; /* 24 bytes of header in 20 */
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_L4);
	len = mk_ip(b, TCP, H1, R1, 12) + 12;
	memset(b + 20, 0, 12);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_SHORT);
	len = mk_ip(b, ICMP, H1, R1, 4) + 4;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_SHORT);
	/* Addresses. */
	len = mk_udp(b, 0x7f000001, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, H1, 5000, 0xe0000001, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, H1, 5000, 0xffffffff, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, UP, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, R1, 53, H1, 5000, 0); /* inbound not to the uplink address */
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, UP, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_ADDR);
	len = mk_udp(b, 0xa9fe0101, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_ADDR);
	/* Other protocols: not translated outbound, the appliance's inbound. */
	len = mk_ip(b, 47, H1, R1, 8) + 8;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_PROTO);
	len = mk_ip(b, 47, R1, UP, 8) + 8;
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	assert_int_equal(nat.nmaps, 0);
	/* No uplink address yet. */
	assert_int_equal(nat_set_uplink(&nat, 0, 1500), 0);
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_NO_UPLINK);
	len = mk_udp(b, R1, 67, 0xffffffff, 68, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
}

/* IP options are stepped over and kept; link padding is ignored. */
static void test_options_and_padding(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	ip_opt = 8;
	len = mk_tcp(b, H1, 5000, R1, 80, SYN, 4);
	assert_int_equal(len, 28 + 24);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(b[20], 1);
	ip_opt = 40;
	len = mk_udp(b, R1, 80, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING); /* UDP, not TCP */
	len = mk_tcp(b, R1, 80, UP, 5000, SYN | ACK, 0);
	memset(b + len, 0xee, 20);
	assert_int_equal(xl(NAT_INBOUND, b, len + 20), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H1);
	assert_int_equal(b[len], 0xee);
}

static void test_udp_zero_checksum(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 10);
	p16(b + 26, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(g16(b + 26), 0);
	len = mk_udp(b, R1, 53, UP, 5000, 10);
	p16(b + 26, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g16(b + 26), 0);
}

/* What a sender with checksum offload leaves (virtio 1.2 §5.1.6.2,
 * NEEDS_CSUM): the pseudo-header's sum, folded, not complemented. */
static uint16_t partial_sum(const uint8_t *ip)
{
	size_t ihl = (ip[0] & 15) * 4;

	return (uint16_t)rsum(NULL, 0,
			      rpseudo(g32(ip + 12), g32(ip + 16), ip[9], g16(ip + 2) - ihl));
}

/* The field (at) of the transport header, as the device finishes it. */
static void finish_partial(uint8_t *ip, size_t at)
{
	size_t ihl = (ip[0] & 15) * 4;
	uint16_t v = (uint16_t)~rsum(ip + ihl, g16(ip + 2) - ihl, 0);

	p16(ip + ihl + at, v ? v : 0xffff);
}

static void test_checksum_offload(void **state)
{
	static const uint8_t protos[] = {TCP, UDP};
	static uint8_t b[4096];

	(void)state;
	for (int i = 0; i < 2; i++) {
		uint8_t proto = protos[i];
		size_t at = proto == TCP ? 16 : 6, ihl, len;

		/* Outbound: the source address changes (pseudo-header) and so
		 * does the port, which the device will sum by itself. */
		len = proto == TCP ? mk_tcp(b, H1, 5000, R1, 80, SYN, 100)
				   : mk_udp(b, H1, 5000, R1, 53, 100);
		ihl = (b[0] & 15) * 4;
		p16(b + ihl + at, partial_sum(b));
		meta.csum_partial = true;
		assert_int_equal(nat_translate(&nat, NAT_OUTBOUND, b, len, now, &meta),
				 NAT_TO_UPLINK);
		assert_int_equal(g32(b + 12), UP);
		assert_int_equal(g16(b + ihl + at), partial_sum(b));
		finish_partial(b, at);
		assert_valid(b);
		/* Inbound, the reply: the destination address changes back. */
		len = proto == TCP ? mk_tcp(b, R1, 80, UP, sport(b), SYN | ACK, 60)
				   : mk_udp(b, R1, 53, UP, sport(b), 60);
		p16(b + ihl + at, partial_sum(b));
		assert_int_equal(nat_translate(&nat, NAT_INBOUND, b, len, now, &meta),
				 NAT_TO_INSIDE);
		assert_int_equal(g32(b + 16), H1);
		assert_int_equal(g16(b + ihl + 2), 5000);
		assert_int_equal(g16(b + ihl + at), partial_sum(b));
		finish_partial(b, at);
		assert_valid(b);
		meta.csum_partial = false;
	}
}

static void test_gso_mtu(void **state)
{
	static uint8_t b[4096];
	size_t len;

	(void)state;
	assert_int_equal(nat_set_uplink(&nat, UP, 1500), 0);
	/* 3000 bytes leave as segments of 1460: each fits, DF or not. */
	len = mk_tcp(b, H1, 5000, R1, 80, SYN, 3000);
	meta.gso_size = 1460;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_false(meta.fragment);
	/* Segments of 1461 would not: the sender must hear of the MTU. */
	len = mk_tcp(b, H1, 5000, R1, 80, ACK, 3000);
	meta.gso_size = 1461;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_FRAG_NEEDED);
	assert_int_equal(meta.mtu, 1500);
	/* The same packet, not GSO, is too big as a whole. */
	meta.gso_size = 0;
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_FRAG_NEEDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_icmp_error_inbound, setup),
		cmocka_unit_test_setup(test_icmp_error_outbound, setup),
		cmocka_unit_test_setup(test_icmp_error_hairpin, setup),
		cmocka_unit_test_setup(test_ttl, setup),
		cmocka_unit_test_setup(test_df_too_big, setup),
		cmocka_unit_test_setup(test_fragments, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_options_and_padding, setup),
		cmocka_unit_test_setup(test_udp_zero_checksum, setup),
		cmocka_unit_test_setup(test_checksum_offload, setup),
		cmocka_unit_test_setup(test_gso_mtu, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
