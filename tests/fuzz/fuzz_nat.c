/*
 * Fuzz target: raw IPv4 packets through the NAT core (net/nat*.c), both
 * directions, into one translator that lives across inputs (a small table
 * with two forwards and small quotas that change now and then), so that
 * sessions, expiry, evictions, fragments and ICMP budgets build up.
 * The first input byte steers: bit 0 direction, bit 1 "make the checksums
 * right first", bit 2 "use our addresses" (an inside source outbound, the
 * uplink address inbound), bits 3-7 the time that passes. The rest is the
 * packet. After each call: a packet not translated must be untouched; a
 * translated one whose checksums were right must still have every
 * checksum right by full recomputation (header, transport, ICMP, and an
 * ICMP error's quoted header and complete quoted datagram); every so
 * often the table's invariants must hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/cli.h"
#include "net/cksum.h"
#include "net/nat/nat.h"

#define FZ_UPLINK 0x0a580002u /* 10.88.0.2 */
#define FZ_INSIDE 0xc0a86300u /* 192.168.99.0/24 */
#define FZ_MAX	  2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_mem[1u << 16];
static struct nat fz_nat;
static uint32_t fz_now = 1;
static uint32_t fz_calls;

static uint32_t fz_rand(void *ctx)
{
	uint32_t *s = ctx;

	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

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

static void fz_put32(uint8_t *p, uint32_t v)
{
	fz_put16(p, (uint16_t)(v >> 16));
	fz_put16(p + 2, (uint16_t)v);
}

static void fz_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

/* Quota sets the fuzzer cycles through: small, so that each one bites,
 * and off. Order: enum nat_quota. */
static const uint32_t fz_quotas[3][NAT_Q_MAX] = {
	{24, 4, 2, 3, 16},
	{8, 1, 1, 1, 4},
	{0, 0, 0, 0, 0},
};

static void fz_set_quotas(unsigned set)
{
	for (int q = 0; q < NAT_Q_MAX; q++)
		if (nat_set_quota(&fz_nat, (enum nat_quota)q, fz_quotas[set][q]) != 0)
			__builtin_trap();
}

static void fz_init(void)
{
	static uint32_t seed = 0x9e3779b9u;
	struct nat_config c;

	nat_config_default(&c);
	c.uplink_ip = FZ_UPLINK;
	c.uplink_mtu = 1400;
	c.host_sessions = fz_quotas[0][NAT_Q_HOST_SESSIONS];
	c.forward_rate = fz_quotas[0][NAT_Q_FORWARD_RATE];
	c.frag_per_map = fz_quotas[0][NAT_Q_FRAG_PER_MAP];
	c.icmp_err_rate = fz_quotas[0][NAT_Q_ICMP_ERR_RATE];
	c.halfopen_scan = fz_quotas[0][NAT_Q_HALFOPEN_SCAN];
	if (nat_init(&fz_nat, fz_mem, sizeof(fz_mem), 64, &c, 7, fz_rand, &seed) != 0 ||
	    nat_forward_add(&fz_nat, 6, 8080, FZ_INSIDE | 10, 80) != 0 ||
	    nat_forward_add(&fz_nat, 17, 5353, FZ_INSIDE | 11, 53) != 0)
		__builtin_trap();
}

/*
 * The transport bytes of the IPv4 datagram at (ip) whose checksum can be
 * known: a whole datagram of TCP (20 bytes at least), UDP (8) or ICMP (8).
 * Returns the checksum field's offset from the transport header, or -1.
 */
static int fz_l4_at(const uint8_t *ip, size_t avail, size_t *ihl, size_t *l4len)
{
	size_t tot;

	if (avail < 20 || ip[0] >> 4 != 4)
		return -1;
	*ihl = (size_t)(ip[0] & 15) * 4;
	tot = fz_get16(ip + 2);
	if (*ihl < 20 || tot < *ihl || tot > avail || (fz_get16(ip + 6) & 0x3fff) != 0)
		return -1;
	*l4len = tot - *ihl;
	switch (ip[9]) {
	case 6:
		return *l4len >= 20 ? 16 : -1;
	case 17:
		return *l4len >= 8 ? 6 : -1;
	case 1:
		return *l4len >= 8 ? 2 : -1;
	default:
		return -1;
	}
}

static uint16_t fz_l4_sum(const uint8_t *ip, size_t ihl, size_t l4len)
{
	uint32_t s = 0;

	if (ip[9] != 1)
		s = cksum_pseudo(fz_get32(ip + 12), fz_get32(ip + 16), ip[9], (uint16_t)l4len);
	return cksum_fold(cksum_add(s, ip + ihl, l4len));
}

static bool fz_is_error(const uint8_t *icmp)
{
	return icmp[0] == 3 || icmp[0] == 11 || icmp[0] == 12;
}

/* Makes the transport checksum (and an ICMP error's quote) of (ip) right,
 * then its header checksum. A UDP checksum of 0 is left 0. */
static void fz_fix(uint8_t *ip, size_t avail)
{
	size_t ihl, l4len, qihl, qlen;
	int at = fz_l4_at(ip, avail, &ihl, &l4len), qat;
	uint8_t *q;
	uint16_t v;

	if (at >= 0) {
		if (ip[9] == 1 && fz_is_error(ip + ihl) && l4len >= 28) {
			q = ip + ihl + 8;
			qat = fz_l4_at(q, l4len - 8, &qihl, &qlen);
			if (qat >= 0 && !(q[9] == 17 && fz_get16(q + qihl + 6) == 0)) {
				fz_put16(q + qihl + qat, 0);
				v = fz_l4_sum(q, qihl, qlen);
				fz_put16(q + qihl + qat, q[9] == 17 && v == 0 ? 0xffff : v);
			}
			qihl = (size_t)(q[0] & 15) * 4;
			if (q[0] >> 4 == 4 && qihl >= 20 && qihl <= l4len - 8) {
				fz_put16(q + 10, 0);
				fz_put16(q + 10, cksum(q, qihl));
			}
		}
		if (!(ip[9] == 17 && fz_get16(ip + ihl + 6) == 0)) {
			fz_put16(ip + ihl + at, 0);
			v = fz_l4_sum(ip, ihl, l4len);
			fz_put16(ip + ihl + at, ip[9] == 17 && v == 0 ? 0xffff : v);
		}
	}
	ihl = (size_t)(ip[0] & 15) * 4;
	if (avail >= 20 && ihl >= 20 && ihl <= avail) {
		fz_put16(ip + 10, 0);
		fz_put16(ip + 10, cksum(ip, ihl));
	}
}

/* Traps unless every checksum of translated packet (ip) verifies. */
static void fz_verify(const uint8_t *ip, size_t avail)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, l4len, qihl, qlen;
	const uint8_t *q;

	if (cksum(ip, ihl) != 0)
		__builtin_trap();
	if (fz_l4_at(ip, avail, &ihl, &l4len) < 0)
		return;
	if (!(ip[9] == 17 && fz_get16(ip + ihl + 6) == 0) && fz_l4_sum(ip, ihl, l4len) != 0)
		__builtin_trap();
	if (ip[9] != 1 || !fz_is_error(ip + ihl))
		return;
	q = ip + ihl + 8;
	if (cksum(q, (size_t)(q[0] & 15) * 4) != 0)
		__builtin_trap(); /* the NAT checked it was right before */
	if (fz_l4_at(q, l4len - 8, &qihl, &qlen) >= 0 &&
	    !(q[9] == 17 && fz_get16(q + qihl + 6) == 0) && fz_l4_sum(q, qihl, qlen) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[FZ_MAX], copy[FZ_MAX];
	struct cli_out out = {fz_sink, NULL};
	enum nat_dir dir;
	enum nat_verdict v;
	struct nat_meta meta = {0};
	size_t len;
	uint8_t ctl;

	if (fz_calls++ == 0)
		fz_init();
	if (size < 1)
		return 0;
	ctl = data[0];
	len = size - 1 < FZ_MAX ? size - 1 : FZ_MAX;
	memcpy(pkt, data + 1, len);
	dir = (ctl & 1) ? NAT_INBOUND : NAT_OUTBOUND;
	fz_now += (uint32_t)(ctl >> 3) * (ctl & 0x80 ? 60000u : 250u);
	if ((ctl & 4) && len >= 20) {
		if (dir == NAT_INBOUND)
			fz_put32(pkt + 16, FZ_UPLINK);
		else
			fz_put32(pkt + 12, FZ_INSIDE | (10 + (pkt[15] & 3)));
	}
	if (ctl & 2)
		fz_fix(pkt, len);
	memcpy(copy, pkt, len);
	v = nat_translate(&fz_nat, dir, pkt, len, fz_now, &meta);
	if (v == NAT_TO_UPLINK || v == NAT_TO_INSIDE) {
		if (ctl & 2)
			fz_verify(pkt, len);
	} else if (memcmp(copy, pkt, len) != 0) {
		__builtin_trap(); /* only a translation may change bytes */
	}
	nat_expire(&fz_nat, fz_now, 8);
	if (fz_calls % 64 == 0 && nat_check(&fz_nat) != 0)
		__builtin_trap();
	if (fz_calls % 1024 == 0) {
		nat_show(&fz_nat, fz_now, 8, &out);
		nat_show_counters(&fz_nat, &out);
	}
	if (fz_calls % 4096 == 0)
		fz_set_quotas(fz_calls / 4096 % 3);
	if (fz_calls % 65536 == 0)
		nat_clear(&fz_nat);
	return 0;
}
