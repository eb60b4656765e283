/*
 * Unit tests for net/dns/dns_fwd.c: forwarding with a random ID and port,
 * accepting only the exact reply (wrong port, server, source port, ID or
 * question all ignored and counted), merging identical queries and not
 * merging different ones, a full table that refuses rather than evicts,
 * retransmission across upstreams and SERVFAIL after the last try, the
 * error responses, EDNS payload clamping, local answers, port ranges,
 * batching of due work, clock wrap and "show dns". The long random run is
 * in test_dns_fwd_model.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/dns/dns_fwd.h"

#define U1 0x0a580001u /* 10.88.0.1 */
#define U2 0x0a580002u
#define T0 5000u

static struct dns_fwd f;
static struct dns_fwd_entry ent[64];
static struct dns_out out;

/* Random numbers: queued values first, then xorshift. */
static uint32_t rq[64];
static unsigned rq_n, rq_i;
static uint32_t rx = 0x9e3779b9;

static uint32_t test_rand(void)
{
	if (rq_i < rq_n)
		return rq[rq_i++];
	rx ^= rx << 13;
	rx ^= rx >> 17;
	rx ^= rx << 5;
	return rx;
}

static void rand_queue(unsigned n, const uint32_t *v)
{
	memcpy(rq, v, n * sizeof(*v));
	rq_n = n;
	rq_i = 0;
}

static int setup_cap(uint32_t cap)
{
	uint32_t up = U1;

	rq_n = rq_i = 0;
	assert_int_equal(dns_fwd_init(&f, ent, cap, test_rand), 0);
	assert_int_equal(dns_fwd_set_upstreams(&f, &up, 1), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_cap(64);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(dns_fwd_check(&f), 0);
	return 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A query (or with QR in (flags), a response with no records). */
static size_t mkmsg(uint8_t *b, uint16_t id, uint16_t flags, const char *name, uint16_t qtype,
		    uint16_t edns)
{
	size_t n, pos = DNS_HDR_LEN;

	memset(b, 0, DNS_HDR_LEN);
	wr16(b, id);
	wr16(b + 2, flags);
	wr16(b + 4, 1);
	wr16(b + 10, edns != 0);
	assert_int_equal(dns_name_from_str(name, b + pos, &n), 0);
	pos += n;
	wr16(b + pos, qtype);
	wr16(b + pos + 2, DNS_CLASS_IN);
	pos += 4;
	if (edns) {
		memset(b + pos, 0, 11);
		wr16(b + pos + 1, DNS_TYPE_OPT);
		wr16(b + pos + 3, edns);
		pos += 11;
	}
	return pos;
}

static size_t mkquery(uint8_t *b, uint16_t id, const char *name)
{
	return mkmsg(b, id, DNS_F_RD, name, DNS_TYPE_A, 0);
}

/* A reply with one A record owned by a pointer to the question. */
static size_t mkreply(uint8_t *b, uint16_t id, const char *name)
{
	size_t pos = mkmsg(b, id, DNS_F_QR | DNS_F_RD | DNS_F_RA, name, DNS_TYPE_A, 0);
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 93, 184, 216, 34};

	wr16(b + 6, 1);
	memcpy(b + pos, rr, sizeof(rr));
	return pos + sizeof(rr);
}

static struct dns_client client(unsigned n)
{
	struct dns_client c = {0xc0a86380u + n, (uint16_t)(40000 + n), (uint16_t)(n % 3)};

	return c;
}

static int query(const uint8_t *b, size_t len, unsigned who, uint32_t now)
{
	struct dns_client c = client(who);

	return dns_fwd_query(&f, NULL, b, len, &c, now, &out);
}

/* Forwards a query for (name) from client (who) and returns the SEND action. */
static struct dns_action forward(const char *name, unsigned who, uint16_t id, uint32_t now)
{
	uint8_t b[512];
	size_t len = mkquery(b, id, name);

	assert_int_equal(query(b, len, who, now), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(out.act[0].len, len);
	assert_memory_equal(out.act[0].data + 2, b + 2, len - 2);
	return out.act[0];
}

/* Checks that out.act[i] is a REPLY to client (who) with ID (id) and RCODE (rcode). */
static void expect_reply(unsigned i, unsigned who, uint16_t id, uint16_t rcode)
{
	struct dns_client c = client(who);
	const struct dns_action *a = &out.act[i];
	struct dns_msg m;

	assert_true(i < out.n);
	assert_int_equal(a->kind, DNS_ACT_REPLY);
	assert_int_equal(a->to.ip, c.ip);
	assert_int_equal(a->to.port, c.port);
	assert_int_equal(a->to.net, c.net);
	assert_int_equal(a->id, id);
	assert_int_equal(dns_msg_parse(a->data, a->len, &m), 0);
	assert_true(m.hdr.flags & DNS_F_QR);
	assert_int_equal(m.hdr.flags & DNS_F_RCODE, rcode);
}

static void test_init(void **state)
{
	uint32_t ups[5] = {U1, U2, 3, 4, 5}, zero = 0;
	static const uint16_t avoid9[9] = {2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008};

	(void)state;
	assert_int_equal(dns_fwd_init(&f, ent, 0, test_rand), -EINVAL);
	assert_int_equal(dns_fwd_init(&f, ent, DNS_FWD_CAPACITY_MAX + 1, test_rand), -EINVAL);
	assert_int_equal(dns_fwd_init(&f, ent, 4, NULL), -EINVAL);
	assert_int_equal(dns_fwd_init(&f, ent, 64, test_rand), 0);
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 5), -EINVAL);
	assert_int_equal(dns_fwd_set_upstreams(&f, &zero, 1), -EINVAL);
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 4), 0);
	assert_int_equal(f.nupstream, 4);
	assert_int_equal(dns_fwd_set_upstreams(&f, NULL, 0), 0);
	assert_int_equal(dns_fwd_set_retry(&f, 0, 3), -EINVAL);
	assert_int_equal(dns_fwd_set_retry(&f, 1000, 0), -EINVAL);
	assert_int_equal(dns_fwd_set_retry(&f, 1000, DNS_FWD_TRIES_MAX + 1), -EINVAL);
	assert_int_equal(dns_fwd_set_retry(&f, DNS_FWD_TIMEOUT_MAX + 1, 3), -EINVAL);
	assert_int_equal(dns_fwd_set_retry(&f, 500, 5), 0);
	assert_int_equal(dns_fwd_set_ports(&f, 1023, 2000, NULL, 0), -EINVAL);
	assert_int_equal(dns_fwd_set_ports(&f, 3000, 2000, NULL, 0), -EINVAL);
	assert_int_equal(dns_fwd_set_ports(&f, 2000, 3000, avoid9, 9), -EINVAL);
	assert_int_equal(dns_fwd_set_ports(&f, 2000, 3000, avoid9, 8), 0);
	assert_int_equal(dns_fwd_check(&f), 0);
}

