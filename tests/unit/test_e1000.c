/*
 * Unit tests for drivers/e1000_core.c against a fake register file: the
 * driver's registers are a plain array, and the test plays the device,
 * completing receive descriptors (status, length, errors, data) and
 * transmit descriptors (DD, TDH) the way the 8254x SDM §3.2-3.3 has it.
 * A plain array keeps what was last written and has no read side
 * effects, so ICR and MPC read like QEMU's accumulating registers, and
 * the 82574's ICR write-back cannot be observed here. For the transmit
 * offloads the test also plays QEMU's 8254x model (hw/net/e1000.c): it
 * cuts a TSO frame as that model does and compares the result with
 * drivers/offload.c's software segmentation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/e1000.h"
#include "drivers/e1000_regs.h"
#include "drivers/offload.h"
#include "net/cksum.h"

#define R(off) regs[(off) / 4]
#define IMS_WANTED                                                                                 \
	(E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | E1000_ICR_LSC | E1000_ICR_TXDW)
#define GOT_MAX 1024
#define TEST_MAC                                                                                   \
	{                                                                                          \
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56                                                 \
	}
#define SENTINEL 0xdeadbeefu

static uint32_t regs[0x6000 / 4]; /* up to GCR at 0x5b00 */
static struct e1000_dev dev;
static struct netdev nd;

/* Frames the driver delivered, in order. */
static struct {
	uint8_t data[E1000_RX_MAX];
	size_t len;
} got[GOT_MAX];
static int ngot;

static void capture(struct netdev *n, void *frame, size_t len, const struct netdev_offload *ofl)
{
	assert_ptr_equal(n, &nd);
	assert_null(ofl);
	assert_true(len >= E1000_RX_MIN && len <= E1000_RX_MAX);
	assert_true(ngot < GOT_MAX);
	memcpy(got[ngot].data, frame, len); /* ASan checks the driver's bounds */
	got[ngot].len = len;
	ngot++;
}

static int setup_flags(uint32_t flags)
{
	static const uint8_t mac[6] = TEST_MAC;

	memset(regs, 0, sizeof(regs));
	R(E1000_STATUS) = E1000_STATUS_LU;
	e1000_dev_init(&dev, regs, flags);
	memset(&nd, 0, sizeof(nd));
	memcpy(nd.mac, mac, 6);
	nd.ops = &e1000_ops;
	nd.priv = &dev;
	nd.rx = capture;
	ngot = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_flags(0);
}

static int setup_82574(void **state)
{
	(void)state;
	return setup_flags(E1000_F_EERD_LARGE | E1000_F_IPGT8 | E1000_F_ICR_W1C | E1000_F_AUTO_RD |
			   E1000_F_82574_INIT);
}

static int teardown(void **state)
{
	(void)state;
	e1000_dev_free(&dev);
	return 0;
}

static void open_dev(void)
{
	assert_int_equal(nd.ops->open(&nd), 0);
	assert_true(nd.open);
}

/* ---- the device's side ---- */

static unsigned dev_rdh; /* where the device writes next */

/* Completes receive descriptor dev_rdh as the device would, checking that
 * the driver gave it to the device (it lies in [RDH, RDT)). */
static void dev_rx(const void *data, uint16_t len, uint8_t status, uint8_t errors)
{
	volatile struct e1000_rx_desc *rd = &dev.rx_ring[dev_rdh];
	uint8_t *buf = (uint8_t *)(uintptr_t)rd->addr;

	assert_int_not_equal(dev_rdh, R(E1000_RDT));
	assert_int_equal(rd->status, 0);
	if (data)
		memcpy(buf, data, len < E1000_BUF_SIZE ? len : E1000_BUF_SIZE);
	rd->length = len;
	rd->errors = errors;
	rd->status = status; /* DD last */
	dev_rdh = (dev_rdh + 1) % E1000_RX_RING;
	R(E1000_RDH) = dev_rdh;
}

