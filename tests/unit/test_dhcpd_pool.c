/*
 * Unit tests for the DHCP server's lease table at the size of a /16 pool
 * (net/dhcp/dhcpd_pool.c and dhcpd_index.c): 65,520 clients get the pool's
 * addresses in ascending order, and the next none; at exhaustion a
 * released address goes to a new client; once leases expire, new clients
 * get the longest expired (declined ones, nobody's, first) while a
 * returning client gets its own; names resolve in the full table and stop
 * when their record goes; live range changes into a new table, shrinking
 * and growing, and in place, keep what stays valid; the per-port count
 * with thousands of records on other ports; and a random run against a
 * small reference model of RFC 2131 §4.3.1's choice. The tests of the /16
 * server run in order, each going on from the state the one before left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"
#include "net/dhcp/dhcpd_index.h"

#define GW	  0x0a0a0001u /* 10.10.0.1/16 */
#define NET(n)	  (0x0a0a0000u | (n))
#define START	  NET(10)	/* 10.10.0.10 */
#define END	  NET(0xfffa)	/* 10.10.255.250 */
#define INSIDE	  NET(20)	/* reserved inside the range */
#define OUTSIDE	  NET(5)	/* reserved outside it */
#define POOL	  (END - START) /* range addresses less the reserved one */
#define T0	  1000u
#define LEASE	  3600u
#define SEED	  0x5eed5eedu
#define NEWCOMER  0x800000u  /* clients from here on are new to the server */
#define RESERVED  0x1000000u /* client RESERVED + i: the host of reservation i */
#define NO_PORT	  DHCPD_PORT_ANY
#define FILL_STEP 1024 /* clients bound per second while filling */

static struct dhcpd d;
static void *block;
static struct dhcpd_config cfg;
static uint32_t addr_of[POOL]; /* client i's address after the fill */
static uint32_t newcomer = NEWCOMER;

/* What a message got back. */
struct res {
	int len;
	struct dhcp_msg m;
	uint8_t buf[1500];
};

/* Client (n)'s MAC: 02:00:nn:nn:nn:01. */
static void mac_of(uint8_t mac[6], uint32_t n)
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = (uint8_t)(n >> 16);
	mac[3] = (uint8_t)(n >> 8);
	mac[4] = (uint8_t)n;
	mac[5] = 1;
}

/* An address option's six bytes, the address in network order. */
#define OPT_IP(code, v)                                                                            \
	(const uint8_t[6])                                                                         \
	{                                                                                          \
		(code), 4, (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8),        \
			(uint8_t)(v)                                                               \
	}

/* A message described by the test. */
struct req {
	uint8_t type;
	uint32_t client;
	uint8_t port; /* NO_PORT: dhcpd_input() */
	uint32_t ciaddr, requested, server_id;
	const char *name;
};

/* Sends (*q) to (*srv) at (now); returns what came back. Each message is
 * counted once: a reply or a named drop. */
