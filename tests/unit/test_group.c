/* Unit tests for grouping files into tables: one folder one table, key=value and plain partition levels, the
 * 70% / five-schema rules and CombineCompatibleSchemas, single-file tables, names (lowercase, [a-z0-9_], 128
 * characters, TablePrefix, a hash suffix on a clash), anchors for incremental crawls, and the counts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/classify.h"
#include "catalog/group.h"

static ctype_schema_t *S(const char *text)
{
    ctype_schema_t *s;
    char err[256];
    if (classify_text(text, strlen(text), false, &s, err, sizeof err) != 0)
        ck_abort_msg("%s: %s", text, err);
    return s;
}

static group_result_t R;

static void build(const group_file_t *f, size_t n, const group_opts_t *o)
{
    char err[256];
    group_opts_t def = {.root_name = "root", .location = "s3://b/root"};
    ck_assert_int_eq(group_build(f, n, o ? o : &def, &R, err, sizeof err), 0);
}

static const group_table_t *table(const char *name)
{
    for (size_t i = 0; i < R.ntables; i++)
        if (strcmp(R.tables[i].name, name) == 0)
            return &R.tables[i];
    char all[2048] = "";
    for (size_t i = 0; i < R.ntables; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), " %s", R.tables[i].name);
    ck_abort_msg("no table %s; tables:%s", name, all);
    return NULL;
}

static void keys(const group_table_t *t, const char *want)
{
    char buf[512] = "";
    for (size_t k = 0; k < t->nkeys; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "," : "", t->keys[k]);
    ck_assert_msg(strcmp(buf, want) == 0, "%s keys %s, wanted %s", t->name, buf, want);
}

static void part(const group_table_t *t, size_t i, const char *values, const char *rel)
{
    ck_assert_uint_lt(i, t->nparts);
    char buf[512] = "";
    for (size_t k = 0; k < t->nkeys; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "," : "", t->parts[i].values[k]);
    ck_assert_msg(strcmp(buf, values) == 0, "%s partition %zu values %s, wanted %s", t->name, i, buf, values);
    ck_assert_str_eq(t->parts[i].rel, rel);
}

static void teardown(void)
{
    group_result_cleanup(&R);
}

START_TEST(test_one_folder_one_table)
{
    ctype_schema_t *a = S("id,v\n1,2\n");
    group_file_t f[] = {{"a.csv", 10, a}, {"b.csv", 20, a}, {"_SUCCESS", 0, NULL}};
    build(f, 3, NULL);
    ck_assert_uint_eq(R.ntables, 1);
    const group_table_t *t = table("root");
    ck_assert_str_eq(t->rel, "");
    ck_assert_uint_eq(t->nkeys, 0);
    ck_assert_int_eq(t->objects, 2);
    ck_assert_int_eq(t->size, 30);
    ck_assert(!t->single_file);
    ctype_schema_free(a);
}
END_TEST

START_TEST(test_partitions)
{
    ctype_schema_t *c = S("id,year,v\n1,2024,x\n"), *j = S("{\"name\": \"a\"}\n");
    group_file_t f[] = {
        {"sales/year=2024/month=02/b.csv", 5, c}, {"sales/year=2024/month=01/a.csv", 3, c},
        {"sales/year=2024/month=01/a2.csv", 4, c}, {"sales/year=2023/month=12/z.csv", 1, c},
        {"customers/c.json", 7, j},
    };
    build(f, 5, NULL);
    ck_assert_uint_eq(R.ntables, 2);
    const group_table_t *t = table("sales");
    ck_assert_str_eq(t->rel, "sales");
    keys(t, "year,month");
    ck_assert_uint_eq(t->nparts, 3);
    part(t, 0, "2023,12", "sales/year=2023/month=12");
    part(t, 1, "2024,01", "sales/year=2024/month=01");
    part(t, 2, "2024,02", "sales/year=2024/month=02");
    ck_assert_int_eq(t->parts[1].objects, 2);
    ck_assert_int_eq(t->parts[1].size, 7);
    /* the data's own year column gives way to the partition key */
    ck_assert_int_eq(ctype_schema_find(t->schema, "year"), -1);
    ck_assert_uint_eq(t->schema->ncols, 2);
    const group_table_t *u = table("customers");
    ck_assert_uint_eq(u->nkeys, 0);
    ck_assert_str_eq(u->schema->classification, "json");
    ctype_schema_free(c);
    ctype_schema_free(j);
}
END_TEST

