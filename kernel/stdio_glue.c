/*
 * picolibc's stdio writes through these streams: stdout and stderr go to
 * COM1 with '\n' sent as "\r\n" for terminals; stdin is unused (the
 * console reads the UART itself) and always reports end of file.
 */
#include <stdio.h>

#include "kernel/serial.h"

static int stdio_putc(char c, FILE *f)
{
	(void)f;
	if (c == '\n')
		serial_write_polled("\r", 1);
	serial_write_polled(&c, 1);
	return (unsigned char)c;
}

static int stdio_getc(FILE *f)
{
	(void)f;
	return _FDEV_EOF;
}

static FILE stdio_serial = FDEV_SETUP_STREAM(stdio_putc, stdio_getc, NULL, _FDEV_SETUP_RW);

FILE *const stdin = &stdio_serial;
FILE *const stdout = &stdio_serial;
FILE *const stderr = &stdio_serial;

/* picolibc's abort() and exit() end here. */
void _exit(int status) __attribute__((noreturn));
void _exit(int status)
{
	serial_write_polled("\r\n_exit\r\n", 9);
	(void)status;
	for (;;)
		__asm__ volatile("cli; hlt");
}
