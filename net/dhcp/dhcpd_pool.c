/*
 * The lease table of a DHCP server: finding, choosing and claiming
 * addresses, refitting the table to a new configuration, counting and
 * unpinning a switch port's records, client names, and the read-only side
 * the console and the DNS forwarder use (listing, `show leases`, name and
 * address lookups, the invariant check). The table holds at most one
 * record per address, at the address's place, and one per client; a
 * record whose client is gone stays, EXPIRED, so that the client gets its
 * address back (RFC 2131 §4.3.1, second choice; §4.3.4), until a new
 * client needs it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addr.h"
#include "net/dhcp/dhcpd_index.h"
#include "net/dhcp/dhcpd_pool.h"

uint8_t dhcpd_pool_state(const struct dhcpd_lease *l, uint32_t now)
{
	if (l->ip == 0)
		return DHCPD_FREE;
	switch (l->state) {
	case DHCPD_OFFERED:
	case DHCPD_BOUND:
		return dhcpd_before(now, l->until) ? l->state : DHCPD_EXPIRED;
	case DHCPD_DECLINED:
		return dhcpd_before(now, l->until) ? DHCPD_DECLINED : DHCPD_FREE;
	default:
		return l->state;
	}
}

bool dhcpd_pool_in_subnet(const struct dhcpd *d, uint32_t ip)
{
	uint32_t net = d->cfg.server & d->mask;

	return (ip & d->mask) == net && ip != net && ip != (net | ~d->mask);
}

const struct dhcpd_host *dhcpd_pool_host_by_mac(const struct dhcpd_config *c, const uint8_t mac[6])
{
	for (uint32_t i = 0; i < c->nhosts; i++)
		if (memcmp(c->host[i].mac, mac, 6) == 0)
			return &c->host[i];
	return NULL;
}

const struct dhcpd_host *dhcpd_pool_host_by_ip(const struct dhcpd_config *c, uint32_t ip)
{
	for (uint32_t i = 0; i < c->nhosts; i++)
		if (c->host[i].ip == ip)
			return &c->host[i];
	return NULL;
}

bool dhcpd_pool_usable(const struct dhcpd_config *c, uint32_t ip, const uint8_t *mac)
{
	const struct dhcpd_host *h = mac ? dhcpd_pool_host_by_mac(c, mac) : NULL;

	if (h != NULL)
		return ip == h->ip;
	if (ip < c->range_start || ip > c->range_end)
		return false;
	return dhcpd_pool_host_by_ip(c, ip) == NULL;
}

void dhcpd_pool_key(const struct dhcp_msg *m, struct dhcpd_key *k)
{
	memset(k, 0, sizeof(*k));
	if (m->client_id_len > 0) {
		size_t kept = m->client_id_len < DHCPD_KEY_MAX ? m->client_id_len : DHCPD_KEY_MAX;
		uint32_t h = 2166136261u; /* FNV-1a */

		k->kind = DHCPD_KEY_CLIENTID;
		k->len = (uint8_t)m->client_id_len;
		memcpy(k->id, m->client_id, kept);
		for (size_t i = kept; i < m->client_id_len; i++)
			h = (h ^ m->client_id[i]) * 16777619u;
		k->tail = kept < m->client_id_len ? h : 0;
		return;
	}
	for (uint8_t i = 0; i < m->hlen; i++)
		if (m->chaddr[i] != 0) {
			k->kind = DHCPD_KEY_HWADDR;
			k->len = (uint8_t)(1 + m->hlen);
			k->id[0] = m->htype;
			memcpy(k->id + 1, m->chaddr, m->hlen);
			return;
		}
}

bool dhcpd_pool_key_equal(const struct dhcpd_key *a, const struct dhcpd_key *b)
{
	size_t n = a->len < DHCPD_KEY_MAX ? a->len : DHCPD_KEY_MAX;

	return a->kind == b->kind && a->len == b->len && a->tail == b->tail &&
	       memcmp(a->id, b->id, n) == 0;
}

/* True if (ip) may hold a record nobody owns (a declined address) under (c):
 * a range address or a reserved one. */
static bool dhcpd_pool_setaside_ok(const struct dhcpd_config *c, uint32_t ip)
{
	return (ip >= c->range_start && ip <= c->range_end) || dhcpd_pool_host_by_ip(c, ip);
}

