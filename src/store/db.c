/* The store's neutral layer (see db.h and store.h): opening a backend and migrating its schema, one connection
 * per thread with its statement cache, transactions with their retries, binding and reading rows, statuses. */
#include "store/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/metrics.h"
#include "util/util.h"

/* A conflicting transaction runs again until this much time has passed since its first run (then
 * STORE_CONFLICT): a budget of time, not of attempts, so that a loaded machine, where each attempt is slow
 * and conflicts are many, does not give up sooner than an idle one. */
#define TX_RETRY_BUDGET_NS (5ULL * 1000000000ULL)

struct db_stmt {
    void *b; /* the backend's statement */
    store_tx_t *tx;
    const db_sql_t *q;
};

struct store_tx {
    struct conn *c;
    bool in_tx;
    int failed; /* sticky failure status inside a transaction (0: none) */
};

/* One connection and its statement cache; owned by exactly one thread. */
typedef struct conn {
    void *b; /* the backend's connection */
    store_t *store;
    store_tx_t tx;   /* the handle of a transaction on this connection */
    store_tx_t read; /* the handle for reads outside one */
    bool busy;       /* a transaction is open on this connection */
    db_stmt_t stmts[DB_SQL_MAX];
    struct conn *next; /* in store->conns, for closing */
} conn_t;

struct store {
    const db_backend_t *be;
    void *db;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    conn_t *conns;
    /* group commit (an unshared store): transactions wait in a queue; one thread at a time, the leader, runs
     * everything queued in one database transaction and one commit, then wakes their threads */
    pthread_mutex_t gc_lock;
    pthread_cond_t gc_done;
    store_tx_item_t *gc_head, *gc_tail;
    bool gc_leading;
    uint8_t secret[32];
    int version;
};

static int sql_ids; /* ids handed to db_sql_t, atomically */

/* The commit's latency (histogram) and the transactions each commit carried: registered at the first open,
 * counted lock-free (util/metrics.h) by whichever thread commits. */
static metrics_family_t *_Atomic m_commit, *_Atomic m_commit_txs;
static const double COMMIT_TXS_BUCKETS[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

const char *store_status_name(int status)
{
    switch (status) {
    case STORE_OK: return "ok";
    case STORE_NOTFOUND: return "not found";
    case STORE_EXISTS: return "exists";
    case STORE_LIMIT: return "limit reached";
    case STORE_FULL: return "store full";
    case STORE_CONFLICT: return "conflict";
    default: return "store error";
    }
}

const db_backend_t *db_backend(store_t *s)
{
    return s->be;
}

void *db_conn(store_tx_t *tx)
{
    return tx->c->b;
}

store_t *store_of(store_tx_t *tx)
{
    return tx->c->store;
}

const char *store_backend_name(const store_t *s)
{
    return s->be->name;
}

bool store_shared(const store_t *s)
{
    return s->be->shared;
}

const uint8_t *store_secret(const store_t *s)
{
    return s->secret;
}

int store_schema_version(store_t *s)
{
    return s->version;
}

void *db_grow(void *v, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? 2 * *cap : 8;
    void *nv = realloc(v, nc * sz);
    if (!nv)
        return NULL;
    memset((char *)nv + *cap * sz, 0, (nc - *cap) * sz);
    *cap = nc;
    return nv;
}

/* ---- connections ---- */

static void conn_free(conn_t *c)
{
    for (int i = 0; i < DB_SQL_MAX; i++)
        if (c->stmts[i].b)
            c->store->be->finalize(c->stmts[i].b);
    c->store->be->disconnect(c->b);
    free(c);
}

/* The calling thread's connection, made on first use. */
static conn_t *conn_get(store_t *s)
{
    conn_t *c = pthread_getspecific(s->key);
    if (c)
        return c;
    char err[256] = "";
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->store = s;
    c->b = s->be->connect(s->db, err, sizeof err);
    if (!c->b) {
        log_error("store: cannot connect to the %s database: %s", s->be->name, err);
        free(c);
        return NULL;
    }
    c->tx.c = c->read.c = c;
    c->tx.in_tx = true;
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, c);
    return c;
}

