/* Unit tests for src/model/validate: the Glue string patterns and lengths (in code points), and the member
 * readers (absent/required/null, wrong JSON types, bounds, maps and lists) with the messages they give. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"

/* UTF-8 spellings used below */
#define U_E_ACUTE "\xc3\xa9"        /* U+00E9, 2 bytes */
#define U_D7FF "\xed\x9f\xbf"       /* last code point before the surrogates */
#define U_SURROGATE "\xed\xa0\x80"  /* U+D800 spelled as a 3-byte sequence (CESU) */
#define U_E000 "\xee\x80\x80"       /* first private-use code point */
#define U_FFFD "\xef\xbf\xbd"       /* replacement character */
#define U_FFFE "\xef\xbf\xbe"       /* noncharacter */
#define U_FFFF "\xef\xbf\xbf"       /* noncharacter */
#define U_10000 "\xf0\x90\x80\x80"  /* first supplementary code point */
#define U_10FFFF "\xf4\x8f\xbf\xbf" /* last code point */
#define U_EMOJI "\xf0\x9f\x98\x80"  /* U+1F600, 4 bytes */

/* A heap string of n copies of unit. */
static char *rep(const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * n] = '\0';
    return s;
}

static int check_rule(const char *s, const val_str_t *rule)
{
    gerr_t e = {0};
    int r = val_check(s, strlen(s), rule, "Name", &e);
    if (r < 0) {
        ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
        ck_assert_int_eq(e.status, 400);
        ck_assert_ptr_nonnull(strstr(e.msg, "Name"));
    }
    return r;
}

/* Checks one rule against n repetitions of unit. */
static int check_rep(const char *unit, size_t n, const val_str_t *rule)
{
    char *s = rep(unit, n);
    int r = check_rule(s, rule);
    free(s);
    return r;
}

static json_t *load_flags(const char *text, size_t flags)
{
    json_error_t je;
    json_t *j = json_loads(text, flags, &je);
    ck_assert_msg(j != NULL, "bad test JSON %s: %s", text, je.text);
    return j;
}

static json_t *load(const char *text)
{
    return load_flags(text, 0);
}

#define ck_assert_msg_has(e, needle)                                                                                   \
    ck_assert_msg(strstr((e).msg, (needle)) != NULL, "message '%s' lacks '%s'", (e).msg, (needle))

/* ---- patterns ---- */

