/* The workflow state machine, as transactions on the store. Each public function is one transaction: it
 * checks, records every consequence (runs created, triggers fired, nodes' states, statistics, the run's
 * end), commits, and only then hands the engine the action runs to start or stop ("commit first, then
 * act"). Called from HTTP threads (start, stop, resume, StartJobRun) and from the engine thread (an action
 * ended, recovery, schedules); never spawns or kills anything itself. */
#ifndef GLUED_FLOW_H
#define GLUED_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"
#include "engine/frozen.h"
#include "engine/logpool.h"
#include "store/store.h"

/* Who is acting: the store, and this node's name and bound. Every job run is owned by the node that claimed
 * it (and runs its process); one that no node has claimed yet is WAITING. A node claims what it creates while
 * it has room under max_jobs (on a store that nodes share, only the first of each transaction, so that
 * fan-outs spread); the rest is claimed with flow_claim, by any node, in creation order. Read-only. */
typedef struct flow_env {
    store_t *store;
    const char *node; /* this node's name */
    int64_t max_jobs; /* job runs this node runs at once (0 = no bound) */
    logpool_t *logs;  /* ids for the job runs this node starts, with their logs made (NULL: random ids) */
    /* the engine's flag, set as it shuts down (NULL: never): on a shared store this node then takes none of the
     * job runs it creates (a retry of a job its shutdown ended), and the others claim them */
    const bool *stopping;
} flow_env_t;

/* The channels nodes sharing a store are told on: work waits to be claimed; a job run (the payload) must be
 * stopped by the node that owns it. */
#define FLOW_CHANNEL_WORK "glued_work"
#define FLOW_CHANNEL_KILL "glued_kill"

/* What starting a job run needs, as the transaction that created it read it: the engine starts the process
 * from this instead of reading the run and its job again. Immutable once made. */
typedef struct flow_spawn {
    char *job;           /* the job's name */
    json_t *def;         /* the job's definition */
    json_t *args;        /* the run's arguments (the job's defaults under the action's) */
    int64_t timeout_min; /* the run's Timeout */
} flow_spawn_t;

/* Ids of action runs for the engine: to start (spawn) or to stop (kill). Caller-owned. A job run to start may
 * come with its flow_spawn_t (spec[i], else NULL: the engine reads the run). */
typedef struct flow_ids {
    char **v;
    flow_spawn_t **spec;
    size_t n, cap;
} flow_ids_t;
void flow_ids_push(flow_ids_t *ids, const char *id);
/* Moves every id of from, with its spawn data, to the end of into; from is left empty. */
void flow_ids_move(flow_ids_t *into, flow_ids_t *from);
void flow_ids_cleanup(flow_ids_t *ids);

#define FLOW_RUN_ID_LEN     68 /* "wr_" + 64 hex + NUL */
#define FLOW_JOB_RUN_ID_LEN 68

/* Starts a run of a workflow through its start trigger. overlay (may be NULL) is laid over the workflow's
 * DefaultRunProperties. When the workflow is at MaxConcurrentRuns: with record_error an ERROR run is recorded
 * (a trigger-initiated start) and 0 returned; without, ConcurrentRunsExceededException. */