static void test_forward_accept(void **state)
{
	uint8_t r[512];
	struct dns_action a;
	size_t len;

	(void)state;
	/* The port is drawn first (1024 + 5000), then the ID (low 16 bits). */
	rand_queue(2, (const uint32_t[]){5000, 0xabcd1234});
	a = forward("example.com", 1, 0x0101, T0);
	assert_int_equal(a.server, U1);
	assert_int_equal(a.port, 6024);
	assert_int_equal(a.id, 0x1234);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.stats.forwarded, 1);

	len = mkreply(r, 0x1234, "example.com");
	assert_int_equal(dns_fwd_reply(&f, r, len, U1, DNS_PORT, 6024, T0 + 30, &out), 0);
	assert_int_equal(out.n, 2);
	expect_reply(0, 1, 0x0101, DNS_RCODE_NOERROR);
	assert_ptr_equal(out.act[0].data, r); /* relayed whole, no copy */
	assert_int_equal(out.act[0].len, len);
	assert_int_equal(out.act[1].kind, DNS_ACT_CLOSE);
	assert_int_equal(out.act[1].port, 6024);
	assert_int_equal(f.count, 0);
	assert_int_equal(f.stats.accepted, 1);
	assert_int_equal(f.stats.rtt_max_ms, 30);
	/* A second copy of the reply finds nothing. */
	assert_int_equal(dns_fwd_reply(&f, r, len, U1, DNS_PORT, 6024, T0 + 31, &out), -ENOENT);
	assert_int_equal(f.stats.r_no_query, 1);
}

