/*
 * Address printing (net/addr.h).
 */
#include <stdio.h>

#include "net/addr.h"

char *addr_fmt_ipv4(uint32_t host_order, char buf[ADDR_IPV4_STRLEN])
{
	snprintf(buf, ADDR_IPV4_STRLEN, "%u.%u.%u.%u", (unsigned)(host_order >> 24),
		 (unsigned)(host_order >> 16 & 0xff), (unsigned)(host_order >> 8 & 0xff),
		 (unsigned)(host_order & 0xff));
	return buf;
}

char *addr_fmt_mac(const uint8_t mac[6], char buf[ADDR_MAC_STRLEN])
{
	snprintf(buf, ADDR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}
