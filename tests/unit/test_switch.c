/*
 * Unit tests for net/switch/switch.c: port membership, the forwarding decision
 * for every kind of frame and every drop reason, the CPU port, ports
 * going down and leaving, a full MAC table, the printers, and a
 * randomized run of arbitrary bytes checking the decision's invariants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/switch/switch.h"

#define SEED 0x0123456789abcdefull

static struct fdb_entry slots[1024];
static const char *const names[SW_PORTS_MAX] = {"eth0", "eth1", "eth2", "eth3", "eth4", "vmnet8"};

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
static const uint8_t HOST_A[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x01};
static const uint8_t HOST_B[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x02};
static const uint8_t HOST_C[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x03};
static const uint8_t GW[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

/* A switch with ports 0 .. (nports) - 1 and a table of (capacity). */
static void setup(struct sw *s, int nports, uint32_t capacity)
{
	int i;

	assert_int_equal(sw_init(s, slots, fdb_nslots(capacity), capacity, 300, SEED), 0);
	for (i = 0; i < nports; i++)
		assert_int_equal(sw_port_add(s, i, names[i], (void *)(uintptr_t)(0x100 + i)), 0);
}

/* Sends a 60-byte frame from (src) to (dst) in on (port); returns the
 * egress mask, checking it against the return value. */
static sw_mask_t send_frame(struct sw *s, int port, const uint8_t *dst, const uint8_t *src,
			    uint32_t now)
{
	uint8_t f[60] = {0};
	sw_mask_t mask = 0xdeadbeef;
	int n;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	n = sw_input(s, port, f, sizeof(f), now, &mask);
	assert_int_equal(n, __builtin_popcountll(mask));
	return mask;
}

/* Every frame is counted exactly once, as forwarded or as one drop. */
static void check_sum(const struct sw *s)
{
	const struct sw_stats *w = &s->stats;

	assert_int_equal(w->in, w->unicast + w->flood_bcast + w->flood_mcast + w->flood_unknown +
					w->drop_runt + w->drop_bad_port + w->drop_bad_src +
					w->drop_src_pinned + w->drop_link_local +
					w->drop_same_port + w->drop_port_down + w->drop_no_egress +
					w->drop_storm);
}

static void test_ports(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 2, 16);
	assert_int_equal(s.members, 0x3);
	assert_int_equal(s.tx_mask, 0x3);
	assert_int_equal(s.cpu_port, -1);
	assert_int_equal(sw_port_add(&s, -1, "x", NULL), -EINVAL);
	assert_int_equal(sw_port_add(&s, SW_PORTS_MAX, "x", NULL), -EINVAL);
	assert_int_equal(sw_port_add(&s, 1, "x", NULL), -EEXIST);
	assert_int_equal(sw_port_add(&s, 31, "eth31", NULL), 0);
	assert_true(sw_port_user(&s, 1) == (void *)0x101);
	assert_null(sw_port_user(&s, 2));
	assert_null(sw_port_user(&s, -1));
	assert_int_equal(sw_port_add_cpu(&s, 5, "vmnet8", NULL, MCAST), -EINVAL);
	assert_int_equal(sw_port_add_cpu(&s, 1, "vmnet8", NULL, GW), -EEXIST);
	assert_int_equal(s.cpu_port, -1);
	assert_int_equal(sw_port_add_cpu(&s, 5, "vmnet8", NULL, GW), 0);
	assert_int_equal(s.cpu_port, 5);
	assert_int_equal(sw_port_add_cpu(&s, 6, "other", NULL, HOST_A), -EINVAL);
	assert_int_equal(sw_port_del(&s, 2), -ENOENT);
	assert_int_equal(sw_port_del(&s, 99), -ENOENT);
	assert_int_equal(sw_port_set_up(&s, 2, true), -ENOENT);
	assert_int_equal(sw_pin_mac(&s, HOST_A, 2), -ENOENT);
	assert_int_equal(sw_pin_mac(&s, BCAST, 1), -EINVAL);
	assert_int_equal(sw_port_del(&s, 5), 0);
	assert_int_equal(s.cpu_port, -1);
	assert_int_equal(fdb_lookup(&s.fdb, GW, 0), -1);
	assert_int_equal(s.members, 0x80000003u);
}

