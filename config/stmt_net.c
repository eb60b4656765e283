/*
 * Network block statements: ports, address, domain, dhcp range, dhcp host
 * and forward, acting on the network whose block is open (s->net). Keyed
 * items (a host by name, a forward by protocol and outside port) typed
 * again replace the item where it stands, so the printed order is stable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/parse.h"
#include "config/stmt.h"

static const char *const cfg_dhcp_words[] = {"range", "host", NULL};

/* Fails for `no ... VALUE` whose value is not the one configured. */
static int cfg_not_current(struct cfg_stmt *s, int word)
{
	return cfg_fail(s, word, -ENOENT, "that is not what network %s has",
			s->c->net[s->net].name);
}

/*
 * Parses port word (word), "ethN" or "ethA-ethB", into the mask of its
 * ports (*bits).
 */
static int cfg_port_word(struct cfg_stmt *s, int word, cfg_ports_t *bits)
{
	char *w = s->argv[word], *dash = strchr(w, '-');
	unsigned a, b;
	int rc;

	if (dash != NULL)
		*dash = '\0';
	rc = cfg_port_parse(w, &a);
	b = a;
	if (rc == 0 && dash != NULL)
		rc = cfg_port_parse(dash + 1, &b);
	if (dash != NULL)
		*dash = '-';
	if (rc == -ERANGE)
		return cfg_fail(s, word, rc, "no such port: ports are eth0 .. eth%d",
				CFG_PORTS_MAX - 1);
	if (rc != 0)
		return cfg_fail(s, word, rc,
				"expected a port like eth1, or a range like eth1-eth8");
	if (a > b)
		return cfg_fail(s, word, -EINVAL, "the range runs backwards");
	*bits = (CFG_PORT_BIT(b) - 1 + CFG_PORT_BIT(b)) & ~(CFG_PORT_BIT(a) - 1);
	return 0;
}

int cfg_stmt_ports(struct cfg_stmt *s)
{
	struct cfg *c = s->c;
	struct cfg_net *n = &c->net[s->net];
	cfg_ports_t mask = 0, bits = 0;
	int i, j, rc;

	s->touched = s->net;
	if (s->no && s->argc == 1) {
		n->ports = 0;
		return 0;
	}
	rc = cfg_need(s, 1, "a port");
	for (i = 1; rc == 0 && i < s->argc; i++) {
		rc = cfg_port_word(s, i, &bits);
		if (rc != 0)
			break;
		if (mask & bits)
			return cfg_fail(s, i, -EEXIST, "eth%d is listed twice",
					__builtin_ctzll(mask & bits));
		mask |= bits;
		if (s->no) {
			if (bits & ~n->ports)
				return cfg_fail(s, i, -ENOENT, "not a port of network %s", n->name);
			continue;
		}
		if (c->uplink.mode != CFG_UPLINK_NONE && (bits & CFG_PORT_BIT(c->uplink.port)))
			return cfg_fail(s, i, -EBUSY, "eth%u is the uplink%s", c->uplink.port,
					n->mode == CFG_BRIDGED
						? ", which a bridged network includes "
						  "by itself"
						: "");
		/* In a file a port listed twice is a mistake; at the console,
		 * listing it is how a VM's port changes network. */
		for (j = 0; j < c->nnets; j++)
			if (j != s->net && (c->net[j].ports & bits) && !s->console)
				return cfg_fail(s, i, -EBUSY, "eth%d is also in network %s",
						__builtin_ctzll(c->net[j].ports & bits),
						c->net[j].name);
	}
	if (rc != 0)
		return rc;
	for (j = 0; j < c->nnets && !s->no; j++) {
		cfg_ports_t moved = c->net[j].ports & mask;
		size_t used = strlen(s->err->msg);

		if (j == s->net || moved == 0)
			continue;
		c->net[j].ports &= ~moved;
		for (; moved; moved &= moved - 1) {
			snprintf(s->err->msg + used, sizeof(s->err->msg) - used,
				 "%seth%d moved from network %s", used ? "; " : "",
				 __builtin_ctzll(moved), c->net[j].name);
			used = strlen(s->err->msg);
		}
	}
	n->ports = s->no ? n->ports & ~mask : mask;
	return 0;
}