static void test_reply_mismatch(void **state)
{
	uint8_t r[DNS_MSG_MAX + 8];
	struct dns_action a = forward("example.com", 1, 7, T0);
	size_t len;
	uint16_t p = a.port;

	(void)state;
	len = mkreply(r, a.id, "example.com");
#define REJECT(expr, err, counter)                                                                 \
	do {                                                                                       \
		uint64_t before = f.stats.counter;                                                 \
		assert_int_equal(expr, err);                                                       \
		assert_int_equal(out.n, 0);                                                        \
		assert_int_equal(f.stats.counter, before + 1);                                     \
		assert_int_equal(f.count, 1);                                                      \
	} while (0)
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, (uint16_t)(p + 1), T0, &out), -ENOENT,
	       r_no_query);
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, 0, T0, &out), -ENOENT, r_no_query);
	REJECT(dns_fwd_reply(&f, r, len, U2, DNS_PORT, p, T0, &out), -EPERM, r_bad_server);
	REJECT(dns_fwd_reply(&f, r, len, U1, 5353, p, T0, &out), -EPERM, r_bad_port);
	REJECT(dns_fwd_reply(&f, r, DNS_MSG_MAX + 1, U1, DNS_PORT, p, T0, &out), -EMSGSIZE,
	       r_too_long);
	REJECT(dns_fwd_reply(&f, r, 11, U1, DNS_PORT, p, T0, &out), -EBADMSG, r_malformed);
	REJECT(dns_fwd_reply(&f, r, len + 1, U1, DNS_PORT, p, T0, &out), -EBADMSG, r_malformed);
	dns_set_id(r, (uint16_t)(a.id + 1));
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EPERM, r_bad_id);
	/* Other name, type, class; no question at all. */
	len = mkreply(r, a.id, "example.org");
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EPERM, r_bad_question);
	len = mkreply(r, a.id, "example.com");
	wr16(r + 12 + 13, DNS_TYPE_AAAA);
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EPERM, r_bad_question);
	wr16(r + 12 + 13, DNS_TYPE_A);
	wr16(r + 12 + 15, 3);
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EPERM, r_bad_question);
	wr16(r + 12 + 15, DNS_CLASS_IN);
	memset(r + 2, 0, 10);
	wr16(r + 2, DNS_F_QR);
	REJECT(dns_fwd_reply(&f, r, DNS_HDR_LEN, U1, DNS_PORT, p, T0, &out), -EPERM,
	       r_bad_question);
	/* The query itself echoed back (QR clear), and another opcode. */
	len = mkquery(r, a.id, "example.com");
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EBADMSG, r_malformed);
	len = mkmsg(r, a.id, DNS_F_QR | 0x2000, "example.com", DNS_TYPE_A, 0);
	REJECT(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), -EBADMSG, r_malformed);
#undef REJECT
	/* The genuine reply, its question in another case, still gets through. */
	len = mkreply(r, a.id, "EXAMPLE.Com");
	assert_int_equal(dns_fwd_reply(&f, r, len, U1, DNS_PORT, p, T0, &out), 0);
	expect_reply(0, 1, 7, DNS_RCODE_NOERROR);
	assert_int_equal(f.stats.accepted, 1);
}

static void test_truncated(void **state)
{
	uint8_t r[512];
	struct dns_action a = forward("big.example", 2, 9, T0);
	size_t len = mkreply(r, a.id, "big.example");

	(void)state;
	/* TC set and the answer cut short: passed through as it is. */
	r[2] |= DNS_F_TC >> 8;
	wr16(r + 6, 3);
	assert_int_equal(dns_fwd_reply(&f, r, len - 5, U1, DNS_PORT, a.port, T0, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.act[0].kind, DNS_ACT_REPLY);
	assert_int_equal(out.act[0].len, len - 5);
	assert_int_equal(f.stats.truncated, 1);
}

static void test_merge(void **state)
{
	uint8_t b[512], r[512];
	struct dns_action a = forward("example.com", 1, 100, T0);
	size_t len = mkquery(b, 200, "example.com"), rlen;

	(void)state;
	/* Another client, same query: no second upstream query. */
	assert_int_equal(query(b, len, 2, T0 + 1), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.merged, 1);
	/* Its retransmission: nothing new. Then a new ID from the first client. */
	assert_int_equal(query(b, len, 2, T0 + 2), 0);
	assert_int_equal(f.stats.duplicate, 1);
	dns_set_id(b, 101);
	assert_int_equal(query(b, len, 1, T0 + 3), 0);
	assert_int_equal(f.stats.merged, 2);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.stats.forwarded, 1);

	rlen = mkreply(r, a.id, "example.com");
	assert_int_equal(dns_fwd_reply(&f, r, rlen, U1, DNS_PORT, a.port, T0 + 9, &out), 0);
	assert_int_equal(out.n, 4);
	expect_reply(0, 1, 100, 0);
	expect_reply(1, 2, 200, 0);
	expect_reply(2, 1, 101, 0);
	assert_int_equal(out.act[3].kind, DNS_ACT_CLOSE);
}

