/*
 * Fuzz target: DHCP messages from guests, through net/dhcp/dhcp_msg.c and the
 * server in net/dhcp/dhcpd.c and net/dhcp/dhcpd_pool.c. One server with a small pool
 * and two reservations lives for the whole run, so that inputs build up
 * leases, offers and declined addresses for later inputs to meet; time
 * advances with every input, and the configuration changes now and then,
 * the per-port limit with it (off, or 1 .. 3 addresses a port); now and
 * then a port is forgotten, and now and then the range grows or shrinks
 * into a table of the size it needs (dhcpd_configure_table()), the leases
 * moving along. After each input the lease table's invariants and its
 * indexes (dhcpd_check()), the reply's shape and the port limit are
 * checked, and a breach traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cli.h"
#include "net/dhcp/dhcp_msg.h"
#include "net/dhcp/dhcpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_GW	  0xc0a86302u /* 192.168.99.2 */
#define FZ_IP(n)  (0xc0a86300u | (n))
#define FZ_LEASES 24 /* records at most: 12 range addresses and reservations */

static struct dhcpd fz_server;
static void *fz_table;				/* the server's, of fz_server.capacity */
static struct dhcpd_lease fz_before[FZ_LEASES]; /* the table before an input */
static struct dhcpd_config fz_cfg;
static uint32_t fz_now = 1000, fz_runs;

