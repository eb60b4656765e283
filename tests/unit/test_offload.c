/*
 * Unit tests for drivers/offload.c. Segmentation: real TCP/IPv4 and
 * TCP/IPv6 GSO frames (random payloads from a fixed seed, IPv4 and TCP
 * options up to the largest headers, payloads that divide evenly and not,
 * one smaller than gso_size, none at all, sequence and ID wrap, padding)
 * are cut, and every segment is checked field by field against the
 * original and the rules (lengths, IDs, sequence numbers, FIN/PSH/CWR),
 * its checksums verified with a byte-wise reference written here, and
 * the payloads, joined, compared with the original's; the payload slices
 * must point into the frame. Each reason for -EINVAL has its own test,
 * which checks that nothing was emitted. Checksum completion: TCP over
 * IPv4 and IPv6, UDP (0 sent as 0xffff), offsets out of the frame. Then
 * a bounded loop of random mutations of valid frames, each in a buffer of
 * exactly its length so that ASan sees any read past it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/offload.h"

#define MUTATIONS 20000

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_ECE 0x40
#define TCP_CWR 0x80

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* --- the reference checksum: byte by byte, 64-bit sum ---------------------- */

/* Adds (len) bytes at (p) as big-endian words; (p) starts a word. */
static uint64_t ref_add(uint64_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint64_t)p[i] << 8;
	return s;
}

static uint16_t ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The TCP/UDP pseudo-header's sum of the IP header at (ip) (RFC 793
 * §3.1, RFC 8200 §8.1) for a transport length (l4len). */
static uint64_t ref_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint8_t ph[40] = {0};

	if (ip[0] >> 4 == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		put16(ph + 10, (uint16_t)l4len);
		return ref_add(0, ph, 12);
	}
	memcpy(ph, ip + 8, 32);
	put32(ph + 32, (uint32_t)l4len);
	ph[39] = proto;
	return ref_add(0, ph, 40);
}

/* The transport checksum a full computation gives (field taken as 0). */
static uint16_t ref_l4_cksum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t l4len,
			     size_t field)
{
	uint64_t s = ref_pseudo(ip, proto, l4len);

	s = ref_add(s, l4, field);
	s = ref_add(s, l4 + field + 2, l4len - field - 2);
	return (uint16_t)~ref_fold(s);
}

/*
 * Checks one emitted frame by itself, as a receiver would: an IPv4 or
 * IPv6 packet exactly filling it, a TCP header inside, the IPv4 header
 * checksum and the TCP checksum verifying. Returns the TCP header offset.
 */
static size_t ref_verify(const uint8_t *f, size_t flen)
{
	size_t iphl, iplen, thl;
	const uint8_t *ip = f + 14;

	assert_true(flen >= 14 + 20);
	if (get16(f + 12) == 0x0800) {
		assert_int_equal(ip[0] >> 4, 4);
		iphl = (size_t)(ip[0] & 15) * 4;
		iplen = get16(ip + 2);
		assert_int_equal(ip[9], 6);
		assert_int_equal(ref_fold(ref_add(0, ip, iphl)), 0xffff);
	} else {
		assert_int_equal(get16(f + 12), 0x86dd);
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(ip[6], 6);
		iphl = 40;
		iplen = 40 + (size_t)get16(ip + 4);
	}
	assert_int_equal(iplen, flen - 14);
	thl = (size_t)(ip[iphl + 12] >> 4) * 4;
	assert_true(thl >= 20 && iphl + thl <= iplen);
	assert_int_equal(
		ref_fold(ref_add(ref_pseudo(ip, 6, iplen - iphl), ip + iphl, iplen - iphl)),
		0xffff);
	return 14 + iphl;
}

/* --- building GSO frames ------------------------------------------------------ */

struct spec {
	bool v6;
	size_t ipopt;  /* IPv4 option bytes, a multiple of 4 up to 40 */
	size_t tcpopt; /* TCP option bytes, a multiple of 4 up to 40 */
	size_t plen;   /* payload bytes */
	size_t pad;    /* bytes after the IP packet */
	uint8_t flags; /* TCP flags */
	uint16_t id;
	uint32_t seq;
	uint16_t frag; /* IPv4 flags and fragment offset */
};

struct frame {
	uint8_t *b;
	size_t len, hlen, iphl, thl, plen;
};

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* A GSO frame as a sender hands it over, in a buffer of exactly its size.
 * The IPv4 and TCP checksum fields hold junk: they must be recomputed. */
static struct frame build(const struct spec *s)
{
	struct frame fr;
	uint8_t *ip, *tcp;

