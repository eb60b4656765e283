/*
 * The lwIP binding of the DHCP server and DNS forwarder. Packets are copied
 * out of their pbufs into flat buffers for the pure cores, and the cores'
 * replies are sent as the cores direct: DHCP by RFC 2131 §4.1 delivery
 * (struct dhcpd_dest), DNS by the forwarder's action list (REPLY, SEND from
 * a random local port, CLOSE that port).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "kernel/cli.h"
#include "kernel/memory.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "lwip/etharp.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/udp.h"
#include "net/dhcp/dhcp_msg.h"
#include "net/dns/dns_fwd.h"
#include "net/dns/dns_local.h"
#include "net/dns/dns_msg.h"
#include "net/services.h"
#include "net/switch/network.h"

#define SVC_NETS	32
#define SVC_PENDING	256 /* DNS queries forwarded at once; `quota dns-queries` each */
#define SVC_DHCP_MAX	1500
#define SVC_TICK_MS	100
#define SVC_PORT_DNS	53
#define SVC_PORT_BOOTPS 67
#define SVC_PORT_BOOTPC 68

struct svc_net {
	bool used;
	bool dhcp_on;
	char name[16];
	struct netif *netif;
	struct dhcpd dhcpd;
	void *leases;	   /* dhcpd's table, from svc_leases_alloc() */
	uint32_t capacity; /* its records */
	struct dns_local loc;
	struct udp_pcb *dns_pcb;
	uint32_t dns_addr; /* the address dns_pcb is bound to */
};

static struct svc_net svc_nets[SVC_NETS];
static struct udp_pcb *svc_dhcp_pcb;
static struct dns_fwd svc_fwd;
static struct dns_fwd_entry svc_pending[SVC_PENDING];
static struct dns_out svc_out;
static struct {
	uint16_t port;
	struct udp_pcb *pcb;
} svc_up[SVC_PENDING];
static uint8_t svc_buf[SVC_DHCP_MAX];
static uint8_t svc_reply[SVC_DHCP_MAX];
static uint32_t svc_last_tick;
static uint64_t svc_dhcp_toolong, svc_dhcp_nonet, svc_dns_toolong, svc_send_fail;
/* Upstreams: the configured ones win; with none, those the uplink learned. */
static uint32_t svc_conf_up[DNS_FWD_UPSTREAMS_MAX], svc_learned_up[DNS_FWD_UPSTREAMS_MAX];
static unsigned svc_nconf_up, svc_nlearned_up;
static char svc_hostname[64] = "unigate";
static struct network *svc_up_net; /* the uplink: upstream queries leave from it only */

static uint32_t svc_now_s(void)
{
	return (uint32_t)(time_ns() / 1000000000u);
}

static struct svc_net *svc_by_netif(const struct netif *nif)
{
	for (int i = 0; i < SVC_NETS; i++)
		if (svc_nets[i].used && svc_nets[i].netif == nif)
			return &svc_nets[i];
	return NULL;
}

static struct svc_net *svc_by_name(const char *name)
{
	for (int i = 0; i < SVC_NETS; i++)
		if (svc_nets[i].used && strcmp(svc_nets[i].name, name) == 0)
			return &svc_nets[i];
	return NULL;
}

/* Copies the datagram (p) into (buf) of (cap) bytes and frees it (a raw
 * API receive callback owns its pbuf). Returns its length, or -1 if it was
 * too long (counted in (*toolong)). */
static int svc_take(struct pbuf *p, uint8_t *buf, size_t cap, uint64_t *toolong)
{
	int n = -1;

	if (p->tot_len <= cap)
		n = pbuf_copy_partial(p, buf, p->tot_len, 0);
	else
		(*toolong)++;
	pbuf_free(p);
	return n;
}

static int svc_send(struct udp_pcb *pcb, const void *data, size_t len, uint32_t ip, uint16_t port,
		    struct netif *nif)
{
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	ip_addr_t dst;
	err_t err;

	if (p == NULL) {
		svc_send_fail++;
		return -ENOMEM;
	}
	memcpy(p->payload, data, len);
	ip_addr_set_ip4_u32(&dst, lwip_htonl(ip));
	err = nif ? udp_sendto_if(pcb, p, &dst, port, nif) : udp_sendto(pcb, p, &dst, port);
	pbuf_free(p);
	if (err != ERR_OK)
		svc_send_fail++;
	return err == ERR_OK ? 0 : -EIO;
}

