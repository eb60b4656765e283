/*
 * Binding tests of what the gateway answers, and where: ARP for the
 * gateway address from a guest is answered on that guest's port only, and
 * ARP for any other address not at all; ping to the gateway works from
 * inside; a packet from the uplink segment for the inside gateway address
 * 192.168.99.2 (an outside host routing the inside subnet via the uplink)
 * is dropped, whether the uplink's address is static or its DHCP lease is
 * still pending, while the uplink's own address answers. Run in order.
 *
 *   guests --eth1..eth3-- [vmnet8 192.168.99.2 | uplink] --eth0-- outsider 10.88.0.5
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bind/bind.h"

static const uint8_t GUEST[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x02};
static const uint8_t OUTSIDER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x05};
static uint8_t gw_mac[6], up_mac[6];
static uint32_t guest_ip, gw_ip, outsider_ip;

/* The ARP replies recorded on (port). */
static int arp_replies(int port)
{
	int n = 0;
	struct pkt p;

	for (int k = 0; (k = bind_find(port, k, &p, NULL, NULL)) >= 0; k++)
		n += p.type == FRAME_TYPE_ARP && p.arp_op == 2;
	return n;
}

static bool is_echo_reply(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_ICMP && p->icmp_type == 0;
}

/* An outsider's packet on eth0, addressed to (eth_dst), for (dst). */
static void from_outside(const uint8_t eth_dst[6], uint8_t proto, uint32_t dst, const uint8_t *l4,
			 size_t len)
{
	uint8_t f[1600];

	fake_tx_clear();
	assert_true(
		fake_rx(0, f, frame_ip(f, eth_dst, OUTSIDER, proto, outsider_ip, dst, l4, len)));
}

/* A DNS query for "example.com" A, as a UDP payload. */
static size_t dns_query(uint8_t *q)
{
	static const uint8_t msg[] = {0x12, 0x34, 0x01, 0x00, 0,   1,	0,   0,	  0,   0,
				      0,    0,	  7,	'e',  'x', 'a', 'm', 'p', 'l', 'e',
				      3,    'c',  'o',	'm',  0,   0,	1,   0,	  1};

	memcpy(q, msg, sizeof(msg));
	return sizeof(msg);
}

static void test_boot(void **state)
{
	(void)state;
	guest_ip = ip4("192.168.99.20");
	gw_ip = ip4("192.168.99.2");
	outsider_ip = ip4("10.88.0.5");
	assert_int_equal(bind_boot(4), 0);
	fake_tx_clear();
}

/* The default uplink takes its address by DHCP; until a lease comes, the
 * uplink has none. A packet for the inside gateway from the uplink must
 * stop anyway (net/nat/gateway.c, gw_from_uplink). */
static void test_uplink_pending_to_inside_gateway(void **state)
{
	uint8_t l4[128], q[64];
	char dns_before[4096];
	const uint8_t *up = NULL;
	struct pkt p;

	(void)state;
	/* The uplink's MAC, from its DHCP client's frames. */
	bind_run(5000);
	if (bind_find(0, 0, &p, NULL, NULL) >= 0)
		up = p.src;
	assert_non_null(up);
	memcpy(up_mac, up, 6);
	snprintf(dns_before, sizeof(dns_before), "%s", bind_cli("show dns"));
	from_outside(up_mac, FRAME_ICMP, gw_ip, l4, l4_icmp_echo(l4, 8, 1, 1));
	from_outside(up_mac, FRAME_UDP, gw_ip, l4, l4_udp(l4, 3333, 53, q, dns_query(q)));
	bind_answer_arp(0, outsider_ip, OUTSIDER);
	assert_int_equal(fake_tx_total(), 0);
	if (strcmp(bind_cli("show dns"), dns_before) != 0)
		fail_msg("a DNS query from the uplink for 192.168.99.2 reached the forwarder "
			 "while the uplink's lease was pending; show dns now says:\n%.300s",
			 bind_out());
}

static void test_arp_for_gateway_on_own_port(void **state)
{
	(void)state;
	bind_config("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1");
	fake_tx_clear();
	assert_true(bind_arp_resolve(2, GUEST, guest_ip, gw_ip, gw_mac));
	assert_int_equal(arp_replies(2), 1);
	assert_int_equal(arp_replies(1), 0);
	assert_int_equal(arp_replies(3), 0);
	assert_int_equal(fake_tx_count(0), 0);
	/* The request itself flooded to the network's other ports. */
	assert_int_equal(fake_tx_count(1), 1);
	assert_int_equal(fake_tx_count(3), 1);
	assert_int_equal(gw_mac[0], 0x02); /* locally administered */
}

