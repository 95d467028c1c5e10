/* CreateCrawler, UpdateCrawler, GetCrawler, GetCrawlers, ListCrawlers, BatchGetCrawlers, DeleteCrawler,
 * StartCrawler, StopCrawler, ListCrawls, GetCrawlerMetrics, and the schedule's StartCrawlerSchedule,
 * StopCrawlerSchedule, UpdateCrawlerSchedule. A crawler is stored as its Crawler structure (State, Schedule with its
 * State, LastCrawl and Version included); what a crawl does is the engine's. A schedule is SCHEDULED or NOT_SCHEDULED:
 * glued changes it in one transaction, so it is never seen TRANSITIONING and SchedulerTransitioningException never
 * happens. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/resources.h"
#include "catalog/catdoc.h"
#include "engine/engine.h"
#include "model/codec.h"
#include "model/shape.h"
#include "model/validate.h"

#define CRAWLER_PAGE_MAX  1000
#define CRAWLER_BATCH_MAX 100

/* Members of CreateCrawlerRequest/UpdateCrawlerRequest kept as they are in the Crawler structure. */
static const char *const copied[] = {"Role",
                                     "Targets",
                                     "DatabaseName",
                                     "Description",
                                     "Classifiers",
                                     "TablePrefix",
                                     "SchemaChangePolicy",
                                     "RecrawlPolicy",
                                     "LineageConfiguration",
                                     "Configuration",
                                     "CrawlerSecurityConfiguration",
                                     "LakeFormationConfiguration",
                                     NULL};

static json_t *crawler_json(const store_res_t *r)
{
    return res_doc_json(r, "CreationTime", "LastUpdated");
}

static int check_targets(json_t *targets, gerr_t *e)
{
    size_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach (targets, k, v)
        total += json_array_size(v);
    if (total == 0)
        return gerr_set(e, GERR_INVALID_INPUT, "Targets must hold at least one target (e.g. S3Targets with a Path)");
    size_t i;
    json_t *t;
    json_array_foreach (json_object_get(targets, "S3Targets"), i, t) {
        const char *path = json_string_value(json_object_get(t, "Path"));
        if (!path || !*path)
            return gerr_set(e, GERR_INVALID_INPUT, "Targets.S3Targets[%zu].Path is required", i);
    }
    return 0;
}

/* Sets the crawler's schedule to expr: an empty one removes it; a new one is SCHEDULED; a changed expression keeps
 * the state it had (a schedule stopped with StopCrawlerSchedule stays stopped). */
static int set_schedule(json_t *doc, const char *expr, gerr_t *e)
{
    if (!expr || !*expr) {
        json_object_del(doc, "Schedule");
        return 0;
    }
    if (api_check_schedule(expr, "Schedule", e) < 0)
        return -1;
    const char *was = json_string_value(json_object_get(json_object_get(doc, "Schedule"), "State"));
    const char *state = was && strcmp(was, "NOT_SCHEDULED") == 0 ? "NOT_SCHEDULED" : "SCHEDULED";
    json_object_set_new(doc, "Schedule", json_pack("{ssss}", "ScheduleExpression", expr, "State", state));
    return 0;
}

/* The members the model leaves unchecked: a Role (required by CreateCrawler) is not empty, and a DatabaseName is
 * one CreateDatabase would take, for the crawl creates it (an empty one is no database: nothing is written). */
static int check_members(json_t *req, gerr_t *e)
{
    json_t *role = json_object_get(req, "Role");
    if (role && !*json_string_value(role))
        return gerr_set(e, GERR_INVALID_INPUT, "Role must name an IAM role (name or ARN)");
    const char *db = json_string_value(json_object_get(req, "DatabaseName"));
    if (db && *db && catdoc_check_db_name(db, "DatabaseName", e) < 0)
        return -1;
    return 0;
}

/* RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY takes only LOG behaviours, as AWS says (in its words); checked on the
 * whole document, so that an update of either policy alone is held to the other as stored. A behaviour the
 * SchemaChangePolicy leaves out is the default the crawl applies (UPDATE_IN_DATABASE, DEPRECATE_IN_DATABASE). */
static int check_recrawl(json_t *doc, gerr_t *e)
{
    const char *rb = json_string_value(json_object_get(json_object_get(doc, "RecrawlPolicy"), "RecrawlBehavior"));
    if (!rb || strcmp(rb, "CRAWL_NEW_FOLDERS_ONLY") != 0)
        return 0;
    json_t *scp = json_object_get(doc, "SchemaChangePolicy");
    const char *upd = json_string_value(json_object_get(scp, "UpdateBehavior"));
    const char *del = json_string_value(json_object_get(scp, "DeleteBehavior"));
    if (upd && strcmp(upd, "LOG") == 0 && del && strcmp(del, "LOG") == 0)
        return 0;
    return gerr_set(e, GERR_INVALID_INPUT,
                    "The SchemaChangePolicy for \"Crawl new folders only\" Amazon S3 target can have only LOG "
                    "DeleteBehavior value and LOG UpdateBehavior value.");
}

/* One option of a crawler's Configuration that the crawl reads: where it is, and the values it takes. */
typedef struct conf_option {
    const char *path[3]; /* keys from the top, NULL-ended */
    const char *values;  /* the accepted values, as the message lists them */
    const char *one[2];  /* the same, one by one */
} conf_option_t;

static const conf_option_t conf_options[] = {
    {{"Grouping", "TableGroupingPolicy", NULL}, "CombineCompatibleSchemas", {"CombineCompatibleSchemas", NULL}},
    {{"CrawlerOutput", "Partitions", "AddOrUpdateBehavior"}, "InheritFromTable", {"InheritFromTable", NULL}},
    {{"CrawlerOutput", "Tables", "AddOrUpdateBehavior"}, "MergeNewColumns", {"MergeNewColumns", NULL}},
};

/* Configuration, a versioned JSON string: it must be a JSON object, and the options the crawl reads must hold
 * values it knows (a misspelt one was ignored without a word). Keys glued does not read are kept as given. */
static int check_configuration(json_t *doc, gerr_t *e)
{
    const char *text = json_string_value(json_object_get(doc, "Configuration"));
    if (!text)
        return 0;
    json_error_t je;
    json_t *conf = json_loads(text, 0, &je);
    if (!json_is_object(conf)) {
        json_decref(conf);
        return conf ? gerr_set(e, GERR_INVALID_INPUT, "Configuration must be a JSON object")
                    : gerr_set(e, GERR_INVALID_INPUT, "Configuration is not valid JSON: %s at character %d", je.text,
                               je.position);
    }
    int rc = 0;
    json_t *v = json_object_get(conf, "Version");
    if (v && !json_is_number(v))
        rc = gerr_set(e, GERR_INVALID_INPUT, "Configuration's Version must be a number, such as 1.0");
    for (size_t i = 0; rc == 0 && i < sizeof conf_options / sizeof conf_options[0]; i++) {
        const conf_option_t *o = &conf_options[i];
        char where[128] = "Configuration";
        v = conf;
        for (size_t k = 0; k < 3 && o->path[k] && v; k++) {
            if (!json_is_object(v)) {
                rc = gerr_set(e, GERR_INVALID_INPUT, "%s must be a JSON object", where);
                break;
            }
            v = json_object_get(v, o->path[k]);
            snprintf(where + strlen(where), sizeof where - strlen(where), ".%s", o->path[k]);
        }
        if (rc || !v)
            continue;
        const char *sv = json_string_value(v);
        bool known = false;
        for (size_t k = 0; sv && k < 2 && o->one[k]; k++)
            known |= strcmp(sv, o->one[k]) == 0;
        if (!known)
            rc = gerr_set(e, GERR_INVALID_INPUT, "%s must be %s", where, o->values);
    }
    json_decref(conf);
    return rc;
}

