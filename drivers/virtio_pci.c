/*
 * The virtio PCI transport: capability discovery and BAR mapping for the
 * modern interface, the I/O register block for the legacy one, and the
 * status, feature, queue, doorbell and ISR operations over whichever was
 * found. Register offsets carry the spec's structure and field names.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "drivers/virtio_pci.h"
#include "kernel/io.h"
#include "kernel/paging.h"
#include "kernel/time.h"

/* PCI configuration space. */
#define PCI_STATUS	   0x06
#define PCI_STATUS_CAPLIST 0x0010
#define PCI_CAP_PTR	   0x34
#define PCI_CAP_ID_VNDR	   0x09
#define PCI_CAP_ID_MSIX	   0x11
#define PCI_MSIX_CTRL	   2
#define PCI_MSIX_ENABLE	   0x8000

/* struct virtio_pci_cap (§4.1.4). */
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR	4
#define VIRTIO_PCI_CAP_OFFSET	8
#define VIRTIO_PCI_CAP_LENGTH	12
#define VIRTIO_PCI_NOTIFY_MULT	16 /* struct virtio_pci_notify_cap (§4.1.4.4) */
#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4
#define VIRTIO_PCI_CAP_LEN_MIN	16
#define VIRTIO_PCI_NOTIFY_LEN	20

/* struct virtio_pci_common_cfg (§4.1.4.3). */
#define VIRTIO_COMMON_DFSELECT	 0x00
#define VIRTIO_COMMON_DF	 0x04
#define VIRTIO_COMMON_GFSELECT	 0x08
#define VIRTIO_COMMON_GF	 0x0c
#define VIRTIO_COMMON_NUMQ	 0x12
#define VIRTIO_COMMON_STATUS	 0x14
#define VIRTIO_COMMON_GENERATION 0x15
#define VIRTIO_COMMON_Q_SELECT	 0x16
#define VIRTIO_COMMON_Q_SIZE	 0x18
#define VIRTIO_COMMON_Q_ENABLE	 0x1c
#define VIRTIO_COMMON_Q_NOFF	 0x1e
#define VIRTIO_COMMON_Q_DESC	 0x20
#define VIRTIO_COMMON_Q_DRIVER	 0x28
#define VIRTIO_COMMON_Q_DEVICE	 0x30
#define VIRTIO_COMMON_LEN	 0x38

/* The legacy register block in BAR0 (§4.1.4.9), without MSI-X. */
#define VIRTIO_LEGACY_DEVICE_FEATURES 0x00
#define VIRTIO_LEGACY_DRIVER_FEATURES 0x04
#define VIRTIO_LEGACY_QUEUE_PFN	      0x08
#define VIRTIO_LEGACY_QUEUE_SIZE      0x0c
#define VIRTIO_LEGACY_QUEUE_SELECT    0x0e
#define VIRTIO_LEGACY_QUEUE_NOTIFY    0x10
#define VIRTIO_LEGACY_STATUS	      0x12
#define VIRTIO_LEGACY_ISR	      0x13
#define VIRTIO_LEGACY_CONFIG	      0x14
#define VIRTIO_LEGACY_PFN_SHIFT	      12

#define VPCI_RESET_WAIT_US 100000 /* a reset is synchronous in QEMU */
#define VPCI_CAPS_MAX	   48	  /* a loop guard: 192 bytes hold at most 48 */

static uint8_t vpci_mmio_read8(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint8_t *)(base + off);
}

static uint16_t vpci_mmio_read16(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t vpci_mmio_read32(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint32_t *)(base + off);
}

