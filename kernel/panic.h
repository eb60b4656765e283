/*
 * Last words: panic() prints a message and stops the machine. Output goes
 * straight to the serial port, bypassing stdio, so it works from an
 * exception handler or with a corrupted heap.
 */
#ifndef UNIGATE_PANIC_H
#define UNIGATE_PANIC_H

/* Formats into a stack buffer and writes it to COM1 by polling. */
void panic_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "panic: " and the message, then panic_halt(). */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Stops for good: exits QEMU through isa-debug-exit with status 3 when that
 * device is present, else halts with interrupts off. */
void panic_halt(void) __attribute__((noreturn));

/* assert() that stays on in the image and ends in panic(). */
#define ASSERT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			panic("assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__);        \
	} while (0)

#endif
