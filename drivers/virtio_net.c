/*
 * virtio-net (virtio 1.2 §5.1) as a netdev port, over the PCI transport in
 * virtio_pci.c and the split rings in virtqueue.c. One receive and one
 * transmit queue, each with its own fixed buffers: receive buffers are
 * lent to the device for good and handed to nd->rx in place, header
 * stripped; transmit copies the caller's segments behind a virtio-net
 * header into an idle buffer, the one copy on the forwarding path.
 * Doorbells are rung once per burst and only when the device asks for
 * them; transmit completions are reaped by poll() with their interrupts
 * suppressed, and only receive and configuration changes interrupt.
 *
 * Negotiated: VERSION_1 (modern) or ANY_LAYOUT (legacy), MAC, STATUS and
 * EVENT_IDX when offered; on a modern device, the offloads both ways
 * (§5.1.6.2, §5.1.6.4): checksums (CSUM, GUEST_CSUM), TCP segmentation
 * for IPv4 and IPv6 with ECN (HOST_TSO*, GUEST_TSO*; a GSO frame crosses
 * whole, and netdev_xmit() cuts it for ports that cannot take it), and
 * MRG_RXBUF, so that a 64 KB frame fits in the ring's small buffers: it
 * is gathered into one per-port buffer (a copy, the receive side's only
 * one), and sent as a chain of transmit buffers. Not negotiated: UFO,
 * CTRL_VQ (see vnet_set_promisc), legacy offloads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netdev.h"
#include "drivers/virtio_pci.h"
#include "drivers/virtqueue.h"
#include "kernel/cli.h"
#include "kernel/io.h"
#include "kernel/memory.h"
#include "kernel/random.h"
#include "kernel/time.h"

/* Feature bits of the network device (§5.1.3). */
#define VIRTIO_NET_F_CSUM	(1ULL << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ULL << 1)
#define VIRTIO_NET_F_MAC	(1ULL << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ULL << 7)
#define VIRTIO_NET_F_GUEST_TSO6 (1ULL << 8)
#define VIRTIO_NET_F_GUEST_ECN	(1ULL << 9)
#define VIRTIO_NET_F_HOST_TSO4	(1ULL << 11)
#define VIRTIO_NET_F_HOST_TSO6	(1ULL << 12)
#define VIRTIO_NET_F_HOST_ECN	(1ULL << 13)
#define VIRTIO_NET_F_MRG_RXBUF	(1ULL << 15)
#define VIRTIO_NET_F_STATUS	(1ULL << 16)

/* struct virtio_net_config (§5.1.4). */
#define VIRTIO_NET_CFG_MAC    0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_S_LINK_UP  1

/* struct virtio_net_hdr (§5.1.6): 12 bytes with num_buffers, which modern
 * devices always use; legacy devices without MRG_RXBUF omit it (§5.1.6.1). */
#define VNET_HDR_LEN	      12
#define VNET_HDR_LEN_LEGACY   10
#define VNET_HDR_F_NEEDS_CSUM 1

#define VNET_RXQ       0   /* receiveq1 (§5.1.2) */
#define VNET_TXQ       1   /* transmitq1 */
#define VNET_QUEUE_MAX 256 /* entries asked of a modern device */
#define VNET_BUFS_MAX  256 /* buffers per queue */
/* Buffer size, from the heap free when the port opens (vnet_size_buffers):
 * 4 KB buffers let the rings hold 16 GSO frames instead of 8. */
#define VNET_BUF_SHIFT	   11 /* 2 KB: header + NETDEV_FRAME_MAX fit */
#define VNET_BUF_SIZE	   (1u << VNET_BUF_SHIFT)
#define VNET_BUF_BIG_SHIFT 12
#define VNET_HEAP_BIG	   (32u << 20) /* free heap for 4 KB buffers (mergeable only) */
#define VNET_HEAP_SMALL	   (16u << 20) /* below it, half the buffers */
/* With this much free when the port is found, receive buffers each hold a
 * whole 64 KB frame (§5.1.6.3.1, no MRG_RXBUF): frames arrive in one piece
 * and are never joined by copying. */
#define VNET_HEAP_WHOLE	   (64u << 20)
#define VNET_RX_WHOLE_BUFS 64
#define VNET_RX_WHOLE_SIZE                                                                         \
	((VNET_HDR_LEN + NETDEV_GSO_MAX + VNET_BUF_ALIGN - 1) / VNET_BUF_ALIGN * VNET_BUF_ALIGN)
#define VNET_BUF_ALIGN	64
#define VNET_ETH_HLEN	14
#define VNET_POLL_MAX	128  /* used entries one poll() looks at */
#define VNET_TX_WAIT_US 4000 /* longest wait for transmit room (vnet_tx_wait) */
#define VNET_DEVS_MAX	NETDEV_MAX
#define VNET_NO_LINK	0xffff /* end of a transmit chain's buffer list */
/* Buffers of one frame at most: a GSO frame and the header, in pieces. */
#define VNET_CHAIN_MAX ((VNET_HDR_LEN + NETDEV_GSO_MAX + VNET_BUF_SIZE - 1) / VNET_BUF_SIZE)