int cfg_stmt_address(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	uint32_t a = 0;
	uint8_t len = 0;
	int rc;

	s->touched = s->net;
	if (s->no && n->prefix == 0)
		return cfg_fail(s, 0, -ENOENT, "network %s has no address", n->name);
	if (!s->no || s->argc > 1) {
		rc = cfg_get_prefix(s, 1, CFG_PREFIX_DEFAULT, 8, &a, &len);
		if (rc == 0)
			rc = cfg_end(s, 2);
		if (rc != 0)
			return rc;
		if (s->no && (a != n->addr || len != n->prefix))
			return cfg_not_current(s, 1);
	}
	n->addr = s->no ? 0 : a;
	n->prefix = s->no ? 0 : len;
	return 0;
}

int cfg_stmt_domain(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	const char *w;
	int rc;

	s->touched = s->net;
	if (s->no && s->argc == 1) {
		strcpy(n->domain, CFG_DOMAIN_DEFAULT);
		return 0;
	}
	rc = cfg_need(s, 1, "a domain name");
	if (rc == 0)
		rc = cfg_end(s, 2);
	if (rc != 0)
		return rc;
	w = s->argv[1];
	if (!cfg_domain_ok(w))
		return cfg_fail(s, 1, -EINVAL, "expected a domain name like lab.example");
	if (strlen(w) > CFG_DOMAIN_MAX)
		return cfg_fail(s, 1, -ERANGE, "the domain is too long (the most is %d characters)",
				CFG_DOMAIN_MAX);
	if (s->no && strcmp(w, n->domain) != 0)
		return cfg_not_current(s, 1);
	strcpy(n->domain, s->no ? CFG_DOMAIN_DEFAULT : w);
	return 0;
}

/* `guard learn|strict`; `no guard` turns it off. */
int cfg_stmt_guard(struct cfg_stmt *s)
{
	static const char *const modes[] = {"learn", "strict", NULL};
	struct cfg_net *n = &s->c->net[s->net];
	unsigned mode;
	int rc;

	s->touched = s->net;
	if (s->no) {
		rc = cfg_end(s, 1);
		if (rc == 0)
			n->guard = CFG_GUARD_OFF;
		return rc;
	}
	rc = cfg_get_choice(s, 1, "learn or strict", modes, &mode);
	if (rc == 0)
		rc = cfg_end(s, 2);
	if (rc == 0)
		n->guard = (uint8_t)(mode == 0 ? CFG_GUARD_LEARN : CFG_GUARD_STRICT);
	return rc;
}

/* `dhcp range A B [lease D]` and its `no` form. */
static int cfg_dhcp_range(struct cfg_stmt *s, struct cfg_net *n)
{
	uint32_t a, b, lease = CFG_LEASE_DEFAULT;
	int rc;

	if (s->no && !n->dhcp)
		return cfg_fail(s, 0, -ENOENT, "network %s has no dhcp range", n->name);
	if (!s->no || s->argc > 2) {
		rc = cfg_get_ipv4(s, 2, &a);
		if (rc == 0)
			rc = cfg_get_ipv4(s, 3, &b);
		if (rc == 0 && s->argc > 4 && !cfg_is(s, 4, "lease"))
			rc = cfg_fail(s, 4, -EINVAL, "expected 'lease'");
		if (rc == 0 && s->argc > 4)
			rc = cfg_get_duration(s, 5, "the lease time", CFG_LEASE_MIN, CFG_LEASE_MAX,
					      &lease);
		if (rc == 0)
			rc = cfg_end(s, s->argc > 4 ? 6 : 4);
		if (rc != 0)
			return rc;
		if (s->no && (a != n->range_start || b != n->range_end ||
			      (s->argc > 4 && lease != n->lease_s)))
			return cfg_not_current(s, 2);
	}
	n->dhcp = !s->no;
	n->range_start = s->no ? 0 : a;
	n->range_end = s->no ? 0 : b;
	n->lease_s = s->no ? 0 : lease;
	return 0;
}

