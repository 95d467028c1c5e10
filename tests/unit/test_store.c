/* Unit tests for src/store (the SQLite store), each against a fresh temporary directory: opening and reopening,
 * workflows, runs, generic definitions, concurrent read-modify-write and refusing a newer schema. */
#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/frozen.h"
#include "model/codec.h"
#include "store/db.h"
#include "store/store.h"
#include "util/util.h"

static char root[64];     /* one temporary directory for the run, removed by main even when tests fail */
static char tmp[96];      /* the per-test temporary directory, under root */
static char datadir[128]; /* tmp/data: does not exist before store_open */
static store_t *st;       /* opened by the fixture */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void open_store(void)
{
    char err[512] = "";
    int r = store_open(datadir, NULL, &st, err, sizeof err);
    ck_assert_msg(r == 0, "store_open: %s", err);
    ck_assert_ptr_nonnull(st);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "%s/t-XXXXXX", root);
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(datadir, sizeof datadir, "%s/data", tmp);
    st = NULL;
}

static void setup_open(void)
{
    setup();
    open_store();
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static store_workflow_t wf(const char *name)
{
    store_workflow_t w = {0};
    w.name = (char *)name;
    w.created_ms = w.modified_ms = 1000;
    return w;
}

static void create_wf(const char *name)
{
    gerr_t e = {0};
    store_workflow_t w = wf(name);
    ck_assert_msg(store_workflow_create(st, &w, 0) == 0, "create %s: %s", name, e.msg);
}

static store_run_t run(const char *workflow, const char *run_id)
{
    store_run_t r = {0};
    r.workflow = (char *)workflow;
    r.run_id = (char *)run_id;
    r.status = RUN_RUNNING;
    r.started_ms = 5000;
    r.props = (char *)"{}";
    return r;
}

static int64_t insert_run(const char *workflow, const char *run_id)
{
    gerr_t e = {0};
    store_run_t r = run(workflow, run_id);
    ck_assert_msg(store_run_insert(store_read(st), &r) == 0, "insert %s: %s", run_id, e.msg);
    store_run_t g = {0};
    ck_assert_int_eq(store_run_get(store_read(st), workflow, run_id, &g), 0);
    int64_t seq = g.seq;
    store_run_cleanup(&g);
    ck_assert_int_gt(seq, 0);
    return seq;
}

static store_res_t res(const char *kind, const char *name, const char *workflow, const char *doc)
{
    store_res_t r = {0};
    r.kind = (char *)kind;
    r.name = (char *)name;
    r.workflow = (char *)workflow;
    r.doc = (char *)doc;
    r.created_ms = r.modified_ms = 2000;
    return r;
}

static void create_res(const char *kind, const char *name, const char *workflow)
{
    gerr_t e = {0};
    store_res_t r = res(kind, name, workflow, "{}");
    ck_assert_msg(store_res_create(st, &r, 0, NULL, NULL) == 0, "create %s %s: %s", kind, name, e.msg);
}

/* ---- open ---- */

START_TEST(test_open_creates_private_dir_and_db)
{
    struct stat sb;
    ck_assert_int_eq(stat(datadir, &sb), -1);
    open_store();
    ck_assert_int_eq(stat(datadir, &sb), 0);
    ck_assert(S_ISDIR(sb.st_mode));
    ck_assert_int_eq(sb.st_mode & 0777, 0700);
    char db[160];
    snprintf(db, sizeof db, "%s/glued.db", datadir);
    ck_assert_int_eq(stat(db, &sb), 0);
    ck_assert(S_ISREG(sb.st_mode));
    ck_assert_int_ge(store_schema_version(st), 1);
    /* the secret is not all zeros */
    const uint8_t *sec = store_secret(st);
    int nonzero = 0;
    for (int i = 0; i < 32; i++)
        nonzero |= sec[i];
    ck_assert_int_ne(nonzero, 0);
}
END_TEST

START_TEST(test_reopen_keeps_data_and_secret)
{
    open_store();
    create_wf("kept");
    insert_run("kept", "wr_1");
    uint8_t secret[32];
    memcpy(secret, store_secret(st), 32);
    int version = store_schema_version(st);
    store_close(st);
    st = NULL;
    open_store();
    ck_assert_mem_eq(store_secret(st), secret, 32);
    ck_assert_int_eq(store_schema_version(st), version);
    store_workflow_t w = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "kept", &w, NULL), 0);
    ck_assert_str_eq(w.name, "kept");
    store_workflow_cleanup(&w);
    store_run_t r = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "kept", "wr_1", &r), 0);
    store_run_cleanup(&r);
}
END_TEST

START_TEST(test_open_on_a_file_fails)
{
    FILE *f = fopen(datadir, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char err[512] = "";
    store_t *s = (store_t *)1;
    ck_assert_int_eq(store_open(datadir, NULL, &s, err, sizeof err), -1);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, datadir));
}
END_TEST

START_TEST(test_newer_schema_refused)
{
    ck_assert_int_eq(mkdir(datadir, 0700), 0);
    char db[160];
    snprintf(db, sizeof db, "%s/glued.db", datadir);
    sqlite3 *raw = NULL;
    ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(raw, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    char err[512] = "";
    store_t *s = (store_t *)1;
    ck_assert_int_eq(store_open(datadir, NULL, &s, err, sizeof err), -1);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "99") && strstr(err, "newer"), "message: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "upgrade"));
    /* nothing was changed: the version is still 99 */
    ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
    sqlite3_stmt *q;
    ck_assert_int_eq(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(q, 0), 99);
    sqlite3_finalize(q);
    sqlite3_close(raw);
}
END_TEST

/* ---- workflows ---- */

