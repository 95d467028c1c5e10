/* The store: the one truth of glued's state. Every change is one transaction; memory holds caches at most.
 * The interface knows Glue's entities but not JSON: maps and definition documents are opaque text that the
 * model layer encodes. It answers with store statuses, never with Glue exceptions: the layers above choose
 * the exception and its words.
 *
 * Backends: SQLite (the default, one file) and PostgreSQL (several glued nodes on one database). The SQL and
 * the logic are written once (store.c, db.c); a backend is a small table of primitives (db.h).
 *
 * Transactions are explicit. store_tx_run(s, flags, fn, ctx) opens a write transaction, calls fn(tx, ctx)
 * and commits when fn returns 0; any other value rolls back and is returned. Every store call inside fn
 * takes that tx, never store_read(): the transaction is the handle's, not the thread's.
 *
 * What every backend guarantees:
 * - Write transactions are serializable: a check followed by a write in one transaction (count-then-insert,
 *   read-modify-write) cannot race another transaction, on one node or several.
 * - A transaction that conflicts with another (SQLite: the database is busy; PostgreSQL: serialization
 *   failure or deadlock) is rolled back and fn is run again from the start, up to a bound, then
 *   STORE_CONFLICT. So fn must keep its effects in the transaction and in ctx state that it resets on entry;
 *   whatever it collects for after the commit (job runs to spawn) is acted on only after store_tx_run
 *   returned 0.
 * - A commit that returned 0 is durable (fsync'd; PostgreSQL: synchronous commit), except with
 *   STORE_TX_RELAXED, for records that recovery can rebuild.
 * - A failed statement ends the transaction: after a failure status, every further call on the same tx
 *   returns that status, and store_tx_run rolls back.
 * - store_read(s) gives the calling thread's handle for reads outside a transaction; each call sees the
 *   latest committed state.
 *
 * Threads: any thread may call any function; each thread has its own connection. */
#ifndef GLUED_STORE_H
#define GLUED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Statuses. Positive ones are answers; negative ones are failures (nothing was written). */
enum store_status {
    STORE_OK = 0,
    STORE_NOTFOUND = 1, /* the named row is absent */
    STORE_EXISTS = 2,   /* its unique key is taken */
    STORE_LIMIT = 3,    /* a bound the caller gave (how many may exist) is reached */
    STORE_ERROR = -1,   /* the database failed (I/O, corruption, a bug); the log has the details */
    STORE_FULL = -2,    /* the disk or the database is full */
    STORE_CONFLICT = -3 /* concurrent transactions kept conflicting; retrying later may succeed */
};
const char *store_status_name(int status);

typedef struct store store_t;
typedef struct store_tx store_tx_t;

typedef struct store_opts {
    bool sync_full; /* flush every commit (default true); false only for throw-away benchmarks */
} store_opts_t;

/* Opens (creating and migrating) the store named by target:
 *   "sqlite:PATH"         the SQLite database file PATH (its directory is created with mode 0700)
 *   "postgresql://..." or "postgres://..."   a PostgreSQL database (any libpq connection URI)
 *   anything else         a data directory: the SQLite database DIR/glued.db
 * Migrations run under a lock, so nodes starting together migrate once. */
int store_open(const char *target, const store_opts_t *opts, store_t **out, char *err, size_t errlen);
/* The SQLite database file store_open would open for target (into path), or false for a PostgreSQL target. */
bool store_sqlite_path(const char *target, char *path, size_t len);
void store_close(store_t *s);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const store_t *s);
/* Whether other glued nodes may share this store (PostgreSQL): work must then be claimed, and what must happen
 * once is decided by the database. */
bool store_shared(const store_t *s);
/* 32 secret bytes kept in the database, stable across restarts (keys the pagination tokens). */
const uint8_t *store_secret(const store_t *s);
int store_schema_version(store_t *s);
/* The schema version this build of glued migrates a store to. */
int store_schema_latest(void);
/* Deletes everything but the store's own bookkeeping (its secret and schema version), in one transaction:
 * --test-mode's reset. */
