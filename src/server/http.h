/* The HTTP front: libmicrohttpd with a pool of threads on epoll. POST / goes to the AWS JSON protocol; GET
 * /healthz answers "ok"; /console/ (and GET / from a browser) is the web console. Each request's body is
 * bounded (AWSJSON_MAX_BODY). */
#ifndef GLUED_HTTP_H
#define GLUED_HTTP_H

#include <stddef.h>

#include "api/api.h"
#include "server/console.h"

typedef struct http_server http_server_t;

typedef struct http_opts {
    const char *host;   /* numeric address or name to bind */
    int port;           /* 0 picks a free port */
    unsigned threads;   /* pool size */
    console_t *console; /* the web console (borrowed, outlives the server), or NULL for none */
} http_opts_t;

/* Binds the listening socket (so the port is known, and taken, before anything else starts). Returns the fd,
 * or -1 with a sentence in err. *port_out gets the bound port. */
int http_bind(const http_opts_t *o, int *port_out, char *err, size_t errlen);
/* Starts serving on a bound socket (which it then owns). -1 with a sentence in err on failure. */
int http_start(api_t *api, const http_opts_t *o, int fd, http_server_t **out, char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish, joins the threads, frees. Accepts NULL. */
void http_stop(http_server_t *s);

#endif