static void fz_discard(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

/* Variant (v) of the configuration: the range and reservations move. */
static void fz_configure(uint32_t v)
{
	static const uint8_t mac_a[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
	static const uint8_t mac_b[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xdd};

	memset(&fz_cfg, 0, sizeof(fz_cfg));
	fz_cfg.server = FZ_GW;
	fz_cfg.prefix = 24;
	fz_cfg.router = v & 1;
	fz_cfg.dns = FZ_GW;
	memcpy(fz_cfg.domain, "lan", 4);
	fz_cfg.range_start = FZ_IP(128);
	fz_cfg.range_end = FZ_IP(128 + 3 + v % 8);
	fz_cfg.lease_s = 60 + 300 * (v % 3);
	fz_cfg.port_leases = v % 4;
	fz_cfg.nhosts = 2;
	memcpy(fz_cfg.host[0].name, "web1", 5);
	memcpy(fz_cfg.host[0].mac, mac_a, 6);
	fz_cfg.host[0].ip = FZ_IP(10);
	snprintf(fz_cfg.host[1].name, sizeof(fz_cfg.host[1].name), "%s", v & 2 ? "db" : "data");
	memcpy(fz_cfg.host[1].mac, mac_b, 6);
	fz_cfg.host[1].ip = v & 4 ? FZ_IP(130) : FZ_IP(11);
	uint32_t need = dhcpd_capacity(&fz_cfg);

	if (need <= fz_server.capacity && (need == fz_server.capacity || !(v & 8))) {
		if (dhcpd_configure(&fz_server, &fz_cfg, NULL) != 0)
			__builtin_trap();
		return;
	}
	/* As a live range change does: a table of the size needed, which
	 * the leases move into. */
	void *t = malloc(dhcpd_table_size(need));

	if (t == NULL || dhcpd_configure_table(&fz_server, &fz_cfg, t, need, NULL) != 0)
		__builtin_trap();
	free(fz_table);
	fz_table = t;
}

/* True if (l) holds its address for its client at (now): offered or
 * bound, in time. */
static bool fz_live(const struct dhcpd_lease *l, uint32_t now)
{
	return l->ip != 0 && (l->state == DHCPD_OFFERED || l->state == DHCPD_BOUND) &&
	       (int32_t)(now - l->until) < 0;
}

/* As fz_live(), for a pool address: not a reservation. */
static bool fz_live_pool(const struct dhcpd_lease *l, uint32_t now)
{
	if (!fz_live(l, now))
		return false;
	for (uint32_t i = 0; i < fz_cfg.nhosts; i++)
		if (fz_cfg.host[i].ip == l->ip)
			return false;
	return true;
}

static bool fz_same_key(const struct dhcpd_key *a, const struct dhcpd_key *b)
{
	size_t n = a->len < DHCPD_KEY_MAX ? a->len : DHCPD_KEY_MAX;

	return a->kind == b->kind && a->len == b->len && a->tail == b->tail &&
	       memcmp(a->id, b->id, n) == 0;
}

/*
 * The port limit, for a message from (port): a client that held no live
 * address before (fz_before) and holds a pool address on (port) now may have
 * taken it only if the port's clients held fewer than the limit; and one
 * message makes at most one such client.
 */
static void fz_check_port(uint8_t port)
{
	uint32_t held = 0, fresh = 0;

	for (uint32_t i = 0; i < fz_server.capacity; i++)
		held += fz_before[i].port == port && fz_live_pool(&fz_before[i], fz_now);
	for (uint32_t i = 0; i < fz_server.capacity; i++) {
		const struct dhcpd_lease *l = &fz_server.lease[i];
		bool had = false;

		if (l->port != port || !fz_live_pool(l, fz_now))
			continue;
		for (uint32_t j = 0; j < fz_server.capacity && !had; j++)
			had = fz_live(&fz_before[j], fz_now) &&
			      fz_same_key(&fz_before[j].key, &l->key);
		fresh += !had;
	}
	if (fresh > 1 || (fresh == 1 && fz_cfg.port_leases != 0 && held >= fz_cfg.port_leases))
		__builtin_trap();
}

/* The reply's shape: a BOOTREPLY that parses, within its limits, carrying
 * our server identifier, going somewhere sensible. */
static void fz_check_reply(const uint8_t *msg, size_t size, const uint8_t *reply, int n, size_t cap,
			   const struct dhcpd_dest *dest)
{
	struct dhcp_msg req, rep;

	if (n == 0)
		return;
	if (n < DHCP_MIN_LEN || (size_t)n > cap || dhcp_msg_parse(msg, size, &req) != 0 ||
	    (size_t)n > dhcp_msg_reply_max(&req) || dhcp_msg_parse(reply, (size_t)n, &rep) != 0)
		__builtin_trap();
	if (rep.op != DHCP_BOOTREPLY || !rep.has_server_id || rep.server_id != FZ_GW ||
	    rep.xid != req.xid || memcmp(rep.chaddr, req.chaddr, DHCP_CHADDR_LEN) != 0)
		__builtin_trap();
	if (rep.type != DHCP_OFFER && rep.type != DHCP_ACK && rep.type != DHCP_NAK)
		__builtin_trap();
	if (rep.yiaddr != 0 && (rep.yiaddr & 0xffffff00u) != (FZ_GW & 0xffffff00u))
		__builtin_trap();
	switch (dest->kind) {
	case DHCPD_DEST_BROADCAST:
		if (dest->ip != 0xffffffffu || dest->port != DHCP_CLIENT_PORT)
			__builtin_trap();
		break;
	case DHCPD_DEST_UNICAST:
		if (dest->ip != req.ciaddr || dest->port != DHCP_CLIENT_PORT)
			__builtin_trap();
		break;
	case DHCPD_DEST_HWADDR:
		if (dest->ip != rep.yiaddr || (dest->mac[0] & 1) ||
		    memcmp(dest->mac, req.chaddr, 6) != 0)
			__builtin_trap();
		break;
	case DHCPD_DEST_RELAY:
		if (dest->ip != req.giaddr || dest->port != DHCP_SERVER_PORT)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = {1500, DHCP_DEFAULT_MAX, DHCP_MIN_LEN, DHCP_MIN_LEN - 1};
	static uint8_t reply[1500];
	struct cli_out out = {fz_discard, NULL};
	struct dhcpd_dest dest;
	struct dhcp_msg m;
	size_t cap = caps[size % 4];
	uint32_t ip;
	char name[DHCPD_NAME_MAX];
	int n;

	if (fz_runs++ == 0) {
		fz_table = malloc(dhcpd_table_size(FZ_LEASES));
		if (fz_table == NULL || dhcpd_init(&fz_server, fz_table, FZ_LEASES, 0x5eed) != 0)
			__builtin_trap();
		fz_configure(0);
	}
	fz_now += (uint32_t)(size % 53);
	/* Every other message as if from a port: the chaddr the message
	 * names (so it passes the sender check most of the time) on one of
	 * four ports, which the lease ownership rules then see. */
	if (size > 34 && (size & 1)) {
		struct dhcpd_src src = {{0}, (uint8_t)(data[size - 1] & 3)};
		uint8_t gone = (uint8_t)(data[size - 1] >> 6);

		memcpy(src.mac, data + 28, 6);
		if (data[size - 1] & 4)
			src.mac[5] ^= 1;
		/* Sometimes a port is blocked first: its leases unpinned. */
		if ((data[size - 1] & 0x38) == 0x38) {
			dhcpd_forget_port(&fz_server, gone);
			for (uint32_t i = 0; i < fz_server.capacity; i++)
				if (fz_server.lease[i].ip != 0 && fz_server.lease[i].port == gone)
					__builtin_trap();
		}
		memcpy(fz_before, fz_server.lease, fz_server.capacity * sizeof(fz_before[0]));
		n = dhcpd_input_from(&fz_server, data, size, &src, fz_now, reply, cap, &dest);
		fz_check_port(src.port);
	} else {
		n = dhcpd_input(&fz_server, data, size, fz_now, reply, cap, &dest);
	}
	if (n < 0 || dhcpd_check(&fz_server, fz_now) != 0)
		__builtin_trap();
	fz_check_reply(data, size, reply, n, cap, &dest);

	/* The DNS side: the names and addresses this message spoke of. */
	if (dhcp_msg_parse(data, size, &m) == 0) {
		memcpy(name, m.host_name, m.host_name_len < sizeof(name) ? m.host_name_len : 0);
		name[m.host_name_len < sizeof(name) ? m.host_name_len : 0] = '\0';
		if (dhcpd_lookup_name(&fz_server, name, fz_now, &ip) == 0 &&
		    dhcpd_lookup_addr(&fz_server, ip, fz_now, name, sizeof(name)) != 0)
			__builtin_trap();
		dhcpd_lookup_addr(&fz_server, m.requested_ip, fz_now, name, sizeof(name));
	}
	if (fz_runs % 1024 == 0) {
		dhcpd_show_leases(&fz_server, fz_now, &out);
		dhcpd_show_counters(&fz_server, &out);
	}
	if (fz_runs % 4096 == 0)
		fz_configure(fz_runs / 4096);
	if (fz_runs % 65536 == 0)
		dhcpd_clear(&fz_server);
	return 0;
}