/* An ACK binds its address to its client for the network's guard. */
static void svc_dhcp_bound(const struct svc_net *sn, const uint8_t *reply, size_t len, int port)
{
	struct network *net;
	struct dhcp_msg m;

	if (dhcp_msg_parse(reply, len, &m) != 0 || m.type != DHCP_ACK || m.yiaddr == 0 ||
	    (net = network_find(sn->name)) == NULL)
		return;
	network_guard_lease(net, m.yiaddr, m.chaddr, port, sn->dhcpd.cfg.lease_s);
}

/* DHCP: RFC 2131 §4.1 says where a reply goes; dhcpd_input decided. */
static void svc_dhcp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			  u16_t port)
{
	struct svc_net *sn = svc_by_netif(ip_current_input_netif());
	struct dhcpd_dest dest;
	int n;

	(void)arg;
	(void)addr;
	(void)port;
	if (sn == NULL || !sn->dhcp_on) {
		svc_dhcp_nonet++;
		pbuf_free(p);
		return;
	}
	n = svc_take(p, svc_buf, sizeof(svc_buf), &svc_dhcp_toolong);
	if (n < 0)
		return;
	/* The frame's source and port: who may speak for which lease. */
	struct dhcpd_src src;
	int in_port = network_input_source(src.mac);

	src.port = (uint8_t)in_port;
	n = dhcpd_input_from(&sn->dhcpd, svc_buf, (size_t)n, in_port >= 0 ? &src : NULL,
			     svc_now_s(), svc_reply, sizeof(svc_reply), &dest);
	if (n <= 0)
		return;
	svc_dhcp_bound(sn, svc_reply, (size_t)n, in_port);
	switch (dest.kind) {
	case DHCPD_DEST_BROADCAST:
		svc_send(pcb, svc_reply, (size_t)n, 0xffffffffu, dest.port, sn->netif);
		break;
	case DHCPD_DEST_HWADDR: {
		/* The client has no address yet and cannot answer ARP. */
		ip4_addr_t ip;

		struct eth_addr *known_mac;
		const ip4_addr_t *known_ip;

		ip4_addr_set_u32(&ip, lwip_htonl(dest.ip));
		/* Already known with this MAC: a plain unicast, and the learned
		 * entry stays (a static one would replace it, then go). */
		if (etharp_find_addr(sn->netif, &ip, &known_mac, &known_ip) >= 0 &&
		    memcmp(known_mac->addr, dest.mac, 6) == 0) {
			svc_send(pcb, svc_reply, (size_t)n, dest.ip, dest.port, sn->netif);
			break;
		}
		if (etharp_add_static_entry(&ip, (struct eth_addr *)dest.mac) != ERR_OK) {
			svc_send(pcb, svc_reply, (size_t)n, 0xffffffffu, dest.port, sn->netif);
			break;
		}
		svc_send(pcb, svc_reply, (size_t)n, dest.ip, dest.port, sn->netif);
		etharp_remove_static_entry(&ip);
		break;
	}
	case DHCPD_DEST_UNICAST:
	case DHCPD_DEST_RELAY:
		svc_send(pcb, svc_reply, (size_t)n, dest.ip, dest.port, sn->netif);
		break;
	}
}

static uint32_t svc_gateway_addr(const struct svc_net *sn)
{
	return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(sn->netif)));
}

/* The appliance's hostname is the gateway address of every network. */
static int svc_lookup(void *ctx, const char *name, uint32_t *addr)
{
	struct svc_net *sn = ctx;

	if (strcmp(name, svc_hostname) == 0) {
		*addr = svc_gateway_addr(sn);
		return 0;
	}
	return sn->dhcp_on ? dhcpd_lookup_name(&sn->dhcpd, name, svc_now_s(), addr) : -ENOENT;
}

static int svc_reverse(void *ctx, uint32_t addr, char *name, size_t size)
{
	struct svc_net *sn = ctx;

	if (addr == svc_gateway_addr(sn)) {
		snprintf(name, size, "%s", svc_hostname);
		return 0;
	}
	return sn->dhcp_on ? dhcpd_lookup_addr(&sn->dhcpd, addr, svc_now_s(), name, size) : -ENOENT;
}

static void svc_upstream_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			      u16_t port);

