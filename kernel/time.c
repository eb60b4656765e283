/*
 * The TSC is the clock: one rdtsc per reading. Its rate is measured at boot
 * by counting TSC ticks across a known PIT channel 2 countdown (8254
 * datasheet, mode 0), the way the speaker gate at port 0x61 exposes it.
 * The same PIT's channel 0 serves as the idle loop's one-shot alarm.
 */
#include <errno.h>
#include <stddef.h>

#include "kernel/io.h"
#include "kernel/irq.h"
#include "kernel/time.h"

#define PIT_HZ	      1193182u
#define PIT_CH0	      0x40
#define PIT_CH2	      0x42
#define PIT_MODE      0x43
#define PIT_PORT_B    0x61  /* bit 0: channel 2 gate, bit 5: channel 2 output */
#define PIT_CAL_TICKS 2386u /* 2 ms */
#define PIT_MAX_COUNT 0xffffu

static uint64_t time_hz;
/* Nanoseconds per tick, times 2^32: a reading costs a multiply, not the
 * divisions that per-frame callers (sys_now() several times a frame) would
 * otherwise pay. */
static uint64_t time_ns_mult;
static uint64_t time_irqs;

int time_init(void)
{
	uint8_t b = inb(PIT_PORT_B);
	uint64_t t0, t1;
	long spins = 0;

	outb(PIT_PORT_B, (b & ~0x03) | 0x00); /* gate low, speaker off */
	outb(PIT_MODE, 0xb0);		      /* channel 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, PIT_CAL_TICKS & 0xff);
	outb(PIT_CH2, PIT_CAL_TICKS >> 8);
	outb(PIT_PORT_B, (b & ~0x02) | 0x01); /* gate high: counting starts */
	t0 = rdtsc();
	while (!(inb(PIT_PORT_B) & 0x20)) {
		if (++spins > 100000000L)
			return -EIO;
	}
	t1 = rdtsc();
	outb(PIT_PORT_B, b & ~0x03);
	time_hz = (t1 - t0) * PIT_HZ / PIT_CAL_TICKS;
	if (time_hz == 0)
		return -EIO;
	time_ns_mult = (1000000000ULL << 32) / time_hz;
	return 0;
}

uint64_t time_tsc_hz(void)
{
	return time_hz;
}

uint64_t time_tsc_to_us(uint64_t ticks)
{
	if (time_hz == 0)
		return 0;
	/* Split to stay within 64 bits for any realistic uptime. */
	return ticks / time_hz * 1000000u + ticks % time_hz * 1000000u / time_hz;
}

uint64_t time_ns(void)
{
	uint64_t ticks = rdtsc() - boot_tsc;

	/* 0 before calibration, as the multiplier is. Relative error below
	 * 2^-32 * (TSC rate / 1 GHz): a few ns a day. */
	return (uint64_t)(((unsigned __int128)ticks * time_ns_mult) >> 32);
}

uint32_t time_ms(void)
{
	return (uint32_t)(time_ns() / 1000000u);
}

void time_delay_us(uint32_t us)
{
	uint64_t start = rdtsc();
	/* Before calibration, assume a fast 4 GHz TSC: waits are then long enough. */
	uint64_t hz = time_hz ? time_hz : 4000000000ULL;
	uint64_t ticks = hz / 1000000u * us;

	while (rdtsc() - start < ticks)
		cpu_relax();
}

static void time_irq(int irq, void *ctx)
{
	(void)irq;
	(void)ctx;
	time_irqs++;
}

void time_arm_wakeup(uint32_t us)
{
	static int registered;
	uint64_t count = (uint64_t)us * PIT_HZ / 1000000u;

	if (!registered) {
		irq_register(0, time_irq, NULL);
		registered = 1;
	}
	if (count < 1)
		count = 1;
	if (count > PIT_MAX_COUNT)
		count = PIT_MAX_COUNT;
	outb(PIT_MODE, 0x30); /* channel 0, lo/hi byte, mode 0: one interrupt at zero */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

uint64_t time_wakeups(void)
{
	return time_irqs;
}
