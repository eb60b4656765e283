/*
 * Unit tests for the DHCP server's switch ports (net/dhcp/dhcpd.c and
 * net/dhcp/dhcpd_pool.c): the per-port limit on pool addresses
 * (cfg.port_leases), which refuses a new client on a full port but never a
 * client that holds an address, frees room as offers and leases expire,
 * leaves reservations and portless messages alone and survives
 * reconfiguration; and dhcpd_forget_port(), which unpins a blocked port's
 * leases so that their clients take them along to the port they speak
 * from next.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sink.h"
#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"

#define GW	   0x0a090001u /* 10.9.0.1 */
#define IP(n)	   (0x0a090000u | (n))
#define HOST_IP	   IP(10) /* reserved, outside the range */
#define T0	   1000u
#define LEASE	   600u
#define TABLE_SIZE 128

#define SEED 0x5eedu
/* The lease table and its indexes: dhcpd_table_size() bytes, checked in setup. */
static uint64_t table[(TABLE_SIZE * 160 + 2048) / 8];
static struct dhcpd_config cfg;

static const uint8_t HOST_MAC[6] = {0x00, 0x0c, 0x29, 0x00, 0x00, 0x01};

/* What came back: the reply's length and, if any, its parse. */
struct res {
	int len;
	struct dhcp_msg m;
	uint8_t buf[1500];
};

/* A range of 100 addresses, more than a port's default share. */
static void setup(struct dhcpd *d, uint32_t port_leases)
{
	assert_true(dhcpd_table_size(TABLE_SIZE) <= sizeof(table));
	assert_int_equal(dhcpd_init(d, table, TABLE_SIZE, SEED), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.server = GW;
	cfg.prefix = 24;
	cfg.range_start = IP(100);
	cfg.range_end = IP(199);
	cfg.lease_s = LEASE;
	cfg.port_leases = port_leases;
	cfg.nhosts = 1;
	strcpy(cfg.host[0].name, "pinned");
	memcpy(cfg.host[0].mac, HOST_MAC, 6);
	cfg.host[0].ip = HOST_IP;
	assert_int_equal(dhcpd_configure(d, &cfg, NULL), 0);
}

/* Client (n) of port (port): MAC 02:00:00:00:port:n. */
static void mac_of(uint8_t mac[6], uint8_t port, uint8_t n)
{
	memset(mac, 0, 6);
	mac[0] = 0x02;
	mac[4] = port;
	mac[5] = n;
}

/* Sum of the outcomes each message ends in: must equal stats.in. */
static uint64_t outcomes(const struct dhcpd_stats *s)
{
	return s->offer + s->ack + s->nak + s->released + s->declined + s->selected_other +
	       s->drop_off + s->drop_short + s->drop_cookie + s->drop_malformed + s->drop_op +
	       s->drop_bootp + s->drop_type + s->drop_bad_client + s->drop_relay +
	       s->drop_not_for_us + s->drop_pool_empty + s->drop_reserved_held +
	       s->drop_unknown_client + s->drop_no_binding + s->drop_bad_ciaddr + s->drop_no_room +
	       s->drop_chaddr + s->drop_other_port + s->drop_port_limit;
}

static void put32(uint8_t *b, size_t *at, uint8_t code, uint32_t v)
{
	b[(*at)++] = code;
	b[(*at)++] = 4;
	for (int i = 3; i >= 0; i--)
		b[(*at)++] = (uint8_t)(v >> (8 * i));
}

/*
 * A message of (type) from the client with (mac), its frame from (port)
 * (DHCPD_PORT_ANY: no port, dhcpd_input()), with 'ciaddr', a requested
 * address and a server identifier where not 0. Checks the accounting and
 * the table after.
 */
static struct res msg(struct dhcpd *d, uint8_t type, const uint8_t mac[6], uint8_t port,
		      uint32_t ciaddr, uint32_t requested, uint32_t server_id, uint32_t now)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	struct dhcpd_src src = {{0}, port};
	struct dhcpd_dest dest;
	uint8_t b[DHCP_MIN_LEN];
	size_t at = DHCP_OFF_OPTIONS;
	struct res r;

	memset(b, 0, sizeof(b));
	b[0] = DHCP_BOOTREQUEST;
	b[1] = DHCP_HTYPE_ETHER;
	b[2] = 6;
	b[7] = mac[5];
	for (int i = 0; i < 4; i++)
		b[12 + i] = (uint8_t)(ciaddr >> (24 - 8 * i));
	memcpy(b + 28, mac, 6);
	memcpy(b + DHCP_FIXED_LEN, cookie, 4);
	b[at++] = DHCP_OPT_MSG_TYPE;
	b[at++] = 1;
	b[at++] = type;
	if (requested != 0)
		put32(b, &at, DHCP_OPT_REQUESTED_IP, requested);
	if (server_id != 0)
		put32(b, &at, DHCP_OPT_SERVER_ID, server_id);
	b[at] = DHCP_OPT_END;
	memcpy(src.mac, mac, 6);
	memset(&r, 0, sizeof(r));
	r.len = dhcpd_input_from(d, b, sizeof(b), port == DHCPD_PORT_ANY ? NULL : &src, now, r.buf,
				 sizeof(r.buf), &dest);
	assert_true(r.len >= 0);
	assert_int_equal(outcomes(&d->stats), d->stats.in);
	assert_int_equal(dhcpd_check(d, now), 0);
	if (r.len > 0)
		assert_int_equal(dhcp_msg_parse(r.buf, (size_t)r.len, &r.m), 0);
	return r;
}

