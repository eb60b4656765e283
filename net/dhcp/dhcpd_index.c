/*
 * The lease table's indexes (see net/dhcp/dhcpd_index.h): the block's
 * layout, the keyed hash chains of clients and names, the bitmap of taken
 * range places, the per-port counts with their expiry wheel, and the check
 * of all of them against the records. A chain or wheel link of DHCPD_OFF
 * marks a record that is not in that index, so adding and taking out are
 * safe to repeat, and the checker can tell "in no chain" from "last in one".
 */
#include <errno.h>
#include <string.h>

#include "net/dhcp/dhcpd_index.h"
#include "net/dhcp/dhcpd_pool.h"

#define DHCPD_OFF 0xfffffffeu /* not in this index */

/* Where each part of a table of some capacity sits in its block. */
struct dhcpd_plan {
	uint32_t nb, nw, nused, nfull;
	size_t used, full, key_head, key_next, name_head, name_next, w_head, w_prev, w_next, held;
	size_t size;
};

/* Reserves (bytes) at (*at), 8-aligned, and returns where they start. */
static size_t dhcpd_index_take(size_t *at, size_t bytes)
{
	size_t here = (*at + 7) & ~(size_t)7;

	*at = here + bytes;
	return here;
}

static void dhcpd_index_plan(uint32_t capacity, struct dhcpd_plan *p)
{
	size_t at = (size_t)capacity * sizeof(struct dhcpd_lease);

	/* A bucket per record keeps chains about one long. */
	p->nb = 1;
	while (p->nb < capacity)
		p->nb <<= 1;
	p->nw = p->nb < DHCPD_WHEEL_MAX ? p->nb : DHCPD_WHEEL_MAX;
	p->nused = (capacity + 63) / 64;
	p->nfull = (p->nused + 63) / 64;
	p->used = dhcpd_index_take(&at, (size_t)p->nused * 8);
	p->full = dhcpd_index_take(&at, (size_t)p->nfull * 8);
	p->key_head = dhcpd_index_take(&at, (size_t)p->nb * 4);
	p->key_next = dhcpd_index_take(&at, (size_t)capacity * 4);
	p->name_head = dhcpd_index_take(&at, (size_t)p->nb * 4);
	p->name_next = dhcpd_index_take(&at, (size_t)capacity * 4);
	p->w_head = dhcpd_index_take(&at, (size_t)p->nw * 4);
	p->w_prev = dhcpd_index_take(&at, (size_t)capacity * 4);
	p->w_next = dhcpd_index_take(&at, (size_t)capacity * 4);
	p->held = dhcpd_index_take(&at, (size_t)DHCPD_PORT_ANY * 4);
	p->size = dhcpd_index_take(&at, 0);
}

size_t dhcpd_table_size(uint32_t capacity)
{
	struct dhcpd_plan p;

	dhcpd_index_plan(capacity, &p);
	return p.size;
}

void dhcpd_index_layout(struct dhcpd *d, void *table, uint32_t capacity)
{
	struct dhcpd_index *ix = &d->ix;
	struct dhcpd_plan p;
	char *base = table;

	dhcpd_index_plan(capacity, &p);
	d->lease = table;
	d->capacity = capacity;
	memset(d->lease, 0, (size_t)capacity * sizeof(*d->lease));
	ix->nb = p.nb;
	ix->nw = p.nw;
	ix->nused = p.nused;
	ix->nfull = p.nfull;
	ix->used = (void *)(base + p.used);
	ix->full = (void *)(base + p.full);
	ix->key_head = (void *)(base + p.key_head);
	ix->key_next = (void *)(base + p.key_next);
	ix->name_head = (void *)(base + p.name_head);
	ix->name_next = (void *)(base + p.name_next);
	ix->w_head = (void *)(base + p.w_head);
	ix->w_prev = (void *)(base + p.w_prev);
	ix->w_next = (void *)(base + p.w_next);
	ix->held = (void *)(base + p.held);
}

/* Range addresses under (d)'s configuration: the places 0 .. n - 1. */
static uint32_t dhcpd_index_nrange(const struct dhcpd *d)
{
	return d->configured ? d->cfg.range_end - d->cfg.range_start + 1 : 0;
}

