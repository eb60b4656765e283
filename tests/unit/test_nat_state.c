/*
 * Unit tests for the NAT core's session lifetimes: the TCP state machine
 * and its timeouts (RFC 5382, RFC 7857 §2), UDP and ICMP timeouts, a full
 * table that refuses new flows and keeps the old ones, bounded expiry, a
 * long random run against the table's invariants, and a table of the
 * default size filled to the brim.
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
#include "tests/unit/nat_harness.h"

static uint32_t sessions_now(void)
{
	nat_expire(&nat, now, 1000000);
	return nat.nsess;
}

static void test_tcp_states(void **state)
{
	(void)state;
	/* Handshake, data, close from inside first. */
	tcp_send(NAT_OUTBOUND, H1, 1025, 0, R1, 80, SYN, NAT_TO_UPLINK);
	assert_string_equal(state_of(H1, 1025, R1), "syn-out");
	tcp_send(NAT_INBOUND, 0, 0, 1025, R1, 80, SYN | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H1, 1025, R1), "established");
	tcp_send(NAT_OUTBOUND, H1, 1025, 0, R1, 80, ACK, NAT_TO_UPLINK);
	assert_string_equal(state_of(H1, 1025, R1), "established");
	tcp_send(NAT_OUTBOUND, H1, 1025, 0, R1, 80, FIN | ACK, NAT_TO_UPLINK);
	assert_string_equal(state_of(H1, 1025, R1), "fin-out");
	tcp_send(NAT_INBOUND, 0, 0, 1025, R1, 80, FIN | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H1, 1025, R1), "closing");
	/* Closing lasts the transitory time. */
	now += 239 * SEC;
	assert_int_equal(sessions_now(), 1);
	now += 1 * SEC;
	assert_int_equal(sessions_now(), 0);
	assert_int_equal(nat.nmaps, 0);

	/* Established lasts 2 h 4 min without traffic (RFC 5382 REQ-5). */
	tcp_send(NAT_OUTBOUND, H1, 1026, 0, R1, 80, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 1026, R1, 80, SYN | ACK, NAT_TO_INSIDE);
	now += 7439 * SEC;
	assert_int_equal(sessions_now(), 1);
	tcp_send(NAT_INBOUND, 0, 0, 1026, R1, 80, ACK, NAT_TO_INSIDE); /* refreshes */
	now += 7439 * SEC;
	assert_int_equal(sessions_now(), 1);
	/* Half-closed keeps the established time (RFC 6146's FIN RCV states). */
	tcp_send(NAT_INBOUND, 0, 0, 1026, R1, 80, FIN | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H1, 1026, R1), "fin-in");
	now += 7439 * SEC;
	assert_int_equal(sessions_now(), 1);
	/* RST: transitory for 4 min (RFC 7857 §2.2), translated meanwhile. */
	tcp_send(NAT_OUTBOUND, H1, 1026, 0, R1, 80, RST, NAT_TO_UPLINK);
	assert_string_equal(state_of(H1, 1026, R1), "transitory");
	now += 100 * SEC;
	tcp_send(NAT_INBOUND, 0, 0, 1026, R1, 80, RST, NAT_TO_INSIDE); /* no refresh */
	now += 140 * SEC;
	assert_int_equal(sessions_now(), 0);

	/* Traffic after a RST brings it back (RFC 6146 §3.5.2.2). */
	tcp_send(NAT_OUTBOUND, H1, 1027, 0, R1, 80, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 1027, R1, 80, SYN | ACK, NAT_TO_INSIDE);
	tcp_send(NAT_INBOUND, 0, 0, 1027, R1, 80, RST, NAT_TO_INSIDE);
	tcp_send(NAT_OUTBOUND, H1, 1027, 0, R1, 80, ACK, NAT_TO_UPLINK);
	assert_string_equal(state_of(H1, 1027, R1), "established");

	/* Opening: a SYN unanswered lasts the opening time; a RST answering
	 * it changes nothing and refreshes nothing. */
	tcp_send(NAT_OUTBOUND, H2, 2000, 0, R2, 25, SYN, NAT_TO_UPLINK);
	now += 200 * SEC;
	tcp_send(NAT_INBOUND, 0, 0, 2000, R2, 25, RST | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H2, 2000, R2), "syn-out");
	now += 40 * SEC;
	assert_null(state_of(H2, 2000, R2));
	assert_int_equal(nat_set_timeout(&nat, NAT_TMO_TCP_OPENING, 6), 0);
	tcp_send(NAT_OUTBOUND, H2, 2001, 0, R2, 25, SYN, NAT_TO_UPLINK);
	now += 6 * SEC;
	assert_null(state_of(H2, 2001, R2));

	/* Simultaneous open (RFC 5382 REQ-2). */
	tcp_send(NAT_OUTBOUND, H3, 3000, 0, R3, 3001, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 3000, R3, 3001, SYN, NAT_TO_INSIDE);
	assert_string_equal(state_of(H3, 3000, R3), "established");

	/* Only a SYN opens an outbound session: a guest cannot fill the table
	 * with plain ACKs (nor FINs, nor SYN-ACKs to nobody). */
	tcp_send(NAT_OUTBOUND, H3, 3100, 0, R3, 22, ACK, NAT_DROP_NO_SESSION);
	tcp_send(NAT_OUTBOUND, H3, 3101, 0, R3, 22, FIN | ACK, NAT_DROP_NO_SESSION);
	tcp_send(NAT_OUTBOUND, H3, 3102, 0, R3, 22, SYN | ACK, NAT_DROP_NO_SESSION);
	assert_null(state_of(H3, 3100, R3));
	assert_null(state_of(H3, 3102, R3));
	tcp_send(NAT_OUTBOUND, H3, 3100, 0, R3, 22, SYN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 3100, R3, 22, SYN | ACK, NAT_TO_INSIDE);
	assert_string_equal(state_of(H3, 3100, R3), "established");

	/* A closed connection's ports reused: a new SYN opens again. */
	tcp_send(NAT_OUTBOUND, H3, 3100, 0, R3, 22, FIN, NAT_TO_UPLINK);
	tcp_send(NAT_INBOUND, 0, 0, 3100, R3, 22, FIN, NAT_TO_INSIDE);
	tcp_send(NAT_OUTBOUND, H3, 3100, 0, R3, 22, SYN, NAT_TO_UPLINK);
	assert_string_equal(state_of(H3, 3100, R3), "syn-out");
}

