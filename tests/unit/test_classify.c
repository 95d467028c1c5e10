/* Unit tests for the classifiers: CSV delimiters, quotes and header detection as the issue states them, type
 * inference and widening, JSON lines and arrays with nested types, gzip, record counts and their estimates
 * from a sample, and the bad files (empty, ragged, one row or column, invalid UTF-8, NUL bytes, corrupt or
 * truncated gzip) with the reasons given. Also the column-type module: widening, type text, text types. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "catalog/classify.h"

static ctype_schema_t *ok(const char *text)
{
    ctype_schema_t *s;
    char err[256] = "";
    if (classify_text(text, strlen(text), false, &s, err, sizeof err) != 0)
        ck_abort_msg("'%s' not classified: %s", text, err);
    return s;
}

static void refused(const char *text, size_t len, const char *want)
{
    ctype_schema_t *s;
    char err[256] = "";
    ck_assert_int_eq(classify_text(text, len, false, &s, err, sizeof err), -1);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

/* "name:type,name:type" of a schema */
static void cols(const ctype_schema_t *s, const char *want)
{
    char buf[4096] = "";
    for (size_t i = 0; i < s->ncols; i++) {
        char *t = ctype_text(s->types[i]);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s", i ? "," : "", s->names[i], t);
        free(t);
    }
    ck_assert_msg(strcmp(buf, want) == 0, "columns %s, wanted %s", buf, want);
}

START_TEST(test_csv_delimiters)
{
    static const struct {
        const char *text;
        char delim;
    } v[] = {
        {"a,b,c\n1,2,3\n", ','},     {"a|b|c\n1|2|3\n", '|'},         {"a\tb\tc\n1\t2\t3\n", '\t'},
        {"a;b;c\n1;2;3\n", ';'},     {"a\x01" "b\x01" "c\n1\x01" "2\x01" "3\n", '\x01'},
        /* the delimiter that gives the most columns wins; a comma inside pipe-separated fields stays data */
        {"a|b,c|d\n1|2,3|4\n", '|'}, {"x,y|z\n1,2|3\n", ','},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        ctype_schema_t *s = ok(v[i].text);
        ck_assert_str_eq(s->classification, "csv");
        ck_assert_msg(s->delim == v[i].delim, "case %zu: delimiter %d", i, s->delim);
        ctype_schema_free(s);
    }
}
END_TEST

START_TEST(test_csv_header_and_types)
{
    /* header: all strings, and some data column is not a string */
    ctype_schema_t *s = ok("Id,Name,Score,Ok,At\n1,ann,1.5,true,2024-01-02 03:04:05\n2,bob,2,false,2024-01-02T03:04:05Z\n");
    ck_assert(s->header);
    cols(s, "id:bigint,name:string,score:double,ok:boolean,at:timestamp");
    ck_assert_int_eq(s->records, 2);
    ck_assert_int_eq(s->quote, 0);
    ctype_schema_free(s);
    /* no header: the first row has a number; columns are col0.. and the first row's types count */
    s = ok("1,x\n2,y\n3.5,z\n");
    ck_assert(!s->header);
    cols(s, "col0:double,col1:string");
    ck_assert_int_eq(s->records, 3);
    ctype_schema_free(s);
    /* all strings, names unique and never seen in their column's data: a header */
    s = ok("name,city\nann,paris\nbob,rome\n");
    ck_assert(s->header);
    cols(s, "name:string,city:string");
    ctype_schema_free(s);
    /* all strings and a name that also appears as data: not a header */
    s = ok("a,b\nc,d\na,e\n");
    ck_assert(!s->header);
    cols(s, "col0:string,col1:string");
    ck_assert_int_eq(s->records, 3);
    ctype_schema_free(s);
    /* duplicate names: not a header */
    s = ok("a,a\n1,2\n");
    ck_assert(!s->header);
    cols(s, "col0:string,col1:string");
    ctype_schema_free(s);
    /* an empty first-row field: not a header */
    s = ok("a,\n1,2\n");
    ck_assert(!s->header);
    ctype_schema_free(s);
    /* a name of 150 characters: not a header; 149: a header */
    char buf[512];
    memset(buf, 'h', 150);
    strcpy(buf + 150, ",b\n1,2\n");
    s = ok(buf);
    ck_assert(!s->header);
    ctype_schema_free(s);
    strcpy(buf + 149, ",b\n1,2\n");
    s = ok(buf);
    ck_assert(s->header);
    ctype_schema_free(s);
    /* widening down a column: bigint then double is double, anything then string is string; empty is null */
    s = ok("a,b,c,d\n1,1,true,\n2.5,x,1,\n,3,false,\n");
    cols(s, "a:double,b:string,c:string,d:string");
    ctype_schema_free(s);
    /* bigint holds 19 digits; past it a double */
    s = ok("a,b\n9223372036854775807,99999999999999999999\n-9223372036854775808,1\n");
    cols(s, "a:bigint,b:double");
    ctype_schema_free(s);
}
END_TEST