/* Ports above 31 (eth31 and the CPU port after it) are whole members:
 * floods reach them and unicast finds them. */
static void test_high_ports(void **state)
{
	static const char *const hi[] = {"eth31", "vmnet8", "eth63"};
	static struct sw sws;
	struct sw *s = &sws;

	(void)state;
	setup(s, 1, 64);
	assert_int_equal(sw_port_add(s, 31, hi[0], NULL), 0);
	assert_int_equal(sw_port_add_cpu(s, 32, hi[1], NULL, GW), 0);
	assert_int_equal(sw_port_add(s, 63, hi[2], NULL), 0);
	assert_int_equal(sw_port_add(s, 64, hi[2], NULL), -EINVAL);
	assert_true(send_frame(s, 0, BCAST, HOST_A, 1) == (SW_BIT(31) | SW_BIT(32) | SW_BIT(63)));
	assert_true(send_frame(s, 63, HOST_A, HOST_B, 2) == SW_BIT(0));
	assert_true(send_frame(s, 0, HOST_B, HOST_A, 3) == SW_BIT(63));
	assert_true(send_frame(s, 0, GW, HOST_A, 4) == SW_BIT(32));
	check_sum(s);
}

static void test_learn_and_forward(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 4, 16);
	/* B is unknown: flood everywhere but the ingress; A is learned. */
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 10), 0xe);
	assert_int_equal(s.stats.flood_unknown, 1);
	assert_int_equal(fdb_lookup(&s.fdb, HOST_A, 10), 0);
	/* A is known: B's reply goes to port 0 only, and B is learned. */
	assert_int_equal(send_frame(&s, 1, HOST_A, HOST_B, 20), 0x1);
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 30), 0x2);
	assert_int_equal(s.stats.unicast, 2);
	/* A moves to port 3: traffic follows at once. */
	assert_int_equal(send_frame(&s, 3, BCAST, HOST_A, 40), 0x7);
	assert_int_equal(send_frame(&s, 1, HOST_A, HOST_B, 50), 0x8);
	assert_int_equal(s.fdb.stats.moved, 1);
	/* Entries expire: B is flooded to again after the aging time, and
	 * sweeping removes it. */
	assert_int_equal(send_frame(&s, 3, HOST_B, HOST_A, 50 + 300000), 0x7);
	assert_int_equal(s.fdb.count, 2);
	assert_int_equal(sw_age(&s, 50 + 300000), 1); /* 32 slots: one call sweeps them */
	assert_int_equal(s.fdb.count, 1);
	check_sum(&s);
}

static void test_group(void **state)
{
	static const uint8_t v6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	struct sw s;

	(void)state;
	setup(&s, 4, 16);
	assert_int_equal(send_frame(&s, 2, BCAST, HOST_A, 0), 0xb);
	assert_int_equal(send_frame(&s, 0, MCAST, HOST_B, 0), 0xe);
	assert_int_equal(send_frame(&s, 3, v6, HOST_C, 0), 0x7);
	/* Known hosts do not narrow a broadcast. */
	assert_int_equal(send_frame(&s, 2, BCAST, HOST_A, 0), 0xb);
	assert_int_equal(s.stats.flood_bcast, 2);
	assert_int_equal(s.stats.flood_mcast, 2);
	check_sum(&s);
}

static void test_same_port(void **state)
{
	uint8_t f[SW_ETH_HLEN] = {0};
	struct sw s;
	sw_mask_t mask = 1;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 0), 0x6);
	/* C sits behind the same port as A (a hub, or a nested switch). */
	assert_int_equal(send_frame(&s, 0, HOST_A, HOST_C, 0), 0);
	assert_int_equal(s.stats.drop_same_port, 1);
	memcpy(f, HOST_A, 6);
	memcpy(f + 6, HOST_C, 6);
	assert_int_equal(sw_input(&s, 0, f, sizeof(f), 0, &mask), 0); /* header only */
	assert_int_equal(mask, 0);
	assert_int_equal(s.stats.drop_same_port, 2);
	check_sum(&s);
}

