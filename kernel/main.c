/*
 * kmain: the boot sequence, one printed line per stage, then the single
 * poll loop that runs the appliance. The loop sleeps in hlt whenever there
 * is nothing to do, until an interrupt or the next lwIP timer deadline.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "boot/boot.h"
#include "config/apply.h"
#include "drivers/netdev.h"
#include "drivers/pci.h"
#include "kernel/bootinfo.h"
#include "kernel/cli.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/io.h"
#include "kernel/irq.h"
#include "kernel/memory.h"
#include "kernel/panic.h"
#include "kernel/poll.h"
#include "kernel/random.h"
#include "kernel/serial.h"
#include "kernel/time.h"
#include "kernel/version.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"

#define MAIN_MAX_SLEEP_US 50000 /* the PIT one-shot reaches about 54 ms */

static struct boot_info main_boot;

static void main_stage(const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void main_stage(const char *stage, const char *fmt, ...)
{
	uint64_t us = time_ns() / 1000u;
	va_list ap;

	printf("[%4llu.%03llu ms] %-7s ", (unsigned long long)(us / 1000),
	       (unsigned long long)(us % 1000), stage);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Ports that were not yet receiving when set-up ended. */
static int main_waited;

/* TSC ticks spent halted (idle), for show cpu: the rest is work. */
static uint64_t main_halted_tsc;

static int main_cmd_show_cpu(int argc, char **argv, struct cli_out *out)
{
	uint64_t up = time_ns() / 1000000u, halted = time_tsc_to_us(main_halted_tsc) / 1000u;

	(void)argc;
	(void)argv;
	cli_printf(out, "up %llu ms: busy %llu ms (%llu%%), halted %llu ms\n",
		   (unsigned long long)up, (unsigned long long)(up - halted),
		   (unsigned long long)(up ? (up - halted) * 100 / up : 0),
		   (unsigned long long)halted);
	return 0;
}

CLI_COMMAND(show_cpu, "show cpu", "time since boot spent working and halted (idle)",
	    main_cmd_show_cpu);

/*
 * Ready means serving: every port receives. Set-up ends when the config is
 * applied; an e1000 port under QEMU may take up to a second more (its
 * receive probe, drivers/e1000.h), while the ports already receiving
 * serve. The console starts with the ready line.
 */
static void main_ready(uint32_t setup_ms)
{
	version_ready_ms = time_ms();
	if (version_ready_ms - setup_ms < 2)
		printf("unigate ready in %u ms\n", version_ready_ms);
	else
		printf("unigate ready in %u ms (set up in %u ms, then waited for %d port(s) to "
		       "receive)\n",
		       version_ready_ms, setup_ms, main_waited);
	console_init();
}

static void main_loop(uint32_t setup_ms)
{
	bool ready = false;

	for (;;) {
		/* Before the pass: with no port to wait for, ready comes first,
		 * as the pollers' first words should follow it. */
		if (!ready && netdev_rx_waiting() == 0) {
			main_ready(setup_ms);
			ready = true;
		}
		bool busy = ready && console_poll();

		busy |= netdev_poll_all() > 0;
		busy |= poll_all();
		sys_check_timeouts();
		if (busy)
			continue;
		uint32_t ms = poll_sleep_ms(sys_timeouts_sleeptime());
		uint32_t us = ms >= MAIN_MAX_SLEEP_US / 1000 ? MAIN_MAX_SLEEP_US : ms * 1000;

		if (us > 0) {
			uint64_t t0 = rdtsc();

			netdev_idle_all();
			time_arm_wakeup(us);
			irq_enable_and_halt();
			irq_disable();
			main_halted_tsc += rdtsc() - t0;
		}
	}
}

void kmain(int kind, uint64_t info);
void kmain(int kind, uint64_t info)
{
	int err;

	serial_init();
	cpu_init();
	printf("\nunigate %s\n", version_string());
	if (time_init() < 0)
		panic("time: the PIT did not count; cannot calibrate the TSC");
	main_stage("cpu", "long mode, GDT/TSS/IDT loaded, SSE on");
	main_stage("time", "TSC %llu.%03llu MHz (calibrated against the PIT)",
		   (unsigned long long)(time_tsc_hz() / 1000000),
		   (unsigned long long)(time_tsc_hz() / 1000 % 1000));

	err = kind == BOOT_KIND_PVH ? bootinfo_parse_pvh(info, &main_boot)
				    : bootinfo_parse_mb2(info, &main_boot);
	if (err)
		panic("boot: %s information unusable (error %d)", main_boot.loader, err);
	main_stage("boot", "loader %s, %zu memory map entries%s%s", main_boot.loader,
		   main_boot.map_len, main_boot.cmdline[0] ? ", cmdline: " : "", main_boot.cmdline);

	err = memory_init(&main_boot);
	if (err)
		panic("memory: cannot set up RAM (error %d)", err);
	uint64_t hb, hbrk, he;
	memory_heap(&hb, &hbrk, &he);
	main_stage("memory", "page tables built, heap %llu KiB at %#llx",
		   (unsigned long long)((he - hb) >> 10), (unsigned long long)hb);

	irq_init();
	serial_enable_irq();
	random_init();
	main_stage("irq", "8259 PICs remapped, COM1 receive interrupt on");

	int n = pci_init();
	main_stage("pci", "%d functions", n);

	lwip_init();
	main_stage("lwip", "lwIP %s initialised", LWIP_VERSION_STRING);

	n = netdev_init();
	main_stage("ports", "%d ports", n);
	err = apply_boot();
	main_stage("config", "%s", err ? "applied with errors (see above)" : "applied");

	main_waited = netdev_rx_waiting();
	main_loop(time_ms());
}