static void vpci_mmio_write8(volatile uint8_t *base, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static void vpci_mmio_write16(volatile uint8_t *base, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void vpci_mmio_write32(volatile uint8_t *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* §4.1.3.1: 64-bit fields are written as two 32-bit halves, low first. */
static void vpci_mmio_write64(volatile uint8_t *base, uint32_t off, uint64_t v)
{
	vpci_mmio_write32(base, off, (uint32_t)v);
	vpci_mmio_write32(base, off + 4, (uint32_t)(v >> 32));
}

/*
 * Maps the structure a capability at (cap) describes, if its BAR is a
 * memory BAR that holds it whole. Returns the address, or NULL.
 */
static volatile uint8_t *vpci_map_cap(const struct pci_dev *pci, uint8_t cap, uint32_t *len)
{
	uint8_t bar = pci_read8(pci, cap + VIRTIO_PCI_CAP_BAR);
	uint32_t off = pci_read32(pci, cap + VIRTIO_PCI_CAP_OFFSET);
	const struct pci_bar *b;

	*len = pci_read32(pci, cap + VIRTIO_PCI_CAP_LENGTH);
	if (bar >= PCI_BARS)
		return NULL;
	b = &pci->bar[bar];
	/* An I/O BAR is allowed by §4.1.4 but QEMU never uses one for these. */
	if (b->io || b->size == 0 || b->base == 0)
		return NULL;
	if ((uint64_t)off + *len > b->size)
		return NULL;
	/* pci_init mapped the BAR already; this checks it could (64-bit BARs
	 * may lie beyond the page tables' reach) and costs nothing if so. */
	if (paging_map_mmio(b->base + off, *len) != 0)
		return NULL;
	return (volatile uint8_t *)(uintptr_t)(b->base + off);
}

/*
 * §4.1.4.1: walks the capability list, takes the first of each structure
 * type it can use, and turns MSI-X off if firmware left it on. Returns true
 * if the modern interface is complete.
 */
static bool vpci_find_modern(struct vpci_dev *vd)
{
	const struct pci_dev *pci = vd->pci;
	uint32_t len;
	uint8_t cap, next;

	if (!(pci_read16(pci, PCI_STATUS) & PCI_STATUS_CAPLIST))
		return false;
	cap = pci_read8(pci, PCI_CAP_PTR) & 0xfc;
	for (int n = 0; cap >= 0x40 && n < VPCI_CAPS_MAX; n++, cap = next) {
		uint8_t id = pci_read8(pci, cap), caplen = pci_read8(pci, cap + 2);
		uint8_t type = pci_read8(pci, cap + VIRTIO_PCI_CAP_CFG_TYPE);
		volatile uint8_t *p;

		next = pci_read8(pci, cap + 1) & 0xfc;
		if (id == PCI_CAP_ID_MSIX) {
			uint16_t ctrl = pci_read16(pci, cap + PCI_MSIX_CTRL);

			/* §4.1.4.9: MSI-X also moves the legacy device config. */
			if (ctrl & PCI_MSIX_ENABLE)
				pci_write16(pci, cap + PCI_MSIX_CTRL, ctrl & ~PCI_MSIX_ENABLE);
		}
		if (id != PCI_CAP_ID_VNDR || caplen < VIRTIO_PCI_CAP_LEN_MIN ||
		    cap + caplen > 0x100)
			continue;
		if (type == VIRTIO_PCI_CAP_COMMON && vd->common == NULL) {
			p = vpci_map_cap(pci, cap, &len);
			if (p && len >= VIRTIO_COMMON_LEN)
				vd->common = p;
		} else if (type == VIRTIO_PCI_CAP_NOTIFY && vd->notify == NULL &&
			   caplen >= VIRTIO_PCI_NOTIFY_LEN) {
			p = vpci_map_cap(pci, cap, &len);
			if (p && len >= 2) {
				vd->notify = p;
				vd->notify_len = len;
				vd->notify_mul = pci_read32(pci, cap + VIRTIO_PCI_NOTIFY_MULT);
			}
		} else if (type == VIRTIO_PCI_CAP_ISR && vd->isr == NULL) {
			p = vpci_map_cap(pci, cap, &len);
			if (p && len >= 1)
				vd->isr = p;
		} else if (type == VIRTIO_PCI_CAP_DEVICE && vd->devcfg == NULL) {
			p = vpci_map_cap(pci, cap, &len);
			if (p) {
				vd->devcfg = p;
				vd->devcfg_len = len;
			}
		}
	}
	/* The device structure is optional (§4.1.4.6); the rest is not. */
	if (vd->common && vd->notify && vd->isr)
		return true;
	if (vd->common || vd->notify || vd->isr || vd->devcfg)
		printf("virtio-pci %02x:%02x.%x: modern interface incomplete or beyond reach\n",
		       pci->bus, pci->dev, pci->fn);
	return false;
}

int vpci_init(struct vpci_dev *vd, const struct pci_dev *pci)
{
	const struct pci_bar *bar0 = &pci->bar[0];

	*vd = (struct vpci_dev){.pci = pci};
	/* §4.1.5.1.1: prefer the modern interface when it is there, and
	 * fall back to a transitional device's legacy block (§4.1.5.1.1.1). */
	if (vpci_find_modern(vd)) {
		vd->modern = true;
	} else if (bar0->io && bar0->size >= VIRTIO_LEGACY_CONFIG && bar0->base != 0 &&
		   bar0->base + bar0->size <= 0x10000) {
		*vd = (struct vpci_dev){.pci = pci};
		vd->iobase = (uint16_t)bar0->base;
		vd->iolen = (uint16_t)bar0->size;
		vd->devcfg_io = VIRTIO_LEGACY_CONFIG;
	} else {
		return -ENODEV;
	}
	pci_enable(pci);
	return 0;
}

uint8_t vpci_status(struct vpci_dev *vd)
{
	if (vd->modern)
		return vpci_mmio_read8(vd->common, VIRTIO_COMMON_STATUS);
	return inb(vd->iobase + VIRTIO_LEGACY_STATUS);
}

static void vpci_write_status(struct vpci_dev *vd, uint8_t v)
{
	if (vd->modern)
		vpci_mmio_write8(vd->common, VIRTIO_COMMON_STATUS, v);
	else
		outb(vd->iobase + VIRTIO_LEGACY_STATUS, v);
}

void vpci_add_status(struct vpci_dev *vd, uint8_t bits)
{
	vpci_write_status(vd, vpci_status(vd) | bits);
}

int vpci_reset(struct vpci_dev *vd)
{
	/* §2.4.2 / §4.1.4.3.2: write 0, then wait until it reads back 0. */
	vpci_write_status(vd, 0);
	for (uint32_t us = 0; us < VPCI_RESET_WAIT_US; us += 10) {
		if (vpci_status(vd) == 0) {
			for (int q = 0; q < VPCI_QUEUES_MAX; q++)
				vd->doorbell[q] = NULL;
			vd->features = 0;
			return 0;
		}
		time_delay_us(10);
	}
	return -ETIMEDOUT;
}

uint64_t vpci_device_features(struct vpci_dev *vd)
{
	uint64_t lo, hi;

	if (!vd->modern)
		return inl(vd->iobase + VIRTIO_LEGACY_DEVICE_FEATURES);
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_DFSELECT, 0);
	lo = vpci_mmio_read32(vd->common, VIRTIO_COMMON_DF);
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_DFSELECT, 1);
	hi = vpci_mmio_read32(vd->common, VIRTIO_COMMON_DF);
	return hi << 32 | lo;
}

int vpci_set_features(struct vpci_dev *vd, uint64_t want)
{
	if (!vd->modern) {
		/* §3.1.2: legacy devices have no FEATURES_OK; the write is final. */
		outl(vd->iobase + VIRTIO_LEGACY_DRIVER_FEATURES, (uint32_t)want);
		vd->features = want & 0xffffffffu;
		return 0;
	}
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_GFSELECT, 0);
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_GF, (uint32_t)want);
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_GFSELECT, 1);
	vpci_mmio_write32(vd->common, VIRTIO_COMMON_GF, (uint32_t)(want >> 32));
	/* §3.1.1 steps 5-6: FEATURES_OK, and check the device kept it. */
	vpci_add_status(vd, VIRTIO_STATUS_FEATURES_OK);
	if (!(vpci_status(vd) & VIRTIO_STATUS_FEATURES_OK))
		return -ENOTSUP;
	vd->features = want;
	return 0;
}

