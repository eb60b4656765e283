/*
 * The DNS forwarder (see net/dns/dns_fwd.h for the policy). Queries are
 * checked in the order RFC 1035 §4.1.1 and RFC 6891 §6.1.3 suggest: a
 * message that is not a query is never answered (no reflection loops),
 * an unknown opcode gets NOTIMP, a malformed one FORMERR, an EDNS version
 * above 0 BADVERS; then local names, then forwarding.
 *
 * The pending table is searched linearly, by local port for replies and by
 * content for merging: it holds tens of entries in practice and at most
 * DNS_FWD_CAPACITY_MAX, and a linear scan needs no second structure to
 * keep consistent. A reply is matched against RFC 5452 §9.1's list in
 * full before any client sees it; a mismatch leaves the query pending, so
 * forged datagrams cannot cut a query short either.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addr.h"
#include "net/dns/dns_fwd.h"

static struct dns_action *dns_out_push(struct dns_out *out, enum dns_act_kind kind)
{
	struct dns_action *a;

	if (out->n >= DNS_OUT_MAX)
		return NULL;
	a = &out->act[out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static void dns_out_reply(struct dns_out *out, const struct dns_client *to, uint16_t id,
			  const uint8_t *data, size_t len)
{
	struct dns_action *a = dns_out_push(out, DNS_ACT_REPLY);

	if (a) {
		a->to = *to;
		a->id = id;
		a->data = data;
		a->len = len;
	}
}

int dns_fwd_init(struct dns_fwd *f, struct dns_fwd_entry *entries, uint32_t capacity,
		 uint32_t (*rand)(void))
{
	if (capacity == 0 || capacity > DNS_FWD_CAPACITY_MAX || rand == NULL || entries == NULL)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	memset(entries, 0, (size_t)capacity * sizeof(*entries));
	f->entry = entries;
	f->capacity = capacity;
	f->rand = rand;
	f->timeout_ms = DNS_FWD_TIMEOUT_DEFAULT;
	f->tries = DNS_FWD_TRIES_DEFAULT;
	f->deadline_ms = DNS_FWD_DEADLINE_DEFAULT;
	f->port_min = DNS_FWD_PORT_MIN;
	f->port_max = 65535;
	f->per_client = DNS_FWD_PER_CLIENT;
	return 0;
}

void dns_fwd_set_per_client(struct dns_fwd *f, uint32_t n)
{
	f->per_client = n;
}

int dns_fwd_set_upstreams(struct dns_fwd *f, const uint32_t *ips, unsigned n)
{
	if (n > DNS_FWD_UPSTREAMS_MAX || (n > 0 && ips == NULL))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (ips[i] == 0 || ips[i] == 0xffffffffu)
			return -EINVAL;
	if (n > 0)
		memcpy(f->upstream, ips, n * sizeof(*ips));
	f->nupstream = n;
	return 0;
}

int dns_fwd_set_retry(struct dns_fwd *f, uint32_t timeout_ms, unsigned tries)
{
	if (timeout_ms == 0 || timeout_ms > DNS_FWD_TIMEOUT_MAX || tries == 0 ||
	    tries > DNS_FWD_TRIES_MAX)
		return -EINVAL;
	f->timeout_ms = timeout_ms;
	f->tries = tries;
	return 0;
}

int dns_fwd_set_deadline(struct dns_fwd *f, uint32_t deadline_ms)
{
	if (deadline_ms == 0 || deadline_ms > DNS_FWD_TIMEOUT_MAX)
		return -EINVAL;
	f->deadline_ms = deadline_ms;
	return 0;
}

int dns_fwd_set_ports(struct dns_fwd *f, uint16_t min, uint16_t max, const uint16_t *avoid,
		      unsigned navoid)
{
	if (min < DNS_FWD_PORT_MIN || max < min || navoid > DNS_FWD_AVOID_MAX ||
	    (navoid > 0 && avoid == NULL))
		return -EINVAL;
	f->port_min = min;
	f->port_max = max;
	if (navoid > 0)
		memcpy(f->avoid, avoid, navoid * sizeof(*avoid));
	f->navoid = navoid;
	return 0;
}

static struct dns_fwd_entry *dns_fwd_by_port(const struct dns_fwd *f, uint16_t port)
{
	for (uint32_t i = 0; i < f->capacity; i++)
		if (f->entry[i].port == port)
			return &f->entry[i];
	return NULL;
}

/* A random free port of the range (RFC 5452 §9.2), or 0. */
static uint16_t dns_fwd_pick_port(struct dns_fwd *f)
{
	uint32_t span = (uint32_t)f->port_max - f->port_min + 1;

	for (int i = 0; i < DNS_FWD_PORT_PICKS; i++) {
		uint16_t p = (uint16_t)(f->port_min + f->rand() % span);
		bool avoided = false;

		for (unsigned k = 0; k < f->navoid; k++)
			avoided |= f->avoid[k] == p;
		if (!avoided && dns_fwd_by_port(f, p) == NULL)
			return p;
	}
	return 0;
}

