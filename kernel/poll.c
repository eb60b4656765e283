/*
 * The registry of pollers (kernel/poll.h).
 */
#include "kernel/poll.h"

extern const struct poller __start_pollers[], __stop_pollers[];

static bool poll_more;			/* a poller asked to run again at once */
static uint32_t poll_wake = UINT32_MAX; /* ms: the soonest a poller asked to run again */

void poll_again(void)
{
	poll_more = true;
}

void poll_wake_in(uint32_t ms)
{
	if (ms < poll_wake)
		poll_wake = ms;
}

uint32_t poll_sleep_ms(uint32_t ms)
{
	return ms < poll_wake ? ms : poll_wake;
}

bool poll_all(void)
{
	bool more;

	poll_more = false;
	poll_wake = UINT32_MAX;
	for (const struct poller *p = __start_pollers; p < __stop_pollers; p++)
		p->fn();
	more = poll_more;
	poll_more = false;
	return more;
}
