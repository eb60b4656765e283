/*
 * RAM at run time: the usable ranges from the boot memory map, the page
 * tables built over them, and the heap that picolibc's malloc grows
 * through sbrk().
 */
#ifndef UNIGATE_MEMORY_H
#define UNIGATE_MEMORY_H

#include <stdint.h>

#include "kernel/bootinfo.h"

/* Normalises (bi)'s map, removes low memory and the image, maps RAM, and
 * places the heap in the largest remaining range. Returns 0, or a
 * -errno with the reason already printed. */
int memory_init(const struct boot_info *bi);

/* Heap bounds and the current break, for show memory. */
void memory_heap(uint64_t *base, uint64_t *brk, uint64_t *end);

/* Adds (delta_bytes), negative for a free, to what (owner) holds on the
 * heap. (owner) is a string that lives forever ("virtio-net", "nat");
 * owners are told apart by its contents. Each module calls it next to its
 * own allocations and frees, with the sizes it asked for; up to 16 owners
 * are kept, later ones are left uncounted. */
void memory_account(const char *owner, long long delta_bytes);

/* Stores owner number (i)'s name in (*owner) and its bytes in (*bytes),
 * in first-accounted order. Returns 0, or -1 past the last owner. */
int memory_owner(int i, const char **owner, long long *bytes);

#endif