static struct res send_to(struct dhcpd *srv, const struct req *q, uint32_t now)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	struct dhcpd_src src = {{0}, q->port};
	struct dhcpd_dest dest;
	uint8_t b[DHCP_MIN_LEN + 80];
	size_t at = DHCP_OFF_OPTIONS;
	uint64_t in = srv->stats.in;
	struct res r;

	memset(b, 0, sizeof(b));
	b[0] = DHCP_BOOTREQUEST;
	b[1] = DHCP_HTYPE_ETHER;
	b[2] = 6;
	b[7] = (uint8_t)q->client;
	for (int i = 0; i < 4; i++)
		b[12 + i] = (uint8_t)(q->ciaddr >> (24 - 8 * i));
	if (q->client >= RESERVED) /* a reservation's host, by its MAC */
		memcpy(b + 28, cfg.host[q->client - RESERVED].mac, 6);
	else
		mac_of(b + 28, q->client);
	memcpy(b + DHCP_FIXED_LEN, cookie, 4);
	memcpy(b + at, (const uint8_t[3]){DHCP_OPT_MSG_TYPE, 1, q->type}, 3);
	at += 3;
	if (q->requested != 0) {
		memcpy(b + at, OPT_IP(DHCP_OPT_REQUESTED_IP, q->requested), 6);
		at += 6;
	}
	if (q->server_id != 0) {
		memcpy(b + at, OPT_IP(DHCP_OPT_SERVER_ID, q->server_id), 6);
		at += 6;
	}
	if (q->name != NULL) {
		b[at++] = DHCP_OPT_HOST_NAME;
		b[at++] = (uint8_t)strlen(q->name);
		at += (size_t)snprintf((char *)b + at, sizeof(b) - at, "%s", q->name);
	}
	b[at] = DHCP_OPT_END;
	memcpy(src.mac, b + 28, 6);
	memset(&r, 0, sizeof(r));
	r.len = dhcpd_input_from(srv, b, sizeof(b), q->port == NO_PORT ? NULL : &src, now, r.buf,
				 sizeof(r.buf), &dest);
	assert_true(r.len >= 0);
	assert_int_equal(srv->stats.in, in + 1);
	if (r.len > 0)
		assert_int_equal(dhcp_msg_parse(r.buf, (size_t)r.len, &r.m), 0);
	return r;
}

static struct res send_msg(const struct req *q, uint32_t now)
{
	return send_to(&d, q, now);
}

/* DISCOVER from (client): the address offered, or 0. */
static uint32_t discover(struct dhcpd *srv, uint32_t client, uint8_t port, uint32_t now)
{
	struct req q = {DHCP_DISCOVER, client, port, 0, 0, 0, NULL};
	struct res r = send_to(srv, &q, now);

	if (r.len == 0)
		return 0;
	assert_int_equal(r.m.type, DHCP_OFFER);
	return r.m.yiaddr;
}

/* DISCOVER, then the SELECTING REQUEST: the address bound, or 0. */
static uint32_t dora(struct dhcpd *srv, uint32_t client, uint8_t port, uint32_t now)
{
	uint32_t ip = discover(srv, client, port, now);
	struct req q = {DHCP_REQUEST, client, port, 0, ip, GW, NULL};
	struct res r;

	if (ip == 0)
		return 0;
	r = send_to(srv, &q, now);
	assert_int_equal(r.m.type, DHCP_ACK);
	assert_int_equal(r.m.yiaddr, ip);
	return ip;
}

/* A RENEWING REQUEST of (client) for (ip), with option 12 (name) if not
 * NULL: the reply's type, 0 for none. */
static int renew(uint32_t client, uint32_t ip, const char *name, uint32_t now)
{
	struct req q = {DHCP_REQUEST, client, NO_PORT, ip, 0, 0, name};
	struct res r = send_msg(&q, now);

	return r.len > 0 ? r.m.type : 0;
}

/* A /16 configuration with range [START, (end)] and the two reservations. */
static void config16(struct dhcpd_config *c, uint32_t end)
{
	static const struct dhcpd_config base = {
		.server = GW,
		.prefix = 16,
		.router = true,
		.dns = GW,
		.domain = "lan",
		.range_start = START,
		.lease_s = LEASE,
		.nhosts = 2,
		.host = {{"inside", {0x00, 0x0c, 0x29, 0x00, 0x00, 0x01}, INSIDE},
			 {"outside", {0x00, 0x0c, 0x29, 0x00, 0x00, 0x02}, OUTSIDE}},
	};

	*c = base;
	c->range_end = end;
}

/* Moves (*srv), whose table is (*blk), to a table sized for (*c). */
static void move_to(struct dhcpd *srv, void **blk, const struct dhcpd_config *c)
{
	uint32_t cap = dhcpd_capacity(c);
	void *t = calloc(1, dhcpd_table_size(cap));

	assert_non_null(t);
	assert_int_equal(dhcpd_configure_table(srv, c, t, cap, NULL), 0);
	assert_int_equal(srv->capacity, cap);
	free(*blk);
	*blk = t;
}

/* Records in (d)'s table. */
static uint32_t records(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < d.capacity; i++)
		n += d.lease[i].ip != 0;
	return n;
}

