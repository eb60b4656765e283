/*
 * Fuzz target: the guard of a network (net/switch/guard.c) driven by a
 * sequence of operations read from the input, over one guard made fresh
 * for each input. The first four bytes set the clock (so that it may wrap
 * during the run), the fifth the mode and subnet (from /16 to /32, and
 * 0.0.0.0/0); then each operation is one byte and its arguments: an ARP
 * message or an IPv4 packet from a guest port (few MACs, few addresses,
 * some of them bad: group sources, the gateway's address, outside the
 * subnet); a DHCP lease, a reservation or any other binding; a fill of
 * many leases at once (so that the table runs full); unbinding; a sweep; a
 * clock step, short or long; a new mode or subnet; a show; a move to a
 * table of another capacity (0 to 1024); a port gone. After each operation
 * guard_check() must hold, and each result must make sense: every frame
 * counted once with exactly one reason when dropped, nothing dropped in
 * mode off, a passing claimant holding its address afterwards, a conflict
 * reported at most once per GUARD_REPORT_MS, a binding made found
 * afterwards, a move refused only when the bindings outnumber the new
 * capacity and, when made, losing no binding. The clock is swept at least
 * every 2^30 ms, as guard_expire() asks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/cli.h"
#include "net/switch/guard.h"

#define FZ_BASE	 0x0a070000u /* 10.7.0.0 */
#define FZ_IPS	 24	     /* few addresses, so that guests meet */
#define FZ_MACS	 12
#define FZ_SPAN	 600		 /* the addresses used: a few, then the fills from .1.0 */
#define FZ_WORDS (2048 * 20 / 8) /* guard_mem_size(1024), in 8-byte words */

/* Two tables, so that the guard can move from one to the other. */
static uint64_t fz_mem[2][FZ_WORDS];

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

static const struct {
	uint32_t gateway, net, mask;
} fz_subnets[8] = {
	{FZ_BASE | 1, FZ_BASE, 0xffff0000u},	 {FZ_BASE | 1, FZ_BASE, 0xffffff00u},
	{FZ_BASE | 9, FZ_BASE, 0xffffff00u},	 {FZ_BASE | 14, FZ_BASE, 0xfffffff0u},
	{FZ_BASE | 1, FZ_BASE, 0xfffffffcu},	 {FZ_BASE | 3, FZ_BASE | 2, 0xfffffffeu},
	{FZ_BASE | 1, FZ_BASE | 5, 0xffffffffu}, {FZ_BASE | 1, 0, 0},
};

static void fz_configure(struct guard *g, uint8_t a)
{
	unsigned s = a % 8;

	guard_configure(g, (enum guard_mode)((a >> 3) % 3), fz_subnets[s].gateway,
			fz_subnets[s].net, fz_subnets[s].mask);
}

/* A MAC: mostly one of a few guests, sometimes group or zero. */
static void fz_mac(uint8_t b, uint8_t m[6])
{
	memset(m, 0, 6);
	if (b >= 250)
		return; /* zero */
	m[0] = b >= 240 ? 0x01 : 0x02;
	m[5] = (uint8_t)(b % FZ_MACS);
}

/* An address: mostly one of a few, sometimes 0, the gateway's, outside. */
static uint32_t fz_ip(const struct guard *g, uint8_t b)
{
	switch (b >> 5) {
	case 7:
		return (b & 1) ? g->gateway : 0;
	case 6:
		return (b & 1) ? 0xc0a80001u : (g->net | ~g->mask);
	default:
		return FZ_BASE + b % FZ_IPS;
	}
}

static uint8_t fz_port(uint8_t b)
{
	return b == 0xff ? GUARD_PORT_ANY : (uint8_t)(b % 4);
}

static uint64_t fz_drops(const struct guard *g)
{
	const struct guard_stats *s = &g->stats;

	return s->drop_gateway + s->drop_taken + s->drop_port + s->drop_unbound + s->drop_source;
}

