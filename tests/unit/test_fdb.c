/*
 * Unit tests for net/switch/fdb.c: learning, refreshing, moving and aging
 * entries, a full table that refuses rather than evicts, deletion by
 * backward shift under heavy collisions and across the end of the array,
 * flushing a port, bounded sweeps, static entries, listing, the probe
 * lengths a large table sees, and a long randomized run against a plain
 * reference model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net/switch/fdb.h"

#define SEED   0x5eed5eed12345678ull
#define AGING  300
#define AGE_MS (AGING * 1000u)

static struct fdb_entry slots[1u << 17];

/* A locally administered unicast address numbered (i). */
static void mac_of(uint32_t i, uint8_t m[6])
{
	m[0] = 0x02;
	m[1] = 0x00;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

static void setup_table(struct fdb *t, uint32_t capacity)
{
	uint32_t n = fdb_nslots(capacity);

	assert_true(n > 0 && n <= sizeof(slots) / sizeof(slots[0]));
	assert_int_equal(fdb_init(t, slots, n, capacity, AGING, SEED), 0);
}

static void test_init(void **state)
{
	struct fdb t;

	(void)state;
	assert_int_equal(fdb_nslots(0), 0);
	assert_int_equal(fdb_nslots(1), 2);
	assert_int_equal(fdb_nslots(4), 8);
	assert_int_equal(fdb_nslots(5), 16);
	assert_int_equal(fdb_nslots(4096), 8192);
	assert_int_equal(fdb_nslots(FDB_CAPACITY_MAX), 2 * FDB_CAPACITY_MAX);
	assert_int_equal(fdb_nslots(FDB_CAPACITY_MAX + 1), 0);
	assert_int_equal(fdb_init(&t, slots, 16, 9, AGING, SEED), -EINVAL); /* over half */
	assert_int_equal(fdb_init(&t, slots, 24, 8, AGING, SEED), -EINVAL); /* not 2^n */
	assert_int_equal(fdb_init(&t, slots, 16, 0, AGING, SEED), -EINVAL);
	assert_int_equal(fdb_init(&t, slots, 16, 8, 0, SEED), -EINVAL);
	assert_int_equal(fdb_init(&t, slots, 16, 8, FDB_AGING_MAX + 1, SEED), -EINVAL);
	assert_int_equal(fdb_init(&t, slots, 16, 8, FDB_AGING_MAX, SEED), 0);
	assert_int_equal(fdb_init(&t, slots, 16, 8, AGING, SEED), 0);
	assert_int_equal(t.count, 0);
	assert_int_equal(fdb_set_aging(&t, 0), -EINVAL);
	assert_int_equal(fdb_set_aging(&t, 10), 0);
	assert_int_equal(t.aging_ms, 10000);
	assert_int_equal(fdb_check(&t), 0);
}

static void test_learn_refresh_move(void **state)
{
	struct fdb t;
	uint8_t a[6], b[6];

	(void)state;
	setup_table(&t, 64);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(fdb_lookup(&t, a, 0), -1);
	assert_int_equal(fdb_learn(&t, a, 3, 1000), FDB_NEW);
	assert_int_equal(fdb_learn(&t, b, 4, 1000), FDB_NEW);
	assert_int_equal(fdb_lookup(&t, a, 1000), 3);
	assert_int_equal(fdb_lookup(&t, b, 1000), 4);
	assert_int_equal(fdb_learn(&t, a, 3, 2000), FDB_REFRESHED);
	assert_int_equal(fdb_learn(&t, a, 7, 3000), FDB_MOVED);
	assert_int_equal(fdb_lookup(&t, a, 3000), 7);
	assert_int_equal(fdb_lookup(&t, b, 3000), 4);
	assert_int_equal(t.count, 2);
	assert_int_equal(t.stats.learned, 2);
	assert_int_equal(t.stats.refreshed, 1);
	assert_int_equal(t.stats.moved, 1);
	assert_int_equal(fdb_learn(&t, a, -1, 0), -EINVAL);
	assert_int_equal(fdb_learn(&t, a, FDB_PORT_MAX, 0), -EINVAL);
	assert_int_equal(fdb_learn(&t, a, FDB_PORT_MAX - 1, 3000), FDB_MOVED);
	assert_int_equal(fdb_check(&t), 0);
}

/* An entry lives exactly aging_ms; refreshing restarts its life. */
static void test_aging(void **state)
{
	struct fdb t;
	uint8_t a[6], b[6];

	(void)state;
	setup_table(&t, 64);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(fdb_learn(&t, a, 1, 1000), FDB_NEW);
	assert_int_equal(fdb_learn(&t, b, 2, 1000), FDB_NEW);
	assert_int_equal(fdb_learn(&t, b, 2, 200000), FDB_REFRESHED);
	assert_int_equal(fdb_lookup(&t, a, 1000 + AGE_MS - 1), 1);
	assert_int_equal(fdb_lookup(&t, a, 1000 + AGE_MS), -1);
	assert_int_equal(fdb_lookup(&t, b, 1000 + AGE_MS), 2);
	/* Expired but not yet swept: relearning counts as new. */
	assert_int_equal(t.count, 2);
	assert_int_equal(fdb_learn(&t, a, 5, 1000 + AGE_MS), FDB_NEW);
	assert_int_equal(fdb_lookup(&t, a, 1000 + AGE_MS), 5);
	assert_int_equal(t.count, 2);
	assert_int_equal(t.stats.aged, 1);
	/* A sweep removes what has expired and nothing else. */
	assert_int_equal(fdb_age(&t, 200000 + AGE_MS, 1000), 1);
	assert_int_equal(t.count, 1);
	assert_int_equal(fdb_lookup(&t, a, 200000 + AGE_MS), 5);
	assert_int_equal(fdb_lookup(&t, b, 200000 + AGE_MS - 1), -1); /* gone, not just old */
	/* A shorter aging time applies to existing entries. */
	assert_int_equal(fdb_set_aging(&t, 1), 0);
	assert_int_equal(fdb_lookup(&t, a, 1000 + AGE_MS + 999), 5);
	assert_int_equal(fdb_lookup(&t, a, 1000 + AGE_MS + 1000), -1);
	assert_int_equal(fdb_age(&t, 1000 + AGE_MS + 1000, 1000), 1);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.stats.aged, 3);
	assert_int_equal(fdb_check(&t), 0);
}

