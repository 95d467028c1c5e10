/* The operation table and the helpers every handler shares (paging). Adding an operation: write its handler
 * in the resource's file, declare it in api.h, and add a row here (kept in name order: api_find bisects). */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "model/pagetoken.h"
#include "model/validate.h"

static const api_op_t ops[] = {
    {"BatchGetCrawlers", api_batch_get_crawlers},
    {"BatchGetJobs", api_batch_get_jobs},
    {"BatchGetTriggers", api_batch_get_triggers},
    {"BatchGetWorkflows", api_batch_get_workflows},
    {"BatchStopJobRun", api_batch_stop_job_run},
    {"CreateCrawler", api_create_crawler},
    {"CreateJob", api_create_job},
    {"CreateTrigger", api_create_trigger},
    {"CreateWorkflow", api_create_workflow},
    {"DeleteCrawler", api_delete_crawler},
    {"DeleteJob", api_delete_job},
    {"DeleteTrigger", api_delete_trigger},
    {"DeleteWorkflow", api_delete_workflow},
    {"GetCrawler", api_get_crawler},
    {"GetCrawlers", api_get_crawlers},
    {"GetJob", api_get_job},
    {"GetJobRun", api_get_job_run},
    {"GetJobRuns", api_get_job_runs},
    {"GetJobs", api_get_jobs},
    {"GetTags", api_get_tags},
    {"GetTrigger", api_get_trigger},
    {"GetTriggers", api_get_triggers},
    {"GetWorkflow", api_get_workflow},
    {"GetWorkflowRun", api_get_workflow_run},
    {"GetWorkflowRunProperties", api_get_workflow_run_properties},
    {"GetWorkflowRuns", api_get_workflow_runs},
    {"ListCrawlers", api_list_crawlers},
    {"ListJobs", api_list_jobs},
    {"ListTriggers", api_list_triggers},
    {"ListWorkflows", api_list_workflows},
    {"PutWorkflowRunProperties", api_put_workflow_run_properties},
    {"ResumeWorkflowRun", api_resume_workflow_run},
    {"StartCrawler", api_start_crawler},
    {"StartJobRun", api_start_job_run},
    {"StartTrigger", api_start_trigger},
    {"StartWorkflowRun", api_start_workflow_run},
    {"StopCrawler", api_stop_crawler},
    {"StopTrigger", api_stop_trigger},
    {"StopWorkflowRun", api_stop_workflow_run},
    {"TagResource", api_tag_resource},
    {"UntagResource", api_untag_resource},
    {"UpdateCrawler", api_update_crawler},
    {"UpdateJob", api_update_job},
    {"UpdateTrigger", api_update_trigger},
    {"UpdateWorkflow", api_update_workflow},
};

static int cmp_op(const void *key, const void *elem)
{
    return strcmp(key, ((const api_op_t *)elem)->name);
}

const api_op_t *api_find(const char *name)
{
    return bsearch(name, ops, sizeof ops / sizeof ops[0], sizeof ops[0], cmp_op);
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
