/*
 * COM1, a 16550 UART at 0x3f8, 115200 8N1. Output is polled; input
 * raises IRQ 4 only to wake the CPU, and the main loop reads the bytes.
 */
#ifndef UNIGATE_SERIAL_H
#define UNIGATE_SERIAL_H

#include <stddef.h>
#include <stdint.h>

/* Programs the UART. Safe to call before anything else. */
void serial_init(void);

/* Enables the receive interrupt (after irq_init). */
void serial_enable_irq(void);

/* Writes (len) bytes from (buf), waiting for the transmitter each byte. */
void serial_write_polled(const char *buf, size_t len);

/* Returns the next received byte, or -1 if none is waiting. */
int serial_read(void);

/* Counters: receive overruns and framing/parity errors the UART reported. */
struct serial_stats {
	uint64_t rx_bytes, tx_bytes, overruns, line_errors;
};
const struct serial_stats *serial_stats(void);

#endif
