/*
 * Unit tests for net/switch/vxlan.c, the VXLAN codec: vxlan_build()'s outer
 * headers byte for byte (RFC 7348 §5 layout) and read back by
 * vxlan_parse(), IP options skipped, padding ignored; the frames that are
 * not VXLAN for us (ARP, IPv6, TCP, another port or address, a later
 * fragment) and every drop reason; every truncation of a valid frame, in a
 * buffer of exactly that size so that ASan sees any read past it; and the
 * source-port hash: stable per flow, in range, spread over TCP ports,
 * bounded reads on frames of 0..60 bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/cksum.h"
#include "net/switch/vxlan.h"

#define OUR_IP	 0xc0a80a01u /* 192.168.10.1 */
#define PEER_IP	 0xc0a80a02u /* 192.168.10.2 */
#define AT_IP	 14
#define AT_UDP	 34
#define AT_VXLAN 42
#define BUF_MAX	 2048

static const struct vxlan_tx tx = {
	.src = PEER_IP,
	.dst = OUR_IP,
	.sport = 50000,
	.dport = VXLAN_PORT_DEFAULT,
	.vni = 0x123456,
	.ip_id = 0xbeef,
	.tos = 0x2e,
};

/* Fills the inner frame of (n) bytes at (p) with a recognisable pattern. */
static void inner_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(0xa0 + i * 7);
}

/* Builds into (f) a VXLAN frame from (tx) around an inner frame of (n) bytes; its length. */
static size_t frame(uint8_t *f, size_t n)
{
	assert_true(VXLAN_OUTER_LEN + n <= BUF_MAX);
	assert_int_equal(vxlan_build(f, &tx, n), 0);
	inner_fill(f + VXLAN_OUTER_LEN, n);
	return VXLAN_OUTER_LEN + n;
}

/* Recomputes the outer IPv4 header checksum after a test changed the header. */
static void fix_ck(uint8_t *f)
{
	size_t ihl = (size_t)(f[AT_IP] & 0x0f) * 4;
	uint16_t c;

	f[AT_IP + 10] = f[AT_IP + 11] = 0;
	c = cksum(f + AT_IP, ihl);
	f[AT_IP + 10] = (uint8_t)(c >> 8);
	f[AT_IP + 11] = (uint8_t)c;
}

static int parse(const uint8_t *f, size_t len, struct vxlan_rx *rx)
{
	return vxlan_parse(f, len, OUR_IP, VXLAN_PORT_DEFAULT, rx);
}

static void test_build_bytes(void **state)
{
	/*
	 * The IPv4 checksum by hand: 452e + 0064 + beef + 0000 + 4011 + c0a8 +
	 * 0a02 + c0a8 + 0a01 = 2d9e5, folded d9e7, complemented 2618.
	 */
	static const uint8_t want[VXLAN_OUTER_LEN] = {
		/* Ethernet: MACs left to the caller, EtherType IPv4 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
		/* IPv4: 0x45, tos, total 36 + 64, id, DF clear, TTL 64, UDP, checksum, addresses */
		0x45, 0x2e, 0x00, 0x64, 0xbe, 0xef, 0x00, 0x00, 0x40, 0x11, 0x26, 0x18, 192, 168,
		10, 2, 192, 168, 10, 1,
		/* UDP: 50000 -> 4789, length 16 + 64, checksum 0 */
		0xc3, 0x50, 0x12, 0xb5, 0x00, 0x50, 0x00, 0x00,
		/* VXLAN: flags I, reserved, VNI 0x123456, reserved */
		0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x00};
	uint8_t hdr[VXLAN_OUTER_LEN];

	(void)state;
	memset(hdr, 0xee, sizeof(hdr));
	assert_int_equal(vxlan_build(hdr, &tx, 64), 0);
	assert_memory_equal(hdr, want, sizeof(want));
	assert_int_equal(cksum(hdr + AT_IP, 20), 0);
}

