/* The engine thread (see engine.h). Reading order: the queue that other threads post to, spawning a job run
 * (script, argv, environment, logs, process group, timeout), its end, stopping, crawls, schedules, recovery,
 * and the thread's start and stop. Everything below the queue runs on the engine thread only. */
#include "engine/engine.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <uv.h>

#include "engine/bus.h"
#include "engine/cluster.h"
#include "engine/crawler.h"
#include "engine/logpool.h"
#include "engine/cron.h"
#include "engine/runner.h"
#include "engine/s3root.h"
#include "events/event.h"
#include "events/s3watch.h"
#include "store/events.h"
#include "engine/spawn.h"
#include "model/codec.h"
#include "model/jobkey.h"
#include "util/metrics.h"
#include "util/util.h"

extern char **environ;

/* A running job process; owned by the engine thread. Freed when its two handles are closed. Its end is learnt
 * from SIGCHLD (on_sigchld): a descriptor per process (a pidfd) would make every later spawn copy one more entry
 * of glued's descriptor table into the child, and close it there. */
typedef struct proc {
    uv_timer_t timeout, grace;
    struct engine *en;
    char id[FLOW_JOB_RUN_ID_LEN];
    int64_t pid, timeout_min;
    int64_t started_ms; /* when the process was spawned (StartedOn) */
    long start_slot;    /* its start's place in engine.starts while that is not yet recorded, else -1 */
    bool timed_out, stopped, exited;
    bool fenced;  /* this node lost its lease: the process is ended and its end is not recorded */
    bool discard; /* a --test-mode reset killed it: its end is not recorded */
    int open_handles;
    struct proc *prev, *next;
    struct proc *hnext; /* in engine.by_pid */
} proc_t;

#define PID_BUCKETS   1024
#define FROZEN_PARSES 8192 /* job definitions and runs' frozen triggers kept parsed (a slot is 32 bytes) */

typedef struct sched {
    char *kind, *name; /* "trigger" or "crawler" */
    char *expr;        /* its cron expression */
    cron_t cron;
    int64_t next; /* epoch seconds, -1 = never */
} sched_t;

struct engine {
    store_t *store;
    flow_env_t flow;
    engine_config_t cfg;
    char *url, *region, *account, *data_dir, *s3_root, *python, *log_dir, *node, *awsglue_dir, *ca_bundle, *job_user,
        *job_home;
    cluster_t *cluster;       /* on a shared store */
    uv_signal_t sigchld;      /* a child ended: on_sigchld reaps it */
    struct proc *by_pid[PID_BUCKETS];
    frozen_t *frozen;         /* runs' frozen triggers, between steps (NULL when out of memory: read each time) */
    struct pending_end *ends; /* ends this loop turn saw, recorded together before the next poll (ends_idle) */
    size_t nends, cap_ends;
    uv_idle_t ends_idle;
    struct proc **starts; /* spawned processes whose start is not recorded yet (see record_start_later); NULL
                             in place of one that ended since (its end carries its start) */
    size_t nstarts, cap_starts;
    uv_timer_t starts_timer;
    struct pending_end *retry; /* ends the store could not take (full, conflicts): recorded again by retry_timer */
    size_t nretry, cap_retry;
    uv_timer_t retry_timer;
    uv_timer_t purge_timer;             /* run history past --retention-days, purged in small batches */
    size_t purged_runs, purged_jobruns; /* in the pass under way, for its log line */
    atomic_bool purge_cancel;           /* the engine stops: a sweep under way ends early */
    unsigned sweep_next;                /* the log folder (0-255) the next sweep starts with (the worker's) */
    cluster_config_t ccfg;
    const runners_t *runners; /* cfg->runners, or default_runners */
    runners_t default_runners;
    logpool_t *logpool; /* log files made ahead of time (NULL: made as needed) */
    char **base_env;    /* what every job's environment holds (base_env), made at the first job */
    size_t nbase_env;
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t sched_timer, shutdown_timer, batch_timer, beat_timer;
    uv_idle_t sched_idle;    /* more schedules are due than one loop turn fires: the next turn fires more */
    _Atomic int64_t beat_ms; /* monotonic ms of the loop's last turn (any thread reads it) */
    s3watch_t *s3w;          /* NULL when S3 events are off */
    uv_poll_t s3_poll;
    uv_timer_t s3_timer;
    uv_idle_t s3_idle;  /* delivers the next chunk of s3_events on the next loop turn */
    json_t **s3_events; /* objects reported and not yet delivered, oldest first */
    size_t ns3, cap_s3;
    pthread_t thread;
    /* guarded by lock: what other threads hand over */
    pthread_mutex_t lock;
    pthread_cond_t ready_cv;
    flow_ids_t q_spawn, q_kill;
    bool q_resched, q_batches, q_stop, ready;
    /* a --test-mode reset: requested by q_reset, answered by reset_done and reset_err (under lock) */
    pthread_mutex_t reset_lock; /* one reset at a time */
    pthread_cond_t reset_cv;
    bool q_reset, reset_done;
    int reset_rc;
    gerr_t reset_err;
    /* engine thread only */
    proc_t *procs;
    sched_t *sched;
    size_t nsched;
    bool stopping;
    uint64_t generation; /* bumped by each reset; a crawl started before it is not recorded */
    size_t ncrawls;      /* crawls on the worker pool */
    size_t reset_wait;   /* crawls a reset in progress waits for (they may still write), 0: none */
    int pending_rc;      /* that reset's answer so far */
    gerr_t pending_e;
};

/* Real milliseconds for a libuv timer that must not wake before glued_ms of glued's clock have passed: libuv
 * counts whole milliseconds of a truncated clock, hence the one added. */
static int64_t real_delay(int64_t glued_ms)
{
    return glued_ms <= 0 ? 0 : util_clock_real_ms(glued_ms) + 1;
}

/* ---- the queue ---- */

static void post(engine_t *en, flow_ids_t *into, flow_ids_t *ids)
{
    if (!ids)
        return;
    if (ids->n == 0) {
        flow_ids_cleanup(ids);
        return;
    }
    pthread_mutex_lock(&en->lock);
    flow_ids_move(into, ids);
    pthread_mutex_unlock(&en->lock);
    uv_async_send(&en->wake);
}

void engine_spawn(engine_t *en, flow_ids_t *ids)
{
    if (en)
        post(en, &en->q_spawn, ids);
    else if (ids) /* the ids are taken either way (no engine: a test or the fuzzer) */
        flow_ids_cleanup(ids);
}

void engine_kill(engine_t *en, flow_ids_t *ids)
{
    if (en)
        post(en, &en->q_kill, ids);
    else if (ids)
        flow_ids_cleanup(ids);
}

void engine_events_changed(engine_t *en)
{
    if (!en)
        return;
    pthread_mutex_lock(&en->lock);
    en->q_batches = true;
    pthread_mutex_unlock(&en->lock);
    uv_async_send(&en->wake);
}

const flow_env_t *engine_flow(engine_t *en)
{
    return &en->flow;
}

void engine_reschedule(engine_t *en)
{
    if (!en)
        return;
    pthread_mutex_lock(&en->lock);
    en->q_resched = true;
    pthread_mutex_unlock(&en->lock);
    uv_async_send(&en->wake);
}

/* ---- metrics (registered once by metrics_init; counting is lock-free) ---- */

static metrics_family_t *m_started, *m_ended, *m_running, *m_delay, *m_crawls_started, *m_crawls_ended, *m_purged;

static void metrics_init(void)
{
    m_started = metrics_counter("glued_job_runs_started_total", "Job processes started.", NULL);
    m_ended = metrics_counter("glued_job_runs_ended_total", "Job runs ended, by final state.", "state");
    m_running = metrics_gauge("glued_job_processes_running", "Job processes running now.", NULL);
    m_delay = metrics_histogram("glued_downstream_start_delay_seconds",
                                "From an action run's end to the start of each job run or crawl that end made "
                                "ready (trigger evaluation, commit and spawn).",
                                NULL, METRICS_LATENCY_BUCKETS, METRICS_LATENCY_NBUCKETS);
    m_crawls_started = metrics_counter("glued_crawls_started_total", "Crawls started.", NULL);
    m_crawls_ended = metrics_counter("glued_crawls_ended_total", "Crawls ended, by final state.", "state");
    m_purged =
        metrics_counter("glued_history_purged_total",
                        "Run history purged past --retention-days: workflow runs, and job runs and crawls.", "what");
}

/* ---- ending an action run ---- */

static void spawn_all(engine_t *en, flow_ids_t *ids, uint64_t since_ns);

/* An end waiting for the end of this loop turn: every end one turn sees is recorded in one commit. */
typedef struct pending_end {
    char id[FLOW_JOB_RUN_ID_LEN];
    int state;
    char *msg;
    bool has_logs;
    char *out, *err;
    size_t outlen, errlen;
    int64_t out_size, err_size;
    uint64_t seen_ns;   /* when the end was seen (util_mono_ns), for the downstream delay histogram */
    int64_t started_at; /* its process's start, when that was never recorded (the end came first), else 0 */
} pending_end_t;

#define STARTS_RECORD_MS 5 /* how long a start may wait for a batch of ends to be recorded with */

static void flush_ends(engine_t *en);
static void terminate(proc_t *p);

static bool flush_ends_chunk(engine_t *en);

/* A loop turn records at most ENDS_CHUNK ends, so that a burst of ends (a fan-out's) does not hold the loop
 * while other work waits: the rest go on the next turns. */
static void on_ends_idle(uv_idle_t *h)
{
    engine_t *en = h->data;
    uv_idle_stop(h);
    if (flush_ends_chunk(en))
        uv_idle_start(h, on_ends_idle);
}

#define ENDS_RETRY_MS 1000 /* how soon an end the store refused (full, conflicting) is recorded again */

/* A new, zeroed slot at the end of an array of ends; NULL when out of memory. */
static pending_end_t *push_end(pending_end_t **v, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        pending_end_t *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return NULL;
        *v = nv;
        *cap = c;
    }
    pending_end_t *pe = &(*v)[(*n)++];
    memset(pe, 0, sizeof *pe);
    return pe;
}

static void on_retry_ends(uv_timer_t *t)
{
    engine_t *en = t->data;
    for (size_t i = 0; i < en->nretry; i++) {
        pending_end_t *pe = push_end(&en->ends, &en->nends, &en->cap_ends);
        if (!pe) { /* keep the rest for the next tick */
            memmove(en->retry, en->retry + i, (en->nretry - i) * sizeof *en->retry);
            en->nretry -= i;
            uv_timer_start(&en->retry_timer, on_retry_ends, ENDS_RETRY_MS, 0);
            flush_ends(en);
            return;
        }
        *pe = en->retry[i];
    }
    en->nretry = 0;
    flush_ends(en);
}

/* Keeps an end the store could not take, to record it again later: a full disk must not lose a job's end (its
 * workflow run would wait for it forever). Takes pe's allocations. */
static void retry_later(engine_t *en, pending_end_t *pe)
{
    pending_end_t *slot = push_end(&en->retry, &en->nretry, &en->cap_retry);
    if (!slot) {
        log_error("engine: out of memory keeping the end of %s to record it again", pe->id);
        return;
    }
    *slot = *pe;
    memset(pe, 0, sizeof *pe);
    if (!uv_is_active((uv_handle_t *)&en->retry_timer))
        uv_timer_start(&en->retry_timer, on_retry_ends, ENDS_RETRY_MS, 0);
}

/* On a shared store, a job run's output is kept in the store too, so that every node can show it: the last
 * STORE_LOG_MAX bytes of each stream (their whole sizes are kept with them), written with its end. */
