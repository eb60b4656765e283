/*
 * Listing and printing the NAT table: forwards and sessions one at a time
 * for any caller, "show nat" (settings, forwards, sessions with their
 * state and idle time) and the counters for "show counters", every drop
 * by its reason. Reads only.
 */
#include <errno.h>
#include <stdio.h>

#include "net/addr.h"
#include "net/nat/nat_impl.h"

static const char *const nat_verdict_names[NAT_VERDICT_MAX] = {
	[NAT_TO_UPLINK] = "to-uplink",
	[NAT_TO_INSIDE] = "to-inside",
	[NAT_LOCAL] = "local",
	[NAT_ICMP_TIME_EXCEEDED] = "icmp-time-exceeded",
	[NAT_ICMP_FRAG_NEEDED] = "icmp-frag-needed",
	[NAT_ICMP_ADMIN_PROHIBITED] = "icmp-admin-prohibited",
	[NAT_DROP_SHORT] = "drop-short",
	[NAT_DROP_VERSION] = "drop-version",
	[NAT_DROP_IHL] = "drop-ihl",
	[NAT_DROP_LENGTH] = "drop-length",
	[NAT_DROP_IP_CKSUM] = "drop-ip-checksum",
	[NAT_DROP_ADDR] = "drop-address",
	[NAT_DROP_PROTO] = "drop-protocol",
	[NAT_DROP_L4] = "drop-transport-header",
	[NAT_DROP_NO_UPLINK] = "drop-no-uplink",
	[NAT_DROP_NO_MAPPING] = "drop-no-mapping",
	[NAT_DROP_NO_SESSION] = "drop-no-session",
	[NAT_DROP_ICMP_TYPE] = "drop-icmp-type",
	[NAT_DROP_ICMP_CKSUM] = "drop-icmp-checksum",
	[NAT_DROP_ICMP_INNER] = "drop-icmp-inner",
	[NAT_DROP_TTL] = "drop-ttl",
	[NAT_DROP_TOO_BIG] = "drop-too-big",
	[NAT_DROP_FRAG] = "drop-fragment",
	[NAT_DROP_FRAG_FULL] = "drop-fragment-table-full",
	[NAT_DROP_RATE] = "drop-forward-rate",
	[NAT_DROP_FRAG_QUOTA] = "drop-fragment-quota",
	[NAT_DROP_ICMP_RATE] = "drop-icmp-rate",
};

_Static_assert(NAT_DROP_ICMP_RATE + 1 == NAT_VERDICT_MAX, "a name for every verdict");

static const char *const nat_state_names[NAT_TCP_NSTATES] = {
	[NAT_TCP_NONE] = "-",		[NAT_TCP_SYN_OUT] = "syn-out",	[NAT_TCP_SYN_IN] = "syn-in",
	[NAT_TCP_EST] = "established",	[NAT_TCP_FIN_OUT] = "fin-out",	[NAT_TCP_FIN_IN] = "fin-in",
	[NAT_TCP_FIN_BOTH] = "closing", [NAT_TCP_TRANS] = "transitory",
};

static const uint8_t nat_pi_proto[NAT_P_N] = {NAT_IPPROTO_TCP, NAT_IPPROTO_UDP, NAT_IPPROTO_ICMP};

const char *nat_verdict_name(enum nat_verdict v)
{
	return (unsigned)v < NAT_VERDICT_MAX ? nat_verdict_names[v] : "?";
}

int nat_forward_next(const struct nat *n, uint32_t *pos, struct nat_forward *f)
{
	while (*pos < n->capacity) {
		const struct nat_map *m = &n->map[(*pos)++];

		if (!(m->flags & NAT_M_FORWARD))
			continue;
		f->proto = nat_pi_proto[m->pi];
		f->out_port = m->out_port;
		f->in_ip = m->in_ip;
		f->in_port = m->in_port;
		f->sessions = m->nsess;
		return 0;
	}
	return -ENOENT;
}

int nat_session_next(const struct nat *n, uint32_t *pos, uint32_t now_ms,
		     struct nat_session_info *info)
{
	while (*pos <= n->mask) {
		const struct nat_sess *s = &n->sess[(*pos)++];
		const struct nat_map *m;
		uint32_t tmo, idle;

		if (!(s->flags & NAT_S_USED))
			continue;
		m = &n->map[s->map];
		tmo = nat_sess_life_ms(n, s);
		idle = now_ms - s->seen;
		if (idle >= tmo)
			continue;
		info->proto = nat_pi_proto[m->pi];
		info->in_ip = m->in_ip;
		info->in_port = m->in_port;
		info->out_port = m->out_port;
		info->rem_ip = s->rem_ip;
		info->rem_port = s->rem_port;
		info->forward = (m->flags & NAT_M_FORWARD) != 0;
		info->state = s->state < NAT_TCP_NSTATES ? nat_state_names[s->state] : "?";
		info->idle_ms = idle;
		info->expires_s = (tmo - idle + 999) / 1000;
		return 0;
	}
	return -ENOENT;
}

static const char *nat_proto_name(uint8_t proto)
{
	return proto == NAT_IPPROTO_TCP ? "tcp" : proto == NAT_IPPROTO_UDP ? "udp" : "icmp";
}

