/*
 * The e1000 family on PCI: the ID table with each model's quirks, probe
 * (reset, then the MAC address from RAL0/RAH0 or the EEPROM) and the
 * "show e1000" command for register and ring state. Probe is the only
 * part that waits on time; the rings and the netdev ops are in
 * e1000_core.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "drivers/e1000.h"
#include "drivers/e1000_regs.h"
#include "drivers/netdev.h"
#include "drivers/pci.h"
#include "kernel/cli.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "kernel/time.h"

#define E1000_PCI_COMMAND 0x04	/* PCI 3.0 §6.2.2 command register */
#define E1000_POLL_US	  10	/* between register polls during bring-up */
#define E1000_WAIT_US	  10000 /* longest wait for reset, EEPROM load, one EERD read */
#define E1000_EE_RST_US	  2000	/* EEPROM reload on the 82544 */
#define E1000_QUIESCE_US  100	/* for DMA in flight after RCTL/TCTL are cleared */

/* QEMU: -device e1000 (82540EM), e1000-82544gc, e1000-82545em, e1000e (82574L).
 * The first three are QEMU's hw/net/e1000.c and take checksum offload
 * (E1000_OFFLOADS_CLAIMED); the 82574L is another model (e1000e), not
 * checked, and takes none. */
static const struct netdev_pci_id e1000_ids[] = {
	{0x8086, 0x100e, "82540EM", E1000_F_TX_OFFLOAD},
	{0x8086, 0x100f, "82545EM", E1000_F_TX_OFFLOAD},
	{0x8086, 0x100c, "82544GC", E1000_F_NO_EERD | E1000_F_IPGT8 | E1000_F_TX_OFFLOAD},
	{0x8086, 0x10d3, "82574L",
	 E1000_F_EERD_LARGE | E1000_F_IPGT8 | E1000_F_ICR_W1C | E1000_F_AUTO_RD |
		 E1000_F_82574_INIT},
	{0, 0, NULL, 0},
};

/* Polls until (reg) & (mask) == (want), for at most (us). */
static bool e1000_wait(struct e1000_dev *d, uint32_t reg, uint32_t mask, uint32_t want, uint32_t us)
{
	for (uint32_t t = 0;; t += E1000_POLL_US) {
		if ((e1000_rd(d, reg) & mask) == want)
			return true;
		if (t >= us)
			return false;
		time_delay_us(E1000_POLL_US);
	}
}

static int e1000_reset(struct e1000_dev *d, const struct pci_dev *pci)
{
	/* SDM §14.1 (82574 §4.6.1): no interrupts while configuring. */
	e1000_wr(d, E1000_IMC, ~0u);
	/* Stop receive and transmit DMA a firmware may have left running. */
	e1000_wr(d, E1000_RCTL, 0);
	e1000_wr(d, E1000_TCTL, 0);
	if (e1000_rd(d, E1000_STATUS) == ~0u)
		return -ENODEV; /* nothing answers at BAR0 */
	time_delay_us(E1000_QUIESCE_US);

	/* SDM §13.4.1: CTRL.RST resets all but PCI configuration and clears
	 * itself; registers are not to be touched for a moment after. */
	e1000_wr(d, E1000_CTRL, e1000_rd(d, E1000_CTRL) | E1000_CTRL_RST);
	time_delay_us(E1000_POLL_US);
	if (!e1000_wait(d, E1000_CTRL, E1000_CTRL_RST, 0, E1000_WAIT_US))
		return -ETIMEDOUT;

	/* The MAC address and defaults come back from the EEPROM: the 82544
	 * reloads it on request (SDM §13.4.6 EE_RST), later parts by
	 * themselves; the 82574 reports the end (EECD.AUTO_RD). Either way
	 * RAH0.AV turns on when the address is in, if the EEPROM has one. */
	if (d->flags & E1000_F_NO_EERD) {
		e1000_wr(d, E1000_CTRL_EXT, e1000_rd(d, E1000_CTRL_EXT) | E1000_CTRL_EXT_EE_RST);
		time_delay_us(E1000_EE_RST_US);
	}
	if ((d->flags & E1000_F_AUTO_RD) &&
	    !e1000_wait(d, E1000_EECD, E1000_EECD_AUTO_RD, E1000_EECD_AUTO_RD, E1000_WAIT_US))
		printf("e1000 %02x:%02x.%x: EEPROM auto-read did not finish\n", pci->bus, pci->dev,
		       pci->fn);
	(void)e1000_wait(d, E1000_RAH0, E1000_RAH_AV, E1000_RAH_AV, E1000_WAIT_US);

	/* SDM §14.1: and again after the reset. */
	e1000_wr(d, E1000_IMC, ~0u);
	(void)e1000_rd(d, E1000_ICR);
	return 0;
}

