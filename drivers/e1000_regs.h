/*
 * Register offsets, bits and descriptor layouts of the e1000 family, named
 * as in the Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x SDM, §13 registers, §3.2-3.3 descriptors) and
 * the 82574 GbE Controller datasheet (§10.2), whose legacy descriptors and
 * base registers are the same; §3.3.6-3.3.7 and §3.5 for the transmit
 * offload descriptors. Only what drivers/e1000*.c use is here.
 */
#ifndef UNIGATE_E1000_REGS_H
#define UNIGATE_E1000_REGS_H

#include <stdint.h>

/* Register offsets in BAR0 (SDM table 13-2). */
#define E1000_CTRL     0x00000 /* device control */
#define E1000_STATUS   0x00008 /* device status */
#define E1000_EECD     0x00010 /* EEPROM/flash control */
#define E1000_EERD     0x00014 /* EEPROM read */
#define E1000_CTRL_EXT 0x00018 /* extended device control */
#define E1000_MDIC     0x00020 /* MDI control: PHY register access */
#define E1000_FCAL     0x00028 /* flow control address low */
#define E1000_FCAH     0x0002c /* flow control address high */
#define E1000_FCT      0x00030 /* flow control type */
#define E1000_ICR      0x000c0 /* interrupt cause read */
#define E1000_IMS      0x000d0 /* interrupt mask set/read */
#define E1000_IMC      0x000d8 /* interrupt mask clear */
#define E1000_RCTL     0x00100 /* receive control */
#define E1000_FCTTV    0x00170 /* flow control transmit timer value */
#define E1000_TCTL     0x00400 /* transmit control */
#define E1000_TIPG     0x00410 /* transmit inter-packet gap */
#define E1000_RDBAL    0x02800 /* receive descriptor base low */
#define E1000_RDBAH    0x02804 /* receive descriptor base high */
#define E1000_RDLEN    0x02808 /* receive descriptor ring length, bytes */
#define E1000_RDH      0x02810 /* receive descriptor head */
#define E1000_RDT      0x02818 /* receive descriptor tail */
#define E1000_RDTR     0x02820 /* receive delay timer */
#define E1000_TDBAL    0x03800 /* transmit descriptor base low */
#define E1000_TDBAH    0x03804 /* transmit descriptor base high */
#define E1000_TDLEN    0x03808 /* transmit descriptor ring length, bytes */
#define E1000_TDH      0x03810 /* transmit descriptor head */
#define E1000_TDT      0x03818 /* transmit descriptor tail */
#define E1000_TXDCTL   0x03828 /* transmit descriptor control */
#define E1000_TARC0    0x03840 /* transmit arbitration count, queue 0 (82574) */
#define E1000_MPC      0x04010 /* missed packets count (clear on read) */
#define E1000_RXCSUM   0x05000 /* receive checksum control */
#define E1000_MTA      0x05200 /* multicast table array, E1000_MTA_N entries */
#define E1000_RAL0     0x05400 /* receive address low, entry 0 */
#define E1000_RAH0     0x05404 /* receive address high, entry 0 */
#define E1000_GCR      0x05b00 /* 3GIO (PCIe) control (82574) */

#define E1000_MTA_N 128

/* CTRL (SDM §13.4.1). */
#define E1000_CTRL_FD	   (1u << 0)  /* full duplex */
#define E1000_CTRL_LRST	   (1u << 3)  /* link reset */
#define E1000_CTRL_ASDE	   (1u << 5)  /* auto-speed detection enable */
#define E1000_CTRL_SLU	   (1u << 6)  /* set link up */
#define E1000_CTRL_ILOS	   (1u << 7)  /* invert loss-of-signal */
#define E1000_CTRL_FRCSPD  (1u << 11) /* force speed */
#define E1000_CTRL_FRCDPLX (1u << 12) /* force duplex */
#define E1000_CTRL_RST	   (1u << 26) /* device reset, self-clearing */
#define E1000_CTRL_VME	   (1u << 30) /* VLAN mode: strip/insert tags */
#define E1000_CTRL_PHY_RST (1u << 31) /* PHY reset */

/* STATUS (SDM §13.4.2). */
#define E1000_STATUS_LU (1u << 1) /* link up */

/* EECD (82574 datasheet §10.2, EEPROM/Flash Control). */
#define E1000_EECD_AUTO_RD (1u << 9) /* EEPROM auto-read done */

/* EERD (SDM §13.4.4): two layouts, the 8254x "small" one and the
 * 82541/82547/82574 "large" one. START and DATA are common. */
