/*
 * Fuzz target: firmware memory maps and Multiboot2 information, which come
 * from the loader, through kernel/memmap.c and kernel/bootinfo.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/bootinfo.h"
#include "kernel/memmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	static uint8_t mb[4096] __attribute__((aligned(8)));
	struct mm_range in[MM_MAX], out[MM_MAX];
	size_t n = size / sizeof(struct mm_range);
	uint32_t total;

	/* As a raw array of ranges. */
	if (n > MM_MAX)
		n = MM_MAX;
	memcpy(in, data, n * sizeof(struct mm_range));
	int k = mm_build(in, n, out, MM_MAX);
	if (k > 0) {
		size_t kn = (size_t)k;

		for (size_t i = 1; i < kn; i++)
			if (out[i].base < out[i - 1].base + out[i - 1].len)
				__builtin_trap(); /* must be sorted and disjoint */
		mm_subtract(out, &kn, MM_MAX, 1u << 20, 1u << 20);
	}

	/* As a Multiboot2 structure whose total size field is kept honest. */
	if (size > sizeof(mb))
		size = sizeof(mb);
	memset(mb, 0, sizeof(mb));
	memcpy(mb, data, size);
	memcpy(&total, mb, 4);
	if (total > size)
		total = (uint32_t)size;
	memcpy(mb, &total, 4);
	bootinfo_parse_mb2((uintptr_t)mb, &bi);
	return 0;
}