START_TEST(test_workflow_create_get)
{
    store_workflow_t w = wf("wf1");
    w.description = (char *)"desc \xc3\xa9";
    w.default_props = (char *)"{\"a\":\"1\"}";
    w.tags = (char *)"{\"team\":\"x\"}";
    w.has_max_runs = true;
    w.max_runs = 3;
    w.created_ms = 1595358275375LL;
    w.modified_ms = 1595358275376LL;
    ck_assert_int_eq(store_workflow_create(st, &w, 0), 0);
    store_workflow_t g = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "wf1", &g, NULL), 0);
    ck_assert_str_eq(g.name, "wf1");
    ck_assert_str_eq(g.description, "desc \xc3\xa9");
    ck_assert_str_eq(g.default_props, "{\"a\":\"1\"}");
    ck_assert_str_eq(g.tags, "{\"team\":\"x\"}");
    ck_assert(g.has_max_runs);
    ck_assert_int_eq(g.max_runs, 3);
    ck_assert_int_eq(g.created_ms, 1595358275375LL);
    ck_assert_int_eq(g.modified_ms, 1595358275376LL);
    store_workflow_cleanup(&g);

    /* unset members come back unset */
    create_wf("bare");
    ck_assert_int_eq(store_workflow_get(store_read(st), "bare", &g, NULL), 0);
    ck_assert_ptr_null(g.description);
    ck_assert_ptr_null(g.default_props);
    ck_assert_ptr_null(g.tags);
    ck_assert(!g.has_max_runs);
    store_workflow_cleanup(&g);
    ck_assert_ptr_null(g.name); /* cleanup resets */
    store_workflow_cleanup(NULL);

    ck_assert_int_eq(store_workflow_get(store_read(st), "missing", &g, NULL), STORE_NOTFOUND);
    ck_assert_int_eq(store_workflow_get(store_read(st), "WF1", &g, NULL), STORE_NOTFOUND); /* names are exact */
}
END_TEST

START_TEST(test_workflow_duplicate)
{
    create_wf("dup");
    store_workflow_t w = wf("dup");
    w.description = (char *)"second";
    ck_assert_int_eq(store_workflow_create(st, &w, 0), STORE_EXISTS);
    store_workflow_t g = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "dup", &g, NULL), 0);
    ck_assert_ptr_null(g.description); /* the first one is untouched */
    store_workflow_cleanup(&g);
    int64_t n = -1;
    ck_assert_int_eq(store_workflow_count(store_read(st), &n), 0);
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(test_workflow_limit)
{
    store_workflow_t a = wf("a"), b = wf("b"), c = wf("c");
    ck_assert_int_eq(store_workflow_create(st, &a, 2), 0);
    ck_assert_int_eq(store_workflow_create(st, &b, 2), 0);
    ck_assert_int_eq(store_workflow_create(st, &c, 2), STORE_LIMIT);
    store_workflow_t g = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "c", &g, NULL), STORE_NOTFOUND);
    /* a duplicate at the limit is AlreadyExists, not a limit error */
    ck_assert_int_eq(store_workflow_create(st, &a, 2), STORE_EXISTS);
    ck_assert_int_eq(store_workflow_create(st, &c, 0), 0); /* 0 = no limit */
    int64_t n = -1;
    ck_assert_int_eq(store_workflow_count(store_read(st), &n), 0);
    ck_assert_int_eq(n, 3);
}
END_TEST

static int set_description(store_tx_t *tx, store_workflow_t *w, void *ctx)
{
    (void)tx;
    free(w->description);
    w->description = strdup((const char *)ctx);
    w->has_max_runs = true;
    w->max_runs = 7;
    w->modified_ms = 9000;
    return 0;
}

#define CALLER_REFUSED 77 /* a callback's own reason to roll back */

static int change_then_fail(store_tx_t *tx, store_workflow_t *w, void *ctx)
{
    (void)tx;
    free(w->description);
    w->description = strdup("should not stick");
    w->modified_ms = 99999;
    *(int *)ctx += 1;
    return CALLER_REFUSED;
}

static int count_calls(store_tx_t *tx, store_workflow_t *w, void *ctx)
{
    (void)w;
    (void)tx;
    *(int *)ctx += 1;
    return 0;
}

START_TEST(test_workflow_mutate)
{
    create_wf("m");
    ck_assert_int_eq(store_workflow_mutate(st, "m", set_description, (void *)"new"), 0);
    store_workflow_t g = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "m", &g, NULL), 0);
    ck_assert_str_eq(g.description, "new");
    ck_assert(g.has_max_runs);
    ck_assert_int_eq(g.max_runs, 7);
    ck_assert_int_eq(g.modified_ms, 9000);
    ck_assert_int_eq(g.created_ms, 1000);
    store_workflow_cleanup(&g);

    /* fn fails: its error comes back and the row is unchanged */
    int calls = 0;
    ck_assert_int_eq(store_workflow_mutate(st, "m", change_then_fail, &calls), CALLER_REFUSED);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(store_workflow_get(store_read(st), "m", &g, NULL), 0);
    ck_assert_str_eq(g.description, "new");
    ck_assert_int_eq(g.modified_ms, 9000);
    store_workflow_cleanup(&g);

    /* the store is usable afterwards (the transaction was rolled back, not left open) */
    ck_assert_int_eq(store_workflow_mutate(st, "m", set_description, (void *)"again"), 0);
    create_wf("after");

    /* absent: STORE_NOTFOUND and fn never called */
    calls = 0;
    ck_assert_int_eq(store_workflow_mutate(st, "missing", count_calls, &calls), STORE_NOTFOUND);
    ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(test_workflow_delete_cascades)
{
    create_wf("doomed");
    create_wf("other");
    insert_run("doomed", "wr_d1");
    insert_run("doomed", "wr_d2");
    insert_run("other", "wr_o1");
    create_res("trigger", "t_doomed", "doomed");
    create_res("trigger", "t_other", "other");
    create_res("trigger", "t_free", NULL);
    create_res("job", "job1", NULL);
    create_res("crawler", "crawler1", NULL);

    ck_assert_int_eq(store_workflow_delete(st, "doomed"), 0);
    store_workflow_t w = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "doomed", &w, NULL), STORE_NOTFOUND);
    store_run_t r = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "doomed", "wr_d1", &r), STORE_NOTFOUND);
    ck_assert_int_eq(store_run_get(store_read(st), "doomed", "wr_d2", &r), STORE_NOTFOUND);
    store_run_t *runs;
    size_t n;
    ck_assert_int_eq(store_run_list(store_read(st), "doomed", 0, 10, &runs, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_run_list_free(runs, n);
    store_res_t x = {0};
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "t_doomed", &x), STORE_NOTFOUND);

    /* everything else stays */
    ck_assert_int_eq(store_workflow_get(store_read(st), "other", &w, NULL), 0);
    store_workflow_cleanup(&w);
    ck_assert_int_eq(store_run_get(store_read(st), "other", "wr_o1", &r), 0);
    store_run_cleanup(&r);
    static const char *const kept[][2] = {
        {"trigger", "t_other"}, {"trigger", "t_free"}, {"job", "job1"}, {"crawler", "crawler1"}};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_msg(store_res_get(store_read(st), kept[i][0], kept[i][1], &x) == 0, "%s gone", kept[i][1]);
        store_res_cleanup(&x);
    }

    ck_assert_int_eq(store_workflow_delete(st, "doomed"), STORE_NOTFOUND);
    ck_assert_int_eq(store_workflow_delete(st, "never"), STORE_NOTFOUND);
    /* the name can be used again, with no history */
    create_wf("doomed");
    store_run_t last = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "doomed", &w, &last), 0);
    ck_assert_ptr_null(last.run_id);
    store_workflow_cleanup(&w);
    store_run_cleanup(&last);
}
END_TEST

