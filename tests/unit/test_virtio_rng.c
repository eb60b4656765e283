/*
 * Unit tests for drivers/virtio_rng.c and the source registry of
 * kernel/random.c it feeds, against a fake device. Both files are included
 * whole so their static functions and state can be reached; the PCI
 * transport (virtio_pci.h), the PCI function list and the clock are faked,
 * arc4random is a model of picolibc's (a reseed through getentropy() when
 * its rekey counter runs out), and the test plays the device on the real
 * rings from drivers/virtqueue.c: bring-up on both interfaces and its
 * failures (unwound with the device reset before its ring is freed), the
 * one device-writable buffer (§5.4.6.1), taking bytes once each, short
 * buffers (§5.4.6.2), the bounded wait for a slow device and one that never
 * answers, used entries the ring refuses, registration once bytes came and
 * the reseed it forces, what show version names, and show rng.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio_rng.c"
#include "kernel/random.c"

/* The fake device's registers, the clock, and what the driver did. */
static struct fake {
	bool modern;
	uint64_t offered;
	bool refuse_features_ok;
	bool fail_setup_queue;
	uint8_t status;
	uint8_t status_at_setup;
	uint8_t isr;
	uint16_t qmax;
	struct virtqueue *vq;
	uint16_t dev_avail; /* next available entry the device takes */
	int notifies;
	int resets;
	int resets_with_ring; /* resets while the driver still held a ring */
	uint64_t now_ns;
	/* The device answers the buffer it holds once the clock reaches
	 * answer_at_ns (0: never), writing answer_len bytes. */
	uint64_t answer_at_ns;
	uint32_t answer_len;
	uint8_t seed; /* first byte of the next answer's pattern */
} fk;

/* The arc4random model's state: bytes until it reseeds, and reseeds. */
static struct {
	size_t rekey_left;
	size_t rekey_next; /* the counter after a reseed */
	int seeds;
	size_t spent; /* output given since the last reset */
	uint8_t seed[40];
} a4;

static struct pci_dev fake_pcis[3];
static int fake_npcis;

/* --- the clock and the rest of the kernel, faked -------------------------- */

static void dev_tick(void);

uint64_t time_ns(void)
{
	return fk.now_ns;
}

void time_delay_us(uint32_t us)
{
	fk.now_ns += (uint64_t)us * 1000u;
	dev_tick();
}

int pci_count(void)
{
	return fake_npcis;
}

const struct pci_dev *pci_get(int i)
{
	return i >= 0 && i < fake_npcis ? &fake_pcis[i] : NULL;
}

/* picolibc's arc4random, as far as getentropy() sees it: each call counts
 * against the rekey counter, and one asking for at least what is left
 * reseeds first with 40 bytes (KEYSZ + IVSZ). The output is a constant. */
void arc4random_buf(void *buf, size_t len)
{
	if (a4.rekey_left <= len) {
		assert_int_equal(getentropy(a4.seed, sizeof(a4.seed)), 0);
		a4.seeds++;
		a4.rekey_left = a4.rekey_next;
	}
	a4.rekey_left = a4.rekey_left > len ? a4.rekey_left - len : 0;
	a4.spent += len;
	memset(buf, 0xa5, len);
}

uint32_t arc4random(void)
{
	uint32_t v;

	arc4random_buf(&v, sizeof(v));
	return v;
}

unsigned long __stack_chk_guard;

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
	if (vrng_dev.ring != NULL)
		fk.resets_with_ring++;
	fk.vq = NULL;
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

uint16_t vpci_queue_max(struct vpci_dev *vd, uint16_t q)
{
	(void)vd;
	return q == 0 ? fk.qmax : 0;
}

int vpci_queue_setup(struct vpci_dev *vd, uint16_t q, const struct virtqueue *vq)
{
	if (q != 0 || fk.fail_setup_queue)
		return -EINVAL;
	if (!vd->modern && vq->size != fk.qmax)
		return -EINVAL;
	fk.vq = (struct virtqueue *)vq;
	fk.dev_avail = 0;
	fk.status_at_setup = fk.status;
	return 0;
}

