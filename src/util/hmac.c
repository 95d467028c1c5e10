/* HMAC-SHA-256 with the keyed state kept per thread (see hmac.h). */
#include "util/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define KEYS 4 /* keys kept per thread: the store's secret and what is derived from it */

typedef struct keyed {
    uint8_t key[32];
    bool ready;
    EVP_MD_CTX *inner, *outer; /* SHA-256 after absorbing key ^ ipad, key ^ opad */
} keyed_t;

typedef struct cache {
    keyed_t k[KEYS];
    unsigned next; /* the slot a new key takes */
    EVP_MD_CTX *work;
} cache_t;

static pthread_key_t tls;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
    cache_t *c = p;
    for (int i = 0; i < KEYS; i++) {
        EVP_MD_CTX_free(c->k[i].inner);
        EVP_MD_CTX_free(c->k[i].outer);
    }
    EVP_MD_CTX_free(c->work);
    free(c);
}

static void make_tls(void)
{
    pthread_key_create(&tls, cache_free);
}

/* The calling thread's cache, or NULL (out of memory). */
static cache_t *thread_cache(void)
{
    pthread_once(&once, make_tls);
    cache_t *c = pthread_getspecific(tls);
    if (c)
        return c;
    if (!(c = calloc(1, sizeof *c)))
        return NULL;
    c->work = EVP_MD_CTX_new();
    for (int i = 0; i < KEYS; i++) {
        c->k[i].inner = EVP_MD_CTX_new();
        c->k[i].outer = EVP_MD_CTX_new();
    }
    bool ok = c->work;
    for (int i = 0; i < KEYS; i++)
        ok = ok && c->k[i].inner && c->k[i].outer;
    if (!ok || pthread_setspecific(tls, c) != 0) {
        cache_free(c);
        return NULL;
    }
    return c;
}

/* The keyed state of key in c, made in the oldest slot when it is not there; NULL on failure. */
static keyed_t *keyed(cache_t *c, const uint8_t key[32])
{
    for (int i = 0; i < KEYS; i++)
        if (c->k[i].ready && memcmp(c->k[i].key, key, 32) == 0)
            return &c->k[i];
    keyed_t *k = &c->k[c->next];
    c->next = (c->next + 1) % KEYS;
    uint8_t ipad[64], opad[64];
    memset(ipad, 0x36, sizeof ipad);
    memset(opad, 0x5c, sizeof opad);
    for (int i = 0; i < 32; i++) {
        ipad[i] ^= key[i];
        opad[i] ^= key[i];
    }
    k->ready = false;
    if (!EVP_DigestInit_ex(k->inner, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->inner, ipad, 64) ||
        !EVP_DigestInit_ex(k->outer, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->outer, opad, 64))
        return NULL;
    memcpy(k->key, key, 32);
    k->ready = true;
    return k;
}

void hmac256(const uint8_t key[32], const hmac_part_t *parts, size_t n, uint8_t out[32])
{
    cache_t *c = thread_cache();
    keyed_t *k = c ? keyed(c, key) : NULL;
    uint8_t inner[32];
    unsigned int len = 0;
    bool ok = k && EVP_MD_CTX_copy_ex(c->work, k->inner);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c->work, parts[i].p, parts[i].n);
    ok = ok && EVP_DigestFinal_ex(c->work, inner, &len) && EVP_MD_CTX_copy_ex(c->work, k->outer) &&
         EVP_DigestUpdate(c->work, inner, 32) && EVP_DigestFinal_ex(c->work, out, &len);
    if (ok)
        return;
    /* short of memory: the answer must still be right, so the one-shot way */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i].n;
    uint8_t *buf = malloc(total ? total : 1);
    if (!buf)
        abort();
    total = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + total, parts[i].p, parts[i].n);
        total += parts[i].n;
    }
    len = 32;
    HMAC(EVP_sha256(), key, 32, buf, total, out, &len);
    free(buf);
}
