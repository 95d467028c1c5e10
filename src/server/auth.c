/* Access keys and request checks (see auth.h). */
#include "server/auth.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/jobkey.h"
#include "util/util.h"

struct auth {
    char *path;
    store_t *store;
    pthread_rwlock_t lock; /* guards keys/nkeys: readers look up, auth_reload swaps */
    auth_cred_t *keys;
    size_t nkeys;
    uint64_t gen; /* under lock: changes with every load of the keys, so that memoized signing keys lapse */
    uint64_t id;  /* this auth's own, for the memoized keys of job runs (their secrets come from the store) */
};

static atomic_uint_fast64_t generations = 1;

/* The signing key of the last request this thread checked. A client signs with one key all day, and the key
 * derivation (four HMACs) costs more than the rest of a check, so it is done once per (keys loaded, key id,
 * day, region, service). */
typedef struct key_memo {
    uint64_t gen;
    sigv4_auth_t scope; /* key_id, date, region and service are compared */
    uint8_t key[32];
} key_memo_t;
static __thread key_memo_t memo;

static bool memo_get(uint64_t gen, const sigv4_auth_t *s, uint8_t key[32])
{
    if (memo.gen != gen || strcmp(memo.scope.key_id, s->key_id) != 0 || strcmp(memo.scope.date, s->date) != 0 ||
        strcmp(memo.scope.region, s->region) != 0 || strcmp(memo.scope.service, s->service) != 0)
        return false;
    memcpy(key, memo.key, 32);
    return true;
}

static void memo_put(uint64_t gen, const sigv4_auth_t *s, const uint8_t key[32])
{
    memo.gen = gen;
    memcpy(memo.scope.key_id, s->key_id, sizeof memo.scope.key_id);
    memcpy(memo.scope.date, s->date, sizeof memo.scope.date);
    memcpy(memo.scope.region, s->region, sizeof memo.scope.region);
    memcpy(memo.scope.service, s->service, sizeof memo.scope.service);
    memcpy(memo.key, key, 32);
}

/* ---- the credentials file ---- */

static void cred_clear(auth_cred_t *c)
{
    free(c->key_id);
    if (c->secret) {
        OPENSSL_cleanse(c->secret, strlen(c->secret));
        free(c->secret);
    }
    c->key_id = c->secret = NULL;
}

void auth_creds_free(auth_cred_t *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        cred_clear(&v[i]);
    free(v);
}

static int cred_cmp(const void *x, const void *y)
{
    return strcmp(((const auth_cred_t *)x)->key_id, ((const auth_cred_t *)y)->key_id);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int valid_key_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SIGV4_MAX_KEY_ID)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '/' || s[i] == ',' || s[i] == '=')
            return 0;
    return 1;
}

static int valid_secret(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > AUTH_MAX_SECRET)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* The profile being read: its name, first line, and the pair so far. */
typedef struct profile {
    char name[128];
    int line;
    char *key_id, *secret;
} profile_t;

static int profile_end(profile_t *p, auth_cred_t **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
    int rc = 0;
    if (!p->key_id && !p->secret)
        goto out;
    if (!p->key_id || !p->secret) {
        snprintf(err, errlen, "profile [%s] (line %d) has %s but no %s", p->name, p->line,
                 p->key_id ? "aws_access_key_id" : "aws_secret_access_key",
                 p->key_id ? "aws_secret_access_key" : "aws_access_key_id");
        rc = -1;
        goto out;
    }
    if (*n == AUTH_MAX_KEYS) {
        snprintf(err, errlen, "more than %d access keys", AUTH_MAX_KEYS);
        rc = -1;
        goto out;
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        auth_cred_t *g = realloc(*v, c * sizeof *g);
        if (!g) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            goto out;
        }
        *v = g;
        *cap = c;
    }
    (*v)[(*n)++] = (auth_cred_t){p->key_id, p->secret};
    p->key_id = p->secret = NULL;
out:
    free(p->key_id);
    if (p->secret)
        OPENSSL_cleanse(p->secret, strlen(p->secret));
    free(p->secret);
    p->key_id = p->secret = NULL;
    return rc;
}

