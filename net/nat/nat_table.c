/*
 * The NAPT session table: mapping records (one per protocol, inside
 * address and inside port: RFC 4787 §4.1 endpoint-independent mapping)
 * and session records (one per mapping and remote endpoint, with its idle
 * timer and the RFC 7857 §2 TCP state), found through the indexes of
 * nat_index.c in constant time from either side. Free records are chained
 * through a field they do not otherwise use. Outside ports in use are
 * also a bitmap per protocol, which makes a free port quick to find even
 * when the pool is nearly used up.
 *
 * A session is removed when it has expired (nat_expire(), bounded work
 * per call), by the administrator, or, half-open, to make room for a new
 * flow (nat_evict.c, when a check below finds none); a dynamic mapping
 * goes with its last session. Port forwards are mappings that never
 * expire. Under pressure a half-open session lives NAT_HALFOPEN_PRESSED_S
 * only (nat.h).
 */
#include <errno.h>
#include <string.h>

#include "net/nat/nat_impl.h"

static uint64_t *nat_port_word(const struct nat *n, int pi, uint16_t port)
{
	return &n->ports[(size_t)pi * NAT_PORT_WORDS + port / 64];
}

static void nat_port_mark(struct nat *n, int pi, uint16_t port, bool used)
{
	uint64_t bit = 1ull << (port % 64);

	if (used)
		*nat_port_word(n, pi, port) |= bit;
	else
		*nat_port_word(n, pi, port) &= ~bit;
}

static bool nat_port_used(const struct nat *n, int pi, uint16_t port)
{
	return (*nat_port_word(n, pi, port) >> (port % 64)) & 1;
}

/*
 * Returns the first port in (from) .. (to) of (pi) that is free and whose
 * bit is clear in (skip) (a parity mask), or 0.
 */
static uint32_t nat_port_scan(const struct nat *n, int pi, uint32_t from, uint32_t to,
			      uint64_t skip)
{
	while (from <= to) {
		uint32_t w = from / 64;
		uint64_t bits = *nat_port_word(n, pi, (uint16_t)from) | skip;

		bits |= (1ull << (from % 64)) - 1;
		if (to / 64 == w && to % 64 != 63)
			bits |= ~((2ull << (to % 64)) - 1);
		if (bits != ~0ull)
			return w * 64 + (uint32_t)__builtin_ctzll(~bits);
		from = (w + 1) * 64;
	}
	return 0;
}

/*
 * Picks the outside port of a new mapping of (pi) for inside port (want):
 * (want) itself if it is a free pool port (RFC 4787 REQ-3, preservation),
 * else the first free port after a random one, of (want)'s parity if any
 * is left (REQ-4), else of either. Returns 0 if the pool is used up.
 */
static uint32_t nat_port_pick(struct nat *n, int pi, uint16_t want)
{
	uint32_t lo = n->cfg.port_min, hi = n->cfg.port_max, start, p = 0;
	uint64_t skip = (want & 1) ? 0x5555555555555555ull : 0xaaaaaaaaaaaaaaaaull;
	int pass;

	if (nat_in_pool(n, want) && !nat_port_used(n, pi, want))
		return want;
	start = lo + n->rand(n->rand_ctx) % (hi - lo + 1);
	for (pass = 0; pass < 2 && p == 0; pass++, skip = 0) {
		p = nat_port_scan(n, pi, start, hi, skip);
		if (p == 0 && start > lo)
			p = nat_port_scan(n, pi, lo, start - 1, skip);
	}
	return p;
}

bool nat_in_pool(const struct nat *n, uint16_t port)
{
	return port >= n->cfg.port_min && port <= n->cfg.port_max;
}

uint32_t nat_map_index(const struct nat *n, const struct nat_map *m)
{
	return (uint32_t)(m - n->map);
}