	fr.iphl = s->v6 ? 40 : 20 + s->ipopt;
	fr.thl = 20 + s->tcpopt;
	fr.hlen = 14 + fr.iphl + fr.thl;
	fr.plen = s->plen;
	fr.len = fr.hlen + s->plen + s->pad;
	fr.b = malloc(fr.len);
	assert_non_null(fr.b);
	fill(fr.b, fr.len);
	fr.b[0] &= 0xfe; /* unicast destination */
	ip = fr.b + 14;
	tcp = ip + fr.iphl;
	if (s->v6) {
		put16(fr.b + 12, 0x86dd);
		put32(ip, 0x60000000u | (rnd() & 0x0fffffffu)); /* class and flow label */
		put16(ip + 4, (uint16_t)(fr.thl + s->plen));
		ip[6] = 6;
		ip[7] = 64; /* addresses: random bytes */
	} else {
		put16(fr.b + 12, 0x0800);
		ip[0] = (uint8_t)(0x40 | fr.iphl / 4);
		ip[1] = 0x02; /* ECT(0) */
		put16(ip + 2, (uint16_t)(fr.iphl + fr.thl + s->plen));
		put16(ip + 4, s->id);
		put16(ip + 6, s->frag);
		ip[8] = 64;
		ip[9] = 6;
		memset(ip + 20, 1, s->ipopt); /* NOPs */
		if (s->ipopt)
			ip[fr.iphl - 1] = 0; /* end of options */
	}
	put32(tcp + 4, s->seq);
	tcp[12] = (uint8_t)(fr.thl / 4 << 4);
	tcp[13] = s->flags;
	return fr;
}

/* A valid frame of (plen) payload bytes: ACK and PSH, DF set. */
static struct spec base4(size_t plen)
{
	struct spec s = {.v6 = false,
			 .plen = plen,
			 .flags = TCP_ACK | TCP_PSH,
			 .id = 0x1234,
			 .seq = 1000,
			 .frag = 0x4000};
	return s;
}

static struct spec base6(size_t plen)
{
	struct spec s = base4(plen);

	s.v6 = true;
	return s;
}

static struct netdev_offload gso(const struct frame *fr, uint16_t mss)
{
	struct netdev_offload o = {0};

	o.gso_type = get16(fr->b + 12) == 0x86dd ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4;
	o.gso_size = mss;
	o.hdr_len = (uint16_t)fr->hlen;
	return o;
}

/* --- collecting what offload_segment() emits ----------------------------------- */

struct cap {
	const struct frame *fr;
	int calls;
	int stop_at; /* refuse the frame of this call (1-based); 0: never */
	int n;
	uint8_t *out[OFFLOAD_SEGS_MAX + 1];
	size_t olen[OFFLOAD_SEGS_MAX + 1];
	const uint8_t *slice[OFFLOAD_SEGS_MAX + 1];
};

static int cap_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct cap *c = ctx;
	const uint8_t *b = c->fr->b;
	size_t len;
	uint8_t *f;

	c->calls++;
	assert_true(c->n <= OFFLOAD_SEGS_MAX);
	assert_true(nseg == 1 || nseg == 2);
	assert_true(seg[0].len <= OFFLOAD_HDR_MAX);
	len = seg[0].len;
	if (nseg == 2) {
		/* The payload is lent, not copied: a slice of the frame. */
		const uint8_t *p = seg[1].data;

		assert_true(seg[1].len > 0);
		assert_true(p >= b && p + seg[1].len <= b + c->fr->len);
		len += seg[1].len;
	}
	if (c->calls == c->stop_at)
		return -ENOBUFS;
	f = malloc(len);
	assert_non_null(f);
	memcpy(f, seg[0].data, seg[0].len);
	if (nseg == 2)
		memcpy(f + seg[0].len, seg[1].data, seg[1].len);
	c->slice[c->n] = nseg == 2 ? seg[1].data : NULL;
	c->out[c->n] = f;
	c->olen[c->n++] = len;
	return 0;
}

static void cap_free(struct cap *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->out[i]);
	c->n = 0;
}

/* Cuts (fr) with (o), checking that the frame is left as it was. */
static int run(const struct frame *fr, const struct netdev_offload *o, struct cap *c)
{
	uint8_t *copy = malloc(fr->len);
	int r;

	assert_non_null(copy);
	memcpy(copy, fr->b, fr->len);
	c->fr = fr;
	r = offload_segment(fr->b, fr->len, o, cap_emit, c);
	assert_memory_equal(copy, fr->b, fr->len);
	free(copy);
	return r;
}

/* Checks the segments of (fr) cut at (mss) against the original, field by
 * field, and their payloads joined against the original payload. */
