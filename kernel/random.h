/*
 * Random numbers for port and ID randomisation (RFC 5452, RFC 6056):
 * RDRAND when the CPU has it, mixed with TSC jitter, through xorshift.
 */
#ifndef UNIGATE_RANDOM_H
#define UNIGATE_RANDOM_H

#include <stdint.h>

/* Seeds the generator and the stack-protector canary; call once, from a
 * function that never returns, after time_init. */
void random_init(void);

/* Returns 32 random bits. */
uint32_t random_u32(void);

#endif
