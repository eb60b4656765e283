/*
 * Unit tests for the NAT core (net/nat*.c), its mappings: settings,
 * outbound and inbound translation, endpoint-independent mapping (one
 * socket, three destinations, one outside port) and filtering, port
 * preservation, parity and exhaustion, unsolicited inbound traffic, ICMP
 * echo, port forwards, hairpinning, "clear nat" and "show nat". The
 * session lifetimes are in test_nat_state.c, ICMP errors, router
 * decisions, fragments and malformed packets in test_nat_xlate.c.
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

/* Over memory that is zero already, nat_init_zeroed() makes the same
 * table as nat_init() over any memory. */
static void test_init_zeroed(void **state)
{
	static uint8_t made[1u << 16];
	struct nat_config c;
	struct nat a, b;
	size_t size = nat_mem_size(256);

	(void)state;
	assert_true(size <= sizeof(made) && size <= sizeof(mem));
	nat_config_default(&c);
	memset(mem, 0xa5, size);
	assert_int_equal(nat_init(&a, mem, sizeof(mem), 256, &c, 7, xrand, &rstate), 0);
	memcpy(made, mem, size);
	memset(mem, 0, size);
	assert_int_equal(nat_init_zeroed(&b, mem, sizeof(mem), 256, &c, 7, xrand, &rstate), 0);
	assert_memory_equal(mem, made, size);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(nat_check(&b), 0);
	assert_int_equal(nat_init_zeroed(&b, mem, 100, 256, &c, 7, xrand, &rstate), -EINVAL);
}

static void test_init(void **state)
{
	struct nat_config c;
	struct nat n;

	(void)state;
	nat_config_default(&c);
	assert_int_equal(nat_mem_size(0), 0);
	assert_int_equal(nat_mem_size(NAT_CAPACITY_MAX + 1), 0);
	assert_true(nat_mem_size(NAT_CAPACITY_DEFAULT) < 5u << 20);
	assert_int_equal(nat_init(&n, mem, 100, 64, &c, 1, xrand, &rstate), -EINVAL);
	assert_int_equal(
		nat_init(&n, (uint8_t *)mem + 4, sizeof(mem) - 8, 64, &c, 1, xrand, &rstate),
		-EINVAL);
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 64, &c, 1, NULL, NULL), -EINVAL);
	c.timeout[NAT_TMO_UDP] = 119;
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 64, &c, 1, xrand, &rstate), -EINVAL);
	nat_config_default(&c);
	c.port_min = 2000;
	c.port_max = 1999;
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 64, &c, 1, xrand, &rstate), -EINVAL);
	nat_config_default(&c);
	c.uplink_mtu = 67;
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 64, &c, 1, xrand, &rstate), -EINVAL);
	nat_config_default(&c);
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 1, &c, 1, xrand, &rstate), 0);
	assert_int_equal(nat_init(&n, mem, sizeof(mem), 64, &c, 1, xrand, &rstate), 0);
	assert_int_equal(n.cfg.timeout[NAT_TMO_UDP], 300);
	assert_int_equal(n.cfg.timeout[NAT_TMO_ICMP], 60);
	assert_int_equal(n.cfg.timeout[NAT_TMO_TCP_EST], 7440);
	assert_int_equal(n.cfg.timeout[NAT_TMO_TCP_TRANS], 240);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_UDP, 119), -EINVAL);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_UDP, 120), 0);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_TCP_EST, 7439), -EINVAL);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_TCP_TRANS, 239), -EINVAL);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_TCP_OPENING, 6), 0);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_ICMP, NAT_TIMEOUT_MAX + 1), -EINVAL);
	assert_int_equal(nat_set_timeout(&n, NAT_TMO_MAX, 300), -EINVAL);
	assert_string_equal(nat_timeout_name(NAT_TMO_TCP_EST), "tcp");
	assert_null(nat_timeout_name(NAT_TMO_MAX));
	assert_int_equal(nat_timeout_min(NAT_TMO_UDP), 120);
	assert_int_equal(nat_set_inside_mtu(&n, 67), -EINVAL);
	assert_int_equal(nat_set_uplink(&n, UP, 67), -EINVAL);
	assert_int_equal(nat_check(&n), 0);
	for (int v = 0; v < NAT_VERDICT_MAX; v++) {
		assert_true(strcmp(nat_verdict_name((enum nat_verdict)v), "?") != 0);
		for (int w = 0; w < v; w++)
			assert_true(strcmp(nat_verdict_name((enum nat_verdict)v),
					   nat_verdict_name((enum nat_verdict)w)) != 0);
	}
	assert_string_equal(nat_verdict_name(NAT_VERDICT_MAX), "?");
}

