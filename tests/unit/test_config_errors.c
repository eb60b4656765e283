/*
 * Unit tests for config/ errors: every class of error a file can hold, each
 * with the errno, line, column and message expected, and each checked to
 * leave the config it was parsed over untouched, byte for byte; the
 * all-or-nothing rule on a long file; the limits; the printed report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"

/*
 * A bad config: parsing (text) fails with (rc) on line (line), at the
 * column where (at) last occurs in that line ("" for just past its end),
 * with a message containing (msg).
 */
struct bad {
	const char *text;
	int rc;
	unsigned line;
	const char *at;
	const char *msg;
};

static struct cfg c, before;
static struct cfg_error e;
static char out_text[4096];
static size_t out_len;

static void cap(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(out_len + n < sizeof(out_text));
	memcpy(out_text + out_len, s, n);
	out_len += n;
	out_text[out_len] = '\0';
}

static struct cli_out out = {cap, NULL};

static const char base[] = "hostname base\nuplink eth0 dhcp\nnetwork keep nat\n"
			   "  ports eth9\n  address 172.31.0.1/24\n";

/* Returns the column (at) gives in line (line) of (text). */
static unsigned column_of(const char *text, unsigned line, const char *at)
{
	const char *p = text, *nl, *hit;
	size_t n;

	while (--line > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	nl = strchr(p, '\n');
	n = nl != NULL ? (size_t)(nl - p) : strlen(p);
	if (at[0] == '\0')
		return (unsigned)n + 1;
	for (hit = p + n - strlen(at); hit >= p; hit--)
		if (strncmp(hit, at, strlen(at)) == 0)
			return (unsigned)(hit - p) + 1;
	fail_msg("'%s' is not in line %u of:\n%s", at, line, text);
	return 0;
}

/* Checks one bad config, over a config parsed from (base) that must stay as it is. */
static void check_bad(const struct bad *b)
{
	int rc;

	assert_int_equal(cfg_parse(&c, base, strlen(base), &e), 0);
	memcpy(&before, &c, sizeof(c));
	rc = cfg_parse(&c, b->text, strlen(b->text), &e);
	if (rc != b->rc || e.line != b->line || e.column != column_of(b->text, b->line, b->at) ||
	    strstr(e.msg, b->msg) == NULL)
		fail_msg("for:\n%s\nexpected rc %d line %u column %u '%s'\n"
			 "got      rc %d line %u column %u '%s'",
			 b->text, b->rc, b->line, column_of(b->text, b->line, b->at), b->msg, rc,
			 e.line, e.column, e.msg);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void check_all(const struct bad *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_bad(&b[i]);
}

#define CHECK_ALL(table) check_all(table, sizeof(table) / sizeof(table[0]))

#define NET  "network a nat\n  address 10.0.0.1/24\n" /* lines 1-2 */
#define HOST "  dhcp host web1 02:00:00:00:00:01 10.0.0.10\n"

static void test_structure(void **state)
{
	static const struct bad t[] = {
		{"hostnam x", -EINVAL, 1, "hostnam", "unknown statement 'hostnam'"},
		{"\n\n  # c\nshow ports", -EINVAL, 4, "show", "unknown statement 'show'"},
		{"Hostname x", -EINVAL, 1, "H", "unknown statement"},
		{"no", -EINVAL, 1, "", "expected a statement after 'no'"},
		{"no frobnicate", -EINVAL, 1, "frob", "unknown statement"},
		{"no exit", -EINVAL, 1, "exit", "'exit' has no 'no' form"},
		{"exit now", -EINVAL, 1, "now", "unexpected 'now'"},
		{"ports eth1", -EINVAL, 1, "ports", "belongs in a network block: open one"},
		{"  address 10.0.0.1/24", -EINVAL, 1, "address", "belongs in a network block"},
		{"no dhcp range", -EINVAL, 1, "dhcp", "belongs in a network block"},
		{"network a nat\nports eth1", -EINVAL, 2, "ports", "indent it under 'network a'"},
		{"network a nat\n  ports eth1\nhostname x\n  ports eth2", -EINVAL, 4, "ports",
		 "open one"},
		{"network a nat\n  hostname x", -EINVAL, 2, "hostname", "not a network statement"},
		{"network a nat\n\tno network a", -EINVAL, 2, "network", "not a network statement"},
		{"network a", -ENOENT, 1, "", "give a mode to create it"},
		{"network a nat extra", -EINVAL, 1, "extra", "unexpected 'extra'"},
		{"network a nats", -EINVAL, 1, "nats", "expected a mode: nat, hostonly or bridged"},
		{"network a NAT", -EINVAL, 1, "NAT", "expected a mode"},
	};

	(void)state;
	CHECK_ALL(t);
}

static void test_missing_words(void **state)
{
	static const struct bad t[] = {
		{"hostname", -EINVAL, 1, "", "expected a hostname"},
		{"uplink", -EINVAL, 1, "", "expected a port (eth0 .. eth47)"},
		{"uplink eth0", -EINVAL, 1, "", "expected 'dhcp' or 'address'"},
		{"uplink eth0 address", -EINVAL, 1, "", "expected an address like"},
		{"uplink eth0 address 10.0.0.2/24 gateway", -EINVAL, 1, "",
		 "expected an IPv4 address"},
		{"uplink eth0 address 10.0.0.2/24 via 10.0.0.1", -EINVAL, 1, "via",
		 "expected 'gateway'"},
		{"uplink eth0 dhcp now", -EINVAL, 1, "now", "unexpected 'now'"},
		{"dns", -EINVAL, 1, "", "expected 'upstream'"},
		{"dns upstream", -EINVAL, 1, "", "expected an IPv4 address"},
		{"dns servers 1.1.1.1", -EINVAL, 1, "servers", "expected 'upstream'"},
		{"nat", -EINVAL, 1, "", "expected 'timeout' or 'sessions'"},
		{"nat timeout", -EINVAL, 1, "", "expected udp, tcp, tcp-transitory or icmp"},
		{"nat timeout udp", -EINVAL, 1, "", "expected the timeout"},
		{"nat sessions", -EINVAL, 1, "", "expected the number of sessions"},
		{"mac", -EINVAL, 1, "", "expected 'aging' or 'table'"},
		{"mac aging", -EINVAL, 1, "", "expected the aging time"},
		{"network", -EINVAL, 1, "", "expected a network name"},
		{"network a nat\n  ports", -EINVAL, 2, "", "expected a port"},
		{"network a nat\n  address", -EINVAL, 2, "", "expected an address like"},
		{"network a nat\n  domain", -EINVAL, 2, "", "expected a domain name"},
		{"network a nat\n  dhcp", -EINVAL, 2, "", "expected 'range' or 'host'"},
		{NET "  dhcp range 10.0.0.2", -EINVAL, 3, "", "expected an IPv4 address"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3 lease", -EINVAL, 3, "",
		 "expected the lease time"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3 for 1h", -EINVAL, 3, "for",
		 "expected 'lease'"},
		{NET "  dhcp host web1", -EINVAL, 3, "", "expected a MAC address"},
		{NET "  dhcp host web1 02:00:00:00:00:01", -EINVAL, 3, "", "expected an IPv4"},
		{NET "  dhcp host", -EINVAL, 3, "", "expected a host name"},
		{NET "  forward", -EINVAL, 3, "", "expected tcp, udp or dns"},
		{NET "  forward tcp", -EINVAL, 3, "", "expected the outside port"},
		{NET "  forward tcp 80", -EINVAL, 3, "", "expected an IPv4 address"},
		{NET "  forward tcp 80 10.0.0.2 80 x", -EINVAL, 3, "x", "unexpected 'x'"},
	};

	(void)state;
	CHECK_ALL(t);
}

static void test_bad_values(void **state)
{
	static const struct bad t[] = {
		/* Addresses and prefixes. */
		{"network a nat\n  address 10.0.0.256/24", -EINVAL, 2, "10.",
		 "expected an address"},
		{"network a nat\n  address 10.0.0/24", -EINVAL, 2, "10.", "expected an address"},
		{"network a nat\n  address 010.0.0.1/24", -EINVAL, 2, "010", "expected an address"},
		{"network a nat\n  address 10.0.0.1/", -EINVAL, 2, "10.",
		 "expected a prefix length"},
		{"network a nat\n  address 10.0.0.1/024", -EINVAL, 2, "10.", "expected a prefix"},
		{"network a nat\n  address 10.0.0.1/x", -EINVAL, 2, "10.", "expected a prefix"},
		{"network a nat\n  address 10.0.0.1/33", -ERANGE, 2, "10.", "must be 8 .. 30"},
		{"network a nat\n  address 10.0.0.1/31", -ERANGE, 2, "10.", "must be 8 .. 30"},
		{"network a nat\n  address 10.0.0.1/7", -ERANGE, 2, "10.", "must be 8 .. 30"},
		{"network a nat\n  address 10.0.0.1/99999999999", -ERANGE, 2, "10.", "must be 8"},
		{"network a nat\n  address 10.0.0.0/24", -EINVAL, 2, "address",
		 "not a host address"},
		{"network a nat\n  address 10.0.0.255/24", -EINVAL, 2, "address", "not a host"},
		{"network a nat\n  address 127.0.0.1/8", -EINVAL, 2, "address",
		 "not a host address"},
		{"network a nat\n  address 224.0.0.1/24", -EINVAL, 2, "address", "not a host"},
		{"network a nat\n  address 0.1.2.3/24", -EINVAL, 2, "address",
		 "not a host address"},
		{NET "  dhcp range 10.0.0.x 10.0.0.9", -EINVAL, 3, "10.0.0.x", "expected an IPv4"},
		{"dns upstream 1.1.1", -EINVAL, 1, "1.1.1", "expected an IPv4 address"},
		{"dns upstream 127.0.0.1", -EINVAL, 1, "dns", "not a usable dns server"},
		{"uplink eth0 address 10.0.0.0/24", -EINVAL, 1, "uplink", "not a host address"},
		{"uplink eth0 address 10.0.0.2/24 gateway 10.0.1.1", -EINVAL, 1, "uplink",
		 "not another host of the uplink's subnet"},
		{"uplink eth0 address 10.0.0.2/24 gateway 10.0.0.2", -EINVAL, 1, "uplink",
		 "not another host"},
		{"uplink eth0 address 10.0.0.2/24 gateway 10.0.0.255", -EINVAL, 1, "uplink",
		 "not another host"},
		/* MACs. */
		{NET "  dhcp host h 00:0c:29:aa:bb 10.0.0.9", -EINVAL, 3, "00:", "expected a MAC"},
		{NET "  dhcp host h 00:0c:29:aa:bb:cg 10.0.0.9", -EINVAL, 3,
		 "00:", "expected a MAC"},
		{NET "  dhcp host h 00:0c-29:aa:bb:cc 10.0.0.9", -EINVAL, 3,
		 "00:", "expected a MAC"},
		{NET "  dhcp host h 01:00:5e:00:00:01 10.0.0.9", -EINVAL, 3, "dhcp",
		 "not a unicast MAC address"},
		{NET "  dhcp host h 00:00:00:00:00:00 10.0.0.9", -EINVAL, 3, "dhcp",
		 "not a unicast"},
		/* Durations and numbers. */
		{NET "  dhcp range 10.0.0.2 10.0.0.3 lease 30x", -EINVAL, 3, "30x",
		 "a duration like 90s, 30m, 2h or 1d"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3 lease 30s", -ERANGE, 3, "30s",
		 "the lease time must be 1m .. 365d"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3 lease 366d", -ERANGE, 3, "366d", "must be 1m"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3 lease 99999999999d", -ERANGE, 3,
		 "99999999999d", "1m"},
		{"nat timeout udp 1m", -ERANGE, 1, "1m", "the timeout must be 2m .. 7d"},
		{"nat timeout tcp 2h", -ERANGE, 1, "2h", "must be 124m .. 7d"},
		{"nat timeout tcp-transitory 3m", -ERANGE, 1, "3m", "must be 4m"},
		{"nat timeout icmp 59s", -ERANGE, 1, "59s", "must be 1m"},
		{"nat timeout icmp 8d", -ERANGE, 1, "8d", "must be 1m .. 7d"},
		{"nat timeout sctp 5m", -EINVAL, 1, "sctp", "expected udp, tcp"},
		{"nat sessions 63", -ERANGE, 1, "63", "must be 64 .. 262144"},
		{"nat sessions 262145", -ERANGE, 1, "26", "must be 64 .. 262144"},
		{"nat sessions lots", -EINVAL, 1, "lots", "expected the number of sessions"},
		{"nat sessions -1", -EINVAL, 1, "-1", "expected the number of sessions"},
		{"mac aging 0", -ERANGE, 1, "0", "the aging time must be 1s"},
		{"mac aging 12d", -ERANGE, 1, "12d", "must be 1s .. 1000000s"},
		{"mac table 15", -ERANGE, 1, "15", "must be 16 .. 65536"},
		{"mac size 10", -EINVAL, 1, "size", "expected 'aging' or 'table'"},
		/* Ports. */
		{"uplink eth48 dhcp", -ERANGE, 1, "eth48",
		 "no port eth48: ports are eth0 .. eth47"},
		{"uplink eth01 dhcp", -EINVAL, 1, "eth01", "expected a port"},
		{"uplink wan dhcp", -EINVAL, 1, "wan", "expected a port"},
		{"uplink eth dhcp", -EINVAL, 1, "eth", "expected a port"},
		{"network a nat\n  ports eth1 eth48", -ERANGE, 2, "eth48", "no such port"},
		{"network a nat\n  ports foo", -EINVAL, 2, "foo", "expected a port like eth1"},
		{"network a nat\n  ports eth5-eth2", -EINVAL, 2, "eth5",
		 "the range runs backwards"},
		{"network a nat\n  ports eth1-", -EINVAL, 2, "eth1", "expected a port like"},
		{"network a nat\n  ports eth1-eth2-eth3", -EINVAL, 2, "eth1", "expected a port"},
		{"network a nat\n  ports eth1 eth1", -EEXIST, 2, "eth1", "eth1 is listed twice"},
		{"network a nat\n  ports eth1-eth3 eth2", -EEXIST, 2, "eth2",
		 "eth2 is listed twice"},
		{NET "  forward tcp 0 10.0.0.2", -ERANGE, 3, "0 ",
		 "the outside port must be 1 .. 65535"},
		{NET "  forward udp 65536 10.0.0.2", -ERANGE, 3, "655", "must be 1 .. 65535"},
		{NET "  forward tcp 80 10.0.0.2 0", -ERANGE, 3, "0", "the inside port must be 1"},
		{NET "  forward icmp 1 10.0.0.2", -EINVAL, 3, "icmp", "expected tcp, udp or dns"},
		/* Names. */
		{"hostname Web", -EINVAL, 1, "Web", "a hostname may hold only a-z, 0-9 and '-'"},
		{"hostname web_1", -EINVAL, 1, "web", "may hold only"},
		{"hostname -web", -EINVAL, 1, "-web", "may not begin or end with '-'"},
		{"hostname web-", -EINVAL, 1, "web", "may not begin or end with '-'"},
		{"hostname abcdefghijklmnopqrstuvwxyz012345", -ERANGE, 1, "abc",
		 "a hostname is too long (the most is 31 characters)"},
		{"network abcdefghijklmnop nat", -ERANGE, 1, "abc",
		 "a network name is too long (the most is 15 characters)"},
		{"network a.b nat", -EINVAL, 1, "a.b", "may hold only"},
		{NET "  dhcp host Web1 02:00:00:00:00:01 10.0.0.9", -EINVAL, 3, "Web1",
		 "a host name may hold only"},
		{"network a nat\n  domain lab..x", -EINVAL, 2, "lab", "expected a domain name"},
		{"network a nat\n  domain lab.", -EINVAL, 2, "lab", "expected a domain name"},
		{"network a nat\n  domain .lab", -EINVAL, 2, ".lab", "expected a domain name"},
		{"network a nat\n  domain a.-b", -EINVAL, 2, "a.-b", "expected a domain name"},
		{"network a nat\n  domain a-.b", -EINVAL, 2, "a-.b", "expected a domain name"},
		{"network a nat\n  domain Lab", -EINVAL, 2, "Lab", "expected a domain name"},
		{"network a nat\n  domain "
		 "a123456789.b123456789.c123456789.d123456789.e123456789.f12345678",
		 -ERANGE, 2, "a1", "the domain is too long (the most is 63 characters)"},
	};

	(void)state;
	CHECK_ALL(t);
}

static void test_rules(void **state)
{
	static const struct bad t[] = {
		/* Ports. */
		{"network a nat\n  ports eth1 eth2\nnetwork b nat\n  ports eth3 eth2", -EBUSY, 4,
		 "eth2", "eth2 is also in network a"},
		{"network a nat\n  ports eth1-eth4\nnetwork b nat\n  ports eth0-eth2", -EBUSY, 4,
		 "eth0", "eth1 is also in network a"},
		{"uplink eth0 dhcp\nnetwork a nat\n  ports eth1 eth0", -EBUSY, 3, "eth0",
		 "eth0 is the uplink"},
		{"uplink eth0 dhcp\nnetwork a bridged\n  ports eth0", -EBUSY, 3, "eth0",
		 "which a bridged network includes by itself"},
		{"network a nat\n  ports eth1\nuplink eth1 dhcp", -EBUSY, 3, "uplink",
		 "eth1 is the uplink and a port of network a"},
		/* DHCP range and hosts. */
		{NET "  dhcp range 10.0.0.5 10.0.1.9", -EINVAL, 3, "dhcp",
		 "the dhcp range 10.0.0.5 .. 10.0.1.9 is not inside 10.0.0.0/24"},
		{NET "  dhcp range 10.0.0.5 10.0.0.255", -EINVAL, 3, "dhcp", "is not inside"},
		{NET "  dhcp range 10.0.0.0 10.0.0.9", -EINVAL, 3, "dhcp", "is not inside"},
		{NET "  dhcp range 10.0.0.9 10.0.0.5", -EINVAL, 3, "dhcp", "starts after it ends"},
		{NET "  dhcp range 10.0.0.1 10.0.0.9", -EBUSY, 3, "dhcp",
		 "the dhcp range holds the network's address 10.0.0.1"},
		/* A lease table holds 65536 records: a /16's pool, not more. */
		{"network a nat\n  address 10.0.0.1/8\n  dhcp range 10.0.0.2 10.1.0.2", -ERANGE, 3,
		 "dhcp",
		 "the dhcp range 10.0.0.2 .. 10.1.0.2 and its reservations hold 65537 addresses: "
		 "a network leases at most 65536"},
		{"network a nat\n  address 10.0.0.1/8\n  dhcp range 10.0.0.2 10.255.255.254",
		 -ERANGE, 3, "dhcp", "hold 16777213 addresses"},
		{"network a nat\n  address 10.0.0.1/8\n  dhcp range 10.0.0.2 10.1.0.1\n"
		 "  dhcp host h 02:00:00:00:00:01 10.2.0.1",
		 -ERANGE, 4, "dhcp", "hold 65537 addresses: a network leases at most 65536"},
		{"network a nat\n  address 10.0.0.1/8\n  dhcp host h 02:00:00:00:00:01 10.2.0.1\n"
		 "  dhcp range 10.0.0.2 10.1.0.1",
		 -ERANGE, 4, "dhcp", "a network leases at most 65536"},
		{"network a nat\n  dhcp range 10.0.0.2 10.0.0.3", -EINVAL, 2, "dhcp",
		 "network a needs an address for its dhcp settings"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3\n  no address", -EINVAL, 4, "no",
		 "needs an address"},
		{NET HOST "  address 10.0.1.1/24", -EINVAL, 4, "address",
		 "dhcp host web1: 10.0.0.10 is not a guest address of a"},
		{NET "  dhcp host h 02:00:00:00:00:01 10.0.1.9", -EINVAL, 3, "dhcp",
		 "not a guest address"},
		{NET "  dhcp host h 02:00:00:00:00:01 10.0.0.1", -EINVAL, 3, "dhcp",
		 "not a guest address"},
		{NET "  dhcp host h 02:00:00:00:00:01 10.0.0.255", -EINVAL, 3, "dhcp",
		 "not a guest address"},
		{NET HOST "  dhcp host web2 02:00:00:00:00:01 10.0.0.11", -EEXIST, 4, "dhcp",
		 "dhcp hosts web1 and web2 have the same MAC"},
		{NET HOST "  dhcp host web2 02:00:00:00:00:02 10.0.0.10", -EEXIST, 4, "dhcp",
		 "dhcp hosts web1 and web2 have the same address"},
		{"dns upstream 1.1.1.1 9.9.9.9 1.1.1.1", -EEXIST, 1, "dns",
		 "dns upstream 1.1.1.1 is listed twice"},
		/* Subnets. */
		{"network a nat\n  address 10.0.0.1/16\nnetwork b nat\n  address 10.0.5.1/24",
		 -EBUSY, 4, "address", "the subnets of networks a and b overlap"},
		{"network a nat\n  address 10.0.5.1/24\nnetwork b nat\n  address 10.0.0.1/16",
		 -EBUSY, 4, "address", "the subnets of networks a and b overlap"},
		{"uplink eth0 address 192.168.99.5/24\nnetwork a nat\n  address 192.168.99.2/24",
		 -EBUSY, 3, "address", "the subnet of network a overlaps the uplink's"},
		{"network a nat\n  address 192.168.99.2/24\nuplink eth0 address 192.168.0.5/16",
		 -EBUSY, 3, "uplink", "overlaps the uplink's"},
		/* Modes. */
		{"network a hostonly\n  address 10.0.0.1/24\n  forward tcp 80 10.0.0.2", -EINVAL, 3,
		 "forward", "forwards need a nat network, and a is hostonly"},
		{"network a bridged\n  forward tcp 80 10.0.0.2", -EINVAL, 2, "forward",
		 "forwards need a nat network, and a is bridged"},
		{NET "  forward tcp 80 10.0.0.2\nnetwork a hostonly", -EINVAL, 4, "network",
		 "forwards need a nat network"},
		{NET "network a bridged", -EINVAL, 3, "network",
		 "bridged network a has no address of its own"},
		{"network b bridged\n  address 10.0.0.1/24", -EINVAL, 2, "address",
		 "has no address of its own"},
		{"network b bridged\n  dhcp range 10.0.0.2 10.0.0.3", -EINVAL, 2, "dhcp",
		 "bridged network b has no dhcp server"},
		{"network b bridged\n  domain lab", -EINVAL, 2, "domain", "has no domain"},
		{"network a bridged\nnetwork b bridged", -EBUSY, 2, "network",
		 "only one network can be bridged, and a is"},
		{"network a bridged\nnetwork b nat\nnetwork b bridged", -EBUSY, 3, "network",
		 "only one network can be bridged"},
		/* Forwards. */
		{NET "  forward tcp 80 10.0.0.2\nnetwork b nat\n  address 10.0.1.1/24\n"
		     "  forward tcp 80 10.0.1.2",
		 -EEXIST, 6, "80", "tcp port 80 is forwarded already, in a"},
		{NET "  forward udp 68 10.0.0.2", -EBUSY, 3, "68",
		 "udp port 68 is the uplink's DHCP"},
		{NET "  forward tcp 80 10.0.1.2", -EINVAL, 3, "forward",
		 "forward tcp 80: 10.0.1.2 is not a guest address of a"},
		{NET "  forward tcp 80 10.0.0.1", -EINVAL, 3, "forward", "not a guest address"},
		{"network a nat\n  forward tcp 80 10.0.0.2", -EINVAL, 2, "forward",
		 "network a needs an address for its forwards"},
		/* 802.1Q and VXLAN. */
		{"network a nat\n  vlan 0", -ERANGE, 2, "0", "a VLAN ID must be 1 .. 4094"},
		{"network a nat\n  vlan 4095", -ERANGE, 2, "4095", "1 .. 4094"},
		{"network a nat\n  tagged eth1", -EINVAL, 2, "tagged",
		 "network a has tagged ports but no vlan: give it `vlan ID` first"},
		{"network a nat\n  vlan 10\nnetwork b hostonly\n  vlan 10", -EBUSY, 4, "vlan",
		 "vlan 10 is network a's already"},
		{"network a nat\n  ports eth1\n  vlan 10\n  tagged eth2 eth1", -EBUSY, 4, "eth1",
		 "eth1 is an untagged port of network a"},
		{"network a nat\n  vlan 10\n  tagged eth1 eth1", -EEXIST, 3, "eth1",
		 "eth1 is listed twice"},
		{"network a nat\n  vlan 10\n  tagged eth1\n  no tagged eth2", -ENOENT, 4, "eth2",
		 "not a tagged port of network a"},
		{"network a nat\n  vlan 10\n  tagged eth1\n  no vlan", -EINVAL, 4, "no",
		 "tagged ports but no vlan"},
		{"network a nat\n  vxlan 0 remote 10.0.0.9", -ERANGE, 2, "0 remote",
		 "1 .. 16777215"},
		{"network a nat\n  vxlan 16777216 remote 10.0.0.9", -ERANGE, 2, "16777216",
		 "1 .. 16777215"},
		{"network a nat\n  vxlan 5", -EINVAL, 2, "", "expected `remote`"},
		{"network a nat\n  vxlan 5 remote", -EINVAL, 2, "", "expected a remote address"},
		{"network a nat\n  vxlan 5 remote 224.0.0.5", -EINVAL, 2, "224.0.0.5",
		 "not a usable unicast address"},
		{"network a nat\n  vxlan 5 remote 10.0.0.9 10.0.0.9", -EEXIST, 2, "10.0.0.9",
		 "listed twice"},
		{"network a nat\n  vxlan 5 remote 1.0.0.1 1.0.0.2 1.0.0.3 1.0.0.4 1.0.0.5 1.0.0.6 "
		 "1.0.0.7 1.0.0.8 1.0.0.9",
		 -ENOSPC, 2, "1.0.0.9", "at most 8 remotes"},
		{"network a nat\n  vxlan 5 remote 10.0.0.9\nnetwork b nat\n  vxlan 5 remote "
		 "10.0.0.8",
		 -EBUSY, 4, "vxlan", "vxlan 5 is network a's already"},
		{"uplink eth0 address 10.0.0.2/24\nnetwork a nat\n  vxlan 5 remote 10.0.0.2",
		 -EINVAL, 3, "vxlan",
		 "vxlan remote 10.0.0.2 of network a is the uplink's own address"},
		/* ... and the other way round (fuzz_config found it let through). */
		{"network a nat\n  vxlan 5 remote 10.0.0.2\nuplink eth0 address 10.0.0.2/24",
		 -EINVAL, 3, "uplink",
		 "vxlan remote 10.0.0.2 of network a is the uplink's own address"},
		{"uplink eth0 dhcp\nnetwork a bridged\n  vxlan 5 remote 10.0.0.9", -EINVAL, 3,
		 "vxlan", "span it with the outside's own VXLAN"},
		{"network a nat\n  vxlan port 0", -ERANGE, 2, "0", "a UDP port must be 1 .. 65535"},
		{"network a nat\n  no vxlan", -ENOENT, 2, "vxlan", "network a has no vxlan"},
	};

	(void)state;
	CHECK_ALL(t);
}

static void test_not_there(void **state)
{
	static const struct bad t[] = {
		{"no network x", -ENOENT, 1, "x", "there is no network x"},
		{"network a nat\nno network a hostonly", -ENOENT, 2, "hostonly",
		 "network a is nat, not hostonly"},
		{"no uplink", -ENOENT, 1, "uplink", "there is no uplink"},
		{"uplink eth0 dhcp\nno uplink eth1 dhcp", -ENOENT, 2, "eth1",
		 "that is not the uplink configured"},
		{"uplink eth0 dhcp\nno uplink eth0 address 10.0.0.2/24", -ENOENT, 2, "eth0",
		 "not the uplink configured"},
		{"no dns upstream", -ENOENT, 1, "dns", "there is no dns upstream"},
		{"dns upstream 1.1.1.1\nno dns upstream 9.9.9.9", -ENOENT, 2, "9.9.9.9",
		 "9.9.9.9 is not a dns upstream server"},
		{"hostname a\nno hostname b", -ENOENT, 2, "b", "'b' is not what is configured"},
		{"no nat sessions 100", -ENOENT, 1, "100", "not what is configured"},
		{"no nat timeout udp 10m", -ENOENT, 1, "10m", "not what is configured"},
		{"no mac aging 6m", -ENOENT, 1, "6m", "not what is configured"},
		{"no mac table 100", -ENOENT, 1, "100", "not what is configured"},
		{"network a nat\n  no address", -ENOENT, 2, "address", "network a has no address"},
		{NET "  no address 10.0.0.2/24", -ENOENT, 3, "10.", "not what network a has"},
		{"network a nat\n  no ports eth1", -ENOENT, 2, "eth1", "not a port of network a"},
		{"network a nat\n  no domain x", -ENOENT, 2, "x", "not what network a has"},
		{NET "  no dhcp range", -ENOENT, 3, "dhcp", "network a has no dhcp range"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3\n  no dhcp range 10.0.0.2 10.0.0.4", -ENOENT,
		 4, "10.0.0.2", "not what network a has"},
		{NET "  dhcp range 10.0.0.2 10.0.0.3\n  no dhcp range 10.0.0.2 10.0.0.3 lease 1h",
		 -ENOENT, 4, "10.0.0.2", "not what network a has"},
		{NET "  no dhcp host web1", -ENOENT, 3, "web1", "network a has no dhcp host web1"},
		{NET HOST "  no dhcp host web1 02:00:00:00:00:02 10.0.0.10", -ENOENT, 4,
		 "02:", "not what network a has"},
		{NET "  no forward tcp 80", -ENOENT, 3, "80", "network a forwards no tcp port 80"},
		{NET "  forward tcp 80 10.0.0.2\n  no forward udp 80", -ENOENT, 4, "80",
		 "forwards no udp port 80"},
		{NET "  forward tcp 80 10.0.0.2\n  no forward tcp 80 10.0.0.3", -ENOENT, 4, "10.",
		 "not what network a has"},
		{NET "  forward tcp 80 10.0.0.2 81\n  no forward tcp 80 10.0.0.2 82", -ENOENT, 4,
		 "10.", "not what network a has"},
	};

	(void)state;
	CHECK_ALL(t);
}

static void test_lexical(void **state)
{
	static char long_line[400], words[400];
	static const char nul[] = "hostname a\nhostname b\0c\n";
	size_t i;

	(void)state;
	/* Bytes outside printable ASCII, before a comment. */
	assert_int_equal(cfg_parse(&c, "hostname a\x01", 11, &e), -EINVAL);
	assert_int_equal(e.column, 11);
	assert_string_equal(e.msg, "unexpected character (byte 0x01)");
	assert_string_equal(e.text, "hostname a?");
	assert_int_equal(cfg_parse(&c, "hostname \xc3\xa9t\xc3\xa9", 14, &e), -EINVAL);
	assert_int_equal(e.column, 10);
	assert_string_equal(e.msg, "unexpected character (byte 0xc3)");
	/* ... are fine in a comment, except NUL. */
	assert_int_equal(cfg_parse(&c, "hostname a # \xc3\xa9t\xc3\xa9 \x1b[2J\n", 22, &e), 0);
	assert_int_equal(cfg_parse(&c, nul, sizeof(nul) - 1, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.column, 11);
	assert_int_equal(cfg_parse(&c, "hostname a #\0", 13, &e), -EINVAL);
	assert_string_equal(e.msg, "unexpected NUL byte");
	/* A statement over 255 characters; a long comment is fine. */
	memset(long_line, ' ', sizeof(long_line) - 1);
	memcpy(long_line, "hostname", 8);
	long_line[300] = 'x';
	long_line[301] = '\0';
	assert_int_equal(cfg_parse(&c, long_line, strlen(long_line), &e), -EINVAL);
	assert_int_equal(e.column, 256);
	assert_string_equal(e.msg, "line too long (the most is 255 characters)");
	assert_int_equal(strlen(e.text), 255);
	long_line[200] = '#';
	assert_int_equal(cfg_parse(&c, long_line, strlen(long_line), &e), -EINVAL);
	assert_string_equal(e.msg, "expected a hostname");
	memcpy(long_line + 9, "ok", 2);
	assert_int_equal(cfg_parse(&c, long_line, strlen(long_line), &e), 0);
	/* More than 40 words. */
	for (i = 0; i < 41; i++)
		memcpy(words + 2 * i, "x ", 2);
	words[82] = '\0';
	assert_int_equal(cfg_parse(&c, words, strlen(words), &e), -E2BIG);
	assert_int_equal(e.column, 81);
	assert_string_equal(e.msg, "too many words (the most is 40)");
	/* Hand-counted columns, with tabs counting one. */
	assert_int_equal(cfg_parse(&c, "network a nat\n\taddress 10.0.0.1/40", 34, &e), -ERANGE);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.column, 10);
	assert_int_equal(cfg_parse(&c, "network a nat\r\n  address 10.0.0.1/40\r\n", 39, &e),
			 -ERANGE);
	assert_int_equal(e.column, 11);
	assert_string_equal(e.text, "  address 10.0.0.1/40");
}

static void test_limits(void **state)
{
	static char text[65536];
	size_t len = 0;
	int i;

	(void)state;
	/* 32 networks fit, the 33rd does not. */
	for (i = 0; i < 32; i++)
		len += (size_t)sprintf(text + len, "network n%d hostonly\n  ports eth%d\n", i, i);
	assert_int_equal(cfg_parse(&c, text, len, &e), 0);
	assert_int_equal(c.nnets, 32);
	assert_int_equal(cfg_validate(&c, &e), 0);
	strcpy(text + len, "network n32 nat\n");
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), -ENOSPC);
	assert_int_equal(e.line, 65);
	assert_string_equal(e.msg, "too many networks (the most is 32)");
	/* 64 hosts and 64 forwards per network fit, one more does not. */
	len = (size_t)sprintf(text, "network a nat\n  address 10.0.0.1/16\n");
	for (i = 0; i < 64; i++)
		len += (size_t)sprintf(text + len,
				       "  dhcp host h%d 02:00:00:00:00:%02x 10.0.1.%d\n"
				       "  forward tcp %d 10.0.1.%d\n",
				       i, i, i + 1, 1000 + i, i + 1);
	assert_int_equal(cfg_parse(&c, text, len, &e), 0);
	assert_int_equal(c.net[0].nhosts, 64);
	assert_int_equal(c.net[0].nforwards, 64);
	strcpy(text + len, "  dhcp host h64 02:00:00:00:01:00 10.0.2.1\n");
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), -ENOSPC);
	assert_int_equal(e.line, 131);
	assert_string_equal(e.msg, "network a has 64 dhcp hosts, the most it can hold");
	/* Replacing one at the limit is fine. */
	strcpy(text + len, "  dhcp host h3 02:00:00:00:01:00 10.0.2.1\n");
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), 0);
	strcpy(text + len, "  forward udp 1 10.0.2.1\n");
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), -ENOSPC);
	assert_string_equal(e.msg, "network a has 64 forwards, the most it can hold");
	/* Four dns servers fit, five do not. */
	assert_int_equal(
		cfg_parse(&c, "dns upstream 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5", 52, &e),
		-ENOSPC);
	assert_int_equal(e.column, 46);
	assert_string_equal(e.msg, "at most 4 dns upstream servers");
}