/* Frees (e) after its last action. */
static void dns_fwd_free(struct dns_fwd *f, struct dns_fwd_entry *e, struct dns_out *out)
{
	struct dns_action *a = dns_out_push(out, DNS_ACT_CLOSE);

	if (a)
		a->port = e->port;
	memset(e, 0, offsetof(struct dns_fwd_entry, q));
	f->count--;
}

/* Answers (rcode) to the query (m) from (to), with no record. */
static void dns_fwd_error(struct dns_fwd *f, const struct dns_msg *m, uint16_t rcode,
			  const struct dns_client *to, struct dns_out *out)
{
	size_t len;

	if (dns_build_response(m, 0, rcode, NULL, out->buf, sizeof(out->buf), &len) != 0) {
		f->stats.build_fail++;
		return;
	}
	dns_out_reply(out, to, m->hdr.id, out->buf, len);
}

/* SERVFAIL to every client waiting on (e), then frees it. */
static void dns_fwd_fail(struct dns_fwd *f, struct dns_fwd_entry *e, struct dns_out *out)
{
	struct dns_msg m;
	size_t len;

	/* The stored query parsed once already, so this cannot fail. */
	if (dns_msg_parse(e->query, e->qlen, &m) == 0 &&
	    dns_build_response(&m, 0, DNS_RCODE_SERVFAIL, NULL, out->buf, sizeof(out->buf), &len) ==
		    0) {
		for (unsigned i = 0; i < e->nwait; i++)
			dns_out_reply(out, &e->wait[i].from, e->wait[i].id, out->buf, len);
	} else {
		f->stats.build_fail++;
	}
	dns_fwd_free(f, e, out);
}

static struct dns_fwd_entry *dns_fwd_same_query(const struct dns_fwd *f, const uint8_t *q,
						size_t len)
{
	for (uint32_t i = 0; i < f->capacity; i++) {
		const struct dns_fwd_entry *e = &f->entry[i];

		if (e->port != 0 && e->qlen == len && memcmp(e->query + 2, q + 2, len - 2) == 0)
			return &f->entry[i];
	}
	return NULL;
}

/* The pending queries (from)'s address opened (was the first waiter of). */
static unsigned dns_fwd_opened_by(const struct dns_fwd *f, const struct dns_client *from)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < f->capacity; i++)
		n += f->entry[i].port != 0 && f->entry[i].wait[0].from.ip == from->ip &&
		     f->entry[i].wait[0].from.net == from->net;
	return n;
}

/* Adds (from) to the clients waiting on (e), unless it is already there. */
static void dns_fwd_merge(struct dns_fwd *f, struct dns_fwd_entry *e, const struct dns_client *from,
			  uint16_t id)
{
	for (unsigned i = 0; i < e->nwait; i++) {
		const struct dns_fwd_waiter *w = &e->wait[i];

		if (w->id == id && w->from.ip == from->ip && w->from.port == from->port &&
		    w->from.net == from->net) {
			f->stats.duplicate++;
			return;
		}
	}
	if (e->nwait >= DNS_FWD_WAITERS_MAX) {
		f->stats.merge_full++;
		return;
	}
	e->wait[e->nwait].from = *from;
	e->wait[e->nwait].id = id;
	e->nwait++;
	f->stats.merged++;
}