void vpci_notify(struct vpci_dev *vd, uint16_t q)
{
	(void)vd;
	assert_int_equal(q, 0);
	fk.notifies++;
}

uint8_t vpci_isr(struct vpci_dev *vd)
{
	uint8_t v = fk.isr;

	(void)vd;
	fk.isr = 0;
	return v;
}

/* --- the device's side of the ring --------------------------------------- */

/* Entries the driver has made available that the device has not taken. */
static uint16_t dev_pending(void)
{
	return (uint16_t)(fk.vq->avail->idx - fk.dev_avail);
}

/* Takes the next available chain; checks it is the driver's one buffer,
 * device-writable and alone (§5.4.6.1). Returns its head. */
static uint16_t dev_take(void)
{
	struct virtqueue *vq = fk.vq;
	const struct vq_desc *d;
	uint16_t head;

	assert_non_null(vq);
	assert_int_not_equal(dev_pending(), 0);
	head = vq->avail->ring[fk.dev_avail++ & (vq->size - 1)];
	d = &vq->desc[head];
	assert_int_equal(d->flags, VRING_DESC_F_WRITE);
	assert_int_equal(d->len, VRNG_POOL);
	assert_ptr_equal((void *)(uintptr_t)d->addr, vrng_dev.pool);
	return head;
}

static void dev_use(uint32_t id, uint32_t len)
{
	struct vq_used_elem *e = &fk.vq->used->ring[fk.vq->used->idx & (fk.vq->size - 1)];

	e->id = id;
	e->len = len;
	fk.vq->used->idx++;
}

/* The bytes the device writes: a pattern from (seed), never zero. */
static uint8_t dev_byte(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + 7 * i) | 1;
}

/* Takes the buffer, writes (len) random bytes into it and returns it. */
static void dev_answer(uint32_t len)
{
	uint16_t head = dev_take();
	uint8_t *p = (uint8_t *)(uintptr_t)fk.vq->desc[head].addr;

	for (uint32_t i = 0; i < len; i++)
		p[i] = dev_byte(fk.seed, i);
	dev_use(head, len);
}

/* Empties the pool, so that the driver lends it again, and answers it
 * with the pattern from 0x40. */
static void dev_refill(void)
{
	uint8_t drop[VRNG_POOL];

	if (vrng_dev.off < vrng_dev.have)
		assert_int_equal(vrng_fill(drop, vrng_dev.have - vrng_dev.off),
				 vrng_dev.have - vrng_dev.off);
	fk.seed = 0x40;
	dev_answer(VRNG_POOL);
}

/* The clock moved: answer a held buffer if its time has come. */
static void dev_tick(void)
{
	if (fk.vq && fk.answer_at_ns && fk.now_ns >= fk.answer_at_ns && dev_pending()) {
		dev_answer(fk.answer_len);
		fk.answer_at_ns = 0;
	}
}

static void assert_pattern(const uint8_t *p, size_t len, uint8_t seed, size_t from)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], dev_byte(seed, from + i));
}

static void fake_reset(bool modern)
{
	vrng_queue_free(&vrng_dev);
	memset(&vrng_dev, 0, sizeof(vrng_dev));
	vrng_probed = false;
	memset(&fk, 0, sizeof(fk));
	fk.modern = modern;
	fk.offered = modern ? VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC
			    : VIRTIO_F_NOTIFY_ON_EMPTY | VIRTIO_F_ANY_LAYOUT;
	fk.qmax = modern ? 256 : 8;
	fk.now_ns = 1000000000u;
	fk.seed = 0x40;
	memset(fake_pcis, 0, sizeof(fake_pcis));
	fake_pcis[0] = (struct pci_dev){.vendor = 0x8086, .device = 0x29c0};
	fake_pcis[1] = (struct pci_dev){.dev = 3, .vendor = 0x1af4, .device = 0x1000};
	fake_pcis[2] =
		(struct pci_dev){.dev = 4, .vendor = 0x1af4, .device = modern ? 0x1044 : 0x1005};
	fake_npcis = 3;
	memset(random_extra, 0, sizeof(random_extra));
	random_nextra = 0;
	random_fed = 0;
	memset(&a4, 0, sizeof(a4));
	a4.rekey_left = a4.rekey_next = 1536 * 1024; /* picolibc: 1 to 2 MiB */
}

