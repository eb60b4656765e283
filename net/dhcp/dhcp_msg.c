/*
 * DHCP message parsing and building. Parsing walks each options area with
 * an index and checks, before reading an option's length byte and again
 * before its data, that both lie inside the area (RFC 2131 §4.1: "Any
 * individual option in the 'options', 'sname' and 'file' fields MUST be
 * entirely contained in that field"). The options field is read first,
 * since only it may hold option 52; then 'file', then 'sname', the order
 * RFC 2131 §4.1 prescribes. Building writes the fixed part and options in
 * order, checking the room left before each write and keeping one byte
 * for END.
 */
#include <errno.h>
#include <string.h>

#include "net/dhcp/dhcp_msg.h"

static const uint8_t dhcp_cookie[4] = {99, 130, 83, 99}; /* RFC 2131 §3 */

static uint32_t dhcp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t dhcp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void dhcp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Parser state for one message: which fixed-size options were seen. */
struct dhcp_parse {
	struct dhcp_msg *m;
	uint8_t seen[32]; /* bit set per option code */
	bool client_id;	  /* option 61 seen, even empty */
};

/* Marks fixed-size option (code) seen; -EBADMSG if it already was. */
static int dhcp_once(struct dhcp_parse *ps, uint8_t code)
{
	uint8_t bit = (uint8_t)(1u << (code & 7));

	if (ps->seen[code >> 3] & bit)
		return -EBADMSG;
	ps->seen[code >> 3] |= bit;
	return 0;
}

/* Appends (len) bytes to a concatenated option (RFC 3396) of (*have) bytes. */
static int dhcp_concat(uint8_t *dst, uint16_t *have, const uint8_t *data, uint8_t len)
{
	if (len > DHCP_VAR_MAX - *have)
		return -EBADMSG;
	memcpy(dst + *have, data, len);
	*have = (uint16_t)(*have + len);
	return 0;
}

/* Takes in one option of (len) bytes at (data); (top) if it is in the
 * options field rather than in 'file' or 'sname'. */
static int dhcp_take(struct dhcp_parse *ps, uint8_t code, const uint8_t *data, uint8_t len,
		     bool top)
{
	struct dhcp_msg *m = ps->m;
	size_t fixed;

	switch (code) {
	case DHCP_OPT_MSG_TYPE:
	case DHCP_OPT_OVERLOAD:
		fixed = 1;
		break;
	case DHCP_OPT_MAX_SIZE:
		fixed = 2;
		break;
	case DHCP_OPT_REQUESTED_IP:
	case DHCP_OPT_LEASE_TIME:
	case DHCP_OPT_SERVER_ID:
		fixed = 4;
		break;
	case DHCP_OPT_PARAM_LIST:
		m->has_params = true;
		for (uint8_t i = 0; i < len; i++)
			m->params[data[i] >> 3] |= (uint8_t)(1u << (data[i] & 7));
		return 0;
	case DHCP_OPT_CLIENT_ID:
		ps->client_id = true;
		return dhcp_concat(m->client_id, &m->client_id_len, data, len);
	case DHCP_OPT_HOST_NAME:
		return dhcp_concat(m->host_name, &m->host_name_len, data, len);
	default:
		return 0; /* not ours to read */
	}
	if (code == DHCP_OPT_OVERLOAD && !top)
		return 0; /* RFC 2131 §4.1: option 52 belongs in the options field */
	if (len != fixed || dhcp_once(ps, code) != 0)
		return -EBADMSG;
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		m->type = data[0];
		break;
	case DHCP_OPT_OVERLOAD:
		if (data[0] < 1 || data[0] > 3)
			return -EBADMSG;
		m->overload = data[0];
		break;
	case DHCP_OPT_MAX_SIZE:
		m->max_size = dhcp_get16(data);
		if (m->max_size < 576) /* RFC 2132 §9.10: the minimum legal value */
			m->max_size = 0;
		break;
	case DHCP_OPT_REQUESTED_IP:
		m->has_requested = true;
		m->requested_ip = dhcp_get32(data);
		break;
	case DHCP_OPT_LEASE_TIME:
		m->has_lease = true;
		m->lease_time = dhcp_get32(data);
		break;
	case DHCP_OPT_SERVER_ID:
		m->has_server_id = true;
		m->server_id = dhcp_get32(data);
		break;
	}
	return 0;
}

/*
 * Walks the options in p[0..n): pads are skipped, END or the area's end
 * stops the walk. Each option's two header bytes and then its data are
 * checked against what is left of the area before they are read.
 */
static int dhcp_walk(struct dhcp_parse *ps, const uint8_t *p, size_t n, bool top)
{
	size_t i = 0;
	int err;

	while (i < n) {
		uint8_t code = p[i], len;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (n - i < 2)
			return -EBADMSG;
		len = p[i + 1];
		if (n - i - 2 < len)
			return -EBADMSG;
		err = dhcp_take(ps, code, p + i + 2, len, top);
		if (err != 0)
			return err;
		i += 2 + (size_t)len;
	}
	return 0;
}