/* Sends the query of (m) upstream, merging it into an identical one. */
static void dns_fwd_forward(struct dns_fwd *f, const struct dns_msg *m, const uint8_t *msg,
			    size_t len, const struct dns_client *from, uint32_t now_ms,
			    struct dns_out *out)
{
	uint8_t q[DNS_FWD_QUERY_MAX];
	struct dns_fwd_entry *e;
	struct dns_action *a;
	uint16_t port;

	if (f->nupstream == 0) {
		f->stats.no_upstream++;
		dns_fwd_error(f, m, DNS_RCODE_SERVFAIL, from, out);
		return;
	}
	if (len > sizeof(q)) {
		f->stats.q_too_long++;
		dns_fwd_error(f, m, DNS_RCODE_REFUSED, from, out);
		return;
	}
	memcpy(q, msg, len);
	if (m->edns && m->edns_size > DNS_MSG_MAX) {
		q[m->edns_size_off] = DNS_MSG_MAX >> 8;
		q[m->edns_size_off + 1] = DNS_MSG_MAX & 0xff;
	}
	e = dns_fwd_same_query(f, q, len);
	if (e) {
		dns_fwd_merge(f, e, from, m->hdr.id);
		return;
	}
	if (f->count >= f->capacity) {
		f->stats.table_full++;
		dns_fwd_error(f, m, DNS_RCODE_SERVFAIL, from, out);
		return;
	}
	/* One client may not hold the whole table for everyone else. */
	if (f->per_client != 0 && dns_fwd_opened_by(f, from) >= f->per_client) {
		f->stats.client_full++;
		dns_fwd_error(f, m, DNS_RCODE_SERVFAIL, from, out);
		return;
	}
	port = dns_fwd_pick_port(f);
	if (port == 0) {
		f->stats.no_port++;
		dns_fwd_error(f, m, DNS_RCODE_SERVFAIL, from, out);
		return;
	}
	e = dns_fwd_by_port(f, 0);
	e->port = port;
	e->id = (uint16_t)f->rand();
	e->qlen = (uint16_t)len;
	e->tries = 1;
	e->nwait = 1;
	e->first_ms = e->sent_ms = now_ms;
	e->sent_to[0] = f->upstream[0];
	e->wait[0].from = *from;
	e->wait[0].id = m->hdr.id;
	e->q = m->q;
	memcpy(e->query, q, len);
	if (++f->count > f->stats.pending_max)
		f->stats.pending_max = f->count;
	f->stats.forwarded++;
	a = dns_out_push(out, DNS_ACT_SEND); /* (out) is empty here: cannot fail */
	a->server = e->sent_to[0];
	a->port = e->port;
	a->id = e->id;
	a->data = e->query;
	a->len = e->qlen;
}

int dns_fwd_query(struct dns_fwd *f, const struct dns_local *loc, const uint8_t *msg, size_t len,
		  const struct dns_client *from, uint32_t now_ms, struct dns_out *out)
{
	struct dns_msg m;
	size_t rlen;
	int err, kind;

	out->n = 0;
	f->stats.queries++;
	err = dns_msg_parse(msg, len, &m);
	if (len < DNS_HDR_LEN || err == -EMSGSIZE || (m.hdr.flags & DNS_F_QR) || from->port == 0) {
		f->stats.q_dropped++;
		return 0;
	}
	if (err != 0) {
		/* Nothing past the header is trusted: no question, no OPT. */
		m.has_q = false;
		m.edns = false;
	}
	if (DNS_OPCODE(m.hdr.flags) != DNS_OPCODE_QUERY) {
		f->stats.q_notimp++;
		dns_fwd_error(f, &m, DNS_RCODE_NOTIMP, from, out);
		return 0;
	}
	if (err != 0 || !m.has_q || (m.hdr.flags & DNS_F_TC)) {
		f->stats.q_formerr++;
		m.has_q = false;
		m.edns = false;
		dns_fwd_error(f, &m, DNS_RCODE_FORMERR, from, out);
		return 0;
	}
	if (m.edns && m.edns_version != 0) {
		f->stats.q_badvers++;
		dns_fwd_error(f, &m, DNS_RCODE_BADVERS, from, out);
		return 0;
	}
	kind = loc ? dns_local_answer(loc, &m, out->buf, sizeof(out->buf), &rlen)
		   : DNS_LOCAL_FORWARD;
	switch (kind) {
	case DNS_LOCAL_FORWARD:
		if (loc != NULL && loc->local_only) {
			f->stats.q_not_local++;
			dns_fwd_error(f, &m, DNS_RCODE_REFUSED, from, out);
			return 0;
		}
		dns_fwd_forward(f, &m, msg, len, from, now_ms, out);
		return 0;
	case DNS_LOCAL_ANSWER:
		f->stats.local_answer++;
		break;
	case DNS_LOCAL_NODATA:
		f->stats.local_nodata++;
		break;
	case DNS_LOCAL_NXDOMAIN:
		f->stats.local_nxdomain++;
		break;
	default:
		f->stats.build_fail++;
		return 0;
	}
	dns_out_reply(out, from, m.hdr.id, out->buf, rlen);
	return 0;
}

