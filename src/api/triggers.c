/* CreateTrigger, UpdateTrigger, GetTrigger, GetTriggers, ListTriggers, BatchGetTriggers, DeleteTrigger,
 * StartTrigger, StopTrigger. A trigger is stored as its Trigger structure. The rules here are SPEC section 4's,
 * each with a message that says which member broke which rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resources.h"
#include "engine/engine.h"
#include "engine/cron.h"
#include "model/codec.h"
#include "model/shape.h"
#include "model/validate.h"

#define TRIGGER_ACTIONS_MAX 50
#define TRIGGER_PAGE_MAX    200
#define TRIGGER_BATCH_MAX   1000
#define ACTION_TIMEOUT_MAX  10080

static json_t *trigger_json(const store_res_t *r)
{
    return res_doc_json(r, NULL, NULL);
}

static int must_exist(api_req_t *rq, const char *kind, const char *label, const char *name, const char *where,
                      gerr_t *e)
{
    store_res_t r = {0};
    int rc = store_res_get(api_db(rq), kind, name, &r);
    store_res_cleanup(&r);
    if (rc < 0)
        return gerr_store(e, rc, "reading a definition");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "%s '%s' named in %s not found", label, name, where);
    return rc;
}

/* Glue's cron: parsed by the engine's cron module, at most every 5 minutes. */
int api_check_schedule(const char *expr, const char *what, gerr_t *e)
{
    cron_t c;
    char err[CRON_ERR_LEN];
    if (cron_parse(&c, expr, err, sizeof err) < 0)
        return gerr_set(e, GERR_INVALID_INPUT, "%s is not a valid schedule: %s", what, err);
    if (cron_too_frequent(&c, err, sizeof err))
        return gerr_set(e, GERR_INVALID_INPUT, "%s fires too often: %s", what, err);
    return 0;
}

static int check_actions(api_req_t *rq, json_t *actions, const char *path, gerr_t *e)
{
    size_t n = json_array_size(actions);
    if (n < 1 || n > TRIGGER_ACTIONS_MAX)
        return gerr_set(e, GERR_INVALID_INPUT, "%sActions must hold 1 to %d actions (got %zu)", path,
                        TRIGGER_ACTIONS_MAX, n);
    size_t i;
    json_t *a;
    char where[96];
    json_array_foreach (actions, i, a) {
        snprintf(where, sizeof where, "%sActions[%zu]", path, i);
        const char *job = json_string_value(json_object_get(a, "JobName"));
        const char *crawler = json_string_value(json_object_get(a, "CrawlerName"));
        if (!!job == !!crawler)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must name exactly one of JobName or CrawlerName", where);
        snprintf(where, sizeof where, "%sActions[%zu].Arguments", path, i);
        if (val_no_reserved_args(json_object_get(a, "Arguments"), where, e) < 0)
            return -1;
        snprintf(where, sizeof where, "%sActions[%zu]", path, i);
        json_t *t = json_object_get(a, "Timeout");
        if (t && json_integer_value(t) > ACTION_TIMEOUT_MAX)
            return gerr_set(e, GERR_INVALID_INPUT, "%s.Timeout must be 1 to %d minutes (got %lld)", where,
                            ACTION_TIMEOUT_MAX, (long long)json_integer_value(t));
        if (job && must_exist(rq, "job", "Job", job, where, e) != 0)
            return -1;
        if (crawler && must_exist(rq, "crawler", "Crawler", crawler, where, e) != 0)
            return -1;
    }
    return 0;
}

