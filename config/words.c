/*
 * The words of statements: parsers for each kind of argument, built on
 * config/parse.h and reporting every error at the word's column with what
 * was expected, plus the names of the enums and the address arithmetic the
 * handlers and the rule checks share.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/parse.h"
#include "config/stmt.h"

const char *const cfg_mode_names[] = {"nat", "hostonly", "bridged", NULL};
const char *const cfg_proto_names[] = {"tcp", "udp", NULL};
const char *const cfg_nat_timeout_names[] = {"udp", "tcp", "tcp-transitory", "icmp", NULL};

const uint32_t cfg_nat_timeout_default[CFG_NAT_TIMEOUTS] = {300, 7440, 240, 60};
const uint32_t cfg_nat_timeout_min[CFG_NAT_TIMEOUTS] = {120, 7440, 240, 60};

const char *const cfg_quota_names[] = {
	"host-sessions", "forward-rate", "fragments",	"icmp-errors",
	"dns-queries",	 "port-macs",	 "dhcp-leases", NULL};
/* The modules' own defaults and ceilings: NAT_HOST_SESSIONS_DEFAULT,
 * NAT_FORWARD_RATE_DEFAULT, NAT_FRAG_SLOTS, DNS_FWD_PER_CLIENT,
 * FDB_PORT_LIMIT_DEFAULT, DHCPD_PORT_LEASES_DEFAULT, ... */
const uint32_t cfg_quota_default[CFG_QUOTAS] = {16384, 500, 16, 20, 16, 256, 32};
const uint32_t cfg_quota_max[CFG_QUOTAS] = {1048576, 65535, 256, 100000, 256, 65536, 65536};

int cfg_need(struct cfg_stmt *s, int word, const char *what)
{
	if (word >= s->argc)
		return cfg_fail(s, word, -EINVAL, "expected %s", what);
	return 0;
}

int cfg_end(struct cfg_stmt *s, int word)
{
	if (word < s->argc)
		return cfg_fail(s, word, -EINVAL, "unexpected '%s'", s->argv[word]);
	return 0;
}

bool cfg_is(const struct cfg_stmt *s, int word, const char *kw)
{
	return word < s->argc && strcmp(s->argv[word], kw) == 0;
}

int cfg_get_u32(struct cfg_stmt *s, int word, const char *what, uint32_t min, uint32_t max,
		uint32_t *out)
{
	int rc = cfg_need(s, word, what);

	if (rc == 0)
		rc = cfg_parse_u32(s->argv[word], min, max, out);
	if (rc == -EINVAL)
		return cfg_fail(s, word, rc, "expected %s", what);
	if (rc == -ERANGE)
		return cfg_fail(s, word, rc, "%s must be %u .. %u", what, (unsigned)min,
				(unsigned)max);
	return rc;
}

int cfg_get_duration(struct cfg_stmt *s, int word, const char *what, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	char lo[CFG_DURATION_STRLEN], hi[CFG_DURATION_STRLEN];
	uint32_t v;
	int rc = cfg_need(s, word, what);

	if (rc != 0)
		return rc;
	rc = cfg_parse_duration(s->argv[word], &v);
	if (rc == -EINVAL)
		return cfg_fail(s, word, rc, "expected %s, a duration like 90s, 30m, 2h or 1d",
				what);
	if (rc == 0 && (v < min || v > max))
		rc = -ERANGE;
	if (rc != 0)
		return cfg_fail(s, word, rc, "%s must be %s .. %s", what, cfg_fmt_duration(min, lo),
				cfg_fmt_duration(max, hi));
	*out = v;
	return 0;
}

int cfg_get_ipv4(struct cfg_stmt *s, int word, uint32_t *out)
{
	int rc = cfg_need(s, word, "an IPv4 address");

	if (rc == 0 && cfg_parse_ipv4(s->argv[word], out) != 0)
		rc = cfg_fail(s, word, -EINVAL, "expected an IPv4 address");
	return rc;
}

int cfg_get_mac(struct cfg_stmt *s, int word, uint8_t mac[6])
{
	int rc = cfg_need(s, word, "a MAC address");

	if (rc == 0 && cfg_parse_mac(s->argv[word], mac) != 0)
		rc = cfg_fail(s, word, -EINVAL, "expected a MAC address like 00:0c:29:aa:bb:cc");
	return rc;
}

int cfg_port_parse(const char *w, unsigned *port)
{
	uint32_t v;

	if (strncmp(w, "eth", 3) != 0 || (w[3] == '0' && w[4] != '\0') ||
	    cfg_parse_u32(w + 3, 0, UINT32_MAX, &v) != 0)
		return -EINVAL;
	if (v >= CFG_PORTS_MAX)
		return -ERANGE;
	*port = v;
	return 0;
}

