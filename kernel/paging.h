/*
 * The kernel's page tables: an identity map of RAM (write-back) and of
 * device MMIO (uncached), built from the memory map with 2 MiB pages.
 * Anything not mapped faults, and the fault report names the address.
 */
#ifndef UNIGATE_PAGING_H
#define UNIGATE_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/memmap.h"

#define PAGING_MAX_PHYS (64ULL << 30) /* what the static table pool can reach */

/* Builds tables that map the (n) ranges of (ram) and the local APIC/IOAPIC
 * page range, and switches CR3 to them. Returns 0, or -ENOMEM if the table
 * pool ran out (then the boot tables stay in use). */
int paging_init(const struct mm_range *ram, size_t n);

/* Identity-maps [phys, phys + len) uncached for a device. Returns 0,
 * -ERANGE beyond PAGING_MAX_PHYS, or -ENOMEM when out of table pages. */
int paging_map_mmio(uint64_t phys, uint64_t len);

/* Bytes mapped as RAM and as MMIO, for show memory. */
void paging_stats(uint64_t *ram, uint64_t *mmio, unsigned *tables);

#endif
