/*
 * VT100/ANSI line editor. Every key edits le->buf and then redraws only what
 * changed, relative to where the terminal's cursor is, since the prompt's
 * width is unknown here. Escape sequences go through a small ECMA-48 parser
 * that keeps at most LE_ESC_MAX parameter bytes, so no input can make it
 * read or write outside its arrays.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/lineedit.h"

/* Escape parser states. */
enum {
	LE_ST_TEXT, /* ordinary input */
	LE_ST_ESC,  /* after ESC */
	LE_ST_CSI,  /* after ESC [, collecting parameters */
	LE_ST_SS3,  /* after ESC O, waiting for the key letter */
};

#define LE_CTRL(k) ((k)&0x1f)

static void le_put(struct le_out *out, const char *s, size_t n)
{
	size_t room = out->len < LE_OUT_MAX ? LE_OUT_MAX - out->len : 0;

	if (n > room) {
		out->dropped += (uint32_t)(n - room);
		n = room;
	}
	if (n == 0)
		return;
	memcpy(out->buf + out->len, s, n);
	out->len += n;
}

static void le_puts(struct le_out *out, const char *s)
{
	le_put(out, s, strlen(s));
}

static void le_bell(struct le_out *out)
{
	le_put(out, "\a", 1);
}

/* Moves the terminal's cursor (n) columns left (dir 'D') or right ('C'). */
static void le_move(struct le_out *out, size_t n, char dir)
{
	char seq[16];
	int k;

	if (n == 0)
		return;
	if (n == 1 && dir == 'D') {
		le_put(out, "\b", 1);
		return;
	}
	k = snprintf(seq, sizeof(seq), "\x1b[%u%c", (unsigned)n, dir);
	if (k > 0 && (size_t)k < sizeof(seq))
		le_put(out, seq, (size_t)k);
}

/*
 * With the terminal's cursor at column (from), rewrites buf[from..len),
 * erases what a longer old line left behind if (clear), and steps back to
 * le->cursor.
 */
static void le_tail(const struct le *le, struct le_out *out, size_t from, bool clear)
{
	le_put(out, le->buf + from, le->len - from);
	if (clear)
		le_puts(out, "\x1b[K");
	le_move(out, le->len - le->cursor, 'D');
}

static void le_goto(struct le *le, size_t pos, struct le_out *out)
{
	if (pos < le->cursor)
		le_move(out, le->cursor - pos, 'D');
	else
		le_move(out, pos - le->cursor, 'C');
	le->cursor = pos;
}

static void le_insert(struct le *le, char c, struct le_out *out)
{
	if (le->len >= LE_LINE_MAX - 1) {
		le->too_long = true;
		le->stats.toolong++;
		le_bell(out);
		return;
	}
	/* Moves the NUL too. */
	memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor + 1);
	le->buf[le->cursor] = c;
	le->len++;
	le->cursor++;
	le_tail(le, out, le->cursor - 1, false);
}

/* Removes buf[at..at+n), where at <= cursor, leaving the cursor at (at). */
static void le_delete(struct le *le, size_t at, size_t n, struct le_out *out)
{
	le_move(out, le->cursor - at, 'D');
	memmove(le->buf + at, le->buf + at + n, le->len - at - n + 1);
	le->len -= n;
	le->cursor = at;
	le_tail(le, out, at, true);
}

static void le_kill_word(struct le *le, struct le_out *out)
{
	size_t i = le->cursor;

	while (i > 0 && le->buf[i - 1] == ' ')
		i--;
	while (i > 0 && le->buf[i - 1] != ' ')
		i--;
	le_delete(le, i, le->cursor - i, out);
}

/* Replaces the whole line by (s), which is NUL-terminated and fits. */
static void le_replace(struct le *le, const char *s, struct le_out *out)
{
	size_t n = strlen(s);

	le_move(out, le->cursor, 'D');
	memcpy(le->buf, s, n + 1);
	le->len = n;
	le->cursor = n;
	le_tail(le, out, 0, true);
}

