/* The default event bus (see bus.h). Reading order: workflow ARNs, the EVENT trigger of a workflow, closing full
 * batches, delivery, closing batches whose window passed. Log lines a transaction wants are kept and written
 * after its commit, so a transaction the store runs again does not log twice. */
#include "engine/bus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/pattern.h"
#include "store/events.h"
#include "util/metrics.h"
#include "util/util.h"

#define NOTES_MAX 16 /* log lines kept by one transaction; past that, one line says how many were left out */

typedef struct notes {
    char line[NOTES_MAX][512];
    size_t n, dropped;
} notes_t;

static void note(notes_t *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(notes_t *ns, const char *fmt, ...)
{
    if (ns->n >= NOTES_MAX) {
        ns->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ns->line[ns->n++], sizeof ns->line[0], fmt, ap);
    va_end(ap);
}

static void notes_flush(const notes_t *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        log_info("%s", ns->line[i]);
    if (ns->dropped)
        log_info("events: %zu more lines like the above were left out", ns->dropped);
}

int bus_workflow_arn(const char *arn, char *region, char *account, char *name)
{
    /* arn:aws:glue:<region>:<account>:workflow/<name>; the partition may be aws-cn, aws-us-gov, ... */
    const char *p = arn;
    if (!arn || strncmp(p, "arn:aws", 7) != 0)
        return -1;
    p = strchr(p + 4, ':');
    if (!p || strncmp(p, ":glue:", 6) != 0)
        return -1;
    p += 6;
    const char *r_end = strchr(p, ':');
    if (!r_end || r_end == p || r_end - p >= 256)
        return -1;
    const char *a = r_end + 1, *a_end = strchr(a, ':');
    if (!a_end || a_end - a != 12)
        return -1;
    for (const char *q = a; q < a_end; q++)
        if (*q < '0' || *q > '9')
            return -1;
    const char *w = a_end + 1;
    if (strncmp(w, "workflow/", 9) != 0 || w[9] == '\0' || strlen(w + 9) >= 256)
        return -1;
    if (region) {
        memcpy(region, p, (size_t)(r_end - p));
        region[r_end - p] = '\0';
    }
    if (account) {
        memcpy(account, a, 12);
        account[12] = '\0';
    }
    if (name)
        strcpy(name, w + 9);
    return 0;
}

/* The workflow's start trigger when it is an EVENT trigger: 1 with its name and document (new), 0 when the
 * workflow has none, or a store failure. */
static int event_trigger(store_tx_t *tx, const char *workflow, char **name, json_t **doc)
{
    store_res_t *v = NULL;
    size_t n = 0;
    int rc = store_res_by_workflow(tx, "trigger", workflow, &v, &n);
    if (rc < 0)
        return rc;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        json_t *d = json_loads(v[i].doc, 0, NULL);
        const char *type = json_string_value(json_object_get(d, "Type"));
        if (type && strcmp(type, "EVENT") == 0) {
            *name = strdup(v[i].name);
            *doc = d;
            found = 1;
        } else {
            json_decref(d);
        }
    }
    store_res_list_free(v, n);
    return found;
}

static int64_t batch_size(json_t *trig)
{
    int64_t n = json_integer_value(json_object_get(json_object_get(trig, "EventBatchingCondition"), "BatchSize"));
    return n > 0 ? n : 1;
}

static int64_t batch_window(json_t *trig)
{
    int64_t w = json_integer_value(json_object_get(json_object_get(trig, "EventBatchingCondition"), "BatchWindow"));
    return w > 0 ? w : BUS_WINDOW_DEFAULT;
}

/* Whether the EVENT trigger takes events now. */
static bool activated(json_t *trig)
{
    const char *state = json_string_value(json_object_get(trig, "State"));
    return state && strcmp(state, "ACTIVATED") == 0;
}

