/*
 * Internal to config/: one statement being executed (struct cfg_stmt), the
 * word parsers statement handlers share, which report errors at the word's
 * column, the handlers themselves (stmt_global.c, stmt_net.c) and the rule
 * checks the executor runs after each statement (validate.c).
 */
#ifndef UNIGATE_CONFIG_STMT_H
#define UNIGATE_CONFIG_STMT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/*
 * A statement. argv[0] is its keyword (after `no`), argv[1..argc) its
 * arguments, NUL-terminated in the executor's copy of the line; col[i] is
 * the column of argv[i], col[argc] the column just past the last word.
 * Handlers change (*c) in place (the executor works on a scratch copy) and
 * set (touched) to the network they changed, so that its rules are checked.
 */
struct cfg_stmt {
	struct cfg *c;
	int net; /* the open block's network, -1 outside a block */
	bool no;
	int argc;
	char **argv;
	const unsigned *col;
	unsigned col0; /* column of the statement's first word, `no` included */
	int open;      /* set by `network`: the network whose block opens */
	int touched;   /* network to check after the statement, or -1 */
	bool console;  /* a console line, not a file: ports may move */
	struct cfg_error *err;
};

/* A statement handler: 0 or -errno, having filled s->err. */
typedef int (*cfg_stmt_fn)(struct cfg_stmt *s);

/*
 * Sets s->err's column to argv[(word)]'s (or just past the end if (word)
 * is argc) and its message from (fmt). Returns (errno_neg).
 */
int cfg_fail(struct cfg_stmt *s, int word, int errno_neg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fails with "expected (what)" at (word) if there is no word (word). */
int cfg_need(struct cfg_stmt *s, int word, const char *what);

/* Fails with "unexpected 'W'" if the statement has words from (word) on. */
int cfg_end(struct cfg_stmt *s, int word);

/* True if argv[(word)] exists and equals (kw). */
bool cfg_is(const struct cfg_stmt *s, int word, const char *kw);

/*
 * Word parsers: parse argv[(word)] into the out pointer, or fail naming
 * what was expected (missing or malformed) or the range (out of range).
 */
int cfg_get_u32(struct cfg_stmt *s, int word, const char *what, uint32_t min, uint32_t max,
		uint32_t *out);
int cfg_get_duration(struct cfg_stmt *s, int word, const char *what, uint32_t min, uint32_t max,
		     uint32_t *out);
int cfg_get_ipv4(struct cfg_stmt *s, int word, uint32_t *out);
int cfg_get_mac(struct cfg_stmt *s, int word, uint8_t mac[6]);
/* A port name, as cfg_port_parse() reads it. */
int cfg_get_port(struct cfg_stmt *s, int word, unsigned *port);
/* "A.B.C.D/N", or "A.B.C.D" meaning /(default_len); N in (min_len) .. 30. */
int cfg_get_prefix(struct cfg_stmt *s, int word, uint8_t default_len, uint8_t min_len,
		   uint32_t *addr, uint8_t *len);
/* A name: 1..(max) of a-z 0-9 '-', not beginning or ending in '-'. */
int cfg_get_name(struct cfg_stmt *s, int word, const char *what, size_t max, char *out);
/* True if (w) is a name cfg_get_name() takes, of at most (max) characters. */
bool cfg_name_ok(const char *w, size_t max);
/* True if (w) is a domain name: labels as cfg_name_ok() takes them, joined by dots. */
bool cfg_domain_ok(const char *w);
/* argv[(word)] as an index of (choices), NULL-terminated; (what) names them. */
int cfg_get_choice(struct cfg_stmt *s, int word, const char *what, const char *const *choices,
		   unsigned *out);

/* Names printed and parsed for the enums of config.h. */
extern const char *const cfg_mode_names[];	  /* enum cfg_mode */
extern const char *const cfg_proto_names[];	  /* enum cfg_proto */
extern const char *const cfg_nat_timeout_names[]; /* enum cfg_nat_timeout */

/* Defaults and least values of the NAT timeouts, by enum cfg_nat_timeout. */
extern const uint32_t cfg_nat_timeout_default[CFG_NAT_TIMEOUTS];
extern const uint32_t cfg_nat_timeout_min[CFG_NAT_TIMEOUTS];

/* Top-level statement handlers (stmt_global.c). */
int cfg_stmt_hostname(struct cfg_stmt *s);
int cfg_stmt_uplink(struct cfg_stmt *s);
int cfg_stmt_dns(struct cfg_stmt *s);
int cfg_stmt_nat(struct cfg_stmt *s);
int cfg_stmt_mac(struct cfg_stmt *s);
int cfg_stmt_network(struct cfg_stmt *s);

/* Network block statement handlers (stmt_net.c). */
int cfg_stmt_ports(struct cfg_stmt *s);
int cfg_stmt_address(struct cfg_stmt *s);
int cfg_stmt_domain(struct cfg_stmt *s);
int cfg_stmt_dhcp(struct cfg_stmt *s);
int cfg_stmt_forward(struct cfg_stmt *s);
int cfg_stmt_storm(struct cfg_stmt *s);
int cfg_stmt_quota(struct cfg_stmt *s);
int cfg_stmt_guard(struct cfg_stmt *s);
int cfg_stmt_vlan(struct cfg_stmt *s);
int cfg_stmt_tagged(struct cfg_stmt *s);
int cfg_stmt_vxlan(struct cfg_stmt *s);

/* True if (*a) and (*b) configure the same uplink (diff.c). */
bool cfg_uplink_equal(const struct cfg_uplink *a, const struct cfg_uplink *b);

/*
 * Parses port name (w), "ethN" with N in 0 .. CFG_PORTS_MAX - 1 and no
 * leading zeros, into (*port). Returns 0, -EINVAL or -ERANGE.
 */
int cfg_port_parse(const char *w, unsigned *port);

/* Sets network (*n) to a new, empty network (name) in (mode). */
void cfg_net_init(struct cfg_net *n, const char *name, enum cfg_mode mode);

/* Address helpers, host byte order. */
uint32_t cfg_mask(uint8_t prefix);
/* True if (ip) is a host address of (net)/(prefix): inside, not the network or broadcast address.
 */
bool cfg_in_subnet(uint32_t ip, uint32_t net, uint8_t prefix);
/* True unless (ip) is in 0/8, 127/8 or 224/3, which no host or server may use. */
bool cfg_unicast(uint32_t ip);

/*
 * Rule checks (validate.c), writing the reason to err->msg: the rules
 * between networks and the uplink, cheap enough to run after every
 * statement; the rules inside network (n); and the rule that forward (k)
 * of network (n) has an outside port of its own.
 */
int cfg_check_global(const struct cfg *c, struct cfg_error *err);
int cfg_check_net(const struct cfg *c, int n, struct cfg_error *err);
int cfg_check_forward(const struct cfg *c, int n, int k, struct cfg_error *err);

#endif
