/*
 * The binding of the NAPT core to the switches and lwIP. Frames for a CPU
 * port arrive here first (gw_input, step 3 of the path in
 * net/switch/network.h): a nat network's packets to destinations beyond it
 * are translated in the driver's buffer and sent on by egress_send()
 * (net/nat/egress.h), GSO frames whole; packets to the uplink address are
 * translated back in or left to lwIP (NAT_LOCAL). ICMP errors the core
 * asks for are built by lwIP's icmp.c, rate-limited; lwIP fragments the
 * rare packet that needs it.
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
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/ip4_frag.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "drivers/offload.h"
#include "net/nat/egress.h"
#include "net/nat/gateway.h"
#include "net/nat/nat.h"
#include "net/switch/network.h"
#include "net/services.h"

#define GW_ETH_HLEN	  14
#define GW_BOOT_SESSIONS  NAT_CAPACITY_FLOOR /* the boot's first NAT table (gw_grow) */
#define GW_GROW_STEP	  (64u << 10)	     /* bytes of the full table cleared a pass */
#define GW_ETH_P_IP	  0x0800
#define GW_ICMP_PER_SEC	  100 /* ICMP errors sent, at most (RFC 1812 §4.3.2.8) */
#define GW_ICMP_DUR_ADMIN 13  /* communication administratively prohibited (RFC 1812 §5.2.7.1) */

static struct nat gw_nat;
static void *gw_mem;
static void *gw_next_mem; /* gw_prepare()'s, for gw_configure() */
static uint32_t gw_next_capacity;
static bool gw_growing;	    /* the boot's table grows to gw_next_capacity (gw_grow) */
static size_t gw_grow_done; /* bytes of gw_next_mem cleared so far */
static uint32_t gw_capacity;
static bool gw_ready;
static struct network *gw_up;
static uint32_t gw_up_addr;			  /* as last given to the core */
static struct gw_forward gw_fwd[GW_FORWARDS_MAX]; /* as configured */
static unsigned gw_nforwards;
static uint32_t gw_dns_seen[DNS_MAX_SERVERS];
static uint32_t gw_icmp_second, gw_icmp_sent;
static struct {
	uint64_t to_uplink, to_inside, local, no_route, no_pbuf, icmp_sent, icmp_limited,
		between_networks, spoofed, not_for_uplink, uplink_service, hostonly_out,
		directed_bcast, bad_offload;
} gw_st;

static uint32_t gw_rand(void *ctx)
{
	(void)ctx;
	return random_u32();
}

/* A key for a new table's hashes. */
static uint64_t gw_seed(void)
{
	return ((uint64_t)random_u32() << 32) | random_u32();
}

static uint32_t gw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t gw_netif_addr(struct netif *nif)
{
	return nif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif))) : 0;
}

static void gw_poll(void);
static void gw_grow(void);
static int gw_install(struct nat *next, void *mem, uint32_t sessions);
static int gw_add_forwards(void);

/* (sessions), or for 0 the size the heap allows (nat_capacity_for_heap). */
static uint32_t gw_sessions(uint32_t sessions)
{
	uint64_t base, brk, end;

	if (sessions != 0)
		return sessions;
	memory_heap(&base, &brk, &end);
	return nat_capacity_for_heap(end - base);
}

/* The bytes gw_prepare() allocates for a table of (sessions). */
static size_t gw_mem_bytes(uint32_t sessions)
{
	return (nat_mem_size(sessions) + 7) & ~(size_t)7;
}

int gw_prepare(uint32_t sessions)
{
	size_t size;

	sessions = gw_sessions(sessions);
	size = nat_mem_size(sessions);

	if (gw_ready && sessions == gw_capacity)
		return 0;
	if (gw_next_mem != NULL && sessions == gw_next_capacity)
		return 0;
	gw_prepare_abort();
	if (size == 0)
		return -EINVAL;
	/* A big block: nat_init() clears what it uses. */
	gw_next_mem = memory_alloc_big(gw_mem_bytes(sessions), 8);
	if (gw_next_mem == NULL)
		return -ENOMEM;
	gw_next_capacity = sessions;
	return 0;
}

