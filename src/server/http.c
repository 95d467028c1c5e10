/* libmicrohttpd glue (see http.h). The body of a request is gathered into a per-connection buffer, then the
 * protocol layer answers in the same pool thread: the store is local, and nothing the API does waits on a job.
 * With credentials, the header part of the signature check (auth_begin) runs when the headers are in, so that
 * a refused caller's body is never read; the signature itself (auth_finish) once the body is. */
#include "server/http.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "server/awsjson.h"
#include "util/metrics.h"
#include "util/util.h"
#include "version.h"

#define HEALTH_ENGINE_STALE_MS 10000 /* the engine loop has not turned for this long: unhealthy */
#define HEALTH_PROBE_EVERY_MS  1000  /* one store probe a second at most, whoever asks */
#define HEALTH_PROBE_STUCK_MS  5000  /* a probe still waiting after this long: unhealthy */

struct http_server {
    struct MHD_Daemon *d;
    api_t *api;
    http_opts_t o;
    int fd;
    /* the store probe of /health: one thread at a time (trylock), result shared */
    pthread_mutex_t probe_lock;
    _Atomic int64_t probe_at_ms, probe_started_ms;
    atomic_bool probe_ok;
};

/* What a request is, decided when its headers are in. */
enum route { R_API, R_METRICS, R_HEALTH, R_RESET, R_ROOT, R_NOTFOUND };

/* One request being received; owned by the pool thread serving its connection. */
typedef struct req {
    char *body;
    size_t len, cap;
    bool too_large, answered, console, begun;
    const char *bad_framing; /* why the request's length is ambiguous (see framing), or NULL */
    char *raw_uri;           /* the request target as it came on the wire (path and query, still percent-encoded) */
    enum route route;
    uint64_t t0;
    auth_pending_t auth;
} req_t;

static metrics_family_t *m_requests, *m_latency;

/* ---- answers ---- */

static const char *route_label(enum route r)
{
    switch (r) {
    case R_METRICS: return "/metrics";
    case R_HEALTH: return "/health";
    case R_RESET: return "/_glued/reset";
    default: return "other";
    }
}

static void count(const req_t *q, const char *op, unsigned status)
{
    char code[8];
    snprintf(code, sizeof code, "%u", status);
    metrics_add(m_requests, op, code, 1);
    metrics_observe(m_latency, op, NULL, (double)(util_mono_ns() - q->t0) / 1e9);
}

static void answer_text(req_t *q, http_answer_t *a, const char *op, unsigned status, const char *type, char *body,
                        size_t len)
{
    memset(a, 0, sizeof *a);
    a->status = status;
    a->content_type = type;
    a->body = body;
    a->len = len;
    q->answered = true;
    count(q, op, status);
}

static void answer_static(req_t *q, http_answer_t *a, unsigned status, const char *type, const char *text)
{
    char *body = strdup(text);
    answer_text(q, a, route_label(q->route), status, type, body, body ? strlen(body) : 0);
}

static void answer_aws(req_t *q, http_answer_t *a, awsjson_resp_t *out, const char *op)
{
    answer_text(q, a, op ? op : "unknown", (unsigned)out->status, "application/x-amz-json-1.1", out->body, out->len);
    out->body = NULL;
    memcpy(a->request_id, out->request_id, sizeof a->request_id);
    a->error_type = out->error_type;
    if (out->status >= 500)
        log_warn("%s failed: %s", op ? op : "request", out->error_type);
}

