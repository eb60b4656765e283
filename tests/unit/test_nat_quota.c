/*
 * Unit tests for the NAT core's quotas, "one guest cannot hurt another":
 * a full table makes room by evicting the oldest half-open TCP session
 * (never an established, closing or transitory one, UDP or ICMP, never
 * one younger than the grace), a host at its quota evicts only its own,
 * a used-up pool and a crowded probe window evict too, half-open
 * sessions time out fast under pressure, fragment records per mapping,
 * ICMP errors per host, the quota setters and 0 for off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/nat/nat.h"
#include "net/nat/nat_impl.h" /* nat_st_home(), to aim sessions at one probe window */
#include "tests/unit/nat_harness.h"

static void udp_out(uint32_t in_ip, uint16_t in_port, uint32_t rem, enum nat_verdict want)
{
	uint8_t b[128];
	size_t len = mk_udp(b, in_ip, in_port, rem, 53, 0);

	assert_int_equal(xl(NAT_OUTBOUND, b, len), want);
}

/* Unexpired sessions of inside (in_ip) with an inside port in lo .. hi. */
static uint32_t sessions_of(uint32_t in_ip, uint16_t lo, uint16_t hi)
{
	struct nat_session_info si;
	uint32_t pos = 0, count = 0;

	while (nat_session_next(&nat, &pos, now, &si) == 0)
		count += si.in_ip == in_ip && si.in_port >= lo && si.in_port <= hi;
	return count;
}

/* Seconds left of the session of (in_ip):(in_port) with (rem), or 0. */
static uint32_t expires_of(uint32_t in_ip, uint16_t in_port, uint32_t rem)
{
	struct nat_session_info si;
	uint32_t pos = 0;

	while (nat_session_next(&nat, &pos, now, &si) == 0)
		if (si.in_ip == in_ip && si.in_port == in_port && si.rem_ip == rem)
			return si.expires_s;
	return 0;
}

/* A SYN flood fills the table; past the grace a new flow of any kind gets
 * in by evicting the half-open session idle longest, whose mapping goes. */
static void test_syn_flood_evicts(void **state)
{
	uint8_t b[128];
	size_t len;
	uint16_t i;

	(void)state;
	setup_nat(64);
	for (i = 0; i < 64; i++) {
		now = i < 32 ? 1000 : 1500;
		tcp_send(NAT_OUTBOUND, H1, (uint16_t)(10000 + i), 0, R1, 80, SYN, NAT_TO_UPLINK);
	}
	assert_int_equal(nat.nsess, 64);
	assert_int_equal(nat.nmaps, 64);
	/* The grace: none has waited 1 s yet. */
	now = 1999;
	tcp_send(NAT_OUTBOUND, H2, 40000, 0, R2, 443, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_full, 1);
	assert_int_equal(nat.stats.halfopen_evicted, 0);
	/* Past it, the oldest go first, each with its mapping. */
	now = 2000;
	tcp_send(NAT_OUTBOUND, H2, 40000, 0, R2, 443, SYN, NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 1);
	assert_int_equal(sessions_of(H1, 10000, 10031), 31);
	assert_int_equal(sessions_of(H1, 10032, 10063), 32);
	assert_int_equal(nat.nsess, 64);
	assert_int_equal(nat.nmaps, 64);
	udp_out(H3, 5000, R2, NAT_TO_UPLINK);
	len = mk_icmp(b, H3, R2, 8, 777, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	/* Inbound too: a new remote for an existing UDP mapping. */
	len = mk_udp(b, R3, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(nat.stats.halfopen_evicted, 4);
	assert_int_equal(sessions_of(H1, 10000, 10031), 28);
	assert_int_equal(sessions_of(H1, 10032, 10063), 32);
	assert_int_equal(nat.stats.refused_full, 1);
	/* The legitimate connection completes and stays. */
	tcp_send(NAT_INBOUND, 0, 0, 40000, R2, 443, SYN | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H2, 40000, R2), "established");
	/* Off: refused as before. */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HALFOPEN_SCAN, 0), 0);
	tcp_send(NAT_OUTBOUND, H2, 40001, 0, R2, 443, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_full, 2);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HALFOPEN_SCAN, 128), 0);
	tcp_send(NAT_OUTBOUND, H2, 40001, 0, R2, 443, SYN, NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 5);
}