void gw_prepare_abort(void)
{
	gw_growing = false;
	memory_free_big(gw_next_mem, gw_mem_bytes(gw_next_capacity));
	gw_next_mem = NULL;
	gw_next_capacity = 0;
}

int gw_configure(uint32_t sessions, const uint32_t timeouts[4], const uint32_t quotas[NAT_Q_MAX])
{
	sessions = gw_sessions(sessions);
	static struct nat next; /* about 400 bytes of counters: not on the stack */
	struct nat_config c;
	int err;

	nat_config_default(&c);
	c.timeout[NAT_TMO_UDP] = timeouts[0];
	c.timeout[NAT_TMO_TCP_EST] = timeouts[1];
	c.timeout[NAT_TMO_TCP_TRANS] = timeouts[2];
	c.timeout[NAT_TMO_ICMP] = timeouts[3];
	for (int t = 0; t < NAT_TMO_MAX; t++)
		if (c.timeout[t] < nat_timeout_min((enum nat_timeout)t))
			return -EINVAL;
	for (int q = 0; q < NAT_Q_MAX; q++)
		if (quotas[q] > nat_quota_max((enum nat_quota)q))
			return -EINVAL;
	if (gw_ready && sessions == gw_capacity) {
		for (int t = 0; t < NAT_TMO_MAX; t++)
			nat_set_timeout(&gw_nat, (enum nat_timeout)t, c.timeout[t]);
		for (int q = 0; q < NAT_Q_MAX; q++)
			nat_set_quota(&gw_nat, (enum nat_quota)q, quotas[q]);
		return 0;
	}
	/* The new table is built whole before the old one goes: a failure
	 * leaves the running NAT as it was. */
	err = gw_prepare(sessions);
	if (err)
		return err;
	c.uplink_ip = gw_up_addr;
	/* The boot's table starts small, so that ready comes before the full
	 * one's first touch (gw_grow). */
	void *mem = gw_ready || sessions <= GW_BOOT_SESSIONS
			    ? NULL
			    : memory_alloc_big(gw_mem_bytes(GW_BOOT_SESSIONS), 8);
	uint32_t now = mem != NULL ? GW_BOOT_SESSIONS : sessions;

	err = nat_init(&next, mem != NULL ? mem : gw_next_mem, nat_mem_size(now), now, &c,
		       gw_seed(), gw_rand, NULL);
	for (int q = 0; q < NAT_Q_MAX && err == 0; q++)
		err = nat_set_quota(&next, (enum nat_quota)q, quotas[q]);
	if (err) {
		memory_free_big(mem, gw_mem_bytes(GW_BOOT_SESSIONS));
		gw_prepare_abort();
		return err;
	}
	gw_grow_done = 0;
	gw_growing = mem != NULL;
	if (mem == NULL) {
		mem = gw_next_mem;
		gw_next_mem = NULL;
	}
	return gw_install(&next, mem, now);
}

/* Puts (next), a table of (sessions) over (mem), in place of the running
 * one. */
static int gw_install(struct nat *next, void *mem, uint32_t sessions)
{
	/* Live flows move to the new table; when it is too small for them
	 * (shrinking), they end, and the forwards are added again below. */
	if (gw_ready && nat_copy(next, &gw_nat) < 0) {
		printf("nat: %u sessions do not fit in %u: flows reset\n", (unsigned)gw_nat.nsess,
		       (unsigned)sessions);
		nat_clear(next);
	}
	/* Counted once a table is in use: a prepared one lives only
	 * through one apply. */
	if (gw_mem != NULL)
		memory_account("nat", -(long long)gw_mem_bytes(gw_capacity));
	memory_account("nat", (long long)gw_mem_bytes(sessions));
	memory_free_big(gw_mem, gw_mem_bytes(gw_capacity));
	gw_mem = mem;
	gw_nat = *next;
	gw_capacity = sessions;
	gw_ready = true;
	return gw_add_forwards();
}

