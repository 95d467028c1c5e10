/* Unit tests for src/server/auth (the shared-credentials parser) and src/model/jobkey (job run ids and their
 * secrets). The request checks themselves are covered by test_sigv4 and, end to end, tests/api. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/jobkey.h"
#include "server/auth.h"

static int parse(const char *text, auth_cred_t **v, size_t *n, char *err, size_t errlen)
{
    return auth_parse_credentials(text, strlen(text), v, n, err, errlen);
}

START_TEST(test_every_profile_counts)
{
    const char *text = "# a comment\n"
                       "; another\n"
                       "[default]\n"
                       "aws_access_key_id = AKIAB\n"
                       "aws_secret_access_key=  secret b  \r\n"
                       "aws_session_token = ignored\n"
                       "region = eu-west-1\n"
                       "\n"
                       "[profile other]\n"
                       "AWS_ACCESS_KEY_ID=AKIAA\n"
                       "Aws_Secret_Access_Key = a/b+c=d\n"
                       "[only-region]\n"
                       "region = us-east-1\n"
                       "[dup]\n"
                       "aws_access_key_id = AKIAB\n"
                       "aws_secret_access_key = secret b\n";
    auth_cred_t *v;
    size_t n;
    char err[256];
    ck_assert_msg(parse(text, &v, &n, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(n, 2); /* sorted, the duplicate pair folded */
    ck_assert_str_eq(v[0].key_id, "AKIAA");
    ck_assert_str_eq(v[0].secret, "a/b+c=d");
    ck_assert_str_eq(v[1].key_id, "AKIAB");
    ck_assert_str_eq(v[1].secret, "secret b");
    auth_creds_free(v, n);
}
END_TEST

START_TEST(test_refusals_name_the_problem)
{
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"[a]\naws_access_key_id = K\n", "profile [a] (line 1) has aws_access_key_id but no aws_secret_access_key"},
        {"[a]\naws_secret_access_key = S\n[b]\n", "profile [a] (line 1) has aws_secret_access_key but no"},
        {"", "no profile has both"},
        {"[a]\nregion = x\n", "no profile has both"},
        {"aws_access_key_id = K\n", "line 1: aws_access_key_id outside a [profile]"},
        {"[a\n", "line 1: a profile header must be [name]"},
        {"[a]\njunk\n", "line 2: expected key = value"},
        {"[a]\naws_access_key_id = has space\naws_secret_access_key = s\n", "line 2: aws_access_key_id must be"},
        {"[a]\naws_access_key_id = a/b\naws_secret_access_key = s\n", "line 2: aws_access_key_id must be"},
        {"[a]\naws_access_key_id = K\naws_secret_access_key =\n", "line 3: aws_secret_access_key must be"},
        {"[a]\naws_access_key_id = K\naws_access_key_id = L\n", "line 3: profile [a] sets aws_access_key_id twice"},
        {"[a]\naws_access_key_id = jr_0000000000000000000000000000000000000000000000000000000000000000\n"
         "aws_secret_access_key = s\n",
         "reserved for job runs"},
        {"[a]\naws_access_key_id = K\naws_secret_access_key = s\n[b]\naws_access_key_id = K\n"
         "aws_secret_access_key = t\n",
         "access key K is given twice with different secrets"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        auth_cred_t *v = (auth_cred_t *)1;
        size_t n = 99;
        char err[256] = "";
        ck_assert_msg(parse(bad[i].text, &v, &n, err, sizeof err) == -1, "accepted: %s", bad[i].text);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "for %s: '%s' lacks '%s'", bad[i].text, err, bad[i].says);
        ck_assert_ptr_null(v);
        ck_assert_uint_eq(n, 0);
    }
    /* a NUL byte in the middle is not a credentials file */
    auth_cred_t *v;
    size_t n;
    char err[256];
    ck_assert_int_eq(auth_parse_credentials("[a]\0x", 5, &v, &n, err, sizeof err), -1);
}
END_TEST

START_TEST(test_long_key_and_secret_bounds)
{
    char text[4096], key[200], secret[1100];
    memset(key, 'K', sizeof key);
    key[SIGV4_MAX_KEY_ID] = '\0';
    memset(secret, 's', sizeof secret);
    secret[AUTH_MAX_SECRET] = '\0';
    snprintf(text, sizeof text, "[a]\naws_access_key_id=%s\naws_secret_access_key=%s\n", key, secret);
    auth_cred_t *v;
    size_t n;
    char err[256];
    ck_assert_msg(parse(text, &v, &n, err, sizeof err) == 0, "%s", err);
    auth_creds_free(v, n);
    key[SIGV4_MAX_KEY_ID] = 'K';
    key[SIGV4_MAX_KEY_ID + 1] = '\0';
    snprintf(text, sizeof text, "[a]\naws_access_key_id=%s\naws_secret_access_key=s\n", key);
    ck_assert_int_eq(parse(text, &v, &n, err, sizeof err), -1);
    secret[AUTH_MAX_SECRET] = 's';
    secret[AUTH_MAX_SECRET + 1] = '\0';
    snprintf(text, sizeof text, "[a]\naws_access_key_id=K\naws_secret_access_key=%s\n", secret);
    ck_assert_int_eq(parse(text, &v, &n, err, sizeof err), -1);
}
END_TEST

START_TEST(test_job_run_ids)
{
    const char *good = "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    ck_assert(jobkey_is_run_id(good));
    static const char *const bad[] = {
        NULL,
        "",
        "jr_",
        "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",   /* 63 */
        "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
        "jr_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",  /* upper case */
        "cr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "jr_../../../../etc/passwd",
        "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/",
        "/jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abc%2f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!jobkey_is_run_id(bad[i]), "accepted %s", bad[i] ? bad[i] : "NULL");
}
END_TEST

START_TEST(test_job_secrets)
{
    uint8_t s1[32] = {1}, s2[32] = {2};
    const char *a = "jr_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const char *b = "jr_1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char x[JOBKEY_SECRET_LEN], y[JOBKEY_SECRET_LEN], z[JOBKEY_SECRET_LEN], w[JOBKEY_SECRET_LEN];
    jobkey_secret(s1, a, x);
    jobkey_secret(s1, a, y);
    jobkey_secret(s1, b, z);
    jobkey_secret(s2, a, w);
    ck_assert_uint_eq(strlen(x), 64);
    ck_assert_str_eq(x, y);    /* stable */
    ck_assert_str_ne(x, z);    /* per run */
    ck_assert_str_ne(x, w);    /* per store secret */
    ck_assert_ptr_null(strstr(x, a + 3)); /* not the id itself */
}
END_TEST

static Suite *auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("credentials");
    tcase_add_test(tc, test_every_profile_counts);
    tcase_add_test(tc, test_refusals_name_the_problem);
    tcase_add_test(tc, test_long_key_and_secret_bounds);
    suite_add_tcase(s, tc);
    tc = tcase_create("jobkey");
    tcase_add_test(tc, test_job_run_ids);
    tcase_add_test(tc, test_job_secrets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(auth_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
