/* Unit tests for src/model/codec: the store's map text, timestamps, run property merging and its bounds, and the
 * WorkflowRun structure. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/codec.h"

/* Dumps a value with glued's flags (wrapped in an object, as every response is). */
static char *dump_member(json_t *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "t", v);
    char *s = json_dumps(o, CODEC_DUMP_FLAGS);
    json_decref(o);
    return s;
}

static void expect_timestamp(int64_t ms, const char *want)
{
    char *s = dump_member(codec_timestamp(ms));
    ck_assert_str_eq(s, want);
    free(s);
}

/* A map of n keys "k0000".. with values of vlen 'v's. */
static json_t *make_map(int from, int n, size_t vlen)
{
    json_t *m = json_object();
    char *v = malloc(vlen + 1);
    memset(v, 'v', vlen);
    v[vlen] = '\0';
    char k[16];
    for (int i = from; i < from + n; i++) {
        snprintf(k, sizeof k, "k%04d", i);
        json_object_set_new(m, k, json_string(v));
    }
    free(v);
    return m;
}

START_TEST(test_map_round_trip)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "b", "2", "a", "1", "\xc3\xbc", "\xc3\xb1\xf0\x9f\x98\x80",
                          "quote\"key", "line\nvalue");
    char *text = codec_map_encode(m);
    ck_assert_ptr_nonnull(text);
    /* compact, keys sorted (bytewise), UTF-8 kept as is */
    ck_assert_str_eq(text, "{\"a\":\"1\",\"b\":\"2\",\"quote\\\"key\":\"line\\nvalue\","
                           "\"\xc3\xbc\":\"\xc3\xb1\xf0\x9f\x98\x80\"}");
    json_t *back = codec_map_decode(text);
    ck_assert(json_equal(back, m));
    char *again = codec_map_encode(back);
    ck_assert_str_eq(again, text); /* stable: the same map always has the same text */
    free(again);
    free(text);
    json_decref(back);
    json_decref(m);
}
END_TEST

START_TEST(test_map_encode_empty_and_null)
{
    ck_assert_ptr_null(codec_map_encode(NULL));
    json_t *m = json_object();
    char *text = codec_map_encode(m);
    ck_assert_str_eq(text, "{}");
    free(text);
    json_decref(m);
}
END_TEST

START_TEST(test_map_decode_bad_input_is_empty)
{
    static const char *const bad[] = {"", "garbage", "[1,2]", "\"s\"", "42", "null", "{\"a\":", "{} extra"};
    json_t *m = codec_map_decode(NULL);
    ck_assert(json_is_object(m));
    ck_assert_uint_eq(json_object_size(m), 0);
    json_decref(m);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = codec_map_decode(bad[i]);
        ck_assert_msg(json_is_object(m), "not an object for '%s'", bad[i]);
        ck_assert_msg(json_object_size(m) == 0, "not empty for '%s'", bad[i]);
        json_decref(m);
    }
}
END_TEST

START_TEST(test_timestamp)
{
    json_t *t = codec_timestamp(1595358275375LL);
    ck_assert(json_is_real(t)); /* a JSON number, never a string */
    json_decref(t);
    expect_timestamp(1595358275375LL, "{\"t\":1595358275.375}");
    expect_timestamp(1595358275001LL, "{\"t\":1595358275.001}");
    expect_timestamp(1595358275999LL, "{\"t\":1595358275.999}");
    expect_timestamp(1595358275000LL, "{\"t\":1595358275.0}");
    expect_timestamp(4102444799999LL, "{\"t\":4102444799.999}"); /* 2099-12-31T23:59:59.999Z */
    expect_timestamp(1LL, "{\"t\":0.001}");
}
END_TEST

START_TEST(test_set_str)
{
    json_t *o = json_object();
    codec_set_str(o, "A", "x");
    codec_set_str(o, "B", NULL);
    ck_assert_str_eq(json_string_value(json_object_get(o, "A")), "x");
    ck_assert_ptr_null(json_object_get(o, "B")); /* omitted, not null */
    ck_assert_uint_eq(json_object_size(o), 1);
    json_decref(o);
}
END_TEST

START_TEST(test_props_merge)
{
    gerr_t e = {0};
    char *text = NULL;
    json_t *a = json_pack("{s:s, s:s}", "keep", "1", "over", "old");
    ck_assert_int_eq(codec_props_merge(&text, a, "Run properties", &e), 0);
    ck_assert_str_eq(text, "{\"keep\":\"1\",\"over\":\"old\"}");
    json_t *b = json_pack("{s:s, s:s}", "over", "new", "added", "\xc3\xa9");
    ck_assert_int_eq(codec_props_merge(&text, b, "Run properties", &e), 0);
    ck_assert_str_eq(text, "{\"added\":\"\xc3\xa9\",\"keep\":\"1\",\"over\":\"new\"}");
    json_t *empty = json_object();
    ck_assert_int_eq(codec_props_merge(&text, empty, "Run properties", &e), 0); /* nothing removed */
    ck_assert_str_eq(text, "{\"added\":\"\xc3\xa9\",\"keep\":\"1\",\"over\":\"new\"}");
    free(text);
    /* unreadable stored text counts as empty */
    text = strdup("not json");
    ck_assert_int_eq(codec_props_merge(&text, a, "Run properties", &e), 0);
    ck_assert_str_eq(text, "{\"keep\":\"1\",\"over\":\"old\"}");
    free(text);
    json_decref(a);
    json_decref(b);
    json_decref(empty);
}
END_TEST

