/* Unit tests for the partition-predicate language: a table of expressions with the partitions they match, a
 * table of malformed or mistyped expressions with the token their message must name, the index key order, and
 * a property test that the index ranges of an expression hold every partition it matches. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/pexpr.h"

static const char *const NAMES[] = {"year", "month", "day", "region", "dt", "price"};
static const char *const TYPES[] = {"int", "string", "bigint", "string", "date", "double"};
#define NK 6

static const struct mcase {
    const char *expr;
    const char *v[NK]; /* year month day region dt price */
    int want;
} MATCH[] = {
    {"year = 2024", {"2024", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"year = '2024'", {"2024", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"year = '2'", {"2", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"year = 2", {"02", "01", "5", "eu", "2024-01-05", "1.5"}, 1}, /* numeric, not textual */
    {"year = 2024", {"2023", "01", "5", "eu", "2024-01-05", "1.5"}, 0},
    {"YEAR=2024", {"2024", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"`year` = 2024", {"2024", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"year <> 2024", {"2023", "01", "5", "eu", "2024-01-05", "1.5"}, 1},
    {"year != 2024", {"2024", "01", "5", "eu", "2024-01-05", "1.5"}, 0},
    {"year < 10", {"9", "01", "5", "eu", "d", "1"}, 1},
    {"year < 10", {"10", "01", "5", "eu", "d", "1"}, 0},
    {"year <= 10", {"10", "01", "5", "eu", "d", "1"}, 1},
    {"year > 9", {"10", "01", "5", "eu", "d", "1"}, 1}, /* 10 > 9 as numbers, though '10' < '9' as text */
    {"year >= 10", {"9", "01", "5", "eu", "d", "1"}, 0},
    {"month > '9'", {"1", "10", "5", "eu", "d", "1"}, 0}, /* string key: '10' < '9' */
    {"month = 1", {"1", "1", "5", "eu", "d", "1"}, 1},    /* a number against a string key is its text */
    {"month = 1", {"1", "01", "5", "eu", "d", "1"}, 0},
    {"year > -5", {"-4", "01", "5", "eu", "d", "1"}, 1},
    {"year > -5", {"-6", "01", "5", "eu", "d", "1"}, 0},
    {"day BETWEEN 3 AND 7", {"1", "1", "3", "eu", "d", "1"}, 1},
    {"day BETWEEN 3 AND 7", {"1", "1", "7", "eu", "d", "1"}, 1},
    {"day BETWEEN 3 AND 7", {"1", "1", "8", "eu", "d", "1"}, 0},
    {"day NOT BETWEEN 3 AND 7", {"1", "1", "8", "eu", "d", "1"}, 1},
    {"day between '3' and '7'", {"1", "1", "4", "eu", "d", "1"}, 1},
    {"region IN ('eu', 'us')", {"1", "1", "4", "us", "d", "1"}, 1},
    {"region IN ('eu', 'us')", {"1", "1", "4", "ap", "d", "1"}, 0},
    {"region NOT IN ('eu', 'us')", {"1", "1", "4", "ap", "d", "1"}, 1},
    {"day IN (1, 2, '3')", {"1", "1", "3", "ap", "d", "1"}, 1},
    {"region LIKE 'e%'", {"1", "1", "3", "eu", "d", "1"}, 1},
    {"region LIKE 'e%'", {"1", "1", "3", "us", "d", "1"}, 0},
    {"region LIKE '_u'", {"1", "1", "3", "eu", "d", "1"}, 1},
    {"region LIKE '_u'", {"1", "1", "3", "éu", "d", "1"}, 1}, /* _ is one character, not one byte */
    {"region LIKE '%a%b%'", {"1", "1", "3", "xaxxbx", "d", "1"}, 1},
    {"region LIKE '%a%b%'", {"1", "1", "3", "xbxxax", "d", "1"}, 0},
    {"region NOT LIKE 'e%'", {"1", "1", "3", "us", "d", "1"}, 1},
    {"region = 'it''s'", {"1", "1", "3", "it's", "d", "1"}, 1},
    {"year = 2024 AND month = '01'", {"2024", "01", "5", "eu", "d", "1"}, 1},
    {"year = 2024 AND month = '02'", {"2024", "01", "5", "eu", "d", "1"}, 0},
    {"year = 2023 OR month = '01'", {"2024", "01", "5", "eu", "d", "1"}, 1},
    {"NOT year = 2024", {"2024", "01", "5", "eu", "d", "1"}, 0},
    {"NOT (year = 2023 OR day = 5)", {"2024", "01", "5", "eu", "d", "1"}, 0},
    {"NOT NOT year = 2024", {"2024", "01", "5", "eu", "d", "1"}, 1},
    /* AND binds tighter than OR */
    {"year = 1 OR year = 2024 AND day = 6", {"2024", "01", "5", "eu", "d", "1"}, 0},
    {"(year = 1 OR year = 2024) AND day = 5", {"2024", "01", "5", "eu", "d", "1"}, 1},
    {"((((year = 2024))))", {"2024", "01", "5", "eu", "d", "1"}, 1},
    {"dt >= '2024-01-01' AND dt < '2024-02-01'", {"1", "1", "1", "eu", "2024-01-31", "1"}, 1},
    {"dt >= '2024-01-01' AND dt < '2024-02-01'", {"1", "1", "1", "eu", "2024-02-01", "1"}, 0},
    {"price > 1.25", {"1", "1", "1", "eu", "d", "1.5"}, 1},
    {"price > 1.25", {"1", "1", "1", "eu", "d", "1e0"}, 0},
    {"price = 2", {"1", "1", "1", "eu", "d", "2.0"}, 1},
    /* a value that is not its key's type matches no comparison */
    {"year = 2024", {"abc", "01", "5", "eu", "d", "1"}, 0},
    {"year <> 2024", {"abc", "01", "5", "eu", "d", "1"}, 0},
    {"  year\t=\n2024  ", {"2024", "01", "5", "eu", "d", "1"}, 1},
};

START_TEST(test_match_table)
{
    for (size_t i = 0; i < sizeof MATCH / sizeof MATCH[0]; i++) {
        char err[256] = "";
        pexpr_t *e;
        if (pexpr_parse(MATCH[i].expr, NK, NAMES, TYPES, &e, err, sizeof err) != 0)
            ck_abort_msg("%s: %s", MATCH[i].expr, err);
        ck_assert_msg(pexpr_match(e, MATCH[i].v, NK) == (MATCH[i].want == 1), "%s on %s/%s/%s/%s", MATCH[i].expr,
                      MATCH[i].v[0], MATCH[i].v[1], MATCH[i].v[2], MATCH[i].v[3]);
        pexpr_free(e);
    }
}
END_TEST

static const struct ecase {
    const char *expr, *want; /* want: a substring of the message */
} ERRS[] = {
    {"year = 'abc'", "'abc' at position 8 of the expression is not a valid integer for partition key year"},
    {"year = 20x4", "20x4"},
    {"year = 2.5", "2.5"},
    {"year IN (1, 'x')", "'x' at position 13"},
    {"day BETWEEN 1 AND 'z'", "'z'"},
    {"dt = '2024-1-1'", "not a valid date"},
    {"price = 'cheap'", "cheap"},
    {"year =", "ended early at position 7: expected a value"},
    {"year = 2024 AND", "ended early at position 16: expected a partition key"},
    {"year", "ended early at position 5: expected a comparison"},
    {"(year = 1", "ended early at position 10: expected ')'"},
    {"year IN (1, 2", "ended early at position 14"},
    {"day BETWEEN 1", "ended early at position 14: expected AND"},
    {"", "empty"},
    {"   ", "empty"},
    {"color = 'red'", "Unknown partition key 'color' at position 1"},
    {"year = 1 year = 2", "Unexpected 'year' at position 10"},
    {"year == 1", "Unexpected '='"},
    {"year = 1)", "Unexpected ')' at position 9"},
    {"year ~ 1", "Unexpected '~' at position 6"},
    {"year = 'abc", "Unterminated string starting at position 8"},
    {"`year = 1", "Unterminated `name`"},
    {"year LIKE '1%'", "LIKE at position 6 of the expression needs a string partition key"},
    {"region LIKE 5", "expected a 'quoted pattern'"},
    {"year NOT = 1", "expected BETWEEN, IN or LIKE after NOT"},
    {"AND year = 1", "Unexpected 'AND' at position 1"},
    {"year = 1 AND OR", "Unexpected 'OR'"},
    {"region = 'é' é", "Unexpected 'é'"},
};

START_TEST(test_error_table)
{
    for (size_t i = 0; i < sizeof ERRS / sizeof ERRS[0]; i++) {
        char err[256] = "";
        pexpr_t *e = NULL;
        ck_assert_msg(pexpr_parse(ERRS[i].expr, NK, NAMES, TYPES, &e, err, sizeof err) == -1, "%s parsed",
                      ERRS[i].expr);
        ck_assert_ptr_null(e);
        ck_assert_msg(strstr(err, ERRS[i].want) != NULL, "%s: message '%s' lacks '%s'", ERRS[i].expr, err,
                      ERRS[i].want);
    }
}
END_TEST

START_TEST(test_depth_bound)
{
    char buf[2048];
    size_t n = 0;
    for (int i = 0; i < 150; i++)
        buf[n++] = '(';
    strcpy(buf + n, "year = 1");
    n += 8;
    for (int i = 0; i < 150; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    char err[256];
    pexpr_t *e;
    ck_assert_int_eq(pexpr_parse(buf, NK, NAMES, TYPES, &e, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "deeper"));
}
END_TEST

/* The index key orders int keys numerically, strings bytewise, key by key. */
START_TEST(test_index_key_order)
{
    static const char *const t2[] = {"int", "string"};
    static const char *const vals[][2] = {
        {"-100", "b"}, {"-2", "a"}, {"0", ""}, {"0", "a"}, {"0", "a\x01"}, {"0", "ab"}, {"2", "z"},
        {"10", "a"},   {"99", "a"}, {"x", "a"},
    };
    size_t n = sizeof vals / sizeof vals[0];
    char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        char *k = pexpr_index_key(2, t2, vals[i]);
        ck_assert_ptr_nonnull(k);
        if (prev)
            ck_assert_msg(strcmp(prev, k) < 0, "key of %s/%s not after the previous one", vals[i][0], vals[i][1]);
        free(prev);
        prev = k;
    }
    free(prev);
    /* distinct texts of one number keep distinct keys */
    static const char *const a[] = {"2", "x"}, *const b[] = {"02", "x"};
    char *ka = pexpr_index_key(2, t2, a), *kb = pexpr_index_key(2, t2, b);
    ck_assert_str_ne(ka, kb);
    free(ka);
    free(kb);
}
END_TEST

static bool in_ranges(const pexpr_range_t *r, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if ((!r[i].lo || strcmp(k, r[i].lo) >= 0) && (!r[i].hi || strcmp(k, r[i].hi) < 0))
            return true;
    return false;
}

/* Every partition an expression matches has its index key in one of the expression's ranges, and the ranges
 * ascend without overlapping. */
START_TEST(test_ranges_cover_matches)
{
    static const char *const exprs[] = {
        "year = 2024",
        "year = '2024' AND month = '03'",
        "year = 2024 AND month > '05'",
        "year = 2024 AND month >= '05' AND month <= '07'",
        "year IN (2023, 2024) AND month IN ('01', '12') AND day BETWEEN 3 AND 9",
        "year BETWEEN 2022 AND 2023",
        "year < 2023",
        "year > 2023",
        "year = 2024 AND month LIKE '1%'",
        "year = 2024 OR month = '01'",
        "NOT year = 2024",
        "day = 5",
        "year = 2024 AND month = '02' AND day = 3 AND region = 'eu' AND dt = '2024-02-03' AND price = 1.5",
        "year IN (2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027, 2028) AND month IN ('01','02','03','04','05',"
        "'06','07','08','09')",
        "price < 2.5",
        "year = 2024 AND month NOT IN ('01')",
        "year = 02024",
    };
    srand(7);
    enum { NP = 3000 };
    static char vals[NP][NK][32];
    for (int i = 0; i < NP; i++) {
        snprintf(vals[i][0], 32, "%d", 2019 + rand() % 8);
        if (rand() % 50 == 0)
            snprintf(vals[i][0], 32, "0%d", 2019 + rand() % 8);
        if (rand() % 100 == 0)
            snprintf(vals[i][0], 32, "junk");
        snprintf(vals[i][1], 32, "%02d", 1 + rand() % 12);
        snprintf(vals[i][2], 32, "%d", 1 + rand() % 28);
        snprintf(vals[i][3], 32, "%s", rand() % 2 ? "eu" : "us");
        int mo = atoi(vals[i][1]);
        snprintf(vals[i][4], 32, "2024-%02d-%02d", mo, 1 + rand() % 28);
        snprintf(vals[i][5], 32, "%d.%d", rand() % 4, rand() % 10);
    }
    for (size_t x = 0; x < sizeof exprs / sizeof exprs[0]; x++) {
        char err[256];
        pexpr_t *e;
        if (pexpr_parse(exprs[x], NK, NAMES, TYPES, &e, err, sizeof err) != 0)
            ck_abort_msg("%s: %s", exprs[x], err);
        pexpr_range_t *r;
        size_t nr;
        ck_assert_int_eq(pexpr_ranges(e, &r, &nr), 0);
        ck_assert_uint_ge(nr, 1);
        for (size_t i = 1; i < nr; i++)
            ck_assert_msg(r[i - 1].hi && r[i].lo && strcmp(r[i - 1].hi, r[i].lo) <= 0, "%s: ranges overlap",
                          exprs[x]);
        int matched = 0, inside = 0;
        for (int i = 0; i < NP; i++) {
            const char *v[NK];
            for (int k = 0; k < NK; k++)
                v[k] = vals[i][k];
            char *key = pexpr_index_key(NK, TYPES, v);
            bool in = in_ranges(r, nr, key);
            inside += in;
            if (pexpr_match(e, v, NK)) {
                matched++;
                ck_assert_msg(in, "%s matches %s/%s/%s but its key is outside the ranges", exprs[x], v[0], v[1],
                              v[2]);
            }
            free(key);
        }
        /* the ranges narrow: an equality on the leading key leaves out most partitions */
        if (strncmp(exprs[x], "year = 2024 AND", 15) == 0)
            ck_assert_msg(inside < NP / 4, "%s: %d of %d partitions in range", exprs[x], inside, NP);
        pexpr_ranges_free(r, nr);
        pexpr_free(e);
    }
}
END_TEST

START_TEST(test_no_expression_is_one_open_range)
{
    pexpr_range_t *r;
    size_t n;
    ck_assert_int_eq(pexpr_ranges(NULL, &r, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_null(r[0].lo);
    ck_assert_ptr_null(r[0].hi);
    pexpr_ranges_free(r, n);
    ck_assert(pexpr_match(NULL, NULL, 0));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pexpr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_match_table);
    tcase_add_test(tc, test_error_table);
    tcase_add_test(tc, test_depth_bound);
    tcase_add_test(tc, test_index_key_order);
    tcase_add_test(tc, test_ranges_cover_matches);
    tcase_add_test(tc, test_no_expression_is_one_open_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
