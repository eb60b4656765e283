/*
 * netdev_xmit(): the size and link checks every port shares, and the
 * offloads a device lacks done in software (drivers/offload.h) before its
 * driver sees the frame. The frame is never changed: it may be flooded to
 * several ports, some of which take the offload as it is.
 */
#include <errno.h>

#include "drivers/netdev.h"
#include "drivers/offload.h"

/* True if (nd)'s device does all that (ofl) asks. */
static bool netdev_can(const struct netdev *nd, const struct netdev_offload *ofl)
{
	uint8_t need = 0;

	if (ofl->flags & OFFLOAD_F_NEEDS_CSUM)
		need |= NETDEV_OFL_CSUM;
	switch (ofl->gso_type & ~OFFLOAD_GSO_ECN) {
	case OFFLOAD_GSO_NONE:
		break;
	case OFFLOAD_GSO_TCPV4:
		need |= NETDEV_OFL_TSO4;
		break;
	case OFFLOAD_GSO_TCPV6:
		need |= NETDEV_OFL_TSO6;
		break;
	default:
		return false; /* UDP fragmentation offload: never taken */
	}
	if (ofl->gso_type & OFFLOAD_GSO_ECN)
		need |= NETDEV_OFL_ECN;
	return (nd->offloads & need) == need;
}

/* offload_segment()'s emit: one finished frame to the driver. */
static int netdev_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	struct netdev *nd = ctx;

	return nd->ops->xmit(nd, seg, nseg, NULL);
}

/* The checksum the device would have computed (virtio 1.2 §5.1.6.2),
 * sent as a segment of its own between the frame's two other parts. */
static int netdev_soft_csum(struct netdev *nd, const uint8_t *f, size_t len,
			    const struct netdev_offload *ofl)
{
	size_t at = (size_t)ofl->csum_start + ofl->csum_offset;
	int ck = offload_csum_value(f, len, ofl);
	uint8_t field[2];

	if (ck < 0) {
		nd->stats.tx_drop_offload++;
		return -EINVAL;
	}
	field[0] = (uint8_t)(ck >> 8);
	field[1] = (uint8_t)ck;
	nd->stats.tx_sw_csum++;
	return nd->ops->xmit(
		nd, (const struct netdev_seg[]){{f, at}, {field, 2}, {f + at + 2, len - at - 2}}, 3,
		NULL);
}

int netdev_xmit(struct netdev *nd, const struct netdev_seg *seg, int nseg,
		const struct netdev_offload *ofl)
{
	size_t len = 0, max = NETDEV_FRAME_MAX;
	int n;

	if (ofl != NULL && !(ofl->flags & OFFLOAD_F_NEEDS_CSUM) && ofl->gso_type == 0)
		ofl = NULL; /* nothing asked: DATA_VALID means nothing on transmit */
	if (ofl != NULL && ofl->gso_type != 0)
		max = NETDEV_GSO_MAX;
	for (int i = 0; i < nseg; i++)
		len += seg[i].len;
	if (len == 0 || len > max) {
		nd->stats.tx_drop_size++;
		return -EMSGSIZE;
	}
	if (!nd->open || !nd->link) {
		nd->stats.tx_drop_down++;
		return -ENETDOWN;
	}
	if (ofl == NULL)
		return nd->ops->xmit(nd, seg, nseg, NULL);
	/* What the device is asked to do is checked first, and the software
	 * path needs the frame in one piece. */
	if (nseg != 1 || offload_check(seg[0].data, len, ofl) != 0) {
		nd->stats.tx_drop_offload++;
		return -EINVAL;
	}
	if (netdev_can(nd, ofl))
		return nd->ops->xmit(nd, seg, nseg, ofl);
	if (ofl->gso_type == 0)
		return netdev_soft_csum(nd, seg[0].data, len, ofl);
	n = offload_segment(seg[0].data, len, ofl, netdev_emit, nd);
	if (n < 0) {
		nd->stats.tx_drop_offload++;
		return n;
	}
	nd->stats.tx_sw_gso++;
	return 0;
}
