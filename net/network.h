/*
 * Networks: each is a learning switch (net/switch.h) over a set of ports,
 * whose CPU port is an lwIP netif carrying the network's gateway address.
 * This file binds the pure switch to the netdev ports and to lwIP; frames
 * between guests go port to port and never enter lwIP.
 */
#ifndef UNIGATE_NET_NETWORK_H
#define UNIGATE_NET_NETWORK_H

#include <stdint.h>

#include "drivers/netdev.h"

#define NETWORK_MAX	 32
#define NETWORK_NAME_MAX 16
#define NETWORK_FDB_SIZE 4096 /* MAC table entries per network */

enum network_mode { NETWORK_NAT, NETWORK_HOSTONLY, NETWORK_BRIDGED };

/* Creates network (name) in (mode) with gateway address (addr)/(prefix)
 * (host byte order) over the ports (ports) of (nports). Returns 0 or
 * -errno (-EEXIST, -ENOSPC, -EBUSY if a port is already in a network). */
int network_create(const char *name, enum network_mode mode, uint32_t addr, uint8_t prefix,
		   struct netdev *const *ports, int nports);

/* Builds the default networks until the configuration language lands:
 * eth0 is the uplink (unused), eth1..ethN form vmnet8, 192.168.99.2/24. */
int network_default(void);

/* Ages MAC tables; called from the main loop. */
void network_poll(void);

#endif
