/*
 * Unit tests for kernel/memmap.c: firmware maps as QEMU and real BIOSes
 * give them, overlaps, holes, alignment, splits and overflow.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/memmap.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

static void test_qemu_q35_map(void **state)
{
	/* What QEMU q35 with -m 64M reports through PVH. */
	const struct mm_range in[] = {
		{0x0, 0x9fc00, 1},	  {0x9fc00, 0x400, 2},	    {0xf0000, 0x10000, 2},
		{0x100000, 0x3edf000, 1}, {0x3fdf000, 0x21000, 2},  {0xb0000000, 0x10000000, 2},
		{0xfed1c000, 0x4000, 2},  {0xfffc0000, 0x40000, 2}, {0xfd00000000, 0x300000000, 2},
	};
	struct mm_range out[MM_MAX];
	int n = mm_build(in, 9, out, MM_MAX);

	(void)state;
	assert_int_equal(n, 2);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].len, 0x9f000); /* end rounded down to a page */
	assert_int_equal(out[1].base, 0x100000);
	assert_int_equal(out[1].len, 0x3edf000);
	assert_int_equal(mm_largest(out, 2), 1);
	assert_int_equal(mm_total(out, 2), 0x9f000 + 0x3edf000);
}

static void test_unsorted_overlapping_usable_merge(void **state)
{
	const struct mm_range in[] = {
		{8 * MiB, 8 * MiB, 1},
		{1 * MiB, 4 * MiB, 1},
		{4 * MiB, 5 * MiB, 1}, /* overlaps both */
	};
	struct mm_range out[4];

	(void)state;
	assert_int_equal(mm_build(in, 3, out, 4), 1);
	assert_int_equal(out[0].base, 1 * MiB);
	assert_int_equal(out[0].len, 15 * MiB);
}

static void test_reserved_wins_over_usable(void **state)
{
	const struct mm_range in[] = {
		{0, 16 * MiB, 1},
		{4 * MiB, 1 * MiB, 2},	/* a hole in the middle */
		{15 * MiB, 4 * MiB, 3}, /* overlaps the end */
	};
	struct mm_range out[4];

	(void)state;
	assert_int_equal(mm_build(in, 3, out, 4), 2);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].len, 4 * MiB);
	assert_int_equal(out[1].base, 5 * MiB);
	assert_int_equal(out[1].len, 10 * MiB);
}

static void test_unaligned_ranges_shrink_to_pages(void **state)
{
	const struct mm_range in[] = {
		{0x1001, 0x2fff, 1}, /* 0x1001..0x4000: only page 0x2000..0x4000 whole */
		{0x10000, 0x800, 1}, /* less than a page: dropped */
	};
	struct mm_range out[4];

	(void)state;
	assert_int_equal(mm_build(in, 2, out, 4), 1);
	assert_int_equal(out[0].base, 0x2000);
	assert_int_equal(out[0].len, 0x2000);
}

static void test_overflowing_entry_is_clipped(void **state)
{
	const struct mm_range in[] = {{UINT64_MAX - 0xfff, 0x10000, 1}, {0, 0, 1}};
	struct mm_range out[4];

	(void)state;
	/* Clipped at 2^64 - 1, then rounded: nothing page-sized is left. */
	assert_int_equal(mm_build(in, 2, out, 4), 0);
}

static void test_too_many_ranges(void **state)
{
	struct mm_range in[8], out[3];

	(void)state;
	for (int i = 0; i < 8; i++)
		in[i] = (struct mm_range){(uint64_t)i * 2 * MiB, MiB, 1};
	assert_int_equal(mm_build(in, 8, out, 3), -ENOSPC);
}

static void test_subtract_cases(void **state)
{
	struct mm_range r[4] = {{0, 16 * MiB, 1}};
	size_t n = 1;

	(void)state;
	/* Inside: split. */
	assert_int_equal(mm_subtract(r, &n, 4, 1 * MiB, 1 * MiB), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].len, 1 * MiB);
	assert_int_equal(r[1].base, 2 * MiB);
	/* Covering the first range whole and the second's head. */
	assert_int_equal(mm_subtract(r, &n, 4, 0, 3 * MiB), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].base, 3 * MiB);
	assert_int_equal(r[0].len, 13 * MiB);
	/* The tail. */
	assert_int_equal(mm_subtract(r, &n, 4, 10 * MiB, UINT64_MAX), 0);
	assert_int_equal(r[0].len, 7 * MiB);
	/* Nothing in common, and zero length. */
	assert_int_equal(mm_subtract(r, &n, 4, 20 * MiB, MiB), 0);
	assert_int_equal(mm_subtract(r, &n, 4, 5 * MiB, 0), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].len, 7 * MiB);
}

static void test_subtract_without_room_changes_nothing(void **state)
{
	struct mm_range r[1] = {{0, 16 * MiB, 1}};
	size_t n = 1;

	(void)state;
	assert_int_equal(mm_subtract(r, &n, 1, 4 * MiB, MiB), -ENOSPC);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].len, 16 * MiB);
}

static void test_largest_of_none(void **state)
{
	(void)state;
	assert_int_equal(mm_largest(NULL, 0), -1);
	assert_int_equal(mm_total(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_q35_map),
		cmocka_unit_test(test_unsorted_overlapping_usable_merge),
		cmocka_unit_test(test_reserved_wins_over_usable),
		cmocka_unit_test(test_unaligned_ranges_shrink_to_pages),
		cmocka_unit_test(test_overflowing_entry_is_clipped),
		cmocka_unit_test(test_too_many_ranges),
		cmocka_unit_test(test_subtract_cases),
		cmocka_unit_test(test_subtract_without_room_changes_nothing),
		cmocka_unit_test(test_largest_of_none),
	};
	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
