/*
 * The MAC table: linear probing in a power-of-two array kept at most half
 * full. The invariant every function keeps is that an entry sits at most
 * probe - 1 slots after its home slot, with no empty slot in between;
 * lookups therefore stop at the first empty slot or after (probe) slots.
 * Deletion shifts later entries of the run back into the hole instead of
 * leaving a tombstone, so the table never degrades with churn.
 *
 * The home slot comes from a keyed mix of the 48-bit address (xor, odd
 * multiply, xorshift, odd multiply; the top bits taken): a bijection on
 * 64 bits whose key is drawn from the caller's seed, cheap enough for
 * every frame, and not predictable from outside without the key.
 */
#include <errno.h>
#include <string.h>

#include "net/switch/fdb.h"
#include "net/splitmix.h"

/* The address as a 48-bit number. */
static uint64_t fdb_key(const uint8_t m[6])
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

static uint32_t fdb_hash(const struct fdb *t, uint64_t key)
{
	uint64_t x = (key ^ t->k0) * t->k1;

	x ^= x >> 32;
	x *= t->k2;
	return (uint32_t)(x >> t->shift);
}

static bool fdb_expired(const struct fdb *t, const struct fdb_entry *e, uint32_t now_ms)
{
	return !(e->flags & FDB_F_STATIC) && now_ms - e->seen >= t->aging_ms;
}

uint32_t fdb_nslots(uint32_t capacity)
{
	uint32_t n = 2;

	if (capacity == 0 || capacity > FDB_CAPACITY_MAX)
		return 0;
	while (n < 2 * capacity)
		n <<= 1;
	return n;
}

int fdb_init(struct fdb *t, struct fdb_entry *slots, uint32_t nslots, uint32_t capacity,
	     uint32_t aging_s, uint64_t seed)
{
	uint32_t bits = 0;

	if (capacity == 0 || capacity > FDB_CAPACITY_MAX || nslots / 2 < capacity ||
	    (nslots & (nslots - 1)) != 0 || aging_s == 0 || aging_s > FDB_AGING_MAX)
		return -EINVAL;
	while ((1u << bits) < nslots)
		bits++;
	memset(t, 0, sizeof(*t));
	memset(slots, 0, (size_t)nslots * sizeof(*slots));
	t->slot = slots;
	t->mask = nslots - 1;
	t->shift = 64 - bits;
	t->probe = nslots < FDB_PROBE_MAX ? nslots : FDB_PROBE_MAX;
	t->capacity = capacity;
	t->aging_ms = aging_s * 1000;
	t->k0 = splitmix_next(&seed);
	t->k1 = splitmix_next(&seed) | 1;
	t->k2 = splitmix_next(&seed) | 1;
	return 0;
}

void fdb_set_port_limit(struct fdb *t, uint32_t limit)
{
	t->port_limit = limit;
}

void fdb_set_unlimited(struct fdb *t, int port, bool unlimited)
{
	uint64_t bit = 1ull << (port % 64);

	if (port < 0 || port >= FDB_PORT_MAX)
		return;
	if (unlimited)
		t->unlimited[port / 64] |= bit;
	else
		t->unlimited[port / 64] &= ~bit;
}

/* May (port) hold one more learned address? Counted if not. */
static bool fdb_port_room(struct fdb *t, int port)
{
	if (t->port_limit == 0 || (t->unlimited[port / 64] >> (port % 64) & 1) ||
	    t->learned[port] < t->port_limit)
		return true;
	t->stats.refused_port++;
	return false;
}

/* Keeps learned[] right as (e) stops or starts being a learned entry. */
static void fdb_unaccount(struct fdb *t, const struct fdb_entry *e)
{
	if ((e->flags & (FDB_F_USED | FDB_F_STATIC)) == FDB_F_USED)
		t->learned[e->port]--;
}

static void fdb_account(struct fdb *t, const struct fdb_entry *e)
{
	if ((e->flags & (FDB_F_USED | FDB_F_STATIC)) == FDB_F_USED)
		t->learned[e->port]++;
}

int fdb_set_aging(struct fdb *t, uint32_t aging_s)
{
	if (aging_s == 0 || aging_s > FDB_AGING_MAX)
		return -EINVAL;
	t->aging_ms = aging_s * 1000;
	return 0;
}

bool fdb_mac_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

uint32_t fdb_home(const struct fdb *t, const uint8_t mac[6])
{
	return fdb_hash(t, fdb_key(mac));
}

int fdb_lookup(const struct fdb *t, const uint8_t mac[6], uint32_t now_ms)
{
	uint64_t key = fdb_key(mac);
	uint32_t i = fdb_hash(t, key), d;

	for (d = 0; d < t->probe; d++, i = (i + 1) & t->mask) {
		const struct fdb_entry *e = &t->slot[i];

		if (!(e->flags & FDB_F_USED))
			return -1;
		if (fdb_key(e->mac) == key)
			return fdb_expired(t, e, now_ms) ? -1 : e->port;
	}
	return -1;
}

