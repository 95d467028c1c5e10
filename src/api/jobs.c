/* CreateJob, UpdateJob, GetJob, GetJobs, ListJobs, BatchGetJobs, DeleteJob. The model's rules come from the
 * generated shape table; here are the rules it cannot express, and the defaults AWS fills in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resources.h"
#include "model/codec.h"
#include "model/shape.h"
#include "model/validate.h"

#define JOB_TIMEOUT_MAX     10080
#define JOB_RETRIES_MAX     10
#define JOB_CONCURRENCY_MAX 1000
#define JOB_PAGE_MAX        1000
#define JOB_BATCH_MAX       1000

static const char *const command_names[] = {"glueetl", "pythonshell", "gluestreaming", "glueray", "shell", NULL};

static json_t *job_json(const store_res_t *r)
{
    return res_doc_json(r, "CreatedOn", "LastModifiedOn");
}

/* GlueVersion "5.0" or later has a default timeout of 480 minutes, earlier ones 2880. */
static bool glue5_or_later(const char *v)
{
    return v && atoi(v) >= 5;
}

/* Checks the rules across members and fills the defaults. path is "" or "JobUpdate." for messages. */
static int job_rules(json_t *doc, const char *path, gerr_t *e)
{
    char what[64];
    snprintf(what, sizeof what, "%sDefaultArguments", path);
    if (val_no_reserved_args(json_object_get(doc, "DefaultArguments"), what, e) < 0)
        return -1;
    snprintf(what, sizeof what, "%sNonOverridableArguments", path);
    if (val_no_reserved_args(json_object_get(doc, "NonOverridableArguments"), what, e) < 0)
        return -1;
    json_t *cmd = json_object_get(doc, "Command");
    const char *cname = json_string_value(json_object_get(cmd, "Name"));
    if (!cname) {
        cname = "glueetl";
        json_object_set_new(cmd, "Name", json_string(cname));
    }
    bool known = false;
    for (size_t i = 0; command_names[i]; i++)
        known |= strcmp(cname, command_names[i]) == 0;
    if (!known)
        return gerr_set(e, GERR_INVALID_INPUT,
                        "%sCommand.Name must be glueetl, pythonshell, gluestreaming, glueray or shell (got '%.100s')",
                        path, cname);
    const char *role = json_string_value(json_object_get(doc, "Role"));
    if (!role || !*role)
        return gerr_set(e, GERR_INVALID_INPUT, "%sRole must name an IAM role (name or ARN)", path);

    json_t *ep = json_object_get(doc, "ExecutionProperty");
    if (!ep) {
        ep = json_object();
        json_object_set_new(doc, "ExecutionProperty", ep);
    }
    json_t *mcr = json_object_get(ep, "MaxConcurrentRuns");
    if (!mcr)
        json_object_set_new(ep, "MaxConcurrentRuns", json_integer(1));
    else if (json_integer_value(mcr) < 1 || json_integer_value(mcr) > JOB_CONCURRENCY_MAX)
        return gerr_set(e, GERR_INVALID_INPUT, "%sExecutionProperty.MaxConcurrentRuns must be 1 to %d (got %lld)", path,
                        JOB_CONCURRENCY_MAX, (long long)json_integer_value(mcr));

    json_t *retries = json_object_get(doc, "MaxRetries");
    if (!retries)
        json_object_set_new(doc, "MaxRetries", json_integer(0));
    else if (json_integer_value(retries) < 0 || json_integer_value(retries) > JOB_RETRIES_MAX)
        return gerr_set(e, GERR_INVALID_INPUT, "%sMaxRetries must be 0 to %d (got %lld)", path, JOB_RETRIES_MAX,
                        (long long)json_integer_value(retries));

    json_t *timeout = json_object_get(doc, "Timeout");
    if (timeout && json_integer_value(timeout) > JOB_TIMEOUT_MAX)
        return gerr_set(e, GERR_INVALID_INPUT, "%sTimeout must be 1 to %d minutes (got %lld)", path, JOB_TIMEOUT_MAX,
                        (long long)json_integer_value(timeout));
    if (!timeout && strcmp(cname, "gluestreaming") != 0) {
        const char *gv = json_string_value(json_object_get(doc, "GlueVersion"));
        json_object_set_new(doc, "Timeout", json_integer(glue5_or_later(gv) ? 480 : 2880));
    }

    bool wt = json_object_get(doc, "WorkerType") != NULL, nw = json_object_get(doc, "NumberOfWorkers") != NULL;
    if (wt != nw)
        return gerr_set(e, GERR_INVALID_INPUT, "%sWorkerType and %sNumberOfWorkers must be given together", path, path);
    json_t *nwv = json_object_get(doc, "NumberOfWorkers");
    if (nwv && json_integer_value(nwv) < 1)
        return gerr_set(e, GERR_INVALID_INPUT, "%sNumberOfWorkers must be at least 1 (got %lld)", path,
                        (long long)json_integer_value(nwv));
    json_t *cap = json_object_get(doc, "MaxCapacity");
    if (wt && (cap || json_object_get(doc, "AllocatedCapacity")))
        return gerr_set(e, GERR_INVALID_INPUT,
                        "%sMaxCapacity and AllocatedCapacity cannot be set together with WorkerType and "
                        "NumberOfWorkers: choose one way to size the job",
                        path);
    if (cap && json_number_value(cap) <= 0)
        return gerr_set(e, GERR_INVALID_INPUT, "%sMaxCapacity must be positive (got %g)", path, json_number_value(cap));
    if (cap && strcmp(cname, "pythonshell") == 0 && json_number_value(cap) != 0.0625 && json_number_value(cap) != 1)
        return gerr_set(e, GERR_INVALID_INPUT, "%sMaxCapacity of a pythonshell job must be 0.0625 or 1 (got %g)", path,
                        json_number_value(cap));
    if (!cap && !wt && strcmp(cname, "pythonshell") == 0)
        json_object_set_new(doc, "MaxCapacity", json_real(0.0625));
    return 0;
}