uint32_t nat_sess_timeout_ms(const struct nat *n, int pi, uint8_t state)
{
	const uint32_t *t = n->cfg.timeout;

	if (pi == NAT_P_UDP)
		return t[NAT_TMO_UDP] * 1000;
	if (pi == NAT_P_ICMP)
		return t[NAT_TMO_ICMP] * 1000;
	switch (state) {
	case NAT_TCP_SYN_OUT:
	case NAT_TCP_SYN_IN:
		return t[NAT_TMO_TCP_OPENING] * 1000;
	case NAT_TCP_EST:
	case NAT_TCP_FIN_OUT:
	case NAT_TCP_FIN_IN:
		return t[NAT_TMO_TCP_EST] * 1000;
	default:
		return t[NAT_TMO_TCP_TRANS] * 1000;
	}
}

bool nat_pressed(const struct nat *n, uint32_t in_ip)
{
	uint32_t full = n->capacity - n->capacity / 8, quota = n->cfg.host_sessions;

	if (n->nsess >= full || n->nmaps >= full)
		return true;
	return quota != 0 && n->host_sess[nat_host_bucket(n, in_ip)] >= quota - quota / 8;
}

uint32_t nat_sess_life_ms(const struct nat *n, const struct nat_sess *s)
{
	const struct nat_map *m = &n->map[s->map];
	uint32_t t = nat_sess_timeout_ms(n, m->pi, s->state);

	/* RFC 7857 §2.1 allows a partly open session less than 4 minutes;
	 * RFC 6146 §4 gives an unanswered inbound SYN 6 s. */
	if (nat_halfopen(s) && n->cfg.halfopen_scan != 0 && t > NAT_HALFOPEN_PRESSED_S * 1000 &&
	    nat_pressed(n, m->in_ip))
		return NAT_HALFOPEN_PRESSED_S * 1000;
	return t;
}

bool nat_sess_expired(const struct nat *n, const struct nat_sess *s, uint32_t now_ms)
{
	return now_ms - s->seen >= nat_sess_life_ms(n, s);
}

/*
 * A mapping is live while it is a forward, or while it has a session that
 * may be unexpired: one moved within the longest timeout of its protocol.
 */
static bool nat_map_alive(const struct nat *n, const struct nat_map *m, uint32_t now_ms)
{
	const uint32_t *t = n->cfg.timeout;
	uint32_t longest = t[NAT_TMO_UDP];

	if (m->flags & NAT_M_FORWARD)
		return true;
	if (m->pi == NAT_P_ICMP)
		longest = t[NAT_TMO_ICMP];
	if (m->pi == NAT_P_TCP) {
		longest = t[NAT_TMO_TCP_EST];
		if (t[NAT_TMO_TCP_TRANS] > longest)
			longest = t[NAT_TMO_TCP_TRANS];
		if (t[NAT_TMO_TCP_OPENING] > longest)
			longest = t[NAT_TMO_TCP_OPENING];
	}
	return m->nsess > 0 && now_ms - m->seen < longest * 1000;
}

/* Removes mapping (id), which has no sessions. Returns the work done. */
static uint32_t nat_map_remove(struct nat *n, uint32_t id)
{
	struct nat_map *m = &n->map[id];
	uint32_t work = nat_ix_remove(n, NAT_IX_IN, id) + nat_ix_remove(n, NAT_IX_OUT, id);

	nat_port_mark(n, m->pi, m->out_port, false);
	if (m->flags & NAT_M_FORWARD)
		n->nforwards--;
	memset(m, 0, sizeof(*m));
	m->nsess = n->map_free;
	n->map_free = id;
	n->nmaps--;
	return work;
}

uint32_t nat_host_bucket(const struct nat *n, uint32_t ip)
{
	return (uint32_t)(((ip ^ n->key[2]) * (n->key[3] | 1)) >> 54) % NAT_HOST_BUCKETS;
}

/* Drops one session from mapping (mi), and the mapping with its last
 * unless it is a forward. Returns the work done. */
static uint32_t nat_map_unref(struct nat *n, uint32_t mi)
{
	n->host_sess[nat_host_bucket(n, n->map[mi].in_ip)]--;
	n->nsess--;
	if (--n->map[mi].nsess == 0 && !(n->map[mi].flags & NAT_M_FORWARD))
		return nat_map_remove(n, mi);
	return 0;
}