/* Ages are differences modulo 2^32: the millisecond counter may wrap. */
static void test_time_wrap(void **state)
{
	struct fdb t;
	uint8_t a[6];

	(void)state;
	setup_table(&t, 8);
	mac_of(1, a);
	assert_int_equal(fdb_learn(&t, a, 1, 0xffffff00u), FDB_NEW);
	assert_int_equal(fdb_lookup(&t, a, 0x100), 1);
	assert_int_equal(fdb_lookup(&t, a, 0xffffff00u + AGE_MS - 1), 1);
	assert_int_equal(fdb_lookup(&t, a, 0xffffff00u + AGE_MS), -1);
}

/* A full table refuses new addresses, keeps every entry, and takes new
 * ones again once old ones expire. */
static void test_full(void **state)
{
	struct fdb t;
	uint8_t m[6];
	uint32_t i;

	(void)state;
	setup_table(&t, 8);
	for (i = 0; i < 8; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 1, 1000), FDB_NEW);
	}
	for (i = 8; i < 20; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 2, 2000), -ENOSPC);
		assert_int_equal(fdb_lookup(&t, m, 2000), -1);
	}
	assert_int_equal(t.stats.refused_full, 12);
	assert_int_equal(t.stats.refused_probe, 0);
	assert_int_equal(t.count, 8);
	/* Known addresses still refresh and move while full. */
	mac_of(3, m);
	assert_int_equal(fdb_learn(&t, m, 1, 3000), FDB_REFRESHED);
	assert_int_equal(fdb_learn(&t, m, 4, 3000), FDB_MOVED);
	for (i = 0; i < 8; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_lookup(&t, m, 3000), i == 3 ? 4 : 1);
	}
	/* After the others expire and a sweep removes them, new addresses
	 * take their place. */
	assert_int_equal(fdb_age(&t, 1000 + AGE_MS, 1000), 7);
	for (i = 8; i < 15; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 2, 1000 + AGE_MS), FDB_NEW);
	}
	mac_of(15, m);
	assert_int_equal(fdb_learn(&t, m, 2, 1000 + AGE_MS), -ENOSPC); /* 3 is still alive */
	mac_of(3, m);
	assert_int_equal(fdb_lookup(&t, m, 1000 + AGE_MS), 4);
	assert_int_equal(t.count, 8);
	assert_int_equal(fdb_check(&t), 0);
}

