/*
 * Binding tests of VXLAN (net/switch/overlay.c): a network spanned to a
 * remote endpoint over the uplink, frame in, frame out.
 *
 *   guest G --eth1-- [lab 192.168.50.2 | vxlan 5000 remote 10.88.0.1] --eth0-- VTEP 10.88.0.1
 *                                        uplink 10.88.0.2                       (remote guest R)
 *
 * Run in order: the first test's ARP resolution of the remote serves the
 * rest. Outer and inner checksums are checked independently
 * (tests/bind/frames.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/netdev.h"
#include "drivers/offload.h"
#include "tests/bind/bind.h"

#define VNI 5000

static const char config[] = "no network vmnet8\n"
			     "uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1\n"
			     "network lab nat\n"
			     "  ports eth1\n"
			     "  address 192.168.50.2/24\n"
			     "  dhcp range 192.168.50.100 192.168.50.110\n"
			     "  vxlan 5000 remote 10.88.0.1\n";

static const uint8_t G[6] = {0x02, 0, 0, 0, 0x50, 0x01};
static const uint8_t R[6] = {0x02, 0, 0, 0, 0x50, 0x02};
static const uint8_t VTEP[6] = {0x02, 0, 0, 0, 0x88, 0x01};
static uint8_t up_mac[6];
static uint32_t up_ip, vtep_ip;

/* The VXLAN packet from (src) (the outer IPv4 source) carrying (inner) of
 * (len) bytes with (vni), to the uplink, into (out). Returns its length. */
static size_t wrap(uint8_t *out, uint32_t src, uint32_t vni, const uint8_t *inner, size_t len)
{
	static uint8_t l4[8 + 8 + 1600], vx[8 + 1600];

	memset(vx, 0, 8);
	vx[0] = 0x08;
	vx[4] = (uint8_t)(vni >> 16);
	vx[5] = (uint8_t)(vni >> 8);
	vx[6] = (uint8_t)vni;
	memcpy(vx + 8, inner, len);
	return frame_ip(out, up_mac, VTEP, FRAME_UDP, src, up_ip, l4,
			l4_udp(l4, 54321, 4789, vx, 8 + len));
}

/* A UDP frame between guests of lab, (n) bytes of payload. */
static size_t inner_udp(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t sip,
			uint32_t dip, size_t n)
{
	static uint8_t data[1500];
	uint8_t l4[8 + 1500];

	return frame_ip(f, dst, src, FRAME_UDP, sip, dip, l4, l4_udp(l4, 7, 9, data, n));
}

/* The VXLAN packets recorded on eth0 from index (from) on: the first one's
 * inner frame into (inner) (its length in (*len)) and outer parse in (*p).
 * Returns its index, or -1. */
static int unwrap_sent(int from, struct pkt *p, uint8_t *inner, size_t *len)
{
	for (int k = from; k < fake_tx_count(0); k++) {
		size_t n;
		const uint8_t *f = fake_tx_frame(0, k, &n);

		if (pkt_parse(f, n, p) != 0 || p->proto != FRAME_UDP || p->dport != 4789)
			continue;
		assert_true(p->ip_ok && p->l4_ok);
		assert_int_equal(p->data_len >= 8 + 14, true);
		assert_int_equal(p->data[0], 0x08);
		assert_int_equal(be32(p->data + 4) >> 8, VNI);
		*len = p->data_len - 8;
		memcpy(inner, p->data + 8, *len);
		return k;
	}
	return -1;
}

static void test_setup(void **state)
{
	(void)state;
	up_ip = ip4("10.88.0.2");
	vtep_ip = ip4("10.88.0.1");
	assert_int_equal(bind_boot(3), 0);
	bind_config(config);
	bind_run(100);
	memcpy(up_mac, netdev_get(0)->mac, 6);
	fake_tx_clear();
}

/* A broadcast from the local guest goes to the remote wrapped: outer
 * headers from the uplink to the remote, UDP 4789 from the dynamic range,
 * the VNI, the inner frame as sent; after ARP for the remote. */
static void test_flood_to_remote(void **state)
{
	uint8_t f[128], inner[1600];
	size_t n = inner_udp(f, MAC_BCAST, G, ip4("192.168.50.100"), ip4("192.168.50.255"), 20);
	size_t len;
	struct pkt p;
	int k;

	(void)state;
	assert_true(fake_rx(1, f, n));
	/* The remote's MAC is asked for first, then the packet leaves. */
	assert_int_equal(bind_answer_arp(0, vtep_ip, VTEP), 1);
	k = unwrap_sent(0, &p, inner, &len);
	assert_true(k >= 0);
	assert_memory_equal(p.dst, VTEP, 6);
	assert_memory_equal(p.src, up_mac, 6);
	assert_int_equal(p.ip_src, up_ip);
	assert_int_equal(p.ip_dst, vtep_ip);
	assert_true(p.sport >= 49152);
	assert_int_equal(len, n);
	assert_memory_equal(inner, f, n);
}