/* A frame of (len) bytes whose bytes 14.. carry (seq). */
static void dev_rx_frame(uint16_t len, uint32_t seq)
{
	uint8_t f[E1000_BUF_SIZE];

	memset(f, 0xab, sizeof(f));
	memset(f, 0xff, 6);
	if (len >= 18)
		memcpy(f + 14, &seq, 4);
	dev_rx(f, len, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
}

static uint32_t got_seq(int i)
{
	uint32_t seq;

	memcpy(&seq, got[i].data + 14, 4);
	return seq;
}

/* Transmits (n) queued descriptors from TDH as the device would; they
 * must lie before TDT. Returns the last one's length. */
static unsigned dev_tx(unsigned n)
{
	unsigned len = 0;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = R(E1000_TDH);
		volatile struct e1000_tx_desc *td = &dev.tx_ring[i];

		assert_int_not_equal(i, R(E1000_TDT));
		assert_int_equal(td->cmd,
				 E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
		len = td->length;
		td->status |= E1000_TXD_STAT_DD;
		R(E1000_TDH) = (i + 1) % E1000_TX_RING;
	}
	return len;
}

static int xmit_bytes(size_t len, uint32_t seq)
{
	uint8_t f[E1000_BUF_SIZE];
	struct netdev_seg seg = {f, len};

	assert_true(len <= sizeof(f));
	memset(f, 0x5a, len);
	if (len >= 18)
		memcpy(f + 14, &seq, 4);
	return nd.ops->xmit(&nd, &seg, 1, NULL);
}

/* ---- bring-up ---- */

static void test_open_programs_rings(void **state)
{
	uintptr_t rx, tx;

	(void)state;
	for (int i = 0; i < E1000_MTA_N; i++)
		R(E1000_MTA + 4 * i) = 0xffffffffu;
	R(E1000_CTRL) = E1000_CTRL_VME | E1000_CTRL_LRST | E1000_CTRL_FRCSPD | E1000_CTRL_FD;
	R(E1000_RCTL) = 0xffffffffu;
	R(E1000_RXCSUM) = 0x300;
	open_dev();

	rx = (uintptr_t)dev.rx_ring;
	tx = (uintptr_t)dev.tx_ring;
	assert_int_equal(rx % 4096, 0);
	assert_int_equal(tx % 4096, 0);
	assert_int_equal(R(E1000_RDBAL), (uint32_t)rx);
	assert_int_equal(R(E1000_RDBAH), (uint32_t)((uint64_t)rx >> 32));
	assert_int_equal(R(E1000_RDLEN), E1000_RX_RING * 16);
	assert_int_equal(R(E1000_RDH), 0);
	assert_int_equal(R(E1000_RDT), E1000_RX_RING - 1);
	assert_int_equal(R(E1000_TDBAL), (uint32_t)tx);
	assert_int_equal(R(E1000_TDBAH), (uint32_t)((uint64_t)tx >> 32));
	assert_int_equal(R(E1000_TDLEN), E1000_TX_RING * 16);
	assert_int_equal(R(E1000_TDH), 0);
	assert_int_equal(R(E1000_TDT), 0);

	/* Enabled, broadcast, CRC stripped, 2048-byte buffers, no
	 * promiscuity, no long or bad packets. */
	assert_int_equal(R(E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
	assert_int_equal(R(E1000_TCTL), E1000_TCTL_EN | E1000_TCTL_PSP | 0x0f << 4 | 0x40 << 12);
	assert_int_equal(R(E1000_TIPG), 10 | 8 << 10 | 6 << 20);
	assert_int_equal(R(E1000_IMS), IMS_WANTED);
	assert_int_equal(R(E1000_RXCSUM), 0);
	assert_int_equal(R(E1000_CTRL), E1000_CTRL_FD | E1000_CTRL_SLU | E1000_CTRL_ASDE);
	assert_int_equal(R(E1000_RAL0), 0x12005452);
	assert_int_equal(R(E1000_RAH0), 0x5634 | E1000_RAH_AV);
	for (int i = 0; i < E1000_MTA_N; i++)
		assert_int_equal(R(E1000_MTA + 4 * i), 0);
	/* The 82574's bits stay alone on other models. */
	assert_int_equal(R(E1000_TXDCTL), 0);
	assert_int_equal(R(E1000_TARC0), 0);
	assert_int_equal(R(E1000_GCR), 0);

	for (int i = 0; i < E1000_RX_RING; i++) {
		assert_int_equal(dev.rx_ring[i].addr, (uintptr_t)(dev.rx_buf + i * E1000_BUF_SIZE));
		assert_int_equal(dev.rx_ring[i].status, 0);
	}
	for (int i = 0; i < E1000_TX_RING; i++)
		assert_int_equal(dev.tx_ring[i].addr, (uintptr_t)(dev.tx_buf + i * E1000_BUF_SIZE));
	assert_true(nd.link);
}

static void test_open_82574_bits(void **state)
{
	(void)state;
	R(E1000_TARC0) = 0x3;
	R(E1000_GCR) = 0x1;
	open_dev();
	assert_int_equal(R(E1000_TIPG), 8 | 8 << 10 | 6 << 20);
	assert_int_equal(R(E1000_TXDCTL), 1u << 22);
	assert_int_equal(R(E1000_TARC0), 0x3 | 1u << 10);
	assert_int_equal(R(E1000_GCR), 0x1 | 1u << 22);
}

static void test_open_link_down(void **state)
{
	(void)state;
	R(E1000_STATUS) = 0;
	open_dev();
	assert_false(nd.link);
}

static void test_open_twice_leaves_rings(void **state)
{
	volatile struct e1000_rx_desc *rx;

	(void)state;
	open_dev();
	rx = dev.rx_ring;
	dev_rdh = 0;
	dev_rx_frame(64, 1);
	R(E1000_RDH) = 1;
	open_dev(); /* ASan's leak check sees a second allocation */
	assert_ptr_equal(dev.rx_ring, rx);
	assert_int_equal(R(E1000_RDH), 1); /* not reprogrammed under the device */
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
}

static void test_promisc(void **state)
{
	(void)state;
	nd.ops->set_promisc(&nd, true);
	assert_true(nd.promisc);
	open_dev();
	assert_int_equal(R(E1000_RCTL) & (E1000_RCTL_UPE | E1000_RCTL_MPE),
			 E1000_RCTL_UPE | E1000_RCTL_MPE);
	nd.ops->set_promisc(&nd, false);
	assert_false(nd.promisc);
	assert_int_equal(R(E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
	nd.ops->set_promisc(&nd, true);
	assert_int_equal(R(E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC |
						E1000_RCTL_UPE | E1000_RCTL_MPE);
}

/* ---- receive ---- */

static void test_rx_good_frames(void **state)
{
	(void)state;
	open_dev();
	dev_rdh = 0;
	dev_rx_frame(60, 1);
	dev_rx_frame(1514, 2);
	dev_rx_frame(E1000_RX_MAX, 3);
	dev_rx_frame(E1000_RX_MIN, 4);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 4);
	assert_int_equal(ngot, 4);
	assert_int_equal(got[0].len, 60);
	assert_int_equal(got[1].len, 1514);
	assert_int_equal(got[2].len, E1000_RX_MAX);
	assert_int_equal(got[3].len, E1000_RX_MIN);
	for (int i = 0; i < 3; i++)
		assert_int_equal(got_seq(i), i + 1);
	assert_int_equal(got[1].data[1513], 0xab);
	assert_int_equal(nd.stats.rx_packets, 4);
	assert_int_equal(nd.stats.rx_bytes, 60 + 1514 + E1000_RX_MAX + E1000_RX_MIN);
	/* Descriptors 0-2 are the device's again; 3 is the driver's gap. */
	assert_int_equal(R(E1000_RDT), 3);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dev.rx_ring[i].status, 0);

	/* Nothing new: no delivery and no RDT write. */
	R(E1000_RDT) = SENTINEL;
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	assert_int_equal(R(E1000_RDT), SENTINEL);
}

static void test_rx_bad_lengths(void **state)
{
	static const uint16_t bad[] = {
		0,     1, E1000_RX_MIN - 1, E1000_RX_MAX + 1, E1000_BUF_SIZE, E1000_BUF_SIZE + 1,
		0xffff};

	(void)state;
	open_dev();
	dev_rdh = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		dev_rx_frame(bad[i], 100 + i);
	dev_rx_frame(64, 7);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
	assert_int_equal(ngot, 1);
	assert_int_equal(got_seq(0), 7);
	assert_int_equal(nd.stats.rx_drop_len, 7);
	assert_int_equal(nd.stats.rx_packets, 1);
	assert_int_equal(R(E1000_RDT), 7);
}

static void test_rx_frame_without_eop(void **state)
{
	uint8_t f[E1000_BUF_SIZE];

	(void)state;
	memset(f, 0, sizeof(f));
	open_dev();
	dev_rdh = 0;
	/* Two pieces, then three pieces, then a good frame. */
	dev_rx(f, E1000_BUF_SIZE, E1000_RXD_STAT_DD, 0);
	dev_rx(f, 100, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
	dev_rx(f, E1000_BUF_SIZE, E1000_RXD_STAT_DD, 0);
	dev_rx(f, E1000_BUF_SIZE, E1000_RXD_STAT_DD, 0);
	dev_rx(f, 60, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
	dev_rx_frame(64, 9);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
	assert_int_equal(got_seq(0), 9);
	assert_int_equal(nd.stats.rx_drop_len, 2);
	assert_int_equal(R(E1000_RDT), 5);

	/* A frame whose pieces straddle two polls is still dropped whole. */
	dev_rx(f, E1000_BUF_SIZE, E1000_RXD_STAT_DD, 0);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	dev_rx(f, 64, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
	dev_rx_frame(64, 10);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
	assert_int_equal(got_seq(1), 10);
	assert_int_equal(nd.stats.rx_drop_len, 3);
	assert_int_equal(nd.stats.rx_packets, 2);
}

static void test_rx_error_bits(void **state)
{
	static const uint8_t errs[] = {E1000_RXD_ERR_CE,  E1000_RXD_ERR_SE,
				       E1000_RXD_ERR_SEQ, E1000_RXD_ERR_CXE,
				       E1000_RXD_ERR_RXE, E1000_RXD_ERR_CE | E1000_RXD_ERR_IPE};
	uint8_t f[64];

	(void)state;
	memset(f, 0, sizeof(f));
	open_dev();
	dev_rdh = 0;
	for (size_t i = 0; i < sizeof(errs); i++)
		dev_rx(f, sizeof(f), E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, errs[i]);
	/* Checksum verdicts alone are no reason to drop a frame. */
	dev_rx(f, sizeof(f), E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, E1000_RXD_ERR_IPE);
	dev_rx(f, sizeof(f), E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, E1000_RXD_ERR_TCPE);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 2);
	assert_int_equal(nd.stats.rx_drop_error, sizeof(errs));
	assert_int_equal(nd.stats.rx_packets, 2);
	assert_int_equal(R(E1000_RDT), sizeof(errs) + 1);
}

static void test_rx_ring_wraps(void **state)
{
	uint32_t sent = 0;
	int polls = 0;

	(void)state;
	open_dev();
	dev_rdh = 0;
	/* Bursts of varying size, the device filling what RDT allows, for
	 * three times round the ring. */
	while (sent < 3 * E1000_RX_RING + 17) {
		unsigned burst = 1 + (sent * 7) % 97;

		for (unsigned k = 0; k < burst && dev_rdh != R(E1000_RDT); k++) {
			dev_rx_frame(60 + sent % 1400, sent);
			sent++;
		}
		while (nd.ops->poll(&nd, NETDEV_RX_BUDGET) > 0)
			polls++;
		assert_int_equal(R(E1000_RDT), (dev.rx_next + E1000_RX_RING - 1) % E1000_RX_RING);
		assert_int_equal(dev.rx_next, dev_rdh);
	}
	assert_int_equal(ngot, sent);
	for (int i = 0; i < ngot; i++) {
		assert_int_equal(got_seq(i), i);
		assert_int_equal(got[i].len, 60 + i % 1400);
	}
	assert_true(polls > 3 * E1000_RX_RING / NETDEV_RX_BUDGET);
}

static void test_rx_full_ring(void **state)
{
	(void)state;
	open_dev();
	dev_rdh = 0;
	/* The device may fill all but one slot, then must stop. */
	for (int i = 0; i < E1000_RX_RING - 1; i++)
		dev_rx_frame(64, i);
	assert_int_equal(dev_rdh, R(E1000_RDT));
	for (int i = 0; i < 4; i++)
		assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), NETDEV_RX_BUDGET - (i == 3));
	assert_int_equal(ngot, E1000_RX_RING - 1);
	assert_int_equal(R(E1000_RDT), E1000_RX_RING - 2);
	dev_rx_frame(64, 1000); /* slot 255, the one held back at open */
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
	assert_int_equal(got_seq(E1000_RX_RING - 1), 1000);
}

static void test_rx_budget(void **state)
{
	(void)state;
	open_dev();
	dev_rdh = 0;
	for (int i = 0; i < 10; i++)
		dev_rx_frame(64, i);
	assert_int_equal(nd.ops->poll(&nd, 4), 4);
	assert_int_equal(R(E1000_RDT), 3);
	assert_int_equal(nd.ops->poll(&nd, 4), 4);
	assert_int_equal(R(E1000_RDT), 7);
	assert_int_equal(nd.ops->poll(&nd, 4), 2);
	assert_int_equal(R(E1000_RDT), 9);
	assert_int_equal(nd.ops->poll(&nd, 0), 0);
	assert_int_equal(ngot, 10);

	/* Bad descriptors use up the budget as well. */
	for (int i = 0; i < 3; i++)
		dev_rx_frame(0, i);
	for (int i = 0; i < 3; i++)
		dev_rx_frame(64, 20 + i);
	assert_int_equal(nd.ops->poll(&nd, 4), 1);
	assert_int_equal(got_seq(10), 20);
	assert_int_equal(nd.ops->poll(&nd, 4), 2);
}

static void test_rx_without_owner(void **state)
{
	(void)state;
	open_dev();
	nd.rx = NULL;
	dev_rdh = 0;
	dev_rx_frame(64, 1);
	dev_rx_frame(64, 2);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	assert_int_equal(nd.stats.rx_packets, 0);
	assert_int_equal(R(E1000_RDT), 1); /* the slots are recycled */
	assert_int_equal(dev.rx_ring[0].status, 0);
}

static void test_poll_before_open(void **state)
{
	(void)state;
	R(E1000_ICR) = E1000_ICR_LSC;
	R(E1000_STATUS) = 0;
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 0);
	assert_int_equal(xmit_bytes(64, 0), -ENETDOWN);
	assert_int_equal(nd.stats.tx_drop_down, 1);
}

/* ---- interrupts, link, missed packets ---- */

static void test_poll_reads_link_on_lsc(void **state)
{
	(void)state;
	open_dev();
	assert_true(nd.link);
	R(E1000_STATUS) = 0;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_true(nd.link); /* no LSC: STATUS is not read */
	R(E1000_ICR) = E1000_ICR_LSC;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_false(nd.link);
	assert_int_equal(xmit_bytes(64, 0), -ENETDOWN);
	assert_int_equal(nd.stats.tx_drop_down, 1);
	R(E1000_STATUS) = E1000_STATUS_LU;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_true(nd.link);
}

/* Moderation: frames found, interrupts are masked and the causes are not
 * read per pass; when the loop goes idle they are unmasked, and a link
 * change latched meanwhile is seen at the next poll. */
static void test_poll_masks_while_busy(void **state)
{
	(void)state;
	open_dev();
	assert_int_equal(R(E1000_IMS), IMS_WANTED);
	dev_rdh = 0;
	dev_rx_frame(64, 1);
	dev_rx_frame(64, 2);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 2);
	assert_int_equal(R(E1000_IMC), ~0u);
	R(E1000_ICR) = E1000_ICR_LSC;
	R(E1000_STATUS) = 0;
	dev_rx_frame(64, 3);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 1);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	assert_true(nd.link); /* ICR not read while busy */
	R(E1000_IMS) = 0;
	R(E1000_IMC) = 0;
	nd.ops->idle(&nd);
	assert_int_equal(R(E1000_IMS), IMS_WANTED);
	nd.ops->idle(&nd); /* once is enough: no second write */
	R(E1000_IMS) = 0;
	nd.ops->idle(&nd);
	assert_int_equal(R(E1000_IMS), 0);
	assert_int_equal(nd.ops->poll(&nd, NETDEV_RX_BUDGET), 0);
	assert_false(nd.link);
	assert_int_equal(R(E1000_IMC), 0); /* nothing received: still unmasked */
}

static void test_missed_accumulating_mpc(void **state)
{
	(void)state;
	open_dev();
	R(E1000_MPC) = 5;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(nd.stats.rx_drop_nobuf, 0); /* read only on RXO */
	R(E1000_ICR) = E1000_ICR_RXO;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(dev.mpc_mode, E1000_MPC_STICKY);
	assert_int_equal(nd.stats.rx_drop_nobuf, 5);
	R(E1000_MPC) = 7;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(nd.stats.rx_drop_nobuf, 7);
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(nd.stats.rx_drop_nobuf, 7);
	R(E1000_MPC) = 2; /* the device was reset */
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(nd.stats.rx_drop_nobuf, 9);
}

static void test_missed_clearing_mpc(void **state)
{
	(void)state;
	e1000_count_missed(&nd, 0, 0);
	assert_int_equal(dev.mpc_mode, E1000_MPC_UNKNOWN);
	e1000_count_missed(&nd, 5, 1); /* read again: one more, then cleared */
	assert_int_equal(dev.mpc_mode, E1000_MPC_CLEARS);
	assert_int_equal(nd.stats.rx_drop_nobuf, 6);
	e1000_count_missed(&nd, 3, 0);
	e1000_count_missed(&nd, 3, 0);
	assert_int_equal(nd.stats.rx_drop_nobuf, 12);
}

/* ---- transmit ---- */

static void test_tx_copy_and_descriptor(void **state)
{
	uint8_t hdr[14], payload[50];
	struct netdev_seg seg[2] = {{hdr, sizeof(hdr)}, {payload, sizeof(payload)}};
	volatile struct e1000_tx_desc *td;

	(void)state;
	memset(hdr, 0x11, sizeof(hdr));
	memset(payload, 0x22, sizeof(payload));
	open_dev();
	assert_int_equal(nd.ops->xmit(&nd, seg, 2, NULL), 0);
	td = &dev.tx_ring[0];
	assert_int_equal(td->addr, (uintptr_t)dev.tx_buf);
	assert_int_equal(td->length, 64);
	assert_int_equal(td->cmd, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
	assert_int_equal(td->status, 0);
	assert_int_equal(td->cso, 0);
	assert_int_equal(td->special, 0);
	assert_memory_equal(dev.tx_buf, hdr, sizeof(hdr));
	assert_memory_equal(dev.tx_buf + 14, payload, sizeof(payload));
	assert_int_equal(nd.stats.tx_packets, 1);
	assert_int_equal(nd.stats.tx_bytes, 64);
	assert_int_equal(R(E1000_TDT), 0); /* queued, not rung */

	assert_int_equal(xmit_bytes(NETDEV_FRAME_MAX, 1), 0);
	assert_int_equal(dev.tx_ring[1].length, NETDEV_FRAME_MAX);
	assert_int_equal(dev.tx_buf[E1000_BUF_SIZE + NETDEV_FRAME_MAX - 1], 0x5a);
}

static void test_tx_bad_sizes(void **state)
{
	uint8_t f[NETDEV_FRAME_MAX];
	struct netdev_seg seg[2] = {{f, sizeof(f)}, {f, 1}};

	(void)state;
	memset(f, 0, sizeof(f));
	open_dev();
	assert_int_equal(nd.ops->xmit(&nd, seg, 0, NULL), -EMSGSIZE);
	assert_int_equal(nd.ops->xmit(&nd, seg, 2, NULL), -EMSGSIZE);
	seg[0].len = 0;
	seg[1].len = 0;
	assert_int_equal(nd.ops->xmit(&nd, seg, 2, NULL), -EMSGSIZE);
	seg[0].len = SIZE_MAX; /* no overflow when adding up */
	seg[1].len = 2;
	assert_int_equal(nd.ops->xmit(&nd, seg, 2, NULL), -EMSGSIZE);
	assert_int_equal(nd.stats.tx_drop_size, 4);
	assert_int_equal(nd.stats.tx_packets, 0);
	assert_int_equal(dev.tx_used, 0);
}

static void test_tx_flush_once_per_burst(void **state)
{
	(void)state;
	open_dev();
	for (int i = 0; i < 3; i++)
		assert_int_equal(xmit_bytes(60, i), 0);
	assert_int_equal(R(E1000_TDT), 0);
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 3);
	R(E1000_TDT) = SENTINEL; /* a second flush must not write */
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), SENTINEL);
	R(E1000_TDT) = 3;
	assert_int_equal(xmit_bytes(60, 3), 0);
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 4);
	assert_int_equal(dev_tx(4), 60);
}

