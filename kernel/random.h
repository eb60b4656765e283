/*
 * Random numbers for port and ID randomisation (RFC 5452, RFC 6056), hash
 * keys and the stack canary: picolibc's arc4random (ChaCha20), seeded
 * through getentropy() from RDSEED or RDRAND when the CPU has them, and
 * from TSC jitter always.
 */
#ifndef UNIGATE_RANDOM_H
#define UNIGATE_RANDOM_H

#include <stdint.h>

/* Seeds the generator and the stack-protector canary; call once, from a
 * function that never returns, after time_init. */
void random_init(void);

/* Returns 32 random bits (arc4random). */
uint32_t random_u32(void);

/* Which sources have fed the generator, for show version: "TSC jitter",
 * "RDRAND, TSC jitter", ... */
const char *random_sources(void);

#endif
