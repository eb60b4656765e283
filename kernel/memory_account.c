/*
 * Who took the heap: a tally of live allocation bytes per owner, kept by
 * the modules that allocate their big tables, rings and buffers. Pure (no
 * I/O), so host tests link it with the drivers they include.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/memory.h"

#define MEMORY_OWNERS_MAX 16

static struct {
	const char *owner;
	long long bytes;
} memory_owners[MEMORY_OWNERS_MAX];

void memory_account(const char *owner, long long delta_bytes)
{
	for (int i = 0; i < MEMORY_OWNERS_MAX; i++) {
		if (memory_owners[i].owner == NULL)
			memory_owners[i].owner = owner;
		if (strcmp(memory_owners[i].owner, owner) == 0) {
			memory_owners[i].bytes += delta_bytes;
			return;
		}
	}
	/* Table full: the bytes show under "other". */
}

int memory_owner(int i, const char **owner, long long *bytes)
{
	if (i < 0 || i >= MEMORY_OWNERS_MAX || memory_owners[i].owner == NULL)
		return -1;
	*owner = memory_owners[i].owner;
	*bytes = memory_owners[i].bytes;
	return 0;
}

/* The host's big blocks (the image has its own, in memory.c): plain
 * aligned_alloc, so that host tests and their allocation-failure fakes
 * see them as any allocation. */
__attribute__((weak)) void *memory_alloc_big(size_t size, size_t align)
{
	return aligned_alloc(align, (size + align - 1) / align * align);
}

__attribute__((weak)) void memory_free_big(void *p, size_t size)
{
	(void)size;
	free(p);
}
