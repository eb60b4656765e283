/*
 * The learning switch: port membership as bit masks, the per-frame
 * forwarding decision, and the "show mac" and counter printers. Ports are
 * bits of a sw_mask_t so that a flood set is one AND; the binding walks the
 * bits of the result and transmits.
 */
#include <errno.h>
#include <string.h>

#include "net/switch/switch.h"

static bool sw_is_port(const struct sw *s, int port)
{
	return port >= 0 && port < SW_PORTS_MAX && (s->members & SW_BIT(port));
}

int sw_init(struct sw *s, struct fdb_entry *slots, uint32_t nslots, uint32_t capacity,
	    uint32_t aging_s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->cpu_port = -1;
	s->storm_pps = SW_STORM_DEFAULT;
	return fdb_init(&s->fdb, slots, nslots, capacity, aging_s, seed);
}

void sw_set_storm(struct sw *s, uint32_t pps)
{
	s->storm_pps = pps;
}

/* May (in_port) flood one more frame? A token bucket of (storm_pps) a
 * second holding a second's worth: refilled by whole tokens earned since
 * the last refill (the fraction carried over), full after a quiet second. */
static bool sw_storm_ok(struct sw *s, int in_port, uint32_t now_ms)
{
	struct sw_port *p = &s->port[in_port];
	uint32_t elapsed = now_ms - p->storm_ms, add;

	if (s->storm_pps == 0 || in_port == s->cpu_port)
		return true;
	if (!p->storm_used || elapsed >= 1000) {
		p->storm_tokens = s->storm_pps;
		p->storm_ms = now_ms;
		p->storm_used = true;
	} else {
		add = (uint32_t)((uint64_t)elapsed * s->storm_pps / 1000);
		if (add > 0) {
			p->storm_tokens = p->storm_tokens + add < s->storm_pps
						  ? p->storm_tokens + add
						  : s->storm_pps;
			p->storm_ms += (uint32_t)((uint64_t)add * 1000 / s->storm_pps);
		}
	}
	if (p->storm_tokens == 0)
		return false;
	p->storm_tokens--;
	return true;
}

int sw_port_add(struct sw *s, int port, const char *name, void *user)
{
	if (port < 0 || port >= SW_PORTS_MAX)
		return -EINVAL;
	if (s->members & SW_BIT(port))
		return -EEXIST;
	s->port[port].name = name;
	s->port[port].user = user;
	s->port[port].up = true;
	s->port[port].storm_used = false; /* full at its first flood */
	s->members |= SW_BIT(port);
	s->tx_mask |= SW_BIT(port);
	return 0;
}

int sw_port_add_cpu(struct sw *s, int port, const char *name, void *user, const uint8_t mac[6])
{
	int err;

	if (s->cpu_port >= 0 || !fdb_mac_unicast(mac))
		return -EINVAL;
	err = sw_port_add(s, port, name, user);
	if (err != 0)
		return err;
	err = fdb_add_static(&s->fdb, mac, port);
	if (err != 0) {
		sw_port_del(s, port);
		return err;
	}
	s->cpu_port = port;
	return 0;
}

int sw_pin_mac(struct sw *s, const uint8_t mac[6], int port)
{
	if (!sw_is_port(s, port))
		return -ENOENT;
	return fdb_add_static(&s->fdb, mac, port);
}

int sw_port_del(struct sw *s, int port)
{
	if (!sw_is_port(s, port))
		return -ENOENT;
	fdb_flush_port(&s->fdb, port, true);
	memset(&s->port[port], 0, sizeof(s->port[port]));
	s->members &= ~SW_BIT(port);
	s->tx_mask &= ~SW_BIT(port);
	if (s->cpu_port == port)
		s->cpu_port = -1;
	return 0;
}