static void test_tx_ring_full(void **state)
{
	(void)state;
	open_dev();
	for (int i = 0; i < E1000_TX_RING - 1; i++)
		assert_int_equal(xmit_bytes(60, i), 0);
	assert_int_equal(xmit_bytes(60, 999), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 1);
	assert_int_equal(nd.stats.tx_packets, E1000_TX_RING - 1);
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), E1000_TX_RING - 1);

	/* The device sends ten; the next xmit reaps them itself. */
	dev_tx(10);
	assert_int_equal(xmit_bytes(60, 1000), 0);
	assert_int_equal(dev.tx_used, E1000_TX_RING - 10);
	for (int i = 0; i < 9; i++)
		assert_int_equal(xmit_bytes(60, 1001 + i), 0);
	assert_int_equal(xmit_bytes(60, 2000), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 2);
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 9); /* wrapped */
}

static void test_tx_reaped_in_poll_and_wraps(void **state)
{
	(void)state;
	open_dev();
	for (uint32_t seq = 0; seq < 3 * E1000_TX_RING + 5; seq++) {
		unsigned slot = dev.tx_tail;
		uint32_t seen;

		assert_int_equal(xmit_bytes(60 + seq % 1000, seq), 0);
		nd.ops->flush(&nd);
		assert_int_equal(dev_tx(1), 60 + seq % 1000);
		memcpy(&seen, dev.tx_buf + (size_t)slot * E1000_BUF_SIZE + 14, 4);
		assert_int_equal(seen, seq);
		if (seq % 3 == 0) {
			nd.ops->poll(&nd, NETDEV_RX_BUDGET);
			assert_int_equal(dev.tx_used, 0);
			assert_int_equal(dev.tx_clean, dev.tx_tail);
		}
	}
	assert_int_equal(nd.stats.tx_packets, 3 * E1000_TX_RING + 5);
	assert_int_equal(nd.stats.tx_drop_full, 0);
}

