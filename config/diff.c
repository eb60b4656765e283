/*
 * Comparing configurations: equality (what cfg_write() would print), and
 * the difference the binding acts on when a new config replaces the
 * running one, with networks matched by name so that an unchanged network
 * is left alone however the others move in the list.
 */
#include <string.h>

#include "config/stmt.h"

bool cfg_uplink_equal(const struct cfg_uplink *a, const struct cfg_uplink *b)
{
	return a->mode == b->mode && a->port == b->port && a->prefix == b->prefix &&
	       a->addr == b->addr && a->gateway == b->gateway;
}

static bool cfg_hosts_equal(const struct cfg_net *a, const struct cfg_net *b)
{
	int k;

	if (a->nhosts != b->nhosts)
		return false;
	for (k = 0; k < a->nhosts; k++)
		if (strcmp(a->host[k].name, b->host[k].name) != 0 ||
		    memcmp(a->host[k].mac, b->host[k].mac, 6) != 0 ||
		    a->host[k].ip != b->host[k].ip)
			return false;
	return true;
}

static bool cfg_forwards_equal(const struct cfg_net *a, const struct cfg_net *b)
{
	int k;

	if (a->nforwards != b->nforwards)
		return false;
	for (k = 0; k < a->nforwards; k++) {
		const struct cfg_forward *f = &a->forward[k], *g = &b->forward[k];

		if (f->proto != g->proto || f->outside_port != g->outside_port ||
		    f->inside_port != g->inside_port || f->inside_ip != g->inside_ip)
			return false;
	}
	return true;
}

/* CFG_CH_* bits for what differs between networks (a) and (b). */
static uint8_t cfg_net_changes(const struct cfg_net *a, const struct cfg_net *b)
{
	uint8_t ch = 0;

	if (a->mode != b->mode)
		ch |= CFG_CH_MODE;
	if (a->ports != b->ports)
		ch |= CFG_CH_PORTS;
	if (a->addr != b->addr || a->prefix != b->prefix)
		ch |= CFG_CH_ADDRESS;
	if (a->dhcp != b->dhcp || a->range_start != b->range_start ||
	    a->range_end != b->range_end || a->lease_s != b->lease_s ||
	    strcmp(a->domain, b->domain) != 0 || !cfg_hosts_equal(a, b) ||
	    a->dns_mode != b->dns_mode)
		ch |= CFG_CH_DHCP;
	if (!cfg_forwards_equal(a, b))
		ch |= CFG_CH_FORWARDS;
	if (a->guard != b->guard)
		ch |= CFG_CH_GUARD;
	if (a->vlan != b->vlan || a->tagged != b->tagged)
		ch |= CFG_CH_VLAN;
	if (a->vni != b->vni || a->vxlan_port != b->vxlan_port || a->nremotes != b->nremotes ||
	    memcmp(a->remote, b->remote, sizeof(a->remote)) != 0)
		ch |= CFG_CH_VXLAN;
	return ch;
}

bool cfg_equal(const struct cfg *a, const struct cfg *b)
{
	int i;

	if (strcmp(a->hostname, b->hostname) != 0 || !cfg_uplink_equal(&a->uplink, &b->uplink) ||
	    a->ndns != b->ndns || a->nat_sessions != b->nat_sessions ||
	    a->mac_aging_s != b->mac_aging_s || a->mac_table != b->mac_table ||
	    a->storm_pps != b->storm_pps || a->nnets != b->nnets)
		return false;
	for (i = 0; i < a->ndns; i++)
		if (a->dns[i] != b->dns[i])
			return false;
	for (i = 0; i < CFG_NAT_TIMEOUTS; i++)
		if (a->nat_timeout[i] != b->nat_timeout[i])
			return false;
	if (memcmp(a->quota, b->quota, sizeof(a->quota)) != 0)
		return false;
	for (i = 0; i < a->nnets; i++)
		if (strcmp(a->net[i].name, b->net[i].name) != 0 ||
		    cfg_net_changes(&a->net[i], &b->net[i]) != 0)
			return false;
	return true;
}

/* The name of what port (p) is in (*c): "" for nothing, a network's name, or NULL for the uplink.
 */
static const char *cfg_port_role(const struct cfg *c, unsigned p)
{
	int i;

	if (c->uplink.mode != CFG_UPLINK_NONE && c->uplink.port == p)
		return NULL;
	i = cfg_port_net(c, p);
	return i < 0 ? "" : c->net[i].name;
}

void cfg_diff(const struct cfg *old, const struct cfg *new, struct cfg_diff *d)
{
	unsigned p;
	int i, j;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < old->nnets; i++)
		if (cfg_find_net(new, old->net[i].name) < 0)
			d->removed |= 1u << i;
	for (i = 0; i < new->nnets; i++) {
		j = cfg_find_net(old, new->net[i].name);
		if (j < 0) {
			d->added |= 1u << i;
			continue;
		}
		d->kept |= 1u << i;
		d->net_changed[i] = cfg_net_changes(&old->net[j], &new->net[i]);
		if (old->quota[CFG_Q_DHCP_LEASES] != new->quota[CFG_Q_DHCP_LEASES])
			d->net_changed[i] |= CFG_CH_DHCP;
	}
	for (p = 0; p < CFG_PORTS_MAX; p++) {
		const char *a = cfg_port_role(old, p), *b = cfg_port_role(new, p);

		if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
			d->ports_moved |= CFG_PORT_BIT(p);
	}
	d->uplink = !cfg_uplink_equal(&old->uplink, &new->uplink);
	d->dns = old->ndns != new->ndns;
	for (i = 0; i < old->ndns && !d->dns; i++)
		d->dns = old->dns[i] != new->dns[i];
	d->nat = old->nat_sessions != new->nat_sessions ||
		 memcmp(old->nat_timeout, new->nat_timeout, sizeof(old->nat_timeout)) != 0;
	d->mac = old->mac_aging_s != new->mac_aging_s || old->mac_table != new->mac_table;
	d->storm = old->storm_pps != new->storm_pps;
	d->quota = memcmp(old->quota, new->quota, sizeof(old->quota)) != 0;
	d->hostname = strcmp(old->hostname, new->hostname) != 0;
}
