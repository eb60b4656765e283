/*
 * Unit tests for kernel/lineedit.c. Every byte goes through key(), which
 * plays the echo on a one-line VT100 model and then checks that the screen
 * shows exactly the editor's line with the cursor in the same place, so
 * each test also checks the redraw logic. The robustness tests feed long
 * bounded streams of random bytes under the same checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lineedit.h"

/* Enough for a full line plus the "^C" printed after it. */
#define TERM_COLS 512

/* A one-line terminal: what the user sees after the prompt. */
static struct {
	char cell[TERM_COLS];
	size_t col;   /* cursor */
	size_t end;   /* cells in use */
	int bells;    /* '\a' seen since the test began */
	int newlines; /* "\n" seen since the test began */
} term;

static struct le le;
/* The echo buffer, followed by a guard that must never change. */
static struct {
	struct le_out out;
	char guard[64];
} echo;
static char last_echo[LE_OUT_MAX + 1];
static size_t max_echo;		  /* largest echo of one key */
static int events[LE_REDRAW + 1]; /* how often each event occurred */

static int setup(void **state)
{
	(void)state;
	le_init(&le);
	memset(&term, 0, sizeof(term));
	memset(&echo, 0, sizeof(echo));
	memset(echo.guard, 0x5a, sizeof(echo.guard));
	max_echo = 0;
	memset(events, 0, sizeof(events));
	return 0;
}

/* Reads the decimal parameter of a CSI sequence at (*p), default 1. */
static size_t term_param(const char **p, const char *end)
{
	size_t n = 0;
	int digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		n = n * 10 + (size_t)(**p - '0');
		(*p)++;
		digits++;
	}
	return digits ? n : 1;
}

/* Plays (n) bytes of echo on the terminal model, failing on anything odd. */
static void term_play(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		char c = *p++;
		size_t k;

		if (c == '\a') {
			term.bells++;
		} else if (c == '\b') {
			assert_true(term.col > 0);
			term.col--;
		} else if (c == '\r') {
			term.col = 0;
		} else if (c == '\n') {
			/* The finished line scrolls away: model a fresh line. */
			assert_int_equal(term.col, 0);
			term.newlines++;
			term.end = 0;
		} else if (c == 0x1b) {
			assert_true(p < end && *p == '[');
			p++;
			k = term_param(&p, end);
			assert_true(p < end);
			switch (*p++) {
			case 'D':
				assert_true(k <= term.col);
				term.col -= k;
				break;
			case 'C':
				assert_true(term.col + k <= term.end);
				term.col += k;
				break;
			case 'K':
				if (term.end > term.col)
					term.end = term.col;
				break;
			case 'H':
				term.col = 0;
				break;
			case 'J':
				assert_int_equal(k, 2);
				term.end = 0;
				break;
			default:
				fail_msg("unexpected escape sequence in echo");
			}
		} else {
			assert_true(c >= 0x20 && c < 0x7f);
			assert_true(term.col < TERM_COLS);
			term.cell[term.col++] = c;
			if (term.col > term.end)
				term.end = term.col;
		}
	}
}

static void check_invariants(void)
{
	size_t i;

	assert_true(le.cursor <= le.len);
	assert_true(le.len <= LE_LINE_MAX - 1);
	assert_int_equal(le.buf[le.len], '\0');
	assert_int_equal(strlen(le.buf), le.len);
	for (i = 0; i < le.len; i++)
		assert_true(le.buf[i] >= 0x20 && le.buf[i] < 0x7f);
	assert_true(memchr(le.done, '\0', LE_LINE_MAX) != NULL);
	assert_true(le.hist_count <= LE_HIST);
	assert_true(le.hist_next < LE_HIST);
	assert_true(le.hist_pos <= le.hist_count);
	for (i = 0; i < LE_HIST; i++)
		assert_true(memchr(le.hist[i], '\0', LE_LINE_MAX) != NULL);
	/* The screen shows the line, and the cursor where the editor has it. */
	assert_int_equal(term.end, le.len);
	assert_memory_equal(term.cell, le.buf, le.len);
	assert_int_equal(term.col, le.cursor);
	for (i = 0; i < sizeof(echo.guard); i++)
		assert_int_equal((unsigned char)echo.guard[i], 0x5a);
}