/* Copies the request's members onto the crawler document, checking them; absent members stay as they are. */
static int apply(json_t *doc, json_t *req, gerr_t *e)
{
    if (check_members(req, e) < 0)
        return -1;
    for (size_t i = 0; copied[i]; i++) {
        json_t *v = json_object_get(req, copied[i]);
        if (v)
            json_object_set(doc, copied[i], v);
    }
    json_t *targets = json_object_get(doc, "Targets");
    if ((targets && check_targets(targets, e) < 0) || check_recrawl(doc, e) < 0 || check_configuration(doc, e) < 0)
        return -1;
    json_t *sched = json_object_get(req, "Schedule");
    if (sched && set_schedule(doc, json_string_value(sched), e) < 0)
        return -1;
    return 0;
}

int api_create_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = shape_check(SHAPE_CreateCrawlerRequest, in, "", e);
    if (!req)
        return -1;
    int ret = -1;
    char *tags = NULL, *text = NULL;
    const char *name = json_string_value(json_object_get(req, "Name"));
    json_t *doc = json_pack("{sssssisi}", "Name", name, "State", "READY", "CrawlElapsedTime", 0, "Version", 1);
    /* the defaults AWS reports for a crawler created without them */
    json_object_set_new(
        doc, "SchemaChangePolicy",
        json_pack("{ssss}", "UpdateBehavior", "UPDATE_IN_DATABASE", "DeleteBehavior", "DEPRECATE_IN_DATABASE"));
    json_object_set_new(doc, "RecrawlPolicy", json_pack("{ss}", "RecrawlBehavior", "CRAWL_EVERYTHING"));
    json_object_set_new(doc, "LineageConfiguration", json_pack("{ss}", "CrawlerLineageSettings", "DISABLE"));
    if (apply(doc, req, e) < 0)
        goto out;
    tags = codec_tags_encode(json_object_get(req, "Tags"));
    text = json_dumps(doc, JSON_COMPACT);
    store_res_t r = {.kind = "crawler",
                     .name = (char *)name,
                     .doc = text,
                     .tags = tags,
                     .created_ms = rq->now_ms,
                     .modified_ms = rq->now_ms};
    if (api_res_create(rq, "Crawler", &r, rq->api->cfg.max_crawlers, NULL, NULL, e) < 0)
        goto out;
    if (json_object_get(doc, "Schedule"))
        engine_reschedule(rq->api->engine);
    *out = json_object();
    ret = 0;
out:
    free(text);
    free(tags);
    json_decref(doc);
    json_decref(req);
    return ret;
}

typedef struct crawler_edit {
    json_t *req;
    int64_t now_ms;
} crawler_edit_t;

static int is_running(json_t *doc)
{
    const char *state = json_string_value(json_object_get(doc, "State"));
    return state && strcmp(state, "READY") != 0;
}

static int update_crawler(api_req_t *rq, store_res_t *r, void *arg, gerr_t *e)
{
    (void)rq;
    crawler_edit_t *x = arg;
    json_t *doc = json_loads(r->doc, 0, NULL);
    if (!doc)
        return gerr_set(e, GERR_INTERNAL, "Crawler '%s' is stored damaged", r->name);
    if (is_running(doc)) {
        json_decref(doc);
        return gerr_set(e, GERR_CRAWLER_RUNNING, "Crawler '%s' is running; update it when the crawl has ended",
                        r->name);
    }
    if (apply(doc, x->req, e) < 0) {
        json_decref(doc);
        return -1;
    }
    json_object_set_new(doc, "Version", json_integer(json_integer_value(json_object_get(doc, "Version")) + 1));
    free(r->doc);
    r->doc = json_dumps(doc, JSON_COMPACT);
    r->modified_ms = x->now_ms;
    json_decref(doc);
    return 0;
}