/*
 * Returns the slot holding (mac), or -1 with (*spare) set to where it may
 * go: the first expired slot on its probe path if (reuse), else the empty
 * slot ending the path, else -1.
 */
static int fdb_find(const struct fdb *t, const uint8_t mac[6], uint32_t now_ms, bool reuse,
		    int *spare)
{
	uint64_t key = fdb_key(mac);
	uint32_t i = fdb_hash(t, key), d;

	*spare = -1;
	for (d = 0; d < t->probe; d++, i = (i + 1) & t->mask) {
		const struct fdb_entry *e = &t->slot[i];

		if (!(e->flags & FDB_F_USED)) {
			if (*spare < 0)
				*spare = (int)i;
			return -1;
		}
		if (fdb_key(e->mac) == key)
			return (int)i;
		if (reuse && *spare < 0 && fdb_expired(t, e, now_ms))
			*spare = (int)i;
	}
	return -1;
}

/*
 * Stores a new entry in slot (spare) from fdb_find(), which holds nothing
 * or an expired entry (then replaced: the count does not grow). Returns 0
 * or -ENOSPC, counted.
 */
static int fdb_insert(struct fdb *t, int spare, const uint8_t mac[6], int port, uint32_t now_ms,
		      uint8_t flags)
{
	struct fdb_entry *e;
	uint32_t dist;

	if (!(flags & FDB_F_STATIC) && !fdb_port_room(t, port))
		return -ENOSPC;
	if (spare < 0 || !(t->slot[spare].flags & FDB_F_USED)) {
		if (t->count >= t->capacity) {
			t->stats.refused_full++;
			return -ENOSPC;
		}
		if (spare < 0) {
			t->stats.refused_probe++;
			return -ENOSPC;
		}
		t->count++;
	} else {
		t->stats.aged++;
		fdb_unaccount(t, &t->slot[spare]);
	}
	e = &t->slot[spare];
	memcpy(e->mac, mac, 6);
	e->port = (uint8_t)port;
	e->seen = now_ms;
	e->flags = FDB_F_USED | flags;
	fdb_account(t, e);
	dist = ((uint32_t)spare - fdb_home(t, mac)) & t->mask;
	if (dist > t->stats.probe_max)
		t->stats.probe_max = dist;
	return 0;
}

/* Counts why (mac) may not be learned; returns -EINVAL if so, else 0. */
static int fdb_check_source(struct fdb *t, const uint8_t mac[6], int port)
{
	if (mac[0] & 1) {
		t->stats.ignored_group++;
		return -EINVAL;
	}
	if (!fdb_mac_unicast(mac)) {
		t->stats.ignored_zero++;
		return -EINVAL;
	}
	if (port < 0 || port >= FDB_PORT_MAX)
		return -EINVAL;
	return 0;
}

int fdb_learn(struct fdb *t, const uint8_t mac[6], int port, uint32_t now_ms)
{
	struct fdb_entry *e;
	int i, spare, err;

	err = fdb_check_source(t, mac, port);
	if (err != 0)
		return err;
	i = fdb_find(t, mac, now_ms, true, &spare);
	if (i < 0) {
		err = fdb_insert(t, spare, mac, port, now_ms, 0);
		if (err != 0)
			return err;
		t->stats.learned++;
		return FDB_NEW;
	}
	e = &t->slot[i];
	if (e->flags & FDB_F_STATIC) {
		if (e->port != port) {
			t->stats.static_conflict++;
			return -EPERM;
		}
		t->stats.refreshed++;
		return FDB_REFRESHED;
	}
	if (e->port != port && !fdb_port_room(t, port))
		return -ENOSPC;
	if (fdb_expired(t, e, now_ms)) {
		t->stats.aged++;
		t->stats.learned++;
		fdb_unaccount(t, e);
		e->port = (uint8_t)port;
		fdb_account(t, e);
		e->seen = now_ms;
		return FDB_NEW;
	}
	e->seen = now_ms;
	if (e->port != port) {
		fdb_unaccount(t, e);
		e->port = (uint8_t)port;
		fdb_account(t, e);
		t->stats.moved++;
		return FDB_MOVED;
	}
	t->stats.refreshed++;
	return FDB_REFRESHED;
}

int fdb_add_static(struct fdb *t, const uint8_t mac[6], int port)
{
	int i, spare, err;

	err = fdb_check_source(t, mac, port);
	if (err != 0)
		return err;
	i = fdb_find(t, mac, 0, false, &spare);
	if (i < 0)
		return fdb_insert(t, spare, mac, port, 0, FDB_F_STATIC);
	fdb_unaccount(t, &t->slot[i]);
	t->slot[i].port = (uint8_t)port;
	t->slot[i].flags |= FDB_F_STATIC;
	return 0;
}

/*
 * Empties slot (hole) and moves back every later entry of its run that
 * may sit there, so that no entry is cut off from its home by an empty
 * slot. An entry (dist) slots after the hole may move into it if it is at
 * least (dist) slots from its own home; none is (probe) or more, so the
 * search for one stops there. Returns the slots examined.
 */