static void read_logs(engine_t *en, pending_end_t *pe)
{
    char **buf[2] = {&pe->out, &pe->err};
    size_t *len[2] = {&pe->outlen, &pe->errlen};
    int64_t *size[2] = {&pe->out_size, &pe->err_size};
    static const char *const ext[] = {"out", "err"};
    pe->has_logs = true;
    for (int k = 0; k < 2; k++) {
        char path[4096];
        logpool_log_path(en->data_dir, pe->id, ext[k], path, sizeof path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        off_t end = lseek(fd, 0, SEEK_END);
        *size[k] = end > 0 ? end : 0;
        off_t from = end > STORE_LOG_MAX ? end - STORE_LOG_MAX : 0;
        *buf[k] = malloc((size_t)(end - from) + 1);
        ssize_t n = *buf[k] ? pread(fd, *buf[k], (size_t)(end - from), from) : -1;
        *len[k] = n > 0 ? (size_t)n : 0;
        close(fd);
    }
}

/* An action's end: recorded with the others this loop turn sees, when the turn's events are handled (or at
 * once, while the engine shuts down). */
static void finish_logged(engine_t *en, const char *id, int state, const char *msg, bool logs, int64_t started_at)
{
    pending_end_t *pe = push_end(&en->ends, &en->nends, &en->cap_ends);
    if (!pe) {
        log_error("engine: out of memory recording the end of %s", id);
        return;
    }
    snprintf(pe->id, sizeof pe->id, "%s", id);
    pe->state = state;
    pe->seen_ns = util_mono_ns();
    pe->started_at = started_at;
    pe->msg = msg ? strdup(msg) : NULL;
    if (logs && store_shared(en->store))
        read_logs(en, pe);
    uv_idle_start(&en->ends_idle, on_ends_idle);
}

static void finish(engine_t *en, const char *id, int state, const char *msg)
{
    finish_logged(en, id, state, msg, false, 0);
}

/* The starts waiting to be recorded, taken out of en->starts (*n of them; NULL when there are none). */
static flow_start_t *take_starts(engine_t *en, proc_t ***procs, size_t *n)
{
    flow_start_t *v = en->nstarts ? calloc(en->nstarts, sizeof *v) : NULL;
    proc_t **ps = en->nstarts ? calloc(en->nstarts, sizeof *ps) : NULL;
    size_t k = 0;
    for (size_t i = 0; i < en->nstarts; i++) {
        proc_t *p = en->starts[i];
        if (!p)
            continue;
        p->start_slot = -1;
        if (v && ps) {
            ps[k] = p;
            v[k++] = (flow_start_t){.id = p->id, .pid = p->pid, .at = p->started_ms};
        } else {
            log_error("engine: out of memory recording the start of %s (recovery finds it by its marker)", p->id);
        }
    }
    en->nstarts = 0;
    uv_timer_stop(&en->starts_timer);
    *procs = ps;
    *n = k;
    return v;
}

/* What recording the starts said: a run stopped while its process was starting is ended now. */
static void starts_recorded(flow_start_t *v, proc_t **ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].result == 0) { /* stopped while it was starting */
            ps[i]->stopped = true;
            terminate(ps[i]);
        } else if (v[i].result < 0) {
            log_error("engine: recording the start of %s failed (recovery finds it by its marker)", v[i].id);
        }
    }
    free(v);
    free(ps);
}

/* Records every pending end, with the starts waiting, in one batch (one commit on SQLite) and starts whatever
 * that makes ready. The starts that spawning adds wait for the next batch. */
#define ENDS_CHUNK 128 /* ends one loop turn records (on_ends_idle) */

/* Records up to ENDS_CHUNK of the ends waiting, with every start waiting; true when ends are left. */
static bool flush_ends_chunk(engine_t *en)
{
    pending_end_t *v = en->ends;
    size_t n = en->nends;
    pending_end_t *rest = n > ENDS_CHUNK ? malloc((n - ENDS_CHUNK) * sizeof *rest) : NULL;
    if (rest) { /* the rest wait for the next turn (without memory for it, all go now) */
        memcpy(rest, v + ENDS_CHUNK, (n - ENDS_CHUNK) * sizeof *rest);
        en->ends = rest;
        en->nends = en->cap_ends = n - ENDS_CHUNK;
        n = ENDS_CHUNK;
    } else {
        en->ends = NULL;
        en->nends = en->cap_ends = 0;
    }
    proc_t **sp = NULL;
    size_t ns = 0;
    flow_start_t *starts = take_starts(en, &sp, &ns);
    flow_end_t *ends = n ? calloc(n, sizeof *ends) : NULL;
    flow_ids_t spawn = {0};
    uint64_t since_ns = n ? v[0].seen_ns : 0; /* the batch's first end: the delay counts the longest wait */
    if (ends || n == 0) {
        for (size_t i = 0; i < n; i++)
            ends[i] = (flow_end_t){.id = v[i].id,
                                   .state = v[i].state,
                                   .error = v[i].msg,
                                   .started_at = v[i].started_at,
                                   .has_logs = v[i].has_logs,
                                   .out = v[i].out,
                                   .err = v[i].err,
                                   .outlen = v[i].outlen,
                                   .errlen = v[i].errlen,
                                   .out_size = v[i].out_size,
                                   .err_size = v[i].err_size};
        if (ns + n)
            flow_actions_record(&en->flow, en->frozen, starts, ns, ends, n, util_now_ms(), &spawn);
        for (size_t i = 0; i < n; i++)
            if ((ends[i].status == STORE_FULL || ends[i].status == STORE_CONFLICT) && !en->stopping)
                retry_later(en, &v[i]); /* logged by flow.c; recorded again within ENDS_RETRY_MS */
    } else {
        log_error("engine: out of memory recording %zu job run ends", n);
        for (size_t i = 0; i < ns; i++)
            starts[i].result = -1;
    }
    starts_recorded(starts, sp, ns);
    for (size_t i = 0; i < n; i++) {
        free(v[i].msg);
        free(v[i].out);
        free(v[i].err);
    }
    free(v);
    free(ends);
    spawn_all(en, &spawn, since_ns); /* may finish more (a spawn that fails): the loop records those too */
    flow_ids_cleanup(&spawn);
    if (n && en->cluster && en->cfg.max_jobs > 0)
        cluster_claim(en->cluster); /* room was made here: take what waits */
    return en->nends > 0;
}

/* Records every end waiting (and every start), now. */
static void flush_ends(engine_t *en)
{
    uv_idle_stop(&en->ends_idle);
    while (flush_ends_chunk(en))
        ;
}

static void on_starts_timer(uv_timer_t *t)
{
    flush_ends(t->data); /* no end came soon enough to carry them: the starts go alone */
}

/* Keeps the start of process p to be recorded with the next batch of ends, or within STARTS_RECORD_MS. Until
 * then the store says STARTING, which every reader takes as active: a stop of the run marks it STOPPED, and
 * recording the start then ends the process (as for a stop racing a start); a crash leaves it to recovery, which
 * finds the process by its GLUED_JOB_RUN_ID marker. */
static void record_start_later(engine_t *en, proc_t *p)
{
    if (en->nstarts == en->cap_starts) {
        size_t c = en->cap_starts ? 2 * en->cap_starts : 16;
        proc_t **nv = realloc(en->starts, c * sizeof *nv);
        if (!nv) {
            flow_start_t one = {.id = p->id, .pid = p->pid, .at = p->started_ms};
            flow_actions_record(&en->flow, en->frozen, &one, 1, NULL, 0, util_now_ms(), NULL);
            if (one.result == 0) {
                p->stopped = true;
                terminate(p);
            }
            return;
        }
        en->starts = nv;
        en->cap_starts = c;
    }
    p->start_slot = (long)en->nstarts;
    en->starts[en->nstarts++] = p;
    if (!uv_is_active((uv_handle_t *)&en->starts_timer))
        uv_timer_start(&en->starts_timer, on_starts_timer, STARTS_RECORD_MS, 0);
}

/* The last non-empty line a job wrote to stderr, for its ErrorMessage. */
static void last_line(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    char *start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    snprintf(out, outlen, "%.400s", start);
    /* keep the message a valid multi-line Glue string: drop control characters */
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            *p = ' ';
    util_utf8_repair(out); /* jobs write any bytes; the ErrorMessage must be text */
}

static void proc_closed(uv_handle_t *h)
{
    proc_t *p = h->data;
    if (--p->open_handles == 0)
        free(p);
}

static void proc_release(proc_t *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->en->procs = p->next;
    if (p->next)
        p->next->prev = p->prev;
    for (proc_t **pp = &p->en->by_pid[p->pid % PID_BUCKETS]; *pp; pp = &(*pp)->hnext)
        if (*pp == p) {
            *pp = p->hnext;
            break;
        }
    uv_timer_stop(&p->timeout);
    uv_timer_stop(&p->grace);
    uv_close((uv_handle_t *)&p->timeout, proc_closed);
    uv_close((uv_handle_t *)&p->grace, proc_closed);
}

/* The two logs of a job run, stdout and stderr, in the order logpool_open and logpool_ended take them. */
typedef struct job_logs {
    char out[4096], err[4096];
    const char *path[2];
} job_logs_t;

static int job_logs(const char *data_dir, const char *id, job_logs_t *l)
{
    l->path[0] = l->out;
    l->path[1] = l->err;
    if (logpool_log_path(data_dir, id, "out", l->out, sizeof l->out) < 0 ||
        logpool_log_path(data_dir, id, "err", l->err, sizeof l->err) < 0)
        return -1;
    return 0;
}

/* A job process whose logs logpool_open opened has ended: the pool counts it, and with back takes its logs. */
static void logs_ended(engine_t *en, const char *id, bool back)
{
    job_logs_t l;
    if (job_logs(en->data_dir, id, &l) == 0)
        logpool_ended(en->logpool, l.path, back);
}

static void on_proc_exit(proc_t *p, int64_t status, int term_signal)
{
    engine_t *en = p->en;
    p->exited = true;
    /* whatever the job left behind in its process group ends with it */
    bool alone = kill(-(pid_t)p->pid, SIGKILL) < 0 && errno == ESRCH;
    int64_t started_at = 0;
    if (p->start_slot >= 0) { /* its start was not recorded yet: its end records both */
        en->starts[p->start_slot] = NULL;
        p->start_slot = -1;
        started_at = p->started_ms;
    }
    if (p->discard) {
        logs_ended(en, p->id, false);
        proc_release(p);
        return;
    }
    char err_path[4096], line[512], msg[1024];
    int state;
    msg[0] = '\0';
    if (p->timed_out) {
        state = JR_TIMEOUT;
        snprintf(msg, sizeof msg, "Job run timed out after %lld minute%s", (long long)p->timeout_min,
                 p->timeout_min == 1 ? "" : "s");
    } else if (p->stopped) {
        state = JR_STOPPED;
    } else if (en->stopping) {
        state = JR_FAILED;
        snprintf(msg, sizeof msg, "glued shut down while this job run was running; it was ended");
    } else if (status == 0 && term_signal == 0) {
        state = JR_SUCCEEDED;
    } else {
        state = JR_FAILED;
        line[0] = '\0';
        if (logpool_log_path(en->data_dir, p->id, "err", err_path, sizeof err_path) == 0)
            last_line(err_path, line, sizeof line);
        if (term_signal)
            snprintf(msg, sizeof msg, "Job process was killed by signal %d%s%s", term_signal, *line ? ": " : "", line);
        else
            snprintf(msg, sizeof msg, "Job process exited with status %lld%s%s", (long long)status, *line ? ": " : "",
                     line);
    }
    char id[FLOW_JOB_RUN_ID_LEN];
    memcpy(id, p->id, sizeof id);
    bool fenced = p->fenced;
    proc_release(p);
    metrics_gauge_add(m_running, NULL, NULL, -1);
    metrics_add(m_ended, store_jr_state_name(state), NULL, 1);
    if (!fenced)
        finish_logged(en, id, state, *msg ? msg : NULL, true, started_at);
    /* its logs, if empty, go back to the pool; not while a process it left may still write to them, nor before
     * its end is recorded (another node's, when fenced) */
    logs_ended(en, id, alone && !fenced);
}

static void on_grace(uv_timer_t *t)
{
    proc_t *p = t->data;
    if (!p->exited)
        kill(-(pid_t)p->pid, SIGKILL);
}

/* TERM to the whole process group now, KILL after the grace period. */
static void terminate(proc_t *p)
{
    if (p->exited)
        return;
    kill(-(pid_t)p->pid, SIGTERM);
    uv_timer_start(&p->grace, on_grace, (uint64_t)p->en->cfg.grace_ms, 0);
}

static void on_timeout(uv_timer_t *t)
{
    proc_t *p = t->data;
    p->timed_out = true;
    terminate(p);
}

