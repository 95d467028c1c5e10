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
#include "store/store.h"

/* Ids of action runs for the engine: to start (spawn) or to stop (kill). Caller-owned. */
typedef struct flow_ids {
    char **v;
    size_t n, cap;
} flow_ids_t;
void flow_ids_push(flow_ids_t *ids, const char *id);
void flow_ids_cleanup(flow_ids_t *ids);

#define FLOW_RUN_ID_LEN     68 /* "wr_" + 64 hex + NUL */
#define FLOW_JOB_RUN_ID_LEN 68

/* Starts a run of a workflow through its start trigger. overlay (may be NULL) is laid over the workflow's
 * DefaultRunProperties. When the workflow is at MaxConcurrentRuns: with record_error an ERROR run is recorded
 * (a trigger-initiated start) and 0 returned; without, ConcurrentRunsExceededException. */
int flow_start_run(store_t *s, const char *workflow, json_t *overlay, bool record_error, int64_t now,
                   char run_id[FLOW_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e);
/* StopWorkflowRun: RUNNING -> STOPPING (STOPPED at once when nothing runs). kill gets the runs to stop. */
int flow_stop_run(store_t *s, const char *workflow, const char *run_id, int64_t now, flow_ids_t *kill, gerr_t *e);
/* ResumeWorkflowRun: a new run re-running node_ids (UniqueIds) and everything downstream of them.
 * *restarted gets the node ids actually started (a new list). */
int flow_resume_run(store_t *s, const uint8_t secret[32], const char *workflow, const char *run_id, json_t *node_ids,
                    int64_t now, char new_run_id[FLOW_RUN_ID_LEN], json_t **restarted, flow_ids_t *spawn, gerr_t *e);
/* StartTrigger on an ON_DEMAND trigger: a run of its workflow, or its actions as standalone runs. */
int flow_fire_on_demand(store_t *s, const char *trigger, int64_t now, char run_id[FLOW_RUN_ID_LEN], flow_ids_t *spawn,
                        gerr_t *e);
/* A SCHEDULED trigger's time came: as flow_fire_on_demand, recording an ERROR run past MaxConcurrentRuns. */
int flow_fire_scheduled(store_t *s, const char *trigger, int64_t now, flow_ids_t *spawn, gerr_t *e);
/* StartJobRun. retry_of (may be NULL) names an earlier run being retried. */
int flow_start_job_run(store_t *s, const char *job, const char *retry_of, json_t *args, int64_t timeout_min,
                       int64_t now, char id[FLOW_JOB_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e);
/* BatchStopJobRun for one id: STOPPING (or STOPPED at once if it never started). */
int flow_stop_job_run(store_t *s, const char *job, const char *id, int64_t now, flow_ids_t *kill, flow_ids_t *spawn,
                      gerr_t *e);
/* Starts a crawl outside any workflow (StartCrawler, a crawler's schedule). */
int flow_start_crawl(store_t *s, const char *crawler, int64_t now, flow_ids_t *spawn, gerr_t *e);

/* StopCrawler: the running crawl ends CANCELLED. */
int flow_stop_crawl(store_t *s, const char *crawler, int64_t now, gerr_t *e);

/* The engine: an action run ended with `state`. Records it, retries under MaxRetries, fires the triggers
 * that watch it, and ends the workflow run when nothing more can happen. */
int flow_action_done(store_t *s, const char *id, int state, const char *error, int64_t now, flow_ids_t *spawn,
                     gerr_t *e);
/* The engine: the process of a STARTING job run was spawned. Returns 1 when recorded, 0 when the run was
 * stopped meanwhile (the caller must kill the process). */
int flow_action_started(store_t *s, const char *id, int64_t pid, int64_t now, gerr_t *e);

#endif
