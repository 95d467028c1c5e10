/* The EventBridge API (X-Amz-Target AWSEvents.<Operation>), enough of it to start workflows: PutRule, DescribeRule,
 * ListRules, EnableRule, DisableRule, DeleteRule, PutTargets, RemoveTargets, ListTargetsByRule, PutEvents and
 * TestEventPattern, on the default event bus only. Requests are checked against botocore's events model
 * (model/shapes.c, SHAPE_EV_*); errors carry EventBridge's names (ValidationException, ResourceNotFoundException,
 * InvalidEventPatternException, LimitExceededException, InternalException). Targets must be Glue workflows:
 * where events go is engine/bus.c's. Reading order: errors and small helpers, rules, targets, events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/bus.h"
#include "engine/engine.h"
#include "events/event.h"
#include "events/pattern.h"
#include "model/pagetoken.h"
#include "model/shape.h"
#include "store/events.h"

#define RULES_MAX   300 /* rules per event bus (EventBridge's default quota) */
#define TARGETS_MAX 5   /* targets per rule */
#define LIST_MAX    100 /* Limit of ListRules and ListTargetsByRule */

/* ---- errors ---- */

/* Glue's names for the errors the shared layers raise, turned into EventBridge's. */
static int ev_errors(gerr_t *e)
{
    if (!e->type)
        return -1;
    if (strcmp(e->type, GERR_INVALID_INPUT) == 0)
        e->type = GERR_EV_VALIDATION;
    else if (strcmp(e->type, GERR_NOT_FOUND) == 0)
        e->type = GERR_EV_NOT_FOUND;
    else if (strcmp(e->type, GERR_INTERNAL) == 0) {
        e->type = GERR_EV_INTERNAL;
        e->status = 500;
    }
    return -1;
}

static int store_failed(gerr_t *e, int rc, const char *what)
{
    gerr_store(e, rc < 0 ? rc : STORE_ERROR, what);
    return ev_errors(e);
}

static json_t *checked(const shape_t *shape, json_t *in, gerr_t *e)
{
    json_t *req = shape_check(shape, in, "", e);
    if (!req)
        ev_errors(e);
    return req;
}

static const char *str(json_t *req, const char *key)
{
    return json_string_value(json_object_get(req, key));
}

/* The event bus a request names (EventBusName, absent for the default): only "default", by name or ARN. */
static int default_bus(api_req_t *rq, json_t *req, const char *member, gerr_t *e)
{
    const char *bus = str(req, member);
    if (!bus || strcmp(bus, BUS_DEFAULT) == 0)
        return 0;
    const char *slash = strrchr(bus, '/');
    if (strncmp(bus, "arn:", 4) == 0 && slash && strcmp(slash + 1, BUS_DEFAULT) == 0 &&
        strstr(bus, rq->api->cfg.account))
        return 0;
    return gerr_set(e, GERR_EV_NOT_FOUND, "Event bus %.300s does not exist: glued has only the default event bus", bus);
}

static json_t *rule_arn(api_req_t *rq, const char *name)
{
    char arn[400];
    snprintf(arn, sizeof arn, "arn:aws:events:%s:%s:rule/%s", rq->region, rq->api->cfg.account, name);
    return json_string(arn);
}

static int rule_not_found(gerr_t *e, const char *name)
{
    return gerr_set(e, GERR_EV_NOT_FOUND, "Rule %s does not exist on EventBus default.", name);
}

/* Limit (1..LIST_MAX) and NextToken of a listing; *after is a heap string or NULL. */
static int page_read(api_req_t *rq, json_t *req, const char *scope, int *limit, char **after, gerr_t *e)
{
    json_t *l = json_object_get(req, "Limit");
    *limit = l ? (int)json_integer_value(l) : LIST_MAX;
    *after = NULL;
    const char *token = str(req, "NextToken");
    int64_t unused;
    if (token && pagetoken_decode(store_secret(rq->api->store), scope, token, rq->now_ms, after, &unused, e) < 0)
        return ev_errors(e);
    return 0;
}

