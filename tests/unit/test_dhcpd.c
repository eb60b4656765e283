/*
 * Unit tests for net/dhcp/dhcpd.c and net/dhcp/dhcpd_pool.c: configuration checks;
 * DISCOVER and the address choice; REQUEST in the SELECTING, INIT-REBOOT,
 * RENEWING and REBINDING states with their ACK, NAK or silence; RELEASE,
 * DECLINE and INFORM; reservations; an exhausted pool where bound clients
 * still renew; offers not given twice; client identifier against chaddr;
 * where replies go (broadcast flag, ciaddr, relays); names for the DNS
 * forwarder; reconfiguration that keeps leases; the printers; and a
 * randomized run of many clients checking the table's invariants and that
 * every message is counted exactly once.
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

#include "tests/unit/sink.h"
#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"

#define GW	   0xc0a86302u /* 192.168.99.2 */
#define IP(n)	   (0xc0a86300u | (n))
#define T0	   1000u
#define LEASE	   1800u
#define WEB1	   IP(10)  /* reserved outside the range */
#define DB	   IP(130) /* reserved inside the range */
#define TABLE_SIZE 64

#define SEED 0x5eedu
/* The lease table and its indexes: dhcpd_table_size() bytes, checked in setup. */
static uint64_t table[(TABLE_SIZE * 160 + 2048) / 8];
static struct dhcpd_config cfg;

static const uint8_t WEB1_MAC[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
static const uint8_t DB_MAC[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xdd};

/* A client's message, as the test describes it. */
struct req {
	uint8_t type;
	uint8_t mac[6];
	const char *clid; /* option 61 bytes, (clid_len) of them */
	size_t clid_len;
	uint32_t ciaddr, giaddr, requested, server_id;
	uint16_t flags;
	const char *name;
	size_t name_len;     /* 0: strlen(name) */
	uint8_t htype, hlen; /* 0: Ethernet, 6 */
	bool want_bcast;     /* parameter request list with option 28 */
	uint32_t xid;
};

/* What came back. */
struct res {
	int len;
	uint8_t buf[1500];
	struct dhcp_msg m;
	struct dhcpd_dest dest;
};

static void base_config(struct dhcpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->server = GW;
	c->prefix = 24;
	c->router = true;
	c->dns = GW;
	strcpy(c->domain, "lan");
	c->range_start = IP(128);
	c->range_end = IP(135);
	c->lease_s = LEASE;
	c->nhosts = 2;
	strcpy(c->host[0].name, "web1");
	memcpy(c->host[0].mac, WEB1_MAC, 6);
	c->host[0].ip = WEB1;
	strcpy(c->host[1].name, "db");
	memcpy(c->host[1].mac, DB_MAC, 6);
	c->host[1].ip = DB;
}

static void setup(struct dhcpd *d)
{
	assert_true(dhcpd_table_size(TABLE_SIZE) <= sizeof(table));
	assert_int_equal(dhcpd_init(d, table, TABLE_SIZE, SEED), 0);
	base_config(&cfg);
	assert_int_equal(dhcpd_configure(d, &cfg, NULL), 0);
}

/* Client (n): MAC 02:00:00:00:00:n, no client identifier. */
static struct req client(uint8_t type, uint8_t n)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.mac[0] = 0x02;
	r.mac[5] = n;
	r.xid = 0x1000u + n;
	return r;
}

static struct req host(uint8_t type, const uint8_t mac[6])
{
	struct req r = client(type, 0);

	memcpy(r.mac, mac, 6);
	return r;
}

static void put(uint8_t *b, size_t *at, uint8_t code, const void *data, size_t len)
{
	b[(*at)++] = code;
	b[(*at)++] = (uint8_t)len;
	memcpy(b + *at, data, len);
	*at += len;
}

