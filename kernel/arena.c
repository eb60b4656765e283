/*
 * Big blocks at the top of a range (kernel/arena.h): a downward bump
 * pointer and a short list of freed ranges, each joined with the free
 * ranges it touches, and given back to the top when it reaches it, so a
 * table replaced by a bigger one (the NAT's) leaves no hole for good.
 */
#include "kernel/arena.h"

static size_t arena_round(size_t size)
{
	return (size + ARENA_UNIT - 1) & ~(size_t)(ARENA_UNIT - 1);
}

void arena_init(struct arena *a, uintptr_t end, uintptr_t *low)
{
	*a = (struct arena){.end = end, .top = end, .low = low};
}

/* Remembers [base, base + len) as free, joined with the free ranges it
 * touches; at the top it goes back below the top instead. */
static void arena_release(struct arena *a, uintptr_t base, size_t len)
{
	if (len == 0)
		return;
	for (int i = 0; i < ARENA_FREE; i++) {
		if (a->free[i].len == 0)
			continue;
		if (a->free[i].base + a->free[i].len == base)
			base = a->free[i].base;
		else if (base + len != a->free[i].base)
			continue;
		len += a->free[i].len;
		a->free[i].len = 0;
		i = -1; /* grown: look again from the start */
	}
	if (base == a->top) {
		a->top += len;
		return;
	}
	for (int i = 0; i < ARENA_FREE; i++)
		if (a->free[i].len == 0) {
			a->free[i].base = base;
			a->free[i].len = len;
			return;
		}
	a->lost += len;
}

uintptr_t arena_alloc(struct arena *a, size_t size, size_t align)
{
	uintptr_t at;

	if (size == 0 || align == 0 || (align & (align - 1)) != 0 || align > ARENA_ALIGN_MAX ||
	    size > a->end - *a->low)
		return 0;
	size = arena_round(size);
	for (int i = 0; i < ARENA_FREE; i++) {
		uintptr_t base = a->free[i].base, end = base + a->free[i].len;

		at = (base + align - 1) & ~(uintptr_t)(align - 1);
		if (a->free[i].len == 0 || at > end || end - at < size)
			continue;
		a->free[i].len = 0;
		arena_release(a, base, at - base);
		arena_release(a, at + size, end - (at + size));
		return at;
	}
	if (a->top - *a->low < size + align)
		return 0;
	at = (a->top - size) & ~(uintptr_t)(align - 1);
	/* The alignment's slack above the block stays free for later. */
	arena_release(a, at + size, a->top - (at + size));
	a->top = at;
	return at;
}

void arena_free(struct arena *a, uintptr_t p, size_t size)
{
	if (p != 0)
		arena_release(a, p, arena_round(size));
}

uint64_t arena_used(const struct arena *a)
{
	uint64_t used = a->end - a->top;

	for (int i = 0; i < ARENA_FREE; i++)
		used -= a->free[i].len;
	return used;
}