/* Feeds one byte and checks everything; a redraw request is honoured. */
static enum le_event key(uint8_t c)
{
	enum le_event ev;

	echo.out.len = 0;
	ev = le_feed(&le, c, &echo.out);
	assert_true(echo.out.len <= LE_ECHO_MAX);
	assert_int_equal(echo.out.dropped, 0);
	assert_true(ev >= LE_NONE && ev <= LE_REDRAW);
	events[ev]++;
	if (echo.out.len > max_echo)
		max_echo = echo.out.len;
	memcpy(last_echo, echo.out.buf, echo.out.len);
	last_echo[echo.out.len] = '\0';
	term_play(echo.out.buf, echo.out.len);
	if (ev == LE_REDRAW) {
		echo.out.len = 0;
		le_redraw(&le, &echo.out);
		assert_true(echo.out.len <= LE_ECHO_MAX);
		term_play(echo.out.buf, echo.out.len);
	}
	check_invariants();
	return ev;
}

/* Feeds (n) bytes; returns the last event other than LE_NONE, or LE_NONE. */
static enum le_event keys_n(const char *s, size_t n)
{
	enum le_event last = LE_NONE, ev;
	size_t i;

	for (i = 0; i < n; i++) {
		ev = key((uint8_t)s[i]);
		if (ev != LE_NONE)
			last = ev;
	}
	return last;
}

static enum le_event keys(const char *s)
{
	return keys_n(s, strlen(s));
}

#define UP    "\x1b[A"
#define DOWN  "\x1b[B"
#define RIGHT "\x1b[C"
#define LEFT  "\x1b[D"

static void test_type_and_enter(void **state)
{
	(void)state;
	assert_int_equal(keys("hello"), LE_NONE);
	assert_string_equal(le.buf, "hello");
	assert_int_equal(key('\r'), LE_LINE);
	assert_string_equal(last_echo, "\r\n");
	assert_string_equal(le_line(&le), "hello");
	assert_int_equal(le.len, 0);
	assert_int_equal(term.bells, 0);
	/* Enter with the cursor mid-line takes the whole line. */
	assert_int_equal(keys("abc" LEFT LEFT "\n"), LE_LINE);
	assert_string_equal(le_line(&le), "abc");
}

static void test_line_endings(void **state)
{
	int lines = 0;
	const char *s = "a\r\nb\nc\rd\r\r\n\n";
	size_t i;

	(void)state;
	for (i = 0; i < strlen(s); i++)
		lines += key((uint8_t)s[i]) == LE_LINE;
	/* a, b, c, d, then the CR's empty line, then the lone LF's. */
	assert_int_equal(lines, 6);
	assert_string_equal(le_line(&le), "");
	/* A byte between CR and LF makes the LF an Enter of its own. */
	assert_int_equal(keys("x\r"), LE_LINE);
	assert_int_equal(key(0x80), LE_NONE);
	assert_int_equal(key('\n'), LE_LINE);
	assert_string_equal(le_line(&le), "");
}

static void test_backspace(void **state)
{
	(void)state;
	keys("abc\b");
	assert_string_equal(le.buf, "ab");
	assert_string_equal(last_echo, "\b\x1b[K");
	keys("\x7f\x7f\x7f\b");
	assert_string_equal(le.buf, "");
	assert_int_equal(term.bells, 0);
	keys("abcd" LEFT LEFT "\x7f");
	assert_string_equal(le.buf, "acd");
	assert_int_equal(le.cursor, 1);
	assert_string_equal(last_echo, "\bcd\x1b[K\x1b[2D");
}

