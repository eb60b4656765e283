/*
 * Applying a configuration. The parser (config.c) has already checked the
 * new struct cfg as a whole, so applying cannot fail on bad input; it only
 * reconciles the running networks with the config, touching only what
 * changed (cfg_diff), so that other networks' traffic carries on. It runs
 * in two steps: first everything new is allocated (MAC tables, lease
 * tables, the NAT table), and if any allocation fails, all of it is freed
 * and nothing has changed; then the changes are made, with no allocation
 * left to fail. Boot sources: the baked-in config/default.conf, replaced
 * by a valid opt/unigate/config from fw_cfg; then statements from the
 * console.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/apply.h"
#include "config/config.h"
#include "drivers/fw_cfg.h"
#include "drivers/netdev.h"
#include "kernel/cli.h"
#include "kernel/console.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "net/nat/gateway.h"
#include "net/nat/nat.h"
#include "net/switch/network.h"
#include "net/services.h"
#include "net/switch/guard.h"
#include "net/switch/overlay.h"

/* The uplink's own switch: parentheses keep it out of the names users
 * give networks (a network called "uplink" is theirs). */
#define APPLY_UPLINK   "(uplink)"
#define APPLY_FILE_MAX 65536

extern const char apply_default_start[], apply_default_end[];

static struct dhcpd_config apply_dhcp; /* about 5 KiB: not on the stack */
static struct cfg apply_running;
static struct cfg apply_next; /* candidate from the console or a file */
static struct cfg_ctx apply_ctx;
static char apply_file[APPLY_FILE_MAX];
static const char *apply_source = "none";
static bool apply_started;     /* a config has been applied: the rest is a change */
static bool apply_uplink_kept; /* the new uplink failed; the old one runs on */
static char apply_hostname[CFG_HOST_NAME_MAX + 1] = CFG_HOSTNAME_DEFAULT;
static char apply_prompt[CFG_HOST_NAME_MAX + CFG_NET_NAME_MAX + 8];
static struct gw_forward apply_fwd[GW_FORWARDS_MAX];

/* What an apply allocates before it changes anything; each pointer is
 * handed to its module (which then owns it) or freed by apply_unprepare. */
struct apply_prep {
	void *table[CFG_NETWORKS_MAX];	       /* MAC table: a new network, or a new size */
	void *leases[CFG_NETWORKS_MAX];	       /* a new network, or a range of a new size */
	uint32_t leases_cap[CFG_NETWORKS_MAX]; /* records in leases[i] */
	void *guard[CFG_NETWORKS_MAX];	       /* a guard table: a new network, or a new size */
	uint32_t guard_cap[CFG_NETWORKS_MAX];  /* bindings in guard[i] */
	void *listener[CFG_NETWORKS_MAX];      /* a DNS listener at a new address */
	void *up_table;			       /* the uplink's switch, new or resized */
	bool nat;			       /* gw_prepare() holds a new NAT table */
};

static struct apply_prep apply_prep;

/* Ports of bridged networks join the uplink's switch. */
static cfg_ports_t apply_uplink_ports(const struct cfg *c)
{
	cfg_ports_t mask = 0;

	if (c->uplink.mode == CFG_UPLINK_NONE)
		return 0;
	mask = CFG_PORT_BIT(c->uplink.port);
	for (int i = 0; i < c->nnets; i++)
		if (c->net[i].mode == CFG_BRIDGED && c->net[i].vlan == 0)
			mask |= c->net[i].ports;
	return mask;
}