store_tx_t *store_read(store_t *s)
{
    conn_t *c = conn_get(s);
    return c ? &c->read : NULL;
}

/* ---- failures ---- */

int db_fail(store_tx_t *tx, int status, const char *what)
{
    if (status >= 0 && status != STORE_EXISTS)
        return status;
    if (status == DB_RETRY) {
        log_debug("store: %s: conflict with a concurrent transaction (%s); it will run again", what,
                  tx ? tx->c->store->be->errmsg(tx->c->b) : "?");
    } else if (status == STORE_EXISTS) {
        log_debug("store: %s: the key exists", what);
    } else {
        log_error("store: %s: %s (%s)", what, store_status_name(status),
                  tx ? tx->c->store->be->errmsg(tx->c->b) : "no connection");
    }
    /* a failed statement ends a transaction (PostgreSQL aborts it; SQLite is made to agree) */
    if (tx && tx->in_tx && !tx->failed)
        tx->failed = status;
    return status == DB_RETRY ? STORE_CONFLICT : status;
}

int db_status(store_tx_t *tx)
{
    if (!tx)
        return STORE_ERROR;
    return tx->failed == DB_RETRY ? STORE_CONFLICT : tx->failed;
}

/* ---- statements ---- */

static int sql_id(db_sql_t *q)
{
    int id = __atomic_load_n(&q->id, __ATOMIC_ACQUIRE);
    if (id)
        return id;
    int fresh = __atomic_add_fetch(&sql_ids, 1, __ATOMIC_ACQ_REL);
    int expect = 0;
    if (!__atomic_compare_exchange_n(&q->id, &expect, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return expect; /* another thread named it first; `fresh` stays unused */
    return fresh;
}

static void bindv(const db_backend_t *be, void *st, const char *fmt, va_list ap)
{
    for (int i = 1; *fmt; fmt++, i++) {
        switch (*fmt) {
        case 's': be->bind_text(st, i, va_arg(ap, const char *)); break;
        case 'i': be->bind_int(st, i, va_arg(ap, int64_t)); break;
        case 'z': {
            int64_t v = va_arg(ap, int64_t);
            if (v)
                be->bind_int(st, i, v);
            else
                be->bind_null(st, i);
            break;
        }
        case 'o': {
            int has = va_arg(ap, int);
            int64_t v = va_arg(ap, int64_t);
            if (has)
                be->bind_int(st, i, v);
            else
                be->bind_null(st, i);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            be->bind_blob(st, i, p, n);
            break;
        }
        default: abort(); /* a format letter that does not exist: a bug in the caller */
        }
    }
}

/* The query with its dialect tokens replaced ({skip_locked}, {for_update}); heap. */
static char *dialect(const db_backend_t *be, const char *sql)
{
    const struct {
        const char *token, *with;
    } subst[] = {{"{skip_locked}", be->skip_locked}, {"{for_update}", be->for_update}};
    char *out = strdup(sql);
    for (size_t i = 0; out && i < sizeof subst / sizeof subst[0]; i++) {
        char *at = strstr(out, subst[i].token);
        if (!at)
            continue;
        size_t head = (size_t)(at - out), k = strlen(subst[i].token), w = strlen(subst[i].with);
        char *next = malloc(strlen(out) - k + w + 1);
        if (next) {
            memcpy(next, out, head);
            memcpy(next + head, subst[i].with, w);
            strcpy(next + head + w, at + k);
        }
        free(out);
        out = next;
    }
    return out;
}

static db_stmt_t *prepare(store_tx_t *tx, db_sql_t *q, const char *fmt, va_list ap)
{
    if (!tx)
        return NULL;
    if (tx->in_tx && tx->failed)
        return NULL;
    conn_t *c = tx->c;
    const db_backend_t *be = c->store->be;
    int id = sql_id(q);
    if (id >= DB_SQL_MAX) {
        log_error("store: more than %d distinct queries; raise DB_SQL_MAX", DB_SQL_MAX);
        db_fail(tx, STORE_ERROR, "preparing a statement");
        return NULL;
    }
    db_stmt_t *st = &c->stmts[id];
    if (!st->b) {
        int status = STORE_ERROR;
        char *text = dialect(be, q->text);
        st->b = text ? be->prepare(c->b, text, &status) : NULL;
        free(text);
        if (!st->b) {
            log_error("store: cannot prepare: %s", q->text);
            db_fail(tx, status, "preparing a statement");
            return NULL;
        }
    } else {
        be->reset(st->b);
    }
    st->tx = tx;
    st->q = q;
    bindv(be, st->b, fmt, ap);
    return st;
}

int db_exec(store_tx_t *tx, db_sql_t *q, int64_t *changes, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt_t *st = prepare(tx, q, fmt, ap);
    va_end(ap);
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    const db_backend_t *be = tx->c->store->be;
    int rc = be->step(st->b);
    if (rc == DB_ROW) /* a RETURNING nobody reads */
        rc = DB_DONE;
    if (changes && rc == DB_DONE)
        *changes = be->changes(st->b);
    be->reset(st->b);
    return rc == DB_DONE ? STORE_OK : db_fail(tx, rc, q->text);
}

db_stmt_t *db_query(store_tx_t *tx, db_sql_t *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt_t *st = prepare(tx, q, fmt, ap);
    va_end(ap);
    return st;
}

int db_next(db_stmt_t *st)
{
    const db_backend_t *be = st->tx->c->store->be;
    int rc = be->step(st->b);
    if (rc == DB_ROW)
        return 1;
    be->reset(st->b);
    return rc == DB_DONE ? 0 : db_fail(st->tx, rc, st->q->text);
}

void db_done(db_stmt_t *st)
{
    if (st)
        st->tx->c->store->be->reset(st->b);
}

/* The first row of a query into fn: STORE_OK, STORE_NOTFOUND, or a failure. */
static int get_first(store_tx_t *tx, db_sql_t *q, db_row_fn fn, void *out, const char *fmt, va_list ap)
{
    db_stmt_t *st = prepare(tx, q, fmt, ap);
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    int rc = db_next(st);
    if (rc == 1) {
        fn(st, out);
        db_done(st);
        return STORE_OK;
    }
    return rc == 0 ? STORE_NOTFOUND : rc;
}

int db_get(store_tx_t *tx, db_sql_t *q, db_row_fn fn, void *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = get_first(tx, q, fn, out, fmt, ap);
    va_end(ap);
    return rc;
}

static void row_int(db_stmt_t *st, void *out)
{
    *(int64_t *)out = db_col_int(st, 0);
}

int db_int(store_tx_t *tx, db_sql_t *q, int64_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = get_first(tx, q, row_int, out, fmt, ap);
    va_end(ap);
    return rc;
}

char *db_col_str(db_stmt_t *st, int i)
{
    const char *t = st->tx->c->store->be->col_text(st->b, i);
    return t ? strdup(t) : NULL;
}

int64_t db_col_int(db_stmt_t *st, int i)
{
    return st->tx->c->store->be->col_int(st->b, i);
}

bool db_col_null(db_stmt_t *st, int i)
{
    return st->tx->c->store->be->col_null(st->b, i);
}

size_t db_col_blob(db_stmt_t *st, int i, void *out, size_t cap)
{
    return st->tx->c->store->be->col_blob(st->b, i, out, cap);
}

/* ---- transactions ---- */

/* A short, growing, jittered pause before running a conflicting transaction again. */
static void backoff(int attempt)
{
    uint32_t r;
    util_random(&r, sizeof r);
    long base = 100L << (attempt < 8 ? attempt : 8); /* 0.1 ms doubling to 25.6 ms */
    long us = base + (long)(r % (uint32_t)base);     /* plus up to as much again, at random */
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Runs items in one database transaction of connection c and commits once: each item's fn inside a savepoint of
 * its own (when there are several), so that one that fails or chooses to roll back is undone alone and the
 * others keep what they did. Sets every item's result. Returns DB_RETRY when the whole batch conflicted and
 * must run again, else 0. */
static int run_batch(conn_t *c, store_tx_item_t **items, size_t n)
{
    const db_backend_t *be = c->store->be;
    store_tx_t *tx = &c->tx;
    unsigned flags = STORE_TX_RELAXED;
    for (size_t i = 0; i < n; i++)
        flags = (flags & items[i]->flags & STORE_TX_RELAXED) | (items[i]->flags & ~STORE_TX_RELAXED);
    int rc = be->begin(c->b, flags);
    if (rc != 0) {
        db_fail(NULL, rc, "starting a transaction");
        if (rc == DB_RETRY)
            return DB_RETRY;
        for (size_t i = 0; i < n; i++)
            items[i]->result = rc;
        return 0;
    }
    bool saves = n > 1;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        store_tx_item_t *it = items[i];
        if (saves && (rc = be->savepoint(c->b, DB_SP_SET)) != 0) {
            db_fail(NULL, rc, "starting a savepoint");
            break;
        }
        tx->failed = 0;
        c->busy = true;
        int r = it->fn(tx, it->ctx);
        c->busy = false;
        int f = tx->failed;
        tx->failed = 0;
        if (f == DB_RETRY) {
            rc = DB_RETRY;
            break;
        }
        if (f == 0 && r == 0) {
            if (saves && (rc = be->savepoint(c->b, DB_SP_RELEASE)) != 0)
                break;
            it->result = 0; /* once the commit succeeds */
            kept++;
            continue;
        }
        it->result = f ? f : r;
        if (!saves) { /* alone: rolling back the transaction is rolling back the item */
            be->rollback(c->b);
            return 0;
        }
        if ((rc = be->savepoint(c->b, DB_SP_ROLLBACK_TO)) != 0 || (rc = be->savepoint(c->b, DB_SP_RELEASE)) != 0)
            break; /* the transaction itself is gone (the disk filled up, ...): everything below fails with it */
    }
    if (rc == 0 && kept) {
        uint64_t t0 = util_mono_ns();
        rc = be->commit(c->b);
        if (rc == 0) {
            metrics_observe(m_commit, store_backend_name(c->store), NULL, (double)(util_mono_ns() - t0) / 1e9);
            metrics_observe(m_commit_txs, store_backend_name(c->store), NULL, (double)kept);
        }
    }
    if (rc != 0) {
        if (rc != DB_RETRY)
            db_fail(NULL, rc, "committing");
        be->rollback(c->b);
        if (rc == DB_RETRY)
            return DB_RETRY;
        for (size_t i = 0; i < n; i++)
            if (items[i]->result == 0)
                items[i]->result = rc;
        return 0;
    }
    if (!kept)
        be->rollback(c->b);
    return 0;
}

/* Runs items on c (the calling thread's connection) until they do not conflict, within the retry budget. */
static void run_items(conn_t *c, store_tx_item_t **items, size_t n)
{
    uint64_t started = util_mono_ns();
    for (int attempt = 0;; attempt++) {
        for (size_t i = 0; i < n; i++)
            items[i]->result = 0;
        if (run_batch(c, items, n) != DB_RETRY)
            return;
        if (util_mono_ns() - started >= TX_RETRY_BUDGET_NS) {
            log_warn("store: a transaction conflicted %d times in a row over %llu s; giving up", attempt + 1,
                     TX_RETRY_BUDGET_NS / 1000000000ULL);
            for (size_t i = 0; i < n; i++)
                items[i]->result = STORE_CONFLICT;
            return;
        }
        backoff(attempt);
    }
}

#define GC_BATCH_MAX 256 /* transactions one commit takes at most */

/* Group commit: queue the items, and lead (run what is queued, one commit per batch) while they are not done. */
static void group_commit(store_t *s, conn_t *c, store_tx_item_t *items, size_t n)
{
    pthread_mutex_lock(&s->gc_lock);
    for (size_t i = 0; i < n; i++) {
        items[i].done = false;
        items[i].next = NULL;
        if (s->gc_tail)
            s->gc_tail->next = &items[i];
        else
            s->gc_head = &items[i];
        s->gc_tail = &items[i];
    }
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < n && all; i++)
            all = items[i].done;
        if (all)
            break;
        if (s->gc_leading) {
            pthread_cond_wait(&s->gc_done, &s->gc_lock);
            continue;
        }
        s->gc_leading = true;
        store_tx_item_t *batch[GC_BATCH_MAX];
        size_t k = 0;
        while (s->gc_head && k < GC_BATCH_MAX) {
            batch[k++] = s->gc_head;
            s->gc_head = s->gc_head->next;
        }
        if (!s->gc_head)
            s->gc_tail = NULL;
        pthread_mutex_unlock(&s->gc_lock);
        run_items(c, batch, k);
        pthread_mutex_lock(&s->gc_lock);
        for (size_t i = 0; i < k; i++)
            batch[i]->done = true;
        s->gc_leading = false;
        pthread_cond_broadcast(&s->gc_done);
    }
    pthread_mutex_unlock(&s->gc_lock);
}

