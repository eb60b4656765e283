/*
 * A fake of drivers/netdev.c for the binding tests: ports eth0 .. eth<n-1>
 * with no device behind them. Transmit records each frame (its segments
 * joined) on the port, with the offload the driver was asked to do; a
 * test injects received frames with fake_rx() or fake_rx_ofl(), which
 * call the port's rx callback as a driver's poll would. The real
 * netdev_xmit() (drivers/netdev_tx.c) sits above this fake driver, so the
 * offloads a port lacks (fake_offloads) are done in software before it.
 * Recording uses static storage only, so the allocation counter sees none
 * of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netdev.h"
#include "tests/bind/bind.h"

struct fake_frame {
	size_t len;			/* bytes kept in data */
	size_t wire_len;		/* bytes the driver was given */
	bool has_ofl;			/* false: the driver was given no offload */
	struct netdev_offload ofl;	/* what it was asked to do, if has_ofl */
	uint8_t data[NETDEV_FRAME_MAX]; /* the frame's first NETDEV_FRAME_MAX bytes */
};

struct fake_port {
	struct fake_frame tx[FAKE_TX_MAX];
	int ntx;
};

static struct netdev fake_nd[FAKE_PORTS_MAX];
static struct fake_port fake_ports[FAKE_PORTS_MAX];
static int fake_nports;

static int fake_xmit(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		     const struct netdev_offload *ofl)
{
	struct fake_port *fp = &fake_ports[nd->index];
	struct fake_frame *f;

	if (fp->ntx == FAKE_TX_MAX) {
		/* Keep the newest: drop the oldest. */
		memmove(&fp->tx[0], &fp->tx[1], sizeof(fp->tx[0]) * (FAKE_TX_MAX - 1));
		fp->ntx--;
	}
	f = &fp->tx[fp->ntx++];
	f->len = 0;
	f->wire_len = 0;
	f->has_ofl = ofl != NULL;
	if (ofl != NULL)
		f->ofl = *ofl;
	/* A GSO frame passed through may be up to NETDEV_GSO_MAX bytes: keep
	 * its head, which holds every header, and its true length. */
	for (int i = 0; i < nseg; i++) {
		size_t room = sizeof(f->data) - f->len;
		size_t n = seg[i].len < room ? seg[i].len : room;

		memcpy(f->data + f->len, seg[i].data, n);
		f->len += n;
		f->wire_len += seg[i].len;
	}
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += f->wire_len;
	return 0;
}

static void fake_flush(struct netdev *nd)
{
	(void)nd;
}

static int fake_poll(struct netdev *nd, int budget)
{
	(void)nd;
	(void)budget;
	return 0;
}

static void fake_set_promisc(struct netdev *nd, bool on)
{
	nd->promisc = on;
}

static const struct netdev_ops fake_ops = {
	.xmit = fake_xmit,
	.flush = fake_flush,
	.poll = fake_poll,
	.set_promisc = fake_set_promisc,
};

void fake_netdev_setup(int n)
{
	if (n > FAKE_PORTS_MAX)
		n = FAKE_PORTS_MAX;
	memset(fake_nd, 0, sizeof(fake_nd));
	memset(fake_ports, 0, sizeof(fake_ports));
	for (int i = 0; i < n; i++) {
		struct netdev *nd = &fake_nd[i];

		snprintf(nd->name, sizeof(nd->name), "eth%u", (unsigned char)i);
		nd->index = i;
		nd->model = "fake";
		nd->mac[0] = 0x52;
		nd->mac[1] = 0x54;
		nd->mac[5] = (uint8_t)i;
		nd->mtu = 1500;
		nd->link = true;
		nd->promisc = true;
		nd->open = true;
		nd->ops = &fake_ops;
	}
	fake_nports = n;
}

bool fake_rx(int port, const void *frame, size_t len)
{
	return fake_rx_ofl(port, frame, len, NULL);
}

bool fake_rx_ofl(int port, const void *frame, size_t len, const struct netdev_offload *ofl)
{
	struct netdev *nd = netdev_get(port);
	uint8_t *buf;

	if (nd == NULL || nd->rx == NULL)
		return false;
	/* A frame the size of the data: ASan catches any read past it. */
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, frame, len);
	nd->stats.rx_packets++;
	nd->stats.rx_bytes += len;
	if (ofl != NULL && ofl->gso_type)
		nd->stats.rx_gso++; /* as drivers/virtio_net.c counts them */
	nd->rx(nd, buf, len, ofl);
	free(buf);
	return true;
}

int fake_tx_count(int port)
{
	return port >= 0 && port < fake_nports ? fake_ports[port].ntx : 0;
}

const uint8_t *fake_tx_frame(int port, int k, size_t *len)
{
	if (k < 0 || k >= fake_tx_count(port))
		return NULL;
	*len = fake_ports[port].tx[k].len;
	return fake_ports[port].tx[k].data;
}

size_t fake_tx_wire_len(int port, int k)
{
	return k >= 0 && k < fake_tx_count(port) ? fake_ports[port].tx[k].wire_len : 0;
}

const struct netdev_offload *fake_tx_ofl(int port, int k)
{
	if (k < 0 || k >= fake_tx_count(port) || !fake_ports[port].tx[k].has_ofl)
		return NULL;
	return &fake_ports[port].tx[k].ofl;
}

void fake_tx_clear(void)
{
	for (int i = 0; i < FAKE_PORTS_MAX; i++)
		fake_ports[i].ntx = 0;
}

int fake_tx_total(void)
{
	int n = 0;

	for (int i = 0; i < fake_nports; i++)
		n += fake_ports[i].ntx;
	return n;
}

void fake_link(int port, bool up)
{
	if (port >= 0 && port < fake_nports)
		fake_nd[port].link = up;
}

void fake_offloads(int port, uint8_t bits)
{
	if (port >= 0 && port < fake_nports)
		fake_nd[port].offloads = bits;
}

/* The drivers/netdev.h API the bindings use. */

struct netdev *netdev_get(int i)
{
	return i >= 0 && i < fake_nports ? &fake_nd[i] : NULL;
}

int netdev_count(void)
{
	return fake_nports;
}

struct netdev *netdev_by_name(const char *name)
{
	for (int i = 0; i < fake_nports; i++)
		if (strcmp(fake_nd[i].name, name) == 0)
			return &fake_nd[i];
	return NULL;
}

/* netdev_xmit() is the real one, drivers/netdev_tx.c. */

int netdev_poll_all(void)
{
	return 0;
}