int nat_show(const struct nat *n, uint32_t now_ms, uint32_t limit, struct cli_out *out)
{
	const struct nat_config *c = &n->cfg;
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN], in[24], rem[24];
	struct nat_session_info si;
	struct nat_forward f;
	uint32_t pos = 0, shown = 0, total = 0;
	int t;

	cli_printf(out, "NAT: uplink %s, MTU %u (inside %u); outside ports %u-%u\n",
		   c->uplink_ip ? addr_fmt_ipv4(c->uplink_ip, a) : "none", c->uplink_mtu,
		   c->inside_mtu, c->port_min, c->port_max);
	cli_printf(out, "  timeouts (s):");
	for (t = 0; t < NAT_TMO_MAX; t++)
		cli_printf(out, " %s %u", nat_timeout_name((enum nat_timeout)t), c->timeout[t]);
	cli_printf(out, "\n  quotas:");
	for (t = 0; t < NAT_Q_MAX; t++) {
		uint32_t q = nat_quota_get(n, (enum nat_quota)t);

		if (q == 0)
			cli_printf(out, " %s off", nat_quota_name((enum nat_quota)t));
		else
			cli_printf(out, " %s %u", nat_quota_name((enum nat_quota)t), q);
	}
	cli_printf(out, "\n");
	while (nat_forward_next(n, &pos, &f) == 0)
		cli_printf(out, "  forward %s %u %s %u (%u sessions)\n", nat_proto_name(f.proto),
			   f.out_port, addr_fmt_ipv4(f.in_ip, a), f.in_port, f.sessions);
	cli_printf(out, "%-5s %-21s %-7s %-21s %-12s %s\n", "Proto", "Inside", "Outside", "Remote",
		   "State", "Idle (s)");
	pos = 0;
	while (nat_session_next(n, &pos, now_ms, &si) == 0) {
		total++;
		if (shown >= limit)
			continue;
		snprintf(in, sizeof(in), "%s:%u", addr_fmt_ipv4(si.in_ip, a), si.in_port);
		if (si.proto == NAT_IPPROTO_ICMP)
			snprintf(rem, sizeof(rem), "%s", addr_fmt_ipv4(si.rem_ip, b));
		else
			snprintf(rem, sizeof(rem), "%s:%u", addr_fmt_ipv4(si.rem_ip, b),
				 si.rem_port);
		cli_printf(out, "%-5s %-21s %-7u %-21s %-12s %u%s\n", nat_proto_name(si.proto), in,
			   si.out_port, rem, si.state, si.idle_ms / 1000,
			   si.forward ? " (fwd)" : "");
		shown++;
	}
	cli_printf(out,
		   "%u sessions shown of %u; table holds %u of %u sessions, %u mappings (%u "
		   "forwards)\n",
		   shown, total, n->nsess, n->capacity, n->nmaps, n->nforwards);
	return 0;
}

int nat_show_counters(const struct nat *n, struct cli_out *out)
{
	const struct nat_stats *s = &n->stats;
	int v, col = 0;

	cli_printf(out,
		   "  nat: to uplink %llu, to inside %llu, local %llu; icmp asked: time exceeded "
		   "%llu, frag needed %llu, admin prohibited %llu\n",
		   (unsigned long long)s->verdict[NAT_TO_UPLINK],
		   (unsigned long long)s->verdict[NAT_TO_INSIDE],
		   (unsigned long long)s->verdict[NAT_LOCAL],
		   (unsigned long long)s->verdict[NAT_ICMP_TIME_EXCEEDED],
		   (unsigned long long)s->verdict[NAT_ICMP_FRAG_NEEDED],
		   (unsigned long long)s->verdict[NAT_ICMP_ADMIN_PROHIBITED]);
	cli_printf(out, "    drops:");
	for (v = NAT_DROP_SHORT; v < NAT_VERDICT_MAX; v++, col++)
		cli_printf(out, "%s %s %llu", col % 6 == 0 ? (col ? "\n     " : "") : ",",
			   nat_verdict_names[v] + 5, (unsigned long long)s->verdict[v]);
	cli_printf(out, "\n");
	cli_printf(out,
		   "  nat table: %u of %u sessions, %u mappings, %u forwards; created: mappings "
		   "%llu (port kept %llu), sessions %llu; expired %llu\n",
		   n->nsess, n->capacity, n->nmaps, n->nforwards,
		   (unsigned long long)s->maps_created, (unsigned long long)s->port_preserved,
		   (unsigned long long)s->sessions_created,
		   (unsigned long long)s->sessions_expired);
	cli_printf(out,
		   "    refused: full %llu, host's share %llu, probe %llu, no port %llu; half-open "
		   "evicted %llu; ended by forwards %llu; fragments: tracked %llu, untracked local "
		   "%llu; longest probe %u\n",
		   (unsigned long long)s->refused_full, (unsigned long long)s->refused_host,
		   (unsigned long long)s->refused_probe, (unsigned long long)s->refused_ports,
		   (unsigned long long)s->halfopen_evicted, (unsigned long long)s->maps_preempted,
		   (unsigned long long)s->frag_tracked, (unsigned long long)s->frag_local,
		   s->probe_max);
	return 0;
}