static int check_predicate(api_req_t *rq, json_t *pred, json_t *actions, const char *path, gerr_t *e)
{
    static const char *const job_states[] = {"SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT", NULL};
    static const char *const crawl_states[] = {"SUCCEEDED", "FAILED", "CANCELLED", NULL};
    json_t *conds = json_object_get(pred, "Conditions");
    size_t n = json_array_size(conds);
    if (n == 0)
        return gerr_set(e, GERR_INVALID_INPUT,
                        "%sPredicate.Conditions must hold at least one condition for a CONDITIONAL trigger", path);
    if (n > 1 && !json_object_get(pred, "Logical"))
        return gerr_set(e, GERR_INVALID_INPUT,
                        "%sPredicate.Logical is required (AND or ANY) when there are %zu conditions", path, n);
    if (!json_object_get(pred, "Logical"))
        json_object_set_new(pred, "Logical", json_string("AND"));
    size_t i;
    json_t *c;
    char where[128];
    json_array_foreach (conds, i, c) {
        snprintf(where, sizeof where, "%sPredicate.Conditions[%zu]", path, i);
        if (!json_object_get(c, "LogicalOperator"))
            return gerr_set(e, GERR_INVALID_INPUT, "%s.LogicalOperator is required and must be EQUALS", where);
        const char *job = json_string_value(json_object_get(c, "JobName"));
        const char *crawler = json_string_value(json_object_get(c, "CrawlerName"));
        const char *state = json_string_value(json_object_get(c, "State"));
        const char *cstate = json_string_value(json_object_get(c, "CrawlState"));
        if (!!job == !!crawler)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must watch exactly one of JobName or CrawlerName", where);
        const char *const *allowed = job ? job_states : crawl_states;
        const char *have = job ? state : cstate, *field = job ? "State" : "CrawlState";
        if ((job && cstate) || (crawler && state))
            return gerr_set(e, GERR_INVALID_INPUT, "%s: a %s condition takes %s, not %s", where,
                            job ? "job" : "crawler", field, job ? "CrawlState" : "State");
        if (!have)
            return gerr_set(e, GERR_INVALID_INPUT, "%s.%s is required: the %s state to wait for", where, field,
                            job ? "job run" : "crawl");
        bool ok = false;
        for (size_t k = 0; allowed[k]; k++)
            ok |= strcmp(have, allowed[k]) == 0;
        if (!ok)
            return gerr_set(e, GERR_INVALID_INPUT, "%s.%s must be %s (got '%s')", where, field,
                            job ? "SUCCEEDED, STOPPED, FAILED or TIMEOUT" : "SUCCEEDED, FAILED or CANCELLED", have);
        if (must_exist(rq, job ? "job" : "crawler", job ? "Job" : "Crawler", job ? job : crawler, where, e) != 0)
            return -1;
        size_t k;
        json_t *a;
        json_array_foreach (actions, k, a) {
            const char *aj = json_string_value(json_object_get(a, job ? "JobName" : "CrawlerName"));
            if (aj && strcmp(aj, job ? job : crawler) == 0)
                return gerr_set(e, GERR_INVALID_INPUT,
                                "%s '%s' cannot be both watched by %s and started by %sActions[%zu] of the same "
                                "conditional trigger",
                                job ? "Job" : "Crawler", aj, where, path, k);
        }
    }
    return 0;
}

/* The rules of one trigger definition (doc is a Trigger structure; path prefixes member names). */
static int trigger_rules(api_req_t *rq, json_t *doc, const char *type, const char *path, gerr_t *e)
{
    json_t *actions = json_object_get(doc, "Actions");
    if (!actions)
        return gerr_set(e, GERR_INVALID_INPUT, "%sActions is required: a trigger must start something", path);
    if (check_actions(rq, actions, path, e) < 0)
        return -1;
    const char *sched = json_string_value(json_object_get(doc, "Schedule"));
    char what[64];
    snprintf(what, sizeof what, "%sSchedule", path);
    if (strcmp(type, "SCHEDULED") == 0) {
        if (!sched)
            return gerr_set(e, GERR_INVALID_INPUT,
                            "%sSchedule is required for a SCHEDULED trigger, e.g. "
                            "cron(15 12 * * ? *)",
                            path);
        if (api_check_schedule(sched, what, e) < 0)
            return -1;
    } else if (sched) {
        return gerr_set(e, GERR_INVALID_INPUT, "%sSchedule is only for SCHEDULED triggers (this one is %s)", path,
                        type);
    }
    json_t *pred = json_object_get(doc, "Predicate");
    if (strcmp(type, "CONDITIONAL") == 0) {
        if (!pred)
            return gerr_set(e, GERR_INVALID_INPUT, "%sPredicate is required for a CONDITIONAL trigger", path);
        if (check_predicate(rq, pred, actions, path, e) < 0)
            return -1;
    } else if (pred) {
        return gerr_set(e, GERR_INVALID_INPUT, "%sPredicate is only for CONDITIONAL triggers (this one is %s)", path,
                        type);
    }
    json_t *batch = json_object_get(doc, "EventBatchingCondition");
    if (batch && strcmp(type, "EVENT") != 0)
        return gerr_set(e, GERR_INVALID_INPUT, "%sEventBatchingCondition is only for EVENT triggers (this one is %s)",
                        path, type);
    if (batch && !json_object_get(batch, "BatchWindow"))
        json_object_set_new(batch, "BatchWindow", json_integer(900));
    return 0;
}

