/*
 * Reboot and halt, and the console commands for them. Soft-off uses the
 * ACPI PM1a control block at 0x604, where SeaBIOS places it on both QEMU
 * machine types (PIIX4 and ICH9); on hardware without it we just halt.
 */
#include <stdio.h>

#include "kernel/cli.h"
#include "kernel/io.h"
#include "kernel/power.h"

#define POWER_DEBUG_EXIT_PORT 0xf4
#define POWER_ACPI_PM1A_CNT   0x604
#define POWER_ACPI_SLP_S5     0x2000 /* SLP_EN, SLP_TYP 0 as QEMU's _S5 says */
#define POWER_RESET_CTRL      0xcf9
#define POWER_KBC_CMD	      0x64

void power_exit_qemu(int code)
{
	outl(POWER_DEBUG_EXIT_PORT, (uint32_t)code);
}

void power_off(void)
{
	fflush(stdout);
	irq_disable();
	power_exit_qemu(POWER_EXIT_HALT);
	outw(POWER_ACPI_PM1A_CNT, POWER_ACPI_SLP_S5);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void power_reboot(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = {0, 0};

	fflush(stdout);
	irq_disable();
	outb(POWER_RESET_CTRL, 0x02);
	outb(POWER_RESET_CTRL, 0x06); /* full reset */
	for (int i = 0; i < 100000 && (inb(POWER_KBC_CMD) & 0x02); i++)
		cpu_relax();
	outb(POWER_KBC_CMD, 0xfe);
	/* Last resort: a fault with no IDT triple-faults into a reset. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

static int power_cmd_halt(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	cli_printf(out, "halting\n");
	power_off();
}

static int power_cmd_reboot(int argc, char **argv, struct cli_out *out)
{
	(void)argc;
	(void)argv;
	cli_printf(out, "rebooting\n");
	power_reboot();
}

CLI_COMMAND(halt, "halt", "stop the appliance (QEMU exits)", power_cmd_halt);
CLI_COMMAND(reboot, "reboot", "restart the appliance", power_cmd_reboot);