struct dhcpd_lease *dhcpd_pool_find_ip(const struct dhcpd *d, uint32_t ip)
{
	uint32_t s = dhcpd_index_slot(d, ip);

	return s != DHCPD_NIL && d->lease[s].ip == ip ? &d->lease[s] : NULL;
}

struct dhcpd_lease *dhcpd_pool_find_key(const struct dhcpd *d, const struct dhcpd_key *k)
{
	return k->kind != DHCPD_KEY_NONE ? dhcpd_index_key(d, k) : NULL;
}

bool dhcpd_pool_free_for(const struct dhcpd *d, uint32_t ip, const struct dhcpd_key *k,
			 uint32_t now)
{
	const struct dhcpd_lease *l = dhcpd_pool_find_ip(d, ip);
	uint8_t st;

	if (l == NULL)
		return true;
	st = dhcpd_pool_state(l, now);
	if (st == DHCPD_FREE || st == DHCPD_EXPIRED)
		return true;
	return st != DHCPD_DECLINED && dhcpd_pool_key_equal(&l->key, k);
}

/* The expired range address to give when none was ever used: RFC 2131
 * §4.3.1 asks for the one the fewest clients may come back for, so those
 * nobody owns (declined, set aside no longer) first, then the one expired
 * longest ago. Visits every range record: only an exhausted pool comes
 * here. */
static uint32_t dhcpd_pool_pick_expired(const struct dhcpd *d, uint32_t now)
{
	const struct dhcpd_config *c = &d->cfg;
	const struct dhcpd_lease *best = NULL;
	bool best_owned = true;

	for (uint32_t s = 0; s <= c->range_end - c->range_start; s++) {
		const struct dhcpd_lease *l = &d->lease[s];
		uint8_t st = dhcpd_pool_state(l, now);
		bool owned = l->key.kind != DHCPD_KEY_NONE;

		if (l->ip == 0 || (st != DHCPD_FREE && st != DHCPD_EXPIRED))
			continue;
		/* The reservation lookup only for a record that would win. */
		if ((best == NULL || (best_owned && !owned) ||
		     (best_owned == owned && dhcpd_before(l->until, best->until))) &&
		    !dhcpd_pool_host_by_ip(c, l->ip)) {
			best = l;
			best_owned = owned;
		}
	}
	return best ? best->ip : 0;
}

uint32_t dhcpd_pool_pick(const struct dhcpd *d, uint32_t now)
{
	uint32_t s;

	if (!d->configured)
		return 0;
	s = dhcpd_index_unused(d);
	return s != DHCPD_NIL ? d->cfg.range_start + s : dhcpd_pool_pick_expired(d, now);
}

uint32_t dhcpd_pool_port_live(struct dhcpd *d, uint8_t port, uint32_t now)
{
	dhcpd_index_expire(d, now);
	return dhcpd_index_held(d, port);
}

void dhcpd_pool_drop(struct dhcpd *d, struct dhcpd_lease *l)
{
	dhcpd_index_del(d, l);
	memset(l, 0, sizeof(*l));
}

struct dhcpd_lease *dhcpd_pool_claim(struct dhcpd *d, uint32_t ip, const struct dhcpd_key *k,
				     const uint8_t *mac)
{
	struct dhcpd_lease *l = dhcpd_pool_find_key(d, k);
	uint32_t s = dhcpd_index_slot(d, ip);

	if (s == DHCPD_NIL)
		return NULL;
	if (l != NULL && l->ip != ip)
		dhcpd_pool_drop(d, l);
	l = &d->lease[s];
	dhcpd_index_del(d, l);
	if (l->ip == 0)
		l->ip = ip;
	if (!dhcpd_pool_key_equal(&l->key, k))
		l->name[0] = '\0';
	l->key = *k;
	if (mac != NULL)
		memcpy(l->mac, mac, 6);
	else
		memset(l->mac, 0, 6);
	dhcpd_index_add(d, l);
	return l;
}

void dhcpd_pool_hold(struct dhcpd *d, struct dhcpd_lease *l, uint8_t state, uint32_t until,
		     uint8_t port)
{
	dhcpd_index_uncount(d, l);
	l->state = state;
	l->until = until;
	l->port = port;
	dhcpd_index_count(d, l);
}

