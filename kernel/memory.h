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

#endif
