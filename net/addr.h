/*
 * Printing of the addresses every part of the appliance shows: IPv4 in
 * dotted-quad form and MAC addresses. Shared by net/ (show commands) and
 * config/ (running-config), so that net/ needs no config header. Pure.
 */
#ifndef UNIGATE_NET_ADDR_H
#define UNIGATE_NET_ADDR_H

#include <stdint.h>

#define ADDR_IPV4_STRLEN 16 /* "255.255.255.255" and NUL */
#define ADDR_MAC_STRLEN	 18 /* "00:0c:29:aa:bb:cc" and NUL */

/* Writes (host_order) as a dotted quad into (buf) and returns (buf). */
char *addr_fmt_ipv4(uint32_t host_order, char buf[ADDR_IPV4_STRLEN]);

/* Writes (mac) as lower-case "xx:xx:xx:xx:xx:xx" into (buf) and returns (buf). */
char *addr_fmt_mac(const uint8_t mac[6], char buf[ADDR_MAC_STRLEN]);

#endif
