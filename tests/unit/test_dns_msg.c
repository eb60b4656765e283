/*
 * Unit tests for net/dns/dns_msg.c: header and question parsing of hostile
 * input (short headers, QDCOUNT 0 and 2, compression loops, forward and
 * header pointers, long labels and names, sections past the end, trailing
 * bytes, OPT placement), truncated responses, names to and from text,
 * case-insensitive question matching, and the responses it builds, read
 * back octet by octet and through the parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net/dns/dns_msg.h"

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void header(uint8_t *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
		   uint16_t ar)
{
	wr16(b, id);
	wr16(b + 2, flags);
	wr16(b + 4, qd);
	wr16(b + 6, an);
	wr16(b + 8, ns);
	wr16(b + 10, ar);
}

/* Appends an OPT record at (pos): payload (size), version (ver), DO (dnssec). */
static size_t put_opt(uint8_t *b, size_t pos, uint16_t size, uint8_t ver, int dnssec)
{
	b[pos] = 0;
	wr16(b + pos + 1, DNS_TYPE_OPT);
	wr16(b + pos + 3, size);
	b[pos + 5] = 0;
	b[pos + 6] = ver;
	b[pos + 7] = dnssec ? 0x80 : 0;
	b[pos + 8] = 0;
	wr16(b + pos + 9, 0);
	return pos + 11;
}

/* A query for (name) (qtype), with an OPT of (edns) bytes unless it is 0. */
static size_t mkquery(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, uint16_t edns)
{
	size_t n, pos = DNS_HDR_LEN;

	header(b, id, DNS_F_RD, 1, 0, 0, edns != 0);
	assert_int_equal(dns_name_from_str(name, b + pos, &n), 0);
	pos += n;
	wr16(b + pos, qtype);
	wr16(b + pos + 2, DNS_CLASS_IN);
	pos += 4;
	if (edns)
		pos = put_opt(b, pos, edns, 0, 0);
	return pos;
}

/* Appends an A record owned by a pointer to offset 12. */
static size_t put_a(uint8_t *b, size_t pos, uint32_t addr)
{
	wr16(b + pos, 0xc00c);
	wr16(b + pos + 2, DNS_TYPE_A);
	wr16(b + pos + 4, DNS_CLASS_IN);
	wr16(b + pos + 6, 0);
	wr16(b + pos + 8, 300);
	wr16(b + pos + 10, 4);
	b[pos + 12] = (uint8_t)(addr >> 24);
	b[pos + 13] = (uint8_t)(addr >> 16);
	b[pos + 14] = (uint8_t)(addr >> 8);
	b[pos + 15] = (uint8_t)addr;
	return pos + 16;
}

static void test_header(void **state)
{
	uint8_t b[64] = {0};
	struct dns_msg m;

	(void)state;
	for (size_t len = 0; len < DNS_HDR_LEN; len++)
		assert_int_equal(dns_msg_parse(b, len, &m), -EBADMSG);
	header(b, 0xbeef, DNS_F_QR | DNS_F_RA | DNS_RCODE_SERVFAIL, 0, 0, 0, 0);
	assert_int_equal(dns_msg_parse(b, DNS_HDR_LEN, &m), 0);
	assert_int_equal(m.hdr.id, 0xbeef);
	assert_int_equal(m.hdr.flags & DNS_F_RCODE, DNS_RCODE_SERVFAIL);
	assert_false(m.has_q);
	assert_false(m.edns);
	assert_int_equal(m.end, DNS_HDR_LEN);
	/* A question promised but absent. */
	header(b, 7, 0, 1, 0, 0, 0);
	assert_int_equal(dns_msg_parse(b, DNS_HDR_LEN, &m), -EBADMSG);
	assert_int_equal(m.hdr.id, 7);
	assert_int_equal(dns_get_id(b), 7);
	dns_set_id(b, 0xa55a);
	assert_int_equal(rd16(b), 0xa55a);
}