START_TEST(test_csv_quotes)
{
    ctype_schema_t *s = ok("id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n");
    ck_assert(s->header);
    ck_assert_int_eq(s->quote, '"');
    ck_assert_int_eq(s->records, 3);
    cols(s, "id:bigint,text:string");
    ctype_schema_free(s);
    s = ok("id;text\n1;'a; b'\n2;'c'\n");
    ck_assert_int_eq(s->quote, '\'');
    ck_assert_int_eq(s->delim, ';');
    ctype_schema_free(s);
    /* CRLF line ends and blank lines */
    s = ok("a,b\r\n1,2\r\n\r\n3,4\r\n");
    ck_assert(s->header);
    cols(s, "a:bigint,b:bigint");
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    /* a double quote that never closes is read as text */
    s = ok("a,b\n\"never closed,1\n");
    ck_assert_int_eq(s->quote, 0);
    ck_assert_int_eq(s->records, 1);
    ctype_schema_free(s);
    /* no final newline */
    s = ok("a,b\n1,2");
    ck_assert_int_eq(s->records, 1);
    ctype_schema_free(s);
}
END_TEST

START_TEST(test_csv_bad)
{
    refused("a,b\n1,2,3\n4,5\n", 12, "ragged rows: row 2 has 3 fields where row 1 has 2");
    refused("a,b,c\n", 6, "at least two rows");
    refused("just one column\nanother\n", 24, "no delimiter");
    refused("", 0, "empty");
    refused("  \n\t\n", 5, "only whitespace");
    refused("a,b\n\xff\xfe,1\n", 9, "not valid UTF-8 (byte 4)");
    refused("a,b\n\xed\xa0\x80,1\n", 10, "not valid UTF-8"); /* a UTF-16 surrogate */
    refused("a,b\n1\0,2\n", 9, "NUL bytes");
}
END_TEST

START_TEST(test_json)
{
    ctype_schema_t *s = ok("{\"Id\": 1, \"name\": \"a\", \"tags\": [\"x\"], \"geo\": {\"lat\": 1.5, \"lon\": 2}}\n"
                           "{\"Id\": 5000000000, \"name\": null, \"tags\": [], \"geo\": {\"lat\": 1, \"alt\": true}}\n");
    ck_assert_str_eq(s->classification, "json");
    cols(s, "id:bigint,name:string,tags:array<string>,geo:struct<lat:double,lon:int,alt:boolean>");
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    /* small integers are int, as Glue's JSON classifier gives them */
    s = ok("{\"a\": 1}\n{\"a\": 2, \"b\": 1.0}\n");
    cols(s, "a:int,b:double");
    ctype_schema_free(s);
    /* a top-level array of objects */
    s = ok("[\n {\"a\": 1, \"b\": [[1, 2.5]]},\n {\"a\": \"x\", \"c\": {}}\n]\n");
    cols(s, "a:string,b:array<array<double>>,c:struct<>");
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    /* pretty-printed objects one after another */
    s = ok("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n");
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    /* an array of structs whose fields widen */
    s = ok("{\"p\": [{\"x\": 1}, {\"x\": 2.5, \"y\": \"s\"}]}\n");
    cols(s, "p:array<struct<x:double,y:string>>");
    ctype_schema_free(s);
}
END_TEST

