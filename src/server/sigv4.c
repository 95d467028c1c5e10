/* SigV4 (see sigv4.h). Reading order: small text helpers, the Authorization header and the date, the clock
 * check, the canonical request (path, query, headers, payload hash), the string to sign and the key, verify. */
#include "server/sigv4.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/sbuf.h"
#include "util/util.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_CREQ  (1u << 20)

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* Appends s[0..n) percent-encoded as AWS does (RFC 3986 unreserved kept, everything else %XX upper case);
 * keep_slash leaves '/' as is (paths). */
static void sb_uri_encode(sbuf_t *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            sbuf_add(b, (const char *)&s[i], 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sbuf_add(b, e, 3);
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX in s into a new heap string of *n bytes ('+' stays '+': SigV4 knows no form encoding). */
static char *pct_decode(const char *s, size_t *n)
{
    size_t l = strlen(s), o = 0;
    char *out = malloc(l + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < l; i++) {
        int h, lo;
        if (s[i] == '%' && i + 2 < l && (h = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(h << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *n = o;
    return out;
}

/* SHA-256 through a digest fetched once: OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up by
 * name on every call, which cost several times the hashing of a request's few hundred bytes. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md(void)
{
    pthread_once(&sha256_once, sha256_fetch);
    return sha256_md ? sha256_md : EVP_sha256();
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    uint8_t h[SHA256_DIGEST_LENGTH];
    EVP_Digest(data, n, h, NULL, md(), NULL);
    util_hex(out, h, sizeof h);
}

/* HMAC-SHA256 (RFC 2104) on that digest: two hashes over the padded key. */
static void hmac(const uint8_t *key, size_t keylen, const char *msg, size_t n, uint8_t out[32])
{
    uint8_t k[64] = {0}, pad[64], inner[32];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (keylen > sizeof k)
        EVP_Digest(key, keylen, k, NULL, md(), NULL);
    else
        memcpy(k, key, keylen);
    bool ok = c != NULL;
    for (size_t i = 0; i < sizeof k; i++)
        pad[i] = k[i] ^ 0x36;
    ok = ok && EVP_DigestInit_ex(c, md(), NULL) && EVP_DigestUpdate(c, pad, sizeof pad) &&
         EVP_DigestUpdate(c, msg, n) && EVP_DigestFinal_ex(c, inner, NULL);
    for (size_t i = 0; i < sizeof k; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(c, md(), NULL) && EVP_DigestUpdate(c, pad, sizeof pad) &&
         EVP_DigestUpdate(c, inner, sizeof inner) && EVP_DigestFinal_ex(c, out, NULL);
    if (!ok)
        memset(out, 0, 32); /* matches no signature */
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
}

/* First header named name (case-insensitive), or NULL. */
static const char *header(const sigv4_msg_t *m, const char *name)
{
    for (size_t i = 0; i < m->nheaders; i++)
        if (m->headers[i].name && strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value ? m->headers[i].value : "";
    return NULL;
}

static bool all(const char *s, size_t n, int (*pred)(int))
{
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i]))
            return false;
    return true;
}

static int scope_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int digit(int c)
{
    return c >= '0' && c <= '9';
}

static int key_char(int c)
{
    return c > ' ' && c < 0x7f && c != '/' && c != ',' && c != '=';
}

static int header_name_char(int c)
{
    return c > ' ' && c < 0x7f && c != ':' && c != ';';
}

/* ---- the date ---- */

void sigv4_format_time(int64_t ms, char out[17])
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        memcpy(out, "00000000T000000Z", 17);
        return;
    }
    const int f[6] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
    const int w[6] = {4, 2, 2, 2, 2, 2}, at[6] = {0, 4, 6, 9, 11, 13};
    for (int i = 0; i < 6; i++)
        for (int d = w[i] - 1, v = f[i]; d >= 0; d--, v /= 10)
            out[at[i] + d] = (char)('0' + v % 10);
    out[8] = 'T';
    out[15] = 'Z';
    out[16] = '\0';
}

/* YYYYMMDDTHHMMSSZ to ms; -1 if it is not that form or not a real instant. */
static int parse_basic(const char *s, int64_t *ms)
{
    if (strlen(s) != 16 || !all(s, 8, digit) || s[8] != 'T' || !all(s + 9, 6, digit) || s[15] != 'Z')
        return -1;
    struct tm tm = {0};
    tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
    tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
    tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
    tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
    tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
    tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return -1;
    struct tm check = tm;
    time_t t = timegm(&tm);
    if (tm.tm_mday != check.tm_mday) /* 31 February rolled over */
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

/* An RFC 7231 Date ("Sun, 30 Aug 2015 12:36:00 GMT") to ms; -1 otherwise. */
static int parse_http_date(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return -1;
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

/* ---- the Authorization header ---- */

static int incomplete(char *err, size_t errlen, const char *fmt, const char *arg)
{
    snprintf(err, errlen, fmt, arg);
    return SIGV4_INCOMPLETE;
}

/* Credential=KEY/DATE/REGION/SERVICE/aws4_request */
static int parse_credential(const char *v, size_t n, const char *service, sigv4_auth_t *a, char *err, size_t errlen)
{
    const char *part[5];
    size_t plen[5], k = 0;
    const char *p = v, *end = v + n;
    while (k < 5) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        part[k] = p;
        plen[k] = slash ? (size_t)(slash - p) : (size_t)(end - p);
        k++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (k != 5 || part[4] + plen[4] != end) {
        snprintf(err, errlen,
                 "Credential must have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request; got '%.*s'.",
                 (int)(n > 200 ? 200 : n), v);
        return SIGV4_INCOMPLETE;
    }
    if (plen[0] == 0 || plen[0] > SIGV4_MAX_KEY_ID || !all(part[0], plen[0], key_char))
        return incomplete(err, errlen, "Credential's access key id is empty, longer than 128 characters or %s.",
                          "holds characters outside printable ASCII");
    memcpy(a->key_id, part[0], plen[0]);
    a->key_id[plen[0]] = '\0';
    if (plen[1] != 8 || !all(part[1], 8, digit))
        return incomplete(err, errlen, "Credential's date must be YYYYMMDD%s.", "");
    memcpy(a->date, part[1], 8);
    a->date[8] = '\0';
    if (plen[2] == 0 || plen[2] >= sizeof a->region || !all(part[2], plen[2], scope_char))
        return incomplete(err, errlen, "Credential should be scoped to a valid region%s.", "");
    memcpy(a->region, part[2], plen[2]);
    a->region[plen[2]] = '\0';
    if (plen[3] == 0 || plen[3] >= sizeof a->service || !all(part[3], plen[3], scope_char) ||
        (service && (strlen(service) != plen[3] || memcmp(service, part[3], plen[3]) != 0))) {
        snprintf(err, errlen, "Credential should be scoped to correct service: '%s'.", service ? service : "glue");
        return SIGV4_INCOMPLETE;
    }
    memcpy(a->service, part[3], plen[3]);
    a->service[plen[3]] = '\0';
    if (plen[4] != 12 || memcmp(part[4], "aws4_request", 12) != 0) {
        snprintf(err, errlen, "Credential should be scoped with a valid terminator: 'aws4_request', not '%.*s'.",
                 (int)(plen[4] > 40 ? 40 : plen[4]), part[4]);
        return SIGV4_INCOMPLETE;
    }
    return SIGV4_OK;
}

/* SignedHeaders=a;b;c (lower-cased into a->signed_list, split into a->signed_names) */
static int parse_signed(const char *v, size_t n, sigv4_auth_t *a, char *err, size_t errlen)
{
    if (n == 0 || n > SIGV4_MAX_SIGNED_S)
        return incomplete(err, errlen, "SignedHeaders must name between 1 and %s.", "64 headers (1024 characters)");
    for (size_t i = 0; i < n; i++)
        a->signed_list[i] = (char)tolower((unsigned char)v[i]);
    a->signed_list[n] = '\0';
    memcpy(a->signed_names_buf, a->signed_list, n + 1);
    a->nsigned = 0;
    bool host = false;
    char *save = NULL;
    for (char *t = a->signed_names_buf;; t = NULL) {
        char *name = strtok_r(t, ";", &save);
        if (!name)
            break;
        if (a->nsigned == SIGV4_MAX_SIGNED || !all(name, strlen(name), header_name_char))
            return incomplete(err, errlen, "SignedHeaders must be header names separated by ';'%s.",
                              a->nsigned == SIGV4_MAX_SIGNED ? ", at most 64 of them" : "");
        host |= strcmp(name, "host") == 0;
        a->signed_names[a->nsigned++] = name;
    }
    if (a->nsigned == 0 || v[0] == ';' || v[n - 1] == ';' || strstr(a->signed_list, ";;"))
        return incomplete(err, errlen, "SignedHeaders must be header names separated by ';'%s.", "");
    if (!host)
        return incomplete(err, errlen, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.%s",
                          "");
    return SIGV4_OK;
}

int sigv4_parse(const sigv4_msg_t *m, const char *service, sigv4_auth_t *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    err[0] = '\0';
    const char *h = header(m, "authorization");
    if (!h || !*h) {
        snprintf(err, errlen, "Missing Authentication Token");
        return SIGV4_MISSING;
    }
    while (*h == ' ' || *h == '\t')
        h++;
    size_t alg = strlen(ALGORITHM);
    if (strncmp(h, ALGORITHM, alg) != 0 || (h[alg] != ' ' && h[alg] != '\t' && h[alg] != '\0')) {
        size_t w = strcspn(h, " \t");
        snprintf(err, errlen, "Unsupported Authorization type '%.*s': glued accepts only " ALGORITHM " signatures.",
                 (int)(w > 40 ? 40 : w), h);
        return SIGV4_INCOMPLETE;
    }
    bool have_cred = false, have_signed = false, have_sig = false;
    const char *p = h + alg;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, ",");
        size_t tn = n;
        while (tn && (p[tn - 1] == ' ' || p[tn - 1] == '\t'))
            tn--;
        const char *eq = memchr(p, '=', tn);
        if (!eq) {
            snprintf(err, errlen, "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization header.",
                     (int)(tn > 60 ? 60 : tn), p);
            return SIGV4_INCOMPLETE;
        }
        size_t kn = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vn = tn - kn - 1;
        int rc = SIGV4_OK;
        bool *seen = NULL;
        if (kn == 10 && memcmp(p, "Credential", 10) == 0) {
            seen = &have_cred;
            if (!*seen)
                rc = parse_credential(v, vn, service, a, err, errlen);
        } else if (kn == 13 && memcmp(p, "SignedHeaders", 13) == 0) {
            seen = &have_signed;
            if (!*seen)
                rc = parse_signed(v, vn, a, err, errlen);
        } else if (kn == 9 && memcmp(p, "Signature", 9) == 0) {
            seen = &have_sig;
            if (!*seen) {
                uint8_t *sig = a->signature;
                if (vn != 64)
                    rc = incomplete(err, errlen, "Signature must be 64 hexadecimal digits%s.", "");
                for (size_t i = 0; rc == SIGV4_OK && i < 32; i++) {
                    int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
                    if (hi < 0 || lo < 0)
                        rc = incomplete(err, errlen, "Signature must be 64 hexadecimal digits%s.", "");
                    else
                        sig[i] = (uint8_t)(hi << 4 | lo);
                }
            }
        }
        if (rc != SIGV4_OK)
            return rc;
        if (seen && *seen) {
            snprintf(err, errlen, "Authorization header names '%.*s' more than once.", (int)kn, p);
            return SIGV4_INCOMPLETE;
        }
        if (seen)
            *seen = true;
        p += n;
    }
    if (!have_cred || !have_signed || !have_sig) {
        snprintf(err, errlen, "%s%s%sAuthorization=" ALGORITHM,
                 have_cred ? "" : "Authorization header requires 'Credential' parameter. ",
                 have_sig ? "" : "Authorization header requires 'Signature' parameter. ",
                 have_signed ? "" : "Authorization header requires 'SignedHeaders' parameter. ");
        return SIGV4_INCOMPLETE;
    }
    const char *d = header(m, "x-amz-date");
    if (d) {
        if (parse_basic(d, &a->time_ms) < 0) {
            snprintf(err, errlen,
                     "Date must be in ISO-8601 'basic format'. Got '%.40s'. See "
                     "http://en.wikipedia.org/wiki/ISO_8601",
                     d);
            return SIGV4_INCOMPLETE;
        }
    } else if ((d = header(m, "date"))) {
        if (parse_http_date(d, &a->time_ms) < 0) {
            snprintf(err, errlen,
                     "Date header must be an HTTP date such as 'Sun, 30 Aug 2015 12:36:00 GMT'. "
                     "Got '%.40s'.",
                     d);
            return SIGV4_INCOMPLETE;
        }
    } else {
        snprintf(err, errlen,
                 "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                 "Authorization=" ALGORITHM " Credential=%s/%s/%s/%s/aws4_request",
                 a->key_id, a->date, a->region, a->service);
        return SIGV4_INCOMPLETE;
    }
    /* X-Amz-Target names the operation: unsigned, a captured request could be replayed as another one (the body's
     * hash holds only the body). Every SDK signs it. */
    if (header(m, "x-amz-target")) {
        bool signed_target = false;
        for (size_t i = 0; i < a->nsigned; i++)
            signed_target |= strcmp(a->signed_names[i], "x-amz-target") == 0;
        if (!signed_target)
            return incomplete(err, errlen,
                              "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization: it names the "
                              "operation.%s",
                              "");
    }
    sigv4_format_time(a->time_ms, a->amz_date);
    if (memcmp(a->amz_date, a->date, 8) != 0) {
        snprintf(err, errlen,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                 "'%s' != '%.8s', from '%s'.",
                 a->date, a->amz_date, a->amz_date);
        return SIGV4_MISMATCH;
    }
    return SIGV4_OK;
}

int sigv4_check_time(const sigv4_auth_t *a, int64_t now_ms, char *err, size_t errlen)
{
    char req[17], edge[17], now[17];
    if (a->time_ms < now_ms - SIGV4_SKEW_MS) {
        sigv4_format_time(a->time_ms, req);
        sigv4_format_time(now_ms - SIGV4_SKEW_MS, edge);
        sigv4_format_time(now_ms, now);
        snprintf(err, errlen, "Signature expired: %s is now earlier than %s (%s - 5 min.)", req, edge, now);
        return SIGV4_EXPIRED;
    }
    if (a->time_ms > now_ms + SIGV4_SKEW_MS) {
        sigv4_format_time(a->time_ms, req);
        sigv4_format_time(now_ms + SIGV4_SKEW_MS, edge);
        sigv4_format_time(now_ms, now);
        snprintf(err, errlen, "Signature not yet current: %s is still later than %s (%s + 5 min.)", req, edge, now);
        return SIGV4_EXPIRED;
    }
    return SIGV4_OK;
}

/* ---- the canonical request ---- */

/* The path with dot segments and empty segments removed, as botocore and the JS SDK do for every service
 * but S3: "/a/./b/../c//" -> "/a/c/"; "" -> "/". */
static void normalized_path(sbuf_t *b, const char *path)
{
    size_t n = strlen(path);
    if (n == 0) {
        sbuf_str(b, "/");
        return;
    }
    /* segments as (start, len) pairs; at most one per byte */
    size_t *seg = malloc((n + 1) * 2 * sizeof *seg), k = 0;
    if (!seg) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t l = j - i;
        if (l == 0 || (l == 1 && path[i] == '.')) {
            /* skip */
        } else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (k)
                k--;
        } else {
            seg[2 * k] = i;
            seg[2 * k + 1] = l;
            k++;
        }
        i = j + 1;
    }
    if (path[0] == '/')
        sbuf_str(b, "/");
    for (size_t s = 0; s < k; s++) {
        if (s)
            sbuf_str(b, "/");
        sbuf_add(b, path + seg[2 * s], seg[2 * s + 1]);
    }
    if (path[n - 1] == '/' && k)
        sbuf_str(b, "/");
    if (b->len == 0)
        sbuf_str(b, "/");
    free(seg);
}

typedef struct qpair {
    char *k, *v; /* encoded */
} qpair_t;

static int qpair_cmp(const void *x, const void *y)
{
    const qpair_t *a = x, *b = y;
    int c = strcmp(a->k, b->k);
    return c ? c : strcmp(a->v, b->v);
}

static char *encode_component(const char *raw)
{
    size_t n;
    char *dec = pct_decode(raw, &n);
    if (!dec)
        return NULL;
    sbuf_t b = {.max = MAX_CREQ - 1};
    sb_uri_encode(&b, dec, n, false);
    free(dec);
    return sbuf_take(&b);
}

static void canonical_query(sbuf_t *b, const sigv4_msg_t *m)
{
    if (m->nquery == 0)
        return;
    qpair_t *v = calloc(m->nquery, sizeof *v);
    if (!v) {
        b->failed = true;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < m->nquery; i++) {
        v[k].k = encode_component(m->query[i].name ? m->query[i].name : "");
        v[k].v = encode_component(m->query[i].value ? m->query[i].value : "");
        if (!v[k].k || !v[k].v) {
            b->failed = true;
            free(v[k].k);
            free(v[k].v);
            continue;
        }
        k++;
    }
    qsort(v, k, sizeof *v, qpair_cmp);
    for (size_t i = 0; i < k; i++) {
        if (i)
            sbuf_str(b, "&");
        sbuf_str(b, v[i].k);
        sbuf_str(b, "=");
        sbuf_str(b, v[i].v);
        free(v[i].k);
        free(v[i].v);
    }
    free(v);
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* value with leading and trailing white space removed and inner runs of it collapsed to one space */
static void sb_trimall(sbuf_t *b, const char *v)
{
    bool pending = false, any = false;
    for (const char *p = v; *p; p++) {
        if (space(*p)) {
            pending = any;
            continue;
        }
        if (pending)
            sbuf_str(b, " ");
        pending = false;
        any = true;
        sbuf_add(b, p, 1);
    }
}

char *sigv4_canonical_request(const sigv4_msg_t *m, const sigv4_auth_t *a, const char *payload_hash, bool normalize)
{
    sbuf_t b = {.max = MAX_CREQ - 1}, path = {.max = MAX_CREQ - 1};
    sbuf_str(&b, m->method ? m->method : "");
    sbuf_str(&b, "\n");
    if (normalize)
        normalized_path(&path, m->path ? m->path : "");
    else
        sbuf_str(&path, m->path && *m->path ? m->path : "/");
    if (path.failed)
        b.failed = true;
    else
        sb_uri_encode(&b, path.p, path.len, true);
    free(path.p);
    sbuf_str(&b, "\n");
    canonical_query(&b, m);
    sbuf_str(&b, "\n");
    for (size_t s = 0; s < a->nsigned; s++) {
        sbuf_str(&b, a->signed_names[s]);
        sbuf_str(&b, ":");
        bool first = true;
        for (size_t i = 0; i < m->nheaders; i++) {
            if (!m->headers[i].name || strcasecmp(m->headers[i].name, a->signed_names[s]) != 0)
                continue;
            if (!first)
                sbuf_str(&b, ",");
            first = false;
            sb_trimall(&b, m->headers[i].value ? m->headers[i].value : "");
        }
        sbuf_str(&b, "\n");
    }
    sbuf_str(&b, "\n");
    sbuf_str(&b, a->signed_list);
    sbuf_str(&b, "\n");
    sbuf_str(&b, payload_hash);
    return sbuf_take(&b);
}

char *sigv4_string_to_sign(const sigv4_auth_t *a, const char *canonical_request)
{
    char h[65];
    sha256_hex(canonical_request, strlen(canonical_request), h);
    size_t n =
        strlen(ALGORITHM) + 1 + 16 + 1 + strlen(a->date) + strlen(a->region) + strlen(a->service) + 16 + 1 + 64 + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    snprintf(s, n, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", a->amz_date, a->date, a->region, a->service, h);
    return s;
}

void sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service, uint8_t out[32])
{
    size_t sl = strlen(secret);
    char *k = malloc(sl + 5);
    uint8_t a[32], b[32];
    if (!k) {
        memset(out, 0, 32);
        return;
    }
    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, sl + 1);
    hmac((const uint8_t *)k, sl + 4, date, strlen(date), a);
    hmac(a, 32, region, strlen(region), b);
    hmac(b, 32, service, strlen(service), a);
    hmac(a, 32, "aws4_request", 12, out);
    OPENSSL_cleanse(k, sl + 4);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    free(k);
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (hexval(s[i]) < 0)
            return false;
    return true;
}

int sigv4_verify(const sigv4_msg_t *m, const sigv4_auth_t *a, const uint8_t signing_key[32], char *err, size_t errlen)
{
    char body_hash[65];
    sha256_hex(m->body ? m->body : "", m->len, body_hash);
    const char *declared = header(m, "x-amz-content-sha256");
    if (declared) {
        if (!is_hex64(declared)) {
            snprintf(err, errlen,
                     "x-amz-content-sha256 must be the SHA-256 of the request body in hex; "
                     "glued does not accept unsigned or streaming payloads.");
            return SIGV4_INCOMPLETE;
        }
        if (strcasecmp(declared, body_hash) != 0) {
            snprintf(err, errlen, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            return SIGV4_MISMATCH;
        }
    }
    char *creq = sigv4_canonical_request(m, a, declared ? declared : body_hash, true);
    char *sts = creq ? sigv4_string_to_sign(a, creq) : NULL;
    int rc = SIGV4_MISMATCH;
    if (sts) {
        uint8_t mac[32];
        hmac(signing_key, 32, sts, strlen(sts), mac);
        if (CRYPTO_memcmp(mac, a->signature, 32) == 0)
            rc = SIGV4_OK;
        OPENSSL_cleanse(mac, sizeof mac);
    }
    free(creq);
    free(sts);
    if (rc != SIGV4_OK)
        snprintf(err, errlen,
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service "
                 "documentation for details.");
    return rc;
}

int sigv4_scope_region(const char *auth, char *out, size_t outlen)
{
    if (!auth)
        return -1;
    const char *p = strstr(auth, "Credential=");
    if (!p)
        return -1;
    p += strlen("Credential=");
    /* skip key id and date: AKID/DATE/REGION/... */
    for (int i = 0; i < 2; i++) {
        p = strchr(p, '/');
        if (!p)
            return -1;
        p++;
    }
    const char *end = strchr(p, '/');
    if (!end || end == p || (size_t)(end - p) >= outlen)
        return -1;
    for (const char *q = p; q < end; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
            return -1;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 0;
}