START_TEST(test_plain_levels_and_similar_siblings)
{
    /* sibling folders with compatible schemas (3 of 4 columns = 75%) are partitions of the target's table */
    ctype_schema_t *a = S("a,b,c\n1,2,3\n"), *b = S("a,b,c,d\n1,2,3,4\n"), *x = S("a,b\n1,2\n");
    group_file_t f[] = {{"east/1.csv", 1, a}, {"west/2.csv", 1, b}, {"north/k=v/3.csv", 1, a}};
    build(f, 2, NULL);
    ck_assert_uint_eq(R.ntables, 1);
    const group_table_t *t = table("root");
    keys(t, "partition_0");
    part(t, 0, "east", "east");
    part(t, 1, "west", "west");
    ck_assert_uint_eq(t->schema->ncols, 4);
    group_result_cleanup(&R);
    /* 2 of 3 columns is not more than 70%: two tables */
    group_file_t g[] = {{"east/1.csv", 1, x}, {"west/2.csv", 1, a}};
    build(g, 2, NULL);
    ck_assert_uint_eq(R.ntables, 2);
    table("east");
    table("west");
    group_result_cleanup(&R);
    /* levels mixing key=value and plain names are plain */
    group_file_t h[] = {{"k=1/1.csv", 1, a}, {"other/2.csv", 1, a}};
    build(h, 2, NULL);
    keys(table("root"), "partition_0");
    part(table("root"), 0, "k=1", "k=1");
    group_result_cleanup(&R);
    /* files at different depths under a folder are not one table */
    build(f, 3, NULL);
    ck_assert_uint_eq(R.ntables, 3);
    table("east");
    table("west");
    keys(table("north"), "k");
    ctype_schema_free(a);
    ctype_schema_free(b);
    ctype_schema_free(x);
}
END_TEST

START_TEST(test_five_schemas_and_combine)
{
    /* six distinct schemas sharing most columns: too many for one table, unless CombineCompatibleSchemas */
    ctype_schema_t *s[6];
    group_file_t f[6];
    char text[128], path[32];
    static char paths[6][32];
    for (int i = 0; i < 6; i++) {
        snprintf(text, sizeof text, "a,b,c,d,e,f,g,h,i,j,x%d\n1,2,3,4,5,6,7,8,9,10,11\n", i);
        s[i] = S(text);
        snprintf(path, sizeof path, "p%d/f.csv", i);
        strcpy(paths[i], path);
        f[i] = (group_file_t){paths[i], 1, s[i]};
    }
    build(f, 5, NULL);
    ck_assert_uint_eq(R.ntables, 1); /* five: one table */
    group_result_cleanup(&R);
    build(f, 6, NULL);
    ck_assert_uint_eq(R.ntables, 6);
    group_result_cleanup(&R);
    group_opts_t o = {.root_name = "root", .location = "l", .combine = true};
    build(f, 6, &o);
    ck_assert_uint_eq(R.ntables, 1);
    ck_assert_uint_eq(R.tables[0].schema->ncols, 16);
    group_result_cleanup(&R);
    /* combine still keeps formats apart */
    ctype_schema_t *j = S("{\"a\": 1}\n");
    f[5].schema = j;
    build(f, 6, &o);
    ck_assert_uint_eq(R.ntables, 6);
    for (int i = 0; i < 6; i++)
        ctype_schema_free(s[i]);
    ctype_schema_free(j);
}
END_TEST

START_TEST(test_single_files_and_names)
{
    ctype_schema_t *a = S("a,b\n1,2\n"), *b = S("{\"q\": 1}\n");
    group_file_t f[] = {{"Report.CSV", 1, a}, {"events.json", 1, b}, {"My-Data.2024/x.csv", 1, a}};
    build(f, 3, NULL);
    ck_assert_uint_eq(R.ntables, 3);
    ck_assert(table("report_csv")->single_file);
    ck_assert_str_eq(table("report_csv")->rel, "Report.CSV");
    table("events_json");
    ck_assert_str_eq(table("my_data_2024")->rel, "My-Data.2024");
    group_result_cleanup(&R);
    /* TablePrefix, and a name cut at 128 characters */
    char longname[300], lpath[320];
    memset(longname, 'N', 200);
    longname[200] = '\0';
    snprintf(lpath, sizeof lpath, "%s/x.csv", longname);
    group_file_t g[] = {{lpath, 1, a}, {"events.json", 1, b}};
    group_opts_t o = {.prefix = "Raw_", .root_name = "root", .location = "l"};
    build(g, 2, &o);
    table("raw_events_json");
    for (size_t i = 0; i < R.ntables; i++)
        ck_assert_uint_le(strlen(R.tables[i].name), 128);
    char want[129] = "raw_";
    memset(want + 4, 'n', 124);
    want[128] = '\0';
    table(want);
    ctype_schema_free(a);
    ctype_schema_free(b);
}
END_TEST