static void page_next(api_req_t *rq, json_t *out, const char *scope, const char *last)
{
    char *t = pagetoken_encode(store_secret(rq->api->store), scope, last, 0, rq->now_ms);
    json_object_set_new(out, "NextToken", json_string(t));
    free(t);
}

/* ---- rules ---- */

static json_t *rule_json(api_req_t *rq, const store_rule_t *r, bool describe)
{
    json_t *o = json_pack("{sssoss}", "Name", r->name, "Arn", rule_arn(rq, r->name), "State", r->state);
    json_object_set_new(o, "EventPattern", json_string(r->pattern));
    if (r->description)
        json_object_set_new(o, "Description", json_string(r->description));
    if (r->role_arn)
        json_object_set_new(o, "RoleArn", json_string(r->role_arn));
    json_object_set_new(o, "EventBusName", json_string(BUS_DEFAULT));
    if (describe)
        json_object_set_new(o, "CreatedBy", json_string(rq->api->cfg.account));
    return o;
}

typedef struct put_rule {
    const store_rule_t *r;
    bool created;
} put_rule_t;

static int put_rule_tx(store_tx_t *tx, void *arg)
{
    put_rule_t *p = arg;
    return store_rule_put(tx, p->r, RULES_MAX, &p->created);
}

static int api_ev_put_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_PutRuleRequest, in, e);
    if (!req)
        return -1;
    int ret = -1;
    char *tags = NULL;
    const char *name = str(req, "Name"), *pattern = str(req, "EventPattern");
    if (default_bus(rq, req, "EventBusName", e) < 0)
        goto out;
    if (str(req, "ScheduleExpression")) {
        gerr_set(e, GERR_EV_VALIDATION,
                 "ScheduleExpression is not supported by glued: its rules take an EventPattern. To start a workflow "
                 "on a schedule, give it a SCHEDULED Glue trigger");
        goto out;
    }
    if (!pattern) {
        gerr_set(e, GERR_EV_VALIDATION, "Parameter(s) EventPattern or ScheduleExpression must be specified.");
        goto out;
    }
    char why[EVPAT_ERR_LEN];
    evpat_t *p = NULL;
    if (evpat_compile(pattern, strlen(pattern), &p, why, sizeof why) < 0) {
        gerr_set(e, GERR_EV_BAD_PATTERN, "Event pattern is not valid. Reason: %s", why);
        goto out;
    }
    evpat_free(p);
    json_t *t = json_object_get(req, "Tags");
    tags = t ? json_dumps(t, JSON_COMPACT) : NULL;
    store_rule_t r = {.bus = BUS_DEFAULT,
                      .name = (char *)name,
                      .pattern = (char *)pattern,
                      .state = (char *)(str(req, "State") ? str(req, "State") : "ENABLED"),
                      .description = (char *)str(req, "Description"),
                      .role_arn = (char *)str(req, "RoleArn"),
                      .tags = tags,
                      .created_ms = rq->now_ms,
                      .modified_ms = rq->now_ms};
    put_rule_t pr = {&r, false};
    int rc = store_tx_run(rq->api->store, 0, put_rule_tx, &pr);
    if (rc == STORE_LIMIT) {
        gerr_set(e, GERR_EV_LIMIT,
                 "The requested resource exceeds the maximum number allowed: the default event bus "
                 "holds at most %d rules",
                 RULES_MAX);
        goto out;
    }
    if (rc != 0) {
        store_failed(e, rc, "saving a rule");
        goto out;
    }
    *out = json_pack("{so}", "RuleArn", rule_arn(rq, name));
    ret = 0;
out:
    free(tags);
    json_decref(req);
    return ret;
}

