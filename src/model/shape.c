/* The generic shape walker (see shape.h). */
#include "model/shape.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "model/validate.h"

/* [/.\-_A-Za-z0-9]+, optionally after arn:aws...:events:<region>:<12 digits>:event-bus/ */
static bool bus_name_ok(const char *s, size_t n)
{
    if (n > 4 && strncmp(s, "arn:", 4) == 0) {
        const char *end = s + n, *p = s;
        int colons = 0;
        const char *acct = NULL;
        for (; p < end && colons < 5; p++)
            if (*p == ':' && ++colons == 4)
                acct = p + 1;
        if (colons < 5 || !acct || p - acct != 13 || strncmp(s, "arn:aws", 7) != 0 || !memmem(s, n, ":events:", 8))
            return false;
        for (const char *q = acct; q < acct + 12; q++)
            if (!isdigit((unsigned char)*q))
                return false;
        if ((size_t)(end - p) <= 10 || strncmp(p, "event-bus/", 10) != 0)
            return false;
        s = p + 10;
        n = (size_t)(end - s);
    }
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || (s[i] && strchr("/.-_", s[i]))))
            return false;
    return n > 0;
}

static bool match_special(enum shape_pattern p, const char *s, size_t n)
{
    switch (p) {
    case SP_STAR_ALNUM_DASH:
        for (size_t i = 0; i < n; i++)
            if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '*'))
                return false;
        return true;
    case SP_PYTHON_VERSION: return (n == 1 && (s[0] == '2' || s[0] == '3')) || (n == 3 && strcmp(s, "3.9") == 0);
    case SP_GLUE_VERSION: { /* ^(\w+\.)+\w+$ */
        bool word = false, dot = false;
        for (size_t i = 0; i < n; i++) {
            if (isalnum((unsigned char)s[i]) || s[i] == '_') {
                word = true;
            } else if (s[i] == '.' && word) {
                word = false;
                dot = true;
            } else {
                return false;
            }
        }
        return dot && word;
    }
    case SP_MAINTENANCE_WINDOW: {
        static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        if (n < 5 || n > 6 || s[3] != ':')
            return false;
        bool day = false;
        for (int i = 0; i < 7; i++)
            day |= strncmp(s, days[i], 3) == 0;
        int h = 0;
        for (size_t i = 4; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return false;
            h = h * 10 + (s[i] - '0');
        }
        return day && h <= 23;
    }
    case SP_NO_NEWLINE: return !memchr(s, '\n', n) && !memchr(s, '\r', n);
    case SP_UPPER_UNDERSCORE:
        for (size_t i = 0; i < n; i++)
            if (!(isupper((unsigned char)s[i]) || s[i] == '_'))
                return false;
        return n > 0;
    case SP_ALNUM:
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)s[i]))
                return false;
        return n > 0;
    case SP_EV_NAME:
    case SP_EV_PATH_KEY:
        for (size_t i = 0; i < n; i++)
            if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || (p == SP_EV_NAME && s[i] == '.')))
                return false;
        return n > 0;
    case SP_EV_BUS: return bus_name_ok(s, n);
    case SP_UUID:
        if (n != 36)
            return false;
        for (size_t i = 0; i < n; i++) {
            bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                return false;
        }
        return true;
    case SP_REGISTRY:
        for (size_t i = 0; i < n; i++)
            if (!(isalnum((unsigned char)s[i]) || (s[i] && strchr("-_$#.", s[i]))))
                return false;
        return n > 0;
    case SP_GLUE_ARN: { /* the rest of the ARN is Java's .*, checked as SP_LINE */
        static const char *const prefixes[] = {
            "arn:aws:glue:",       "arn:aws-cn:glue:",    "arn:aws-us-gov:glue:", "arn:aws-iso:glue:",
            "arn:aws-iso-b:glue:", "arn:aws-iso-e:glue:", "arn:aws-iso-f:glue:",  NULL};
        for (size_t i = 0; prefixes[i]; i++)
            if (n >= strlen(prefixes[i]) && strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
                return true;
        return false;
    }
    default: return true;
    }
}

static json_t *check_string(const shape_t *s, json_t *v, const char *path, gerr_t *e)
{
    if (!json_is_string(v)) {
        gerr_set(e, GERR_SERIALIZATION, "%s must be a string, got %s", path, val_type_name(v));
        return NULL;
    }
    const char *str = json_string_value(v);
    size_t n = json_string_length(v);
    val_str_t rule = {s->has_min ? (size_t)s->min : 0, s->has_max ? (size_t)s->max : 0, VAL_ANY};
    switch (s->pattern) {
    case SP_SINGLE_LINE: rule.pattern = VAL_SINGLE_LINE; break;
    case SP_MULTI_LINE: rule.pattern = VAL_MULTI_LINE; break;
    case SP_ALNUM_DASH: rule.pattern = VAL_ALNUM_DASH; break;
    case SP_ENCLOSED: rule.pattern = VAL_ENCLOSED; break;
    case SP_SPACE_TEXT: rule.pattern = VAL_SPACE_TEXT; break;
    case SP_ASCII_TEXT: rule.pattern = VAL_ASCII_TEXT; break;
    case SP_LINE:
    case SP_GLUE_ARN: rule.pattern = VAL_LINE; break;
    default: break;
    }
    if (val_check(str, n, &rule, path, e) < 0)
        return NULL;
    if (!match_special(s->pattern, str, n)) {
        gerr_set(e, GERR_INVALID_INPUT, "%s has an invalid format (got '%.100s')", path, str);
        return NULL;
    }
    if (s->enums) {
        for (size_t i = 0; s->enums[i]; i++)
            if (strcmp(str, s->enums[i]) == 0)
                return json_incref(v);
        char list[600] = "";
        for (size_t i = 0; s->enums[i]; i++) {
            if (i)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, s->enums[i], sizeof list - strlen(list) - 1);
        }
        gerr_set(e, GERR_INVALID_INPUT, "%s must be one of %s (got '%.100s')", path, list, str);
        return NULL;
    }
    return json_incref(v);
}

