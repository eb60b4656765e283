/*
 * Unit tests for config/ at the console and across configs: the block
 * state (network opens, exit and top-level statements close, indentation
 * ignored), all-or-nothing per line, the console's error report; the round
 * trip parse -> write -> parse -> equal -> same bytes, on small and largest
 * configs, by file and line by line; equality and the diff for the binding.
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

static struct cfg c, d, before;
static struct cfg_ctx ctx;
static struct cfg_error e;
static char out_text[1 << 20];
static size_t out_len;

static void cap(void *cx, const char *s, size_t n)
{
	(void)cx;
	assert_true(out_len + n < sizeof(out_text));
	memcpy(out_text + out_len, s, n);
	out_len += n;
	out_text[out_len] = '\0';
}

static struct cli_out out = {cap, NULL};

/* Applies console line (line) to c, which must work. */
static void type(const char *line)
{
	int rc = cfg_apply_line(&c, &ctx, line, &e);

	if (rc != 0)
		fail_msg("'%s': rc %d column %u: %s", line, rc, e.column, e.msg);
}

/* Applies (line), which must fail with (rc) at (column), changing neither c nor ctx. */
static void type_bad(const char *line, int rc, unsigned column, const char *msg)
{
	struct cfg_ctx ctx_before = ctx;

	memcpy(&before, &c, sizeof(c));
	assert_int_equal(cfg_apply_line(&c, &ctx, line, &e), rc);
	assert_int_equal(e.line, 0);
	assert_int_equal(e.column, column);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", line, e.msg, msg);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_memory_equal(&ctx, &ctx_before, sizeof(ctx));
}

static void fresh(void)
{
	cfg_init(&c);
	cfg_ctx_init(&ctx);
}

static void test_block(void **state)
{
	(void)state;
	fresh();
	assert_string_equal(ctx.block, "");
	type("network vmnet8 nat");
	assert_string_equal(ctx.block, "vmnet8");
	type("ports eth1 eth2");
	type("address 192.168.99.2/24");
	type("");
	type("   # a comment keeps the block open");
	assert_string_equal(ctx.block, "vmnet8");
	type("dhcp range 192.168.99.128 192.168.99.254");
	assert_int_equal(c.net[0].ports, 0x6);
	assert_true(c.net[0].dhcp);
	/* A top-level statement closes the block first. */
	type("hostname gw");
	assert_string_equal(ctx.block, "");
	type_bad("ports eth3", -EINVAL, 1, "open one with 'network NAME'");
	/* Reopening an existing network needs no mode. */
	type("network vmnet8");
	assert_string_equal(ctx.block, "vmnet8");
	type("no ports eth2");
	assert_int_equal(c.net[0].ports, 0x2);
	type("exit");
	assert_string_equal(ctx.block, "");
	type("exit"); /* nothing open: nothing to do */
	/* Another network's statement switches the block. */
	type("network vmnet1 hostonly");
	type("network vmnet8");
	type("network vmnet1");
	type("ports eth2");
	assert_int_equal(c.net[1].ports, 0x4);
	/* Removing the open network closes its block, like any top-level statement. */
	type("no network vmnet1");
	assert_string_equal(ctx.block, "");
	assert_int_equal(c.nnets, 1);
}

static void test_indentation_ignored(void **state)
{
	(void)state;
	fresh();
	type("network a nat");
	type("address 10.0.0.1/24"); /* unindented: still the block's */
	type("    hostname x");	     /* indented: still top-level, closes */
	assert_string_equal(ctx.block, "");
	type("network a");
	type("\tdhcp range 10.0.0.2 10.0.0.9\r\n");
	assert_true(c.net[0].dhcp);
	type("  exit");
	assert_string_equal(ctx.block, "");
}

