/* The PostgreSQL backend (see db.h), on libpq: a connection per thread, write transactions SERIALIZABLE (a
 * conflict is retried by db.c), statements prepared once per connection with their `?N` parameters turned
 * into `$N`, values sent and read as text. Migrations are serialised across nodes by an advisory lock, and
 * their SQLite types are rewritten here (INTEGER -> BIGINT, BLOB -> BYTEA, TEXT compares bytewise). */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/dynlib.h"
#include "util/util.h"

/* libpq is loaded when a PostgreSQL store is opened (util/dynlib.h): a glued on SQLite does without it. */
// clang-format off
#define PQ_FUNCS(X) \
    X(PQclear) \
    X(PQresultStatus) \
    X(PQerrorMessage) \
    X(PQstatus) \
    X(PQfinish) \
    X(PQexec) \
    X(PQsetNoticeProcessor) \
    X(PQntuples) \
    X(PQgetvalue) \
    X(PQgetisnull) \
    X(PQfreemem) \
    X(PQconnectdb) \
    X(PQcmdStatus) \
    X(PQtransactionStatus) \
    X(PQsocket) \
    X(PQsetnonblocking) \
    X(PQresultErrorMessage) \
    X(PQresultErrorField) \
    X(PQreset) \
    X(PQprepare) \
    X(PQnotifies) \
    X(PQexecPrepared) \
    X(PQexecParams) \
    X(PQescapeIdentifier) \
    X(PQconsumeInput) \
    X(PQcmdTuples)
// clang-format on
static struct {
    PQ_FUNCS(DYNLIB_DECL)
} pq;
static const char *const pq_names[] = {PQ_FUNCS(DYNLIB_NAME)};
static dynlib_t libpq = {.sonames = (const char *const[]){"libpq.so.5", "libpq.so", NULL},
                         .what = "libpq, which a PostgreSQL store needs (Debian's libpq5 package)",
                         .names = pq_names,
                         .n = sizeof pq_names / sizeof pq_names[0],
                         .table = &pq,
                         .lock = PTHREAD_MUTEX_INITIALIZER};

#define PG_MAX_PARAMS     64
#define PG_MIGRATION_LOCK 0x676c756564LL /* "glued": the advisory lock key nodes migrate under */

typedef struct pg_db {
    char *conninfo;
    bool sync_full;
} pg_db_t;

typedef struct pg_conn {
    PGconn *pg;
    pg_db_t *owner;
    unsigned gen;     /* bumped on every reconnection: prepared statements of an older one are gone */
    unsigned next_id; /* names prepared statements */
    char errmsg[512]; /* the last failure's text */
} pg_conn_t;

typedef struct pg_stmt {
    pg_conn_t *c;
    char name[24];
    char *sql; /* with $N parameters */
    int nparams;
    unsigned gen; /* the connection generation it was prepared in; 0 = not yet */
    const char *vals[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24];
    char *blobs[PG_MAX_PARAMS];
    PGresult *res;
    int row, nrows;
    int64_t changes;
} pg_stmt_t;

static void note(pg_conn_t *c, const char *what, const char *detail)
{
    snprintf(c->errmsg, sizeof c->errmsg, "%s%s%s", what, detail && *detail ? ": " : "", detail ? detail : "");
    size_t n = strlen(c->errmsg);
    while (n && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' '))
        c->errmsg[--n] = '\0';
}

/* A failed result's SQLSTATE as a status. */
static int status_of(pg_conn_t *c, PGresult *res)
{
    const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    note(c, state ? state : "no SQLSTATE", res ? pq.PQresultErrorMessage(res) : pq.PQerrorMessage(c->pg));
    if (!state)
        return STORE_ERROR;
    if (strcmp(state, "23505") == 0)
        return STORE_EXISTS;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return DB_RETRY;
    if (strcmp(state, "53100") == 0)
        return STORE_FULL;
    return STORE_ERROR;
}