int store_tx_batch(store_t *s, store_tx_item_t *items, size_t n)
{
    if (n == 0)
        return 0;
    conn_t *c = conn_get(s);
    if (!c || c->busy) {
        if (c)
            log_error("store: a transaction was opened inside another on one thread (a bug)");
        for (size_t i = 0; i < n; i++)
            items[i].result = STORE_ERROR;
        return STORE_ERROR;
    }
    if (!s->be->shared) {
        group_commit(s, c, items, n);
    } else {
        /* nodes sharing a store commit on their own connections (the server groups commits itself); a batch
         * the caller made still shares one transaction */
        store_tx_item_t *batch[GC_BATCH_MAX];
        for (size_t i = 0; i < n; i += GC_BATCH_MAX) {
            size_t k = n - i < GC_BATCH_MAX ? n - i : GC_BATCH_MAX;
            for (size_t j = 0; j < k; j++)
                batch[j] = &items[i + j];
            run_items(c, batch, k);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (items[i].result != 0)
            return items[i].result;
    return 0;
}

int store_tx_run(store_t *s, unsigned flags, store_tx_fn fn, void *ctx)
{
    store_tx_item_t it = {.fn = fn, .ctx = ctx, .flags = flags};
    store_tx_batch(s, &it, 1);
    return it.result;
}

/* ---- opening, migrating ---- */

static int migrate_tx(store_tx_t *tx, void *ctx)
{
    store_t *s = ctx;
    const db_backend_t *be = s->be;
    void *b = tx->c->b;
    int version = 0;
    int rc = be->version_get(b, &version);
    if (rc < 0)
        return db_fail(tx, rc, "reading the schema version");
    if (version > db_schema_version) {
        log_error("store: the database has schema version %d, newer than this glued understands (%d): upgrade "
                  "glued",
                  version, db_schema_version);
        s->version = -version;
        return STORE_ERROR;
    }
    for (; version < db_schema_version; version++) {
        char *ddl = be->ddl ? be->ddl(db_migrations[version]) : NULL;
        rc = be->exec(b, ddl ? ddl : db_migrations[version]);
        free(ddl);
        if (rc < 0)
            return db_fail(tx, rc, "migrating the schema");
        log_info("store: schema migrated to version %d", version + 1);
    }
    if ((rc = be->version_set(b, version)) < 0)
        return db_fail(tx, rc, "recording the schema version");
    s->version = version;
    /* the secret that keys pagination tokens: created once, kept for the life of the data */
    DB_SQL(q_get, "SELECT value FROM meta WHERE key = 'token_secret'");
    DB_SQL(q_put, "INSERT INTO meta (key, value) VALUES ('token_secret', ?1)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    db_stmt_t *st = db_query(tx, &q_get, "");
    bool have = false;
    if (st && (rc = db_next(st)) == 1) {
        have = db_col_blob(st, 0, s->secret, sizeof s->secret) == sizeof s->secret;
        db_done(st);
    }
    if (db_status(tx))
        return db_status(tx);
    if (!have) {
        util_random(s->secret, sizeof s->secret);
        if ((rc = db_exec(tx, &q_put, NULL, "b", (const void *)s->secret, sizeof s->secret)) < 0)
            return rc;
    }
    return 0;
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return util_mkdirs(dir);
}

bool store_sqlite_path(const char *target, char *path, size_t len)
{
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return false;
    if (strncmp(target, "sqlite:", 7) == 0)
        snprintf(path, len, "%s", target + 7);
    else
        snprintf(path, len, "%s/glued.db", target);
    return true;
}

int store_open(const char *target, const store_opts_t *opts, store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    store_opts_t o = opts ? *opts : (store_opts_t){.sync_full = true};
    const db_backend_t *be = &db_sqlite;
    char path[4096];
    const char *name = path;
    if (!store_sqlite_path(target, path, sizeof path)) {
        be = &db_postgres;
        name = target;
    } else {
        if (make_parent_dirs(path) < 0) {
            snprintf(err, errlen, "cannot use the directory of %s: %s", path, strerror(errno));
            return -1;
        }
    }
    store_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->be = be;
    if (!m_commit) {
        m_commit = metrics_histogram("glued_store_commit_duration_seconds",
                                     "Time a store commit takes (SQLite: the WAL write and its fsync), by backend.",
                                     "backend", METRICS_LATENCY_BUCKETS, METRICS_LATENCY_NBUCKETS);
        m_commit_txs = metrics_histogram(
            "glued_store_commit_transactions", "Transactions that one store commit carried (group commit), by backend.",
            "backend", COMMIT_TXS_BUCKETS, sizeof COMMIT_TXS_BUCKETS / sizeof COMMIT_TXS_BUCKETS[0]);
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->gc_lock, NULL);
    pthread_cond_init(&s->gc_done, NULL);
    pthread_key_create(&s->key, NULL);
    if (be->open(name, &o, &s->db, err, errlen) < 0) {
        store_close(s);
        return -1;
    }
    int rc = store_tx_run(s, DB_TX_MIGRATE, migrate_tx, s);
    if (rc != 0) {
        if (s->version < 0)
            snprintf(err, errlen,
                     "the database has schema version %d, newer than this glued understands (%d): upgrade glued",
                     -s->version, db_schema_version);
        else
            snprintf(err, errlen, "cannot open the %s store at %s: %s (see the log above)", be->name,
                     be == &db_sqlite ? path : "the given URL", store_status_name(rc));
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(store_t *s)
{
    if (!s)
        return;
    conn_t *c = s->conns;
    while (c) {
        conn_t *next = c->next;
        conn_free(c);
        c = next;
    }
    if (s->db)
        s->be->close(s->db);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->gc_lock);
    pthread_cond_destroy(&s->gc_done);
    free(s);
}

/* ---- telling other nodes ---- */

int store_notify(store_tx_t *tx, const char *channel, const char *payload)
{
    if (!tx)
        return STORE_ERROR;
    const db_backend_t *be = tx->c->store->be;
    if (!be->notify)
        return STORE_OK;
    if (tx->in_tx && tx->failed)
        return db_status(tx);
    int rc = be->notify(tx->c->b, channel, payload);
    return rc == 0 ? STORE_OK : db_fail(tx, rc, "notifying other nodes");
}

struct store_listener {
    const db_backend_t *be;
    void *l;
};

store_listener_t *store_listen(store_t *s, const char *const *channels, char *err, size_t errlen)
{
    if (!s->be->listen) {
        snprintf(err, errlen, "the %s store has no other nodes to listen to", s->be->name);
        return NULL;
    }
    store_listener_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->be = s->be;
    l->l = s->be->listen(s->db, channels, err, errlen);
    if (!l->l) {
        free(l);
        return NULL;
    }
    return l;
}

int store_listener_fd(store_listener_t *l)
{
    return l->be->listen_fd(l->l);
}

int store_listener_drain(store_listener_t *l, store_notify_fn fn, void *ctx)
{
    return l->be->listen_drain(l->l, fn, ctx);
}

void store_listener_close(store_listener_t *l)
{
    if (!l)
        return;
    l->be->listen_close(l->l);
    free(l);
}
