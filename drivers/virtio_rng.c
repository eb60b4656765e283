/*
 * virtio-rng, the entropy device (virtio 1.2 §5.4), as an entropy source
 * for kernel/random.c, over the PCI transport in virtio_pci.c and the split
 * rings in virtqueue.c. One queue, requestq, holding at most one buffer:
 * a 64-byte pool lent to the device, which fills it with random bytes.
 * getentropy() takes bytes from the pool through vrng_fill(); an emptied
 * pool goes straight back to the device, and when it has not come back
 * yet, vrng_fill() polls the used ring for a few milliseconds at most and
 * then returns short, so random.c goes on with its other sources.
 *
 * There is no PCI driver registry besides netdev's, which is for ports: the
 * device is found and brought up by this file's poller on the main loop's
 * first pass, after boot, so kernel/main.c names no driver. The source is
 * registered with random.c once the device has delivered its first bytes,
 * which reseeds the generator with them; keys drawn during boot came from
 * the earlier seed. One device is driven; others are left alone.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pci.h"
#include "drivers/virtio_pci.h"
#include "drivers/virtqueue.h"
#include "kernel/cli.h"
#include "kernel/memory.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "kernel/time.h"

#define VRNG_REQUESTQ	0    /* the only queue (§5.4.2) */
#define VRNG_QUEUE_SIZE 8    /* entries asked of a modern device; one is used */
#define VRNG_POOL	64   /* bytes lent to the device at a time */
#define VRNG_WAIT_US	5000 /* how long vrng_fill() polls for the device */
#define VRNG_STEP_US	20   /* between two looks at the used ring */
#define VRNG_REAP_MAX	8    /* used entries one vrng_reap() looks at */

struct vrng_id {
	uint16_t vendor, device;
};

static const struct vrng_id vrng_ids[] = {
	{0x1af4, 0x1005}, /* transitional: entropy source (§4.1.2.3) */
	{0x1af4, 0x1044}, /* modern: 0x1040 + device ID 4 (§4.1.2, §5.4.1) */
	{0, 0},
};

struct vrng {
	struct vpci_dev vpci;
	struct virtqueue vq;
	void *ring;  /* vq_ring_bytes(), the device's view */
	void *state; /* vq_state_bytes(), ours alone */
	size_t heap; /* bytes of both, accounted to "virtio-rng" */
	bool up;     /* DRIVER_OK set, queue live */
	bool posted; /* the pool is the device's */
	bool registered;
	uint8_t pool[VRNG_POOL];
	uint32_t have;	    /* bytes the device wrote into the pool */
	uint32_t off;	    /* bytes of those taken already */
	uint64_t bytes;	    /* bytes the device delivered */
	uint64_t fills;	    /* buffers it returned */
	uint64_t taken;	    /* bytes handed to random.c */
	uint64_t timeouts;  /* vrng_fill() calls that gave up waiting */
	uint64_t empty;	    /* buffers returned with no byte written */
	uint64_t bad_used;  /* used entries the ring refused (id or length) */
	uint64_t irqs;	    /* interrupts acknowledged, though none was asked */
	uint64_t reseed_us; /* time random_add_source() took to reseed */
};

static struct vrng vrng_dev;
static bool vrng_probed; /* the PCI scan ran, device found or not */

/* Lends the pool to the device (§5.4.6): one device-writable buffer, as
 * §5.4.6.1 requires. */
static int vrng_post(struct vrng *vr)
{
	struct vq_seg seg = {vr->pool, VRNG_POOL};
	int err;

	if (vr->posted)
		return 0;
	err = vq_add(&vr->vq, &seg, 0, 1, vr->pool);
	if (err)
		return err;
	vr->posted = true;
	vr->have = vr->off = 0;
	/* §2.7.13.4: ring the doorbell unless the device said not to. */
	if (vq_kick_prepare(&vr->vq))
		vpci_notify(&vr->vpci, VRNG_REQUESTQ);
	return 0;
}

/*
 * Takes the pool back if the device has returned it. §5.4.6.1: the length
 * the device wrote says how many bytes are random; it may be less than
 * the buffer (§5.4.6.2), and vq_get_used() has checked it is not more.
 * Returns true if the pool now holds bytes not yet taken.
 */