static void check_segments(const struct frame *fr, size_t mss, const struct cap *c)
{
	const uint8_t *oip = fr->b + 14, *otcp = oip + fr->iphl;
	bool v6 = get16(fr->b + 12) == 0x86dd;
	int nseg = fr->plen == 0 ? 1 : (int)((fr->plen + mss - 1) / mss);
	uint8_t *joined = malloc(fr->plen + 1);
	size_t off = 0;

	assert_non_null(joined);
	assert_int_equal(c->n, nseg);
	for (int i = 0; i < nseg; i++) {
		const uint8_t *f = c->out[i], *ip = f + 14, *tcp = ip + fr->iphl;
		size_t n = fr->plen - off < mss ? fr->plen - off : mss;
		uint8_t flags = otcp[13];

		assert_int_equal(c->olen[i], fr->hlen + n);
		assert_int_equal(ref_verify(f, c->olen[i]), 14 + fr->iphl);
		assert_memory_equal(f, fr->b, 14);
		if (v6) {
			assert_memory_equal(ip, oip, 4);
			assert_int_equal(get16(ip + 4), fr->thl + n);
			assert_memory_equal(ip + 6, oip + 6, 34);
		} else {
			assert_memory_equal(ip, oip, 2);
			assert_int_equal(get16(ip + 2), fr->iphl + fr->thl + n);
			assert_int_equal(get16(ip + 4), (uint16_t)(get16(oip + 4) + i));
			assert_memory_equal(ip + 6, oip + 6, 4);
			assert_memory_equal(ip + 12, oip + 12, fr->iphl - 12);
		}
		assert_memory_equal(tcp, otcp, 4);
		assert_int_equal(get32(tcp + 4), (uint32_t)(get32(otcp + 4) + off));
		assert_memory_equal(tcp + 8, otcp + 8, 5);
		if (i > 0)
			flags &= (uint8_t)~TCP_CWR;
		if (i < nseg - 1)
			flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		assert_int_equal(tcp[13], flags);
		assert_memory_equal(tcp + 14, otcp + 14, 2);
		assert_memory_equal(tcp + 18, otcp + 18, fr->thl - 18);
		if (n > 0)
			assert_ptr_equal(c->slice[i], fr->b + fr->hlen + off);
		memcpy(joined + off, f + fr->hlen, n);
		off += n;
	}
	assert_int_equal(off, fr->plen);
	assert_memory_equal(joined, fr->b + fr->hlen, fr->plen);
	free(joined);
}

/* Builds (s), cuts it at (mss) with gso_type (type), checks everything. */
static void cut_and_check(const struct spec *s, uint16_t mss, uint8_t type)
{
	struct frame fr = build(s);
	struct netdev_offload o = gso(&fr, mss);
	struct cap c = {0};
	int nseg = s->plen == 0 ? 1 : (int)((s->plen + mss - 1) / mss);

	o.gso_type = type;
	assert_int_equal(run(&fr, &o, &c), nseg);
	assert_int_equal(c.calls, nseg);
	check_segments(&fr, mss, &c);
	cap_free(&c);
	free(fr.b);
}

/* --- segmentation ------------------------------------------------------------ */

/* offload_segment_partial() gives the same frames as offload_segment()
 * once a device has done what (partial) asks: IPv4 with options and an odd
 * tail, IPv6, one segment, no payload. */
static void test_partial_matches_full(void **state)
{
	struct spec specs[] = {base4(4001), base6(3000), base4(500), base4(0)};

	(void)state;
	specs[0].ipopt = 8;
	specs[0].tcpopt = 12;
	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		struct frame fr = build(&specs[k]);
		struct netdev_offload o = gso(&fr, 1448), partial;
		struct cap full = {0}, part = {0};
		uint8_t *copy = malloc(fr.len);

		assert_non_null(copy);
		memcpy(copy, fr.b, fr.len);
		o.gso_type = k == 1 ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4;
		assert_true(run(&fr, &o, &full) > 0);
		part.fr = &fr;
		assert_int_equal(
			offload_segment_partial(fr.b, fr.len, &o, cap_emit, &part, &partial),
			full.n);
		assert_memory_equal(copy, fr.b, fr.len);
		assert_int_equal(partial.flags, OFFLOAD_F_NEEDS_CSUM);
		assert_int_equal(partial.gso_type, OFFLOAD_GSO_NONE);
		assert_int_equal(partial.csum_start, 14 + fr.iphl);
		assert_int_equal(partial.csum_offset, 16);
		assert_int_equal(part.n, full.n);
		for (int i = 0; i < part.n; i++) {
			assert_int_equal(part.olen[i], full.olen[i]);
			assert_int_equal(offload_csum(part.out[i], part.olen[i], &partial), 0);
			assert_memory_equal(part.out[i], full.out[i], full.olen[i]);
		}
		cap_free(&full);
		cap_free(&part);
		free(copy);
		free(fr.b);
	}
}

static void test_v4_even(void **state)
{
	struct spec s = base4(4000);

	(void)state;
	s.flags = TCP_ACK | TCP_PSH | TCP_FIN;
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV4);
}

static void test_v4_options_uneven(void **state)
{
	struct spec s = base4(4001);

	(void)state;
	s.ipopt = 8;
	s.tcpopt = 12;
	cut_and_check(&s, 1448, OFFLOAD_GSO_TCPV4);
}

/* The largest headers (60 + 60 bytes) and the largest IPv4 packet. */
static void test_v4_largest(void **state)
{
	struct spec s = base4(65535 - 120);

	(void)state;
	s.ipopt = 40;
	s.tcpopt = 40;
	s.frag = 0; /* DF clear is fine too */
	cut_and_check(&s, 1460, OFFLOAD_GSO_TCPV4);
}

static void test_v6_uneven(void **state)
{
	struct spec s = base6(3000);

	(void)state;
	s.tcpopt = 12;
	cut_and_check(&s, 1440, OFFLOAD_GSO_TCPV6);
}

static void test_v6_largest(void **state)
{
	struct spec s = base6(65535 - 60);

	(void)state;
	s.tcpopt = 40;
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV6);
}