/* Inside CreateTrigger's write transaction: the workflow exists and keeps a single start trigger. */
typedef struct create_check {
    const char *workflow, *type, *name;
    json_t *doc;
} create_check_t;

static int check_membership(api_req_t *rq, void *arg, gerr_t *e)
{
    create_check_t *c = arg;
    /* a duplicate name is AlreadyExists whatever else is wrong, so re-runnable setup scripts can rely on it */
    store_res_t same = {0};
    int rc0 = store_res_get(api_db(rq), "trigger", c->name, &same);
    store_res_cleanup(&same);
    if (rc0 < 0)
        return gerr_store(e, rc0, "reading a trigger");
    if (rc0 == 0)
        return gerr_set(e, GERR_EXISTS, "Trigger '%s' already exists", c->name);
    if (!c->workflow) /* a standalone trigger: what it watches is indexed with it */
        return flow_trigger_watch(api_db(rq), c->name, c->doc) < 0 ? gerr_store(e, STORE_ERROR, "indexing a trigger")
                                                                   : 0;
    store_workflow_t w = {0};
    int rc = store_workflow_get(api_db(rq), c->workflow, &w, NULL);
    store_workflow_cleanup(&w);
    if (rc < 0)
        return gerr_store(e, rc, "reading a workflow");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Workflow '%s' named in WorkflowName not found", c->workflow);
    if (strcmp(c->type, "CONDITIONAL") == 0)
        return 0;
    store_res_t *trig;
    size_t n;
    if ((rc = store_res_by_workflow(api_db(rq), "trigger", c->workflow, &trig, &n)) < 0)
        return gerr_store(e, rc, "reading a workflow's triggers");
    int ret = 0;
    for (size_t i = 0; i < n && ret == 0; i++) {
        json_t *t = json_loads(trig[i].doc, 0, NULL);
        const char *ty = json_string_value(json_object_get(t, "Type"));
        if (ty && strcmp(ty, "CONDITIONAL") != 0)
            ret = gerr_set(e, GERR_INVALID_INPUT,
                           "Workflow '%s' already has a start trigger ('%s', %s); a workflow has exactly one, and "
                           "every other trigger in it must be CONDITIONAL",
                           c->workflow, trig[i].name, ty);
        json_decref(t);
    }
    store_res_list_free(trig, n);
    return ret;
}

int api_create_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *doc = shape_check(SHAPE_CreateTriggerRequest, in, "", e);
    if (!doc)
        return -1;
    int ret = -1;
    char *tags = NULL, *text = NULL;
    tags = codec_tags_encode(json_object_get(doc, "Tags"));
    json_object_del(doc, "Tags");
    bool start = json_is_true(json_object_get(doc, "StartOnCreation"));
    json_object_del(doc, "StartOnCreation");
    const char *name = json_string_value(json_object_get(doc, "Name"));
    const char *type = json_string_value(json_object_get(doc, "Type"));
    const char *workflow = json_string_value(json_object_get(doc, "WorkflowName"));
    if (start && strcmp(type, "ON_DEMAND") == 0) {
        gerr_set(e, GERR_INVALID_INPUT,
                 "StartOnCreation is not supported for ON_DEMAND triggers: they are never activated, only fired "
                 "(with StartTrigger or StartWorkflowRun)");
        goto out;
    }
    if (trigger_rules(rq, doc, type, "", e) < 0)
        goto out;
    json_object_set_new(doc, "State", json_string(start ? "ACTIVATED" : "CREATED"));
    text = json_dumps(doc, JSON_COMPACT);
    store_res_t r = {.kind = "trigger",
                     .name = (char *)name,
                     .workflow = (char *)workflow,
                     .doc = text,
                     .tags = tags,
                     .created_ms = rq->now_ms,
                     .modified_ms = rq->now_ms};
    create_check_t cc = {workflow, type, name, doc};
    if (api_res_create(rq, "Trigger", &r, rq->api->cfg.max_triggers, check_membership, &cc, e) < 0)
        goto out;
    engine_reschedule(rq->api->engine);
    *out = json_pack("{ss}", "Name", name);
    ret = 0;