static int apply_uplink(const struct cfg *c, const struct cfg_diff *d)
{
	struct network *up = network_find(APPLY_UPLINK);
	int err;

	if (c->uplink.mode == CFG_UPLINK_NONE) {
		if (up != NULL)
			network_remove(up);
		return 0;
	}
	if (up == NULL) {
		err = network_add(APPLY_UPLINK, false, c->mac_table, apply_prep.up_table, &up);
		apply_prep.up_table = NULL;
		if (err)
			return err;
	} else if (apply_prep.up_table != NULL) {
		network_set_mac_table(up, c->mac_table, apply_prep.up_table);
		apply_prep.up_table = NULL;
	}
	network_set_ports(up, apply_uplink_ports(c));
	network_set_trusted(up, CFG_PORT_BIT(c->uplink.port));
	if (netdev_get(c->uplink.port) != NULL)
		network_set_hwaddr(up, netdev_get(c->uplink.port)->mac);
	if (!d->uplink && network_netif(up) != NULL)
		return 0;
	/* The lease given up and the client freed, so that nothing of it
	 * lingers under a static address. */
	if (network_netif(up) != NULL) {
		dhcp_release_and_stop(network_netif(up));
		dhcp_cleanup(network_netif(up));
	}
	if (c->uplink.mode == CFG_UPLINK_STATIC)
		return network_set_address(up, c->uplink.addr, c->uplink.prefix, c->uplink.gateway);
	/* DHCP: lwIP's client, giving our name as option 12 (RFC 2132 §3.14).
	 * It starts before the old address goes (lwIP's client sends from
	 * 0.0.0.0 whatever the netif holds), so that if lwIP cannot start it,
	 * the uplink runs on as it was and running-config keeps saying so. */
	if (network_netif(up) == NULL && (err = network_set_address(up, 0, 32, 0)) < 0)
		return err;
	netif_set_hostname(network_netif(up), apply_hostname);
	if (dhcp_start(network_netif(up)) != ERR_OK) {
		dhcp_cleanup(network_netif(up));
		if (apply_running.uplink.mode != CFG_UPLINK_NONE)
			apply_uplink_kept = true;
		return -ENOMEM;
	}
	return network_set_address(up, 0, 32, 0);
}

/* The DHCP server's view of a network; false if it serves none. A network
 * with reservations but no range serves only them: the range is then one
 * reserved address, which no other client can take. */
static bool apply_dhcp_config(const struct cfg *c, const struct cfg_net *cn, struct dhcpd_config *d)
{
	if (cn->prefix == 0 || (!cn->dhcp && cn->nhosts == 0))
		return false;
	memset(d, 0, sizeof(*d));
	d->server = cn->addr;
	d->prefix = cn->prefix;
	d->router = cn->mode == CFG_NAT;
	d->dns = cn->addr;
	snprintf(d->domain, sizeof(d->domain), "%s", cn->domain);
	d->range_start = cn->dhcp ? cn->range_start : cn->host[0].ip;
	d->range_end = cn->dhcp ? cn->range_end : cn->host[0].ip;
	d->lease_s = cn->lease_s ? cn->lease_s : CFG_LEASE_DEFAULT;
	d->port_leases = c->quota[CFG_Q_DHCP_LEASES];
	d->mtu = cn->vni != 0 ? OVERLAY_GUEST_MTU : 0;
	d->nhosts = cn->nhosts;
	for (int i = 0; i < cn->nhosts; i++) {
		snprintf(d->host[i].name, sizeof(d->host[i].name), "%s", cn->host[i].name);
		memcpy(d->host[i].mac, cn->host[i].mac, 6);
		d->host[i].ip = cn->host[i].ip;
	}
	return true;
}

/* Checks what the parser cannot: the DHCP server's own limits. */
static int apply_check(const struct cfg *c, struct cli_out *out)
{
	const char *why;
	int err;

	for (int i = 0; i < c->nnets; i++) {
		if (!apply_dhcp_config(c, &c->net[i], &apply_dhcp))
			continue;
		err = dhcpd_config_check(&apply_dhcp, dhcpd_capacity(&apply_dhcp), &why);
		if (err < 0) {
			cli_printf(out, "%% network %s: dhcp: %s; nothing applied\n",
				   c->net[i].name, why);
			return err;
		}
	}
	return 0;
}