/* An error on line 40 of 50 leaves the previous config exactly as it was. */
static void test_all_or_nothing(void **state)
{
	static char text[8192];
	size_t len = 0, cut;
	int i;

	(void)state;
	assert_int_equal(cfg_parse(&c, base, strlen(base), &e), 0);
	memcpy(&before, &c, sizeof(c));
	len += (size_t)sprintf(text + len, "hostname changed\nuplink eth1 dhcp\n");
	for (i = 0; i < 30; i++) /* lines 3 .. 32 */
		len += (size_t)sprintf(text + len, "network n%d hostonly\n", i);
	len += (size_t)sprintf(text + len, "network last nat\n  address 10.0.0.1/24\n");
	for (i = 0; i < 5; i++) /* lines 35 .. 39 */
		len += (size_t)sprintf(text + len,
				       "  dhcp host h%d 02:00:00:00:00:%02x 10.0.0.%d\n", i, i + 1,
				       i + 2);
	cut = len;
	len += (size_t)sprintf(text + len, "  ports eth1\n"); /* line 40: eth1 is the uplink */
	for (i = 0; i < 5; i++)				      /* lines 41 .. 50 */
		len += (size_t)sprintf(text + len, "network n%d\n  ports eth%d\n", i, i + 2);
	assert_int_equal(cfg_parse(&c, text, len, &e), -EBUSY);
	assert_int_equal(e.line, 40);
	assert_int_equal(e.column, 9);
	assert_string_equal(e.text, "  ports eth1");
	assert_string_equal(e.msg, "eth1 is the uplink");
	assert_memory_equal(&c, &before, sizeof(c));
	/* The same file without the bad line replaces the whole config. */
	memmove(text + cut, text + cut + 13, len - cut - 13);
	len -= 13;
	assert_int_equal(cfg_parse(&c, text, len, &e), 0);
	assert_int_equal(c.nnets, 31);
	assert_int_equal(c.net[4].ports, 1u << 6);
	assert_int_equal(c.net[30].nhosts, 5);
	assert_string_equal(c.hostname, "changed");
	assert_int_equal(cfg_find_net(&c, "keep"), -1);
}

static void test_error_print(void **state)
{
	static const char text[] = "network a nat\n\t  address 10.0.0.1/24 # gw\n"
				   "\t  dhcp range 10.0.0.2 10.0.0.x\n";

	(void)state;
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), -EINVAL);
	out_len = 0;
	cfg_error_print(&e, &out);
	assert_string_equal(out_text, "% line 3, column 24: expected an IPv4 address\n"
				      "  \t  dhcp range 10.0.0.2 10.0.0.x\n"
				      "  \t                      ^\n");
	/* A missing word: the caret goes just past the end. */
	assert_int_equal(cfg_parse(&c, "hostname", 8, &e), -EINVAL);
	out_len = 0;
	cfg_error_print(&e, &out);
	assert_string_equal(out_text, "% line 1, column 9: expected a hostname\n"
				      "  hostname\n"
				      "          ^\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),   cmocka_unit_test(test_missing_words),
		cmocka_unit_test(test_bad_values),  cmocka_unit_test(test_rules),
		cmocka_unit_test(test_not_there),   cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_limits),	    cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_error_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