static void put32(uint8_t *b, size_t *at, uint8_t code, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	put(b, at, code, x, 4);
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t build(const struct req *r, uint8_t *b)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	uint8_t prl[] = {1, 3, 6, 15, 12, 28};
	size_t at = DHCP_OFF_OPTIONS;

	memset(b, 0, 1500);
	b[0] = DHCP_BOOTREQUEST;
	b[1] = r->htype ? r->htype : DHCP_HTYPE_ETHER;
	b[2] = r->htype ? r->hlen : 6;
	set32(b + 4, r->xid);
	b[10] = (uint8_t)(r->flags >> 8);
	set32(b + 12, r->ciaddr);
	set32(b + 24, r->giaddr);
	memcpy(b + 28, r->mac, 6);
	memcpy(b + DHCP_FIXED_LEN, cookie, 4);
	if (r->type != 0)
		put(b, &at, DHCP_OPT_MSG_TYPE, &r->type, 1);
	if (r->clid)
		put(b, &at, DHCP_OPT_CLIENT_ID, r->clid, r->clid_len);
	if (r->requested)
		put32(b, &at, DHCP_OPT_REQUESTED_IP, r->requested);
	if (r->server_id)
		put32(b, &at, DHCP_OPT_SERVER_ID, r->server_id);
	if (r->name)
		put(b, &at, DHCP_OPT_HOST_NAME, r->name,
		    r->name_len ? r->name_len : strlen(r->name));
	put(b, &at, DHCP_OPT_PARAM_LIST, prl, r->want_bcast ? sizeof(prl) : sizeof(prl) - 1);
	b[at++] = DHCP_OPT_END;
	return at < 300 ? 300 : at;
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

/* Feeds raw bytes; checks the accounting and the table after. */
static int feed(struct dhcpd *d, const uint8_t *b, size_t n, uint32_t now, struct res *out,
		size_t cap)
{
	memset(out, 0, sizeof(*out));
	out->len = dhcpd_input(d, b, n, now, out->buf, cap, &out->dest);
	assert_true(out->len >= 0);
	assert_int_equal(outcomes(&d->stats), d->stats.in);
	assert_int_equal(dhcpd_check(d, now), 0);
	if (out->len > 0) {
		assert_true(out->len >= DHCP_MIN_LEN && (size_t)out->len <= cap);
		assert_int_equal(dhcp_msg_parse(out->buf, (size_t)out->len, &out->m), 0);
		assert_int_equal(out->m.op, DHCP_BOOTREPLY);
		assert_true(out->m.has_server_id);
		assert_int_equal(out->m.server_id, GW);
	}
	return out->len;
}

static struct res run(struct dhcpd *d, const struct req *r, uint32_t now)
{
	uint8_t b[1500];
	struct res out;
	size_t n = build(r, b);

	feed(d, b, n, now, &out, sizeof(out.buf));
	if (out.len > 0) {
		assert_int_equal(out.m.xid, r->xid);
		assert_memory_equal(out.m.chaddr, r->mac, 6);
	}
	return out;
}

/* Option (code) of a reply: its length, or -1 if absent. */
static int opt(const struct res *r, uint8_t code, const uint8_t **p)
{
	int i = DHCP_OFF_OPTIONS;

	while (i < r->len && r->buf[i] != DHCP_OPT_END) {
		if (r->buf[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (r->buf[i] == code) {
			*p = r->buf + i + 2;
			return r->buf[i + 1];
		}
		i += 2 + r->buf[i + 1];
	}
	return -1;
}

static uint32_t opt32(const struct res *r, uint8_t code)
{
	const uint8_t *p;

	assert_int_equal(opt(r, code, &p), 4);
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool has(const struct res *r, uint8_t code)
{
	const uint8_t *p;

	return opt(r, code, &p) >= 0;
}

/* DISCOVER then REQUEST for (r)'s client; returns the address bound. */
static uint32_t dora(struct dhcpd *d, struct req r, uint32_t now)
{
	struct res o, a;

	r.type = DHCP_DISCOVER;
	o = run(d, &r, now);
	assert_int_equal(o.m.type, DHCP_OFFER);
	r.type = DHCP_REQUEST;
	r.server_id = GW;
	r.requested = o.m.yiaddr;
	a = run(d, &r, now);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, o.m.yiaddr);
	return a.m.yiaddr;
}

static void test_config_check(void **state)
{
	struct dhcpd_config c;
	struct dhcpd d;
	const char *why = NULL;

	(void)state;
	assert_int_equal(dhcpd_init(&d, table, 0, SEED), -EINVAL);
	assert_int_equal(dhcpd_init(&d, table, DHCPD_LEASES_MAX + 1, SEED), -EINVAL);
	base_config(&c);
	assert_int_equal(dhcpd_config_check(&c, TABLE_SIZE, &why), 0);

#define BAD(stmt, err_)                                                                            \
	do {                                                                                       \
		base_config(&c);                                                                   \
		stmt;                                                                              \
		why = NULL;                                                                        \
		assert_int_equal(dhcpd_config_check(&c, TABLE_SIZE, &why), err_);                  \
		assert_non_null(why);                                                              \
	} while (0)
	BAD(c.prefix = 31, -EINVAL);
	BAD(c.prefix = 7, -EINVAL);
	BAD(c.server = IP(0), -EINVAL);
	BAD(c.server = IP(255), -EINVAL);
	BAD(c.range_start = IP(136), -EINVAL);
	BAD(c.range_start = IP(0), -EINVAL);
	BAD(c.range_end = IP(255), -EINVAL);
	BAD(c.range_end = 0xc0a86480u, -EINVAL);
	BAD(c.range_start = IP(1), -EINVAL); /* includes the gateway */
	BAD(c.lease_s = DHCPD_LEASE_MIN - 1, -EINVAL);
	BAD(c.lease_s = DHCPD_LEASE_MAX + 1, -EINVAL);
	BAD(strcpy(c.domain, "bad_domain"), -EINVAL);
	BAD(strcpy(c.domain, "lan."), -EINVAL);
	BAD(strcpy(c.domain, ".lan"), -EINVAL);
	BAD(memset(c.domain, 'a', sizeof(c.domain)), -EINVAL);
	BAD(strcpy(c.host[1].name, "WEB1"), -EINVAL);
	BAD(strcpy(c.host[1].name, "-db"), -EINVAL);
	BAD(strcpy(c.host[1].name, ""), -EINVAL);
	BAD(strcpy(c.host[1].name, "db.lan"), -EINVAL);
	BAD(memcpy(c.host[1].mac, WEB1_MAC, 6), -EINVAL);
	BAD(c.host[1].mac[0] = 0x01, -EINVAL);
	BAD(memset(c.host[1].mac, 0, 6), -EINVAL);
	BAD(c.host[1].ip = WEB1, -EINVAL);
	BAD(c.host[1].ip = GW, -EINVAL);
	BAD(c.host[1].ip = 0x0a000001u, -EINVAL);
	BAD(c.nhosts = DHCPD_HOSTS_MAX + 1, -ENOSPC);
	/* 8 range addresses and one reservation outside: 9 records. */
	base_config(&c);
	assert_int_equal(dhcpd_config_check(&c, 9, NULL), 0);
	assert_int_equal(dhcpd_config_check(&c, 8, &why), -ENOSPC);
	c.host[0].ip = IP(131);
	assert_int_equal(dhcpd_config_check(&c, 8, NULL), 0);
	strcpy(c.domain, "");
	assert_int_equal(dhcpd_config_check(&c, 8, NULL), 0);
	strcpy(c.domain, "a.b-c.d");
	assert_int_equal(dhcpd_config_check(&c, 8, NULL), 0);
#undef BAD

	/* A refused configuration changes nothing. */
	setup(&d);
	base_config(&c);
	c.prefix = 31;
	assert_int_equal(dhcpd_configure(&d, &c, &why), -EINVAL);
	assert_int_equal(d.cfg.prefix, 24);
	assert_int_equal(d.mask, 0xffffff00u);
}

static void test_not_configured(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;
	uint32_t ip;
	char name[64];

	(void)state;
	assert_int_equal(dhcpd_init(&d, table, TABLE_SIZE, SEED), 0);
	o = run(&d, &r, T0);
	assert_int_equal(o.len, 0);
	assert_int_equal(d.stats.drop_off, 1);
	assert_int_equal(dhcpd_lookup_name(&d, "web1", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_addr(&d, WEB1, T0, name, sizeof(name)), -ENOENT);
}

static void test_discover_offer(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;
	const uint8_t *p;

	(void)state;
	setup(&d);
	o = run(&d, &r, T0);
	assert_true(o.len >= DHCP_MIN_LEN);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(o.m.yiaddr, IP(128));
	assert_int_equal(o.m.ciaddr, 0);
	assert_int_equal(o.m.siaddr, 0);
	assert_int_equal(o.m.flags, 0);
	assert_int_equal(opt32(&o, DHCP_OPT_LEASE_TIME), LEASE);
	assert_int_equal(opt32(&o, DHCP_OPT_T1), LEASE / 2);
	assert_int_equal(opt32(&o, DHCP_OPT_T2), LEASE * 7 / 8);
	assert_int_equal(opt32(&o, DHCP_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(opt32(&o, DHCP_OPT_ROUTER), GW);
	assert_int_equal(opt32(&o, DHCP_OPT_DNS), GW);
	assert_int_equal(opt(&o, DHCP_OPT_DOMAIN_NAME, &p), 3);
	assert_memory_equal(p, "lan", 3);
	assert_false(has(&o, DHCP_OPT_HOST_NAME));
	assert_false(has(&o, DHCP_OPT_BROADCAST)); /* not asked for */
	assert_false(has(&o, DHCP_OPT_REQUESTED_IP) || has(&o, DHCP_OPT_PARAM_LIST) ||
		     has(&o, DHCP_OPT_CLIENT_ID) || has(&o, DHCP_OPT_MAX_SIZE));
	/* RFC 2131 §4.1: no broadcast bit, no ciaddr: to yiaddr at chaddr. */
	assert_int_equal(o.dest.kind, DHCPD_DEST_HWADDR);
	assert_int_equal(o.dest.ip, IP(128));
	assert_int_equal(o.dest.port, DHCP_CLIENT_PORT);
	assert_memory_equal(o.dest.mac, r.mac, 6);
	assert_int_equal(d.stats.discover, 1);
	assert_int_equal(d.stats.offer, 1);

	/* The broadcast bit, and option 28 when asked for. */
	r = client(DHCP_DISCOVER, 2);
	r.flags = DHCP_FLAG_BCAST;
	r.want_bcast = true;
	o = run(&d, &r, T0);
	assert_int_equal(o.m.yiaddr, IP(129));
	assert_int_equal(o.m.flags, DHCP_FLAG_BCAST);
	assert_int_equal(o.dest.kind, DHCPD_DEST_BROADCAST);
	assert_int_equal(o.dest.ip, 0xffffffffu);
	assert_int_equal(o.dest.port, DHCP_CLIENT_PORT);
	assert_memory_equal(o.dest.mac, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(opt32(&o, DHCP_OPT_BROADCAST), IP(255));
}

static void test_hostonly_options(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;

	(void)state;
	setup(&d);
	cfg.router = false;
	cfg.dns = 0;
	cfg.domain[0] = '\0';
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	o = run(&d, &r, T0);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_false(has(&o, DHCP_OPT_ROUTER));
	assert_false(has(&o, DHCP_OPT_DNS));
	assert_false(has(&o, DHCP_OPT_DOMAIN_NAME));
	assert_false(has(&o, DHCP_OPT_MTU));
	assert_int_equal(opt32(&o, DHCP_OPT_SUBNET_MASK), 0xffffff00u);
}

/* A VXLAN network's guests learn the MTU the tunnel leaves them (RFC 2132
 * §5.1), asked or not; a value no link has is a configuration error. */
static void test_mtu_option(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;
	const uint8_t *p;
	const char *why;

	(void)state;
	setup(&d);
	cfg.mtu = 1450;
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	o = run(&d, &r, T0);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(opt(&o, DHCP_OPT_MTU, &p), 2);
	assert_int_equal(p[0] << 8 | p[1], 1450);
	cfg.mtu = 67;
	assert_int_equal(dhcpd_config_check(&cfg, TABLE_SIZE, &why), -EINVAL);
	cfg.mtu = 1501;
	assert_int_equal(dhcpd_config_check(&cfg, TABLE_SIZE, &why), -EINVAL);
}

static void test_selecting(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o, a;
	struct dhcpd_lease_info e;
	uint32_t pos = 0;

	(void)state;
	setup(&d);
	o = run(&d, &r, T0);
	r.type = DHCP_REQUEST;
	r.server_id = GW;
	r.requested = o.m.yiaddr;
	r.name = "laptop";
	a = run(&d, &r, T0 + 2);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, IP(128));
	assert_int_equal(a.m.ciaddr, 0);
	assert_int_equal(opt32(&a, DHCP_OPT_LEASE_TIME), LEASE);
	assert_int_equal(a.dest.kind, DHCPD_DEST_HWADDR);
	assert_int_equal(dhcpd_lease_next(&d, &pos, T0 + 2, &e), 0);
	assert_int_equal(e.ip, IP(128));
	assert_int_equal(e.state, DHCPD_BOUND);
	assert_int_equal(e.remaining, LEASE);
	assert_string_equal(e.name, "laptop");
	assert_false(e.reserved);
	assert_null(e.clid);
	assert_memory_equal(e.mac, r.mac, 6);
	assert_int_equal(dhcpd_lease_next(&d, &pos, T0 + 2, &e), -ENOENT);

	/* Asking for an address that was not offered: NAK, broadcast. */
	r = client(DHCP_DISCOVER, 2);
	o = run(&d, &r, T0);
	r.type = DHCP_REQUEST;
	r.server_id = GW;
	r.requested = IP(133);
	a = run(&d, &r, T0);
	assert_int_equal(a.m.type, DHCP_NAK);
	assert_int_equal(a.m.yiaddr, 0);
	assert_int_equal(a.m.ciaddr, 0);
	assert_true(has(&a, DHCP_OPT_MESSAGE));
	assert_false(has(&a, DHCP_OPT_LEASE_TIME) || has(&a, DHCP_OPT_SUBNET_MASK) ||
		     has(&a, DHCP_OPT_ROUTER));
	assert_int_equal(a.dest.kind, DHCPD_DEST_BROADCAST);
	assert_int_equal(d.stats.nak_wrong_addr, 1);
	/* No requested address and no ciaddr: malformed. */
	r.requested = 0;
	a = run(&d, &r, T0);
	assert_int_equal(a.len, 0);
	assert_int_equal(d.stats.drop_malformed, 1);
	/* The offer is still good after its hold if nobody took the address. */
	r.requested = o.m.yiaddr;
	a = run(&d, &r, T0 + DHCPD_OFFER_HOLD + 100);
	assert_int_equal(a.m.type, DHCP_ACK);
	/* A client we never offered anything to. */
	r = client(DHCP_REQUEST, 3);
	r.server_id = GW;
	r.requested = IP(131);
	a = run(&d, &r, T0);
	assert_int_equal(a.m.type, DHCP_NAK);
}

static void test_selecting_other_server(void **state)
{
	struct dhcpd d;
	struct req a = client(DHCP_DISCOVER, 1), b = client(DHCP_DISCOVER, 2);
	struct res o;

	(void)state;
	setup(&d);
	cfg.range_end = IP(128); /* one address */
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	o = run(&d, &a, T0);
	assert_int_equal(o.m.yiaddr, IP(128));
	o = run(&d, &b, T0);
	assert_int_equal(o.len, 0); /* held for client 1 */
	assert_int_equal(d.stats.drop_pool_empty, 1);
	/* Client 1 picks another server: the offer is forgotten at once. */
	a.type = DHCP_REQUEST;
	a.server_id = 0xc0a86301u;
	a.requested = 0xc0a86364u;
	o = run(&d, &a, T0 + 1);
	assert_int_equal(o.len, 0);
	assert_int_equal(d.stats.selected_other, 1);
	o = run(&d, &b, T0 + 1);
	assert_int_equal(o.m.yiaddr, IP(128));
}

static void test_offers_not_doubled(void **state)
{
	struct dhcpd d;
	struct req r;
	struct res o;

	(void)state;
	setup(&d);
	r = client(DHCP_DISCOVER, 1);
	assert_int_equal(run(&d, &r, T0).m.yiaddr, IP(128));
	r = client(DHCP_DISCOVER, 2);
	assert_int_equal(run(&d, &r, T0).m.yiaddr, IP(129));
	/* Asking for another's offered address does not get it. */
	r = client(DHCP_DISCOVER, 3);
	r.requested = IP(128);
	assert_int_equal(run(&d, &r, T0).m.yiaddr, IP(131)); /* .130 is reserved */
	/* Retransmission: the same offer. */
	r = client(DHCP_DISCOVER, 1);
	assert_int_equal(run(&d, &r, T0 + 3).m.yiaddr, IP(128));
	/* After the hold, new clients still get never-used addresses first,
	 * so client 1 finds its address again. */
	r = client(DHCP_DISCOVER, 4);
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(132));
	r = client(DHCP_DISCOVER, 1);
	o = run(&d, &r, T0 + 200);
	assert_int_equal(o.m.yiaddr, IP(128));
	/* A free requested address is honoured. */
	r = client(DHCP_DISCOVER, 5);
	r.requested = IP(135);
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(135));
	/* Not one outside the range, reserved, or the gateway's. */
	r = client(DHCP_DISCOVER, 6);
	r.requested = IP(50);
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(133));
	r = client(DHCP_DISCOVER, 7);
	r.requested = DB;
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(134));
	/* The lapsed offers to clients 2 and 3 go next, the oldest first; then
	 * nothing is left. */
	r = client(DHCP_DISCOVER, 8);
	r.requested = GW;
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(129));
	r = client(DHCP_DISCOVER, 9);
	assert_int_equal(run(&d, &r, T0 + 200).m.yiaddr, IP(131));
	r = client(DHCP_DISCOVER, 10);
	assert_int_equal(run(&d, &r, T0 + 200).len, 0);
	assert_int_equal(d.stats.drop_pool_empty, 1);
}

static void test_init_reboot(void **state)
{
	struct dhcpd d;
	struct req r = client(0, 1), other = client(DHCP_REQUEST, 2);
	struct res a;
	uint32_t ip;

	(void)state;
	setup(&d);
	ip = dora(&d, r, T0);
	r.type = DHCP_REQUEST;
	r.requested = ip;
	r.flags = DHCP_FLAG_BCAST;
	a = run(&d, &r, T0 + 100);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, ip);
	assert_int_equal(a.dest.kind, DHCPD_DEST_BROADCAST);
	/* Its own address after the lease ran out, still unused: ACK. */
	a = run(&d, &r, T0 + 100 + LEASE + 5);
	assert_int_equal(a.m.type, DHCP_ACK);
	/* Another address: NAK. */
	r.requested = IP(133);
	a = run(&d, &r, T0 + 200);
	assert_int_equal(a.m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_wrong_addr, 1);
	/* Another network: NAK, broadcast even without the bit. */
	r.requested = 0x0a000005u;
	r.flags = 0;
	a = run(&d, &r, T0 + 200);
	assert_int_equal(a.m.type, DHCP_NAK);
	assert_int_equal(a.dest.kind, DHCPD_DEST_BROADCAST);
	assert_int_equal(d.stats.nak_wrong_subnet, 1);
	r.requested = IP(255);
	assert_int_equal(run(&d, &r, T0 + 200).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_wrong_subnet, 2);

	/* A client we have no record of: silent for a free address... */
	other.requested = IP(134);
	a = run(&d, &other, T0 + 200);
	assert_int_equal(a.len, 0);
	assert_int_equal(d.stats.drop_unknown_client, 1);
	other.requested = IP(20); /* outside the range, unused */
	assert_int_equal(run(&d, &other, T0 + 200).len, 0);
	assert_int_equal(d.stats.drop_unknown_client, 2);
	/* ...NAK for one that is another's, reserved, or the gateway's. */
	other.requested = ip;
	assert_int_equal(run(&d, &other, T0 + 200).m.type, DHCP_NAK);
	other.requested = WEB1;
	assert_int_equal(run(&d, &other, T0 + 200).m.type, DHCP_NAK);
	other.requested = GW;
	assert_int_equal(run(&d, &other, T0 + 200).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_taken, 3);
}

