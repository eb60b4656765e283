/*
 * PCI enumeration through configuration mechanism #1 (ports 0xcf8/0xcfc,
 * PCI Local Bus 3.0 §3.2.2.3.2), which both QEMU machine types and PC
 * hardware provide. Bridges are followed to their secondary buses.
 */
#ifndef UNIGATE_PCI_H
#define UNIGATE_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64
#define PCI_BARS	6

struct pci_bar {
	uint64_t base;
	uint64_t size;
	bool io;    /* I/O space, else memory */
	bool mem64; /* 64-bit memory BAR (uses the next slot too) */
	bool prefetch;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, progif, revision;
	uint16_t subsys_vendor, subsys_id;
	uint8_t irq_line, irq_pin;
	struct pci_bar bar[PCI_BARS];
};

/* Scans every bus reachable from bus 0, sizes the BARs, and maps memory
 * BARs uncached. Returns the number of functions found. */
int pci_init(void);

/* The (i)th function found, in bus/device/function order, or NULL. */
const struct pci_dev *pci_get(int i);
int pci_count(void);

/* Configuration-space accessors for drivers. */
uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);

/* Sets memory/I-O decoding and bus mastering in the command register. */
void pci_enable(const struct pci_dev *d);

/* A short name for a class code, such as "ethernet" or "host bridge". */
const char *pci_class_name(uint8_t class, uint8_t subclass);

#endif
