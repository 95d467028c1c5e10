/* Unit tests for the event-driven state (src/store/events.c) and the bus (src/engine/bus.c), on a fresh SQLite
 * store each: a fire time is claimed once (also by racing threads), rules and targets with their bounds, events
 * waiting in order, and delivery through rules to an EVENT trigger whose batch closes by size or by window. */
#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/bus.h"
#include "model/codec.h"
#include "store/events.h"
#include "util/util.h"

static char root[64], tmp[96], datadir[128];
static store_t *st;
static flow_env_t env; /* this process as the one node, set when st opens */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "%s/t-XXXXXX", root);
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(datadir, sizeof datadir, "%s/data", tmp);
    char err[512] = "";
    ck_assert_msg(store_open(datadir, NULL, &st, err, sizeof err) == 0, "store_open: %s", err);
    env = (flow_env_t){.store = st, .node = "test"};
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a transaction around one call ---- */

typedef int (*op_fn)(store_tx_t *tx, void *ctx);
static int in_tx(op_fn fn, void *ctx)
{
    return store_tx_run(st, 0, fn, ctx);
}

typedef struct claim {
    const char *name;
    int64_t fire_s;
    int rc;
} claim_t;

static int claim_tx(store_tx_t *tx, void *arg)
{
    claim_t *c = arg;
    c->rc = store_fire_claim(tx, "trigger", c->name, c->fire_s, 1000);
    return c->rc < 0 ? c->rc : 0;
}

START_TEST(test_fire_claimed_once)
{
    claim_t c = {"t1", 1893456000, 0};
    ck_assert_int_eq(in_tx(claim_tx, &c), 0);
    ck_assert_int_eq(c.rc, STORE_OK);
    ck_assert_int_eq(in_tx(claim_tx, &c), 0);
    ck_assert_int_eq(c.rc, STORE_EXISTS);
    claim_t other = {"t2", 1893456000, 0}; /* another schedule, same time */
    ck_assert_int_eq(in_tx(claim_tx, &other), 0);
    ck_assert_int_eq(other.rc, STORE_OK);
    int64_t last = 0;
    ck_assert_int_eq(store_fire_last(store_read(st), "trigger", "t1", &last), STORE_OK);
    ck_assert_int_eq(last, 1893456000);
    ck_assert_int_eq(store_fire_last(store_read(st), "crawler", "t1", &last), STORE_NOTFOUND);
    /* later claims prune those a day older; the newest stays the last */
    claim_t later = {"t1", 1893456000 + 2 * 86400, 0};
    ck_assert_int_eq(in_tx(claim_tx, &later), 0);
    ck_assert_int_eq(store_fire_last(store_read(st), "trigger", "t1", &last), STORE_OK);
    ck_assert_int_eq(last, 1893456000 + 2 * 86400);
    ck_assert_int_eq(in_tx(claim_tx, &c), 0); /* the pruned one could be claimed again: a day is the horizon */
    ck_assert_int_eq(c.rc, STORE_OK);
}
END_TEST

static int wins;
static pthread_mutex_t wins_lock = PTHREAD_MUTEX_INITIALIZER;

static void *racer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        claim_t c = {"race", 1893456000 + 300 * i, 0};
        if (store_tx_run(st, 0, claim_tx, &c) == 0 && c.rc == STORE_OK) {
            pthread_mutex_lock(&wins_lock);
            wins++;
            pthread_mutex_unlock(&wins_lock);
        }
    }
    return NULL;
}

START_TEST(test_fire_racing_threads_claim_each_time_once)
{
    pthread_t th[4];
    wins = 0;
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, racer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(wins, 20);
}
END_TEST

/* ---- rules and targets ---- */

typedef struct rule_put {
    store_rule_t r;
    int64_t max;
    bool created;
    int rc;
} rule_put_t;

static int rule_put_tx(store_tx_t *tx, void *arg)
{
    rule_put_t *p = arg;
    p->rc = store_rule_put(tx, &p->r, p->max, &p->created);
    return p->rc < 0 ? p->rc : 0;
}

static int put_rule(const char *name, const char *pattern, const char *state, int64_t max, bool *created)
{
    rule_put_t p = {.r = {.bus = "default",
                          .name = (char *)name,
                          .pattern = (char *)pattern,
                          .state = (char *)state,
                          .tags = "[{\"Key\":\"k\",\"Value\":\"v\"}]",
                          .created_ms = 1,
                          .modified_ms = 2},
                    .max = max};
    ck_assert_int_eq(in_tx(rule_put_tx, &p), 0);
    if (created)
        *created = p.created;
    return p.rc;
}

