/*
 * Loop detection's probe: a frame the appliance sends out of each port of a
 * network and never forwards, so that one coming back in on any port shows
 * that something outside (a guest bridging two of its NICs, two ports
 * cabled together) closes a loop. The probe is an Ethernet Configuration
 * Testing Protocol reply (EtherType 0x9000, the "loopback" protocol of
 * Ethernet v2; function 1, reply, which a receiver never answers) to the
 * ECTP multicast address CF-00-00-00-00-00, which bridges forward. It
 * carries a random token per port: a host that sees the probes of one port
 * cannot make those of another. Pure.
 */
#ifndef UNIGATE_NET_SWITCH_LOOP_H
#define UNIGATE_NET_SWITCH_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP_FRAME_LEN 60 /* the Ethernet minimum */
#define LOOP_ETHERTYPE 0x9000

/* Writes the probe carrying (token), from (src), into (frame). */
void loop_build(uint8_t frame[LOOP_FRAME_LEN], const uint8_t src[6], uint64_t token);

/* True if the (len)-byte frame at (frame) is a probe (ours or a copy);
 * then (*token) is what it carries. Untrusted bytes: lengths checked. */
bool loop_parse(const uint8_t *frame, size_t len, uint64_t *token);

#endif
