/*
 * Adding, removing and configuring networks: their MAC tables, ports
 * (untagged and 802.1Q tagged) and each port's receive hook, remote
 * endpoints' ports, trusted ports, the gateway address and its netif, and
 * the settings every network shares (aging, storm control, MACs per
 * port); and what other modules ask of a network (its number, address,
 * MAC). Keeps the index of gateway subnets that network_by_addr searches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/memory.h"
#include "kernel/random.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "net/nat/egress.h"
#include "net/services.h"
#include "net/switch/network_impl.h"
#include "net/switch/overlay.h"
#include "netif/ethernet.h"

struct network network_tab[NETWORK_MAX];
uint8_t network_by_vid[4096];
struct network_port_vlan network_vlan[NETDEV_MAX];
/* The subnets of the networks with a gateway address, for network_by_addr
 * per forwarded frame: usually two or three, not NETWORK_MAX slots. */
static struct {
	uint32_t net, mask;
	struct network *owner;
} network_subnets[NETWORK_MAX];
static int network_nsubnets;
/* The settings every network shares, kept for the networks added later. */
static uint32_t network_aging_s = FDB_AGING_DEFAULT;
static uint32_t network_storm_pps = SW_STORM_DEFAULT;
static uint32_t network_port_macs = FDB_PORT_LIMIT_DEFAULT;

int network_remote_add(struct network *net, int port, const char *name, void *user)
{
	int err;

	if (port < NETWORK_REMOTE_PORT0)
		return -EINVAL;
	err = sw_port_add(&net->sw, port, name, user);
	if (err == 0)
		sw_port_set_up(&net->sw, port, true);
	return err;
}

int network_remote_del(struct network *net, int port)
{
	if (port < NETWORK_REMOTE_PORT0)
		return -EINVAL;
	guard_unbind_port(&net->guard, (uint8_t)port);
	return sw_port_del(&net->sw, port);
}

struct network *network_at(int index)
{
	return index >= 0 && index < NETWORK_MAX && network_tab[index].used ? &network_tab[index]
									    : NULL;
}

void network_set_trusted(struct network *net, uint64_t ports)
{
	net->trusted = ports;
	/* A whole LAN may sit behind the uplink port: no MAC limit there. */
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		fdb_set_unlimited(&net->sw.fdb, p, (ports >> p) & 1);
}

struct network *network_find(const char *name)
{
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used && strcmp(network_tab[i].name, name) == 0)
			return &network_tab[i];
	return NULL;
}

/* The bytes of (t)'s slots, for memory_account(): a table is counted
 * while a network holds it. */
static long long network_table_bytes(const struct fdb *t)
{
	return (long long)(((size_t)t->mask + 1) * sizeof(struct fdb_entry));
}

void *network_table_alloc(uint32_t mac_table)
{
	uint32_t nslots = fdb_nslots(mac_table);

	return nslots ? calloc(nslots, sizeof(struct fdb_entry)) : NULL;
}

void network_table_free(void *table)
{
	free(table);
}

int network_add(const char *name, bool is_nat, uint32_t mac_table, void *table,
		struct network **out)
{
	struct network *net = NULL;
	uint32_t nslots = fdb_nslots(mac_table);
	int err = -EEXIST;

	if (network_find(name))
		goto free_table;
	err = -EINVAL;
	if (strlen(name) >= NETWORK_NAME_MAX || nslots == 0 || table == NULL)
		goto free_table;
	for (int i = 0; i < NETWORK_MAX && net == NULL; i++)
		if (!network_tab[i].used)
			net = &network_tab[i];
	err = -ENOSPC;
	if (net == NULL)
		goto free_table;
	memset(net, 0, sizeof(*net));
	err = sw_init(&net->sw, table, nslots, mac_table, network_aging_s,
		      ((uint64_t)random_u32() << 32) | random_u32());
	if (err)
		goto free_table;
	net->slots = table;
	memory_account("mac tables", network_table_bytes(&net->sw.fdb));
	sw_set_storm(&net->sw, network_storm_pps);
	/* Random source MACs from one guest cannot fill the table. */
	fdb_set_port_limit(&net->sw.fdb, network_port_macs);
	/* No table until the network has an address (network_set_guard_table). */
	guard_init(&net->guard, NULL, 0, GUARD_OFF, 0, 0, 0,
		   ((uint64_t)random_u32() << 32) | random_u32());
	guard_set_port_names(&net->guard, network_port_name, net);
	snprintf(net->name, sizeof(net->name), "%s", name);
	net->is_nat = is_nat;
	net->used = true;
	*out = net;
	return 0;

free_table:
	free(table);
	return err;
}