static int e1000_eeprom_read(struct e1000_dev *d, unsigned word, uint16_t *data)
{
	e1000_wr(d, E1000_EERD, e1000_eerd_start(d->flags, word));
	for (uint32_t t = 0; t <= E1000_WAIT_US; t += E1000_POLL_US) {
		if (e1000_eerd_done(d->flags, e1000_rd(d, E1000_EERD), data))
			return 0;
		time_delay_us(E1000_POLL_US);
	}
	return -ETIMEDOUT;
}

/* The MAC address: RAL0/RAH0 as the EEPROM load left them, else EEPROM
 * words 0-2 (SDM §5.6.1) through EERD, else a random locally
 * administered one, so that the port still works. */
static void e1000_get_mac(struct netdev *nd, struct e1000_dev *d, const struct pci_dev *pci)
{
	uint16_t w[3];
	uint32_t r;

	if (e1000_mac_from_ra(e1000_rd(d, E1000_RAL0), e1000_rd(d, E1000_RAH0), nd->mac))
		return;
	if (!(d->flags & E1000_F_NO_EERD) && e1000_eeprom_read(d, 0, &w[0]) == 0 &&
	    e1000_eeprom_read(d, 1, &w[1]) == 0 && e1000_eeprom_read(d, 2, &w[2]) == 0 &&
	    e1000_mac_from_ra((uint32_t)w[1] << 16 | w[0], w[2] | E1000_RAH_AV, nd->mac))
		return;
	r = random_u32();
	nd->mac[0] = 0x02; /* locally administered, unicast */
	nd->mac[1] = (uint8_t)(r >> 24);
	nd->mac[2] = (uint8_t)(r >> 16);
	nd->mac[3] = (uint8_t)(r >> 8);
	nd->mac[4] = (uint8_t)r;
	nd->mac[5] = (uint8_t)random_u32();
	printf("e1000 %02x:%02x.%x: no MAC address in RAL0 or the EEPROM; using "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n",
	       pci->bus, pci->dev, pci->fn, nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3],
	       nd->mac[4], nd->mac[5]);
}

/* One PHY register access through MDIC (SDM §13.4.8): a transaction on
 * the MII management bus takes tens of microseconds on hardware. */
static int e1000_mdic(struct e1000_dev *d, uint32_t cmd, uint16_t *val)
{
	uint32_t v = 0;

	e1000_wr(d, E1000_MDIC, cmd | (uint32_t)E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT);
	for (uint32_t t = 0; t <= E1000_WAIT_US; t += E1000_POLL_US) {
		v = e1000_rd(d, E1000_MDIC);
		if (v & E1000_MDIC_READY)
			break;
		time_delay_us(E1000_POLL_US);
	}
	if (!(v & E1000_MDIC_READY))
		return -ETIMEDOUT;
	if (v & E1000_MDIC_ERROR)
		return -EIO;
	if (val)
		*val = (uint16_t)v;
	return 0;
}

static int e1000_phy_read(struct e1000_dev *d, unsigned reg, uint16_t *val)
{
	return e1000_mdic(d, E1000_MDIC_OP_READ | (uint32_t)reg << E1000_MDIC_REG_SHIFT, val);
}

static int e1000_phy_write(struct e1000_dev *d, unsigned reg, uint16_t val)
{
	return e1000_mdic(d, E1000_MDIC_OP_WRITE | (uint32_t)reg << E1000_MDIC_REG_SHIFT | val,
			  NULL);
}

/* Runs the receive probes (e1000.h) once per loop pass, the time read
 * once; reports each port's end on the console. */