static int apply_services(const struct cfg *c, const struct cfg_net *cn, struct network *net, int i)
{
	const char *why;
	bool dhcp = apply_dhcp_config(c, cn, &apply_dhcp);
	int err;

	if (network_netif(net) == NULL) {
		svc_network_remove(cn->name);
		return 0;
	}
	/* Host-only networks have no route out, and no DNS tunnel out either. */
	bool forward = cn->dns_mode == CFG_DNS_FORWARD ||
		       (cn->dns_mode == CFG_DNS_DEFAULT && cn->mode == CFG_NAT);

	err = svc_network(cn->name, network_netif(net), dhcp ? &apply_dhcp : NULL, cn->domain,
			  forward, apply_prep.leases[i], apply_prep.leases_cap[i],
			  apply_prep.listener[i], &why);
	apply_prep.leases[i] = NULL;
	apply_prep.listener[i] = NULL;
	if (err < 0)
		printf("network %s: services: %s (error %d)\n", cn->name, why, err);
	return err;
}

/* The network's guard and its reservations (net/switch/guard.h). */
static void apply_guard(const struct cfg_net *cn, struct network *net)
{
	static const int modes[] = {[CFG_GUARD_LEARN] = GUARD_LEARN,
				    [CFG_GUARD_STRICT] = GUARD_STRICT,
				    [CFG_GUARD_OFF] = GUARD_OFF};
	static uint8_t mac[CFG_HOSTS_MAX][6];
	static uint32_t ip[CFG_HOSTS_MAX];

	network_set_guard(net, modes[cn->guard]);
	for (int h = 0; h < cn->nhosts; h++) {
		memcpy(mac[h], cn->host[h].mac, 6);
		ip[h] = cn->host[h].ip;
	}
	network_guard_reserved(net, (const uint8_t(*)[6])mac, ip, cn->nhosts);
}

static int apply_net(const struct cfg_net *cn, const struct cfg *c, int i)
{
	struct network *net = network_find(cn->name);
	int err;

	/* A bridged network joins the uplink's switch, or with a vlan, that
	 * VLAN on the uplink: a switch of its own with the uplink port tagged. */
	if (cn->mode == CFG_BRIDGED && cn->vlan == 0) {
		svc_network_remove(cn->name);
		if (net != NULL)
			network_remove(net);
		return 0;
	}
	if (net == NULL) {
		err = network_add(cn->name, cn->mode == CFG_NAT, c->mac_table, apply_prep.table[i],
				  &net);
		apply_prep.table[i] = NULL;
		if (err)
			return err;
	} else if (apply_prep.table[i] != NULL) {
		network_set_mac_table(net, c->mac_table, apply_prep.table[i]);
		apply_prep.table[i] = NULL;
	}
	network_set_nat(net, cn->mode == CFG_NAT);
	network_set_ports(net, cn->ports);
	cfg_ports_t tagged = cn->tagged;

	if (cn->mode == CFG_BRIDGED && c->uplink.mode != CFG_UPLINK_NONE) {
		tagged |= CFG_PORT_BIT(c->uplink.port);
		network_set_trusted(net, CFG_PORT_BIT(c->uplink.port));
	}
	err = network_set_vlan(net, cn->vlan, tagged);
	if (err == 0)
		err = overlay_set(net, cn->vni, cn->vxlan_port, cn->remote, cn->nremotes);
	if (err)
		return err;
	err = network_set_address(net, cn->addr, cn->prefix, 0);
	if (err)
		return err;
	/* The guard takes its new subnet before its bindings move to a table
	 * of a new size (those the subnet drops need no room), and its
	 * reservations after (a new network's first table is this one). */
	apply_guard(cn, net);
	if (apply_prep.guard[i] != NULL) {
		network_set_guard_table(net, apply_prep.guard[i], apply_prep.guard_cap[i]);
		apply_prep.guard[i] = NULL;
		apply_guard(cn, net);
	}
	return apply_services(c, cn, net, i);
}