static struct udp_pcb **svc_up_slot(uint16_t port, bool create)
{
	for (int i = 0; i < SVC_PENDING; i++)
		if (svc_up[i].pcb != NULL && svc_up[i].port == port)
			return &svc_up[i].pcb;
	if (!create)
		return NULL;
	for (int i = 0; i < SVC_PENDING; i++)
		if (svc_up[i].pcb == NULL) {
			svc_up[i].port = port;
			return &svc_up[i].pcb;
		}
	return NULL;
}

/* The uplink's netif while it has an address, else NULL. */
static struct netif *svc_uplink_netif(void)
{
	struct netif *nif = svc_up_net != NULL ? network_netif(svc_up_net) : NULL;

	if (nif == NULL || ip4_addr_isany_val(*netif_ip4_addr(nif)))
		return NULL;
	return nif;
}

/*
 * An upstream socket on local port (port): bound to the uplink's address
 * and netif, so that queries leave from the uplink address only and only
 * replies that arrive on the uplink reach it (lwIP's udp_input matches a
 * netif-bound pcb only on that netif). NULL: no uplink address, or no pcb.
 */
static struct udp_pcb *svc_upstream_pcb(uint16_t port, struct netif *up)
{
	struct udp_pcb *pcb = udp_new();

	if (pcb == NULL)
		return NULL;
	if (udp_bind(pcb, netif_ip_addr4(up), port) != ERR_OK) {
		udp_remove(pcb);
		return NULL;
	}
	udp_bind_netif(pcb, up);
	udp_recv(pcb, svc_upstream_recv, NULL);
	return pcb;
}

/* Carries out the forwarder's actions, in order. */
static void svc_dns_run(void)
{
	uint16_t failed[DNS_OUT_MAX];
	unsigned nfailed = 0;

	for (unsigned i = 0; i < svc_out.n; i++) {
		const struct dns_action *a = &svc_out.act[i];
		uint8_t msg[DNS_MSG_MAX];
		size_t len = a->len < sizeof(msg) ? a->len : sizeof(msg);

		if (a->kind == DNS_ACT_CLOSE) {
			struct udp_pcb **slot = svc_up_slot(a->port, false);

			if (slot != NULL) {
				udp_remove(*slot);
				*slot = NULL;
			}
			continue;
		}
		memcpy(msg, a->data, len);
		dns_set_id(msg, a->id);
		if (a->kind == DNS_ACT_REPLY) {
			if (a->to.net < SVC_NETS && svc_nets[a->to.net].used)
				svc_send(svc_nets[a->to.net].dns_pcb, msg, len, a->to.ip,
					 a->to.port, NULL);
			continue;
		}
		struct netif *up = svc_uplink_netif();
		struct udp_pcb **slot = up != NULL ? svc_up_slot(a->port, true) : NULL;

		if (slot != NULL && *slot == NULL)
			*slot = svc_upstream_pcb(a->port, up);
		if (slot == NULL || *slot == NULL ||
		    svc_send(*slot, msg, len, a->server, SVC_PORT_DNS, up) < 0)
			if (nfailed < DNS_OUT_MAX)
				failed[nfailed++] = a->port;
	}
	for (unsigned i = 0; i < nfailed; i++) {
		dns_fwd_abort(&svc_fwd, failed[i], &svc_out);
		svc_dns_run();
	}
}

static void svc_upstream_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			      u16_t port)
{
	uint8_t msg[DNS_MSG_MAX];
	int n;

	(void)arg;
	n = svc_take(p, msg, sizeof(msg), &svc_dns_toolong);
	if (n < 0)
		return;
	if (dns_fwd_reply(&svc_fwd, msg, (size_t)n, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))),
			  port, pcb->local_port, sys_now(), &svc_out) >= 0)
		svc_dns_run();
}

static void svc_dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			 u16_t port)
{
	struct svc_net *sn = arg;
	struct dns_client from;
	uint8_t msg[DNS_MSG_MAX];
	int n;

	(void)pcb;
	n = svc_take(p, msg, sizeof(msg), &svc_dns_toolong);
	if (n < 0)
		return;
	from.ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
	from.port = port;
	from.net = (uint16_t)(sn - svc_nets);
	if (dns_fwd_query(&svc_fwd, &sn->loc, msg, (size_t)n, &from, sys_now(), &svc_out) >= 0)
		svc_dns_run();
}

void svc_port_released(const char *name, int port)
{
	struct svc_net *sn = svc_by_name(name);

	if (sn != NULL && sn->dhcp_on && port >= 0 && port < DHCPD_PORT_ANY)
		dhcpd_forget_port(&sn->dhcpd, (uint8_t)port);
}

