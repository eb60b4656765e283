/*
 * Split virtqueue ring arithmetic (virtio 1.2 §2.7). Indices are
 * free-running 16-bit counters, reduced modulo the power-of-two size only
 * when a ring slot is addressed. Every field the device writes is read
 * once, through a volatile access, into a local that is then checked; the
 * rings are little endian and so is x86, so no byte swapping is needed.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtqueue.h"

static uint16_t vq_read16(const uint16_t *p)
{
	return *(const volatile uint16_t *)p;
}

static uint32_t vq_read32(const uint32_t *p)
{
	return *(const volatile uint32_t *)p;
}

static void vq_write16(uint16_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

/* The event fields trail the rings (§2.7.6, §2.7.8). */
static uint16_t *vq_used_event(const struct virtqueue *vq)
{
	return &vq->avail->ring[vq->size];
}

static uint16_t *vq_avail_event(const struct virtqueue *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

static size_t vq_round(size_t n)
{
	return (n + VQ_ALIGN - 1) & ~(size_t)(VQ_ALIGN - 1);
}

/* §2.7.2: descriptors and the available ring, then the used ring aligned. */
static size_t vq_used_offset(uint16_t size)
{
	return vq_round(sizeof(struct vq_desc) * size + sizeof(uint16_t) * (3 + (size_t)size));
}

size_t vq_ring_bytes(uint16_t size)
{
	return vq_used_offset(size) +
	       vq_round(sizeof(uint16_t) * 3 + sizeof(struct vq_used_elem) * (size_t)size);
}

size_t vq_state_bytes(uint16_t size)
{
	return (sizeof(struct vq_chain) + sizeof(uint16_t)) * (size_t)size;
}

int vq_init(struct virtqueue *vq, uint16_t size, void *ring, void *state, bool event_idx)
{
	if (size == 0 || size > VQ_SIZE_MAX || (size & (size - 1)) != 0)
		return -EINVAL;
	memset(vq, 0, sizeof(*vq));
	memset(ring, 0, vq_ring_bytes(size));
	memset(state, 0, vq_state_bytes(size));
	vq->size = size;
	vq->event_idx = event_idx;
	vq->desc = ring;
	vq->avail = (struct vq_avail *)((uint8_t *)ring + sizeof(struct vq_desc) * size);
	vq->used = (struct vq_used *)((uint8_t *)ring + vq_used_offset(size));
	vq->chain = state;
	vq->next = (uint16_t *)(vq->chain + size);
	/* Every descriptor starts on the free list, in order. */
	for (uint16_t i = 0; i + 1 < size; i++)
		vq->next[i] = i + 1;
	vq->free_head = 0;
	vq->num_free = size;
	return 0;
}

uint64_t vq_desc_addr(const struct virtqueue *vq)
{
	return (uint64_t)(uintptr_t)vq->desc;
}

uint64_t vq_avail_addr(const struct virtqueue *vq)
{
	return (uint64_t)(uintptr_t)vq->avail;
}

uint64_t vq_used_addr(const struct virtqueue *vq)
{
	return (uint64_t)(uintptr_t)vq->used;
}

int vq_add(struct virtqueue *vq, const struct vq_seg *seg, int nout, int nin, void *token)
{
	int n = nout + nin;
	uint16_t head = vq->free_head, i = head;
	uint64_t in_len = 0;

	if (nout < 0 || nin < 0 || n == 0)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	/* §2.7.13.1: fill the descriptors, taking them off the free list. */
	for (int k = 0; k < n; k++) {
		struct vq_desc *d = &vq->desc[i];
		uint16_t nxt = vq->next[i];

		d->addr = (uint64_t)(uintptr_t)seg[k].addr;
		d->len = seg[k].len;
		d->flags =
			(k >= nout ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = k + 1 < n ? nxt : 0;
		if (k >= nout)
			in_len += seg[k].len;
		i = nxt;
	}
	vq->free_head = i;
	vq->num_free -= n;
	vq->chain[head].token = token;
	vq->chain[head].in_len = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
	vq->chain[head].ndesc = n;
	vq->in_flight++;

	/* §2.7.13.2: the ring entry; §2.7.13.3: then idx, after a barrier so
	 * that the device never sees idx ahead of the entry. */
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq_wmb();
	vq->avail_idx++;
	vq_write16(&vq->avail->idx, vq->avail_idx);
	return 0;
}

bool vq_kick_prepare(struct virtqueue *vq)
{
	uint16_t old = vq->kick_idx, now = vq->avail_idx;

	if (old == now)
		return false;
	vq->kick_idx = now;
	/* §2.7.13.4: idx must be visible before the suppression fields are
	 * read, or a device going idle could miss the new buffers. */
	vq_mb();
	if (vq->event_idx)
		return vq_need_event(vq_read16(vq_avail_event(vq)), now, old);
	return !(vq_read16(&vq->used->flags) & VRING_USED_F_NO_NOTIFY);
}

/* Returns the chain at (head) to the free list. */
static void vq_free_chain(struct virtqueue *vq, uint16_t head)
{
	uint16_t tail = head, n = vq->chain[head].ndesc;

	for (uint16_t k = 1; k < n; k++)
		tail = vq->next[tail];
	vq->next[tail] = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
	vq->chain[head].ndesc = 0;
	vq->chain[head].token = NULL;
	vq->in_flight--;
}

int vq_get_used(struct virtqueue *vq, void **token, uint32_t *len)
{
	struct vq_used_elem *e;
	struct vq_chain *c;
	uint32_t id, ulen;

	if (vq_read16(&vq->used->idx) == vq->last_used)
		return 0;
	/* §2.7.14: read the entry only after seeing idx move past it. */
	vq_rmb();
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	id = vq_read32(&e->id);
	ulen = vq_read32(&e->len);
	vq->last_used++;
	if (vq->event_idx && !vq->no_interrupt) {
		/* §2.7.7.1: interrupt us again for the next entry. */
		vq_write16(vq_used_event(vq), vq->last_used);
	}
	if (id >= vq->size || vq->chain[id].ndesc == 0) {
		vq->stats.bad_id++;
		return -EIO;
	}
	c = &vq->chain[id];
	*token = c->token;
	/* A chain the device may not write has no length to check; some
	 * legacy devices report its size there anyway (§5.1.6.1). */
	if (c->in_len == 0)
		ulen = 0;
	if (ulen > c->in_len) {
		vq->stats.bad_len++;
		*len = 0;
		vq_free_chain(vq, (uint16_t)id);
		return -EMSGSIZE;
	}
	*len = ulen;
	vq_free_chain(vq, (uint16_t)id);
	return 1;
}

bool vq_has_used(const struct virtqueue *vq)
{
	return vq_read16(&vq->used->idx) != vq->last_used;
}

bool vq_set_interrupts(struct virtqueue *vq, bool on)
{
	vq->no_interrupt = !on;
	if (!on) {
		/* §2.7.7: with EVENT_IDX the flags must stay 0; an event index
		 * just behind us is only crossed again after 65536 entries. */
		if (vq->event_idx)
			vq_write16(vq_used_event(vq), (uint16_t)(vq->last_used - 1));
		else
			vq_write16(&vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
		return false;
	}
	if (vq->event_idx)
		vq_write16(vq_used_event(vq), vq->last_used);
	else
		vq_write16(&vq->avail->flags, 0);
	/* The device may have used entries before it could see the change. */
	vq_mb();
	return vq_has_used(vq);
}

uint16_t vq_in_flight(const struct virtqueue *vq)
{
	return vq->in_flight;
}