/* A table full of working flows evicts nothing: new flows are refused. */
static void test_established_stay(void **state)
{
	uint8_t b[128];
	size_t len;
	uint16_t i, p;

	(void)state;
	setup_nat(64);
	for (i = 0; i < 48; i++) {
		p = (uint16_t)(10000 + i);
		tcp_send(NAT_OUTBOUND, H1, p, 0, R1, 80, SYN, NAT_TO_UPLINK);
		tcp_send(NAT_INBOUND, 0, 0, p, R1, 80, SYN | ACK, NAT_TO_INSIDE);
		if (i >= 16 && i < 32) {
			tcp_send(NAT_OUTBOUND, H1, p, 0, R1, 80, FIN | ACK, NAT_TO_UPLINK);
			tcp_send(NAT_INBOUND, 0, 0, p, R1, 80, FIN | ACK, NAT_TO_INSIDE);
		} else if (i >= 32) {
			tcp_send(NAT_OUTBOUND, H1, p, 0, R1, 80, RST, NAT_TO_UPLINK);
		}
	}
	assert_string_equal(state_of(H1, 10016, R1), "closing");
	assert_string_equal(state_of(H1, 10032, R1), "transitory");
	for (i = 0; i < 16; i++)
		udp_out(H2, (uint16_t)(5000 + i), R2, NAT_TO_UPLINK);
	assert_int_equal(nat.nsess, 64);
	now += 10 * SEC;
	tcp_send(NAT_OUTBOUND, H3, 30000, 0, R3, 80, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	udp_out(H3, 30001, R3, NAT_ICMP_ADMIN_PROHIBITED);
	len = mk_udp(b, R3, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_full, 3);
	assert_int_equal(nat.stats.halfopen_evicted, 0);
	assert_int_equal(nat_expire(&nat, now, 100000), 0);
	assert_int_equal(nat.nsess, 64);
	assert_int_equal(sessions_of(H1, 10000, 10047), 48);
}

/* A host at its quota pushes out only its own half-open sessions, even
 * when another host's are older; with none of its own, it is refused. */
static void test_host_evicts_own(void **state)
{
	uint16_t i, p;

	(void)state;
	setup_nat(64);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HOST_SESSIONS, 10), 0);
	for (i = 0; i < 10; i++) {
		now = 1000;
		tcp_send(NAT_OUTBOUND, H2, (uint16_t)(20000 + i), 0, R2, 80, SYN, NAT_TO_UPLINK);
		now = 1500;
		tcp_send(NAT_OUTBOUND, H1, (uint16_t)(10000 + i), 0, R1, 80, SYN, NAT_TO_UPLINK);
		p = (uint16_t)(30000 + i);
		tcp_send(NAT_OUTBOUND, H3, p, 0, R3, 80, SYN, NAT_TO_UPLINK);
		tcp_send(NAT_INBOUND, 0, 0, p, R3, 80, SYN | ACK, NAT_TO_INSIDE);
	}
	now = 3000;
	tcp_send(NAT_OUTBOUND, H1, 10010, 0, R1, 80, SYN, NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 1);
	assert_int_equal(sessions_of(H1, 10000, 10010), 10);
	assert_int_equal(sessions_of(H2, 20000, 20009), 10);
	/* A new remote of one of its mappings is a new session too. */
	tcp_send(NAT_OUTBOUND, H1, 10010, 0, R2, 80, SYN, NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 2);
	assert_int_equal(sessions_of(H2, 20000, 20009), 10);
	/* H3 holds working connections only. */
	tcp_send(NAT_OUTBOUND, H3, 30010, 0, R3, 80, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_host, 1);
	assert_int_equal(sessions_of(H3, 30000, 30009), 10);
	/* H2 at its quota pushes out its own, not H1's younger ones. */
	tcp_send(NAT_OUTBOUND, H2, 20010, 0, R2, 80, SYN, NAT_TO_UPLINK);
	assert_int_equal(sessions_of(H1, 10000, 10010), 10);
	assert_int_equal(nat.stats.halfopen_evicted, 3);
	/* Off: H3 opens beyond 10. */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HOST_SESSIONS, 0), 0);
	tcp_send(NAT_OUTBOUND, H3, 30010, 0, R3, 80, SYN, NAT_TO_UPLINK);
}

