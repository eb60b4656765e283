/*
 * lwIP's compiler and platform glue: picolibc provides the C types and
 * errno; diagnostics go to the console and assertions end in panic().
 */
#ifndef UNIGATE_LWIP_CC_H
#define UNIGATE_LWIP_CC_H

#include <stdio.h>
#include <stdlib.h>

#include "kernel/panic.h"

#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		printf x;                                                                          \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwIP: %s at %s:%d", x, __FILE__, __LINE__)
#define LWIP_TIMEVAL_PRIVATE	0

#endif