/* Runs SQL without parameters: 0 or a status. */
static int run(pg_conn_t *c, const char *sql)
{
    PGresult *res = pq.PQexec(c->pg, sql);
    ExecStatusType st = pq.PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : status_of(c, res);
    pq.PQclear(res);
    return rc;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    log_debug("store: postgresql: %s", msg);
}

static int pg_open(const char *target, const store_opts_t *opts, void **db, char *err, size_t errlen)
{
    if (dynlib_load(&libpq) < 0) {
        snprintf(err, errlen, "%s", libpq.err);
        return -1;
    }
    pg_db_t *d = calloc(1, sizeof *d);
    if (!d || !(d->conninfo = strdup(target))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->sync_full = opts->sync_full;
    *db = d;
    return 0;
}

static void pg_close(void *db)
{
    pg_db_t *d = db;
    free(d->conninfo);
    free(d);
}

static int session_setup(pg_conn_t *c)
{
    pq.PQsetNoticeProcessor(c->pg, quiet, NULL);
    return run(c, "SET client_min_messages = warning; SET bytea_output = 'hex'");
}

static void *pg_connect(void *db, char *err, size_t errlen)
{
    pg_db_t *d = db;
    pg_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->owner = d;
    c->pg = pq.PQconnectdb(d->conninfo);
    if (pq.PQstatus(c->pg) != CONNECTION_OK) {
        /* libpq's message names host and port; never echo the connection string (it may hold a password) */
        snprintf(err, errlen, "%s", pq.PQerrorMessage(c->pg));
        size_t n = strlen(err);
        while (n && err[n - 1] == '\n')
            err[--n] = '\0';
        pq.PQfinish(c->pg);
        free(c);
        return NULL;
    }
    c->gen = 1;
    if (session_setup(c) < 0) {
        snprintf(err, errlen, "cannot set up the session: %s", c->errmsg);
        pq.PQfinish(c->pg);
        free(c);
        return NULL;
    }
    return c;
}

static void pg_disconnect(void *conn)
{
    pg_conn_t *c = conn;
    pq.PQfinish(c->pg);
    free(c);
}

/* A connection that broke (the server restarted, a network blip) is made again before a transaction. */
static int ensure_connected(pg_conn_t *c)
{
    if (pq.PQstatus(c->pg) == CONNECTION_OK)
        return 0;
    log_warn("store: the PostgreSQL connection was lost (%s); reconnecting", pq.PQerrorMessage(c->pg));
    pq.PQreset(c->pg);
    if (pq.PQstatus(c->pg) != CONNECTION_OK) {
        note(c, "cannot reconnect", pq.PQerrorMessage(c->pg));
        return STORE_ERROR;
    }
    c->gen++;
    return session_setup(c);
}

static int pg_begin(void *conn, unsigned flags)
{
    pg_conn_t *c = conn;
    int rc = ensure_connected(c);
    if (rc < 0)
        return rc;
    char sql[256];
    /* Nodes starting together migrate one after another, under a lock. A migration runs at READ COMMITTED: a
     * SERIALIZABLE transaction takes its snapshot with its first statement, the lock's, before it waits, so the
     * second node read the schema version from before the first one's migration and created the tables again
     * ("relation meta already exists"). */
    bool migrate = flags & DB_TX_MIGRATE;
    int k = snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL %s%s", migrate ? "READ COMMITTED" : "SERIALIZABLE",
                     (flags & STORE_TX_RELAXED) || !c->owner->sync_full ? "; SET LOCAL synchronous_commit = off" : "");
    if (migrate)
        snprintf(sql + k, sizeof sql - (size_t)k, "; SELECT pg_advisory_xact_lock(%lld)", PG_MIGRATION_LOCK);
    if ((rc = run(c, sql)) < 0)
        run(c, "ROLLBACK");
    return rc;
}

