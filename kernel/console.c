/*
 * Binds the pure line editor (lineedit.c) and dispatcher (cli.c) to COM1.
 * Each received byte is fed to the editor, its echo written at once, and a
 * completed line executed; errors are one line starting with "%".
 */
#include <stdio.h>

#include "kernel/console.h"
#include "kernel/lineedit.h"
#include "kernel/panic.h"
#include "kernel/serial.h"

#define CONSOLE_PROMPT "unigate> "

static struct le console_le;
static console_handler_fn console_handler = cli_execute;
static console_prompt_fn console_prompt_text;

static void console_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stdout);
}

static struct cli_out console_sink = {console_write, NULL};

struct cli_out *console_out(void)
{
	return &console_sink;
}

static void console_flush_echo(struct le_out *o)
{
	/* The editor already emits CR LF where it means a new line. */
	serial_write_polled(o->buf, o->len);
	o->len = 0;
}

void console_set_handler(console_handler_fn fn, console_prompt_fn prompt)
{
	console_handler = fn != NULL ? fn : cli_execute;
	console_prompt_text = prompt;
}

static void console_prompt(void)
{
	printf("%s", console_prompt_text != NULL ? console_prompt_text() : CONSOLE_PROMPT);
}

void console_init(void)
{
	le_init(&console_le);
	if (cli_check(&console_sink) < 0)
		panic("console: conflicting command registrations");
	console_prompt();
}

static void console_line(enum le_event ev)
{
	char line[LE_LINE_MAX];

	switch (ev) {
	case LE_LINE:
		snprintf(line, sizeof(line), "%s", le_line(&console_le));
		console_handler(line, &console_sink);
		break;
	case LE_ERROR_LONG:
		printf("%% line too long (at most %d characters); nothing was run\n",
		       LE_LINE_MAX - 1);
		break;
	case LE_INTERRUPT:
	case LE_REDRAW:
	case LE_NONE:
		break;
	}
}

bool console_poll(void)
{
	struct le_out o = {0};
	bool worked = false;
	int c;

	while ((c = serial_read()) >= 0) {
		enum le_event ev = le_feed(&console_le, (uint8_t)c, &o);

		worked = true;
		console_flush_echo(&o);
		if (ev == LE_NONE)
			continue;
		console_line(ev);
		console_prompt();
		if (ev == LE_REDRAW) {
			le_redraw(&console_le, &o);
			console_flush_echo(&o);
		}
	}
	return worked;
}
