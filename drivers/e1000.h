/*
 * The e1000 driver's core: descriptor rings, receive, transmit, interrupt
 * acknowledgement and the netdev ops, reaching the device only through
 * (regs), a pointer to its 32-bit registers. In the image that is BAR0; a
 * host unit test points it at a plain array and plays the device. The
 * PCI binding, reset and MAC discovery (which wait on time) live in
 * e1000.c.
 */
#ifndef UNIGATE_E1000_H
#define UNIGATE_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/e1000_regs.h"
#include "drivers/netdev.h"

#define E1000_RX_RING  256		      /* receive descriptors */
#define E1000_TX_RING  256		      /* transmit descriptors */
#define E1000_BUF_SIZE 2048		      /* bytes per receive and per transmit buffer */
#define E1000_RX_MIN   14		      /* shortest frame delivered: an Ethernet header */
#define E1000_RX_MAX   (NETDEV_FRAME_MAX + 4) /* longest: room for one VLAN tag */
#define E1000_BAR_SIZE 0x20000		      /* registers decoded in BAR0 */

/* Quirks, carried in struct netdev_pci_id.flags. */
#define E1000_F_EERD_LARGE (1u << 0) /* EERD: DONE is bit 1, address at bit 2 */
#define E1000_F_NO_EERD	   (1u << 1) /* no EERD; reload the EEPROM with CTRL_EXT.EE_RST */
#define E1000_F_IPGT8	   (1u << 2) /* TIPG.IPGT is 8, not 10 */
#define E1000_F_ICR_W1C	   (1u << 3) /* acknowledge by writing ICR back as well */
#define E1000_F_AUTO_RD	   (1u << 4) /* after reset, wait for EECD.AUTO_RD */
#define E1000_F_82574_INIT (1u << 5) /* set the 82574's TXDCTL, TARC0, GCR bits */
#define E1000_F_TX_OFFLOAD (1u << 6) /* TCP/IP context descriptors: E1000_OFFLOADS */

/* What a model with E1000_F_TX_OFFLOAD does on transmit (SDM §3.3.6-3.3.7,
 * §3.5): the TCP/UDP checksum, and TCP segmentation over IPv4. Not IPv6
 * segmentation (§3.5.9 and QEMU's model write IPv6's payload length as
 * MSS + HDRLEN - IPCSS, 40 bytes too many), nor ECN (CWR is left on
 * every segment, where Linux keeps it on the first only). */
#define E1000_OFFLOADS (NETDEV_OFL_CSUM | NETDEV_OFL_TSO4)

/* What such a port claims (nd->offloads): the checksum only. With TSO
 * claimed too, TCP from a virtio-net guest to an e1000 guest under QEMU 7.2
 * (hw/net/e1000.c) stalled at 5.8 of 8.2 MB, the sender retransmitting
 * (985 segments in 3 s) though every checksum was good; one known quirk
 * (an extra header-only segment when the payload is a whole number of
 * MSS) does not explain it. Until that is found, netdev cuts GSO frames
 * in software for e1000 ports; the TSO path stays, unit-tested. */
#define E1000_OFFLOADS_CLAIMED NETDEV_OFL_CSUM

/* Transmit descriptors one frame may take: a context descriptor and one
 * data descriptor per transmit buffer. */
#define E1000_TX_FRAME_SLOTS (1 + (NETDEV_GSO_MAX + E1000_BUF_SIZE - 1) / E1000_BUF_SIZE)

/* One device. Descriptors and buffers are DMA memory, identity mapped. */
struct e1000_dev {
	volatile uint32_t *regs; /* BAR0, or a test's array */
	uint32_t flags;		 /* E1000_F_* */
	volatile struct e1000_rx_desc *rx_ring;
	volatile struct e1000_tx_desc *tx_ring;
	uint8_t *rx_buf;      /* E1000_RX_RING buffers of E1000_BUF_SIZE */
	uint8_t *tx_buf;      /* E1000_TX_RING buffers of E1000_BUF_SIZE */
	uint16_t rx_next;     /* next descriptor the device completes */
	bool rx_discard;      /* inside a frame that spans descriptors */
	uint16_t tx_clean;    /* oldest descriptor not yet reaped */
	uint16_t tx_tail;     /* next free descriptor */
	uint16_t tx_used;     /* descriptors queued and not reaped */
	uint16_t tx_doorbell; /* TDT as last written */
	/* For the first slot of each queued frame, the slots it takes; only
	 * its last asks for DD (RS), and reaping frees them together. */
	uint8_t tx_span[E1000_TX_RING];
	bool irq_off;	   /* IMC written: the loop is busy (e1000_poll, e1000_idle) */
	bool tx_ctx_valid; /* tx_ctx is what the device holds */
	struct e1000_tx_ctx_desc tx_ctx; /* the last context descriptor written */
	uint8_t mpc_mode;		 /* how MPC behaves: E1000_MPC_* */
	uint32_t mpc_last;		 /* last MPC value when it accumulates */
	/* The receive probe (below). PHY registers are reached through
	 * these, which the PCI binding sets (MDIC) and a test plays; without
	 * them there is no probe. Each returns 0 or -errno. */
	int (*phy_read)(struct e1000_dev *d, unsigned reg, uint16_t *val);
	int (*phy_write)(struct e1000_dev *d, unsigned reg, uint16_t val);
	uint8_t probe;	       /* E1000_PROBE_* */
	bool probe_told;       /* the binding has reported the end */
	uint16_t phy_ctrl;     /* PHY control as found, put back after */
	uint32_t probe_t0;     /* ms: the first tick */
	uint32_t probe_sent;   /* ms: the last probe frame queued */
	uint32_t probe_ms;     /* how long proving took */
	uint32_t probe_frames; /* probe frames queued */
};

