/*
 * lwIP configuration for unigate: NO_SYS (one poll loop, no threads), raw
 * API only, IPv4 with ARP, ICMP, UDP, TCP and the DHCP client. Memory
 * pools are sized for a gateway, not a host; see lwIP's opt.h for each.
 */
#ifndef UNIGATE_LWIPOPTS_H
#define UNIGATE_LWIPOPTS_H

#define NO_SYS			      1
#define SYS_LIGHTWEIGHT_PROT	      0
#define LWIP_SOCKET		      0
#define LWIP_NETCONN		      0
#define LWIP_IPV4		      1
#define LWIP_IPV6		      0
#define LWIP_ARP		      1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1 /* DHCP replies to clients without an address */
#define LWIP_ETHERNET		      1
#define LWIP_ICMP		      1
#define LWIP_RAW		      0
#define LWIP_UDP		      1
#define LWIP_TCP		      1
#define LWIP_DHCP		      1
#define LWIP_DNS		      1 /* only to keep the uplink lease's DNS servers */
#define LWIP_DHCP_PROVIDE_DNS_SERVERS 1
#define DNS_MAX_SERVERS		      4
#define LWIP_IGMP		      0
#define LWIP_ACD		      1
#define LWIP_DHCP_DOES_ACD_CHECK      1
#define LWIP_NETIF_STATUS_CALLBACK    1
#define LWIP_NETIF_LINK_CALLBACK      1
#define LWIP_NETIF_HOSTNAME	      1
#define LWIP_SINGLE_NETIF	      0
#define IP_FORWARD		      0
#define IP_REASSEMBLY		      1
#define IP_FRAG			      1
#define LWIP_STATS		      1
#define LWIP_STATS_DISPLAY	      0
#define LWIP_ERRNO_STDINCLUDE	      1

#define MEM_ALIGNMENT	  8
#define MEM_SIZE	  (256 * 1024)
#define MEMP_NUM_PBUF	  64
#define MEMP_NUM_UDP_PCB  304 /* DHCP server and client, 32 DNS listeners, 256 upstream queries */
#define MEMP_NUM_TCP_PCB  8
#define PBUF_POOL_SIZE	  256
#define PBUF_POOL_BUFSIZE 1536
#define TCP_MSS		  1460
#define TCP_WND		  (8 * TCP_MSS)
#define TCP_SND_BUF	  (8 * TCP_MSS)
#define MEMP_NUM_TCP_SEG  64

#define LWIP_CHKSUM_ALGORITHM 3

#define LWIP_RAND() random_u32()
#include "kernel/random.h"

#endif