void svc_quota_counts(uint64_t *dns_client, uint64_t *dhcp_port)
{
	*dns_client = svc_fwd.stats.client_full;
	*dhcp_port = 0;
	for (int i = 0; i < SVC_NETS; i++)
		if (svc_nets[i].used)
			*dhcp_port += svc_nets[i].dhcpd.stats.drop_port_limit;
}

void svc_set_uplink(struct network *up)
{
	svc_up_net = up;
}

void svc_set_client_queries(uint32_t n)
{
	dns_fwd_set_per_client(&svc_fwd, n);
}

int svc_init(void)
{
	svc_dhcp_pcb = udp_new();
	if (svc_dhcp_pcb == NULL || udp_bind(svc_dhcp_pcb, IP_ADDR_ANY, SVC_PORT_BOOTPS) != ERR_OK)
		return -ENOMEM;
	ip_set_option(svc_dhcp_pcb, SOF_BROADCAST);
	udp_recv(svc_dhcp_pcb, svc_dhcp_recv, NULL);
	dns_fwd_init(&svc_fwd, svc_pending, SVC_PENDING, random_u32);
	/* The NAT's dynamic ports are below 49152 (net/nat/nat.h); ours above. */
	dns_fwd_set_ports(&svc_fwd, 49152, 65535, NULL, 0);
	return 0;
}

void *svc_leases_alloc(uint32_t capacity)
{
	if (capacity == 0 || capacity > DHCPD_LEASES_MAX)
		return NULL;
	return calloc(1, dhcpd_table_size(capacity));
}

void svc_leases_free(void *leases)
{
	free(leases);
}

uint32_t svc_leases_need(const struct dhcpd_config *dhcp)
{
	return dhcp != NULL ? dhcpd_capacity(dhcp) : 0;
}

bool svc_needs_leases(const char *name, uint32_t capacity)
{
	struct svc_net *sn = svc_by_name(name);

	return sn == NULL || (capacity != 0 && sn->capacity != capacity);
}

/* Gives (sn) the lease table (leases) of (capacity) records, counted while
 * the network holds it, as its MAC table is; the one it had is freed. */
static void svc_take_leases(struct svc_net *sn, void *leases, uint32_t capacity)
{
	memory_account("dhcp leases", (long long)dhcpd_table_size(capacity));
	if (sn->leases != NULL)
		memory_account("dhcp leases", -(long long)dhcpd_table_size(sn->capacity));
	free(sn->leases);
	sn->leases = leases;
	sn->capacity = capacity;
}

/* A new network's services, with an empty server over (leases). Returns
 * 0, or -errno with (*why) set and (leases) freed. */
static int svc_add(const char *name, void *leases, uint32_t capacity, struct svc_net **snp,
		   const char **why)
{
	struct svc_net *sn = NULL;

	for (int i = 0; i < SVC_NETS && sn == NULL; i++)
		if (!svc_nets[i].used)
			sn = &svc_nets[i];
	if (sn == NULL || leases == NULL || capacity == 0 || capacity > DHCPD_LEASES_MAX) {
		free(leases);
		*why = sn == NULL ? "too many networks" : "out of memory";
		return sn == NULL ? -ENOSPC : -ENOMEM;
	}
	memset(sn, 0, sizeof(*sn));
	svc_take_leases(sn, leases, capacity);
	/* The seed keeps guests from choosing colliding keys and names. */
	dhcpd_init(&sn->dhcpd, sn->leases, capacity, (uint64_t)random_u32() << 32 | random_u32());
	snprintf(sn->name, sizeof(sn->name), "%s", name);
	sn->used = true;
	*snp = sn;
	return 0;
}

/* Configures (sn)'s DHCP server with (*dhcp), moving its leases into
 * (leases) of (capacity) records if that is not NULL. */
static int svc_dhcp_configure(struct svc_net *sn, const struct dhcpd_config *dhcp, void *leases,
			      uint32_t capacity, const char **why)
{
	int err;

	if (leases == NULL)
		return dhcpd_configure(&sn->dhcpd, dhcp, why);
	err = dhcpd_configure_table(&sn->dhcpd, dhcp, leases, capacity, why);
	if (err < 0)
		free(leases);
	else
		svc_take_leases(sn, leases, capacity);
	return err;
}

