/*
 * A struct cli_out target for the unit tests: collects what a printer
 * writes into a NUL-terminated buffer, failing the test if it overflows.
 *
 *	struct sink s = {{0}, 0};
 *	struct cli_out out = {sink_write, &s};
 */
#ifndef UNIGATE_TESTS_SINK_H
#define UNIGATE_TESTS_SINK_H

#include <stddef.h>
#include <string.h>

struct sink {
	char buf[8192];
	size_t len;
};

static inline void sink_write(void *ctx, const char *buf, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->len + len < sizeof(s->buf));
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	s->buf[s->len] = '\0';
}

#endif