uint32_t dhcpd_index_slot(const struct dhcpd *d, uint32_t ip)
{
	const struct dhcpd_config *c = &d->cfg;
	uint32_t s = dhcpd_index_nrange(d), i;

	if (!d->configured || ip == 0)
		return DHCPD_NIL;
	if (ip >= c->range_start && ip <= c->range_end)
		return ip - c->range_start;
	for (i = 0; i < c->nhosts; i++) {
		if (c->host[i].ip >= c->range_start && c->host[i].ip <= c->range_end)
			continue;
		if (c->host[i].ip == ip)
			break;
		s++;
	}
	return i < c->nhosts && s < d->capacity ? s : DHCPD_NIL;
}

/* A keyed hash of the (n) bytes at (p), reduced to a bucket. Not a
 * cryptographic one: it only has to keep a guest that cannot read the
 * seed from lining its keys up in one chain. */
static uint32_t dhcpd_index_hash(const struct dhcpd_index *ix, const uint8_t *p, size_t n)
{
	uint64_t h = ix->seed ^ n;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;

		for (size_t j = 0; j < 8 && i + j < n; j++)
			w |= (uint64_t)p[i + j] << (8 * j);
		h = (h ^ w) * 0x9e3779b97f4a7c15u;
		h ^= h >> 32;
	}
	h = (h ^ (ix->seed >> 7)) * 0xbf58476d1ce4e5b9u;
	h ^= h >> 31;
	return (uint32_t)h & (ix->nb - 1);
}

/* The bucket of (l)'s key, or DHCPD_NIL for a record with none. The bytes
 * hashed are those dhcpd_pool_key_equal() compares. */
static uint32_t dhcpd_index_key_bucket(const struct dhcpd *d, const struct dhcpd_key *k)
{
	uint8_t b[6 + DHCPD_KEY_MAX];
	size_t n = k->len < DHCPD_KEY_MAX ? k->len : DHCPD_KEY_MAX;

	if (k->kind == DHCPD_KEY_NONE)
		return DHCPD_NIL;
	b[0] = k->kind;
	b[1] = k->len;
	memcpy(b + 2, &k->tail, 4);
	memcpy(b + 6, k->id, n);
	return dhcpd_index_hash(&d->ix, b, 6 + n);
}