int sw_port_set_up(struct sw *s, int port, bool up)
{
	if (!sw_is_port(s, port))
		return -ENOENT;
	if (!up && s->port[port].up)
		fdb_flush_port(&s->fdb, port, false);
	s->port[port].up = up;
	if (up)
		s->tx_mask |= SW_BIT(port);
	else
		s->tx_mask &= ~SW_BIT(port);
	return 0;
}

void *sw_port_user(const struct sw *s, int port)
{
	return sw_is_port(s, port) ? s->port[port].user : NULL;
}

/* IEEE 802.1D-2004 §7.12.6: 01-80-C2-00-00-00 to -0F are never relayed. */
static bool sw_link_local(const uint8_t *dst)
{
	return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && dst[3] == 0 && dst[4] == 0 &&
	       (dst[5] & 0xf0) == 0;
}

static bool sw_broadcast(const uint8_t *dst)
{
	return (dst[0] & dst[1] & dst[2] & dst[3] & dst[4] & dst[5]) == 0xff;
}

/* The egress set of a frame to group address (dst), counted. */
static sw_mask_t sw_flood_group(struct sw *s, int in_port, const uint8_t *dst, sw_mask_t flood,
				uint32_t now_ms)
{
	if (sw_link_local(dst)) {
		s->stats.drop_link_local++;
		return 0;
	}
	/* Over its rate, a port's floods reach only the gateway, whose
	 * services have limits of their own, not the other guests. */
	if (flood != 0 && !sw_storm_ok(s, in_port, now_ms)) {
		s->stats.storm_limited++;
		flood &= s->cpu_port >= 0 ? SW_BIT(s->cpu_port) : 0;
		if (flood == 0) {
			s->stats.drop_storm++;
			return 0;
		}
	}
	if (flood == 0)
		s->stats.drop_no_egress++;
	else if (sw_broadcast(dst))
		s->stats.flood_bcast++;
	else
		s->stats.flood_mcast++;
	return flood;
}

/* The egress set of a frame to unicast address (dst), counted. */
static sw_mask_t sw_forward_unicast(struct sw *s, int in_port, const uint8_t *dst, sw_mask_t flood,
				    uint32_t now_ms)
{
	int p = fdb_lookup(&s->fdb, dst, now_ms);

	if (p < 0) {
		if (s->cpu_port >= 0)
			flood &= ~SW_BIT(s->cpu_port);
		if (flood == 0) {
			s->stats.drop_no_egress++;
			return 0;
		}
		if (!sw_storm_ok(s, in_port, now_ms)) {
			s->stats.storm_limited++;
			s->stats.drop_storm++;
			return 0;
		}
		s->stats.flood_unknown++;
		return flood;
	}
	if (p == in_port) {
		s->stats.drop_same_port++;
		return 0;
	}
	if (p >= SW_PORTS_MAX || !(s->tx_mask & SW_BIT(p))) {
		s->stats.drop_port_down++;
		return 0;
	}
	s->stats.unicast++;
	return SW_BIT(p);
}

int sw_input(struct sw *s, int in_port, const uint8_t *frame, size_t len, uint32_t now_ms,
	     sw_mask_t *out_mask)
{
	sw_mask_t mask, flood;
	int err;

	*out_mask = 0;
	s->stats.in++;
	if (!sw_is_port(s, in_port)) {
		s->stats.drop_bad_port++;
		return 0;
	}
	if (len < SW_ETH_HLEN) {
		s->stats.drop_runt++;
		return 0;
	}
	err = fdb_learn(&s->fdb, frame + 6, in_port, now_ms);
	if (err == -EINVAL) {
		s->stats.drop_bad_src++;
		return 0;
	}
	if (err == -EPERM) {
		s->stats.drop_src_pinned++;
		return 0;
	}
	/* Anything else, -ENOSPC included, forwards: a full table only stops learning. */
	flood = s->tx_mask & ~SW_BIT(in_port);
	if (frame[0] & 1)
		mask = sw_flood_group(s, in_port, frame, flood, now_ms);
	else
		mask = sw_forward_unicast(s, in_port, frame, flood, now_ms);
	if (s->cpu_port >= 0 && (mask & SW_BIT(s->cpu_port)))
		s->stats.to_cpu++;
	*out_mask = mask;
	return __builtin_popcountll(mask);
}