/* Under pressure (7/8 of the table, or of a host's quota) a half-open
 * session lives 6 s; otherwise the opening timeout stands. */
static void test_pressure_expiry(void **state)
{
	uint16_t i;

	(void)state;
	setup_nat(64);
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	for (i = 0; i < 54; i++)
		udp_out(H2, (uint16_t)(5000 + i), R2, NAT_TO_UPLINK);
	assert_int_equal(expires_of(H1, 10000, R1), 240);
	now += 7 * SEC;
	assert_string_equal(state_of(H1, 10000, R1), "syn-out");
	udp_out(H2, 5054, R2, NAT_TO_UPLINK); /* 56 of 64 */
	assert_null(state_of(H1, 10000, R1));
	assert_int_equal(nat_expire(&nat, now, 100000), 1);
	assert_int_equal(nat.nsess, 55);
	tcp_send(NAT_OUTBOUND, H1, 10001, 0, R1, 80, SYN, NAT_TO_UPLINK);
	assert_int_equal(expires_of(H1, 10001, R1), NAT_HALFOPEN_PRESSED_S);
	/* UDP keeps its timeout. */
	assert_int_equal(expires_of(H2, 5000, R2), 293);
	/* Off: the opening timeout stands. */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HALFOPEN_SCAN, 0), 0);
	assert_int_equal(expires_of(H1, 10001, R1), 240);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HALFOPEN_SCAN, 1), 0);

	/* A host near its quota: its own half-open sessions only. */
	setup_nat(64);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HOST_SESSIONS, 16), 0);
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_OUTBOUND, H2, 10000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	for (i = 0; i < 12; i++)
		udp_out(H1, (uint16_t)(5000 + i), R2, NAT_TO_UPLINK);
	assert_int_equal(expires_of(H1, 10000, R1), 240);
	udp_out(H1, 5012, R2, NAT_TO_UPLINK); /* 14 of 16 */
	assert_int_equal(expires_of(H1, 10000, R1), NAT_HALFOPEN_PRESSED_S);
	assert_int_equal(expires_of(H2, 10000, R1), 240);
	now += 6 * SEC;
	assert_null(state_of(H1, 10000, R1));
	assert_string_equal(state_of(H2, 10000, R1), "syn-out");
}

