/* The store: the one truth of glued's state. Every change is one transaction; memory holds caches at most.
 * The interface knows Glue's entities but not JSON: maps and definition documents are opaque text that the
 * model layer encodes. sqlite.c implements it; a postgres.c can implement it later without the API noticing.
 *
 * Threads: any thread may call any function. Each thread gets its own connection (WAL readers never block one
 * another; writers serialise on the database's write lock with BEGIN IMMEDIATE).
 * Returns: 0 on success, STORE_NOTFOUND where a named row is absent, -1 with *e filled otherwise. */
#ifndef GLUED_STORE_H
#define GLUED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

#define STORE_NOTFOUND 1

typedef struct store store_t;

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

typedef struct store_opts {
    bool sync_full; /* synchronous=FULL (default true); false only for throw-away benchmarks */
} store_opts_t;

/* Opens (creating and migrating) <dir>/glued.db. The directory is created with mode 0700 if missing. */
int store_open(const char *dir, const store_opts_t *opts, store_t **out, gerr_t *e);
void store_close(store_t *s);
/* 32 secret bytes kept in the database, stable across restarts (keys the pagination tokens). */
const uint8_t *store_secret(const store_t *s);
int store_schema_version(store_t *s);

void store_workflow_cleanup(store_workflow_t *w);
void store_run_cleanup(store_run_t *r);
void store_res_cleanup(store_res_t *r);
void store_strv_free(char **v, size_t n);
const char *store_run_status_name(int status);
int store_run_status_parse(const char *s);

/* Workflows. create: AlreadyExists, or ResourceNumberLimitExceeded past max_count (0 = no limit). */
int store_workflow_create(store_t *s, const store_workflow_t *w, int64_t max_count, gerr_t *e);
/* get: fills *w; when last_run is not NULL also the newest run (last_run->run_id NULL if none). One query. */
int store_workflow_get(store_t *s, const char *name, store_workflow_t *w, store_run_t *last_run, gerr_t *e);
/* mutate: reads the row, lets fn change it, writes it back, all in one write transaction. fn returns 0 or -1. */
typedef int (*store_workflow_fn)(store_workflow_t *w, void *ctx, gerr_t *e);
int store_workflow_mutate(store_t *s, const char *name, store_workflow_fn fn, void *ctx, gerr_t *e);
/* delete: the workflow, its runs and its triggers, in one transaction. STORE_NOTFOUND if absent. */
int store_workflow_delete(store_t *s, const char *name, gerr_t *e);
/* names in order, strictly after `after` (NULL = from the start), at most limit. */
int store_workflow_names(store_t *s, const char *after, int limit, char ***names, size_t *n, gerr_t *e);
int store_workflow_count(store_t *s, int64_t *n, gerr_t *e);

/* Workflow runs. */
int store_run_insert(store_t *s, store_run_t *r, gerr_t *e); /* sets r->seq */
int store_run_get(store_t *s, const char *workflow, const char *run_id, store_run_t *r, gerr_t *e);
/* newest first, with seq < before_seq (0 = from the newest), at most limit. */
int store_run_list(store_t *s, const char *workflow, int64_t before_seq, int limit, store_run_t **runs, size_t *n,
                   gerr_t *e);
void store_run_list_free(store_run_t *runs, size_t n);
typedef int (*store_run_fn)(store_run_t *r, void *ctx, gerr_t *e);
int store_run_mutate(store_t *s, const char *workflow, const char *run_id, store_run_fn fn, void *ctx, gerr_t *e);

/* Generic definitions (jobs, triggers, crawlers). */
int store_res_create(store_t *s, const store_res_t *r, int64_t max_count, gerr_t *e);
/* create, with a check run inside the write transaction first (it may read the store on this thread):
 * rules that span rows, such as "one start trigger per workflow", hold even under concurrent writers. */
typedef int (*store_check_fn)(void *ctx, gerr_t *e);
int store_res_create_checked(store_t *s, const store_res_t *r, int64_t max_count, store_check_fn check, void *ctx,
                             gerr_t *e);
int store_res_get(store_t *s, const char *kind, const char *name, store_res_t *r, gerr_t *e);
typedef int (*store_res_fn)(store_res_t *r, void *ctx, gerr_t *e);
int store_res_mutate(store_t *s, const char *kind, const char *name, store_res_fn fn, void *ctx, gerr_t *e);
int store_res_delete(store_t *s, const char *kind, const char *name, gerr_t *e);
/* in name order after `after`, at most limit (0 = all) */
int store_res_list(store_t *s, const char *kind, const char *after, int limit, store_res_t **out, size_t *n, gerr_t *e);
/* every definition of a kind that belongs to a workflow (triggers), in name order */
int store_res_by_workflow(store_t *s, const char *kind, const char *workflow, store_res_t **out, size_t *n, gerr_t *e);
void store_res_list_free(store_res_t *r, size_t n);