#define E1000_EERD_START	    (1u << 0)
#define E1000_EERD_DONE		    (1u << 4) /* 8254x */
#define E1000_EERD_ADDR_SHIFT	    8	      /* 8254x */
#define E1000_EERD_DONE_LARGE	    (1u << 1) /* 82574 */
#define E1000_EERD_ADDR_SHIFT_LARGE 2	      /* 82574 */
#define E1000_EERD_DATA_SHIFT	    16

/* CTRL_EXT (SDM §13.4.6). */
#define E1000_CTRL_EXT_EE_RST (1u << 13) /* reload the EEPROM */

/* MDIC (SDM §13.4.8): one PHY register read or write; the device sets R
 * when done, E on an error. The 8254x's own PHY answers at address 1. */
#define E1000_MDIC_REG_SHIFT 16
#define E1000_MDIC_PHY_SHIFT 21
#define E1000_MDIC_OP_WRITE  (1u << 26)
#define E1000_MDIC_OP_READ   (2u << 26)
#define E1000_MDIC_READY     (1u << 28)
#define E1000_MDIC_ERROR     (1u << 30)
#define E1000_PHY_ADDR	     1

/* PHY control register, PHY register 0 (SDM §13.5.1, IEEE 802.3 §22.2.4.1):
 * loopback sends every frame the MAC transmits back to its receiver. */
#define E1000_PHY_CTRL		0
#define E1000_PHY_CTRL_LOOPBACK (1u << 14)
#define E1000_PHY_CTRL_DEFAULT	0x1140 /* auto-negotiation, 1000 Mb/s, full duplex */

/* ICR, IMS, IMC share one layout (SDM §13.4.17-21). */
#define E1000_ICR_TXDW	 (1u << 0) /* transmit descriptor written back */
#define E1000_ICR_TXQE	 (1u << 1) /* transmit queue empty */
#define E1000_ICR_LSC	 (1u << 2) /* link status change */
#define E1000_ICR_RXDMT0 (1u << 4) /* receive descriptors below threshold */
#define E1000_ICR_RXO	 (1u << 6) /* receiver overrun */
#define E1000_ICR_RXT0	 (1u << 7) /* receiver timer: frames written back */

/* RCTL (SDM §13.4.22). */
#define E1000_RCTL_EN	      (1u << 1)	 /* receiver enable */
#define E1000_RCTL_SBP	      (1u << 2)	 /* store bad packets */
#define E1000_RCTL_UPE	      (1u << 3)	 /* unicast promiscuous */
#define E1000_RCTL_MPE	      (1u << 4)	 /* multicast promiscuous */
#define E1000_RCTL_LPE	      (1u << 5)	 /* long packets */
#define E1000_RCTL_RDMTS_HALF (0u << 8)	 /* RXDMT0 at 1/2 of the ring free */
#define E1000_RCTL_BAM	      (1u << 15) /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (0u << 16) /* with BSEX = 0 */
#define E1000_RCTL_BSEX	      (1u << 25) /* buffer size extension */
#define E1000_RCTL_SECRC      (1u << 26) /* strip the Ethernet CRC */

/* TCTL (SDM §13.4.33). */
#define E1000_TCTL_EN	      (1u << 1) /* transmitter enable */
#define E1000_TCTL_PSP	      (1u << 3) /* pad short packets */
#define E1000_TCTL_CT_SHIFT   4		/* collision threshold */
#define E1000_TCTL_COLD_SHIFT 12	/* collision distance */
#define E1000_TCTL_CT_DEFAULT 0x0f	/* recommended */
#define E1000_TCTL_COLD_FD    0x40	/* 64-byte times, full duplex */

/* TIPG (SDM §13.4.34): IPGT 10 for 802.3 copper (8 on the 82544GC/EI and
 * the 82574), IPGR1 8, IPGR2 6. */
#define E1000_TIPG_IPGT_DEFAULT 10
#define E1000_TIPG_IPGT_8	8
#define E1000_TIPG_IPGR1	(8u << 10)
#define E1000_TIPG_IPGR2	(6u << 20)

/* 82574 bits that software sets at initialization (datasheet §10.2:
 * TXDCTL bit 22 and GCR bit 22 are reserved, to be written as 1b; TARC0
 * bit 10 enables the queue and is set at reset). */
#define E1000_TXDCTL_BIT22 (1u << 22)
#define E1000_TARC0_ENABLE (1u << 10)
#define E1000_GCR_BIT22	   (1u << 22)

/* RAH (SDM §13.5.3). */
#define E1000_RAH_AV (1u << 31) /* address valid */