/* ---- transmit offloads ---- */

#define T_HLEN (14 + 20 + 32) /* Ethernet, IPv4, TCP with 12 bytes of options */
#define T_MSS  1448
#define T_BIG  (14 + 65535)
#define T_SRC  0x0a000001u
#define T_DST  0x0a000002u

static uint8_t tframe[T_BIG], tkeep[T_BIG];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The pseudo-header's folded sum, uncomplemented, for TCP length (tlen). */
static uint16_t psum16(size_t tlen)
{
	return (uint16_t)~cksum_fold(cksum_pseudo(T_SRC, T_DST, 6, (uint16_t)tlen));
}

/* A TCP over IPv4 frame with (plen) payload bytes, as a sender leaving
 * the checksum to the device makes it: a correct IPv4 header checksum,
 * the TCP field holding the pseudo-header's sum with the length. Kept
 * in tkeep as well. Returns its length. */
static size_t make_tcp(size_t plen, uint8_t flags)
{
	size_t len = T_HLEN + plen;
	uint8_t *ip = tframe + 14, *tcp = ip + 20;

	assert_true(len <= sizeof(tframe));
	memset(tframe, 0, T_HLEN);
	memset(tframe, 0x02, 12);
	put16(tframe + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, T_SRC);
	put32(ip + 16, T_DST);
	put16(ip + 10, cksum(ip, 20));
	put16(tcp, 40000);
	put16(tcp + 2, 80);
	put32(tcp + 4, 0xfffff000u); /* wraps within the frame */
	put32(tcp + 8, 77);
	tcp[12] = 8 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	memset(tcp + 20, 1, 12); /* NOPs */
	put16(tcp + 16, psum16(len - 34));
	for (size_t i = 0; i < plen; i++)
		tframe[T_HLEN + i] = (uint8_t)(i * 7 + i / 251);
	memcpy(tkeep, tframe, len);
	return len;
}