START_TEST(test_workflow_names_paging)
{
    static const char *const order[] = {"w3", "w0", "w6", "w1", "w5", "w2", "w4"};
    for (size_t i = 0; i < 7; i++)
        create_wf(order[i]);
    char **v;
    size_t n;
    ck_assert_int_eq(store_workflow_names(store_read(st), NULL, 3, &v, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0], "w0");
    ck_assert_str_eq(v[1], "w1");
    ck_assert_str_eq(v[2], "w2");
    store_strv_free(v, n);
    ck_assert_int_eq(store_workflow_names(store_read(st), "w2", 3, &v, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0], "w3");
    ck_assert_str_eq(v[2], "w5");
    store_strv_free(v, n);
    ck_assert_int_eq(store_workflow_names(store_read(st), "w5", 3, &v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0], "w6");
    store_strv_free(v, n);
    ck_assert_int_eq(store_workflow_names(store_read(st), "w6", 3, &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_strv_free(v, n);
    /* keyset: `after` need not exist (it may have been deleted between pages) */
    ck_assert_int_eq(store_workflow_delete(st, "w3"), 0);
    ck_assert_int_eq(store_workflow_names(store_read(st), "w25", 2, &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "w4");
    ck_assert_str_eq(v[1], "w5");
    store_strv_free(v, n);
    ck_assert_int_eq(store_workflow_names(store_read(st), NULL, 100, &v, &n), 0);
    ck_assert_uint_eq(n, 6);
    store_strv_free(v, n);
}
END_TEST

START_TEST(test_workflow_names_byte_order)
{
    create_wf("b");
    create_wf("B");
    create_wf("\xc3\xa9");
    create_wf("a b");
    char **v;
    size_t n;
    ck_assert_int_eq(store_workflow_names(store_read(st), NULL, 10, &v, &n), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(v[0], "B");
    ck_assert_str_eq(v[1], "a b");
    ck_assert_str_eq(v[2], "b");
    ck_assert_str_eq(v[3], "\xc3\xa9");
    store_strv_free(v, n);
}
END_TEST

/* ---- runs ---- */

START_TEST(test_run_insert_get)
{
    create_wf("wf");
    create_wf("other");
    store_run_t r = run("wf", "wr_full");
    r.previous_run_id = (char *)"wr_prev";
    r.error_message = (char *)"boom";
    r.props = (char *)"{\"k\":\"v\"}";
    r.status = RUN_ERROR;
    r.completed_ms = 6000;
    r.batch_size = 4;
    r.batch_window = 60;
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        r.stats[i] = i + 1;
    ck_assert_int_eq(store_run_insert(store_read(st), &r), 0);
    store_run_t g = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_full", &g), 0);
    int64_t seq = g.seq;
    ck_assert_int_gt(seq, 0);
    ck_assert_str_eq(g.run_id, "wr_full");
    ck_assert_str_eq(g.workflow, "wf");
    ck_assert_str_eq(g.previous_run_id, "wr_prev");
    ck_assert_str_eq(g.error_message, "boom");
    ck_assert_str_eq(g.props, "{\"k\":\"v\"}");
    ck_assert_int_eq(g.status, RUN_ERROR);
    ck_assert_int_eq(g.started_ms, 5000);
    ck_assert_int_eq(g.completed_ms, 6000);
    ck_assert_int_eq(g.batch_size, 4);
    ck_assert_int_eq(g.batch_window, 60);
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        ck_assert_int_eq(g.stats[i], i + 1);
    store_run_cleanup(&g);

    /* unset members come back unset */
    insert_run("wf", "wr_bare");
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_bare", &g), 0);
    ck_assert_ptr_null(g.previous_run_id);
    ck_assert_ptr_null(g.error_message);
    ck_assert_int_eq(g.completed_ms, 0);
    ck_assert_int_eq(g.batch_size, 0);
    store_run_cleanup(&g);

    ck_assert_int_eq(store_run_get(store_read(st), "other", "wr_full", &g), STORE_NOTFOUND); /* wrong workflow */
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_nope", &g), STORE_NOTFOUND);
    /* run ids are unique across workflows */
    store_run_t again = run("other", "wr_full");
    ck_assert_int_eq(store_run_insert(store_read(st), &again), STORE_EXISTS);
}
END_TEST

START_TEST(test_run_list_newest_first)
{
    create_wf("wf");
    create_wf("other");
    int64_t s1 = insert_run("wf", "wr_1");
    insert_run("other", "wr_x");
    int64_t s2 = insert_run("wf", "wr_2");
    int64_t s3 = insert_run("wf", "wr_3");
    ck_assert_int_lt(s1, s2);
    ck_assert_int_lt(s2, s3);
    store_run_t *v;
    size_t n;
    ck_assert_int_eq(store_run_list(store_read(st), "wf", 0, 10, &v, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0].run_id, "wr_3");
    ck_assert_str_eq(v[1].run_id, "wr_2");
    ck_assert_str_eq(v[2].run_id, "wr_1");
    ck_assert_int_eq(v[0].seq, s3);
    store_run_list_free(v, n);
    /* paging by seq */
    ck_assert_int_eq(store_run_list(store_read(st), "wf", 0, 2, &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    int64_t last = v[1].seq;
    ck_assert_str_eq(v[1].run_id, "wr_2");
    store_run_list_free(v, n);
    ck_assert_int_eq(store_run_list(store_read(st), "wf", last, 2, &v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0].run_id, "wr_1");
    store_run_list_free(v, n);
    ck_assert_int_eq(store_run_list(store_read(st), "wf", s1, 2, &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_run_list_free(v, n);
    /* new runs inserted between pages do not shift the next page */
    ck_assert_int_eq(store_run_list(store_read(st), "wf", s3, 1, &v, &n), 0);
    insert_run("wf", "wr_4");
    ck_assert_str_eq(v[0].run_id, "wr_2");
    store_run_list_free(v, n);
    ck_assert_int_eq(store_run_list(store_read(st), "wf", s2, 5, &v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0].run_id, "wr_1");
    store_run_list_free(v, n);
    ck_assert_int_eq(store_run_list(store_read(st), "nobody", 0, 5, &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_run_list_free(v, n);
}
END_TEST

static int finish_run(store_tx_t *tx, store_run_t *r, void *ctx)
{
    (void)ctx;
    (void)tx;
    r->status = RUN_COMPLETED;
    r->completed_ms = 7000;
    r->stats[ST_TOTAL] = 3;
    r->stats[ST_SUCCEEDED] = 3;
    free(r->props);
    r->props = strdup("{\"done\":\"yes\"}");
    return 0;
}

static int run_fail(store_tx_t *tx, store_run_t *r, void *ctx)
{
    (void)ctx;
    (void)tx;
    r->status = RUN_STOPPED;
    return CALLER_REFUSED;
}

START_TEST(test_run_mutate)
{
    create_wf("wf");
    create_wf("other");
    int64_t seq = insert_run("wf", "wr_1");
    ck_assert_int_eq(store_run_mutate(st, "wf", "wr_1", finish_run, NULL), 0);
    store_run_t g = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_1", &g), 0);
    ck_assert_int_eq(g.status, RUN_COMPLETED);
    ck_assert_int_eq(g.completed_ms, 7000);
    ck_assert_int_eq(g.started_ms, 5000);
    ck_assert_int_eq(g.stats[ST_TOTAL], 3);
    ck_assert_int_eq(g.stats[ST_SUCCEEDED], 3);
    ck_assert_int_eq(g.stats[ST_FAILED], 0);
    ck_assert_str_eq(g.props, "{\"done\":\"yes\"}");
    ck_assert_int_eq(g.seq, seq);
    store_run_cleanup(&g);

    ck_assert_int_eq(store_run_mutate(st, "wf", "wr_1", run_fail, NULL), CALLER_REFUSED);
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_1", &g), 0);
    ck_assert_int_eq(g.status, RUN_COMPLETED); /* rolled back */
    store_run_cleanup(&g);

    ck_assert_int_eq(store_run_mutate(st, "other", "wr_1", finish_run, NULL), STORE_NOTFOUND);
    ck_assert_int_eq(store_run_mutate(st, "wf", "wr_none", finish_run, NULL), STORE_NOTFOUND);
}
END_TEST

START_TEST(test_workflow_get_last_run)
{
    create_wf("wf");
    create_wf("other");
    store_workflow_t w = {0};
    store_run_t last;
    memset(&last, 0xff, sizeof last); /* get must clear it */
    ck_assert_int_eq(store_workflow_get(store_read(st), "wf", &w, &last), 0);
    ck_assert_str_eq(w.name, "wf");
    ck_assert_ptr_null(last.run_id);
    ck_assert_ptr_null(last.props);
    store_workflow_cleanup(&w);
    store_run_cleanup(&last);

    insert_run("wf", "wr_1");
    store_run_t r2 = run("wf", "wr_2");
    r2.previous_run_id = (char *)"wr_1";
    r2.stats[ST_WAITING] = 2;
    ck_assert_int_eq(store_run_insert(store_read(st), &r2), 0);
    store_run_t got2 = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_2", &got2), 0);
    int64_t seq2 = got2.seq;
    store_run_cleanup(&got2);
    insert_run("other", "wr_later"); /* newer, but another workflow's */
    ck_assert_int_eq(store_workflow_get(store_read(st), "wf", &w, &last), 0);
    ck_assert_str_eq(w.name, "wf");
    ck_assert_str_eq(last.run_id, "wr_2");
    ck_assert_str_eq(last.workflow, "wf");
    ck_assert_str_eq(last.previous_run_id, "wr_1");
    ck_assert_int_eq(last.seq, seq2);
    ck_assert_int_eq(last.stats[ST_WAITING], 2);
    ck_assert_int_eq(last.started_ms, 5000);
    store_workflow_cleanup(&w);
    store_run_cleanup(&last);
    ck_assert_int_eq(store_workflow_get(store_read(st), "missing", &w, &last), STORE_NOTFOUND);
}
END_TEST

/* ---- generic definitions ---- */

START_TEST(test_res_create_get_duplicate)
{
    store_res_t r = res("job", "etl", NULL, "{\"Command\":{\"Name\":\"glueetl\"}}");
    r.tags = (char *)"{\"t\":\"1\"}";
    ck_assert_int_eq(store_res_create(st, &r, 0, NULL, NULL), 0);
    store_res_t g = {0};
    ck_assert_int_eq(store_res_get(store_read(st), "job", "etl", &g), 0);
    ck_assert_str_eq(g.kind, "job");
    ck_assert_str_eq(g.name, "etl");
    ck_assert_ptr_null(g.workflow);
    ck_assert_str_eq(g.doc, "{\"Command\":{\"Name\":\"glueetl\"}}");
    ck_assert_str_eq(g.tags, "{\"t\":\"1\"}");
    ck_assert_int_eq(g.created_ms, 2000);
    ck_assert_int_eq(g.modified_ms, 2000);
    store_res_cleanup(&g);
    store_res_cleanup(NULL);

    ck_assert_int_eq(store_res_create(st, &r, 0, NULL, NULL), STORE_EXISTS);
    /* names are per kind */
    store_res_t c = res("crawler", "etl", NULL, "{}");
    ck_assert_int_eq(store_res_create(st, &c, 0, NULL, NULL), 0);
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "etl", &g), STORE_NOTFOUND);
    ck_assert_int_eq(store_res_get(store_read(st), "job", "nope", &g), STORE_NOTFOUND);
}
END_TEST

START_TEST(test_res_limit)
{
    store_res_t a = res("trigger", "a", "wf", "{}"), b = res("trigger", "b", "wf", "{}");
    store_res_t j = res("job", "j", NULL, "{}");
    ck_assert_int_eq(store_res_create(st, &a, 1, NULL, NULL), 0);
    ck_assert_int_eq(store_res_create(st, &j, 1, NULL, NULL), 0); /* counted per kind */
    ck_assert_int_eq(store_res_create(st, &b, 1, NULL, NULL), STORE_LIMIT);
    store_res_t g = {0};
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "b", &g), STORE_NOTFOUND);
    ck_assert_int_eq(store_res_create(st, &b, 0, NULL, NULL), 0);
}
END_TEST

static int res_update(store_tx_t *tx, store_res_t *r, void *ctx)
{
    (void)tx;
    free(r->doc);
    r->doc = strdup((const char *)ctx);
    free(r->workflow);
    r->workflow = strdup("wf2");
    r->modified_ms = 3000;
    return 0;
}

static int res_fail(store_tx_t *tx, store_res_t *r, void *ctx)
{
    (void)ctx;
    (void)tx;
    free(r->doc);
    r->doc = strdup("{\"lost\":true}");
    return CALLER_REFUSED;
}

START_TEST(test_res_mutate_delete)
{
    create_res("trigger", "t1", "wf1");
    ck_assert_int_eq(store_res_mutate(st, "trigger", "t1", res_update, (void *)"{\"v\":2}"), 0);
    store_res_t g = {0};
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "t1", &g), 0);
    ck_assert_str_eq(g.doc, "{\"v\":2}");
    ck_assert_str_eq(g.workflow, "wf2");
    ck_assert_int_eq(g.modified_ms, 3000);
    ck_assert_int_eq(g.created_ms, 2000);
    store_res_cleanup(&g);

    ck_assert_int_eq(store_res_mutate(st, "trigger", "t1", res_fail, NULL), CALLER_REFUSED);
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "t1", &g), 0);
    ck_assert_str_eq(g.doc, "{\"v\":2}"); /* rolled back */
    store_res_cleanup(&g);
    ck_assert_int_eq(store_res_mutate(st, "trigger", "none", res_update, (void *)"{}"), STORE_NOTFOUND);
    ck_assert_int_eq(store_res_mutate(st, "job", "t1", res_update, (void *)"{}"), STORE_NOTFOUND);

    ck_assert_int_eq(store_res_delete(st, "job", "t1"), STORE_NOTFOUND); /* wrong kind */
    ck_assert_int_eq(store_res_delete(st, "trigger", "t1"), 0);
    ck_assert_int_eq(store_res_get(store_read(st), "trigger", "t1", &g), STORE_NOTFOUND);
    ck_assert_int_eq(store_res_delete(st, "trigger", "t1"), STORE_NOTFOUND);
}
END_TEST

START_TEST(test_res_list_and_by_workflow)
{
    static const char *const names[] = {"t4", "t1", "t3", "t0", "t2"};
    for (int i = 0; i < 5; i++)
        create_res("trigger", names[i], (names[i][1] - '0') % 2 ? "wfA" : "wfB");
    create_res("job", "j0", NULL);
    create_res("job", "j1", NULL);
    store_res_t *v;
    size_t n;
    ck_assert_int_eq(store_res_list(store_read(st), "trigger", NULL, 0, &v, &n), 0); /* 0 = all */
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        char want[24];
        snprintf(want, sizeof want, "t%zu", i);
        ck_assert_str_eq(v[i].name, want);
        ck_assert_str_eq(v[i].kind, "trigger");
    }
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_list(store_read(st), "trigger", NULL, 2, &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[1].name, "t1");
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_list(store_read(st), "trigger", "t1", 2, &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0].name, "t2");
    ck_assert_str_eq(v[1].name, "t3");
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_list(store_read(st), "trigger", "t3", 2, &v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(v[0].name, "t4");
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_list(store_read(st), "job", NULL, 0, &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_list(store_read(st), "crawler", NULL, 0, &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_res_list_free(v, n);

    /* t1 and t3 belong to wfA; t0, t2 and t4 to wfB; in name order */
    ck_assert_int_eq(store_res_by_workflow(store_read(st), "trigger", "wfA", &v, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0].name, "t1");
    ck_assert_str_eq(v[1].name, "t3");
    ck_assert_str_eq(v[0].workflow, "wfA");
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_by_workflow(store_read(st), "trigger", "wfB", &v, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0].name, "t0");
    ck_assert_str_eq(v[2].name, "t4");
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_by_workflow(store_read(st), "trigger", "wfC", &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_res_list_free(v, n);
    ck_assert_int_eq(store_res_by_workflow(store_read(st), "job", "wfA", &v, &n), 0);
    ck_assert_uint_eq(n, 0);
    store_res_list_free(v, n);
}
END_TEST

START_TEST(test_res_list_grows)
{
    /* more rows than the initial array holds when listing everything */
    char name[16];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "job%02d", i);
        create_res("job", name, NULL);
    }
    store_res_t *v;
    size_t n;
    ck_assert_int_eq(store_res_list(store_read(st), "job", NULL, 0, &v, &n), 0);
    ck_assert_uint_eq(n, 40);
    ck_assert_str_eq(v[39].name, "job39");
    store_res_list_free(v, n);
}
END_TEST

/* ---- concurrency ---- */

#define NTHREADS 4
#define NMUTATES 200

struct adder {
    int thread;
    int i;
    int failures;
    char last_error[sizeof(((gerr_t *)0)->msg)];
};

static int add_key(store_tx_t *tx, store_run_t *r, void *ctx)
{
    struct adder *a = ctx;
    gerr_t ge = {0}, *e = &ge;
    (void)tx;
    char k[32];
    snprintf(k, sizeof k, "t%d_%03d", a->thread, a->i);
    json_t *add = json_pack("{s:s}", k, "v");
    int rc = codec_props_merge(&r->props, add, "WorkflowRunProperties", e);
    json_decref(add);
    return rc;
}

static void *adder_main(void *arg)
{
    struct adder *a = arg;
    for (a->i = 0; a->i < NMUTATES; a->i++) {
        int rc = store_run_mutate(st, "wf", "wr_shared", add_key, a);
        if (rc != 0) {
            a->failures++;
            snprintf(a->last_error, sizeof a->last_error, "%s", store_status_name(rc));
        }
    }
    return NULL;
}

START_TEST(test_concurrent_mutates_lose_nothing)
{
    create_wf("wf");
    insert_run("wf", "wr_shared");
    pthread_t th[NTHREADS];
    struct adder a[NTHREADS];
    memset(a, 0, sizeof a);
    for (int t = 0; t < NTHREADS; t++) {
        a[t].thread = t;
        ck_assert_int_eq(pthread_create(&th[t], NULL, adder_main, &a[t]), 0);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < NTHREADS; t++)
        ck_assert_msg(a[t].failures == 0, "thread %d: %d failures, last: %s", t, a[t].failures, a[t].last_error);
    store_run_t r = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_shared", &r), 0);
    json_t *m = codec_map_decode(r.props);
    ck_assert_uint_eq(json_object_size(m), NTHREADS * NMUTATES);
    char k[32];
    for (int t = 0; t < NTHREADS; t++)
        for (int i = 0; i < NMUTATES; i++) {
            snprintf(k, sizeof k, "t%d_%03d", t, i);
            ck_assert_msg(json_object_get(m, k) != NULL, "lost %s", k);
        }
    json_decref(m);
    store_run_cleanup(&r);
}
END_TEST

/* In one transaction: twelve nodes, then 300 random state changes; *active gets the active count. */
static int walk_nodes(store_tx_t *tx, void *ctx)
{
    char name[16];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "j%d", i);
        ck_assert_int_eq(store_run_node_add(tx, "wr_stats", "JOB", name, i % 3 == 0 ? JR_SUCCEEDED : -1, NULL), 0);
    }
    /* a node named twice counts once */
    ck_assert_int_eq(store_run_node_add(tx, "wr_stats", "JOB", "j1", -1, NULL), 0);
    unsigned seed = 7;
    for (int step = 0; step < 300; step++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(name, sizeof name, "j%u", (seed >> 8) % 12);
        int state = (int)((seed >> 16) % (JR_EXPIRED + 2)) - 1; /* -1 .. JR_EXPIRED */
        ck_assert_int_eq(store_run_node_set(tx, "wr_stats", "JOB", name, state, NULL), 0);
    }
    /* a node outside the run's graph changes nothing */
    ck_assert_int_eq(store_run_node_set(tx, "wr_stats", "JOB", "nope", JR_FAILED, NULL), 0);
    return store_run_refresh_stats(tx, "wr_stats", ctx);
}

