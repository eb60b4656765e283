/*
 * fw_cfg over I/O ports 0x510 (16-bit selector, little-endian) and 0x511
 * (data, one byte per read, the offset advancing). The file directory at
 * key 0x19 is a big-endian count followed by 64-byte entries: size (BE32),
 * key (BE16), reserved, and a NUL-padded 56-byte name.
 */
#include <errno.h>
#include <string.h>

#include "drivers/fw_cfg.h"
#include "kernel/io.h"

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_FILE_DIR	 0x19
#define FW_CFG_NAME_MAX	 56
#define FW_CFG_DIR_MAX	 4096 /* entries looked at, at most */

static void fw_cfg_select(uint16_t key)
{
	outw(FW_CFG_PORT_SEL, key);
}

static void fw_cfg_read(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t fw_cfg_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int fw_cfg_read_file(const char *name, char *buf, size_t cap)
{
	uint8_t sig[4], count[4];
	uint32_t n;

	fw_cfg_select(FW_CFG_SIGNATURE);
	fw_cfg_read(sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4) != 0)
		return -ENODEV;
	fw_cfg_select(FW_CFG_FILE_DIR);
	fw_cfg_read(count, sizeof(count));
	n = fw_cfg_be32(count);
	if (n > FW_CFG_DIR_MAX)
		n = FW_CFG_DIR_MAX;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t e[8 + FW_CFG_NAME_MAX];
		uint32_t size;
		uint16_t key;

		fw_cfg_read(e, sizeof(e));
		if (strncmp((const char *)e + 8, name, FW_CFG_NAME_MAX) != 0)
			continue;
		size = fw_cfg_be32(e);
		key = (uint16_t)(e[4] << 8 | e[5]);
		if (cap == 0 || size > cap - 1)
			return -EFBIG;
		fw_cfg_select(key);
		fw_cfg_read(buf, size);
		buf[size] = '\0';
		return (int)size;
	}
	return -ENOENT;
}
