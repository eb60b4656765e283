/*
 * The statement executor: splits a line into words with their columns,
 * settles which block a statement belongs to (by indentation in a file, by
 * the console's open block otherwise), runs the statement's handler on a
 * scratch copy of the config, checks the rules the statement could break,
 * and only then commits. A file is its lines executed in turn on one
 * scratch config, committed whole after the last line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/stmt.h"

#define CFG_WORDS_MAX 40 /* `ports` with every port, and room for mistakes */

/* The candidate every statement works on; too large for a kernel stack. */
static struct cfg cfg_scratch;

/* A statement keyword; (fn) NULL is `exit`. */
struct cfg_kw {
	const char *name;
	cfg_stmt_fn fn;
	bool block; /* a network block statement */
};

static const struct cfg_kw cfg_kws[] = {
	{"hostname", cfg_stmt_hostname, false},
	{"uplink", cfg_stmt_uplink, false},
	{"dns", cfg_stmt_dns, false},
	{"nat", cfg_stmt_nat, false},
	{"mac", cfg_stmt_mac, false},
	{"storm", cfg_stmt_storm, false},
	{"quota", cfg_stmt_quota, false},
	{"network", cfg_stmt_network, false},
	{"exit", NULL, false},
	{"ports", cfg_stmt_ports, true},
	{"address", cfg_stmt_address, true},
	{"domain", cfg_stmt_domain, true},
	{"dhcp", cfg_stmt_dhcp, true},
	{"forward", cfg_stmt_forward, true},
	{"guard", cfg_stmt_guard, true},
	{"vlan", cfg_stmt_vlan, true},
	{"tagged", cfg_stmt_tagged, true},
	{"vxlan", cfg_stmt_vxlan, true},
};

void cfg_init(struct cfg *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	strcpy(c->hostname, CFG_HOSTNAME_DEFAULT);
	for (i = 0; i < CFG_NAT_TIMEOUTS; i++)
		c->nat_timeout[i] = cfg_nat_timeout_default[i];
	c->nat_sessions = CFG_NAT_SESSIONS_DEFAULT;
	c->mac_aging_s = CFG_MAC_AGING_DEFAULT;
	c->mac_table = CFG_MAC_TABLE_DEFAULT;
	c->storm_pps = CFG_STORM_DEFAULT;
	for (i = 0; i < CFG_QUOTAS; i++)
		c->quota[i] = cfg_quota_default[i];
}

void cfg_ctx_init(struct cfg_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

int cfg_find_net(const struct cfg *c, const char *name)
{
	int i;

	for (i = 0; i < c->nnets; i++)
		if (strcmp(c->net[i].name, name) == 0)
			return i;
	return -1;
}

int cfg_port_net(const struct cfg *c, unsigned port)
{
	int i;

	if (port >= CFG_PORTS_MAX)
		return -1;
	for (i = 0; i < c->nnets; i++)
		if (c->net[i].ports & CFG_PORT_BIT(port))
			return i;
	return -1;
}

static const struct cfg_kw *cfg_kw_find(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(cfg_kws) / sizeof(cfg_kws[0]); i++)
		if (strlen(cfg_kws[i].name) == len && memcmp(cfg_kws[i].name, w, len) == 0)
			return &cfg_kws[i];
	return NULL;
}

static bool cfg_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Sets (err)'s column and message; returns (errno_neg). */
static int cfg_verr(struct cfg_error *err, unsigned column, int errno_neg, const char *fmt,
		    va_list ap)
{
	err->column = column;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return errno_neg;
}

