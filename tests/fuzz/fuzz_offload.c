/*
 * Fuzz target: the software offloads (drivers/offload.c) on guest frames.
 * The first 8 input bytes pick the offload fields, the rest is the frame,
 * held in a buffer of exactly its length so that a read past it is seen.
 * Byte 0 steers: bit 0 "shape the frame" (ethertype, IP version, TCP as
 * the protocol, no fragment bits, IP length filling the frame less the
 * padding of byte 7's low bits, a TCP header that fits), so that most
 * inputs reach the cutting; bit 1 IPv6; bit 2 the ECN bit; bit 3 take
 * gso_type raw from byte 7; bit 4 leave padding after the IP packet;
 * bit 5 make gso_size large enough for OFFLOAD_SEGS_MAX; bit 6 refuse the
 * (1 + byte 7 >> 6)th frame. Bytes 1-2 are gso_size, 3-4 csum_start, 5-6
 * csum_offset. Every frame emitted must stand on its own as a receiver
 * sees it (IP length filling it, IPv4 header and TCP checksums right by
 * a byte-wise reference written here), carry the original's addresses,
 * sequence number advanced by the payload before it, and a payload that
 * is the next slice of the original's; all slices together must end
 * where the IP packet does, and the frame must be left as it was. The
 * checksum completion must give what the reference gives, change only
 * its field, and refuse exactly the fields that do not fit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/offload.h"

#define FZ_CTL	   8
#define FZ_MAX	   (14 + 65535 + 64)
#define FZ_SHAPE   0x01
#define FZ_V6	   0x02
#define FZ_ECN	   0x04
#define FZ_RAWTYPE 0x08
#define FZ_PAD	   0x10
#define FZ_BIGMSS  0x20
#define FZ_STOP	   0x40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_run {
	const uint8_t *frame;
	size_t len;
	uint16_t mss;
	int calls, stop_at;
	size_t off; /* payload bytes emitted so far */
	size_t hlen;
	bool short_seen; /* a slice shorter than gso_size: it was the last */
};

static uint16_t fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t fz_get32(const uint8_t *p)
{
	return (uint32_t)fz_get16(p) << 16 | fz_get16(p + 2);
}

static void fz_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint64_t fz_add(uint64_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint64_t)p[i] << 8;
	return s;
}

static uint16_t fz_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void fz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Makes the frame parse, per the control byte, leaving (pad) bytes out. */
static void fz_shape(uint8_t *f, size_t len, bool v6, size_t pad)
{
	uint8_t *ip = f + 14;
	size_t iplen, iphl, thl;

	if (len < 14 + (v6 ? 40 : 20) + 20 + pad)
		return;
	iplen = len - 14 - pad;
	if (iplen > 65535)
		iplen = 65535;
	fz_put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = (uint8_t)(0x60 | (ip[0] & 15));
		ip[6] = 6;
		fz_put16(ip + 4, (uint16_t)(iplen - 40));
		iphl = 40;
	} else {
		iphl = (size_t)(ip[0] & 15) * 4;
		if (iphl < 20 || iphl + 20 > iplen)
			iphl = 20;
		ip[0] = (uint8_t)(0x40 | iphl / 4);
		fz_put16(ip + 2, (uint16_t)iplen);
		ip[6] &= 0x40; /* DF may stay */
		ip[7] = 0;
		ip[9] = 6;
	}
	thl = (size_t)(ip[iphl + 12] >> 4) * 4;
	if (thl < 20 || iphl + thl > iplen)
		ip[iphl + 12] = 5 << 4;
}

static int fz_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	static uint8_t f[OFFLOAD_HDR_MAX + 65536];
	struct fz_run *r = ctx;
	const uint8_t *o = r->frame, *ip = f + 14, *oip = o + 14;
	size_t len = seg[0].len, iphl, iplen, n = 0;
	bool v6;

	fz_check(++r->calls <= OFFLOAD_SEGS_MAX);
	fz_check(nseg == 1 || nseg == 2);
	fz_check(seg[0].len >= 14 + 20 + 20 && seg[0].len <= OFFLOAD_HDR_MAX);
	if (r->calls == 1)
		r->hlen = seg[0].len;
	fz_check(seg[0].len == r->hlen && !r->short_seen);
	memcpy(f, seg[0].data, seg[0].len);
	if (nseg == 2) {
		/* The next slice of the original, no more than gso_size. */
		n = seg[1].len;
		fz_check(n > 0 && n <= r->mss);
		fz_check((const uint8_t *)seg[1].data == o + r->hlen + r->off);
		fz_check(r->hlen + r->off + n <= r->len);
		memcpy(f + len, seg[1].data, n);
		len += n;
	}
	r->short_seen = n < r->mss;
	fz_check(memcmp(f, o, 14) == 0);
	v6 = fz_get16(f + 12) == 0x86dd;
	if (!v6) {
		fz_check(fz_get16(f + 12) == 0x0800);
		iphl = (size_t)(ip[0] & 15) * 4;
		iplen = fz_get16(ip + 2);
		fz_check(ip[0] >> 4 == 4 && ip[9] == 6 && iphl >= 20);
		fz_check(fz_fold(fz_add(0, ip, iphl)) == 0xffff);
		fz_check(memcmp(ip + 12, oip + 12, 8) == 0);
	} else {
		fz_check(ip[0] >> 4 == 6 && ip[6] == 6);
		iphl = 40;
		iplen = 40 + (size_t)fz_get16(ip + 4);
		fz_check(memcmp(ip + 8, oip + 8, 32) == 0);
	}
	fz_check(iplen == len - 14);
	fz_check(fz_get32(ip + iphl + 4) == (uint32_t)(fz_get32(oip + iphl + 4) + r->off));
	{
		uint8_t ph[40] = {0};
		size_t tl = iplen - iphl;
		uint64_t s;

		if (v6) {
			memcpy(ph, ip + 8, 32);
			ph[34] = (uint8_t)(tl >> 8);
			ph[35] = (uint8_t)tl;
			ph[39] = 6;
			s = fz_add(0, ph, 40);
		} else {
			memcpy(ph, ip + 12, 8);
			ph[9] = 6;
			fz_put16(ph + 10, (uint16_t)tl);
			s = fz_add(0, ph, 12);
		}
		fz_check(fz_fold(fz_add(s, ip + iphl, tl)) == 0xffff);
	}
	if (r->calls == r->stop_at)
		return 1;
	r->off += n;
	return 0;
}