static void test_runt_and_bad_port(void **state)
{
	uint8_t f[14];
	struct sw s;
	sw_mask_t mask = 7;

	(void)state;
	setup(&s, 3, 16);
	memcpy(f, BCAST, 6);
	memcpy(f + 6, HOST_A, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(sw_input(&s, 0, NULL, 0, 0, &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(sw_input(&s, 0, f, 13, 0, &mask), 0);
	assert_int_equal(s.stats.drop_runt, 2);
	assert_int_equal(fdb_lookup(&s.fdb, HOST_A, 0), -1);
	assert_int_equal(sw_input(&s, 0, f, 14, 0, &mask), 2);
	assert_int_equal(mask, 0x6);
	assert_int_equal(sw_input(&s, 3, f, 14, 0, &mask), 0);
	assert_int_equal(sw_input(&s, -1, f, 14, 0, &mask), 0);
	assert_int_equal(sw_input(&s, 32, f, 14, 0, &mask), 0);
	assert_int_equal(sw_input(&s, 1000, f, 14, 0, &mask), 0);
	assert_int_equal(s.stats.drop_bad_port, 4);
	check_sum(&s);
}

static void test_bad_source(void **state)
{
	static const uint8_t zero[6] = {0};
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(send_frame(&s, 0, BCAST, MCAST, 0), 0);
	assert_int_equal(send_frame(&s, 0, HOST_A, BCAST, 0), 0);
	assert_int_equal(send_frame(&s, 0, HOST_A, zero, 0), 0);
	assert_int_equal(s.stats.drop_bad_src, 3);
	assert_int_equal(s.fdb.stats.ignored_group, 2);
	assert_int_equal(s.fdb.stats.ignored_zero, 1);
	assert_int_equal(s.fdb.count, 0);
	check_sum(&s);
}

static void test_link_local(void **state)
{
	uint8_t dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(send_frame(&s, 0, dst, HOST_A, 0), 0); /* STP */
	dst[5] = 0x0e;						/* LLDP */
	assert_int_equal(send_frame(&s, 0, dst, HOST_A, 0), 0);
	dst[5] = 0x0f;
	assert_int_equal(send_frame(&s, 0, dst, HOST_A, 0), 0);
	assert_int_equal(s.stats.drop_link_local, 3);
	dst[5] = 0x10; /* outside the reserved block: an ordinary group */
	assert_int_equal(send_frame(&s, 0, dst, HOST_A, 0), 0x6);
	dst[5] = 0x00;
	dst[4] = 0x01;
	assert_int_equal(send_frame(&s, 0, dst, HOST_A, 0), 0x6);
	assert_int_equal(s.stats.flood_mcast, 2);
	check_sum(&s);
}

static void test_cpu_port(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(sw_port_add_cpu(&s, 5, "vmnet8", (void *)0x55, GW), 0);
	/* Unknown unicast never reaches the CPU; broadcast does. */
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 0), 0x6);
	assert_int_equal(s.stats.to_cpu, 0);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 0), 0x26);
	assert_int_equal(s.stats.to_cpu, 1);
	/* Unicast to the gateway goes to the CPU alone, pinned, never aged. */
	assert_int_equal(send_frame(&s, 1, GW, HOST_B, 0), 0x20);
	assert_int_equal(send_frame(&s, 1, GW, HOST_B, 4000000000u), 0x20);
	assert_int_equal(s.stats.to_cpu, 3);
	/* The CPU sends like any port. */
	assert_int_equal(send_frame(&s, 5, HOST_B, GW, 4000000000u), 0x2);
	assert_int_equal(send_frame(&s, 5, HOST_C, GW, 4000000000u), 0x7);
	/* A guest claiming the gateway's address is dropped and moves nothing. */
	assert_int_equal(send_frame(&s, 2, HOST_B, GW, 4000000000u), 0);
	assert_int_equal(s.stats.drop_src_pinned, 1);
	assert_int_equal(s.fdb.stats.static_conflict, 1);
	assert_int_equal(send_frame(&s, 1, GW, HOST_B, 4000000000u), 0x20);
	/* The CPU's frames to its own address go nowhere. */
	assert_int_equal(send_frame(&s, 5, GW, GW, 4000000000u), 0);
	assert_int_equal(s.stats.drop_same_port, 1);
	/* Another address pinned to the CPU port. */
	assert_int_equal(sw_pin_mac(&s, HOST_C, 5), 0);
	assert_int_equal(send_frame(&s, 0, HOST_C, HOST_A, 4000000000u), 0x20);
	check_sum(&s);
}