out:
    free(text);
    free(tags);
    json_decref(doc);
    return ret;
}

typedef struct trigger_edit {
    api_req_t *rq;
    json_t *update;        /* UpdateTrigger: the checked TriggerUpdate */
    const char *new_state; /* Start/StopTrigger: the state to set */
    bool fire;             /* StartTrigger found an ON_DEMAND trigger: fire it */
    json_t *result;        /* the trigger after the change */
} trigger_edit_t;

static int edit_trigger(api_req_t *rq, store_res_t *r, void *arg, gerr_t *e)
{
    (void)rq;
    trigger_edit_t *x = arg;
    json_t *doc = json_loads(r->doc, 0, NULL);
    if (!doc)
        return gerr_set(e, GERR_INTERNAL, "Trigger '%s' is stored damaged", r->name);
    const char *type = json_string_value(json_object_get(doc, "Type"));
    if (x->update) {
        /* a complete overwrite of the definition; name, type, workflow and state stay */
        static const char *const fields[] = {
            "Description", "Schedule", "Actions", "Predicate", "EventBatchingCondition", NULL};
        for (size_t i = 0; fields[i]; i++) {
            json_t *v = json_object_get(x->update, fields[i]);
            if (v)
                json_object_set(doc, fields[i], v);
            else
                json_object_del(doc, fields[i]);
        }
        if (trigger_rules(x->rq, doc, type, "TriggerUpdate.", e) < 0) {
            json_decref(doc);
            return -1;
        }
    }
    if (x->new_state) {
        if (strcmp(type, "ON_DEMAND") == 0 && strcmp(x->new_state, "ACTIVATED") == 0) {
            json_decref(doc);
            x->fire = true; /* StartTrigger on ON_DEMAND fires it; nothing to change in its definition */
            return 0;
        }
        if (strcmp(type, "ON_DEMAND") == 0) {
            json_decref(doc);
            return gerr_set(e, GERR_INVALID_INPUT, "Trigger '%s' is ON_DEMAND: it has no activation state to %s",
                            r->name, strcmp(x->new_state, "ACTIVATED") == 0 ? "start" : "stop");
        }
        json_object_set_new(doc, "State", json_string(x->new_state));
    }
    free(r->doc);
    r->doc = json_dumps(doc, JSON_COMPACT);
    r->modified_ms = x->rq->now_ms;
    x->result = doc;
    if (!r->workflow && flow_trigger_watch(api_db(rq), r->name, doc) < 0)
        return gerr_store(e, STORE_ERROR, "indexing a trigger");
    return 0;
}

static int edit(api_req_t *rq, const char *name, trigger_edit_t *x, gerr_t *e)
{
    int rc = api_res_mutate(rq, "trigger", name, edit_trigger, x, e);
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Trigger '%s' not found", name);
    if (rc == 0) {
        engine_reschedule(rq->api->engine);
        engine_events_changed(rq->api->engine); /* a new EventBatchingCondition applies to what waits */
    }
    return rc;
}

int api_update_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *upd;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 || val_obj(in, "TriggerUpdate", true, &upd, e) < 0)
        return -1;
    json_t *checked = shape_check(SHAPE_TriggerUpdate, upd, "TriggerUpdate", e);
    if (!checked)
        return -1;
    trigger_edit_t x = {.rq = rq, .update = checked};
    int rc = edit(rq, name, &x, e);
    json_decref(checked);
    if (rc < 0) {
        json_decref(x.result);
        return -1;
    }
    *out = json_pack("{so}", "Trigger", x.result);
    return 0;
}

