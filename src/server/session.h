/* Console sessions and their anti-forgery tokens, with no server-side table: a session is a cookie value that
 * carries a random id, an expiry and the signed-in access key id, sealed with HMAC-SHA256 under a key that
 * each glued process draws at start (so a restart ends every session). The anti-forgery token is an HMAC of
 * the session id: a page from another origin can neither read it nor forge it. Also the origin check that
 * every state-changing console request passes. Pure functions; thread-safe. */
#ifndef GLUED_SESSION_H
#define GLUED_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_COOKIE      "glued_console"
#define SESSION_USER_MAX    128 /* longest access key id a session carries */
#define SESSION_COOKIE_MAX  (2 * 16 + 1 + 20 + 1 + 2 * SESSION_USER_MAX + 1 + 2 * 32 + 1)
#define SESSION_TOKEN_LEN   44                   /* base64url of 32 bytes + NUL */
#define SESSION_LIFETIME_MS (12LL * 3600 * 1000) /* a session lasts 12 hours */

typedef struct session_keys {
    uint8_t key[32];
} session_keys_t;

typedef struct session {
    uint8_t sid[16];
    int64_t expires_ms;
    char user[SESSION_USER_MAX + 1]; /* "" until someone signs in (or when no credentials are required) */
} session_t;

/* Draws a fresh random key. */
void session_keys_init(session_keys_t *k);
/* A new session (random id) for user ("" for none), expiring SESSION_LIFETIME_MS after now. -1 if user is
 * longer than SESSION_USER_MAX. */
int session_new(session_t *s, const char *user, int64_t now_ms);
/* The cookie value of s into out (SESSION_COOKIE_MAX bytes). */
void session_encode(const session_keys_t *k, const session_t *s, char *out);
/* Opens a cookie value: 0 with *s filled, or -1 when it is malformed, forged or expired. */
int session_decode(const session_keys_t *k, const char *value, int64_t now_ms, session_t *s);
/* The anti-forgery token of s (SESSION_TOKEN_LEN bytes with the NUL). */
void session_token(const session_keys_t *k, const session_t *s, char *out);
/* Whether token is s's anti-forgery token (compared in constant time). */
bool session_token_ok(const session_keys_t *k, const session_t *s, const char *token);
/* Finds the cookie name in a Cookie header ("a=1; b=2") and copies its value into out; -1 when absent or
 * longer than outlen - 1. */
int session_cookie_find(const char *header, const char *name, char *out, size_t outlen);
/* Whether a request comes from a page of glued's own origin, by the browser's own headers: Sec-Fetch-Site,
 * when present, must be "same-origin" (or "none" when allow_none: a typed URL or a download); Origin, when
 * present, must be http:// or https:// followed by exactly the Host header. A request with neither header
 * (curl, a script) passes: it still needs the cookie and the token. */
bool session_same_origin(const char *host, const char *origin, const char *sec_fetch_site, bool allow_none);

#endif
