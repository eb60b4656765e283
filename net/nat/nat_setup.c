/*
 * Setting up a translator: the settings and their bounds (the RFC floors
 * on timeouts: RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-2, RFC 7857
 * §2.1; the ceilings of the quotas), carving the caller's memory into
 * records, indexes, port bitmaps and the fragment table, and the setters
 * the configuration uses.
 */
#include <errno.h>
#include <string.h>

#include "net/nat/nat_impl.h"
#include "net/splitmix.h"

static const uint32_t nat_tmo_default[NAT_TMO_MAX] = {300, 60, 7440, 240, 240};
static const uint32_t nat_tmo_min[NAT_TMO_MAX] = {120, 60, 7440, 240, 6};
static const char *const nat_tmo_name[NAT_TMO_MAX] = {"udp", "icmp", "tcp", "tcp-transitory",
						      "tcp-opening"};

static const uint32_t nat_q_default[NAT_Q_MAX] = {
	NAT_HOST_SESSIONS_DEFAULT, NAT_FORWARD_RATE_DEFAULT,  NAT_FRAG_PER_MAP_DEFAULT,
	NAT_ICMP_ERR_RATE_DEFAULT, NAT_HALFOPEN_SCAN_DEFAULT,
};
/* forward-rate: a forward counts its new sessions of a second in 16 bits;
 * icmp-errors: a budget of (rate) * 1000 fits 32; half-open-scan: 64 KiB
 * of session slots read for one packet at most. */
static const uint32_t nat_q_max[NAT_Q_MAX] = {NAT_CAPACITY_MAX, 65535, NAT_FRAG_SLOTS, 100000,
					      4096};
static const char *const nat_q_name[NAT_Q_MAX] = {"host-sessions", "forward-rate", "fragments",
						  "icmp-errors", "half-open-scan"};

/* Returns quota (q), a valid one, of (c). */
static uint32_t nat_quota_of(const struct nat_config *c, enum nat_quota q)
{
	switch (q) {
	case NAT_Q_HOST_SESSIONS:
		return c->host_sessions;
	case NAT_Q_FORWARD_RATE:
		return c->forward_rate;
	case NAT_Q_FRAG_PER_MAP:
		return c->frag_per_map;
	case NAT_Q_ICMP_ERR_RATE:
		return c->icmp_err_rate;
	default:
		return c->halfopen_scan;
	}
}

/* Sets quota (q), a valid one, of (c) to (v). */
static void nat_quota_put(struct nat_config *c, enum nat_quota q, uint32_t v)
{
	switch (q) {
	case NAT_Q_HOST_SESSIONS:
		c->host_sessions = v;
		break;
	case NAT_Q_FORWARD_RATE:
		c->forward_rate = v;
		break;
	case NAT_Q_FRAG_PER_MAP:
		c->frag_per_map = v;
		break;
	case NAT_Q_ICMP_ERR_RATE:
		c->icmp_err_rate = v;
		break;
	default:
		c->halfopen_scan = v;
		break;
	}
}

static size_t nat_align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

/* Index slots for (capacity) records: a power of two at least twice it. */
static uint32_t nat_nslots(uint32_t capacity)
{
	uint32_t s = 2;

	while (s < 2 * capacity)
		s <<= 1;
	return s;
}

/* Checks (c): every setting in range. */
static int nat_config_check(const struct nat_config *c)
{
	int i;

	if (c->uplink_mtu < NAT_MTU_MIN || c->inside_mtu < NAT_MTU_MIN || c->port_min == 0 ||
	    c->port_min > c->port_max)
		return -EINVAL;
	for (i = 0; i < NAT_TMO_MAX; i++)
		if (c->timeout[i] < nat_tmo_min[i] || c->timeout[i] > NAT_TIMEOUT_MAX)
			return -EINVAL;
	for (i = 0; i < NAT_Q_MAX; i++)
		if (nat_quota_of(c, (enum nat_quota)i) > nat_q_max[i])
			return -EINVAL;
	return 0;
}