static int api_ev_describe_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_DescribeRuleRequest, in, e);
    if (!req)
        return -1;
    store_rule_t r = {0};
    int ret = -1, rc;
    const char *name = str(req, "Name");
    if (default_bus(rq, req, "EventBusName", e) < 0)
        goto out;
    rc = store_rule_get(store_read(rq->api->store), BUS_DEFAULT, name, &r);
    if (rc == STORE_NOTFOUND)
        rule_not_found(e, name);
    else if (rc != 0)
        store_failed(e, rc, "reading a rule");
    else {
        *out = rule_json(rq, &r, true);
        ret = 0;
    }
out:
    store_rule_cleanup(&r);
    json_decref(req);
    return ret;
}

static int api_ev_list_rules(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_ListRulesRequest, in, e);
    if (!req)
        return -1;
    int ret = -1, limit;
    char *after = NULL, scope[128];
    store_rule_t *v = NULL;
    size_t n = 0;
    const char *prefix = str(req, "NamePrefix");
    snprintf(scope, sizeof scope, "ListRules/%s", prefix ? prefix : "");
    if (default_bus(rq, req, "EventBusName", e) < 0 || page_read(rq, req, scope, &limit, &after, e) < 0)
        goto out;
    int rc = store_rule_list(store_read(rq->api->store), BUS_DEFAULT, prefix, after, limit + 1, &v, &n);
    if (rc != 0) {
        store_failed(e, rc, "listing rules");
        goto out;
    }
    json_t *rules = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(rules, rule_json(rq, &v[i], false));
    *out = json_pack("{so}", "Rules", rules);
    if (n > (size_t)limit)
        page_next(rq, *out, scope, v[limit - 1].name);
    ret = 0;
out:
    store_rule_list_free(v, n);
    free(after);
    json_decref(req);
    return ret;
}

typedef struct rule_op {
    const char *name, *state;
    int64_t now;
} rule_op_t;

static int set_state_tx(store_tx_t *tx, void *arg)
{
    rule_op_t *x = arg;
    return store_rule_set_state(tx, BUS_DEFAULT, x->name, x->state, x->now);
}

static int delete_rule_tx(store_tx_t *tx, void *arg)
{
    rule_op_t *x = arg;
    return store_rule_delete(tx, BUS_DEFAULT, x->name);
}

static int set_rule_state(api_req_t *rq, json_t *in, const shape_t *shape, const char *state, json_t **out, gerr_t *e)
{
    json_t *req = checked(shape, in, e);
    if (!req)
        return -1;
    int ret = -1;
    const char *name = str(req, "Name");
    if (default_bus(rq, req, "EventBusName", e) == 0) {
        rule_op_t x = {name, state, rq->now_ms};
        int rc = store_tx_run(rq->api->store, 0, set_state_tx, &x);
        if (rc == STORE_NOTFOUND)
            rule_not_found(e, name);
        else if (rc != 0)
            store_failed(e, rc, "changing a rule's state");
        else {
            *out = json_object();
            ret = 0;
        }
    }
    json_decref(req);
    return ret;
}

static int api_ev_enable_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return set_rule_state(rq, in, SHAPE_EV_EnableRuleRequest, "ENABLED", out, e);
}

static int api_ev_disable_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    return set_rule_state(rq, in, SHAPE_EV_DisableRuleRequest, "DISABLED", out, e);
}

static int api_ev_delete_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_DeleteRuleRequest, in, e);
    if (!req)
        return -1;
    int ret = -1;
    const char *name = str(req, "Name");
    if (default_bus(rq, req, "EventBusName", e) == 0) {
        rule_op_t x = {name, NULL, rq->now_ms};
        int rc = store_tx_run(rq->api->store, 0, delete_rule_tx, &x);
        if (rc == STORE_EXISTS)
            gerr_set(e, GERR_EV_VALIDATION,
                     "Rule can't be deleted since it has targets: remove them first with RemoveTargets (rule %s)",
                     name);
        else if (rc != 0 && rc != STORE_NOTFOUND) /* deleting a rule that is not there is done, as on AWS */
            store_failed(e, rc, "deleting a rule");
        else {
            *out = json_object();
            ret = 0;
        }
    }
    json_decref(req);
    return ret;
}

