/* The SQLite backend (see db.h): one database file in WAL mode with synchronous=FULL, a connection per
 * thread, BEGIN IMMEDIATE for every write. Writers of this process queue on a mutex rather than sleeping in
 * SQLite's busy handler; the busy handler is left for other processes. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/util.h"

typedef struct sq_db {
    char *path;
    bool sync_full;
    pthread_mutex_t write_lock; /* held from BEGIN IMMEDIATE to COMMIT/ROLLBACK */
} sq_db_t;

/* The statements that open and close every transaction, and the group commit's savepoints, prepared once per
 * connection: sqlite3_exec would compile them again each time. */
enum {
    CTL_BEGIN,
    CTL_COMMIT,
    CTL_ROLLBACK,
    CTL_RELAX,
    CTL_UNRELAX,
    CTL_SAVEPOINT,
    CTL_RELEASE,
    CTL_ROLLBACK_TO,
    CTL_N
};
static const char *const ctl_sql[CTL_N] = {[CTL_BEGIN] = "BEGIN IMMEDIATE",
                                           [CTL_COMMIT] = "COMMIT",
                                           [CTL_ROLLBACK] = "ROLLBACK",
                                           [CTL_RELAX] = "PRAGMA synchronous=NORMAL",
                                           [CTL_UNRELAX] = "PRAGMA synchronous=FULL",
                                           [CTL_SAVEPOINT] = "SAVEPOINT glued_item",
                                           [CTL_RELEASE] = "RELEASE glued_item",
                                           [CTL_ROLLBACK_TO] = "ROLLBACK TO glued_item"};

typedef struct sq_conn {
    sqlite3 *db;
    sq_db_t *owner;
    bool relaxed;  /* the open transaction commits without a flush; restore FULL after it */
    bool in_write; /* holds owner->write_lock */
    sqlite3_stmt *ctl[CTL_N];
} sq_conn_t;

typedef struct sq_stmt {
    sqlite3_stmt *st;
    sq_conn_t *c;
} sq_stmt_t;

/* SQLite's result code as a store status. */
static int status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_RETRY;
    case SQLITE_FULL: return STORE_FULL;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE ? STORE_EXISTS : STORE_ERROR;
    case SQLITE_IOERR:
        /* a write that found no space is reported as an I/O error by some file systems */
        return rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE ? STORE_FULL
                                                                                                   : STORE_ERROR;
    default: return STORE_ERROR;
    }
}

static void config_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* one mutex less on every call; must precede initialisation */
    /* Each transaction of a group commit runs in a savepoint, whose sub-journal keeps the first copy of every
     * page it changes. Past SQLite's default of 64 KB that journal became a temporary file for the rest of the
     * transaction, and every later page of every later savepoint was written to it: in a fan-out of 999 job
     * runs, 11,700 pwrites (93% of the engine's) went to that file and 900 to the WAL. It stays in memory now
     * (as with temp_store=MEMORY), in small pieces freed as each savepoint is released; it holds what one
     * savepoint or statement changed, which the WAL receives anyway. (A positive threshold would not do: SQLite
     * then allocates the journal in pieces of that size, a fresh mapping for every savepoint.) */
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
}

static int sq_open(const char *target, const store_opts_t *opts, void **db, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, config_once);
    sq_db_t *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(target))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->sync_full = opts->sync_full;
    pthread_mutex_init(&d->write_lock, NULL);
    *db = d;
    return 0;
}

static void sq_close(void *db)
{
    sq_db_t *d = db;
    pthread_mutex_destroy(&d->write_lock);
    free(d->path);
    free(d);
}

static void *sq_connect(void *db, char *err, size_t errlen)
{
    sq_db_t *d = db;
    sq_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->owner = d;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(d->path, &c->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", d->path, c->db ? sqlite3_errmsg(c->db) : "no memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 10000);
    sqlite3_extended_result_codes(c->db, 1);
    const char *pragmas = d->sync_full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;";
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up database %s: %s", d->path, msg ? msg : "?");
        sqlite3_free(msg);
        goto fail;
    }
    return c;
fail:
    sqlite3_close(c->db);
    free(c);
    return NULL;
}

static void sq_disconnect(void *conn)
{
    sq_conn_t *c = conn;
    for (int i = 0; i < CTL_N; i++)
        sqlite3_finalize(c->ctl[i]);
    sqlite3_close(c->db);
    free(c);
}

static int sq_exec(void *conn, const char *sql)
{
    sq_conn_t *c = conn;
    return status_of(sqlite3_exec(c->db, sql, NULL, NULL, NULL));
}

