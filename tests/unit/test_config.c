/*
 * Unit tests for config/: every statement and its `no` forms, parsed from
 * a file, with the state each leaves and the canonical text it prints back;
 * the file syntax (comments, blank lines, indentation, tabs, CRLF); the
 * BRIEF.md §3 example and config/default.conf. Errors are in
 * test_config_errors.c, the console and round trips in test_config_console.c.
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
#include "net/dhcp/dhcpd.h"
#include "net/dns/dns_fwd.h"
#include "net/nat/nat.h"
#include "net/switch/fdb.h"
#include "net/switch/overlay.h"
#include "net/switch/vxlan.h"

static struct cfg c, d;
static struct cfg_error e;
static char out_text[65536];
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

/* Parses (text) into c; fails the test, showing the error, unless it parses. */
static void ok(const char *text)
{
	int rc = cfg_parse(&c, text, strlen(text), &e);

	if (rc != 0)
		fail_msg("rc %d, line %u, column %u: %s\n  %s", rc, e.line, e.column, e.msg,
			 e.text);
	assert_int_equal(cfg_validate(&c, &e), 0);
}

/* Returns what cfg_write() prints for (x). */
static const char *written(const struct cfg *x)
{
	out_len = 0;
	out_text[0] = '\0';
	assert_int_equal(cfg_write(x, &out), 0);
	return out_text;
}

/* Parses (text) and checks it prints as (canonical), which parses back equal. */
static void prints(const char *text, const char *canonical)
{
	ok(text);
	assert_string_equal(written(&c), canonical);
	assert_int_equal(cfg_parse(&d, canonical, strlen(canonical), &e), 0);
	assert_true(cfg_equal(&c, &d));
}

static const char brief[] =
	"hostname unigate\n"
	"uplink eth0 dhcp                      # or: uplink eth0 address 10.88.0.2/24 gateway "
	"10.88.0.1\n"
	"dns upstream 10.88.0.1                # default: learned from the uplink's DHCP lease\n"
	"\n"
	"network vmnet8 nat\n"
	"  ports eth1 eth2\n"
	"  address 192.168.99.2/24             # the gateway and DNS address guests see\n"
	"  dhcp range 192.168.99.128 192.168.99.254 lease 30m\n"
	"  dhcp host web1 00:0c:29:aa:bb:cc 192.168.99.10\n"
	"  forward tcp 8080 192.168.99.10 80   # uplink:8080 -> web1:80\n"
	"network vmnet1 hostonly\n"
	"  ports eth3\n"
	"  address 192.168.56.1/24\n"
	"  dhcp range 192.168.56.100 192.168.56.200\n"
	"network vmnet0 bridged\n"
	"  ports eth4                          # switched together with the uplink\n";

static void test_empty(void **state)
{
	(void)state;
	ok("");
	assert_string_equal(c.hostname, "unigate");
	assert_int_equal(c.uplink.mode, CFG_UPLINK_NONE);
	assert_int_equal(c.nnets, 0);
	assert_int_equal(c.ndns, 0);
	assert_int_equal(c.nat_timeout[CFG_NAT_UDP], 300);
	assert_int_equal(c.nat_timeout[CFG_NAT_TCP], 7440);
	assert_int_equal(c.nat_timeout[CFG_NAT_TCP_TRANSITORY], 240);
	assert_int_equal(c.nat_timeout[CFG_NAT_ICMP], 60);
	assert_int_equal(c.mac_aging_s, 300);
	assert_int_equal(c.mac_table, 4096);
	/* A literal, not CFG_NAT_SESSIONS_DEFAULT: a changed constant must
	 * fail here. 0 is "what the heap allows" (nat_capacity_for_heap,
	 * pinned in test_nat_state.c). */
	assert_int_equal(c.nat_sessions, 0);
	assert_string_equal(written(&c), "hostname unigate\n");
	ok("\n\n   \n# only a comment\n\t\n");
	assert_int_equal(c.nnets, 0);
}