static const char *header(const http_request_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static void answer_error(req_t *q, const http_request_t *r, http_answer_t *a, const gerr_t *e)
{
    awsjson_resp_t out;
    awsjson_error(e->type, e->status, e->msg, &out);
    answer_aws(q, a, &out, q->route == R_API ? awsjson_op(header(r, "X-Amz-Target")) : route_label(q->route));
}

static sigv4_msg_t message(const http_request_t *r, const req_t *q)
{
    return (sigv4_msg_t){.method = r->method,
                         .path = r->url,
                         .query = r->query,
                         .nquery = r->nquery,
                         .headers = r->headers,
                         .nheaders = r->nheaders,
                         .body = q->body ? q->body : "",
                         .len = q->len};
}

/* ---- the endpoints ---- */

static void answer_api(http_server_t *s, const http_request_t *r, req_t *q, http_answer_t *a)
{
    awsjson_req_t in = {
        .target = header(r, "X-Amz-Target"),
        .authorization = header(r, "Authorization"),
        .body = q->body ? q->body : "",
        .len = q->len,
        .too_large = q->too_large,
    };
    awsjson_resp_t out;
    awsjson_handle(s->api, &in, &out);
    answer_aws(q, a, &out, out.op);
}

static void answer_metrics(req_t *q, http_answer_t *a)
{
    size_t len = 0;
    char *text = metrics_render(&len);
    if (!text) {
        answer_static(q, a, 500, "text/plain", "out of memory\n");
        return;
    }
    answer_text(q, a, "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static int probe_tx(store_tx_t *tx, void *ctx)
{
    const api_t *api = ctx;
    return store_health_probe(tx, api->flow.node, util_now_ms());
}

/* Whether the store takes a write: a small real write committed (without waiting for its flush; a write
 * transaction that writes nothing would not notice a full disk), at most once a second (the result is shared by
 * every caller in between). A probe that waits on the store's lock for too long counts as a failure even before
 * it returns. */
static bool store_writable(http_server_t *s, char *why, size_t n)
{
    int64_t now = (int64_t)(util_mono_ns() / 1000000u);
    if (now - atomic_load(&s->probe_at_ms) >= HEALTH_PROBE_EVERY_MS && pthread_mutex_trylock(&s->probe_lock) == 0) {
        atomic_store(&s->probe_started_ms, now);
        int rc = store_tx_run(s->api->store, STORE_TX_RELAXED, probe_tx, (void *)s->api);
        bool ok = rc == 0;
        if (!ok)
            log_warn("health: the store does not take a write: %s", store_status_name(rc));
        atomic_store(&s->probe_ok, ok);
        atomic_store(&s->probe_at_ms, (int64_t)(util_mono_ns() / 1000000u));
        atomic_store(&s->probe_started_ms, 0);
        pthread_mutex_unlock(&s->probe_lock);
    }
    int64_t started = atomic_load(&s->probe_started_ms);
    if (started && now - started > HEALTH_PROBE_STUCK_MS) {
        snprintf(why, n, "the store has not taken a write for %lld ms", (long long)(now - started));
        return false;
    }
    if (!atomic_load(&s->probe_ok)) {
        snprintf(why, n, "the store does not take a write");
        return false;
    }
    return true;
}

static void answer_health(http_server_t *s, req_t *q, http_answer_t *a)
{
    char why[256], body[512];
    int64_t age = engine_heartbeat_age_ms(s->api->engine);
    bool ok = true;
    if (age > HEALTH_ENGINE_STALE_MS) {
        snprintf(why, sizeof why, "the engine loop has not turned for %lld ms", (long long)age);
        ok = false;
    } else if (!store_writable(s, why, sizeof why)) {
        ok = false;
    }
    /* the version and the schema version of the store, as glued --version prints them */
    json_t *o = json_pack("{sssssi}", "status", ok ? "ok" : "unhealthy", "version", GLUED_VERSION, "schema",
                          store_schema_version(s->api->store));
    if (o && !ok)
        json_object_set_new(o, "reason", json_string(why));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    snprintf(body, sizeof body, "%s\n", text ? text : "{\"status\":\"unhealthy\"}");
    free(text);
    json_decref(o);
    answer_static(q, a, ok ? 200 : 503, "application/json", body);
}

static enum route route_of(const http_server_t *s, const char *method, const char *url)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (s->o.api && strcmp(method, "POST") == 0 && strcmp(url, "/") == 0)
        return R_API;
    if (s->o.api && s->api->cfg.test_mode && (strcmp(url, "/_glued/reset") == 0 || strcmp(url, "/moto-api/reset") == 0))
        return R_RESET;
    if (get && s->o.metrics && strcmp(url, "/metrics") == 0)
        return R_METRICS;
    if (get && (strcmp(url, "/health") == 0 || strcmp(url, "/healthz") == 0))
        return R_HEALTH;
    if (get && s->o.api && strcmp(url, "/") == 0)
        return R_ROOT;
    return R_NOTFOUND;
}

/* --test-mode's POST /_glued/reset (and moto's /moto-api/reset): answers when everything is stopped and empty. */
static void answer_reset(http_server_t *s, const http_request_t *r, req_t *q, http_answer_t *a)
{
    if (strcmp(r->method, "POST") != 0) {
        answer_static(q, a, 405, "application/json",
                      "{\"__type\":\"MethodNotAllowed\",\"Message\":\"the reset is POST\"}");
        return;
    }
    gerr_t e = {0};
    uint64_t t0 = util_mono_ns();
    if (api_reset(s->api, &e) < 0) {
        log_error("test-mode reset failed: %s", e.msg);
        json_t *body = json_pack("{s:s, s:s}", "__type", e.type, "Message", e.msg);
        char *text = json_dumps(body, JSON_COMPACT);
        answer_static(q, a, 500, "application/json", text ? text : "{}");
        free(text);
        json_decref(body);
        return;
    }
    log_info("test-mode reset: everything stopped and emptied in %.1f ms", (double)(util_mono_ns() - t0) / 1e6);
    answer_static(q, a, 200, "application/json", "{\"status\":\"ok\"}");
}

/* With --credentials, what must be signed: everything but /health, the root page and the console's own. */
static bool signed_route(const http_server_t *s, const req_t *q)
{
    return s->o.auth && (q->route == R_API || q->route == R_METRICS || q->route == R_RESET);
}

/* The headers are in: route, and refuse what can be refused before the body (a body announced past the limit,
 * a signature that fails its header checks). true when a is the answer. */
static bool phase_headers(http_server_t *s, const http_request_t *r, req_t *q, http_answer_t *a)
{
    q->t0 = util_mono_ns();
    q->route = route_of(s, r->method, r->url);
    if (q->bad_framing) {
        gerr_t e = {0};
        gerr_set(&e, GERR_INVALID_INPUT, "%s", q->bad_framing);
        answer_error(q, r, a, &e);
        return true;
    }
    const char *cl = header(r, "Content-Length");
    if (q->route == R_API && cl && strtoull(cl, NULL, 10) > AWSJSON_MAX_BODY) {
        q->too_large = true; /* refused before it is read, not drained for minutes */
        answer_api(s, r, q, a);
        return true;
    }
    if (signed_route(s, q)) {
        sigv4_msg_t m = message(r, q);
        gerr_t e = {0};
        if (auth_begin(s->o.auth, &m, q->route == R_API ? awsjson_service(header(r, "X-Amz-Target")) : NULL,
                       util_now_ms(), &q->auth, &e) < 0) {
            answer_error(q, r, a, &e);
            return true;
        }
    }
    return false;
}

/* The body is in (q->body): the signature, then the endpoint. */
static void phase_body(http_server_t *s, const http_request_t *r, req_t *q, http_answer_t *a)
{
    if (signed_route(s, q) && !q->too_large) {
        sigv4_msg_t m = message(r, q);
        gerr_t e = {0};
        if (auth_finish(&m, &q->auth, &e) < 0) {
            answer_error(q, r, a, &e);
            return;
        }
    }
    switch (q->route) {
    case R_API: answer_api(s, r, q, a); return;
    case R_METRICS: answer_metrics(q, a); return;
    case R_HEALTH: answer_health(s, q, a); return;
    case R_RESET: answer_reset(s, r, q, a); return;
    case R_ROOT:
        answer_static(q, a, 200, "text/plain",
                      "glued: AWS Glue Workflows API. Point an AWS client's endpoint URL here (POST /).\n"
                      "The web console is at /console/\n");
        return;
    default: {
        gerr_t e = {0};
        gerr_set(&e, GERR_UNKNOWN_OP, "Not found: %.20s %.200s; the Glue API is POST / with an X-Amz-Target header",
                 r->method, r->url);
        awsjson_resp_t out;
        awsjson_error(e.type, 404, e.msg, &out);
        answer_aws(q, a, &out, "other");
    }
    }
}

void http_serve(http_server_t *s, const http_request_t *r, http_answer_t *a)
{
    req_t q = {0};
    if (!phase_headers(s, r, &q, a)) {
        if (q.route == R_API && r->len > AWSJSON_MAX_BODY)
            q.too_large = true;
        else {
            q.body = (char *)r->body;
            q.len = r->len;
        }
        phase_body(s, r, &q, a);
    }
}

void http_answer_cleanup(http_answer_t *a)
{
    free(a->body);
    a->body = NULL;
}

/* ---- libmicrohttpd ---- */

typedef struct pairs {
    sigv4_pair_t *v;
    size_t n, cap;
    bool failed;
} pairs_t;

static enum MHD_Result add_pair(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    pairs_t *p = cls;
    (void)kind;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        sigv4_pair_t *g = realloc(p->v, cap * sizeof *g);
        if (!g) {
            p->failed = true;
            return MHD_NO;
        }
        p->v = g;
        p->cap = cap;
    }
    p->v[p->n++] = (sigv4_pair_t){key, value};
    return MHD_YES;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, http_answer_t *a)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(a->len, a->body ? a->body : (void *)"",
                                                             a->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        http_answer_cleanup(a);
        return MHD_NO;
    }
    a->body = NULL; /* MHD frees it */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    if (a->request_id[0])
        MHD_add_response_header(r, "x-amzn-RequestId", a->request_id);
    if (a->error_type)
        MHD_add_response_header(r, "x-amzn-ErrorType", a->error_type);
    enum MHD_Result ret = MHD_queue_response(c, a->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Runs one phase with the connection's headers and query as a request. */
/* The raw query string split into pairs as sent (value NULL without '='); the strings point into buf. */
static int raw_query(char *buf, pairs_t *qs)
{
    for (char *save = NULL, *pair = strtok_r(buf, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq++ = '\0';
        if (add_pair(qs, MHD_GET_ARGUMENT_KIND, pair, eq) != MHD_YES)
            return -1;
    }
    return 0;
}

/* Runs one phase with the connection's headers and its raw path and query as a request: SigV4 signs them as
 * they came on the wire, before libmicrohttpd decodes them. */
static enum MHD_Result run_phase(http_server_t *s, struct MHD_Connection *c, const char *url, const char *method,
                                 req_t *q, bool headers_only)
{
    pairs_t hs = {0}, qs = {0};
    char *raw = strdup(q->raw_uri ? q->raw_uri : url);
    enum MHD_Result ret = MHD_NO;
    if (!raw)
        return MHD_NO;
    char *qmark = strchr(raw, '?');
    if (qmark)
        *qmark++ = '\0';
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_pair, &hs);
    if (hs.failed || (qmark && raw_query(qmark, &qs) < 0))
        goto out;
    http_request_t r = {.method = method,
                        .url = raw,
                        .headers = hs.v,
                        .nheaders = hs.n,
                        .query = qs.v,
                        .nquery = qs.n,
                        .body = q->body,
                        .len = q->len};
    http_answer_t a = {0};
    ret = MHD_YES;
    if (headers_only) {
        if (phase_headers(s, &r, q, &a))
            ret = send_answer(c, &a);
    } else {
        phase_body(s, &r, q, &a);
        ret = send_answer(c, &a);
    }
out:
    free(hs.v);
    free(qs.v);
    free(raw);
    return ret;
}

typedef struct framing_count {
    int lengths, encodings;
    const char *first;
    bool differ;
} framing_count_t;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    framing_count_t *f = cls;
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->lengths++ && strcmp(f->first, value ? value : "") != 0)
            f->differ = true;
        else
            f->first = value ? value : "";
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->encodings++;
    }
    return MHD_YES;
}