uint32_t nat_sess_remove(struct nat *n, uint32_t slot)
{
	uint32_t mi = n->sess[slot].map;

	return nat_st_remove(n, slot) + nat_map_unref(n, mi);
}

/* Takes a free mapping record and indexes it as (pi) (ip):(port) -> (out). */
static int nat_map_insert(struct nat *n, int pi, uint32_t ip, uint16_t port, uint16_t out,
			  uint8_t flags, uint32_t now_ms, struct nat_map **mp)
{
	uint32_t id = n->map_free;
	struct nat_map *m = &n->map[id];
	uint32_t next = m->nsess;

	m->in_ip = ip;
	m->in_port = port;
	m->out_port = out;
	m->pi = (uint8_t)pi;
	m->flags = NAT_M_USED | flags;
	m->nsess = 0;
	m->seen = now_ms;
	m->new_in = 0;
	m->new_in_s = 0;
	if (nat_ix_add(n, NAT_IX_IN, nat_key_in(pi, ip, port), id) != 0)
		goto undo_record;
	if (nat_ix_add(n, NAT_IX_OUT, nat_key_out(pi, out), id) != 0)
		goto undo_in;
	n->map_free = next;
	n->nmaps++;
	nat_port_mark(n, pi, out, true);
	*mp = m;
	return 0;

undo_in:
	nat_ix_remove(n, NAT_IX_IN, id);
undo_record:
	memset(m, 0, sizeof(*m));
	m->nsess = next;
	n->stats.refused_probe++;
	return -ENOSPC;
}

void nat_map_release(struct nat *n, struct nat_map *m)
{
	if (m->nsess == 0 && !(m->flags & NAT_M_FORWARD))
		nat_map_remove(n, nat_map_index(n, m));
}

struct nat_map *nat_map_by_out(struct nat *n, int pi, uint16_t port, uint32_t now_ms)
{
	uint32_t slot = nat_ix_find(n, NAT_IX_OUT, nat_key_out(pi, port));
	struct nat_map *m;

	if (slot == NAT_NONE)
		return NULL;
	m = &n->map[nat_ix_id(n->ix_out[slot])];
	return nat_map_alive(n, m, now_ms) ? m : NULL;
}

struct nat_map *nat_map_by_in(struct nat *n, int pi, uint32_t ip, uint16_t port, uint32_t now_ms)
{
	uint32_t slot = nat_ix_find(n, NAT_IX_IN, nat_key_in(pi, ip, port));
	struct nat_map *m;

	if (slot == NAT_NONE)
		return NULL;
	m = &n->map[nat_ix_id(n->ix_in[slot])];
	return nat_map_alive(n, m, now_ms) ? m : NULL;
}

int nat_map_get(struct nat *n, int pi, uint32_t ip, uint16_t port, uint32_t now_ms, bool create,
		uint32_t keep, struct nat_map **mp)
{
	uint32_t slot = nat_ix_find(n, NAT_IX_IN, nat_key_in(pi, ip, port)), out;
	struct nat_want w = {.pi = pi, .serve = NAT_NONE, .keep = keep};

	if (slot != NAT_NONE) {
		*mp = &n->map[nat_ix_id(n->ix_in[slot])];
		return 0;
	}
	if (!create)
		return -ENOENT;
	/* A new mapping comes with a session: both must fit. */
	if (n->nmaps >= n->capacity || n->nsess >= n->capacity) {
		w.room = n->nmaps >= n->capacity ? NAT_ROOM_MAP : NAT_ROOM_SESS;
		if (nat_evict(n, &w, now_ms) != 0) {
			n->stats.refused_full++;
			return -ENOSPC;
		}
	}
	out = nat_port_pick(n, pi, port);
	if (out == 0) {
		w.room = NAT_ROOM_PORT;
		if (nat_evict(n, &w, now_ms) == 0)
			out = nat_port_pick(n, pi, port);
	}
	if (out == 0) {
		n->stats.refused_ports++;
		return -ENOSPC;
	}
	if (nat_map_insert(n, pi, ip, port, (uint16_t)out, 0, now_ms, mp) != 0)
		return -ENOSPC;
	n->stats.maps_created++;
	if (out == port)
		n->stats.port_preserved++;
	return 0;
}