/* The bucket of a name of (n) bytes, ASCII case aside. */
static uint32_t dhcpd_index_name_bucket(const struct dhcpd *d, const char *name, size_t n)
{
	uint8_t b[DHCPD_NAME_MAX];

	if (n > sizeof(b))
		n = sizeof(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	return dhcpd_index_hash(&d->ix, b, n);
}

/* The buckets (l) belongs in, DHCPD_NIL where it belongs in none. */
static uint32_t dhcpd_index_key_of(const struct dhcpd *d, const struct dhcpd_lease *l)
{
	return l->ip != 0 ? dhcpd_index_key_bucket(d, &l->key) : DHCPD_NIL;
}

static uint32_t dhcpd_index_name_of(const struct dhcpd *d, const struct dhcpd_lease *l)
{
	const char *end = memchr(l->name, '\0', sizeof(l->name));

	if (l->ip == 0 || l->name[0] == '\0' || end == NULL)
		return DHCPD_NIL;
	return dhcpd_index_name_bucket(d, l->name, (size_t)(end - l->name));
}

/* Puts record (s) at the head of chain (b), unless it is in one already. */
static void dhcpd_chain_add(uint32_t *head, uint32_t *next, uint32_t b, uint32_t s)
{
	if (b == DHCPD_NIL || next[s] != DHCPD_OFF)
		return;
	next[s] = head[b];
	head[b] = s;
}

static void dhcpd_chain_del(uint32_t *head, uint32_t *next, uint32_t b, uint32_t s)
{
	if (next[s] == DHCPD_OFF)
		return;
	for (uint32_t *p = &head[b]; b != DHCPD_NIL && *p != DHCPD_NIL; p = &next[*p])
		if (*p == s) {
			*p = next[s];
			break;
		}
	next[s] = DHCPD_OFF;
}

struct dhcpd_lease *dhcpd_index_key(const struct dhcpd *d, const struct dhcpd_key *k)
{
	uint32_t b = dhcpd_index_key_bucket(d, k);

	for (uint32_t s = b != DHCPD_NIL ? d->ix.key_head[b] : DHCPD_NIL; s != DHCPD_NIL;
	     s = d->ix.key_next[s])
		if (dhcpd_pool_key_equal(&d->lease[s].key, k))
			return &d->lease[s];
	return NULL;
}

struct dhcpd_lease *dhcpd_index_name(const struct dhcpd *d, const char *name, size_t n)
{
	uint32_t b = dhcpd_index_name_bucket(d, name, n);

	for (uint32_t s = d->ix.name_head[b]; s != DHCPD_NIL; s = d->ix.name_next[s])
		if (dhcpd_pool_name_eq(name, n, d->lease[s].name))
			return &d->lease[s];
	return NULL;
}

void dhcpd_index_name_add(struct dhcpd *d, struct dhcpd_lease *l)
{
	dhcpd_chain_add(d->ix.name_head, d->ix.name_next, dhcpd_index_name_of(d, l),
			(uint32_t)(l - d->lease));
}

void dhcpd_index_name_del(struct dhcpd *d, struct dhcpd_lease *l)
{
	dhcpd_chain_del(d->ix.name_head, d->ix.name_next, dhcpd_index_name_of(d, l),
			(uint32_t)(l - d->lease));
}

/* True if range place (s) is reserved for a host. */
static bool dhcpd_index_reserved(const struct dhcpd *d, uint32_t s)
{
	return dhcpd_pool_host_by_ip(&d->cfg, d->cfg.range_start + s) != NULL;
}

/* Sets or clears place (s)'s bit, and its word's bit in the summary. */
static void dhcpd_index_mark(struct dhcpd *d, uint32_t s, bool taken)
{
	struct dhcpd_index *ix = &d->ix;
	uint64_t *w = &ix->used[s / 64];
	uint64_t *f = &ix->full[s / 64 / 64];
	uint64_t fbit = 1ull << (s / 64 % 64);

	*w = taken ? *w | 1ull << (s % 64) : *w & ~(1ull << (s % 64));
	*f = *w == ~0ull ? *f | fbit : *f & ~fbit;
}

uint32_t dhcpd_index_unused(const struct dhcpd *d)
{
	const struct dhcpd_index *ix = &d->ix;

	/* Padding bits are set (dhcpd_index_rebuild), so any clear bit is a
	 * range place. */
	for (uint32_t f = 0; f < ix->nfull; f++)
		if (~ix->full[f] != 0) {
			uint32_t w = f * 64 + (uint32_t)__builtin_ctzll(~ix->full[f]);

			return w * 64 + (uint32_t)__builtin_ctzll(~ix->used[w]);
		}
	return DHCPD_NIL;
}

/* True if (l) counts for its port: an offered or bound pool address,
 * pinned to a port, whose hold ends after the wheel's time. */
static bool dhcpd_index_counts(const struct dhcpd *d, const struct dhcpd_lease *l)
{
	return l->ip != 0 && l->port != DHCPD_PORT_ANY &&
	       (l->state == DHCPD_OFFERED || l->state == DHCPD_BOUND) &&
	       dhcpd_before(d->ix.wheel_t, l->until) &&
	       dhcpd_pool_host_by_ip(&d->cfg, l->ip) == NULL;
}

void dhcpd_index_count(struct dhcpd *d, struct dhcpd_lease *l)
{
	struct dhcpd_index *ix = &d->ix;
	uint32_t s = (uint32_t)(l - d->lease), b = l->until & (ix->nw - 1);

	if (ix->w_prev[s] != DHCPD_OFF || !dhcpd_index_counts(d, l))
		return;
	ix->w_prev[s] = DHCPD_NIL;
	ix->w_next[s] = ix->w_head[b];
	if (ix->w_head[b] != DHCPD_NIL)
		ix->w_prev[ix->w_head[b]] = s;
	ix->w_head[b] = s;
	ix->held[l->port]++;
}

void dhcpd_index_uncount(struct dhcpd *d, struct dhcpd_lease *l)
{
	struct dhcpd_index *ix = &d->ix;
	uint32_t s = (uint32_t)(l - d->lease), p = ix->w_prev[s], n = ix->w_next[s];

	if (p == DHCPD_OFF)
		return;
	if (p == DHCPD_NIL)
		ix->w_head[l->until & (ix->nw - 1)] = n;
	else
		ix->w_next[p] = n;
	if (n != DHCPD_NIL)
		ix->w_prev[n] = p;
	ix->w_prev[s] = DHCPD_OFF;
	ix->held[l->port]--;
}

void dhcpd_index_expire(struct dhcpd *d, uint32_t now)
{
	struct dhcpd_index *ix = &d->ix;
	uint32_t steps = now - ix->wheel_t;

	/* Nothing is counted before the first message: start there. */
	if (!ix->wheel_on) {
		ix->wheel_on = true;
		ix->wheel_t = now;
		return;
	}
	if ((int32_t)steps <= 0)
		return;
	/* A slot holds the holds ending at its seconds, one turn apart or
	 * more: one turn visits every slot, and keeps what ends later. */
	if (steps > ix->nw)
		steps = ix->nw;
	for (uint32_t i = 1; i <= steps; i++) {
		uint32_t s = ix->w_head[(ix->wheel_t + i) & (ix->nw - 1)];

		while (s != DHCPD_NIL) {
			uint32_t next = ix->w_next[s];

			if (!dhcpd_before(now, d->lease[s].until))
				dhcpd_index_uncount(d, &d->lease[s]);
			s = next;
		}
	}
	ix->wheel_t = now;
}

uint32_t dhcpd_index_held(const struct dhcpd *d, uint8_t port)
{
	return port < DHCPD_PORT_ANY ? d->ix.held[port] : 0;
}

void dhcpd_index_add(struct dhcpd *d, struct dhcpd_lease *l)
{
	uint32_t s = (uint32_t)(l - d->lease);

	if (l->ip == 0)
		return;
	if (s < dhcpd_index_nrange(d))
		dhcpd_index_mark(d, s, true);
	dhcpd_chain_add(d->ix.key_head, d->ix.key_next, dhcpd_index_key_of(d, l), s);
	dhcpd_index_name_add(d, l);
	dhcpd_index_count(d, l);
}

void dhcpd_index_del(struct dhcpd *d, struct dhcpd_lease *l)
{
	uint32_t s = (uint32_t)(l - d->lease);

	dhcpd_index_uncount(d, l);
	dhcpd_index_name_del(d, l);
	dhcpd_chain_del(d->ix.key_head, d->ix.key_next, dhcpd_index_key_of(d, l), s);
	if (s < dhcpd_index_nrange(d) && !dhcpd_index_reserved(d, s))
		dhcpd_index_mark(d, s, false);
}

/* Empties the bitmap but for its padding and the reserved range places,
 * which are never picked. */
static void dhcpd_index_reset_bits(struct dhcpd *d)
{
	struct dhcpd_index *ix = &d->ix;
	uint32_t nrange = dhcpd_index_nrange(d);

	memset(ix->used, 0, (size_t)ix->nused * 8);
	memset(ix->full, 0, (size_t)ix->nfull * 8);
	for (uint32_t s = nrange; s < ix->nused * 64; s++)
		dhcpd_index_mark(d, s, true);
	for (uint32_t w = ix->nused; w < ix->nfull * 64; w++)
		ix->full[w / 64] |= 1ull << (w % 64);
	for (uint32_t i = 0; d->configured && i < d->cfg.nhosts; i++)
		if (d->cfg.host[i].ip - d->cfg.range_start < nrange)
			dhcpd_index_mark(d, d->cfg.host[i].ip - d->cfg.range_start, true);
}

void dhcpd_index_rebuild(struct dhcpd *d)
{
	struct dhcpd_index *ix = &d->ix;

	memset(ix->key_head, 0xff, (size_t)ix->nb * 4);
	memset(ix->name_head, 0xff, (size_t)ix->nb * 4);
	memset(ix->w_head, 0xff, (size_t)ix->nw * 4);
	memset(ix->held, 0, (size_t)DHCPD_PORT_ANY * 4);
	for (uint32_t s = 0; s < d->capacity; s++) {
		ix->key_next[s] = DHCPD_OFF;
		ix->name_next[s] = DHCPD_OFF;
		ix->w_prev[s] = DHCPD_OFF;
	}
	dhcpd_index_reset_bits(d);
	for (uint32_t s = 0; s < d->capacity; s++)
		dhcpd_index_add(d, &d->lease[s]);
}

/* Walks every chain of (head) and (next): each entry must be a record whose
 * bucket, by (bucket_of), is that chain's; none twice (the count bounds
 * the walk). Returns the entries, or DHCPD_NIL if that fails. */
static uint32_t dhcpd_index_walk(const struct dhcpd *d, const uint32_t *head, const uint32_t *next,
				 uint32_t (*bucket_of)(const struct dhcpd *,
						       const struct dhcpd_lease *))
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < d->ix.nb; b++)
		for (uint32_t s = head[b]; s != DHCPD_NIL; s = next[s])
			if (s >= d->capacity || ++n > d->capacity ||
			    bucket_of(d, &d->lease[s]) != b)
				return DHCPD_NIL;
	return n;
}

