/*
 * Binding tests of the virtio-net offloads a frame carries (struct
 * netdev_offload): a checksum left to the device (NEEDS_CSUM, the field
 * holding the pseudo-header's sum) and a TCP segment of up to 64 KB to be
 * cut (GSO). A port whose device lacks an offload gets finished frames,
 * done in software by netdev_xmit (drivers/netdev_tx.c); a port that has
 * it gets the frame whole with the offload; NAT translates GSO frames
 * whole and keeps partial checksums partial; lwIP gets finished frames.
 *
 *   guest G1 .10 --eth1--+
 *   guest G2 .11 --eth2--+-- [vmnet8 192.168.99.2 | NAT | uplink 10.88.0.2] --eth0-- router .1
 *   guest G3 .12 --eth3--+                                                   203.0.113.7 beyond
 *   guest G4     --eth4--+   (DHCP client)
 *
 * Every checksum is checked independently (tests/bind/frames.c). Run in
 * order: the NAT tests go on from the session the one before opened.
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

#define NPORTS	  5
#define PAYLOAD	  4000
#define MSS	  1448
#define NSEGS	  ((PAYLOAD + MSS - 1) / MSS)
#define GSO_FRAME (FRAME_ETH_HLEN + 20 + 20 + PAYLOAD)
#define TCP_CSUM  (FRAME_ETH_HLEN + 20 + 16) /* the TCP checksum field's offset */
#define ALL_OFL	  (NETDEV_OFL_CSUM | NETDEV_OFL_TSO4)
#define ETH_WIRE  1514 /* the longest frame a 1500-byte MTU allows, untagged */

static const uint8_t G1[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x01};
static const uint8_t G2[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x02};
static const uint8_t G3[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x03};
static const uint8_t G4[6] = {0x00, 0x0c, 0x29, 0xbb, 0x00, 0x04};
static const uint8_t NOBODY[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t ROUTER[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};

static uint8_t gw_mac[6], up_mac[6];
static uint32_t g1_ip, g2_ip, g3_ip, gw_ip, up_ip, router_ip, remote_ip;
static uint8_t payload[PAYLOAD];
/* TCP connections from guest port 41000 to remote:80 through NAT: G1's
 * and G2's, which cannot both keep port 41000 outside, so one at least
 * has its port translated (a partial checksum must not follow that). */
struct conn {
	int port;
	const uint8_t *mac;
	uint32_t ip;
	uint16_t nat_port; /* outside */
	uint32_t seq_out, seq_in;
};
static struct conn conns[2];

/* ---- helpers ---- */

static struct netdev_offload ofl_tcp(uint16_t gso_size)
{
	struct netdev_offload o = {
		.flags = OFFLOAD_F_NEEDS_CSUM,
		.gso_type = gso_size ? OFFLOAD_GSO_TCPV4 : OFFLOAD_GSO_NONE,
		.hdr_len = FRAME_ETH_HLEN + 40,
		.gso_size = gso_size,
		.csum_start = FRAME_ETH_HLEN + 20,
		.csum_offset = 16,
	};

	return o;
}

static struct netdev_offload ofl_udp(void)
{
	struct netdev_offload o = {
		.flags = OFFLOAD_F_NEEDS_CSUM,
		.csum_start = FRAME_ETH_HLEN + 20,
		.csum_offset = 6,
	};

	return o;
}

static void no_offloads(void)
{
	for (int i = 0; i < NPORTS; i++)
		fake_offloads(i, 0);
}

/* A TCP/IPv4 frame of PAYLOAD bytes (ACK|PSH), its checksum left to the
 * device: what a guest with TSO sends. Returns its length. */
static size_t gso_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t sip,
			uint32_t dip, uint16_t sport, uint16_t dport, uint32_t seq)
{
	static uint8_t l4[20 + PAYLOAD];
	size_t n = frame_ip(
		f, dst, src, FRAME_TCP, sip, dip, l4,
		l4_tcp_data(l4, sport, dport, seq, 1, FRAME_ACK | FRAME_PSH, payload, PAYLOAD));

	frame_partial(f);
	return n;
}

