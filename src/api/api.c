/* The operation table and the helpers every handler shares (paging). Adding an operation: write its handler
 * in the resource's file, declare it in api.h, and add a row here (kept in name order: api_find bisects). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/pagetoken.h"
#include "model/validate.h"

static const api_op_t ops[] = {
    {"BatchCreatePartition", api_batch_create_partition},
    {"BatchDeletePartition", api_batch_delete_partition},
    {"BatchDeleteTable", api_batch_delete_table},
    {"BatchDeleteTableVersion", api_batch_delete_table_version},
    {"BatchGetCrawlers", api_batch_get_crawlers},
    {"BatchGetJobs", api_batch_get_jobs},
    {"BatchGetPartition", api_batch_get_partition},
    {"BatchGetTriggers", api_batch_get_triggers},
    {"BatchGetWorkflows", api_batch_get_workflows},
    {"BatchStopJobRun", api_batch_stop_job_run},
    {"BatchUpdatePartition", api_batch_update_partition},
    {"CreateCrawler", api_create_crawler},
    {"CreateDatabase", api_create_database},
    {"CreateJob", api_create_job},
    {"CreatePartition", api_create_partition},
    {"CreateTable", api_create_table},
    {"CreateTrigger", api_create_trigger},
    {"CreateWorkflow", api_create_workflow},
    {"DeleteCrawler", api_delete_crawler},
    {"DeleteDatabase", api_delete_database},
    {"DeleteJob", api_delete_job},
    {"DeletePartition", api_delete_partition},
    {"DeleteTable", api_delete_table},
    {"DeleteTableVersion", api_delete_table_version},
    {"DeleteTrigger", api_delete_trigger},
    {"DeleteWorkflow", api_delete_workflow},
    {"GetCrawler", api_get_crawler},
    {"GetCrawlerMetrics", api_get_crawler_metrics},
    {"GetCrawlers", api_get_crawlers},
    {"GetDatabase", api_get_database},
    {"GetDatabases", api_get_databases},
    {"GetJob", api_get_job},
    {"GetJobRun", api_get_job_run},
    {"GetJobRuns", api_get_job_runs},
    {"GetJobs", api_get_jobs},
    {"GetPartition", api_get_partition},
    {"GetPartitions", api_get_partitions},
    {"GetTable", api_get_table},
    {"GetTableVersion", api_get_table_version},
    {"GetTableVersions", api_get_table_versions},
    {"GetTables", api_get_tables},
    {"GetTags", api_get_tags},
    {"GetTrigger", api_get_trigger},
    {"GetTriggers", api_get_triggers},
    {"GetWorkflow", api_get_workflow},
    {"GetWorkflowRun", api_get_workflow_run},
    {"GetWorkflowRunProperties", api_get_workflow_run_properties},
    {"GetWorkflowRuns", api_get_workflow_runs},
    {"ListCrawlers", api_list_crawlers},
    {"ListCrawls", api_list_crawls},
    {"ListJobs", api_list_jobs},
    {"ListTriggers", api_list_triggers},
    {"ListWorkflows", api_list_workflows},
    {"PutWorkflowRunProperties", api_put_workflow_run_properties},
    {"ResumeWorkflowRun", api_resume_workflow_run},
    {"SearchTables", api_search_tables},
    {"StartCrawler", api_start_crawler},
    {"StartCrawlerSchedule", api_start_crawler_schedule},
    {"StartJobRun", api_start_job_run},
    {"StartTrigger", api_start_trigger},
    {"StartWorkflowRun", api_start_workflow_run},
    {"StopCrawler", api_stop_crawler},
    {"StopCrawlerSchedule", api_stop_crawler_schedule},
    {"StopTrigger", api_stop_trigger},
    {"StopWorkflowRun", api_stop_workflow_run},
    {"TagResource", api_tag_resource},
    {"UntagResource", api_untag_resource},
    {"UpdateCrawler", api_update_crawler},
    {"UpdateCrawlerSchedule", api_update_crawler_schedule},
    {"UpdateDatabase", api_update_database},
    {"UpdateJob", api_update_job},
    {"UpdatePartition", api_update_partition},
    {"UpdateTable", api_update_table},
    {"UpdateTrigger", api_update_trigger},
    {"UpdateWorkflow", api_update_workflow},
};

/* Reads for the web console that the Glue API lacks; never reachable through X-Amz-Target. */
static const api_op_t internal_ops[] = {
    {"ListWorkflowSummaries", api_list_workflow_summaries},
};