static struct vrng *probe_up(bool modern)
{
	fake_reset(modern);
	assert_int_equal(vrng_probe(&vrng_dev, &fake_pcis[2]), 0);
	return &vrng_dev;
}

static int teardown(void **state)
{
	(void)state;
	vrng_queue_free(&vrng_dev);
	memset(&vrng_dev, 0, sizeof(vrng_dev));
	return 0;
}

/* --- bring-up ------------------------------------------------------------- */

static void test_probe_modern(void **state)
{
	struct vrng *vr;

	(void)state;
	vr = probe_up(true);
	/* §5.4.3: no feature bits of its own; only VERSION_1 is taken. */
	assert_int_equal(vr->vpci.features, VIRTIO_F_VERSION_1);
	assert_int_equal(fk.resets, 1);
	/* §3.1.1: the queue is set up before DRIVER_OK, then it is set. */
	assert_int_equal(fk.status_at_setup, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
						     VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(fk.status, fk.status_at_setup | VIRTIO_STATUS_DRIVER_OK);
	/* A modern device gets a small queue of its largest size's powers. */
	assert_int_equal(vr->vq.size, VRNG_QUEUE_SIZE);
	assert_true(vr->up);
	/* The pool is lent at once, with one doorbell, and interrupts off. */
	assert_int_equal(dev_pending(), 1);
	assert_int_equal(vq_in_flight(&vr->vq), 1);
	assert_int_equal(fk.notifies, 1);
	assert_int_equal(fk.vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	dev_take();
}

static void test_probe_modern_small_queue(void **state)
{
	(void)state;
	fake_reset(true);
	fk.qmax = 3;
	assert_int_equal(vrng_probe(&vrng_dev, &fake_pcis[2]), 0);
	assert_int_equal(vrng_dev.vq.size, 2);
}

static void test_probe_legacy(void **state)
{
	struct vrng *vr;

	(void)state;
	fake_reset(false);
	fk.qmax = 16; /* a legacy device takes only its own size */
	vr = &vrng_dev;
	assert_int_equal(vrng_probe(vr, &fake_pcis[2]), 0);
	assert_int_equal(vr->vpci.features, 0);
	assert_int_equal(vr->vq.size, 16);
	assert_false(fk.status & VIRTIO_STATUS_FEATURES_OK); /* legacy has none */
	assert_true(fk.status & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(dev_pending(), 1);
	dev_take();
}

/* Each failure leaves the device reset and FAILED never mixed with
 * DRIVER_OK, and nothing held: the driver state is cleared. */
static void assert_probe_fails(int want)
{
	assert_int_equal(vrng_probe(&vrng_dev, &fake_pcis[2]), want);
	assert_false(vrng_dev.up);
	assert_null(vrng_dev.ring);
	assert_null(vrng_dev.state);
	assert_int_equal(fk.status, 0); /* reset after FAILED */
	assert_int_equal(fk.resets, 2);
	assert_int_equal(vrng_fill((uint8_t[8]){0}, 8), 0);
}

static void test_probe_modern_without_version_1(void **state)
{
	(void)state;
	fake_reset(true);
	fk.offered = VIRTIO_F_EVENT_IDX;
	assert_probe_fails(-ENOTSUP);
}

static void test_probe_features_refused(void **state)
{
	(void)state;
	fake_reset(true);
	fk.refuse_features_ok = true;
	assert_probe_fails(-ENOTSUP);
}

static void test_probe_no_queue(void **state)
{
	(void)state;
	fake_reset(true);
	fk.qmax = 0;
	assert_probe_fails(-ENODEV);
}

static void test_probe_queue_setup_fails(void **state)
{
	(void)state;
	fake_reset(true);
	fk.fail_setup_queue = true;
	assert_probe_fails(-EINVAL);
	/* The device was reset while the ring still existed, then it was freed. */
	assert_int_equal(fk.resets_with_ring, 1);
}

/* --- taking bytes ---------------------------------------------------------- */

static void test_fill_takes_each_byte_once(void **state)
{
	uint8_t a[40], b[24];
	struct vrng *vr;

	(void)state;
	vr = probe_up(true);
	dev_answer(VRNG_POOL);
	assert_int_equal(vrng_fill(a, sizeof(a)), sizeof(a));
	assert_pattern(a, sizeof(a), 0x40, 0);
	/* What was taken is wiped from the pool; the pool is not yet back. */
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(vr->pool[i], 0);
	assert_int_equal(dev_pending(), 0);
	assert_int_equal(vrng_fill(b, sizeof(b)), sizeof(b));
	assert_pattern(b, sizeof(b), 0x40, sizeof(a));
	/* Emptied: straight back to the device, with a doorbell. */
	assert_int_equal(dev_pending(), 1);
	assert_int_equal(fk.notifies, 2);
	assert_int_equal(vr->taken, VRNG_POOL);
	assert_int_equal(vr->bytes, VRNG_POOL);
	assert_int_equal(vr->timeouts, 0);
	assert_int_equal(fk.now_ns, 1000000000u); /* no waiting when bytes were there */
}

/* A request larger than the pool spans two answers. */
static void test_fill_spans_buffers(void **state)
{
	uint8_t buf[100];

	(void)state;
	probe_up(false);
	dev_answer(VRNG_POOL);
	fk.seed = 0x80;
	fk.answer_at_ns = fk.now_ns + 100000; /* 100 us after asking */
	fk.answer_len = VRNG_POOL;
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_pattern(buf, VRNG_POOL, 0x40, 0);
	assert_pattern(buf + VRNG_POOL, sizeof(buf) - VRNG_POOL, 0x80, 0);
	assert_int_equal(vrng_dev.fills, 2);
}

/* §5.4.6.2: the device may write less than the buffer; only what it wrote
 * is taken (§5.4.6.1), and the rest comes from its next answer. */
static void test_fill_short_buffer(void **state)
{
	uint8_t buf[40];

	(void)state;
	probe_up(true);
	dev_answer(10);
	fk.seed = 0x10;
	fk.answer_at_ns = fk.now_ns + 1000000; /* 1 ms */
	fk.answer_len = 30;
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_pattern(buf, 10, 0x40, 0);
	assert_pattern(buf + 10, 30, 0x10, 0);
	assert_int_equal(vrng_dev.bytes, 40);
	assert_int_equal(vrng_dev.timeouts, 0);
	/* Emptied again: back to the device. */
	assert_int_equal(dev_pending(), 1);
}

/* A device that never answers costs one bounded wait, then fill returns
 * short; the one buffer stays lent, not posted again and again. */
static void test_fill_device_never_answers(void **state)
{
	uint8_t buf[40];
	uint64_t t0;

	(void)state;
	probe_up(true);
	t0 = fk.now_ns;
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 0);
	assert_true(fk.now_ns - t0 >= (uint64_t)VRNG_WAIT_US * 1000u);
	assert_true(fk.now_ns - t0 <= (uint64_t)(VRNG_WAIT_US + VRNG_STEP_US) * 1000u);
	assert_int_equal(vrng_dev.timeouts, 1);
	assert_int_equal(vq_in_flight(&vrng_dev.vq), 1);
	assert_int_equal(dev_pending(), 1);
	assert_int_equal(fk.notifies, 1);
	/* Still nothing: again bounded, again short. */
	t0 = fk.now_ns;
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 0);
	assert_true(fk.now_ns - t0 <= (uint64_t)(VRNG_WAIT_US + VRNG_STEP_US) * 1000u);
	assert_int_equal(vrng_dev.timeouts, 2);
	assert_int_equal(vq_in_flight(&vrng_dev.vq), 1);
}

/* Bytes that came, then a device gone quiet: what there was, then short. */
static void test_fill_partial_then_timeout(void **state)
{
	uint8_t buf[40];

	(void)state;
	probe_up(true);
	dev_answer(16);
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 16);
	assert_pattern(buf, 16, 0x40, 0);
	assert_int_equal(vrng_dev.timeouts, 1);
	/* It answers later: the next fill has its bytes at once. */
	fk.seed = 0x22;
	dev_answer(VRNG_POOL);
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_pattern(buf, sizeof(buf), 0x22, 0);
}

