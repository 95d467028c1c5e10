/* Validation of request members against the Glue model's constraints (see validate.h). */
#include "model/validate.h"

#include <stdio.h>
#include <string.h>

const val_str_t VAL_NAME = {1, 255, VAL_SINGLE_LINE};
const val_str_t VAL_ID = {1, 255, VAL_SINGLE_LINE};
const val_str_t VAL_GENERIC = {0, 0, VAL_ANY};
const val_str_t VAL_WF_DESC = {0, 120000, VAL_ANY};
const val_str_t VAL_DESCRIPTION = {0, 2048, VAL_MULTI_LINE};
const val_str_t VAL_TAG_KEY = {1, 128, VAL_ANY};
const val_str_t VAL_TAG_VALUE = {0, 256, VAL_ANY};
const val_str_t VAL_ARN = {1, 10240, VAL_SINGLE_LINE};

/* Decodes one code point of valid UTF-8 (jansson has already rejected invalid sequences). */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    uint32_t cp;
    int extra;
    if (c < 0x80) {
        cp = c;
        extra = 0;
    } else if ((c & 0xe0) == 0xc0) {
        cp = c & 0x1f;
        extra = 1;
    } else if ((c & 0xf0) == 0xe0) {
        cp = c & 0x0f;
        extra = 2;
    } else {
        cp = c & 0x07;
        extra = 3;
    }
    (*i)++;
    for (int k = 0; k < extra && *i < len; k++, (*i)++)
        cp = cp << 6 | (s[*i] & 0x3f);
    return cp;
}

size_t val_utf8_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

/* [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF]: the text all of Glue's string patterns share */
static bool text_cp(uint32_t cp)
{
    return cp >= 0x20 && !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0xfffe && cp != 0xffff && cp <= 0x10ffff;
}

static bool cp_allowed(uint32_t cp, enum val_pattern p)
{
    switch (p) {
    case VAL_ANY: return true;
    case VAL_ALNUM_DASH:
        return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_' ||
               cp == '-';
    case VAL_SINGLE_LINE: return cp == '\t' || text_cp(cp);
    case VAL_MULTI_LINE: return cp == '\t' || cp == '\r' || cp == '\n' || text_cp(cp);
    case VAL_ENCLOSED: return cp == '\t' || cp == '\v' || cp == '\f' || text_cp(cp);
    case VAL_SPACE_TEXT: return (cp >= '\t' && cp <= '\r') || text_cp(cp); /* \s is [ \t\n\v\f\r] */
    case VAL_ASCII_TEXT: return (cp >= '\t' && cp <= '\r') || (cp >= 0x20 && cp <= 0x7e);
    case VAL_LINE: return cp != '\n' && cp != '\r' && cp != 0x85 && cp != 0x2028 && cp != 0x2029;
    }
    return false;
}

static const char *pattern_desc(enum val_pattern p)
{
    switch (p) {
    case VAL_SINGLE_LINE: return "a single line of text (no control characters other than tab, no U+FFFE or U+FFFF)";
    case VAL_MULTI_LINE: return "text without control characters other than tab, CR and LF, U+FFFE or U+FFFF";
    case VAL_ALNUM_DASH: return "letters, digits, '_' and '-' only";
    case VAL_ENCLOSED: return "text without line breaks or control characters other than tab, VT and FF";
    case VAL_SPACE_TEXT: return "text without control characters other than tab, CR, LF, VT and FF";
    case VAL_ASCII_TEXT: return "printable ASCII, tab, CR, LF, VT or FF";
    case VAL_LINE: return "a single line (no CR, LF, U+0085, U+2028 or U+2029)";
    default: return "valid text";
    }
}

int val_check(const char *s, size_t len, const val_str_t *rule, const char *what, gerr_t *e)
{
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        size_t at = chars;
        uint32_t cp = next_cp((const unsigned char *)s, len, &i);
        chars++;
        if (!cp_allowed(cp, rule->pattern))
            return gerr_set(e, GERR_INVALID_INPUT, "%s must be %s: found U+%04X at character %zu", what,
                            pattern_desc(rule->pattern), cp, at + 1);
    }
    if (chars < rule->min || (rule->max && chars > rule->max)) {
        if (rule->max == 0)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must be at least %zu characters long (got %zu)", what, rule->min,
                            chars);
        if (rule->min == 0)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must be at most %zu characters long (got %zu)", what, rule->max,
                            chars);
        return gerr_set(e, GERR_INVALID_INPUT, "%s must be %zu to %zu characters long (got %zu)", what, rule->min,
                        rule->max, chars);
    }
    return 0;
}

const char *val_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Looks up a member; 0 absent (or null), 1 present. Errors if required and absent. */
static int member(json_t *obj, const char *field, bool required, json_t **v, gerr_t *e)
{
    *v = obj ? json_object_get(obj, field) : NULL;
    if (*v && json_is_null(*v))
        *v = NULL;
    if (!*v) {
        if (required)
            return gerr_set(e, GERR_INVALID_INPUT, "%s is required", field);
        return 0;
    }
    return 1;
}