bool svc_needs_listener(const char *name, uint32_t addr)
{
	struct svc_net *sn = svc_by_name(name);

	return sn == NULL || sn->dns_pcb == NULL || sn->dns_addr != addr;
}

void *svc_listener_alloc(void)
{
	return udp_new();
}

void svc_listener_free(void *listener)
{
	if (listener != NULL)
		udp_remove(listener);
}

int svc_network(const char *name, struct netif *netif, const struct dhcpd_config *dhcp,
		const char *domain, bool forward, void *leases, uint32_t capacity, void *listener,
		const char **why)
{
	struct svc_net *sn = svc_by_name(name);
	uint32_t addr = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(netif)));
	uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(netif)));
	ip_addr_t ip;
	int err;

	*why = "";
	/* A network with DHCP off keeps the table it has, and its leases. */
	if (sn != NULL && dhcp == NULL && leases != NULL) {
		free(leases);
		leases = NULL;
	}
	if (dhcp != NULL && (err = dhcpd_config_check(dhcp,
						      leases != NULL ? capacity
						      : sn	     ? sn->capacity
								     : 0,
						      why)) < 0) {
		free(leases);
		return err;
	}
	if (sn == NULL) {
		err = svc_add(name, leases, capacity, &sn, why);
		if (err < 0)
			return err;
		leases = NULL; /* taken */
	}
	if (dhcp != NULL && (err = svc_dhcp_configure(sn, dhcp, leases, capacity, why)) < 0)
		return err;
	sn->dhcp_on = dhcp != NULL;
	sn->netif = netif;
	dns_local_set_domain(&sn->loc, domain);
	sn->loc.net = addr & mask;
	sn->loc.mask = mask;
	sn->loc.ttl = 60;
	sn->loc.local_only = !forward;
	sn->loc.lookup = svc_lookup;
	sn->loc.reverse = svc_reverse;
	sn->loc.ctx = sn;
	/* The DNS listener follows the gateway address: a new one is bound
	 * before the old one goes, so a failure leaves the old one. */
	if (sn->dns_pcb != NULL && sn->dns_addr == addr) {
		svc_listener_free(listener);
		return 0;
	}
	struct udp_pcb *pcb = listener != NULL ? listener : udp_new();

	ip_addr_set_ip4_u32(&ip, lwip_htonl(addr));
	if (pcb == NULL || udp_bind(pcb, &ip, SVC_PORT_DNS) != ERR_OK) {
		if (pcb != NULL)
			udp_remove(pcb);
		*why = "no UDP socket left for DNS";
		return -ENOMEM;
	}
	udp_recv(pcb, svc_dns_recv, sn);
	if (sn->dns_pcb != NULL)
		udp_remove(sn->dns_pcb);
	sn->dns_pcb = pcb;
	sn->dns_addr = addr;
	return 0;
}

void svc_network_remove(const char *name)
{
	struct svc_net *sn = svc_by_name(name);

	if (sn == NULL)
		return;
	if (sn->dns_pcb != NULL)
		udp_remove(sn->dns_pcb);
	if (sn->leases != NULL)
		memory_account("dhcp leases", -(long long)dhcpd_table_size(sn->capacity));
	free(sn->leases);
	memset(sn, 0, sizeof(*sn));
}

static void svc_use_upstreams(void)
{
	if (svc_nconf_up > 0)
		dns_fwd_set_upstreams(&svc_fwd, svc_conf_up, svc_nconf_up);
	else
		dns_fwd_set_upstreams(&svc_fwd, svc_learned_up, svc_nlearned_up);
}

/* Keeps the first DNS_FWD_UPSTREAMS_MAX usable addresses of (ips). */
static unsigned svc_copy_upstreams(uint32_t *dst, const uint32_t *ips, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && k < DNS_FWD_UPSTREAMS_MAX; i++)
		if (ips[i] != 0 && ips[i] != 0xffffffffu)
			dst[k++] = ips[i];
	return k;
}

void svc_set_upstreams(const uint32_t *ips, unsigned n)
{
	svc_nconf_up = svc_copy_upstreams(svc_conf_up, ips, n);
	svc_use_upstreams();
}

void svc_learn_upstreams(const uint32_t *ips, unsigned n)
{
	svc_nlearned_up = svc_copy_upstreams(svc_learned_up, ips, n);
	svc_use_upstreams();
}