/*
 * The boot's NAT table holds GW_BOOT_SESSIONS; the one the config asks for
 * waits in gw_next_mem (gw_prepare(), so it cannot fail to exist) and is
 * cleared here, GW_GROW_STEP bytes a pass, just after ready: the first
 * touch of 4.5 MiB of fresh guest memory took 30-45 ms of the boot under
 * QEMU TCG with virtio-net ports (3 ms with e1000 ones; not understood),
 * more than everything else the kernel does before ready. Then the table
 * moves in as `nat sessions` does (nat_copy keeps every flow). Packets are
 * served between steps; a config that changes the NAT size meanwhile
 * takes gw_next_mem over (gw_prepare_abort or gw_configure).
 */
static void gw_grow(void)
{
	static struct nat next;
	size_t size, n;

	if (!gw_growing)
		return;
	if (gw_next_mem == NULL) {
		gw_growing = false;
		return;
	}
	size = nat_mem_size(gw_next_capacity);
	n = size - gw_grow_done < GW_GROW_STEP ? size - gw_grow_done : GW_GROW_STEP;
	memset((uint8_t *)gw_next_mem + gw_grow_done, 0, n);
	gw_grow_done += n;
	if (gw_grow_done < size) {
		poll_again();
		return;
	}
	gw_growing = false;
	if (nat_init_zeroed(&next, gw_next_mem, size, gw_next_capacity, &gw_nat.cfg, gw_seed(),
			    gw_rand, NULL) != 0) {
		gw_prepare_abort();
		return;
	}
	void *mem = gw_next_mem;

	gw_next_mem = NULL;
	gw_install(&next, mem, gw_next_capacity);
	gw_next_capacity = 0;
}

void gw_quota_counts(uint64_t *host, uint64_t *forward, uint64_t *frag, uint64_t *icmp)
{
	const struct nat_stats *st = &gw_nat.stats;

	*host = gw_ready ? st->refused_host : 0;
	*forward = gw_ready ? st->verdict[NAT_DROP_RATE] : 0;
	*frag = gw_ready ? st->verdict[NAT_DROP_FRAG_QUOTA] : 0;
	*icmp = gw_ready ? st->verdict[NAT_DROP_ICMP_RATE] : 0;
}

void gw_set_uplink(struct network *up)
{
	gw_up = up;
	memset(gw_dns_seen, 0, sizeof(gw_dns_seen));
	gw_poll();
}

/* Adds every forward of gw_fwd to the table; those there already stay. */
static int gw_add_forwards(void)
{
	int err = 0, e;

	for (unsigned i = 0; i < gw_nforwards; i++) {
		const struct gw_forward *f = &gw_fwd[i];

		e = nat_forward_add(&gw_nat, f->proto, f->out_port, f->in_ip, f->in_port);
		if (e < 0 && e != -EEXIST && err == 0)
			err = e;
	}
	return err;
}

int gw_set_forwards(const struct gw_forward *fw, unsigned n)
{
	struct nat_forward f;
	uint32_t pos = 0;

	if (n > GW_FORWARDS_MAX)
		return -ENOSPC;
	memcpy(gw_fwd, fw, n * sizeof(*fw));
	gw_nforwards = n;
	if (!gw_ready)
		return 0;
	/* Forwards that stay keep their sessions; the others go first, so that
	 * a forward moved to another inside host finds its port free. */
	while (nat_forward_next(&gw_nat, &pos, &f) == 0) {
		bool keep = false;

		for (unsigned i = 0; i < n && !keep; i++)
			keep = fw[i].proto == f.proto && fw[i].out_port == f.out_port &&
			       fw[i].in_ip == f.in_ip && fw[i].in_port == f.in_port;
		if (!keep) {
			nat_forward_del(&gw_nat, f.proto, f.out_port);
			pos = 0;
		}
	}
	return gw_add_forwards();
}

/* The rare path: a packet lwIP fragments for us (DF clear, longer than the
 * next hop's MTU), resolved by lwIP's ARP. */
