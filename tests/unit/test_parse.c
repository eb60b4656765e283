/*
 * Unit tests for config/parse.c: every accepted form, every error class and
 * the boundary values on both sides of each limit, and that printers and
 * parsers round-trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "config/parse.h"

/* Parses (s) as u32 in [min, max]; checks that errors leave *out alone. */
static int u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v = 0xdeadbeef;
	int err = cfg_parse_u32(s, min, max, &v);

	if (err != 0)
		assert_int_equal(v, 0xdeadbeef);
	*out = v;
	return err;
}

static void test_u32_ok(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(u32("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(u32("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(u32("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(u32("00000000000000000000042", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(u32("5", 5, 5, &v), 0);
	assert_int_equal(v, 5);
}

static void test_u32_errors(void **state)
{
	static const char *const bad[] = {"",	  "-1",	 "+1",	  " 1", "1 ",  "1a",
					  "0x10", "1.0", "1,000", "a",	"\t1", "1\n"};
	uint32_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(u32(bad[i], 0, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(u32("42949672950", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(u32("99999999999999999999999", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(u32("11", 0, 10, &v), -ERANGE);
	assert_int_equal(u32("4", 5, 10, &v), -ERANGE);
	assert_int_equal(u32("0", 1, 10, &v), -ERANGE);
	assert_int_equal(u32("5", 6, 5, &v), -ERANGE);
}

static void test_ipv4_ok(void **state)
{
	uint32_t a = 0;

	(void)state;
	assert_int_equal(cfg_parse_ipv4("192.168.99.2", &a), 0);
	assert_int_equal(a, 0xc0a86302);
	assert_int_equal(cfg_parse_ipv4("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(cfg_parse_ipv4("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffff);
	assert_int_equal(cfg_parse_ipv4("10.0.200.1", &a), 0);
	assert_int_equal(a, 0x0a00c801);
}

static void test_ipv4_errors(void **state)
{
	static const char *const inval[] = {
		"",	      "1",	    "1.2.3",	"1.2.3.4.5", "1.2.3.",	 "1.2..4",
		".1.2.3.4",   "1.2.3.4.",   " 1.2.3.4", "1.2.3.4 ",  "01.2.3.4", "1.2.3.00",
		"1.2.3.010",  "1.2.3.4/24", "1.2.3.a",	"1.2.3.-4",  "1.2.3.+4", "0x1.2.3.4",
		"1.2.3.1000", "1.2.3.0255", "1:2:3:4",	"1.2.3.4\n", "1..2.3.4", "...."};
	uint32_t a = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inval) / sizeof(inval[0]); i++) {
		assert_int_equal(cfg_parse_ipv4(inval[i], &a), -EINVAL);
		assert_int_equal(a, 7);
	}
	assert_int_equal(cfg_parse_ipv4("256.0.0.0", &a), -ERANGE);
	assert_int_equal(cfg_parse_ipv4("0.0.0.256", &a), -ERANGE);
	assert_int_equal(cfg_parse_ipv4("1.999.3.4", &a), -ERANGE);
	assert_int_equal(a, 7);
}

static void test_prefix(void **state)
{
	uint32_t a = 1;
	uint8_t len = 1;

	(void)state;
	assert_int_equal(cfg_parse_prefix("192.168.99.2/24", &a, &len), 0);
	assert_int_equal(a, 0xc0a86302);
	assert_int_equal(len, 24);
	assert_int_equal(cfg_parse_prefix("0.0.0.0/0", &a, &len), 0);
	assert_int_equal(a, 0);
	assert_int_equal(len, 0);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/32", &a, &len), 0);
	assert_int_equal(len, 32);

	a = 1;
	len = 1;
	assert_int_equal(cfg_parse_prefix("10.1.2.3/33", &a, &len), -ERANGE);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/4294967296", &a, &len), -ERANGE);
	assert_int_equal(cfg_parse_prefix("300.1.2.3/8", &a, &len), -ERANGE);
	assert_int_equal(cfg_parse_prefix("10.1.2.3", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("/24", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/024", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/-1", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/24/8", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3 /24", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2/24", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.1.2.3/2 4", &a, &len), -EINVAL);
	assert_int_equal(cfg_parse_prefix("", &a, &len), -EINVAL);
	assert_int_equal(a, 1);
	assert_int_equal(len, 1);
}

static void test_mac(void **state)
{
	static const uint8_t want[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
	static const char *const inval[] = {
		"",
		"00:0c:29:aa:bb",
		"00:0c:29:aa:bb:cc:dd",
		"00:0c:29:aa:bb:c",
		"0:0c:29:aa:bb:ccc",
		"00:0c:29:aa:bb:cc ",
		" 00:0c:29:aa:bb:cc",
		"00-0c:29:aa:bb:cc",
		"00:0c:29:aa:bb-cc",
		"00.0c.29.aa.bb.cc",
		"000c.29aa.bbcc",
		"000c29aabbcc",
		"00:0c:29:aa:bb:cg",
		"00:0c:29:aa:bb::c",
		"00:0c:29:aa:b :cc",
		"00:0c:29:aa:bb:+c",
		"00::c:29:aa:bb:cc",
	};
	uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
	const uint8_t keep[6] = {1, 2, 3, 4, 5, 6};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inval) / sizeof(inval[0]); i++) {
		assert_int_equal(cfg_parse_mac(inval[i], mac), -EINVAL);
		assert_memory_equal(mac, keep, 6);
	}
	assert_int_equal(cfg_parse_mac("00:0c:29:aa:bb:cc", mac), 0);
	assert_memory_equal(mac, want, 6);
	memset(mac, 0, sizeof(mac));
	assert_int_equal(cfg_parse_mac("00-0C-29-AA-bB-Cc", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(cfg_parse_mac("ff:ff:ff:ff:ff:ff", mac), 0);
	assert_int_equal(mac[0], 0xff);
	assert_int_equal(mac[5], 0xff);
}

static void test_duration(void **state)
{
	static const char *const inval[] = {"",	  "s",	 "m",	"30x", "30ms", "1h30m", "-1s",
					    "+1", " 1s", "1s ", "1 s", "30M",  "1.5h",	"0x10"};
	uint32_t s = 9;
	size_t i;

	(void)state;
	assert_int_equal(cfg_parse_duration("300", &s), 0);
	assert_int_equal(s, 300);
	assert_int_equal(cfg_parse_duration("90s", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(cfg_parse_duration("30m", &s), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(cfg_parse_duration("2h", &s), 0);
	assert_int_equal(s, 7200);
	assert_int_equal(cfg_parse_duration("1d", &s), 0);
	assert_int_equal(s, 86400);
	assert_int_equal(cfg_parse_duration("0", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(cfg_parse_duration("4294967295", &s), 0);
	assert_int_equal(s, UINT32_MAX);
	assert_int_equal(cfg_parse_duration("4294967295s", &s), 0);
	assert_int_equal(s, UINT32_MAX);
	/* Largest count of each unit that fits, and one more. */
	assert_int_equal(cfg_parse_duration("71582788m", &s), 0);
	assert_int_equal(s, 71582788u * 60);
	assert_int_equal(cfg_parse_duration("1193046h", &s), 0);
	assert_int_equal(cfg_parse_duration("49710d", &s), 0);
	assert_int_equal(s, 49710u * 86400);

	s = 9;
	assert_int_equal(cfg_parse_duration("71582789m", &s), -ERANGE);
	assert_int_equal(cfg_parse_duration("1193047h", &s), -ERANGE);
	assert_int_equal(cfg_parse_duration("49711d", &s), -ERANGE);
	assert_int_equal(cfg_parse_duration("4294967296", &s), -ERANGE);
	assert_int_equal(cfg_parse_duration("99999999999999d", &s), -ERANGE);
	for (i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		assert_int_equal(cfg_parse_duration(inval[i], &s), -EINVAL);
	assert_int_equal(s, 9);
}

static void test_fmt(void **state)
{
	static const uint8_t mac[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
	char ip[ADDR_IPV4_STRLEN], m[ADDR_MAC_STRLEN], d[CFG_DURATION_STRLEN];
	uint32_t back;

	(void)state;
	assert_string_equal(addr_fmt_ipv4(0xc0a86302, ip), "192.168.99.2");
	assert_string_equal(addr_fmt_ipv4(0, ip), "0.0.0.0");
	assert_string_equal(addr_fmt_ipv4(0xffffffff, ip), "255.255.255.255");
	assert_string_equal(addr_fmt_mac(mac, m), "00:0c:29:aa:bb:cc");
	assert_string_equal(cfg_fmt_duration(1800, d), "30m");
	assert_string_equal(cfg_fmt_duration(86400, d), "1d");
	assert_string_equal(cfg_fmt_duration(7200, d), "2h");
	assert_string_equal(cfg_fmt_duration(90, d), "90s");
	assert_string_equal(cfg_fmt_duration(0, d), "0s");
	assert_string_equal(cfg_fmt_duration(UINT32_MAX, d), "4294967295s");
	assert_int_equal(cfg_parse_duration(d, &back), 0);
	assert_int_equal(back, UINT32_MAX);
}

/* Every formatted value parses back to itself. */
static void test_roundtrip(void **state)
{
	char ip[ADDR_IPV4_STRLEN], m[ADDR_MAC_STRLEN], d[CFG_DURATION_STRLEN];
	uint32_t x = 12345, a, i, sec;
	uint8_t mac[6], mac2[6];
	int j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		assert_int_equal(cfg_parse_ipv4(addr_fmt_ipv4(x, ip), &a), 0);
		assert_int_equal(a, x);
		for (j = 0; j < 6; j++)
			mac[j] = (uint8_t)(x >> (j * 4));
		assert_int_equal(cfg_parse_mac(addr_fmt_mac(mac, m), mac2), 0);
		assert_memory_equal(mac, mac2, 6);
		sec = i % 3 == 0 ? x : (x % 5000) * (i % 2 ? 60 : 3600);
		assert_int_equal(cfg_parse_duration(cfg_fmt_duration(sec, d), &a), 0);
		assert_int_equal(a, sec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32_ok),	  cmocka_unit_test(test_u32_errors),
		cmocka_unit_test(test_ipv4_ok),	  cmocka_unit_test(test_ipv4_errors),
		cmocka_unit_test(test_prefix),	  cmocka_unit_test(test_mac),
		cmocka_unit_test(test_duration),  cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