static json_t *check_number(const shape_t *s, json_t *v, const char *path, gerr_t *e)
{
    bool is_int = s->type == SH_INT || s->type == SH_LONG;
    if (is_int ? !json_is_integer(v) : !json_is_number(v)) {
        gerr_set(e, GERR_SERIALIZATION, "%s must be %s, got %s", path, is_int ? "an integer" : "a number",
                 val_type_name(v));
        return NULL;
    }
    double x = json_number_value(v);
    if (s->type == SH_INT && (x < -2147483648.0 || x > 2147483647.0)) {
        gerr_set(e, GERR_SERIALIZATION, "%s must fit in 32 bits (got %.0f)", path, x);
        return NULL;
    }
    if ((s->has_min && x < (double)s->min) || (s->has_max && x > (double)s->max)) {
        if (s->has_min && s->has_max)
            gerr_set(e, GERR_INVALID_INPUT, "%s must be between %lld and %lld (got %g)", path, (long long)s->min,
                     (long long)s->max, x);
        else if (s->has_min)
            gerr_set(e, GERR_INVALID_INPUT, "%s must be at least %lld (got %g)", path, (long long)s->min, x);
        else
            gerr_set(e, GERR_INVALID_INPUT, "%s must be at most %lld (got %g)", path, (long long)s->max, x);
        return NULL;
    }
    return json_incref(v);
}

static int check_count(const shape_t *s, size_t n, const char *path, const char *what, gerr_t *e)
{
    if ((s->has_min && (int64_t)n < s->min) || (s->has_max && (int64_t)n > s->max)) {
        if (s->has_max)
            return gerr_set(e, GERR_INVALID_INPUT, "%s must hold %lld to %lld %s (got %zu)", path,
                            (long long)(s->has_min ? s->min : 0), (long long)s->max, what, n);
        return gerr_set(e, GERR_INVALID_INPUT, "%s must hold at least %lld %s (got %zu)", path, (long long)s->min, what,
                        n);
    }
    return 0;
}

json_t *shape_check(const shape_t *s, json_t *v, const char *path, gerr_t *e)
{
    char sub[512];
    switch (s->type) {
    case SH_STRING: return check_string(s, v, path, e);
    case SH_INT:
    case SH_LONG:
    case SH_DOUBLE: return check_number(s, v, path, e);
    case SH_TIMESTAMP:
        if (!json_is_number(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be a timestamp in epoch seconds, got %s", path, val_type_name(v));
            return NULL;
        }
        return json_incref(v);
    case SH_BOOL:
        if (!json_is_boolean(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be a boolean, got %s", path, val_type_name(v));
            return NULL;
        }
        return json_incref(v);
    case SH_BLOB:
        if (!json_is_string(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be base64 text, got %s", path, val_type_name(v));
            return NULL;
        }
        return json_incref(v);
    case SH_LIST: {
        if (!json_is_array(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be a list, got %s", path, val_type_name(v));
            return NULL;
        }
        if (check_count(s, json_array_size(v), path, "items", e) < 0)
            return NULL;
        json_t *out = json_array();
        size_t i;
        json_t *it;
        json_array_foreach (v, i, it) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            json_t *c = shape_check(&shape_table[s->item], it, sub, e);
            if (!c) {
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, c);
        }
        return out;
    }
    case SH_MAP: {
        if (!json_is_object(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be a map, got %s", path, val_type_name(v));
            return NULL;
        }
        if (check_count(s, json_object_size(v), path, "entries", e) < 0)
            return NULL;
        json_t *out = json_object();
        const char *k;
        json_t *it;
        json_object_foreach (v, k, it) {
            snprintf(sub, sizeof sub, "%s key '%.60s'", path, k);
            json_t *key = json_string(k);
            json_t *ck = shape_check(&shape_table[s->key], key, sub, e);
            json_decref(key);
            if (!ck) {
                json_decref(out);
                return NULL;
            }
            json_decref(ck);
            snprintf(sub, sizeof sub, "%s['%.60s']", path, k);
            json_t *c = shape_check(&shape_table[s->item], it, sub, e);
            if (!c) {
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, c);
        }
        return out;
    }
    case SH_STRUCT: {
        if (!json_is_object(v)) {
            gerr_set(e, GERR_SERIALIZATION, "%s must be an object, got %s", path, val_type_name(v));
            return NULL;
        }
        json_t *out = json_object();
        for (int i = 0; i < s->nmembers; i++) {
            const shape_member_t *m = &s->members[i];
            json_t *mv = json_object_get(v, m->name);
            if (*path)
                snprintf(sub, sizeof sub, "%s.%s", path, m->name);
            else
                snprintf(sub, sizeof sub, "%s", m->name);
            if (!mv || json_is_null(mv)) {
                if (m->required) {
                    gerr_set(e, GERR_INVALID_INPUT, "%s is required", sub);
                    json_decref(out);
                    return NULL;
                }
                continue;
            }
            json_t *c = shape_check(&shape_table[m->shape], mv, sub, e);
            if (!c) {
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, m->name, c);
        }
        return out;
    }
    }
    gerr_set(e, GERR_INTERNAL, "%s: unknown shape type", path);
    return NULL;
}

const shape_t *shape_member(const shape_t *s, const char *name)
{
    for (int i = 0; s && s->type == SH_STRUCT && i < s->nmembers; i++)
        if (strcmp(s->members[i].name, name) == 0)
            return &shape_table[s->members[i].shape];
    return NULL;
}
