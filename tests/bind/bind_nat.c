/*
 * Binding tests of the forwarding path: the default config with a static
 * uplink typed at the console (uplink eth0 address 10.88.0.2/24 gateway
 * 10.88.0.1), then a guest on eth1 (192.168.99.10, no DHCP needed)
 * reaching the outside through NAT:
 *
 *   guest 192.168.99.10 --eth1-- [vmnet8 .2 | NAT | uplink 10.88.0.2] --eth0-- router 10.88.0.1
 *                                                                           \- 203.0.113.7 beyond
 * it
 *
 * A TCP SYN leaves eth0 translated once the gateway has resolved the next
 * hop by ARP; the SYN-ACK comes back out of eth1 with the guest's address
 * and port restored; every checksum is checked here, independently. Then
 * ICMP echo and UDP the same way, a port forward inward, and the uplink
 * address answering ping. Run in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bind/bind.h"

static const uint8_t GUEST[6] = {0x00, 0x0c, 0x29, 0xaa, 0x00, 0x10};
static const uint8_t ROUTER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};
static const uint8_t OUTSIDER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x05};
static uint8_t gw_mac[6], up_mac[6];
static uint32_t guest_ip, up_ip, router_ip, remote_ip;
static uint16_t syn_port; /* the outside port of the guest's TCP connection */

static bool is_proto(const struct pkt *p, const void *arg)
{
	return p->type == FRAME_TYPE_IP && p->proto == *(const uint8_t *)arg;
}

/* The single IPv4 frame of protocol (proto) out of (port), checked: good
 * checksums, and nothing of that protocol out of any other port. */
static void expect_one(int port, uint8_t proto, struct pkt *p)
{
	int k = bind_find(port, 0, p, is_proto, &proto);

	if (k < 0)
		fail_msg("no protocol %u packet out of eth%d (%d frames there)", proto, port,
			 fake_tx_count(port));
	assert_int_equal(bind_find(port, k + 1, p, is_proto, &proto), -1);
	for (int i = 0; i < 4; i++)
		if (i != port && bind_find(i, 0, p, is_proto, &proto) >= 0)
			fail_msg("a protocol %u packet also left eth%d", proto, i);
	bind_find(port, k, p, is_proto, &proto);
	if (!p->ip_ok || !p->l4_ok)
		fail_msg("bad checksum out of eth%d: IP %s, transport %s", port,
			 p->ip_ok ? "good" : "BAD", p->l4_ok ? "good" : "BAD");
}

static void guest_send(uint8_t proto, uint32_t dst, const uint8_t *l4, size_t len)
{
	uint8_t f[1600];

	fake_tx_clear();
	assert_true(fake_rx(1, f, frame_ip(f, gw_mac, GUEST, proto, guest_ip, dst, l4, len)));
}

static void outside_send(const uint8_t *mac, uint8_t proto, uint32_t src, const uint8_t *l4,
			 size_t len)
{
	uint8_t f[1600];

	fake_tx_clear();
	assert_true(fake_rx(0, f, frame_ip(f, up_mac, mac, proto, src, up_ip, l4, len)));
}

static void test_setup(void **state)
{
	(void)state;
	guest_ip = ip4("192.168.99.10");
	up_ip = ip4("10.88.0.2");
	router_ip = ip4("10.88.0.1");
	remote_ip = ip4("203.0.113.7");
	assert_int_equal(bind_boot(4), 0);
	/* The boot's NAT table is small; the full one is cleared a piece a
	 * pass after ready (test_boot_table_grows). */
	assert_non_null(strstr(bind_cli("show nat"), "of 1024 sessions"));
	assert_non_null(strstr(bind_out(), "growing to 65536 sessions"));
	bind_config("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1");
	bind_run(100);
	assert_non_null(strstr(bind_cli("show uplink"), "uplink address 10.88.0.2 mask "
							"255.255.255.0 gateway 10.88.0.1"));
	fake_tx_clear();
	/* The guest finds its gateway; the reply comes out of eth1 alone. */
	assert_true(bind_arp_resolve(1, GUEST, guest_ip, ip4("192.168.99.2"), gw_mac));
	assert_int_equal(fake_tx_count(0), 0);
}

/* The uplink booted by DHCP (config/default.conf) and was then made
 * static: show uplink must not call it DHCP any more. */
static void test_uplink_shown_static(void **state)
{
	(void)state;
	if (strstr(bind_cli("show uplink"), "(DHCP)") != NULL)
		fail_msg("a static uplink is shown as DHCP:\n%s", bind_out());
}