static void test_no_merge(void **state)
{
	uint8_t b[512];
	struct dns_action a = forward("example.com", 1, 1, T0), c;
	size_t len;

	(void)state;
	/* Other spelling, other flags, EDNS: each its own upstream query. */
	c = forward("EXAMPLE.com", 2, 1, T0);
	assert_int_not_equal(c.port, a.port);
	len = mkmsg(b, 1, 0, "example.com", DNS_TYPE_A, 0);
	assert_int_equal(query(b, len, 3, T0), 0);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	len = mkmsg(b, 1, DNS_F_RD, "example.com", DNS_TYPE_A, 1232);
	assert_int_equal(query(b, len, 4, T0), 0);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	len = mkmsg(b, 1, DNS_F_RD, "example.com", DNS_TYPE_AAAA, 0);
	assert_int_equal(query(b, len, 5, T0), 0);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(f.count, 5);
	assert_int_equal(f.stats.merged, 0);
}

static void test_waiters_full(void **state)
{
	uint8_t b[512];
	size_t len = mkquery(b, 1, "popular.example");

	(void)state;
	for (unsigned i = 0; i < DNS_FWD_WAITERS_MAX; i++) {
		assert_int_equal(query(b, len, i, T0), 0);
		assert_int_equal(out.n, i == 0 ? 1 : 0);
	}
	assert_int_equal(query(b, len, 99, T0), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.merge_full, 1);
	assert_int_equal(f.stats.merged, DNS_FWD_WAITERS_MAX - 1);
}

static void test_table_full(void **state)
{
	uint8_t b[512], r[512];
	struct dns_action a[4];
	char name[32];
	size_t len;

	(void)state;
	setup_cap(4);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "host%u.example", i);
		a[i] = forward(name, i, (uint16_t)i, T0);
	}
	len = mkquery(b, 77, "host9.example");
	assert_int_equal(query(b, len, 9, T0), 0);
	assert_int_equal(out.n, 1);
	expect_reply(0, 9, 77, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.table_full, 1);
	/* Nothing was evicted: every entry is still there on its port. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ent[i].port, a[i].port);
	/* A merge still works when full. */
	len = mkquery(b, 78, "host0.example");
	assert_int_equal(query(b, len, 8, T0), 0);
	assert_int_equal(out.n, 0);
	/* Once one is answered there is room again. */
	len = mkreply(r, a[2].id, "host2.example");
	assert_int_equal(dns_fwd_reply(&f, r, len, U1, DNS_PORT, a[2].port, T0, &out), 0);
	forward("host9.example", 9, 79, T0);
	assert_int_equal(f.stats.pending_max, 4);
}

static void test_retransmit(void **state)
{
	uint32_t ups[2] = {U1, U2};
	uint8_t b[512], r[512];
	struct dns_action a;
	struct dns_msg m;
	size_t len;

	(void)state;
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 2), 0);
	a = forward("slow.example", 1, 11, T0);
	len = mkquery(b, 12, "slow.example");
	assert_int_equal(query(b, len, 2, T0 + 10), 0);
	assert_int_equal(a.server, U1);

	assert_int_equal(dns_fwd_tick(&f, T0 + 999, &out), 0);
	assert_int_equal(out.n, 0);
	/* Not sent to U2 yet: its reply is not accepted. */
	len = mkreply(r, a.id, "slow.example");
	assert_int_equal(dns_fwd_reply(&f, r, len, U2, DNS_PORT, a.port, T0 + 999, &out), -EPERM);
	/* 1 s: to the other upstream, same port and ID. */
	assert_int_equal(dns_fwd_tick(&f, T0 + 1000, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(out.act[0].server, U2);
	assert_int_equal(out.act[0].port, a.port);
	assert_int_equal(out.act[0].id, a.id);
	assert_ptr_equal(out.act[0].data, a.data);
	/* 2 s later: back to the first. */
	assert_int_equal(dns_fwd_tick(&f, T0 + 2999, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 3000, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.act[0].server, U1);
	assert_int_equal(f.stats.retransmits, 2);
	/* At the 4 s deadline, before a stub resolver's first 5 s timeout, though
	 * the last try waited only 1 s of its 4: SERVFAIL to both clients, the
	 * port closed. */
	assert_int_equal(dns_fwd_tick(&f, T0 + 3999, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 4000, &out), 0);
	assert_int_equal(out.n, 3);
	expect_reply(0, 1, 11, DNS_RCODE_SERVFAIL);
	expect_reply(1, 2, 12, DNS_RCODE_SERVFAIL);
	assert_int_equal(dns_msg_parse(out.act[0].data, out.act[0].len, &m), 0);
	assert_true(m.has_q);
	assert_memory_equal(m.q.name, "\4slow\7example", 14);
	assert_int_equal(out.act[2].kind, DNS_ACT_CLOSE);
	assert_int_equal(out.act[2].port, a.port);
	assert_int_equal(f.stats.timeouts, 1);
	assert_int_equal(f.count, 0);
}

static void test_retry_reply_any_tried(void **state)
{
	uint32_t ups[2] = {U1, U2};
	uint8_t r[512];
	struct dns_action a;
	size_t len;

	(void)state;
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 2), 0);
	a = forward("late.example", 1, 5, T0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 1000, &out), 0);
	/* The first server's late answer is still the reply: it was sent that query. */
	len = mkreply(r, a.id, "late.example");
	assert_int_equal(dns_fwd_reply(&f, r, len, U1, DNS_PORT, a.port, T0 + 1100, &out), 0);
	expect_reply(0, 1, 5, 0);
	/* Upstreams removed while a query waits: it fails at its next deadline. */
	a = forward("lost.example", 2, 6, T0);
	assert_int_equal(dns_fwd_set_upstreams(&f, NULL, 0), 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 1000, &out), 0);
	expect_reply(0, 2, 6, DNS_RCODE_SERVFAIL);
}

