/*
 * Time since boot from the TSC, calibrated once against the PIT, and a
 * one-shot wake-up timer (PIT channel 0) for the idle loop.
 */
#ifndef UNIGATE_TIME_H
#define UNIGATE_TIME_H

#include <stdint.h>

/* TSC value at the kernel's first instruction (boot/entry.S). */
extern uint64_t boot_tsc;

/* Measures the TSC frequency. Returns 0, or -EIO if the PIT never counted. */
int time_init(void);

/* TSC ticks per second, as calibrated. */
uint64_t time_tsc_hz(void);

/* Nanoseconds and milliseconds since the kernel's first instruction. */
uint64_t time_ns(void);
uint32_t time_ms(void);

/* Converts a TSC difference to microseconds. */
uint64_t time_tsc_to_us(uint64_t ticks);

/* Busy-waits (us) microseconds, for device bring-up delays only. */
void time_delay_us(uint32_t us);

/* Arms IRQ 0 to fire once after about (us) microseconds, clamped to the
 * PIT's reach (about 54 ms); the caller re-arms after each wake-up. */
void time_arm_wakeup(uint32_t us);

/* Interrupts seen from the wake-up timer. */
uint64_t time_wakeups(void);

#endif
