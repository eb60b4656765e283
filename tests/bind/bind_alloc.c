/*
 * Allocation failure injection for config applies (BRIEF.md §3: apply is
 * all-or-nothing). For each config change, each of its console lines is
 * one apply; for N = 1, 2, ... until the line needs fewer than N
 * allocations, the Nth allocation of that apply fails, and then:
 *  - if the apply reported an error, everything visible must be exactly as
 *    before it: show running-config, networks, mac, nat, leases, uplink,
 *    dhcp and counters, byte for byte, and the guests' traffic (ARP for the
 *    gateway, a broadcast between guests, a TCP SYN through NAT, a DHCP
 *    offer, a DNS answer) must go as it did;
 *  - if it reported success, all of that must be as after a clean apply.
 * Each attempt runs in a child process (fork) from the same baseline, so
 * an attempt that breaks the state cannot spoil the next; a reference
 * child records the state before and after each line applied cleanly,
 * its probes run in grandchildren so that they change nothing.
 * Allocations counted: the C library's (ALLOC_LIBC) in one test, lwIP's
 * udp_new and dhcp_start (ALLOC_LWIP) in the other.
 *
 *   eth0 uplink 10.88.0.2/24 -- router 10.88.0.1 (ARP resolved)
 *   eth1 guest A 192.168.99.10, eth2 guest B (DHCP), vmnet8 nat .2/24
 *   eth3, eth4 free, for the changes to use
 */
#define _GNU_SOURCE /* fork, mmap */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sanitizer/lsan_interface.h>

#include "tests/bind/bind.h"

#define LINES_MAX  8
#define SNAP_MAX   (48 * 1024)
#define PROBE_MAX  1024
#define MSG_MAX	   (16 * 1024)
#define REPORT_MAX (64 * 1024)
#define N_MAX	   64 /* allocations tried per apply, at most */

struct change {
	const char *what;
	const char *lines[LINES_MAX]; /* NULL-terminated */
};

static const struct change changes[] = {
	{"add network vmnet2 with DHCP",
	 {"network vmnet2 nat", "ports eth3", "address 192.168.77.2/24",
	  "dhcp range 192.168.77.100 192.168.77.200", "exit", NULL}},
	{"change nat sessions", {"nat sessions 1024", NULL}},
	{"change mac table", {"mac table 64", NULL}},
	{"uplink to DHCP", {"uplink eth0 dhcp", NULL}},
};

/* What a state looks like from outside. */
struct view {
	char snap[SNAP_MAX];
	char probe[PROBE_MAX];
};

/* Shared with the children (MAP_SHARED). ref[0] is the state before the
 * change's first line, ref[i + 1] after its line i. */
struct shared {
	struct view ref[LINES_MAX + 1];
	int ref_rc[LINES_MAX];
	unsigned ref_allocs[LINES_MAX];
	char probe[PROBE_MAX]; /* a grandchild's probe result */
	char msg[MSG_MAX];     /* a child's verdict */
};

static struct shared *sh;
static const uint8_t GUEST_A[6] = {0x00, 0x0c, 0x29, 0xcc, 0x00, 0x0a};
static const uint8_t GUEST_B[6] = {0x00, 0x0c, 0x29, 0xcc, 0x00, 0x0b};
static const uint8_t ROUTER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};
static const uint8_t DNS_QUERY[] = {0x12, 0x34, 0x01, 0x00, 0,	 1,   0,   0,	0,   0,
				    0,	  0,	7,    'e',  'x', 'a', 'm', 'p', 'l', 'e',
				    3,	  'c',	'o',  'm',  0,	 0,   1,   0,	1};
static uint8_t gw_mac[6];
static char report[REPORT_MAX];
static size_t report_len;

static void snapshot(char *buf)
{
	static const char *const cmds[] = {
		"show running-config", "show networks", "show mac",  "show nat",
		"show leases",	       "show uplink",	"show dhcp", "show counters",
	};
	size_t len = 0;

	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && len < SNAP_MAX; i++)
		len += (size_t)snprintf(buf + len, SNAP_MAX - len, "## %s\n%s", cmds[i],
					bind_cli(cmds[i]));
}

static bool is_tcp_syn(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_TCP && p->tcp_flags == FRAME_SYN;
}