static void test_round_trip(void **state)
{
	static const size_t lens[] = {14, 60, 64, 1514, BUF_MAX - VXLAN_OUTER_LEN};
	static const uint32_t vnis[] = {0, 1, 0x123456, VXLAN_VNI_MAX};
	uint8_t f[BUF_MAX];
	struct vxlan_rx rx;
	struct vxlan_tx t = tx;

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (size_t j = 0; j < sizeof(vnis) / sizeof(vnis[0]); j++) {
			t.vni = vnis[j];
			t.sport = (uint16_t)(VXLAN_SPORT_MIN + i * 1000 + j);
			assert_int_equal(vxlan_build(f, &t, lens[i]), 0);
			inner_fill(f + VXLAN_OUTER_LEN, lens[i]);
			assert_int_equal(cksum(f + AT_IP, 20), 0);
			memset(&rx, 0, sizeof(rx));
			assert_int_equal(parse(f, VXLAN_OUTER_LEN + lens[i], &rx), 0);
			assert_int_equal(rx.src, t.src);
			assert_int_equal(rx.dst, t.dst);
			assert_int_equal(rx.sport, t.sport);
			assert_int_equal(rx.vni, t.vni);
			assert_int_equal(rx.inner, VXLAN_OUTER_LEN);
			assert_int_equal(rx.inner_len, lens[i]);
		}
	}
}

static void test_options_and_port(void **state)
{
	uint8_t f[BUF_MAX], g[BUF_MAX];
	size_t len = frame(f, 60);
	struct vxlan_rx rx;

	(void)state;
	/* Another configured port. */
	f[AT_UDP + 2] = 0x20;
	f[AT_UDP + 3] = 0x00;
	assert_int_equal(vxlan_parse(f, len, OUR_IP, 0x2000, &rx), 0);
	assert_int_equal(vxlan_parse(f, len, OUR_IP, VXLAN_PORT_DEFAULT, &rx), 1);

	/* IPv4 options (IHL 6, a NOP word): the UDP header follows them. */
	len = frame(f, 60);
	memcpy(g, f, AT_UDP);
	memset(g + AT_UDP, 1, 4); /* four NOP options */
	memcpy(g + AT_UDP + 4, f + AT_UDP, len - AT_UDP);
	g[AT_IP] = 0x46;
	g[AT_IP + 3] += 4;
	fix_ck(g);
	assert_int_equal(parse(g, len + 4, &rx), 0);
	assert_int_equal(rx.inner, VXLAN_OUTER_LEN + 4);
	assert_int_equal(rx.inner_len, 60);
	assert_int_equal(rx.vni, tx.vni);
	assert_memory_equal(g + rx.inner, f + VXLAN_OUTER_LEN, 60);

	/* Reserved fields and other flag bits are ignored (RFC 7348 §5). */
	len = frame(f, 60);
	f[AT_VXLAN] = 0xff;
	f[AT_VXLAN + 1] = f[AT_VXLAN + 2] = f[AT_VXLAN + 3] = f[AT_VXLAN + 7] = 0xff;
	assert_int_equal(parse(f, len, &rx), 0);
	assert_int_equal(rx.vni, tx.vni);
	/* So is a UDP checksum, even a wrong one. */
	f[AT_UDP + 6] = 0x12;
	assert_int_equal(parse(f, len, &rx), 0);
}

static void test_padding(void **state)
{
	uint8_t f[BUF_MAX];
	size_t len = frame(f, 14);
	struct vxlan_rx rx;

	(void)state;
	/* 64 bytes of outer frame, 14 of padding after the datagram. */
	memset(f + len, 0x55, 14);
	assert_int_equal(parse(f, len + 14, &rx), 0);
	assert_int_equal(rx.inner_len, 14);

	/* IP payload beyond the UDP length: the inner frame ends with UDP. */
	len = frame(f, 60);
	f[AT_UDP + 4] = 0;
	f[AT_UDP + 5] = 16 + 40;
	assert_int_equal(parse(f, len, &rx), 0);
	assert_int_equal(rx.inner_len, 40);
}

