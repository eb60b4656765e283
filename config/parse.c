/*
 * Value parsers and printers for config statements. Everything is parsed
 * from explicit (pointer, length) spans, so a prefix's address part is read
 * in place without copying, and every number is checked against its limit
 * before the multiply that could overflow.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/parse.h"

static bool cfg_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Returns the value of hex digit (c), or -1. */
static int cfg_hexval(char c)
{
	if (cfg_isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses decimal s[0..n), n >= 1, all digits; -ERANGE above (max). */
static int cfg_dec(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!cfg_isdigit(s[i]))
			return -EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t d = (uint32_t)(s[i] - '0');

		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Like cfg_dec, but "0" is the only form allowed to start with a zero. */
static int cfg_dec_strict(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	if (n > 1 && s[0] == '0')
		return -EINVAL;
	return cfg_dec(s, n, max, out);
}

int cfg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v;
	int err = cfg_dec(s, strlen(s), UINT32_MAX, &v);

	if (err != 0)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Parses a dotted quad that is exactly s[0..n). */
static int cfg_ipv4_span(const char *s, size_t n, uint32_t *out)
{
	uint32_t addr = 0, part;
	size_t i = 0, len;
	int k, err;

	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= n || s[i] != '.')
				return -EINVAL;
			i++;
		}
		for (len = 0; i + len < n && cfg_isdigit(s[i + len]); len++)
			if (len == 3)
				return -EINVAL;
		err = cfg_dec_strict(s + i, len, 255, &part);
		if (err != 0)
			return err;
		addr = addr << 8 | part;
		i += len;
	}
	if (i != n)
		return -EINVAL;
	*out = addr;
	return 0;
}

int cfg_parse_ipv4(const char *s, uint32_t *out_host_order)
{
	return cfg_ipv4_span(s, strlen(s), out_host_order);
}

int cfg_parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	const char *slash = strchr(s, '/');
	uint32_t a, l;
	int err;

	if (slash == NULL)
		return -EINVAL;
	err = cfg_ipv4_span(s, (size_t)(slash - s), &a);
	if (err == 0)
		err = cfg_dec_strict(slash + 1, strlen(slash + 1), 32, &l);
	if (err != 0)
		return err;
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

int cfg_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	char sep;
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = cfg_hexval(p[0]), lo = cfg_hexval(p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != sep))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

int cfg_parse_duration(const char *s, uint32_t *seconds)
{
	size_t n = strlen(s);
	uint32_t unit = 1, v;
	int err;

	if (n > 0 && !cfg_isdigit(s[n - 1])) {
		switch (s[n - 1]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return -EINVAL;
		}
		n--;
	}
	err = cfg_dec(s, n, UINT32_MAX, &v);
	if (err != 0)
		return err;
	if (v > UINT32_MAX / unit)
		return -ERANGE;
	*seconds = v * unit;
	return 0;
}

char *cfg_fmt_duration(uint32_t seconds, char buf[CFG_DURATION_STRLEN])
{
	static const struct {
		uint32_t secs;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (seconds != 0 && seconds % units[i].secs == 0) {
			snprintf(buf, CFG_DURATION_STRLEN, "%u%c",
				 (unsigned)(seconds / units[i].secs), units[i].unit);
			return buf;
		}
	snprintf(buf, CFG_DURATION_STRLEN, "%us", (unsigned)seconds);
	return buf;
}
