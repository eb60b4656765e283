/*
 * Randomness: picolibc's arc4random (ChaCha20, OpenBSD's design) does the
 * generating; this file gives it getentropy(), drawing on RDSEED, then
 * RDRAND, when the CPU has them (Intel SDM Vol. 1 §7.3.17), and always on
 * the jitter of the TSC around memory accesses, which is all that QEMU's
 * default TCG CPU offers. DNS IDs and ports, NAT ports, hash keys and the
 * stack-protector canary all come from arc4random through random_u32().
 */
#include <stddef.h>
#include <string.h>

#include "kernel/io.h"
#include "kernel/random.h"

#define RANDOM_JITTER_ROUNDS 64	 /* TSC samples mixed into each 8 bytes */
#define RANDOM_MAX	     256 /* getentropy()'s limit, as in OpenBSD */

/* picolibc's, declared here since they are BSD extensions its strict C11
 * headers hide. */
uint32_t arc4random(void);
int getentropy(void *buf, size_t len);

static int random_have_rdrand, random_have_rdseed;
static unsigned random_fed; /* RANDOM_SRC_* that have fed getentropy() */
static volatile uint8_t random_scratch[4096];

extern unsigned long __stack_chk_guard;

#define RANDOM_SRC_RDSEED 1u
#define RANDOM_SRC_RDRAND 2u
#define RANDOM_SRC_JITTER 4u

static int random_rdseed(uint64_t *v)
{
	unsigned char ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

static int random_rdrand(uint64_t *v)
{
	unsigned char ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

/* SplitMix64's finaliser: every input bit reaches every output bit. */
static uint64_t random_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 64 bits from the timing of cache-missing reads: each delta's low bits
 * vary with the machine's state, and many are folded together. */
static uint64_t random_jitter(uint64_t acc)
{
	uint64_t prev = rdtsc();

	for (int i = 0; i < RANDOM_JITTER_ROUNDS; i++) {
		uint64_t now;
		size_t at = (size_t)(random_mix(acc + (uint64_t)i) % sizeof(random_scratch));

		random_scratch[at] = (uint8_t)(random_scratch[at] + (uint8_t)acc);
		now = rdtsc();
		acc = random_mix(acc ^ (now - prev) ^ ((uint64_t)i << 56));
		prev = now;
	}
	return acc;
}

/* One word from the best source at hand, always mixed with jitter. */
static uint64_t random_word(uint64_t acc)
{
	uint64_t v;

	for (int tries = 0; random_have_rdseed && tries < 8; tries++)
		if (random_rdseed(&v)) {
			random_fed |= RANDOM_SRC_RDSEED;
			acc ^= v;
			goto jitter;
		}
	for (int tries = 0; random_have_rdrand && tries < 8; tries++)
		if (random_rdrand(&v)) {
			random_fed |= RANDOM_SRC_RDRAND;
			acc ^= v;
			break;
		}
jitter:
	random_fed |= RANDOM_SRC_JITTER;
	return random_jitter(acc);
}

int getentropy(void *buf, size_t len)
{
	static uint64_t acc = 0x9e3779b97f4a7c15ULL;
	uint8_t *p = buf;

	/* Over the limit: fail (errno is left alone: picolibc's may live in
	 * thread-local storage, which this kernel does not set up). */
	if (len > RANDOM_MAX)
		return -1;
	while (len > 0) {
		uint64_t w;
		size_t n = len < sizeof(w) ? len : sizeof(w);

		acc = random_word(acc);
		w = random_mix(acc);
		memcpy(p, &w, n);
		p += n;
		len -= n;
	}
	return 0;
}

/* Not itself protected: it changes the canary its own epilogue would check. */
__attribute__((no_stack_protector)) void random_init(void)
{
	uint32_t eax = 1, ebx = 0, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	random_have_rdrand = (ecx >> 30) & 1;
	eax = 7;
	ecx = 0;
	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	random_have_rdseed = (ebx >> 18) & 1;
	__stack_chk_guard = ((unsigned long)random_u32() << 32 | random_u32()) & ~0xffUL;
}

uint32_t random_u32(void)
{
	return arc4random();
}

const char *random_sources(void)
{
	static const char *const names[] = {
		"TSC jitter",
		"RDSEED, TSC jitter",
		"RDRAND, TSC jitter",
		"RDSEED, RDRAND, TSC jitter",
	};

	return names[(random_fed & RANDOM_SRC_RDSEED ? 1 : 0) +
		     (random_fed & RANDOM_SRC_RDRAND ? 2 : 0)];
}