static void test_cursor_moves(void **state)
{
	(void)state;
	keys("abc" LEFT LEFT "X");
	assert_string_equal(le.buf, "aXbc");
	assert_int_equal(le.cursor, 2);
	assert_string_equal(last_echo, "Xbc\x1b[2D");
	keys("\x01Y");
	assert_string_equal(le.buf, "YaXbc");
	keys("\x05Z");
	assert_string_equal(le.buf, "YaXbcZ");
	keys(RIGHT RIGHT);
	assert_int_equal(le.cursor, 6);
	keys("\x01" LEFT LEFT);
	assert_int_equal(le.cursor, 0);
	keys("\x06\x06\x02");
	assert_int_equal(le.cursor, 1);
	keys("\x1bOC\x1bOC\x1bOD");
	assert_int_equal(le.cursor, 2);
	assert_int_equal(term.bells, 0);
	assert_int_equal(le.stats.esc, 0);
}

static void test_home_end_keys(void **state)
{
	static const char *const home[] = {"\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01"};
	static const char *const end[] = {"\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05"};
	size_t i;

	(void)state;
	keys("some words");
	for (i = 0; i < 5; i++) {
		keys(home[i]);
		assert_int_equal(le.cursor, 0);
		keys(end[i]);
		assert_int_equal(le.cursor, 10);
	}
	assert_int_equal(le.stats.esc, 0);
}

static void test_delete(void **state)
{
	(void)state;
	keys("abcd" LEFT LEFT LEFT "\x1b[3~");
	assert_string_equal(le.buf, "acd");
	assert_int_equal(le.cursor, 1);
	keys("\x04");
	assert_string_equal(le.buf, "ad");
	keys("\x05\x1b[3~\x04");
	assert_string_equal(le.buf, "ad");
	assert_int_equal(term.bells, 0);
}

static void test_kill(void **state)
{
	(void)state;
	keys("foo bar  baz" LEFT LEFT "\x0b");
	assert_string_equal(le.buf, "foo bar  b");
	keys("\x17");
	assert_string_equal(le.buf, "foo bar  ");
	keys("\x17");
	assert_string_equal(le.buf, "foo ");
	keys("x" LEFT "\x17");
	assert_string_equal(le.buf, "x");
	assert_int_equal(le.cursor, 0);
	keys("\x17\x05zz" LEFT "\x15");
	assert_string_equal(le.buf, "");
	assert_int_equal(le.cursor, 0);
}

static void test_tab_is_space(void **state)
{
	(void)state;
	assert_int_equal(keys("a\tb\r"), LE_LINE);
	assert_string_equal(le_line(&le), "a b");
}

/* Enters the given lines. */
static void enter(const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		keys(lines[i]);
		assert_int_equal(key('\r'), LE_LINE);
	}
}

static void test_history_browse(void **state)
{
	static const char *const lines[] = {"one", "two", "three"};

	(void)state;
	enter(lines, 3);
	keys("par");
	keys(UP);
	assert_string_equal(le.buf, "three");
	assert_int_equal(le.cursor, 5);
	keys("\x1bOA");
	assert_string_equal(le.buf, "two");
	keys("\x10");
	assert_string_equal(le.buf, "one");
	keys(UP);
	assert_string_equal(le.buf, "one");
	keys(DOWN);
	assert_string_equal(le.buf, "two");
	keys("\x0e\x1bOB");
	assert_string_equal(le.buf, "par");
	keys(DOWN);
	assert_string_equal(le.buf, "par");
	assert_int_equal(key('\r'), LE_LINE);
	assert_string_equal(le_line(&le), "par");
	assert_int_equal(le.hist_count, 4);
}

static void test_history_edit_recalled(void **state)
{
	static const char *const lines[] = {"one", "two", "three"};
	static const char *const want[] = {"two!", "three", "two", "one"};
	size_t i;

	(void)state;
	enter(lines, 3);
	keys(UP UP "!" LEFT LEFT LEFT LEFT "\x1b[3~t");
	assert_string_equal(le.buf, "two!");
	assert_int_equal(key('\n'), LE_LINE);
	assert_string_equal(le_line(&le), "two!");
	/* The edit made a new entry; the recalled one is unchanged. */
	for (i = 0; i < 4; i++) {
		keys(UP);
		assert_string_equal(le.buf, want[i]);
	}
	/* Edits to a recalled line are dropped when browsing away from it. */
	keys("xyz" DOWN UP);
	assert_string_equal(le.buf, "one");
}

