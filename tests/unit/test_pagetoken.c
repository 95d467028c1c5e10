/* Unit tests for src/model/pagetoken: round trips, scope binding, tampering, truncation, garbage and expiry. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "model/pagetoken.h"

static const uint8_t SECRET[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
#define NOW 1700000000000LL
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Decodes and expects success with the given key. */
static void expect_round_trip(const char *scope, const char *key_str, int64_t key_int)
{
    char *tok = pagetoken_encode(SECRET, scope, key_str, key_int, NOW);
    ck_assert_ptr_nonnull(tok);
    char *ks = NULL;
    int64_t ki = 0;
    gerr_t e = {0};
    int r = pagetoken_decode(SECRET, scope, tok, NOW + 1000, &ks, &ki, &e);
    ck_assert_msg(r == 0, "decode failed: %s", e.msg);
    ck_assert_ptr_nonnull(ks);
    ck_assert_str_eq(ks, key_str ? key_str : "");
    ck_assert_int_eq(ki, key_int);
    free(ks);
    free(tok);
}

/* Decodes and expects InvalidInputException, with *key_str left NULL. */
static void expect_rejected(const uint8_t *secret, const char *scope, const char *tok, int64_t now, gerr_t *e)
{
    char *ks = (char *)"sentinel";
    int64_t ki = 0;
    memset(e, 0, sizeof *e);
    int r = pagetoken_decode(secret, scope, tok, now, &ks, &ki, e);
    ck_assert_msg(r == -1, "token accepted: '%.200s'", tok);
    ck_assert_ptr_null(ks);
    ck_assert_ptr_nonnull(e->type);
    ck_assert_str_eq(e->type, "InvalidInputException");
    ck_assert_int_eq(e->status, 400);
    ck_assert_ptr_nonnull(strstr(e->msg, "NextToken"));
}

START_TEST(test_round_trip_string_keys)
{
    expect_round_trip("ListWorkflows", "wf-1", 0);
    expect_round_trip("ListWorkflows", "", 0);
    expect_round_trip("ListWorkflows", NULL, 0);
    expect_round_trip("ListWorkflows", "a", 0);
    expect_round_trip("ListWorkflows", "ab", 0);
    expect_round_trip("ListWorkflows", "abc", 0);
    expect_round_trip("ListWorkflows", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 0);
    expect_round_trip("ListWorkflows", "with space/and.dots_and-dashes\ttab", 0);
    char key[1025];
    for (int i = 0; i < 1024; i++)
        key[i] = (char)('a' + i % 26);
    key[1024] = '\0';
    expect_round_trip("ListWorkflows", key, 0);
    /* keys past 1 KiB (a partition's index key holds all its values) travel whole */
    size_t big = 100000;
    char *long_key = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        long_key[i] = (char)('a' + i % 26);
    long_key[big] = '\0';
    expect_round_trip("GetPartitions/db/t", long_key, 0);
    free(long_key);
    /* every byte value but NUL survives */
    char all[256];
    for (int i = 1; i < 256; i++)
        all[i - 1] = (char)i;
    all[255] = '\0';
    expect_round_trip("ListWorkflows", all, 0);
}
END_TEST

START_TEST(test_round_trip_int_keys)
{
    expect_round_trip("GetWorkflowRuns/wf", NULL, 1);
    expect_round_trip("GetWorkflowRuns/wf", NULL, 0);
    expect_round_trip("GetWorkflowRuns/wf", NULL, -1);
    expect_round_trip("GetWorkflowRuns/wf", NULL, INT64_MAX);
    expect_round_trip("GetWorkflowRuns/wf", NULL, INT64_MIN);
    expect_round_trip("GetWorkflowRuns/wf", "both", 123456789012345LL);
}
END_TEST

START_TEST(test_token_is_url_safe)
{
    char *tok = pagetoken_encode(SECRET, "ListWorkflows", "a key/with+odd=chars", 42, NOW);
    size_t dots = 0;
    for (const char *p = tok; *p; p++) {
        if (*p == '.')
            dots++;
        else
            ck_assert_msg(strchr(B64URL, *p) != NULL, "character %c in token", *p);
    }
    ck_assert_uint_eq(dots, 1);
    free(tok);
}
END_TEST

START_TEST(test_scope_binding)
{
    gerr_t e;
    char *tok = pagetoken_encode(SECRET, "ListWorkflows", "wf-1", 0, NOW);
    expect_rejected(SECRET, "ListTriggers", tok, NOW, &e);
    expect_rejected(SECRET, "ListWorkflows/", tok, NOW, &e);
    expect_rejected(SECRET, "", tok, NOW, &e);
    free(tok);
    tok = pagetoken_encode(SECRET, "GetWorkflowRuns/a", NULL, 7, NOW);
    expect_rejected(SECRET, "GetWorkflowRuns/b", tok, NOW, &e);
    expect_rejected(SECRET, "GetWorkflowRuns/a ", tok, NOW, &e);
    free(tok);
}
END_TEST