/* A UDP frame of (len) bytes of payload, checksum left to the device. */
static size_t udp_partial(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t sip,
			  uint32_t dip, uint16_t sport, uint16_t dport, size_t len)
{
	uint8_t l4[8 + 512];
	size_t n = frame_ip(f, dst, src, FRAME_UDP, sip, dip, l4,
			    l4_udp(l4, sport, dport, payload, len));

	frame_partial(f);
	return n;
}

static void assert_ofl_equal(const struct netdev_offload *got, const struct netdev_offload *want)
{
	if (got == NULL)
		fail_msg("the driver was given no offload");
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->gso_type, want->gso_type);
	assert_int_equal(got->gso_size, want->gso_size);
	assert_int_equal(got->csum_start, want->csum_start);
	assert_int_equal(got->csum_offset, want->csum_offset);
}

/* The frames out of (port) are the GSO frame of PAYLOAD bytes cut into
 * NSEGS finished segments, (sip):(sport) -> (dip):(dport) from (seq):
 * each short enough for the wire, with no offload left to the driver,
 * good checksums, consecutive sequence numbers, PSH on the last only, and
 * together the original payload. */
static void check_cut(int port, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport,
		      uint32_t seq)
{
	size_t off = 0;

	if (fake_tx_count(port) != NSEGS)
		fail_msg("%d frames out of eth%d, expected %d", fake_tx_count(port), port, NSEGS);
	for (int k = 0; k < NSEGS; k++) {
		size_t len;
		const uint8_t *f = fake_tx_frame(port, k, &len);
		struct pkt p;

		assert_int_equal(fake_tx_wire_len(port, k), len);
		if (len > ETH_WIRE)
			fail_msg("segment %d of %zu bytes", k, len);
		assert_null(fake_tx_ofl(port, k));
		assert_int_equal(pkt_parse(f, len, &p), 0);
		assert_int_equal(p.proto, FRAME_TCP);
		if (!p.ip_ok || !p.l4_ok)
			fail_msg("segment %d: IP checksum %s, TCP checksum %s", k,
				 p.ip_ok ? "good" : "BAD", p.l4_ok ? "good" : "BAD");
		assert_int_equal(p.ip_src, sip);
		assert_int_equal(p.ip_dst, dip);
		assert_int_equal(p.sport, sport);
		assert_int_equal(p.dport, dport);
		assert_int_equal(p.tcp_seq, seq + (uint32_t)off);
		assert_int_equal(p.tcp_flags, k == NSEGS - 1 ? FRAME_ACK | FRAME_PSH : FRAME_ACK);
		assert_true(p.data_len > 0 && p.data_len <= MSS);
		assert_true(off + p.data_len <= PAYLOAD);
		assert_memory_equal(p.data, payload + off, p.data_len);
		off += p.data_len;
	}
	assert_int_equal(off, PAYLOAD);
}

/* The one frame out of (port) is the GSO frame of (len) bytes passed
 * through whole, with (want) for the driver, its checksum field the
 * pseudo-header's sum over its (new) addresses, and its header and the
 * payload kept of it good. Returns the frame's head. */
static const uint8_t *check_passed(int port, size_t len, const struct netdev_offload *want)
{
	size_t kept;
	const uint8_t *f;

	if (fake_tx_count(port) != 1)
		fail_msg("%d frames out of eth%d, expected the GSO frame whole",
			 fake_tx_count(port), port);
	f = fake_tx_frame(port, 0, &kept);
	assert_int_equal(fake_tx_wire_len(port, 0), len);
	assert_int_equal(kept, NETDEV_FRAME_MAX);
	assert_ofl_equal(fake_tx_ofl(port, 0), want);
	assert_true(frame_ip_hdr_ok(f));
	assert_int_equal(be16(f + FRAME_ETH_HLEN + 2), len - FRAME_ETH_HLEN);
	if (be16(f + TCP_CSUM) != frame_pseudo_sum(f))
		fail_msg("TCP checksum field 0x%04x, the pseudo-header's sum is 0x%04x",
			 be16(f + TCP_CSUM), frame_pseudo_sum(f));
	assert_memory_equal(f + FRAME_ETH_HLEN + 40, payload, kept - FRAME_ETH_HLEN - 40);
	return f;
}

