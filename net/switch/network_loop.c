/*
 * Loop detection (net/switch/loop.h): every NETWORK_LOOP_PROBE_MS each open
 * port of a network of two or more ports sends a probe with its own token;
 * one of ours that comes back blocks a port for NETWORK_LOOP_BLOCK_MS
 * (network_loop_until), whose frames the data path drops meanwhile.
 */
#include <stdio.h>

#include "kernel/random.h"
#include "lwip/sys.h"
#include "net/switch/loop.h"
#include "net/switch/network_impl.h"

#define NETWORK_LOOP_PROBE_MS 2000  /* loop probes out of every port this often */
#define NETWORK_LOOP_BLOCK_MS 60000 /* a port that closes a loop is blocked this long */

/* Each port's probe token, and until when it is blocked. */
static uint64_t network_loop_token[NETDEV_MAX];
uint32_t network_loop_until[NETDEV_MAX];

bool network_loop_ours(uint64_t token)
{
	for (int p = 0; p < NETDEV_MAX; p++)
		if (token != 0 && network_loop_token[p] == token)
			return true;
	return false;
}

bool network_loop_seen(struct network *net, int in, uint64_t token)
{
	int from = -1, block;

	for (int p = 0; p < NETDEV_MAX && from < 0; p++)
		if (token != 0 && network_loop_token[p] == token)
			from = p;
	if (from < 0)
		return false;
	/* The loop is already cut: this probe left before the cut. */
	if (network_loop_until[from] != 0)
		return true;
	/* The outside reflecting the uplink's own probe (a hairpin bridge,
	 * VEPA) is no loop through us: cutting the uplink would be worse. */
	if (from == in && (net->trusted & SW_BIT(in)))
		return true;
	block = from != in && (net->trusted & SW_BIT(in)) ? from : in;
	if (network_loop_until[block] == 0) {
		network_loop_until[block] = (sys_now() + NETWORK_LOOP_BLOCK_MS) | 1;
		net->loops++;
		/* While the loop ran, the looping guest's frames came in on both
		 * ports: whatever it was bound to on the blocked one goes, so that
		 * it keeps its address through the open one. */
		for (int i = 0; i < NETWORK_MAX; i++)
			if (network_tab[i].used && (network_tab[i].sw.members & SW_BIT(block)))
				network_port_released(&network_tab[i], block);
		printf("\nloop: network %s: a probe sent on eth%d came back on eth%d; eth%d "
		       "blocked for "
		       "%u s\n",
		       net->name, from, in, block, NETWORK_LOOP_BLOCK_MS / 1000);
	}
	return true;
}

void network_loop_poll(uint32_t now)
{
	static uint32_t probed;
	uint8_t frame[LOOP_FRAME_LEN];

	for (int p = 0; p < NETDEV_MAX; p++) {
		if (network_loop_until[p] != 0 && (int32_t)(now - network_loop_until[p]) >= 0) {
			network_loop_until[p] = 0;
			printf("\nloop: eth%d unblocked\n", p);
		}
	}
	if (now - probed < NETWORK_LOOP_PROBE_MS)
		return;
	probed = now;
	for (int i = 0; i < NETWORK_MAX; i++) {
		struct network *net = &network_tab[i];
		sw_mask_t open = net->sw.tx_mask & (SW_BIT(NETWORK_CPU_PORT) - 1);

		if (!net->used || (open & (open - 1)) == 0)
			continue; /* fewer than two ports: no loop through us */
		for (; open; open &= open - 1) {
			int p = __builtin_ctzll(open);
			struct netdev *nd = sw_port_user(&net->sw, p);
			struct netdev_seg seg = {frame, sizeof(frame)};

			while (network_loop_token[p] == 0)
				network_loop_token[p] = (uint64_t)random_u32() << 32 | random_u32();
			loop_build(frame, nd->mac, network_loop_token[p]);
			network_port_xmit(net, p, &seg, 1, NULL);
		}
	}
}
