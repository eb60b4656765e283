/*
 * Unit tests for drivers/virtio_net.c against a fake device. The driver
 * file is included whole so its static functions can be reached; the PCI
 * transport (virtio_pci.h) is replaced by a register file in memory, and
 * the test plays the device on the real rings from drivers/virtqueue.c:
 * feature negotiation with the offloads' dependencies (§5.1.3.1) and the
 * port's offload bits, the 10- and 12-byte headers, the legacy split
 * header, receive-length validation, mergeable receive buffers (a frame
 * gathered from several, and devices that get num_buffers or the length
 * wrong), offload metadata both ways, transmit copying, chains of transmit
 * buffers for large frames and their return to the idle list, doorbell
 * batching and suppression, ring-full handling and link changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/offload.h"
#include "drivers/virtio_net.c"

#define GUEST_OFFLOADS                                                                             \
	(VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 |             \
	 VIRTIO_NET_F_GUEST_ECN | VIRTIO_NET_F_MRG_RXBUF)
#define HOST_OFFLOADS                                                                              \
	(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 |                     \
	 VIRTIO_NET_F_HOST_ECN)
#define UFO_FEATURES (1ULL << 10 /* GUEST_UFO */ | 1ULL << 14 /* HOST_UFO */)
#define ALL_NET_FEATURES                                                                           \
	(GUEST_OFFLOADS | HOST_OFFLOADS | UFO_FEATURES | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |  \
	 (1ULL << 17) /* CTRL_VQ */ | (1ULL << 18) /* CTRL_RX */)
#define ALL_OFL (NETDEV_OFL_CSUM | NETDEV_OFL_TSO4 | NETDEV_OFL_TSO6 | NETDEV_OFL_ECN)
#define ALL	0xffff /* dev_rx_merged(): publish every buffer */

/* Largest frame one transmit buffer takes behind the header. */
#define TX_ONE_MAX (VNET_BUF_SIZE - VNET_HDR_LEN)

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
	uint16_t tx_head;      /* head of the last chain dev_tx() took */
	int notifies[2];
	int resets;
	uint64_t heap_free; /* what memory_heap() says is left */
} fk;

/* The copy profile's clock (kernel/time.h): ticks taken as microseconds. */
uint64_t time_tsc_to_us(uint64_t ticks)
{
	return ticks;
}

/* A slow clock, so that vnet_tx_wait()'s bound passes in a few thousand
 * TSC ticks here: the fake device never completes while the driver waits. */
uint64_t time_tsc_hz(void)
{
	return 1000000;
}

/* The heap, as far as buffer sizing asks (kernel/memory.h). */
void memory_heap(uint64_t *base, uint64_t *brk, uint64_t *end)
{
	*base = *brk = 1u << 20;
	*end = *brk + fk.heap_free;
}

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

/* Writes used entry (n) past the published ones of queue (q), not yet
 * visible to the driver. */
static void dev_used_put(int q, uint16_t n, uint32_t id, uint32_t len)
{
	struct virtqueue *vq = fk.vq[q];
	struct vq_used_elem *e = &vq->used->ring[(uint16_t)(vq->used->idx + n) & (vq->size - 1)];

	e->id = id;
	e->len = len;
}

/* Publishes (n) entries written by dev_used_put() in one idx update. */
static void dev_used_publish(int q, uint16_t n)
{
	fk.vq[q]->used->idx += n;
}

static void dev_use(int q, uint32_t id, uint32_t len)
{
	dev_used_put(q, 0, id, len);
	dev_used_publish(q, 1);
}

/* Writes up to (len) bytes of (msg) into the receive chain at (head);
 * returns how many fitted. */
static size_t dev_fill(uint16_t head, const uint8_t *msg, size_t len)
{
	struct virtqueue *vq = fk.vq[VNET_RXQ];
	size_t done = 0;

	for (uint16_t d = head;; d = vq->desc[d].next) {
		const struct vq_desc *desc = &vq->desc[d];
		size_t n = len - done < desc->len ? len - done : desc->len;

		assert_true(desc->flags & VRING_DESC_F_WRITE);
		memcpy(desc_ptr(desc), msg + done, n);
		done += n;
		if (!(desc->flags & VRING_DESC_F_NEXT))
			return done;
	}
}

/* Receives (len) bytes of (frame) behind a (hdr_len)-byte header with
 * num_buffers = 1, scattering over the chain; reports (used_len) or, if
 * 0, the bytes written. */
static void dev_rx(const void *frame, size_t len, size_t hdr_len, uint32_t used_len)
{
	uint8_t msg[2048] = {0};
	uint16_t head = dev_take(VNET_RXQ);
	size_t done;

	assert_true(hdr_len + len <= sizeof(msg));
	if (hdr_len == VNET_HDR_LEN)
		msg[10] = 1; /* num_buffers */
	memcpy(msg + hdr_len, frame, len);
	done = dev_fill(head, msg, hdr_len + len);
	dev_use(VNET_RXQ, head, used_len ? used_len : (uint32_t)done);
}

/*
 * Receives (len) bytes of (frame) with MRG_RXBUF (§5.1.6.4), behind a
 * 12-byte header made from (ofl), or zero: the bytes fill buffer after
 * buffer, and num_buffers says how many unless (nbufs) is not 0. The
 * first (publish) buffers are made visible in one idx update, the rest
 * only written, for a later dev_used_publish(). Returns the buffers used.
 */