/* One client may hold DNS_FWD_PER_CLIENT pending queries, not the table:
 * 64 distinct names from one guest no longer starve the others. */
static void test_client_share(void **state)
{
	uint8_t b[512];
	char name[32];
	size_t len;

	(void)state;
	for (unsigned i = 0; i < DNS_FWD_PER_CLIENT; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		forward(name, 1, (uint16_t)i, T0);
	}
	len = mkquery(b, 99, "one-more.example");
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 99, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.client_full, 1);
	/* Another client is served; and the first may still join a query
	 * another opened (a merge costs no entry). */
	forward("other.example", 2, 7, T0);
	len = mkquery(b, 100, "other.example");
	assert_int_equal(query(b, len, 1, T0), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.merged, 1);
	assert_int_equal(f.count, DNS_FWD_PER_CLIENT + 1);
}

/* `quota dns-queries`: a smaller share refuses sooner; 0 lifts it. */
static void test_client_share_set(void **state)
{
	uint8_t b[512];
	size_t len;

	(void)state;
	dns_fwd_set_per_client(&f, 2);
	forward("a.example", 1, 1, T0);
	forward("b.example", 1, 2, T0);
	len = mkquery(b, 3, "c.example");
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 3, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.client_full, 1);
	dns_fwd_set_per_client(&f, 0);
	for (unsigned i = 0; i < DNS_FWD_PER_CLIENT + 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "m%u.example", i);
		forward(name, 1, (uint16_t)(10 + i), T0);
	}
	assert_int_equal(f.stats.client_full, 1);
}

static void test_deadline(void **state)
{
	struct dns_action a;

	(void)state;
	/* Without a deadline the tries would end at 1 + 2 + 4 s. */
	assert_int_equal(dns_fwd_set_deadline(&f, 0), -EINVAL);
	assert_int_equal(dns_fwd_set_deadline(&f, DNS_FWD_TIMEOUT_MAX + 1), -EINVAL);
	assert_int_equal(dns_fwd_set_deadline(&f, 60000), 0);
	a = forward("slow.example", 1, 11, T0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 1000, &out), 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 3000, &out), 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 6999, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 7000, &out), 0);
	expect_reply(0, 1, 11, DNS_RCODE_SERVFAIL);
	/* A deadline shorter than the first wait ends the query before any retry. */
	assert_int_equal(dns_fwd_set_deadline(&f, 500), 0);
	a = forward("slower.example", 2, 12, T0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 499, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_tick(&f, T0 + 500, &out), 0);
	expect_reply(0, 2, 12, DNS_RCODE_SERVFAIL);
	assert_int_equal(out.act[1].kind, DNS_ACT_CLOSE);
	assert_int_equal(out.act[1].port, a.port);
	assert_int_equal(f.stats.retransmits, 2);
	assert_int_equal(f.stats.timeouts, 2);
}