/* Starts a run for the oldest `count` waiting events of a workflow and removes them from the wait. */
static int start_batch(const flow_env_t *env, store_tx_t *tx, int64_t now, const char *workflow, const char *trigger,
                       int64_t count, int64_t size, int64_t window, flow_ids_t *spawn, notes_t *ns, gerr_t *e)
{
    char **ids = NULL;
    size_t n = 0;
    int64_t first = 0;
    int rc = store_event_waiting(tx, workflow, (int)count, &ids, &n, &first);
    if (rc < 0)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(ids[i]));
    flow_batch_t b = {arr, size, window};
    int outcome = 0;
    char why[400] = "";
    rc = flow_start_batch_in(env, tx, now, workflow, &b, spawn, &outcome, why, sizeof why, e);
    if (rc == 0)
        rc = store_event_take(tx, workflow, (int64_t)n);
    if (rc == 0 && outcome == FLOW_REFUSED)
        note(ns, "events: trigger '%s' did not start a run of workflow '%s' for a batch of %zu events (%s): %s",
             trigger, workflow, n, size ? "BatchSize reached" : "BatchWindow passed", why);
    else if (rc == 0)
        note(ns, "events: trigger '%s' started a run of workflow '%s' for a batch of %zu events (%s)", trigger,
             workflow, n, size ? "BatchSize reached" : "BatchWindow passed");
    json_decref(arr);
    store_strv_free(ids, n);
    return rc;
}

/* ---- delivery ---- */

typedef struct deliver_ctx {
    const flow_env_t *env;
    json_t *const *events;
    size_t n;
    int64_t now;
    flow_ids_t spawn;
    size_t delivered, dropped, unmatched; /* deliveries into batches; to no ACTIVATED EVENT trigger; events no
                                             rule matched */
    const char *mark_key;
    int64_t mark;
    notes_t notes;
    gerr_t *e;
} deliver_ctx_t;

/* One event into a workflow's EVENT trigger; a batch that reaches BatchSize closes at once. */
static int deliver_one(deliver_ctx_t *c, store_tx_t *tx, const char *workflow, const char *event_id, const char *rule)
{
    char *trigger = NULL;
    json_t *doc = NULL;
    int rc = event_trigger(tx, workflow, &trigger, &doc);
    if (rc <= 0) {
        if (rc == 0) { /* the rare case: the read that says why is worth it */
            store_workflow_t w = {0};
            int wrc = store_workflow_get(tx, workflow, &w, NULL);
            store_workflow_cleanup(&w);
            if (wrc < 0 && wrc != STORE_NOTFOUND)
                return wrc;
            c->dropped++;
            note(&c->notes, "events: event %s matched rule '%s', but workflow '%s' %s; dropped", event_id, rule,
                 workflow, wrc == STORE_NOTFOUND ? "does not exist" : "has no EVENT trigger");
        }
        return rc;
    }
    if (!activated(doc)) {
        const char *state = json_string_value(json_object_get(doc, "State"));
        c->dropped++;
        note(&c->notes,
             "events: event %s matched rule '%s', but trigger '%s' of workflow '%s' is %s, not ACTIVATED; "
             "dropped",
             event_id, rule, trigger, workflow, state ? state : "in no state");
        goto out;
    }
    if ((rc = store_event_wait(tx, workflow, trigger, event_id, c->now)) < 0)
        goto out;
    c->delivered++;
    int64_t size = batch_size(doc);
    /* a smaller BatchSize set while events waited can close several batches at once; each takes `size` events */
    for (int i = 0; i < 100 && rc == 0; i++) {
        char **ids = NULL;
        size_t n = 0;
        if ((rc = store_event_waiting(tx, workflow, (int)size, &ids, &n, NULL)) < 0)
            break;
        store_strv_free(ids, n);
        if ((int64_t)n < size)
            break;
        rc = start_batch(c->env, tx, c->now, workflow, trigger, size, size, 0, &c->spawn, &c->notes, c->e);
    }
out:
    free(trigger);
    json_decref(doc);
    return rc;
}