void nat_config_default(struct nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->uplink_mtu = NAT_MTU_DEFAULT;
	c->inside_mtu = NAT_MTU_DEFAULT;
	c->port_min = NAT_PORT_MIN_DEFAULT;
	c->port_max = NAT_PORT_MAX_DEFAULT;
	memcpy(c->timeout, nat_tmo_default, sizeof(c->timeout));
	for (int i = 0; i < NAT_Q_MAX; i++)
		nat_quota_put(c, (enum nat_quota)i, nat_q_default[i]);
}

size_t nat_mem_size(uint32_t capacity)
{
	if (capacity == 0 || capacity > NAT_CAPACITY_MAX)
		return 0;
	return nat_align8((size_t)capacity * sizeof(struct nat_map)) +
	       (size_t)nat_nslots(capacity) * sizeof(struct nat_sess) +
	       2 * nat_align8((size_t)nat_nslots(capacity) * sizeof(uint32_t)) +
	       (size_t)NAT_P_N * NAT_PORT_WORDS * sizeof(uint64_t) +
	       nat_align8((size_t)NAT_FRAG_SLOTS * sizeof(struct nat_frag));
}

uint32_t nat_capacity_for_heap(uint64_t heap)
{
	uint32_t c = NAT_CAPACITY_DEFAULT;

	while (c > NAT_CAPACITY_FLOOR && nat_mem_size(c) > heap / 8)
		c /= 2;
	return c;
}

/* As nat_reset(); (zeroed): the tables are all zero already. */
static void nat_reset_tables(struct nat *n, bool zeroed)
{
	uint32_t nslots = n->mask + 1, i;

	if (!zeroed) {
		memset(n->map, 0, (size_t)n->capacity * sizeof(*n->map));
		memset(n->sess, 0, (size_t)nslots * sizeof(*n->sess));
		memset(n->ix_in, 0, (size_t)nslots * sizeof(uint32_t));
		memset(n->ix_out, 0, (size_t)nslots * sizeof(uint32_t));
		memset(n->ports, 0, (size_t)NAT_P_N * NAT_PORT_WORDS * sizeof(uint64_t));
	}
	for (i = 0; i < n->capacity; i++)
		n->map[i].nsess = i + 1 < n->capacity ? i + 1 : NAT_NONE;
	n->map_free = 0;
	n->nmaps = n->nsess = n->nforwards = n->cursor = n->evict_cursor = 0;
	memset(n->host_sess, 0, sizeof(n->host_sess));
	nat_frag_clear(n);
}

/* Rebuilds the free lists too: every record free, in order. */
void nat_reset(struct nat *n)
{
	nat_reset_tables(n, false);
}

static int nat_init_mem(struct nat *n, void *mem, size_t size, uint32_t capacity,
			const struct nat_config *cfg, uint64_t seed, uint32_t (*rand)(void *ctx),
			void *rand_ctx, bool zeroed)
{
	size_t need = nat_mem_size(capacity);
	uint32_t nslots, bits = 0;
	uint8_t *p = mem;
	int i;

	if (need == 0 || size < need || mem == NULL || ((uintptr_t)mem & 7) != 0 || rand == NULL ||
	    nat_config_check(cfg) != 0)
		return -EINVAL;
	nslots = nat_nslots(capacity);
	while ((1u << bits) < nslots)
		bits++;
	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	n->capacity = capacity;
	n->mask = nslots - 1;
	n->shift = 64 - bits;
	n->probe = nslots < NAT_PROBE_MAX ? nslots : NAT_PROBE_MAX;
	n->map = (struct nat_map *)(void *)p;
	p += nat_align8((size_t)capacity * sizeof(struct nat_map));
	n->sess = (struct nat_sess *)(void *)p;
	p += (size_t)nslots * sizeof(struct nat_sess);
	n->ix_in = (uint32_t *)(void *)p;
	p += nat_align8((size_t)nslots * sizeof(uint32_t));
	n->ix_out = (uint32_t *)(void *)p;
	p += nat_align8((size_t)nslots * sizeof(uint32_t));
	n->ports = (uint64_t *)(void *)p;
	p += (size_t)NAT_P_N * NAT_PORT_WORDS * sizeof(uint64_t);
	n->frag = (struct nat_frag *)(void *)p;
	for (i = 0; i < 4; i++)
		n->key[i] = splitmix_next(&seed) | (i & 1);
	n->rand = rand;
	n->rand_ctx = rand_ctx;
	nat_reset_tables(n, zeroed);
	return 0;
}

