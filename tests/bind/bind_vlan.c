/*
 * Binding tests of 802.1Q trunks (net/switch/network.c): a frame's tag picks
 * its network and comes off on the way in; on the way out of a port that
 * carries the network tagged it goes back on, with the priority the frame
 * came with; what a sender left to a device (a checksum, a GSO segment) is
 * finished first, without writing the frame that other ports still send.
 *
 *   trunk A --eth1--+  tagged: lab10 (vlan 10), lab20 (vlan 20)
 *   trunk B --eth2--+  tagged: lab10
 *   guest C --eth3--+  untagged in lab10
 *   guest D --eth4--+  untagged in lab20
 *
 * Every checksum is checked independently (tests/bind/frames.c), on the
 * frame with its tag taken off.
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

#define NPORTS	5
#define PAYLOAD 3000
#define MSS	1448
#define NSEGS	((PAYLOAD + MSS - 1) / MSS)

static const char config[] = "no network vmnet8\n"
			     "network lab10 hostonly\n"
			     "  ports eth3\n"
			     "  vlan 10\n"
			     "  tagged eth1 eth2\n"
			     "  address 192.168.10.1/24\n"
			     "network lab20 hostonly\n"
			     "  ports eth4\n"
			     "  vlan 20\n"
			     "  tagged eth1\n"
			     "  address 192.168.20.1/24\n";

static const uint8_t A[6] = {0x02, 0, 0, 0, 0x0a, 0x01};
static const uint8_t B[6] = {0x02, 0, 0, 0, 0x0b, 0x01};
static const uint8_t C[6] = {0x02, 0, 0, 0, 0x0c, 0x01};
static const uint8_t NOBODY[6] = {0x02, 0, 0, 0, 0x99, 0x99};
static uint8_t payload[PAYLOAD];

/* (frame) with a tag of (vid) and priority (pcp) put in after the MAC
 * addresses, into (out). Returns the new length. */
static size_t tag(uint8_t *out, const uint8_t *frame, size_t len, uint16_t vid, uint8_t pcp)
{
	memcpy(out, frame, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(pcp << 5 | vid >> 8);
	out[15] = (uint8_t)vid;
	memcpy(out + 16, frame + 12, len - 12);
	return len + 4;
}

/* Frame (k) sent on (port), which must be tagged with (vid): its tag's
 * priority in (*pcp), the frame without the tag in (out). Returns its
 * length. */
static size_t sent_tagged(int port, int k, uint16_t vid, uint8_t *pcp, uint8_t *out)
{
	size_t len;
	const uint8_t *f = fake_tx_frame(port, k, &len);

	assert_non_null(f);
	if (len < 18 || f[12] != 0x81 || f[13] != 0x00)
		fail_msg("frame %d on eth%d is not tagged", k, port);
	assert_int_equal(be16(f + 14) & 0x0fff, vid);
	*pcp = f[14] >> 5;
	assert_null(fake_tx_ofl(port, k));
	memcpy(out, f, 12);
	memcpy(out + 12, f + 16, len - 16);
	return len - 4;
}

/* The number in show counters' 802.1Q line for (port) after (what). */
static long vlan_counter(int port, const char *what)
{
	char head[32];
	const char *out = bind_cli("show counters"), *line, *at;

	snprintf(head, sizeof(head), "eth%d 802.1Q:", port);
	line = strstr(out, head);
	if (line == NULL)
		return 0;
	at = strstr(line, what);
	return at != NULL ? strtol(at + strlen(what), NULL, 10) : -1;
}

static void test_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 13 + i / 97);
	assert_int_equal(bind_boot(NPORTS), 0);
	bind_config(config);
	bind_run(100);
	fake_tx_clear();
}

/* ARP for the gateway through a trunk: each VLAN reaches its own network's
 * gateway, and the reply goes back tagged, with the asker's priority. */