int dns_fwd_reply(struct dns_fwd *f, const uint8_t *msg, size_t len, uint32_t src_ip,
		  uint16_t src_port, uint16_t local_port, uint32_t now_ms, struct dns_out *out)
{
	struct dns_fwd_entry *e;
	struct dns_msg m;
	bool sent = false;
	uint32_t rtt;

	out->n = 0;
	f->stats.replies++;
	e = local_port != 0 ? dns_fwd_by_port(f, local_port) : NULL;
	if (e == NULL) {
		f->stats.r_no_query++;
		return -ENOENT;
	}
	for (unsigned i = 0; i < e->tries; i++)
		sent |= e->sent_to[i] == src_ip;
	if (!sent) {
		f->stats.r_bad_server++;
		return -EPERM;
	}
	if (src_port != DNS_PORT) {
		f->stats.r_bad_port++;
		return -EPERM;
	}
	if (len > DNS_MSG_MAX) {
		f->stats.r_too_long++;
		return -EMSGSIZE;
	}
	if (dns_msg_parse(msg, len, &m) != 0 || !(m.hdr.flags & DNS_F_QR) ||
	    DNS_OPCODE(m.hdr.flags) != DNS_OPCODE_QUERY) {
		f->stats.r_malformed++;
		return -EBADMSG;
	}
	if (m.hdr.id != e->id) {
		f->stats.r_bad_id++;
		return -EPERM;
	}
	if (!m.has_q || !dns_question_eq(&m.q, &e->q)) {
		f->stats.r_bad_question++;
		return -EPERM;
	}
	f->stats.accepted++;
	if (m.hdr.flags & DNS_F_TC)
		f->stats.truncated++;
	rtt = now_ms - e->first_ms;
	f->stats.rtt_sum_ms += rtt;
	if (rtt > f->stats.rtt_max_ms)
		f->stats.rtt_max_ms = rtt;
	for (unsigned i = 0; i < e->nwait; i++)
		dns_out_reply(out, &e->wait[i].from, e->wait[i].id, msg, len);
	dns_fwd_free(f, e, out);
	return 0;
}

/* The index of the upstream (e)'s next try goes to: the next in turn that
 * has not said it is unreachable, or -1 if none is left. */
static int dns_fwd_next_upstream(const struct dns_fwd *f, const struct dns_fwd_entry *e)
{
	for (unsigned k = 0; k < f->nupstream; k++) {
		unsigned i = (e->tries + k) % f->nupstream;

		if (!(e->dead & 1u << i))
			return (int)i;
	}
	return -1;
}

/* Sends (e)'s query again, to upstream (up) (RFC 5452 §9.1 still holds:
 * replies are matched against every server tried). Returns 0, or -ENOSPC
 * if (out) is full. */
static int dns_fwd_resend(struct dns_fwd_entry *e, uint32_t server, uint32_t now_ms,
			  struct dns_out *out)
{
	struct dns_action *a = dns_out_push(out, DNS_ACT_SEND);

	if (a == NULL)
		return -ENOSPC;
	e->sent_to[e->tries] = server;
	a->server = server;
	e->tries++;
	e->sent_ms = now_ms;
	a->port = e->port;
	a->id = e->id;
	a->data = e->query;
	a->len = e->qlen;
	return 0;
}

