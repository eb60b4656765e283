/*
 * The registry of pollers (kernel/poll.h).
 */
#include "kernel/poll.h"

extern const struct poller __start_pollers[], __stop_pollers[];

void poll_all(void)
{
	for (const struct poller *p = __start_pollers; p < __stop_pollers; p++)
		p->fn();
}
