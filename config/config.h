/*
 * The configuration: the whole desired state of the appliance as one
 * fixed-size value (struct cfg), the parser that builds it from statements
 * (a file at once, or one console line at a time, with the same grammar and
 * checks), the printer that turns it back into statements, and comparison.
 * Pure: no I/O, no allocation; output goes through a struct cli_out sink.
 * Applying a config to the switches, lwIP and the NAT is the binding's job;
 * it compares the old and new struct cfg (cfg_diff) and acts on the change.
 *
 * Semantics, shared by files and the console:
 * - A file is the sequence of its statements applied one at a time to an
 *   empty config (cfg_init); each statement must leave a valid config, so
 *   an address comes before the dhcp range that lies inside it.
 * - `network NAME MODE` creates a network (or changes its mode) and opens
 *   its block; `network NAME` opens an existing one. Block statements
 *   (ports, address, domain, dhcp, forward) act on the open block.
 * - In a file, indentation is the block: indented lines after `network`
 *   belong to it and the next unindented statement closes it. At the
 *   console, where nobody indents, block statements go to the open block
 *   until `exit` or any top-level statement, which closes it first.
 * - Lists (`ports`, `dns upstream`) give the whole list, so typing one
 *   again replaces it. Keyed items (`dhcp host NAME`, `forward PROTO PORT`)
 *   typed again with the same key replace that item in place.
 * - `guard learn|strict` sets how a network binds its guests' addresses;
 *   `no guard` turns that off (the default is learn).
 * - `no STATEMENT` removes or resets to the default. The key is enough
 *   (`no dhcp host web1`, `no forward tcp 8080`); given whole, as
 *   show running-config prints it, the rest must match what is configured.
 * - DHCP serves a network only if it has a `dhcp range` or a `dhcp host`.
 * - A bridged network's switch includes the uplink port, which its `ports`
 *   never list; it has no address, DHCP, domain or forwards of its own.
 *   Without an uplink it is a plain switch. MAC aging and table size are
 *   global: every network's MAC table has the same.
 * - `vlan ID` gives a network an 802.1Q VLAN ID, unique on the appliance (a
 *   VLAN is one broadcast domain), and `tagged PORT...` the ports that carry
 *   it tagged: a port is untagged in at most one network (`ports`) and may
 *   be tagged in any number. A bridged network with a vlan is not switched
 *   with the uplink's untagged segment but with that VLAN on the uplink.
 * - `vxlan VNI remote A [B ...]` and `vxlan port N` make a network span
 *   hosts over VXLAN from the uplink's address (RFC 7348); a VNI is one
 *   network per UDP port. Not for bridged networks (the outside's segment).
 * - Ports are eth0 .. eth47 whether or not the machine has them; the
 *   binding ignores ports that are absent, so `ports eth1-eth47` means
 *   "every port but the uplink" on any machine.
 */
#ifndef UNIGATE_CONFIG_CONFIG_H
#define UNIGATE_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cli.h"

#define CFG_NETWORKS_MAX 32 /* networks */
#define CFG_PORTS_MAX	 48 /* ports eth0 .. eth47: bits of a cfg_ports_t */
#define CFG_HOSTS_MAX	 64 /* dhcp host reservations per network */
#define CFG_FORWARDS_MAX 64 /* port forwards per network */
#define CFG_DNS_MAX	 4  /* dns upstream servers */
#define CFG_NET_NAME_MAX 15 /* characters in a network name */

/* A set of ports: bit i is eth<i>. */
typedef uint64_t cfg_ports_t;
#define CFG_PORT_BIT(p)	       ((cfg_ports_t)1 << (p))
#define CFG_HOST_NAME_MAX      31   /* characters in the hostname and a dhcp host name */
#define CFG_DOMAIN_MAX	       63   /* characters in a network's domain */
#define CFG_LINE_MAX	       256  /* bytes in a statement before its comment, NUL included */
#define CFG_REMOTES_MAX	       8    /* vxlan remote endpoints per network */
#define CFG_VLAN_MAX	       4094 /* 802.1Q VLAN IDs are 1 .. 4094 */
#define CFG_VXLAN_PORT_DEFAULT 4789 /* IANA's, RFC 7348 §5: net/switch/vxlan.h */

