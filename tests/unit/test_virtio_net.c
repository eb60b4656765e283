/*
 * Unit tests for drivers/virtio_net.c against a fake device. The driver
 * file is included whole so its static functions can be reached; the PCI
 * transport (virtio_pci.h) is replaced by a register file in memory, and
 * the test plays the device on the real rings from drivers/virtqueue.c:
 * feature negotiation, the 10- and 12-byte headers, the legacy split
 * header, receive-length validation, transmit copying, doorbell batching
 * and suppression, ring-full handling and link changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio_net.c"

#define ALL_NET_FEATURES                                                                           \
	(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF | \
	 VIRTIO_NET_F_STATUS | (1ULL << 17) /* CTRL_VQ */ | (1ULL << 18) /* CTRL_RX */)

/* The fake device's registers and what the driver did to them. */
static struct fake {
	bool modern;
	uint64_t offered;
	bool refuse_features_ok;
	int fail_setup_queue; /* queue index + 1 whose setup fails, or 0 */
	uint8_t status;
	uint8_t status_at_setup;
	uint8_t isr;
	uint8_t cfg[16];
	uint16_t qmax[2];
	struct virtqueue *vq[2];
	uint16_t dev_avail[2]; /* next available entry the device takes */
	int notifies[2];
	int resets;
} fk;

/* --- the transport, faked ------------------------------------------------ */

int vpci_init(struct vpci_dev *vd, const struct pci_dev *pci)
{
	*vd = (struct vpci_dev){.pci = pci, .modern = fk.modern};
	return 0;
}

int vpci_reset(struct vpci_dev *vd)
{
	fk.status = 0;
	fk.resets++;
	fk.vq[0] = fk.vq[1] = NULL;
	vd->features = 0;
	return 0;
}

uint8_t vpci_status(struct vpci_dev *vd)
{
	(void)vd;
	return fk.status;
}

void vpci_add_status(struct vpci_dev *vd, uint8_t bits)
{
	(void)vd;
	fk.status |= bits;
}

uint64_t vpci_device_features(struct vpci_dev *vd)
{
	return vd->modern ? fk.offered : fk.offered & 0xffffffffu;
}

int vpci_set_features(struct vpci_dev *vd, uint64_t want)
{
	assert_int_equal(want & ~vpci_device_features(vd), 0);
	if (vd->modern) {
		if (fk.refuse_features_ok)
			return -ENOTSUP;
		fk.status |= VIRTIO_STATUS_FEATURES_OK;
	}
	vd->features = want;
	return 0;
}

int vpci_config_read(struct vpci_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	(void)vd;
	if (off + len > sizeof(fk.cfg))
		return -ERANGE;
	memcpy(buf, fk.cfg + off, len);
	return 0;
}

uint16_t vpci_config_read16(struct vpci_dev *vd, uint32_t off)
{
	(void)vd;
	return (uint16_t)(fk.cfg[off] | fk.cfg[off + 1] << 8);
}

uint16_t vpci_queue_max(struct vpci_dev *vd, uint16_t q)
{
	(void)vd;
	return q < 2 ? fk.qmax[q] : 0;
}

int vpci_queue_setup(struct vpci_dev *vd, uint16_t q, const struct virtqueue *vq)
{
	if (q >= 2 || fk.fail_setup_queue == q + 1)
		return -EINVAL;
	if (!vd->modern && vq->size != fk.qmax[q])
		return -EINVAL;
	fk.vq[q] = (struct virtqueue *)vq;
	fk.dev_avail[q] = 0;
	fk.status_at_setup = fk.status;
	return 0;
}

void vpci_notify(struct vpci_dev *vd, uint16_t q)
{
	(void)vd;
	assert_true(q < 2);
	fk.notifies[q]++;
}

uint8_t vpci_isr(struct vpci_dev *vd)
{
	uint8_t v = fk.isr;

	(void)vd;
	fk.isr = 0;
	return v;
}

uint32_t random_u32(void)
{
	return 0x87654321u;
}

/* --- the device's side of the rings -------------------------------------- */

static void *desc_ptr(const struct vq_desc *d)
{
	return (void *)(uintptr_t)d->addr;
}

