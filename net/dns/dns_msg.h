/*
 * DNS messages (RFC 1035 §4.1): reading the header, the question and the
 * shape of the resource record sections from untrusted bytes, comparing
 * questions, converting names between wire form and text, and building
 * the short responses the forwarder answers itself (an A or PTR record,
 * NOERROR with no data, or an error code), with an EDNS OPT record
 * (RFC 6891 §6.1) when the query carried one.
 *
 * Names inside the core are in uncompressed wire form: length-prefixed
 * labels ending with the zero-length root label, at most DNS_NAME_MAX
 * octets in all (RFC 1035 §2.3.4, §3.1), kept in the case they arrived in
 * and compared without regard to ASCII case (RFC 4343 §3).
 *
 * Pure: no state, no I/O, no allocation. Every read is bound-checked.
 */
#ifndef UNIGATE_NET_DNS_MSG_H
#define UNIGATE_NET_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_PORT	  53
#define DNS_HDR_LEN	  12  /* RFC 1035 §4.1.1 */
#define DNS_NAME_MAX	  255 /* octets of a wire-form name, RFC 1035 §2.3.4 */
#define DNS_LABEL_MAX	  63  /* octets of one label */
#define DNS_NAME_STRLEN	  254 /* "a.b.c" text of the longest name, and NUL */
#define DNS_PTR_HOPS_MAX  128 /* compression pointers followed in one name */
#define DNS_UDP_PLAIN_MAX 512 /* UDP message limit without EDNS, RFC 1035 §2.3.4 */
/*
 * The largest message handled: the EDNS payload size the DNS community
 * settled on to avoid IP fragmentation (DNS Flag Day 2020; RFC 6891
 * §6.2.5 leaves the choice to the implementation). Queries forwarded
 * upstream advertise at most this much, so replies fit it.
 */
#define DNS_MSG_MAX 1232

/* Header flags (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2). */
#define DNS_F_QR	  0x8000 /* a response */
#define DNS_F_OPCODE	  0x7800
#define DNS_F_AA	  0x0400 /* authoritative answer */
#define DNS_F_TC	  0x0200 /* truncated */
#define DNS_F_RD	  0x0100 /* recursion desired */
#define DNS_F_RA	  0x0080 /* recursion available */
#define DNS_F_AD	  0x0020
#define DNS_F_CD	  0x0010
#define DNS_F_RCODE	  0x000f
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)

#define DNS_OPCODE_QUERY 0

/* Response codes (RFC 1035 §4.1.1; BADVERS from RFC 6891 §9). */
#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_BADVERS  16 /* extended: needs an OPT record */

/* Types and classes (RFC 1035 §3.2.2-4; AAAA RFC 3596, OPT RFC 6891). */
#define DNS_TYPE_A    1
#define DNS_TYPE_PTR  12
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT  41
#define DNS_TYPE_ANY  255
#define DNS_CLASS_IN  1

struct dns_header {
	uint16_t id;
	uint16_t flags; /* DNS_F_* and the opcode and RCODE */
	uint16_t qdcount, ancount, nscount, arcount;
};

struct dns_question {
	uint8_t name[DNS_NAME_MAX]; /* wire form, uncompressed, case as received */
	uint16_t name_len;	    /* 1 .. DNS_NAME_MAX, the root label included */
	uint16_t qtype;
	uint16_t qclass;
};

/* A message as dns_msg_parse() found it. */
struct dns_msg {
	struct dns_header hdr;
	bool has_q;	       /* hdr.qdcount == 1 and q was read */
	struct dns_question q; /* valid when has_q */
	size_t q_end;	       /* offset just past the question section */
	size_t end;	       /* offset just past the last section read */
	bool edns;	       /* one valid OPT record in the additional section */
	uint8_t edns_version;  /* from the OPT record, when edns */
	bool edns_do;	       /* its DO bit (RFC 3225) */
	uint16_t edns_size;    /* its requestor's UDP payload size */
	size_t edns_size_off;  /* offset of that field in the message */
};

