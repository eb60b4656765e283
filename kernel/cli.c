/*
 * Command registry and dispatch. The registry is the "cli_cmds" linker
 * section, an array of struct cli_cmd that no code has to list, so adding a
 * command touches only the file that implements it. Lookups scan the whole
 * array; it holds tens of entries and is used at typing speed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/cli.h"

/* Defined by the linker around the "cli_cmds" section. */
extern const struct cli_cmd __start_cli_cmds[];
extern const struct cli_cmd __stop_cli_cmds[];

#define CLI_SPACE " \t\r\n"

int cli_write(struct cli_out *out, const char *buf, size_t len)
{
	out->write(out->ctx, buf, len);
	return 0;
}

int cli_printf(struct cli_out *out, const char *fmt, ...)
{
	char buf[CLI_PRINTF_MAX];
	size_t flen = strlen(fmt);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(buf))
		return cli_write(out, buf, (size_t)n);
	/* Keep the line ending, so the next line does not run into this one. */
	if (flen > 0 && fmt[flen - 1] == '\n')
		buf[sizeof(buf) - 2] = '\n';
	cli_write(out, buf, sizeof(buf) - 1);
	return -EMSGSIZE;
}

/*
 * Splits (line) in place into (argv), which has room for CLI_WORDS_MAX + 1
 * pointers. Returns the word count or -E2BIG.
 */
