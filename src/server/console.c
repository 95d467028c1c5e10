/* The web console's server side (see console.h).
 *
 *   GET  /                       from a browser: 302 to /console/
 *   GET  /console/               the page (index.html) with this session's token and the first page of the
 *                                workflow list in it, and a session cookie when the browser has none
 *   GET  /console/<asset>        app.js, console.css, ...: cached for a year when asked by content hash (?v=)
 *   GET  /console/api/session    {"Token", "AuthRequired", "User"}: the anti-forgery token of this session
 *   POST /console/api/login      {"AccessKeyId", "SecretAccessKey"} -> a signed-in session (when required)
 *   POST /console/api/logout     -> a fresh, signed-out session
 *   POST /console/api/<Op>       the AWS operation Op (or a console-only read), answered as POST / answers it
 *   GET  /console/api/log        a job run's stdout or stderr from an offset, or whole as a download
 *
 * Every POST needs the session cookie (HttpOnly, SameSite=Strict), the session's anti-forgery token in
 * X-Glued-Token and, when the browser says where it comes from (Origin, Sec-Fetch-Site), glued's own origin.
 * When glued requires credentials, every call but session and login also needs a signed-in session. */
#include "server/console.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/logpool.h"
#include "model/codec.h"
#include "server/awsjson.h"
#include "server/console_assets.h"
#include "server/session.h"
#include "util/util.h"

#define CONSOLE_PREFIX    "/console"
#define API_PREFIX        "/console/api/"
#define TOKEN_HEADER      "X-Glued-Token"
#define LOG_CHUNK_MAX     (256u << 10) /* one read of a log answers at most this much */
#define CONSOLE_LIST_PAGE "50"         /* workflows on a page of the list (app.js asks for as many) */

/* A strict policy: scripts and styles only from glued itself, nothing inline, no framing, no form posts. */
#define CSP                                                                                                            \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "              \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* Sessions signed out before they expired. Bounded: past REVOKED_MAX live entries the one nearest its expiry
 * is dropped (thousands of sign-outs within one session lifetime). */
#define REVOKED_MAX 4096
typedef struct revoked {
    uint8_t sid[16];
    int64_t expires_ms;
} revoked_t;

/* Shared by every HTTP thread: read-only after console_new, but for the revoked list (under lock). */
struct console {
    api_t *api;
    char *data_dir;
    session_keys_t keys;
    console_auth_fn auth;
    void *auth_ctx;
    bool tls;
    pthread_mutex_t lock;
    revoked_t *revoked;
    size_t nrevoked;
};

console_t *console_new(const console_opts_t *o)
{
    console_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->api = o->api;
    c->data_dir = strdup(o->data_dir ? o->data_dir : ".");
    c->auth = o->auth;
    c->auth_ctx = o->auth_ctx;
    c->tls = o->tls;
    session_keys_init(&c->keys);
    pthread_mutex_init(&c->lock, NULL);
    c->revoked = calloc(REVOKED_MAX, sizeof *c->revoked);
    if (!c->data_dir || !c->revoked) {
        console_free(c);
        return NULL;
    }
    return c;
}