int api_update_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = shape_check(SHAPE_UpdateCrawlerRequest, in, "", e);
    if (!req)
        return -1;
    const char *name = json_string_value(json_object_get(req, "Name"));
    crawler_edit_t x = {req, rq->now_ms};
    int rc = api_res_mutate(rq, "crawler", name, update_crawler, &x, e);
    if (rc == STORE_NOTFOUND)
        rc = gerr_set(e, GERR_NOT_FOUND, "Crawler '%s' not found", name);
    bool sched = json_object_get(req, "Schedule") != NULL;
    json_decref(req);
    if (rc < 0)
        return -1;
    if (sched)
        engine_reschedule(rq->api->engine);
    *out = json_object();
    return 0;
}

/* CrawlElapsedTime of an answered Crawler: while it is RUNNING or STOPPING, the milliseconds since its crawl began
 * (read from the crawl's record: nothing is written per read); otherwise 0. */
static int set_elapsed(api_req_t *rq, json_t *c, gerr_t *e)
{
    json_int_t ms = 0;
    if (is_running(c)) {
        store_jobrun_t *v = NULL;
        size_t n = 0;
        int rc =
            store_jobrun_list_job(api_db(rq), "crawl", json_string_value(json_object_get(c, "Name")), 0, 1, &v, &n);
        if (rc < 0)
            return gerr_store(e, rc, "reading a crawl");
        if (n && JR_ACTIVE(v[0].state) && v[0].started_ms && rq->now_ms > v[0].started_ms)
            ms = rq->now_ms - v[0].started_ms;
        store_jobrun_list_free(v, n);
    }
    json_object_set_new(c, "CrawlElapsedTime", json_integer(ms));
    return 0;
}

/* set_elapsed on each Crawler of an answer's list; on failure the answer is dropped. */
static int set_elapsed_all(api_req_t *rq, json_t **out, const char *key, gerr_t *e)
{
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get(*out, key), i, c) {
        if (set_elapsed(rq, c, e) < 0) {
            json_decref(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

int api_get_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *c;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 ||
        res_get(rq, "crawler", "Crawler", name, crawler_json, &c, e) < 0)
        return -1;
    if (set_elapsed(rq, c, e) < 0) {
        json_decref(c);
        return -1;
    }
    *out = json_pack("{so}", "Crawler", c);
    return 0;
}

int api_get_crawlers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    if (res_page(rq, "crawler", in, "GetCrawlers", CRAWLER_PAGE_MAX, NULL, NULL, NULL, crawler_json, "Crawlers", out,
                 e) < 0)
        return -1;
    return set_elapsed_all(rq, out, "Crawlers", e);
}

int api_list_crawlers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *tags = NULL;
    if (val_map(in, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &tags, e) < 0)
        return -1;
    return res_page(rq, "crawler", in, "ListCrawlers", CRAWLER_PAGE_MAX, tags, NULL, NULL, res_name_json,
                    "CrawlerNames", out, e);
}

int api_batch_get_crawlers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    if (res_batch_get(rq, "crawler", in, "CrawlerNames", CRAWLER_BATCH_MAX, crawler_json, "Crawlers",
                      "CrawlersNotFound", out, e) < 0)
        return -1;
    return set_elapsed_all(rq, out, "Crawlers", e);
}

/* The crawler exists and is READY: 0, STORE_NOTFOUND (e set), or -1 with CrawlerRunningException saying
 * "Crawler '<name>' <why>". */
static int must_be_idle(api_req_t *rq, const char *name, const char *why, gerr_t *e)
{
    store_res_t r = {0};
    int rc = store_res_get(api_db(rq), "crawler", name, &r);
    if (rc < 0)
        rc = gerr_store(e, rc, "reading a crawler");
    if (rc == 0) {
        json_t *doc = json_loads(r.doc, 0, NULL);
        if (is_running(doc))
            rc = gerr_set(e, GERR_CRAWLER_RUNNING, "Crawler '%s' %s", name, why);
        json_decref(doc);
    }
    store_res_cleanup(&r);
    if (rc == STORE_NOTFOUND)
        gerr_set(e, GERR_NOT_FOUND, "Crawler '%s' not found", name);
    return rc;
}