void dhcpd_pool_disown(struct dhcpd *d, struct dhcpd_lease *l, uint32_t until)
{
	dhcpd_index_del(d, l);
	memset(&l->key, 0, sizeof(l->key));
	memset(l->mac, 0, sizeof(l->mac));
	l->name[0] = '\0';
	l->state = DHCPD_DECLINED;
	l->until = until;
	dhcpd_index_add(d, l);
}

bool dhcpd_pool_name_eq(const char *a, size_t n, const char *b)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (y == '\0' || x != y)
			return false;
	}
	return b[n] == '\0';
}

static const struct dhcpd_host *dhcpd_host_by_name(const struct dhcpd_config *c, const char *name,
						   size_t n)
{
	for (uint32_t i = 0; i < c->nhosts; i++)
		if (dhcpd_pool_name_eq(name, n, c->host[i].name))
			return &c->host[i];
	return NULL;
}

/* True if record (l) may stay under (d)'s configuration: its address
 * still good for its client, or still one to set aside. */
static bool dhcpd_pool_keeps(const struct dhcpd *d, const struct dhcpd_lease *l)
{
	static const uint8_t zero[6];
	const uint8_t *mac = memcmp(l->mac, zero, 6) != 0 ? l->mac : NULL;
	bool keep;

	if (l->key.kind == DHCPD_KEY_NONE)
		keep = dhcpd_pool_setaside_ok(&d->cfg, l->ip);
	else
		keep = dhcpd_pool_usable(&d->cfg, l->ip, mac);
	return keep && dhcpd_pool_in_subnet(d, l->ip);
}

/* Puts each record of (d)'s table at its place under the configuration:
 * every swap puts one there for good, as no two share a place. */
static void dhcpd_pool_permute(struct dhcpd *d)
{
	for (uint32_t i = 0; i < d->capacity; i++)
		while (d->lease[i].ip != 0) {
			uint32_t t = dhcpd_index_slot(d, d->lease[i].ip);
			struct dhcpd_lease tmp;

			if (t == i)
				break;
			if (t == DHCPD_NIL) { /* dhcpd_pool_keeps() rules it out */
				memset(&d->lease[i], 0, sizeof(d->lease[i]));
				break;
			}
			tmp = d->lease[t];
			d->lease[t] = d->lease[i];
			d->lease[i] = tmp;
		}
}

uint32_t dhcpd_pool_refit(struct dhcpd *d, struct dhcpd_lease *from, uint32_t n)
{
	uint32_t dropped = 0;

	/* The indexes are rebuilt at the end: records change freely here. */
	for (uint32_t i = 0; i < n; i++) {
		struct dhcpd_lease *l = &from[i];

		if (l->ip == 0)
			continue;
		if (!dhcpd_pool_keeps(d, l)) {
			memset(l, 0, sizeof(*l));
			dropped++;
			continue;
		}
		if (dhcpd_host_by_name(&d->cfg, l->name, strlen(l->name)))
			l->name[0] = '\0';
		if (from != d->lease) {
			uint32_t t = dhcpd_index_slot(d, l->ip);

			if (t != DHCPD_NIL)
				d->lease[t] = *l;
		}
	}
	if (from == d->lease)
		dhcpd_pool_permute(d);
	dhcpd_index_rebuild(d);
	return dropped;
}

bool dhcpd_pool_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > DHCPD_NAME_MAX - 1 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Names no client may take: they would redirect others' traffic (WPAD
 * and ISATAP discovery, RFC 6761 §6.3 localhost). The appliance's own
 * hostname resolves before any client's (net/services.c). */
static bool dhcpd_pool_name_reserved(const char *name)
{
	static const char *const reserved[] = {"wpad", "isatap", "localhost", NULL};

	for (int i = 0; reserved[i] != NULL; i++)
		if (strcmp(name, reserved[i]) == 0)
			return true;
	return false;
}