void console_free(console_t *c)
{
    if (!c)
        return;
    free(c->data_dir);
    free(c->revoked);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Whether s was signed out. */
static bool is_revoked(console_t *c, const session_t *s)
{
    bool found = false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nrevoked && !found; i++)
        found = memcmp(c->revoked[i].sid, s->sid, sizeof s->sid) == 0;
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* Ends s before its expiry: its cookie, even copied elsewhere, no longer opens a session. */
static void end_session(console_t *c, const session_t *s, int64_t now_ms)
{
    pthread_mutex_lock(&c->lock);
    size_t keep = 0, soonest = 0;
    for (size_t i = 0; i < c->nrevoked; i++)
        if (c->revoked[i].expires_ms > now_ms)
            c->revoked[keep++] = c->revoked[i];
    c->nrevoked = keep;
    if (c->nrevoked == REVOKED_MAX) {
        for (size_t i = 1; i < c->nrevoked; i++)
            if (c->revoked[i].expires_ms < c->revoked[soonest].expires_ms)
                soonest = i;
        c->revoked[soonest] = c->revoked[--c->nrevoked];
    }
    memcpy(c->revoked[c->nrevoked].sid, s->sid, sizeof s->sid);
    c->revoked[c->nrevoked++].expires_ms = s->expires_ms;
    pthread_mutex_unlock(&c->lock);
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static const char *query(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static bool is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

bool console_owns(struct MHD_Connection *conn, const char *url, const char *method)
{
    if (strncmp(url, CONSOLE_PREFIX, strlen(CONSOLE_PREFIX)) == 0 &&
        (url[strlen(CONSOLE_PREFIX)] == '\0' || url[strlen(CONSOLE_PREFIX)] == '/'))
        return true;
    const char *accept = header(conn, "Accept");
    return strcmp(url, "/") == 0 && is_get(method) && accept && strstr(accept, "text/html");
}

/* Headers every console answer carries. */
static void common_headers(struct MHD_Response *r, const char *type, const char *cache)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static void set_cookie(console_t *c, struct MHD_Connection *conn, struct MHD_Response *r, const session_t *s)
{
    char value[SESSION_COOKIE_MAX], line[SESSION_COOKIE_MAX + 200];
    session_encode(&c->keys, s, value);
    const char *proto = header(conn, "X-Forwarded-Proto"); /* HTTPS ended by a proxy in front */
    snprintf(line, sizeof line, "%s=%s; Path=" CONSOLE_PREFIX "; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             SESSION_COOKIE, value, (long long)(SESSION_LIFETIME_MS / 1000),
             c->tls || (proto && strcmp(proto, "https") == 0) ? "; Secure" : "");
    MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, line);
}

/* Queues body (copied) with status; new_session, when not NULL, is set as the cookie. */
static enum MHD_Result reply(console_t *c, struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *cache, const void *body, size_t len, const session_t *new_session)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    common_headers(r, type, cache);
    if (new_session)
        set_cookie(c, conn, r, new_session);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Queues an AWS JSON answer (success or {"__type", "Message"}) and frees it. */
static enum MHD_Result send_aws(console_t *c, struct MHD_Connection *conn, awsjson_resp_t *out,
                                const session_t *new_session)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(out->len, out->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        awsjson_resp_cleanup(out);
        return MHD_NO;
    }
    out->body = NULL; /* MHD frees it */
    common_headers(r, "application/json", "no-store");
    MHD_add_response_header(r, "x-amzn-RequestId", out->request_id);
    if (out->error_type)
        MHD_add_response_header(r, "x-amzn-ErrorType", out->error_type);
    if (new_session)
        set_cookie(c, conn, r, new_session);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)out->status, r);
    MHD_destroy_response(r);
    if (out->status >= 500)
        log_warn("console: %s failed: %s", out->op ? out->op : "request", out->error_type);
    return ret;
}

static enum MHD_Result refuse(console_t *c, struct MHD_Connection *conn, int status, const char *type, const char *msg)
{
    awsjson_resp_t out;
    awsjson_error(type, status, msg, &out);
    return send_aws(c, conn, &out, NULL);
}

static enum MHD_Result redirect(console_t *c, struct MHD_Connection *conn, const char *to)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    common_headers(r, "text/plain; charset=utf-8", "no-store");
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_FOUND, r);
    MHD_destroy_response(r);
    (void)c;
    return ret;
}

/* The browser's session: 0 with *s, or -1 when it has none (or a forged or expired one). */
static int current_session(console_t *c, struct MHD_Connection *conn, session_t *s)
{
    char value[SESSION_COOKIE_MAX];
    if (session_cookie_find(header(conn, "Cookie"), SESSION_COOKIE, value, sizeof value) < 0)
        return -1;
    if (session_decode(&c->keys, value, util_now_ms(), s) < 0 || is_revoked(c, s))
        return -1;
    return 0;
}

/* Whether the session may read and act: always when no credentials are required, else when signed in with a
 * key that is still known. */
static bool signed_in(console_t *c, const session_t *s)
{
    return !c->auth || (s->user[0] && c->auth(c->auth_ctx, s->user, NULL));
}

/* The checks of every state-changing request: the browser's origin, the session, its token. On a refusal the
 * answer is already queued and *ret set. */