static void test_sizes(void **state)
{
	struct dhcpd_config c;
	const char *why = NULL;

	(void)state;
	config16(&c, END);
	assert_int_equal(dhcpd_capacity(&c), POOL + 2);
	assert_int_equal(dhcpd_capacity(NULL), 1);
	/* About 144 bytes a record: 120 of record, the rest indexes. */
	assert_true(dhcpd_table_size(DHCPD_LEASES_MAX) < (size_t)DHCPD_LEASES_MAX * 150);
	assert_int_equal(dhcpd_config_check(&c, POOL + 2, NULL), 0);
	assert_int_equal(dhcpd_config_check(&c, POOL + 1, &why), -ENOSPC);
	/* A /15's range is more than one server leases, whatever its table. */
	c.prefix = 15;
	c.range_end = 0x0a0b0100u;
	assert_int_equal(dhcpd_config_check(&c, DHCPD_LEASES_MAX, &why), -ENOSPC);
	assert_non_null(strstr(why, "65536"));
	assert_int_equal(dhcpd_capacity(&c), DHCPD_LEASES_MAX + 1);
}

/* 65,520 clients each DISCOVER and REQUEST: addresses in ascending order,
 * past the reserved one; then the pool is empty. */
static void test_fill(void **state)
{
	uint32_t want = START;

	(void)state;
	config16(&cfg, END);
	block = calloc(1, dhcpd_table_size(dhcpd_capacity(&cfg)));
	assert_non_null(block);
	assert_int_equal(dhcpd_init(&d, block, dhcpd_capacity(&cfg), SEED), 0);
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	for (uint32_t i = 0; i < POOL; i++) {
		if (want == INSIDE)
			want++;
		addr_of[i] = dora(&d, i, NO_PORT, T0 + i / FILL_STEP);
		assert_int_equal(addr_of[i], want);
		want++;
		if (i % 16384 == 0)
			assert_int_equal(dhcpd_check(&d, T0 + i / FILL_STEP), 0);
	}
	assert_int_equal(want, END + 1);
	assert_int_equal(d.stats.drop_pool_empty, 0);
	assert_int_equal(discover(&d, newcomer++, NO_PORT, T0 + 70), 0);
	assert_int_equal(d.stats.drop_pool_empty, 1);
	/* The reservations still go to their hosts. */
	assert_int_equal(dora(&d, RESERVED, NO_PORT, T0 + 70), INSIDE);
	assert_int_equal(dora(&d, RESERVED + 1, NO_PORT, T0 + 70), OUTSIDE);
	assert_int_equal(records(), POOL + 2);
	assert_int_equal(dhcpd_check(&d, T0 + 70), 0);
}

/* At exhaustion, RELEASE frees an address for the next new client
 * (RFC 2131 §4.3.4: the record stays, so it is the last choice but the
 * only one left); its old client then finds the pool empty. */
static void test_release_exhausted(void **state)
{
	uint32_t now = T0 + 100, r = 30000;
	struct req q = {DHCP_RELEASE, r, NO_PORT, addr_of[r], 0, GW, NULL};

	(void)state;
	assert_int_equal(send_msg(&q, now).len, 0);
	assert_int_equal(d.stats.released, 1);
	assert_int_equal(dora(&d, newcomer++, NO_PORT, now), addr_of[r]);
	assert_int_equal(discover(&d, r, NO_PORT, now + 1), 0);
	assert_int_equal(d.stats.drop_pool_empty, 2);
	assert_int_equal(dhcpd_check(&d, now + 1), 0);
}

/* Clients bound in the first ten seconds have expired: new clients get
 * the longest expired, lowest first among equals; a returning one its own;
 * an address declined and no longer set aside goes first of all. */