/* ---- targets ---- */

/* Why a target cannot be taken (a message into why), or 0: glued delivers events to Glue workflows only. */
static int target_refused(api_req_t *rq, json_t *t, char *why, size_t whylen)
{
    const char *arn = str(t, "Arn");
    char region[256], account[256], name[256];
    if (bus_workflow_arn(arn, region, account, name) < 0) {
        snprintf(why, whylen,
                 "Target Arn %.300s is not a Glue workflow: glued delivers events only to workflows, "
                 "arn:aws:glue:<region>:<account>:workflow/<name>",
                 arn);
        return -1;
    }
    if (strcmp(account, rq->api->cfg.account) != 0 || strcmp(region, rq->region) != 0) {
        snprintf(why, whylen, "Target Arn %.300s names account %.12s in %.40s; this glued is account %.40s in %.40s",
                 arn, account, region, rq->api->cfg.account, rq->region);
        return -1;
    }
    return 0;
}

typedef struct targets_op {
    const char *rule;
    json_t *targets; /* PutTargets: the accepted Target structures; RemoveTargets: the ids */
    bool put;
    bool over; /* PutTargets would pass TARGETS_MAX */
} targets_op_t;

static int targets_tx(store_tx_t *tx, void *arg)
{
    targets_op_t *x = arg;
    x->over = false;
    store_rule_t r = {0};
    int rc = store_rule_get(tx, BUS_DEFAULT, x->rule, &r);
    store_rule_cleanup(&r);
    if (rc != 0)
        return rc;
    size_t i;
    json_t *t;
    json_array_foreach (x->targets, i, t) {
        if (!x->put) {
            rc = store_target_delete(tx, BUS_DEFAULT, x->rule, json_string_value(t));
            if (rc < 0)
                return rc;
            continue;
        }
        char *doc = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
        store_target_t st = {.bus = BUS_DEFAULT,
                             .rule = (char *)x->rule,
                             .id = (char *)str(t, "Id"),
                             .arn = (char *)str(t, "Arn"),
                             .doc = doc};
        rc = doc ? store_target_put(tx, &st) : STORE_ERROR;
        free(doc);
        if (rc < 0)
            return rc;
    }
    int64_t n = 0;
    if (x->put && (rc = store_target_count(tx, BUS_DEFAULT, x->rule, &n)) < 0)
        return rc;
    if (n > TARGETS_MAX) {
        x->over = true;
        return STORE_LIMIT; /* rolls back */
    }
    return 0;
}

static int api_ev_put_targets(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_PutTargetsRequest, in, e);
    if (!req)
        return -1;
    int ret = -1;
    const char *rule = str(req, "Rule");
    json_t *take = json_array(), *failed = json_array();
    if (default_bus(rq, req, "EventBusName", e) < 0)
        goto out;
    size_t i;
    json_t *t;
    json_array_foreach (json_object_get(req, "Targets"), i, t) {
        char why[600];
        if (target_refused(rq, t, why, sizeof why) < 0)
            json_array_append_new(failed, json_pack("{ssssss}", "TargetId", str(t, "Id"), "ErrorCode",
                                                    "ValidationException", "ErrorMessage", why));
        else
            json_array_append(take, t);
    }
    targets_op_t x = {rule, take, true, false};
    int rc = store_tx_run(rq->api->store, 0, targets_tx, &x);
    if (rc == STORE_NOTFOUND) {
        rule_not_found(e, rule);
        goto out;
    }
    if (x.over) {
        gerr_set(e, GERR_EV_LIMIT,
                 "The requested resource exceeds the maximum number allowed: a rule has at most %d targets",
                 TARGETS_MAX);
        goto out;
    }
    if (rc != 0) {
        store_failed(e, rc, "saving targets");
        goto out;
    }
    *out = json_pack("{sIso}", "FailedEntryCount", (json_int_t)json_array_size(failed), "FailedEntries", failed);
    failed = NULL;
    ret = 0;