static void test_history_filter(void **state)
{
	static const char *const lines[] = {"a", "a", "", "   ", "b", "a"};

	(void)state;
	enter(lines, 6);
	assert_int_equal(le.hist_count, 3);
	keys(UP UP UP UP);
	assert_string_equal(le.buf, "a");
	keys(DOWN);
	assert_string_equal(le.buf, "b");
}

static void test_history_ring(void **state)
{
	char line[8];
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		line[0] = (char)('A' + i % 26);
		line[1] = (char)('0' + i / 26);
		line[2] = '\r';
		keys_n(line, 3);
	}
	assert_int_equal(le.hist_count, LE_HIST);
	for (i = 0; i < LE_HIST + 3; i++)
		keys(UP);
	/* The oldest kept is entry 40 - LE_HIST = 24. */
	assert_string_equal(le.buf, "Y0");
	for (i = 0; i < LE_HIST; i++)
		keys(DOWN);
	assert_string_equal(le.buf, "");
}

static void fill(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		key((uint8_t)('a' + i % 26));
}

static void test_too_long(void **state)
{
	(void)state;
	keys("ok\r");
	fill(LE_LINE_MAX - 1);
	assert_int_equal(le.len, LE_LINE_MAX - 1);
	assert_int_equal(term.bells, 0);
	assert_int_equal(le.too_long, false);
	fill(10);
	assert_int_equal(le.len, LE_LINE_MAX - 1);
	assert_int_equal(term.bells, 10);
	assert_int_equal(le.stats.toolong, 10);
	/* Refused in the middle too. */
	keys(LEFT LEFT "x");
	assert_int_equal(term.bells, 11);
	/* Deleting some is not enough: the line is still a truncated one. */
	keys("\b\b\b");
	assert_int_equal(key('\r'), LE_ERROR_LONG);
	assert_string_equal(le_line(&le), "ok");
	assert_int_equal(le.hist_count, 1);
	/* The next line is normal. */
	assert_int_equal(keys("next\r"), LE_LINE);
	assert_string_equal(le_line(&le), "next");
	/* Killing the line forgives. */
	fill(LE_LINE_MAX + 5);
	assert_int_equal(keys("\x15"
			      "fine\r"),
			 LE_LINE);
	assert_string_equal(le_line(&le), "fine");
	/* A recalled line is whole; browsing back restores the refusal. */
	fill(LE_LINE_MAX);
	assert_int_equal(keys(UP "\r"), LE_LINE);
	assert_string_equal(le_line(&le), "fine");
	fill(LE_LINE_MAX);
	assert_int_equal(keys(UP DOWN "\r"), LE_ERROR_LONG);
	/* A full line from history is accepted as is. */
	fill(LE_LINE_MAX - 1);
	keys("\r");
	assert_int_equal(keys(UP "\r"), LE_LINE);
	assert_int_equal(strlen(le_line(&le)), LE_LINE_MAX - 1);
}

static void test_interrupt(void **state)
{
	(void)state;
	keys("keep\r");
	assert_int_equal(keys("abc" LEFT LEFT "\x03"), LE_INTERRUPT);
	assert_string_equal(last_echo, "\x1b[2C^C\r\n");
	assert_string_equal(le.buf, "");
	assert_string_equal(le_line(&le), "keep");
	assert_int_equal(le.hist_count, 1);
	fill(LE_LINE_MAX);
	assert_int_equal(keys("\x03"
			      "x\r"),
			 LE_LINE);
}