static void test_renew_rebind(void **state)
{
	struct dhcpd d;
	struct req r = client(0, 1), other = client(0, 2);
	struct res a;
	struct dhcpd_lease_info e;
	uint32_t ip, ip2, pos;

	(void)state;
	setup(&d);
	ip = dora(&d, r, T0);
	ip2 = dora(&d, other, T0);
	/* RENEWING: unicast, ciaddr, no server id, no requested address. */
	r.type = DHCP_REQUEST;
	r.ciaddr = ip;
	a = run(&d, &r, T0 + LEASE / 2);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, ip);
	assert_int_equal(a.m.ciaddr, ip);
	assert_int_equal(a.dest.kind, DHCPD_DEST_UNICAST);
	assert_int_equal(a.dest.ip, ip);
	assert_int_equal(a.dest.port, DHCP_CLIENT_PORT);
	pos = 0;
	assert_int_equal(dhcpd_lease_next(&d, &pos, T0 + LEASE / 2, &e), 0);
	assert_int_equal(e.remaining, LEASE); /* extended */
	/* REBINDING: broadcast with the bit set; the reply still goes to ciaddr. */
	r.flags = DHCP_FLAG_BCAST;
	a = run(&d, &r, T0 + LEASE);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.dest.kind, DHCPD_DEST_UNICAST);
	assert_int_equal(a.m.flags, DHCP_FLAG_BCAST);
	/* Renewing another's address: NAK. */
	r.ciaddr = ip2;
	a = run(&d, &r, T0 + LEASE);
	assert_int_equal(a.m.type, DHCP_NAK);
	assert_int_equal(a.dest.kind, DHCPD_DEST_BROADCAST);
	assert_int_equal(d.stats.nak_wrong_addr, 1);
	/* From another network: NAK. */
	r.ciaddr = 0x0a000005u;
	assert_int_equal(run(&d, &r, T0 + LEASE).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_wrong_subnet, 1);

	/* The server restarted and lost its table: free addresses are given
	 * back to whoever renews them; the others are NAKed. */
	assert_int_equal(dhcpd_clear(&d), 2);
	r.ciaddr = ip;
	a = run(&d, &r, T0 + LEASE + 10);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(d.stats.recovered, 1);
	other.type = DHCP_REQUEST;
	other.ciaddr = ip; /* client 2 now claims client 1's address */
	assert_int_equal(run(&d, &other, T0 + LEASE + 10).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_taken, 1);
	other.ciaddr = IP(20); /* our subnet, not our range */
	assert_int_equal(run(&d, &other, T0 + LEASE + 10).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_not_pool, 1);
	other.ciaddr = DB;
	assert_int_equal(run(&d, &other, T0 + LEASE + 10).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_taken, 2);
}

