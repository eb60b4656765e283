/*
 * Top-level statements: hostname, uplink, dns upstream, nat, mac, and
 * network, which creates a network or changes its mode and opens its
 * block. Each handler parses its words, then sets, replaces or (for `no`)
 * removes; the executor checks the rules afterwards. A `no` form given
 * with its value removes only if the value is the one configured.
 */
#include <errno.h>
#include <string.h>

#include "config/parse.h"
#include "config/stmt.h"

static const char *const cfg_dns_words[] = {"upstream", NULL};
static const char *const cfg_nat_words[] = {"timeout", "sessions", NULL};
static const char *const cfg_mac_words[] = {"aging", "table", NULL};
static const char *const cfg_uplink_words[] = {"dhcp", "address", NULL};

/* Fails for `no ... VALUE` whose value at (word) is not the configured one. */
static int cfg_not_current(struct cfg_stmt *s, int word)
{
	return cfg_fail(s, word, -ENOENT, "'%s' is not what is configured", s->argv[word]);
}

int cfg_stmt_hostname(struct cfg_stmt *s)
{
	char name[CFG_HOST_NAME_MAX + 1];
	int rc;

	if (s->no && s->argc == 1) {
		strcpy(s->c->hostname, CFG_HOSTNAME_DEFAULT);
		return 0;
	}
	rc = cfg_get_name(s, 1, "a hostname", CFG_HOST_NAME_MAX, name);
	if (rc == 0)
		rc = cfg_end(s, 2);
	if (rc != 0)
		return rc;
	if (s->no && strcmp(name, s->c->hostname) != 0)
		return cfg_not_current(s, 1);
	strcpy(s->c->hostname, s->no ? CFG_HOSTNAME_DEFAULT : name);
	return 0;
}

/* Parses "PORT dhcp" or "PORT address A/N [gateway G]" from word 1 into (*u). */
static int cfg_uplink_parse(struct cfg_stmt *s, struct cfg_uplink *u)
{
	unsigned port, how;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = cfg_get_port(s, 1, &port);
	if (rc == 0)
		rc = cfg_get_choice(s, 2, "'dhcp' or 'address'", cfg_uplink_words, &how);
	if (rc != 0)
		return rc;
	u->port = (uint8_t)port;
	if (how == 0) {
		u->mode = CFG_UPLINK_DHCP;
		return cfg_end(s, 3);
	}
	u->mode = CFG_UPLINK_STATIC;
	rc = cfg_get_prefix(s, 3, CFG_PREFIX_DEFAULT, 8, &u->addr, &u->prefix);
	if (rc != 0 || s->argc == 4)
		return rc;
	if (!cfg_is(s, 4, "gateway"))
		return cfg_fail(s, 4, -EINVAL, "expected 'gateway'");
	rc = cfg_get_ipv4(s, 5, &u->gateway);
	if (rc == 0)
		rc = cfg_end(s, 6);
	return rc;
}

int cfg_stmt_uplink(struct cfg_stmt *s)
{
	struct cfg_uplink u;
	int rc;

	if (s->no && s->c->uplink.mode == CFG_UPLINK_NONE)
		return cfg_fail(s, 0, -ENOENT, "there is no uplink");
	if (s->no && s->argc == 1) {
		memset(&s->c->uplink, 0, sizeof(s->c->uplink));
		return 0;
	}
	rc = cfg_uplink_parse(s, &u);
	if (rc != 0)
		return rc;
	if (s->no) {
		if (!cfg_uplink_equal(&u, &s->c->uplink))
			return cfg_fail(s, 1, -ENOENT, "that is not the uplink configured");
		memset(&u, 0, sizeof(u));
	}
	s->c->uplink = u;
	return 0;
}

