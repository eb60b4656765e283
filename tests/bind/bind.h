/*
 * The host harness for the bindings (net/switch/network*.c, net/nat/gateway.c,
 * net/services.c, config/apply.c): lwIP built for the host with the image's
 * lwipopts.h, fakes of everything below the bindings (ports, clock, random,
 * console, fw_cfg, panic), an allocation counter that can make one
 * allocation fail, and Ethernet/IPv4 frame builders and parsers that check
 * checksums themselves. Tests are frame in, frame out: a frame injected on
 * a fake port runs through the bindings synchronously, and whatever the
 * appliance sends is recorded per port.
 */
#ifndef UNIGATE_TESTS_BIND_H
#define UNIGATE_TESTS_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/console.h"

struct netdev_offload;

/* ---- fake_netdev.c: ports eth0 .. eth<n-1> ---- */

#define FAKE_PORTS_MAX 8
#define FAKE_TX_MAX    64 /* frames recorded per port before the oldest is lost */

/* Creates (n) ports, link up, MAC 52:54:00:00:00:<i>. Call before booting. */
void fake_netdev_setup(int n);

/* Gives the (len)-byte frame at (frame) to port (port)'s receive callback,
 * as a driver would: in a heap buffer of exactly (len) bytes (so that ASan
 * sees any read past the frame), valid only for the call. Returns false if
 * nobody listens on the port (no rx callback: the port is in no network). */
bool fake_rx(int port, const void *frame, size_t len);

/* As fake_rx(), the frame carrying the offload metadata (ofl) (NULL: none)
 * as a virtio-net driver passes it up; a GSO frame counts in rx_gso. */
bool fake_rx_ofl(int port, const void *frame, size_t len, const struct netdev_offload *ofl);

/* Frames sent on (port) since the last fake_tx_clear(), oldest first.
 * fake_tx_frame() gives the bytes kept: the whole frame, or for one longer
 * than NETDEV_FRAME_MAX (a GSO frame passed through whole) its first
 * NETDEV_FRAME_MAX bytes, (*len) then NETDEV_FRAME_MAX; fake_tx_wire_len()
 * is the length the driver was given. */
int fake_tx_count(int port);
const uint8_t *fake_tx_frame(int port, int k, size_t *len);
size_t fake_tx_wire_len(int port, int k);
/* The offload the driver was asked to do for frame (k) of (port), a copy
 * kept until fake_tx_clear(); NULL if none (a finished frame). */
const struct netdev_offload *fake_tx_ofl(int port, int k);
/* Forgets every recorded frame on every port. */
void fake_tx_clear(void);
/* Total frames sent on every port since the last fake_tx_clear(). */
int fake_tx_total(void);

/* Sets port (port)'s carrier. */
void fake_link(int port, bool up);

/* Sets what port (port)'s device does on transmit: NETDEV_OFL_* bits
 * (drivers/netdev.h); 0, as set up, for none. */
void fake_offloads(int port, uint8_t bits);

/* ---- fake_kernel.c: clock, random, console, fw_cfg, panic ---- */

/* The clock behind time_ms(), time_ns() and so sys_now(). */
void fake_clock_set(uint64_t ms);
uint64_t fake_clock_ms(void);

/* The console line handler config/apply.c registered (NULL before boot). */
console_handler_fn fake_console_handler(void);

/* Text written to console_out() since the last call, then forgotten. */
const char *fake_console_take(void);

/* Makes fw_cfg_read_file("opt/unigate/config") return (text) (NULL: no file). */
void fake_fw_cfg_set(const char *text);

/* ---- fake_alloc.c: allocation failure injection ---- */

/* Allocation points counted, as flags: the C library's allocators, and the
 * lwIP calls through which the bindings allocate (udp_new: a pcb from the
 * pool; dhcp_start: struct dhcp on lwIP's heap). */
#define ALLOC_LIBC 1u
#define ALLOC_LWIP 2u

/* Starts counting allocations of the kinds in (kinds) and makes the
 * (fail_at)th fail (0: none fails). */
void alloc_arm(unsigned kinds, unsigned fail_at);
/* Stops counting; returns the number of allocations attempted while armed. */
unsigned alloc_disarm(void);
/* Whether the armed failure happened, and where: "calloc from
 * network_table_alloc (net/switch/network_setup.c:92)". */
bool alloc_failed(void);
const char *alloc_failed_site(void);

/* ---- harness.c ---- */

/* Sets up (nports) fake ports, the clock, lwIP and the configuration
 * (apply_boot), as kmain does. Returns apply_boot()'s result; the frames
 * sent while booting stay recorded. */
int bind_boot(int nports);

/* Runs the main loop's work (pollers, lwIP timers) in 10 ms steps for (ms)
 * milliseconds of fake time. */
void bind_run(uint32_t ms);

/* Types (line) at the console (the handler apply_boot registered). Returns
 * its result; the console's output is in bind_out(). */
int bind_line(const char *line);
/* Types each line of (text), each of which must succeed. */
void bind_config(const char *text);

/* Runs console command (cmd) through cli_execute; returns its output
 * (valid until the next call of bind_cli or bind_line). */
const char *bind_cli(const char *cmd);
/* The output of the last bind_line or bind_cli. */
const char *bind_out(void);

struct pkt;

/* A guest with (mac) and (ip) on (port) asks ARP for (target); true if the
 * reply came back out of (port), its sender's MAC then in (target_mac). */
