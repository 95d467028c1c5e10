/* The SQLite store (see store.h): WAL, synchronous=FULL, one connection per thread, prepared statements
 * cached per connection, BEGIN IMMEDIATE for every write, schema versions applied in order at open. */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

/* Schema migrations: entry i brings the database from version i to i+1. Never edit a released entry. */
static const char *const migrations[] = {
    /* 0 -> 1: workflows, runs, generic definitions */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE workflows ("
    "  name TEXT PRIMARY KEY, description TEXT, default_props TEXT, tags TEXT,"
    "  max_runs INTEGER, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE workflow_runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, workflow TEXT NOT NULL,"
    "  previous_run_id TEXT, status INTEGER NOT NULL, error_message TEXT, props TEXT,"
    "  started_ms INTEGER, completed_ms INTEGER, batch_size INTEGER, batch_window INTEGER,"
    "  st_total INTEGER NOT NULL DEFAULT 0, st_timeout INTEGER NOT NULL DEFAULT 0,"
    "  st_failed INTEGER NOT NULL DEFAULT 0, st_stopped INTEGER NOT NULL DEFAULT 0,"
    "  st_succeeded INTEGER NOT NULL DEFAULT 0, st_running INTEGER NOT NULL DEFAULT 0,"
    "  st_errored INTEGER NOT NULL DEFAULT 0, st_waiting INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX workflow_runs_by_workflow ON workflow_runs(workflow, seq);"
    "CREATE TABLE resources ("
    "  kind TEXT NOT NULL, name TEXT NOT NULL, workflow TEXT, doc TEXT NOT NULL, tags TEXT,"
    "  created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, PRIMARY KEY (kind, name)) WITHOUT ROWID;"
    "CREATE INDEX resources_by_workflow ON resources(kind, workflow) WHERE workflow IS NOT NULL;",
    /* 1 -> 2: the engine's state: action runs, frozen run graphs, node states, watchers */
    "CREATE INDEX workflow_runs_active ON workflow_runs(workflow) WHERE status IN (0, 2);"
    "CREATE TABLE job_runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, job TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL, previous_run_id TEXT, trigger_name TEXT,"
    "  workflow TEXT, workflow_run_id TEXT, started_ms INTEGER, modified_ms INTEGER, completed_ms INTEGER,"
    "  timeout_min INTEGER, pid INTEGER, error_message TEXT, arguments TEXT, detail TEXT);"
    "CREATE INDEX job_runs_by_job ON job_runs(kind, job, seq);"
    "CREATE INDEX job_runs_by_run ON job_runs(workflow_run_id, seq) WHERE workflow_run_id IS NOT NULL;"
    "CREATE INDEX job_runs_active ON job_runs(kind, job) WHERE state < 4;"
    "CREATE TABLE run_triggers (run_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,"
    "  fired INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE run_nodes (run_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, state INTEGER,"
    "  source_run_id TEXT, PRIMARY KEY (run_id, type, name)) WITHOUT ROWID;"
    "CREATE TABLE run_watch (run_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,"
    "  trigger_name TEXT NOT NULL, PRIMARY KEY (run_id, type, name, trigger_name)) WITHOUT ROWID;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_WF_INSERT,
    Q_WF_COUNT,
    Q_WF_EXISTS,
    Q_WF_GET,
    Q_WF_GET_LAST,
    Q_WF_UPDATE,
    Q_WF_DELETE,
    Q_WF_DELETE_RUNS,
    Q_WF_DELETE_RT,
    Q_WF_DELETE_RN,
    Q_WF_DELETE_RW,
    Q_WF_DELETE_TRIGGERS,
    Q_WF_NAMES_FIRST,
    Q_WF_NAMES_AFTER,
    Q_RUN_INSERT,
    Q_RUN_GET,
    Q_RUN_LIST,
    Q_RUN_UPDATE,
    Q_RES_INSERT,
    Q_RES_COUNT,
    Q_RES_GET,
    Q_RES_UPDATE,
    Q_RES_DELETE,
    Q_RES_LIST_FIRST,
    Q_RES_LIST_AFTER,
    Q_RES_BY_WF,
    Q_RES_PUT_DOC,
    Q_JR_INSERT,
    Q_JR_GET,
    Q_JR_UPDATE,
    Q_JR_LIST_JOB,
    Q_JR_LIST_RUN,
    Q_JR_LIST_ACTIVE_RUN,
    Q_JR_LIST_ACTIVE_ALL,
    Q_JR_COUNT_ACTIVE,
    Q_JR_LATEST_IN_RUN,
    Q_RT_ADD,
    Q_RT_LIST,
    Q_RT_FIRE,
    Q_RT_DOC,
    Q_RN_ADD,
    Q_RN_SET,
    Q_RN_STATE,
    Q_RN_LIST,
    Q_RN_STATS,
    Q_RW_ADD,
    Q_RW_LIST,
    Q_RUN_STATS_SET,
    Q_RUN_STATS_ADD,
    Q_RUN_ACTIVE,
    Q_RUN_STATUS_SET,
    Q_RUN_COUNT_ACTIVE,
    Q_RUN_LIST_ACTIVE,
    Q_COUNT
};

#define RUN_COLS                                                                                                       \
    "seq, run_id, workflow, previous_run_id, status, error_message, props, started_ms, completed_ms, batch_size, "     \
    "batch_window, st_total, st_timeout, st_failed, st_stopped, st_succeeded, st_running, st_errored, st_waiting"
#define RES_COLS "kind, name, workflow, doc, tags, created_ms, modified_ms"
#define JR_COLS                                                                                                        \
    "seq, id, kind, job, attempt, state, previous_run_id, trigger_name, workflow, workflow_run_id, started_ms,"        \
    " modified_ms, completed_ms, timeout_min, pid, error_message, arguments, detail"

static const char *const sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_WF_INSERT] = "INSERT INTO workflows (name, description, default_props, tags, max_runs, created_ms,"
                    " modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_WF_COUNT] = "SELECT count(*) FROM workflows",
    [Q_WF_EXISTS] = "SELECT 1 FROM workflows WHERE name = ?1",
    [Q_WF_GET] = "SELECT name, description, default_props, tags, max_runs, created_ms, modified_ms"
                 " FROM workflows WHERE name = ?1",
    [Q_WF_GET_LAST] = "SELECT w.name, w.description, w.default_props, w.tags, w.max_runs, w.created_ms,"
                      " w.modified_ms, r.seq, r.run_id, r.workflow, r.previous_run_id, r.status, r.error_message,"
                      " r.props, r.started_ms, r.completed_ms, r.batch_size, r.batch_window, r.st_total,"
                      " r.st_timeout, r.st_failed, r.st_stopped, r.st_succeeded, r.st_running, r.st_errored,"
                      " r.st_waiting FROM workflows w LEFT JOIN workflow_runs r ON r.seq ="
                      " (SELECT max(seq) FROM workflow_runs WHERE workflow = w.name) WHERE w.name = ?1",
    [Q_WF_UPDATE] = "UPDATE workflows SET description = ?2, default_props = ?3, tags = ?4, max_runs = ?5,"
                    " modified_ms = ?6 WHERE name = ?1",
    [Q_WF_DELETE] = "DELETE FROM workflows WHERE name = ?1",
    [Q_WF_DELETE_RUNS] = "DELETE FROM workflow_runs WHERE workflow = ?1",
    [Q_WF_DELETE_RT] =
        "DELETE FROM run_triggers WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)",
    [Q_WF_DELETE_RN] = "DELETE FROM run_nodes WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)",
    [Q_WF_DELETE_RW] = "DELETE FROM run_watch WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)",
    [Q_WF_DELETE_TRIGGERS] = "DELETE FROM resources WHERE kind = 'trigger' AND workflow = ?1",
    [Q_WF_NAMES_FIRST] = "SELECT name FROM workflows ORDER BY name LIMIT ?1",
    [Q_WF_NAMES_AFTER] = "SELECT name FROM workflows WHERE name > ?2 ORDER BY name LIMIT ?1",
    [Q_RUN_INSERT] = "INSERT INTO workflow_runs (workflow, run_id, previous_run_id, status, error_message, props,"
                     " started_ms, completed_ms, batch_size, batch_window, st_total, st_timeout, st_failed,"
                     " st_stopped, st_succeeded, st_running, st_errored, st_waiting) VALUES (?1, ?2, ?3, ?4, ?5,"
                     " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [Q_RUN_GET] = "SELECT " RUN_COLS " FROM workflow_runs WHERE run_id = ?2 AND workflow = ?1",
    [Q_RUN_LIST] = "SELECT " RUN_COLS " FROM workflow_runs WHERE workflow = ?1 AND seq < ?2"
                   " ORDER BY seq DESC LIMIT ?3",
    [Q_RUN_UPDATE] = "UPDATE workflow_runs SET previous_run_id = ?3, status = ?4, error_message = ?5, props = ?6,"
                     " started_ms = ?7, completed_ms = ?8, batch_size = ?9, batch_window = ?10, st_total = ?11,"
                     " st_timeout = ?12, st_failed = ?13, st_stopped = ?14, st_succeeded = ?15, st_running = ?16,"
                     " st_errored = ?17, st_waiting = ?18 WHERE run_id = ?2 AND workflow = ?1",
    [Q_RES_INSERT] = "INSERT INTO resources (" RES_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_RES_COUNT] = "SELECT count(*) FROM resources WHERE kind = ?1",
    [Q_RES_GET] = "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND name = ?2",
    [Q_RES_UPDATE] = "UPDATE resources SET workflow = ?3, doc = ?4, tags = ?5, modified_ms = ?6"
                     " WHERE kind = ?1 AND name = ?2",
    [Q_RES_DELETE] = "DELETE FROM resources WHERE kind = ?1 AND name = ?2",
    [Q_RES_LIST_FIRST] = "SELECT " RES_COLS " FROM resources WHERE kind = ?1 ORDER BY name LIMIT ?3",
    [Q_RES_LIST_AFTER] = "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND name > ?2 ORDER BY name LIMIT ?3",
    [Q_RES_BY_WF] = "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND workflow = ?2 ORDER BY name",
    [Q_RES_PUT_DOC] = "UPDATE resources SET doc = ?3, modified_ms = ?4 WHERE kind = ?1 AND name = ?2",
    [Q_JR_INSERT] = "INSERT INTO job_runs (id, kind, job, attempt, state, previous_run_id, trigger_name, workflow,"
                    " workflow_run_id, started_ms, modified_ms, completed_ms, timeout_min, pid, error_message,"
                    " arguments, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                    " ?16, ?17)",
    [Q_JR_GET] = "SELECT " JR_COLS " FROM job_runs WHERE id = ?1",
    [Q_JR_UPDATE] = "UPDATE job_runs SET state = ?2, started_ms = ?3, modified_ms = ?4, completed_ms = ?5,"
                    " pid = ?6, error_message = ?7, arguments = ?8, timeout_min = ?9 WHERE id = ?1",
    [Q_JR_LIST_JOB] = "SELECT " JR_COLS " FROM job_runs WHERE kind = ?1 AND job = ?2 AND seq < ?3"
                      " ORDER BY seq DESC LIMIT ?4",
    [Q_JR_LIST_RUN] = "SELECT " JR_COLS " FROM job_runs WHERE workflow_run_id = ?1 ORDER BY seq",
    [Q_JR_LIST_ACTIVE_RUN] = "SELECT " JR_COLS " FROM job_runs WHERE workflow_run_id = ?1 AND state < 4 ORDER BY seq",
    [Q_JR_LIST_ACTIVE_ALL] = "SELECT " JR_COLS " FROM job_runs INDEXED BY job_runs_active WHERE state < 4 ORDER BY seq",
    [Q_JR_LATEST_IN_RUN] = "SELECT id FROM job_runs WHERE workflow_run_id = ?1 AND kind = ?2 AND job = ?3"
                           " ORDER BY seq DESC LIMIT 1",
    [Q_JR_COUNT_ACTIVE] = "SELECT count(*) FROM job_runs WHERE kind = ?1 AND job = ?2 AND state < 4",
    [Q_RT_ADD] = "INSERT OR REPLACE INTO run_triggers (run_id, name, doc, fired) VALUES (?1, ?2, ?3, ?4)",
    [Q_RT_LIST] = "SELECT name, doc, fired FROM run_triggers WHERE run_id = ?1 ORDER BY name",
    [Q_RT_FIRE] = "UPDATE run_triggers SET fired = 1 WHERE run_id = ?1 AND name = ?2 AND fired = 0",
    [Q_RT_DOC] = "SELECT doc FROM run_triggers WHERE run_id = ?1 AND name = ?2",
    [Q_RN_ADD] =
        "INSERT OR IGNORE INTO run_nodes (run_id, type, name, state, source_run_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_RN_SET] = "UPDATE run_nodes SET state = ?4, source_run_id = ?5 WHERE run_id = ?1 AND type = ?2 AND name = ?3",
    [Q_RN_STATE] = "SELECT state FROM run_nodes WHERE run_id = ?1 AND type = ?2 AND name = ?3",
    [Q_RN_LIST] = "SELECT type, name, state, source_run_id FROM run_nodes WHERE run_id = ?1 ORDER BY type, name",
    [Q_RN_STATS] = "SELECT state, count(*) FROM run_nodes WHERE run_id = ?1 GROUP BY state",
    [Q_RW_ADD] = "INSERT OR IGNORE INTO run_watch (run_id, type, name, trigger_name) VALUES (?1, ?2, ?3, ?4)",
    [Q_RW_LIST] = "SELECT trigger_name FROM run_watch WHERE run_id = ?1 AND type = ?2 AND name = ?3",
    [Q_RUN_STATS_SET] = "UPDATE workflow_runs SET st_total = ?2, st_timeout = ?3, st_failed = ?4, st_stopped = ?5,"
                        " st_succeeded = ?6, st_running = ?7, st_errored = ?8, st_waiting = ?9 WHERE run_id = ?1",
    [Q_RUN_STATS_ADD] = "UPDATE workflow_runs SET st_total = st_total + ?2, st_timeout = st_timeout + ?3,"
                        " st_failed = st_failed + ?4, st_stopped = st_stopped + ?5, st_succeeded = st_succeeded + ?6,"
                        " st_running = st_running + ?7, st_errored = st_errored + ?8, st_waiting = st_waiting + ?9"
                        " WHERE run_id = ?1",
    [Q_RUN_ACTIVE] = "SELECT st_running + st_waiting FROM workflow_runs WHERE run_id = ?1",
    [Q_RUN_STATUS_SET] = "UPDATE workflow_runs SET status = ?2, completed_ms = coalesce(?3, completed_ms),"
                         " error_message = coalesce(?4, error_message) WHERE run_id = ?1",
    [Q_RUN_COUNT_ACTIVE] = "SELECT count(*) FROM workflow_runs WHERE workflow = ?1 AND status IN (0, 2)",
    [Q_RUN_LIST_ACTIVE] = "SELECT " RUN_COLS " FROM workflow_runs WHERE status IN (0, 2) ORDER BY seq",
};