/* `dhcp host NAME MAC IP` and its `no` form. */
static int cfg_dhcp_host(struct cfg_stmt *s, struct cfg_net *n)
{
	struct cfg_host h;
	int k, rc;

	memset(&h, 0, sizeof(h));
	rc = cfg_get_name(s, 2, "a host name", CFG_HOST_NAME_MAX, h.name);
	if (rc != 0)
		return rc;
	for (k = 0; k < n->nhosts && strcmp(n->host[k].name, h.name) != 0; k++)
		;
	if (s->no && k == n->nhosts)
		return cfg_fail(s, 2, -ENOENT, "network %s has no dhcp host %s", n->name, h.name);
	if (!s->no || s->argc > 3) {
		rc = cfg_get_mac(s, 3, h.mac);
		if (rc == 0)
			rc = cfg_get_ipv4(s, 4, &h.ip);
		if (rc == 0)
			rc = cfg_end(s, 5);
		if (rc != 0)
			return rc;
	}
	if (s->no) {
		if (s->argc > 3 && (memcmp(h.mac, n->host[k].mac, 6) != 0 || h.ip != n->host[k].ip))
			return cfg_not_current(s, 3);
		memmove(&n->host[k], &n->host[k + 1], (size_t)(n->nhosts - k - 1) * sizeof(h));
		memset(&n->host[--n->nhosts], 0, sizeof(h));
		return 0;
	}
	if (k == CFG_HOSTS_MAX)
		return cfg_fail(s, 2, -ENOSPC, "network %s has %d dhcp hosts, the most it can hold",
				n->name, CFG_HOSTS_MAX);
	if (k == n->nhosts)
		n->nhosts++;
	n->host[k] = h;
	return 0;
}

int cfg_stmt_dhcp(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	unsigned sub;
	int rc;

	s->touched = s->net;
	rc = cfg_get_choice(s, 1, "'range' or 'host'", cfg_dhcp_words, &sub);
	if (rc != 0)
		return rc;
	return sub == 0 ? cfg_dhcp_range(s, n) : cfg_dhcp_host(s, n);
}

int cfg_stmt_forward(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	struct cfg_forward f;
	uint32_t out, in, ip = 0;
	unsigned proto;
	int k, rc;

	s->touched = s->net;
	if (cfg_is(s, 1, "dns")) {
		rc = cfg_end(s, 2);
		if (rc == 0)
			n->dns_mode = (uint8_t)(s->no ? CFG_DNS_LOCAL : CFG_DNS_FORWARD);
		return rc;
	}
	rc = cfg_get_choice(s, 1, "tcp, udp or dns", cfg_proto_names, &proto);
	if (rc == 0)
		rc = cfg_get_u32(s, 2, "the outside port", 1, 65535, &out);
	if (rc != 0)
		return rc;
	in = out;
	for (k = 0; k < n->nforwards; k++)
		if (n->forward[k].proto == proto && n->forward[k].outside_port == out)
			break;
	if (s->no && k == n->nforwards)
		return cfg_fail(s, 2, -ENOENT, "network %s forwards no %s port %u", n->name,
				cfg_proto_names[proto], (unsigned)out);
	if (!s->no || s->argc > 3) {
		rc = cfg_get_ipv4(s, 3, &ip);
		if (rc == 0 && s->argc > 4)
			rc = cfg_get_u32(s, 4, "the inside port", 1, 65535, &in);
		if (rc == 0)
			rc = cfg_end(s, 5);
		if (rc != 0)
			return rc;
	}
	if (s->no) {
		if (s->argc > 3 && (ip != n->forward[k].inside_ip ||
				    (s->argc > 4 && in != n->forward[k].inside_port)))
			return cfg_not_current(s, 3);
		memmove(&n->forward[k], &n->forward[k + 1],
			(size_t)(n->nforwards - k - 1) * sizeof(f));
		memset(&n->forward[--n->nforwards], 0, sizeof(f));
		return 0;
	}
	if (k == CFG_FORWARDS_MAX)
		return cfg_fail(s, 2, -ENOSPC, "network %s has %d forwards, the most it can hold",
				n->name, CFG_FORWARDS_MAX);
	memset(&f, 0, sizeof(f));
	f.proto = (uint8_t)proto;
	f.outside_port = (uint16_t)out;
	f.inside_port = (uint16_t)in;
	f.inside_ip = ip;
	if (k == n->nforwards)
		n->nforwards++;
	n->forward[k] = f;
	rc = cfg_check_forward(s->c, s->net, k, s->err);
	if (rc != 0)
		s->err->column = s->col[2];
	return rc;
}