static void test_query(void **state)
{
	uint8_t b[512];
	struct dns_msg m;
	size_t len = mkquery(b, 0x1234, "Web1.LocalDomain", DNS_TYPE_A, 0);
	static const uint8_t name[] = "\4Web1\13LocalDomain";

	(void)state;
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	assert_int_equal(m.hdr.id, 0x1234);
	assert_int_equal(m.hdr.qdcount, 1);
	assert_true(m.has_q);
	assert_int_equal(m.q.name_len, sizeof(name));
	assert_memory_equal(m.q.name, name, sizeof(name));
	assert_int_equal(m.q.qtype, DNS_TYPE_A);
	assert_int_equal(m.q.qclass, DNS_CLASS_IN);
	assert_int_equal(m.q_end, len);
	assert_int_equal(m.end, len);
	/* Every shorter prefix is malformed. */
	for (size_t k = DNS_HDR_LEN; k < len; k++)
		assert_int_equal(dns_msg_parse(b, k, &m), -EBADMSG);
	/* Trailing garbage. */
	b[len] = 0;
	assert_int_equal(dns_msg_parse(b, len + 1, &m), -EBADMSG);
}

static void test_qdcount(void **state)
{
	uint8_t b[512];
	struct dns_msg m;
	size_t len = mkquery(b, 1, "a.example", DNS_TYPE_A, 0);

	(void)state;
	/* Two questions: the second copied after the first. */
	memcpy(b + len, b + DNS_HDR_LEN, len - DNS_HDR_LEN);
	wr16(b + 4, 2);
	assert_int_equal(dns_msg_parse(b, 2 * len - DNS_HDR_LEN, &m), -EBADMSG);
	assert_int_equal(m.hdr.qdcount, 2);
	/* None: the question bytes are then trailing garbage. */
	wr16(b + 4, 0);
	assert_int_equal(dns_msg_parse(b, len, &m), -EBADMSG);
	assert_int_equal(dns_msg_parse(b, DNS_HDR_LEN, &m), 0);
	assert_false(m.has_q);
}

static void test_compression(void **state)
{
	uint8_t b[512], name[DNS_NAME_MAX];
	struct dns_msg m;
	size_t len = mkquery(b, 9, "www.example.com", DNS_TYPE_A, 0), pos, nlen;

	(void)state;
	b[2] |= DNS_F_QR >> 8;
	wr16(b + 6, 2);
	len = put_a(b, len, 0x5db8d822);
	/* Second answer: "mail" then a pointer to "example.com" at offset 16. */
	pos = len;
	memcpy(b + len, "\4mail\300\20", 7);
	len += 7;
	wr16(b + len, DNS_TYPE_A);
	wr16(b + len + 2, DNS_CLASS_IN);
	memset(b + len + 4, 0, 4);
	wr16(b + len + 8, 4);
	memset(b + len + 10, 1, 4);
	len += 14;
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	assert_int_equal(m.end, len);
	assert_int_equal(dns_name_read(b, len, &pos, name, &nlen), 0);
	assert_int_equal(nlen, 18);
	assert_memory_equal(name, "\4mail\7example\3com", 18);
	assert_int_equal(pos, len - 10 - 4);
	/* A pointer-only name (hops 1) advances by two octets. */
	pos = 33; /* the first answer's owner */
	assert_int_equal(b[pos], 0xc0);
	assert_int_equal(dns_name_read(b, len, &pos, NULL, &nlen), 0);
	assert_int_equal(pos, 35);
	assert_int_equal(nlen, 17);
}