/* Children ended (one SIGCHLD may stand for several): each is reaped, and a job process's end is recorded. Every
 * child of glued is a job process, or one spawn_start reaps itself before this can run (on the same thread). */
static void on_sigchld(uv_signal_t *h, int signum)
{
    engine_t *en = h->data;
    (void)signum;
    for (;;) {
        siginfo_t si = {0};
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
            return; /* none is left, or none more has ended */
        proc_t *p = en->by_pid[si.si_pid % PID_BUCKETS];
        while (p && p->pid != si.si_pid)
            p = p->hnext;
        if (!p)
            continue;
        if (si.si_code == CLD_EXITED)
            on_proc_exit(p, si.si_status, 0);
        else
            on_proc_exit(p, 0, si.si_status);
    }
}

/* ---- starting a job run ---- */

/* The first executable `name` on PATH. */
static int find_in_path(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n && snprintf(out, outlen, "%.*s/%s", (int)n, path, name) < (int)outlen && access(out, X_OK) == 0)
            return 0;
        path += n + (end ? 1 : 0);
    }
    return -1;
}

/* Resolves Command.ScriptLocation (file://, absolute path, s3://) to a readable file. */
static int resolve_script(engine_t *en, const char *loc, char *out, size_t outlen, char *msg, size_t msglen)
{
    if (!loc || !*loc) {
        snprintf(msg, msglen, "The job has no Command.ScriptLocation");
        return -1;
    }
    if (strncmp(loc, "file://", 7) == 0) {
        snprintf(out, outlen, "%s", loc + 7);
    } else if (loc[0] == '/') {
        snprintf(out, outlen, "%s", loc);
    } else if (strncmp(loc, "s3://", 5) == 0) {
        char why[1024];
        if (s3root_resolve(en->s3_root, loc, out, outlen, why, sizeof why) != S3ROOT_OK) {
            snprintf(msg, msglen, "Script not found: %.900s", why);
            return -1;
        }
    } else {
        snprintf(msg, msglen, "ScriptLocation '%.300s' must be a file:// URL, an absolute path or an s3:// URL", loc);
        return -1;
    }
    struct stat sb;
    if (stat(out, &sb) < 0) {
        snprintf(msg, msglen, "Script not found: looked for %.600s (from ScriptLocation '%.300s')", out, loc);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(msg, msglen, "Script %.600s (from ScriptLocation '%.300s') is %s, not a file", out, loc,
                 S_ISDIR(sb.st_mode) ? "a directory" : "no regular file");
        return -1;
    }
    if (access(out, R_OK) < 0) {
        snprintf(msg, msglen, "Script %.600s (from ScriptLocation '%.300s') cannot be read: %s", out, loc,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static bool env_ours(const char *kv)
{
    /* what glued sets, and what would spoil the job's key pair (a session token, another CA bundle) */
    static const char *const keys[] = {"AWS_ENDPOINT_URL=",  "AWS_ENDPOINT_URL_GLUE=",
                                       "AWS_REGION=",        "AWS_DEFAULT_REGION=",
                                       "GLUED_JOB_RUN_ID=",  "PYTHONUNBUFFERED=",
                                       "PYTHONPATH=",        "NOTIFY_SOCKET=",
                                       "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                                       "AWS_SESSION_TOKEN=", "AWS_SECURITY_TOKEN=",
                                       "AWS_CA_BUNDLE=",     NULL};
    for (size_t i = 0; keys[i]; i++)
        if (strncmp(kv, keys[i], strlen(keys[i])) == 0)
            return true;
    return false;
}

/* PYTHONPATH for a job: the --extra-py-files entries, then glued's own PYTHONPATH, then the directory of the
 * awsglue package (last, so that a real awsglue the user put on the path wins). NULL when empty. */
static char *job_pythonpath(engine_t *en, const runner_pyenv_t *py)
{
    const char *inherited = getenv("PYTHONPATH");
    size_t len = 1;
    for (size_t i = 0; i < py->npath; i++)
        len += strlen(py->path[i]) + 1;
    len += (inherited ? strlen(inherited) + 1 : 0) + (en->awsglue_dir ? strlen(en->awsglue_dir) + 1 : 0);
    char *out = calloc(1, len), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < py->npath; i++)
        o += sprintf(o, "%s%s", o == out ? "" : ":", py->path[i]);
    if (inherited && *inherited)
        o += sprintf(o, "%s%s", o == out ? "" : ":", inherited);
    if (en->awsglue_dir)
        o += sprintf(o, "%s%s", o == out ? "" : ":", en->awsglue_dir);
    if (o == out) {
        free(out);
        return NULL;
    }
    return out;
}

/* what names glued's own user, replaced when jobs run as another */
static bool env_user(const char *kv)
{
    return strncmp(kv, "HOME=", 5) == 0 || strncmp(kv, "USER=", 5) == 0 || strncmp(kv, "LOGNAME=", 8) == 0;
}

/* What every job's environment holds (SPEC section 11), made once on the engine thread: glued's environment
 * without what glued sets itself and without systemd's NOTIFY_SOCKET (a job must not speak for glued), then
 * glued's endpoint and region, and the job user's names when jobs run as another user. NULL when out of memory. */
static char **base_env(engine_t *en)
{
    if (en->base_env)
        return en->base_env;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 12, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!env_ours(environ[i]) && !(en->cfg.switch_user && env_user(environ[i])))
            env[k++] = strdup(environ[i]);
    const struct {
        const char *key, *value;
        bool job_user; /* only when jobs run as another user */
    } pairs[] = {{"AWS_ENDPOINT_URL", en->url, false},    {"AWS_ENDPOINT_URL_GLUE", en->url, false},
                 {"AWS_REGION", en->region, false},       {"AWS_DEFAULT_REGION", en->region, false},
                 {"PYTHONUNBUFFERED", "1", false},        {"AWS_CA_BUNDLE", en->ca_bundle, false},
                 {"HOME", en->job_home, true},            {"USER", en->job_user, true},
                 {"LOGNAME", en->job_user, true}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (!pairs[i].value || (pairs[i].job_user && !en->cfg.switch_user))
            continue;
        size_t len = strlen(pairs[i].key) + strlen(pairs[i].value) + 2;
        if ((env[k] = malloc(len)))
            snprintf(env[k], len, "%s=%s", pairs[i].key, pairs[i].value);
        k++;
    }
    for (size_t i = 0; i < k; i++)
        if (!env[i]) { /* out of memory: try again with the next job */
            store_strv_free(env, k);
            return NULL;
        }
    en->base_env = env;
    en->nbase_env = k;
    return env;
}

/* A job's environment: base_env's strings (shared, not copied), then the job's own: its marker, PYTHONPATH and
 * its run's key pair. *own: where the job's own strings start (free with free_env). NULL when out of memory. */
static char **job_env(engine_t *en, const char *id, const char *pythonpath, size_t *count, size_t *own)
{
    char **base = base_env(en);
    if (!base)
        return NULL;
    char **env = calloc(en->nbase_env + 5, sizeof *env);
    if (!env)
        return NULL;
    memcpy(env, base, en->nbase_env * sizeof *env);
    size_t k = en->nbase_env;
    *own = k;
    char buf[4096];
    snprintf(buf, sizeof buf, "GLUED_JOB_RUN_ID=%s", id);
    env[k++] = strdup(buf);
    if (pythonpath) {
        char *kv = malloc(strlen(pythonpath) + sizeof "PYTHONPATH=");
        if (kv)
            sprintf(kv, "PYTHONPATH=%s", pythonpath);
        env[k++] = kv;
    }
    /* the run's own key pair, which glued accepts while the run is active (model/jobkey.h) */
    char secret[JOBKEY_SECRET_LEN];
    jobkey_secret(store_secret(en->store), id, secret);
    snprintf(buf, sizeof buf, "AWS_ACCESS_KEY_ID=%s", id);
    env[k++] = strdup(buf);
    snprintf(buf, sizeof buf, "AWS_SECRET_ACCESS_KEY=%s", secret);
    env[k++] = strdup(buf);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(buf, sizeof buf);
    *count = k;
    for (size_t i = *own; i < k; i++)
        if (!env[i]) {
            for (size_t j = *own; j < k; j++)
                free(env[j]);
            free(env);
            return NULL;
        }
    return env;
}

/* Frees what job_env made: the job's own strings and the array. */
static void free_env(char **env, size_t count, size_t own)
{
    if (!env)
        return;
    for (size_t i = own; i < count; i++)
        free(env[i]);
    free(env);
}

/* The script's arguments: --JOB_NAME j --JOB_RUN_ID id [--WORKFLOW_NAME w --WORKFLOW_RUN_ID r] --k v ... */
static char **job_args(const store_jobrun_t *r, json_t *args, size_t *count)
{
    size_t n = 4 + 2 * json_object_size(args) + 1, k = 0;
    char **v = calloc(n, sizeof *v);
    v[k++] = strdup("--JOB_NAME");
    v[k++] = strdup(r->job);
    v[k++] = strdup("--JOB_RUN_ID");
    v[k++] = strdup(r->id);
    static const char *const first[] = {"--WORKFLOW_NAME", "--WORKFLOW_RUN_ID", NULL};
    for (size_t i = 0; first[i]; i++) {
        json_t *x = json_object_get(args, first[i]);
        if (x) {
            v[k++] = strdup(first[i]);
            v[k++] = strdup(json_string_value(x));
        }
    }
    const char *key;
    json_t *val;
    json_object_foreach (args, key, val) {
        if (strcmp(key, first[0]) == 0 || strcmp(key, first[1]) == 0)
            continue;
        if (strncmp(key, "--", 2) == 0) {
            v[k++] = strdup(key);
        } else {
            char *dk = malloc(strlen(key) + 3);
            sprintf(dk, "--%s", key);
            v[k++] = dk;
        }
        v[k++] = strdup(json_string_value(val));
    }
    *count = k;
    return v;
}

/* A job argument by its name as the script sees it (with or without the leading dashes in the map). */
static const char *job_arg(json_t *args, const char *dashed)
{
    json_t *v = json_object_get(args, dashed);
    if (!v)
        v = json_object_get(args, dashed + 2);
    return json_string_value(v);
}

/* The argv that runs a job: its runner's template expanded; when --additional-python-modules names modules,
 * the Python check (runner.h) goes first and then executes the runner's command. *file is the program to
 * execute (argv[0] found on PATH). Returns NULL with msg set when the program cannot be found. */
static char **job_command(engine_t *en, const runner_t *rn, const runner_values_t *vals, const runner_pyenv_t *py,
                          char *file, size_t filelen, size_t *argc, char *msg, size_t msglen)
{
    size_t n = 0;
    char **argv = runner_expand(rn, vals, &n);
    if (!argv) {
        snprintf(msg, msglen, "Out of memory expanding the runner for '%s'", rn->name);
        return NULL;
    }
    if (strchr(argv[0], '/'))
        snprintf(file, filelen, "%s", argv[0]);
    else if (find_in_path(argv[0], file, filelen) < 0) {
        snprintf(msg, msglen, "Cannot start %.200s: not found on PATH (runner '%s': %.300s)", argv[0], rn->name,
                 rn->template);
        runner_argv_free(argv, n);
        return NULL;
    }
    if (py->nmodules == 0) {
        *argc = n;
        return argv;
    }
    char pyfile[4096];
    if (strchr(en->python, '/'))
        snprintf(pyfile, sizeof pyfile, "%s", en->python);
    else if (find_in_path(en->python, pyfile, sizeof pyfile) < 0) {
        snprintf(msg, msglen, "Cannot check --additional-python-modules: %.200s is not on PATH", en->python);
        runner_argv_free(argv, n);
        return NULL;
    }
    size_t m = 4 + py->nmodules + n, k = 0;
    char **v = calloc(m + 1, sizeof *v);
    char count[32];
    snprintf(count, sizeof count, "%zu", py->nmodules);
    v[k++] = strdup(pyfile);
    v[k++] = strdup("-c");
    v[k++] = strdup(RUNNER_MODULE_CHECK);
    v[k++] = strdup(count);
    for (size_t i = 0; i < py->nmodules; i++)
        v[k++] = strdup(py->modules[i]);
    v[k++] = strdup(file);
    for (size_t i = 1; i < n; i++)
        v[k++] = strdup(argv[i]);
    runner_argv_free(argv, n);
    snprintf(file, filelen, "%s", pyfile);
    *argc = k;
    return v;
}

static void on_crawl_work(uv_work_t *w);
static void on_crawl_done(uv_work_t *w, int status);

typedef struct crawl_work {
    uv_work_t w;
    engine_t *en;
    char id[FLOW_JOB_RUN_ID_LEN];
    json_t *def;
    crawler_result_t res;
    uint64_t generation;
} crawl_work_t;

/* The logs of a job run that failed before they were opened: removed when they are empty (its id came from the
 * log pool, which made them), as a run whose program never started has no logs. */
static void discard_logs(const char *const path[2])
{
    for (int k = 0; k < 2; k++) {
        struct stat st;
        if (stat(path[k], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            unlink(path[k]);
    }
}

/* Starts one action run that flow.c recorded. Anything that keeps it from starting is its end. sp (may be NULL):
 * the run and its job as the transaction that created it read them, else they are read here. since_ns, when not 0,
 * is when the upstream end that made it ready was seen (for the delay histogram). */
static void spawn_one(engine_t *en, const char *id, const flow_spawn_t *sp, uint64_t since_ns)
{
    store_jobrun_t r = {0};
    store_res_t def = {0};
    json_t *job = NULL, *args = NULL;
    char **argv = NULL, **env = NULL, **sargv = NULL, *pythonpath = NULL;
    size_t argc = 0, envc = 0, sargc = 0, own_env = 0;
    runner_pyenv_t py = {0};
    int fd_out = -1, fd_err = -1;
    char msg[1024] = "", script[4096];
    job_logs_t logs;
    logs.out[0] = '\0'; /* no paths yet (not the whole struct: 8 KB to zero on every start) */
    bool opened = false; /* its logs: until then, an end removes what the log pool made */
    int fail_state = JR_FAILED;
    if (sp) { /* as the transaction that created it saw it: nothing to read */
        r.id = strdup(id);
        r.kind = strdup("job");
        r.job = strdup(sp->job);
        r.state = JR_STARTING;
        r.timeout_min = sp->timeout_min;
        job = json_incref(sp->def);
        args = json_incref(sp->args);
        if (!r.id || !r.kind || !r.job) {
            snprintf(msg, sizeof msg, "Out of memory starting the job run");
            goto fail;
        }
    } else if (store_jobrun_get(store_read(en->store), id, &r) != 0) {
        goto out;
    }
    if (strcmp(r.kind, "crawl") == 0) {
        if (r.state != JR_RUNNING) {
            fail_state = JR_STOPPED;
            goto fail;
        }
        int rc = store_res_get(store_read(en->store), "crawler", r.job, &def);
        if (rc != 0) {
            snprintf(msg, sizeof msg, "Crawler '%s' does not exist any more", r.job);
            fail_state = JR_ERROR;
            goto fail;
        }
        crawl_work_t *cw = calloc(1, sizeof *cw);
        cw->en = en;
        cw->generation = en->generation;
        snprintf(cw->id, sizeof cw->id, "%s", id);
        cw->def = json_loads(def.doc, 0, NULL);
        cw->w.data = cw;
        en->ncrawls++;
        uv_queue_work(&en->loop, &cw->w, on_crawl_work, on_crawl_done);
        metrics_add(m_crawls_started, NULL, NULL, 1);
        if (since_ns)
            metrics_observe(m_delay, NULL, NULL, (double)(util_mono_ns() - since_ns) / 1e9);
        goto out;
    }
    if (job_logs(en->data_dir, id, &logs) < 0) {
        snprintf(msg, sizeof msg, "Job run id '%s' names no log file", id);
        logs.out[0] = '\0';
        goto fail;
    }
    if (r.state != JR_STARTING)
        goto out;
    if (!job) {
        int rc = store_res_get(store_read(en->store), "job", r.job, &def);
        if (rc != 0) {
            snprintf(msg, sizeof msg, "Job '%s' does not exist any more", r.job);
            fail_state = JR_ERROR;
            goto fail;
        }
        job = json_loads(def.doc, 0, NULL);
        args = codec_map_decode(r.arguments);
    }
    json_t *cmd = json_object_get(job, "Command");
    const char *cname = json_string_value(json_object_get(cmd, "Name")) ?: "glueetl";
    if (resolve_script(en, json_string_value(json_object_get(cmd, "ScriptLocation")), script, sizeof script, msg,
                       sizeof msg) < 0)
        goto fail;
    if (runner_pyenv(job_arg(args, "--extra-py-files"), job_arg(args, "--additional-python-modules"), en->s3_root, &py,
                     msg, sizeof msg) < 0)
        goto fail;
    sargv = job_args(&r, args, &sargc);
    const runner_t *rn = runners_find(en->runners, cname);
    runner_values_t vals = {.script = script,
                            .python = en->python,
                            .job_run_id = id,
                            .extra_py_files = py.extra_py_files,
                            .args = sargv,
                            .nargs = sargc};
    char file[4096];
    if (!(argv = job_command(en, rn, &vals, &py, file, sizeof file, &argc, msg, sizeof msg)))
        goto fail;
    pythonpath = job_pythonpath(en, &py);
    if (!(env = job_env(en, id, pythonpath, &envc, &own_env))) {
        snprintf(msg, sizeof msg, "Out of memory making the job's environment");
        goto fail;
    }
    int fd[2];
    if (logpool_open(en->logpool, logs.path, fd) < 0) {
        snprintf(msg, sizeof msg, "Cannot open the job's log files under %s: %s", en->log_dir, strerror(errno));
        goto fail;
    }
    opened = true;
    fd_out = fd[0];
    fd_err = fd[1];
    spawn_opts_t so = {.file = file,
                       .argv = argv,
                       .env = env,
                       .fd_out = fd_out,
                       .fd_err = fd_err,
                       .as_user = en->cfg.switch_user,
                       .uid = en->cfg.job_uid,
                       .gid = en->cfg.job_gid};
    pid_t pid = spawn_start(&so);
    if (pid < 0) {
        snprintf(msg, sizeof msg, "Cannot start %.600s: %s", file, strerror(-pid));
        goto fail;
    }
    proc_t *p = calloc(1, sizeof *p);
    if (!p) { /* it cannot be followed: it ends, and SIGCHLD reaps it */
        kill(-pid, SIGKILL);
        snprintf(msg, sizeof msg, "Out of memory following the job process");
        goto fail;
    }
    p->en = en;
    snprintf(p->id, sizeof p->id, "%s", id);
    p->timeout_min = r.timeout_min;
    p->pid = pid;
    p->started_ms = util_now_ms();
    p->start_slot = -1;
    p->hnext = en->by_pid[pid % PID_BUCKETS];
    en->by_pid[pid % PID_BUCKETS] = p;
    p->open_handles = 2;
    uv_timer_init(&en->loop, &p->timeout);
    uv_timer_init(&en->loop, &p->grace);
    p->timeout.data = p->grace.data = p;
    p->next = en->procs;
    if (en->procs)
        en->procs->prev = p;
    en->procs = p;
    record_start_later(en, p);
    metrics_add(m_started, NULL, NULL, 1);
    metrics_gauge_add(m_running, NULL, NULL, 1);
    if (since_ns)
        metrics_observe(m_delay, NULL, NULL, (double)(util_mono_ns() - since_ns) / 1e9);
    if (r.timeout_min > 0) {
        int64_t real = en->cfg.minute_ms > 0 ? r.timeout_min * en->cfg.minute_ms : real_delay(r.timeout_min * 60000);
        uv_update_time(&en->loop); /* the Timeout counts from StartedOn, not from the start of this loop turn */
        uv_timer_start(&p->timeout, on_timeout, (uint64_t)real, 0);
    }
    goto out;
fail:
    if (opened) /* no process took them */
        logpool_ended(en->logpool, logs.path, false);
    metrics_add(strcmp(r.kind ? r.kind : "job", "crawl") == 0 ? m_crawls_ended : m_ended,
                strcmp(r.kind ? r.kind : "job", "crawl") == 0 ? store_crawl_state_name(fail_state)
                                                              : store_jr_state_name(fail_state),
                NULL, 1);
    finish(en, id, fail_state, *msg ? msg : NULL);
out:
    if (!opened && logs.out[0])
        discard_logs(logs.path);
    if (fd_out >= 0)
        close(fd_out);
    if (fd_err >= 0)
        close(fd_err);
    store_strv_free(argv, argc);
    store_strv_free(sargv, sargc);
    free_env(env, envc, own_env);
    free(pythonpath);
    runner_pyenv_cleanup(&py);
    json_decref(args);
    json_decref(job);
    store_res_cleanup(&def);
    store_jobrun_cleanup(&r);
}

/* Starts the action runs (their starts are recorded later, see record_start_later). since_ns: as for
 * spawn_one. */
static void spawn_all(engine_t *en, flow_ids_t *ids, uint64_t since_ns)
{
    if (en->stopping)
        return; /* they stay STARTING in the store; the next start picks them up */
    for (size_t i = 0; i < ids->n; i++)
        spawn_one(en, ids->v[i], ids->spec[i], since_ns);
}

/* ---- crawls (on libuv's worker threads; the store is touched on the loop only) ---- */

static int set_detail_tx(store_tx_t *tx, void *ctx)
{
    crawl_work_t *cw = ctx;
    crawler_result_t *r = &cw->res;
    json_t *d = json_pack("{sIsIsIsIsIsI}", "TablesCreated", (json_int_t)r->tables_created, "TablesUpdated",
                          (json_int_t)r->tables_updated, "TablesDeleted", (json_int_t)r->tables_deleted,
                          "PartitionsAdded", (json_int_t)r->partitions_added, "FilesRead", (json_int_t)r->files_read,
                          "FilesSkipped", (json_int_t)r->files_skipped);
    char *text = json_dumps(d, JSON_COMPACT);
    int rc = store_jobrun_set_detail(tx, cw->id, text);
    free(text);
    json_decref(d);
    return rc == STORE_NOTFOUND ? 0 : rc;
}

/* The crawl itself: reads files and writes the catalog in its own short transactions (crawler.h). */
static void on_crawl_work(uv_work_t *w)
{
    crawl_work_t *cw = w->data;
    const char *delay = getenv("GLUED_CRAWL_FILE_DELAY_MS");
    crawler_ctx_t cx = {.store = cw->en->store,
                        .s3_root = cw->en->s3_root,
                        .data_dir = cw->en->data_dir,
                        .crawl_id = cw->id,
                        .account = cw->en->cfg.account ? cw->en->cfg.account : "123456789012",
                        .file_delay_ms = delay ? atoll(delay) : 0};
    crawler_crawl(&cx, cw->def, &cw->res);
    if (store_tx_run(cw->en->store, 0, set_detail_tx, cw) != 0)
        log_warn("engine: recording the metrics of crawl %s failed", cw->id);
}

static void reset_crawl_ended(engine_t *en);

static void on_crawl_done(uv_work_t *w, int status)
{
    crawl_work_t *cw = w->data;
    engine_t *en = cw->en;
    (void)status;
    en->ncrawls--;
    metrics_add(m_crawls_ended, store_crawl_state_name(cw->res.state), NULL, 1);
    if (cw->generation == en->generation)
        finish(en, cw->id, cw->res.state, cw->res.state == JR_SUCCEEDED || !cw->res.msg[0] ? NULL : cw->res.msg);
    else /* a reset emptied the store under it */
        reset_crawl_ended(en);
    json_decref(cw->def);
    free(cw);
}

/* ---- stopping ---- */

static void kill_one(engine_t *en, const char *id)
{
    for (proc_t *p = en->procs; p; p = p->next)
        if (strcmp(p->id, id) == 0) {
            if (!p->stopped) { /* asked again (a repeated notice): the first request's grace still runs */
                p->stopped = true;
                terminate(p);
            }
            return;
        }
    /* not a process of ours (a crawl, or a job of a previous life): its end is recorded when it comes, or by
     * recovery */
}

/* ---- schedules ---- */

#define SCHED_RELOAD_MS 60000 /* real ms between reloads of every schedule */

#define MISSED_COUNT_MAX 100000 /* fire times counted one by one when reporting missed fires */

static void sched_list_free(sched_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].kind);
        free(v[i].name);
        free(v[i].expr);
    }
    free(v);
}