static void test_brief_example(void **state)
{
	const struct cfg_net *n;

	(void)state;
	ok(brief);
	assert_int_equal(c.uplink.mode, CFG_UPLINK_DHCP);
	assert_int_equal(c.uplink.port, 0);
	assert_int_equal(c.ndns, 1);
	assert_int_equal(c.dns[0], 0x0a580001);
	assert_int_equal(c.nnets, 3);
	n = &c.net[0];
	assert_string_equal(n->name, "vmnet8");
	assert_int_equal(n->mode, CFG_NAT);
	assert_int_equal(n->ports, 0x6);
	assert_int_equal(n->addr, 0xc0a86302);
	assert_int_equal(n->prefix, 24);
	assert_true(n->dhcp);
	assert_int_equal(n->range_start, 0xc0a86380);
	assert_int_equal(n->range_end, 0xc0a863fe);
	assert_int_equal(n->lease_s, 1800);
	assert_string_equal(n->domain, "localdomain");
	assert_int_equal(n->nhosts, 1);
	assert_string_equal(n->host[0].name, "web1");
	assert_memory_equal(n->host[0].mac, "\x00\x0c\x29\xaa\xbb\xcc", 6);
	assert_int_equal(n->host[0].ip, 0xc0a8630a);
	assert_int_equal(n->nforwards, 1);
	assert_int_equal(n->forward[0].proto, CFG_TCP);
	assert_int_equal(n->forward[0].outside_port, 8080);
	assert_int_equal(n->forward[0].inside_ip, 0xc0a8630a);
	assert_int_equal(n->forward[0].inside_port, 80);
	n = &c.net[1];
	assert_string_equal(n->name, "vmnet1");
	assert_int_equal(n->mode, CFG_HOSTONLY);
	assert_int_equal(n->ports, 0x8);
	assert_int_equal(n->lease_s, 1800);
	n = &c.net[2];
	assert_string_equal(n->name, "vmnet0");
	assert_int_equal(n->mode, CFG_BRIDGED);
	assert_int_equal(n->ports, 0x10);
	assert_int_equal(n->prefix, 0);
	assert_int_equal(cfg_find_net(&c, "vmnet1"), 1);
	assert_int_equal(cfg_find_net(&c, "vmnet2"), -1);
	assert_int_equal(cfg_port_net(&c, 3), 1);
	assert_int_equal(cfg_port_net(&c, 0), -1);
	assert_int_equal(cfg_port_net(&c, 5), -1);
	assert_int_equal(cfg_port_net(&c, 99), -1);
	assert_string_equal(written(&c), "hostname unigate\n"
					 "uplink eth0 dhcp\n"
					 "dns upstream 10.88.0.1\n"
					 "network vmnet8 nat\n"
					 "  ports eth1 eth2\n"
					 "  address 192.168.99.2/24\n"
					 "  dhcp range 192.168.99.128 192.168.99.254 lease 30m\n"
					 "  dhcp host web1 00:0c:29:aa:bb:cc 192.168.99.10\n"
					 "  forward tcp 8080 192.168.99.10 80\n"
					 "network vmnet1 hostonly\n"
					 "  ports eth3\n"
					 "  address 192.168.56.1/24\n"
					 "  dhcp range 192.168.56.100 192.168.56.200 lease 30m\n"
					 "network vmnet0 bridged\n"
					 "  ports eth4\n");
}

static void test_default_conf(void **state)
{
	static char text[8192];
	FILE *f = fopen("config/default.conf", "r");
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ok(text);
	assert_int_equal(c.uplink.mode, CFG_UPLINK_DHCP);
	assert_int_equal(c.uplink.port, 0);
	assert_int_equal(c.nnets, 1);
	assert_string_equal(c.net[0].name, "vmnet8");
	assert_int_equal(c.net[0].mode, CFG_NAT);
	assert_true(c.net[0].ports == (CFG_PORT_BIT(CFG_PORTS_MAX) - 2)); /* eth1 .. eth47 */
	assert_int_equal(c.net[0].addr, 0xc0a86302);
	assert_int_equal(c.net[0].range_start, 0xc0a86380);
	assert_int_equal(c.net[0].range_end, 0xc0a863fe);
	assert_int_equal(c.net[0].lease_s, 1800);
}