static uint16_t dev_rx_merged(const struct netdev_offload *ofl, const void *frame, size_t len,
			      uint16_t nbufs, uint16_t publish)
{
	static uint8_t msg[VNET_HDR_LEN + (VNET_CHAIN_MAX + 1) * VNET_BUF_SIZE];
	size_t total = VNET_HDR_LEN + len, done = 0;
	uint16_t used = (uint16_t)((total + VNET_BUF_SIZE - 1) / VNET_BUF_SIZE), k = 0;

	assert_true(total <= sizeof(msg));
	memset(msg, 0, VNET_HDR_LEN);
	if (ofl) {
		msg[0] = ofl->flags;
		msg[1] = ofl->gso_type;
		vnet_put_le16(msg + 2, ofl->hdr_len);
		vnet_put_le16(msg + 4, ofl->gso_size);
		vnet_put_le16(msg + 6, ofl->csum_start);
		vnet_put_le16(msg + 8, ofl->csum_offset);
	}
	vnet_put_le16(msg + 10, nbufs ? nbufs : used);
	memcpy(msg + VNET_HDR_LEN, frame, len);
	for (; done < total; k++) {
		uint16_t head = dev_take(VNET_RXQ);
		size_t n = dev_fill(head, msg + done, total - done);

		dev_used_put(VNET_RXQ, k, head, (uint32_t)n);
		done += n;
	}
	assert_int_equal(k, used);
	dev_used_publish(VNET_RXQ, publish < used ? publish : used);
	return used;
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
	fk.tx_head = head;
	if (complete)
		dev_use(VNET_TXQ, head, 0);
	return total;
}

/* --- the port's owner ---------------------------------------------------- */

static struct {
	int frames;
	uint8_t data[NETDEV_GSO_MAX];
	size_t len;
	void *ptr;
	bool has_ofl;		   /* the driver passed offload metadata */
	struct netdev_offload ofl; /* a copy: the driver's lives only for the call */
} got;

static void on_rx(struct netdev *nd, void *frame, size_t len, const struct netdev_offload *ofl)
{
	(void)nd;
	got.frames++;
	assert_true(len <= sizeof(got.data));
	memcpy(got.data, frame, len);
	got.len = len;
	got.ptr = frame;
	got.has_ofl = ofl != NULL;
	if (ofl)
		got.ofl = *ofl;
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
	fk.heap_free = VNET_HEAP_SMALL; /* 256 buffers of VNET_BUF_SIZE */
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
		free(vn->gather);
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

/* Bytes that differ from one buffer's worth to the next, so a piece
 * copied to the wrong place shows. */
static void pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i ^ (i >> 8) ^ seed);
}

/* Every receive buffer is lent to the device, exactly once. */
static void assert_rx_all_posted(const struct vnet *vn)
{
	const struct virtqueue *vq = &vn->rx.vq;
	int lent[VNET_BUFS_MAX] = {0};

	assert_int_equal(vq_in_flight(vq), vn->rx.nbufs);
	for (uint16_t i = 0; i < vq->size; i++) {
		size_t b;

		if (vq->chain[i].ndesc == 0)
			continue;
		b = (size_t)((uint8_t *)vq->chain[i].token - vn->rx.bufs) / VNET_BUF_SIZE;
		assert_true(b < vn->rx.nbufs);
		assert_int_equal(lent[b]++, 0);
	}
	assert_int_equal(vn->rx_lost, 0);
}

/* Every transmit buffer is idle, listed once, and in no chain. */
static void assert_tx_all_idle(const struct vnet *vn)
{
	const struct vnet_queue *q = &vn->tx;
	int listed[VNET_BUFS_MAX] = {0};

	assert_int_equal(q->nidle, q->nbufs);
	for (uint16_t i = 0; i < q->nidle; i++) {
		assert_true(q->idle[i] < q->nbufs);
		assert_int_equal(listed[q->idle[i]]++, 0);
		assert_int_equal(q->link[q->idle[i]], VNET_NO_LINK);
	}
	assert_int_equal(vq_in_flight(&q->vq), 0);
	assert_int_equal(q->vq.num_free, q->vq.size);
}

/* The device takes and completes every chain it was given. */
static void dev_tx_all(void)
{
	static uint8_t out[VNET_CHAIN_MAX * VNET_BUF_SIZE];
	int ndesc;

	while (fk.dev_avail[VNET_TXQ] != fk.vq[VNET_TXQ]->avail->idx)
		dev_tx(out, sizeof(out), &ndesc, true);
}

/* --- negotiation ---------------------------------------------------------- */

