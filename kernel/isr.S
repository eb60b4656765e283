/*
 * Interrupt entry stubs. Every vector pushes an error code (a zero where the
 * CPU pushes none) and its number, saves the general registers and the
 * FPU/SSE state (the kernel is built with SSE enabled), and calls
 * trap_dispatch(struct trap_frame *).
 */
	.code64
	.text

.macro ISR_NOERR n
	.balign 16
isr_\n:
	pushq	$0
	pushq	$\n
	jmp	isr_common
.endm

.macro ISR_ERR n
	.balign 16
isr_\n:
	pushq	$\n
	jmp	isr_common
.endm

/* Vectors 8, 10-14, 17, 21, 29, 30 carry a CPU error code (SDM Vol. 3 §6.3). */
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
.altmacro
.set i, 32
.rept 224
	ISR_NOERR %i
	.set i, i + 1
.endr

isr_common:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rbp
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rbx
	pushq	%rax
	cld
	movq	%rsp, %rbx
	andq	$-16, %rsp
	subq	$512, %rsp
	fxsave	(%rsp)
	movq	%rbx, %rdi
	call	trap_dispatch
	fxrstor	(%rsp)
	movq	%rbx, %rsp
	popq	%rax
	popq	%rbx
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl	isr_table
.macro ISR_ADDR n
	.quad	isr_\n
.endm
isr_table:
.set i, 0
.rept 256
	ISR_ADDR %i
	.set i, i + 1
.endr
