/*
 * A xorshift64* generator, reseeded from RDRAND on every call when the CPU
 * offers it (Intel SDM Vol. 1 §7.3.17), else from the TSC's low bits. Not
 * a cryptographic generator; it only has to make off-path guessing of DNS
 * IDs and ports hard.
 */
#include "kernel/io.h"
#include "kernel/random.h"

static uint64_t random_state = 0x9e3779b97f4a7c15ULL;
static int random_have_rdrand;

static int random_rdrand(uint64_t *v)
{
	unsigned char ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

extern unsigned long __stack_chk_guard;

/* Not itself protected: it changes the canary its own epilogue would check. */
__attribute__((no_stack_protector)) void random_init(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	random_have_rdrand = (ecx >> 30) & 1;
	random_state ^= rdtsc() * 0xbf58476d1ce4e5b9ULL;
	__stack_chk_guard = ((unsigned long)random_u32() << 32 | random_u32()) & ~0xffUL;
}

uint32_t random_u32(void)
{
	uint64_t extra;

	if (random_have_rdrand && random_rdrand(&extra))
		random_state ^= extra;
	else
		random_state ^= rdtsc() << 32;
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return (uint32_t)((random_state * 0x2545f4914f6cdd1dULL) >> 32);
}