/* DISCOVER, then REQUEST of the offer: the address bound, or 0 if there
 * was no offer. */
static uint32_t dora(struct dhcpd *d, const uint8_t mac[6], uint8_t port, uint32_t now)
{
	struct res o = msg(d, DHCP_DISCOVER, mac, port, 0, 0, 0, now), a;

	if (o.len == 0)
		return 0;
	assert_int_equal(o.m.type, DHCP_OFFER);
	a = msg(d, DHCP_REQUEST, mac, port, 0, o.m.yiaddr, GW, now);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, o.m.yiaddr);
	return a.m.yiaddr;
}

/* A RENEWING REQUEST for (ip): the address ACKed, or 0 if none. */
static uint32_t renew(struct dhcpd *d, const uint8_t mac[6], uint8_t port, uint32_t ip,
		      uint32_t now)
{
	struct res a = msg(d, DHCP_REQUEST, mac, port, ip, 0, 0, now);

	if (a.len == 0)
		return 0;
	assert_int_equal(a.m.type, DHCP_ACK);
	return a.m.yiaddr;
}

/* The record of (ip), which must exist. */
static const struct dhcpd_lease *record(uint32_t ip)
{
	for (int i = 0; i < TABLE_SIZE; i++)
		if (((struct dhcpd_lease *)table)[i].ip == ip)
			return &((struct dhcpd_lease *)table)[i];
	fail_msg("no record of %08x", (unsigned)ip);
	return NULL;
}

/* Binds clients 1 .. (n) of (port) at (now), each a distinct address,
 * stored in (ip). */
static void fill(struct dhcpd *d, uint8_t port, uint8_t n, uint32_t now, uint32_t *ip)
{
	uint8_t mac[6];

	for (uint8_t i = 1; i <= n; i++) {
		mac_of(mac, port, i);
		ip[i] = dora(d, mac, port, now);
		assert_int_not_equal(ip[i], 0);
		for (uint8_t j = 1; j < i; j++)
			assert_int_not_equal(ip[i], ip[j]);
	}
}

/* The default share: 32 clients on a port get addresses, the 33rd none,
 * counted; another port's client still does; the full port's clients
 * renew and find their own addresses again. */
