/*
 * Binding tests of a config file passed by QEMU (-fw_cfg
 * name=opt/unigate/config), which replaces the baked-in one at boot, and
 * of the services it sets up: a host-only network with a reservation (its
 * guest gets its address, its name, no router), names resolved by the
 * gateway's DNS, queries forwarded to the configured upstream and the
 * answer relayed back, and the isolation of host-only and separate
 * networks. Run in order.
 *
 *   eth0 uplink 10.88.0.2/24 --- router and DNS server 10.88.0.1
 *   eth1, eth2: vmnet1 hostonly 192.168.56.1/24 (web1 reserved at .10)
 *   eth3: vmnet8 nat 192.168.99.2/24
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bind/bind.h"

static const char config[] = "hostname lab\n"
			     "uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n"
			     "dns upstream 10.88.0.1\n"
			     "network vmnet1 hostonly\n"
			     "  ports eth1 eth2\n"
			     "  address 192.168.56.1/24\n"
			     "  dhcp range 192.168.56.100 192.168.56.200 lease 10m\n"
			     "  dhcp host web1 00:0c:29:aa:bb:cc 192.168.56.10\n"
			     "network vmnet8 nat\n"
			     "  ports eth3\n"
			     "  address 192.168.99.2/24\n";

static const uint8_t WEB1[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
static const uint8_t OTHER[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xdd};
static const uint8_t ROUTER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};
static uint8_t gw1_mac[6], gw8_mac[6];

static bool is_udp_from(const struct pkt *p, const void *arg)
{
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == *(const int *)arg;
}

static bool is_udp_to(const struct pkt *p, const void *arg)
{
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->dport == *(const int *)arg;
}

/* A query for (name) (dotted) of (qtype) with (id), as a UDP payload. */
static size_t dns_query(uint8_t *q, uint16_t id, const char *name, uint16_t qtype)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* one question */
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		q[n++] = (uint8_t)len;
		memcpy(q + n, name, len);
		n += len;
		name += len + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(qtype >> 8);
	q[n++] = (uint8_t)qtype;
	q[n++] = 0;
	q[n++] = 1; /* IN */
	return n;
}

/* Skips the (possibly compressed) name at (o) in (r); returns the offset
 * after it, or (len) if it runs off the end. */
static size_t dns_skip_name(const uint8_t *r, size_t len, size_t o)
{
	while (o < len && r[o] != 0) {
		if ((r[o] & 0xc0) == 0xc0)
			return o + 2;
		o += (size_t)r[o] + 1;
	}
	return o < len ? o + 1 : len;
}

/* The first answer's address in response (r) of (len) bytes, if it is an
 * A record, or 0. */
static uint32_t dns_first_a(const uint8_t *r, size_t len)
{
	size_t o;

	if (len < 12 || (r[6] << 8 | r[7]) == 0)
		return 0;
	o = dns_skip_name(r, len, 12) + 4; /* the question */
	o = dns_skip_name(r, len, o);	   /* the answer's name */
	if (o + 14 > len || r[o] != 0 || r[o + 1] != 1 || r[o + 8] != 0 || r[o + 9] != 4)
		return 0;
	return be32(r + o + 10);
}

static void test_boot_from_fw_cfg(void **state)
{
	char want[1024];

	(void)state;
	fake_fw_cfg_set(config);
	assert_int_equal(bind_boot(4), 0);
	snprintf(want, sizeof(want),
		 "# running config (booted from opt/unigate/config (fw_cfg))\n%s", config);
	assert_string_equal(bind_cli("show running-config"), want);
	bind_run(100);
	assert_true(bind_arp_resolve(1, WEB1, ip4("192.168.56.10"), ip4("192.168.56.1"), gw1_mac));
	assert_true(bind_arp_resolve(3, OTHER, ip4("192.168.99.20"), ip4("192.168.99.2"), gw8_mac));
}