static void test_hostname(void **state)
{
	(void)state;
	ok("hostname gw-1");
	assert_string_equal(c.hostname, "gw-1");
	ok("hostname a\nhostname b\n");
	assert_string_equal(c.hostname, "b");
	ok("hostname abcdefghijklmnopqrstuvwxyz01234"); /* 31 */
	ok("hostname a\nno hostname\n");
	assert_string_equal(c.hostname, "unigate");
	ok("hostname a\nno hostname a\n");
	assert_string_equal(c.hostname, "unigate");
	prints("hostname lab\n", "hostname lab\n");
}

static void test_uplink(void **state)
{
	(void)state;
	prints("uplink eth3 dhcp", "hostname unigate\nuplink eth3 dhcp\n");
	assert_int_equal(c.uplink.port, 3);
	prints("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1",
	       "hostname unigate\nuplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n");
	assert_int_equal(c.uplink.mode, CFG_UPLINK_STATIC);
	assert_int_equal(c.uplink.addr, 0x0a580002);
	assert_int_equal(c.uplink.prefix, 24);
	assert_int_equal(c.uplink.gateway, 0x0a580001);
	prints("uplink eth1 address 10.88.0.2",
	       "hostname unigate\nuplink eth1 address 10.88.0.2/24\n");
	assert_int_equal(c.uplink.gateway, 0);
	prints("uplink eth1 address 10.0.0.9/8 gateway 10.200.0.1",
	       "hostname unigate\nuplink eth1 address 10.0.0.9/8 gateway 10.200.0.1\n");
	ok("uplink eth0 dhcp\nuplink eth47 dhcp\n");
	assert_int_equal(c.uplink.port, 47);
	ok("uplink eth0 dhcp\nno uplink\n");
	assert_int_equal(c.uplink.mode, CFG_UPLINK_NONE);
	ok("uplink eth0 dhcp\nno uplink eth0 dhcp\n");
	assert_int_equal(c.uplink.mode, CFG_UPLINK_NONE);
	ok("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n"
	   "no uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n");
	assert_int_equal(c.uplink.mode, CFG_UPLINK_NONE);
}

static void test_dns(void **state)
{
	(void)state;
	prints("dns upstream 10.88.0.1 1.1.1.1 9.9.9.9 8.8.8.8",
	       "hostname unigate\ndns upstream 10.88.0.1 1.1.1.1 9.9.9.9 8.8.8.8\n");
	assert_int_equal(c.ndns, 4);
	ok("dns upstream 1.1.1.1 9.9.9.9\ndns upstream 8.8.8.8\n");
	assert_int_equal(c.ndns, 1);
	assert_int_equal(c.dns[0], 0x08080808);
	assert_int_equal(c.dns[1], 0);
	ok("dns upstream 1.1.1.1 9.9.9.9 8.8.8.8\nno dns upstream 9.9.9.9\n");
	assert_int_equal(c.ndns, 2);
	assert_int_equal(c.dns[0], 0x01010101);
	assert_int_equal(c.dns[1], 0x08080808);
	ok("dns upstream 1.1.1.1 9.9.9.9 8.8.8.8\nno dns upstream 8.8.8.8 1.1.1.1\n");
	assert_int_equal(c.ndns, 1);
	assert_int_equal(c.dns[0], 0x09090909);
	ok("dns upstream 1.1.1.1 9.9.9.9\nno dns upstream\n");
	assert_int_equal(c.ndns, 0);
	assert_string_equal(written(&c), "hostname unigate\n");
}

