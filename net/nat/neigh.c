/*
 * The neighbour table (net/nat/neigh.h): linear probing in a power-of-two
 * array at most half full, as net/switch/fdb.c does it. The key is
 * (network, address) as one 40-bit number; its home slot comes from a
 * keyed mix (xor, odd multiply, xorshift, odd multiply; the top bits
 * taken) whose key is drawn from the caller's seed. Every entry sits at
 * most probe - 1 slots after its home with no free slot in between;
 * removal shifts later entries of the run back into the hole, so there
 * are no tombstones.
 *
 * Time: each entry has one timestamp (when), compared by subtraction so
 * that the millisecond clock may wrap, and states are judged from it
 * lazily, without timers:
 *   INCOMPLETE  when = the last request. A retry is due retry_ms later;
 *               after (tries) requests, neigh_tick() (only it, since it
 *               tells the binding to drop the queued frames) makes the
 *               entry FAILED once the last request has had retry_ms.
 *   REACHABLE   when = the last confirmation. After reachable_ms it is
 *               stale: the next resolve marks it STALE and asks.
 *   STALE       when = the last request. Used without asking for
 *               retry_ms after each request; after (tries) unanswered
 *               requests, the next resolve makes it FAILED.
 *   FAILED      when = the failure. Frames are dropped for
 *               NEIGH_FAILED_HOLD.
 * An entry is dead, and treated as absent at once, when it has gone
 * unused for reachable_ms after going stale (a REACHABLE entry
 * 2 * reachable_ms after its confirmation: had it been used after
 * reachable_ms it would be STALE; a STALE entry reachable_ms after its
 * last request: had it been used since, it would have asked again or
 * failed), or is FAILED past the hold. Dead entries keep their slot, and
 * count against the capacity, until neigh_tick() removes them or their
 * own address takes the slot again. The whole table must be swept at
 * least once every 2^31 ms, so that no age wraps unseen.
 */
#include <errno.h>
#include <string.h>

#include "net/addr.h"
#include "net/nat/neigh.h"
#include "net/splitmix.h"

#define NEIGH_ETH_HLEN	14
#define NEIGH_ETH_ARP	0x0806
#define NEIGH_ETH_IPV4	0x0800
#define NEIGH_ARP_HTYPE 1 /* RFC 826 ar$hrd: Ethernet */
#define NEIGH_ARP_REQ	1
#define NEIGH_ARP_REPLY 2

static uint64_t neigh_key(uint8_t net, uint32_t ip)
{
	return (uint64_t)net << 32 | ip;
}

static uint32_t neigh_hash(const struct neigh *t, uint64_t key)
{
	uint64_t x = (key ^ t->k0) * t->k1;

	x ^= x >> 32;
	x *= t->k1;
	return (uint32_t)(x >> t->shift);
}

static uint32_t neigh_home(const struct neigh *t, const struct neigh_entry *e)
{
	return neigh_hash(t, neigh_key(e->net, e->ip));
}

static bool neigh_older(uint32_t now_ms, uint32_t when, uint32_t ms)
{
	return now_ms - when >= ms;
}

/* True if (e) is past its use (see the top of this file). */
static bool neigh_dead(const struct neigh *t, const struct neigh_entry *e, uint32_t now_ms)
{
	uint32_t age = now_ms - e->when;

	switch (e->state) {
	case NEIGH_REACHABLE:
		return age >= t->reachable_ms && age - t->reachable_ms >= t->reachable_ms;
	case NEIGH_STALE:
		return age >= t->reachable_ms;
	case NEIGH_FAILED:
		return age >= NEIGH_FAILED_HOLD;
	default:
		return false;
	}
}

static bool neigh_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

uint32_t neigh_nslots(uint32_t capacity)
{
	uint32_t n = 2;

	if (capacity == 0 || capacity > NEIGH_CAPACITY_MAX)
		return 0;
	while (n < 2 * capacity)
		n <<= 1;
	return n;
}

