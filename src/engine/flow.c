/* The workflow state machine (see flow.h). Reading order: the small helpers, then start_action (what a
 * trigger's action becomes), fire (a trigger fires), node_done (a node reached a final state: its watchers
 * are evaluated), run_settle (does the run end?), then the public transactions. */
#include "engine/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/frozen.h"
#include "model/nodeid.h"
#include "store/events.h"
#include "model/codec.h"
#include "util/util.h"

#define FIRE_DEPTH_MAX      10000 /* triggers fire at most once per run, so recursion is bounded anyway */
#define DEFAULT_TIMEOUT_MIN 2880

static void spawn_free(flow_spawn_t *sp)
{
    if (!sp)
        return;
    free(sp->job);
    json_decref(sp->def);
    json_decref(sp->args);
    free(sp);
}

/* Adds id, taking sp (may be NULL). */
static void ids_add(flow_ids_t *ids, char *id, flow_spawn_t *sp)
{
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? 2 * ids->cap : 8;
        ids->v = realloc(ids->v, ids->cap * sizeof *ids->v);
        ids->spec = realloc(ids->spec, ids->cap * sizeof *ids->spec);
    }
    ids->spec[ids->n] = sp;
    ids->v[ids->n++] = id;
}

void flow_ids_push(flow_ids_t *ids, const char *id)
{
    ids_add(ids, strdup(id), NULL);
}

void flow_ids_move(flow_ids_t *into, flow_ids_t *from)
{
    for (size_t i = 0; i < from->n; i++)
        ids_add(into, from->v[i], from->spec[i]);
    free(from->v);
    free(from->spec);
    memset(from, 0, sizeof *from);
}

void flow_ids_cleanup(flow_ids_t *ids)
{
    for (size_t i = 0; i < ids->n; i++)
        spawn_free(ids->spec[i]);
    free(ids->spec);
    store_strv_free(ids->v, ids->n);
    memset(ids, 0, sizeof *ids);
}

/* One transaction's context. The ids it collects are handed to the engine only after the commit; an attempt
 * that the store runs again (a conflict) starts from empty lists. */
typedef struct tx {
    const flow_env_t *env;
    store_tx_t *tx;
    int64_t now;
    flow_ids_t spawn, kill;
    gerr_t *e;
    int depth;
    int result;       /* what a body reports besides success (a start's, FLOW_REFUSED) */
    char note[FLOW_NOTE_LEN]; /* why a start was refused (an ERROR run recorded), for the log */
    int64_t load;     /* the active job runs this node owns, once read (-1 before) */
    int births;       /* job runs this transaction claimed for this node as it created them */
    bool waiting;     /* it left job runs WAITING for any node: tell the others after the commit */
    frozen_t *frozen; /* runs' frozen triggers kept between transactions (the engine's; NULL: read them) */
} tx_t;

typedef int (*body_fn)(tx_t *t, void *arg);

typedef struct attempt {
    tx_t *t;
    body_fn fn;
    void *arg;
} attempt_t;

static int attempt(store_tx_t *stx, void *ctx)
{
    attempt_t *a = ctx;
    tx_t *t = a->t;
    flow_ids_cleanup(&t->spawn);
    flow_ids_cleanup(&t->kill);
    memset(t->e, 0, sizeof *t->e);
    t->tx = stx;
    t->depth = 0;
    t->result = 0;
    t->note[0] = '\0';
    t->load = -1;
    t->births = 0;
    t->waiting = false;
    if (a->fn(t, a->arg) < 0)
        return -1;
    /* the others learn of unclaimed work when this commits (nothing is sent on an unshared store) */
    return t->waiting && store_notify(stx, FLOW_CHANNEL_WORK, "") < 0 ? -1 : 0;
}

static void take_ids(flow_ids_t *into, flow_ids_t *from)
{
    if (into)
        flow_ids_move(into, from);
    flow_ids_cleanup(from);
}

/* Runs one body as one transaction ("commit first, then act"): 0 when it committed, with the ids it
 * collected moved to spawn and kill (either may be NULL); -1 with *e set otherwise, and nothing handed out.
 * *result (may be NULL) gets the body's result. */
static int run(const flow_env_t *env, unsigned flags, int64_t now, const char *what, body_fn fn, void *arg,
               flow_ids_t *spawn, flow_ids_t *kill, int *result, gerr_t *e)
{
    tx_t t = {.env = env, .now = now, .e = e};
    attempt_t a = {&t, fn, arg};
    int rc = store_tx_run(env->store, flags, attempt, &a);
    if (rc == 0) {
        take_ids(spawn, &t.spawn);
        take_ids(kill, &t.kill);
        if (result)
            *result = t.result;
        return 0;
    }
    flow_ids_cleanup(&t.spawn);
    flow_ids_cleanup(&t.kill);
    if (!e->type)
        gerr_store(e, rc < 0 ? rc : STORE_ERROR, what);
    return -1;
}

/* One body of a batch: fn(arg) as its own transaction with flags; what names it in the log when it fails. */
typedef struct item {
    body_fn fn;
    void *arg;
    unsigned flags;
    const char *what;
} item_t;

/* Runs n bodies as n transactions submitted together: on SQLite they share one commit (flushed unless every one
 * is STORE_TX_RELAXED), on PostgreSQL one transaction; each succeeds or fails alone. spawn gets the ids of the
 * ones that committed; results[i] gets each one's result, or -1 when it failed (logged); statuses[i] 0 or the
 * store's failure status. */
static void run_many(const flow_env_t *env, frozen_t *frozen, int64_t now, const item_t *it, size_t n,
                     flow_ids_t *spawn, int *results, int *statuses, char (*notes)[FLOW_NOTE_LEN])
{
    tx_t *t = calloc(n, sizeof *t);
    attempt_t *a = calloc(n, sizeof *a);
    gerr_t *e = calloc(n, sizeof *e);
    store_tx_item_t *items = calloc(n, sizeof *items);
    if (!t || !a || !e || !items) {
        log_error("flow: out of memory recording %zu starts and ends", n);
        for (size_t i = 0; i < n; i++) {
            results[i] = -1;
            statuses[i] = STORE_ERROR;
        }
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        t[i] = (tx_t){.env = env, .now = now, .e = &e[i], .frozen = frozen};
        a[i] = (attempt_t){&t[i], it[i].fn, it[i].arg};
        items[i] = (store_tx_item_t){.fn = attempt, .ctx = &a[i], .flags = it[i].flags};
    }
    store_tx_batch(env->store, items, n);
    for (size_t i = 0; i < n; i++) {
        if (items[i].result == 0) {
            take_ids(spawn, &t[i].spawn);
        } else {
            if (!e[i].type)
                gerr_store(&e[i], items[i].result < 0 ? items[i].result : STORE_ERROR, it[i].what);
            log_error("flow: %s failed: %s", it[i].what, e[i].msg);
        }
        results[i] = items[i].result == 0 ? t[i].result : -1;
        statuses[i] = items[i].result > 0 ? STORE_ERROR : items[i].result;
        if (notes)
            snprintf(notes[i], FLOW_NOTE_LEN, "%s", items[i].result == 0 ? t[i].note : "");
        flow_ids_cleanup(&t[i].spawn);
        flow_ids_cleanup(&t[i].kill);
    }
out:
    free(t);
    free(a);
    free(e);
    free(items);
}

static json_t *load_doc(store_tx_t *tx, const char *kind, const char *name, int *rc)
{
    store_res_t r = {0};
    *rc = store_res_get(tx, kind, name, &r);
    json_t *doc = *rc == 0 ? json_loads(r.doc, 0, NULL) : NULL;
    store_res_cleanup(&r);
    return doc;
}

/* A job's definition, read as load_doc does; the engine's parse of the same text is reused (it is shared: it is
 * not to be changed). */
static json_t *load_job(tx_t *t, const char *name, int *rc)
{
    if (!t->frozen)
        return load_doc(t->tx, "job", name, rc);
    store_res_t r = {0};
    *rc = store_res_get(t->tx, "job", name, &r);
    json_t *doc = *rc == 0 ? frozen_parse(t->frozen, "job", name, r.doc) : NULL;
    store_res_cleanup(&r);
    return doc;
}

/* Adds the map's arguments to args with their keys as the script sees them: "--key". */
static void add_args(json_t *args, json_t *map)
{
    const char *k;
    json_t *v;
    json_object_foreach (map, k, v) {
        if (strncmp(k, "--", 2) == 0) {
            json_object_set(args, k, v);
        } else {
            char *dk = malloc(strlen(k) + 3);
            sprintf(dk, "--%s", k);
            json_object_set(args, dk, v);
            free(dk);
        }
    }
}

/* DefaultArguments, overridden by the call's or the action's, with NonOverridableArguments winning; keys as the
 * script receives them, so that JobRun.Arguments reports exactly that. */
static json_t *merge_args(json_t *job, json_t *given)
{
    json_t *args = json_object();
    add_args(args, json_object_get(job, "DefaultArguments"));
    add_args(args, given);
    add_args(args, json_object_get(job, "NonOverridableArguments"));
    return args;
}

