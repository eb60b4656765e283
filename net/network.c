/*
 * The binding of networks to ports and lwIP. A frame received on a port is
 * given to its network's switch; each egress port gets it by netdev_xmit
 * (the one copy, into that port's transmit buffer), and the CPU port gets
 * it as a pbuf for lwIP. lwIP's own frames enter the switch at the CPU port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/parse.h"
#include "kernel/cli.h"
#include "kernel/random.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "net/network.h"
#include "net/switch.h"
#include "netif/ethernet.h"

#define NETWORK_CPU_PORT   (SW_PORTS_MAX - 1)
#define NETWORK_SEGS_MAX   16
#define NETWORK_AGE_BUDGET 64 /* MAC table slots aged per main-loop pass */

struct network {
	char name[NETWORK_NAME_MAX];
	enum network_mode mode;
	uint32_t addr;
	uint8_t prefix;
	struct sw sw;
	struct fdb_entry *slots;
	struct netif netif;
	uint64_t cpu_nobuf;  /* frames for lwIP dropped: no pbuf */
	uint64_t cpu_tx_big; /* lwIP frames with too many segments */
};

static struct network *network_list[NETWORK_MAX];
static int network_n;
static uint32_t network_aging_s = FDB_AGING_DEFAULT;

static const char *const network_mode_names[] = {"nat", "hostonly", "bridged"};

static int network_port_index(const struct netdev *nd)
{
	for (int i = 0; i < netdev_count(); i++)
		if (netdev_get(i) == nd)
			return i;
	return -1;
}

static void network_to_cpu(struct network *net, const void *frame, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (p == NULL) {
		net->cpu_nobuf++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (net->netif.input(p, &net->netif) != ERR_OK)
		pbuf_free(p);
}

static void network_send(struct network *net, uint32_t mask, const struct netdev_seg *seg, int nseg)
{
	while (mask) {
		int port = __builtin_ctz(mask);

		mask &= mask - 1;
		if (port == NETWORK_CPU_PORT) {
			/* Frames from lwIP never come back to it; from ports they are one seg. */
			network_to_cpu(net, seg[0].data, seg[0].len);
			continue;
		}
		netdev_xmit(sw_port_user(&net->sw, port), seg, nseg, NULL);
	}
}

static void network_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl)
{
	struct network *net = nd->owner;
	struct netdev_seg seg = {frame, len};
	uint32_t mask;

	(void)ofl;
	if (sw_input(&net->sw, network_port_index(nd), frame, len, sys_now(), &mask) > 0)
		network_send(net, mask, &seg, 1);
}

/* lwIP's transmit: the frame enters the switch at the CPU port. lwIP keeps
 * the pbuf (transmit never consumes). */
static err_t network_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct network *net = nif->state;
	struct netdev_seg seg[NETWORK_SEGS_MAX];
	int nseg = 0;
	uint32_t mask;

	for (struct pbuf *q = p; q != NULL; q = q->next) {
		if (nseg == NETWORK_SEGS_MAX) {
			net->cpu_tx_big++;
			return ERR_MEM;
		}
		seg[nseg].data = q->payload;
		seg[nseg].len = q->len;
		nseg++;
	}
	if (sw_input(&net->sw, NETWORK_CPU_PORT, p->payload, p->len, sys_now(), &mask) > 0)
		network_send(net, mask & ~(1u << NETWORK_CPU_PORT), seg, nseg);
	return ERR_OK;
}

static err_t network_netif_init(struct netif *nif)
{
	nif->name[0] = 'v';
	nif->name[1] = 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	nif->mtu = 1500;
	nif->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = network_linkoutput;
	return ERR_OK;
}

static struct network *network_find(const char *name)
{
	for (int i = 0; i < network_n; i++)
		if (strcmp(network_list[i]->name, name) == 0)
			return network_list[i];
	return NULL;
}

int network_create(const char *name, enum network_mode mode, uint32_t addr, uint8_t prefix,
		   struct netdev *const *ports, int nports)
{
	struct network *net;
	ip4_addr_t ip, mask, gw;
	uint32_t nslots = fdb_nslots(NETWORK_FDB_SIZE);
	uint8_t mac[6] = {0x02, 0x75, 0x67, 0, 0, 0}; /* locally administered */
	int err;

	if (network_find(name))
		return -EEXIST;
	if (network_n >= NETWORK_MAX || strlen(name) >= NETWORK_NAME_MAX)
		return -ENOSPC;
	for (int i = 0; i < nports; i++)
		if (ports[i]->owner != NULL || network_port_index(ports[i]) >= NETWORK_CPU_PORT)
			return -EBUSY;
	net = calloc(1, sizeof(*net));
	if (net == NULL)
		return -ENOMEM;
	net->slots = calloc(nslots, sizeof(*net->slots));
	if (net->slots == NULL) {
		err = -ENOMEM;
		goto undo_net;
	}
	snprintf(net->name, sizeof(net->name), "%s", name);
	net->mode = mode;
	net->addr = addr;
	net->prefix = prefix;
	err = sw_init(&net->sw, net->slots, nslots, NETWORK_FDB_SIZE, network_aging_s,
		      ((uint64_t)random_u32() << 32) | random_u32());
	if (err)
		goto undo_slots;