/* The last port's number as text, for messages. */
#define CFG_STR(x)     #x
#define CFG_XSTR(x)    CFG_STR(x)
#define CFG_PORT_RANGE "eth0 .. eth" CFG_XSTR(CFG_PORT_LAST)
#define CFG_PORT_LAST  47
_Static_assert(CFG_PORT_LAST == CFG_PORTS_MAX - 1, "CFG_PORT_LAST names the last port");

int cfg_get_port(struct cfg_stmt *s, int word, unsigned *port)
{
	int rc = cfg_need(s, word, "a port (" CFG_PORT_RANGE ")");

	if (rc == 0)
		rc = cfg_port_parse(s->argv[word], port);
	if (rc == -EINVAL)
		return cfg_fail(s, word, rc, "expected a port (" CFG_PORT_RANGE ")");
	if (rc == -ERANGE)
		return cfg_fail(s, word, rc, "no port %s: ports are eth0 .. eth%d", s->argv[word],
				CFG_PORTS_MAX - 1);
	return rc;
}

int cfg_get_prefix(struct cfg_stmt *s, int word, uint8_t default_len, uint8_t min_len,
		   uint32_t *addr, uint8_t *len)
{
	char part[ADDR_IPV4_STRLEN];
	const char *w, *slash;
	uint32_t a, l = default_len;
	size_t alen;
	int rc = cfg_need(s, word, "an address like 192.168.99.2/24");

	if (rc != 0)
		return rc;
	w = s->argv[word];
	slash = strchr(w, '/');
	alen = slash != NULL ? (size_t)(slash - w) : strlen(w);
	if (alen < sizeof(part)) {
		memcpy(part, w, alen);
		part[alen] = '\0';
	}
	if (alen >= sizeof(part) || cfg_parse_ipv4(part, &a) != 0)
		return cfg_fail(s, word, -EINVAL, "expected an address like 192.168.99.2/24");
	if (slash != NULL) {
		/* Like cfg_parse_prefix(), but telling a bad length from a large one. */
		rc = cfg_parse_u32(slash + 1, 0, UINT32_MAX, &l);
		if (rc == -EINVAL || (slash[1] == '0' && slash[2] != '\0'))
			return cfg_fail(s, word, -EINVAL, "expected a prefix length after '/'");
		if (rc != 0)
			l = UINT32_MAX;
	}
	if (l < min_len || l > 30)
		return cfg_fail(s, word, -ERANGE, "prefix length must be %u .. 30",
				(unsigned)min_len);
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

int cfg_get_name(struct cfg_stmt *s, int word, const char *what, size_t max, char *out)
{
	const char *w;
	size_t n, i;
	int rc = cfg_need(s, word, what);

	if (rc != 0)
		return rc;
	w = s->argv[word];
	n = strlen(w);
	for (i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9') || w[i] == '-'))
			return cfg_fail(s, word, -EINVAL, "%s may hold only a-z, 0-9 and '-'",
					what);
	if (w[0] == '-' || w[n - 1] == '-')
		return cfg_fail(s, word, -EINVAL, "%s may not begin or end with '-'", what);
	if (n > max)
		return cfg_fail(s, word, -ERANGE, "%s is too long (the most is %u characters)",
				what, (unsigned)max);
	memcpy(out, w, n + 1);
	return 0;
}

int cfg_get_choice(struct cfg_stmt *s, int word, const char *what, const char *const *choices,
		   unsigned *out)
{
	unsigned i;
	int rc = cfg_need(s, word, what);

	if (rc != 0)
		return rc;
	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(s->argv[word], choices[i]) == 0) {
			*out = i;
			return 0;
		}
	return cfg_fail(s, word, -EINVAL, "expected %s", what);
}

bool cfg_domain_ok(const char *w)
{
	size_t label = 0;

	for (; *w != '\0'; w++) {
		bool edge = label == 0 || w[1] == '\0' || w[1] == '.';

		if (*w == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9') || (*w == '-' && !edge)))
			return false;
		label++;
	}
	return label > 0;
}

bool cfg_name_ok(const char *w, size_t max)
{
	size_t i, n = strlen(w);

	if (n == 0 || n > max || w[0] == '-' || w[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9') || w[i] == '-'))
			return false;
	return true;
}

void cfg_net_init(struct cfg_net *n, const char *name, enum cfg_mode mode)
{
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	n->mode = (uint8_t)mode;
	strcpy(n->domain, CFG_DOMAIN_DEFAULT);
	n->vxlan_port = CFG_VXLAN_PORT_DEFAULT;
}

uint32_t cfg_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

bool cfg_in_subnet(uint32_t ip, uint32_t net, uint8_t prefix)
{
	uint32_t m = cfg_mask(prefix);

	return ((ip ^ net) & m) == 0 && (ip & ~m) != 0 && (ip & ~m) != ~m;
}

bool cfg_unicast(uint32_t ip)
{
	uint32_t top = ip >> 24;

	return top != 0 && top != 127 && top < 224;
}