/* Every counted record on the wheel in the slot of its hold's end, linked
 * both ways, and the ports' counts theirs. Returns the entries, or
 * DHCPD_NIL. */
static uint32_t dhcpd_index_walk_wheel(const struct dhcpd *d)
{
	const struct dhcpd_index *ix = &d->ix;
	uint32_t held[DHCPD_PORT_ANY] = {0}, n = 0;

	for (uint32_t b = 0; b < ix->nw; b++)
		for (uint32_t s = ix->w_head[b], prev = DHCPD_NIL; s != DHCPD_NIL;
		     prev = s, s = ix->w_next[s]) {
			const struct dhcpd_lease *l = &d->lease[s];

			if (s >= d->capacity || ++n > d->capacity || ix->w_prev[s] != prev ||
			    (l->until & (ix->nw - 1)) != b || !dhcpd_index_counts(d, l))
				return DHCPD_NIL;
			held[l->port]++;
		}
	return memcmp(held, ix->held, sizeof(held)) == 0 ? n : DHCPD_NIL;
}

/* Each bit of the bitmap and of its summary as the records say. */
static bool dhcpd_index_bits_ok(const struct dhcpd *d)
{
	const struct dhcpd_index *ix = &d->ix;
	uint32_t nrange = dhcpd_index_nrange(d);

	for (uint32_t s = 0; s < ix->nused * 64; s++) {
		bool want = s >= nrange || d->lease[s].ip != 0 || dhcpd_index_reserved(d, s);

		if (want != ((ix->used[s / 64] >> (s % 64)) & 1))
			return false;
	}
	for (uint32_t w = 0; w < ix->nfull * 64; w++) {
		bool want = w >= ix->nused || ix->used[w] == ~0ull;

		if (want != ((ix->full[w / 64] >> (w % 64)) & 1))
			return false;
	}
	return true;
}

