/*
 * The e1000 core: one legacy receive ring and one legacy transmit ring per
 * device, each slot with its own fixed buffer, and the netdev ops over
 * them. Receive hands the owner a pointer into the slot's buffer and gives
 * the slot back; transmit copies the frame into the slot's buffer, or, for
 * a frame with checksum or segmentation offload, into several slots'
 * buffers behind a TCP/IP context descriptor (SDM §3.3.6-3.3.7, §3.5). Every
 * register access goes through d->regs, so host tests can play the device
 * with a plain array; nothing here waits on time or talks to PCI.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000.h"
#include "drivers/e1000_regs.h"
#include "drivers/offload.h"
#include "kernel/memory.h"
#include "net/cksum.h"

#define E1000_IMS_WANTED                                                                           \
	(E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | E1000_ICR_LSC | E1000_ICR_TXDW)
#define E1000_RING_ALIGN 4096 /* a ring is one page; buffers start on pages */

_Static_assert(E1000_RX_MAX <= E1000_BUF_SIZE, "a frame we deliver fits its buffer");
_Static_assert(NETDEV_FRAME_MAX <= E1000_BUF_SIZE, "a frame we send fits its buffer");
_Static_assert(E1000_RX_RING * sizeof(struct e1000_rx_desc) % 128 == 0, "SDM §13.4.27");
_Static_assert(E1000_TX_RING * sizeof(struct e1000_tx_desc) % 128 == 0, "SDM §13.4.38");
_Static_assert(E1000_TX_FRAME_SLOTS < E1000_TX_RING && E1000_TX_FRAME_SLOTS <= UINT8_MAX,
	       "a frame's slots fit the ring and tx_span");
_Static_assert(OFFLOAD_HDR_MAX <= E1000_BUF_SIZE, "a frame's headers lie in its first buffer");

/* Frame layout the offloads need (offload.h checks the rest). */
#define E1000_ETH_LEN	  14
#define E1000_IPV4_CSUM	  10  /* header checksum, from the IPv4 header */
#define E1000_TCP_CSUM	  16  /* checksum, from the TCP header */
#define E1000_CTX_OFF_MAX 255 /* IPCSS, IPCSO, TUCSS, TUCSO are 8 bits */

/* x86 keeps stores in order with stores and loads with loads, and the
 * uncached register writes are not reordered with earlier stores, so
 * only the compiler must be kept from moving buffer accesses across
 * descriptor and register accesses. */