static void sched_free(engine_t *en)
{
    sched_list_free(en->sched, en->nsched);
    en->sched = NULL;
    en->nsched = 0;
}

static void fmt_time(int64_t s, char out[32])
{
    util_format_iso8601(s * 1000, out);
}

/* Fires one fire time of a schedule and says what came of it. */
#define SCHED_CHUNK 32 /* fire times one loop turn fires (in as few commits as the store allows) */

/* Fires n schedules' fire times together and logs each outcome; why is added to the lines of those that fired. */
static void sched_fire_many(engine_t *en, flow_fire_t *f, size_t n, const char *why)
{
    flow_ids_t spawn = {0};
    flow_fire_schedules(&en->flow, f, n, util_now_ms(), &spawn);
    for (size_t i = 0; i < n; i++) {
        char when[32];
        fmt_time(f[i].fire_s, when);
        if (f[i].outcome < 0)
            log_warn("schedule: %s '%s' did not fire for %s (the reason is logged above)", f[i].kind, f[i].name, when);
        else if (f[i].outcome == FLOW_FIRED)
            log_info("schedule: %s '%s' fired for %s%s", f[i].kind, f[i].name, when, why);
        else if (f[i].outcome == FLOW_ALREADY_FIRED)
            log_info("schedule: %s '%s' was already fired for %s (by an earlier run of glued or another node); not "
                     "again",
                     f[i].kind, f[i].name, when);
        else if (f[i].outcome == FLOW_REFUSED)
            log_warn("schedule: %s '%s' fired for %s but its workflow run was refused: %s", f[i].kind, f[i].name, when,
                     f[i].note);
    }
    spawn_all(en, &spawn, 0);
    flow_ids_cleanup(&spawn);
}

