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

/* A line handler: runs (line), which it may modify, printing to (out).
 * Returns 0 or -errno. The default is cli_execute. */
typedef int (*console_handler_fn)(char *line, struct cli_out *out);

/* Returns the prompt to print before each line, such as "unigate> " or
 * "unigate(vmnet8)> " (the hostname and the open configuration block). */
typedef const char *(*console_prompt_fn)(void);

/* Routes complete lines to (fn) and asks (prompt) for the prompt. Either
 * may be NULL for the default (cli_execute, "unigate> "). */
void console_set_handler(console_handler_fn fn, console_prompt_fn prompt);

/* The sink that writes to the console, for code printing outside a command. */
struct cli_out *console_out(void);

#endif