/* Expired entries are reused in place on a new address's probe path even
 * before a sweep reaches them. */
static void test_full_reuse_expired(void **state)
{
	struct fdb t;
	uint8_t m[6];
	uint32_t i, j;

	(void)state;
	setup_table(&t, 4); /* 8 slots */
	for (i = 0; i < 4; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 1, 0), FDB_NEW);
	}
	/* Every slot is on some address's path; reuse must find one. */
	for (j = 100, i = 0; i < 4; j++) {
		mac_of(j, m);
		if (fdb_learn(&t, m, 2, AGE_MS) == FDB_NEW)
			i++;
		assert_true(j < 10000);
		assert_int_equal(fdb_check(&t), 0);
	}
	assert_int_equal(t.count, 4);
	for (i = 0; i < 4; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_lookup(&t, m, AGE_MS), -1);
	}
}

static void test_bad_sources(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t zero[6] = {0};
	struct fdb t;

	(void)state;
	setup_table(&t, 8);
	assert_int_equal(fdb_learn(&t, bcast, 1, 0), -EINVAL);
	assert_int_equal(fdb_learn(&t, mcast, 1, 0), -EINVAL);
	assert_int_equal(fdb_learn(&t, zero, 1, 0), -EINVAL);
	assert_int_equal(fdb_add_static(&t, mcast, 1), -EINVAL);
	assert_int_equal(t.stats.ignored_group, 3);
	assert_int_equal(t.stats.ignored_zero, 1);
	assert_int_equal(t.count, 0);
	assert_int_equal(fdb_lookup(&t, bcast, 0), -1);
	assert_false(fdb_mac_unicast(zero));
	assert_false(fdb_mac_unicast(mcast));
}

/*
 * Collects (n) addresses whose home is (home), starting the search at
 * number (*next).
 */
static void same_home(const struct fdb *t, uint32_t home, uint8_t (*m)[6], int n, uint32_t *next)
{
	int k = 0;

	while (k < n) {
		mac_of((*next)++, m[k]);
		if (fdb_home(t, m[k]) == home)
			k++;
	}
}

/* Long runs of colliding addresses, some wrapping past the last slot;
 * deleting any of them keeps every other one reachable. */
static void test_delete_collisions(void **state)
{
	uint8_t m[40][6];
	struct fdb t;
	uint32_t next = 0, round, i, mask;
	int k;

	(void)state;
	setup_table(&t, 64); /* 128 slots */
	mask = t.mask;
	for (round = 0; round < 40; round++) {
		uint32_t home = round % 2 ? mask - 5 : (round * 37) & mask;

		setup_table(&t, 64);
		/* 12 at one home, 8 at the next slot, 8 three further on. */
		same_home(&t, home, m, 12, &next);
		same_home(&t, (home + 1) & mask, m + 12, 8, &next);
		same_home(&t, (home + 4) & mask, m + 20, 8, &next);
		for (k = 0; k < 28; k++)
			assert_int_equal(fdb_learn(&t, m[k], k % FDB_PORT_MAX, 0), FDB_NEW);
		assert_int_equal(fdb_check(&t), 0);
		assert_int_equal(t.stats.probe_max, 23); /* last of the third run */
		/* Delete a round-dependent subset, in a scrambled order. */
		for (i = 0; i < 28; i++) {
			k = (int)((i * 11 + round) % 28);
			if ((k + round) % 3 == 0)
				assert_int_equal(fdb_del(&t, m[k]), 0);
		}
		assert_int_equal(fdb_check(&t), 0);
		for (k = 0; k < 28; k++)
			assert_int_equal(fdb_lookup(&t, m[k], 0), (k + round) % 3 == 0 ? -1 : k);
		for (k = 0; k < 28; k++)
			assert_int_equal(fdb_del(&t, m[k]), (k + round) % 3 == 0 ? -ENOENT : 0);
		assert_int_equal(t.count, 0);
		for (i = 0; i <= mask; i++)
			assert_int_equal(t.slot[i].flags, 0);
	}
}