static void sched_fire(engine_t *en, const char *kind, const char *name, int64_t fire_s, const char *why)
{
    flow_fire_t f = {.kind = kind, .name = name, .fire_s = fire_s};
    sched_fire_many(en, &f, 1, why);
}

/* At start: the fire times a schedule missed while glued was down, those after its newest recorded fire, after it
 * was last changed and after the last start settled its missed fire times, up to now. They are skipped and logged; with
 * --catch-up the most recent one is fired once (its claim makes a second start not fire it again). */
static void sched_missed(engine_t *en, sched_t *s, int64_t since_s, int64_t now_s)
{
    int64_t last = 0;
    if (store_fire_last(store_read(en->store), s->kind, s->name, &last) == STORE_OK && last > since_s)
        since_s = last;
    int64_t first = cron_next(&s->cron, since_s), latest = -1, count = 0;
    for (int64_t t = first; t >= 0 && t <= now_s && count < MISSED_COUNT_MAX; t = cron_next(&s->cron, t)) {
        latest = t;
        count++;
    }
    if (count == 0)
        return;
    char a[32], b[32];
    fmt_time(first, a);
    fmt_time(latest, b);
    if (en->cfg.catch_up) {
        log_warn("schedule: %s '%s' missed %lld%s fire time%s while glued was down (%s to %s); --catch-up fires "
                 "the most recent once",
                 s->kind, s->name, (long long)count, count >= MISSED_COUNT_MAX ? "+" : "", count == 1 ? "" : "s", a, b);
        sched_fire(en, s->kind, s->name, latest, " (catching up)");
    } else {
        log_warn("schedule: %s '%s' missed %lld%s fire time%s while glued was down (%s to %s); %s skipped "
                 "(--catch-up would fire the most recent once)",
                 s->kind, s->name, (long long)count, count >= MISSED_COUNT_MAX ? "+" : "", count == 1 ? "" : "s", a, b,
                 count == 1 ? "it is" : "they are");
    }
}

/* Adds a schedule. A schedule already known with the same expression keeps a fire time that is due but not
 * fired yet, so a reload never loses one. */
static void sched_add(engine_t *en, sched_t *old, size_t nold, const char *kind, const char *name, const char *expr,
                      int64_t since_ms, int64_t now_s, bool startup)
{
    cron_t c;
    if (!expr || cron_parse(&c, expr, NULL, 0) < 0)
        return;
    sched_t *v = realloc(en->sched, (en->nsched + 1) * sizeof *en->sched);
    if (!v)
        return;
    en->sched = v;
    sched_t *s = &en->sched[en->nsched++];
    s->kind = strdup(kind);
    s->name = strdup(name);
    s->expr = strdup(expr);
    s->cron = c;
    s->next = cron_next(&c, now_s);
    for (size_t i = 0; i < nold; i++)
        if (strcmp(old[i].kind, kind) == 0 && strcmp(old[i].name, name) == 0 && strcmp(old[i].expr, expr) == 0 &&
            old[i].next >= 0 && (s->next < 0 || old[i].next < s->next))
            s->next = old[i].next;
    if (startup)
        sched_missed(en, s, since_ms / 1000, now_s);
}

static void on_sched(uv_timer_t *t);

static void sched_arm(engine_t *en)
{
    int64_t next = -1;
    for (size_t i = 0; i < en->nsched; i++)
        if (en->sched[i].next >= 0 && (next < 0 || en->sched[i].next < next))
            next = en->sched[i].next;
    /* wake at the next fire time, and at least every real minute to pick up changes made by other nodes; fire
     * times are on glued's clock, the timer counts real milliseconds */
    int64_t delay = SCHED_RELOAD_MS;
    uv_update_time(&en->loop); /* timers count from the loop's clock: bring it to now */
    if (next >= 0) {
        int64_t d = real_delay(next * 1000 - util_now_ms());
        delay = d < delay ? d : delay;
    }
    uv_timer_start(&en->sched_timer, on_sched, (uint64_t)delay, 0);
}

static void batches_check(engine_t *en);

static int fires_settled_tx(store_tx_t *tx, void *arg)
{
    return store_mark_raise(tx, STORE_MARK_FIRES, *(const int64_t *)arg);
}

/* Reads every schedule again (startup: also report the fires missed while glued was down). */
static void sched_reload(engine_t *en, bool startup)
{
    sched_t *old = en->sched;
    size_t nold = en->nsched;
    en->sched = NULL;
    en->nsched = 0;
    int64_t now_ms = util_now_ms(), now_s = now_ms / 1000;
    /* missed means after the last start's reckoning: what it skipped is not missed again at every start */
    int64_t settled = 0;
    if (startup && store_mark_get(store_read(en->store), STORE_MARK_FIRES, &settled) != STORE_OK)
        settled = 0;
    static const char *const kinds[] = {"trigger", "crawler"};
    for (int k = 0; k < 2; k++) {
        store_res_t *v = NULL;
        size_t n = 0;
        int rc = store_res_list(store_read(en->store), kinds[k], NULL, 0, &v, &n);
        if (rc < 0) {
            log_error("engine: reading schedules failed: %s", store_status_name(rc));
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *d = json_loads(v[i].doc, 0, NULL);
            if (k == 0) {
                const char *type = json_string_value(json_object_get(d, "Type"));
                const char *state = json_string_value(json_object_get(d, "State"));
                if (type && strcmp(type, "SCHEDULED") == 0 && state && strcmp(state, "ACTIVATED") == 0)
                    sched_add(en, old, nold, "trigger", v[i].name, json_string_value(json_object_get(d, "Schedule")),
                              v[i].modified_ms > settled ? v[i].modified_ms : settled, now_s, startup);
            } else {
                json_t *sc = json_object_get(d, "Schedule");
                const char *state = json_string_value(json_object_get(sc, "State"));
                if (state && strcmp(state, "SCHEDULED") == 0)
                    sched_add(en, old, nold, "crawler", v[i].name,
                              json_string_value(json_object_get(sc, "ScheduleExpression")),
                              v[i].modified_ms > settled ? v[i].modified_ms : settled, now_s, startup);
            }
            json_decref(d);
        }
        store_res_list_free(v, n);
    }
    sched_list_free(old, nold);
    int rc = startup ? store_tx_run(en->store, 0, fires_settled_tx, &now_ms) : STORE_OK;
    if (rc != STORE_OK)
        log_warn("schedule: recording that missed fire times were settled failed (%s); a later start may report "
                 "them again",
                 store_status_name(rc));
    sched_arm(en);
}

static void on_sched_idle(uv_idle_t *h);

/* Fires the schedules that are due, up to SCHED_CHUNK of them. */
static void sched_run(engine_t *en)
{
    int64_t now_s = util_now_ms() / 1000;
    flow_fire_t *due = en->nsched ? calloc(en->nsched < SCHED_CHUNK ? en->nsched : SCHED_CHUNK, sizeof *due) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < en->nsched && due && n < SCHED_CHUNK; i++) {
        sched_t *s = &en->sched[i];
        if (s->next < 0 || s->next > now_s)
            continue;
        /* the latest due fire time: earlier ones (the loop was held up past a whole period) are skipped */
        int64_t fire = s->next, skipped = 0;
        for (int64_t nx = cron_next(&s->cron, fire); nx >= 0 && nx <= now_s && skipped < MISSED_COUNT_MAX;
             nx = cron_next(&s->cron, nx)) {
            fire = nx;
            skipped++;
        }
        if (skipped)
            log_warn("schedule: %s '%s' skipped %lld fire time%s the engine was too late for", s->kind, s->name,
                     (long long)skipped, skipped == 1 ? "" : "s");
        due[n++] = (flow_fire_t){.kind = s->kind, .name = s->name, .fire_s = fire};
        s->next = cron_next(&s->cron, fire);
    }
    if (n) {
        /* the schedules due at the same time share commits, a chunk a loop turn, so that job ends and starts
         * go on between chunks (an idle handle lets the loop poll; a timer due at once would run again before) */
        sched_fire_many(en, due, n, "");
        if (n == SCHED_CHUNK)
            uv_idle_start(&en->sched_idle, on_sched_idle);
        else
            sched_arm(en);
    } else if (en->nsched && !due) {
        log_error("schedule: out of memory firing schedules; trying again in a second");
        uv_timer_start(&en->sched_timer, on_sched, 1000, 0);
    } else {
        sched_reload(en, false); /* the periodic wake: definitions may have changed elsewhere */
        batches_check(en);
    }
    free(due);
}

static void on_sched(uv_timer_t *t)
{
    sched_run(t->data);
}

static void on_sched_idle(uv_idle_t *h)
{
    uv_idle_stop(h);
    sched_run(h->data);
}

/* ---- event batches ---- */

static void on_batch_timer(uv_timer_t *t);

/* Closes the batches whose window has passed, and sets the timer for the next window to close. */
static void batches_check(engine_t *en)
{
    if (en->stopping)
        return;
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    int64_t next = -1;
    if (bus_close_windows(&en->flow, util_now_ms(), &spawn, &next, &e) < 0)
        log_error("events: closing batches failed: %s", e.msg);
    spawn_all(en, &spawn, 0);
    flow_ids_cleanup(&spawn);
    if (next < 0) {
        uv_timer_stop(&en->batch_timer);
        return;
    }
    uv_update_time(&en->loop);
    int64_t d = real_delay(next - util_now_ms());
    uv_timer_start(&en->batch_timer, on_batch_timer, (uint64_t)(d < SCHED_RELOAD_MS ? d : SCHED_RELOAD_MS), 0);
}

static void on_batch_timer(uv_timer_t *t)
{
    batches_check(t->data);
}

/* ---- files landing in S3 ---- */

static int64_t mono_ms(void)
{
    return (int64_t)(util_mono_ns() / 1000000);
}

/* A file landed: S3's "Object Created" event goes on the default bus. */
#define S3_CHUNK     256   /* events one delivery transaction takes */
#define S3_QUEUE_MAX 65536 /* events waiting; past it they are delivered before more are read */

#define S3_MARK_KEY_LEN (sizeof STORE_MARK_S3 + 256)

/* The store mark (store/events.h) up to which this node's S3 root was delivered. */
static void s3_mark_key(const engine_t *en, char out[static S3_MARK_KEY_LEN])
{
    snprintf(out, S3_MARK_KEY_LEN, "%s%.255s", STORE_MARK_S3, en->node);
}