static const struct netdev_offload tso_ofl = {
	OFFLOAD_F_NEEDS_CSUM, OFFLOAD_GSO_TCPV4, T_HLEN, T_MSS, 34, 16};
static const struct netdev_offload csum_ofl = {OFFLOAD_F_NEEDS_CSUM, 0, 0, 0, 34, 16};

static int xmit_ofl(size_t len, const struct netdev_offload *ofl)
{
	struct netdev_seg seg = {tframe, len};

	return nd.ops->xmit(&nd, &seg, 1, ofl);
}

static volatile struct e1000_tx_ctx_desc *ctx_at(unsigned i)
{
	return (volatile struct e1000_tx_ctx_desc *)(volatile void *)&dev.tx_ring[i];
}

static volatile struct e1000_tx_data_desc *data_at(unsigned i)
{
	return (volatile struct e1000_tx_data_desc *)(volatile void *)&dev.tx_ring[i];
}

static void open_ofl(void)
{
	nd.offloads = E1000_OFFLOADS;
	open_dev();
}

/* Plays the device over descriptors [TDH, TDT): DD only where a data or
 * legacy descriptor has RS (the driver sets none on a context
 * descriptor, so none is written there). */
static void dev_tx_all(void)
{
	while (R(E1000_TDH) != R(E1000_TDT)) {
		unsigned i = R(E1000_TDH);
		volatile struct e1000_tx_data_desc *dd = data_at(i);
		bool ctx = (dd->dcmd & E1000_TXD_CMD_DEXT) && !(dd->dtyp & E1000_TXD_DTYP_D);

		if (ctx)
			assert_int_equal(dd->dcmd & E1000_TXD_CMD_RS, 0); /* TUCMD.RS */
		else if (dd->dcmd & E1000_TXD_CMD_RS)
			dd->sta |= E1000_TXD_STAT_DD;
		R(E1000_TDH) = (i + 1) % E1000_TX_RING;
	}
}

static void test_tx_csum_offload(void **state)
{
	size_t len = make_tcp(100, 0x18);
	volatile struct e1000_tx_ctx_desc *c;
	volatile struct e1000_tx_data_desc *dd;

	(void)state;
	open_ofl();
	assert_int_equal(xmit_ofl(len, &csum_ofl), 0);
	c = ctx_at(0);
	assert_int_equal(c->tucss, 34);
	assert_int_equal(c->tucso, 50);
	assert_int_equal(c->tucse, 0);
	assert_int_equal(c->ipcss | c->ipcso | c->ipcse, 0);
	assert_int_equal(c->paylen_cmd, E1000_TXC_CMD_DEXT); /* no TSE, no RS */
	assert_int_equal(c->sta, 0);
	dd = data_at(1);
	assert_int_equal(dd->addr, (uintptr_t)(dev.tx_buf + E1000_BUF_SIZE));
	assert_int_equal(dd->length, len);
	assert_int_equal(dd->dtyp, E1000_TXD_DTYP_D);
	assert_int_equal(dd->dcmd, E1000_TXD_CMD_DEXT | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_EOP |
					   E1000_TXD_CMD_RS);
	assert_int_equal(dd->popts, E1000_TXD_POPTS_TXSM);
	/* The field keeps the sum with the length: TXSM finishes it. */
	assert_memory_equal(dev.tx_buf + E1000_BUF_SIZE, tkeep, len);
	assert_int_equal(dev.tx_used, 2);

	/* The same context again is not written again. */
	assert_int_equal(xmit_ofl(len, &csum_ofl), 0);
	assert_int_equal(dev.tx_used, 3);
	assert_int_equal(data_at(2)->dcmd & E1000_TXD_CMD_DEXT, E1000_TXD_CMD_DEXT);
	assert_int_equal(data_at(2)->dtyp, E1000_TXD_DTYP_D);
	/* A plain frame between takes a legacy descriptor and changes nothing. */
	assert_int_equal(xmit_bytes(60, 5), 0);
	assert_int_equal(dev.tx_ring[3].cmd,
			 E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
	assert_int_equal(xmit_ofl(len, &csum_ofl), 0);
	assert_int_equal(dev.tx_used, 5);
	assert_int_equal(nd.stats.tx_packets, 4);

	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 5);
	dev_tx_all();
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(dev.tx_used, 0);
	assert_int_equal(dev.tx_clean, 5);
}

/* One segment as QEMU's 8254x model cuts it from the TSO frame in (img):
 * segment (k) of the context (c), its length returned. */
static size_t qemu_seg(const uint8_t *img, const volatile struct e1000_tx_ctx_desc *c, unsigned k,
		       uint8_t *out)
{
	size_t hl = c->hdrlen, mss = c->mss, paylen = c->paylen_cmd & E1000_TXC_PAYLEN_MAX;
	size_t sofar = k * mss, n = paylen - sofar < mss ? paylen - sofar : mss;
	size_t size = hl + n, tlen = size - c->tucss;
	uint32_t sum;

	memcpy(out, img, hl);
	memcpy(out + hl, img + hl + sofar, n);
	put16(out + c->ipcss + 2, (uint16_t)(size - c->ipcss));
	put16(out + c->ipcss + 4, (uint16_t)(get16(out + c->ipcss + 4) + k));
	put32(out + c->tucss + 4,
	      ((uint32_t)get16(out + c->tucss + 4) << 16 | get16(out + c->tucss + 6)) +
		      (uint32_t)sofar);
	if (paylen - sofar > mss)
		out[c->tucss + 13] &= (uint8_t)~9; /* PSH, FIN */
	sum = get16(out + c->tucso) + (uint32_t)tlen;
	put16(out + c->tucso, (uint16_t)((sum >> 16) + (sum & 0xffff)));
	put16(out + c->tucso, cksum_fold(cksum_add(0, out + c->tucss, size - c->tucss)));
	put16(out + c->ipcso, cksum_fold(cksum_add(0, out + c->ipcss, c->ipcse + 1u - c->ipcss)));
	return size;
}

/* offload_segment()'s frames, for comparison. */
static struct {
	uint8_t f[OFFLOAD_HDR_MAX + T_MSS];
	size_t len;
} soft[64];
static int nsoft;

static int soft_emit(void *ctx, const struct netdev_seg *seg, int nseg)
{
	(void)ctx;
	soft[nsoft].len = 0;
	for (int i = 0; i < nseg; i++) {
		memcpy(soft[nsoft].f + soft[nsoft].len, seg[i].data, seg[i].len);
		soft[nsoft].len += seg[i].len;
	}
	nsoft++;
	return 0;
}

