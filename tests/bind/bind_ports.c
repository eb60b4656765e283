/*
 * Binding tests of port membership: the default config on five fake ports
 * (eth0 the uplink, eth1-eth4 in vmnet8), then console statements that
 * move ports between networks, after which frames follow: a broadcast from
 * a moved port reaches its new network's ports and none of the old one's,
 * a MAC learned on it before the move is forgotten, and the gateways
 * follow. Run in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/netdev.h"
#include "tests/bind/bind.h"

#define NPORTS 5

static const uint8_t HOST[NPORTS][6] = {
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x00}, {0x00, 0x0c, 0x29, 0x00, 0x00, 0x01},
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x02}, {0x00, 0x0c, 0x29, 0x00, 0x00, 0x03},
	{0x00, 0x0c, 0x29, 0x00, 0x00, 0x04},
};

/* Sends a 60-byte frame of a local experimental EtherType from HOST[port]
 * to (dst) in on (port); returns the ports it came out of, as bits. */
static unsigned flood(int port, const uint8_t dst[6])
{
	uint8_t f[60] = {0};
	unsigned out = 0;

	memcpy(f, dst, 6);
	memcpy(f + 6, HOST[port], 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = (uint8_t)port;
	fake_tx_clear();
	fake_rx(port, f, sizeof(f));
	for (int i = 0; i < NPORTS; i++) {
		for (int k = 0; k < fake_tx_count(i); k++) {
			size_t len;
			const uint8_t *t = fake_tx_frame(i, k, &len);

			if (len == sizeof(f) && memcmp(t, f, sizeof(f)) == 0)
				out |= 1u << i;
		}
	}
	return out;
}

#define P(i) (1u << (i))

static void check_flood(int port, const uint8_t dst[6], unsigned want)
{
	unsigned got = flood(port, dst);

	if (got != want)
		fail_msg("frame from eth%d came out of ports 0x%x, expected 0x%x; show "
			 "networks:\n%s",
			 port, got, want, bind_cli("show networks"));
}

static void test_boot_one_network(void **state)
{
	(void)state;
	assert_int_equal(bind_boot(NPORTS), 0);
	assert_non_null(strstr(bind_cli("show networks"), "ports: eth1 eth2 eth3 eth4\n"));
	check_flood(3, MAC_BCAST, P(1) | P(2) | P(4));
	/* The uplink is a network of its own: nothing crosses to it. */
	check_flood(1, MAC_BCAST, P(2) | P(3) | P(4));
	check_flood(0, MAC_BCAST, 0);
	/* HOST[3] is learned on eth3: unicast to it goes there alone. */
	check_flood(1, HOST[3], P(3));
}

static void test_move_ports(void **state)
{
	const char *nets;

	(void)state;
	bind_config("network vmnet8\n"
		    "ports eth1 eth2\n"
		    "exit\n"
		    "network vmnet1 hostonly\n"
		    "ports eth3 eth4\n"
		    "address 192.168.56.1/24\n"
		    "exit");
	nets = bind_cli("show networks");
	if (strstr(nets, "network vmnet8 nat\n  ports: eth1 eth2\n") == NULL ||
	    strstr(nets, "network vmnet1 hostonly\n  ports: eth3 eth4\n") == NULL)
		fail_msg("show networks:\n%s", nets);
	check_flood(3, MAC_BCAST, P(4));
	check_flood(4, MAC_BCAST, P(3));
	check_flood(1, MAC_BCAST, P(2));
	/* HOST[3]'s entry left vmnet8 with its port: unicast to it from
	 * vmnet8 floods there as unknown, and never reaches eth3. */
	check_flood(2, HOST[3], P(1));
	if (strstr(bind_cli("show mac vmnet8"), "00:0c:29:00:00:03") != NULL)
		fail_msg("vmnet8 still knows 00:0c:29:00:00:03:\n%s", bind_out());
}

/* Each network's gateway answers ARP on its own ports only. */
static void test_gateways_follow(void **state)
{
	uint8_t mac[6];

	(void)state;
	fake_tx_clear();
	assert_true(bind_arp_resolve(3, HOST[3], ip4("192.168.56.10"), ip4("192.168.56.1"), mac));
	for (int i = 0; i < NPORTS; i++)
		if (i != 3 && i != 4)
			assert_int_equal(fake_tx_count(i), 0);
	fake_tx_clear();
	assert_false(bind_arp_resolve(3, HOST[3], ip4("192.168.99.10"), ip4("192.168.99.2"), mac));
	assert_true(bind_arp_resolve(1, HOST[1], ip4("192.168.99.10"), ip4("192.168.99.2"), mac));
}

static void test_move_back(void **state)
{
	(void)state;
	bind_config("network vmnet1\n"
		    "ports eth4\n"
		    "exit\n"
		    "network vmnet8\n"
		    "ports eth1-eth3\n"
		    "exit");
	check_flood(3, MAC_BCAST, P(1) | P(2));
	check_flood(4, MAC_BCAST, 0);
	check_flood(1, MAC_BCAST, P(2) | P(3));
}

/* A port in no network hears nothing and is heard by nobody. */
static void test_port_in_no_network(void **state)
{
	uint8_t f[60] = {0};

	(void)state;
	bind_config("no network vmnet1");
	assert_null(strstr(bind_cli("show networks"), "vmnet1"));
	memcpy(f, MAC_BCAST, 6);
	memcpy(f + 6, HOST[4], 6);
	fake_tx_clear();
	assert_false(fake_rx(4, f, sizeof(f)));
	assert_int_equal(fake_tx_total(), 0);
	check_flood(1, MAC_BCAST, P(2) | P(3));
}

/* A port whose link goes down leaves the flood set, is shown down, and
 * comes back with its link. */
static void test_link_down(void **state)
{
	(void)state;
	fake_link(2, false);
	bind_run(20);
	assert_non_null(strstr(bind_cli("show networks"), "ports: eth1 eth2(down) eth3\n"));
	check_flood(1, MAC_BCAST, P(3));
	assert_int_equal(netdev_get(2)->stats.tx_drop_down, 0); /* not even tried */
	fake_link(2, true);
	bind_run(20);
	assert_non_null(strstr(bind_cli("show networks"), "ports: eth1 eth2 eth3\n"));
	check_flood(1, MAC_BCAST, P(2) | P(3));
}

/* `mac table N` sizes every network's MAC table, the existing ones too. */
static void test_mac_table_resized(void **state)
{
	const char *mac, *p;
	int n = 0;

	(void)state;
	bind_config("mac table 64");
	assert_non_null(strstr(bind_cli("show running-config"), "\nmac table 64\n"));
	mac = bind_cli("show mac");
	for (p = mac; (p = strstr(p, "table holds ")) != NULL; p++) {
		unsigned count, cap;

		assert_int_equal(sscanf(p, "table holds %u of %u", &count, &cap), 2);
		if (cap != 64)
			fail_msg("after `mac table 64` a MAC table still holds up to %u "
				 "entries:\n%s",
				 cap, mac);
		n++;
	}
	assert_int_equal(n, 2); /* vmnet8 and the uplink's */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_one_network),   cmocka_unit_test(test_move_ports),
		cmocka_unit_test(test_gateways_follow),	   cmocka_unit_test(test_move_back),
		cmocka_unit_test(test_port_in_no_network), cmocka_unit_test(test_link_down),
		cmocka_unit_test(test_mac_table_resized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