static uint16_t dev_take(int q)
{
	struct virtqueue *vq = fk.vq[q];

	assert_non_null(vq);
	assert_int_not_equal(vq->avail->idx, fk.dev_avail[q]);
	return vq->avail->ring[fk.dev_avail[q]++ & (vq->size - 1)];
}

static void dev_use(int q, uint32_t id, uint32_t len)
{
	struct virtqueue *vq = fk.vq[q];
	struct vq_used_elem *e = &vq->used->ring[vq->used->idx & (vq->size - 1)];

	e->id = id;
	e->len = len;
	vq->used->idx++;
}

/* Receives (len) bytes of (frame) behind a (hdr_len)-byte header with
 * num_buffers = 1, scattering over the chain; reports (used_len) or, if
 * 0, the bytes written. */
static void dev_rx(const void *frame, size_t len, size_t hdr_len, uint32_t used_len)
{
	struct virtqueue *vq = fk.vq[VNET_RXQ];
	uint8_t msg[2048] = {0};
	uint16_t head = dev_take(VNET_RXQ), d = head;
	size_t total = hdr_len + len, done = 0;

	assert_true(total <= sizeof(msg));
	if (hdr_len == VNET_HDR_LEN)
		msg[10] = 1; /* num_buffers */
	memcpy(msg + hdr_len, frame, len);
	for (;;) {
		const struct vq_desc *desc = &vq->desc[d];
		size_t n = total - done < desc->len ? total - done : desc->len;

		assert_true(desc->flags & VRING_DESC_F_WRITE);
		memcpy(desc_ptr(desc), msg + done, n);
		done += n;
		if (!(desc->flags & VRING_DESC_F_NEXT))
			break;
		d = desc->next;
	}
	dev_use(VNET_RXQ, head, used_len ? used_len : (uint32_t)done);
}

/* Takes one transmitted chain, gathering it into (out); returns its size
 * and the number of descriptors in (*ndesc). Completes it at once if
 * (complete). */
static size_t dev_tx(uint8_t *out, size_t cap, int *ndesc, bool complete)
{
	struct virtqueue *vq = fk.vq[VNET_TXQ];
	uint16_t head = dev_take(VNET_TXQ), d = head;
	size_t total = 0;

	*ndesc = 0;
	for (;;) {
		const struct vq_desc *desc = &vq->desc[d];

		assert_false(desc->flags & VRING_DESC_F_WRITE);
		assert_true(total + desc->len <= cap);
		memcpy(out + total, desc_ptr(desc), desc->len);
		total += desc->len;
		(*ndesc)++;
		if (!(desc->flags & VRING_DESC_F_NEXT))
			break;
		d = desc->next;
	}
	if (complete)
		dev_use(VNET_TXQ, head, 0);
	return total;
}

/* --- the port's owner ---------------------------------------------------- */

static struct {
	int frames;
	uint8_t data[2048];
	size_t len;
	void *ptr;
	const struct netdev_offload *ofl;
} got;

static void on_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl)
{
	(void)nd;
	got.frames++;
	assert_true(len <= sizeof(got.data));
	memcpy(got.data, frame, len);
	got.len = len;
	got.ptr = frame;
	got.ofl = ofl;
}

static struct netdev nd;
static const struct pci_dev fake_pci = {.vendor = 0x1af4, .device = 0x1041};
static const uint8_t fake_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void fake_reset(bool modern, uint64_t offered)
{
	memset(&fk, 0, sizeof(fk));
	memset(&got, 0, sizeof(got));
	memset(&nd, 0, sizeof(nd));
	strcpy(nd.name, "eth0");
	nd.rx = on_rx;
	fk.modern = modern;
	fk.offered = offered;
	fk.qmax[0] = fk.qmax[1] = 256;
	memcpy(fk.cfg, fake_mac, 6);
	fk.cfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
}

static struct vnet *probe(void)
{
	assert_int_equal(vnet_probe(&nd, &fake_pci, &vnet_ids[1]), 0);
	return nd.priv;
}

static struct vnet *probe_open(bool modern, uint64_t offered)
{
	struct vnet *vn;

	fake_reset(modern, offered);
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	return vn;
}

static int teardown(void **state)
{
	struct vnet *vn = nd.priv;

	(void)state;
	if (vn) {
		vnet_queue_free(&vn->rx);
		vnet_queue_free(&vn->tx);
		free(vn);
		nd.priv = NULL;
	}
	vnet_ndevs = 0;
	return 0;
}

