/* The API layer: one handler per Glue operation. A handler validates its input, calls the store (and, for run
 * control, posts to the engine), and builds its output. It never sees HTTP and never blocks on a job.
 * The operation table lives in api.c; each resource's handlers in their own file. */
#ifndef GLUED_API_H
#define GLUED_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/flow.h"
#include "model/error.h"
#include "store/store.h"

typedef struct api_config {
    const char *region;    /* default region, when a request is not signed */
    const char *account;   /* account id in ARNs */
    int64_t max_workflows; /* ResourceNumberLimitExceeded past this many (0 = none) */
    int64_t max_jobs, max_triggers, max_crawlers;
    bool test_mode; /* --test-mode: api_reset is served */
} api_config_t;

struct engine;

/* Shared by every HTTP thread; read-only after start-up. */
typedef struct api {
    store_t *store;
    struct engine *engine; /* where committed run changes are handed for action */
    flow_env_t flow;       /* the store and this node, for run changes */
    api_config_t cfg;
} api_t;

/* One request's context, owned by the HTTP thread serving it. */
typedef struct api_req {
    api_t *api;
    const char *region; /* from the SigV4 credential scope, else cfg.region */
    int64_t now_ms;     /* taken once when the request arrived */
    store_tx_t *tx;     /* the open transaction while a store callback of this request runs, else NULL */
    char **raw;         /* JSON texts spliced into the answer (api_raw) */
    size_t nraw;
} api_req_t;

/* A member whose value is JSON text made earlier (a cached graph): returns a placeholder to put in the
 * answer, which api_splice replaces by text once the answer is encoded. Takes text (heap). The placeholder is
 * a string holding NUL, which no request can carry, so it can never be confused with data. */
json_t *api_raw(api_req_t *rq, char *text);
/* The encoded answer with every placeholder replaced (a new heap string; body is freed), and rq's texts freed.
 * NULL when out of memory. */
char *api_splice(api_req_t *rq, char *body);

/* Where a handler reads: the request's open transaction, or the thread's read handle. A store failure status
 * becomes the API's error with gerr_store (model/error.h); positive statuses are the caller's to word. */
store_tx_t *api_db(api_req_t *rq);

/* A handler: *out is a new reference to the output object on success. Returns 0 or -1 with *e set. */
typedef int (*api_handler_fn)(api_req_t *rq, json_t *in, json_t **out, gerr_t *e);

typedef struct api_op {
    const char *name;
    api_handler_fn fn;
} api_op_t;

/* The operation named by X-Amz-Target's suffix, or NULL: Glue's (AWSGlue.<op>) and EventBridge's
 * (AWSEvents.<op>, api/events.c). */
const api_op_t *api_find(const char *name);
/* A read the web console needs and the Glue API lacks (overview.c), or NULL. Not served on POST /. */
const api_op_t *api_find_internal(const char *name);
const api_op_t *api_events_find(const char *name);