static bool guard_post(console_t *c, struct MHD_Connection *conn, session_t *s, enum MHD_Result *ret)
{
    if (!session_same_origin(header(conn, "Host"), header(conn, "Origin"), header(conn, "Sec-Fetch-Site"), false)) {
        *ret = refuse(c, conn, 403, "AccessDeniedException",
                      "Refused: this request comes from a page of another origin. The console accepts requests "
                      "only from its own pages.");
        return false;
    }
    if (current_session(c, conn, s) < 0 || !session_token_ok(&c->keys, s, header(conn, TOKEN_HEADER))) {
        *ret = refuse(c, conn, 403, "InvalidTokenException",
                      "Refused: the request carries no valid console session and anti-forgery token "
                      "(X-Glued-Token). Reload the console.");
        return false;
    }
    return true;
}

static enum MHD_Result not_signed_in(console_t *c, struct MHD_Connection *conn)
{
    return refuse(c, conn, 401, "NotSignedInException",
                  "glued requires credentials: sign in to the console with an access key id and its secret");
}

static const console_asset_t *asset(const char *name)
{
    for (size_t i = 0; i < console_nassets; i++)
        if (strcmp(console_assets[i].name, name) == 0)
            return &console_assets[i];
    return NULL;
}

/* An asset by name; the page itself is serve_page's. */
static enum MHD_Result serve_asset(console_t *c, struct MHD_Connection *conn, const console_asset_t *a)
{
    char etag[40];
    snprintf(etag, sizeof etag, "\"%s\"", a->hash);
    const char *v = query(conn, "v");
    /* a versioned URL never changes meaning: cache it for a year */
    const char *cache = v && strcmp(v, a->hash) == 0 ? "public, max-age=31536000, immutable" : "no-cache";
    const char *inm = header(conn, "If-None-Match");
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (inm && strcmp(inm, etag) == 0) {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        r = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    common_headers(r, a->type, cache);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    (void)c;
    return ret;
}

/* JSON made safe inside an HTML element: '<', '>' and '&' (which JSON has only inside strings) become \u
 * escapes, so that no text can close the element. Returns a heap string. */
static char *json_for_html(json_t *o)
{
    char *text = json_dumps(o, CODEC_DUMP_FLAGS);
    if (!text)
        return NULL;
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += (*p == '<' || *p == '>' || *p == '&') ? 6 : 1;
    char *out = malloc(n + 1), *q = out;
    if (out) {
        for (const char *p = text; *p; p++) {
            if (*p == '<' || *p == '>' || *p == '&')
                q += sprintf(q, "\\u%04x", (unsigned)*p);
            else
                *q++ = *p;
        }
        *q = '\0';
    }
    free(text);
    return out;
}

/* What the page needs before its first call, in the page itself: this session's token and sign-in state,
 * and (when signed in) the first page of the workflow list, read through ListWorkflowSummaries like any call.
 * This saves the first page two round trips. A heap JSON text safe inside HTML. */
static char *boot_data(console_t *c, const session_t *s)
{
    char token[SESSION_TOKEN_LEN];
    session_token(&c->keys, s, token);
    bool in = signed_in(c, s);
    json_t *o = json_pack("{sssbsb}", "Token", token, "AuthRequired", c->auth != NULL, "SignedIn", in);
    if (c->auth && in)
        json_object_set_new(o, "User", json_string(s->user));
    if (in) {
        static const char body[] = "{\"MaxResults\":" CONSOLE_LIST_PAGE "}";
        awsjson_resp_t out;
        awsjson_call(c->api, api_find_internal("ListWorkflowSummaries"), body, sizeof body - 1, false, &out);
        json_t *list = out.status == 200 ? json_loadb(out.body, out.len, 0, NULL) : NULL;
        if (list)
            json_object_set_new(o, "Workflows", list);
        awsjson_resp_cleanup(&out);
    }
    char *text = json_for_html(o);
    json_decref(o);
    return text;
}

/* GET /console/: index.html with the boot data in place of its marker, and a session cookie when the
 * browser has no valid session. Never cached: it carries the token. */
static enum MHD_Result serve_page(console_t *c, struct MHD_Connection *conn)
{
    static const char marker[] = "<!--glued:boot-->";
    const console_asset_t *a = asset("index.html");
    session_t s, *issue = NULL;
    if (current_session(c, conn, &s) < 0) {
        session_new(&s, "", util_now_ms());
        issue = &s;
    }
    char *boot = boot_data(c, &s);
    const char *html = (const char *)a->data;
    const char *at = strstr(html, marker);
    if (!boot || !at) {
        free(boot);
        return refuse(c, conn, 500, GERR_INTERNAL, "The console's page could not be made");
    }
    static const char open[] = "<script type=\"application/json\" id=\"glued-boot\">", close[] = "</script>";
    size_t head = (size_t)(at - html), tail = a->len - head - (sizeof marker - 1);
    size_t n = head + strlen(open) + strlen(boot) + strlen(close) + tail;
    char *page = malloc(n + 1);
    if (!page) {
        free(boot);
        return MHD_NO;
    }
    snprintf(page, n + 1, "%.*s%s%s%s%s", (int)head, html, open, boot, close, at + sizeof marker - 1);
    free(boot);
    struct MHD_Response *r = MHD_create_response_from_buffer(n, page, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(page);
        return MHD_NO;
    }
    common_headers(r, a->type, "no-store");
    if (issue)
        set_cookie(c, conn, r, issue);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* GET /console/api/session: this browser's token, and whether it must sign in (a session is made if none). */
static enum MHD_Result serve_session(console_t *c, struct MHD_Connection *conn)
{
    session_t s, *issue = NULL;
    if (current_session(c, conn, &s) < 0) {
        session_new(&s, "", util_now_ms());
        issue = &s;
    }
    char token[SESSION_TOKEN_LEN];
    session_token(&c->keys, &s, token);
    bool in = signed_in(c, &s);
    json_t *o = json_pack("{sssbsb}", "Token", token, "AuthRequired", c->auth != NULL, "SignedIn", in);
    if (c->auth && in)
        json_object_set_new(o, "User", json_string(s.user));
    char *text = json_dumps(o, CODEC_DUMP_FLAGS);
    json_decref(o);
    enum MHD_Result ret = reply(c, conn, 200, "application/json", "no-store", text, strlen(text), issue);
    free(text);
    return ret;
}

/* POST /console/api/login {"AccessKeyId", "SecretAccessKey"}: a new session (new id, new token) for that key. */
static enum MHD_Result serve_login(console_t *c, struct MHD_Connection *conn, const char *body, size_t len)
{
    if (!c->auth)
        return refuse(c, conn, 400, GERR_INVALID_INPUT,
                      "glued requires no credentials: there is nothing to sign in to");
    json_t *in = json_loadb(body ? body : "", len, 0, NULL);
    const char *akid = json_string_value(json_object_get(in, "AccessKeyId"));
    const char *secret = json_string_value(json_object_get(in, "SecretAccessKey"));
    session_t s;
    enum MHD_Result ret;
    if (!akid || !secret || !*akid || strlen(akid) > SESSION_USER_MAX || !c->auth(c->auth_ctx, akid, secret)) {
        log_info("console: sign-in refused for access key id '%.40s'", akid ? akid : "");
        ret = refuse(c, conn, 401, "UnrecognizedClientException",
                     "The access key id or the secret access key is not right");
    } else {
        session_new(&s, akid, util_now_ms());
        char token[SESSION_TOKEN_LEN];
        session_token(&c->keys, &s, token);
        json_t *o = json_pack("{sssbsbss}", "Token", token, "AuthRequired", true, "SignedIn", true, "User", akid);
        char *text = json_dumps(o, CODEC_DUMP_FLAGS);
        json_decref(o);
        ret = reply(c, conn, 200, "application/json", "no-store", text, strlen(text), &s);
        free(text);
    }
    json_decref(in);
    return ret;
}

/* POST /console/api/logout: ends the current session (old) for good, and gives a fresh signed-out one. */
static enum MHD_Result serve_logout(console_t *c, struct MHD_Connection *conn, const session_t *old)
{
    session_t s;
    end_session(c, old, util_now_ms());
    session_new(&s, "", util_now_ms());
    char token[SESSION_TOKEN_LEN];
    session_token(&c->keys, &s, token);
    json_t *o = json_pack("{sssbsb}", "Token", token, "AuthRequired", c->auth != NULL, "SignedIn", c->auth == NULL);
    char *text = json_dumps(o, CODEC_DUMP_FLAGS);
    json_decref(o);
    enum MHD_Result ret = reply(c, conn, 200, "application/json", "no-store", text, strlen(text), &s);
    free(text);
    return ret;
}

/* POST /console/api/<Op>: a console-only read, or the AWS operation itself. */
static enum MHD_Result serve_op(console_t *c, struct MHD_Connection *conn, const char *name, const char *body,
                                size_t len, bool too_large)
{
    const api_op_t *op = api_find_internal(name);
    if (!op)
        op = api_find(name);
    if (!op) {
        char msg[300];
        snprintf(msg, sizeof msg, "Unknown operation '%.200s'", name);
        util_utf8_repair(msg);
        return refuse(c, conn, 400, GERR_UNKNOWN_OP, msg);
    }
    awsjson_resp_t out;
    awsjson_call(c->api, op, body ? body : "", len, too_large, &out);
    return send_aws(c, conn, &out, NULL);
}

/* A log's offset or tail from the query, a whole number of bytes (digits only) up to INT64_MAX, the most a file
 * offset holds: 0 with *v, or -1. A missing one is 0 with *v left as it is. */
static int log_position(const char *s, uint64_t *v)
{
    if (!s)
        return 0;
    if (!*s)
        return -1;
    uint64_t n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (n > ((uint64_t)INT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *v = n;
    return 0;
}

/* GET /console/api/log?job=J&run=R&stream=stdout|stderr[&offset=N | &tail=N][&download=1]
 * The job run is looked up with GetJobRun first, so a missing one is refused in the API's words. A read
 * answers at most LOG_CHUNK_MAX bytes from the offset, as text/plain, with X-Log-Start, X-Log-End and
 * X-Log-Size; the page follows a running job by asking again from X-Log-End. An offset past the end reads
 * nothing from the end; a negative, non-numeric or too large offset or tail is refused, whether or not it is
 * used, rather than read as 0 or as the end. */
static enum MHD_Result serve_log(console_t *c, struct MHD_Connection *conn)
{
    const char *job = query(conn, "job"), *run = query(conn, "run"), *stream = query(conn, "stream");
    const char *ext = stream && strcmp(stream, "stdout") == 0   ? "out"
                      : stream && strcmp(stream, "stderr") == 0 ? "err"
                                                                : NULL;
    if (!job || !run || !ext)
        return refuse(c, conn, 400, GERR_INVALID_INPUT,
                      "A log is asked for with job, run and stream (stdout or stderr), e.g. "
                      "/console/api/log?job=J&run=jr_...&stream=stderr");
    const char *off = query(conn, "offset"), *tail = query(conn, "tail");
    uint64_t start = 0, t = 0;
    if (log_position(off, &start) < 0)
        return refuse(c, conn, 400, GERR_INVALID_INPUT,
                      "offset must be a whole number of bytes from 0 to 9223372036854775807");
    if (log_position(tail, &t) < 0)
        return refuse(c, conn, 400, GERR_INVALID_INPUT,
                      "tail must be a whole number of bytes from 0 to 9223372036854775807");
    json_t *in = json_pack("{ssss}", "JobName", job, "RunId", run);
    char *body = in ? json_dumps(in, CODEC_DUMP_FLAGS) : NULL;
    json_decref(in);
    if (!body)
        return refuse(c, conn, 400, GERR_INVALID_INPUT, "job and run must be valid UTF-8");
    awsjson_resp_t out;
    awsjson_call(c->api, api_find("GetJobRun"), body, strlen(body), false, &out);
    free(body);
    if (out.status != 200)
        return send_aws(c, conn, &out, NULL);
    awsjson_resp_cleanup(&out);
    char path[4096];
    if (logpool_find_log(c->data_dir, run, ext, path, sizeof path) < 0) /* only a job run id names a log */
        return refuse(c, conn, 400, GERR_INVALID_INPUT, "run is not a job run id");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb = {0};
    if (fd >= 0 && fstat(fd, &sb) < 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0 && errno != ENOENT)
        log_warn("console: cannot read %s: %s", path, strerror(errno));
    uint64_t size = fd >= 0 ? (uint64_t)sb.st_size : 0;
    const char *dl = query(conn, "download");
    struct MHD_Response *r;
    char num[32];
    if (dl && strcmp(dl, "1") == 0) {
        if (fd >= 0)
            r = MHD_create_response_from_fd64(size, fd); /* MHD closes fd */
        else
            r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!r) {
            if (fd >= 0)
                close(fd);
            return MHD_NO;
        }
        common_headers(r, "text/plain; charset=utf-8", "no-store");
        char disp[200];
        snprintf(disp, sizeof disp, "attachment; filename=\"%.100s.%s.log\"", run, stream);
        MHD_add_response_header(r, "Content-Disposition", disp);
    } else {
        if (!off && tail)
            start = size > t ? size - t : 0;
        if (start > size)
            start = size;
        size_t want = size - start > LOG_CHUNK_MAX ? LOG_CHUNK_MAX : (size_t)(size - start);
        char *buf = malloc(want ? want : 1);
        ssize_t got = buf && want && fd >= 0 ? pread(fd, buf, want, (off_t)start) : 0;
        if (fd >= 0)
            close(fd);
        if (!buf)
            return MHD_NO;
        if (got < 0)
            got = 0;
        r = MHD_create_response_from_buffer((size_t)got, buf, MHD_RESPMEM_MUST_FREE);
        if (!r) {
            free(buf);
            return MHD_NO;
        }
        common_headers(r, "text/plain; charset=utf-8", "no-store");
        snprintf(num, sizeof num, "%llu", (unsigned long long)start);
        MHD_add_response_header(r, "X-Log-Start", num);
        snprintf(num, sizeof num, "%llu", (unsigned long long)(start + (uint64_t)got));
        MHD_add_response_header(r, "X-Log-End", num);
    }
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    MHD_add_response_header(r, "X-Log-Size", num);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_api(console_t *c, struct MHD_Connection *conn, const char *name, const char *method,
                                 const char *body, size_t len, bool too_large)
{
    session_t s;
    enum MHD_Result ret;
    if (strcmp(name, "session") == 0) {
        if (!is_get(method))
            return refuse(c, conn, 405, GERR_INVALID_INPUT, "session is read with GET");
        return serve_session(c, conn);
    }
    if (strcmp(name, "log") == 0) {
        if (!is_get(method))
            return refuse(c, conn, 405, GERR_INVALID_INPUT, "a log is read with GET");
        /* a read, yet private: only glued's own pages (or a typed URL) with a session may have it */
        if (!session_same_origin(header(conn, "Host"), header(conn, "Origin"), header(conn, "Sec-Fetch-Site"), true))
            return refuse(c, conn, 403, "AccessDeniedException", "Refused: a page of another origin asked for a log");
        if (current_session(c, conn, &s) < 0)
            return refuse(c, conn, 403, "InvalidTokenException", "Refused: no console session. Reload the console.");
        if (!signed_in(c, &s))
            return not_signed_in(c, conn);
        return serve_log(c, conn);
    }
    if (strcmp(method, "POST") != 0)
        return refuse(c, conn, 405, GERR_INVALID_INPUT,
                      "The console's operations are called with POST (a GET never changes anything)");
    if (!guard_post(c, conn, &s, &ret))
        return ret;
    if (strcmp(name, "login") == 0)
        return serve_login(c, conn, body, len);
    if (strcmp(name, "logout") == 0)
        return serve_logout(c, conn, &s);
    if (!signed_in(c, &s))
        return not_signed_in(c, conn);
    return serve_op(c, conn, name, body, len, too_large);
}

enum MHD_Result console_answer(console_t *c, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *body, size_t len, bool too_large)
{
    if (strcmp(url, "/") == 0 || strcmp(url, CONSOLE_PREFIX) == 0)
        return redirect(c, conn, CONSOLE_PREFIX "/");
    if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0)
        return serve_api(c, conn, url + strlen(API_PREFIX), method, body, len, too_large);
    if (!is_get(method))
        return refuse(c, conn, 405, GERR_INVALID_INPUT, "The console's pages are read with GET");
    const char *name = url + strlen(CONSOLE_PREFIX "/");
    if (*name == '\0')
        return serve_page(c, conn);
    const console_asset_t *a = asset(name);
    if (!a || strcmp(name, "index.html") == 0) {
        static const char nf[] = "Not found. The console is at /console/\n";
        return reply(c, conn, 404, "text/plain; charset=utf-8", "no-store", nf, sizeof nf - 1, NULL);
    }
    return serve_asset(c, conn, a);
}
