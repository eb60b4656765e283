/*
 * RAM at run time: the usable ranges from the boot memory map, the page
 * tables built over them, and the heap that picolibc's malloc grows
 * through sbrk().
 */
#ifndef UNIGATE_MEMORY_H
#define UNIGATE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/bootinfo.h"

/* Normalises (bi)'s map, removes low memory and the image, maps RAM, and
 * places the heap in the largest remaining range. Returns 0, or a
 * -errno with the reason already printed. */
int memory_init(const struct boot_info *bi);

/* The heap's bounds (base) and (end), and (brk) so that (end) - (brk) is
 * what is left for malloc and big blocks together (malloc's break plus
 * the big blocks taken from the top): for sizing tables by RAM. */
void memory_heap(uint64_t *base, uint64_t *brk, uint64_t *end);

/*
 * Big blocks: DMA rings' buffers and large tables, (size) bytes aligned to
 * (align) (a power of two up to 4096), NOT zeroed: the owner writes them
 * before use. picolibc's malloc clears every block it returns (its malloc
 * is its calloc), which for the megabytes of receive buffers and the NAT
 * table was most of the boot time under TCG. Carved from the top of the
 * heap downwards, where malloc's break never reaches; a freed block is
 * reused by a later request it holds (first fit), its neighbours are not
 * merged except at the top. Returns NULL when there is no room. On the
 * host (unit tests) they are aligned_alloc() and free().
 */
void *memory_alloc_big(size_t size, size_t align);

/* Gives back a block of (size) bytes (as asked) from memory_alloc_big();
 * NULL does nothing. */
void memory_free_big(void *p, size_t size);

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