static void test_pointer_abuse(void **state)
{
	uint8_t b[600];
	struct dns_msg m;
	size_t pos, nlen;

	(void)state;
	memset(b, 0, sizeof(b));
	header(b, 1, 0, 1, 0, 0, 0);
	/* The question name points at itself. */
	memcpy(b + 12, "\300\14\0\1\0\1", 6);
	assert_int_equal(dns_msg_parse(b, 18, &m), -EBADMSG);
	/* Into the header. */
	memcpy(b + 12, "\300\2\0\1\0\1", 6);
	assert_int_equal(dns_msg_parse(b, 18, &m), -EBADMSG);
	/* Forward, to a valid name further on. */
	memcpy(b + 12, "\300\22\0\1\0\1\1a\0", 9);
	assert_int_equal(dns_msg_parse(b, 21, &m), -EBADMSG);
	/* Past the end, and cut in half. */
	memcpy(b + 12, "\300\377\0\1\0\1", 6);
	assert_int_equal(dns_msg_parse(b, 18, &m), -EBADMSG);
	pos = 12;
	assert_int_equal(dns_name_read(b, 13, &pos, NULL, &nlen), -EBADMSG);

	/* A label, then a pointer back to that label: backwards, yet a loop. */
	memcpy(b + 12, "\1a\300\14", 4);
	pos = 12;
	assert_int_equal(dns_name_read(b, 16, &pos, NULL, &nlen), -EBADMSG);
	/* Two names pointing into each other. */
	memcpy(b + 12, "\1a\300\20\1b\300\14", 8);
	pos = 16;
	assert_int_equal(dns_name_read(b, 20, &pos, NULL, &nlen), -EBADMSG);

	/* Chains of pointers to pointers: DNS_PTR_HOPS_MAX is allowed, one more is not. */
	b[12] = 0;
	for (unsigned i = 0; i <= DNS_PTR_HOPS_MAX; i++)
		wr16(b + 13 + 2 * i, (uint16_t)(0xc000 | (i == 0 ? 12 : 13 + 2 * (i - 1))));
	pos = 13 + 2 * (DNS_PTR_HOPS_MAX - 1);
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), 0);
	assert_int_equal(nlen, 1);
	pos = 13 + 2 * DNS_PTR_HOPS_MAX;
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), -EBADMSG);
}

static void test_labels(void **state)
{
	uint8_t b[600];
	struct dns_msg m;
	size_t pos, nlen;

	(void)state;
	memset(b, 'x', sizeof(b));
	header(b, 1, 0, 1, 0, 0, 0);
	/* 63 is the longest label; 64 and 128 are the reserved label types. */
	b[12] = 63;
	b[12 + 64] = 0;
	memset(b + 12 + 65, 0, 4);
	assert_int_equal(dns_msg_parse(b, 12 + 69, &m), 0);
	assert_int_equal(m.q.name_len, 65);
	b[12] = 64;
	assert_int_equal(dns_msg_parse(b, 12 + 69, &m), -EBADMSG);
	b[12] = 0x80;
	assert_int_equal(dns_msg_parse(b, 12 + 69, &m), -EBADMSG);

	/* 255 octets in all (three labels of 63, one of 61, the root) is the limit. */
	memset(b + 12, 'x', 300);
	for (int i = 0; i < 3; i++)
		b[12 + 64 * i] = 63;
	b[12 + 192] = 61;
	b[12 + 254] = 0;
	pos = 12;
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), 0);
	assert_int_equal(nlen, 255);
	b[12 + 192] = 62;
	b[12 + 254] = 'x';
	b[12 + 255] = 0;
	pos = 12;
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), -EBADMSG);

	/* Too long only once expanded: 200 octets of labels, then a pointer to them. */
	memset(b + 12, 'y', 400);
	for (int i = 0; i < 4; i++)
		b[12 + 50 * i] = 49;
	b[212] = 0;
	pos = 213;
	memcpy(b + 213, "\77", 1);
	b[213 + 64] = 0xc0;
	b[213 + 65] = 12;
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), -EBADMSG);
	b[213] = 50 - 1;
	b[213 + 50] = 0xc0;
	b[213 + 51] = 12;
	pos = 213;
	assert_int_equal(dns_name_read(b, sizeof(b), &pos, NULL, &nlen), 0);
	assert_int_equal(nlen, 251);
}