static uint32_t fdb_remove_at(struct fdb *t, uint32_t hole)
{
	uint32_t work = 0, dist, k;

	t->count--;
	fdb_unaccount(t, &t->slot[hole]);
	for (;;) {
		for (dist = 1;; dist++) {
			work++;
			k = (hole + dist) & t->mask;
			if (dist >= t->probe || !(t->slot[k].flags & FDB_F_USED)) {
				memset(&t->slot[hole], 0, sizeof(t->slot[hole]));
				return work;
			}
			if (((k - fdb_home(t, t->slot[k].mac)) & t->mask) >= dist)
				break;
		}
		t->slot[hole] = t->slot[k];
		hole = k;
	}
}

int fdb_del(struct fdb *t, const uint8_t mac[6])
{
	int spare, i = fdb_find(t, mac, 0, false, &spare);

	if (i < 0)
		return -ENOENT;
	fdb_remove_at(t, (uint32_t)i);
	return 0;
}

/*
 * A removal only moves entries backwards, into slots at or after the one
 * being examined, except across the end of the array into slots already
 * examined and kept; so one forward pass that re-examines the current
 * slot after each removal sees every entry.
 */
uint32_t fdb_flush_port(struct fdb *t, int port, bool statics)
{
	uint32_t i = 0, n = 0;

	while (i <= t->mask) {
		struct fdb_entry *e = &t->slot[i];

		if ((e->flags & FDB_F_USED) && e->port == port &&
		    (statics || !(e->flags & FDB_F_STATIC))) {
			fdb_remove_at(t, i);
			n++;
			continue;
		}
		i++;
	}
	t->stats.flushed += n;
	return n;
}

uint32_t fdb_age(struct fdb *t, uint32_t now_ms, uint32_t budget)
{
	uint32_t work = 0, n = 0;

	while (work < budget && t->count > 0) {
		struct fdb_entry *e = &t->slot[t->cursor];

		work++;
		if ((e->flags & FDB_F_USED) && fdb_expired(t, e, now_ms)) {
			/* Stay: the shift may have brought another expired entry here. */
			work += fdb_remove_at(t, t->cursor);
			n++;
			continue;
		}
		t->cursor = (t->cursor + 1) & t->mask;
	}
	t->stats.aged += n;
	return n;
}

int fdb_next(const struct fdb *t, uint32_t *pos, uint32_t now_ms, struct fdb_info *info)
{
	while (*pos <= t->mask) {
		const struct fdb_entry *e = &t->slot[(*pos)++];

		if (!(e->flags & FDB_F_USED) || fdb_expired(t, e, now_ms))
			continue;
		memcpy(info->mac, e->mac, 6);
		info->port = e->port;
		info->is_static = (e->flags & FDB_F_STATIC) != 0;
		info->age_ms = info->is_static ? 0 : now_ms - e->seen;
		return 0;
	}
	return -ENOENT;
}

int fdb_check(const struct fdb *t)
{
	uint32_t i, j, home, n = 0;
	uint32_t learned[FDB_PORT_MAX] = {0};

	for (i = 0; i <= t->mask; i++) {
		const struct fdb_entry *e = &t->slot[i];

		if (!(e->flags & FDB_F_USED))
			continue;
		n++;
		if (!(e->flags & FDB_F_STATIC))
			learned[e->port]++;
		home = fdb_home(t, e->mac);
		if (((i - home) & t->mask) >= t->probe || !fdb_mac_unicast(e->mac))
			return -EFAULT;
		for (j = home; j != i; j = (j + 1) & t->mask)
			if (!(t->slot[j].flags & FDB_F_USED) ||
			    fdb_key(t->slot[j].mac) == fdb_key(e->mac))
				return -EFAULT;
	}
	for (i = 0; i < FDB_PORT_MAX; i++)
		if (learned[i] != t->learned[i])
			return -EFAULT;
	return n == t->count && n <= t->capacity ? 0 : -EFAULT;
}

int fdb_copy(struct fdb *dst, const struct fdb *src, uint32_t now_ms)
{
	uint32_t kept = 0, dropped = 0;

	dst->port_limit = src->port_limit;
	memcpy(dst->unlimited, src->unlimited, sizeof(dst->unlimited));
	/* Static entries first, so that a smaller table keeps them all. */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i <= src->mask; i++) {
			const struct fdb_entry *e = &src->slot[i];
			bool is_static = (e->flags & FDB_F_STATIC) != 0;
			int spare;

			if (!(e->flags & FDB_F_USED) || is_static != (pass == 0))
				continue;
			if (fdb_expired(src, e, now_ms) ||
			    fdb_find(dst, e->mac, now_ms, false, &spare) >= 0 ||
			    fdb_insert(dst, spare, e->mac, e->port, e->seen,
				       e->flags & FDB_F_STATIC) != 0) {
				dropped++;
				continue;
			}
			kept++;
		}
	dst->aging_ms = src->aging_ms;
	dst->stats = src->stats;
	dst->stats.flushed += dropped;
	return (int)kept;
}
