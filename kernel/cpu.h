/*
 * CPU set-up: the final GDT with a TSS (separate stacks for double fault,
 * NMI and machine check), the IDT, and the trap frame that interrupt stubs
 * hand to C.
 */
#ifndef UNIGATE_CPU_H
#define UNIGATE_CPU_H

#include <stdint.h>

/* Register state pushed by kernel/isr.S, lowest address first. */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Loads the GDT, TSS and IDT. Call once, first thing in kmain. */
void cpu_init(void);

/* C entry for every vector; called from kernel/isr.S only. */
void trap_dispatch(struct trap_frame *f);

/* Prints (f) in full on the console: vector, error code, RIP, CR2, GPRs. */
void trap_dump(const struct trap_frame *f);

#endif