uint32_t sw_age(struct sw *s, uint32_t now_ms)
{
	return fdb_age(&s->fdb, now_ms, SW_AGE_BUDGET);
}

int sw_show_mac(const struct sw *s, uint32_t now_ms, int port, struct cli_out *out)
{
	struct fdb_info e;
	uint32_t pos = 0, shown = 0;

	cli_printf(out, "%-18s %-10s %-8s %s\n", "MAC address", "Port", "Type", "Age (s)");
	while (fdb_next(&s->fdb, &pos, now_ms, &e) == 0) {
		const char *name = sw_is_port(s, e.port) ? s->port[e.port].name : NULL;

		if (port >= 0 && e.port != port)
			continue;
		cli_printf(out, "%02x:%02x:%02x:%02x:%02x:%02x  %-10s ", e.mac[0], e.mac[1],
			   e.mac[2], e.mac[3], e.mac[4], e.mac[5], name ? name : "?");
		if (e.is_static)
			cli_printf(out, "%-8s -\n", "static");
		else
			cli_printf(out, "%-8s %u\n", "dynamic", e.age_ms / 1000);
		shown++;
	}
	cli_printf(out, "%u entries shown; table holds %u of %u, aging %u s\n", shown, s->fdb.count,
		   s->fdb.capacity, s->fdb.aging_ms / 1000);
	return 0;
}

int sw_show_counters(const struct sw *s, struct cli_out *out)
{
	const struct sw_stats *w = &s->stats;
	const struct fdb_stats *f = &s->fdb.stats;

	cli_printf(out,
		   "  switch: in %llu, unicast %llu, flood bcast %llu mcast %llu unknown %llu, "
		   "to cpu %llu\n",
		   (unsigned long long)w->in, (unsigned long long)w->unicast,
		   (unsigned long long)w->flood_bcast, (unsigned long long)w->flood_mcast,
		   (unsigned long long)w->flood_unknown, (unsigned long long)w->to_cpu);
	cli_printf(out,
		   "    drops: runt %llu, bad port %llu, bad source %llu, pinned source %llu, "
		   "link-local %llu, same port %llu, port down %llu, no egress %llu, storm %llu "
		   "(floods kept from guests by storm control %llu)\n",
		   (unsigned long long)w->drop_runt, (unsigned long long)w->drop_bad_port,
		   (unsigned long long)w->drop_bad_src, (unsigned long long)w->drop_src_pinned,
		   (unsigned long long)w->drop_link_local, (unsigned long long)w->drop_same_port,
		   (unsigned long long)w->drop_port_down, (unsigned long long)w->drop_no_egress,
		   (unsigned long long)w->drop_storm, (unsigned long long)w->storm_limited);
	cli_printf(out,
		   "  mac table: %u of %u entries; learned %llu, refreshed %llu, moved %llu, "
		   "aged %llu, flushed %llu\n",
		   s->fdb.count, s->fdb.capacity, (unsigned long long)f->learned,
		   (unsigned long long)f->refreshed, (unsigned long long)f->moved,
		   (unsigned long long)f->aged, (unsigned long long)f->flushed);
	cli_printf(out,
		   "    refused: full %llu, probe %llu, port's limit %llu; ignored: group source "
		   "%llu, zero source %llu; static conflicts %llu; longest probe %u\n",
		   (unsigned long long)f->refused_full, (unsigned long long)f->refused_probe,
		   (unsigned long long)f->refused_port, (unsigned long long)f->ignored_group,
		   (unsigned long long)f->ignored_zero, (unsigned long long)f->static_conflict,
		   f->probe_max);
	return 0;
}
