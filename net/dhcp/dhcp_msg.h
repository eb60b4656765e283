/*
 * DHCP messages on the wire: parsing a BOOTP/DHCP message (RFC 2131 §2,
 * RFC 951) from untrusted bytes into struct dhcp_msg, and building a
 * server's reply into a caller's buffer. Options follow RFC 2132: the
 * options field first, then the 'file' and 'sname' fields when option 52
 * says they carry options (RFC 2131 §4.1); an option must lie wholly in
 * its field, and repeated instances of a variable-length option are
 * concatenated (RFC 3396). Every length is checked before it is read; a
 * message that breaks a rule is refused whole rather than half-read. Pure:
 * no state, no I/O, no allocation.
 */
#ifndef UNIGATE_NET_DHCP_MSG_H
#define UNIGATE_NET_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* RFC 2131 §2, figure 1: offsets in the fixed part of a message. */
#define DHCP_OFF_SNAME	 44
#define DHCP_SNAME_LEN	 64
#define DHCP_OFF_FILE	 108
#define DHCP_FILE_LEN	 128
#define DHCP_FIXED_LEN	 236 /* op .. file */
#define DHCP_OFF_OPTIONS 240 /* after the magic cookie 99.130.83.99 (RFC 2131 §3) */
#define DHCP_CHADDR_LEN	 16

#define DHCP_MIN_LEN	 300 /* a BOOTP message with its 64-byte vendor area (RFC 1542 §2.1) */
#define DHCP_DEFAULT_MAX 548 /* fits a 576-byte IP datagram: RFC 2131 §2 */
#define DHCP_IP_UDP_HLEN 28  /* IPv4 and UDP headers, without IP options */

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY	 2
#define DHCP_HTYPE_ETHER 1
#define DHCP_FLAG_BCAST	 0x8000 /* the BROADCAST bit of 'flags' (RFC 2131 §2, figure 2) */

/* Message types, option 53 (RFC 2132 §9.6). */
#define DHCP_DISCOVER 1
#define DHCP_OFFER    2
#define DHCP_REQUEST  3
#define DHCP_DECLINE  4
#define DHCP_ACK      5
#define DHCP_NAK      6
#define DHCP_RELEASE  7
#define DHCP_INFORM   8

/* Option codes, RFC 2132 (section in parentheses). */
#define DHCP_OPT_PAD	      0	  /* (3.1) */
#define DHCP_OPT_SUBNET_MASK  1	  /* (3.3) */
#define DHCP_OPT_ROUTER	      3	  /* (3.5) */
#define DHCP_OPT_DNS	      6	  /* (3.8) */
#define DHCP_OPT_HOST_NAME    12  /* (3.14) */
#define DHCP_OPT_DOMAIN_NAME  15  /* (3.17) */
#define DHCP_OPT_MTU	      26  /* interface MTU (5.1) */
#define DHCP_OPT_BROADCAST    28  /* (5.3) */
#define DHCP_OPT_REQUESTED_IP 50  /* (9.1) */
#define DHCP_OPT_LEASE_TIME   51  /* (9.2) */
#define DHCP_OPT_OVERLOAD     52  /* (9.3) */
#define DHCP_OPT_MSG_TYPE     53  /* (9.6) */
#define DHCP_OPT_SERVER_ID    54  /* (9.7) */
#define DHCP_OPT_PARAM_LIST   55  /* (9.8) */
#define DHCP_OPT_MESSAGE      56  /* (9.9) */
#define DHCP_OPT_MAX_SIZE     57  /* (9.10) */
#define DHCP_OPT_T1	      58  /* (9.11) */
#define DHCP_OPT_T2	      59  /* (9.12) */
#define DHCP_OPT_CLIENT_ID    61  /* (9.14) */
#define DHCP_OPT_END	      255 /* (3.2) */

#define DHCP_OVERLOAD_FILE  1 /* option 52 values (RFC 2132 §9.3) */
#define DHCP_OVERLOAD_SNAME 2

#define DHCP_VAR_MAX 255 /* bytes kept of a concatenated variable-length option */