/* Returns the (n)th newest history entry, 1 <= n <= hist_count. */
static const char *le_hist_get(const struct le *le, unsigned n)
{
	return le->hist[(le->hist_next + LE_HIST - n) % LE_HIST];
}

static void le_hist_add(struct le *le, const char *s)
{
	if (s[strspn(s, " ")] == '\0')
		return;
	if (le->hist_count > 0 && strcmp(le_hist_get(le, 1), s) == 0)
		return;
	memcpy(le->hist[le->hist_next], s, strlen(s) + 1);
	le->hist_next = (le->hist_next + 1) % LE_HIST;
	if (le->hist_count < LE_HIST)
		le->hist_count++;
}

/* Shows the next older entry if (older), else the next newer one. */
static void le_hist_move(struct le *le, bool older, struct le_out *out)
{
	if (older ? le->hist_pos >= le->hist_count : le->hist_pos == 0)
		return;
	if (le->hist_pos == 0) {
		memcpy(le->scratch, le->buf, le->len + 1);
		le->scratch_too_long = le->too_long;
	}
	if (older)
		le->hist_pos++;
	else
		le->hist_pos--;
	if (le->hist_pos == 0) {
		le->too_long = le->scratch_too_long;
		le_replace(le, le->scratch, out);
	} else {
		/* A recalled line is whole, whatever was refused before. */
		le->too_long = false;
		le_replace(le, le_hist_get(le, le->hist_pos), out);
	}
}

static void le_clear(struct le *le)
{
	le->buf[0] = '\0';
	le->len = 0;
	le->cursor = 0;
	le->hist_pos = 0;
	le->too_long = false;
}

static enum le_event le_enter(struct le *le, struct le_out *out)
{
	bool too_long = le->too_long;

	le_puts(out, "\r\n");
	if (!too_long) {
		memcpy(le->done, le->buf, le->len + 1);
		le_hist_add(le, le->done);
	}
	le_clear(le);
	return too_long ? LE_ERROR_LONG : LE_LINE;
}

/* Acts on a cursor key letter shared by the CSI and SS3 forms. */
static bool le_cursor_key(struct le *le, uint8_t k, struct le_out *out)
{
	switch (k) {
	case 'A':
		le_hist_move(le, true, out);
		break;
	case 'B':
		le_hist_move(le, false, out);
		break;
	case 'C':
		le_goto(le, le->cursor < le->len ? le->cursor + 1 : le->len, out);
		break;
	case 'D':
		le_goto(le, le->cursor > 0 ? le->cursor - 1 : 0, out);
		break;
	case 'H':
		le_goto(le, 0, out);
		break;
	case 'F':
		le_goto(le, le->len, out);
		break;
	default:
		return false;
	}
	return true;
}

/* Acts on a complete ESC [ sequence ending in (final). */
static void le_csi(struct le *le, uint8_t final, struct le_out *out)
{
	if (le->esc_len == 0 && le_cursor_key(le, final, out))
		return;
	if (le->esc_len == 1 && final == '~') {
		switch (le->esc[0]) {
		case '1':
		case '7':
			le_goto(le, 0, out);
			return;
		case '4':
		case '8':
			le_goto(le, le->len, out);
			return;
		case '3':
			if (le->cursor < le->len)
				le_delete(le, le->cursor, 1, out);
			return;
		}
	}
	le->stats.esc++;
}