/* One connection and its statement cache; owned by exactly one thread. */
typedef struct conn {
    sqlite3 *db;
    struct store *store;
    bool relaxed;  /* the open transaction commits without a flush; restore FULL after it */
    bool in_write; /* this connection holds store->write_lock */
    sqlite3_stmt *stmts[Q_COUNT];
    struct conn *next; /* in store->conns, for closing */
} conn_t;

struct store {
    char *path;
    bool sync_full;
    pthread_key_t key;
    pthread_mutex_t lock;       /* guards conns */
    pthread_mutex_t write_lock; /* held from BEGIN IMMEDIATE to COMMIT/ROLLBACK: writers of this process queue
                                   here instead of sleeping in SQLite's busy handler */
    conn_t *conns;
    uint8_t secret[32];
    int version;
};

static int db_fail(sqlite3 *db, const char *what, gerr_t *e)
{
    log_error("store: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return gerr_set(e, GERR_INTERNAL, "Storage error while %s; the request was not applied", what);
}

static int exec(sqlite3 *db, const char *q, const char *what, gerr_t *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("store: %s: %s", what, msg ? msg : "?");
        sqlite3_free(msg);
        return gerr_set(e, GERR_INTERNAL, "Storage error while %s", what);
    }
    return 0;
}

static sqlite3 *open_db(store_t *s, gerr_t *e)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &db, flags, NULL) != SQLITE_OK) {
        gerr_set(e, GERR_INTERNAL, "cannot open database %s: %s", s->path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_extended_result_codes(db, 1);
    const char *pragmas = s->sync_full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;";
    if (exec(db, pragmas, "setting up the connection", e) < 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* The calling thread's connection, opened on first use. */
static conn_t *conn_get(store_t *s, gerr_t *e)
{
    conn_t *c = pthread_getspecific(s->key);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c) {
        gerr_set(e, GERR_INTERNAL, "out of memory");
        return NULL;
    }
    c->store = s;
    c->db = open_db(s, e);
    if (!c->db) {
        free(c);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, c);
    return c;
}

/* A reset, unbound cached statement. */
static sqlite3_stmt *stmt(conn_t *c, int q, gerr_t *e)
{
    sqlite3_stmt *st = c->stmts[q];
    if (!st) {
        if (sqlite3_prepare_v3(c->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[q], NULL) != SQLITE_OK) {
            db_fail(c->db, "preparing a statement", e);
            return NULL;
        }
        st = c->stmts[q];
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
    if (has)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Runs a statement that returns no rows. */
static int step_done(conn_t *c, sqlite3_stmt *st, const char *what, gerr_t *e)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, what, e);
    return 0;
}

static void write_unlock(conn_t *c)
{
    if (c->in_write) {
        c->in_write = false;
        pthread_mutex_unlock(&c->store->write_lock);
    }
}

static int tx_begin(conn_t *c, gerr_t *e)
{
    if (c->in_write) /* a transaction inside a transaction on one thread: a bug, never a deadlock */
        return gerr_set(e, GERR_INTERNAL, "store: nested write transaction");
    pthread_mutex_lock(&c->store->write_lock);
    c->in_write = true;
    sqlite3_stmt *st = stmt(c, Q_BEGIN, e);
    if (!st || step_done(c, st, "starting a transaction", e) < 0) {
        write_unlock(c);
        return -1;
    }
    return 0;
}

static void unrelax(conn_t *c)
{
    if (c->relaxed) {
        sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        c->relaxed = false;
    }
}

static int tx_commit(conn_t *c, gerr_t *e)
{
    sqlite3_stmt *st = stmt(c, Q_COMMIT, e);
    int rc = st ? step_done(c, st, "committing", e) : -1;
    if (rc == 0) { /* on failure the transaction stays open: the caller rolls back, which unlocks */
        unrelax(c);
        write_unlock(c);
    }
    return rc;
}

static void tx_rollback(conn_t *c)
{
    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_stmt *st = stmt(c, Q_ROLLBACK, NULL);
        if (st)
            step_done(c, st, "rolling back", NULL);
    }
    unrelax(c);
    write_unlock(c);
}

static int migrate(store_t *s, sqlite3 *db, gerr_t *e)
{
    if (exec(db, "BEGIN IMMEDIATE", "starting the schema migration", e) < 0)
        return -1;
    int version = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (version > SCHEMA_VERSION) {
        exec(db, "ROLLBACK", "rolling back", NULL);
        return gerr_set(e, GERR_INTERNAL,
                        "database %s has schema version %d, newer than this glued understands (%d): upgrade glued",
                        s->path, version, SCHEMA_VERSION);
    }
    for (; version < SCHEMA_VERSION; version++) {
        if (exec(db, migrations[version], "migrating the schema", e) < 0)
            goto fail;
        log_info("store: schema migrated to version %d", version + 1);
    }
    char pv[64];
    snprintf(pv, sizeof pv, "PRAGMA user_version=%d", version);
    if (exec(db, pv, "recording the schema version", e) < 0)
        goto fail;
    /* the secret that keys pagination tokens: created once, kept for the life of the data */
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'token_secret'", -1, &st, NULL) != SQLITE_OK)
        goto dbfail;
    bool have = false;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)sizeof s->secret) {
        memcpy(s->secret, sqlite3_column_blob(st, 0), sizeof s->secret);
        have = true;
    }
    sqlite3_finalize(st);
    if (!have) {
        util_random(s->secret, sizeof s->secret);
        if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('token_secret', ?1)", -1, &st,
                               NULL) != SQLITE_OK)
            goto dbfail;
        sqlite3_bind_blob(st, 1, s->secret, sizeof s->secret, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            goto dbfail;
    }
    if (exec(db, "COMMIT", "committing the schema migration", e) < 0)
        goto fail;
    s->version = version;
    return 0;