/* The definition fields a JobRun echoes, and the runs whose outcome started it (PredecessorRuns). */
static char *job_detail(json_t *job, json_t *preds)
{
    static const char *const keys[] = {
        "MaxCapacity",       "WorkerType", "NumberOfWorkers", "GlueVersion", "ExecutionClass", "SecurityConfiguration",
        "AllocatedCapacity", NULL};
    json_t *d = json_object();
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(job, keys[i]);
        if (v)
            json_object_set(d, keys[i], v);
    }
    if (preds && json_array_size(preds))
        json_object_set(d, "PredecessorRuns", preds);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return text;
}

static int job_timeout(json_t *job, json_t *action_timeout)
{
    if (action_timeout)
        return (int)json_integer_value(action_timeout);
    json_t *t = json_object_get(job, "Timeout");
    if (t)
        return (int)json_integer_value(t);
    const char *cmd = json_string_value(json_object_get(json_object_get(job, "Command"), "Name"));
    return cmd && strcmp(cmd, "gluestreaming") == 0 ? 0 : DEFAULT_TIMEOUT_MIN;
}

static int node_done(tx_t *t, const char *run_id, const char *type, const char *name);

/* Claims up to limit WAITING job runs for this node: they become STARTING, and go to the engine after the
 * commit. */
static int claim(tx_t *t, int limit)
{
    store_jobrun_t *v = NULL;
    size_t n = 0;
    if (store_jobrun_claim(t->tx, t->env->node, limit, &v, &n) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (v[i].workflow_run_id)
            rc = store_run_node_set(t->tx, v[i].workflow_run_id, "JOB", v[i].job, JR_STARTING, NULL) < 0 ? -1 : 0;
        flow_ids_push(&t->spawn, v[i].id);
    }
    if (t->load >= 0)
        t->load += (int64_t)n;
    t->result += (int)n;
    store_jobrun_list_free(v, n);
    return rc;
}

/* Whether this node takes a job run it is creating: 1 (it becomes STARTING, this node's), 0 (it waits, WAITING,
 * for whichever node claims it first) or -1. A node takes what it creates while it has room under max_jobs;
 * on a shared store only the first of a transaction, so that the rest of a fan-out spreads over the nodes, and
 * none while it shuts down. */
static int take(tx_t *t)
{
    if (store_shared(t->env->store) && (t->births >= 1 || (t->env->stopping && *t->env->stopping)))
        return 0;
    if (t->env->max_jobs > 0) {
        if (t->load < 0 && store_jobrun_count_node(t->tx, t->env->node, &t->load) < 0)
            return -1;
        if (t->load >= t->env->max_jobs)
            return 0;
    }
    if (t->load >= 0)
        t->load++;
    t->births++;
    return 1;
}

/* A ready job run r (not yet inserted) starts here or waits for a node: sets its state and owner. */
static int place(tx_t *t, store_jobrun_t *r)
{
    int rc = take(t);
    if (rc < 0)
        return -1;
    r->state = rc ? JR_STARTING : JR_WAITING;
    r->node = rc ? (char *)t->env->node : NULL;
    if (!rc)
        t->waiting = true;
    return 0;
}

/* The id of a new job run (state as place left it): one whose logs the log pool has made when this node starts
 * it now, else a random one. */
static void job_run_id(tx_t *t, int state, char id[FLOW_JOB_RUN_ID_LEN])
{
    if (state != JR_STARTING || !logpool_take_id(t->env->logs, id, FLOW_JOB_RUN_ID_LEN))
        util_random_id(id, "jr_", 32);
}

/* The process of r is stopped by the node that owns it: this one (the engine gets the id after the commit), or
 * another, told when the transaction commits. */
static int kill_at_owner(tx_t *t, const store_jobrun_t *r)
{
    if (!r->node || strcmp(r->node, t->env->node) == 0) {
        flow_ids_push(&t->kill, r->id);
        return 0;
    }
    return store_notify(t->tx, FLOW_CHANNEL_KILL, r->id) < 0 ? -1 : 0;
}

/* Room was made on this node: on an unshared store, the WAITING job runs it has room for become its own now, in
 * this transaction, oldest first. (Nodes sharing a store claim in transactions of their own: flow_claim.) */
static int claim_next(tx_t *t)
{
    if (store_shared(t->env->store) || t->env->max_jobs <= 0)
        return 0;
    if (store_jobrun_count_node(t->tx, t->env->node, &t->load) < 0)
        return -1;
    if (t->load >= t->env->max_jobs)
        return 0;
    return claim(t, (int)(t->env->max_jobs - t->load));
}

/* Creates the action run that one trigger action asks for (run_id NULL: outside any workflow). A job that no
 * longer exists gives an ERROR run, one at its concurrency limit a FAILED run (SPEC section 6); both count as
 * the node's end at once. */
static int start_action(tx_t *t, const char *workflow, const char *run_id, const char *trigger, json_t *action,
                        json_t *preds)
{
    const char *job = json_string_value(json_object_get(action, "JobName"));
    const char *crawler = json_string_value(json_object_get(action, "CrawlerName"));
    const char *name = job ? job : crawler, *type = job ? "JOB" : "CRAWLER";
    char id[FLOW_JOB_RUN_ID_LEN], msg[512] = "";
    int rc, state = JR_STARTING;
    json_t *def = job ? load_job(t, name, &rc) : load_doc(t->tx, "crawler", name, &rc); /* a crawler's is changed */
    if (rc < 0)
        return -1;
    json_t *args = NULL;
    store_jobrun_t r = {.kind = job ? "job" : "crawl",
                        .job = (char *)name,
                        .trigger_name = (char *)trigger,
                        .workflow = (char *)workflow,
                        .workflow_run_id = (char *)run_id,
                        .started_ms = t->now,
                        .modified_ms = t->now};
    r.id = id;
    if (rc == STORE_NOTFOUND) {
        state = JR_ERROR;
        snprintf(msg, sizeof msg, "%s '%s' does not exist: it was deleted after trigger '%s' was defined",
                 job ? "Job" : "Crawler", name, trigger ? trigger : "");
    } else if (job) {
        int64_t active = 0,
                limit =
                    json_integer_value(json_object_get(json_object_get(def, "ExecutionProperty"), "MaxConcurrentRuns"));
        if (limit > 0 && store_jobrun_count_active(t->tx, "job", job, &active) < 0) /* no limit: no count */
            goto fail;
        if (limit > 0 && active >= limit) {
            state = JR_FAILED;
            snprintf(msg, sizeof msg, "Concurrent runs exceeded for job '%s': %lld running, MaxConcurrentRuns is %lld",
                     job, (long long)active, (long long)limit);
        }
        args = merge_args(def, json_object_get(action, "Arguments"));
        if (run_id) {
            json_object_set_new(args, "--WORKFLOW_NAME", json_string(workflow));
            json_object_set_new(args, "--WORKFLOW_RUN_ID", json_string(run_id));
        }
        r.arguments = codec_map_encode(args);
        r.detail = job_detail(def, preds);
        r.timeout_min = job_timeout(def, json_object_get(action, "Timeout"));
        if (state == JR_STARTING) {
            if (place(t, &r) < 0)
                goto fail;
            state = r.state;
        }
    } else {
        const char *cs = json_string_value(json_object_get(def, "State"));
        if (cs && strcmp(cs, "READY") != 0) {
            state = JR_FAILED;
            snprintf(msg, sizeof msg, "Crawler '%s' is already running", name);
        } else {
            state = JR_RUNNING; /* a crawl runs on the node that starts it */
            r.node = (char *)t->env->node;
            json_object_set_new(def, "State", json_string("RUNNING"));
            char *text = json_dumps(def, JSON_COMPACT);
            rc = store_res_put_doc(t->tx, "crawler", name, text);
            free(text);
            if (rc < 0)
                goto fail;
        }
    }
    r.state = state;
    if (job)
        job_run_id(t, state, id);
    else
        util_random_id(id, "cr_", 32);
    if (!JR_ACTIVE(state)) {
        r.completed_ms = t->now;
        r.error_message = msg;
    }
    if (store_jobrun_insert(t->tx, &r) < 0)
        goto fail;
    if (run_id && store_run_node_set(t->tx, run_id, type, name, state, NULL) < 0)
        goto fail;
    if (JR_ACTIVE(state) && state != JR_WAITING) {
        flow_spawn_t *sp = job ? calloc(1, sizeof *sp) : NULL;
        if (sp && (sp->job = strdup(job))) {
            sp->def = json_incref(def);
            sp->args = json_incref(args);
            sp->timeout_min = r.timeout_min;
        } else {
            free(sp);
            sp = NULL; /* the engine reads the run instead */
        }
        ids_add(&t->spawn, strdup(id), sp);
    }
    free(r.arguments);
    free(r.detail);
    json_decref(args);
    json_decref(def);
    if (!JR_ACTIVE(state) && run_id)
        return node_done(t, run_id, type, name);
    return 0;
fail:
    free(r.arguments);
    free(r.detail);
    json_decref(args);
    json_decref(def);
    return -1;
}

