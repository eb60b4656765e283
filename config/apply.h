/*
 * The configuration binding: makes the running state (networks, ports,
 * addresses, the uplink) match a struct cfg, loads the boot configuration
 * (the baked-in file, then the fw_cfg file), and gives the console its
 * statement handling and show running-config.
 */
#ifndef UNIGATE_CONFIG_APPLY_H
#define UNIGATE_CONFIG_APPLY_H

/* Loads config/default.conf, then opt/unigate/config from fw_cfg if QEMU
 * passed one (a complete config that replaces the default), applies the
 * result, and takes over the console's line handling. A bad file is
 * reported line by line and the last good config runs. Returns 0, or the
 * -errno of the first failure (already reported). */
int apply_boot(void);

#endif