/* The sum of every "(label) N" in the output of console command (cmd). */
static unsigned long long counter(const char *cmd, const char *label)
{
	const char *out = bind_cli(cmd), *p = out;
	unsigned long long sum = 0;
	int found = 0;

	while ((p = strstr(p, label)) != NULL) {
		p += strlen(label);
		sum += strtoull(p, NULL, 10);
		found++;
	}
	if (found == 0)
		fail_msg("no '%s' in '%s':\n%s", label, cmd, out);
	return sum;
}

static unsigned long long cpu_bad(void)
{
	return counter("show counters", "bad offload header ");
}

static unsigned long long nat_bad(void)
{
	return counter("show nat", "bad offload header ");
}

/* A plain frame from G1 to G2 still goes through, alone. */
static void check_plain_traffic(void)
{
	uint8_t f[200], l4[64];
	struct pkt p;
	size_t n = frame_ip(f, G2, G1, FRAME_UDP, g1_ip, g2_ip, l4, l4_udp(l4, 1, 2, "ok", 2));

	fake_tx_clear();
	assert_true(fake_rx(1, f, n));
	assert_int_equal(fake_tx_total(), 1);
	assert_int_equal(bind_find(2, 0, &p, NULL, NULL), 0);
	assert_true(p.l4_ok);
	assert_memory_equal(p.data, "ok", 2);
}

/* ---- tests ---- */

static void test_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 7 + i / 251);
	g1_ip = ip4("192.168.99.10");
	g2_ip = ip4("192.168.99.11");
	g3_ip = ip4("192.168.99.12");
	gw_ip = ip4("192.168.99.2");
	up_ip = ip4("10.88.0.2");
	router_ip = ip4("10.88.0.1");
	remote_ip = ip4("203.0.113.7");
	assert_int_equal(bind_boot(NPORTS), 0);
	bind_config("uplink eth0 address 10.88.0.2/24 gateway 10.88.0.1");
	bind_run(100);
	fake_tx_clear();
	/* Each guest finds the gateway: the switch learns it on its port,
	 * the gateway's neighbour table learns its address. */
	assert_true(bind_arp_resolve(1, G1, g1_ip, gw_ip, gw_mac));
	assert_true(bind_arp_resolve(2, G2, g2_ip, gw_ip, gw_mac));
	assert_true(bind_arp_resolve(3, G3, g3_ip, gw_ip, gw_mac));
}

/* 1. A GSO frame to a port without offloads is cut in software. */
static void test_switch_gso_cut(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);
	uint64_t sw_gso = netdev_get(2)->stats.tx_sw_gso;
	size_t n = gso_frame(f, G2, G1, g1_ip, g2_ip, 5000, 6000, 1000);

	(void)state;
	no_offloads();
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	check_cut(2, g1_ip, 5000, g2_ip, 6000, 1000);
	assert_int_equal(fake_tx_total(), NSEGS); /* to eth2 alone */
	assert_int_equal(netdev_get(2)->stats.tx_sw_gso, sw_gso + 1);
	assert_int_equal(netdev_get(2)->stats.tx_drop_offload, 0);
	assert_int_equal(netdev_get(1)->stats.rx_gso, 1);
}

/* 2. A partial UDP checksum flooded: completed for the ports without
 * checksum offload, left (the frame unchanged) for the one with it. */