static bool taken_sales(void *ctx, const char *name, const char *rel)
{
    (void)ctx;
    /* the catalog's table sales lives somewhere else than this target's sales/ */
    return strcmp(name, "sales") == 0 && strcmp(rel, "elsewhere") != 0;
}

START_TEST(test_clashes)
{
    ctype_schema_t *a = S("a,b\n1,2\n"), *b = S("{\"q\": 1}\n");
    group_file_t f[] = {{"a-b/x.csv", 1, a}, {"a_b/y.json", 1, b}};
    build(f, 2, NULL);
    ck_assert_uint_eq(R.ntables, 2);
    ck_assert_str_eq(R.tables[0].name, "a_b");
    ck_assert_uint_eq(strlen(R.tables[1].name), 3 + 9);
    ck_assert(strncmp(R.tables[1].name, "a_b_", 4) == 0);
    char first[64];
    strcpy(first, R.tables[1].name);
    group_result_cleanup(&R);
    /* the suffix is stable for a location */
    build(f, 2, NULL);
    ck_assert_str_eq(R.tables[1].name, first);
    group_result_cleanup(&R);
    /* a name the catalog holds for another location */
    group_file_t g[] = {{"sales/1.csv", 1, a}, {"other.json", 1, b}};
    group_opts_t o = {.root_name = "root", .location = "l", .taken = taken_sales};
    build(g, 2, &o);
    table("other_json");
    const group_table_t *t = NULL;
    for (size_t i = 0; i < R.ntables; i++)
        if (strcmp(R.tables[i].rel, "sales") == 0)
            t = &R.tables[i];
    ck_assert_ptr_nonnull(t);
    ck_assert_msg(strncmp(t->name, "sales_", 6) == 0 && strlen(t->name) == 14, "%s", t->name);
    ctype_schema_free(a);
    ctype_schema_free(b);
}
END_TEST

START_TEST(test_anchors)
{
    ctype_schema_t *a = S("a,b\n1,2\n"), *b = S("{\"q\": 1}\n");
    group_anchor_t an[] = {{"sales", "sales_tbl", 2}};
    group_file_t f[] = {
        {"sales/year=2025/month=01/n.csv", 1, a},
        {"sales/year=2025/month=02/m.csv", 1, a},
        {"other/o.json", 1, b},
    };
    group_opts_t o = {.root_name = "root", .location = "l", .anchors = an, .nanchors = 1};
    build(f, 3, &o);
    ck_assert_uint_eq(R.ntables, 2);
    const group_table_t *t = table("sales_tbl");
    ck_assert_ptr_eq(t->anchor, &an[0]);
    ck_assert_uint_eq(t->nparts, 2);
    part(t, 0, "2025,01", "sales/year=2025/month=01");
    /* the root is above an anchor: no table there, so other/ is its own */
    ck_assert_ptr_null(table("other")->anchor);
    group_result_cleanup(&R);
    /* an anchor at the root */
    group_anchor_t root[] = {{"", "t", 1}};
    group_file_t g[] = {{"d=1/x.csv", 1, a}, {"stray.json", 1, b}};
    group_opts_t o2 = {.root_name = "root", .location = "l", .anchors = root, .nanchors = 1};
    build(g, 2, &o2);
    ck_assert_uint_eq(R.ntables, 2);
    part(table("t"), 0, "1", "d=1");
    ck_assert(table("stray_json")->single_file);
    ctype_schema_free(a);
    ctype_schema_free(b);
}
END_TEST

START_TEST(test_empty)
{
    build(NULL, 0, NULL);
    ck_assert_uint_eq(R.ntables, 0);
    group_file_t f[] = {{"x.csv", 1, NULL}};
    group_result_cleanup(&R);
    build(f, 1, NULL);
    ck_assert_uint_eq(R.ntables, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("group");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_one_folder_one_table);
    tcase_add_test(tc, test_partitions);
    tcase_add_test(tc, test_plain_levels_and_similar_siblings);
    tcase_add_test(tc, test_five_schemas_and_combine);
    tcase_add_test(tc, test_single_files_and_names);
    tcase_add_test(tc, test_clashes);
    tcase_add_test(tc, test_anchors);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