static void test_nat_and_mac(void **state)
{
	(void)state;
	prints("nat timeout udp 2m\n"
	       "nat timeout tcp 1d\n"
	       "nat timeout tcp-transitory 300\n"
	       "nat timeout icmp 90s\n"
	       "nat sessions 64\n"
	       "mac aging 1\n"
	       "mac table 65536\n",
	       "hostname unigate\n"
	       "nat timeout udp 2m\n"
	       "nat timeout tcp 1d\n"
	       "nat timeout tcp-transitory 5m\n"
	       "nat timeout icmp 90s\n"
	       "nat sessions 64\n"
	       "mac aging 1s\n"
	       "mac table 65536\n");
	assert_int_equal(c.nat_timeout[CFG_NAT_TCP], 86400);
	assert_int_equal(c.nat_timeout[CFG_NAT_TCP_TRANSITORY], 300);
	assert_int_equal(c.mac_aging_s, 1);
	/* Setting the default prints nothing; the README's old 8192 is not it. */
	prints("nat timeout udp 5m\nmac aging 300\n", "hostname unigate\n");
	prints("mac table 4096\n", "hostname unigate\n");
	/* Any number set is kept, the automatic size's included. */
	prints("nat sessions 65536\n", "hostname unigate\nnat sessions 65536\n");
	prints("nat sessions 8192\n", "hostname unigate\nnat sessions 8192\n");
	prints("nat sessions 262144\n", "hostname unigate\nnat sessions 262144\n");
	ok("nat timeout udp 10m\nnat sessions 100\nmac aging 1h\nmac table 16\n"
	   "no nat timeout udp\nno nat sessions 100\nno mac aging\nno mac table 16\n");
	assert_int_equal(c.nat_timeout[CFG_NAT_UDP], 300);
	assert_int_equal(c.nat_sessions, 0);
	assert_int_equal(c.mac_aging_s, 300);
	assert_int_equal(c.mac_table, 4096);
	ok("nat timeout icmp 2m\nno nat timeout icmp 120\n");
	assert_int_equal(c.nat_timeout[CFG_NAT_ICMP], 60);
}

static void test_network_modes(void **state)
{
	(void)state;
	prints("network a nat\nnetwork b hostonly\nnetwork c bridged\n",
	       "hostname unigate\nnetwork a nat\nnetwork b hostonly\nnetwork c bridged\n");
	assert_int_equal(c.nnets, 3);
	assert_int_equal(c.net[1].mode, CFG_HOSTONLY);
	/* Reopening adds to the block; a mode changes the mode. */
	ok("network a nat\n  ports eth1\nnetwork b hostonly\nnetwork a\n  address 10.0.0.1/24\n"
	   "network b nat\n");
	assert_int_equal(c.net[0].ports, 0x2);
	assert_int_equal(c.net[0].addr, 0x0a000001);
	assert_int_equal(c.net[1].mode, CFG_NAT);
	/* Removal keeps the others in order. */
	ok("network a nat\nnetwork b nat\nnetwork c nat\nno network b\nnetwork d hostonly\n");
	assert_int_equal(c.nnets, 3);
	assert_string_equal(c.net[0].name, "a");
	assert_string_equal(c.net[1].name, "c");
	assert_string_equal(c.net[2].name, "d");
	ok("network a nat\nno network a nat\n");
	assert_int_equal(c.nnets, 0);
	ok("network x-1 hostonly\nnetwork 15-characters-x nat\n");
	assert_string_equal(c.net[1].name, "15-characters-x");
}

static void test_ports(void **state)
{
	(void)state;
	prints("network a nat\n  ports eth3 eth1 eth2 eth5 eth9 eth8 eth10-eth12\n",
	       "hostname unigate\nnetwork a nat\n  ports eth1-eth3 eth5 eth8-eth12\n");
	assert_int_equal(c.net[0].ports, 0x1f2e);
	prints("network a nat\n  ports eth0-eth47\n",
	       "hostname unigate\nnetwork a nat\n  ports eth0-eth47\n");
	assert_int_equal(c.net[0].ports, 0xffffffffffffull);
	/* Across bit 32 of the mask, and the last port alone. */
	prints("network b nat\n  ports eth47 eth30-eth33 eth40\n",
	       "hostname unigate\nnetwork b nat\n  ports eth30-eth33 eth40 eth47\n");
	assert_true(c.net[0].ports == (0xfull << 30 | 1ull << 40 | 1ull << 47));
	prints("network a nat\n  ports eth4-eth4 eth6-eth7\n",
	       "hostname unigate\nnetwork a nat\n  ports eth4 eth6 eth7\n");
	/* Typing ports again lists them all: eth1 leaves. */
	ok("network a nat\n  ports eth1 eth2\n  ports eth2 eth3\n");
	assert_int_equal(c.net[0].ports, 0xc);
	ok("network a nat\n  ports eth1-eth5\n  no ports eth2 eth4\n");
	assert_int_equal(c.net[0].ports, 0x2a);
	ok("network a nat\n  ports eth1-eth5\n  no ports\n");
	assert_int_equal(c.net[0].ports, 0);
	/* A port moves: out of one network, then into another. */
	ok("network a nat\n  ports eth1 eth2\nnetwork b hostonly\nnetwork a\n  ports eth1\n"
	   "network b\n  ports eth2\n");
	assert_int_equal(c.net[0].ports, 0x2);
	assert_int_equal(c.net[1].ports, 0x4);
	/* A bridged network lists guest ports only; the uplink is implied. */
	ok("uplink eth0 dhcp\nnetwork br bridged\n  ports eth1\n");
}