static void test_expired(void **state)
{
	uint32_t now = T0 + LEASE + 10, later = now + DHCPD_DECLINE_HOLD + 1;
	struct req q = {DHCP_DECLINE, 60000, NO_PORT, 0, addr_of[60000], GW, NULL};

	(void)state;
	assert_int_equal(dora(&d, newcomer++, NO_PORT, now), addr_of[0]);
	assert_int_equal(dora(&d, 100, NO_PORT, now), addr_of[100]);
	assert_int_equal(dora(&d, newcomer++, NO_PORT, now), addr_of[1]);
	assert_int_equal(send_msg(&q, now).len, 0);
	assert_int_equal(d.stats.declined, 1);
	/* Set aside while held: the next expired one goes instead. */
	assert_int_equal(dora(&d, newcomer++, NO_PORT, now), addr_of[2]);
	assert_int_equal(dora(&d, newcomer++, NO_PORT, later), addr_of[60000]);
	assert_int_equal(dora(&d, newcomer++, NO_PORT, later), addr_of[3]);
	/* A client that comes back after others took theirs still gets its own. */
	assert_int_equal(dora(&d, 5000, NO_PORT, later), addr_of[5000]);
	assert_int_equal(dhcpd_check(&d, later), 0);
}

/* A name given in a full table resolves, both ways; another client may not
 * take it while it is bound; it stops at the lease's end. */
static void test_names(void **state)
{
	uint32_t now = T0 + LEASE + 700, ip = 0;
	char name[DHCPD_NAME_MAX];

	(void)state;
	assert_int_equal(renew(40000, addr_of[40000], "Guest-40000", now), DHCP_ACK);
	assert_int_equal(dhcpd_lookup_name(&d, "guest-40000.lan", now, &ip), 0);
	assert_int_equal(ip, addr_of[40000]);
	assert_int_equal(dhcpd_lookup_addr(&d, ip, now, name, sizeof(name)), 0);
	assert_string_equal(name, "guest-40000");
	assert_int_equal(renew(40001, addr_of[40001], "guest-40000", now), DHCP_ACK);
	assert_int_equal(d.stats.name_conflict, 1);
	assert_int_equal(dhcpd_lookup_name(&d, "guest-40000", now + LEASE, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, "guest-40001", now, &ip), -ENOENT);
	assert_int_equal(dhcpd_check(&d, now), 0);
}

/* The range shrinks into a new table: the records inside it stay (with
 * their clients' leases), the rest go, names with them; it grows again:
 * the kept records stay where they are, and the lowest never-used address
 * is the first past the small range. */
static void test_range_change(void **state)
{
	uint32_t now = T0 + LEASE + 800, small = NET(0x3ff), ip;
	struct dhcpd_lease_info e;
	uint32_t pos = 0, listed = 0;

	(void)state;
	assert_int_equal(dhcpd_lookup_name(&d, "guest-40000", now, &ip), 0);
	config16(&cfg, small);
	move_to(&d, &block, &cfg);
	assert_int_equal(dhcpd_check(&d, now), 0);
	/* Every address of 10.10.0.10 .. 10.10.3.255 had a record, and the
	 * reservation outside the range keeps its own. */
	assert_int_equal(records(), small - START + 1 + 1);
	assert_int_equal(dhcpd_lookup_name(&d, "guest-40000", now, &ip), -ENOENT);
	assert_int_equal(renew(100, addr_of[100], NULL, now), DHCP_ACK);
	assert_int_equal(renew(5000, addr_of[5000], NULL, now), DHCP_NAK);
	assert_int_equal(d.stats.nak_not_pool, 1);
	while (dhcpd_lease_next(&d, &pos, now, &e) == 0) {
		assert_true(e.ip <= small || e.ip == OUTSIDE);
		listed++;
	}
	assert_true(listed > 0);
	/* Grown back to the whole /16. */
	config16(&cfg, END);
	move_to(&d, &block, &cfg);
	assert_int_equal(dhcpd_check(&d, now), 0);
	assert_int_equal(renew(100, addr_of[100], NULL, now + 1), DHCP_ACK);
	assert_int_equal(dora(&d, newcomer++, NO_PORT, now + 1), small + 1);
	assert_int_equal(dhcpd_check(&d, now + 1), 0);
}

/* The range moves by one address, same size: in place, each record moves
 * to its new place. */