/* A frame from the remote: its inner frame reaches the local guest, and
 * the switch learns the remote guest behind the endpoint; the reply then
 * goes to that endpoint alone, wrapped. */
static void test_from_remote_and_back(void **state)
{
	uint8_t f[128], w[256], inner[1600];
	size_t n = inner_udp(f, G, R, ip4("192.168.50.101"), ip4("192.168.50.100"), 30), len;
	const uint8_t *t;
	struct pkt p;

	(void)state;
	fake_tx_clear();
	assert_true(fake_rx(0, w, wrap(w, vtep_ip, VNI, f, n)));
	assert_int_equal(fake_tx_count(1), 1);
	t = fake_tx_frame(1, 0, &len);
	assert_int_equal(len, n);
	assert_memory_equal(t, f, n);
	assert_non_null(strstr(bind_cli("show mac lab"), "vxlan 10.88.0.1"));
	/* The guard bound the remote guest's address behind the endpoint. */
	if (strstr(bind_cli("show bindings lab"),
		   "192.168.50.101  02:00:00:00:50:02 vxlan 10.88.0.1") == NULL)
		fail_msg("show bindings:\n%s", bind_out());

	n = inner_udp(f, R, G, ip4("192.168.50.100"), ip4("192.168.50.101"), 40);
	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	assert_true(unwrap_sent(0, &p, inner, &len) >= 0);
	assert_int_equal(len, n);
	assert_memory_equal(inner, f, n);
	assert_int_equal(fake_tx_total(), 1);
}

/* A 3000-byte GSO segment from the guest to the remote guest is cut, each
 * piece wrapped; its TCP checksum is left to the uplink's device when it
 * has checksum offload (the offsets moved past the outer headers), and
 * completed by netdev_xmit when it has not. */
static void test_gso_to_remote(void **state)
{
	static uint8_t f[14 + 40 + 3000], payload[3000], l4[20 + 3000], inner[1600];
	size_t n;
	struct netdev_offload o = {.flags = OFFLOAD_F_NEEDS_CSUM,
				   .gso_type = OFFLOAD_GSO_TCPV4,
				   .hdr_len = 54,
				   .gso_size = 1398,
				   .csum_start = 34,
				   .csum_offset = 16};

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31);
	n = frame_ip(f, R, G, FRAME_TCP, ip4("192.168.50.100"), ip4("192.168.50.101"), l4,
		     l4_tcp_data(l4, 4000, 5000, 1, 1, FRAME_ACK, payload, sizeof(payload)));
	frame_partial(f);
	for (int dev = 0; dev < 2; dev++) {
		size_t off = 0;
		int at = 0;

		fake_offloads(0, dev ? NETDEV_OFL_CSUM : 0);
		fake_tx_clear();
		assert_true(fake_rx_ofl(1, f, n, &o));
		assert_int_equal(fake_tx_count(0), 3);
		for (int k = 0; k < 3; k++, at++) {
			const struct netdev_offload *t = fake_tx_ofl(0, at);
			const uint8_t *raw;
			struct pkt p, q;
			size_t len;

			raw = fake_tx_frame(0, at, &len);
			assert_non_null(raw);
			memcpy(inner, raw, len);
			if (dev) {
				assert_non_null(t);
				assert_int_equal(t->csum_start, 50 + 34);
				assert_int_equal(t->csum_offset, 16);
				/* Done here as the device would. */
				assert_int_equal(offload_csum(inner, len, t), 0);
			} else {
				assert_null(t);
			}
			assert_int_equal(pkt_parse(inner, len, &p), 0);
			assert_int_equal(p.dport, 4789);
			assert_int_equal(pkt_parse(p.data + 8, p.data_len - 8, &q), 0);
			if (!q.ip_ok || !q.l4_ok)
				fail_msg("piece %d (device csum %d): inner checksums IP %d TCP %d",
					 k, dev, q.ip_ok, q.l4_ok);
			assert_int_equal(q.tcp_seq, 1 + (uint32_t)off);
			assert_memory_equal(q.data, payload + off, q.data_len);
			off += q.data_len;
		}
		assert_int_equal(off, sizeof(payload));
	}
	fake_offloads(0, 0);
}

/* What is not for the network is dropped and counted: VXLAN from an
 * address not listed, for a VNI nobody has, a frame too big for the
 * uplink once wrapped; guard and DHCP rules hold for remote frames. */