static uint64_t modern_offer(void)
{
	return ALL_NET_FEATURES | VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_ANY_LAYOUT |
	       VIRTIO_F_INDIRECT_DESC;
}

/* --- negotiation ---------------------------------------------------------- */

static void test_probe_modern(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(true, modern_offer());
	vn = probe();
	/* Offloads, MRG_RXBUF, CTRL_VQ and INDIRECT are left alone. */
	assert_int_equal(vn->vpci.features, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC |
						    VIRTIO_NET_F_STATUS | VIRTIO_F_EVENT_IDX);
	assert_int_equal(vn->hdr_len, 12);
	assert_false(vn->split_hdr);
	assert_int_equal(fk.resets, 1);
	assert_int_equal(fk.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					    VIRTIO_STATUS_FEATURES_OK);
	assert_memory_equal(nd.mac, fake_mac, 6);
	assert_string_equal(nd.model, "virtio-net");
	assert_ptr_equal(nd.ops, &vnet_ops);
	assert_false(nd.link); /* not until open */
}

static void test_probe_legacy_any_layout(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(false, ALL_NET_FEATURES | VIRTIO_F_ANY_LAYOUT | VIRTIO_F_EVENT_IDX |
				  VIRTIO_F_NOTIFY_ON_EMPTY);
	vn = probe();
	assert_int_equal(vn->vpci.features, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |
						    VIRTIO_F_ANY_LAYOUT | VIRTIO_F_EVENT_IDX);
	/* No MRG_RXBUF on legacy: the header lacks num_buffers. */
	assert_int_equal(vn->hdr_len, 10);
	assert_false(vn->split_hdr);
	assert_false(fk.status & VIRTIO_STATUS_FEATURES_OK); /* legacy has none */
}

static void test_probe_legacy_split_header(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(false, VIRTIO_NET_F_MAC);
	vn = probe();
	assert_int_equal(vn->hdr_len, 10);
	assert_true(vn->split_hdr);
}

static void test_probe_modern_without_version_1(void **state)
{
	(void)state;
	fake_reset(true, ALL_NET_FEATURES);
	assert_int_equal(vnet_probe(&nd, &fake_pci, &vnet_ids[1]), -ENOTSUP);
	assert_null(nd.priv);
	assert_int_equal(fk.status, 0); /* reset on the way out */
	assert_int_equal(fk.resets, 2);
	assert_int_equal(vnet_ndevs, 0);
}

static void test_probe_features_refused(void **state)
{
	(void)state;
	fake_reset(true, modern_offer());
	fk.refuse_features_ok = true;
	assert_int_equal(vnet_probe(&nd, &fake_pci, &vnet_ids[1]), -ENOTSUP);
	assert_null(nd.priv);
	assert_int_equal(fk.status, 0);
}

static void test_probe_without_mac(void **state)
{
	(void)state;
	fake_reset(true, VIRTIO_F_VERSION_1);
	probe();
	/* Locally administered, unicast (§5.1.4.2). */
	assert_int_equal(nd.mac[0] & 3, 2);
	assert_memory_not_equal(nd.mac, fake_mac, 6);
}

/* --- open ------------------------------------------------------------------ */