static void test_control_chars(void **state)
{
	static const uint8_t refused[] = {0x07, 0x0f, 0x11, 0x12, 0x13, 0x14, 0x16,
					  0x18, 0x19, 0x1a, 0x1c, 0x1d, 0x1e, 0x1f};
	size_t i;

	(void)state;
	keys("ab");
	for (i = 0; i < sizeof(refused); i++) {
		assert_int_equal(key(refused[i]), LE_NONE);
		assert_string_equal(last_echo, "\a");
	}
	assert_int_equal(term.bells, (int)sizeof(refused));
	assert_int_equal(le.stats.ctrl, sizeof(refused));
	/* NUL is counted but silent. */
	assert_int_equal(key(0), LE_NONE);
	assert_string_equal(last_echo, "");
	assert_int_equal(le.stats.ctrl, sizeof(refused) + 1);
	assert_int_equal(key('\r'), LE_LINE);
	assert_string_equal(le_line(&le), "ab");
}

static void test_high_bytes(void **state)
{
	(void)state;
	/* "caf\u00e9" in UTF-8, then a stray continuation byte and 0xff. */
	keys("caf\xc3\xa9\x80\xff");
	assert_string_equal(le.buf, "caf");
	assert_int_equal(le.stats.high, 4);
	assert_int_equal(term.bells, 2);
	/* A high byte inside an escape sequence ends it. */
	keys("\x1b[\xc3"
	     "D");
	assert_string_equal(le.buf, "cafD");
	assert_int_equal(le.stats.esc, 1);
}

static void test_escape_junk(void **state)
{
	char longseq[200];

	(void)state;
	keys("abc");
	/* Shift-Tab, ctrl-arrow, Alt-x, unknown ~ keys, private marker. */
	keys("\x1b[Z\x1b[1;5C\x1bx\x1b[99~\x1b[2~\x1b[?25h\x1b[3;5~\x1bOZ\x1b[12D");
	assert_string_equal(le.buf, "abc");
	assert_int_equal(le.cursor, 3);
	assert_int_equal(le.stats.esc, 9);
	/* Parameters past LE_ESC_MAX are not stored, and the key is dropped. */
	memset(longseq, '1', sizeof(longseq));
	longseq[0] = 0x1b;
	longseq[1] = '[';
	longseq[sizeof(longseq) - 1] = 'D';
	keys_n(longseq, sizeof(longseq));
	assert_int_equal(le.cursor, 3);
	assert_int_equal(le.stats.esc, 10);
	/* Exactly LE_ESC_MAX parameter bytes are still a sequence. */
	keys("\x1b[00000003~");
	assert_int_equal(le.stats.esc, 11);
	/* A control byte ends a sequence and acts as itself. */
	assert_int_equal(keys("\x1b[1\r"), LE_LINE);
	assert_string_equal(le_line(&le), "abc");
	assert_int_equal(keys("x\x1b\x03"), LE_INTERRUPT);
	keys("y\x1b\x1b[D");
	assert_int_equal(le.cursor, 0);
	keys("\x1bO\x7f\x1b[\x08");
	assert_int_equal(le.stats.esc, 16);
	/* The bytes after an aborted sequence are text again. */
	keys("\x1b\x05z");
	assert_string_equal(le.buf, "yz");
}

static void test_redraw(void **state)
{
	(void)state;
	keys("abcd" LEFT LEFT);
	echo.out.len = 0;
	assert_int_equal(le_feed(&le, 0x0c, &echo.out), LE_REDRAW);
	assert_string_equal(le.buf, "abcd");
	echo.out.buf[echo.out.len] = '\0';
	assert_string_equal(echo.out.buf, "\x1b[H\x1b[2J");
	echo.out.len = 0;
	le_redraw(&le, &echo.out);
	echo.out.buf[echo.out.len] = '\0';
	assert_string_equal(echo.out.buf, "abcd\x1b[2D");
	/* Through key(), which checks the screen after the redraw. */
	memset(&term, 0, sizeof(term));
	term_play("abcd\x1b[2D", 8);
	assert_int_equal(key(0x0c), LE_REDRAW);
}