/* An odd gso_size puts every other slice on an odd byte of the frame. */
static void test_odd_mss(void **state)
{
	struct spec s4 = base4(5000), s6 = base6(5000);

	(void)state;
	cut_and_check(&s4, 537, OFFLOAD_GSO_TCPV4);
	cut_and_check(&s6, 537, OFFLOAD_GSO_TCPV6);
	s4.plen = 200;
	cut_and_check(&s4, 1, OFFLOAD_GSO_TCPV4); /* 200 one-byte segments */
}

/* A payload smaller than gso_size: one frame, all flags kept. */
static void test_one_segment(void **state)
{
	struct spec s4 = base4(100), s6 = base6(101);

	(void)state;
	s4.flags = s6.flags = TCP_CWR | TCP_ECE | TCP_ACK | TCP_PSH | TCP_FIN;
	cut_and_check(&s4, 1400, OFFLOAD_GSO_TCPV4);
	cut_and_check(&s6, 1400, OFFLOAD_GSO_TCPV6);
	cut_and_check(&s6, 101, OFFLOAD_GSO_TCPV6); /* exactly one full segment */
	cut_and_check(&s4, 65535, OFFLOAD_GSO_TCPV4);
}

/* No payload at all: one frame of headers only, given as one piece. */
static void test_no_payload(void **state)
{
	struct spec s4 = base4(0), s6 = base6(0);

	(void)state;
	s4.tcpopt = 12;
	s4.flags = s6.flags = TCP_ACK | TCP_FIN | TCP_CWR;
	cut_and_check(&s4, 1448, OFFLOAD_GSO_TCPV4);
	cut_and_check(&s6, 1448, OFFLOAD_GSO_TCPV6);
}

/* FIN and PSH only on the last, CWR only on the first; the others (even
 * SYN, RST, URG) stay on all; the ECN bit of gso_type is accepted. */
static void test_flags(void **state)
{
	struct spec s4 = base4(3500), s6 = base6(3500);

	(void)state;
	s4.flags = s6.flags = 0xff;
	cut_and_check(&s4, 1000, OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN);
	cut_and_check(&s6, 1000, OFFLOAD_GSO_TCPV6 | OFFLOAD_GSO_ECN);
	s4.flags = s6.flags = TCP_CWR | TCP_ECE | TCP_ACK;
	cut_and_check(&s4, 1000, OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN);
	cut_and_check(&s6, 1000, OFFLOAD_GSO_TCPV6);
}

/* The identification and the sequence number wrap around. */
static void test_wrap(void **state)
{
	struct spec s = base4(4000);

	(void)state;
	s.id = 0xfffe;
	s.seq = 0xfffffc00u;
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV4);
	s.v6 = true;
	cut_and_check(&s, 999, OFFLOAD_GSO_TCPV6);
}

/* Bytes after the IP packet (Ethernet padding) are no part of any segment. */
static void test_padding_ignored(void **state)
{
	struct spec s = base4(0);

	(void)state;
	s.pad = 6; /* 54 bytes, padded to the 60-byte minimum */
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV4);
	s.plen = 2500;
	s.pad = 100;
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV4);
	s.v6 = true;
	cut_and_check(&s, 1000, OFFLOAD_GSO_TCPV6);
}

/* OFFLOAD_SEGS_MAX segments are fine. */
static void test_segs_max(void **state)
{
	struct spec s = base6(64 * OFFLOAD_SEGS_MAX);

	(void)state;
	cut_and_check(&s, 64, OFFLOAD_GSO_TCPV6);
	s = base4(64 * OFFLOAD_SEGS_MAX - 63);
	cut_and_check(&s, 64, OFFLOAD_GSO_TCPV4);
}

/* Whatever the checksum fields held (junk, or the pseudo-header's sum
 * as a sender asking for both offloads leaves it), the result is the
 * same. */
static void test_checksum_fields_ignored(void **state)
{
	struct spec s = base4(3000);
	struct frame fr = build(&s);
	struct netdev_offload o = gso(&fr, 1000);
	struct cap c1 = {0}, c2 = {0};
	uint8_t *ip = fr.b + 14;

	(void)state;
	assert_int_equal(run(&fr, &o, &c1), 3);
	put16(ip + 10, 0);
	put16(ip + 20 + 16, ref_fold(ref_pseudo(ip, 6, 20 + 3000)));
	assert_int_equal(run(&fr, &o, &c2), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(c1.olen[i], c2.olen[i]);
		assert_memory_equal(c1.out[i], c2.out[i], c1.olen[i]);
	}
	check_segments(&fr, 1000, &c2);
	cap_free(&c1);
	cap_free(&c2);
	free(fr.b);
}

/* An emit that refuses a frame stops the cut; the count is of frames taken. */
static void test_emit_stops(void **state)
{
	struct spec s = base4(5000);
	struct frame fr = build(&s);
	struct netdev_offload o = gso(&fr, 1000);

	(void)state;
	for (int stop = 1; stop <= 5; stop++) {
		struct cap c = {.stop_at = stop};

		assert_int_equal(run(&fr, &o, &c), stop - 1);
		assert_int_equal(c.calls, stop);
		assert_int_equal(c.n, stop - 1);
		cap_free(&c);
	}
	free(fr.b);
}