static void test_port_down(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 4, 16);
	assert_int_equal(send_frame(&s, 2, BCAST, HOST_A, 0), 0xb);
	assert_int_equal(sw_pin_mac(&s, HOST_C, 2), 0);
	assert_int_equal(sw_port_set_up(&s, 2, false), 0);
	assert_int_equal(s.tx_mask, 0xb);
	/* A's learned entry went with the link; C's pinned one stays. */
	assert_int_equal(fdb_lookup(&s.fdb, HOST_A, 0), -1);
	assert_int_equal(fdb_lookup(&s.fdb, HOST_C, 0), 2);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_B, 0), 0xa);
	assert_int_equal(send_frame(&s, 0, HOST_A, HOST_B, 0), 0xa);
	assert_int_equal(send_frame(&s, 0, HOST_C, HOST_B, 0), 0);
	assert_int_equal(s.stats.drop_port_down, 1);
	assert_int_equal(sw_port_set_up(&s, 2, true), 0);
	assert_int_equal(send_frame(&s, 0, HOST_C, HOST_B, 0), 0x4);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_B, 0), 0xe);
	check_sum(&s);
}

static void test_port_del(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(send_frame(&s, 1, BCAST, HOST_B, 0), 0x5);
	assert_int_equal(sw_pin_mac(&s, HOST_C, 1), 0);
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 0), 0x2);
	assert_int_equal(sw_port_del(&s, 1), 0);
	assert_int_equal(s.fdb.count, 1); /* A only: B and the pinned C went */
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 0), 0x4);
	assert_int_equal(send_frame(&s, 0, HOST_C, HOST_A, 0), 0x4);
	assert_int_equal(send_frame(&s, 1, HOST_A, HOST_B, 0), 0);
	assert_int_equal(s.stats.drop_bad_port, 1);
	assert_int_equal(sw_port_add(&s, 1, "eth1", NULL), 0);
	assert_int_equal(send_frame(&s, 1, HOST_A, HOST_B, 0), 0x1);
	check_sum(&s);
}

static void test_no_egress(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 1, 16);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 0), 0);
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 0), 0);
	assert_int_equal(sw_port_add(&s, 1, "eth1", NULL), 0);
	assert_int_equal(sw_port_set_up(&s, 1, false), 0);
	assert_int_equal(send_frame(&s, 0, MCAST, HOST_A, 0), 0);
	assert_int_equal(s.stats.drop_no_egress, 3);
	check_sum(&s);
}