static inline void e1000_barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Memory is identity mapped: a pointer is its own bus address. */
static uint64_t e1000_bus(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void e1000_dev_init(struct e1000_dev *d, volatile uint32_t *regs, uint32_t flags)
{
	memset(d, 0, sizeof(*d));
	d->regs = regs;
	d->flags = flags;
}

/* What e1000_alloc() takes from the heap, for memory_account(). */
static long long e1000_heap_bytes(const struct e1000_dev *d)
{
	return (long long)(E1000_RX_RING * sizeof(*d->rx_ring) +
			   E1000_TX_RING * sizeof(*d->tx_ring) +
			   ((size_t)E1000_RX_RING + E1000_TX_RING) * E1000_BUF_SIZE);
}

void e1000_dev_free(struct e1000_dev *d)
{
	if (d->rx_ring != NULL) /* e1000_alloc() takes all four or none */
		memory_account("e1000", -e1000_heap_bytes(d));
	free((void *)d->rx_ring);
	free((void *)d->tx_ring);
	memory_free_big(d->rx_buf, (size_t)E1000_RX_RING * E1000_BUF_SIZE);
	memory_free_big(d->tx_buf, (size_t)E1000_TX_RING * E1000_BUF_SIZE);
	d->rx_ring = NULL;
	d->tx_ring = NULL;
	d->rx_buf = NULL;
	d->tx_buf = NULL;
}

uint32_t e1000_eerd_start(uint32_t flags, unsigned word)
{
	unsigned shift =
		(flags & E1000_F_EERD_LARGE) ? E1000_EERD_ADDR_SHIFT_LARGE : E1000_EERD_ADDR_SHIFT;

	return E1000_EERD_START | (uint32_t)word << shift;
}

bool e1000_eerd_done(uint32_t flags, uint32_t v, uint16_t *data)
{
	uint32_t done = (flags & E1000_F_EERD_LARGE) ? E1000_EERD_DONE_LARGE : E1000_EERD_DONE;

	if (!(v & done))
		return false;
	*data = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
	return true;
}

bool e1000_mac_from_ra(uint32_t ral, uint32_t rah, uint8_t mac[6])
{
	static const uint8_t zero[6];

	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(ral >> (8 * i));
	mac[4] = (uint8_t)rah;
	mac[5] = (uint8_t)(rah >> 8);
	return (rah & E1000_RAH_AV) && !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

void e1000_count_missed(struct netdev *nd, uint32_t first, uint32_t second)
{
	struct e1000_dev *d = nd->priv;

	if (first == 0)
		return;
	switch (d->mpc_mode) {
	case E1000_MPC_UNKNOWN:
		/* A clear-on-read counter reads near zero the second time;
		 * one that accumulates reads at least as much. */
		if (second >= first) {
			d->mpc_mode = E1000_MPC_STICKY;
			d->mpc_last = second;
			nd->stats.rx_drop_nobuf += second;
		} else {
			d->mpc_mode = E1000_MPC_CLEARS;
			nd->stats.rx_drop_nobuf += (uint64_t)first + second;
		}
		break;
	case E1000_MPC_CLEARS:
		nd->stats.rx_drop_nobuf += first;
		break;
	default:
		/* Less than last time means the device was reset. */
		nd->stats.rx_drop_nobuf += first >= d->mpc_last ? first - d->mpc_last : first;
		d->mpc_last = first;
		break;
	}
}

static int e1000_alloc(struct e1000_dev *d)
{
	d->rx_ring = aligned_alloc(E1000_RING_ALIGN, E1000_RX_RING * sizeof(*d->rx_ring));
	if (!d->rx_ring)
		goto err_rx_ring;
	d->tx_ring = aligned_alloc(E1000_RING_ALIGN, E1000_TX_RING * sizeof(*d->tx_ring));
	if (!d->tx_ring)
		goto err_tx_ring;
	/* Buffers need no clearing (big blocks): the device fills them, or
	 * the driver does before it hands one over. */
	d->rx_buf = memory_alloc_big((size_t)E1000_RX_RING * E1000_BUF_SIZE, E1000_RING_ALIGN);
	if (!d->rx_buf)
		goto err_rx_buf;
	d->tx_buf = memory_alloc_big((size_t)E1000_TX_RING * E1000_BUF_SIZE, E1000_RING_ALIGN);
	if (!d->tx_buf)
		goto err_tx_buf;
	memory_account("e1000", e1000_heap_bytes(d));
	return 0;

err_tx_buf:
	memory_free_big(d->rx_buf, (size_t)E1000_RX_RING * E1000_BUF_SIZE);
	d->rx_buf = NULL;
err_rx_buf:
	free((void *)d->tx_ring);
	d->tx_ring = NULL;
err_tx_ring:
	free((void *)d->rx_ring);
	d->rx_ring = NULL;
err_rx_ring:
	return -ENOMEM;
}

/* SDM §14.3: link from the PHY's auto-negotiation, no flow control. */
static void e1000_setup_link(struct e1000_dev *d)
{
	uint32_t ctrl = e1000_rd(d, E1000_CTRL);

	ctrl |= E1000_CTRL_SLU | E1000_CTRL_ASDE;
	/* VME off: VLAN tags stay in the frames the switch forwards. */
	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX | E1000_CTRL_PHY_RST |
		  E1000_CTRL_VME);
	e1000_wr(d, E1000_CTRL, ctrl);
	e1000_wr(d, E1000_FCAL, 0);
	e1000_wr(d, E1000_FCAH, 0);
	e1000_wr(d, E1000_FCT, 0);
	e1000_wr(d, E1000_FCTTV, 0);
}

static uint32_t e1000_rctl(bool promisc)
{
	uint32_t rctl = E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_BSIZE_2048 |
			E1000_RCTL_RDMTS_HALF;

	return promisc ? rctl | E1000_RCTL_UPE | E1000_RCTL_MPE : rctl;
}

/* SDM §14.4 receive initialization. */
static void e1000_setup_rx(struct netdev *nd, struct e1000_dev *d)
{
	uint64_t ring = e1000_bus((const void *)d->rx_ring);

	/* RAL before RAH, so the entry turns valid only when whole (§13.5.3). */
	e1000_wr(d, E1000_RAL0,
		 (uint32_t)nd->mac[0] | (uint32_t)nd->mac[1] << 8 | (uint32_t)nd->mac[2] << 16 |
			 (uint32_t)nd->mac[3] << 24);
	e1000_wr(d, E1000_RAH0, (uint32_t)nd->mac[4] | (uint32_t)nd->mac[5] << 8 | E1000_RAH_AV);
	for (int i = 0; i < E1000_MTA_N; i++)
		e1000_wr(d, E1000_MTA + 4 * i, 0);
	/* No receive checksum offload: the error bits then report only
	 * damaged frames. */
	e1000_wr(d, E1000_RXCSUM, 0);

	for (int i = 0; i < E1000_RX_RING; i++) {
		volatile struct e1000_rx_desc *rd = &d->rx_ring[i];

		rd->addr = e1000_bus(d->rx_buf + (size_t)i * E1000_BUF_SIZE);
		rd->length = 0;
		rd->csum = 0;
		rd->status = 0;
		rd->errors = 0;
		rd->special = 0;
	}
	d->rx_next = 0;
	d->rx_discard = false;
	e1000_wr(d, E1000_RDBAL, (uint32_t)ring);
	e1000_wr(d, E1000_RDBAH, (uint32_t)(ring >> 32));
	e1000_wr(d, E1000_RDLEN, E1000_RX_RING * sizeof(struct e1000_rx_desc));
	e1000_wr(d, E1000_RDTR, 0);
	/* The device owns [RDH, RDT): every slot but one. */
	e1000_wr(d, E1000_RDH, 0);
	e1000_wr(d, E1000_RDT, E1000_RX_RING - 1);
	e1000_barrier();
	e1000_wr(d, E1000_RCTL, e1000_rctl(nd->promisc));
}

/* SDM §14.5 transmit initialization. */
static void e1000_setup_tx(struct e1000_dev *d)
{
	uint64_t ring = e1000_bus((const void *)d->tx_ring);
	uint32_t ipgt = (d->flags & E1000_F_IPGT8) ? E1000_TIPG_IPGT_8 : E1000_TIPG_IPGT_DEFAULT;

	for (int i = 0; i < E1000_TX_RING; i++) {
		volatile struct e1000_tx_desc *td = &d->tx_ring[i];

		td->addr = e1000_bus(d->tx_buf + (size_t)i * E1000_BUF_SIZE);
		td->length = 0;
		td->cso = 0;
		td->cmd = 0;
		td->status = 0;
		td->css = 0;
		td->special = 0;
	}
	d->tx_clean = 0;
	d->tx_tail = 0;
	d->tx_used = 0;
	d->tx_doorbell = 0;
	d->tx_ctx_valid = false; /* a reset forgets the context */
	e1000_wr(d, E1000_TDBAL, (uint32_t)ring);
	e1000_wr(d, E1000_TDBAH, (uint32_t)(ring >> 32));
	e1000_wr(d, E1000_TDLEN, E1000_TX_RING * sizeof(struct e1000_tx_desc));
	e1000_wr(d, E1000_TDH, 0);
	e1000_wr(d, E1000_TDT, 0);
	if (d->flags & E1000_F_82574_INIT) {
		e1000_wr(d, E1000_TXDCTL, e1000_rd(d, E1000_TXDCTL) | E1000_TXDCTL_BIT22);
		e1000_wr(d, E1000_TARC0, e1000_rd(d, E1000_TARC0) | E1000_TARC0_ENABLE);
		e1000_wr(d, E1000_GCR, e1000_rd(d, E1000_GCR) | E1000_GCR_BIT22);
	}
	e1000_wr(d, E1000_TIPG, ipgt | E1000_TIPG_IPGR1 | E1000_TIPG_IPGR2);
	e1000_wr(d, E1000_TCTL,
		 E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
			 E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT);
}

static void e1000_ack(struct e1000_dev *d, uint32_t icr)
{
	/* Reading ICR clears it (SDM §13.4.17, 82574 §7.4.3), but QEMU's
	 * 82574 before 7.2 keeps it while IMS is non-zero, and the line
	 * would stay asserted: write the causes back to clear them. */
	if (icr && (d->flags & E1000_F_ICR_W1C))
		e1000_wr(d, E1000_ICR, icr);
}

/* The probe frame: to and from the port's own address, EtherType
 * E1000_PROBE_TYPE, this tag, padded to the 60-byte minimum. */
static const char e1000_probe_tag[] = "unigate e1000 receive probe";
#define E1000_PROBE_LEN 60
_Static_assert(E1000_ETH_LEN + sizeof(e1000_probe_tag) <= E1000_PROBE_LEN, "the tag fits");

static bool e1000_is_probe(const struct netdev *nd, const uint8_t *f, uint16_t len)
{
	return len >= E1000_PROBE_LEN && memcmp(f + 6, nd->mac, 6) == 0 &&
	       f[12] == E1000_PROBE_TYPE >> 8 && f[13] == (E1000_PROBE_TYPE & 0xff) &&
	       memcmp(f + E1000_ETH_LEN, e1000_probe_tag, sizeof(e1000_probe_tag)) == 0;
}

static void e1000_probe_start(struct netdev *nd, struct e1000_dev *d)
{
	uint16_t ctrl;

	if (!d->phy_write || !d->phy_read || !nd->link)
		return;
	if (d->phy_read(d, E1000_PHY_CTRL, &ctrl) < 0)
		ctrl = E1000_PHY_CTRL_DEFAULT;
	d->phy_ctrl = ctrl & ~E1000_PHY_CTRL_LOOPBACK;
	if (d->phy_write(d, E1000_PHY_CTRL, d->phy_ctrl | E1000_PHY_CTRL_LOOPBACK) < 0)
		return;
	d->probe = E1000_PROBE_RUN;
	d->probe_told = false;
	d->probe_t0 = 0;
	d->probe_frames = 0;
	nd->rx_waiting = true;
}

/* Ends the probe: the PHY stops looping and the port sends again. */
static void e1000_probe_end(struct netdev *nd, struct e1000_dev *d, uint8_t how)
{
	(void)d->phy_write(d, E1000_PHY_CTRL, d->phy_ctrl);
	d->probe = how;
	nd->rx_waiting = false;
}

static int e1000_open(struct netdev *nd)
{
	struct e1000_dev *d = nd->priv;
	int err;

	if (nd->open && d->rx_ring)
		return 0; /* the rings are live: leave them be */
	if (!d->rx_ring) {
		err = e1000_alloc(d);
		if (err)
			return err;
	}
	e1000_setup_link(d);
	e1000_setup_rx(nd, d);
	e1000_setup_tx(d);
	/* Drop causes left from before, then unmask what wakes the poll loop. */
	e1000_ack(d, e1000_rd(d, E1000_ICR));
	e1000_wr(d, E1000_IMS, E1000_IMS_WANTED);
	nd->link = e1000_rd(d, E1000_STATUS) & E1000_STATUS_LU;
	nd->open = true;
	e1000_probe_start(nd, d);
	return 0;
}

/* Takes back the transmit slots of frames whose last descriptor the
 * device wrote back. Only that one has RS: DD on it means the device is
 * done with the frame's earlier descriptors as well (a context
 * descriptor among them), as it processes them in ring order; one
 * write-back per frame is all reaping needs. */
static void e1000_reap(struct e1000_dev *d)
{
	while (d->tx_used) {
		unsigned n = d->tx_span[d->tx_clean];
		unsigned last = (d->tx_clean + n - 1) % E1000_TX_RING;

		if (!(d->tx_ring[last].status & E1000_TXD_STAT_DD))
			break;
		d->tx_ring[last].status = 0;
		d->tx_clean = (uint16_t)((d->tx_clean + n) % E1000_TX_RING);
		d->tx_used = (uint16_t)(d->tx_used - n);
	}
}

/* Tells the device about the descriptors queued since the last time. */
static void e1000_doorbell(struct e1000_dev *d)
{
	if (!d->tx_ring || d->tx_tail == d->tx_doorbell)
		return;
	e1000_barrier(); /* buffers and descriptors before the doorbell */
	e1000_wr(d, E1000_TDT, d->tx_tail);
	d->tx_doorbell = d->tx_tail;
}

/* Makes room for (n) more descriptors, reaping if need be. TDH == TDT
 * means empty, so at most RING - 1 slots are queued. A burst bigger than
 * the ring (a 64 KB frame cut in software is 45 frames) rings the
 * doorbell early for what it queued: the device starts on those (QEMU's
 * model sends them during the register write), and they are reaped. */
static bool e1000_tx_room(struct e1000_dev *d, unsigned n)
{
	if (d->tx_used + n <= E1000_TX_RING - 1)
		return true;
	e1000_reap(d);
	if (d->tx_used + n <= E1000_TX_RING - 1)
		return true;
	e1000_doorbell(d);
	e1000_reap(d);
	return d->tx_used + n <= E1000_TX_RING - 1;
}

static uint8_t *e1000_tx_slot_buf(struct e1000_dev *d, unsigned slot)
{
	return d->tx_buf + (size_t)slot * E1000_BUF_SIZE;
}

/* Copies the (nseg) segments into the buffers of the slots from (slot)
 * on, filling each buffer before the next. */
static void e1000_tx_copy(struct e1000_dev *d, unsigned slot, const struct netdev_seg *seg,
			  int nseg)
{
	uint8_t *buf = e1000_tx_slot_buf(d, slot);
	size_t used = 0;

	for (int i = 0; i < nseg; i++) {
		const uint8_t *p = seg[i].data;
		size_t left = seg[i].len;

		while (left) {
			size_t n;

			if (used == E1000_BUF_SIZE) {
				slot = (slot + 1) % E1000_TX_RING;
				buf = e1000_tx_slot_buf(d, slot);
				used = 0;
			}
			n = left < E1000_BUF_SIZE - used ? left : E1000_BUF_SIZE - used;
			memcpy(buf + used, p, n);
			p += n;
			left -= n;
			used += n;
		}
	}
}

/* Queues a frame without offloads: one legacy descriptor (SDM §3.3.3),
 * the whole frame in one buffer, the MAC adds the FCS, and DD is written
 * back so that the slot can be reaped. */
static int e1000_xmit_legacy(struct netdev *nd, struct e1000_dev *d, const struct netdev_seg *seg,
			     int nseg, size_t len)
{
	volatile struct e1000_tx_desc *td;

	if (!e1000_tx_room(d, 1)) {
		nd->stats.tx_drop_full++;
		return -ENOBUFS;
	}
	e1000_tx_copy(d, d->tx_tail, seg, nseg);
	td = &d->tx_ring[d->tx_tail];
	td->length = (uint16_t)len;
	td->cso = 0;
	td->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	td->status = 0;
	td->css = 0;
	td->special = 0;
	d->tx_span[d->tx_tail] = 1;
	d->tx_tail = (d->tx_tail + 1) % E1000_TX_RING;
	d->tx_used++;
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += len;
	return 0;
}

bool e1000_probe_tick(struct netdev *nd, uint32_t now)
{
	struct e1000_dev *d = nd->priv;
	uint8_t f[E1000_PROBE_LEN] = {0};
	struct netdev_seg seg = {f, sizeof(f)};

	if (d->probe != E1000_PROBE_RUN) {
		if (d->probe_t0 != 0 && d->probe_ms == 0)
			d->probe_ms = now - d->probe_t0; /* a frame ended it */
		return false;
	}
	if (d->probe_t0 == 0) {
		d->probe_t0 = now ? now : 1; /* 0 means not started */
		d->probe_sent = d->probe_t0 - E1000_PROBE_EVERY_MS;
		d->probe_ms = 0;
	}
	if (now - d->probe_t0 >= E1000_PROBE_MAX_MS) {
		e1000_probe_end(nd, d, E1000_PROBE_GAVE_UP);
		d->probe_ms = now - d->probe_t0;
		return false;
	}
	if (now - d->probe_sent < E1000_PROBE_EVERY_MS)
		return true;
	memcpy(f, nd->mac, 6);
	memcpy(f + 6, nd->mac, 6);
	f[12] = E1000_PROBE_TYPE >> 8;
	f[13] = E1000_PROBE_TYPE & 0xff;
	memcpy(f + E1000_ETH_LEN, e1000_probe_tag, sizeof(e1000_probe_tag));
	if (e1000_xmit_legacy(nd, d, &seg, 1, sizeof(f)) == 0)
		d->probe_frames++;
	d->probe_sent = now;
	return true;
}

/* What one offloaded frame asks of the device, worked out from the frame
 * before the ring is touched. */
struct e1000_tx_plan {
	struct e1000_tx_ctx_desc ctx;
	size_t len;    /* bytes handed to the device */
	uint8_t popts; /* POPTS of its data descriptors */
	uint8_t dcmd;  /* DCMD bits beyond DEXT, IFCS, EOP, RS */
	bool soft;     /* the checksum is done here: a legacy descriptor */
	bool ipv4;     /* TSO: the IPv4 and TCP fields below are rewritten */
	uint16_t iphl; /* TSO: IPv4 header bytes */
	uint32_t psum; /* TSO: the pseudo-header's sum, to be stored */
};

static void e1000_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A checksum offload (NEEDS_CSUM, no GSO): the field at csum_start +
 * csum_offset holds the pseudo-header's sum with the length, which is
 * what TXSM finishes (§3.3.6: TUCSO is where software left a partial
 * sum; TUCSE 0 sums to the end of the frame, as virtio's checksum does).
 * Offsets past what the 8-bit fields reach are done here instead. */
static int e1000_plan_csum(const struct netdev_offload *ofl, size_t len, struct e1000_tx_plan *p)
{
	size_t start = ofl->csum_start, at = start + ofl->csum_offset;

	if (at + 2 > len)
		return -EINVAL;
	p->len = len;
	if (start > E1000_CTX_OFF_MAX || at > E1000_CTX_OFF_MAX) {
		p->soft = true;
		return 0;
	}
	p->ctx.tucss = (uint8_t)start;
	p->ctx.tucso = (uint8_t)at;
	p->ctx.paylen_cmd = E1000_TXC_CMD_DEXT;
	p->popts = E1000_TXD_POPTS_TXSM;
	return 0;
}

/* A TCP over IPv4 GSO frame (§3.5). The device rewrites per segment the
 * IPv4 total length, identification (+1 each) and header checksum (IXSM),
 * the TCP sequence number, FIN and PSH (kept on the last only) and
 * checksum (§3.5.9). It adds each segment's TCP length to the checksum
 * field before summing (QEMU's xmit_seg), so the field must hold the
 * pseudo-header's sum without it; and it sums the IPv4 header as it is,
 * field included, so that must be 0. Both are set in our copy. A payload
 * that fits one segment gets checksums only, no TSE: QEMU's model sends
 * a header-only segment after the last when the payload ends exactly on
 * a segment boundary (a harmless repeated ACK or FIN; on longer payloads
 * it cannot be avoided without cutting differently from software). */
static int e1000_plan_tso(const uint8_t *f, size_t len, const struct netdev_offload *ofl,
			  struct e1000_tx_plan *p)
{
	size_t iphl, tot, plen, mss = ofl->gso_size;
	struct offload_gso g;

	/* The checks of the software path (drivers/offload.c); IPv6 is not
	 * claimed (see E1000_OFFLOADS). */
	if (offload_gso_parse(f, len, ofl, &g) != 0 || g.v6)
		return -EINVAL;
	if (g.hlen + mss > NETDEV_FRAME_MAX)
		return -EMSGSIZE; /* segments must be frames we could send */
	iphl = g.iphl;
	plen = g.plen;
	tot = g.iphl + g.thl + g.plen;

	/* Bytes after the IP packet (padding) are not the payload's. */
	p->len = E1000_ETH_LEN + tot;
	p->ipv4 = true;
	p->iphl = (uint16_t)iphl;
	p->ctx.ipcss = E1000_ETH_LEN;
	p->ctx.ipcso = E1000_ETH_LEN + E1000_IPV4_CSUM;
	p->ctx.ipcse = (uint16_t)(E1000_ETH_LEN + iphl - 1);
	p->ctx.tucss = (uint8_t)(E1000_ETH_LEN + iphl);
	p->ctx.tucso = (uint8_t)(E1000_ETH_LEN + iphl + E1000_TCP_CSUM);
	p->popts = E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM;
	/* Whatever the field held, as the software path does. */
	p->psum = g.psum;
	if (plen <= mss) {
		p->psum += (uint32_t)(tot - iphl);
		p->ctx.paylen_cmd = E1000_TXC_CMD_DEXT | E1000_TXC_CMD_IP | E1000_TXC_CMD_TCP;
		return 0;
	}
	p->ctx.paylen_cmd = (uint32_t)plen | E1000_TXC_CMD_DEXT | E1000_TXC_CMD_IP |
			    E1000_TXC_CMD_TCP | E1000_TXC_CMD_TSE;
	p->ctx.hdrlen = (uint8_t)g.hlen;
	p->ctx.mss = (uint16_t)mss;
	p->dcmd = E1000_TXD_CMD_TSE;
	return 0;
}

static bool e1000_ctx_same(const struct e1000_tx_ctx_desc *a, const struct e1000_tx_ctx_desc *b)
{
	return a->ipcss == b->ipcss && a->ipcso == b->ipcso && a->ipcse == b->ipcse &&
	       a->tucss == b->tucss && a->tucso == b->tucso && a->tucse == b->tucse &&
	       a->paylen_cmd == b->paylen_cmd && a->hdrlen == b->hdrlen && a->mss == b->mss;
}

static void e1000_write_ctx(volatile struct e1000_tx_ctx_desc *cd,
			    const struct e1000_tx_ctx_desc *c)
{
	cd->ipcss = c->ipcss;
	cd->ipcso = c->ipcso;
	cd->ipcse = c->ipcse;
	cd->tucss = c->tucss;
	cd->tucso = c->tucso;
	cd->tucse = c->tucse;
	cd->paylen_cmd = c->paylen_cmd; /* no RS: the frame's last descriptor has it */
	cd->sta = 0;
	cd->hdrlen = c->hdrlen;
	cd->mss = c->mss;
}

/* Queues a frame with offloads: a context descriptor unless the device
 * holds that context already, then data descriptors over as many buffers
 * as the frame fills (§3.3.7; POPTS matter in the first, the rest repeat
 * them). The header lies in the first buffer, where our copy is fixed up. */
static int e1000_xmit_offload(struct netdev *nd, struct e1000_dev *d, const struct netdev_seg *seg,
			      int nseg, size_t len, const struct netdev_offload *ofl)
{
	struct e1000_tx_plan p = {0};
	struct netdev_seg whole;
	unsigned first = d->tx_tail, slot, nctx, ndata;
	uint8_t *hdr;
	size_t off;
	int err;

	/* netdev_xmit() gives only what nd->offloads has, in one piece. */
	if (nseg != 1 || !(nd->offloads & NETDEV_OFL_CSUM) ||
	    (ofl->gso_type != OFFLOAD_GSO_NONE && !(nd->offloads & NETDEV_OFL_TSO4)) ||
	    ((ofl->gso_type & OFFLOAD_GSO_ECN) && !(nd->offloads & NETDEV_OFL_ECN))) {
		nd->stats.tx_drop_offload++;
		return -EINVAL;
	}
	if (ofl->gso_type != OFFLOAD_GSO_NONE)
		err = e1000_plan_tso(seg[0].data, len, ofl, &p);
	else
		err = e1000_plan_csum(ofl, len, &p);
	if (err == -EMSGSIZE)
		nd->stats.tx_drop_size++;
	if (err == -EINVAL)
		nd->stats.tx_drop_offload++;
	if (err)
		return err;
	if (p.soft) {
		/* offload_csum() works in place: on our copy, after it. */
		err = e1000_xmit_legacy(nd, d, seg, 1, len);
		if (err == 0) {
			unsigned done = (d->tx_tail + E1000_TX_RING - 1) % E1000_TX_RING;

			(void)offload_csum(e1000_tx_slot_buf(d, done), len, ofl);
			nd->stats.tx_sw_csum++;
		}
		return err;
	}

	nctx = d->tx_ctx_valid && e1000_ctx_same(&d->tx_ctx, &p.ctx) ? 0 : 1;
	ndata = (unsigned)((p.len + E1000_BUF_SIZE - 1) / E1000_BUF_SIZE);
	if (!e1000_tx_room(d, nctx + ndata)) {
		nd->stats.tx_drop_full++;
		return -ENOBUFS;
	}
	if (nctx) {
		e1000_write_ctx(
			(volatile struct e1000_tx_ctx_desc *)(volatile void *)&d->tx_ring[first],
			&p.ctx);
		d->tx_ctx = p.ctx;
		d->tx_ctx_valid = true;
	}

	slot = (first + nctx) % E1000_TX_RING;
	whole.data = seg[0].data;
	whole.len = p.len;
	e1000_tx_copy(d, slot, &whole, 1);
	hdr = e1000_tx_slot_buf(d, slot);
	if (p.ipv4) {
		e1000_put16(hdr + E1000_ETH_LEN + E1000_IPV4_CSUM, 0);
		e1000_put16(hdr + E1000_ETH_LEN + p.iphl + E1000_TCP_CSUM,
			    (uint16_t)~cksum_fold(p.psum));
	}
	for (off = 0; off < p.len; off += E1000_BUF_SIZE) {
		volatile struct e1000_tx_data_desc *dd =
			(volatile struct e1000_tx_data_desc *)(volatile void *)&d->tx_ring[slot];
		size_t n = p.len - off < E1000_BUF_SIZE ? p.len - off : E1000_BUF_SIZE;
		bool last = off + n == p.len;

		dd->length = (uint16_t)n;
		dd->dtyp = E1000_TXD_DTYP_D;
		dd->dcmd = (uint8_t)(E1000_TXD_CMD_DEXT | E1000_TXD_CMD_IFCS | p.dcmd |
				     (last ? E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS : 0));
		dd->sta = 0;
		dd->popts = p.popts;
		dd->special = 0;
		slot = (slot + 1) % E1000_TX_RING;
	}
	d->tx_span[first] = (uint8_t)(nctx + ndata);
	d->tx_tail = (uint16_t)slot;
	d->tx_used = (uint16_t)(d->tx_used + nctx + ndata);
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += p.len;
	return 0;
}

static int e1000_xmit(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		      const struct netdev_offload *ofl)
{
	struct e1000_dev *d = nd->priv;
	size_t len = 0, max = NETDEV_FRAME_MAX;

	if (ofl != NULL && !(ofl->flags & OFFLOAD_F_NEEDS_CSUM) && ofl->gso_type == 0)
		ofl = NULL; /* nothing asked */
	if (ofl != NULL && ofl->gso_type != 0)
		max = NETDEV_GSO_MAX;
	for (int i = 0; i < nseg; i++) {
		if (seg[i].len > max - len) {
			nd->stats.tx_drop_size++;
			return -EMSGSIZE;
		}
		len += seg[i].len;
	}
	if (len == 0) {
		nd->stats.tx_drop_size++;
		return -EMSGSIZE;
	}
	if (!nd->open || !d->tx_ring || !nd->link || d->probe == E1000_PROBE_RUN) {
		nd->stats.tx_drop_down++;
		return -ENETDOWN;
	}
	if (ofl == NULL)
		return e1000_xmit_legacy(nd, d, seg, nseg, len);
	return e1000_xmit_offload(nd, d, seg, nseg, len, ofl);
}

static void e1000_flush(struct netdev *nd)
{
	e1000_doorbell(nd->priv);
}

/* Judges one completed receive descriptor and delivers its frame if good.
 * Returns whether it was delivered. */
static bool e1000_rx_one(struct netdev *nd, struct e1000_dev *d, unsigned slot, uint8_t status,
			 uint8_t errors, uint16_t len)
{
	uint8_t *frame = d->rx_buf + (size_t)slot * E1000_BUF_SIZE;

	/* Without LPE the device stores nothing longer than a buffer, so a
	 * frame spanning descriptors is not ours to take: drop every piece
	 * up to its EOP, counting the frame once. */
	if (!(status & E1000_RXD_STAT_EOP)) {
		if (!d->rx_discard)
			nd->stats.rx_drop_len++;
		d->rx_discard = true;
		return false;
	}
	if (d->rx_discard) {
		d->rx_discard = false;
		return false;
	}
	if (errors & E1000_RXD_ERR_FRAME) {
		nd->stats.rx_drop_error++;
		return false;
	}
	if (len < E1000_RX_MIN || len > E1000_RX_MAX) {
		nd->stats.rx_drop_len++;
		return false;
	}
	if (d->probe == E1000_PROBE_RUN)
		e1000_probe_end(nd, d, E1000_PROBE_SEEN);
	if (d->probe != E1000_PROBE_NONE && e1000_is_probe(nd, frame, len))
		return false;
	if (!nd->rx)
		return false;
	nd->rx(nd, frame, len, NULL);
	nd->stats.rx_packets++;
	nd->stats.rx_bytes += len;
	return true;
}

static int e1000_rx(struct netdev *nd, struct e1000_dev *d, int budget)
{
	int used = 0, delivered = 0;

	/* Bad descriptors count against the budget too, so that a port
	 * flooding errors cannot hold the loop. */
	while (used < budget) {
		volatile struct e1000_rx_desc *rd = &d->rx_ring[d->rx_next];
		uint8_t status = rd->status;

		if (!(status & E1000_RXD_STAT_DD))
			break;
		e1000_barrier(); /* the rest of the descriptor and the buffer after DD */
		if (e1000_rx_one(nd, d, d->rx_next, status, rd->errors, rd->length))
			delivered++;
		rd->status = 0;
		d->rx_next = (d->rx_next + 1) % E1000_RX_RING;
		used++;
	}
	if (used) {
		/* The slot just before rx_next stays ours; the rest go back. */
		e1000_barrier();
		e1000_wr(d, E1000_RDT, (d->rx_next + E1000_RX_RING - 1) % E1000_RX_RING);
	}
	return delivered;
}

/* Reads and acknowledges the interrupt causes (reading ICR deasserts the
 * line) and acts on link changes and receive overruns. */
static void e1000_causes(struct netdev *nd, struct e1000_dev *d)
{
	uint32_t icr = e1000_rd(d, E1000_ICR);

	e1000_ack(d, icr);
	if (icr & E1000_ICR_LSC)
		nd->link = e1000_rd(d, E1000_STATUS) & E1000_STATUS_LU;
	if (icr & E1000_ICR_RXO) {
		uint32_t first = e1000_rd(d, E1000_MPC);
		uint32_t second = 0;

		if (first && d->mpc_mode == E1000_MPC_UNKNOWN)
			second = e1000_rd(d, E1000_MPC);
		e1000_count_missed(nd, first, second);
	}
}

/*
 * Interrupt moderation, the way Linux's NAPI does it: once a poll finds
 * frames, the device's interrupts are masked (IMC) and the loop polls the
 * descriptors alone, with no register access per pass (each is a trap to
 * the hypervisor: under QEMU TCG it also takes QEMU's global lock from the
 * thread that delivers the frames). e1000_idle() unmasks them when the
 * loop is about to sleep; a cause that came meanwhile is latched in ICR
 * (SDM §13.4.17-20) and interrupts at once. Link changes and overruns are
 * read then.
 */
static int e1000_poll(struct netdev *nd, int budget)
{
	struct e1000_dev *d = nd->priv;
	int got;

	if (!d->rx_ring)
		return 0;
	if (!d->irq_off)
		e1000_causes(nd, d);
	e1000_reap(d);
	got = e1000_rx(nd, d, budget);
	if (got > 0 && !d->irq_off) {
		e1000_wr(d, E1000_IMC, ~0u);
		d->irq_off = true;
	}
	return got;
}

static void e1000_idle(struct netdev *nd)
{
	struct e1000_dev *d = nd->priv;

	if (!d->rx_ring || !d->irq_off)
		return;
	d->irq_off = false;
	e1000_wr(d, E1000_IMS, E1000_IMS_WANTED);
}

static void e1000_set_promisc(struct netdev *nd, bool on)
{
	struct e1000_dev *d = nd->priv;
	uint32_t rctl, want;

	nd->promisc = on;
	if (!d->rx_ring)
		return; /* open() applies it */
	rctl = e1000_rd(d, E1000_RCTL);
	want = on ? rctl | E1000_RCTL_UPE | E1000_RCTL_MPE
		  : rctl & ~(E1000_RCTL_UPE | E1000_RCTL_MPE);
	/* Only on a change: QEMU's 8254x models stop receiving for a
	 * second after every RCTL write. */
	if (want != rctl)
		e1000_wr(d, E1000_RCTL, want);
}

const struct netdev_ops e1000_ops = {
	.open = e1000_open,
	.xmit = e1000_xmit,
	.flush = e1000_flush,
	.poll = e1000_poll,
	.idle = e1000_idle,
	.set_promisc = e1000_set_promisc,
};
