/* Nodes sharing a store (see cluster.h). Reading order: the clock and the lease (join, renew), the sweep of
 * dead nodes' job runs, claiming, the listener, and the timers that drive them. Everything after cluster_join
 * runs on the engine's loop. Leases use the wall clock of each node (keep the nodes' clocks in step, as for
 * any lease). */
#include "engine/cluster.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define CLAIM_BATCH     16              /* job runs claimed per transaction */
#define CLAIM_POLL_MS   1000            /* claim even when no notification came (one may be lost while reconnecting) */
#define CHANNEL_CHANGED "glued_changed" /* "<what> <node>": schedules or event batches changed on a node */

struct cluster {
    uv_loop_t *loop;
    cluster_config_t cfg;
    cluster_ops_t ops;
    char epoch[33];
    uv_timer_t lease_timer, claim_timer, kick;
    uv_poll_t *poll; /* on the listener's descriptor; a new one for each new listener */
    store_listener_t *listener;
    bool stopping;
    int open_handles; /* freed when the last closes */
};

static char join_epoch[33]; /* the epoch cluster_join registered under, taken by cluster_start */

/* Wall-clock milliseconds: leases are compared across nodes (never the test clock). */
static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the lease ---- */

#define PID_START_SLACK_MS 2000 /* clock granularity and small clock corrections in pid_gone's comparison */

/* Whether process pid of this host is certainly not the glued that took a lease at joined_ms (wall clock), so
 * that the lease is a leftover of a crash. A pid that no process has is gone; so is a zombie (state Z or X in
 * /proc/PID/stat): it died, and only its parent has not waited for it yet, yet it still answers kill(pid, 0).
 * A pid may also have been given to another process since that glued died: a process started after the lease
 * was taken cannot be the glued that took it (a node joins after it starts, and a rejoin only moves the time
 * later). The start is field 22 of /proc/PID/stat, in clock ticks since boot, put on the wall clock through
 * CLOCK_BOOTTIME (the clock that field counts on, suspend included). Anything that cannot be read counts as
 * alive, as kill() alone did: refusing a start is the safe mistake, two nodes under one name are not. */
static bool pid_gone(pid_t pid, int64_t joined_ms, int64_t now_ms)
{
    if (pid <= 0) /* no glued's; kill() would ask about a process group */
        return true;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the name before it may hold spaces and parentheses */
    char state = 0;
    unsigned long long start = 0;
    /* after the name: state (3), then 18 fields to starttime (22) */
    if (!p || sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &state,
                     &start) != 2)
        return false;
    if (state == 'Z' || state == 'X')
        return true;
    struct timespec up;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &up) < 0)
        return false;
    int64_t age_ms = (int64_t)up.tv_sec * 1000 + up.tv_nsec / 1000000 - (int64_t)(start * 1000 / (unsigned long)hz);
    return now_ms - age_ms > joined_ms + PID_START_SLACK_MS;
}

typedef struct join_ctx {
    const cluster_config_t *cfg;
    const char *epoch, *host;
    int64_t now;
    char *err;
    size_t errlen;
} join_ctx_t;

static int join_tx(store_tx_t *tx, void *arg)
{
    join_ctx_t *j = arg;
    const cluster_config_t *cfg = j->cfg;
    store_node_row_t old = {0};
    int rc = store_node_get(tx, cfg->env->node, &old);
    if (rc < 0)
        return rc;
    if (rc == 0 && old.lease_until_ms >= j->now) {
        /* a lease still valid: ours from before a crash (same host, that process is gone), or another's */
        bool mine = strcmp(old.host, j->host) == 0 &&
                    (old.pid == (int64_t)getpid() || pid_gone((pid_t)old.pid, old.started_ms, j->now));
        if (!mine) {
            snprintf(j->err, j->errlen,
                     "node name '%s' is in use by a live glued (process %lld on %s, lease valid for %lld ms more); "
                     "give each node its own --node-name",
                     cfg->env->node, (long long)old.pid, old.host, (long long)(old.lease_until_ms - j->now));
            store_node_row_cleanup(&old);
            return STORE_EXISTS;
        }
    }
    store_node_row_cleanup(&old);
    store_node_row_t row = {.name = (char *)cfg->env->node,
                            .epoch = (char *)j->epoch,
                            .host = (char *)j->host,
                            .pid = getpid(),
                            .url = (char *)cfg->url,
                            .started_ms = j->now,
                            .lease_until_ms = j->now + cfg->lease_ms};
    return store_node_put(tx, &row);
}

static int join(const cluster_config_t *cfg, char epoch[33], char *err, size_t errlen)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    util_random_id(epoch, "", 16);
    join_ctx_t j = {cfg, epoch, host, wall_ms(), err, errlen};
    err[0] = '\0';
    int rc = store_tx_run(cfg->env->store, 0, join_tx, &j);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "cannot register node '%s' in the store: %s", cfg->env->node, store_status_name(rc));
    return rc == 0 ? 0 : -1;
}