static int pg_commit(void *conn)
{
    pg_conn_t *c = conn;
    PGresult *res = pq.PQexec(c->pg, "COMMIT");
    int rc = 0;
    if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = status_of(c, res);
    else if (strcmp(pq.PQcmdStatus(res), "COMMIT") != 0) { /* the transaction had failed: it rolled back */
        note(c, "the transaction was rolled back by the server", pq.PQcmdStatus(res));
        rc = STORE_ERROR;
    }
    pq.PQclear(res);
    return rc;
}

static int pg_rollback(void *conn)
{
    pg_conn_t *c = conn;
    if (pq.PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    return run(c, "ROLLBACK");
}

/* ?N -> $N, outside quoted literals and identifiers; *nparams gets the highest N. */
static char *rewrite_params(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    char quote = 0;
    *nparams = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            *o++ = *p;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            *o++ = *p;
            continue;
        }
        if (*p == '?' && isdigit((unsigned char)p[1])) {
            int k = atoi(p + 1);
            if (k > *nparams)
                *nparams = k;
            *o++ = '$';
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static void *pg_prepare(void *conn, const char *sql, int *status)
{
    pg_conn_t *c = conn;
    pg_stmt_t *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = rewrite_params(sql, &s->nparams)) || s->nparams > PG_MAX_PARAMS) {
        if (s)
            free(s->sql);
        free(s);
        note(c, "cannot prepare", "too many parameters or no memory");
        *status = STORE_ERROR;
        return NULL;
    }
    s->c = c;
    snprintf(s->name, sizeof s->name, "g%u", ++c->next_id);
    s->row = -1;
    return s;
}

static void pg_reset(void *stmt)
{
    pg_stmt_t *s = stmt;
    pq.PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    for (int i = 0; i < s->nparams; i++) {
        free(s->blobs[i]);
        s->blobs[i] = NULL;
        s->vals[i] = NULL;
    }
}

static void pg_finalize(void *stmt)
{
    pg_stmt_t *s = stmt;
    pg_reset(s);
    free(s->sql);
    free(s);
}

static bool param_ok(pg_stmt_t *s, int i)
{
    return i >= 1 && i <= s->nparams;
}

static void pg_bind_text(void *stmt, int i, const char *v)
{
    pg_stmt_t *s = stmt;
    if (param_ok(s, i))
        s->vals[i - 1] = v;
}

static void pg_bind_int(void *stmt, int i, int64_t v)
{
    pg_stmt_t *s = stmt;
    if (!param_ok(s, i))
        return;
    snprintf(s->ints[i - 1], sizeof s->ints[i - 1], "%lld", (long long)v);
    s->vals[i - 1] = s->ints[i - 1];
}

static void pg_bind_null(void *stmt, int i)
{
    pg_stmt_t *s = stmt;
    if (param_ok(s, i))
        s->vals[i - 1] = NULL;
}

static void pg_bind_blob(void *stmt, int i, const void *v, size_t n)
{
    pg_stmt_t *s = stmt;
    if (!param_ok(s, i))
        return;
    char *hex = malloc(2 * n + 3);
    if (!hex)
        return;
    memcpy(hex, "\\x", 2);
    util_hex(hex + 2, v, n);
    free(s->blobs[i - 1]);
    s->blobs[i - 1] = hex;
    s->vals[i - 1] = hex;
}

static int execute(pg_stmt_t *s)
{
    pg_conn_t *c = s->c;
    if (s->gen != c->gen) {
        PGresult *res = pq.PQprepare(c->pg, s->name, s->sql, s->nparams, NULL);
        int rc = pq.PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : status_of(c, res);
        pq.PQclear(res);
        if (rc < 0)
            return rc;
        s->gen = c->gen;
    }
    s->res = pq.PQexecPrepared(c->pg, s->name, s->nparams, s->vals, NULL, NULL, 0);
    ExecStatusType st = pq.PQresultStatus(s->res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        int rc = status_of(c, s->res);
        pq.PQclear(s->res);
        s->res = NULL;
        return rc;
    }
    s->nrows = st == PGRES_TUPLES_OK ? pq.PQntuples(s->res) : 0;
    const char *tuples = pq.PQcmdTuples(s->res);
    s->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
    s->row = -1;
    return 0;
}

