/*
 * Each network's guard (net/switch/guard.h) bound to its frames and to the
 * configuration: a guest's ARP and IPv4 judged by who holds which address,
 * clashes printed, the guard's mode, `dhcp host` reservations, DHCP
 * leases, and its table's memory.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/memory.h"
#include "kernel/random.h"
#include "lwip/sys.h"
#include "net/addr.h"
#include "net/switch/network_impl.h"

const char *network_port_name(const void *ctx, unsigned p)
{
	const struct network *net = ctx;

	return p < SW_PORTS_MAX ? net->sw.port[p].name : NULL;
}

/* Prints a clash the guard found, at most once per GUARD_REPORT_MS each:
 * a clone or a thief made visible. */
static void network_report(const struct network *net, const struct guard_conflict *c)
{
	char ip[ADDR_IPV4_STRLEN], m1[ADDR_MAC_STRLEN], m2[ADDR_MAC_STRLEN];
	const char *p1 = network_port_name(net, c->port1), *p2 = network_port_name(net, c->port2);

	p1 = p1 != NULL ? p1 : "?";
	p2 = p2 != NULL ? p2 : "?";

	if (c->ip != 0 && c->port1 == GUARD_PORT_ANY)
		printf("\nguard: network %s: %s is reserved for %s; %s on %s claims it "
		       "(refused)\n",
		       net->name, addr_fmt_ipv4(c->ip, ip), addr_fmt_mac(c->mac1, m1),
		       addr_fmt_mac(c->mac2, m2), p2);
	else if (c->ip != 0)
		printf("\nguard: network %s: %s is held by %s on %s; %s on %s claims it too "
		       "(refused)\n",
		       net->name, addr_fmt_ipv4(c->ip, ip), addr_fmt_mac(c->mac1, m1), p1,
		       addr_fmt_mac(c->mac2, m2), p2);
	else
		printf("\nguard: network %s: %s is bound on %s and seen on %s too "
		       "(refused)\n",
		       net->name, addr_fmt_mac(c->mac2, m2), p1, p2);
}

bool network_guard_drop(struct network *net, int port, const uint8_t *f, size_t len)
{
	const struct guard_conflict *c = NULL;
	uint32_t now = sys_now();
	int v;

	if (len < 14)
		return false;
	if (f[12] == 0x08 && f[13] == 0x06) {
		/* RFC 826 for IPv4 over Ethernet; anything else is not ours to judge. */
		if (len < 42 || f[14] != 0 || f[15] != 1 || f[16] != 0x08 || f[17] != 0 ||
		    f[18] != 6 || f[19] != 4)
			return false;
		v = guard_arp(&net->guard, (uint8_t)port, f + 6,
			      (uint32_t)f[28] << 24 | (uint32_t)f[29] << 16 | (uint32_t)f[30] << 8 |
				      f[31],
			      f + 22, now, &c);
	} else if (f[12] == 0x08 && f[13] == 0x00) {
		if (len < 34 || (f[14] >> 4) != 4)
			return false;
		v = guard_ip(&net->guard, (uint8_t)port, f + 6,
			     (uint32_t)f[26] << 24 | (uint32_t)f[27] << 16 | (uint32_t)f[28] << 8 |
				     f[29],
			     now, &c);
	} else {
		return false;
	}
	if (v == GUARD_CONFLICT && c != NULL)
		network_report(net, c);
	return v != GUARD_PASS;
}

void network_set_guard(struct network *net, int mode)
{
	uint32_t mask = net->prefix ? 0xffffffffu << (32 - net->prefix) : 0;

	net->guarded = mode != GUARD_OFF && net->prefix != 0;
	guard_configure(&net->guard, net->guarded ? (enum guard_mode)mode : GUARD_OFF, net->addr,
			net->addr & mask, mask);
}

void network_guard_reserved(struct network *net, const uint8_t (*mac)[6], const uint32_t *ip,
			    unsigned n)
{
	guard_unbind_origin(&net->guard, GUARD_RESERVED);
	for (unsigned i = 0; i < n; i++)
		guard_bind(&net->guard, ip[i], mac[i], GUARD_PORT_ANY, GUARD_RESERVED, 0);
}

void network_guard_lease(struct network *net, uint32_t ip, const uint8_t mac[6], int port,
			 uint32_t lease_s)
{
	/* Renewals come at half the lease (RFC 2131 §4.4.5), so a binding of
	 * at most 20 days, well inside the guard's 2^31 ms horizon, is renewed
	 * long before it ends. */
	uint32_t s = lease_s < 20 * 86400u ? lease_s : 20 * 86400u;

	if (port >= 0 && port < GUARD_PORT_ANY)
		guard_bind(&net->guard, ip, mac, (uint8_t)port, GUARD_DHCP, sys_now() + s * 1000u);
}

void *network_guard_alloc(uint32_t capacity)
{
	size_t size = guard_mem_size(capacity);

	return size ? malloc(size) : NULL;
}

void network_guard_free(void *mem)
{
	free(mem);
}

uint32_t network_guard_capacity(const struct network *net)
{
	return guard_capacity(&net->guard);
}

void network_set_guard_table(struct network *net, void *mem, uint32_t capacity)
{
	static struct guard next; /* about 1 KB of conflicts and counters */

	guard_init(&next, mem, capacity, GUARD_OFF, 0, 0, 0,
		   ((uint64_t)random_u32() << 32) | random_u32());
	/* What has expired need not fit. */
	guard_expire(&net->guard, sys_now());
	if (guard_copy(&next, &net->guard) < 0) {
		/* Smaller than the bindings held (a pool cut down under its
		 * guests): they bind again by DHCP or a first claim. */
		printf("guard: network %s: %u bindings do not fit in %u: cleared\n", net->name,
		       (unsigned)net->guard.count, (unsigned)capacity);
		guard_init(&next, mem, capacity, net->guard.mode, net->guard.gateway,
			   net->guard.net, net->guard.mask,
			   ((uint64_t)random_u32() << 32) | random_u32());
		guard_set_port_names(&next, network_port_name, net);
	}
	memory_account("guard", (long long)guard_mem_size(capacity) -
					(long long)guard_mem_size(guard_capacity(&net->guard)));
	free(net->guard_mem);
	net->guard = next;
	net->guard_mem = mem;
}
