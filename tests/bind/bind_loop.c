/*
 * Binding tests of loop detection (net/switch/network_loop.c, probes of
 * net/switch/loop.h): every 2 s each open port of a network of two or more
 * ports sends a probe with its own token; a probe of ours that comes back
 * blocks the port it came in on (or, if that is the trusted uplink port,
 * the port it left from) for 60 s: its frames are dropped and counted,
 * nothing is sent out of it, its guard bindings go. A probe that is not
 * ours is forwarded like any frame. The default config on five fake ports:
 *
 *   guests --eth1..eth4-- [vmnet8 192.168.99.2 | NAT | uplink] --eth0--
 *
 * Loops are made by injecting a probe recorded on one port into another,
 * as a guest bridging its two NICs would. The console lines network_loop.c
 * prints go to stdout, which these tests capture (and echo). Run in order:
 * blocks last 60 s of fake time, and tokens are kept across tests.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/netdev.h"
#include "net/switch/loop.h"
#include "tests/bind/bind.h"

#define NPORTS 5
#define P(i)   (1u << (i))

static const uint8_t HOST[NPORTS][6] = {
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x00}, {0x00, 0x0c, 0x29, 0x00, 0x00, 0x01},
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x02}, {0x00, 0x0c, 0x29, 0x00, 0x00, 0x03},
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x04},
};
static const uint8_t GUEST[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x07};

/* The probes of the last probe_round(), per port: how many, the last. */
static int probes[NPORTS];
static uint8_t probe[NPORTS][LOOP_FRAME_LEN];
static uint64_t token[NPORTS];

/* ---- stdout capture: the bindings print their console lines with printf ---- */

static FILE *cap;
static int real_stdout = -1;
static long cap_read;
static char printed_text[1 << 16];

static void capture_start(void)
{
	fflush(stdout);
	cap = tmpfile();
	real_stdout = dup(STDOUT_FILENO);
	if (cap == NULL || real_stdout < 0 || dup2(fileno(cap), STDOUT_FILENO) < 0)
		abort();
}