int cfg_stmt_dns(struct cfg_stmt *s)
{
	struct cfg *c = s->c;
	unsigned sub;
	uint32_t a;
	int i, k, rc;

	rc = cfg_get_choice(s, 1, "'upstream'", cfg_dns_words, &sub);
	if (rc != 0)
		return rc;
	if (s->no && s->argc == 2) {
		if (c->ndns == 0)
			return cfg_fail(s, 0, -ENOENT, "there is no dns upstream");
		memset(c->dns, 0, sizeof(c->dns));
		c->ndns = 0;
		return 0;
	}
	rc = cfg_need(s, 2, "an IPv4 address");
	for (i = 2; rc == 0 && i < s->argc; i++) {
		rc = cfg_get_ipv4(s, i, &a);
		if (rc != 0)
			break;
		if (!s->no) {
			if (i - 2 == CFG_DNS_MAX)
				return cfg_fail(s, i, -ENOSPC, "at most %d dns upstream servers",
						CFG_DNS_MAX);
			c->dns[i - 2] = a;
			continue;
		}
		for (k = 0; k < c->ndns && c->dns[k] != a; k++)
			;
		if (k == c->ndns)
			return cfg_fail(s, i, -ENOENT, "%s is not a dns upstream server",
					s->argv[i]);
		memmove(&c->dns[k], &c->dns[k + 1], (size_t)(c->ndns - k - 1) * sizeof(c->dns[0]));
		c->dns[--c->ndns] = 0;
	}
	if (rc == 0 && !s->no) {
		for (k = s->argc - 2; k < CFG_DNS_MAX; k++)
			c->dns[k] = 0;
		c->ndns = (uint8_t)(s->argc - 2);
	}
	return rc;
}

int cfg_stmt_nat(struct cfg_stmt *s)
{
	uint32_t *field, v = 0, def;
	unsigned sub, kind;
	int w, rc;

	rc = cfg_get_choice(s, 1, "'timeout' or 'sessions'", cfg_nat_words, &sub);
	if (rc != 0)
		return rc;
	if (sub == 0) {
		rc = cfg_get_choice(s, 2, "udp, tcp, tcp-transitory or icmp", cfg_nat_timeout_names,
				    &kind);
		if (rc != 0)
			return rc;
		w = 3;
		field = &s->c->nat_timeout[kind];
		def = cfg_nat_timeout_default[kind];
		if (!s->no || s->argc > w)
			rc = cfg_get_duration(s, w, "the timeout", cfg_nat_timeout_min[kind],
					      CFG_NAT_TIMEOUT_MAX, &v);
	} else {
		w = 2;
		field = &s->c->nat_sessions;
		def = CFG_NAT_SESSIONS_DEFAULT;
		if (!s->no || s->argc > w)
			rc = cfg_get_u32(s, w, "the number of sessions", CFG_NAT_SESSIONS_MIN,
					 CFG_NAT_SESSIONS_MAX, &v);
	}
	if (rc == 0)
		rc = cfg_end(s, s->no && s->argc <= w ? w : w + 1);
	if (rc != 0)
		return rc;
	if (s->no && s->argc > w && v != *field)
		return cfg_not_current(s, w);
	*field = s->no ? def : v;
	return 0;
}

int cfg_stmt_mac(struct cfg_stmt *s)
{
	uint32_t *field, v = 0, def;
	unsigned sub;
	int rc;

	rc = cfg_get_choice(s, 1, "'aging' or 'table'", cfg_mac_words, &sub);
	if (rc != 0)
		return rc;
	field = sub == 0 ? &s->c->mac_aging_s : &s->c->mac_table;
	def = sub == 0 ? CFG_MAC_AGING_DEFAULT : CFG_MAC_TABLE_DEFAULT;
	if (s->no && s->argc == 2) {
		*field = def;
		return 0;
	}
	if (sub == 0)
		rc = cfg_get_duration(s, 2, "the aging time", 1, CFG_MAC_AGING_MAX, &v);
	else
		rc = cfg_get_u32(s, 2, "the table size", CFG_MAC_TABLE_MIN, CFG_MAC_TABLE_MAX, &v);
	if (rc == 0)
		rc = cfg_end(s, 3);
	if (rc != 0)
		return rc;
	if (s->no && v != *field)
		return cfg_not_current(s, 2);
	*field = s->no ? def : v;
	return 0;
}