static void test_tx_tso_64k(void **state)
{
	static uint8_t img[T_BIG], seg[OFFLOAD_HDR_MAX + T_MSS];
	size_t len = make_tcp(T_BIG - T_HLEN, 0x19), plen = len - T_HLEN, off = 0;
	unsigned ndata = (len + E1000_BUF_SIZE - 1) / E1000_BUF_SIZE, nseg;
	volatile struct e1000_tx_ctx_desc *c;

	(void)state;
	open_ofl();
	dev.tx_tail = dev.tx_clean = 250; /* wrap round the ring's end */
	R(E1000_TDH) = R(E1000_TDT) = 250;
	dev.tx_doorbell = 250;
	assert_int_equal(xmit_ofl(len, &tso_ofl), 0);
	assert_memory_equal(tframe, tkeep, len); /* the caller's frame is untouched */

	c = ctx_at(250);
	assert_int_equal(c->paylen_cmd, plen | E1000_TXC_CMD_DEXT | E1000_TXC_CMD_TSE |
						E1000_TXC_CMD_IP | E1000_TXC_CMD_TCP);
	assert_int_equal(c->hdrlen, T_HLEN);
	assert_int_equal(c->mss, T_MSS);
	assert_int_equal(c->ipcss, 14);
	assert_int_equal(c->ipcso, 24);
	assert_int_equal(c->ipcse, 33);
	assert_int_equal(c->tucss, 34);
	assert_int_equal(c->tucso, 50);
	assert_int_equal(c->tucse, 0);
	assert_int_equal(dev.tx_used, 1 + ndata);
	for (unsigned k = 0; k < ndata; k++) {
		unsigned i = (251 + k) % E1000_TX_RING;
		volatile struct e1000_tx_data_desc *dd = data_at(i);
		bool last = k == ndata - 1;

		assert_int_equal(dd->addr, (uintptr_t)(dev.tx_buf + (size_t)i * E1000_BUF_SIZE));
		assert_int_equal(dd->length, last ? len - off : E1000_BUF_SIZE);
		assert_int_equal(dd->dtyp, E1000_TXD_DTYP_D);
		assert_int_equal(dd->dcmd,
				 E1000_TXD_CMD_DEXT | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_TSE |
					 (last ? E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS : 0));
		assert_int_equal(dd->popts, E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM);
		memcpy(img + off, (const void *)(uintptr_t)dd->addr, dd->length);
		off += dd->length;
	}
	assert_int_equal(off, len);
	/* The device's copy: the frame, but the IPv4 checksum 0 and the TCP
	 * field the pseudo-header's sum without the length. */
	assert_int_equal(get16(img + 24), 0);
	assert_int_equal(get16(img + 50), psum16(0));
	assert_memory_equal(img, tkeep, 24);
	assert_memory_equal(img + 26, tkeep + 26, 50 - 26);
	assert_memory_equal(img + 52, tkeep + 52, len - 52);

	/* What the device sends is what software segmentation makes. */
	nsoft = 0;
	nseg = (unsigned)offload_segment(tkeep, len, &tso_ofl, soft_emit, NULL);
	assert_int_equal(nseg, (plen + T_MSS - 1) / T_MSS);
	for (unsigned k = 0; k < nseg; k++) {
		size_t n = qemu_seg(img, c, k, seg);

		assert_int_equal(n, soft[k].len);
		assert_memory_equal(seg, soft[k].f, n);
	}

	/* Reaping frees the context's slot and all the data slots. */
	nd.ops->flush(&nd);
	dev_tx_all();
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(dev.tx_used, 0);
	assert_int_equal(dev.tx_clean, dev.tx_tail);
	assert_int_equal(dev.tx_tail, (251 + ndata) % E1000_TX_RING);
}

static void test_tx_tso_one_segment(void **state)
{
	size_t len = make_tcp(T_MSS, 0x99); /* CWR, PSH, FIN: all kept */
	volatile struct e1000_tx_ctx_desc *c;
	uint8_t *buf;

	(void)state;
	open_ofl();
	assert_int_equal(xmit_ofl(len, &tso_ofl), 0);
	c = ctx_at(0);
	/* Checksums only: no TSE, so no segment without payload after it. */
	assert_int_equal(c->paylen_cmd, E1000_TXC_CMD_DEXT | E1000_TXC_CMD_IP | E1000_TXC_CMD_TCP);
	assert_int_equal(data_at(1)->dcmd, E1000_TXD_CMD_DEXT | E1000_TXD_CMD_IFCS |
						   E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS);
	assert_int_equal(data_at(1)->popts, E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM);
	assert_int_equal(data_at(1)->length, len);
	buf = dev.tx_buf + E1000_BUF_SIZE;
	assert_int_equal(get16(buf + 24), 0);
	assert_int_equal(get16(buf + 50), psum16(len - 34));
	assert_memory_equal(tframe, tkeep, len);
}

static void test_tx_offload_ring_full(void **state)
{
	static struct e1000_tx_desc before[E1000_TX_RING];
	size_t len = make_tcp(T_BIG - T_HLEN, 0x10);
	unsigned ndata = (len + E1000_BUF_SIZE - 1) / E1000_BUF_SIZE;

	(void)state;
	open_ofl();
	/* One slot short of a context and the data. */
	for (unsigned i = 0; i < E1000_TX_RING - 1 - ndata; i++)
		assert_int_equal(xmit_bytes(60, i), 0);
	memcpy(before, (const void *)dev.tx_ring, sizeof(before));
	assert_int_equal(xmit_ofl(len, &tso_ofl), -ENOBUFS);
	assert_int_equal(nd.stats.tx_drop_full, 1);
	assert_memory_equal((const void *)dev.tx_ring, before, sizeof(before));
	assert_int_equal(dev.tx_used, E1000_TX_RING - 1 - ndata);
	assert_false(dev.tx_ctx_valid);

	/* One frame sent makes room; the context is written then. */
	nd.ops->flush(&nd);
	dev_tx(1);
	assert_int_equal(xmit_ofl(len, &tso_ofl), 0);
	assert_int_equal(dev.tx_used, E1000_TX_RING - 1);
	assert_true(dev.tx_ctx_valid);
}

static void test_tx_offload_partly_done_not_reaped(void **state)
{
	size_t len = make_tcp(8000, 0x10);

	(void)state;
	open_ofl();
	assert_int_equal(xmit_ofl(len, &tso_ofl), 0); /* context + 4 data */
	assert_int_equal(dev.tx_used, 5);
	/* DD on a descriptor before the last frees nothing. */
	data_at(2)->sta = E1000_TXD_STAT_DD;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(dev.tx_used, 5);
	data_at(4)->sta = E1000_TXD_STAT_DD;
	nd.ops->poll(&nd, NETDEV_RX_BUDGET);
	assert_int_equal(dev.tx_used, 0);
	assert_int_equal(dev.tx_clean, 5);
	assert_int_equal(data_at(4)->sta, 0);
}

