/* Inside the store: the backend contract and the neutral layer every store file writes its SQL against.
 *
 * A backend (sqlite.c, postgres.c) is a table of a few primitives, in the spirit of SQLite's VFS: open a
 * database, connect, begin/commit/rollback, prepare, bind, step, read columns, and notify. Everything else -
 * the schema, the queries, the per-thread connections and their statement caches, transactions and their
 * retries, statuses - is written once, in db.c and the store's domain files (store.c, ...).
 *
 * SQL is written once, in the dialect both backends share: `?N` parameters (postgres.c turns them into $N),
 * `INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE SET col = excluded.col`, `RETURNING`, partial indexes,
 * no `INSERT OR ...`, no `INDEXED BY`, no backend functions. Schema migrations (schema.c) are written in
 * SQLite's DDL; a backend may rewrite types in them (postgres.c: INTEGER -> BIGINT, BLOB -> BYTEA, ...). */
#ifndef GLUED_STORE_DB_H
#define GLUED_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* What a backend's step returns besides the STORE_* failure statuses. */
enum { DB_DONE = 0, DB_ROW = 1, DB_RETRY = -100 /* serialization failure, deadlock or busy: run the tx again */ };

/* What a backend's savepoint does. */
enum { DB_SP_SET, DB_SP_RELEASE, DB_SP_ROLLBACK_TO };

/* Transaction flags given to a backend's begin (STORE_TX_* of store.h, plus the migration's own). */
#define DB_TX_MIGRATE 0x100u /* the schema migration: take the cross-process migration lock first */

typedef struct db_backend {
    const char *name;        /* "sqlite", "postgresql" */
    bool shared;             /* several nodes may share the database */
    const char *skip_locked; /* what "{skip_locked}" in a query becomes: " FOR UPDATE SKIP LOCKED" or "" */
    const char *for_update;  /* what "{for_update}" becomes: " FOR UPDATE" or "" (one writer: nothing to lock) */
    /* The database named by target (the part after "sqlite:" or a postgresql:// URL). *db is the backend's. */
    int (*open)(const char *target, const store_opts_t *opts, void **db, char *err, size_t errlen);
    void (*close)(void *db);
    /* One connection per thread; NULL with err filled when it cannot be made. */
    void *(*connect)(void *db, char *err, size_t errlen);
    void (*disconnect)(void *conn);
    /* Transactions: begin takes STORE_TX_* / DB_TX_* flags. Each returns 0, DB_RETRY or a STORE_* failure. */
    int (*begin)(void *conn, unsigned flags);
    int (*commit)(void *conn);
    int (*rollback)(void *conn);
    /* Statements, in the neutral dialect; NULL with *status set on failure. */
    void *(*prepare)(void *conn, const char *sql, int *status);
    void (*finalize)(void *stmt);
    void (*bind_text)(void *stmt, int i, const char *v); /* v NULL binds NULL; v lives until the step */
    void (*bind_int)(void *stmt, int i, int64_t v);
    void (*bind_null)(void *stmt, int i);
    void (*bind_blob)(void *stmt, int i, const void *v, size_t n);
    int (*step)(void *stmt);   /* DB_ROW, DB_DONE, DB_RETRY, or a STORE_* failure */
    void (*reset)(void *stmt); /* ready to bind and step again */
    bool (*col_null)(void *stmt, int i);
    const char *(*col_text)(void *stmt, int i); /* NULL for SQL NULL; valid until the next step or reset */
    int64_t (*col_int)(void *stmt, int i);
    size_t (*col_blob)(void *stmt, int i, void *out, size_t cap); /* copies at most cap bytes; the full size */
    int64_t (*changes)(void *stmt);                               /* rows the statement's last step changed */
    const char *(*errmsg)(void *conn);                            /* the last failure's text, for the log */
    /* Schema version bookkeeping (SQLite keeps it in user_version, PostgreSQL in a table). */
    int (*version_get)(void *conn, int *version);
    int (*version_set)(void *conn, int version);
    /* The migration text for this backend (heap), or NULL to use it as written. */
    char *(*ddl)(const char *sqlite_ddl);
    /* Runs statements without parameters or rows (DDL). */
    int (*exec)(void *conn, const char *sql);
    /* The savepoint around each transaction of a group commit: set, released or rolled back to (DB_SP_*).
     * 0, or a failure status. */
    int (*savepoint)(void *conn, int op);
    /* Tells other nodes sharing the database (delivered at commit); NULL where there is no one to tell. */
    int (*notify)(void *conn, const char *channel, const char *payload);
    /* A connection of its own that listens on channels (NULL where nobody notifies): its fd, and a drain
     * that hands each notification to fn (0, or a failure status when the connection broke). */
    void *(*listen)(void *db, const char *const *channels, char *err, size_t errlen);
    int (*listen_fd)(void *l);
    int (*listen_drain)(void *l, void (*fn)(const char *channel, const char *payload, void *ctx), void *ctx);
    void (*listen_close)(void *l);
} db_backend_t;

