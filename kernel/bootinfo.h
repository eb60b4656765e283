/*
 * What the loader told us, in one shape whichever loader it was: the
 * memory map, the command line, the ACPI RSDP and the first module.
 * Parsing is pure: it reads only the (size)-bounded structures it is given.
 */
#ifndef UNIGATE_BOOTINFO_H
#define UNIGATE_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/memmap.h"

#define BOOTINFO_CMDLINE_MAX 256

struct boot_info {
	const char *loader; /* "PVH" or "Multiboot2" */
	struct mm_range map[MM_MAX];
	size_t map_len;
	size_t map_dropped; /* entries beyond MM_MAX */
	char cmdline[BOOTINFO_CMDLINE_MAX];
	uint64_t rsdp;
	uint64_t module_base, module_len; /* first module, 0 if none */
};

/* Fills (bi) from the PVH struct hvm_start_info at physical (info), which
 * is identity mapped. Returns 0, -EINVAL on a bad magic, or -ENOENT if
 * the loader gave no memory map. */
int bootinfo_parse_pvh(uint64_t info, struct boot_info *bi);

/* Fills (bi) from the Multiboot2 information structure at (info).
 * Tags are bound-checked against the structure's own total size. Returns
 * 0, -EINVAL on malformed data, or -ENOENT without a memory map tag. */
int bootinfo_parse_mb2(uint64_t info, struct boot_info *bi);

#endif