static void test_open_modern(void **state)
{
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	assert_false(fk.status_at_setup & VIRTIO_STATUS_DRIVER_OK);
	assert_true(fk.status & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(fk.vq[0]->size, 256);
	assert_int_equal(vn->rx.nbufs, 256);
	assert_int_equal(vq_in_flight(fk.vq[0]), 256);
	assert_int_equal(fk.vq[0]->avail->idx, 256);
	assert_int_equal(fk.notifies[VNET_RXQ], 1);
	assert_int_equal(vq_in_flight(fk.vq[1]), 0);
	/* Transmit interrupts off: with EVENT_IDX, an event index behind us. */
	assert_int_equal(fk.vq[1]->avail->ring[256], 65535);
	assert_int_equal(fk.vq[1]->avail->flags, 0);
	assert_true(nd.link);
	assert_int_equal(vnet_open(&nd), 0); /* twice is harmless */
	assert_int_equal(fk.vq[0]->avail->idx, 256);
}

static void test_open_queue_sizes(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(true, modern_offer());
	fk.qmax[0] = 1024;
	fk.qmax[1] = 100;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->rx.vq.size, 256);
	assert_int_equal(vn->tx.vq.size, 64);
	assert_int_equal(vn->tx.nbufs, 64);
	teardown(NULL);

	/* Legacy takes the device's size; we fill only VNET_BUFS_MAX. */
	fake_reset(false, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	fk.qmax[0] = 1024;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->rx.vq.size, 1024);
	assert_int_equal(vn->rx.nbufs, 256);
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
	/* Without EVENT_IDX the transmit queue sets NO_INTERRUPT. */
	assert_int_equal(vn->tx.vq.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	assert_true(nd.link); /* no STATUS feature: assume up */
}

static void test_open_missing_queue(void **state)
{
	(void)state;
	fake_reset(true, modern_offer());
	fk.qmax[1] = 0;
	probe();
	assert_int_equal(vnet_open(&nd), -ENODEV);
	assert_false(fk.status & VIRTIO_STATUS_DRIVER_OK);
}

static void test_open_setup_fails(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(true, modern_offer());
	fk.fail_setup_queue = 2;
	vn = probe();
	assert_int_equal(vnet_open(&nd), -EINVAL);
	/* The device saw the receive ring: it is reset before the free. */
	assert_int_equal(fk.resets, 2);
	assert_null(vn->rx.ring);
	assert_null(vn->tx.ring);
	assert_false(vn->opened);
}

/* --- receive ---------------------------------------------------------------- */

static void test_rx_modern(void **state)
{
	uint8_t frame[60];
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	dev_rx(frame, sizeof(frame), 12, 0);
	/* The device waits for entry 256, the first one it has not seen. */
	*(uint16_t *)&vn->rx.vq.used->ring[256] = 256;
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.frames, 1);
	assert_int_equal(got.len, 60);
	assert_memory_equal(got.data, frame, 60);
	assert_ptr_equal(got.ptr, vn->rx.bufs + 12); /* in place, header stripped */
	assert_null(got.ofl);
	assert_int_equal(nd.stats.rx_packets, 1);
	assert_int_equal(nd.stats.rx_bytes, 60);
	/* Re-posted and the device told once. */
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
	assert_int_equal(fk.notifies[VNET_RXQ], 2);
	assert_int_equal(vnet_poll(&nd, 64), 0);
	assert_int_equal(fk.notifies[VNET_RXQ], 2);
}

static void test_rx_legacy_header(void **state)
{
	uint8_t frame[100];
	struct vnet *vn;

	(void)state;
	vn = probe_open(false, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	memset(frame, 0xab, sizeof(frame));
	dev_rx(frame, sizeof(frame), 10, 0);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, 100);
	assert_ptr_equal(got.ptr, vn->rx.bufs + 10);
	assert_memory_equal(got.data, frame, 100);
}

static void test_rx_legacy_split_header(void **state)
{
	uint8_t frame[1514];
	struct vnet *vn;
	const struct vq_desc *d;

	(void)state;
	vn = probe_open(false, VIRTIO_NET_F_MAC);
	/* Two descriptors per buffer: half the ring's worth of buffers. */
	assert_int_equal(vn->rx.nbufs, 128);
	d = &vn->rx.vq.desc[vn->rx.vq.avail->ring[0]];
	assert_int_equal(d->len, 10);
	assert_true(d->flags & VRING_DESC_F_NEXT);
	assert_int_equal(vn->rx.vq.desc[d->next].len, VNET_BUF_SIZE - 10);
	memset(frame, 0x5a, sizeof(frame));
	dev_rx(frame, sizeof(frame), 10, 0);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, 1514);
	assert_memory_equal(got.data, frame, 1514);
	assert_int_equal(vq_in_flight(&vn->rx.vq), 128);
}

static void test_rx_bad_lengths_and_ids(void **state)
{
	uint8_t frame[1600] = {0};
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	dev_rx(frame, 13, 12, 0);		  /* shorter than an Ethernet header */
	dev_rx(frame, 0, 12, 4);		  /* shorter than the virtio header */
	dev_rx(frame, 60, 12, VNET_BUF_SIZE + 1); /* longer than the buffer */
	dev_rx(frame, 1519, 12, 0);		  /* longer than NETDEV_FRAME_MAX */
	dev_use(VNET_RXQ, 9999, 60);		  /* an id out of range */
	dev_use(VNET_RXQ, 0x10000, 60);		  /* one that would alias 0 */
	dev_rx(frame, 1518, 12, 0);		  /* the largest frame allowed */
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, 1518);
	assert_int_equal(nd.stats.rx_drop_len, 4);
	assert_int_equal(nd.stats.rx_drop_desc, 2);
	assert_int_equal(nd.stats.rx_packets, 1);
	/* Every buffer the device returned went back to it. */
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
	assert_int_equal(vn->rx_lost, 0);
}

