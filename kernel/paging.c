/*
 * Four-level paging with 2 MiB leaves (SDM Vol. 3 §4.5). Table pages come
 * from a static pool in .bss, which costs RAM but not image size; 64 PDs
 * cover 64 GiB of physical address space.
 */
#include <errno.h>
#include <string.h>

#include "kernel/io.h"
#include "kernel/paging.h"

#define PG_P	(1ULL << 0)
#define PG_RW	(1ULL << 1)
#define PG_PWT	(1ULL << 3)
#define PG_PCD	(1ULL << 4)
#define PG_PS	(1ULL << 7)
#define PG_ADDR 0x000ffffffffff000ULL
#define PG_2M	(2ULL << 20)
#define PG_POOL 72

static uint64_t pg_pool[PG_POOL][512] __attribute__((aligned(4096)));
static unsigned pg_used;
static uint64_t *pg_pml4;
static uint64_t pg_ram_bytes, pg_mmio_bytes;

static uint64_t *pg_alloc(void)
{
	if (pg_used >= PG_POOL)
		return NULL;
	memset(pg_pool[pg_used], 0, 4096);
	return pg_pool[pg_used++];
}

static uint64_t *pg_next(uint64_t *table, unsigned idx)
{
	if (!(table[idx] & PG_P)) {
		uint64_t *t = pg_alloc();

		if (t == NULL)
			return NULL;
		table[idx] = (uint64_t)(uintptr_t)t | PG_P | PG_RW;
	}
	return (uint64_t *)(uintptr_t)(table[idx] & PG_ADDR);
}

static int pg_map(uint64_t base, uint64_t len, uint64_t flags, uint64_t *counter)
{
	uint64_t start = base & ~(PG_2M - 1);
	uint64_t end = base + len;

	if (len == 0)
		return 0;
	if (end < base || end > PAGING_MAX_PHYS)
		return -ERANGE;
	for (uint64_t a = start; a < end; a += PG_2M) {
		uint64_t *pdpt = pg_next(pg_pml4, a >> 39 & 511);
		uint64_t *pd = pdpt ? pg_next(pdpt, a >> 30 & 511) : NULL;

		if (pd == NULL)
			return -ENOMEM;
		if (pd[a >> 21 & 511] & PG_P)
			continue; /* first mapping wins: RAM before MMIO */
		pd[a >> 21 & 511] = a | PG_P | PG_RW | PG_PS | flags;
		*counter += PG_2M;
	}
	return 0;
}

int paging_init(const struct mm_range *ram, size_t n)
{
	int err;

	pg_used = 0;
	pg_ram_bytes = pg_mmio_bytes = 0;
	pg_pml4 = pg_alloc();
	/* The first 2 MiB always: the image starts at 1 MiB. */
	err = pg_map(0, PG_2M, 0, &pg_ram_bytes);
	for (size_t i = 0; i < n && err == 0; i++) {
		uint64_t len = ram[i].len;

		if (ram[i].base >= PAGING_MAX_PHYS)
			continue;
		if (ram[i].base + len > PAGING_MAX_PHYS)
			len = PAGING_MAX_PHYS - ram[i].base;
		err = pg_map(ram[i].base, len, 0, &pg_ram_bytes);
	}
	/* IOAPIC, HPET and local APIC live at 0xfec00000-0xfeefffff. */
	if (err == 0)
		err = pg_map(0xfec00000ULL, 0x300000, PG_PCD | PG_PWT, &pg_mmio_bytes);
	if (err)
		return err;
	write_cr3((uint64_t)(uintptr_t)pg_pml4);
	return 0;
}

int paging_map_mmio(uint64_t phys, uint64_t len)
{
	int err = pg_map(phys, len, PG_PCD | PG_PWT, &pg_mmio_bytes);

	/* Reloading CR3 flushes stale not-present entries from the TLB. */
	write_cr3((uint64_t)(uintptr_t)pg_pml4);
	return err;
}

void paging_stats(uint64_t *ram, uint64_t *mmio, unsigned *tables)
{
	*ram = pg_ram_bytes;
	*mmio = pg_mmio_bytes;
	*tables = pg_used;
}