static int cfg_err(struct cfg_error *err, unsigned column, int errno_neg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cfg_err(struct cfg_error *err, unsigned column, int errno_neg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(err, column, errno_neg, fmt, ap);
	va_end(ap);
	return errno_neg;
}

int cfg_fail(struct cfg_stmt *s, int word, int errno_neg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(s->err, s->col[word < s->argc ? word : s->argc], errno_neg, fmt, ap);
	va_end(ap);
	return errno_neg;
}

/*
 * Copies the statement part of line (p, n) into (buf) and splits it into
 * words. Returns the word count or -errno.
 */
static int cfg_split(const char *p, size_t n, char *buf, char **argv, unsigned *col,
		     struct cfg_error *err)
{
	size_t end, i;
	int argc = 0;

	for (end = 0; end < n && p[end] != '#'; end++)
		if (!cfg_space(p[end]) && (p[end] < 0x21 || p[end] > 0x7e))
			return cfg_err(err, (unsigned)end + 1, -EINVAL,
				       "unexpected character (byte 0x%02x)", (unsigned char)p[end]);
	for (i = end; i < n; i++)
		if (p[i] == '\0')
			return cfg_err(err, (unsigned)i + 1, -EINVAL, "unexpected NUL byte");
	while (end > 0 && cfg_space(p[end - 1]))
		end--;
	if (end >= CFG_LINE_MAX)
		return cfg_err(err, CFG_LINE_MAX, -EINVAL,
			       "line too long (the most is %d characters)", CFG_LINE_MAX - 1);
	memcpy(buf, p, end);
	buf[end] = '\0';
	for (i = 0;;) {
		while (i < end && cfg_space(buf[i]))
			i++;
		if (i == end)
			break;
		if (argc == CFG_WORDS_MAX)
			return cfg_err(err, (unsigned)i + 1, -E2BIG,
				       "too many words (the most is %d)", CFG_WORDS_MAX);
		argv[argc] = buf + i;
		col[argc++] = (unsigned)i + 1;
		while (i < end && !cfg_space(buf[i]))
			i++;
		if (i < end)
			buf[i++] = '\0';
	}
	argv[argc] = NULL;
	col[argc] = (unsigned)end + 1;
	return argc;
}

/*
 * Checks that a statement of keyword (kw) is in the right place and, for a
 * block statement, sets s->net to the open block's network.
 */
static int cfg_scope(struct cfg_stmt *s, const struct cfg_kw *kw, const struct cfg_ctx *ctx,
		     bool file, bool indented)
{
	const char *name = s->argv[0];

	if (kw->fn == NULL)
		return 0; /* `exit` closes whatever is open, at any indentation */
	if (!kw->block) {
		if (file && indented && ctx->block[0] != '\0')
			return cfg_fail(
				s, 0, -EINVAL,
				"'%s' is not a network statement: unindent it to end the block",
				name);
		return 0;
	}
	if (ctx->block[0] == '\0')
		return cfg_fail(s, 0, -EINVAL,
				"'%s' belongs in a network block: open one with 'network NAME'",
				name);
	if (file && !indented)
		return cfg_fail(s, 0, -EINVAL,
				"'%s' belongs in a network block: indent it under 'network %s'",
				name, ctx->block);
	s->net = cfg_find_net(s->c, ctx->block);
	if (s->net < 0)
		return cfg_fail(s, 0, -ENOENT, "network %s no longer exists", ctx->block);
	return 0;
}

/*
 * Executes line (p, n) on (*c) in block state (*ctx), which it updates. In
 * a file, indentation places statements in blocks. On error (*c) may be
 * half changed: callers work on cfg_scratch.
 */
static int cfg_exec(struct cfg *c, struct cfg_ctx *ctx, const char *p, size_t n, bool file,
		    struct cfg_error *err)
{
	char buf[CFG_LINE_MAX];
	char *argv[CFG_WORDS_MAX + 1];
	unsigned col[CFG_WORDS_MAX + 1];
	const struct cfg_kw *kw;
	struct cfg_stmt s;
	int argc, rc;

	argc = cfg_split(p, n, buf, argv, col, err);
	if (argc <= 0)
		return argc;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.net = s.open = s.touched = -1;
	s.argc = argc;
	s.argv = argv;
	s.col = col;
	s.col0 = col[0];
	s.console = !file;
	s.err = err;
	if (strcmp(argv[0], "no") == 0) {
		if (argc == 1)
			return cfg_fail(&s, 1, -EINVAL, "expected a statement after 'no'");
		s.no = true;
		s.argc--;
		s.argv++;
		s.col++;
	}
	kw = cfg_kw_find(s.argv[0], strlen(s.argv[0]));
	if (kw == NULL)
		return cfg_fail(&s, 0, -EINVAL, "unknown statement '%s'", s.argv[0]);
	rc = cfg_scope(&s, kw, ctx, file, p[0] == ' ' || p[0] == '\t');
	if (rc != 0)
		return rc;
	if (kw->fn == NULL) {
		if (s.no)
			return cfg_fail(&s, 0, -EINVAL, "'exit' has no 'no' form");
		rc = cfg_end(&s, 1);
	} else {
		rc = kw->fn(&s);
	}
	if (rc != 0)
		return rc;
	rc = cfg_check_global(c, err);
	if (rc == 0 && s.touched >= 0)
		rc = cfg_check_net(c, s.touched, err);
	if (rc != 0) {
		err->column = s.col0;
		return rc;
	}
	if (s.open >= 0)
		strcpy(ctx->block, c->net[s.open].name);
	else if (!kw->block)
		ctx->block[0] = '\0';
	return 0;
}

/* Stores line (p, n) and its number in (*err), made safe to print. */
static void cfg_err_line(struct cfg_error *err, unsigned line, const char *p, size_t n)
{
	size_t i;

	if (n > sizeof(err->text) - 1)
		n = sizeof(err->text) - 1;
	for (i = 0; i < n; i++)
		err->text[i] = p[i] == '\t' || (p[i] >= 0x20 && p[i] <= 0x7e) ? p[i] : '?';
	while (i > 0 && (err->text[i - 1] == '?' && p[i - 1] == '\r'))
		i--;
	err->text[i] = '\0';
	err->line = line;
}

int cfg_parse(struct cfg *into, const char *text, size_t len, struct cfg_error *err)
{
	struct cfg_error local;
	struct cfg_ctx ctx;
	unsigned line = 0;
	size_t pos = 0;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	cfg_init(&cfg_scratch);
	cfg_ctx_init(&ctx);
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;
		int rc;

		line++;
		rc = cfg_exec(&cfg_scratch, &ctx, p, n, true, err);
		if (rc != 0) {
			cfg_err_line(err, line, p, n);
			return rc;
		}
		pos += n + 1;
	}
	memcpy(into, &cfg_scratch, sizeof(*into));
	return 0;
}