/* Delivers up to S3_CHUNK of the waiting S3 events in one transaction: a burst of files (a job writing its output
 * parts, a copied folder) costs a commit per chunk, not per file, and the loop turns between chunks, so job ends
 * and starts go on meanwhile (a commit per file held the loop for a second per 3,000 files). */
static void s3_deliver_chunk(engine_t *en)
{
    size_t n = en->ns3 < S3_CHUNK ? en->ns3 : S3_CHUNK;
    if (!n)
        return;
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    size_t delivered = 0;
    /* the last chunk of what was reported moves the mark up to which files landed were delivered (a restart reports
     * those changed after it: they landed while glued was down, or were reported and lost with the queue) */
    char key[S3_MARK_KEY_LEN];
    s3_mark_key(en, key);
    bool last = n == en->ns3;
    if (bus_deliver(&en->flow, en->s3_events, n, util_now_ms(), last ? key : NULL, last ? s3watch_mark_ns(en->s3w) : 0,
                    &spawn, &delivered, &e) < 0)
        log_error("s3 events: %zu events (the first %s) were not delivered: %s", n,
                  json_string_value(json_object_get(en->s3_events[0], "id")), e.msg);
    else if (delivered)
        log_info("s3 events: %zu events, %zu deliveries", n, delivered);
    for (size_t i = 0; i < n; i++)
        json_decref(en->s3_events[i]);
    memmove(en->s3_events, en->s3_events + n, (en->ns3 - n) * sizeof *en->s3_events);
    en->ns3 -= n;
    spawn_all(en, &spawn, 0);
    flow_ids_cleanup(&spawn);
    if (delivered)
        batches_check(en);
}

static void on_s3_idle(uv_idle_t *h)
{
    engine_t *en = h->data;
    s3_deliver_chunk(en);
    if (!en->ns3)
        uv_idle_stop(h);
}

/* An object s3watch reports: its event waits for the next chunk. */
static void on_s3_object(void *ctx, const s3watch_object_t *o)
{
    engine_t *en = ctx;
    char id[EVENT_ID_LEN];
    util_uuid(id);
    while (en->ns3 >= S3_QUEUE_MAX) /* more than the loop keeps up with: deliver before reading more */
        s3_deliver_chunk(en);
    if (en->ns3 == en->cap_s3) {
        size_t c = en->cap_s3 ? 2 * en->cap_s3 : 64;
        json_t **nv = realloc(en->s3_events, c * sizeof *nv);
        if (!nv) {
            log_error("s3 events: out of memory keeping the event for s3://%s/%s", o->bucket, o->key);
            return;
        }
        en->s3_events = nv;
        en->cap_s3 = c;
    }
    json_t *ev = event_s3_created(o, id, en->account, en->region, util_now_ms());
    if (!ev)
        return;
    en->s3_events[en->ns3++] = ev;
    log_info("s3 events: s3://%s/%s was written (%lld bytes): event %s", o->bucket, o->key, (long long)o->size, id);
    uv_idle_start(&en->s3_idle, on_s3_idle);
}

static int s3_mark_tx(store_tx_t *tx, void *arg)
{
    engine_t *en = arg;
    char key[S3_MARK_KEY_LEN];
    s3_mark_key(en, key);
    return store_mark_raise(tx, key, s3watch_mark_ns(en->s3w));
}

/* Delivers every waiting S3 event now, with what landed until now (glued stops): the mark is then now, or the
 * oldest file still settling, and the next start reports what lands after it. */
static void s3_deliver_all(engine_t *en)
{
    s3watch_process(en->s3w, mono_ms());
    while (en->ns3)
        s3_deliver_chunk(en);
    uv_idle_stop(&en->s3_idle);
    int rc = store_tx_run(en->store, 0, s3_mark_tx, en);
    if (rc != STORE_OK)
        log_warn("s3 events: recording up to when files were delivered failed (%s); the next start may report "
                 "some again",
                 store_status_name(rc));
}

static void on_s3_timer(uv_timer_t *t)
{
    engine_t *en = t->data;
    s3watch_process(en->s3w, mono_ms());
    int64_t due = s3watch_next_due(en->s3w, mono_ms());
    if (due >= 0)
        uv_timer_start(&en->s3_timer, on_s3_timer, (uint64_t)due, 0);
}

static void on_s3_readable(uv_poll_t *h, int status, int events)
{
    engine_t *en = h->data;
    (void)status;
    (void)events;
    s3watch_process(en->s3w, mono_ms());
    int64_t due = s3watch_next_due(en->s3w, mono_ms());
    if (due >= 0 && !uv_is_active((uv_handle_t *)&en->s3_timer))
        uv_timer_start(&en->s3_timer, on_s3_timer, (uint64_t)due, 0);
}

/* Starts watching the S3 root; a failure leaves glued running without S3 events, and says so. Files that landed
 * while glued was down (changed after the mark its last life reached) are reported as new. */
static void s3_start(engine_t *en)
{
    char err[512], key[S3_MARK_KEY_LEN];
    s3_mark_key(en, key);
    s3watch_opts_t o = {0};
    if (store_mark_get(store_read(en->store), key, &o.since_ns) != STORE_OK)
        o.since_ns = 0; /* the first start with this root: what is there is not new */
    if (s3watch_open(en->s3_root, &o, on_s3_object, en, &en->s3w, err, sizeof err) < 0) {
        log_warn("s3 events are off: %s", err);
        en->s3w = NULL;
        return;
    }
    size_t found = s3watch_found_at_start(en->s3w);
    if (found)
        log_info("s3 events: %zu file%s landed while glued was down; %s reported once settled", found,
                 found == 1 ? "" : "s", found == 1 ? "it is" : "they are");
    int rc = store_tx_run(en->store, 0, s3_mark_tx, en);
    if (rc != STORE_OK)
        log_warn("s3 events: recording when the S3 root was looked at failed (%s)", store_status_name(rc));
    uv_poll_init(&en->loop, &en->s3_poll, s3watch_fd(en->s3w));
    uv_timer_init(&en->loop, &en->s3_timer);
    uv_idle_init(&en->loop, &en->s3_idle);
    en->s3_poll.data = en->s3_timer.data = en->s3_idle.data = en;
    uv_poll_start(&en->s3_poll, UV_READABLE, on_s3_readable);
    int64_t due = s3watch_next_due(en->s3w, mono_ms()); /* the files found at start settle */
    if (due >= 0)
        uv_timer_start(&en->s3_timer, on_s3_timer, (uint64_t)due, 0);
    log_info("s3 events: watching %s", en->s3_root);
}

/* ---- recovery ---- */

/* WAITING job runs this node has room for become its own (at start; later as room is made). */
static void claim_waiting(engine_t *en)
{
    if (en->cluster) {
        cluster_claim(en->cluster);
        return;
    }
    if (en->cfg.max_jobs <= 0 || en->stopping)
        return;
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    if (flow_claim(&en->flow, (int)en->cfg.max_jobs, util_now_ms(), &spawn, &e) < 0)
        log_error("engine: claiming waiting job runs failed: %s", e.msg);
    spawn_all(en, &spawn, 0);
    flow_ids_cleanup(&spawn);
}

/* The job run marker in process pid's environment (its GLUED_JOB_RUN_ID, read into buf), or NULL: the process is
 * gone, is not a job's, or is not ours to read. */
static const char *job_marker(const char *pid, char *buf, size_t size)
{
    static const char key[] = "GLUED_JOB_RUN_ID=";
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t len = read(fd, buf, size - 1);
    close(fd);
    if (len <= 0)
        return NULL;
    buf[len] = '\0';
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(buf + i) + 1)
        if (strncmp(buf + i, key, sizeof key - 1) == 0)
            return buf + i + sizeof key - 1;
    return NULL;
}

/* Whether process pid carries the marker of job run id (it is that job, not a reused pid). */
static bool is_job_process(long pid, const char *id)
{
    char p[32], buf[65536];
    snprintf(p, sizeof p, "%ld", pid);
    const char *m = job_marker(p, buf, sizeof buf);
    return m && strcmp(m, id) == 0;
}

/* A job run whose start a crash kept us from recording, and the process started for it (0: none found). */
typedef struct marked {
    const char *id;
    long pid;
} marked_t;

static int marked_cmp(const void *a, const void *b)
{
    return strcmp(((const marked_t *)a)->id, ((const marked_t *)b)->id);
}

/* Finds the processes of the job runs of want in one pass over /proc: for each, the first pid whose environment
 * carries its marker. Sorts want. Once per process, not once per job run: a crash amid a fan-out's spawns leaves
 * hundreds of such runs, and as many processes to read. */
static void find_job_processes(marked_t *want, size_t n)
{
    qsort(want, n, sizeof *want, marked_cmp);
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *de;
    char buf[65536];
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]) || strlen(de->d_name) > 20)
            continue;
        marked_t k = {.id = job_marker(de->d_name, buf, sizeof buf)};
        marked_t *m = k.id ? bsearch(&k, want, n, sizeof *want, marked_cmp) : NULL;
        if (m && !m->pid)
            m->pid = atol(de->d_name);
    }
    closedir(d);
}

/* A job run recorded as starting with no process: a crash came between a fan-out's spawns and the record of their
 * pids, or before the spawn itself. */
static bool start_unrecorded(const store_jobrun_t *r)
{
    return r->state == JR_STARTING && !r->pid && strcmp(r->kind, "crawl") != 0;
}

/* Runs left active by the previous life: job processes we no longer own are ended and recorded FAILED
 * (their outcome is unknown), job runs that never started are started, crawls are crawled again. */
static void recover(engine_t *en)
{
    store_jobrun_t *v = NULL;
    size_t n = 0;
    /* on a shared store, only this node's runs: the others' belong to live nodes, or to the sweep */
    int rc = store_jobrun_list_node(store_read(en->store), store_shared(en->store) ? en->node : NULL, &v, &n);
    if (rc < 0) {
        log_error("engine: recovery could not read active runs: %s", store_status_name(rc));
        return;
    }
    size_t mine = 0, nwant = 0;
    for (size_t i = 0; i < n; i++) {
        mine += v[i].state != JR_WAITING;
        nwant += start_unrecorded(&v[i]);
    }
    if (mine)
        log_info("engine: recovering %zu action runs left active by the previous run of glued", mine);
    marked_t *want = nwant ? calloc(nwant, sizeof *want) : NULL;
    if (nwant && !want) {
        log_error("engine: out of memory recovering %zu job runs whose start was not recorded", nwant);
        store_jobrun_list_free(v, n);
        return;
    }
    for (size_t i = 0, k = 0; i < n && want; i++)
        if (start_unrecorded(&v[i]))
            want[k++].id = v[i].id;
    if (want)
        find_job_processes(want, nwant);
    flow_ids_t again = {0};
    for (size_t i = 0; i < n; i++) {
        store_jobrun_t *r = &v[i];
        if (r->state == JR_WAITING)
            continue; /* no node's yet: claimed below */
        if (strcmp(r->kind, "crawl") == 0) {
            flow_ids_push(&again, r->id);
            continue;
        }
        long pid = (long)r->pid;
        if (!pid && r->state == JR_STARTING) {
            marked_t k = {.id = r->id}, *m = want ? bsearch(&k, want, nwant, sizeof *want, marked_cmp) : NULL;
            pid = m ? m->pid : 0;
        }
        if (r->state == JR_STARTING && pid == 0) {
            flow_ids_push(&again, r->id);
            continue;
        }
        char msg[256];
        if (pid && is_job_process(pid, r->id)) {
            kill(-(pid_t)pid, SIGKILL);
            snprintf(msg, sizeof msg,
                     "glued restarted while this job run was running (pid %ld); the process was "
                     "ended and its outcome is unknown",
                     pid);
        } else {
            snprintf(msg, sizeof msg, "glued restarted while this job run was running; its outcome is unknown");
        }
        /* what it printed is in this node's data directory: into the store with its end, as at any end */
        finish_logged(en, r->id, r->state == JR_STOPPING ? JR_STOPPED : JR_FAILED, msg, true, 0);
    }
    free(want);
    store_jobrun_list_free(v, n);
    spawn_all(en, &again, 0);
    flow_ids_cleanup(&again);
    claim_waiting(en);
}