/*
 * A parsed request. Addresses, xid and numbers are in host byte order.
 * Options that were absent read as zero with their has_ flag false.
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];

	uint8_t type;	    /* option 53, 0 if absent (a plain BOOTP message) */
	uint8_t overload;   /* option 52, 0 if absent */
	uint16_t max_size;  /* option 57, 0 if absent */
	bool has_requested; /* option 50 */
	bool has_server_id; /* option 54 */
	bool has_lease;	    /* option 51 */
	bool has_params;    /* option 55 */
	uint32_t requested_ip;
	uint32_t server_id;
	uint32_t lease_time;
	uint8_t params[32]; /* option 55 as a set: bit (c % 8) of params[c / 8] */
	uint16_t client_id_len;
	uint16_t host_name_len;
	uint8_t client_id[DHCP_VAR_MAX]; /* option 61, client_id_len bytes */
	uint8_t host_name[DHCP_VAR_MAX]; /* option 12, raw bytes: not a C string */
};

/*
 * Parses the (len) bytes at (buf), which stay the caller's, into (*m). A
 * message must hold the fixed part and the magic cookie; hlen must be at
 * most 16; each option's length must fit its field; options 50, 51, 52,
 * 53, 54 and 57 must have their fixed lengths and appear once, option 52
 * a value 1..3, option 61 at least 2 bytes (RFC 2132 §9.14), and repeats
 * of options 12 and 61 at most DHCP_VAR_MAX bytes together. A field may
 * end without an END option. Option 57 below 576, which RFC 2132 §9.10
 * forbids, reads as absent; option 52 inside 'file' or 'sname' is
 * ignored. Returns 0, -EMSGSIZE if (len) is shorter than
 * DHCP_OFF_OPTIONS, -EPROTO if the magic cookie is missing, or -EBADMSG
 * if a rule above is broken; (*m) is undefined after an error.
 */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m);

/* Returns true if option (code) is in (m)'s parameter request list. */
bool dhcp_msg_wants(const struct dhcp_msg *m, uint8_t code);

/*
 * Returns the largest reply (req)'s sender accepts, in bytes of DHCP
 * message: DHCP_DEFAULT_MAX, or more if its option 57 allows. Option 57
 * is read as an IP datagram size, so DHCP_IP_UDP_HLEN is taken off: the
 * cautious reading of RFC 2132 §9.10.
 */
size_t dhcp_msg_reply_max(const struct dhcp_msg *req);

/* A reply being built. Written only by the dhcp_msg_* functions below. */
struct dhcp_msg_out {
	uint8_t *buf; /* the caller's */
	size_t cap;   /* bytes that may be used: within the buffer and the client's limit */
	size_t len;   /* bytes written so far */
	int err;      /* 0, or the first error, which every later call keeps */
};

/*
 * Starts a reply to (req) of (type) in (buf) of (size) bytes, which stays
 * the caller's and must outlive (o): the fixed part as RFC 2131 Table 3
 * gives it (op BOOTREPLY; htype, hlen, xid, giaddr and chaddr from (req);
 * hops, secs, siaddr, 'sname' and 'file' zero) with (ciaddr), (yiaddr) and
 * (flags) as given, then the magic cookie and option 53. The reply is
 * limited to the smaller of (size) and dhcp_msg_reply_max(req). Returns 0,
 * or -ENOSPC if that limit is below DHCP_MIN_LEN; the error also stays in
 * (o), so the calls that follow do nothing and dhcp_msg_finish() returns it.
 */
int dhcp_msg_reply_start(struct dhcp_msg_out *o, uint8_t *buf, size_t size,
			 const struct dhcp_msg *req, uint8_t type, uint32_t ciaddr, uint32_t yiaddr,
			 uint16_t flags);

/*
 * Appends option (code) with (len) bytes from (data), leaving room for the
 * END option; sets o->err to -ENOSPC instead if it does not fit.
 */
void dhcp_msg_put(struct dhcp_msg_out *o, uint8_t code, const void *data, uint8_t len);

/* Appends option (code) holding the 32-bit (v) in network byte order:
 * addresses and times. */
void dhcp_msg_put_u32(struct dhcp_msg_out *o, uint8_t code, uint32_t v);

/* Appends option (code) holding the NUL-terminated (s) without its NUL;
 * -EINVAL in o->err if (s) is empty or longer than 255 bytes. */
void dhcp_msg_put_str(struct dhcp_msg_out *o, uint8_t code, const char *s);

/*
 * Ends the options with END and pads the reply with zeros to DHCP_MIN_LEN.
 * Returns the reply's length in bytes, or the error kept in (o).
 */
int dhcp_msg_finish(struct dhcp_msg_out *o);

/* Returns the name of message (type), "DHCPDISCOVER" .. "DHCPINFORM", or "?". */
const char *dhcp_msg_type_name(uint8_t type);

#endif
