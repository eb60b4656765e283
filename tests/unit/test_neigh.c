/*
 * Unit tests for net/nat/neigh.c: resolving a new address, retries and
 * failure with its hold, confirmation with and without creating, MAC
 * changes, REACHABLE going STALE and asking again, removal by the sweep,
 * per-network shares and the total capacity, one address on two
 * networks, flushing a network, the probe bound under collisions, a
 * wrapping clock, ARP parsing of good, malformed, truncated and padded
 * frames, the request builder, the show output, and a long randomized
 * run against a plain reference model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net/nat/neigh.h"

#define SEED	  0x5eed5eed12345678ull
#define REACH	  NEIGH_REACHABLE_DEFAULT
#define RETRY	  NEIGH_RETRY_DEFAULT
#define TRIES	  NEIGH_TRIES_DEFAULT
#define HOLD	  NEIGH_FAILED_HOLD
#define IP(i)	  (0x0a000000u | (uint32_t)(i)) /* 10.0.0.0/8 */
#define NOMAX	  64
#define BIGBUDGET (1u << 20)

static struct neigh_entry slots[1u << 17];

/* A locally administered unicast address numbered (i), variant (v). */
static void mac_of(uint32_t i, uint8_t v, uint8_t m[6])
{
	m[0] = 0x02;
	m[1] = v;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

static void setup_table(struct neigh *t, uint32_t capacity, uint32_t share)
{
	uint32_t n = neigh_nslots(capacity);

	assert_true(n > 0 && n <= sizeof(slots) / sizeof(slots[0]));
	assert_int_equal(neigh_init(t, slots, n, capacity, share, SEED), 0);
}

/* Resolves and checks the result, the ask and (for NEIGH_USE) the MAC. */
static void expect_resolve(struct neigh *t, uint8_t net, uint32_t ip, uint32_t now, int want,
			   bool want_ask, const uint8_t *want_mac)
{
	uint8_t mac[6] = {0};
	bool ask = !want_ask;

	assert_int_equal(neigh_resolve(t, net, ip, now, mac, &ask), want);
	assert_int_equal(ask, want_ask);
	if (want_mac != NULL)
		assert_memory_equal(mac, want_mac, 6);
	assert_int_equal(neigh_check(t), 0);
}

/* A full sweep at (now); returns the count reported and fills the lists. */
static int sweep(struct neigh *t, uint32_t now, struct neigh_addr *due, unsigned *ndue,
		 struct neigh_addr *failed, unsigned *nfailed)
{
	int n = neigh_tick(t, now, BIGBUDGET, due, NOMAX, ndue, failed, nfailed);

	assert_int_equal(n, (int)(*ndue + *nfailed));
	assert_int_equal(neigh_check(t), 0);
	return n;
}

static void test_init(void **state)
{
	struct neigh t;

	(void)state;
	assert_int_equal(neigh_nslots(0), 0);
	assert_int_equal(neigh_nslots(1), 2);
	assert_int_equal(neigh_nslots(4), 8);
	assert_int_equal(neigh_nslots(5), 16);
	assert_int_equal(neigh_nslots(NEIGH_CAPACITY_MAX), 2 * NEIGH_CAPACITY_MAX);
	assert_int_equal(neigh_nslots(NEIGH_CAPACITY_MAX + 1), 0);
	assert_int_equal(neigh_init(&t, slots, 16, 9, 9, SEED), -EINVAL); /* over half */
	assert_int_equal(neigh_init(&t, slots, 24, 8, 8, SEED), -EINVAL); /* not 2^n */
	assert_int_equal(neigh_init(&t, slots, 0, 8, 8, SEED), -EINVAL);  /* no slots */
	assert_int_equal(neigh_init(&t, slots, 16, 0, 1, SEED), -EINVAL); /* no capacity */
	assert_int_equal(neigh_init(&t, slots, 16, 8, 0, SEED), -EINVAL); /* no share */
	assert_int_equal(neigh_init(&t, slots, 16, 8, 9, SEED), -EINVAL); /* share > capacity */
	assert_int_equal(neigh_init(&t, NULL, 16, 8, 8, SEED), -EINVAL);
	assert_int_equal(neigh_init(&t, slots, 1u << 18, NEIGH_CAPACITY_MAX + 1, 1, SEED), -EINVAL);
	assert_int_equal(neigh_init(&t, slots, 1u << 17, NEIGH_CAPACITY_MAX, 1, SEED), 0);
	assert_int_equal(neigh_init(&t, slots, 64, 8, 8, SEED), 0); /* larger array: fine */
	assert_int_equal(neigh_init(&t, slots, 16, 8, 3, SEED), 0);
	assert_int_equal(t.mask, 15);
	assert_int_equal(t.probe, 16);
	assert_int_equal(t.capacity, 8);
	assert_int_equal(t.share, 3);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.reachable_ms, REACH);
	assert_int_equal(t.retry_ms, RETRY);
	assert_int_equal(t.tries, TRIES);
	assert_int_equal(neigh_check(&t), 0);
	setup_table(&t, 1000, 100);
	assert_int_equal(t.probe, NEIGH_PROBE_MAX);
}

/* A new address asks once; frames wait until the answer; then it is used. */
static void test_resolve_confirm(void **state)
{
	struct neigh t;
	uint8_t m[6];

	(void)state;
	setup_table(&t, 64, 64);
	mac_of(1, 0, m);
	expect_resolve(&t, 0, IP(1), 1000, NEIGH_REQUEST, true, NULL);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.per_net[0], 1);
	expect_resolve(&t, 0, IP(1), 1000, NEIGH_WAIT, false, NULL);
	expect_resolve(&t, 0, IP(1), 1000 + RETRY - 1, NEIGH_WAIT, false, NULL);
	assert_int_equal(t.stats.requests, 1);
	assert_int_equal(t.stats.misses, 3);
	assert_int_equal(neigh_confirm(&t, 0, IP(1), m, 1500, false), 1);
	expect_resolve(&t, 0, IP(1), 1600, NEIGH_USE, false, m);
	assert_int_equal(t.stats.hits, 1);
	assert_int_equal(t.stats.confirmed, 1);
	/* A second confirmation resolves nothing new. */
	assert_int_equal(neigh_confirm(&t, 0, IP(1), m, 1700, false), 0);
	assert_int_equal(t.stats.confirmed, 2);
	assert_int_equal(t.stats.changed, 0);
	assert_int_equal(t.count, 1);
	/* Out-of-range network numbers are refused, not stored. */
	bool ask = true;
	assert_int_equal(neigh_resolve(&t, NEIGH_NETS, IP(1), 0, m, &ask), -EINVAL);
	assert_false(ask);
	assert_int_equal(neigh_confirm(&t, NEIGH_NETS, IP(1), m, 0, true), -EINVAL);
	assert_int_equal(t.count, 1);
	assert_int_equal(neigh_check(&t), 0);
}