static void test_release(void **state)
{
	struct dhcpd d;
	struct req r = client(0, 1), r2 = client(0, 2);
	struct res a;
	uint32_t ip, pos = 0, x;
	struct dhcpd_lease_info e;

	(void)state;
	setup(&d);
	r.name = "laptop";
	ip = dora(&d, r, T0);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0, &x), 0);
	r.type = DHCP_RELEASE;
	r.ciaddr = ip;
	r.server_id = 0xc0a86301u; /* another server's */
	assert_int_equal(run(&d, &r, T0 + 10).len, 0);
	assert_int_equal(d.stats.drop_not_for_us, 1);
	r.server_id = GW;
	r.ciaddr = IP(133); /* not its address */
	assert_int_equal(run(&d, &r, T0 + 10).len, 0);
	assert_int_equal(d.stats.drop_no_binding, 1);
	r.ciaddr = ip;
	assert_int_equal(run(&d, &r, T0 + 10).len, 0);
	assert_int_equal(d.stats.released, 1);
	assert_int_equal(dhcpd_lease_next(&d, &pos, T0 + 10, &e), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0 + 10, &x), -ENOENT);
	/* Released twice: nothing left to release. */
	assert_int_equal(run(&d, &r, T0 + 11).len, 0);
	assert_int_equal(d.stats.drop_no_binding, 2);
	/* Another client comes first and gets a never-used address; the
	 * released one waits for its client (RFC 2131 §4.3.4). */
	assert_int_equal(dora(&d, r2, T0 + 20), IP(129));
	r.type = DHCP_DISCOVER;
	r.ciaddr = 0;
	a = run(&d, &r, T0 + 30);
	assert_int_equal(a.m.yiaddr, ip);
}

/* (r) as if its frame came from (mac) on switch port (port). */
static struct res run_from(struct dhcpd *d, const struct req *r, const uint8_t mac[6], uint8_t port,
			   uint32_t now)
{
	struct dhcpd_src src = {{0}, port};
	uint8_t b[1500];
	struct res out;
	size_t n = build(r, b);

	memcpy(src.mac, mac, 6);
	memset(&out, 0, sizeof(out));
	out.len = dhcpd_input_from(d, b, n, &src, now, out.buf, sizeof(out.buf), &out.dest);
	assert_true(out.len >= 0);
	assert_int_equal(outcomes(&d->stats), d->stats.in);
	assert_int_equal(dhcpd_check(d, now), 0);
	if (out.len > 0)
		assert_int_equal(dhcp_msg_parse(out.buf, (size_t)out.len, &out.m), 0);
	return out;
}

/* A lease belongs to its client on its port: chaddr must be the frame's
 * sender, and nobody elsewhere frees, poisons, renews or takes it. */
