/*
 * Unit tests for kernel/cli.c: tokenizing, longest-match dispatch with
 * abbreviations and ambiguity, the error lines, the built-in help and the
 * registry check. The commands under test are registered here, named
 * "tst..." so that commands other linked modules register cannot collide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cli.h"

/* Output captured from the sink. */
static char cap[8192];
static size_t cap_len;

/* What the last handler saw. */
static const char *called;
static int got_argc;
static char got_argv[CLI_WORDS_MAX + 1][64];
static int argv_null_terminated;
static int next_result;

static void cap_write(void *ctx, const char *buf, size_t len)
{
	assert_ptr_equal(ctx, cap);
	assert_true(len < sizeof(cap) - cap_len);
	memcpy(cap + cap_len, buf, len);
	cap_len += len;
	cap[cap_len] = '\0';
}

static struct cli_out out = {cap_write, cap};

static int record(const char *which, int argc, char **argv)
{
	int i;

	called = which;
	got_argc = argc;
	for (i = 0; i < argc && i <= CLI_WORDS_MAX; i++)
		snprintf(got_argv[i], sizeof(got_argv[i]), "%s", argv[i]);
	argv_null_terminated = argv[argc] == NULL;
	return next_result;
}

static int h_tst(int argc, char **argv, struct cli_out *o)
{
	(void)o;
	return record("tst", argc, argv);
}

static int h_alpha(int argc, char **argv, struct cli_out *o)
{
	(void)o;
	return record("tst alpha", argc, argv);
}

static int h_alphabet(int argc, char **argv, struct cli_out *o)
{
	(void)o;
	return record("tst alphabet", argc, argv);
}

static int h_beta(int argc, char **argv, struct cli_out *o)
{
	(void)o;
	return record("tst beta gamma", argc, argv);
}

static int h_tstx(int argc, char **argv, struct cli_out *o)
{
	cli_printf(o, "tstx says %d\n", argc);
	return record("tstx", argc, argv);
}

static int h_tsq(int argc, char **argv, struct cli_out *o)
{
	(void)o;
	return record("tsq one", argc, argv);
}

CLI_COMMAND(tsq, "tsq one", "a name whose first word is no command", h_tsq);
CLI_COMMAND(tst, "tst", "the test root", h_tst);
CLI_COMMAND(alpha, "tst alpha", "first letter", h_alpha);
CLI_COMMAND(alphabet, "tst alphabet", "all letters", h_alphabet);
CLI_COMMAND(beta, "tst beta gamma", "three words", h_beta);
CLI_COMMAND(tstx, "tstx", "a longer first word", h_tstx);

static int setup(void **state)
{
	(void)state;
	cap_len = 0;
	cap[0] = '\0';
	called = NULL;
	got_argc = -1;
	argv_null_terminated = 0;
	next_result = 0;
	return 0;
}

/* Runs a copy of (line), as the console does with its own buffer. */
static int run(const char *line)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", line);
	setup(NULL);
	return cli_execute(buf, &out);
}

static void expect_call(const char *line, const char *which, int argc)
{
	assert_int_equal(run(line), 0);
	assert_non_null(called);
	assert_string_equal(called, which);
	assert_int_equal(got_argc, argc);
	assert_true(argv_null_terminated);
}

static void test_blank(void **state)
{
	static const char *const blank[] = {"",		  " ",	  "\t \t", "# only a comment",
					    "   # x tst", "\r\n", "#"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		assert_int_equal(run(blank[i]), 0);
		assert_null(called);
		assert_int_equal(cap_len, 0);
	}
}

static void test_exact_and_args(void **state)
{
	(void)state;
	expect_call("tst", "tst", 0);
	expect_call("tst foo", "tst", 1);
	assert_string_equal(got_argv[0], "foo");
	expect_call("tst alpha x y", "tst alpha", 2);
	assert_string_equal(got_argv[0], "x");
	assert_string_equal(got_argv[1], "y");
	expect_call("  tst\talpha \t x\r\n", "tst alpha", 1);
	assert_string_equal(got_argv[0], "x");
	expect_call("tst beta gamma 1", "tst beta gamma", 1);
	assert_string_equal(got_argv[0], "1");
	/* "tst beta" is not a full name, so it is tst with an argument. */
	expect_call("tst beta", "tst", 1);
	assert_string_equal(got_argv[0], "beta");
	expect_call("tst alphabets", "tst", 1);
	expect_call("tstx", "tstx", 0);
	assert_string_equal(cap, "tstx says 0\n");
}

static void test_comment(void **state)
{
	(void)state;
	expect_call("tst q#b c", "tst", 1);
	assert_string_equal(got_argv[0], "q");
	expect_call("tst alpha # tst beta gamma", "tst alpha", 0);
}

static void test_abbrev(void **state)
{
	(void)state;
	expect_call("ts alphab", "tst alphabet", 0);
	expect_call("tst b g", "tst beta gamma", 0);
	expect_call("t be ga z", "tst beta gamma", 1);
	/* An exact name beats names it abbreviates. */
	expect_call("tst alpha", "tst alpha", 0);
	expect_call("tst", "tst", 0);
	expect_call("tst alpha", "tst alpha", 0);
	expect_call("tst gamma", "tst", 1);
	assert_string_equal(got_argv[0], "gamma");
}