/* The probe bound: past FDB_PROBE_MAX colliding addresses, new ones are
 * refused although the table has room, and the table stays consistent. */
static void test_probe_bound(void **state)
{
	static uint8_t m[FDB_PROBE_MAX + 4][6];
	struct fdb t;
	uint32_t next = 0;
	int k;

	(void)state;
	setup_table(&t, 512);
	same_home(&t, 100, m, FDB_PROBE_MAX + 4, &next);
	for (k = 0; k < FDB_PROBE_MAX; k++)
		assert_int_equal(fdb_learn(&t, m[k], 1, 0), FDB_NEW);
	for (; k < FDB_PROBE_MAX + 4; k++) {
		assert_int_equal(fdb_learn(&t, m[k], 1, 0), -ENOSPC);
		assert_int_equal(fdb_lookup(&t, m[k], 0), -1);
	}
	assert_int_equal(t.stats.refused_probe, 4);
	assert_int_equal(t.stats.probe_max, FDB_PROBE_MAX - 1);
	assert_int_equal(fdb_check(&t), 0);
	/* Deleting one at the home frees room for exactly one more. */
	assert_int_equal(fdb_del(&t, m[0]), 0);
	assert_int_equal(fdb_learn(&t, m[FDB_PROBE_MAX], 1, 0), FDB_NEW);
	assert_int_equal(fdb_learn(&t, m[FDB_PROBE_MAX + 1], 1, 0), -ENOSPC);
	assert_int_equal(fdb_check(&t), 0);
}

/* The entry that must move into a hole may sit far behind it, past a long
 * run of entries that must not. */
static void test_delete_far(void **state)
{
	uint8_t a[2][6], run[FDB_PROBE_MAX - 4][6];
	struct fdb t;
	uint32_t next = 0;
	int k;

	(void)state;
	setup_table(&t, 512);
	same_home(&t, 1020, a, 2, &next);
	same_home(&t, 1021, run, FDB_PROBE_MAX - 4, &next);
	assert_int_equal(fdb_learn(&t, a[0], 1, 0), FDB_NEW);
	for (k = 0; k < FDB_PROBE_MAX - 4; k++)
		assert_int_equal(fdb_learn(&t, run[k], 2, 0), FDB_NEW);
	assert_int_equal(fdb_learn(&t, a[1], 3, 0), FDB_NEW); /* FDB_PROBE_MAX - 3 from home */
	assert_int_equal(fdb_del(&t, a[0]), 0);
	assert_int_equal(fdb_check(&t), 0);
	assert_int_equal(fdb_lookup(&t, a[1], 0), 3);
	assert_int_equal(t.slot[1020].port, 3);
	for (k = 0; k < FDB_PROBE_MAX - 4; k++)
		assert_int_equal(fdb_lookup(&t, run[k], 0), 2);
}

/* One sweep removes a whole run of expired colliding entries: after each
 * removal it looks again at the slot the shift refilled. */
static void test_age_run(void **state)
{
	uint8_t m[12][6];
	struct fdb t;
	uint32_t next = 0, calls = 0;
	int k;

	(void)state;
	setup_table(&t, 64);
	same_home(&t, 5, m, 12, &next);
	for (k = 0; k < 12; k++)
		assert_int_equal(fdb_learn(&t, m[k], 1, 0), FDB_NEW);
	while (t.count > 0 && t.cursor <= 17) {
		fdb_age(&t, AGE_MS, 1);
		assert_true(++calls < 200);
	}
	assert_int_equal(t.count, 0);
}