static void test_errors_change_nothing(void **state)
{
	(void)state;
	fresh();
	type("uplink eth0 dhcp");
	type("network a nat");
	type("address 10.0.0.1/24");
	/* A bad line keeps the block open and the config as it was. */
	type_bad("network B nat", -EINVAL, 9, "a network name may hold only");
	assert_string_equal(ctx.block, "a");
	type_bad("ports eth0", -EBUSY, 7, "eth0 is the uplink");
	type_bad("dhcp range 10.0.1.2 10.0.1.9", -EINVAL, 1, "is not inside 10.0.0.0/24");
	type_bad("no network b", -ENOENT, 12, "there is no network b");
	type_bad("  no   forward tcp 80", -ENOENT, 20, "network a forwards no tcp port 80");
	type_bad("network b", -ENOENT, 10, "give a mode");
	/* Two statements in one line: the second is only unexpected words. */
	type_bad("hostname a\nhostname b", -EINVAL, 12, "unexpected 'hostname'");
	type("forward tcp 80 10.0.0.2");
	assert_int_equal(c.net[0].nforwards, 1);
	/* A statement that fails after changing the scratch copy leaves nothing behind. */
	type_bad("network a hostonly", -EINVAL, 1, "forwards need a nat network");
	assert_int_equal(c.net[0].mode, CFG_NAT);
}

/* At the console one `ports` statement moves a port between networks, and
 * says so; in a file the same is an error (test_config_errors.c). */
static void test_ports_move(void **state)
{
	(void)state;
	fresh();
	type("network blue nat");
	type("ports eth1 eth2 eth3");
	type("network green hostonly");
	type("ports eth4");
	type("network red nat");
	type("ports eth1");
	assert_string_equal(e.msg, "eth1 moved from network blue");
	assert_int_equal(c.net[0].ports, 0xc);
	assert_int_equal(c.net[2].ports, 0x2);
	type("ports eth1 eth3-eth4 eth5");
	assert_string_equal(e.msg, "eth3 moved from network blue; eth4 moved from network green");
	assert_int_equal(c.net[0].ports, 0x4);
	assert_int_equal(c.net[1].ports, 0);
	assert_int_equal(c.net[2].ports, 0x3a);
	/* Nothing moved, nothing said. */
	type("ports eth1 eth3-eth5");
	assert_string_equal(e.msg, "");
	type("no ports eth5");
	assert_string_equal(e.msg, "");
	assert_int_equal(cfg_validate(&c, &e), 0);
}

/* guard learn (default, not printed), guard strict, no guard: typed,
 * printed and read back. */
static void test_guard_statement(void **state)
{
	static const char text[] = "network a nat\n  address 10.0.0.1/24\n  guard strict\n"
				   "network b hostonly\n  address 10.0.1.1/24\n  no guard\n";
	struct cfg_error err;

	(void)state;
	fresh();
	type("network a nat");
	type("address 10.0.0.1/24");
	assert_int_equal(c.net[0].guard, CFG_GUARD_LEARN);
	type("guard strict");
	assert_int_equal(c.net[0].guard, CFG_GUARD_STRICT);
	type_bad("guard loose", -EINVAL, 7, "expected learn or strict");
	type_bad("no guard strict", -EINVAL, 10, "unexpected 'strict'");
	type("network b hostonly");
	type("address 10.0.1.1/24");
	type("no guard");
	assert_int_equal(c.net[1].guard, CFG_GUARD_OFF);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_non_null(strstr(out_text, "  address 10.0.0.1/24\n  guard strict\n"));
	assert_non_null(strstr(out_text, "  address 10.0.1.1/24\n  no guard\n"));
	assert_int_equal(cfg_parse(&d, out_text, out_len, &err), 0);
	assert_true(cfg_equal(&c, &d));
	assert_int_equal(cfg_parse(&d, text, strlen(text), &err), 0);
	assert_true(cfg_equal(&c, &d));
	type("guard learn");
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_null(strstr(out_text, "  no guard"));
	/* A bridged network's addresses belong to the outside. */
	type("network v bridged");
	type_bad("guard strict", -EINVAL, 1, "has no guard");
}

