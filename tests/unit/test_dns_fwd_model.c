/*
 * A long random run of net/dns/dns_fwd.c: queries for a few names from a few
 * clients with a few IDs, upstream replies genuine and forged, ticks, on
 * a small table that fills up. Every action is checked against what
 * caused it: a REPLY only to a (client, ID) still owed one, every SEND's
 * port closed exactly once, and in the end every query answered exactly
 * once or counted as needing no answer (a duplicate, or dropped because
 * its waiter list was full). Forged replies must never be relayed.
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

#define U1 0x0a580001u
#define U2 0x0a580002u

static struct dns_fwd f;
static struct dns_fwd_entry ent[16];
static struct dns_out out;

static uint32_t rx = 0x9e3779b9;

static uint32_t test_rand(void)
{
	rx ^= rx << 13;
	rx ^= rx >> 17;
	rx ^= rx << 5;
	return rx;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A query for (name) A from client (who) with ID (id). */
static void query(unsigned who, uint16_t id, const char *name, uint32_t now)
{
	struct dns_client c = {0xc0a86380u + who, (uint16_t)(40000 + who), (uint16_t)(who % 3)};
	uint8_t b[512] = {0};
	size_t n;

	wr16(b, id);
	wr16(b + 2, DNS_F_RD);
	wr16(b + 4, 1);
	assert_int_equal(dns_name_from_str(name, b + DNS_HDR_LEN, &n), 0);
	wr16(b + DNS_HDR_LEN + n, DNS_TYPE_A);
	wr16(b + DNS_HDR_LEN + n + 2, DNS_CLASS_IN);
	assert_int_equal(dns_fwd_query(&f, NULL, b, DNS_HDR_LEN + n + 4, &c, now, &out), 0);
}

static int asked[16][8];
static uint8_t port_open[65536];
static unsigned replies;
static const uint8_t *forged_msg;

static void account(void)
{
	for (unsigned i = 0; i < out.n; i++) {
		const struct dns_action *a = &out.act[i];
		unsigned who = (unsigned)a->to.port - 40000;

		switch (a->kind) {
		case DNS_ACT_REPLY:
			assert_true(who < 16 && a->id < 8);
			assert_false(a->data == forged_msg); /* never relayed */
			assert_true(asked[who][a->id] > 0);
			asked[who][a->id]--;
			replies++;
			break;
		case DNS_ACT_SEND:
			port_open[a->port] = 1;
			break;
		case DNS_ACT_CLOSE:
			assert_int_equal(port_open[a->port], 1);
			port_open[a->port] = 0;
			break;
		}
	}
}

static void tick_all(uint32_t now)
{
	int more;

	do {
		more = dns_fwd_tick(&f, now, &out);
		account();
	} while (more);
}

/* A reply to entry (e); (forge) 1-4 gets the ID, class, server or port wrong. */
static void reply_to(const struct dns_fwd_entry *e, unsigned forge, uint32_t now)
{
	static uint8_t good[512], bad[512];
	uint8_t *b = forge >= 1 && forge <= 4 ? bad : good;

	memset(b, 0, 512);
	forged_msg = bad;
	size_t len = DNS_HDR_LEN + e->q.name_len + 4u;

	wr16(b, forge == 1 ? (uint16_t)(e->id ^ 1) : e->id);
	wr16(b + 2, DNS_F_QR | DNS_F_RA);
	wr16(b + 4, 1);
	memcpy(b + DNS_HDR_LEN, e->q.name, e->q.name_len);
	wr16(b + DNS_HDR_LEN + e->q.name_len, e->q.qtype);
	wr16(b + DNS_HDR_LEN + e->q.name_len + 2, forge == 2 ? 3 : e->q.qclass);
	dns_fwd_reply(&f, b, len, forge == 3 ? U2 + 9 : e->sent_to[0], forge == 4 ? 1053 : DNS_PORT,
		      e->port, now, &out);
}

static void test_random_run(void **state)
{
	uint32_t ups[2] = {U1, U2}, now = 5000, draw = 12345;
	unsigned total = 0;

	(void)state;
	memset(asked, 0, sizeof(asked));
	memset(port_open, 0, sizeof(port_open));
	replies = 0;
	assert_int_equal(dns_fwd_init(&f, ent, 16, test_rand), 0);
	assert_int_equal(dns_fwd_set_upstreams(&f, ups, 2), 0);
	for (unsigned step = 0; step < 200000; step++) {
		uint32_t r;
		char name[16];

		draw = draw * 1103515245u + 12345u;
		r = draw >> 8;
		snprintf(name, sizeof(name), "h%u.example", (r >> 3) % 24);
		switch (r % 8) {
		case 0:
		case 1:
		case 2:
		case 3: {
			unsigned who = (r >> 6) % 16, id = (r >> 10) % 8;

			asked[who][id]++;
			total++;
			query(who, (uint16_t)id, name, now);
			account();
			break;
		}
		case 4:
		case 5:
			/* Half the replies are forged, one way or another. */
			if (ent[(r >> 3) % 16].port != 0) {
				reply_to(&ent[(r >> 3) % 16], (r >> 8) % 8, now);
				account();
			}
			break;
		case 6:
			now += (r >> 3) % 900;
			tick_all(now);
			break;
		}
		if (step % 64 == 0)
			assert_int_equal(dns_fwd_check(&f), 0);
	}
	/* Let everything time out, one try at a time, then account for every query. */
	for (unsigned k = 0; k < DNS_FWD_TRIES_DEFAULT; k++)
		tick_all(now += 4000);
	assert_int_equal(f.count, 0);
	for (unsigned p = 0; p < 65536; p++)
		assert_int_equal(port_open[p], 0);
	assert_int_equal(total - replies, f.stats.duplicate + f.stats.merge_full);
	printf("random run: %u queries, forwarded %llu, merged %llu, duplicate %llu, "
	       "accepted %llu, timeouts %llu, table full %llu, forged %llu\n",
	       total, (unsigned long long)f.stats.forwarded, (unsigned long long)f.stats.merged,
	       (unsigned long long)f.stats.duplicate, (unsigned long long)f.stats.accepted,
	       (unsigned long long)f.stats.timeouts, (unsigned long long)f.stats.table_full,
	       (unsigned long long)(f.stats.r_bad_id + f.stats.r_bad_server + f.stats.r_bad_port +
				    f.stats.r_bad_question));
	assert_true(f.stats.accepted > 1000 && f.stats.merged > 1000 && f.stats.timeouts > 100);
	assert_true(f.stats.r_bad_id > 0 && f.stats.r_bad_server > 0 && f.stats.r_bad_port > 0 &&
		    f.stats.r_bad_question > 0 && f.stats.table_full > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
