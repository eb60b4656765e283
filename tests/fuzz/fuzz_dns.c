/*
 * Fuzz target: DNS messages, which come from guests and from upstream
 * servers, through net/dns/dns_msg.c, net/dns/dns_local.c and net/dns/dns_fwd.c. Each
 * input is one message; its ID field (which no parser looks at) steers
 * the scenario, so that captured messages make good seeds. A fresh
 * forwarder takes the message as a client query (twice, to merge), then
 * as the upstream's reply to the query it caused, rightly or wrongly
 * addressed, then as a stray reply, and then the clock runs until every
 * query has been answered. Every action is checked: its bytes readable,
 * the responses the core built well-formed, the table's invariants kept.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/dns/dns_fwd.h"

#define UP1	      0x0a580001u
#define UP2	      0x0a580002u
#define FZ_HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t fz_state;

static uint32_t fz_rand(void)
{
	fz_state ^= fz_state << 13;
	fz_state ^= fz_state >> 17;
	fz_state ^= fz_state << 5;
	return fz_state;
}

static int fz_lookup(void *ctx, const char *name, uint32_t *addr)
{
	(void)ctx;
	if (strcmp(name, "web1") != 0)
		return -ENOENT;
	*addr = 0xc0a8630a;
	return 0;
}

static int fz_reverse(void *ctx, uint32_t addr, char *name, size_t size)
{
	(void)ctx;
	if (addr != 0xc0a8630a || size < 5)
		return -ENOENT;
	memcpy(name, "web1", 5);
	return 0;
}

/* Checks every action of (out); returns the port of its SEND, or 0. */
static uint16_t fz_check(const struct dns_fwd *f, const struct dns_out *out)
{
	uint16_t port = 0;
	uint8_t sum = 0;
	struct dns_msg m;

	if (out->n > DNS_OUT_MAX || dns_fwd_check(f) != 0)
		__builtin_trap();
	for (unsigned i = 0; i < out->n; i++) {
		const struct dns_action *a = &out->act[i];

		if (a->kind == DNS_ACT_CLOSE) {
			if (a->port == 0)
				__builtin_trap();
			continue;
		}
		if (a->data == NULL || a->len < DNS_HDR_LEN || a->len > DNS_MSG_MAX)
			__builtin_trap();
		for (size_t k = 0; k < a->len; k++)
			sum += a->data[k];
		/* What the core built or stored must be a message it would accept. */
		if ((a->data == out->buf || a->kind == DNS_ACT_SEND) &&
		    dns_msg_parse(a->data, a->len, &m) != 0)
			__builtin_trap();
		if (a->kind == DNS_ACT_SEND)
			port = a->port;
	}
	/* Keeps the reads: ASan sees them, the optimizer may not drop them. */
	__asm__ volatile("" : : "r"(sum));
	return port;
}

/* Exercises the pure helpers on whatever the message holds. */
static void fz_helpers(const uint8_t *data, size_t size, const struct dns_local *loc)
{
	char text[DNS_NAME_STRLEN];
	uint8_t name[DNS_NAME_MAX];
	struct dns_msg m;
	size_t len;
	uint32_t addr;

	for (size_t pos = 0; pos < size && pos < 48; pos++) {
		size_t p = pos;

		if (dns_name_read(data, size, &p, name, &len) == 0) {
			if (len == 0 || len > DNS_NAME_MAX || p > size)
				__builtin_trap();
			dns_name_to_str(name, len, text, sizeof(text));
		}
	}
	if (dns_msg_parse(data, size, &m) == 0 && m.has_q) {
		if (!dns_question_eq(&m.q, &m.q))
			__builtin_trap();
		dns_name_under(m.q.name, m.q.name_len, loc->domain, loc->domain_len);
		dns_name_in_addr(m.q.name, m.q.name_len, &addr);
		/* Text of host-name characters reads back to the same name. */
		if (dns_name_to_str(m.q.name, m.q.name_len, text, sizeof(text)) >= 0 &&
		    strspn(text, FZ_HOST_CHARS) == strlen(text) &&
		    (dns_name_from_str(text, name, &len) != 0 ||
		     !dns_name_eq(name, len, m.q.name, m.q.name_len)))
			__builtin_trap();
	}
}

