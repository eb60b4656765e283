/*
 * The running config: the statements that rebuild a struct cfg, printed in
 * one canonical order and format (globals, then each network's block in
 * creation order: ports, address, domain, dhcp range, hosts, forwards), so
 * that parsing the output gives an equal config that prints the same bytes.
 * That order is also one the parser accepts statement by statement: an
 * address comes before the items that must lie inside it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/parse.h"
#include "config/stmt.h"

/* One line being built; (cut) records that something did not fit. */
struct cfg_line {
	char buf[CFG_LINE_MAX];
	size_t len;
	bool cut;
};

static void cfg_put(struct cfg_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cfg_put(struct cfg_line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - l->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		l->cut = true;
		l->len = sizeof(l->buf) - 1;
		return;
	}
	l->len += (size_t)n;
}

/* Ends the line, writes it to (out) and starts the next; -EMSGSIZE if it was cut. */
static int cfg_flush(struct cfg_line *l, struct cli_out *out)
{
	int rc = l->cut ? -EMSGSIZE : 0;

	cli_write(out, l->buf, l->len);
	cli_write(out, "\n", 1);
	l->len = 0;
	l->cut = false;
	return rc;
}

/* Runs of three or more ports print as a range: " eth1-eth47". */
static void cfg_put_ports(struct cfg_line *l, cfg_ports_t ports)
{
	unsigned p = 0, q, r;

	while (p < CFG_PORTS_MAX) {
		if (!(ports & CFG_PORT_BIT(p))) {
			p++;
			continue;
		}
		for (q = p; q + 1 < CFG_PORTS_MAX && (ports & CFG_PORT_BIT(q + 1)); q++)
			;
		if (q - p >= 2)
			cfg_put(l, " eth%u-eth%u", p, q);
		else
			for (r = p; r <= q; r++)
				cfg_put(l, " eth%u", r);
		p = q + 1;
	}
}

static int cfg_write_globals(const struct cfg *c, struct cfg_line *l, struct cli_out *out)
{
	char a[ADDR_IPV4_STRLEN], d[CFG_DURATION_STRLEN];
	const struct cfg_uplink *u = &c->uplink;
	int i, rc;

	cfg_put(l, "hostname %s", c->hostname);
	rc = cfg_flush(l, out);
	if (u->mode != CFG_UPLINK_NONE) {
		cfg_put(l, "uplink eth%u", u->port);
		if (u->mode == CFG_UPLINK_DHCP)
			cfg_put(l, " dhcp");
		else
			cfg_put(l, " address %s/%u", addr_fmt_ipv4(u->addr, a), u->prefix);
		if (u->mode == CFG_UPLINK_STATIC && u->gateway != 0)
			cfg_put(l, " gateway %s", addr_fmt_ipv4(u->gateway, a));
		rc |= cfg_flush(l, out);
	}
	if (c->ndns != 0) {
		cfg_put(l, "dns upstream");
		for (i = 0; i < c->ndns; i++)
			cfg_put(l, " %s", addr_fmt_ipv4(c->dns[i], a));
		rc |= cfg_flush(l, out);
	}
	for (i = 0; i < CFG_NAT_TIMEOUTS; i++)
		if (c->nat_timeout[i] != cfg_nat_timeout_default[i]) {
			cfg_put(l, "nat timeout %s %s", cfg_nat_timeout_names[i],
				cfg_fmt_duration(c->nat_timeout[i], d));
			rc |= cfg_flush(l, out);
		}
	if (c->nat_sessions != CFG_NAT_SESSIONS_DEFAULT) {
		cfg_put(l, "nat sessions %u", (unsigned)c->nat_sessions);
		rc |= cfg_flush(l, out);
	}
	if (c->mac_aging_s != CFG_MAC_AGING_DEFAULT) {
		cfg_put(l, "mac aging %s", cfg_fmt_duration(c->mac_aging_s, d));
		rc |= cfg_flush(l, out);
	}
	if (c->storm_pps != CFG_STORM_DEFAULT) {
		if (c->storm_pps == 0)
			cfg_put(l, "storm control off");
		else
			cfg_put(l, "storm control %u", (unsigned)c->storm_pps);
		rc |= cfg_flush(l, out);
	}
	if (c->mac_table != CFG_MAC_TABLE_DEFAULT) {
		cfg_put(l, "mac table %u", (unsigned)c->mac_table);
		rc |= cfg_flush(l, out);
	}
	for (i = 0; i < CFG_QUOTAS; i++) {
		if (c->quota[i] == cfg_quota_default[i])
			continue;
		if (c->quota[i] == 0)
			cfg_put(l, "quota %s off", cfg_quota_names[i]);
		else
			cfg_put(l, "quota %s %u", cfg_quota_names[i], (unsigned)c->quota[i]);
		rc |= cfg_flush(l, out);
	}
	return rc;
}