int neigh_init(struct neigh *t, struct neigh_entry *slots, uint32_t nslots, uint32_t capacity,
	       uint32_t share, uint64_t seed)
{
	uint32_t bits = 0;

	if (slots == NULL || capacity == 0 || capacity > NEIGH_CAPACITY_MAX ||
	    nslots / 2 < capacity || (nslots & (nslots - 1)) != 0 || share == 0 || share > capacity)
		return -EINVAL;
	while ((1u << bits) < nslots)
		bits++;
	memset(t, 0, sizeof(*t));
	memset(slots, 0, (size_t)nslots * sizeof(*slots));
	t->slot = slots;
	t->mask = nslots - 1;
	t->shift = 64 - bits;
	t->probe = nslots < NEIGH_PROBE_MAX ? nslots : NEIGH_PROBE_MAX;
	t->capacity = capacity;
	t->share = share;
	t->reachable_ms = NEIGH_REACHABLE_DEFAULT;
	t->retry_ms = NEIGH_RETRY_DEFAULT;
	t->tries = NEIGH_TRIES_DEFAULT;
	t->k0 = splitmix_next(&seed);
	t->k1 = splitmix_next(&seed) | 1;
	return 0;
}

/*
 * Returns the slot holding (net, ip), or -1 with (*spare) set to the free
 * slot ending its probe path, or -1 if there is none within reach.
 */
static int neigh_find(const struct neigh *t, uint8_t net, uint32_t ip, int *spare)
{
	uint64_t key = neigh_key(net, ip);
	uint32_t i = neigh_hash(t, key), d;

	*spare = -1;
	for (d = 0; d < t->probe; d++, i = (i + 1) & t->mask) {
		const struct neigh_entry *e = &t->slot[i];

		if (e->state == NEIGH_FREE) {
			*spare = (int)i;
			return -1;
		}
		if (neigh_key(e->net, e->ip) == key)
			return (int)i;
	}
	return -1;
}

/*
 * Takes slot (spare) from neigh_find() for (net, ip), its state left for
 * the caller to set. Returns the slot or -ENOSPC, counted: new addresses
 * are refused, never made room for.
 */
static int neigh_insert(struct neigh *t, int spare, uint8_t net, uint32_t ip)
{
	struct neigh_entry *e;

	if (t->count >= t->capacity || t->per_net[net] >= t->share) {
		t->stats.refused_full++;
		return -ENOSPC;
	}
	if (spare < 0) {
		t->stats.refused_probe++;
		return -ENOSPC;
	}
	t->count++;
	t->per_net[net]++;
	e = &t->slot[spare];
	memset(e, 0, sizeof(*e));
	e->net = net;
	e->ip = ip;
	return spare;
}

/*
 * Empties slot (hole) and moves back every later entry of its run that
 * may sit there: an entry (dist) slots after the hole may if it is at
 * least (dist) slots from its own home, and none is (probe) or more.
 * Returns the slots examined.
 */
static uint32_t neigh_remove_at(struct neigh *t, uint32_t hole)
{
	uint32_t work = 0, dist, k;

	t->count--;
	t->per_net[t->slot[hole].net]--;
	for (;;) {
		for (dist = 1;; dist++) {
			work++;
			k = (hole + dist) & t->mask;
			if (dist >= t->probe || t->slot[k].state == NEIGH_FREE) {
				memset(&t->slot[hole], 0, sizeof(t->slot[hole]));
				return work;
			}
			if (((k - neigh_home(t, &t->slot[k])) & t->mask) >= dist)
				break;
		}
		t->slot[hole] = t->slot[k];
		hole = k;
	}
}

/* Counts a request for (e), to be sent now. */
static void neigh_ask(struct neigh *t, struct neigh_entry *e, uint32_t now_ms)
{
	e->requests++;
	e->when = now_ms;
	t->stats.requests++;
}

/* Makes (e) INCOMPLETE with its first request out. */
static void neigh_start(struct neigh *t, struct neigh_entry *e, uint32_t now_ms)
{
	e->state = NEIGH_INCOMPLETE;
	e->requests = 0;
	memset(e->mac, 0, sizeof(e->mac));
	neigh_ask(t, e, now_ms);
}

