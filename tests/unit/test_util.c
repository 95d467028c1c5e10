/* Unit tests for src/util: base64url (known vectors, round trips, strict decoding), random ids and UUIDs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* FNV-1a's published 32-bit values: GetPartitions' Segments split on it, so it must not drift. */
START_TEST(test_fnv1a32)
{
    ck_assert_uint_eq(util_fnv1a32(""), 0x811c9dc5u);
    ck_assert_uint_eq(util_fnv1a32("a"), 0xe40c292cu);
    ck_assert_uint_eq(util_fnv1a32("foobar"), 0xbf9cf968u);
}
END_TEST

/* FNV-1a's published 64-bit values, and a hash carried on over a second piece: the crawler's table names and the
 * graph cache's keys are made of it. */
START_TEST(test_fnv1a64)
{
    ck_assert_uint_eq(util_fnv1a64(UTIL_FNV64_START, "", 0), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(util_fnv1a64(UTIL_FNV64_START, "a", 1), 0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(util_fnv1a64(UTIL_FNV64_START, "foobar", 6), 0x85944171f73967e8ULL);
    ck_assert_uint_eq(util_fnv1a64(util_fnv1a64(UTIL_FNV64_START, "foo", 3), "bar", 3), 0x85944171f73967e8ULL);
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

START_TEST(test_iso8601_parse_known)
{
    static const struct {
        const char *in;
        int64_t ms;
    } v[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00Z", 0},
        {"2030-01-01T00:00:00Z", 1893456000000LL},
        {"2030-01-01T00:00:00.5Z", 1893456000500LL},
        {"2030-01-01T00:00:00.123456789Z", 1893456000123LL},
        {"2030-01-01T01:00:00+01:00", 1893456000000LL},
        {"2029-12-31T23:30:00-00:30", 1893456000000LL},
        {"2024-02-29T12:00:00Z", 1709208000000LL},
        {"2000-02-29T00:00:00z", 951782400000LL},
        {"1969-12-31T23:59:59Z", -1000},
        {"2199-12-31T23:59:00Z", 7258118340000LL},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t ms = 42;
        ck_assert_msg(util_parse_iso8601(v[i].in, &ms) == 0, "%s did not parse", v[i].in);
        ck_assert_msg(ms == v[i].ms, "%s gave %lld, not %lld", v[i].in, (long long)ms, (long long)v[i].ms);
    }
}
END_TEST

START_TEST(test_iso8601_parse_refuses)
{
    static const char *const bad[] = {
        "",
        "2030-01-01",
        "2030-01-01T00:00:00",   /* no zone */
        "2030-01-01 00:00:00Z",  /* no T */
        "2030-13-01T00:00:00Z",  /* month */
        "2030-02-29T00:00:00Z",  /* not a leap year */
        "2100-02-29T00:00:00Z",  /* centuries are not */
        "2030-04-31T00:00:00Z",  /* April has 30 days */
        "2030-01-01T24:00:00Z",  /* hour */
        "2030-01-01T00:60:00Z",  /* minute */
        "2030-01-01T00:00:60Z",  /* second */
        "2030-01-01T00:00:00.Z", /* empty fraction */
        "2030-01-01T00:00:00Zx", /* trailing text */
        "2030-01-01T00:00:00+1:00",
        "2030-01-01T00:00:00+24:00",
        "20a0-01-01T00:00:00Z",
        "2030-01-01T00:00:00.1234567890Z", /* more than nanoseconds */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        ck_assert_msg(util_parse_iso8601(bad[i], &ms) == -1, "'%s' was accepted", bad[i]);
        ck_assert_int_eq(ms, 42);
    }
    ck_assert_int_eq(util_parse_iso8601(NULL, NULL), -1);
}
END_TEST

START_TEST(test_iso8601_format)
{
    char out[32];
    util_format_iso8601(0, out);
    ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
    util_format_iso8601(1893456000999LL, out); /* whole seconds: the fraction is dropped */
    ck_assert_str_eq(out, "2030-01-01T00:00:00Z");
    util_format_iso8601(1709208000000LL, out);
    ck_assert_str_eq(out, "2024-02-29T12:00:00Z");
    int64_t back;
    ck_assert_int_eq(util_parse_iso8601(out, &back), 0);
    ck_assert_int_eq(back, 1709208000000LL);
}
END_TEST

START_TEST(test_test_clock_starts_and_runs_fast)
{
    /* Check runs each test in its own process, so the clock set here does not reach other tests */
    ck_assert_int_eq(util_clock_set(1893456000000LL, 1000.0), 0);
    ck_assert(util_clock_rate() == 1000.0);
    int64_t a = util_now_ms();
    ck_assert_int_ge(a, 1893456000000LL);
    ck_assert_int_lt(a, 1893456000000LL + 5000); /* 5 real ms of slack */
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    int64_t b = util_now_ms();
    ck_assert_int_ge(b - a, 20000); /* 20 real ms are at least 20 s of glued's time */
}
END_TEST

START_TEST(test_test_clock_start_only)
{
    ck_assert_int_eq(util_clock_set(86400000LL, 1.0), 0);
    int64_t a = util_now_ms();
    ck_assert_int_ge(a, 86400000LL);
    ck_assert_int_lt(a, 86400000LL + 1000);
}
END_TEST

START_TEST(test_test_clock_refuses_bad_rates)
{
    ck_assert_int_eq(util_clock_set(-1, 0.0), -1);
    ck_assert_int_eq(util_clock_set(-1, -2.0), -1);
    ck_assert_int_eq(util_clock_set(-1, UTIL_CLOCK_RATE_MAX * 2), -1);
    ck_assert_int_eq(util_clock_set(-1, 0.0 / 0.0), -1);
    ck_assert(util_clock_rate() == 1.0); /* unchanged */
    int64_t now = util_now_ms();
    ck_assert_int_gt(now, 1577836800000LL);
}
END_TEST

START_TEST(test_clock_real_ms)
{
    ck_assert_int_eq(util_clock_real_ms(60000), 60000); /* the real clock: one for one */
    ck_assert_int_eq(util_clock_real_ms(0), 0);
    ck_assert_int_eq(util_clock_real_ms(-5), 0);
    ck_assert_int_eq(util_clock_set(-1, 1000.0), 0);
    ck_assert_int_eq(util_clock_real_ms(60000), 60);
    ck_assert_int_eq(util_clock_real_ms(1), 1); /* rounded up: a timer never wakes early */
    ck_assert_int_eq(util_clock_real_ms(60001), 61);
    ck_assert_int_eq(util_clock_set(-1, 0.5), 0);
    ck_assert_int_eq(util_clock_real_ms(1000), 2000); /* a slow clock stretches delays */
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
    tcase_add_test(ids, test_fnv1a32);
    tcase_add_test(ids, test_fnv1a64);
    tcase_add_test(ids, test_clocks);
    suite_add_tcase(s, ids);
    TCase *clock = tcase_create("clock");
    tcase_add_test(clock, test_iso8601_parse_known);
    tcase_add_test(clock, test_iso8601_parse_refuses);
    tcase_add_test(clock, test_iso8601_format);
    tcase_add_test(clock, test_test_clock_starts_and_runs_fast);
    tcase_add_test(clock, test_test_clock_start_only);
    tcase_add_test(clock, test_test_clock_refuses_bad_rates);
    tcase_add_test(clock, test_clock_real_ms);
    suite_add_tcase(s, clock);
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
