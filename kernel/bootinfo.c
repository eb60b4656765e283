/*
 * Boot-protocol parsers. PVH: Xen's arch-x86/hvm/start_info.h layout,
 * version 1 adds the memory map. Multiboot2: specification §3.6, a list of
 * 8-byte aligned tags; every length is checked before the bytes are read.
 */
#include <errno.h>
#include <string.h>

#include "boot/boot.h"
#include "kernel/bootinfo.h"

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct pvh_module {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

#define MB2_TAG_END	0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE	3
#define MB2_TAG_MMAP	6
#define MB2_TAG_ACPI1	14
#define MB2_TAG_ACPI2	15

static void bootinfo_add_range(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->map_len >= MM_MAX) {
		bi->map_dropped++;
		return;
	}
	bi->map[bi->map_len].base = base;
	bi->map[bi->map_len].len = len;
	bi->map[bi->map_len].type = type;
	bi->map_len++;
}

static void bootinfo_set_cmdline(struct boot_info *bi, const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;

	if (n >= sizeof(bi->cmdline))
		n = sizeof(bi->cmdline) - 1;
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = '\0';
}

int bootinfo_parse_pvh(uint64_t info, struct boot_info *bi)
{
	const struct pvh_start_info *si = (const struct pvh_start_info *)(uintptr_t)info;

	memset(bi, 0, sizeof(*bi));
	bi->loader = "PVH";
	if (si == NULL || si->magic != PVH_START_MAGIC)
		return -EINVAL;
	if (si->cmdline_paddr)
		bootinfo_set_cmdline(bi, (const char *)(uintptr_t)si->cmdline_paddr,
				     BOOTINFO_CMDLINE_MAX);
	bi->rsdp = si->rsdp_paddr;
	if (si->nr_modules > 0 && si->modlist_paddr) {
		const struct pvh_module *m =
			(const struct pvh_module *)(uintptr_t)si->modlist_paddr;

		bi->module_base = m->paddr;
		bi->module_len = m->size;
	}
	if (si->version < 1 || si->memmap_paddr == 0 || si->memmap_entries == 0)
		return -ENOENT;
	const struct pvh_memmap_entry *e =
		(const struct pvh_memmap_entry *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		bootinfo_add_range(bi, e[i].addr, e[i].size, e[i].type);
	return 0;
}

static uint32_t bootinfo_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t bootinfo_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void bootinfo_mb2_mmap(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	uint32_t esize;

	if (size < 16)
		return;
	esize = bootinfo_u32(tag + 8);
	if (esize < 24)
		return;
	for (uint32_t off = 16; off + esize <= size; off += esize)
		bootinfo_add_range(bi, bootinfo_u64(tag + off), bootinfo_u64(tag + off + 8),
				   bootinfo_u32(tag + off + 16));
}

int bootinfo_parse_mb2(uint64_t info, struct boot_info *bi)
{
	const uint8_t *base = (const uint8_t *)(uintptr_t)info;
	uint32_t total, off = 8;
	int have_map = 0;

	memset(bi, 0, sizeof(*bi));
	bi->loader = "Multiboot2";
	if (base == NULL)
		return -EINVAL;
	total = bootinfo_u32(base);
	if (total < 8)
		return -EINVAL;
	while (off + 8 <= total) {
		const uint8_t *tag = base + off;
		uint32_t type = bootinfo_u32(tag), size = bootinfo_u32(tag + 4);

		if (size < 8 || size > total - off)
			return -EINVAL;
		if (type == MB2_TAG_END)
			break;
		switch (type) {
		case MB2_TAG_CMDLINE:
			bootinfo_set_cmdline(bi, (const char *)tag + 8, size - 8);
			break;
		case MB2_TAG_MODULE:
			if (size >= 16 && bi->module_len == 0) {
				uint32_t start = bootinfo_u32(tag + 8),
					 end = bootinfo_u32(tag + 12);

				if (end > start) {
					bi->module_base = start;
					bi->module_len = end - start;
				}
			}
			break;
		case MB2_TAG_MMAP:
			bootinfo_mb2_mmap(bi, tag, size);
			have_map = 1;
			break;
		case MB2_TAG_ACPI1:
		case MB2_TAG_ACPI2:
			if (bi->rsdp == 0)
				bi->rsdp = (uint64_t)(uintptr_t)(tag + 8);
			break;
		}
		off += (size + 7) & ~7u;
	}
	return have_map ? 0 : -ENOENT;
}