/* --- every reason for -EINVAL: nothing emitted, frame unchanged ------------------ */

static void expect_einval(const struct frame *fr, size_t len, const struct netdev_offload *o)
{
	struct frame f = *fr;
	struct cap c = {0};
	struct netdev_offload dev = *o;

	f.len = len;
	assert_int_equal(run(&f, o, &c), -EINVAL);
	assert_int_equal(c.calls, 0);
	/* Nor may a device be given it as GSO, its checksum fields right or
	 * not (with no gso_type it is only a checksum to finish). */
	dev.flags = OFFLOAD_F_NEEDS_CSUM;
	dev.csum_start = (uint16_t)(14 + fr->iphl);
	dev.csum_offset = 16;
	if (o->gso_type != OFFLOAD_GSO_NONE)
		assert_int_equal(offload_check(f.b, f.len, &dev), -EINVAL);
}

/* offload_check(): what a device may be given. */
static void test_check(void **state)
{
	struct spec s = base4(3000);
	struct frame fr = build(&s);
	struct netdev_offload o = gso(&fr, 1000), c = {0};

	(void)state;
	o.flags = OFFLOAD_F_NEEDS_CSUM;
	o.csum_start = (uint16_t)(14 + fr.iphl);
	o.csum_offset = 16;
	assert_int_equal(offload_check(fr.b, fr.len, &o), 0);
	o.csum_offset = 6; /* not TCP's field */
	assert_int_equal(offload_check(fr.b, fr.len, &o), -EINVAL);
	o.csum_offset = 16;
	o.csum_start++;
	assert_int_equal(offload_check(fr.b, fr.len, &o), -EINVAL);
	o.csum_start--;
	o.flags = 0; /* GSO needs the checksum left to the device */
	assert_int_equal(offload_check(fr.b, fr.len, &o), -EINVAL);
	/* A checksum alone: its field inside the frame, wherever. */
	c.flags = OFFLOAD_F_NEEDS_CSUM;
	c.csum_start = (uint16_t)(fr.len - 2);
	assert_int_equal(offload_check(fr.b, fr.len, &c), 0);
	c.csum_offset = 1;
	assert_int_equal(offload_check(fr.b, fr.len, &c), -EINVAL);
	c.csum_start = 0xffff;
	c.csum_offset = 0xffff;
	assert_int_equal(offload_check(fr.b, fr.len, &c), -EINVAL);
	c.flags = 0; /* asks nothing */
	assert_int_equal(offload_check(fr.b, fr.len, &c), 0);
	free(fr.b);
}

/* Builds a valid frame, lets (mutate) break it, expects -EINVAL. */
static void einval_case(bool v6, void (*mutate)(struct frame *, struct netdev_offload *))
{
	struct spec s = v6 ? base6(3000) : base4(3000);
	struct frame fr = build(&s);
	struct netdev_offload o = gso(&fr, 1000);
	struct cap c = {0};

	/* It is valid as built. */
	assert_int_equal(run(&fr, &o, &c), 3);
	cap_free(&c);
	mutate(&fr, &o);
	expect_einval(&fr, fr.len, &o);
	free(fr.b);
}

static void m_short_ethernet(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->len = 13;
}

static void m_vlan(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 12, 0x8100);
}

static void m_arp(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 12, 0x0806);
}

static void m_gso_none(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_type = OFFLOAD_GSO_NONE;
}

static void m_gso_udp(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_type = OFFLOAD_GSO_UDP;
}

static void m_gso_v6(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_type = OFFLOAD_GSO_TCPV6 | OFFLOAD_GSO_ECN;
}

static void m_gso_v4(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_type = OFFLOAD_GSO_TCPV4;
}

static void m_gso_size_zero(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_size = 0;
}

static void m_ip_truncated(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->len = 14 + (get16(fr->b + 12) == 0x0800 ? 19 : 39);
}

static void m_ip_version(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->b[14] = (uint8_t)((fr->b[14] & 0x0f) | (get16(fr->b + 12) == 0x0800 ? 0x60 : 0x40));
}

static void m_v4_ihl(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->b[14] = 0x44;
	fr->b[14 + 16 + 12] = 5 << 4; /* a TCP header where ihl 4 would put it */
}

static void m_v4_total_short(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 2, 20 + 19);
}

static void m_v4_total_beyond(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 2, (uint16_t)(fr->len - 14 + 1));
}

static void m_v4_mf(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 6, 0x2000);
}

static void m_v4_offset(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 6, 0x4000 | 185);
}

static void m_v4_udp(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->b[14 + 9] = 17;
}

static void m_v6_extension(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	fr->b[14 + 6] = 0; /* hop-by-hop options */
}

static void m_v6_payload_beyond(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 4, (uint16_t)(fr->len - 14 - 40 + 1));
}

static void m_v6_payload_short(struct frame *fr, struct netdev_offload *o)
{
	(void)o;
	put16(fr->b + 14 + 4, 19);
}