dbfail:
    db_fail(db, "reading the store's metadata", e);
fail:
    exec(db, "ROLLBACK", "rolling back", NULL);
    return -1;
}

/* mkdir -p, each new directory with mode 0700. */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static void sqlite_config_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *dir, const store_opts_t *opts, store_t **out, gerr_t *e)
{
    *out = NULL;
    if (make_dirs(dir) < 0)
        return gerr_set(e, GERR_INTERNAL, "cannot create data directory %s: %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
        return gerr_set(e, GERR_INTERNAL, "data directory %s is not a directory", dir);
    if (access(dir, R_OK | W_OK | X_OK) < 0)
        return gerr_set(e, GERR_INTERNAL, "data directory %s is not writable: %s", dir, strerror(errno));
    store_t *s = calloc(1, sizeof *s);
    if (!s)
        return gerr_set(e, GERR_INTERNAL, "out of memory");
    s->sync_full = opts ? opts->sync_full : true;
    size_t n = strlen(dir) + 16;
    s->path = malloc(n);
    snprintf(s->path, n, "%s/glued.db", dir);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_key_create(&s->key, NULL);
    /* no global allocation statistics: one mutex less on every SQLite call (must precede initialisation) */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_config_once);
    conn_t *c = conn_get(s, e);
    if (!c || migrate(s, c->db, e) < 0) {
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
        for (int i = 0; i < Q_COUNT; i++)
            sqlite3_finalize(c->stmts[i]);
        sqlite3_close(c->db);
        free(c);
        c = next;
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->path);
    free(s);
}

