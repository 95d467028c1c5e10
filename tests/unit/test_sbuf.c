/* Unit tests for src/util/sbuf: growth across many appends, printf into an empty and a full buffer, the max
 * bound (exactly at it, and one past it, for add and printf), failure sticking, and take/free. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sbuf.h"

START_TEST(test_grows)
{
    sbuf_t b = {0};
    char want[5001] = "";
    for (int i = 0; i < 1000; i++) {
        sbuf_str(&b, "ab");
        sbuf_add(&b, "cdefg", 3);
        strcat(want, "abcde");
    }
    ck_assert(!b.failed);
    ck_assert_uint_eq(b.len, 5000);
    ck_assert_str_eq(b.p, want);
    char *t = sbuf_take(&b);
    ck_assert_str_eq(t, want);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.len, 0);
    free(t);
}
END_TEST

START_TEST(test_printf)
{
    sbuf_t b = {0};
    sbuf_printf(&b, "%s-%d", "x", 42); /* into nothing yet */
    ck_assert_str_eq(b.p, "x-42");
    for (int i = 0; i < 200; i++) /* past the first allocations: the long ones take the second vsnprintf */
        sbuf_printf(&b, "%0*d", 50, i);
    ck_assert(!b.failed);
    ck_assert_uint_eq(b.len, 4 + 200 * 50);
    ck_assert_uint_eq(strlen(b.p), b.len);
    ck_assert(strncmp(b.p + 4 + 199 * 50, "00000000000000000000000000000000000000000000000199", 50) == 0);
    sbuf_free(&b);
    ck_assert_ptr_null(b.p);
}
END_TEST

START_TEST(test_max)
{
    sbuf_t b = {.max = 8};
    sbuf_str(&b, "1234");
    sbuf_str(&b, "5678"); /* exactly max */
    ck_assert(!b.failed);
    sbuf_str(&b, "9");
    ck_assert(b.failed);
    sbuf_str(&b, ""); /* failure sticks */
    ck_assert(b.failed);
    ck_assert_ptr_null(sbuf_take(&b));
    ck_assert_uint_eq(b.max, 8); /* kept for reuse */
    sbuf_printf(&b, "%s", "12345678");
    ck_assert(!b.failed);
    sbuf_printf(&b, "%d", 9);
    ck_assert(b.failed);
    ck_assert_str_eq(b.p, "12345678"); /* what was there stays terminated */
    sbuf_free(&b);
    sbuf_t big = {.max = 100};
    sbuf_add(&big, "", 0);          /* allocates a small buffer */
    sbuf_printf(&big, "%0200d", 1); /* does not fit, and passes max */
    ck_assert(big.failed);
    sbuf_free(&big);
}
END_TEST

START_TEST(test_empty)
{
    sbuf_t b = {0};
    char *t = sbuf_take(&b); /* nothing added: an empty string, not NULL */
    ck_assert_str_eq(t, "");
    free(t);
    sbuf_add(&b, "", 0);
    ck_assert_ptr_nonnull(b.p);
    ck_assert_str_eq(b.p, "");
    sbuf_free(&b);
}
END_TEST

static Suite *sbuf_suite(void)
{
    Suite *s = suite_create("sbuf");
    TCase *t = tcase_create("sbuf");
    tcase_add_test(t, test_grows);
    tcase_add_test(t, test_printf);
    tcase_add_test(t, test_max);
    tcase_add_test(t, test_empty);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(sbuf_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