out:
    json_decref(take);
    json_decref(failed);
    json_decref(req);
    return ret;
}

static int api_ev_remove_targets(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_RemoveTargetsRequest, in, e);
    if (!req)
        return -1;
    int ret = -1;
    const char *rule = str(req, "Rule");
    if (default_bus(rq, req, "EventBusName", e) == 0) {
        targets_op_t x = {rule, json_object_get(req, "Ids"), false, false};
        int rc = store_tx_run(rq->api->store, 0, targets_tx, &x);
        if (rc == STORE_NOTFOUND)
            rule_not_found(e, rule);
        else if (rc != 0)
            store_failed(e, rc, "removing targets");
        else {
            *out = json_pack("{sis[]}", "FailedEntryCount", 0, "FailedEntries");
            ret = 0;
        }
    }
    json_decref(req);
    return ret;
}

static int api_ev_list_targets_by_rule(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_ListTargetsByRuleRequest, in, e);
    if (!req)
        return -1;
    int ret = -1, limit;
    char *after = NULL, scope[128];
    store_target_t *v = NULL;
    size_t n = 0;
    store_rule_t r = {0};
    const char *rule = str(req, "Rule");
    snprintf(scope, sizeof scope, "ListTargetsByRule/%s", rule);
    if (default_bus(rq, req, "EventBusName", e) < 0 || page_read(rq, req, scope, &limit, &after, e) < 0)
        goto out;
    store_tx_t *rd = store_read(rq->api->store);
    int rc = store_rule_get(rd, BUS_DEFAULT, rule, &r);
    if (rc == 0)
        rc = store_target_list(rd, BUS_DEFAULT, rule, after, limit + 1, &v, &n);
    if (rc == STORE_NOTFOUND) {
        rule_not_found(e, rule);
        goto out;
    }
    if (rc != 0) {
        store_failed(e, rc, "listing targets");
        goto out;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        json_t *t = json_loads(v[i].doc, 0, NULL);
        json_array_append_new(list, t ? t : json_pack("{ssss}", "Id", v[i].id, "Arn", v[i].arn));
    }
    *out = json_pack("{so}", "Targets", list);
    if (n > (size_t)limit)
        page_next(rq, *out, scope, v[limit - 1].id);
    ret = 0;
out:
    store_rule_cleanup(&r);
    store_target_list_free(v, n);
    free(after);
    json_decref(req);
    return ret;
}

/* ---- events ---- */