static bool is_offer(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == 67 &&
	       dhcp_type(p) == 2;
}

static bool is_dns_reply(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == 53 &&
	       p->dport == 5300;
}

/* The guests' traffic, in a few words per probe. Changes the state. */
static void probe(char *buf)
{
	uint8_t f[600], l4[400], msg[300], mac[6];
	size_t len = 0;
	struct pkt p;

	fake_tx_clear();
	len += (size_t)snprintf(
		buf + len, PROBE_MAX - len, "ARP for the gateway from eth1: %s\n",
		bind_arp_resolve(1, GUEST_A, ip4("192.168.99.10"), ip4("192.168.99.2"), mac)
			? "answered"
			: "unanswered");
	memset(f, 0, 60);
	memcpy(f, MAC_BCAST, 6);
	memcpy(f + 6, GUEST_A, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	fake_tx_clear();
	fake_rx(1, f, 60);
	len += (size_t)snprintf(buf + len, PROBE_MAX - len,
				"broadcast from eth1 out of: eth0 %d eth2 %d eth3 %d eth4 %d\n",
				fake_tx_count(0), fake_tx_count(2), fake_tx_count(3),
				fake_tx_count(4));
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw_mac, GUEST_A, FRAME_TCP, ip4("192.168.99.10"), ip4("203.0.113.7"),
			 l4, l4_tcp(l4, 41000, 443, 1, 0, FRAME_SYN)));
	if (bind_find(0, 0, &p, is_tcp_syn, NULL) >= 0)
		len += (size_t)snprintf(buf + len, PROBE_MAX - len,
					"TCP SYN to the outside: out of eth0 from %u.%u.%u.%u%s\n",
					p.ip_src >> 24, p.ip_src >> 16 & 255, p.ip_src >> 8 & 255,
					p.ip_src & 255, p.ip_ok && p.l4_ok ? "" : ", BAD checksum");
	else
		len += (size_t)snprintf(buf + len, PROBE_MAX - len,
					"TCP SYN to the outside: not out of eth0\n");
	fake_tx_clear();
	fake_rx(2, f,
		frame_ip(f, MAC_BCAST, GUEST_B, FRAME_UDP, 0, 0xffffffffu, l4,
			 l4_udp(l4, 68, 67, msg, dhcp_client_msg(msg, 1, GUEST_B, 77, 0, 0))));
	len += (size_t)snprintf(buf + len, PROBE_MAX - len, "DHCP DISCOVER on eth2: %s\n",
				bind_find(2, 0, &p, is_offer, NULL) >= 0 ? "offered" : "no offer");
	/* No upstream is configured: the forwarder answers SERVFAIL. */
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw_mac, GUEST_A, FRAME_UDP, ip4("192.168.99.10"), ip4("192.168.99.2"),
			 l4, l4_udp(l4, 5300, 53, DNS_QUERY, sizeof(DNS_QUERY))));
	snprintf(buf + len, PROBE_MAX - len, "DNS query to the gateway: %s\n",
		 bind_find(1, 0, &p, is_dns_reply, NULL) >= 0 ? "answered" : "no answer");
}

/* Runs probe() in a grandchild, so that the state stays as it is. */
static void probe_aside(char *buf)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		probe(sh->probe);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		snprintf(buf, PROBE_MAX, "(the probe crashed)\n");
	else
		memcpy(buf, sh->probe, PROBE_MAX);
}

/* Whether (b) has the line (n) bytes at (line), newline included. */
static bool has_line(const char *b, const char *line, size_t n)
{
	while (*b) {
		const char *nl = strchr(b, '\n');
		size_t m = nl ? (size_t)(nl - b) + 1 : strlen(b);

		if (m == n && memcmp(b, line, n) == 0)
			return true;
		b += m;
	}
	return false;
}

/* Up to (max) lines of (a) that (b) lacks, each after (mark). */
static size_t lines_missing(char *out, size_t room, const char *a, const char *b, const char *mark,
			    int max)
{
	size_t len = 0;
	int shown = 0;

	while (*a && shown < max && len < room) {
		const char *nl = strchr(a, '\n');
		size_t n = nl ? (size_t)(nl - a) + 1 : strlen(a);

		if (!has_line(b, a, n) && strncmp(a, "## ", 3) != 0) {
			len += (size_t)snprintf(out + len, room - len, "      %s %.*s%s", mark,
						(int)n, a, nl ? "" : "\n");
			shown++;
		}
		a += n;
	}
	return len < room ? len : room - 1;
}

