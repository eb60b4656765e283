/*
 * Unit tests for drivers/virtqueue.c: ring layout, adding chains, taking
 * used entries, the free list, free-running indices across 65535, a device
 * that lies about ids and lengths, a full queue, and the doorbell and
 * interrupt suppression decisions. The test plays the device by reading
 * the available ring and writing the used ring directly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtqueue.h"

struct vqt {
	struct virtqueue vq;
	void *ring, *state;
	uint16_t dev_avail; /* next available entry the device will take */
};

static struct vqt *vqt_new(uint16_t size, bool event_idx)
{
	struct vqt *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->ring = aligned_alloc(VQ_ALIGN, vq_ring_bytes(size));
	t->state = malloc(vq_state_bytes(size));
	assert_non_null(t->ring);
	assert_non_null(t->state);
	assert_int_equal(vq_init(&t->vq, size, t->ring, t->state, event_idx), 0);
	return t;
}

static void vqt_free(struct vqt *t)
{
	free(t->ring);
	free(t->state);
	free(t);
}

/* The device takes the next available head; the test checks one is there. */
static uint16_t dev_take(struct vqt *t)
{
	struct virtqueue *vq = &t->vq;

	assert_int_not_equal(vq->avail->idx, t->dev_avail);
	return vq->avail->ring[t->dev_avail++ & (vq->size - 1)];
}

/* The device returns (id) having written (len) bytes. */
static void dev_use(struct vqt *t, uint32_t id, uint32_t len)
{
	struct virtqueue *vq = &t->vq;
	struct vq_used_elem *e = &vq->used->ring[vq->used->idx & (vq->size - 1)];

	e->id = id;
	e->len = len;
	vq->used->idx++;
}

static uint16_t *used_event(struct virtqueue *vq)
{
	return &vq->avail->ring[vq->size];
}