int cluster_join(const cluster_config_t *cfg, char *err, size_t errlen)
{
    if (join(cfg, join_epoch, err, errlen) < 0)
        return -1;
    log_info("cluster: node '%s' joined (lease %lld ms)", cfg->env->node, (long long)cfg->lease_ms);
    return 0;
}

typedef struct renew_ctx {
    cluster_t *c;
    int64_t now;
} renew_ctx_t;

static int renew_tx(store_tx_t *tx, void *arg)
{
    renew_ctx_t *r = arg;
    return store_node_renew(tx, r->c->cfg.env->node, r->c->epoch, r->now, r->now + r->c->cfg.lease_ms);
}

/* 0 renewed, 1 lost (fenced and joined again), -1 the store failed (tried again at the next tick). */
static int renew(cluster_t *c)
{
    renew_ctx_t r = {c, wall_ms()};
    int rc = store_tx_run(c->cfg.env->store, 0, renew_tx, &r);
    if (rc == 0)
        return 0;
    if (rc != STORE_NOTFOUND) {
        log_warn("cluster: renewing the lease of node '%s' failed: %s", c->cfg.env->node, store_status_name(rc));
        return -1;
    }
    /* the lease lapsed: the other nodes may already have taken over this node's job runs */
    log_error("cluster: node '%s' lost its lease; ending its job processes without recording them, and joining "
              "again",
              c->cfg.env->node);
    c->ops.fenced(c->ops.ctx);
    char err[512];
    if (join(&c->cfg, c->epoch, err, sizeof err) < 0)
        log_error("cluster: %s", err);
    return 1;
}

/* ---- dead nodes ---- */

/* Job runs of nodes without a valid lease: this node takes each over (one node wins each, in the store). */
static void sweep(cluster_t *c)
{
    int64_t now = wall_ms();
    store_jobrun_t *v = NULL;
    size_t n = 0;
    int rc = store_jobrun_list_orphans(store_read(c->cfg.env->store), now, &v, &n);
    if (rc < 0) {
        log_warn("cluster: looking for dead nodes' job runs failed: %s", store_status_name(rc));
        return;
    }
    for (size_t i = 0; i < n && !c->stopping; i++) {
        flow_ids_t spawn = {0};
        gerr_t e = {0};
        int taken = flow_orphan(c->cfg.env, v[i].id, now, util_now_ms(), &spawn, &e);
        if (taken < 0)
            log_warn("cluster: taking over %s of node '%s' failed: %s", v[i].id, v[i].node, e.msg);
        else if (taken)
            log_info("cluster: node '%s' is gone; took over %s", v[i].node, v[i].id);
        c->ops.spawn(c->ops.ctx, &spawn);
        flow_ids_cleanup(&spawn);
    }
    store_jobrun_list_free(v, n);
}

