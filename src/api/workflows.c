/* CreateWorkflow, UpdateWorkflow, DeleteWorkflow, GetWorkflow, ListWorkflows, BatchGetWorkflows. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/engine.h"
#include "model/codec.h"
#include "model/validate.h"

/* Workflow-level MaxConcurrentRuns: a positive int32 (absent means unlimited). */
#define WF_MAX_RUNS_MAX 2147483647LL
/* ListWorkflows and BatchGetWorkflows use the model's OrchestrationPageSize25 / WorkflowNames (1..25). */
#define WF_PAGE_MAX  25
#define WF_BATCH_MAX 25

static int not_found(const char *name, gerr_t *e)
{
    return gerr_set(e, GERR_NOT_FOUND, "Workflow '%s' not found", name);
}

static int read_props(json_t *in, const char *field, json_t **out, gerr_t *e)
{
    int r = val_map(in, field, &VAL_ID, &VAL_GENERIC, 0, false, out, e);
    if (r > 0 && codec_props_check(*out, field, e) < 0)
        return -1;
    return r;
}

int api_create_workflow(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name = NULL, *desc = NULL;
    json_t *props = NULL, *tags = NULL;
    int64_t max_runs = 0;
    int has_max;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 ||
        val_str(in, "Description", &VAL_WF_DESC, false, &desc, e) < 0 ||
        read_props(in, "DefaultRunProperties", &props, e) < 0 ||
        val_map(in, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &tags, e) < 0 ||
        (has_max = val_int(in, "MaxConcurrentRuns", 1, WF_MAX_RUNS_MAX, false, &max_runs, e)) < 0)
        return -1;
    store_workflow_t w = {
        .name = (char *)name,
        .description = (char *)desc,
        .default_props = codec_map_encode(props),
        .tags = codec_tags_encode(tags),
        .has_max_runs = has_max > 0,
        .max_runs = max_runs,
        .created_ms = rq->now_ms,
        .modified_ms = rq->now_ms,
    };
    int rc = store_workflow_create(rq->api->store, &w, rq->api->cfg.max_workflows);
    free(w.default_props);
    free(w.tags);
    if (rc == STORE_EXISTS)
        return gerr_set(e, GERR_EXISTS, "Workflow '%s' already exists", name);
    if (rc == STORE_LIMIT)
        return gerr_set(e, GERR_LIMIT, "Cannot create workflow '%s': the limit of %lld workflows is reached", name,
                        (long long)rq->api->cfg.max_workflows);
    if (rc < 0)
        return gerr_store(e, rc, "creating a workflow");
    *out = json_pack("{ss}", "Name", name);
    return 0;
}

typedef struct update_ctx {
    const char *desc;
    json_t *props;
    int has_max;
    int64_t max_runs;
    int64_t now_ms;
} update_ctx_t;

static int apply_update(api_req_t *rq, store_workflow_t *w, void *arg, gerr_t *e)
{
    update_ctx_t *u = arg;
    (void)rq;
    if (u->desc) {
        free(w->description);
        w->description = strdup(u->desc);
    }
    if (u->props) {
        free(w->default_props);
        w->default_props = codec_map_encode(u->props);
    }
    if (u->has_max) {
        w->has_max_runs = true;
        w->max_runs = u->max_runs;
    }
    w->modified_ms = u->now_ms;
    (void)e;
    return 0;
}

int api_update_workflow(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name = NULL;
    update_ctx_t u = {.now_ms = rq->now_ms};
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 ||
        val_str(in, "Description", &VAL_WF_DESC, false, &u.desc, e) < 0 ||
        read_props(in, "DefaultRunProperties", &u.props, e) < 0 ||
        (u.has_max = val_int(in, "MaxConcurrentRuns", 1, WF_MAX_RUNS_MAX, false, &u.max_runs, e)) < 0)
        return -1;
    int rc = api_workflow_mutate(rq, name, apply_update, &u, e);
    if (rc < 0)
        return -1;
    if (rc == STORE_NOTFOUND)
        return not_found(name, e);
    *out = json_pack("{ss}", "Name", name);
    return 0;
}

int api_delete_workflow(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name = NULL;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0)
        return -1;
    /* runs still going are stopped first (SPEC section 10): their jobs must not outlive the workflow */
    store_run_t *runs = NULL;
    size_t n = 0;
    int rc = store_run_list_active(api_db(rq), name, &runs, &n);
    if (rc < 0)
        return gerr_store(e, rc, "reading the workflow's runs");
    flow_ids_t kill = {0};
    for (size_t i = 0; i < n; i++) {
        gerr_t ignore = {0};
        if (runs[i].status == RUN_RUNNING)
            flow_stop_run(&rq->api->flow, name, runs[i].run_id, rq->now_ms, &kill, &ignore);
    }
    store_run_list_free(runs, n);
    engine_kill(rq->api->engine, &kill);
    /* idempotent: deleting a missing workflow succeeds, as on AWS */
    if ((rc = store_workflow_delete(rq->api->store, name)) < 0)
        return gerr_store(e, rc, "deleting a workflow");
    engine_reschedule(rq->api->engine); /* its scheduled start trigger went with it */
    *out = json_pack("{ss}", "Name", name);
    return 0;
}