/* Runs one of ctl_sql: SQLite's result code, SQLITE_OK when it went through. */
static int ctl(sq_conn_t *c, int which)
{
    if (!c->ctl[which]) {
        int rc = sqlite3_prepare_v3(c->db, ctl_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &c->ctl[which], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    int rc = sqlite3_step(c->ctl[which]);
    sqlite3_reset(c->ctl[which]);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int sq_savepoint(void *conn, int op)
{
    static const int which[] = {
        [DB_SP_SET] = CTL_SAVEPOINT, [DB_SP_RELEASE] = CTL_RELEASE, [DB_SP_ROLLBACK_TO] = CTL_ROLLBACK_TO};
    return status_of(ctl(conn, which[op]));
}

static void write_unlock(sq_conn_t *c)
{
    if (c->in_write) {
        c->in_write = false;
        pthread_mutex_unlock(&c->owner->write_lock);
    }
}

static void unrelax(sq_conn_t *c)
{
    if (c->relaxed) {
        ctl(c, CTL_UNRELAX);
        c->relaxed = false;
    }
}

static int sq_begin(void *conn, unsigned flags)
{
    sq_conn_t *c = conn;
    if ((flags & STORE_TX_RELAXED) && c->owner->sync_full && ctl(c, CTL_RELAX) == SQLITE_OK)
        c->relaxed = true;
    pthread_mutex_lock(&c->owner->write_lock);
    c->in_write = true;
    int rc = status_of(ctl(c, CTL_BEGIN));
    if (rc != DB_DONE) {
        write_unlock(c);
        unrelax(c);
    }
    return rc;
}

static int sq_commit(void *conn)
{
    sq_conn_t *c = conn;
    int rc = status_of(ctl(c, CTL_COMMIT));
    if (rc == DB_DONE) { /* on failure the transaction stays open: the caller rolls back, which unlocks */
        unrelax(c);
        write_unlock(c);
    }
    return rc;
}

static int sq_rollback(void *conn)
{
    sq_conn_t *c = conn;
    int rc = DB_DONE;
    if (!sqlite3_get_autocommit(c->db))
        rc = status_of(ctl(c, CTL_ROLLBACK));
    unrelax(c);
    write_unlock(c);
    return rc;
}

static void *sq_prepare(void *conn, const char *sql, int *status)
{
    sq_conn_t *c = conn;
    sq_stmt_t *s = calloc(1, sizeof *s);
    if (!s) {
        *status = STORE_ERROR;
        return NULL;
    }
    s->c = c;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    if (rc != SQLITE_OK) {
        *status = status_of(rc) == DB_DONE ? STORE_ERROR : status_of(rc);
        free(s);
        return NULL;
    }
    return s;
}

static void sq_finalize(void *stmt)
{
    sq_stmt_t *s = stmt;
    sqlite3_finalize(s->st);
    free(s);
}

static void sq_bind_text(void *stmt, int i, const char *v)
{
    sq_stmt_t *s = stmt;
    if (v)
        sqlite3_bind_text(s->st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s->st, i);
}

static void sq_bind_int(void *stmt, int i, int64_t v)
{
    sqlite3_bind_int64(((sq_stmt_t *)stmt)->st, i, v);
}

static void sq_bind_null(void *stmt, int i)
{
    sqlite3_bind_null(((sq_stmt_t *)stmt)->st, i);
}

static void sq_bind_blob(void *stmt, int i, const void *v, size_t n)
{
    sqlite3_bind_blob64(((sq_stmt_t *)stmt)->st, i, v, n, SQLITE_STATIC);
}

static int sq_step(void *stmt)
{
    return status_of(sqlite3_step(((sq_stmt_t *)stmt)->st));
}

static void sq_reset(void *stmt)
{
    sq_stmt_t *s = stmt;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

static bool sq_col_null(void *stmt, int i)
{
    return sqlite3_column_type(((sq_stmt_t *)stmt)->st, i) == SQLITE_NULL;
}

static const char *sq_col_text(void *stmt, int i)
{
    return (const char *)sqlite3_column_text(((sq_stmt_t *)stmt)->st, i);
}

static int64_t sq_col_int(void *stmt, int i)
{
    return sqlite3_column_int64(((sq_stmt_t *)stmt)->st, i);
}

static size_t sq_col_blob(void *stmt, int i, void *out, size_t cap)
{
    sq_stmt_t *s = stmt;
    const void *p = sqlite3_column_blob(s->st, i);
    size_t n = (size_t)sqlite3_column_bytes(s->st, i);
    if (p && out && cap)
        memcpy(out, p, n < cap ? n : cap);
    return n;
}

static int64_t sq_changes(void *stmt)
{
    return sqlite3_changes64(((sq_stmt_t *)stmt)->c->db);
}

static const char *sq_errmsg(void *conn)
{
    return sqlite3_errmsg(((sq_conn_t *)conn)->db);
}

static int sq_version_get(void *conn, int *version)
{
    sq_conn_t *c = conn;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return status_of(rc);
    *version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

static int sq_version_set(void *conn, int version)
{
    char q[64];
    snprintf(q, sizeof q, "PRAGMA user_version=%d", version);
    return sq_exec(conn, q);
}

const db_backend_t db_sqlite = {
    .name = "sqlite",
    .shared = false,
    .skip_locked = "", /* one writer at a time: nothing to skip */
    .for_update = "",
    .open = sq_open,
    .close = sq_close,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_null = sq_bind_null,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .reset = sq_reset,
    .col_null = sq_col_null,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .version_get = sq_version_get,
    .version_set = sq_version_set,
    .ddl = NULL,
    .exec = sq_exec,
    .savepoint = sq_savepoint,
    .notify = NULL,
    .listen = NULL,
};