static void test_syn_out_after_arp(void **state)
{
	uint8_t l4[64];
	struct pkt p;
	int k;

	(void)state;
	guest_send(FRAME_TCP, router_ip, l4, l4_tcp(l4, 40000, 80, 1000, 0, FRAME_SYN));
	/* The next hop is unknown: the gateway asks for it on eth0 only. */
	k = bind_find(0, 0, &p, NULL, NULL);
	assert_true(k >= 0);
	assert_int_equal(p.type, FRAME_TYPE_ARP);
	assert_int_equal(p.arp_op, 1);
	assert_int_equal(p.arp_spa, up_ip);
	assert_int_equal(p.arp_tpa, router_ip);
	memcpy(up_mac, p.arp_sha, 6);
	for (int i = 1; i < 4; i++)
		assert_int_equal(fake_tx_count(i), 0);
	/* Answered, the queued SYN leaves, translated. */
	assert_int_equal(bind_answer_arp(0, router_ip, ROUTER), 1);
	expect_one(0, FRAME_TCP, &p);
	assert_memory_equal(p.dst, ROUTER, 6);
	assert_memory_equal(p.src, up_mac, 6);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.ip_dst, router_ip);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.tcp_flags, FRAME_SYN);
	assert_int_equal(p.tcp_seq, 1000);
	assert_int_equal(p.ttl, 63); /* a router decrements it */
	syn_port = p.sport;
	assert_int_not_equal(syn_port, 0);
}

static void test_synack_back_in(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	outside_send(ROUTER, FRAME_TCP, router_ip, l4,
		     l4_tcp(l4, 80, syn_port, 5000, 1001, FRAME_SYN | FRAME_ACK));
	/* lwIP learned the guest's MAC from its ARP request: no ARP needed. */
	expect_one(1, FRAME_TCP, &p);
	assert_memory_equal(p.dst, GUEST, 6);
	assert_memory_equal(p.src, gw_mac, 6);
	assert_int_equal(p.ip_src, router_ip);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.sport, 80);
	assert_int_equal(p.dport, 40000);
	assert_int_equal(p.tcp_flags, FRAME_SYN | FRAME_ACK);
	assert_int_equal(p.tcp_ack, 1001);
	assert_int_equal(p.ttl, 63);
	assert_non_null(strstr(bind_cli("show nat"), "192.168.99.10:40000"));
}

/* The boot's table has grown to the size RAM allows, and the guest's
 * flow, made while it was small, kept its outside port. */
static void test_boot_table_grows(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	bind_run(2000);
	assert_non_null(strstr(bind_cli("show nat"), "of 65536 sessions"));
	assert_null(strstr(bind_out(), "growing"));
	assert_non_null(strstr(bind_out(), "192.168.99.10:40000"));
	fake_tx_clear();
	guest_send(FRAME_TCP, router_ip, l4, l4_tcp(l4, 40000, 80, 1001, 5001, FRAME_ACK));
	expect_one(0, FRAME_TCP, &p);
	assert_int_equal(p.sport, syn_port);
}

/* Beyond the uplink's subnet: through the gateway, whose MAC is known. */
static void test_syn_beyond_gateway(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	guest_send(FRAME_TCP, remote_ip, l4, l4_tcp(l4, 40001, 443, 7, 0, FRAME_SYN));
	expect_one(0, FRAME_TCP, &p);
	assert_memory_equal(p.dst, ROUTER, 6);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.ip_dst, remote_ip);
	assert_int_equal(p.dport, 443);
	outside_send(ROUTER, FRAME_TCP, remote_ip, l4,
		     l4_tcp(l4, 443, p.sport, 99, 8, FRAME_SYN | FRAME_ACK));
	expect_one(1, FRAME_TCP, &p);
	assert_int_equal(p.ip_src, remote_ip);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.dport, 40001);
}

static void test_ping_through(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	guest_send(FRAME_ICMP, remote_ip, l4, l4_icmp_echo(l4, 8, 0x4242, 1));
	expect_one(0, FRAME_ICMP, &p);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.ip_src, up_ip);
	outside_send(ROUTER, FRAME_ICMP, remote_ip, l4, l4_icmp_echo(l4, 0, p.sport, 1));
	expect_one(1, FRAME_ICMP, &p);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.sport, 0x4242); /* the identifier restored */
}

static void test_udp_through(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	guest_send(FRAME_UDP, remote_ip, l4, l4_udp(l4, 5353, 9999, "hello", 5));
	expect_one(0, FRAME_UDP, &p);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.dport, 9999);
	assert_int_equal(p.data_len, 5);
	assert_memory_equal(p.data, "hello", 5);
	outside_send(ROUTER, FRAME_UDP, remote_ip, l4, l4_udp(l4, 9999, p.sport, "world!", 6));
	expect_one(1, FRAME_UDP, &p);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.dport, 5353);
	assert_memory_equal(p.data, "world!", 6);
}