/* A pool used up by half-open sessions frees a port of that protocol. */
static void test_pool_evicts(void **state)
{
	struct nat_config c;
	uint8_t b[128];
	size_t len;
	uint32_t h;

	(void)state;
	nat_config_default(&c);
	c.uplink_ip = UP;
	c.port_min = 2000;
	c.port_max = 2003;
	assert_int_equal(nat_init(&nat, mem, sizeof(mem), 64, &c, 7, xrand, &rstate), 0);
	now = 1000;
	for (h = 0; h < 4; h++)
		tcp_send(NAT_OUTBOUND, H1 + h, 4000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_OUTBOUND, H1 + 4, 4000, 0, R1, 80, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_ports, 1);
	now += 2 * SEC;
	tcp_send(NAT_OUTBOUND, H1 + 4, 4000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 1);
	assert_int_equal(nat.nmaps, 4);
	/* Working connections hold their ports. */
	assert_int_equal(nat_init(&nat, mem, sizeof(mem), 64, &c, 7, xrand, &rstate), 0);
	for (h = 0; h < 4; h++) {
		len = mk_tcp(b, H1 + h, 4000, R1, 80, SYN, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
		tcp_send(NAT_INBOUND, 0, 0, sport(b), R1, 80, SYN | ACK, NAT_TO_INSIDE);
	}
	now += 2 * SEC;
	tcp_send(NAT_OUTBOUND, H1 + 4, 4000, 0, R1, 80, SYN, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_ports, 1);
	assert_int_equal(nat.stats.halfopen_evicted, 0);
}

/* A session with no free slot within NAT_PROBE_MAX of its home evicts a
 * half-open one in those slots. The sessions are aimed at one home. */
static void test_probe_window_evicts(void **state)
{
	static uint32_t rem[NAT_PROBE_MAX + 2];
	static uint16_t port[NAT_PROBE_MAX + 2];
	struct nat_map *m;
	uint32_t home = 0, mi, found = 0, gone = 0;

	(void)state;
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, R1, 80, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 10000, R1, 80, SYN | ACK, NAT_TO_INSIDE);
	m = nat_map_by_in(&nat, NAT_P_TCP, H1, 10000, now);
	assert_non_null(m);
	mi = nat_map_index(&nat, m);
	/* About one key in 8192 (the slots) has a given home. */
	home = nat_st_home(&nat, nat_key_sess(mi, R2, 1));
	for (uint32_t k = 0; k < (1u << 24) && found < NAT_PROBE_MAX + 2; k++) {
		uint32_t ip = R2 + (k >> 16);
		uint16_t p = (uint16_t)(k & 0xffff);

		if (p != 0 && nat_st_home(&nat, nat_key_sess(mi, ip, p)) == home) {
			rem[found] = ip;
			port[found++] = p;
		}
	}
	assert_int_equal(found, NAT_PROBE_MAX + 2);
	for (uint32_t i = 0; i < NAT_PROBE_MAX; i++)
		tcp_send(NAT_OUTBOUND, H1, 10000, 0, rem[i], port[i], SYN, NAT_TO_UPLINK);
	/* The window is full; its sessions are in their grace. */
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, rem[NAT_PROBE_MAX], port[NAT_PROBE_MAX], SYN,
		 NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_probe, 1);
	now += 2 * SEC;
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, rem[NAT_PROBE_MAX], port[NAT_PROBE_MAX], SYN,
		 NAT_TO_UPLINK);
	assert_int_equal(nat.stats.halfopen_evicted, 1);
	/* Working ones are not evicted (one of the first is gone: its answer
	 * finds no session). */
	for (uint32_t i = 0; i < NAT_PROBE_MAX + 1; i++) {
		uint8_t b[128];
		size_t len = mk_tcp(b, rem[i], port[i], UP, 10000, SYN | ACK, 0);

		gone += xl(NAT_INBOUND, b, len) == NAT_DROP_NO_SESSION;
	}
	assert_int_equal(gone, 1);
	now += 2 * SEC;
	tcp_send(NAT_OUTBOUND, H1, 10000, 0, rem[NAT_PROBE_MAX + 1], port[NAT_PROBE_MAX + 1], SYN,
		 NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_probe, 2);
	assert_int_equal(nat.stats.halfopen_evicted, 1);
}

/* Hairpinning through a forward into a full table: room for both sides,
 * the sender's session found again after the second eviction. */
static void test_hairpin_evicts(void **state)
{
	uint8_t b[128];
	size_t len;
	uint16_t i;

	(void)state;
	setup_nat(64);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H2, 80), 0);
	for (i = 0; i < 64; i++)
		tcp_send(NAT_OUTBOUND, H1, 10000, 0, R1, (uint16_t)(1000 + i), SYN, NAT_TO_UPLINK);
	now += 2 * SEC;
	len = mk_tcp(b, H3, 7000, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H2);
	assert_int_equal(nat.stats.halfopen_evicted, 2);
	assert_string_equal(state_of(H3, 7000, UP), "syn-out");
	assert_string_equal(state_of(H2, 80, UP), "syn-in");
	assert_int_equal(nat.nsess, 64);
}

/* Sends a first fragment from (rem) to outside port (out); keeps the
 * second in (f2). */
static enum nat_verdict first_frag(uint32_t rem, uint16_t out, uint8_t *f2, size_t *l2)
{
	uint8_t b[512], f1[512];
	size_t len, l1;

	len = mk_udp(b, rem, 9, UP, out, 200);
	split(b, len, 96, f1, &l1, f2, l2);
	return xl(NAT_INBOUND, f1, l1);
}

