/*
 * Parsing and printing of the values config statements and console commands
 * take: bounded decimal numbers, IPv4 addresses and prefixes, MAC addresses
 * and durations. Parsers are strict (the whole string must be the value, no
 * spaces, no signs) so that a typo is an error rather than a different
 * value. Pure: no state, no I/O.
 */
#ifndef UNIGATE_CONFIG_PARSE_H
#define UNIGATE_CONFIG_PARSE_H

#include <stdint.h>

#include "net/addr.h" /* addr_fmt_ipv4(), addr_fmt_mac() */

#define CFG_DURATION_STRLEN 12 /* "4294967295" and a unit and NUL */

/*
 * All parsers take a NUL-terminated (s), store the value through the out
 * pointer only on success, and return 0, -EINVAL when (s) is not of the
 * form described (empty, stray characters, wrong separators), or -ERANGE
 * when it is but the value is out of range.
 */

/* Parses decimal digits into a value in [min, max] stored in (*out). */
int cfg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * Parses a dotted quad "a.b.c.d" into (*out_host_order), a in the top byte.
 * Each part is 0..255 in decimal without leading zeros, since other parsers
 * read "010" as octal.
 */
int cfg_parse_ipv4(const char *s, uint32_t *out_host_order);

/*
 * Parses "a.b.c.d/len", len 0..32 without leading zeros, into (*addr) in
 * host order and (*len). Host bits may be set: "192.168.99.2/24" is an
 * interface address and its network.
 */
int cfg_parse_prefix(const char *s, uint32_t *addr, uint8_t *len);

/*
 * Parses six pairs of hex digits, either case, separated all by ':' or all
 * by '-', into (mac).
 */
int cfg_parse_mac(const char *s, uint8_t mac[6]);

/*
 * Parses a number with an optional unit, s (default), m, h or d, into
 * (*seconds): "90s", "300", "30m", "2h", "1d". Units are lower case only.
 */
int cfg_parse_duration(const char *s, uint32_t *seconds);

/*
 * Writes (seconds) into (buf) with the largest unit that divides it exactly
 * ("30m", "1d", "90s"), so that cfg_parse_duration() reads it back, and
 * returns (buf).
 */
char *cfg_fmt_duration(uint32_t seconds, char buf[CFG_DURATION_STRLEN]);

#endif