static void gw_fragment(struct netif *nif, const uint8_t *ip, size_t len, uint32_t nexthop)
{
	struct pbuf *p = pbuf_alloc(PBUF_LINK, (u16_t)len, PBUF_RAM);
	ip4_addr_t hop;

	if (p == NULL) {
		gw_st.no_pbuf++;
		return;
	}
	memcpy(p->payload, ip, len);
	ip4_addr_set_u32(&hop, lwip_htonl(nexthop));
	ip4_frag(p, nif, &hop);
	pbuf_free(p);
}

static void gw_icmp(const uint8_t *ip, size_t len, enum nat_verdict v)
{
	uint32_t now = sys_now() / 1000;
	struct pbuf *p;

	if (now != gw_icmp_second) {
		gw_icmp_second = now;
		gw_icmp_sent = 0;
	}
	if (gw_icmp_sent >= GW_ICMP_PER_SEC) {
		gw_st.icmp_limited++;
		return;
	}
	/* The error quotes the header and 8 bytes (RFC 792); a GSO packet
	 * need not be copied whole for that. */
	if (len > 576)
		len = 576;
	p = pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM);
	if (p == NULL) {
		gw_st.no_pbuf++;
		return;
	}
	memcpy(p->payload, ip, len);
	/* lwIP routes the error to the packet's source, from that netif's address. */
	if (v == NAT_ICMP_TIME_EXCEEDED)
		icmp_time_exceeded(p, ICMP_TE_TTL);
	else if (v == NAT_ICMP_FRAG_NEEDED)
		icmp_dest_unreach(p, ICMP_DUR_FRAG);
	else /* RFC 5508 REQ-8: no room for the new flow; lwIP's enum lacks code 13 */
		icmp_dest_unreach(p, (enum icmp_dur_type)GW_ICMP_DUR_ADMIN);
	pbuf_free(p);
	gw_icmp_sent++;
	gw_st.icmp_sent++;
}

/* lwIP's fragmenting takes finished packets only: a checksum left to a
 * device is completed first (in place: the frame is ours now); a GSO
 * packet that would need fragments, not segments, is dropped. */
static void gw_fragment_ofl(struct netif *nif, uint8_t *ip, size_t len, uint32_t hop,
			    const struct netdev_offload *ofl)
{
	if (ofl != NULL &&
	    (ofl->gso_type || offload_csum(ip - GW_ETH_HLEN, len + GW_ETH_HLEN, ofl))) {
		gw_st.bad_offload++;
		return;
	}
	gw_fragment(nif, ip, len, hop);
}

/*
 * Makes what the sender of the IPv4 packet (ip, len) left to a device fit
 * the NAT (virtio 1.2 §5.1.6.2): a checksum at TCP's or UDP's usual place
 * stays partial (meta->csum_partial); one anywhere else is completed now
 * and its flag cleared in (*ofl); a GSO packet (TCP over IPv4, its checksum
 * partial, as §5.1.6.2 requires) tells the NAT its segments' size. Returns
 * the offload to send the packet with, NULL for none; sets (*bad) for a
 * packet to drop (counted).
 */
static const struct netdev_offload *gw_offload(uint8_t *ip, size_t len, struct netdev_offload *ofl,
					       struct nat_meta *meta, bool *bad)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	bool usual;

	*bad = false;
	if (ofl == NULL || (!(ofl->flags & OFFLOAD_F_NEEDS_CSUM) && ofl->gso_type == 0))
		return NULL;
	usual = (ofl->flags & OFFLOAD_F_NEEDS_CSUM) && (ip[6] & 0x3f) == 0 && ip[7] == 0 &&
		ofl->csum_start == GW_ETH_HLEN + ihl &&
		((ip[9] == 6 && ofl->csum_offset == 16) || (ip[9] == 17 && ofl->csum_offset == 6));
	if (ofl->gso_type) {
		if (!usual || (ofl->gso_type & ~OFFLOAD_GSO_ECN) != OFFLOAD_GSO_TCPV4 ||
		    ip[9] != 6 || ofl->gso_size == 0) {
			gw_st.bad_offload++;
			*bad = true;
			return NULL;
		}
		meta->gso_size = ofl->gso_size;
	} else if (!usual) {
		if (offload_csum(ip - GW_ETH_HLEN, len + GW_ETH_HLEN, ofl) != 0) {
			gw_st.bad_offload++;
			*bad = true;
		}
		ofl->flags &= (uint8_t)~OFFLOAD_F_NEEDS_CSUM;
		return NULL;
	}
	meta->csum_partial = true;
	return ofl;
}