static void m_tcp_doff_short(struct frame *fr, struct netdev_offload *o)
{
	size_t iphl = get16(fr->b + 12) == 0x0800 ? 20 : 40;

	(void)o;
	fr->b[14 + iphl + 12] = 4 << 4;
}

/* The TCP header claims more bytes than the IP packet holds. */
static void m_tcp_beyond_ip(struct frame *fr, struct netdev_offload *o)
{
	size_t iphl = get16(fr->b + 12) == 0x0800 ? 20 : 40;

	(void)o;
	fr->b[14 + iphl + 12] = 15 << 4;
	if (iphl == 20)
		put16(fr->b + 14 + 2, 20 + 56);
	else
		put16(fr->b + 14 + 4, 56);
}

static void m_too_many_segments(struct frame *fr, struct netdev_offload *o)
{
	(void)fr;
	o->gso_size = 3000 / OFFLOAD_SEGS_MAX; /* 11: 273 segments */
}

#define EINVAL_TEST(name, v6, m)                                                                   \
	static void test_einval_##name(void **state)                                               \
	{                                                                                          \
		(void)state;                                                                       \
		einval_case(v6, m);                                                                \
	}

EINVAL_TEST(short_ethernet, false, m_short_ethernet)
EINVAL_TEST(vlan_tag, false, m_vlan)
EINVAL_TEST(not_ip, true, m_arp)
EINVAL_TEST(gso_none, false, m_gso_none)
EINVAL_TEST(gso_udp, false, m_gso_udp)
EINVAL_TEST(gso_v6_on_v4, false, m_gso_v6)
EINVAL_TEST(gso_v4_on_v6, true, m_gso_v4)
EINVAL_TEST(gso_size_zero, true, m_gso_size_zero)
EINVAL_TEST(v4_truncated, false, m_ip_truncated)
EINVAL_TEST(v4_version, false, m_ip_version)
EINVAL_TEST(v4_ihl_short, false, m_v4_ihl)
EINVAL_TEST(v4_total_short, false, m_v4_total_short)
EINVAL_TEST(v4_total_beyond_frame, false, m_v4_total_beyond)
EINVAL_TEST(v4_more_fragments, false, m_v4_mf)
EINVAL_TEST(v4_fragment_offset, false, m_v4_offset)
EINVAL_TEST(v4_not_tcp, false, m_v4_udp)
EINVAL_TEST(v6_truncated, true, m_ip_truncated)
EINVAL_TEST(v6_version, true, m_ip_version)
EINVAL_TEST(v6_extension_header, true, m_v6_extension)
EINVAL_TEST(v6_payload_beyond_frame, true, m_v6_payload_beyond)
EINVAL_TEST(v6_payload_short, true, m_v6_payload_short)
EINVAL_TEST(v4_tcp_doff_short, false, m_tcp_doff_short)
EINVAL_TEST(v6_tcp_doff_short, true, m_tcp_doff_short)
EINVAL_TEST(v4_tcp_beyond_ip, false, m_tcp_beyond_ip)
EINVAL_TEST(v6_tcp_beyond_ip, true, m_tcp_beyond_ip)
EINVAL_TEST(too_many_segments, false, m_too_many_segments)

/* One past OFFLOAD_SEGS_MAX, exactly. */
static void test_einval_segs_max_plus_one(void **state)
{
	struct spec s = base4(64 * OFFLOAD_SEGS_MAX + 1);
	struct frame fr = build(&s);
	struct netdev_offload o = gso(&fr, 64);

	(void)state;
	expect_einval(&fr, fr.len, &o);
	free(fr.b);
}

/* --- checksum completion ---------------------------------------------------- */

/* Builds a UDP/IPv4 datagram of (plen) payload bytes. */
static struct frame build_udp(size_t plen)
{
	struct frame fr;
	uint8_t *ip;

	fr.iphl = 20;
	fr.thl = 8;
	fr.hlen = 14 + 20 + 8;
	fr.plen = plen;
	fr.len = fr.hlen + plen;
	fr.b = malloc(fr.len);
	assert_non_null(fr.b);
	fill(fr.b, fr.len);
	put16(fr.b + 12, 0x0800);
	ip = fr.b + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + plen));
	put16(ip + 6, 0);
	ip[9] = 17;
	put16(ip + 20 + 4, (uint16_t)(8 + plen));
	return fr;
}

/* Leaves the pseudo-header's sum in the field at (field) of the transport
 * header, as a sender asking for the offload does, and completes it. */
static void complete(struct frame *fr, uint8_t proto, size_t field)
{
	uint8_t *ip = fr->b + 14, *l4 = ip + fr->iphl;
	size_t l4len = fr->len - 14 - fr->iphl;
	uint16_t want = ref_l4_cksum(ip, proto, l4, l4len, field);
	struct netdev_offload o = {.flags = OFFLOAD_F_NEEDS_CSUM};

	o.csum_start = (uint16_t)(14 + fr->iphl);
	o.csum_offset = (uint16_t)field;
	put16(l4 + field, ref_fold(ref_pseudo(ip, proto, l4len)));
	assert_int_equal(offload_csum(fr->b, fr->len, &o), 0);
	assert_int_equal(get16(l4 + field), want == 0 ? 0xffff : want);
	assert_int_equal(ref_fold(ref_add(ref_pseudo(ip, proto, l4len), l4, l4len)), 0xffff);
}