static int recount(store_tx_t *tx, void *ctx)
{
    (void)ctx;
    return store_run_recount_stats(tx, "wr_stats");
}

/* ---- the engine's frozen triggers (engine/frozen.c), read through the store ---- */

static int freeze_triggers(store_tx_t *tx, void *ctx)
{
    (void)ctx;
    static const char *const t[][2] = {
        {"t-b", "{\"Predicate\": {\"Conditions\": [{\"JobName\": \"j1\"}, {\"CrawlerName\": \"c1\"}]}}"},
        {"t-a", "{\"Predicate\": {\"Logical\": \"ANY\", \"Conditions\": [{\"JobName\": \"j1\"}]}}"},
        {"t-d", "{not json"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0] && rc == 0; i++)
        rc = store_run_trigger_add(tx, "wr_frozen", t[i][0], t[i][1], false);
    if (rc == 0)
        rc = store_run_watch_add(tx, "wr_frozen", "JOB", "j1", "t-b");
    if (rc == 0)
        rc = store_run_watch_add(tx, "wr_frozen", "JOB", "j1", "t-a");
    if (rc == 0)
        rc = store_run_watch_add(tx, "wr_frozen", "CRAWLER", "c1", "t-b");
    if (rc == 0)
        rc = store_run_watch_add(tx, "wr_frozen", "JOB", "j2", "t-d");
    return rc;
}

