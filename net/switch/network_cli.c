/*
 * Networks on the console: network_show for show networks, and the
 * commands show mac, show counters (switch, CPU port, loops and 802.1Q
 * per port), show bindings and show conflicts (the guards).
 */
#include <errno.h>
#include <string.h>

#include "kernel/cli.h"
#include "lwip/sys.h"
#include "net/addr.h"
#include "net/switch/network_impl.h"
#include "net/switch/overlay.h"

void network_show(const struct network *net, struct cli_out *out)
{
	char ip[ADDR_IPV4_STRLEN];

	cli_printf(out, "  ports:");
	for (int p = 0; p < NETWORK_CPU_PORT; p++)
		if (net->sw.members & SW_BIT(p))
			cli_printf(out, " %s%s%s", net->sw.port[p].name,
				   net->tagged & SW_BIT(p) ? "(tagged)" : "",
				   network_loop_until[p]	 ? "(blocked: loop)"
				   : net->sw.tx_mask & SW_BIT(p) ? ""
								 : "(down)");
	cli_printf(out, "\n");
	if (net->vid != 0)
		cli_printf(out, "  vlan %u: tagged on", net->vid);
	for (int p = 0; net->vid != 0 && p < NETWORK_CPU_PORT; p++)
		if (net->tagged & SW_BIT(p))
			cli_printf(out, " %s", net->sw.port[p].name);
	if (net->vid != 0)
		cli_printf(out, "%s\n", net->tagged ? "" : " no port");
	if (net->has_netif)
		cli_printf(out, "  gateway %s/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
			   addr_fmt_ipv4(net->addr, ip), net->prefix, net->netif.hwaddr[0],
			   net->netif.hwaddr[1], net->netif.hwaddr[2], net->netif.hwaddr[3],
			   net->netif.hwaddr[4], net->netif.hwaddr[5]);
	overlay_show(net, out);
	cli_printf(out, "  switch: %u of %u MAC addresses, %llu frames in, %llu to the gateway\n",
		   net->sw.fdb.count, net->sw.fdb.capacity, (unsigned long long)net->sw.stats.in,
		   (unsigned long long)net->sw.stats.to_cpu);
}

static int network_cmd_show_mac(int argc, char **argv, struct cli_out *out)
{
	int shown = 0;

	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used || (argc > 0 && strcmp(argv[0], net->name) != 0))
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
	char ip[ADDR_IPV4_STRLEN];

	(void)argc;
	(void)argv;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used)
			continue;
		cli_printf(out, "network %s (%s, %s/%u)\n", net->name,
			   net->is_nat ? "nat" : "no nat", addr_fmt_ipv4(net->addr, ip),
			   net->prefix);
		sw_show_counters(&net->sw, out);
		overlay_show(net, out);
		cli_printf(out,
			   "  cpu port: no pbuf %llu, too many segments %llu, bad offload header "
			   "%llu; DHCP server messages from guest ports dropped %llu\n",
			   (unsigned long long)net->cpu_nobuf, (unsigned long long)net->cpu_tx_big,
			   (unsigned long long)net->cpu_bad_offload,
			   (unsigned long long)net->rogue_dhcp);
		cli_printf(out,
			   "  loops found %llu; frames dropped on ports blocked for a loop %llu\n",
			   (unsigned long long)net->loops, (unsigned long long)net->loop_drops);
	}
	for (int p = 0; p < NETDEV_MAX; p++) {
		const struct network_port_vlan *v = &network_vlan[p];

		if (v->untagged || v->unknown_tag || v->bad_offload || v->tagged_out)
			cli_printf(out,
				   "eth%d 802.1Q: sent tagged %llu; dropped: untagged with no "
				   "untagged network %llu, unknown tag %llu, bad offload %llu\n",
				   p, (unsigned long long)v->tagged_out,
				   (unsigned long long)v->untagged,
				   (unsigned long long)v->unknown_tag,
				   (unsigned long long)v->bad_offload);
	}
	return 0;
}

/* show bindings / show conflicts [NETWORK]: every guarded network, or one. */
static int network_cmd_guard(int argc, char **argv, struct cli_out *out, bool conflicts)
{
	int shown = 0;

	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];

		if (!net->used || !net->has_netif || net->name[0] == '(' ||
		    (argc > 0 && strcmp(argv[0], net->name) != 0))
			continue;
		cli_printf(out, "network %s: guard %s\n", net->name,
			   !net->guarded		     ? "off"
			   : net->guard.mode == GUARD_STRICT ? "strict"
							     : "learn");
		if (conflicts)
			guard_show_conflicts(&net->guard, sys_now(), out);
		else
			guard_show(&net->guard, sys_now(), out);
		shown++;
	}
	if (argc > 0 && shown == 0) {
		cli_printf(out, "%% no guarded network named '%s'\n", argv[0]);
		return -ENOENT;
	}
	return 0;
}

static int network_cmd_bindings(int argc, char **argv, struct cli_out *out)
{
	return network_cmd_guard(argc, argv, out, false);
}

static int network_cmd_conflicts(int argc, char **argv, struct cli_out *out)
{
	return network_cmd_guard(argc, argv, out, true);
}

CLI_COMMAND(show_bindings, "show bindings",
	    "who holds which address: IP, MAC, port, origin, expiry; guard drops by reason",
	    network_cmd_bindings);
CLI_COMMAND(show_conflicts, "show conflicts",
	    "addresses or MACs claimed twice (clones): both MACs and ports, first and last seen",
	    network_cmd_conflicts);
CLI_COMMAND(show_mac, "show mac", "MAC table of every network, or of NETWORK",
	    network_cmd_show_mac);
CLI_COMMAND(show_counters, "show counters", "switch and MAC table counters per network",
	    network_cmd_show_counters);