/* ---- other nodes ---- */

static void ops_spawn(void *ctx, flow_ids_t *ids)
{
    spawn_all(ctx, ids, 0);
}

static void ops_kill(void *ctx, const char *id)
{
    kill_one(ctx, id);
}

static void forget_running(engine_t *en);

/* Another node changed schedules or event batches, or emptied the store. */
static void ops_changed(void *ctx, const char *what)
{
    engine_t *en = ctx;
    if (en->stopping)
        return;
    if (strcmp(what, "sched") == 0)
        sched_reload(en, false);
    else if (strcmp(what, "batches") == 0)
        batches_check(en);
    else if (strcmp(what, "reset") == 0) { /* another node's --test-mode reset emptied the store */
        log_info("engine: another node emptied the store (--test-mode reset); ending this node's job processes");
        forget_running(en);
        sched_reload(en, false);
        batches_check(en);
    }
}

/* This node's lease lapsed: its processes end now, unrecorded (the other nodes decide their runs), and what
 * it still owns is recovered as after a restart. */
static void ops_fenced(void *ctx)
{
    engine_t *en = ctx;
    for (proc_t *p = en->procs; p; p = p->next) {
        p->fenced = true;
        if (!p->exited)
            kill(-(pid_t)p->pid, SIGKILL);
    }
    recover(en);
}

/* ---- the thread ---- */

static void on_shutdown_tick(uv_timer_t *t)
{
    engine_t *en = t->data;
    flush_ends(en); /* the ends of the processes the shutdown ended are recorded before the loop stops */
    if (!en->procs)
        uv_stop(&en->loop);
}

/* Answers the thread waiting in engine_reset. */
static void reset_answer(engine_t *en, int rc, const gerr_t *e)
{
    pthread_mutex_lock(&en->lock);
    en->q_reset = false;
    en->reset_done = true;
    en->reset_rc = rc;
    en->reset_err = *e;
    pthread_cond_broadcast(&en->reset_cv);
    pthread_mutex_unlock(&en->lock);
}

/* Empties the store (once more, when crawls that were running may have written since) and answers. */
static void reset_finish(engine_t *en)
{
    int st = store_reset(en->store);
    if (st != STORE_OK && en->pending_rc == 0)
        en->pending_rc = gerr_store(&en->pending_e, st, "emptying the store");
    sched_reload(en, false);
    batches_check(en);
    reset_answer(en, en->pending_rc, &en->pending_e);
}

/* A --test-mode reset, on the engine thread: every job process group is killed at once and forgotten, and the
 * store is emptied. A crawl runs on a worker thread and writes to the store as it goes: it stops at its next
 * check once its record is gone, and the reset answers only after every such crawl has ended and the store has
 * been emptied again, so nothing it wrote survives. */
/* What this node runs is forgotten: every job process group is killed and its end will not be recorded, the ends
 * waiting for this loop turn's commit are dropped (their records are gone), and a crawl that ends from now on is
 * not recorded either. */
static void forget_running(engine_t *en)
{
    for (proc_t *p = en->procs; p; p = p->next)
        if (!p->exited && !p->discard) {
            p->discard = true;
            uv_timer_stop(&p->timeout);
            uv_timer_stop(&p->grace);
            kill(-(pid_t)p->pid, SIGKILL);
        }
    for (size_t i = 0; i < en->nends; i++) {
        free(en->ends[i].msg);
        free(en->ends[i].out);
        free(en->ends[i].err);
    }
    en->nends = 0;
    uv_idle_stop(&en->ends_idle);
    for (size_t i = 0; i < en->nstarts; i++)
        if (en->starts[i])
            en->starts[i]->start_slot = -1;
    en->nstarts = 0;
    uv_timer_stop(&en->starts_timer);
    en->generation++;
}

static void reset(engine_t *en)
{
    forget_running(en);
    memset(&en->pending_e, 0, sizeof en->pending_e);
    en->pending_rc = 0;
    int st = store_reset(en->store);
    frozen_free(en->frozen); /* the runs are gone */
    en->frozen = frozen_new(FROZEN_PARSES);
    if (st != STORE_OK)
        en->pending_rc = gerr_store(&en->pending_e, st, "emptying the store");
    /* the other nodes sharing the store stop what they run too (their runs' records are gone) */
    cluster_tell(en->cluster, "reset");
    en->reset_wait = en->ncrawls;
    if (en->reset_wait == 0) {
        sched_reload(en, false);
        batches_check(en);
        reset_answer(en, en->pending_rc, &en->pending_e);
    }
}

static void reset_crawl_ended(engine_t *en)
{
    if (en->reset_wait > 0 && --en->reset_wait == 0)
        reset_finish(en);
}

static void on_wake(uv_async_t *a)
{
    engine_t *en = a->data;
    flow_ids_t spawn, kill;
    pthread_mutex_lock(&en->lock);
    spawn = en->q_spawn;
    kill = en->q_kill;
    memset(&en->q_spawn, 0, sizeof spawn);
    memset(&en->q_kill, 0, sizeof kill);
    bool resched = en->q_resched, batches = en->q_batches, stop = en->q_stop, do_reset = en->q_reset;
    en->q_resched = false;
    en->q_batches = false;
    pthread_mutex_unlock(&en->lock);
    if (do_reset) {
        /* what was queued before the reset belongs to the store it empties */
        flow_ids_cleanup(&spawn);
        flow_ids_cleanup(&kill);
        reset(en);
    }
    for (size_t i = 0; i < kill.n; i++)
        kill_one(en, kill.v[i]);
    spawn_all(en, &spawn, 0);
    flow_ids_cleanup(&spawn);
    flow_ids_cleanup(&kill);
    if (resched && !en->stopping) {
        sched_reload(en, false);
        cluster_tell(en->cluster, "sched");
    }
    if (batches && !en->stopping) {
        batches_check(en);
        cluster_tell(en->cluster, "batches");
    }
    if (stop && !en->stopping) {
        en->stopping = true;
        atomic_store(&en->purge_cancel, true);
        uv_timer_stop(&en->sched_timer);
        uv_idle_stop(&en->sched_idle);
        uv_timer_stop(&en->batch_timer);
        uv_timer_stop(&en->purge_timer);
        if (en->s3w) {
            uv_poll_stop(&en->s3_poll);
            uv_timer_stop(&en->s3_timer);
            s3_deliver_all(en); /* what was reported is delivered, as each file's event was before the next */
        }
        cluster_stop(en->cluster); /* its lease lapses by itself: the others take over what is left */
        en->cluster = NULL;
        for (proc_t *p = en->procs; p; p = p->next)
            terminate(p);
        uv_timer_start(&en->shutdown_timer, on_shutdown_tick, 0, 20);
    }
}

/* ---- run history past --retention-days ---- */

#define PURGE_RUNS     20            /* workflow runs one purge transaction takes at most */
#define PURGE_JOBRUNS  200           /* standalone job runs and crawls one purge transaction takes at most */
#define PURGE_NEXT_MS  20            /* between batches while more is due: the loop serves everything else */
#define PURGE_EVERY_MS (3600 * 1000) /* between passes */
#define PURGE_FIRST_MS 1000          /* the first pass, after start */
#define SWEEP_MAX      100000        /* log files one pass looks at */

typedef struct purge_ctx {
    int64_t cutoff_ms;
    store_purged_t p;
} purge_ctx_t;

static int purge_tx(store_tx_t *tx, void *arg)
{
    purge_ctx_t *c = arg;
    store_purged_cleanup(&c->p); /* a conflict runs this again from the start */
    return store_purge_history(tx, c->cutoff_ms, PURGE_RUNS, PURGE_JOBRUNS, &c->p);
}

static void unlink_logs(engine_t *en, const char *id)
{
    static const char *const ext[] = {"out", "err"};
    for (int k = 0; k < 2; k++) {
        char path[4096];
        if (logpool_find_log(en->data_dir, id, ext[k], path, sizeof path) == 0 && unlink(path) < 0 && errno != ENOENT)
            log_warn("engine: cannot remove the purged log %s: %s", path, strerror(errno));
    }
}

/* The log files in one folder whose job run is gone and that are older than old; counts into seen/removed. */
static void sweep_dir(engine_t *en, const char *dir, time_t old, size_t *seen, size_t *removed)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) && *seen < SWEEP_MAX && !atomic_load_explicit(&en->purge_cancel, memory_order_relaxed)) {
        char id[FLOW_JOB_RUN_ID_LEN], path[4096];
        const char *dot = strrchr(de->d_name, '.');
        size_t n = dot ? (size_t)(dot - de->d_name) : 0;
        if (!dot || n >= sizeof id)
            continue;
        memcpy(id, de->d_name, n);
        id[n] = '\0';
        if (logpool_find_log(en->data_dir, id, dot + 1, path, sizeof path) < 0)
            continue; /* not a log glued wrote */
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        (*seen)++;
        struct stat st;
        if (stat(path, &st) < 0)
            continue;
        /* a log made ahead of time that no job wrote: the stock of a glued that died, or an id never recorded,
         * whatever its age; not this glued's stock */
        bool stock = st.st_size == 0 && st.st_mtime == LOGPOOL_STOCK_MTIME && st.st_nlink == 1;
        if (stock ? logpool_in_stock(en->logpool, id) : st.st_mtime >= old)
            continue;
        if (store_jobrun_exists(store_read(en->store), id) != STORE_NOTFOUND)
            continue;
        if (unlink(path) == 0)
            (*removed)++;
    }
    closedir(d);
}

/* Log files of this node whose job run is gone: purged by another node sharing the store, deleted with their
 * workflow, or left by a crash between a purge's commit and its unlinks. Only files older than the retention
 * (by their modification time, real time) are looked at, so a run being created is never in question. The
 * folders of logpool_find_log are walked from where the last pass stopped, and the files written before logs
 * had folders, in logs/ itself, every pass; at most SWEEP_MAX files a pass. The files removed. */
static size_t sweep_logs(engine_t *en)
{
    time_t old = time(NULL) - (time_t)(en->cfg.retention_ms / 1000);
    size_t seen = 0, removed = 0;
    sweep_dir(en, en->log_dir, old, &seen, &removed);
    unsigned start = en->sweep_next; /* (not sweep_next itself, which moves as folders are done) */
    for (unsigned i = 0; i < 256 && seen < SWEEP_MAX; i++) {
        char dir[4096];
        unsigned folder = (start + i) % 256;
        if (atomic_load_explicit(&en->purge_cancel, memory_order_relaxed) ||
            snprintf(dir, sizeof dir, "%s/%02x", en->log_dir, folder) >= (int)sizeof dir)
            break;
        sweep_dir(en, dir, old, &seen, &removed);
        if (seen < SWEEP_MAX) /* walked to its end: the next pass starts after it */
            en->sweep_next = (folder + 1) % 256;
    }
    return removed;
}

/* One batch of the purge, on libuv's worker pool: its transaction, its unlinks and, at the end of a pass, the
 * sweep, which stats every log file (100,000 of them held the loop for a second). */
typedef struct purge_work {
    uv_work_t w;
    engine_t *en;
    int rc;            /* the transaction's status */
    int64_t cutoff_ms; /* what ended before it is purged */
    size_t runs, nids; /* workflow runs, and job runs and crawls, this batch purged */
    bool more;         /* more is due: the next batch comes soon */
    size_t removed;    /* log files the sweep removed (at the end of a pass) */
} purge_work_t;

static void on_purge_work(uv_work_t *w)
{
    purge_work_t *pw = w->data;
    engine_t *en = pw->en;
    purge_ctx_t c = {.cutoff_ms = pw->cutoff_ms};
    /* relaxed: a crash that loses a purge only brings back rows the next pass purges again */
    pw->rc = store_tx_run(en->store, STORE_TX_RELAXED, purge_tx, &c);
    if (pw->rc == 0) {
        for (size_t i = 0; i < c.p.nids; i++)
            unlink_logs(en, c.p.ids[i]);
        pw->runs = c.p.runs;
        pw->nids = c.p.nids;
        pw->more = c.p.runs == PURGE_RUNS || c.p.jobruns == PURGE_JOBRUNS;
        if (!pw->more)
            pw->removed = sweep_logs(en);
    }
    store_purged_cleanup(&c.p);
}

