/*
 * The serial console: COM1 bytes through the line editor into the command
 * dispatcher, with the prompt "unigate> ".
 */
#ifndef UNIGATE_CONSOLE_H
#define UNIGATE_CONSOLE_H

#include <stdbool.h>

#include "kernel/cli.h"

/* Checks the command registry and prints the first prompt. */
void console_init(void);

/* Handles every byte waiting in the UART. Returns true if it did any work. */
bool console_poll(void);

/* The sink that writes to the console, for code printing outside a command. */
struct cli_out *console_out(void);

#endif