/* A device answering within the wait is waited for; no timeout. */
static void test_fill_slow_device(void **state)
{
	uint8_t buf[40];

	(void)state;
	probe_up(true);
	fk.answer_at_ns = fk.now_ns + 3000000; /* 3 ms, within the 5 ms */
	fk.answer_len = VRNG_POOL;
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_pattern(buf, sizeof(buf), 0x40, 0);
	assert_int_equal(vrng_dev.timeouts, 0);
}

/* --- used entries the ring refuses ------------------------------------------ */

static void test_used_bad_id(void **state)
{
	uint8_t buf[8];

	(void)state;
	probe_up(true);
	dev_use(5, VRNG_POOL); /* no chain at 5 */
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 0);
	assert_int_equal(vrng_dev.bad_used, 1);
	/* The pool is still the device's; its real answer is taken. */
	assert_true(vrng_dev.posted);
	dev_answer(VRNG_POOL);
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
}

static void test_used_too_long(void **state)
{
	uint8_t buf[8];
	uint16_t head;

	(void)state;
	probe_up(true);
	head = dev_take();
	dev_use(head, VRNG_POOL + 1);
	fk.answer_at_ns = fk.now_ns + 100000;
	fk.answer_len = VRNG_POOL;
	/* Refused, posted again, and the second answer is used. */
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(vrng_dev.bad_used, 1);
	assert_int_equal(vrng_dev.bytes, VRNG_POOL);
	assert_int_equal(vq_in_flight(&vrng_dev.vq), 0);
}