int dns_fwd_tick(struct dns_fwd *f, uint32_t now_ms, struct dns_out *out)
{
	bool failed = false; /* out->buf holds one SERVFAIL per call */

	out->n = 0;
	for (uint32_t i = 0; i < f->capacity; i++) {
		struct dns_fwd_entry *e = &f->entry[i];
		bool late;
		int up;

		if (e->port == 0)
			continue;
		late = now_ms - e->first_ms >= f->deadline_ms;
		if (!late && now_ms - e->sent_ms < f->timeout_ms << (e->tries - 1))
			continue;
		up = f->nupstream > 0 ? dns_fwd_next_upstream(f, e) : -1;
		if (late || e->tries >= f->tries || up < 0) {
			if (failed || out->n + e->nwait + 1u > DNS_OUT_MAX)
				return 1;
			f->stats.timeouts++;
			dns_fwd_fail(f, e, out);
			failed = true;
			continue;
		}
		if (dns_fwd_resend(e, f->upstream[up], now_ms, out) < 0)
			return 1;
		f->stats.retransmits++;
	}
	return 0;
}

int dns_fwd_unreachable(struct dns_fwd *f, uint16_t port, uint32_t server, uint32_t now_ms,
			struct dns_out *out)
{
	struct dns_fwd_entry *e = port != 0 ? dns_fwd_by_port(f, port) : NULL;
	bool sent = false;
	int up;

	out->n = 0;
	if (e == NULL) {
		f->stats.unreach_ignored++;
		return -ENOENT;
	}
	for (unsigned i = 0; i < e->tries; i++)
		sent |= e->sent_to[i] == server;
	if (!sent) {
		f->stats.unreach_ignored++;
		return -EPERM;
	}
	f->stats.unreachable++;
	for (unsigned i = 0; i < f->nupstream; i++)
		if (f->upstream[i] == server)
			e->dead |= (uint8_t)(1u << i);
	up = dns_fwd_next_upstream(f, e);
	if (e->tries < f->tries && up >= 0) {
		dns_fwd_resend(e, f->upstream[up], now_ms, out); /* (out) is empty: cannot fail */
		return 0;
	}
	f->stats.unreach_fail++;
	dns_fwd_fail(f, e, out);
	return 0;
}

int dns_fwd_abort(struct dns_fwd *f, uint16_t port, struct dns_out *out)
{
	struct dns_fwd_entry *e = port != 0 ? dns_fwd_by_port(f, port) : NULL;

	out->n = 0;
	if (e == NULL)
		return -ENOENT;
	f->stats.aborted++;
	dns_fwd_fail(f, e, out);
	return 0;
}

int dns_fwd_check(const struct dns_fwd *f)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i < f->capacity; i++) {
		const struct dns_fwd_entry *e = &f->entry[i];

		if (e->port == 0)
			continue;
		used++;
		if (e->tries == 0 || e->tries > DNS_FWD_TRIES_MAX || e->nwait == 0 ||
		    e->nwait > DNS_FWD_WAITERS_MAX || e->qlen < DNS_HDR_LEN ||
		    e->qlen > DNS_FWD_QUERY_MAX || e->q.name_len == 0 ||
		    e->q.name_len > DNS_NAME_MAX)
			return -EFAULT;
		for (uint32_t k = i + 1; k < f->capacity; k++)
			if (f->entry[k].port == e->port)
				return -EFAULT;
	}
	return used == f->count && f->count <= f->capacity ? 0 : -EFAULT;
}

static const char *dns_type_name(uint16_t type, char buf[8])
{
	switch (type) {
	case DNS_TYPE_A:
		return "A";
	case DNS_TYPE_PTR:
		return "PTR";
	case DNS_TYPE_AAAA:
		return "AAAA";
	case DNS_TYPE_ANY:
		return "ANY";
	default:
		snprintf(buf, 8, "%u", (unsigned)type);
		return buf;
	}
}

#define DNS_U(x) ((unsigned long long)(x))