bool bind_arp_resolve(int port, const uint8_t mac[6], uint32_t ip, uint32_t target,
		      uint8_t target_mac[6]);

/* Answers, as host (ip) at (mac) on (port), every ARP request for (ip)
 * recorded on (port). Returns how many it answered. */
int bind_answer_arp(int port, uint32_t ip, const uint8_t mac[6]);

/* The index of the first frame recorded on (port) from index (from) on
 * that parses and that (match) accepts (NULL: any), parsed into (*p);
 * -1 if none. */
int bind_find(int port, int from, struct pkt *p, bool (*match)(const struct pkt *, const void *),
	      const void *arg);

/* ---- frames.c: building and parsing frames ---- */

#define FRAME_ETH_HLEN 14
#define FRAME_TYPE_IP  0x0800
#define FRAME_TYPE_ARP 0x0806
#define FRAME_ICMP     1
#define FRAME_TCP      6
#define FRAME_UDP      17

extern const uint8_t MAC_BCAST[6];

/* "a.b.c.d" in host byte order. */
uint32_t ip4(const char *s);

/* An ARP request or reply (op 1 or 2) in an Ethernet frame to (eth_dst)
 * from (sha). Returns the frame's length (60, padded). */
size_t frame_arp(uint8_t *buf, const uint8_t eth_dst[6], int op, const uint8_t sha[6], uint32_t spa,
		 const uint8_t tha[6], uint32_t tpa);

/* An IPv4 packet of protocol (proto) with (l4len) bytes of transport
 * header and payload at (l4), from (src) to (dst), TTL 64, checksums
 * computed (the transport's too, for TCP, UDP and ICMP). Returns the
 * frame's length. */
size_t frame_ip(uint8_t *buf, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint8_t proto,
		uint32_t src, uint32_t dst, const void *l4, size_t l4len);

/* The pseudo-header's sum (RFC 793 §3.1, RFC 768), folded and not
 * complemented, of the IPv4 packet in (frame): its addresses, protocol,
 * and transport length (total length less the header): what a sender
 * with checksum offload leaves in the transport checksum field for the
 * device (virtio 1.2 §5.1.6.2, NEEDS_CSUM). */
uint16_t frame_pseudo_sum(const uint8_t *frame);

/* Makes the TCP or UDP packet in (frame) one whose checksum was left to
 * the device: its checksum field then holds frame_pseudo_sum(frame).
 * Returns the field's offset in the frame (csum_start + csum_offset). */
size_t frame_partial(uint8_t *frame);

/* Whether the IPv4 header checksum of (frame) holds. Reads the header
 * only, so it works on a frame kept in part (fake_tx_frame). */
bool frame_ip_hdr_ok(const uint8_t *frame);

/* Sets the TTL of the IPv4 packet in (frame), fixing its header checksum. */
void frame_set_ttl(uint8_t *frame, uint8_t ttl);

/* Transport segments for frame_ip, without checksums (frame_ip fills
 * them). Return the length written to (l4). */
size_t l4_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	      uint8_t flags);
/* A TCP segment with a 20-byte header (no options) and (len) bytes of
 * payload at (data). */
size_t l4_tcp_data(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		   uint8_t flags, const void *data, size_t len);
size_t l4_udp(uint8_t *l4, uint16_t sport, uint16_t dport, const void *data, size_t len);
size_t l4_icmp_echo(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq);

#define FRAME_FIN 0x01
#define FRAME_SYN 0x02
#define FRAME_RST 0x04
#define FRAME_PSH 0x08
#define FRAME_ACK 0x10

/* A DHCP client message of (type) (1 DISCOVER, 3 REQUEST) from (mac), with
 * transaction (xid) and, if not 0, option 50 (requested) and 54 (server).
 * The UDP payload; returns its length. */
size_t dhcp_client_msg(uint8_t *buf, int type, const uint8_t mac[6], uint32_t xid,
		       uint32_t requested, uint32_t server);

/* A frame taken apart. Fields are host byte order; the pointers point
 * into the frame. ip_ok and l4_ok say whether the checksums hold (an
 * absent UDP checksum counts as good). */
struct pkt {
	uint8_t dst[6], src[6];
	uint16_t type;
	/* ARP */
	int arp_op;
	uint8_t arp_sha[6];
	uint32_t arp_spa, arp_tpa;
	/* IPv4 */
	uint8_t proto, ttl;
	uint32_t ip_src, ip_dst;
	bool ip_ok, l4_ok;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint8_t icmp_type, icmp_code;
	const uint8_t *data; /* after the transport header */
	size_t data_len;
};

/* Parses (len) bytes at (frame). Returns 0, or -1 if it is not Ethernet
 * carrying a whole ARP or IPv4 packet. */
int pkt_parse(const uint8_t *frame, size_t len, struct pkt *p);

/* The DHCP message in a parsed UDP packet: its type (option 53), yiaddr,
 * and option (code)'s (*len) bytes (NULL if absent). */
int dhcp_type(const struct pkt *p);
uint32_t dhcp_yiaddr(const struct pkt *p);
const uint8_t *dhcp_option(const struct pkt *p, uint8_t code, size_t *len);

/* Big-endian 16 and 32 bits at (p). */
uint16_t be16(const uint8_t *p);
uint32_t be32(const uint8_t *p);

#endif