static void test_gateway_per_vlan(void **state)
{
	static const struct {
		uint16_t vid;
		uint8_t pcp;
		const char *gw, *me;
	} t[] = {{10, 5, "192.168.10.1", "192.168.10.50"},
		 {20, 0, "192.168.20.1", "192.168.20.50"}};
	uint8_t f[64], tf[68], back[1600];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		static const uint8_t zero[6];
		size_t n = frame_arp(f, MAC_BCAST, 1, A, ip4(t[i].me), zero, ip4(t[i].gw));
		uint8_t pcp;
		struct pkt p;

		fake_tx_clear();
		assert_true(fake_rx(1, tf, tag(tf, f, n, t[i].vid, t[i].pcp)));
		assert_int_equal(fake_tx_count(1), 1);
		n = sent_tagged(1, 0, t[i].vid, &pcp, back);
		assert_int_equal(pcp, t[i].pcp);
		assert_int_equal(pkt_parse(back, n, &p), 0);
		assert_int_equal(p.arp_op, 2);
		assert_int_equal(p.arp_spa, ip4(t[i].gw));
		assert_int_equal(p.arp_tpa, ip4(t[i].me));
		/* The request flooded its own VLAN's network only. */
		assert_int_equal(fake_tx_count(2), t[i].vid == 10);
		assert_int_equal(fake_tx_count(3), t[i].vid == 10);
		assert_int_equal(fake_tx_count(4), t[i].vid == 20);
	}
}

/* A broadcast from trunk A on VLAN 10 floods lab10 only: tagged to B
 * (priority kept), untagged to C; never to D (lab20). And C's reaches
 * both trunks tagged, with priority 0. */
static void test_flood_within_vlan(void **state)
{
	uint8_t f[128], tf[132], back[1600];
	uint8_t l4[8 + 16];
	size_t n = frame_ip(f, MAC_BCAST, A, FRAME_UDP, ip4("192.168.10.50"), ip4("192.168.10.255"),
			    l4, l4_udp(l4, 1000, 2000, payload, 16));
	size_t len, m;
	uint8_t pcp;

	(void)state;
	fake_tx_clear();
	assert_true(fake_rx(1, tf, tag(tf, f, n, 10, 3)));
	assert_int_equal(fake_tx_count(2), 1);
	m = sent_tagged(2, 0, 10, &pcp, back);
	assert_int_equal(pcp, 3);
	assert_int_equal(m, n);
	assert_memory_equal(back, f, n);
	assert_int_equal(fake_tx_count(3), 1);
	assert_memory_equal(fake_tx_frame(3, 0, &len), f, n);
	assert_int_equal(len, n);
	assert_int_equal(fake_tx_count(4), 0);
	assert_int_equal(fake_tx_count(1), 0);

	n = frame_ip(f, MAC_BCAST, C, FRAME_UDP, ip4("192.168.10.60"), ip4("192.168.10.255"), l4,
		     l4_udp(l4, 1000, 2000, payload, 16));
	fake_tx_clear();
	assert_true(fake_rx(3, f, n));
	for (int port = 1; port <= 2; port++) {
		assert_int_equal(fake_tx_count(port), 1);
		m = sent_tagged(port, 0, 10, &pcp, back);
		assert_int_equal(pcp, 0);
		assert_memory_equal(back, f, m);
	}
	assert_int_equal(fake_tx_count(4), 0);
}

/* What a port does not carry is dropped and counted: a VLAN it is not
 * tagged in, an untagged frame where it has no untagged network. A
 * priority-tagged frame (VID 0) is the untagged network's. */