/* The reservation: web1's MAC gets .10, its name, and no router (host-only). */
static void test_reserved_host(void **state)
{
	uint8_t msg[300], l4[400], f[600];
	const uint8_t *o;
	size_t len;
	struct pkt p;
	int port = 67;

	(void)state;
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, MAC_BCAST, WEB1, FRAME_UDP, 0, 0xffffffffu, l4,
			 l4_udp(l4, 68, 67, msg, dhcp_client_msg(msg, 1, WEB1, 5, 0, 0))));
	assert_true(bind_find(1, 0, &p, is_udp_from, &port) >= 0);
	assert_true(p.ip_ok && p.l4_ok);
	assert_int_equal(dhcp_type(&p), 2);
	assert_int_equal(dhcp_yiaddr(&p), ip4("192.168.56.10"));
	assert_null(dhcp_option(&p, 3, &len));
	o = dhcp_option(&p, 6, &len);
	assert_non_null(o);
	assert_int_equal(be32(o), ip4("192.168.56.1"));
	o = dhcp_option(&p, 51, &len);
	assert_non_null(o);
	assert_int_equal(be32(o), 600);
	o = dhcp_option(&p, 12, &len);
	assert_non_null(o);
	assert_int_equal(len, 4);
	assert_memory_equal(o, "web1", 4);
	assert_int_equal(fake_tx_count(3), 0); /* not into the other network */
}

/* Sends a query from web1 to its gateway; returns the answer's first A. */
static uint32_t ask(const char *name, uint16_t id)
{
	uint8_t q[128], l4[200], f[300];
	struct pkt p;
	int port = 53;

	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw1_mac, WEB1, FRAME_UDP, ip4("192.168.56.10"), ip4("192.168.56.1"), l4,
			 l4_udp(l4, 5353, 53, q, dns_query(q, id, name, 1))));
	/* web1 answers ARP: the DHCP offer's static ARP entry for it (see
	 * net/services.c) replaced what the gateway had learned. */
	bind_answer_arp(1, ip4("192.168.56.10"), WEB1);
	if (bind_find(1, 0, &p, is_udp_from, &port) < 0)
		fail_msg("no answer to '%s' out of eth1", name);
	assert_true(p.ip_ok && p.l4_ok);
	assert_int_equal(p.ip_src, ip4("192.168.56.1"));
	assert_int_equal(p.dport, 5353);
	assert_int_equal(p.data[0] << 8 | p.data[1], id);
	assert_true(p.data[2] & 0x80); /* a response */
	return dns_first_a(p.data, p.data_len);
}

static void test_local_names(void **state)
{
	(void)state;
	assert_int_equal(ask("web1", 0x101), ip4("192.168.56.10"));
	assert_int_equal(ask("web1.localdomain", 0x102), ip4("192.168.56.10"));
	assert_int_equal(ask("lab", 0x103), ip4("192.168.56.1"));
	assert_int_equal(fake_tx_count(0), 0); /* nothing asked upstream */
}

/* A host-only network has no route out, and no DNS tunnel out either: a
 * name that is not local is REFUSED, nothing goes upstream. */
static void test_hostonly_refused(void **state)
{
	uint8_t q[128], l4[256], f[400];
	struct pkt a;
	int dns = 53;

	(void)state;
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw1_mac, WEB1, FRAME_UDP, ip4("192.168.56.10"), ip4("192.168.56.1"), l4,
			 l4_udp(l4, 5353, 53, q, dns_query(q, 0x4343, "example.com", 1))));
	bind_answer_arp(1, ip4("192.168.56.10"), WEB1);
	bind_answer_arp(0, ip4("10.88.0.1"), ROUTER);
	if (bind_find(1, 0, &a, is_udp_from, &dns) < 0)
		fail_msg("the guest got no answer");
	assert_int_equal(a.data[0] << 8 | a.data[1], 0x4343);
	assert_int_equal(a.data[3] & 0x0f, 5); /* REFUSED */
	assert_true(bind_find(0, 0, &a, is_udp_to, &dns) < 0);
	assert_non_null(strstr(bind_cli("show dns"), "not local 1"));
}

/* With `forward dns`, a name that is not local goes to the upstream from
 * the uplink address, with a new ID and port; the upstream's answer comes
 * back to the guest under the guest's ID. */
