/* The store's entities (see store.h): workflows, runs, definitions, action runs and the frozen graphs of
 * runs. Each query is written once, next to the function that runs it, in the dialect every backend speaks
 * (db.h). Reading order: names and cleanups, workflows, runs, definitions, action runs, run graphs. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

/* ---- names and cleanups ---- */

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

/* Reads every row of a query into a growing array of elements of size sz, each filled by fn. */
static int rows(db_stmt_t *st, store_tx_t *tx, db_row_fn fn, size_t sz, void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    size_t k = 0, cap = 0;
    char *v = NULL;
    int rc;
    while ((rc = db_next(st)) == 1) {
        char *nv = db_grow(v, k, &cap, sz);
        if (!nv) {
            db_done(st);
            rc = db_fail(tx, STORE_ERROR, "out of memory reading rows");
            break;
        }
        v = nv;
        fn(st, v + k * sz);
        k++;
    }
    *out = v;
    *n = k;
    return rc == 0 ? STORE_OK : rc;
}

static void row_str(db_stmt_t *st, void *out)
{
    *(char **)out = db_col_str(st, 0);
}

/* A list of the first column's strings. */
static int strv(db_stmt_t *st, store_tx_t *tx, char ***out, size_t *n)
{
    int rc = rows(st, tx, row_str, sizeof(char *), (void **)out, n);
    if (rc < 0) {
        store_strv_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Runs fn in its own write transaction (the convenience writers below). */
static int in_tx(store_t *s, store_tx_fn fn, void *ctx)
{
    return store_tx_run(s, 0, fn, ctx);
}

/* ---- workflows ---- */

#define WF_COLS "name, description, default_props, tags, max_runs, created_ms, modified_ms"
#define RUN_COLS                                                                                                       \
    "seq, run_id, workflow, previous_run_id, status, error_message, props, started_ms, completed_ms, batch_size, "     \
    "batch_window, st_total, st_timeout, st_failed, st_stopped, st_succeeded, st_running, st_errored, st_waiting"

static void read_workflow(db_stmt_t *st, void *out)
{
    store_workflow_t *w = out;
    w->name = db_col_str(st, 0);
    w->description = db_col_str(st, 1);
    w->default_props = db_col_str(st, 2);
    w->tags = db_col_str(st, 3);
    w->has_max_runs = !db_col_null(st, 4);
    w->max_runs = db_col_int(st, 4);
    w->created_ms = db_col_int(st, 5);
    w->modified_ms = db_col_int(st, 6);
}

/* A run from the columns starting at `at`, in RUN_COLS order. */
static void read_run_at(db_stmt_t *st, int at, store_run_t *r)
{
    r->seq = db_col_int(st, at + 0);
    r->run_id = db_col_str(st, at + 1);
    r->workflow = db_col_str(st, at + 2);
    r->previous_run_id = db_col_str(st, at + 3);
    r->status = (int)db_col_int(st, at + 4);
    r->error_message = db_col_str(st, at + 5);
    r->props = db_col_str(st, at + 6);
    r->started_ms = db_col_int(st, at + 7);
    r->completed_ms = db_col_int(st, at + 8);
    r->batch_size = db_col_int(st, at + 9);
    r->batch_window = db_col_int(st, at + 10);
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        r->stats[i] = db_col_int(st, at + 11 + i);
}

static void read_run(db_stmt_t *st, void *out)
{
    read_run_at(st, 0, out);
}

typedef struct wf_create {
    const store_workflow_t *w;
    int64_t max_count;
} wf_create_t;

static int workflow_create_tx(store_tx_t *tx, void *ctx)
{
    wf_create_t *c = ctx;
    const store_workflow_t *w = c->w;
    DB_SQL(q_count, "SELECT count(*) FROM workflows");
    DB_SQL(q_insert, "INSERT INTO workflows (" WF_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                     " ON CONFLICT (name) DO NOTHING");
    if (c->max_count > 0) {
        int64_t n = 0;
        int rc = db_int(tx, &q_count, &n, "");
        if (rc < 0)
            return rc;
        if (n >= c->max_count) {
            /* an existing name is still "exists", whatever the count */
            DB_SQL(q_exists, "SELECT count(*) FROM workflows WHERE name = ?1");
            if ((rc = db_int(tx, &q_exists, &n, "s", w->name)) < 0)
                return rc;
            return n ? STORE_EXISTS : STORE_LIMIT;
        }
    }
    int64_t changed = 0;
    int rc = db_exec(tx, &q_insert, &changed, "ssssoii", w->name, w->description, w->default_props, w->tags,
                     (int)w->has_max_runs, w->max_runs, w->created_ms, w->modified_ms);
    if (rc < 0)
        return rc;
    return changed ? STORE_OK : STORE_EXISTS;
}

int store_workflow_create(store_t *s, const store_workflow_t *w, int64_t max_count)
{
    wf_create_t c = {w, max_count};
    return in_tx(s, workflow_create_tx, &c);
}

typedef struct wf_last {
    store_workflow_t *w;
    store_run_t *last;
} wf_last_t;

static void read_workflow_last(db_stmt_t *st, void *out)
{
    wf_last_t *o = out;
    read_workflow(st, o->w);
    memset(o->last, 0, sizeof *o->last);
    if (!db_col_null(st, 7))
        read_run_at(st, 7, o->last);
}

int store_workflow_get(store_tx_t *tx, const char *name, store_workflow_t *w, store_run_t *last_run)
{
    DB_SQL(q_get, "SELECT " WF_COLS " FROM workflows WHERE name = ?1");
    DB_SQL(q_get_last, "SELECT w.name, w.description, w.default_props, w.tags, w.max_runs, w.created_ms,"
                       " w.modified_ms, r.seq, r.run_id, r.workflow, r.previous_run_id, r.status, r.error_message,"
                       " r.props, r.started_ms, r.completed_ms, r.batch_size, r.batch_window, r.st_total,"
                       " r.st_timeout, r.st_failed, r.st_stopped, r.st_succeeded, r.st_running, r.st_errored,"
                       " r.st_waiting FROM workflows w LEFT JOIN workflow_runs r ON r.seq ="
                       " (SELECT max(seq) FROM workflow_runs WHERE workflow = w.name) WHERE w.name = ?1");
    if (!last_run)
        return db_get(tx, &q_get, read_workflow, w, "s", name);
    wf_last_t o = {w, last_run};
    return db_get(tx, &q_get_last, read_workflow_last, &o, "s", name);
}

typedef struct wf_mutate {
    const char *name;
    store_workflow_fn fn;
    void *ctx;
} wf_mutate_t;

static int workflow_mutate_tx(store_tx_t *tx, void *ctx)
{
    wf_mutate_t *m = ctx;
    DB_SQL(q_update, "UPDATE workflows SET description = ?2, default_props = ?3, tags = ?4, max_runs = ?5,"
                     " modified_ms = ?6 WHERE name = ?1");
    store_workflow_t w = {0};
    int rc = store_workflow_get(tx, m->name, &w, NULL);
    if (rc == 0 && (rc = m->fn(tx, &w, m->ctx)) == 0)
        rc = db_exec(tx, &q_update, NULL, "ssssoi", m->name, w.description, w.default_props, w.tags,
                     (int)w.has_max_runs, w.max_runs, w.modified_ms);
    store_workflow_cleanup(&w);
    return rc;
}

int store_workflow_mutate(store_t *s, const char *name, store_workflow_fn fn, void *ctx)
{
    wf_mutate_t m = {name, fn, ctx};
    return in_tx(s, workflow_mutate_tx, &m);
}

typedef struct wf_delete {
    const char *name;
    bool found;
} wf_delete_t;

static int workflow_delete_tx(store_tx_t *tx, void *ctx)
{
    wf_delete_t *d = ctx;
    const char *name = d->name;
    DB_SQL(q_triggers, "DELETE FROM resources WHERE kind = 'trigger' AND workflow = ?1");
    DB_SQL(q_rt, "DELETE FROM run_triggers WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)");
    DB_SQL(q_rn, "DELETE FROM run_nodes WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)");
    DB_SQL(q_rw, "DELETE FROM run_watch WHERE run_id IN (SELECT run_id FROM workflow_runs WHERE workflow = ?1)");
    DB_SQL(q_runs, "DELETE FROM workflow_runs WHERE workflow = ?1");
    DB_SQL(q_wf, "DELETE FROM workflows WHERE name = ?1");
    db_sql_t *steps[] = {&q_triggers, &q_rt, &q_rn, &q_rw, &q_runs};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int rc = db_exec(tx, steps[i], NULL, "s", name);
        if (rc < 0)
            return rc;
    }
    int64_t changed = 0;
    int rc = db_exec(tx, &q_wf, &changed, "s", name);
    d->found = changed > 0;
    return rc;
}

int store_workflow_delete(store_t *s, const char *name)
{
    /* what belonged to the workflow goes even when its row is already gone */
    wf_delete_t d = {name, false};
    int rc = in_tx(s, workflow_delete_tx, &d);
    return rc < 0 ? rc : d.found ? STORE_OK : STORE_NOTFOUND;
}

int store_workflow_names(store_tx_t *tx, const char *after, int limit, char ***names, size_t *n)
{
    DB_SQL(q_first, "SELECT name FROM workflows ORDER BY name LIMIT ?1");
    DB_SQL(q_after, "SELECT name FROM workflows WHERE name > ?2 ORDER BY name LIMIT ?1");
    if (limit <= 0)
        limit = 1;
    db_stmt_t *st =
        after ? db_query(tx, &q_after, "is", (int64_t)limit, after) : db_query(tx, &q_first, "i", (int64_t)limit);
    return strv(st, tx, names, n);
}

int store_workflow_count(store_tx_t *tx, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM workflows");
    return db_int(tx, &q_count, n, "");
}

/* ---- workflow runs ---- */

int store_run_insert(store_tx_t *tx, const store_run_t *r)
{
    DB_SQL(q_insert, "INSERT INTO workflow_runs (workflow, run_id, previous_run_id, status, error_message, props,"
                     " started_ms, completed_ms, batch_size, batch_window, st_total, st_timeout, st_failed,"
                     " st_stopped, st_succeeded, st_running, st_errored, st_waiting) VALUES (?1, ?2, ?3, ?4, ?5,"
                     " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    const int64_t *x = r->stats;
    return db_exec(tx, &q_insert, NULL, "sssisszzzziiiiiiii", r->workflow, r->run_id, r->previous_run_id,
                   (int64_t)r->status, r->error_message, r->props, r->started_ms, r->completed_ms, r->batch_size,
                   r->batch_window, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
}

int store_run_get(store_tx_t *tx, const char *workflow, const char *run_id, store_run_t *r)
{
    DB_SQL(q_get, "SELECT " RUN_COLS " FROM workflow_runs WHERE run_id = ?2 AND workflow = ?1");
    return db_get(tx, &q_get, read_run, r, "ss", workflow, run_id);
}

int store_run_list(store_tx_t *tx, const char *workflow, int64_t before_seq, int limit, store_run_t **runs, size_t *n)
{
    DB_SQL(q_list, "SELECT " RUN_COLS " FROM workflow_runs WHERE workflow = ?1 AND seq < ?2"
                   " ORDER BY seq DESC LIMIT ?3");
    if (limit <= 0)
        limit = 1;
    db_stmt_t *st = db_query(tx, &q_list, "sii", workflow, before_seq > 0 ? before_seq : INT64_MAX, (int64_t)limit);
    int rc = rows(st, tx, read_run, sizeof **runs, (void **)runs, n);
    if (rc < 0) {
        store_run_list_free(*runs, *n);
        *runs = NULL;
        *n = 0;
    }
    return rc;
}

void store_run_list_free(store_run_t *runs, size_t n)
{
    if (!runs)
        return;
    for (size_t i = 0; i < n; i++)
        store_run_cleanup(&runs[i]);
    free(runs);
}

typedef struct run_mutate {
    const char *workflow, *run_id;
    store_run_fn fn;
    void *ctx;
} run_mutate_t;

static int run_mutate_tx(store_tx_t *tx, void *ctx)
{
    run_mutate_t *m = ctx;
    DB_SQL(q_update, "UPDATE workflow_runs SET previous_run_id = ?3, status = ?4, error_message = ?5, props = ?6,"
                     " started_ms = ?7, completed_ms = ?8, batch_size = ?9, batch_window = ?10, st_total = ?11,"
                     " st_timeout = ?12, st_failed = ?13, st_stopped = ?14, st_succeeded = ?15, st_running = ?16,"
                     " st_errored = ?17, st_waiting = ?18 WHERE run_id = ?2 AND workflow = ?1");
    store_run_t r = {0};
    int rc = store_run_get(tx, m->workflow, m->run_id, &r);
    if (rc == 0 && (rc = m->fn(tx, &r, m->ctx)) == 0) {
        const int64_t *x = r.stats;
        rc = db_exec(tx, &q_update, NULL, "sssisszzzziiiiiiii", r.workflow, r.run_id, r.previous_run_id,
                     (int64_t)r.status, r.error_message, r.props, r.started_ms, r.completed_ms, r.batch_size,
                     r.batch_window, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
    }
    store_run_cleanup(&r);
    return rc;
}

int store_run_mutate(store_t *s, const char *workflow, const char *run_id, store_run_fn fn, void *ctx)
{
    run_mutate_t m = {workflow, run_id, fn, ctx};
    return in_tx(s, run_mutate_tx, &m);
}

int store_run_set_status(store_tx_t *tx, const char *run_id, int status, int64_t completed_ms, const char *error)
{
    DB_SQL(q_set, "UPDATE workflow_runs SET status = ?2, completed_ms = coalesce(?3, completed_ms),"
                  " error_message = coalesce(?4, error_message) WHERE run_id = ?1");
    return db_exec(tx, &q_set, NULL, "sizs", run_id, (int64_t)status, completed_ms, error);
}

int store_run_count_active(store_tx_t *tx, const char *workflow, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM workflow_runs WHERE workflow = ?1 AND status IN (0, 2)");
    return db_int(tx, &q_count, n, "s", workflow);
}

int store_run_list_active(store_tx_t *tx, const char *workflow, store_run_t **runs, size_t *n)
{
    DB_SQL(q_all, "SELECT " RUN_COLS " FROM workflow_runs WHERE status IN (0, 2) ORDER BY seq");
    DB_SQL(q_wf, "SELECT " RUN_COLS " FROM workflow_runs WHERE workflow = ?1 AND status IN (0, 2) ORDER BY seq");
    db_stmt_t *st = workflow ? db_query(tx, &q_wf, "s", workflow) : db_query(tx, &q_all, "");
    int rc = rows(st, tx, read_run, sizeof **runs, (void **)runs, n);
    if (rc < 0) {
        store_run_list_free(*runs, *n);
        *runs = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- generic definitions ---- */

#define RES_COLS "kind, name, workflow, doc, tags, created_ms, modified_ms"

static void read_res(db_stmt_t *st, void *out)
{
    store_res_t *r = out;
    r->kind = db_col_str(st, 0);
    r->name = db_col_str(st, 1);
    r->workflow = db_col_str(st, 2);
    r->doc = db_col_str(st, 3);
    r->tags = db_col_str(st, 4);
    r->created_ms = db_col_int(st, 5);
    r->modified_ms = db_col_int(st, 6);
}

typedef struct res_create {
    const store_res_t *r;
    int64_t max_count;
    store_check_fn check;
    void *ctx;
} res_create_t;

static int res_create_tx(store_tx_t *tx, void *ctx)
{
    res_create_t *c = ctx;
    const store_res_t *r = c->r;
    DB_SQL(q_count, "SELECT count(*) FROM resources WHERE kind = ?1");
    DB_SQL(q_insert, "INSERT INTO resources (" RES_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                     " ON CONFLICT (kind, name) DO NOTHING");
    int rc;
    if (c->check && (rc = c->check(tx, c->ctx)) != 0)
        return rc;
    if (c->max_count > 0) {
        int64_t n = 0;
        if ((rc = db_int(tx, &q_count, &n, "s", r->kind)) < 0)
            return rc;
        if (n >= c->max_count) {
            store_res_t old = {0};
            rc = store_res_get(tx, r->kind, r->name, &old);
            store_res_cleanup(&old);
            return rc < 0 ? rc : rc == STORE_OK ? STORE_EXISTS : STORE_LIMIT;
        }
    }
    int64_t changed = 0;
    rc = db_exec(tx, &q_insert, &changed, "sssssii", r->kind, r->name, r->workflow, r->doc, r->tags, r->created_ms,
                 r->modified_ms);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_EXISTS;
}

int store_res_create(store_t *s, const store_res_t *r, int64_t max_count, store_check_fn check, void *ctx)
{
    res_create_t c = {r, max_count, check, ctx};
    return in_tx(s, res_create_tx, &c);
}

int store_res_get(store_tx_t *tx, const char *kind, const char *name, store_res_t *r)
{
    DB_SQL(q_get, "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND name = ?2");
    return db_get(tx, &q_get, read_res, r, "ss", kind, name);
}

typedef struct res_mutate {
    const char *kind, *name;
    store_res_fn fn;
    void *ctx;
} res_mutate_t;

static int res_mutate_tx(store_tx_t *tx, void *ctx)
{
    res_mutate_t *m = ctx;
    DB_SQL(q_update, "UPDATE resources SET workflow = ?3, doc = ?4, tags = ?5, modified_ms = ?6"
                     " WHERE kind = ?1 AND name = ?2");
    store_res_t r = {0};
    int rc = store_res_get(tx, m->kind, m->name, &r);
    if (rc == 0 && (rc = m->fn(tx, &r, m->ctx)) == 0)
        rc = db_exec(tx, &q_update, NULL, "sssssi", m->kind, m->name, r.workflow, r.doc, r.tags, r.modified_ms);
    store_res_cleanup(&r);
    return rc;
}

int store_res_mutate(store_t *s, const char *kind, const char *name, store_res_fn fn, void *ctx)
{
    res_mutate_t m = {kind, name, fn, ctx};
    return in_tx(s, res_mutate_tx, &m);
}

typedef struct res_key {
    const char *kind, *name;
} res_key_t;

static int res_delete_tx(store_tx_t *tx, void *ctx)
{
    res_key_t *k = ctx;
    DB_SQL(q_delete, "DELETE FROM resources WHERE kind = ?1 AND name = ?2");
    int64_t changed = 0;
    int rc = strcmp(k->kind, "trigger") == 0 ? store_trigger_watch_set(tx, k->name, NULL, NULL, 0) : 0;
    if (rc == 0)
        rc = db_exec(tx, &q_delete, &changed, "ss", k->kind, k->name);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_res_delete(store_t *s, const char *kind, const char *name)
{
    res_key_t k = {kind, name};
    return in_tx(s, res_delete_tx, &k);
}

int store_res_put_doc(store_tx_t *tx, const char *kind, const char *name, const char *doc)
{
    DB_SQL(q_put, "UPDATE resources SET doc = ?3 WHERE kind = ?1 AND name = ?2");
    return db_exec(tx, &q_put, NULL, "sss", kind, name, doc);
}

int store_trigger_watch_set(store_tx_t *tx, const char *trigger, const char *const *types, const char *const *names,
                            size_t n)
{
    DB_SQL(q_clear, "DELETE FROM trigger_watch WHERE trigger_name = ?1");
    DB_SQL(q_add, "INSERT INTO trigger_watch (type, name, trigger_name) VALUES (?1, ?2, ?3)"
                  " ON CONFLICT (type, name, trigger_name) DO NOTHING");
    int rc = db_exec(tx, &q_clear, NULL, "s", trigger);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = db_exec(tx, &q_add, NULL, "sss", types[i], names[i], trigger);
    return rc;
}

int store_trigger_watchers(store_tx_t *tx, const char *type, const char *name, char ***triggers, size_t *n)
{
    DB_SQL(q_list, "SELECT trigger_name FROM trigger_watch WHERE type = ?1 AND name = ?2 ORDER BY trigger_name");
    return strv(db_query(tx, &q_list, "ss", type, name), tx, triggers, n);
}

static int res_rows(db_stmt_t *st, store_tx_t *tx, store_res_t **out, size_t *n)
{
    int rc = rows(st, tx, read_res, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_res_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int store_res_list(store_tx_t *tx, const char *kind, const char *after, int limit, store_res_t **out, size_t *n)
{
    DB_SQL(q_first, "SELECT " RES_COLS " FROM resources WHERE kind = ?1 ORDER BY name LIMIT ?2");
    DB_SQL(q_after, "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND name > ?3 ORDER BY name LIMIT ?2");
    int64_t lim = limit > 0 ? limit : INT64_MAX;
    db_stmt_t *st = after ? db_query(tx, &q_after, "sis", kind, lim, after) : db_query(tx, &q_first, "si", kind, lim);
    return res_rows(st, tx, out, n);
}

int store_res_by_workflow(store_tx_t *tx, const char *kind, const char *workflow, store_res_t **out, size_t *n)
{
    DB_SQL(q_by_wf, "SELECT " RES_COLS " FROM resources WHERE kind = ?1 AND workflow = ?2 ORDER BY name");
    return res_rows(db_query(tx, &q_by_wf, "ss", kind, workflow), tx, out, n);
}

void store_res_list_free(store_res_t *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++)
        store_res_cleanup(&r[i]);
    free(r);
}

/* ---- action runs ---- */

#define JR_COLS                                                                                                        \
    "seq, id, kind, job, attempt, state, previous_run_id, trigger_name, workflow, workflow_run_id, started_ms,"        \
    " modified_ms, completed_ms, timeout_min, pid, error_message, arguments, detail, node"

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
    free(r->node);
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

static void read_jobrun(db_stmt_t *st, void *out)
{
    store_jobrun_t *r = out;
    r->seq = db_col_int(st, 0);
    r->id = db_col_str(st, 1);
    r->kind = db_col_str(st, 2);
    r->job = db_col_str(st, 3);
    r->attempt = (int)db_col_int(st, 4);
    r->state = (int)db_col_int(st, 5);
    r->previous_run_id = db_col_str(st, 6);
    r->trigger_name = db_col_str(st, 7);
    r->workflow = db_col_str(st, 8);
    r->workflow_run_id = db_col_str(st, 9);
    r->started_ms = db_col_int(st, 10);
    r->modified_ms = db_col_int(st, 11);
    r->completed_ms = db_col_int(st, 12);
    r->timeout_min = db_col_int(st, 13);
    r->pid = db_col_int(st, 14);
    r->error_message = db_col_str(st, 15);
    r->arguments = db_col_str(st, 16);
    r->detail = db_col_str(st, 17);
    r->node = db_col_str(st, 18);
}

int store_jobrun_insert(store_tx_t *tx, const store_jobrun_t *r)
{
    DB_SQL(q_insert, "INSERT INTO job_runs (id, kind, job, attempt, state, previous_run_id, trigger_name, workflow,"
                     " workflow_run_id, started_ms, modified_ms, completed_ms, timeout_min, pid, error_message,"
                     " arguments, detail, node) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                     " ?14, ?15, ?16, ?17, ?18)");
    return db_exec(tx, &q_insert, NULL, "sssiisssszizzzssss", r->id, r->kind, r->job, (int64_t)r->attempt,
                   (int64_t)r->state, r->previous_run_id, r->trigger_name, r->workflow, r->workflow_run_id,
                   r->started_ms, r->modified_ms, r->completed_ms, r->timeout_min, r->pid, r->error_message,
                   r->arguments, r->detail, r->node);
}

int store_jobrun_get(store_tx_t *tx, const char *id, store_jobrun_t *r)
{
    DB_SQL(q_get, "SELECT " JR_COLS " FROM job_runs WHERE id = ?1");
    return db_get(tx, &q_get, read_jobrun, r, "s", id);
}

int store_jobrun_update(store_tx_t *tx, const store_jobrun_t *r)
{
    DB_SQL(q_update, "UPDATE job_runs SET state = ?2, started_ms = ?3, modified_ms = ?4, completed_ms = ?5,"
                     " pid = ?6, error_message = ?7, arguments = ?8, timeout_min = ?9, node = ?10 WHERE id = ?1");
    return db_exec(tx, &q_update, NULL, "sizzzzsszs", r->id, (int64_t)r->state, r->started_ms, r->modified_ms,
                   r->completed_ms, r->pid, r->error_message, r->arguments, r->timeout_min, r->node);
}

int store_jobrun_set_detail(store_tx_t *tx, const char *id, const char *detail)
{
    DB_SQL(q_detail, "UPDATE job_runs SET detail = ?2 WHERE id = ?1");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_detail, &changed, "ss", id, detail);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

static int jobrun_rows(db_stmt_t *st, store_tx_t *tx, store_jobrun_t **out, size_t *n)
{
    int rc = rows(st, tx, read_jobrun, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_jobrun_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int store_jobrun_list_job(store_tx_t *tx, const char *kind, const char *job, int64_t before_seq, int limit,
                          store_jobrun_t **v, size_t *n)
{
    DB_SQL(q_list, "SELECT " JR_COLS " FROM job_runs WHERE kind = ?1 AND job = ?2 AND seq < ?3"
                   " ORDER BY seq DESC LIMIT ?4");
    return jobrun_rows(db_query(tx, &q_list, "ssii", kind, job, before_seq > 0 ? before_seq : INT64_MAX,
                                (int64_t)(limit > 0 ? limit : 1)),
                       tx, v, n);
}

int store_jobrun_list_run(store_tx_t *tx, const char *workflow_run_id, store_jobrun_t **v, size_t *n)
{
    DB_SQL(q_list, "SELECT " JR_COLS " FROM job_runs WHERE workflow_run_id = ?1 ORDER BY seq");
    return jobrun_rows(db_query(tx, &q_list, "s", workflow_run_id), tx, v, n);
}

int store_jobrun_list_active(store_tx_t *tx, const char *workflow_run_id, store_jobrun_t **v, size_t *n)
{
    /* a run's are locked: a node claiming WAITING runs skips them, instead of taking one while it is stopped */
    DB_SQL(q_run, "SELECT " JR_COLS " FROM job_runs WHERE workflow_run_id = ?1 AND state < 4 ORDER BY seq{for_update}");
    /* +seq: sorting the few active runs found through the partial index job_runs_by_node, not walking the whole
     * table in seq order, is what the planner must choose (the same in store_jobrun_list_orphans) */
    DB_SQL(q_all, "SELECT " JR_COLS " FROM job_runs WHERE state < 4 ORDER BY +seq");
    db_stmt_t *st = workflow_run_id ? db_query(tx, &q_run, "s", workflow_run_id) : db_query(tx, &q_all, "");
    return jobrun_rows(st, tx, v, n);
}

int store_jobrun_count_active(store_tx_t *tx, const char *kind, const char *job, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM job_runs WHERE kind = ?1 AND job = ?2 AND state < 4");
    return db_int(tx, &q_count, n, "ss", kind, job);
}

int store_jobrun_latest_in_run(store_tx_t *tx, const char *workflow_run_id, const char *kind, const char *job,
                               char **id)
{
    /* run_nodes.source_run_id names the run whose job runs show a copied node (resume_tx resolves chains) */
    DB_SQL(q_latest, "SELECT id FROM job_runs WHERE workflow_run_id = coalesce((SELECT source_run_id FROM run_nodes"
                     " WHERE run_id = ?1 AND type = CASE ?2 WHEN 'job' THEN 'JOB' ELSE 'CRAWLER' END AND name = ?3),"
                     " ?1) AND kind = ?2 AND job = ?3 ORDER BY seq DESC LIMIT 1");
    *id = NULL;
    return db_get(tx, &q_latest, row_str, id, "sss", workflow_run_id, kind, job);
}

int store_jobrun_claim(store_tx_t *tx, const char *node, int limit, store_jobrun_t **v, size_t *n)
{
    /* state < 4, implied by state = 3, names the partial index job_runs_by_node to the planner */
    DB_SQL(q_claim, "UPDATE job_runs SET node = ?1, state = 0 WHERE id IN (SELECT id FROM job_runs WHERE state < 4"
                    " AND state = 3 AND node IS NULL ORDER BY seq LIMIT ?2{skip_locked}) RETURNING " JR_COLS);
    int rc = jobrun_rows(db_query(tx, &q_claim, "si", node, (int64_t)(limit > 0 ? limit : 1)), tx, v, n);
    /* RETURNING has no order: claimed runs start in the order they were created */
    for (size_t i = 1; rc == 0 && i < *n; i++)
        for (size_t k = i; k > 0 && (*v)[k - 1].seq > (*v)[k].seq; k--) {
            store_jobrun_t t = (*v)[k];
            (*v)[k] = (*v)[k - 1];
            (*v)[k - 1] = t;
        }
    return rc;
}

int store_jobrun_list_node(store_tx_t *tx, const char *node, store_jobrun_t **v, size_t *n)
{
    DB_SQL(q_node, "SELECT " JR_COLS " FROM job_runs WHERE node = ?1 AND state < 4 ORDER BY seq");
    if (!node)
        return store_jobrun_list_active(tx, NULL, v, n);
    return jobrun_rows(db_query(tx, &q_node, "s", node), tx, v, n);
}

int store_jobrun_count_waiting(store_tx_t *tx, int64_t *n)
{
    /* state < 4: as in store_jobrun_claim */
    DB_SQL(q_count, "SELECT count(*) FROM job_runs WHERE state < 4 AND state = 3 AND node IS NULL");
    return db_int(tx, &q_count, n, "");
}

int store_jobrun_count_node(store_tx_t *tx, const char *node, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM job_runs WHERE node = ?1 AND state < 4");
    return db_int(tx, &q_count, n, "s", node);
}

int store_jobrun_list_orphans(store_tx_t *tx, int64_t now_ms, store_jobrun_t **v, size_t *n)
{
    DB_SQL(q_orphans, "SELECT " JR_COLS " FROM job_runs WHERE state < 4 AND node IS NOT NULL AND node NOT IN"
                      " (SELECT name FROM nodes WHERE lease_until_ms >= ?1) ORDER BY +seq");
    return jobrun_rows(db_query(tx, &q_orphans, "i", now_ms), tx, v, n);
}

/* ---- nodes ---- */

void store_node_row_cleanup(store_node_row_t *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->epoch);
    free(r->host);
    free(r->url);
    memset(r, 0, sizeof *r);
}

static void read_node_row(db_stmt_t *st, void *out)
{
    store_node_row_t *r = out;
    r->name = db_col_str(st, 0);
    r->epoch = db_col_str(st, 1);
    r->host = db_col_str(st, 2);
    r->pid = db_col_int(st, 3);
    r->url = db_col_str(st, 4);
    r->started_ms = db_col_int(st, 5);
    r->lease_until_ms = db_col_int(st, 6);
}

int store_node_get(store_tx_t *tx, const char *name, store_node_row_t *r)
{
    DB_SQL(q_get, "SELECT name, epoch, host, pid, url, started_ms, lease_until_ms FROM nodes WHERE name = ?1");
    return db_get(tx, &q_get, read_node_row, r, "s", name);
}

int store_node_put(store_tx_t *tx, const store_node_row_t *r)
{
    DB_SQL(q_put, "INSERT INTO nodes (name, epoch, host, pid, url, started_ms, lease_until_ms)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch,"
                  " host = excluded.host, pid = excluded.pid, url = excluded.url, started_ms = excluded.started_ms,"
                  " lease_until_ms = excluded.lease_until_ms");
    return db_exec(tx, &q_put, NULL, "sssisii", r->name, r->epoch, r->host, r->pid, r->url, r->started_ms,
                   r->lease_until_ms);
}

int store_node_renew(store_tx_t *tx, const char *name, const char *epoch, int64_t now_ms, int64_t until_ms)
{
    DB_SQL(q_renew, "UPDATE nodes SET lease_until_ms = ?4 WHERE name = ?1 AND epoch = ?2 AND lease_until_ms >= ?3");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_renew, &changed, "ssii", name, epoch, now_ms, until_ms);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_node_alive(store_tx_t *tx, const char *name, int64_t now_ms, bool *alive)
{
    DB_SQL(q_alive, "SELECT count(*) FROM nodes WHERE name = ?1 AND lease_until_ms >= ?2");
    int64_t k = 0;
    int rc = db_int(tx, &q_alive, &k, "si", name, now_ms);
    *alive = k > 0;
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int store_node_count_alive(store_tx_t *tx, int64_t now_ms, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM nodes WHERE lease_until_ms >= ?1");
    return db_int(tx, &q_count, n, "i", now_ms);
}

/* ---- job run logs ---- */

int store_joblog_put(store_tx_t *tx, const char *id, const void *out, size_t outlen, int64_t out_size, const void *err,
                     size_t errlen, int64_t err_size)
{
    DB_SQL(q_put, "INSERT INTO job_logs (id, stdout, stderr, stdout_size, stderr_size) VALUES (?1, ?2, ?3, ?4, ?5)"
                  " ON CONFLICT (id) DO UPDATE SET stdout = excluded.stdout, stderr = excluded.stderr,"
                  " stdout_size = excluded.stdout_size, stderr_size = excluded.stderr_size");
    return db_exec(tx, &q_put, NULL, "sbbii", id, out ? out : (const void *)"", outlen, err ? err : (const void *)"",
                   errlen, out_size, err_size);
}

typedef struct log_row {
    char **out, **err;
    size_t *outlen, *errlen;
    int64_t *out_size, *err_size;
} log_row_t;

static char *blob_col(db_stmt_t *st, int i, size_t *len)
{
    size_t n = db_col_blob(st, i, NULL, 0);
    char *b = malloc(n + 1);
    if (b) {
        db_col_blob(st, i, b, n);
        b[n] = '\0';
    }
    *len = b ? n : 0;
    return b;
}

static void read_log(db_stmt_t *st, void *arg)
{
    log_row_t *o = arg;
    *o->out = blob_col(st, 0, o->outlen);
    *o->err = blob_col(st, 1, o->errlen);
    *o->out_size = db_col_int(st, 2);
    *o->err_size = db_col_int(st, 3);
}

int store_joblog_get(store_tx_t *tx, const char *id, char **out, size_t *outlen, int64_t *out_size, char **err,
                     size_t *errlen, int64_t *err_size)
{
    DB_SQL(q_get, "SELECT stdout, stderr, stdout_size, stderr_size FROM job_logs WHERE id = ?1");
    *out = *err = NULL;
    log_row_t o = {out, err, outlen, errlen, out_size, err_size};
    return db_get(tx, &q_get, read_log, &o, "s", id);
}

/* ---- the frozen graphs of runs ---- */

int store_run_trigger_add(store_tx_t *tx, const char *run_id, const char *name, const char *doc, bool fired)
{
    DB_SQL(q_add, "INSERT INTO run_triggers (run_id, name, doc, fired) VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT (run_id, name) DO UPDATE SET doc = excluded.doc, fired = excluded.fired");
    return db_exec(tx, &q_add, NULL, "sssi", run_id, name, doc, (int64_t)fired);
}

typedef struct trig_row {
    char *name, *doc;
    int fired;
} trig_row_t;

static void read_trig(db_stmt_t *st, void *out)
{
    trig_row_t *t = out;
    t->name = db_col_str(st, 0);
    t->doc = db_col_str(st, 1);
    t->fired = (int)db_col_int(st, 2);
}

int store_run_triggers(store_tx_t *tx, const char *run_id, char ***names, char ***docs, int **fired, size_t *n)
{
    DB_SQL(q_list, "SELECT name, doc, fired FROM run_triggers WHERE run_id = ?1 ORDER BY name");
    trig_row_t *v = NULL;
    size_t k = 0;
    *names = *docs = NULL;
    *fired = NULL;
    *n = 0;
    int rc = rows(db_query(tx, &q_list, "s", run_id), tx, read_trig, sizeof *v, (void **)&v, &k);
    char **nv = calloc(k + 1, sizeof *nv), **dv = calloc(k + 1, sizeof *dv);
    int *fv = calloc(k + 1, sizeof *fv);
    if (!nv || !dv || !fv)
        rc = STORE_ERROR;
    for (size_t i = 0; i < k; i++) {
        if (rc == 0) {
            nv[i] = v[i].name;
            dv[i] = v[i].doc;
            fv[i] = v[i].fired;
        } else {
            free(v[i].name);
            free(v[i].doc);
        }
    }
    free(v);
    if (rc < 0) {
        free(nv);
        free(dv);
        free(fv);
        return rc;
    }
    *names = nv;
    *docs = dv;
    *fired = fv;
    *n = k;
    return STORE_OK;
}

int store_run_trigger_fire(store_tx_t *tx, const char *run_id, const char *name)
{
    DB_SQL(q_fire, "UPDATE run_triggers SET fired = 1 WHERE run_id = ?1 AND name = ?2 AND fired = 0");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_fire, &changed, "ss", run_id, name);
    return rc < 0 ? rc : changed > 0 ? 1 : 0;
}

int store_run_trigger_doc(store_tx_t *tx, const char *run_id, const char *name, char **doc)
{
    DB_SQL(q_doc, "SELECT doc FROM run_triggers WHERE run_id = ?1 AND name = ?2");
    *doc = NULL;
    return db_get(tx, &q_doc, row_str, doc, "ss", run_id, name);
}

/* Node states are stored with NULL meaning "not run": -1 in C, state + 1 in the table. */
static int64_t node_state_arg(int state)
{
    return state < 0 ? 0 : (int64_t)state + 1;
}

static int node_state_col(db_stmt_t *st, int i)
{
    return db_col_null(st, i) ? -1 : (int)db_col_int(st, i) - 1;
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
static int stats_add(store_tx_t *tx, const char *run_id, const int64_t d[STORE_RUN_NSTATS])
{
    DB_SQL(q_add, "UPDATE workflow_runs SET st_total = st_total + ?2, st_timeout = st_timeout + ?3,"
                  " st_failed = st_failed + ?4, st_stopped = st_stopped + ?5, st_succeeded = st_succeeded + ?6,"
                  " st_running = st_running + ?7, st_errored = st_errored + ?8, st_waiting = st_waiting + ?9"
                  " WHERE run_id = ?1");
    return db_exec(tx, &q_add, NULL, "siiiiiiii", run_id, d[ST_TOTAL], d[ST_TIMEOUT], d[ST_FAILED], d[ST_STOPPED],
                   d[ST_SUCCEEDED], d[ST_RUNNING], d[ST_ERRORED], d[ST_WAITING]);
}

int store_run_node_add(store_tx_t *tx, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id)
{
    DB_SQL(q_add, "INSERT INTO run_nodes (run_id, type, name, state, source_run_id) VALUES (?1, ?2, ?3, ?4, ?5)"
                  " ON CONFLICT (run_id, type, name) DO NOTHING");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_add, &changed, "ssszs", run_id, type, name, node_state_arg(state), source_run_id);
    if (rc < 0 || changed == 0)
        return rc; /* a failure, or the node was there already (named by several triggers) */
    int64_t d[STORE_RUN_NSTATS] = {0};
    d[ST_TOTAL] = 1;
    if (stat_of(state) >= 0)
        d[stat_of(state)] = 1;
    return stats_add(tx, run_id, d);
}

int store_run_node_set(store_tx_t *tx, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id)
{
    DB_SQL(q_set, "UPDATE run_nodes SET state = ?4, source_run_id = ?5 WHERE run_id = ?1 AND type = ?2 AND name = ?3");
    int old = -1;
    int rc = store_run_node_state(tx, run_id, type, name, &old);
    if (rc != 0)
        return rc == STORE_NOTFOUND ? STORE_OK : rc; /* not a node of this run's graph (or the run is gone) */
    if ((rc = db_exec(tx, &q_set, NULL, "ssszs", run_id, type, name, node_state_arg(state), source_run_id)) < 0)
        return rc;
    if (stat_of(old) == stat_of(state))
        return STORE_OK;
    int64_t d[STORE_RUN_NSTATS] = {0};
    if (stat_of(old) >= 0)
        d[stat_of(old)] -= 1;
    if (stat_of(state) >= 0)
        d[stat_of(state)] += 1;
    return stats_add(tx, run_id, d);
}

static void read_node_state(db_stmt_t *st, void *out)
{
    *(int *)out = node_state_col(st, 0);
}

int store_run_node_state(store_tx_t *tx, const char *run_id, const char *type, const char *name, int *state)
{
    DB_SQL(q_state, "SELECT state FROM run_nodes WHERE run_id = ?1 AND type = ?2 AND name = ?3");
    return db_get(tx, &q_state, read_node_state, state, "sss", run_id, type, name);
}

static void read_node(db_stmt_t *st, void *out)
{
    store_node_t *v = out;
    v->type = db_col_str(st, 0);
    v->name = db_col_str(st, 1);
    v->state = node_state_col(st, 2);
    v->source_run_id = db_col_str(st, 3);
}

int store_run_nodes(store_tx_t *tx, const char *run_id, store_node_t **out, size_t *n)
{
    DB_SQL(q_list, "SELECT type, name, state, source_run_id FROM run_nodes WHERE run_id = ?1 ORDER BY type, name");
    int rc = rows(db_query(tx, &q_list, "s", run_id), tx, read_node, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_node_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
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

int store_run_watch_add(store_tx_t *tx, const char *run_id, const char *type, const char *name, const char *trigger)
{
    DB_SQL(q_add, "INSERT INTO run_watch (run_id, type, name, trigger_name) VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT (run_id, type, name, trigger_name) DO NOTHING");
    return db_exec(tx, &q_add, NULL, "ssss", run_id, type, name, trigger);
}

void store_row3_free(store_row3_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        for (int k = 0; k < 3; k++)
            free(v[i].s[k]);
    free(v);
}

static void read_row2(db_stmt_t *st, void *out)
{
    store_row3_t *r = out;
    r->s[0] = db_col_str(st, 0);
    r->s[1] = db_col_str(st, 1);
    r->s[2] = NULL;
}

static void read_row3(db_stmt_t *st, void *out)
{
    store_row3_t *r = out;
    for (int k = 0; k < 3; k++)
        r->s[k] = db_col_str(st, k);
}

static int row3s(db_stmt_t *st, store_tx_t *tx, db_row_fn fn, store_row3_t **v, size_t *n)
{
    int rc = rows(st, tx, fn, sizeof **v, (void **)v, n);
    if (rc < 0) {
        store_row3_free(*v, *n);
        *v = NULL;
        *n = 0;
    }
    return rc;
}

int store_run_trigger_docs(store_tx_t *tx, const char *run_id, int limit, store_row3_t **v, size_t *n)
{
    DB_SQL(q_docs, "SELECT name, doc FROM run_triggers WHERE run_id = ?1 ORDER BY name LIMIT ?2");
    return row3s(db_query(tx, &q_docs, "si", run_id, (int64_t)limit), tx, read_row2, v, n);
}

int store_run_watch_all(store_tx_t *tx, const char *run_id, int limit, store_row3_t **v, size_t *n)
{
    DB_SQL(q_all, "SELECT type, name, trigger_name FROM run_watch WHERE run_id = ?1 ORDER BY type, name,"
                  " trigger_name LIMIT ?2");
    return row3s(db_query(tx, &q_all, "si", run_id, (int64_t)limit), tx, read_row3, v, n);
}

int store_run_watchers(store_tx_t *tx, const char *run_id, const char *type, const char *name, char ***triggers,
                       size_t *n)
{
    DB_SQL(q_list, "SELECT trigger_name FROM run_watch WHERE run_id = ?1 AND type = ?2 AND name = ?3");
    return strv(db_query(tx, &q_list, "sss", run_id, type, name), tx, triggers, n);
}

int store_run_refresh_stats(store_tx_t *tx, const char *run_id, int64_t *active)
{
    DB_SQL(q_active, "SELECT st_running + st_waiting FROM workflow_runs WHERE run_id = ?1");
    *active = 0;
    int rc = db_int(tx, &q_active, active, "s", run_id);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int store_run_recount_stats(store_tx_t *tx, const char *run_id)
{
    DB_SQL(q_count, "SELECT state, count(*) FROM run_nodes WHERE run_id = ?1 GROUP BY state");
    DB_SQL(q_set, "UPDATE workflow_runs SET st_total = ?2, st_timeout = ?3, st_failed = ?4, st_stopped = ?5,"
                  " st_succeeded = ?6, st_running = ?7, st_errored = ?8, st_waiting = ?9 WHERE run_id = ?1");
    int64_t x[STORE_RUN_NSTATS] = {0};
    db_stmt_t *st = db_query(tx, &q_count, "s", run_id);
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    int rc;
    while ((rc = db_next(st)) == 1) {
        int state = node_state_col(st, 0);
        int64_t k = db_col_int(st, 1);
        x[ST_TOTAL] += k;
        if (stat_of(state) >= 0)
            x[stat_of(state)] += k;
    }
    if (rc != 0)
        return rc;
    return db_exec(tx, &q_set, NULL, "siiiiiiii", run_id, x[ST_TOTAL], x[ST_TIMEOUT], x[ST_FAILED], x[ST_STOPPED],
                   x[ST_SUCCEEDED], x[ST_RUNNING], x[ST_ERRORED], x[ST_WAITING]);
}

/* ---- metrics and health ---- */

int store_count_active(store_tx_t *tx, int64_t runs[5], int64_t jobruns[4])
{
    DB_SQL(q_runs, "SELECT status, count(*) FROM workflow_runs WHERE status IN (0, 2) GROUP BY status");
    DB_SQL(q_jrs, "SELECT state, count(*) FROM job_runs WHERE kind = 'job' AND state < 4 GROUP BY state");
    memset(runs, 0, 5 * sizeof *runs);
    memset(jobruns, 0, 4 * sizeof *jobruns);
    db_stmt_t *st = db_query(tx, &q_runs, "");
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    int rc;
    while ((rc = db_next(st)) == 1) {
        int64_t k = db_col_int(st, 0);
        if (k >= 0 && k < 5)
            runs[k] = db_col_int(st, 1);
    }
    if (rc < 0)
        return rc;
    if (!(st = db_query(tx, &q_jrs, "")))
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    while ((rc = db_next(st)) == 1) {
        int64_t k = db_col_int(st, 0);
        if (k >= 0 && k < 4)
            jobruns[k] = db_col_int(st, 1);
    }
    return rc < 0 ? rc : STORE_OK;
}
