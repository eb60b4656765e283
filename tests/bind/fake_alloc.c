/*
 * Allocation failure injection. The binding tests link with
 * -Wl,--wrap=malloc,--wrap=calloc,... so that every call our objects make
 * (the bindings, the pure cores, lwIP) comes here first; the C library's
 * own internal calls and the sanitizers' are not affected. While armed,
 * each allocation is counted and the chosen one returns NULL, as picolibc's
 * malloc does when the heap is exhausted. lwIP allocates from its own
 * pools, not malloc: its udp_new() and dhcp_start() are wrapped too, as
 * the allocation points the bindings reach in lwIP.
 */
#define _GNU_SOURCE /* getcwd */
#include <execinfo.h>
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/dhcp.h"
#include "lwip/udp.h"
#include "tests/bind/bind.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);
struct udp_pcb *__real_udp_new(void);
err_t __real_dhcp_start(struct netif *nif);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __wrap_free(void *p);
struct udp_pcb *__wrap_udp_new(void);
err_t __wrap_dhcp_start(struct netif *nif);

static unsigned alloc_kinds, alloc_fail_at, alloc_count;
static bool alloc_did_fail;
static char alloc_site[512];

/* Names the call stack above the wrapper: "calloc from f net/x.c:12 via
 * g config/y.c:34 ...", up to the harness's bind_line(). */
static void alloc_record_site(const char *what)
{
	static char cwd[256];
	void *pcs[10];
	int n = backtrace(pcs, 10);
	size_t len, cwdlen;

	if (cwd[0] == '\0' && getcwd(cwd, sizeof(cwd) - 1) != NULL)
		strcat(cwd, "/");
	cwdlen = strlen(cwd);
	len = (size_t)snprintf(alloc_site, sizeof(alloc_site), "%s", what);
	/* The frames up to the wrapper are ours. */
	for (int i = 0, shown = -1; i < n && len < sizeof(alloc_site) - 1; i++) {
		char sym[256], file[256];
		const char *f = file;

		__sanitizer_symbolize_pc((char *)pcs[i] - 1, "%f", sym, sizeof(sym));
		if (shown < 0) {
			if (strncmp(sym, "__wrap_", 7) == 0)
				shown = 0;
			continue;
		}
		__sanitizer_symbolize_pc((char *)pcs[i] - 1, "%s:%l", file, sizeof(file));
		if (cwdlen > 1 && strncmp(f, cwd, cwdlen) == 0)
			f += cwdlen;
		len += (size_t)snprintf(alloc_site + len, sizeof(alloc_site) - len, " %s %s %s",
					shown++ == 0 ? "from" : "via", sym, f);
		if (strncmp(sym, "bind_", 5) == 0)
			break;
	}
}

/* Counts an allocation of (kind); true if it is the one to fail. */
static bool alloc_should_fail(unsigned kind, const char *what)
{
	if (!(alloc_kinds & kind))
		return false;
	alloc_count++;
	if (alloc_count != alloc_fail_at)
		return false;
	alloc_did_fail = true;
	alloc_record_site(what);
	return true;
}

void alloc_arm(unsigned kinds, unsigned fail_at)
{
	alloc_kinds = kinds;
	alloc_fail_at = fail_at;
	alloc_count = 0;
	alloc_did_fail = false;
	alloc_site[0] = '\0';
}

unsigned alloc_disarm(void)
{
	alloc_kinds = 0;
	return alloc_count;
}

bool alloc_failed(void)
{
	return alloc_did_fail;
}

const char *alloc_failed_site(void)
{
	return alloc_site;
}

void *__wrap_malloc(size_t size)
{
	return alloc_should_fail(ALLOC_LIBC, "malloc") ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_should_fail(ALLOC_LIBC, "calloc") ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_should_fail(ALLOC_LIBC, "realloc") ? NULL : __real_realloc(p, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
	return alloc_should_fail(ALLOC_LIBC, "aligned_alloc") ? NULL
							      : __real_aligned_alloc(align, size);
}

/* Passes through: leaks are LeakSanitizer's to find (bind_alloc.c asks
 * it after each failed apply). */
void __wrap_free(void *p)
{
	__real_free(p);
}

struct udp_pcb *__wrap_udp_new(void)
{
	return alloc_should_fail(ALLOC_LWIP, "udp_new") ? NULL : __real_udp_new();
}

err_t __wrap_dhcp_start(struct netif *nif)
{
	return alloc_should_fail(ALLOC_LWIP, "dhcp_start") ? ERR_MEM : __real_dhcp_start(nif);
}