/* 802.1Q tags and VXLAN: statements, their printed form, and what a
 * change marks for the binding to redo. */
static void test_vlan_vxlan(void **state)
{
	static struct cfg old;
	struct cfg_diff df;

	(void)state;
	prints("uplink eth0 address 10.88.0.2/24\n"
	       "network a nat\n  ports eth1\n  vlan 10\n  tagged eth3 eth2\n  address 10.0.0.1/24\n"
	       "  vxlan 5000 remote 10.88.0.1 192.0.2.7\n  vxlan port 8472\n"
	       "network b hostonly\n  vlan 4094\n  tagged eth2-eth4\n"
	       "network br bridged\n  ports eth5\n  vlan 30\n",
	       "hostname unigate\nuplink eth0 address 10.88.0.2/24\n"
	       "network a nat\n  ports eth1\n  vlan 10\n  tagged eth2 eth3\n"
	       "  vxlan port 8472\n  vxlan 5000 remote 10.88.0.1 192.0.2.7\n"
	       "  address 10.0.0.1/24\n"
	       "network b hostonly\n  vlan 4094\n  tagged eth2-eth4\n"
	       "network br bridged\n  ports eth5\n  vlan 30\n");
	/* config.h spells these as numbers; the modules own them. */
	assert_int_equal(CFG_VXLAN_PORT_DEFAULT, VXLAN_PORT_DEFAULT);
	assert_int_equal(CFG_REMOTES_MAX, OVERLAY_REMOTES_MAX);
	assert_int_equal(c.net[0].vlan, 10);
	assert_int_equal(c.net[0].tagged, 0xc);
	assert_int_equal(c.net[0].vni, 5000);
	assert_int_equal(c.net[0].nremotes, 2);
	assert_int_equal(c.net[0].remote[1], 0xc0000207);
	assert_int_equal(c.net[0].vxlan_port, 8472);
	/* The same port carries a tagged in two networks; a plain segment. */
	assert_int_equal(c.net[1].tagged & c.net[0].tagged, 0xc);
	assert_int_equal(c.net[2].vlan, 30);
	/* Lists replace; no forms remove; the default port is not printed. */
	ok("network a nat\n  vlan 7\n  tagged eth1 eth2\n  tagged eth3\n"
	   "  vxlan 1 remote 10.0.0.9 10.0.0.8\n  vxlan 2 remote 10.0.0.7\n");
	assert_int_equal(c.net[0].tagged, 0x8);
	assert_int_equal(c.net[0].vni, 2);
	assert_int_equal(c.net[0].nremotes, 1);
	assert_int_equal(c.net[0].vxlan_port, CFG_VXLAN_PORT_DEFAULT);
	old = c;
	ok("network a nat\n  vlan 7\n  tagged eth1-eth3\n  no tagged eth2\n");
	assert_int_equal(c.net[0].tagged, 0xa);
	ok("network a nat\n  vlan 7\n  tagged eth1 eth3\n  no tagged\n  no vlan\n"
	   "  vxlan 9 remote 10.0.0.9\n  vxlan port 99\n  no vxlan port\n  no vxlan\n");
	assert_string_equal(written(&c), "hostname unigate\nnetwork a nat\n");
	/* Turning a port from tagged to untagged: no tagged first, then ports. */
	ok("network a nat\n  vlan 7\n  tagged eth1\n  no tagged eth1\n  ports eth1\n");
	/* Two networks may use one VNI on different UDP ports, however it was
	 * typed: the port prints first (fuzz_config found it printed after). */
	prints("network a nat\n  vxlan 5 remote 10.0.0.9\nnetwork b nat\n  vxlan port 4790\n"
	       "  vxlan 5 remote 10.0.0.9\n",
	       "hostname unigate\nnetwork a nat\n  vxlan 5 remote 10.0.0.9\nnetwork b nat\n"
	       "  vxlan port 4790\n  vxlan 5 remote 10.0.0.9\n");
	prints("network b nat\n  vxlan 5 remote 10.0.0.9\n  vxlan port 4790\nnetwork a nat\n"
	       "  vxlan 5 remote 10.0.0.9\n",
	       "hostname unigate\nnetwork b nat\n  vxlan port 4790\n  vxlan 5 remote 10.0.0.9\n"
	       "network a nat\n  vxlan 5 remote 10.0.0.9\n");
	/* cfg_diff marks what the binding must redo. */
	ok("network a nat\n  vlan 7\n  tagged eth1\n  vxlan 1 remote 10.0.0.9\n");
	old = c;
	ok("network a nat\n  vlan 7\n  tagged eth1 eth2\n  vxlan 1 remote 10.0.0.9\n");
	cfg_diff(&old, &c, &df);
	assert_int_equal(df.net_changed[0], CFG_CH_VLAN);
	assert_false(cfg_equal(&old, &c));
	ok("network a nat\n  vlan 7\n  tagged eth1\n  vxlan 1 remote 10.0.0.8\n");
	cfg_diff(&old, &c, &df);
	assert_int_equal(df.net_changed[0], CFG_CH_VXLAN);
	assert_false(cfg_equal(&old, &c));
}