static void test_probe_modern(void **state)
{
	struct vnet *vn;

	(void)state;
	fake_reset(true, modern_offer());
	vn = probe();
	/* The offloads both ways and MRG_RXBUF are taken; UFO, CTRL_VQ and
	 * INDIRECT are left alone. */
	assert_int_equal(vn->vpci.features, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC |
						    VIRTIO_NET_F_STATUS | VIRTIO_F_EVENT_IDX |
						    GUEST_OFFLOADS | HOST_OFFLOADS);
	assert_int_equal(nd.offloads, ALL_OFL);
	assert_int_equal(vn->hdr_len, 12);
	assert_false(vn->split_hdr);
	assert_true(vn->mergeable);
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
	/* No offloads and no MRG_RXBUF on legacy: the header lacks num_buffers. */
	assert_int_equal(vn->vpci.features, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS |
						    VIRTIO_F_ANY_LAYOUT | VIRTIO_F_EVENT_IDX);
	assert_int_equal(nd.offloads, 0);
	assert_int_equal(vn->hdr_len, 10);
	assert_false(vn->split_hdr);
	assert_false(vn->mergeable);
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

/* §5.1.3.1: each offload is taken only with what it depends on; the
 * port's offload bits follow the transmit features taken. */
static void test_probe_offload_dependencies(void **state)
{
	static const struct {
		uint64_t offered, taken;
		uint8_t offloads;
	} cases[] = {
		/* GUEST_TSO needs GUEST_CSUM, and here MRG_RXBUF too. */
		{VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_GUEST_ECN |
			 VIRTIO_NET_F_MRG_RXBUF,
		 VIRTIO_NET_F_MRG_RXBUF, 0},
		{VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 |
			 VIRTIO_NET_F_GUEST_ECN,
		 VIRTIO_NET_F_GUEST_CSUM, 0},
		{GUEST_OFFLOADS & ~VIRTIO_NET_F_GUEST_TSO4,
		 GUEST_OFFLOADS & ~VIRTIO_NET_F_GUEST_TSO4, 0},
		/* GUEST_ECN only with a GUEST_TSO. */
		{VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_GUEST_ECN,
		 VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MRG_RXBUF, 0},
		/* HOST_TSO needs CSUM. */
		{VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_HOST_ECN, 0, 0},
		/* HOST_ECN only with a HOST_TSO. */
		{VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_ECN, VIRTIO_NET_F_CSUM, NETDEV_OFL_CSUM},
		{VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_ECN,
		 VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_ECN,
		 NETDEV_OFL_CSUM | NETDEV_OFL_TSO4 | NETDEV_OFL_ECN},
		{VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO6,
		 VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO6, NETDEV_OFL_CSUM | NETDEV_OFL_TSO6},
		/* UFO is never taken. */
		{UFO_FEATURES | VIRTIO_NET_F_CSUM, VIRTIO_NET_F_CSUM, NETDEV_OFL_CSUM},
		{0, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vnet *vn;

		fake_reset(true, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | cases[i].offered);
		vn = probe();
		assert_int_equal(vn->vpci.features,
				 VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | cases[i].taken);
		assert_int_equal(nd.offloads, cases[i].offloads);
		assert_int_equal(vn->hdr_len, 12);
		assert_int_equal(vn->mergeable, !!(cases[i].taken & VIRTIO_NET_F_MRG_RXBUF));
		teardown(NULL);
	}
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
	assert_false(got.has_ofl);		     /* a finished frame */
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

/* A 3-buffer frame with a GSO header; what the tests below send most. */
static const struct netdev_offload gso4 = {.flags = OFFLOAD_F_NEEDS_CSUM,
					   .gso_type = OFFLOAD_GSO_TCPV4,
					   .hdr_len = 54,
					   .gso_size = 1448,
					   .csum_start = 34,
					   .csum_offset = 16};
#define LEN_3BUFS (2 * VNET_BUF_SIZE + 100 - VNET_HDR_LEN)

static void test_rx_merged(void **state)
{
	static uint8_t f[LEN_3BUFS];
	struct vnet *vn;
	uint16_t avail;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(f, sizeof(f), 1);
	avail = vn->rx.vq.avail->idx;
	assert_int_equal(dev_rx_merged(&gso4, f, sizeof(f), 0, ALL), 3);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.frames, 1);
	assert_int_equal(got.len, sizeof(f));
	assert_ptr_equal(got.ptr, vn->gather); /* contiguous */
	assert_memory_equal(got.data, f, sizeof(f));
	assert_true(got.has_ofl);
	assert_int_equal(got.ofl.flags, OFFLOAD_F_NEEDS_CSUM);
	assert_int_equal(got.ofl.gso_type, OFFLOAD_GSO_TCPV4);
	assert_int_equal(got.ofl.gso_size, 1448);
	assert_int_equal(got.ofl.hdr_len, 54);
	assert_int_equal(got.ofl.csum_start, 34);
	assert_int_equal(got.ofl.csum_offset, 16);
	assert_int_equal(vn->rx_merged, 1);
	assert_int_equal(vn->rx_bad_merge, 0);
	assert_int_equal(nd.stats.rx_gso, 1);
	assert_int_equal(nd.stats.rx_packets, 1);
	assert_int_equal(nd.stats.rx_bytes, sizeof(f));
	/* All three lent again, after the burst. */
	assert_int_equal((uint16_t)(vn->rx.vq.avail->idx - avail), 3);
	assert_rx_all_posted(vn);

	/* A frame of one buffer after it is still taken in place. */
	dev_rx_merged(NULL, f, 60, 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_ptr_not_equal(got.ptr, vn->gather);
	assert_memory_equal(got.data, f, 60);
	assert_int_equal(vn->rx_merged, 1);
}

static void test_rx_merge_buffers_missing(void **state)
{
	static uint8_t f[LEN_3BUFS], g[200];
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(f, sizeof(f), 2);
	pattern(g, sizeof(g), 3);
	/* Three buffers written, num_buffers 3, only two published. */
	dev_rx_merged(&gso4, f, sizeof(f), 0, 2);
	assert_int_equal(vnet_poll(&nd, 64), 0);
	assert_int_equal(got.frames, 0);
	assert_int_equal(vn->rx_bad_merge, 1);
	assert_int_equal(vn->rx_skip, 1);
	/* Two taken back and lent again; the third is still the device's. */
	assert_int_equal(vq_in_flight(&vn->rx.vq), 256);
	/* The late buffer, then a whole frame: the one is skipped, the other
	 * delivered, both lent again. */
	dev_used_publish(VNET_RXQ, 1);
	dev_rx_merged(NULL, g, sizeof(g), 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, sizeof(g));
	assert_memory_equal(got.data, g, sizeof(g));
	assert_int_equal(vn->rx_skip, 0);
	assert_int_equal(vn->rx_merged, 0);
	assert_int_equal(nd.stats.rx_drop_len, 0);
	assert_rx_all_posted(vn);
	/* And a merged frame after that is whole again. */
	dev_rx_merged(&gso4, f, sizeof(f), 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, sizeof(f));
	assert_memory_equal(got.data, f, sizeof(f));
	assert_int_equal(vn->rx_merged, 1);
	assert_int_equal(vn->rx_bad_merge, 1);
}

static void test_rx_merge_too_many_buffers(void **state)
{
	static uint8_t f[(VNET_CHAIN_MAX + 1) * VNET_BUF_SIZE - VNET_HDR_LEN], g[100];
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(f, sizeof(f), 4);
	pattern(g, sizeof(g), 5);
	/* One buffer more than any frame needs: dropped without a copy, and
	 * its other buffers skipped. */
	assert_int_equal(dev_rx_merged(&gso4, f, sizeof(f), 0, ALL), VNET_CHAIN_MAX + 1);
	dev_rx_merged(NULL, g, sizeof(g), 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.frames, 1);
	assert_int_equal(got.len, sizeof(g));
	assert_memory_equal(got.data, g, sizeof(g));
	assert_int_equal(vn->rx_bad_merge, 1);
	assert_int_equal(vn->rx_skip, 0);
	assert_int_equal(nd.stats.rx_gso, 0);
	assert_rx_all_posted(vn);
}

static void test_rx_merge_too_long(void **state)
{
	static uint8_t f[NETDEV_GSO_MAX + 1], g[100];
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(f, sizeof(f), 6);
	pattern(g, sizeof(g), 7);
	/* The largest GSO frame is taken; a byte more is not. */
	dev_rx_merged(&gso4, f, NETDEV_GSO_MAX, 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, NETDEV_GSO_MAX);
	assert_memory_equal(got.data, f, NETDEV_GSO_MAX);
	assert_int_equal(nd.stats.rx_gso, 1);
	dev_rx_merged(&gso4, f, NETDEV_GSO_MAX + 1, 0, ALL);
	dev_rx_merged(NULL, g, sizeof(g), 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.frames, 2);
	assert_int_equal(got.len, sizeof(g));
	assert_memory_equal(got.data, g, sizeof(g));
	assert_int_equal(vn->rx_bad_merge, 1);
	assert_int_equal(nd.stats.rx_gso, 1);
	assert_rx_all_posted(vn);
}

static void test_rx_merge_not_gso_too_long(void **state)
{
	static uint8_t f[VNET_BUF_SIZE + 500];
	const struct netdev_offload csum = {
		.flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16};
	struct vnet *vn;
	int n;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(f, sizeof(f), 8);
	/* Joined, but longer than a frame without GSO may be. */
	assert_int_equal(dev_rx_merged(NULL, f, sizeof(f), 0, ALL), 2);
	assert_int_equal(dev_rx_merged(&csum, f, sizeof(f), 0, ALL), 2);
	assert_int_equal(dev_rx_merged(&csum, f, NETDEV_FRAME_MAX + 1, 0, ALL), 1);
	dev_rx_merged(&csum, f, NETDEV_FRAME_MAX, 0, ALL);
	n = vnet_poll(&nd, 64);
	assert_int_equal(got.frames, 1);
	assert_int_equal(got.len, NETDEV_FRAME_MAX);
	assert_int_equal(nd.stats.rx_drop_len, 3);
	assert_int_equal(nd.stats.rx_packets, 1);
	assert_int_equal(vn->rx_merged, 2);
	assert_int_equal(nd.stats.rx_gso, 0);
	assert_rx_all_posted(vn);
	assert_int_equal(n, 1); /* frames delivered, not dropped */
}

static void test_rx_offload_metadata(void **state)
{
	static uint8_t f[LEN_3BUFS];
	const struct netdev_offload csum = {
		.flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
	const struct netdev_offload valid = {.flags = OFFLOAD_F_DATA_VALID};
	int n;

	(void)state;
	pattern(f, sizeof(f), 9);
	probe_open(true, modern_offer());
	dev_rx_merged(&csum, f, 100, 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_true(got.has_ofl);
	assert_int_equal(got.ofl.flags, OFFLOAD_F_NEEDS_CSUM);
	assert_int_equal(got.ofl.gso_type, 0);
	assert_int_equal(got.ofl.csum_start, 34);
	assert_int_equal(got.ofl.csum_offset, 6);
	/* DATA_VALID alone asks nothing of the receiver. */
	dev_rx_merged(&valid, f, 100, 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_false(got.has_ofl);
	teardown(NULL);

	/* Without GUEST_CSUM the header's fields are not there to read: no
	 * metadata, and a frame claiming GSO is only too long. */
	probe_open(true, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF);
	assert_true(((struct vnet *)nd.priv)->mergeable);
	dev_rx_merged(&csum, f, 100, 0, ALL);
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_false(got.has_ofl);
	dev_rx_merged(&gso4, f, sizeof(f), 0, ALL);
	n = vnet_poll(&nd, 64);
	assert_int_equal(got.frames, 1);
	assert_int_equal(nd.stats.rx_drop_len, 1);
	assert_int_equal(nd.stats.rx_gso, 0);
	assert_int_equal(n, 0); /* frames delivered, not dropped */
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
	/* Full: the driver rings the doorbell, waits for room (the device
	 * gives none here), then drops; the next full ring is not waited on
	 * until the device gives something back. */
	int notified = fk.notifies[VNET_TXQ];

	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 1);
	assert_int_equal(fk.notifies[VNET_TXQ], notified + 1);
	assert_int_equal(vn->tx_waits, 1);
	assert_true(vn->tx_stuck);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENOBUFS);
	assert_int_equal(vn->tx_waits, 1);
	/* One completion frees one slot, reaped by xmit itself. */
	dev_tx(out, sizeof(out), &ndesc, true);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), 0);
	assert_false(vn->tx_stuck);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, NULL), -ENOBUFS);
	assert_int_equal(vn->tx_waits, 2);
	/* poll() reaps the rest. */
	for (int i = 0; i < 10; i++)
		dev_tx(out, sizeof(out), &ndesc, true);
	vnet_poll(&nd, 64);
	assert_int_equal(vn->tx.nidle, 10);
	assert_int_equal(vq_in_flight(&vn->tx.vq), vn->tx.nbufs - 10);
}