/* storm control N|off, no storm control: typed, printed, read back. */
static void test_storm_statement(void **state)
{
	(void)state;
	fresh();
	assert_int_equal(c.storm_pps, CFG_STORM_DEFAULT);
	type("storm control 5000");
	assert_int_equal(c.storm_pps, 5000);
	type_bad("storm control 5", -ERANGE, 15, "");
	type_bad("storm control lots", -EINVAL, 15, "");
	type_bad("storm surge", -EINVAL, 7, "'control'");
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_non_null(strstr(out_text, "storm control 5000\n"));
	type("storm control off");
	assert_int_equal(c.storm_pps, 0);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_non_null(strstr(out_text, "storm control off\n"));
	assert_int_equal(cfg_parse(&d, out_text, out_len, NULL), 0);
	assert_true(cfg_equal(&c, &d));
	type("no storm control");
	assert_int_equal(c.storm_pps, CFG_STORM_DEFAULT);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_null(strstr(out_text, "storm"));
}

/* quota NAME N|off, no quota NAME [N]: typed, ranged, printed, read back,
 * and a change of dhcp-leases redoes every network's DHCP. */
static void test_quota_statement(void **state)
{
	struct cfg_diff diff;

	(void)state;
	fresh();
	for (int q = 0; q < CFG_QUOTAS; q++)
		assert_int_equal(c.quota[q], cfg_quota_default[q]);
	type("network a nat");
	type("quota host-sessions 100");
	assert_int_equal(c.quota[CFG_Q_HOST_SESSIONS], 100);
	assert_string_equal(ctx.block, ""); /* a top-level statement closes the block */
	type("quota port-macs off");
	assert_int_equal(c.quota[CFG_Q_PORT_MACS], 0);
	type_bad("quota fragments 257", -ERANGE, 17, "");
	type_bad("quota fragments 0", -ERANGE, 17, "");
	type_bad("quota fragments many", -EINVAL, 17, "");
	type_bad("quota sessions 5", -EINVAL, 7, "dhcp-leases");
	type_bad("quota icmp-errors", -EINVAL, 18, "");
	type_bad("quota icmp-errors 5 6", -EINVAL, 21, "");
	type_bad("no quota host-sessions 99", -ENOENT, 24, "not what is configured");
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_non_null(strstr(out_text, "quota host-sessions 100\n"));
	assert_non_null(strstr(out_text, "quota port-macs off\n"));
	assert_null(strstr(out_text, "quota dns-queries"));
	assert_int_equal(cfg_parse(&d, out_text, out_len, NULL), 0);
	assert_true(cfg_equal(&c, &d));
	type("no quota host-sessions 100");
	assert_int_equal(c.quota[CFG_Q_HOST_SESSIONS], cfg_quota_default[CFG_Q_HOST_SESSIONS]);
	type("no quota port-macs");
	assert_int_equal(c.quota[CFG_Q_PORT_MACS], cfg_quota_default[CFG_Q_PORT_MACS]);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_null(strstr(out_text, "quota"));
	d = c;
	type("quota dhcp-leases 4");
	assert_false(cfg_equal(&c, &d));
	cfg_diff(&d, &c, &diff);
	assert_true(diff.quota);
	assert_true(diff.net_changed[0] & CFG_CH_DHCP);
	d = c;
	type("quota dns-queries 2");
	cfg_diff(&d, &c, &diff);
	assert_true(diff.quota);
	assert_int_equal(diff.net_changed[0], 0);
}

/* forward dns / no forward dns: explicit, printed, read back; bridged
 * networks have none. */
static void test_forward_dns(void **state)
{
	(void)state;
	fresh();
	type("network a hostonly");
	type("address 10.0.0.1/24");
	assert_int_equal(c.net[0].dns_mode, CFG_DNS_DEFAULT);
	type("forward dns");
	assert_int_equal(c.net[0].dns_mode, CFG_DNS_FORWARD);
	type_bad("forward dns now", -EINVAL, 13, "unexpected 'now'");
	type("network b nat");
	type("address 10.0.1.1/24");
	type("no forward dns");
	assert_int_equal(c.net[1].dns_mode, CFG_DNS_LOCAL);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	assert_non_null(strstr(out_text, "  address 10.0.0.1/24\n  forward dns\n"));
	assert_non_null(strstr(out_text, "  address 10.0.1.1/24\n  no forward dns\n"));
	assert_int_equal(cfg_parse(&d, out_text, out_len, NULL), 0);
	assert_true(cfg_equal(&c, &d));
	type("network v bridged");
	type_bad("forward dns", -EINVAL, 1, "no DNS of its own");
}