/* Carries out the core's verdict on the packet (ip, len), which leaves
 * with the offload (ofl) if it goes on. Returns true if the packet was
 * consumed, false to give it to lwIP. */
static bool gw_verdict(enum nat_verdict v, uint8_t *ip, size_t len, const struct nat_meta *meta,
		       const struct netdev_offload *ofl)
{
	uint32_t dst = gw_be32(ip + 16);
	struct netif *up = gw_up ? network_netif(gw_up) : NULL;
	struct network *in;

	switch (v) {
	case NAT_LOCAL:
		gw_st.local++;
		return false;
	case NAT_TO_UPLINK: {
		uint32_t mask = up ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(up))) : 0;
		uint32_t gw = up ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(up))) : 0;
		uint32_t hop = (dst & mask) == (gw_netif_addr(up) & mask) ? dst : gw;

		if (up == NULL || hop == 0) {
			gw_st.no_route++;
			return true;
		}
		gw_st.to_uplink++;
		if (meta->fragment)
			gw_fragment_ofl(up, ip, len, hop, ofl);
		else
			egress_send(gw_up, ip - GW_ETH_HLEN, len + GW_ETH_HLEN, hop, ofl);
		return true;
	}
	case NAT_TO_INSIDE:
		in = network_by_addr(dst);
		if (in == NULL || !network_is_nat(in)) {
			gw_st.no_route++;
			return true;
		}
		gw_st.to_inside++;
		if (meta->fragment)
			gw_fragment_ofl(network_netif(in), ip, len, dst, ofl);
		else
			egress_send(in, ip - GW_ETH_HLEN, len + GW_ETH_HLEN, dst, ofl);
		return true;
	case NAT_ICMP_TIME_EXCEEDED:
	case NAT_ICMP_FRAG_NEEDED:
	case NAT_ICMP_ADMIN_PROHIBITED:
		gw_icmp(ip, len, v);
		return true;
	default:
		return true; /* refused or dropped: the core counted it */
	}
}

/* True if (dst) is the broadcast address of (nif)'s subnet. */
static bool gw_is_directed_bcast(struct netif *nif, uint32_t dst)
{
	uint32_t addr = gw_netif_addr(nif);
	uint32_t mask = nif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))) : 0;

	return addr != 0 && mask != 0xffffffffu && dst == (addr | ~mask);
}

/* The destination port of a UDP packet (its first fragment), or 0. */
static uint16_t gw_udp_dport(const uint8_t *ip, size_t iplen)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	if (ip[9] != 17 || ihl < 20 || iplen < ihl + 8 || (ip[6] & 0x1f) != 0 || ip[7] != 0)
		return 0;
	return (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
}

/* True for UDP to the DNS or DHCP server port. */
static bool gw_service_port(const uint8_t *ip, size_t iplen)
{
	uint16_t port = gw_udp_dport(ip, iplen);

	return port == 53 || port == 67;
}

/* A packet that reached the uplink's CPU port: only the uplink address is
 * ours there (and broadcasts, lwIP's). The inside gateway addresses are
 * lwIP netifs too, and lwIP accepts a packet for any of them on any netif
 * (RFC 1122 §3.3.4.2, weak host): an outside host that routes the inside
 * subnet via the uplink must not reach them, so such packets stop here. */
