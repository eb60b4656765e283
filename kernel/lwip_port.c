/*
 * The little lwIP needs from its host when NO_SYS is set: a millisecond
 * clock. lwIP's timers are run from the main loop.
 */
#include "lwip/sys.h"

#include "kernel/time.h"

u32_t sys_now(void)
{
	return time_ms();
}
