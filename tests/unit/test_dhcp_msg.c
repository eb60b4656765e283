/*
 * Unit tests for net/dhcp/dhcp_msg.c: the fixed part, truncated messages and a
 * missing magic cookie, option walking (pads, END, options running past
 * their field, zero-length and repeated options, RFC 3396 concatenation),
 * option overload into 'file' and 'sname', maximum message size, and
 * building replies within the buffer, the client's limit and the BOOTP
 * minimum. Ends with random corruptions of a valid message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/dhcp/dhcp_msg.h"

static const uint8_t MAC[6] = {0x00, 0x0c, 0x29, 0x11, 0x22, 0x33};

/* A DISCOVER's fixed part and cookie in (b), 1500 bytes, zeroed; returns
 * the offset where options start. */
static size_t base(uint8_t *b)
{
	memset(b, 0, 1500);
	b[0] = DHCP_BOOTREQUEST;
	b[1] = DHCP_HTYPE_ETHER;
	b[2] = 6;
	b[3] = 1;
	b[4] = 0xde, b[5] = 0xad, b[6] = 0xbe, b[7] = 0xef;
	b[8] = 0, b[9] = 7;
	b[10] = 0x80;
	b[12] = 10, b[13] = 0, b[14] = 0, b[15] = 1; /* ciaddr */
	b[16] = 10, b[17] = 0, b[18] = 0, b[19] = 2; /* yiaddr */
	b[20] = 10, b[21] = 0, b[22] = 0, b[23] = 3; /* siaddr */
	b[24] = 10, b[25] = 0, b[26] = 0, b[27] = 4; /* giaddr */
	memcpy(b + 28, MAC, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
	return DHCP_OFF_OPTIONS;
}

/* Appends option (code) of (len) bytes from (data) at (*at). */
static void opt(uint8_t *b, size_t *at, uint8_t code, const void *data, uint8_t len)
{
	b[(*at)++] = code;
	b[(*at)++] = len;
	memcpy(b + *at, data, len);
	*at += len;
}

static void test_fixed_part(void **state)
{
	uint8_t b[1500];
	struct dhcp_msg m;
	size_t at = base(b);
	uint8_t t = DHCP_DISCOVER;

	(void)state;
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	b[at++] = DHCP_OPT_END;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 1);
	assert_int_equal(m.xid, 0xdeadbeef);
	assert_int_equal(m.secs, 7);
	assert_int_equal(m.flags, DHCP_FLAG_BCAST);
	assert_int_equal(m.ciaddr, 0x0a000001);
	assert_int_equal(m.yiaddr, 0x0a000002);
	assert_int_equal(m.siaddr, 0x0a000003);
	assert_int_equal(m.giaddr, 0x0a000004);
	assert_memory_equal(m.chaddr, MAC, 6);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_false(m.has_requested || m.has_server_id || m.has_lease || m.has_params);
	assert_int_equal(m.client_id_len, 0);
	assert_int_equal(m.host_name_len, 0);
	assert_int_equal(m.max_size, 0);
	assert_int_equal(m.overload, 0);
}

static void test_truncated_and_cookie(void **state)
{
	uint8_t b[1500];
	struct dhcp_msg m;
	size_t n;

	(void)state;
	base(b);
	for (n = 0; n < DHCP_OFF_OPTIONS; n += 7)
		assert_int_equal(dhcp_msg_parse(b, n, &m), -EMSGSIZE);
	assert_int_equal(dhcp_msg_parse(b, DHCP_OFF_OPTIONS - 1, &m), -EMSGSIZE);
	/* Only the cookie and no options at all: a valid, empty message. */
	assert_int_equal(dhcp_msg_parse(b, DHCP_OFF_OPTIONS, &m), 0);
	assert_int_equal(m.type, 0);
	b[239] = 98;
	assert_int_equal(dhcp_msg_parse(b, 300, &m), -EPROTO);
	memset(b + 236, 0, 4); /* plain BOOTP vendor area */
	assert_int_equal(dhcp_msg_parse(b, 300, &m), -EPROTO);
	base(b);
	b[2] = 17;
	assert_int_equal(dhcp_msg_parse(b, 300, &m), -EBADMSG);
	b[2] = 16;
	assert_int_equal(dhcp_msg_parse(b, 300, &m), 0);
}

