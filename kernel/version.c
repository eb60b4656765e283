/*
 * show version: the version string from the build, the linker's GNU build
 * id (a SHA-1 of the image's contents), and how long boot took.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/cli.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "kernel/version.h"

#ifndef UNIGATE_VERSION
#define UNIGATE_VERSION "unknown"
#endif

#define NT_GNU_BUILD_ID 3

extern const uint32_t __build_id_note[];
uint32_t version_ready_ms;

const char *version_string(void)
{
	return UNIGATE_VERSION;
}

char *version_build_id(char *buf, size_t len)
{
	const uint32_t *n = __build_id_note;
	uint32_t namesz = n[0], descsz = n[1], type = n[2];
	const uint8_t *desc = (const uint8_t *)&n[3] + ((namesz + 3) & ~3u);

	if (len < 8 || type != NT_GNU_BUILD_ID || namesz != 4 || memcmp(&n[3], "GNU", 4) != 0 ||
	    descsz == 0 || descsz > 64) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	for (uint32_t i = 0; i < descsz && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", desc[i]);
	return buf;
}

static int version_cmd_show(int argc, char **argv, struct cli_out *out)
{
	char id[129];
	uint64_t up = time_ns() / 1000000u;

	(void)argc;
	(void)argv;
	cli_printf(out, "unigate %s\n", version_string());
	cli_printf(out, "build id %s\n", version_build_id(id, sizeof(id)));
	cli_printf(out, "booted in %u ms, up %llu.%03llu s, TSC %llu kHz\n", version_ready_ms,
		   (unsigned long long)(up / 1000), (unsigned long long)(up % 1000),
		   (unsigned long long)(time_tsc_hz() / 1000));
	cli_printf(out, "random: arc4random (ChaCha20), seeded by %s\n", random_sources());
	return 0;
}

CLI_COMMAND(show_version, "show version", "version, build id and boot time", version_cmd_show);
