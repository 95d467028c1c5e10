/* libcurl calls for the subcommands (see client.h). One easy handle per client, so that connections are
 * reused across the many calls `glued run` makes while it follows a run. */
#include "cli/client.h"

#define CURL_DISABLE_TYPECHECK /* calls go through the table below, not the type-checking macros */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/dynlib.h"

/* libcurl is loaded when a client subcommand first needs it (util/dynlib.h): the server does without it. */
// clang-format off
#define CURL_FUNCS(X) \
    X(curl_global_init) \
    X(curl_easy_init) \
    X(curl_easy_reset) \
    X(curl_easy_setopt) \
    X(curl_easy_perform) \
    X(curl_easy_getinfo) \
    X(curl_easy_strerror) \
    X(curl_easy_cleanup) \
    X(curl_slist_append) \
    X(curl_slist_free_all)
// clang-format on
static struct {
    CURL_FUNCS(DYNLIB_DECL)
} cu;
static const char *const cu_names[] = {CURL_FUNCS(DYNLIB_NAME)};
static dynlib_t libcurl = {.sonames = (const char *const[]){"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL},
                           .what = "libcurl, which the client subcommands need (Debian's libcurl4 package)",
                           .names = cu_names,
                           .n = sizeof cu_names / sizeof cu_names[0],
                           .table = &cu,
                           .lock = PTHREAD_MUTEX_INITIALIZER};

#define CLIENT_MAX_ANSWER (64u << 20) /* bytes of one answer */

struct client {
    CURL *curl;
    char *endpoint;
    char sigv4[128];
    const char *key, *secret, *token;
};

typedef struct buf {
    char *p;
    size_t n;
    bool too_big;
} buf_t;

const char *client_default_endpoint(const char *given)
{
    if (given && *given)
        return given;
    const char *e = getenv("AWS_ENDPOINT_URL_GLUE");
    if (e && *e)
        return e;
    e = getenv("AWS_ENDPOINT_URL");
    if (e && *e)
        return e;
    return "http://127.0.0.1:8080";
}

const char *client_load_error(void)
{
    return libcurl.state < 0 ? libcurl.err : NULL;
}

client_t *client_new(const char *endpoint)
{
    static bool global_done;
    if (dynlib_load(&libcurl) < 0)
        return NULL;
    if (!global_done) {
        if (cu.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        global_done = true;
    }
    client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->curl = cu.curl_easy_init();
    c->endpoint = strdup(endpoint);
    if (!c->curl || !c->endpoint) {
        client_free(c);
        return NULL;
    }
    const char *region = getenv("AWS_REGION");
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    if (!region || !*region)
        region = "us-east-1";
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:glue", region);
    c->key = getenv("AWS_ACCESS_KEY_ID");
    c->secret = getenv("AWS_SECRET_ACCESS_KEY");
    c->token = getenv("AWS_SESSION_TOKEN");
    if (!c->key || !*c->key || !c->secret || !*c->secret)
        c->key = c->secret = NULL;
    return c;
}

void client_free(client_t *c)
{
    if (!c)
        return;
    if (c->curl)
        cu.curl_easy_cleanup(c->curl);
    free(c->endpoint);
    free(c);
}

const char *client_endpoint(const client_t *c)
{
    return c->endpoint;
}

bool client_err_is(const client_err_t *err, const char *type)
{
    return strcmp(err->type, type) == 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf_t *b = userdata;
    size_t n = size * nmemb;
    if (b->n + n > CLIENT_MAX_ANSWER) {
        b->too_big = true;
        return 0;
    }
    char *p = realloc(b->p, b->n + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, ptr, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

int client_call(client_t *c, const char *op, json_t *in, json_t **out, client_err_t *err)
{
    memset(err, 0, sizeof *err);
    *out = NULL;
    char *body = in ? json_dumps(in, JSON_COMPACT) : strdup("{}");
    char target[160], tokhdr[4096];
    snprintf(target, sizeof target, "X-Amz-Target: AWSGlue.%s", op);
    struct curl_slist *h = NULL;
    h = cu.curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
    h = cu.curl_slist_append(h, target);
    /* no "Expect:" removal here: curl would sign the header it then leaves out (bodies stay far below the size
     * at which curl adds Expect: 100-continue) */
    if (c->key && c->token && *c->token) {
        snprintf(tokhdr, sizeof tokhdr, "X-Amz-Security-Token: %s", c->token);
        h = cu.curl_slist_append(h, tokhdr);
    }
    buf_t b = {0};
    CURL *k = c->curl;
    cu.curl_easy_reset(k);
    cu.curl_easy_setopt(k, CURLOPT_URL, c->endpoint);
    cu.curl_easy_setopt(k, CURLOPT_POST, 1L);
    cu.curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
    cu.curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    cu.curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
    cu.curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_data);
    cu.curl_easy_setopt(k, CURLOPT_WRITEDATA, &b);
    cu.curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 5L);
    cu.curl_easy_setopt(k, CURLOPT_TIMEOUT, 120L);
    cu.curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    cu.curl_easy_setopt(k, CURLOPT_USERAGENT, "glued-cli");
    /* the CA bundle that the AWS CLI and SDKs take from AWS_CA_BUNDLE (for a glued with its own certificate) */
    const char *ca = getenv("AWS_CA_BUNDLE");
    if (ca && *ca)
        cu.curl_easy_setopt(k, CURLOPT_CAINFO, ca);
    if (c->key) {
        cu.curl_easy_setopt(k, CURLOPT_AWS_SIGV4, c->sigv4);
        cu.curl_easy_setopt(k, CURLOPT_USERNAME, c->key);
        cu.curl_easy_setopt(k, CURLOPT_PASSWORD, c->secret);
    }
    CURLcode rc = cu.curl_easy_perform(k);
    int ret = -1;
    if (rc != CURLE_OK) {
        snprintf(err->msg, sizeof err->msg, "cannot reach %s: %s", c->endpoint,
                 b.too_big ? "the answer is larger than 64 MiB" : cu.curl_easy_strerror(rc));
        goto out;
    }
    cu.curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &err->status);
    json_error_t je;
    json_t *j = b.p ? json_loads(b.p, 0, &je) : NULL;
    if (!json_is_object(j)) {
        snprintf(err->msg, sizeof err->msg, "%s answered HTTP %ld without an AWS JSON body (is it glued?)", c->endpoint,
                 err->status);
        json_decref(j);
        goto out;
    }
    if (err->status != 200) {
        const char *type = json_string_value(json_object_get(j, "__type"));
        const char *msg = json_string_value(json_object_get(j, "Message"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "message"));
        const char *hash = type ? strrchr(type, '#') : NULL;
        snprintf(err->type, sizeof err->type, "%s", hash ? hash + 1 : type ? type : "UnknownError");
        snprintf(err->msg, sizeof err->msg, "%s", msg ? msg : "(no message)");
        json_decref(j);
        goto out;
    }
    *out = j;
    ret = 0;
out:
    cu.curl_slist_free_all(h);
    free(b.p);
    free(body);
    return ret;
}