extern const db_backend_t db_sqlite;
extern const db_backend_t db_postgres;

/* A query, written once next to the code that runs it: DB_SQL(q_name, "SELECT ..."). Its id (the slot in
 * each connection's statement cache) is assigned on first use. */
typedef struct db_sql {
    const char *text;
    int id; /* 0 until first use */
} db_sql_t;
#define DB_SQL(var, sql) static db_sql_t var = {sql, 0}
#define DB_SQL_MAX       1024 /* distinct queries in the whole program */

/* A prepared statement of the handle's connection, bound and ready to step. */
typedef struct db_stmt db_stmt_t;

/* Binds by format, one letter per parameter ?1, ?2, ...:
 *   s  const char *      text (NULL binds NULL)
 *   i  int64_t           integer
 *   z  int64_t           integer, 0 binds NULL
 *   o  int, int64_t      integer when the int (a bool) is true, else NULL
 *   b  const void *, size_t   blob
 * Runs a statement without rows: STORE_OK or a failure status; *changes (may be NULL) gets the rows changed. */
int db_exec(store_tx_t *tx, db_sql_t *q, int64_t *changes, const char *fmt, ...);
/* Prepares and binds a query; NULL on failure (the handle remembers the status: db_status). */
db_stmt_t *db_query(store_tx_t *tx, db_sql_t *q, const char *fmt, ...);
/* The next row: 1, 0 at the end (the statement is reset), or a failure status (also reset). */
int db_next(db_stmt_t *st);
/* Ends a query early (resets the statement). Accepts NULL. */
void db_done(db_stmt_t *st);
/* Runs a query and reads its first row into fn; STORE_NOTFOUND when there is none. */
typedef void (*db_row_fn)(db_stmt_t *st, void *out);
int db_get(store_tx_t *tx, db_sql_t *q, db_row_fn fn, void *out, const char *fmt, ...);
/* The single integer a query returns (count(*), ...): STORE_OK, STORE_NOTFOUND or a failure. */
int db_int(store_tx_t *tx, db_sql_t *q, int64_t *out, const char *fmt, ...);

/* Columns of the current row. */
char *db_col_str(db_stmt_t *st, int i); /* heap copy, NULL for SQL NULL */
int64_t db_col_int(db_stmt_t *st, int i);
bool db_col_null(db_stmt_t *st, int i);
size_t db_col_blob(db_stmt_t *st, int i, void *out, size_t cap);

/* The status a failed call left on the handle (sticky inside a transaction). */
int db_status(store_tx_t *tx);
/* Records a failure (logged once with what and the backend's text); returns the status. */
int db_fail(store_tx_t *tx, int status, const char *what);

/* Grows an array of n elements of size sz to hold one more; NULL when out of memory (the old one stays). */
void *db_grow(void *v, size_t n, size_t *cap, size_t sz);

/* The backend and its connection, for the migration runner and the backends' tests. */
const db_backend_t *db_backend(store_t *s);
void *db_conn(store_tx_t *tx);

/* Schema migrations (schema.c): entry i brings a database from version i to i+1. */
extern const char *const db_migrations[];
extern const int db_schema_version;
/* The tables store_reset empties and those it keeps, NULL-terminated (schema.c). */
extern const char *const db_reset_tables[];
extern const char *const db_reset_kept[];

#endif
