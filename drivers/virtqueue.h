/*
 * Split virtqueues (virtio 1.2 §2.7), the driver's side: the descriptor
 * table, the available ring the driver fills and the used ring the device
 * fills, laid out in one block as the legacy interface requires (§2.7.2),
 * which modern devices accept too. Pure ring arithmetic with no I/O and no
 * allocation: the transport writes the ring's address to the device and
 * rings the doorbell when vq_kick_prepare() says so.
 *
 * The device is not trusted. Chains and the free list are kept in private
 * state the device cannot see; every used entry's id and length is checked
 * against that state before anything is indexed with it.
 */
#ifndef UNIGATE_VIRTQUEUE_H
#define UNIGATE_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VQ_ALIGN    4096  /* legacy used-ring alignment (§2.7.2), also a page */
#define VQ_SIZE_MAX 32768 /* largest queue size (§2.7) */

/* Descriptor flags (§2.7.5). */
#define VRING_DESC_F_NEXT  1 /* the chain continues in (next) */
#define VRING_DESC_F_WRITE 2 /* the device writes this buffer */

/* Available ring flags (§2.7.7): the driver needs no used-buffer interrupt. */
#define VRING_AVAIL_F_NO_INTERRUPT 1
/* Used ring flags (§2.7.10): the device needs no available-buffer doorbell. */
#define VRING_USED_F_NO_NOTIFY 1

/*
 * Barriers between the driver's and the device's view of the rings. They
 * compile on the host too: on x86, wmb and rmb only stop the compiler
 * (stores are not reordered with stores, nor loads with loads), and mb is
 * an mfence, ordering a store before a later load.
 */
#define vq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define vq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vq_mb()	 __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* The rings as the device sees them (§2.7.5, §2.7.6, §2.7.8), little endian. */
struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* (size) entries, then used_event */
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	uint16_t flags;
	uint16_t idx;
	struct vq_used_elem ring[]; /* (size) entries, then avail_event */
};

/* One buffer of a chain: (len) bytes at (addr), identity-mapped memory. */
struct vq_seg {
	void *addr;
	uint32_t len;
};

/* Private per-head state: what vq_add() was given for the chain at (head). */
struct vq_chain {
	void *token;	 /* the caller's cookie, returned by vq_get_used() */
	uint32_t in_len; /* bytes the device may write */
	uint16_t ndesc;	 /* descriptors in the chain; 0 when not in flight */
};

/* Why vq_get_used() refused entries, for show commands. */
struct vq_stats {
	uint64_t bad_id;  /* id >= size, or not the head of a chain in flight */
	uint64_t bad_len; /* length larger than the chain's writable bytes */
};

struct virtqueue {
	uint16_t size;	    /* entries, a power of two */
	uint16_t num_free;  /* descriptors not in any chain */
	uint16_t free_head; /* first free descriptor, chained through next[] */
	uint16_t avail_idx; /* our copy of avail->idx, free-running */
	uint16_t kick_idx;  /* avail->idx at the last vq_kick_prepare() */
	uint16_t last_used; /* next used entry to read, free-running */
	uint16_t in_flight; /* chains the device holds */
	bool event_idx;	    /* VIRTIO_F_EVENT_IDX negotiated (§2.7.7, §2.7.10) */
	bool no_interrupt;  /* the driver asked for no used-buffer interrupts */
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	uint16_t *next;		/* private: chain links and the free list */
	struct vq_chain *chain; /* private: indexed by head descriptor */
	struct vq_stats stats;
};

/* Bytes of device-visible ring memory for a queue of (size) entries, in
 * the legacy layout: descriptors, available ring, padding to VQ_ALIGN,
 * used ring; rounded up to VQ_ALIGN. */
size_t vq_ring_bytes(uint16_t size);

/* Bytes of private state for a queue of (size) entries. */
size_t vq_state_bytes(uint16_t size);

/* Sets up (vq) over (ring), vq_ring_bytes(size) bytes aligned to VQ_ALIGN,
 * which it zeroes, and (state), vq_state_bytes(size) bytes aligned to 8.
 * The caller owns both and frees them after the device is reset. Returns
 * 0, or -EINVAL if (size) is not a power of two up to VQ_SIZE_MAX. */
int vq_init(struct virtqueue *vq, uint16_t size, void *ring, void *state, bool event_idx);

/* Physical addresses of the three parts, for the transport (identity map). */
uint64_t vq_desc_addr(const struct virtqueue *vq);
uint64_t vq_avail_addr(const struct virtqueue *vq);
uint64_t vq_used_addr(const struct virtqueue *vq);

/*
 * Offers one chain to the device (§2.7.13): (nout) device-readable segments
 * then (nin) device-writable ones, from (seg). The memory stays the
 * caller's, but the device may use it until vq_get_used() returns (token).
 * The entry is published in avail->idx at once; the doorbell is left to
 * vq_kick_prepare(). Returns 0, -ENOSPC if fewer than (nout + nin)
 * descriptors are free, or -EINVAL for an empty chain.
 */
int vq_add(struct virtqueue *vq, const struct vq_seg *seg, int nout, int nin, void *token);

/*
 * Decides whether the device needs a doorbell for the chains added since
 * the last call (§2.7.13.4): with EVENT_IDX, when avail_event was crossed;
 * without, unless the device set VRING_USED_F_NO_NOTIFY. Returns false if
 * nothing was added. The caller rings the doorbell when it returns true.
 */
bool vq_kick_prepare(struct virtqueue *vq);

/*
 * Takes the next used entry (§2.7.14). Returns:
 *   1        a chain came back: *token and *len (bytes the device wrote) set;
 *            a chain with nothing device-writable always reports 0 bytes;
 *   0        nothing more is used;
 *   -EIO     the id was out of range or not in flight: the entry is skipped,
 *            nothing is freed, stats.bad_id counted;
 *   -EMSGSIZE the length exceeded the chain's writable bytes: the chain is
 *            freed and *token set so the caller can reuse the buffer, *len
 *            is 0, stats.bad_len counted.
 */
int vq_get_used(struct virtqueue *vq, void **token, uint32_t *len);

/* True if the device has used entries vq_get_used() has not taken yet. */
bool vq_has_used(const struct virtqueue *vq);

/* Asks the device for used-buffer interrupts (on) or not (§2.7.7). Only
 * advice: the device may interrupt anyway. When turning them on, returns
 * true if entries were used meanwhile, which the caller must then reap. */
bool vq_set_interrupts(struct virtqueue *vq, bool on);

/* Chains in flight (handed to the device and not yet taken back). */
uint16_t vq_in_flight(const struct virtqueue *vq);

/* The EVENT_IDX test (§2.7.7.2, §2.7.10): true if moving an index from
 * (old_idx) to (new_idx) crossed (event), all free-running. */
static inline bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