static int drop_triggers(store_tx_t *tx, void *ctx)
{
    (void)ctx;
    DB_SQL(q_t, "DELETE FROM run_triggers WHERE run_id = ?1");
    DB_SQL(q_w, "DELETE FROM run_watch WHERE run_id = ?1");
    int rc = db_exec(tx, &q_t, NULL, "s", "wr_frozen");
    return rc < 0 ? rc : db_exec(tx, &q_w, NULL, "s", "wr_frozen");
}

/* What one probe saw: a node's watchers (space-separated, each with "!" when its definition did not parse). */
typedef struct frozen_probe {
    frozen_t *f;
    const char *type, *name;
    char seen[256];
} frozen_probe_t;

static int probe(store_tx_t *tx, void *ctx)
{
    frozen_probe_t *p = ctx;
    char *const *names;
    size_t n;
    p->seen[0] = '\0';
    int rc = frozen_watchers(p->f, tx, "wr_frozen", p->type, p->name, &names, &n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *doc = NULL;
        rc = frozen_trigger(p->f, tx, "wr_frozen", names[i], &doc);
        size_t k = strlen(p->seen);
        snprintf(p->seen + k, sizeof p->seen - k, "%s%s%s", i ? " " : "", names[i], doc ? "" : "!");
    }
    return rc;
}