/* The NAT table, timeouts and port forwards of every nat network. */
static int apply_nat(const struct cfg *c, const struct cfg_diff *d)
{
	bool forwards = !apply_started || d->added || d->removed;
	unsigned n = 0;
	int err = 0;

	if (!apply_started || d->nat || d->quota) {
		uint32_t q[NAT_Q_MAX];

		q[NAT_Q_HOST_SESSIONS] = c->quota[CFG_Q_HOST_SESSIONS];
		q[NAT_Q_FORWARD_RATE] = c->quota[CFG_Q_FORWARD_RATE];
		q[NAT_Q_FRAG_PER_MAP] = c->quota[CFG_Q_FRAGMENTS];
		q[NAT_Q_ICMP_ERR_RATE] = c->quota[CFG_Q_ICMP_ERRORS];
		q[NAT_Q_HALFOPEN_SCAN] = nat_quota_default(NAT_Q_HALFOPEN_SCAN);
		err = gw_configure(c->nat_sessions, c->nat_timeout, q);
		apply_prep.nat = false;
		if (err)
			printf("nat: table of %u sessions: error %d\n", (unsigned)c->nat_sessions,
			       err);
	}
	gw_set_uplink(c->uplink.mode == CFG_UPLINK_NONE ? NULL : network_find(APPLY_UPLINK));
	svc_set_uplink(c->uplink.mode == CFG_UPLINK_NONE ? NULL : network_find(APPLY_UPLINK));
	overlay_set_uplink(c->uplink.mode == CFG_UPLINK_NONE ? NULL : network_find(APPLY_UPLINK));
	for (int i = 0; i < c->nnets; i++)
		forwards |= (d->net_changed[i] & (CFG_CH_FORWARDS | CFG_CH_MODE)) != 0;
	if (!forwards)
		return err;
	for (int i = 0; i < c->nnets; i++) {
		const struct cfg_net *cn = &c->net[i];

		for (int f = 0; cn->mode == CFG_NAT && f < cn->nforwards && n < GW_FORWARDS_MAX;
		     f++) {
			const struct cfg_forward *fw = &cn->forward[f];

			apply_fwd[n].proto = fw->proto == CFG_TCP ? 6 : 17;
			apply_fwd[n].out_port = fw->outside_port;
			apply_fwd[n].in_ip = fw->inside_ip;
			apply_fwd[n].in_port = fw->inside_port;
			n++;
		}
	}
	int e = gw_set_forwards(apply_fwd, n);

	if (e < 0) {
		printf("nat: forwards: error %d\n", e);
		if (err == 0)
			err = e;
	}
	return err;
}

/* Frees what apply_prepare() allocated and no module took. */
static void apply_unprepare(void)
{
	for (int i = 0; i < CFG_NETWORKS_MAX; i++) {
		network_table_free(apply_prep.table[i]);
		svc_leases_free(apply_prep.leases[i]);
		network_guard_free(apply_prep.guard[i]);
		svc_listener_free(apply_prep.listener[i]);
	}
	network_table_free(apply_prep.up_table);
	if (apply_prep.nat)
		gw_prepare_abort();
	memset(&apply_prep, 0, sizeof(apply_prep));
}

/* A lease table for network (cn), number (i) of (c), sized to its DHCP
 * range and reservations, if it has none or one of another size (its
 * leases move into the new one). Returns 0 or -ENOMEM. */
static int apply_prepare_leases(const struct cfg *c, const struct cfg_net *cn, int i)
{
	bool dhcp = apply_dhcp_config(c, cn, &apply_dhcp);
	uint32_t cap = svc_leases_need(dhcp ? &apply_dhcp : NULL);

	if (!svc_needs_leases(cn->name, cap))
		return 0;
	apply_prep.leases_cap[i] = cap != 0 ? cap : 1;
	apply_prep.leases[i] = svc_leases_alloc(apply_prep.leases_cap[i]);
	return apply_prep.leases[i] != NULL ? 0 : -ENOMEM;
}

/* A guard table for network (cn), number (i) of (c), now (net) (or NULL),
 * sized to its subnet and DHCP pool (guard_capacity_for), if it has none or
 * one of another size (its bindings move into the new one). Returns 0 or
 * -ENOMEM. */
