/* Unit tests for the cron module: AWS's documented examples and edge cases with their next fire times, the
 * parser's rejections and messages, the 5-minute rule, and a property test that checks cron_next against a
 * slow matcher built from libc's gmtime/timegm and sets the generator computes on its own. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cron.h"

/* "YYYY-MM-DDTHH:MM:SS" in UTC to epoch seconds, via libc so the expectations do not share cron.c's dates. */
static int64_t at(const char *iso)
{
    struct tm tm = {0};
    if (sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        abort();
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static const char *iso(int64_t t, char buf[32])
{
    if (t < 0)
        return "none";
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
}

/* ---- next fire times ---- */

static const struct next_case {
    const char *expr, *from, *want; /* want NULL: never fires again */
} NEXT[] = {
    /* AWS's documented examples */
    {"cron(0 10 * * ? *)", "2024-01-01T00:00:00", "2024-01-01T10:00:00"},
    {"cron(0 10 * * ? *)", "2024-01-01T09:59:59", "2024-01-01T10:00:00"},
    {"cron(0 10 * * ? *)", "2024-01-01T10:00:00", "2024-01-02T10:00:00"}, /* strictly after */
    {"cron(15 12 * * ? *)", "2024-03-10T12:15:30", "2024-03-11T12:15:00"},
    {"cron(15 12 * * ? *)", "2024-12-31T12:16:00", "2025-01-01T12:15:00"},
    {"cron(0 18 ? * MON-FRI *)", "2024-01-05T18:00:00", "2024-01-08T18:00:00"}, /* Friday to Monday */
    {"cron(0 18 ? * MON-FRI *)", "2024-01-03T17:00:00", "2024-01-03T18:00:00"},
    {"cron(0 8 1 * ? *)", "2024-01-01T08:00:00", "2024-02-01T08:00:00"},
    {"cron(0 8 1 * ? *)", "2024-12-15T00:00:00", "2025-01-01T08:00:00"},
    {"cron(0/15 * * * ? *)", "2024-01-01T00:07:00", "2024-01-01T00:15:00"},
    {"cron(0/15 * * * ? *)", "2024-12-31T23:50:00", "2025-01-01T00:00:00"},
    {"cron(0/10 * ? * MON-FRI *)", "2024-01-06T12:00:00", "2024-01-08T00:00:00"},
    {"cron(0/10 * ? * MON-FRI *)", "2024-01-05T23:55:00", "2024-01-08T00:00:00"},
    {"cron(0/10 * ? * MON-FRI *)", "2024-01-04T13:41:00", "2024-01-04T13:50:00"},
    {"cron(0/5 8-17 ? * MON-FRI *)", "2024-01-02T17:55:00", "2024-01-03T08:00:00"},
    {"cron(0/5 8-17 ? * MON-FRI *)", "2024-01-02T07:59:59", "2024-01-02T08:00:00"},
    {"cron(0/5 8-17 ? * MON-FRI *)", "2024-01-02T12:01:00", "2024-01-02T12:05:00"},
    {"cron(0 9 ? * 2#1 *)", "2023-12-31T00:00:00", "2024-01-01T09:00:00"},
    {"cron(0 9 ? * 2#1 *)", "2024-01-01T09:00:00", "2024-02-05T09:00:00"},
    {"cron(0 12 L * ? *)", "2024-02-01T00:00:00", "2024-02-29T12:00:00"}, /* leap year */
    {"cron(0 12 L * ? *)", "2023-02-01T00:00:00", "2023-02-28T12:00:00"},
    {"cron(0 12 L * ? *)", "2024-01-31T12:00:00", "2024-02-29T12:00:00"},
    {"cron(0 12 L * ? *)", "2024-12-31T12:00:00", "2025-01-31T12:00:00"},
    {"cron(0 12 15W * ? *)", "2024-06-01T00:00:00", "2024-06-14T12:00:00"}, /* 15th is a Saturday */
    {"cron(0 12 15W * ? *)", "2024-09-01T00:00:00", "2024-09-16T12:00:00"}, /* 15th is a Sunday */
    {"cron(0 12 15W * ? *)", "2024-01-01T00:00:00", "2024-01-15T12:00:00"},
    {"cron(0 12 ? * 6L *)", "2024-01-01T00:00:00", "2024-01-26T12:00:00"},
    {"cron(0 12 ? * 6L *)", "2024-01-26T12:00:00", "2024-02-23T12:00:00"},
    {"cron(0 12 ? * FRIL *)", "2024-01-26T12:00:00", "2024-02-23T12:00:00"},
    {"cron(0 0 1 1 ? 2030)", "2024-01-01T00:00:00", "2030-01-01T00:00:00"},
    {"cron(0 0 1 1 ? 2030)", "2030-01-01T00:00:00", NULL},
    /* leap years: 2100 is not one */
    {"cron(0 0 29 2 ? *)", "2024-03-01T00:00:00", "2028-02-29T00:00:00"},
    {"cron(0 0 29 2 ? *)", "2096-03-01T00:00:00", "2104-02-29T00:00:00"},
    {"cron(0 0 29 FEB ? 2100)", "2000-01-01T00:00:00", NULL},
    /* last weekday and offsets from the last day */
    {"cron(0 0 LW * ? *)", "2024-03-01T00:00:00", "2024-03-29T00:00:00"}, /* 31st is a Sunday */
    {"cron(0 0 LW * ? *)", "2024-08-01T00:00:00", "2024-08-30T00:00:00"}, /* 31st is a Saturday */
    {"cron(0 0 LW * ? *)", "2024-01-01T00:00:00", "2024-01-31T00:00:00"},
    {"cron(0 0 L-2 * ? *)", "2024-02-01T00:00:00", "2024-02-27T00:00:00"},
    {"cron(0 0 l-30 * ? *)", "2024-02-01T00:00:00", "2024-03-01T00:00:00"}, /* no day 31-30=1 in Feb */
    {"cron(0 0 1W * ? *)", "2024-05-02T00:00:00", "2024-06-03T00:00:00"},   /* 1st is a Saturday */
    {"cron(0 0 31W * ? *)", "2024-03-01T00:00:00", "2024-03-29T00:00:00"},  /* 31st is a Sunday */
    {"cron(0 0 31W * ? *)", "2024-04-01T00:00:00", "2024-05-31T00:00:00"},  /* April has no 31st */
    /* never */
    {"cron(0 0 30 2 ? *)", "2024-01-01T00:00:00", NULL},
    {"cron(0 0 31 4,6,9,11 ? *)", "1970-01-01T00:00:00", NULL},
    {"cron(0 0 ? 2 5#5 2025-2027)", "2024-01-01T00:00:00", NULL},
    /* the rest of the syntax */
    {"cron(0 22-2 * * ? *)", "2024-01-01T02:30:00", "2024-01-01T22:00:00"}, /* wrapping range */
    {"cron(0 22-2 * * ? *)", "2024-01-01T23:30:00", "2024-01-02T00:00:00"},
    {"cron(0 0 ? * FRI-MON *)", "2024-01-02T00:00:00", "2024-01-05T00:00:00"},
    {"cron(0 0 1 NOV-FEB ? *)", "2024-03-01T00:00:00", "2024-11-01T00:00:00"},
    {"cron(30 6 1 JAN,jul ? *)", "2024-02-01T00:00:00", "2024-07-01T06:30:00"},
    {"cron(0 0 ? * sun *)", "2024-01-01T00:00:00", "2024-01-07T00:00:00"},
    {"cron(0 0 ? * L *)", "2024-01-01T00:00:00", "2024-01-06T00:00:00"}, /* L alone: Saturday */
    {"cron(0 0 ? * 5#5 *)", "2024-01-01T00:00:00", "2024-02-29T00:00:00"},
    {"cron(0 0 ? * MON#1 *)", "2024-01-02T00:00:00", "2024-02-05T00:00:00"},
    {"cron(10-40/15 * * * ? *)", "2024-01-01T00:26:00", "2024-01-01T00:40:00"},
    {"cron(10-40/15 * * * ? *)", "2024-01-01T00:41:00", "2024-01-01T01:10:00"},
    {"cron(50-10/10 * * * ? *)", "2024-01-01T00:11:00", "2024-01-01T00:50:00"},
    {"cron(50-10/10 * * * ? *)", "2024-01-01T00:50:00", "2024-01-01T01:00:00"},
    {"cron(0 0 1 1 ? 2020/4)", "2021-06-01T00:00:00", "2024-01-01T00:00:00"},
    {"cron(0 0 1 1 ? 1970,2199)", "1970-01-01T00:00:00", "2199-01-01T00:00:00"},
    {"cron(59 23 31 12 ? 2199)", "2199-12-31T23:58:00", "2199-12-31T23:59:00"},
    {"cron(59 23 31 12 ? 2199)", "2199-12-31T23:59:00", NULL},
    {"cron(0 0 1 1 ? *)", "2199-01-01T00:00:00", NULL},
    {"cron(0 0 1 1 ? *)", "1969-12-31T23:59:59", "1970-01-01T00:00:00"},
    {"cron(0 0 1 1 ? *)", "1960-06-01T00:00:00", "1970-01-01T00:00:00"},
    {"cron(*/5 * * * ? *)", "2024-02-28T23:59:59", "2024-02-29T00:00:00"},
    {"cron(  0   10 * *\t? *  )", "2024-01-01T00:00:00", "2024-01-01T10:00:00"},
    {"cron(05 010 * * ? *)", "2024-01-01T00:00:00", "2024-01-01T10:05:00"},
};

START_TEST(test_next_table)
{
    const struct next_case *tc = &NEXT[_i];
    cron_t c;
    char err[CRON_ERR_LEN], got[32], want[32];
    ck_assert_msg(cron_parse(&c, tc->expr, err, sizeof err) == 0, "%s: %s", tc->expr, err);
    int64_t r = cron_next(&c, at(tc->from));
    int64_t w = tc->want ? at(tc->want) : -1;
    ck_assert_msg(r == w, "%s from %s: got %s, want %s", tc->expr, tc->from, iso(r, got), iso(w, want));
}
END_TEST

START_TEST(test_next_extremes)
{
    cron_t c;
    ck_assert_int_eq(cron_parse(&c, "cron(0 0 1 1 ? *)", NULL, 0), 0);
    ck_assert_int_eq(cron_next(&c, INT64_MIN), 0);
    ck_assert_int_eq(cron_next(&c, -1), 0);
    ck_assert_int_eq(cron_next(&c, INT64_MAX), -1);
    ck_assert_int_eq(cron_next(&c, at("2200-01-01T00:00:00")), -1);
    ck_assert_int_eq(cron_parse(&c, "cron(* * * * ? *)", NULL, 0), 0);
    ck_assert_int_eq(cron_next(&c, at("2199-12-31T23:58:59")), at("2199-12-31T23:59:00"));
    ck_assert_int_eq(cron_next(&c, at("2199-12-31T23:59:00")), -1);
}
END_TEST

/* ---- rejections ---- */

static const struct bad_case {
    const char *expr, *msg;
} BAD[] = {
    {"", "must have the form cron(Minutes Hours Day-of-month Month Day-of-week Year)"},
    {"0 10 * * ? *", "must have the form"},
    {"rate(5 minutes)", "must have the form"},
    {"cron(0 10 * * ? *", "must have the form"},
    {"cron(0 10 * * ? *) ", "must have the form"},
    {"cron(0 10 * * ? *)x", "must have the form"},
    {" cron(0 10 * * ? *)", "must have the form"},
    {"cron()", "has 0 fields, expected 6"},
    {"cron(0 10 * * ?)", "has 5 fields, expected 6"},
    {"cron(0 10 * * ? * *)", "has 7 fields, expected 6"},
    {"cron(61 * * * ? *)", "cron minutes field '61' is out of range 0-59"},
    {"cron(0 24 * * ? *)", "cron hours field '24' is out of range 0-23"},
    {"cron(0 0 0 * ? *)", "cron day-of-month field '0' is out of range 1-31"},
    {"cron(0 0 32 * ? *)", "cron day-of-month field '32' is out of range 1-31"},
    {"cron(0 0 * 13 ? *)", "cron month field '13' is out of range 1-12"},
    {"cron(0 0 * 0 ? *)", "cron month field '0' is out of range 1-12"},
    {"cron(0 0 ? * 8 *)", "cron day-of-week field '8' is out of range 1-7"},
    {"cron(0 0 ? * 0 *)", "cron day-of-week field '0' is out of range 1-7"},
    {"cron(0 0 1 1 ? 2200)", "cron year field '2200' is out of range 1970-2199"},
    {"cron(0 0 1 1 ? 1969)", "cron year field '1969' is out of range 1970-2199"},
    {"cron(0 0 1 1 ? 99999999999999999999)", "cron year field '99999999999999999999' is out of range"},
    {"cron(1-61 * * * ? *)", "cron minutes field '61' is out of range 0-59"},
    {"cron(0 0 * FOO ? *)", "cron month field 'FOO' is not a number 1-12 or a name JAN-DEC"},
    {"cron(0 0 * JANUARY ? *)", "cron month field 'JANUARY' is not a number 1-12 or a name JAN-DEC"},
    {"cron(0 0 ? * FUN *)", "cron day-of-week field 'FUN' is not a number 1-7 or a name SUN-SAT"},
    {"cron(0 0 ? JAN-FUN MON *)", "cron month field 'FUN' is not a number"},
    {"cron(MON 0 * * ? *)", "cron minutes field 'MON' is not a number 0-59"},
    {"cron(a b c d e f)", "cron minutes field 'a' is not a number 0-59"},
    {"cron(0 0 * * * *)", "day-of-month and day-of-week cannot both be specified: one of them must be '?'"},
    {"cron(0 0 1 * MON *)", "cannot both be specified"},
    {"cron(0 0 L * 6L *)", "cannot both be specified"},
    {"cron(0 0 ? * ? *)", "day-of-month and day-of-week cannot both be '?'"},
    {"cron(? 0 * * ? *)", "cron minutes field '?': '?' is only allowed in day-of-month and day-of-week"},
    {"cron(0 ? * * ? *)", "cron hours field '?'"},
    {"cron(0 0 * ? ? *)", "cron month field '?'"},
    {"cron(0 0 ? * MON ?)", "cron year field '?'"},
    {"cron(0 0 1,? * ? *)", "'?' must stand alone"},
    {"cron(*/0 * * * ? *)", "cron minutes field '*/0' has step 0, must be 1-59"},
    {"cron(1/60 * * * ? *)", "has step 60, must be 1-59"},
    {"cron(0 */24 * * ? *)", "has step 24, must be 1-23"},
    {"cron(*/x * * * ? *)", "has a step 'x' that is not a number"},
    {"cron(*/ * * * ? *)", "has a step '' that is not a number"},
    {"cron(*/5/2 * * * ? *)", "that is not a number"},
    {"cron(0 0 1 1 ? 2030-2020)", "cron year field '2030-2020' is a reversed range"},
    {"cron(0 0 1-5W * ? *)", "cron day-of-month field '1-5W': 'W' takes a single day 1-31"},
    {"cron(0 0 */5W * ? *)", "'W' takes a single day"},
    {"cron(0 0 32W * ? *)", "cron day-of-month field '32W' is out of range 1-31"},
    {"cron(0 0 W * ? *)", "cron day-of-month field 'W' is not a number 1-31"},
    {"cron(0 0 L,15 * ? *)", "cron day-of-month field 'L,15': 'L' cannot be combined with other values"},
    {"cron(0 0 15W,20 * ? *)", "'15W' cannot be combined"},
    {"cron(0 0 L-31 * ? *)", "cron day-of-month field 'L-31' has offset 31, must be 0-30"},
    {"cron(0 0 L-x * ? *)", "has an offset that is not a number"},
    {"cron(0 0 ? * 2#6 *)", "cron day-of-week field '2#6' has occurrence '6', must be 1-5"},
    {"cron(0 0 ? * 2#0 *)", "has occurrence '0'"},
    {"cron(0 0 ? * 8#1 *)", "cron day-of-week field '8' is out of range 1-7"},
    {"cron(0 0 ? * 1-3#1 *)", "'#' takes a single day"},
    {"cron(0 0 ? * 1-3L *)", "'L' takes a single day 1-7 or SUN-SAT"},
    {"cron(0 0 ? * MON#1,FRI *)", "'MON#1' cannot be combined"},
    {"cron(0 0 ? * 2L,3 *)", "cannot be combined"},
    {"cron(1,,2 * * * ? *)", "cron minutes field '1,,2' has an empty value in its list"},
    {"cron(1, * * * ? *)", "has an empty value in its list"},
    {"cron(5- * * * ? *)", "cron minutes field '5-' is not a range a-b"},
    {"cron(-5 * * * ? *)", "is not a range a-b"},
    {"cron(1-2-3 * * * ? *)", "cron minutes field '2-3' is not a number"},
    {"cron(0 0 1 * ? * )x", "must have the form"},
    {"cron(0 0 1 * ? *)(", "must have the form"},
    {"cron(0 0 1 * ? (*))", "cron year field '(*)' is not a number"},
};

START_TEST(test_bad_table)
{
    const struct bad_case *tc = &BAD[_i];
    cron_t c;
    char err[CRON_ERR_LEN];
    ck_assert_msg(cron_parse(&c, tc->expr, err, sizeof err) == -1, "%s: accepted", tc->expr);
    ck_assert_msg(strstr(err, tc->msg) != NULL, "%s: message '%s' lacks '%s'", tc->expr, err, tc->msg);
    /* A short buffer truncates, and none at all is allowed. */
    char small[8];
    ck_assert_int_eq(cron_parse(&c, tc->expr, small, sizeof small), -1);
    ck_assert_int_eq(strlen(small), sizeof small - 1);
    ck_assert_int_eq(cron_parse(&c, tc->expr, NULL, 0), -1);
}
END_TEST

START_TEST(test_bad_misc)
{
    cron_t c;
    char err[CRON_ERR_LEN], big[CRON_MAX_LEN + 64];
    ck_assert_int_eq(cron_parse(&c, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "cron expression is missing");
    /* Longer than the bound, though otherwise valid. */
    size_t n = (size_t)snprintf(big, sizeof big, "cron(0");
    while (n < CRON_MAX_LEN)
        n += (size_t)snprintf(big + n, sizeof big - n, ",0");
    snprintf(big + n, sizeof big - n, " 0 * * ? *)");
    ck_assert_int_eq(cron_parse(&c, big, err, sizeof err), -1);
    ck_assert_str_eq(err, "cron expression is longer than 256 characters");
    /* Long values are quoted back cut short. */
    const char *longval = "cron(0 0 * * ? xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)";
    ck_assert_int_eq(cron_parse(&c, longval, err, sizeof err), -1);
    ck_assert_str_eq(err, "cron year field 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not a number 1970-2199");
    /* Success clears the message. */
    ck_assert_int_eq(cron_parse(&c, "cron(0 0 * * ? *)", err, sizeof err), 0);
    ck_assert_str_eq(err, "");
}
END_TEST

/* ---- the 5-minute rule ---- */

static const struct freq_case {
    const char *expr;
    const char *msg; /* NULL: allowed */
} FREQ[] = {
    {"cron(*/1 * * * ? *)", "minutes 0 and 1 are 1 minute apart"},
    {"cron(* * * * ? *)", "fires more often than every 5 minutes"},
    {"cron(0,1 * * * ? *)", "minutes 0 and 1 are 1 minute apart"},
    {"cron(*/4 * * * ? *)", "are 4 minutes apart"},
    {"cron(0-4 12 * * ? *)", "1 minute apart"},
    {"cron(10,30,33 12 * * ? *)", "minutes 30 and 33 are 3 minutes apart"},
    {"cron(0,58 * * * ? *)", "minutes 58 and 0 are 2 minutes apart"}, /* 00:58 then 01:00 */
    {"cron(0,58 22,23 * * ? *)", "minutes 58 and 0 are 2 minutes apart"},
    {"cron(0,58 0,23 * * ? *)", "minutes 58 and 0"},
    {"cron(*/5 * * * ? *)", NULL},
    {"cron(0/15 * * * ? *)", NULL},
    {"cron(0/5 8-17 ? * MON-FRI *)", NULL},
    {"cron(0 * * * ? *)", NULL},
    {"cron(0,5,10 * * * ? *)", NULL},
    {"cron(3,58 * * * ? *)", NULL},      /* 5 minutes across the hour */
    {"cron(0,58 0,2 * * ? *)", NULL},    /* hours not adjacent */
    {"cron(0,58 12 * * ? *)", NULL},
    {"cron(0/7 * * * ? *)", "minutes 56 and 0 are 4 minutes apart"}, /* xx:56 then the next hour's 00 */
};

START_TEST(test_frequency)
{
    const struct freq_case *tc = &FREQ[_i];
    cron_t c;
    char err[CRON_ERR_LEN] = "";
    ck_assert_msg(cron_parse(&c, tc->expr, err, sizeof err) == 0, "%s: %s", tc->expr, err);
    bool too = cron_too_frequent(&c, err, sizeof err);
    ck_assert_msg(too == (tc->msg != NULL), "%s: too_frequent=%d", tc->expr, too);
    if (tc->msg)
        ck_assert_msg(strstr(err, tc->msg) != NULL, "%s: message '%s' lacks '%s'", tc->expr, err, tc->msg);
    ck_assert_int_eq(cron_too_frequent(&c, NULL, 0), too);
}
END_TEST

/* ---- property test ---- */

static uint64_t rng_state;

static uint64_t rnd64(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

static uint32_t rnd(uint32_t n) { return (uint32_t)rnd64(n); }

static int rnd_in(int lo, int hi) { return lo + (int)rnd((uint32_t)(hi - lo + 1)); }

static const char *const MONTHS[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const DAYS[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

/* The expression as the slow matcher sees it: which values each field allows, plus the special day rule. */
struct spec {
    bool min[60], hour[24], mon[13], dom[32], dow[8];
    bool year[2200];
    bool dom_any, dow_any;
    enum { SP_NONE, SP_L, SP_LW, SP_W, SP_NL, SP_NTH } special;
    int sp_a, sp_b;
};

static void put_value(char **o, int v, const char *const *names, int lo)
{
    if (names && rnd(2)) {
        const char *nm = names[v - lo];
        for (int i = 0; i < 3; i++)
            *(*o)++ = rnd(4) ? nm[i] : (char)(nm[i] - 'A' + 'a');
    } else {
        *o += sprintf(*o, "%d", v);
    }
}

/* Marks a..b walking forward (wrapping past hi back to lo), every step-th value. */
static void mark(bool *set, int lo, int hi, int a, int b, int step)
{
    for (int v = a, k = 0;; k++) {
        if (k % step == 0)
            set[v] = true;
        if (v == b)
            break;
        v = v == hi ? lo : v + 1;
    }
}

/* Writes a random valid field for lo..hi into *o and the values it allows into set. Ranges wrap unless
 * `nowrap` (years); steps stay within max_step. */
static void gen_field(char **o, bool *set, int lo, int hi, int max_step, const char *const *names, bool nowrap)
{
    int items = rnd(4) == 0 ? rnd_in(2, 4) : 1;
    for (int it = 0; it < items; it++) {
        if (it)
            *(*o)++ = ',';
        int a = rnd_in(lo, hi), b = rnd_in(lo, hi);
        if (nowrap && b < a) {
            int t = a;
            a = b, b = t;
        }
        int step = rnd_in(1, max_step < 20 ? max_step : 20);
        switch (rnd(6)) {
        case 0: /* a */
            put_value(o, a, names, lo);
            mark(set, lo, hi, a, a, 1);
            break;
        case 1: /* a-b */
            put_value(o, a, names, lo);
            *(*o)++ = '-';
            put_value(o, b, names, lo);
            mark(set, lo, hi, a, b, 1);
            break;
        case 2: /* a-b/n */
            put_value(o, a, names, lo);
            *(*o)++ = '-';
            put_value(o, b, names, lo);
            *o += sprintf(*o, "/%d", step);
            mark(set, lo, hi, a, b, step);
            break;
        case 3: /* a/n */
            put_value(o, a, names, lo);
            *o += sprintf(*o, "/%d", step);
            mark(set, lo, hi, a, hi, step);
            break;
        case 4: /* *\/n */
            *o += sprintf(*o, "*/%d", step);
            mark(set, lo, hi, lo, hi, step);
            break;
        default:
            *(*o)++ = '*';
            mark(set, lo, hi, lo, hi, 1);
            break;
        }
    }
}

static void gen(char *buf, struct spec *sp)
{
    char *o = buf;
    memset(sp, 0, sizeof *sp);
    o += sprintf(o, "cron(");
    gen_field(&o, sp->min, 0, 59, 59, NULL, false);
    *o++ = ' ';
    gen_field(&o, sp->hour, 0, 23, 23, NULL, false);
    *o++ = ' ';
    bool dom = rnd(2);
    sp->dom_any = !dom;
    sp->dow_any = dom;
    if (!dom) {
        *o++ = '?';
    } else if (rnd(3)) {
        gen_field(&o, sp->dom, 1, 31, 31, NULL, false);
    } else {
        switch (rnd(3)) {
        case 0:
            sp->special = SP_L;
            sp->sp_a = rnd(3) ? 0 : rnd_in(0, 30);
            o += sp->sp_a ? sprintf(o, "L-%d", sp->sp_a) : sprintf(o, "L");
            break;
        case 1:
            sp->special = SP_LW;
            o += sprintf(o, "LW");
            break;
        default:
            sp->special = SP_W;
            sp->sp_a = rnd_in(1, 31);
            o += sprintf(o, "%dW", sp->sp_a);
            break;
        }
    }
    *o++ = ' ';
    gen_field(&o, sp->mon, 1, 12, 12, MONTHS, false);
    *o++ = ' ';
    if (dom) {
        *o++ = '?';
    } else if (rnd(3)) {
        gen_field(&o, sp->dow, 1, 7, 7, DAYS, false);
    } else {
        int d = rnd_in(1, 7);
        switch (rnd(3)) {
        case 0:
            sp->special = SP_NL;
            sp->sp_a = d;
            put_value(&o, d, DAYS, 1);
            *o++ = 'L';
            break;
        case 1:
            sp->special = SP_NTH;
            sp->sp_a = d;
            sp->sp_b = rnd_in(1, 5);
            put_value(&o, d, DAYS, 1);
            o += sprintf(o, "#%d", sp->sp_b);
            break;
        default: /* L alone is Saturday */
            sp->dow[7] = true;
            *o++ = 'L';
            break;
        }
    }
    *o++ = ' ';
    if (rnd(3)) {
        *o++ = '*';
        mark(sp->year, 1970, 2199, 1970, 2199, 1);
    } else {
        /* Near the instants tested, so that year rules matter. */
        int a = rnd_in(1990, 2110), b = a + rnd_in(0, 30);
        int step = rnd_in(1, 5);
        switch (rnd(3)) {
        case 0:
            o += sprintf(o, "%d", a);
            sp->year[a] = true;
            break;
        case 1:
            o += sprintf(o, "%d-%d/%d", a, b, step);
            mark(sp->year, 1970, 2199, a, b, step);
            break;
        default:
            o += sprintf(o, "%d,%d", a, b);
            sp->year[a] = sp->year[b] = true;
            break;
        }
    }
    *o++ = ')';
    *o = '\0';
}

static int last_day(const struct tm *tm)
{
    struct tm t = {.tm_year = tm->tm_year, .tm_mon = tm->tm_mon + 1, .tm_mday = 0, .tm_hour = 12};
    time_t x = timegm(&t); /* day 0 of the next month is the last of this one */
    gmtime_r(&x, &t);
    return t.tm_mday;
}

static int wday_of(const struct tm *tm, int mday)
{
    struct tm t = {.tm_year = tm->tm_year, .tm_mon = tm->tm_mon, .tm_mday = mday, .tm_hour = 12};
    time_t x = timegm(&t);
    gmtime_r(&x, &t);
    return t.tm_wday; /* 0 = Sunday */
}

static bool is_weekday(int wd) { return wd >= 1 && wd <= 5; }

static bool day_ok(const struct spec *sp, const struct tm *tm)
{
    int y = tm->tm_year + 1900, d = tm->tm_mday, last = last_day(tm);
    if (y < 1970 || y > 2199 || !sp->year[y] || !sp->mon[tm->tm_mon + 1])
        return false;
    if (sp->dow_any) {
        switch (sp->special) {
        case SP_L:
            return d == last - sp->sp_a;
        case SP_LW: {
            int best = last;
            while (!is_weekday(wday_of(tm, best)))
                best--;
            return d == best;
        }
        case SP_W: {
            /* The weekday of this month closest to the target day. */
            if (sp->sp_a > last)
                return false;
            int best = -1;
            for (int x = 1; x <= last; x++)
                if (is_weekday(wday_of(tm, x)) && (best < 0 || abs(x - sp->sp_a) < abs(best - sp->sp_a)))
                    best = x;
            return d == best;
        }
        default:
            return sp->dom[d];
        }
    }
    int wd = tm->tm_wday + 1;
    switch (sp->special) {
    case SP_NL:
        return wd == sp->sp_a && d > last - 7;
    case SP_NTH:
        return wd == sp->sp_a && (d + 6) / 7 == sp->sp_b;
    default:
        return sp->dow[wd];
    }
}

static bool matches(const struct spec *sp, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return tm.tm_sec == 0 && sp->min[tm.tm_min] && sp->hour[tm.tm_hour] && day_ok(sp, &tm);
}

/* Asserts that no minute in [from, to) matches, stepping over whole years, days and hours the matcher
 * rules out so that a schedule that fires once a year still takes only a few thousand steps. */
static void assert_none_between(const struct spec *sp, const char *expr, int64_t from, int64_t to)
{
    int64_t t = from;
    while (t < to) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        if (tm.tm_year + 1900 > 2199)
            return;
        struct tm n = tm;
        if (!sp->year[tm.tm_year + 1900]) {
            n = (struct tm){.tm_year = tm.tm_year + 1, .tm_mday = 1};
        } else if (!day_ok(sp, &tm)) {
            n = (struct tm){.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + 1};
        } else if (!sp->hour[tm.tm_hour]) {
            n.tm_min = 0;
            n.tm_hour++;
        } else {
            char b[32];
            ck_assert_msg(!matches(sp, t), "%s: %s matches but cron_next skipped it", expr, iso(t, b));
            n.tm_min++;
        }
        t = (int64_t)timegm(&n);
    }
}

START_TEST(test_property)
{
    rng_state = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(_i + 1) * 0x2545f4914f6cdd1dULL);
    for (int n = 0; n < 60; n++) {
        char expr[512], err[CRON_ERR_LEN], b1[32], b2[32];
        struct spec sp;
        cron_t c;
        gen(expr, &sp);
        ck_assert_msg(cron_parse(&c, expr, err, sizeof err) == 0, "%s: %s", expr, err);
        int64_t after = at("1995-01-01T00:00:00") + (int64_t)rnd(100u * 366 * 86400);
        if (rnd(2))
            after -= after % 60; /* on a minute boundary: the boundary itself must not be returned */
        int64_t r = cron_next(&c, after);
        if (r >= 0) {
            ck_assert_msg(r > after, "%s from %s: %s is not after", expr, iso(after, b1), iso(r, b2));
            ck_assert_msg(matches(&sp, r), "%s from %s: %s does not match", expr, iso(after, b1), iso(r, b2));
        }
        int64_t first = (after + 1 + 59) / 60 * 60;
        assert_none_between(&sp, expr, first, r >= 0 ? r : at("2200-01-01T00:00:00"));
        /* Asking again from just before the answer, or from any instant in between, gives the same answer. */
        if (r >= 0) {
            ck_assert_int_eq(cron_next(&c, r - 1), r);
            ck_assert_int_eq(cron_next(&c, after + (int64_t)rnd64((uint64_t)(r - after))), r);
            int64_t r2 = cron_next(&c, r);
            ck_assert_msg(r2 == -1 || (r2 > r && matches(&sp, r2)), "%s: next after %s is %s", expr, iso(r, b1),
                          iso(r2, b2));
        }
    }
}
END_TEST

/* Chains cron_next through 2024 (a leap year) and counts the fire times against counts worked out by hand;
 * from any instant between two fire times the answer is the later one. */
static const struct walk_case {
    const char *expr;
    int count;
} WALK[] = {
    {"cron(0/5 8-17 ? * MON-FRI *)", 262 * 10 * 12}, /* 2024 has 262 weekdays */
    {"cron(7 */3 LW * ? *)", 12 * 8},
    {"cron(0 12 ? * 6L *)", 12},
    {"cron(30 1 15W * ? *)", 12},
    {"cron(0 0 ? * 3#2 *)", 12},
    {"cron(0 0 29 2 ? *)", 1},
    {"cron(0 0 ? * 5#5 *)", 4}, /* fifth Thursdays: Feb, May, Aug, Oct */
    {"cron(0 0 L-3 * ? *)", 12},
};

START_TEST(test_walk_year)
{
    const struct walk_case *tc = &WALK[_i];
    cron_t c;
    char err[CRON_ERR_LEN];
    ck_assert_int_eq(cron_parse(&c, tc->expr, err, sizeof err), 0);
    rng_state = 0x1234567u + (uint64_t)_i;
    int64_t start = at("2024-01-01T00:00:00"), end = at("2025-01-01T00:00:00");
    int count = 0;
    for (int64_t t = cron_next(&c, start - 1); t >= 0 && t < end;) {
        int64_t n = cron_next(&c, t);
        ck_assert_int_gt(n, t);
        ck_assert_int_eq(cron_next(&c, t + (int64_t)rnd64((uint64_t)(n - t))), n);
        count++;
        t = n;
    }
    ck_assert_msg(count == tc->count, "%s: %d fire times in 2024, want %d", tc->expr, count, tc->count);
}
END_TEST

static Suite *cron_suite(void)
{
    Suite *s = suite_create("cron");
    TCase *tc = tcase_create("next");
    tcase_add_loop_test(tc, test_next_table, 0, (int)(sizeof NEXT / sizeof NEXT[0]));
    tcase_add_test(tc, test_next_extremes);
    suite_add_tcase(s, tc);
    tc = tcase_create("reject");
    tcase_add_loop_test(tc, test_bad_table, 0, (int)(sizeof BAD / sizeof BAD[0]));
    tcase_add_test(tc, test_bad_misc);
    suite_add_tcase(s, tc);
    tc = tcase_create("frequency");
    tcase_add_loop_test(tc, test_frequency, 0, (int)(sizeof FREQ / sizeof FREQ[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("property");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_property, 0, 10);
    tcase_add_loop_test(tc, test_walk_year, 0, (int)(sizeof WALK / sizeof WALK[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cron_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
