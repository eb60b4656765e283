/*
 * Unit tests for net/switch/guard.c: what guard_bind() accepts and
 * replaces; modes learn, strict and off; claims of the gateway's address;
 * ARP whose sender is not the frame's source, probes, sources outside the
 * subnet; a DHCP binding over a learned one, and a MAC's older binding
 * going; reservations pinned to the first port they are seen on; a clone
 * reported once, then rate-limited, then again; a MAC on two ports;
 * expiry of learned and DHCP bindings; a full table that refuses and
 * never evicts; the probe bound under collisions; a new subnet; unbinding;
 * the show output; a wrapping clock; damage guard_check() finds (the index
 * by MAC too); the sizes of tables; a guard with no table; the index by
 * MAC kept through every change; show in address order, in batches or
 * address by address; a /16 of 65533 guests, all bound, moved and shown;
 * moves to bigger and smaller tables; and long randomized runs against a
 * plain reference model, one with the table resized now and then.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/switch/guard.h"

#define SEED  0x5eed5eed12345678ull
#define NET   0xc0a80a00u /* 192.168.10.0/24 */
#define MASK  0xffffff00u
#define GW    (NET | 1)
#define IP(i) (NET | (uint32_t)(i))
#define LEARN GUARD_LEARN_MS
#define REP   GUARD_REPORT_MS

/* The guard under test, and memory for two tables of the largest size
 * (one to copy into): 5 MiB each, not on the stack. */
#define MEM_WORDS (256 * 1024 * 20 / 8)
static struct guard g;
static uint64_t mem_a[MEM_WORDS], mem_b[MEM_WORDS];

/* Makes (g) a guard of the default capacity. */
static void init(enum guard_mode mode, uint32_t gw, uint32_t net, uint32_t mask, uint64_t seed)
{
	guard_init(&g, mem_a, GUARD_CAPACITY_DEFAULT, mode, gw, net, mask, seed);
}

/* A locally administered unicast address numbered (i). */
static void mac_of(uint32_t i, uint8_t m[6])
{
	m[0] = 0x02;
	m[1] = 0x00;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

static void setup(enum guard_mode mode)
{
	init(mode, GW, NET, MASK, SEED);
	assert_int_equal(guard_check(&g), 0);
}

/* The binding of (ip), or NULL. */
static const struct guard_binding *find(uint32_t ip)
{
	for (uint32_t i = 0; i < g.slots; i++)
		if (g.slot[i].origin != GUARD_FREE && g.slot[i].ip == ip)
			return &g.slot[i];
	return NULL;
}

/* ARP from (mac) on (port), its own sender, for (spa); checks the verdict. */
static const struct guard_conflict *arp(uint8_t port, const uint8_t mac[6], uint32_t spa,
					uint32_t now, int want)
{
	const struct guard_conflict *c = (const void *)&g; /* must be overwritten */

	assert_int_equal(guard_arp(&g, port, mac, spa, mac, now, &c), want);
	assert_true(want == GUARD_CONFLICT ? c != NULL : c == NULL);
	assert_int_equal(guard_check(&g), 0);
	return c;
}

static const struct guard_conflict *ipv4(uint8_t port, const uint8_t mac[6], uint32_t src,
					 uint32_t now, int want)
{
	const struct guard_conflict *c = (const void *)&g;

	assert_int_equal(guard_ip(&g, port, mac, src, now, &c), want);
	assert_true(want == GUARD_CONFLICT ? c != NULL : c == NULL);
	assert_int_equal(guard_check(&g), 0);
	return c;
}

static void expect_binding(uint32_t ip, const uint8_t mac[6], uint8_t port, uint8_t origin,
			   uint32_t expires)
{
	const struct guard_binding *b = find(ip);

	assert_non_null(b);
	assert_memory_equal(b->mac, mac, 6);
	assert_int_equal(b->port, port);
	assert_int_equal(b->origin, origin);
	assert_int_equal(b->expires, expires);
}

static void expect_conflict(const struct guard_conflict *c, uint32_t ip, const uint8_t m1[6],
			    uint8_t p1, const uint8_t m2[6], uint8_t p2, uint32_t count)
{
	assert_non_null(c);
	assert_int_equal(c->ip, ip);
	assert_memory_equal(c->mac1, m1, 6);
	assert_int_equal(c->port1, p1);
	assert_memory_equal(c->mac2, m2, 6);
	assert_int_equal(c->port2, p2);
	assert_int_equal(c->count, count);
}

static unsigned conflicts_used(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < GUARD_CONFLICTS; i++)
		n += g.conflict[i].count != 0;
	return n;
}

static void test_init(void **state)
{
	(void)state;
	memset(&g, 0xa5, sizeof(g));
	init(GUARD_STRICT, GW, NET | 0x77, MASK, SEED); /* host bits dropped */
	assert_int_equal(g.mode, GUARD_STRICT);
	assert_int_equal(g.gateway, GW);
	assert_int_equal(g.net, NET);
	assert_int_equal(g.mask, MASK);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.stats.checked, 0);
	assert_int_equal(conflicts_used(), 0);
	assert_null(guard_mac_of(&g, IP(5), 0));
	assert_int_equal(guard_check(&g), 0);
	/* Another seed, another key. */
	{
		uint64_t k = g.key;

		init(GUARD_STRICT, GW, NET, MASK, SEED + 1);
		assert_true(g.key != k);
	}
}

