/*
 * Unit tests for kernel/bootinfo.c: PVH start info and Multiboot2
 * information built in host memory, well-formed and malformed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/boot.h"
#include "kernel/bootinfo.h"

static struct boot_info bi;

struct pvh_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist, cmdline, rsdp, memmap;
	uint32_t memmap_entries, reserved;
};

struct pvh_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static void test_pvh(void **state)
{
	struct pvh_entry map[2] = {{0, 0x9fc00, 1, 0}, {0x100000, 0x3f00000, 1, 0}};
	struct {
		uint64_t paddr, size, cmdline, reserved;
	} mod = {0x800000, 1234, 0, 0};
	static const char cmd[] = "console=ttyS0";
	struct pvh_info si = {PVH_START_MAGIC, 1, 0, 1, (uintptr_t)&mod, (uintptr_t)cmd, 0xf5000,
			      (uintptr_t)map,  2, 0};

	(void)state;
	assert_int_equal(bootinfo_parse_pvh((uintptr_t)&si, &bi), 0);
	assert_string_equal(bi.loader, "PVH");
	assert_int_equal(bi.map_len, 2);
	assert_int_equal(bi.map[1].base, 0x100000);
	assert_int_equal(bi.map[1].len, 0x3f00000);
	assert_int_equal(bi.map[1].type, 1);
	assert_string_equal(bi.cmdline, "console=ttyS0");
	assert_int_equal(bi.rsdp, 0xf5000);
	assert_int_equal(bi.module_base, 0x800000);
	assert_int_equal(bi.module_len, 1234);
}

static void test_pvh_bad_magic_and_no_map(void **state)
{
	struct pvh_info si = {0x12345678, 1, 0, 0, 0, 0, 0, 0, 0, 0};

	(void)state;
	assert_int_equal(bootinfo_parse_pvh((uintptr_t)&si, &bi), -EINVAL);
	si.magic = PVH_START_MAGIC;
	assert_int_equal(bootinfo_parse_pvh((uintptr_t)&si, &bi), -ENOENT);
	si.version = 0; /* version 0 has no memory map fields */
	assert_int_equal(bootinfo_parse_pvh((uintptr_t)&si, &bi), -ENOENT);
	assert_int_equal(bootinfo_parse_pvh(0, &bi), -EINVAL);
}

static void test_pvh_too_many_entries_are_counted(void **state)
{
	static struct pvh_entry map[MM_MAX + 5];
	struct pvh_info si = {PVH_START_MAGIC, 1, 0, 0, 0, 0, 0, (uintptr_t)map, MM_MAX + 5, 0};

	(void)state;
	assert_int_equal(bootinfo_parse_pvh((uintptr_t)&si, &bi), 0);
	assert_int_equal(bi.map_len, MM_MAX);
	assert_int_equal(bi.map_dropped, 5);
}

/* Multiboot2 information builder. */
static uint8_t mb[512] __attribute__((aligned(8)));
static uint32_t mb_len;

static void mb_begin(void)
{
	memset(mb, 0, sizeof(mb));
	mb_len = 8;
}

static uint8_t *mb_tag(uint32_t type, uint32_t size)
{
	uint8_t *t = mb + mb_len;

	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	mb_len += (size + 7) & ~7u;
	return t;
}

static void mb_end(void)
{
	mb_tag(0, 8);
	memcpy(mb, &mb_len, 4);
}

static void mb_mmap(uint32_t n)
{
	uint8_t *t = mb_tag(6, 16 + 24 * n);
	uint32_t esize = 24, ever = 0;

	memcpy(t + 8, &esize, 4);
	memcpy(t + 12, &ever, 4);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t base = 0x100000ULL * (i + 1), len = 0x80000;
		uint32_t type = 1 + (i & 1);

		memcpy(t + 16 + 24 * i, &base, 8);
		memcpy(t + 24 + 24 * i, &len, 8);
		memcpy(t + 32 + 24 * i, &type, 4);
	}
}

static void test_mb2(void **state)
{
	uint8_t *t;
	uint32_t start = 0x400000, end = 0x401000;

	(void)state;
	mb_begin();
	t = mb_tag(1, 8 + 6);
	memcpy(t + 8, "quiet", 6);
	t = mb_tag(3, 16 + 4);
	memcpy(t + 8, &start, 4);
	memcpy(t + 12, &end, 4);
	memcpy(t + 16, "cfg", 4);
	mb_mmap(3);
	t = mb_tag(14, 8 + 20);
	mb_end();
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), 0);
	assert_string_equal(bi.loader, "Multiboot2");
	assert_string_equal(bi.cmdline, "quiet");
	assert_int_equal(bi.module_base, 0x400000);
	assert_int_equal(bi.module_len, 0x1000);
	assert_int_equal(bi.map_len, 3);
	assert_int_equal(bi.map[2].base, 0x300000);
	assert_int_equal(bi.map[1].type, 2);
	assert_int_equal(bi.rsdp, (uintptr_t)(t + 8));
}

static void test_mb2_malformed(void **state)
{
	uint8_t *t;

	(void)state;
	/* A tag claiming more bytes than the structure holds. */
	mb_begin();
	mb_mmap(2);
	t = mb_tag(1, 8);
	mb_end();
	uint32_t huge = 4096;
	memcpy(t + 4, &huge, 4);
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), -EINVAL);

	/* A tag shorter than its own header. */
	mb_begin();
	t = mb_tag(1, 8);
	mb_end();
	uint32_t tiny = 4;
	memcpy(t + 4, &tiny, 4);
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), -EINVAL);

	/* No memory map at all. */
	mb_begin();
	mb_end();
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), -ENOENT);

	/* A total size below the header. */
	uint32_t small = 4;
	memcpy(mb, &small, 4);
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), -EINVAL);
}

static void test_mb2_mmap_entries_bounded_by_tag(void **state)
{
	uint8_t *t;

	(void)state;
	mb_begin();
	mb_mmap(4);
	/* Shrink the tag so only 2 whole entries and part of a third fit. */
	t = mb + 8;
	uint32_t size = 16 + 24 * 2 + 10;
	memcpy(t + 4, &size, 4);
	mb_len = 8 + ((size + 7) & ~7u);
	mb_end();
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), 0);
	assert_int_equal(bi.map_len, 2);
}

static void test_unterminated_cmdline(void **state)
{
	uint8_t *t;

	(void)state;
	mb_begin();
	t = mb_tag(1, 8 + 4);
	memcpy(t + 8, "abcd", 4); /* no NUL inside the tag */
	memset(t + 12, 'X', 4);
	mb_mmap(1);
	mb_end();
	assert_int_equal(bootinfo_parse_mb2((uintptr_t)mb, &bi), 0);
	assert_string_equal(bi.cmdline, "abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvh),
		cmocka_unit_test(test_pvh_bad_magic_and_no_map),
		cmocka_unit_test(test_pvh_too_many_entries_are_counted),
		cmocka_unit_test(test_mb2),
		cmocka_unit_test(test_mb2_malformed),
		cmocka_unit_test(test_mb2_mmap_entries_bounded_by_tag),
		cmocka_unit_test(test_unterminated_cmdline),
	};
	return cmocka_run_group_tests_name("bootinfo", tests, NULL, NULL);
}