int cfg_apply_line(struct cfg *into, struct cfg_ctx *ctx, const char *line, struct cfg_error *err)
{
	struct cfg_error local;
	struct cfg_ctx next = *ctx;
	size_t n = strlen(line);
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	memcpy(&cfg_scratch, into, sizeof(cfg_scratch));
	rc = cfg_exec(&cfg_scratch, &next, line, n, false, err);
	if (rc != 0) {
		cfg_err_line(err, 0, line, n);
		return rc;
	}
	memcpy(into, &cfg_scratch, sizeof(*into));
	*ctx = next;
	return 0;
}

bool cfg_is_statement(const char *line)
{
	size_t len;

	while (cfg_space(*line))
		line++;
	len = strcspn(line, " \t\r\n#");
	return (len == 2 && memcmp(line, "no", 2) == 0) || cfg_kw_find(line, len) != NULL;
}

void cfg_error_print(const struct cfg_error *err, struct cli_out *out)
{
	char caret[CFG_LINE_MAX + 2];
	size_t i, n = strlen(err->text);

	if (err->line != 0)
		cli_printf(out, "%% line %u, column %u: %s\n", err->line, err->column, err->msg);
	else
		cli_printf(out, "%% column %u: %s\n", err->column, err->msg);
	cli_write(out, "  ", 2);
	cli_write(out, err->text, n);
	cli_write(out, "\n  ", 3);
	for (i = 0; i + 1 < err->column && i < CFG_LINE_MAX; i++)
		caret[i] = i < n && err->text[i] == '\t' ? '\t' : ' ';
	caret[i++] = '^';
	caret[i++] = '\n';
	cli_write(out, caret, i);
}
