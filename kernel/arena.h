/*
 * Big blocks at the top of a range: an allocator that carves blocks from
 * the end of [base, end) downwards while something else (malloc's break)
 * grows from the bottom, never zeroing them, and keeps freed blocks for
 * reuse: first fit, split as needed, joined with free neighbours and
 * given back to the top when they reach it. Pure:
 * the kernel's heap (kernel/memory.c) runs one; host tests run their own.
 */
#ifndef UNIGATE_ARENA_H
#define UNIGATE_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define ARENA_UNIT	64   /* block sizes are rounded up to this */
#define ARENA_ALIGN_MAX 4096 /* largest alignment asked for */
#define ARENA_FREE	32   /* freed blocks remembered for reuse */

struct arena {
	uintptr_t end;	/* the range's end */
	uintptr_t top;	/* the lowest block; nothing below it is the arena's */
	uintptr_t *low; /* the other user's break: top never goes below it */
	struct {
		uintptr_t base;
		size_t len; /* 0: an empty record */
	} free[ARENA_FREE];
	uint64_t lost; /* bytes freed with no record left for them: never reused */
};

/* Makes (a) an empty arena at the end of a range ending at (end), whose
 * lower part's user keeps its break in (*low). */
void arena_init(struct arena *a, uintptr_t end, uintptr_t *low);

/* Returns a block of (size) bytes aligned to (align) (a power of two up to
 * ARENA_ALIGN_MAX), not cleared, or 0 when (size) is 0, (align) is bad, or
 * no free block holds it and the top cannot come down that far. */
uintptr_t arena_alloc(struct arena *a, size_t size, size_t align);

/* Gives back block (p) of (size) bytes, as asked of arena_alloc(); 0 does
 * nothing. */
void arena_free(struct arena *a, uintptr_t p, size_t size);

/* Bytes the arena's blocks hold now: from the top to the end, less what
 * was freed for reuse. */
uint64_t arena_used(const struct arena *a);

#endif