/* Record (s) at its address's place, and in exactly the indexes it
 * belongs in: each found by its own key and name. Adds up in (*n) the
 * records keyed, named and counted. */
static bool dhcpd_index_record_ok(const struct dhcpd *d, uint32_t s, uint32_t n[3])
{
	const struct dhcpd_index *ix = &d->ix;
	const struct dhcpd_lease *l = &d->lease[s];
	bool keyed = dhcpd_index_key_of(d, l) != DHCPD_NIL;
	bool named = dhcpd_index_name_of(d, l) != DHCPD_NIL;
	bool counted = dhcpd_index_counts(d, l);

	if (l->ip != 0 && dhcpd_index_slot(d, l->ip) != s)
		return false;
	if (keyed != (ix->key_next[s] != DHCPD_OFF) || named != (ix->name_next[s] != DHCPD_OFF) ||
	    counted != (ix->w_prev[s] != DHCPD_OFF))
		return false;
	if (keyed && dhcpd_index_key(d, &l->key) != l)
		return false;
	if (named && dhcpd_index_name(d, l->name, strlen(l->name)) != l)
		return false;
	n[0] += keyed;
	n[1] += named;
	n[2] += counted;
	return true;
}

int dhcpd_index_check(const struct dhcpd *d)
{
	const struct dhcpd_index *ix = &d->ix;
	uint32_t n[3] = {0, 0, 0};

	for (uint32_t s = 0; s < d->capacity; s++)
		if (!dhcpd_index_record_ok(d, s, n))
			return -EFAULT;
	if (dhcpd_index_walk(d, ix->key_head, ix->key_next, dhcpd_index_key_of) != n[0] ||
	    dhcpd_index_walk(d, ix->name_head, ix->name_next, dhcpd_index_name_of) != n[1] ||
	    dhcpd_index_walk_wheel(d) != n[2] || !dhcpd_index_bits_ok(d))
		return -EFAULT;
	return 0;
}