static int deliver_tx(store_tx_t *tx, void *arg)
{
    deliver_ctx_t *c = arg;
    flow_ids_cleanup(&c->spawn);
    c->delivered = c->dropped = c->unmatched = 0;
    c->notes.n = c->notes.dropped = 0;
    memset(c->e, 0, sizeof *c->e);
    store_route_t *routes = NULL;
    size_t nr = 0;
    int rc = store_routes(tx, BUS_DEFAULT, &routes, &nr);
    if (rc < 0)
        return rc;
    /* routes come in rule order: each rule's pattern is compiled once */
    evpat_t **pat = calloc(nr ? nr : 1, sizeof *pat);
    for (size_t i = 0; i < nr; i++) {
        if (i > 0 && strcmp(routes[i].rule, routes[i - 1].rule) == 0) {
            pat[i] = pat[i - 1];
            continue;
        }
        if (evpat_compile(routes[i].pattern, strlen(routes[i].pattern), &pat[i], NULL, 0) < 0)
            pat[i] = NULL; /* PutRule checked it; a pattern stored by an older glued that no longer compiles */
    }
    for (size_t k = 0; k < c->n && rc >= 0; k++) {
        const char *id = json_string_value(json_object_get(c->events[k], "id"));
        bool hit = false, any = false;
        for (size_t i = 0; i < nr && rc >= 0; i++) {
            if (i == 0 || strcmp(routes[i].rule, routes[i - 1].rule) != 0)
                hit = pat[i] && evpat_match(pat[i], c->events[k]);
            if (!hit)
                continue;
            any = true;
            char name[256];
            if (bus_workflow_arn(routes[i].arn, NULL, NULL, name) < 0)
                continue; /* PutTargets takes workflow ARNs only */
            rc = deliver_one(c, tx, name, id ? id : "", routes[i].rule);
        }
        if (!any)
            c->unmatched++;
    }
    for (size_t i = 0; i < nr; i++)
        if (i == 0 || pat[i] != pat[i - 1])
            evpat_free(pat[i]);
    free(pat);
    store_route_list_free(routes, nr);
    if (rc >= 0 && c->mark_key)
        rc = store_mark_raise(tx, c->mark_key, c->mark);
    return rc < 0 ? rc : 0;
}

int bus_deliver(const flow_env_t *env, json_t *const *events, size_t n, int64_t now, const char *mark_key, int64_t mark,
                flow_ids_t *spawn, size_t *delivered, gerr_t *e)
{
    deliver_ctx_t *c = calloc(1, sizeof *c); /* notes make it large */
    if (!c)
        return gerr_set(e, GERR_INTERNAL, "out of memory delivering events");
    c->env = env;
    c->events = events;
    c->n = n;
    c->now = now;
    c->mark_key = mark_key;
    c->mark = mark;
    c->e = e;
    int rc = store_tx_run(env->store, 0, deliver_tx, c);
    if (rc == 0) {
        flow_ids_move(spawn, &c->spawn);
        if (delivered)
            *delivered = c->delivered;
        notes_flush(&c->notes);
        metrics_event_delivered("delivered", c->delivered);
        metrics_event_delivered("dropped", c->dropped);
        metrics_event_delivered("unmatched", c->unmatched);
    } else if (!e->type) {
        gerr_store(e, rc < 0 ? rc : STORE_ERROR, "delivering events");
    }
    flow_ids_cleanup(&c->spawn);
    free(c);
    return rc == 0 ? 0 : -1;
}

/* ---- windows ---- */

typedef struct window_ctx {
    const flow_env_t *env;
    const char *workflow;
    int64_t now;
    flow_ids_t spawn;
    notes_t notes;
    gerr_t *e;
} window_ctx_t;

/* Closes one workflow's batch if its window has passed (checked again inside the transaction: another node may
 * have closed it). A trigger that is gone, or no longer an ACTIVATED EVENT trigger, drops its waiting events. */