static const char *watchers(frozen_probe_t *p, const char *type, const char *name)
{
    p->type = type;
    p->name = name;
    ck_assert_int_eq(store_tx_run(st, 0, probe, p), 0);
    return p->seen;
}

/* What a run's triggers say is read once and kept: a node's watchers in name order, each trigger parsed (one that
 * does not parse is kept as none). The first lookup reads all of the run's watchers and triggers, so the rows gone,
 * every node still answers as they said, a node that has none included; a run forgotten (it ended) is read
 * again. */
START_TEST(test_frozen_triggers_kept_once_read)
{
    frozen_probe_t p = {.f = frozen_new(16)};
    ck_assert_ptr_nonnull(p.f);
    ck_assert_int_eq(store_tx_run(st, 0, freeze_triggers, NULL), 0);
    ck_assert_str_eq(watchers(&p, "JOB", "j1"), "t-a t-b");
    ck_assert_str_eq(watchers(&p, "JOB", "j2"), "t-d!");
    ck_assert_str_eq(watchers(&p, "JOB", "zz"), "");
    ck_assert_int_eq(store_tx_run(st, 0, drop_triggers, NULL), 0);
    ck_assert_str_eq(watchers(&p, "JOB", "j1"), "t-a t-b");
    ck_assert_str_eq(watchers(&p, "CRAWLER", "c1"), "t-b"); /* not asked before the rows went: read with j1's */
    ck_assert_str_eq(watchers(&p, "JOB", "nope"), "");      /* a node no trigger watches */
    frozen_forget(p.f, "wr_other");                         /* another run: nothing of this one goes */
    frozen_trim(p.f);
    ck_assert_str_eq(watchers(&p, "JOB", "j1"), "t-a t-b");
    frozen_forget(p.f, "wr_frozen");
    ck_assert_str_eq(watchers(&p, "JOB", "j1"), "t-a t-b"); /* kept until the trim */
    frozen_trim(p.f);
    ck_assert_str_eq(watchers(&p, "JOB", "j1"), "");
    frozen_free(p.f);
}
END_TEST

