/*
 * 8259A programmable interrupt controllers, master at 0x20 and slave at
 * 0xa0, cascaded on IRQ 2 (8259A datasheet, ICW1-ICW4). Spurious IRQ 7 and
 * 15 are recognised by the in-service register and not acknowledged.
 */
#include <errno.h>
#include <stddef.h>

#include "kernel/io.h"
#include "kernel/irq.h"

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1
#define PIC_EOI	     0x20
#define PIC_READ_ISR 0x0b

static struct {
	irq_handler_fn fn;
	void *ctx;
	uint64_t count;
} irq_lines[IRQ_COUNT];

static uint16_t irq_mask = 0xffff & ~(1 << 2);

static void irq_write_mask(void)
{
	outb(PIC1_DATA, irq_mask & 0xff);
	outb(PIC2_DATA, irq_mask >> 8);
}

void irq_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_VECTOR_BASE); /* ICW2: vector base */
	outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	irq_write_mask();
}

int irq_register(int irq, irq_handler_fn fn, void *ctx)
{
	if (irq < 0 || irq >= IRQ_COUNT || irq == 2 || fn == NULL)
		return -EINVAL;
	if (irq_lines[irq].fn != NULL && (irq_lines[irq].fn != fn || irq_lines[irq].ctx != ctx))
		return -EBUSY;
	irq_lines[irq].fn = fn;
	irq_lines[irq].ctx = ctx;
	irq_mask &= ~(1u << irq);
	irq_write_mask();
	return 0;
}

void irq_mask_line(int irq)
{
	if (irq < 0 || irq >= IRQ_COUNT || irq == 2)
		return;
	irq_mask |= 1u << irq;
	irq_write_mask();
}

void irq_unmask_line(int irq)
{
	if (irq < 0 || irq >= IRQ_COUNT || irq == 2 || irq_lines[irq].fn == NULL)
		return;
	if (!(irq_mask & (1u << irq)))
		return;
	irq_mask &= ~(1u << irq);
	irq_write_mask();
}

static int irq_in_service(uint16_t cmd, int bit)
{
	outb(cmd, PIC_READ_ISR);
	return inb(cmd) & (1 << bit);
}

void irq_dispatch(int vector)
{
	int irq = vector - IRQ_VECTOR_BASE;

	if (irq == 7 && !irq_in_service(PIC1_CMD, 7))
		return;
	if (irq == 15 && !irq_in_service(PIC2_CMD, 7)) {
		outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
		return;
	}
	irq_lines[irq].count++;
	if (irq_lines[irq].fn != NULL)
		irq_lines[irq].fn(irq, irq_lines[irq].ctx);
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

uint64_t irq_count(int irq)
{
	return irq >= 0 && irq < IRQ_COUNT ? irq_lines[irq].count : 0;
}