START_TEST(test_props_key_limit)
{
    gerr_t e = {0};
    json_t *m999 = make_map(0, 999, 1);
    char *text = NULL;
    ck_assert_int_eq(codec_props_merge(&text, m999, "Run properties", &e), 0);
    json_t *one = make_map(999, 1, 1), *two = make_map(1000, 1, 1), *dup = make_map(5, 1, 1);
    ck_assert_int_eq(codec_props_merge(&text, one, "Run properties", &e), 0); /* exactly 1000 */
    json_t *m = codec_map_decode(text);
    ck_assert_uint_eq(json_object_size(m), 1000);
    json_decref(m);
    ck_assert_int_eq(codec_props_merge(&text, dup, "Run properties", &e), 0); /* overwrite: still 1000 */
    char *before = strdup(text), *before_ptr = text;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(codec_props_merge(&text, two, "Run properties", &e), -1);
    ck_assert_str_eq(e.type, GERR_LIMIT);
    ck_assert_int_eq(e.status, 400);
    ck_assert_ptr_nonnull(strstr(e.msg, "Run properties"));
    ck_assert_ptr_nonnull(strstr(e.msg, "1000"));
    ck_assert_ptr_eq(text, before_ptr); /* untouched on failure */
    ck_assert_str_eq(text, before);
    free(before);
    free(text);
    json_decref(m999);
    json_decref(one);
    json_decref(two);
    json_decref(dup);
}
END_TEST

START_TEST(test_props_byte_limit)
{
    gerr_t e = {0};
    /* 64 keys of 5 bytes with 1019-byte values: 64 * 1024 = 65536 bytes exactly */
    json_t *full = make_map(0, 64, 1019);
    char *text = NULL;
    ck_assert_int_eq(codec_props_check(full, "Run properties", &e), 0);
    ck_assert_int_eq(codec_props_merge(&text, full, "Run properties", &e), 0);
    /* one more byte in an existing value is over */
    json_t *more = json_pack("{s:s}", "k0000", "");
    char *v = malloc(1021);
    memset(v, 'v', 1020);
    v[1020] = '\0';
    json_object_set_new(more, "k0000", json_string(v));
    free(v);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(codec_props_merge(&text, more, "Run properties", &e), -1);
    ck_assert_str_eq(e.type, GERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(e.msg, "65537"));
    ck_assert_ptr_nonnull(strstr(e.msg, "65536"));
    /* an added key (its name counts) is over too */
    json_t *key = json_pack("{s:s}", "x", "");
    ck_assert_int_eq(codec_props_merge(&text, key, "Run properties", &e), -1);
    ck_assert_str_eq(e.type, GERR_LIMIT);
    /* a shorter value brings it back under */
    json_t *shorter = json_pack("{s:s}", "k0000", "v");
    ck_assert_int_eq(codec_props_merge(&text, shorter, "Run properties", &e), 0);
    ck_assert_int_eq(codec_props_merge(&text, key, "Run properties", &e), 0);
    free(text);
    json_decref(full);
    json_decref(more);
    json_decref(key);
    json_decref(shorter);
}
END_TEST

START_TEST(test_props_check_keys)
{
    gerr_t e = {0};
    json_t *m = make_map(0, 1000, 0);
    ck_assert_int_eq(codec_props_check(m, "DefaultRunProperties", &e), 0);
    json_object_set_new(m, "extra", json_string(""));
    ck_assert_int_eq(codec_props_check(m, "DefaultRunProperties", &e), -1);
    ck_assert_str_eq(e.type, GERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(e.msg, "DefaultRunProperties"));
    ck_assert_ptr_nonnull(strstr(e.msg, "1001"));
    json_decref(m);
}
END_TEST

