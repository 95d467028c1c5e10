/* SigV4 request signatures: reading the credential scope (region) from the Authorization header. Signatures
 * are not verified yet; any key is accepted (a later issue adds verification). */
#ifndef GLUED_SIGV4_H
#define GLUED_SIGV4_H

#include <stddef.h>

/* Copies the region of "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ..." into out.
 * Returns 0, or -1 when the header is absent or not of that form. */
int sigv4_scope_region(const char *authorization, char *out, size_t outlen);

#endif