static void test_switch_partial_udp_flood(void **state)
{
	uint8_t f[600], orig[600];
	struct netdev_offload o = ofl_udp();
	uint64_t sw_csum2 = netdev_get(2)->stats.tx_sw_csum,
		 sw_csum4 = netdev_get(4)->stats.tx_sw_csum;
	size_t n = udp_partial(f, NOBODY, G1, g1_ip, ip4("192.168.99.99"), 6000, 7000, 300);
	size_t at = FRAME_ETH_HLEN + 20 + 6;

	(void)state;
	memcpy(orig, f, n);
	no_offloads();
	fake_offloads(3, NETDEV_OFL_CSUM);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_count(1), 0);
	/* eth2 and eth4, before and after eth3: finished. */
	for (int port = 2; port <= 4; port += 2) {
		size_t len;
		const uint8_t *t;
		struct pkt p;

		assert_int_equal(fake_tx_count(port), 1);
		t = fake_tx_frame(port, 0, &len);
		assert_int_equal(len, n);
		assert_null(fake_tx_ofl(port, 0));
		assert_int_equal(pkt_parse(t, len, &p), 0);
		if (!p.l4_ok || be16(t + at) == 0)
			fail_msg("eth%d: UDP checksum 0x%04x not completed", port, be16(t + at));
		assert_memory_equal(t, orig, at);
		assert_memory_equal(t + at + 2, orig + at + 2, n - at - 2);
	}
	assert_int_equal(netdev_get(2)->stats.tx_sw_csum, sw_csum2 + 1);
	assert_int_equal(netdev_get(4)->stats.tx_sw_csum, sw_csum4 + 1);
	/* eth3 takes the offload: the frame as the guest sent it. */
	{
		size_t len;
		const uint8_t *t;

		assert_int_equal(fake_tx_count(3), 1);
		t = fake_tx_frame(3, 0, &len);
		assert_int_equal(len, n);
		assert_memory_equal(t, orig, n);
		assert_ofl_equal(fake_tx_ofl(3, 0), &o);
		assert_int_equal(netdev_get(3)->stats.tx_sw_csum, 0);
	}
	/* Nor was the guest's buffer written for the ports before eth3. */
	assert_memory_equal(f, orig, n);
}

/* 3. A port that does it all gets the GSO frame whole. */
static void test_switch_gso_passed(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);
	const struct netdev_stats *s = &netdev_get(2)->stats;
	uint64_t sw_gso = s->tx_sw_gso, sw_csum = s->tx_sw_csum;
	size_t n = gso_frame(f, G2, G1, g1_ip, g2_ip, 5000, 6000, 5000);
	size_t kept;

	(void)state;
	no_offloads();
	fake_offloads(2, ALL_OFL);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	check_passed(2, n, &o);
	assert_memory_equal(fake_tx_frame(2, 0, &kept), f, NETDEV_FRAME_MAX);
	assert_int_equal(fake_tx_total(), 1);
	assert_int_equal(s->tx_sw_gso, sw_gso);
	assert_int_equal(s->tx_sw_csum, sw_csum);
	/* Checksum offload alone is not enough for a GSO frame: cut. */
	fake_offloads(2, NETDEV_OFL_CSUM);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	check_cut(2, g1_ip, 5000, g2_ip, 6000, 5000);
}

static bool is_tcp(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_TCP;
}

/* 4. NAT: G1 and G2 each open a TCP connection to the outside (only a
 * SYN opens one), the uplink's next hop resolved by ARP on the way. */
static void test_nat_session(void **state)
{
	uint8_t f[200], l4[64];
	struct pkt p;

	(void)state;
	no_offloads();
	conns[0] = (struct conn){1, G1, g1_ip, 0, 1001, 5001};
	conns[1] = (struct conn){2, G2, g2_ip, 0, 1001, 5001};
	for (int i = 0; i < 2; i++) {
		struct conn *c = &conns[i];

		fake_tx_clear();
		assert_true(fake_rx(c->port, f,
				    frame_ip(f, gw_mac, c->mac, FRAME_TCP, c->ip, remote_ip, l4,
					     l4_tcp(l4, 41000, 80, 1000, 0, FRAME_SYN))));
		if (i == 0)
			assert_int_equal(bind_answer_arp(0, router_ip, ROUTER), 1);
		assert_true(bind_find(0, 0, &p, is_tcp, NULL) >= 0);
		assert_int_equal(p.ip_src, up_ip);
		memcpy(up_mac, p.src, 6);
		c->nat_port = p.sport;
		fake_tx_clear();
		assert_true(fake_rx(
			0, f,
			frame_ip(f, up_mac, ROUTER, FRAME_TCP, remote_ip, up_ip, l4,
				 l4_tcp(l4, 80, c->nat_port, 5000, 1001, FRAME_SYN | FRAME_ACK))));
		assert_true(bind_find(c->port, 0, &p, is_tcp, NULL) >= 0);
		assert_int_equal(p.dport, 41000);
		fake_tx_clear();
		assert_true(fake_rx(c->port, f,
				    frame_ip(f, gw_mac, c->mac, FRAME_TCP, c->ip, remote_ip, l4,
					     l4_tcp(l4, 41000, 80, 1001, 5001, FRAME_ACK))));
		assert_true(bind_find(0, 0, &p, is_tcp, NULL) >= 0);
	}
	assert_int_not_equal(conns[0].nat_port, conns[1].nat_port);
}