/* The job runs of this run whose outcome a conditional trigger watched: the JobRuns' PredecessorRuns. */
static json_t *predecessors(tx_t *t, const char *run_id, json_t *doc)
{
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get(json_object_get(doc, "Predicate"), "Conditions"), i, c) {
        const char *job = json_string_value(json_object_get(c, "JobName"));
        char *id = NULL;
        if (job && store_jobrun_latest_in_run(t->tx, run_id, "job", job, &id) == 0)
            json_array_append_new(out, json_pack("{ssss}", "JobName", job, "RunId", id));
        free(id);
    }
    return out;
}

/* Fires a frozen trigger of a run once: its actions start. */
static int fire(tx_t *t, const char *workflow, const char *run_id, const char *trigger, json_t *doc)
{
    int rc = store_run_trigger_fire(t->tx, run_id, trigger);
    if (rc <= 0)
        return rc;
    json_t *preds = predecessors(t, run_id, doc);
    size_t i;
    json_t *a;
    rc = 0;
    json_array_foreach (json_object_get(doc, "Actions"), i, a)
        if (rc == 0)
            rc = start_action(t, workflow, run_id, trigger, a, preds);
    json_decref(preds);
    return rc;
}

/* Whether a condition list is met by the nodes' states in this run. */
static int predicate_met(tx_t *t, const char *run_id, json_t *pred, bool *met)
{
    bool any = strcmp(json_string_value(json_object_get(pred, "Logical")) ?: "AND", "ANY") == 0;
    size_t i, matched = 0, n = json_array_size(json_object_get(pred, "Conditions"));
    json_t *c;
    json_array_foreach (json_object_get(pred, "Conditions"), i, c) {
        const char *job = json_string_value(json_object_get(c, "JobName"));
        const char *crawler = json_string_value(json_object_get(c, "CrawlerName"));
        int want = job ? store_jr_state_parse(json_string_value(json_object_get(c, "State")) ?: "")
                       : store_crawl_state_parse(json_string_value(json_object_get(c, "CrawlState")) ?: "");
        int state = -1;
        int rc = store_run_node_state(t->tx, run_id, job ? "JOB" : "CRAWLER", job ? job : crawler, &state);
        if (rc < 0)
            return -1;
        if (rc == 0 && state == want && want >= 0)
            matched++;
    }
    *met = n > 0 && (any ? matched > 0 : matched == n);
    return 0;
}

/* A trigger of a run that watches a node that reached a final state: it fires when it is activated and its
 * predicate is met. */
static int consider(tx_t *t, const char *run_id, const char *trigger, json_t *doc)
{
    const char *state = json_string_value(json_object_get(doc, "State"));
    bool met = false;
    /* as on AWS, a conditional trigger that was never activated does not fire */
    if (state && strcmp(state, "ACTIVATED") == 0 &&
        predicate_met(t, run_id, json_object_get(doc, "Predicate"), &met) < 0)
        return -1;
    return met ? fire(t, json_string_value(json_object_get(doc, "WorkflowName")), run_id, trigger, doc) : 0;
}

/* A node of a RUNNING run reached a final state: the triggers that watch it (and only those) are evaluated. */
static int node_done(tx_t *t, const char *run_id, const char *type, const char *name)
{
    if (++t->depth > FIRE_DEPTH_MAX)
        return gerr_set(t->e, GERR_INTERNAL, "trigger chain in run %s is deeper than %d", run_id, FIRE_DEPTH_MAX);
    /* outside the engine's batches no cache is kept between transactions: one lives for this step (and the
     * steps it leads to) */
    frozen_t *own = NULL, *f = t->frozen ? t->frozen : (t->frozen = own = frozen_new(0));
    if (!f) {
        t->depth--;
        return gerr_set(t->e, GERR_INTERNAL, "out of memory evaluating the triggers of run %s", run_id);
    }
    char *const *names = NULL;
    size_t n = 0;
    int ret = frozen_watchers(f, t->tx, run_id, type, name, &names, &n) < 0 ? -1 : 0;
    for (size_t i = 0; i < n && ret == 0; i++) {
        json_t *doc = NULL;
        if (frozen_trigger(f, t->tx, run_id, names[i], &doc) < 0)
            ret = -1;
        else if (doc)
            ret = consider(t, run_id, names[i], doc);
    }
    if (own) {
        frozen_free(own);
        t->frozen = NULL;
    }
    t->depth--;
    return ret;
}

/* After a change in a run: recount its statistics, and end it when nothing is active any more. */
static int run_settle(tx_t *t, const char *run_id, int status)
{
    int64_t active = 0;
    if (store_run_refresh_stats(t->tx, run_id, &active) < 0)
        return -1;
    if (active > 0)
        return 0;
    if (t->frozen && (status == RUN_RUNNING || status == RUN_STOPPING))
        frozen_forget(t->frozen, run_id); /* it ends: its triggers are not needed again */
    if (status == RUN_RUNNING)
        return store_run_set_status(t->tx, run_id, RUN_COMPLETED, t->now, NULL);
    if (status == RUN_STOPPING)
        return store_run_set_status(t->tx, run_id, RUN_STOPPED, t->now, NULL);
    return 0;
}