static void test_range_shift(void **state)
{
	uint32_t now = T0 + LEASE + 900, n;

	(void)state;
	cfg.range_start = START + 1;
	cfg.range_end = END + 1;
	assert_int_equal(dhcpd_capacity(&cfg), d.capacity);
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	assert_int_equal(dhcpd_check(&d, now), 0);
	assert_int_equal(renew(100, addr_of[100], NULL, now), DHCP_ACK);
	/* 10.10.0.10 left the range; its client's record went with it. */
	assert_int_equal(dhcpd_lookup_addr(&d, START, now, (char[8]){0}, 8), -ENOENT);
	n = records();
	assert_int_equal(dhcpd_clear(&d), n);
	assert_int_equal(records(), 0);
	assert_int_equal(dhcpd_check(&d, now), 0);
	free(block);
	block = NULL;
}

/* The clients of port (p) that hold a live pool address, counted the slow
 * way. */
static uint32_t held_slow(const struct dhcpd *srv, uint8_t p, uint32_t now)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < srv->capacity; i++) {
		const struct dhcpd_lease *l = &srv->lease[i];

		n += l->ip != 0 && l->port == p && l->ip != INSIDE && l->ip != OUTSIDE &&
		     (l->state == DHCPD_OFFERED || l->state == DHCPD_BOUND) &&
		     dhcpd_before(now, l->until);
	}
	return n;
}

/* Thousands of records on 200 other ports: port 0's count is its own. */
static void test_port_quota(void **state)
{
	struct dhcpd srv;
	struct dhcpd_config c;
	void *blk;
	uint32_t n = 0;

	(void)state;
	config16(&c, END);
	c.port_leases = 32;
	blk = calloc(1, dhcpd_table_size(dhcpd_capacity(&c)));
	assert_non_null(blk);
	assert_int_equal(dhcpd_init(&srv, blk, dhcpd_capacity(&c), SEED), 0);
	assert_int_equal(dhcpd_configure(&srv, &c, NULL), 0);
	for (uint8_t p = 1; p <= 200; p++)
		for (int k = 0; k < 32; k++, n++)
			assert_int_not_equal(dora(&srv, n, p, T0), 0);
	assert_int_equal(dhcpd_check(&srv, T0), 0);
	/* Offers only, on port 0: 32, then no more. */
	for (int k = 0; k < 32; k++)
		assert_int_not_equal(discover(&srv, n++, 0, T0 + 1), 0);
	assert_int_equal(discover(&srv, n++, 0, T0 + 2), 0);
	assert_int_equal(srv.stats.drop_port_limit, 1);
	for (int p = 0; p <= 201; p += 67)
		assert_int_equal(dhcpd_index_held(&srv, (uint8_t)p),
				 held_slow(&srv, (uint8_t)p, T0 + 2));
	/* The offers lapse: room again; the other ports still full. */
	assert_int_not_equal(discover(&srv, n++, 0, T0 + 1 + DHCPD_OFFER_HOLD), 0);
	assert_int_equal(dhcpd_index_held(&srv, 0), 1);
	assert_int_equal(discover(&srv, n++, 7, T0 + 62), 0);
	assert_int_equal(srv.stats.drop_port_limit, 2);
	/* Port 7 forgotten: its clients count no more there. */
	dhcpd_forget_port(&srv, 7);
	assert_int_equal(dhcpd_index_held(&srv, 7), 0);
	assert_int_not_equal(discover(&srv, n++, 7, T0 + 63), 0);
	assert_int_equal(dhcpd_check(&srv, T0 + 63), 0);
	/* Every lease ends: every count comes down with no message but one. */
	assert_int_not_equal(discover(&srv, n++, 9, T0 + LEASE), 0);
	for (uint8_t p = 0; p < 201; p++)
		assert_int_equal(dhcpd_index_held(&srv, p), held_slow(&srv, p, T0 + LEASE));
	assert_int_equal(dhcpd_index_held(&srv, 9), 1);
	assert_int_equal(dhcpd_check(&srv, T0 + LEASE), 0);
	free(blk);
}

