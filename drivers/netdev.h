/*
 * The port layer between NIC drivers and the switch. A driver is an ops
 * table plus a PCI ID table, registered with NETDEV_DRIVER(); netdev.c
 * probes every PCI function in bus/device/function order and names the
 * ports it claims eth0, eth1, ... in that order.
 *
 * Packet path: receive hands the owner a pointer into the driver's own
 * receive buffer (writable, valid only during the callback); transmit
 * copies the caller's segments into the driver's transmit buffer, so a
 * frame forwarded from port to port is copied exactly once. Transmit
 * only queues; netdev_flush() rings each device's doorbell once per burst.
 */
#ifndef UNIGATE_NETDEV_H
#define UNIGATE_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci.h"

#define NETDEV_MAX	 48
#define NETDEV_NAME_MAX	 8
#define NETDEV_FRAME_MAX 1518  /* header, VLAN tag and 1500 bytes; FCS stripped; no jumbo frames */
#define NETDEV_GSO_MAX	 65549 /* a GSO frame: Ethernet header and a 65535-byte IP packet */
#define NETDEV_RX_BUDGET 64    /* frames one poll() may deliver */

/*
 * Offload metadata travelling with a frame, in virtio-net header terms
 * (virtio 1.2 §5.1.6; the values are drivers/offload.h's OFFLOAD_*): a
 * checksum left to the device (flags NEEDS_CSUM, csum_start, csum_offset)
 * and a TCP segment of up to 64 KB to be cut into gso_size-byte pieces
 * (gso_type). A driver whose device offers no offloads passes NULL on
 * receive; on transmit, netdev_xmit() gives a driver only what its
 * (offloads) say the device does, and does the rest in software first
 * (drivers/offload.h).
 */
struct netdev_offload {
	uint8_t flags;	  /* VIRTIO_NET_HDR_F_NEEDS_CSUM = 1, DATA_VALID = 2 */
	uint8_t gso_type; /* 0: none */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* One piece of a frame to transmit. */
struct netdev_seg {
	const void *data;
	size_t len;
};

/* Per-port counters; every drop has a named reason. */
struct netdev_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_drop_len;	  /* device reported a length out of range */
	uint64_t rx_drop_desc;	  /* device reported a descriptor index out of range */
	uint64_t rx_drop_error;	  /* device flagged the frame as bad (CRC, ...) */
	uint64_t rx_drop_nobuf;	  /* the device ran out of receive buffers */
	uint64_t tx_drop_full;	  /* transmit ring full */
	uint64_t tx_drop_size;	  /* frame larger than NETDEV_FRAME_MAX or empty */
	uint64_t tx_drop_down;	  /* link down or port not open */
	uint64_t tx_drop_offload; /* an offload that could not be done in software: bad headers */
	uint64_t tx_sw_csum;	  /* checksums completed in software for this port */
	uint64_t tx_sw_gso;	  /* GSO frames cut in software for this port */
	uint64_t rx_gso;	  /* GSO frames received whole */
	uint64_t irqs;		  /* interrupts that woke us for this port */
};

/* What a device does with a frame's offload metadata (netdev.offloads). */
#define NETDEV_OFL_CSUM 0x01 /* completes a checksum left to it (NEEDS_CSUM) */
#define NETDEV_OFL_TSO4 0x02 /* cuts TCP over IPv4 GSO frames */
#define NETDEV_OFL_TSO6 0x04 /* cuts TCP over IPv6 GSO frames */
#define NETDEV_OFL_ECN	0x08 /* ... also those with the ECN bit (CWR set) */

struct netdev;

/* Called by a driver for each received frame: (len) bytes at (frame), which
 * the driver owns; the owner may modify them but not keep the pointer past
 * the call. (ofl) is NULL when the device gives no offload metadata. */
typedef void (*netdev_rx_fn)(struct netdev *nd, void *frame, size_t len,
			     const struct netdev_offload *ofl);