/* `vlan ID`; `no vlan [ID]`. */
int cfg_stmt_vlan(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	uint32_t id;
	int rc;

	s->touched = s->net;
	if (s->no && s->argc == 1) {
		n->vlan = 0;
		return 0;
	}
	rc = cfg_get_u32(s, 1, "a VLAN ID", 1, CFG_VLAN_MAX, &id);
	if (rc == 0)
		rc = cfg_end(s, 2);
	if (rc != 0)
		return rc;
	if (s->no && id != n->vlan)
		return cfg_not_current(s, 1);
	n->vlan = s->no ? 0 : (uint16_t)id;
	return 0;
}

/* `tagged PORT...` (the whole list); `no tagged [PORT...]` removes those, or all. */
int cfg_stmt_tagged(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	cfg_ports_t mask = 0, bits = 0;
	int rc;

	s->touched = s->net;
	if (s->no && s->argc == 1) {
		n->tagged = 0;
		return 0;
	}
	rc = cfg_need(s, 1, "a port");
	for (int i = 1; rc == 0 && i < s->argc; i++) {
		rc = cfg_port_word(s, i, &bits);
		if (rc != 0)
			return rc;
		if (mask & bits)
			return cfg_fail(s, i, -EEXIST, "eth%d is listed twice",
					__builtin_ctzll(mask & bits));
		if (s->no && (bits & ~n->tagged))
			return cfg_fail(s, i, -ENOENT, "not a tagged port of network %s", n->name);
		if (!s->no && (bits & n->ports))
			return cfg_fail(s, i, -EBUSY,
					"eth%d is an untagged port of network %s: a port carries a "
					"network one way",
					__builtin_ctzll(bits & n->ports), n->name);
		mask |= bits;
	}
	if (rc != 0)
		return rc;
	n->tagged = s->no ? n->tagged & ~mask : mask;
	return 0;
}

/* `vxlan port N`, `no vxlan port`. */
static int cfg_vxlan_port(struct cfg_stmt *s, struct cfg_net *n)
{
	uint32_t port = n->vxlan_port;
	int rc = 0;

	if (!s->no || s->argc > 2)
		rc = cfg_get_u32(s, 2, "a UDP port", 1, 65535, &port);
	if (rc == 0)
		rc = cfg_end(s, s->no && s->argc == 2 ? 2 : 3);
	if (rc != 0)
		return rc;
	if (s->no && port != n->vxlan_port)
		return cfg_not_current(s, 2);
	n->vxlan_port = s->no ? CFG_VXLAN_PORT_DEFAULT : (uint16_t)port;
	return 0;
}

/* `vxlan VNI remote A [B ...]` (the whole list), `vxlan port N`, `no vxlan`. */
int cfg_stmt_vxlan(struct cfg_stmt *s)
{
	struct cfg_net *n = &s->c->net[s->net];
	uint32_t vni, ip[CFG_REMOTES_MAX];
	int rc, k = 0;

	s->touched = s->net;
	if (s->argc > 1 && cfg_is(s, 1, "port"))
		return cfg_vxlan_port(s, n);
	if (s->no) {
		if (n->vni == 0)
			return cfg_fail(s, 0, -ENOENT, "network %s has no vxlan", n->name);
		n->vni = 0;
		n->nremotes = 0;
		memset(n->remote, 0, sizeof(n->remote));
		return 0;
	}
	rc = cfg_get_u32(s, 1, "a VXLAN network identifier (VNI)", 1, 0xffffff, &vni);
	if (rc == 0 && !cfg_is(s, 2, "remote"))
		return cfg_fail(s, 2, -EINVAL, "expected `remote` and the other end's address");
	if (rc == 0)
		rc = cfg_need(s, 3, "a remote address");
	for (int i = 3; rc == 0 && i < s->argc; i++) {
		if (k == CFG_REMOTES_MAX)
			return cfg_fail(s, i, -ENOSPC, "at most %d remotes", CFG_REMOTES_MAX);
		rc = cfg_get_ipv4(s, i, &ip[k]);
		if (rc != 0)
			return rc;
		if (!cfg_unicast(ip[k]))
			return cfg_fail(s, i, -EINVAL, "not a usable unicast address");
		for (int j = 0; j < k; j++)
			if (ip[j] == ip[k])
				return cfg_fail(s, i, -EEXIST, "listed twice");
		k++;
	}
	if (rc != 0)
		return rc;
	n->vni = vni;
	n->nremotes = (uint8_t)k;
	memset(n->remote, 0, sizeof(n->remote));
	memcpy(n->remote, ip, (size_t)k * sizeof(ip[0]));
	return 0;
}
