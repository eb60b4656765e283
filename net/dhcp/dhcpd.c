/*
 * The DHCP server's configuration and its side of the protocol: each
 * client message is parsed (net/dhcp/dhcp_msg.c), its sender identified, and
 * answered by RFC 2131 §4.3: DISCOVER (§4.3.1), REQUEST in each client
 * state (§4.3.2, Table 4 tells the states apart), DECLINE (§4.3.3),
 * RELEASE (§4.3.4) and INFORM (§4.3.5). Replies carry the fields and
 * options of Table 3 and go where §4.1 says. The lease table's rules live
 * in net/dhcp/dhcpd_pool.c.
 */
#include <errno.h>
#include <string.h>

#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"
#include "net/dhcp/dhcpd_index.h"
#include "net/dhcp/dhcpd_pool.h"

#define DHCPD_STR(x)  #x
#define DHCPD_XSTR(x) DHCPD_STR(x)
/* Why dhcpd_config_check() refuses a range no table can hold. */
#define DHCPD_TOO_BIG                                                                              \
	"range and reservations hold more than " DHCPD_XSTR(DHCPD_LEASES_MAX) " addresses"

/* One message being handled. */
struct dhcpd_ctx {
	struct dhcpd *d;
	const struct dhcp_msg *m;
	struct dhcpd_key key;
	const uint8_t *mac;	       /* chaddr, if a unicast Ethernet address */
	const struct dhcpd_host *host; /* the reservation for (mac), or NULL */
	uint8_t port;		       /* where it came from, or DHCPD_PORT_ANY */
	uint32_t now;
	uint8_t *reply;
	size_t cap;
	struct dhcpd_dest *dest;
};

int dhcpd_init(struct dhcpd *d, void *table, uint32_t capacity, uint64_t seed)
{
	if (capacity == 0 || capacity > DHCPD_LEASES_MAX)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->ix.seed = seed;
	dhcpd_index_layout(d, table, capacity);
	dhcpd_index_rebuild(d);
	return 0;
}

uint32_t dhcpd_capacity(const struct dhcpd_config *c)
{
	uint64_t need;

	if (c == NULL || c->range_start > c->range_end)
		return 1;
	need = (uint64_t)c->range_end - c->range_start + 1;
	for (uint32_t i = 0; i < c->nhosts && i < DHCPD_HOSTS_MAX; i++)
		if (c->host[i].ip < c->range_start || c->host[i].ip > c->range_end)
			need++;
	return need > DHCPD_LEASES_MAX ? DHCPD_LEASES_MAX + 1 : (uint32_t)need;
}

