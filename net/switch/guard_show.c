/*
 * Printing a network's guard (net/switch/guard.h) for `show bindings`:
 * its live bindings in address order, with port, origin and seconds left,
 * and its counters; then its conflicts. Ports go by the names the binding
 * sets with guard_set_port_names() (a VXLAN remote's by its endpoint),
 * else "ethN". Reads the table, needing no memory but a batch of slot
 * numbers on the stack.
 */
#include <stdio.h>

#include "net/addr.h"
#include "net/switch/guard_table.h"

#define GUARD_SHOW_BATCH 128 /* bindings sorted per pass of guard_show() */

static const char *const guard_origin_names[] = {
	[GUARD_FREE] = "free",
	[GUARD_DHCP] = "dhcp",
	[GUARD_RESERVED] = "reserved",
	[GUARD_LEARNED] = "learned",
};

void guard_set_port_names(struct guard *g, const char *(*fn)(const void *ctx, unsigned port),
			  const void *ctx)
{
	g->port_name = fn;
	g->port_ctx = ctx;
}

/* The port's name, or "ethN"; "-" for a reservation not yet seen. */
static const char *guard_port_name(const struct guard *g, uint8_t port, char buf[8])
{
	const char *name = g->port_name != NULL ? g->port_name(g->port_ctx, port) : NULL;

	if (port == GUARD_PORT_ANY)
		return "-";
	if (name != NULL)
		return name;
	snprintf(buf, 8, "eth%u", port);
	return buf;
}

/*
 * Fills (batch) with the slots of the live bindings with the lowest
 * addresses above (after) (or all, if (first)), at most GUARD_SHOW_BATCH,
 * in address order; returns how many. One pass, sorting by insertion: so
 * guard_show() needs no memory but a batch, and a pass per batch.
 */
static uint32_t guard_batch(const struct guard *g, uint32_t after, bool first, uint32_t now_ms,
			    uint32_t batch[GUARD_SHOW_BATCH])
{
	uint32_t n = 0, i, j;

	for (i = 0; i < g->slots; i++) {
		const struct guard_binding *b = &g->slot[i];

		if (b->origin == GUARD_FREE || guard_expired(b, now_ms) ||
		    (!first && b->ip <= after) ||
		    (n == GUARD_SHOW_BATCH && b->ip > g->slot[batch[n - 1]].ip))
			continue;
		/* In its place; when the batch is full, the highest drops out. */
		j = n < GUARD_SHOW_BATCH ? n++ : n - 1;
		for (; j > 0 && g->slot[batch[j - 1]].ip > b->ip; j--)
			batch[j] = batch[j - 1];
		batch[j] = i;
	}
	return n;
}

static void guard_show_binding(const struct guard *g, const struct guard_binding *b,
			       uint32_t now_ms, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN], mac[ADDR_MAC_STRLEN], port[8], left[12];

	if (b->origin == GUARD_RESERVED)
		snprintf(left, sizeof(left), "-");
	else
		snprintf(left, sizeof(left), "%u", (unsigned)((b->expires - now_ms) / 1000));
	cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", addr_fmt_ipv4(b->ip, ip),
		   addr_fmt_mac(b->mac, mac), guard_port_name(g, b->port, port),
		   b->origin <= GUARD_LEARNED ? guard_origin_names[b->origin] : "?", left);
}

/* Prints the live bindings in address order by looking up each address
 * of the subnet: for a subnet no larger than the table. Returns how many. */
static uint32_t guard_show_walk(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	uint32_t ip, last = g->net | ~g->mask, shown = 0;
	int i, spare;

	for (ip = g->net;; ip++) {
		i = guard_find(g, ip, &spare);
		if (i >= 0 && !guard_expired(&g->slot[i], now_ms)) {
			guard_show_binding(g, &g->slot[i], now_ms, out);
			shown++;
		}
		if (ip == last)
			return shown;
	}
}

/* The same by a pass over the table per GUARD_SHOW_BATCH bindings: for a
 * subnet larger than the table. */
static uint32_t guard_show_passes(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	uint32_t batch[GUARD_SHOW_BATCH], n, k, after = 0, shown = 0;

	do {
		n = guard_batch(g, after, shown == 0, now_ms, batch);
		for (k = 0; k < n; k++)
			guard_show_binding(g, &g->slot[batch[k]], now_ms, out);
		if (n != 0)
			after = g->slot[batch[n - 1]].ip;
		shown += n;
	} while (n == GUARD_SHOW_BATCH);
	return shown;
}

int guard_show(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	const struct guard_stats *s = &g->stats;
	uint32_t shown;

	cli_printf(out, "%-15s %-17s %-6s %-8s %8s\n", "Address", "MAC address", "Port", "Origin",
		   "Left (s)");
	if (~g->mask < g->slots)
		shown = guard_show_walk(g, now_ms, out);
	else
		shown = guard_show_passes(g, now_ms, out);
	/* One line, in pieces that each fit CLI_PRINTF_MAX. */
	cli_printf(out, "%u bindings shown; table holds %u of %u; checked %llu, learned %llu, ",
		   shown, g->count, g->capacity, (unsigned long long)s->checked,
		   (unsigned long long)s->learned);
	cli_printf(out, "dropped: gateway %llu, taken %llu, port %llu, unbound %llu, source %llu; ",
		   (unsigned long long)s->drop_gateway, (unsigned long long)s->drop_taken,
		   (unsigned long long)s->drop_port, (unsigned long long)s->drop_unbound,
		   (unsigned long long)s->drop_source);
	cli_printf(out, "refused full %llu\n", (unsigned long long)s->refused_full);
	return 0;
}

int guard_show_conflicts(const struct guard *g, uint32_t now_ms, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN], m1[ADDR_MAC_STRLEN], m2[ADDR_MAC_STRLEN], p1[8], p2[8];
	unsigned i, shown = 0;

	cli_printf(out, "%-15s %-27s %-27s %7s %10s %9s\n", "Address", "Holder", "Claimant",
		   "Count", "First (s)", "Last (s)");
	for (i = 0; i < GUARD_CONFLICTS; i++) {
		const struct guard_conflict *k = &g->conflict[i];

		if (k->count == 0)
			continue;
		cli_printf(out, "%-15s %-17s on %-6s %-17s on %-6s %7u %10u %9u\n",
			   k->ip != 0 ? addr_fmt_ipv4(k->ip, ip) : "-", addr_fmt_mac(k->mac1, m1),
			   guard_port_name(g, k->port1, p1), addr_fmt_mac(k->mac2, m2),
			   guard_port_name(g, k->port2, p2), (unsigned)k->count,
			   (unsigned)((now_ms - k->first) / 1000),
			   (unsigned)((now_ms - k->last) / 1000));
		shown++;
	}
	cli_printf(out, "%u conflicts (of %u kept); first and last seen, seconds ago\n", shown,
		   GUARD_CONFLICTS);
	return 0;
}