int api_delete_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0)
        return -1;
    int rc = must_be_idle(rq, name, "is running; stop it before deleting it", e);
    if (rc == 0)
        rc = store_res_delete(rq->api->store, "crawler", name);
    if (rc < 0 && !e->type)
        return gerr_store(e, rc, "deleting a crawler");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Crawler '%s' not found", name);
    if (rc < 0)
        return -1;
    engine_reschedule(rq->api->engine);
    *out = json_object();
    return 0;
}

int api_start_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0)
        return -1;
    if (must_be_idle(rq, name, "is already running", e) != 0)
        return -1;
    flow_ids_t spawn = {0};
    if (flow_start_crawl(&rq->api->flow, name, rq->now_ms, &spawn, e) < 0) {
        flow_ids_cleanup(&spawn);
        return -1;
    }
    engine_spawn(rq->api->engine, &spawn);
    *out = json_object();
    return 0;
}

int api_stop_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 || flow_stop_crawl(&rq->api->flow, name, rq->now_ms, e) < 0)
        return -1;
    *out = json_object();
    return 0;
}

/* ---- the schedule ---- */

enum sched_op { SCHED_START, SCHED_STOP, SCHED_UPDATE };

typedef struct sched_edit {
    enum sched_op op;
    const char *expr; /* SCHED_UPDATE */
    int64_t now_ms;
} sched_edit_t;

static int edit_schedule(api_req_t *rq, store_res_t *r, void *arg, gerr_t *e)
{
    (void)rq;
    sched_edit_t *x = arg;
    json_t *doc = json_loads(r->doc, 0, NULL);
    if (!doc)
        return gerr_set(e, GERR_INTERNAL, "Crawler '%s' is stored damaged", r->name);
    json_t *sched = json_object_get(doc, "Schedule");
    const char *state = json_string_value(json_object_get(sched, "State"));
    int rc = 0;
    if (x->op == SCHED_UPDATE)
        rc = set_schedule(doc, x->expr, e);
    else if (!sched && x->op == SCHED_START)
        rc = gerr_set(e, GERR_NO_SCHEDULE,
                      "Crawler '%s' has no schedule to start; give it one with UpdateCrawlerSchedule or UpdateCrawler",
                      r->name);
    else if (x->op == SCHED_START && state && strcmp(state, "SCHEDULED") == 0)
        rc = gerr_set(e, GERR_SCHEDULER_RUNNING, "The schedule of crawler '%s' is already SCHEDULED", r->name);
    else if (x->op == SCHED_STOP && (!sched || !state || strcmp(state, "SCHEDULED") != 0))
        rc = gerr_set(e, GERR_SCHEDULER_STOPPED, "The schedule of crawler '%s' is not running (%s)", r->name,
                      sched ? "it is NOT_SCHEDULED" : "the crawler has no schedule");
    else
        json_object_set_new(sched, "State", json_string(x->op == SCHED_START ? "SCHEDULED" : "NOT_SCHEDULED"));
    if (rc == 0) {
        free(r->doc);
        r->doc = json_dumps(doc, JSON_COMPACT);
        r->modified_ms = x->now_ms;
    }
    json_decref(doc);
    return rc;
}

static int schedule_op(api_req_t *rq, json_t *in, enum sched_op op, json_t **out, gerr_t *e)
{
    const char *name, *expr = NULL;
    if (val_str(in, "CrawlerName", &VAL_NAME, true, &name, e) < 0)
        return -1;
    if (op == SCHED_UPDATE && val_str(in, "Schedule", &VAL_GENERIC, false, &expr, e) < 0)
        return -1;
    sched_edit_t x = {op, expr, rq->now_ms};
    int rc = api_res_mutate(rq, "crawler", name, edit_schedule, &x, e);
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "Crawler '%s' not found", name);
    if (rc < 0)
        return -1;
    engine_reschedule(rq->api->engine);
    *out = json_object();
    return 0;
}

