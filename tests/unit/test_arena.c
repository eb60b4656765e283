/*
 * Unit tests for kernel/arena.c: big blocks carved from the top of a range
 * down towards another user's break, aligned, reused first fit, merged
 * back into the top, and a random run checked against a model (no two
 * live blocks overlap, none crosses the break, the bytes add up).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel/arena.h"

#define BASE 0x100000u
#define END  0x900000u /* 8 MiB */

static struct arena a;
static uintptr_t brk_;
static uint32_t rnd = 12345;

/* xorshift32: the same run every time. */
static uint32_t next_rand(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

static int setup(void **state)
{
	(void)state;
	brk_ = BASE;
	arena_init(&a, END, &brk_);
	return 0;
}

/* Blocks come from the top down, aligned, sizes rounded to ARENA_UNIT. */
static void test_carve_down(void **state)
{
	uintptr_t p, q, r;

	(void)state;
	p = arena_alloc(&a, 100, 64);
	assert_int_equal(p, END - 128);
	q = arena_alloc(&a, 4096, 4096);
	assert_int_equal(q % 4096, 0);
	assert_true(q + 4096 <= p);
	assert_int_equal(q, END - 8192);
	/* The slack q's alignment left above it is kept, and serves first. */
	r = arena_alloc(&a, 1, 8);
	assert_int_equal(r, END - 4096);
	assert_int_equal(a.top, q);
	assert_int_equal(arena_used(&a), 128 + 4096 + 64);
}

/* Freeing the lowest block raises the top, with every free block it
 * then reaches; freeing everything empties the arena. */
static void test_free_to_top(void **state)
{
	uintptr_t p, q, r;

	(void)state;
	p = arena_alloc(&a, 1024, 64);
	q = arena_alloc(&a, 1024, 64);
	r = arena_alloc(&a, 1024, 64);
	arena_free(&a, q, 1024); /* a hole: remembered */
	assert_int_equal(a.top, r);
	assert_int_equal(arena_used(&a), 2048);
	arena_free(&a, r, 1024); /* the top rises through the hole to p */
	assert_int_equal(a.top, p);
	arena_free(&a, p, 1024);
	assert_int_equal(a.top, END);
	assert_int_equal(arena_used(&a), 0);
	for (int i = 0; i < ARENA_FREE; i++)
		assert_int_equal(a.free[i].len, 0);
}

/* A freed block is reused by a request it holds, split, the rest kept. */
static void test_reuse_first_fit(void **state)
{
	uintptr_t p, q, r, s;

	(void)state;
	p = arena_alloc(&a, 8192, 64);
	q = arena_alloc(&a, 64, 64); /* keeps p's hole from reaching the top */
	arena_free(&a, p, 8192);
	r = arena_alloc(&a, 4096, 4096);
	assert_true(r >= p && r + 4096 <= p + 8192);
	assert_int_equal(r % 4096, 0);
	s = arena_alloc(&a, 2048, 64);
	assert_true(s >= p && s + 2048 <= p + 8192);
	assert_true(s + 2048 <= r || s >= r + 4096);
	assert_int_equal(a.top, q);
	assert_int_equal(arena_used(&a), 64 + 4096 + 2048);
}

/* The break below is never crossed, and a block that does not fit is refused. */
static void test_break(void **state)
{
	uintptr_t p;

	(void)state;
	brk_ = END - 16384;
	assert_int_equal(arena_alloc(&a, 16384, 64), 0);
	p = arena_alloc(&a, 8192, 64);
	assert_int_equal(p, END - 8192);
	assert_int_equal(arena_alloc(&a, 8192, 4096), 0); /* the alignment would cross */
	brk_ = END - 4 * 4096;
	assert_int_equal(arena_alloc(&a, 4096, 64), END - 8192 - 4096);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(arena_alloc(&a, 0, 64), 0);
	assert_int_equal(arena_alloc(&a, 64, 0), 0);
	assert_int_equal(arena_alloc(&a, 64, 48), 0);
	assert_int_equal(arena_alloc(&a, 64, 8192), 0);
	assert_int_equal(arena_alloc(&a, END, 64), 0);
	arena_free(&a, 0, 64); /* nothing */
	assert_int_equal(a.top, END);
	assert_int_equal(arena_used(&a), 0);
}

/* More holes than records: the rest are counted as lost, never reused. */
static void test_records_run_out(void **state)
{
	uintptr_t p[2 * ARENA_FREE + 2];
	int n = 2 * ARENA_FREE + 2;

	(void)state;
	for (int i = 0; i < n; i++)
		p[i] = arena_alloc(&a, 64, 64);
	for (int i = 0; i < n - 1; i += 2) /* every other one: holes, none touching */
		arena_free(&a, p[i], 64);
	assert_int_equal(a.lost, (uint64_t)(n / 2 - ARENA_FREE) * 64);
	assert_int_equal(arena_used(&a), (uint64_t)(n / 2) * 64 + a.lost);
}

/* Freed neighbours join: three adjacent holes serve one request of their
 * whole size. */
static void test_neighbours_join(void **state)
{
	uintptr_t p[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		p[i] = arena_alloc(&a, 4096, 64);
	arena_free(&a, p[0], 4096);
	arena_free(&a, p[2], 4096);
	arena_free(&a, p[1], 4096);
	assert_int_equal(arena_alloc(&a, 3 * 4096, 64), p[2]);
	assert_int_equal(a.top, p[3]);
	assert_int_equal(arena_used(&a), 4 * 4096);
}

/* Random allocations and frees against a model. */
static void test_random_model(void **state)
{
	enum { LIVE = 64 };
	struct {
		uintptr_t p;
		size_t size;
	} live[LIVE] = {{0}};

	(void)state;
	for (int step = 0; step < 20000; step++) {
		int i = (int)(next_rand() % LIVE);
		uint64_t sum = 0;

		if (live[i].p != 0) {
			arena_free(&a, live[i].p, live[i].size);
			live[i].p = 0;
		} else {
			size_t size = 1 + (size_t)(next_rand() % 70000);
			size_t align = (size_t)1 << (next_rand() % 13);

			live[i].p = arena_alloc(&a, size, align);
			live[i].size = size;
			if (live[i].p != 0) {
				assert_int_equal(live[i].p % align, 0);
				assert_true(live[i].p >= brk_ && live[i].p + size <= END);
			}
		}
		for (int j = 0; j < LIVE; j++) {
			if (live[j].p == 0)
				continue;
			sum += (live[j].size + ARENA_UNIT - 1) / ARENA_UNIT * ARENA_UNIT;
			for (int k = j + 1; k < LIVE; k++)
				if (live[k].p != 0)
					assert_true(live[j].p + live[j].size <= live[k].p ||
						    live[k].p + live[k].size <= live[j].p);
		}
		assert_int_equal(arena_used(&a), sum + a.lost);
		/* The break below moves, never past the top (sbrk checks). */
		if (step % 1000 == 999)
			brk_ = BASE + (uintptr_t)(next_rand() % (a.top - BASE + 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_carve_down, setup),
		cmocka_unit_test_setup(test_free_to_top, setup),
		cmocka_unit_test_setup(test_reuse_first_fit, setup),
		cmocka_unit_test_setup(test_break, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_records_run_out, setup),
		cmocka_unit_test_setup(test_neighbours_join, setup),
		cmocka_unit_test_setup(test_random_model, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
