/*
 * Console commands: a registry filled at link time by CLI_COMMAND() in any
 * file, a tokenizer that splits a line into words in place, and dispatch to
 * the command whose name matches the most leading words. Handlers print
 * through struct cli_out, a sink the console binds to the serial port and
 * tests bind to a buffer. Pure: no I/O of its own.
 */
#ifndef UNIGATE_CLI_H
#define UNIGATE_CLI_H

#include <stddef.h>

#define CLI_WORDS_MAX  32  /* words in one line */
#define CLI_PRINTF_MAX 256 /* longest text one cli_printf() call writes */

/*
 * Output sink. (write) receives (len) bytes at (buf), which it does not
 * own past the call; (ctx) is passed through. Lines end in "\n" only; a
 * terminal binding turns that into CR LF.
 */
struct cli_out {
	void (*write)(void *ctx, const char *buf, size_t len);
	void *ctx;
};

/*
 * A command. (name) is one or more words separated by single spaces, e.g.
 * "show version"; (help) is one line without a newline. (fn) receives the
 * words after the name in argv[0..argc), argv[argc] == NULL; the strings
 * live in the caller's line and are writable until fn returns. It returns 0
 * or -errno, having printed its own error message.
 */
struct cli_cmd {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv, struct cli_out *out);
};

/*
 * Registers command (name) from any file: places a const struct cli_cmd in
 * the "cli_cmds" section, which the linker collects between
 * __start_cli_cmds and __stop_cli_cmds (GNU ld defines these on the host;
 * the image's linker script KEEPs the section and defines them itself).
 * (ident) only makes the object's name unique within its file.
 */
#define CLI_COMMAND(ident, name_, help_, fn_)                                                      \
	static const struct cli_cmd cli_cmd_##ident                                                \
		__attribute__((used, section("cli_cmds"), aligned(8))) = {name_, help_, fn_}

/*
 * Writes (len) bytes from (buf) to (out). Returns 0.
 */
int cli_write(struct cli_out *out, const char *buf, size_t len);

/*
 * Formats like printf and writes the result to (out). Text longer than
 * CLI_PRINTF_MAX - 1 bytes is cut there and -EMSGSIZE returned; otherwise 0.
 */
int cli_printf(struct cli_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs the command in (line), which the caller owns and which is modified:
 * words are split on spaces, tabs, CR and LF, and a '#' anywhere starts a
 * comment. There is no quoting. The command chosen is the one whose name
 * matches the most leading words, each word of the line being the whole
 * name word or a prefix of it ("sh ver" for "show version"). When several
 * commands match equally, one matching every word exactly wins; otherwise
 * the line is ambiguous.
 *
 * Returns the handler's result; 0 for a blank line; -ENOENT for an unknown
 * command, -EINVAL for an ambiguous one or for words that only begin
 * command names ("show"), -E2BIG for more than CLI_WORDS_MAX words, each
 * after printing one "% ..." line to (out).
 */
int cli_execute(char *line, struct cli_out *out);

/*
 * Checks the registry: every name is non-empty single-spaced words and no
 * two commands share a name. Prints one "% ..." line per fault to (out).
 * Returns 0, or -EINVAL if any fault was found; the kernel panics on that
 * at boot and a unit test fails on it.
 */
int cli_check(struct cli_out *out);

#endif