static bool vrng_reap(struct vrng *vr)
{
	void *token;
	uint32_t len;
	int r;

	/* Bounded: a device replaying entries cannot keep us here. */
	for (int k = 0; k < VRNG_REAP_MAX && vr->posted; k++) {
		r = vq_get_used(&vr->vq, &token, &len);
		if (r == 0)
			break;
		if (r == -EIO) {
			/* Not our chain: nothing was freed, the pool is still out. */
			vr->bad_used++;
			continue;
		}
		vr->posted = false;
		if (r == -EMSGSIZE) {
			vr->bad_used++;
			vrng_post(vr);
			continue;
		}
		if (len == 0) {
			/* §5.4.6.2 asks for at least one byte; ask again. */
			vr->empty++;
			vrng_post(vr);
			continue;
		}
		vr->have = len;
		vr->off = 0;
		vr->bytes += len;
		vr->fills++;
		/* §2.7.7: interrupts are suppressed, but that is only advice;
		 * reading the ISR lowers INTx if the device raised it anyway. */
		if (vpci_isr(&vr->vpci))
			vr->irqs++;
	}
	return vr->off < vr->have;
}

/*
 * The entropy source's fill (kernel/random.h): copies up to (len) bytes of
 * the pool to (buf), wiping each byte taken so it is given out once, and
 * hands the emptied pool back to the device. While the pool is out, polls
 * the used ring, VRNG_WAIT_US at most over the call. Returns the bytes
 * copied, (len) unless the device was too slow.
 */
static size_t vrng_fill(void *buf, size_t len)
{
	struct vrng *vr = &vrng_dev;
	uint8_t *out = buf;
	size_t got = 0;
	uint32_t waited = 0;

	if (!vr->up)
		return 0;
	while (got < len) {
		if (vrng_reap(vr)) {
			size_t n = vr->have - vr->off;

			if (n > len - got)
				n = len - got;
			memcpy(out + got, vr->pool + vr->off, n);
			memset(vr->pool + vr->off, 0, n);
			vr->off += (uint32_t)n;
			got += n;
			continue;
		}
		if (vrng_post(vr) != 0 || waited >= VRNG_WAIT_US)
			break;
		time_delay_us(VRNG_STEP_US);
		waited += VRNG_STEP_US;
	}
	/* An emptied pool goes back at once, to be full by the next call. */
	if (vr->off == vr->have)
		vrng_post(vr);
	vr->taken += got;
	if (got < len)
		vr->timeouts++;
	return got;
}

static const struct random_source vrng_source = {"virtio-rng", vrng_fill};

static void vrng_queue_free(struct vrng *vr)
{
	free(vr->state);
	free(vr->ring);
	vr->state = vr->ring = NULL;
	memory_account("virtio-rng", -(long long)vr->heap);
	vr->heap = 0;
}

/*
 * Brings up the device at (pci) through virtio 1.2 §3.1.1, with §5.4.5's
 * one step of its own: the requestq. Returns 0, or -errno with the device
 * reset (FAILED set) and nothing kept.
 */
static int vrng_probe(struct vrng *vr, const struct pci_dev *pci)
{
	uint16_t max, size;
	int err;

	err = vpci_init(&vr->vpci, pci);
	if (err)
		goto fail_transport;
	/* virtio 1.2 §3.1.1 step 1: reset. */
	err = vpci_reset(&vr->vpci);
	if (err)
		goto fail_transport;
	/* Steps 2-3: we noticed the device and know how to drive it. */
	vpci_add_status(&vr->vpci, VIRTIO_STATUS_ACKNOWLEDGE);
	vpci_add_status(&vr->vpci, VIRTIO_STATUS_DRIVER);
	/* Steps 4-6: the device has no feature bits of its own (§5.4.3); a
	 * modern device must offer VERSION_1 and we must take it (§6). */
	if (vr->vpci.modern && !(vpci_device_features(&vr->vpci) & VIRTIO_F_VERSION_1)) {
		err = -ENOTSUP;
		goto fail_reset;
	}
	err = vpci_set_features(&vr->vpci, vr->vpci.modern ? VIRTIO_F_VERSION_1 : 0);
	if (err)
		goto fail_reset;

	/* Step 7, and §5.4.5: set up the requestq. A legacy device takes
	 * only its own size (§4.1.5.1.3.1); a modern one any power of two up
	 * to it, of which one entry is enough. */
	max = vpci_queue_max(&vr->vpci, VRNG_REQUESTQ);
	if (max == 0) {
		err = -ENODEV;
		goto fail_reset;
	}
	size = max;
	if (vr->vpci.modern)
		for (size = 1; size < VRNG_QUEUE_SIZE && size * 2 <= max;)
			size *= 2;
	err = -ENOMEM;
	vr->ring = aligned_alloc(VQ_ALIGN, vq_ring_bytes(size));
	vr->state = malloc(vq_state_bytes(size));
	if (vr->ring == NULL || vr->state == NULL)
		goto fail_reset;
	vr->heap = vq_ring_bytes(size) + vq_state_bytes(size);
	memory_account("virtio-rng", (long long)vr->heap);
	err = vq_init(&vr->vq, size, vr->ring, vr->state, false);
	if (err)
		goto fail_reset;
	/* Used buffers are reaped by polling; they need no interrupt. */
	vq_set_interrupts(&vr->vq, false);
	err = vpci_queue_setup(&vr->vpci, VRNG_REQUESTQ, &vr->vq);
	if (err)
		goto fail_reset;

	/* Step 8: DRIVER_OK; then the pool goes out for its first bytes. */
	vpci_add_status(&vr->vpci, VIRTIO_STATUS_DRIVER_OK);
	vr->up = true;
	err = vrng_post(vr);
	if (err)
		goto fail_post;
	return 0;

fail_post:
	vr->up = false;
fail_reset:
	/* The device may hold the ring's address: reset before freeing. */
	vpci_add_status(&vr->vpci, VIRTIO_STATUS_FAILED);
	vpci_reset(&vr->vpci);
	vrng_queue_free(vr);
fail_transport:
	printf("virtio-rng %02x:%02x.%x: cannot bring the device up (%d)\n", pci->bus, pci->dev,
	       pci->fn, err);
	memset(vr, 0, sizeof(*vr));
	return err;
}

