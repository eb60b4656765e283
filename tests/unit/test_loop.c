/*
 * Unit tests for net/switch/loop.c, the loop probe: what loop_build()
 * writes (the ECTP reply to CF-00-00-00-00-00, EtherType 0x9000, the
 * minimum length), that loop_parse() gives back the token, and that it
 * refuses anything else: other EtherTypes, short frames, a wrong magic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/switch/loop.h"

static const uint8_t src[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void test_build(void **state)
{
	static const uint8_t dst[6] = {0xcf, 0, 0, 0, 0, 0};
	uint8_t f[LOOP_FRAME_LEN];

	(void)state;
	memset(f, 0xee, sizeof(f));
	loop_build(f, src, 0x0102030405060708ull);
	assert_memory_equal(f, dst, 6);
	assert_memory_equal(f + 6, src, 6);
	assert_int_equal(f[12], 0x90);
	assert_int_equal(f[13], 0x00);
	/* ECTP: skipCount 0, function 1 (reply), little-endian. */
	assert_int_equal(f[14] | f[15] << 8, 0);
	assert_int_equal(f[16] | f[17] << 8, 1);
	assert_int_equal(f[LOOP_FRAME_LEN - 1], 0);
}

static void test_round_trip(void **state)
{
	static const uint64_t tokens[] = {1, 0x8000000000000000ull, 0xfedcba9876543210ull, ~0ull};
	uint8_t f[LOOP_FRAME_LEN];
	uint64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		loop_build(f, src, tokens[i]);
		t = 0;
		assert_true(loop_parse(f, sizeof(f), &t));
		assert_true(t == tokens[i]);
	}
}

static void test_refused(void **state)
{
	uint8_t f[LOOP_FRAME_LEN];
	uint64_t t = 7;

	(void)state;
	loop_build(f, src, 42);
	for (size_t len = 0; len < 40; len++)
		assert_false(loop_parse(f, len, &t)); /* the token lies past byte 32 */
	assert_true(loop_parse(f, 40, &t));
	f[13] = 0x01;
	assert_false(loop_parse(f, sizeof(f), &t));
	loop_build(f, src, 42);
	f[25] ^= 1; /* the magic */
	assert_false(loop_parse(f, sizeof(f), &t));
	loop_build(f, src, 42);
	f[12] = 0x08; /* IPv4 */
	f[13] = 0x00;
	assert_false(loop_parse(f, sizeof(f), &t));
	assert_int_equal(t, 42); /* untouched by the refusals after the last accept */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
