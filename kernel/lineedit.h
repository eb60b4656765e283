/*
 * Line editor for the serial console: turns the bytes a VT100/ANSI terminal
 * sends into complete command lines, producing the echo the terminal must
 * show (cursor moves, tail redraws, bells). It is pure: the caller feeds
 * received bytes one at a time and writes the echo wherever it likes, so
 * the editor is tested on the host. The prompt belongs to the caller.
 */
#ifndef UNIGATE_LINEEDIT_H
#define UNIGATE_LINEEDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define LE_LINE_MAX 256 /* line buffer, NUL included: 255 characters */
#define LE_HIST	    16	/* history entries kept */
#define LE_ESC_MAX  8	/* parameter bytes kept from one escape sequence */
#define LE_OUT_MAX  512 /* capacity of struct le_out */
#define LE_ECHO_MAX 300 /* most bytes one le_feed() or le_redraw() appends */

/* Result of feeding one byte. */
enum le_event {
	LE_NONE,       /* still editing */
	LE_LINE,       /* Enter: le_line() holds the line */
	LE_INTERRUPT,  /* ctrl-C: the line was discarded */
	LE_ERROR_LONG, /* Enter after keys were refused for length: line discarded */
	LE_REDRAW,     /* ctrl-L: screen cleared; print the prompt, then le_redraw() */
};

/*
 * Echo buffer, owned by the caller. The editor appends to buf[0..len) and
 * never past LE_OUT_MAX; bytes that do not fit are counted in (dropped).
 * The caller writes buf to the terminal as is (it is raw VT100: CR LF, BS,
 * ESC[nC/D, ESC[K) and sets len to 0 when it likes; doing so after every
 * le_feed() guarantees nothing is ever dropped.
 */
struct le_out {
	size_t len;
	uint32_t dropped;
	char buf[LE_OUT_MAX];
};

/* Input the editor refused; the console's "show counters" prints these. */
struct le_stats {
	uint32_t ctrl;	  /* control bytes that are not editing keys */
	uint32_t high;	  /* bytes >= 0x80 (no UTF-8 support) */
	uint32_t esc;	  /* escape sequences unknown, malformed or too long */
	uint32_t toolong; /* keystrokes refused because the line was full */
};

/*
 * Editor state, allocated by the caller (about 5 KiB) and changed only by
 * le_* functions; the caller may read (stats). Invariant: cursor <= len <=
 * LE_LINE_MAX - 1, buf[len] == 0, and buf holds only printable ASCII.
 */
struct le {
	char buf[LE_LINE_MAX];	   /* the line being edited */
	size_t len;		   /* characters in buf */
	size_t cursor;		   /* insertion point, 0..len */
	char done[LE_LINE_MAX];	   /* the last line completed by Enter */
	char scratch[LE_LINE_MAX]; /* the new line, kept while browsing history */
	char hist[LE_HIST][LE_LINE_MAX];
	unsigned hist_count;   /* entries in hist, up to LE_HIST */
	unsigned hist_next;    /* slot the next entry goes to */
	unsigned hist_pos;     /* 0: editing the new line; n: showing the nth newest */
	uint8_t esc_state;     /* escape parser state, private */
	uint8_t esc_len;       /* parameter bytes seen; LE_ESC_MAX + 1: too many */
	char esc[LE_ESC_MAX];  /* parameter bytes kept */
	bool too_long;	       /* a key was refused for length since the last Enter */
	bool scratch_too_long; /* too_long of the new line, kept while browsing */
	bool after_cr;	       /* the last byte was CR: a following LF is the same Enter */
	struct le_stats stats;
};

/* Resets (le) to an empty line, empty history and zero counters. */
void le_init(struct le *le);

/*
 * Feeds one received byte (c) to (le) and appends the echo to (out).
 * Returns what the byte completed, an enum le_event.
 *
 * Keys: printable ASCII inserts at the cursor; TAB inserts a space (one
 * column per character keeps cursor arithmetic exact); CR, LF or CR LF is
 * one Enter; BS or DEL deletes left; ESC[3~ and ctrl-D delete under the
 * cursor; arrows, ctrl-B/F move; ESC[H, ESC[F, ESC[1~, ESC[4~, ctrl-A/E go
 * home/end; up/down or ctrl-P/N browse history; ctrl-U kills the line,
 * ctrl-K to its end, ctrl-W the word before the cursor; ctrl-L asks for a
 * redraw; ctrl-C interrupts. Both ESC[ and ESC O arrow forms are accepted.
 *
 * Refused input never reaches the line: other control bytes ring the bell
 * (NUL, which line noise and BREAK produce, silently) and count in
 * stats.ctrl; bytes >= 0x80 are dropped into stats.high with one bell per
 * character (UTF-8 continuation bytes are silent); unknown escape sequences
 * are swallowed into stats.esc, and a control byte inside one ends it and
 * then acts as itself, so Enter and ctrl-C always work (a lone Escape key
 * press swallows the key after it, as Alt does). A key that would
 * make the line longer than LE_LINE_MAX - 1 rings the bell and makes the
 * next Enter return LE_ERROR_LONG, so a truncated paste never runs. Only
 * discarding the line (ctrl-U, ctrl-C) clears that state; a line recalled
 * from history is whole, and browsing back to the new line restores it.
 */
enum le_event le_feed(struct le *le, uint8_t c, struct le_out *out);

/*
 * Returns the line completed by the last LE_LINE, NUL-terminated and without
 * the line ending. The string lives in (le) until the next LE_LINE.
 *
 * On LE_LINE the line is also added to history, unless it is blank or equals
 * the newest entry. Editing a recalled line edits a copy: Enter adds the
 * copy as a new entry and the old entry stays as it was.
 */
const char *le_line(const struct le *le);

/*
 * Appends to (out) the line being edited and the moves that put the
 * terminal's cursor back on le->cursor. Call it just after printing the
 * prompt at the start of a line: after LE_REDRAW, or after log output
 * interrupted the line being typed.
 */
void le_redraw(const struct le *le, struct le_out *out);

#endif