static void test_tx_sizes(void **state)
{
	static uint8_t big[VNET_CHAIN_MAX * VNET_BUF_SIZE], out[VNET_CHAIN_MAX * VNET_BUF_SIZE];
	struct netdev_seg seg[2] = {{big, TX_ONE_MAX}, {big, 1}};
	int ndesc;

	(void)state;
	probe_open(true, modern_offer());
	/* What fits the buffer behind the header takes one descriptor; a
	 * byte more takes a second buffer. */
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), 0);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), VNET_BUF_SIZE);
	assert_int_equal(ndesc, 1);
	assert_int_equal(vnet_xmit(&nd, seg, 2, NULL), 0);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), VNET_BUF_SIZE + 1);
	assert_int_equal(ndesc, 2);
	/* The longest chain goes; a byte more, nothing, or no segment does not. */
	seg[0].len = VNET_CHAIN_MAX * VNET_BUF_SIZE - VNET_HDR_LEN;
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), 0);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), VNET_CHAIN_MAX * VNET_BUF_SIZE);
	assert_int_equal(ndesc, VNET_CHAIN_MAX);
	assert_int_equal(vnet_xmit(&nd, seg, 2, NULL), -EMSGSIZE);
	seg[0].len = 0;
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), -EMSGSIZE);
	assert_int_equal(vnet_xmit(&nd, seg, 0, NULL), -EMSGSIZE);
	assert_int_equal(nd.stats.tx_drop_size, 3);
	assert_int_equal(nd.stats.tx_packets, 3);
	teardown(NULL);

	/* Legacy framing without ANY_LAYOUT keeps to one buffer. */
	probe_open(false, VIRTIO_NET_F_MAC);
	seg[0].len = VNET_BUF_SIZE - VNET_HDR_LEN_LEGACY;
	assert_int_equal(vnet_xmit(&nd, seg, 1, NULL), 0);
	assert_int_equal(vnet_xmit(&nd, seg, 2, NULL), -EMSGSIZE);
}