static bool dhcpd_mac_unicast(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

/* True if (s), in an array of (size) bytes, is NUL-terminated there and
 * is "" or dot-separated labels (a trailing dot is not allowed). */
static bool dhcpd_domain_ok(const char *s, size_t size)
{
	size_t start = 0, i;

	if (memchr(s, '\0', size) == NULL)
		return false;
	if (s[0] == '\0')
		return true;
	for (i = 0;; i++)
		if (s[i] == '.' || s[i] == '\0') {
			if (!dhcpd_pool_label_ok(s + start, i - start))
				return false;
			if (s[i] == '\0')
				return true;
			start = i + 1;
		}
}

static int dhcpd_fail(const char **why, const char *reason, int err)
{
	if (why != NULL)
		*why = reason;
	return err;
}

/* True if (ip) is a host address of the subnet of (server) and (mask). */
static bool dhcpd_host_addr(uint32_t server, uint32_t mask, uint32_t ip)
{
	uint32_t net = server & mask;

	return (ip & mask) == net && ip != net && ip != (net | ~mask);
}

/* Checks reservation (i) of (c) against the subnet and those before it. */
static int dhcpd_check_host(const struct dhcpd_config *c, uint32_t mask, uint32_t i,
			    const char **why)
{
	const struct dhcpd_host *h = &c->host[i];

	if (memchr(h->name, '\0', sizeof(h->name)) == NULL ||
	    !dhcpd_pool_label_ok(h->name, strlen(h->name)))
		return dhcpd_fail(why, "host name must be letters, digits and '-'", -EINVAL);
	if (!dhcpd_mac_unicast(h->mac))
		return dhcpd_fail(why, "host MAC must be a unicast address", -EINVAL);
	if (!dhcpd_host_addr(c->server, mask, h->ip) || h->ip == c->server)
		return dhcpd_fail(why, "host address must be in the subnet, not the gateway",
				  -EINVAL);
	for (uint32_t j = 0; j < i; j++) {
		const struct dhcpd_host *o = &c->host[j];

		if (dhcpd_pool_name_eq(h->name, strlen(h->name), o->name))
			return dhcpd_fail(why, "host name already reserved", -EINVAL);
		if (memcmp(h->mac, o->mac, 6) == 0)
			return dhcpd_fail(why, "host MAC already reserved", -EINVAL);
		if (h->ip == o->ip)
			return dhcpd_fail(why, "host address already reserved", -EINVAL);
	}
	return 0;
}

int dhcpd_config_check(const struct dhcpd_config *c, uint32_t capacity, const char **why)
{
	uint32_t mask;
	int err;

	if (c->prefix < 8 || c->prefix > 30)
		return dhcpd_fail(why, "subnet prefix must be 8..30", -EINVAL);
	mask = ~0u << (32 - c->prefix);
	if (!dhcpd_host_addr(c->server, mask, c->server))
		return dhcpd_fail(why, "gateway is the subnet's network or broadcast address",
				  -EINVAL);
	if (c->range_start > c->range_end)
		return dhcpd_fail(why, "range start is after its end", -EINVAL);
	if (c->mtu != 0 && (c->mtu < 68 || c->mtu > 1500))
		return dhcpd_fail(why, "interface MTU must be 68..1500", -EINVAL);
	if (!dhcpd_host_addr(c->server, mask, c->range_start) ||
	    !dhcpd_host_addr(c->server, mask, c->range_end))
		return dhcpd_fail(why, "range must be host addresses of the subnet", -EINVAL);
	if (c->server >= c->range_start && c->server <= c->range_end)
		return dhcpd_fail(why, "range includes the gateway address", -EINVAL);
	if (c->lease_s < DHCPD_LEASE_MIN || c->lease_s > DHCPD_LEASE_MAX)
		return dhcpd_fail(why, "lease time must be 1m..365d", -EINVAL);
	if (!dhcpd_domain_ok(c->domain, sizeof(c->domain)))
		return dhcpd_fail(why, "domain must be dot-separated labels", -EINVAL);
	if (c->nhosts > DHCPD_HOSTS_MAX)
		return dhcpd_fail(why, "too many reservations", -ENOSPC);
	for (uint32_t i = 0; i < c->nhosts; i++) {
		err = dhcpd_check_host(c, mask, i, why);
		if (err != 0)
			return err;
	}
	if (dhcpd_capacity(c) > DHCPD_LEASES_MAX)
		return dhcpd_fail(why, DHCPD_TOO_BIG, -ENOSPC);
	if (dhcpd_capacity(c) > capacity)
		return dhcpd_fail(why, "range and reservations exceed the lease table", -ENOSPC);
	return 0;
}

/* Makes (c) (d)'s configuration; the records are still to be refitted. */
static void dhcpd_set_config(struct dhcpd *d, const struct dhcpd_config *c)
{
	if (c != &d->cfg)
		memcpy(&d->cfg, c, sizeof(*c));
	d->mask = ~0u << (32 - c->prefix);
	d->configured = true;
}

int dhcpd_configure(struct dhcpd *d, const struct dhcpd_config *c, const char **why)
{
	int err = dhcpd_config_check(c, d->capacity, why);

	if (err != 0)
		return err;
	dhcpd_set_config(d, c);
	dhcpd_pool_refit(d, d->lease, d->capacity);
	return 0;
}

int dhcpd_configure_table(struct dhcpd *d, const struct dhcpd_config *c, void *table,
			  uint32_t capacity, const char **why)
{
	struct dhcpd_lease *old = d->lease;
	uint32_t n = d->capacity;
	int err;

	if (capacity == 0 || capacity > DHCPD_LEASES_MAX)
		return dhcpd_fail(why, "lease table size out of range", -EINVAL);
	err = dhcpd_config_check(c, capacity, why);
	if (err != 0)
		return err;
	dhcpd_set_config(d, c);
	dhcpd_index_layout(d, table, capacity);
	dhcpd_pool_refit(d, old, n);
	return 0;
}

/* Where the reply goes: RFC 2131 §4.1. */
static void dhcpd_route(struct dhcpd_ctx *x, uint8_t type, uint32_t yiaddr)
{
	const struct dhcp_msg *m = x->m;
	struct dhcpd_dest *dest = x->dest;

	memset(dest, 0, sizeof(*dest));
	dest->port = DHCP_CLIENT_PORT;
	if (m->giaddr != 0) {
		dest->kind = DHCPD_DEST_RELAY;
		dest->ip = m->giaddr;
		dest->port = DHCP_SERVER_PORT;
	} else if (type != DHCP_NAK && m->ciaddr != 0) {
		dest->kind = DHCPD_DEST_UNICAST;
		dest->ip = m->ciaddr;
	} else if (type == DHCP_NAK || (m->flags & DHCP_FLAG_BCAST) || x->mac == NULL ||
		   yiaddr == 0) {
		/* A NAK is broadcast: the client may hold a wrong address. */
		dest->kind = DHCPD_DEST_BROADCAST;
		dest->ip = 0xffffffffu;
		memset(dest->mac, 0xff, 6);
	} else {
		dest->kind = DHCPD_DEST_HWADDR;
		dest->ip = yiaddr;
		memcpy(dest->mac, x->mac, 6);
	}
}

/*
 * Builds the reply of (type) in x->reply: for an OFFER or ACK of (yiaddr)
 * with a lease if (lease), else an INFORM's ACK; a NAK carries (text).
 * Returns its length, or 0 if it did not fit (counted).
 */
static int dhcpd_reply(struct dhcpd_ctx *x, uint8_t type, uint32_t yiaddr, bool lease,
		       const char *text)
{
	const struct dhcp_msg *m = x->m;
	const struct dhcpd_config *c = &x->d->cfg;
	struct dhcp_msg_out o;
	uint32_t ciaddr = type == DHCP_ACK ? m->ciaddr : 0;
	uint16_t flags = m->flags;
	int n;

	/* RFC 2131 §4.3.2: a relay must broadcast a NAK to the client. */
	if (type == DHCP_NAK && m->giaddr != 0)
		flags |= DHCP_FLAG_BCAST;
	dhcp_msg_reply_start(&o, x->reply, x->cap, m, type, ciaddr, yiaddr, flags);
	dhcp_msg_put_u32(&o, DHCP_OPT_SERVER_ID, c->server);
	if (type == DHCP_NAK) {
		dhcp_msg_put_str(&o, DHCP_OPT_MESSAGE, text);
	} else {
		uint32_t ip = yiaddr ? yiaddr : m->ciaddr;

		if (lease) {
			dhcp_msg_put_u32(&o, DHCP_OPT_LEASE_TIME, c->lease_s);
			/* RFC 2131 §4.4.5 defaults; lease_s < 2^25, so 7 * lease_s fits. */
			dhcp_msg_put_u32(&o, DHCP_OPT_T1, c->lease_s / 2);
			dhcp_msg_put_u32(&o, DHCP_OPT_T2, c->lease_s * 7 / 8);
		}
		dhcp_msg_put_u32(&o, DHCP_OPT_SUBNET_MASK, x->d->mask);
		if (c->router)
			dhcp_msg_put_u32(&o, DHCP_OPT_ROUTER, c->server);
		if (c->dns != 0)
			dhcp_msg_put_u32(&o, DHCP_OPT_DNS, c->dns);
		if (c->domain[0] != '\0')
			dhcp_msg_put_str(&o, DHCP_OPT_DOMAIN_NAME, c->domain);
		if (c->mtu != 0) {
			/* RFC 2132 §5.1: sent whether asked or not, as a client
			 * that ignores it only loses what the network cannot
			 * carry anyway (frames too big for the tunnel). */
			uint8_t mtu[2] = {(uint8_t)(c->mtu >> 8), (uint8_t)c->mtu};

			dhcp_msg_put(&o, DHCP_OPT_MTU, mtu, 2);
		}
		if (dhcp_msg_wants(m, DHCP_OPT_BROADCAST))
			dhcp_msg_put_u32(&o, DHCP_OPT_BROADCAST,
					 (c->server & x->d->mask) | ~x->d->mask);
		if (x->host != NULL && x->host->ip == ip)
			dhcp_msg_put_str(&o, DHCP_OPT_HOST_NAME, x->host->name);
	}
	n = dhcp_msg_finish(&o);
	if (n < 0) {
		x->d->stats.drop_no_room++;
		return 0;
	}
	dhcpd_route(x, type, yiaddr);
	if (type == DHCP_OFFER)
		x->d->stats.offer++;
	else if (type == DHCP_ACK)
		x->d->stats.ack++;
	else
		x->d->stats.nak++;
	return n;
}

static int dhcpd_nak(struct dhcpd_ctx *x, uint64_t *reason, const char *text)
{
	(*reason)++;
	return dhcpd_reply(x, DHCP_NAK, 0, false, text);
}

/* True if (ip) is the client's own at x->now: its record's address, or its
 * reserved address while not set aside. */
static bool dhcpd_mine(struct dhcpd_ctx *x, uint32_t ip)
{
	const struct dhcpd_lease *l = dhcpd_pool_find_key(x->d, &x->key);

	if (x->host != NULL) {
		l = dhcpd_pool_find_ip(x->d, x->host->ip);
		return ip == x->host->ip &&
		       (l == NULL || dhcpd_pool_state(l, x->now) != DHCPD_DECLINED);
	}
	/* Its record may be from another MAC with the same client identifier,
	 * which must not carry a reserved address away. */
	return l != NULL && l->ip == ip && dhcpd_pool_state(l, x->now) != DHCPD_FREE &&
	       dhcpd_pool_usable(&x->d->cfg, ip, x->mac);
}

/*
 * True if the client of (x), whose record is (l) or NULL, would take a new
 * pool address on a port whose clients already hold cfg.port_leases of
 * them: the limit is set, the port known, the client no reserved host, and
 * it holds no offered or bound record (a client that has one only keeps or
 * moves it). The port's count is kept (dhcpd_pool_port_live()).
 */
static bool dhcpd_port_full(struct dhcpd_ctx *x, const struct dhcpd_lease *l)
{
	struct dhcpd *d = x->d;
	uint8_t st;

	if (d->cfg.port_leases == 0 || x->port == DHCPD_PORT_ANY || x->host != NULL)
		return false;
	st = l ? dhcpd_pool_state(l, x->now) : DHCPD_FREE;
	if (st == DHCPD_OFFERED || st == DHCPD_BOUND)
		return false;
	return dhcpd_pool_port_live(d, x->port, x->now) >= d->cfg.port_leases;
}

/* Binds (ip) to the client for a lease and ACKs it; (recovered): a client
 * whose record was lost, counted if it is bound. */
static int dhcpd_bind(struct dhcpd_ctx *x, uint32_t ip, bool recovered)
{
	struct dhcpd *d = x->d;
	struct dhcpd_lease *l;
	int err;

	if (dhcpd_port_full(x, dhcpd_pool_find_key(d, &x->key))) {
		d->stats.drop_port_limit++;
		return 0;
	}
	if (recovered)
		d->stats.recovered++;
	l = dhcpd_pool_claim(d, ip, &x->key, x->mac);
	if (l == NULL) { /* every usable address has its place in the table */
		d->stats.drop_pool_empty++;
		return 0;
	}
	dhcpd_pool_hold(d, l, DHCPD_BOUND, x->now + d->cfg.lease_s, x->port);
	if (x->host == NULL && x->m->host_name_len > 0) {
		err = dhcpd_pool_set_name(d, l, x->m->host_name, x->m->host_name_len, x->now);
		if (err == -EINVAL)
			d->stats.name_invalid++;
		else if (err == -EEXIST)
			d->stats.name_conflict++;
		else if (err == -EPERM)
			d->stats.name_reserved++;
	}
	return dhcpd_reply(x, DHCP_ACK, ip, true, NULL);
}

/* RFC 2131 §4.3.1. */
static int dhcpd_discover(struct dhcpd_ctx *x)
{
	struct dhcpd *d = x->d;
	const struct dhcp_msg *m = x->m;
	struct dhcpd_lease *l = dhcpd_pool_find_key(d, &x->key);
	uint32_t ip = 0, want = m->requested_ip;

	d->stats.discover++;
	if (dhcpd_port_full(x, l)) {
		d->stats.drop_port_limit++;
		return 0;
	}
	if (x->host != NULL) {
		if (!dhcpd_mine(x, x->host->ip)) {
			d->stats.drop_reserved_held++;
			return 0;
		}
		ip = x->host->ip;
	} else if (l != NULL && dhcpd_mine(x, l->ip)) {
		ip = l->ip; /* current binding, or the previous one */
	} else if (m->has_requested && dhcpd_pool_usable(&d->cfg, want, x->mac) &&
		   dhcpd_pool_free_for(d, want, &x->key, x->now)) {
		ip = want;
	} else {
		ip = dhcpd_pool_pick(d, x->now);
	}
	if (ip == 0 || (l = dhcpd_pool_claim(d, ip, &x->key, x->mac)) == NULL) {
		d->stats.drop_pool_empty++;
		return 0;
	}
	/* A bound client keeps its lease; any other offer is held a while. */
	if (dhcpd_pool_state(l, x->now) != DHCPD_BOUND)
		dhcpd_pool_hold(d, l, DHCPD_OFFERED, x->now + DHCPD_OFFER_HOLD, x->port);
	else
		dhcpd_pool_hold(d, l, l->state, l->until, x->port);
	return dhcpd_reply(x, DHCP_OFFER, ip, true, NULL);
}

/* RFC 2131 §4.3.2, INIT-REBOOT (ciaddr == 0) or RENEWING and REBINDING
 * (ciaddr != 0): the client names the address it believes is its own. */
static int dhcpd_verify(struct dhcpd_ctx *x, uint32_t ip, bool init_reboot)
{
	struct dhcpd *d = x->d;
	struct dhcpd_stats *s = &d->stats;

	if (!dhcpd_pool_in_subnet(d, ip))
		return dhcpd_nak(x, &s->nak_wrong_subnet, "wrong network");
	if (dhcpd_mine(x, ip))
		return dhcpd_bind(x, ip, false);
	if (x->host != NULL || dhcpd_pool_find_key(d, &x->key) != NULL)
		return dhcpd_nak(x, &s->nak_wrong_addr, "not your address");
	if (ip == d->cfg.server || dhcpd_pool_host_by_ip(&d->cfg, ip) != NULL ||
	    !dhcpd_pool_free_for(d, ip, &x->key, x->now))
		return dhcpd_nak(x, &s->nak_taken, "address in use");
	if (init_reboot) {
		/* "If the DHCP server has no record of this client, then it MUST
		 * remain silent": another server may know it. */
		s->drop_unknown_client++;
		return 0;
	}
	if (!dhcpd_pool_usable(&d->cfg, ip, x->mac))
		return dhcpd_nak(x, &s->nak_not_pool, "address not leased here");
	/* A client whose lease we lost (we restarted): the address is free, so
	 * it is this client's again. */
	return dhcpd_bind(x, ip, true);
}

static int dhcpd_request(struct dhcpd_ctx *x)
{
	struct dhcpd *d = x->d;
	const struct dhcp_msg *m = x->m;
	struct dhcpd_lease *l;
	uint32_t want;

	d->stats.request++;
	if (!m->has_server_id) {
		if (m->ciaddr != 0)
			return dhcpd_verify(x, m->ciaddr, false);
		if (m->has_requested)
			return dhcpd_verify(x, m->requested_ip, true);
		d->stats.drop_malformed++;
		return 0;
	}
	/* SELECTING: the client has chosen among the offers. */
	l = dhcpd_pool_find_key(d, &x->key);
	if (m->server_id != d->cfg.server) {
		if (l != NULL && dhcpd_pool_state(l, x->now) == DHCPD_OFFERED)
			dhcpd_pool_hold(d, l, DHCPD_EXPIRED, x->now, l->port);
		d->stats.selected_other++;
		return 0;
	}
	want = m->has_requested ? m->requested_ip : m->ciaddr;
	if (want == 0) {
		d->stats.drop_malformed++;
		return 0;
	}
	if (dhcpd_mine(x, want))
		return dhcpd_bind(x, want, false);
	return dhcpd_nak(x, &d->stats.nak_wrong_addr, "address not offered");
}

/* RFC 2131 §4.3.3. */
static int dhcpd_decline(struct dhcpd_ctx *x)
{
	struct dhcpd *d = x->d;
	struct dhcpd_lease *l = dhcpd_pool_find_key(d, &x->key);
	uint8_t st = l ? dhcpd_pool_state(l, x->now) : DHCPD_FREE;

	d->stats.decline++;
	if (x->m->has_server_id && x->m->server_id != d->cfg.server) {
		d->stats.drop_not_for_us++;
		return 0;
	}
	if (!x->m->has_requested) {
		d->stats.drop_malformed++;
		return 0;
	}
	if (l == NULL || l->ip != x->m->requested_ip ||
	    (st != DHCPD_OFFERED && st != DHCPD_BOUND)) {
		d->stats.drop_no_binding++;
		return 0;
	}
	dhcpd_pool_disown(d, l, x->now + DHCPD_DECLINE_HOLD);
	d->stats.declined++;
	return 0;
}

/* RFC 2131 §4.3.4. */
static int dhcpd_release(struct dhcpd_ctx *x)
{
	struct dhcpd *d = x->d;
	struct dhcpd_lease *l = dhcpd_pool_find_key(d, &x->key);

	d->stats.release++;
	if (x->m->has_server_id && x->m->server_id != d->cfg.server) {
		d->stats.drop_not_for_us++;
		return 0;
	}
	if (l == NULL || l->ip != x->m->ciaddr || dhcpd_pool_state(l, x->now) != DHCPD_BOUND) {
		d->stats.drop_no_binding++;
		return 0;
	}
	dhcpd_pool_hold(d, l, DHCPD_EXPIRED, x->now, l->port);
	d->stats.released++;
	return 0;
}

/* RFC 2131 §4.3.5. */
static int dhcpd_inform(struct dhcpd_ctx *x)
{
	x->d->stats.inform++;
	if (!dhcpd_pool_in_subnet(x->d, x->m->ciaddr)) {
		x->d->stats.drop_bad_ciaddr++;
		return 0;
	}
	return dhcpd_reply(x, DHCP_ACK, 0, false, NULL);
}

/* Counts a parse error by its kind. */
static void dhcpd_count_parse(struct dhcpd_stats *s, int err)
{
	if (err == -EMSGSIZE)
		s->drop_short++;
	else if (err == -EPROTO)
		s->drop_cookie++;
	else
		s->drop_malformed++;
}

/* True if the client's live lease (offered or bound) was taken on another
 * port than the one (x) came from. An unpinned lease (dhcpd_forget_port())
 * is on no port: its owner's next offer or ACK pins it where it speaks. */
static bool dhcpd_other_port(struct dhcpd_ctx *x)
{
	const struct dhcpd_lease *l = dhcpd_pool_find_key(x->d, &x->key);
	uint8_t st = l ? dhcpd_pool_state(l, x->now) : DHCPD_FREE;

	return x->port != DHCPD_PORT_ANY && l != NULL && l->port != DHCPD_PORT_ANY &&
	       l->port != x->port && (st == DHCPD_OFFERED || st == DHCPD_BOUND);
}

int dhcpd_input(struct dhcpd *d, const uint8_t *msg, size_t len, uint32_t now, uint8_t *reply,
		size_t reply_cap, struct dhcpd_dest *dest)
{
	return dhcpd_input_from(d, msg, len, NULL, now, reply, reply_cap, dest);
}

int dhcpd_input_from(struct dhcpd *d, const uint8_t *msg, size_t len, const struct dhcpd_src *src,
		     uint32_t now, uint8_t *reply, size_t reply_cap, struct dhcpd_dest *dest)
{
	struct dhcp_msg m;
	struct dhcpd_ctx x = {d,   &m,	  {0},	     NULL, NULL, src ? src->port : DHCPD_PORT_ANY,
			      now, reply, reply_cap, dest};
	bool ether;
	int err;

	d->stats.in++;
	if (!d->configured) {
		d->stats.drop_off++;
		return 0;
	}
	/* Holds that ended since the last message stop counting for their
	 * ports: a little each second, not a scan when counted. */
	dhcpd_index_expire(d, now);
	err = dhcp_msg_parse(msg, len, &m);
	if (err != 0) {
		dhcpd_count_parse(&d->stats, err);
		return 0;
	}
	if (m.op != DHCP_BOOTREQUEST) {
		d->stats.drop_op++;
		return 0;
	}
	if (m.type == 0) {
		d->stats.drop_bootp++;
		return 0;
	}
	if (m.giaddr != 0 && !dhcpd_pool_in_subnet(d, m.giaddr)) {
		d->stats.drop_relay++;
		return 0;
	}
	ether = m.htype == DHCP_HTYPE_ETHER;
	if (ether && m.hlen == 6 && dhcpd_mac_unicast(m.chaddr))
		x.mac = m.chaddr;
	dhcpd_pool_key(&m, &x.key);
	if (x.key.kind == DHCPD_KEY_NONE || (ether && x.mac == NULL)) {
		d->stats.drop_bad_client++;
		return 0;
	}
	/* The frame's sender speaks for itself only (a relay for others). */
	if (src != NULL && m.giaddr == 0 && (x.mac == NULL || memcmp(x.mac, src->mac, 6) != 0)) {
		d->stats.drop_chaddr++;
		return 0;
	}
	if (m.type != DHCP_INFORM && dhcpd_other_port(&x)) {
		d->stats.drop_other_port++;
		return 0;
	}
	if (x.mac != NULL)
		x.host = dhcpd_pool_host_by_mac(&d->cfg, x.mac);
	switch (m.type) {
	case DHCP_DISCOVER:
		return dhcpd_discover(&x);
	case DHCP_REQUEST:
		return dhcpd_request(&x);
	case DHCP_DECLINE:
		return dhcpd_decline(&x);
	case DHCP_RELEASE:
		return dhcpd_release(&x);
	case DHCP_INFORM:
		return dhcpd_inform(&x);
	default:
		d->stats.drop_type++;
		return 0;
	}
}

int dhcpd_show_counters(const struct dhcpd *d, struct cli_out *out)
{
	const struct dhcpd_stats *s = &d->stats;
#define N(f) ((unsigned long long)s->f)
	cli_printf(out,
		   "  dhcp: in %llu; discover %llu, request %llu, decline %llu, release %llu, "
		   "inform %llu\n",
		   N(in), N(discover), N(request), N(decline), N(release), N(inform));
	cli_printf(out,
		   "    sent: offer %llu, ack %llu, nak %llu; released %llu, declined %llu, "
		   "selected other server %llu, recovered %llu\n",
		   N(offer), N(ack), N(nak), N(released), N(declined), N(selected_other),
		   N(recovered));
	cli_printf(out,
		   "    nak: wrong subnet %llu, taken %llu, wrong address %llu, not pool %llu\n",
		   N(nak_wrong_subnet), N(nak_taken), N(nak_wrong_addr), N(nak_not_pool));
	cli_printf(out,
		   "    drops: off %llu, short %llu, no cookie %llu, malformed %llu, op %llu, "
		   "bootp %llu, type %llu, bad client %llu, relay %llu\n",
		   N(drop_off), N(drop_short), N(drop_cookie), N(drop_malformed), N(drop_op),
		   N(drop_bootp), N(drop_type), N(drop_bad_client), N(drop_relay));
	cli_printf(out,
		   "    drops: other server %llu, pool empty %llu, reserved held %llu, "
		   "unknown client %llu, no binding %llu, bad ciaddr %llu, no room %llu\n",
		   N(drop_not_for_us), N(drop_pool_empty), N(drop_reserved_held),
		   N(drop_unknown_client), N(drop_no_binding), N(drop_bad_ciaddr), N(drop_no_room));
	cli_printf(out,
		   "    drops: chaddr not the sender %llu, lease held on another port %llu, "
		   "port lease limit %llu\n",
		   N(drop_chaddr), N(drop_other_port), N(drop_port_limit));
	cli_printf(out, "    names: invalid %llu, conflict %llu, reserved %llu\n", N(name_invalid),
		   N(name_conflict), N(name_reserved));
#undef N
	return 0;
}