static void test_rx_duplicate_id(void **state)
{
	uint8_t frame[64] = {0};
	struct vnet *vn;
	uint16_t head;

	(void)state;
	vn = probe_open(true, modern_offer());
	head = vn->rx.vq.avail->ring[0];
	dev_rx(frame, 64, 12, 0);
	/* The same buffer again in the same burst: buffers are re-posted
	 * only after the burst, so the second is seen not to be in flight. */
	dev_use(VNET_RXQ, head, 76);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(nd.stats.rx_drop_desc, 1);
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
}

static void test_rx_budget(void **state)
{
	uint8_t frame[64] = {0};

	(void)state;
	probe_open(true, modern_offer());
	for (int i = 0; i < 10; i++)
		dev_rx(frame, 64, 12, 0);
	assert_int_equal(vnet_poll(&nd, 4), 4);
	assert_int_equal(vnet_poll(&nd, 4), 4);
	assert_int_equal(vnet_poll(&nd, 4), 2);
	assert_int_equal(got.frames, 10);
}

static void test_rx_without_owner(void **state)
{
	uint8_t frame[64] = {0};
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	nd.rx = NULL;
	dev_rx(frame, 64, 12, 0);
	assert_int_equal(vnet_poll(&nd, 64), 0);
	assert_int_equal(got.frames, 0);
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
}

static void test_rx_doorbell_suppressed(void **state)
{
	uint8_t frame[64] = {0};
	struct vnet *vn;

	(void)state;
	/* Without EVENT_IDX the device's NO_NOTIFY flag decides. */
	vn = probe_open(true, ALL_NET_FEATURES | VIRTIO_F_VERSION_1);
	assert_int_equal(fk.notifies[VNET_RXQ], 1);
	vn->rx.vq.used->flags = VRING_USED_F_NO_NOTIFY;
	dev_rx(frame, 64, 12, 0);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(fk.notifies[VNET_RXQ], 1);
}

/* --- transmit --------------------------------------------------------------- */

static void test_tx_copies_segments(void **state)
{
	uint8_t a[14], b[46], out[2048];
	struct netdev_seg seg[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	int ndesc;

	(void)state;
	probe_open(true, modern_offer());
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	assert_int_equal(vnet_xmit(&nd, seg, 2, NULL), 0);
	assert_int_equal(fk.notifies[VNET_TXQ], 0); /* queued, not rung */
	vnet_flush(&nd);
	assert_int_equal(fk.notifies[VNET_TXQ], 1);
	vnet_flush(&nd);
	assert_int_equal(fk.notifies[VNET_TXQ], 1);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), 12 + 60);
	assert_int_equal(ndesc, 1);
	for (int i = 0; i < 12; i++)
		assert_int_equal(out[i], 0); /* a finished frame, no offload */
	assert_memory_equal(out + 12, a, 14);
	assert_memory_equal(out + 26, b, 46);
	assert_int_equal(nd.stats.tx_packets, 1);
	assert_int_equal(nd.stats.tx_bytes, 60);
}

static void test_tx_one_doorbell_per_burst(void **state)
{
	uint8_t f[60] = {0};
	struct netdev_seg seg = {f, sizeof(f)};
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	for (int i = 0; i < 5; i++)
		assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	vnet_flush(&nd);
	assert_int_equal(fk.notifies[VNET_TXQ], 1);
	/* With EVENT_IDX: the device will look at entry 10 by itself. */
	*(uint16_t *)&vn->tx.vq.used->ring[vn->tx.vq.size] = 10; /* avail_event */
	for (int i = 0; i < 3; i++)
		assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	vnet_flush(&nd);
	assert_int_equal(fk.notifies[VNET_TXQ], 1);
}