typedef struct target_op {
    const char *rule, *id, *arn;
    int rc;
    int64_t n;
} target_op_t;

static int target_put_tx(store_tx_t *tx, void *arg)
{
    target_op_t *t = arg;
    store_target_t x = {
        .bus = "default", .rule = (char *)t->rule, .id = (char *)t->id, .arn = (char *)t->arn, .doc = "{}"};
    t->rc = store_target_put(tx, &x);
    if (t->rc == 0)
        t->rc = store_target_count(tx, "default", t->rule, &t->n);
    return t->rc < 0 ? t->rc : 0;
}

static int target_del_tx(store_tx_t *tx, void *arg)
{
    target_op_t *t = arg;
    t->rc = store_target_delete(tx, "default", t->rule, t->id);
    return t->rc < 0 ? t->rc : 0;
}

static int rule_del_tx(store_tx_t *tx, void *arg)
{
    target_op_t *t = arg;
    t->rc = store_rule_delete(tx, "default", t->rule);
    return t->rc < 0 ? t->rc : 0;
}

static int rule_state_tx(store_tx_t *tx, void *arg)
{
    target_op_t *t = arg;
    t->rc = store_rule_set_state(tx, "default", t->rule, t->id, 5);
    return t->rc < 0 ? t->rc : 0;
}

START_TEST(test_rules_put_replace_limit)
{
    bool created = false;
    ck_assert_int_eq(put_rule("b", "{\"a\":[1]}", "ENABLED", 2, &created), STORE_OK);
    ck_assert(created);
    ck_assert_int_eq(put_rule("b", "{\"a\":[2]}", "DISABLED", 2, &created), STORE_OK);
    ck_assert(!created);
    ck_assert_int_eq(put_rule("a", "{\"a\":[3]}", "ENABLED", 2, &created), STORE_OK);
    ck_assert_int_eq(put_rule("c", "{\"a\":[4]}", "ENABLED", 2, &created), STORE_LIMIT);
    ck_assert_int_eq(put_rule("a", "{\"a\":[5]}", "ENABLED", 2, &created), STORE_OK); /* replacing is not adding */
    store_rule_t r = {0};
    ck_assert_int_eq(store_rule_get(store_read(st), "default", "b", &r), STORE_OK);
    ck_assert_str_eq(r.pattern, "{\"a\":[2]}");
    ck_assert_str_eq(r.state, "DISABLED");
    ck_assert_str_eq(r.tags, "[{\"Key\":\"k\",\"Value\":\"v\"}]");
    store_rule_cleanup(&r);
    ck_assert_int_eq(store_rule_get(store_read(st), "other", "b", &r), STORE_NOTFOUND);
    target_op_t x = {.rule = "nope", .id = "ENABLED"};
    ck_assert_int_eq(in_tx(rule_state_tx, &x), 0);
    ck_assert_int_eq(x.rc, STORE_NOTFOUND);
}
END_TEST

START_TEST(test_rules_list_prefix_and_pages)
{
    static const char *const names[] = {"ab", "abc", "abd", "ac", "b", "a-x", "a.y", "a_z"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_int_eq(put_rule(names[i], "{\"a\":[1]}", "ENABLED", 0, NULL), STORE_OK);
    store_rule_t *v = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_rule_list(store_read(st), "default", "ab", NULL, 10, &v, &n), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0].name, "ab");
    ck_assert_str_eq(v[2].name, "abd");
    store_rule_list_free(v, n);
    ck_assert_int_eq(store_rule_list(store_read(st), "default", "ab", "abc", 10, &v, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0].name, "abd");
    store_rule_list_free(v, n);
    ck_assert_int_eq(store_rule_list(store_read(st), "default", NULL, NULL, 3, &v, &n), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0].name, "a-x"); /* bytewise: '-' < '.' < '_' < letters */
    ck_assert_str_eq(v[1].name, "a.y");
    ck_assert_str_eq(v[2].name, "a_z");
    store_rule_list_free(v, n);
    ck_assert_int_eq(store_rule_list(store_read(st), "default", "a_", NULL, 10, &v, &n), STORE_OK);
    ck_assert_uint_eq(n, 1); /* '_' is not a wildcard */
    store_rule_list_free(v, n);
}
END_TEST