static void test_flush_port(void **state)
{
	struct fdb t;
	uint8_t m[6];
	uint32_t i;

	(void)state;
	setup_table(&t, 512);
	for (i = 0; i < 300; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, (int)(i % 3), 0), FDB_NEW);
	}
	mac_of(1000, m);
	assert_int_equal(fdb_add_static(&t, m, 1), 0);
	assert_int_equal(fdb_flush_port(&t, 1, false), 100);
	assert_int_equal(t.stats.flushed, 100);
	assert_int_equal(fdb_check(&t), 0);
	for (i = 0; i < 300; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_lookup(&t, m, 0), i % 3 == 1 ? -1 : (int)(i % 3));
	}
	mac_of(1000, m);
	assert_int_equal(fdb_lookup(&t, m, 0), 1);
	assert_int_equal(fdb_flush_port(&t, 1, true), 1);
	assert_int_equal(fdb_lookup(&t, m, 0), -1);
	assert_int_equal(fdb_flush_port(&t, 7, true), 0);
	assert_int_equal(t.count, 200);
	assert_int_equal(fdb_flush_port(&t, 0, false) + fdb_flush_port(&t, 2, false), 200);
	assert_int_equal(t.count, 0);
	assert_int_equal(fdb_check(&t), 0);
}

/* fdb_age() examines about (budget) slots per call and the sweep finishes
 * after about slots / budget calls. */
static void test_age_bounded(void **state)
{
	struct fdb t;
	uint8_t m[6];
	uint32_t i, calls = 0, n, prev;

	(void)state;
	setup_table(&t, 1024); /* 2048 slots */
	for (i = 0; i < 1023; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 1, 0), FDB_NEW);
	}
	mac_of(5000, m);
	assert_int_equal(fdb_add_static(&t, m, 2), 0);
	assert_int_equal(fdb_age(&t, AGE_MS - 1, 4096), 0);
	assert_int_equal(fdb_age(&t, AGE_MS, 0), 0);
	while (t.count > 1) {
		prev = t.cursor;
		n = fdb_age(&t, AGE_MS, 32);
		/* Each removal costs at least one unit of budget beyond the visit. */
		assert_true(n <= 16);
		assert_true(((t.cursor - prev) & t.mask) <= 32);
		calls++;
		assert_true(calls <= 4 * 2048 / 32);
	}
	assert_true(calls >= 2048 / 32);
	print_message("      sweep of 2048 slots, 1023 expired: %u calls of budget 32\n", calls);
	assert_int_equal(t.stats.aged, 1023);
	assert_int_equal(fdb_lookup(&t, m, AGE_MS * 2), 2);
	assert_int_equal(fdb_check(&t), 0);
}

static void test_static(void **state)
{
	struct fdb t;
	uint8_t a[6], b[6];

	(void)state;
	setup_table(&t, 8);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(fdb_add_static(&t, a, 5), 0);
	assert_int_equal(fdb_learn(&t, a, 6, 100), -EPERM);
	assert_int_equal(t.stats.static_conflict, 1);
	assert_int_equal(fdb_learn(&t, a, 5, 100), FDB_REFRESHED);
	assert_int_equal(fdb_lookup(&t, a, 0xfffffff0u), 5); /* never ages */
	assert_int_equal(fdb_age(&t, 0xfffffff0u, 100), 0);
	/* A learned entry becomes static, and a static one may be re-pinned. */
	assert_int_equal(fdb_learn(&t, b, 1, 0), FDB_NEW);
	assert_int_equal(fdb_add_static(&t, b, 2), 0);
	assert_int_equal(fdb_lookup(&t, b, AGE_MS * 3), 2);
	assert_int_equal(fdb_add_static(&t, a, 6), 0);
	assert_int_equal(fdb_lookup(&t, a, 0), 6);
	assert_int_equal(t.count, 2);
	assert_int_equal(fdb_del(&t, a), 0);
	assert_int_equal(fdb_del(&t, a), -ENOENT);
	assert_int_equal(fdb_lookup(&t, a, 0), -1);
	assert_int_equal(fdb_check(&t), 0);
}