/*
 * Finds room for a new session of (m) keyed (k): below capacity, below
 * its host's quota, and an empty slot within reach, evicting a half-open
 * session (not of (keep), not the last of (m)) for each that lacks.
 * Returns 0 with (*sp) the empty slot, or -ENOSPC (counted).
 */
static int nat_sess_room(struct nat *n, const struct nat_map *m, struct nat_key k, uint32_t keep,
			 uint32_t now_ms, struct nat_sess **sp)
{
	uint32_t quota = n->cfg.host_sessions, bucket = nat_host_bucket(n, m->in_ip);
	struct nat_want w = {.room = NAT_ROOM_SESS, .serve = nat_map_index(n, m), .keep = keep};

	if (n->nsess >= n->capacity && nat_evict(n, &w, now_ms) != 0) {
		n->stats.refused_full++;
		return -ENOSPC;
	}
	/* One inside host may not hold the whole table: at its quota, it may
	 * push out its own half-open sessions only. */
	w.room = NAT_ROOM_HOST;
	w.bucket = bucket;
	if (quota != 0 && n->host_sess[bucket] >= quota &&
	    (n->host_sess[bucket] > quota || nat_evict(n, &w, now_ms) != 0)) {
		n->stats.refused_host++;
		return -ENOSPC;
	}
	w.room = NAT_ROOM_SESS;
	*sp = nat_st_slot(n, k);
	if (*sp == NULL && nat_evict_near(n, k, &w, now_ms) == 0)
		*sp = nat_st_slot(n, k);
	if (*sp == NULL) {
		n->stats.refused_probe++;
		return -ENOSPC;
	}
	return 0;
}

int nat_sess_get(struct nat *n, struct nat_map *m, uint32_t rip, uint16_t rport, uint32_t now_ms,
		 bool create, uint8_t state, uint32_t keep, struct nat_sess **sp)
{
	uint32_t mi = nat_map_index(n, m);
	struct nat_key k = nat_key_sess(mi, rip, rport);
	struct nat_sess *s = nat_st_find(n, k);

	if (s != NULL) {
		if (!nat_sess_expired(n, s, now_ms)) {
			*sp = s;
			return 0;
		}
		/* Left for nat_expire() to remove, unless it starts again now. */
		if (!create)
			return -ENOENT;
		n->stats.sessions_expired++;
		s->state = state;
		nat_sess_touch(n, m, s, now_ms);
		*sp = s;
		return 1;
	}
	if (!create)
		return -ENOENT;
	if (nat_sess_room(n, m, k, keep, now_ms, &s) != 0)
		return -ENOSPC;
	n->host_sess[nat_host_bucket(n, m->in_ip)]++;
	s->rem_ip = rip;
	s->rem_port = rport;
	s->map = mi;
	n->nsess++;
	m->nsess++;
	s->flags = NAT_S_USED;
	s->state = state;
	nat_sess_touch(n, m, s, now_ms);
	n->stats.sessions_created++;
	*sp = s;
	return 1;
}

struct nat_sess *nat_sess_find(struct nat *n, const struct nat_map *m, uint32_t rip, uint16_t rport,
			       uint32_t now_ms)
{
	struct nat_sess *s = nat_st_find(n, nat_key_sess(nat_map_index(n, m), rip, rport));

	return s == NULL || nat_sess_expired(n, s, now_ms) ? NULL : s;
}

void nat_sess_touch(struct nat *n, struct nat_map *m, struct nat_sess *s, uint32_t now_ms)
{
	(void)n;
	s->seen = now_ms;
	m->seen = now_ms;
}