const uint8_t *store_secret(const store_t *s)
{
    return s->secret;
}

int store_schema_version(store_t *s)
{
    return s->version;
}

void store_workflow_cleanup(store_workflow_t *w)
{
    if (!w)
        return;
    free(w->name);
    free(w->description);
    free(w->default_props);
    free(w->tags);
    memset(w, 0, sizeof *w);
}

void store_run_cleanup(store_run_t *r)
{
    if (!r)
        return;
    free(r->run_id);
    free(r->workflow);
    free(r->previous_run_id);
    free(r->error_message);
    free(r->props);
    memset(r, 0, sizeof *r);
}

void store_res_cleanup(store_res_t *r)
{
    if (!r)
        return;
    free(r->kind);
    free(r->name);
    free(r->workflow);
    free(r->doc);
    free(r->tags);
    memset(r, 0, sizeof *r);
}

void store_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static const char *const run_status_names[] = {"RUNNING", "COMPLETED", "STOPPING", "STOPPED", "ERROR"};

const char *store_run_status_name(int status)
{
    return status >= 0 && status <= RUN_ERROR ? run_status_names[status] : "ERROR";
}

int store_run_status_parse(const char *s)
{
    for (int i = 0; i <= RUN_ERROR; i++)
        if (strcmp(s, run_status_names[i]) == 0)
            return i;
    return -1;
}

/* ---- workflows ---- */

static void read_workflow(sqlite3_stmt *st, store_workflow_t *w)
{
    w->name = col_text(st, 0);
    w->description = col_text(st, 1);
    w->default_props = col_text(st, 2);
    w->tags = col_text(st, 3);
    w->has_max_runs = sqlite3_column_type(st, 4) != SQLITE_NULL;
    w->max_runs = sqlite3_column_int64(st, 4);
    w->created_ms = sqlite3_column_int64(st, 5);
    w->modified_ms = sqlite3_column_int64(st, 6);
}

/* Reads a run from columns starting at `at` in RUN_COLS order. */
static void read_run(sqlite3_stmt *st, int at, store_run_t *r)
{
    r->seq = sqlite3_column_int64(st, at + 0);
    r->run_id = col_text(st, at + 1);
    r->workflow = col_text(st, at + 2);
    r->previous_run_id = col_text(st, at + 3);
    r->status = sqlite3_column_int(st, at + 4);
    r->error_message = col_text(st, at + 5);
    r->props = col_text(st, at + 6);
    r->started_ms = sqlite3_column_int64(st, at + 7);
    r->completed_ms = sqlite3_column_int64(st, at + 8);
    r->batch_size = sqlite3_column_int64(st, at + 9);
    r->batch_window = sqlite3_column_int64(st, at + 10);
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        r->stats[i] = sqlite3_column_int64(st, at + 11 + i);
}

static int64_t count_rows(conn_t *c, sqlite3_stmt *st)
{
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    (void)c;
    return n;
}

int store_workflow_create(store_t *s, const store_workflow_t *w, int64_t max_count, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    sqlite3_stmt *st;
    if (!(st = stmt(c, Q_WF_EXISTS, e)))
        goto fail;
    bind_text(st, 1, w->name);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        gerr_set(e, GERR_EXISTS, "Workflow '%s' already exists", w->name);
        goto fail;
    }
    if (max_count > 0) {
        if (!(st = stmt(c, Q_WF_COUNT, e)))
            goto fail;
        int64_t n = count_rows(c, st);
        if (n >= max_count) {
            gerr_set(e, GERR_LIMIT, "Cannot create workflow '%s': the limit of %lld workflows is reached", w->name,
                     (long long)max_count);
            goto fail;
        }
    }
    if (!(st = stmt(c, Q_WF_INSERT, e)))
        goto fail;
    bind_text(st, 1, w->name);
    bind_text(st, 2, w->description);
    bind_text(st, 3, w->default_props);
    bind_text(st, 4, w->tags);
    bind_opt_int(st, 5, w->has_max_runs, w->max_runs);
    sqlite3_bind_int64(st, 6, w->created_ms);
    sqlite3_bind_int64(st, 7, w->modified_ms);
    if (step_done(c, st, "creating a workflow", e) < 0 || tx_commit(c, e) < 0)
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int store_workflow_get(store_t *s, const char *name, store_workflow_t *w, store_run_t *last_run, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, last_run ? Q_WF_GET_LAST : Q_WF_GET, e);
    if (!st)
        return -1;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_workflow(st, w);
        if (last_run) {
            memset(last_run, 0, sizeof *last_run);
            if (sqlite3_column_type(st, 7) != SQLITE_NULL)
                read_run(st, 7, last_run);
        }
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_NOTFOUND;
    return db_fail(c->db, "reading a workflow", e);
}

int store_workflow_mutate(store_t *s, const char *name, store_workflow_fn fn, void *ctx, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    store_workflow_t w = {0};
    int ret = -1;
    sqlite3_stmt *st = stmt(c, Q_WF_GET, e);
    if (!st)
        goto out;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        ret = STORE_NOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        db_fail(c->db, "reading a workflow", e);
        goto out;
    }
    read_workflow(st, &w);
    sqlite3_reset(st);
    if (fn(&w, ctx, e) < 0)
        goto out;
    if (!(st = stmt(c, Q_WF_UPDATE, e)))
        goto out;
    bind_text(st, 1, name);
    bind_text(st, 2, w.description);
    bind_text(st, 3, w.default_props);
    bind_text(st, 4, w.tags);
    bind_opt_int(st, 5, w.has_max_runs, w.max_runs);
    sqlite3_bind_int64(st, 6, w.modified_ms);
    if (step_done(c, st, "updating a workflow", e) < 0 || tx_commit(c, e) < 0)
        goto out;
    ret = 0;