static int wrong_type(const char *field, const char *want, const json_t *v, gerr_t *e)
{
    return gerr_set(e, GERR_SERIALIZATION, "%s must be %s, got %s", field, want, val_type_name(v));
}

int val_str(json_t *obj, const char *field, const val_str_t *rule, bool required, const char **out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, required, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_string(v))
        return wrong_type(field, "a string", v, e);
    if (val_check(json_string_value(v), json_string_length(v), rule, field, e) < 0)
        return -1;
    *out = json_string_value(v);
    return 1;
}

int val_int(json_t *obj, const char *field, int64_t min, int64_t max, bool required, int64_t *out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, required, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_integer(v))
        return wrong_type(field, "an integer", v, e);
    int64_t x = json_integer_value(v);
    if (x < min || x > max)
        return gerr_set(e, GERR_INVALID_INPUT, "%s must be between %lld and %lld (got %lld)", field, (long long)min,
                        (long long)max, (long long)x);
    *out = x;
    return 1;
}

int val_bool(json_t *obj, const char *field, bool *out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, false, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_boolean(v))
        return wrong_type(field, "a boolean", v, e);
    *out = json_is_true(v);
    return 1;
}

int val_enum(json_t *obj, const char *field, const char *const *allowed, bool required, const char **out, gerr_t *e)
{
    const char *s;
    int r = val_str(obj, field, &VAL_GENERIC, required, &s, e);
    if (r <= 0)
        return r;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(s, allowed[i]) == 0) {
            *out = allowed[i];
            return 1;
        }
    char list[512] = "";
    for (size_t i = 0; allowed[i]; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, allowed[i], sizeof list - strlen(list) - 1);
    }
    return gerr_set(e, GERR_INVALID_INPUT, "%s must be one of %s (got '%.100s')", field, list, s);
}

int val_obj(json_t *obj, const char *field, bool required, json_t **out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, required, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_object(v))
        return wrong_type(field, "an object", v, e);
    *out = v;
    return 1;
}

int val_map(json_t *obj, const char *field, const val_str_t *key, const val_str_t *value, size_t max_entries,
            bool required, json_t **out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, required, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_object(v))
        return wrong_type(field, "a map of strings", v, e);
    if (max_entries && json_object_size(v) > max_entries)
        return gerr_set(e, GERR_INVALID_INPUT, "%s may hold at most %zu entries (got %zu)", field, max_entries,
                        json_object_size(v));
    const char *k;
    json_t *val;
    char what[160];
    json_object_foreach (v, k, val) {
        snprintf(what, sizeof what, "%s key '%.60s%s'", field, k, strlen(k) > 60 ? "..." : "");
        if (val_check(k, strlen(k), key, what, e) < 0)
            return -1;
        snprintf(what, sizeof what, "%s value for '%.60s%s'", field, k, strlen(k) > 60 ? "..." : "");
        if (!json_is_string(val))
            return wrong_type(what, "a string", val, e);
        if (val_check(json_string_value(val), json_string_length(val), value, what, e) < 0)
            return -1;
    }
    *out = v;
    return 1;
}

int val_str_list(json_t *obj, const char *field, size_t min, size_t max, const val_str_t *item, bool required,
                 json_t **out, gerr_t *e)
{
    json_t *v;
    int r = member(obj, field, required, &v, e);
    if (r <= 0)
        return r;
    if (!json_is_array(v))
        return wrong_type(field, "a list of strings", v, e);
    size_t n = json_array_size(v);
    if (n < min || (max && n > max)) {
        if (!max)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must hold at least %zu items (got %zu)", field, min, n);
        return gerr_set(e, GERR_INVALID_INPUT, "%s must hold %zu to %zu items (got %zu)", field, min, max, n);
    }
    size_t i;
    json_t *it;
    char what[96];
    json_array_foreach (v, i, it) {
        snprintf(what, sizeof what, "%s[%zu]", field, i);
        if (!json_is_string(it))
            return wrong_type(what, "a string", it, e);
        if (val_check(json_string_value(it), json_string_length(it), item, what, e) < 0)
            return -1;
    }
    *out = v;
    return 1;
}

int val_no_reserved_args(json_t *args, const char *what, gerr_t *e)
{
    static const char *const reserved[] = {"--JOB_NAME",        "--JOB_RUN_ID",    "--WORKFLOW_NAME",
                                           "--WORKFLOW_RUN_ID", "JOB_NAME",        "JOB_RUN_ID",
                                           "WORKFLOW_NAME",     "WORKFLOW_RUN_ID", NULL};
    for (size_t i = 0; args && reserved[i]; i++)
        if (json_object_get(args, reserved[i]))
            return gerr_set(e, GERR_INVALID_INPUT,
                            "%s may not set '%s': glued passes --JOB_NAME, --JOB_RUN_ID, --WORKFLOW_NAME and "
                            "--WORKFLOW_RUN_ID to every job itself",
                            what, reserved[i]);
    return 0;
}