static void test_option_overflow(void **state)
{
	uint8_t b[1500];
	struct dhcp_msg m;
	size_t at = base(b);
	uint8_t t = DHCP_REQUEST, ip[4] = {192, 168, 99, 130};

	(void)state;
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	opt(b, &at, DHCP_OPT_REQUESTED_IP, ip, 4);
	/* Cut inside the last option's data, after its length byte, and
	 * between its code and length: all refused. */
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(dhcp_msg_parse(b, at - 1, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(b, at - 4, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(b, at - 5, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(b, at - 6, &m), 0);
	/* A length byte claiming 255 bytes at the very end. */
	b[at] = 200;
	b[at + 1] = 255;
	assert_int_equal(dhcp_msg_parse(b, at + 2, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(b, at + 2 + 254, &m), -EBADMSG);
	assert_int_equal(dhcp_msg_parse(b, at + 2 + 255, &m), 0);
}

static void test_pad_end(void **state)
{
	uint8_t b[1500];
	struct dhcp_msg m;
	size_t at = base(b);
	uint8_t t = DHCP_INFORM;

	(void)state;
	memset(b + at, DHCP_OPT_PAD, 10);
	at += 10;
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	b[at++] = DHCP_OPT_PAD;
	b[at++] = DHCP_OPT_END;
	/* Anything after END is not read, not even a broken option. */
	b[at++] = DHCP_OPT_MSG_TYPE;
	b[at++] = 200;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.type, DHCP_INFORM);
	/* No END at all: the area's end ends the options. */
	assert_int_equal(dhcp_msg_parse(b, at - 3, &m), 0);
	assert_int_equal(m.type, DHCP_INFORM);
	/* Only pads. */
	base(b);
	memset(b + DHCP_OFF_OPTIONS, 0, 60);
	assert_int_equal(dhcp_msg_parse(b, 300, &m), 0);
	assert_int_equal(m.type, 0);
}

static void test_zero_length_and_fixed_sizes(void **state)
{
	static const uint8_t fixed[][2] = {{DHCP_OPT_MSG_TYPE, 1},   {DHCP_OPT_OVERLOAD, 1},
					   {DHCP_OPT_MAX_SIZE, 2},   {DHCP_OPT_REQUESTED_IP, 4},
					   {DHCP_OPT_LEASE_TIME, 4}, {DHCP_OPT_SERVER_ID, 4}};
	uint8_t b[1500], z[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	struct dhcp_msg m;
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		for (uint8_t len = 0; len < 8; len++) {
			at = base(b);
			opt(b, &at, fixed[i][0], z, len);
			b[at++] = DHCP_OPT_END;
			assert_int_equal(dhcp_msg_parse(b, at, &m),
					 len == fixed[i][1] ? 0 : -EBADMSG);
		}
	}
	/* Zero-length host name and parameter list: present but empty. */
	at = base(b);
	opt(b, &at, DHCP_OPT_HOST_NAME, z, 0);
	opt(b, &at, DHCP_OPT_PARAM_LIST, z, 0);
	opt(b, &at, 77, z, 0); /* unknown options are skipped, whatever their length */
	b[at++] = DHCP_OPT_END;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.host_name_len, 0);
	assert_true(m.has_params);
	/* A client identifier needs a type and at least one byte. */
	for (uint8_t len = 0; len < 3; len++) {
		at = base(b);
		opt(b, &at, DHCP_OPT_CLIENT_ID, z, len);
		b[at++] = DHCP_OPT_END;
		assert_int_equal(dhcp_msg_parse(b, at, &m), len < 2 ? -EBADMSG : 0);
	}
}

static void test_repeats(void **state)
{
	uint8_t b[1500], big[255];
	struct dhcp_msg m;
	size_t at = base(b);
	uint8_t t = DHCP_DISCOVER, p1[] = {1, 3}, p2[] = {6, 15, 3};

	(void)state;
	memset(big, 'x', sizeof(big));
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	opt(b, &at, DHCP_OPT_CLIENT_ID, "\x01\xaa", 2);
	opt(b, &at, DHCP_OPT_HOST_NAME, "we", 2);
	opt(b, &at, DHCP_OPT_CLIENT_ID, "\xbb\xcc", 2);
	opt(b, &at, DHCP_OPT_HOST_NAME, "b1", 2);
	opt(b, &at, DHCP_OPT_PARAM_LIST, p1, sizeof(p1));
	opt(b, &at, DHCP_OPT_PARAM_LIST, p2, sizeof(p2));
	b[at++] = DHCP_OPT_END;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.client_id_len, 4);
	assert_memory_equal(m.client_id, "\x01\xaa\xbb\xcc", 4);
	assert_int_equal(m.host_name_len, 4);
	assert_memory_equal(m.host_name, "web1", 4);
	assert_true(dhcp_msg_wants(&m, 1) && dhcp_msg_wants(&m, 3) && dhcp_msg_wants(&m, 6) &&
		    dhcp_msg_wants(&m, 15));
	assert_false(dhcp_msg_wants(&m, 28) || dhcp_msg_wants(&m, 0) || dhcp_msg_wants(&m, 255));

	/* A fixed-size option twice. */
	at = base(b);
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);

	/* Concatenations up to 255 bytes, not beyond. */
	at = base(b);
	opt(b, &at, DHCP_OPT_HOST_NAME, big, 255);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.host_name_len, 255);
	opt(b, &at, DHCP_OPT_HOST_NAME, big, 1);
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
	at = base(b);
	opt(b, &at, DHCP_OPT_CLIENT_ID, big, 200);
	opt(b, &at, DHCP_OPT_CLIENT_ID, big, 55);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.client_id_len, 255);
	opt(b, &at, DHCP_OPT_CLIENT_ID, big, 0);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	opt(b, &at, DHCP_OPT_CLIENT_ID, big, 1);
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
}