static void test_tx_offload_bad_requests(void **state)
{
	struct netdev_offload o = tso_ofl;
	size_t len = make_tcp(4000, 0x10);

	(void)state;
	open_ofl();
	o.gso_type = OFFLOAD_GSO_TCPV6; /* not claimed */
	assert_int_equal(xmit_ofl(len, &o), -EINVAL);
	o.gso_type = OFFLOAD_GSO_TCPV4 | OFFLOAD_GSO_ECN; /* not claimed */
	assert_int_equal(xmit_ofl(len, &o), -EINVAL);
	o = tso_ofl;
	tframe[14 + 9] = 17; /* UDP */
	assert_int_equal(xmit_ofl(len, &o), -EINVAL);
	tframe[14 + 9] = 6;
	put16(tframe + 16, (uint16_t)(len - 13)); /* IP length beyond the frame */
	assert_int_equal(xmit_ofl(len, &o), -EINVAL);
	memcpy(tframe, tkeep, len);
	o.gso_size = 0;
	assert_int_equal(xmit_ofl(len, &o), -EINVAL);
	assert_int_equal(nd.stats.tx_drop_offload, 5);
	o.gso_size = 1500; /* segments longer than a frame */
	assert_int_equal(xmit_ofl(len, &o), -EMSGSIZE);
	assert_int_equal(nd.stats.tx_drop_size, 1);
	o = csum_ofl;
	o.csum_offset = 4000; /* beyond the frame */
	assert_int_equal(xmit_ofl(100, &o), -EINVAL);
	assert_int_equal(dev.tx_used, 0);
	assert_int_equal(nd.stats.tx_packets, 0);
}