struct vnet_queue {
	struct virtqueue vq;
	void *ring;	  /* vq_ring_bytes(), the device's view */
	void *state;	  /* vq_state_bytes(), ours alone */
	uint8_t *bufs;	  /* (nbufs) buffers of (bufsize) bytes */
	uint32_t bufsize; /* 1 << shift, or VNET_RX_WHOLE_SIZE for whole-frame receive */
	uint8_t shift;
	uint16_t *idle; /* transmit: indices of buffers not in the ring */
	uint16_t *link; /* transmit: the next buffer of a chain, or VNET_NO_LINK */
	uint16_t nbufs, nidle;
	uint64_t kicks;
	size_t heap; /* bytes accounted to "virtio-net" for the above */
};

struct vnet {
	struct netdev *nd;
	struct vpci_dev vpci;
	struct vnet_queue rx, tx;
	uint16_t hdr_len;  /* VNET_HDR_LEN or VNET_HDR_LEN_LEGACY */
	bool split_hdr;	   /* legacy without ANY_LAYOUT: header in its own descriptor */
	bool mergeable;	   /* MRG_RXBUF: a frame may span several receive buffers */
	bool rx_whole;	   /* GUEST_TSO without MRG_RXBUF: 64 KB receive buffers */
	uint8_t buf_shift; /* buffers of 1 << buf_shift bytes, both queues */
	uint16_t bufs_max; /* buffers per queue at most */
	bool opened;
	uint8_t *gather;	 /* mergeable: where a frame of several buffers is joined */
	uint16_t rx_skip;	 /* buffers left of a frame being dropped */
	uint64_t rx_merged;	 /* frames joined from several buffers */
	uint64_t rx_copy_tsc;	 /* TSC ticks spent joining them (a profile) */
	uint64_t tx_copy_tsc;	 /* TSC ticks spent copying frames to transmit */
	uint64_t rx_bad_merge;	 /* frames whose buffer count or length was wrong */
	uint64_t config_changes; /* configuration interrupts seen */
	uint64_t tx_bad_used;	 /* transmit completions the ring refused */
	uint64_t rx_lost;	 /* receive buffers that could not be re-posted */
	bool tx_stuck;		 /* a wait for room timed out; no wait until room comes */
	uint64_t tx_waits;	 /* frames that waited for room (vnet_tx_wait) */
	uint64_t tx_wait_tsc;	 /* TSC ticks spent waiting */
};

static struct vnet *vnet_devs[VNET_DEVS_MAX];
static int vnet_ndevs;

static const struct netdev_pci_id vnet_ids[] = {
	{0x1af4, 0x1000, "virtio-net", 0}, /* transitional (§4.1.2.3) */
	{0x1af4, 0x1041, "virtio-net", 0}, /* modern: 0x1040 + device type 1 (§4.1.2) */
	{0, 0, NULL, 0},
};

/* Largest power of two not above (n), for n >= 1. */
static uint16_t vnet_pow2_floor(uint16_t n)
{
	uint16_t p = 1;

	while (p <= n / 2)
		p *= 2;
	return p;
}

static uint16_t vnet_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void vnet_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Fills (ofl) from a received header (§5.1.6.4), for GUEST_CSUM. NULL
 * when it asks nothing: a finished frame. */
static const struct netdev_offload *vnet_hdr_to_ofl(const uint8_t *hdr, struct netdev_offload *ofl)
{
	ofl->flags = hdr[0];
	ofl->gso_type = hdr[1];
	ofl->hdr_len = vnet_le16(hdr + 2);
	ofl->gso_size = vnet_le16(hdr + 4);
	ofl->csum_start = vnet_le16(hdr + 6);
	ofl->csum_offset = vnet_le16(hdr + 8);
	return (ofl->flags & VNET_HDR_F_NEEDS_CSUM) || ofl->gso_type ? ofl : NULL;
}

/* Writes the transmit header (§5.1.6.2) for the frame of (len) bytes at
 * (f): zero, a finished frame, or the offloads (ofl) asks, which
 * netdev_xmit() has checked the device took (nd->offloads). hdr_len, a
 * hint for the device (§5.1.6.2.1), is the headers up to the end of TCP's. */
static void vnet_hdr_from_ofl(uint8_t *hdr, size_t hlen, const struct netdev_offload *ofl,
			      const uint8_t *f, size_t len)
{
	memset(hdr, 0, hlen);
	if (ofl == NULL)
		return;
	hdr[0] = ofl->flags & VNET_HDR_F_NEEDS_CSUM;
	hdr[1] = ofl->gso_type;
	if (ofl->gso_type && (size_t)ofl->csum_start + 13 <= len)
		vnet_put_le16(hdr + 2,
			      (uint16_t)(ofl->csum_start + (f[ofl->csum_start + 12] >> 4) * 4));
	vnet_put_le16(hdr + 4, ofl->gso_size);
	vnet_put_le16(hdr + 6, ofl->csum_start);
	vnet_put_le16(hdr + 8, ofl->csum_offset);
}

