/*
 * The binding of the neighbour table (net/nat/neigh.h) to the switches:
 * egress of translated frames, ARP requests and confirmations, the queue
 * of frames waiting for a next hop. See net/nat/egress.h.
 */
#include <errno.h>
#include <string.h>

#include "kernel/cli.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "drivers/offload.h"
#include "net/nat/egress.h"
#include "net/nat/neigh.h"
#include "net/switch/network.h"

#define EGRESS_ETH_HLEN	   14
#define EGRESS_TICK_BUDGET 256 /* neighbour slots looked at per poll pass */
#define EGRESS_TICK_MAX	   16  /* due requests and failures handled per pass */

/* A frame waiting for its next hop's MAC. */
struct egress_wait {
	struct network *net; /* NULL: a free slot */
	uint32_t hop;
	uint16_t len;
	uint8_t frame[EGRESS_FRAME_MAX];
};

static struct neigh egress_neigh;
static struct neigh_entry egress_slots[2 * EGRESS_NEIGH_CAPACITY];
static struct egress_wait egress_queue[EGRESS_QUEUE];
static struct network *egress_nets[NEIGH_NETS]; /* by network number */
static bool egress_ready;
static struct {
	uint64_t sent, queued, sent_queued, queue_full, unreachable, no_room, too_big, bad_offload,
		requests, no_address;
} egress_st;

static void egress_init(void)
{
	if (egress_ready)
		return;
	neigh_init(&egress_neigh, egress_slots, neigh_nslots(EGRESS_NEIGH_CAPACITY),
		   EGRESS_NEIGH_CAPACITY, EGRESS_NEIGH_SHARE,
		   ((uint64_t)random_u32() << 32) | random_u32());
	egress_ready = true;
}

/* The network's number in the neighbour table, remembering the network. */
static uint8_t egress_num(struct network *net)
{
	int i = network_index(net);

	egress_nets[i] = net;
	return (uint8_t)i;
}