int api_start_crawler_schedule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return schedule_op(rq, in, SCHED_START, out, e);
}

int api_stop_crawler_schedule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return schedule_op(rq, in, SCHED_STOP, out, e);
}

int api_update_crawler_schedule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return schedule_op(rq, in, SCHED_UPDATE, out, e);
}

/* ---- crawl history: ListCrawls, GetCrawlerMetrics ---- */

static const char *history_state(int s)
{
    switch (s) {
    case JR_SUCCEEDED: return "COMPLETED";
    case JR_STOPPED: return "STOPPED";
    case JR_FAILED:
    case JR_TIMEOUT:
    case JR_ERROR:
    case JR_EXPIRED: return "FAILED";
    default: return "RUNNING";
    }
}

static json_t *crawl_history(const store_jobrun_t *r)
{
    json_t *h = json_pack("{ssssssssss}", "CrawlId", r->id, "State", history_state(r->state), "LogGroup",
                          "/aws-glue/crawlers", "LogStream", r->job, "MessagePrefix", r->id);
    if (r->started_ms)
        json_object_set_new(h, "StartTime", codec_timestamp(r->started_ms));
    if (r->completed_ms)
        json_object_set_new(h, "EndTime", codec_timestamp(r->completed_ms));
    codec_set_str(h, "ErrorMessage", r->error_message);
    codec_set_str(h, "Summary", r->detail);
    json_object_set_new(h, "DPUHour", json_real(0));
    return h;
}

/* A filter's FieldValue as epoch milliseconds: seconds since the epoch, or yyyy-mm-ddThh:mm:ss[Z]. */
static int time_value(const char *s, int64_t *ms)
{
    char *end;
    double d = strtod(s, &end);
    if (end != s && *end == '\0') {
        *ms = (int64_t)(d * 1000);
        return 0;
    }
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!rest || (*rest && strcmp(rest, "Z") != 0))
        return -1;
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

/* Whether a crawl passes every filter (checked before: field names, operators and values are valid). */
static bool crawl_passes(const store_jobrun_t *r, json_t *filters)
{
    size_t i;
    json_t *f;
    json_array_foreach (filters, i, f) {
        const char *field = json_string_value(json_object_get(f, "FieldName"));
        const char *op = json_string_value(json_object_get(f, "FilterOperator"));
        const char *val = json_string_value(json_object_get(f, "FieldValue"));
        int c;
        if (strcmp(field, "CRAWL_ID") == 0) {
            c = strcmp(r->id, val);
        } else if (strcmp(field, "STATE") == 0) {
            c = strcmp(history_state(r->state), val);
        } else if (strcmp(field, "DPU_HOUR") == 0) {
            double v = atof(val);
            c = 0 < v ? -1 : 0 > v;
        } else {
            int64_t t = 0, have = strcmp(field, "START_TIME") == 0 ? r->started_ms : r->completed_ms;
            time_value(val, &t);
            if (!have)
                return false;
            c = have < t ? -1 : have > t;
        }
        bool ok = strcmp(op, "EQ") == 0   ? c == 0
                  : strcmp(op, "NE") == 0 ? c != 0
                  : strcmp(op, "GT") == 0 ? c > 0
                  : strcmp(op, "GE") == 0 ? c >= 0
                  : strcmp(op, "LT") == 0 ? c < 0
                                          : c <= 0;
        if (!ok)
            return false;
    }
    return true;
}