/* What was printed since the last call (echoed to the real stdout). */
static const char *printed(void)
{
	ssize_t n;

	fflush(stdout);
	n = pread(fileno(cap), printed_text, sizeof(printed_text) - 1, cap_read);
	if (n < 0)
		n = 0;
	printed_text[n] = '\0';
	cap_read += n;
	if (n > 0 && write(real_stdout, printed_text, (size_t)n) != n)
		abort();
	return printed_text;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Gives stdout back, with what is left of the capture. */
static int capture_end(void **state)
{
	(void)state;
	if (cap == NULL)
		return 0;
	printed();
	fflush(stdout);
	dup2(real_stdout, STDOUT_FILENO);
	close(real_stdout);
	fclose(cap);
	cap = NULL;
	return 0;
}

/* ---- helpers ---- */

/* Runs 2 s of fake time, which holds exactly one probe round (every
 * NETWORK_LOOP_PROBE_MS), and records the probes each port sent. */
static void probe_round(void)
{
	fake_tx_clear();
	bind_run(2000);
	for (int i = 0; i < NPORTS; i++) {
		probes[i] = 0;
		for (int k = 0; k < fake_tx_count(i); k++) {
			size_t len;
			const uint8_t *f = fake_tx_frame(i, k, &len);
			uint64_t t;

			if (!loop_parse(f, len, &t))
				continue;
			assert_int_equal(len, LOOP_FRAME_LEN);
			memcpy(probe[i], f, LOOP_FRAME_LEN);
			token[i] = t;
			probes[i]++;
		}
	}
}

/* Sends the 60-byte frame (f) in on (port); returns the ports it came out
 * of, as bits. */
static unsigned send_frame(int port, const uint8_t *f, size_t len)
{
	unsigned out = 0;

	fake_tx_clear();
	fake_rx(port, f, len);
	for (int i = 0; i < NPORTS; i++) {
		for (int k = 0; k < fake_tx_count(i); k++) {
			size_t n;
			const uint8_t *t = fake_tx_frame(i, k, &n);

			if (n == len && memcmp(t, f, len) == 0)
				out |= 1u << i;
		}
	}
	return out;
}

/* A broadcast of a local experimental EtherType from HOST[port] in on
 * (port); returns the ports it came out of. */
static unsigned flood(int port)
{
	uint8_t f[60] = {0};
	static uint8_t seq;

	memcpy(f, MAC_BCAST, 6);
	memcpy(f + 6, HOST[port], 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = (uint8_t)port;
	f[15] = seq++;
	return send_frame(port, f, sizeof(f));
}

static void check_flood(int port, unsigned want)
{
	unsigned got = flood(port);

	if (got != want)
		fail_msg("frame from eth%d came out of ports 0x%x, expected 0x%x; show "
			 "networks:\n%s",
			 port, got, want, bind_cli("show networks"));
}

static void check_ports(const char *want)
{
	const char *nets = bind_cli("show networks");

	if (strstr(nets, want) == NULL)
		fail_msg("show networks lacks '%s':\n%s", want, nets);
}

/* The counters line of loops of network (name): found, dropped. */
static void loop_counters(const char *name, unsigned long long *found, unsigned long long *dropped)
{
	char head[64];
	const char *c = bind_cli("show counters"), *p;

	snprintf(head, sizeof(head), "network %s (", name);
	p = strstr(c, head);
	if (p == NULL || (p = strstr(p, "  loops found ")) == NULL ||
	    sscanf(p, "  loops found %llu; frames dropped on ports blocked for a loop %llu", found,
		   dropped) != 2)
		fail_msg("no loop counters for %s in show counters:\n%s", name, c);
}

static void check_counters(const char *name, unsigned long long found, unsigned long long dropped)
{
	unsigned long long f, d;

	loop_counters(name, &f, &d);
	if (f != found || d != dropped)
		fail_msg("network %s: loops found %llu, dropped %llu; expected %llu, %llu", name, f,
			 d, found, dropped);
}

/* Runs the clock until every block is over. */
static void wait_unblocked(void)
{
	bind_run(61000);
	printed();
}

/* ---- tests ---- */

/* Each open port of vmnet8 sends one probe a round, each with a token of
 * its own; the uplink's network (eth0 alone) sends none, nor does a port
 * whose link is down. */
static void test_probes(void **state)
{
	uint64_t t1;

	(void)state;
	capture_start();
	assert_int_equal(bind_boot(NPORTS), 0);
	check_ports("ports: eth1 eth2 eth3 eth4\n");
	fake_link(4, false);
	bind_run(20);
	check_ports("ports: eth1 eth2 eth3 eth4(down)\n");
	probe_round();
	assert_int_equal(probes[0], 0);
	assert_int_equal(probes[1], 1);
	assert_int_equal(probes[2], 1);
	assert_int_equal(probes[3], 1);
	assert_int_equal(probes[4], 0);
	assert_int_equal(netdev_get(4)->stats.tx_drop_down, 0); /* not even tried */
	for (int i = 1; i <= 3; i++) {
		/* From the port's own MAC, to ECTP's multicast address. */
		uint8_t src[6] = {0x52, 0x54, 0, 0, 0, (uint8_t)i};

		assert_true(token[i] != 0);
		assert_memory_equal(probe[i] + 6, src, 6);
		assert_int_equal(probe[i][0], 0xcf);
		for (int j = 1; j < i; j++)
			if (token[i] == token[j])
				fail_msg("eth%d and eth%d send the same token %016llx", i, j,
					 (unsigned long long)token[i]);
	}
	/* The next round: one probe each again, the tokens kept. */
	fake_link(4, true);
	t1 = token[1];
	probe_round();
	for (int i = 1; i <= 4; i++)
		assert_int_equal(probes[i], 1);
	assert_int_equal(probes[0], 0);
	assert_true(token[1] == t1);
	assert_true(token[4] != 0 && token[4] != token[1] && token[4] != token[2] &&
		    token[4] != token[3]);
	assert_null(strstr(printed(), "loop:"));
	check_counters("vmnet8", 0, 0);
}

/* eth1's probe comes back on eth2: eth2 is blocked, its frames dropped
 * and counted, nothing goes out of it. eth2's probe of the same round
 * coming back on eth1 finds the loop cut already. */
static void test_loop(void **state)
{
	uint8_t p1[LOOP_FRAME_LEN], p2[LOOP_FRAME_LEN];
	const char *out;

	(void)state;
	probe_round();
	memcpy(p1, probe[1], sizeof(p1));
	memcpy(p2, probe[2], sizeof(p2));
	printed();
	/* Ours: consumed, not forwarded. */
	assert_int_equal(send_frame(2, p1, sizeof(p1)), 0);
	out = printed();
	if (count_of(out, "\nloop: network vmnet8: a probe sent on eth1 came back on eth2; eth2 "
			  "blocked for 60 s\n") != 1)
		fail_msg("console after eth1's probe came back on eth2:\n%s", out);
	check_ports("ports: eth1 eth2(blocked: loop) eth3 eth4\n");
	check_counters("vmnet8", 1, 0);
	/* eth2's frames are dropped, and counted. */
	check_flood(2, 0);
	check_flood(2, 0);
	check_counters("vmnet8", 1, 2);
	/* Once the poller ran, nothing goes out of eth2. */
	bind_run(10);
	check_flood(1, P(3) | P(4));
	probe_round();
	assert_int_equal(probes[2], 0);
	assert_int_equal(probes[1], 1);
	/* The loop is still there: eth1's next probe comes back on eth2,
	 * blocked already; nothing more happens (nor is the block longer). */
	printed();
	assert_int_equal(send_frame(2, probe[1], LOOP_FRAME_LEN), 0);
	/* eth2's probe from before the block, back on eth1: the loop is cut. */
	assert_int_equal(send_frame(1, p2, sizeof(p2)), 0);
	out = printed();
	if (strstr(out, "loop:") != NULL)
		fail_msg("console after eth2's old probe came back on eth1:\n%s", out);
	check_ports("ports: eth1 eth2(blocked: loop) eth3 eth4\n");
	check_counters("vmnet8", 1, 2);
	check_flood(1, P(3) | P(4));
	check_flood(3, P(1) | P(4));
	check_flood(4, P(1) | P(3));
}

/* After 60 s eth2 opens again. */
static void test_unblock(void **state)
{
	const char *out;

	(void)state;
	/* test_loop blocked eth2 a little over 4 s ago (two rounds). */
	bind_run(50000);
	assert_null(strstr(printed(), "unblocked"));
	check_ports("ports: eth1 eth2(blocked: loop) eth3 eth4\n");
	bind_run(10000);
	out = printed();
	if (count_of(out, "\nloop: eth2 unblocked\n") != 1)
		fail_msg("console after 60 s:\n%s", out);
	check_ports("ports: eth1 eth2 eth3 eth4\n");
	check_flood(2, P(1) | P(3) | P(4));
	check_flood(1, P(2) | P(3) | P(4));
	check_counters("vmnet8", 1, 2);
	probe_round();
	assert_int_equal(probes[2], 1);
}

/* A probe-shaped frame whose token is not ours (another appliance's, or
 * 0, which no port of ours uses) is forwarded like any frame; it blocks
 * nothing. */
static void test_foreign_probe(void **state)
{
	static const uint8_t OTHER[6] = {0x52, 0x54, 0x00, 0xee, 0x00, 0x01};
	uint8_t f[LOOP_FRAME_LEN];
	const uint64_t foreign[] = {0x0123456789abcdefull, 0, token[1] ^ 1};

	(void)state;
	printed();
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		loop_build(f, OTHER, foreign[i]);
		if (send_frame(1, f, sizeof(f)) != (P(2) | P(3) | P(4)))
			fail_msg("probe with foreign token %016llx not forwarded",
				 (unsigned long long)foreign[i]);
		loop_build(f, OTHER, foreign[i]);
		assert_int_equal(send_frame(3, f, sizeof(f)), P(1) | P(2) | P(4));
	}
	assert_null(strstr(printed(), "loop:"));
	check_ports("ports: eth1 eth2 eth3 eth4\n");
	check_counters("vmnet8", 1, 2);
}

/* A port that hears its own probe (a hub, a reflecting NIC) is blocked. */
static void test_self_reflected(void **state)
{
	const char *out;

	(void)state;
	probe_round();
	printed();
	assert_int_equal(send_frame(1, probe[1], LOOP_FRAME_LEN), 0);
	out = printed();
	if (count_of(out, "\nloop: network vmnet8: a probe sent on eth1 came back on eth1; eth1 "
			  "blocked for 60 s\n") != 1)
		fail_msg("console after eth1's probe came back on eth1:\n%s", out);
	check_ports("ports: eth1(blocked: loop) eth2 eth3 eth4\n");
	check_counters("vmnet8", 2, 2);
	bind_run(10);
	check_flood(2, P(3) | P(4));
	wait_unblocked();
	check_ports("ports: eth1 eth2 eth3 eth4\n");
}

static bool show_binding(const char *ip, const char *port)
{
	char want[128];

	snprintf(want, sizeof(want), "%-15s %-17s %-6s", ip, "00:0c:29:bb:00:07", port);
	return strstr(bind_cli("show bindings vmnet8"), want) != NULL;
}

/* A guest bridging its NICs on eth3 and eth4, bound on eth3 when the loop
 * shows and eth3 is blocked: the binding goes, and the guest keeps its
 * address through eth4. */
static void test_guard_unbinds(void **state)
{
	uint8_t mac[6];
	uint32_t ip = ip4("192.168.99.50"), gw = ip4("192.168.99.2");

	(void)state;
	fake_tx_clear();
	assert_true(bind_arp_resolve(3, GUEST, ip, gw, mac));
	if (!show_binding("192.168.99.50", "eth3"))
		fail_msg("no binding of the guest on eth3:\n%s", bind_out());
	/* Bound on eth3, it is refused on eth4. */
	fake_tx_clear();
	assert_false(bind_arp_resolve(4, GUEST, ip, gw, mac));
	printed();
	probe_round();
	assert_int_equal(send_frame(3, probe[4], LOOP_FRAME_LEN), 0);
	assert_non_null(strstr(printed(), "came back on eth3; eth3 blocked for 60 s\n"));
	if (show_binding("192.168.99.50", "eth3"))
		fail_msg("the guest is still bound on blocked eth3:\n%s", bind_out());
	bind_run(10);
	fake_tx_clear();
	if (!bind_arp_resolve(4, GUEST, ip, gw, mac))
		fail_msg("the guest is refused on eth4 after eth3 was blocked:\n%s",
			 bind_cli("show bindings vmnet8"));
	if (!show_binding("192.168.99.50", "eth4"))
		fail_msg("no binding of the guest on eth4:\n%s", bind_out());
	wait_unblocked();
}

/* A bridged network joins eth4 to the uplink's switch, where eth0 is
 * trusted: eth4's probe back on eth0 blocks eth4, never the uplink. */
static void test_trusted_port(void **state)
{
	const char *out;
	unsigned long long found, dropped;
	uint8_t f[64];

	(void)state;
	bind_config("network vmnet8\n"
		    "ports eth1-eth3\n"
		    "exit\n"
		    "network lab bridged\n"
		    "ports eth4\n"
		    "exit");
	out = bind_cli("show networks");
	if (strstr(out, "network lab bridged (switched with the uplink)\n  ports: eth0 eth4\n") ==
	    NULL)
		fail_msg("show networks:\n%s", out);
	probe_round();
	assert_int_equal(probes[0], 1);
	assert_int_equal(probes[4], 1);
	printed();
	/* The outside reflecting the uplink's own probe (a hairpin bridge)
	 * is no loop through us: the uplink stays open. */
	assert_int_equal(send_frame(0, probe[0], LOOP_FRAME_LEN), 0);
	out = printed();
	if (strstr(out, "loop:") != NULL)
		fail_msg("console after eth0's probe came back on eth0:\n%s", out);
	check_ports("ports: eth0 eth4\n");
	assert_int_equal(send_frame(0, probe[4], LOOP_FRAME_LEN), 0);
	out = printed();
	if (count_of(out, "\nloop: network (uplink): a probe sent on eth4 came back on eth0; "
			  "eth4 blocked for 60 s\n") != 1)
		fail_msg("console after eth4's probe came back on eth0:\n%s", out);
	check_ports("ports: eth0 eth4(blocked: loop)\n");
	/* The uplink still takes frames: none dropped on eth0. */
	loop_counters("(uplink)", &found, &dropped);
	assert_int_equal(found, 1);
	memcpy(f, MAC_BCAST, 6);
	memcpy(f + 6, HOST[0], 6);
	memset(f + 12, 0, sizeof(f) - 12);
	f[12] = 0x88;
	f[13] = 0xb5;
	bind_run(10);
	assert_int_equal(send_frame(0, f, 60), 0); /* eth4 blocked: nowhere else to go */
	check_counters("(uplink)", 1, dropped);
	check_flood(4, 0);
	check_counters("(uplink)", 1, dropped + 1);
	wait_unblocked();
	/* And from the guest's side, eth0's probe back on eth4 blocks eth4. */
	probe_round();
	printed();
	assert_int_equal(send_frame(4, probe[0], LOOP_FRAME_LEN), 0);
	out = printed();
	if (count_of(out, "\nloop: network (uplink): a probe sent on eth0 came back on eth4; "
			  "eth4 blocked for 60 s\n") != 1)
		fail_msg("console after eth0's probe came back on eth4:\n%s", out);
	check_ports("ports: eth0 eth4(blocked: loop)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes),	       cmocka_unit_test(test_loop),
		cmocka_unit_test(test_unblock),	       cmocka_unit_test(test_foreign_probe),
		cmocka_unit_test(test_self_reflected), cmocka_unit_test(test_guard_unbinds),
		cmocka_unit_test(test_trusted_port),
	};

	return cmocka_run_group_tests(tests, NULL, capture_end);
}