void network_set_mac_table(struct network *net, uint32_t mac_table, void *table)
{
	struct fdb next;

	if (fdb_init(&next, table, fdb_nslots(mac_table), mac_table, network_aging_s,
		     ((uint64_t)random_u32() << 32) | random_u32()) != 0) {
		free(table); /* a size the caller did not allocate for: a bug */
		return;
	}
	fdb_copy(&next, &net->sw.fdb, sys_now());
	memory_account("mac tables",
		       network_table_bytes(&next) - network_table_bytes(&net->sw.fdb));
	free(net->slots);
	net->slots = table;
	net->sw.fdb = next;
}

uint32_t network_mac_table(const struct network *net)
{
	return net->sw.fdb.capacity;
}

/* Port (p)'s receive hook and its line in show ports, after its part in
 * some network changed: it receives while any network has it. */
static void network_port_update(int p)
{
	struct netdev *nd = netdev_get(p);
	char *r = network_vlan[p].role;
	size_t used = 0;
	bool any = false;

	if (nd == NULL)
		return;
	r[0] = '\0';
	if (nd->owner != NULL)
		used = (size_t)snprintf(r, sizeof(network_vlan[p].role), "%s",
					((struct network *)nd->owner)->name);
	for (int i = 0; i < NETWORK_MAX; i++) {
		const struct network *net = &network_tab[i];

		any |= net->used && (net->sw.members & SW_BIT(p));
		if (net->used && (net->tagged & SW_BIT(p)) && used < sizeof(network_vlan[p].role))
			used += (size_t)snprintf(r + used, sizeof(network_vlan[p].role) - used,
						 "%s%s (vlan %u)", used ? ", " : "", net->name,
						 net->vid);
	}
	nd->rx = any ? network_rx : NULL;
	nd->role = r;
}

void network_port_released(struct network *net, int port)
{
	guard_unbind_port(&net->guard, (uint8_t)port);
	svc_port_released(net->name, port);
}

static void network_detach(struct network *net, int port)
{
	struct netdev *nd = sw_port_user(&net->sw, port);

	sw_port_del(&net->sw, port);
	network_port_released(net, port);
	net->untagged &= ~SW_BIT(port);
	net->tagged &= ~SW_BIT(port);
	if (nd != NULL && nd->owner == net)
		nd->owner = NULL;
	network_port_update(port);
}

static void network_netif_remove(struct network *net)
{
	if (!net->has_netif)
		return;
	sw_port_del(&net->sw, NETWORK_CPU_PORT);
	netif_remove(&net->netif);
	net->has_netif = false;
}

/* Rebuilds network_subnets after an address came or went. */
static void network_index_subnets(void)
{
	network_nsubnets = 0;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];
		uint32_t mask = net->prefix ? 0xffffffffu << (32 - net->prefix) : 0;

		if (net->used && net->has_netif && net->prefix) {
			network_subnets[network_nsubnets].net = net->addr & mask;
			network_subnets[network_nsubnets].mask = mask;
			network_subnets[network_nsubnets].owner = net;
			network_nsubnets++;
		}
	}
}

void network_remove(struct network *net)
{
	egress_network_changed(net);
	network_set_vlan(net, 0, 0);
	overlay_set(net, 0, 0, NULL, 0);
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		if (net->sw.members & SW_BIT(p))
			network_detach(net, p);
	network_netif_remove(net);
	memory_account("mac tables", -network_table_bytes(&net->sw.fdb));
	free(net->slots);
	memory_account("guard", -(long long)guard_mem_size(guard_capacity(&net->guard)));
	free(net->guard_mem);
	memset(net, 0, sizeof(*net));
	network_index_subnets();
}

/* Makes the ports that carry (net) tagged, if (tagged), else untagged,
 * exactly those in (mask): a port leaving is detached; one joining is
 * added to the switch, or, a member the other way until now, turned (the
 * same switch port, its MAC entries kept). A port is untagged in one
 * network at most: joining untagged takes it from the one it was in. */
static void network_set_members(struct network *net, uint64_t mask, bool tagged)
{
	uint64_t *these = tagged ? &net->tagged : &net->untagged;
	uint64_t *other = tagged ? &net->untagged : &net->tagged;

	for (int p = 0; p < NETWORK_CPU_PORT; p++) {
		uint64_t bit = SW_BIT(p);
		bool want = mask & bit, have = *these & bit;
		struct netdev *nd = netdev_get(p);

		if (want == have || nd == NULL)
			continue;
		if (!want) {
			network_detach(net, p);
			continue;
		}
		if (!tagged && nd->owner != NULL)
			network_detach(nd->owner, p);
		if ((*other & bit) || sw_port_add(&net->sw, p, nd->name, nd) == 0) {
			sw_port_set_up(&net->sw, p, nd->link);
			*other &= ~bit;
			*these |= bit;
			if (!tagged)
				nd->owner = net;
			else if (nd->owner == net)
				nd->owner = NULL;
		}
		network_port_update(p);
	}
}

int network_set_ports(struct network *net, uint64_t mask)
{
	network_set_members(net, mask, false);
	return 0;
}