void nat_tcp_track(struct nat *n, struct nat_map *m, struct nat_sess *s, bool inbound,
		   uint8_t flags, uint32_t now_ms)
{
	uint8_t st = s->state;

	if (flags & NAT_TCP_RST) {
		/* RFC 7857 §2.2: keep an established session for the
		 * transitory time; a RST answering an opening or a closing
		 * connection must not keep it alive. */
		if (st != NAT_TCP_EST && st != NAT_TCP_FIN_OUT && st != NAT_TCP_FIN_IN)
			return;
		s->state = NAT_TCP_TRANS;
	} else if (flags & NAT_TCP_SYN) {
		if ((st == NAT_TCP_SYN_OUT && inbound) || (st == NAT_TCP_SYN_IN && !inbound))
			s->state = NAT_TCP_EST; /* handshake, or simultaneous open */
		else if (st == NAT_TCP_FIN_BOTH || st == NAT_TCP_TRANS)
			s->state = inbound ? NAT_TCP_SYN_IN : NAT_TCP_SYN_OUT; /* ports reused */
	} else if (flags & NAT_TCP_FIN) {
		if (st == NAT_TCP_EST || st == NAT_TCP_TRANS)
			s->state = inbound ? NAT_TCP_FIN_IN : NAT_TCP_FIN_OUT;
		else if ((st == NAT_TCP_FIN_OUT && inbound) || (st == NAT_TCP_FIN_IN && !inbound))
			s->state = NAT_TCP_FIN_BOTH;
	} else if (st == NAT_TCP_TRANS) {
		s->state = NAT_TCP_EST; /* RFC 6146 §3.5.2: traffic resumed */
	}
	nat_sess_touch(n, m, s, now_ms);
}

uint32_t nat_expire(struct nat *n, uint32_t now_ms, uint32_t budget)
{
	uint32_t work = 0, removed = 0;

	while (work < budget && n->nsess > 0) {
		struct nat_sess *s = &n->sess[n->cursor];

		work++;
		if ((s->flags & NAT_S_USED) && nat_sess_expired(n, s, now_ms)) {
			/* Stay: the shift may have brought another one here. */
			work += nat_sess_remove(n, n->cursor);
			removed++;
			continue;
		}
		n->cursor = (n->cursor + 1) & n->mask;
	}
	n->stats.sessions_expired += removed;
	return removed;
}

void nat_clear(struct nat *n)
{
	uint32_t i;

	/* An empty table is already clear (a removed session's slot is
	 * zeroed): the uplink's first address, just after boot, would
	 * otherwise cost a pass over the whole table. */
	if (n->nsess == 0) {
		nat_frag_clear(n);
		return;
	}
	/* Everything goes: no need to shift anything back. */
	for (i = 0; i <= n->mask; i++)
		if (n->sess[i].flags & NAT_S_USED)
			nat_map_unref(n, n->sess[i].map);
	memset(n->sess, 0, ((size_t)n->mask + 1) * sizeof(*n->sess));
	nat_frag_clear(n);
}

/*
 * Removes mapping (mi) and every session of it. A removal moves later
 * sessions back into the slot examined, or across the end into slots
 * examined already and kept: one pass that examines a slot again after a
 * removal sees every session. A dynamic mapping goes with its last
 * session; a forward is removed at the end. Visits the session table.
 */
static void nat_map_purge(struct nat *n, uint32_t mi)
{
	struct nat_map *m = &n->map[mi];
	uint32_t i = 0;

	while (i <= n->mask && (m->flags & NAT_M_USED) && m->nsess > 0) {
		if ((n->sess[i].flags & NAT_S_USED) && n->sess[i].map == mi)
			nat_sess_remove(n, i);
		else
			i++;
	}
	if (m->flags & NAT_M_USED)
		nat_map_remove(n, mi);
}

/* Returns the mapping index (ix) holds under key (k), or NULL. */
static struct nat_map *nat_map_at(struct nat *n, int ix, struct nat_key k)
{
	uint32_t slot = nat_ix_find(n, ix, k);

