/* The HTTP front: libmicrohttpd with a pool of threads on epoll. POST / goes to the AWS JSON protocol; GET
 * /healthz answers "ok". Each request's body is bounded (AWSJSON_MAX_BODY). */
#ifndef GLUED_HTTP_H
#define GLUED_HTTP_H

#include <stddef.h>

#include "api/api.h"

typedef struct http_server http_server_t;

typedef struct http_opts {
    const char *host; /* numeric address or name to bind */
    int port;         /* 0 picks a free port */
    unsigned threads; /* pool size */
} http_opts_t;

/* Binds and starts serving. On failure returns -1 with a sentence in err. *port_out gets the bound port. */
int http_start(api_t *api, const http_opts_t *o, http_server_t **out, int *port_out, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish, joins the threads, frees. Accepts NULL. */
void http_stop(http_server_t *s);

#endif