static void test_ownership(void **state)
{
	struct dhcpd d;
	struct req v = client(DHCP_DISCOVER, 1), a = client(DHCP_DISCOVER, 2);
	struct res o;
	uint32_t ip;

	(void)state;
	setup(&d);
	/* The victim takes an address on port 2. */
	o = run_from(&d, &v, v.mac, 2, T0);
	assert_int_equal(o.m.type, DHCP_OFFER);
	ip = o.m.yiaddr;
	v.type = DHCP_REQUEST;
	v.server_id = GW;
	v.requested = ip;
	assert_int_equal(run_from(&d, &v, v.mac, 2, T0).m.type, DHCP_ACK);
	/* The attacker on port 1 forges the victim's chaddr from its own MAC:
	 * a RELEASE, a DECLINE, a renewal; all dropped as not the sender. */
	v.type = DHCP_RELEASE;
	v.requested = 0;
	v.ciaddr = ip;
	assert_int_equal(run_from(&d, &v, a.mac, 1, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_chaddr, 1);
	/* With the victim's MAC as its source too (a clone), from port 1:
	 * RELEASE, DECLINE, REQUEST and DISCOVER all find the lease held on
	 * port 2. */
	assert_int_equal(run_from(&d, &v, v.mac, 1, T0 + 2).len, 0);
	v.type = DHCP_DECLINE;
	v.ciaddr = 0;
	v.requested = ip;
	assert_int_equal(run_from(&d, &v, v.mac, 1, T0 + 3).len, 0);
	v.type = DHCP_REQUEST;
	v.ciaddr = ip;
	v.requested = 0;
	v.server_id = 0;
	assert_int_equal(run_from(&d, &v, v.mac, 1, T0 + 4).len, 0);
	v.type = DHCP_DISCOVER;
	v.ciaddr = 0;
	assert_int_equal(run_from(&d, &v, v.mac, 1, T0 + 5).len, 0);
	assert_int_equal(d.stats.drop_other_port, 4);
	assert_int_equal(d.stats.released + d.stats.declined, 0);
	/* The victim still renews on its own port. */
	v.type = DHCP_REQUEST;
	v.ciaddr = ip;
	o = run_from(&d, &v, v.mac, 2, T0 + 6);
	assert_int_equal(o.m.type, DHCP_ACK);
	assert_int_equal(o.m.yiaddr, ip);
	/* A relayed message carries the relay's MAC: no chaddr check. */
	a.giaddr = IP(1);
	o = run_from(&d, &a, v.mac, 3, T0 + 7);
	assert_int_equal(o.m.type, DHCP_OFFER);
	/* Once the lease has expired, a client moved to another port gets
	 * its address again there. */
	v.type = DHCP_DISCOVER;
	v.ciaddr = 0;
	o = run_from(&d, &v, v.mac, 4, T0 + 6 + LEASE + 1);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(o.m.yiaddr, ip);
}

static void test_decline(void **state)
{
	struct dhcpd d;
	struct req r = client(0, 1), r2 = client(DHCP_DISCOVER, 2);
	struct res a;
	struct dhcpd_lease_info e;
	uint32_t ip, pos = 0;

	(void)state;
	setup(&d);
	cfg.range_end = IP(129); /* .128 and .129 */
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	ip = dora(&d, r, T0);
	assert_int_equal(ip, IP(128));
	r.type = DHCP_DECLINE;
	r.server_id = GW;
	/* Without the address, or naming another: ignored. */
	assert_int_equal(run(&d, &r, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_malformed, 1);
	r.requested = IP(129);
	assert_int_equal(run(&d, &r, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_no_binding, 1);
	r.server_id = 0xc0a86301u;
	r.requested = ip;
	assert_int_equal(run(&d, &r, T0 + 1).len, 0);
	assert_int_equal(d.stats.drop_not_for_us, 1);
	r.server_id = GW;
	assert_int_equal(run(&d, &r, T0 + 1).len, 0);
	assert_int_equal(d.stats.declined, 1);
	assert_int_equal(dhcpd_lease_next(&d, &pos, T0 + 1, &e), 0);
	assert_int_equal(e.state, DHCPD_DECLINED);
	assert_int_equal(e.remaining, DHCPD_DECLINE_HOLD);
	/* The client gets the other address; then nothing is left. */
	r.type = DHCP_DISCOVER;
	r.requested = ip;
	assert_int_equal(run(&d, &r, T0 + 2).m.yiaddr, IP(129));
	a = run(&d, &r2, T0 + 2);
	assert_int_equal(a.len, 0);
	/* Nobody can claim the declined address meanwhile. */
	r2.type = DHCP_REQUEST;
	r2.ciaddr = ip;
	assert_int_equal(run(&d, &r2, T0 + 3).m.type, DHCP_NAK);
	r2.ciaddr = 0;
	r2.type = DHCP_DISCOVER;
	/* After the hold, it is free again. */
	a = run(&d, &r2, T0 + 1 + DHCPD_DECLINE_HOLD);
	assert_int_equal(a.m.yiaddr, ip);
}

static void test_inform(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_INFORM, 1);
	struct res a;

	(void)state;
	setup(&d);
	r.ciaddr = IP(50);
	r.flags = DHCP_FLAG_BCAST;
	a = run(&d, &r, T0);
	assert_int_equal(a.m.type, DHCP_ACK);
	assert_int_equal(a.m.yiaddr, 0);
	assert_int_equal(a.m.ciaddr, IP(50));
	assert_false(has(&a, DHCP_OPT_LEASE_TIME) || has(&a, DHCP_OPT_T1) || has(&a, DHCP_OPT_T2));
	assert_int_equal(opt32(&a, DHCP_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(opt32(&a, DHCP_OPT_ROUTER), GW);
	assert_int_equal(opt32(&a, DHCP_OPT_DNS), GW);
	assert_int_equal(a.dest.kind, DHCPD_DEST_UNICAST);
	assert_int_equal(a.dest.ip, IP(50));
	assert_int_equal(d.stats.inform, 1);
	/* No lease was made. */
	assert_int_equal(dhcpd_clear(&d), 0);
	r.ciaddr = 0;
	assert_int_equal(run(&d, &r, T0).len, 0);
	r.ciaddr = 0x0a000005u;
	assert_int_equal(run(&d, &r, T0).len, 0);
	assert_int_equal(d.stats.drop_bad_ciaddr, 2);
	/* A reserved host gets its name. */
	r = host(DHCP_INFORM, WEB1_MAC);
	r.ciaddr = WEB1;
	a = run(&d, &r, T0);
	assert_true(has(&a, DHCP_OPT_HOST_NAME));
}

static void test_reservations(void **state)
{
	struct dhcpd d;
	struct req w = host(0, WEB1_MAC), db = host(0, DB_MAC), r;
	struct res a;
	const uint8_t *p;
	uint32_t ip;
	char name[DHCPD_NAME_MAX];

	(void)state;
	setup(&d);
	/* Reservation names resolve with no lease at all. */
	assert_int_equal(dhcpd_lookup_name(&d, "web1", T0, &ip), 0);
	assert_int_equal(ip, WEB1);
	assert_int_equal(dhcpd_lookup_addr(&d, DB, T0, name, sizeof(name)), 0);
	assert_string_equal(name, "db");
	assert_int_equal(dhcpd_lookup_addr(&d, DB, T0, name, 2), -ENOSPC);

	w.type = DHCP_DISCOVER;
	w.requested = IP(133); /* asks for another: gets its own */
	a = run(&d, &w, T0);
	assert_int_equal(a.m.yiaddr, WEB1);
	assert_int_equal(opt(&a, DHCP_OPT_HOST_NAME, &p), 4);
	assert_memory_equal(p, "web1", 4);
	w.requested = 0;
	w.name = "otherName"; /* ignored for reserved hosts */
	assert_int_equal(dora(&d, w, T0), WEB1);
	assert_int_equal(dhcpd_lookup_name(&d, "othername", T0, &ip), -ENOENT);
	assert_int_equal(dora(&d, db, T0), DB);
	/* INIT-REBOOT for the wrong address: NAK. */
	db.type = DHCP_REQUEST;
	db.requested = IP(131);
	assert_int_equal(run(&d, &db, T0).m.type, DHCP_NAK);
	assert_int_equal(d.stats.nak_wrong_addr, 1);

	/* Nobody else ever gets a reserved address: the pool of 8 has 7. */
	for (uint8_t n = 1; n <= 7; n++) {
		r = client(0, n);
		r.requested = DB;
		ip = dora(&d, r, T0);
		assert_true(ip != DB && ip != WEB1);
	}
	r = client(DHCP_DISCOVER, 8);
	assert_int_equal(run(&d, &r, T0).len, 0);
	/* Even with its lease expired and released, db's address is kept. */
	db.type = DHCP_RELEASE;
	db.ciaddr = DB;
	db.requested = 0;
	assert_int_equal(run(&d, &db, T0 + 5).len, 0);
	assert_int_equal(d.stats.released, 1);
	r.requested = DB;
	a = run(&d, &r, T0 + LEASE * 3);
	assert_int_equal(a.m.type, DHCP_OFFER);
	assert_true(a.m.yiaddr != DB && a.m.yiaddr != WEB1);
	r.type = DHCP_REQUEST;
	r.ciaddr = DB;
	a = run(&d, &r, T0 + LEASE * 3);
	assert_int_equal(a.m.type, DHCP_NAK);

	/* A reserved host with a client identifier, then with another one
	 * (a different DHCP client on the same machine): same address. */
	setup(&d);
	w = host(0, WEB1_MAC);
	w.clid = "\x01\x00\x0c\x29\xaa\xbb\xcc";
	w.clid_len = 7;
	assert_int_equal(dora(&d, w, T0), WEB1);
	w.clid = "\xff\x12\x34\x56\x78\x00\x02";
	assert_int_equal(dora(&d, w, T0 + 5), WEB1);
	w.clid = NULL;
	w.type = DHCP_REQUEST;
	w.ciaddr = WEB1;
	assert_int_equal(run(&d, &w, T0 + 6).m.type, DHCP_ACK);
	/* Another MAC sending web1's client identifier is the same client by
	 * RFC 2131 §4.2, but a reservation is by MAC: it gets neither the
	 * reserved address offered nor renewed (found by test_random). */
	r = client(0, 5);
	r.clid = w.clid = "\x01\x00\x0c\x29\xaa\xbb\xcc";
	r.clid_len = w.clid_len = 7;
	assert_int_equal(dora(&d, w, T0 + 6), WEB1);
	r.type = DHCP_REQUEST;
	r.ciaddr = WEB1;
	assert_int_equal(run(&d, &r, T0 + 6).m.type, DHCP_NAK);
	r.type = DHCP_DISCOVER;
	r.ciaddr = 0;
	ip = run(&d, &r, T0 + 6).m.yiaddr;
	assert_true(ip >= IP(128) && ip <= IP(135) && ip != DB);
	w.clid = NULL;
	w.type = DHCP_REQUEST;
	w.ciaddr = WEB1;
	assert_int_equal(run(&d, &w, T0 + 7).m.type, DHCP_ACK);

	/* A reserved host whose address was declined gets no offer. */
	w.type = DHCP_DECLINE;
	w.ciaddr = 0;
	w.requested = WEB1;
	w.server_id = GW;
	assert_int_equal(run(&d, &w, T0 + 7).len, 0);
	assert_int_equal(d.stats.declined, 1);
	w.type = DHCP_DISCOVER;
	w.server_id = 0;
	assert_int_equal(run(&d, &w, T0 + 8).len, 0);
	assert_int_equal(d.stats.drop_reserved_held, 1);
	assert_int_equal(run(&d, &w, T0 + 8 + DHCPD_DECLINE_HOLD).m.yiaddr, WEB1);
}

static void test_pool_exhaustion(void **state)
{
	struct dhcpd d;
	struct req r;
	struct res a;
	uint32_t ip[8];

	(void)state;
	setup(&d);
	for (uint8_t n = 1; n <= 7; n++)
		ip[n] = dora(&d, client(0, n), T0);
	r = client(DHCP_DISCOVER, 8);
	a = run(&d, &r, T0 + 1);
	assert_int_equal(a.len, 0);
	assert_int_equal(d.stats.drop_pool_empty, 1);
	/* Bound clients renew, rebind and reboot while the pool is empty. */
	for (uint8_t n = 1; n <= 7; n++) {
		struct req c = client(DHCP_REQUEST, n);

		c.ciaddr = ip[n];
		assert_int_equal(run(&d, &c, T0 + 900).m.type, DHCP_ACK);
		c.ciaddr = 0;
		c.requested = ip[n];
		assert_int_equal(run(&d, &c, T0 + 901).m.type, DHCP_ACK);
		c.type = DHCP_DISCOVER;
		assert_int_equal(run(&d, &c, T0 + 902).m.yiaddr, ip[n]);
	}
	assert_int_equal(run(&d, &r, T0 + 903).len, 0);
	assert_int_equal(d.stats.drop_pool_empty, 2);
	/* Client 3 does not come back: when its lease ends, the newcomer gets
	 * its address (the others keep renewing). */
	for (uint8_t n = 1; n <= 7; n++) {
		struct req c = client(DHCP_REQUEST, n);

		c.ciaddr = ip[n];
		if (n != 3)
			assert_int_equal(run(&d, &c, T0 + 1800).m.type, DHCP_ACK);
	}
	a = run(&d, &r, T0 + 901 + LEASE);
	assert_int_equal(a.m.yiaddr, ip[3]);
	/* And client 3, back too late, is told its address is gone. */
	r = client(DHCP_REQUEST, 3);
	r.requested = ip[3];
	a = run(&d, &r, T0 + 901 + LEASE + 1);
	assert_int_equal(a.m.type, DHCP_NAK);
}

static void test_client_id(void **state)
{
	struct dhcpd d;
	struct req a = client(0, 1), b = client(0, 1);
	struct res o;
	struct dhcpd_lease_info e;
	uint32_t ip1, ip2, pos = 0;
	char longid[80];

	(void)state;
	setup(&d);
	/* One MAC, two client identifiers: two clients. */
	a.clid = "\x01\x02\x00\x00\x00\x00\x01";
	a.clid_len = 7;
	b.clid = "\x00vm-two";
	b.clid_len = 7;
	ip1 = dora(&d, a, T0);
	ip2 = dora(&d, b, T0);
	assert_int_not_equal(ip1, ip2);
	/* The same client identifier from another MAC: the same client. */
	a.mac[5] = 0x77;
	assert_int_equal(dora(&d, a, T0 + 1), ip1);
	while (dhcpd_lease_next(&d, &pos, T0 + 1, &e) == 0)
		if (e.ip == ip1) {
			assert_int_equal(e.mac[5], 0x77);
			assert_int_equal(e.clid_len, 7);
			assert_int_equal(e.clid_fulllen, 7);
			assert_memory_equal(e.clid, a.clid, 7);
		}
	/* No client identifier: chaddr, a third client. */
	a.clid = NULL;
	o = run(&d, &(struct req){.type = DHCP_DISCOVER, .mac = {0x02, 0, 0, 0, 0, 0x77}}, T0 + 2);
	assert_true(o.m.yiaddr != ip1 && o.m.yiaddr != ip2);
	/* RENEWING with the right address under a different identity: NAK. */
	b.type = DHCP_REQUEST;
	b.clid = "\x00vm-six";
	b.ciaddr = ip2;
	assert_int_equal(run(&d, &b, T0 + 3).m.type, DHCP_NAK);

	/* Identifiers longer than the part kept differ only in their tail. */
	memset(longid, 'k', sizeof(longid));
	a = client(0, 9);
	a.clid = longid;
	a.clid_len = sizeof(longid);
	ip1 = dora(&d, a, T0 + 4);
	longid[79] = 'j';
	b = a;
	b.mac[5] = 10;
	ip2 = dora(&d, b, T0 + 4);
	assert_int_not_equal(ip1, ip2);
	longid[79] = 'k';
	a.type = DHCP_REQUEST;
	a.ciaddr = ip1;
	assert_int_equal(run(&d, &a, T0 + 5).m.type, DHCP_ACK);
	pos = 0;
	while (dhcpd_lease_next(&d, &pos, T0 + 5, &e) == 0)
		if (e.ip == ip1)
			assert_true(e.clid_len == DHCPD_KEY_MAX && e.clid_fulllen == 80);
}

static void test_destinations(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;

	(void)state;
	setup(&d);
	/* Relayed from our own subnet: to the relay's server port. */
	r.giaddr = IP(1);
	o = run(&d, &r, T0);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(o.m.giaddr, IP(1));
	assert_int_equal(o.dest.kind, DHCPD_DEST_RELAY);
	assert_int_equal(o.dest.ip, IP(1));
	assert_int_equal(o.dest.port, DHCP_SERVER_PORT);
	/* A NAK through a relay has the broadcast bit set. */
	r.type = DHCP_REQUEST;
	r.requested = 0x0a000001u;
	o = run(&d, &r, T0);
	assert_int_equal(o.m.type, DHCP_NAK);
	assert_int_equal(o.dest.kind, DHCPD_DEST_RELAY);
	assert_int_equal(o.m.flags, DHCP_FLAG_BCAST);
	/* Relayed from another subnet: not ours. */
	r.giaddr = 0x0a000001u;
	assert_int_equal(run(&d, &r, T0).len, 0);
	assert_int_equal(d.stats.drop_relay, 1);

	/* A non-Ethernet client (InfiniBand, RFC 4390: hlen 0, client id):
	 * replies are broadcast. */
	r = client(DHCP_DISCOVER, 2);
	r.htype = 32;
	r.hlen = 0;
	r.clid = "\xff\x00\x00\x00\x01\x00\x02";
	r.clid_len = 7;
	o = run(&d, &r, T0);
	assert_int_equal(o.m.type, DHCP_OFFER);
	assert_int_equal(o.dest.kind, DHCPD_DEST_BROADCAST);
	r.type = DHCP_REQUEST;
	r.requested = o.m.yiaddr;
	r.server_id = GW;
	assert_int_equal(run(&d, &r, T0).m.type, DHCP_ACK);
	r.clid = NULL; /* and without one, no identity at all */
	assert_int_equal(run(&d, &r, T0).len, 0);
	assert_int_equal(d.stats.drop_bad_client, 1);
}

static void test_drops(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	uint8_t b[1500];
	struct res o;
	size_t n;

	(void)state;
	setup(&d);
	n = build(&r, b);
	assert_int_equal(feed(&d, b, 100, T0, &o, sizeof(o.buf)), 0);
	assert_int_equal(d.stats.drop_short, 1);
	b[236] = 0;
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 0);
	assert_int_equal(d.stats.drop_cookie, 1);
	n = build(&r, b);
	b[DHCP_OFF_OPTIONS + 1] = 200; /* option 53's length runs off the end */
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 0);
	assert_int_equal(d.stats.drop_malformed, 1);
	n = build(&r, b);
	b[0] = DHCP_BOOTREPLY;
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 0);
	assert_int_equal(d.stats.drop_op, 1);
	r.type = 0;
	n = build(&r, b);
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 0);
	assert_int_equal(d.stats.drop_bootp, 1);
	for (uint8_t t = DHCP_OFFER; t <= 20; t++) {
		if (t == DHCP_REQUEST || t == DHCP_DECLINE || t == DHCP_RELEASE || t == DHCP_INFORM)
			continue;
		r.type = t;
		n = build(&r, b);
		assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 0);
	}
	assert_int_equal(d.stats.drop_type, 15);
	r.type = DHCP_DISCOVER;
	r.mac[0] = 0x01; /* a group chaddr */
	assert_int_equal(run(&d, &r, T0).len, 0);
	memset(r.mac, 0, 6);
	assert_int_equal(run(&d, &r, T0).len, 0);
	r.mac[0] = 2;
	r.htype = DHCP_HTYPE_ETHER;
	r.hlen = 5;
	assert_int_equal(run(&d, &r, T0).len, 0);
	assert_int_equal(d.stats.drop_bad_client, 3);
	/* A reply buffer below the BOOTP minimum. */
	r = client(DHCP_DISCOVER, 2);
	n = build(&r, b);
	assert_int_equal(feed(&d, b, n, T0, &o, DHCP_MIN_LEN - 1), 0);
	assert_int_equal(d.stats.drop_no_room, 1);
	assert_int_equal(feed(&d, b, n, T0, &o, DHCP_MIN_LEN), DHCP_MIN_LEN);
	/* REQUEST with neither server id, ciaddr nor requested address. */
	r.type = DHCP_REQUEST;
	assert_int_equal(run(&d, &r, T0).len, 0);
	assert_int_equal(d.stats.drop_malformed, 2);
}