START_TEST(test_json_bad)
{
    refused("{\"a\": 1}\n{\"a\": \n", 16, "not JSON");
    refused("[{\"a\": 1}, 2]", 13, "not an object");
    refused("[{\"a\": 1}", 9, "never closes");
    refused("[]", 2, "no record");
    refused("{\"a\": 1, \"a\": 2}", 16, "not JSON");
    refused("[{\"a\": 1}] x", 12, "after its top-level array");
}
END_TEST

/* A sample cut inside a record: the unfinished record is left out. */
START_TEST(test_cut_sample)
{
    const char *csv = "a,b\n1,2\n3,4\n5,";
    ctype_schema_t *s;
    char err[256];
    ck_assert_int_eq(classify_text(csv, strlen(csv), true, &s, err, sizeof err), 0);
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    const char *js = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": ";
    ck_assert_int_eq(classify_text(js, strlen(js), true, &s, err, sizeof err), 0);
    ck_assert_int_eq(s->records, 2);
    ctype_schema_free(s);
    /* a UTF-8 sequence cut by the end of a sample is not an error */
    const char *u = "a,b\nx,1\ny,\xc3";
    ck_assert_int_eq(classify_text(u, strlen(u), true, &s, err, sizeof err), 0);
    ctype_schema_free(s);
}
END_TEST

static ctype_schema_t *file(const uint8_t *b, size_t n, size_t sample, char *err)
{
    classify_mem_t m = {b, n};
    classify_src_t src = {classify_mem_read, &m, n};
    ctype_schema_t *s = NULL;
    err[0] = '\0';
    classify_file(&src, sample, &s, err, 256);
    return s;
}

static size_t gz(const char *text, size_t n, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t k = cap - z.avail_out;
    deflateEnd(&z);
    return k;
}