static void test_confirm_create(void **state)
{
	struct neigh t;
	uint8_t m[6], m2[6];

	(void)state;
	setup_table(&t, 64, 64);
	mac_of(7, 0, m);
	mac_of(7, 1, m2);
	assert_int_equal(neigh_confirm(&t, 2, IP(7), m, 100, false), 0);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.stats.confirmed, 0);
	assert_int_equal(neigh_confirm(&t, 2, IP(7), m, 100, true), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.per_net[2], 1);
	expect_resolve(&t, 2, IP(7), 200, NEIGH_USE, false, m);
	/* The other network knows nothing of it. */
	expect_resolve(&t, 3, IP(7), 200, NEIGH_REQUEST, true, NULL);
	/* Another MAC: counted, and used from then on. */
	assert_int_equal(neigh_confirm(&t, 2, IP(7), m2, 300, false), 0);
	assert_int_equal(t.stats.changed, 1);
	expect_resolve(&t, 2, IP(7), 300, NEIGH_USE, false, m2);
	assert_int_equal(neigh_confirm(&t, 2, IP(7), m2, 300, true), 0);
	assert_int_equal(t.stats.changed, 1);
	assert_int_equal(t.stats.confirmed, 3);
	assert_int_equal(t.count, 2);
}

/*
 * Unanswered: a retry every retry_ms, from neigh_tick() or neigh_resolve(),
 * never two within one interval; FAILED after (tries); dropped during the
 * hold; then removed, and asked for again as new.
 */