/* A frame so long its buffer count overflows 16 bits is still too long. */
static void test_tx_sizes_overflow(void **state)
{
	static uint8_t big[VNET_BUF_SIZE];
	static struct netdev_seg seg[65536];
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	for (size_t i = 0; i < 65536; i++)
		seg[i] = (struct netdev_seg){big, VNET_BUF_SIZE};
	/* 65536 * 1536 bytes: (12 + len + 1535) / 1536 is 65537, or 1 in a uint16_t. */
	assert_int_equal(vnet_xmit(&nd, seg, 65536, NULL), -EMSGSIZE);
	assert_int_equal(nd.stats.tx_drop_size, 1);
	assert_int_equal(vn->tx.nidle, vn->tx.nbufs);
}

/* Ethernet, IPv4 without options, TCP with (doff) 32-bit words of header,
 * the rest (pattern): a frame for the GSO tests. */
static void tcp4_frame(uint8_t *f, size_t len, uint8_t doff)
{
	pattern(f, len, 0x5a);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[14 + 20 + 12] = (uint8_t)(doff << 4);
}

static void test_tx_gso_chain(void **state)
{
	static uint8_t f[65536], out[VNET_HDR_LEN + 65536];
	const struct netdev_offload ofl = {.flags = OFFLOAD_F_NEEDS_CSUM,
					   .gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN,
					   .gso_size = 1448,
					   .csum_start = 34,
					   .csum_offset = 16};
	struct netdev_seg seg = {f, sizeof(f)};
	const size_t nbuf = (VNET_HDR_LEN + sizeof(f) + VNET_BUF_SIZE - 1) / VNET_BUF_SIZE;
	const struct vq_desc *d;
	struct vnet *vn;
	int ndesc;

	(void)state;
	vn = probe_open(true, modern_offer());
	tcp4_frame(f, sizeof(f), 8);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, &ofl), 0);
	assert_int_equal(vn->tx.nidle, vn->tx.nbufs - nbuf);
	assert_int_equal(nd.stats.tx_packets, 1);
	assert_int_equal(nd.stats.tx_bytes, sizeof(f));
	vnet_flush(&nd);
	assert_int_equal(fk.notifies[VNET_TXQ], 1);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, false), VNET_HDR_LEN + sizeof(f));
	assert_int_equal(ndesc, nbuf);
	/* Full buffers but the last. */
	d = &fk.vq[VNET_TXQ]->desc[fk.tx_head];
	for (size_t k = 0; k + 1 < nbuf; k++, d = &fk.vq[VNET_TXQ]->desc[d->next])
		assert_int_equal(d->len, VNET_BUF_SIZE);
	assert_int_equal(d->len, VNET_HDR_LEN + sizeof(f) - (nbuf - 1) * VNET_BUF_SIZE);
	/* The header, then the frame. */
	assert_int_equal(out[0], OFFLOAD_F_NEEDS_CSUM);
	assert_int_equal(out[1], OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN);
	assert_int_equal(vnet_le16(out + 2), 34 + 32);
	assert_int_equal(vnet_le16(out + 4), 1448);
	assert_int_equal(vnet_le16(out + 6), 34);
	assert_int_equal(vnet_le16(out + 8), 16);
	assert_int_equal(vnet_le16(out + 10), 0);
	assert_memory_equal(out + VNET_HDR_LEN, f, sizeof(f));
	/* Not used yet: nothing comes back. */
	vnet_poll(&nd, 64);
	assert_int_equal(vn->tx.nidle, vn->tx.nbufs - nbuf);
	dev_use(VNET_TXQ, fk.tx_head, 0);
	vnet_poll(&nd, 64);
	assert_tx_all_idle(vn);
}

