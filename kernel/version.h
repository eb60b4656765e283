/*
 * Version and build identity of the running image, and the boot time
 * the ready line reported.
 */
#ifndef UNIGATE_VERSION_H
#define UNIGATE_VERSION_H

#include <stddef.h>
#include <stdint.h>

/* The version string the build stamped in, e.g. "0.1.0-12-gabcdef0". */
const char *version_string(void);

/* Writes the GNU build id as hex into (buf) of (len) bytes; "unknown" if
 * the linker left none. Returns (buf). */
char *version_build_id(char *buf, size_t len);

/* Milliseconds from the first instruction to the ready line; set once. */
extern uint32_t version_ready_ms;

#endif
