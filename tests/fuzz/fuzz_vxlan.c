/*
 * Fuzz target: the VXLAN codec (net/switch/vxlan.c) on frames from the
 * uplink. Byte 0 steers: bit 0 "shape the frame" (EtherType IPv4, UDP, to
 * 10.88.0.2, UDP port 4789, IPv4 total length and UDP length filling the
 * frame less the padding of byte 0's bits 4-7, the header checksum right),
 * so that most inputs reach the VXLAN header; bit 1 clear the fragment
 * bits; bit 2 set the I flag. The rest is the frame, held in a buffer of
 * exactly its length so that a read past it is seen. A frame taken must
 * have its inner frame inside the datagram and at least an Ethernet
 * header long, a VNI of 24 bits and the source the header says; its inner
 * frame wrapped again by vxlan_build must parse back to the same VNI,
 * source and inner length. vxlan_src_port must stay in the dynamic range
 * for any bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/cksum.h"
#include "net/switch/vxlan.h"

#define FZ_SHAPE  0x01
#define FZ_NOFRAG 0x02
#define FZ_IFLAG  0x04
#define FZ_DST	  0x0a580002u /* 10.88.0.2 */
#define FZ_MAX	  2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Makes (f) look like VXLAN to us, as far as its length allows. */
static void fz_shape(uint8_t *f, size_t len, uint8_t ctl)
{
	size_t pad = ctl >> 4, ihl;

	if (len < 14 + 20 + 8 + 8)
		return;
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = (uint8_t)(0x40 | (f[14] & 0x0f));
	if ((f[14] & 0x0f) < 5)
		f[14] = 0x45;
	ihl = (size_t)(f[14] & 0x0f) * 4;
	if (len < 14 + ihl + 16 + pad)
		return;
	fz_put16(f + 16, len - 14 - pad);
	if (ctl & FZ_NOFRAG) {
		f[20] &= 0x40;
		f[21] = 0;
	}
	f[23] = 17;
	f[30] = 10;
	f[31] = 88;
	f[32] = 0;
	f[33] = 2;
	f[24] = f[25] = 0;
	fz_put16(f + 24, cksum(f + 14, ihl));
	fz_put16(f + 14 + ihl + 2, 4789);
	fz_put16(f + 14 + ihl + 4, len - 14 - pad - ihl);
	if (ctl & FZ_IFLAG)
		f[14 + ihl + 8] |= 0x08;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[VXLAN_OUTER_LEN + FZ_MAX];
	struct vxlan_rx rx, back;
	struct vxlan_tx tx = {0};
	uint8_t *f, ctl;
	size_t len;
	int rc;

	if (size < 1 || size - 1 > FZ_MAX)
		return 0;
	ctl = data[0];
	len = size - 1;
	f = malloc(len ? len : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data + 1, len);
	if (ctl & FZ_SHAPE)
		fz_shape(f, len, ctl);
	if (vxlan_src_port(f, len, 0x1234) < VXLAN_SPORT_MIN)
		abort();
	memset(&rx, 0xa5, sizeof(rx));
	rc = vxlan_parse(f, len, FZ_DST, VXLAN_PORT_DEFAULT, &rx);
	if (rc != 1 && rc != 0 && (rc >= 0 || -rc >= VXLAN_DROP_MAX))
		abort();
	if (rc == 0) {
		if (rx.inner_len < 14 || rx.inner > len || rx.inner_len > len - rx.inner ||
		    rx.vni > VXLAN_VNI_MAX || rx.dst != FZ_DST ||
		    rx.src != ((uint32_t)f[26] << 24 | (uint32_t)f[27] << 16 |
			       (uint32_t)f[28] << 8 | f[29]))
			abort();
		tx.src = rx.src;
		tx.dst = FZ_DST;
		tx.sport = rx.sport;
		tx.dport = VXLAN_PORT_DEFAULT;
		tx.vni = rx.vni;
		if (vxlan_build(again, &tx, rx.inner_len) != 0)
			abort();
		memcpy(again + VXLAN_OUTER_LEN, f + rx.inner, rx.inner_len);
		if (vxlan_parse(again, VXLAN_OUTER_LEN + rx.inner_len, FZ_DST, VXLAN_PORT_DEFAULT,
				&back) != 0 ||
		    back.vni != rx.vni || back.src != rx.src || back.inner != VXLAN_OUTER_LEN ||
		    back.inner_len != rx.inner_len)
			abort();
	}
	free(f);
	return 0;
}