static void test_out_bounded(void **state)
{
	(void)state;
	fill(200);
	keys("\x01");
	/* The caller did not drain the buffer: the echo is cut, never overrun. */
	echo.out.len = LE_OUT_MAX - 3;
	le_feed(&le, 'x', &echo.out);
	assert_int_equal(echo.out.len, LE_OUT_MAX);
	assert_int_equal(echo.out.dropped, 201 + 6 - 3);
	le_feed(&le, 'y', &echo.out);
	assert_int_equal(echo.out.len, LE_OUT_MAX);
	/* A corrupt length is treated as full. */
	echo.out.len = LE_OUT_MAX + 100;
	le_feed(&le, 'z', &echo.out);
	assert_int_equal(echo.out.len, LE_OUT_MAX + 100);
	assert_int_equal(le.len, 203);
	for (size_t i = 0; i < sizeof(echo.guard); i++)
		assert_int_equal((unsigned char)echo.guard[i], 0x5a);
}

/* A fixed-seed generator, so failures reproduce. */
static uint32_t rng = 0x2545f491;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Bytes weighted towards what an editor must get right. */
static uint8_t interesting(void)
{
	static const char pool[] = "\x1b\x1b\x1b[[[OOO0123456789;~~ABCDHF\r\n\b\x7f\x01\x02\x03"
				   "\x04\x05\x06\x0b\x0c\x0e\x10\x15\x17\t\x00\x07";
	uint32_t r = rnd();

	switch (r % 8) {
	case 0:
		return (uint8_t)(0x80 + (r >> 8) % 128);
	case 1:
	case 2:
		return (uint8_t)pool[(r >> 8) % (sizeof(pool) - 1)];
	default:
		return (uint8_t)(0x20 + (r >> 8) % 95);
	}
}

static void test_random_interesting(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		key(interesting());
	/* The stream did reach every outcome and every kind of refusal. */
	assert_true(events[LE_LINE] > 0 && events[LE_INTERRUPT] > 0 && events[LE_REDRAW] > 0);
	assert_true(le.stats.ctrl > 0 && le.stats.high > 0 && le.stats.esc > 0);
}

static void test_random_uniform(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		key((uint8_t)rnd());
}

/* Long lines and history recalls, where the echo is largest. */
static void test_random_long_lines(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		uint32_t r = rnd() % 64;

		if (r == 0)
			keys(UP);
		else if (r == 1)
			keys(DOWN);
		else if (r == 2)
			keys("\x01");
		else if (r == 3)
			key('\r');
		else if (r == 4)
			while (le.len < LE_LINE_MAX - 1)
				key((uint8_t)(0x20 + rnd() % 95));
		else if (r < 8)
			keys(LEFT);
		else
			key((uint8_t)(0x20 + rnd() % 95));
	}
	assert_true(events[LE_LINE] > 0 && events[LE_ERROR_LONG] > 0);
	assert_true(max_echo > LE_LINE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type_and_enter, setup),
		cmocka_unit_test_setup(test_line_endings, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_cursor_moves, setup),
		cmocka_unit_test_setup(test_home_end_keys, setup),
		cmocka_unit_test_setup(test_delete, setup),
		cmocka_unit_test_setup(test_kill, setup),
		cmocka_unit_test_setup(test_tab_is_space, setup),
		cmocka_unit_test_setup(test_history_browse, setup),
		cmocka_unit_test_setup(test_history_edit_recalled, setup),
		cmocka_unit_test_setup(test_history_filter, setup),
		cmocka_unit_test_setup(test_history_ring, setup),
		cmocka_unit_test_setup(test_too_long, setup),
		cmocka_unit_test_setup(test_interrupt, setup),
		cmocka_unit_test_setup(test_control_chars, setup),
		cmocka_unit_test_setup(test_high_bytes, setup),
		cmocka_unit_test_setup(test_escape_junk, setup),
		cmocka_unit_test_setup(test_redraw, setup),
		cmocka_unit_test_setup(test_out_bounded, setup),
		cmocka_unit_test_setup(test_random_interesting, setup),
		cmocka_unit_test_setup(test_random_uniform, setup),
		cmocka_unit_test_setup(test_random_long_lines, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