static int pg_step(void *stmt)
{
    pg_stmt_t *s = stmt;
    if (!s->res) {
        int rc = execute(s);
        if (rc < 0 || rc == STORE_EXISTS)
            return rc;
    }
    if (++s->row < s->nrows)
        return DB_ROW;
    return DB_DONE;
}

static bool pg_col_null(void *stmt, int i)
{
    pg_stmt_t *s = stmt;
    return !s->res || s->row < 0 || s->row >= s->nrows || pq.PQgetisnull(s->res, s->row, i);
}

static const char *pg_col_text(void *stmt, int i)
{
    pg_stmt_t *s = stmt;
    return pg_col_null(s, i) ? NULL : pq.PQgetvalue(s->res, s->row, i);
}

static int64_t pg_col_int(void *stmt, int i)
{
    const char *t = pg_col_text(stmt, i);
    return t ? strtoll(t, NULL, 10) : 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static size_t pg_col_blob(void *stmt, int i, void *out, size_t cap)
{
    const char *t = pg_col_text(stmt, i);
    if (!t || strncmp(t, "\\x", 2) != 0)
        return 0;
    t += 2;
    size_t n = strlen(t) / 2;
    for (size_t k = 0; k < n && k < cap; k++) {
        int hi = hexval(t[2 * k]), lo = hexval(t[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        ((unsigned char *)out)[k] = (unsigned char)(hi << 4 | lo);
    }
    return n;
}

static int64_t pg_changes(void *stmt)
{
    return ((pg_stmt_t *)stmt)->changes;
}

static const char *pg_errmsg(void *conn)
{
    pg_conn_t *c = conn;
    return c->errmsg[0] ? c->errmsg : pq.PQerrorMessage(c->pg);
}

static int pg_version_get(void *conn, int *version)
{
    pg_conn_t *c = conn;
    int rc = run(c, "CREATE TABLE IF NOT EXISTS glued_schema (version BIGINT NOT NULL)");
    if (rc < 0)
        return rc;
    PGresult *res = pq.PQexec(c->pg, "SELECT max(version) FROM glued_schema");
    if (pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = status_of(c, res);
        pq.PQclear(res);
        return rc;
    }
    *version = pq.PQntuples(res) == 1 && !pq.PQgetisnull(res, 0, 0) ? atoi(pq.PQgetvalue(res, 0, 0)) : 0;
    pq.PQclear(res);
    return 0;
}

static int pg_version_set(void *conn, int version)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM glued_schema; INSERT INTO glued_schema (version) VALUES (%d)", version);
    return run(conn, sql);
}

static int pg_exec(void *conn, const char *sql)
{
    return run(conn, sql);
}

static int pg_savepoint(void *conn, int op)
{
    static const char *const sql[] = {[DB_SP_SET] = "SAVEPOINT glued_item",
                                      [DB_SP_RELEASE] = "RELEASE glued_item",
                                      [DB_SP_ROLLBACK_TO] = "ROLLBACK TO glued_item"};
    return run(conn, sql[op]);
}

/* Appends s to the buffer. */
static void put(char **o, const char *s)
{
    size_t n = strlen(s);
    memcpy(*o, s, n);
    *o += n;
}

/* SQLite's DDL as PostgreSQL's: whole-word, upper-case type names only (identifiers are lower case). */
static char *pg_ddl(const char *sql)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"INTEGER", "BIGINT"},
        {"BLOB", "BYTEA"},
        {"TEXT", "TEXT COLLATE \"C\""},
        {" WITHOUT ROWID", ""},
    };
    size_t n = strlen(sql);
    char *out = malloc(4 * n + 1), *o = out; /* no replacement more than quadruples its word */
    if (!out)
        return NULL;
    for (const char *p = sql; *p;) {
        bool done = false;
        bool boundary = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        for (size_t i = 0; boundary && i < sizeof map / sizeof map[0] && !done; i++) {
            size_t k = strlen(map[i].from);
            const char *after = p + k;
            if (strncmp(p, map[i].from, k) == 0 && !(isalnum((unsigned char)*after) || *after == '_')) {
                put(&o, map[i].to);
                p = after;
                done = true;
            }
        }
        if (!done)
            *o++ = *p++;
    }
    *o = '\0';
    return out;
}

