/*
 * The Internet checksum: the one's complement of the one's-complement sum
 * of 16-bit words (RFC 1071), computed over bytes, and updated in place
 * when a field covered by it changes (RFC 1624). IPv4 headers, TCP, UDP
 * and ICMP all use it; TCP and UDP also cover a pseudo-header holding the
 * IPv4 addresses (RFC 793 §3.1, RFC 768), so rewriting an address changes
 * their checksum too.
 *
 * Every 16-bit value in this interface is the number the two bytes make
 * read big-endian, as they lie in the packet ("network order"), and every
 * checksum field is read and written big-endian. Updates use RFC 1624
 * eqn. 3, HC' = ~(~HC + ~m + m'), which gives what full recomputation
 * gives (a header whose words are not all zero never checksums to 0xffff,
 * and eqn. 3 never produces it from such a header). Pure: no state.
 */
#ifndef UNIGATE_NET_CKSUM_H
#define UNIGATE_NET_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * For cksum_adjust16() and cksum_adjust32(): the field is a UDP checksum.
 * A stored 0 means "no checksum" (RFC 768) and is left 0; a result of 0 is
 * stored as 0xffff, its other one's-complement form, as a sender would.
 */
#define CKSUM_UDP 0x01

/*
 * For cksum_adjust16() and cksum_adjust32(): the field holds not a
 * checksum but the sum a sender with checksum offload left there for the
 * device to finish: the pseudo-header's, uncomplemented (virtio 1.2
 * §5.1.6.2, NEEDS_CSUM). It is updated as the sum it is, S' = S - m + m'
 * (the complement of eqn. 3 on its complement); no UDP rule applies.
 */
#define CKSUM_PARTIAL 0x02

/*
 * Adds the (len) bytes at (buf), taken as big-endian 16-bit words, to the
 * running sum (sum), which starts at 0. An odd final byte is padded with a
 * zero byte, so only the last piece of a checksummed range may have odd
 * length. The result is partly folded and may be passed back in any
 * number of times. Reads (buf) only.
 */
uint32_t cksum_add(uint32_t sum, const void *buf, size_t len);

/* Returns the checksum to store for running sum (sum): ~(folded sum). */
uint16_t cksum_fold(uint32_t sum);

/*
 * Returns the Internet checksum of the (len) bytes at (buf). Over a range
 * whose checksum field holds a correct checksum, it returns 0: that is how
 * a checksum is verified.
 */
uint16_t cksum(const void *buf, size_t len);

/*
 * Returns the running sum of the TCP/UDP pseudo-header: addresses (src) and
 * (dst) in host order, protocol (proto), and (len), the TCP or UDP length
 * (header and data). Add the segment with cksum_add() and cksum_fold().
 */
uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/*
 * Returns checksum (ck) updated for one 16-bit word of the covered data
 * changing from (from) to (to) (RFC 1624 eqn. 3). (ck) unchanged if equal.
 */
uint16_t cksum_update16(uint16_t ck, uint16_t from, uint16_t to);

/* As cksum_update16(), for a 32-bit value (two aligned words) changing. */
uint16_t cksum_update32(uint16_t ck, uint32_t from, uint32_t to);

/*
 * Updates the checksum stored at (ck), 2 bytes anywhere in a buffer the
 * caller owns, for a covered 16-bit word changing from (from) to (to).
 * (flags): 0 or CKSUM_UDP. Writing the new word is the caller's business.
 */
void cksum_adjust16(uint8_t *ck, uint16_t from, uint16_t to, int flags);

/* As cksum_adjust16(), for a covered 32-bit value (an IPv4 address). */
void cksum_adjust32(uint8_t *ck, uint32_t from, uint32_t to, int flags);

#endif