/* Why a request's body length is ambiguous, or NULL. libmicrohttpd 0.9 takes the first of two Content-Length
 * headers that disagree, and lets Transfer-Encoding win over a Content-Length beside it; a proxy in front may
 * read the same bytes the other way and pass a second request hidden in the body (request smuggling). RFC 9112
 * section 6.3 makes both an error; they are refused before the body is read. */
static const char *framing(struct MHD_Connection *c)
{
    framing_count_t f = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.differ)
        return "The request has Content-Length headers that disagree";
    if (f.lengths && f.encodings)
        return "The request has both Content-Length and Transfer-Encoding headers";
    return NULL;
}

/* libmicrohttpd's first sight of a request, with its target undecoded: the request's state starts here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    req_t *q = calloc(1, sizeof *q);
    if (q)
        q->raw_uri = strdup(uri ? uri : "/");
    return q;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    http_server_t *s = cls;
    (void)version;
    req_t *q = *con_cls;
    if (!q)
        return MHD_NO; /* on_uri ran out of memory */
    if (!q->begun) {
        q->begun = true;
        q->bad_framing = framing(c); /* answered as an API error, whatever the route */
        if (!q->bad_framing && s->o.console && console_owns(c, url, method)) { /* it checks its own sessions */
            q->console = true;
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoull(cl, NULL, 10) > AWSJSON_MAX_BODY && strcmp(method, "POST") == 0)
                return console_answer(s->o.console, c, url, method, NULL, 0, true);
            return MHD_YES;
        }
        return run_phase(s, c, url, method, q, true);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->answered)
            return MHD_YES; /* refused already: drop what still comes */
        if (q->too_large || q->len + n > AWSJSON_MAX_BODY) {
            q->too_large = true; /* keep reading and dropping, then answer with the error */
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
    if (q->answered)
        return MHD_YES;
    if (q->console)
        return console_answer(s->o.console, c, url, method, q->body, q->len, q->too_large);
    return run_phase(s, c, url, method, q, false);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    req_t *q = *con_cls;
    if (q) {
        free(q->body);
        free(q->raw_uri);
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

bool http_is_loopback(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return false;
    if (ss.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

bool http_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

http_server_t *http_detached(api_t *api, const http_opts_t *o)
{
    if (!m_requests) {
        m_requests =
            metrics_counter("glued_http_requests_total", "HTTP requests answered, by operation and status.", "op,code");
        m_latency = metrics_histogram("glued_http_request_duration_seconds",
                                      "From a request's headers to its answer, by operation.", "op",
                                      METRICS_LATENCY_BUCKETS, METRICS_LATENCY_NBUCKETS);
    }
    http_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->api = api;
    s->o = *o;
    s->fd = -1;
    pthread_mutex_init(&s->probe_lock, NULL);
    atomic_store(&s->probe_ok, true);
    return s;
}

int http_start(api_t *api, const http_opts_t *o, int fd, http_server_t **out, char *err, size_t errlen)
{
    *out = NULL;
    http_server_t *s = http_detached(api, o);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return -1;
    }
    s->fd = fd;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (o->tls_cert) {
        if (!http_tls_supported()) {
            snprintf(err, errlen, "this libmicrohttpd was built without TLS; --tls-cert cannot be served");
            goto fail;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls[] = {
        {o->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)o->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    /* one thread is the daemon's own polling thread: a pool of one is no pool, and libmicrohttpd warns of it */
    unsigned threads = (unsigned)(o->threads ? o->threads : 4);
    struct MHD_OptionItem pool[] = {
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* the logger first, so that what libmicrohttpd says of the options goes to glued's log */
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_ARRAY, pool, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)4096, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot start the HTTP%s server on %s:%d%s", o->tls_cert ? "S" : "", o->host, o->port,
                 o->tls_cert ? " (is the key the certificate's, and are both PEM?)" : "");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    close(fd);
    pthread_mutex_destroy(&s->probe_lock);
    free(s);
    return -1;
}

void http_stop(http_server_t *s)
{
    if (!s)
        return;
    /* stop accepting first; MHD_stop_daemon then joins the pool threads after their current requests */
    if (s->d) {
        MHD_quiesce_daemon(s->d);
        MHD_stop_daemon(s->d);
    }
    if (s->fd >= 0)
        close(s->fd);
    pthread_mutex_destroy(&s->probe_lock);
    free(s);
}