static uint16_t *avail_event(struct virtqueue *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

static int add_in(struct vqt *t, void *buf, uint32_t len, void *token)
{
	struct vq_seg s = {buf, len};

	return vq_add(&t->vq, &s, 0, 1, token);
}

static void test_layout(void **state)
{
	uint8_t ring[3 * VQ_ALIGN] __attribute__((aligned(VQ_ALIGN)));
	uint64_t st[64];
	struct virtqueue vq;

	(void)state;
	/* §2.7.2: 4096 + 6 + 2 * 256 rounds to 8192, then 6 + 8 * 256. */
	assert_int_equal(vq_ring_bytes(256), 8192 + 4096);
	assert_int_equal(vq_ring_bytes(1), VQ_ALIGN * 2);
	assert_int_equal(vq_state_bytes(4), 4 * (sizeof(struct vq_chain) + 2));
	assert_int_equal(vq_init(&vq, 0, ring, st, false), -EINVAL);
	assert_int_equal(vq_init(&vq, 3, ring, st, false), -EINVAL);
	assert_int_equal(vq_init(&vq, 24, ring, st, false), -EINVAL);
	assert_int_equal(vq_init(&vq, 16, ring, st, false), 0);
	assert_ptr_equal(vq.desc, ring);
	assert_ptr_equal(vq.avail, ring + 16 * 16);
	assert_ptr_equal(vq.used, ring + VQ_ALIGN);
	assert_int_equal(vq_desc_addr(&vq), (uintptr_t)ring);
	assert_int_equal(vq_avail_addr(&vq), (uintptr_t)ring + 256);
	assert_int_equal(vq_used_addr(&vq), (uintptr_t)ring + VQ_ALIGN);
	assert_int_equal(vq.num_free, 16);
	assert_int_equal(vq_in_flight(&vq), 0);
}

static void test_size_limits(void **state)
{
	struct vqt *t = vqt_new(VQ_SIZE_MAX, false);
	uint8_t buf[4];

	(void)state;
	assert_int_equal(add_in(t, buf, 4, buf), 0);
	assert_int_equal(dev_take(t), 0);
	vqt_free(t);
	t = vqt_new(1, false);
	assert_int_equal(add_in(t, buf, 4, buf), 0);
	assert_int_equal(add_in(t, buf, 4, buf), -ENOSPC);
	vqt_free(t);
}

static void test_add_and_get(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t buf[100];
	void *token = NULL;
	uint32_t len = 0;
	uint16_t head;

	(void)state;
	assert_int_equal(vq_get_used(vq, &token, &len), 0);
	assert_false(vq_has_used(vq));
	assert_int_equal(add_in(t, buf, sizeof(buf), buf), 0);
	/* Published at once: the device can see it before any doorbell. */
	assert_int_equal(vq->avail->idx, 1);
	head = dev_take(t);
	assert_true(head < 8);
	assert_int_equal(vq->desc[head].addr, (uintptr_t)buf);
	assert_int_equal(vq->desc[head].len, sizeof(buf));
	assert_int_equal(vq->desc[head].flags, VRING_DESC_F_WRITE);
	assert_int_equal(vq->num_free, 7);
	assert_int_equal(vq_in_flight(vq), 1);

	dev_use(t, head, 60);
	assert_true(vq_has_used(vq));
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_ptr_equal(token, buf);
	assert_int_equal(len, 60);
	assert_int_equal(vq->num_free, 8);
	assert_int_equal(vq_in_flight(vq), 0);
	assert_int_equal(vq_get_used(vq, &token, &len), 0);
	vqt_free(t);
}

static void test_chain_flags_and_links(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t a[10], b[20], c[30];
	struct vq_seg seg[3] = {{a, 10}, {b, 20}, {c, 30}};
	void *token;
	uint32_t len;
	uint16_t head, second, third;

	(void)state;
	assert_int_equal(vq_add(vq, seg, 2, 1, a), 0);
	head = dev_take(t);
	assert_int_equal(vq->desc[head].flags, VRING_DESC_F_NEXT);
	second = vq->desc[head].next;
	assert_int_equal(vq->desc[second].addr, (uintptr_t)b);
	assert_int_equal(vq->desc[second].flags, VRING_DESC_F_NEXT);
	third = vq->desc[second].next;
	assert_int_equal(vq->desc[third].addr, (uintptr_t)c);
	assert_int_equal(vq->desc[third].flags, VRING_DESC_F_WRITE);
	assert_int_equal(vq->num_free, 5);
	/* Only the writable 30 bytes count: 31 is a lie, 30 is not. */
	dev_use(t, head, 31);
	assert_int_equal(vq_get_used(vq, &token, &len), -EMSGSIZE);
	assert_ptr_equal(token, a); /* returned so the caller can reuse it */
	assert_int_equal(len, 0);
	assert_int_equal(vq->stats.bad_len, 1);
	assert_int_equal(vq->num_free, 8); /* the whole chain came back */

	assert_int_equal(vq_add(vq, seg, 2, 1, b), 0);
	dev_use(t, dev_take(t), 30);
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_ptr_equal(token, b);
	assert_int_equal(len, 30);
	vqt_free(t);
}

static void test_readonly_chain_length_ignored(void **state)
{
	struct vqt *t = vqt_new(4, false);
	uint8_t frame[64];
	struct vq_seg s = {frame, sizeof(frame)};
	void *token;
	uint32_t len;

	(void)state;
	assert_int_equal(vq_add(&t->vq, &s, 1, 0, frame), 0);
	/* A legacy device reporting the transmit size is not an error. */
	dev_use(t, dev_take(t), sizeof(frame));
	assert_int_equal(vq_get_used(&t->vq, &token, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(t->vq.stats.bad_len, 0);
	vqt_free(t);
}

static void test_invalid_chain(void **state)
{
	struct vqt *t = vqt_new(4, false);
	uint8_t b[4];
	struct vq_seg s = {b, 4};

	(void)state;
	assert_int_equal(vq_add(&t->vq, &s, 0, 0, b), -EINVAL);
	assert_int_equal(vq_add(&t->vq, &s, -1, 2, b), -EINVAL);
	assert_int_equal(t->vq.avail->idx, 0);
	assert_int_equal(t->vq.num_free, 4);
	vqt_free(t);
}

static void test_queue_full(void **state)
{
	struct vqt *t = vqt_new(4, false);
	struct virtqueue *vq = &t->vq;
	uint8_t b[4][8];
	struct vq_seg pair[2] = {{b[0], 8}, {b[1], 8}};
	void *token;
	uint32_t len;

	(void)state;
	assert_int_equal(add_in(t, b[0], 8, b[0]), 0);
	assert_int_equal(add_in(t, b[1], 8, b[1]), 0);
	assert_int_equal(add_in(t, b[2], 8, b[2]), 0);
	/* One descriptor left: a two-descriptor chain does not fit. */
	assert_int_equal(vq_add(vq, pair, 0, 2, b[3]), -ENOSPC);
	assert_int_equal(vq->avail->idx, 3);
	assert_int_equal(add_in(t, b[3], 8, b[3]), 0);
	assert_int_equal(add_in(t, b[3], 8, b[3]), -ENOSPC);
	assert_int_equal(vq->num_free, 0);
	assert_int_equal(vq_in_flight(vq), 4);
	dev_use(t, dev_take(t), 8);
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_int_equal(add_in(t, b[0], 8, b[0]), 0);
	vqt_free(t);
}

/* Out-of-order completion with mixed chain lengths: the free list must
 * hand every descriptor out exactly once. */
static void test_free_list_out_of_order(void **state)
{
	struct vqt *t = vqt_new(16, false);
	struct virtqueue *vq = &t->vq;
	uint8_t bufs[16][4];
	uint16_t heads[8];
	int n = 0;

	(void)state;
	for (int round = 0; round < 50; round++) {
		uint8_t used[16] = {0};
		void *token;
		uint32_t len;

		n = 0;
		/* Chains of 1, 2 and 3 descriptors until the ring is full. */
		for (;;) {
			int k = 1 + (n + round) % 3;
			struct vq_seg s[3];

			for (int j = 0; j < k; j++)
				s[j] = (struct vq_seg){bufs[n], 4};
			if (vq_add(vq, s, 0, k, bufs[n]) == -ENOSPC)
				break;
			heads[n++] = dev_take(t);
		}
		assert_true(vq->num_free < 3);
		/* Every descriptor in every chain is distinct. */
		for (int i = 0; i < n; i++) {
			uint16_t d = heads[i];

			for (;;) {
				assert_true(d < 16);
				assert_int_equal(used[d], 0);
				used[d] = 1;
				if (!(vq->desc[d].flags & VRING_DESC_F_NEXT))
					break;
				d = vq->desc[d].next;
			}
		}
		/* Complete in reverse, odd ones first. */
		for (int i = n - 1; i >= 0; i -= 2)
			dev_use(t, heads[i], 4);
		for (int i = n - 2; i >= 0; i -= 2)
			dev_use(t, heads[i], 4);
		for (int i = 0; i < n; i++)
			assert_int_equal(vq_get_used(vq, &token, &len), 1);
		assert_int_equal(vq->num_free, 16);
		assert_int_equal(vq_in_flight(vq), 0);
	}
	vqt_free(t);
}

static void test_used_id_out_of_range(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t buf[16];
	void *token = NULL;
	uint32_t len;
	uint16_t head;

	(void)state;
	assert_int_equal(add_in(t, buf, 16, buf), 0);
	head = dev_take(t);
	dev_use(t, 8, 4);
	dev_use(t, 0xffffffffu, 4);
	dev_use(t, 0x10000u + head, 4); /* would alias head if truncated */
	dev_use(t, head, 4);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq->stats.bad_id, 3);
	assert_int_equal(vq->num_free, 7); /* nothing freed by the bad ones */
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_ptr_equal(token, buf);
	assert_int_equal(vq->num_free, 8);
	vqt_free(t);
}

static void test_used_id_not_in_flight(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t a[8], b[8];
	struct vq_seg s[2] = {{a, 8}, {b, 8}};
	void *token;
	uint32_t len;
	uint16_t head;

	(void)state;
	assert_int_equal(vq_add(vq, s, 0, 2, a), 0);
	head = dev_take(t);
	/* Never handed out; the second descriptor of a chain; then the
	 * real head twice. */
	dev_use(t, (head + 5) % 8, 1);
	dev_use(t, vq->desc[head].next, 1);
	dev_use(t, head, 16);
	dev_use(t, head, 16);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_int_equal(len, 16);
	assert_int_equal(vq_get_used(vq, &token, &len), -EIO);
	assert_int_equal(vq->stats.bad_id, 3);
	assert_int_equal(vq->num_free, 8);
	assert_int_equal(vq_in_flight(vq), 0);
	vqt_free(t);
}

/* A device that moves used->idx far ahead: every stale entry is refused,
 * none is indexed out of bounds (ASan watches), and the walk ends. */
static void test_used_idx_runaway(void **state)
{
	struct vqt *t = vqt_new(4, false);
	struct virtqueue *vq = &t->vq;
	uint8_t buf[8];
	void *token;
	uint32_t len;
	int r, refused = 0, good = 0;

	(void)state;
	assert_int_equal(add_in(t, buf, 8, buf), 0);
	dev_use(t, dev_take(t), 8);
	vq->used->idx += 1000;
	while ((r = vq_get_used(vq, &token, &len)) != 0) {
		if (r == 1)
			good++;
		else
			refused++;
	}
	assert_int_equal(good, 1);
	assert_int_equal(refused, 1000);
	assert_int_equal(vq->num_free, 4);
	vqt_free(t);
}

static void run_wrap(struct vqt *t, int iterations)
{
	struct virtqueue *vq = &t->vq;
	uint8_t bufs[3][32];

	for (int it = 0; it < iterations; it++) {
		uint16_t heads[3];
		void *token;
		uint32_t len;

		for (int i = 0; i < 3; i++) {
			assert_int_equal(add_in(t, bufs[i], 32, bufs[i]), 0);
			heads[i] = dev_take(t);
		}
		for (int i = 0; i < 3; i++)
			dev_use(t, heads[i], (uint32_t)(i + 1));
		for (int i = 0; i < 3; i++) {
			assert_int_equal(vq_get_used(vq, &token, &len), 1);
			assert_ptr_equal(token, bufs[i]);
			assert_int_equal(len, i + 1);
		}
		assert_int_equal(vq_get_used(vq, &token, &len), 0);
	}
}

static void test_wrap_from_zero(void **state)
{
	struct vqt *t = vqt_new(8, false);

	(void)state;
	run_wrap(t, 22000); /* 66000 entries: idx passes 65535 */
	assert_int_equal(t->vq.avail->idx, (uint16_t)66000);
	assert_int_equal(t->vq.last_used, (uint16_t)66000);
	assert_int_equal(t->vq.num_free, 8);
	vqt_free(t);
}

static void test_wrap_near_limit(void **state)
{
	struct vqt *t = vqt_new(4, false);
	struct virtqueue *vq = &t->vq;

	(void)state;
	/* Both sides agree to start just below the wrap. */
	vq->avail_idx = vq->kick_idx = vq->last_used = 65533;
	vq->avail->idx = vq->used->idx = t->dev_avail = 65533;
	run_wrap(t, 3);
	assert_int_equal(vq->avail->idx, 6);
	assert_int_equal(vq->last_used, 6);
	vqt_free(t);
}

static void test_need_event(void **state)
{
	(void)state;
	/* Crossed when event is in [old, new). */
	assert_true(vq_need_event(10, 13, 10));
	assert_true(vq_need_event(12, 13, 10));
	assert_false(vq_need_event(13, 13, 10));
	assert_false(vq_need_event(9, 13, 10));
	assert_false(vq_need_event(10, 10, 10));
	/* Across the wrap. */
	assert_true(vq_need_event(65535, 2, 65534));
	assert_true(vq_need_event(0, 2, 65534));
	assert_false(vq_need_event(2, 2, 65534));
	assert_false(vq_need_event(65533, 2, 65534));
}

static void test_kick_no_notify_flag(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t b[8];

	(void)state;
	assert_false(vq_kick_prepare(vq)); /* nothing added */
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_true(vq_kick_prepare(vq)); /* one doorbell for two */
	assert_false(vq_kick_prepare(vq));
	vq->used->flags = VRING_USED_F_NO_NOTIFY;
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_false(vq_kick_prepare(vq));
	vq->used->flags = 0;
	assert_false(vq_kick_prepare(vq)); /* already decided for that one */
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_true(vq_kick_prepare(vq));
	vqt_free(t);
}

static void test_kick_event_idx(void **state)
{
	struct vqt *t = vqt_new(8, true);
	struct virtqueue *vq = &t->vq;
	uint8_t b[8];

	(void)state;
	/* The device wants a doorbell when entry 0 becomes available. */
	*avail_event(vq) = 0;
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_true(vq_kick_prepare(vq));
	/* It is busy and will look again at entry 4; 2..3 need nothing. */
	*avail_event(vq) = 4;
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_false(vq_kick_prepare(vq));
	/* The flag is ignored when EVENT_IDX is on. */
	vq->used->flags = VRING_USED_F_NO_NOTIFY;
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_true(vq_kick_prepare(vq)); /* 4 became available */
	vqt_free(t);
}

static void test_interrupt_flag(void **state)
{
	struct vqt *t = vqt_new(8, false);
	struct virtqueue *vq = &t->vq;
	uint8_t b[8];
	void *token;
	uint32_t len;

	(void)state;
	assert_false(vq_set_interrupts(vq, false));
	assert_int_equal(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(add_in(t, b, 8, b), 0);
	dev_use(t, dev_take(t), 8);
	/* Turning them back on reports what was used meanwhile. */
	assert_true(vq_set_interrupts(vq, true));
	assert_int_equal(vq->avail->flags, 0);
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_false(vq_set_interrupts(vq, true));
	vqt_free(t);
}

static void test_interrupt_event_idx(void **state)
{
	struct vqt *t = vqt_new(8, true);
	struct virtqueue *vq = &t->vq;
	uint8_t b[8];
	void *token;
	uint32_t len;

	(void)state;
	assert_int_equal(add_in(t, b, 8, b), 0);
	assert_int_equal(add_in(t, b, 8, b), 0);
	dev_use(t, dev_take(t), 8);
	/* Each entry taken asks for an interrupt at the next one. */
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_int_equal(*used_event(vq), 1);
	assert_int_equal(vq->avail->flags, 0);
	/* Off: flags stay 0 (§2.7.7), the event index falls behind. */
	assert_false(vq_set_interrupts(vq, false));
	assert_int_equal(vq->avail->flags, 0);
	assert_int_equal(*used_event(vq), 0);
	dev_use(t, dev_take(t), 8);
	assert_false(vq_need_event(*used_event(vq), vq->used->idx, 1));
	assert_int_equal(vq_get_used(vq, &token, &len), 1);
	assert_int_equal(*used_event(vq), 0); /* not moved while off */
	assert_false(vq_set_interrupts(vq, true));
	assert_int_equal(*used_event(vq), 2);
	vqt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_add_and_get),
		cmocka_unit_test(test_chain_flags_and_links),
		cmocka_unit_test(test_readonly_chain_length_ignored),
		cmocka_unit_test(test_invalid_chain),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_free_list_out_of_order),
		cmocka_unit_test(test_used_id_out_of_range),
		cmocka_unit_test(test_used_id_not_in_flight),
		cmocka_unit_test(test_used_idx_runaway),
		cmocka_unit_test(test_wrap_from_zero),
		cmocka_unit_test(test_wrap_near_limit),
		cmocka_unit_test(test_need_event),
		cmocka_unit_test(test_kick_no_notify_flag),
		cmocka_unit_test(test_kick_event_idx),
		cmocka_unit_test(test_interrupt_flag),
		cmocka_unit_test(test_interrupt_event_idx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
