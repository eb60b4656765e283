/*
 * panic() and the stack-protector failure hook. Both write with
 * serial_write_polled() so nothing they use can itself be broken.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kernel/io.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/serial.h"

void panic_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		serial_write_polled(buf, (size_t)n);
}

void panic_halt(void)
{
	irq_disable();
	power_exit_qemu(POWER_EXIT_PANIC);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	panic_printf("\r\npanic: %s\r\n", buf);
	panic_halt();
}

/* gcc -fstack-protector-strong calls these. */
unsigned long __stack_chk_guard = 0x595e9fbd94fda766UL;

void __stack_chk_fail(void) __attribute__((noreturn));
void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