static void test_reply_size(void **state)
{
	struct dhcpd d;
	struct req r = client(DHCP_DISCOVER, 1);
	struct res o;
	uint8_t b[1500];
	size_t n;

	(void)state;
	setup(&d);
	/* A domain of 127 bytes still fits a 548-byte reply. */
	memset(cfg.domain, 'a', 127);
	for (int i = 63; i < 127; i += 64)
		cfg.domain[i] = '.';
	cfg.domain[127] = '\0';
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	r.want_bcast = true;
	n = build(&r, b);
	/* 240 + 3 (type) + 8 * 6 (addresses and times) + 2 + 127 + END */
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 421);
	/* And a reserved host with a 63-byte name: the longest reply, 486
	 * bytes, as dhcpd.h promises. */
	memset(cfg.host[0].name, 'h', DHCPD_NAME_MAX - 1);
	cfg.host[0].name[DHCPD_NAME_MAX - 1] = '\0';
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	r = host(DHCP_DISCOVER, WEB1_MAC);
	r.want_bcast = true;
	n = build(&r, b);
	assert_int_equal(feed(&d, b, n, T0, &o, sizeof(o.buf)), 486);
	assert_true(feed(&d, b, n, T0, &o, DHCP_DEFAULT_MAX) == 486);
	/* A 64-byte name is not a label. */
	cfg.host[0].name[DHCPD_NAME_MAX - 1] = 'h';
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), -EINVAL);
}