/* 4a. A GSO frame out through NAT to an uplink port without offloads:
 * translated whole, then cut, each segment's checksum good. */
static void test_nat_gso_out_cut(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);

	(void)state;
	no_offloads();
	for (int i = 0; i < 2; i++) {
		struct conn *c = &conns[i];
		uint64_t sw_gso = netdev_get(0)->stats.tx_sw_gso;
		size_t n = gso_frame(f, gw_mac, c->mac, c->ip, remote_ip, 41000, 80, c->seq_out);

		fake_tx_clear();
		assert_true(fake_rx_ofl(c->port, f, n, &o));
		check_cut(0, up_ip, c->nat_port, remote_ip, 80, c->seq_out);
		assert_int_equal(netdev_get(0)->stats.tx_sw_gso, sw_gso + 1);
		assert_int_equal(fake_tx_total(), NSEGS);
		c->seq_out += PAYLOAD;
	}
}

/* 4b. The same to an uplink port with TSO: one frame, translated, the
 * checksum field the pseudo-header's sum over the new source address
 * (the device sums the new port itself). */
static void test_nat_gso_out_passed(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);

	(void)state;
	no_offloads();
	fake_offloads(0, ALL_OFL);
	for (int i = 0; i < 2; i++) {
		struct conn *c = &conns[i];
		size_t n = gso_frame(f, gw_mac, c->mac, c->ip, remote_ip, 41000, 80, c->seq_out);
		const uint8_t *t;

		fake_tx_clear();
		assert_true(fake_rx_ofl(c->port, f, n, &o));
		t = check_passed(0, n, &o);
		assert_memory_equal(t, ROUTER, 6);
		assert_int_equal(be32(t + FRAME_ETH_HLEN + 12), up_ip);
		assert_int_equal(be32(t + FRAME_ETH_HLEN + 16), remote_ip);
		assert_int_equal(t[FRAME_ETH_HLEN + 8], 63); /* TTL */
		assert_int_equal(be16(t + FRAME_ETH_HLEN + 20), c->nat_port);
		assert_int_equal(be16(t + FRAME_ETH_HLEN + 22), 80);
		assert_int_equal(be32(t + FRAME_ETH_HLEN + 24), c->seq_out);
		assert_int_equal(fake_tx_total(), 1);
		c->seq_out += PAYLOAD;
	}
}

/* 4c. The reply direction: a GSO frame from outside to the mapping, to a
 * guest port without offloads: cut, the guest's address and port back. */
static void test_nat_gso_in_cut(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);

	(void)state;
	no_offloads();
	for (int i = 0; i < 2; i++) {
		struct conn *c = &conns[i];
		size_t n =
			gso_frame(f, up_mac, ROUTER, remote_ip, up_ip, 80, c->nat_port, c->seq_in);

		fake_tx_clear();
		assert_true(fake_rx_ofl(0, f, n, &o));
		check_cut(c->port, remote_ip, 80, c->ip, 41000, c->seq_in);
		for (int k = 0; k < NSEGS; k++) {
			size_t len;

			assert_memory_equal(fake_tx_frame(c->port, k, &len), c->mac, 6);
		}
		assert_int_equal(fake_tx_total(), NSEGS);
		c->seq_in += PAYLOAD;
	}
}