static int cfg_write_net(const struct cfg_net *n, struct cfg_line *l, struct cli_out *out)
{
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN], m[ADDR_MAC_STRLEN], d[CFG_DURATION_STRLEN];
	int k, rc;

	cfg_put(l, "network %s %s", n->name, cfg_mode_names[n->mode]);
	rc = cfg_flush(l, out);
	if (n->ports != 0) {
		cfg_put(l, "  ports");
		cfg_put_ports(l, n->ports);
		rc |= cfg_flush(l, out);
	}
	if (n->vlan != 0) {
		cfg_put(l, "  vlan %u", n->vlan);
		rc |= cfg_flush(l, out);
	}
	if (n->tagged != 0) {
		cfg_put(l, "  tagged");
		cfg_put_ports(l, n->tagged);
		rc |= cfg_flush(l, out);
	}
	/* The port first: a VNI is unique per port, so another network may
	 * hold this VNI on the default port. */
	if (n->vxlan_port != CFG_VXLAN_PORT_DEFAULT) {
		cfg_put(l, "  vxlan port %u", n->vxlan_port);
		rc |= cfg_flush(l, out);
	}
	if (n->vni != 0) {
		cfg_put(l, "  vxlan %u remote", (unsigned)n->vni);
		for (k = 0; k < n->nremotes; k++)
			cfg_put(l, " %s", addr_fmt_ipv4(n->remote[k], a));
		rc |= cfg_flush(l, out);
	}
	if (n->prefix != 0) {
		cfg_put(l, "  address %s/%u", addr_fmt_ipv4(n->addr, a), n->prefix);
		rc |= cfg_flush(l, out);
	}
	if (strcmp(n->domain, CFG_DOMAIN_DEFAULT) != 0) {
		cfg_put(l, "  domain %s", n->domain);
		rc |= cfg_flush(l, out);
	}
	if (n->dns_mode != CFG_DNS_DEFAULT) {
		cfg_put(l, n->dns_mode == CFG_DNS_FORWARD ? "  forward dns" : "  no forward dns");
		rc |= cfg_flush(l, out);
	}
	if (n->guard != CFG_GUARD_LEARN) {
		cfg_put(l, n->guard == CFG_GUARD_STRICT ? "  guard strict" : "  no guard");
		rc |= cfg_flush(l, out);
	}
	if (n->dhcp) {
		cfg_put(l, "  dhcp range %s %s lease %s", addr_fmt_ipv4(n->range_start, a),
			addr_fmt_ipv4(n->range_end, b), cfg_fmt_duration(n->lease_s, d));
		rc |= cfg_flush(l, out);
	}
	for (k = 0; k < n->nhosts; k++) {
		cfg_put(l, "  dhcp host %s %s %s", n->host[k].name, addr_fmt_mac(n->host[k].mac, m),
			addr_fmt_ipv4(n->host[k].ip, a));
		rc |= cfg_flush(l, out);
	}
	for (k = 0; k < n->nforwards; k++) {
		const struct cfg_forward *f = &n->forward[k];

		cfg_put(l, "  forward %s %u %s %u", cfg_proto_names[f->proto], f->outside_port,
			addr_fmt_ipv4(f->inside_ip, a), f->inside_port);
		rc |= cfg_flush(l, out);
	}
	return rc;
}

int cfg_write(const struct cfg *c, struct cli_out *out)
{
	struct cfg_line l;
	int i, rc;

	memset(&l, 0, sizeof(l));
	rc = cfg_write_globals(c, &l, out);
	for (i = 0; i < c->nnets; i++)
		rc |= cfg_write_net(&c->net[i], &l, out);
	return rc != 0 ? -EMSGSIZE : 0;
}