static void test_drops(void **state)
{
	static uint8_t f[1600], w[1700];
	size_t n = inner_udp(f, G, R, ip4("192.168.50.101"), ip4("192.168.50.100"), 30), m;
	const char *out;

	(void)state;
	fake_tx_clear();
	assert_true(fake_rx(0, w, wrap(w, ip4("10.88.0.3"), VNI, f, n)));
	assert_true(fake_rx(0, w, wrap(w, vtep_ip, VNI + 1, f, n)));
	/* The I flag clear (RFC 7348 §5): no VNI to go by. */
	m = wrap(w, vtep_ip, VNI, f, n);
	w[14 + 20 + 8] = 0;
	assert_true(fake_rx(0, w, m));
	assert_int_equal(fake_tx_total(), 0);
	/* 1464 bytes of inner frame fit the uplink's 1500 wrapped; 1465 do not. */
	n = inner_udp(f, R, G, ip4("192.168.50.100"), ip4("192.168.50.101"), 1464 - 42);
	assert_true(fake_rx(1, f, n));
	assert_int_equal(fake_tx_count(0), 1);
	n = inner_udp(f, R, G, ip4("192.168.50.100"), ip4("192.168.50.101"), 1465 - 42);
	assert_true(fake_rx(1, f, n));
	assert_int_equal(fake_tx_count(0), 1);
	out = bind_cli("show counters");
	assert_non_null(strstr(out, "too big for the uplink 1,"));
	assert_non_null(strstr(out, "from an unlisted address 1\n"));
	assert_non_null(strstr(out, "unknown VNI 1, malformed 0, fragment 0, I flag clear 1,"));
	/* A remote guest posing as the gateway is refused by the guard. */
	fake_tx_clear();
	{
		static const uint8_t zero[6];
		uint8_t a[64];
		size_t al = frame_arp(a, MAC_BCAST, 2, R, ip4("192.168.50.2"), zero,
				      ip4("192.168.50.2"));

		assert_true(fake_rx(0, w, wrap(w, vtep_ip, VNI, a, al)));
		assert_int_equal(fake_tx_count(1), 0);
	}
}

/* Split horizon: with two remotes, a broadcast from one reaches the local
 * guest but is never sent on to the other (each endpoint floods to all
 * the others itself; forwarding would loop a mesh of three). A local
 * broadcast goes to both. */
static void test_split_horizon(void **state)
{
	static const uint8_t VTEP3[6] = {0x02, 0, 0, 0, 0x88, 0x03};
	uint8_t f[128], w[256], inner[1600];
	size_t n = inner_udp(f, MAC_BCAST, R, ip4("192.168.50.101"), ip4("192.168.50.255"), 20),
	       len;
	struct pkt p;
	int k, to1 = 0, to3 = 0;

	(void)state;
	assert_int_equal(bind_line("network lab"), 0);
	assert_int_equal(bind_line("vxlan 5000 remote 10.88.0.1 10.88.0.3"), 0);
	assert_int_equal(bind_line("exit"), 0);
	fake_tx_clear();
	assert_true(fake_rx(0, w, wrap(w, vtep_ip, VNI, f, n)));
	assert_int_equal(fake_tx_count(1), 1);
	assert_int_equal(fake_tx_count(0), 0);
	/* From the local guest: to both endpoints (the new one after ARP). */
	n = inner_udp(f, MAC_BCAST, G, ip4("192.168.50.100"), ip4("192.168.50.255"), 20);
	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	bind_answer_arp(0, ip4("10.88.0.3"), VTEP3);
	for (k = 0; (k = unwrap_sent(k, &p, inner, &len)) >= 0; k++) {
		to1 += p.ip_dst == vtep_ip;
		to3 += p.ip_dst == ip4("10.88.0.3");
	}
	assert_int_equal(to1, 1);
	assert_int_equal(to3, 1);
}

/* The network's guests learn the MTU the tunnel leaves them (option 26). */
static void test_dhcp_mtu(void **state)
{
	uint8_t f[600], l4[8 + 512], dhcp[512];
	size_t dl = dhcp_client_msg(dhcp, 1, G, 0x1234, 0, 0);
	size_t n = frame_ip(f, MAC_BCAST, G, FRAME_UDP, 0, 0xffffffff, l4,
			    l4_udp(l4, 68, 67, dhcp, dl));
	const uint8_t *o;
	size_t olen;
	struct pkt p;

	(void)state;
	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	bind_run(10);
	assert_true(bind_find(1, 0, &p, NULL, NULL) >= 0);
	assert_int_equal(dhcp_type(&p), 2);
	o = dhcp_option(&p, 26, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 2);
	assert_int_equal(be16(o), 1450);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_flood_to_remote),
		cmocka_unit_test(test_from_remote_and_back),
		cmocka_unit_test(test_gso_to_remote),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_dhcp_mtu),
		cmocka_unit_test(test_split_horizon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