static int apply_prepare_guard(const struct cfg *c, const struct cfg_net *cn,
			       const struct network *net, int i)
{
	bool dhcp = apply_dhcp_config(c, cn, &apply_dhcp);
	uint32_t mask = cn->prefix ? 0xffffffffu << (32 - cn->prefix) : 0;
	uint32_t cap = guard_capacity_for(dhcp ? dhcpd_capacity(&apply_dhcp) : 0, mask);

	if (net != NULL && network_guard_capacity(net) == cap)
		return 0;
	apply_prep.guard_cap[i] = cap;
	apply_prep.guard[i] = network_guard_alloc(cap);
	return apply_prep.guard[i] != NULL ? 0 : -ENOMEM;
}

/* Allocates everything going from the running config to (*c) needs, so
 * that nothing is left to fail once changes begin. Returns 0 or -ENOMEM,
 * having allocated nothing. */
static int apply_prepare(const struct cfg *c, const struct cfg_diff *d)
{
	bool resize = c->mac_table != apply_running.mac_table;
	struct network *up = network_find(APPLY_UPLINK);
	bool fail = false;

	memset(&apply_prep, 0, sizeof(apply_prep));
	for (int i = 0; i < c->nnets; i++) {
		const struct cfg_net *cn = &c->net[i];
		struct network *net = network_find(cn->name);

		if (cn->mode == CFG_BRIDGED && cn->vlan == 0)
			continue;
		if (net == NULL || (resize && network_mac_table(net) != c->mac_table)) {
			apply_prep.table[i] = network_table_alloc(c->mac_table);
			fail |= apply_prep.table[i] == NULL;
		}
		if (cn->prefix != 0)
			fail |= apply_prepare_leases(c, cn, i) < 0 ||
				apply_prepare_guard(c, cn, net, i) < 0;
		if (cn->prefix != 0 && svc_needs_listener(cn->name, cn->addr)) {
			apply_prep.listener[i] = svc_listener_alloc();
			fail |= apply_prep.listener[i] == NULL;
		}
	}
	if (c->uplink.mode != CFG_UPLINK_NONE &&
	    (up == NULL || network_mac_table(up) != c->mac_table)) {
		apply_prep.up_table = network_table_alloc(c->mac_table);
		fail |= apply_prep.up_table == NULL;
	}
	if (d->nat || !apply_started) {
		apply_prep.nat = gw_prepare(c->nat_sessions) == 0;
		fail |= !apply_prep.nat;
	}
	if (fail) {
		apply_unprepare();
		return -ENOMEM;
	}
	return 0;
}

/* Makes the running state match (*c) and records it as running. Returns
 * -ENOMEM, having changed nothing, if what it needs cannot be allocated;
 * otherwise 0 or the first error of a part (reported), with (*c) running. */
static int apply_config(const struct cfg *c)
{
	struct cfg_diff d;
	int err = 0, e;

	cfg_diff(&apply_running, c, &d);
	if (apply_prepare(c, &d) < 0) {
		cli_printf(console_out(), "%% out of memory: nothing applied\n");
		return -ENOMEM;
	}
	for (int i = 0; i < apply_running.nnets; i++) {
		struct network *net = network_find(apply_running.net[i].name);

		if (!(d.removed & (1u << i)))
			continue;
		svc_network_remove(apply_running.net[i].name);
		if (net != NULL)
			network_remove(net);
	}
	if (d.mac)
		network_set_aging(c->mac_aging_s);
	if (d.storm || !apply_started)
		network_set_storm(c->storm_pps);
	if (d.quota || !apply_started) {
		network_set_port_macs(c->quota[CFG_Q_PORT_MACS]);
		svc_set_client_queries(c->quota[CFG_Q_DNS_QUERIES]);
	}
	if (d.hostname || !apply_started) {
		snprintf(apply_hostname, sizeof(apply_hostname), "%s", c->hostname);
		svc_set_hostname(c->hostname);
	}
	for (int i = 0; i < c->nnets; i++) {
		bool changed = (d.added & (1u << i)) || d.net_changed[i] || d.ports_moved ||
			       apply_prep.table[i] != NULL || apply_prep.guard[i] != NULL;

		if (changed && (e = apply_net(&c->net[i], c, i)) < 0 && err == 0)
			err = e;
	}
	apply_uplink_kept = false;
	if ((e = apply_uplink(c, &d)) < 0 && err == 0)
		err = e;
	if ((e = apply_nat(c, &d)) < 0 && err == 0)
		err = e;
	svc_set_upstreams(c->dns, c->ndns);
	apply_unprepare(); /* nothing is left unless a part failed */
	if (apply_uplink_kept) {
		struct cfg_uplink kept = apply_running.uplink;

		cli_printf(console_out(), "%% uplink: lwIP could not start its DHCP client; "
					  "the uplink stays as it was\n");
		apply_running = *c;
		apply_running.uplink = kept;
		apply_uplink_kept = false;
	} else {
		apply_running = *c;
	}
	apply_started = true;
	return err;
}