static bool gw_from_uplink(uint8_t *ip, size_t iplen, uint32_t dst, struct netdev_offload *ofl)
{
	struct netif *nif = network_netif(gw_up);
	uint32_t mask = nif ? lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))) : 0;
	uint32_t own = gw_netif_addr(nif); /* the DHCP client's may be newer than gw_up_addr */
	struct nat_meta meta = {0};
	const struct netdev_offload *out;
	enum nat_verdict v;
	bool bad;

	if (dst == 0xffffffffu || (dst >> 28) == 0xe || (own && dst == (own | ~mask)))
		return false;
	/* Without an address yet, only the DHCP client's answers are ours (an
	 * OFFER may come unicast to the address offered). */
	if (own == 0) {
		if (gw_udp_dport(ip, iplen) == 68)
			return false;
		gw_st.not_for_uplink++;
		return true;
	}
	if (dst != own) {
		gw_st.not_for_uplink++;
		return true;
	}
	/* The forwarder's upstream ports are outside the NAT's (net/services.c). */
	if (svc_icmp_error(ip, iplen, own))
		return true;
	/* DNS and DHCP are the inside's services: on the uplink they are
	 * silent, not even a port unreachable from lwIP. */
	if (gw_service_port(ip, iplen)) {
		gw_st.uplink_service++;
		return true;
	}
	if (!gw_ready)
		return false;
	out = gw_offload(ip, iplen, ofl, &meta, &bad);
	if (bad)
		return true;
	v = nat_translate(&gw_nat, NAT_INBOUND, ip, iplen, sys_now(), &meta);
	return gw_verdict(v, ip, iplen, &meta, out);
}

bool gw_input(struct network *net, void *frame, size_t len, struct netdev_offload *ofl)
{
	uint8_t *eth = frame, *ip = eth + GW_ETH_HLEN;
	size_t iplen = len - GW_ETH_HLEN;
	struct nat_meta meta = {0};
	struct netif *nif = network_netif(net);
	const struct netdev_offload *out;
	uint32_t src, dst, mask;
	enum nat_verdict v;
	bool bad;

	if (len < GW_ETH_HLEN + 20 || (eth[12] << 8 | eth[13]) != GW_ETH_P_IP)
		return false;
	src = gw_be32(ip + 12);
	dst = gw_be32(ip + 16);
	if (net == gw_up)
		return gw_from_uplink(ip, iplen, dst, ofl);
	if (nif == NULL)
		return false;
	mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif)));
	/* The gateway's own subnet, broadcasts and multicast are lwIP's. */
	if ((dst & mask) == (gw_netif_addr(nif) & mask) || dst == 0xffffffffu || (dst >> 28) == 0xe)
		return false;
	/* Networks are isolated: no routing from one to another, nor to another
	 * network's gateway address. The uplink's subnet is outside, reached
	 * through NAT like everything else. */
	struct network *other = network_by_addr(dst);

	if (other != NULL && other != gw_up) {
		gw_st.between_networks++;
		return true;
	}
	/* Host-only networks have no route out, not even to the uplink
	 * address, which lwIP would otherwise accept on any netif. */
	if (!network_is_nat(net)) {
		gw_st.hostonly_out++;
		return true;
	}
	if (!gw_ready)
		return false;
	if ((src & mask) != (gw_netif_addr(nif) & mask)) {
		gw_st.spoofed++;
		return true;
	}
	/* A directed broadcast to the uplink's subnet (RFC 2644: not
	 * forwarded by default) would reach every host outside at once. */
	if (gw_up != NULL && gw_is_directed_bcast(network_netif(gw_up), dst)) {
		gw_st.directed_bcast++;
		return true;
	}
	out = gw_offload(ip, iplen, ofl, &meta, &bad);
	if (bad)
		return true;
	v = nat_translate(&gw_nat, NAT_OUTBOUND, ip, iplen, sys_now(), &meta);
	return gw_verdict(v, ip, iplen, &meta, out);
}

static void gw_follow_dns(void)
{
	uint32_t ips[DNS_MAX_SERVERS];
	unsigned n = 0;
	bool changed = false;

	for (int i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *a = dns_getserver((u8_t)i);
		uint32_t v = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(a)));

		changed |= v != gw_dns_seen[i];
		gw_dns_seen[i] = v;
		if (v != 0)
			ips[n++] = v;
	}
	if (changed)
		svc_learn_upstreams(ips, n);
}