int dhcpd_pool_set_name(struct dhcpd *d, struct dhcpd_lease *l, const uint8_t *raw, size_t len,
			uint32_t now)
{
	const struct dhcpd_host *h;
	struct dhcpd_lease *o;
	char name[DHCPD_NAME_MAX];
	size_t n = 0;

	dhcpd_index_name_del(d, l);
	l->name[0] = '\0';
	while (len > 0 && raw[len - 1] == '\0')
		len--;
	while (n < len && raw[n] != '.')
		n++;
	if (!dhcpd_pool_label_ok((const char *)raw, n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)(raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] - 'A' + 'a' : raw[i]);
	name[n] = '\0';
	if (dhcpd_pool_name_reserved(name))
		return -EPERM;
	h = dhcpd_host_by_name(&d->cfg, name, n);
	if (h != NULL && h->ip != l->ip)
		return -EEXIST;
	o = dhcpd_index_name(d, name, n);
	if (o != NULL && dhcpd_pool_state(o, now) == DHCPD_BOUND)
		return -EEXIST;
	/* A client whose lease ended gives its name up to the one bound now,
	 * or each could resolve for the other when it binds again. */
	if (o != NULL) {
		dhcpd_index_name_del(d, o);
		o->name[0] = '\0';
	}
	memcpy(l->name, name, n + 1);
	dhcpd_index_name_add(d, l);
	return 0;
}

uint32_t dhcpd_clear(struct dhcpd *d)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < d->capacity; i++)
		if (d->lease[i].ip != 0) {
			memset(&d->lease[i], 0, sizeof(d->lease[i]));
			n++;
		}
	dhcpd_index_rebuild(d);
	return n;
}

void dhcpd_forget_port(struct dhcpd *d, uint8_t port)
{
	/* Not per message (a port left or was blocked): a scan will do. */
	for (uint32_t i = 0; port != DHCPD_PORT_ANY && i < d->capacity; i++)
		if (d->lease[i].ip != 0 && d->lease[i].port == port)
			dhcpd_pool_hold(d, &d->lease[i], d->lease[i].state, d->lease[i].until,
					DHCPD_PORT_ANY);
}

int dhcpd_lease_next(const struct dhcpd *d, uint32_t *pos, uint32_t now,
		     struct dhcpd_lease_info *info)
{
	while (*pos < d->capacity) {
		const struct dhcpd_lease *l = &d->lease[(*pos)++];
		const struct dhcpd_host *h;
		uint8_t st = dhcpd_pool_state(l, now);

		if (st != DHCPD_OFFERED && st != DHCPD_BOUND && st != DHCPD_DECLINED)
			continue;
		memset(info, 0, sizeof(*info));
		h = dhcpd_pool_host_by_ip(&d->cfg, l->ip);
		info->ip = l->ip;
		memcpy(info->mac, l->mac, 6);
		info->state = st;
		info->remaining = l->until - now;
		info->reserved = h != NULL;
		info->name = h != NULL ? h->name : l->name;
		if (l->key.kind == DHCPD_KEY_CLIENTID) {
			info->clid = l->key.id;
			info->clid_len = l->key.len < DHCPD_KEY_MAX ? l->key.len : DHCPD_KEY_MAX;
			info->clid_fulllen = l->key.len;
		}
		return 0;
	}
	return -ENOENT;
}

int dhcpd_show_leases(const struct dhcpd *d, uint32_t now, struct cli_out *out)
{
	static const char *const states[] = {"free", "offered", "bound", "expired", "declined"};
	struct dhcpd_lease_info e;
	char ip[ADDR_IPV4_STRLEN], mac[ADDR_MAC_STRLEN], a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
	char clid[3 * DHCPD_KEY_MAX + 4];
	uint32_t pos = 0, shown = 0, used = 0;

	cli_printf(out, "%-15s  %-17s  %-8s  %9s  %-16s  %s\n", "IP address", "MAC address",
		   "State", "Expires", "Name", "Client ID");
	while (dhcpd_lease_next(d, &pos, now, &e) == 0) {
		size_t n = 0;

		clid[0] = '\0';
		for (uint8_t i = 0; i < e.clid_len; i++)
			n += (size_t)snprintf(clid + n, sizeof(clid) - n, i ? ":%02x" : "%02x",
					      e.clid[i]);
		if (e.clid_fulllen > e.clid_len)
			snprintf(clid + n, sizeof(clid) - n, "...");
		cli_printf(out, "%-15s  %-17s  %-8s  %8us  %-16s  %s\n", addr_fmt_ipv4(e.ip, ip),
			   addr_fmt_mac(e.mac, mac), states[e.state], (unsigned)e.remaining,
			   e.name[0] ? e.name : "-", clid[0] ? clid : "-");
		shown++;
	}
	for (uint32_t i = 0; i < d->capacity; i++)
		used += d->lease[i].ip != 0;
	cli_printf(out, "%u shown; %u of %u records in use; range %s - %s, %u reservations\n",
		   (unsigned)shown, (unsigned)used, (unsigned)d->capacity,
		   addr_fmt_ipv4(d->cfg.range_start, a), addr_fmt_ipv4(d->cfg.range_end, b),
		   (unsigned)d->cfg.nhosts);
	return 0;
}