/* Defaults (BRIEF.md §1, RFC 4787 §4.3, RFC 5382 §5, RFC 5508 §3.2, 802.1D). */
#define CFG_HOSTNAME_DEFAULT	 "unigate"
#define CFG_DOMAIN_DEFAULT	 "localdomain"
#define CFG_PREFIX_DEFAULT	 24   /* `address A` without /N */
#define CFG_LEASE_DEFAULT	 1800 /* 30 min */
#define CFG_LEASE_MIN		 60
#define CFG_LEASE_MAX		 31536000 /* 365 days */
#define CFG_MAC_AGING_DEFAULT	 300
#define CFG_MAC_AGING_MAX	 1000000 /* seconds; net/switch/fdb.h FDB_AGING_MAX */
#define CFG_MAC_TABLE_DEFAULT	 4096	 /* entries per network */
#define CFG_MAC_TABLE_MIN	 16
#define CFG_MAC_TABLE_MAX	 65536 /* net/switch/fdb.h FDB_CAPACITY_MAX */
#define CFG_STORM_DEFAULT	 1000  /* flooded frames per second per port: net/switch/switch.h */
#define CFG_STORM_MIN		 10
#define CFG_STORM_MAX		 1000000
#define CFG_NAT_SESSIONS_DEFAULT 0 /* automatic: follows RAM (nat_capacity_for_heap) */
#define CFG_NAT_SESSIONS_MIN	 64
#define CFG_NAT_SESSIONS_MAX	 262144
#define CFG_NAT_TIMEOUT_MAX	 604800 /* 7 days */

enum cfg_mode { CFG_NAT, CFG_HOSTONLY, CFG_BRIDGED };

enum cfg_uplink_mode { CFG_UPLINK_NONE, CFG_UPLINK_DHCP, CFG_UPLINK_STATIC };

enum cfg_proto { CFG_TCP, CFG_UDP };

/* Names beyond a network's own: forwarded upstream by default in nat
 * networks, refused in host-only ones ("no route out"); `forward dns` and
 * `no forward dns` say so explicitly. */
enum cfg_dns_mode { CFG_DNS_DEFAULT, CFG_DNS_FORWARD, CFG_DNS_LOCAL };

/* `guard learn` (the default), `guard strict`, `no guard`: net/switch/guard.h. */
enum cfg_guard { CFG_GUARD_LEARN, CFG_GUARD_STRICT, CFG_GUARD_OFF };

/*
 * Quotas, indices of cfg.quota: limits that keep one guest (or one outside
 * host) from starving the others, with defaults nobody notices in normal
 * use; 0 is `off`. `quota NAME N|off`, `no quota NAME`. Names, defaults and
 * ranges: cfg_quota_names[], cfg_quota_default[], cfg_quota_max[] (the
 * least is 1).
 */
enum cfg_quota {
	CFG_Q_HOST_SESSIONS, /* NAT sessions one inside host holds: net/nat/nat.h */
	CFG_Q_FORWARD_RATE,  /* new inbound sessions per port forward per second */
	CFG_Q_FRAGMENTS,     /* fragmented datagrams tracked per NAT mapping */
	CFG_Q_ICMP_ERRORS,   /* ICMP errors the gateway sends one host per second */
	CFG_Q_DNS_QUERIES,   /* forwarded DNS queries one client has pending */
	CFG_Q_PORT_MACS,     /* MAC addresses one guest port may have learned */
	CFG_Q_DHCP_LEASES,   /* addresses one port's DHCP clients hold, per network */
	CFG_QUOTAS
};

/* The quotas' names as statements spell them, defaults, and largest values
 * (the least is 1), by enum cfg_quota. */
extern const char *const cfg_quota_names[];
extern const uint32_t cfg_quota_default[CFG_QUOTAS];
extern const uint32_t cfg_quota_max[CFG_QUOTAS];

/* NAT idle timeouts, indices of cfg.nat_timeout. */
enum cfg_nat_timeout {
	CFG_NAT_UDP,		/* default 5 min, at least 2 min (RFC 4787 REQ-5) */
	CFG_NAT_TCP,		/* established; default and least 2 h 4 min (RFC 5382 REQ-5) */
	CFG_NAT_TCP_TRANSITORY, /* opening or closing; default and least 4 min (RFC 5382) */
	CFG_NAT_ICMP,		/* query; default and least 60 s (RFC 5508 REQ-1) */
	CFG_NAT_TIMEOUTS
};