static void gw_poll(void)
{
	uint32_t addr = gw_up ? gw_netif_addr(network_netif(gw_up)) : 0;

	gw_grow();
	gw_follow_dns();
	if (addr != gw_up_addr) {
		gw_up_addr = addr;
		if (gw_ready)
			nat_set_uplink(&gw_nat, addr, 1500);
	}
	if (gw_ready)
		nat_expire(&gw_nat, sys_now(), NAT_EXPIRE_BUDGET);
}

static int gw_cmd_show_nat(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	if (gw_ready) {
		nat_show(&gw_nat, sys_now(), 64, out);
		nat_show_counters(&gw_nat, out);
		if (gw_growing)
			cli_printf(out, "  (the boot's table: growing to %u sessions)\n",
				   (unsigned)gw_next_capacity);
	} else {
		cli_printf(out, "NAT table not set up\n");
	}
	cli_printf(out,
		   "forwarding: to uplink %llu, to inside %llu, local %llu; ICMP errors sent %llu, "
		   "rate-limited %llu\n",
		   (unsigned long long)gw_st.to_uplink, (unsigned long long)gw_st.to_inside,
		   (unsigned long long)gw_st.local, (unsigned long long)gw_st.icmp_sent,
		   (unsigned long long)gw_st.icmp_limited);
	cli_printf(
		out,
		"  dropped: no route %llu, no pbuf %llu, between networks %llu, host-only out "
		"%llu, spoofed source %llu, from the uplink not to its address %llu, to DNS/DHCP "
		"on the uplink %llu, directed broadcast %llu, bad offload header %llu\n",
		(unsigned long long)gw_st.no_route, (unsigned long long)gw_st.no_pbuf,
		(unsigned long long)gw_st.between_networks, (unsigned long long)gw_st.hostonly_out,
		(unsigned long long)gw_st.spoofed, (unsigned long long)gw_st.not_for_uplink,
		(unsigned long long)gw_st.uplink_service, (unsigned long long)gw_st.directed_bcast,
		(unsigned long long)gw_st.bad_offload);
	return 0;
}

static int gw_cmd_clear_nat(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	if (gw_ready)
		nat_clear(&gw_nat);
	cli_printf(out, "NAT sessions cleared\n");
	return 0;
}

static int gw_cmd_show_uplink(int argc, char **argv, struct cli_out *out)
{
	struct netif *nif = gw_up ? network_netif(gw_up) : NULL;
	char a[ADDR_IPV4_STRLEN], m[ADDR_IPV4_STRLEN], g[ADDR_IPV4_STRLEN];

	(void)argc;
	(void)argv;
	if (nif == NULL) {
		cli_printf(out, "no uplink\n");
		return 0;
	}
	cli_printf(out, "uplink address %s mask %s gateway %s%s\n",
		   addr_fmt_ipv4(gw_netif_addr(nif), a),
		   addr_fmt_ipv4(lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))), m),
		   addr_fmt_ipv4(lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif))), g),
		   netif_dhcp_data(nif) ? " (DHCP)" : "");
	cli_printf(out, "  MAC %02x:%02x:%02x:%02x:%02x:%02x\n", nif->hwaddr[0], nif->hwaddr[1],
		   nif->hwaddr[2], nif->hwaddr[3], nif->hwaddr[4], nif->hwaddr[5]);
	for (int i = 0; i < DNS_MAX_SERVERS; i++)
		if (gw_dns_seen[i])
			cli_printf(out, "  DNS server from the lease: %s\n",
				   addr_fmt_ipv4(gw_dns_seen[i], a));
	return 0;
}

CLI_COMMAND(show_nat, "show nat", "NAT sessions (state, idle time) and counters", gw_cmd_show_nat);
CLI_COMMAND(clear_nat, "clear nat", "remove every dynamic NAT session", gw_cmd_clear_nat);
CLI_COMMAND(show_uplink, "show uplink", "the uplink's address, gateway and learned DNS",
	    gw_cmd_show_uplink);

POLLER(gateway, gw_poll);