static void test_used_empty(void **state)
{
	uint8_t buf[8];

	(void)state;
	probe_up(true);
	dev_answer(0);
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 0);
	assert_int_equal(vrng_dev.empty, 1);
	assert_int_equal(fk.notifies, 2); /* asked again */
	assert_int_equal(dev_pending(), 1);
}

/* A device publishing a flood of stale entries cannot keep reap looping. */
static void test_used_flood_is_bounded(void **state)
{
	uint8_t buf[8];

	(void)state;
	probe_up(true);
	fk.vq->used->idx = 60000; /* 60000 entries, none naming a chain in flight */
	for (uint16_t i = 0; i < fk.vq->size; i++)
		fk.vq->used->ring[i] = (struct vq_used_elem){.id = 7, .len = 1};
	assert_int_equal(vrng_fill(buf, sizeof(buf)), 0);
	assert_true(vrng_dev.bad_used >= VRNG_REAP_MAX);
	assert_true(vrng_dev.posted);
}

static void test_isr_acknowledged(void **state)
{
	uint8_t buf[8];

	(void)state;
	probe_up(true);
	fk.isr = VIRTIO_ISR_QUEUE;
	dev_answer(VRNG_POOL);
	assert_int_equal(vrng_fill(buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fk.isr, 0);
	assert_int_equal(vrng_dev.irqs, 1);
}

/* --- the poller and random.c ------------------------------------------------ */

static void test_poller_registers_once_bytes_come(void **state)
{
	(void)state;
	fake_reset(true);
	assert_string_equal(random_sources(), "TSC jitter");
	vrng_poll(); /* first pass: finds 00:04.0 among the functions */
	assert_true(vrng_dev.up);
	assert_ptr_equal(vrng_dev.vpci.pci, &fake_pcis[2]);
	vrng_poll(); /* no bytes yet: not a source yet */
	assert_int_equal(random_nextra, 0);
	assert_int_equal(a4.seeds, 0);
	dev_answer(VRNG_POOL);
	vrng_poll();
	assert_int_equal(random_nextra, 1);
	assert_ptr_equal(random_extra[0].src, &vrng_source);
	assert_true(vrng_dev.registered);
	/* Registering reseeded arc4random at once, spending what was left of
	 * its counter, and the seed drew 40 bytes from the pool. */
	assert_int_equal(a4.seeds, 1);
	assert_true(a4.spent >= 1536 * 1024 - RANDOM_DRAIN && a4.spent <= 1536 * 1024);
	assert_int_equal(vrng_dev.taken, 40);
	assert_int_equal(vrng_dev.have - vrng_dev.off, VRNG_POOL - 40);
	assert_string_equal(random_sources(), "virtio-rng, TSC jitter");
	/* Later passes register nothing more. */
	vrng_poll();
	assert_int_equal(random_nextra, 1);
	assert_int_equal(a4.seeds, 1);
	assert_int_equal(fk.resets, 1); /* probed once */
}

/* A later seed takes what the pool holds, then waits for the device: one
 * that answers in time gives the rest; one gone quiet makes the seed come
 * from the other sources, said on the console, and is still named as
 * having fed (it gave some). */
static void test_reseed_after_device_goes_quiet(void **state)
{
	uint8_t seed[40];

	(void)state;
	fake_reset(true);
	vrng_poll();
	dev_answer(VRNG_POOL);
	vrng_poll();
	assert_int_equal(a4.seeds, 1);
	fk.seed = 0x33;
	fk.answer_at_ns = fk.now_ns + 500000;
	fk.answer_len = VRNG_POOL;
	assert_int_equal(getentropy(seed, sizeof(seed)), 0);
	assert_int_equal(vrng_dev.timeouts, 0);
	assert_int_equal(vrng_dev.taken, 80);
	/* Now nothing comes: the 8 bytes left after the next seed, then
	 * the bounded wait. */
	assert_int_equal(getentropy(seed, sizeof(seed)), 0);
	assert_int_equal(vrng_dev.timeouts, 0);
	assert_int_equal(vrng_dev.have - vrng_dev.off, 8);
	uint64_t t0 = fk.now_ns;

	assert_int_equal(getentropy(seed, sizeof(seed)), 0);
	assert_int_equal(vrng_dev.timeouts, 1);
	assert_true(fk.now_ns - t0 <= (uint64_t)(VRNG_WAIT_US + VRNG_STEP_US) * 1000u);
	assert_string_equal(random_sources(), "virtio-rng, TSC jitter");
}

/* The device's bytes are mixed in, never used as the seed: the same bytes
 * twice give two different seeds, neither of them the bytes. */
static void test_getentropy_mixes_device_bytes(void **state)
{
	uint8_t a[40], b[40], dev[40];

	(void)state;
	fake_reset(true);
	vrng_poll();
	dev_answer(VRNG_POOL);
	vrng_poll();
	for (size_t i = 0; i < sizeof(dev); i++)
		dev[i] = dev_byte(0x40, i);
	dev_refill();
	assert_int_equal(getentropy(a, sizeof(a)), 0);
	dev_refill();
	assert_int_equal(getentropy(b, sizeof(b)), 0);
	assert_int_equal(vrng_dev.timeouts, 0); /* both seeds had all 40 bytes */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, dev, sizeof(a));
	assert_memory_not_equal(b, dev, sizeof(b));
	assert_int_equal(getentropy(a, RANDOM_MAX + 1), -1);
}