static void neigh_fail(struct neigh *t, struct neigh_entry *e, uint32_t now_ms)
{
	e->state = NEIGH_FAILED;
	e->when = now_ms;
	memset(e->mac, 0, sizeof(e->mac));
	t->stats.failed++;
}

int neigh_resolve(struct neigh *t, uint8_t net, uint32_t ip, uint32_t now_ms, uint8_t mac[6],
		  bool *ask)
{
	struct neigh_entry *e;
	int i, spare;

	*ask = false;
	if (net >= NEIGH_NETS)
		return -EINVAL;
	i = neigh_find(t, net, ip, &spare);
	if (i < 0) {
		i = neigh_insert(t, spare, net, ip);
		if (i < 0)
			return i;
	}
	e = &t->slot[i];
	if (e->state == NEIGH_FREE || neigh_dead(t, e, now_ms)) {
		neigh_start(t, e, now_ms);
		t->stats.misses++;
		*ask = true;
		return NEIGH_REQUEST;
	}
	switch (e->state) {
	case NEIGH_INCOMPLETE:
		t->stats.misses++;
		/* Out of tries: neigh_tick() fails it and drops the queue. */
		if (!neigh_older(now_ms, e->when, t->retry_ms) || e->requests >= t->tries)
			return NEIGH_WAIT;
		neigh_ask(t, e, now_ms);
		*ask = true;
		return NEIGH_REQUEST;
	case NEIGH_FAILED:
		t->stats.dropped_failed++;
		return -EHOSTUNREACH;
	case NEIGH_REACHABLE:
		if (!neigh_older(now_ms, e->when, t->reachable_ms))
			break;
		e->state = NEIGH_STALE;
		e->requests = 0;
		neigh_ask(t, e, now_ms);
		*ask = true;
		break;
	default: /* NEIGH_STALE, asked at least once */
		if (!neigh_older(now_ms, e->when, t->retry_ms))
			break;
		if (e->requests >= t->tries) {
			neigh_fail(t, e, now_ms);
			t->stats.dropped_failed++;
			return -EHOSTUNREACH;
		}
		neigh_ask(t, e, now_ms);
		*ask = true;
		break;
	}
	t->stats.hits++;
	memcpy(mac, e->mac, 6);
	return NEIGH_USE;
}

int neigh_confirm(struct neigh *t, uint8_t net, uint32_t ip, const uint8_t mac[6], uint32_t now_ms,
		  bool create)
{
	struct neigh_entry *e;
	uint8_t was;
	int i, spare;

	if (net >= NEIGH_NETS)
		return -EINVAL;
	i = neigh_find(t, net, ip, &spare);
	if (i >= 0 && neigh_dead(t, &t->slot[i], now_ms)) {
		if (!create)
			return 0;
		t->slot[i].state = NEIGH_FREE; /* reused in place, still counted */
	} else if (i < 0) {
		if (!create)
			return 0;
		i = neigh_insert(t, spare, net, ip);
		if (i < 0)
			return i;
	}
	e = &t->slot[i];
	was = e->state;
	if ((was == NEIGH_REACHABLE || was == NEIGH_STALE) && memcmp(e->mac, mac, 6) != 0)
		t->stats.changed++;
	e->state = NEIGH_REACHABLE;
	memcpy(e->mac, mac, 6);
	e->when = now_ms;
	e->requests = 0;
	t->stats.confirmed++;
	return was == NEIGH_INCOMPLETE;
}

static void neigh_report(struct neigh_addr *list, unsigned *n, const struct neigh_entry *e)
{
	list[*n].net = e->net;
	list[*n].ip = e->ip;
	(*n)++;
}

/*
 * A walk stops early, at the entry it cannot report, when (due) or
 * (failed) already holds (max) entries: the next call starts there.
 */
