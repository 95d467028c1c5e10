/* CreateCrawler, UpdateCrawler, GetCrawler, GetCrawlers, ListCrawlers, BatchGetCrawlers, DeleteCrawler,
 * StartCrawler, StopCrawler, and the schedule's StartCrawlerSchedule, StopCrawlerSchedule, UpdateCrawlerSchedule.
 * A crawler is stored as its Crawler structure (State, Schedule with its State, LastCrawl and Version included);
 * what a crawl does is the engine's. A schedule is SCHEDULED or NOT_SCHEDULED: glued changes it in one
 * transaction, so it is never seen TRANSITIONING and SchedulerTransitioningException never happens. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resources.h"
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

/* Copies the request's members onto the crawler document, checking them; absent members stay as they are. */
static int apply(json_t *doc, json_t *req, gerr_t *e)
{
    for (size_t i = 0; copied[i]; i++) {
        json_t *v = json_object_get(req, copied[i]);
        if (v)
            json_object_set(doc, copied[i], v);
    }
    json_t *targets = json_object_get(doc, "Targets");
    if (targets && check_targets(targets, e) < 0)
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

int api_get_crawler(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *name;
    json_t *c;
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 ||
        res_get(rq, "crawler", "Crawler", name, crawler_json, &c, e) < 0)
        return -1;
    *out = json_pack("{so}", "Crawler", c);
    return 0;
}

int api_get_crawlers(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return res_page(rq, "crawler", in, "GetCrawlers", CRAWLER_PAGE_MAX, NULL, NULL, NULL, crawler_json, "Crawlers", out,
                    e);
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
    return res_batch_get(rq, "crawler", in, "CrawlerNames", CRAWLER_BATCH_MAX, crawler_json, "Crawlers",
                         "CrawlersNotFound", out, e);
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
    if (flow_start_crawl(rq->api->store, name, rq->now_ms, &spawn, e) < 0) {
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
    if (val_str(in, "Name", &VAL_NAME, true, &name, e) < 0 || flow_stop_crawl(rq->api->store, name, rq->now_ms, e) < 0)
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