START_TEST(test_single_line_controls)
{
    const val_str_t sl = {0, 0, VAL_SINGLE_LINE};
    ck_assert_int_eq(check_rule("plain name", &sl), 0);
    ck_assert_int_eq(check_rule(" ", &sl), 0);    /* U+0020, the first allowed */
    ck_assert_int_eq(check_rule("a\tb", &sl), 0); /* TAB is allowed */
    ck_assert_int_eq(check_rule("a\x7f"
                                "b",
                                &sl),
                     0); /* DEL is inside \u0020-\uD7FF */
    ck_assert_int_eq(check_rule("a\nb", &sl), -1);
    ck_assert_int_eq(check_rule("a\rb", &sl), -1);
    ck_assert_int_eq(check_rule("\x01", &sl), -1);
    ck_assert_int_eq(check_rule("\x1f", &sl), -1);
    ck_assert_int_eq(check_rule("\x0b", &sl), -1);
    ck_assert_int_eq(check_rule("\x1b[31m", &sl), -1);
    /* an embedded NUL inside the given length is a control character too */
    gerr_t e = {0};
    ck_assert_int_eq(val_check("a\0b", 3, &sl, "Name", &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
}
END_TEST

START_TEST(test_single_line_message_names_character)
{
    gerr_t e = {0};
    ck_assert_int_eq(val_check("ab\ncd", 5, &VAL_NAME, "Workflow name", &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_int_eq(e.status, 400);
    ck_assert_msg_has(e, "Workflow name");
    ck_assert_msg_has(e, "U+000A");
    ck_assert_msg_has(e, "character 3");
    /* the position is in characters, not bytes */
    ck_assert_int_eq(val_check(U_E_ACUTE U_E_ACUTE "\x01", 5, &VAL_NAME, "Name", &e), -1);
    ck_assert_msg_has(e, "U+0001");
    ck_assert_msg_has(e, "character 3");
}
END_TEST

START_TEST(test_single_line_unicode_ranges)
{
    const val_str_t sl = {0, 0, VAL_SINGLE_LINE};
    ck_assert_int_eq(check_rule(U_E_ACUTE, &sl), 0);
    ck_assert_int_eq(check_rule(U_D7FF, &sl), 0);
    ck_assert_int_eq(check_rule(U_E000, &sl), 0);
    ck_assert_int_eq(check_rule(U_FFFD, &sl), 0);
    ck_assert_int_eq(check_rule(U_10000, &sl), 0);
    ck_assert_int_eq(check_rule(U_10FFFF, &sl), 0);
    ck_assert_int_eq(check_rule(U_EMOJI, &sl), 0);
    ck_assert_int_eq(check_rule("x" U_FFFE, &sl), -1);
    ck_assert_int_eq(check_rule(U_FFFF "x", &sl), -1);
    ck_assert_int_eq(check_rule(U_SURROGATE, &sl), -1);
    gerr_t e = {0};
    ck_assert_int_eq(val_check(U_FFFE, 3, &sl, "Name", &e), -1);
    ck_assert_msg_has(e, "U+FFFE");
    ck_assert_int_eq(val_check(U_FFFF, 3, &sl, "Name", &e), -1);
    ck_assert_msg_has(e, "U+FFFF");
}
END_TEST

START_TEST(test_supplementary_is_one_character)
{
    const val_str_t one = {1, 1, VAL_SINGLE_LINE};
    ck_assert_int_eq(check_rule(U_10000, &one), 0);
    ck_assert_int_eq(check_rule(U_10FFFF, &one), 0);
    ck_assert_int_eq(check_rule(U_EMOJI, &one), 0);
    ck_assert_int_eq(check_rule(U_E_ACUTE, &one), 0);
    ck_assert_int_eq(check_rule(U_EMOJI U_EMOJI, &one), -1);
    ck_assert_uint_eq(val_utf8_len(U_10000, 4), 1);
    ck_assert_uint_eq(val_utf8_len(U_10FFFF, 4), 1);
    ck_assert_uint_eq(val_utf8_len("a" U_E_ACUTE U_FFFD U_EMOJI, 10), 4);
    ck_assert_uint_eq(val_utf8_len("", 0), 0);
}
END_TEST

START_TEST(test_length_in_code_points)
{
    ck_assert_int_eq(check_rep(U_E_ACUTE, 255, &VAL_NAME), 0); /* 510 bytes, 255 characters */
    ck_assert_int_eq(check_rep(U_E_ACUTE, 256, &VAL_NAME), -1);
    ck_assert_int_eq(check_rep(U_EMOJI, 255, &VAL_NAME), 0); /* 1020 bytes, 255 characters */
    ck_assert_int_eq(check_rep(U_EMOJI, 256, &VAL_NAME), -1);
    ck_assert_int_eq(check_rep("a", 255, &VAL_NAME), 0);
    ck_assert_int_eq(check_rep("a", 256, &VAL_NAME), -1);
    ck_assert_int_eq(check_rep(U_10FFFF, 255, &VAL_ID), 0);
    char *s = rep(U_E_ACUTE, 256);
    gerr_t e = {0};
    ck_assert_int_eq(val_check(s, strlen(s), &VAL_NAME, "Workflow name", &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Workflow name");
    ck_assert_msg_has(e, "255");
    ck_assert_msg_has(e, "got 256");
    free(s);
}
END_TEST

START_TEST(test_min_length)
{
    gerr_t e = {0};
    ck_assert_int_eq(val_check("", 0, &VAL_NAME, "Name", &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Name");
    ck_assert_msg_has(e, "got 0");
    ck_assert_int_eq(check_rule("", &VAL_ID), -1);
    ck_assert_int_eq(check_rule("", &VAL_TAG_KEY), -1);
    ck_assert_int_eq(check_rule("x", &VAL_NAME), 0);
    /* min 0 allows the empty string */
    ck_assert_int_eq(check_rule("", &VAL_DESCRIPTION), 0);
    ck_assert_int_eq(check_rule("", &VAL_TAG_VALUE), 0);
    ck_assert_int_eq(check_rule("", &VAL_GENERIC), 0);
    /* a min with no max */
    const val_str_t atleast = {3, 0, VAL_ANY};
    ck_assert_int_eq(val_check("ab", 2, &atleast, "Thing", &e), -1);
    ck_assert_msg_has(e, "at least 3");
    ck_assert_int_eq(check_rep("x", 100000, &atleast), 0);
}
END_TEST

START_TEST(test_multi_line)
{
    ck_assert_int_eq(check_rule("line 1\r\nline 2\n", &VAL_DESCRIPTION), 0);
    ck_assert_int_eq(check_rule("\t" U_EMOJI "\x7f", &VAL_DESCRIPTION), 0);
    ck_assert_int_eq(check_rule("a\x01", &VAL_DESCRIPTION), -1);
    ck_assert_int_eq(check_rule("a\x0b", &VAL_DESCRIPTION), -1);
    ck_assert_int_eq(check_rule("a\x0c", &VAL_DESCRIPTION), -1);
    ck_assert_int_eq(check_rule(U_FFFF, &VAL_DESCRIPTION), -1);
    ck_assert_int_eq(check_rule(U_FFFE, &VAL_DESCRIPTION), -1);
    ck_assert_int_eq(check_rep("\n", 2048, &VAL_DESCRIPTION), 0);
    ck_assert_int_eq(check_rep(U_E_ACUTE, 2048, &VAL_DESCRIPTION), 0);
    ck_assert_int_eq(check_rep(U_E_ACUTE, 2049, &VAL_DESCRIPTION), -1);
}
END_TEST

/* The model's other character classes: EnclosedInStringProperty, SqlQuery (\\s added), DQDLString, Java's .* */
START_TEST(test_enclosed_space_ascii_line)
{
    const val_str_t enc = {0, 0, VAL_ENCLOSED}, sql = {0, 0, VAL_SPACE_TEXT}, dq = {0, 0, VAL_ASCII_TEXT},
                    line = {0, 0, VAL_LINE};
    ck_assert_int_eq(check_rule("a\tb\x0b\x0c" U_E_ACUTE U_EMOJI, &enc), 0);
    ck_assert_int_eq(check_rule("a\nb", &enc), -1);
    ck_assert_int_eq(check_rule("a\rb", &enc), -1);
    ck_assert_int_eq(check_rule("\x01", &enc), -1);
    ck_assert_int_eq(check_rule(U_FFFF, &enc), -1);
    ck_assert_int_eq(check_rule("select\r\n\t\x0b\x0c" U_E_ACUTE, &sql), 0);
    ck_assert_int_eq(check_rule("\x07", &sql), -1);
    ck_assert_int_eq(check_rule(U_FFFE, &sql), -1);
    ck_assert_int_eq(check_rule("Rules = [\r\n\tRowCount > 0 ]~\x0b\x0c", &dq), 0);
    ck_assert_int_eq(check_rule(U_E_ACUTE, &dq), -1);
    ck_assert_int_eq(check_rule("\x7f", &dq), -1);
    ck_assert_int_eq(check_rule("\x01\t" U_FFFF U_E_ACUTE, &line), 0); /* Java's dot takes all but line ends */
    ck_assert_int_eq(check_rule("a\n", &line), -1);
    ck_assert_int_eq(check_rule("a\r", &line), -1);
    ck_assert_int_eq(check_rule("\xc2\x85", &line), -1);     /* U+0085 */
    ck_assert_int_eq(check_rule("\xe2\x80\xa8", &line), -1); /* U+2028 */
    ck_assert_int_eq(check_rule("\xe2\x80\xa9", &line), -1); /* U+2029 */
    gerr_t e = {0};
    ck_assert_int_eq(val_check("ab\x07", 3, &sql, "SparkSQL.SqlQuery", &e), -1);
    ck_assert_msg_has(e, "SparkSQL.SqlQuery");
    ck_assert_msg_has(e, "U+0007");
}
END_TEST

START_TEST(test_alnum_dash)
{
    const val_str_t ad = {1, 10, VAL_ALNUM_DASH};
    ck_assert_int_eq(check_rule("Az09_-", &ad), 0);
    ck_assert_int_eq(check_rule("a b", &ad), -1);
    ck_assert_int_eq(check_rule("a.b", &ad), -1);
    ck_assert_int_eq(check_rule("a/b", &ad), -1);
    ck_assert_int_eq(check_rule("a\tb", &ad), -1);
    ck_assert_int_eq(check_rule(U_E_ACUTE, &ad), -1);
    ck_assert_int_eq(check_rule("", &ad), -1);
    ck_assert_int_eq(check_rule("abcdefghij", &ad), 0);
    ck_assert_int_eq(check_rule("abcdefghijk", &ad), -1);
    gerr_t e = {0};
    ck_assert_int_eq(val_check("ab!", 3, &ad, "Id", &e), -1);
    ck_assert_msg_has(e, "U+0021");
}
END_TEST

START_TEST(test_any_and_bounds)
{
    ck_assert_int_eq(check_rule("\x01\n\r" U_FFFF, &VAL_GENERIC), 0);
    ck_assert_int_eq(check_rep("x", 120000, &VAL_WF_DESC), 0);
    ck_assert_int_eq(check_rep("x", 120001, &VAL_WF_DESC), -1);
    ck_assert_int_eq(check_rep("k", 128, &VAL_TAG_KEY), 0);
    ck_assert_int_eq(check_rep("k", 129, &VAL_TAG_KEY), -1);
    ck_assert_int_eq(check_rep("v", 256, &VAL_TAG_VALUE), 0);
    ck_assert_int_eq(check_rep("v", 257, &VAL_TAG_VALUE), -1);
    ck_assert_int_eq(check_rep("a", 10240, &VAL_ARN), 0);
    ck_assert_int_eq(check_rep("a", 10241, &VAL_ARN), -1);
    ck_assert_int_eq(check_rule("arn:aws:glue:us-east-1:1:workflow/a\nb", &VAL_ARN), -1);
}
END_TEST

/* Strings arriving as JSON escapes go through jansson's UTF-8 and reach the same rules. (The server parses
 * without JSON_ALLOW_NUL; "\u0000" is loaded with it here so that a NUL that did arrive is still refused.) */
START_TEST(test_patterns_through_json)
{
    gerr_t e = {0};
    const char *out = NULL;
    const val_str_t one = {1, 1, VAL_SINGLE_LINE};
    json_t *j = load_flags("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\ufffe\",\"c\":\"\\ufffd\",\"d\":\"x\\u0000y\","
                           "\"e\":\"\\u007f\",\"f\":\"\\udbff\\udfff\"}",
                           JSON_ALLOW_NUL);
    ck_assert_int_eq(val_str(j, "a", &one, true, &out, &e), 1); /* surrogate pair = one character */
    ck_assert_int_eq(val_str(j, "b", &one, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_int_eq(val_str(j, "c", &one, true, &out, &e), 1);
    ck_assert_int_eq(val_str(j, "d", &VAL_NAME, true, &out, &e), -1); /* \u0000 is a control character */
    ck_assert_msg_has(e, "U+0000");
    ck_assert_int_eq(val_str(j, "e", &one, true, &out, &e), 1);
    ck_assert_int_eq(val_str(j, "f", &one, true, &out, &e), 1); /* U+10FFFF */
    json_decref(j);
}
END_TEST

/* ---- readers ---- */

START_TEST(test_str_reader)
{
    gerr_t e = {0};
    const char *out = "untouched";
    json_t *j = load("{\"Name\":\"wf\",\"Null\":null,\"Num\":5,\"List\":[\"a\"],\"Obj\":{},\"Bool\":true,"
                     "\"Real\":1.5,\"Empty\":\"\"}");
    ck_assert_int_eq(val_str(j, "Name", &VAL_NAME, true, &out, &e), 1);
    ck_assert_ptr_eq(out, json_string_value(json_object_get(j, "Name"))); /* borrowed */
    ck_assert_str_eq(out, "wf");

    out = "untouched";
    ck_assert_int_eq(val_str(j, "Missing", &VAL_NAME, false, &out, &e), 0);
    ck_assert_str_eq(out, "untouched");
    ck_assert_int_eq(val_str(j, "Null", &VAL_NAME, false, &out, &e), 0); /* null = absent */
    ck_assert_str_eq(out, "untouched");
    ck_assert_int_eq(val_str(NULL, "Name", &VAL_NAME, false, &out, &e), 0);

    ck_assert_int_eq(val_str(j, "Missing", &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_int_eq(e.status, 400);
    ck_assert_msg_has(e, "Missing");
    ck_assert_msg_has(e, "required");
    ck_assert_int_eq(val_str(j, "Null", &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Null");

    static const char *const wrong[] = {"Num", "List", "Obj", "Bool", "Real"};
    static const char *const names[] = {"an integer", "a list", "an object", "a boolean", "a number"};
    for (size_t i = 0; i < 5; i++) {
        memset(&e, 0, sizeof e);
        ck_assert_int_eq(val_str(j, wrong[i], &VAL_NAME, true, &out, &e), -1);
        ck_assert_str_eq(e.type, GERR_SERIALIZATION);
        ck_assert_int_eq(e.status, 400);
        ck_assert_msg_has(e, wrong[i]);
        ck_assert_msg_has(e, names[i]);
    }
    /* present but breaking the rule */
    ck_assert_int_eq(val_str(j, "Empty", &VAL_NAME, false, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Empty");
    json_decref(j);
}
END_TEST

START_TEST(test_int_reader)
{
    gerr_t e = {0};
    int64_t out = -7;
    json_t *j = json_pack("{s:i, s:i, s:i, s:I, s:I, s:n, s:f, s:s, s:b}", "One", 1, "Max", 1000, "Zero", 0, "Big",
                          (json_int_t)INT64_MAX, "Neg", (json_int_t)-5, "Null", "Real", 2.0, "Str", "5", "Bool", 1);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(val_int(j, "One", 1, 1000, true, &out, &e), 1);
    ck_assert_int_eq(out, 1);
    ck_assert_int_eq(val_int(j, "Max", 1, 1000, true, &out, &e), 1);
    ck_assert_int_eq(out, 1000);
    ck_assert_int_eq(val_int(j, "Big", INT64_MIN, INT64_MAX, true, &out, &e), 1);
    ck_assert_int_eq(out, INT64_MAX);

    out = -7;
    ck_assert_int_eq(val_int(j, "Absent", 1, 1000, false, &out, &e), 0);
    ck_assert_int_eq(val_int(j, "Null", 1, 1000, false, &out, &e), 0);
    ck_assert_int_eq(out, -7);
    ck_assert_int_eq(val_int(j, "Absent", 1, 1000, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Absent");
    ck_assert_int_eq(val_int(j, "Null", 1, 1000, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);

    ck_assert_int_eq(val_int(j, "Zero", 1, 1000, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Zero");
    ck_assert_msg_has(e, "got 0");
    ck_assert_int_eq(val_int(j, "Max", 1, 999, true, &out, &e), -1);
    ck_assert_msg_has(e, "got 1000");
    ck_assert_msg_has(e, "999");
    ck_assert_int_eq(val_int(j, "Big", 1, 1000, true, &out, &e), -1);
    ck_assert_msg_has(e, "got 9223372036854775807");
    ck_assert_int_eq(val_int(j, "Neg", 0, 10, true, &out, &e), -1);
    ck_assert_msg_has(e, "got -5");
    ck_assert_int_eq(out, -7); /* untouched on error */

    static const char *const wrong[] = {"Real", "Str", "Bool"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(val_int(j, wrong[i], 0, 10, true, &out, &e), -1);
        ck_assert_str_eq(e.type, GERR_SERIALIZATION);
        ck_assert_msg_has(e, wrong[i]);
    }
    json_decref(j);
}
END_TEST

START_TEST(test_int_reader_from_text)
{
    /* integers beyond int64 are rejected by the parser; the largest one reaches the bound check */
    gerr_t e = {0};
    int64_t out = 0;
    json_t *j = load("{\"MaxResults\":-9223372036854775808}");
    ck_assert_int_eq(val_int(j, "MaxResults", 1, 1000, false, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "MaxResults");
    ck_assert_msg_has(e, "got -9223372036854775808");
    json_decref(j);
}
END_TEST

START_TEST(test_bool_reader)
{
    gerr_t e = {0};
    bool out = false;
    json_t *j = load("{\"T\":true,\"F\":false,\"N\":null,\"S\":\"true\",\"I\":1}");
    ck_assert_int_eq(val_bool(j, "T", &out, &e), 1);
    ck_assert(out);
    ck_assert_int_eq(val_bool(j, "F", &out, &e), 1);
    ck_assert(!out);
    out = true;
    ck_assert_int_eq(val_bool(j, "N", &out, &e), 0);
    ck_assert_int_eq(val_bool(j, "Absent", &out, &e), 0);
    ck_assert(out);
    ck_assert_int_eq(val_bool(j, "S", &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    ck_assert_msg_has(e, "S must be a boolean");
    ck_assert_int_eq(val_bool(j, "I", &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    json_decref(j);
}
END_TEST

START_TEST(test_enum_reader)
{
    static const char *const states[] = {"RUNNING", "COMPLETED", "STOPPED", NULL};
    gerr_t e = {0};
    const char *out = NULL;
    json_t *j = load("{\"S\":\"COMPLETED\",\"Low\":\"running\",\"Bad\":\"PAUSED\",\"Num\":1,\"Null\":null}");
    ck_assert_int_eq(val_enum(j, "S", states, true, &out, &e), 1);
    ck_assert_ptr_eq(out, states[1]);                                 /* points into the allowed table */
    ck_assert_int_eq(val_enum(j, "Low", states, true, &out, &e), -1); /* case matters */
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_int_eq(val_enum(j, "Bad", states, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Bad");
    ck_assert_msg_has(e, "RUNNING, COMPLETED, STOPPED");
    ck_assert_msg_has(e, "PAUSED");
    ck_assert_int_eq(val_enum(j, "Num", states, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    out = NULL;
    ck_assert_int_eq(val_enum(j, "Null", states, false, &out, &e), 0);
    ck_assert_int_eq(val_enum(j, "Absent", states, false, &out, &e), 0);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(val_enum(j, "Absent", states, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Absent");
    json_decref(j);
}
END_TEST

START_TEST(test_obj_reader)
{
    gerr_t e = {0};
    json_t *out = NULL;
    json_t *j = load("{\"O\":{\"a\":1},\"L\":[],\"S\":\"x\",\"N\":null}");
    ck_assert_int_eq(val_obj(j, "O", true, &out, &e), 1);
    ck_assert_ptr_eq(out, json_object_get(j, "O"));
    out = NULL;
    ck_assert_int_eq(val_obj(j, "N", false, &out, &e), 0);
    ck_assert_int_eq(val_obj(j, "Absent", false, &out, &e), 0);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(val_obj(j, "N", true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "N is required");
    ck_assert_int_eq(val_obj(j, "L", true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    ck_assert_msg_has(e, "a list");
    ck_assert_int_eq(val_obj(j, "S", true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    json_decref(j);
}
END_TEST

START_TEST(test_map_reader)
{
    gerr_t e = {0};
    json_t *out = NULL;
    json_t *j = json_pack("{s:{s:s, s:s}, s:{}, s:n, s:[], s:{s:i}, s:{s:s}, s:{s:s}, s:{s:s}}", "Tags", "team", "data",
                          "env", "", "EmptyMap", "NullMap", "ListMap", "IntVal", "k", 5, "EmptyKey", "", "v", "CtlKey",
                          "a\nb", "v", "EmojiKey", U_EMOJI, "v");
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(val_map(j, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), 1);
    ck_assert_ptr_eq(out, json_object_get(j, "Tags"));
    ck_assert_int_eq(val_map(j, "EmptyMap", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), 1);
    out = NULL;
    ck_assert_int_eq(val_map(j, "NullMap", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &out, &e), 0);
    ck_assert_int_eq(val_map(j, "Absent", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, false, &out, &e), 0);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(val_map(j, "Absent", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Absent");

    ck_assert_int_eq(val_map(j, "ListMap", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    ck_assert_msg_has(e, "ListMap");
    ck_assert_int_eq(val_map(j, "IntVal", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    ck_assert_msg_has(e, "IntVal");
    ck_assert_msg_has(e, "'k'");

    ck_assert_int_eq(val_map(j, "EmptyKey", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "EmptyKey");
    ck_assert_int_eq(val_map(j, "CtlKey", &VAL_ID, &VAL_GENERIC, 0, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "CtlKey key 'a");
    ck_assert_msg_has(e, "U+000A");
    const val_str_t one = {1, 1, VAL_SINGLE_LINE};
    ck_assert_int_eq(val_map(j, "EmojiKey", &one, &one, 0, true, &out, &e), 1); /* key length in code points */
    json_decref(j);
}
END_TEST

START_TEST(test_map_key_and_value_bounds)
{
    gerr_t e = {0};
    json_t *out = NULL;
    char *k128 = rep("k", 128), *k129 = rep("k", 129), *v256 = rep(U_E_ACUTE, 256), *v257 = rep(U_E_ACUTE, 257);
    json_t *ok = json_pack("{s:{s:s}}", "Tags", k128, v256);
    json_t *longkey = json_pack("{s:{s:s}}", "Tags", k129, "v");
    json_t *longval = json_pack("{s:{s:s}}", "Tags", "owner", v257);
    ck_assert_int_eq(val_map(ok, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), 1);
    ck_assert_int_eq(val_map(longkey, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Tags key 'kkkk"); /* names the key (shortened) */
    ck_assert_msg_has(e, "got 129");
    ck_assert_int_eq(val_map(longval, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "'owner'");
    ck_assert_msg_has(e, "got 257");
    json_decref(ok);
    json_decref(longkey);
    json_decref(longval);
    free(k128);
    free(k129);
    free(v256);
    free(v257);
}
END_TEST

START_TEST(test_map_entry_bounds)
{
    gerr_t e = {0};
    json_t *out = NULL;
    json_t *j = json_object(), *m = json_object();
    json_object_set_new(j, "Tags", m);
    char k[16];
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(m, k, json_string("v"));
    }
    ck_assert_int_eq(val_map(j, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), 1);
    json_object_set_new(m, "k50", json_string("v"));
    ck_assert_int_eq(val_map(j, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 50, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Tags");
    ck_assert_msg_has(e, "50");
    ck_assert_msg_has(e, "got 51");
    /* max_entries 0: unbounded */
    for (int i = 51; i < 2000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(m, k, json_string("v"));
    }
    ck_assert_int_eq(val_map(j, "Tags", &VAL_TAG_KEY, &VAL_TAG_VALUE, 0, true, &out, &e), 1);
    json_decref(j);
}
END_TEST

START_TEST(test_str_list_reader)
{
    gerr_t e = {0};
    json_t *out = NULL;
    json_t *j = load("{\"Empty\":[],\"Three\":[\"a\",\"b\",\"c\"],\"Four\":[\"a\",\"b\",\"c\",\"d\"],"
                     "\"Mixed\":[\"a\",7],\"BadItem\":[\"a\",\"b\",\"\"],\"Obj\":{},\"Null\":null}");
    ck_assert_int_eq(val_str_list(j, "Three", 1, 3, &VAL_NAME, true, &out, &e), 1);
    ck_assert_ptr_eq(out, json_object_get(j, "Three"));
    ck_assert_int_eq(val_str_list(j, "Empty", 0, 3, &VAL_NAME, true, &out, &e), 1);
    ck_assert_int_eq(val_str_list(j, "Empty", 1, 3, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Empty");
    ck_assert_msg_has(e, "got 0");
    ck_assert_int_eq(val_str_list(j, "Four", 1, 3, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Four");
    ck_assert_msg_has(e, "got 4");
    ck_assert_int_eq(val_str_list(j, "Four", 1, 0, &VAL_NAME, true, &out, &e), 1); /* max 0: unbounded */
    ck_assert_int_eq(val_str_list(j, "Mixed", 0, 10, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    ck_assert_msg_has(e, "Mixed[1]");
    ck_assert_int_eq(val_str_list(j, "BadItem", 0, 10, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "BadItem[2]");
    ck_assert_int_eq(val_str_list(j, "Obj", 0, 10, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_SERIALIZATION);
    out = NULL;
    ck_assert_int_eq(val_str_list(j, "Null", 1, 10, &VAL_NAME, false, &out, &e), 0);
    ck_assert_int_eq(val_str_list(j, "Absent", 1, 10, &VAL_NAME, false, &out, &e), 0);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(val_str_list(j, "Absent", 1, 10, &VAL_NAME, true, &out, &e), -1);
    ck_assert_str_eq(e.type, GERR_INVALID_INPUT);
    ck_assert_msg_has(e, "Absent");
    json_decref(j);
}
END_TEST

START_TEST(test_type_names)
{
    json_t *j = load("{\"o\":{},\"a\":[],\"s\":\"\",\"i\":1,\"r\":1.5,\"t\":true,\"f\":false,\"n\":null}");
    ck_assert_str_eq(val_type_name(json_object_get(j, "o")), "an object");
    ck_assert_str_eq(val_type_name(json_object_get(j, "a")), "a list");
    ck_assert_str_eq(val_type_name(json_object_get(j, "s")), "a string");
    ck_assert_str_eq(val_type_name(json_object_get(j, "i")), "an integer");
    ck_assert_str_eq(val_type_name(json_object_get(j, "r")), "a number with a fraction");
    ck_assert_str_eq(val_type_name(json_object_get(j, "t")), "a boolean");
    ck_assert_str_eq(val_type_name(json_object_get(j, "f")), "a boolean");
    ck_assert_str_eq(val_type_name(json_object_get(j, "n")), "null");
    json_decref(j);
}
END_TEST

static Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *p = tcase_create("patterns");
    tcase_add_test(p, test_single_line_controls);
    tcase_add_test(p, test_single_line_message_names_character);
    tcase_add_test(p, test_single_line_unicode_ranges);
    tcase_add_test(p, test_supplementary_is_one_character);
    tcase_add_test(p, test_length_in_code_points);
    tcase_add_test(p, test_min_length);
    tcase_add_test(p, test_multi_line);
    tcase_add_test(p, test_alnum_dash);
    tcase_add_test(p, test_enclosed_space_ascii_line);
    tcase_add_test(p, test_any_and_bounds);
    tcase_add_test(p, test_patterns_through_json);
    suite_add_tcase(s, p);
    TCase *r = tcase_create("readers");
    tcase_add_test(r, test_str_reader);
    tcase_add_test(r, test_int_reader);
    tcase_add_test(r, test_int_reader_from_text);
    tcase_add_test(r, test_bool_reader);
    tcase_add_test(r, test_enum_reader);
    tcase_add_test(r, test_obj_reader);
    tcase_add_test(r, test_map_reader);
    tcase_add_test(r, test_map_key_and_value_bounds);
    tcase_add_test(r, test_map_entry_bounds);
    tcase_add_test(r, test_str_list_reader);
    tcase_add_test(r, test_type_names);
    suite_add_tcase(s, r);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(validate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