/* Appends to (msg) how (got) differs from (want). */
static size_t differences(char *msg, size_t room, const char *want, const char *got)
{
	size_t len = lines_missing(msg, room, want, got, "was:", 6);

	return len + lines_missing(msg + len, room - len, got, want, "now:", 6);
}

/* The child for line (li) of (c) with the (n)th allocation failing. Exits
 * 0: atomic, 1: not (sh->msg says how), 2: the apply needed fewer than (n)
 * allocations. */
static void attempt(const struct change *c, int li, unsigned kinds, unsigned n)
{
	static struct view now;
	const struct view *want;
	size_t len = 0;
	bool same, leaked;
	int rc;

	alarm(20);
	for (int i = 0; i < li; i++)
		if (bind_line(c->lines[i]) != sh->ref_rc[i]) {
			snprintf(sh->msg, MSG_MAX, "change '%s': '%s' did not apply as before",
				 c->what, c->lines[i]);
			_exit(1);
		}
	snapshot(now.snap);
	if (strcmp(now.snap, sh->ref[li].snap) != 0) {
		snprintf(sh->msg, MSG_MAX,
			 "change '%s', line '%s': the state before it differs "
			 "from the reference's (not deterministic?)",
			 c->what, c->lines[li]);
		_exit(1);
	}
	alloc_arm(kinds, n);
	rc = bind_line(c->lines[li]);
	alloc_disarm();
	if (!alloc_failed())
		_exit(2);
	leaked = __lsan_do_recoverable_leak_check() != 0;
	snapshot(now.snap);
	probe(now.probe);
	want = rc < 0 ? &sh->ref[li] : &sh->ref[li + 1];
	same = strcmp(now.snap, want->snap) == 0 && strcmp(now.probe, want->probe) == 0;
	if (same && !leaked)
		_exit(0);
	len += (size_t)snprintf(sh->msg + len, MSG_MAX - len,
				"change '%s', line '%s': allocation %u of %u failed (%s);\n",
				c->what, c->lines[li], n, sh->ref_allocs[li], alloc_failed_site());
	if (leaked)
		len += (size_t)snprintf(sh->msg + len, MSG_MAX - len,
					"    memory leaked (LeakSanitizer's report is above)\n");
	if (!same) {
		len += (size_t)snprintf(sh->msg + len, MSG_MAX - len,
					"    the apply %s (%d), but the state is not as %s it:\n",
					rc < 0 ? "failed" : "succeeded", rc,
					rc < 0 ? "before" : "after a clean apply of");
		len += differences(sh->msg + len, MSG_MAX - len, want->snap, now.snap);
	}
	if (strcmp(now.probe, want->probe) != 0) {
		len += (size_t)snprintf(sh->msg + len, MSG_MAX - len, "    guests' traffic:\n");
		differences(sh->msg + len, MSG_MAX - len, want->probe, now.probe);
	}
	fflush(stdout);
	_exit(1);
}

/* Records the clean applies of (c) in sh->ref. Returns false if a line
 * failed without any injected failure (a bad test). */
static bool reference(const struct change *c, unsigned kinds)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(20);
		snapshot(sh->ref[0].snap);
		probe_aside(sh->ref[0].probe);
		for (int i = 0; c->lines[i]; i++) {
			alloc_arm(kinds, 0);
			sh->ref_rc[i] = bind_line(c->lines[i]);
			sh->ref_allocs[i] = alloc_disarm();
			if (sh->ref_rc[i] != 0) {
				snprintf(sh->msg, MSG_MAX, "'%s' failed (%d): %s", c->lines[i],
					 sh->ref_rc[i], bind_out());
				_exit(1);
			}
			if (__lsan_do_recoverable_leak_check() != 0) {
				snprintf(sh->msg, MSG_MAX,
					 "'%s' leaked memory (LeakSanitizer's "
					 "report is above)",
					 c->lines[i]);
				_exit(1);
			}
			snapshot(sh->ref[i + 1].snap);
			probe_aside(sh->ref[i + 1].probe);
		}
		fflush(stdout);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_len += (size_t)vsnprintf(report + report_len, sizeof(report) - report_len, fmt, ap);
	va_end(ap);
	if (report_len >= sizeof(report))
		report_len = sizeof(report) - 1;
}