out:
    if (ret != 0)
        tx_rollback(c);
    store_workflow_cleanup(&w);
    return ret;
}

int store_workflow_delete(store_t *s, const char *name, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    static const int steps[] = {Q_WF_DELETE_TRIGGERS, Q_WF_DELETE_RT,   Q_WF_DELETE_RN,
                                Q_WF_DELETE_RW,       Q_WF_DELETE_RUNS, Q_WF_DELETE};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = stmt(c, steps[i], e);
        if (!st)
            goto fail;
        bind_text(st, 1, name);
        if (step_done(c, st, "deleting a workflow", e) < 0)
            goto fail;
    }
    int changed = sqlite3_changes(c->db);
    if (tx_commit(c, e) < 0)
        goto fail;
    return changed ? 0 : STORE_NOTFOUND;
fail:
    tx_rollback(c);
    return -1;
}

int store_workflow_names(store_t *s, const char *after, int limit, char ***names, size_t *n, gerr_t *e)
{
    *names = NULL;
    *n = 0;
    if (limit <= 0)
        return gerr_set(e, GERR_INTERNAL, "listing workflows needs a positive limit");
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, after ? Q_WF_NAMES_AFTER : Q_WF_NAMES_FIRST, e);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, limit);
    if (after)
        bind_text(st, 2, after);
    char **v = calloc((size_t)limit + 1, sizeof *v);
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < (size_t)limit)
        v[k++] = col_text(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_strv_free(v, k);
        return db_fail(c->db, "listing workflows", e);
    }
    *names = v;
    *n = k;
    return 0;
}

int store_workflow_count(store_t *s, int64_t *n, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_WF_COUNT, e);
    if (!st)
        return -1;
    *n = count_rows(c, st);
    return *n < 0 ? db_fail(c->db, "counting workflows", e) : 0;
}

/* ---- runs ---- */

static void bind_run(sqlite3_stmt *st, const store_run_t *r)
{
    bind_text(st, 1, r->workflow);
    bind_text(st, 2, r->run_id);
    bind_text(st, 3, r->previous_run_id);
    sqlite3_bind_int(st, 4, r->status);
    bind_text(st, 5, r->error_message);
    bind_text(st, 6, r->props);
    bind_opt_int(st, 7, r->started_ms != 0, r->started_ms);
    bind_opt_int(st, 8, r->completed_ms != 0, r->completed_ms);
    bind_opt_int(st, 9, r->batch_size != 0, r->batch_size);
    bind_opt_int(st, 10, r->batch_window != 0, r->batch_window);
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        sqlite3_bind_int64(st, 11 + i, r->stats[i]);
}

int store_run_insert(store_t *s, store_run_t *r, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RUN_INSERT, e);
    if (!st)
        return -1;
    bind_run(st, r);
    if (step_done(c, st, "recording a workflow run", e) < 0)
        return -1;
    r->seq = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int store_run_get(store_t *s, const char *workflow, const char *run_id, store_run_t *r, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RUN_GET, e);
    if (!st)
        return -1;
    bind_text(st, 1, workflow);
    bind_text(st, 2, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_run(st, 0, r);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return STORE_NOTFOUND;
    return db_fail(c->db, "reading a workflow run", e);
}

int store_run_list(store_t *s, const char *workflow, int64_t before_seq, int limit, store_run_t **runs, size_t *n,
                   gerr_t *e)
{
    *runs = NULL;
    *n = 0;
    if (limit <= 0)
        return gerr_set(e, GERR_INTERNAL, "listing runs needs a positive limit");
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RUN_LIST, e);
    if (!st)
        return -1;
    bind_text(st, 1, workflow);
    sqlite3_bind_int64(st, 2, before_seq > 0 ? before_seq : INT64_MAX);
    sqlite3_bind_int(st, 3, limit);
    store_run_t *v = calloc((size_t)limit + 1, sizeof *v);
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < (size_t)limit)
        read_run(st, 0, &v[k++]);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_run_list_free(v, k);
        return db_fail(c->db, "listing workflow runs", e);
    }
    *runs = v;
    *n = k;
    return 0;
}

void store_run_list_free(store_run_t *runs, size_t n)
{
    if (!runs)
        return;
    for (size_t i = 0; i < n; i++)
        store_run_cleanup(&runs[i]);
    free(runs);
}

int store_run_mutate(store_t *s, const char *workflow, const char *run_id, store_run_fn fn, void *ctx, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    store_run_t r = {0};
    int ret = -1;
    sqlite3_stmt *st = stmt(c, Q_RUN_GET, e);
    if (!st)
        goto out;
    bind_text(st, 1, workflow);
    bind_text(st, 2, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_run(st, 0, &r);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        ret = STORE_NOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        db_fail(c->db, "reading a workflow run", e);
        goto out;
    }
    if (fn(&r, ctx, e) < 0)
        goto out;
    if (!(st = stmt(c, Q_RUN_UPDATE, e)))
        goto out;
    bind_run(st, &r);
    if (step_done(c, st, "updating a workflow run", e) < 0 || tx_commit(c, e) < 0)
        goto out;
    ret = 0;
out:
    if (ret != 0)
        tx_rollback(c);
    store_run_cleanup(&r);
    return ret;
}

/* ---- generic definitions ---- */

static void read_res(sqlite3_stmt *st, store_res_t *r)
{
    r->kind = col_text(st, 0);
    r->name = col_text(st, 1);
    r->workflow = col_text(st, 2);
    r->doc = col_text(st, 3);
    r->tags = col_text(st, 4);
    r->created_ms = sqlite3_column_int64(st, 5);
    r->modified_ms = sqlite3_column_int64(st, 6);
}

int store_res_create(store_t *s, const store_res_t *r, int64_t max_count, gerr_t *e)
{
    return store_res_create_checked(s, r, max_count, NULL, NULL, e);
}

