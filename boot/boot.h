/*
 * Constants shared by the assembly entry and the C kernel: the boot protocols
 * we accept (PVH and Multiboot2) and the control-register bits set at entry.
 */
#ifndef UNIGATE_BOOT_H
#define UNIGATE_BOOT_H

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC	 0x36d76289
#define PVH_START_MAGIC	 0x336ec578

#define BOOT_KIND_PVH 1
#define BOOT_KIND_MB2 2

#define BOOT_STACK_SIZE 65536

#define CR0_PE	       (1 << 0)
#define CR0_MP	       (1 << 1)
#define CR0_EM	       (1 << 2)
#define CR0_NE	       (1 << 5)
#define CR0_WP	       (1 << 16)
#define CR0_PG	       (1 << 31)
#define CR4_PAE	       (1 << 5)
#define CR4_OSFXSR     (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER       0xc0000080
#define EFER_LME       (1 << 8)

#endif