static void test_tx_legacy_split_header(void **state)
{
	uint8_t f[60], out[2048];
	struct netdev_seg seg = {f, sizeof(f)};
	int ndesc;

	(void)state;
	probe_open(false, VIRTIO_NET_F_MAC);
	memset(f, 0x33, sizeof(f));
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), 10 + 60);
	assert_int_equal(ndesc, 2);
	assert_int_equal(fk.vq[1]->desc[fk.vq[1]->avail->ring[0]].len, 10);
	assert_memory_equal(out + 10, f, 60);
}

static void test_tx_ring_full(void **state)
{
	uint8_t f[60] = {0}, out[2048];
	struct netdev_seg seg = {f, sizeof(f)};
	struct vnet *vn;
	int ndesc;

	(void)state;
	vn = probe_open(true, modern_offer());
	for (int i = 0; i < vn->tx.nbufs; i++)
		assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 1);
	/* One completion frees one slot, reaped by xmit itself. */
	dev_tx(out, sizeof(out), &ndesc, true);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENOBUFS);
	/* poll() reaps the rest. */
	for (int i = 0; i < 10; i++)
		dev_tx(out, sizeof(out), &ndesc, true);
	vnet_poll(&nd, 64);
	assert_int_equal(vn->tx.nidle, 10);
	assert_int_equal(vq_in_flight(&vn->tx.vq), vn->tx.nbufs - 10);
}

static void test_tx_sizes(void **state)
{
	static uint8_t big[VNET_BUF_SIZE];
	struct netdev_seg seg[2] = {{big, VNET_BUF_SIZE - 12}, {big, 1}};

	(void)state;
	probe_open(true, modern_offer());
	/* What fits the buffer behind the header goes; a byte more does not. */
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), 0);
	assert_int_equal(vnet_xmit(&nd, seg, 2, NULL), -EMSGSIZE);
	seg[0].len = 0;
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), -EMSGSIZE);
	assert_int_equal(vnet_xmit(&nd, seg, 0, NULL), -EMSGSIZE);
	assert_int_equal(nd.stats.tx_drop_size, 3);
	assert_int_equal(nd.stats.tx_packets, 1);
}

static void test_tx_before_open(void **state)
{
	uint8_t f[60] = {0};
	struct netdev_seg seg = {f, sizeof(f)};

	(void)state;
	fake_reset(true, modern_offer());
	probe();
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENETDOWN);
	assert_int_equal(nd.stats.tx_drop_down, 1);
	vnet_flush(&nd);
	assert_int_equal(vnet_poll(&nd, 64), 0);
}

static void test_tx_bad_completion(void **state)
{
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	dev_use(VNET_TXQ, 500, 0);
	dev_use(VNET_TXQ, 3, 0); /* never handed out */
	vnet_poll(&nd, 64);
	assert_int_equal(vn->tx_bad_used, 2);
	assert_int_equal(vn->tx.nidle, vn->tx.nbufs);
}

/* --- link, offloads, show --------------------------------------------------- */

static void test_link_change(void **state)
{
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	assert_true(nd.link);
	fk.cfg[VIRTIO_NET_CFG_STATUS] = 0;
	assert_int_equal(vnet_poll(&nd, 64), 0);
	assert_true(nd.link); /* no configuration interrupt yet */
	fk.isr = VIRTIO_ISR_CONFIG;
	vnet_poll(&nd, 64);
	assert_false(nd.link);
	assert_int_equal(vn->config_changes, 1);
	fk.cfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	fk.isr = VIRTIO_ISR_CONFIG | VIRTIO_ISR_QUEUE;
	vnet_poll(&nd, 64);
	assert_true(nd.link);
	teardown(NULL);

	/* Without VIRTIO_NET_F_STATUS the status field is not there. */
	probe_open(true, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC);
	fk.cfg[VIRTIO_NET_CFG_STATUS] = 0;
	fk.isr = VIRTIO_ISR_CONFIG;
	vnet_poll(&nd, 64);
	assert_true(nd.link);
}

