/* Signed keyset pagination tokens (see pagetoken.h). */
#include "model/pagetoken.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define MAC_LEN 16
#define HDR_LEN 17 /* version(1) issued(8) key_int(8) */

static void put64(uint8_t *p, int64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)(v & 0xff);
}

static int64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static void mac(const uint8_t secret[32], const char *scope, const uint8_t *payload, size_t n, uint8_t out[MAC_LEN])
{
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    /* HMAC over scope || NUL || payload, so a token never verifies for another listing */
    size_t sl = strlen(scope);
    uint8_t *buf = malloc(sl + 1 + n);
    memcpy(buf, scope, sl + 1);
    memcpy(buf + sl + 1, payload, n);
    HMAC(EVP_sha256(), secret, 32, buf, sl + 1 + n, full, &len);
    free(buf);
    memcpy(out, full, MAC_LEN);
}

char *pagetoken_encode(const uint8_t secret[32], const char *scope, const char *key_str, int64_t key_int,
                       int64_t now_ms)
{
    /* the whole key, however long: a cut key would resume before the last item given, and a listing whose
     * keys are that long (a partition's index key holds all its values) would repeat one page for ever */
    size_t kl = key_str ? strlen(key_str) : 0;
    size_t n = HDR_LEN + kl;
    uint8_t *payload = malloc(n);
    payload[0] = 1;
    put64(payload + 1, now_ms);
    put64(payload + 9, key_int);
    if (kl)
        memcpy(payload + HDR_LEN, key_str, kl);
    uint8_t m[MAC_LEN];
    mac(secret, scope, payload, n, m);
    char *out = malloc(4 * (n / 3 + 1) + 1 + 4 * (MAC_LEN / 3 + 1) + 2);
    size_t o = util_b64url_encode(out, payload, n);
    out[o++] = '.';
    util_b64url_encode(out + o, m, MAC_LEN);
    free(payload);
    return out;
}

int pagetoken_decode(const uint8_t secret[32], const char *scope, const char *token, int64_t now_ms, char **key_str,
                     int64_t *key_int, gerr_t *e)
{
    *key_str = NULL;
    const char *dot = strchr(token, '.');
    if (!dot)
        return gerr_set(e, GERR_INVALID_INPUT, "NextToken is not a token this service issued");
    /* the token is as long as its key (the request body bounds it) */
    size_t pl = (size_t)(dot - token);
    uint8_t *payload = malloc(pl / 4 * 3 + 3), m[MAC_LEN + 4], want[MAC_LEN];
    if (!payload)
        return gerr_set(e, GERR_INTERNAL, "out of memory reading NextToken");
    long n = util_b64url_decode(payload, pl / 4 * 3 + 3, token, pl);
    long mn = util_b64url_decode(m, sizeof m, dot + 1, strlen(dot + 1));
    if (n < HDR_LEN || mn != MAC_LEN || payload[0] != 1) {
        free(payload);
        return gerr_set(e, GERR_INVALID_INPUT, "NextToken is not a token this service issued");
    }
    mac(secret, scope, payload, (size_t)n, want);
    if (CRYPTO_memcmp(want, m, MAC_LEN) != 0) {
        free(payload);
        return gerr_set(e, GERR_INVALID_INPUT,
                        "NextToken is not valid for this listing (was it issued for another operation or filter?)");
    }
    int64_t issued = get64(payload + 1);
    if (now_ms - issued > PAGETOKEN_TTL_MS) {
        free(payload);
        return gerr_set(e, GERR_INVALID_INPUT, "NextToken has expired (tokens last 24 hours); start the listing again");
    }
    *key_int = get64(payload + 9);
    size_t kl = (size_t)n - HDR_LEN;
    *key_str = malloc(kl + 1);
    memcpy(*key_str, payload + HDR_LEN, kl);
    (*key_str)[kl] = '\0';
    free(payload);
    return 0;
}
