/*
 * Fuzz target: the neighbour table (net/nat/neigh.c) driven by a sequence
 * of operations read from the input, over a small table made fresh for
 * each input. The first four bytes set the clock (so that it may wrap
 * during the run), the fifth the capacity and share; then each operation
 * is one byte and its arguments: an Ethernet frame of a given length
 * parsed as ARP (in a buffer of exactly that length, so that a read past
 * it is seen) and, if good, confirmed as a binding would; a resolve; a
 * confirm; a bounded sweep; a clock step, short or long; a flush; a
 * request built and parsed back; a show. After each operation the
 * table's invariants must hold, and each result must make sense: a
 * MAC handed out is unicast, a fresh request or confirmation is not
 * followed at once by another request, a frame parsed is well-formed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cli.h"
#include "net/nat/neigh.h"

#define FZ_CAP_MAX 20
#define FZ_IPS	   24 /* few addresses, so that they meet again */
#define FZ_NETS	   4
#define FZ_BASE	   0xc0a80000u /* 192.168.0.0 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static uint8_t fz_byte(struct fz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t fz_u32(struct fz_in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | fz_byte(in);
	return v;
}

static void fz_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static bool fz_unicast(const uint8_t m[6])
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) != 0;
}

/* A network number: mostly valid, sometimes one past the end or more. */
static uint8_t fz_net(uint8_t b)
{
	return b < 250 ? b % FZ_NETS : (uint8_t)(NEIGH_NETS + (b & 3) * 60);
}

static void fz_check(const struct neigh *t)
{
	if (neigh_check(t) != 0)
		__builtin_trap();
}

