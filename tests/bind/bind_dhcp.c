/*
 * Binding tests: the baked-in config/default.conf booted through
 * apply_boot() on four fake ports (eth0 the uplink by DHCP, eth1-eth3 in
 * the nat network vmnet8, 192.168.99.2/24, DHCP .128-.254), then a guest's
 * DHCP exchange on eth1: DISCOVER in, OFFER out of eth1 only; REQUEST in,
 * ACK out; the lease shown; then the range grows and shrinks at the
 * console, each time into a lease table of the size it needs, accounted
 * as such, and the guest's lease stays. Run in order: each test goes on
 * from the state the one before left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cli.h"
#include "kernel/memory.h"
#include "net/dhcp/dhcpd.h"
#include "tests/bind/bind.h"

static const uint8_t GUEST[6] = {0x00, 0x0c, 0x29, 0x11, 0x22, 0x33};
static uint32_t offered;

static bool is_dhcp_reply(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == 67 &&
	       p->dport == 68;
}

/* Sends DHCP message (type) from GUEST on eth1; returns the reply that
 * came out of eth1, parsed into (*r), checking where it went. */
static void exchange(int type, uint32_t requested, uint32_t server, uint32_t xid, struct pkt *r)
{
	uint8_t msg[300], l4[400], f[600];
	size_t n = dhcp_client_msg(msg, type, GUEST, xid, requested, server);
	size_t l = l4_udp(l4, 68, 67, msg, n);
	int k;

	fake_tx_clear();
	assert_true(fake_rx(1, f, frame_ip(f, MAC_BCAST, GUEST, FRAME_UDP, 0, 0xffffffffu, l4, l)));
	k = bind_find(1, 0, r, is_dhcp_reply, NULL);
	if (k < 0)
		fail_msg("no DHCP reply out of eth1 (%d frames there); show dhcp:\n%s",
			 fake_tx_count(1), bind_cli("show dhcp"));
	assert_int_equal(bind_find(1, k + 1, r, is_dhcp_reply, NULL), -1);
	bind_find(1, k, r, is_dhcp_reply, NULL);
	/* The reply is the gateway's, to this guest only, with good checksums. */
	assert_true(r->ip_ok);
	assert_true(r->l4_ok);
	assert_int_equal(r->ip_src, ip4("192.168.99.2"));
	assert_int_equal(be32(r->data + 4), xid);
	assert_memory_equal(r->data + 28, GUEST, 6);
	assert_int_equal(fake_tx_count(0), 0); /* never on the uplink */
	if (memcmp(r->dst, MAC_BCAST, 6) == 0)
		return;
	/* Unicast to the guest's MAC: the other ports see only the guest's
	 * broadcast, flooded. */
	assert_memory_equal(r->dst, GUEST, 6);
	assert_int_equal(fake_tx_count(2), 1);
	assert_int_equal(fake_tx_count(3), 1);
}

static void assert_option_ip(const struct pkt *p, uint8_t code, const char *want)
{
	size_t len = 0;
	const uint8_t *o = dhcp_option(p, code, &len);

	if (o == NULL)
		fail_msg("option %u missing", code);
	assert_int_equal(len, 4);
	assert_int_equal(be32(o), ip4(want));
}

static void test_boot(void **state)
{
	static const char want[] = "# running config (booted from config/default.conf)\n"
				   "hostname unigate\n"
				   "uplink eth0 dhcp\n"
				   "network vmnet8 nat\n"
				   "  ports eth1-eth47\n"
				   "  address 192.168.99.2/24\n"
				   "  dhcp range 192.168.99.128 192.168.99.254 lease 30m\n";
	struct pkt p;

	(void)state;
	assert_int_equal(bind_boot(4), 0);
	assert_string_equal(bind_cli("show running-config"), want);
	assert_non_null(strstr(bind_cli("show networks"), "ports: eth1 eth2 eth3\n"));
	assert_non_null(strstr(bind_out(), "gateway 192.168.99.2/24"));
	/* The uplink's DHCP client asked on eth0, and only there. */
	assert_true(bind_find(0, 0, &p, NULL, NULL) >= 0);
	assert_int_equal(p.proto, FRAME_UDP);
	assert_int_equal(p.sport, 68);
	assert_int_equal(p.dport, 67);
	assert_int_equal(dhcp_type(&p), 1);
	for (int i = 1; i < 4; i++)
		for (int k = 0; (k = bind_find(i, k, &p, NULL, NULL)) >= 0; k++)
			if (p.type == FRAME_TYPE_IP && p.proto == FRAME_UDP && p.dport == 67)
				fail_msg("the uplink's DHCP DISCOVER went out of eth%d", i);
}