/* Checks a verdict on a frame, and that it was counted once, for one reason. */
static void fz_verdict(const struct guard *g, int v, const struct guard_conflict *c,
		       const struct guard_stats *before, uint64_t drops, uint32_t now)
{
	if (g->stats.checked != before->checked + 1)
		__builtin_trap();
	switch (v) {
	case GUARD_PASS:
		if (c != NULL || fz_drops(g) != drops)
			__builtin_trap();
		break;
	case GUARD_CONFLICT:
		if (c < g->conflict || c >= g->conflict + GUARD_CONFLICTS || c->count == 0 ||
		    c->last != now || c->reported != (now != 0 ? now : 1u) ||
		    g->stats.drop_taken + g->stats.drop_port !=
			    before->drop_taken + before->drop_port + 1)
			__builtin_trap();
		/* fall through */
	case GUARD_DROP:
		if (fz_drops(g) != drops + 1 || (v == GUARD_DROP && c != NULL) ||
		    g->mode == GUARD_OFF || g->stats.learned != before->learned)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
}

/* A frame from (mac) on (port) for (ip); an ARP one if (arp), its sender
 * (sha). */
static void fz_frame(struct guard *g, bool arp, uint8_t port, const uint8_t mac[6], uint32_t ip,
		     const uint8_t sha[6], uint32_t now)
{
	const struct guard_conflict *c = (const void *)g;
	struct guard_stats before = g->stats;
	uint64_t drops = fz_drops(g);
	const uint8_t *holder;
	int v, again;

	v = arp ? guard_arp(g, port, mac, ip, sha, now, &c) : guard_ip(g, port, mac, ip, now, &c);
	fz_verdict(g, v, c, &before, drops, now);
	if (g->mode == GUARD_OFF && v != GUARD_PASS)
		__builtin_trap();
	if (v == GUARD_PASS && g->mode != GUARD_OFF && ip != 0) {
		/* The claimant holds its address now. */
		holder = guard_mac_of(g, ip, now);
		if (holder == NULL || memcmp(holder, mac, 6) != 0)
			__builtin_trap();
	}
	if (guard_check(g) != 0)
		__builtin_trap();
	/* The same frame at once: the same verdict, but reported only once. */
	c = NULL;
	again = arp ? guard_arp(g, port, mac, ip, sha, now, &c)
		    : guard_ip(g, port, mac, ip, now, &c);
	if (v == GUARD_CONFLICT ? again != GUARD_DROP : again != v)
		__builtin_trap();
}

/* Binds, and checks the binding is there if it was made. */
static void fz_bind(struct guard *g, uint32_t ip, const uint8_t mac[6], uint8_t port,
		    enum guard_origin origin, uint32_t expires, uint32_t now)
{
	uint64_t refused = g->stats.refused_full;
	const uint8_t *holder;
	int r = guard_bind(g, ip, mac, port, origin, expires);

	if (r == -ENOSPC) {
		if (g->stats.refused_full != refused + 1)
			__builtin_trap();
		return;
	}
	if (g->stats.refused_full != refused || (r != 0 && r != -EINVAL))
		__builtin_trap();
	if (r != 0)
		return;
	holder = guard_mac_of(g, ip, now);
	if (origin == GUARD_RESERVED || expires - now - 1 < 0x7fffffffu) {
		if (holder == NULL || memcmp(holder, mac, 6) != 0)
			__builtin_trap();
	}
}

/* The MACs of FZ_BASE .. FZ_BASE + FZ_SPAN (NULL: none), at (now). */
static void fz_holders(const struct guard *g, uint32_t now, const uint8_t *m[FZ_SPAN])
{
	for (uint32_t i = 0; i < FZ_SPAN; i++)
		m[i] = guard_mac_of(g, FZ_BASE + i, now);
}

/* Moves (g) to a table of the capacity (a) picks, in the other block. */
static void fz_resize(struct guard *g, uint8_t a, uint32_t now)
{
	static const uint32_t caps[8] = {0, 1, 2, 8, 32, 64, 256, 1024};
	static struct guard h;
	static const uint8_t *before[FZ_SPAN], *after[FZ_SPAN];
	uint32_t cap = caps[a % 8];
	void *mem = cap == 0 ? NULL : fz_mem[g->slot == (void *)fz_mem[0]];
	int r;

	guard_init(&h, mem, cap, GUARD_OFF, 0, 0, 0, now ^ a);
	r = guard_copy(&h, g);
	if (guard_check(g) != 0 || guard_capacity(&h) != cap || (r != 0 && r != -ENOSPC) ||
	    (r == 0) != (g->count <= cap))
		__builtin_trap();
	if (r != 0)
		return;
	fz_holders(g, now, before);
	fz_holders(&h, now, after);
	for (uint32_t i = 0; i < FZ_SPAN; i++)
		if ((before[i] == NULL) != (after[i] == NULL) ||
		    (before[i] != NULL && memcmp(before[i], after[i], 6) != 0))
			__builtin_trap();
	if (h.count != g->count || memcmp(&h.stats, &g->stats, sizeof(h.stats)) != 0)
		__builtin_trap();
	*g = h;
}

/* Port (port) leaves: none of its leases or claims stay, and no
 * reservation stays pinned to it. */
static void fz_unbind_port(struct guard *g, uint8_t port)
{
	guard_unbind_port(g, port);
	for (uint32_t i = 0; i < g->slots && port != GUARD_PORT_ANY; i++)
		if (g->slot[i].origin != GUARD_FREE && g->slot[i].port == port)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guard g;
	struct cli_out out = {fz_sink, NULL};
	struct fz_in in = {data, size};
	uint8_t mac[6], sha[6], op, a, b, port;
	uint32_t now, ip, n, swept;

	now = fz_u32(&in);
	swept = now;
	guard_init(&g, fz_mem[0], GUARD_CAPACITY_DEFAULT, GUARD_LEARN, FZ_BASE | 1, FZ_BASE,
		   0xffffff00u, now ^ 0x5eed);
	fz_configure(&g, fz_byte(&in));
	if (guard_check(&g) != 0)
		__builtin_trap();
	while (in.left > 0) {
		op = fz_byte(&in);
		a = fz_byte(&in);
		b = fz_byte(&in);
		fz_mac(a, mac);
		ip = fz_ip(&g, b);
		port = fz_port((uint8_t)(op >> 4 | (a & 0xf0)));
		switch (op & 15) {
		case 0:
		case 1:
		case 2:
			/* ARP: the sender is the source, mostly. */
			memcpy(sha, mac, 6);
			if (op & 1)
				sha[5] ^= (uint8_t)(op >> 4 & 1);
			fz_frame(&g, true, port, mac, ip, sha, now);
			break;
		case 3:
		case 4:
			fz_frame(&g, false, port, mac, ip, mac, now);
			break;
		case 5:
			fz_bind(&g, ip, mac, port, GUARD_DHCP, now + (uint32_t)(op >> 4) * 60000,
				now);
			break;
		case 6:
			/* Any origin, valid or not; a reservation mostly on any port. */
			fz_bind(&g, ip, mac, (op & 0x80) ? GUARD_PORT_ANY : port,
				(enum guard_origin)(op >> 4 & 7), now + (uint32_t)b * 1000, now);
			break;
		case 7:
			/* Many bindings at once, enough to fill the table: leases,
			 * some to expire soon, and reservations (cheaper: no MAC
			 * to look for), from 10.7.1.0. */
			for (n = 0; n < (uint32_t)a + (b & 0x3f); n++) {
				uint8_t m[6] = {0x02, 0xf0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n};

				fz_bind(&g, FZ_BASE + 256 + n, m, (uint8_t)(n % 4),
					n % 2 ? GUARD_DHCP : GUARD_RESERVED,
					now + 1 + (n % 8) * 500, now);
			}
			break;
		case 8:
			if (op & 0x10)
				guard_unbind_origin(&g, (enum guard_origin)(a % 5));
			else
				guard_unbind(&g, ip);
			if (!(op & 0x10) && guard_mac_of(&g, ip, now) != NULL)
				__builtin_trap();
			break;
		case 9:
			guard_expire(&g, now);
			swept = now;
			break;
		case 10:
			/* Short steps around the report time, long ones past the
			 * learned lifetime and across the wrap. */
			now += a < 192 ? (uint32_t)a * 100 : (uint32_t)(a - 191) * 60000;
			if (now - swept >= 0x40000000u) {
				guard_expire(&g, now);
				swept = now;
			}
			break;
		case 11:
			fz_configure(&g, a);
			break;
		case 12:
			if (guard_show(&g, now, &out) != 0 ||
			    guard_show_conflicts(&g, now, &out) != 0)
				__builtin_trap();
			break;
		case 13:
			fz_resize(&g, a, now);
			break;
		case 14:
			fz_unbind_port(&g, port);
			break;
		default:
			/* Who holds it: a unicast MAC, or nobody. */
			{
				const uint8_t *m = guard_mac_of(&g, ip, now);

				if (m != NULL &&
				    ((m[0] & 1) || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0))
					__builtin_trap();
			}
			break;
		}
		if (guard_check(&g) != 0)
			__builtin_trap();
	}
	return 0;
}