/* A full table stops learning, not forwarding. */
static void test_full_table(void **state)
{
	static const uint8_t h[5][6] = {{2, 0, 0, 0, 0, 1},
					{2, 0, 0, 0, 0, 2},
					{2, 0, 0, 0, 0, 3},
					{2, 0, 0, 0, 0, 4},
					{2, 0, 0, 0, 0, 5}};
	struct sw s;
	int i;

	(void)state;
	setup(&s, 4, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(send_frame(&s, i, BCAST, h[i], 0), 0xf & ~(1u << i));
	/* h[4] is new: not learned, but its frame to h[1] is delivered. */
	assert_int_equal(send_frame(&s, 0, h[1], h[4], 1), 0x2);
	assert_int_equal(s.fdb.stats.refused_full, 1);
	/* Frames to h[4] flood as unknown unicast; the known stay known. */
	assert_int_equal(send_frame(&s, 2, h[4], h[2], 2), 0xb);
	for (i = 0; i < 4; i++)
		assert_int_equal(fdb_lookup(&s.fdb, h[i], 2), i);
	assert_int_equal(s.stats.flood_unknown, 1);
	check_sum(&s);
}

/* Arbitrary bytes on arbitrary ports: the decision stays within the rules. */
static void test_random_frames(void **state)
{
	struct sw s;
	uint8_t f[20];
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint32_t i;
	sw_mask_t mask;
	int j, n, port;

	(void)state;
	setup(&s, 5, 64);
	assert_int_equal(sw_port_add_cpu(&s, 7, "cpu", NULL, GW), 0);
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (j = 0; j < 20; j++)
			f[j] = (uint8_t)(x >> (j % 8 * 8)) ^ (uint8_t)j;
		/* Keep the addresses in a small set so that some are known. */
		f[0] = (uint8_t)(x % 7 == 0 ? 0xff : (x % 5 ? 0x02 : 0x01));
		memset(f + 1, 0, 4);
		f[5] = (uint8_t)(x >> 24) % 80;
		f[6] = (uint8_t)(x >> 32) % 11 ? 0x02 : (uint8_t)(x >> 40);
		memset(f + 7, 0, 4);
		f[11] = (uint8_t)(x >> 48) % 80;
		if (f[0] == 0xff)
			memset(f, 0xff, 6);
		port = (int)(x % 9) - 1; /* -1 .. 7: some are not ports */
		if (x % 1000 == 0)
			sw_port_set_up(&s, (int)((x >> 8) % 5), (x >> 16) % 2);
		n = sw_input(&s, port, f, (size_t)((x >> 56) % 21), (uint32_t)i * 100, &mask);
		assert_int_equal(n, __builtin_popcountll(mask));
		if (port >= 0)
			assert_false(mask & (1u << port));
		assert_int_equal(mask & ~s.tx_mask, 0);
	}
	check_sum(&s);
	assert_int_equal(fdb_check(&s.fdb), 0);
	assert_true(s.stats.unicast > 0 && s.stats.flood_unknown > 0 && s.stats.flood_bcast > 0);
	assert_true(s.stats.drop_runt > 0 && s.stats.drop_same_port > 0 && s.stats.to_cpu > 0);
}

/* A cli_out that appends to a buffer. */
struct sink {
	char buf[4096];
	size_t len;
};

static void sink_write(void *ctx, const char *buf, size_t len)
{
	struct sink *k = ctx;

	assert_true(k->len + len < sizeof(k->buf));
	memcpy(k->buf + k->len, buf, len);
	k->len += len;
	k->buf[k->len] = '\0';
}

/* Storm control: a port floods at most storm_pps frames a second (a
 * second's burst); the excess is dropped and counted, other ports and the
 * CPU port are not limited, and known unicast is never limited. */
static void test_storm(void **state)
{
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(sw_port_add_cpu(&s, 5, "vmnet8", (void *)0x55, GW), 0);
	sw_set_storm(&s, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1000), 0x26);
	/* Over the rate: group frames reach only the gateway, unknown unicast nothing. */
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1000), 0x20);
	assert_int_equal(send_frame(&s, 0, MCAST, HOST_A, 1050), 0x20);
	assert_int_equal(send_frame(&s, 0, HOST_C, HOST_A, 1099), 0); /* unknown unicast */
	assert_int_equal(s.stats.drop_storm, 1);
	assert_int_equal(s.stats.storm_limited, 3);
	/* Known unicast, another port and the CPU port pass meanwhile. */
	assert_int_equal(send_frame(&s, 1, BCAST, HOST_B, 1099), 0x25);
	assert_int_equal(send_frame(&s, 0, HOST_B, HOST_A, 1099), 0x2);
	for (int i = 0; i < 20; i++)
		assert_int_equal(send_frame(&s, 5, BCAST, GW, 1099), 0x7);
	/* A token every 100 ms, and the fraction carries over. */
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1100), 0x26);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1150), 0x20);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1200), 0x26);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 1250), 0x20);
	/* A quiet second fills the bucket again, never beyond a second's worth. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 5000), 0x26);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 5000), 0x20);
	assert_int_equal(s.stats.storm_limited, 6);
	/* Without a gateway, over the rate is dropped. */
	assert_int_equal(sw_port_del(&s, 5), 0);
	assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 5000), 0);
	assert_int_equal(s.stats.drop_storm, 2);
	/* Off: no limit. */
	sw_set_storm(&s, 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(send_frame(&s, 0, BCAST, HOST_A, 5000), 0x6);
	check_sum(&s);
}