/* Tries every allocation of every line of every change. Returns the
 * number of attempts that broke atomicity. */
static int run_changes(unsigned kinds)
{
	int broken = 0;

	report_len = 0;
	report[0] = '\0';
	for (unsigned ci = 0; ci < sizeof(changes) / sizeof(changes[0]); ci++) {
		const struct change *c = &changes[ci];

		memset(sh, 0, sizeof(*sh));
		if (!reference(c, kinds)) {
			note("change '%s': the clean apply went wrong: %s\n", c->what, sh->msg);
			broken++;
			continue;
		}
		for (int li = 0; c->lines[li]; li++) {
			int was = broken;

			for (unsigned n = 1; n <= N_MAX; n++) {
				pid_t pid;
				int st;

				sh->msg[0] = '\0';
				fflush(stdout);
				pid = fork();
				if (pid == 0)
					attempt(c, li, kinds, n);
				assert_true(pid > 0);
				assert_int_equal(waitpid(pid, &st, 0), pid);
				if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
					break;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
					continue;
				broken++;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
					note("%s\n", sh->msg);
				else
					note("change '%s', line '%s': allocation %u failed: the "
					     "child %s %d (a sanitizer report is above)\n",
					     c->what, c->lines[li], n,
					     WIFSIGNALED(st) ? "died of signal" : "exited with",
					     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			}
			if (sh->ref_allocs[li] > 0)
				printf("  %s: '%s' (%s): %u allocation%s, %s\n", c->what,
				       c->lines[li], kinds == ALLOC_LIBC ? "libc" : "lwIP",
				       sh->ref_allocs[li], sh->ref_allocs[li] > 1 ? "s" : "",
				       broken == was ? "each failure left the state as it was"
						     : "NOT ATOMIC");
		}
	}
	return broken;
}

static int setup(void **state)
{
	uint8_t f[200], l4[64];

	(void)state;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	if (bind_boot(5) != 0)
		return -1;
	bind_config("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n"
		    "network vmnet8\n"
		    "ports eth1 eth2\n"
		    "exit");
	bind_run(100);
	if (!bind_arp_resolve(1, GUEST_A, ip4("192.168.99.10"), ip4("192.168.99.2"), gw_mac))
		return -1;
	/* Resolve the router once, so that the probes' SYNs go straight out. */
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw_mac, GUEST_A, FRAME_TCP, ip4("192.168.99.10"), ip4("203.0.113.7"),
			 l4, l4_tcp(l4, 40000, 443, 1, 0, FRAME_SYN)));
	if (bind_answer_arp(0, ip4("10.88.0.1"), ROUTER) != 1)
		return -1;
	fake_tx_clear();
	return 0;
}

/* Prints the report: each broken attempt's first line where tests/run.sh
 * shows it (it keeps cmocka's "[  ERROR   ]" lines), the details after. */
static void print_report(void)
{
	for (const char *p = report; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		printf("%s%.*s", strncmp(p, "change", 6) == 0 ? "[  ERROR   ] " : "", (int)n, p);
		p += n;
	}
	fflush(stdout);
}

static void test_alloc_libc(void **state)
{
	int broken;

	(void)state;
	broken = run_changes(ALLOC_LIBC);
	if (broken) {
		print_report();
		fail_msg("%d failed malloc/calloc/realloc/aligned_alloc calls broke all-or-nothing "
			 "apply (above)",
			 broken);
	}
}

static void test_alloc_lwip(void **state)
{
	int broken;

	(void)state;
	broken = run_changes(ALLOC_LWIP);
	if (broken) {
		print_report();
		fail_msg("%d failed lwIP allocations (udp_new, dhcp_start) broke all-or-nothing "
			 "apply (above)",
			 broken);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_libc),
		cmocka_unit_test(test_alloc_lwip),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