static void test_tx_chain_short_of_buffers(void **state)
{
	static uint8_t f[65536];
	uint8_t small[60] = {0}, out[128];
	struct netdev_seg seg = {f, sizeof(f)}, one = {small, sizeof(small)};
	const uint16_t nbuf = (VNET_HDR_LEN + sizeof(f) + VNET_BUF_SIZE - 1) / VNET_BUF_SIZE;
	struct vnet *vn;
	int ndesc;

	(void)state;
	vn = probe_open(true, modern_offer());
	tcp4_frame(f, sizeof(f), 5);
	while (vn->tx.nidle > nbuf - 1)
		assert_int_equal(vnet_xmit(&nd, &one, 1, NULL), 0);
	/* One buffer short: refused whole, nothing taken. */
	assert_int_equal(vnet_xmit(&nd, &seg, 1, &gso4), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 1);
	assert_int_equal(vn->tx.nidle, nbuf - 1);
	assert_int_equal(vq_in_flight(&vn->tx.vq), vn->tx.nbufs - (nbuf - 1));
	/* One completion is enough, reaped by xmit itself. */
	dev_tx(out, sizeof(out), &ndesc, true);
	assert_int_equal(vnet_xmit(&nd, &seg, 1, &gso4), 0);
	assert_int_equal(vn->tx.nidle, 0);
	dev_tx_all();
	vnet_poll(&nd, 64);
	assert_tx_all_idle(vn);
}
/* Chains of mixed lengths until the ring is full, completed out of order,
 * fifty times: every buffer comes back every time. */
static void test_tx_chain_rounds(void **state)
{
	static const size_t lens[] = {65536, 60, 3000, TX_ONE_MAX + 1, 20000, 1514};
	static uint8_t src[65536 + VNET_BUFS_MAX], out[VNET_CHAIN_MAX * VNET_BUF_SIZE];
	uint16_t heads[VNET_BUFS_MAX];
	size_t sent[VNET_BUFS_MAX];
	uint64_t packets = 0;
	struct vnet *vn;

	(void)state;
	vn = probe_open(true, modern_offer());
	pattern(src, sizeof(src), 12);
	for (int round = 0; round < 50; round++) {
		int n = 0, ndesc;

		/* Each frame starts at its own offset in (src), so buffers
		 * swapped between chains show. */
		for (;; n++) {
			struct netdev_seg seg = {src + n, lens[(round + n) % 6]};
			int err =
				vnet_xmit(&nd, &seg, 1, seg.len > NETDEV_FRAME_MAX ? &gso4 : NULL);

			if (err) {
				assert_int_equal(err, -ENOBUFS);
				break;
			}
			sent[n] = seg.len;
		}
		assert_true(n > 0);
		packets += (uint64_t)n;
		for (int k = 0; k < n; k++) {
			assert_int_equal(dev_tx(out, sizeof(out), &ndesc, false),
					 VNET_HDR_LEN + sent[k]);
			assert_memory_equal(out + VNET_HDR_LEN, src + k, sent[k]);
			heads[k] = fk.tx_head;
		}
		for (int k = 0; k < n; k++)
			dev_use(VNET_TXQ, heads[round % 2 ? k : n - 1 - k], 0);
		/* Every other round, the next xmit reaps them instead. */
		if (round % 2) {
			vnet_poll(&nd, 64);
			assert_tx_all_idle(vn);
		}
	}
	vnet_poll(&nd, 64);
	assert_tx_all_idle(vn);
	assert_int_equal(nd.stats.tx_drop_full, 50);
	assert_int_equal(nd.stats.tx_packets, packets);
	assert_int_equal(vn->tx_bad_used, 0);
}

static void test_tx_segments_across_buffers(void **state)
{
	static uint8_t src[5000], out[4 * VNET_BUF_SIZE];
	_Static_assert(VNET_BUF_SIZE == 2048, "the pieces are placed for 2 KB buffers");
	/* Pieces ending inside a buffer and exactly at its end (12 + 2036),
	 * one spanning a whole buffer, empty ones between and at both ends. */
	const struct netdev_seg seg[] = {
		{src, 0},	   {src, 1000},	       {src + 1000, 0}, {src + 1000, 1036},
		{src + 2036, 0},   {src + 2036, 2048}, {src + 4084, 1}, {src + 4085, 0},
		{src + 4085, 915}, {src + 5000, 0},
	};
	int ndesc;

	(void)state;
	probe_open(true, modern_offer());
	pattern(src, sizeof(src), 13);
	assert_int_equal(vnet_xmit(&nd, seg, sizeof(seg) / sizeof(seg[0]), NULL), 0);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), VNET_HDR_LEN + sizeof(src));
	assert_int_equal(ndesc, 3);
	for (int i = 0; i < VNET_HDR_LEN; i++)
		assert_int_equal(out[i], 0);
	assert_memory_equal(out + VNET_HDR_LEN, src, sizeof(src));
	assert_int_equal(nd.stats.tx_bytes, sizeof(src));
}

/*
 * netdev_xmit() hands a port claiming TSO its GSO frames whole, so such a
 * port must be able to send one, whatever its transmit queue's size: a
 * 64 KB frame takes 43 buffers, more than a 32-entry ring has.
 */
static void test_tx_gso_short_ring(void **state)
{
	static uint8_t f[65536];
	struct netdev_seg seg = {f, sizeof(f)};
	struct vnet *vn;

	(void)state;
	fake_reset(true, modern_offer());
	fk.qmax[VNET_TXQ] = 32;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->tx.nbufs, 32);
	tcp4_frame(f, sizeof(f), 5);
	if (nd.offloads & NETDEV_OFL_TSO4)
		assert_int_equal(vnet_xmit(&nd, &seg, 1, &gso4), 0);
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