/* One mapping holds at most frag_per_map open fragment records: others
 * still get theirs; a datagram's last fragment, or time, gives them back. */
static void test_frag_quota(void **state)
{
	uint8_t f2[512], last[512];
	size_t l2, m2 = 0;
	int i;

	(void)state;
	ip_frag = 0;
	udp_out(H1, 5000, R1, NAT_TO_UPLINK);
	udp_out(H2, 6000, R1, NAT_TO_UPLINK);
	assert_int_equal(nat.cfg.frag_per_map, NAT_FRAG_PER_MAP_DEFAULT);
	for (i = 0; i < 16; i++) {
		assert_int_equal(first_frag(R1, 5000, last, &m2), NAT_TO_INSIDE);
		now += 100;
	}
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_DROP_FRAG_QUOTA);
	assert_int_equal(nat.stats.verdict[NAT_DROP_FRAG_QUOTA], 1);
	assert_int_equal(first_frag(R1, 6000, f2, &l2), NAT_TO_INSIDE);
	/* The last datagram's second fragment, its last, ends its record. */
	assert_int_equal(xl(NAT_INBOUND, last, m2), NAT_TO_INSIDE);
	assert_int_equal(g32(last + 16), H1);
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_TO_INSIDE);
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_DROP_FRAG_QUOTA);
	/* Records expire: the oldest first. */
	now = 1000 + NAT_FRAG_TIMEOUT_MS;
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_TO_INSIDE);
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_DROP_FRAG_QUOTA);
	now += 2000;
	for (i = 0; i < 15; i++)
		assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_TO_INSIDE);
	assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_DROP_FRAG_QUOTA);
	/* Off. */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_FRAG_PER_MAP, 0), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(first_frag(R1, 5000, f2, &l2), NAT_TO_INSIDE);
	assert_int_equal(nat.stats.verdict[NAT_DROP_FRAG_QUOTA], 4);
}

/* Sends a packet from (src) with TTL 1 towards (dst): an ICMP error to ask. */
static enum nat_verdict ttl_out(uint32_t src)
{
	uint8_t b[128];
	size_t len;

	ip_ttl = 1;
	len = mk_udp(b, src, 5000, R1, 53, 0);
	ip_ttl = 64;
	return xl(NAT_OUTBOUND, b, len);
}

/* ICMP errors asked for one host: 20 a second, a burst of 20, each
 * kind from the same budget; other hosts have their own. */