static void test_address(void **state)
{
	(void)state;
	prints("network a hostonly\n  address 192.168.56.1\n",
	       "hostname unigate\nnetwork a hostonly\n  address 192.168.56.1/24\n");
	prints("network a nat\n  address 10.1.2.3/8\n",
	       "hostname unigate\nnetwork a nat\n  address 10.1.2.3/8\n");
	prints("network a nat\n  address 10.0.0.1/30\n",
	       "hostname unigate\nnetwork a nat\n  address 10.0.0.1/30\n");
	ok("network a nat\n  address 10.0.0.1/24\n  address 10.0.1.1/24\n");
	assert_int_equal(c.net[0].addr, 0x0a000101);
	ok("network a nat\n  address 10.0.0.1/24\n  no address\n");
	assert_int_equal(c.net[0].prefix, 0);
	assert_int_equal(c.net[0].addr, 0);
	ok("network a nat\n  address 10.0.0.1/24\n  no address 10.0.0.1/24\n");
	assert_int_equal(c.net[0].prefix, 0);
}

static void test_domain(void **state)
{
	(void)state;
	prints("network a nat\n  domain lab.example\n",
	       "hostname unigate\nnetwork a nat\n  domain lab.example\n");
	assert_string_equal(c.net[0].domain, "lab.example");
	prints("network a nat\n  domain localdomain\n", "hostname unigate\nnetwork a nat\n");
	ok("network a nat\n  domain x-1.y2.z\n  no domain\n");
	assert_string_equal(c.net[0].domain, "localdomain");
	ok("network a nat\n  domain x\n  no domain x\n");
	assert_string_equal(c.net[0].domain, "localdomain");
}

static void test_dhcp_range(void **state)
{
	(void)state;
	prints("network a nat\n  address 10.0.0.1/24\n  dhcp range 10.0.0.2 10.0.0.254 lease 1d\n",
	       "hostname unigate\nnetwork a nat\n  address 10.0.0.1/24\n"
	       "  dhcp range 10.0.0.2 10.0.0.254 lease 1d\n");
	assert_int_equal(c.net[0].lease_s, 86400);
	prints("network a nat\n  address 10.0.0.1/24\n  dhcp range 10.0.0.9 10.0.0.9 lease 90\n",
	       "hostname unigate\nnetwork a nat\n  address 10.0.0.1/24\n"
	       "  dhcp range 10.0.0.9 10.0.0.9 lease 90s\n");
	ok("network a nat\n  address 10.0.0.1/24\n  dhcp range 10.0.0.2 10.0.0.3\n"
	   "  dhcp range 10.0.0.100 10.0.0.200 lease 1h\n");
	assert_int_equal(c.net[0].range_start, 0x0a000064);
	assert_int_equal(c.net[0].lease_s, 3600);
	ok("network a nat\n  address 10.0.0.1/24\n  dhcp range 10.0.0.2 10.0.0.3\n"
	   "  no dhcp range\n");
	assert_false(c.net[0].dhcp);
	assert_int_equal(c.net[0].lease_s, 0);
	ok("network a nat\n  address 10.0.0.1/24\n  dhcp range 10.0.0.2 10.0.0.3\n"
	   "  no dhcp range 10.0.0.2 10.0.0.3 lease 30m\n");
	assert_false(c.net[0].dhcp);
}

