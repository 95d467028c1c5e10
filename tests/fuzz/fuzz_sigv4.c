/* libFuzzer target for the SigV4 code and the credentials parser: an input is a header block
 * ("Name: value" lines, then an empty line, then a body); it goes through sigv4_parse, the clock check, the
 * canonical request (normalized and not), the string to sign and sigv4_verify with a fixed key, and the whole
 * input through auth_parse_credentials. Whatever parses must keep its promises: a parsed header has a key id,
 * an 8-digit scope date equal to its request date, and at least "host" among its signed headers; a failure
 * always leaves a sentence. Crashes, leaks, sanitizer reports and hangs are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/sigv4.h"

#define MAX_HEADERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    sigv4_pair_t hs[MAX_HEADERS];
    size_t nh = 0;
    char *p = buf, *end = buf + size, *body = end;
    while (p < end) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        *e = '\0';
        if (e == p) {
            body = e + 1 <= end ? e + 1 : end;
            break;
        }
        char *colon = strchr(p, ':');
        if (colon && nh < MAX_HEADERS) {
            *colon = '\0';
            hs[nh++] = (sigv4_pair_t){p, colon + 1};
        }
        p = e + 1;
    }
    sigv4_pair_t q[2] = {{"a", "b%2"}, {"%zz", NULL}};
    sigv4_msg_t m = {.method = "POST",
                     .path = nh ? hs[0].value : "/",
                     .query = q,
                     .nquery = 2,
                     .headers = hs,
                     .nheaders = nh,
                     .body = body,
                     .len = (size_t)(end - body)};
    sigv4_auth_t a;
    char err[1024];
    err[0] = '\0';
    int rc = sigv4_parse(&m, size & 1 ? "glue" : NULL, &a, err, sizeof err);
    if (rc != SIGV4_OK && !err[0])
        abort();
    if (rc == SIGV4_OK) {
        if (!a.key_id[0] || strlen(a.date) != 8 || memcmp(a.date, a.amz_date, 8) != 0 || a.nsigned == 0)
            abort();
        int host = 0;
        for (size_t i = 0; i < a.nsigned; i++)
            host |= strcmp(a.signed_names[i], "host") == 0;
        if (!host)
            abort();
        sigv4_check_time(&a, 1440938160000LL, err, sizeof err);
        for (int norm = 0; norm < 2; norm++) {
            char *creq = sigv4_canonical_request(&m, &a, "UNSIGNED-PAYLOAD", norm);
            if (creq) {
                char *sts = sigv4_string_to_sign(&a, creq);
                free(sts);
            }
            free(creq);
        }
        uint8_t key[32];
        sigv4_signing_key("fuzz-secret", a.date, a.region, a.service, key);
        err[0] = '\0';
        if (sigv4_verify(&m, &a, key, err, sizeof err) != SIGV4_OK && !err[0])
            abort();
    }
    auth_cred_t *v;
    size_t n;
    if (auth_parse_credentials((const char *)data, size, &v, &n, err, sizeof err) == 0) {
        for (size_t i = 1; i < n; i++)
            if (strcmp(v[i - 1].key_id, v[i].key_id) >= 0) /* sorted, no duplicates */
                abort();
        auth_creds_free(v, n);
    }
    free(buf);
    return 0;
}
