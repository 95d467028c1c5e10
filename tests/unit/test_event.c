/* Unit tests for src/events/event: the envelope, S3's "Object Created" event (and that the AWS pattern for "a CSV
 * landed under incoming/" matches it), and PutEvents entries: accepted ones, and refused ones with AWS's codes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/event.h"
#include "events/pattern.h"

static const char *str_at(json_t *o, const char *path)
{
    /* "a.b.c" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return json_string_value(cur);
}

START_TEST(test_envelope)
{
    json_t *ev = event_envelope("id-1", "my.app", "Thing Happened", json_pack("{si}", "n", 1), NULL, "123456789012",
                                "eu-west-1", 1893456000123LL);
    ck_assert_str_eq(str_at(ev, "version"), "0");
    ck_assert_str_eq(str_at(ev, "id"), "id-1");
    ck_assert_str_eq(str_at(ev, "source"), "my.app");
    ck_assert_str_eq(str_at(ev, "detail-type"), "Thing Happened");
    ck_assert_str_eq(str_at(ev, "account"), "123456789012");
    ck_assert_str_eq(str_at(ev, "region"), "eu-west-1");
    ck_assert_str_eq(str_at(ev, "time"), "2030-01-01T00:00:00Z");
    ck_assert(json_is_array(json_object_get(ev, "resources")));
    ck_assert_int_eq(json_array_size(json_object_get(ev, "resources")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ev, "detail"), "n")), 1);
    json_decref(ev);
}
END_TEST

START_TEST(test_s3_object_created)
{
    s3watch_object_t o = {.bucket = "data-lake", .key = "incoming/2024/day.csv", .size = 42, .mtime_ms = 1000};
    json_t *ev = event_s3_created(&o, "e-1", "123456789012", "us-east-1", 1893456000000LL);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(str_at(ev, "source"), "aws.s3");
    ck_assert_str_eq(str_at(ev, "detail-type"), "Object Created");
    ck_assert_str_eq(str_at(ev, "detail.bucket.name"), "data-lake");
    ck_assert_str_eq(str_at(ev, "detail.object.key"), "incoming/2024/day.csv");
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(json_object_get(ev, "detail"), "object"), "size")), 42);
    ck_assert_str_eq(str_at(ev, "detail.reason"), "PutObject");
    ck_assert_str_eq(str_at(ev, "detail.version"), "0");
    ck_assert_str_eq(str_at(ev, "detail.requester"), "123456789012");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ev, "resources"), 0)), "arn:aws:s3:::data-lake");
    /* the pattern AWS's docs give for "a CSV landed under incoming/" in a bucket matches it */
    const char *pat = "{\"source\":[\"aws.s3\"],\"detail-type\":[\"Object Created\"],\"detail\":{\"bucket\":{\"name\":"
                      "[\"data-lake\"]},\"object\":{\"key\":[{\"wildcard\":\"incoming/*.csv\"}]}}}";
    evpat_t *p;
    char err[EVPAT_ERR_LEN];
    ck_assert_int_eq(evpat_compile(pat, strlen(pat), &p, err, sizeof err), 0);
    ck_assert(evpat_match(p, ev));
    evpat_free(p);
    json_decref(ev);
}
END_TEST

START_TEST(test_entry_accepted)
{
    json_t *entry = json_pack("{sssss[ss]sfss}", "Source", "my.app", "DetailType", "Order Placed", "Resources", "arn:a",
                              "arn:b", "Time", 1893456000.5, "Detail", "{\"order\":{\"id\":7}}");
    char id[EVENT_ID_LEN];
    json_t *ev = NULL;
    const char *code = NULL;
    char msg[256];
    ck_assert_int_eq(event_from_entry(entry, "123456789012", "us-east-1", 0, id, &ev, &code, msg, sizeof msg), 0);
    ck_assert_int_eq(strlen(id), 36);
    ck_assert_str_eq(str_at(ev, "id"), id);
    ck_assert_str_eq(str_at(ev, "time"), "2030-01-01T00:00:00Z");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(ev, "detail"), "order"), "id")),
                     7);
    ck_assert_int_eq(json_array_size(json_object_get(ev, "resources")), 2);
    /* Time 14 + Source 6 + DetailType 12 + Detail 18 + Resources 5 + 5 */
    ck_assert_uint_eq(event_entry_size(entry), 14 + 6 + 12 + 18 + 10);
    json_decref(ev);
    json_decref(entry);
}
END_TEST