/* Completes a checksum on a copy and checks it against the reference. */
static void fz_csum(const uint8_t *frame, size_t len, const struct netdev_offload *ofl)
{
	size_t start = ofl->csum_start, at = start + ofl->csum_offset;
	uint8_t *b = malloc(len ? len : 1);
	uint16_t want;
	int r;

	fz_check(b != NULL);
	memcpy(b, frame, len);
	r = offload_csum(b, len, ofl);
	if (at + 2 > len) {
		fz_check(r != 0 && memcmp(b, frame, len) == 0);
	} else {
		want = (uint16_t)~fz_fold(fz_add(0, frame + start, len - start));
		fz_check(r == 0 && fz_get16(b + at) == (want == 0 ? 0xffff : want));
		fz_check(memcmp(b, frame, at) == 0 &&
			 memcmp(b + at + 2, frame + at + 2, len - at - 2) == 0);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netdev_offload ofl = {0};
	struct fz_run run = {0};
	uint8_t ctl, *frame, *copy;
	size_t len, iplen;
	int r;

	if (size < FZ_CTL)
		return 0;
	ctl = data[0];
	len = size - FZ_CTL < FZ_MAX ? size - FZ_CTL : FZ_MAX;
	frame = malloc(len ? len : 1);
	copy = malloc(len ? len : 1);
	fz_check(frame != NULL && copy != NULL);
	memcpy(frame, data + FZ_CTL, len);
	if (ctl & FZ_SHAPE)
		fz_shape(frame, len, ctl & FZ_V6, ctl & FZ_PAD ? data[7] & 63 : 0);

	ofl.gso_type = (ctl & FZ_V6) ? OFFLOAD_GSO_TCPV6 : OFFLOAD_GSO_TCPV4;
	if (ctl & FZ_ECN)
		ofl.gso_type |= OFFLOAD_GSO_ECN;
	if (ctl & FZ_RAWTYPE)
		ofl.gso_type = data[7];
	ofl.gso_size = fz_get16(data + 1);
	if ((ctl & FZ_BIGMSS) && ofl.gso_size < len / OFFLOAD_SEGS_MAX + 1)
		ofl.gso_size = (uint16_t)(len / OFFLOAD_SEGS_MAX + 1);
	ofl.csum_start = fz_get16(data + 3);
	ofl.csum_offset = fz_get16(data + 5);
	ofl.flags = OFFLOAD_F_NEEDS_CSUM;

	memcpy(copy, frame, len);
	run.frame = frame;
	run.len = len;
	run.mss = ofl.gso_size;
	run.stop_at = (ctl & FZ_STOP) ? 1 + (data[7] >> 6) : 0;
	r = offload_segment(frame, len, &ofl, fz_emit, &run);
	fz_check(memcmp(frame, copy, len) == 0);
	/* What a device may be given, software can always do. */
	if (offload_check(frame, len, &ofl) == 0 && ofl.gso_type != OFFLOAD_GSO_NONE)
		fz_check(r >= 0);
	if (r < 0) {
		fz_check(run.calls == 0);
	} else if (run.calls == run.stop_at) {
		fz_check(r == run.calls - 1);
	} else {
		/* All of it: the payloads end where the IP packet does. */
		fz_check(r == run.calls && r >= 1);
		iplen = fz_get16(frame + 12) == 0x0800 ? fz_get16(frame + 16)
						       : 40 + (size_t)fz_get16(frame + 18);
		fz_check(run.hlen + run.off == 14 + iplen);
	}

	fz_csum(frame, len, &ofl);
	free(frame);
	free(copy);
	return 0;
}
