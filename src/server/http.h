/* The HTTP front: libmicrohttpd with a pool of threads on epoll, over plain HTTP or TLS.
 *   POST /         the AWS JSON protocol (awsjson.c), signature-checked when credentials are set (auth.c)
 *   GET /metrics   the Prometheus exposition (util/metrics.c), signature-checked the same way, unless the
 *                  metrics are served on a listener of their own (--metrics-listen)
 *   /console/      the web console (console.c), and GET / from a browser
 *   GET /health    200 when the store takes a write and the engine loop is turning, 503 otherwise
 * Each request's body is bounded (AWSJSON_MAX_BODY); a refused signature is answered before the body is read. */
#ifndef GLUED_HTTP_H
#define GLUED_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"
#include "server/auth.h"
#include "server/console.h"

typedef struct http_server http_server_t;

typedef struct http_opts {
    const char *host;     /* numeric address or name to bind */
    int port;             /* 0 picks a free port */
    unsigned threads;     /* pool size */
    auth_t *auth;         /* NULL: signatures are not checked (borrowed; outlives the server) */
    const char *tls_cert; /* PEM text of the certificate chain, or NULL for plain HTTP */
    const char *tls_key;  /* PEM text of the private key */
    bool metrics;         /* serves GET /metrics */
    bool api;             /* serves the API (false on the metrics-only listener) */
    console_t *console;   /* the web console (borrowed, outlives the server), or NULL for none */
} http_opts_t;

/* Binds the listening socket (so the port is known, and taken, before anything else starts). Returns the fd,
 * or -1 with a sentence in err. *port_out gets the bound port. */
int http_bind(const http_opts_t *o, int *port_out, char *err, size_t errlen);
/* Whether a bound socket listens on a loopback address only (127.0.0.0/8, ::1). */
bool http_is_loopback(int fd);
/* Whether this libmicrohttpd was built with TLS. */
bool http_tls_supported(void);
/* Starts serving on a bound socket (which it then owns). -1 with a sentence in err on failure. */
int http_start(api_t *api, const http_opts_t *o, int fd, http_server_t **out, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish, joins the threads, frees. Accepts NULL. */
void http_stop(http_server_t *s);

/* One whole request, as it arrived (borrowed pointers). */
typedef struct http_request {
    const char *method, *url; /* url as on the wire, without the query */
    const sigv4_pair_t *headers, *query;
    size_t nheaders, nquery;
    const char *body;
    size_t len;
} http_request_t;

/* Its answer; body is heap (http_answer_cleanup frees it). */
typedef struct http_answer {
    unsigned status;
    const char *content_type, *error_type;
    char *body;
    size_t len;
    char request_id[37]; /* empty when the answer is not an AWS one */
} http_answer_t;

/* A server with no socket and no threads, whose http_serve answers requests in the calling thread exactly as
 * the listening one would (the request-path fuzzer drives it). Free with http_stop. */
http_server_t *http_detached(api_t *api, const http_opts_t *o);
void http_serve(http_server_t *s, const http_request_t *r, http_answer_t *a);
void http_answer_cleanup(http_answer_t *a);

#endif