/* 4d. The same to a guest port with TSO: one frame, ready for it. */
static void test_nat_gso_in_passed(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);

	(void)state;
	no_offloads();
	fake_offloads(1, ALL_OFL);
	fake_offloads(2, ALL_OFL);
	for (int i = 0; i < 2; i++) {
		struct conn *c = &conns[i];
		size_t n =
			gso_frame(f, up_mac, ROUTER, remote_ip, up_ip, 80, c->nat_port, c->seq_in);
		const uint8_t *t;

		fake_tx_clear();
		assert_true(fake_rx_ofl(0, f, n, &o));
		t = check_passed(c->port, n, &o);
		assert_memory_equal(t, c->mac, 6);
		assert_int_equal(be32(t + FRAME_ETH_HLEN + 12), remote_ip);
		assert_int_equal(be32(t + FRAME_ETH_HLEN + 16), c->ip);
		assert_int_equal(be16(t + FRAME_ETH_HLEN + 22), 41000);
		assert_int_equal(fake_tx_total(), 1);
		c->seq_in += PAYLOAD;
	}
}

/* 4e. A partial UDP checksum through NAT (any outbound UDP opens a
 * session): finished for a plain uplink, kept partial for one with
 * checksum offload, over the new address. */
static void test_nat_partial_udp(void **state)
{
	uint8_t f[600];
	struct netdev_offload o = ofl_udp();
	struct pkt p;
	size_t len, n;
	const uint8_t *t;

	(void)state;
	no_offloads();
	n = udp_partial(f, gw_mac, G1, g1_ip, remote_ip, 5353, 9999, 200);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_count(0), 1);
	t = fake_tx_frame(0, 0, &len);
	assert_null(fake_tx_ofl(0, 0));
	assert_int_equal(pkt_parse(t, len, &p), 0);
	assert_int_equal(p.ip_src, up_ip);
	assert_true(p.ip_ok && p.l4_ok);
	assert_memory_equal(p.data, payload, 200);

	fake_offloads(0, NETDEV_OFL_CSUM);
	n = udp_partial(f, gw_mac, G1, g1_ip, remote_ip, 5353, 9999, 200);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_count(0), 1);
	t = fake_tx_frame(0, 0, &len);
	assert_ofl_equal(fake_tx_ofl(0, 0), &o);
	assert_int_equal(pkt_parse(t, len, &p), 0);
	assert_int_equal(p.ip_src, up_ip);
	assert_true(p.ip_ok);
	assert_int_equal(be16(t + FRAME_ETH_HLEN + 26), frame_pseudo_sum(t));
}

static bool is_dhcp_offer(const struct pkt *p, const void *arg)
{
	(void)arg;
	return p->type == FRAME_TYPE_IP && p->proto == FRAME_UDP && p->sport == 67 &&
	       p->dport == 68 && dhcp_type(p) == 2;
}

/* 5a. lwIP checks UDP checksums: a DHCP DISCOVER whose checksum was left
 * to the device is answered only if the CPU port finished it. */
static void test_lwip_partial_dhcp(void **state)
{
	uint8_t msg[300], l4[400], f[600];
	struct netdev_offload o = ofl_udp();
	size_t l = l4_udp(l4, 68, 67, msg, dhcp_client_msg(msg, 1, G4, 0x4444, 0, 0));
	size_t n = frame_ip(f, MAC_BCAST, G4, FRAME_UDP, 0, 0xffffffffu, l4, l);
	unsigned long long bad = cpu_bad();
	struct pkt p;

	(void)state;
	frame_partial(f);
	no_offloads();
	fake_tx_clear();
	assert_true(fake_rx_ofl(4, f, n, &o));
	if (bind_find(4, 0, &p, is_dhcp_offer, NULL) < 0)
		fail_msg("no DHCP OFFER for a DISCOVER with a partial checksum; show dhcp:\n%s",
			 bind_cli("show dhcp"));
	assert_true(p.ip_ok && p.l4_ok);
	assert_int_equal(be32(p.data + 4), 0x4444);
	/* The flooded copies were finished for the ports too. */
	for (int port = 1; port <= 3; port++) {
		assert_int_equal(bind_find(port, 0, &p, NULL, NULL), 0);
		assert_true(p.l4_ok);
	}
	assert_int_equal(cpu_bad(), bad);
}