static void test_vanished_block(void **state)
{
	(void)state;
	fresh();
	type("network a nat");
	/* The config is replaced under the console (a file loaded): a is gone. */
	cfg_init(&c);
	type_bad("ports eth1", -ENOENT, 1, "network a no longer exists");
	type("hostname x");
	assert_string_equal(ctx.block, "");
}

static void test_console_error_print(void **state)
{
	(void)state;
	fresh();
	assert_int_equal(
		cfg_apply_line(&c, &ctx, "uplink eth0 address 10.0.0.2/24 gatway 10.0.0.1", &e),
		-EINVAL);
	out_len = 0;
	cfg_error_print(&e, &out);
	assert_string_equal(out_text, "% column 33: expected 'gateway'\n"
				      "  uplink eth0 address 10.0.0.2/24 gatway 10.0.0.1\n"
				      "                                  ^\n");
	assert_int_equal(cfg_apply_line(&c, &ctx, "ports eth1", NULL), -EINVAL);
}

static void test_is_statement(void **state)
{
	static const char *const yes[] = {"hostname x", "  network a", "no network a", "exit",
					  "ports",	"dhcp range",  "forward",      "address",
					  "domain",	"uplink",      "dns",	       "nat",
					  "mac#c",	"\tno"};
	static const char *const no[] = {"show running-config",
					 "",
					 "  ",
					 "# network a",
					 "help",
					 "host",
					 "networks",
					 "noo",
					 "halt"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(cfg_is_statement(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(cfg_is_statement(no[i]));
}

/*
 * The round trip of (text): parse, write, parse again to an equal config
 * that writes the same bytes; the written text typed line by line at the
 * console builds an equal config too.
 */
static void round_trip(const char *text)
{
	static char first[1 << 20];
	const char *p;
	int rc;

	rc = cfg_parse(&c, text, strlen(text), &e);
	if (rc != 0)
		fail_msg("line %u column %u: %s\n  %s", e.line, e.column, e.msg, e.text);
	assert_int_equal(cfg_validate(&c, &e), 0);
	out_len = 0;
	assert_int_equal(cfg_write(&c, &out), 0);
	memcpy(first, out_text, out_len + 1);
	assert_int_equal(cfg_parse(&d, first, strlen(first), &e), 0);
	assert_true(cfg_equal(&c, &d));
	out_len = 0;
	assert_int_equal(cfg_write(&d, &out), 0);
	assert_string_equal(out_text, first);
	cfg_init(&d);
	cfg_ctx_init(&ctx);
	for (p = first; *p != '\0';) {
		char line[256];
		size_t n = strcspn(p, "\n");

		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		assert_int_equal(cfg_apply_line(&d, &ctx, line, &e), 0);
		p += n + (p[n] == '\n');
	}
	assert_true(cfg_equal(&c, &d));
}

static void test_round_trips(void **state)
{
	static char text[1 << 18];
	FILE *f;
	size_t len;
	int i, k;

	(void)state;
	round_trip("");
	round_trip("hostname unigate\nuplink eth0 dhcp\ndns upstream 10.88.0.1\n"
		   "network vmnet8 nat\n  ports eth1 eth2\n  address 192.168.99.2/24\n"
		   "  dhcp range 192.168.99.128 192.168.99.254 lease 30m\n"
		   "  dhcp host web1 00:0c:29:aa:bb:cc 192.168.99.10\n"
		   "  forward tcp 8080 192.168.99.10 80\n"
		   "network vmnet1 hostonly\n  ports eth3\n  address 192.168.56.1/24\n"
		   "  dhcp range 192.168.56.100 192.168.56.200\n"
		   "network vmnet0 bridged\n  ports eth4\n");
	round_trip("uplink eth5 address 10.88.0.2/24 gateway 10.88.0.1\n"
		   "nat timeout tcp 3h\nmac aging 45s\nmac table 100\n"
		   "network x nat\n  domain corp.example\n  ports eth0-eth4 eth6 eth8 eth9\n"
		   "network y hostonly\n  ports eth31\n  address 10.9.9.9/30\n");
	f = fopen("config/default.conf", "r");
	assert_non_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	round_trip(text);
	/* The largest config: every limit reached. */
	len = (size_t)sprintf(text, "hostname abcdefghijklmnopqrstuvwxyz01234\n"
				    "uplink eth31 address 100.64.0.2/10 gateway 100.64.0.1\n"
				    "dns upstream 1.1.1.1 1.0.0.1 9.9.9.9 8.8.8.8\n"
				    "nat timeout udp 7d\nnat timeout tcp 7d\n"
				    "nat timeout tcp-transitory 7d\nnat timeout icmp 7d\n"
				    "nat sessions 262144\nmac aging 1000000\nmac table 65536\n");
	for (i = 0; i < 31; i++) {
		len += (size_t)sprintf(text + len,
				       "network net-%02d-abcdefg nat\n  ports eth%d\n"
				       "  address 10.%d.0.1/16\n  domain d%d.example\n"
				       "  dhcp range 10.%d.1.0 10.%d.255.254 lease 365d\n",
				       i, i, i, i, i, i);
		for (k = 0; k < 64; k++)
			len += (size_t)sprintf(text + len,
					       "  dhcp host host-%02d-%02d-abcdefghijklmnopqrst "
					       "02:00:00:00:%02x:%02x 10.%d.0.%d\n"
					       "  forward %s %d 10.%d.0.%d %d\n",
					       i, k, i, k, i, k + 2, k % 2 ? "udp" : "tcp",
					       1024 + i * 64 + k, i, k + 2, 65535 - k);
	}
	len += (size_t)sprintf(text + len, "network br bridged\n");
	assert_true(len < sizeof(text));
	round_trip(text);
	assert_int_equal(c.nnets, 32);
	assert_int_equal(c.net[30].nhosts, 64);
	/* A config changed by removals prints as if typed fresh. */
	round_trip("network a nat\n  ports eth1-eth8\n  address 10.0.0.1/24\n"
		   "  forward tcp 1 10.0.0.2\n  forward tcp 2 10.0.0.3\n  forward tcp 3 10.0.0.4\n"
		   "  no forward tcp 2\n  no ports eth4\nnetwork b nat\nnetwork c nat\n"
		   "no network b\nnetwork b hostonly\n");
	assert_string_equal(out_text, "hostname unigate\nnetwork a nat\n"
				      "  ports eth1-eth3 eth5-eth8\n  address 10.0.0.1/24\n"
				      "  forward tcp 1 10.0.0.2 1\n  forward tcp 3 10.0.0.4 3\n"
				      "network c nat\nnetwork b hostonly\n");
}

/* A file typed at the console line by line gives what parsing it gives. */
static void test_console_equals_file(void **state)
{
	static const char *const lines[] = {
		"hostname unigate",
		"uplink eth0 dhcp                      # or: uplink eth0 address ...",
		"dns upstream 10.88.0.1",
		"",
		"network vmnet8 nat",
		"  ports eth1 eth2",
		"  address 192.168.99.2/24             # the gateway",
		"  dhcp range 192.168.99.128 192.168.99.254 lease 30m",
		"  dhcp host web1 00:0c:29:aa:bb:cc 192.168.99.10",
		"  forward tcp 8080 192.168.99.10 80   # uplink:8080 -> web1:80",
		"network vmnet1 hostonly",
		"  ports eth3",
		"  address 192.168.56.1/24",
		"  dhcp range 192.168.56.100 192.168.56.200",
		"network vmnet0 bridged",
		"  ports eth4",
	};
	static char text[2048];
	size_t i, len = 0;

	(void)state;
	fresh();
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		type(lines[i]);
		len += (size_t)sprintf(text + len, "%s\n", lines[i]);
	}
	assert_int_equal(cfg_parse(&d, text, len, &e), 0);
	assert_true(cfg_equal(&c, &d));
	assert_string_equal(ctx.block, "vmnet0");
}

static void test_equal(void **state)
{
	static const char *const variants[] = {
		"hostname y\n",
		"uplink eth1 dhcp\n",
		"dns upstream 1.1.1.2\n",
		"nat timeout icmp 61s\n",
		"mac table 17\n",
		"network a hostonly\n",
		"network a nat\n  ports eth2\n",
		"network a nat\n  address 10.0.0.1/24\n  forward tcp 1 10.0.0.3\n",
		"network a nat\n  address 10.0.0.1/24\n  forward tcp 1 10.0.0.2 2\n",
		"network a nat\n  address 10.0.0.1/24\n  dhcp host h 02:00:00:00:00:02 10.0.0.2\n",
		"network a nat\n  domain x\n",
		"network a nat\nnetwork b nat\n",
		"network b nat\n",
	};
	static const char base[] = "network a nat\n";
	size_t i;

	(void)state;
	assert_int_equal(cfg_parse(&c, base, strlen(base), &e), 0);
	assert_true(cfg_equal(&c, &c));
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		assert_int_equal(cfg_parse(&d, variants[i], strlen(variants[i]), &e), 0);
		if (cfg_equal(&c, &d))
			fail_msg("equal to '%s'", variants[i]);
	}
	/* Order matters: it is what show running-config prints. */
	assert_int_equal(cfg_parse(&c, "network a nat\nnetwork b nat\n", 28, &e), 0);
	assert_int_equal(cfg_parse(&d, "network b nat\nnetwork a nat\n", 28, &e), 0);
	assert_false(cfg_equal(&c, &d));
}

static void test_diff(void **state)
{
	static const char old_text[] = "uplink eth0 dhcp\n"
				       "network a nat\n  ports eth1 eth2\n  address 10.0.0.1/24\n"
				       "network b hostonly\n  ports eth3\n"
				       "network c nat\n  ports eth4\n";
	static const char new_text[] = "uplink eth5 dhcp\ndns upstream 1.1.1.1\nmac aging 1m\n"
				       "network c nat\n  ports eth4\n"
				       "network a nat\n  ports eth1\n  address 10.0.0.1/24\n"
				       "  dhcp range 10.0.0.2 10.0.0.9\n"
				       "network d bridged\n  ports eth2 eth0\n";
	struct cfg_diff df;

	(void)state;
	assert_int_equal(cfg_parse(&c, old_text, strlen(old_text), &e), 0);
	assert_int_equal(cfg_parse(&d, new_text, strlen(new_text), &e), 0);
	cfg_diff(&c, &d, &df);
	assert_int_equal(df.removed, 1u << 1);		  /* old b */
	assert_int_equal(df.added, 1u << 2);		  /* new d */
	assert_int_equal(df.kept, (1u << 0) | (1u << 1)); /* new c, a */
	assert_int_equal(df.net_changed[0], 0);
	assert_int_equal(df.net_changed[1], CFG_CH_PORTS | CFG_CH_DHCP);
	/* eth0 uplink -> d, eth2 a -> d, eth3 b -> none, eth5 none -> uplink. */
	assert_int_equal(df.ports_moved, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5));
	assert_true(df.uplink);
	assert_true(df.dns);
	assert_true(df.mac);
	assert_false(df.nat);
	assert_false(df.hostname);
	/* No change: nothing to do. */
	cfg_diff(&c, &c, &df);
	assert_int_equal(df.added | df.removed | df.ports_moved, 0);
	assert_int_equal(df.kept, 0x7);
	assert_false(df.uplink || df.dns || df.nat || df.mac || df.hostname);
	/* Mode, address and forwards. */
	assert_int_equal(cfg_parse(&c, "network a hostonly\n  address 10.0.0.1/24\n", 41, &e), 0);
	assert_int_equal(cfg_parse(&d,
				   "network a nat\n  address 10.0.0.2/24\n"
				   "  forward tcp 1 10.0.0.3\n",
				   61, &e),
			 0);
	cfg_diff(&c, &d, &df);
	assert_int_equal(df.net_changed[0], CFG_CH_MODE | CFG_CH_ADDRESS | CFG_CH_FORWARDS);
}