static void test_port_forward(void **state)
{
	uint8_t l4[64];
	struct pkt p;

	(void)state;
	bind_config("network vmnet8\nforward tcp 8080 192.168.99.10 80\nexit");
	outside_send(ROUTER, FRAME_TCP, remote_ip, l4, l4_tcp(l4, 5555, 8080, 1, 0, FRAME_SYN));
	expect_one(1, FRAME_TCP, &p);
	assert_memory_equal(p.dst, GUEST, 6);
	assert_int_equal(p.ip_src, remote_ip);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.dport, 80);
	/* The guest's answer leaves from the forwarded port. */
	guest_send(FRAME_TCP, remote_ip, l4, l4_tcp(l4, 80, 5555, 50, 2, FRAME_SYN | FRAME_ACK));
	expect_one(0, FRAME_TCP, &p);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.sport, 8080);
	assert_int_equal(p.dport, 5555);
}

/* A packet whose TTL runs out at the gateway: time exceeded, from the
 * gateway address, back to the guest, quoting the guest's own header. */
static void test_ttl_exceeded(void **state)
{
	uint8_t l4[64], f[200];
	struct pkt p;
	size_t n;

	(void)state;
	n = frame_ip(f, gw_mac, GUEST, FRAME_UDP, guest_ip, remote_ip, l4,
		     l4_udp(l4, 33434, 33435, "trace", 5));
	frame_set_ttl(f, 1);
	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	expect_one(1, FRAME_ICMP, &p);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.ip_src, ip4("192.168.99.2"));
	assert_int_equal(p.ip_dst, guest_ip);
	assert_memory_equal(p.dst, GUEST, 6);
	/* The quoted packet: the guest's header as sent, and its ports. */
	assert_true(p.data_len >= 28);
	assert_int_equal(p.data[9], FRAME_UDP);
	assert_int_equal(be32(p.data + 12), guest_ip);
	assert_int_equal(be32(p.data + 16), remote_ip);
	assert_int_equal(p.data[20] << 8 | p.data[21], 33434);
	assert_int_equal(fake_tx_count(0), 0);
}

/* A guest reaching the port forward through the uplink address: it
 * hairpins to the web server guest, from the uplink address. */
/* A new flow with no room (the guest at `quota host-sessions 1`, its only
 * session established, so nothing to evict) is answered with ICMP 3/13
 * from the gateway (RFC 5508 REQ-8), quoting the guest's header. */
static void test_refused_flow_prohibited(void **state)
{
	uint8_t l4[64], f[200];
	struct pkt p;
	size_t n;

	(void)state;
	assert_int_equal(bind_line("quota host-sessions 1"), 0);
	n = frame_ip(f, gw_mac, GUEST, FRAME_UDP, guest_ip, remote_ip, l4,
		     l4_udp(l4, 40404, 53, "no room", 7));
	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	expect_one(1, FRAME_ICMP, &p);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 13);
	assert_int_equal(p.ip_src, ip4("192.168.99.2"));
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(fake_tx_count(0), 0); /* nothing left through the uplink */
	assert_int_equal(bind_line("no quota host-sessions"), 0);
}

static void test_hairpin(void **state)
{
	static const uint8_t guest2[6] = {0x00, 0x0c, 0x29, 0xaa, 0x00, 0x11};
	uint32_t guest2_ip = ip4("192.168.99.11");
	uint8_t l4[64], f[200], mac[6];
	struct pkt p;

	(void)state;
	assert_true(bind_arp_resolve(2, guest2, guest2_ip, ip4("192.168.99.2"), mac));
	fake_tx_clear();
	assert_true(fake_rx(2, f,
			    frame_ip(f, gw_mac, guest2, FRAME_TCP, guest2_ip, up_ip, l4,
				     l4_tcp(l4, 42000, 8080, 1, 0, FRAME_SYN))));
	expect_one(1, FRAME_TCP, &p);
	assert_memory_equal(p.dst, GUEST, 6);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_not_equal(p.sport, 0);
}

/* The uplink address is the appliance's own: lwIP answers ping there. */
static void test_uplink_address_answers(void **state)
{
	uint8_t l4[64];
	struct pkt p;
	uint32_t outsider = ip4("10.88.0.5");

	(void)state;
	outside_send(OUTSIDER, FRAME_ICMP, outsider, l4, l4_icmp_echo(l4, 8, 7, 1));
	bind_answer_arp(0, outsider, OUTSIDER);
	expect_one(0, FRAME_ICMP, &p);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.ip_dst, outsider);
	assert_memory_equal(p.dst, OUTSIDER, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_uplink_shown_static),
		cmocka_unit_test(test_syn_out_after_arp),
		cmocka_unit_test(test_synack_back_in),
		cmocka_unit_test(test_boot_table_grows),
		cmocka_unit_test(test_syn_beyond_gateway),
		cmocka_unit_test(test_ping_through),
		cmocka_unit_test(test_udp_through),
		cmocka_unit_test(test_port_forward),
		cmocka_unit_test(test_ttl_exceeded),
		cmocka_unit_test(test_refused_flow_prohibited),
		cmocka_unit_test(test_hairpin),
		cmocka_unit_test(test_uplink_address_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