int auth_parse_credentials(const char *text, size_t len, auth_cred_t **out, size_t *n_out, char *err, size_t errlen)
{
    *out = NULL;
    *n_out = 0;
    auth_cred_t *v = NULL;
    size_t n = 0, cap = 0;
    profile_t p = {.name = "", .line = 0};
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "the file holds a NUL byte; it is not a credentials file");
        goto fail;
    }
    int line = 0;
    char *save = NULL;
    bool in_profile = false;
    for (char *l = buf; l; l = save) {
        char *nl = strchr(l, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        line++;
        char *s = trim(l);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || *trim(close + 1) != '\0') {
                snprintf(err, errlen, "line %d: a profile header must be [name]", line);
                goto fail;
            }
            if (profile_end(&p, &v, &n, &cap, err, errlen) < 0)
                goto fail;
            *close = '\0';
            char *name = trim(s + 1);
            if (strncmp(name, "profile ", 8) == 0) /* the config file's spelling */
                name = trim(name + 8);
            snprintf(p.name, sizeof p.name, "%s", name);
            p.line = line;
            in_profile = true;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "line %d: expected key = value", line);
            goto fail;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        for (char *k = key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
        bool is_id = strcmp(key, "aws_access_key_id") == 0, is_secret = strcmp(key, "aws_secret_access_key") == 0;
        if (!is_id && !is_secret)
            continue; /* aws_session_token, region, ...: not ours */
        if (!in_profile) {
            snprintf(err, errlen, "line %d: %s outside a [profile]", line, key);
            goto fail;
        }
        if (is_id && !valid_key_id(val)) {
            snprintf(err, errlen,
                     "line %d: aws_access_key_id must be 1 to %d printable characters without '/', "
                     "',', '=' or spaces",
                     line, SIGV4_MAX_KEY_ID);
            goto fail;
        }
        if (is_id && jobkey_is_run_id(val)) {
            snprintf(err, errlen, "line %d: access key ids of the form jr_<64 hex> are reserved for job runs", line);
            goto fail;
        }
        if (is_secret && !valid_secret(val)) {
            snprintf(err, errlen, "line %d: aws_secret_access_key must be 1 to %d printable characters", line,
                     AUTH_MAX_SECRET);
            goto fail;
        }
        char **slot = is_id ? &p.key_id : &p.secret;
        if (*slot) {
            snprintf(err, errlen, "line %d: profile [%s] sets %s twice", line, p.name, key);
            goto fail;
        }
        *slot = strdup(val);
    }
    if (profile_end(&p, &v, &n, &cap, err, errlen) < 0)
        goto fail;
    if (n == 0) {
        snprintf(err, errlen, "no profile has both aws_access_key_id and aws_secret_access_key");
        goto fail;
    }
    qsort(v, n, sizeof *v, cred_cmp);
    /* the same key twice: fine with the same secret, an error with another */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(v[k - 1].key_id, v[i].key_id) == 0) {
            bool same = strcmp(v[k - 1].secret, v[i].secret) == 0;
            if (!same)
                snprintf(err, errlen, "access key %s is given twice with different secrets", v[i].key_id);
            cred_clear(&v[i]);
            if (!same) {
                for (size_t j = i + 1; j < n; j++)
                    cred_clear(&v[j]);
                n = k;
                goto fail;
            }
            continue;
        }
        v[k++] = v[i];
    }
    OPENSSL_cleanse(buf, len);
    free(buf);
    *out = v;
    *n_out = k;
    return 0;
fail:
    profile_end(&p, &v, &n, &cap, err, 0);
    auth_creds_free(v, n);
    OPENSSL_cleanse(buf, len);
    free(buf);
    return -1;
}