static void test_overload(void **state)
{
	uint8_t b[1500], ov, t = DHCP_REQUEST, ip[4] = {192, 168, 99, 7};
	uint8_t sid[4] = {192, 168, 99, 2};
	struct dhcp_msg m;
	size_t at, f, s;

	(void)state;
	/* Options, then 'file', then 'sname': concatenated in that order. */
	at = base(b);
	ov = 3;
	opt(b, &at, DHCP_OPT_OVERLOAD, &ov, 1);
	opt(b, &at, DHCP_OPT_CLIENT_ID, "\x01\x02", 2);
	b[at++] = DHCP_OPT_END;
	f = DHCP_OFF_FILE;
	opt(b, &f, DHCP_OPT_MSG_TYPE, &t, 1);
	opt(b, &f, DHCP_OPT_CLIENT_ID, "\x03", 1);
	b[f++] = DHCP_OPT_END;
	s = DHCP_OFF_SNAME;
	opt(b, &s, DHCP_OPT_REQUESTED_IP, ip, 4);
	opt(b, &s, DHCP_OPT_CLIENT_ID, "\x04", 1);
	b[s++] = DHCP_OPT_END;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.overload, 3);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_true(m.has_requested);
	assert_int_equal(m.requested_ip, 0xc0a86307);
	assert_int_equal(m.client_id_len, 4);
	assert_memory_equal(m.client_id, "\x01\x02\x03\x04", 4);

	/* Overload 1 reads 'file' only; 2 reads 'sname' only. */
	b[DHCP_OFF_OPTIONS + 2] = DHCP_OVERLOAD_FILE;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_false(m.has_requested);
	b[DHCP_OFF_OPTIONS + 2] = DHCP_OVERLOAD_SNAME;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.type, 0);
	assert_true(m.has_requested);
	/* Values other than 1..3 are refused. */
	b[DHCP_OFF_OPTIONS + 2] = 0;
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
	b[DHCP_OFF_OPTIONS + 2] = 4;
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);

	/* Without option 52, 'file' and 'sname' are not options. */
	at = base(b);
	b[at++] = DHCP_OPT_END;
	f = DHCP_OFF_FILE;
	opt(b, &f, DHCP_OPT_MSG_TYPE, &t, 1);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.type, 0);

	/* Option 52 inside 'file' is ignored, so 'sname' stays unread. */
	at = base(b);
	ov = DHCP_OVERLOAD_FILE;
	opt(b, &at, DHCP_OPT_OVERLOAD, &ov, 1);
	f = DHCP_OFF_FILE;
	ov = 3;
	opt(b, &f, DHCP_OPT_OVERLOAD, &ov, 1);
	s = DHCP_OFF_SNAME;
	opt(b, &s, DHCP_OPT_SERVER_ID, sid, 4);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	assert_int_equal(m.overload, DHCP_OVERLOAD_FILE);
	assert_false(m.has_server_id);

	/* An option in 'sname' may not run on into 'file', nor one in 'file'
	 * into the cookie, though the bytes are there. */
	at = base(b);
	ov = 3;
	opt(b, &at, DHCP_OPT_OVERLOAD, &ov, 1);
	b[DHCP_OFF_SNAME + 60] = DHCP_OPT_HOST_NAME;
	b[DHCP_OFF_SNAME + 61] = 4;
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
	b[DHCP_OFF_SNAME + 61] = 2;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	b[DHCP_OFF_FILE + 126] = DHCP_OPT_HOST_NAME;
	b[DHCP_OFF_FILE + 127] = 1;
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
	b[DHCP_OFF_FILE + 127] = 0;
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	b[DHCP_OFF_FILE + 127] = DHCP_OPT_HOST_NAME; /* a code with no length byte */
	b[DHCP_OFF_FILE + 126] = DHCP_OPT_PAD;
	assert_int_equal(dhcp_msg_parse(b, at, &m), -EBADMSG);
}