int store_reset(store_t *s);

/* ---- transactions ---- */
#define STORE_TX_RELAXED 1u /* commit without waiting for the flush: only for what recovery can rebuild */
typedef int (*store_tx_fn)(store_tx_t *tx, void *ctx);
int store_tx_run(store_t *s, unsigned flags, store_tx_fn fn, void *ctx);
/* Several transactions at once, each as if run by its own store_tx_run (items[i].result is what that would
 * return), in as few commits as the backend allows: on SQLite every transaction that threads start at the same
 * time shares one commit (group commit: one fsync for all, none answered before it); on PostgreSQL the items of
 * one call share one transaction. A failing item is rolled back alone (savepoints). Returns the first non-zero
 * result, or 0. */
typedef struct store_tx_item {
    store_tx_fn fn;
    void *ctx;
    unsigned flags;
    int result;
    /* the store's own */
    bool done;
    struct store_tx_item *next;
} store_tx_item_t;
int store_tx_batch(store_t *s, store_tx_item_t *items, size_t n);
/* The calling thread's handle for reads outside a transaction (NULL if no connection could be made: every
 * function given NULL answers STORE_ERROR). Never use it inside store_tx_run's fn. */
store_tx_t *store_read(store_t *s);
store_t *store_of(store_tx_t *tx);

/* ---- the entities ---- */

typedef struct store_workflow {
    char *name;
    char *description;   /* NULL when never set */
    char *default_props; /* opaque encoded map, NULL when none */
    char *tags;          /* opaque encoded map, NULL when none */
    bool has_max_runs;   /* MaxConcurrentRuns set (absent means unlimited) */
    int64_t max_runs;
    int64_t created_ms, modified_ms;
} store_workflow_t;

enum store_run_status { RUN_RUNNING, RUN_COMPLETED, RUN_STOPPING, RUN_STOPPED, RUN_ERROR };
#define STORE_RUN_NSTATS 8
/* Order of the statistics counters, as in WorkflowRunStatistics. */
enum { ST_TOTAL, ST_TIMEOUT, ST_FAILED, ST_STOPPED, ST_SUCCEEDED, ST_RUNNING, ST_ERRORED, ST_WAITING };

typedef struct store_run {
    int64_t seq; /* insertion order, newest largest */
    char *run_id, *workflow, *previous_run_id, *error_message;
    char *props;                      /* opaque encoded map */
    int status;                       /* enum store_run_status */
    int64_t started_ms, completed_ms; /* 0 when not set */
    int64_t batch_size, batch_window; /* StartingEventBatchCondition, 0 when not set */
    int64_t stats[STORE_RUN_NSTATS];
} store_run_t;

/* A generic named definition (job, trigger, crawler): indexed columns plus an opaque document. */
typedef struct store_res {
    char *kind; /* "job", "trigger", "crawler" */
    char *name;
    char *workflow; /* the workflow a trigger belongs to, else NULL */
    char *doc;      /* opaque encoded definition */
    char *tags;     /* opaque encoded map, NULL when none */
    int64_t created_ms, modified_ms;
} store_res_t;

void store_workflow_cleanup(store_workflow_t *w);
void store_run_cleanup(store_run_t *r);
void store_res_cleanup(store_res_t *r);
void store_strv_free(char **v, size_t n);
const char *store_run_status_name(int status);
int store_run_status_parse(const char *s);

/* ---- workflows ---- */
/* create (own transaction): STORE_EXISTS, or STORE_LIMIT when max_count (0 = none) workflows exist. */
int store_workflow_create(store_t *s, const store_workflow_t *w, int64_t max_count);
/* get: fills *w; when last_run is not NULL also the newest run (last_run->run_id NULL if none). One query. */
int store_workflow_get(store_tx_t *tx, const char *name, store_workflow_t *w, store_run_t *last_run);
/* mutate (own transaction): reads the row, lets fn change it (fn may read and write through tx too), writes
 * it back. fn's nonzero return aborts and is returned. */
