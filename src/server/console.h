/* The web console: its pages (compiled in, see console_assets.h), its sessions and the endpoints its pages
 * call. Every read and action goes through the same operation handlers as the AWS API (POST
 * /console/api/<Operation>, answered exactly as POST / answers), guarded by a session cookie, an anti-forgery
 * token and an origin check; the only extra endpoint is a job run's log. It never reaches into the store. */
#ifndef GLUED_CONSOLE_H
#define GLUED_CONSOLE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"

typedef struct console console_t;

/* How the console checks a sign-in when glued requires credentials: returns true when secret is the secret
 * of access key id akid; with secret NULL, whether akid is (still) a known key. */
typedef bool (*console_auth_fn)(void *ctx, const char *akid, const char *secret);

typedef struct console_opts {
    api_t *api;
    const char *data_dir; /* where job run logs are (<data>/logs) */
    console_auth_fn auth; /* NULL: no credentials required, the console is open like the API */
    void *auth_ctx;
    bool tls; /* glued serves HTTPS itself: the session cookie is Secure */
} console_opts_t;

/* A console with a fresh session key (sessions end when glued restarts). NULL when out of memory. */
console_t *console_new(const console_opts_t *o);
void console_free(console_t *c);

/* Whether the console answers this request: any URL under /console, and GET / from a browser (Accept names
 * text/html), which it redirects to /console/. */
bool console_owns(struct MHD_Connection *conn, const char *url, const char *method);
/* Answers a request console_owns said yes to, once its body (bounded by the caller) is complete. */
enum MHD_Result console_answer(console_t *c, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *body, size_t len, bool too_large);

#endif
