/* Unit tests for src/server/sigv4: reading the region from a SigV4 Authorization header's credential scope. */
#include <check.h>
#include <string.h>

#include "server/sigv4.h"

/* What botocore sends (boto3 / AWS CLI), with a made-up signature. */
#define BOTO3_AUTH                                                                                                     \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240315/eu-west-1/glue/aws4_request, "                          \
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "                                                        \
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

START_TEST(test_region_from_boto3_header)
{
    char region[64];
    memset(region, 'x', sizeof region);
    ck_assert_int_eq(sigv4_scope_region(BOTO3_AUTH, region, sizeof region), 0);
    ck_assert_str_eq(region, "eu-west-1");
}
END_TEST

START_TEST(test_region_js_sdk_and_other_partitions)
{
    char region[64];
    /* the JS SDK v3 sends the same form; session tokens add a header but not a scope part */
    ck_assert_int_eq(sigv4_scope_region("AWS4-HMAC-SHA256 Credential=ASIAXXX/20240315/us-gov-west-1/glue/"
                                        "aws4_request, SignedHeaders=host;x-amz-security-token, Signature=00",
                                        region, sizeof region),
                     0);
    ck_assert_str_eq(region, "us-gov-west-1");
    ck_assert_int_eq(sigv4_scope_region("AWS4-HMAC-SHA256 Credential=test/20240315/cn-north-1/glue/aws4_request, "
                                        "SignedHeaders=host, Signature=00",
                                        region, sizeof region),
                     0);
    ck_assert_str_eq(region, "cn-north-1");
    /* member order inside the header does not matter */
    ck_assert_int_eq(sigv4_scope_region("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00, "
                                        "Credential=AKID/20240315/ap-southeast-2/glue/aws4_request",
                                        region, sizeof region),
                     0);
    ck_assert_str_eq(region, "ap-southeast-2");
}
END_TEST

START_TEST(test_absent_header)
{
    char region[64];
    ck_assert_int_eq(sigv4_scope_region(NULL, region, sizeof region), -1);
    ck_assert_int_eq(sigv4_scope_region("", region, sizeof region), -1);
}
END_TEST

START_TEST(test_malformed_headers)
{
    static const char *const bad[] = {
        "Bearer abcdef",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",                     /* no Credential */
        "AWS4-HMAC-SHA256 Credential=",                                          /* empty credential */
        "AWS4-HMAC-SHA256 Credential=AKID",                                      /* no date or region */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315",                             /* no region */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/us-east-1",                   /* region not terminated */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315//glue/aws4_request",          /* empty region */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/US-EAST-1/glue/aws4_request", /* upper case */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/us east/glue/aws4_request",   /* space */
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/us-east-1\n/glue/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/../glue/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240315/us_east_1/glue/aws4_request",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char region[64];
        ck_assert_msg(sigv4_scope_region(bad[i], region, sizeof region) == -1, "accepted: %s", bad[i]);
    }
}
END_TEST

START_TEST(test_region_buffer_bound)
{
    const char *h = "AWS4-HMAC-SHA256 Credential=AKID/20240315/eu-west-1/glue/aws4_request, Signature=00";
    char region[16];
    memset(region, 'x', sizeof region);
    /* "eu-west-1" is 9 characters: needs 10 bytes with the NUL */
    ck_assert_int_eq(sigv4_scope_region(h, region, 9), -1);
    ck_assert_int_eq(region[9], 'x'); /* nothing written past the given length */
    ck_assert_int_eq(sigv4_scope_region(h, region, 10), 0);
    ck_assert_str_eq(region, "eu-west-1");
    /* a very long region never overflows */
    char big[600];
    strcpy(big, "AWS4-HMAC-SHA256 Credential=AKID/20240315/");
    size_t at = strlen(big);
    memset(big + at, 'a', 500);
    strcpy(big + at + 500, "/glue/aws4_request");
    char small[64];
    ck_assert_int_eq(sigv4_scope_region(big, small, sizeof small), -1);
}
END_TEST

static Suite *sigv4_suite(void)
{
    Suite *s = suite_create("sigv4");
    TCase *tc = tcase_create("scope_region");
    tcase_add_test(tc, test_region_from_boto3_header);
    tcase_add_test(tc, test_region_js_sdk_and_other_partitions);
    tcase_add_test(tc, test_absent_header);
    tcase_add_test(tc, test_malformed_headers);
    tcase_add_test(tc, test_region_buffer_bound);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sigv4_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
