/* Catalog documents (see catdoc.h). */
#include "catalog/catdoc.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/pexpr.h"
#include "model/shape.h"

char *catdoc_lower(const char *s)
{
    char *o = strdup(s ? s : "");
    for (char *p = o; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    return o;
}

int catdoc_check_db_name(const char *name, const char *what, gerr_t *e)
{
    const shape_t *rule = shape_member(shape_member(SHAPE_CreateDatabaseRequest, "DatabaseInput"), "Name");
    if (!rule)
        return gerr_set(e, GERR_INTERNAL, "the model has no DatabaseInput.Name to check %s by", what);
    json_t *v = json_string(name ? name : "");
    if (!v)
        return gerr_set(e, GERR_INVALID_INPUT, "%s must be valid UTF-8", what);
    json_t *ok = shape_check(rule, v, what, e);
    int rc = ok ? 0 : -1;
    json_decref(ok);
    json_decref(v);
    return rc;
}

static void append(char **buf, size_t *n, const char *s)
{
    if (!s || !*buf)
        return;
    size_t l = strlen(s);
    char *b = realloc(*buf, *n + l + 2);
    if (!b) {
        free(*buf);
        *buf = NULL;
        return;
    }
    *buf = b;
    memcpy(b + *n, s, l);
    b[*n + l] = ' ';
    b[*n + l + 1] = '\0';
    *n += l + 1;
}

char *catdoc_search_text(const json_t *table)
{
    char *buf = calloc(1, 1);
    size_t n = 0;
    append(&buf, &n, json_string_value(json_object_get(table, "Name")));
    append(&buf, &n, json_string_value(json_object_get(table, "Description")));
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get(json_object_get(table, "StorageDescriptor"), "Columns"), i, c)
        append(&buf, &n, json_string_value(json_object_get(c, "Name")));
    json_array_foreach (json_object_get(table, "PartitionKeys"), i, c)
        append(&buf, &n, json_string_value(json_object_get(c, "Name")));
    char *low = catdoc_lower(buf);
    free(buf);
    return low;
}

static const char **keys_field(const json_t *table, const char *field, const char *dflt, size_t *n)
{
    const json_t *keys = json_object_get(table, "PartitionKeys");
    *n = json_array_size(keys);
    const char **v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        const char *s = json_string_value(json_object_get(json_array_get(keys, i), field));
        v[i] = s ? s : dflt;
    }
    return v;
}

const char **catdoc_key_types(const json_t *table, size_t *n)
{
    return keys_field(table, "Type", "string", n);
}

const char **catdoc_key_names(const json_t *table, size_t *n)
{
    return keys_field(table, "Name", "", n);
}

char *catdoc_part_key(const json_t *table, const json_t *values)
{
    size_t n;
    const char **types = catdoc_key_types(table, &n);
    if (!types || json_array_size(values) != n) {
        free(types);
        return NULL;
    }
    const char **v = calloc(n ? n : 1, sizeof *v);
    char *key = NULL;
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] = json_string_value(json_array_get(values, i))))
            goto out;
    if (v)
        key = pexpr_index_key(n, types, v);
out:
    free(v);
    free(types);
    return key;
}
