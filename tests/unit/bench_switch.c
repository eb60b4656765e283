/*
 * Host microbenchmark of the switching core, not a test (the unit-test
 * wildcard is test_*.c): nanoseconds per fdb_lookup (hit and miss), per
 * fdb_learn refresh, and per sw_input of a known unicast frame, with the
 * table filled to 1k and to 64k entries. Keys are visited in random order
 * so that the large table's misses in the CPU caches are counted too.
 *   gcc -std=c11 -O2 -I. tests/unit/bench_switch.c net/switch/fdb.c net/switch/switch.c \
 *       kernel/cli.c -o /tmp/bench && /tmp/bench
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/switch/switch.h"

#define OPS   (1u << 24)
#define PORTS 4

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t bench_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void bench_mac(uint64_t x, uint8_t m[6])
{
	m[0] = (uint8_t)(x >> 40) & 0xfe;
	m[1] = (uint8_t)(x >> 32);
	m[2] = (uint8_t)(x >> 24);
	m[3] = (uint8_t)(x >> 16);
	m[4] = (uint8_t)(x >> 8);
	m[5] = (uint8_t)x | 1;
}

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench_size(uint32_t n)
{
	static struct sw s;
	uint32_t nslots = fdb_nslots(n), i, *order;
	sw_mask_t mask;
	struct fdb_entry *slots = calloc(nslots, sizeof(*slots));
	uint8_t(*hit)[6] = malloc((size_t)n * 6), (*miss)[6] = malloc((size_t)n * 6);
	uint8_t(*frame)[60] = malloc((size_t)n * 60);
	volatile int sink = 0;
	double t0;
	int p;

	order = malloc((size_t)OPS * sizeof(*order));
	if (!slots || !hit || !miss || !frame || !order ||
	    sw_init(&s, slots, nslots, n, FDB_AGING_DEFAULT, bench_rand()) != 0)
		exit(1);
	for (p = 0; p < PORTS; p++)
		sw_port_add(&s, p, "eth", NULL);
	for (i = 0; i < n; i++) {
		bench_mac(bench_rand(), hit[i]);
		bench_mac(bench_rand(), miss[i]);
		if (fdb_learn(&s.fdb, hit[i], (int)(i % PORTS), 0) != FDB_NEW)
			exit(1);
	}
	/* Frame i goes from host i to host i + 1, on different ports. */
	for (i = 0; i < n; i++) {
		memset(frame[i], 0, 60);
		memcpy(frame[i], hit[(i + 1) % n], 6);
		memcpy(frame[i] + 6, hit[i], 6);
	}
	for (i = 0; i < OPS; i++)
		order[i] = (uint32_t)(bench_rand() % n);

	t0 = bench_now();
	for (i = 0; i < OPS; i++)
		sink += fdb_lookup(&s.fdb, hit[order[i]], 1);
	printf("%6u entries: fdb_lookup hit  %6.1f ns\n", n, (bench_now() - t0) / OPS);
	t0 = bench_now();
	for (i = 0; i < OPS; i++)
		sink += fdb_lookup(&s.fdb, miss[order[i]], 1);
	printf("%6u entries: fdb_lookup miss %6.1f ns\n", n, (bench_now() - t0) / OPS);
	t0 = bench_now();
	for (i = 0; i < OPS; i++)
		sink += fdb_learn(&s.fdb, hit[order[i]], (int)(order[i] % PORTS), 2);
	printf("%6u entries: fdb_learn known %6.1f ns\n", n, (bench_now() - t0) / OPS);
	t0 = bench_now();
	for (i = 0; i < OPS; i++)
		sink += sw_input(&s, (int)(order[i] % PORTS), frame[order[i]], 60, 3, &mask);
	printf("%6u entries: sw_input        %6.1f ns  (unicast %llu, same-port drops %llu)\n", n,
	       (bench_now() - t0) / OPS, (unsigned long long)s.stats.unicast,
	       (unsigned long long)s.stats.drop_same_port);
	printf("%6u entries: longest probe %u, sink %d\n", n, s.fdb.stats.probe_max, sink);
	free(order);
	free(frame);
	free(miss);
	free(hit);
	free(slots);
}

int main(void)
{
	bench_size(1024);
	bench_size(65536);
	return 0;
}