static int cmp_op(const void *key, const void *elem)
{
    return strcmp(key, ((const api_op_t *)elem)->name);
}

const api_op_t *api_find(const char *name)
{
    return bsearch(name, ops, sizeof ops / sizeof ops[0], sizeof ops[0], cmp_op);
}

json_t *api_raw(api_req_t *rq, char *text)
{
    char **v = realloc(rq->raw, (rq->nraw + 1) * sizeof *v);
    if (!v) {
        free(text);
        return NULL;
    }
    rq->raw = v;
    rq->raw[rq->nraw] = text;
    char mark[32];
    int n = snprintf(mark, sizeof mark, "%craw:%zu", '\0', rq->nraw++);
    return json_stringn(mark, (size_t)n);
}

char *api_splice(api_req_t *rq, char *body)
{
    if (!rq->nraw)
        return body;
    size_t len = body ? strlen(body) : 0, total = len;
    for (size_t i = 0; i < rq->nraw; i++)
        total += strlen(rq->raw[i]);
    char *out = body ? malloc(total + 1) : NULL, *o = out;
    for (const char *p = body; out && *p;) {
        const char *at = strstr(p, "\"\\u0000raw:");
        if (!at) {
            size_t k = strlen(p);
            memcpy(o, p, k);
            o += k;
            break;
        }
        memcpy(o, p, (size_t)(at - p));
        o += at - p;
        char *end;
        unsigned long k = strtoul(at + 11, &end, 10); /* after the quote, \\u0000 and raw: */
        if (*end == '"' && k < rq->nraw) {
            size_t m = strlen(rq->raw[k]);
            memcpy(o, rq->raw[k], m);
            o += m;
            p = end + 1;
        } else { /* cannot happen: keep the text as it is */
            *o++ = *at;
            p = at + 1;
        }
    }
    if (out)
        *o = '\0';
    free(body);
    for (size_t i = 0; i < rq->nraw; i++)
        free(rq->raw[i]);
    free(rq->raw);
    rq->raw = NULL;
    rq->nraw = 0;
    return out;
}

store_tx_t *api_db(api_req_t *rq)
{
    return rq->tx ? rq->tx : store_read(rq->api->store);
}

/* The trampolines: a store callback runs the request's callback with rq->tx set. A callback that failed set
 * e and returned -1, which the store hands back after rolling back. */
typedef struct tramp {
    api_req_t *rq;
    void *fn;
    void *ctx;
    gerr_t *e;
} tramp_t;

static int wf_tramp(store_tx_t *tx, store_workflow_t *w, void *arg)
{
    tramp_t *t = arg;
    t->rq->tx = tx;
    int rc = ((api_wf_fn)t->fn)(t->rq, w, t->ctx, t->e);
    t->rq->tx = NULL;
    return rc;
}

static int run_tramp(store_tx_t *tx, store_run_t *r, void *arg)
{
    tramp_t *t = arg;
    t->rq->tx = tx;
    int rc = ((api_run_fn)t->fn)(t->rq, r, t->ctx, t->e);
    t->rq->tx = NULL;
    return rc;
}

static int res_tramp(store_tx_t *tx, store_res_t *r, void *arg)
{
    tramp_t *t = arg;
    t->rq->tx = tx;
    int rc = ((api_res_fn)t->fn)(t->rq, r, t->ctx, t->e);
    t->rq->tx = NULL;
    return rc;
}

