/*
 * The loop probe (net/switch/loop.h). Layout after the Ethernet header:
 * ECTP's skipCount (2 bytes, little-endian, 0: this message is next),
 * function (2 bytes, little-endian, 1: reply), receipt number (2 bytes),
 * then ours: the magic "unigate-loop", the token (8 bytes, big-endian);
 * zeros to the minimum length.
 */
#include <string.h>

#include "net/switch/loop.h"

static const uint8_t loop_dst[6] = {0xcf, 0, 0, 0, 0, 0};
static const char loop_magic[12] = {'u', 'n', 'i', 'g', 'a', 't', 'e', '-', 'l', 'o', 'o', 'p'};

#define LOOP_AT_MAGIC 20
#define LOOP_AT_TOKEN (LOOP_AT_MAGIC + sizeof(loop_magic))

void loop_build(uint8_t frame[LOOP_FRAME_LEN], const uint8_t src[6], uint64_t token)
{
	memset(frame, 0, LOOP_FRAME_LEN);
	memcpy(frame, loop_dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = LOOP_ETHERTYPE >> 8;
	frame[13] = LOOP_ETHERTYPE & 0xff;
	frame[16] = 1; /* function: reply */
	memcpy(frame + LOOP_AT_MAGIC, loop_magic, sizeof(loop_magic));
	for (int i = 0; i < 8; i++)
		frame[LOOP_AT_TOKEN + i] = (uint8_t)(token >> (56 - 8 * i));
}

bool loop_parse(const uint8_t *frame, size_t len, uint64_t *token)
{
	uint64_t t = 0;

	if (len < LOOP_AT_TOKEN + 8 || frame[12] != LOOP_ETHERTYPE >> 8 ||
	    frame[13] != (LOOP_ETHERTYPE & 0xff) ||
	    memcmp(frame + LOOP_AT_MAGIC, loop_magic, sizeof(loop_magic)) != 0)
		return false;
	for (int i = 0; i < 8; i++)
		t = t << 8 | frame[LOOP_AT_TOKEN + i];
	*token = t;
	return true;
}
