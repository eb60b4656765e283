/*
 * Room for a new flow when there is none: which session goes. Only a
 * half-open TCP session may be evicted, one whose SYN has had no answer
 * (RFC 6146 §3.5.2's V4 and V6 SYN RCV states, NAT_TCP_SYN_OUT and
 * NAT_TCP_SYN_IN here), so that a SYN flood pushes out its own sessions
 * and never a flow that works: established, closing and transitory TCP
 * sessions, UDP and ICMP stay. Nor does a half-open session younger than
 * NAT_HALFOPEN_GRACE_MS go, a handshake in flight: 1 s is RFC 6298 §2.1's
 * initial retransmission timeout, so a SYN unanswered that long has most
 * likely been lost, and its sender's next try opens a session again. An
 * expired session not yet swept goes before any half-open one. The
 * search is bounded: cfg.halfopen_scan session slots from where the
 * previous one stopped (a rotating cursor, as nat_expire() keeps), the
 * one idle longest among them; for a session with no free slot within
 * reach of its home, the slots it may use. A caller's mappings are safe:
 * (keep) loses no session and (serve) not its last.
 */
#include <errno.h>

#include "net/nat/nat_impl.h"

/* May session (s) go for (w), as far as its mapping goes? */
static bool nat_ev_fits(const struct nat *n, const struct nat_sess *s, const struct nat_want *w)
{
	const struct nat_map *m = &n->map[s->map];

	if (s->map == w->keep || (s->map == w->serve && m->nsess < 2))
		return false;
	switch (w->room) {
	case NAT_ROOM_HOST:
		return nat_host_bucket(n, m->in_ip) == w->bucket;
	case NAT_ROOM_PORT:
		if (m->pi != w->pi || !nat_in_pool(n, m->out_port))
			return false;
		return m->nsess == 1 && !(m->flags & NAT_M_FORWARD);
	case NAT_ROOM_MAP:
		return m->nsess == 1 && !(m->flags & NAT_M_FORWARD);
	default:
		return true;
	}
}

/* How soon the session in (slot) should go for (w): 0 never, else the
 * higher the sooner (an expired session highest, then the idlest). */
static uint32_t nat_ev_score(const struct nat *n, uint32_t slot, const struct nat_want *w,
			     uint32_t now_ms)
{
	const struct nat_sess *s = &n->sess[slot];
	uint32_t idle = now_ms - s->seen;

	if (!(s->flags & NAT_S_USED) || !nat_ev_fits(n, s, w))
		return 0;
	if (nat_sess_expired(n, s, now_ms))
		return UINT32_MAX;
	if (!nat_halfopen(s) || idle < NAT_HALFOPEN_GRACE_MS)
		return 0;
	return idle;
}

/* Returns the slot among (count) from (from) whose session should go first
 * for (w), or NAT_NONE if none may. */
static uint32_t nat_ev_pick(const struct nat *n, const struct nat_want *w, uint32_t from,
			    uint32_t count, uint32_t now_ms)
{
	uint32_t best = NAT_NONE, top = 0, i;

	for (i = 0; i < count; i++) {
		uint32_t slot = (from + i) & n->mask, score = nat_ev_score(n, slot, w, now_ms);

		if (score > top) {
			top = score;
			best = slot;
		}
	}
	return best;
}

/* Removes the session in (slot), counting it. Returns 0, or -ENOSPC if
 * (slot) is NAT_NONE. */
static int nat_ev_remove(struct nat *n, uint32_t slot, uint32_t now_ms)
{
	if (slot == NAT_NONE)
		return -ENOSPC;
	if (nat_sess_expired(n, &n->sess[slot], now_ms))
		n->stats.sessions_expired++;
	else
		n->stats.halfopen_evicted++;
	nat_sess_remove(n, slot);
	return 0;
}

int nat_evict(struct nat *n, const struct nat_want *w, uint32_t now_ms)
{
	uint32_t count = n->cfg.halfopen_scan, from = n->evict_cursor;

	if (count > n->mask + 1)
		count = n->mask + 1;
	n->evict_cursor = (from + count) & n->mask;
	return nat_ev_remove(n, nat_ev_pick(n, w, from, count, now_ms), now_ms);
}

int nat_evict_near(struct nat *n, struct nat_key k, const struct nat_want *w, uint32_t now_ms)
{
	/* A removal there frees a slot in reach, unless the shift back fills it
	 * from beyond: then the caller still finds none and refuses. */
	if (n->cfg.halfopen_scan == 0)
		return -ENOSPC;
	return nat_ev_remove(n, nat_ev_pick(n, w, nat_st_home(n, k), n->probe, now_ms), now_ms);
}
