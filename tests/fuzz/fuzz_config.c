/*
 * Fuzz target: config text, which comes from fw_cfg files and the console,
 * through config/. The input is parsed as a file and, line by line, as
 * console input. Besides memory errors it traps when a property breaks:
 * an accepted config must keep every rule (cfg_validate), print to text
 * that parses back to an equal config printing the same bytes, and differ
 * from itself in nothing; a rejected console line must change nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An output sink into a fixed buffer; (over) records an overflow. */
struct fz_buf {
	char text[1 << 20];
	size_t len;
	int over;
};

static struct fz_buf fz_out1, fz_out2, fz_junk;

static void fz_write(void *ctx, const char *s, size_t n)
{
	struct fz_buf *b = ctx;

	if (n > sizeof(b->text) - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
}

static void fz_reset(struct fz_buf *b)
{
	b->len = 0;
	b->over = 0;
}

static struct cfg fz_a, fz_b, fz_prev;

/* Checks the round trip of (*c), which the parser accepted. */
static void fz_round_trip(const struct cfg *c)
{
	struct cli_out o1 = {fz_write, &fz_out1}, o2 = {fz_write, &fz_out2};
	struct cfg_error err;
	struct cfg_diff d;

	if (cfg_validate(c, &err) != 0)
		__builtin_trap();
	fz_reset(&fz_out1);
	fz_reset(&fz_out2);
	if (cfg_write(c, &o1) != 0 || fz_out1.over)
		__builtin_trap();
	if (cfg_parse(&fz_b, fz_out1.text, fz_out1.len, &err) != 0)
		__builtin_trap();
	if (!cfg_equal(c, &fz_b))
		__builtin_trap();
	if (cfg_write(&fz_b, &o2) != 0 || fz_out2.len != fz_out1.len ||
	    memcmp(fz_out1.text, fz_out2.text, fz_out1.len) != 0)
		__builtin_trap();
	cfg_diff(c, &fz_b, &d);
	if (d.added || d.removed || d.ports_moved || d.uplink || d.dns || d.nat || d.mac ||
	    d.hostname)
		__builtin_trap();
	for (int i = 0; i < fz_b.nnets; i++)
		if (d.net_changed[i] != 0)
			__builtin_trap();
}

/* Checks what an error report holds, and prints it. */
static void fz_error(const struct cfg_error *err)
{
	struct cli_out o = {fz_write, &fz_junk};

	if (err->column == 0 || err->msg[0] == '\0' ||
	    memchr(err->msg, '\0', sizeof(err->msg)) == NULL ||
	    memchr(err->text, '\0', sizeof(err->text)) == NULL)
		__builtin_trap();
	fz_reset(&fz_junk);
	cfg_error_print(err, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[4096];
	struct cfg_error err;
	struct cfg_ctx ctx, before;
	size_t pos = 0;

	/* As a file. */
	if (cfg_parse(&fz_a, (const char *)data, size, &err) == 0)
		fz_round_trip(&fz_a);
	else
		fz_error(&err);

	/* As console lines, each applied alone. */
	cfg_init(&fz_a);
	cfg_ctx_init(&ctx);
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;
		size_t keep = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

		memcpy(line, data + pos, keep);
		line[keep] = '\0';
		pos += n + 1;
		memcpy(&fz_prev, &fz_a, sizeof(fz_prev));
		before = ctx;
		if (cfg_apply_line(&fz_a, &ctx, line, &err) == 0) {
			if (cfg_validate(&fz_a, &err) != 0)
				__builtin_trap();
			if (ctx.block[0] != '\0' && cfg_find_net(&fz_a, ctx.block) < 0)
				__builtin_trap();
			continue;
		}
		fz_error(&err);
		if (!cfg_equal(&fz_a, &fz_prev) || memcmp(&ctx, &before, sizeof(ctx)) != 0)
			__builtin_trap();
	}
	fz_round_trip(&fz_a);
	return 0;
}