/* Handlers (workflows.c, runs.c, tags.c, ...) */
int api_create_workflow(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_workflow(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_workflow(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_workflow(api_req_t *, json_t *, json_t **, gerr_t *);
int api_list_workflows(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_get_workflows(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_workflow_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_workflow_runs(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_workflow_run_properties(api_req_t *, json_t *, json_t **, gerr_t *);
int api_put_workflow_run_properties(api_req_t *, json_t *, json_t **, gerr_t *);
int api_tag_resource(api_req_t *, json_t *, json_t **, gerr_t *);
int api_untag_resource(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_tags(api_req_t *, json_t *, json_t **, gerr_t *);
int api_start_workflow_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_stop_workflow_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_resume_workflow_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_start_job_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_job_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_job_runs(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_stop_job_run(api_req_t *, json_t *, json_t **, gerr_t *);
int api_start_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_stop_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_create_job(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_job(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_job(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_jobs(api_req_t *, json_t *, json_t **, gerr_t *);
int api_list_jobs(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_get_jobs(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_job(api_req_t *, json_t *, json_t **, gerr_t *);
int api_create_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_triggers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_list_triggers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_get_triggers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_start_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_stop_trigger(api_req_t *, json_t *, json_t **, gerr_t *);
int api_create_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_crawlers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_list_crawlers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_get_crawlers(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_crawler(api_req_t *, json_t *, json_t **, gerr_t *);
int api_start_crawler_schedule(api_req_t *, json_t *, json_t **, gerr_t *);
int api_stop_crawler_schedule(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_crawler_schedule(api_req_t *, json_t *, json_t **, gerr_t *);
int api_list_crawls(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_crawler_metrics(api_req_t *, json_t *, json_t **, gerr_t *);
/* ListWorkflowSummaries (console only): {NameContains?, MaxResults 1..100, NextToken?} ->
 * {Workflows: [{Name, Description?, LastRun?}], NextToken?}; LastRun without its properties. */
int api_list_workflow_summaries(api_req_t *, json_t *, json_t **, gerr_t *);
/* The Data Catalog (catalog.c) */
int api_create_database(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_database(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_databases(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_database(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_database(api_req_t *, json_t *, json_t **, gerr_t *);
int api_create_table(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_table(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_tables(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_table(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_table(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_delete_table(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_table_versions(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_table_version(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_table_version(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_delete_table_version(api_req_t *, json_t *, json_t **, gerr_t *);
int api_search_tables(api_req_t *, json_t *, json_t **, gerr_t *);
int api_create_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_create_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_get_partitions(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_get_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_update_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_update_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_delete_partition(api_req_t *, json_t *, json_t **, gerr_t *);
int api_batch_delete_partition(api_req_t *, json_t *, json_t **, gerr_t *);
/* A database's tags (for tags.c): with fn, edits them in a transaction (fn changes the encoded map in place,
 * or fails with e set); without, reads them into *current. 0, STORE_NOTFOUND, or -1 with e set. */
int api_database_tags(api_req_t *rq, const char *name, int (*fn)(char **tags, void *ctx, gerr_t *e), void *ctx,
                      char **current, gerr_t *e);

/* Writes that take their own transaction, with the request's handlers as callbacks (rq->tx is set while they
 * run). Each returns 0, STORE_NOTFOUND (e not set: the caller words it), or -1 with e set; a callback fails by
 * setting e and returning -1. label names the entity in messages ("Job", "Trigger"). */
typedef int (*api_wf_fn)(api_req_t *rq, store_workflow_t *w, void *ctx, gerr_t *e);
typedef int (*api_run_fn)(api_req_t *rq, store_run_t *r, void *ctx, gerr_t *e);
typedef int (*api_res_fn)(api_req_t *rq, store_res_t *r, void *ctx, gerr_t *e);
typedef int (*api_check_fn)(api_req_t *rq, void *ctx, gerr_t *e);
int api_workflow_mutate(api_req_t *rq, const char *name, api_wf_fn fn, void *ctx, gerr_t *e);
int api_run_mutate(api_req_t *rq, const char *workflow, const char *run_id, api_run_fn fn, void *ctx, gerr_t *e);
int api_res_mutate(api_req_t *rq, const char *kind, const char *name, api_res_fn fn, void *ctx, gerr_t *e);
/* Creates a definition: AlreadyExists, or ResourceNumberLimitExceeded past max_count; check (may be NULL) runs
 * inside the transaction first. */
int api_res_create(api_req_t *rq, const char *label, const store_res_t *r, int64_t max_count, api_check_fn check,
                   void *ctx, gerr_t *e);

/* --test-mode's reset (testmode.c): stops every job and crawl and empties the store, then returns. Blocks
 * the calling thread for as long as that takes (milliseconds). 0, or -1 with *e set. */
int api_reset(api_t *api, gerr_t *e);

/* Shared helpers for handlers. */
/* A Glue cron schedule: valid, and not more often than every 5 minutes. what names it in messages. */
int api_check_schedule(const char *expr, const char *what, gerr_t *e);
/* Reads MaxResults (min..max, default 25) and NextToken for a listing named scope. */
typedef struct api_page {
    int limit;
    char *after_str;   /* heap, NULL on the first page */
    int64_t after_int; /* 0 on the first page */
} api_page_t;
int api_page_read(api_req_t *rq, json_t *in, const char *scope, int max, api_page_t *p, gerr_t *e);
void api_page_cleanup(api_page_t *p);
/* The bytes a name (NameString: 1..255 characters) can take in UTF-8. A scope holds whole names, so that a
 * token never verifies for another workflow, job or table whose name starts the same way. */
#define API_NAME_BYTES (4 * 255)
/* Sets out["NextToken"] for a page that continues after the given key. */
void api_page_next(api_req_t *rq, json_t *out, const char *scope, const char *key_str, int64_t key_int);

/* The graph a run froze at its start, with each job node's JobRuns and each crawler node's Crawls. */
json_t *api_run_graph(api_req_t *rq, const store_run_t *run, gerr_t *e);

/* The workflow graph of a workflow's current triggers ({"Nodes": [...], "Edges": [...]}). */
json_t *api_workflow_graph(api_req_t *rq, const char *workflow, gerr_t *e);

#endif