static int set_state(api_req_t *rq, json_t *in, const char *state, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0)
        return -1;
    trigger_edit_t x = {.rq = rq, .new_state = state};
    if (edit(rq, name, &x, e) < 0) {
        json_decref(x.result);
        return -1;
    }
    json_decref(x.result);
    if (x.fire) {
        char run_id[FLOW_RUN_ID_LEN];
        flow_ids_t spawn = {0};
        if (flow_fire_on_demand(&rq->api->flow, name, rq->now_ms, run_id, &spawn, e) < 0) {
            flow_ids_cleanup(&spawn);
            return -1;
        }
        engine_spawn(rq->api->engine, &spawn);
    }
    *out = json_pack("{ss}", "Name", name);
    return 0;
}

int api_start_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return set_state(rq, in, "ACTIVATED", out, e);
}

int api_stop_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return set_state(rq, in, "DEACTIVATED", out, e);
}

int api_get_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *t;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 ||
        res_get(rq, "trigger", "Trigger", name, trigger_json, &t, e) < 0)
        return -1;
    *out = json_pack("{so}", "Trigger", t);
    return 0;
}

/* DependentJobName: keeps the triggers whose actions start the job. */
static bool starts_job(const store_res_t *r, void *job)
{
    json_t *t = json_loads(r->doc, 0, NULL);
    bool hit = false;
    size_t i;
    json_t *a;
    json_array_foreach (json_object_get(t, "Actions"), i, a) {
        const char *j = json_string_value(json_object_get(a, "JobName"));
        hit |= j && strcmp(j, job) == 0;
    }
    json_decref(t);
    return hit;
}

/* Whether any trigger's actions start the job: 1, 0, or -1 with e set. */
static int job_has_starter(api_req_t *rq, const char *job, gerr_t *e)
{
    char *after = NULL;
    int found = 0;
    for (;;) {
        store_res_t *rows;
        size_t n;
        int rc = store_res_list(api_db(rq), "trigger", after, 256, &rows, &n);
        free(after);
        after = NULL;
        if (rc < 0)
            return gerr_store(e, rc, "listing triggers");
        for (size_t i = 0; i < n && !found; i++)
            found = starts_job(&rows[i], (void *)job);
        if (!found && n == 256)
            after = strdup(rows[n - 1].name);
        store_res_list_free(rows, n);
        if (found || !after)
            return found;
    }
}

static int list_triggers(api_req_t *rq, json_t *in, bool names_only, json_t **out, gerr_t *e)
{
    const char *job = NULL;
    json_t *tags = NULL;
    if (val_str(in, "DependentJobName", &VAL_NAME, false, &job, e) < 0)
        return -1;
    if (names_only && val_map(in, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &tags, e) < 0)
        return -1;
    if (job && must_exist(rq, "job", "Job", job, "DependentJobName", e) != 0)
        return -1;
    /* as the API reference has it: the triggers that start the job, or all triggers when none does */
    int starter = job ? job_has_starter(rq, job, e) : 0;
    if (starter < 0)
        return -1;
    char scope[16 + API_NAME_BYTES];
    snprintf(scope, sizeof scope, "%s/%s", names_only ? "ListTriggers" : "GetTriggers", job ? job : "");
    return res_page(rq, "trigger", in, scope, TRIGGER_PAGE_MAX, tags, starter ? starts_job : NULL, (void *)job,
                    names_only ? res_name_json : trigger_json, names_only ? "TriggerNames" : "Triggers", out, e);
}

int api_get_triggers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return list_triggers(rq, in, false, out, e);
}

int api_list_triggers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return list_triggers(rq, in, true, out, e);
}

int api_batch_get_triggers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return res_batch_get(rq, "trigger", in, "TriggerNames", TRIGGER_BATCH_MAX, trigger_json, "Triggers",
                         "TriggersNotFound", out, e);
}

int api_delete_trigger(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0)
        return -1;
    int rc = store_res_delete(rq->api->store, "trigger", name);
    if (rc < 0)
        return gerr_store(e, rc, "deleting a trigger");
    engine_reschedule(rq->api->engine);
    *out = json_pack("{ss}", "Name", name);
    return 0;
}