typedef int (*store_workflow_fn)(store_tx_t *tx, store_workflow_t *w, void *ctx);
int store_workflow_mutate(store_t *s, const char *name, store_workflow_fn fn, void *ctx);
/* delete (own transaction): the workflow, its runs and its triggers. STORE_NOTFOUND if absent. */
int store_workflow_delete(store_t *s, const char *name);
/* names in order, strictly after `after` (NULL = from the start), at most limit. */
int store_workflow_names(store_tx_t *tx, const char *after, int limit, char ***names, size_t *n);
int store_workflow_count(store_tx_t *tx, int64_t *n);

/* ---- workflow runs ---- */
int store_run_insert(store_tx_t *tx, const store_run_t *r);
int store_run_get(store_tx_t *tx, const char *workflow, const char *run_id, store_run_t *r);
/* newest first, with seq < before_seq (0 = from the newest), at most limit. */
int store_run_list(store_tx_t *tx, const char *workflow, int64_t before_seq, int limit, store_run_t **runs, size_t *n);
void store_run_list_free(store_run_t *runs, size_t n);
/* mutate (own transaction), as store_workflow_mutate. */
typedef int (*store_run_fn)(store_tx_t *tx, store_run_t *r, void *ctx);
int store_run_mutate(store_t *s, const char *workflow, const char *run_id, store_run_fn fn, void *ctx);
/* sets a run's status, and completed_ms and error when given */
int store_run_set_status(store_tx_t *tx, const char *run_id, int status, int64_t completed_ms, const char *error);
/* runs of a workflow that are RUNNING or STOPPING */
int store_run_count_active(store_tx_t *tx, const char *workflow, int64_t *n);
/* every run still RUNNING or STOPPING, of one workflow or of all (NULL) */
int store_run_list_active(store_tx_t *tx, const char *workflow, store_run_t **runs, size_t *n);

/* ---- generic definitions (jobs, triggers, crawlers) ---- */
/* create (own transaction): STORE_EXISTS, STORE_LIMIT past max_count of the kind (0 = none). check (may be
 * NULL) runs inside the transaction first, with its handle: rules that span rows, such as "one start
 * trigger per workflow", hold even under concurrent writers. Its nonzero return aborts and is returned. */
typedef int (*store_check_fn)(store_tx_t *tx, void *ctx);
int store_res_create(store_t *s, const store_res_t *r, int64_t max_count, store_check_fn check, void *ctx);
int store_res_get(store_tx_t *tx, const char *kind, const char *name, store_res_t *r);
/* mutate (own transaction), as store_workflow_mutate. */
typedef int (*store_res_fn)(store_tx_t *tx, store_res_t *r, void *ctx);
int store_res_mutate(store_t *s, const char *kind, const char *name, store_res_fn fn, void *ctx);
int store_res_delete(store_t *s, const char *kind, const char *name);
/* writes a definition's document (inside a transaction) for a change of its state, not of the definition: its
 * modified time (a crawler's LastUpdated) stays */
int store_res_put_doc(store_tx_t *tx, const char *kind, const char *name, const char *doc);
/* The standalone triggers watching a node: set replaces trigger's rows with n (types[i], names[i]) pairs
 * (n = 0 removes them; deleting a trigger removes them too); watchers lists the triggers watching one node. */
int store_trigger_watch_set(store_tx_t *tx, const char *trigger, const char *const *types, const char *const *names,
                            size_t n);