static void test_dhcp_host(void **state)
{
	(void)state;
	prints("network a nat\n  address 10.0.0.1/24\n"
	       "  dhcp host web1 00-0C-29-AA-BB-CC 10.0.0.10\n"
	       "  dhcp host db 00:0c:29:aa:bb:cd 10.0.0.11\n",
	       "hostname unigate\nnetwork a nat\n  address 10.0.0.1/24\n"
	       "  dhcp host web1 00:0c:29:aa:bb:cc 10.0.0.10\n"
	       "  dhcp host db 00:0c:29:aa:bb:cd 10.0.0.11\n");
	/* The same name again replaces the host where it stands. */
	ok("network a nat\n  address 10.0.0.1/24\n"
	   "  dhcp host web1 00:0c:29:aa:bb:cc 10.0.0.10\n"
	   "  dhcp host db 00:0c:29:aa:bb:cd 10.0.0.11\n"
	   "  dhcp host web1 00:0c:29:aa:bb:ce 10.0.0.12\n");
	assert_int_equal(c.net[0].nhosts, 2);
	assert_string_equal(c.net[0].host[0].name, "web1");
	assert_int_equal(c.net[0].host[0].mac[5], 0xce);
	assert_int_equal(c.net[0].host[0].ip, 0x0a00000c);
	ok("network a nat\n  address 10.0.0.1/24\n"
	   "  dhcp host web1 00:0c:29:aa:bb:cc 10.0.0.10\n"
	   "  dhcp host db 00:0c:29:aa:bb:cd 10.0.0.11\n"
	   "  no dhcp host web1\n");
	assert_int_equal(c.net[0].nhosts, 1);
	assert_string_equal(c.net[0].host[0].name, "db");
	ok("network a nat\n  address 10.0.0.1/24\n"
	   "  dhcp host web1 00:0c:29:aa:bb:cc 10.0.0.10\n"
	   "  no dhcp host web1 00:0c:29:aa:bb:cc 10.0.0.10\n");
	assert_int_equal(c.net[0].nhosts, 0);
	/* A host outside the range, or inside it, is fine; a hostonly network too. */
	ok("network a hostonly\n  address 10.0.0.1/24\n  dhcp range 10.0.0.100 10.0.0.200\n"
	   "  dhcp host x 02:00:00:00:00:01 10.0.0.150\n"
	   "  dhcp host y 02:00:00:00:00:02 10.0.0.5\n");
	/* Reservations without a range are allowed (DHCP serves only them). */
	ok("network a nat\n  address 10.0.0.1/24\n  dhcp host x 02:00:00:00:00:01 10.0.0.2\n");
	/* The same MAC in two networks is allowed. */
	ok("network a nat\n  address 10.0.0.1/24\n  dhcp host x 02:00:00:00:00:01 10.0.0.2\n"
	   "network b nat\n  address 10.0.1.1/24\n  dhcp host x 02:00:00:00:00:01 10.0.1.2\n");
}