static int api_ev_put_events(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(SHAPE_EV_PutEventsRequest, in, e);
    if (!req)
        return -1;
    json_t *entries = json_object_get(req, "Entries"), *results = json_array();
    json_t *events[10];
    size_t nev = 0, total = 0, i, failed = 0;
    int ret = -1;
    json_t *entry;
    json_array_foreach (entries, i, entry)
        total += event_entry_size(entry);
    if (total > EVENT_ENTRY_MAX) {
        gerr_set(e, GERR_EV_VALIDATION,
                 "Total size of the entries in the request is over the limit: %zu bytes, and the limit is %d", total,
                 EVENT_ENTRY_MAX);
        goto out;
    }
    json_array_foreach (entries, i, entry) {
        char id[EVENT_ID_LEN], msg[sizeof((gerr_t *)0)->msg];
        const char *code = NULL;
        json_t *ev = NULL;
        const char *bus = str(entry, "EventBusName");
        gerr_t be = {0};
        if (bus && default_bus(rq, entry, "EventBusName", &be) < 0) {
            code = "InvalidArgument";
            snprintf(msg, sizeof msg, "%s", be.msg);
        } else if (event_from_entry(entry, rq->api->cfg.account, rq->region, rq->now_ms, id, &ev, &code, msg,
                                    sizeof msg) == 0 &&
                   nev < sizeof events / sizeof events[0]) {
            events[nev++] = ev;
            json_array_append_new(results, json_pack("{ss}", "EventId", id));
            continue;
        }
        json_decref(ev);
        failed++;
        json_array_append_new(results, json_pack("{ssss}", "ErrorCode", code, "ErrorMessage", msg));
    }
    if (nev) {
        flow_ids_t spawn = {0};
        gerr_t de = {0};
        if (bus_deliver(&rq->api->flow, events, nev, rq->now_ms, NULL, 0, &spawn, NULL, &de) < 0) {
            /* nothing was delivered: every entry that had an id failed */
            json_array_foreach (results, i, entry)
                if (json_object_get(entry, "EventId")) {
                    json_array_set_new(results, i,
                                       json_pack("{ssss}", "ErrorCode", "InternalFailure", "ErrorMessage", de.msg));
                    failed++;
                }
        } else {
            engine_spawn(rq->api->engine, &spawn);
            engine_events_changed(rq->api->engine);
        }
        flow_ids_cleanup(&spawn);
    }
    *out = json_pack("{sIsO}", "FailedEntryCount", (json_int_t)failed, "Entries", results);
    ret = 0;
out:
    for (size_t k = 0; k < nev; k++)
        json_decref(events[k]);
    json_decref(results);
    json_decref(req);
    return ret;
}

static int api_ev_test_event_pattern(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    (void)rq;
    json_t *req = checked(SHAPE_EV_TestEventPatternRequest, in, e);
    if (!req)
        return -1;
    int ret = -1;
    evpat_t *p = NULL;
    json_t *ev = NULL;
    const char *pattern = str(req, "EventPattern"), *event = str(req, "Event");
    char why[EVPAT_ERR_LEN];
    if (evpat_compile(pattern, strlen(pattern), &p, why, sizeof why) < 0) {
        gerr_set(e, GERR_EV_BAD_PATTERN, "Event pattern is not valid. Reason: %s", why);
        goto out;
    }
    ev = evpat_parse_object(event, strlen(event), EVENT_DETAIL_DEPTH, why, sizeof why);
    if (!ev) {
        gerr_set(e, GERR_EV_VALIDATION, "Parameter Event is not valid: %s", why);
        goto out;
    }
    static const char *const fields[] = {"id", "account", "source", "time", "region", "resources", "detail-type", NULL};
    for (size_t i = 0; fields[i]; i++)
        if (!json_object_get(ev, fields[i])) {
            gerr_set(e, GERR_EV_VALIDATION,
                     "Parameter Event is not valid: it has no '%s' field (an event needs id, account, source, time, "
                     "region, resources and detail-type)",
                     fields[i]);
            goto out;
        }
    *out = json_pack("{sb}", "Result", evpat_match(p, ev));
    ret = 0;
out:
    json_decref(ev);
    evpat_free(p);
    json_decref(req);
    return ret;
}

/* ---- the operation table ---- */

static const api_op_t ev_ops[] = {
    {"DeleteRule", api_ev_delete_rule},
    {"DescribeRule", api_ev_describe_rule},
    {"DisableRule", api_ev_disable_rule},
    {"EnableRule", api_ev_enable_rule},
    {"ListRules", api_ev_list_rules},
    {"ListTargetsByRule", api_ev_list_targets_by_rule},
    {"PutEvents", api_ev_put_events},
    {"PutRule", api_ev_put_rule},
    {"PutTargets", api_ev_put_targets},
    {"RemoveTargets", api_ev_remove_targets},
    {"TestEventPattern", api_ev_test_event_pattern},
};

static int cmp_op(const void *key, const void *elem)
{
    return strcmp(key, ((const api_op_t *)elem)->name);
}

const api_op_t *api_events_find(const char *name)
{
    return bsearch(name, ev_ops, sizeof ev_ops / sizeof ev_ops[0], sizeof ev_ops[0], cmp_op);
}