int nat_init(struct nat *n, void *mem, size_t size, uint32_t capacity, const struct nat_config *cfg,
	     uint64_t seed, uint32_t (*rand)(void *ctx), void *rand_ctx)
{
	return nat_init_mem(n, mem, size, capacity, cfg, seed, rand, rand_ctx, false);
}

int nat_init_zeroed(struct nat *n, void *mem, size_t size, uint32_t capacity,
		    const struct nat_config *cfg, uint64_t seed, uint32_t (*rand)(void *ctx),
		    void *rand_ctx)
{
	return nat_init_mem(n, mem, size, capacity, cfg, seed, rand, rand_ctx, true);
}

int nat_set_uplink(struct nat *n, uint32_t ip, uint16_t mtu)
{
	if (mtu < NAT_MTU_MIN)
		return -EINVAL;
	n->cfg.uplink_mtu = mtu;
	if (ip != n->cfg.uplink_ip) {
		n->cfg.uplink_ip = ip;
		nat_clear(n);
	}
	return 0;
}

int nat_set_inside_mtu(struct nat *n, uint16_t mtu)
{
	if (mtu < NAT_MTU_MIN)
		return -EINVAL;
	n->cfg.inside_mtu = mtu;
	return 0;
}

int nat_set_timeout(struct nat *n, enum nat_timeout which, uint32_t seconds)
{
	if ((unsigned)which >= NAT_TMO_MAX || seconds < nat_tmo_min[which] ||
	    seconds > NAT_TIMEOUT_MAX)
		return -EINVAL;
	n->cfg.timeout[which] = seconds;
	return 0;
}

const char *nat_timeout_name(enum nat_timeout which)
{
	return (unsigned)which < NAT_TMO_MAX ? nat_tmo_name[which] : NULL;
}

uint32_t nat_timeout_min(enum nat_timeout which)
{
	return (unsigned)which < NAT_TMO_MAX ? nat_tmo_min[which] : 0;
}

int nat_set_quota(struct nat *n, enum nat_quota which, uint32_t value)
{
	if ((unsigned)which >= NAT_Q_MAX || value > nat_q_max[which])
		return -EINVAL;
	nat_quota_put(&n->cfg, which, value);
	return 0;
}

uint32_t nat_quota_get(const struct nat *n, enum nat_quota which)
{
	return (unsigned)which < NAT_Q_MAX ? nat_quota_of(&n->cfg, which) : 0;
}

const char *nat_quota_name(enum nat_quota which)
{
	return (unsigned)which < NAT_Q_MAX ? nat_q_name[which] : NULL;
}

uint32_t nat_quota_default(enum nat_quota which)
{
	return (unsigned)which < NAT_Q_MAX ? nat_q_default[which] : 0;
}

uint32_t nat_quota_max(enum nat_quota which)
{
	return (unsigned)which < NAT_Q_MAX ? nat_q_max[which] : 0;
}

void nat_clear_counters(struct nat *n)
{
	uint32_t probe_max = n->stats.probe_max;

	memset(&n->stats, 0, sizeof(n->stats));
	n->stats.probe_max = probe_max;
}