/*
 * Parses the (len) bytes at (msg), which the caller owns and which are not
 * kept, into (*m). Accepts at most one question (RFC 9619), follows
 * compression pointers only to earlier names that start after the header
 * (RFC 1035 §4.1.4), walks every resource record's owner name and RDATA
 * length, finds the OPT record (which must be alone, in the additional
 * section, owned by the root) and requires the message to end where the
 * sections end. A response with TC set needs only a valid header and
 * question: the rest of a truncated message may be cut anywhere.
 *
 * Returns 0; -EBADMSG when the message is malformed (shorter than a
 * header, a bad name, a section running past the end, bytes after the
 * last section, several questions or OPT records); -EMSGSIZE when (len)
 * exceeds DNS_MSG_MAX. When (len) >= DNS_HDR_LEN, (m->hdr) is filled even
 * on error, so that the caller can answer FORMERR with the right ID; the
 * other fields are then unspecified.
 */
int dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg *m);

/*
 * Reads the name at offset (*pos) of the (len) bytes at (msg) into (name),
 * DNS_NAME_MAX bytes the caller provides (or NULL to only skip it), and
 * its length into (*name_len). Advances (*pos) past the name's bytes at
 * that place: up to its root label, or past its first pointer. Every
 * pointer must point into the message, after the header, and before the
 * start of the labels that led to it, so chains only go backwards and
 * cannot loop. Returns 0 or -EBADMSG (out of bounds, label type 01 or 10,
 * a bad pointer, more than DNS_PTR_HOPS_MAX pointers, or a name longer
 * than DNS_NAME_MAX).
 */
int dns_name_read(const uint8_t *msg, size_t len, size_t *pos, uint8_t *name, size_t *name_len);

/* Returns true if the wire-form names are equal but for ASCII case. */
bool dns_name_eq(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/*
 * Returns true if the questions ask for the same thing (RFC 5452 §9.1):
 * equal names (ignoring ASCII case), QTYPE and QCLASS.
 */
bool dns_question_eq(const struct dns_question *a, const struct dns_question *b);

/*
 * Writes the wire-form (name) of (name_len) bytes as text into (buf) of
 * (size) bytes: labels joined by dots, no final dot, "." for the root.
 * Labels must hold only printable ASCII other than '.', space and '\\'
 * (no escaping is done). Returns the text's length, -EINVAL for other
 * octets or a bad name, or -ENOSPC when (buf) is too small.
 */
int dns_name_to_str(const uint8_t *name, size_t name_len, char *buf, size_t size);

/*
 * Converts the text (s), dot-separated labels with an optional final dot,
 * into wire form in (name), DNS_NAME_MAX bytes, and its length into
 * (*name_len). "" and "." are the root. Labels are 1 .. DNS_LABEL_MAX of
 * letters, digits, '-' and '_'. Returns 0 or -EINVAL.
 */
int dns_name_from_str(const char *s, uint8_t name[DNS_NAME_MAX], size_t *name_len);

/* One resource record for dns_build_response(), owned by the question's name. */
struct dns_rr {
	uint16_t type;
	uint32_t ttl; /* seconds */
	const uint8_t *rdata;
	uint16_t rdlen;
};

/*
 * Builds into (buf), (size) bytes the caller owns, a response to the query
 * (q): the query's ID, opcode, RD and CD bits, RA set, (flags) ORed in
 * (DNS_F_AA for local authority), response code (rcode), the question
 * copied when (q->has_q), the record (ans) if not NULL (its owner a
 * compression pointer to the question's name, which must then be there),
 * and an OPT record advertising DNS_MSG_MAX with the query's DO bit when
 * (q->edns). An (rcode) above 15 needs (q->edns) for its upper bits. The
 * result never exceeds 12 + 259 + 267 + 11 octets. Stores its length in
 * (*len) and returns 0, -EINVAL, or -ENOSPC when (size) is too small.
 */
int dns_build_response(const struct dns_msg *q, uint16_t flags, uint16_t rcode,
		       const struct dns_rr *ans, uint8_t *buf, size_t size, size_t *len);

/* Returns the ID of a message of at least 2 bytes. */
uint16_t dns_get_id(const uint8_t *msg);

/* Writes (id) into the ID field of a message of at least 2 bytes at (msg). */
void dns_set_id(uint8_t *msg, uint16_t id);

#endif
