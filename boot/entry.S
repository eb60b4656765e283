/*
 * First instructions of the image. Two loaders reach us in 32-bit protected
 * mode with paging off: QEMU's -kernel through the PVH ELF note (EBX = struct
 * hvm_start_info) and GRUB through the Multiboot2 header (EAX = magic, EBX =
 * information structure). Both paths record the boot TSC, switch to long mode
 * with an identity map of the first 4 GiB and call kmain(kind, info); the
 * kernel then builds its final page tables from the memory map.
 */
#include "boot/boot.h"

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_HEADER_MAGIC
	.long	0				/* architecture: i386 protected mode */
	.long	mb2_header_end - mb2_header
	.long	-(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8				/* entry address tag */
	.word	3, 0
	.long	12
	.long	mb2_entry
	.balign 8				/* end tag */
	.word	0, 0
	.long	8
mb2_header_end:

	/* Xen/PVH ELF note: QEMU -kernel enters here (XEN_ELFNOTE_PHYS32_ENTRY). */
	.section .note.pvh, "a"
	.balign 4
	.long	4				/* name size */
	.long	4				/* descriptor size */
	.long	18				/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	pvh_entry

	.section .boot, "ax"
	.code32
	.globl	mb2_entry
mb2_entry:
	cli
	rdtsc
	movl	%eax, boot_tsc
	movl	%edx, boot_tsc + 4
	movl	$BOOT_KIND_MB2, %esi
	jmp	common32

	.globl	pvh_entry
pvh_entry:
	cli
	rdtsc
	movl	%eax, boot_tsc
	movl	%edx, boot_tsc + 4
	movl	$BOOT_KIND_PVH, %esi

common32:
	movl	$boot_stack_top, %esp
	movl	%ebx, %edi			/* boot information pointer */

	/* Long mode needs CPUID leaf 0x80000001 bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	testl	$(1 << 29), %edx
	jz	no_long_mode

	/* Identity map 0..4 GiB with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs. */
	movl	$boot_pd, %ebx
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax			/* present, writable, 2 MiB page */
	movl	%eax, (%ebx, %ecx, 8)
	movl	$0, 4(%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	1b
	movl	$boot_pdpt, %ebx
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd + 0x3, %eax
	movl	%eax, (%ebx, %ecx, 8)
	movl	$0, 4(%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jne	2b
	movl	$boot_pdpt + 0x3, boot_pml4
	movl	$0, boot_pml4 + 4

	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~CR0_EM, %eax			/* SSE on: no x87 emulation trap */
	orl	$(CR0_PG | CR0_PE | CR0_MP | CR0_WP | CR0_NE), %eax
	movl	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$0x08, $long_entry

no_long_mode:
	/* Nothing to print with yet; COM1 by hand keeps this from being silent. */
	movl	$no_lm_msg, %esi
3:	lodsb
	testb	%al, %al
	jz	4f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	3b
4:	hlt
	jmp	4b

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorq	%rbp, %rbp
	fninit
	/* kmain(kind = %esi, info = %edi) wants (rdi, rsi). */
	movl	%edi, %eax
	movl	%esi, %edi
	movl	%eax, %esi
	call	kmain
5:	cli
	hlt
	jmp	5b

	.section .rodata
no_lm_msg:
	.asciz	"unigate: this CPU has no long mode (x86_64 required)\r\n"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .data
	.balign 8
	.globl	boot_tsc
boot_tsc:
	.quad	0

	.section .bss
	.balign 4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.balign 16
	.globl	boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