static int pg_notify(void *conn, const char *channel, const char *payload)
{
    pg_conn_t *c = conn;
    const char *vals[2] = {channel, payload};
    PGresult *res = pq.PQexecParams(c->pg, "SELECT pg_notify($1, $2)", 2, NULL, vals, NULL, NULL, 0);
    int rc = pq.PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : status_of(c, res);
    pq.PQclear(res);
    return rc;
}

/* A connection of its own that LISTENs; notifications arrive on its socket. */
typedef struct pg_listener {
    PGconn *pg;
} pg_listener_t;

static void *pg_listen(void *db, const char *const *channels, char *err, size_t errlen)
{
    pg_db_t *d = db;
    pg_listener_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->pg = pq.PQconnectdb(d->conninfo);
    if (pq.PQstatus(l->pg) != CONNECTION_OK)
        goto fail;
    pq.PQsetNoticeProcessor(l->pg, quiet, NULL);
    for (size_t i = 0; channels[i]; i++) {
        char *ident = pq.PQescapeIdentifier(l->pg, channels[i], strlen(channels[i]));
        char sql[256];
        snprintf(sql, sizeof sql, "LISTEN %s", ident ? ident : "?");
        pq.PQfreemem(ident);
        PGresult *res = pq.PQexec(l->pg, sql);
        bool ok = pq.PQresultStatus(res) == PGRES_COMMAND_OK;
        pq.PQclear(res);
        if (!ok)
            goto fail;
    }
    if (pq.PQsetnonblocking(l->pg, 1) != 0)
        goto fail;
    return l;
fail:
    snprintf(err, errlen, "cannot listen for other nodes: %s", pq.PQerrorMessage(l->pg));
    pq.PQfinish(l->pg);
    free(l);
    return NULL;
}

static int pg_listen_fd(void *lp)
{
    return pq.PQsocket(((pg_listener_t *)lp)->pg);
}

static int pg_listen_drain(void *lp, void (*fn)(const char *, const char *, void *), void *ctx)
{
    pg_listener_t *l = lp;
    if (!pq.PQconsumeInput(l->pg) || pq.PQstatus(l->pg) != CONNECTION_OK)
        return STORE_ERROR;
    PGnotify *n;
    while ((n = pq.PQnotifies(l->pg))) {
        fn(n->relname, n->extra, ctx);
        pq.PQfreemem(n);
    }
    return 0;
}

static void pg_listen_close(void *lp)
{
    pg_listener_t *l = lp;
    pq.PQfinish(l->pg);
    free(l);
}

const db_backend_t db_postgres = {
    .name = "postgresql",
    .shared = true,
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .for_update = " FOR UPDATE",
    .open = pg_open,
    .close = pg_close,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_null = pg_bind_null,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .reset = pg_reset,
    .col_null = pg_col_null,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .errmsg = pg_errmsg,
    .version_get = pg_version_get,
    .version_set = pg_version_set,
    .ddl = pg_ddl,
    .exec = pg_exec,
    .savepoint = pg_savepoint,
    .notify = pg_notify,
    .listen = pg_listen,
    .listen_fd = pg_listen_fd,
    .listen_drain = pg_listen_drain,
    .listen_close = pg_listen_close,
};