/* A DHCP reservation: (mac) always gets (ip), and (name) resolves to it. */
struct cfg_host {
	char name[CFG_HOST_NAME_MAX + 1];
	uint8_t mac[6];
	uint32_t ip; /* host byte order, like every address here */
};

/* Inbound: (proto) to the uplink's (outside_port) goes to inside_ip:inside_port. */
struct cfg_forward {
	uint8_t proto; /* enum cfg_proto */
	uint16_t outside_port;
	uint16_t inside_port;
	uint32_t inside_ip;
};

/*
 * A network. Only the first (nhosts) hosts and (nforwards) forwards are
 * meaningful; fields of an absent part (no address, no dhcp range) are 0.
 */
struct cfg_net {
	char name[CFG_NET_NAME_MAX + 1];
	uint8_t mode;	   /* enum cfg_mode */
	uint8_t prefix;	   /* of (addr); 0: the network has no address */
	cfg_ports_t ports; /* bit i: port eth<i>; never the uplink's */
	uint32_t addr;	   /* the gateway address guests see */
	char domain[CFG_DOMAIN_MAX + 1];
	uint8_t guard;	  /* enum cfg_guard */
	uint8_t dns_mode; /* enum cfg_dns_mode */
	bool dhcp;	  /* has a dhcp range */
	uint32_t range_start, range_end;
	uint32_t lease_s;
	uint16_t nhosts, nforwards;
	struct cfg_host host[CFG_HOSTS_MAX];
	struct cfg_forward forward[CFG_FORWARDS_MAX];
	uint16_t vlan;	     /* 802.1Q VLAN ID, 0: none */
	cfg_ports_t tagged;  /* ports carrying the network tagged with (vlan) */
	uint32_t vni;	     /* VXLAN network identifier, 0: no vxlan */
	uint16_t vxlan_port; /* UDP port of its VXLAN packets: VXLAN_PORT_DEFAULT */
	uint8_t nremotes;    /* VXLAN endpoints (remote) */
	uint32_t remote[CFG_REMOTES_MAX];
};

/* The uplink port and how it gets its address. */
struct cfg_uplink {
	uint8_t mode; /* enum cfg_uplink_mode; the rest is 0 for CFG_UPLINK_NONE */
	uint8_t port;
	uint8_t prefix;	  /* CFG_UPLINK_STATIC */
	uint32_t addr;	  /* CFG_UPLINK_STATIC */
	uint32_t gateway; /* CFG_UPLINK_STATIC; 0: no default route */
};

/*
 * The whole configuration, about 120 KiB: keep it static, not on a stack.
 * Networks are in the order they were created; hosts and forwards in the
 * order they were added. That order is what cfg_write() prints.
 */
struct cfg {
	char hostname[CFG_HOST_NAME_MAX + 1];
	struct cfg_uplink uplink;
	uint8_t ndns;				/* 0: learned from the uplink's DHCP lease */
	uint32_t dns[CFG_DNS_MAX];		/* in the order of preference */
	uint32_t nat_timeout[CFG_NAT_TIMEOUTS]; /* seconds */
	uint32_t nat_sessions;			/* NAT table entries */
	uint32_t mac_aging_s;			/* every network's MAC table */
	uint32_t mac_table;			/* MAC table entries per network */
	uint32_t storm_pps;			/* storm control per port; 0: off */
	uint32_t quota[CFG_QUOTAS];		/* enum cfg_quota; 0: off */
	uint8_t nnets;
	struct cfg_net net[CFG_NETWORKS_MAX];
};

/*
 * Where an error is. (line) counts from 1 (0 for a console line), (column)
 * from 1 in bytes, a tab counting one; it may be one past the end of the
 * line when a word is missing. (text) is the line, without its newline, cut
 * to fit, with bytes other than printable ASCII and tab shown as '?'.
 */
struct cfg_error {
	unsigned line;
	unsigned column;
	char msg[128];
	char text[CFG_LINE_MAX];
};

/*
 * Console block state, kept by the console between lines: (block) names
 * the network whose block is open, "" for none. The prompt shows it.
 */
struct cfg_ctx {
	char block[CFG_NET_NAME_MAX + 1];
};

/* Sets (*c) to the empty config: defaults, no uplink, no networks. */
void cfg_init(struct cfg *c);