static void test_arp_for_others_unanswered(void **state)
{
	static const char *const others[] = {"192.168.99.77", "10.88.0.2", "192.168.99.255",
					     "10.88.0.1"};
	uint8_t mac[6];

	(void)state;
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		fake_tx_clear();
		if (bind_arp_resolve(2, GUEST, guest_ip, ip4(others[i]), mac))
			fail_msg("ARP for %s from a guest was answered", others[i]);
		for (int port = 0; port < 4; port++)
			assert_int_equal(arp_replies(port), 0);
	}
}

static void test_ping_gateway(void **state)
{
	uint8_t f[200], l4[64];
	struct pkt p;
	int k;

	(void)state;
	fake_tx_clear();
	fake_rx(2, f,
		frame_ip(f, gw_mac, GUEST, FRAME_ICMP, guest_ip, gw_ip, l4,
			 l4_icmp_echo(l4, 8, 9, 1)));
	k = bind_find(2, 0, &p, NULL, NULL);
	assert_true(k >= 0);
	assert_int_equal(p.type, FRAME_TYPE_IP);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.ip_src, gw_ip);
	assert_int_equal(p.ip_dst, guest_ip);
	assert_true(p.ip_ok && p.l4_ok);
	assert_memory_equal(p.dst, GUEST, 6);
	assert_int_equal(fake_tx_total(), 1);
}

/* The "from the uplink not to its address" counter of show nat. */
static long not_for_uplink(void)
{
	const char *c = strstr(bind_cli("show nat"), "from the uplink not to its address ");

	return c ? strtol(c + strlen("from the uplink not to its address "), NULL, 10) : -1;
}

static void test_uplink_to_inside_gateway_dropped(void **state)
{
	uint8_t l4[128], q[64];
	struct pkt p;
	long before = not_for_uplink();

	(void)state;
	/* Positive control: the uplink address answers the outsider. */
	from_outside(up_mac, FRAME_ICMP, ip4("10.88.0.2"), l4, l4_icmp_echo(l4, 8, 2, 1));
	assert_int_equal(bind_answer_arp(0, outsider_ip, OUTSIDER), 1);
	assert_true(bind_find(0, 0, &p, is_echo_reply, NULL) >= 0);
	assert_int_equal(p.ip_src, ip4("10.88.0.2"));
	/* The inside gateway address, from the same outsider: nothing. */
	from_outside(up_mac, FRAME_ICMP, gw_ip, l4, l4_icmp_echo(l4, 8, 3, 1));
	from_outside(up_mac, FRAME_UDP, gw_ip, l4, l4_udp(l4, 3333, 53, q, dns_query(q)));
	from_outside(up_mac, FRAME_TCP, gw_ip, l4, l4_tcp(l4, 3333, 80, 1, 0, FRAME_SYN));
	bind_run(100);
	bind_answer_arp(0, outsider_ip, OUTSIDER);
	bind_run(100);
	assert_int_equal(fake_tx_total(), 0);
	if (not_for_uplink() != before + 3)
		fail_msg("show nat does not count 3 more packets from the uplink not to its "
			 "address (%ld before):\n%s",
			 before, bind_out());
	/* The uplink address's DNS and DHCP ports are silent: no port
	 * unreachable either. */
	from_outside(up_mac, FRAME_UDP, ip4("10.88.0.2"), l4,
		     l4_udp(l4, 3333, 53, q, dns_query(q)));
	from_outside(up_mac, FRAME_UDP, ip4("10.88.0.2"), l4, l4_udp(l4, 68, 67, q, 8));
	bind_run(100);
	bind_answer_arp(0, outsider_ip, OUTSIDER);
	assert_int_equal(fake_tx_total(), 0);
	/* Nor does a guest's address answer from outside: no session. */
	from_outside(up_mac, FRAME_ICMP, guest_ip, l4, l4_icmp_echo(l4, 8, 4, 1));
	bind_run(100);
	assert_int_equal(fake_tx_total(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot),
		cmocka_unit_test(test_uplink_pending_to_inside_gateway),
		cmocka_unit_test(test_arp_for_gateway_on_own_port),
		cmocka_unit_test(test_arp_for_others_unanswered),
		cmocka_unit_test(test_ping_gateway),
		cmocka_unit_test(test_uplink_to_inside_gateway_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
