/*
 * The VXLAN codec (RFC 7348): recognises and checks a VXLAN packet that
 * arrives on the uplink for our address and port, and writes the outer
 * headers (Ethernet, IPv4, UDP, VXLAN: VXLAN_OUTER_LEN bytes) that carry
 * an inner Ethernet frame to a remote endpoint, with an outer UDP source
 * port drawn from the inner flow so that ECMP keeps a flow on one path.
 * IPv4 outer headers only, no options on transmit. Pure: bytes and values
 * in, bytes and decisions out; no state, no I/O, no allocation.
 */
#ifndef UNIGATE_NET_SWITCH_VXLAN_H
#define UNIGATE_NET_SWITCH_VXLAN_H

#include <stddef.h>
#include <stdint.h>

#define VXLAN_PORT_DEFAULT 4789	     /* IANA, RFC 7348 §5 */
#define VXLAN_VNI_MAX	   0xffffffu /* 24 bits */
#define VXLAN_OUTER_LEN	   50	     /* outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */
#define VXLAN_SPORT_MIN	   49152 /* outer source ports: the dynamic range (RFC 7348 §5, RFC 6335) */
#define VXLAN_HDR_LEN	   8	 /* the VXLAN header itself (RFC 7348 §5) */
#define VXLAN_FLAG_I	   0x08	 /* first byte of the VXLAN header: the VNI is valid */
#define VXLAN_TTL	   64	 /* outer IPv4 TTL on transmit */
/* The largest inner frame vxlan_build() accepts: the outer IPv4 packet stays within 65535. */
#define VXLAN_INNER_MAX (65535 - (VXLAN_OUTER_LEN - 14))

/* What vxlan_parse() found in a VXLAN frame for us. */
struct vxlan_rx {
	uint32_t src, dst; /* outer IPv4 addresses, host byte order */
	uint16_t sport;	   /* outer UDP source port */
	uint32_t vni;
	size_t inner;	  /* offset of the inner Ethernet frame in the outer frame */
	size_t inner_len; /* its length: up to the end of the UDP datagram (not of the Ethernet
			     frame: padding ignored) */
};

/* Drop reasons (negative returns of vxlan_parse), each a counter the binding keeps. */
enum vxlan_drop {
	VXLAN_DROP_MALFORMED = 1,
	VXLAN_DROP_FRAGMENT,
	VXLAN_DROP_FLAGS,
	VXLAN_DROP_RUNT,
	VXLAN_DROP_MAX
};

/*
 * Looks at the Ethernet frame of (len) bytes at (f) (untrusted; read only,
 * never past (len)) for a VXLAN packet to IPv4 address (dst_ip) (host
 * order), UDP port (port). Returns 1 if it is not one, so that the caller
 * handles it as any other frame; 0 if it is a well-formed one, having
 * filled (*rx) (untouched otherwise); or -VXLAN_DROP_* if it is addressed
 * to us but cannot be accepted. The checks, in this order:
 *
 *  1. Not Ethernet II IPv4 (EtherType 0x0800), too short to hold an IPv4
 *     header's fixed fields, protocol not UDP, destination not (dst_ip):
 *     returns 1. These lie at fixed offsets: nothing else is read first.
 *  2. A fragment other than the first (offset non-zero): 1. It carries no
 *     UDP header, so whether it goes to (port) cannot be told; the
 *     caller's IP layer reassembles or drops it.
 *  3. Version not 4, IHL < 5, header beyond the frame, total length
 *     shorter than header + UDP header or beyond the frame: MALFORMED.
 *     These locate the UDP port, so they are checked before it; a packet
 *     failing them is one every IP stack drops.
 *  4. UDP destination port not (port): 1.
 *  5. Header checksum wrong: MALFORMED.
 *  6. More-fragments set (a first fragment): FRAGMENT (RFC 7348 §4.3:
 *     VTEPs never fragment; we don't reassemble). Before the UDP length,
 *     which a first fragment's payload cannot hold.
 *  7. UDP length < 16 (UDP + VXLAN headers) or beyond the IP payload:
 *     MALFORMED.
 *  8. The I flag (VXLAN_FLAG_I) clear: FLAGS. Other flag bits and the
 *     reserved fields are ignored (RFC 7348 §5).
 *  9. An inner frame shorter than an Ethernet header (14 bytes): RUNT.
 *
 * The UDP checksum is not verified (RFC 7348 §5: a receiver MAY skip it;
 * senders should send 0). Bytes after the UDP datagram (Ethernet padding,
 * IP payload beyond the UDP length) are ignored.
 */
int vxlan_parse(const uint8_t *f, size_t len, uint32_t dst_ip, uint16_t port, struct vxlan_rx *rx);

/* What the outer headers carry. */
struct vxlan_tx {
	uint32_t src, dst; /* outer IPv4, host order: the uplink's address, the remote endpoint's */
	uint16_t sport, dport;
	uint32_t vni;
	uint16_t ip_id; /* IPv4 identification (the caller's counter) */
	uint8_t tos;	/* outer DSCP/ECN (the caller may copy the inner IPv4 header's, RFC 7348 §5
			   allows) */
};

/*
 * Writes the VXLAN_OUTER_LEN bytes of outer headers for an inner frame of
 * (inner_len) bytes to (hdr), which the caller owns: the outer Ethernet
 * header's MACs left zero (the caller's neighbour resolution fills them)
 * with EtherType IPv4; IPv4 version 4, IHL 5, (t->tos), total length,
 * (t->ip_id), DF clear, TTL 64, protocol UDP, header checksum; UDP ports,
 * length, checksum 0 (RFC 7348 §5: SHOULD be zero for IPv4); VXLAN flags
 * VXLAN_FLAG_I, reserved fields zero, VNI. Returns 0, or -EINVAL (and
 * (hdr) untouched) if (inner_len) > VXLAN_INNER_MAX, which would make the
 * IPv4 packet exceed 65535 bytes, or (t->vni) > VXLAN_VNI_MAX.
 */
int vxlan_build(uint8_t hdr[VXLAN_OUTER_LEN], const struct vxlan_tx *t, size_t inner_len);

/*
 * The outer UDP source port for the inner Ethernet frame of (len) bytes at
 * (f) (untrusted): a keyed hash (key (seed)) of the inner flow — the MAC
 * addresses, and for IPv4 also the addresses and protocol, and for
 * unfragmented TCP/UDP also the ports — mapped into VXLAN_SPORT_MIN..65535,
 * so that one flow always takes one path through ECMP and different flows
 * spread (RFC 7348 §5). Never reads past (len); a short frame hashes what
 * it has (missing bytes count as zero).
 */
uint16_t vxlan_src_port(const uint8_t *f, size_t len, uint64_t seed);

#endif