int store_trigger_watchers(store_tx_t *tx, const char *type, const char *name, char ***triggers, size_t *n);
/* in name order after `after`, at most limit (0 = all) */
int store_res_list(store_tx_t *tx, const char *kind, const char *after, int limit, store_res_t **out, size_t *n);
/* every definition of a kind that belongs to a workflow (triggers), in name order */
int store_res_by_workflow(store_tx_t *tx, const char *kind, const char *workflow, store_res_t **out, size_t *n);
void store_res_list_free(store_res_t *r, size_t n);

/* ---- workflow execution (the engine's state) ----
 * A job run and a crawl are both "action runs" (table job_runs, kind "job" or "crawl"); their states share
 * one enum. A workflow run freezes its triggers (run_triggers), knows the action nodes of its graph and the
 * state of each (run_nodes), and which triggers watch which node (run_watch): a node's end looks up only the
 * triggers that watch it. */

enum store_jr_state {
    JR_STARTING,
    JR_RUNNING,
    JR_STOPPING,
    JR_WAITING, /* active: below JR_SUCCEEDED */
    JR_SUCCEEDED,
    JR_FAILED,
    JR_TIMEOUT,
    JR_STOPPED,
    JR_ERROR,
    JR_EXPIRED,
};
#define JR_ACTIVE(s) ((s) >= 0 && (s) < JR_SUCCEEDED)
const char *store_jr_state_name(int state);    /* JobRunState names */
const char *store_crawl_state_name(int state); /* Crawl State names (STOPPED -> CANCELLED, ...) */
int store_jr_state_parse(const char *s);       /* JobRunState -> enum, -1 if unknown */
int store_crawl_state_parse(const char *s);    /* CrawlState -> enum, -1 if unknown */

typedef struct store_jobrun {
    int64_t seq;
    char *node;            /* the node that claimed it and owns its process; NULL while WAITING for a node */
    char *id, *kind, *job; /* kind "job" or "crawl"; job holds the crawler's name for a crawl */
    int attempt, state;
    char *previous_run_id, *trigger_name, *workflow, *workflow_run_id;
    int64_t started_ms, modified_ms, completed_ms;
    int64_t timeout_min; /* 0 = none */
    int64_t pid;         /* process group leader while it runs, else 0 */
    char *error_message;
    char *arguments; /* opaque encoded map: exactly what the process got */
    char *detail;    /* opaque document: capacity fields and other echoes of the definition */
} store_jobrun_t;
void store_jobrun_cleanup(store_jobrun_t *r);
void store_jobrun_list_free(store_jobrun_t *v, size_t n);

int store_jobrun_insert(store_tx_t *tx, const store_jobrun_t *r);
int store_jobrun_get(store_tx_t *tx, const char *id, store_jobrun_t *r);
/* writes a run's detail document (a crawl's metrics) */
int store_jobrun_set_detail(store_tx_t *tx, const char *id, const char *detail);
/* writes state, pid, times, error, arguments and timeout of r (by id) */
int store_jobrun_update(store_tx_t *tx, const store_jobrun_t *r);
/* runs of one job (or crawler), newest first, seq < before_seq (0 = from the newest) */
int store_jobrun_list_job(store_tx_t *tx, const char *kind, const char *job, int64_t before_seq, int limit,
                          store_jobrun_t **v, size_t *n);
/* every action run of a workflow run, oldest first */
int store_jobrun_list_run(store_tx_t *tx, const char *workflow_run_id, store_jobrun_t **v, size_t *n);
/* the active action runs of one workflow run, or of all (NULL) */
int store_jobrun_list_active(store_tx_t *tx, const char *workflow_run_id, store_jobrun_t **v, size_t *n);
int store_jobrun_count_active(store_tx_t *tx, const char *kind, const char *job, int64_t *n);
/* the id of the newest run of a job (or crawl) that shows its node in a workflow run (heap), or STORE_NOTFOUND:
 * in a resumed run, a node not run again shows the job run of the run it was copied from */
int store_jobrun_latest_in_run(store_tx_t *tx, const char *workflow_run_id, const char *kind, const char *job,
                               char **id);