static void egress_put(struct network *net, uint8_t *frame, size_t len, const uint8_t mac[6],
		       const struct netdev_offload *ofl)
{
	memcpy(frame, mac, 6);
	memcpy(frame + 6, network_mac(net), 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	network_output(net, frame, len, ofl);
}

/* Asks the network's segment who has (hop), from the network's address. */
static void egress_request(struct network *net, uint32_t hop)
{
	uint8_t req[60] = {0}; /* the Ethernet minimum, padded with zeros */
	uint32_t ip = network_ip(net);

	if (ip == 0) {
		egress_st.no_address++;
		return;
	}
	neigh_arp_request(req, network_mac(net), ip, hop);
	network_output(net, req, sizeof(req), NULL);
	egress_st.requests++;
}

static void egress_enqueue(struct network *net, const uint8_t *frame, size_t len, uint32_t hop)
{
	struct egress_wait *free_slot = NULL;
	unsigned same = 0;

	for (int i = 0; i < EGRESS_QUEUE; i++) {
		struct egress_wait *w = &egress_queue[i];

		if (w->net == NULL) {
			if (free_slot == NULL)
				free_slot = w;
		} else if (w->net == net && w->hop == hop) {
			same++;
		}
	}
	if (free_slot == NULL || same >= EGRESS_QUEUE_PER_HOP) {
		egress_st.queue_full++;
		return;
	}
	free_slot->net = net;
	free_slot->hop = hop;
	free_slot->len = (uint16_t)len;
	memcpy(free_slot->frame, frame, len);
	egress_st.queued++;
}

/* Sends (mac known) or drops (mac NULL) the frames waiting for (hop) of (net). */
static void egress_release(struct network *net, uint32_t hop, const uint8_t *mac)
{
	for (int i = 0; i < EGRESS_QUEUE; i++) {
		struct egress_wait *w = &egress_queue[i];

		if (w->net != net || w->hop != hop)
			continue;
		if (mac != NULL) {
			egress_put(net, w->frame, w->len, mac, NULL);
			egress_st.sent_queued++;
		} else {
			egress_st.unreachable++;
		}
		w->net = NULL;
	}
}

void egress_send(struct network *net, uint8_t *frame, size_t len, uint32_t hop,
		 const struct netdev_offload *ofl)
{
	uint8_t mac[6];
	bool ask;
	int r;

	egress_init();
	r = neigh_resolve(&egress_neigh, egress_num(net), hop, time_ms(), mac, &ask);
	if (ask)
		egress_request(net, hop);
	switch (r) {
	case NEIGH_USE:
		egress_put(net, frame, len, mac, ofl);
		egress_st.sent++;
		return;
	case NEIGH_REQUEST:
	case NEIGH_WAIT:
		/* A waiting frame is a finished one: a GSO frame does not wait
		 * (TCP sends it again), a partial checksum is completed. */
		if (len > EGRESS_FRAME_MAX || (ofl != NULL && ofl->gso_type)) {
			egress_st.too_big++;
			return;
		}
		if (ofl != NULL && (ofl->flags & OFFLOAD_F_NEEDS_CSUM) &&
		    offload_csum(frame, len, ofl) != 0) {
			egress_st.bad_offload++;
			return;
		}
		egress_enqueue(net, frame, len, hop);
		return;
	case -EHOSTUNREACH:
		egress_st.unreachable++;
		return;
	default:
		egress_st.no_room++;
		return;
	}
}

void egress_arp_input(struct network *net, const uint8_t *frame, size_t len)
{
	struct neigh_arp arp;
	uint32_t own, mask;
	uint8_t num;

	if (len < EGRESS_ETH_HLEN || frame[12] != 0x08 || frame[13] != 0x06)
		return;
	egress_init();
	if (neigh_arp_parse(&egress_neigh, frame, len, &arp) < 0)
		return;
	own = network_ip(net);
	mask = network_netmask(net);
	/* Only neighbours on the network's own subnet; never an address probe
	 * (sender 0.0.0.0, RFC 5227) or someone claiming ours. */
	if (own == 0 || arp.spa == 0 || arp.spa == own || (arp.spa & mask) != (own & mask))
		return;
	num = egress_num(net);
	/* A neighbour that speaks to us (a request for our address, or the
	 * answer to ours) may be added; others only refresh what we know. */
	if (neigh_confirm(&egress_neigh, num, arp.spa, arp.sha, time_ms(), arp.tpa == own) == 1)
		egress_release(net, arp.spa, arp.sha);
}

void egress_network_changed(struct network *net)
{
	int i = network_index(net);

	if (!egress_ready)
		return;
	neigh_flush_net(&egress_neigh, (uint8_t)i);
	for (int q = 0; q < EGRESS_QUEUE; q++)
		if (egress_queue[q].net == net)
			egress_queue[q].net = NULL;
	egress_nets[i] = NULL;
}

static void egress_poll(void)
{
	struct neigh_addr due[EGRESS_TICK_MAX], failed[EGRESS_TICK_MAX];
	unsigned ndue = 0, nfailed = 0;

	if (!egress_ready)
		return;
	neigh_tick(&egress_neigh, time_ms(), EGRESS_TICK_BUDGET, due, EGRESS_TICK_MAX, &ndue,
		   failed, &nfailed);
	for (unsigned i = 0; i < ndue; i++)
		if (egress_nets[due[i].net] != NULL)
			egress_request(egress_nets[due[i].net], due[i].ip);
	for (unsigned i = 0; i < nfailed; i++)
		if (egress_nets[failed[i].net] != NULL)
			egress_release(egress_nets[failed[i].net], failed[i].ip, NULL);
}

static int egress_cmd_show_arp(int argc, char **argv, struct cli_out *out)
{
	unsigned num = NEIGH_NETS;

	if (argc > 0) {
		struct network *net = network_find(argv[0]);

		if (net == NULL) {
			cli_printf(out, "%% no network named '%s'\n", argv[0]);
			return -ENOENT;
		}
		num = (unsigned)network_index(net);
	}
	egress_init();
	neigh_show(&egress_neigh, num, time_ms(), out);
	cli_printf(
		out,
		"egress: sent %llu, queued %llu (sent later %llu); dropped: queue full %llu, "
		"unreachable %llu, no room %llu, too big or GSO %llu, bad offload %llu; ARP "
		"requests %llu (no address %llu)\n",
		(unsigned long long)egress_st.sent, (unsigned long long)egress_st.queued,
		(unsigned long long)egress_st.sent_queued, (unsigned long long)egress_st.queue_full,
		(unsigned long long)egress_st.unreachable, (unsigned long long)egress_st.no_room,
		(unsigned long long)egress_st.too_big, (unsigned long long)egress_st.bad_offload,
		(unsigned long long)egress_st.requests, (unsigned long long)egress_st.no_address);
	return 0;
}

CLI_COMMAND(show_arp, "show arp",
	    "the forwarding path's neighbours (every network, or NETWORK) and egress counters",
	    egress_cmd_show_arp);

POLLER(egress, egress_poll);