static void test_csum_tcp(void **state)
{
	size_t sizes[] = {0, 1, 2, 3, 1459, 1460, 9000};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct spec s4 = base4(sizes[i]), s6 = base6(sizes[i]);
		struct frame f4, f6;

		s4.ipopt = 4;
		s6.tcpopt = 12;
		f4 = build(&s4);
		f6 = build(&s6);
		complete(&f4, 6, 16);
		complete(&f6, 6, 16);
		free(f4.b);
		free(f6.b);
	}
}

static void test_csum_udp(void **state)
{
	(void)state;
	for (size_t plen = 0; plen < 40; plen++) {
		struct frame fr = build_udp(plen);

		complete(&fr, 17, 6);
		free(fr.b);
	}
}

/* A UDP datagram whose checksum comes out 0 is sent as 0xffff (RFC 768). */
static void test_csum_udp_zero(void **state)
{
	struct frame fr = build_udp(64);
	uint8_t *ip = fr.b + 14, *udp = ip + 20, *last = udp + 8 + 62;
	uint16_t sum;

	(void)state;
	/* Choose the last payload word so that everything sums to 0xffff. */
	put16(last, 0);
	put16(udp + 6, 0);
	sum = ref_fold(ref_add(ref_pseudo(ip, 17, 72), udp, 72));
	put16(last, (uint16_t)(0xffff - sum));
	assert_int_equal(ref_l4_cksum(ip, 17, udp, 72, 6), 0);
	complete(&fr, 17, 6);
	assert_int_equal(get16(udp + 6), 0xffff);
	free(fr.b);
}

static void expect_csum_einval(size_t len, uint16_t start, uint16_t offset)
{
	uint8_t *b = malloc(len ? len : 1), *copy = malloc(len ? len : 1);
	struct netdev_offload o = {.flags = OFFLOAD_F_NEEDS_CSUM};

	assert_non_null(b);
	assert_non_null(copy);
	fill(b, len);
	memcpy(copy, b, len);
	o.csum_start = start;
	o.csum_offset = offset;
	assert_int_equal(offload_csum(b, len, &o), -EINVAL);
	assert_memory_equal(b, copy, len ? len : 1);
	free(b);
	free(copy);
}

static void test_csum_bad_offsets(void **state)
{
	(void)state;
	expect_csum_einval(100, 100, 0);     /* start at the end */
	expect_csum_einval(100, 0xffff, 0);  /* start beyond it */
	expect_csum_einval(100, 98, 1);	     /* field one byte over */
	expect_csum_einval(100, 34, 65);     /* field one byte over */
	expect_csum_einval(100, 34, 0xffff); /* field far beyond */
	expect_csum_einval(100, 99, 0);	     /* one byte: no room for the field */
	expect_csum_einval(0, 0, 0);	     /* empty frame */
	expect_csum_einval(1, 0, 0);
}

/* A field that ends exactly at the frame's end is inside it. */
static void test_csum_field_at_end(void **state)
{
	uint8_t b[6] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};
	struct netdev_offload o = {
		.flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 2, .csum_offset = 2};

	(void)state;
	assert_int_equal(offload_csum(b, sizeof(b), &o), 0);
	assert_int_equal(get16(b), 0x1234);
	assert_int_equal(get16(b + 2), 0x5678);
	assert_int_equal(get16(b + 4), (uint16_t)~ref_fold(0x5678 + 0x9abc));
}

/* --- random mutations ----------------------------------------------------------- */

struct mut {
	int frames;
	const uint8_t *b;
	size_t len;
};

/* Whatever was accepted must come out as frames a receiver takes. */
static int mut_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct mut *m = ctx;
	uint8_t f[OFFLOAD_HDR_MAX + 65536];
	size_t len = seg[0].len;

	assert_true(nseg == 1 || nseg == 2);
	assert_true(seg[0].len <= OFFLOAD_HDR_MAX);
	memcpy(f, seg[0].data, seg[0].len);
	if (nseg == 2) {
		const uint8_t *p = seg[1].data;

		assert_true(p >= m->b && p + seg[1].len <= m->b + m->len);
		memcpy(f + len, p, seg[1].len);
		len += seg[1].len;
	}
	ref_verify(f, len);
	m->frames++;
	return 0;
}

