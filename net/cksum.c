/*
 * Internet checksum arithmetic. The full sum adds native 32-bit words into
 * a 64-bit accumulator and folds the carries back in at the end (RFC 1071
 * §2 (C), deferred carries); the sum of byte-swapped words is the
 * byte-swapped sum (§2 (B), byte order independence), so one swap of the
 * folded result turns the native sum into the big-endian one. Updates
 * follow RFC 1624 eqn. 3, adding the one's complement of each old word and
 * the new word to the complemented checksum.
 */
#include <string.h>

#include "net/cksum.h"

/* Folds the carries of (x) into its low 16 bits, end around. */
static uint16_t cksum_fold16(uint64_t x)
{
	x = (x & 0xffffffffu) + (x >> 32);
	x = (x & 0xffffffffu) + (x >> 32);
	x = (x & 0xffffu) + (x >> 16);
	x = (x & 0xffffu) + (x >> 16);
	x = (x & 0xffffu) + (x >> 16);
	return (uint16_t)x;
}

uint32_t cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t tail[4] = {0, 0, 0, 0};
	uint64_t acc = 0;
	uint32_t w;
	uint16_t s;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		acc += w;
	}
	memcpy(tail, p, len);
	memcpy(&w, tail, 4);
	acc += w;
	s = cksum_fold16(acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s << 8 | s >> 8);
#endif
	return cksum_fold16((uint64_t)sum + s);
}

uint16_t cksum_fold(uint32_t sum)
{
	return (uint16_t)~cksum_fold16(sum);
}

uint16_t cksum(const void *buf, size_t len)
{
	return cksum_fold(cksum_add(0, buf, len));
}

uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t s = (uint64_t)(src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) +
		     proto + len;

	return cksum_fold16(s);
}

uint16_t cksum_update16(uint16_t ck, uint16_t from, uint16_t to)
{
	if (from == to)
		return ck;
	return (uint16_t)~cksum_fold16((uint64_t)(uint16_t)~ck + (uint16_t)~from + to);
}

uint16_t cksum_update32(uint16_t ck, uint32_t from, uint32_t to)
{
	uint64_t s;

	if (from == to)
		return ck;
	s = (uint64_t)(uint16_t)~ck + (uint16_t) ~(from >> 16) + (uint16_t)~from + (to >> 16) +
	    (to & 0xffffu);
	return (uint16_t)~cksum_fold16(s);
}

static uint16_t cksum_load(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void cksum_store(uint8_t *p, uint16_t v, int flags)
{
	if ((flags & CKSUM_UDP) && v == 0)
		v = 0xffff;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void cksum_adjust16(uint8_t *ck, uint16_t from, uint16_t to, int flags)
{
	uint16_t v = cksum_load(ck);

	if (flags & CKSUM_PARTIAL) {
		cksum_store(ck, (uint16_t)~cksum_update16((uint16_t)~v, from, to), 0);
		return;
	}
	if ((flags & CKSUM_UDP) && v == 0)
		return;
	cksum_store(ck, cksum_update16(v, from, to), flags);
}

void cksum_adjust32(uint8_t *ck, uint32_t from, uint32_t to, int flags)
{
	uint16_t v = cksum_load(ck);

	if (flags & CKSUM_PARTIAL) {
		cksum_store(ck, (uint16_t)~cksum_update32((uint16_t)~v, from, to), 0);
		return;
	}
	if ((flags & CKSUM_UDP) && v == 0)
		return;
	cksum_store(ck, cksum_update32(v, from, to), flags);
}
