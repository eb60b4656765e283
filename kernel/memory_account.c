/*
 * Who took the heap: a tally of live allocation bytes per owner, kept by
 * the modules that allocate their big tables, rings and buffers. Pure (no
 * I/O), so host tests link it with the drivers they include.
 */
#include <stddef.h>
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