static void test_port_limit(void **state)
{
	struct dhcpd d;
	uint32_t ip[34];
	uint8_t mac[6];
	struct res o;

	(void)state;
	setup(&d, DHCPD_PORT_LEASES_DEFAULT);
	assert_int_equal(DHCPD_PORT_LEASES_DEFAULT, 32);
	fill(&d, 1, 32, T0, ip);
	mac_of(mac, 1, 33);
	assert_int_equal(msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
	assert_int_equal(d.stats.drop_pool_empty, 0);
	/* Nor may it bind by naming a free address as its own (a RENEWING
	 * client we have no record of: "recovered"). */
	assert_int_equal(renew(&d, mac, 1, IP(150), T0 + 2), 0);
	assert_int_equal(d.stats.drop_port_limit, 2);
	assert_int_equal(d.stats.recovered, 0);
	/* Another port is not affected. */
	mac_of(mac, 2, 1);
	assert_int_not_equal(dora(&d, mac, 2, T0 + 3), 0);
	/* The full port's clients keep what they have: a renewal, and a
	 * DISCOVER that is offered its own address again. */
	mac_of(mac, 1, 7);
	assert_int_equal(renew(&d, mac, 1, ip[7], T0 + 4), ip[7]);
	o = msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, T0 + 5);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(o.m.yiaddr, ip[7]);
	mac_of(mac, 1, 8);
	assert_int_equal(dora(&d, mac, 1, T0 + 6), ip[8]);
	assert_int_equal(d.stats.drop_port_limit, 2);
}

/* Offers count while they are held, and stop counting when they lapse. */
static void test_port_limit_offers(void **state)
{
	struct dhcpd d;
	uint8_t mac[6];

	(void)state;
	setup(&d, 4);
	for (uint8_t i = 1; i <= 4; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, T0).m.type, DHCP_OFFER);
	}
	mac_of(mac, 1, 5);
	assert_int_equal(msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
	assert_int_equal(dora(&d, mac, 1, T0 + DHCPD_OFFER_HOLD), IP(104));
	/* A lapsed offer is no live record: its client is new again, and
	 * the fourth of them finds the port full. */
	for (uint8_t i = 1; i <= 3; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(dora(&d, mac, 1, T0 + DHCPD_OFFER_HOLD), IP(99 + i));
	}
	mac_of(mac, 1, 4);
	assert_int_equal(msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, T0 + DHCPD_OFFER_HOLD).len, 0);
	assert_int_equal(d.stats.drop_port_limit, 2);
}

/* A lease that expires makes room; its client, back after the room was
 * taken, is a new client. */