/* A registered source that never gives a byte is never named. */
static size_t source_none(void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 0;
}

static size_t source_short(void *buf, size_t len)
{
	memset(buf, 0x5a, len / 2);
	return len / 2;
}

static size_t source_greedy(void *buf, size_t len)
{
	memset(buf, 0x11, len);
	return len + 100; /* claims more than asked: only (len) is taken */
}

static void test_sources_named_only_when_fed(void **state)
{
	static const struct random_source none = {"none", source_none};
	static const struct random_source half = {"half", source_short};
	static const struct random_source greedy = {"greedy", source_greedy};
	static const struct random_source extra = {"extra", source_none};
	static const struct random_source more = {"more", source_none};

	(void)state;
	fake_reset(true);
	assert_int_equal(random_add_source(&none), 0);
	assert_int_equal(a4.seeds, 1);
	assert_string_equal(random_sources(), "TSC jitter");
	assert_int_equal(random_add_source(&none), -EEXIST);
	assert_int_equal(random_add_source(&half), 0);
	assert_int_equal(random_add_source(&greedy), 0);
	assert_int_equal(a4.seeds, 3);
	assert_string_equal(random_sources(), "half, greedy, TSC jitter");
	assert_int_equal(random_add_source(&extra), 0);
	assert_int_equal(random_add_source(&more), -ENOSPC);
	assert_int_equal(random_nextra, RANDOM_SOURCES_MAX);
}