static void test_udp_icmp_timeouts(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	now += 299 * SEC + 999;
	len = mk_udp(b, R1, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE); /* refreshed inbound */
	now += 300 * SEC;
	len = mk_udp(b, R1, 53, UP, 5000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	/* Not yet swept, still counted; sweeping removes it. */
	assert_int_equal(nat.nsess, 1);
	assert_int_equal(nat_expire(&nat, now, 100000), 1);
	assert_int_equal(nat.nsess, 0);
	assert_int_equal(nat.nmaps, 0);
	/* A shorter UDP time, still at least two minutes. */
	assert_int_equal(nat_set_timeout(&nat, NAT_TMO_UDP, 120), 0);
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	now += 119 * SEC;
	assert_int_equal(sessions_now(), 1);
	now += 1 * SEC;
	assert_int_equal(sessions_now(), 0);
	/* An expired session found before the sweep starts over. */
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	now += 121 * SEC;
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), 5000);
	assert_int_equal(sessions_now(), 1);
	/* ICMP query sessions: 60 s (RFC 5508 REQ-2). */
	len = mk_icmp(b, H2, R2, 8, 4242, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	now += 59 * SEC;
	len = mk_icmp(b, R2, UP, 0, 4242, 8);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	now += 60 * SEC;
	len = mk_icmp(b, R2, UP, 0, 4242, 8);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
}

