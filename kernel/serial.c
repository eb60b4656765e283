/*
 * 16550 UART driver for the console (PC16550D datasheet register map).
 * The receive FIFO trigger is one byte so the CPU wakes on every key.
 */
#include <stddef.h>

#include "kernel/io.h"
#include "kernel/irq.h"
#include "kernel/serial.h"

#define COM1	 0x3f8
#define UART_RBR 0 /* receive buffer (read, DLAB 0) */
#define UART_THR 0 /* transmit holding (write, DLAB 0) */
#define UART_DLL 0 /* divisor low (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor high (DLAB 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define UART_LCR_DLAB  0x80
#define UART_LCR_8N1   0x03
#define UART_FCR_RESET 0x07 /* enable FIFOs, clear both, trigger at 1 byte */
#define UART_MCR_OUT2  0x08 /* gates the IRQ line on PC UARTs */
#define UART_MCR_RTS   0x02
#define UART_MCR_DTR   0x01
#define UART_IER_RDA   0x01
#define UART_LSR_DR    0x01
#define UART_LSR_OE    0x02
#define UART_LSR_ERR   0x1c /* parity, framing, break */
#define UART_LSR_THRE  0x20

#define SERIAL_IRQ 4

static struct serial_stats serial_st;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_RESET);
	outb(COM1 + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

static void serial_irq(int irq, void *ctx)
{
	(void)irq;
	(void)ctx;
	/* Only a wake-up: the main loop drains the FIFO. */
}

void serial_enable_irq(void)
{
	irq_register(SERIAL_IRQ, serial_irq, NULL);
	outb(COM1 + UART_IER, UART_IER_RDA);
}

void serial_write_polled(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		for (int spin = 0; spin < 1000000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE);
		     spin++)
			cpu_relax();
		outb(COM1 + UART_THR, (uint8_t)buf[i]);
	}
	serial_st.tx_bytes += len;
}

int serial_read(void)
{
	uint8_t lsr = inb(COM1 + UART_LSR);

	if (lsr & UART_LSR_OE)
		serial_st.overruns++;
	if (lsr & UART_LSR_ERR)
		serial_st.line_errors++;
	if (!(lsr & UART_LSR_DR))
		return -1;
	serial_st.rx_bytes++;
	return inb(COM1 + UART_RBR);
}

const struct serial_stats *serial_stats(void)
{
	return &serial_st;
}