/* Job runs of this node being stopped whose stop request may have been lost: stop them (again). */
static void restop(cluster_t *c)
{
    store_jobrun_t *v = NULL;
    size_t n = 0;
    if (store_jobrun_list_node(store_read(c->cfg.env->store), c->cfg.env->node, &v, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (v[i].state == JR_STOPPING)
            c->ops.kill(c->ops.ctx, v[i].id);
    store_jobrun_list_free(v, n);
}

/* ---- claiming ---- */

static void on_kick(uv_timer_t *t);

void cluster_claim(cluster_t *c)
{
    if (!c || c->stopping)
        return;
    /* a fair share of what waits, so that the nodes woken together split a fan-out between them */
    int64_t waiting = 0, alive = 1;
    store_tx_t *rd = store_read(c->cfg.env->store);
    if (store_jobrun_count_waiting(rd, &waiting) < 0 || waiting == 0)
        return;
    if (store_node_count_alive(rd, wall_ms(), &alive) < 0 || alive < 1)
        alive = 1;
    int64_t share = (waiting + alive - 1) / alive;
    int limit = share < CLAIM_BATCH ? (int)share : CLAIM_BATCH;
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    int n = flow_claim(c->cfg.env, limit, util_now_ms(), &spawn, &e);
    if (n < 0)
        log_warn("cluster: claiming job runs failed: %s", e.msg);
    c->ops.spawn(c->ops.ctx, &spawn);
    flow_ids_cleanup(&spawn);
    if (n > 0 && n < waiting) /* more may wait: claim again on the next turn of the loop, after other events */
        uv_timer_start(&c->kick, on_kick, 0, 0);
}

static void on_kick(uv_timer_t *t)
{
    cluster_claim(t->data);
}

/* ---- listening ---- */

static void on_notify(const char *channel, const char *payload, void *ctx)
{
    cluster_t *c = ctx;
    if (strcmp(channel, FLOW_CHANNEL_WORK) == 0)
        uv_timer_start(&c->kick, on_kick, 0, 0); /* many notifications in one drain make one claim */
    else if (strcmp(channel, FLOW_CHANNEL_KILL) == 0 && payload)
        c->ops.kill(c->ops.ctx, payload);
    else if (strcmp(channel, CHANNEL_CHANGED) == 0 && payload) {
        /* "<what> <node>": what this node said itself it has already looked at */
        const char *sp = strchr(payload, ' ');
        if (sp && strcmp(sp + 1, c->cfg.env->node) != 0) {
            char what[32];
            snprintf(what, sizeof what, "%.*s", (int)(sp - payload), payload);
            c->ops.changed(c->ops.ctx, what);
        }
    }
}

typedef struct tell_ctx {
    const char *payload;
} tell_ctx_t;

static int tell_tx(store_tx_t *tx, void *arg)
{
    return store_notify(tx, CHANNEL_CHANGED, ((tell_ctx_t *)arg)->payload);
}

void cluster_tell(cluster_t *c, const char *what)
{
    if (!c || c->stopping)
        return;
    char payload[300];
    snprintf(payload, sizeof payload, "%s %s", what, c->cfg.env->node);
    tell_ctx_t t = {payload};
    int rc = store_tx_run(c->cfg.env->store, STORE_TX_RELAXED, tell_tx, &t);
    if (rc != 0)
        log_warn("cluster: telling the other nodes of a change failed: %s", store_status_name(rc));
}

static void poll_closed(uv_handle_t *h)
{
    cluster_t *c = h->data;
    free(h);
    if (--c->open_handles == 0)
        free(c);
}

static void unlisten(cluster_t *c)
{
    if (c->poll) {
        uv_poll_stop(c->poll);
        uv_close((uv_handle_t *)c->poll, poll_closed);
        c->poll = NULL;
    }
    store_listener_close(c->listener);
    c->listener = NULL;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    cluster_t *c = p->data;
    (void)events;
    if (status < 0 || store_listener_drain(c->listener, on_notify, c) < 0) {
        log_warn("cluster: the connection that listens for other nodes broke; it is made again");
        unlisten(c);
    }
}

static void listen_start(cluster_t *c)
{
    static const char *const channels[] = {FLOW_CHANNEL_WORK, FLOW_CHANNEL_KILL, CHANNEL_CHANGED, NULL};
    char err[512];
    c->listener = store_listen(c->cfg.env->store, channels, err, sizeof err);
    if (!c->listener) {
        log_warn("cluster: %s (claims fall back to polling every %d ms)", err, CLAIM_POLL_MS);
        return;
    }
    c->poll = calloc(1, sizeof *c->poll);
    if (!c->poll || uv_poll_init(c->loop, c->poll, store_listener_fd(c->listener)) < 0) {
        free(c->poll);
        c->poll = NULL;
        store_listener_close(c->listener);
        c->listener = NULL;
        return;
    }
    c->poll->data = c;
    c->open_handles++;
    uv_poll_start(c->poll, UV_READABLE, on_readable);
}

/* ---- timers ---- */

static void on_lease(uv_timer_t *t)
{
    cluster_t *c = t->data;
    if (renew(c) == 0) {
        sweep(c);
        restop(c);
    }
    if (!c->listener && !c->poll && !c->stopping)
        listen_start(c);
}

static void on_claim_poll(uv_timer_t *t)
{
    cluster_claim(t->data);
}

int cluster_start(uv_loop_t *loop, const cluster_config_t *cfg, const cluster_ops_t *ops, cluster_t **out)
{
    cluster_t *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->loop = loop;
    c->cfg = *cfg;
    c->ops = *ops;
    memcpy(c->epoch, join_epoch, sizeof c->epoch);
    uv_timer_init(loop, &c->lease_timer);
    uv_timer_init(loop, &c->claim_timer);
    uv_timer_init(loop, &c->kick);
    c->lease_timer.data = c->claim_timer.data = c->kick.data = c;
    c->open_handles = 3;
    uint64_t every = (uint64_t)(cfg->lease_ms / 3 > 0 ? cfg->lease_ms / 3 : 1);
    uv_timer_start(&c->lease_timer, on_lease, every, every);
    uv_timer_start(&c->claim_timer, on_claim_poll, CLAIM_POLL_MS, CLAIM_POLL_MS);
    listen_start(c);
    *out = c;
    return 0;
}

static void closed(uv_handle_t *h)
{
    cluster_t *c = h->data;
    if (--c->open_handles == 0)
        free(c);
}

void cluster_stop(cluster_t *c)
{
    if (!c)
        return;
    c->stopping = true;
    unlisten(c);
    uv_close((uv_handle_t *)&c->lease_timer, closed);
    uv_close((uv_handle_t *)&c->claim_timer, closed);
    uv_close((uv_handle_t *)&c->kick, closed);
}
