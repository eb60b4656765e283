/*
 * Random numbers for port and ID randomisation (RFC 5452, RFC 6056), hash
 * keys and the stack canary: picolibc's arc4random (ChaCha20), seeded
 * through getentropy() from RDSEED or RDRAND when the CPU has them, from
 * the entropy sources drivers register (a virtio-rng device), and from TSC
 * jitter always.
 */
#ifndef UNIGATE_RANDOM_H
#define UNIGATE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#define RANDOM_SOURCES_MAX 4 /* sources random_add_source() takes */

/*
 * An entropy source a driver offers. (fill) writes up to (len) bytes, at
 * most 256, to (buf), which the caller owns, and returns how many it
 * wrote: fewer, or 0, if the device had no more within the driver's own
 * bounded wait; it never blocks for long. (name), such as "virtio-rng", is
 * what random_sources() prints once the source has fed the generator.
 */
struct random_source {
	const char *name;
	size_t (*fill)(void *buf, size_t len);
};

/* Seeds the generator and the stack-protector canary; call once, from a
 * function that never returns, after time_init. */
void random_init(void);

/*
 * Adds (src), which the caller keeps for good, to what getentropy() draws
 * on. Its bytes are XORed into each word before the CPU's and the TSC
 * jitter's are mixed in: a source adds to the seed, never replaces it.
 * Then makes arc4random reseed at once, so that the source feeds the
 * generator now and not only at the next scheduled reseed: picolibc's
 * arc4random has no stir call and reseeds when 1 to 2 MiB of its output
 * have been used, so this draws and discards output until it does (about
 * 1.5 MiB of ChaCha20, once). Returns 0; -EEXIST if (src) is registered
 * already, -ENOSPC if RANDOM_SOURCES_MAX are (nothing done either way); or
 * -EAGAIN if the generator did not reseed within the bound, when (src)
 * stays registered and feeds the next reseed.
 */
int random_add_source(const struct random_source *src);

/* Returns 32 random bits (arc4random). */
uint32_t random_u32(void);

/* Which sources have fed the generator, for show version: "TSC jitter",
 * "RDRAND, TSC jitter", "RDRAND, virtio-rng, TSC jitter", ... A registered
 * source is named only once getentropy() has had bytes from it. */
const char *random_sources(void);

#endif
