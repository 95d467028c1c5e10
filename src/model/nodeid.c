/* Graph node ids (see nodeid.h). A graph of a thousand nodes makes a thousand ids per request, so the HMAC's
 * keyed state (SHA-256 over the key's inner and outer pads) is computed once per thread and secret and copied
 * for each id: about a tenth of a one-shot HMAC(). */
#include "model/nodeid.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct keyed {
    uint8_t secret[32];
    bool ready;
    EVP_MD_CTX *inner, *outer; /* SHA-256 after absorbing key ^ ipad, key ^ opad */
    EVP_MD_CTX *work;
} keyed_t;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void keyed_free(void *p)
{
    keyed_t *k = p;
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
    EVP_MD_CTX_free(k->work);
    free(k);
}

static void make_key(void)
{
    pthread_key_create(&key, keyed_free);
}

/* The calling thread's keyed state for secret, or NULL (out of memory). */
static keyed_t *prepare(const uint8_t secret[32])
{
    pthread_once(&once, make_key);
    keyed_t *k = pthread_getspecific(key);
    if (k && k->ready && memcmp(k->secret, secret, 32) == 0)
        return k;
    if (!k) {
        if (!(k = calloc(1, sizeof *k)))
            return NULL;
        pthread_setspecific(key, k);
        k->inner = EVP_MD_CTX_new();
        k->outer = EVP_MD_CTX_new();
        k->work = EVP_MD_CTX_new();
    }
    if (!k->inner || !k->outer || !k->work)
        return NULL;
    uint8_t ipad[64], opad[64];
    memset(ipad, 0x36, sizeof ipad);
    memset(opad, 0x5c, sizeof opad);
    for (int i = 0; i < 32; i++) {
        ipad[i] ^= secret[i];
        opad[i] ^= secret[i];
    }
    k->ready = false;
    if (!EVP_DigestInit_ex(k->inner, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->inner, ipad, 64) ||
        !EVP_DigestInit_ex(k->outer, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->outer, opad, 64))
        return NULL;
    memcpy(k->secret, secret, 32);
    k->ready = true;
    return k;
}

void nodeid_make(const uint8_t secret[32], const char *workflow, const char *type, const char *name,
                 char out[NODEID_LEN])
{
    uint8_t inner[32], md[32];
    unsigned int len = 0;
    /* workflow NUL type NUL name NUL: no two triples give the same input */
    keyed_t *k = prepare(secret);
    bool ok = k && EVP_MD_CTX_copy_ex(k->work, k->inner) && EVP_DigestUpdate(k->work, workflow, strlen(workflow) + 1) &&
              EVP_DigestUpdate(k->work, type, strlen(type) + 1) && EVP_DigestUpdate(k->work, name, strlen(name) + 1) &&
              EVP_DigestFinal_ex(k->work, inner, &len) && EVP_MD_CTX_copy_ex(k->work, k->outer) &&
              EVP_DigestUpdate(k->work, inner, 32) && EVP_DigestFinal_ex(k->work, md, &len);
    if (!ok) { /* short of memory: the id must still be right, so the one-shot way */
        size_t a = strlen(workflow), b = strlen(type), c = strlen(name);
        char *p = malloc(a + b + c + 3);
        if (!p)
            abort();
        memcpy(p, workflow, a + 1);
        memcpy(p + a + 1, type, b + 1);
        memcpy(p + a + b + 2, name, c + 1);
        HMAC(EVP_sha256(), secret, 32, (const uint8_t *)p, a + b + c + 3, md, &len);
        free(p);
    }
    memcpy(out, "wnode_", 6);
    util_hex(out + 6, md, 32);
}