static void test_outbound_udp(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 20);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(g32(b + 16), R1);
	assert_int_equal(sport(b), 5000); /* preserved */
	assert_int_equal(dport(b), 53);
	assert_int_equal(b[8], 63);
	assert_int_equal(nat.nmaps, 1);
	assert_int_equal(nat.nsess, 1);
	assert_int_equal(nat.stats.port_preserved, 1);
	/* The reply comes back to the inside host. */
	len = mk_udp(b, R1, 53, UP, 5000, 40);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 12), R1);
	assert_int_equal(g32(b + 16), H1);
	assert_int_equal(dport(b), 5000);
	assert_int_equal(b[8], 63);
	assert_int_equal(nat.nsess, 1);
	assert_int_equal(nat.stats.verdict[NAT_TO_UPLINK], 1);
	assert_int_equal(nat.stats.verdict[NAT_TO_INSIDE], 1);
}

/* RFC 4787 REQ-1: one socket, three destinations, one outside port. */
static void test_eim_three_destinations(void **state)
{
	const uint32_t dst[3] = {R1, R2, R3};
	uint16_t port = 0;
	uint8_t b[256];
	size_t len;
	int i;

	(void)state;
	/* Taken already by another host, so the mapping is not a preserved port. */
	len = mk_udp(b, H2, 40000, R1, 9, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	for (i = 0; i < 3; i++) {
		len = mk_udp(b, H1, 40000, dst[i], 3478, 10);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
		if (i == 0)
			port = sport(b);
		assert_int_equal(sport(b), port);
	}
	assert_int_not_equal(port, 40000);
	assert_int_equal(nat.nmaps, 2);
	assert_int_equal(nat.nsess, 4);
	for (i = 0; i < 3; i++) {
		len = mk_udp(b, dst[i], 3478, UP, port, 10);
		assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
		assert_int_equal(g32(b + 16), H1);
		assert_int_equal(dport(b), 40000);
	}
	/* Endpoint-independent filtering: a fourth remote gets through, and
	 * its own session. */
	len = mk_udp(b, 0x09090909, 1234, UP, port, 10);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(nat.nsess, 5);
}

static void test_port_preservation_and_fallback(void **state)
{
	uint8_t b[256];
	uint16_t p2, p3, p4;
	size_t len;

	(void)state;
	len = mk_udp(b, H1, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), 5000);
	/* Same port from another host: a random free port of the same parity. */
	len = mk_udp(b, H2, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	p2 = sport(b);
	assert_int_not_equal(p2, 5000);
	assert_true(p2 >= NAT_PORT_MIN_DEFAULT && p2 <= NAT_PORT_MAX_DEFAULT);
	assert_int_equal(p2 & 1, 0);
	len = mk_udp(b, H3, 5001, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), 5001);
	/* Ports outside the pool (well-known, or the appliance's own range)
	 * are never used outside: a pool port instead (RFC 4787 REQ-3a). */
	len = mk_udp(b, H1, 123, R1, 123, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	p3 = sport(b);
	assert_true(p3 >= NAT_PORT_MIN_DEFAULT && p3 <= NAT_PORT_MAX_DEFAULT && (p3 & 1));
	len = mk_udp(b, H1, 60000, R1, 123, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	p4 = sport(b);
	assert_true(p4 >= NAT_PORT_MIN_DEFAULT && p4 <= NAT_PORT_MAX_DEFAULT && !(p4 & 1));
	/* TCP has its own ports: 5000 is free there. */
	len = mk_tcp(b, H2, 5000, R1, 80, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), 5000);
	/* The second host's mapping holds, both ways. */
	len = mk_udp(b, H2, 5000, R2, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), p2);
	len = mk_udp(b, R2, 53, UP, p2, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H2);
	assert_int_equal(dport(b), 5000);
}

