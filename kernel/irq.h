/*
 * Hardware interrupts through the legacy 8259 pair, remapped to vectors
 * 32-47. The kernel runs with interrupts disabled except inside
 * irq_enable_and_halt(): a handler only notes that its device needs a poll,
 * so no handler ever races with the main loop.
 */
#ifndef UNIGATE_IRQ_H
#define UNIGATE_IRQ_H

#include <stdint.h>

#define IRQ_VECTOR_BASE 32
#define IRQ_COUNT	16

typedef void (*irq_handler_fn)(int irq, void *ctx);

/* Remaps and masks both PICs. */
void irq_init(void);

/* Routes IRQ (irq) to (fn)(irq, ctx) and unmasks it. Registering the same
 * (fn, ctx) again is a no-op. Returns 0, -EINVAL for an IRQ out of range, or
 * -EBUSY if another handler holds the line. */
int irq_register(int irq, irq_handler_fn fn, void *ctx);

/* Masks or unmasks (irq) at the PIC without touching its handler. A
 * level-triggered PCI line stays masked from its interrupt until the main
 * loop has polled the device, so it cannot storm. */
void irq_mask_line(int irq);
void irq_unmask_line(int irq);

/* Called by trap_dispatch for vectors 32-47. */
void irq_dispatch(int vector);

/* Number of interrupts seen on (irq), for show counters. */
uint64_t irq_count(int irq);

#endif