int network_set_vlan(struct network *net, uint16_t vid, uint64_t tagged)
{
	int idx = network_index(net);

	if (vid > 4094)
		return -EINVAL;
	if (vid != 0 && network_by_vid[vid] != 0 && network_by_vid[vid] != idx + 1)
		return -EBUSY;
	if (net->vid != 0 && network_by_vid[net->vid] == idx + 1)
		network_by_vid[net->vid] = 0;
	net->vid = vid;
	if (vid != 0)
		network_by_vid[vid] = (uint8_t)(idx + 1);
	else
		tagged = 0;
	network_set_members(net, tagged, true);
	/* The VLAN ID shows in every port's role: refresh them all. */
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		network_port_update(p);
	return 0;
}

static int network_set_address_netif(struct network *net, uint32_t addr, uint8_t prefix,
				     uint32_t gateway);

int network_set_address(struct network *net, uint32_t addr, uint8_t prefix, uint32_t gateway)
{
	int err = network_set_address_netif(net, addr, prefix, gateway);

	network_index_subnets();
	return err;
}

static int network_set_address_netif(struct network *net, uint32_t addr, uint8_t prefix,
				     uint32_t gateway)
{
	ip4_addr_t ip, mask, gw;
	uint8_t mac[6] = {0x02, 0x75, 0x67, 0, 0, 0}; /* locally administered */
	int idx = (int)(net - network_tab);
	int err;

	ip4_addr_set_u32(&ip, lwip_htonl(addr));
	ip4_addr_set_u32(&mask, lwip_htonl(prefix ? 0xffffffffu << (32 - prefix) : 0));
	ip4_addr_set_u32(&gw, lwip_htonl(gateway));
	if (addr != net->addr || prefix != net->prefix)
		egress_network_changed(net);
	net->addr = addr;
	net->prefix = prefix;
	if (prefix == 0) {
		network_netif_remove(net);
		return 0;
	}
	if (net->has_netif) {
		netif_set_addr(&net->netif, &ip, &mask, &gw);
	} else {
		/* A MAC of our own per network, stable across boots; or the
		 * one given (the uplink's NIC's: unique on its segment, where
		 * other appliances may be). */
		mac[3] = (uint8_t)idx;
		mac[4] = (uint8_t)(addr >> 8);
		mac[5] = (uint8_t)addr;
		if (net->has_hwaddr)
			memcpy(mac, net->hwaddr, sizeof(mac));
		memcpy(net->netif.hwaddr, mac, sizeof(mac));
		err = sw_port_add_cpu(&net->sw, NETWORK_CPU_PORT, net->name, &net->netif, mac);
		if (err)
			return err;
		if (netif_add(&net->netif, &ip, &mask, &gw, net, network_netif_init,
			      ethernet_input) == NULL) {
			sw_port_del(&net->sw, NETWORK_CPU_PORT);
			return -ENOMEM;
		}
		netif_set_up(&net->netif);
		net->has_netif = true;
	}
	if (gateway)
		netif_set_default(&net->netif);
	return 0;
}

void network_set_hwaddr(struct network *net, const uint8_t mac[6])
{
	memcpy(net->hwaddr, mac, sizeof(net->hwaddr));
	net->has_hwaddr = true;
}

struct netif *network_netif(struct network *net)
{
	return net->has_netif ? &net->netif : NULL;
}

void network_set_nat(struct network *net, bool is_nat)
{
	net->is_nat = is_nat;
}

bool network_is_nat(const struct network *net)
{
	return net->is_nat;
}

int network_index(const struct network *net)
{
	return (int)(net - network_tab);
}

uint32_t network_ip(const struct network *net)
{
	return net->has_netif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&net->netif))) : 0;
}

uint32_t network_netmask(const struct network *net)
{
	return net->has_netif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&net->netif))) : 0;
}

const uint8_t *network_mac(const struct network *net)
{
	return net->netif.hwaddr;
}

struct network *network_by_addr(uint32_t addr)
{
	for (int i = 0; i < network_nsubnets; i++)
		if ((addr & network_subnets[i].mask) == network_subnets[i].net)
			return network_subnets[i].owner;
	return NULL;
}

void network_set_aging(uint32_t aging_s)
{
	network_aging_s = aging_s;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			fdb_set_aging(&network_tab[i].sw.fdb, aging_s);
}

void network_set_storm(uint32_t pps)
{
	network_storm_pps = pps;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			sw_set_storm(&network_tab[i].sw, pps);
}

void network_quota_counts(uint64_t *port_macs, uint64_t *storm)
{
	*port_macs = *storm = 0;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used) {
			*port_macs += network_tab[i].sw.fdb.stats.refused_port;
			*storm += network_tab[i].sw.stats.storm_limited;
		}
}

void network_set_port_macs(uint32_t limit)
{
	network_port_macs = limit;
	for (int i = 0; i < NETWORK_MAX; i++)
		if (network_tab[i].used)
			fdb_set_port_limit(&network_tab[i].sw.fdb, limit);
}
