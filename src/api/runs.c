/* StartWorkflowRun, StopWorkflowRun, ResumeWorkflowRun, GetWorkflowRun, GetWorkflowRuns,
 * GetWorkflowRunProperties, PutWorkflowRunProperties. Run control commits through flow.c in this thread and
 * hands what to start or stop to the engine: the caller never waits on a job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/engine.h"
#include "model/codec.h"
#include "model/validate.h"

#define RUNS_PAGE_MAX 1000

/* After a run lookup missed: say whether the workflow or the run is missing. */
static int run_not_found(api_req_t *rq, const char *wf, const char *run_id, gerr_t *e)
{
    store_workflow_t w = {0};
    int rc = store_workflow_get(api_db(rq), wf, &w, NULL);
    store_workflow_cleanup(&w);
    if (rc < 0)
        return gerr_store(e, rc, "reading a workflow");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Workflow '%s' not found", wf);
    return gerr_set(e, GERR_NOT_FOUND, "Workflow run '%s' not found in workflow '%s'", run_id, wf);
}

static int read_ids(json_t *in, const char **wf, const char **run_id, gerr_t *e)
{
    if (val_str(in, "Name", &VAL_NAME, true, wf, e) < 0 || val_str(in, "RunId", &VAL_ID, true, run_id, e) < 0)
        return -1;
    return 0;
}

int api_get_workflow_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf, *run_id;
    bool graph = false;
    if (read_ids(in, &wf, &run_id, e) < 0 || val_bool(in, "IncludeGraph", &graph, e) < 0)
        return -1;
    store_run_t r = {0};
    int rc = store_run_get(api_db(rq), wf, run_id, &r);
    if (rc < 0)
        return gerr_store(e, rc, "reading a workflow run");
    if (rc == STORE_NOTFOUND)
        return run_not_found(rq, wf, run_id, e);
    json_t *run = codec_run(&r);
    json_t *g = graph ? api_run_graph(rq, &r, e) : NULL;
    store_run_cleanup(&r);
    if (graph && !g) {
        json_decref(run);
        return -1;
    }
    if (g)
        json_object_set_new(run, "Graph", g);
    *out = json_pack("{so}", "Run", run);
    return 0;
}

int api_get_workflow_runs(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf;
    bool graph = false;
    if (val_str(in, "Name", &VAL_NAME, true, &wf, e) < 0 || val_bool(in, "IncludeGraph", &graph, e) < 0)
        return -1;
    char scope[24 + API_NAME_BYTES];
    snprintf(scope, sizeof scope, "GetWorkflowRuns/%s", wf);
    api_page_t p;
    if (api_page_read(rq, in, scope, RUNS_PAGE_MAX, &p, e) < 0)
        return -1;
    api_page_cleanup(&p);
    store_workflow_t w = {0};
    int rc = store_workflow_get(api_db(rq), wf, &w, NULL);
    store_workflow_cleanup(&w);
    if (rc < 0)
        return gerr_store(e, rc, "reading a workflow");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Workflow '%s' not found", wf);
    store_run_t *runs;
    size_t n;
    if ((rc = store_run_list(api_db(rq), wf, p.after_int, p.limit + 1, &runs, &n)) < 0)
        return gerr_store(e, rc, "listing workflow runs");
    json_t *list = json_array();
    size_t shown = n > (size_t)p.limit ? (size_t)p.limit : n;
    for (size_t i = 0; i < shown; i++) {
        json_t *run = codec_run(&runs[i]);
        json_t *g = graph ? api_run_graph(rq, &runs[i], e) : NULL;
        if (graph && !g) {
            json_decref(run);
            json_decref(list);
            store_run_list_free(runs, n);
            return -1;
        }
        if (g)
            json_object_set_new(run, "Graph", g);
        json_array_append_new(list, run);
    }
    *out = json_pack("{so}", "Runs", list);
    if (n > shown)
        api_page_next(rq, *out, scope, NULL, runs[shown - 1].seq);
    store_run_list_free(runs, n);
    return 0;
}

int api_get_workflow_run_properties(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf, *run_id;
    if (read_ids(in, &wf, &run_id, e) < 0)
        return -1;
    store_run_t r = {0};
    int rc = store_run_get(api_db(rq), wf, run_id, &r);
    if (rc < 0)
        return gerr_store(e, rc, "reading a workflow run");
    if (rc == STORE_NOTFOUND)
        return run_not_found(rq, wf, run_id, e);
    *out = json_pack("{so}", "RunProperties", codec_map_decode(r.props));
    store_run_cleanup(&r);
    return 0;
}

static int merge_props(api_req_t *rq, store_run_t *r, void *arg, gerr_t *e)
{
    (void)rq;
    return codec_props_merge(&r->props, arg, "RunProperties", e);
}

int api_put_workflow_run_properties(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf, *run_id;
    json_t *props;
    if (read_ids(in, &wf, &run_id, e) < 0 ||
        val_map(in, "RunProperties", &VAL_ID, &VAL_GENERIC, 0, true, &props, e) < 0)
        return -1;
    /* read, merge and write in one transaction: concurrent puts from parallel jobs never lose a key */
    int rc = api_run_mutate(rq, wf, run_id, merge_props, props, e);
    if (rc < 0)
        return -1;
    if (rc == STORE_NOTFOUND)
        return run_not_found(rq, wf, run_id, e);
    *out = json_object();
    return 0;
}

int api_start_workflow_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf;
    json_t *props = NULL;
    if (val_str(in, "Name", &VAL_NAME, true, &wf, e) < 0 ||
        val_map(in, "RunProperties", &VAL_ID, &VAL_GENERIC, 0, false, &props, e) < 0)
        return -1;
    char run_id[FLOW_RUN_ID_LEN];
    flow_ids_t spawn = {0};
    if (flow_start_run(&rq->api->flow, wf, props, false, rq->now_ms, run_id, &spawn, e) < 0) {
        flow_ids_cleanup(&spawn);
        return -1;
    }
    engine_spawn(rq->api->engine, &spawn);
    *out = json_pack("{ss}", "RunId", run_id);
    return 0;
}

int api_stop_workflow_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf, *run_id;
    if (read_ids(in, &wf, &run_id, e) < 0)
        return -1;
    flow_ids_t kill = {0};
    if (flow_stop_run(&rq->api->flow, wf, run_id, rq->now_ms, &kill, e) < 0) {
        flow_ids_cleanup(&kill);
        if (e->type && strcmp(e->type, GERR_NOT_FOUND) == 0)
            return run_not_found(rq, wf, run_id, e);
        return -1;
    }
    engine_kill(rq->api->engine, &kill);
    *out = json_object();
    return 0;
}

int api_resume_workflow_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *wf, *run_id;
    json_t *ids;
    if (read_ids(in, &wf, &run_id, e) < 0 || val_str_list(in, "NodeIds", 1, 1000, &VAL_NAME, true, &ids, e) < 0)
        return -1;
    char new_id[FLOW_RUN_ID_LEN];
    json_t *restarted = NULL;
    flow_ids_t spawn = {0};
    if (flow_resume_run(&rq->api->flow, store_secret(rq->api->store), wf, run_id, ids, rq->now_ms, new_id, &restarted,
                        &spawn, e) < 0) {
        flow_ids_cleanup(&spawn);
        if (e->type && strcmp(e->type, GERR_NOT_FOUND) == 0)
            return run_not_found(rq, wf, run_id, e);
        return -1;
    }
    engine_spawn(rq->api->engine, &spawn);
    *out = json_pack("{ssso}", "RunId", new_id, "NodeIds", restarted);
    return 0;
}
