/*
 * Binding test of a bad config file from fw_cfg: apply_boot() reports it
 * line by line, applies nothing of it, and the baked-in config runs (its
 * DHCP server answers on eth1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bind/bind.h"

static const char config[] = "hostname broken\n"
			     "network vmnet1 hostonly\n"
			     "  ports eth1 eth99\n"
			     "  address 192.168.56.1/24\n";

static bool is_offer(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == 67 &&
	       dhcp_type(p) == 2;
}

static void test_bad_file_keeps_default(void **state)
{
	static const uint8_t guest[6] = {0x00, 0x0c, 0x29, 0x01, 0x02, 0x03};
	uint8_t msg[300], l4[400], f[600];
	const char *console;
	struct pkt p;

	(void)state;
	fake_fw_cfg_set(config);
	assert_true(bind_boot(4) < 0);
	console = fake_console_take();
	if (strstr(console, "opt/unigate/config (fw_cfg) rejected") == NULL ||
	    strstr(console, "line 3") == NULL)
		fail_msg("the console does not name the bad line:\n%s", console);
	assert_non_null(strstr(bind_cli("show running-config"),
			       "(booted from config/default.conf)\n"
			       "hostname unigate\n"));
	assert_null(strstr(bind_out(), "vmnet1"));
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, MAC_BCAST, guest, FRAME_UDP, 0, 0xffffffffu, l4,
			 l4_udp(l4, 68, 67, msg, dhcp_client_msg(msg, 1, guest, 9, 0, 0))));
	assert_true(bind_find(1, 0, &p, is_offer, NULL) >= 0);
	assert_in_range(dhcp_yiaddr(&p), ip4("192.168.99.128"), ip4("192.168.99.254"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_file_keeps_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