/* The Workflow structure; graph only when asked. */
static json_t *workflow_json(api_req_t *rq, const store_workflow_t *w, const store_run_t *last, bool graph, gerr_t *e)
{
    json_t *o = json_object();
    codec_set_str(o, "Name", w->name);
    codec_set_str(o, "Description", w->description);
    if (w->default_props)
        json_object_set_new(o, "DefaultRunProperties", codec_map_decode(w->default_props));
    json_object_set_new(o, "CreatedOn", codec_timestamp(w->created_ms));
    json_object_set_new(o, "LastModifiedOn", codec_timestamp(w->modified_ms));
    if (last && last->run_id)
        json_object_set_new(o, "LastRun", codec_run(last));
    if (w->has_max_runs)
        json_object_set_new(o, "MaxConcurrentRuns", json_integer(w->max_runs));
    if (graph) {
        json_t *g = api_workflow_graph(rq, w->name, e);
        if (!g) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "Graph", g);
    }
    return o;
}

/* Loads one workflow with its last run; 0, STORE_NOTFOUND or -1. */
static int load(api_req_t *rq, const char *name, bool graph, json_t **wf, gerr_t *e)
{
    store_workflow_t w = {0};
    store_run_t last = {0};
    int rc = store_workflow_get(api_db(rq), name, &w, &last);
    if (rc < 0)
        rc = gerr_store(e, rc, "reading a workflow");
    if (rc == 0) {
        *wf = workflow_json(rq, &w, &last, graph, e);
        if (!*wf)
            rc = -1;
    }
    store_workflow_cleanup(&w);
    store_run_cleanup(&last);
    return rc;
}

int api_get_workflow(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name = NULL;
    bool graph = false;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 || val_bool(in, "IncludeGraph", &graph, e) < 0)
        return -1;
    json_t *wf;
    int rc = load(rq, name, graph, &wf, e);
    if (rc < 0)
        return -1;
    if (rc == STORE_NOTFOUND)
        return not_found(name, e);
    *out = json_pack("{so}", "Workflow", wf);
    return 0;
}

int api_list_workflows(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    api_page_t p;
    if (api_page_read(rq, in, "ListWorkflows", WF_PAGE_MAX, &p, e) < 0)
        return -1;
    char **names;
    size_t n;
    /* one more than asked tells whether another page exists, so the last page carries no token */
    int rc = store_workflow_names(api_db(rq), p.after_str, p.limit + 1, &names, &n);
    api_page_cleanup(&p);
    if (rc < 0)
        return gerr_store(e, rc, "listing workflows");
    json_t *list = json_array();
    size_t shown = n > (size_t)p.limit ? (size_t)p.limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(list, json_string(names[i]));
    *out = json_pack("{so}", "Workflows", list);
    if (n > shown)
        api_page_next(rq, *out, "ListWorkflows", names[shown - 1], 0);
    store_strv_free(names, n);
    return 0;
}

int api_batch_get_workflows(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *names;
    bool graph = false;
    if (val_str_list(in, "Names", 1, WF_BATCH_MAX, &VAL_NAME, true, &names, e) < 0 ||
        val_bool(in, "IncludeGraph", &graph, e) < 0)
        return -1;
    json_t *found = json_array(), *missing = json_array(), *seen = json_object();
    size_t i;
    json_t *it;
    json_array_foreach (names, i, it) {
        const char *name = json_string_value(it);
        if (json_object_get(seen, name))
            continue; /* each name answered once */
        json_object_set_new(seen, name, json_true());
        json_t *wf;
        int rc = load(rq, name, graph, &wf, e);
        if (rc < 0)
            goto fail;
        if (rc == STORE_NOTFOUND)
            json_array_append_new(missing, json_string(name));
        else
            json_array_append_new(found, wf);
    }
    json_decref(seen);
    *out = json_pack("{so}", "Workflows", found);
    if (json_array_size(missing))
        json_object_set_new(*out, "MissingWorkflows", missing);
    else
        json_decref(missing);
    return 0;
fail:
    json_decref(seen);
    json_decref(found);
    json_decref(missing);
    return -1;
}