struct netdev_ops {
	/* Brings the rings up and starts receiving. Returns 0 or -errno. */
	int (*open)(struct netdev *nd);
	/* Queues one frame made of (nseg) segments, copying them; does not
	 * ring the doorbell. (ofl), if not NULL, asks only for what
	 * nd->offloads has (netdev_xmit() sees to it). Returns 0, -ENOBUFS
	 * (ring full), -EMSGSIZE, or -ENETDOWN; the driver counts the drop in
	 * nd->stats. */
	int (*xmit)(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		    const struct netdev_offload *ofl);
	/* Tells the device about frames queued since the last flush. */
	void (*flush)(struct netdev *nd);
	/* Acknowledges the device's interrupt, reaps finished transmits,
	 * refreshes nd->link, and delivers up to (budget) received frames to
	 * nd->rx. Returns the number of frames delivered. */
	int (*poll)(struct netdev *nd, int budget);
	/* Optional: the loop is about to sleep until an interrupt; a driver
	 * that masked its device's interrupts while busy unmasks them. */
	void (*idle)(struct netdev *nd);
	/* Receive every frame whatever its destination (bridging needs it). */
	void (*set_promisc)(struct netdev *nd, bool on);
};

struct netdev {
	char name[NETDEV_NAME_MAX]; /* "eth0" */
	int index;		    /* the N of ethN: its switch port number */
	const char *model;	    /* "virtio-net", "82540EM", ... */
	uint8_t mac[6];
	uint16_t mtu;
	bool link;	  /* carrier, as the device reports it */
	uint8_t offloads; /* NETDEV_OFL_*: what the device does on transmit */
	bool promisc;
	bool open;
	bool rx_waiting; /* receive is enabled but not yet shown to work (e1000.h) */
	const struct netdev_ops *ops;
	const struct pci_dev *pci;
	void *priv;	  /* the driver's state */
	netdev_rx_fn rx;  /* set by the owner; frames are dropped while NULL */
	void *owner;	  /* the switch port using this netdev */
	const char *role; /* set by the owner: what the port carries, for show ports */
	struct netdev_stats stats;
};

/* An entry of a driver's PCI ID table; (flags) carry per-model quirks. */
struct netdev_pci_id {
	uint16_t vendor, device;
	const char *model;
	uint32_t flags;
};

struct netdev_driver {
	const char *name;
	const struct netdev_pci_id *ids; /* ends with a zero vendor */
	/* Claims (pci), a match of (id): maps BARs, resets the device, reads
	 * the MAC, fills (nd)'s model, mac, mtu, ops and priv. Returns 0 or
	 * -errno, having undone everything it did. */
	int (*probe)(struct netdev *nd, const struct pci_dev *pci, const struct netdev_pci_id *id);
};

/* Registers a driver; netdev.c finds it in the "netdev_drivers" section. */
#define NETDEV_DRIVER(ident, drv)                                                                  \
	static const struct netdev_driver *const netdev_drv_##ident                                \
		__attribute__((used, section("netdev_drivers"), aligned(8))) = &(drv)

/* Probes every PCI function against every driver and opens the ports it
 * claims, routing their interrupts to the wake-up handler. Returns the
 * number of ports. */
int netdev_init(void);

/* The (i)th port, or NULL. Ports are never removed. */
struct netdev *netdev_get(int i);
int netdev_count(void);
struct netdev *netdev_by_name(const char *name);

/* Queues one frame on (nd); see netdev_ops.xmit. Counts size and link drops
 * itself before calling the driver. What (ofl) asks and the device cannot
 * do is done here first: the checksum completed, a GSO frame cut into
 * frames (each queued; the return is the first error). A frame with
 * (ofl) must be one segment. Frames up to NETDEV_GSO_MAX bytes are taken
 * when (ofl) is a GSO frame, else up to NETDEV_FRAME_MAX. (Lives in
 * drivers/netdev_tx.c, which the host binding tests use too.) */
int netdev_xmit(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		const struct netdev_offload *ofl);

/* Polls every port once (each up to NETDEV_RX_BUDGET frames), then flushes
 * every port's transmit queue and re-enables the ports' interrupt lines.
 * Returns the number of frames received. */
int netdev_poll_all(void);

/* Before the loop sleeps: every port that can wake it is told (idle). */
void netdev_idle_all(void);

/* How many ports are still rx_waiting: the appliance is ready (serving)
 * when none is. */
int netdev_rx_waiting(void);

#endif