/* 5b. A GSO frame to the gateway's own address reaches lwIP as finished
 * segments: with no listener on the port lwIP resets each (RFC 9293
 * §3.10.7.1), acknowledging exactly that segment's bytes. */
static void test_lwip_gso_to_gateway(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);
	size_t n = gso_frame(f, gw_mac, G1, g1_ip, gw_ip, 45000, 80, 7777);
	unsigned long long bad = cpu_bad(), nobuf = counter("show counters", "no pbuf ");
	uint32_t end = 7777;
	uint8_t l4[64];
	struct pkt p;
	int rst = 0;

	(void)state;
	no_offloads();
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	for (int k = 0; (k = bind_find(1, k, &p, is_tcp, NULL)) >= 0; k++) {
		assert_true(p.ip_ok && p.l4_ok);
		assert_int_equal(p.ip_src, gw_ip);
		assert_int_equal(p.dport, 45000);
		assert_true(p.tcp_flags & FRAME_RST);
		end += rst < NSEGS - 1 ? MSS : PAYLOAD - (NSEGS - 1) * MSS;
		assert_int_equal(p.tcp_ack, end);
		rst++;
	}
	if (rst != NSEGS)
		fail_msg("lwIP reset %d of the %d segments (checksums bad?)", rst, NSEGS);
	assert_int_equal(fake_tx_total(), NSEGS);
	assert_int_equal(cpu_bad(), bad);
	assert_int_equal(counter("show counters", "no pbuf "), nobuf);
	/* The gateway still answers. */
	fake_tx_clear();
	assert_true(fake_rx(
		1, f,
		frame_ip(f, gw_mac, G1, FRAME_ICMP, g1_ip, gw_ip, l4, l4_icmp_echo(l4, 8, 1, 1))));
	assert_true(bind_find(1, 0, &p, NULL, NULL) >= 0);
	assert_int_equal(p.icmp_type, 0);
}

/* 6a. A checksum field outside the frame, to a port that must finish it:
 * dropped, counted; others' traffic goes on. */
static void test_bad_csum_offset_switch(void **state)
{
	uint8_t f[600];
	struct netdev_offload o = ofl_udp();
	uint64_t drops = netdev_get(2)->stats.tx_drop_offload;
	size_t n = udp_partial(f, G2, G1, g1_ip, g2_ip, 1, 2, 100);

	(void)state;
	no_offloads();
	o.csum_offset = (uint16_t)n; /* the field past the frame's end */
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(netdev_get(2)->stats.tx_drop_offload, drops + 1);
	o = ofl_udp();
	o.csum_start = (uint16_t)(n + 10); /* the start past it */
	o.csum_offset = 0;
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(netdev_get(2)->stats.tx_drop_offload, drops + 2);
	check_plain_traffic();
}

/* 6b. The same to a port whose device would do the checksum: the
 * appliance is that device's driver and must not hand it offsets that
 * lie outside the frame (the frame is a guest's, untrusted). */
static void test_bad_csum_offset_to_offload_port(void **state)
{
	uint8_t f[600];
	struct netdev_offload o = ofl_udp();
	uint64_t drops = netdev_get(2)->stats.tx_drop_offload;
	size_t n = udp_partial(f, G2, G1, g1_ip, g2_ip, 1, 2, 100);

	(void)state;
	no_offloads();
	fake_offloads(2, NETDEV_OFL_CSUM);
	o.csum_offset = (uint16_t)n;
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	if (fake_tx_count(2) != 0)
		fail_msg("a frame whose checksum field lies past its end (csum_start %u + "
			 "csum_offset %u, %zu bytes) was handed to eth2's driver with that offload",
			 o.csum_start, o.csum_offset, n);
	assert_int_equal(netdev_get(2)->stats.tx_drop_offload, drops + 1);
	check_plain_traffic();
}