/* With VNET_HEAP_WHOLE free, receive buffers hold a whole 64 KB frame:
 * no MRG_RXBUF, GUEST_TSO still taken, the frame handed over in place. */
static void test_rx_whole(void **state)
{
	static uint8_t msg[VNET_HDR_LEN + 65000];
	struct vnet *vn;
	uint16_t head;

	(void)state;
	fake_reset(true, modern_offer());
	fk.heap_free = VNET_HEAP_WHOLE;
	vn = probe();
	assert_false(vn->vpci.features & VIRTIO_NET_F_MRG_RXBUF);
	assert_true(vn->vpci.features & VIRTIO_NET_F_GUEST_TSO4);
	assert_true(vn->rx_whole);
	assert_int_equal(vnet_open(&nd), 0);
	assert_null(vn->gather);
	assert_int_equal(vn->rx.bufsize, VNET_RX_WHOLE_SIZE);
	assert_true(vn->rx.bufsize >= VNET_HDR_LEN + NETDEV_GSO_MAX);
	assert_int_equal(vn->rx.nbufs, VNET_RX_WHOLE_BUFS);
	assert_int_equal(vn->rx.vq.desc[0].len, VNET_RX_WHOLE_SIZE);
	assert_int_equal(vn->tx.bufsize, 1u << VNET_BUF_BIG_SHIFT);
	/* A GSO frame in one buffer, delivered where the device put it. */
	memset(msg, 0, VNET_HDR_LEN);
	msg[0] = VNET_HDR_F_NEEDS_CSUM;
	msg[1] = 1;    /* TCPv4 */
	msg[4] = 0xa8; /* gso_size 1448 */
	msg[5] = 0x05;
	pattern(msg + VNET_HDR_LEN, sizeof(msg) - VNET_HDR_LEN, 3);
	head = dev_take(VNET_RXQ);
	dev_use(VNET_RXQ, head, (uint32_t)dev_fill(head, msg, sizeof(msg)));
	assert_int_equal(vnet_poll(&nd, 64), 1);
	assert_int_equal(got.len, sizeof(msg) - VNET_HDR_LEN);
	/* In place: a receive buffer's start, header stripped; no gather. */
	assert_true((uint8_t *)got.ptr >= vn->rx.bufs + VNET_HDR_LEN);
	assert_true((uint8_t *)got.ptr < vn->rx.bufs + (size_t)vn->rx.nbufs * vn->rx.bufsize);
	assert_int_equal(((uint8_t *)got.ptr - vn->rx.bufs - VNET_HDR_LEN) % vn->rx.bufsize, 0);
	assert_memory_equal(got.data, msg + VNET_HDR_LEN, sizeof(msg) - VNET_HDR_LEN);
	assert_true(got.has_ofl);
	assert_int_equal(got.ofl.gso_size, 1448);
	assert_int_equal(nd.stats.rx_gso, 1);
	assert_int_equal(vn->rx_merged, 0);
	teardown(NULL);

	/* A device that offers no TSO to the guest: the usual mergeable path. */
	fake_reset(true, modern_offer() & ~(VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6));
	fk.heap_free = VNET_HEAP_WHOLE;
	vn = probe();
	assert_false(vn->rx_whole);
	assert_true(vn->vpci.features & VIRTIO_NET_F_MRG_RXBUF);
}

/* Buffer memory follows the free heap (vnet_size_buffers). */
static void test_buffer_sizing(void **state)
{
	static uint8_t f[65000], out[65536 + 4096];
	struct netdev_offload o = {.flags = VNET_HDR_F_NEEDS_CSUM, .gso_type = 1, .gso_size = 1448};
	struct netdev_seg seg = {f, sizeof(f)};
	struct vnet *vn;
	int ndesc;

	(void)state;
	/* Plenty: 4 KB buffers, a 64 KB frame in 17 of them. */
	fake_reset(true, modern_offer());
	fk.heap_free = VNET_HEAP_BIG;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->rx.shift, VNET_BUF_BIG_SHIFT);
	assert_int_equal(vn->tx.shift, VNET_BUF_BIG_SHIFT);
	assert_int_equal(vn->rx.nbufs, 256);
	assert_int_equal(vn->rx.vq.desc[0].len, 4096);
	assert_true(nd.offloads & NETDEV_OFL_TSO4);
	memset(f, 0x5a, sizeof(f));
	assert_int_equal(vnet_xmit(&nd, &seg, 1, &o), 0);
	vnet_flush(&nd);
	assert_int_equal(dev_tx(out, sizeof(out), &ndesc, true), VNET_HDR_LEN + sizeof(f));
	assert_int_equal(ndesc, (VNET_HDR_LEN + sizeof(f) + 4095) / 4096);
	assert_memory_equal(out + VNET_HDR_LEN, f, sizeof(f));
	vnet_poll(&nd, 64);
	assert_int_equal(vn->tx.nidle, vn->tx.nbufs);
	teardown(NULL);

	/* The same heap without mergeable buffers: a frame fits one, 2 KB. */
	fake_reset(true, modern_offer() & ~VIRTIO_NET_F_MRG_RXBUF);
	fk.heap_free = VNET_HEAP_BIG;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->rx.shift, VNET_BUF_SHIFT);
	teardown(NULL);

	/* Little: half as many 2 KB buffers; still enough for TSO. */
	fake_reset(true, modern_offer());
	fk.heap_free = VNET_HEAP_SMALL - 1;
	vn = probe();
	assert_int_equal(vnet_open(&nd), 0);
	assert_int_equal(vn->rx.shift, VNET_BUF_SHIFT);
	assert_int_equal(vn->rx.nbufs, VNET_BUFS_MAX / 2);
	assert_int_equal(vn->tx.nbufs, VNET_BUFS_MAX / 2);
	assert_true(nd.offloads & NETDEV_OFL_TSO4);
}

