/*
 * The work a sender may leave to "the device", done in software for a
 * port or a stack that cannot do it (virtio 1.2 §5.1.6.2, the offloads of
 * struct virtio_net_hdr, which struct netdev_offload carries):
 *  - checksum offload (VIRTIO_NET_HDR_F_NEEDS_CSUM): the TCP or UDP
 *    checksum field holds only the pseudo-header's sum; the device sums
 *    bytes csum_start .. end of frame and stores the result at
 *    csum_start + csum_offset;
 *  - segmentation offload (gso_type TCPV4 or TCPV6, maybe with the ECN
 *    bit): one TCP segment of up to 64 KB whose payload the device cuts
 *    into gso_size-byte pieces, each with its own headers (IP total
 *    length or payload length, IPv4 identification, TCP sequence number,
 *    flags, checksums) as RFC 7414's TSO does.
 * Frames are untrusted (they come from guests): offsets and headers are
 * checked against the frame, never taken on faith (hdr_len is only a
 * hint, §5.1.6.2, and is not used). Pure: no I/O, no state.
 */
#ifndef UNIGATE_DRIVERS_OFFLOAD_H
#define UNIGATE_DRIVERS_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/netdev.h"

/* struct virtio_net_hdr's flags and gso_type values (§5.1.6). */
#define OFFLOAD_F_NEEDS_CSUM 0x01
#define OFFLOAD_F_DATA_VALID 0x02
#define OFFLOAD_GSO_NONE     0
#define OFFLOAD_GSO_TCPV4    1
#define OFFLOAD_GSO_UDP	     3
#define OFFLOAD_GSO_TCPV6    4
#define OFFLOAD_GSO_ECN	     0x80

/* Headers of one segment at most: Ethernet 14, IPv6 40 (IPv4 at most 60),
 * TCP at most 60. */
#define OFFLOAD_HDR_MAX	 134
#define OFFLOAD_SEGS_MAX 256 /* a 64 KB frame with a gso_size of 256 or more */

/*
 * Completes the checksum the sender left to the device in the (len)-byte
 * frame at (frame): the Internet checksum of bytes ofl->csum_start .. len
 * (the field's pseudo-header sum included), stored big-endian at
 * csum_start + csum_offset; a result of 0 is stored as 0xffff, its other
 * form (RFC 768 needs it for UDP; TCP receivers take both). Returns 0, or
 * -EINVAL, changing nothing, when the field does not lie inside the frame
 * after csum_start.
 */
int offload_csum(uint8_t *frame, size_t len, const struct netdev_offload *ofl);

/* The value offload_csum() would store (0 .. 0xffff), the frame left as it
 * is, or -EINVAL: for a caller that may not write the frame. */
int offload_csum_value(const uint8_t *frame, size_t len, const struct netdev_offload *ofl);

/* Where a GSO frame's headers end and what its payload is. */
struct offload_gso {
	bool v6;
	size_t iphl;   /* IP header bytes */
	size_t thl;    /* TCP header bytes */
	size_t hlen;   /* Ethernet, IP and TCP header bytes */
	size_t plen;   /* payload bytes after the headers, within the IP packet */
	uint32_t psum; /* the pseudo-header's sum but for the TCP length */
};

/* Fills (g) from the GSO frame of (len) bytes at (frame), checked as
 * offload_segment() needs it (its -EINVAL reasons but the segment
 * count), or returns -EINVAL. For a device's driver that cuts frames
 * itself (drivers/e1000_core.c). */
int offload_gso_parse(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
		      struct offload_gso *g);

/*
 * Checks what (ofl) asks of a device against the (len)-byte frame at
 * (frame), before a device is given it (a guest's header is never taken
 * on faith, and host kernels have crashed on bad ones): a checksum field
 * inside the frame after csum_start; for a GSO frame, everything
 * offload_segment() needs, and its checksum left to the device at TCP's
 * field (virtio 1.2 §5.1.6.2 has the sender set NEEDS_CSUM with GSO).
 * Returns 0, or -EINVAL.
 */
int offload_check(const uint8_t *frame, size_t len, const struct netdev_offload *ofl);

/* Receives each frame offload_segment() cuts: (nseg) pieces, a header the
 * callee may not keep, then a slice of the original frame (no slice, nseg
 * 1, when the frame carries no payload). Returns 0 having taken the frame,
 * anything else, not having taken it, to stop. */
typedef int (*offload_emit_fn)(void *ctx, const struct netdev_seg *seg, int nseg);

/*
 * Cuts the GSO frame of (len) bytes at (frame) (ofl->gso_type TCPV4 or
 * TCPV6, ECN bit allowed; Ethernet II, then IPv4 without fragmentation or
 * IPv6 with TCP as its next header, then TCP) into frames with at most
 * ofl->gso_size payload bytes each, and gives them in order to (emit).
 * Each gets: IPv4 total length, identification (the first's plus its
 * index) and header checksum, or IPv6 payload length; the TCP sequence
 * number advanced by the payload before it; FIN and PSH only on the last,
 * CWR only on the first; a complete TCP checksum (whatever the field held).
 * A payload that fits in one segment yields one frame. Reads (frame)
 * only; bytes after the IP packet's length (padding) are ignored.
 * Returns the number of frames (emit) took (when it stops early, the one
 * it refused is not counted), or -EINVAL, emitting nothing, for a frame
 * it cannot cut: not TCP over IPv4 or IPv6 (IPv4 options are fine;
 * fragments, VLAN tags and IPv6 extension headers are not), a gso_type
 * of the other IP version, an IP length beyond the frame, headers beyond
 * the IP packet, gso_size 0, or more than OFFLOAD_SEGS_MAX segments (a
 * tiny gso_size would turn one frame into thousands).
 */
int offload_segment(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
		    offload_emit_fn emit, void *ctx);

/*
 * As offload_segment(), but each frame's TCP checksum is left to a device,
 * not summed over the payload here: the field holds the pseudo-header's sum
 * and (*partial), filled before the first frame is emitted, says so
 * (NEEDS_CSUM, csum_start at the TCP header, csum_offset 16) for (emit) to
 * pass on with each frame; netdev_xmit() completes it for a device that
 * cannot. For a path that copies the frames anyway (a tag, a tunnel): the
 * payload is then read once, not twice.
 */
int offload_segment_partial(const uint8_t *frame, size_t len, const struct netdev_offload *ofl,
			    offload_emit_fn emit, void *ctx, struct netdev_offload *partial);

#endif