START_TEST(test_run_full)
{
    store_run_t r = {0};
    r.run_id = (char *)"wr_0123";
    r.workflow = (char *)"wf";
    r.previous_run_id = (char *)"wr_0122";
    r.error_message = (char *)"it broke";
    r.props = (char *)"{\"a\":\"1\"}";
    r.status = RUN_COMPLETED;
    r.started_ms = 1595358275375LL;
    r.completed_ms = 1595358280000LL;
    r.batch_size = 5;
    r.batch_window = 900;
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        r.stats[i] = 10 + i;
    json_t *o = codec_run(&r);
    ck_assert_str_eq(json_string_value(json_object_get(o, "Name")), "wf");
    ck_assert_str_eq(json_string_value(json_object_get(o, "WorkflowRunId")), "wr_0123");
    ck_assert_str_eq(json_string_value(json_object_get(o, "PreviousRunId")), "wr_0122");
    ck_assert_str_eq(json_string_value(json_object_get(o, "ErrorMessage")), "it broke");
    ck_assert_str_eq(json_string_value(json_object_get(o, "Status")), "COMPLETED");
    json_t *want_props = json_pack("{s:s}", "a", "1");
    ck_assert(json_equal(json_object_get(o, "WorkflowRunProperties"), want_props));
    json_decref(want_props);
    ck_assert(json_is_real(json_object_get(o, "StartedOn")));
    ck_assert(json_real_value(json_object_get(o, "StartedOn")) == 1595358275.375);
    ck_assert(json_real_value(json_object_get(o, "CompletedOn")) == 1595358280.0);
    json_t *b = json_object_get(o, "StartingEventBatchCondition");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "BatchSize")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "BatchWindow")), 900);
    static const char *const names[STORE_RUN_NSTATS] = {"TotalActions",   "TimeoutActions",   "FailedActions",
                                                        "StoppedActions", "SucceededActions", "RunningActions",
                                                        "ErroredActions", "WaitingActions"};
    json_t *st = json_object_get(o, "Statistics");
    ck_assert_uint_eq(json_object_size(st), STORE_RUN_NSTATS);
    for (int i = 0; i < STORE_RUN_NSTATS; i++) {
        json_t *v = json_object_get(st, names[i]);
        ck_assert_msg(json_is_integer(v), "%s missing", names[i]);
        ck_assert_int_eq(json_integer_value(v), 10 + i);
    }
    /* only WorkflowRun members (Graph is added by the caller) */
    static const char *const members[] = {
        "Name",   "WorkflowRunId", "PreviousRunId", "WorkflowRunProperties",      "StartedOn", "CompletedOn",
        "Status", "ErrorMessage",  "Statistics",    "StartingEventBatchCondition"};
    ck_assert_uint_eq(json_object_size(o), sizeof members / sizeof members[0]);
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        ck_assert_ptr_nonnull(json_object_get(o, members[i]));
    char *s = json_dumps(o, CODEC_DUMP_FLAGS);
    ck_assert_ptr_nonnull(strstr(s, "\"StartedOn\":1595358275.375"));
    free(s);
    json_decref(o);
}
END_TEST

START_TEST(test_run_minimal)
{
    store_run_t r = {0};
    r.run_id = (char *)"wr_1";
    r.workflow = (char *)"wf";
    r.status = RUN_RUNNING;
    r.started_ms = 1000;
    json_t *o = codec_run(&r);
    ck_assert_str_eq(json_string_value(json_object_get(o, "Status")), "RUNNING");
    /* absent members are omitted, never null */
    ck_assert_ptr_null(json_object_get(o, "PreviousRunId"));
    ck_assert_ptr_null(json_object_get(o, "CompletedOn"));
    ck_assert_ptr_null(json_object_get(o, "ErrorMessage"));
    ck_assert_ptr_null(json_object_get(o, "StartingEventBatchCondition"));
    ck_assert_ptr_null(json_object_get(o, "Graph"));
    /* properties are an empty map when none were set */
    json_t *p = json_object_get(o, "WorkflowRunProperties");
    ck_assert(json_is_object(p));
    ck_assert_uint_eq(json_object_size(p), 0);
    json_t *st = json_object_get(o, "Statistics");
    ck_assert_uint_eq(json_object_size(st), STORE_RUN_NSTATS);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "TotalActions")), 0);
    ck_assert(json_is_integer(json_object_get(st, "WaitingActions")));
    json_decref(o);
}
END_TEST

START_TEST(test_run_status_names)
{
    static const char *const want[] = {"RUNNING", "COMPLETED", "STOPPING", "STOPPED", "ERROR"};
    for (int i = RUN_RUNNING; i <= RUN_ERROR; i++) {
        store_run_t r = {0};
        r.run_id = (char *)"wr_1";
        r.workflow = (char *)"wf";
        r.status = i;
        json_t *o = codec_run(&r);
        ck_assert_str_eq(json_string_value(json_object_get(o, "Status")), want[i]);
        ck_assert_int_eq(store_run_status_parse(want[i]), i);
        json_decref(o);
    }
    ck_assert_int_eq(store_run_status_parse("running"), -1);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *maps = tcase_create("maps");
    tcase_add_test(maps, test_map_round_trip);
    tcase_add_test(maps, test_map_encode_empty_and_null);
    tcase_add_test(maps, test_map_decode_bad_input_is_empty);
    tcase_add_test(maps, test_timestamp);
    tcase_add_test(maps, test_set_str);
    suite_add_tcase(s, maps);
    TCase *props = tcase_create("props");
    tcase_add_test(props, test_props_merge);
    tcase_add_test(props, test_props_key_limit);
    tcase_add_test(props, test_props_byte_limit);
    tcase_add_test(props, test_props_check_keys);
    suite_add_tcase(s, props);
    TCase *run = tcase_create("run");
    tcase_add_test(run, test_run_full);
    tcase_add_test(run, test_run_minimal);
    tcase_add_test(run, test_run_status_names);
    suite_add_tcase(s, run);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