static void test_max_size(void **state)
{
	uint8_t b[1500], v[2];
	struct dhcp_msg m;
	static const struct {
		uint16_t opt;
		size_t max;
	} cases[] = {{0, 548}, {575, 548}, {576, 548}, {577, 549}, {1500, 1472}, {65535, 65507}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t at = base(b);

		v[0] = (uint8_t)(cases[i].opt >> 8);
		v[1] = (uint8_t)cases[i].opt;
		opt(b, &at, DHCP_OPT_MAX_SIZE, v, 2);
		assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
		assert_int_equal(dhcp_msg_reply_max(&m), cases[i].max);
	}
}

/* Finds option (code) in reply (b) of (n) bytes; returns its length or -1. */
static int find(const uint8_t *b, size_t n, uint8_t code, const uint8_t **data)
{
	size_t i = DHCP_OFF_OPTIONS;

	while (i < n && b[i] != DHCP_OPT_END) {
		if (b[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (b[i] == code) {
			*data = b + i + 2;
			return b[i + 1];
		}
		i += 2 + (size_t)b[i + 1];
	}
	return -1;
}

static void test_build(void **state)
{
	uint8_t b[1500], r[1500], big[255];
	struct dhcp_msg m, back;
	struct dhcp_msg_out o;
	const uint8_t *p;
	size_t at = base(b);
	uint8_t t = DHCP_DISCOVER;
	int n;

	(void)state;
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	memset(r, 0xee, sizeof(r));
	assert_int_equal(dhcp_msg_reply_start(&o, r, sizeof(r), &m, DHCP_OFFER, 0, 0xc0a86380,
					      DHCP_FLAG_BCAST),
			 0);
	dhcp_msg_put_u32(&o, DHCP_OPT_SERVER_ID, 0xc0a86302);
	dhcp_msg_put_str(&o, DHCP_OPT_DOMAIN_NAME, "lan");
	n = dhcp_msg_finish(&o);
	assert_int_equal(n, DHCP_MIN_LEN);
	assert_int_equal(r[299], 0);
	assert_int_equal(r[300], 0xee); /* nothing past the reply */
	assert_int_equal(dhcp_msg_parse(r, (size_t)n, &back), 0);
	assert_int_equal(back.op, DHCP_BOOTREPLY);
	assert_int_equal(back.type, DHCP_OFFER);
	assert_int_equal(back.xid, m.xid);
	assert_int_equal(back.flags, DHCP_FLAG_BCAST);
	assert_int_equal(back.ciaddr, 0);
	assert_int_equal(back.yiaddr, 0xc0a86380);
	assert_int_equal(back.siaddr, 0);
	assert_int_equal(back.giaddr, m.giaddr);
	assert_int_equal(back.hops, 0);
	assert_int_equal(back.secs, 0);
	assert_memory_equal(back.chaddr, MAC, 6);
	assert_true(back.has_server_id);
	assert_int_equal(back.server_id, 0xc0a86302);
	assert_int_equal(find(r, (size_t)n, DHCP_OPT_DOMAIN_NAME, &p), 3);
	assert_memory_equal(p, "lan", 3);

	/* A buffer below the BOOTP minimum. */
	assert_int_equal(dhcp_msg_reply_start(&o, r, DHCP_MIN_LEN - 1, &m, DHCP_ACK, 0, 0, 0),
			 -ENOSPC);
	dhcp_msg_put_u32(&o, DHCP_OPT_SERVER_ID, 1);
	assert_int_equal(dhcp_msg_finish(&o), -ENOSPC);

	/* The client's limit caps the reply even when the buffer is larger:
	 * 548 bytes hold 240 + 3 + (2 + 253) + (2 + 47) + END, and no more. */
	memset(big, 'a', sizeof(big));
	dhcp_msg_reply_start(&o, r, sizeof(r), &m, DHCP_ACK, 0, 0, 0);
	dhcp_msg_put(&o, 200, big, 253);
	dhcp_msg_put(&o, 201, big, 47);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.len, 547);
	dhcp_msg_put(&o, 202, big, 0);
	assert_int_equal(o.err, -ENOSPC);
	dhcp_msg_put_u32(&o, DHCP_OPT_SERVER_ID, 1); /* sticky: nothing more */
	assert_int_equal(o.len, 547);
	assert_int_equal(dhcp_msg_finish(&o), -ENOSPC);
	dhcp_msg_reply_start(&o, r, sizeof(r), &m, DHCP_ACK, 0, 0, 0);
	dhcp_msg_put(&o, 200, big, 253);
	dhcp_msg_put(&o, 201, big, 47);
	assert_int_equal(dhcp_msg_finish(&o), 548);

	/* A larger option 57 lets more through. */
	at = base(b);
	opt(b, &at, DHCP_OPT_MAX_SIZE, "\x05\xdc", 2);
	assert_int_equal(dhcp_msg_parse(b, at, &m), 0);
	dhcp_msg_reply_start(&o, r, sizeof(r), &m, DHCP_ACK, 0, 0, 0);
	for (int i = 0; i < 4; i++)
		dhcp_msg_put(&o, 200, big, 255);
	assert_int_equal(o.err, 0);
	assert_int_equal(dhcp_msg_finish(&o), 240 + 3 + 4 * 257 + 1);

	/* Strings must be 1..255 bytes. */
	dhcp_msg_reply_start(&o, r, sizeof(r), &m, DHCP_ACK, 0, 0, 0);
	dhcp_msg_put_str(&o, DHCP_OPT_DOMAIN_NAME, "");
	assert_int_equal(dhcp_msg_finish(&o), -EINVAL);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp_msg_type_name(DHCP_DISCOVER), "DHCPDISCOVER");
	assert_string_equal(dhcp_msg_type_name(DHCP_INFORM), "DHCPINFORM");
	assert_string_equal(dhcp_msg_type_name(0), "?");
	assert_string_equal(dhcp_msg_type_name(9), "?");
	assert_string_equal(dhcp_msg_type_name(255), "?");
}