static void e1000_probe_poll(void)
{
	uint32_t now = 0;

	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *nd = netdev_get(i);
		struct e1000_dev *d = nd->priv;

		if (nd->ops != &e1000_ops || d->probe == E1000_PROBE_NONE || d->probe_told)
			continue;
		if (now == 0)
			now = time_ms();
		if (e1000_probe_tick(nd, now)) {
			nd->ops->flush(nd);
			poll_wake_in(E1000_PROBE_EVERY_MS);
			continue;
		}
		d->probe_told = true;
		if (d->probe == E1000_PROBE_GAVE_UP)
			printf("%s: no frame came back through the PHY's loopback in %u ms; "
			       "taken as receiving\n",
			       nd->name, (unsigned)d->probe_ms);
	}
}

POLLER(e1000_probe, e1000_probe_poll);

static int e1000_probe(struct netdev *nd, const struct pci_dev *pci, const struct netdev_pci_id *id)
{
	const struct pci_bar *bar = &pci->bar[0];
	struct e1000_dev *d;
	uint16_t cmd;
	int err;

	if (bar->io || bar->base == 0 || bar->size < E1000_BAR_SIZE)
		return -ENODEV;
	d = malloc(sizeof(*d));
	if (!d) {
		err = -ENOMEM;
		goto err_alloc;
	}
	/* BAR0 is identity-mapped uncached by pci_init. */
	e1000_dev_init(d, (volatile uint32_t *)(uintptr_t)bar->base, id->flags);
	d->phy_read = e1000_phy_read;
	d->phy_write = e1000_phy_write;
	cmd = pci_read16(pci, E1000_PCI_COMMAND);
	pci_enable(pci);
	err = e1000_reset(d, pci);
	if (err)
		goto err_reset;
	e1000_get_mac(nd, d, pci);

	nd->model = id->model;
	nd->mtu = 1500;
	nd->offloads = (id->flags & E1000_F_TX_OFFLOAD) ? E1000_OFFLOADS_CLAIMED : 0;
	nd->link = false; /* known once open() has set the link up */
	nd->ops = &e1000_ops;
	nd->priv = d;
	return 0;

err_reset:
	printf("e1000 %02x:%02x.%x: reset failed (%d)\n", pci->bus, pci->dev, pci->fn, err);
	pci_write16(pci, E1000_PCI_COMMAND, cmd);
	free(d);
err_alloc:
	return err;
}

static const struct netdev_driver e1000_driver = {
	.name = "e1000",
	.ids = e1000_ids,
	.probe = e1000_probe,
};

NETDEV_DRIVER(e1000, e1000_driver);

static int e1000_cmd_show(int argc, char **argv, struct cli_out *out)
{
	int shown = 0;

	(void)argc;
	(void)argv;
	for (int i = 0; i < netdev_count(); i++) {
		const struct netdev *nd = netdev_get(i);
		struct e1000_dev *d = nd->priv;

		if (nd->ops != &e1000_ops)
			continue;
		if (shown++ == 0)
			cli_printf(out,
				   "port  model    CTRL     STATUS   RCTL     TCTL      RDH  RDT "
				   " next   TDH  TDT clean  used\n");
		/* Registers without read side effects only: not ICR or MPC. */
		cli_printf(out, "%-5s %-8s %08x %08x %08x %08x  %4u %4u %4u   %4u %4u %4u %4u\n",
			   nd->name, nd->model, e1000_rd(d, E1000_CTRL), e1000_rd(d, E1000_STATUS),
			   e1000_rd(d, E1000_RCTL), e1000_rd(d, E1000_TCTL), e1000_rd(d, E1000_RDH),
			   e1000_rd(d, E1000_RDT), d->rx_next, e1000_rd(d, E1000_TDH),
			   e1000_rd(d, E1000_TDT), d->tx_clean, d->tx_used);
		if (d->probe != E1000_PROBE_NONE)
			cli_printf(out, "      receive probe: %s after %u ms, %u probe frames\n",
				   d->probe == E1000_PROBE_RUN	  ? "running"
				   : d->probe == E1000_PROBE_SEEN ? "a frame arrived"
								  : "none came back, gave up",
				   (unsigned)d->probe_ms, (unsigned)d->probe_frames);
	}
	if (shown == 0)
		cli_printf(out, "no e1000 ports\n");
	return 0;
}

CLI_COMMAND(show_e1000, "show e1000", "e1000 ports: registers and ring positions", e1000_cmd_show);