/* Freezes a workflow's triggers into a run: trigger docs, action nodes and who watches whom. */
static int snapshot(tx_t *t, const char *run_id, store_res_t *trig, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (store_run_trigger_add(t->tx, run_id, trig[i].name, trig[i].doc, false) < 0)
            return -1;
        json_t *doc = json_loads(trig[i].doc, 0, NULL);
        size_t k;
        json_t *o;
        int rc = 0;
        json_array_foreach (json_object_get(doc, "Actions"), k, o) {
            const char *job = json_string_value(json_object_get(o, "JobName"));
            const char *cr = json_string_value(json_object_get(o, "CrawlerName"));
            if (rc == 0 && (job || cr))
                rc = store_run_node_add(t->tx, run_id, job ? "JOB" : "CRAWLER", job ? job : cr, -1, NULL);
        }
        json_array_foreach (json_object_get(json_object_get(doc, "Predicate"), "Conditions"), k, o) {
            const char *job = json_string_value(json_object_get(o, "JobName"));
            const char *cr = json_string_value(json_object_get(o, "CrawlerName"));
            if (rc == 0 && (job || cr))
                rc = store_run_node_add(t->tx, run_id, job ? "JOB" : "CRAWLER", job ? job : cr, -1, NULL);
            if (rc == 0 && (job || cr))
                rc = store_run_watch_add(t->tx, run_id, job ? "JOB" : "CRAWLER", job ? job : cr, trig[i].name);
        }
        json_decref(doc);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static bool is_start_type(const char *type)
{
    return type && strcmp(type, "CONDITIONAL") != 0;
}

/* Body of flow_start_run inside an open transaction. batch (may be NULL) is the EVENT batch that starts it. */
static int start_run_tx(tx_t *t, const char *workflow, json_t *overlay, bool record_error, const flow_batch_t *batch,
                        char run_id[])
{
    store_workflow_t w = {0};
    store_res_t *trig = NULL;
    size_t n = 0;
    json_t *props = NULL, *start_doc = NULL;
    int ret = -1;
    int rc = store_workflow_get(t->tx, workflow, &w, NULL);
    if (rc != 0) {
        if (rc == STORE_NOTFOUND)
            gerr_set(t->e, GERR_NOT_FOUND, "Workflow '%s' not found", workflow);
        goto out;
    }
    if (store_res_by_workflow(t->tx, "trigger", workflow, &trig, &n) < 0)
        goto out;
    const char *start_name = NULL;
    for (size_t i = 0; i < n && !start_doc; i++) {
        json_t *d = json_loads(trig[i].doc, 0, NULL);
        if (is_start_type(json_string_value(json_object_get(d, "Type")))) {
            start_doc = d;
            start_name = trig[i].name;
        } else {
            json_decref(d);
        }
    }
    if (!start_doc) {
        gerr_set(t->e, GERR_INVALID_INPUT,
                 "Workflow '%s' has no start trigger: create an ON_DEMAND, SCHEDULED or EVENT trigger with "
                 "WorkflowName '%s' first",
                 workflow, workflow);
        goto out;
    }
    props = codec_map_decode(w.default_props);
    if (overlay)
        json_object_update(props, overlay);
    if (batch) { /* the batch's events, as AWS names them: a JSON array of the ids, as a string */
        char *ids = json_dumps(batch->event_ids, JSON_COMPACT);
        json_object_set_new(props, "aws:eventIds", json_string(ids ? ids : "[]"));
        free(ids);
    }
    if (codec_props_check(props, "RunProperties", t->e) < 0)
        goto out;
    util_random_id(run_id, "wr_", 32);
    store_run_t run = {.run_id = run_id,
                       .workflow = (char *)workflow,
                       .status = RUN_RUNNING,
                       .started_ms = t->now,
                       .batch_size = batch ? batch->size : 0,
                       .batch_window = batch ? batch->window : 0};
    if (w.has_max_runs) {
        int64_t active = 0;
        if (store_run_count_active(t->tx, workflow, &active) < 0)
            goto out;
        if (active >= w.max_runs) {
            if (!record_error) {
                gerr_set(
                    t->e, GERR_CONCURRENT_RUNS,
                    "Concurrent runs exceeded for workflow: %s. %lld runs are active and MaxConcurrentRuns is %lld",
                    workflow, (long long)active, (long long)w.max_runs);
                goto out;
            }
            char msg[400];
            snprintf(msg, sizeof msg, "Concurrent runs exceeded for workflow: %s.", workflow);
            t->result = FLOW_REFUSED;
            snprintf(t->note, sizeof t->note, "%.400s %lld runs are active and MaxConcurrentRuns is %lld", msg,
                     (long long)active, (long long)w.max_runs);
            run.status = RUN_ERROR;
            run.error_message = msg;
            run.completed_ms = t->now;
            run.props = codec_map_encode(props);
            rc = store_run_insert(t->tx, &run);
            free(run.props);
            ret = rc;
            goto out;
        }
    }
    run.props = codec_map_encode(props);
    rc = store_run_insert(t->tx, &run);
    free(run.props);
    if (rc < 0 || snapshot(t, run_id, trig, n) < 0)
        goto out;
    if (fire(t, workflow, run_id, start_name, start_doc) < 0 || run_settle(t, run_id, RUN_RUNNING) < 0)
        goto out;
    ret = 0;
out:
    json_decref(props);
    json_decref(start_doc);
    store_res_list_free(trig, n);
    store_workflow_cleanup(&w);
    return ret;
}

typedef struct start_args {
    const char *workflow;
    json_t *overlay;
    bool record_error;
    char *run_id;
} start_args_t;

static int start_run_body(tx_t *t, void *arg)
{
    start_args_t *a = arg;
    return start_run_tx(t, a->workflow, a->overlay, a->record_error, NULL, a->run_id);
}

int flow_start_run(const flow_env_t *env, const char *workflow, json_t *overlay, bool record_error, int64_t now,
                   char run_id[FLOW_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e)
{
    start_args_t a = {workflow, overlay, record_error, run_id};
    return run(env, 0, now, "starting a workflow run", start_run_body, &a, spawn, NULL, NULL, e);
}

/* Loads a run that must be in `status` for `verb` (e.g. "stopped"): EntityNotFound or IllegalWorkflowState. */
static int load_run_in(tx_t *t, const char *workflow, const char *run_id, int status, const char *verb,
                       store_run_t *run)
{
    int rc = store_run_get(t->tx, workflow, run_id, run);
    if (rc == STORE_NOTFOUND)
        return gerr_set(t->e, GERR_NOT_FOUND, "Workflow run '%s' not found in workflow '%s'", run_id, workflow);
    if (rc != 0)
        return -1;
    if (run->status != status)
        return gerr_set(t->e, GERR_ILLEGAL_STATE, "Workflow run '%s' is %s; only a %s run can be %s", run_id,
                        store_run_status_name(run->status), store_run_status_name(status), verb);
    return 0;
}

static int stop_run_tx(tx_t *t, const char *workflow, const char *run_id)
{
    store_run_t run = {0};
    store_jobrun_t *v = NULL;
    size_t n = 0;
    int ret = -1;
    if (load_run_in(t, workflow, run_id, RUN_RUNNING, "stopped", &run) < 0)
        goto out;
    if (store_run_set_status(t->tx, run_id, RUN_STOPPING, 0, NULL) < 0 ||
        store_jobrun_list_active(t->tx, run_id, &v, &n) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        store_jobrun_t *r = &v[i];
        const char *type = strcmp(r->kind, "job") == 0 ? "JOB" : "CRAWLER";
        /* not started yet: it never will; running: its node stops it and records STOPPED */
        r->state = r->pid == 0 && (r->state == JR_STARTING || r->state == JR_WAITING) ? JR_STOPPED : JR_STOPPING;
        r->modified_ms = t->now;
        if (r->state == JR_STOPPED)
            r->completed_ms = t->now;
        else if (kill_at_owner(t, r) < 0)
            goto out;
        if (store_jobrun_update(t->tx, r) < 0 || store_run_node_set(t->tx, run_id, type, r->job, r->state, NULL) < 0)
            goto out;
    }
    if (claim_next(t) < 0)
        goto out;
    ret = run_settle(t, run_id, RUN_STOPPING);
out:
    store_jobrun_list_free(v, n);
    store_run_cleanup(&run);
    return ret;
}

typedef struct run_key {
    const char *workflow, *run_id;
} run_key_t;

static int stop_run_body(tx_t *t, void *arg)
{
    run_key_t *k = arg;
    return stop_run_tx(t, k->workflow, k->run_id);
}

int flow_stop_run(const flow_env_t *env, const char *workflow, const char *run_id, int64_t now, flow_ids_t *kill,
                  gerr_t *e)
{
    run_key_t k = {workflow, run_id};
    return run(env, 0, now, "stopping a workflow run", stop_run_body, &k, NULL, kill, NULL, e);
}

/* A retry for a FAILED or TIMEOUT job run under MaxRetries: a new run with Attempt + 1. 1 if created. */
static int maybe_retry(tx_t *t, store_jobrun_t *r)
{
    if (strcmp(r->kind, "job") != 0 || (r->state != JR_FAILED && r->state != JR_TIMEOUT))
        return 0;
    int rc;
    json_t *def = load_doc(t->tx, "job", r->job, &rc);
    if (rc < 0)
        return -1;
    int64_t retries = json_integer_value(json_object_get(def, "MaxRetries"));
    json_decref(def);
    if (rc != 0 || r->attempt >= retries)
        return 0;
    char id[FLOW_JOB_RUN_ID_LEN];
    store_jobrun_t n = *r;
    n.id = id;
    n.attempt = r->attempt + 1;
    n.previous_run_id = r->id;
    n.started_ms = n.modified_ms = t->now;
    n.completed_ms = 0;
    n.pid = 0;
    n.error_message = NULL;
    if (place(t, &n) < 0)
        return -1;
    job_run_id(t, n.state, id);
    if (store_jobrun_insert(t->tx, &n) < 0)
        return -1;
    if (r->workflow_run_id && store_run_node_set(t->tx, r->workflow_run_id, "JOB", r->job, n.state, NULL) < 0)
        return -1;
    if (n.state == JR_STARTING)
        flow_ids_push(&t->spawn, id);
    return 1;
}

/* A crawl ended: the crawler is READY again and remembers its last crawl. */
static int crawler_settle(tx_t *t, store_jobrun_t *r)
{
    int rc;
    json_t *def = load_doc(t->tx, "crawler", r->job, &rc);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    json_object_set_new(def, "State", json_string("READY"));
    json_t *last = json_pack("{ss}", "Status",
                             r->state == JR_SUCCEEDED ? "SUCCEEDED"
                             : r->state == JR_STOPPED ? "CANCELLED"
                                                      : "FAILED");
    if (r->error_message)
        json_object_set_new(last, "ErrorMessage", json_string(r->error_message));
    json_object_set_new(last, "LogGroup", json_string("/aws-glue/crawlers"));
    json_object_set_new(last, "LogStream", json_string(r->job));
    json_object_set_new(last, "MessagePrefix", json_string(r->id));
    json_object_set_new(last, "StartTime", codec_timestamp(r->started_ms));
    json_object_set_new(def, "LastCrawl", last);
    json_object_set_new(def, "CrawlElapsedTime", json_integer(0)); /* only a running crawler has elapsed time */
    char *text = json_dumps(def, JSON_COMPACT);
    rc = store_res_put_doc(t->tx, "crawler", r->job, text);
    free(text);
    json_decref(def);
    return rc;
}

/* Standalone conditional triggers (no workflow) watching a standalone job or crawl that just ended. */
int flow_trigger_watch(store_tx_t *tx, const char *trigger, json_t *doc)
{
    const char *type = json_string_value(json_object_get(doc, "Type"));
    json_t *conds = json_object_get(json_object_get(doc, "Predicate"), "Conditions");
    bool standalone = !json_object_get(doc, "WorkflowName") && type && strcmp(type, "CONDITIONAL") == 0;
    size_t n = standalone ? json_array_size(conds) : 0, k = 0, i;
    const char **types = calloc(n + 1, sizeof *types), **names = calloc(n + 1, sizeof *names);
    if (!types || !names) {
        free(types);
        free(names);
        return -1;
    }
    json_t *c;
    json_array_foreach (standalone ? conds : NULL, i, c) {
        const char *job = json_string_value(json_object_get(c, "JobName"));
        const char *cr = json_string_value(json_object_get(c, "CrawlerName"));
        if (job || cr) {
            types[k] = job ? "JOB" : "CRAWLER";
            names[k++] = job ? job : cr;
        }
    }
    int rc = store_trigger_watch_set(tx, trigger, types, names, k);
    free(types);
    free(names);
    return rc < 0 ? -1 : 0;
}

static int fill_body(tx_t *t, void *arg)
{
    (void)arg;
    store_res_t *trig = NULL;
    size_t n = 0;
    if (store_res_list(t->tx, "trigger", NULL, 0, &trig, &n) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *doc = json_loads(trig[i].doc, 0, NULL);
        if (doc)
            rc = flow_trigger_watch(t->tx, trig[i].name, doc);
        json_decref(doc);
    }
    store_res_list_free(trig, n);
    return rc;
}

int flow_trigger_watch_fill(const flow_env_t *env, gerr_t *e)
{
    return run(env, 0, util_now_ms(), "indexing the standalone triggers", fill_body, NULL, NULL, NULL, NULL, e);
}

/* Standalone conditional triggers (no workflow) watching a standalone job or crawl that just ended: found in
 * trigger_watch, never by reading every trigger. */
static int standalone_watchers(tx_t *t, store_jobrun_t *r)
{
    bool is_job = strcmp(r->kind, "job") == 0;
    char **names = NULL;
    size_t n = 0;
    if (store_trigger_watchers(t->tx, is_job ? "JOB" : "CRAWLER", r->job, &names, &n) < 0)
        return -1;
    int ret = 0;
    for (size_t i = 0; i < n && ret == 0; i++) {
        int rc;
        json_t *doc = load_doc(t->tx, "trigger", names[i], &rc);
        if (rc < 0) {
            ret = -1;
            break;
        }
        const char *type = json_string_value(json_object_get(doc, "Type"));
        const char *state = json_string_value(json_object_get(doc, "State"));
        json_t *pred = json_object_get(doc, "Predicate");
        if (!doc || json_object_get(doc, "WorkflowName") || !type || strcmp(type, "CONDITIONAL") != 0 || !state ||
            strcmp(state, "ACTIVATED") != 0) {
            json_decref(doc);
            continue;
        }
        bool any = strcmp(json_string_value(json_object_get(pred, "Logical")) ?: "AND", "ANY") == 0;
        size_t k, matched = 0, total = json_array_size(json_object_get(pred, "Conditions"));
        bool mine = false;
        json_t *c, *preds = json_array(); /* the job runs that met a condition: the started runs' PredecessorRuns */
        json_array_foreach (json_object_get(pred, "Conditions"), k, c) {
            const char *job = json_string_value(json_object_get(c, "JobName"));
            const char *cr = json_string_value(json_object_get(c, "CrawlerName"));
            const char *name = job ? job : cr;
            int want = job ? store_jr_state_parse(json_string_value(json_object_get(c, "State")) ?: "")
                           : store_crawl_state_parse(json_string_value(json_object_get(c, "CrawlState")) ?: "");
            store_jobrun_t *last = NULL;
            size_t ln = 0;
            if (!name || store_jobrun_list_job(t->tx, job ? "job" : "crawl", name, 0, 1, &last, &ln) < 0) {
                ret = name ? -1 : 0;
                store_jobrun_list_free(last, ln);
                if (ret < 0)
                    break;
                continue;
            }
            bool hit = ln == 1 && last[0].state == want && !last[0].workflow_run_id;
            if (hit)
                matched++;
            if (hit && job)
                json_array_append_new(preds, json_pack("{ssss}", "JobName", job, "RunId", last[0].id));
            if (hit && is_job == !!job && strcmp(name, r->job) == 0)
                mine = true;
            store_jobrun_list_free(last, ln);
        }
        if (ret == 0 && mine && total > 0 && (any ? matched > 0 : matched == total)) {
            json_array_foreach (json_object_get(doc, "Actions"), k, c)
                if (ret == 0)
                    ret = start_action(t, NULL, NULL, names[i], c, preds);
        }
        json_decref(preds);
        json_decref(doc);
    }
    store_strv_free(names, n);
    return ret;
}

/* started_at: when the process started, if that was not recorded (0: it was, or there was no process). */
static int action_done_tx(tx_t *t, const char *id, int state, const char *error, int64_t started_at)
{
    store_jobrun_t r = {0};
    store_run_t run = {0};
    int ret = -1;
    int rc = store_jobrun_get(t->tx, id, &r);
    if (rc != 0) {
        ret = rc == STORE_NOTFOUND ? 0 : -1;
        goto out;
    }
    if (!JR_ACTIVE(r.state)) {
        ret = 0; /* already final: a late report (stop racing an exit) changes nothing */
        goto out;
    }
    /* a run being stopped ends STOPPED whatever the process said on its way out */
    if (r.state == JR_STOPPING && state != JR_SUCCEEDED)
        state = JR_STOPPED;
    r.state = state;
    if (started_at && r.pid == 0 && r.kind && strcmp(r.kind, "job") == 0)
        r.started_ms = started_at; /* StartedOn is when the process started */
    r.completed_ms = r.modified_ms = t->now;
    r.pid = 0;
    free(r.error_message);
    r.error_message = error ? strdup(error) : NULL;
    if (store_jobrun_update(t->tx, &r) < 0)
        goto out;
    bool is_job = strcmp(r.kind, "job") == 0;
    if (!is_job && crawler_settle(t, &r) < 0)
        goto out;
    if (r.workflow_run_id) {
        rc = store_run_get(t->tx, r.workflow, r.workflow_run_id, &run);
        if (rc < 0)
            goto out;
        bool running = rc == 0 && run.status == RUN_RUNNING;
        rc = running ? maybe_retry(t, &r) : 0;
        if (rc < 0)
            goto out;
        if (rc == 0) {
            if (store_run_node_set(t->tx, r.workflow_run_id, is_job ? "JOB" : "CRAWLER", r.job, state, NULL) < 0)
                goto out;
            if (running && node_done(t, r.workflow_run_id, is_job ? "JOB" : "CRAWLER", r.job) < 0)
                goto out;
        }
        if (run.run_id && run_settle(t, r.workflow_run_id, run.status) < 0)
            goto out;
    } else {
        rc = maybe_retry(t, &r);
        if (rc < 0 || (rc == 0 && standalone_watchers(t, &r) < 0))
            goto out;
    }
    if (claim_next(t) < 0)
        goto out;
    ret = 0;
out:
    store_jobrun_cleanup(&r);
    store_run_cleanup(&run);
    return ret;
}

static int action_end_body(tx_t *t, void *arg)
{
    flow_end_t *x = arg;
    if (x->has_logs &&
        store_joblog_put(t->tx, x->id, x->out, x->outlen, x->out_size, x->err, x->errlen, x->err_size) < 0)
        return -1;
    return action_done_tx(t, x->id, x->state, x->error, x->started_at);
}

static int action_start_body(tx_t *t, void *arg)
{
    flow_start_t *x = arg;
    store_jobrun_t r = {0};
    int rc = store_jobrun_get(t->tx, x->id, &r);
    if (rc != 0) {
        store_jobrun_cleanup(&r);
        return rc == STORE_NOTFOUND ? 0 : -1;
    }
    int ret = 0;
    bool ours = !r.node || strcmp(r.node, t->env->node) == 0; /* not reassigned while it was starting */
    if (ours && (r.state == JR_STARTING || r.state == JR_RUNNING)) {
        r.state = JR_RUNNING;
        r.pid = x->pid;
        r.started_ms = r.modified_ms = x->at; /* StartedOn is when the process started */
        ret = store_jobrun_update(t->tx, &r) < 0 ? -1 : 1;
        if (ret == 1 && r.workflow_run_id &&
            store_run_node_set(t->tx, r.workflow_run_id, strcmp(r.kind, "job") == 0 ? "JOB" : "CRAWLER", r.job,
                               JR_RUNNING, NULL) < 0)
            ret = -1;
    }
    store_jobrun_cleanup(&r);
    if (ret < 0)
        return -1;
    t->result = ret;
    return 0;
}

void flow_actions_record(const flow_env_t *env, frozen_t *frozen, flow_start_t *starts, size_t nstarts,
                         flow_end_t *ends, size_t nends, int64_t now, flow_ids_t *spawn)
{
    if (frozen)
        frozen_trim(frozen); /* between transactions: no entry is in use */
    size_t n = nstarts + nends;
    item_t *it = calloc(n ? n : 1, sizeof *it);
    int *results = calloc(n ? n : 1, sizeof *results), *statuses = calloc(n ? n : 1, sizeof *statuses);
    if (!it || !results || !statuses) {
        log_error("flow: out of memory recording %zu job run starts and %zu ends", nstarts, nends);
        for (size_t i = 0; i < nstarts; i++)
            starts[i].result = -1;
        for (size_t i = 0; i < nends; i++)
            ends[i].status = STORE_ERROR;
        goto out;
    }
    /* the starts first: an end in the same batch may be the end of a run whose start is recorded here */
    for (size_t i = 0; i < nstarts; i++)
        it[i] = (item_t){action_start_body, &starts[i], STORE_TX_RELAXED, "recording the start of a job run"};
    for (size_t i = 0; i < nends; i++)
        it[nstarts + i] = (item_t){action_end_body, &ends[i], 0, "recording the end of a job run"};
    run_many(env, frozen, now, it, n, spawn, results, statuses, NULL);
    for (size_t i = 0; i < nstarts; i++)
        starts[i].result = results[i];
    for (size_t i = 0; i < nends; i++)
        ends[i].status = statuses[nstarts + i];
out:
    free(it);
    free(results);
    free(statuses);
}

static int fire_trigger_tx(tx_t *t, const char *trigger, bool scheduled, char run_id[])
{
    int rc;
    json_t *doc = load_doc(t->tx, "trigger", trigger, &rc);
    if (rc == STORE_NOTFOUND)
        gerr_set(t->e, GERR_NOT_FOUND, "Trigger '%s' not found", trigger);
    if (rc != 0)
        return -1;
    const char *workflow = json_string_value(json_object_get(doc, "WorkflowName"));
    int ret = 0;
    if (run_id)
        run_id[0] = '\0';
    if (workflow) {
        char tmp[FLOW_RUN_ID_LEN];
        ret = start_run_tx(t, workflow, NULL, scheduled, NULL, run_id ? run_id : tmp);
    } else {
        size_t i;
        json_t *a;
        json_array_foreach (json_object_get(doc, "Actions"), i, a)
            if (ret == 0)
                ret = start_action(t, NULL, NULL, trigger, a, NULL);
    }
    json_decref(doc);
    return ret;
}

typedef struct fire_args {
    const char *trigger;
    bool scheduled;
    char *run_id;
} fire_args_t;

static int fire_trigger_body(tx_t *t, void *arg)
{
    fire_args_t *a = arg;
    return fire_trigger_tx(t, a->trigger, a->scheduled, a->run_id);
}

int flow_fire_on_demand(const flow_env_t *env, const char *trigger, int64_t now, char run_id[FLOW_RUN_ID_LEN],
                        flow_ids_t *spawn, gerr_t *e)
{
    fire_args_t a = {trigger, false, run_id};
    return run(env, 0, now, "firing a trigger", fire_trigger_body, &a, spawn, NULL, NULL, e);
}

/* A schedule's fire: claimed by (kind, name, fire time) in the transaction that does its work. */
typedef struct sched_fire {
    const char *kind, *name;
    int64_t fire_s;
} sched_fire_t;

static int start_crawl_tx(tx_t *t, const char *crawler);

/* Whether the schedule is still on: the trigger ACTIVATED, the crawler's schedule SCHEDULED. */
static int schedule_on(tx_t *t, const sched_fire_t *f)
{
    int rc;
    json_t *doc = load_doc(t->tx, f->kind, f->name, &rc);
    if (rc < 0)
        return -1;
    const char *state = json_string_value(
        json_object_get(strcmp(f->kind, "trigger") == 0 ? doc : json_object_get(doc, "Schedule"), "State"));
    bool on = state && strcmp(state, strcmp(f->kind, "trigger") == 0 ? "ACTIVATED" : "SCHEDULED") == 0;
    json_decref(doc);
    return on;
}

static int fire_schedule_body(tx_t *t, void *arg)
{
    sched_fire_t *f = arg;
    int on = schedule_on(t, f);
    if (on <= 0) {
        t->result = FLOW_NOT_ACTIVE;
        return on;
    }
    int rc = store_fire_claim(t->tx, f->kind, f->name, f->fire_s, t->now);
    if (rc == STORE_EXISTS) {
        t->result = FLOW_ALREADY_FIRED;
        return 0;
    }
    if (rc != STORE_OK)
        return -1;
    t->result = FLOW_FIRED;
    if (strcmp(f->kind, "trigger") == 0)
        return fire_trigger_tx(t, f->name, true, NULL);
    return start_crawl_tx(t, f->name);
}

void flow_fire_schedules(const flow_env_t *env, flow_fire_t *fires, size_t n, int64_t now, flow_ids_t *spawn)
{
    item_t *it = calloc(n ? n : 1, sizeof *it);
    sched_fire_t *sf = calloc(n ? n : 1, sizeof *sf);
    int *results = calloc(n ? n : 1, sizeof *results), *statuses = calloc(n ? n : 1, sizeof *statuses);
    char(*notes)[FLOW_NOTE_LEN] = calloc(n ? n : 1, sizeof *notes);
    char(*whats)[FLOW_NOTE_LEN] = calloc(n ? n : 1, sizeof *whats);
    if (!it || !sf || !results || !statuses || !notes || !whats) {
        log_error("flow: out of memory firing %zu schedules", n);
        for (size_t i = 0; i < n; i++)
            fires[i].outcome = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sf[i] = (sched_fire_t){fires[i].kind, fires[i].name, fires[i].fire_s};
        snprintf(whats[i], sizeof whats[i], "firing the schedule of %s '%s'", fires[i].kind, fires[i].name);
        it[i] = (item_t){fire_schedule_body, &sf[i], 0, whats[i]};
    }
    run_many(env, NULL, now, it, n, spawn, results, statuses, notes);
    for (size_t i = 0; i < n; i++) {
        fires[i].outcome = results[i];
        snprintf(fires[i].note, sizeof fires[i].note, "%s", notes[i]);
    }
out:
    free(it);
    free(sf);
    free(results);
    free(statuses);
    free(notes);
    free(whats);
}

int flow_start_batch_in(const flow_env_t *env, store_tx_t *tx, int64_t now, const char *workflow,
                        const flow_batch_t *batch, flow_ids_t *spawn, int *outcome, char *note, size_t notelen,
                        gerr_t *e)
{
    tx_t t = {.env = env, .tx = tx, .now = now, .e = e, .load = -1};
    char run_id[FLOW_RUN_ID_LEN];
    int rc = start_run_tx(&t, workflow, NULL, true, batch, run_id);
    if (rc == 0 && t.waiting && store_notify(tx, FLOW_CHANNEL_WORK, "") < 0)
        rc = -1;
    if (rc == 0) {
        take_ids(spawn, &t.spawn);
        *outcome = t.result == FLOW_REFUSED ? FLOW_REFUSED : FLOW_FIRED;
        if (note && notelen)
            snprintf(note, notelen, "%s", t.note);
    } else {
        flow_ids_cleanup(&t.spawn);
    }
    flow_ids_cleanup(&t.kill);
    return rc < 0 ? -1 : rc;
}

static int start_job_run_tx(tx_t *t, const char *job, const char *retry_of, json_t *given, int64_t timeout_min,
                            char id[])
{
    int rc;
    json_t *def = load_doc(t->tx, "job", job, &rc);
    if (rc == STORE_NOTFOUND)
        gerr_set(t->e, GERR_NOT_FOUND, "Job '%s' not found", job);
    if (rc != 0)
        return -1;
    int ret = -1;
    store_jobrun_t prev = {0};
    json_t *args = merge_args(def, given);
    int64_t active = 0,
            limit = json_integer_value(json_object_get(json_object_get(def, "ExecutionProperty"), "MaxConcurrentRuns"));
    if (limit > 0 && store_jobrun_count_active(t->tx, "job", job, &active) < 0)
        goto out;
    if (limit > 0 && active >= limit) {
        gerr_set(t->e, GERR_CONCURRENT_RUNS,
                 "Concurrent runs exceeded for job '%s': %lld running and ExecutionProperty.MaxConcurrentRuns is %lld",
                 job, (long long)active, (long long)limit);
        goto out;
    }
    store_jobrun_t r = {
        .kind = "job", .job = (char *)job, .state = JR_STARTING, .started_ms = t->now, .modified_ms = t->now};
    if (retry_of) {
        rc = store_jobrun_get(t->tx, retry_of, &prev);
        if (rc < 0)
            goto out;
        if (rc == STORE_NOTFOUND || strcmp(prev.job, job) != 0) {
            gerr_set(t->e, GERR_NOT_FOUND, "Job run '%s' of job '%s' not found (JobRunId names the run to retry)",
                     retry_of, job);
            goto out;
        }
        r.previous_run_id = prev.id;
        r.attempt = prev.attempt + 1;
    }
    r.id = id;
    r.arguments = codec_map_encode(args);
    r.detail = job_detail(def, NULL);
    json_t *to = timeout_min > 0 ? json_integer(timeout_min) : NULL;
    r.timeout_min = job_timeout(def, to);
    json_decref(to);
    rc = place(t, &r);
    if (rc == 0) {
        job_run_id(t, r.state, id);
        rc = store_jobrun_insert(t->tx, &r);
    }
    free(r.arguments);
    free(r.detail);
    if (rc < 0)
        goto out;
    if (r.state == JR_STARTING)
        flow_ids_push(&t->spawn, id);
    ret = 0;
out:
    store_jobrun_cleanup(&prev);
    json_decref(args);
    json_decref(def);
    return ret;
}

typedef struct job_args {
    const char *job, *retry_of;
    json_t *args;
    int64_t timeout_min;
    char *id;
} job_args_t;

static int start_job_run_body(tx_t *t, void *arg)
{
    job_args_t *a = arg;
    return start_job_run_tx(t, a->job, a->retry_of, a->args, a->timeout_min, a->id);
}

int flow_start_job_run(const flow_env_t *env, const char *job, const char *retry_of, json_t *args, int64_t timeout_min,
                       int64_t now, char id[FLOW_JOB_RUN_ID_LEN], flow_ids_t *spawn, gerr_t *e)
{
    job_args_t a = {job, retry_of, args, timeout_min, id};
    return run(env, 0, now, "starting a job run", start_job_run_body, &a, spawn, NULL, NULL, e);
}

static int stop_job_run_tx(tx_t *t, const char *job, const char *id)
{
    store_jobrun_t r = {0};
    int rc = store_jobrun_get(t->tx, id, &r);
    int ret = -1;
    if (rc == 0 && (strcmp(r.job, job) != 0 || strcmp(r.kind, "job") != 0))
        rc = STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND)
        gerr_set(t->e, GERR_NOT_FOUND, "Job run '%s' of job '%s' not found", id, job);
    if (rc != 0)
        goto out;
    if (!JR_ACTIVE(r.state)) {
        gerr_set(t->e, GERR_INVALID_INPUT, "Job run '%s' has already ended (%s)", id, store_jr_state_name(r.state));
        goto out;
    }
    if ((r.state == JR_STARTING || r.state == JR_WAITING) && r.pid == 0) {
        store_jobrun_cleanup(&r);
        return action_done_tx(t, id, JR_STOPPED, NULL, 0);
    }
    r.state = JR_STOPPING;
    r.modified_ms = t->now;
    if (store_jobrun_update(t->tx, &r) < 0)
        goto out;
    if (r.workflow_run_id && store_run_node_set(t->tx, r.workflow_run_id, "JOB", r.job, JR_STOPPING, NULL) < 0)
        goto out;
    if (kill_at_owner(t, &r) < 0)
        goto out;
    ret = 0;
out:
    store_jobrun_cleanup(&r);
    return ret;
}

static int stop_job_run_body(tx_t *t, void *arg)
{
    job_args_t *a = arg;
    return stop_job_run_tx(t, a->job, a->id);
}

int flow_stop_job_run(const flow_env_t *env, const char *job, const char *id, int64_t now, flow_ids_t *kill,
                      flow_ids_t *spawn, gerr_t *e)
{
    job_args_t a = {job, NULL, NULL, 0, (char *)id};
    return run(env, 0, now, "stopping a job run", stop_job_run_body, &a, spawn, kill, NULL, e);
}

static int start_crawl_tx(tx_t *t, const char *crawler)
{
    json_t *a = json_pack("{ss}", "CrawlerName", crawler);
    int rc;
    json_t *def = load_doc(t->tx, "crawler", crawler, &rc);
    json_decref(def);
    if (rc == STORE_NOTFOUND)
        gerr_set(t->e, GERR_NOT_FOUND, "Crawler '%s' not found", crawler);
    int ret = rc == 0 ? start_action(t, NULL, NULL, NULL, a, NULL) : -1;
    json_decref(a);
    return ret;
}

static int start_crawl_body(tx_t *t, void *arg)
{
    return start_crawl_tx(t, arg);
}

int flow_start_crawl(const flow_env_t *env, const char *crawler, int64_t now, flow_ids_t *spawn, gerr_t *e)
{
    return run(env, 0, now, "starting a crawl", start_crawl_body, (void *)crawler, spawn, NULL, NULL, e);
}

/* ---- resume ---- */

/* The frozen graph of a run, in memory for the walk. */
typedef struct rgraph {
    char **tnames, **tdocs;
    int *fired;
    size_t nt;
    json_t **docs; /* parsed tdocs */
} rgraph_t;

static void rgraph_free(rgraph_t *g)
{
    for (size_t i = 0; i < g->nt; i++)
        json_decref(g->docs ? g->docs[i] : NULL);
    free(g->docs);
    store_strv_free(g->tnames, g->nt);
    store_strv_free(g->tdocs, g->nt);
    free(g->fired);
}

/* "JOB\nname" keys for node sets. */
static void node_key(char *out, size_t n, const char *type, const char *name)
{
    snprintf(out, n, "%s\n%s", type, name);
}

static bool names_node(json_t *o, const char *type, const char *name)
{
    const char *v = json_string_value(json_object_get(o, strcmp(type, "JOB") == 0 ? "JobName" : "CrawlerName"));
    return v && strcmp(v, name) == 0;
}

/* Everything downstream of (type, name): triggers that watch it, the nodes they start, and so on. Adds node
 * keys to nodes and trigger names to trigs. */
static void downstream(rgraph_t *g, const char *type, const char *name, json_t *nodes, json_t *trigs)
{
    for (size_t i = 0; i < g->nt; i++) {
        if (json_object_get(trigs, g->tnames[i]))
            continue;
        bool watches = false;
        size_t k;
        json_t *c;
        json_array_foreach (json_object_get(json_object_get(g->docs[i], "Predicate"), "Conditions"), k, c)
            watches |= names_node(c, type, name);
        if (!watches)
            continue;
        json_object_set_new(trigs, g->tnames[i], json_true());
        json_array_foreach (json_object_get(g->docs[i], "Actions"), k, c) {
            const char *job = json_string_value(json_object_get(c, "JobName"));
            const char *cr = json_string_value(json_object_get(c, "CrawlerName"));
            const char *t2 = job ? "JOB" : "CRAWLER", *n2 = job ? job : cr;
            char key[600];
            if (!n2)
                continue;
            node_key(key, sizeof key, t2, n2);
            if (json_object_get(nodes, key))
                continue;
            json_object_set_new(nodes, key, json_true());
            downstream(g, t2, n2, nodes, trigs);
        }
    }
}

static int resume_tx(tx_t *t, const uint8_t secret[32], const char *workflow, const char *run_id, json_t *ids,
                     char new_id[], json_t **restarted)
{
    store_run_t run = {0};
    store_workflow_t w = {0};
    store_node_t *nodes = NULL;
    size_t nn = 0;
    rgraph_t g = {0};
    json_t *chosen = json_array(), *down = json_object(), *dtrig = json_object(), *roots = json_array();
    int ret = -1;
    int rc;
    if (load_run_in(t, workflow, run_id, RUN_COMPLETED, "resumed", &run) < 0)
        goto out;
    if (store_workflow_get(t->tx, workflow, &w, NULL) != 0 || store_run_nodes(t->tx, run_id, &nodes, &nn) < 0 ||
        store_run_triggers(t->tx, run_id, &g.tnames, &g.tdocs, &g.fired, &g.nt) < 0)
        goto out;
    g.docs = calloc(g.nt + 1, sizeof *g.docs);
    for (size_t i = 0; i < g.nt; i++)
        g.docs[i] = json_loads(g.tdocs[i], 0, NULL);
    /* each NodeId must be a job or crawler node of this run that had a run attempt */
    size_t i;
    json_t *it;
    json_array_foreach (ids, i, it) {
        const char *want = json_string_value(it);
        char id[NODEID_LEN];
        ssize_t hit = -1;
        for (size_t k = 0; k < nn && hit < 0; k++) {
            nodeid_make(secret, workflow, nodes[k].type, nodes[k].name, id);
            if (strcmp(id, want) == 0)
                hit = (ssize_t)k;
        }
        if (hit < 0) {
            for (size_t k = 0; k < g.nt; k++) {
                nodeid_make(secret, workflow, "TRIGGER", g.tnames[k], id);
                if (strcmp(id, want) == 0) {
                    gerr_set(t->e, GERR_INVALID_INPUT,
                             "NodeIds[%zu] '%s' is trigger '%s'; only job and crawler nodes can be resumed", i, want,
                             g.tnames[k]);
                    goto out;
                }
            }
            gerr_set(t->e, GERR_INVALID_INPUT, "NodeIds[%zu] '%.100s' is not a node of workflow run '%s'", i, want,
                     run_id);
            goto out;
        }
        if (nodes[hit].state < 0) {
            gerr_set(t->e, GERR_INVALID_INPUT,
                     "NodeIds[%zu] is %s '%s', which did not run in workflow run '%s'; only nodes that ran can be "
                     "resumed",
                     i, strcmp(nodes[hit].type, "JOB") == 0 ? "job" : "crawler", nodes[hit].name, run_id);
            goto out;
        }
        json_array_append_new(chosen, json_integer(hit));
    }
    /* everything downstream of the chosen nodes runs again; a chosen node downstream of another is redundant */
    json_array_foreach (chosen, i, it) {
        store_node_t *nd = &nodes[json_integer_value(it)];
        downstream(&g, nd->type, nd->name, down, dtrig);
    }
    json_array_foreach (chosen, i, it) {
        store_node_t *nd = &nodes[json_integer_value(it)];
        char key[600];
        node_key(key, sizeof key, nd->type, nd->name);
        if (!json_object_get(down, key)) {
            bool dup = false;
            size_t k;
            json_t *r;
            json_array_foreach (roots, k, r)
                dup |= json_integer_value(r) == json_integer_value(it);
            if (!dup)
                json_array_append(roots, it);
        }
    }
    if (w.has_max_runs) {
        int64_t active = 0;
        if (store_run_count_active(t->tx, workflow, &active) < 0)
            goto out;
        if (active >= w.max_runs) {
            gerr_set(t->e, GERR_CONCURRENT_RUNS,
                     "Concurrent runs exceeded for workflow: %s. %lld runs are active and MaxConcurrentRuns is %lld",
                     workflow, (long long)active, (long long)w.max_runs);
            goto out;
        }
    }
    util_random_id(new_id, "wr_", 32);
    store_run_t nr = {.run_id = new_id,
                      .workflow = (char *)workflow,
                      .previous_run_id = (char *)run_id,
                      .status = RUN_RUNNING,
                      .started_ms = t->now,
                      .props = run.props};
    if (store_run_insert(t->tx, &nr) < 0)
        goto out;
    for (size_t k = 0; k < g.nt; k++) {
        bool refire = json_object_get(dtrig, g.tnames[k]) != NULL;
        if (store_run_trigger_add(t->tx, new_id, g.tnames[k], g.tdocs[k], refire ? false : g.fired[k]) < 0)
            goto out;
        size_t m;
        json_t *c;
        json_array_foreach (json_object_get(json_object_get(g.docs[k], "Predicate"), "Conditions"), m, c) {
            const char *job = json_string_value(json_object_get(c, "JobName"));
            const char *cr = json_string_value(json_object_get(c, "CrawlerName"));
            if ((job || cr) &&
                store_run_watch_add(t->tx, new_id, job ? "JOB" : "CRAWLER", job ? job : cr, g.tnames[k]) < 0)
                goto out;
        }
    }
    for (size_t k = 0; k < nn; k++) {
        char key[600];
        node_key(key, sizeof key, nodes[k].type, nodes[k].name);
        bool rerun = json_object_get(down, key) != NULL;
        json_array_foreach (roots, i, it)
            rerun |= (size_t)json_integer_value(it) == k;
        /* nodes not run again keep their result, and point at the run whose job runs show it */
        const char *src = rerun ? NULL : nodes[k].state < 0 ? NULL : nodes[k].source_run_id ?: run_id;
        if (store_run_node_add(t->tx, new_id, nodes[k].type, nodes[k].name, rerun ? -1 : nodes[k].state, src) < 0)
            goto out;
    }
    *restarted = json_array();
    json_array_foreach (roots, i, it) {
        store_node_t *nd = &nodes[json_integer_value(it)];
        char id[NODEID_LEN];
        nodeid_make(secret, workflow, nd->type, nd->name, id);
        json_array_append_new(*restarted, json_string(id));
        /* started again as the trigger that started it did, with that action's arguments */
        json_t *action = NULL, *by_doc = NULL;
        const char *by = NULL;
        for (size_t k = 0; k < g.nt && !action; k++) {
            size_t m;
            json_t *a;
            json_array_foreach (json_object_get(g.docs[k], "Actions"), m, a)
                if (!action && names_node(a, nd->type, nd->name)) {
                    action = a;
                    by = g.tnames[k];
                    by_doc = g.docs[k];
                }
        }
        json_t *fallback = NULL;
        if (!action)
            action = fallback = json_pack("{ss}", strcmp(nd->type, "JOB") == 0 ? "JobName" : "CrawlerName", nd->name);
        /* a conditional trigger's: the job runs its conditions watched, as this run shows them (copied ones too) */
        json_t *preds = by_doc && json_object_get(by_doc, "Predicate") ? predecessors(t, new_id, by_doc) : NULL;
        rc = start_action(t, workflow, new_id, by, action, preds);
        json_decref(preds);
        json_decref(fallback);
        if (rc < 0)
            goto out;
    }
    ret = run_settle(t, new_id, RUN_RUNNING);
out:
    if (ret < 0 && *restarted) {
        json_decref(*restarted);
        *restarted = NULL;
    }
    json_decref(chosen);
    json_decref(down);
    json_decref(dtrig);
    json_decref(roots);
    rgraph_free(&g);
    store_node_list_free(nodes, nn);
    store_workflow_cleanup(&w);
    store_run_cleanup(&run);
    return ret;
}

typedef struct resume_args {
    const uint8_t *secret;
    const char *workflow, *run_id;
    json_t *node_ids;
    char *new_run_id;
    json_t **restarted;
} resume_args_t;

static int resume_body(tx_t *t, void *arg)
{
    resume_args_t *a = arg;
    json_decref(*a->restarted); /* from an attempt that the store ran again */
    *a->restarted = NULL;
    return resume_tx(t, a->secret, a->workflow, a->run_id, a->node_ids, a->new_run_id, a->restarted);
}

int flow_resume_run(const flow_env_t *env, const uint8_t secret[32], const char *workflow, const char *run_id,
                    json_t *node_ids, int64_t now, char new_run_id[FLOW_RUN_ID_LEN], json_t **restarted,
                    flow_ids_t *spawn, gerr_t *e)
{
    *restarted = NULL;
    resume_args_t a = {secret, workflow, run_id, node_ids, new_run_id, restarted};
    int rc = run(env, 0, now, "resuming a workflow run", resume_body, &a, spawn, NULL, NULL, e);
    if (rc < 0) {
        json_decref(*restarted);
        *restarted = NULL;
    }
    return rc;
}

static int stop_crawl_tx(tx_t *t, const char *crawler)
{
    int rc;
    json_t *def = load_doc(t->tx, "crawler", crawler, &rc);
    if (rc == STORE_NOTFOUND)
        gerr_set(t->e, GERR_NOT_FOUND, "Crawler '%s' not found", crawler);
    if (rc != 0)
        return -1;
    const char *state = json_string_value(json_object_get(def, "State"));
    int ret = -1;
    store_jobrun_t *v = NULL;
    size_t n = 0;
    if (!state || strcmp(state, "READY") == 0) {
        gerr_set(t->e, GERR_CRAWLER_NOT_RUNNING, "Crawler '%s' is not running", crawler);
        goto out;
    }
    if (strcmp(state, "STOPPING") == 0) {
        gerr_set(t->e, GERR_CRAWLER_STOPPING, "Crawler '%s' is already stopping", crawler);
        goto out;
    }
    json_object_set_new(def, "State", json_string("STOPPING"));
    char *text = json_dumps(def, JSON_COMPACT);
    rc = store_res_put_doc(t->tx, "crawler", crawler, text);
    free(text);
    if (rc < 0 || store_jobrun_list_job(t->tx, "crawl", crawler, 0, 1, &v, &n) < 0)
        goto out;
    if (n == 1 && JR_ACTIVE(v[0].state)) {
        v[0].state = JR_STOPPING;
        v[0].modified_ms = t->now;
        if (store_jobrun_update(t->tx, &v[0]) < 0)
            goto out;
        if (v[0].workflow_run_id &&
            store_run_node_set(t->tx, v[0].workflow_run_id, "CRAWLER", crawler, JR_STOPPING, NULL) < 0)
            goto out;
    }
    ret = 0;
out:
    store_jobrun_list_free(v, n);
    json_decref(def);
    return ret;
}

static int stop_crawl_body(tx_t *t, void *arg)
{
    return stop_crawl_tx(t, arg);
}

int flow_stop_crawl(const flow_env_t *env, const char *crawler, int64_t now, gerr_t *e)
{
    return run(env, 0, now, "stopping a crawl", stop_crawl_body, (void *)crawler, NULL, NULL, NULL, e);
}

/* ---- nodes ---- */

static int claim_body(tx_t *t, void *arg)
{
    int limit = *(int *)arg;
    if (t->env->max_jobs > 0) {
        if (store_jobrun_count_node(t->tx, t->env->node, &t->load) < 0)
            return -1;
        if (t->load >= t->env->max_jobs)
            return 0;
        if (limit > t->env->max_jobs - t->load)
            limit = (int)(t->env->max_jobs - t->load);
    }
    return claim(t, limit);
}

int flow_claim(const flow_env_t *env, int limit, int64_t now, flow_ids_t *spawn, gerr_t *e)
{
    int claimed = 0;
    if (run(env, 0, now, "claiming job runs", claim_body, &limit, spawn, NULL, &claimed, e) < 0)
        return -1;
    return claimed;
}

typedef struct orphan_args {
    const char *id;
    int64_t lease_now;
} orphan_args_t;

static int orphan_body(tx_t *t, void *arg)
{
    orphan_args_t *a = arg;
    store_jobrun_t r = {0};
    int rc = store_jobrun_get(t->tx, a->id, &r);
    bool alive = true;
    if (rc == 0 && JR_ACTIVE(r.state) && r.node)
        rc = store_node_alive(t->tx, r.node, a->lease_now, &alive);
    if (rc != 0 || !JR_ACTIVE(r.state) || !r.node || alive) { /* gone, ended, or its node came back */
        store_jobrun_cleanup(&r);
        return rc < 0 ? -1 : 0;
    }
    /* Even a run that is still STARTING may have a process: its node may have spawned it without recording
     * that yet. Its outcome is unknown like any other's; starting it again under the same id could run it
     * twice. It ends FAILED, and MaxRetries makes a new attempt elsewhere. */
    t->result = 1;
    char msg[600];
    snprintf(msg, sizeof msg,
             "glued node '%.200s', which ran this %s, stopped renewing its lease; its outcome is unknown", r.node,
             strcmp(r.kind, "job") == 0 ? "job run" : "crawl");
    int state = r.state == JR_STOPPING ? JR_STOPPED : JR_FAILED;
    store_jobrun_cleanup(&r);
    return action_done_tx(t, a->id, state, msg, 0);
}

int flow_orphan(const flow_env_t *env, const char *id, int64_t lease_now, int64_t now, flow_ids_t *spawn, gerr_t *e)
{
    orphan_args_t a = {id, lease_now};
    int taken = 0;
    if (run(env, 0, now, "taking over a job run of a dead node", orphan_body, &a, spawn, NULL, &taken, e) < 0)
        return -1;
    return taken;
}