/*
 * The receive probe: a port is known to receive once a frame has arrived.
 * QEMU's 8254x models (hw/net/e1000.c, set_rx_control and
 * e1000_can_receive) take no frame for a second after every RCTL write, so
 * a port that open() has just enabled may not be receiving yet though
 * nothing says so. open() therefore puts the PHY in loopback (when the
 * link is up and the binding gave PHY access) and marks the port
 * rx_waiting; e1000_probe_tick() queues a probe frame to the port's own
 * address every E1000_PROBE_EVERY_MS. The first frame received, a probe
 * or any other, ends it: the PHY control goes back as it was and the port
 * is receiving. Meanwhile nothing but probes is sent (a looped frame
 * would come back in as the wire's). After E1000_PROBE_MAX_MS without a
 * frame it ends all the same (a PHY that does not loop). Probe frames,
 * late ones too, are never delivered.
 */
#define E1000_PROBE_NONE     0 /* no probe: not started, or no PHY access */
#define E1000_PROBE_RUN	     1 /* the PHY loops; waiting for a frame */
#define E1000_PROBE_SEEN     2 /* ended: a frame arrived */
#define E1000_PROBE_GAVE_UP  3 /* ended: none in E1000_PROBE_MAX_MS */
#define E1000_PROBE_EVERY_MS 5
#define E1000_PROBE_MAX_MS   2000
#define E1000_PROBE_TYPE     0x88b5 /* IEEE 802 local experimental EtherType 1 */

/* Runs the probe one step at time (now), in ms: stamps its start on the
 * first call, queues a probe frame when one is due (the caller flushes),
 * ends it after E1000_PROBE_MAX_MS. Returns whether (nd) is still
 * waiting; once it is not, d->probe says how it ended and d->probe_ms
 * how long it took. */
bool e1000_probe_tick(struct netdev *nd, uint32_t now);

/* MPC is clear-on-read on hardware (SDM §13.7); QEMU lets it accumulate.
 * The first non-zero reading tells which. */
#define E1000_MPC_UNKNOWN 0
#define E1000_MPC_CLEARS  1
#define E1000_MPC_STICKY  2

/* The ops every e1000 port uses; nd->priv is its struct e1000_dev. open()
 * allocates the rings (the only allocation), programs receive and transmit
 * (SDM §14.4, §14.5) and unmasks interrupts; xmit() copies into the next
 * transmit buffer, or with offloads (what nd->offloads has) into as many
 * as the frame needs after a context descriptor, changing only its copy
 * (the caller's frame stays as it was), and returns -EINVAL, counting
 * tx_drop_offload, for headers it cannot hand the device; flush() writes
 * TDT at most once; poll() reads ICR, reaps transmits, then consumes up
 * to (budget) receive descriptors, good or bad, and writes RDT once. */
extern const struct netdev_ops e1000_ops;

/* Prepares (d) for the registers at (regs) and the quirks (flags); no
 * register is touched. */
void e1000_dev_init(struct e1000_dev *d, volatile uint32_t *regs, uint32_t flags);

/* Frees the rings and buffers open() allocated; the device must be reset
 * or its receiver and transmitter disabled first. */
void e1000_dev_free(struct e1000_dev *d);

/* The EERD value that starts reading EEPROM word (word). */
uint32_t e1000_eerd_start(uint32_t flags, unsigned word);

/* Whether the EERD value (v) reports a finished read; if so stores the
 * word in (*data). */
bool e1000_eerd_done(uint32_t flags, uint32_t v, uint16_t *data);

/* Decodes receive address registers (ral, rah) into (mac). Returns true
 * if the entry is valid (RAH.AV) and holds a unicast, non-zero address. */
bool e1000_mac_from_ra(uint32_t ral, uint32_t rah, uint8_t mac[6]);

/* Adds to (nd)'s rx_drop_nobuf what the device counted in MPC: (first) is
 * one reading and (second) one taken right after it. */
void e1000_count_missed(struct netdev *nd, uint32_t first, uint32_t second);

static inline uint32_t e1000_rd(const struct e1000_dev *d, uint32_t off)
{
	return d->regs[off / 4];
}

static inline void e1000_wr(struct e1000_dev *d, uint32_t off, uint32_t v)
{
	d->regs[off / 4] = v;
}

#endif