static void test_names(void **state)
{
	struct dhcpd d;
	struct req a = client(0, 1), b = client(0, 2), c = client(0, 3);
	uint32_t ip, ipa;
	char name[DHCPD_NAME_MAX];

	(void)state;
	setup(&d);
	a.name = "Laptop.example.com";
	ipa = dora(&d, a, T0);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0, &ip), 0);
	assert_int_equal(ip, ipa);
	assert_int_equal(dhcpd_lookup_name(&d, "LAPTOP.lan", T0, &ip), 0);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop.LAN.", T0, &ip), 0);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop.", T0, &ip), 0);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop.example", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, "lapto", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, "", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, ".lan", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_addr(&d, ipa, T0, name, sizeof(name)), 0);
	assert_string_equal(name, "laptop");
	/* Not a label, a reservation's name, or another client's: not kept. */
	b.name = "bad_name";
	dora(&d, b, T0);
	assert_int_equal(d.stats.name_invalid, 1);
	b.name = "WEB1";
	dora(&d, b, T0);
	assert_int_equal(d.stats.name_conflict, 1);
	c.name = "laptop";
	dora(&d, c, T0);
	assert_int_equal(d.stats.name_conflict, 2);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0, &ip), 0);
	assert_int_equal(ip, ipa);
	/* Names that would capture others' traffic: refused, counted. */
	c.name = "WPAD";
	dora(&d, c, T0);
	c.name = "localhost";
	dora(&d, c, T0);
	c.name = "isatap.lan";
	dora(&d, c, T0);
	assert_int_equal(d.stats.name_reserved, 3);
	assert_int_equal(dhcpd_lookup_name(&d, "wpad", T0, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_name(&d, "localhost", T0, &ip), -ENOENT);
	/* A name with a trailing NUL, as some clients send. */
	b.name = "tablet\0";
	b.name_len = 7;
	b.type = DHCP_REQUEST;
	b.ciaddr = IP(129);
	assert_int_equal(run(&d, &b, T0).m.type, DHCP_ACK);
	assert_int_equal(dhcpd_lookup_name(&d, "tablet", T0, &ip), 0);
	assert_int_equal(ip, IP(129));
	/* Names stop resolving when their lease ends. */
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0 + LEASE, &ip), -ENOENT);
	assert_int_equal(dhcpd_lookup_addr(&d, ipa, T0 + LEASE, name, sizeof(name)), -ENOENT);
	/* The name may then go to another client. */
	c.type = DHCP_REQUEST;
	c.ciaddr = IP(130 + 1);
	c.name = "laptop";
	assert_int_equal(run(&d, &c, T0 + LEASE).m.type, DHCP_ACK);
	assert_int_equal(dhcpd_lookup_name(&d, "laptop", T0 + LEASE, &ip), 0);
	assert_int_equal(ip, IP(131));
}

