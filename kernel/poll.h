/*
 * Pollers: work the main loop runs on every pass (timers, aging, retries).
 * A module registers its poller with POLLER() in its own file; the linker
 * collects them, so kernel/main.c names no module. Pollers run in link
 * order, one after another, on the single thread: no locks.
 */
#ifndef UNIGATE_KERNEL_POLL_H
#define UNIGATE_KERNEL_POLL_H

#include <stdbool.h>
#include <stdint.h>

struct poller {
	const char *name;
	void (*fn)(void);
};

/*
 * Registers (fn_) as a poller: places a const struct poller in the
 * "pollers" section, collected between __start_pollers and __stop_pollers
 * (GNU ld defines these on the host; the image's linker script keeps the
 * section and defines them). (ident) makes the object's name unique.
 */
#define POLLER(ident, fn_)                                                                         \
	static const struct poller poller_##ident                                                  \
		__attribute__((used, section("pollers"), aligned(8))) = {#ident, fn_}

/* Runs every registered poller once. Returns true if one of them called
 * poll_again(). */
bool poll_all(void);

/* For a poller with work left that it does a piece at a time: the main
 * loop runs the pollers again at once instead of sleeping. */
void poll_again(void);

/* For a poller that must run again within (ms) though nothing may wake
 * the loop: the loop sleeps at most that long (this pass only). */
void poll_wake_in(uint32_t ms);

/* The main loop's sleep, in ms: (ms), or less if a poller asked. */
uint32_t poll_sleep_ms(uint32_t ms);

#endif