static int load(const char *path, auth_cred_t **v, size_t *n, char *err, size_t errlen)
{
    char why[400];
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "cannot read the credentials file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
        log_warn("credentials file %s can be read by other users (mode %03o); chmod 600 it", path,
                 (unsigned)(sb.st_mode & 0777));
    char *buf = malloc(AUTH_MAX_FILE + 1);
    size_t len = buf ? fread(buf, 1, AUTH_MAX_FILE + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (!buf || bad)
        snprintf(err, errlen, "cannot read the credentials file %s", path);
    else if (len > AUTH_MAX_FILE)
        snprintf(err, errlen, "the credentials file %s is larger than %u bytes", path, AUTH_MAX_FILE);
    else if (auth_parse_credentials(buf, len, v, n, why, sizeof why) < 0)
        snprintf(err, errlen, "credentials file %s: %s", path, why);
    else
        rc = 0;
    if (buf) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    return rc;
}

int auth_open(const char *path, store_t *store, auth_t **out, char *err, size_t errlen)
{
    *out = NULL;
    auth_t *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (load(path, &a->keys, &a->nkeys, err, errlen) < 0) {
        free(a);
        return -1;
    }
    a->path = strdup(path);
    a->store = store;
    a->gen = atomic_fetch_add(&generations, 1);
    a->id = atomic_fetch_add(&generations, 1) | (UINT64_C(1) << 63);
    pthread_rwlock_init(&a->lock, NULL);
    *out = a;
    return 0;
}

int auth_reload(auth_t *a, size_t *count, char *err, size_t errlen)
{
    auth_cred_t *v, *old;
    size_t n, oldn;
    if (load(a->path, &v, &n, err, errlen) < 0)
        return -1;
    pthread_rwlock_wrlock(&a->lock);
    old = a->keys;
    oldn = a->nkeys;
    a->keys = v;
    a->nkeys = n;
    a->gen = atomic_fetch_add(&generations, 1);
    pthread_rwlock_unlock(&a->lock);
    auth_creds_free(old, oldn);
    *count = n;
    return 0;
}

void auth_free(auth_t *a)
{
    if (!a)
        return;
    auth_creds_free(a->keys, a->nkeys);
    pthread_rwlock_destroy(&a->lock);
    free(a->path);
    free(a);
}

bool auth_console_check(void *ctx, const char *akid, const char *secret)
{
    auth_t *a = ctx;
    if (!a || !akid)
        return false;
    bool ok = false;
    pthread_rwlock_rdlock(&a->lock);
    auth_cred_t probe = {.key_id = (char *)akid};
    auth_cred_t *c = a->nkeys ? bsearch(&probe, a->keys, a->nkeys, sizeof *a->keys, cred_cmp) : NULL;
    if (c && !secret) {
        ok = true;
    } else if (c) {
        /* compare digests, so that the time taken says nothing about the secret's length or prefix */
        uint8_t x[32], y[32];
        SHA256((const uint8_t *)c->secret, strlen(c->secret), x);
        SHA256((const uint8_t *)secret, strlen(secret), y);
        ok = CRYPTO_memcmp(x, y, sizeof x) == 0;
    }
    pthread_rwlock_unlock(&a->lock);
    return ok;
}

/* ---- checking a request ---- */

static int refuse(gerr_t *e, int status, const char *msg)
{
    const char *type = status == SIGV4_MISSING      ? GERR_MISSING_AUTH
                       : status == SIGV4_INCOMPLETE ? GERR_INCOMPLETE_SIG
                                                    : GERR_INVALID_SIG;
    return gerr_set(e, type, "%s", msg);
}

/* Derives the signing key for the request's key id: 0, or -1 when the key is unknown (or a job run's key
 * whose run is not active). */
static int signing_key(auth_t *a, const sigv4_auth_t *s, uint8_t key[32])
{
    if (jobkey_is_run_id(s->key_id)) {
        store_jobrun_t r = {0};
        int rc = store_jobrun_get(store_read(a->store), s->key_id, &r);
        bool active = rc == 0 && r.kind && strcmp(r.kind, "job") == 0 && JR_ACTIVE(r.state);
        store_jobrun_cleanup(&r);
        if (!active)
            return -1;
        if (memo_get(a->id, s, key)) /* a job run's secret depends on the store's secret only */
            return 0;
        char secret[JOBKEY_SECRET_LEN];
        jobkey_secret(store_secret(a->store), s->key_id, secret);
        sigv4_signing_key(secret, s->date, s->region, s->service, key);
        OPENSSL_cleanse(secret, sizeof secret);
        memo_put(a->id, s, key);
        return 0;
    }
    int rc = -1;
    pthread_rwlock_rdlock(&a->lock);
    if (memo_get(a->gen, s, key)) {
        rc = 0; /* the same keys are loaded as when it was derived */
    } else {
        auth_cred_t probe = {.key_id = (char *)s->key_id};
        auth_cred_t *c = a->nkeys ? bsearch(&probe, a->keys, a->nkeys, sizeof *a->keys, cred_cmp) : NULL;
        if (c) {
            sigv4_signing_key(c->secret, s->date, s->region, s->service, key);
            memo_put(a->gen, s, key);
            rc = 0;
        }
    }
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

int auth_begin(auth_t *a, const sigv4_msg_t *m, const char *service, int64_t now_ms, auth_pending_t *p, gerr_t *e)
{
    char msg[1024];
    int rc = sigv4_parse(m, service, &p->sig, msg, sizeof msg);
    if (rc != SIGV4_OK)
        return refuse(e, rc, msg);
    if (signing_key(a, &p->sig, p->key) < 0)
        return gerr_set(e, GERR_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");
    rc = sigv4_check_time(&p->sig, now_ms, msg, sizeof msg);
    if (rc != SIGV4_OK) {
        OPENSSL_cleanse(p->key, sizeof p->key);
        return refuse(e, rc, msg);
    }
    return 0;
}

int auth_finish(const sigv4_msg_t *m, auth_pending_t *p, gerr_t *e)
{
    char msg[1024];
    int rc = sigv4_verify(m, &p->sig, p->key, msg, sizeof msg);
    OPENSSL_cleanse(p->key, sizeof p->key);
    return rc == SIGV4_OK ? 0 : refuse(e, rc, msg);
}
