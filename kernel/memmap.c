/*
 * Memory-map normalisation. Firmware maps may overlap and disagree; a byte
 * counts as usable only if some entry says usable and no entry says
 * anything else, which is the conservative reading.
 */
#include <errno.h>
#include <string.h>

#include "kernel/memmap.h"

static uint64_t mm_end(const struct mm_range *r)
{
	return r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
}

static void mm_sort(struct mm_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct mm_range t = r[i];
		size_t j = i;

		while (j > 0 && r[j - 1].base > t.base) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = t;
	}
}

int mm_subtract(struct mm_range *r, size_t *n, size_t cap, uint64_t base, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - base ? UINT64_MAX : base + len;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < *n; i++) {
		uint64_t rb = r[i].base, re = mm_end(&r[i]);

		if (end <= rb || base >= re)
			continue;
		if (base > rb && end < re) {
			/* The hole is strictly inside: split in two. */
			if (*n >= cap)
				return -ENOSPC;
			memmove(&r[i + 2], &r[i + 1], (*n - i - 1) * sizeof(*r));
			r[i + 1] = r[i];
			r[i].len = base - rb;
			r[i + 1].base = end;
			r[i + 1].len = re - end;
			(*n)++;
			return 0;
		}
		if (base <= rb && end >= re) {
			memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
			(*n)--;
			i--;
		} else if (base <= rb) {
			r[i].base = end;
			r[i].len = re - end;
		} else {
			r[i].len = base - rb;
		}
	}
	return 0;
}

int mm_build(const struct mm_range *in, size_t n, struct mm_range *out, size_t cap)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i].type != MM_USABLE || in[i].len == 0)
			continue;
		if (m >= cap)
			return -ENOSPC;
		out[m] = in[i];
		out[m].len = mm_end(&in[i]) - in[i].base;
		m++;
	}
	mm_sort(out, m);

	/* Merge overlapping or touching usable ranges. */
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (k > 0 && out[i].base <= mm_end(&out[k - 1])) {
			uint64_t e = mm_end(&out[i]);

			if (e > mm_end(&out[k - 1]))
				out[k - 1].len = e - out[k - 1].base;
			continue;
		}
		out[k++] = out[i];
	}

	for (size_t i = 0; i < n; i++) {
		if (in[i].type == MM_USABLE)
			continue;
		if (mm_subtract(out, &k, cap, in[i].base, in[i].len) < 0)
			return -ENOSPC;
	}

	/* Page alignment, dropping what shrinks to nothing. */
	size_t w = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t b = out[i].base, e = mm_end(&out[i]);

		if (b > UINT64_MAX - (MM_PAGE - 1))
			continue;
		b = (b + MM_PAGE - 1) & ~(uint64_t)(MM_PAGE - 1);
		e &= ~(uint64_t)(MM_PAGE - 1);
		if (e <= b)
			continue;
		out[w].base = b;
		out[w].len = e - b;
		out[w].type = MM_USABLE;
		w++;
	}
	return (int)w;
}

uint64_t mm_total(const struct mm_range *r, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += r[i].len;
	return t;
}

int mm_largest(const struct mm_range *r, size_t n)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (best < 0 || r[i].len > r[best].len)
			best = (int)i;
	return best;
}
