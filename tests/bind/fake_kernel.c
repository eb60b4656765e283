/*
 * Fakes of the kernel services the bindings and lwIP call: a clock the test
 * sets (time_ms, time_ns; kernel/lwip_port.c turns it into sys_now), a
 * seeded random generator, the console (the registered line handler is
 * kept for the test to call; console output is captured), fw_cfg with at
 * most one file, and panic() as a test failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/fw_cfg.h"
#include "kernel/console.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "tests/bind/bind.h"

static uint64_t fake_ms;
static uint32_t fake_rand_state = 0x2545f491u;
static console_handler_fn fake_handler;
static char fake_console[1 << 16];
static size_t fake_console_len;
static const char *fake_fw_cfg_text;

void fake_clock_set(uint64_t ms)
{
	fake_ms = ms;
}

uint64_t fake_clock_ms(void)
{
	return fake_ms;
}

uint32_t time_ms(void)
{
	return (uint32_t)fake_ms;
}

uint64_t time_ns(void)
{
	return fake_ms * 1000000u;
}

/* xorshift32: the same sequence on every run, so tests are repeatable. */
uint32_t random_u32(void)
{
	uint32_t x = fake_rand_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	fake_rand_state = x;
	return x;
}

void random_init(void)
{
}

static void fake_console_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof(fake_console) - 1 - fake_console_len)
		len = sizeof(fake_console) - 1 - fake_console_len;
	memcpy(fake_console + fake_console_len, buf, len);
	fake_console_len += len;
	fake_console[fake_console_len] = '\0';
}

static struct cli_out fake_console_out = {fake_console_write, NULL};

struct cli_out *console_out(void)
{
	return &fake_console_out;
}

void console_set_handler(console_handler_fn fn, console_prompt_fn prompt)
{
	(void)prompt;
	fake_handler = fn;
}

console_handler_fn fake_console_handler(void)
{
	return fake_handler;
}

const char *fake_console_take(void)
{
	static char taken[sizeof(fake_console)];

	memcpy(taken, fake_console, fake_console_len + 1);
	fake_console_len = 0;
	fake_console[0] = '\0';
	return taken;
}

/* A 64 MiB heap, as QEMU's -m 64M gives: the NAT table's automatic size
 * is then NAT_CAPACITY_DEFAULT. */
void memory_heap(uint64_t *base, uint64_t *brk, uint64_t *end)
{
	*base = *brk = 0;
	*end = 64u << 20;
}

void fake_fw_cfg_set(const char *text)
{
	fake_fw_cfg_text = text;
}

int fw_cfg_read_file(const char *name, char *buf, size_t cap)
{
	size_t len;

	if (fake_fw_cfg_text == NULL || strcmp(name, "opt/unigate/config") != 0)
		return -ENOENT;
	len = strlen(fake_fw_cfg_text);
	if (len + 1 > cap)
		return -EFBIG;
	memcpy(buf, fake_fw_cfg_text, len + 1);
	return (int)len;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}