static void test_next(void **state)
{
	struct fdb t;
	struct fdb_info info;
	bool seen[100] = {false};
	uint8_t m[6];
	uint32_t pos = 0, i, n = 0;

	(void)state;
	setup_table(&t, 64);
	for (i = 0; i < 10; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, (int)i, i * 1000), FDB_NEW);
	}
	mac_of(99, m);
	assert_int_equal(fdb_add_static(&t, m, 42), 0);
	/* At AGE_MS + 500, entry 0 has expired; entry i is AGE_MS + 500 - i*1000 old. */
	while (fdb_next(&t, &pos, AGE_MS + 500, &info) == 0) {
		i = info.mac[5];
		if (i == 99) {
			assert_true(info.is_static);
			assert_int_equal(info.port, 42);
			assert_int_equal(info.age_ms, 0);
		} else {
			assert_true(i >= 1 && i < 10);
			assert_false(info.is_static);
			assert_int_equal(info.port, i);
			assert_int_equal(info.age_ms, AGE_MS + 500 - i * 1000);
		}
		assert_false(seen[i]);
		seen[i] = true;
		n++;
	}
	assert_int_equal(n, 10);
	assert_false(seen[0]);
	assert_int_equal(fdb_next(&t, &pos, 0, &info), -ENOENT);
}

/* A table filled to capacity, with random or consecutive addresses, keeps
 * probes short and refuses nothing for want of a slot. */
static void fill_large(uint32_t capacity, bool consecutive)
{
	struct fdb t;
	uint8_t m[6];
	uint64_t x = 88172645463325252ull;
	uint32_t i;

	setup_table(&t, capacity);
	for (i = 0; i < capacity; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mac_of(consecutive ? i : (uint32_t)x, m);
		if (!consecutive)
			m[1] = (uint8_t)(x >> 40);
		assert_int_equal(fdb_learn(&t, m, 1, 0), FDB_NEW);
	}
	assert_int_equal(t.stats.refused_probe, 0);
	assert_true(t.stats.probe_max < FDB_PROBE_MAX);
	print_message("      %u %s addresses: longest probe %u\n", capacity,
		      consecutive ? "consecutive" : "random", t.stats.probe_max);
	assert_int_equal(fdb_check(&t), 0);
}

static void test_large(void **state)
{
	(void)state;
	fill_large(1024, false);
	fill_large(1024, true);
	fill_large(65536, false);
	fill_large(65536, true);
}

/* The reference model: a plain array searched linearly. */
#define RM_MACS 300
#define RM_CAP	100

struct rm_entry {
	bool present; /* may still be stored: not deleted, flushed or replaced */
	bool is_static;
	int port;
	uint32_t seen;
};

static bool rm_live(const struct rm_entry *e, uint32_t now)
{
	return e->present && (e->is_static || now - e->seen < 10000);
}

/* Checks (t) against (rm): live entries and counts agree exactly; stored
 * but expired entries are bounded by what the model still holds. */
static void rm_compare(const struct fdb *t, const struct rm_entry *rm, uint32_t now)
{
	struct fdb_info info;
	uint32_t pos = 0, live = 0, present = 0, listed = 0;
	uint8_t m[6];
	int i;

	for (i = 0; i < RM_MACS; i++) {
		mac_of((uint32_t)i, m);
		assert_int_equal(fdb_lookup(t, m, now), rm_live(&rm[i], now) ? rm[i].port : -1);
		live += rm_live(&rm[i], now);
		present += rm[i].present;
	}
	while (fdb_next(t, &pos, now, &info) == 0) {
		i = info.mac[4] << 8 | info.mac[5];
		assert_true(i < RM_MACS && rm_live(&rm[i], now));
		assert_int_equal(info.port, rm[i].port);
		listed++;
	}
	assert_int_equal(listed, live);
	assert_true(t->count >= live && t->count <= present);
	assert_int_equal(fdb_check(t), 0);
}