/* Resolves (net, ip) and checks the answer's shape. */
static int fz_resolve(struct neigh *t, uint8_t net, uint32_t ip, uint32_t now)
{
	uint8_t mac[6] = {0};
	bool ask = true;
	int r = neigh_resolve(t, net, ip, now, mac, &ask);

	if ((net >= NEIGH_NETS) != (r == -EINVAL))
		__builtin_trap();
	switch (r) {
	case NEIGH_USE:
		if (!fz_unicast(mac))
			__builtin_trap();
		break;
	case NEIGH_REQUEST:
		if (!ask)
			__builtin_trap();
		break;
	case NEIGH_WAIT:
	case -EINVAL:
	case -ENOSPC:
	case -EHOSTUNREACH:
		if (ask)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
	return r;
}

/* Confirms and checks that the address is then usable, without asking. */
static void fz_confirm(struct neigh *t, uint8_t net, uint32_t ip, const uint8_t mac[6],
		       uint32_t now, bool create)
{
	uint8_t got[6];
	bool ask;
	int r = neigh_confirm(t, net, ip, mac, now, create);

	if (r < 0 && r != -ENOSPC && !(r == -EINVAL && net >= NEIGH_NETS))
		__builtin_trap();
	if (r == 1 || (r == 0 && create)) {
		if (neigh_resolve(t, net, ip, now, got, &ask) != NEIGH_USE || ask ||
		    memcmp(got, mac, 6) != 0)
			__builtin_trap();
	}
}

static void fz_parse(struct neigh *t, struct fz_in *in, uint32_t now, uint8_t net)
{
	size_t len = fz_byte(in), i;
	uint8_t *f = malloc(len ? len : 1);
	struct neigh_arp arp;
	uint64_t bad = t->stats.arp_bad;
	int r;

	if (f == NULL)
		return;
	for (i = 0; i < len; i++)
		f[i] = fz_byte(in);
	r = neigh_arp_parse(t, f, len, &arp);
	if (r == 0) {
		if (len < NEIGH_ARP_LEN || (arp.op != 1 && arp.op != 2) || !fz_unicast(arp.sha) ||
		    memcmp(arp.sha, f + 6, 6) != 0 || f[12] != 0x08 || f[13] != 0x06 ||
		    t->stats.arp_bad != bad)
			__builtin_trap();
		/* As a binding: a request may create, any message refreshes. Keep
		 * the addresses few by folding them into the small set. */
		fz_confirm(t, net, FZ_BASE + arp.spa % FZ_IPS, arp.sha, now, arp.op == 1);
	} else if (r != -EINVAL || t->stats.arp_bad != bad + 1) {
		__builtin_trap();
	}
	free(f);
}

static void fz_tick(struct neigh *t, uint32_t now, uint32_t budget, unsigned max)
{
	struct neigh_addr due[8], failed[8];
	unsigned nd = 99, nf = 99, i;
	int n = neigh_tick(t, now, budget, due, max, &nd, failed, &nf);

	if (n < 0 || nd > max || nf > max || (unsigned)n != nd + nf)
		__builtin_trap();
	fz_check(t);
	/* Just asked for: a resolve now must wait, not ask again. Just
	 * failed: dropped. */
	for (i = 0; i < nd + nf; i++) {
		const struct neigh_addr *a = i < nd ? &due[i] : &failed[i - nd];
		int want = i < nd ? NEIGH_WAIT : -EHOSTUNREACH;

		if (fz_resolve(t, a->net, a->ip, now) != want)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct neigh_entry slots[2 * 2 * FZ_CAP_MAX];
	struct cli_out out = {fz_sink, NULL};
	struct fz_in in = {data, size};
	struct neigh t;
	uint32_t now, cap, share, ip;
	uint8_t mac[6], buf[NEIGH_ARP_LEN], op, a, net;
	struct neigh_arp arp;
	int r;

	now = fz_u32(&in);
	a = fz_byte(&in);
	cap = 1 + a % FZ_CAP_MAX;
	share = 1 + (uint32_t)(a >> 4) % cap;
	if (neigh_init(&t, slots, neigh_nslots(cap), cap, share, now ^ 0x5eed) != 0)
		__builtin_trap();
	while (in.left > 0) {
		op = fz_byte(&in);
		a = fz_byte(&in);
		net = fz_net(a);
		ip = FZ_BASE + (uint32_t)(op >> 3) % FZ_IPS;
		switch (op & 7) {
		case 0:
			fz_parse(&t, &in, now, net);
			break;
		case 1:
			r = fz_resolve(&t, net, ip, now);
			if (r == NEIGH_REQUEST && fz_resolve(&t, net, ip, now) != NEIGH_WAIT)
				__builtin_trap(); /* at most one request per interval */
			break;
		case 2:
			mac[0] = (uint8_t)(fz_byte(&in) & 0xfe);
			mac[1] = 0x42; /* never all zero */
			mac[2] = mac[3] = mac[4] = 0;
			mac[5] = (uint8_t)(op >> 3);
			fz_confirm(&t, net, ip, mac, now, a & 1);
			break;
		case 3:
			fz_tick(&t, now, fz_byte(&in), (unsigned)(a % 9));
			break;
		case 4:
			/* Short steps around the retry time, long ones past the
			 * reachable time and the hold. */
			now += a < 192 ? (uint32_t)a * 16 : (uint32_t)(a - 191) * 20000;
			break;
		case 5:
			neigh_flush_net(&t, net);
			for (uint8_t k = 0; k < FZ_IPS; k++) {
				if (net < NEIGH_NETS &&
				    fz_resolve(&t, net, FZ_BASE + k, now) == NEIGH_USE)
					__builtin_trap(); /* all forgotten */
				if (a & 1)
					break;
			}
			break;
		case 6:
			mac[0] = (uint8_t)(a & 0xfe);
			mac[1] = mac[2] = mac[3] = mac[4] = 0;
			mac[5] = 1;
			if (neigh_arp_request(buf, mac, ip, ~ip) != NEIGH_ARP_LEN ||
			    neigh_arp_parse(NULL, buf, sizeof(buf), &arp) != 0 || arp.op != 1 ||
			    arp.spa != ip || arp.tpa != ~ip || memcmp(arp.sha, mac, 6) != 0)
				__builtin_trap();
			break;
		default:
			neigh_show(&t, a % (NEIGH_NETS + 1), now, &out);
			break;
		}
		fz_check(&t);
	}
	return 0;
}