int store_res_create_checked(store_t *s, const store_res_t *r, int64_t max_count, store_check_fn check, void *ctx,
                             gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    sqlite3_stmt *st;
    if (check && check(ctx, e) < 0)
        goto fail;
    if (max_count > 0) {
        if (!(st = stmt(c, Q_RES_COUNT, e)))
            goto fail;
        bind_text(st, 1, r->kind);
        if (count_rows(c, st) >= max_count) {
            gerr_set(e, GERR_LIMIT, "Cannot create %s '%s': the limit of %lld is reached", r->kind, r->name,
                     (long long)max_count);
            goto fail;
        }
    }
    if (!(st = stmt(c, Q_RES_INSERT, e)))
        goto fail;
    bind_text(st, 1, r->kind);
    bind_text(st, 2, r->name);
    bind_text(st, 3, r->workflow);
    bind_text(st, 4, r->doc);
    bind_text(st, 5, r->tags);
    sqlite3_bind_int64(st, 6, r->created_ms);
    sqlite3_bind_int64(st, 7, r->modified_ms);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        gerr_set(e, GERR_EXISTS, "%c%s '%s' already exists", r->kind[0] - 32, r->kind + 1, r->name);
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        db_fail(c->db, "creating a definition", e);
        goto fail;
    }
    if (tx_commit(c, e) < 0)
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int store_res_get(store_t *s, const char *kind, const char *name, store_res_t *r, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RES_GET, e);
    if (!st)
        return -1;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_res(st, r);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return STORE_NOTFOUND;
    return db_fail(c->db, "reading a definition", e);
}

int store_res_mutate(store_t *s, const char *kind, const char *name, store_res_fn fn, void *ctx, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    store_res_t r = {0};
    int ret = -1;
    sqlite3_stmt *st = stmt(c, Q_RES_GET, e);
    if (!st)
        goto out;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_res(st, &r);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        ret = STORE_NOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        db_fail(c->db, "reading a definition", e);
        goto out;
    }
    if (fn(&r, ctx, e) < 0)
        goto out;
    if (!(st = stmt(c, Q_RES_UPDATE, e)))
        goto out;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    bind_text(st, 3, r.workflow);
    bind_text(st, 4, r.doc);
    bind_text(st, 5, r.tags);
    sqlite3_bind_int64(st, 6, r.modified_ms);
    if (step_done(c, st, "updating a definition", e) < 0 || tx_commit(c, e) < 0)
        goto out;
    ret = 0;
out:
    if (ret != 0)
        tx_rollback(c);
    store_res_cleanup(&r);
    return ret;
}

int store_res_delete(store_t *s, const char *kind, const char *name, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c || tx_begin(c, e) < 0)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RES_DELETE, e);
    if (!st)
        goto fail;
    bind_text(st, 1, kind);
    bind_text(st, 2, name);
    if (step_done(c, st, "deleting a definition", e) < 0)
        goto fail;
    int changed = sqlite3_changes(c->db);
    if (tx_commit(c, e) < 0)
        goto fail;
    return changed ? 0 : STORE_NOTFOUND;
fail:
    tx_rollback(c);
    return -1;
}

static int res_rows(conn_t *c, sqlite3_stmt *st, size_t cap, store_res_t **out, size_t *n, gerr_t *e)
{
    size_t k = 0, size = cap ? cap : 16;
    store_res_t *v = calloc(size, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == size) {
            size *= 2;
            store_res_t *nv = realloc(v, size * sizeof *v);
            if (!nv) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = nv;
        }
        memset(&v[k], 0, sizeof v[k]);
        read_res(st, &v[k++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_res_list_free(v, k);
        return db_fail(c->db, "listing definitions", e);
    }
    *out = v;
    *n = k;
    return 0;
}

int store_res_list(store_t *s, const char *kind, const char *after, int limit, store_res_t **out, size_t *n, gerr_t *e)
{
    *out = NULL;
    *n = 0;
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, after ? Q_RES_LIST_AFTER : Q_RES_LIST_FIRST, e);
    if (!st)
        return -1;
    bind_text(st, 1, kind);
    if (after)
        bind_text(st, 2, after);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    return res_rows(c, st, limit > 0 ? (size_t)limit : 0, out, n, e);
}

int store_res_by_workflow(store_t *s, const char *kind, const char *workflow, store_res_t **out, size_t *n, gerr_t *e)
{
    *out = NULL;
    *n = 0;
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    sqlite3_stmt *st = stmt(c, Q_RES_BY_WF, e);
    if (!st)
        return -1;
    bind_text(st, 1, kind);
    bind_text(st, 2, workflow);
    return res_rows(c, st, 0, out, n, e);
}

void store_res_list_free(store_res_t *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++)
        store_res_cleanup(&r[i]);
    free(r);
}

/* ---- workflow execution ---- */

/* Binds by a format: 's' text (NULL binds null), 'i' int64, 'z' int64 where 0 binds null. */
static void bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    for (int i = 1; *fmt; fmt++, i++) {
        switch (*fmt) {
        case 's': bind_text(st, i, va_arg(ap, const char *)); break;
        case 'i': sqlite3_bind_int64(st, i, va_arg(ap, int64_t)); break;
        case 'z': {
            int64_t v = va_arg(ap, int64_t);
            bind_opt_int(st, i, v != 0, v);
            break;
        }
        }
    }
}

/* The calling thread's cached statement q, with arguments bound. */
static sqlite3_stmt *prep(store_t *s, conn_t **cp, int q, gerr_t *e, const char *fmt, ...)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return NULL;
    sqlite3_stmt *st = stmt(c, q, e);
    if (!st)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    bindv(st, fmt, ap);
    va_end(ap);
    *cp = c;
    return st;
}

#define EXEC(s, q, what, e, ...)                                                                                       \
    ({                                                                                                                 \
        conn_t *c_;                                                                                                    \
        sqlite3_stmt *st_ = prep(s, &c_, q, e, __VA_ARGS__);                                                           \
        st_ ? step_done(c_, st_, what, e) : -1;                                                                        \
    })

int store_tx_begin(store_t *s, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    return c ? tx_begin(c, e) : -1;
}

int store_tx_begin_relaxed(store_t *s, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    if (!c)
        return -1;
    if (s->sync_full && sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK)
        c->relaxed = true;
    if (tx_begin(c, e) < 0) {
        unrelax(c);
        return -1;
    }
    return 0;
}

int store_tx_commit(store_t *s, gerr_t *e)
{
    conn_t *c = conn_get(s, e);
    return c ? tx_commit(c, e) : -1;
}

void store_tx_rollback(store_t *s)
{
    conn_t *c = conn_get(s, NULL);
    if (c)
        tx_rollback(c);
}

static const char *const jr_names[] = {"STARTING", "RUNNING", "STOPPING", "WAITING", "SUCCEEDED",
                                       "FAILED",   "TIMEOUT", "STOPPED",  "ERROR",   "EXPIRED"};
static const char *const crawl_names[] = {"RUNNING", "RUNNING", "CANCELLING", "RUNNING", "SUCCEEDED",
                                          "FAILED",  "FAILED",  "CANCELLED",  "ERROR",   "FAILED"};

const char *store_jr_state_name(int state)
{
    return state >= 0 && state <= JR_EXPIRED ? jr_names[state] : "ERROR";
}

const char *store_crawl_state_name(int state)
{
    return state >= 0 && state <= JR_EXPIRED ? crawl_names[state] : "ERROR";
}

int store_jr_state_parse(const char *s)
{
    for (int i = 0; i <= JR_EXPIRED; i++)
        if (strcmp(s, jr_names[i]) == 0)
            return i;
    return -1;
}