/* Claims for node, in creation order, at most limit WAITING job runs that no node owns: they become STARTING
 * and node's. *v gets them (as they are after the claim). Several nodes claiming at once never get one run
 * twice (PostgreSQL: FOR UPDATE SKIP LOCKED). */
int store_jobrun_claim(store_tx_t *tx, const char *node, int limit, store_jobrun_t **v, size_t *n);
/* the active action runs a node owns, or every active one when node is NULL, oldest first */
int store_jobrun_list_node(store_tx_t *tx, const char *node, store_jobrun_t **v, size_t *n);
/* how many job runs wait for a node */
int store_jobrun_count_waiting(store_tx_t *tx, int64_t *n);
/* how many active action runs a node owns (its load) */
int store_jobrun_count_node(store_tx_t *tx, const char *node, int64_t *n);
/* the active action runs owned by a node that holds no lease valid at now_ms (dead nodes' runs) */
int store_jobrun_list_orphans(store_tx_t *tx, int64_t now_ms, store_jobrun_t **v, size_t *n);

/* ---- nodes sharing the store ---- */
typedef struct store_node_row {
    char *name, *epoch, *host, *url;
    int64_t pid, started_ms, lease_until_ms;
} store_node_row_t;
void store_node_row_cleanup(store_node_row_t *r);
int store_node_get(store_tx_t *tx, const char *name, store_node_row_t *r);
/* inserts or replaces a node's row (its lease starts anew) */
int store_node_put(store_tx_t *tx, const store_node_row_t *r);
/* renews a lease still valid at now_ms, held under epoch: STORE_OK, or STORE_NOTFOUND when it was lost */
int store_node_renew(store_tx_t *tx, const char *name, const char *epoch, int64_t now_ms, int64_t until_ms);
/* whether node `name` holds a lease valid at now_ms */
int store_node_alive(store_tx_t *tx, const char *name, int64_t now_ms, bool *alive);
/* how many nodes hold a lease valid at now_ms */
int store_node_count_alive(store_tx_t *tx, int64_t now_ms, int64_t *n);

/* ---- job run logs, kept in the store when it is shared ---- */
/* at most the last STORE_LOG_MAX bytes of each stream; the sizes are the streams' whole sizes */
#define STORE_LOG_MAX (1 << 20)
int store_joblog_put(store_tx_t *tx, const char *id, const void *out, size_t outlen, int64_t out_size, const void *err,
                     size_t errlen, int64_t err_size);
/* *out and *err (heap, NUL-terminated after their length) get the kept bytes; STORE_NOTFOUND if none */
int store_joblog_get(store_tx_t *tx, const char *id, char **out, size_t *outlen, int64_t *out_size, char **err,
                     size_t *errlen, int64_t *err_size);

/* ---- metrics and health ---- */
/* For /metrics: workflow runs in each active status (runs[RUN_RUNNING], runs[RUN_STOPPING]) and job runs (not
 * crawls) in each active state (jobruns[JR_STARTING..JR_WAITING]), read through the active partial indexes. */
int store_count_active(store_tx_t *tx, int64_t runs[5], int64_t jobruns[4]);
/* /health: a small real write (this node's row in meta, written as the marks are: store/events.c), so that a
 * full disk shows; commit it relaxed */
int store_health_probe(store_tx_t *tx, const char *node, int64_t now_ms);

/* ---- run history past its retention (store/retention.c) ---- */
typedef struct store_purged {
    size_t runs;    /* workflow runs purged, with their graphs and job runs */
    size_t jobruns; /* job runs and crawls purged outside those runs */
    char **ids;     /* every job run and crawl purged (their log files can go): nids of them */
    size_t nids;
} store_purged_t;
/* One batch: at most max_runs ended workflow runs whose end is before cutoff_ms (with their frozen graphs, job
 * runs and kept logs), except runs that a kept run was resumed from, then at most max_jobruns ended job runs and
 * crawls that belong to no kept workflow run. Oldest ends first. A batch that took fewer than asked was the
 * last. Free out with store_purged_cleanup. */