int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	struct dhcp_parse ps;
	int err;

	if (len < DHCP_OFF_OPTIONS)
		return -EMSGSIZE;
	if (memcmp(buf + DHCP_FIXED_LEN, dhcp_cookie, sizeof(dhcp_cookie)) != 0)
		return -EPROTO;
	memset(m, 0, sizeof(*m));
	memset(&ps, 0, sizeof(ps));
	ps.m = m;
	m->op = buf[0];
	m->htype = buf[1];
	m->hlen = buf[2];
	m->hops = buf[3];
	m->xid = dhcp_get32(buf + 4);
	m->secs = dhcp_get16(buf + 8);
	m->flags = dhcp_get16(buf + 10);
	m->ciaddr = dhcp_get32(buf + 12);
	m->yiaddr = dhcp_get32(buf + 16);
	m->siaddr = dhcp_get32(buf + 20);
	m->giaddr = dhcp_get32(buf + 24);
	memcpy(m->chaddr, buf + 28, DHCP_CHADDR_LEN);
	if (m->hlen > DHCP_CHADDR_LEN)
		return -EBADMSG;

	err = dhcp_walk(&ps, buf + DHCP_OFF_OPTIONS, len - DHCP_OFF_OPTIONS, true);
	if (err == 0 && (m->overload & DHCP_OVERLOAD_FILE))
		err = dhcp_walk(&ps, buf + DHCP_OFF_FILE, DHCP_FILE_LEN, false);
	if (err == 0 && (m->overload & DHCP_OVERLOAD_SNAME))
		err = dhcp_walk(&ps, buf + DHCP_OFF_SNAME, DHCP_SNAME_LEN, false);
	if (err == 0 && ps.client_id && m->client_id_len < 2)
		err = -EBADMSG; /* RFC 2132 §9.14: at least a type and one byte */
	return err;
}

bool dhcp_msg_wants(const struct dhcp_msg *m, uint8_t code)
{
	return m->params[code >> 3] & (1u << (code & 7));
}

size_t dhcp_msg_reply_max(const struct dhcp_msg *req)
{
	if (req->max_size > DHCP_DEFAULT_MAX + DHCP_IP_UDP_HLEN)
		return (size_t)req->max_size - DHCP_IP_UDP_HLEN;
	return DHCP_DEFAULT_MAX;
}

int dhcp_msg_reply_start(struct dhcp_msg_out *o, uint8_t *buf, size_t size,
			 const struct dhcp_msg *req, uint8_t type, uint32_t ciaddr, uint32_t yiaddr,
			 uint16_t flags)
{
	size_t max = dhcp_msg_reply_max(req);

	o->buf = buf;
	o->cap = size < max ? size : max;
	o->len = 0;
	o->err = 0;
	if (o->cap < DHCP_MIN_LEN) {
		o->err = -ENOSPC;
		return o->err;
	}
	memset(buf, 0, DHCP_OFF_OPTIONS);
	buf[0] = DHCP_BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	dhcp_put32(buf + 4, req->xid);
	buf[10] = (uint8_t)(flags >> 8);
	buf[11] = (uint8_t)flags;
	dhcp_put32(buf + 12, ciaddr);
	dhcp_put32(buf + 16, yiaddr);
	dhcp_put32(buf + 24, req->giaddr);
	memcpy(buf + 28, req->chaddr, DHCP_CHADDR_LEN);
	memcpy(buf + DHCP_FIXED_LEN, dhcp_cookie, sizeof(dhcp_cookie));
	o->len = DHCP_OFF_OPTIONS;
	dhcp_msg_put(o, DHCP_OPT_MSG_TYPE, &type, 1);
	return o->err;
}

void dhcp_msg_put(struct dhcp_msg_out *o, uint8_t code, const void *data, uint8_t len)
{
	if (o->err != 0)
		return;
	/* The option's two header bytes, its data, and one byte kept for END. */
	if (o->cap - o->len < 2 + (size_t)len + 1) {
		o->err = -ENOSPC;
		return;
	}
	o->buf[o->len] = code;
	o->buf[o->len + 1] = len;
	memcpy(o->buf + o->len + 2, data, len);
	o->len += 2 + (size_t)len;
}

void dhcp_msg_put_u32(struct dhcp_msg_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	dhcp_put32(b, v);
	dhcp_msg_put(o, code, b, sizeof(b));
}

void dhcp_msg_put_str(struct dhcp_msg_out *o, uint8_t code, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255) {
		if (o->err == 0)
			o->err = -EINVAL;
		return;
	}
	dhcp_msg_put(o, code, s, (uint8_t)n);
}

int dhcp_msg_finish(struct dhcp_msg_out *o)
{
	if (o->err != 0)
		return o->err;
	/* dhcp_msg_put() always leaves this byte free. */
	o->buf[o->len++] = DHCP_OPT_END;
	if (o->len < DHCP_MIN_LEN) {
		memset(o->buf + o->len, 0, DHCP_MIN_LEN - o->len);
		o->len = DHCP_MIN_LEN;
	}
	return (int)o->len;
}

const char *dhcp_msg_type_name(uint8_t type)
{
	static const char *const names[] = {"?",	   "DHCPDISCOVER", "DHCPOFFER",
					    "DHCPREQUEST", "DHCPDECLINE",  "DHCPACK",
					    "DHCPNAK",	   "DHCPRELEASE",  "DHCPINFORM"};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
