/*
 * Unit tests for net/dns/dns_local.c: splitting names at the network's domain,
 * reading in-addr.arpa names, and the local answers: A for DHCP names
 * unqualified and under the domain, in any case; NOERROR without data for
 * other types; NXDOMAIN for unknown names under the domain; PTR for the
 * network's addresses; forwarding for everything else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/dns/dns_local.h"

#define WEB1 0xc0a8630au /* 192.168.99.10 */

static int lookups;

static int fake_lookup(void *ctx, const char *name, uint32_t *addr)
{
	(void)ctx;
	lookups++;
	if (strcmp(name, "web1") == 0) {
		*addr = WEB1;
		return 0;
	}
	return -ENOENT;
}

static int fake_reverse(void *ctx, uint32_t addr, char *name, size_t size)
{
	(void)ctx;
	if (addr == WEB1) {
		snprintf(name, size, "web1");
		return 0;
	}
	if (addr == WEB1 + 1) {
		snprintf(name, size, "bad.name"); /* not one label: ignored */
		return 0;
	}
	return -ENOENT;
}

static struct dns_local loc;

static int setup(void **state)
{
	(void)state;
	memset(&loc, 0, sizeof(loc));
	assert_int_equal(dns_local_set_domain(&loc, "localdomain"), 0);
	loc.net = 0xc0a86302;
	loc.mask = 0xffffff00;
	loc.lookup = fake_lookup;
	loc.reverse = fake_reverse;
	lookups = 0;
	return 0;
}

static size_t wire(const char *s, uint8_t *n)
{
	size_t len;

	assert_int_equal(dns_name_from_str(s, n, &len), 0);
	return len;
}

/* Parses a query for (name) (qtype) (qclass) into (m). */
static void query(struct dns_msg *m, const char *name, uint16_t qtype, uint16_t qclass)
{
	uint8_t b[512] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t len = DNS_HDR_LEN + wire(name, b + DNS_HDR_LEN);

	b[len] = (uint8_t)(qtype >> 8);
	b[len + 1] = (uint8_t)qtype;
	b[len + 2] = (uint8_t)(qclass >> 8);
	b[len + 3] = (uint8_t)qclass;
	assert_int_equal(dns_msg_parse(b, len + 4, m), 0);
}

/* Runs dns_local_answer() on (name) and returns its result, the response parsed into (r). */
static int ask(const char *name, uint16_t qtype, uint16_t qclass, struct dns_msg *r, uint8_t *buf)
{
	struct dns_msg m;
	size_t len = 0;
	int k;

	query(&m, name, qtype, qclass);
	k = dns_local_answer(&loc, &m, buf, DNS_UDP_PLAIN_MAX, &len);
	if (k > 0) {
		assert_int_equal(dns_msg_parse(buf, len, r), 0);
		assert_int_equal(r->hdr.id, 0x1234);
		assert_true(r->hdr.flags & DNS_F_QR);
		assert_true(r->hdr.flags & DNS_F_AA);
		assert_true(dns_question_eq(&r->q, &m.q));
		assert_memory_equal(r->q.name, m.q.name, m.q.name_len); /* spelling kept */
	}
	return k;
}

static void test_set_domain(void **state)
{
	(void)state;
	assert_int_equal(loc.domain_len, 13);
	assert_memory_equal(loc.domain, "\13localdomain", 13);
	assert_int_equal(dns_local_set_domain(&loc, "bad domain"), -EINVAL);
	assert_int_equal(dns_local_set_domain(&loc, "."), -EINVAL);
	assert_int_equal(loc.domain_len, 13);
	assert_int_equal(dns_local_set_domain(&loc, "lab.example."), 0);
	assert_int_equal(loc.domain_len, 13);
	assert_int_equal(dns_local_set_domain(&loc, NULL), 0);
	assert_int_equal(loc.domain_len, 0);
}