static int freeze_many(store_tx_t *tx, void *ctx)
{
    (void)ctx;
    int rc = store_run_trigger_add(tx, "wr_frozen", "t", "{\"Predicate\": {}}", false);
    for (int i = 0; i < 5000 && rc == 0; i++) { /* past frozen.c's RUN_ROWS: read node by node */
        char name[32];
        snprintf(name, sizeof name, "j%04d", i);
        rc = store_run_watch_add(tx, "wr_frozen", "JOB", name, "t");
    }
    return rc;
}

/* A run with more watchers than one read takes: each node's are read when asked, and all answer right. */
START_TEST(test_frozen_many_watchers)
{
    frozen_probe_t p = {.f = frozen_new(16)};
    ck_assert_ptr_nonnull(p.f);
    ck_assert_int_eq(store_tx_run(st, 0, freeze_many, NULL), 0);
    ck_assert_str_eq(watchers(&p, "JOB", "j0000"), "t");
    ck_assert_str_eq(watchers(&p, "JOB", "j4999"), "t");
    ck_assert_str_eq(watchers(&p, "JOB", "j5000"), "");
    ck_assert_str_eq(watchers(&p, "JOB", "j0000"), "t");
    frozen_free(p.f);
}
END_TEST

/* The run counters kept incrementally by node_add/node_set agree with a full recount after any walk. */
START_TEST(test_run_stats_incremental_match_recount)
{
    create_wf("wf");
    store_run_t r = run("wf", "wr_stats");
    ck_assert_int_eq(store_run_insert(store_read(st), &r), 0);
    int64_t active = -1;
    ck_assert_int_eq(store_tx_run(st, 0, walk_nodes, &active), 0);
    store_run_t inc = {0}, full = {0};
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_stats", &inc), 0);
    ck_assert_int_eq(inc.stats[ST_TOTAL], 12);
    ck_assert_int_eq(active, inc.stats[ST_RUNNING] + inc.stats[ST_WAITING]);
    ck_assert_int_eq(store_tx_run(st, 0, recount, NULL), 0);
    ck_assert_int_eq(store_run_get(store_read(st), "wf", "wr_stats", &full), 0);
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        ck_assert_msg(inc.stats[i] == full.stats[i], "counter %d: incremental %lld, recount %lld", i,
                      (long long)inc.stats[i], (long long)full.stats[i]);
    store_run_cleanup(&inc);
    store_run_cleanup(&full);
}
END_TEST

/* ---- retention ---- */

typedef struct purge_call {
    int64_t cutoff_ms;
    int max_runs;
    store_purged_t p;
} purge_call_t;

static int purge_fn(store_tx_t *tx, void *ctx)
{
    purge_call_t *c = ctx;
    store_purged_cleanup(&c->p); /* a conflict runs this again */
    return store_purge_history(tx, c->cutoff_ms, c->max_runs, 200, &c->p);
}

/* One purge batch: how many workflow runs it took. */
static size_t purge_runs(int64_t cutoff_ms, int max_runs)
{
    purge_call_t c = {cutoff_ms, max_runs, {0}};
    ck_assert_int_eq(store_tx_run(st, 0, purge_fn, &c), 0);
    size_t n = c.p.runs;
    store_purged_cleanup(&c.p);
    return n;
}

static void insert_ended(const char *run_id, const char *previous, int64_t completed_ms)
{
    store_run_t r = run("a", run_id);
    r.previous_run_id = (char *)previous;
    r.status = RUN_COMPLETED;
    r.completed_ms = completed_ms;
    ck_assert_int_eq(store_run_insert(store_read(st), &r), 0);
}

static bool run_exists(const char *run_id)
{
    store_run_t r = {0};
    int rc = store_run_get(store_read(st), "a", run_id, &r);
    ck_assert_int_ge(rc, 0);
    store_run_cleanup(&r);
    return rc == STORE_OK;
}

/* wr_a was resumed as wr_b, wr_b as wr_c, wr_c as wr_d */
static void insert_chain(void)
{
    insert_ended("wr_a", NULL, 6000);
    insert_ended("wr_b", "wr_a", 7000);
    insert_ended("wr_c", "wr_b", 8000);
    insert_ended("wr_d", "wr_c", 9500);
}