/* What guard_bind() refuses, accepts and replaces. */
static void test_bind(void **state)
{
	uint8_t a[6], b[6], group[6], zero[6] = {0};
	const uint8_t *m;

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, group);
	group[0] = 0x01;
	assert_int_equal(guard_bind(&g, GW, a, 1, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, 0xc0a80b05u, a, 1, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, 0, a, 1, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, NET, a, 1, GUARD_DHCP, 1000), -EINVAL);	    /* network */
	assert_int_equal(guard_bind(&g, IP(255), a, 1, GUARD_DHCP, 1000), -EINVAL); /* broadcast */
	assert_int_equal(guard_bind(&g, IP(5), group, 1, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, IP(5), zero, 1, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, IP(5), a, 1, GUARD_FREE, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, IP(5), a, 1, (enum guard_origin)9, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, IP(5), a, GUARD_PORT_ANY, GUARD_DHCP, 1000), -EINVAL);
	assert_int_equal(guard_bind(&g, IP(5), a, GUARD_PORT_ANY, GUARD_LEARNED, 1000), -EINVAL);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.stats.refused_full, 0);
	/* A lease; the same lease renewed; another MAC given the address. */
	assert_int_equal(guard_bind(&g, IP(5), a, 1, GUARD_DHCP, 1000), 0);
	expect_binding(IP(5), a, 1, GUARD_DHCP, 1000);
	m = guard_mac_of(&g, IP(5), 999);
	assert_non_null(m);
	assert_memory_equal(m, a, 6);
	assert_null(guard_mac_of(&g, IP(5), 1000));
	assert_null(guard_mac_of(&g, IP(6), 0));
	assert_int_equal(guard_bind(&g, IP(5), a, 2, GUARD_DHCP, 5000), 0);
	expect_binding(IP(5), a, 2, GUARD_DHCP, 5000);
	assert_int_equal(guard_bind(&g, IP(5), b, 3, GUARD_DHCP, 6000), 0);
	expect_binding(IP(5), b, 3, GUARD_DHCP, 6000);
	assert_int_equal(g.count, 1);
	/* A MAC holds one lease: its older one goes. */
	assert_int_equal(guard_bind(&g, IP(6), b, 3, GUARD_DHCP, 7000), 0);
	assert_null(find(IP(5)));
	assert_int_equal(g.count, 1);
	/* ... but not its reservation, nor does a reservation take the lease. */
	assert_int_equal(guard_bind(&g, IP(7), b, GUARD_PORT_ANY, GUARD_RESERVED, 123), 0);
	expect_binding(IP(7), b, GUARD_PORT_ANY, GUARD_RESERVED, 0);
	expect_binding(IP(6), b, 3, GUARD_DHCP, 7000);
	assert_int_equal(guard_bind(&g, IP(8), b, 3, GUARD_DHCP, 8000), 0);
	assert_null(find(IP(6)));
	assert_non_null(find(IP(7)));
	assert_int_equal(g.count, 2);
	/* The reserved guest given its address by DHCP: still a reservation,
	 * now known on its port; its lease elsewhere goes. */
	assert_int_equal(guard_bind(&g, IP(7), b, 4, GUARD_DHCP, 9000), 0);
	expect_binding(IP(7), b, 4, GUARD_RESERVED, 0);
	assert_null(find(IP(8)));
	/* A reservation given again without a port keeps the port it knows. */
	assert_int_equal(guard_bind(&g, IP(7), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	expect_binding(IP(7), b, 4, GUARD_RESERVED, 0);
	/* The configuration gives the address to another guest: replaced. */
	assert_int_equal(guard_bind(&g, IP(7), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	expect_binding(IP(7), a, GUARD_PORT_ANY, GUARD_RESERVED, 0);
	assert_int_equal(g.count, 1);
	assert_int_equal(guard_check(&g), 0);
	/* A /31 and a /32 have no network or broadcast address to refuse. */
	init(GUARD_LEARN, IP(8), IP(8), 0xfffffffeu, SEED);
	assert_int_equal(guard_bind(&g, IP(9), a, 1, GUARD_DHCP, 1), 0);
	assert_int_equal(guard_bind(&g, IP(10), a, 1, GUARD_DHCP, 1), -EINVAL);
	init(GUARD_LEARN, IP(1), IP(9), 0xffffffffu, SEED);
	assert_int_equal(guard_bind(&g, IP(9), a, 1, GUARD_DHCP, 1), 0);
	assert_int_equal(guard_check(&g), 0);
}

/* Mode learn: the first claim of a free address binds it; the holder
 * passes and is refreshed; others are refused. */
static void test_learn(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], b[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	arp(1, a, IP(10), 1000, GUARD_PASS);
	expect_binding(IP(10), a, 1, GUARD_LEARNED, 1000 + LEARN);
	assert_int_equal(g.stats.learned, 1);
	ipv4(1, a, IP(10), 5000, GUARD_PASS);
	expect_binding(IP(10), a, 1, GUARD_LEARNED, 5000 + LEARN);
	arp(1, a, IP(10), 6000, GUARD_PASS);
	expect_binding(IP(10), a, 1, GUARD_LEARNED, 6000 + LEARN);
	assert_int_equal(g.stats.learned, 1);
	/* Another MAC: the address is taken. */
	c = arp(2, b, IP(10), 7000, GUARD_CONFLICT);
	expect_conflict(c, IP(10), a, 1, b, 2, 1);
	assert_int_equal(c->first, 7000);
	assert_int_equal(c->last, 7000);
	assert_int_equal(c->reported, 7000);
	ipv4(2, b, IP(10), 7001, GUARD_DROP); /* the same conflict, reported already */
	assert_int_equal(g.stats.drop_taken, 2);
	expect_binding(IP(10), a, 1, GUARD_LEARNED, 6000 + LEARN);
	/* The holder from another port. */
	c = ipv4(3, a, IP(10), 8000, GUARD_CONFLICT);
	expect_conflict(c, IP(10), a, 1, a, 3, 1);
	assert_int_equal(g.stats.drop_port, 1);
	/* B takes a free address of its own. */
	arp(2, b, IP(11), 8000, GUARD_PASS);
	assert_int_equal(g.stats.learned, 2);
	/* A moves to another address on its port: its older claim goes. */
	ipv4(1, a, IP(12), 9000, GUARD_PASS);
	assert_null(find(IP(10)));
	expect_binding(IP(12), a, 1, GUARD_LEARNED, 9000 + LEARN);
	assert_int_equal(g.count, 2);
	assert_int_equal(g.stats.learned, 3);
	arp(2, b, IP(10), 9500, GUARD_PASS); /* and anyone may have it now */
	assert_null(find(IP(11)));
	assert_int_equal(g.stats.learned, 4);
	assert_int_equal(g.stats.checked, 9);
	assert_int_equal(g.stats.drop_unbound + g.stats.drop_source + g.stats.drop_gateway, 0);
}

/* Mode strict: only DHCP and reservations; nothing is learned. */
static void test_strict(void **state)
{
	uint8_t a[6], b[6];

	(void)state;
	setup(GUARD_STRICT);
	mac_of(1, a);
	mac_of(2, b);
	arp(1, a, IP(10), 0, GUARD_DROP);
	ipv4(1, a, IP(10), 0, GUARD_DROP);
	assert_int_equal(g.stats.drop_unbound, 2);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_bind(&g, IP(10), a, 1, GUARD_DHCP, 100000), 0);
	arp(1, a, IP(10), 10, GUARD_PASS);
	ipv4(1, a, IP(10), 20, GUARD_PASS);
	expect_binding(IP(10), a, 1, GUARD_DHCP, 100000); /* a lease is not refreshed */
	arp(1, b, IP(10), 30, GUARD_CONFLICT);
	ipv4(2, a, IP(10), 30, GUARD_CONFLICT);
	/* Unbound, even by a MAC bound on another port: unbound, not a move. */
	ipv4(2, a, IP(11), 30, GUARD_DROP);
	assert_int_equal(g.stats.drop_unbound, 3);
	assert_int_equal(g.stats.drop_port, 1);
	assert_int_equal(conflicts_used(), 2);
	/* A reservation passes and is pinned. */
	assert_int_equal(guard_bind(&g, IP(20), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	ipv4(5, b, IP(20), 40, GUARD_PASS);
	expect_binding(IP(20), b, 5, GUARD_RESERVED, 0);
	assert_int_equal(g.stats.learned, 0);
	/* Back to learn: free addresses may be taken again. */
	guard_configure(&g, GUARD_LEARN, GW, NET, MASK);
	ipv4(5, b, IP(21), 50, GUARD_PASS);
	assert_int_equal(g.stats.learned, 1);
	assert_int_equal(g.count, 3);
}

/* Mode off: every frame passes and is counted; nothing changes. */
static void test_off(void **state)
{
	uint8_t a[6], b[6], group[6] = {0x01, 0, 0x5e, 0, 0, 1};
	const struct guard_conflict *c = (const void *)&g;

	(void)state;
	setup(GUARD_OFF);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(guard_bind(&g, IP(10), a, 1, GUARD_DHCP, 100000), 0);
	arp(2, b, IP(10), 0, GUARD_PASS);
	ipv4(3, a, IP(10), 0, GUARD_PASS);
	arp(1, a, GW, 0, GUARD_PASS);
	ipv4(1, a, GW, 0, GUARD_PASS);
	ipv4(1, a, 0x08080808u, 0, GUARD_PASS);
	ipv4(1, a, IP(11), 0, GUARD_PASS);
	ipv4(GUARD_PORT_ANY, group, IP(11), 0, GUARD_PASS);
	assert_int_equal(guard_arp(&g, 1, a, IP(12), b, 0, &c), GUARD_PASS);
	assert_null(c);
	assert_int_equal(guard_arp(&g, 1, a, IP(12), b, 0, NULL), GUARD_PASS);
	assert_int_equal(g.stats.checked, 9);
	assert_int_equal(g.stats.learned + g.stats.drop_gateway + g.stats.drop_taken +
				 g.stats.drop_port + g.stats.drop_unbound + g.stats.drop_source,
			 0);
	assert_int_equal(g.count, 1);
	assert_int_equal(conflicts_used(), 0);
}

/* Nobody claims the gateway's address, in any mode that checks. */
static void test_gateway(void **state)
{
	uint8_t a[6];

	(void)state;
	mac_of(1, a);
	for (int mode = GUARD_LEARN; mode <= GUARD_STRICT; mode++) {
		setup((enum guard_mode)mode);
		arp(1, a, GW, 0, GUARD_DROP);
		ipv4(1, a, GW, 0, GUARD_DROP);
		assert_int_equal(g.stats.drop_gateway, 2);
		assert_int_equal(g.count, 0);
		assert_int_equal(conflicts_used(), 0);
		assert_int_equal(guard_bind(&g, GW, a, 1, GUARD_RESERVED, 0), -EINVAL);
	}
}

/* Who may speak at all: the frame's source, unicast, on a port; for an
 * address of the subnet, or for none (a probe, a DHCP client). */
static void test_sources(void **state)
{
	const struct guard_conflict *c = (const void *)&g;
	uint8_t a[6], b[6], group[6] = {0x01, 0, 0x5e, 0, 0, 1}, zero[6] = {0};

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	/* An ARP sender other than the frame's source, for any address. */
	assert_int_equal(guard_arp(&g, 1, a, IP(10), b, 0, &c), GUARD_DROP);
	assert_null(c);
	assert_int_equal(guard_arp(&g, 1, a, 0, b, 0, &c), GUARD_DROP);
	assert_int_equal(guard_arp(&g, 1, a, GW, b, 0, &c), GUARD_DROP);
	assert_int_equal(g.stats.drop_source, 3);
	assert_int_equal(g.stats.drop_gateway, 0);
	/* Group or zero sources, and the port that stands for none. */
	arp(1, group, IP(10), 0, GUARD_DROP);
	arp(1, zero, IP(10), 0, GUARD_DROP);
	ipv4(1, group, IP(10), 0, GUARD_DROP);
	arp(GUARD_PORT_ANY, a, IP(10), 0, GUARD_DROP);
	ipv4(GUARD_PORT_ANY, a, IP(10), 0, GUARD_DROP);
	assert_int_equal(g.stats.drop_source, 8);
	/* Probes and DHCP clients claim nothing. */
	arp(1, a, 0, 0, GUARD_PASS);
	ipv4(1, a, 0, 0, GUARD_PASS);
	ipv4(1, group, 0, 0, GUARD_PASS);
	/* Outside the subnet, its network and broadcast addresses. */
	arp(1, a, 0xc0a80b0au, 0, GUARD_DROP);
	ipv4(1, a, 0x08080808u, 0, GUARD_DROP);
	arp(1, a, NET, 0, GUARD_DROP);
	ipv4(1, a, IP(255), 0, GUARD_DROP);
	ipv4(1, a, 0xffffffffu, 0, GUARD_DROP);
	assert_int_equal(g.stats.drop_source, 13);
	assert_int_equal(g.count, 0);
	assert_int_equal(g.stats.checked, 16);
	assert_int_equal(conflicts_used(), 0);
}

/* The DHCP server's word is final: a lease replaces a learned claim, and
 * the MAC's older claim goes. */
static void test_dhcp_over_learned(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], b[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	arp(2, b, IP(20), 0, GUARD_PASS); /* B sits on A's future address */
	arp(1, a, IP(30), 0, GUARD_PASS); /* A had helped itself meanwhile */
	assert_int_equal(g.count, 2);
	assert_int_equal(guard_bind(&g, IP(20), a, 1, GUARD_DHCP, 3600000), 0);
	expect_binding(IP(20), a, 1, GUARD_DHCP, 3600000);
	assert_null(find(IP(30)));
	assert_int_equal(g.count, 1);
	ipv4(1, a, IP(20), 10, GUARD_PASS);
	c = ipv4(2, b, IP(20), 10, GUARD_CONFLICT);
	expect_conflict(c, IP(20), a, 1, b, 2, 1);
	/* B learns another address; a lease for B then replaces that. */
	arp(2, b, IP(21), 20, GUARD_PASS);
	assert_int_equal(guard_bind(&g, IP(22), b, 2, GUARD_DHCP, 3600000), 0);
	assert_null(find(IP(21)));
	/* A learned claim never outlives its MAC's new lease elsewhere. */
	arp(2, b, IP(21), 30, GUARD_PASS);
	assert_null(find(IP(22)));
	assert_int_equal(g.count, 2);
}

/* A reservation: any port until first seen, then that port only; never
 * expires. */
static void test_reservation(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], b[6];
	const uint8_t *m;

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(guard_bind(&g, IP(30), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	m = guard_mac_of(&g, IP(30), 0xdeadbeef);
	assert_non_null(m);
	assert_memory_equal(m, a, 6);
	/* Another MAC first: refused; the holder is on no port yet. */
	c = arp(3, b, IP(30), 100, GUARD_CONFLICT);
	expect_conflict(c, IP(30), a, GUARD_PORT_ANY, b, 3, 1);
	expect_binding(IP(30), a, GUARD_PORT_ANY, GUARD_RESERVED, 0);
	/* Not "elsewhere" while unpinned: A may learn another address. */
	arp(5, a, IP(31), 150, GUARD_PASS);
	assert_int_equal(g.stats.drop_port, 0);
	/* First seen on port 4: pinned there. */
	ipv4(4, a, IP(30), 200, GUARD_PASS);
	expect_binding(IP(30), a, 4, GUARD_RESERVED, 0);
	arp(4, a, IP(30), 300, GUARD_PASS);
	c = arp(5, a, IP(30), 400, GUARD_CONFLICT);
	expect_conflict(c, IP(30), a, 4, a, 5, 1);
	assert_int_equal(g.stats.drop_port, 1);
	/* Never expires, nor is swept. */
	guard_expire(&g, 0x7fffffffu);
	guard_expire(&g, 0xfffffffeu);
	expect_binding(IP(30), a, 4, GUARD_RESERVED, 0);
	ipv4(4, a, IP(30), 0x90000000u, GUARD_PASS);
	/* Given again by the configuration: on any port until seen. */
	guard_unbind_origin(&g, GUARD_RESERVED);
	assert_null(find(IP(30)));
	assert_int_equal(guard_bind(&g, IP(30), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	ipv4(6, a, IP(30), 0x90000000u, GUARD_PASS);
	expect_binding(IP(30), a, 6, GUARD_RESERVED, 0);
	assert_int_equal(guard_check(&g), 0);
}

/* A clone: reported at once, then at most once per GUARD_REPORT_MS while
 * every frame is still counted. */
static void test_clone_reports(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], b[6], d[6];
	uint32_t t0 = 50000;

	(void)state;
	setup(GUARD_STRICT);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	assert_int_equal(guard_bind(&g, IP(40), a, 1, GUARD_DHCP, 10000000), 0);
	c = arp(2, b, IP(40), t0, GUARD_CONFLICT);
	expect_conflict(c, IP(40), a, 1, b, 2, 1);
	arp(2, b, IP(40), t0 + 1, GUARD_DROP);
	ipv4(2, b, IP(40), t0 + REP - 1, GUARD_DROP);
	assert_int_equal(c->count, 3);
	assert_int_equal(c->first, t0);
	assert_int_equal(c->last, t0 + REP - 1);
	assert_int_equal(c->reported, t0);
	c = ipv4(2, b, IP(40), t0 + REP, GUARD_CONFLICT);
	expect_conflict(c, IP(40), a, 1, b, 2, 4);
	assert_int_equal(c->reported, t0 + REP);
	ipv4(2, b, IP(40), t0 + 2 * REP - 1, GUARD_DROP);
	c = ipv4(2, b, IP(40), t0 + 3 * REP, GUARD_CONFLICT);
	assert_int_equal(c->count, 6);
	assert_int_equal(g.stats.drop_taken, 6);
	assert_int_equal(conflicts_used(), 1);
	/* Another claimant, or the same one on another port: its own record. */
	c = arp(2, d, IP(40), t0 + 3 * REP, GUARD_CONFLICT);
	expect_conflict(c, IP(40), a, 1, d, 2, 1);
	c = arp(7, b, IP(40), t0 + 3 * REP, GUARD_CONFLICT);
	expect_conflict(c, IP(40), a, 1, b, 7, 1);
	assert_int_equal(conflicts_used(), 3);
	/* The holder changed meanwhile: the record names the current one. */
	assert_int_equal(guard_bind(&g, IP(40), d, 3, GUARD_DHCP, 10000000), 0);
	arp(2, b, IP(40), t0 + 3 * REP + 1, GUARD_DROP);
	for (unsigned i = 0; i < GUARD_CONFLICTS; i++)
		if (g.conflict[i].count == 7)
			expect_conflict(&g.conflict[i], IP(40), d, 3, b, 2, 7);
	/* At time 0 the stamp is 1: "never" stays distinguishable. */
	setup(GUARD_STRICT);
	assert_int_equal(guard_bind(&g, IP(40), a, 1, GUARD_DHCP, 10000000), 0);
	c = arp(2, b, IP(40), 0, GUARD_CONFLICT);
	assert_int_equal(c->reported, 1);
	assert_int_equal(c->first, 0);
	arp(2, b, IP(40), 0, GUARD_DROP); /* not 2^32 - 1 ms later (fuzz_guard found it) */
	arp(2, b, IP(40), 1, GUARD_DROP);
	arp(2, b, IP(40), REP, GUARD_DROP);
	arp(2, b, IP(40), REP + 1, GUARD_CONFLICT);
}

/* At most GUARD_CONFLICTS records: a new one replaces the one seen
 * longest ago. */
static void test_conflict_records(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], m[6];
	uint32_t i;

	(void)state;
	setup(GUARD_STRICT);
	mac_of(1, a);
	assert_int_equal(guard_bind(&g, IP(50), a, 1, GUARD_DHCP, 10000000), 0);
	for (i = 0; i < GUARD_CONFLICTS; i++) {
		mac_of(100 + i, m);
		arp(2, m, IP(50), 1000 + i, GUARD_CONFLICT);
	}
	/* Claimant 100 seen again: now claimant 101 is the oldest. */
	mac_of(100, m);
	arp(2, m, IP(50), 5000, GUARD_DROP);
	mac_of(200, m);
	c = arp(2, m, IP(50), 6000, GUARD_CONFLICT);
	assert_int_equal(conflicts_used(), GUARD_CONFLICTS);
	assert_int_equal(c->count, 1);
	assert_int_equal(c->first, 6000);
	for (i = 0; i < GUARD_CONFLICTS; i++) {
		mac_of(101, m);
		assert_memory_not_equal(g.conflict[i].mac2, m, 6);
	}
	/* Claimant 101 again: a new record, reported as new. */
	mac_of(101, m);
	c = arp(2, m, IP(50), 6001, GUARD_CONFLICT);
	assert_int_equal(c->count, 1);
	assert_int_equal(g.stats.drop_taken, GUARD_CONFLICTS + 3);
}

/* One MAC on two ports: a move the guard refuses in mode learn. */
static void test_mac_two_ports(void **state)
{
	const struct guard_conflict *c;
	uint8_t a[6], b[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(guard_bind(&g, IP(60), a, 1, GUARD_DHCP, 10000000), 0);
	c = arp(2, a, IP(61), 0, GUARD_CONFLICT);
	expect_conflict(c, 0, a, 1, a, 2, 1);
	assert_int_equal(g.stats.drop_port, 1);
	assert_null(find(IP(61)));
	ipv4(2, a, IP(62), 5, GUARD_DROP); /* the same clash: (0, A, port 2) */
	assert_int_equal(c->count, 2);
	assert_int_equal(conflicts_used(), 1);
	c = ipv4(3, a, IP(62), 5, GUARD_CONFLICT);
	expect_conflict(c, 0, a, 1, a, 3, 1);
	/* On its own port it may move to a free address. */
	ipv4(1, a, IP(61), 10, GUARD_PASS);
	assert_null(find(IP(60)));
	/* A learned binding holds its MAC to its port too, until it expires. */
	arp(2, a, IP(63), 20, GUARD_DROP);
	arp(2, a, IP(63), 10 + LEARN - 1, GUARD_CONFLICT); /* reported again */
	arp(2, a, IP(63), 10 + LEARN, GUARD_PASS);
	expect_binding(IP(63), a, 2, GUARD_LEARNED, 10 + 2 * LEARN);
	assert_null(find(IP(61)));
	assert_int_equal(g.stats.drop_port, 5);
	/* Another MAC on that port is not affected. */
	arp(1, b, IP(64), 20, GUARD_PASS);
}

/* Learned bindings last GUARD_LEARN_MS after their last frame, DHCP ones
 * until their lease ends; expired is free at once, and swept later. */
static void test_expiry(void **state)
{
	uint8_t a[6], b[6], d[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	arp(1, a, IP(70), 1000, GUARD_PASS);
	ipv4(1, a, IP(70), 2000, GUARD_PASS);
	assert_int_equal(guard_bind(&g, IP(71), b, 2, GUARD_DHCP, 30000), 0);
	assert_int_equal(guard_bind(&g, IP(72), d, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_non_null(guard_mac_of(&g, IP(70), 2000 + LEARN - 1));
	assert_null(guard_mac_of(&g, IP(70), 2000 + LEARN));
	assert_non_null(guard_mac_of(&g, IP(71), 29999));
	assert_null(guard_mac_of(&g, IP(71), 30000));
	/* The lease ended: another MAC may claim the address (in place). */
	arp(3, a, IP(71), 30000, GUARD_CONFLICT); /* A is bound on port 1 still */
	arp(1, a, IP(71), 30000, GUARD_PASS);
	expect_binding(IP(71), a, 1, GUARD_LEARNED, 30000 + LEARN);
	assert_null(find(IP(70)));
	assert_int_equal(g.count, 2);
	/* Sweeps remove only what has expired. */
	guard_expire(&g, 30000 + LEARN - 1);
	assert_int_equal(g.count, 2);
	guard_expire(&g, 30000 + LEARN);
	assert_int_equal(g.count, 1);
	assert_null(find(IP(71)));
	assert_non_null(find(IP(72)));
	/* Expired but not swept: free to every check, and to a new lease. */
	assert_int_equal(guard_bind(&g, IP(73), b, 2, GUARD_DHCP, 40000), 0);
	ipv4(1, a, IP(73), 40000, GUARD_PASS);
	expect_binding(IP(73), a, 1, GUARD_LEARNED, 40000 + LEARN);
	assert_int_equal(guard_bind(&g, IP(74), b, 2, GUARD_DHCP, 50000), 0);
	assert_int_equal(g.count, 3);
	guard_expire(&g, 50000);
	assert_int_equal(g.count, 2);
	assert_int_equal(guard_check(&g), 0);
}

/* A full table refuses new bindings, counted, and evicts none. */
static void test_full(void **state)
{
	uint8_t m[6], x[6];
	uint32_t i, base = 0x0a010000u; /* 10.1.0.0/16 */

	(void)state;
	init(GUARD_LEARN, base | 1, base, 0xffff0000u, SEED);
	for (i = 0; i < GUARD_CAPACITY_DEFAULT; i++) {
		mac_of(i, m);
		assert_int_equal(guard_bind(&g, base | (2 + i * 97), m, (uint8_t)(i % 8),
					    GUARD_DHCP, 1000000 + i),
				 0);
	}
	assert_int_equal(g.count, GUARD_CAPACITY_DEFAULT);
	mac_of(9999, x);
	assert_int_equal(guard_bind(&g, base | 0xfff0, x, 1, GUARD_DHCP, 1000000), -ENOSPC);
	assert_int_equal(guard_bind(&g, base | 0xfff0, x, 1, GUARD_RESERVED, 0), -ENOSPC);
	assert_int_equal(g.stats.refused_full, 2);
	/* A claim in mode learn: dropped as unbound, the binding refused. */
	arp(1, x, base | 0xfff0, 10, GUARD_DROP);
	ipv4(1, x, base | 0xfff1, 10, GUARD_DROP);
	assert_int_equal(g.stats.drop_unbound, 2);
	assert_int_equal(g.stats.refused_full, 4);
	assert_int_equal(g.stats.learned, 0);
	for (i = 0; i < GUARD_CAPACITY_DEFAULT; i++) {
		mac_of(i, m);
		expect_binding(base | (2 + i * 97), m, (uint8_t)(i % 8), GUARD_DHCP, 1000000 + i);
	}
	/* Known addresses change hands, and a MAC moves, as ever. */
	assert_int_equal(guard_bind(&g, base | 2, x, 1, GUARD_DHCP, 2000000), 0);
	mac_of(1, m);
	assert_int_equal(guard_bind(&g, base | 0xfff0, m, 1, GUARD_DHCP, 2000000), 0);
	assert_null(find(base | (2 + 97)));
	assert_int_equal(g.count, GUARD_CAPACITY_DEFAULT);
	assert_int_equal(g.stats.refused_full, 4);
	/* Expired bindings make room for a claim, live ones never. */
	mac_of(8888, x);
	ipv4(3, x, base | 0xfff2, 1000000 + 10, GUARD_PASS);
	assert_int_equal(g.count, GUARD_CAPACITY_DEFAULT - 8); /* 9 expired, 1 learned */
	assert_int_equal(g.stats.learned, 1);
	assert_int_equal(guard_check(&g), 0);
}

/* The slot where (ip) lands in an empty table. */
static uint32_t home_of(uint32_t ip)
{
	uint8_t m[6];
	uint32_t i;

	mac_of(1, m);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_bind(&g, ip, m, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	for (i = 0; i < g.slots; i++)
		if (g.slot[i].origin != GUARD_FREE)
			break;
	guard_unbind(&g, ip);
	return i;
}

/*
 * Addresses that share a home slot, one run wrapping past the last slot:
 * GUARD_PROBE_MAX fit within the probe bound, the rest are refused (as
 * full); removing any keeps the others found, by address and by MAC.
 */
static void test_collisions(void **state)
{
	enum { P = GUARD_PROBE_MAX, N = P + 4 };
	static uint32_t c[N];
	uint32_t base = 0x0a000000u, next, k, home, round, n; /* 10.0.0.0/15 */
	uint8_t m[6];

	(void)state;
	for (round = 0; round < 2; round++) {
		init(GUARD_STRICT, base | 1, base, 0xfffe0000u, SEED + round);
		home = round == 0 ? 100 : g.slots - 3;
		for (next = 2, k = 0; k < N; next++) {
			assert_true(next < 0x1ffff);
			if (home_of(base | next) == home)
				c[k++] = base | next;
		}
		for (k = 0; k < N; k++) {
			mac_of(k, m);
			assert_int_equal(guard_bind(&g, c[k], m, 1, GUARD_DHCP, 1000),
					 k < P ? 0 : -ENOSPC);
		}
		assert_int_equal(g.stats.refused_full, 4);
		assert_int_equal(g.count, P);
		assert_int_equal(guard_check(&g), 0);
		/* Remove every third from the middle of the run. */
		for (k = round; k < P; k += 3)
			guard_unbind(&g, c[k]);
		assert_int_equal(guard_check(&g), 0);
		for (n = 0, k = 0; k < N; k++) {
			bool kept = k < P && (k < round || (k - round) % 3 != 0);

			mac_of(k, m);
			if (kept) {
				assert_non_null(guard_mac_of(&g, c[k], 0));
				assert_memory_equal(guard_mac_of(&g, c[k], 0), m, 6);
				n++;
			} else {
				assert_null(guard_mac_of(&g, c[k], 0));
			}
		}
		assert_int_equal(g.count, n);
		/* The rest fit now. */
		for (k = P; k < N; k++) {
			mac_of(k, m);
			assert_int_equal(guard_bind(&g, c[k], m, 1, GUARD_DHCP, 1000), 0);
		}
		/* Each MAC moves elsewhere: its binding, moved back by the
		 * removals, is found by its MAC and goes. */
		n = g.count;
		for (k = 0; k < N; k++) {
			mac_of(k, m);
			if (guard_mac_of(&g, c[k], 0) == NULL)
				continue;
			assert_null(guard_mac_of(&g, base | (0x1f000 + k), 0)); /* a free one */
			assert_int_equal(
				guard_bind(&g, base | (0x1f000 + k), m, 1, GUARD_DHCP, 1000), 0);
			assert_null(guard_mac_of(&g, c[k], 0));
			assert_int_equal(g.count, n);
			assert_int_equal(guard_check(&g), 0);
		}
		/* Expire the whole run: sweeping from the run's middle. */
		guard_expire(&g, 1000);
		assert_int_equal(g.count, 0);
		assert_int_equal(guard_check(&g), 0);
	}
}

/* A new subnet or gateway keeps the bindings that are still valid. */
static void test_configure(void **state)
{
	uint8_t m[6];
	uint32_t i;

	(void)state;
	setup(GUARD_LEARN);
	for (i = 2; i < 255; i += 4) {
		mac_of(i, m);
		assert_int_equal(guard_bind(&g, IP(i), m, 1, GUARD_DHCP, 100000), 0);
	}
	mac_of(1000, m);
	assert_int_equal(guard_bind(&g, IP(127), m, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_int_equal(g.count, 65);
	/* 192.168.10.0/25, gateway .6: .127 is its broadcast now, .6 its own. */
	guard_configure(&g, GUARD_STRICT, IP(6), NET, 0xffffff80u);
	assert_int_equal(g.mode, GUARD_STRICT);
	assert_int_equal(g.gateway, IP(6));
	assert_int_equal(g.mask, 0xffffff80u);
	assert_int_equal(guard_check(&g), 0);
	for (i = 2; i < 255; i += 4)
		assert_int_equal(find(IP(i)) != NULL, i < 127 && i != 6);
	assert_null(find(IP(127)));
	assert_int_equal(g.count, 31);
	mac_of(10, m);
	ipv4(1, m, IP(10), 0, GUARD_PASS);
	ipv4(1, m, IP(6), 0, GUARD_DROP);
	assert_int_equal(g.stats.drop_gateway, 1);
	/* Another network altogether: nothing is left. */
	guard_configure(&g, GUARD_LEARN, 0x0a000001u, 0x0a000000u, 0xff000000u);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_check(&g), 0);
	/* The same subnet again: nothing changes. */
	mac_of(10, m);
	ipv4(1, m, 0x0a000010u, 0, GUARD_PASS);
	guard_configure(&g, GUARD_OFF, 0x0a000001u, 0x0a000000u, 0xff000000u);
	assert_int_equal(g.count, 1);
}

static void test_unbind(void **state)
{
	uint8_t a[6], b[6], d[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	assert_int_equal(guard_bind(&g, IP(80), a, 1, GUARD_DHCP, 100000), 0);
	assert_int_equal(guard_bind(&g, IP(81), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_int_equal(guard_bind(&g, IP(82), a, 1, GUARD_RESERVED, 0), 0);
	arp(3, d, IP(83), 0, GUARD_PASS);
	assert_int_equal(g.count, 4);
	guard_unbind(&g, IP(99)); /* not bound: nothing happens */
	guard_unbind(&g, GW);
	guard_unbind(&g, 0);
	assert_int_equal(g.count, 4);
	guard_unbind(&g, IP(80));
	assert_null(find(IP(80)));
	assert_int_equal(g.count, 3);
	guard_unbind_origin(&g, GUARD_FREE);
	guard_unbind_origin(&g, GUARD_DHCP);
	assert_int_equal(g.count, 3);
	guard_unbind_origin(&g, GUARD_RESERVED);
	assert_int_equal(g.count, 1);
	assert_non_null(find(IP(83)));
	guard_unbind_origin(&g, GUARD_LEARNED);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_check(&g), 0);
}

/* A port leaves the network: its guests' bindings go, reservations seen
 * there may turn up elsewhere, other ports' bindings stay. */
static void test_unbind_port(void **state)
{
	uint8_t a[6], b[6], d[6], e[6];

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	mac_of(4, e);
	assert_int_equal(guard_bind(&g, IP(80), a, 1, GUARD_DHCP, 100000), 0);
	assert_int_equal(guard_bind(&g, IP(81), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	arp(1, b, IP(81), 0, GUARD_PASS); /* the reservation pins to port 1 */
	arp(1, d, IP(83), 0, GUARD_PASS); /* learned on port 1 */
	arp(2, e, IP(84), 0, GUARD_PASS); /* learned on port 2 */
	assert_int_equal(g.count, 4);
	guard_unbind_port(&g, 1);
	assert_null(find(IP(80)));
	assert_null(find(IP(83)));
	assert_non_null(find(IP(84)));
	assert_non_null(find(IP(81)));
	assert_int_equal(find(IP(81))->port, GUARD_PORT_ANY);
	assert_int_equal(g.count, 2);
	assert_int_equal(guard_check(&g), 0);
	/* The guest moved: its address is free for it (or anyone) on port 3. */
	arp(3, d, IP(83), 0, GUARD_PASS);
	arp(3, b, IP(81), 0, GUARD_PASS);
	assert_int_equal(find(IP(81))->port, 3);
}

/* A cli_out that appends to a buffer. */
struct sink {
	char buf[32768];
	size_t len;
};

static void sink_write(void *ctx, const char *buf, size_t len)
{
	struct sink *k = ctx;

	assert_true(k->len + len < sizeof(k->buf));
	memcpy(k->buf + k->len, buf, len);
	k->len += len;
	k->buf[k->len] = '\0';
}

static void test_show(void **state)
{
	static struct sink k;
	struct cli_out out = {sink_write, &k};
	uint8_t a[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01},
		b[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x02},
		d[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x03},
		e[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x04};

	(void)state;
	setup(GUARD_LEARN);
	k.len = 0;
	assert_int_equal(guard_show(&g, 0, &out), 0);
	assert_string_equal(k.buf, "Address         MAC address       Port   Origin   Left (s)\n"
				   "0 bindings shown; table holds 0 of 256; checked 0, learned 0, "
				   "dropped: gateway 0, taken 0, port 0, unbound 0, source 0; "
				   "refused full 0\n");
	assert_int_equal(guard_bind(&g, IP(200), a, 3, GUARD_DHCP, 3600000), 0);
	assert_int_equal(guard_bind(&g, IP(7), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_int_equal(guard_bind(&g, IP(30), d, 12, GUARD_DHCP, 1000), 0); /* expires */
	arp(1, e, IP(21), 0, GUARD_PASS);
	arp(1, e, GW, 0, GUARD_DROP);
	ipv4(2, b, IP(7), 0, GUARD_PASS); /* pinned */
	arp(4, a, IP(200), 0, GUARD_CONFLICT);
	k.len = 0;
	assert_int_equal(guard_show(&g, 1500, &out), 0);
	assert_string_equal(k.buf, "Address         MAC address       Port   Origin   Left (s)\n"
				   "192.168.10.7    02:00:00:aa:bb:02 eth2   reserved        -\n"
				   "192.168.10.21   02:00:00:aa:bb:04 eth1   learned       598\n"
				   "192.168.10.200  02:00:00:aa:bb:01 eth3   dhcp         3598\n"
				   "3 bindings shown; table holds 4 of 256; checked 4, learned 1, "
				   "dropped: gateway 1, taken 0, port 1, unbound 0, source 0; "
				   "refused full 0\n");
	/* A reservation not yet seen. */
	assert_int_equal(guard_bind(&g, IP(8), d, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	k.len = 0;
	assert_int_equal(guard_show(&g, 1500, &out), 0);
	assert_non_null(
		strstr(k.buf, "\n192.168.10.8    02:00:00:aa:bb:03 -      reserved        -\n"));
}

static void test_show_conflicts(void **state)
{
	static struct sink k;
	struct cli_out out = {sink_write, &k};
	uint8_t a[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01},
		b[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x02},
		d[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x03};

	(void)state;
	setup(GUARD_LEARN);
	k.len = 0;
	assert_int_equal(guard_show_conflicts(&g, 0, &out), 0);
	assert_string_equal(k.buf, "Address         Holder                      Claimant         "
				   "             Count  First (s)  Last (s)\n"
				   "0 conflicts (of 16 kept); first and last seen, seconds ago\n");
	assert_int_equal(guard_bind(&g, IP(200), a, 3, GUARD_DHCP, 3600000), 0);
	assert_int_equal(guard_bind(&g, IP(9), d, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	arp(11, b, IP(200), 1000, GUARD_CONFLICT);
	arp(11, b, IP(200), 4000, GUARD_DROP);
	arp(11, b, IP(9), 5000, GUARD_CONFLICT);
	arp(4, a, IP(201), 6000, GUARD_CONFLICT);
	k.len = 0;
	assert_int_equal(guard_show_conflicts(&g, 10000, &out), 0);
	assert_string_equal(
		k.buf,
		"Address         Holder                      Claimant                      Count  "
		"First (s)  Last (s)\n"
		"192.168.10.200  02:00:00:aa:bb:01 on eth3   02:00:00:aa:bb:02 on eth11        2  "
		"        9         6\n"
		"192.168.10.9    02:00:00:aa:bb:03 on -      02:00:00:aa:bb:02 on eth11        1  "
		"        5         5\n"
		"-               02:00:00:aa:bb:01 on eth3   02:00:00:aa:bb:01 on eth4         1  "
		"        4         4\n"
		"3 conflicts (of 16 kept); first and last seen, seconds ago\n");
}

/* Expiry, refreshes and reports across the clock's wrap. */
static void test_time_wrap(void **state)
{
	uint8_t a[6], b[6];
	uint32_t t0 = 0xffffffffu - LEARN / 2;

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	arp(1, a, IP(90), t0, GUARD_PASS);
	expect_binding(IP(90), a, 1, GUARD_LEARNED, t0 + LEARN); /* past 0 */
	assert_non_null(guard_mac_of(&g, IP(90), 5));
	assert_non_null(guard_mac_of(&g, IP(90), t0 + LEARN - 1));
	assert_null(guard_mac_of(&g, IP(90), t0 + LEARN));
	guard_expire(&g, 0x10);
	assert_int_equal(g.count, 1);
	ipv4(1, a, IP(90), 0x10, GUARD_PASS); /* refreshed after the wrap */
	guard_expire(&g, t0 + LEARN);
	assert_int_equal(g.count, 1);
	guard_expire(&g, 0x10 + LEARN);
	assert_int_equal(g.count, 0);
	/* A lease bound just before the wrap, ending after it. */
	assert_int_equal(guard_bind(&g, IP(91), a, 1, GUARD_DHCP, 0x2000), 0);
	ipv4(1, a, IP(91), 0xfffffff0u, GUARD_PASS);
	ipv4(1, a, IP(91), 0x1fff, GUARD_PASS);
	arp(2, b, IP(91), 0x1fff, GUARD_CONFLICT);
	guard_expire(&g, 0xfffffff0u);
	assert_int_equal(g.count, 1);
	guard_expire(&g, 0x2000);
	assert_int_equal(g.count, 0);
	/* Reports rate-limited across the wrap. */
	assert_int_equal(guard_bind(&g, IP(92), a, 1, GUARD_DHCP, 0x40000000u), 0);
	arp(2, b, IP(92), 0xffffffffu - 10, GUARD_CONFLICT);
	arp(2, b, IP(92), REP - 12, GUARD_DROP);
	arp(2, b, IP(92), REP - 11, GUARD_CONFLICT);
}

/* The place in by_mac[] that names slot (i), and a free place whose
 * neighbours are free too: an entry there is in no run but its own. */
static uint32_t place_of(uint32_t i)
{
	for (uint32_t p = 0; p < g.slots; p++)
		if (g.by_mac[p] == i + 1)
			return p;
	fail();
	return 0;
}

static uint32_t lonely_place(void)
{
	for (uint32_t p = 1; p + 1 < g.slots; p++)
		if (g.by_mac[p - 1] == 0 && g.by_mac[p] == 0 && g.by_mac[p + 1] == 0)
			return p;
	fail();
	return 0;
}

/* Damages (g) the (damage)th way, given a DHCP binding at (used) followed
 * by a free slot, a reservation at (res), a free slot at (hole) followed
 * by a free one, and a learned one at (learned), B's. Returns false past
 * the last way. */
static bool damage_guard(int damage, uint32_t used, uint32_t res, uint32_t hole, uint32_t learned)
{
	static const struct guard_binding zero;
	struct guard_binding *u = &g.slot[used];
	uint32_t mask = g.slots - 1, p;

	switch (damage) {
	case 0:
		g.count++;
		break;
	case 1:
		u->origin = 7;
		break;
	case 2:
		u->ip = GW; /* and away from its home, likely */
		break;
	case 3:
		u->mac[0] = 1;
		break;
	case 4:
		memset(u->mac, 0, 6);
		break;
	case 5:
		u->port = GUARD_PORT_ANY;
		break;
	case 6:
		g.slot[res].expires = 5;
		break;
	case 7:
		g.slot[hole].port = 1; /* a free slot is all zero */
		break;
	case 8:
		/* The same address twice: a copy just after it. */
		g.slot[(used + 1) & mask] = *u;
		g.by_mac[lonely_place()] = ((used + 1) & mask) + 1;
		g.count++;
		break;
	case 9:
		/* A binding cut off from its home by a free slot. */
		g.slot[(hole + 1) & mask] = *u;
		g.by_mac[place_of(used)] = ((hole + 1) & mask) + 1;
		*u = zero;
		break;
	case 10:
		g.mode = 3;
		break;
	case 11:
		g.net = NET | 1;
		break;
	case 12:
		g.mask = 0xfffffff0u; /* .16 .. are outside now */
		break;
	case 13:
		g.gateway = u->ip;
		break;
	case 14:
		/* B's reservation made a second learned binding of B: the index
		 * by MAC is right, but a MAC holds one at a time. */
		g.slot[res].origin = GUARD_LEARNED;
		g.slot[res].port = 2;
		g.slot[res].expires = g.slot[learned].expires;
		break;
	case 15:
		g.conflict[0].reported = 0;
		break;
	case 16:
		g.conflict[1] = g.conflict[0]; /* recorded twice */
		break;
	case 17:
		/* A MAC changed behind the index's back: in another's run. */
		memcpy(u->mac, g.slot[res].mac, 6);
		u->mac[5] ^= 0x40;
		break;
	case 18:
		g.by_mac[place_of(used)] = 0; /* a binding the index lost */
		break;
	case 19:
		g.by_mac[lonely_place()] = used + 1; /* named twice */
		break;
	case 20:
		/* An entry out of its MAC's run. */
		p = place_of(used);
		g.by_mac[lonely_place()] = used + 1;
		g.by_mac[p] = 0;
		break;
	case 21:
		g.by_mac[place_of(used)] = hole + 1; /* names a free slot */
		break;
	case 22:
		g.by_mac[place_of(used)] = g.slots + 1; /* names no slot */
		break;
	case 23:
		g.soonest = u->expires + 1; /* a binding expires before it */
		break;
	case 24:
		g.timed = false;
		break;
	case 25:
		g.capacity = 300; /* more than half of the slots */
		break;
	case 26:
		g.shift++;
		break;
	case 27:
		g.by_mac++;
		break;
	case 28:
		g.capacity = 0; /* then it must be the shared empty table */
		break;
	default:
		return false;
	}
	return true;
}

/* guard_check() finds each kind of damage. */
static void test_check(void **state)
{
	static struct guard saved;
	static uint64_t saved_mem[MEM_WORDS];
	size_t size = guard_mem_size(GUARD_CAPACITY_DEFAULT);
	uint8_t a[6], b[6];
	uint32_t i, used = 0, hole = 0, res = 0, learned = 0, mask;
	int damage;

	(void)state;
	setup(GUARD_LEARN);
	mask = g.slots - 1;
	mac_of(1000, b);
	for (i = 2; i < 40; i++) {
		mac_of(i, a);
		assert_int_equal(guard_bind(&g, IP(i), a, 1, GUARD_DHCP, 1000), 0);
	}
	assert_int_equal(guard_bind(&g, IP(50), b, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	arp(2, b, IP(40), 0, GUARD_PASS);
	arp(3, b, IP(40), 0, GUARD_CONFLICT);
	for (i = 0; i < g.slots; i++) {
		const struct guard_binding *s = &g.slot[i];

		if (s->origin == GUARD_DHCP && g.slot[(i + 1) & mask].origin == 0)
			used = i;
		if (s->origin == GUARD_RESERVED)
			res = i;
		if (s->origin == GUARD_LEARNED)
			learned = i;
		if (s->origin == GUARD_FREE && g.slot[(i + 1) & mask].origin == 0)
			hole = i;
	}
	saved = g;
	memcpy(saved_mem, mem_a, size);
	for (damage = 0; damage_guard(damage, used, res, hole, learned); damage++) {
		assert_int_equal(guard_check(&g), -EFAULT);
		g = saved;
		memcpy(mem_a, saved_mem, size);
		assert_int_equal(guard_check(&g), 0);
	}
	assert_int_equal(damage, 29);
}

/* The memory a capacity needs, and the capacity a network gets. */
static void test_sizes(void **state)
{
	size_t slot = sizeof(struct guard_binding) + sizeof(uint32_t);

	(void)state;
	assert_int_equal(slot, 20);
	assert_int_equal(guard_mem_size(0), 0);
	assert_int_equal(guard_mem_size(1), 2 * slot);
	assert_int_equal(guard_mem_size(3), 8 * slot);
	assert_int_equal(guard_mem_size(GUARD_CAPACITY_DEFAULT), 512 * slot);
	assert_int_equal(guard_mem_size(65536), 131072 * slot); /* 40 bytes a binding */
	assert_int_equal(guard_mem_size(GUARD_CAPACITY_MAX), 262144 * slot);
	assert_int_equal(guard_mem_size(GUARD_CAPACITY_MAX + 1), 0);
	assert_true(guard_mem_size(GUARD_CAPACITY_MAX) <= sizeof(mem_a));
	/* A pool and the margin, within what the subnet and the guard hold. */
	assert_int_equal(guard_capacity_for(0, 0xffffff00u), GUARD_CAPACITY_DEFAULT);
	assert_int_equal(guard_capacity_for(200, 0xffffff00u), GUARD_CAPACITY_DEFAULT);
	assert_int_equal(guard_capacity_for(1000, 0xfffff000u), 1000 + GUARD_LEARN_MARGIN);
	assert_int_equal(guard_capacity_for(4000, 0xfffff000u), 4094); /* a /20's guests */
	assert_int_equal(guard_capacity_for(65533, 0xffff0000u), 65534);
	assert_int_equal(guard_capacity_for(65536, 0xff000000u), 65536 + GUARD_LEARN_MARGIN);
	assert_int_equal(guard_capacity_for(65600, 0xff000000u), GUARD_CAPACITY_MAX);
	assert_int_equal(guard_capacity_for(0xffffffffu, 0), GUARD_CAPACITY_MAX);
	assert_int_equal(guard_capacity_for(5, 0xffffffffu), GUARD_CAPACITY_DEFAULT);
	assert_int_equal(guard_mem_size(guard_capacity_for(65533, 0xffff0000u)), 131072 * slot);
}

/* A guard with no memory: it binds nothing, and every claim is unbound. */
static void test_zero_capacity(void **state)
{
	uint8_t a[6];

	(void)state;
	mac_of(1, a);
	guard_init(&g, NULL, 0, GUARD_OFF, 0, 0, 0, SEED);
	assert_int_equal(guard_capacity(&g), 0);
	assert_int_equal(guard_check(&g), 0);
	ipv4(1, a, IP(5), 0, GUARD_PASS);
	assert_int_equal(guard_bind(&g, IP(5), a, 1, GUARD_DHCP, 1000), -ENOSPC);
	assert_int_equal(guard_bind(&g, IP(6), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), -ENOSPC);
	assert_int_equal(g.stats.refused_full, 2);
	assert_null(guard_mac_of(&g, IP(5), 0));
	guard_configure(&g, GUARD_LEARN, GW, NET, MASK);
	ipv4(1, a, IP(5), 0, GUARD_DROP);
	arp(1, a, IP(5), 0, GUARD_DROP);
	guard_configure(&g, GUARD_STRICT, GW, NET, MASK);
	ipv4(1, a, IP(5), 0, GUARD_DROP);
	arp(1, a, GW, 0, GUARD_DROP);
	assert_int_equal(g.stats.drop_unbound, 3);
	assert_int_equal(g.stats.drop_gateway, 1);
	assert_int_equal(g.stats.refused_full, 4);
	guard_expire(&g, 5000);
	guard_unbind(&g, IP(5));
	guard_unbind_port(&g, 1);
	guard_unbind_origin(&g, GUARD_DHCP);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_check(&g), 0);
	/* Memory unusable for a capacity: the same empty guard. */
	guard_init(&g, NULL, 100, GUARD_LEARN, GW, NET, MASK, SEED);
	assert_int_equal(guard_capacity(&g), 0);
	assert_int_equal(guard_check(&g), 0);
	guard_init(&g, mem_a, GUARD_CAPACITY_MAX + 1, GUARD_LEARN, GW, NET, MASK, SEED);
	assert_int_equal(guard_capacity(&g), 0);
	assert_int_equal(guard_bind(&g, IP(5), a, 1, GUARD_DHCP, 1000), -ENOSPC);
	assert_int_equal(guard_check(&g), 0);
}

/* Where the binding of (ip) is, by its MAC: for the index tests. */
static void expect_only(uint32_t ip, uint32_t mac)
{
	uint8_t m[6];
	const uint8_t *got = guard_mac_of(&g, ip, 0);

	mac_of(mac, m);
	assert_non_null(got);
	assert_memory_equal(got, m, 6);
}

/*
 * The index by MAC follows every change: an address given to another
 * MAC, unbound, bound again, moved by removals. Each step is one that a
 * stale index gets wrong: a MAC's older lease must go, and only its own.
 */
static void test_mac_moves(void **state)
{
	uint8_t a[6], b[6], d[6];

	(void)state;
	setup(GUARD_STRICT);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	assert_int_equal(guard_bind(&g, IP(10), a, 1, GUARD_DHCP, 100000), 0);
	/* IP(10) goes to B: A's index must no longer name it. */
	assert_int_equal(guard_bind(&g, IP(10), b, 2, GUARD_DHCP, 100000), 0);
	assert_int_equal(guard_bind(&g, IP(11), a, 1, GUARD_DHCP, 100000), 0);
	expect_only(IP(10), 2);
	expect_only(IP(11), 1);
	/* ... and B's must: B's next lease replaces it. */
	assert_int_equal(guard_bind(&g, IP(12), b, 2, GUARD_DHCP, 100000), 0);
	assert_null(find(IP(10)));
	assert_int_equal(g.count, 2);
	/* Unbound, then bound to D: neither A nor B loses anything. */
	guard_unbind(&g, IP(11));
	assert_int_equal(guard_bind(&g, IP(11), d, 3, GUARD_DHCP, 100000), 0);
	assert_int_equal(guard_bind(&g, IP(13), a, 1, GUARD_DHCP, 100000), 0);
	expect_only(IP(11), 3);
	expect_only(IP(12), 2);
	expect_only(IP(13), 1);
	/* A's lease becomes its reservation; A's next lease keeps it. */
	assert_int_equal(guard_bind(&g, IP(13), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_int_equal(guard_bind(&g, IP(14), a, 1, GUARD_DHCP, 100000), 0);
	expect_only(IP(13), 1);
	expect_only(IP(14), 1);
	/* A reservation given to D: D's lease goes with its next one, not it. */
	assert_int_equal(guard_bind(&g, IP(13), d, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	assert_int_equal(guard_bind(&g, IP(15), d, 3, GUARD_DHCP, 100000), 0);
	assert_null(find(IP(11)));
	expect_only(IP(13), 3);
	assert_int_equal(g.count, 4);
	assert_int_equal(guard_check(&g), 0);
	/* A port leaves: its leases go from the index too. */
	guard_unbind_port(&g, 1);
	assert_int_equal(guard_bind(&g, IP(16), a, 4, GUARD_DHCP, 100000), 0);
	expect_only(IP(16), 1);
	assert_int_equal(g.count, 4);
	assert_int_equal(guard_check(&g), 0);
}

/* A cli_out that counts lines and checks that the addresses of binding
 * lines ascend. */
struct order {
	char line[128];
	size_t len;
	uint32_t lines, last;
};

static void order_write(void *ctx, const char *buf, size_t len)
{
	struct order *o = ctx;
	unsigned a, b, c, d;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (o->len + 1 < sizeof(o->line))
				o->line[o->len++] = buf[i];
			continue;
		}
		o->line[o->len] = '\0';
		o->len = 0;
		o->lines++;
		if (sscanf(o->line, "%u.%u.%u.%u ", &a, &b, &c, &d) != 4)
			continue;
		assert_true((a << 24 | b << 16 | c << 8 | d) > o->last);
		o->last = a << 24 | b << 16 | c << 8 | d;
	}
}

/* Prints (g) and returns the lines; (*o) keeps the last. */
static uint32_t show_lines(struct order *o, uint32_t now)
{
	struct cli_out out = {order_write, o};

	memset(o, 0, sizeof(*o));
	assert_int_equal(guard_show(&g, now, &out), 0);
	return o->lines;
}

/* Bindings shown in address order: in a subnet larger than the table, in
 * batches (none, fewer than a batch, one, one and one more, many); in a
 * smaller one, address by address; the expired left out. */
static void test_show_order(void **state)
{
	static const uint32_t counts[] = {0, 1, 127, 128, 129, 256, 1000};
	static struct order o;
	char want[64];
	uint8_t m[6];
	uint32_t base = 0x0a010000u, i, n, k, mask, hosts;

	(void)state;
	for (k = 0; k < 2 * sizeof(counts) / sizeof(counts[0]); k++) {
		n = counts[k / 2];
		mask = k % 2 ? 0xfffff000u : 0xffff0000u; /* 4096 slots: a /20 walks */
		hosts = k % 2 ? 4000 : 65000;
		guard_init(&g, mem_a, 2000, GUARD_STRICT, base | 1, base, mask, SEED + k);
		/* Scattered addresses; every fifth expires at 500. */
		for (i = 0; i < n; i++) {
			mac_of(i, m);
			assert_int_equal(guard_bind(&g, base | (2 + (i * 7919) % hosts), m, 1,
						    GUARD_DHCP, i % 5 ? 100000 : 500),
					 0);
		}
		assert_int_equal(show_lines(&o, 0), n + 2);
		snprintf(want, sizeof(want), "%u bindings shown; table holds %u of 2000;", n, n);
		assert_non_null(strstr(o.line, want));
		show_lines(&o, 500);
		snprintf(want, sizeof(want), "%u bindings shown; table holds %u of 2000;",
			 n - (n + 4) / 5, n);
		assert_non_null(strstr(o.line, want));
	}
}

/* Binds (n) guests of 10.1.0.0/16 with MACs (first) .. on ports 0 .. 7,
 * from 10.1.0.(2 + at) upwards, leases until (expires). */
static void bind_many(uint32_t first, uint32_t at, uint32_t n, uint32_t expires)
{
	uint8_t m[6];

	for (uint32_t i = 0; i < n; i++) {
		mac_of(first + i, m);
		assert_int_equal(guard_bind(&g, 0x0a010002u + at + i, m, (uint8_t)((first + i) % 8),
					    GUARD_DHCP, expires),
				 0);
	}
}

/* Every guest from (first), (n) of them, holds 10.1.0.(2 + at) upwards,
 * and its frames pass. */
static void expect_many(uint32_t first, uint32_t at, uint32_t n, uint32_t now)
{
	uint8_t m[6];

	for (uint32_t i = 0; i < n; i++) {
		mac_of(first + i, m);
		assert_int_equal(guard_ip(&g, (uint8_t)((first + i) % 8), m, 0x0a010002u + at + i,
					  now, NULL),
				 GUARD_PASS);
	}
}

/*
 * A /16 of guests: 65000 leases, each guest's frames passing; every MAC
 * moved to another address, its old one freed; the rest of the subnet
 * filled; shown in order; a port gone; all expired. No binding refused.
 */
static void test_large(void **state)
{
	enum { N = 65000, SHIFT = 533, ALL = N + SHIFT }; /* ALL: a /16's guests */
	static struct order o;
	uint32_t cap = guard_capacity_for(ALL, 0xffff0000u), i;
	uint8_t m[6];

	(void)state;
	assert_int_equal(cap, ALL + 1);
	guard_init(&g, mem_a, cap, GUARD_STRICT, 0x0a010001u, 0x0a010000u, 0xffff0000u, SEED);
	bind_many(0, 0, N, 3600000);
	assert_int_equal(g.count, N);
	assert_int_equal(guard_check(&g), 0);
	expect_many(0, 0, N, 1000);
	/* Each MAC moves SHIFT addresses up, the highest first, so that each
	 * address it takes is free: its lease moves, its old address frees. */
	for (i = N; i-- > 0;) {
		mac_of(i, m);
		assert_int_equal(guard_bind(&g, 0x0a010002u + SHIFT + i, m, (uint8_t)(i % 8),
					    GUARD_DHCP, 3600000),
				 0);
	}
	assert_int_equal(g.count, N);
	assert_int_equal(guard_check(&g), 0);
	for (i = 0; i < SHIFT; i++)
		assert_null(guard_mac_of(&g, 0x0a010002u + i, 1000));
	expect_many(0, SHIFT, N, 2000);
	/* New guests on the freed addresses: the whole subnet bound. */
	bind_many(N, 0, SHIFT, 3600000);
	expect_many(N, 0, SHIFT, 2000);
	assert_int_equal(g.count, ALL);
	assert_int_equal(g.stats.refused_full, 0);
	assert_int_equal(g.stats.checked, 2 * N + SHIFT);
	assert_int_equal(g.stats.drop_taken + g.stats.drop_port + g.stats.drop_unbound, 0);
	assert_int_equal(guard_check(&g), 0);
	assert_int_equal(show_lines(&o, 3000), ALL + 2);
	/* A port leaves: its eighth of the guests go, by a pass. */
	guard_unbind_port(&g, 3);
	assert_int_equal(g.count, ALL - 8192); /* MACs 3, 11, .. 65531 */
	assert_int_equal(guard_check(&g), 0);
	guard_expire(&g, 3599999);
	assert_int_equal(g.count, ALL - 8192);
	guard_expire(&g, 3600000);
	assert_int_equal(g.count, 0);
	assert_int_equal(guard_check(&g), 0);
}

/* (h) holds what (g) holds: bindings, conflicts, counters, settings. A
 * large table's bindings are compared by their MACs alone, found at 0. */
static void expect_same(const struct guard *h)
{
	assert_int_equal(h->count, g.count);
	assert_int_equal(h->mode, g.mode);
	assert_int_equal(h->gateway, g.gateway);
	assert_int_equal(h->net, g.net);
	assert_int_equal(h->mask, g.mask);
	assert_memory_equal(h->conflict, g.conflict, sizeof(g.conflict));
	assert_memory_equal(&h->stats, &g.stats, sizeof(g.stats));
	for (uint32_t i = 0; i < g.slots; i++) {
		const struct guard_binding *b = &g.slot[i], *c = NULL;

		if (b->origin == GUARD_FREE)
			continue;
		if (g.count > 1000) {
			assert_ptr_not_equal(guard_mac_of(h, b->ip, 0), NULL);
			assert_memory_equal(guard_mac_of(h, b->ip, 0), b->mac, 6);
			continue;
		}
		for (uint32_t j = 0; j < h->slots && c == NULL; j++)
			if (h->slot[j].origin != GUARD_FREE && h->slot[j].ip == b->ip)
				c = &h->slot[j];
		assert_non_null(c);
		assert_memory_equal(c, b, sizeof(*b));
	}
	assert_int_equal(guard_check(h), 0);
}

/* A network's pool grows, then shrinks: its guard moves to a table of
 * another size, with all it holds, or refuses if that does not fit. */
static void test_copy(void **state)
{
	static struct guard h;
	uint8_t a[6], b[6], d[6];
	uint32_t i;

	(void)state;
	setup(GUARD_LEARN);
	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, d);
	for (i = 0; i < 100; i++) {
		mac_of(100 + i, a);
		assert_int_equal(guard_bind(&g, IP(2 + i), a, (uint8_t)(i % 4), GUARD_DHCP,
					    i % 2 ? 100000 : 500),
				 0);
	}
	mac_of(1, a);
	assert_int_equal(guard_bind(&g, IP(200), a, GUARD_PORT_ANY, GUARD_RESERVED, 0), 0);
	arp(5, b, IP(201), 10, GUARD_PASS);	/* learned */
	arp(6, d, IP(201), 20, GUARD_CONFLICT); /* a conflict */
	arp(6, d, GW, 20, GUARD_DROP);
	assert_int_equal(g.count, 102);
	/* Bigger, keyed anew: all of it, the expired too, and the same show. */
	guard_init(&h, mem_b, 1000, GUARD_OFF, 0, 0, 0, SEED + 1);
	guard_set_port_names(&h, NULL, NULL);
	assert_int_equal(guard_copy(&h, &g), 0);
	assert_int_equal(guard_capacity(&h), 1000);
	expect_same(&h);
	/* Smaller, just big enough; then too small. */
	guard_init(&h, mem_b, 102, GUARD_OFF, 0, 0, 0, SEED + 2);
	assert_int_equal(guard_copy(&h, &g), 0);
	expect_same(&h);
	guard_init(&h, mem_b, 101, GUARD_OFF, 0, 0, 0, SEED + 3);
	assert_int_equal(guard_copy(&h, &g), -ENOSPC);
	guard_init(&h, NULL, 0, GUARD_OFF, 0, 0, 0, SEED);
	assert_int_equal(guard_copy(&h, &g), -ENOSPC);
	assert_int_equal(guard_check(&h), 0);
	assert_int_equal(guard_check(&g), 0); /* the source is untouched */
	/* The copy goes on as the original would: B moves, the expired are
	 * swept, a full table refuses. */
	guard_init(&h, mem_b, 102, GUARD_OFF, 0, 0, 0, SEED + 4);
	assert_int_equal(guard_copy(&h, &g), 0);
	g = h;
	assert_int_equal(guard_bind(&g, IP(202), b, 5, GUARD_DHCP, 100000), 0);
	assert_null(find(IP(201)));
	assert_int_equal(guard_bind(&g, IP(203), d, 6, GUARD_DHCP, 100000), -ENOSPC);
	ipv4(6, d, IP(203), 500, GUARD_PASS); /* a claim sweeps the 50 expired */
	assert_int_equal(g.count, 53);
	assert_int_equal(guard_check(&g), 0);
	/* An empty guard copies into an empty one. */
	guard_init(&g, NULL, 0, GUARD_OFF, 0, 0, 0, SEED);
	guard_init(&h, NULL, 0, GUARD_OFF, 0, 0, 0, SEED);
	assert_int_equal(guard_copy(&h, &g), 0);
	assert_int_equal(guard_check(&h), 0);
}

/* The largest table, copied to the largest capacity and back, and to one
 * too small. */
static void test_copy_large(void **state)
{
	static struct guard h;
	uint32_t cap = guard_capacity_for(65533, 0xffff0000u);

	(void)state;
	guard_init(&g, mem_a, cap, GUARD_STRICT, 0x0a010001u, 0x0a010000u, 0xffff0000u, SEED);
	bind_many(0, 0, 65533, 3600000);
	guard_init(&h, mem_b, GUARD_CAPACITY_MAX, GUARD_OFF, 0, 0, 0, SEED + 1);
	assert_int_equal(guard_copy(&h, &g), 0);
	expect_same(&h);
	g = h;
	guard_init(&h, mem_a, cap, GUARD_OFF, 0, 0, 0, SEED + 2);
	assert_int_equal(guard_copy(&h, &g), 0);
	expect_same(&h);
	g = h;
	expect_many(0, 0, 65533, 1000);
	guard_init(&h, mem_b, 65000, GUARD_OFF, 0, 0, 0, SEED + 3);
	assert_int_equal(guard_copy(&h, &g), -ENOSPC);
	assert_int_equal(guard_check(&g), 0);
}

/*
 * The reference model: every address of a small universe an array
 * element, with the binding the contract gives it, judged by plain
 * arithmetic and without hashing; the conflict records in the same
 * layout, since which one is replaced is part of the contract. Where the
 * contract leaves a choice open (which of a MAC's bindings on other ports
 * a conflict names), the model checks that the choice was one allowed and
 * takes it.
 */
#define RM_BASE	 0x0a010000u /* 10.1.0.0/23, then /24 sometimes */
#define RM_LO	 2	     /* the universe: 10.1.0.2 .. 10.1.1.65 */
#define RM_IPS	 320
#define RM_MACS	 330
#define RM_PORTS 6

struct rm_binding {
	bool used;
	uint8_t mac[6];
	uint8_t port, origin;
	uint32_t expires;
};

static struct rm_binding rm[RM_IPS];
static struct guard_conflict rm_conf[GUARD_CONFLICTS];
static struct guard_stats rm_stats;
static uint32_t rm_count, rm_capacity, rm_gw, rm_net, rm_mask;
static enum guard_mode rm_mode;

static uint32_t rm_ip(int k)
{
	return RM_BASE + RM_LO + (uint32_t)k;
}

static int rm_index(uint32_t ip)
{
	return ip >= rm_ip(0) && ip < rm_ip(RM_IPS) ? (int)(ip - rm_ip(0)) : -1;
}

static bool rm_host(uint32_t ip)
{
	uint32_t bcast = rm_net | ~rm_mask;

	return ip != 0 && (ip & rm_mask) == rm_net && ip != rm_net && ip != bcast;
}

static bool rm_expired(const struct rm_binding *b, uint32_t now)
{
	return b->origin != GUARD_RESERVED && now - b->expires < 0x80000000u;
}

static bool rm_unicast(const uint8_t m[6])
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

static void rm_drop(int k)
{
	memset(&rm[k], 0, sizeof(rm[k]));
	rm_count--;
}

static int rm_bind(uint32_t ip, const uint8_t mac[6], uint8_t port, int origin, uint32_t exp)
{
	int k = rm_index(ip), j;
	struct rm_binding *b;

	if ((origin != GUARD_DHCP && origin != GUARD_RESERVED && origin != GUARD_LEARNED) ||
	    !rm_host(ip) || ip == rm_gw || !rm_unicast(mac) ||
	    (port == GUARD_PORT_ANY && origin != GUARD_RESERVED))
		return -EINVAL;
	assert_true(k >= 0);
	if (origin != GUARD_RESERVED)
		for (j = 0; j < RM_IPS; j++)
			if (j != k && rm[j].used && rm[j].origin != GUARD_RESERVED &&
			    memcmp(rm[j].mac, mac, 6) == 0)
				rm_drop(j);
	b = &rm[k];
	if (!b->used) {
		if (rm_count >= rm_capacity) {
			rm_stats.refused_full++;
			return -ENOSPC;
		}
		rm_count++;
	} else if (memcmp(b->mac, mac, 6) == 0) {
		if (b->origin == GUARD_RESERVED)
			origin = GUARD_RESERVED;
		if (port == GUARD_PORT_ANY)
			port = b->port;
	}
	b->used = true;
	memcpy(b->mac, mac, 6);
	b->port = port;
	b->origin = (uint8_t)origin;
	b->expires = origin == GUARD_RESERVED ? 0 : exp;
	return 0;
}

static void rm_expire(uint32_t now)
{
	for (int k = 0; k < RM_IPS; k++)
		if (rm[k].used && rm_expired(&rm[k], now))
			rm_drop(k);
}

static int rm_conflict(uint32_t ip, const uint8_t m1[6], uint8_t p1, const uint8_t m2[6],
		       uint8_t p2, uint32_t now, struct guard_conflict **rec)
{
	struct guard_conflict *r = NULL;
	unsigned i;

	for (i = 0; i < GUARD_CONFLICTS && r == NULL; i++)
		if (rm_conf[i].count && rm_conf[i].ip == ip && rm_conf[i].port2 == p2 &&
		    memcmp(rm_conf[i].mac2, m2, 6) == 0)
			r = &rm_conf[i];
	if (r == NULL) {
		for (i = 0; i < GUARD_CONFLICTS && (r == NULL || r->count != 0); i++)
			if (rm_conf[i].count == 0 || r == NULL ||
			    now - rm_conf[i].last > now - r->last)
				r = &rm_conf[i];
		memset(r, 0, sizeof(*r));
		r->ip = ip;
		memcpy(r->mac2, m2, 6);
		r->port2 = p2;
		r->first = now;
	}
	memcpy(r->mac1, m1, 6);
	r->port1 = p1;
	r->last = now;
	r->count++;
	*rec = r;
	if (r->reported != 0 && now - r->reported < REP)
		return GUARD_DROP;
	if (r->reported == 1 && now == 0)
		return GUARD_DROP; /* reported at 0 */
	r->reported = now ? now : 1;
	return GUARD_CONFLICT;
}

/* The model's verdict for (mac) on (port) speaking for (ip); (*rec) the
 * conflict touched, (*ports) the holder ports allowed for a move. */
static int rm_claim(uint8_t port, const uint8_t mac[6], uint32_t ip, uint32_t now,
		    struct guard_conflict **rec, unsigned *ports)
{
	int k = rm_index(ip), j;
	struct rm_binding *b;

	assert_true(k >= 0);
	b = &rm[k];
	if (b->used && !rm_expired(b, now)) {
		if (memcmp(b->mac, mac, 6) != 0) {
			rm_stats.drop_taken++;
			return rm_conflict(ip, b->mac, b->port, mac, port, now, rec);
		}
		if (b->port == GUARD_PORT_ANY)
			b->port = port;
		if (b->port != port) {
			rm_stats.drop_port++;
			return rm_conflict(ip, b->mac, b->port, mac, port, now, rec);
		}
		if (b->origin == GUARD_LEARNED)
			b->expires = now + LEARN;
		return GUARD_PASS;
	}
	if (rm_mode == GUARD_STRICT) {
		rm_stats.drop_unbound++;
		return GUARD_DROP;
	}
	*ports = 0;
	for (j = 0; j < RM_IPS; j++)
		if (rm[j].used && !rm_expired(&rm[j], now) && memcmp(rm[j].mac, mac, 6) == 0 &&
		    rm[j].port != port && rm[j].port != GUARD_PORT_ANY)
			*ports |= 1u << rm[j].port;
	if (*ports != 0) {
		rm_stats.drop_port++;
		return rm_conflict(0, mac, 0xfe, mac, port, now, rec); /* port1 taken later */
	}
	if (rm_count >= rm_capacity)
		rm_expire(now);
	if (rm_bind(ip, mac, port, GUARD_LEARNED, now + LEARN) != 0) {
		rm_stats.drop_unbound++;
		return GUARD_DROP;
	}
	rm_stats.learned++;
	return GUARD_PASS;
}

static int rm_check_frame(bool is_arp, uint8_t port, const uint8_t src[6], uint32_t ip,
			  const uint8_t sha[6], uint32_t now, struct guard_conflict **rec,
			  unsigned *ports)
{
	rm_stats.checked++;
	if (rm_mode == GUARD_OFF)
		return GUARD_PASS;
	if (!is_arp && ip == 0)
		return GUARD_PASS;
	if (port == GUARD_PORT_ANY || !rm_unicast(src) || (is_arp && memcmp(src, sha, 6) != 0)) {
		rm_stats.drop_source++;
		return GUARD_DROP;
	}
	if (ip == 0)
		return GUARD_PASS;
	if (ip == rm_gw) {
		rm_stats.drop_gateway++;
		return GUARD_DROP;
	}
	if (!rm_host(ip)) {
		rm_stats.drop_source++;
		return GUARD_DROP;
	}
	return rm_claim(port, src, ip, now, rec, ports);
}

static void rm_configure(enum guard_mode mode, uint32_t gw, uint32_t net, uint32_t mask)
{
	rm_mode = mode;
	rm_gw = gw;
	rm_net = net;
	rm_mask = mask;
	for (int k = 0; k < RM_IPS; k++)
		if (rm[k].used && (!rm_host(rm_ip(k)) || rm_ip(k) == gw))
			rm_drop(k);
}

/* Every stored binding, conflict and counter is as modelled. */
static void rm_compare(void)
{
	bool seen[RM_IPS] = {false};
	uint32_t i, n = 0;

	assert_int_equal(guard_check(&g), 0);
	for (i = 0; i < g.slots; i++) {
		const struct guard_binding *s = &g.slot[i];
		const struct rm_binding *b;
		int k;

		if (s->origin == GUARD_FREE)
			continue;
		k = rm_index(s->ip);
		assert_true(k >= 0 && !seen[k]);
		seen[k] = true;
		b = &rm[k];
		assert_true(b->used);
		assert_memory_equal(s->mac, b->mac, 6);
		assert_int_equal(s->port, b->port);
		assert_int_equal(s->origin, b->origin);
		assert_int_equal(s->expires, b->expires);
		n++;
	}
	assert_int_equal(n, rm_count);
	assert_int_equal(g.count, rm_count);
	assert_memory_equal(g.conflict, rm_conf, sizeof(rm_conf));
	assert_memory_equal(&g.stats, &rm_stats, sizeof(rm_stats));
}

static uint64_t rm_x = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rm_x ^= rm_x << 13;
	rm_x ^= rm_x >> 7;
	rm_x ^= rm_x << 17;
	return (uint32_t)((rm_x >> 11) % n);
}

/* An address to claim: mostly of the universe, sometimes a bad one. */
static uint32_t rm_pick_ip(int own)
{
	switch (rnd(40)) {
	case 0:
		return 0;
	case 1:
		return rm_gw;
	case 2:
		return 0x0a020005u; /* outside */
	case 3:
		return RM_BASE | 0xff; /* broadcast of the /24 */
	case 4:
		return RM_BASE; /* network */
	default:
		return rnd(4) != 0 ? rm_ip(own) : rm_ip((int)rnd(RM_IPS));
	}
}

/*
 * Moves (g) into a table of (capacity) in the other memory block, keyed
 * anew: it fits if the model's bindings do (none of the model's runs
 * reach the probe bound), and then the guard goes on as the model does.
 */
static unsigned rm_moved, rm_kept; /* resizes done, and refused */

static void rm_resize(uint32_t capacity, uint64_t seed)
{
	static struct guard h;
	uint64_t *other = g.slot == (void *)mem_a ? mem_b : mem_a;
	int r;

	guard_init(&h, other, capacity, GUARD_OFF, 0, 0, 0, seed);
	r = guard_copy(&h, &g);
	assert_int_equal(r, rm_count <= capacity ? 0 : -ENOSPC);
	if (r == 0) {
		g = h;
		rm_capacity = capacity;
	}
	rm_moved += r == 0;
	rm_kept += r != 0;
}

/*
 * The guard against the model for (ops) random operations, over a table
 * of (capacity); now and then moved to another capacity if (resize).
 */
static void rm_run(uint32_t capacity, bool resize, uint32_t ops)
{
	static struct sink k;
	struct cli_out out = {sink_write, &k};
	const struct guard_conflict *c;
	struct guard_conflict *rec;
	uint32_t now = 0xfff00000u, ip, exp, op;
	uint8_t mac[6], sha[6], port;
	unsigned ports, confl = 0, passes = 0;
	int m, want, got, origin;
	bool is_arp;

	memset(rm, 0, sizeof(rm));
	memset(rm_conf, 0, sizeof(rm_conf));
	memset(&rm_stats, 0, sizeof(rm_stats));
	rm_count = 0;
	rm_capacity = capacity;
	rm_mode = GUARD_LEARN;
	rm_gw = RM_BASE | 1;
	rm_net = RM_BASE;
	rm_mask = 0xfffffe00u;
	guard_init(&g, mem_a, capacity, rm_mode, rm_gw, rm_net, rm_mask, SEED);
	for (op = 0; op < ops; op++) {
		/* A guest: usually its own address on its own port. */
		m = (int)rnd(RM_MACS);
		mac_of((uint32_t)m, mac);
		if (rnd(500) == 0)
			mac[0] = 0x01;
		port = rnd(8) != 0 ? (uint8_t)(m % RM_PORTS) : (uint8_t)rnd(RM_PORTS);
		if (rnd(1000) == 0)
			port = GUARD_PORT_ANY;
		ip = rm_pick_ip(m % RM_IPS);
		if (rnd(1000) == 0)
			now += rnd(LEARN);
		else
			now += rnd(400);
		switch (rnd(20)) {
		default: /* ARP or IPv4 from a guest, the common case */
			memcpy(sha, mac, 6);
			if (rnd(50) == 0)
				sha[5] ^= 1;
			rec = NULL;
			ports = 0;
			is_arp = rnd(2);
			want = rm_check_frame(is_arp, port, mac, ip, sha, now, &rec, &ports);
			c = (const void *)&g;
			got = is_arp ? guard_arp(&g, port, mac, ip, sha, now, &c)
				     : guard_ip(&g, port, mac, ip, now, &c);
			if (ports != 0) {
				/* A move: which bound port is named is the guard's choice. */
				const struct guard_conflict *r = NULL;

				for (unsigned i = 0; i < GUARD_CONFLICTS; i++)
					if (g.conflict[i].count && g.conflict[i].ip == 0 &&
					    g.conflict[i].port2 == port &&
					    memcmp(g.conflict[i].mac2, mac, 6) == 0)
						r = &g.conflict[i];
				assert_non_null(r);
				assert_true(r->port1 < RM_PORTS && (ports >> r->port1) & 1);
				rec->port1 = r->port1;
			}
			assert_int_equal(got, want);
			if (got == GUARD_CONFLICT) {
				assert_ptr_equal(c, &g.conflict[rec - rm_conf]);
				confl++;
			} else {
				assert_null(c);
			}
			passes += got == GUARD_PASS;
			break;
		case 0:
		case 1:
			/* A lease: sometimes for the guest's own address. */
			exp = now + rnd(LEARN * 2);
			want = rm_bind(ip, mac, port, GUARD_DHCP, exp);
			assert_int_equal(guard_bind(&g, ip, mac, port, GUARD_DHCP, exp), want);
			break;
		case 2:
			if (rnd(4) == 0) {
				origin = (int)rnd(5);
				exp = now + rnd(LEARN);
				if (rnd(2))
					port = GUARD_PORT_ANY;
				want = rm_bind(ip, mac, port, origin, exp);
				assert_int_equal(guard_bind(&g, ip, mac, port,
							    (enum guard_origin)origin, exp),
						 want);
			}
			break;
		case 3:
			if (rnd(4) == 0) {
				int j = rm_index(ip);

				guard_unbind(&g, ip);
				if (j >= 0 && rm[j].used)
					rm_drop(j);
			} else if (rnd(50) == 0) {
				origin = (int)rnd(4);
				guard_unbind_origin(&g, (enum guard_origin)origin);
				for (int j = 0; j < RM_IPS; j++)
					if (rm[j].used && origin != GUARD_FREE &&
					    rm[j].origin == origin)
						rm_drop(j);
			}
			break;
		case 4:
			if (rnd(4) == 0) {
				guard_expire(&g, now);
				rm_expire(now);
			} else {
				int j = rm_index(ip);
				const uint8_t *got_mac = guard_mac_of(&g, ip, now);

				if (j >= 0 && rm[j].used && !rm_expired(&rm[j], now)) {
					assert_non_null(got_mac);
					assert_memory_equal(got_mac, rm[j].mac, 6);
				} else {
					assert_null(got_mac);
				}
			}
			break;
		case 6:
			/* A pool grown or shrunk: 8 to 512 bindings. */
			if (resize && rnd(10) == 0)
				rm_resize(8u << rnd(7), SEED + op);
			break;
		case 5:
			if (rnd(100) == 0) {
				/* Mostly learn; now and then strict or off, or a
				 * smaller subnet, or the gateway on .5. */
				enum guard_mode mode =
					rnd(4) ? GUARD_LEARN : (enum guard_mode)rnd(3);
				uint32_t gw = rnd(4) ? RM_BASE | 1 : RM_BASE | 5;
				uint32_t mask = rnd(5) ? 0xfffffe00u : 0xffffff00u;

				rm_configure(mode, gw, RM_BASE, mask);
				guard_configure(&g, mode, gw, RM_BASE, mask);
			} else if (rnd(100) == 0) {
				k.len = 0;
				guard_show(&g, now, &out);
				guard_show_conflicts(&g, now, &out);
			}
			break;
		}
		rm_compare();
	}
	print_message(
		"      %u passes, %u conflicts reported; learned %llu, taken %llu, port %llu, "
		"unbound %llu, source %llu, gateway %llu, refused full %llu\n",
		passes, confl, (unsigned long long)g.stats.learned,
		(unsigned long long)g.stats.drop_taken, (unsigned long long)g.stats.drop_port,
		(unsigned long long)g.stats.drop_unbound, (unsigned long long)g.stats.drop_source,
		(unsigned long long)g.stats.drop_gateway, (unsigned long long)g.stats.refused_full);
	assert_true(g.stats.learned > 0 && g.stats.drop_taken > 0 && g.stats.drop_port > 0);
	assert_true(g.stats.drop_unbound > 0 && g.stats.drop_source > 0 &&
		    g.stats.drop_gateway > 0 && g.stats.refused_full > 0 && confl > 0);
}

static void test_random_model(void **state)
{
	(void)state;
	rm_run(GUARD_CAPACITY_DEFAULT, false, 250000);
}

/* The same with the table resized now and then, often small and full. */
static void test_random_resize(void **state)
{
	(void)state;
	rm_run(16, true, 100000);
	print_message("      %u resizes, %u refused\n", rm_moved, rm_kept);
	assert_true(rm_moved > 100 && rm_kept > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_dhcp_over_learned),
		cmocka_unit_test(test_reservation),
		cmocka_unit_test(test_clone_reports),
		cmocka_unit_test(test_conflict_records),
		cmocka_unit_test(test_mac_two_ports),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_configure),
		cmocka_unit_test(test_unbind),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_show_conflicts),
		cmocka_unit_test(test_unbind_port),
		cmocka_unit_test(test_time_wrap),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_zero_capacity),
		cmocka_unit_test(test_mac_moves),
		cmocka_unit_test(test_show_order),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_large),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_random_resize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