START_TEST(test_different_secret)
{
    gerr_t e;
    uint8_t other[32];
    memcpy(other, SECRET, sizeof other);
    other[31] ^= 1;
    char *tok = pagetoken_encode(SECRET, "ListWorkflows", "wf-1", 5, NOW);
    expect_rejected(other, "ListWorkflows", tok, NOW, &e);
    free(tok);
}
END_TEST

/* Every other character at every position: the token must not verify. Run for payload lengths of each
 * residue mod 3, so every base64 tail shape (and the fixed 16-byte MAC tail) is covered. */
START_TEST(test_any_changed_character_fails)
{
    static const char *const keys[] = {"", "k", "ke", "key", "workflow-number-0042"};
    gerr_t e;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char *tok = pagetoken_encode(SECRET, "ListWorkflows", keys[k], 9, NOW);
        size_t n = strlen(tok);
        char *t = strdup(tok);
        for (size_t i = 0; i < n; i++) {
            for (const char *c = B64URL "."; *c; c++) {
                if (*c == tok[i])
                    continue;
                t[i] = *c;
                expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
            }
            t[i] = (char)(tok[i] ^ 0x01); /* a bit flip, which may leave the alphabet */
            expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
            t[i] = tok[i];
        }
        free(t);
        free(tok);
    }
}
END_TEST

START_TEST(test_truncated_and_extended_fail)
{
    gerr_t e;
    char *tok = pagetoken_encode(SECRET, "ListWorkflows", "some-workflow", 3, NOW);
    size_t n = strlen(tok);
    char *t = malloc(n + 3);
    for (size_t len = 0; len < n; len++) {
        memcpy(t, tok, len);
        t[len] = '\0';
        expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    }
    /* dropping a character from the middle */
    for (size_t i = 0; i < n; i++) {
        memcpy(t, tok, i);
        strcpy(t + i, tok + i + 1);
        expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    }
    strcpy(t, tok);
    strcat(t, "A");
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    strcpy(t, tok);
    strcat(t, "AA");
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    free(t);
    free(tok);
}
END_TEST

START_TEST(test_garbage_fails)
{
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "abc",
        "a.b",
        "abc.",
        ".abc",
        "====.====",
        "\xff\xfe.\x80",
        "null",
        "{}",
        " ",
        "AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", /* right shape, zero bytes */
        "AQ.AAAAAAAAAAAAAAAAAAAAAA",                       /* version byte only */
        "AQAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    };
    gerr_t e;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rejected(SECRET, "ListWorkflows", bad[i], NOW, &e);
    /* very long inputs, with and without a dot, in and out of the alphabet */
    size_t big = 200000;
    char *t = malloc(big + 1);
    memset(t, 'A', big);
    t[big] = '\0';
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    t[big / 2] = '.';
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    t[big - 23] = '.';
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    memset(t, '.', big);
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    /* a long payload with a MAC-sized tail */
    memset(t, 'A', 1500);
    t[1500] = '\0';
    t[1400] = '.';
    expect_rejected(SECRET, "ListWorkflows", t, NOW, &e);
    free(t);
}
END_TEST

START_TEST(test_expiry)
{
    gerr_t e;
    char *ks = NULL;
    int64_t ki = 0;
    char *tok = pagetoken_encode(SECRET, "ListWorkflows", "wf", 1, NOW);
    ck_assert_int_eq(pagetoken_decode(SECRET, "ListWorkflows", tok, NOW + PAGETOKEN_TTL_MS, &ks, &ki, &e), 0);
    ck_assert_str_eq(ks, "wf");
    free(ks);
    expect_rejected(SECRET, "ListWorkflows", tok, NOW + PAGETOKEN_TTL_MS + 1, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
    expect_rejected(SECRET, "ListWorkflows", tok, NOW + 10 * PAGETOKEN_TTL_MS, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
    free(tok);
}
END_TEST

START_TEST(test_tokens_differ_by_key_and_time)
{
    char *a = pagetoken_encode(SECRET, "ListWorkflows", "a", 0, NOW);
    char *b = pagetoken_encode(SECRET, "ListWorkflows", "b", 0, NOW);
    char *c = pagetoken_encode(SECRET, "ListWorkflows", "a", 0, NOW + 1);
    char *d = pagetoken_encode(SECRET, "ListWorkflows", "a", 0, NOW);
    ck_assert_str_ne(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_str_eq(a, d); /* deterministic for the same input */
    free(a);
    free(b);
    free(c);
    free(d);
}
END_TEST

static Suite *pagetoken_suite(void)
{
    Suite *s = suite_create("pagetoken");
    TCase *tc = tcase_create("pagetoken");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_round_trip_string_keys);
    tcase_add_test(tc, test_round_trip_int_keys);
    tcase_add_test(tc, test_token_is_url_safe);
    tcase_add_test(tc, test_scope_binding);
    tcase_add_test(tc, test_different_secret);
    tcase_add_test(tc, test_any_changed_character_fails);
    tcase_add_test(tc, test_truncated_and_extended_fail);
    tcase_add_test(tc, test_garbage_fails);
    tcase_add_test(tc, test_expiry);
    tcase_add_test(tc, test_tokens_differ_by_key_and_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pagetoken_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