/* A generator that does not reseed within the bound: random_add_source()
 * gives up after RANDOM_REKEY_MAX bytes and says so; the source stays. */
static void test_reseed_bounded(void **state)
{
	static const struct random_source half = {"half", source_short};

	(void)state;
	fake_reset(true);
	a4.rekey_left = (size_t)-1;
	assert_int_equal(random_add_source(&half), -EAGAIN);
	assert_int_equal(a4.seeds, 0);
	assert_true(a4.spent <= RANDOM_REKEY_MAX + RANDOM_DRAIN);
	assert_int_equal(random_nextra, 1);
	assert_string_equal(random_sources(), "TSC jitter");
}

static void test_poller_without_device(void **state)
{
	(void)state;
	fake_reset(true);
	fake_npcis = 2;
	vrng_poll();
	vrng_poll();
	assert_false(vrng_dev.up);
	assert_int_equal(fk.resets, 0);
	assert_int_equal(random_nextra, 0);
}

static void test_poller_first_device_only(void **state)
{
	(void)state;
	fake_reset(false);
	fake_pcis[1].device = 0x1005; /* two entropy devices: the first is taken */
	vrng_poll();
	assert_ptr_equal(vrng_dev.vpci.pci, &fake_pcis[1]);
	assert_int_equal(fk.resets, 1);
}

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

static void test_show(void **state)
{
	struct cli_out out = {sink, NULL};
	char line[] = "show rng";

	(void)state;
	fake_reset(true);
	shown.used = 0;
	assert_int_equal(cli_execute(line, &out), 0);
	assert_string_equal(shown.text, "no virtio-rng device\n");
	vrng_poll();
	dev_answer(VRNG_POOL);
	vrng_poll();
	shown.used = 0;
	strcpy(line, "show rng");
	assert_int_equal(cli_execute(line, &out), 0);
	assert_non_null(strstr(shown.text, "virtio-rng 00:04.0: modern interface, requestq size "
					   "8, feeding the generator"));
	assert_non_null(strstr(shown.text, "delivered 64 bytes in 1 buffers, 40 taken, 24 in the "
					   "pool; timeouts 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_probe_modern, teardown),
		cmocka_unit_test_teardown(test_probe_modern_small_queue, teardown),
		cmocka_unit_test_teardown(test_probe_legacy, teardown),
		cmocka_unit_test_teardown(test_probe_modern_without_version_1, teardown),
		cmocka_unit_test_teardown(test_probe_features_refused, teardown),
		cmocka_unit_test_teardown(test_probe_no_queue, teardown),
		cmocka_unit_test_teardown(test_probe_queue_setup_fails, teardown),
		cmocka_unit_test_teardown(test_fill_takes_each_byte_once, teardown),
		cmocka_unit_test_teardown(test_fill_spans_buffers, teardown),
		cmocka_unit_test_teardown(test_fill_short_buffer, teardown),
		cmocka_unit_test_teardown(test_fill_device_never_answers, teardown),
		cmocka_unit_test_teardown(test_fill_partial_then_timeout, teardown),
		cmocka_unit_test_teardown(test_fill_slow_device, teardown),
		cmocka_unit_test_teardown(test_used_bad_id, teardown),
		cmocka_unit_test_teardown(test_used_too_long, teardown),
		cmocka_unit_test_teardown(test_used_empty, teardown),
		cmocka_unit_test_teardown(test_used_flood_is_bounded, teardown),
		cmocka_unit_test_teardown(test_isr_acknowledged, teardown),
		cmocka_unit_test_teardown(test_poller_registers_once_bytes_come, teardown),
		cmocka_unit_test_teardown(test_reseed_after_device_goes_quiet, teardown),
		cmocka_unit_test_teardown(test_getentropy_mixes_device_bytes, teardown),
		cmocka_unit_test_teardown(test_sources_named_only_when_fed, teardown),
		cmocka_unit_test_teardown(test_reseed_bounded, teardown),
		cmocka_unit_test_teardown(test_poller_without_device, teardown),
		cmocka_unit_test_teardown(test_poller_first_device_only, teardown),
		cmocka_unit_test_teardown(test_show, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
