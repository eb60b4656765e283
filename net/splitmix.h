/*
 * SplitMix64 (Steele, Lea, Flood 2014): spreads one random seed over the
 * several keys of a keyed hash table (fdb, neigh, guard, nat). Pure.
 */
#ifndef UNIGATE_NET_SPLITMIX_H
#define UNIGATE_NET_SPLITMIX_H

#include <stdint.h>

/* Advances (*s) and returns its next 64 well-mixed bits. */
static inline uint64_t splitmix_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