static void test_icmp_rate(void **state)
{
	uint8_t b[2048];
	size_t len;
	int i;

	(void)state;
	assert_int_equal(nat.cfg.icmp_err_rate, NAT_ICMP_ERR_RATE_DEFAULT);
	for (i = 0; i < 20; i++)
		assert_int_equal(ttl_out(H1), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(ttl_out(H1), NAT_DROP_ICMP_RATE);
	assert_int_equal(nat.stats.verdict[NAT_DROP_ICMP_RATE], 1);
	assert_int_equal(ttl_out(H2), NAT_ICMP_TIME_EXCEEDED);
	/* Too big with DF: the same budget. */
	len = mk_udp(b, H1, 5000, R1, 53, 1500);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ICMP_RATE);
	/* 50 ms earn one more. */
	now += 50;
	assert_int_equal(ttl_out(H1), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(ttl_out(H1), NAT_DROP_ICMP_RATE);
	/* The next second, a whole burst again. */
	now += SEC;
	len = mk_udp(b, H1, 5000, R1, 53, 1500);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_FRAG_NEEDED);
	for (i = 0; i < 19; i++)
		assert_int_equal(ttl_out(H1), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(ttl_out(H1), NAT_DROP_ICMP_RATE);
	/* A remote (or one spoofing its address) is limited the same way. */
	udp_out(H3, 7000, R1, NAT_TO_UPLINK);
	ip_ttl = 1;
	for (i = 0; i < 21; i++) {
		len = mk_udp(b, R1, 53, UP, 7000, 0);
		assert_int_equal(xl(NAT_INBOUND, b, len),
				 i < 20 ? NAT_ICMP_TIME_EXCEEDED : NAT_DROP_ICMP_RATE);
	}
	ip_ttl = 64;
	/* Off. */
	assert_int_equal(nat_set_quota(&nat, NAT_Q_ICMP_ERR_RATE, 0), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(ttl_out(H1), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(nat.stats.verdict[NAT_DROP_ICMP_RATE], 5);
}

/* The setters, names, defaults and ranges; nat_init() checks them too;
 * nat_copy() leaves the new table's own (the caller sets them, as the
 * timeouts, with the new size). */
static void test_quota_setters(void **state)
{
	static const char *const names[NAT_Q_MAX] = {"host-sessions", "forward-rate", "fragments",
						     "icmp-errors", "half-open-scan"};
	static const uint32_t max[NAT_Q_MAX] = {NAT_CAPACITY_MAX, 65535, NAT_FRAG_SLOTS, 100000,
						4096};
	static uint64_t big[(1u << 20) / 8];
	struct nat_config c;
	struct nat bigger;

	(void)state;
	nat_config_default(&c);
	assert_int_equal(c.host_sessions, NAT_HOST_SESSIONS_DEFAULT);
	assert_int_equal(c.forward_rate, NAT_FORWARD_RATE_DEFAULT);
	assert_int_equal(c.frag_per_map, 16);
	assert_int_equal(c.icmp_err_rate, 20);
	assert_int_equal(c.halfopen_scan, 128);
	for (int q = 0; q < NAT_Q_MAX; q++) {
		enum nat_quota w = (enum nat_quota)q;

		assert_string_equal(nat_quota_name(w), names[q]);
		assert_int_equal(nat_quota_max(w), max[q]);
		assert_int_equal(nat_quota_get(&nat, w), nat_quota_default(w));
		assert_int_equal(nat_set_quota(&nat, w, max[q] + 1), -EINVAL);
		assert_int_equal(nat_quota_get(&nat, w), nat_quota_default(w));
		assert_int_equal(nat_set_quota(&nat, w, max[q]), 0);
		assert_int_equal(nat_quota_get(&nat, w), max[q]);
		assert_int_equal(nat_set_quota(&nat, w, 0), 0);
		assert_int_equal(nat_quota_get(&nat, w), 0);
		assert_int_equal(nat_set_quota(&nat, w, (uint32_t)q + 3), 0);
	}
	assert_int_equal(nat.cfg.host_sessions, 3);
	assert_int_equal(nat.cfg.forward_rate, 4);
	assert_int_equal(nat.cfg.frag_per_map, 5);
	assert_int_equal(nat.cfg.icmp_err_rate, 6);
	assert_int_equal(nat.cfg.halfopen_scan, 7);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_MAX, 1), -EINVAL);
	assert_null(nat_quota_name(NAT_Q_MAX));
	assert_int_equal(nat_quota_default(NAT_Q_MAX), 0);
	assert_int_equal(nat_quota_max(NAT_Q_MAX), 0);
	assert_int_equal(nat_quota_get(&nat, NAT_Q_MAX), 0);
	/* A flow in the small table, then the copy. */
	udp_out(H1, 5000, R1, NAT_TO_UPLINK);
	c.uplink_ip = UP;
	assert_int_equal(nat_init(&bigger, big, sizeof(big), 1024, &c, 9, xrand, &rstate), 0);
	assert_int_equal(nat_set_quota(&bigger, NAT_Q_FRAG_PER_MAP, 9), 0);
	assert_int_equal(nat_copy(&bigger, &nat), 0);
	assert_int_equal(nat_check(&bigger), 0);
	assert_int_equal(bigger.nsess, 1);
	for (int q = 0; q < NAT_Q_MAX; q++)
		if (q != NAT_Q_FRAG_PER_MAP)
			assert_int_equal(nat_quota_get(&bigger, (enum nat_quota)q),
					 nat_quota_default((enum nat_quota)q));
	assert_int_equal(bigger.cfg.frag_per_map, 9);
	/* nat_init() refuses a quota out of range. */
	c.icmp_err_rate = 100001;
	assert_int_equal(nat_init(&bigger, big, sizeof(big), 64, &c, 9, xrand, &rstate), -EINVAL);
	nat_config_default(&c);
	c.forward_rate = 65536;
	assert_int_equal(nat_init(&bigger, big, sizeof(big), 64, &c, 9, xrand, &rstate), -EINVAL);
}

/* Forward rate and host sessions, set through nat_set_quota(), and off. */
static void test_quotas_off(void **state)
{
	uint16_t i;

	(void)state;
	assert_int_equal(nat_set_quota(&nat, NAT_Q_FORWARD_RATE, 0), 0);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	for (i = 0; i < 600; i++)
		tcp_send(NAT_INBOUND, 0, 0, 8080, R1, (uint16_t)(40000 + i), SYN, NAT_TO_INSIDE);
	assert_int_equal(nat.stats.verdict[NAT_DROP_RATE], 0);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_FORWARD_RATE, 1), 0);
	tcp_send(NAT_INBOUND, 0, 0, 8080, R1, 40600, SYN, NAT_TO_INSIDE);
	tcp_send(NAT_INBOUND, 0, 0, 8080, R1, 40601, SYN, NAT_DROP_RATE);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HOST_SESSIONS, 100), 0);
	for (i = 0; i < 100; i++)
		udp_out(H2, (uint16_t)(5000 + i), R2, NAT_TO_UPLINK);
	udp_out(H2, 5100, R2, NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_host, 1);
	assert_int_equal(nat_set_quota(&nat, NAT_Q_HOST_SESSIONS, 0), 0);
	udp_out(H2, 5100, R2, NAT_TO_UPLINK);
}