START_TEST(test_targets_and_routes)
{
    ck_assert_int_eq(put_rule("r1", "{\"a\":[1]}", "ENABLED", 0, NULL), STORE_OK);
    ck_assert_int_eq(put_rule("r2", "{\"a\":[2]}", "DISABLED", 0, NULL), STORE_OK);
    ck_assert_int_eq(put_rule("r3", "{\"a\":[3]}", "ENABLED", 0, NULL), STORE_OK);
    target_op_t t = {"r1", "b", "arn:b", 0, 0};
    ck_assert_int_eq(in_tx(target_put_tx, &t), 0);
    t.id = "a";
    t.arn = "arn:a";
    ck_assert_int_eq(in_tx(target_put_tx, &t), 0);
    t.arn = "arn:a2"; /* the same id replaces */
    ck_assert_int_eq(in_tx(target_put_tx, &t), 0);
    ck_assert_int_eq(t.n, 2);
    target_op_t t2 = {"r2", "x", "arn:x", 0, 0};
    ck_assert_int_eq(in_tx(target_put_tx, &t2), 0);
    store_route_t *rt = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_routes(store_read(st), "default", &rt, &n), STORE_OK);
    ck_assert_uint_eq(n, 2); /* r2 is disabled; r3 has no target */
    ck_assert_str_eq(rt[0].target_id, "a");
    ck_assert_str_eq(rt[0].arn, "arn:a2");
    ck_assert_str_eq(rt[0].pattern, "{\"a\":[1]}");
    ck_assert_str_eq(rt[1].target_id, "b");
    store_route_list_free(rt, n);
    store_target_t *tv = NULL;
    ck_assert_int_eq(store_target_list(store_read(st), "default", "r1", "a", 0, &tv, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(tv[0].id, "b");
    store_target_list_free(tv, n);
    /* a rule with targets is not deleted */
    target_op_t d = {.rule = "r1"};
    ck_assert_int_eq(in_tx(rule_del_tx, &d), 0);
    ck_assert_int_eq(d.rc, STORE_EXISTS);
    d.id = "a";
    ck_assert_int_eq(in_tx(target_del_tx, &d), 0);
    ck_assert_int_eq(d.rc, STORE_OK);
    ck_assert_int_eq(in_tx(target_del_tx, &d), 0);
    ck_assert_int_eq(d.rc, STORE_NOTFOUND);
    d.id = "b";
    ck_assert_int_eq(in_tx(target_del_tx, &d), 0);
    ck_assert_int_eq(in_tx(rule_del_tx, &d), 0);
    ck_assert_int_eq(d.rc, STORE_OK);
    ck_assert_int_eq(in_tx(rule_del_tx, &d), 0);
    ck_assert_int_eq(d.rc, STORE_NOTFOUND);
}
END_TEST

/* ---- waiting events ---- */

typedef struct wait_op {
    const char *wf, *id;
    int64_t at, take;
} wait_op_t;

static int wait_tx(store_tx_t *tx, void *arg)
{
    wait_op_t *w = arg;
    if (w->take)
        return store_event_take(tx, w->wf, w->take);
    return store_event_wait(tx, w->wf, "trig", w->id, w->at);
}

START_TEST(test_waiting_events_in_order)
{
    static const char *const ids[] = {"e1", "e2", "e3"};
    for (int i = 0; i < 3; i++) {
        wait_op_t w = {"wf", ids[i], 1000 + i, 0};
        ck_assert_int_eq(in_tx(wait_tx, &w), 0);
    }
    wait_op_t o = {"other", "x", 500, 0};
    ck_assert_int_eq(in_tx(wait_tx, &o), 0);
    char **v = NULL;
    size_t n = 0;
    int64_t first = 0;
    ck_assert_int_eq(store_event_waiting(store_read(st), "wf", 2, &v, &n, &first), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "e1");
    ck_assert_str_eq(v[1], "e2");
    ck_assert_int_eq(first, 1000);
    store_strv_free(v, n);
    store_batch_t *b = NULL;
    ck_assert_int_eq(store_event_batches(store_read(st), &b, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(b[0].workflow, "other");
    ck_assert_str_eq(b[1].workflow, "wf");
    ck_assert_int_eq(b[1].count, 3);
    ck_assert_int_eq(b[1].first_ms, 1000);
    store_batch_list_free(b, n);
    wait_op_t t = {"wf", NULL, 0, 2};
    ck_assert_int_eq(in_tx(wait_tx, &t), 0);
    ck_assert_int_eq(store_event_waiting(store_read(st), "wf", 0, &v, &n, &first), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0], "e3");
    ck_assert_int_eq(first, 1002);
    store_strv_free(v, n);
}
END_TEST

/* ---- the bus ---- */

START_TEST(test_workflow_arns)
{
    char region[256], account[256], name[256];
    ck_assert_int_eq(bus_workflow_arn("arn:aws:glue:us-east-1:123456789012:workflow/ingest", region, account, name), 0);
    ck_assert_str_eq(region, "us-east-1");
    ck_assert_str_eq(account, "123456789012");
    ck_assert_str_eq(name, "ingest");
    ck_assert_int_eq(bus_workflow_arn("arn:aws-cn:glue:cn-north-1:123456789012:workflow/a/b", NULL, NULL, name), 0);
    ck_assert_str_eq(name, "a/b");
    static const char *const bad[] = {
        NULL,
        "",
        "arn:aws:glue:us-east-1:123456789012:job/j",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:glue:us-east-1:12345678901:workflow/w",
        "arn:aws:glue:us-east-1:12345678901x:workflow/w",
        "arn:aws:glue::123456789012:workflow/w",
        "arn:aws:glue:us-east-1:123456789012:workflow/",
        "arn:aws:events:us-east-1:123456789012:rule/r",
        "glue:us-east-1:123456789012:workflow/w",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(bus_workflow_arn(bad[i], NULL, NULL, name) == -1, "accepted %s", bad[i] ? bad[i] : "NULL");
}
END_TEST

/* A workflow "wf" whose EVENT trigger runs job "j", and a rule sending my.app events to it. */
static void event_workflow(const char *batching)
{
    store_workflow_t w = {.name = "wf", .created_ms = 1, .modified_ms = 1};
    ck_assert_int_eq(store_workflow_create(st, &w, 0), STORE_OK);
    store_res_t job = {.kind = "job",
                       .name = "j",
                       .doc = "{\"Name\":\"j\",\"Command\":{\"Name\":\"shell\",\"ScriptLocation\":\"/bin/true\"}}",
                       .created_ms = 1,
                       .modified_ms = 1};
    ck_assert_int_eq(store_res_create(st, &job, 0, NULL, NULL), STORE_OK);
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"Name\":\"t\",\"WorkflowName\":\"wf\",\"Type\":\"EVENT\",\"State\":\"ACTIVATED\",\"Actions\":[{"
             "\"JobName\":\"j\"}]%s%s}",
             batching ? ",\"EventBatchingCondition\":" : "", batching ? batching : "");
    store_res_t trig = {
        .kind = "trigger", .name = "t", .workflow = "wf", .doc = doc, .created_ms = 1, .modified_ms = 1};
    ck_assert_int_eq(store_res_create(st, &trig, 0, NULL, NULL), STORE_OK);
    ck_assert_int_eq(put_rule("r", "{\"source\":[\"my.app\"]}", "ENABLED", 0, NULL), STORE_OK);
    target_op_t t = {"r", "wf", "arn:aws:glue:us-east-1:123456789012:workflow/wf", 0, 0};
    ck_assert_int_eq(in_tx(target_put_tx, &t), 0);
}

static json_t *ev(const char *id, const char *source)
{
    return json_pack("{ssss}", "id", id, "source", source);
}

static size_t runs(store_run_t **v)
{
    size_t n = 0;
    ck_assert_int_eq(store_run_list(store_read(st), "wf", 0, 100, v, &n), STORE_OK);
    return n;
}

START_TEST(test_bus_batch_size)
{
    event_workflow("{\"BatchSize\":2,\"BatchWindow\":900}");
    json_t *e1 = ev("e1", "my.app"), *e2 = ev("e2", "other.app"), *e3 = ev("e3", "my.app");
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    size_t delivered = 0;
    json_t *first[] = {e1, e2};
    /* with a mark: raised in the delivery's transaction, and never lowered */
    ck_assert_int_eq(bus_deliver(&env, first, 2, 1000, "s3_seen_ns:t", 5000, &spawn, &delivered, &e), 0);
    ck_assert_uint_eq(delivered, 1); /* e2 matches no rule */
    int64_t mark = 0;
    ck_assert_int_eq(store_mark_get(store_read(st), "s3_seen_ns:t", &mark), STORE_OK);
    ck_assert_int_eq(mark, 5000);
    ck_assert_uint_eq(spawn.n, 0);
    store_run_t *v = NULL;
    ck_assert_uint_eq(runs(&v), 0);
    store_run_list_free(v, 0);
    ck_assert_int_eq(bus_deliver(&env, &e3, 1, 2000, "s3_seen_ns:t", 4000, &spawn, &delivered, &e), 0);
    ck_assert_int_eq(store_mark_get(store_read(st), "s3_seen_ns:t", &mark), STORE_OK);
    ck_assert_int_eq(mark, 5000);
    ck_assert_int_eq(store_mark_get(store_read(st), "s3_seen_ns:other", &mark), STORE_NOTFOUND);
    ck_assert_uint_eq(spawn.n, 1); /* the job run of the run the full batch started */
    size_t n = runs(&v);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].batch_size, 2);
    ck_assert_int_eq(v[0].batch_window, 0);
    ck_assert_int_eq(v[0].started_ms, 2000);
    json_t *props = codec_map_decode(v[0].props);
    ck_assert_str_eq(json_string_value(json_object_get(props, "aws:eventIds")), "[\"e1\",\"e3\"]");
    json_decref(props);
    store_run_list_free(v, n);
    char **w = NULL;
    ck_assert_int_eq(store_event_waiting(store_read(st), "wf", 0, &w, &n, NULL), STORE_OK);
    ck_assert_uint_eq(n, 0);
    flow_ids_cleanup(&spawn);
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);
}
END_TEST

