/*
 * RAM bookkeeping and the heap. The heap is the largest usable range left
 * after the first MiB and the image are cut out; sbrk() hands it to
 * picolibc's malloc and never beyond its end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/arena.h"
#include "kernel/cli.h"
#include "kernel/memory.h"
#include "kernel/paging.h"

extern char __image_start[], __image_end[];

static const struct boot_info *mem_boot;
static struct mm_range mem_ram[MM_MAX];
static size_t mem_nram;
static uintptr_t mem_heap_base, mem_brk, mem_heap_end;
static struct arena mem_big; /* big blocks, from the heap's top down */

int memory_init(const struct boot_info *bi)
{
	int n, err;

	mem_boot = bi;
	n = mm_build(bi->map, bi->map_len, mem_ram, MM_MAX);
	if (n < 0) {
		printf("memory: the memory map is too fragmented\n");
		return n;
	}
	mem_nram = (size_t)n;
	err = paging_init(mem_ram, mem_nram);
	if (err) {
		printf("memory: page tables: error %d\n", err);
		return err;
	}
	/* Allocatable RAM: not the first MiB (BIOS data), not the image. */
	struct mm_range free[MM_MAX];
	size_t nfree = mem_nram;

	for (size_t i = 0; i < nfree; i++)
		free[i] = mem_ram[i];
	mm_subtract(free, &nfree, MM_MAX, 0, 1u << 20);
	mm_subtract(free, &nfree, MM_MAX, (uintptr_t)__image_start,
		    (uintptr_t)__image_end - (uintptr_t)__image_start);
	/* The loader's module (a config file) must survive until it is read. */
	mm_subtract(free, &nfree, MM_MAX, bi->module_base, bi->module_len);
	mm_subtract(free, &nfree, MM_MAX, PAGING_MAX_PHYS, UINT64_MAX - PAGING_MAX_PHYS);
	int big = mm_largest(free, nfree);
	if (big < 0) {
		printf("memory: no usable RAM for the heap\n");
		return -ENOMEM;
	}
	mem_heap_base = mem_brk = (uintptr_t)free[big].base;
	mem_heap_end = (uintptr_t)(free[big].base + free[big].len);
	arena_init(&mem_big, mem_heap_end, &mem_brk);
	return 0;
}

void memory_heap(uint64_t *base, uint64_t *brk, uint64_t *end)
{
	*base = mem_heap_base;
	*brk = mem_brk + (mem_heap_end - mem_big.top);
	*end = mem_heap_end;
}

void *memory_alloc_big(size_t size, size_t align)
{
	return (void *)arena_alloc(&mem_big, size, align);
}

void memory_free_big(void *p, size_t size)
{
	arena_free(&mem_big, (uintptr_t)p, size);
}

/* picolibc's malloc grows the heap through this. */
void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
	uintptr_t old = mem_brk;

	if (incr < 0 ? (uintptr_t)-incr > mem_brk - mem_heap_base
		     : (uintptr_t)incr > mem_big.top - mem_brk) {
		errno = ENOMEM;
		return (void *)-1;
	}
	mem_brk += incr;
	return (void *)old;
}

/* Heap bytes in use: malloc's below the break, big blocks above the top
 * but those freed for reuse. */
static uint64_t memory_used(void)
{
	return (mem_brk - mem_heap_base) + arena_used(&mem_big);
}

/* The heap by owner (memory_account()), then the rest as "other". */
static void memory_show_owners(struct cli_out *out)
{
	long long used = (long long)memory_used(), tallied = 0, bytes;
	const char *owner;

	for (int i = 0; memory_owner(i, &owner, &bytes) == 0; i++) {
		cli_printf(out, "  %s: %lld KiB\n", owner, bytes >> 10);
		tallied += bytes;
	}
	cli_printf(out, "  other: %lld KiB\n", used > tallied ? (used - tallied) >> 10 : 0);
}

static int memory_cmd_show(int argc, char **argv, struct cli_out *out)
{
	uint64_t ram, mmio;
	unsigned tables;

	(void)argc;
	(void)argv;
	cli_printf(out, "boot memory map (%s, %zu entries):\n", mem_boot->loader,
		   mem_boot->map_len);
	for (size_t i = 0; i < mem_boot->map_len; i++) {
		const struct mm_range *r = &mem_boot->map[i];

		cli_printf(out, "  %016llx-%016llx  type %u%s\n", (unsigned long long)r->base,
			   (unsigned long long)(r->base + r->len - 1), r->type,
			   r->type == MM_USABLE ? " (usable)" : "");
	}
	cli_printf(out, "usable RAM: %llu KiB in %zu ranges\n",
		   (unsigned long long)(mm_total(mem_ram, mem_nram) >> 10), mem_nram);
	cli_printf(out, "image: %08lx-%08lx (%lu KiB incl. bss)\n", (unsigned long)__image_start,
		   (unsigned long)__image_end,
		   (unsigned long)((__image_end - __image_start) >> 10));
	cli_printf(out,
		   "heap: %08lx-%08lx, %lu KiB used of %lu KiB (malloc %lu KiB, big blocks from "
		   "%08lx; %llu KiB lost to fragmentation)\n",
		   (unsigned long)mem_heap_base, (unsigned long)mem_heap_end,
		   (unsigned long)(memory_used() >> 10),
		   (unsigned long)((mem_heap_end - mem_heap_base) >> 10),
		   (unsigned long)((mem_brk - mem_heap_base) >> 10), (unsigned long)mem_big.top,
		   (unsigned long long)(mem_big.lost >> 10));
	memory_show_owners(out);
	paging_stats(&ram, &mmio, &tables);
	cli_printf(out, "mapped: %llu MiB RAM, %llu MiB MMIO, %u table pages\n",
		   (unsigned long long)(ram >> 20), (unsigned long long)(mmio >> 20), tables);
	return 0;
}

CLI_COMMAND(show_memory, "show memory", "boot memory map, heap use per module and page tables",
	    memory_cmd_show);