static void test_offload_header(void **state)
{
	const uint8_t rx[12] = {2, 1, 54, 0, 0xb4, 0x05, 34, 0, 16, 0, 1, 0};
	struct netdev_offload ofl, tx = {.flags = VNET_HDR_F_NEEDS_CSUM,
					 .gso_type = 1,
					 .gso_size = 1448,
					 .csum_start = 0x0122,
					 .csum_offset = 16};
	uint8_t hdr[12];

	(void)state;
	assert_ptr_equal(vnet_hdr_to_ofl(rx, &ofl), &ofl);
	assert_int_equal(ofl.flags, 2);
	assert_int_equal(ofl.gso_type, 1);
	assert_int_equal(ofl.hdr_len, 54);
	assert_int_equal(ofl.gso_size, 1460);
	assert_int_equal(ofl.csum_start, 34);
	assert_int_equal(ofl.csum_offset, 16);

	memset(hdr, 0xff, sizeof(hdr));
	vnet_hdr_from_ofl(hdr, 12, &tx, false); /* CSUM not negotiated */
	for (int i = 0; i < 12; i++)
		assert_int_equal(hdr[i], 0);
	vnet_hdr_from_ofl(hdr, 10, &tx, true);
	assert_int_equal(hdr[0], VNET_HDR_F_NEEDS_CSUM);
	assert_int_equal(hdr[1], 0); /* no GSO without HOST_TSO */
	assert_int_equal(hdr[6], 0x22);
	assert_int_equal(hdr[7], 0x01);
	assert_int_equal(hdr[8], 16);
	vnet_hdr_from_ofl(hdr, 12, NULL, true);
	assert_int_equal(hdr[0], 0);
}

/* A console sink that collects what a command prints. */
static struct {
	char text[1024];
	size_t used;
} shown;

static void sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof(shown.text) - 1 - shown.used)
		len = sizeof(shown.text) - 1 - shown.used;
	memcpy(shown.text + shown.used, buf, len);
	shown.used += len;
	shown.text[shown.used] = 0;
}

static void test_promisc_and_show(void **state)
{
	struct cli_out out = {sink, NULL};
	char line[] = "show virtio";

	(void)state;
	probe_open(false, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	vnet_set_promisc(&nd, true);
	assert_true(nd.promisc);
	shown.used = 0;
	assert_int_equal(cli_execute(line, &out), 0);
	assert_non_null(strstr(shown.text, "eth0  legacy interface"));
	assert_non_null(strstr(shown.text, "header 10 bytes"));
	assert_non_null(strstr(shown.text, "rx: size 256, 256 buffers, 256 in flight"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_probe_modern, teardown),
		cmocka_unit_test_teardown(test_probe_legacy_any_layout, teardown),
		cmocka_unit_test_teardown(test_probe_legacy_split_header, teardown),
		cmocka_unit_test_teardown(test_probe_modern_without_version_1, teardown),
		cmocka_unit_test_teardown(test_probe_features_refused, teardown),
		cmocka_unit_test_teardown(test_probe_without_mac, teardown),
		cmocka_unit_test_teardown(test_open_modern, teardown),
		cmocka_unit_test_teardown(test_open_queue_sizes, teardown),
		cmocka_unit_test_teardown(test_open_missing_queue, teardown),
		cmocka_unit_test_teardown(test_open_setup_fails, teardown),
		cmocka_unit_test_teardown(test_rx_modern, teardown),
		cmocka_unit_test_teardown(test_rx_legacy_header, teardown),
		cmocka_unit_test_teardown(test_rx_legacy_split_header, teardown),
		cmocka_unit_test_teardown(test_rx_bad_lengths_and_ids, teardown),
		cmocka_unit_test_teardown(test_rx_duplicate_id, teardown),
		cmocka_unit_test_teardown(test_rx_budget, teardown),
		cmocka_unit_test_teardown(test_rx_without_owner, teardown),
		cmocka_unit_test_teardown(test_rx_doorbell_suppressed, teardown),
		cmocka_unit_test_teardown(test_tx_copies_segments, teardown),
		cmocka_unit_test_teardown(test_tx_one_doorbell_per_burst, teardown),
		cmocka_unit_test_teardown(test_tx_legacy_split_header, teardown),
		cmocka_unit_test_teardown(test_tx_ring_full, teardown),
		cmocka_unit_test_teardown(test_tx_sizes, teardown),
		cmocka_unit_test_teardown(test_tx_before_open, teardown),
		cmocka_unit_test_teardown(test_tx_bad_completion, teardown),
		cmocka_unit_test_teardown(test_link_change, teardown),
		cmocka_unit_test_teardown(test_offload_header, teardown),
		cmocka_unit_test_teardown(test_promisc_and_show, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
