/*
 * PCI configuration space and enumeration. BAR sizes are found by writing
 * all ones with decoding off (PCI 3.0 §6.2.5.1) and restoring the value.
 */
#include <stddef.h>
#include <stdio.h>

#include "drivers/pci.h"
#include "kernel/cli.h"
#include "kernel/io.h"
#include "kernel/paging.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

#define PCI_VENDOR     0x00
#define PCI_COMMAND    0x04
#define PCI_CLASS_REV  0x08
#define PCI_HEADER     0x0e
#define PCI_BAR0       0x10
#define PCI_SUBSYS     0x2c
#define PCI_IRQ	       0x3c
#define PCI_SECONDARY  0x19
#define PCI_CMD_IO     0x0001
#define PCI_CMD_MEM    0x0002
#define PCI_CMD_MASTER 0x0004

static struct pci_dev pci_devs[PCI_MAX_DEVICES];
static int pci_ndevs;
static uint64_t pci_dropped;

static uint32_t pci_cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
	       (off & 0xfc);
}

static uint32_t pci_raw_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	return inl(PCI_DATA);
}

static void pci_raw_write(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v)
{
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	outl(PCI_DATA, v);
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
	return pci_raw_read(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
	return pci_read32(d, off) >> ((off & 2) * 8);
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
	return pci_read32(d, off) >> ((off & 3) * 8);
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
	pci_raw_write(d->bus, d->dev, d->fn, off, v);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
	uint32_t old = pci_read32(d, off);
	int shift = (off & 2) * 8;

	pci_write32(d, off, (old & ~(0xffffu << shift)) | (uint32_t)v << shift);
}

void pci_enable(const struct pci_dev *d)
{
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

static void pci_size_bars(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < PCI_BARS; i++) {
		uint8_t off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read32(d, off), mask;
		struct pci_bar *b = &d->bar[i];

		pci_write32(d, off, 0xffffffffu);
		mask = pci_read32(d, off);
		pci_write32(d, off, orig);
		if (mask == 0 || mask == 0xffffffffu)
			continue;
		if (orig & 1) {
			b->io = true;
			b->base = orig & ~3u;
			b->size = (~(mask & ~3u) + 1) & 0xffff;
			continue;
		}
		b->base = orig & ~0xfu;
		b->prefetch = orig & 8;
		uint64_t m64 = mask & ~0xfu;
		if ((orig & 6) == 4 && i + 1 < PCI_BARS) {
			uint32_t hi = pci_read32(d, off + 4), hmask;

			pci_write32(d, off + 4, 0xffffffffu);
			hmask = pci_read32(d, off + 4);
			pci_write32(d, off + 4, hi);
			b->mem64 = true;
			b->base |= (uint64_t)hi << 32;
			m64 |= (uint64_t)hmask << 32;
			b->size = ~m64 + 1;
			i++;
		} else {
			b->size = (uint32_t)(~(uint32_t)m64 + 1);
		}
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static void pci_scan_bus(uint8_t bus, int depth);

static void pci_scan_fn(uint8_t bus, uint8_t dev, uint8_t fn, int depth)
{
	uint32_t id = pci_raw_read(bus, dev, fn, PCI_VENDOR);
	uint32_t cr = pci_raw_read(bus, dev, fn, PCI_CLASS_REV);
	uint8_t hdr = pci_raw_read(bus, dev, fn, PCI_HEADER & 0xfc) >> 16 & 0x7f;
	struct pci_dev *d;

	if (pci_ndevs >= PCI_MAX_DEVICES) {
		pci_dropped++;
		return;
	}
	d = &pci_devs[pci_ndevs++];
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	d->class = cr >> 24;
	d->subclass = cr >> 16 & 0xff;
	d->progif = cr >> 8 & 0xff;
	d->revision = cr & 0xff;
	if (hdr == 0) {
		uint32_t ss = pci_read32(d, PCI_SUBSYS), irq = pci_read32(d, PCI_IRQ);

		d->subsys_vendor = ss & 0xffff;
		d->subsys_id = ss >> 16;
		d->irq_line = irq & 0xff;
		d->irq_pin = irq >> 8 & 0xff;
		pci_size_bars(d);
		for (int i = 0; i < PCI_BARS; i++)
			if (d->bar[i].size && !d->bar[i].io && d->bar[i].base)
				paging_map_mmio(d->bar[i].base, d->bar[i].size);
	} else if (hdr == 1 && depth < 8) {
		uint8_t secondary = pci_read32(d, PCI_SECONDARY & 0xfc) >> 8 & 0xff;

		if (secondary > bus)
			pci_scan_bus(secondary, depth + 1);
	}
}

static void pci_scan_bus(uint8_t bus, int depth)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((pci_raw_read(bus, dev, 0, PCI_VENDOR) & 0xffff) == 0xffff)
			continue;
		uint8_t hdr = pci_raw_read(bus, dev, 0, PCI_HEADER & 0xfc) >> 16;
		uint8_t nfn = (hdr & 0x80) ? 8 : 1;

		for (uint8_t fn = 0; fn < nfn; fn++)
			if ((pci_raw_read(bus, dev, fn, PCI_VENDOR) & 0xffff) != 0xffff)
				pci_scan_fn(bus, dev, fn, depth);
	}
}

int pci_init(void)
{
	pci_ndevs = 0;
	pci_scan_bus(0, 0);
	return pci_ndevs;
}

int pci_count(void)
{
	return pci_ndevs;
}

const struct pci_dev *pci_get(int i)
{
	return i >= 0 && i < pci_ndevs ? &pci_devs[i] : NULL;
}

const char *pci_class_name(uint8_t class, uint8_t subclass)
{
	static const struct {
		uint8_t class, subclass;
		const char *name;
	} names[] = {
		{0x01, 0x01, "IDE"},	     {0x01, 0x06, "SATA"},	 {0x01, 0xff, "storage"},
		{0x02, 0x00, "ethernet"},    {0x02, 0xff, "network"},	 {0x03, 0xff, "display"},
		{0x06, 0x00, "host bridge"}, {0x06, 0x01, "ISA bridge"}, {0x06, 0x04, "PCI bridge"},
		{0x06, 0xff, "bridge"},	     {0x0c, 0x03, "USB"},	 {0x0c, 0x05, "SMBus"},
		{0x0c, 0xff, "serial bus"},  {0x08, 0xff, "system"},	 {0xff, 0xff, "other"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].class == class &&
		    (names[i].subclass == subclass || names[i].subclass == 0xff))
			return names[i].name;
	return "other";
}

static int pci_cmd_show(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	cli_printf(out, "BB:DD.F  vendor:device  class   irq  description\n");
	for (int i = 0; i < pci_ndevs; i++) {
		const struct pci_dev *d = &pci_devs[i];

		cli_printf(out, "%02x:%02x.%x  %04x:%04x      %02x%02x%02x  %3u  %s\n", d->bus,
			   d->dev, d->fn, d->vendor, d->device, d->class, d->subclass, d->progif,
			   d->irq_pin ? d->irq_line : 0, pci_class_name(d->class, d->subclass));
		for (int b = 0; b < PCI_BARS; b++) {
			const struct pci_bar *bar = &d->bar[b];

			if (bar->size == 0)
				continue;
			cli_printf(out, "           BAR%d %s %#llx size %#llx%s%s\n", b,
				   bar->io ? "io " : "mem", (unsigned long long)bar->base,
				   (unsigned long long)bar->size, bar->mem64 ? " 64-bit" : "",
				   bar->prefetch ? " prefetchable" : "");
		}
	}
	if (pci_dropped)
		cli_printf(out, "(%llu functions not listed: table full)\n",
			   (unsigned long long)pci_dropped);
	return 0;
}

CLI_COMMAND(show_pci, "show pci", "PCI functions, IDs, classes and BARs", pci_cmd_show);