static void test_random_model(void **state)
{
	static struct rm_entry rm[RM_MACS];
	struct fdb t;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t now = 0xfff00000u, op, live, present, j; /* wraps during the run */
	uint8_t m[6];
	int i, r, want;

	(void)state;
	memset(rm, 0, sizeof(rm));
	assert_int_equal(fdb_init(&t, slots, 256, RM_CAP, 10, SEED), 0);
	for (op = 0; op < 200000; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)((x >> 8) % RM_MACS);
		mac_of((uint32_t)i, m);
		now += (uint32_t)(x >> 40) % 64;
		switch ((x >> 32) % 16) {
		default: /* learn, the common case */
			for (live = 0, present = 0, j = 0; j < RM_MACS; j++) {
				live += rm_live(&rm[j], now);
				present += rm[j].present;
			}
			r = fdb_learn(&t, m, (int)(x % 4), now);
			if (rm[i].present && rm[i].is_static)
				want = rm[i].port == (int)(x % 4) ? FDB_REFRESHED : -EPERM;
			else if (!rm_live(&rm[i], now))
				want = FDB_NEW;
			else
				want = rm[i].port == (int)(x % 4) ? FDB_REFRESHED : FDB_MOVED;
			if (r == -ENOSPC && want == FDB_NEW) {
				/* Only when full, counting expired entries not yet swept. */
				assert_true(live <= RM_CAP && present >= RM_CAP);
				break;
			}
			assert_int_equal(r, want);
			if (r >= 0 && !rm[i].is_static) {
				rm[i].present = true;
				rm[i].port = (int)(x % 4);
				rm[i].seen = now;
			}
			break;
		case 10:
		case 11:
			break; /* lookups only: rm_compare below */
		case 12:
			/* An expired entry may or may not have been swept yet. */
			r = fdb_del(&t, m);
			if (rm_live(&rm[i], now) || !rm[i].present)
				assert_int_equal(r, rm[i].present ? 0 : -ENOENT);
			rm[i].present = false;
			break;
		case 13:
			fdb_age(&t, now, (uint32_t)(x % 40));
			break;
		case 14:
			if (x % 64 == 0) {
				fdb_flush_port(&t, (int)(x % 4), (x >> 20) % 2);
				for (j = 0; j < RM_MACS; j++)
					if (rm[j].port == (int)(x % 4) &&
					    ((x >> 20) % 2 || !rm[j].is_static))
						rm[j].present = rm[j].is_static = false;
			}
			break;
		case 15:
			if (x % 16 == 0 && fdb_add_static(&t, m, (int)((x >> 12) % 4)) == 0) {
				rm[i].present = true;
				rm[i].is_static = true;
				rm[i].port = (int)((x >> 12) % 4);
			} else if (x % 16 == 1 && rm[i].is_static) {
				assert_int_equal(fdb_del(&t, m), 0);
				rm[i].present = false;
			}
			break;
		}
		if (!rm[i].present)
			rm[i].is_static = false;
		if (op % 16 == 0 || op > 199000)
			rm_compare(&t, rm, now);
	}
	assert_true(t.stats.refused_full > 0);
	assert_true(t.stats.moved > 0 && t.stats.aged > 0 && t.stats.static_conflict > 0);
	assert_int_equal(t.stats.refused_probe, 0);
}

/* `mac table N` at run time: a resized table keeps what was learned. */
static void test_copy(void **state)
{
	static struct fdb_entry big[1024], small[32];
	struct fdb t, bigger, smaller;
	uint8_t m[6];

	(void)state;
	setup_table(&t, 64);
	for (uint32_t i = 0; i < 40; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, (int)(i % 7), 1000 + i), FDB_NEW);
	}
	mac_of(100, m);
	assert_int_equal(fdb_add_static(&t, m, 3), 0);
	/* Grown: every entry, port and age kept. */
	assert_int_equal(fdb_init(&bigger, big, fdb_nslots(500), 500, AGING, SEED + 1), 0);
	assert_int_equal(fdb_copy(&bigger, &t, 2000), 41);
	assert_int_equal(fdb_check(&bigger), 0);
	assert_int_equal(bigger.count, 41);
	for (uint32_t i = 0; i < 40; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_lookup(&bigger, m, 1000 + AGE_MS - 1), (int)(i % 7));
		assert_int_equal(fdb_lookup(&bigger, m, 1000 + i + AGE_MS), -1); /* same age */
	}
	mac_of(100, m);
	assert_int_equal(fdb_lookup(&bigger, m, 1u << 30), 3);
	assert_int_equal(bigger.stats.learned, t.stats.learned);
	/* Shrunk below its use: the static entry first, the rest as they fit,
	 * the dropped ones counted. */
	assert_int_equal(fdb_init(&smaller, small, fdb_nslots(16), 16, AGING, SEED + 2), 0);
	assert_int_equal(fdb_copy(&smaller, &t, 2000), 16);
	assert_int_equal(fdb_check(&smaller), 0);
	assert_int_equal(fdb_lookup(&smaller, m, 2000), 3);
	assert_int_equal(smaller.stats.flushed, t.stats.flushed + 25);
}