static void test_port_limit_expiry(void **state)
{
	struct dhcpd d;
	uint32_t ip[33], late = T0 + LEASE + 1;
	uint8_t mac[6];

	(void)state;
	setup(&d, 32);
	fill(&d, 1, 32, T0, ip);
	/* All but client 32 renew halfway. */
	for (uint8_t i = 1; i <= 31; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(renew(&d, mac, 1, ip[i], T0 + LEASE / 2), ip[i]);
	}
	mac_of(mac, 1, 40);
	assert_int_equal(msg(&d, DHCP_DISCOVER, mac, 1, 0, 0, 0, late - 2).len, 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
	/* Client 32's lease is over: room for one. */
	assert_int_not_equal(dora(&d, mac, 1, late), 0);
	/* Client 32 comes back (INIT-REBOOT, its old address): the port is
	 * full again and it holds no live lease, so it is refused. */
	mac_of(mac, 1, 32);
	assert_int_equal(msg(&d, DHCP_REQUEST, mac, 1, 0, ip[32], 0, late + 1).len, 0);
	assert_int_equal(d.stats.drop_port_limit, 2);
	assert_int_equal(d.stats.nak, 0);
}

/* Limit 0: no limit. */
static void test_port_limit_off(void **state)
{
	struct dhcpd d;
	uint32_t ip[61];

	(void)state;
	setup(&d, 0);
	fill(&d, 1, 60, T0, ip);
	assert_int_equal(d.stats.drop_port_limit, 0);
}

/* Messages with no port (relayed through a binding that knew none, or
 * tests) are not limited, and their leases count for no port. */
static void test_port_limit_any(void **state)
{
	struct dhcpd d;
	uint32_t ip[41];
	uint8_t mac[6];

	(void)state;
	setup(&d, 2);
	fill(&d, DHCPD_PORT_ANY, 40, T0, ip);
	assert_int_equal(record(ip[40])->port, DHCPD_PORT_ANY);
	mac_of(mac, 1, 1);
	assert_int_not_equal(dora(&d, mac, 1, T0), 0);
	mac_of(mac, 1, 2);
	assert_int_not_equal(dora(&d, mac, 1, T0), 0);
	assert_int_equal(d.stats.drop_port_limit, 0);
	mac_of(mac, 1, 3);
	assert_int_equal(dora(&d, mac, 1, T0), 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
}

/* A reserved host is neither refused nor counted: its address is not the
 * pool's. */
static void test_port_limit_reserved(void **state)
{
	struct dhcpd d;
	uint32_t ip[3];
	uint8_t mac[6];

	(void)state;
	setup(&d, 2);
	fill(&d, 1, 2, T0, ip);
	assert_int_equal(dora(&d, HOST_MAC, 1, T0 + 1), HOST_IP);
	mac_of(mac, 1, 3);
	assert_int_equal(dora(&d, mac, 1, T0 + 2), 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
	/* With the pool's two released, two new clients fit beside it. */
	for (uint8_t i = 1; i <= 2; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(msg(&d, DHCP_RELEASE, mac, 1, ip[i], 0, GW, T0 + 3).len, 0);
	}
	assert_int_equal(d.stats.released, 2);
	for (uint8_t i = 3; i <= 4; i++) {
		mac_of(mac, 1, i);
		assert_int_not_equal(dora(&d, mac, 1, T0 + 4), 0);
	}
	assert_int_equal(d.stats.drop_port_limit, 1);
}

/* A new limit applies to new clients only: every lease stays and renews. */
static void test_port_limit_reconfigure(void **state)
{
	struct dhcpd d;
	uint32_t ip[34];
	uint8_t mac[6];

	(void)state;
	setup(&d, 32);
	fill(&d, 1, 32, T0, ip);
	mac_of(mac, 1, 33);
	assert_int_equal(dora(&d, mac, 1, T0 + 1), 0);
	cfg.port_leases = 40;
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	ip[33] = dora(&d, mac, 1, T0 + 2);
	assert_int_not_equal(ip[33], 0);
	/* Lowered under what the port holds: nothing is taken away. */
	cfg.port_leases = 8;
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	for (uint8_t i = 1; i <= 33; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(record(ip[i])->state, DHCPD_BOUND);
		assert_int_equal(renew(&d, mac, 1, ip[i], T0 + 3), ip[i]);
	}
	mac_of(mac, 1, 34);
	assert_int_equal(dora(&d, mac, 1, T0 + 4), 0);
	assert_int_equal(d.stats.drop_port_limit, 2);
	assert_int_equal(d.stats.nak, 0);
}

/* A client bound on port 1 is refused from port 2, until port 1 is
 * forgotten: then its renewal from port 2 is ACKed with its address and
 * pins the lease there. Another port's lease is untouched. */
static void test_forget_port(void **state)
{
	struct dhcpd d;
	uint8_t a[6], c[6];
	uint32_t ip_a, ip_c;

	(void)state;
	setup(&d, DHCPD_PORT_LEASES_DEFAULT);
	mac_of(a, 1, 1);
	mac_of(c, 3, 1);
	ip_a = dora(&d, a, 1, T0);
	ip_c = dora(&d, c, 3, T0);
	assert_int_equal(record(ip_a)->port, 1);
	assert_int_equal(renew(&d, a, 2, ip_a, T0 + 10), 0);
	assert_int_equal(d.stats.drop_other_port, 1);

	dhcpd_forget_port(&d, 1);
	assert_int_equal(record(ip_a)->port, DHCPD_PORT_ANY);
	assert_int_equal(record(ip_a)->state, DHCPD_BOUND);
	assert_int_equal(record(ip_c)->port, 3);
	assert_int_equal(renew(&d, a, 2, ip_a, T0 + 20), ip_a);
	assert_int_equal(record(ip_a)->port, 2);
	assert_int_equal(record(ip_a)->until, T0 + 20 + LEASE);
	/* Pinned again: port 1 is now the other port. */
	assert_int_equal(renew(&d, a, 1, ip_a, T0 + 30), 0);
	assert_int_equal(d.stats.drop_other_port, 2);
	/* Client C's lease still belongs to port 3. */
	assert_int_equal(renew(&d, c, 2, ip_c, T0 + 40), 0);
	assert_int_equal(d.stats.drop_other_port, 3);
	assert_int_equal(record(ip_c)->port, 3);
	assert_int_equal(renew(&d, c, 3, ip_c, T0 + 50), ip_c);
}

/* An offer is unpinned too, and taken up from the new port; forgetting
 * DHCPD_PORT_ANY changes nothing. */
static void test_forget_port_offer(void **state)
{
	struct dhcpd d;
	uint8_t a[6], b[6];
	struct res o, r;

	(void)state;
	setup(&d, DHCPD_PORT_LEASES_DEFAULT);
	mac_of(a, 1, 1);
	mac_of(b, 1, 2);
	o = msg(&d, DHCP_DISCOVER, a, 1, 0, 0, 0, T0);
	assert_int_equal(dora(&d, b, DHCPD_PORT_ANY, T0), IP(101));
	dhcpd_forget_port(&d, DHCPD_PORT_ANY);
	assert_int_equal(record(o.m.yiaddr)->port, 1);
	assert_int_equal(record(IP(101))->port, DHCPD_PORT_ANY);
	dhcpd_forget_port(&d, 1);
	r = msg(&d, DHCP_REQUEST, a, 4, 0, o.m.yiaddr, GW, T0 + 1);
	assert_int_equal(r.m.type, DHCP_ACK);
	assert_int_equal(r.m.yiaddr, o.m.yiaddr);
	assert_int_equal(record(o.m.yiaddr)->port, 4);
}

/* Forgotten leases leave their old port's count; their clients are never
 * refused where they come back, a full port or not. */
static void test_forget_port_limit(void **state)
{
	struct dhcpd d;
	uint32_t ip1[3], ip2[3];
	uint8_t mac[6];

	(void)state;
	setup(&d, 2);
	fill(&d, 1, 2, T0, ip1);
	fill(&d, 2, 2, T0, ip2);
	dhcpd_forget_port(&d, 1);
	/* Port 2 is full, yet port 1's clients move in with their leases. */
	for (uint8_t i = 1; i <= 2; i++) {
		mac_of(mac, 1, i);
		assert_int_equal(renew(&d, mac, 2, ip1[i], T0 + 10), ip1[i]);
		assert_int_equal(record(ip1[i])->port, 2);
	}
	assert_int_equal(d.stats.drop_port_limit, 0);
	/* Port 1 has room for new clients again, port 2 (four now) not. */
	mac_of(mac, 1, 3);
	assert_int_not_equal(dora(&d, mac, 1, T0 + 11), 0);
	mac_of(mac, 2, 3);
	assert_int_equal(dora(&d, mac, 2, T0 + 12), 0);
	assert_int_equal(d.stats.drop_port_limit, 1);
}

/* `show counters` names the new drop beside the other port drops. */
static void test_port_counters(void **state)
{
	struct dhcpd d;
	struct sink s = {{0}, 0};
	struct cli_out out = {sink_write, &s};
	uint32_t ip[2];
	uint8_t mac[6];

	(void)state;
	setup(&d, 1);
	fill(&d, 1, 1, T0, ip);
	mac_of(mac, 1, 2);
	assert_int_equal(dora(&d, mac, 1, T0), 0);
	assert_int_equal(dhcpd_show_counters(&d, &out), 0);
	assert_non_null(strstr(s.buf, "lease held on another port 0, port lease limit 1\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_limit),
		cmocka_unit_test(test_port_limit_offers),
		cmocka_unit_test(test_port_limit_expiry),
		cmocka_unit_test(test_port_limit_off),
		cmocka_unit_test(test_port_limit_any),
		cmocka_unit_test(test_port_limit_reserved),
		cmocka_unit_test(test_port_limit_reconfigure),
		cmocka_unit_test(test_forget_port),
		cmocka_unit_test(test_forget_port_offer),
		cmocka_unit_test(test_forget_port_limit),
		cmocka_unit_test(test_port_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