int api_create_job(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *doc = shape_check(SHAPE_CreateJobRequest, in, "", e);
    if (!doc)
        return -1;
    int ret = -1;
    char *tags = NULL, *text = NULL;
    tags = codec_tags_encode(json_object_get(doc, "Tags"));
    json_object_del(doc, "Tags");
    if (job_rules(doc, "", e) < 0)
        goto out;
    text = json_dumps(doc, JSON_COMPACT);
    const char *name = json_string_value(json_object_get(doc, "Name"));
    store_res_t r = {.kind = "job",
                     .name = (char *)name,
                     .doc = text,
                     .tags = tags,
                     .created_ms = rq->now_ms,
                     .modified_ms = rq->now_ms};
    if (api_res_create(rq, "Job", &r, rq->api->cfg.max_jobs, NULL, NULL, e) < 0)
        goto out;
    *out = json_pack("{ss}", "Name", name);
    ret = 0;
out:
    free(text);
    free(tags);
    json_decref(doc);
    return ret;
}

typedef struct job_update {
    json_t *doc; /* the new definition */
    int64_t now_ms;
} job_update_t;

static int replace_job(api_req_t *rq, store_res_t *r, void *arg, gerr_t *e)
{
    job_update_t *u = arg;
    (void)rq;
    (void)e;
    free(r->doc);
    r->doc = json_dumps(u->doc, JSON_COMPACT);
    r->modified_ms = u->now_ms;
    return 0;
}

int api_update_job(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *upd;
    if (val_str(in, "JobName", &VAL_NAME, true, &name, e) < 0 || val_obj(in, "JobUpdate", true, &upd, e) < 0)
        return -1;
    json_t *doc = shape_check(SHAPE_JobUpdate, upd, "JobUpdate", e);
    if (!doc)
        return -1;
    int ret = -1;
    if (!json_object_get(doc, "Role")) {
        gerr_set(e, GERR_INVALID_INPUT, "JobUpdate.Role is required: an update replaces the whole job definition");
        goto out;
    }
    if (!json_object_get(doc, "Command")) {
        gerr_set(e, GERR_INVALID_INPUT, "JobUpdate.Command is required: an update replaces the whole job definition");
        goto out;
    }
    if (job_rules(doc, "JobUpdate.", e) < 0)
        goto out;
    json_object_set_new(doc, "Name", json_string(name));
    job_update_t u = {doc, rq->now_ms};
    int rc = api_res_mutate(rq, "job", name, replace_job, &u, e);
    if (rc < 0)
        goto out;
    if (rc == STORE_NOTFOUND) {
        gerr_set(e, GERR_NOT_FOUND, "Job '%s' not found", name);
        goto out;
    }
    *out = json_pack("{ss}", "JobName", name);
    ret = 0;
out:
    json_decref(doc);
    return ret;
}

int api_get_job(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *job;
    if (val_str(in, "JobName", &VAL_NAME, true, &name, e) < 0 || res_get(rq, "job", "Job", name, job_json, &job, e) < 0)
        return -1;
    *out = json_pack("{so}", "Job", job);
    return 0;
}

int api_get_jobs(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return res_page(rq, "job", in, "GetJobs", JOB_PAGE_MAX, NULL, NULL, NULL, job_json, "Jobs", out, e);
}

int api_list_jobs(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *tags = NULL;
    if (val_map(in, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &tags, e) < 0)
        return -1;
    return res_page(rq, "job", in, "ListJobs", JOB_PAGE_MAX, tags, NULL, NULL, res_name_json, "JobNames", out, e);
}

int api_batch_get_jobs(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return res_batch_get(rq, "job", in, "JobNames", JOB_BATCH_MAX, job_json, "Jobs", "JobsNotFound", out, e);
}

int api_delete_job(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "JobName", &VAL_NAME, true, &name, e) < 0)
        return -1;
    int rc = store_res_delete(rq->api->store, "job", name);
    if (rc < 0)
        return gerr_store(e, rc, "deleting a job");
    *out = json_pack("{ss}", "JobName", name);
    return 0;
}