static void test_ambiguous(void **state)
{
	(void)state;
	/* "ts" abbreviates both tst and tstx; neither is exact. */
	assert_int_equal(run("ts"), -EINVAL);
	assert_null(called);
	assert_string_equal(cap, "% ambiguous command: 'ts' (try 'help')\n");
	assert_int_equal(run("tst alph  q"), -EINVAL);
	assert_null(called);
	assert_string_equal(cap, "% ambiguous command: 'tst alph q' (try 'help')\n");
	/*
	 * An argument that abbreviates two subcommands is ambiguous too, rather
	 * than quietly becoming an argument of the shorter command.
	 */
	assert_int_equal(run("tst al"), -EINVAL);
	assert_null(called);
}

static void test_unknown(void **state)
{
	(void)state;
	assert_int_equal(run("xyzzy"), -ENOENT);
	assert_null(called);
	assert_string_equal(cap, "% unknown command: 'xyzzy' (try 'help')\n");
	assert_int_equal(run("  nope\ta  b # c"), -ENOENT);
	assert_string_equal(cap, "% unknown command: 'nope a b' (try 'help')\n");
	assert_int_equal(run("tstxy"), -ENOENT);
	assert_int_equal(run("tst beta"), 0);
	assert_int_equal(run("tst zzz gamma"), 0);
	assert_int_equal(run("tst alpha"), 0);
}

static void test_incomplete(void **state)
{
	(void)state;
	expect_call("tsq o 1", "tsq one", 1);
	assert_int_equal(run("tsq"), -EINVAL);
	assert_null(called);
	assert_string_equal(cap, "% incomplete command: 'tsq' (try 'help tsq')\n");
	assert_int_equal(run("tsq two"), -ENOENT);
	assert_string_equal(cap, "% unknown command: 'tsq two' (try 'help')\n");
}

static void test_word_limit(void **state)
{
	char line[512] = "tst";
	int i;

	(void)state;
	for (i = 1; i < CLI_WORDS_MAX; i++)
		strcat(line, " w");
	expect_call(line, "tst", CLI_WORDS_MAX - 1);
	strcat(line, " w");
	assert_int_equal(run(line), -E2BIG);
	assert_null(called);
	assert_string_equal(cap, "% too many words (at most 32)\n");
	/* Words past the limit that are only a comment do not count. */
	line[strlen(line) - 1] = '#';
	expect_call(line, "tst", CLI_WORDS_MAX - 1);
}

static void test_result(void **state)
{
	char line[] = "tst";

	(void)state;
	setup(NULL);
	next_result = -EIO;
	assert_int_equal(cli_execute(line, &out), -EIO);
	assert_string_equal(called, "tst");
}

/* Returns the line of (cap) that contains (needle), or NULL. */
static const char *line_with(const char *needle)
{
	return strstr(cap, needle);
}

static void test_help(void **state)
{
	const char *a, *b, *c, *d, *e, *p;
	char prev[128] = "", cur[128];

	(void)state;
	assert_int_equal(run("help"), 0);
	a = line_with("  tst ");
	b = line_with("  tst alpha ");
	c = line_with("  tst alphabet ");
	d = line_with("  tst beta gamma ");
	e = line_with("  tstx ");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(e);
	assert_true(a < b && b < c && c < d && d < e);
	assert_non_null(line_with("  help "));
	assert_non_null(strstr(b, "first letter\n"));
	/* Sorted, and the help texts start in one column. */
	for (p = cap; *p != '\0'; p = strchr(p, '\n') + 1) {
		size_t n = strcspn(p + 2, " ");

		assert_true(n < sizeof(cur));
		memcpy(cur, p + 2, n);
		cur[n] = '\0';
		assert_true(strcmp(prev, cur) <= 0);
		strcpy(prev, cur);
	}
	assert_true(strstr(a, "the test root") - a == strstr(d, "three words") - d);

	assert_int_equal(run("help tst b"), 0);
	assert_string_equal(cap, "  tst beta gamma  three words\n");
	assert_int_equal(run("he tst al"), 0);
	assert_string_equal(cap, "  tst alpha     first letter\n"
				 "  tst alphabet  all letters\n");
	assert_int_equal(run("help nosuch thing"), -ENOENT);
	assert_string_equal(cap, "% no command starts with 'nosuch thing'\n");
}

static void test_check(void **state)
{
	(void)state;
	setup(NULL);
	assert_int_equal(cli_check(&out), 0);
	assert_int_equal(cap_len, 0);
}

static void test_printf(void **state)
{
	char big[600];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setup(NULL);
	assert_int_equal(cli_printf(&out, "%d-%s\n", 42, "ok"), 0);
	assert_string_equal(cap, "42-ok\n");
	setup(NULL);
	assert_int_equal(cli_printf(&out, "%s\n", big), -EMSGSIZE);
	assert_int_equal(cap_len, CLI_PRINTF_MAX - 1);
	assert_int_equal(cap[cap_len - 1], '\n');
	assert_int_equal(cap[cap_len - 2], 'x');
	setup(NULL);
	assert_int_equal(cli_printf(&out, "%s", big), -EMSGSIZE);
	assert_int_equal(cap_len, CLI_PRINTF_MAX - 1);
	assert_int_equal(cap[cap_len - 1], 'x');
	setup(NULL);
	assert_int_equal(cli_write(&out, "abc", 2), 0);
	assert_string_equal(cap, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_blank, setup),
		cmocka_unit_test_setup(test_exact_and_args, setup),
		cmocka_unit_test_setup(test_comment, setup),
		cmocka_unit_test_setup(test_abbrev, setup),
		cmocka_unit_test_setup(test_ambiguous, setup),
		cmocka_unit_test_setup(test_unknown, setup),
		cmocka_unit_test_setup(test_incomplete, setup),
		cmocka_unit_test_setup(test_word_limit, setup),
		cmocka_unit_test_setup(test_result, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_check, setup),
		cmocka_unit_test_setup(test_printf, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
