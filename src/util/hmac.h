/* HMAC-SHA-256 for the hot paths: graph node ids (a thousand per graph) and a job run's credentials (one per job
 * start and per request signed with them). */
#ifndef GLUED_HMAC_H
#define GLUED_HMAC_H

#include <stddef.h>
#include <stdint.h>

typedef struct hmac_part {
    const void *p;
    size_t n;
} hmac_part_t;

/* The HMAC-SHA-256 of the parts, one after another, under a 32-byte key. The keyed state (SHA-256 over the key's
 * inner and outer pads) is made once per thread and key (a few keys are kept) and copied for each call: about a
 * tenth of a one-shot HMAC(). Aborts only when memory is out even for the one-shot way. */
void hmac256(const uint8_t key[32], const hmac_part_t *parts, size_t n, uint8_t out[32]);

#endif