static int apply_file_text(const char *what, const char *text, size_t len)
{
	struct cfg_error err;
	struct cli_out *out = console_out();
	int rc = cfg_parse(&apply_next, text, len, &err);

	if (rc < 0) {
		cli_printf(out, "config: %s rejected, nothing of it applied:\n", what);
		cfg_error_print(&err, out);
		return rc;
	}
	rc = apply_check(&apply_next, out);
	if (rc < 0)
		return rc;
	apply_source = what;
	return apply_config(&apply_next);
}

/* The console's line handler: statements configure, the rest are commands. */
static int apply_console_line(char *line, struct cli_out *out)
{
	struct cfg_error err;
	int rc;

	if (!cfg_is_statement(line))
		return cli_execute(line, out);
	apply_next = apply_running;
	rc = cfg_apply_line(&apply_next, &apply_ctx, line, &err);
	if (rc < 0) {
		cfg_error_print(&err, out);
		return rc;
	}
	if (err.msg[0] != '\0')
		cli_printf(out, "%% %s\n", err.msg);
	rc = apply_check(&apply_next, out);
	if (rc < 0)
		return rc;
	rc = apply_config(&apply_next);
	if (rc < 0 && rc != -ENOMEM)
		cli_printf(out, "%% could not apply everything (error %d); see show networks\n",
			   rc);
	return rc;
}

/* "NAME> ", or "NAME(BLOCK)> " while a network's block is open. */
static const char *apply_prompt_text(void)
{
	if (apply_ctx.block[0] != '\0')
		snprintf(apply_prompt, sizeof(apply_prompt), "%s(%s)> ", apply_running.hostname,
			 apply_ctx.block);
	else
		snprintf(apply_prompt, sizeof(apply_prompt), "%s> ", apply_running.hostname);
	return apply_prompt;
}

int apply_boot(void)
{
	int n, rc;

	cfg_init(&apply_running);
	cfg_ctx_init(&apply_ctx);
	if (svc_init() < 0)
		printf("config: DHCP and DNS services could not start\n");
	n = fw_cfg_read_file("opt/unigate/config", apply_file, sizeof(apply_file));
	if (n == -EFBIG)
		printf("config: opt/unigate/config is larger than %d bytes; ignored\n",
		       APPLY_FILE_MAX - 1);
	/* A given config replaces the default whole, so it is applied alone:
	 * building the default's networks first only to replace them cost the
	 * boot 4-5 ms. The default runs if there is none, or if it was
	 * rejected (then nothing of it was applied, and its error is what
	 * the boot reports). */
	rc = -ENOENT;
	if (n >= 0)
		rc = apply_file_text("opt/unigate/config (fw_cfg)", apply_file, (size_t)n);
	if (!apply_started) {
		int err = apply_file_text("config/default.conf", apply_default_start,
					  (size_t)(apply_default_end - apply_default_start));

		rc = rc == -ENOENT ? err : rc;
	}
	console_set_handler(apply_console_line, apply_prompt_text);
	return rc;
}

static int apply_cmd_running(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	cli_printf(out, "# running config (booted from %s)\n", apply_source);
	return cfg_write(&apply_running, out);
}