/* Closes any block: the state of a fresh console. */
void cfg_ctx_init(struct cfg_ctx *ctx);

/*
 * Parses the config file (text) of (len) bytes (no NUL needed; a NUL byte
 * is an error) onto an empty config and, if every statement applies,
 * stores the result in (*into). On error (*into) is untouched and (*err),
 * if not NULL, describes the first bad statement. Uses one static scratch
 * config, so it is not reentrant. Returns 0; -EINVAL for a malformed
 * statement, -ERANGE for a value out of range, -ENOENT for a reference to
 * nothing, -EEXIST for a duplicate, -EBUSY for a port or address taken,
 * -ENOSPC past a limit.
 */
int cfg_parse(struct cfg *into, const char *text, size_t len, struct cfg_error *err);

/*
 * Applies the console (line), NUL-terminated, one statement without a
 * newline, to (*into) in the block state (*ctx). Indentation is ignored.
 * All or nothing: on error neither (*into) nor (*ctx) changes and (*err),
 * if not NULL, says why (line 0). A blank or comment line does nothing.
 * Not reentrant (the static scratch config). Returns as cfg_parse().
 */
int cfg_apply_line(struct cfg *into, struct cfg_ctx *ctx, const char *line, struct cfg_error *err);

/*
 * True if the first word of (line) begins a config statement (including
 * `no` and `exit`), so the console passes the line to cfg_apply_line()
 * rather than to cli_execute().
 */
bool cfg_is_statement(const char *line);

/*
 * Prints (*err) to (out) as three lines: "line L, column C: MESSAGE" (no
 * "line L, " for a console line), the line's text, and a caret under the
 * column (tabs copied so that it lines up).
 */
void cfg_error_print(const struct cfg_error *err, struct cli_out *out);

/*
 * Checks every rule a statement must keep (the parser keeps them all, so
 * this is for tests and assertions). Returns 0, or -errno with (*err)'s
 * message saying which rule fails (line and column 0).
 */
int cfg_validate(const struct cfg *c, struct cfg_error *err);

/*
 * Writes the statements that rebuild (*c) to (out), in canonical order and
 * format: cfg_parse() of the output gives a config equal to (*c), which
 * prints the same bytes again. Defaults of global settings are left out.
 * Returns 0, or -EMSGSIZE if a line was cut (a bug).
 */
int cfg_write(const struct cfg *c, struct cli_out *out);

/* True if (*a) and (*b) print the same statements: every meaningful field is equal. */
bool cfg_equal(const struct cfg *a, const struct cfg *b);

/* Index of network (name) in (*c), or -1. */
int cfg_find_net(const struct cfg *c, const char *name);

/* Index of the network port (port) belongs to, or -1 (the uplink, or in none). */
int cfg_port_net(const struct cfg *c, unsigned port);

/* What changed in a network, bits of cfg_diff.net_changed[]. */
#define CFG_CH_MODE	0x01
#define CFG_CH_PORTS	0x02
#define CFG_CH_ADDRESS	0x04 /* address or prefix */
#define CFG_CH_DHCP	0x08 /* range, lease, hosts or domain */
#define CFG_CH_FORWARDS 0x10
#define CFG_CH_GUARD	0x20
#define CFG_CH_VLAN	0x40 /* vlan or tagged ports */
#define CFG_CH_VXLAN	0x80 /* vni, port or remotes */

/*
 * What the binding must redo to go from one config to another. Networks
 * are matched by name. Bit i of (added) and (kept) is new->net[i]; of
 * (removed), old->net[i]; net_changed[i] holds CFG_CH_* for a kept
 * new->net[i]. Bit p of (ports_moved) is a port whose role changed: its
 * network, or becoming or ceasing to be the uplink.
 */
struct cfg_diff {
	uint32_t added, removed, kept;
	uint8_t net_changed[CFG_NETWORKS_MAX];
	cfg_ports_t ports_moved;
	bool uplink; /* port, mode, address or gateway */
	bool dns;    /* upstream servers */
	bool nat;    /* timeouts or table size */
	bool mac;    /* aging or table size */
	bool storm;  /* storm control */
	bool quota;  /* any quota (a changed dhcp-leases also marks every network's DHCP) */
	bool hostname;
};

/* Fills (*d) with the difference from (*old) to (*new). */
void cfg_diff(const struct cfg *old, const struct cfg *new, struct cfg_diff *d);

#endif
