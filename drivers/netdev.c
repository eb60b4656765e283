/*
 * Ports: probes PCI functions against the drivers in the "netdev_drivers"
 * section, names what they claim eth0, eth1, ... in bus/device/function
 * order, and polls them from the main loop. Interrupts only wake the CPU:
 * the handler masks the PCI line, and the line is unmasked once the ports
 * behind it have been polled (their poll() acknowledges the device).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/netdev.h"
#include "kernel/cli.h"
#include "kernel/irq.h"

extern const struct netdev_driver *const __start_netdev_drivers[];
extern const struct netdev_driver *const __stop_netdev_drivers[];

static struct netdev netdev_ports[NETDEV_MAX];
static int netdev_nports;
static uint16_t netdev_irq_lines; /* PIC lines that carry a port's interrupt */
static uint64_t netdev_unclaimed; /* network-class functions no driver took */

static void netdev_irq(int irq, void *ctx)
{
	(void)ctx;
	/* Level-triggered: keep it masked until the ports are polled. */
	irq_mask_line(irq);
}

static const struct netdev_pci_id *netdev_match(const struct netdev_driver *drv,
						const struct pci_dev *pci)
{
	for (const struct netdev_pci_id *id = drv->ids; id->vendor != 0; id++)
		if (id->vendor == pci->vendor && id->device == pci->device)
			return id;
	return NULL;
}

static int netdev_probe_one(const struct pci_dev *pci)
{
	for (const struct netdev_driver *const *d = __start_netdev_drivers;
	     d < __stop_netdev_drivers; d++) {
		const struct netdev_pci_id *id = netdev_match(*d, pci);
		struct netdev *nd = &netdev_ports[netdev_nports];
		int err;

		if (id == NULL)
			continue;
		memset(nd, 0, sizeof(*nd));
		snprintf(nd->name, sizeof(nd->name), "eth%d", netdev_nports);
		nd->index = netdev_nports;
		nd->pci = pci;
		nd->mtu = 1500;
		err = (*d)->probe(nd, pci, id);
		if (err) {
			printf("%s: %s %02x:%02x.%x (%s): probe failed (%d)\n", nd->name,
			       (*d)->name, pci->bus, pci->dev, pci->fn, id->model, err);
			return err;
		}
		/* Every port is a switch port, so it receives frames for any
		 * address from the start; setting it later would also cost a
		 * second of deafness on QEMU's 8254x models after the RCTL write. */
		nd->promisc = true;
		err = nd->ops->open(nd);
		if (err) {
			printf("%s: %s: open failed (%d)\n", nd->name, nd->model, err);
			return err;
		}
		nd->open = true;
		if (pci->irq_pin && pci->irq_line < IRQ_COUNT &&
		    irq_register(pci->irq_line, netdev_irq, NULL) == 0)
			netdev_irq_lines |= 1u << pci->irq_line;
		netdev_nports++;
		return 0;
	}
	if (pci->class == 0x02)
		netdev_unclaimed++;
	return -ENODEV;
}

int netdev_init(void)
{
	for (int i = 0; i < pci_count() && netdev_nports < NETDEV_MAX; i++)
		netdev_probe_one(pci_get(i));
	return netdev_nports;
}

struct netdev *netdev_get(int i)
{
	return i >= 0 && i < netdev_nports ? &netdev_ports[i] : NULL;
}

int netdev_count(void)
{
	return netdev_nports;
}

struct netdev *netdev_by_name(const char *name)
{
	for (int i = 0; i < netdev_nports; i++)
		if (strcmp(netdev_ports[i].name, name) == 0)
			return &netdev_ports[i];
	return NULL;
}

int netdev_poll_all(void)
{
	static int first; /* the port polled first this pass */
	int got = 0, i = first;

	/* Round robin: the ports polled first fill a shared egress ring
	 * first, so a fixed order would let eth1's frames always find room
	 * on the uplink and drop eth9's (32 TCP flows through NAT got 673
	 * down to 0 Mbit/s by port number). Each pass starts one port on. */
	for (int n = 0; n < netdev_nports; n++) {
		got += netdev_ports[i].ops->poll(&netdev_ports[i], NETDEV_RX_BUDGET);
		if (++i == netdev_nports)
			i = 0;
	}
	if (++first >= netdev_nports)
		first = 0;
	for (int p = 0; p < netdev_nports; p++)
		netdev_ports[p].ops->flush(&netdev_ports[p]);
	for (int irq = 0; irq < IRQ_COUNT; irq++)
		if (netdev_irq_lines & (1u << irq))
			irq_unmask_line(irq);
	return got;
}

void netdev_idle_all(void)
{
	for (int p = 0; p < netdev_nports; p++)
		if (netdev_ports[p].ops->idle != NULL)
			netdev_ports[p].ops->idle(&netdev_ports[p]);
}

int netdev_rx_waiting(void)
{
	int n = 0;

	for (int p = 0; p < netdev_nports; p++)
		n += netdev_ports[p].rx_waiting;
	return n;
}

static int netdev_cmd_show(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	cli_printf(out, "port  model       MAC                link  MTU   promisc  pci\n");
	for (int i = 0; i < netdev_nports; i++) {
		const struct netdev *nd = &netdev_ports[i];
		const struct netdev_stats *s = &nd->stats;
		const uint8_t *m = nd->mac;

		cli_printf(
			out,
			"%-5s %-11s %02x:%02x:%02x:%02x:%02x:%02x  %-5s %-5u %-8s %02x:%02x.%x\n",
			nd->name, nd->model, m[0], m[1], m[2], m[3], m[4], m[5],
			nd->link ? "up" : "down", nd->mtu, nd->promisc ? "yes" : "no", nd->pci->bus,
			nd->pci->dev, nd->pci->fn);
		cli_printf(out, "      rx %llu packets %llu bytes, tx %llu packets %llu bytes\n",
			   (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
			   (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes);
		cli_printf(out,
			   "      drops: rx len %llu desc %llu error %llu nobuf %llu, "
			   "tx full %llu size %llu down %llu\n",
			   (unsigned long long)s->rx_drop_len, (unsigned long long)s->rx_drop_desc,
			   (unsigned long long)s->rx_drop_error,
			   (unsigned long long)s->rx_drop_nobuf,
			   (unsigned long long)s->tx_drop_full, (unsigned long long)s->tx_drop_size,
			   (unsigned long long)s->tx_drop_down);
		cli_printf(
			out,
			"      offloads:%s%s%s%s; rx GSO %llu; done in software: checksums %llu, "
			"GSO %llu, bad %llu\n",
			nd->offloads & NETDEV_OFL_CSUM ? " csum" : "",
			nd->offloads & NETDEV_OFL_TSO4 ? " tso4" : "",
			nd->offloads & NETDEV_OFL_TSO6 ? " tso6" : "",
			nd->offloads ? (nd->offloads & NETDEV_OFL_ECN ? " ecn" : "") : " none",
			(unsigned long long)s->rx_gso, (unsigned long long)s->tx_sw_csum,
			(unsigned long long)s->tx_sw_gso, (unsigned long long)s->tx_drop_offload);
		if (nd->role != NULL && nd->role[0] != '\0')
			cli_printf(out, "      carries: %s\n", nd->role);
	}
	if (netdev_unclaimed)
		cli_printf(out, "(%llu network functions had no driver)\n",
			   (unsigned long long)netdev_unclaimed);
	return 0;
}

CLI_COMMAND(show_ports, "show ports", "ports: model, MAC, link, MTU, counters", netdev_cmd_show);