static int apply_cmd_networks(int argc, char **argv, struct cli_out *out)
{
	static const char *const modes[] = {"nat", "hostonly", "bridged"};

	(void)argc;
	(void)argv;
	for (int i = 0; i < apply_running.nnets; i++) {
		const struct cfg_net *cn = &apply_running.net[i];
		bool joined = cn->mode == CFG_BRIDGED && cn->vlan == 0;
		struct network *net = network_find(joined ? APPLY_UPLINK : cn->name);

		cli_printf(out, "network %s %s%s\n", cn->name, modes[cn->mode],
			   joined		     ? " (switched with the uplink)"
			   : cn->mode == CFG_BRIDGED ? " (switched with its VLAN on the uplink)"
						     : "");
		int absent = 0;

		for (int p = 0; p < CFG_PORTS_MAX; p++)
			if ((cn->ports & CFG_PORT_BIT(p)) && netdev_get(p) == NULL)
				absent++;
		if (absent)
			cli_printf(out, "  %d configured ports absent on this machine\n", absent);
		if (net != NULL)
			network_show(net, out);
	}
	return 0;
}

/* A quota's value as typed: a number, "off", with "/s" for rates. */
static void apply_quota_fmt(char *buf, size_t size, uint32_t v, bool rate)
{
	if (v == 0)
		snprintf(buf, size, "off");
	else
		snprintf(buf, size, "%u%s", (unsigned)v, rate ? "/s" : "");
}

static int apply_cmd_quotas(int argc, char **argv, struct cli_out *out)
{
	/* What each refusal does, by enum cfg_quota. */
	static const char *const what[CFG_QUOTAS] = {
		"NAT sessions of one inside host",
		"new inbound sessions per port forward",
		"fragmented datagrams tracked per NAT mapping",
		"ICMP errors the gateway sends one host",
		"pending upstream DNS queries of one client",
		"MAC addresses learned per guest port",
		"DHCP addresses held behind one port, per network",
	};
	static const bool rate[CFG_QUOTAS] = {
		[CFG_Q_FORWARD_RATE] = true, [CFG_Q_ICMP_ERRORS] = true};
	uint64_t refused[CFG_QUOTAS] = {0}, storm = 0;
	char v[16], d[16];

	(void)argc;
	(void)argv;
	gw_quota_counts(&refused[CFG_Q_HOST_SESSIONS], &refused[CFG_Q_FORWARD_RATE],
			&refused[CFG_Q_FRAGMENTS], &refused[CFG_Q_ICMP_ERRORS]);
	svc_quota_counts(&refused[CFG_Q_DNS_QUERIES], &refused[CFG_Q_DHCP_LEASES]);
	network_quota_counts(&refused[CFG_Q_PORT_MACS], &storm);
	cli_printf(out, "%-15s %-9s %-9s %-10s %s\n", "quota", "value", "default", "refused",
		   "limits");
	for (int q = 0; q < CFG_QUOTAS; q++) {
		apply_quota_fmt(v, sizeof(v), apply_running.quota[q], rate[q]);
		apply_quota_fmt(d, sizeof(d), cfg_quota_default[q], rate[q]);
		cli_printf(out, "%-15s %-9s %-9s %-10llu %s\n", cfg_quota_names[q], v, d,
			   (unsigned long long)refused[q], what[q]);
	}
	apply_quota_fmt(v, sizeof(v), apply_running.storm_pps, true);
	apply_quota_fmt(d, sizeof(d), CFG_STORM_DEFAULT, true);
	cli_printf(out, "%-15s %-9s %-9s %-10llu %s\n", "storm-control", v, d,
		   (unsigned long long)storm, "floods one port sends the other guests");
	return 0;
}

CLI_COMMAND(show_quotas, "show quotas",
	    "every quota: value, default, how often it refused, what it limits", apply_cmd_quotas);
CLI_COMMAND(show_running, "show running-config", "statements that rebuild the running state",
	    apply_cmd_running);
CLI_COMMAND(show_networks, "show networks", "networks: mode, ports, gateway, switch summary",
	    apply_cmd_networks);