int svc_set_hostname(const char *name)
{
	if (strlen(name) >= sizeof(svc_hostname))
		return -EINVAL;
	/* dns_local gives names folded to lower case. */
	for (size_t i = 0; i <= strlen(name); i++)
		svc_hostname[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] + 32) : name[i];
	return 0;
}

/* RFC 792: an ICMP destination unreachable carries the IP header and at
 * least the first 8 bytes of the datagram it is about. */
bool svc_icmp_error(const uint8_t *ip, size_t len, uint32_t local_addr)
{
	size_t ihl, iihl;
	const uint8_t *icmp, *in;
	uint32_t src, dst;

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 1)
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 + 20)
		return false;
	icmp = ip + ihl;
	in = icmp + 8;
	/* Net, host, protocol and port unreachable; administratively prohibited. */
	if (icmp[0] != 3 || !(icmp[1] <= 3 || icmp[1] == 13))
		return false;
	iihl = (size_t)(in[0] & 0x0f) * 4;
	if ((in[0] >> 4) != 4 || iihl < 20 || len < ihl + 8 + iihl + 8 || in[9] != 17)
		return false;
	src = (uint32_t)in[12] << 24 | (uint32_t)in[13] << 16 | (uint32_t)in[14] << 8 | in[15];
	dst = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 | (uint32_t)in[18] << 8 | in[19];
	if (src != local_addr || (in[iihl + 2] << 8 | in[iihl + 3]) != SVC_PORT_DNS)
		return false;
	if (dns_fwd_unreachable(&svc_fwd, (uint16_t)(in[iihl] << 8 | in[iihl + 1]), dst, sys_now(),
				&svc_out) < 0)
		return false;
	svc_dns_run();
	return true;
}

static void svc_poll(void)
{
	uint32_t now = sys_now();

	if (now - svc_last_tick < SVC_TICK_MS)
		return;
	svc_last_tick = now;
	while (dns_fwd_tick(&svc_fwd, now, &svc_out) == 1)
		svc_dns_run();
	svc_dns_run();
}

static int svc_cmd_leases(int argc, char **argv, struct cli_out *out)
{
	for (int i = 0; i < SVC_NETS; i++) {
		struct svc_net *sn = &svc_nets[i];

		if (!sn->used || !sn->dhcp_on || (argc > 0 && strcmp(argv[0], sn->name) != 0))
			continue;
		cli_printf(out, "network %s\n", sn->name);
		dhcpd_show_leases(&sn->dhcpd, svc_now_s(), out);
	}
	return 0;
}

static int svc_cmd_clear_leases(int argc, char **argv, struct cli_out *out)
{
	for (int i = 0; i < SVC_NETS; i++) {
		struct svc_net *sn = &svc_nets[i];

		if (!sn->used || (argc > 0 && strcmp(argv[0], sn->name) != 0))
			continue;
		cli_printf(out, "network %s: %u leases cleared\n", sn->name,
			   (unsigned)dhcpd_clear(&sn->dhcpd));
	}
	return 0;
}

static int svc_cmd_dhcp(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < SVC_NETS; i++)
		if (svc_nets[i].used && svc_nets[i].dhcp_on) {
			cli_printf(out, "network %s\n", svc_nets[i].name);
			dhcpd_show_counters(&svc_nets[i].dhcpd, out);
		}
	cli_printf(out,
		   "dropped: too long %llu, no DHCP on that network %llu; send failures %llu\n",
		   (unsigned long long)svc_dhcp_toolong, (unsigned long long)svc_dhcp_nonet,
		   (unsigned long long)svc_send_fail);
	return 0;
}

static int svc_cmd_dns(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	dns_fwd_show(&svc_fwd, sys_now(), 16, out);
	cli_printf(out, "dropped: too long %llu\n", (unsigned long long)svc_dns_toolong);
	return 0;
}

CLI_COMMAND(show_leases, "show leases", "DHCP leases of every network, or of NETWORK",
	    svc_cmd_leases);
CLI_COMMAND(clear_leases, "clear leases", "forget the DHCP leases of every network, or of NETWORK",
	    svc_cmd_clear_leases);
CLI_COMMAND(show_dhcp, "show dhcp", "DHCP server counters per network", svc_cmd_dhcp);
CLI_COMMAND(show_dns, "show dns", "DNS forwarder: upstreams, pending queries, counters",
	    svc_cmd_dns);

POLLER(services, svc_poll);