int neigh_tick(struct neigh *t, uint32_t now_ms, uint32_t budget, struct neigh_addr *due,
	       unsigned max, unsigned *ndue, struct neigh_addr *failed, unsigned *nfailed)
{
	uint32_t work = 0;

	*ndue = 0;
	*nfailed = 0;
	while (work < budget && t->count > 0) {
		struct neigh_entry *e = &t->slot[t->cursor];

		work++;
		if (e->state != NEIGH_FREE && neigh_dead(t, e, now_ms)) {
			/* Stay: the shift may have brought another dead entry here. */
			work += neigh_remove_at(t, t->cursor);
			t->stats.expired++;
			continue;
		}
		if (e->state == NEIGH_INCOMPLETE && neigh_older(now_ms, e->when, t->retry_ms)) {
			if (e->requests < t->tries) {
				if (*ndue >= max)
					break;
				neigh_ask(t, e, now_ms);
				neigh_report(due, ndue, e);
			} else {
				if (*nfailed >= max)
					break;
				neigh_fail(t, e, now_ms);
				neigh_report(failed, nfailed, e);
			}
		}
		t->cursor = (t->cursor + 1) & t->mask;
	}
	return (int)(*ndue + *nfailed);
}

/* As in fdb_flush_port(): after a removal, the same slot is examined again. */
void neigh_flush_net(struct neigh *t, uint8_t net)
{
	uint32_t i = 0;

	while (i <= t->mask) {
		if (t->slot[i].state != NEIGH_FREE && t->slot[i].net == net) {
			neigh_remove_at(t, i);
			continue;
		}
		i++;
	}
}

static uint16_t neigh_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t neigh_get32(const uint8_t *p)
{
	return (uint32_t)neigh_get16(p) << 16 | neigh_get16(p + 2);
}

static void neigh_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void neigh_put32(uint8_t *p, uint32_t v)
{
	neigh_put16(p, (uint16_t)(v >> 16));
	neigh_put16(p + 2, (uint16_t)v);
}

/*
 * RFC 826 for IPv4 over Ethernet, after the 14-byte Ethernet header:
 * hrd(2) pro(2) hln(1) pln(1) op(2) sha(6) spa(4) tha(6) tpa(4). One
 * length check covers every read: nothing past byte 42 is looked at, so
 * padding (to 60 bytes, or more) is ignored.
 */
int neigh_arp_parse(struct neigh *t, const uint8_t *frame, size_t len, struct neigh_arp *arp)
{
	const uint8_t *a = frame + NEIGH_ETH_HLEN;
	uint16_t op;

	if (frame == NULL || len < NEIGH_ARP_LEN)
		goto bad;
	/* A tagged frame's ethertype is 0x8100: not ARP here. */
	if (neigh_get16(frame + 12) != NEIGH_ETH_ARP || neigh_get16(a) != NEIGH_ARP_HTYPE ||
	    neigh_get16(a + 2) != NEIGH_ETH_IPV4 || a[4] != 6 || a[5] != 4)
		goto bad;
	op = neigh_get16(a + 6);
	if (op != NEIGH_ARP_REQ && op != NEIGH_ARP_REPLY)
		goto bad;
	if (!neigh_unicast(a + 8) || memcmp(a + 8, frame + 6, 6) != 0)
		goto bad;
	arp->op = op;
	memcpy(arp->sha, a + 8, 6);
	arp->spa = neigh_get32(a + 14);
	memcpy(arp->tha, a + 18, 6);
	arp->tpa = neigh_get32(a + 24);
	return 0;
bad:
	if (t != NULL)
		t->stats.arp_bad++;
	return -EINVAL;
}