static void test_tx_csum_beyond_context_fields(void **state)
{
	struct netdev_offload o = {OFFLOAD_F_NEEDS_CSUM, 0, 0, 0, 300, 6};
	uint8_t *buf;

	(void)state;
	open_ofl();
	memset(tframe, 0x33, 400);
	put16(tframe + 306, 0x1111); /* a partial sum left for the device */
	memcpy(tkeep, tframe, 400);
	/* TUCSS is 8 bits: the driver finishes the checksum in its copy. */
	assert_int_equal(xmit_ofl(400, &o), 0);
	assert_int_equal(dev.tx_ring[0].cmd,
			 E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
	assert_int_equal(nd.stats.tx_sw_csum, 1);
	buf = dev.tx_buf;
	/* With the pseudo-header's sum, as a receiver adds it, it checks. */
	assert_int_equal(cksum_fold(cksum_add(0x1111, buf + 300, 100)), 0);
	assert_memory_equal(buf, tkeep, 306);
	assert_memory_equal(tframe, tkeep, 400);
	assert_false(dev.tx_ctx_valid);
}

static void test_tx_no_offloads_stays_legacy(void **state)
{
	size_t len = make_tcp(100, 0x18);

	(void)state;
	open_dev(); /* nd.offloads 0, as for the 82574L */
	assert_int_equal(xmit_ofl(len, NULL), 0);
	assert_int_equal(dev.tx_ring[0].cmd,
			 E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
	assert_int_equal(dev.tx_ring[0].length, len);
	assert_int_equal(dev.tx_ring[0].cso, 0);
	/* netdev_xmit() never asks such a port; the driver refuses anyway. */
	assert_int_equal(xmit_ofl(len, &csum_ofl), -EINVAL);
	assert_int_equal(nd.stats.tx_drop_offload, 1);
	assert_int_equal(dev.tx_used, 1);
	nd.ops->flush(&nd);
	assert_int_equal(dev_tx(1), len);
}

/* ---- EEPROM and MAC helpers ---- */

/* ---- the receive probe (e1000.h) ---- */

/* The PHY as the probe sees it: its control register, the writes made
 * to it, and whether accesses fail. */
static uint16_t phy_ctrl;
static uint16_t phy_writes[8];
static int nphy_writes;
static int phy_err, phy_read_err;

static int fake_phy_read(struct e1000_dev *d, unsigned reg, uint16_t *val)
{
	assert_ptr_equal(d, &dev);
	assert_int_equal(reg, E1000_PHY_CTRL);
	if (phy_err || phy_read_err)
		return phy_err ? phy_err : phy_read_err;
	*val = phy_ctrl;
	return 0;
}

static int fake_phy_write(struct e1000_dev *d, unsigned reg, uint16_t val)
{
	assert_ptr_equal(d, &dev);
	assert_int_equal(reg, E1000_PHY_CTRL);
	assert_true(nphy_writes < 8);
	phy_writes[nphy_writes++] = val;
	if (phy_err)
		return phy_err;
	phy_ctrl = val;
	return 0;
}

/* Opens with PHY access: the probe starts with the PHY looped. */
static void open_probing(void)
{
	phy_ctrl = 0x1100; /* not the default: it must be kept */
	nphy_writes = 0;
	phy_err = 0;
	dev.phy_read = fake_phy_read;
	dev.phy_write = fake_phy_write;
	open_dev();
	dev_rdh = 0;
}

/* The frame in transmit descriptor (i): a probe to and from our address. */
static void assert_probe_at(unsigned i)
{
	static const uint8_t mac[6] = TEST_MAC;
	const volatile struct e1000_tx_desc *td = &dev.tx_ring[i];
	const uint8_t *f = (const uint8_t *)(uintptr_t)td->addr;

	assert_int_equal(td->length, 60);
	assert_memory_equal(f, mac, 6);
	assert_memory_equal(f + 6, mac, 6);
	assert_int_equal(f[12] << 8 | f[13], E1000_PROBE_TYPE);
}

static void test_probe_loops_phy_and_holds_transmit(void **state)
{
	(void)state;
	open_probing();
	assert_true(nd.rx_waiting);
	assert_int_equal(dev.probe, E1000_PROBE_RUN);
	assert_int_equal(nphy_writes, 1);
	assert_int_equal(phy_writes[0], 0x1100 | E1000_PHY_CTRL_LOOPBACK);
	/* Nothing but probes leaves while the PHY loops. */
	assert_int_equal(xmit_bytes(100, 1), -ENETDOWN);
	assert_int_equal(nd.stats.tx_drop_down, 1);
	assert_int_equal(dev.tx_used, 0);
}

static void test_probe_sends_every_interval(void **state)
{
	(void)state;
	open_probing();
	assert_true(e1000_probe_tick(&nd, 1000));
	assert_int_equal(dev.tx_used, 1);
	assert_probe_at(0);
	assert_true(e1000_probe_tick(&nd, 1000 + E1000_PROBE_EVERY_MS - 1));
	assert_int_equal(dev.tx_used, 1);
	assert_true(e1000_probe_tick(&nd, 1000 + E1000_PROBE_EVERY_MS));
	assert_int_equal(dev.tx_used, 2);
	assert_probe_at(1);
	assert_int_equal(dev.probe_frames, 2);
	/* The caller flushes: one doorbell for both. */
	nd.ops->flush(&nd);
	assert_int_equal(R(E1000_TDT), 2);
}

static void test_probe_ends_on_its_frame(void **state)
{
	(void)state;
	open_probing();
	assert_true(e1000_probe_tick(&nd, 500));
	nd.ops->flush(&nd);
	/* The device loops the probe back: it is consumed, not delivered. */
	dev_rx((const void *)(uintptr_t)dev.tx_ring[0].addr, 60,
	       E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
	assert_int_equal(nd.ops->poll(&nd, 16), 0);
	assert_int_equal(ngot, 0);
	assert_false(nd.rx_waiting);
	assert_int_equal(dev.probe, E1000_PROBE_SEEN);
	assert_int_equal(nphy_writes, 2);
	assert_int_equal(phy_writes[1], 0x1100); /* as it was found */
	assert_false(e1000_probe_tick(&nd, 530));
	assert_int_equal(dev.probe_ms, 30);
	/* Transmit works again. */
	assert_int_equal(xmit_bytes(100, 1), 0);
	/* A late probe (queued before the end) is still not delivered. */
	dev_rx((const void *)(uintptr_t)dev.tx_ring[0].addr, 60,
	       E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
	assert_int_equal(nd.ops->poll(&nd, 16), 0);
	assert_int_equal(ngot, 0);
}

static void test_probe_ends_on_any_frame(void **state)
{
	(void)state;
	open_probing();
	assert_true(e1000_probe_tick(&nd, 10));
	/* A frame from the wire proves receive as well, and is delivered. */
	dev_rx_frame(64, 7);
	assert_int_equal(nd.ops->poll(&nd, 16), 1);
	assert_int_equal(ngot, 1);
	assert_int_equal(got_seq(0), 7);
	assert_false(nd.rx_waiting);
	assert_int_equal(dev.probe, E1000_PROBE_SEEN);
	assert_int_equal(phy_ctrl, 0x1100);
}

static void test_probe_gives_up(void **state)
{
	(void)state;
	open_probing();
	assert_true(e1000_probe_tick(&nd, 100));
	assert_true(e1000_probe_tick(&nd, 100 + E1000_PROBE_MAX_MS - 1));
	assert_false(e1000_probe_tick(&nd, 100 + E1000_PROBE_MAX_MS));
	assert_int_equal(dev.probe, E1000_PROBE_GAVE_UP);
	assert_int_equal(dev.probe_ms, E1000_PROBE_MAX_MS);
	assert_false(nd.rx_waiting);
	assert_int_equal(phy_ctrl, 0x1100);
	assert_int_equal(xmit_bytes(100, 1), 0);
}

static void test_probe_clock_wraps(void **state)
{
	(void)state;
	open_probing();
	assert_true(e1000_probe_tick(&nd, UINT32_MAX - 2));
	assert_true(e1000_probe_tick(&nd, E1000_PROBE_EVERY_MS));
	assert_int_equal(dev.tx_used, 2);
	assert_false(e1000_probe_tick(&nd, E1000_PROBE_MAX_MS));
	assert_int_equal(dev.probe, E1000_PROBE_GAVE_UP);
}

static void test_probe_not_started(void **state)
{
	(void)state;
	/* No PHY access: no probe, the port counts as receiving. */
	open_dev();
	assert_false(nd.rx_waiting);
	assert_int_equal(dev.probe, E1000_PROBE_NONE);
	assert_false(e1000_probe_tick(&nd, 5));
	assert_int_equal(dev.tx_used, 0);
	e1000_dev_free(&dev);
	setup_flags(0);
	/* Link down: nothing would come back; no probe either. */
	R(E1000_STATUS) = 0;
	open_probing();
	assert_false(nd.rx_waiting);
	assert_int_equal(nphy_writes, 0);
	e1000_dev_free(&dev);
	setup_flags(0);
	/* The PHY cannot be looped: no probe. */
	phy_ctrl = 0;
	dev.phy_read = fake_phy_read;
	dev.phy_write = fake_phy_write;
	nphy_writes = 0;
	phy_err = -ETIMEDOUT;
	open_dev();
	assert_false(nd.rx_waiting);
	assert_int_equal(dev.probe, E1000_PROBE_NONE);
	assert_int_equal(xmit_bytes(100, 1), 0);
}

static void test_probe_phy_unreadable(void **state)
{
	(void)state;
	/* Only one of the two accessors: no probe. */
	dev.phy_write = fake_phy_write;
	nphy_writes = 0;
	open_dev();
	assert_false(nd.rx_waiting);
	assert_int_equal(nphy_writes, 0);
	e1000_dev_free(&dev);
	setup_flags(0);
	/* A PHY control that cannot be read is taken as the 8254x default. */
	open_probing();
	e1000_dev_free(&dev);
	setup_flags(0);
	phy_read_err = -EIO;
	open_probing();
	phy_read_err = 0;
	assert_true(nd.rx_waiting);
	assert_int_equal(phy_writes[0], E1000_PHY_CTRL_DEFAULT | E1000_PHY_CTRL_LOOPBACK);
	dev_rx_frame(64, 1);
	assert_int_equal(nd.ops->poll(&nd, 16), 1);
	assert_int_equal(phy_ctrl, E1000_PHY_CTRL_DEFAULT);
}

static void test_eerd_layouts(void **state)
{
	uint16_t w = 0;

	(void)state;
	/* 8254x: DONE bit 4, address at bit 8. */
	assert_int_equal(e1000_eerd_start(0, 2), 0x201);
	assert_false(e1000_eerd_done(0, 0x201, &w));
	assert_true(e1000_eerd_done(0, 0x12340211, &w));
	assert_int_equal(w, 0x1234);
	/* 82574: DONE bit 1, address at bit 2. */
	assert_int_equal(e1000_eerd_start(E1000_F_EERD_LARGE, 2), 0x9);
	assert_false(e1000_eerd_done(E1000_F_EERD_LARGE, 0xbeef0019, &w));
	assert_true(e1000_eerd_done(E1000_F_EERD_LARGE, 0xbeef000b, &w));
	assert_int_equal(w, 0xbeef);
}

static void test_mac_from_ra(void **state)
{
	static const uint8_t want[6] = TEST_MAC;
	uint8_t mac[6];

	(void)state;
	assert_true(e1000_mac_from_ra(0x12005452, 0x5634 | E1000_RAH_AV, mac));
	assert_memory_equal(mac, want, 6);
	assert_false(e1000_mac_from_ra(0x12005452, 0x5634, mac));		 /* not valid */
	assert_false(e1000_mac_from_ra(0x12005453, 0x5634 | E1000_RAH_AV, mac)); /* multicast */
	assert_false(e1000_mac_from_ra(0, E1000_RAH_AV, mac));			 /* zero */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_programs_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_loops_phy_and_holds_transmit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_probe_sends_every_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_ends_on_its_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_ends_on_any_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_clock_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_not_started, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_phy_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_82574_bits, setup_82574, teardown),
		cmocka_unit_test_setup_teardown(test_open_link_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_twice_leaves_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promisc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_good_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_frame_without_eop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_error_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_ring_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_full_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_without_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_before_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_masks_while_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_reads_link_on_lsc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_accumulating_mpc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_clearing_mpc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_copy_and_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_flush_once_per_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_reaped_in_poll_and_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_csum_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_tso_64k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_tso_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_offload_ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_offload_partly_done_not_reaped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_offload_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_csum_beyond_context_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_no_offloads_stays_legacy, setup, teardown),
		cmocka_unit_test(test_eerd_layouts),
		cmocka_unit_test(test_mac_from_ra),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