static void test_mutations(void **state)
{
	int accepted = 0, frames = 0, csums = 0;

	(void)state;
	for (int it = 0; it < MUTATIONS; it++) {
		struct spec s = rnd() & 1 ? base6(rnd() % 3000) : base4(rnd() % 3000);
		struct frame fr;
		struct netdev_offload o;
		struct mut m = {0};
		uint8_t *b, *copy;
		size_t len, reach;
		int r, k;

		s.ipopt = (rnd() % 11) * 4;
		s.tcpopt = (rnd() % 11) * 4;
		s.pad = rnd() % 4 == 0 ? rnd() % 64 : 0;
		s.flags = (uint8_t)rnd();
		fr = build(&s);
		o = gso(&fr, (uint16_t)(rnd() % 4 ? 1 + rnd() % 1500 : rnd()));
		len = fr.len;
		reach = fr.hlen + 8 < len ? fr.hlen + 8 : len;
		for (k = (int)(rnd() % 4); k > 0; k--) {
			switch (rnd() % 6) {
			case 0:
			case 1:
			case 2:
				if (reach > 0)
					fr.b[rnd() % reach] = (uint8_t)rnd();
				break;
			case 3:
				len = rnd() % (len + 1);
				reach = reach < len ? reach : len;
				break;
			case 4:
				o.gso_type = (uint8_t)rnd();
				break;
			default:
				o.gso_size = (uint16_t)(rnd() % 64);
				break;
			}
		}
		/* A buffer of exactly (len) bytes, so that ASan sees overreads. */
		b = malloc(len ? len : 1);
		copy = malloc(len ? len : 1);
		assert_non_null(b);
		assert_non_null(copy);
		memcpy(b, fr.b, len);
		memcpy(copy, b, len);
		m.b = b;
		m.len = len;
		r = offload_segment(b, len, &o, mut_emit, &m);
		assert_true(r == -EINVAL || (r >= 1 && r <= OFFLOAD_SEGS_MAX));
		assert_int_equal(r == -EINVAL ? 0 : r, m.frames);
		assert_memory_equal(b, copy, len ? len : 1);
		accepted += r > 0;
		frames += m.frames;

		o.csum_start = (uint16_t)(rnd() % 4 ? rnd() % (reach + 2) : rnd());
		o.csum_offset = (uint16_t)(rnd() % 4 ? rnd() % 64 : rnd());
		r = offload_csum(b, len, &o);
		if ((size_t)o.csum_start + o.csum_offset + 2 <= len) {
			size_t at = (size_t)o.csum_start + o.csum_offset;

			assert_int_equal(r, 0);
			assert_int_not_equal(get16(b + at), 0);
			put16(b + at, get16(copy + at));
			csums++;
		} else {
			assert_int_equal(r, -EINVAL);
		}
		assert_memory_equal(b, copy, len ? len : 1);
		free(b);
		free(copy);
		free(fr.b);
	}
	/* The loop must reach the cutting, not only the checks. */
	assert_true(accepted > MUTATIONS / 10);
	assert_true(frames > accepted);
	assert_true(csums > MUTATIONS / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_even),
		cmocka_unit_test(test_partial_matches_full),
		cmocka_unit_test(test_v4_options_uneven),
		cmocka_unit_test(test_v4_largest),
		cmocka_unit_test(test_v6_uneven),
		cmocka_unit_test(test_v6_largest),
		cmocka_unit_test(test_odd_mss),
		cmocka_unit_test(test_one_segment),
		cmocka_unit_test(test_no_payload),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_padding_ignored),
		cmocka_unit_test(test_segs_max),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_checksum_fields_ignored),
		cmocka_unit_test(test_emit_stops),
		cmocka_unit_test(test_einval_short_ethernet),
		cmocka_unit_test(test_einval_vlan_tag),
		cmocka_unit_test(test_einval_not_ip),
		cmocka_unit_test(test_einval_gso_none),
		cmocka_unit_test(test_einval_gso_udp),
		cmocka_unit_test(test_einval_gso_v6_on_v4),
		cmocka_unit_test(test_einval_gso_v4_on_v6),
		cmocka_unit_test(test_einval_gso_size_zero),
		cmocka_unit_test(test_einval_v4_truncated),
		cmocka_unit_test(test_einval_v4_version),
		cmocka_unit_test(test_einval_v4_ihl_short),
		cmocka_unit_test(test_einval_v4_total_short),
		cmocka_unit_test(test_einval_v4_total_beyond_frame),
		cmocka_unit_test(test_einval_v4_more_fragments),
		cmocka_unit_test(test_einval_v4_fragment_offset),
		cmocka_unit_test(test_einval_v4_not_tcp),
		cmocka_unit_test(test_einval_v6_truncated),
		cmocka_unit_test(test_einval_v6_version),
		cmocka_unit_test(test_einval_v6_extension_header),
		cmocka_unit_test(test_einval_v6_payload_beyond_frame),
		cmocka_unit_test(test_einval_v6_payload_short),
		cmocka_unit_test(test_einval_v4_tcp_doff_short),
		cmocka_unit_test(test_einval_v6_tcp_doff_short),
		cmocka_unit_test(test_einval_v4_tcp_beyond_ip),
		cmocka_unit_test(test_einval_v6_tcp_beyond_ip),
		cmocka_unit_test(test_einval_too_many_segments),
		cmocka_unit_test(test_einval_segs_max_plus_one),
		cmocka_unit_test(test_csum_tcp),
		cmocka_unit_test(test_csum_udp),
		cmocka_unit_test(test_csum_udp_zero),
		cmocka_unit_test(test_csum_bad_offsets),
		cmocka_unit_test(test_csum_field_at_end),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