static void test_offload_header(void **state)
{
	const uint8_t rx[12] = {2, 1, 54, 0, 0xb4, 0x05, 34, 0, 16, 0, 1, 0};
	struct netdev_offload ofl, tx = {.flags = OFFLOAD_F_NEEDS_CSUM | OFFLOAD_F_DATA_VALID,
					 .gso_type = OFFLOAD_GSO_TCPV6,
					 .hdr_len = 1, /* the sender's; not passed on */
					 .gso_size = 1448,
					 .csum_start = 0x0122,
					 .csum_offset = 16};
	uint8_t hdr[12], f[0x0122 + 40];

	(void)state;
	assert_ptr_equal(vnet_hdr_to_ofl(rx, &ofl), &ofl);
	assert_int_equal(ofl.flags, 2);
	assert_int_equal(ofl.gso_type, 1);
	assert_int_equal(ofl.hdr_len, 54);
	assert_int_equal(ofl.gso_size, 1460);
	assert_int_equal(ofl.csum_start, 34);
	assert_int_equal(ofl.csum_offset, 16);

	/* hdr_len is csum_start plus the TCP header's length, read from the
	 * frame (data offset 10 words here); only NEEDS_CSUM of the flags. */
	memset(f, 0, sizeof(f));
	f[0x0122 + 12] = 10 << 4;
	memset(hdr, 0xff, sizeof(hdr));
	vnet_hdr_from_ofl(hdr, 12, &tx, f, sizeof(f));
	assert_int_equal(hdr[0], OFFLOAD_F_NEEDS_CSUM);
	assert_int_equal(hdr[1], OFFLOAD_GSO_TCPV6);
	assert_int_equal(vnet_le16(hdr + 2), 0x0122 + 40);
	assert_int_equal(vnet_le16(hdr + 4), 1448);
	assert_int_equal(vnet_le16(hdr + 6), 0x0122);
	assert_int_equal(vnet_le16(hdr + 8), 16);
	assert_int_equal(vnet_le16(hdr + 10), 0); /* num_buffers: unused on transmit */
	/* A frame too short for the TCP header: no hint, nothing read past it. */
	vnet_hdr_from_ofl(hdr, 12, &tx, f, 0x0122 + 12);
	assert_int_equal(vnet_le16(hdr + 2), 0);
	assert_int_equal(vnet_le16(hdr + 6), 0x0122);
	/* A checksum alone: no GSO, no hint. */
	tx.gso_type = 0;
	tx.gso_size = 0;
	vnet_hdr_from_ofl(hdr, 12, &tx, f, sizeof(f));
	assert_int_equal(hdr[0], OFFLOAD_F_NEEDS_CSUM);
	assert_int_equal(hdr[1], 0);
	assert_int_equal(vnet_le16(hdr + 2), 0);
	assert_int_equal(vnet_le16(hdr + 6), 0x0122);
	/* The 10-byte header stops short of num_buffers. */
	memset(hdr, 0xff, sizeof(hdr));
	vnet_hdr_from_ofl(hdr, 10, &tx, f, sizeof(f));
	assert_int_equal(vnet_le16(hdr + 8), 16);
	assert_int_equal(vnet_le16(hdr + 10), 0xffff);
	/* NULL: a finished frame, all zero. */
	memset(hdr, 0xff, sizeof(hdr));
	vnet_hdr_from_ofl(hdr, 12, NULL, f, sizeof(f));
	for (int i = 0; i < 12; i++)
		assert_int_equal(hdr[i], 0);
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
	assert_non_null(
		strstr(shown.text, "rx: size 256, 256 buffers of 2048 bytes, 256 in flight"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_probe_modern, teardown),
		cmocka_unit_test_teardown(test_probe_legacy_any_layout, teardown),
		cmocka_unit_test_teardown(test_probe_legacy_split_header, teardown),
		cmocka_unit_test_teardown(test_probe_offload_dependencies, teardown),
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
		cmocka_unit_test_teardown(test_rx_merged, teardown),
		cmocka_unit_test_teardown(test_rx_merge_buffers_missing, teardown),
		cmocka_unit_test_teardown(test_rx_merge_too_many_buffers, teardown),
		cmocka_unit_test_teardown(test_rx_merge_too_long, teardown),
		cmocka_unit_test_teardown(test_rx_merge_not_gso_too_long, teardown),
		cmocka_unit_test_teardown(test_rx_offload_metadata, teardown),
		cmocka_unit_test_teardown(test_tx_copies_segments, teardown),
		cmocka_unit_test_teardown(test_tx_one_doorbell_per_burst, teardown),
		cmocka_unit_test_teardown(test_tx_legacy_split_header, teardown),
		cmocka_unit_test_teardown(test_tx_ring_full, teardown),
		cmocka_unit_test_teardown(test_tx_sizes, teardown),
		cmocka_unit_test_teardown(test_tx_sizes_overflow, teardown),
		cmocka_unit_test_teardown(test_tx_gso_chain, teardown),
		cmocka_unit_test_teardown(test_tx_chain_short_of_buffers, teardown),
		cmocka_unit_test_teardown(test_tx_chain_rounds, teardown),
		cmocka_unit_test_teardown(test_tx_segments_across_buffers, teardown),
		cmocka_unit_test_teardown(test_tx_gso_short_ring, teardown),
		cmocka_unit_test_teardown(test_tx_before_open, teardown),
		cmocka_unit_test_teardown(test_tx_bad_completion, teardown),
		cmocka_unit_test_teardown(test_link_change, teardown),
		cmocka_unit_test_teardown(test_buffer_sizing, teardown),
		cmocka_unit_test_teardown(test_rx_whole, teardown),
		cmocka_unit_test_teardown(test_offload_header, teardown),
		cmocka_unit_test_teardown(test_promisc_and_show, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