static int check_tramp(store_tx_t *tx, void *arg)
{
    tramp_t *t = arg;
    t->rq->tx = tx;
    int rc = ((api_check_fn)t->fn)(t->rq, t->ctx, t->e);
    t->rq->tx = NULL;
    return rc;
}

/* A store answer as the handlers' convention: 0, STORE_NOTFOUND, or -1 with e set. */
static int settle(int rc, gerr_t *e, const char *what)
{
    if (rc == 0 || rc == STORE_NOTFOUND)
        return rc;
    if (e->type) /* the callback said why */
        return -1;
    return gerr_store(e, rc < 0 ? rc : STORE_ERROR, what);
}

int api_workflow_mutate(api_req_t *rq, const char *name, api_wf_fn fn, void *ctx, gerr_t *e)
{
    tramp_t t = {rq, (void *)fn, ctx, e};
    return settle(store_workflow_mutate(rq->api->store, name, wf_tramp, &t), e, "updating a workflow");
}

int api_run_mutate(api_req_t *rq, const char *workflow, const char *run_id, api_run_fn fn, void *ctx, gerr_t *e)
{
    tramp_t t = {rq, (void *)fn, ctx, e};
    return settle(store_run_mutate(rq->api->store, workflow, run_id, run_tramp, &t), e, "updating a workflow run");
}

int api_res_mutate(api_req_t *rq, const char *kind, const char *name, api_res_fn fn, void *ctx, gerr_t *e)
{
    tramp_t t = {rq, (void *)fn, ctx, e};
    char what[64];
    snprintf(what, sizeof what, "updating a %s", kind);
    return settle(store_res_mutate(rq->api->store, kind, name, res_tramp, &t), e, what);
}

int api_res_create(api_req_t *rq, const char *label, const store_res_t *r, int64_t max_count, api_check_fn check,
                   void *ctx, gerr_t *e)
{
    tramp_t t = {rq, (void *)check, ctx, e};
    int rc = store_res_create(rq->api->store, r, max_count, check ? check_tramp : NULL, &t);
    if (rc == STORE_EXISTS)
        return gerr_set(e, GERR_EXISTS, "%s '%s' already exists", label, r->name);
    if (rc == STORE_LIMIT)
        return gerr_set(e, GERR_LIMIT, "Cannot create %s '%s': the limit of %lld is reached", r->kind, r->name,
                        (long long)max_count);
    char what[64];
    snprintf(what, sizeof what, "creating a %s", r->kind);
    return settle(rc, e, what) == 0 ? 0 : -1;
}

const api_op_t *api_find_internal(const char *name)
{
    return bsearch(name, internal_ops, sizeof internal_ops / sizeof internal_ops[0], sizeof internal_ops[0], cmp_op);
}

int api_page_read(api_req_t *rq, json_t *in, const char *scope, int max, api_page_t *p, gerr_t *e)
{
    memset(p, 0, sizeof *p);
    int64_t limit = 25;
    const char *token = NULL;
    if (val_int(in, "MaxResults", 1, max, false, &limit, e) < 0)
        return -1;
    if (val_str(in, "NextToken", &VAL_GENERIC, false, &token, e) < 0)
        return -1;
    p->limit = (int)limit;
    if (token && *token)
        return pagetoken_decode(store_secret(rq->api->store), scope, token, rq->now_ms, &p->after_str, &p->after_int,
                                e);
    return 0;
}

void api_page_cleanup(api_page_t *p)
{
    free(p->after_str);
    p->after_str = NULL;
}

void api_page_next(api_req_t *rq, json_t *out, const char *scope, const char *key_str, int64_t key_int)
{
    char *t = pagetoken_encode(store_secret(rq->api->store), scope, key_str, key_int, rq->now_ms);
    json_object_set_new(out, "NextToken", json_string(t));
    free(t);
}
