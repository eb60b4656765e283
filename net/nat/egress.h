/*
 * The egress of forwarded frames: a translated IPv4 packet, still in the
 * driver's receive buffer behind its Ethernet header, gets the next hop's
 * MAC from the forwarding path's own neighbour table (net/nat/neigh.h, one
 * for every network, sized at boot) and leaves through the network's
 * switch (network_output), with no lwIP, no allocation and one copy, into
 * the egress port's ring. A frame whose next hop is being resolved waits
 * in a small bounded queue (copied there) while ARP requests go out; ARP
 * seen at the CPU ports confirms entries. lwIP's own ARP table serves only
 * the appliance's own traffic.
 */
#ifndef UNIGATE_NET_NAT_EGRESS_H
#define UNIGATE_NET_NAT_EGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

struct network;
struct netdev_offload;

#define EGRESS_NEIGH_CAPACITY 4096 /* neighbours of every network together */
#define EGRESS_NEIGH_SHARE    1024 /* of them, one network's at most */
/* Frames waiting for ARP. The uplink's next hop serves every guest: when
 * it is not yet known, each guest's first frame waits for it, so one hop
 * may hold as many as a full switch of guests sends at once (Linux keeps
 * about 100 per address: unres_qlen). */
#define EGRESS_QUEUE	     128  /* all networks */
#define EGRESS_QUEUE_PER_HOP 64	  /* of them, for one next hop */
#define EGRESS_FRAME_MAX     1518 /* bytes of a frame that may wait */

/*
 * Sends the Ethernet frame of (len) bytes at (frame), whose IPv4 packet is
 * ready but for what (ofl) (NULL: nothing) leaves to a device, out of
 * network (net) to next hop (hop) (host order): fills in the Ethernet
 * header (the hop's MAC, the network's own) and hands it to the switch,
 * or queues a copy while the hop is resolved (its checksum completed
 * first; a GSO frame is not queued but dropped), or drops it (counted).
 * The caller keeps (frame).
 */
void egress_send(struct network *net, uint8_t *frame, size_t len, uint32_t hop,
		 const struct netdev_offload *ofl);

/* Shows the egress path an Ethernet frame that reached (net)'s CPU port,
 * (len) bytes at (frame), which the caller keeps: ARP from a neighbour
 * confirms it (and sends what waited for it). Changes nothing else. */
void egress_arp_input(struct network *net, const uint8_t *frame, size_t len);

/* Forgets (net)'s neighbours and waiting frames: its address, its ports
 * or the network itself changed. */
void egress_network_changed(struct network *net);

#endif
