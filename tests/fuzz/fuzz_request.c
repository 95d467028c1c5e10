/* libFuzzer target for the whole request path: an input is an HTTP request, in the form
 *
 *     <flags byte><METHOD> <url>[?query]\n<Name>: <value>\n...\n\n<body>
 *
 * and goes through server/http.c's http_serve exactly as a request from the socket would: routing, the body
 * limit, SigV4 checks (flags bit 0 turns --credentials on), X-Amz-Target, JSON parsing and depth bounds,
 * validation, and every handler against a real store in a throwaway directory (no engine: run changes are
 * committed and their job runs stay STARTING). Answers must be well formed: a status, and for AWS answers a
 * JSON body whose __type matches x-amzn-ErrorType. Crashes, leaks, sanitizer reports and hangs are the findings.
 * Seeds (tests/fuzz/seeds/request/) are real requests as boto3 sends them. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "server/auth.h"
#include "server/http.h"
#include "store/store.h"
#include "util/util.h"

#define MAX_PAIRS 64

static store_t *store;
static api_t api;
static http_server_t *plain, *checked;
static auth_t *auth;
static char dir[] = "/tmp/glued-fuzz-XXXXXX";

static void cleanup(void)
{
    http_stop(plain);
    http_stop(checked);
    auth_free(auth);
    store_close(store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_request: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    util_log_level(LOG_ERROR + 1); /* quiet: 5xx answers log warnings */
    if (!mkdtemp(dir))
        abort();
    char creds[256], err[512];
    store_opts_t so = {.sync_full = false};
    if (store_open(dir, &so, &store, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_request: %s\n", err);
        abort();
    }
    snprintf(creds, sizeof creds, "%s/credentials", dir);
    FILE *f = fopen(creds, "w");
    fputs("[default]\naws_access_key_id = AKIDFUZZ\naws_secret_access_key = fuzz-secret\n", f);
    fclose(f);
    if (auth_open(creds, store, &auth, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_request: %s\n", err);
        abort();
    }
    api = (api_t){.store = store,
                  .flow = {.store = store, .node = "fuzz"}, /* no engine: what a request makes ready stays ready */
                  .cfg = {.region = "us-east-1",
                          .account = "123456789012",
                          .max_workflows = 200,
                          .max_jobs = 200,
                          .max_triggers = 200,
                          .max_crawlers = 200}};
    http_opts_t o = {.host = "fuzz", .api = true, .metrics = true};
    plain = http_detached(&api, &o);
    o.auth = auth;
    checked = http_detached(&api, &o);
    atexit(cleanup);
    return 0;
}

/* Splits data into a request; strings point into buf (a NUL-terminated copy). */
static int parse(char *buf, size_t len, http_request_t *r, sigv4_pair_t *hs, sigv4_pair_t *qs)
{
    char *end = buf + len, *nl = memchr(buf, '\n', len);
    if (!nl)
        return -1;
    *nl = '\0';
    char *sp = strchr(buf, ' ');
    if (!sp)
        return -1;
    *sp = '\0';
    r->method = buf;
    r->url = sp + 1;
    char *q = strchr(sp + 1, '?');
    size_t nq = 0;
    if (q) {
        *q++ = '\0';
        for (char *save = NULL, *pair = strtok_r(q, "&", &save); pair && nq < MAX_PAIRS;
             pair = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(pair, '=');
            if (eq)
                *eq++ = '\0';
            qs[nq++] = (sigv4_pair_t){pair, eq};
        }
    }
    size_t nh = 0;
    char *p = nl + 1;
    while (p < end) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        *e = '\0';
        if (e == p) { /* the empty line: the body follows */
            p = e + 1;
            break;
        }
        char *colon = strchr(p, ':');
        if (colon && nh < MAX_PAIRS) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            hs[nh++] = (sigv4_pair_t){p, v};
        }
        p = e + 1;
    }
    r->headers = hs;
    r->nheaders = nh;
    r->query = qs;
    r->nquery = nq;
    r->body = p < end ? p : "";
    r->len = p < end ? (size_t)(end - p) : 0;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20))
        return 0;
    uint8_t flags = data[0];
    char *buf = malloc(size);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    http_request_t r = {0};
    sigv4_pair_t hs[MAX_PAIRS], qs[MAX_PAIRS];
    if (parse(buf, size - 1, &r, hs, qs) == 0) {
        http_answer_t a = {0};
        http_serve(flags & 1 ? checked : plain, &r, &a);
        if (a.status < 200 || a.status > 599 || !a.content_type)
            abort();
        if (a.request_id[0]) { /* an AWS answer: JSON, and an error names its type in both places */
            json_t *j = json_loadb(a.body, a.len, 0, NULL);
            if (!j)
                abort();
            const char *type = json_string_value(json_object_get(j, "__type"));
            if ((a.status != 200) != (a.error_type != NULL) || (a.error_type && (!type || strcmp(type, a.error_type))))
                abort();
            json_decref(j);
        }
        http_answer_cleanup(&a);
    }
    free(buf);
    return 0;
}
