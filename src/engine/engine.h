/* The engine: one thread with one libuv loop that owns every job process, pipe, timer and schedule. Other
 * threads never wait on it: they commit their change through flow.c, then post the ids to start or stop here
 * (a mutex-guarded queue and uv_async_send). At start it recovers what a crash left behind. */
#ifndef GLUED_ENGINE_H
#define GLUED_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/flow.h"
#include "engine/runner.h"
#include "model/error.h"
#include "store/store.h"

typedef struct engine engine_t;

typedef struct engine_config {
    const char *url;          /* glued's own URL, given to jobs as AWS_ENDPOINT_URL */
    const char *region;       /* AWS_REGION for jobs */
    const char *data_dir;     /* logs go to <data>/logs */
    const char *s3_root;      /* s3://bucket/key -> <s3_root>/bucket/key */
    const char *python;       /* interpreter for Python job types, {python} in runners */
    const char *ca_bundle;    /* AWS_CA_BUNDLE for jobs when glued serves TLS, else NULL */
    const char *awsglue_dir;  /* directory holding glued's awsglue package, last on PYTHONPATH; NULL: none */
    const runners_t *runners; /* which program runs each Command.Name (borrowed for the engine's life); NULL:
                                 the defaults */
    int64_t minute_ms;        /* real ms one minute of a Timeout lasts; 0 = one minute of glued's clock */
    int64_t grace_ms;         /* between TERM and KILL when stopping a job */
    const char *account;      /* the account in ARNs and events */
    bool s3_events;           /* watch s3_root and turn files that land in it into events */
    bool catch_up;            /* at start, fire the most recent fire time each schedule missed while glued was down */
    const char *node;         /* this node's name: owner of the job runs it claims */
    int64_t max_jobs;         /* job processes this node runs at once (0 = no bound); more wait as WAITING */
    int64_t lease_ms;         /* on a shared store: how long this node's lease lasts */
    bool switch_user;         /* run jobs as job_uid/job_gid (glued is root and --job-user names another user) */
    uid_t job_uid;
    gid_t job_gid;
    const char *job_user, *job_home; /* USER/LOGNAME and HOME for jobs when switch_user */
    int64_t retention_ms;            /* run history that ended longer ago is purged (0 = kept for ever) */
} engine_config_t;

/* Starts the engine thread; recovery of runs left active by a crash happens on it before anything else. On a
 * shared store the node joins the others first (refused while another live glued uses its name). */
int engine_start(store_t *s, const engine_config_t *cfg, engine_t **out, gerr_t *e);
/* Stops the loop: running jobs are ended (TERM, then KILL) and recorded as FAILED, so the runs go on after
 * the next start. Accepts NULL. */
void engine_stop(engine_t *en);
/* Thread-safe hand-overs; the ids are taken (ids is left empty). */
void engine_spawn(engine_t *en, flow_ids_t *ids);
void engine_kill(engine_t *en, flow_ids_t *ids);
/* --test-mode: kills every job process group (their ends are not recorded), forgets running crawls, empties the
 * store and reloads the (now empty) schedules, all on the engine thread; the caller waits until it is done. */
int engine_reset(engine_t *en, gerr_t *e);
/* Triggers or crawler schedules changed: recompute the next fire times. */
void engine_reschedule(engine_t *en);
/* Events were put into batches: close those whose window passed, and time the next window. */
void engine_events_changed(engine_t *en);
/* The store and this node, as flow.c needs them (lives as long as the engine). */
const flow_env_t *engine_flow(engine_t *en);

/* How long ago the engine loop last turned (its heartbeat timer fires every ENGINE_BEAT_MS). */
#define ENGINE_BEAT_MS 500
int64_t engine_heartbeat_age_ms(engine_t *en);


#endif
