/*
 * Leaving the machine: reboot, power off, and the QEMU isa-debug-exit
 * device that lets a test harness read why the guest stopped.
 */
#ifndef UNIGATE_POWER_H
#define UNIGATE_POWER_H

/* isa-debug-exit turns a write of (v) into QEMU exit status (v << 1) | 1. */
#define POWER_EXIT_HALT	 0 /* status 1: halted on request */
#define POWER_EXIT_PANIC 1 /* status 3: panic or CPU exception */

/* Writes (code) to isa-debug-exit (port 0xf4). Returns only if the device
 * is absent. */
void power_exit_qemu(int code);

/* Halts: isa-debug-exit if present, then ACPI soft-off, then cli/hlt. */
void power_off(void) __attribute__((noreturn));

/* Resets the machine through the reset control register, then the
 * keyboard controller, then a triple fault. */
void power_reboot(void) __attribute__((noreturn));

#endif
