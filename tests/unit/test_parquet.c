/* Unit tests for the Parquet footer reader. Footers are built here with a small Thrift compact-protocol writer
 * (the crawler suites read files from a real Parquet writer): the physical and logical types and how each maps
 * to a Glue type, nested lists, maps and structs, and hostile input: every truncation of a valid footer, huge
 * counts, deep nesting, bad names and lengths are errors with a message. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/parquet.h"

/* ---- a Thrift compact writer ---- */

typedef struct w {
    uint8_t b[65536];
    size_t n;
    int16_t last[32];
    int depth;
} w_t;

static void u8(w_t *w, uint8_t x)
{
    ck_assert_uint_lt(w->n, sizeof w->b);
    w->b[w->n++] = x;
}

static void var(w_t *w, uint64_t v)
{
    while (v >= 0x80) {
        u8(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    u8(w, (uint8_t)v);
}

static void zz(w_t *w, int64_t v)
{
    var(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void fh(w_t *w, int16_t id, int type)
{
    int16_t d = (int16_t)(id - w->last[w->depth]);
    if (d > 0 && d <= 15)
        u8(w, (uint8_t)(d << 4 | type));
    else {
        u8(w, (uint8_t)type);
        zz(w, id);
    }
    w->last[w->depth] = id;
}

static void fi32(w_t *w, int16_t id, int32_t v)
{
    fh(w, id, 5);
    zz(w, v);
}

static void fi64(w_t *w, int16_t id, int64_t v)
{
    fh(w, id, 6);
    zz(w, v);
}

static void fstr(w_t *w, int16_t id, const char *s)
{
    fh(w, id, 8);
    var(w, strlen(s));
    for (const char *p = s; *p; p++)
        u8(w, (uint8_t)*p);
}

static void begin(w_t *w)
{
    w->last[++w->depth] = 0;
}

static void end(w_t *w)
{
    u8(w, 0);
    w->depth--;
}

static void fstruct(w_t *w, int16_t id)
{
    fh(w, id, 12);
    begin(w);
}

static void list_of_structs(w_t *w, int16_t id, uint64_t n)
{
    fh(w, id, 9);
    if (n < 15)
        u8(w, (uint8_t)(n << 4 | 12));
    else {
        u8(w, 0xf0 | 12);
        var(w, n);
    }
}

/* A schema element: type -1 / conv -1 omitted; children > 0 makes a group. */
typedef struct el {
    const char *name;
    int type, rep, children, conv, scale, precision;
    int logical; /* LogicalType union member, 0 none */
    int bits, is_signed;
} el_t;

static void element(w_t *w, const el_t *e)
{
    begin(w);
    if (e->type >= 0)
        fi32(w, 1, e->type);
    if (e->rep >= 0)
        fi32(w, 3, e->rep);
    fstr(w, 4, e->name);
    if (e->children >= 0)
        fi32(w, 5, e->children);
    if (e->conv >= 0)
        fi32(w, 6, e->conv);
    if (e->scale)
        fi32(w, 7, e->scale);
    if (e->precision)
        fi32(w, 8, e->precision);
    if (e->logical) {
        fstruct(w, 10);
        fstruct(w, (int16_t)e->logical);
        if (e->logical == 10) {
            fh(w, 1, 3);
            u8(w, (uint8_t)e->bits);
            fh(w, 2, e->is_signed ? 1 : 2);
        }
        if (e->logical == 5) {
            fi32(w, 1, e->scale);
            fi32(w, 2, e->precision);
        }
        end(w);
        end(w);
    }
    end(w);
}

/* FileMetaData {1: version, 2: schema, 3: num_rows, 4: row_groups, 6: created_by} */
static void footer(w_t *w, const el_t *els, size_t n, int64_t rows)
{
    memset(w, 0, sizeof *w);
    fi32(w, 1, 1);
    list_of_structs(w, 2, n);
    for (size_t i = 0; i < n; i++)
        element(w, &els[i]);
    fi64(w, 3, rows);
    /* a row group list with one group of one column chunk, to be skipped */
    list_of_structs(w, 4, 1);
    begin(w);
    list_of_structs(w, 1, 1);
    begin(w);
    fstr(w, 1, "path");
    fi64(w, 2, 4);
    end(w);
    fi64(w, 2, 100);
    fi64(w, 3, rows);
    end(w);
    fstr(w, 6, "test writer");
    /* a field id far away, through the long form, and a double */
    fh(w, 200, 7);
    for (int i = 0; i < 8; i++)
        u8(w, 0);
    u8(w, 0);
}

#define E(name, type, rep) {name, type, rep, -1, -1, 0, 0, 0, 0, 0}

static char *col(ctype_schema_t *s, const char *name)
{
    long i = ctype_schema_find(s, name);
    ck_assert_msg(i >= 0, "no column %s", name);
    return ctype_text(s->types[i]);
}

START_TEST(test_types)
{
    el_t els[] = {
        {"schema", -1, -1, 27, -1, 0, 0, 0, 0, 0},
        E("b", 0, 0),
        E("i32", 1, 1),
        E("i64", 2, 1),
        E("i96", 3, 1),
        E("f", 4, 1),
        E("d", 5, 1),
        E("bin", 6, 1),
        {"utf8", 6, 1, -1, 0, 0, 0, 0, 0, 0},
        {"lstr", 6, 1, -1, -1, 0, 0, 1, 0, 0},
        {"enum", 6, 1, -1, 4, 0, 0, 0, 0, 0},
        {"json", 6, 1, -1, 19, 0, 0, 0, 0, 0},
        {"date", 1, 1, -1, 6, 0, 0, 0, 0, 0},
        {"ldate", 1, 1, -1, -1, 0, 0, 6, 0, 0},
        {"i8", 1, 1, -1, 15, 0, 0, 0, 0, 0},
        {"i16", 1, 1, -1, 16, 0, 0, 0, 0, 0},
        {"u32", 1, 1, -1, 13, 0, 0, 0, 0, 0},
        {"li8", 1, 1, -1, -1, 0, 0, 10, 8, 1},
        {"ts_ms", 2, 1, -1, 9, 0, 0, 0, 0, 0},
        {"ts_us", 2, 1, -1, 10, 0, 0, 0, 0, 0},
        {"lts", 2, 1, -1, -1, 0, 0, 8, 0, 0},
        {"dec", 2, 1, -1, 5, 2, 10, 0, 0, 0},
        {"ldec", 7, 1, -1, -1, 3, 20, 5, 0, 0},
        {"uuid", 7, 1, -1, -1, 0, 0, 14, 0, 0},
        {"fixed", 7, 1, -1, -1, 0, 0, 0, 0, 0},
        /* a repeated primitive outside a LIST is an array */
        E("rep", 1, 2),
        {"MixedCase", 5, 1, -1, -1, 0, 0, 0, 0, 0},
        E("last", 6, 0),
    };
    static const char *const want[][2] = {
        {"b", "boolean"},        {"i32", "int"},           {"i64", "bigint"},        {"i96", "timestamp"},
        {"f", "float"},          {"d", "double"},          {"bin", "binary"},        {"utf8", "string"},
        {"lstr", "string"},      {"enum", "string"},       {"json", "string"},       {"date", "date"},
        {"ldate", "date"},       {"i8", "tinyint"},        {"i16", "smallint"},      {"u32", "bigint"},
        {"li8", "tinyint"},      {"ts_ms", "timestamp"},   {"ts_us", "timestamp"},   {"lts", "timestamp"},
        {"dec", "decimal(10,2)"}, {"ldec", "decimal(20,3)"}, {"uuid", "string"},     {"fixed", "binary"},
        {"rep", "array<int>"},   {"mixedcase", "double"},  {"last", "binary"},
    };
    w_t w;
    footer(&w, els, sizeof els / sizeof els[0], 12345);
    ctype_schema_t *s;
    char err[256];
    if (parquet_parse(w.b, w.n, &s, err, sizeof err) != 0)
        ck_abort_msg("%s", err);
    ck_assert_str_eq(s->classification, "parquet");
    ck_assert_int_eq(s->records, 12345);
    ck_assert_uint_eq(s->ncols, 27);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *t = col(s, want[i][0]);
        ck_assert_msg(strcmp(t, want[i][1]) == 0, "%s is %s, not %s", want[i][0], t, want[i][1]);
        free(t);
    }
    ctype_schema_free(s);
}
END_TEST

START_TEST(test_nested)
{
    el_t els[] = {
        {"schema", -1, -1, 5, -1, 0, 0, 0, 0, 0},
        /* three-level LIST */
        {"tags", -1, 1, 1, 3, 0, 0, 0, 0, 0},
        {"list", -1, 2, 1, -1, 0, 0, 0, 0, 0},
        {"element", 6, 1, -1, 0, 0, 0, 0, 0, 0},
        /* two-level legacy LIST */
        {"old", -1, 1, 1, 3, 0, 0, 0, 0, 0},
        E("item", 1, 2),
        /* MAP */
        {"attrs", -1, 1, 1, 1, 0, 0, 0, 0, 0},
        {"key_value", -1, 2, 2, -1, 0, 0, 0, 0, 0},
        {"key", 6, 0, -1, 0, 0, 0, 0, 0, 0},
        E("value", 2, 1),
        /* struct holding a list of structs */
        {"info", -1, 1, 2, -1, 0, 0, 0, 0, 0},
        E("x", 1, 1),
        {"pts", -1, 1, 1, -1, 0, 0, 3, 0, 0},
        {"list", -1, 2, 1, -1, 0, 0, 0, 0, 0},
        {"element", -1, 1, 2, -1, 0, 0, 0, 0, 0},
        E("lat", 5, 1),
        E("lon", 5, 1),
        /* a LIST whose repeated group is named array keeps the group */
        {"arr", -1, 1, 1, 3, 0, 0, 0, 0, 0},
        {"array", -1, 2, 1, -1, 0, 0, 0, 0, 0},
        E("v", 1, 1),
    };
    w_t w;
    footer(&w, els, sizeof els / sizeof els[0], 2);
    ctype_schema_t *s;
    char err[256];
    if (parquet_parse(w.b, w.n, &s, err, sizeof err) != 0)
        ck_abort_msg("%s", err);
    static const char *const want[][2] = {
        {"tags", "array<string>"},
        {"old", "array<int>"},
        {"attrs", "map<string,bigint>"},
        {"info", "struct<x:int,pts:array<struct<lat:double,lon:double>>>"},
        {"arr", "array<struct<v:int>>"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *t = col(s, want[i][0]);
        ck_assert_msg(strcmp(t, want[i][1]) == 0, "%s is %s, not %s", want[i][0], t, want[i][1]);
        free(t);
    }
    ctype_schema_free(s);
}
END_TEST

static const el_t SIMPLE[] = {
    {"schema", -1, -1, 2, -1, 0, 0, 0, 0, 0},
    E("id", 2, 0),
    {"name", 6, 1, -1, 0, 0, 0, 0, 0, 0},
};

/* Every proper prefix of a valid footer is refused with a message, and none crashes. */
START_TEST(test_every_truncation_fails)
{
    w_t w;
    footer(&w, SIMPLE, 3, 7);
    ctype_schema_t *s;
    char err[256];
    ck_assert_int_eq(parquet_parse(w.b, w.n, &s, err, sizeof err), 0);
    ctype_schema_free(s);
    for (size_t n = 0; n < w.n; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, w.b, n);
        err[0] = '\0';
        ck_assert_msg(parquet_parse(cut, n, &s, err, sizeof err) == -1, "prefix of %zu bytes parsed", n);
        ck_assert_msg(err[0] != '\0', "prefix of %zu bytes: no message", n);
        ck_assert_ptr_null(s);
        free(cut);
    }
}
END_TEST

static void expect_error(const uint8_t *b, size_t n, const char *want)
{
    ctype_schema_t *s;
    char err[256] = "";
    ck_assert_int_eq(parquet_parse(b, n, &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

START_TEST(test_hostile)
{
    w_t w;
    /* a schema list claiming 2^40 elements */
    memset(&w, 0, sizeof w);
    fi32(&w, 1, 1);
    fh(&w, 2, 9);
    u8(&w, 0xf0 | 12);
    var(&w, UINT64_C(1) << 40);
    expect_error(w.b, w.n, "truncated");
    /* a schema that is not a list of structs */
    memset(&w, 0, sizeof w);
    fh(&w, 2, 9);
    u8(&w, 0x15);
    u8(&w, 2);
    u8(&w, 0);
    expect_error(w.b, w.n, "not a list of structs");
    /* nesting past the bound while skipping */
    memset(&w, 0, sizeof w);
    for (int i = 0; i < 200; i++)
        u8(&w, 0x1c); /* field +1, struct */
    expect_error(w.b, w.n, "nests deeper");
    /* an overlong varint */
    memset(&w, 0, sizeof w);
    fh(&w, 3, 6);
    for (int i = 0; i < 11; i++)
        u8(&w, 0xff);
    u8(&w, 0);
    expect_error(w.b, w.n, "overlong");
    /* a root that promises more children than there are elements */
    el_t few[] = {{"schema", -1, -1, 5, -1, 0, 0, 0, 0, 0}, E("a", 1, 1)};
    footer(&w, few, 2, 1);
    expect_error(w.b, w.n, "schema ends");
    /* elements left over past the root's children */
    el_t extra[] = {{"schema", -1, -1, 1, -1, 0, 0, 0, 0, 0}, E("a", 1, 1), E("b", 1, 1)};
    footer(&w, extra, 3, 1);
    expect_error(w.b, w.n, "past its root");
    /* a leaf root */
    el_t leaf[] = {E("a", 1, 1)};
    footer(&w, leaf, 1, 1);
    expect_error(w.b, w.n, "root is not a group");
    /* a name that is not UTF-8 */
    el_t badname[] = {{"schema", -1, -1, 1, -1, 0, 0, 0, 0, 0}, E("a\xff", 1, 1)};
    footer(&w, badname, 2, 1);
    expect_error(w.b, w.n, "not valid UTF-8");
    /* a decimal with an impossible precision */
    el_t dec[] = {{"schema", -1, -1, 1, -1, 0, 0, 0, 0, 0}, {"d", 2, 1, -1, 5, 2, 99, 0, 0, 0}};
    footer(&w, dec, 2, 1);
    expect_error(w.b, w.n, "decimal(99,2)");
    /* groups nested past the type depth bound */
    el_t deep[40];
    deep[0] = (el_t){"schema", -1, -1, 1, -1, 0, 0, 0, 0, 0};
    for (int i = 1; i < 39; i++)
        deep[i] = (el_t){"g", -1, 1, 1, -1, 0, 0, 0, 0, 0};
    deep[39] = (el_t)E("leaf", 1, 1);
    footer(&w, deep, 40, 1);
    expect_error(w.b, w.n, "deeper than");
    /* no row count */
    memset(&w, 0, sizeof w);
    list_of_structs(&w, 2, 3);
    for (int i = 0; i < 3; i++)
        element(&w, &SIMPLE[i]);
    u8(&w, 0);
    expect_error(w.b, w.n, "no row count");
    /* an unknown Thrift type */
    memset(&w, 0, sizeof w);
    u8(&w, 0x1e);
    expect_error(w.b, w.n, "unknown Thrift type");
}
END_TEST

START_TEST(test_footer_len)
{
    uint8_t tail[8] = {10, 0, 0, 0, 'P', 'A', 'R', '1'};
    uint32_t len;
    char err[256];
    ck_assert_int_eq(parquet_footer_len(100, tail, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, 10);
    ck_assert_int_eq(parquet_footer_len(11, tail, &len, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too short"));
    ck_assert_int_eq(parquet_footer_len(21, tail, &len, err, sizeof err), -1); /* 10 > 21 - 12 */
    ck_assert_ptr_nonnull(strstr(err, "does not fit"));
    tail[7] = 'X';
    ck_assert_int_eq(parquet_footer_len(100, tail, &len, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated footer"));
    uint8_t zero[8] = {0, 0, 0, 0, 'P', 'A', 'R', '1'};
    ck_assert_int_eq(parquet_footer_len(100, zero, &len, err, sizeof err), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parquet");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_nested);
    tcase_add_test(tc, test_every_truncation_fails);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_footer_len);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