static void test_not_for_us(void **state)
{
	uint8_t f[BUF_MAX];
	size_t len;
	struct vxlan_rx rx, before;

	(void)state;
	memset(&rx, 0x77, sizeof(rx));
	before = rx;

	len = frame(f, 60); /* ARP */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(parse(f, len, &rx), 1);

	len = frame(f, 60); /* IPv6 */
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_int_equal(parse(f, len, &rx), 1);

	len = frame(f, 60); /* TCP */
	f[AT_IP + 9] = 6;
	fix_ck(f);
	assert_int_equal(parse(f, len, &rx), 1);

	len = frame(f, 60); /* UDP to another port */
	assert_int_equal(vxlan_parse(f, len, OUR_IP, 8472, &rx), 1);

	len = frame(f, 60); /* UDP to another address */
	assert_int_equal(vxlan_parse(f, len, OUR_IP + 1, VXLAN_PORT_DEFAULT, &rx), 1);

	/* Not for us, and broken: still not ours to count. */
	len = frame(f, 60);
	f[AT_IP + 11] ^= 1;
	assert_int_equal(vxlan_parse(f, len, OUR_IP, 8472, &rx), 1);

	/* A later fragment: no UDP header, even if its bytes there look like one. */
	len = frame(f, 60);
	f[AT_IP + 6] = 0x00;
	f[AT_IP + 7] = 0xb9;
	fix_ck(f);
	assert_int_equal(parse(f, len, &rx), 1);

	/* Too short to hold the destination address. */
	len = frame(f, 60);
	assert_int_equal(parse(f, AT_IP + 19, &rx), 1);

	assert_memory_equal(&rx, &before, sizeof(rx));
}

/* Builds a frame, lets (mutate) break it, and expects (want) from vxlan_parse(). */
#define EXPECT_DROP(n, want, mutate)                                                               \
	do {                                                                                       \
		len = frame(f, (n));                                                               \
		mutate;                                                                            \
		assert_int_equal(parse(f, len, &rx), (want));                                      \
	} while (0)

static void test_drops(void **state)
{
	uint8_t f[BUF_MAX];
	size_t len;
	struct vxlan_rx rx, before;
	const int mal = -VXLAN_DROP_MALFORMED;

	(void)state;
	memset(&rx, 0x77, sizeof(rx));
	before = rx;

	/* Truncated IP header: IHL 15 in a 34-byte frame. */
	EXPECT_DROP(60, mal, (f[AT_IP] = 0x4f, len = AT_UDP));
	/* IHL 4, IHL 0. */
	EXPECT_DROP(60, mal, (f[AT_IP] = 0x44, fix_ck(f)));
	EXPECT_DROP(60, mal, (f[AT_IP] = 0x40));
	/* Version 6 behind EtherType IPv4. */
	EXPECT_DROP(60, mal, (f[AT_IP] = 0x65, fix_ck(f)));
	/* Total length beyond the frame, shorter than the header, than header + UDP. */
	EXPECT_DROP(60, mal, (f[AT_IP + 3]++, fix_ck(f)));
	EXPECT_DROP(60, mal, (f[AT_IP + 2] = 0, f[AT_IP + 3] = 19, fix_ck(f)));
	EXPECT_DROP(60, mal, (f[AT_IP + 2] = 0, f[AT_IP + 3] = 27, fix_ck(f)));
	/* Header checksum wrong. */
	EXPECT_DROP(60, mal, (f[AT_IP + 11] ^= 0x10));
	EXPECT_DROP(60, mal, (f[AT_IP + 8] = 63));
	/* UDP length beyond the IP payload, below UDP + VXLAN headers, zero. */
	EXPECT_DROP(60, mal, (f[AT_UDP + 5]++));
	EXPECT_DROP(60, mal, (f[AT_UDP + 4] = 0, f[AT_UDP + 5] = 15));
	EXPECT_DROP(60, mal, (f[AT_UDP + 4] = 0, f[AT_UDP + 5] = 0));
	/* A first fragment (MF set); with DF too; its UDP length covering later ones. */
	EXPECT_DROP(60, -VXLAN_DROP_FRAGMENT, (f[AT_IP + 6] = 0x20, fix_ck(f)));
	EXPECT_DROP(60, -VXLAN_DROP_FRAGMENT, (f[AT_IP + 6] = 0x60, fix_ck(f)));
	EXPECT_DROP(60, -VXLAN_DROP_FRAGMENT,
		    (f[AT_IP + 6] = 0x20, fix_ck(f), f[AT_UDP + 4] = 0x10));
	/* I flag clear, alone and among the other bits. */
	EXPECT_DROP(60, -VXLAN_DROP_FLAGS, (f[AT_VXLAN] = 0));
	EXPECT_DROP(60, -VXLAN_DROP_FLAGS, (f[AT_VXLAN] = 0xf7));
	/* An inner frame of 10 bytes, of 0; 14 is the least accepted. */
	EXPECT_DROP(10, -VXLAN_DROP_RUNT, (void)0);
	EXPECT_DROP(0, -VXLAN_DROP_RUNT, (void)0);
	EXPECT_DROP(13, -VXLAN_DROP_RUNT, (void)0);
	assert_memory_equal(&rx, &before, sizeof(rx));
	EXPECT_DROP(14, 0, (void)0);
}

