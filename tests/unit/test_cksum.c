/*
 * Unit tests for net/cksum.c: the full checksum against a plain byte-wise
 * reference (RFC 1071 §3's example, every length and alignment, chained
 * pieces, the pseudo-header), and the RFC 1624 incremental updates
 * against full recomputation on many random packets from a fixed seed:
 * 16- and 32-bit fields, address changes seen through the pseudo-header,
 * the UDP rules (0 stays 0, a result of 0 is sent as 0xffff), and the
 * corner RFC 1624 §3 is about (a header summing to 0xffff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "net/cksum.h"

#define ITERATIONS 200000

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* One's-complement sum of big-endian words, byte by byte, folded end around. */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t start)
{
	uint32_t s = start;
	size_t i;

	for (i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t ref_cksum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_sum(p, len, 0);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void test_rfc1071_example(void **state)
{
	/* RFC 1071 §3: these bytes sum to 0xddf2. */
	const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(cksum_fold(cksum_add(0, b, 8)), (uint16_t)~0xddf2);
	assert_int_equal(cksum(b, 8), 0x220d);
	assert_int_equal(cksum(b, 0), 0xffff);
}

static void test_full_vs_reference(void **state)
{
	static uint8_t buf[1600];
	size_t len, off, cut;
	uint32_t s;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	/* Every length, at every alignment of the buffer. */
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 1537; len++)
			assert_int_equal(cksum(buf + off, len), ref_cksum(buf + off, len));
	/* Pieces: all but the last of even length. */
	for (len = 2; len <= 1500; len += 97) {
		for (cut = 0; cut <= len; cut += 2) {
			s = cksum_add(0, buf, cut);
			s = cksum_add(s, buf + cut, len - cut);
			assert_int_equal(cksum_fold(s), ref_cksum(buf, len));
		}
	}
	/* All ones and all zeros. */
	memset(buf, 0xff, 64);
	assert_int_equal(cksum(buf, 64), 0);
	memset(buf, 0, 64);
	assert_int_equal(cksum(buf, 64), 0xffff);
}

static void test_pseudo(void **state)
{
	uint8_t ph[12];
	uint32_t src, dst;
	uint16_t len;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		src = rnd();
		dst = rnd();
		len = (uint16_t)rnd();
		put32(ph, src);
		put32(ph + 4, dst);
		ph[8] = 0;
		ph[9] = (uint8_t)(i & 1 ? 6 : 17);
		put16(ph + 10, len);
		assert_int_equal(cksum_fold(cksum_pseudo(src, dst, ph[9], len)), ref_cksum(ph, 12));
	}
}

/* Random packets: a field changes, the checksum follows, both ways equal. */
static void test_incremental_random(void **state)
{
	static uint8_t pkt[1500];
	size_t len, ck, at, i;
	uint16_t v16, old16, inc;
	uint32_t v32, old32;
	int it;

	(void)state;
	for (it = 0; it < ITERATIONS; it++) {
		len = 20 + 2 * (rnd() % 740);
		for (i = 0; i < len; i++)
			pkt[i] = (uint8_t)rnd();
		if (it % 7 == 0)
			memset(pkt, 0, len / 2); /* long runs of zeros too */
		ck = 2 * (rnd() % (len / 2));
		put16(pkt + ck, 0);
		put16(pkt + ck, cksum(pkt, len));
		assert_int_equal(cksum(pkt, len), 0);
		do
			at = 2 * (rnd() % (len / 2 - 1));
		while (at == ck || at + 2 == ck);
		if (it & 1) {
			old16 = get16(pkt + at);
			v16 = (uint16_t)rnd();
			if (it % 5 == 0)
				v16 = old16;
			put16(pkt + at, v16);
			inc = cksum_update16(get16(pkt + ck), old16, v16);
			cksum_adjust16(pkt + ck, old16, v16, 0);
		} else {
			old32 = get32(pkt + at);
			v32 = rnd() << 16 ^ rnd();
			put32(pkt + at, v32);
			inc = cksum_update32(get16(pkt + ck), old32, v32);
			cksum_adjust32(pkt + ck, old32, v32, 0);
		}
		assert_int_equal(get16(pkt + ck), inc);
		/* Equal to full recomputation, bit for bit. */
		put16(pkt + ck, 0);
		assert_int_equal(inc, cksum(pkt, len));
		assert_int_equal(inc, ref_cksum(pkt, len));
	}
}

/* An address change seen through the pseudo-header of a UDP or TCP segment. */
static void test_pseudo_address_change(void **state)
{
	static uint8_t seg[600];
	uint32_t src, dst, nsrc;
	size_t len, i;
	int it, udp;

	(void)state;
	for (it = 0; it < ITERATIONS / 4; it++) {
		uint8_t ref[600];
		uint16_t want, got;

		udp = it & 1;
		len = (udp ? 8 : 20) + rnd() % 500;
		for (i = 0; i < len; i++)
			seg[i] = (uint8_t)rnd();
		src = rnd();
		dst = rnd();
		nsrc = it % 3 == 0 ? src : rnd();
		put16(seg + (udp ? 6 : 16), 0);
		want = cksum_fold(
			cksum_add(cksum_pseudo(src, dst, udp ? 17 : 6, (uint16_t)len), seg, len));
		put16(seg + (udp ? 6 : 16), udp && want == 0 ? 0xffff : want);
		cksum_adjust32(seg + (udp ? 6 : 16), src, nsrc, udp ? CKSUM_UDP : 0);
		got = get16(seg + (udp ? 6 : 16));
		memcpy(ref, seg, len);
		put16(ref + (udp ? 6 : 16), 0);
		want = cksum_fold(
			cksum_add(cksum_pseudo(nsrc, dst, udp ? 17 : 6, (uint16_t)len), ref, len));
		if (udp && want == 0)
			want = 0xffff;
		assert_int_equal(got, want);
	}
}