static uint8_t vpci_config_byte(struct vpci_dev *vd, uint32_t off)
{
	if (vd->modern)
		return vpci_mmio_read8(vd->devcfg, off);
	return inb(vd->iobase + vd->devcfg_io + off);
}

static uint32_t vpci_config_len(const struct vpci_dev *vd)
{
	if (vd->modern)
		return vd->devcfg ? vd->devcfg_len : 0;
	return vd->iolen > vd->devcfg_io ? vd->iolen - vd->devcfg_io : 0;
}

int vpci_config_read(struct vpci_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	uint8_t *out = buf;

	if (off > vpci_config_len(vd) || len > vpci_config_len(vd) - off)
		return -ERANGE;
	/* Bounded: a device whose config never settles gets the last pass. */
	for (int pass = 0; pass < 8; pass++) {
		uint8_t gen = 0;
		bool same = true;

		if (vd->modern)
			gen = vpci_mmio_read8(vd->common, VIRTIO_COMMON_GENERATION);
		for (uint32_t i = 0; i < len; i++) {
			uint8_t b = vpci_config_byte(vd, off + i);

			if (pass > 0 && !vd->modern && out[i] != b)
				same = false;
			out[i] = b;
		}
		if (vd->modern) {
			/* §2.5.1: unchanged generation means a consistent read. */
			if (vpci_mmio_read8(vd->common, VIRTIO_COMMON_GENERATION) == gen)
				return 0;
		} else if (pass > 0 && same) {
			/* §2.5.4: legacy has no generation; two equal reads. */
			return 0;
		}
	}
	return 0;
}