static void test_discover_offer(void **state)
{
	struct pkt r;
	size_t len;
	const uint8_t *o;

	(void)state;
	exchange(1, 0, 0, 0x1234abcd, &r);
	assert_int_equal(dhcp_type(&r), 2);
	offered = dhcp_yiaddr(&r);
	assert_in_range(offered, ip4("192.168.99.128"), ip4("192.168.99.254"));
	/* The client has no address yet: RFC 2131 §4.1 unicasts to yiaddr
	 * at chaddr, or broadcasts. */
	assert_true(r.ip_dst == offered || r.ip_dst == 0xffffffffu);
	assert_option_ip(&r, 54, "192.168.99.2");
	assert_option_ip(&r, 3, "192.168.99.2");
	assert_option_ip(&r, 6, "192.168.99.2");
	assert_option_ip(&r, 1, "255.255.255.0");
	o = dhcp_option(&r, 51, &len);
	assert_non_null(o);
	assert_int_equal(be32(o), 1800);
}

static void test_request_ack(void **state)
{
	struct pkt r;
	char ip[20];

	(void)state;
	assert_int_not_equal(offered, 0);
	exchange(3, offered, ip4("192.168.99.2"), 0x1234abce, &r);
	assert_int_equal(dhcp_type(&r), 5);
	assert_int_equal(dhcp_yiaddr(&r), offered);
	assert_option_ip(&r, 54, "192.168.99.2");
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", offered >> 24, offered >> 16 & 255,
		 offered >> 8 & 255, offered & 255);
	bind_cli("show leases");
	if (strstr(bind_out(), ip) == NULL || strstr(bind_out(), "00:0c:29:11:22:33") == NULL)
		fail_msg("show leases lacks %s for 00:0c:29:11:22:33:\n%s", ip, bind_out());
}

/* A DISCOVER again from the same guest is offered its address again. */
static void test_rediscover_same_address(void **state)
{
	struct pkt r;

	(void)state;
	bind_run(1000);
	exchange(1, 0, 0, 0x1234abcf, &r);
	assert_int_equal(dhcp_type(&r), 2);
	assert_int_equal(dhcp_yiaddr(&r), offered);
}

/* The bytes the lease tables hold, as memory_account() was told. */
static long long lease_bytes(void)
{
	const char *owner;
	long long bytes;

	for (int i = 0; memory_owner(i, &owner, &bytes) == 0; i++)
		if (strcmp(owner, "dhcp leases") == 0)
			return bytes;
	return 0;
}

/* Changes vmnet8's range to .(first) .. .254; checks the table's size in
 * show leases and in the memory accounted, and whether the guest's lease
 * is there ((kept)). */
static void change_range(int first, unsigned records, bool kept)
{
	char line[80], want[48], ip[20];

	snprintf(line, sizeof(line), "dhcp range 192.168.99.%d 192.168.99.254 lease 30m", first);
	assert_int_equal(bind_line("network vmnet8"), 0);
	assert_int_equal(bind_line(line), 0);
	assert_int_equal(bind_line("exit"), 0);
	snprintf(want, sizeof(want), "%d of %u records in use", kept, records);
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u  ", offered >> 24, offered >> 16 & 255,
		 offered >> 8 & 255, offered & 255);
	bind_cli("show leases");
	if (strstr(bind_out(), want) == NULL || (strstr(bind_out(), ip) != NULL) != kept)
		fail_msg("show leases: want '%s', %s %s:\n%s", want, ip, kept ? "kept" : "gone",
			 bind_out());
	assert_int_equal(lease_bytes(), (long long)dhcpd_table_size(records));
}

/* A live range change keeps the lease: grown, then shrunk round it. */
static void test_range_change(void **state)
{
	struct pkt r;

	(void)state;
	assert_int_equal(lease_bytes(), (long long)dhcpd_table_size(127));
	/* No memory for the new table: nothing changes (all or nothing). */
	assert_int_equal(bind_line("network vmnet8"), 0);
	alloc_arm(ALLOC_LIBC, 1);
	assert_int_not_equal(bind_line("dhcp range 192.168.99.10 192.168.99.254 lease 30m"), 0);
	alloc_disarm();
	assert_true(alloc_failed());
	assert_non_null(strstr(alloc_failed_site(), "svc_leases_alloc"));
	assert_int_equal(bind_line("exit"), 0);
	assert_non_null(strstr(bind_cli("show running-config"), "dhcp range 192.168.99.128 "));
	assert_non_null(strstr(bind_cli("show leases"), "1 of 127 records in use"));
	change_range(10, 245, true);
	change_range(128, 127, true);
	/* Shrunk past the guest's .128: the lease goes, the renewal is
	 * NAKed, a new offer comes from the new range. */
	change_range(200, 55, false);
	exchange(3, offered, ip4("192.168.99.2"), 0x1234abd0, &r);
	assert_int_equal(dhcp_type(&r), 6);
	exchange(1, 0, 0, 0x1234abd1, &r);
	assert_int_equal(dhcp_type(&r), 2);
	assert_int_equal(dhcp_yiaddr(&r), ip4("192.168.99.200"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot),	     cmocka_unit_test(test_discover_offer),
		cmocka_unit_test(test_request_ack),  cmocka_unit_test(test_rediscover_same_address),
		cmocka_unit_test(test_range_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