int flow_start_run(const flow_env_t *env, const char *workflow, json_t *overlay, bool record_error, int64_t now,
                   char run_id[FLOW_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e);
/* StopWorkflowRun: RUNNING -> STOPPING (STOPPED at once when nothing runs). kill gets the runs to stop. */
int flow_stop_run(const flow_env_t *env, const char *workflow, const char *run_id, int64_t now, flow_ids_t *kill,
                  gerr_t *e);
/* ResumeWorkflowRun: a new run re-running node_ids (UniqueIds) and everything downstream of them.
 * *restarted gets the node ids actually started (a new list). */
int flow_resume_run(const flow_env_t *env, const uint8_t secret[32], const char *workflow, const char *run_id,
                    json_t *node_ids, int64_t now, char new_run_id[FLOW_RUN_ID_LEN], json_t **restarted,
                    flow_ids_t *spawn, gerr_t *e);
/* StartTrigger on an ON_DEMAND trigger: a run of its workflow, or its actions as standalone runs. */
int flow_fire_on_demand(const flow_env_t *env, const char *trigger, int64_t now, char run_id[FLOW_RUN_ID_LEN],
                        flow_ids_t *spawn, gerr_t *e);
/* What a schedule's fire or an event batch did. */
enum flow_outcome {
    FLOW_FIRED = 1,         /* it started its work */
    FLOW_ALREADY_FIRED = 2, /* the fire time was claimed before (a restart, or another node): nothing done */
    FLOW_REFUSED = 3,       /* the workflow was at MaxConcurrentRuns: an ERROR run was recorded (note says why) */
    FLOW_NOT_ACTIVE = 4,    /* the schedule was stopped or deleted meanwhile: nothing done */
};
/* A schedule's fire time came: kind "trigger" (a SCHEDULED trigger: a run of its workflow, or its actions as
 * standalone runs) or "crawler" (a crawl). The fire is claimed by (kind, name, fire_s) in the same transaction as
 * the work it starts, so one fire time is fired once whatever restarts or other nodes do. */
#define FLOW_NOTE_LEN 512
typedef struct flow_fire {
    const char *kind, *name;
    int64_t fire_s;
    int outcome;              /* out: one of enum flow_outcome, or -1 when it failed (flow logged why) */
    char note[FLOW_NOTE_LEN]; /* out: the reason of a refusal */
} flow_fire_t;
/* Fires several fire times, each its own transaction, in as few commits as the store allows (schedules that fire
 * at the same minute share them), each succeeding or failing alone. */
void flow_fire_schedules(const flow_env_t *env, flow_fire_t *fires, size_t n, int64_t now, flow_ids_t *spawn);

/* An EVENT batch that starts a workflow run: its events' ids (a JSON array of strings) and the condition that
 * closed it (size: the BatchSize reached; window: the BatchWindow that passed; the other is 0). */
typedef struct flow_batch {
    json_t *event_ids;
    int64_t size, window;
} flow_batch_t;
/* Inside the caller's write transaction (its store_tx_run fn): starts a run of workflow through its start
 * trigger for an EVENT batch. The run's property aws:eventIds holds the ids; StartingEventBatchCondition the
 * condition. Past MaxConcurrentRuns an ERROR run is recorded (*outcome FLOW_REFUSED, note says why). Action
 * runs to start are appended to spawn, which the caller hands out only after its commit. 0, or -1 with *e. */
int flow_start_batch_in(const flow_env_t *env, store_tx_t *tx, int64_t now, const char *workflow,
                        const flow_batch_t *batch, flow_ids_t *spawn, int *outcome, char *note, size_t notelen,
                        gerr_t *e);
/* StartJobRun. retry_of (may be NULL) names an earlier run being retried. */
int flow_start_job_run(const flow_env_t *env, const char *job, const char *retry_of, json_t *args, int64_t timeout_min,
                       int64_t now, char id[FLOW_JOB_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e);
/* BatchStopJobRun for one id: STOPPING (or STOPPED at once if it never started). */
int flow_stop_job_run(const flow_env_t *env, const char *job, const char *id, int64_t now, flow_ids_t *kill,
                      flow_ids_t *spawn, gerr_t *e);
/* Starts a crawl outside any workflow (StartCrawler, a crawler's schedule). */
int flow_start_crawl(const flow_env_t *env, const char *crawler, int64_t now, flow_ids_t *spawn, gerr_t *e);

/* StopCrawler: the running crawl ends CANCELLED. */
int flow_stop_crawl(const flow_env_t *env, const char *crawler, int64_t now, gerr_t *e);

/* What one turn of the engine's loop records together (one commit on SQLite, one transaction on PostgreSQL):
 *
 * - ends: action runs that ended. Each is recorded with `state`, retried under MaxRetries, fires the triggers
 *   that watch it, and ends its workflow run when nothing more can happen; on a shared store it also keeps its
 *   output's tail (has_logs). started_at, when not 0, is when its process started, a start that was never
 *   recorded on its own (the process ended first): it becomes StartedOn.
 * - starts: processes spawned for STARTING job runs (RUNNING from `at`, their StartedOn). Each result: 1
 *   recorded, 0 the run was stopped meanwhile (the caller kills the process), -1 failed.
 *
 * The batch is flushed (durable) when it holds an end; starts alone are not: if a crash loses them, recovery
 * finds the processes by their GLUED_JOB_RUN_ID markers. Failures are logged, and each end's status says how it
 * went (0 recorded, else a STORE_* failure: STORE_FULL and STORE_CONFLICT pass, so the engine records such an
 * end again later). The runs to start next go to spawn. frozen (may be NULL): the caller's cache of runs' frozen
 * triggers, used by no other thread. */
typedef struct flow_end {
    const char *id;
    int state;
    const char *error;
    int64_t started_at;
    bool has_logs;
    const void *out, *err;
    size_t outlen, errlen;
    int64_t out_size, err_size;
    int status; /* set by flow_actions_record */
} flow_end_t;
typedef struct flow_start {
    const char *id;
    int64_t pid, at;
    int result; /* set by flow_actions_record */
} flow_start_t;
void flow_actions_record(const flow_env_t *env, frozen_t *frozen, flow_start_t *starts, size_t nstarts,
                         flow_end_t *ends, size_t nends, int64_t now, flow_ids_t *spawn);

/* Standalone CONDITIONAL triggers are found through trigger_watch: flow_trigger_watch (inside the transaction
 * that creates or changes trigger `trigger`, doc its new definition) keeps its rows; flow_trigger_watch_fill
 * rebuilds them all (at start). 0 or -1. */
int flow_trigger_watch(store_tx_t *tx, const char *trigger, json_t *doc);
int flow_trigger_watch_fill(const flow_env_t *env, gerr_t *e);
/* Claims up to limit WAITING job runs for this node (fewer when max_jobs leaves less room): they go to spawn.
 * Returns how many, or -1. */
int flow_claim(const flow_env_t *env, int limit, int64_t now, flow_ids_t *spawn, gerr_t *e);
/* A job run whose node has no lease valid at lease_now is recorded FAILED (STOPPED if it was being stopped),
 * with retries and triggers as for any end: even an unstarted one may have a process its node did not record.
 * Returns 1 when this call took it over, 0 when there was nothing to do (its node came back, it ended). */
int flow_orphan(const flow_env_t *env, const char *id, int64_t lease_now, int64_t now, flow_ids_t *spawn, gerr_t *e);

#endif