/* Legacy receive descriptor (SDM §3.2.3, table 3-1). */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

#define E1000_RXD_STAT_DD  (1u << 0) /* descriptor done */
#define E1000_RXD_STAT_EOP (1u << 1) /* end of packet */

/* RDESC.ERRORS (SDM table 3-3). TCPE and IPE report checksums, not frame
 * damage, and are not in the mask. */
#define E1000_RXD_ERR_CE   (1u << 0) /* CRC or alignment */
#define E1000_RXD_ERR_SE   (1u << 1) /* symbol */
#define E1000_RXD_ERR_SEQ  (1u << 2) /* sequence */
#define E1000_RXD_ERR_CXE  (1u << 4) /* carrier extension */
#define E1000_RXD_ERR_TCPE (1u << 5) /* TCP/UDP checksum */
#define E1000_RXD_ERR_IPE  (1u << 6) /* IP checksum */
#define E1000_RXD_ERR_RXE  (1u << 7) /* data error */
#define E1000_RXD_ERR_FRAME                                                                        \
	(E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | E1000_RXD_ERR_CXE |             \
	 E1000_RXD_ERR_RXE)

/* Legacy transmit descriptor (SDM §3.3.3). */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

#define E1000_TXD_CMD_EOP  (1u << 0) /* end of packet */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert FCS */
#define E1000_TXD_CMD_RS   (1u << 3) /* report status: write DD back */
#define E1000_TXD_STAT_DD  (1u << 0) /* descriptor done */

/* TCP/IP context descriptor (SDM §3.3.6, table 3-13): DEXT set, DTYP
 * 0000b. It carries no data; it tells the checksum and segmentation
 * hardware where the headers are for the data descriptors that follow. */
struct e1000_tx_ctx_desc {
	uint8_t ipcss;	     /* IP checksum start */
	uint8_t ipcso;	     /* IP checksum offset: where it goes */
	uint16_t ipcse;	     /* IP checksum end, inclusive; 0: end of packet */
	uint8_t tucss;	     /* TCP/UDP checksum start; with TSE, the TCP header */
	uint8_t tucso;	     /* TCP/UDP checksum offset */
	uint16_t tucse;	     /* TCP/UDP checksum end, inclusive; 0: end of packet */
	uint32_t paylen_cmd; /* PAYLEN 19:0, DTYP 23:20, TUCMD 31:24 */
	uint8_t sta;	     /* STA 3:0 */
	uint8_t hdrlen;	     /* with TSE: bytes of headers before the payload */
	uint16_t mss;	     /* with TSE: payload bytes per segment */
};

#define E1000_TXC_PAYLEN_MAX 0xfffff	/* 20 bits */
#define E1000_TXC_CMD_TCP    (1u << 24) /* TUCMD.TCP: TCP, not UDP (§3.3.6.1) */
#define E1000_TXC_CMD_IP     (1u << 25) /* TUCMD.IP: IPv4, not IPv6 */
#define E1000_TXC_CMD_TSE    (1u << 26) /* TUCMD.TSE: a segmentation context */
#define E1000_TXC_CMD_DEXT   (1u << 29) /* TUCMD.DEXT: not a legacy descriptor */

/* TCP/IP data descriptor (SDM §3.3.7): DEXT set, DTYP 0001b;
 * the same place as a legacy descriptor for the address, length, CMD
 * (now DCMD) and STA. */
struct e1000_tx_data_desc {
	uint64_t addr;
	uint16_t length; /* DTALEN 15:0; bits 19:16 are in dtyp */
	uint8_t dtyp;	 /* DTALEN 19:16, DTYP 7:4 */
	uint8_t dcmd;
	uint8_t sta;
	uint8_t popts; /* packet options: which checksums to insert */
	uint16_t special;
};

#define E1000_TXD_DTYP_D     (1u << 4) /* DTYP 0001b: data descriptor */
#define E1000_TXD_CMD_TSE    (1u << 2) /* DCMD.TSE: segment per the TSE context */
#define E1000_TXD_CMD_DEXT   (1u << 5) /* DCMD.DEXT: extended (context/data) layout */
#define E1000_TXD_POPTS_IXSM (1u << 0) /* insert the IP checksum (§3.3.7) */
#define E1000_TXD_POPTS_TXSM (1u << 1) /* insert the TCP/UDP checksum */

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "SDM table 3-1");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "SDM §3.3.3");
_Static_assert(sizeof(struct e1000_tx_ctx_desc) == 16, "SDM table 3-13");
_Static_assert(sizeof(struct e1000_tx_data_desc) == 16, "SDM §3.3.7");

#endif
