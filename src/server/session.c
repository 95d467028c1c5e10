/* Console sessions (see session.h). A cookie value is four dot-separated fields:
 *     hex(sid) "." expiry in ms "." hex(user) "." hex(HMAC-SHA256(key, the three fields before it))
 * Hex keeps the value inside the cookie grammar whatever the access key id holds. */
#include "server/session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

void session_keys_init(session_keys_t *k)
{
    util_random(k->key, sizeof k->key);
}

int session_new(session_t *s, const char *user, int64_t now_ms)
{
    memset(s, 0, sizeof *s);
    if (strlen(user) > SESSION_USER_MAX)
        return -1;
    util_random(s->sid, sizeof s->sid);
    s->expires_ms = now_ms + SESSION_LIFETIME_MS;
    strcpy(s->user, user);
    return 0;
}

static void mac(const session_keys_t *k, const char *msg, size_t n, uint8_t out[32])
{
    unsigned len = 32;
    HMAC(EVP_sha256(), k->key, sizeof k->key, (const unsigned char *)msg, n, out, &len);
}

void session_encode(const session_keys_t *k, const session_t *s, char *out)
{
    char sid[33], user[2 * SESSION_USER_MAX + 1], tag[65];
    util_hex(sid, s->sid, sizeof s->sid);
    util_hex(user, (const uint8_t *)s->user, strlen(s->user));
    int n = snprintf(out, SESSION_COOKIE_MAX, "%s.%lld.%s", sid, (long long)s->expires_ms, user);
    uint8_t m[32];
    mac(k, out, (size_t)n, m);
    util_hex(tag, m, sizeof m);
    snprintf(out + n, SESSION_COOKIE_MAX - (size_t)n, ".%s", tag);
}

static int unhex(const char *in, size_t n, uint8_t *out)
{
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = in[i + j];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        out[i / 2] = (uint8_t)v;
    }
    return 0;
}

int session_decode(const session_keys_t *k, const char *value, int64_t now_ms, session_t *s)
{
    memset(s, 0, sizeof *s);
    size_t len = strlen(value);
    if (len >= SESSION_COOKIE_MAX)
        return -1;
    const char *d1 = strchr(value, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    const char *d3 = d2 ? strchr(d2 + 1, '.') : NULL;
    if (!d3 || strchr(d3 + 1, '.'))
        return -1;
    uint8_t want[32], got[32];
    if (strlen(d3 + 1) != 64 || unhex(d3 + 1, 64, got) < 0)
        return -1;
    mac(k, value, (size_t)(d3 - value), want);
    if (CRYPTO_memcmp(want, got, sizeof want) != 0)
        return -1;
    /* sealed by us: the fields are well formed, but check them anyway */
    if (d1 - value != 32 || unhex(value, 32, s->sid) < 0)
        return -1;
    char *end;
    long long exp = strtoll(d1 + 1, &end, 10);
    if (end != d2 || exp <= now_ms)
        goto fail;
    s->expires_ms = exp;
    size_t ulen = (size_t)(d3 - d2 - 1);
    if (ulen > 2 * SESSION_USER_MAX || unhex(d2 + 1, ulen, (uint8_t *)s->user) < 0)
        goto fail;
    s->user[ulen / 2] = '\0';
    if (strlen(s->user) != ulen / 2) /* a NUL inside */
        goto fail;
    return 0;
fail:
    memset(s, 0, sizeof *s);
    return -1;
}

void session_token(const session_keys_t *k, const session_t *s, char *out)
{
    char msg[64];
    memcpy(msg, "csrf:", 5);
    memcpy(msg + 5, s->sid, sizeof s->sid);
    uint8_t m[32];
    mac(k, msg, 5 + sizeof s->sid, m);
    util_b64url_encode(out, m, sizeof m);
}

bool session_token_ok(const session_keys_t *k, const session_t *s, const char *token)
{
    if (!token)
        return false;
    char want[SESSION_TOKEN_LEN];
    session_token(k, s, want);
    size_t n = strlen(want);
    return strlen(token) == n && CRYPTO_memcmp(want, token, n) == 0;
}

int session_cookie_find(const char *header, const char *name, char *out, size_t outlen)
{
    if (!header)
        return -1;
    size_t nl = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = n - nl - 1;
            while (vl && (p[nl + 1 + vl - 1] == ' ' || p[nl + 1 + vl - 1] == '\t'))
                vl--;
            if (vl >= outlen)
                return -1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}

bool session_same_origin(const char *host, const char *origin, const char *sec_fetch_site, bool allow_none)
{
    if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0 &&
        !(allow_none && strcmp(sec_fetch_site, "none") == 0))
        return false;
    if (origin) {
        if (!host || !*host)
            return false;
        const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                           : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                                 : NULL;
        if (!rest || strcasecmp(rest, host) != 0)
            return false;
    }
    return true;
}