static void test_drops_and_priority_tag(void **state)
{
	uint8_t f[128], tf[132], back[1600];
	uint8_t l4[8 + 16];
	size_t n = frame_ip(f, MAC_BCAST, A, FRAME_UDP, ip4("192.168.30.50"), ip4("192.168.30.255"),
			    l4, l4_udp(l4, 1000, 2000, payload, 16));
	long unknown1 = vlan_counter(1, "unknown tag "), unknown2 = vlan_counter(2, "unknown tag ");
	long untagged = vlan_counter(1, "untagged network ");
	uint8_t pcp;

	(void)state;
	fake_tx_clear();
	assert_true(fake_rx(1, tf, tag(tf, f, n, 30, 0))); /* no network has VLAN 30 */
	assert_true(fake_rx(2, tf, tag(tf, f, n, 20, 0))); /* lab20's, but not on eth2 */
	assert_true(fake_rx(1, f, n));			   /* eth1 has no untagged network */
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(vlan_counter(1, "unknown tag "), unknown1 + 1);
	assert_int_equal(vlan_counter(2, "unknown tag "), unknown2 + 1);
	assert_int_equal(vlan_counter(1, "untagged network "), untagged + 1);

	/* VID 0 on eth3: lab10's, on to the trunks with the priority kept. */
	n = frame_ip(f, MAC_BCAST, C, FRAME_UDP, ip4("192.168.10.60"), ip4("192.168.10.255"), l4,
		     l4_udp(l4, 1000, 2000, payload, 16));
	fake_tx_clear();
	assert_true(fake_rx(3, tf, tag(tf, f, n, 0, 6)));
	assert_int_equal(fake_tx_count(1), 1);
	sent_tagged(1, 0, 10, &pcp, back);
	assert_int_equal(pcp, 6);
	assert_memory_equal(back, f, n);
}

/* Teaches the switch that (mac), with address (ip), is behind (port),
 * tagged (vid) (0: untagged). */
static void learn(int port, const uint8_t mac[6], const char *ip, uint16_t vid)
{
	uint8_t f[64], tf[68];
	uint8_t l4[8 + 8];
	size_t n = frame_ip(f, MAC_BCAST, mac, FRAME_UDP, ip4(ip), ip4("192.168.10.255"), l4,
			    l4_udp(l4, 1, 2, payload, 8));

	assert_true(vid ? fake_rx(port, tf, tag(tf, f, n, vid, 0)) : fake_rx(port, f, n));
}

/* A GSO frame from C to B, behind a trunk: cut in software, each piece
 * tagged and whole; C's buffer untouched. */
static void test_gso_to_trunk(void **state)
{
	static uint8_t f[14 + 40 + PAYLOAD], orig[sizeof(f)];
	static uint8_t l4[20 + PAYLOAD];
	uint8_t back[1600];
	size_t n = frame_ip(f, B, C, FRAME_TCP, ip4("192.168.10.60"), ip4("192.168.10.80"), l4,
			    l4_tcp_data(l4, 4000, 5000, 7, 1, FRAME_ACK, payload, PAYLOAD));
	struct netdev_offload o = {.flags = OFFLOAD_F_NEEDS_CSUM,
				   .gso_type = OFFLOAD_GSO_TCPV4,
				   .hdr_len = 54,
				   .gso_size = MSS,
				   .csum_start = 34,
				   .csum_offset = 16};
	size_t off = 0;

	(void)state;
	learn(2, B, "192.168.10.80", 10);
	frame_partial(f);
	memcpy(orig, f, n);
	fake_tx_clear();
	assert_true(fake_rx_ofl(3, f, n, &o));
	assert_int_equal(fake_tx_count(2), NSEGS);
	assert_int_equal(fake_tx_total(), NSEGS);
	for (int k = 0; k < NSEGS; k++) {
		uint8_t pcp;
		size_t m = sent_tagged(2, k, 10, &pcp, back);
		struct pkt p;

		assert_true(m <= 1514);
		assert_int_equal(pkt_parse(back, m, &p), 0);
		if (!p.ip_ok || !p.l4_ok)
			fail_msg("piece %d: IP checksum %s, TCP checksum %s", k,
				 p.ip_ok ? "good" : "BAD", p.l4_ok ? "good" : "BAD");
		assert_int_equal(p.tcp_seq, 7 + (uint32_t)off);
		assert_memory_equal(p.data, payload + off, p.data_len);
		off += p.data_len;
	}
	assert_int_equal(off, PAYLOAD);
	assert_memory_equal(f, orig, n);
}

/* A UDP checksum left to the device, flooded from C: both trunks get it
 * tagged and finished; C's buffer (which the switch lends to every port
 * in turn) is untouched. */