static void vnet_update_link(struct vnet *vn)
{
	/* §5.1.4: status exists only with VIRTIO_NET_F_STATUS; without it
	 * the link is taken to be up. */
	if (vn->vpci.features & VIRTIO_NET_F_STATUS)
		vn->nd->link =
			vpci_config_read16(&vn->vpci, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
	else
		vn->nd->link = true;
}

static void vnet_queue_free(struct vnet_queue *q)
{
	memory_account("virtio-net", -(long long)q->heap);
	free(q->link);
	free(q->idle);
	memory_free_big(q->bufs, (size_t)q->nbufs * q->bufsize);
	free(q->state);
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

/*
 * Allocates queue (idx)'s rings and buffers. A modern device takes any
 * power of two up to its maximum; a legacy one only its own size (§4.1.5.1.3.1),
 * of which we fill at most VNET_BUFS_MAX buffers.
 */
static int vnet_queue_alloc(struct vnet *vn, struct vnet_queue *q, uint16_t idx)
{
	uint16_t max = vpci_queue_max(&vn->vpci, idx), size;
	uint16_t per = vn->split_hdr ? 2 : 1;
	int err = -ENOMEM;

	if (max == 0)
		return -ENODEV;
	size = vn->vpci.modern ? vnet_pow2_floor(max < VNET_QUEUE_MAX ? max : VNET_QUEUE_MAX) : max;
	if (size < per)
		return -EINVAL;
	q->nbufs = size / per < vn->bufs_max ? size / per : vn->bufs_max;
	q->shift = vn->buf_shift;
	q->bufsize = 1u << q->shift;
	if (idx == VNET_RXQ && vn->rx_whole) {
		q->bufsize = VNET_RX_WHOLE_SIZE;
		q->nbufs = q->nbufs < VNET_RX_WHOLE_BUFS ? q->nbufs : VNET_RX_WHOLE_BUFS;
	}
	q->ring = aligned_alloc(VQ_ALIGN, vq_ring_bytes(size));
	q->state = malloc(vq_state_bytes(size));
	q->bufs = memory_alloc_big((size_t)q->nbufs * q->bufsize, VNET_BUF_ALIGN);
	q->idle = malloc(q->nbufs * sizeof(*q->idle));
	q->link = malloc(q->nbufs * sizeof(*q->link));
	if (!q->ring || !q->state || !q->bufs || !q->idle || !q->link)
		goto fail;
	q->heap = vq_ring_bytes(size) + vq_state_bytes(size) + (size_t)q->nbufs * q->bufsize +
		  2 * q->nbufs * sizeof(*q->idle);
	memory_account("virtio-net", (long long)q->heap);
	err = vq_init(&q->vq, size, q->ring, q->state, vn->vpci.features & VIRTIO_F_EVENT_IDX);
	if (err)
		goto fail;
	for (uint16_t i = 0; i < q->nbufs; i++) {
		q->idle[i] = q->nbufs - 1 - i;
		q->link[i] = VNET_NO_LINK;
	}
	q->nidle = q->nbufs;
	return 0;
fail:
	vnet_queue_free(q);
	return err;
}

/* Lends receive buffer (buf) to the device (§5.1.6.3). */
static int vnet_rx_post(struct vnet *vn, uint8_t *buf)
{
	struct vq_seg seg[2];

	if (vn->split_hdr) {
		/* §5.1.6.6 (legacy framing): the header alone in the first. */
		seg[0] = (struct vq_seg){buf, vn->hdr_len};
		seg[1] = (struct vq_seg){buf + vn->hdr_len, vn->rx.bufsize - vn->hdr_len};
		return vq_add(&vn->rx.vq, seg, 0, 2, buf);
	}
	seg[0] = (struct vq_seg){buf, vn->rx.bufsize};
	return vq_add(&vn->rx.vq, seg, 0, 1, buf);
}

/* Takes back every finished transmit buffer. */
static void vnet_tx_reap(struct vnet *vn)
{
	struct vnet_queue *q = &vn->tx;
	void *token;
	uint32_t len;
	int r;

	/* The used length of a transmit is meaningless (§5.1.6.1): only a
	 * bad id is an error, and then there is no buffer to take back. */
	while ((r = vq_get_used(&q->vq, &token, &len)) != 0) {
		if (r == -EIO) {
			vn->tx_bad_used++;
			continue;
		}
		/* The token is our own buffer pointer, from vq_add(); the
		 * chain's other buffers follow its links. */
		for (uint16_t b = (uint16_t)(((uint8_t *)token - q->bufs) >> q->shift);
		     b != VNET_NO_LINK;) {
			uint16_t next = q->link[b];

			q->link[b] = VNET_NO_LINK;
			q->idle[q->nidle++] = b;
			b = next;
		}
		vn->tx_stuck = false;
	}
}

/*
 * The transmit ring is full. The device empties it in its own thread once
 * told (QEMU: a bottom half of the main loop), so a short wait here turns
 * a drop, which costs a TCP flow its window, into backpressure: the ports
 * still to be polled wait in their own rings. Many guests sending out of
 * one uplink meet this (32 TCP flows through NAT dropped 9% of their frames
 * here), and so does one flow of 64 KiB GSO frames: the ring's 256 buffers
 * of 4 KiB hold 16 of them, which QEMU's main loop takes ~3 ms to write to
 * a host tap at 3 Gbit/s. With a 1 ms bound the waits ran out and frames
 * dropped (TCP outside to LAN: 141-183 per 20 s, 2,000-6,000 retransmits
 * per 10 s, some boots at 1.2 Gbit/s); with 4 ms, 4-19 and 0-855, 2.9-3.5
 * Gbit/s. Bounded: after one wait that found no room, none until the
 * device gives buffers back, so a device that has stopped (a full host
 * tap) costs one wait, then frames drop as before.
 */
static void vnet_tx_wait(struct vnet *vn, uint16_t nbuf)
{
	uint64_t t0 = rdtsc(), until = t0 + time_tsc_hz() / (1000000u / VNET_TX_WAIT_US);

	if (vn->tx_stuck)
		return;
	if (vq_kick_prepare(&vn->tx.vq)) {
		vpci_notify(&vn->vpci, VNET_TXQ);
		vn->tx.kicks++;
	}
	vn->tx_waits++;
	while (vn->tx.nidle < nbuf && rdtsc() < until) {
		cpu_relax();
		vnet_tx_reap(vn);
	}
	vn->tx_stuck = vn->tx.nidle < nbuf;
	vn->tx_wait_tsc += rdtsc() - t0;
}

/* Copies (len) bytes of the segments (seg), from byte (*skip) of the
 * first segment (*i), to (dst); advances (*i) and (*skip). */
static void vnet_copy(uint8_t *dst, size_t len, const struct netdev_seg *seg, int *i, size_t *skip)
{
	while (len > 0) {
		size_t n = seg[*i].len - *skip;

		if (n > len)
			n = len;
		if (n > 0) /* an empty segment may have no address */
			memcpy(dst, (const uint8_t *)seg[*i].data + *skip, n);
		dst += n;
		len -= n;
		*skip += n;
		if (*skip == seg[*i].len) {
			(*i)++;
			*skip = 0;
		}
	}
}

static int vnet_xmit(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		     const struct netdev_offload *ofl)
{
	struct vnet *vn = nd->priv;
	struct vnet_queue *q = &vn->tx;
	struct vq_seg vs[VNET_CHAIN_MAX];
	size_t len = 0, done = 0, skip = 0, bsize = (size_t)1 << q->shift;
	uint16_t nbuf, head = VNET_NO_LINK, prev = VNET_NO_LINK;
	int i = 0, err;

	if (!vn->opened) {
		nd->stats.tx_drop_down++;
		return -ENETDOWN;
	}
	for (int k = 0; k < nseg; k++)
		len += seg[k].len;
	/* §2.7.4: a frame may span several descriptors; a GSO frame takes a
	 * chain of buffers. Legacy framing (split_hdr) keeps to one. */
	if (len == 0 || len > (vn->split_hdr ? 1u : VNET_CHAIN_MAX) * bsize - vn->hdr_len) {
		nd->stats.tx_drop_size++;
		return -EMSGSIZE;
	}
	nbuf = (uint16_t)((vn->hdr_len + len + bsize - 1) >> q->shift);
	if (q->nidle < nbuf)
		vnet_tx_reap(vn);
	if (q->nidle < nbuf)
		vnet_tx_wait(vn, nbuf);
	if (q->nidle < nbuf) {
		nd->stats.tx_drop_full++;
		return -ENOBUFS;
	}
	uint64_t t0 = rdtsc();

	for (uint16_t k = 0; k < nbuf; k++) {
		uint16_t b = q->idle[--q->nidle];
		uint8_t *buf = q->bufs + ((size_t)b << q->shift);
		size_t start = 0, n;

		if (k == 0) {
			vnet_hdr_from_ofl(buf, vn->hdr_len, ofl, seg[0].data, seg[0].len);
			start = vn->hdr_len;
			head = b;
		} else {
			q->link[prev] = b;
		}
		n = bsize - start < len - done ? bsize - start : len - done;
		vnet_copy(buf + start, n, seg, &i, &skip);
		done += n;
		vs[k] = (struct vq_seg){buf, (uint32_t)(start + n)};
		prev = b;
	}
	vn->tx_copy_tsc += rdtsc() - t0;
	/* §5.1.6.2: header then frame; two descriptors on legacy without
	 * ANY_LAYOUT (§5.1.6.6). */
	if (vn->split_hdr) {
		vs[1] = (struct vq_seg){(uint8_t *)vs[0].addr + vn->hdr_len,
					vs[0].len - vn->hdr_len};
		vs[0].len = vn->hdr_len;
		nbuf = 2;
	}
	err = vq_add(&q->vq, vs, nbuf, 0, q->bufs + ((size_t)head << q->shift));
	if (err) {
		/* Cannot happen: each idle buffer has its descriptors. */
		for (uint16_t b = head, next; b != VNET_NO_LINK; b = next) {
			next = q->link[b];
			q->link[b] = VNET_NO_LINK;
			q->idle[q->nidle++] = b;
		}
		nd->stats.tx_drop_full++;
		return -ENOBUFS;
	}
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += len;
	return 0;
}

static void vnet_flush(struct netdev *nd)
{
	struct vnet *vn = nd->priv;

	/* §2.7.13.4: one doorbell for the burst, if the device wants it. */
	if (vn->opened && vq_kick_prepare(&vn->tx.vq)) {
		vpci_notify(&vn->vpci, VNET_TXQ);
		vn->tx.kicks++;
	}
}

/*
 * Joins the rest of a frame of (nbufs) buffers (mergeable receive buffers,
 * §5.1.6.4: num_buffers), whose first (len) bytes, header stripped, are at
 * (first), into vn->gather. Each buffer taken is added to (done)/(*ndone)
 * to be posted again. Returns the frame's length, or 0 if it is dropped
 * (counted): too long, or its buffers not all used yet.
 */
static size_t vnet_gather(struct vnet *vn, const uint8_t *first, uint32_t len, uint16_t nbufs,
			  uint8_t **done, int *ndone)
{
	size_t total = len;
	bool bad = nbufs > VNET_CHAIN_MAX;

	if (bad) {
		vn->rx_bad_merge++;
		vn->rx_skip = (uint16_t)(nbufs - 1);
		return 0;
	}
	uint64_t t0 = rdtsc();

	memcpy(vn->gather, first, len);
	for (uint16_t k = 1; k < nbufs; k++) {
		void *token;
		int r = vq_get_used(&vn->rx.vq, &token, &len);

		if (r == 0) {
			/* The device publishes a frame's buffers at once; the
			 * rest, if they ever come, are dropped then. */
			vn->rx_bad_merge++;
			vn->rx_skip = (uint16_t)(nbufs - k);
			return 0;
		}
		if (r == -EIO) {
			vn->nd->stats.rx_drop_desc++;
			bad = true;
			continue;
		}
		done[(*ndone)++] = token;
		if (r == -EMSGSIZE || total + len > NETDEV_GSO_MAX) {
			bad = true;
			continue;
		}
		if (!bad)
			memcpy(vn->gather + total, token, len);
		total += len;
	}
	vn->rx_copy_tsc += rdtsc() - t0;
	if (bad) {
		vn->rx_bad_merge++;
		return 0;
	}
	vn->rx_merged++;
	return total;
}

/* Hands one received frame to the port's owner, or drops it (counted).
 * Returns 1 if delivered, else 0. */
static int vnet_deliver(struct vnet *vn, uint8_t *frame, size_t len, const uint8_t *hdr)
{
	struct netdev *nd = vn->nd;
	struct netdev_offload ofl_buf;
	const struct netdev_offload *ofl = NULL;

	if (vn->vpci.features & VIRTIO_NET_F_GUEST_CSUM)
		ofl = vnet_hdr_to_ofl(hdr, &ofl_buf);
	/* Only a GSO frame may be longer than the MTU allows. */
	if (len > (ofl && ofl->gso_type ? NETDEV_GSO_MAX : NETDEV_FRAME_MAX)) {
		nd->stats.rx_drop_len++;
		return 0;
	}
	if (ofl && ofl->gso_type)
		nd->stats.rx_gso++;
	nd->stats.rx_packets++;
	nd->stats.rx_bytes += len;
	nd->rx(nd, frame, len, ofl);
	return 1;
}

static int vnet_poll(struct netdev *nd, int budget)
{
	struct vnet *vn = nd->priv;
	uint8_t *done[VNET_POLL_MAX + VNET_CHAIN_MAX];
	int got = 0, ndone = 0;
	uint8_t isr;

	if (!vn->opened)
		return 0;
	/* §4.1.4.5: reading the ISR acknowledges the interrupt and lowers
	 * INTx, on both interfaces since we run without MSI-X. */
	isr = vpci_isr(&vn->vpci);
	if (isr)
		nd->stats.irqs++;
	if (isr & VIRTIO_ISR_CONFIG) {
		vn->config_changes++;
		vnet_update_link(vn);
	}
	vnet_tx_reap(vn);

	/* §5.1.6.4: each used buffer holds the header, then one frame, or
	 * with MRG_RXBUF its first part, num_buffers telling how many follow.
	 * The loop is bounded by the budget and by VNET_POLL_MAX entries (a
	 * frame begun may take VNET_CHAIN_MAX more), so a device replaying
	 * stale entries cannot keep us here. Buffers go back only after the
	 * burst: a device returning one twice in a burst is then caught, the
	 * second time not being in flight. */
	for (int seen = 0; got < budget && seen < VNET_POLL_MAX && ndone < VNET_POLL_MAX; seen++) {
		void *token;
		uint32_t len;
		uint8_t *buf;
		uint16_t nbufs;
		size_t flen;
		int r = vq_get_used(&vn->rx.vq, &token, &len);

		if (r == 0)
			break;
		if (r == -EIO) {
			nd->stats.rx_drop_desc++;
			continue;
		}
		buf = token;
		done[ndone++] = buf;
		if (vn->rx_skip) {
			vn->rx_skip--;
			continue;
		}
		if (r == -EMSGSIZE || len < (uint32_t)vn->hdr_len + VNET_ETH_HLEN) {
			nd->stats.rx_drop_len++;
			/* The rest of its buffers, if the header says so, follow. */
			if (vn->mergeable && (r == -EMSGSIZE || len >= vn->hdr_len) &&
			    vnet_le16(buf + 10) > 1)
				vn->rx_skip = (uint16_t)(vnet_le16(buf + 10) - 1);
			continue;
		}
		nbufs = vn->mergeable ? vnet_le16(buf + 10) : 1;
		flen = len - vn->hdr_len;
		if (nbufs > 1)
			flen = vnet_gather(vn, buf + vn->hdr_len, (uint32_t)flen, nbufs, done,
					   &ndone);
		if (flen == 0 || nd->rx == NULL)
			continue;
		got += vnet_deliver(vn, nbufs > 1 ? vn->gather : buf + vn->hdr_len, flen, buf);
	}
	for (int i = 0; i < ndone; i++)
		if (vnet_rx_post(vn, done[i]) != 0)
			vn->rx_lost++;
	if (vq_kick_prepare(&vn->rx.vq)) {
		vpci_notify(&vn->vpci, VNET_RXQ);
		vn->rx.kicks++;
	}
	return got;
}

/*
 * Without VIRTIO_NET_F_CTRL_RX there is no command to send. Such a device
 * has no way to be told a filter either; QEMU's resets to promiscuous
 * ("compatibility mode") and delivers every frame, so bridging works and
 * this only records the wish.
 */
static void vnet_set_promisc(struct netdev *nd, bool on)
{
	nd->promisc = on;
}

/*
 * Buffer memory follows the RAM there is: with at least VNET_HEAP_BIG of
 * the heap free when the port opens, 4 KB buffers (mergeable only: a
 * frame must otherwise fit one); below VNET_HEAP_SMALL, half as many 2 KB
 * ones. A port takes 2 x 256 x 4 KB = 2 MB, 1 MB, or 512 KB (show virtio).
 */
static void vnet_size_buffers(struct vnet *vn)
{
	uint64_t base, brk, end;

	memory_heap(&base, &brk, &end);
	vn->buf_shift = (vn->mergeable || vn->rx_whole) && end - brk >= VNET_HEAP_BIG
				? VNET_BUF_BIG_SHIFT
				: VNET_BUF_SHIFT;
	vn->bufs_max = end - brk >= VNET_HEAP_SMALL ? VNET_BUFS_MAX : VNET_BUFS_MAX / 2;
}

static int vnet_open(struct netdev *nd)
{
	struct vnet *vn = nd->priv;
	int err;

	if (vn->opened)
		return 0;
	/* virtio 1.2 §3.1.1 step 7: discover and set up the virtqueues. */
	vnet_size_buffers(vn);
	err = vnet_queue_alloc(vn, &vn->rx, VNET_RXQ);
	if (err)
		goto fail_rx;
	err = vnet_queue_alloc(vn, &vn->tx, VNET_TXQ);
	if (err)
		goto fail_tx;
	/* A 64 KB frame takes that many transmit buffers: a smaller ring
	 * could never send one, so it is cut before it gets here. */
	if (vn->tx.nbufs < (VNET_HDR_LEN + NETDEV_GSO_MAX + (1u << vn->tx.shift) - 1) >>
	    vn->tx.shift)
		nd->offloads &= (uint8_t) ~(NETDEV_OFL_TSO4 | NETDEV_OFL_TSO6 | NETDEV_OFL_ECN);
	if (vn->mergeable && vn->gather == NULL) {
		/* C11 7.22.3.1: a size that is a multiple of the alignment. */
		vn->gather = aligned_alloc(VNET_BUF_ALIGN, (NETDEV_GSO_MAX + VNET_BUF_ALIGN - 1) /
								   VNET_BUF_ALIGN * VNET_BUF_ALIGN);
		err = vn->gather ? 0 : -ENOMEM;
		if (err)
			goto fail_setup;
		memory_account("virtio-net", (NETDEV_GSO_MAX + VNET_BUF_ALIGN - 1) /
						     VNET_BUF_ALIGN * VNET_BUF_ALIGN);
	}
	/* Transmit completions are reaped by poll(); they need no interrupt. */
	vq_set_interrupts(&vn->tx.vq, false);
	err = vpci_queue_setup(&vn->vpci, VNET_RXQ, &vn->rx.vq);
	if (err == 0)
		err = vpci_queue_setup(&vn->vpci, VNET_TXQ, &vn->tx.vq);
	if (err)
		goto fail_setup;
	/* §5.1.5: fill the receive queue before the device may use it. */
	for (uint16_t i = 0; i < vn->rx.nbufs; i++)
		vnet_rx_post(vn, vn->rx.bufs + (size_t)i * vn->rx.bufsize);
	vn->rx.nidle = 0;
	/* §3.1.1 step 8: DRIVER_OK; from here the device may use the rings. */
	vpci_add_status(&vn->vpci, VIRTIO_STATUS_DRIVER_OK);
	vn->opened = true;
	vnet_update_link(vn);
	if (vq_kick_prepare(&vn->rx.vq)) {
		vpci_notify(&vn->vpci, VNET_RXQ);
		vn->rx.kicks++;
	}
	return 0;

fail_setup:
	/* The device may hold a ring address: reset before freeing. */
	vpci_add_status(&vn->vpci, VIRTIO_STATUS_FAILED);
	vpci_reset(&vn->vpci);
	vnet_queue_free(&vn->tx);
fail_tx:
	vnet_queue_free(&vn->rx);
fail_rx:
	printf("%s: virtio-net: cannot set up the queues (%d)\n", nd->name, err);
	return err;
}

static const struct netdev_ops vnet_ops = {
	.open = vnet_open,
	.xmit = vnet_xmit,
	.flush = vnet_flush,
	.poll = vnet_poll,
	.set_promisc = vnet_set_promisc,
};

/*
 * The offloads to take of those (offered), keeping §5.1.3.1's
 * dependencies: GUEST_TSO* need GUEST_CSUM, HOST_TSO* need CSUM, the ECN
 * bits need a TSO. Receiving 64 KB frames also needs MRG_RXBUF, or (whole)
 * receive buffers that each hold 64 KB (§5.1.6.3.1), which MRG_RXBUF would
 * only split up again.
 */
static uint64_t vnet_offload_features(uint64_t offered, bool whole)
{
	uint64_t f = offered & (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |
				(whole ? 0 : VIRTIO_NET_F_MRG_RXBUF));

	if ((f & VIRTIO_NET_F_GUEST_CSUM) && (whole || (f & VIRTIO_NET_F_MRG_RXBUF)))
		f |= offered & (VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6);
	if (f & (VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6))
		f |= offered & VIRTIO_NET_F_GUEST_ECN;
	if (f & VIRTIO_NET_F_CSUM)
		f |= offered & (VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6);
	if (f & (VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6))
		f |= offered & VIRTIO_NET_F_HOST_ECN;
	return f;
}

static int vnet_probe(struct netdev *nd, const struct pci_dev *pci, const struct netdev_pci_id *id)
{
	uint64_t offered, want;
	struct vnet *vn;
	int err;

	if (vnet_ndevs >= VNET_DEVS_MAX)
		return -ENOSPC;
	vn = calloc(1, sizeof(*vn));
	if (vn == NULL)
		return -ENOMEM;
	vn->nd = nd;
	err = vpci_init(&vn->vpci, pci);
	if (err)
		goto fail_transport;

	/* virtio 1.2 §3.1.1 step 1: reset. */
	err = vpci_reset(&vn->vpci);
	if (err)
		goto fail_transport;
	/* Steps 2-3: we noticed the device and know how to drive it. */
	vpci_add_status(&vn->vpci, VIRTIO_STATUS_ACKNOWLEDGE);
	vpci_add_status(&vn->vpci, VIRTIO_STATUS_DRIVER);

	/* Step 4: features. A modern device must offer VERSION_1 and we
	 * must take it (§6); ANY_LAYOUT lets legacy share one descriptor
	 * between header and frame (§5.1.6.6). */
	offered = vpci_device_features(&vn->vpci);
	want = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_EVENT_IDX |
	       (vn->vpci.modern ? VIRTIO_F_VERSION_1 : VIRTIO_F_ANY_LAYOUT);
	if (vn->vpci.modern && !(offered & VIRTIO_F_VERSION_1)) {
		err = -ENOTSUP;
		goto fail_reset;
	}
	if (vn->vpci.modern) {
		uint64_t base, brk, end;

		memory_heap(&base, &brk, &end);
		vn->rx_whole = end - brk >= VNET_HEAP_WHOLE &&
			       (offered & VIRTIO_NET_F_GUEST_CSUM) &&
			       (offered & (VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6));
		want |= vnet_offload_features(offered, vn->rx_whole);
	}
	/* Steps 5-6: FEATURES_OK, kept by the device (modern only, §3.1.2). */
	err = vpci_set_features(&vn->vpci, offered & want);
	if (err)
		goto fail_reset;
	/* §5.1.6: num_buffers is there with VERSION_1 or MRG_RXBUF. */
	vn->hdr_len = (vn->vpci.features & (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF))
			      ? VNET_HDR_LEN
			      : VNET_HDR_LEN_LEGACY;
	vn->split_hdr = !(vn->vpci.features & (VIRTIO_F_VERSION_1 | VIRTIO_F_ANY_LAYOUT));
	vn->mergeable = vn->vpci.features & VIRTIO_NET_F_MRG_RXBUF;
	nd->offloads = (vn->vpci.features & VIRTIO_NET_F_CSUM ? NETDEV_OFL_CSUM : 0) |
		       (vn->vpci.features & VIRTIO_NET_F_HOST_TSO4 ? NETDEV_OFL_TSO4 : 0) |
		       (vn->vpci.features & VIRTIO_NET_F_HOST_TSO6 ? NETDEV_OFL_TSO6 : 0) |
		       (vn->vpci.features & VIRTIO_NET_F_HOST_ECN ? NETDEV_OFL_ECN : 0);

	/* Step 7 (device configuration, §5.1.5): the MAC, or a random
	 * locally administered one if the device has none to offer. */
	if (vn->vpci.features & VIRTIO_NET_F_MAC) {
		err = vpci_config_read(&vn->vpci, VIRTIO_NET_CFG_MAC, nd->mac, 6);
		if (err)
			goto fail_reset;
	} else {
		uint32_t r0 = random_u32(), r1 = random_u32();

		printf("%s: virtio-net: no MAC offered, using a random one\n", nd->name);
		nd->mac[0] = (uint8_t)((r0 & 0xfe) | 0x02);
		nd->mac[1] = (uint8_t)(r0 >> 8);
		nd->mac[2] = (uint8_t)(r0 >> 16);
		nd->mac[3] = (uint8_t)(r0 >> 24);
		nd->mac[4] = (uint8_t)r1;
		nd->mac[5] = (uint8_t)(r1 >> 8);
	}
	nd->model = id->model;
	nd->mtu = 1500;
	nd->link = false;
	nd->ops = &vnet_ops;
	nd->priv = vn;
	vnet_devs[vnet_ndevs++] = vn;
	return 0;

fail_reset:
	vpci_add_status(&vn->vpci, VIRTIO_STATUS_FAILED);
	vpci_reset(&vn->vpci);
fail_transport:
	free(vn);
	return err;
}

static const struct netdev_driver vnet_driver = {
	.name = "virtio-net",
	.ids = vnet_ids,
	.probe = vnet_probe,
};

NETDEV_DRIVER(virtio_net, vnet_driver);

static void vnet_show_queue(struct cli_out *out, const char *name, const struct vnet_queue *q)
{
	cli_printf(out,
		   "      %s: size %u, %u buffers of %u bytes, %u in flight, %llu doorbells, "
		   "refused ids %llu lengths %llu\n",
		   name, q->vq.size, q->nbufs, q->bufsize, q->vq.in_flight,
		   (unsigned long long)q->kicks, (unsigned long long)q->vq.stats.bad_id,
		   (unsigned long long)q->vq.stats.bad_len);
}

static int vnet_cmd_show(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < vnet_ndevs; i++) {
		const struct vnet *vn = vnet_devs[i];

		cli_printf(out, "%-5s %s interface, features %#llx, header %u bytes%s, %s\n",
			   vn->nd->name, vn->vpci.modern ? "modern" : "legacy",
			   (unsigned long long)vn->vpci.features, vn->hdr_len,
			   vn->split_hdr ? " (own descriptor)" : "",
			   vn->opened ? "open" : "not open");
		vnet_show_queue(out, "rx", &vn->rx);
		vnet_show_queue(out, "tx", &vn->tx);
		cli_printf(out,
			   "      config changes %llu, tx bad completions %llu, rx lost %llu; "
			   "waits for tx room %llu (%llu ms)%s\n",
			   (unsigned long long)vn->config_changes,
			   (unsigned long long)vn->tx_bad_used, (unsigned long long)vn->rx_lost,
			   (unsigned long long)vn->tx_waits,
			   (unsigned long long)(time_tsc_to_us(vn->tx_wait_tsc) / 1000u),
			   vn->tx_stuck ? ", stuck" : "");
		cli_printf(out,
			   "      offloads: tx%s%s%s%s, rx%s%s%s%s; rx merged %llu, bad merges "
			   "%llu; copying: rx %llu ms, tx %llu ms\n",
			   vn->nd->offloads & NETDEV_OFL_CSUM ? " csum" : "",
			   vn->nd->offloads & NETDEV_OFL_TSO4 ? " tso4" : "",
			   vn->nd->offloads & NETDEV_OFL_TSO6 ? " tso6" : "",
			   vn->nd->offloads ? (vn->nd->offloads & NETDEV_OFL_ECN ? " ecn" : "")
					    : " none",
			   vn->vpci.features & VIRTIO_NET_F_GUEST_CSUM ? " csum" : " none",
			   vn->vpci.features & VIRTIO_NET_F_GUEST_TSO4 ? " tso4" : "",
			   vn->vpci.features & VIRTIO_NET_F_GUEST_TSO6 ? " tso6" : "",
			   vn->vpci.features & VIRTIO_NET_F_GUEST_ECN ? " ecn" : "",
			   (unsigned long long)vn->rx_merged, (unsigned long long)vn->rx_bad_merge,
			   (unsigned long long)(time_tsc_to_us(vn->rx_copy_tsc) / 1000u),
			   (unsigned long long)(time_tsc_to_us(vn->tx_copy_tsc) / 1000u));
	}
	return 0;
}

CLI_COMMAND(show_virtio, "show virtio", "virtio-net ports: interface, features, queues",
	    vnet_cmd_show);