/* Consumes byte (c), 0x20..0x7e, of an escape sequence. */
static void le_esc_byte(struct le *le, uint8_t c, struct le_out *out)
{
	switch (le->esc_state) {
	case LE_ST_ESC:
		le->esc_len = 0;
		le->esc_state = c == '[' ? LE_ST_CSI : c == 'O' ? LE_ST_SS3 : LE_ST_TEXT;
		if (le->esc_state == LE_ST_TEXT)
			le->stats.esc++; /* ESC x: Alt-x, not bound */
		return;
	case LE_ST_SS3:
		le->esc_state = LE_ST_TEXT;
		if (!le_cursor_key(le, c, out))
			le->stats.esc++;
		return;
	default:
		break;
	}
	/* ECMA-48 5.4: parameter and intermediate bytes, then one final byte. */
	if (c <= 0x3f) {
		if (le->esc_len < LE_ESC_MAX)
			le->esc[le->esc_len] = (char)c;
		if (le->esc_len <= LE_ESC_MAX)
			le->esc_len++;
		return;
	}
	le->esc_state = LE_ST_TEXT;
	if (le->esc_len > LE_ESC_MAX)
		le->stats.esc++;
	else
		le_csi(le, c, out);
}

static enum le_event le_control(struct le *le, uint8_t c, struct le_out *out)
{
	switch (c) {
	case '\r':
		le->after_cr = true;
		return le_enter(le, out);
	case '\n':
		return le_enter(le, out);
	case LE_CTRL('C'):
		le_goto(le, le->len, out);
		le_puts(out, "^C\r\n");
		le_clear(le);
		return LE_INTERRUPT;
	case LE_CTRL('L'):
		le_puts(out, "\x1b[H\x1b[2J");
		return LE_REDRAW;
	case LE_CTRL('A'):
		le_cursor_key(le, 'H', out);
		break;
	case LE_CTRL('E'):
		le_cursor_key(le, 'F', out);
		break;
	case LE_CTRL('B'):
		le_cursor_key(le, 'D', out);
		break;
	case LE_CTRL('F'):
		le_cursor_key(le, 'C', out);
		break;
	case LE_CTRL('P'):
		le_cursor_key(le, 'A', out);
		break;
	case LE_CTRL('N'):
		le_cursor_key(le, 'B', out);
		break;
	case LE_CTRL('H'):
	case 0x7f:
		if (le->cursor > 0)
			le_delete(le, le->cursor - 1, 1, out);
		break;
	case LE_CTRL('D'):
		if (le->cursor < le->len)
			le_delete(le, le->cursor, 1, out);
		break;
	case LE_CTRL('K'):
		le_delete(le, le->cursor, le->len - le->cursor, out);
		break;
	case LE_CTRL('U'):
		le_delete(le, 0, le->len, out);
		le->too_long = false;
		break;
	case LE_CTRL('W'):
		le_kill_word(le, out);
		break;
	case '\t':
		le_insert(le, ' ', out);
		break;
	case 0x1b:
		le->esc_state = LE_ST_ESC;
		break;
	case 0:
		le->stats.ctrl++;
		break;
	default:
		le->stats.ctrl++;
		le_bell(out);
		break;
	}
	return LE_NONE;
}

void le_init(struct le *le)
{
	memset(le, 0, sizeof(*le));
}

enum le_event le_feed(struct le *le, uint8_t c, struct le_out *out)
{
	bool after_cr = le->after_cr;

	le->after_cr = false;
	if (c >= 0x80) {
		if (le->esc_state != LE_ST_TEXT) {
			le->esc_state = LE_ST_TEXT;
			le->stats.esc++;
		}
		le->stats.high++;
		/* One bell per UTF-8 character: continuation bytes are 10xxxxxx. */
		if (c >= 0xc0)
			le_bell(out);
		return LE_NONE;
	}
	if (le->esc_state != LE_ST_TEXT) {
		if (c >= 0x20 && c < 0x7f) {
			le_esc_byte(le, c, out);
			return LE_NONE;
		}
		/* A control byte ends the sequence and then acts as itself. */
		le->esc_state = LE_ST_TEXT;
		le->stats.esc++;
	}
	if (c == '\n' && after_cr)
		return LE_NONE;
	if (c >= 0x20 && c < 0x7f) {
		le_insert(le, (char)c, out);
		return LE_NONE;
	}
	return le_control(le, c, out);
}

const char *le_line(const struct le *le)
{
	return le->done;
}

void le_redraw(const struct le *le, struct le_out *out)
{
	le_tail(le, out, 0, false);
}