START_TEST(test_purge_keeps_what_a_kept_run_was_resumed_from)
{
    create_wf("a");
    insert_chain();
    insert_ended("wr_x", NULL, 6500);
    ck_assert_uint_eq(purge_runs(9000, 20), 1); /* wr_x; wr_d is kept, and so the runs it comes from */
    ck_assert(!run_exists("wr_x"));
    const char *chain[] = {"wr_a", "wr_b", "wr_c", "wr_d"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(run_exists(chain[i]), "%s", chain[i]);
}
END_TEST

/* Once the resumed run goes, the runs it was resumed from are due in the same batch: a batch that takes fewer
 * runs than asked is the last of its pass, so they waited for the next pass, an hour later, one link a pass. */
START_TEST(test_purge_takes_a_resumed_chain_at_once)
{
    create_wf("a");
    insert_chain();
    ck_assert_uint_eq(purge_runs(10000, 20), 4);
    const char *chain[] = {"wr_a", "wr_b", "wr_c", "wr_d"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(!run_exists(chain[i]), "%s", chain[i]);
    ck_assert_uint_eq(purge_runs(10000, 20), 0);
    /* and a batch still takes at most what it is asked */
    insert_chain();
    ck_assert_uint_eq(purge_runs(10000, 3), 3);
    ck_assert(run_exists("wr_a"));
    ck_assert_uint_eq(purge_runs(10000, 3), 1);
    ck_assert(!run_exists("wr_a"));
}
END_TEST

/* ---- reset (--test-mode) ---- */

/* Rows in every table of the SQLite file but those a reset keeps and SQLite's own. */
static int64_t rows_outside_meta(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/glued.db", datadir);
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                                        "('meta', 'nodes') AND name NOT LIKE 'sqlite_%'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    int64_t total = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", (const char *)sqlite3_column_text(q, 0));
        sqlite3_stmt *c;
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &c, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(c), SQLITE_ROW);
        total += sqlite3_column_int64(c, 0);
        sqlite3_finalize(c);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return total;
}

START_TEST(test_reset_empties_everything_but_the_secret)
{
    create_wf("a");
    create_wf("b");
    insert_run("a", "wr_1");
    create_res("job", "j", NULL);
    create_res("trigger", "t", "a");
    ck_assert_int_gt(rows_outside_meta(), 0);
    uint8_t secret[32];
    memcpy(secret, store_secret(st), 32);
    ck_assert_int_eq(store_reset(st), STORE_OK);
    ck_assert_int_eq(rows_outside_meta(), 0);
    store_workflow_t w = {0};
    ck_assert_int_eq(store_workflow_get(store_read(st), "a", &w, NULL), STORE_NOTFOUND);
    /* the store goes on as new, and the secret (pagination tokens, node ids) survives, also a reopen */
    create_wf("a");
    ck_assert_int_eq(store_reset(st), STORE_OK);
    ck_assert_int_eq(store_reset(st), STORE_OK);
    store_close(st);
    st = NULL;
    open_store();
    ck_assert_mem_eq(store_secret(st), secret, 32);
    ck_assert_int_eq(store_schema_version(st), store_schema_latest());
}
END_TEST

/* Every table a migration creates is emptied by the reset or kept on purpose, never both. */
static bool in_list(const char *const *list, const char *name, size_t n)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncmp(list[i], name, n) == 0)
            return true;
    return false;
}

START_TEST(test_reset_list_covers_every_table)
{
    int found = 0;
    for (int m = 0; m < db_schema_version; m++) {
        for (const char *p = db_migrations[m]; (p = strstr(p, "CREATE TABLE ")); p++) {
            const char *name = p + strlen("CREATE TABLE ");
            size_t n = strcspn(name, " (");
            bool emptied = in_list(db_reset_tables, name, n), kept = in_list(db_reset_kept, name, n);
            ck_assert_msg(emptied != kept,
                          "table %.*s (migration %d) must be in exactly one of db_reset_tables and "
                          "db_reset_kept (schema.c)",
                          (int)n, name, m + 1);
            found++;
        }
    }
    ck_assert_int_ge(found, 7);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *open = tcase_create("open");
    tcase_add_checked_fixture(open, setup, teardown);
    tcase_add_test(open, test_open_creates_private_dir_and_db);
    tcase_add_test(open, test_reopen_keeps_data_and_secret);
    tcase_add_test(open, test_open_on_a_file_fails);
    tcase_add_test(open, test_newer_schema_refused);
    suite_add_tcase(s, open);

    TCase *wfs = tcase_create("workflows");
    tcase_add_checked_fixture(wfs, setup_open, teardown);
    tcase_add_test(wfs, test_workflow_create_get);
    tcase_add_test(wfs, test_workflow_duplicate);
    tcase_add_test(wfs, test_workflow_limit);
    tcase_add_test(wfs, test_workflow_mutate);
    tcase_add_test(wfs, test_workflow_delete_cascades);
    tcase_add_test(wfs, test_workflow_names_paging);
    tcase_add_test(wfs, test_workflow_names_byte_order);
    suite_add_tcase(s, wfs);

    TCase *runs = tcase_create("runs");
    tcase_add_checked_fixture(runs, setup_open, teardown);
    tcase_add_test(runs, test_run_stats_incremental_match_recount);
    tcase_add_test(runs, test_frozen_triggers_kept_once_read);
    tcase_add_test(runs, test_frozen_many_watchers);
    tcase_add_test(runs, test_run_insert_get);
    tcase_add_test(runs, test_run_list_newest_first);
    tcase_add_test(runs, test_run_mutate);
    tcase_add_test(runs, test_workflow_get_last_run);
    suite_add_tcase(s, runs);

    TCase *defs = tcase_create("definitions");
    tcase_add_checked_fixture(defs, setup_open, teardown);
    tcase_add_test(defs, test_res_create_get_duplicate);
    tcase_add_test(defs, test_res_limit);
    tcase_add_test(defs, test_res_mutate_delete);
    tcase_add_test(defs, test_res_list_and_by_workflow);
    tcase_add_test(defs, test_res_list_grows);
    suite_add_tcase(s, defs);

    TCase *ret = tcase_create("retention");
    tcase_add_checked_fixture(ret, setup_open, teardown);
    tcase_add_test(ret, test_purge_keeps_what_a_kept_run_was_resumed_from);
    tcase_add_test(ret, test_purge_takes_a_resumed_chain_at_once);
    suite_add_tcase(s, ret);

    TCase *reset = tcase_create("reset");
    tcase_add_checked_fixture(reset, setup_open, teardown);
    tcase_add_test(reset, test_reset_empties_everything_but_the_secret);
    tcase_add_test(reset, test_reset_list_covers_every_table);
    suite_add_tcase(s, reset);

    TCase *conc = tcase_create("concurrency");
    tcase_add_checked_fixture(conc, setup_open, teardown);
    tcase_set_timeout(conc, 30);
    tcase_add_test(conc, test_concurrent_mutates_lose_nothing);
    suite_add_tcase(s, conc);
    return s;
}

int main(void)
{
    util_log_level(LOG_WARN); /* keep the migration notes out of the test output */
    strcpy(root, "/tmp/glued-store-test-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