START_TEST(test_bus_batch_window)
{
    event_workflow("{\"BatchSize\":5,\"BatchWindow\":60}");
    json_t *e1 = ev("e1", "my.app");
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    ck_assert_int_eq(bus_deliver(&env, &e1, 1, 10000, NULL, 0, &spawn, NULL, &e), 0);
    int64_t next = 0;
    ck_assert_int_eq(bus_close_windows(&env, 69999, &spawn, &next, &e), 0);
    ck_assert_int_eq(next, 70000); /* 60 s from the first event */
    store_run_t *v = NULL;
    ck_assert_uint_eq(runs(&v), 0);
    ck_assert_int_eq(bus_close_windows(&env, 70000, &spawn, &next, &e), 0);
    ck_assert_int_eq(next, -1);
    size_t n = runs(&v);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].batch_size, 0);
    ck_assert_int_eq(v[0].batch_window, 60);
    store_run_list_free(v, n);
    ck_assert_uint_eq(spawn.n, 1);
    flow_ids_cleanup(&spawn);
    json_decref(e1);
}
END_TEST

START_TEST(test_bus_default_batch_is_one_event)
{
    event_workflow(NULL);
    json_t *e1 = ev("e1", "my.app");
    flow_ids_t spawn = {0};
    gerr_t e = {0};
    ck_assert_int_eq(bus_deliver(&env, &e1, 1, 1000, NULL, 0, &spawn, NULL, &e), 0);
    store_run_t *v = NULL;
    size_t n = runs(&v);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].batch_size, 1);
    store_run_list_free(v, n);
    flow_ids_cleanup(&spawn);
    json_decref(e1);
}
END_TEST

static Suite *events_store_suite(void)
{
    Suite *s = suite_create("events_store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_fire_claimed_once);
    tcase_add_test(tc, test_fire_racing_threads_claim_each_time_once);
    tcase_add_test(tc, test_rules_put_replace_limit);
    tcase_add_test(tc, test_rules_list_prefix_and_pages);
    tcase_add_test(tc, test_targets_and_routes);
    tcase_add_test(tc, test_waiting_events_in_order);
    suite_add_tcase(s, tc);
    TCase *bus = tcase_create("bus");
    tcase_add_checked_fixture(bus, setup, teardown);
    tcase_set_timeout(bus, 30);
    tcase_add_test(bus, test_workflow_arns);
    tcase_add_test(bus, test_bus_batch_size);
    tcase_add_test(bus, test_bus_batch_window);
    tcase_add_test(bus, test_bus_default_batch_is_one_event);
    suite_add_tcase(s, bus);
    return s;
}

int main(void)
{
    util_log_level(LOG_WARN);
    strcpy(root, "/tmp/glued-events-store-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(events_store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