static void dns_fwd_show_counters(const struct dns_fwd_stats *s, struct cli_out *out)
{
	cli_printf(out,
		   "  queries %llu: local %llu (nodata %llu, nxdomain %llu), forwarded %llu, "
		   "merged %llu, duplicate %llu\n",
		   DNS_U(s->queries), DNS_U(s->local_answer), DNS_U(s->local_nodata),
		   DNS_U(s->local_nxdomain), DNS_U(s->forwarded), DNS_U(s->merged),
		   DNS_U(s->duplicate));
	cli_printf(
		out,
		"    refused: formerr %llu, notimp %llu, badvers %llu, too long %llu, not local "
		"%llu; servfail: table full %llu, client's share full %llu, no upstream %llu, no "
		"port %llu\n",
		DNS_U(s->q_formerr), DNS_U(s->q_notimp), DNS_U(s->q_badvers), DNS_U(s->q_too_long),
		DNS_U(s->q_not_local), DNS_U(s->table_full), DNS_U(s->client_full),
		DNS_U(s->no_upstream), DNS_U(s->no_port));
	cli_printf(out, "    dropped: unanswerable %llu, waiters full %llu, build %llu\n",
		   DNS_U(s->q_dropped), DNS_U(s->merge_full), DNS_U(s->build_fail));
	cli_printf(out,
		   "  upstream: retransmits %llu, timeouts %llu, unreachable %llu (servfail %llu, "
		   "ignored %llu), aborted %llu; replies %llu, "
		   "accepted %llu (truncated %llu), rtt avg %llu ms max %u ms\n",
		   DNS_U(s->retransmits), DNS_U(s->timeouts), DNS_U(s->unreachable),
		   DNS_U(s->unreach_fail), DNS_U(s->unreach_ignored), DNS_U(s->aborted),
		   DNS_U(s->replies), DNS_U(s->accepted), DNS_U(s->truncated),
		   DNS_U(s->accepted ? s->rtt_sum_ms / s->accepted : 0), s->rtt_max_ms);
	cli_printf(out,
		   "    ignored: no query %llu, wrong server %llu, wrong port %llu, wrong id %llu, "
		   "wrong question %llu, malformed %llu, too long %llu\n",
		   DNS_U(s->r_no_query), DNS_U(s->r_bad_server), DNS_U(s->r_bad_port),
		   DNS_U(s->r_bad_id), DNS_U(s->r_bad_question), DNS_U(s->r_malformed),
		   DNS_U(s->r_too_long));
}

int dns_fwd_show(const struct dns_fwd *f, uint32_t now_ms, unsigned list, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN], name[DNS_NAME_STRLEN], type[8];
	unsigned shown = 0;

	cli_printf(out, "DNS forwarder: upstream");
	for (unsigned i = 0; i < f->nupstream; i++)
		cli_printf(out, " %s", addr_fmt_ipv4(f->upstream[i], ip));
	cli_printf(out, "%s; timeout %u ms, %u tries, servfail after %u ms; ports %u-%u\n",
		   f->nupstream ? "" : " none", f->timeout_ms, f->tries, f->deadline_ms,
		   f->port_min, f->port_max);
	cli_printf(out, "  pending %u of %u (most %u)\n", f->count, f->capacity,
		   f->stats.pending_max);
	dns_fwd_show_counters(&f->stats, out);
	for (uint32_t i = 0; i < f->capacity && shown < list; i++) {
		const struct dns_fwd_entry *e = &f->entry[i];

		if (e->port == 0)
			continue;
		if (shown++ == 0)
			cli_printf(out, "  %-5s %-6s %-5s %-7s %-7s %s\n", "Port", "ID", "Tries",
				   "Waiters", "Age(ms)", "Question");
		if (dns_name_to_str(e->q.name, e->q.name_len, name, sizeof(name)) < 0)
			memcpy(name, "(unprintable)", 14);
		cli_printf(out, "  %-5u 0x%04x %-5u %-7u %-7u %s %s\n", e->port, e->id, e->tries,
			   e->nwait, now_ms - e->first_ms, name, dns_type_name(e->q.qtype, type));
	}
	if (f->count > shown && shown == list && list > 0)
		cli_printf(out, "  ... %u more\n", f->count - shown);
	return 0;
}