/* 6c. Bad offsets toward lwIP (the gateway's DNS) and toward NAT: dropped,
 * counted by the CPU port and by the gateway. */
static void test_bad_csum_offset_cpu(void **state)
{
	uint8_t f[600];
	struct netdev_offload o = ofl_udp();
	unsigned long long cpu = cpu_bad(), nat = nat_bad();
	size_t n;

	(void)state;
	no_offloads();
	n = udp_partial(f, gw_mac, G1, g1_ip, gw_ip, 5300, 53, 40);
	o.csum_offset = (uint16_t)n;
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(cpu_bad(), cpu + 1);

	n = udp_partial(f, gw_mac, G1, g1_ip, remote_ip, 5300, 53, 40);
	o = ofl_udp();
	o.csum_start = (uint16_t)(n + 100);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(nat_bad(), nat + 1);
	assert_int_equal(cpu_bad(), cpu + 1);
	check_plain_traffic();
}

/* 6d. gso_size 0: no segment size to cut by. Dropped and counted on the
 * switch (port without TSO), by the CPU port and by NAT. */
static void test_gso_size_zero(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(MSS);
	uint64_t drops = netdev_get(2)->stats.tx_drop_offload;
	unsigned long long cpu = cpu_bad(), nat = nat_bad();
	size_t n;

	(void)state;
	o.gso_size = 0;
	no_offloads();
	n = gso_frame(f, G2, G1, g1_ip, g2_ip, 5000, 6000, 1);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(netdev_get(2)->stats.tx_drop_offload, drops + 1);

	n = gso_frame(f, gw_mac, G1, g1_ip, gw_ip, 45001, 80, 1);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(cpu_bad(), cpu + 1);

	n = gso_frame(f, gw_mac, G1, g1_ip, remote_ip, 41000, 80, conns[0].seq_out);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	assert_int_equal(fake_tx_total(), 0);
	assert_int_equal(nat_bad(), nat + 1);
	check_plain_traffic();
}

/* 6e. gso_size 0 to a port with TSO: a device must not be asked to cut a
 * frame by 0 (host kernels have crashed on such headers); dropped. */
static void test_gso_size_zero_to_tso_port(void **state)
{
	static uint8_t f[GSO_FRAME];
	struct netdev_offload o = ofl_tcp(0);
	size_t n = gso_frame(f, G2, G1, g1_ip, g2_ip, 5000, 6000, 1);

	(void)state;
	o.gso_type = OFFLOAD_GSO_TCPV4;
	no_offloads();
	fake_offloads(2, ALL_OFL);
	fake_tx_clear();
	assert_true(fake_rx_ofl(1, f, n, &o));
	if (fake_tx_count(2) != 0)
		fail_msg("a %zu-byte GSO frame with gso_size 0 was handed to eth2's driver for "
			 "its device to cut",
			 fake_tx_wire_len(2, 0));
	check_plain_traffic();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_switch_gso_cut),
		cmocka_unit_test(test_switch_partial_udp_flood),
		cmocka_unit_test(test_switch_gso_passed),
		cmocka_unit_test(test_nat_session),
		cmocka_unit_test(test_nat_gso_out_cut),
		cmocka_unit_test(test_nat_gso_out_passed),
		cmocka_unit_test(test_nat_gso_in_cut),
		cmocka_unit_test(test_nat_gso_in_passed),
		cmocka_unit_test(test_nat_partial_udp),
		cmocka_unit_test(test_lwip_partial_dhcp),
		cmocka_unit_test(test_lwip_gso_to_gateway),
		cmocka_unit_test(test_bad_csum_offset_switch),
		cmocka_unit_test(test_bad_csum_offset_to_offload_port),
		cmocka_unit_test(test_bad_csum_offset_cpu),
		cmocka_unit_test(test_gso_size_zero),
		cmocka_unit_test(test_gso_size_zero_to_tso_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