START_TEST(test_files_and_gzip)
{
    char err[256];
    static uint8_t buf[1 << 20], text[1 << 19];
    /* a big CSV read from a 4 KiB sample: the count is an estimate within 5% */
    size_t n = (size_t)snprintf((char *)text, sizeof text, "id,v\n");
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf((char *)text + n, sizeof text - n, "%d,%d.5\n", 100000 + i, i % 10);
    ctype_schema_t *s = file(text, n, 4096, err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert(s->header);
    ck_assert_msg(s->records > 19000 && s->records < 21000, "estimate %lld", s->records);
    ck_assert_str_eq(s->compression, "");
    ctype_schema_free(s);
    /* the same, gzip-compressed, read whole */
    size_t z = gz((char *)text, n, buf, sizeof buf);
    s = file(buf, z, 0, err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_str_eq(s->compression, "gzip");
    ck_assert_int_eq(s->records, 20000);
    cols(s, "id:bigint,v:double");
    ctype_schema_free(s);
    /* two gzip members one after the other are one text */
    const char *a = "{\"a\": 1}\n", *b = "{\"b\": \"x\"}\n";
    size_t z1 = gz(a, strlen(a), buf, sizeof buf);
    size_t z2 = gz(b, strlen(b), buf + z1, sizeof buf - z1);
    s = file(buf, z1 + z2, 0, err);
    ck_assert_msg(s != NULL, "%s", err);
    cols(s, "a:int,b:string");
    ctype_schema_free(s);
    /* truncated and corrupt gzip */
    z = gz((char *)text, 5000, buf, sizeof buf);
    ck_assert_ptr_null(file(buf, z - 10, 0, err));
    ck_assert_msg(strstr(err, "truncated") != NULL, "%s", err);
    buf[20] ^= 0xff;
    buf[21] ^= 0xff;
    ck_assert_ptr_null(file(buf, z, 0, err));
    ck_assert_msg(strstr(err, "corrupt") || strstr(err, "truncated") || strstr(err, "UTF-8") || strstr(err, "CSV"),
                  "%s", err);
    /* empty; a Parquet magic with no footer */
    ck_assert_ptr_null(file((const uint8_t *)"", 0, 0, err));
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    ck_assert_ptr_null(file((const uint8_t *)"PAR1xxxxxxxxxxxxxxxx", 20, 0, err));
    ck_assert_msg(strstr(err, "truncated footer") != NULL, "%s", err);
    ck_assert_ptr_null(file((const uint8_t *)"PAR1", 4, 0, err));
    ck_assert_msg(strstr(err, "too short") != NULL, "%s", err);
}
END_TEST

START_TEST(test_ctype)
{
    static const struct {
        const char *text;
        ctype_kind_t kind;
    } v[] = {
        {"", CT_NULL},          {"0", CT_BIGINT},          {"-12", CT_BIGINT},      {"+7", CT_BIGINT},
        {"1.5", CT_DOUBLE},     {".5", CT_DOUBLE},         {"1e10", CT_DOUBLE},     {"-1.5E-3", CT_DOUBLE},
        {"1e", CT_STRING},      {"-", CT_STRING},          {".", CT_STRING},        {"TRUE", CT_BOOLEAN},
        {"false", CT_BOOLEAN},  {"yes", CT_STRING},        {" 1", CT_STRING},       {"0x10", CT_STRING},
        {"2024-01-02 03:04:05", CT_TIMESTAMP},             {"2024-01-02T03:04:05.123Z", CT_TIMESTAMP},
        {"2024-01-02", CT_STRING},                         {"2024-01-02 03:04", CT_STRING},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(ctype_of_text(v[i].text, strlen(v[i].text)) == v[i].kind, "'%s'", v[i].text);
    /* the numeric ladder and its exits */
    static const struct {
        ctype_kind_t a, b, want;
    } w[] = {
        {CT_INT, CT_BIGINT, CT_BIGINT},     {CT_BIGINT, CT_DOUBLE, CT_DOUBLE}, {CT_TINYINT, CT_SMALLINT, CT_SMALLINT},
        {CT_INT, CT_FLOAT, CT_DOUBLE},      {CT_FLOAT, CT_FLOAT, CT_FLOAT},    {CT_NULL, CT_BOOLEAN, CT_BOOLEAN},
        {CT_BOOLEAN, CT_BIGINT, CT_STRING}, {CT_TIMESTAMP, CT_STRING, CT_STRING}, {CT_DATE, CT_TIMESTAMP, CT_STRING},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        ctype_t *a = ctype_new(w[i].a), *b = ctype_new(w[i].b);
        ctype_t *r1 = ctype_widen(a, b), *r2 = ctype_widen(b, a);
        ck_assert_int_eq(r1->kind, w[i].want);
        ck_assert_int_eq(r2->kind, w[i].want);
        ctype_free(a);
        ctype_free(b);
        ctype_free(r1);
        ctype_free(r2);
    }
    /* a struct meeting a scalar is a string; arrays widen their elements */
    ctype_t *st = ctype_new(CT_STRUCT);
    ctype_struct_add(st, "x", ctype_new(CT_INT));
    ctype_t *sc = ctype_new(CT_BIGINT);
    ctype_t *r = ctype_widen(st, sc);
    ck_assert_int_eq(r->kind, CT_STRING);
    ctype_free(r);
    ctype_t *a1 = ctype_new_array(ctype_new(CT_INT)), *a2 = ctype_new_array(ctype_new(CT_DOUBLE));
    r = ctype_widen(a1, a2);
    char *t = ctype_text(r);
    ck_assert_str_eq(t, "array<double>");
    free(t);
    ctype_free(r);
    ctype_free(a1);
    ctype_free(a2);
    ctype_free(st);
    ctype_free(sc);
    /* schemas: similarity and format */
    ctype_schema_t *x = ok("a,b,c\n1,2,3\n"), *y = ok("a,b,c,d\n1,2,3,4\n");
    ck_assert(ctype_schema_similarity(x, y) > 0.7);
    ck_assert(!ctype_schema_equal(x, y));
    ck_assert(ctype_schema_same_format(x, y));
    ctype_schema_t *m = ctype_schema_copy(x);
    ck_assert(ctype_schema_equal(m, x));
    ck_assert_int_eq(ctype_schema_merge(m, y), 0);
    cols(m, "a:bigint,b:bigint,c:bigint,d:bigint");
    ctype_schema_free(m);
    ctype_schema_free(x);
    ctype_schema_free(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_csv_delimiters);
    tcase_add_test(tc, test_csv_header_and_types);
    tcase_add_test(tc, test_csv_quotes);
    tcase_add_test(tc, test_csv_bad);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_json_bad);
    tcase_add_test(tc, test_cut_sample);
    tcase_add_test(tc, test_files_and_gzip);
    tcase_add_test(tc, test_ctype);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
