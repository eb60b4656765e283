/*
 * Where every interrupt vector lands. CPU exceptions (0-31) are always
 * fatal: the full register state goes to the console and the machine
 * halts. Vectors 32-47 are the PIC's IRQs; anything else is counted.
 */
#include <stdio.h>

#include "kernel/cli.h"
#include "kernel/cpu.h"
#include "kernel/io.h"
#include "kernel/irq.h"
#include "kernel/panic.h"

static const char *const trap_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 FPU error",
	"alignment check",
	"machine check",
	"SIMD FP exception",
	"virtualization",
	"control protection",
};

static uint64_t trap_stray;

void trap_dump(const struct trap_frame *f)
{
	const char *name = f->vector < 32 && trap_names[f->vector] ? trap_names[f->vector] : "?";

	panic_printf("\r\n*** CPU exception %llu (%s), error code 0x%llx\r\n",
		     (unsigned long long)f->vector, name, (unsigned long long)f->error);
	panic_printf("RIP %016llx  CS %04llx  RFLAGS %016llx\r\n", (unsigned long long)f->rip,
		     (unsigned long long)f->cs, (unsigned long long)f->rflags);
	panic_printf("RSP %016llx  SS %04llx  CR2 %016llx\r\n", (unsigned long long)f->rsp,
		     (unsigned long long)f->ss, (unsigned long long)read_cr2());
	panic_printf("RAX %016llx  RBX %016llx  RCX %016llx\r\n", (unsigned long long)f->rax,
		     (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	panic_printf("RDX %016llx  RSI %016llx  RDI %016llx\r\n", (unsigned long long)f->rdx,
		     (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	panic_printf("RBP %016llx  R8  %016llx  R9  %016llx\r\n", (unsigned long long)f->rbp,
		     (unsigned long long)f->r8, (unsigned long long)f->r9);
	panic_printf("R10 %016llx  R11 %016llx  R12 %016llx\r\n", (unsigned long long)f->r10,
		     (unsigned long long)f->r11, (unsigned long long)f->r12);
	panic_printf("R13 %016llx  R14 %016llx  R15 %016llx\r\n", (unsigned long long)f->r13,
		     (unsigned long long)f->r14, (unsigned long long)f->r15);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < 32) {
		trap_dump(f);
		panic_halt();
	}
	if (f->vector < IRQ_VECTOR_BASE + IRQ_COUNT) {
		irq_dispatch((int)f->vector);
		return;
	}
	trap_stray++;
}

/* A deliberate fault, so that tests can check the exception report. */
static int trap_cmd_crash(int argc, char **argv, struct cli_out *out)
{
	volatile uint64_t *bad = (volatile uint64_t *)0x7fffdead0000ULL;

	(void)argc;
	(void)argv;
	cli_printf(out, "reading unmapped address %p\n", (void *)bad);
	return (int)*bad;
}

CLI_COMMAND(debug_crash, "debug crash", "fault on purpose (tests the exception report)",
	    trap_cmd_crash);
