/*
 * The rules a configuration keeps, beyond the syntax of each statement:
 * addresses that are host addresses of their subnets, DHCP ranges,
 * reservations and forwards inside their network's subnet, no port or
 * subnet claimed twice, one bridged network at most, forwards only in NAT
 * networks. The executor runs the cheap whole-config rules and the rules of
 * the network a statement touched after every statement; cfg_validate()
 * runs them all, as the oracle for tests and the fuzzer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/parse.h"
#include "config/stmt.h"
#include "net/dhcp/dhcpd.h" /* DHCPD_LEASES_MAX */

static int cfg_bad(struct cfg_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_bad(struct cfg_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* True if a/alen and b/blen share an address. */
static bool cfg_overlap(uint32_t a, uint8_t alen, uint32_t b, uint8_t blen)
{
	return ((a ^ b) & cfg_mask(alen < blen ? alen : blen)) == 0;
}

/* True if (addr)/(prefix) is a usable interface address. */
static bool cfg_host_addr(uint32_t addr, uint8_t prefix)
{
	return prefix >= 8 && prefix <= 30 && cfg_unicast(addr) &&
	       cfg_in_subnet(addr, addr, prefix);
}

int cfg_check_global(const struct cfg *c, struct cfg_error *err)
{
	const struct cfg_uplink *u = &c->uplink;
	char a[ADDR_IPV4_STRLEN];
	int i, j, bridged = -1;

	if (u->mode == CFG_UPLINK_STATIC) {
		if (!cfg_host_addr(u->addr, u->prefix))
			return cfg_bad(err, -EINVAL, "%s/%u is not a host address",
				       addr_fmt_ipv4(u->addr, a), u->prefix);
		if (u->gateway != 0 &&
		    (!cfg_in_subnet(u->gateway, u->addr, u->prefix) || u->gateway == u->addr))
			return cfg_bad(err, -EINVAL,
				       "gateway %s is not another host of the uplink's subnet",
				       addr_fmt_ipv4(u->gateway, a));
	}
	for (i = 0; i < c->ndns; i++) {
		if (!cfg_unicast(c->dns[i]))
			return cfg_bad(err, -EINVAL, "%s is not a usable dns server address",
				       addr_fmt_ipv4(c->dns[i], a));
		for (j = 0; j < i; j++)
			if (c->dns[j] == c->dns[i])
				return cfg_bad(err, -EEXIST, "dns upstream %s is listed twice",
					       addr_fmt_ipv4(c->dns[i], a));
	}
	for (i = 0; i < c->nnets; i++) {
		const struct cfg_net *n = &c->net[i];

		if (u->mode != CFG_UPLINK_NONE && (n->ports & CFG_PORT_BIT(u->port)))
			return cfg_bad(err, -EBUSY, "eth%u is the uplink and a port of network %s",
				       u->port, n->name);
		for (j = 0; j < i; j++) {
			if (strcmp(c->net[j].name, n->name) == 0)
				return cfg_bad(err, -EEXIST, "two networks are named %s", n->name);
			if (c->net[j].ports & n->ports)
				return cfg_bad(err, -EBUSY, "eth%d is in networks %s and %s",
					       __builtin_ctzll(c->net[j].ports & n->ports),
					       c->net[j].name, n->name);
			if (n->vlan != 0 && c->net[j].vlan == n->vlan)
				return cfg_bad(err, -EBUSY, "vlan %u is network %s's already",
					       n->vlan, c->net[j].name);
			if (n->vni != 0 && c->net[j].vni == n->vni &&
			    c->net[j].vxlan_port == n->vxlan_port)
				return cfg_bad(err, -EBUSY, "vxlan %u is network %s's already",
					       (unsigned)n->vni, c->net[j].name);
			if (n->prefix != 0 && c->net[j].prefix != 0 &&
			    cfg_overlap(n->addr, n->prefix, c->net[j].addr, c->net[j].prefix))
				return cfg_bad(err, -EBUSY,
					       "the subnets of networks %s and %s overlap",
					       c->net[j].name, n->name);
		}
		if (n->mode == CFG_BRIDGED) {
			if (bridged >= 0)
				return cfg_bad(err, -EBUSY,
					       "only one network can be bridged, and %s is",
					       c->net[bridged].name);
			bridged = i;
		}
		/* Here, not per network: an uplink statement may change it. */
		for (int k = 0; k < n->nremotes; k++)
			if (u->mode == CFG_UPLINK_STATIC && n->remote[k] == u->addr)
				return cfg_bad(err, -EINVAL,
					       "vxlan remote %s of network %s is the uplink's own "
					       "address",
					       addr_fmt_ipv4(n->remote[k], a), n->name);
		if (n->prefix != 0 && u->mode == CFG_UPLINK_STATIC &&
		    cfg_overlap(n->addr, n->prefix, u->addr, u->prefix))
			return cfg_bad(err, -EBUSY,
				       "the subnet of network %s overlaps the uplink's", n->name);
	}
	return 0;
}

/* The leases network (n)'s DHCP server must be able to hold: one per
 * range address and per reservation outside the range (dhcpd_capacity()). */
static uint64_t cfg_dhcp_addresses(const struct cfg_net *n)
{
	uint64_t need = (uint64_t)n->range_end - n->range_start + 1;

	for (int k = 0; k < n->nhosts; k++)
		if (n->host[k].ip < n->range_start || n->host[k].ip > n->range_end)
			need++;
	return need;
}

/* The rules of an addressed network's DHCP range, hosts and forwards. */
static int cfg_check_inside(const struct cfg_net *n, struct cfg_error *err)
{
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN], net[ADDR_IPV4_STRLEN];
	int k, m;

	if (n->dhcp) {
		if (n->range_start > n->range_end)
			return cfg_bad(err, -EINVAL, "the dhcp range starts after it ends");
		if (!cfg_in_subnet(n->range_start, n->addr, n->prefix) ||
		    !cfg_in_subnet(n->range_end, n->addr, n->prefix))
			return cfg_bad(
				err, -EINVAL, "the dhcp range %s .. %s is not inside %s/%u",
				addr_fmt_ipv4(n->range_start, a), addr_fmt_ipv4(n->range_end, b),
				addr_fmt_ipv4(n->addr & cfg_mask(n->prefix), net), n->prefix);
		if (n->addr >= n->range_start && n->addr <= n->range_end)
			return cfg_bad(err, -EBUSY, "the dhcp range holds the network's address %s",
				       addr_fmt_ipv4(n->addr, a));
		if (n->lease_s < CFG_LEASE_MIN || n->lease_s > CFG_LEASE_MAX)
			return cfg_bad(err, -ERANGE, "the lease time is out of range");
		/* Checked here, so that a file is refused whole: the lease
		 * table is sized to the range when applied. */
		if (cfg_dhcp_addresses(n) > DHCPD_LEASES_MAX)
			return cfg_bad(err, -ERANGE,
				       "the dhcp range %s .. %s and its reservations hold %llu "
				       "addresses: a network leases at most %u",
				       addr_fmt_ipv4(n->range_start, a),
				       addr_fmt_ipv4(n->range_end, b),
				       (unsigned long long)cfg_dhcp_addresses(n),
				       (unsigned)DHCPD_LEASES_MAX);
	}
	for (k = 0; k < n->nhosts; k++) {
		const struct cfg_host *h = &n->host[k];
		static const uint8_t zero[6];

		if (!cfg_in_subnet(h->ip, n->addr, n->prefix) || h->ip == n->addr)
			return cfg_bad(err, -EINVAL,
				       "dhcp host %s: %s is not a guest address of %s", h->name,
				       addr_fmt_ipv4(h->ip, a), n->name);
		if ((h->mac[0] & 1) || memcmp(h->mac, zero, 6) == 0)
			return cfg_bad(err, -EINVAL, "dhcp host %s: not a unicast MAC address",
				       h->name);
		for (m = 0; m < k; m++) {
			const struct cfg_host *o = &n->host[m];

			if (strcmp(o->name, h->name) == 0)
				return cfg_bad(err, -EEXIST, "dhcp host %s is there twice",
					       h->name);
			if (memcmp(o->mac, h->mac, 6) == 0)
				return cfg_bad(err, -EEXIST,
					       "dhcp hosts %s and %s have the same MAC", o->name,
					       h->name);
			if (o->ip == h->ip)
				return cfg_bad(err, -EEXIST,
					       "dhcp hosts %s and %s have the same address",
					       o->name, h->name);
		}
	}
	for (k = 0; k < n->nforwards; k++) {
		const struct cfg_forward *f = &n->forward[k];

		if (!cfg_in_subnet(f->inside_ip, n->addr, n->prefix) || f->inside_ip == n->addr)
			return cfg_bad(err, -EINVAL,
				       "forward %s %u: %s is not a guest address of %s",
				       cfg_proto_names[f->proto], f->outside_port,
				       addr_fmt_ipv4(f->inside_ip, a), n->name);
		if (f->outside_port == 0 || f->inside_port == 0)
			return cfg_bad(err, -ERANGE, "forward %s: port 0", n->name);
	}
	return 0;
}

int cfg_check_net(const struct cfg *c, int i, struct cfg_error *err)
{
	const struct cfg_net *n = &c->net[i];
	char a[ADDR_IPV4_STRLEN];

	if (n->mode > CFG_BRIDGED)
		return cfg_bad(err, -EINVAL, "network %s has no valid mode", n->name);
	if (n->dns_mode > CFG_DNS_LOCAL)
		return cfg_bad(err, -EINVAL, "network %s has no valid DNS mode", n->name);
	if (n->guard > CFG_GUARD_OFF)
		return cfg_bad(err, -EINVAL, "network %s has no valid guard mode", n->name);
	if (n->mode == CFG_BRIDGED) {
		if (n->prefix != 0)
			return cfg_bad(err, -EINVAL,
				       "bridged network %s has no address of its own: its guests "
				       "take theirs outside",
				       n->name);
		if (n->dhcp || n->nhosts != 0)
			return cfg_bad(err, -EINVAL,
				       "bridged network %s has no dhcp server: the outside one "
				       "serves its guests",
				       n->name);
		if (strcmp(n->domain, CFG_DOMAIN_DEFAULT) != 0)
			return cfg_bad(err, -EINVAL, "bridged network %s has no domain", n->name);
		if (n->dns_mode != CFG_DNS_DEFAULT)
			return cfg_bad(err, -EINVAL,
				       "bridged network %s has no DNS of its own: the outside "
				       "resolves for its guests",
				       n->name);
		if (n->guard != CFG_GUARD_LEARN)
			return cfg_bad(err, -EINVAL,
				       "bridged network %s has no guard: the outside owns its "
				       "addresses",
				       n->name);
	}
	if (n->tagged != 0 && n->vlan == 0)
		return cfg_bad(err, -EINVAL,
			       "network %s has tagged ports but no vlan: give it `vlan ID` first",
			       n->name);
	if (n->tagged & n->ports)
		return cfg_bad(err, -EBUSY, "eth%d is a tagged and an untagged port of network %s",
			       __builtin_ctzll(n->tagged & n->ports), n->name);
	if (n->vlan > CFG_VLAN_MAX || n->vni > 0xffffff || n->nremotes > CFG_REMOTES_MAX ||
	    (n->vni != 0 && (n->nremotes == 0 || n->vxlan_port == 0)))
		return cfg_bad(err, -EINVAL, "network %s has a bad vlan or vxlan", n->name);
	if (n->vni != 0 && n->mode == CFG_BRIDGED)
		return cfg_bad(err, -EINVAL,
			       "bridged network %s is the outside's segment: span it with the "
			       "outside's own VXLAN",
			       n->name);
	if (n->nforwards != 0 && n->mode != CFG_NAT)
		return cfg_bad(err, -EINVAL, "forwards need a nat network, and %s is %s", n->name,
			       cfg_mode_names[n->mode]);
	if (n->prefix == 0) {
		if (n->dhcp || n->nhosts != 0 || n->nforwards != 0)
			return cfg_bad(err, -EINVAL,
				       "network %s needs an address for its %s: give it one first "
				       "(or remove them)",
				       n->name, n->nforwards != 0 ? "forwards" : "dhcp settings");
		return 0;
	}
	if (!cfg_host_addr(n->addr, n->prefix))
		return cfg_bad(err, -EINVAL, "%s/%u is not a host address",
			       addr_fmt_ipv4(n->addr, a), n->prefix);
	return cfg_check_inside(n, err);
}

int cfg_check_forward(const struct cfg *c, int n, int k, struct cfg_error *err)
{
	const struct cfg_forward *f = &c->net[n].forward[k];
	int j, m;

	if (f->proto == CFG_UDP && f->outside_port == 68)
		return cfg_bad(err, -EBUSY, "udp port 68 is the uplink's DHCP client");
	for (j = 0; j < c->nnets; j++)
		for (m = 0; m < c->net[j].nforwards; m++) {
			const struct cfg_forward *o = &c->net[j].forward[m];

			if ((j != n || m != k) && o->proto == f->proto &&
			    o->outside_port == f->outside_port)
				return cfg_bad(
					err, -EEXIST, "%s port %u is forwarded already, in %s",
					cfg_proto_names[f->proto], f->outside_port, c->net[j].name);
		}
	return 0;
}

int cfg_validate(const struct cfg *c, struct cfg_error *err)
{
	struct cfg_error local;
	int i, k, rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (c->nnets > CFG_NETWORKS_MAX || c->ndns > CFG_DNS_MAX)
		return cfg_bad(err, -ENOSPC, "too many networks or dns servers");
	if (!cfg_name_ok(c->hostname, CFG_HOST_NAME_MAX))
		return cfg_bad(err, -EINVAL, "the hostname is not a valid name");
	if (c->uplink.mode > CFG_UPLINK_STATIC || c->uplink.port >= CFG_PORTS_MAX)
		return cfg_bad(err, -EINVAL, "the uplink is not valid");
	for (i = 0; i < CFG_NAT_TIMEOUTS; i++)
		if (c->nat_timeout[i] < cfg_nat_timeout_min[i] ||
		    c->nat_timeout[i] > CFG_NAT_TIMEOUT_MAX)
			return cfg_bad(err, -ERANGE, "nat timeout %s is out of range",
				       cfg_nat_timeout_names[i]);
	if ((c->nat_sessions != CFG_NAT_SESSIONS_DEFAULT &&
	     (c->nat_sessions < CFG_NAT_SESSIONS_MIN || c->nat_sessions > CFG_NAT_SESSIONS_MAX)) ||
	    c->mac_aging_s < 1 || c->mac_aging_s > CFG_MAC_AGING_MAX ||
	    c->mac_table < CFG_MAC_TABLE_MIN || c->mac_table > CFG_MAC_TABLE_MAX ||
	    (c->storm_pps != 0 && (c->storm_pps < CFG_STORM_MIN || c->storm_pps > CFG_STORM_MAX)))
		return cfg_bad(err, -ERANGE, "a nat or mac table setting is out of range");
	for (i = 0; i < CFG_QUOTAS; i++)
		if (c->quota[i] > cfg_quota_max[i])
			return cfg_bad(err, -ERANGE, "quota %s is out of range",
				       cfg_quota_names[i]);
	for (i = 0; i < c->nnets; i++) {
		const struct cfg_net *n = &c->net[i];

		if (n->nhosts > CFG_HOSTS_MAX || n->nforwards > CFG_FORWARDS_MAX)
			return cfg_bad(err, -ENOSPC, "network %d has too many hosts or forwards",
				       i);
		if (!cfg_name_ok(n->name, CFG_NET_NAME_MAX) || !cfg_domain_ok(n->domain))
			return cfg_bad(err, -EINVAL, "network %d has an invalid name or domain", i);
		for (k = 0; k < n->nhosts; k++)
			if (!cfg_name_ok(n->host[k].name, CFG_HOST_NAME_MAX))
				return cfg_bad(err, -EINVAL, "network %s has an invalid host name",
					       n->name);
		for (k = 0; k < n->nforwards; k++)
			if (n->forward[k].proto > CFG_UDP)
				return cfg_bad(err, -EINVAL, "network %s has a bad forward",
					       n->name);
	}
	rc = cfg_check_global(c, err);
	for (i = 0; rc == 0 && i < c->nnets; i++)
		rc = cfg_check_net(c, i, err);
	for (i = 0; rc == 0 && i < c->nnets; i++)
		for (k = 0; rc == 0 && k < c->net[i].nforwards; k++)
			rc = cfg_check_forward(c, i, k, err);
	return rc;
}
