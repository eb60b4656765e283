/*
 * Randomness: picolibc's arc4random (ChaCha20, OpenBSD's design) does the
 * generating; this file gives it getentropy(), drawing on RDSEED, then
 * RDRAND, when the CPU has them (Intel SDM Vol. 1 §7.3.17), on the sources
 * drivers register (random_add_source: a virtio-rng device), and always on
 * the jitter of the TSC around memory accesses, which is all that QEMU's
 * default TCG CPU offers. DNS IDs and ports, NAT ports, hash keys and the
 * stack-protector canary all come from arc4random through random_u32().
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kernel/io.h"
#include "kernel/random.h"

#define RANDOM_JITTER_ROUNDS 64	 /* TSC samples mixed into each 8 bytes */
#define RANDOM_MAX	     256 /* getentropy()'s limit, as in OpenBSD */
/* picolibc's arc4random.c reseeds after REKEY_BASE + (fuzz % REKEY_BASE)
 * bytes of output, REKEY_BASE being 1 MiB with a 64-bit size_t: after
 * this many, a reseed has certainly been due. */
#define RANDOM_REKEY_MAX (2u << 20)
#define RANDOM_DRAIN	 512 /* output discarded per arc4random_buf() call */

/* picolibc's, declared here since they are BSD extensions its strict C11
 * headers hide. */
uint32_t arc4random(void);
void arc4random_buf(void *buf, size_t len);
void explicit_bzero(void *buf, size_t len);
int getentropy(void *buf, size_t len);

static int random_have_rdrand, random_have_rdseed;
static unsigned random_fed;   /* RANDOM_SRC_* that have fed getentropy() */
static unsigned random_seeds; /* getentropy() calls: arc4random's (re)seeds */
static volatile uint8_t random_scratch[4096];

/* The sources drivers registered, in order, and whether each has fed. */
static struct {
	const struct random_source *src;
	bool fed;
} random_extra[RANDOM_SOURCES_MAX];
static int random_nextra;
static char random_names[96]; /* random_sources()'s answer */

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

/*
 * XORs (len) bytes from every registered source into (out). A source that
 * gives fewer, its device having nothing within the driver's bounded wait,
 * is said so on the console; the other sources and the jitter carry on.
 */
static void random_draw_sources(uint8_t *out, size_t len)
{
	uint8_t tmp[RANDOM_MAX];

	for (int i = 0; i < random_nextra; i++) {
		size_t n = random_extra[i].src->fill(tmp, len);

		if (n > len) /* a driver's bug: take only what was asked */
			n = len;
		for (size_t k = 0; k < n; k++)
			out[k] ^= tmp[k];
		if (n > 0)
			random_extra[i].fed = true;
		if (n < len)
			printf("\nrandom: %s gave %zu of %zu bytes in time; seeding from the "
			       "other sources\n",
			       random_extra[i].src->name, n, len);
	}
	explicit_bzero(tmp, sizeof(tmp));
}

int getentropy(void *buf, size_t len)
{
	static uint64_t acc = 0x9e3779b97f4a7c15ULL;
	uint8_t extra[RANDOM_MAX];
	uint8_t *p = buf;

	/* Over the limit: fail (errno is left alone: picolibc's may live in
	 * thread-local storage, which this kernel does not set up). */
	if (len > RANDOM_MAX)
		return -1;
	random_seeds++;
	memset(extra, 0, len);
	random_draw_sources(extra, len);
	for (size_t at = 0; at < len; at += sizeof(uint64_t)) {
		uint64_t w, x = 0;
		size_t n = len - at < sizeof(w) ? len - at : sizeof(w);

		/* The sources' bytes go in first, then the CPU's and the
		 * jitter, all through the mixer: none replaces another. */
		memcpy(&x, extra + at, n);
		acc = random_word(acc ^ x);
		w = random_mix(acc);
		memcpy(p + at, &w, n);
	}
	explicit_bzero(extra, sizeof(extra));
	return 0;
}

/*
 * arc4random reseeds (calls getentropy()) only when its rekey counter runs
 * out; picolibc offers no stir. Spending its output gets there: each
 * arc4random_buf() counts against the counter, and the call that finds
 * fewer bytes left than it asks for reseeds first.
 */
static int random_reseed(void)
{
	uint8_t sink[RANDOM_DRAIN];
	unsigned before = random_seeds;
	int err = -EAGAIN;

	for (size_t spent = 0; spent <= RANDOM_REKEY_MAX; spent += sizeof(sink)) {
		arc4random_buf(sink, sizeof(sink));
		if (random_seeds != before) {
			err = 0;
			break;
		}
	}
	explicit_bzero(sink, sizeof(sink));
	return err;
}

int random_add_source(const struct random_source *src)
{
	for (int i = 0; i < random_nextra; i++)
		if (random_extra[i].src == src)
			return -EEXIST;
	if (random_nextra >= RANDOM_SOURCES_MAX)
		return -ENOSPC;
	random_extra[random_nextra++].src = src;
	return random_reseed();
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

/* Appends (name) and ", " to random_names, if it fits. */
static void random_name(size_t *at, const char *name)
{
	int n = snprintf(random_names + *at, sizeof(random_names) - *at, "%s, ", name);

	if (n > 0 && (size_t)n < sizeof(random_names) - *at)
		*at += (size_t)n;
}

const char *random_sources(void)
{
	size_t at = 0;

	random_names[0] = 0;
	if (random_fed & RANDOM_SRC_RDSEED)
		random_name(&at, "RDSEED");
	if (random_fed & RANDOM_SRC_RDRAND)
		random_name(&at, "RDRAND");
	for (int i = 0; i < random_nextra; i++)
		if (random_extra[i].fed)
			random_name(&at, random_extra[i].src->name);
	/* Jitter feeds every word getentropy() makes. */
	snprintf(random_names + at, sizeof(random_names) - at, "TSC jitter");
	return random_names;
}