static void test_retries_fail(void **state)
{
	struct neigh_addr due[NOMAX], failed[NOMAX];
	unsigned nd, nf;
	struct neigh t;
	uint32_t t0 = 5000;

	(void)state;
	setup_table(&t, 64, 64);
	expect_resolve(&t, 1, IP(9), t0, NEIGH_REQUEST, true, NULL);
	assert_int_equal(sweep(&t, t0 + RETRY - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(sweep(&t, t0 + RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(nd, 1);
	assert_int_equal(nf, 0);
	assert_int_equal(due[0].net, 1);
	assert_int_equal(due[0].ip, IP(9));
	assert_int_equal(t.stats.requests, 2);
	/* The tick's request counts for the interval: resolve waits. */
	expect_resolve(&t, 1, IP(9), t0 + 2 * RETRY - 1, NEIGH_WAIT, false, NULL);
	/* The third request comes from resolve. */
	expect_resolve(&t, 1, IP(9), t0 + 2 * RETRY, NEIGH_REQUEST, true, NULL);
	assert_int_equal(sweep(&t, t0 + 2 * RETRY + 10, due, &nd, failed, &nf), 0);
	assert_int_equal(t.stats.requests, TRIES);
	/* Out of tries: resolve keeps waiting; the tick fails it. */
	expect_resolve(&t, 1, IP(9), t0 + 3 * RETRY, NEIGH_WAIT, false, NULL);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(nd, 0);
	assert_int_equal(nf, 1);
	assert_int_equal(failed[0].net, 1);
	assert_int_equal(failed[0].ip, IP(9));
	assert_int_equal(t.stats.failed, 1);
	assert_int_equal(t.stats.requests, TRIES);
	/* The hold: dropped at once, no request. */
	expect_resolve(&t, 1, IP(9), t0 + 3 * RETRY, -EHOSTUNREACH, false, NULL);
	expect_resolve(&t, 1, IP(9), t0 + 3 * RETRY + HOLD - 1, -EHOSTUNREACH, false, NULL);
	assert_int_equal(t.stats.dropped_failed, 2);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY + HOLD - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY + HOLD, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.stats.expired, 1);
	expect_resolve(&t, 1, IP(9), t0 + 3 * RETRY + HOLD, NEIGH_REQUEST, true, NULL);
	assert_int_equal(t.stats.requests, TRIES + 1);
}

/* Past the hold, a FAILED entry not yet swept is asked for again in place. */
static void test_failed_hold_ends(void **state)
{
	struct neigh_addr due[NOMAX], failed[NOMAX];
	unsigned nd, nf, k;
	struct neigh t;
	uint8_t m[6];

	(void)state;
	setup_table(&t, 64, 64);
	mac_of(3, 0, m);
	expect_resolve(&t, 0, IP(3), 0, NEIGH_REQUEST, true, NULL);
	for (k = 1; k <= TRIES; k++)
		assert_int_equal(sweep(&t, k * RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(nf, 1);
	expect_resolve(&t, 0, IP(3), TRIES * RETRY + HOLD, NEIGH_REQUEST, true, NULL);
	assert_int_equal(t.count, 1);
	/* A FAILED address that answers after all is usable at once. */
	for (k = 1; k <= TRIES; k++)
		sweep(&t, TRIES * RETRY + HOLD + k * RETRY, due, &nd, failed, &nf);
	assert_int_equal(nf, 1);
	assert_int_equal(t.stats.failed, 2);
	expect_resolve(&t, 0, IP(3), 2 * TRIES * RETRY + HOLD, -EHOSTUNREACH, false, NULL);
	assert_int_equal(neigh_confirm(&t, 0, IP(3), m, 2 * TRIES * RETRY + HOLD, false), 0);
	expect_resolve(&t, 0, IP(3), 2 * TRIES * RETRY + HOLD, NEIGH_USE, false, m);
}

/*
 * REACHABLE for reachable_ms after each confirmation; then STALE: still
 * used, asked again once per retry_ms, FAILED after (tries) unanswered
 * asks; an answer makes it REACHABLE again.
 */
static void test_stale(void **state)
{
	struct neigh t;
	uint8_t m[6], m2[6];
	uint32_t t0 = 1000, s;
	unsigned k;

	(void)state;
	setup_table(&t, 64, 64);
	mac_of(4, 0, m);
	mac_of(4, 9, m2);
	assert_int_equal(neigh_confirm(&t, 0, IP(4), m, t0, true), 0);
	expect_resolve(&t, 0, IP(4), t0 + REACH - 1, NEIGH_USE, false, m);
	s = t0 + REACH;
	expect_resolve(&t, 0, IP(4), s, NEIGH_USE, true, m);
	expect_resolve(&t, 0, IP(4), s + RETRY - 1, NEIGH_USE, false, m);
	expect_resolve(&t, 0, IP(4), s + RETRY, NEIGH_USE, true, m);
	/* The answer: REACHABLE again for a full reachable_ms. */
	assert_int_equal(neigh_confirm(&t, 0, IP(4), m, s + RETRY + 5, false), 0);
	expect_resolve(&t, 0, IP(4), s + RETRY + 6, NEIGH_USE, false, m);
	expect_resolve(&t, 0, IP(4), s + RETRY + 5 + REACH - 1, NEIGH_USE, false, m);
	assert_int_equal(t.stats.requests, 2);
	/* Stale again, never answered: (tries) asks, then FAILED. */
	s = s + RETRY + 5 + REACH;
	for (k = 0; k < TRIES; k++) {
		expect_resolve(&t, 0, IP(4), s + k * RETRY, NEIGH_USE, true, m);
		expect_resolve(&t, 0, IP(4), s + k * RETRY + RETRY / 2, NEIGH_USE, false, m);
	}
	assert_int_equal(t.stats.failed, 0);
	expect_resolve(&t, 0, IP(4), s + TRIES * RETRY, -EHOSTUNREACH, false, NULL);
	assert_int_equal(t.stats.failed, 1);
	assert_int_equal(t.stats.dropped_failed, 1);
	assert_int_equal(t.stats.requests, 2 + TRIES);
	expect_resolve(&t, 0, IP(4), s + TRIES * RETRY + HOLD - 1, -EHOSTUNREACH, false, NULL);
	/* A STALE entry that answers with another MAC: counted as changed. */
	assert_int_equal(neigh_confirm(&t, 1, IP(4), m, 0, true), 0);
	expect_resolve(&t, 1, IP(4), REACH, NEIGH_USE, true, m);
	assert_int_equal(neigh_confirm(&t, 1, IP(4), m2, REACH + 1, false), 0);
	assert_int_equal(t.stats.changed, 1);
	expect_resolve(&t, 1, IP(4), REACH + 2, NEIGH_USE, false, m2);
}

/*
 * What the sweep removes, and when: a REACHABLE entry unused for
 * reachable_ms after going stale, a STALE one reachable_ms after its last
 * request; never an INCOMPLETE one. Such an entry is absent at once.
 */
static void test_tick_removal(void **state)
{
	struct neigh_addr due[NOMAX], failed[NOMAX];
	unsigned nd, nf;
	struct neigh t;
	uint8_t a[6], b[6];

	(void)state;
	setup_table(&t, 64, 64);
	mac_of(1, 0, a);
	mac_of(2, 0, b);
	assert_int_equal(neigh_confirm(&t, 0, IP(1), a, 0, true), 0);
	assert_int_equal(neigh_confirm(&t, 0, IP(2), b, 0, true), 0);
	expect_resolve(&t, 0, IP(2), REACH + 10, NEIGH_USE, true, b); /* STALE, asked */
	assert_int_equal(sweep(&t, 2 * REACH - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 2);
	assert_int_equal(sweep(&t, 2 * REACH, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 1); /* IP(1) unused since going stale */
	assert_int_equal(t.stats.expired, 1);
	assert_int_equal(sweep(&t, 2 * REACH + 9, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 1);
	/* Dead but not yet swept: absent to confirm and resolve alike. */
	assert_int_equal(neigh_confirm(&t, 0, IP(2), b, 2 * REACH + 10, false), 0);
	assert_int_equal(t.stats.confirmed, 2);
	expect_resolve(&t, 0, IP(2), 2 * REACH + 10, NEIGH_REQUEST, true, NULL);
	assert_int_equal(t.count, 1);
	/* Re-created in place by a confirmation that may create. */
	assert_int_equal(neigh_confirm(&t, 0, IP(1), a, 0, true), 0);
	assert_int_equal(neigh_confirm(&t, 0, IP(1), b, 2 * REACH, true), 0);
	assert_int_equal(t.stats.changed, 0); /* the old entry was dead */
	assert_int_equal(t.count, 2);
	expect_resolve(&t, 0, IP(1), 2 * REACH, NEIGH_USE, false, b);
	assert_int_equal(neigh_check(&t), 0);
}

/* neigh_tick() looks at (budget) slots per call, resumes where it left,
 * and reports at most (max) per list, holding back the rest. */
static void test_tick_budget(void **state)
{
	struct neigh_addr due[4], failed[4];
	unsigned nd, nf, total = 0, calls = 0;
	struct neigh t;
	uint32_t i, prev;
	int n;

	(void)state;
	setup_table(&t, 512, 512); /* 1024 slots */
	for (i = 0; i < 100; i++)
		expect_resolve(&t, (uint8_t)(i % 4), IP(i), 0, NEIGH_REQUEST, true, NULL);
	assert_int_equal(neigh_tick(&t, RETRY - 1, 1024, due, 4, &nd, failed, &nf), 0);
	assert_int_equal(t.cursor, 0); /* a full circle */
	/* Budget 0 does nothing. */
	assert_int_equal(neigh_tick(&t, RETRY, 0, due, 4, &nd, failed, &nf), 0);
	while (total < 100) {
		prev = t.cursor;
		n = neigh_tick(&t, RETRY, 16, due, 4, &nd, failed, &nf);
		assert_true(n >= 0 && n <= 4);
		assert_int_equal(nf, 0);
		assert_int_equal((unsigned)n, nd);
		assert_true(((t.cursor - prev) & t.mask) <= 16);
		total += nd;
		assert_true(++calls <= 1024);
	}
	assert_int_equal(total, 100);
	assert_int_equal(t.stats.requests, 200);
	/* Nothing more is due within the interval. */
	assert_int_equal(neigh_tick(&t, RETRY + 1, 2048, due, 4, &nd, failed, &nf), 0);
	/* With no room in the lists, the walk stops at the entry. */
	assert_int_equal(neigh_tick(&t, 2 * RETRY, 2048, NULL, 0, &nd, NULL, &nf), 0);
	prev = t.cursor;
	assert_int_equal(neigh_tick(&t, 2 * RETRY, 2048, NULL, 0, &nd, NULL, &nf), 0);
	assert_int_equal(t.cursor, prev);
	assert_int_equal(t.slot[prev].state, NEIGH_INCOMPLETE);
	assert_int_equal(t.stats.requests, 200);
	/* Failures fill their own list likewise. */
	for (total = 0, calls = 0; total < 100; calls++) {
		n = neigh_tick(&t, 3 * RETRY, 64, due, 4, &nd, failed, &nf);
		total += nd;
		assert_int_equal(nf, 0);
		assert_true(calls < 1024);
	}
	for (total = 0, calls = 0; total < 100; calls++) {
		n = neigh_tick(&t, 4 * RETRY, 64, due, 4, &nd, failed, &nf);
		assert_int_equal(nd, 0);
		total += nf;
		assert_true(calls < 1024);
	}
	assert_int_equal(t.stats.failed, 100);
	/* The removal sweep after the hold: about slots / budget calls. */
	for (calls = 0; t.count > 0; calls++) {
		n = neigh_tick(&t, 4 * RETRY + HOLD, 32, due, 4, &nd, failed, &nf);
		assert_int_equal(n, 0);
		assert_true(calls < 4 * 1024 / 32);
	}
	assert_int_equal(t.stats.expired, 100);
	assert_int_equal(neigh_check(&t), 0);
	/* An empty table: returns at once. */
	assert_int_equal(neigh_tick(&t, 0, 100, due, 4, &nd, failed, &nf), 0);
}

/* Each network holds at most its share, all together at most the
 * capacity; refusals are counted and evict nothing. */
static void test_share_capacity(void **state)
{
	struct neigh t;
	uint8_t m[6];
	uint32_t i;

	(void)state;
	setup_table(&t, 8, 3);
	for (i = 0; i < 3; i++)
		expect_resolve(&t, 0, IP(i), 0, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 0, IP(3), 0, -ENOSPC, false, NULL);
	mac_of(3, 0, m);
	assert_int_equal(neigh_confirm(&t, 0, IP(3), m, 0, true), -ENOSPC);
	assert_int_equal(neigh_confirm(&t, 0, IP(3), m, 0, false), 0);
	assert_int_equal(t.stats.refused_full, 2);
	assert_int_equal(t.per_net[0], 3);
	/* Other networks are not affected. */
	for (i = 0; i < 3; i++) {
		mac_of(i, 0, m);
		assert_int_equal(neigh_confirm(&t, 1, IP(i), m, 0, true), 0);
	}
	expect_resolve(&t, 2, IP(0), 0, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 2, IP(1), 0, NEIGH_REQUEST, true, NULL);
	assert_int_equal(t.count, 8);
	/* Full: network 3 has its whole share but the table has no room. */
	expect_resolve(&t, 3, IP(0), 0, -ENOSPC, false, NULL);
	expect_resolve(&t, 2, IP(2), 0, -ENOSPC, false, NULL);
	assert_int_equal(t.stats.refused_full, 4);
	assert_int_equal(t.stats.refused_probe, 0);
	/* Known addresses still work: confirmed, used. */
	mac_of(0, 0, m);
	assert_int_equal(neigh_confirm(&t, 0, IP(0), m, 10, false), 1);
	expect_resolve(&t, 0, IP(0), 10, NEIGH_USE, false, m);
	expect_resolve(&t, 1, IP(0), 10, NEIGH_USE, false, m);
	expect_resolve(&t, 0, IP(1), 10, NEIGH_WAIT, false, NULL);
	/* Flushing a network makes room for others. */
	neigh_flush_net(&t, 1);
	assert_int_equal(t.count, 5);
	assert_int_equal(t.per_net[1], 0);
	expect_resolve(&t, 1, IP(0), 10, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 3, IP(0), 10, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 3, IP(1), 10, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 3, IP(2), 10, -ENOSPC, false, NULL);
	assert_int_equal(neigh_check(&t), 0);
}

/* One address on two networks: two entries, each its own. */
static void test_two_networks(void **state)
{
	struct neigh t;
	uint8_t a[6], b[6];
	uint32_t i;

	(void)state;
	setup_table(&t, 64, 32);
	mac_of(1, 1, a);
	mac_of(1, 2, b);
	assert_int_equal(neigh_confirm(&t, 5, IP(1), a, 0, true), 0);
	assert_int_equal(neigh_confirm(&t, 6, IP(1), b, 0, true), 0);
	assert_int_equal(t.stats.changed, 0);
	assert_int_equal(t.count, 2);
	expect_resolve(&t, 5, IP(1), 0, NEIGH_USE, false, a);
	expect_resolve(&t, 6, IP(1), 0, NEIGH_USE, false, b);
	expect_resolve(&t, NEIGH_NETS - 1, IP(1), 0, NEIGH_REQUEST, true, NULL);
	for (i = 2; i < 20; i++) {
		assert_int_equal(neigh_confirm(&t, 5, IP(i), a, 0, true), 0);
		assert_int_equal(neigh_confirm(&t, 6, IP(i), b, 0, true), 0);
	}
	neigh_flush_net(&t, 5);
	assert_int_equal(t.per_net[5], 0);
	assert_int_equal(t.per_net[6], 19);
	assert_int_equal(t.count, 20);
	for (i = 1; i < 20; i++) {
		expect_resolve(&t, 6, IP(i), 0, NEIGH_USE, false, b);
		assert_int_equal(neigh_confirm(&t, 5, IP(i), a, 0, false), 0);
	}
	assert_int_equal(t.per_net[5], 0);
	neigh_flush_net(&t, 200); /* no such network: nothing happens */
	neigh_flush_net(&t, 6);
	neigh_flush_net(&t, NEIGH_NETS - 1);
	assert_int_equal(t.count, 0);
	for (i = 0; i <= t.mask; i++)
		assert_int_equal(t.slot[i].state, NEIGH_FREE);
	assert_int_equal(neigh_check(&t), 0);
}

/* The home slot of (net, ip), found by storing it alone in (t). */
static uint32_t home_of(struct neigh *t, uint8_t net, uint32_t ip)
{
	uint8_t m[6] = {2, 0, 0, 0, 0, 1};
	uint32_t i;

	neigh_flush_net(t, net);
	assert_int_equal(t->count, 0);
	assert_int_equal(neigh_confirm(t, net, ip, m, 0, true), 0);
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i].state != NEIGH_FREE)
			break;
	neigh_flush_net(t, net);
	return i;
}

/*
 * Colliding addresses on several networks, some runs wrapping past the
 * last slot: at most NEIGH_PROBE_MAX share a home, the rest are refused;
 * removing any of them keeps the others reachable.
 */
static void test_collisions(void **state)
{
	static struct {
		uint8_t net;
		uint32_t ip;
	} c[NEIGH_PROBE_MAX + 4];
	struct neigh_addr due[NOMAX], failed[NOMAX];
	unsigned nd, nf;
	struct neigh t;
	uint8_t m[6];
	uint32_t next = 0, home, k, round, kept;

	(void)state;
	for (round = 0; round < 4; round++) {
		setup_table(&t, 64, 64); /* 128 slots */
		home = round % 2 ? t.mask - 3 : 40 * round;
		for (k = 0; k < NEIGH_PROBE_MAX + 4; next++) {
			c[k].net = (uint8_t)(next % 5);
			c[k].ip = IP(next);
			if (home_of(&t, c[k].net, c[k].ip) == home)
				k++;
			assert_true(next < 100000);
		}
		for (k = 0; k < NEIGH_PROBE_MAX; k++) {
			mac_of(k, 0, m);
			assert_int_equal(neigh_confirm(&t, c[k].net, c[k].ip, m, 0, true), 0);
		}
		for (; k < NEIGH_PROBE_MAX + 4; k++) {
			expect_resolve(&t, c[k].net, c[k].ip, 0, -ENOSPC, false, NULL);
			mac_of(k, 0, m);
			assert_int_equal(neigh_confirm(&t, c[k].net, c[k].ip, m, 0, true), -ENOSPC);
		}
		assert_int_equal(t.stats.refused_probe, 8);
		assert_int_equal(t.stats.refused_full, 0);
		assert_int_equal(neigh_check(&t), 0);
		/* Keep a third alive by using them once stale; the sweep at
		 * 2 * REACH removes the others from the middle of the run. */
		for (kept = 0, k = 0; k < NEIGH_PROBE_MAX; k++)
			if ((k + round) % 3 == 0) {
				expect_resolve(&t, c[k].net, c[k].ip, REACH + 500, NEIGH_USE, true,
					       NULL);
				kept++;
			}
		assert_int_equal(sweep(&t, 2 * REACH, due, &nd, failed, &nf), 0);
		assert_int_equal(t.count, kept);
		assert_int_equal(t.stats.expired, NEIGH_PROBE_MAX - kept);
		for (k = 0; k < NEIGH_PROBE_MAX; k++) {
			mac_of(k, 0, m);
			expect_resolve(&t, c[k].net, c[k].ip, 2 * REACH,
				       (k + round) % 3 == 0 ? NEIGH_USE : NEIGH_REQUEST, true,
				       (k + round) % 3 == 0 ? m : NULL);
		}
		/* Flush one network from the run. */
		neigh_flush_net(&t, (uint8_t)round);
		for (k = 0; k < NEIGH_PROBE_MAX; k++)
			assert_int_equal(neigh_confirm(&t, c[k].net, c[k].ip, m, 2 * REACH, false),
					 c[k].net == round ? 0 : (k + round) % 3 != 0);
		assert_int_equal(neigh_check(&t), 0);
	}
}

/* Ages are differences modulo 2^32: the millisecond clock may wrap. */
static void test_time_wrap(void **state)
{
	struct neigh_addr due[NOMAX], failed[NOMAX];
	unsigned nd, nf;
	struct neigh t;
	uint8_t m[6];
	uint32_t t0 = 0xffffffffu - RETRY / 2;

	(void)state;
	setup_table(&t, 16, 16);
	mac_of(1, 0, m);
	expect_resolve(&t, 0, IP(1), t0, NEIGH_REQUEST, true, NULL);
	expect_resolve(&t, 0, IP(1), t0 + RETRY - 1, NEIGH_WAIT, false, NULL); /* past 0 */
	assert_int_equal(sweep(&t, t0 + RETRY - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(sweep(&t, t0 + RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(sweep(&t, t0 + 2 * RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY, due, &nd, failed, &nf), 1);
	assert_int_equal(nf, 1);
	expect_resolve(&t, 0, IP(1), t0 + 3 * RETRY + HOLD - 1, -EHOSTUNREACH, false, NULL);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY + HOLD - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(sweep(&t, t0 + 3 * RETRY + HOLD, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 0);
	/* A confirmation just before the wrap stays REACHABLE across it. */
	assert_int_equal(neigh_confirm(&t, 0, IP(2), m, 0xfffffff0u, true), 0);
	expect_resolve(&t, 0, IP(2), 0x10, NEIGH_USE, false, m);
	expect_resolve(&t, 0, IP(2), 0xfffffff0u + REACH - 1, NEIGH_USE, false, m);
	expect_resolve(&t, 0, IP(2), 0xfffffff0u + REACH, NEIGH_USE, true, m);
	assert_int_equal(sweep(&t, 0xfffffff0u + 2 * REACH - 1, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(sweep(&t, 0xfffffff0u + 2 * REACH, due, &nd, failed, &nf), 0);
	assert_int_equal(t.count, 0);
}

/* A good frame: Ethernet header then the ARP message, (op) from host 1. */
static void arp_frame(uint8_t f[60], uint16_t op)
{
	static const uint8_t src[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t hdr[22] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x11,
					0x22, 0x33, 0x44, 0x55, 0x08, 0x06, 0x00, 0x01,
					0x08, 0x00, 6,	  4,	0x00, 0x01};

	memset(f, 0, 60);
	memcpy(f, hdr, sizeof(hdr));
	f[21] = (uint8_t)op;
	memcpy(f + 22, src, 6);
	memcpy(f + 28, (const uint8_t[]){192, 168, 1, 10}, 4);
	if (op == 2)
		memcpy(f + 32, (const uint8_t[]){0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}, 6);
	memcpy(f + 38, (const uint8_t[]){192, 168, 1, 1}, 4);
	memset(f + 42, 0xa5, 18); /* padding */
}

static void test_arp_parse(void **state)
{
	/* Byte (off) set to (val) makes the frame bad. */
	static const struct {
		unsigned off;
		uint8_t val;
	} bad[] = {
		{12, 0x88}, {13, 0x00}, /* ethertype 0x8806, 0x0800 */
		{12, 0x81},		/* ethertype 0x8106: not 0x0806 */
		{14, 0x01}, {15, 0x06}, /* htype 0x0106 (IEEE 802: 6) */
		{15, 0x00}, {16, 0x86}, /* ptype 0x86dd */
		{17, 0x06}, {18, 8},	/* hlen */
		{18, 0},    {19, 6},	/* plen */
		{19, 16},   {20, 1},	/* op 0x0101 */
		{21, 0},    {21, 3},	/* op 0, 3 */
		{21, 8},    {22, 0x03}, /* sender MAC multicast */
		{22, 0x01}, {27, 0x56}, /* sender MAC differs from the source */
		{6, 0x04},  {11, 0x54}, /* source differs from the sender MAC */
	};
	struct neigh_arp arp;
	struct neigh t;
	uint8_t f[80], g[80];
	size_t len, k;
	uint64_t nbad = 0;

	(void)state;
	setup_table(&t, 8, 8);
	arp_frame(f, 1);
	assert_int_equal(neigh_arp_parse(&t, f, NEIGH_ARP_LEN, &arp), 0);
	assert_int_equal(arp.op, 1);
	assert_memory_equal(arp.sha, f + 6, 6);
	assert_int_equal(arp.spa, 0xc0a8010au);
	assert_memory_equal(arp.tha, (const uint8_t[6]){0}, 6);
	assert_int_equal(arp.tpa, 0xc0a80101u);
	assert_int_equal(neigh_arp_parse(&t, f, 60, &arp), 0); /* padded */
	assert_int_equal(neigh_arp_parse(NULL, f, 60, &arp), 0);
	arp_frame(f, 2);
	memset(f, 0, 6); /* a reply's destination is not checked here */
	assert_int_equal(neigh_arp_parse(&t, f, 60, &arp), 0);
	assert_int_equal(arp.op, 2);
	assert_memory_equal(arp.tha, ((const uint8_t[]){0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}), 6);
	/* An RFC 5227 probe: sender address 0, still a well-formed ARP. */
	arp_frame(f, 1);
	memset(f + 28, 0, 4);
	assert_int_equal(neigh_arp_parse(&t, f, 60, &arp), 0);
	assert_int_equal(arp.spa, 0);
	assert_int_equal(t.stats.arp_bad, 0);
	/* Every length short of 42 bytes, from a buffer just that long (ASan
	 * would see a read past it). */
	arp_frame(f, 1);
	for (len = 0; len < NEIGH_ARP_LEN; len++) {
		uint8_t *p = test_malloc(len ? len : 1);

		memcpy(p, f, len);
		memset(&arp, 0x5a, sizeof(arp));
		assert_int_equal(neigh_arp_parse(&t, p, len, &arp), -EINVAL);
		assert_int_equal(arp.op, 0x5a5a); /* untouched */
		test_free(p);
		assert_int_equal(t.stats.arp_bad, ++nbad);
	}
	assert_int_equal(neigh_arp_parse(&t, NULL, 60, &arp), -EINVAL);
	assert_int_equal(t.stats.arp_bad, ++nbad);
	/* Exactly 42 bytes in a buffer of 42. */
	{
		uint8_t *p = test_malloc(NEIGH_ARP_LEN);

		memcpy(p, f, NEIGH_ARP_LEN);
		assert_int_equal(neigh_arp_parse(&t, p, NEIGH_ARP_LEN, &arp), 0);
		test_free(p);
	}
	/* Every malformed field, in a request and in a reply. */
	for (k = 0; k < 2 * sizeof(bad) / sizeof(bad[0]); k++) {
		arp_frame(g, (uint16_t)(1 + k % 2));
		g[bad[k / 2].off] = bad[k / 2].val;
		assert_int_equal(neigh_arp_parse(&t, g, 60, &arp), -EINVAL);
		assert_int_equal(neigh_arp_parse(NULL, g, 60, &arp), -EINVAL);
		assert_int_equal(t.stats.arp_bad, ++nbad);
	}
	/* A zero or broadcast sender MAC, matching the source or not. */
	arp_frame(g, 2);
	memset(g + 6, 0, 6);
	memset(g + 22, 0, 6);
	assert_int_equal(neigh_arp_parse(&t, g, 60, &arp), -EINVAL);
	memset(g + 6, 0xff, 6);
	memset(g + 22, 0xff, 6);
	assert_int_equal(neigh_arp_parse(&t, g, 60, &arp), -EINVAL);
	nbad += 2;
	/* 802.1Q: the same message behind a tag is not ARP here. */
	arp_frame(f, 1);
	memcpy(g, f, 12);
	memcpy(g + 12, (const uint8_t[]){0x81, 0x00, 0x00, 0x05}, 4);
	memcpy(g + 16, f + 12, 48);
	assert_int_equal(neigh_arp_parse(&t, g, 64, &arp), -EINVAL);
	assert_int_equal(t.stats.arp_bad, ++nbad);
	/* Each bad byte is a change from both good frames. */
	arp_frame(g, 2);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_not_equal(f[bad[k].off], bad[k].val);
		assert_int_not_equal(g[bad[k].off], bad[k].val);
	}
	assert_int_equal(t.stats.arp_bad, nbad);
}

/* The request builder's frame parses back to what it was asked for. */
static void test_arp_request(void **state)
{
	static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
	static const uint8_t want[NEIGH_ARP_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30,
		10,   0,    0,	  1,	0,    0,    0,	  0,	0,    0,    10,	  0,	0,    42,
	};
	struct neigh_arp arp;
	uint8_t buf[NEIGH_ARP_LEN + 8];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(neigh_arp_request(buf, mac, IP(1), IP(42)), NEIGH_ARP_LEN);
	assert_memory_equal(buf, want, NEIGH_ARP_LEN);
	assert_int_equal(buf[NEIGH_ARP_LEN], 0xee); /* nothing written past */
	assert_int_equal(neigh_arp_parse(NULL, buf, NEIGH_ARP_LEN, &arp), 0);
	assert_int_equal(arp.op, 1);
	assert_memory_equal(arp.sha, mac, 6);
	assert_int_equal(arp.spa, IP(1));
	assert_memory_equal(arp.tha, (const uint8_t[6]){0}, 6);
	assert_int_equal(arp.tpa, IP(42));
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

static void test_show(void **state)
{
	struct sink k = {.len = 0};
	struct cli_out out = {sink_write, &k};
	struct neigh t;
	uint8_t m[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
	bool ask;

	(void)state;
	setup_table(&t, 16, 16);
	assert_int_equal(neigh_confirm(&t, 1, 0xc0a80105u, m, 1000, true), 0);
	assert_int_equal(neigh_confirm(&t, 2, 0xc0a80106u, m, 0, true), 0);
	assert_int_equal(neigh_resolve(&t, 2, 0xc0a80107u, 20000, m, &ask), NEIGH_REQUEST);
	assert_int_equal(neigh_show(&t, NEIGH_NETS, 23000, &out), 0);
	assert_non_null(
		strstr(k.buf, "Address         MAC address       State      Age (s) Net\n"));
	assert_non_null(
		strstr(k.buf, "\n192.168.1.5     02:00:00:aa:bb:cc reachable       22 1\n"));
	assert_non_null(
		strstr(k.buf, "\n192.168.1.6     02:00:00:aa:bb:cc reachable       23 2\n"));
	assert_non_null(
		strstr(k.buf, "\n192.168.1.7     -                 incomplete       3 2\n"));
	assert_non_null(strstr(k.buf, "\n3 entries shown; table holds 3 of 16 (16 per network); "
				      "hits 0, misses 1, requests 1, confirmed 2, changed 0, "
				      "failed 0, dropped failed 0, refused full 0 probe 0, "
				      "expired 0, bad arp 0\n"));
	/* One network; a stale entry shows as such; dead ones not at all. */
	k.len = 0;
	assert_int_equal(neigh_show(&t, 2, REACH + 1, &out), 0);
	assert_null(strstr(k.buf, "192.168.1.5"));
	assert_non_null(
		strstr(k.buf, "\n192.168.1.6     02:00:00:aa:bb:cc stale           60 2\n"));
	k.len = 0;
	assert_int_equal(neigh_show(&t, 1, 2 * REACH + 1000, &out), 0);
	assert_non_null(strstr(k.buf, "\n0 entries shown; table holds 3 of 16"));
	assert_int_equal(neigh_show(&t, 3, 0, &out), 0);
}

/* neigh_check() finds each kind of damage. */
static void test_check(void **state)
{
	static struct neigh_entry saved[64];
	struct neigh t, u;
	uint8_t m[6];
	uint32_t i, used = 0, hole = 0, inc = 0;
	int damage;

	(void)state;
	setup_table(&t, 32, 8);
	mac_of(1, 0, m);
	for (i = 0; i < 12; i++)
		assert_int_equal(neigh_confirm(&t, (uint8_t)(i % 3), IP(i), m, 0, true), 0);
	expect_resolve(&t, 3, IP(99), 0, NEIGH_REQUEST, true, NULL);
	assert_int_equal(neigh_check(&t), 0);
	for (i = 0; i <= t.mask; i++) {
		if (t.slot[i].state == NEIGH_REACHABLE && t.slot[(i + 1) & t.mask].state == 0)
			used = i;
		if (t.slot[i].state == NEIGH_INCOMPLETE)
			inc = i;
		if (t.slot[i].state == NEIGH_FREE && t.slot[(i + 1) & t.mask].state == 0)
			hole = i;
	}
	memcpy(saved, t.slot, sizeof(saved));
	u = t;
	for (damage = 0; damage < 14; damage++) {
		switch (damage) {
		case 0:
			t.count++;
			break;
		case 1:
			t.per_net[1]--;
			break;
		case 2:
			t.slot[used].state = 7;
			break;
		case 3:
			t.slot[used].net = NEIGH_NETS;
			break;
		case 4:
			t.slot[used].requests = 1; /* REACHABLE asks nothing */
			break;
		case 5:
			t.slot[inc].mac[0] = 2; /* INCOMPLETE has no MAC */
			break;
		case 6:
			t.slot[used].pad[1] = 1;
			break;
		case 7:
			t.slot[hole].ip = 1; /* a free slot is all zero */
			break;
		case 8:
			/* The same address twice: a copy just after it. */
			t.slot[(used + 1) & t.mask] = t.slot[used];
			t.count++;
			t.per_net[t.slot[used].net]++;
			break;
		case 9:
			/* An entry cut off from its home by a free slot. */
			t.slot[(hole + 1) & t.mask] = t.slot[used];
			t.slot[used] = saved[hole];
			break;
		case 10:
			t.cursor = t.mask + 1;
			break;
		case 11:
			t.slot[inc].requests = (uint8_t)(TRIES + 1);
			break;
		case 12:
			t.share = 3; /* network 0 holds 4 */
			break;
		case 13:
			t.capacity = 12; /* 13 stored */
			break;
		}
		assert_int_equal(neigh_check(&t), -EFAULT);
		memcpy(t.slot, saved, sizeof(saved));
		t = u;
		assert_int_equal(neigh_check(&t), 0);
	}
}

/* Tables filled to capacity with random or consecutive addresses: how
 * long the probes get at half load, against NEIGH_PROBE_MAX. */
static void fill_large(uint32_t capacity, bool consecutive)
{
	struct neigh t;
	uint8_t m[6];
	uint64_t x = 88172645463325252ull;
	uint32_t i;
	int r;

	setup_table(&t, capacity, capacity);
	mac_of(1, 0, m);
	for (i = 0; i < capacity; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (consecutive)
			r = neigh_confirm(&t, 0, IP(i), m, 0, true);
		else
			r = neigh_confirm(&t, (uint8_t)(x % NEIGH_NETS), (uint32_t)(x >> 32), m, 0,
					  true);
		assert_true(r == 0 || r == -ENOSPC);
	}
	assert_int_equal(t.count + t.stats.refused_probe, capacity);
	assert_int_equal(t.stats.refused_full, 0);
	print_message("      %u %s addresses: %llu refused for the probe bound\n", capacity,
		      consecutive ? "consecutive" : "random",
		      (unsigned long long)t.stats.refused_probe);
	if (capacity <= 4096)
		assert_int_equal(t.stats.refused_probe, 0);
	assert_int_equal(neigh_check(&t), 0);
}

static void test_large(void **state)
{
	(void)state;
	fill_large(1024, false);
	fill_large(1024, true);
	fill_large(4096, false);
	fill_large(4096, true);
	fill_large(65536, false);
	fill_large(65536, true);
}

/*
 * The reference model: every (network, address) an array element with
 * the state the contract gives it, judged by plain arithmetic. What the
 * model cannot know (which entries a bounded sweep reached) it learns
 * from the sweep's reports and from the slots, and checks for sense.
 */
#define RM_NETS 4
#define RM_IPS	40
#define RM_KEYS (RM_NETS * RM_IPS)
#define RM_CAP	48
#define RM_SHR	16

struct rm_entry {
	bool present; /* stored */
	uint8_t state;
	uint8_t requests;
	uint8_t mac[6];
	uint32_t when;
};

static struct rm_entry rm[RM_KEYS];
static struct neigh_stats rm_stats;

static bool rm_dead(const struct rm_entry *e, uint32_t now)
{
	uint32_t age = now - e->when;

	switch (e->state) {
	case NEIGH_REACHABLE:
		return age >= 2 * REACH;
	case NEIGH_STALE:
		return age >= REACH;
	case NEIGH_FAILED:
		return age >= HOLD;
	default:
		return false;
	}
}

static unsigned rm_count(int net)
{
	unsigned n = 0;

	for (int k = 0; k < RM_KEYS; k++)
		n += rm[k].present && (net < 0 || k / RM_IPS == net);
	return n;
}

/* Makes room for key (k) if it is absent; false if the table is full. */
static bool rm_room(int k)
{
	if (rm[k].present)
		return true;
	if (rm_count(-1) >= RM_CAP || rm_count(k / RM_IPS) >= RM_SHR) {
		rm_stats.refused_full++;
		return false;
	}
	memset(&rm[k], 0, sizeof(rm[k]));
	rm[k].present = true;
	return true;
}

static void rm_ask(struct rm_entry *e, uint32_t now)
{
	e->requests++;
	e->when = now;
	rm_stats.requests++;
}

static int rm_resolve(int k, uint32_t now, bool *ask, uint8_t mac[6])
{
	struct rm_entry *e = &rm[k];

	*ask = false;
	if (!e->present || rm_dead(e, now)) {
		if (!rm_room(k))
			return -ENOSPC;
		e->state = NEIGH_INCOMPLETE;
		e->requests = 0;
		memset(e->mac, 0, 6);
		rm_ask(e, now);
		rm_stats.misses++;
		*ask = true;
		return NEIGH_REQUEST;
	}
	if (e->state == NEIGH_INCOMPLETE) {
		rm_stats.misses++;
		if (now - e->when < RETRY || e->requests >= TRIES)
			return NEIGH_WAIT;
		rm_ask(e, now);
		*ask = true;
		return NEIGH_REQUEST;
	}
	if (e->state == NEIGH_FAILED) {
		rm_stats.dropped_failed++;
		return -EHOSTUNREACH;
	}
	if (e->state == NEIGH_REACHABLE && now - e->when >= REACH) {
		e->state = NEIGH_STALE;
		e->requests = 0;
		rm_ask(e, now);
		*ask = true;
	} else if (e->state == NEIGH_STALE && now - e->when >= RETRY) {
		if (e->requests >= TRIES) {
			e->state = NEIGH_FAILED;
			e->when = now;
			memset(e->mac, 0, 6);
			rm_stats.failed++;
			rm_stats.dropped_failed++;
			return -EHOSTUNREACH;
		}
		rm_ask(e, now);
		*ask = true;
	}
	rm_stats.hits++;
	memcpy(mac, e->mac, 6);
	return NEIGH_USE;
}

static int rm_confirm(int k, const uint8_t mac[6], uint32_t now, bool create)
{
	struct rm_entry *e = &rm[k];
	uint8_t was = e->state;

	if (!e->present || rm_dead(e, now)) {
		if (!create)
			return 0;
		if (!rm_room(k))
			return -ENOSPC;
		was = NEIGH_FREE;
	}
	if ((was == NEIGH_REACHABLE || was == NEIGH_STALE) && memcmp(e->mac, mac, 6) != 0)
		rm_stats.changed++;
	e->state = NEIGH_REACHABLE;
	e->requests = 0;
	e->when = now;
	memcpy(e->mac, mac, 6);
	rm_stats.confirmed++;
	return was == NEIGH_INCOMPLETE;
}

static int rm_key(uint8_t net, uint32_t ip)
{
	assert_true(net < RM_NETS && ip >= IP(0) && ip < IP(RM_IPS));
	return net * RM_IPS + (int)(ip - IP(0));
}

/*
 * Applies a sweep's reports to the model and checks each was due; then
 * learns from the slots which dead entries the sweep removed, checking
 * that only dead ones went and that every stored entry is as modelled.
 */
static void rm_after_tick(const struct neigh *t, uint32_t now, const struct neigh_addr *due,
			  unsigned nd, const struct neigh_addr *failed, unsigned nf)
{
	bool stored[RM_KEYS] = {false};
	unsigned i;
	int k;

	for (i = 0; i < nd + nf; i++) {
		const struct neigh_addr *a = i < nd ? &due[i] : &failed[i - nd];
		struct rm_entry *e;

		k = rm_key(a->net, a->ip);
		e = &rm[k];
		assert_true(e->present && e->state == NEIGH_INCOMPLETE && now - e->when >= RETRY);
		if (i < nd) {
			assert_true(e->requests < TRIES);
			rm_ask(e, now);
		} else {
			assert_true(e->requests >= TRIES);
			e->state = NEIGH_FAILED;
			e->when = now;
			rm_stats.failed++;
		}
	}
	for (i = 0; i <= t->mask; i++) {
		const struct neigh_entry *s = &t->slot[i];

		if (s->state == NEIGH_FREE)
			continue;
		k = rm_key(s->net, s->ip);
		assert_false(stored[k]);
		stored[k] = true;
	}
	for (k = 0; k < RM_KEYS; k++) {
		if (rm[k].present && !stored[k]) {
			assert_true(rm_dead(&rm[k], now));
			rm[k].present = false;
			rm_stats.expired++;
		}
		assert_int_equal(stored[k], rm[k].present);
	}
}

/* Every stored entry is exactly as modelled, and so are the counters. */
static void rm_compare(const struct neigh *t)
{
	uint32_t i;

	for (i = 0; i <= t->mask; i++) {
		const struct neigh_entry *s = &t->slot[i];
		const struct rm_entry *e;

		if (s->state == NEIGH_FREE)
			continue;
		e = &rm[rm_key(s->net, s->ip)];
		assert_true(e->present);
		assert_int_equal(s->state, e->state);
		assert_int_equal(s->requests, e->requests);
		assert_int_equal(s->when, e->when);
		assert_memory_equal(s->mac, e->mac, 6);
	}
	assert_int_equal(t->count, rm_count(-1));
	for (i = 0; i < RM_NETS; i++)
		assert_int_equal(t->per_net[i], rm_count((int)i));
	rm_stats.arp_bad = t->stats.arp_bad;
	assert_memory_equal(&t->stats, &rm_stats, sizeof(rm_stats));
	assert_int_equal(neigh_check(t), 0);
}

static void test_random_model(void **state)
{
	struct neigh_addr due[8], failed[8];
	struct neigh t;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t now = 0xfff00000u, op; /* wraps during the run */
	uint8_t mac[6], got[6], net;
	unsigned nd, nf, max;
	uint32_t ip;
	bool ask, want_ask, create;
	int k, r, want, asked = 0;

	(void)state;
	memset(rm, 0, sizeof(rm));
	memset(&rm_stats, 0, sizeof(rm_stats));
	assert_int_equal(neigh_init(&t, slots, neigh_nslots(RM_CAP), RM_CAP, RM_SHR, SEED), 0);
	for (op = 0; op < 300000; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly ten busy addresses per network, sometimes any. */
		if ((x >> 50) % 4 != 0)
			k = (int)((x >> 8) % RM_NETS * RM_IPS + (x >> 16) % 10);
		else
			k = (int)((x >> 8) % RM_KEYS);
		net = (uint8_t)(k / RM_IPS);
		ip = IP(k % RM_IPS);
		/* Mostly small steps; sometimes long enough to go stale. */
		if ((x >> 56) % 16 == 0)
			now += (uint32_t)(x >> 20) % (REACH / 2);
		else
			now += (uint32_t)(x >> 40) % (RETRY / 3);
		switch ((x >> 32) % 16) {
		default: /* resolve, the common case */
			memset(got, 0, 6);
			want = rm_resolve(k, now, &want_ask, mac);
			r = neigh_resolve(&t, net, ip, now, got, &ask);
			assert_int_equal(r, want);
			assert_int_equal(ask, want_ask);
			if (r == NEIGH_USE)
				assert_memory_equal(got, mac, 6);
			if (ask)
				asked = k;
			break;
		case 8:
		case 9:
		case 10:
			/* Often the answer to the last request. */
			if (x % 4 != 0) {
				k = asked;
				net = (uint8_t)(k / RM_IPS);
				ip = IP(k % RM_IPS);
			}
			mac_of((uint32_t)k, (uint8_t)(x % 3 == 0), mac);
			create = (x >> 24) % 2;
			want = rm_confirm(k, mac, now, create);
			assert_int_equal(neigh_confirm(&t, net, ip, mac, now, create), want);
			break;
		case 11:
		case 12:
		case 13:
			max = (unsigned)(x >> 4) % 9;
			neigh_tick(&t, now, (uint32_t)(x % 48), due, max, &nd, failed, &nf);
			assert_true(nd <= max && nf <= max);
			rm_after_tick(&t, now, due, nd, failed, nf);
			break;
		case 14:
			if (x % 128 == 0) {
				neigh_flush_net(&t, net);
				for (int j = 0; j < RM_IPS; j++)
					rm[net * RM_IPS + j].present = false;
			}
			break;
		case 15:
			/* A full sweep reports everything due. */
			if (x % 8 == 0) {
				neigh_tick(&t, now, 64 * (t.mask + 1), due, 8, &nd, failed, &nf);
				rm_after_tick(&t, now, due, nd, failed, nf);
				if (nd < 8 && nf < 8)
					for (int j = 0; j < RM_KEYS; j++)
						assert_false(rm[j].present &&
							     (rm_dead(&rm[j], now) ||
							      (rm[j].state == NEIGH_INCOMPLETE &&
							       now - rm[j].when >= RETRY)));
			}
			break;
		}
		rm_compare(&t);
	}
	print_message("      hits %llu misses %llu requests %llu failed %llu changed %llu "
		      "refused %llu expired %llu\n",
		      (unsigned long long)t.stats.hits, (unsigned long long)t.stats.misses,
		      (unsigned long long)t.stats.requests, (unsigned long long)t.stats.failed,
		      (unsigned long long)t.stats.changed, (unsigned long long)t.stats.refused_full,
		      (unsigned long long)t.stats.expired);
	assert_true(t.stats.refused_full > 0 && t.stats.failed > 0 && t.stats.changed > 0);
	assert_true(t.stats.expired > 0 && t.stats.dropped_failed > 0);
	assert_int_equal(t.stats.refused_probe, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_resolve_confirm),
		cmocka_unit_test(test_confirm_create),
		cmocka_unit_test(test_retries_fail),
		cmocka_unit_test(test_failed_hold_ends),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_tick_removal),
		cmocka_unit_test(test_tick_budget),
		cmocka_unit_test(test_share_capacity),
		cmocka_unit_test(test_two_networks),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_time_wrap),
		cmocka_unit_test(test_arp_parse),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