static void test_unreachable(void **state)
{
	uint32_t ups[2] = {U1, U2};
	struct dns_action a;

	(void)state;
	/* One upstream: its ICMP port unreachable fails the query at once. */
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 1), 0);
	a = forward("closed.example", 1, 11, T0);
	/* About another port, or from a server not asked: ignored, counted. */
	assert_int_equal(dns_fwd_unreachable(&f, (uint16_t)(a.port + 1), U1, T0 + 5, &out),
			 -ENOENT);
	assert_int_equal(dns_fwd_unreachable(&f, a.port, U2, T0 + 5, &out), -EPERM);
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.unreach_ignored, 2);
	assert_int_equal(dns_fwd_unreachable(&f, a.port, U1, T0 + 10, &out), 0);
	expect_reply(0, 1, 11, DNS_RCODE_SERVFAIL);
	assert_int_equal(out.act[1].kind, DNS_ACT_CLOSE);
	assert_int_equal(f.count, 0);
	assert_int_equal(f.stats.unreachable, 1);
	assert_int_equal(f.stats.unreach_fail, 1);

	/* Two: the next one is tried at once, same port and ID; when it is
	 * unreachable too, SERVFAIL. */
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 2), 0);
	a = forward("closed.example", 2, 12, T0);
	assert_int_equal(a.server, U1);
	assert_int_equal(dns_fwd_unreachable(&f, a.port, U1, T0 + 10, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(out.act[0].server, U2);
	assert_int_equal(out.act[0].port, a.port);
	assert_int_equal(out.act[0].id, a.id);
	assert_int_equal(dns_fwd_unreachable(&f, a.port, U2, T0 + 20, &out), 0);
	expect_reply(0, 2, 12, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.unreachable, 3);
	assert_int_equal(f.stats.unreach_fail, 2);
	assert_int_equal(dns_fwd_check(&f), 0);
}

static void test_errors(void **state)
{
	uint8_t b[DNS_MSG_MAX + 8];
	struct dns_msg m;
	const struct dns_client port0 = {0xc0a86381, 0, 0};
	size_t len;

	(void)state;
	memset(b, 0, sizeof(b));
	/* Unanswerable: too short, a response, longer than we handle. */
	assert_int_equal(query(b, 11, 1, T0), 0);
	assert_int_equal(out.n, 0);
	len = mkmsg(b, 1, DNS_F_QR, "example.com", DNS_TYPE_A, 0);
	assert_int_equal(query(b, len, 1, T0), 0);
	assert_int_equal(out.n, 0);
	len = mkquery(b, 1, "example.com");
	assert_int_equal(query(b, DNS_MSG_MAX + 1, 1, T0), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_query(&f, NULL, b, len, &port0, T0, &out), 0); /* unanswerable */
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.q_dropped, 4);
	/* FORMERR: trailing bytes, no question, two questions, TC set. */
	assert_int_equal(query(b, len + 3, 1, T0), 0);
	expect_reply(0, 1, 1, DNS_RCODE_FORMERR);
	assert_int_equal(dns_msg_parse(out.act[0].data, out.act[0].len, &m), 0);
	assert_false(m.has_q);
	wr16(b + 4, 0);
	assert_int_equal(query(b, DNS_HDR_LEN, 1, T0), 0);
	expect_reply(0, 1, 1, DNS_RCODE_FORMERR);
	wr16(b + 4, 2);
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 1, DNS_RCODE_FORMERR);
	len = mkmsg(b, 2, DNS_F_TC, "example.com", DNS_TYPE_A, 0);
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 2, DNS_RCODE_FORMERR);
	assert_int_equal(f.stats.q_formerr, 4);
	/* NOTIMP: NOTIFY (opcode 4), question copied. */
	len = mkmsg(b, 3, 4 << 11, "example.com", 6, 0);
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 3, DNS_RCODE_NOTIMP);
	assert_int_equal(dns_msg_parse(out.act[0].data, out.act[0].len, &m), 0);
	assert_true(m.has_q);
	assert_int_equal(DNS_OPCODE(m.hdr.flags), 4);
	/* BADVERS: EDNS version 1. */
	len = mkmsg(b, 4, DNS_F_RD, "example.com", DNS_TYPE_A, 1232);
	b[len - 5] = 1;
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 4, 0);
	assert_int_equal(out.act[0].data[out.act[0].len - 6], 1); /* extended RCODE 16 */
	assert_int_equal(f.stats.q_badvers, 1);
	/* Too long to keep for forwarding: REFUSED. */
	len = mkmsg(b, 5, DNS_F_RD, "example.com", DNS_TYPE_A, 1232);
	wr16(b + len - 2, 600);
	memset(b + len, 0, 600);
	len += 600;
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 5, DNS_RCODE_REFUSED);
	assert_int_equal(f.stats.q_too_long, 1);
	/* No upstream: SERVFAIL at once. */
	assert_int_equal(dns_fwd_set_upstreams(&f, NULL, 0), 0);
	len = mkquery(b, 6, "example.com");
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 6, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.no_upstream, 1);
	assert_int_equal(f.count, 0);
}