/* Learned addresses per port: a port at its limit learns no new address
 * and gets none moved to it, counted; statics and exempt ports are not
 * limited; removals give room back. */
static void test_port_limit(void **state)
{
	struct fdb t;
	uint8_t m[6];

	(void)state;
	setup_table(&t, 1024);
	fdb_set_port_limit(&t, 8);
	for (uint32_t i = 0; i < 8; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 1, 1000), FDB_NEW);
	}
	mac_of(100, m);
	assert_int_equal(fdb_learn(&t, m, 1, 1000), -ENOSPC);
	assert_int_equal(t.stats.refused_port, 1);
	assert_int_equal(fdb_lookup(&t, m, 1000), -1);
	/* Other ports are not affected; nor statics. */
	assert_int_equal(fdb_learn(&t, m, 2, 1000), FDB_NEW);
	mac_of(101, m);
	assert_int_equal(fdb_add_static(&t, m, 1), 0);
	/* A move into the full port is refused; the address stays where it was. */
	mac_of(100, m);
	assert_int_equal(fdb_learn(&t, m, 1, 1001), -ENOSPC);
	assert_int_equal(fdb_lookup(&t, m, 1001), 2);
	/* A removal gives room back; so does aging. */
	mac_of(3, m);
	assert_int_equal(fdb_del(&t, m), 0);
	mac_of(100, m);
	assert_int_equal(fdb_learn(&t, m, 1, 1002), FDB_MOVED);
	mac_of(102, m);
	assert_int_equal(fdb_learn(&t, m, 1, 1003), -ENOSPC);
	fdb_age(&t, 1000 + AGE_MS + 10, 1u << 20);
	assert_int_equal(fdb_learn(&t, m, 1, 1000 + AGE_MS + 10), FDB_NEW);
	/* An exempt port (the uplink) has no limit. */
	fdb_set_unlimited(&t, 5, true);
	for (uint32_t i = 200; i < 220; i++) {
		mac_of(i, m);
		assert_int_equal(fdb_learn(&t, m, 5, 1000 + AGE_MS + 20), FDB_NEW);
	}
	assert_int_equal(t.learned[5], 20);
	assert_int_equal(fdb_check(&t), 0);
	/* Flushing the port empties its count. */
	fdb_flush_port(&t, 5, false);
	assert_int_equal(t.learned[5], 0);
	assert_int_equal(fdb_check(&t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),	     cmocka_unit_test(test_learn_refresh_move),
		cmocka_unit_test(test_aging),	     cmocka_unit_test(test_time_wrap),
		cmocka_unit_test(test_full),	     cmocka_unit_test(test_full_reuse_expired),
		cmocka_unit_test(test_bad_sources),  cmocka_unit_test(test_delete_collisions),
		cmocka_unit_test(test_probe_bound),  cmocka_unit_test(test_delete_far),
		cmocka_unit_test(test_age_run),	     cmocka_unit_test(test_flush_port),
		cmocka_unit_test(test_age_bounded),  cmocka_unit_test(test_static),
		cmocka_unit_test(test_next),	     cmocka_unit_test(test_large),
		cmocka_unit_test(test_random_model), cmocka_unit_test(test_copy),
		cmocka_unit_test(test_port_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