typedef struct bad {
    const char *json, *code, *words;
} bad_t;

static const bad_t bads[] = {
    {"{\"DetailType\":\"t\",\"Detail\":\"{}\"}", "InvalidArgument", "Source is a required argument"},
    {"{\"Source\":\"\",\"DetailType\":\"t\",\"Detail\":\"{}\"}", "InvalidArgument", "Source"},
    {"{\"Source\":\"s\",\"Detail\":\"{}\"}", "InvalidArgument", "DetailType is a required argument"},
    {"{\"Source\":\"s\",\"DetailType\":\"t\"}", "InvalidArgument", "Detail is a required argument"},
    {"{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"{not json\"}", "MalformedDetail", "Detail is malformed"},
    {"{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"[1,2]\"}", "MalformedDetail", "object"},
    {"{\"Source\":\"s\",\"DetailType\":\"t\",\"Detail\":\"\\\"text\\\"\"}", "MalformedDetail", "object"},
    {"{\"Source\":\"aws.s3\",\"DetailType\":\"t\",\"Detail\":\"{}\"}", "NotAuthorizedForSourceException", "source"},
};

START_TEST(test_entry_refused)
{
    const bad_t *b = &bads[_i];
    json_t *entry = json_loads(b->json, 0, NULL);
    ck_assert_ptr_nonnull(entry);
    char id[EVENT_ID_LEN];
    json_t *ev = NULL;
    const char *code = NULL;
    char msg[256] = "";
    ck_assert_int_eq(event_from_entry(entry, "1", "r", 0, id, &ev, &code, msg, sizeof msg), -1);
    ck_assert_ptr_null(ev);
    ck_assert_str_eq(code, b->code);
    ck_assert_msg(strstr(msg, b->words), "message '%s' lacks '%s'", msg, b->words);
    json_decref(entry);
}
END_TEST

START_TEST(test_entry_too_large_and_too_deep)
{
    char *big = malloc(EVENT_ENTRY_MAX + 64);
    size_t n = (size_t)sprintf(big, "{\"x\":\"");
    memset(big + n, 'a', EVENT_ENTRY_MAX);
    strcpy(big + n + EVENT_ENTRY_MAX, "\"}");
    json_t *entry = json_pack("{ssssss}", "Source", "s", "DetailType", "t", "Detail", big);
    char id[EVENT_ID_LEN], msg[256];
    json_t *ev = NULL;
    const char *code = NULL;
    ck_assert_int_eq(event_from_entry(entry, "1", "r", 0, id, &ev, &code, msg, sizeof msg), -1);
    ck_assert_str_eq(code, "InvalidArgument");
    ck_assert_ptr_nonnull(strstr(msg, "256 KiB"));
    json_decref(entry);
    /* deeper than 1000 levels */
    size_t o = 0;
    big[o++] = '{';
    big[o++] = '"';
    big[o++] = 'a';
    big[o++] = '"';
    big[o++] = ':';
    for (int i = 0; i < 1001; i++)
        big[o++] = '[';
    for (int i = 0; i < 1001; i++)
        big[o++] = ']';
    big[o++] = '}';
    big[o] = '\0';
    entry = json_pack("{ssssss}", "Source", "s", "DetailType", "t", "Detail", big);
    ck_assert_int_eq(event_from_entry(entry, "1", "r", 0, id, &ev, &code, msg, sizeof msg), -1);
    ck_assert_str_eq(code, "MalformedDetail");
    ck_assert_ptr_nonnull(strstr(msg, "deeper than 1000"));
    json_decref(entry);
    free(big);
}
END_TEST

static Suite *event_suite(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("event");
    tcase_add_test(tc, test_envelope);
    tcase_add_test(tc, test_s3_object_created);
    tcase_add_test(tc, test_entry_accepted);
    tcase_add_loop_test(tc, test_entry_refused, 0, (int)(sizeof bads / sizeof bads[0]));
    tcase_add_test(tc, test_entry_too_large_and_too_deep);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(event_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
