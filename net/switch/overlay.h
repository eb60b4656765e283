/*
 * VXLAN (RFC 7348): a network that spans hosts. Each remote endpoint of a
 * network is a port of its switch (NETWORK_REMOTE_PORT0 + k), so the
 * switch learns which endpoint a MAC lives behind, floods broadcast,
 * multicast and unknown unicast to every endpoint, ages remote MACs like
 * local ones, and the guard and quotas see remote frames as any port's.
 * This file binds the pure codec (net/switch/vxlan.h) to the switch and to
 * the uplink: frames leave encapsulated from the uplink's address through
 * the forwarding path's egress (net/nat/egress.h), and VXLAN packets to the
 * uplink's address are taken apart at the uplink's CPU port, before the
 * NAT, from listed remotes only.
 */
#ifndef UNIGATE_NET_SWITCH_OVERLAY_H
#define UNIGATE_NET_SWITCH_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "kernel/cli.h"

#define OVERLAY_REMOTES_MAX 8	 /* endpoints per network: config's CFG_REMOTES_MAX */
#define OVERLAY_UPLINK_MTU  1500 /* the uplink's IP MTU the outer packets must fit */
/* The IP MTU left to a VXLAN network's guests (DHCP option 26): the outer
 * Ethernet, IPv4, UDP and VXLAN headers come out of the uplink's. */
#define OVERLAY_GUEST_MTU (OVERLAY_UPLINK_MTU - 50)

struct network;

/*
 * Gives (net) the VXLAN network identifier (vni), 0 for none, on UDP port
 * (port), with the (n) remote endpoints (remote) (host order), replacing
 * what it had: a remote that stays keeps its port and learned MACs, one
 * that goes takes them along. Returns 0, or -EINVAL (n too big, vni out of
 * range) having changed nothing.
 */
int overlay_set(struct network *net, uint32_t vni, uint16_t port, const uint32_t *remote,
		unsigned n);

/* The network whose address VXLAN leaves from and arrives at: the uplink,
 * or NULL for none (frames to remotes are then dropped and counted). */
void overlay_set_uplink(struct network *up);

/*
 * The uplink's CPU port looks at (len) bytes at (frame), a frame to the
 * uplink's MAC, with (ofl) (NULL: none): if it is VXLAN to the uplink's
 * address on a port some network uses, returns true, having given the
 * inner frame to that network's switch from the remote's port (it may be
 * changed in place, as any received frame) or dropped it, counted. Returns
 * false for anything else, untouched.
 */
bool overlay_input(struct network *up, uint8_t *frame, size_t len,
		   const struct netdev_offload *ofl);

/*
 * The switch sends the frame (seg)[0 .. nseg) with (ofl) out of (net)'s
 * remote port (port): encapsulated to that endpoint (one copy, into the
 * egress path's buffer); a GSO frame is cut first. Frames that would not
 * fit the uplink's MTU once wrapped are dropped and counted, never
 * fragmented (RFC 7348 §4.3). The caller keeps (seg).
 */
void overlay_xmit(struct network *net, int port, const struct netdev_seg *seg, int nseg,
		  const struct netdev_offload *ofl);

/* For show networks: (net)'s VNI, port and remotes, if it has them. */
void overlay_show(const struct network *net, struct cli_out *out);

#endif