static void test_forward(void **state)
{
	(void)state;
	prints("network a nat\n  address 10.0.0.1/24\n  forward tcp 8080 10.0.0.10 80\n"
	       "  forward udp 5353 10.0.0.10\n  forward tcp 22 10.0.0.11 22\n",
	       "hostname unigate\nnetwork a nat\n  address 10.0.0.1/24\n"
	       "  forward tcp 8080 10.0.0.10 80\n  forward udp 5353 10.0.0.10 5353\n"
	       "  forward tcp 22 10.0.0.11 22\n");
	assert_int_equal(c.net[0].forward[1].proto, CFG_UDP);
	assert_int_equal(c.net[0].forward[1].inside_port, 5353);
	/* TCP and UDP ports are separate. */
	ok("network a nat\n  address 10.0.0.1/24\n  forward tcp 53 10.0.0.10\n"
	   "  forward udp 53 10.0.0.10\n");
	/* The same key again replaces the target. */
	ok("network a nat\n  address 10.0.0.1/24\n  forward tcp 80 10.0.0.10\n"
	   "  forward tcp 443 10.0.0.10\n  forward tcp 80 10.0.0.11 8080\n");
	assert_int_equal(c.net[0].nforwards, 2);
	assert_int_equal(c.net[0].forward[0].inside_ip, 0x0a00000b);
	assert_int_equal(c.net[0].forward[0].inside_port, 8080);
	ok("network a nat\n  address 10.0.0.1/24\n  forward tcp 80 10.0.0.10\n"
	   "  forward tcp 443 10.0.0.10\n  no forward tcp 80\n");
	assert_int_equal(c.net[0].nforwards, 1);
	assert_int_equal(c.net[0].forward[0].outside_port, 443);
	ok("network a nat\n  address 10.0.0.1/24\n  forward tcp 80 10.0.0.10 8000\n"
	   "  no forward tcp 80 10.0.0.10 8000\n  forward udp 1 10.0.0.2 65535\n"
	   "  no forward udp 1 10.0.0.2\n");
	assert_int_equal(c.net[0].nforwards, 0);
}

static void test_file_syntax(void **state)
{
	(void)state;
	/* Tabs, comments after words and inside blocks, CRLF, blank lines in a block. */
	ok("# header\r\n"
	   "network a nat # a comment\r\n"
	   "\taddress 10.0.0.1/24\r\n"
	   "\r\n"
	   "    # an indented comment\n"
	   "\t  dhcp range 10.0.0.100\t10.0.0.200   lease 30m   \n"
	   "\n"
	   "  ports eth1#no space before the comment\n"
	   "hostname x");
	assert_int_equal(c.net[0].ports, 0x2);
	assert_true(c.net[0].dhcp);
	assert_string_equal(c.hostname, "x");
	/* An indented top-level statement outside any block is fine. */
	ok("  hostname y\n");
	/* exit closes a block in a file too, at any indentation. */
	ok("network a nat\n  exit\nhostname z\nnetwork b nat\nexit\n");
	/* A top-level statement closes the block, then another opens. */
	ok("network a nat\nhostname q\nnetwork b nat\n  ports eth1\n");
	assert_int_equal(c.net[1].ports, 0x2);
	assert_int_equal(c.net[0].ports, 0);
}

/* config/words.c spells the quotas' defaults and ceilings as numbers (the
 * parser stays free of the modules): they must be the modules' own. */
static void test_quota_defaults_match_modules(void **state)
{
	static const enum nat_quota nat_q[] = {NAT_Q_HOST_SESSIONS, NAT_Q_FORWARD_RATE,
					       NAT_Q_FRAG_PER_MAP, NAT_Q_ICMP_ERR_RATE};

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cfg_quota_default[i], nat_quota_default(nat_q[i]));
		assert_int_equal(cfg_quota_max[i], nat_quota_max(nat_q[i]));
		assert_string_equal(cfg_quota_names[i], nat_quota_name(nat_q[i]));
	}
	assert_int_equal(cfg_quota_default[CFG_Q_DNS_QUERIES], DNS_FWD_PER_CLIENT);
	assert_int_equal(cfg_quota_default[CFG_Q_PORT_MACS], FDB_PORT_LIMIT_DEFAULT);
	assert_int_equal(cfg_quota_max[CFG_Q_PORT_MACS], FDB_CAPACITY_MAX);
	assert_int_equal(cfg_quota_default[CFG_Q_DHCP_LEASES], DHCPD_PORT_LEASES_DEFAULT);
	assert_int_equal(cfg_quota_max[CFG_Q_DHCP_LEASES], DHCPD_LEASES_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_brief_example),
		cmocka_unit_test(test_default_conf),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_uplink),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_nat_and_mac),
		cmocka_unit_test(test_network_modes),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_dhcp_range),
		cmocka_unit_test(test_dhcp_host),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_file_syntax),
		cmocka_unit_test(test_quota_defaults_match_modules),
		cmocka_unit_test(test_vlan_vxlan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