size_t neigh_arp_request(uint8_t *buf, const uint8_t mac[6], uint32_t ip, uint32_t target)
{
	uint8_t *a = buf + NEIGH_ETH_HLEN;

	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	neigh_put16(buf + 12, NEIGH_ETH_ARP);
	neigh_put16(a, NEIGH_ARP_HTYPE);
	neigh_put16(a + 2, NEIGH_ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	neigh_put16(a + 6, NEIGH_ARP_REQ);
	memcpy(a + 8, mac, 6);
	neigh_put32(a + 14, ip);
	memset(a + 18, 0, 6);
	neigh_put32(a + 24, target);
	return NEIGH_ARP_LEN;
}

static const char *const neigh_state_names[] = {
	[NEIGH_FREE] = "free",	 [NEIGH_INCOMPLETE] = "incomplete", [NEIGH_REACHABLE] = "reachable",
	[NEIGH_STALE] = "stale", [NEIGH_FAILED] = "failed",
};

int neigh_show(const struct neigh *t, unsigned net, uint32_t now_ms, struct cli_out *out)
{
	const struct neigh_stats *s = &t->stats;
	char ip[ADDR_IPV4_STRLEN], mac[ADDR_MAC_STRLEN];
	uint32_t i, shown = 0;

	cli_printf(out, "%-15s %-17s %-10s %7s %s\n", "Address", "MAC address", "State", "Age (s)",
		   "Net");
	for (i = 0; i <= t->mask; i++) {
		const struct neigh_entry *e = &t->slot[i];
		unsigned state = e->state;

		if (state == NEIGH_FREE || (net != NEIGH_NETS && e->net != net) ||
		    neigh_dead(t, e, now_ms))
			continue;
		if (state == NEIGH_REACHABLE && neigh_older(now_ms, e->when, t->reachable_ms))
			state = NEIGH_STALE;
		cli_printf(out, "%-15s %-17s %-10s %7u %u\n", addr_fmt_ipv4(e->ip, ip),
			   state == NEIGH_REACHABLE || state == NEIGH_STALE
				   ? addr_fmt_mac(e->mac, mac)
				   : "-",
			   state <= NEIGH_FAILED ? neigh_state_names[state] : "?",
			   (now_ms - e->when) / 1000, e->net);
		shown++;
	}
	/* One line, in pieces that each fit CLI_PRINTF_MAX. */
	cli_printf(out, "%u entries shown; table holds %u of %u (%u per network); ", shown,
		   t->count, t->capacity, t->share);
	cli_printf(out, "hits %llu, misses %llu, requests %llu, confirmed %llu, changed %llu, ",
		   (unsigned long long)s->hits, (unsigned long long)s->misses,
		   (unsigned long long)s->requests, (unsigned long long)s->confirmed,
		   (unsigned long long)s->changed);
	cli_printf(out, "failed %llu, dropped failed %llu, refused full %llu probe %llu, ",
		   (unsigned long long)s->failed, (unsigned long long)s->dropped_failed,
		   (unsigned long long)s->refused_full, (unsigned long long)s->refused_probe);
	cli_printf(out, "expired %llu, bad arp %llu\n", (unsigned long long)s->expired,
		   (unsigned long long)s->arp_bad);
	return 0;
}

int neigh_check(const struct neigh *t)
{
	static const struct neigh_entry zero;
	uint32_t per_net[NEIGH_NETS] = {0};
	uint32_t i, j, home, n = 0;

	if (t->slot == NULL || ((t->mask + 1) & t->mask) != 0 || t->cursor > t->mask)
		return -EFAULT;
	for (i = 0; i <= t->mask; i++) {
		const struct neigh_entry *e = &t->slot[i];
		bool has_mac = e->state == NEIGH_REACHABLE || e->state == NEIGH_STALE;

		if (e->state == NEIGH_FREE) {
			if (memcmp(e, &zero, sizeof(zero)) != 0)
				return -EFAULT;
			continue;
		}
		if (e->state > NEIGH_FAILED || e->net >= NEIGH_NETS || e->requests > t->tries ||
		    (e->state == NEIGH_REACHABLE) != (e->requests == 0) ||
		    (!has_mac && memcmp(e->mac, zero.mac, 6) != 0) ||
		    memcmp(e->pad, zero.pad, sizeof(zero.pad)) != 0)
			return -EFAULT;
		n++;
		per_net[e->net]++;
		home = neigh_home(t, e);
		if (((i - home) & t->mask) >= t->probe)
			return -EFAULT;
		for (j = home; j != i; j = (j + 1) & t->mask)
			if (t->slot[j].state == NEIGH_FREE ||
			    neigh_key(t->slot[j].net, t->slot[j].ip) == neigh_key(e->net, e->ip))
				return -EFAULT;
	}
	for (i = 0; i < NEIGH_NETS; i++)
		if (per_net[i] != t->per_net[i] || per_net[i] > t->share)
			return -EFAULT;
	return n == t->count && n <= t->capacity ? 0 : -EFAULT;
}