/* `storm control N|off`; `no storm control` is the default. */
int cfg_stmt_storm(struct cfg_stmt *s)
{
	static const char *const words[] = {"control", NULL};
	uint32_t v = 0;
	unsigned sub;
	int rc;

	rc = cfg_get_choice(s, 1, "'control'", words, &sub);
	if (rc != 0)
		return rc;
	if (s->no) {
		rc = cfg_end(s, 2);
		if (rc == 0)
			s->c->storm_pps = CFG_STORM_DEFAULT;
		return rc;
	}
	if (!cfg_is(s, 2, "off"))
		rc = cfg_get_u32(s, 2, "frames per second or 'off'", CFG_STORM_MIN, CFG_STORM_MAX,
				 &v);
	if (rc == 0)
		rc = cfg_end(s, 3);
	if (rc == 0)
		s->c->storm_pps = v;
	return rc;
}

/* `quota NAME N|off`; `no quota NAME [N|off]` is the default. */
int cfg_stmt_quota(struct cfg_stmt *s)
{
	uint32_t v = 0;
	unsigned q;
	int rc;

	rc = cfg_get_choice(s, 1,
			    "a quota: host-sessions, forward-rate, fragments, icmp-errors, "
			    "dns-queries, port-macs or dhcp-leases",
			    cfg_quota_names, &q);
	if (rc != 0)
		return rc;
	if (s->no && s->argc == 2) {
		s->c->quota[q] = cfg_quota_default[q];
		return 0;
	}
	if (!cfg_is(s, 2, "off"))
		rc = cfg_get_u32(s, 2, "a number or 'off'", 1, cfg_quota_max[q], &v);
	if (rc == 0)
		rc = cfg_end(s, 3);
	if (rc != 0)
		return rc;
	if (s->no && v != s->c->quota[q])
		return cfg_not_current(s, 2);
	s->c->quota[q] = s->no ? cfg_quota_default[q] : v;
	return 0;
}

int cfg_stmt_network(struct cfg_stmt *s)
{
	char name[CFG_NET_NAME_MAX + 1];
	struct cfg *c = s->c;
	unsigned mode = 0;
	bool has_mode = s->argc > 2;
	int i, rc;

	rc = cfg_get_name(s, 1, "a network name", CFG_NET_NAME_MAX, name);
	if (rc == 0 && has_mode)
		rc = cfg_get_choice(s, 2, "a mode: nat, hostonly or bridged", cfg_mode_names,
				    &mode);
	if (rc == 0)
		rc = cfg_end(s, 3);
	if (rc != 0)
		return rc;
	i = cfg_find_net(c, name);
	if (s->no) {
		if (i < 0)
			return cfg_fail(s, 1, -ENOENT, "there is no network %s", name);
		if (has_mode && mode != c->net[i].mode)
			return cfg_fail(s, 2, -ENOENT, "network %s is %s, not %s", name,
					cfg_mode_names[c->net[i].mode], s->argv[2]);
		memmove(&c->net[i], &c->net[i + 1], (size_t)(c->nnets - i - 1) * sizeof(c->net[0]));
		memset(&c->net[--c->nnets], 0, sizeof(c->net[0]));
		return 0;
	}
	if (i < 0) {
		if (!has_mode)
			return cfg_fail(s, 2, -ENOENT,
					"there is no network %s: give a mode to create it "
					"(nat, hostonly or bridged)",
					name);
		if (c->nnets == CFG_NETWORKS_MAX)
			return cfg_fail(s, 1, -ENOSPC, "too many networks (the most is %d)",
					CFG_NETWORKS_MAX);
		i = c->nnets++;
		cfg_net_init(&c->net[i], name, (enum cfg_mode)mode);
	}
	if (has_mode)
		c->net[i].mode = (uint8_t)mode;
	s->open = i;
	s->touched = i;
	return 0;
}
