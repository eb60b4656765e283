/*
 * The virtio PCI transport (virtio 1.2 §4.1), for any virtio device type:
 * the modern interface, whose common, notify, ISR and device structures are
 * found through vendor capabilities in memory BARs (§4.1.4), and the legacy
 * interface of transitional devices, one register block in I/O BAR0
 * (§4.1.4.9). The device driver sees one API either way and only learns
 * which one it got from (modern) and the features it negotiated.
 */
#ifndef UNIGATE_VIRTIO_PCI_H
#define UNIGATE_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "drivers/virtqueue.h"

#define VPCI_QUEUES_MAX 4 /* queues a driver may set up */

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Device-independent feature bits (§6), as masks. */
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ULL << 24) /* legacy only */
#define VIRTIO_F_ANY_LAYOUT	 (1ULL << 27) /* legacy: headers need no descriptor of their own */
#define VIRTIO_F_INDIRECT_DESC	 (1ULL << 28)
#define VIRTIO_F_EVENT_IDX	 (1ULL << 29)
#define VIRTIO_F_VERSION_1	 (1ULL << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ULL << 33)

/* ISR status bits (§4.1.4.5). */
#define VIRTIO_ISR_QUEUE  1 /* a virtqueue has used buffers */
#define VIRTIO_ISR_CONFIG 2 /* the device configuration changed */

struct vpci_dev {
	const struct pci_dev *pci;
	bool modern;
	uint64_t features; /* negotiated, valid after vpci_set_features() */
	/* Modern: the mapped structures (§4.1.4.3-§4.1.4.6). */
	volatile uint8_t *common;
	volatile uint8_t *isr;
	volatile uint8_t *notify;
	volatile uint8_t *devcfg;
	uint32_t notify_len, devcfg_len;
	uint32_t notify_mul; /* notify_off_multiplier (§4.1.4.4) */
	volatile uint16_t *doorbell[VPCI_QUEUES_MAX];
	/* Legacy: the I/O register block and where its device config starts. */
	uint16_t iobase;
	uint16_t iolen;
	uint16_t devcfg_io; /* 0x14 with MSI-X off, which is how we run */
};

/*
 * Finds the interface of (pci): modern if its capabilities name usable
 * common, notify, ISR and device structures, else legacy if BAR0 is an I/O
 * BAR. Maps the structures (uncached), turns off MSI-X so that the device
 * interrupts through INTx, and enables decoding and bus mastering. Does not
 * touch the device status. Returns 0, or -ENODEV if neither is usable.
 */
int vpci_init(struct vpci_dev *vd, const struct pci_dev *pci);

/* Resets the device (§2.4) and waits for it to finish. Returns 0, or
 * -ETIMEDOUT if the status never read back as 0. After a reset the device
 * uses no memory the driver gave it. */
int vpci_reset(struct vpci_dev *vd);

/* Reads the device status, or ORs (bits) into it (§2.1). */
uint8_t vpci_status(struct vpci_dev *vd);
void vpci_add_status(struct vpci_dev *vd, uint8_t bits);

/* The device's feature bits: 64 on modern, the low 32 on legacy. */
uint64_t vpci_device_features(struct vpci_dev *vd);

/*
 * Writes the driver's features (§3.1.1 step 4) and, on modern, sets
 * FEATURES_OK and checks that the device kept it (steps 5-6). (want) must
 * be a subset of vpci_device_features(). Returns 0 with vd->features set,
 * or -ENOTSUP if the device refused.
 */
int vpci_set_features(struct vpci_dev *vd, uint64_t want);

/*
 * Reads (len) bytes at (off) of the device-specific configuration into
 * (buf), one byte at a time, until two passes agree (the generation count
 * on modern, §2.5.1; a second read on legacy, §2.5.4). Returns 0, or -ERANGE
 * if the range lies outside the structure.
 */
int vpci_config_read(struct vpci_dev *vd, uint32_t off, void *buf, uint32_t len);

/* Reads a 16-bit field of the device configuration; 0 if out of range. */
uint16_t vpci_config_read16(struct vpci_dev *vd, uint32_t off);

/* The largest size the device supports for queue (q), or 0 if the queue
 * does not exist. On legacy this is the only size it accepts. */
uint16_t vpci_queue_max(struct vpci_dev *vd, uint16_t q);

/* Gives (vq)'s rings to the device as queue (q) and enables it
 * (§4.1.5.1.3). Returns 0, -EINVAL if (q) is out of range or the size is
 * one the device cannot take, or -ERANGE if the rings lie beyond what the
 * legacy 32-bit page number reaches. */
int vpci_queue_setup(struct vpci_dev *vd, uint16_t q, const struct virtqueue *vq);

/* Rings queue (q)'s doorbell (§4.1.5.2). */
void vpci_notify(struct vpci_dev *vd, uint16_t q);

/* Reads and clears the ISR status, deasserting INTx (§4.1.4.5). */
uint8_t vpci_isr(struct vpci_dev *vd);

#endif
