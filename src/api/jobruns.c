/* StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun: job runs outside workflows, and reading any job run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/engine.h"
#include "model/codec.h"
#include "model/shape.h"
#include "model/validate.h"

#define JOBRUNS_PAGE_MAX 200
#define STOP_BATCH_MAX   25

int api_start_job_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = shape_check(SHAPE_StartJobRunRequest, in, "", e);
    if (!req)
        return -1;
    const char *job = json_string_value(json_object_get(req, "JobName"));
    const char *retry = json_string_value(json_object_get(req, "JobRunId"));
    json_t *timeout = json_object_get(req, "Timeout");
    int ret = -1;
    if (val_no_reserved_args(json_object_get(req, "Arguments"), "Arguments", e) < 0)
        goto out;
    if (timeout && json_integer_value(timeout) > 10080) {
        gerr_set(e, GERR_INVALID_INPUT, "Timeout must be 1 to 10080 minutes (got %lld)",
                 (long long)json_integer_value(timeout));
        goto out;
    }
    /* The capacity overrides are not used to run the job, but AWS refuses the same values CreateJob does
     * (NumberOfWorkers alone is a valid override: the job's WorkerType stays) */
    json_t *nw = json_object_get(req, "NumberOfWorkers"), *cap = json_object_get(req, "MaxCapacity");
    if (nw && json_integer_value(nw) < 1) {
        gerr_set(e, GERR_INVALID_INPUT, "NumberOfWorkers must be at least 1 (got %lld)",
                 (long long)json_integer_value(nw));
        goto out;
    }
    if (cap && json_number_value(cap) <= 0) {
        gerr_set(e, GERR_INVALID_INPUT, "MaxCapacity must be positive (got %g)", json_number_value(cap));
        goto out;
    }
    if (cap && (nw || json_object_get(req, "WorkerType"))) {
        gerr_set(e, GERR_INVALID_INPUT,
                 "MaxCapacity cannot be set together with WorkerType or NumberOfWorkers: choose one way to size the "
                 "run");
        goto out;
    }
    char id[FLOW_JOB_RUN_ID_LEN];
    flow_ids_t spawn = {0};
    if (flow_start_job_run(&rq->api->flow, job, retry, json_object_get(req, "Arguments"),
                           timeout ? json_integer_value(timeout) : 0, rq->now_ms, id, &spawn, e) < 0) {
        flow_ids_cleanup(&spawn);
        goto out;
    }
    engine_spawn(rq->api->engine, &spawn);
    *out = json_pack("{ss}", "JobRunId", id);
    ret = 0;
out:
    json_decref(req);
    return ret;
}

int api_get_job_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *job, *id;
    bool pred = false;
    if (val_str(in, "JobName", &VAL_NAME, true, &job, e) < 0 || val_str(in, "RunId", &VAL_ID, true, &id, e) < 0 ||
        val_bool(in, "PredecessorsIncluded", &pred, e) < 0)
        return -1;
    store_jobrun_t r = {0};
    int rc = store_jobrun_get(api_db(rq), id, &r);
    if (rc < 0)
        rc = gerr_store(e, rc, "reading a job run");
    if (rc == 0 && (strcmp(r.kind, "job") != 0 || strcmp(r.job, job) != 0))
        rc = STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND)
        rc = gerr_set(e, GERR_NOT_FOUND, "Job run '%s' of job '%s' not found", id, job);
    if (rc == 0)
        *out = json_pack("{so}", "JobRun", codec_jobrun(&r));
    store_jobrun_cleanup(&r);
    return rc;
}

int api_get_job_runs(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *job;
    if (val_str(in, "JobName", &VAL_NAME, true, &job, e) < 0)
        return -1;
    char scope[16 + API_NAME_BYTES];
    snprintf(scope, sizeof scope, "GetJobRuns/%s", job);
    api_page_t p;
    if (api_page_read(rq, in, scope, JOBRUNS_PAGE_MAX, &p, e) < 0)
        return -1;
    api_page_cleanup(&p);
    store_res_t def = {0};
    int rc = store_res_get(api_db(rq), "job", job, &def);
    store_res_cleanup(&def);
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Job '%s' not found", job);
    if (rc < 0)
        return gerr_store(e, rc, "reading a job");
    store_jobrun_t *v;
    size_t n;
    if ((rc = store_jobrun_list_job(api_db(rq), "job", job, p.after_int, p.limit + 1, &v, &n)) < 0)
        return gerr_store(e, rc, "listing job runs");
    json_t *list = json_array();
    size_t shown = n > (size_t)p.limit ? (size_t)p.limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(list, codec_jobrun(&v[i]));
    *out = json_pack("{so}", "JobRuns", list);
    if (n > shown)
        api_page_next(rq, *out, scope, NULL, v[shown - 1].seq);
    store_jobrun_list_free(v, n);
    return 0;
}

int api_batch_stop_job_run(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *job;
    json_t *ids;
    if (val_str(in, "JobName", &VAL_NAME, true, &job, e) < 0 ||
        val_str_list(in, "JobRunIds", 1, STOP_BATCH_MAX, &VAL_ID, true, &ids, e) < 0)
        return -1;
    json_t *ok = json_array(), *errors = json_array();
    flow_ids_t kill = {0}, spawn = {0};
    size_t i;
    json_t *it;
    json_array_foreach (ids, i, it) {
        const char *id = json_string_value(it);
        gerr_t one = {0};
        if (flow_stop_job_run(&rq->api->flow, job, id, rq->now_ms, &kill, &spawn, &one) < 0) {
            if (strcmp(one.type, GERR_INTERNAL) == 0) {
                *e = one;
                json_decref(ok);
                json_decref(errors);
                flow_ids_cleanup(&kill);
                flow_ids_cleanup(&spawn);
                return -1;
            }
            json_array_append_new(errors, json_pack("{sssss{ssss}}", "JobName", job, "JobRunId", id, "ErrorDetail",
                                                    "ErrorCode", one.type, "ErrorMessage", one.msg));
        } else {
            json_array_append_new(ok, json_pack("{ssss}", "JobName", job, "JobRunId", id));
        }
    }
    engine_kill(rq->api->engine, &kill);
    engine_spawn(rq->api->engine, &spawn);
    *out = json_pack("{soso}", "SuccessfulSubmissions", ok, "Errors", errors);
    return 0;
}
