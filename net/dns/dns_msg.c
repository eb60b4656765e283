/*
 * DNS message parsing and building (RFC 1035 §4.1). Parsing walks the
 * message once: the header (§4.1.1), at most one question (§4.1.2, and
 * RFC 9619 for QDCOUNT above one), then every resource record (§4.1.3) by
 * its owner name and RDLENGTH, without interpreting RDATA except for the
 * OPT pseudo-record (RFC 6891 §6.1.2). Names are decompressed (§4.1.4)
 * with pointers allowed only backwards, past the header, and each one
 * before the labels that led to it, which makes loops impossible by
 * construction; a hop count bounds the work besides.
 *
 * Responses are built whole into the caller's buffer, never by editing
 * the query: header, the question copied, at most one answer whose owner
 * is a pointer to the question (§4.1.4), and the OPT record.
 */
#include <errno.h>
#include <string.h>

#include "net/dns/dns_msg.h"

#define DNS_RR_FIXED 10 /* TYPE, CLASS, TTL, RDLENGTH after the owner */
#define DNS_OPT_LEN  11 /* root owner and the fixed part, no options */

static uint16_t dns_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void dns_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void dns_wr32(uint8_t *p, uint32_t v)
{
	dns_wr16(p, (uint16_t)(v >> 16));
	dns_wr16(p + 2, (uint16_t)v);
}

static uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

uint16_t dns_get_id(const uint8_t *msg)
{
	return dns_rd16(msg);
}

void dns_set_id(uint8_t *msg, uint16_t id)
{
	dns_wr16(msg, id);
}

int dns_name_read(const uint8_t *msg, size_t len, size_t *pos, uint8_t *name, size_t *name_len)
{
	size_t p = *pos, run = *pos, after = 0, out = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return -EBADMSG;
		c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return -EBADMSG;
			target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			/* Before the run of labels that led here: no loops. */
			if (target < DNS_HDR_LEN || target >= run || ++hops > DNS_PTR_HOPS_MAX)
				return -EBADMSG;
			if (hops == 1)
				after = p + 2;
			p = run = target;
			continue;
		}
		if (c & 0xc0) /* 01 and 10: extended label types, RFC 6891 §5 */
			return -EBADMSG;
		if (out + 1 + c > DNS_NAME_MAX || c + (size_t)1 > len - p)
			return -EBADMSG;
		if (name)
			memcpy(name + out, msg + p, 1 + (size_t)c);
		out += 1 + (size_t)c;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*pos = hops ? after : p;
	*name_len = out;
	return 0;
}

bool dns_name_eq(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	/* Length octets are at most 63, below 'A', so folding them is harmless. */
	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++)
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return false;
	return true;
}

bool dns_question_eq(const struct dns_question *a, const struct dns_question *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass &&
	       dns_name_eq(a->name, a->name_len, b->name, b->name_len);
}

/* Reads the OPT record whose fixed part starts at (p) (RFC 6891 §6.1.2-3). */
static void dns_read_opt(const uint8_t *msg, size_t p, struct dns_msg *m)
{
	m->edns = true;
	m->edns_size_off = p + 2;
	m->edns_size = dns_rd16(msg + p + 2);
	m->edns_version = msg[p + 5];
	m->edns_do = (msg[p + 6] & 0x80) != 0;
}

/* Walks (count) records of section (sect) (0 answer, 1 authority, 2 additional) from (*pos). */
static int dns_skip_rrs(const uint8_t *msg, size_t len, size_t *pos, unsigned count, int sect,
			struct dns_msg *m)
{
	uint8_t owner[DNS_NAME_MAX];

	for (unsigned i = 0; i < count; i++) {
		size_t p = *pos, owner_len, rdlen;

		if (dns_name_read(msg, len, &p, owner, &owner_len) != 0 || len - p < DNS_RR_FIXED)
			return -EBADMSG;
		rdlen = dns_rd16(msg + p + 8);
		if (rdlen > len - p - DNS_RR_FIXED)
			return -EBADMSG;
		if (dns_rd16(msg + p) == DNS_TYPE_OPT) {
			/* RFC 6891 §6.1.1: one, in the additional section, owned by the root. */
			if (sect != 2 || m->edns || owner_len != 1)
				return -EBADMSG;
			dns_read_opt(msg, p, m);
		}
		*pos = p + DNS_RR_FIXED + rdlen;
	}
	return 0;
}

int dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg *m)
{
	const struct dns_header *h = &m->hdr;
	size_t pos = DNS_HDR_LEN, name_len;
	int err;

	memset(m, 0, sizeof(*m));
	if (len < DNS_HDR_LEN)
		return -EBADMSG;
	m->hdr.id = dns_rd16(msg);
	m->hdr.flags = dns_rd16(msg + 2);
	m->hdr.qdcount = dns_rd16(msg + 4);
	m->hdr.ancount = dns_rd16(msg + 6);
	m->hdr.nscount = dns_rd16(msg + 8);
	m->hdr.arcount = dns_rd16(msg + 10);
	if (len > DNS_MSG_MAX)
		return -EMSGSIZE;
	if (h->qdcount > 1)
		return -EBADMSG;
	if (h->qdcount == 1) {
		if (dns_name_read(msg, len, &pos, m->q.name, &name_len) != 0 || len - pos < 4)
			return -EBADMSG;
		m->q.name_len = (uint16_t)name_len;
		m->q.qtype = dns_rd16(msg + pos);
		m->q.qclass = dns_rd16(msg + pos + 2);
		pos += 4;
		m->has_q = true;
	}
	m->q_end = m->end = pos;
	err = dns_skip_rrs(msg, len, &pos, h->ancount, 0, m);
	if (err == 0)
		err = dns_skip_rrs(msg, len, &pos, h->nscount, 1, m);
	if (err == 0)
		err = dns_skip_rrs(msg, len, &pos, h->arcount, 2, m);
	if (err == 0 && pos != len)
		err = -EBADMSG; /* trailing bytes */
	if (err != 0 && (h->flags & (DNS_F_QR | DNS_F_TC)) == (DNS_F_QR | DNS_F_TC)) {
		/* Truncated: what follows the question may be cut anywhere. */
		m->edns = false;
		return 0;
	}
	m->end = pos;
	return err;
}