static void test_truncation(void **state)
{
	uint8_t f[BUF_MAX];
	size_t len = frame(f, 60);
	struct vxlan_rx rx, before;

	(void)state;
	memset(&before, 0x77, sizeof(before));
	for (size_t n = 0; n < len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		int r;

		assert_non_null(p);
		memcpy(p, f, n);
		rx = before;
		r = parse(p, n, &rx);
		assert_true(r == 1 || r < 0);
		assert_memory_equal(&rx, &before, sizeof(rx));
		free(p);
	}
	assert_int_equal(parse(f, len, &rx), 0);
}

static void test_build_einval(void **state)
{
	uint8_t hdr[VXLAN_OUTER_LEN], zero[VXLAN_OUTER_LEN];
	struct vxlan_tx t = tx;
	struct vxlan_rx rx;

	(void)state;
	memset(hdr, 0, sizeof(hdr));
	memset(zero, 0, sizeof(zero));
	t.vni = VXLAN_VNI_MAX + 1;
	assert_int_equal(vxlan_build(hdr, &t, 60), -EINVAL);
	t.vni = 0xffffffffu;
	assert_int_equal(vxlan_build(hdr, &t, 60), -EINVAL);
	t.vni = 1;
	assert_int_equal(vxlan_build(hdr, &t, VXLAN_INNER_MAX + 1), -EINVAL);
	assert_int_equal(vxlan_build(hdr, &t, (size_t)-1), -EINVAL);
	assert_memory_equal(hdr, zero, sizeof(hdr));
	/* The largest: IPv4 total length 65535, UDP length 65515. */
	assert_int_equal(vxlan_build(hdr, &t, VXLAN_INNER_MAX), 0);
	assert_int_equal(hdr[AT_IP + 2] << 8 | hdr[AT_IP + 3], 65535);
	assert_int_equal(hdr[AT_UDP + 4] << 8 | hdr[AT_UDP + 5], 65515);
	assert_int_equal(cksum(hdr + AT_IP, 20), 0);
	/* Its header parses as far as the frame goes: the rest is missing. */
	assert_int_equal(parse(hdr, sizeof(hdr), &rx), -VXLAN_DROP_MALFORMED);
}

/* An inner Ethernet frame with IPv4 TCP from port (sp) to port (dp); 60 bytes. */
static void inner_tcp(uint8_t *p, uint16_t sp, uint16_t dp)
{
	static const uint8_t head[38] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 0x52, 0x54, 0x00, 0x00,
					 0x00, 0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x2e, 0x00, 0x01,
					 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10,   0,	 0,    1,
					 10,   0,    0,	   2,	 0,    0,    0,	   0};

	memset(p, 0, 60);
	memcpy(p, head, sizeof(head));
	p[34] = (uint8_t)(sp >> 8);
	p[35] = (uint8_t)sp;
	p[36] = (uint8_t)(dp >> 8);
	p[37] = (uint8_t)dp;
}