/* A pool of four ports: parity first, then either, then refusal. */
static void test_port_exhaustion(void **state)
{
	struct nat_config c;
	uint8_t b[256];
	size_t len;
	uint32_t h;

	(void)state;
	nat_config_default(&c);
	c.uplink_ip = UP;
	c.port_min = 2000;
	c.port_max = 2003;
	assert_int_equal(nat_init(&nat, mem, sizeof(mem), 64, &c, 7, xrand, &rstate), 0);
	for (h = 0; h < 4; h++) {
		len = mk_udp(b, H1 + h, 4000, R1, 53, 0); /* even, outside the pool */
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
		if (h < 2)
			assert_int_equal(sport(b) & 1, 0);
		else
			assert_int_equal(sport(b) & 1, 1);
	}
	len = mk_udp(b, H1 + 4, 4000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_ports, 1);
	/* ICMP identifiers are a separate space. */
	len = mk_icmp(b, H1 + 4, R1, 8, 4000, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
}

static void test_unsolicited_inbound(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	len = mk_udp(b, R1, 53, UP, 6000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	len = mk_tcp(b, R1, 4444, UP, 6000, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	/* Ports outside the pool are the appliance's own. */
	len = mk_tcp(b, R1, 4444, UP, 22, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	len = mk_udp(b, R1, 53, UP, 50000, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	len = mk_udp(b, R1, 67, UP, 68, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	len = mk_icmp(b, R1, UP, 8, 77, 8); /* pings to the appliance */
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	len = mk_icmp(b, R1, UP, 0, 5000, 8); /* a reply nobody asked for */
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	len = mk_icmp(b, R1, UP, 0, 60000, 8);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_LOCAL);
	assert_int_equal(nat.nsess, 0);
	assert_int_equal(nat.stats.verdict[NAT_DROP_NO_MAPPING], 3);
}

static void test_inbound_filtering(void **state)
{
	uint8_t b[256];
	uint16_t id;
	size_t len;

	(void)state;
	len = mk_tcp(b, H1, 30000, R1, 443, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	/* A SYN from another remote may open a session (RFC 5382 REQ-3), other
	 * segments from it may not. */
	len = mk_tcp(b, R2, 1111, UP, 30000, ACK, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_SESSION);
	len = mk_tcp(b, R2, 1111, UP, 30000, SYN | ACK, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_SESSION);
	len = mk_tcp(b, R2, 1111, UP, 30000, RST, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_SESSION);
	len = mk_tcp(b, R2, 1111, UP, 30000, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_string_equal(state_of(H1, 30000, R2), "syn-in");
	/* ICMP replies need their session. */
	len = mk_icmp(b, H1, R1, 8, 900, 8); /* below the pool: a pool identifier */
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	id = icmp_id(b);
	assert_true(id >= NAT_PORT_MIN_DEFAULT);
	len = mk_icmp(b, R2, UP, 0, id, 8);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_SESSION);
	len = mk_icmp(b, R1, UP, 0, id, 8);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(icmp_id(b), 900);
	/* Outbound RST with no mapping: nothing to create. */
	len = mk_tcp(b, H2, 30001, R1, 443, RST | ACK, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_NO_SESSION);
	assert_int_equal(nat.nmaps, 2);
}

static void test_icmp_echo(void **state)
{
	uint8_t b[256];
	uint16_t id2;
	size_t len;

	(void)state;
	len = mk_icmp(b, H1, R1, 8, 0x1234, 56);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(icmp_id(b), 0x1234);
	len = mk_icmp(b, H2, R1, 8, 0x1234, 56);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	id2 = icmp_id(b);
	assert_int_not_equal(id2, 0x1234);
	len = mk_icmp(b, R1, UP, 0, id2, 56);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H2);
	assert_int_equal(icmp_id(b), 0x1234);
	len = mk_icmp(b, R1, UP, 0, 0x1234, 56);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H1);
	/* Timestamp queries too; replies never start anything outbound. */
	len = mk_icmp(b, H3, R1, 13, 77, 12);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_icmp(b, H3, R1, 0, 78, 12);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ICMP_TYPE);
	len = mk_icmp(b, H3, R1, 5, 0, 28); /* redirect */
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_ICMP_TYPE);
	/* Pinging the uplink address from inside is the appliance's. */
	len = mk_icmp(b, H3, UP, 8, 79, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_LOCAL);
}

static void test_forward(void **state)
{
	struct nat_forward f;
	uint8_t b[256];
	uint32_t pos = 0;
	size_t len;

	(void)state;
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), -EEXIST);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H2, 80), -EBUSY);
	assert_int_equal(nat_forward_add(&nat, TCP, 8081, H1, 80), -EBUSY);
	assert_int_equal(nat_forward_add(&nat, ICMP, 8081, H1, 80), -EINVAL);
	assert_int_equal(nat_forward_add(&nat, TCP, 0, H1, 80), -EINVAL);
	assert_int_equal(nat_forward_add(&nat, TCP, 50000, H1, 81), 0); /* above the pool */
	assert_int_equal(nat_forward_del(&nat, TCP, 50000), 0);
	assert_int_equal(nat_forward_add(&nat, UDP, 8080, H1, 80), 0); /* own space */
	assert_int_equal(nat_forward_add(&nat, UDP, 53, H2, 53), 0);   /* below the pool */
	assert_int_equal(nat.nforwards, 3);
	assert_int_equal(nat_forward_next(&nat, &pos, &f), 0);
	assert_int_equal(f.proto, TCP);
	assert_int_equal(f.out_port, 8080);
	assert_int_equal(f.in_ip, H1);
	assert_int_equal(f.in_port, 80);

	/* From outside: in to the server, its replies out from 8080. */
	len = mk_tcp(b, R1, 40000, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H1);
	assert_int_equal(dport(b), 80);
	len = mk_tcp(b, H1, 80, R1, 40000, SYN | ACK, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(sport(b), 8080);
	assert_string_equal(state_of(H1, 80, R1), "established");
	len = mk_udp(b, R2, 3333, UP, 53, 30);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H2);
	/* Forwards never expire; their sessions do. */
	now += 8000 * SEC;
	assert_true(nat_expire(&nat, now, 100000) >= 2);
	assert_int_equal(nat.nsess, 0);
	assert_int_equal(nat.nmaps, 3);
	len = mk_tcp(b, R3, 40001, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(nat.nsess, 1);
	/* Removing one ends its sessions. */
	assert_int_equal(nat_forward_del(&nat, TCP, 8080), 0);
	assert_int_equal(nat_forward_del(&nat, TCP, 8080), -ENOENT);
	assert_int_equal(nat.nsess, 0);
	assert_int_equal(nat.nforwards, 2);
	assert_int_equal(nat_check(&nat), 0);
	len = mk_tcp(b, R3, 40001, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	/* A forward added over dynamic mappings ends them (outside port, or
	 * inside address and port), sessions and all. */
	len = mk_udp(b, H3, 7000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_udp(b, H3, 7000, R2, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(nat_forward_del(&nat, UDP, 7000), -ENOENT);
	assert_int_equal(nat_forward_add(&nat, UDP, 7000, H1, 7000), 0);
	assert_int_equal(nat.stats.maps_preempted, 1);
	assert_int_equal(nat.nsess, 0);
	len = mk_udp(b, H3, 7001, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(nat_forward_add(&nat, UDP, 7002, H3, 7001), 0);
	assert_int_equal(nat.stats.maps_preempted, 2);
	assert_int_equal(nat_forward_add(&nat, UDP, 7003, H3, 7001), -EBUSY);
	assert_int_equal(nat_check(&nat), 0);
	len = mk_udp(b, H3, 7001, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(sport(b), 7002);
}

/* RFC 4787 REQ-9: an inside host reaches another through the uplink
 * address and sees the other's outside address and port. */
static void test_hairpin(void **state)
{
	uint8_t b[256];
	uint16_t p2;
	size_t len;

	(void)state;
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	len = mk_tcp(b, H2, 5555, UP, 8080, SYN, 10);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 12), UP);
	p2 = sport(b);
	assert_int_equal(p2, 5555);
	assert_int_equal(g32(b + 16), H1);
	assert_int_equal(dport(b), 80);
	len = mk_tcp(b, H1, 80, UP, p2, SYN | ACK, 10);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(sport(b), 8080);
	assert_int_equal(g32(b + 16), H2);
	assert_int_equal(dport(b), 5555);
	assert_string_equal(state_of(H2, 5555, UP), "established");
	assert_string_equal(state_of(H1, 80, UP), "established");
	/* Between two dynamic mappings (a UDP peer-to-peer case). */
	len = mk_udp(b, H1, 7000, R1, 3478, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_udp(b, H3, 7100, UP, 7000, 5);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 12), UP);
	assert_int_equal(sport(b), 7100);
	assert_int_equal(g32(b + 16), H1);
	assert_int_equal(dport(b), 7000);
	/* To the uplink address but no mapping: the appliance's, or dropped. */
	len = mk_tcp(b, H1, 1000, UP, 22, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_LOCAL);
	len = mk_tcp(b, H1, 1000, UP, 6000, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_DROP_NO_MAPPING);
	len = mk_ip(b, 47, H1, UP, 0); /* GRE to the appliance */
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_LOCAL);
}

static void test_clear(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	assert_int_equal(nat_forward_add(&nat, TCP, 2222, H1, 22), 0);
	len = mk_tcp(b, R1, 1234, UP, 2222, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	len = mk_udp(b, H2, 5000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	assert_int_equal(nat.nsess, 2);
	nat_clear(&nat);
	assert_int_equal(nat.nsess, 0);
	assert_int_equal(nat.nmaps, 1);
	assert_int_equal(nat.nforwards, 1);
	assert_int_equal(nat_check(&nat), 0);
	len = mk_tcp(b, R1, 1234, UP, 2222, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	nat_clear_counters(&nat);
	assert_int_equal(nat.stats.verdict[NAT_TO_INSIDE], 0);
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

/* A forward opens at most forward_rate new inbound sessions a second: an
 * outside host sending SYNs from every source port cannot fill the table
 * through it; sessions already open carry on, and the next second allows
 * more. */
static void test_forward_rate(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	assert_int_equal(nat.cfg.forward_rate, NAT_FORWARD_RATE_DEFAULT);
	nat.cfg.forward_rate = 5;
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	now = 10 * SEC;
	for (uint16_t i = 0; i < 5; i++) {
		len = mk_tcp(b, R1, (uint16_t)(40000 + i), UP, 8080, SYN, 0);
		assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	}
	len = mk_tcp(b, R1, 40005, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_RATE);
	/* An open session's segments are not new sessions. */
	len = mk_tcp(b, R1, 40001, UP, 8080, ACK, 10);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(nat.stats.verdict[NAT_DROP_RATE], 1);
	assert_int_equal(nat.nsess, 5);
	/* Dynamic mappings are not limited. */
	for (uint16_t i = 0; i < 8; i++) {
		len = mk_udp(b, H2, (uint16_t)(5000 + i), R2, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	}
	now += SEC;
	len = mk_tcp(b, R1, 40005, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
}

/* One inside host holds at most host_sessions sessions: the others still
 * open theirs, and its own expiring sessions give it room back. */
static void test_host_quota(void **state)
{
	uint8_t b[256];
	size_t len;

	(void)state;
	assert_int_equal(nat.cfg.host_sessions, NAT_HOST_SESSIONS_DEFAULT);
	nat.cfg.host_sessions = 10;
	for (uint16_t i = 0; i < 10; i++) {
		len = mk_udp(b, H1, (uint16_t)(5000 + i), R1, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	}
	/* A new mapping, or a new remote of an existing one: refused. */
	len = mk_udp(b, H1, 6000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	len = mk_udp(b, H1, 5000, R2, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(nat.stats.refused_host, 2);
	/* Its existing sessions carry on; another host is not affected. */
	len = mk_udp(b, R1, 53, UP, 5003, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	len = mk_udp(b, H2, 6000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	/* Expired sessions give the host its room back. */
	now += 10 * 60 * SEC;
	nat_expire(&nat, now, 100000);
	assert_int_equal(nat_check(&nat), 0);
	len = mk_udp(b, H1, 6000, R1, 53, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
}

/* Growing the table (`nat sessions` at run time) keeps every flow. */
static void test_copy_grows(void **state)
{
	static uint64_t big[(5u << 20) / 8];
	struct nat_config c;
	struct nat bigger;
	uint8_t b[256];
	uint16_t tport;
	size_t len;

	(void)state;
	setup_nat(64);
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H2, 80), 0);
	len = mk_udp(b, H1, 5000, R1, 53, 20);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_tcp(b, H1, 40000, R2, 443, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	tport = sport(b);
	len = mk_tcp(b, R2, 443, UP, tport, SYN | ACK, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_string_equal(state_of(H1, 40000, R2), "established");

	nat_config_default(&c);
	c.uplink_ip = UP;
	assert_int_equal(nat_init(&bigger, big, sizeof(big), 4096, &c, 7, xrand, &rstate), 0);
	assert_int_equal(nat_copy(&bigger, &nat), 0);
	assert_int_equal(nat_check(&bigger), 0);
	assert_int_equal(bigger.nmaps, nat.nmaps);
	assert_int_equal(bigger.nsess, nat.nsess);
	assert_int_equal(bigger.nforwards, 1);
	nat = bigger; /* the harness translates through (nat); its records stay in (big) */
	assert_int_equal(nat_check(&nat), 0);
	/* The replies of both flows still come in, the TCP one still established. */
	assert_string_equal(state_of(H1, 40000, R2), "established");
	len = mk_udp(b, R1, 53, UP, 5000, 40);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H1);
	len = mk_tcp(b, R2, 443, UP, tport, ACK, 10);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(dport(b), 40000);
	/* The forward too. */
	len = mk_tcp(b, R3, 1234, UP, 8080, SYN, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	assert_int_equal(g32(b + 16), H2);

	/* Shrinking below what is in use: refused, the source untouched. */
	setup_nat(64);
	for (uint16_t i = 0; i < 64; i++) {
		len = mk_udp(b, H1, (uint16_t)(6000 + i), R1, 53, 0);
		assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	}
	assert_int_equal(nat_init(&bigger, big, sizeof(big), 32, &c, 7, xrand, &rstate), 0);
	assert_int_equal(nat_copy(&bigger, &nat), -ENOSPC);
	assert_int_equal(nat.nsess, 64);
	assert_int_equal(nat_check(&nat), 0);
}

static void test_show(void **state)
{
	struct cli_out out = {sink, NULL};
	uint8_t b[256];
	size_t len;

	(void)state;
	assert_int_equal(nat_forward_add(&nat, TCP, 8080, H1, 80), 0);
	len = mk_tcp(b, H2, 40000, R1, 443, SYN, 0);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_tcp(b, R1, 443, UP, 40000, SYN | ACK, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_TO_INSIDE);
	len = mk_icmp(b, H1, R2, 8, 99, 8);
	assert_int_equal(xl(NAT_OUTBOUND, b, len), NAT_TO_UPLINK);
	len = mk_udp(b, R1, 1, UP, 7777, 0);
	assert_int_equal(xl(NAT_INBOUND, b, len), NAT_DROP_NO_MAPPING);
	now += 12 * SEC;
	shown_len = 0;
	assert_int_equal(nat_show(&nat, now, 100, &out), 0);
	assert_non_null(strstr(shown, "uplink 10.88.0.2"));
	assert_non_null(strstr(shown, "forward tcp 8080 192.168.99.10 80"));
	assert_non_null(strstr(shown, "192.168.99.11:40000"));
	assert_non_null(strstr(shown, "93.184.216.34:443"));
	assert_non_null(strstr(shown, "established"));
	assert_non_null(strstr(shown, "icmp  192.168.99.10:99"));
	assert_non_null(strstr(shown, " 12\n"));
	assert_non_null(strstr(shown, "2 sessions shown of 2"));
	shown_len = 0;
	assert_int_equal(nat_show(&nat, now, 1, &out), 0);
	assert_non_null(strstr(shown, "1 sessions shown of 2"));
	shown_len = 0;
	assert_int_equal(nat_show_counters(&nat, &out), 0);
	assert_non_null(strstr(shown, "no-mapping 1"));
	assert_non_null(strstr(shown, "to uplink 2, to inside 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_zeroed),
		cmocka_unit_test_setup(test_outbound_udp, setup),
		cmocka_unit_test_setup(test_eim_three_destinations, setup),
		cmocka_unit_test_setup(test_port_preservation_and_fallback, setup),
		cmocka_unit_test_setup(test_port_exhaustion, setup),
		cmocka_unit_test_setup(test_unsolicited_inbound, setup),
		cmocka_unit_test_setup(test_inbound_filtering, setup),
		cmocka_unit_test_setup(test_icmp_echo, setup),
		cmocka_unit_test_setup(test_forward, setup),
		cmocka_unit_test_setup(test_hairpin, setup),
		cmocka_unit_test_setup(test_clear, setup),
		cmocka_unit_test_setup(test_forward_rate, setup),
		cmocka_unit_test_setup(test_host_quota, setup),
		cmocka_unit_test_setup(test_copy_grows, setup),
		cmocka_unit_test_setup(test_show, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
