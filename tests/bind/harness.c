/*
 * The binding tests' main loop and console: boots as kmain does (lwIP,
 * ports, apply_boot), runs the pollers and lwIP's timers on the fake
 * clock, types console lines through the handler config/apply.c
 * registered, and runs commands through cli_execute with their output
 * captured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/apply.h"
#include "kernel/cli.h"
#include "kernel/poll.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "tests/bind/bind.h"

#define BIND_STEP_MS 10

static char bind_text[1 << 18];
static size_t bind_len;

static void bind_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof(bind_text) - 1 - bind_len)
		len = sizeof(bind_text) - 1 - bind_len;
	memcpy(bind_text + bind_len, buf, len);
	bind_len += len;
	bind_text[bind_len] = '\0';
}

static struct cli_out bind_sink = {bind_write, NULL};

int bind_boot(int nports)
{
	int rc;

	fake_netdev_setup(nports);
	fake_clock_set(1000);
	lwip_init();
	rc = apply_boot();
	return rc;
}

void bind_run(uint32_t ms)
{
	for (uint32_t t = 0; t < ms; t += BIND_STEP_MS) {
		fake_clock_set(fake_clock_ms() + BIND_STEP_MS);
		poll_all();
		sys_check_timeouts();
	}
}

int bind_line(const char *line)
{
	char buf[512];
	console_handler_fn fn = fake_console_handler();

	bind_len = 0;
	bind_text[0] = '\0';
	if (fn == NULL) {
		fprintf(stderr, "bind_line: no console handler (not booted?)\n");
		abort();
	}
	snprintf(buf, sizeof(buf), "%s", line);
	return fn(buf, &bind_sink);
}

void bind_config(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		int rc;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		rc = bind_line(line);
		if (rc != 0) {
			fprintf(stderr, "bind_config: '%s' failed (%d):\n%s", line, rc, bind_text);
			abort();
		}
		p += n + (nl != NULL);
	}
}

const char *bind_cli(const char *cmd)
{
	char buf[512];

	bind_len = 0;
	bind_text[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", cmd);
	cli_execute(buf, &bind_sink);
	return bind_text;
}

const char *bind_out(void)
{
	return bind_text;
}

bool bind_arp_resolve(int port, const uint8_t mac[6], uint32_t ip, uint32_t target,
		      uint8_t target_mac[6])
{
	uint8_t f[64];
	static const uint8_t zero[6];
	int before = fake_tx_count(port);

	fake_rx(port, f, frame_arp(f, MAC_BCAST, 1, mac, ip, zero, target));
	for (int k = before; k < fake_tx_count(port); k++) {
		size_t len;
		const uint8_t *r = fake_tx_frame(port, k, &len);
		struct pkt p;

		if (pkt_parse(r, len, &p) == 0 && p.type == FRAME_TYPE_ARP && p.arp_op == 2 &&
		    p.arp_spa == target && p.arp_tpa == ip && memcmp(p.dst, mac, 6) == 0) {
			memcpy(target_mac, p.arp_sha, 6);
			return true;
		}
	}
	return false;
}

int bind_answer_arp(int port, uint32_t ip, const uint8_t mac[6])
{
	int answered = 0, n = fake_tx_count(port);

	for (int k = 0; k < n; k++) {
		size_t len;
		const uint8_t *r = fake_tx_frame(port, k, &len);
		struct pkt p;
		uint8_t f[64], asker[6];
		uint32_t spa;

		if (pkt_parse(r, len, &p) != 0 || p.type != FRAME_TYPE_ARP || p.arp_op != 1 ||
		    p.arp_tpa != ip)
			continue;
		memcpy(asker, p.arp_sha, 6);
		spa = p.arp_spa;
		fake_rx(port, f, frame_arp(f, asker, 2, mac, ip, asker, spa));
		answered++;
	}
	return answered;
}

int bind_find(int port, int from, struct pkt *p, bool (*match)(const struct pkt *, const void *),
	      const void *arg)
{
	for (int k = from; k < fake_tx_count(port); k++) {
		size_t len;
		const uint8_t *f = fake_tx_frame(port, k, &len);

		if (pkt_parse(f, len, p) == 0 && (match == NULL || match(p, arg)))
			return k;
	}
	return -1;
}
