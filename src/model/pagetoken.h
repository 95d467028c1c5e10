/* Pagination tokens: opaque, signed, scoped to one listing, and expiring. A token carries the key of the last
 * item returned (keyset pagination), so pages stay stable while items are created and deleted in between.
 * Format: base64url(version | issued_ms | key_int | key_str) + '.' + base64url(HMAC-SHA256 truncated to 16). */
#ifndef GLUED_PAGETOKEN_H
#define GLUED_PAGETOKEN_H

#include <stdint.h>

#include "model/error.h"

#define PAGETOKEN_TTL_MS (24LL * 3600 * 1000)

/* Returns a heap string. scope names the listing (e.g. "ListWorkflows", "GetWorkflowRuns/<name>"). */
char *pagetoken_encode(const uint8_t secret[32], const char *scope, const char *key_str, int64_t key_int,
                       int64_t now_ms);
/* Verifies and decodes; *key_str is a heap string (caller frees). InvalidInputException on any mismatch. */
int pagetoken_decode(const uint8_t secret[32], const char *scope, const char *token, int64_t now_ms, char **key_str,
                     int64_t *key_int, gerr_t *e);

#endif