static void test_reconfigure(void **state)
{
	struct dhcpd d;
	struct req r;
	uint32_t ip[6], x;
	struct res a;

	(void)state;
	setup(&d);
	for (uint8_t n = 1; n <= 5; n++) {
		r = client(0, n);
		r.name = n == 1 ? "alpha" : NULL;
		ip[n] = dora(&d, r, T0);
	}
	assert_int_equal(ip[1], IP(128));
	assert_int_equal(ip[5], IP(133));
	/* Lease time and domain change, the range grows: every lease stays. */
	cfg.lease_s = 600;
	strcpy(cfg.domain, "example");
	cfg.range_end = IP(140);
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	for (uint8_t n = 1; n <= 5; n++) {
		r = client(DHCP_REQUEST, n);
		r.ciaddr = ip[n];
		a = run(&d, &r, T0 + 10);
		assert_int_equal(a.m.type, DHCP_ACK);
		assert_int_equal(opt32(&a, DHCP_OPT_LEASE_TIME), 600);
	}
	assert_int_equal(dhcpd_lookup_name(&d, "alpha.example", T0 + 10, &x), 0);
	/* The range shrinks past client 5's address; a new reservation takes
	 * client 4's MAC elsewhere; client 1's name goes to a reservation. */
	cfg.range_end = IP(132);
	cfg.nhosts = 4;
	strcpy(cfg.host[2].name, "four");
	memcpy(cfg.host[2].mac, client(0, 4).mac, 6);
	cfg.host[2].ip = IP(20);
	strcpy(cfg.host[3].name, "alpha");
	memcpy(cfg.host[3].mac, "\x02\x00\x00\x00\x01\x00", 6);
	cfg.host[3].ip = IP(21);
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	assert_int_equal(dhcpd_check(&d, T0 + 20), 0);
	for (uint8_t n = 1; n <= 5; n++) {
		r = client(DHCP_REQUEST, n);
		r.ciaddr = ip[n];
		a = run(&d, &r, T0 + 20);
		assert_int_equal(a.m.type, n >= 4 ? DHCP_NAK : DHCP_ACK);
	}
	assert_int_equal(dhcpd_lookup_name(&d, "alpha", T0 + 20, &x), 0);
	assert_int_equal(x, IP(21)); /* the reservation, not client 1 */
	r = client(0, 4);
	assert_int_equal(dora(&d, r, T0 + 21), IP(20));
	/* A new subnet: nothing survives. */
	cfg.server = 0x0a000001u;
	cfg.range_start = 0x0a000064u;
	cfg.range_end = 0x0a00006fu;
	cfg.nhosts = 0;
	assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
	assert_int_equal(dhcpd_clear(&d), 0);
	/* Configuring from the server's own copy works too. */
	assert_int_equal(dhcpd_configure(&d, &d.cfg, NULL), 0);
}

static void test_show(void **state)
{
	struct dhcpd d;
	struct sink s = {{0}, 0};
	struct cli_out out = {sink_write, &s};
	struct req r = client(0, 1);

	(void)state;
	setup(&d);
	r.clid = "\x01\x02\x00\x00\x00\x00\x01";
	r.clid_len = 7;
	r.name = "alpha";
	dora(&d, r, T0);
	dora(&d, host(0, WEB1_MAC), T0);
	r = client(DHCP_DISCOVER, 2);
	run(&d, &r, T0);
	assert_int_equal(dhcpd_show_leases(&d, T0 + 100, &out), 0);
	assert_non_null(strstr(s.buf, "IP address"));
	assert_non_null(strstr(s.buf, "192.168.99.128   02:00:00:00:00:01  bound"));
	assert_non_null(strstr(s.buf, "1700s  alpha"));
	assert_non_null(strstr(s.buf, "01:02:00:00:00:00:01"));
	assert_non_null(strstr(s.buf, "192.168.99.10    00:0c:29:aa:bb:cc  bound"));
	assert_non_null(strstr(s.buf, "web1"));
	assert_null(strstr(s.buf, "offered")); /* the offer's hold has passed */
	assert_non_null(strstr(s.buf, "2 shown; 3 of 64 records in use"));
	s.len = 0;
	assert_int_equal(dhcpd_show_leases(&d, T0, &out), 0);
	assert_non_null(strstr(s.buf, "offered"));
	s.len = 0;
	assert_int_equal(dhcpd_show_counters(&d, &out), 0);
	assert_non_null(strstr(s.buf, "discover 3"));
	assert_non_null(strstr(s.buf, "offer 3, ack 2, nak 0"));
	assert_non_null(strstr(s.buf, "pool empty 0"));
}

/* Many clients sending every kind of message at random, with random
 * fields from a small set, over a small pool, while time passes and the
 * configuration changes: the table stays consistent, each message is
 * counted once (both checked by run()), no address is bound twice, and a
 * reserved address only ever goes to its host. */
static void test_random(void **state)
{
	static const uint8_t types[] = {DHCP_DISCOVER, DHCP_REQUEST, DHCP_DECLINE,
					DHCP_RELEASE,  DHCP_INFORM,  DHCP_OFFER};
	struct dhcpd d;
	uint32_t now = T0, last[14] = {0};

	(void)state;
	setup(&d);
	srand(4242);
	for (int i = 0; i < 200000; i++) {
		uint8_t n = (uint8_t)(rand() % 14);
		struct req r = n < 12 ? client(0, n) : host(0, n == 12 ? WEB1_MAC : DB_MAC);
		uint32_t pick[] = {0, IP(128 + rand() % 10), WEB1, DB, GW, 0x0a000001u, last[n]};
		struct res a;

		/* Mostly what a client would send: its last address. */
		r.type = types[rand() % 6];
		if (rand() % 3 == 0) {
			r.clid = (n & 1) ? "\x01\xaa\xbb" : "\x01\xaa\xbc";
			r.clid_len = 3;
		}
		r.ciaddr = rand() % 2 ? 0 : pick[rand() % 2 ? 6 : rand() % 7];
		r.requested = pick[rand() % 2 ? 6 : rand() % 7];
		r.server_id = rand() % 3 ? GW : pick[rand() % 7];
		r.flags = rand() % 2 ? DHCP_FLAG_BCAST : 0;
		r.name = rand() % 4 ? NULL : (rand() % 2 ? "guest" : "web1");
		a = run(&d, &r, now);
		if (a.len > 0 && a.m.type != DHCP_NAK && a.m.yiaddr != 0) {
			if (a.m.yiaddr == WEB1)
				assert_memory_equal(r.mac, WEB1_MAC, 6);
			if (a.m.yiaddr == DB)
				assert_memory_equal(r.mac, DB_MAC, 6);
			last[n] = a.m.yiaddr;
		}
		now += (uint32_t)(rand() % 40);
		if (i % 5000 == 0) {
			cfg.range_end = IP(130 + rand() % 6);
			cfg.lease_s = 60 + (uint32_t)(rand() % 600);
			assert_int_equal(dhcpd_configure(&d, &cfg, NULL), 0);
			assert_int_equal(dhcpd_check(&d, now), 0);
		}
	}
	print_message("ack %llu offer %llu nak %llu released %llu declined %llu recovered %llu\n",
		      (unsigned long long)d.stats.ack, (unsigned long long)d.stats.offer,
		      (unsigned long long)d.stats.nak, (unsigned long long)d.stats.released,
		      (unsigned long long)d.stats.declined, (unsigned long long)d.stats.recovered);
	assert_true(d.stats.ack > 1000 && d.stats.offer > 1000 && d.stats.nak > 1000);
	assert_true(d.stats.released > 100 && d.stats.declined > 100 && d.stats.recovered > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_not_configured),
		cmocka_unit_test(test_discover_offer),
		cmocka_unit_test(test_hostonly_options),
		cmocka_unit_test(test_mtu_option),
		cmocka_unit_test(test_selecting),
		cmocka_unit_test(test_selecting_other_server),
		cmocka_unit_test(test_offers_not_doubled),
		cmocka_unit_test(test_init_reboot),
		cmocka_unit_test(test_renew_rebind),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_decline),
		cmocka_unit_test(test_inform),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_client_id),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_reply_size),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