static bool dns_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int dns_name_from_str(const char *s, uint8_t name[DNS_NAME_MAX], size_t *name_len)
{
	size_t out = 0;

	if (s[0] == '.' && s[1] == '\0')
		s++;
	while (*s != '\0') {
		size_t n = 0;

		while (s[n] != '\0' && s[n] != '.') {
			if (!dns_host_char(s[n]))
				return -EINVAL;
			n++;
		}
		/* The label, its length octet, and the root still to come. */
		if (n == 0 || n > DNS_LABEL_MAX || out + 1 + n + 1 > DNS_NAME_MAX)
			return -EINVAL;
		name[out] = (uint8_t)n;
		memcpy(name + out + 1, s, n);
		out += 1 + n;
		s += n;
		if (*s == '.')
			s++;
	}
	name[out++] = 0;
	*name_len = out;
	return 0;
}

int dns_name_to_str(const uint8_t *name, size_t name_len, char *buf, size_t size)
{
	size_t p = 0, out = 0;

	if (size == 0)
		return -ENOSPC;
	if (name_len == 1 && name[0] == 0) {
		if (size < 2)
			return -ENOSPC;
		memcpy(buf, ".", 2);
		return 1;
	}
	while (p < name_len && name[p] != 0) {
		size_t n = name[p];

		if (n > DNS_LABEL_MAX || n >= name_len - p)
			return -EINVAL;
		if (out != 0) {
			if (out + 1 >= size)
				return -ENOSPC;
			buf[out++] = '.';
		}
		for (size_t i = 1; i <= n; i++) {
			uint8_t c = name[p + i];

			if (c <= ' ' || c > '~' || c == '.' || c == '\\')
				return -EINVAL;
			if (out + 1 >= size) /* this octet and the NUL */
				return -ENOSPC;
			buf[out++] = (char)c;
		}
		p += 1 + n;
	}
	if (p + 1 != name_len)
		return -EINVAL;
	buf[out] = '\0';
	return (int)out;
}

int dns_build_response(const struct dns_msg *q, uint16_t flags, uint16_t rcode,
		       const struct dns_rr *ans, uint8_t *buf, size_t size, size_t *len)
{
	uint16_t f = DNS_F_QR | DNS_F_RA | (q->hdr.flags & (DNS_F_OPCODE | DNS_F_RD | DNS_F_CD));
	size_t need = DNS_HDR_LEN, pos = DNS_HDR_LEN;

	if (rcode > 0xfff || (rcode > 15 && !q->edns) || (ans && !q->has_q))
		return -EINVAL;
	if (q->has_q)
		need += q->q.name_len + 4u;
	if (ans)
		need += 2 + DNS_RR_FIXED + (size_t)ans->rdlen;
	if (q->edns)
		need += DNS_OPT_LEN;
	if (need > size)
		return -ENOSPC;

	dns_wr16(buf, q->hdr.id);
	dns_wr16(buf + 2, f | (flags & DNS_F_AA) | (rcode & DNS_F_RCODE));
	dns_wr16(buf + 4, q->has_q);
	dns_wr16(buf + 6, ans != NULL);
	dns_wr16(buf + 8, 0);
	dns_wr16(buf + 10, q->edns);
	if (q->has_q) {
		memcpy(buf + pos, q->q.name, q->q.name_len);
		pos += q->q.name_len;
		dns_wr16(buf + pos, q->q.qtype);
		dns_wr16(buf + pos + 2, q->q.qclass);
		pos += 4;
	}
	if (ans) {
		dns_wr16(buf + pos, 0xc000 | DNS_HDR_LEN); /* the question's name */
		dns_wr16(buf + pos + 2, ans->type);
		dns_wr16(buf + pos + 4, q->q.qclass);
		dns_wr32(buf + pos + 6, ans->ttl);
		dns_wr16(buf + pos + 10, ans->rdlen);
		memcpy(buf + pos + 12, ans->rdata, ans->rdlen);
		pos += 12 + (size_t)ans->rdlen;
	}
	if (q->edns) {
		/* RFC 6891 §6.1.3: extended RCODE, version 0, DO echoed (RFC 3225 §3). */
		buf[pos] = 0;
		dns_wr16(buf + pos + 1, DNS_TYPE_OPT);
		dns_wr16(buf + pos + 3, DNS_MSG_MAX);
		buf[pos + 5] = (uint8_t)(rcode >> 4);
		buf[pos + 6] = 0;
		buf[pos + 7] = q->edns_do ? 0x80 : 0;
		buf[pos + 8] = 0;
		dns_wr16(buf + pos + 9, 0);
		pos += DNS_OPT_LEN;
	}
	*len = pos;
	return 0;
}