uint16_t vpci_config_read16(struct vpci_dev *vd, uint32_t off)
{
	if (off > vpci_config_len(vd) || 2 > vpci_config_len(vd) - off)
		return 0;
	/* §4.1.3.1: a 16-bit field is read with one 16-bit access. */
	if (vd->modern)
		return vpci_mmio_read16(vd->devcfg, off);
	return inw(vd->iobase + vd->devcfg_io + off);
}

uint16_t vpci_queue_max(struct vpci_dev *vd, uint16_t q)
{
	if (!vd->modern) {
		outw(vd->iobase + VIRTIO_LEGACY_QUEUE_SELECT, q);
		return inw(vd->iobase + VIRTIO_LEGACY_QUEUE_SIZE);
	}
	if (q >= vpci_mmio_read16(vd->common, VIRTIO_COMMON_NUMQ))
		return 0;
	vpci_mmio_write16(vd->common, VIRTIO_COMMON_Q_SELECT, q);
	return vpci_mmio_read16(vd->common, VIRTIO_COMMON_Q_SIZE);
}

static int vpci_queue_setup_legacy(struct vpci_dev *vd, uint16_t q, const struct virtqueue *vq)
{
	uint64_t pfn = vq_desc_addr(vq) >> VIRTIO_LEGACY_PFN_SHIFT;

	/* §4.1.5.1.3.1: the size is the device's; the rings are one block
	 * in the §2.7.2 layout, given as a 32-bit page number. */
	outw(vd->iobase + VIRTIO_LEGACY_QUEUE_SELECT, q);
	if (inw(vd->iobase + VIRTIO_LEGACY_QUEUE_SIZE) != vq->size)
		return -EINVAL;
	if (pfn > UINT32_MAX || (vq_desc_addr(vq) & (VQ_ALIGN - 1)) != 0)
		return -ERANGE;
	outl(vd->iobase + VIRTIO_LEGACY_QUEUE_PFN, (uint32_t)pfn);
	return 0;
}

int vpci_queue_setup(struct vpci_dev *vd, uint16_t q, const struct virtqueue *vq)
{
	uint64_t noff;
	uint16_t max;

	if (q >= VPCI_QUEUES_MAX)
		return -EINVAL;
	if (!vd->modern)
		return vpci_queue_setup_legacy(vd, q, vq);
	/* §4.1.5.1.3: select, size, addresses, notify offset, enable. */
	max = vpci_queue_max(vd, q);
	if (max == 0 || vq->size > max)
		return -EINVAL;
	vpci_mmio_write16(vd->common, VIRTIO_COMMON_Q_SIZE, vq->size);
	vpci_mmio_write64(vd->common, VIRTIO_COMMON_Q_DESC, vq_desc_addr(vq));
	vpci_mmio_write64(vd->common, VIRTIO_COMMON_Q_DRIVER, vq_avail_addr(vq));
	vpci_mmio_write64(vd->common, VIRTIO_COMMON_Q_DEVICE, vq_used_addr(vq));
	/* §4.1.4.4: the doorbell is at cap.offset + queue_notify_off * multiplier. */
	noff = (uint64_t)vpci_mmio_read16(vd->common, VIRTIO_COMMON_Q_NOFF) * vd->notify_mul;
	if (noff > vd->notify_len - 2)
		return -EINVAL;
	vd->doorbell[q] = (volatile uint16_t *)(vd->notify + noff);
	vpci_mmio_write16(vd->common, VIRTIO_COMMON_Q_ENABLE, 1);
	return 0;
}

void vpci_notify(struct vpci_dev *vd, uint16_t q)
{
	/* §4.1.5.2: the queue index is the value written. */
	if (!vd->modern)
		outw(vd->iobase + VIRTIO_LEGACY_QUEUE_NOTIFY, q);
	else if (q < VPCI_QUEUES_MAX && vd->doorbell[q])
		*vd->doorbell[q] = q;
}

uint8_t vpci_isr(struct vpci_dev *vd)
{
	if (vd->modern)
		return vpci_mmio_read8(vd->isr, 0);
	return inb(vd->iobase + VIRTIO_LEGACY_ISR);
}