/* cfg_validate(), the fuzzer's oracle, catches each rule broken behind the parser's back. */
static void test_validate_oracle(void **state)
{
	static const char text[] = "uplink eth0 dhcp\ndns upstream 1.1.1.1 9.9.9.9\n"
				   "network a nat\n  ports eth1\n  address 10.0.0.1/24\n"
				   "  dhcp range 10.0.0.100 10.0.0.200\n"
				   "  dhcp host h 02:00:00:00:00:01 10.0.0.5\n"
				   "  dhcp host i 02:00:00:00:00:02 10.0.0.6\n"
				   "  forward tcp 80 10.0.0.5\n  forward tcp 81 10.0.0.6\n"
				   "network b hostonly\n  ports eth2\n  address 10.0.1.1/24\n";
	struct cfg_net *a = &d.net[0];
	struct cfg_diff df;
	int i;

	(void)state;
	assert_int_equal(cfg_parse(&c, text, strlen(text), &e), 0);
	assert_int_equal(cfg_validate(&c, NULL), 0);
	for (i = 0; i < 22; i++) {
		memcpy(&d, &c, sizeof(d));
		switch (i) {
		case 0:
			d.nnets = CFG_NETWORKS_MAX + 1;
			break;
		case 1:
			d.ndns = CFG_DNS_MAX + 1;
			break;
		case 2:
			strcpy(d.hostname, "Bad");
			break;
		case 3:
			d.uplink.port = CFG_PORTS_MAX;
			break;
		case 4:
			d.uplink.mode = 7;
			break;
		case 5:
			d.nat_timeout[CFG_NAT_TCP] = 60;
			break;
		case 6:
			d.mac_aging_s = 0;
			break;
		case 7:
			a->nhosts = CFG_HOSTS_MAX + 1;
			break;
		case 8:
			strcpy(a->name, "b");
			break;
		case 9:
			strcpy(a->domain, "a..b");
			break;
		case 10:
			strcpy(a->host[1].name, "-x");
			break;
		case 11:
			a->forward[0].proto = 2;
			break;
		case 12:
			d.net[1].ports = a->ports;
			break;
		case 13:
			a->lease_s = 1;
			break;
		case 14:
			strcpy(a->host[1].name, "h");
			break;
		case 15:
			a->forward[1].inside_port = 0;
			break;
		case 16:
			a->mode = 3;
			break;
		case 17:
			a->forward[1].outside_port = 80;
			break;
		case 18:
			d.dns[1] = d.dns[0];
			break;
		case 19:
			d.net[1].ports |= 1;
			break;
		case 20:
			d.mac_table = 1;
			break;
		case 21:
			d.nat_sessions = 1;
			break;
		}
		if (cfg_validate(&d, &e) == 0)
			fail_msg("corruption %d not caught", i);
		assert_true(e.msg[0] != '\0');
	}
	/* The same number of dns servers, one different. */
	memcpy(&d, &c, sizeof(d));
	d.dns[1] = 0x08080808;
	cfg_diff(&c, &d, &df);
	assert_true(df.dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_indentation_ignored),
		cmocka_unit_test(test_errors_change_nothing),
		cmocka_unit_test(test_ports_move),
		cmocka_unit_test(test_guard_statement),
		cmocka_unit_test(test_storm_statement),
		cmocka_unit_test(test_forward_dns),
		cmocka_unit_test(test_vanished_block),
		cmocka_unit_test(test_console_error_print),
		cmocka_unit_test(test_is_statement),
		cmocka_unit_test(test_quota_statement),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_console_equals_file),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_validate_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