int store_crawl_state_parse(const char *s)
{
    static const struct {
        const char *name;
        int state;
    } map[] = {
        {"RUNNING", JR_RUNNING},     {"CANCELLING", JR_STOPPING}, {"CANCELLED", JR_STOPPED},
        {"SUCCEEDED", JR_SUCCEEDED}, {"FAILED", JR_FAILED},       {"ERROR", JR_ERROR},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i].name) == 0)
            return map[i].state;
    return -1;
}

void store_jobrun_cleanup(store_jobrun_t *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->kind);
    free(r->job);
    free(r->previous_run_id);
    free(r->trigger_name);
    free(r->workflow);
    free(r->workflow_run_id);
    free(r->error_message);
    free(r->arguments);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

void store_jobrun_list_free(store_jobrun_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        store_jobrun_cleanup(&v[i]);
    free(v);
}

static void read_jobrun(sqlite3_stmt *st, store_jobrun_t *r)
{
    r->seq = sqlite3_column_int64(st, 0);
    r->id = col_text(st, 1);
    r->kind = col_text(st, 2);
    r->job = col_text(st, 3);
    r->attempt = sqlite3_column_int(st, 4);
    r->state = sqlite3_column_int(st, 5);
    r->previous_run_id = col_text(st, 6);
    r->trigger_name = col_text(st, 7);
    r->workflow = col_text(st, 8);
    r->workflow_run_id = col_text(st, 9);
    r->started_ms = sqlite3_column_int64(st, 10);
    r->modified_ms = sqlite3_column_int64(st, 11);
    r->completed_ms = sqlite3_column_int64(st, 12);
    r->timeout_min = sqlite3_column_int64(st, 13);
    r->pid = sqlite3_column_int64(st, 14);
    r->error_message = col_text(st, 15);
    r->arguments = col_text(st, 16);
    r->detail = col_text(st, 17);
}

int store_jobrun_insert(store_t *s, store_jobrun_t *r, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st =
        prep(s, &c, Q_JR_INSERT, e, "sssiisssszizzzsss", r->id, r->kind, r->job, (int64_t)r->attempt, (int64_t)r->state,
             r->previous_run_id, r->trigger_name, r->workflow, r->workflow_run_id, r->started_ms, r->modified_ms,
             r->completed_ms, r->timeout_min, r->pid, r->error_message, r->arguments, r->detail);
    if (!st || step_done(c, st, "recording a job run", e) < 0)
        return -1;
    r->seq = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int store_jobrun_get(store_t *s, const char *id, store_jobrun_t *r, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_JR_GET, e, "s", id);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_jobrun(st, r);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : db_fail(c->db, "reading a job run", e);
}

int store_jobrun_update(store_t *s, const store_jobrun_t *r, gerr_t *e)
{
    return EXEC(s, Q_JR_UPDATE, "updating a job run", e, "sizzzzssz", r->id, (int64_t)r->state, r->started_ms,
                r->modified_ms, r->completed_ms, r->pid, r->error_message, r->arguments, r->timeout_min);
}

static int jobrun_rows(conn_t *c, sqlite3_stmt *st, store_jobrun_t **out, size_t *n, gerr_t *e)
{
    size_t k = 0, cap = 8;
    store_jobrun_t *v = calloc(cap, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            store_jobrun_t *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = nv;
            memset(v + cap, 0, cap * sizeof *v);
            cap *= 2;
        }
        read_jobrun(st, &v[k++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_jobrun_list_free(v, k);
        return db_fail(c->db, "listing job runs", e);
    }
    *out = v;
    *n = k;
    return 0;
}

int store_jobrun_list_job(store_t *s, const char *kind, const char *job, int64_t before_seq, int limit,
                          store_jobrun_t **v, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st =
        prep(s, &c, Q_JR_LIST_JOB, e, "ssii", kind, job, before_seq > 0 ? before_seq : INT64_MAX, (int64_t)limit);
    return st ? jobrun_rows(c, st, v, n, e) : -1;
}

int store_jobrun_list_run(store_t *s, const char *workflow_run_id, store_jobrun_t **v, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_JR_LIST_RUN, e, "s", workflow_run_id);
    return st ? jobrun_rows(c, st, v, n, e) : -1;
}

int store_jobrun_list_active(store_t *s, const char *workflow_run_id, store_jobrun_t **v, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = workflow_run_id ? prep(s, &c, Q_JR_LIST_ACTIVE_RUN, e, "s", workflow_run_id)
                                       : prep(s, &c, Q_JR_LIST_ACTIVE_ALL, e, "");
    return st ? jobrun_rows(c, st, v, n, e) : -1;
}

int store_jobrun_count_active(store_t *s, const char *kind, const char *job, int64_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_JR_COUNT_ACTIVE, e, "ss", kind, job);
    if (!st)
        return -1;
    *n = count_rows(c, st);
    return *n < 0 ? db_fail(c->db, "counting job runs", e) : 0;
}

int store_run_trigger_add(store_t *s, const char *run_id, const char *name, const char *doc, bool fired, gerr_t *e)
{
    return EXEC(s, Q_RT_ADD, "freezing a trigger", e, "sssi", run_id, name, doc, (int64_t)fired);
}

int store_run_triggers(store_t *s, const char *run_id, char ***names, char ***docs, int **fired, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RT_LIST, e, "s", run_id);
    if (!st)
        return -1;
    size_t k = 0, cap = 8;
    char **nv = malloc(cap * sizeof *nv), **dv = malloc(cap * sizeof *dv);
    int *fv = malloc(cap * sizeof *fv);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap *= 2;
            nv = realloc(nv, cap * sizeof *nv);
            dv = realloc(dv, cap * sizeof *dv);
            fv = realloc(fv, cap * sizeof *fv);
        }
        nv[k] = col_text(st, 0);
        dv[k] = col_text(st, 1);
        fv[k++] = sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_strv_free(nv, k);
        store_strv_free(dv, k);
        free(fv);
        return db_fail(c->db, "reading a run's triggers", e);
    }
    *names = nv;
    *docs = dv;
    *fired = fv;
    *n = k;
    return 0;
}

int store_run_trigger_fire(store_t *s, const char *run_id, const char *name, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RT_FIRE, e, "ss", run_id, name);
    if (!st || step_done(c, st, "firing a trigger", e) < 0)
        return -1;
    return sqlite3_changes(c->db) > 0 ? 1 : 0;
}

int store_run_trigger_doc(store_t *s, const char *run_id, const char *name, char **doc, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RT_DOC, e, "ss", run_id, name);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *doc = rc == SQLITE_ROW ? col_text(st, 0) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : db_fail(c->db, "reading a run's trigger", e);
}

/* Node states are stored with NULL meaning "not run": -1 in C. */
static int64_t node_state_arg(int state)
{
    return state < 0 ? 0 : (int64_t)state + 1;
}