/* ---- the reference model --------------------------------------------- */

#define M_CLIENTS 8000
#define M_RANGE	  4096 /* range addresses at most */
#define M_LEASE	  600u

/* One address of the model: who has a claim on it, in which state. */
struct mrec {
	bool present;
	uint32_t owner; /* client + 1; 0 for nobody (declined) */
	uint8_t state;
	uint32_t until;
};

static struct mrec mod[M_RANGE];
static uint32_t mod_of[M_CLIENTS]; /* the client's address offset + 1, or 0 */
static uint32_t mod_n;		   /* range addresses now */

static uint32_t test_rand(void)
{
	return (uint32_t)rand();
}

static uint8_t mod_state(const struct mrec *r, uint32_t now)
{
	if (!r->present)
		return DHCPD_FREE;
	if (r->state == DHCPD_DECLINED)
		return dhcpd_before(now, r->until) ? DHCPD_DECLINED : DHCPD_FREE;
	if (r->state == DHCPD_OFFERED || r->state == DHCPD_BOUND)
		return dhcpd_before(now, r->until) ? r->state : DHCPD_EXPIRED;
	return r->state;
}

/* RFC 2131 §4.3.1 as documented: never used first, lowest first; then
 * nobody's before anybody's, the longest expired, the lowest of equals. */
static int32_t mod_pick(uint32_t now)
{
	int32_t best = -1;

	for (uint32_t o = 0; o < mod_n; o++)
		if (!mod[o].present && START + o != INSIDE)
			return (int32_t)o;
	for (uint32_t o = 0; o < mod_n; o++) {
		const struct mrec *r = &mod[o];
		uint8_t st = mod_state(r, now);

		if (START + o == INSIDE || (st != DHCPD_FREE && st != DHCPD_EXPIRED))
			continue;
		if (best < 0 || (mod[best].owner != 0 && r->owner == 0) ||
		    ((mod[best].owner != 0) == (r->owner != 0) &&
		     dhcpd_before(r->until, mod[best].until)))
			best = (int32_t)o;
	}
	return best;
}

static void mod_discover(uint32_t c, uint32_t now)
{
	uint32_t got = discover(&d, c, NO_PORT, now);
	int32_t o = mod_of[c] != 0 ? (int32_t)mod_of[c] - 1 : mod_pick(now);
	struct mrec *r;

	if (o < 0) {
		assert_int_equal(got, 0);
		return;
	}
	assert_int_equal(got, START + (uint32_t)o);
	r = &mod[o];
	if (r->owner != 0 && r->owner != c + 1)
		mod_of[r->owner - 1] = 0;
	r->present = true;
	r->owner = c + 1;
	mod_of[c] = (uint32_t)o + 1;
	if (mod_state(r, now) != DHCPD_BOUND) {
		r->state = DHCPD_OFFERED;
		r->until = now + DHCPD_OFFER_HOLD;
	}
}

/* SELECTING for the client's own address: ACK if its record holds it. */
static void mod_request(uint32_t c, uint32_t now)
{
	uint32_t o = mod_of[c] != 0 ? mod_of[c] - 1 : test_rand() % mod_n;
	struct req q = {DHCP_REQUEST, c, NO_PORT, 0, START + o, GW, NULL};
	struct res r = send_msg(&q, now);

	if (mod_of[c] == 0 || START + o == INSIDE) {
		assert_int_equal(r.m.type, DHCP_NAK);
		return;
	}
	assert_int_equal(r.m.type, DHCP_ACK);
	mod[o].state = DHCPD_BOUND;
	mod[o].until = now + M_LEASE;
}

static void mod_release(uint32_t c, uint32_t now)
{
	uint32_t o = mod_of[c] - 1;
	struct req q = {DHCP_RELEASE, c, NO_PORT, START + o, 0, GW, NULL};
	bool bound = mod_of[c] != 0 && mod_state(&mod[o], now) == DHCPD_BOUND;

	if (mod_of[c] == 0)
		q.ciaddr = START;
	assert_int_equal(send_msg(&q, now).len, 0);
	if (bound) {
		mod[o].state = DHCPD_EXPIRED;
		mod[o].until = now;
	}
}