int api_list_crawls(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = shape_check(SHAPE_ListCrawlsRequest, in, "", e);
    if (!req)
        return -1;
    const char *name = json_string_value(json_object_get(req, "CrawlerName"));
    json_t *filters = json_object_get(req, "Filters"), *list = json_array();
    char scope[16 + API_NAME_BYTES + 300];
    char *fs = filters ? json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(scope, sizeof scope, "ListCrawls/%s/%.300s", name, fs ? fs : "");
    free(fs);
    api_page_t p = {0};
    int ret = -1;
    size_t i;
    json_t *f;
    json_array_foreach (filters, i, f) {
        const char *field = json_string_value(json_object_get(f, "FieldName"));
        const char *val = json_string_value(json_object_get(f, "FieldValue"));
        int64_t t;
        if (!field || !json_object_get(f, "FilterOperator") || !val) {
            gerr_set(e, GERR_INVALID_INPUT, "Filters[%zu] needs FieldName, FilterOperator and FieldValue", i);
            goto done;
        }
        if ((strcmp(field, "START_TIME") == 0 || strcmp(field, "END_TIME") == 0) && time_value(val, &t) < 0) {
            gerr_set(e, GERR_INVALID_INPUT,
                     "Filters[%zu].FieldValue '%.60s' is not a time (seconds since the epoch, or "
                     "yyyy-mm-ddThh:mm:ssZ)",
                     i, val);
            goto done;
        }
    }
    if (api_page_read(rq, req, scope, 1000, &p, e) < 0)
        goto done;
    int rc = must_be_idle(rq, name, "", e);
    if (rc == STORE_NOTFOUND || (rc < 0 && strcmp(e->type, GERR_CRAWLER_RUNNING) != 0))
        goto done; /* a running crawler is listed all the same */
    memset(e, 0, sizeof *e);
    int64_t before = p.after_int;
    bool more = false;
    int64_t last = 0;
    for (;;) {
        store_jobrun_t *v = NULL;
        size_t n = 0;
        if ((rc = store_jobrun_list_job(api_db(rq), "crawl", name, before, 200, &v, &n)) < 0) {
            gerr_store(e, rc, "listing crawls");
            goto done;
        }
        for (size_t k = 0; k < n && !more; k++) {
            before = v[k].seq;
            if (!crawl_passes(&v[k], filters))
                continue;
            if ((int)json_array_size(list) == p.limit) {
                more = true;
                break;
            }
            json_array_append_new(list, crawl_history(&v[k]));
            last = v[k].seq;
        }
        store_jobrun_list_free(v, n);
        if (more || n < 200)
            break;
    }
    *out = json_pack("{sO}", "Crawls", list);
    if (more)
        api_page_next(rq, *out, scope, NULL, last);
    ret = 0;
done:
    api_page_cleanup(&p);
    json_decref(list);
    json_decref(req);
    return ret;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* One crawler's CrawlerMetrics from its last 20 crawls. */
static json_t *metrics(api_req_t *rq, const char *name, int64_t now, gerr_t *e)
{
    store_jobrun_t *v = NULL;
    size_t n = 0;
    int rc = store_jobrun_list_job(api_db(rq), "crawl", name, 0, 20, &v, &n);
    if (rc < 0) {
        gerr_store(e, rc, "reading crawls");
        return NULL;
    }
    int64_t runtimes[20];
    size_t nr = 0;
    json_t *m = json_pack("{sssbsfsfsfsisisi}", "CrawlerName", name, "StillEstimating", 0, "LastRuntimeSeconds", 0.0,
                          "MedianRuntimeSeconds", 0.0, "TimeLeftSeconds", 0.0, "TablesCreated", 0, "TablesUpdated", 0,
                          "TablesDeleted", 0);
    bool last_done = false;
    for (size_t i = 0; i < n; i++) {
        if (JR_ACTIVE(v[i].state)) {
            if (i == 0)
                json_object_set_new(m, "StillEstimating", json_true());
            continue;
        }
        int64_t rt = (v[i].completed_ms ? v[i].completed_ms : now) - v[i].started_ms;
        runtimes[nr++] = rt;
        if (!last_done) {
            last_done = true;
            json_object_set_new(m, "LastRuntimeSeconds", json_real((double)rt / 1000.0));
            json_t *d = v[i].detail ? json_loads(v[i].detail, 0, NULL) : NULL;
            static const char *const keys[] = {"TablesCreated", "TablesUpdated", "TablesDeleted"};
            for (size_t k = 0; k < 3; k++)
                if (json_object_get(d, keys[k]))
                    json_object_set(m, keys[k], json_object_get(d, keys[k]));
            json_decref(d);
        }
    }
    if (nr) {
        qsort(runtimes, nr, sizeof runtimes[0], cmp_i64);
        double med = nr % 2 ? (double)runtimes[nr / 2] : (double)(runtimes[nr / 2 - 1] + runtimes[nr / 2]) / 2.0;
        json_object_set_new(m, "MedianRuntimeSeconds", json_real(med / 1000.0));
    }
    store_jobrun_list_free(v, n);
    return m;
}

int api_get_crawler_metrics(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = shape_check(SHAPE_GetCrawlerMetricsRequest, in, "", e);
    if (!req)
        return -1;
    json_t *names = json_object_get(req, "CrawlerNameList"), *list = json_array();
    api_page_t p = {0};
    int ret = -1;
    store_res_t *defs = NULL;
    size_t nd = 0;
    if (api_page_read(rq, req, "GetCrawlerMetrics", 1000, &p, e) < 0)
        goto done;
    json_t *wanted = json_array();
    if (json_array_size(names)) {
        /* pages go by name, as without a list: the names asked for in order, each once, so a token (the last
         * name given) resumes the same walk whatever order the list came in */
        size_t nn = json_array_size(names), k = 0;
        const char **v = malloc(nn * sizeof *v);
        for (size_t i = 0; v && i < nn; i++) {
            const char *s = json_string_value(json_array_get(names, i));
            if (!p.after_str || strcmp(s, p.after_str) > 0)
                v[k++] = s;
        }
        if (v)
            qsort(v, k, sizeof *v, cmp_str);
        for (size_t i = 0; v && i < k; i++)
            if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
                json_array_append_new(wanted, json_string(v[i]));
        free(v);
    } else {
        int rc = store_res_list(api_db(rq), "crawler", p.after_str, p.limit + 1, &defs, &nd);
        if (rc < 0) {
            json_decref(wanted);
            gerr_store(e, rc, "listing crawlers");
            goto done;
        }
        for (size_t i = 0; i < nd; i++)
            json_array_append_new(wanted, json_string(defs[i].name));
    }
    size_t i;
    json_t *nm;
    const char *last = NULL;
    bool more = false;
    json_array_foreach (wanted, i, nm) {
        store_res_t r = {0};
        int rc = store_res_get(api_db(rq), "crawler", json_string_value(nm), &r);
        store_res_cleanup(&r);
        if (rc == STORE_NOTFOUND)
            continue; /* as AWS: unknown names are left out */
        if (rc == 0 && (int)json_array_size(list) == p.limit) {
            more = true; /* a crawler is left for the next page: never a token to an empty one */
            break;
        }
        json_t *m = rc < 0 ? NULL : metrics(rq, json_string_value(nm), rq->now_ms, e);
        if (!m) {
            if (rc < 0)
                gerr_store(e, rc, "reading a crawler");
            json_decref(wanted);
            goto done;
        }
        json_array_append_new(list, m);
        last = json_string_value(nm);
    }
    *out = json_pack("{sO}", "CrawlerMetricsList", list);
    if (more && last)
        api_page_next(rq, *out, "GetCrawlerMetrics", last, 0);
    json_decref(wanted);
    ret = 0;
done:
    store_res_list_free(defs, nd);
    api_page_cleanup(&p);
    json_decref(list);
    json_decref(req);
    return ret;
}