static void test_partial_csum_flood(void **state)
{
	uint8_t f[600], orig[600], back[1600];
	uint8_t l4[8 + 400];
	size_t n = frame_ip(f, NOBODY, C, FRAME_UDP, ip4("192.168.10.60"), ip4("192.168.10.99"), l4,
			    l4_udp(l4, 6000, 7000, payload, 400));
	struct netdev_offload o = {
		.flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};

	(void)state;
	frame_partial(f);
	memcpy(orig, f, n);
	fake_tx_clear();
	assert_true(fake_rx_ofl(3, f, n, &o));
	for (int port = 1; port <= 2; port++) {
		uint8_t pcp;
		size_t m;
		struct pkt p;

		assert_int_equal(fake_tx_count(port), 1);
		m = sent_tagged(port, 0, 10, &pcp, back);
		assert_int_equal(m, n);
		assert_int_equal(pkt_parse(back, m, &p), 0);
		if (!p.l4_ok || be16(back + 40) == 0)
			fail_msg("eth%d: UDP checksum 0x%04x not completed", port, be16(back + 40));
		/* Only the checksum differs from what C sent. */
		assert_memory_equal(back, orig, 40);
		assert_memory_equal(back + 42, orig + 42, n - 42);
	}
	assert_memory_equal(f, orig, n);
}

/* A tagged GSO frame from trunk A (its offsets counted with the tag) to C,
 * an untagged port without offloads: the tag comes off, the offsets move
 * with it, and C gets whole, valid pieces. */
static void test_tagged_gso_in(void **state)
{
	static uint8_t f[14 + 40 + PAYLOAD], tf[sizeof(f) + 4];
	static uint8_t l4[20 + PAYLOAD];
	size_t n = frame_ip(f, C, A, FRAME_TCP, ip4("192.168.10.50"), ip4("192.168.10.60"), l4,
			    l4_tcp_data(l4, 4001, 5001, 100, 1, FRAME_ACK, payload, PAYLOAD));
	struct netdev_offload o = {.flags = OFFLOAD_F_NEEDS_CSUM,
				   .gso_type = OFFLOAD_GSO_TCPV4,
				   .hdr_len = 58,
				   .gso_size = MSS,
				   .csum_start = 38,
				   .csum_offset = 16};
	size_t off = 0;

	(void)state;
	learn(3, C, "192.168.10.60", 0);
	frame_partial(f);
	n = tag(tf, f, n, 10, 0);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, tf, n, &o));
	assert_int_equal(fake_tx_count(3), NSEGS);
	for (int k = 0; k < NSEGS; k++) {
		size_t len;
		const uint8_t *t = fake_tx_frame(3, k, &len);
		struct pkt p;

		assert_int_equal(be16(t + 12), FRAME_TYPE_IP);
		assert_int_equal(pkt_parse(t, len, &p), 0);
		assert_true(p.ip_ok && p.l4_ok);
		assert_int_equal(p.tcp_seq, 100 + (uint32_t)off);
		off += p.data_len;
	}
	assert_int_equal(off, PAYLOAD);
}

/* show networks shows the tags (show ports lives in drivers/netdev.c,
 * which the harness fakes: test_vlan.py checks it). */
static void test_shown(void **state)
{
	const char *out;

	(void)state;
	out = bind_cli("show networks");
	assert_non_null(strstr(out, "vlan 10: tagged on eth1 eth2"));
	assert_non_null(strstr(out, "eth1(tagged)"));
	/* Untagging a port at the console: eth2 joins lab20 untagged, and
	 * leaves lab10's trunk. */
	assert_int_equal(bind_line("network lab10"), 0);
	assert_int_equal(bind_line("tagged eth1"), 0);
	assert_int_equal(bind_line("network lab20"), 0);
	assert_int_equal(bind_line("ports eth2 eth4"), 0);
	assert_int_equal(bind_line("exit"), 0);
	out = bind_cli("show networks");
	assert_non_null(strstr(out, "vlan 10: tagged on eth1\n"));
	assert_non_null(strstr(out, "ports: eth1(tagged) eth2 eth4\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_gateway_per_vlan),
		cmocka_unit_test(test_flood_within_vlan),
		cmocka_unit_test(test_drops_and_priority_tag),
		cmocka_unit_test(test_gso_to_trunk),
		cmocka_unit_test(test_partial_csum_flood),
		cmocka_unit_test(test_tagged_gso_in),
		cmocka_unit_test(test_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