static int window_tx(store_tx_t *tx, void *arg)
{
    window_ctx_t *c = arg;
    flow_ids_cleanup(&c->spawn);
    c->notes.n = c->notes.dropped = 0;
    memset(c->e, 0, sizeof *c->e);
    char **ids = NULL, *trigger = NULL;
    size_t n = 0;
    int64_t first = 0;
    json_t *doc = NULL;
    int rc = store_event_waiting(tx, c->workflow, 0, &ids, &n, &first);
    store_strv_free(ids, n);
    if (rc < 0 || n == 0)
        return rc < 0 ? rc : 0;
    rc = event_trigger(tx, c->workflow, &trigger, &doc);
    if (rc < 0)
        return rc;
    bool active = rc && activated(doc), passed = first + batch_window(doc) * 1000 <= c->now;
    int64_t size = batch_size(doc);
    rc = 0;
    if (!active && passed) {
        note(&c->notes, "events: %zu events waiting for workflow '%s' dropped: it has no ACTIVATED EVENT trigger now",
             n, c->workflow);
        rc = store_event_take(tx, c->workflow, (int64_t)n);
    } else if (active && (int64_t)n >= size) { /* UpdateTrigger lowered BatchSize to what waits */
        rc = start_batch(c->env, tx, c->now, c->workflow, trigger, size, size, 0, &c->spawn, &c->notes, c->e);
    } else if (active && passed) { /* fewer than BatchSize */
        rc = start_batch(c->env, tx, c->now, c->workflow, trigger, (int64_t)n, 0, batch_window(doc), &c->spawn,
                         &c->notes, c->e);
    }
    free(trigger);
    json_decref(doc);
    return rc < 0 ? rc : 0;
}

int bus_close_windows(const flow_env_t *env, int64_t now, flow_ids_t *spawn, int64_t *next_ms, gerr_t *e)
{
    store_batch_t *b = NULL;
    size_t n = 0;
    int64_t next = -1;
    store_tx_t *rd = store_read(env->store);
    int rc = store_event_batches(rd, &b, &n);
    if (rc < 0) {
        if (next_ms)
            *next_ms = -1;
        return gerr_store(e, rc, "reading the events waiting in batches");
    }
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        store_res_t t = {0};
        int64_t window = BUS_WINDOW_DEFAULT, size = 0;
        if (store_res_get(store_read(env->store), "trigger", b[i].trigger, &t) == STORE_OK) {
            json_t *doc = json_loads(t.doc, 0, NULL);
            window = batch_window(doc);
            size = activated(doc) ? batch_size(doc) : 0; /* else only the window drops */
            json_decref(doc);
        }
        store_res_cleanup(&t);
        int64_t due = b[i].first_ms + window * 1000;
        bool full = size > 0 && b[i].count >= size; /* its trigger's BatchSize was lowered since they came */
        if (due > now && !full) {
            next = next < 0 || due < next ? due : next;
            continue;
        }
        if (full)
            next = now; /* what is left after this batch is looked at again at once */
        window_ctx_t *c = calloc(1, sizeof *c);
        if (!c) {
            ret = gerr_set(e, GERR_INTERNAL, "out of memory closing a batch");
            break;
        }
        c->env = env;
        c->workflow = b[i].workflow;
        c->now = now;
        c->e = e;
        rc = store_tx_run(env->store, 0, window_tx, c);
        if (rc == 0) {
            flow_ids_move(spawn, &c->spawn);
            notes_flush(&c->notes);
        } else {
            if (!e->type)
                gerr_store(e, rc < 0 ? rc : STORE_ERROR, "closing a batch of events");
            log_error("events: closing the batch of workflow '%s' failed: %s", b[i].workflow, e->msg);
            ret = -1;
            next = next < 0 || now + 1000 < next ? now + 1000 : next; /* try again soon */
        }
        flow_ids_cleanup(&c->spawn);
        free(c);
    }
    store_batch_list_free(b, n);
    if (next_ms)
        *next_ms = next;
    return ret;
}
