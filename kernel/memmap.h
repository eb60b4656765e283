/*
 * Memory-map arithmetic, pure and host-testable: turns a firmware memory
 * map (overlapping, unsorted, mixed types) into a sorted list of disjoint,
 * page-aligned usable ranges, and cuts ranges out of it.
 */
#ifndef UNIGATE_MEMMAP_H
#define UNIGATE_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#define MM_PAGE	  4096u
#define MM_USABLE 1  /* e820 and Multiboot2 agree: type 1 is free RAM */
#define MM_MAX	  64 /* ranges accepted from firmware and kept after */

struct mm_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/* Writes to (out) (room for (cap)) the usable RAM described by the (n)
 * entries of (in): type MM_USABLE ranges, merged, minus every range of any
 * other type, with bases rounded up and ends rounded down to MM_PAGE.
 * Entries whose end overflows 64 bits are clipped. Returns the number of
 * ranges written, or -ENOSPC if (cap) is too small. (in) is unchanged. */
int mm_build(const struct mm_range *in, size_t n, struct mm_range *out, size_t cap);

/* Removes [base, base + len) from the (*n) sorted ranges in (r), which has
 * room for (cap). Returns 0, or -ENOSPC if a split needs room there is not
 * (then (r) is unchanged). */
int mm_subtract(struct mm_range *r, size_t *n, size_t cap, uint64_t base, uint64_t len);

/* Sum of the lengths of (n) ranges. */
uint64_t mm_total(const struct mm_range *r, size_t n);

/* Index of the longest range, or -1 if (n) is 0. */
int mm_largest(const struct mm_range *r, size_t n);

#endif
