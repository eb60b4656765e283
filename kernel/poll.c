/*
 * The registry of pollers (kernel/poll.h).
 */
#include "kernel/poll.h"

extern const struct poller __start_pollers[], __stop_pollers[];

static bool poll_more; /* a poller asked to run again at once */

void poll_again(void)
{
	poll_more = true;
}

bool poll_all(void)
{
	bool more;

	poll_more = false;
	for (const struct poller *p = __start_pollers; p < __stop_pollers; p++)
		p->fn();
	more = poll_more;
	poll_more = false;
	return more;
}