/* A full table refuses new flows, keeps the old ones, evicts nothing. */
static void test_full_table(void **state)
{
	uint8_t b[256];
	size_t len;
	uint32_t i;

	(void)state;
	setup_nat(8);
	for (i = 0; i < 8; i++) {
		len = mk_udp(b, H1, (uint16_t)(10000 + i), R1, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	}
	len = mk_udp(b, H2, 10000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	len = mk_tcp(b, H2, 10000, R1, 80, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	/* A new remote for an existing mapping is a new session: refused too. */
	len = mk_udp(b, H1, 10000, R2, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	len = mk_udp(b, R2, 53, UP, 10000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_full, 4);
	assert_int_equal(nat_forward_add(&nat, TCP, 80, H3, 80), -ENOSPC);
	/* The old flows carry on, both ways. */
	for (i = 0; i < 8; i++) {
		now += SEC;
		len = mk_udp(b, H1, (uint16_t)(10000 + i), R1, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
		len = mk_udp(b, R1, 53, UP, (uint16_t)(10000 + i), 0);
		assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	}
	assert_int_equal(nat.nsess, 8);
	/* Room again once one has expired and been swept. */
	now += 300 * SEC - 7 * SEC;
	assert_int_equal(nat_expire(&nat, now, 1000), 1);
	len = mk_udp(b, H2, 10000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
}

/* nat_expire() does bounded work per call, and every call makes progress. */
static void test_expire_bounded(void **state)
{
	uint8_t b[256];
	uint32_t i, total = 0, calls = 0, r;
	size_t len;

	(void)state;
	for (i = 0; i < 3000; i++) {
		len = mk_udp(b, H1 + i % 50, (uint16_t)(2000 + i), R1 + i % 7, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	}
	assert_int_equal(nat.nsess, 3000);
	assert_int_equal(nat_expire(&nat, now, 64), 0); /* nothing expired yet */
	now += 301 * SEC;
	while (nat.nsess > 0) {
		r = nat_expire(&nat, now, 32);
		assert_true(r <= 32);
		total += r;
		calls++;
		assert_int_equal(nat_check(&nat), 0);
		assert_true(calls < 1000);
	}
	assert_int_equal(total, 3000);
	assert_int_equal(nat.nmaps, 0);
	assert_true(calls >= 3000 / 32);
}

/* Random traffic against a small table: invariants and checksums hold. */
static void test_random_run(void **state)
{
	static uint8_t b[2048];
	uint32_t i, r;
	size_t len;
	uint16_t port;

	(void)state;
	setup_nat(256);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	for (i = 0; i < 60000; i++) {
		r = xrand(&rstate);
		ip_ttl = (uint8_t)(r % 97 == 0 ? 1 : 64);
		ip_frag = r & 0x100 ? 0x4000 : 0;
		port = (uint16_t)(1024 + (r >> 20) % 64);
		switch (r % 8) {
		case 0:
			len = mk_udp(b, H1 + (r >> 8) % 8, port, R1 + (r >> 12) % 4, 53, r % 50);
			xl(NAT_OUTBOUND, b, len);
			break;
		case 1:
			len = mk_udp(b, R1 + (r >> 12) % 4, 53, UP, port, r % 50);
			xl(NAT_INBOUND, b, len);
			break;
		case 2:
			len = mk_tcp(b, H1 + (r >> 8) % 8, port, R1 + (r >> 12) % 4, 80,
				     (uint8_t)(r >> 24), r % 30);
			xl(NAT_OUTBOUND, b, len);
			break;
		case 3:
			len = mk_tcp(b, R1 + (r >> 12) % 4, 80, UP, r & 0x200 ? 8080 : port,
				     (uint8_t)(r >> 24), 0);
			xl(NAT_INBOUND, b, len);
			break;
		case 4:
			len = mk_udp(b, H1 + (r >> 8) % 8, port, UP,
				     (uint16_t)(1024 + (r >> 14) % 64), 4);
			xl(NAT_OUTBOUND, b, len);
			break;
		case 5:
			now += (r >> 8) % (3 * SEC);
			nat_expire(&nat, now, 64);
			break;
		case 6:
			/* Forwards come and go, with their sessions. */
			if (r & 0x10000)
				nat_forward_del(&nat, TCP, 8080);
			else
				nat_forward_add(&nat, TCP, 8080, H1, 80);
			assert_int_equal(nat_check(&nat), 0);
			break;
		default:
			if ((r >> 8) % 500 == 0) {
				nat_clear(&nat);
				assert_int_equal(nat.nsess, 0);
			}
			break;
		}
	}
	assert_true(nat.stats.verdict[NAT_TO_UPLINK] > 1000);
	assert_true(nat.stats.verdict[NAT_TO_INSIDE] > 1000);
	assert_true(nat.stats.verdict[NAT_ICMP_ADMIN_PROHIBITED] > 0);
}

/* A table of the default size fills to capacity with bounded probing. */
static void test_large_table(void **state)
{
	static uint8_t b[128];
	uint32_t i;
	size_t len;

	(void)state;
	setup_nat(NAT_CAPACITY_DEFAULT);
	nat.cfg.host_sessions = 0; /* one host fills it all below: no per-host limit */
	nat.cfg.icmp_err_rate = 0; /* and is told of every refusal */
	for (i = 0; i < NAT_CAPACITY_DEFAULT; i++) {
		len = mk_udp(b, 0xc0a80000u + i / 16, (uint16_t)(10000 + i % 16), R1 + i % 3, 53,
			     0);
		assert_int_equal(nat_translate(&nat, NAT_OUTBOUND, b, len, now, &meta),
				 i < (NAT_PORT_MAX_DEFAULT - NAT_PORT_MIN_DEFAULT + 1)
					 ? NAT_TO_UPLINK
					 : NAT_ICMP_ADMIN_PROHIBITED);
	}
	assert_int_equal(nat.nmaps, NAT_PORT_MAX_DEFAULT - NAT_PORT_MIN_DEFAULT + 1);
	assert_int_equal(nat.stats.refused_probe, 0);
	assert_true(nat.stats.probe_max < NAT_PROBE_MAX);
	assert_int_equal(nat_check(&nat), 0);
	/* Sessions to more remotes fill the rest of the session table. */
	for (i = 0; nat.nsess < NAT_CAPACITY_DEFAULT; i++) {
		len = mk_udp(b, 0xc0a80000u, 10000, R2 + i, 53, 0);
		assert_int_equal(nat_translate(&nat, NAT_OUTBOUND, b, len, now, &meta),
				 NAT_TO_UPLINK);
	}
	len = mk_udp(b, 0xc0a80000u, 10000, R3, 53, 0);
	assert_int_equal(nat_translate(&nat, NAT_OUTBOUND, b, len, now, &meta),
			 NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat_check(&nat), 0);
	now += 301 * SEC;
	while (nat.nsess > 0)
		nat_expire(&nat, now, 4096);
	assert_int_equal(nat.nmaps, 0);
	assert_int_equal(nat_check(&nat), 0);
}

/* The automatic table size: 65536 while it takes at most an eighth of
 * the heap, halved until it does, never below 1024. Literals, so that a
 * changed rule fails here (README states it). */
static void test_capacity_for_heap(void **state)
{
	(void)state;
	assert_int_equal(nat_capacity_for_heap(60u << 20), 65536);
	assert_int_equal(nat_capacity_for_heap((uint64_t)nat_mem_size(65536) * 8), 65536);
	assert_int_equal(nat_capacity_for_heap((uint64_t)nat_mem_size(65536) * 8 - 1), 32768);
	assert_int_equal(nat_capacity_for_heap(6u << 20), 8192);
	assert_int_equal(nat_capacity_for_heap(0), 1024);
	assert_true(nat_mem_size(65536) < (6u << 20)); /* 65536 fits in 48 MiB */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tcp_states, setup),
		cmocka_unit_test_setup(test_udp_icmp_timeouts, setup),
		cmocka_unit_test_setup(test_full_table, setup),
		cmocka_unit_test_setup(test_expire_bounded, setup),
		cmocka_unit_test_setup(test_random_run, setup),
		cmocka_unit_test_setup(test_large_table, setup),
		cmocka_unit_test(test_capacity_for_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