int store_purge_history(store_tx_t *tx, int64_t cutoff_ms, int max_runs, int max_jobruns, store_purged_t *out);
void store_purged_cleanup(store_purged_t *p);
/* whether a job run or crawl with this id exists (STORE_OK) or not (STORE_NOTFOUND) */
int store_jobrun_exists(store_tx_t *tx, const char *id);

/* ---- telling other nodes ---- */
/* Sends payload on channel to every node listening, when tx commits (nothing on an unshared store). */
int store_notify(store_tx_t *tx, const char *channel, const char *payload);
/* A listener: its fd becomes readable when notifications arrive; drain hands each to fn. */
typedef struct store_listener store_listener_t;
typedef void (*store_notify_fn)(const char *channel, const char *payload, void *ctx);
/* NULL on an unshared store, or with err filled when the connection cannot be made. */
store_listener_t *store_listen(store_t *s, const char *const *channels, char *err, size_t errlen);
int store_listener_fd(store_listener_t *l);
/* reads what arrived and calls fn for each; STORE_ERROR when the connection broke (close and listen again) */
int store_listener_drain(store_listener_t *l, store_notify_fn fn, void *ctx);
void store_listener_close(store_listener_t *l);

/* The frozen graph of a run. */
int store_run_trigger_add(store_tx_t *tx, const char *run_id, const char *name, const char *doc, bool fired);
/* the frozen triggers of a run, in name order: names[i], docs[i], fired[i] (free with store_strv_free, free) */
int store_run_triggers(store_tx_t *tx, const char *run_id, char ***names, char ***docs, int **fired, size_t *n);
/* marks a trigger fired: 1 if this call fired it, 0 if it already was, or a failure */
int store_run_trigger_fire(store_tx_t *tx, const char *run_id, const char *name);
int store_run_trigger_doc(store_tx_t *tx, const char *run_id, const char *name, char **doc);
int store_run_node_add(store_tx_t *tx, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id); /* state -1 = not run */
int store_run_node_set(store_tx_t *tx, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id);
/* state of a node in a run (-1 not run yet); STORE_NOTFOUND when the node is not in the run's graph */
int store_run_node_state(store_tx_t *tx, const char *run_id, const char *type, const char *name, int *state);
typedef struct store_node {
    char *type, *name, *source_run_id;
    int state;
} store_node_t;
int store_run_nodes(store_tx_t *tx, const char *run_id, store_node_t **v, size_t *n);
void store_node_list_free(store_node_t *v, size_t n);
int store_run_watch_add(store_tx_t *tx, const char *run_id, const char *type, const char *name, const char *trigger);
/* names of the run's triggers that watch a node */
/* Rows of two or three strings (s[2] NULL for two). */
typedef struct store_row3 {
    char *s[3];
} store_row3_t;
void store_row3_free(store_row3_t *v, size_t n);
/* All of a run's frozen triggers at once, at most limit: (name, doc) rows in name order. */
int store_run_trigger_docs(store_tx_t *tx, const char *run_id, int limit, store_row3_t **v, size_t *n);
/* All of a run's watchers at once, at most limit: (type, name, trigger) rows, by node. */
int store_run_watch_all(store_tx_t *tx, const char *run_id, int limit, store_row3_t **v, size_t *n);
int store_run_watchers(store_tx_t *tx, const char *run_id, const char *type, const char *name, char ***triggers,
                       size_t *n);
/* The run's statistics counters follow every node change (store_run_node_add/_set keep them, O(1));
 * *active gets the number of nodes still active (running or waiting). */
int store_run_refresh_stats(store_tx_t *tx, const char *run_id, int64_t *active);
/* Recounts the counters from the nodes: a check that the incremental counts agree. */
int store_run_recount_stats(store_tx_t *tx, const char *run_id);

#endif