static int cli_split(char *line, char **argv)
{
	char *p = line;
	int argc = 0;

	p[strcspn(p, "#")] = '\0';
	for (;;) {
		p += strspn(p, CLI_SPACE);
		if (*p == '\0')
			break;
		if (argc == CLI_WORDS_MAX)
			return -E2BIG;
		argv[argc++] = p;
		p += strcspn(p, CLI_SPACE);
		if (*p != '\0')
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/*
 * Pairs the words (argv[0..argc)) with the words of command name (name),
 * until either runs out; each argv word must be its name word or a prefix
 * of it. Returns the number of pairs, or -1 on a mismatch. Sets (*exact)
 * if every pair was equal and (*name_left) if name words remain.
 */
static int cli_pair(const char *name, int argc, char *const *argv, bool *exact, bool *name_left)
{
	int n = 0;

	*exact = true;
	while (*name != '\0' && n < argc) {
		size_t wlen = strcspn(name, " ");
		size_t alen = strlen(argv[n]);

		if (alen > wlen || strncmp(name, argv[n], alen) != 0)
			return -1;
		if (alen < wlen)
			*exact = false;
		name += wlen;
		name += strspn(name, " ");
		n++;
	}
	*name_left = *name != '\0';
	return n;
}

/*
 * Returns the command the words select and sets (*nwords) to the length of
 * its name in words; NULL with (*ambiguous) set if several tie.
 */
static const struct cli_cmd *cli_find(int argc, char **argv, int *nwords, bool *ambiguous)
{
	const struct cli_cmd *c, *any = NULL, *exact_one = NULL;
	int best = 0, nany = 0, nexact = 0;

	for (c = __start_cli_cmds; c < __stop_cli_cmds; c++) {
		bool exact, name_left;
		int n = cli_pair(c->name, argc, argv, &exact, &name_left);

		if (n <= 0 || name_left || n < best)
			continue;
		if (n > best) {
			best = n;
			nany = nexact = 0;
		}
		nany++;
		any = c;
		if (exact) {
			nexact++;
			exact_one = c;
		}
	}
	*nwords = best;
	*ambiguous = false;
	if (nany == 1)
		return any;
	if (nexact == 1)
		return exact_one;
	*ambiguous = nany > 1;
	return NULL;
}

/* Says whether "help WORDS" lists (c): WORDS are its leading name words. */
static bool cli_help_lists(const struct cli_cmd *c, int argc, char **argv)
{
	bool exact, name_left;

	return cli_pair(c->name, argc, argv, &exact, &name_left) == argc;
}

/* Says whether the words are the start of some command's name. */
static bool cli_incomplete(int argc, char **argv)
{
	const struct cli_cmd *c;

	for (c = __start_cli_cmds; c < __stop_cli_cmds; c++)
		if (cli_help_lists(c, argc, argv))
			return true;
	return false;
}

static void cli_print_words(struct cli_out *out, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		cli_printf(out, "%s%s", i > 0 ? " " : "", argv[i]);
}

int cli_execute(char *line, struct cli_out *out)
{
	char *argv[CLI_WORDS_MAX + 1];
	const struct cli_cmd *c;
	bool ambiguous;
	int argc, n;

	argc = cli_split(line, argv);
	if (argc < 0) {
		cli_printf(out, "%% too many words (at most %d)\n", CLI_WORDS_MAX);
		return argc;
	}
	if (argc == 0)
		return 0;
	c = cli_find(argc, argv, &n, &ambiguous);
	if (c != NULL)
		return c->fn(argc - n, argv + n, out);
	if (!ambiguous && cli_incomplete(argc, argv)) {
		cli_printf(out, "%% incomplete command: '");
		cli_print_words(out, argc, argv);
		cli_printf(out, "' (try 'help ");
		cli_print_words(out, argc, argv);
		cli_printf(out, "')\n");
		return -EINVAL;
	}
	cli_printf(out, "%% %s command: '", ambiguous ? "ambiguous" : "unknown");
	cli_print_words(out, argc, argv);
	cli_printf(out, "' (try 'help')\n");
	return ambiguous ? -EINVAL : -ENOENT;
}

/* Orders commands by name, and by address when names are equal. */
static bool cli_before(const struct cli_cmd *a, const struct cli_cmd *b)
{
	int r = strcmp(a->name, b->name);

	return r < 0 || (r == 0 && a < b);
}

/* Lists commands sorted by name, without sorting the read-only section. */
static int cli_help(int argc, char **argv, struct cli_out *out)
{
	const struct cli_cmd *c, *prev = NULL, *next;
	int width = 0;

	for (c = __start_cli_cmds; c < __stop_cli_cmds; c++)
		if (cli_help_lists(c, argc, argv) && (int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	for (;;) {
		next = NULL;
		for (c = __start_cli_cmds; c < __stop_cli_cmds; c++)
			if (cli_help_lists(c, argc, argv) &&
			    (prev == NULL || cli_before(prev, c)) &&
			    (next == NULL || cli_before(c, next)))
				next = c;
		if (next == NULL)
			break;
		cli_printf(out, "  %-*s  %s\n", width, next->name, next->help);
		prev = next;
	}
	if (prev == NULL) {
		cli_printf(out, "%% no command starts with '");
		cli_print_words(out, argc, argv);
		cli_printf(out, "'\n");
		return -ENOENT;
	}
	return 0;
}

CLI_COMMAND(help, "help", "list commands, or those starting with the words given", cli_help);

/* Says whether (name) is words of printable characters, single-spaced. */
static bool cli_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || name[0] == ' ')
		return false;
	for (p = name; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < ' ' || ch > '~' || ch == '#')
			return false;
		if (ch == ' ' && (p[1] == ' ' || p[1] == '\0'))
			return false;
	}
	return true;
}

int cli_check(struct cli_out *out)
{
	const struct cli_cmd *c, *d;
	int err = 0;

	for (c = __start_cli_cmds; c < __stop_cli_cmds; c++) {
		if (!cli_name_ok(c->name) || c->help == NULL || c->fn == NULL) {
			cli_printf(out, "%% bad command entry: '%s'\n",
				   c->name ? c->name : "(null)");
			err = -EINVAL;
			continue;
		}
		for (d = __start_cli_cmds; d < c; d++)
			if (d->name != NULL && strcmp(c->name, d->name) == 0) {
				cli_printf(out, "%% duplicate command: '%s'\n", c->name);
				err = -EINVAL;
			}
	}
	return err;
}