static void fz_discard(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

/*
 * Bits of the message's ID: 0 two upstreams; 1-2 tries; 3 clear QR before
 * querying; 4 local names for the first client; 5 wrong reply ID; 6 reply
 * from the other upstream; 7 from a port other than 53; 8 abort all;
 * 9 "show dns"; 10 nine more clients (waiter list full); 11 variants of
 * the query (table full); 12 no upstream; 13 a three-port range.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_fwd_entry entries[4];
	static struct dns_fwd f;
	static struct dns_out out;
	static uint8_t msg[DNS_MSG_MAX + 1];
	static struct dns_local loc;
	static const uint16_t avoid[1] = {1025};
	const uint32_t ups[2] = {UP1, UP2};
	struct cli_out sink = {fz_discard, NULL};
	struct dns_client a = {0xc0a86380, 40000, 0}, b = {0xc0a86381, 40001, 1};
	uint16_t ctl = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0, port, id;
	uint32_t now = 0xfffff000u; /* wraps during the run */

	if (size > sizeof(msg))
		size = sizeof(msg);
	memset(&loc, 0, sizeof(loc));
	dns_local_set_domain(&loc, "localdomain");
	loc.net = 0xc0a86300;
	loc.mask = 0xffffff00;
	loc.lookup = fz_lookup;
	loc.reverse = fz_reverse;
	fz_helpers(data, size, &loc);

	fz_state = 0x12345678u ^ ctl;
	dns_fwd_init(&f, entries, 4, fz_rand);
	dns_fwd_set_upstreams(&f, ups, (ctl & 0x1000) ? 0 : 1 + (ctl & 1));
	dns_fwd_set_retry(&f, 100, 1 + (ctl >> 1 & 3));
	if (ctl & 0x2000)
		dns_fwd_set_ports(&f, 1024, 1026, avoid, 1);

	/* As a query, QR cleared or not, with or without local names. */
	memcpy(msg, data, size);
	if (size > 2 && (ctl & 8))
		msg[2] &= 0x7f;
	dns_fwd_query(&f, (ctl & 16) ? &loc : NULL, msg, size, &a, now, &out);
	port = fz_check(&f, &out);
	id = port ? out.act[0].id : 0;
	dns_fwd_query(&f, &loc, msg, size, &b, now + 1, &out);
	fz_check(&f, &out);
	dns_fwd_query(&f, &loc, msg, size, &b, now + 1, &out); /* retransmitted */
	fz_check(&f, &out);
	for (unsigned i = 0; (ctl & 0x400) && i < 9; i++) {
		struct dns_client c = {0xc0a86390 + i, (uint16_t)(50000 + i), 2};

		dns_fwd_query(&f, &loc, msg, size, &c, now + 1, &out);
		fz_check(&f, &out);
	}
	for (unsigned i = 1; (ctl & 0x800) && size > 0 && i <= 5; i++) {
		msg[size - 1] ^= (uint8_t)i;
		dns_fwd_query(&f, &loc, msg, size, &a, now + 1, &out);
		fz_check(&f, &out);
		msg[size - 1] ^= (uint8_t)i;
	}
	if (ctl & 0x200)
		dns_fwd_show(&f, now + 1, 4, &sink);

	/* As the reply to it: QR set, its ID, from the right or a wrong place. */
	if (size > 2)
		msg[2] |= 0x80;
	if (port && size >= 2) {
		dns_set_id(msg, (ctl & 32) ? (uint16_t)~id : id);
		dns_fwd_reply(&f, msg, size, (ctl & 64) ? UP2 : UP1, (ctl & 128) ? 5353 : DNS_PORT,
			      port, now + 2, &out);
		fz_check(&f, &out);
	}
	/* As it came, to whatever is pending. */
	for (unsigned i = 0; i < 4; i++) {
		if (entries[i].port == 0)
			continue;
		dns_fwd_reply(&f, data, size, UP1, DNS_PORT, entries[i].port, now + 3, &out);
		fz_check(&f, &out);
	}
	if (ctl & 256) {
		for (unsigned i = 0; i < 4; i++)
			if (entries[i].port != 0 && dns_fwd_abort(&f, entries[i].port, &out) == 0)
				fz_check(&f, &out);
	}
	/* Time passes until nothing is pending: 100 + 200 + 400 + 800 ms at most. */
	for (int step = 0; step < 64 && f.count > 0; step++) {
		now += 250;
		while (dns_fwd_tick(&f, now, &out))
			fz_check(&f, &out);
		fz_check(&f, &out);
	}
	if (f.count != 0)
		__builtin_trap();
	return 0;
}