int dhcpd_lookup_name(const struct dhcpd *d, const char *name, uint32_t now, uint32_t *ip)
{
	const char *dom = d->cfg.domain;
	size_t n = strlen(name), dn = strlen(dom);
	const struct dhcpd_host *h;
	const struct dhcpd_lease *l;

	if (!d->configured)
		return -ENOENT;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (dn > 0 && n > dn + 1 && name[n - dn - 1] == '.' &&
	    dhcpd_pool_name_eq(name + n - dn, dn, dom))
		n -= dn + 1;
	if (!dhcpd_pool_label_ok(name, n))
		return -ENOENT;
	h = dhcpd_host_by_name(&d->cfg, name, n);
	if (h != NULL) {
		*ip = h->ip;
		return 0;
	}
	l = dhcpd_index_name(d, name, n);
	if (l == NULL || dhcpd_pool_state(l, now) != DHCPD_BOUND)
		return -ENOENT;
	*ip = l->ip;
	return 0;
}

int dhcpd_lookup_addr(const struct dhcpd *d, uint32_t ip, uint32_t now, char *name, size_t size)
{
	const struct dhcpd_host *h = dhcpd_pool_host_by_ip(&d->cfg, ip);
	const struct dhcpd_lease *l = dhcpd_pool_find_ip(d, ip);
	const char *s = NULL;

	if (!d->configured)
		return -ENOENT;
	if (h != NULL)
		s = h->name;
	else if (l != NULL && dhcpd_pool_state(l, now) == DHCPD_BOUND && l->name[0] != '\0')
		s = l->name;
	if (s == NULL)
		return -ENOENT;
	if (strlen(s) >= size)
		return -ENOSPC;
	memcpy(name, s, strlen(s) + 1);
	return 0;
}

/* The rules one record keeps on its own. */
static bool dhcpd_record_ok(const struct dhcpd *d, const struct dhcpd_lease *l, uint32_t now)
{
	static const uint8_t zero[6];
	const uint8_t *mac = memcmp(l->mac, zero, 6) != 0 ? l->mac : NULL;
	bool owned = l->key.kind != DHCPD_KEY_NONE;

	if (l->state > DHCPD_DECLINED || !dhcpd_pool_in_subnet(d, l->ip))
		return false;
	if (owned ? !dhcpd_pool_usable(&d->cfg, l->ip, mac)
		  : !dhcpd_pool_setaside_ok(&d->cfg, l->ip))
		return false;
	if (owned == (l->state == DHCPD_DECLINED) || l->state == DHCPD_FREE)
		return false;
	if ((l->state == DHCPD_OFFERED || l->state == DHCPD_BOUND) &&
	    l->until - now > DHCPD_LEASE_MAX && dhcpd_before(now, l->until))
		return false;
	if (memchr(l->name, '\0', sizeof(l->name)) == NULL)
		return false;
	return l->name[0] == '\0' || dhcpd_pool_label_ok(l->name, strlen(l->name));
}

int dhcpd_check(const struct dhcpd *d, uint32_t now)
{
	for (uint32_t i = 0; i < d->capacity; i++)
		if (d->lease[i].ip != 0 && !dhcpd_record_ok(d, &d->lease[i], now))
			return -EFAULT;
	/* Each record at its address's place, and found by its own key and
	 * name: no address, client or name twice. */
	return dhcpd_index_check(d);
}
