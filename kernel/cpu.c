/*
 * GDT, TSS and IDT. The boot GDT from boot/entry.S is replaced by one that
 * also holds a TSS, whose interrupt stack table gives #DF, NMI and #MC a
 * known-good stack, so that a kernel stack overflow still produces a
 * readable report instead of a triple-fault reset.
 */
#include <stdint.h>
#include <string.h>

#include "kernel/cpu.h"

#define CPU_SEL_CODE  0x08
#define CPU_SEL_TSS   0x18
#define CPU_IST_STACK 16384

struct cpu_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu_idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct cpu_table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[256];

static uint64_t cpu_gdt[5] __attribute__((aligned(16)));
static struct cpu_tss cpu_tss __attribute__((aligned(16)));
static struct cpu_idt_entry cpu_idt[256] __attribute__((aligned(16)));
static uint8_t cpu_ist_stack[2][CPU_IST_STACK] __attribute__((aligned(16)));

static void cpu_load_gdt(void)
{
	uint64_t base = (uint64_t)&cpu_tss;
	uint64_t limit = sizeof(cpu_tss) - 1;
	struct cpu_table_ptr p = {sizeof(cpu_gdt) - 1, (uint64_t)cpu_gdt};

	cpu_gdt[0] = 0;
	cpu_gdt[1] = 0x00af9a000000ffffULL; /* 64-bit code */
	cpu_gdt[2] = 0x00cf92000000ffffULL; /* data */
	/* SDM Vol. 3 §7.2.3: a 64-bit TSS descriptor takes two slots. */
	cpu_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		     ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	cpu_gdt[4] = base >> 32;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w2"
			 :
			 : "m"(p), "i"(CPU_SEL_CODE), "r"(CPU_SEL_TSS)
			 : "rax", "memory");
}

static void cpu_set_gate(int vec, uint64_t handler, uint8_t ist)
{
	struct cpu_idt_entry *e = &cpu_idt[vec];

	e->offset_lo = handler & 0xffff;
	e->selector = CPU_SEL_CODE;
	e->ist = ist;
	e->type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	e->offset_mid = handler >> 16 & 0xffff;
	e->offset_hi = handler >> 32;
	e->reserved = 0;
}

void cpu_init(void)
{
	struct cpu_table_ptr p = {sizeof(cpu_idt) - 1, (uint64_t)cpu_idt};

	memset(&cpu_tss, 0, sizeof(cpu_tss));
	cpu_tss.ist[0] = (uint64_t)&cpu_ist_stack[0][CPU_IST_STACK];
	cpu_tss.ist[1] = (uint64_t)&cpu_ist_stack[1][CPU_IST_STACK];
	cpu_tss.iomap_base = sizeof(cpu_tss);
	cpu_load_gdt();

	for (int v = 0; v < 256; v++)
		cpu_set_gate(v, isr_table[v], 0);
	cpu_set_gate(2, isr_table[2], 2);   /* NMI */
	cpu_set_gate(8, isr_table[8], 1);   /* double fault */
	cpu_set_gate(18, isr_table[18], 2); /* machine check */
	__asm__ volatile("lidt %0" : : "m"(p));
}