static void test_forwarded(void **state)
{
	uint8_t q[128], l4[256], f[400], r[128];
	struct pkt p, a;
	size_t n;
	int dns = 53;

	(void)state;
	assert_int_equal(bind_line("network vmnet1"), 0);
	assert_int_equal(bind_line("forward dns"), 0);
	assert_int_equal(bind_line("exit"), 0);
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw1_mac, WEB1, FRAME_UDP, ip4("192.168.56.10"), ip4("192.168.56.1"), l4,
			 l4_udp(l4, 5353, 53, q, dns_query(q, 0x4242, "example.com", 1))));
	bind_answer_arp(0, ip4("10.88.0.1"), ROUTER);
	if (bind_find(0, 0, &p, is_udp_to, &dns) < 0)
		fail_msg("the query was not forwarded out of eth0 (%d frames there)",
			 fake_tx_count(0));
	assert_true(p.ip_ok && p.l4_ok);
	assert_int_equal(p.ip_src, ip4("10.88.0.2"));
	assert_int_equal(p.ip_dst, ip4("10.88.0.1"));
	assert_memory_equal(p.dst, ROUTER, 6);
	assert_true(p.sport >= 49152);
	/* The upstream answers: its question, ID and an A record. */
	n = p.data_len;
	assert_true(n + 16 <= sizeof(r));
	memcpy(r, p.data, n);
	r[2] = 0x81;
	r[3] = 0x80;
	r[7] = 1;
	memcpy(r + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xcb\x00\x71\x63", 16);
	fake_tx_clear();
	fake_rx(0, f,
		frame_ip(f, p.src, ROUTER, FRAME_UDP, ip4("10.88.0.1"), ip4("10.88.0.2"), l4,
			 l4_udp(l4, 53, p.sport, r, n + 16)));
	bind_answer_arp(1, ip4("192.168.56.10"), WEB1);
	if (bind_find(1, 0, &a, is_udp_from, &dns) < 0)
		fail_msg("the upstream's answer did not reach the guest");
	assert_true(a.ip_ok && a.l4_ok);
	assert_int_equal(a.dport, 5353);
	assert_int_equal(a.data[0] << 8 | a.data[1], 0x4242);
	assert_int_equal(dns_first_a(a.data, a.data_len), ip4("203.0.113.99"));
}

/* Host-only: no way out; and no way from one network to another. */
static void test_isolation(void **state)
{
	uint8_t l4[64], f[200];
	struct pkt p;

	(void)state;
	fake_tx_clear();
	fake_rx(1, f,
		frame_ip(f, gw1_mac, WEB1, FRAME_TCP, ip4("192.168.56.10"), ip4("203.0.113.7"), l4,
			 l4_tcp(l4, 40000, 80, 1, 0, FRAME_SYN)));
	/* Nor the uplink address, which lwIP would accept on any netif. */
	fake_rx(1, f,
		frame_ip(f, gw1_mac, WEB1, FRAME_ICMP, ip4("192.168.56.10"), ip4("10.88.0.2"), l4,
			 l4_icmp_echo(l4, 8, 1, 1)));
	bind_run(100);
	bind_answer_arp(0, ip4("10.88.0.1"), ROUTER);
	bind_answer_arp(1, ip4("192.168.56.10"), WEB1);
	assert_int_equal(fake_tx_count(0), 0);
	assert_int_equal(fake_tx_count(3), 0);
	for (int k = 0; (k = bind_find(1, k, &p, NULL, NULL)) >= 0; k++)
		if (p.type == FRAME_TYPE_IP)
			fail_msg("a host-only guest got an answer from %08x", p.ip_src);
	/* From vmnet8, vmnet1's gateway and hosts are out of reach. */
	fake_tx_clear();
	fake_rx(3, f,
		frame_ip(f, gw8_mac, OTHER, FRAME_ICMP, ip4("192.168.99.20"), ip4("192.168.56.1"),
			 l4, l4_icmp_echo(l4, 8, 1, 1)));
	fake_rx(3, f,
		frame_ip(f, gw8_mac, OTHER, FRAME_ICMP, ip4("192.168.99.20"), ip4("192.168.56.10"),
			 l4, l4_icmp_echo(l4, 8, 1, 2)));
	bind_run(100);
	assert_int_equal(fake_tx_total(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_from_fw_cfg), cmocka_unit_test(test_reserved_host),
		cmocka_unit_test(test_local_names),	 cmocka_unit_test(test_hostonly_refused),
		cmocka_unit_test(test_forwarded),	 cmocka_unit_test(test_isolation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