/* ---- Workflow execution (the engine's state) ----
 * A job run and a crawl are both "action runs" (table job_runs, kind "job" or "crawl"); their states share
 * one enum. A workflow run freezes its triggers (run_triggers), knows the action nodes of its graph and the
 * state of each (run_nodes), and which triggers watch which node (run_watch): a node's end looks up only the
 * triggers that watch it. Functions marked (tx) must run inside store_tx_begin/commit on the same thread. */

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

int store_tx_begin(store_t *s, gerr_t *e);
/* A transaction whose commit is not flushed to disk at once (synchronous=NORMAL for it alone): for records
 * that recovery can rebuild, never for anything acknowledged to a client. The next durable commit on the
 * database flushes it too. */
int store_tx_begin_relaxed(store_t *s, gerr_t *e);
int store_tx_commit(store_t *s, gerr_t *e);
void store_tx_rollback(store_t *s);

int store_jobrun_insert(store_t *s, store_jobrun_t *r, gerr_t *e); /* (tx) sets seq */
int store_jobrun_get(store_t *s, const char *id, store_jobrun_t *r, gerr_t *e);
/* writes state, pid, times, error, attempt and arguments of r (by id) (tx) */
int store_jobrun_update(store_t *s, const store_jobrun_t *r, gerr_t *e);
/* runs of one job (or crawler), newest first, seq < before_seq (0 = from the newest) */
int store_jobrun_list_job(store_t *s, const char *kind, const char *job, int64_t before_seq, int limit,
                          store_jobrun_t **v, size_t *n, gerr_t *e);
/* every action run of a workflow run, oldest first */
int store_jobrun_list_run(store_t *s, const char *workflow_run_id, store_jobrun_t **v, size_t *n, gerr_t *e);
/* the active action runs of one workflow run, or of all (NULL) */
int store_jobrun_list_active(store_t *s, const char *workflow_run_id, store_jobrun_t **v, size_t *n, gerr_t *e);
int store_jobrun_count_active(store_t *s, const char *kind, const char *job, int64_t *n, gerr_t *e);
/* the id of the newest run of a job (or crawl) within a workflow run (heap), or STORE_NOTFOUND */
int store_jobrun_latest_in_run(store_t *s, const char *workflow_run_id, const char *kind, const char *job, char **id,
                               gerr_t *e);

/* The frozen graph of a run (tx for writes). */
int store_run_trigger_add(store_t *s, const char *run_id, const char *name, const char *doc, bool fired, gerr_t *e);
/* the frozen triggers of a run, in name order: names[i], docs[i], fired[i] (free with store_strv_free, free) */
int store_run_triggers(store_t *s, const char *run_id, char ***names, char ***docs, int **fired, size_t *n, gerr_t *e);
/* marks a trigger fired: 1 if this call fired it, 0 if it already was (tx) */
int store_run_trigger_fire(store_t *s, const char *run_id, const char *name, gerr_t *e);
int store_run_trigger_doc(store_t *s, const char *run_id, const char *name, char **doc, gerr_t *e);
int store_run_node_add(store_t *s, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id, gerr_t *e); /* state -1 = not run */
int store_run_node_set(store_t *s, const char *run_id, const char *type, const char *name, int state,
                       const char *source_run_id, gerr_t *e);
/* state of a node in a run (-1 not run yet); STORE_NOTFOUND when the node is not in the run's graph */
int store_run_node_state(store_t *s, const char *run_id, const char *type, const char *name, int *state, gerr_t *e);
typedef struct store_node {
    char *type, *name, *source_run_id;
    int state;
} store_node_t;
int store_run_nodes(store_t *s, const char *run_id, store_node_t **v, size_t *n, gerr_t *e);
void store_node_list_free(store_node_t *v, size_t n);
int store_run_watch_add(store_t *s, const char *run_id, const char *type, const char *name, const char *trigger,
                        gerr_t *e);
/* names of the run's triggers that watch a node */
int store_run_watchers(store_t *s, const char *run_id, const char *type, const char *name, char ***triggers, size_t *n,
                       gerr_t *e);
/* The run's statistics counters follow every node change (store_run_node_add/_set keep them, O(1));
 * *active gets the number of nodes still active (running or waiting). */
int store_run_refresh_stats(store_t *s, const char *run_id, int64_t *active, gerr_t *e);
/* Recounts the counters from the nodes (tx): a check that the incremental counts agree. */
int store_run_recount_stats(store_t *s, const char *run_id, gerr_t *e);
/* sets a run's status, and completed_ms and error when given (tx) */
int store_run_set_status(store_t *s, const char *run_id, int status, int64_t completed_ms, const char *error,
                         gerr_t *e);
/* runs of a workflow that are RUNNING or STOPPING */
int store_run_count_active(store_t *s, const char *workflow, int64_t *n, gerr_t *e);
/* every run still RUNNING or STOPPING (recovery) */
int store_run_list_active(store_t *s, store_run_t **runs, size_t *n, gerr_t *e);
/* writes a definition's document without a callback (tx) */
int store_res_put_doc(store_t *s, const char *kind, const char *name, const char *doc, int64_t modified_ms, gerr_t *e);

#endif