/* CKSUM_PARTIAL: the field holds the pseudo-header's sum a sender left for
 * its device (virtio NEEDS_CSUM). After an address (32 bits) or a length
 * (16 bits) changes, it must hold the new pseudo-header's sum, checked
 * here against the byte-wise reference; then the device's finishing
 * (summing the segment, field included) gives a checksum that verifies. */
static void test_partial_sum(void **state)
{
	static uint8_t seg[600];
	int it;

	(void)state;
	for (it = 0; it < ITERATIONS / 4; it++) {
		uint32_t src = rnd(), dst = rnd(), nsrc = it % 5 == 0 ? src : rnd();
		uint16_t len = (uint16_t)(20 + rnd() % 500), nlen = (uint16_t)(20 + rnd() % 500);
		uint8_t ph[12];
		uint16_t want, got;

		for (size_t i = 0; i < sizeof(seg); i++)
			seg[i] = (uint8_t)rnd();
		put16(seg + 16, (uint16_t)~cksum_fold(cksum_pseudo(src, dst, 6, len)));
		cksum_adjust32(seg + 16, src, nsrc, CKSUM_PARTIAL);
		cksum_adjust16(seg + 16, len, nlen, CKSUM_PARTIAL);
		put32(ph, nsrc);
		put32(ph + 4, dst);
		put16(ph + 8, 6);
		put16(ph + 10, nlen);
		want = ref_sum(ph, sizeof(ph), 0);
		got = get16(seg + 16);
		/* A sum has two forms of zero; either is right here. */
		assert_true(got == want || ((uint16_t)(got + 1) <= 1 && (uint16_t)(want + 1) <= 1));
		/* The device's part: the checksum of the segment, field included. */
		put16(seg + 16, ref_cksum(seg, nlen));
		assert_int_equal((uint16_t)~ref_sum(seg, nlen, ref_sum(ph, sizeof(ph), 0)), 0);
	}
}

static void test_udp_rules(void **state)
{
	uint8_t ck[2];

	(void)state;
	/* 0: no checksum, left alone by any change. */
	put16(ck, 0);
	cksum_adjust16(ck, 0x1234, 0x4321, CKSUM_UDP);
	cksum_adjust32(ck, 0x0a000001, 0xc0a80001, CKSUM_UDP);
	assert_int_equal(get16(ck), 0);
	/* A result of 0 is stored as 0xffff; without the flag it is 0. */
	put16(ck, 0x0001);
	cksum_adjust16(ck, 0x0000, 0x0001, 0);
	assert_int_equal(get16(ck), 0x0000);
	put16(ck, 0x0001);
	cksum_adjust16(ck, 0x0000, 0x0001, CKSUM_UDP);
	assert_int_equal(get16(ck), 0xffff);
	/* 0xffff (a computed 0) updates like 0 would. */
	cksum_adjust16(ck, 0x0001, 0x0000, CKSUM_UDP);
	assert_int_equal(get16(ck), 0x0001);
}

/* RFC 1624 §3: data summing to 0xffff checksums to 0, and eqn. 3 keeps it so. */
static void test_rfc1624_corner(void **state)
{
	uint8_t b[8];

	(void)state;
	put16(b, 0xcd7a);
	put16(b + 2, 0x3285);
	put16(b + 4, 0); /* checksum field */
	put16(b + 6, 0);
	assert_int_equal(ref_sum(b, 8, 0), 0xffff);
	assert_int_equal(cksum(b, 8), 0x0000);
	/* Change a word to 0 and back: full recomputation and eqn. 3 agree. */
	put16(b + 4, cksum_update16(0x0000, 0x3285, 0x0000));
	put16(b + 2, 0);
	assert_int_equal(get16(b + 4), (uint16_t)~0xcd7a);
	put16(b + 4, cksum_update16(get16(b + 4), 0x0000, 0x3285));
	put16(b + 2, 0x3285);
	assert_int_equal(get16(b + 4), 0x0000);
	assert_int_equal(cksum_update16(0x1234, 7, 7), 0x1234);
	assert_int_equal(cksum_update32(0x1234, 7, 7), 0x1234);
	assert_int_equal(cksum_update32(0x1234, 0x11112222, 0x33334444),
			 cksum_update16(cksum_update16(0x1234, 0x1111, 0x3333), 0x2222, 0x4444));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_full_vs_reference),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_incremental_random),
		cmocka_unit_test(test_pseudo_address_change),
		cmocka_unit_test(test_partial_sum),
		cmocka_unit_test(test_udp_rules),
		cmocka_unit_test(test_rfc1624_corner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