/* The statistics counter a node state counts under, or -1 (not run yet). */
static int stat_of(int state)
{
    switch (state) {
    case JR_STARTING:
    case JR_RUNNING:
    case JR_STOPPING: return ST_RUNNING;
    case JR_WAITING: return ST_WAITING;
    case JR_SUCCEEDED: return ST_SUCCEEDED;
    case JR_FAILED:
    case JR_EXPIRED: return ST_FAILED;
    case JR_TIMEOUT: return ST_TIMEOUT;
    case JR_STOPPED: return ST_STOPPED;
    case JR_ERROR: return ST_ERRORED;
    default: return -1;
    }
}

/* Adds deltas to a run's counters: the statistics follow each node change in O(1), no recount. */
static int stats_add(store_t *s, const char *run_id, const int64_t d[STORE_RUN_NSTATS], gerr_t *e)
{
    return EXEC(s, Q_RUN_STATS_ADD, "counting run statistics", e, "siiiiiiii", run_id, d[ST_TOTAL], d[ST_TIMEOUT],
                d[ST_FAILED], d[ST_STOPPED], d[ST_SUCCEEDED], d[ST_RUNNING], d[ST_ERRORED], d[ST_WAITING]);
}

int store_run_node_add(store_t *s, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RN_ADD, e, "ssszs", run_id, type, name, node_state_arg(state), source_run_id);
    if (!st || step_done(c, st, "recording a run node", e) < 0)
        return -1;
    if (sqlite3_changes(c->db) == 0)
        return 0; /* the node was there already (named by several triggers) */
    int64_t d[STORE_RUN_NSTATS] = {0};
    d[ST_TOTAL] = 1;
    if (stat_of(state) >= 0)
        d[stat_of(state)] = 1;
    return stats_add(s, run_id, d, e);
}

int store_run_node_set(store_t *s, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id, gerr_t *e)
{
    int old = -1;
    int rc = store_run_node_state(s, run_id, type, name, &old, e);
    if (rc != 0)
        return rc == STORE_NOTFOUND ? 0 : -1; /* not a node of this run's graph (or the run is gone) */
    if (EXEC(s, Q_RN_SET, "updating a run node", e, "ssszs", run_id, type, name, node_state_arg(state), source_run_id) <
        0)
        return -1;
    if (stat_of(old) == stat_of(state))
        return 0;
    int64_t d[STORE_RUN_NSTATS] = {0};
    if (stat_of(old) >= 0)
        d[stat_of(old)] -= 1;
    if (stat_of(state) >= 0)
        d[stat_of(state)] += 1;
    return stats_add(s, run_id, d, e);
}

int store_run_node_state(store_t *s, const char *run_id, const char *type, const char *name, int *state, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RN_STATE, e, "sss", run_id, type, name);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *state = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 0) - 1;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : db_fail(c->db, "reading a run node", e);
}

int store_run_nodes(store_t *s, const char *run_id, store_node_t **out, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RN_LIST, e, "s", run_id);
    if (!st)
        return -1;
    size_t k = 0, cap = 8;
    store_node_t *v = calloc(cap, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
        }
        v[k].type = col_text(st, 0);
        v[k].name = col_text(st, 1);
        v[k].state = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2) - 1;
        v[k++].source_run_id = col_text(st, 3);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_node_list_free(v, k);
        return db_fail(c->db, "reading a run's nodes", e);
    }
    *out = v;
    *n = k;
    return 0;
}

void store_node_list_free(store_node_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].type);
        free(v[i].name);
        free(v[i].source_run_id);
    }
    free(v);
}

int store_run_watch_add(store_t *s, const char *run_id, const char *type, const char *name, const char *trigger,
                        gerr_t *e)
{
    return EXEC(s, Q_RW_ADD, "recording a watcher", e, "ssss", run_id, type, name, trigger);
}

int store_run_watchers(store_t *s, const char *run_id, const char *type, const char *name, char ***triggers, size_t *n,
                       gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RW_LIST, e, "sss", run_id, type, name);
    if (!st)
        return -1;
    size_t k = 0, cap = 4;
    char **v = malloc(cap * sizeof *v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
        }
        v[k++] = col_text(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_strv_free(v, k);
        return db_fail(c->db, "reading watchers", e);
    }
    *triggers = v;
    *n = k;
    return 0;
}

int store_run_refresh_stats(store_t *s, const char *run_id, int64_t *active, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RUN_ACTIVE, e, "s", run_id);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *active = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(c->db, "reading a run's counters", e);
}

/* Recounts a run's statistics from its nodes (the slow, sure way; for checks and repairs). */
int store_run_recount_stats(store_t *s, const char *run_id, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RN_STATS, e, "s", run_id);
    if (!st)
        return -1;
    int64_t stats[STORE_RUN_NSTATS] = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int state = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 0) - 1;
        int64_t k = sqlite3_column_int64(st, 1);
        stats[ST_TOTAL] += k;
        if (stat_of(state) >= 0)
            stats[stat_of(state)] += k;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(c->db, "counting a run's nodes", e);
    return EXEC(s, Q_RUN_STATS_SET, "recording run statistics", e, "siiiiiiii", run_id, stats[ST_TOTAL],
                stats[ST_TIMEOUT], stats[ST_FAILED], stats[ST_STOPPED], stats[ST_SUCCEEDED], stats[ST_RUNNING],
                stats[ST_ERRORED], stats[ST_WAITING]);
}

int store_run_set_status(store_t *s, const char *run_id, int status, int64_t completed_ms, const char *error, gerr_t *e)
{
    return EXEC(s, Q_RUN_STATUS_SET, "updating a run's status", e, "sizs", run_id, (int64_t)status, completed_ms,
                error);
}

int store_run_count_active(store_t *s, const char *workflow, int64_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RUN_COUNT_ACTIVE, e, "s", workflow);
    if (!st)
        return -1;
    *n = count_rows(c, st);
    return *n < 0 ? db_fail(c->db, "counting runs", e) : 0;
}

int store_run_list_active(store_t *s, store_run_t **runs, size_t *n, gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_RUN_LIST_ACTIVE, e, "");
    if (!st)
        return -1;
    size_t k = 0, cap = 8;
    store_run_t *v = calloc(cap, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            memset(v + k, 0, (cap - k) * sizeof *v);
        }
        read_run(st, 0, &v[k++]);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_run_list_free(v, k);
        return db_fail(c->db, "listing active runs", e);
    }
    *runs = v;
    *n = k;
    return 0;
}

int store_res_put_doc(store_t *s, const char *kind, const char *name, const char *doc, int64_t modified_ms, gerr_t *e)
{
    return EXEC(s, Q_RES_PUT_DOC, "updating a definition", e, "sssi", kind, name, doc, modified_ms);
}

int store_jobrun_latest_in_run(store_t *s, const char *workflow_run_id, const char *kind, const char *job, char **id,
                               gerr_t *e)
{
    conn_t *c;
    sqlite3_stmt *st = prep(s, &c, Q_JR_LATEST_IN_RUN, e, "sss", workflow_run_id, kind, job);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? col_text(st, 0) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : db_fail(c->db, "reading a run's job runs", e);
}