	/* The CPU port's MAC: stable across boots for the same NICs. */
	if (nports > 0)
		memcpy(mac + 3, ports[0]->mac + 3, 3);
	mac[2] ^= (uint8_t)network_n;
	memcpy(net->netif.hwaddr, mac, 6);
	err = sw_port_add_cpu(&net->sw, NETWORK_CPU_PORT, net->name, &net->netif, mac);
	if (err)
		goto undo_slots;
	for (int i = 0; i < nports; i++) {
		err = sw_port_add(&net->sw, network_port_index(ports[i]), ports[i]->name, ports[i]);
		if (err)
			goto undo_slots;
	}
	ip4_addr_set_u32(&ip, lwip_htonl(addr));
	ip4_addr_set_u32(&mask, lwip_htonl(prefix ? 0xffffffffu << (32 - prefix) : 0));
	ip4_addr_set_zero(&gw);
	if (netif_add(&net->netif, &ip, &mask, &gw, net, network_netif_init, ethernet_input) ==
	    NULL) {
		err = -ENOMEM;
		goto undo_slots;
	}
	netif_set_up(&net->netif);
	for (int i = 0; i < nports; i++) {
		ports[i]->owner = net;
		ports[i]->rx = network_rx;
	}
	network_list[network_n++] = net;
	return 0;

undo_slots:
	free(net->slots);
undo_net:
	free(net);
	return err;
}

int network_default(void)
{
	struct netdev *ports[NETDEV_MAX];
	int n = 0;

	for (int i = 1; i < netdev_count(); i++)
		ports[n++] = netdev_get(i);
	return network_create("vmnet8", NETWORK_NAT, 0xc0a86302u, 24, ports, n);
}

void network_poll(void)
{
	uint32_t now = sys_now();

	for (int i = 0; i < network_n; i++) {
		struct network *net = network_list[i];

		fdb_age(&net->sw.fdb, now, NETWORK_AGE_BUDGET);
		for (int p = 0; p < NETWORK_CPU_PORT; p++) {
			struct netdev *nd = sw_port_user(&net->sw, p);

			if (nd != NULL && nd->link != (bool)(net->sw.tx_mask & (1u << p)))
				sw_port_set_up(&net->sw, p, nd->link);
		}
	}
}

static int network_cmd_show_mac(int argc, char **argv, struct cli_out *out)
{
	int shown = 0;

	for (int i = 0; i < network_n; i++) {
		struct network *net = network_list[i];

		if (argc > 0 && strcmp(argv[0], net->name) != 0)
			continue;
		cli_printf(out, "network %s\n", net->name);
		sw_show_mac(&net->sw, sys_now(), -1, out);
		shown++;
	}
	if (argc > 0 && shown == 0) {
		cli_printf(out, "%% no network named '%s'\n", argv[0]);
		return -ENOENT;
	}
	return 0;
}

static int network_cmd_show_counters(int argc, char **argv, struct cli_out *out)
{
	char ip[CFG_IPV4_STRLEN];

	(void)argc;
	(void)argv;
	for (int i = 0; i < network_n; i++) {
		struct network *net = network_list[i];

		cli_printf(out, "network %s (%s, %s/%u)\n", net->name,
			   network_mode_names[net->mode], cfg_fmt_ipv4(net->addr, ip), net->prefix);
		sw_show_counters(&net->sw, out);
		cli_printf(out, "  cpu port: no pbuf %llu, too many segments %llu\n",
			   (unsigned long long)net->cpu_nobuf, (unsigned long long)net->cpu_tx_big);
	}
	return 0;
}

static int network_cmd_mac_aging(int argc, char **argv, struct cli_out *out)
{
	uint32_t s;

	if (argc != 1 || cfg_parse_u32(argv[0], 1, FDB_AGING_MAX, &s) < 0) {
		cli_printf(out, "%% usage: mac aging SECONDS (1..%u)\n", FDB_AGING_MAX);
		return -EINVAL;
	}
	network_aging_s = s;
	for (int i = 0; i < network_n; i++)
		fdb_set_aging(&network_list[i]->sw.fdb, s);
	return 0;
}

CLI_COMMAND(show_mac, "show mac", "MAC table of every network, or of NETWORK",
	    network_cmd_show_mac);
CLI_COMMAND(show_counters, "show counters", "switch and MAC table counters per network",
	    network_cmd_show_counters);
CLI_COMMAND(mac_aging, "mac aging", "set the MAC table aging time in seconds (default 300)",
	    network_cmd_mac_aging);
