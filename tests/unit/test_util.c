/* Unit tests for src/util: base64url (known vectors, round trips, strict decoding), random ids and UUIDs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

START_TEST(test_b64url_known_vectors)
{
    /* RFC 4648 section 10 vectors, without padding */
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
             {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    char out[32];
    uint8_t back[32];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].in);
        size_t o = util_b64url_encode(out, (const uint8_t *)v[i].in, n);
        ck_assert_uint_eq(o, strlen(v[i].out));
        ck_assert_str_eq(out, v[i].out);
        long d = util_b64url_decode(back, sizeof back, v[i].out, strlen(v[i].out));
        ck_assert_int_eq(d, (long)n);
        ck_assert_mem_eq(back, v[i].in, n);
    }
}
END_TEST

START_TEST(test_b64url_url_alphabet)
{
    /* 0xfb 0xff 0xbf uses the two characters that differ from standard base64 */
    const uint8_t in[] = {0xfb, 0xff, 0xbf};
    char out[8];
    util_b64url_encode(out, in, sizeof in);
    ck_assert_str_eq(out, "-_-_");
    uint8_t back[4];
    ck_assert_int_eq(util_b64url_decode(back, sizeof back, "-_-_", 4), 3);
    ck_assert_mem_eq(back, in, 3);
}
END_TEST

START_TEST(test_b64url_round_trip_lengths)
{
    uint8_t in[64], back[64];
    char enc[4 * 22 + 1];
    for (size_t n = 0; n <= 64; n++) {
        for (int pattern = 0; pattern < 3; pattern++) {
            if (pattern == 0)
                util_random(in, n);
            else
                memset(in, pattern == 1 ? 0x00 : 0xff, n);
            size_t o = util_b64url_encode(enc, in, n);
            ck_assert_uint_eq(o, (4 * n + 2) / 3); /* no padding */
            ck_assert_uint_eq(strlen(enc), o);
            for (size_t i = 0; i < o; i++)
                ck_assert_ptr_nonnull(
                    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", enc[i]));
            long d = util_b64url_decode(back, sizeof back, enc, o);
            ck_assert_int_eq(d, (long)n);
            ck_assert_mem_eq(back, in, n);
        }
    }
}
END_TEST

START_TEST(test_b64url_decode_rejects_bad_characters)
{
    static const char *const bad[] = {"Zm9v+A", "Zm9v/A", "Zm9=", "Zm 9", "Zm.9", "Zm9\n", "Zm\x80v", "Zm9v\t"};
    uint8_t out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(util_b64url_decode(out, sizeof out, bad[i], strlen(bad[i])), -1);
    /* an embedded NUL inside the given length is a bad character too */
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zm\0v", 4), -1);
}
END_TEST

START_TEST(test_b64url_decode_rejects_impossible_lengths)
{
    uint8_t out[64];
    /* 4k+1 characters cannot come from any byte string */
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Z", 1), -1);
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zm9vY", 5), -1);
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zm9vYmFyY", 9), -1);
    /* a zero-length input is the empty string */
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "", 0), 0);
}
END_TEST

START_TEST(test_b64url_decode_respects_capacity)
{
    uint8_t out[8];
    memset(out, 0xaa, sizeof out);
    ck_assert_int_eq(util_b64url_decode(out, 5, "Zm9vYmFy", 8), -1); /* 6 bytes into 5 */
    ck_assert_uint_eq(out[5], 0xaa);                                 /* nothing written past cap */
    ck_assert_int_eq(util_b64url_decode(out, 6, "Zm9vYmFy", 8), 6);
    ck_assert_mem_eq(out, "foobar", 6);
}
END_TEST

/* "Zg" is the one spelling of "f"; "Zh".."Zv" carry non-zero bits in the unused tail. A strict decoder rejects
 * them, otherwise several strings decode to the same bytes (and a signed token has several valid spellings). */
START_TEST(test_b64url_decode_rejects_noncanonical_tail)
{
    uint8_t out[8];
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zg", 2), 1);
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zh", 2), -1);
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zm8", 3), 2);
    ck_assert_int_eq(util_b64url_decode(out, sizeof out, "Zm9", 3), -1);
}
END_TEST

START_TEST(test_random_id_format)
{
    char id[3 + 64 + 1];
    util_random_id(id, "wr_", 32);
    ck_assert_uint_eq(strlen(id), 3 + 64);
    ck_assert_int_eq(strncmp(id, "wr_", 3), 0);
    ck_assert(is_lower_hex(id + 3, 64));

    char small[16];
    util_random_id(small, "jr_", 4);
    ck_assert_uint_eq(strlen(small), 3 + 8);
    ck_assert_int_eq(strncmp(small, "jr_", 3), 0);
    ck_assert(is_lower_hex(small + 3, 8));

    char bare[8];
    util_random_id(bare, "", 3);
    ck_assert_uint_eq(strlen(bare), 6);
    ck_assert(is_lower_hex(bare, 6));

    char none[8];
    util_random_id(none, "p_", 0);
    ck_assert_str_eq(none, "p_");
}
END_TEST

START_TEST(test_random_ids_differ)
{
    char a[3 + 64 + 1], b[3 + 64 + 1];
    util_random_id(a, "wr_", 32);
    util_random_id(b, "wr_", 32);
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_uuid_format)
{
    for (int k = 0; k < 64; k++) {
        char u[37];
        memset(u, 'x', sizeof u);
        util_uuid(u);
        ck_assert_uint_eq(strlen(u), 36);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                ck_assert_int_eq(u[i], '-');
            else
                ck_assert(is_lower_hex(u + i, 1));
        }
        ck_assert_int_eq(u[14], '4');                 /* version 4 */
        ck_assert_ptr_nonnull(strchr("89ab", u[19])); /* RFC 4122 variant */
    }
}
END_TEST

START_TEST(test_uuids_differ)
{
    char a[37], b[37];
    util_uuid(a);
    util_uuid(b);
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_hex)
{
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    char out[11];
    util_hex(out, in, sizeof in);
    ck_assert_str_eq(out, "0001abff7f");
    util_hex(out, in, 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_clocks)
{
    int64_t now = util_now_ms();
    ck_assert_int_gt(now, 1577836800000LL); /* after 2020-01-01 */
    uint64_t a = util_mono_ns(), b = util_mono_ns();
    ck_assert_uint_ge(b, a);
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *b64 = tcase_create("base64url");
    tcase_add_test(b64, test_b64url_known_vectors);
    tcase_add_test(b64, test_b64url_url_alphabet);
    tcase_add_test(b64, test_b64url_round_trip_lengths);
    tcase_add_test(b64, test_b64url_decode_rejects_bad_characters);
    tcase_add_test(b64, test_b64url_decode_rejects_impossible_lengths);
    tcase_add_test(b64, test_b64url_decode_respects_capacity);
    tcase_add_test(b64, test_b64url_decode_rejects_noncanonical_tail);
    suite_add_tcase(s, b64);
    TCase *ids = tcase_create("ids");
    tcase_add_test(ids, test_random_id_format);
    tcase_add_test(ids, test_random_ids_differ);
    tcase_add_test(ids, test_uuid_format);
    tcase_add_test(ids, test_uuids_differ);
    tcase_add_test(ids, test_hex);
    tcase_add_test(ids, test_clocks);
    suite_add_tcase(s, ids);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(util_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