/* Random corruptions and lengths of a valid message: parsing must either
 * fail or succeed without reading outside the buffer (ASan watches), and
 * the concatenated lengths stay within their arrays. */
static void test_random(void **state)
{
	uint8_t b[1500], *heap;
	struct dhcp_msg m;
	size_t at = base(b), n;
	uint8_t t = DHCP_REQUEST, ov = 3;

	(void)state;
	opt(b, &at, DHCP_OPT_MSG_TYPE, &t, 1);
	opt(b, &at, DHCP_OPT_OVERLOAD, &ov, 1);
	opt(b, &at, DHCP_OPT_CLIENT_ID, "\x01\x00\x0c\x29\x11\x22\x33", 7);
	opt(b, &at, DHCP_OPT_HOST_NAME, "guest", 5);
	b[at++] = DHCP_OPT_END;
	srand(12345);
	for (int i = 0; i < 200000; i++) {
		uint8_t c[1500];
		int flips = 1 + rand() % 8;

		memcpy(c, b, sizeof(c));
		for (int k = 0; k < flips; k++)
			c[rand() % (int)at] = (uint8_t)rand();
		n = (size_t)(rand() % (int)(at + 40));
		/* Exactly (n) bytes on the heap, so that ASan sees any overread. */
		heap = malloc(n ? n : 1);
		assert_non_null(heap);
		memcpy(heap, c, n);
		if (dhcp_msg_parse(heap, n, &m) == 0) {
			assert_true(m.client_id_len <= DHCP_VAR_MAX);
			assert_true(m.host_name_len <= DHCP_VAR_MAX);
			assert_true(m.hlen <= DHCP_CHADDR_LEN);
			assert_true(m.client_id_len == 0 || m.client_id_len >= 2);
		}
		free(heap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_part),
		cmocka_unit_test(test_truncated_and_cookie),
		cmocka_unit_test(test_option_overflow),
		cmocka_unit_test(test_pad_end),
		cmocka_unit_test(test_zero_length_and_fixed_sizes),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_overload),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