	return slot == NAT_NONE ? NULL : &n->map[nat_ix_id(nat_ix_slot(n, ix, slot))];
}

static int nat_proto_index(uint8_t proto)
{
	return proto == NAT_IPPROTO_TCP ? NAT_P_TCP : proto == NAT_IPPROTO_UDP ? NAT_P_UDP : -1;
}

int nat_forward_add(struct nat *n, uint8_t proto, uint16_t out_port, uint32_t in_ip,
		    uint16_t in_port)
{
	int pi = nat_proto_index(proto);
	struct nat_map *o, *i, *m;

	if (pi < 0 || out_port == 0 || in_port == 0 || in_ip == 0)
		return -EINVAL;
	o = nat_map_at(n, NAT_IX_OUT, nat_key_out(pi, out_port));
	i = nat_map_at(n, NAT_IX_IN, nat_key_in(pi, in_ip, in_port));
	if (o != NULL && o == i && (o->flags & NAT_M_FORWARD))
		return -EEXIST;
	if ((o != NULL && (o->flags & NAT_M_FORWARD)) || (i != NULL && (i->flags & NAT_M_FORWARD)))
		return -EBUSY;
	/* The administrator's word: dynamic mappings in the way end now. */
	if (o != NULL) {
		nat_map_purge(n, nat_map_index(n, o));
		n->stats.maps_preempted++;
	}
	if (i != NULL && i != o) {
		nat_map_purge(n, nat_map_index(n, i));
		n->stats.maps_preempted++;
	}
	if (n->nmaps >= n->capacity)
		return -ENOSPC;
	if (nat_map_insert(n, pi, in_ip, in_port, out_port, NAT_M_FORWARD, 0, &m) != 0)
		return -ENOSPC;
	n->nforwards++;
	return 0;
}

int nat_forward_del(struct nat *n, uint8_t proto, uint16_t out_port)
{
	int pi = nat_proto_index(proto);
	struct nat_map *m;

	if (pi < 0)
		return -ENOENT;
	m = nat_map_at(n, NAT_IX_OUT, nat_key_out(pi, out_port));
	if (m == NULL || !(m->flags & NAT_M_FORWARD))
		return -ENOENT;
	nat_map_purge(n, nat_map_index(n, m));
	return 0;
}

int nat_copy(struct nat *dst, const struct nat *src)
{
	struct nat_map *dm;

	if (dst->nmaps != 0 || dst->nsess != 0 || src->nmaps > dst->capacity ||
	    src->nsess > dst->capacity)
		return -ENOSPC;
	/* Mappings keep their outside ports; forwards stay forwards. */
	for (uint32_t i = 0; i < src->capacity; i++) {
		const struct nat_map *m = &src->map[i];

		if (!(m->flags & NAT_M_USED))
			continue;
		if (nat_map_insert(dst, m->pi, m->in_ip, m->in_port, m->out_port,
				   m->flags & NAT_M_FORWARD, m->seen, &dm) != 0)
			return -ENOSPC;
		if (m->flags & NAT_M_FORWARD)
			dst->nforwards++;
	}
	for (uint32_t i = 0; i <= src->mask; i++) {
		const struct nat_sess *s = &src->sess[i];
		const struct nat_map *m = &src->map[s->map];
		struct nat_sess *ds;
		uint32_t slot, id;

		if (!(s->flags & NAT_S_USED))
			continue;
		slot = nat_ix_find(dst, NAT_IX_IN, nat_key_in(m->pi, m->in_ip, m->in_port));
		if (slot == NAT_NONE)
			return -EFAULT; /* copied above: a bug */
		id = nat_ix_id(dst->ix_in[slot]);
		ds = nat_st_slot(dst, nat_key_sess(id, s->rem_ip, s->rem_port));
		if (ds == NULL)
			return -ENOSPC;
		*ds = *s;
		ds->map = id;
		dst->map[id].nsess++;
		dst->nsess++;
		dst->host_sess[nat_host_bucket(dst, m->in_ip)]++;
	}
	dst->stats = src->stats;
	return 0;
}
