/* libmicrohttpd glue (see http.h). The body of a request is gathered into a per-connection buffer, then the
 * protocol layer answers in the same pool thread: the store is local, and nothing the API does waits on a job. */
#include "server/http.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/awsjson.h"
#include "server/console.h"
#include "util/util.h"

struct http_server {
    struct MHD_Daemon *d;
    api_t *api;
    console_t *console; /* NULL: no console */
    int fd;
};

/* One request being received; owned by the pool thread serving its connection. */
typedef struct req {
    char *body;
    size_t len, cap;
    int too_large;
} req_t;

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result answer_api(http_server_t *s, struct MHD_Connection *c, req_t *q)
{
    awsjson_req_t in = {
        .target = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Target"),
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        .body = q->body ? q->body : "",
        .len = q->len,
        .too_large = q->too_large,
    };
    awsjson_resp_t out;
    awsjson_handle(s->api, &in, &out);
    struct MHD_Response *r = MHD_create_response_from_buffer(out.len, out.body, MHD_RESPMEM_MUST_FREE);
    out.body = NULL; /* MHD frees it */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-amz-json-1.1");
    MHD_add_response_header(r, "x-amzn-RequestId", out.request_id);
    if (out.error_type)
        MHD_add_response_header(r, "x-amzn-ErrorType", out.error_type);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)out.status, r);
    MHD_destroy_response(r);
    if (out.status >= 500)
        log_warn("%s failed: %s", out.op ? out.op : "request", out.error_type);
    return ret;
}

/* --test-mode's POST /_glued/reset (and moto's /moto-api/reset): answers when everything is stopped and empty. */
static enum MHD_Result answer_reset(http_server_t *s, struct MHD_Connection *c, const char *method)
{
    if (strcmp(method, "POST") != 0)
        return send_text(c, 405, "application/json",
                         "{\"__type\":\"MethodNotAllowed\",\"Message\":\"the reset is POST\"}");
    gerr_t e = {0};
    uint64_t t0 = util_mono_ns();
    if (api_reset(s->api, &e) < 0) {
        log_error("test-mode reset failed: %s", e.msg);
        json_t *body = json_pack("{s:s, s:s}", "__type", e.type, "Message", e.msg);
        char *text = json_dumps(body, JSON_COMPACT);
        enum MHD_Result ret = send_text(c, 500, "application/json", text ? text : "{}");
        free(text);
        json_decref(body);
        return ret;
    }
    log_info("test-mode reset: everything stopped and emptied in %.1f ms", (double)(util_mono_ns() - t0) / 1e6);
    return send_text(c, 200, "application/json", "{\"status\":\"ok\"}");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    http_server_t *s = cls;
    (void)version;
    req_t *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        *con_cls = q;
        /* a body announced past the limit is refused before it is read, not drained for minutes */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > AWSJSON_MAX_BODY && strcmp(method, "POST") == 0) {
            q->too_large = 1;
            if (s->console && console_owns(c, url, method))
                return console_answer(s->console, c, url, method, NULL, 0, true);
            return answer_api(s, c, q);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->too_large || q->len + n > AWSJSON_MAX_BODY) {
            q->too_large = 1; /* keep reading and dropping, then answer with the error */
            return MHD_YES;
        }
        if (q->len + n > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + n)
                cap *= 2;
            char *b = realloc(q->body, cap);
            if (!b)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        return MHD_YES;
    }
    if (strcmp(method, "POST") == 0 && strcmp(url, "/") == 0)
        return answer_api(s, c, q);
    if (s->console && console_owns(c, url, method))
        return console_answer(s->console, c, url, method, q->body, q->len, q->too_large);
    if (s->api->cfg.test_mode && (strcmp(url, "/_glued/reset") == 0 || strcmp(url, "/moto-api/reset") == 0))
        return answer_reset(s, c, method);
    if (strcmp(method, "GET") == 0 && strcmp(url, "/healthz") == 0)
        return send_text(c, 200, "text/plain", "ok\n");
    if (strcmp(method, "GET") == 0 && strcmp(url, "/") == 0)
        return send_text(c, 200, "text/plain",
                         "glued: AWS Glue Workflows API. Point an AWS client's endpoint URL here (POST /).\n"
                         "The web console is at /console/\n");
    return send_text(c, 404, "application/json",
                     "{\"__type\":\"UnknownOperationException\",\"Message\":\"Not found: the Glue API is POST / "
                     "with an X-Amz-Target header\"}");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    req_t *q = *con_cls;
    if (q) {
        free(q->body);
        free(q);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    log_debug("http: %s", buf);
}

/* Our own listening socket, so that a taken port or a bad address gets a precise message. */
int http_bind(const http_opts_t *o, int *port_out, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    char port[16];
    snprintf(port, sizeof port, "%d", o->port);
    int rc = getaddrinfo(o->host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", o->host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        goto fail;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s%s", o->host, o->port, strerror(errno),
                 errno == EADDRINUSE ? " (another process holds this port; pick another with --listen)" : "");
        goto fail;
    }
    if (listen(fd, 1024) < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", o->host, o->port, strerror(errno));
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    freeaddrinfo(res);
    return fd;
fail:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

int http_start(api_t *api, const http_opts_t *o, int fd, http_server_t **out, char *err, size_t errlen)
{
    *out = NULL;
    http_server_t *s = calloc(1, sizeof *s);
    s->api = api;
    s->console = o->console;
    s->fd = fd;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_request, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
                            (unsigned)(o->threads ? o->threads : 4), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_EXTERNAL_LOGGER,
                            mhd_log, NULL, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot start the HTTP server on %s:%d", o->host, o->port);
        close(fd);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void http_stop(http_server_t *s)
{
    if (!s)
        return;
    /* stop accepting first; MHD_stop_daemon then joins the pool threads after their current requests */
    MHD_quiesce_daemon(s->d);
    MHD_stop_daemon(s->d);
    close(s->fd);
    free(s);
}