static void test_edns_clamp(void **state)
{
	uint8_t b[512];
	size_t len;

	(void)state;
	len = mkmsg(b, 1, DNS_F_RD, "example.com", DNS_TYPE_A, 4096);
	assert_int_equal(query(b, len, 1, T0), 0);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(rd16(out.act[0].data + len - 8), DNS_MSG_MAX);
	assert_int_equal(rd16(b + len - 8), 4096); /* the caller's bytes untouched */
	/* The same query again merges: it is compared after clamping. */
	assert_int_equal(query(b, len, 2, T0), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(f.stats.merged, 1);
	len = mkmsg(b, 1, DNS_F_RD, "example.org", DNS_TYPE_A, 512);
	assert_int_equal(query(b, len, 1, T0), 0);
	assert_int_equal(rd16(out.act[0].data + len - 8), 512);
}

static int fake_lookup(void *ctx, const char *name, uint32_t *addr)
{
	(void)ctx;
	if (strcmp(name, "web1") != 0)
		return -ENOENT;
	*addr = 0xc0a8630a;
	return 0;
}

static void test_local(void **state)
{
	struct dns_local loc = {.lookup = fake_lookup};
	struct dns_client c = client(1);
	uint8_t b[512];
	size_t len;

	(void)state;
	assert_int_equal(dns_local_set_domain(&loc, "localdomain"), 0);
	len = mkmsg(b, 1, DNS_F_RD, "web1", DNS_TYPE_A, 0);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	expect_reply(0, 1, 1, DNS_RCODE_NOERROR);
	assert_true(rd16(out.act[0].data + 2) & DNS_F_AA);
	assert_int_equal(rd16(out.act[0].data + 6), 1);
	len = mkmsg(b, 2, DNS_F_RD, "web1.localdomain", DNS_TYPE_AAAA, 1232);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	expect_reply(0, 1, 2, DNS_RCODE_NOERROR);
	assert_int_equal(rd16(out.act[0].data + 6), 0);
	assert_int_equal(rd16(out.act[0].data + 10), 1); /* OPT, since the query had one */
	len = mkmsg(b, 3, DNS_F_RD, "db9.localdomain", DNS_TYPE_A, 0);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	expect_reply(0, 1, 3, DNS_RCODE_NXDOMAIN);
	len = mkmsg(b, 4, DNS_F_RD, "db9", DNS_TYPE_A, 0);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	assert_int_equal(out.act[0].kind, DNS_ACT_SEND);
	assert_int_equal(f.stats.local_answer, 1);
	assert_int_equal(f.stats.local_nodata, 1);
	assert_int_equal(f.stats.local_nxdomain, 1);
	assert_int_equal(f.stats.forwarded, 1);
	/* A network that forwards nothing (host-only): local names still
	 * answered, others REFUSED and counted, nothing sent upstream. */
	loc.local_only = true;
	len = mkmsg(b, 5, DNS_F_RD, "example.org", DNS_TYPE_A, 0);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	expect_reply(0, 1, 5, DNS_RCODE_REFUSED);
	assert_int_equal(out.n, 1);
	assert_int_equal(f.stats.q_not_local, 1);
	assert_int_equal(f.stats.forwarded, 1);
	len = mkmsg(b, 6, DNS_F_RD, "web1", DNS_TYPE_A, 0);
	assert_int_equal(dns_fwd_query(&f, &loc, b, len, &c, T0, &out), 0);
	expect_reply(0, 1, 6, DNS_RCODE_NOERROR);
}

static void test_ports(void **state)
{
	static const uint16_t avoid[] = {2001};
	uint8_t b[512];
	size_t len;
	uint16_t seen_id = 0;
	int ids_differ = 0;

	(void)state;
	assert_int_equal(dns_fwd_set_ports(&f, 2000, 2002, avoid, 1), 0);
	/* Draws 1 (avoided) then 0: port 2000. Then 0 (taken), 1, 2: port 2002. */
	rand_queue(6, (const uint32_t[]){1, 0, 77, 0, 1, 2});
	assert_int_equal(forward("a.example", 1, 1, T0).port, 2000);
	assert_int_equal(forward("b.example", 1, 2, T0).port, 2002);
	/* The range is used up: SERVFAIL, counted. */
	len = mkquery(b, 3, "c.example");
	assert_int_equal(query(b, len, 1, T0), 0);
	expect_reply(0, 1, 3, DNS_RCODE_SERVFAIL);
	assert_int_equal(f.stats.no_port, 1);
	assert_int_equal(f.count, 2);

	/* Default range, real randomness: distinct ports, varied IDs. */
	setup_cap(64);
	for (unsigned i = 0; i < 64; i++) {
		char name[32];
		struct dns_action a;

		snprintf(name, sizeof(name), "n%u.example", i);
		a = forward(name, i, 1, T0);
		assert_true(a.port >= DNS_FWD_PORT_MIN);
		for (unsigned k = 0; k < i; k++)
			assert_int_not_equal(ent[k].port, a.port);
		ids_differ += i > 0 && a.id != seen_id;
		seen_id = a.id;
	}
	assert_true(ids_differ > 60);
}

static void test_abort(void **state)
{
	struct dns_action a = forward("x.example", 3, 33, T0);

	(void)state;
	assert_int_equal(dns_fwd_abort(&f, (uint16_t)(a.port + 1), &out), -ENOENT);
	assert_int_equal(dns_fwd_abort(&f, 0, &out), -ENOENT);
	assert_int_equal(dns_fwd_abort(&f, a.port, &out), 0);
	assert_int_equal(out.n, 2);
	expect_reply(0, 3, 33, DNS_RCODE_SERVFAIL);
	assert_int_equal(out.act[1].kind, DNS_ACT_CLOSE);
	assert_int_equal(f.stats.aborted, 1);
	assert_int_equal(f.count, 0);
}

static void test_tick_batches(void **state)
{
	uint8_t b[512];
	unsigned sends = 0, fails = 0, closes = 0, calls = 0;
	char name[32];
	int more;

	(void)state;
	/* More retransmissions due at once than one dns_out holds. */
	for (unsigned i = 0; i < 3 * DNS_OUT_MAX; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		forward(name, i, 1, T0);
		if (i % 2 == 0) {
			/* Every other entry has two more waiters. */
			size_t len = mkquery(b, 2, name);

			query(b, len, i + 100, T0);
			query(b, len, i + 200, T0);
		}
	}
	do {
		more = dns_fwd_tick(&f, T0 + 1000, &out);
		sends += out.n;
		calls++;
	} while (more);
	assert_int_equal(sends, 3 * DNS_OUT_MAX);
	assert_int_equal(calls, 3);
	/* Then all expire together; one SERVFAIL per call at most. */
	dns_fwd_set_retry(&f, 1000, 2);
	calls = 0;
	do {
		more = dns_fwd_tick(&f, T0 + 3000, &out);
		for (unsigned i = 0; i < out.n; i++) {
			fails += out.act[i].kind == DNS_ACT_REPLY;
			closes += out.act[i].kind == DNS_ACT_CLOSE;
		}
		calls++;
		assert_int_equal(dns_fwd_check(&f), 0);
	} while (more);
	assert_int_equal(closes, 3 * DNS_OUT_MAX);
	assert_int_equal(fails, 3 * DNS_OUT_MAX + 2 * (3 * DNS_OUT_MAX / 2));
	assert_int_equal(calls, 3 * DNS_OUT_MAX);
	assert_int_equal(f.count, 0);
}

static void test_clock_wrap(void **state)
{
	const uint32_t t = 0xfffffe00u;
	struct dns_action a = forward("wrap.example", 1, 1, t);

	(void)state;
	assert_int_equal(dns_fwd_tick(&f, t + 999, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(dns_fwd_tick(&f, t + 1000, &out), 0); /* past zero */
	assert_int_equal(out.n, 1);
	assert_int_equal(out.act[0].port, a.port);
}

/* Output captured from "show dns". */
static char cap[8192];
static size_t cap_len;

static void cap_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	assert_true(cap_len + len < sizeof(cap));
	memcpy(cap + cap_len, buf, len);
	cap_len += len;
	cap[cap_len] = '\0';
}

static void test_show(void **state)
{
	struct cli_out co = {cap_write, NULL};
	uint32_t ups[2] = {U1, U2};

	(void)state;
	dns_fwd_set_upstreams(&f, ups, 2);
	forward("example.com", 1, 1, T0);
	forward("n2.example", 2, 1, T0);
	cap_len = 0;
	assert_int_equal(dns_fwd_show(&f, T0 + 250, 1, &co), 0);
	assert_non_null(strstr(
		cap,
		"upstream 10.88.0.1 10.88.0.2; timeout 1000 ms, 3 tries, servfail after 4000 ms"));
	assert_non_null(strstr(cap, "pending 2 of 64 (most 2)"));
	assert_non_null(strstr(cap, "forwarded 2"));
	assert_non_null(strstr(cap, "wrong question 0"));
	assert_non_null(strstr(cap, "250     example.com A\n"));
	assert_non_null(strstr(cap, "... 1 more"));
	assert_null(strstr(cap, "n2.example"));
	for (char *p = cap; (p = strchr(p, '\n')) != NULL; p++)
		assert_true(p == cap + cap_len - 1 || p[1] != '\0');
	dns_fwd_set_upstreams(&f, NULL, 0);
	cap_len = 0;
	dns_fwd_show(&f, T0, 0, &co);
	assert_non_null(strstr(cap, "upstream none;"));
	assert_null(strstr(cap, "Port"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiters_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_reply_any_tried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edns_clamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_share_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
