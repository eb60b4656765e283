/*
 * Local name resolution for a network (see net/dns/dns_local.h for the rules):
 * splitting a name at the network's domain, reading IPv4 addresses out of
 * in-addr.arpa names (RFC 1035 §3.5), and answering A and PTR questions
 * from the binding's callbacks. Answers are authoritative (AA set): the
 * gateway is the only source of these names.
 */
#include <errno.h>
#include <string.h>

#include "net/dns/dns_local.h"

/* "in-addr.arpa" and the root, in wire form. */
static const uint8_t dns_in_addr_arpa[] = "\7in-addr\4arpa";

int dns_local_set_domain(struct dns_local *loc, const char *domain)
{
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	if (domain == NULL || domain[0] == '\0') {
		loc->domain_len = 0;
		return 0;
	}
	if (dns_name_from_str(domain, name, &len) != 0 || len == 1)
		return -EINVAL;
	memcpy(loc->domain, name, len);
	loc->domain_len = (uint16_t)len;
	return 0;
}

int dns_name_under(const uint8_t *name, size_t name_len, const uint8_t *domain, size_t domain_len)
{
	size_t off = 0;
	int labels = 0;

	if (domain_len == 0 || domain_len > name_len)
		return -1;
	/* Step label by label so that the suffix starts on a label boundary. */
	while (off < name_len - domain_len) {
		off += 1 + (size_t)name[off];
		labels++;
	}
	if (off != name_len - domain_len ||
	    !dns_name_eq(name + off, domain_len, domain, domain_len))
		return -1;
	return labels;
}

int dns_name_in_addr(const uint8_t *name, size_t name_len, uint32_t *addr)
{
	size_t off = 0;
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		size_t n = off < name_len ? name[off] : 0;
		uint32_t v = 0;

		if (n == 0 || n > 3 || off + 1 + n >= name_len)
			return -EINVAL;
		if (n > 1 && name[off + 1] == '0')
			return -EINVAL; /* leading zero */
		for (size_t k = 1; k <= n; k++) {
			uint8_t c = name[off + k];

			if (c < '0' || c > '9')
				return -EINVAL;
			v = v * 10 + (uint32_t)(c - '0');
		}
		if (v > 255)
			return -EINVAL;
		a |= v << (8 * i); /* the first label is the last octet */
		off += 1 + n;
	}
	if (!dns_name_eq(name + off, name_len - off, dns_in_addr_arpa, sizeof(dns_in_addr_arpa)))
		return -EINVAL;
	*addr = a;
	return 0;
}

/* Copies label (label) into (buf) of DNS_LABEL_MAX + 1 bytes in lower case. */
static void dns_label_lower(const uint8_t *label, char *buf)
{
	size_t n = label[0];

	for (size_t i = 0; i < n; i++) {
		uint8_t c = label[1 + i];

		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[n] = '\0';
}

/* Looks up the host whose name is the first label of (q)'s name. */
static int dns_local_host(const struct dns_local *loc, const struct dns_question *q, uint32_t *addr)
{
	char host[DNS_LABEL_MAX + 1];

	if (loc->lookup == NULL)
		return -ENOENT;
	dns_label_lower(q->name, host);
	if (strlen(host) != q->name[0])
		return -ENOENT; /* a NUL inside the label */
	return loc->lookup(loc->ctx, host, addr) == 0 ? 0 : -ENOENT;
}

/* Builds the PTR target "host.DOMAIN" for (addr) into (name). */
static int dns_local_ptr(const struct dns_local *loc, uint32_t addr, uint8_t name[DNS_NAME_MAX],
			 size_t *name_len)
{
	char host[DNS_LABEL_MAX + 1];
	size_t len;

	if (loc->reverse == NULL || loc->reverse(loc->ctx, addr, host, sizeof(host)) != 0)
		return -ENOENT;
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL || dns_name_from_str(host, name, &len) != 0 || len == 1)
		return -ENOENT;
	if (loc->domain_len != 0) {
		if (len - 1 + loc->domain_len > DNS_NAME_MAX)
			return -ENOENT;
		memcpy(name + len - 1, loc->domain, loc->domain_len);
		len += loc->domain_len - 1u;
	}
	*name_len = len;
	return 0;
}

/* Builds the response for outcome (kind) with record (rr) when an answer. */
static int dns_local_reply(const struct dns_msg *q, int kind, const struct dns_rr *rr, uint8_t *buf,
			   size_t size, size_t *len)
{
	uint16_t rcode = kind == DNS_LOCAL_NXDOMAIN ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	int err;

	err = dns_build_response(q, DNS_F_AA, rcode, kind == DNS_LOCAL_ANSWER ? rr : NULL, buf,
				 size, len);
	return err ? err : kind;
}

int dns_local_answer(const struct dns_local *loc, const struct dns_msg *q, uint8_t *buf,
		     size_t size, size_t *len)
{
	const struct dns_question *qq = &q->q;
	uint8_t rdata[DNS_NAME_MAX];
	struct dns_rr rr = {0, loc->ttl ? loc->ttl : DNS_LOCAL_TTL, rdata, 0};
	bool in = qq->qclass == DNS_CLASS_IN;
	uint32_t addr;
	size_t rdlen;
	int under;

	if (!q->has_q)
		return DNS_LOCAL_FORWARD;
	under = dns_name_under(qq->name, qq->name_len, loc->domain, loc->domain_len);
	if (under == 0)
		return dns_local_reply(q, DNS_LOCAL_NODATA, NULL, buf, size, len);
	if (under == 1 || (under < 0 && qq->name_len == 2u + qq->name[0])) {
		/* "web1.DOMAIN", or the single label "web1". */
		if (dns_local_host(loc, qq, &addr) != 0)
			return under == 1 ? dns_local_reply(q, DNS_LOCAL_NXDOMAIN, NULL, buf, size,
							    len)
					  : DNS_LOCAL_FORWARD;
		if (!in || (qq->qtype != DNS_TYPE_A && qq->qtype != DNS_TYPE_ANY))
			return dns_local_reply(q, DNS_LOCAL_NODATA, NULL, buf, size, len);
		rr.type = DNS_TYPE_A;
		rdata[0] = (uint8_t)(addr >> 24);
		rdata[1] = (uint8_t)(addr >> 16);
		rdata[2] = (uint8_t)(addr >> 8);
		rdata[3] = (uint8_t)addr;
		rr.rdlen = 4;
		return dns_local_reply(q, DNS_LOCAL_ANSWER, &rr, buf, size, len);
	}
	if (under > 1)
		return dns_local_reply(q, DNS_LOCAL_NXDOMAIN, NULL, buf, size, len);
	if (loc->mask == 0 || dns_name_in_addr(qq->name, qq->name_len, &addr) != 0 ||
	    (addr & loc->mask) != (loc->net & loc->mask))
		return DNS_LOCAL_FORWARD;
	if (dns_local_ptr(loc, addr, rdata, &rdlen) != 0)
		return dns_local_reply(q, DNS_LOCAL_NXDOMAIN, NULL, buf, size, len);
	if (!in || (qq->qtype != DNS_TYPE_PTR && qq->qtype != DNS_TYPE_ANY))
		return dns_local_reply(q, DNS_LOCAL_NODATA, NULL, buf, size, len);
	rr.type = DNS_TYPE_PTR;
	rr.rdlen = (uint16_t)rdlen;
	return dns_local_reply(q, DNS_LOCAL_ANSWER, &rr, buf, size, len);
}