static void mod_decline(uint32_t c, uint32_t now)
{
	uint32_t o = mod_of[c] - 1;
	struct req q = {DHCP_DECLINE, c, NO_PORT, 0, START + o, GW, NULL};
	uint8_t st = mod_of[c] != 0 ? mod_state(&mod[o], now) : DHCPD_FREE;

	if (mod_of[c] == 0)
		q.requested = START;
	assert_int_equal(send_msg(&q, now).len, 0);
	if (st == DHCPD_OFFERED || st == DHCPD_BOUND) {
		mod[o].owner = 0;
		mod[o].state = DHCPD_DECLINED;
		mod[o].until = now + DHCPD_DECLINE_HOLD;
		mod_of[c] = 0;
	}
}

/* The range changes to (n) addresses, in a table of its size: the records
 * past it go. */
static void mod_resize(uint32_t n)
{
	for (uint32_t o = n; o < mod_n; o++) {
		if (mod[o].owner != 0)
			mod_of[mod[o].owner - 1] = 0;
		memset(&mod[o], 0, sizeof(mod[o]));
	}
	mod_n = n;
	config16(&cfg, START + n - 1);
	cfg.lease_s = M_LEASE;
	move_to(&d, &block, &cfg);
}

/* The server's table, address by address, against the model's. */
static void mod_compare(uint32_t now)
{
	for (uint32_t o = 0; o < mod_n; o++) {
		const struct dhcpd_lease *l = &d.lease[o];
		const struct mrec *r = &mod[o];
		uint8_t mac[6];

		assert_int_equal(l->ip != 0, r->present);
		if (!r->present)
			continue;
		assert_int_equal(l->state, r->state);
		assert_int_equal(l->until, r->until);
		if (r->owner != 0) {
			mac_of(mac, r->owner - 1);
			assert_memory_equal(l->mac, mac, 6);
		}
	}
	assert_int_equal(dhcpd_check(&d, now), 0);
}

/* More clients than addresses, at random, while time passes and the range
 * grows and shrinks: every offer is the model's choice. */
static void test_model(void **state)
{
	uint32_t now = T0;

	(void)state;
	srand(2131);
	mod_n = 3000;
	config16(&cfg, START + mod_n - 1);
	cfg.lease_s = M_LEASE;
	block = calloc(1, dhcpd_table_size(dhcpd_capacity(&cfg)));
	assert_non_null(block);
	assert_int_equal(dhcpd_init(&d, block, dhcpd_capacity(&cfg), SEED + 1), 0);
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	for (int i = 0; i < 120000; i++) {
		uint32_t c = test_rand() % M_CLIENTS, k = test_rand() % 100;

		if (k < 45) {
			mod_discover(c, now);
			if (k < 35) /* most clients take their offer */
				mod_request(c, now);
		} else if (k < 85)
			mod_request(c, now);
		else if (k < 96)
			mod_release(c, now);
		else
			mod_decline(c, now);
		/* Time runs slow (leases outlive clients' turns: the pool
		 * fills up) and fast (they lapse: expired ones are reused). */
		now += test_rand() % ((i / 30000) % 2 ? 3 : 50) == 0 ? 1 : 0;
		if (i % 4000 == 3999)
			mod_compare(now);
		if (i % 30000 == 29999)
			mod_resize(1000 + test_rand() % (M_RANGE - 1000));
	}
	mod_compare(now);
	print_message("offer %llu ack %llu nak %llu pool empty %llu declined %llu\n",
		      (unsigned long long)d.stats.offer, (unsigned long long)d.stats.ack,
		      (unsigned long long)d.stats.nak, (unsigned long long)d.stats.drop_pool_empty,
		      (unsigned long long)d.stats.declined);
	assert_true(d.stats.drop_pool_empty > 100 && d.stats.declined > 100);
	free(block);
	block = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_release_exhausted),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_range_change),
		cmocka_unit_test(test_range_shift),
		cmocka_unit_test(test_port_quota),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