static bool vrng_match(const struct pci_dev *pci)
{
	for (const struct vrng_id *id = vrng_ids; id->vendor != 0; id++)
		if (id->vendor == pci->vendor && id->device == pci->device)
			return true;
	return false;
}

/* Probes the first entropy device on the bus. */
static void vrng_scan(struct vrng *vr)
{
	for (int i = 0; i < pci_count(); i++) {
		const struct pci_dev *pci = pci_get(i);

		if (vrng_match(pci)) {
			vrng_probe(vr, pci);
			return;
		}
	}
}

/*
 * The poller: finds the device on the first pass, then reaps the pool until
 * the first bytes come, which make it a source of random.c (reseeding the
 * generator with them at once); after that it does nothing.
 */
static void vrng_poll(void)
{
	struct vrng *vr = &vrng_dev;
	int err;

	if (!vrng_probed) {
		vrng_probed = true;
		vrng_scan(vr);
	}
	/* Once registered, vrng_fill() reaps for itself: nothing per pass. */
	if (!vr->up || vr->registered || !vrng_reap(vr))
		return;
	vr->registered = true;
	uint64_t t0 = time_ns();

	err = random_add_source(&vrng_source);
	vr->reseed_us = (time_ns() - t0) / 1000u;
	if (err)
		printf("\nvirtio-rng: the generator did not reseed (%d); the device feeds its "
		       "next reseed\n",
		       err);
}

POLLER(virtio_rng, vrng_poll);

static int vrng_cmd_show(int argc, char **argv, struct cli_out *out)
{
	const struct vrng *vr = &vrng_dev;

	(void)argc;
	(void)argv;
	if (!vr->up) {
		cli_printf(out, "no virtio-rng device\n");
		return 0;
	}
	cli_printf(out, "virtio-rng %02x:%02x.%x: %s interface, requestq size %u, %s\n",
		   vr->vpci.pci->bus, vr->vpci.pci->dev, vr->vpci.pci->fn,
		   vr->vpci.modern ? "modern" : "legacy", vr->vq.size,
		   vr->registered ? "feeding the generator" : "no bytes yet");
	cli_printf(
		out,
		"  delivered %llu bytes in %llu buffers, %llu taken, %u in the pool; "
		"timeouts %llu, empty %llu, refused %llu, interrupts %llu; reseed took %llu us\n",
		(unsigned long long)vr->bytes, (unsigned long long)vr->fills,
		(unsigned long long)vr->taken, vr->have - vr->off, (unsigned long long)vr->timeouts,
		(unsigned long long)vr->empty, (unsigned long long)vr->bad_used,
		(unsigned long long)vr->irqs, (unsigned long long)vr->reseed_us);
	return 0;
}

CLI_COMMAND(show_rng, "show rng", "virtio-rng entropy device: state and counters", vrng_cmd_show);