static void on_purge(uv_timer_t *t);

static void on_purge_done(uv_work_t *w, int status)
{
    purge_work_t *pw = w->data;
    engine_t *en = pw->en;
    (void)status;
    if (pw->rc != 0) {
        log_warn("engine: purging run history older than %lld days failed (%s); trying again in a minute",
                 (long long)(en->cfg.retention_ms / 86400000), store_status_name(pw->rc));
        if (!en->stopping)
            uv_timer_start(&en->purge_timer, on_purge, 60000, 0);
        free(pw);
        return;
    }
    metrics_add(m_purged, "workflow_run", NULL, pw->runs);
    metrics_add(m_purged, "job_run", NULL, pw->nids);
    en->purged_runs += pw->runs;
    en->purged_jobruns += pw->nids;
    if (pw->more) {
        if (!en->stopping)
            uv_timer_start(&en->purge_timer, on_purge, PURGE_NEXT_MS, 0);
        free(pw);
        return;
    }
    if (en->purged_runs || en->purged_jobruns) {
        char when[32];
        util_format_iso8601(pw->cutoff_ms, when);
        log_info("engine: purged %zu workflow runs and %zu job runs and crawls that ended before %s "
                 "(--retention-days %lld), with their logs",
                 en->purged_runs, en->purged_jobruns, when, (long long)(en->cfg.retention_ms / 86400000));
    }
    if (pw->removed)
        log_info("engine: removed %zu log files of job runs that no longer exist", pw->removed);
    en->purged_runs = en->purged_jobruns = 0;
    if (!en->stopping)
        uv_timer_start(&en->purge_timer, on_purge, PURGE_EVERY_MS, 0);
    free(pw);
}

/* The next batch of the purge goes to the worker pool; the next one is timed when it is done (so one batch at a
 * time is in flight: the timer is armed again only by on_purge_done). */
static void on_purge(uv_timer_t *t)
{
    engine_t *en = t->data;
    if (en->stopping)
        return;
    purge_work_t *pw = calloc(1, sizeof *pw);
    if (!pw) {
        uv_timer_start(t, on_purge, 60000, 0);
        return;
    }
    pw->en = en;
    pw->w.data = pw;
    pw->cutoff_ms = util_now_ms() - en->cfg.retention_ms;
    if (uv_queue_work(&en->loop, &pw->w, on_purge_work, on_purge_done) != 0) {
        free(pw);
        uv_timer_start(t, on_purge, 60000, 0);
    }
}

/* ---- starting the loop ---- */

/* The loop turns: health checks read how long ago (engine_heartbeat_age_ms). */
static void on_beat(uv_timer_t *t)
{
    engine_t *en = t->data;
    atomic_store_explicit(&en->beat_ms, mono_ms(), memory_order_relaxed);
}

int64_t engine_heartbeat_age_ms(engine_t *en)
{
    if (!en)
        return 0;
    return mono_ms() - atomic_load_explicit(&en->beat_ms, memory_order_relaxed);
}

static void *engine_main(void *arg)
{
    engine_t *en = arg;
    sigset_t chld; /* the ends of job processes come to this thread (main.c blocks SIGCHLD everywhere else) */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
    if (store_shared(en->store)) {
        cluster_ops_t ops = {ops_spawn, ops_kill, ops_fenced, ops_changed, en};
        if (cluster_start(&en->loop, &en->ccfg, &ops, &en->cluster) < 0)
            log_error("engine: cannot start the work with other nodes");
    }
    gerr_t e = {0};
    if (flow_trigger_watch_fill(&en->flow, &e) < 0)
        log_error("engine: %s", e.msg);
    recover(en);
    sched_reload(en, true);
    batches_check(en); /* windows that passed while glued was down close now; the others keep their end */
    if (en->cfg.s3_events)
        s3_start(en);
    if (en->cfg.retention_ms > 0)
        uv_timer_start(&en->purge_timer, on_purge, PURGE_FIRST_MS, 0);
    pthread_mutex_lock(&en->lock);
    en->ready = true;
    pthread_cond_broadcast(&en->ready_cv);
    pthread_mutex_unlock(&en->lock);
    uv_timer_start(&en->beat_timer, on_beat, 0, ENGINE_BEAT_MS);
    uv_run(&en->loop, UV_RUN_DEFAULT);
    return NULL;
}

int engine_start(store_t *s, const engine_config_t *cfg, engine_t **out, gerr_t *e)
{
    engine_t *en = calloc(1, sizeof *en);
    en->store = s;
    en->cfg = *cfg;
    en->url = strdup(cfg->url);
    en->region = strdup(cfg->region);
    en->account = strdup(cfg->account ? cfg->account : "123456789012");
    en->data_dir = strdup(cfg->data_dir);
    en->s3_root = strdup(cfg->s3_root);
    en->python = strdup(cfg->python);
    en->node = strdup(cfg->node ? cfg->node : "local");
    en->flow = (flow_env_t){.store = s, .node = en->node, .max_jobs = cfg->max_jobs, .stopping = &en->stopping};
    en->frozen = frozen_new(FROZEN_PARSES);
    en->ccfg =
        (cluster_config_t){.env = &en->flow, .url = en->url, .lease_ms = cfg->lease_ms > 0 ? cfg->lease_ms : 15000};
    en->ca_bundle = cfg->ca_bundle ? strdup(cfg->ca_bundle) : NULL;
    en->awsglue_dir = cfg->awsglue_dir ? strdup(cfg->awsglue_dir) : NULL;
    en->runners = cfg->runners;
    if (!en->runners) {
        char err[256];
        if (runners_init(&en->default_runners, err, sizeof err) < 0) {
            gerr_set(e, GERR_INTERNAL, "%s", err);
            goto fail;
        }
        en->runners = &en->default_runners;
    }
    en->job_user = strdup(cfg->switch_user && cfg->job_user ? cfg->job_user : "");
    en->job_home = strdup(cfg->switch_user && cfg->job_home ? cfg->job_home : "/");
    if (en->cfg.grace_ms <= 0)
        en->cfg.grace_ms = 5000;
    size_t ll = strlen(cfg->data_dir) + 8;
    en->log_dir = malloc(ll);
    snprintf(en->log_dir, ll, "%s/logs", cfg->data_dir);
    if (mkdir(en->log_dir, 0700) < 0 && errno != EEXIST) {
        gerr_set(e, GERR_INTERNAL, "cannot create the log directory %s: %s", en->log_dir, strerror(errno));
        goto fail;
    }
    en->logpool = logpool_start(en->log_dir);
    /* job runs created here take their ids from the pool; not on a shared store, where a transaction that
     * conflicts runs again with a new id and leaves the first one's logs to retention's sweep */
    if (!store_shared(s))
        en->flow.logs = en->logpool;
    char jerr[512];
    if (store_shared(s) && cluster_join(&en->ccfg, jerr, sizeof jerr) < 0) {
        gerr_set(e, GERR_INTERNAL, "%s", jerr);
        goto fail;
    }
    pthread_mutex_init(&en->lock, NULL);
    pthread_cond_init(&en->ready_cv, NULL);
    pthread_mutex_init(&en->reset_lock, NULL);
    pthread_cond_init(&en->reset_cv, NULL);
    uv_loop_init(&en->loop);
    uv_async_init(&en->loop, &en->wake, on_wake);
    en->wake.data = en;
    uv_signal_init(&en->loop, &en->sigchld);
    en->sigchld.data = en;
    uv_signal_start(&en->sigchld, on_sigchld, SIGCHLD);
    uv_timer_init(&en->loop, &en->sched_timer);
    uv_idle_init(&en->loop, &en->sched_idle);
    en->sched_idle.data = en;
    uv_timer_init(&en->loop, &en->shutdown_timer);
    uv_timer_init(&en->loop, &en->batch_timer);
    en->sched_timer.data = en->shutdown_timer.data = en->batch_timer.data = en;
    uv_idle_init(&en->loop, &en->ends_idle);
    en->ends_idle.data = en;
    uv_timer_init(&en->loop, &en->starts_timer);
    en->starts_timer.data = en;
    uv_timer_init(&en->loop, &en->retry_timer);
    uv_timer_init(&en->loop, &en->purge_timer);
    en->retry_timer.data = en->purge_timer.data = en;
    uv_timer_init(&en->loop, &en->beat_timer);
    en->beat_timer.data = en;
    atomic_store(&en->beat_ms, mono_ms());
    metrics_init();
    if (pthread_create(&en->thread, NULL, engine_main, en) != 0) {
        gerr_set(e, GERR_INTERNAL, "cannot start the engine thread");
        goto fail;
    }
    pthread_mutex_lock(&en->lock);
    while (!en->ready)
        pthread_cond_wait(&en->ready_cv, &en->lock);
    pthread_mutex_unlock(&en->lock);
    *out = en;
    return 0;
fail:
    logpool_stop(en->logpool);
    free(en->url);
    free(en->region);
    free(en->account);
    free(en->data_dir);
    free(en->s3_root);
    free(en->python);
    free(en->awsglue_dir);
    free(en->ca_bundle);
    free(en->job_user);
    free(en->job_home);
    free(en->log_dir);
    free(en->node);
    runners_cleanup(&en->default_runners);
    free(en);
    return -1;
}

int engine_reset(engine_t *en, gerr_t *e)
{
    pthread_mutex_lock(&en->reset_lock);
    pthread_mutex_lock(&en->lock);
    if (en->q_stop) {
        pthread_mutex_unlock(&en->lock);
        pthread_mutex_unlock(&en->reset_lock);
        return gerr_set(e, GERR_INTERNAL, "glued is shutting down");
    }
    en->q_reset = true;
    en->reset_done = false;
    pthread_mutex_unlock(&en->lock);
    uv_async_send(&en->wake);
    pthread_mutex_lock(&en->lock);
    while (!en->reset_done)
        pthread_cond_wait(&en->reset_cv, &en->lock);
    int rc = en->reset_rc;
    if (rc < 0)
        *e = en->reset_err;
    pthread_mutex_unlock(&en->lock);
    pthread_mutex_unlock(&en->reset_lock);
    return rc;
}

static void close_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void engine_stop(engine_t *en)
{
    if (!en)
        return;
    pthread_mutex_lock(&en->lock);
    en->q_stop = true;
    pthread_mutex_unlock(&en->lock);
    uv_async_send(&en->wake);
    pthread_join(en->thread, NULL);
    /* close every handle left, let the loop run their close callbacks and the work on the worker pool end (a
     * purge's sweep asks the log pool), then free */
    uv_walk(&en->loop, close_cb, NULL);
    uv_run(&en->loop, UV_RUN_DEFAULT);
    uv_loop_close(&en->loop);
    logpool_stop(en->logpool);
    s3watch_close(en->s3w);
    for (size_t i = 0; i < en->ns3; i++) /* reported after the stop began */
        json_decref(en->s3_events[i]);
    free(en->s3_events);
    sched_free(en);
    flow_ids_cleanup(&en->q_spawn);
    flow_ids_cleanup(&en->q_kill);
    frozen_free(en->frozen);
    for (size_t i = 0; i < en->nends; i++) { /* left when the loop stopped early */
        free(en->ends[i].msg);
        free(en->ends[i].out);
        free(en->ends[i].err);
    }
    free(en->ends);
    free(en->starts);
    store_strv_free(en->base_env, en->nbase_env);
    for (size_t i = 0; i < en->nretry; i++) { /* the store never took them: recovery ends these runs */
        free(en->retry[i].msg);
        free(en->retry[i].out);
        free(en->retry[i].err);
    }
    free(en->retry);
    pthread_mutex_destroy(&en->lock);
    pthread_cond_destroy(&en->ready_cv);
    pthread_mutex_destroy(&en->reset_lock);
    pthread_cond_destroy(&en->reset_cv);
    free(en->url);
    free(en->region);
    free(en->account);
    free(en->data_dir);
    free(en->s3_root);
    free(en->python);
    free(en->awsglue_dir);
    free(en->ca_bundle);
    free(en->job_user);
    free(en->job_home);
    free(en->log_dir);
    free(en->node);
    runners_cleanup(&en->default_runners);
    free(en);
}