static char shown[8192];
static size_t shown_len;

static void sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (shown_len + len < sizeof(shown)) {
		memcpy(shown + shown_len, buf, len);
		shown_len += len;
		shown[shown_len] = '\0';
	}
}

/* "show nat" lists the quotas; the counters show evictions and the new drops. */
static void test_show_quotas(void **state)
{
	struct cli_out out = {sink, NULL};

	(void)state;
	assert_int_equal(nat_set_quota(&nat, NAT_Q_FRAG_PER_MAP, 0), 0);
	shown_len = 0;
	assert_int_equal(nat_show(&nat, now, 10, &out), 0);
	assert_non_null(strstr(shown, "quotas: host-sessions 16384 forward-rate 500 fragments off "
				      "icmp-errors 20 half-open-scan 128\n"));
	assert_int_equal(nat_set_quota(&nat, NAT_Q_ICMP_ERR_RATE, 1), 0);
	assert_int_equal(ttl_out(H1), NAT_ICMP_TIME_EXCEEDED);
	assert_int_equal(ttl_out(H1), NAT_DROP_ICMP_RATE);
	nat.stats.halfopen_evicted = 7;
	shown_len = 0;
	assert_int_equal(nat_show_counters(&nat, &out), 0);
	assert_non_null(strstr(shown, "half-open evicted 7"));
	assert_non_null(strstr(shown, "icmp-rate 1"));
	assert_non_null(strstr(shown, "fragment-quota 0"));
	assert_string_equal(nat_verdict_name(NAT_DROP_FRAG_QUOTA), "drop-fragment-quota");
	assert_string_equal(nat_verdict_name(NAT_DROP_ICMP_RATE), "drop-icmp-rate");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_syn_flood_evicts, setup),
		cmocka_unit_test_setup(test_established_stay, setup),
		cmocka_unit_test_setup(test_host_evicts_own, setup),
		cmocka_unit_test_setup(test_pressure_expiry, setup),
		cmocka_unit_test_setup(test_pool_evicts, setup),
		cmocka_unit_test_setup(test_probe_window_evicts, setup),
		cmocka_unit_test_setup(test_hairpin_evicts, setup),
		cmocka_unit_test_setup(test_frag_quota, setup),
		cmocka_unit_test_setup(test_icmp_rate, setup),
		cmocka_unit_test_setup(test_quota_setters, setup),
		cmocka_unit_test_setup(test_quotas_off, setup),
		cmocka_unit_test_setup(test_show_quotas, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