static void test_src_port(void **state)
{
	static const uint16_t sps[] = {1024, 1025, 1026, 40000, 40001, 55555, 65535, 80};
	uint16_t got[sizeof(sps) / sizeof(sps[0])];
	uint8_t a[60], b[60];
	uint16_t pa;

	(void)state;
	inner_tcp(a, 40000, 443);
	pa = vxlan_src_port(a, sizeof(a), 1);
	assert_true(pa >= VXLAN_SPORT_MIN);
	/* Same flow, same port: other fields (TTL, id, payload) don't count. */
	inner_tcp(b, 40000, 443);
	b[22] = 1;
	b[19] = 0x99;
	b[50] = 0xab;
	assert_int_equal(vxlan_src_port(b, sizeof(b), 1), pa);
	assert_int_equal(vxlan_src_port(a, sizeof(a), 1), pa);
	/* Another key, another mapping (for this flow, at least). */
	assert_int_not_equal(vxlan_src_port(a, sizeof(a), 2), pa);
	/* Different TCP source ports: different outer ports. */
	for (size_t i = 0; i < sizeof(sps) / sizeof(sps[0]); i++) {
		inner_tcp(a, sps[i], 443);
		got[i] = vxlan_src_port(a, sizeof(a), 0x5eed);
		assert_true(got[i] >= VXLAN_SPORT_MIN);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(got[i], got[j]);
	}
	/* Destination port, address, MAC each count. */
	inner_tcp(a, 40000, 443);
	pa = vxlan_src_port(a, sizeof(a), 7);
	inner_tcp(b, 40000, 444);
	assert_int_not_equal(vxlan_src_port(b, sizeof(b), 7), pa);
	inner_tcp(b, 40000, 443);
	b[33] = 3;
	assert_int_not_equal(vxlan_src_port(b, sizeof(b), 7), pa);
	inner_tcp(b, 40000, 443);
	b[5] = 3;
	assert_int_not_equal(vxlan_src_port(b, sizeof(b), 7), pa);
	/* A fragment: its ports are not looked at. */
	inner_tcp(a, 40000, 443);
	a[20] = 0x20;
	inner_tcp(b, 1234, 5678);
	b[20] = 0x20;
	assert_int_equal(vxlan_src_port(a, sizeof(a), 7), vxlan_src_port(b, sizeof(b), 7));
	/* Nor are those of another protocol (ICMP). */
	inner_tcp(a, 40000, 443);
	a[23] = 1;
	inner_tcp(b, 1234, 5678);
	b[23] = 1;
	assert_int_equal(vxlan_src_port(a, sizeof(a), 7), vxlan_src_port(b, sizeof(b), 7));
}

static void test_src_port_range(void **state)
{
	uint8_t a[60];
	uint64_t seen_low = 0, seen_high = 0;

	(void)state;
	for (uint32_t i = 0; i < 20000; i++) {
		uint16_t p;

		inner_tcp(a, (uint16_t)i, (uint16_t)(i * 31));
		p = vxlan_src_port(a, sizeof(a), i);
		assert_true(p >= VXLAN_SPORT_MIN);
		seen_low |= p < VXLAN_SPORT_MIN + 1024;
		seen_high |= p > 65535 - 1024;
	}
	/* The whole range is used. */
	assert_true(seen_low && seen_high);
}

static void test_src_port_short(void **state)
{
	uint8_t full[2][80];

	(void)state;
	inner_tcp(full[0], 40000, 443);
	memset(full[0] + 60, 0x11, 20);
	/* IHL 15: the ports would lie at 74, past every length tried. */
	memcpy(full[1], full[0], sizeof(full[1]));
	full[1][14] = 0x4f;
	for (size_t k = 0; k < 2; k++) {
		for (size_t n = 0; n <= 60; n++) {
			uint8_t *p = malloc(n ? n : 1);
			uint16_t s;

			assert_non_null(p);
			memcpy(p, full[k], n);
			s = vxlan_src_port(p, n, 3);
			assert_true(s >= VXLAN_SPORT_MIN);
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_bytes),	 cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_options_and_port), cmocka_unit_test(test_padding),
		cmocka_unit_test(test_not_for_us),	 cmocka_unit_test(test_drops),
		cmocka_unit_test(test_truncation),	 cmocka_unit_test(test_build_einval),
		cmocka_unit_test(test_src_port),	 cmocka_unit_test(test_src_port_range),
		cmocka_unit_test(test_src_port_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