static void test_show_mac(void **state)
{
	static struct sink k;
	struct cli_out out = {sink_write, &k};
	struct sw s;

	(void)state;
	setup(&s, 3, 16);
	assert_int_equal(sw_port_add_cpu(&s, 5, "vmnet8", NULL, GW), 0);
	send_frame(&s, 1, BCAST, HOST_A, 1000);
	send_frame(&s, 2, BCAST, HOST_B, 3500);
	k.len = 0;
	assert_int_equal(sw_show_mac(&s, 65000, -1, &out), 0);
	assert_non_null(strstr(k.buf, "MAC address        Port       Type     Age (s)\n"));
	assert_non_null(strstr(k.buf, "\n00:0c:29:aa:bb:01  eth1       dynamic  64\n"));
	assert_non_null(strstr(k.buf, "\n00:0c:29:aa:bb:02  eth2       dynamic  61\n"));
	assert_non_null(strstr(k.buf, "\n02:00:00:00:00:99  vmnet8     static   -\n"));
	assert_non_null(strstr(k.buf, "\n3 entries shown; table holds 3 of 16, aging 300 s\n"));
	k.len = 0;
	assert_int_equal(sw_show_mac(&s, 65000, 2, &out), 0);
	assert_null(strstr(k.buf, "bb:01"));
	assert_non_null(strstr(k.buf, "bb:02"));
	assert_non_null(strstr(k.buf, "\n1 entries shown"));
	/* Expired entries are not shown. */
	k.len = 0;
	assert_int_equal(sw_show_mac(&s, 302000, -1, &out), 0);
	assert_null(strstr(k.buf, "bb:01"));
	assert_non_null(strstr(k.buf, "bb:02"));
}

static void test_show_counters(void **state)
{
	static struct sink k;
	struct cli_out out = {sink_write, &k};
	struct sw s;
	sw_mask_t mask;

	(void)state;
	setup(&s, 2, 16);
	send_frame(&s, 0, BCAST, HOST_A, 0);
	sw_input(&s, 0, NULL, 0, 0, &mask);
	k.len = 0;
	assert_int_equal(sw_show_counters(&s, &out), 0);
	assert_non_null(strstr(k.buf, "switch: in 2, unicast 0, flood bcast 1 mcast 0 unknown 0"));
	assert_non_null(strstr(k.buf, "drops: runt 1, bad port 0"));
	assert_non_null(strstr(k.buf, "mac table: 1 of 16 entries; learned 1,"));
	assert_non_null(strstr(k.buf, "refused: full 0, probe 0, port's limit 0;"));
	/* Every line fits cli_printf's limit and ends in a newline. */
	assert_int_equal(k.buf[k.len - 1], '\n');
	assert_null(strstr(k.buf, "\n\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_high_ports),
		cmocka_unit_test(test_learn_and_forward),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_same_port),
		cmocka_unit_test(test_runt_and_bad_port),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_cpu_port),
		cmocka_unit_test(test_port_down),
		cmocka_unit_test(test_port_del),
		cmocka_unit_test(test_no_egress),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_random_frames),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_show_mac),
		cmocka_unit_test(test_show_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