static void test_sections(void **state)
{
	uint8_t b[512];
	struct dns_msg m;
	size_t len = mkquery(b, 3, "example.com", DNS_TYPE_A, 0), qlen = len;

	(void)state;
	b[2] |= DNS_F_QR >> 8;
	wr16(b + 6, 1);
	len = put_a(b, len, 0x01020304);
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	/* RDLENGTH past the end. */
	wr16(b + len - 6, 5);
	assert_int_equal(dns_msg_parse(b, len, &m), -EBADMSG);
	wr16(b + len - 6, 4);
	/* More records promised than present. */
	wr16(b + 8, 1);
	assert_int_equal(dns_msg_parse(b, len, &m), -EBADMSG);
	/* ... unless the response is truncated: header and question suffice. */
	b[2] |= DNS_F_TC >> 8;
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	assert_true(m.has_q);
	assert_int_equal(m.q_end, qlen);
	assert_int_equal(dns_msg_parse(b, len - 3, &m), 0);
	assert_int_equal(dns_msg_parse(b, qlen - 1, &m), -EBADMSG);
	/* TC on a query earns no leniency. */
	b[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	assert_int_equal(dns_msg_parse(b, len - 3, &m), -EBADMSG);
	/* Too long for us at all. */
	assert_int_equal(dns_msg_parse(b, DNS_MSG_MAX + 1, &m), -EMSGSIZE);
}

static void test_opt(void **state)
{
	uint8_t b[512];
	struct dns_msg m;
	size_t len = mkquery(b, 3, "example.com", DNS_TYPE_A, 4096), qlen;

	(void)state;
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	assert_true(m.edns);
	assert_int_equal(m.edns_size, 4096);
	assert_int_equal(m.edns_version, 0);
	assert_false(m.edns_do);
	assert_int_equal(rd16(b + m.edns_size_off), 4096);
	qlen = len - 11;
	put_opt(b, qlen, 1232, 1, 1);
	assert_int_equal(dns_msg_parse(b, len, &m), 0);
	assert_int_equal(m.edns_version, 1);
	assert_true(m.edns_do);
	/* Two OPT records. */
	wr16(b + 10, 2);
	len = put_opt(b, len, 512, 0, 0);
	assert_int_equal(dns_msg_parse(b, len, &m), -EBADMSG);
	/* An OPT in the answer section. */
	header(b, 3, 0, 1, 1, 0, 0);
	assert_int_equal(dns_msg_parse(b, qlen + 11, &m), -EBADMSG);
	/* An OPT owned by a name other than the root. */
	header(b, 3, 0, 1, 0, 0, 1);
	memcpy(b + qlen, "\1x", 2);
	put_opt(b, qlen + 2, 512, 0, 0);
	assert_int_equal(dns_msg_parse(b, qlen + 13, &m), -EBADMSG);
}

static void test_names(void **state)
{
	uint8_t n[DNS_NAME_MAX], n2[DNS_NAME_MAX];
	char s[300], t[DNS_NAME_STRLEN];
	size_t len, len2;

	(void)state;
	assert_int_equal(dns_name_from_str("Web1.localdomain.", n, &len), 0);
	assert_int_equal(len, 18);
	assert_memory_equal(n, "\4Web1\13localdomain", 18);
	assert_int_equal(dns_name_to_str(n, len, t, sizeof(t)), 16);
	assert_string_equal(t, "Web1.localdomain");
	assert_int_equal(dns_name_from_str("", n, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(dns_name_to_str(n, len, t, sizeof(t)), 1);
	assert_string_equal(t, ".");
	assert_int_equal(dns_name_from_str(".", n, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(dns_name_from_str("a..b", n, &len), -EINVAL);
	assert_int_equal(dns_name_from_str(".a", n, &len), -EINVAL);
	assert_int_equal(dns_name_from_str("a b", n, &len), -EINVAL);
	assert_int_equal(dns_name_from_str("a\\.b", n, &len), -EINVAL);
	assert_int_equal(dns_name_from_str("my_host-1", n, &len), 0);

	/* Label and name limits. */
	memset(s, 'a', 63);
	s[63] = '\0';
	assert_int_equal(dns_name_from_str(s, n, &len), 0);
	s[63] = 'a';
	s[64] = '\0';
	assert_int_equal(dns_name_from_str(s, n, &len), -EINVAL);
	memset(s, 'a', 253);
	for (int i = 63; i < 253; i += 64)
		s[i] = '.';
	s[253] = '\0';
	assert_int_equal(dns_name_from_str(s, n, &len), 0);
	assert_int_equal(len, 255);
	assert_int_equal(dns_name_to_str(n, len, t, sizeof(t)), 253);
	assert_string_equal(t, s);
	assert_int_equal(dns_name_to_str(n, len, t, 253), -ENOSPC);
	assert_int_equal(dns_name_to_str(n, len, t, 254), 253);
	s[253] = 'a';
	s[254] = '\0';
	assert_int_equal(dns_name_from_str(s, n, &len), -EINVAL);

	/* Unprintable octets and malformed wire names are not turned into text. */
	memcpy(n, "\3a.b\0", 5);
	assert_int_equal(dns_name_to_str(n, 5, t, sizeof(t)), -EINVAL);
	memcpy(n, "\3a\0b\0", 5);
	assert_int_equal(dns_name_to_str(n, 5, t, sizeof(t)), -EINVAL);
	memcpy(n, "\5ab\0", 4);
	assert_int_equal(dns_name_to_str(n, 4, t, sizeof(t)), -EINVAL);
	assert_int_equal(dns_name_to_str(n, 0, t, sizeof(t)), -EINVAL);

	/* Case-insensitive comparison, ASCII letters only. */
	assert_int_equal(dns_name_from_str("WEB1.LocalDomain", n, &len), 0);
	assert_int_equal(dns_name_from_str("web1.localdomain", n2, &len2), 0);
	assert_true(dns_name_eq(n, len, n2, len2));
	assert_false(dns_name_eq(n, len, n2, len2 - 1));
	n2[1] = 'x';
	assert_false(dns_name_eq(n, len, n2, len2));
	memcpy(n, "\1\xc1\0", 3);
	memcpy(n2, "\1\xe1\0", 3);
	assert_false(dns_name_eq(n, 3, n2, 3));
}

static void test_question_eq(void **state)
{
	struct dns_question a = {0}, b;
	size_t len;

	(void)state;
	assert_int_equal(dns_name_from_str("Example.COM", a.name, &len), 0);
	a.name_len = (uint16_t)len;
	a.qtype = DNS_TYPE_A;
	a.qclass = DNS_CLASS_IN;
	b = a;
	assert_int_equal(dns_name_from_str("example.com", b.name, &len), 0);
	assert_true(dns_question_eq(&a, &b));
	b.qtype = DNS_TYPE_AAAA;
	assert_false(dns_question_eq(&a, &b));
	b.qtype = DNS_TYPE_A;
	b.qclass = 3;
	assert_false(dns_question_eq(&a, &b));
	b.qclass = DNS_CLASS_IN;
	assert_int_equal(dns_name_from_str("example.co", b.name, &len), 0);
	b.name_len = (uint16_t)len;
	assert_false(dns_question_eq(&a, &b));
}

static void test_build_answer(void **state)
{
	uint8_t q[512], r[512];
	static const uint8_t addr[4] = {192, 168, 99, 10};
	struct dns_rr rr = {DNS_TYPE_A, 60, addr, 4};
	struct dns_msg m, rm;
	size_t qlen = mkquery(q, 0x4242, "web1", DNS_TYPE_A, 0), len;
	static const uint8_t want[] = {
		0x42, 0x42, 0x85, 0x80, 0,   1, 0, 1, 0, 0,  0, 0, /* QR AA RD RA */
		4,    'w',  'e',  'b',	'1', 0, 0, 1, 0, 1,	   /* question */
		0xc0, 12,   0,	  1,	0,   1, 0, 0, 0, 60, 0, 4, 192, 168, 99, 10,
	};

	(void)state;
	assert_int_equal(dns_msg_parse(q, qlen, &m), 0);
	assert_int_equal(dns_build_response(&m, DNS_F_AA, 0, &rr, r, sizeof(r), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(r, want, sizeof(want));
	assert_int_equal(dns_msg_parse(r, len, &rm), 0);
	assert_true(dns_question_eq(&m.q, &rm.q));
	/* One octet short. */
	assert_int_equal(dns_build_response(&m, DNS_F_AA, 0, &rr, r, len - 1, &len), -ENOSPC);
	/* NXDOMAIN, no record, no AA unless asked. */
	assert_int_equal(dns_build_response(&m, 0, DNS_RCODE_NXDOMAIN, NULL, r, sizeof(r), &len),
			 0);
	assert_int_equal(len, qlen);
	assert_int_equal(rd16(r + 2), 0x8183);
	assert_int_equal(rd16(r + 6), 0);
	/* An extended RCODE needs EDNS. */
	assert_int_equal(dns_build_response(&m, 0, DNS_RCODE_BADVERS, NULL, r, sizeof(r), &len),
			 -EINVAL);
	/* FORMERR with no question. */
	m.has_q = false;
	assert_int_equal(dns_build_response(&m, 0, DNS_RCODE_FORMERR, NULL, r, sizeof(r), &len), 0);
	assert_int_equal(len, DNS_HDR_LEN);
	assert_int_equal(rd16(r + 4), 0);
	assert_int_equal(dns_build_response(&m, 0, 0, &rr, r, sizeof(r), &len), -EINVAL);
}

static void test_build_edns(void **state)
{
	uint8_t q[512], r[512];
	struct dns_msg m, rm;
	size_t qlen = mkquery(q, 7, "example.com", DNS_TYPE_AAAA, 4096), len;

	(void)state;
	put_opt(q, qlen - 11, 4096, 1, 1);
	q[3] |= DNS_F_CD;
	assert_int_equal(dns_msg_parse(q, qlen, &m), 0);
	assert_int_equal(dns_build_response(&m, 0, DNS_RCODE_BADVERS, NULL, r, sizeof(r), &len), 0);
	assert_int_equal(len, qlen);
	assert_int_equal(rd16(r + 2), 0x8190); /* QR RD RA CD, RCODE 0 */
	assert_int_equal(dns_msg_parse(r, len, &rm), 0);
	assert_true(rm.edns);
	assert_int_equal(rm.edns_size, DNS_MSG_MAX);
	assert_int_equal(rm.edns_version, 0);
	assert_true(rm.edns_do);
	assert_int_equal(r[len - 6], 1); /* extended RCODE: 16 >> 4 */
	assert_int_equal(dns_build_response(&m, 0, DNS_RCODE_SERVFAIL, NULL, r, sizeof(r), &len),
			 0);
	assert_int_equal(r[len - 6], 0);
	assert_int_equal(rd16(r + 2) & DNS_F_RCODE, DNS_RCODE_SERVFAIL);
	/* A PTR answer with the OPT after it. */
	static const uint8_t target[] = "\4web1\13localdomain";
	struct dns_rr rr = {DNS_TYPE_PTR, 60, target, sizeof(target)};

	assert_int_equal(dns_build_response(&m, DNS_F_AA, 0, &rr, r, sizeof(r), &len), 0);
	assert_int_equal(dns_msg_parse(r, len, &rm), 0);
	assert_int_equal(rm.hdr.ancount, 1);
	assert_int_equal(rm.hdr.arcount, 1);
	assert_true(rm.edns);
	assert_int_equal(len, qlen + 12 + sizeof(target));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),	      cmocka_unit_test(test_query),
		cmocka_unit_test(test_qdcount),	      cmocka_unit_test(test_compression),
		cmocka_unit_test(test_pointer_abuse), cmocka_unit_test(test_labels),
		cmocka_unit_test(test_sections),      cmocka_unit_test(test_opt),
		cmocka_unit_test(test_names),	      cmocka_unit_test(test_question_eq),
		cmocka_unit_test(test_build_answer),  cmocka_unit_test(test_build_edns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
