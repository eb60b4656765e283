/*
 * QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU),
 * through its x86 I/O ports: how `-fw_cfg name=opt/unigate/config,file=F`
 * reaches the appliance.
 */
#ifndef UNIGATE_FW_CFG_H
#define UNIGATE_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

/* Reads the named fw_cfg file into (buf), which holds (cap) bytes, and
 * NUL-terminates it. Returns the file's length, -ENODEV without the device,
 * -ENOENT if there is no such file, or -EFBIG if it does not fit in
 * (cap) - 1 bytes (then nothing is read). */
int fw_cfg_read_file(const char *name, char *buf, size_t cap);

#endif