static void test_under(void **state)
{
	uint8_t n[DNS_NAME_MAX], d[DNS_NAME_MAX];
	size_t dl = wire("localdomain", d);

	(void)state;
	assert_int_equal(dns_name_under(n, wire("localdomain", n), d, dl), 0);
	assert_int_equal(dns_name_under(n, wire("LocalDomain.", n), d, dl), 0);
	assert_int_equal(dns_name_under(n, wire("web1.localdomain", n), d, dl), 1);
	assert_int_equal(dns_name_under(n, wire("a.b.LOCALDOMAIN", n), d, dl), 2);
	assert_int_equal(dns_name_under(n, wire("xlocaldomain", n), d, dl), -1);
	assert_int_equal(dns_name_under(n, wire("ab.xlocaldomain", n), d, dl), -1);
	assert_int_equal(dns_name_under(n, wire("localdomain.com", n), d, dl), -1);
	assert_int_equal(dns_name_under(n, wire("web1", n), d, dl), -1);
	assert_int_equal(dns_name_under(n, wire("web1", n), d, 0), -1);
	/* A label whose octets look like the domain's wire form. */
	memcpy(n, "\15x\13localdomain\0", 16);
	assert_int_equal(dns_name_under(n, 16, d, dl), -1);
}

static void test_in_addr(void **state)
{
	uint8_t n[DNS_NAME_MAX];
	uint32_t a = 0;

	(void)state;
	assert_int_equal(dns_name_in_addr(n, wire("10.99.168.192.in-addr.arpa", n), &a), 0);
	assert_int_equal(a, WEB1);
	assert_int_equal(dns_name_in_addr(n, wire("0.0.0.0.IN-ADDR.ARPA.", n), &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(dns_name_in_addr(n, wire("255.255.255.255.in-addr.arpa", n), &a), 0);
	assert_int_equal(a, 0xffffffffu);
	static const char *const bad[] = {
		"256.1.1.1.in-addr.arpa",  "010.1.1.1.in-addr.arpa",
		"1.1.1.in-addr.arpa",	   "1.1.1.1.1.in-addr.arpa",
		"1a.1.1.1.in-addr.arpa",   "1.1.1.1.ip6.arpa",
		"1.1.1.1.in-addr",	   "1.1.1.1",
		"1000.1.1.1.in-addr.arpa", "in-addr.arpa",
		"-1.1.1.1.in-addr.arpa",   "1.1.1.1.in-addr.arpa.com",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_name_in_addr(n, wire(bad[i], n), &a), -EINVAL);
}

static void test_a(void **state)
{
	uint8_t buf[DNS_UDP_PLAIN_MAX];
	struct dns_msg r;
	static const uint8_t want[4] = {192, 168, 99, 10};

	(void)state;
	static const char *const names[] = {"web1", "WEB1", "web1.localdomain",
					    "Web1.LocalDomain."};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ask(names[i], DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
				 DNS_LOCAL_ANSWER);
		assert_int_equal(r.hdr.flags & DNS_F_RCODE, DNS_RCODE_NOERROR);
		assert_int_equal(r.hdr.ancount, 1);
		/* The record is the last 16 octets: pointer, type, class, TTL, length, address. */
		assert_int_equal(buf[r.end - 16], 0xc0);
		assert_int_equal(buf[r.end - 13], DNS_TYPE_A);
		assert_int_equal(buf[r.end - 7], DNS_LOCAL_TTL);
		assert_memory_equal(buf + r.end - 4, want, 4);
	}
	assert_int_equal(ask("web1", DNS_TYPE_ANY, DNS_CLASS_IN, &r, buf), DNS_LOCAL_ANSWER);
	loc.ttl = 5;
	assert_int_equal(ask("web1", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_ANSWER);
	assert_int_equal(buf[r.end - 7], 5);
}

static void test_nodata_nxdomain(void **state)
{
	uint8_t buf[DNS_UDP_PLAIN_MAX];
	struct dns_msg r;

	(void)state;
	/* Known name, other type or class: NOERROR and no answer. */
	assert_int_equal(ask("web1", DNS_TYPE_AAAA, DNS_CLASS_IN, &r, buf), DNS_LOCAL_NODATA);
	assert_int_equal(r.hdr.flags & DNS_F_RCODE, DNS_RCODE_NOERROR);
	assert_int_equal(r.hdr.ancount, 0);
	assert_int_equal(ask("web1.localdomain", 15, DNS_CLASS_IN, &r, buf), DNS_LOCAL_NODATA);
	assert_int_equal(ask("web1", DNS_TYPE_A, 3, &r, buf), DNS_LOCAL_NODATA);
	assert_int_equal(ask("localdomain", 6 /* SOA */, DNS_CLASS_IN, &r, buf), DNS_LOCAL_NODATA);
	/* Unknown under the domain, or deeper: NXDOMAIN, never forwarded. */
	assert_int_equal(ask("db2.localdomain", DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NXDOMAIN);
	assert_int_equal(r.hdr.flags & DNS_F_RCODE, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.hdr.ancount, 0);
	assert_int_equal(r.hdr.nscount, 0);
	assert_int_equal(ask("a.web1.localdomain", DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NXDOMAIN);
	/* Unknown single labels and other names go upstream. */
	lookups = 0;
	assert_int_equal(ask("db2", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_FORWARD);
	assert_int_equal(lookups, 1);
	assert_int_equal(ask("example.com", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_FORWARD);
	assert_int_equal(ask("web1.example.com", DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_FORWARD);
	assert_int_equal(ask(".", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_FORWARD);
	assert_int_equal(lookups, 1);
}

static void test_ptr(void **state)
{
	uint8_t buf[DNS_UDP_PLAIN_MAX];
	struct dns_msg r;
	static const uint8_t target[] = "\4web1\13localdomain";

	(void)state;
	assert_int_equal(ask("10.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_ANSWER);
	assert_int_equal(r.hdr.ancount, 1);
	assert_int_equal(buf[r.end - sizeof(target) - 1], sizeof(target));
	assert_memory_equal(buf + r.end - sizeof(target), target, sizeof(target));
	/* Other types of a known address; unknown addresses of the subnet. */
	assert_int_equal(ask("10.99.168.192.in-addr.arpa", DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NODATA);
	assert_int_equal(ask("20.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NXDOMAIN);
	assert_int_equal(ask("11.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NXDOMAIN);
	/* Outside the subnet, or not a whole address: upstream's. */
	assert_int_equal(ask("10.98.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_FORWARD);
	assert_int_equal(ask("99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_FORWARD);
	/* Without a domain the target is the bare host name. */
	assert_int_equal(dns_local_set_domain(&loc, ""), 0);
	assert_int_equal(ask("10.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_ANSWER);
	assert_memory_equal(buf + r.end - 6, "\4web1", 6);
	/* No subnet: no reverse names. */
	loc.mask = 0;
	assert_int_equal(ask("10.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_FORWARD);
}

static void test_no_domain_no_callbacks(void **state)
{
	uint8_t buf[DNS_UDP_PLAIN_MAX];
	struct dns_msg r, m;
	size_t len;

	(void)state;
	assert_int_equal(dns_local_set_domain(&loc, NULL), 0);
	assert_int_equal(ask("web1", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_ANSWER);
	assert_int_equal(ask("web1.localdomain", DNS_TYPE_A, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_FORWARD);
	loc.lookup = NULL;
	loc.reverse = NULL;
	assert_int_equal(ask("web1", DNS_TYPE_A, DNS_CLASS_IN, &r, buf), DNS_LOCAL_FORWARD);
	assert_int_equal(ask("10.99.168.192.in-addr.arpa", DNS_TYPE_PTR, DNS_CLASS_IN, &r, buf),
			 DNS_LOCAL_NXDOMAIN);
	/* A buffer too small for the answer. */
	loc.lookup = fake_lookup;
	query(&m, "web1", DNS_TYPE_A, DNS_CLASS_IN);
	assert_int_equal(dns_local_answer(&loc, &m, buf, 20, &len), -ENOSPC);
	/* No question at all. */
	m.has_q = false;
	assert_int_equal(dns_local_answer(&loc, &m, buf, sizeof(buf), &len), DNS_LOCAL_FORWARD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_domain, setup),
		cmocka_unit_test_setup(test_under, setup),
		cmocka_unit_test_setup(test_in_addr, setup),
		cmocka_unit_test_setup(test_a, setup),
		cmocka_unit_test_setup(test_nodata_nxdomain, setup),
		cmocka_unit_test_setup(test_ptr, setup),
		cmocka_unit_test_setup(test_no_domain_no_callbacks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
