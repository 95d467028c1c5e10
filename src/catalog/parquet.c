/* Parquet footer reader (see parquet.h).
 *
 * Thrift compact protocol, as parquet-format's FileMetaData uses it: a field header is one byte (delta of the
 * field id in the high nibble, type in the low; a zero delta is followed by the id as a zigzag varint),
 * integers are zigzag varints, binaries a varint length and bytes, lists a size/type byte (size 15: varint
 * size follows). We read FileMetaData.schema (2) and num_rows (3) and skip everything else, bounded. */
#include "catalog/parquet.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    TC_STOP = 0,
    TC_TRUE = 1,
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12,
    TC_UUID = 13,
};

#define MAX_NEST 64 /* Thrift nesting while skipping */

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
    int depth;
    char *err;
    size_t errlen;
    bool failed;
} rd_t;

static int bad(rd_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(rd_t *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
        r->failed = true;
    }
    return -1;
}

static int truncated(rd_t *r)
{
    return bad(r, "Parquet footer is truncated (at byte %zu of %zu)", r->i, r->n);
}

static int byte(rd_t *r, uint8_t *b)
{
    if (r->i >= r->n)
        return truncated(r);
    *b = r->p[r->i++];
    return 0;
}

static int varint(rd_t *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        uint8_t b = 0;
        if (byte(r, &b) < 0)
            return -1;
        if (shift == 63 && b > 1)
            return bad(r, "Parquet footer has an overlong integer at byte %zu", r->i);
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return bad(r, "Parquet footer has an overlong integer at byte %zu", r->i);
}

static int zigzag(rd_t *r, int64_t *v)
{
    uint64_t u;
    if (varint(r, &u) < 0)
        return -1;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return 0;
}

static int i32(rd_t *r, int32_t *v)
{
    int64_t x;
    if (zigzag(r, &x) < 0)
        return -1;
    if (x < INT32_MIN || x > INT32_MAX)
        return bad(r, "Parquet footer has an i32 out of range at byte %zu", r->i);
    *v = (int32_t)x;
    return 0;
}

static int binary(rd_t *r, const uint8_t **s, size_t *len)
{
    uint64_t l;
    if (varint(r, &l) < 0)
        return -1;
    if (l > r->n - r->i)
        return truncated(r);
    *s = r->p + r->i;
    *len = (size_t)l;
    r->i += (size_t)l;
    return 0;
}

/* A list or set header: element type and count; the count is checked against the bytes left (every element
 * takes at least one byte). */
static int list_header(rd_t *r, int *etype, uint64_t *count)
{
    uint8_t b = 0;
    if (byte(r, &b) < 0)
        return -1;
    *etype = b & 0x0f;
    *count = b >> 4;
    if (*count == 15 && varint(r, count) < 0)
        return -1;
    if (*count > r->n - r->i)
        return truncated(r);
    return 0;
}

/* A field header: *type TC_STOP at the end of a struct. */
static int field(rd_t *r, int16_t *last, int *type, int16_t *id)
{
    uint8_t b = 0;
    if (byte(r, &b) < 0)
        return -1;
    *type = b & 0x0f;
    if (*type == TC_STOP)
        return 0;
    int delta = b >> 4;
    if (delta) {
        *id = (int16_t)(*last + delta);
    } else {
        int64_t x;
        if (zigzag(r, &x) < 0)
            return -1;
        if (x < INT16_MIN || x > INT16_MAX)
            return bad(r, "Parquet footer has a field id out of range at byte %zu", r->i);
        *id = (int16_t)x;
    }
    *last = *id;
    return 0;
}

static int skip(rd_t *r, int type);

static int skip_struct(rd_t *r)
{
    if (++r->depth > MAX_NEST)
        return bad(r, "Parquet footer nests deeper than %d levels", MAX_NEST);
    int16_t last = 0, id;
    for (;;) {
        int t;
        if (field(r, &last, &t, &id) < 0)
            return -1;
        if (t == TC_STOP)
            break;
        if (skip(r, t) < 0)
            return -1;
    }
    r->depth--;
    return 0;
}

static int skip(rd_t *r, int type)
{
    uint64_t u, count;
    uint8_t b = 0;
    const uint8_t *s = NULL;
    size_t l = 0;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE: return 0; /* in a field header the value is the type */
    case TC_BYTE: return byte(r, &b);
    case TC_I16:
    case TC_I32:
    case TC_I64: return varint(r, &u);
    case TC_DOUBLE:
        if (r->n - r->i < 8)
            return truncated(r);
        r->i += 8;
        return 0;
    case TC_UUID:
        if (r->n - r->i < 16)
            return truncated(r);
        r->i += 16;
        return 0;
    case TC_BINARY: return binary(r, &s, &l);
    case TC_STRUCT: return skip_struct(r);
    case TC_LIST:
    case TC_SET: {
        int et;
        if (list_header(r, &et, &count) < 0)
            return -1;
        if (++r->depth > MAX_NEST)
            return bad(r, "Parquet footer nests deeper than %d levels", MAX_NEST);
        for (uint64_t i = 0; i < count; i++) {
            /* booleans in a list are one byte each */
            if ((et == TC_TRUE || et == TC_FALSE) ? byte(r, &b) < 0 : skip(r, et) < 0)
                return -1;
        }
        r->depth--;
        return 0;
    }
    case TC_MAP: {
        if (varint(r, &count) < 0)
            return -1;
        if (count == 0)
            return 0;
        if (count > r->n - r->i)
            return truncated(r);
        if (byte(r, &b) < 0)
            return -1;
        if (++r->depth > MAX_NEST)
            return bad(r, "Parquet footer nests deeper than %d levels", MAX_NEST);
        int kt = b >> 4, vt = b & 0x0f;
        for (uint64_t i = 0; i < count; i++) {
            if ((kt == TC_TRUE || kt == TC_FALSE) ? byte(r, &b) < 0 : skip(r, kt) < 0)
                return -1;
            if ((vt == TC_TRUE || vt == TC_FALSE) ? byte(r, &b) < 0 : skip(r, vt) < 0)
                return -1;
        }
        r->depth--;
        return 0;
    }
    default: return bad(r, "Parquet footer has an unknown Thrift type %d at byte %zu", type, r->i);
    }
}

/* ---- SchemaElement ---- */

enum { P_BOOLEAN, P_INT32, P_INT64, P_INT96, P_FLOAT, P_DOUBLE, P_BYTE_ARRAY, P_FIXED };
enum { R_REQUIRED, R_OPTIONAL, R_REPEATED };
enum {
    C_UTF8 = 0,
    C_MAP = 1,
    C_MAP_KEY_VALUE = 2,
    C_LIST = 3,
    C_ENUM = 4,
    C_DECIMAL = 5,
    C_DATE = 6,
    C_TIME_MILLIS = 7,
    C_TIME_MICROS = 8,
    C_TIMESTAMP_MILLIS = 9,
    C_TIMESTAMP_MICROS = 10,
    C_UINT_8 = 11,
    C_UINT_16 = 12,
    C_UINT_32 = 13,
    C_UINT_64 = 14,
    C_INT_8 = 15,
    C_INT_16 = 16,
    C_INT_32 = 17,
    C_INT_64 = 18,
    C_JSON = 19,
    C_BSON = 20,
};
/* LogicalType union members */
enum {
    L_NONE = 0,
    L_STRING = 1,
    L_MAP = 2,
    L_LIST = 3,
    L_ENUM = 4,
    L_DECIMAL = 5,
    L_DATE = 6,
    L_TIME = 7,
    L_TIMESTAMP = 8,
    L_INTEGER = 10,
    L_UNKNOWN = 11,
    L_JSON = 12,
    L_BSON = 13,
    L_UUID = 14,
    L_FLOAT16 = 15,
};

typedef struct elem {
    int32_t type, repetition, num_children, converted, scale, precision;
    int logical;
    int32_t int_bits;
    bool int_signed;
    int32_t lscale, lprecision;
    char *name;
} elem_t;

static int read_i32_field(rd_t *r, int t, int32_t *v)
{
    if (t != TC_I32 && t != TC_I16 && t != TC_BYTE)
        return bad(r, "Parquet footer has a field of the wrong type at byte %zu", r->i);
    if (t == TC_BYTE) {
        uint8_t b = 0;
        if (byte(r, &b) < 0)
            return -1;
        *v = (int8_t)b;
        return 0;
    }
    return i32(r, v);
}

/* DecimalType {1: scale, 2: precision}; IntType {1: bitWidth (byte), 2: isSigned (bool)} */
static int read_logical(rd_t *r, elem_t *e)
{
    if (++r->depth > MAX_NEST)
        return bad(r, "Parquet footer nests deeper than %d levels", MAX_NEST);
    int16_t last = 0, id;
    for (;;) {
        int t;
        if (field(r, &last, &t, &id) < 0)
            return -1;
        if (t == TC_STOP)
            break;
        if (t != TC_STRUCT) {
            if (skip(r, t) < 0)
                return -1;
            continue;
        }
        e->logical = id;
        if (id != L_DECIMAL && id != L_INTEGER) {
            if (skip_struct(r) < 0)
                return -1;
            continue;
        }
        int16_t l2 = 0, id2;
        for (;;) {
            int t2;
            if (field(r, &l2, &t2, &id2) < 0)
                return -1;
            if (t2 == TC_STOP)
                break;
            if (id == L_DECIMAL && (id2 == 1 || id2 == 2)) {
                if (read_i32_field(r, t2, id2 == 1 ? &e->lscale : &e->lprecision) < 0)
                    return -1;
            } else if (id == L_INTEGER && id2 == 1) {
                if (read_i32_field(r, t2, &e->int_bits) < 0)
                    return -1;
            } else if (id == L_INTEGER && id2 == 2 && (t2 == TC_TRUE || t2 == TC_FALSE)) {
                e->int_signed = t2 == TC_TRUE;
            } else if (skip(r, t2) < 0) {
                return -1;
            }
        }
    }
    r->depth--;
    return 0;
}

static int read_element(rd_t *r, elem_t *e)
{
    *e = (elem_t){.type = -1, .repetition = -1, .num_children = -1, .converted = -1, .int_signed = true};
    int16_t last = 0, id;
    for (;;) {
        int t;
        if (field(r, &last, &t, &id) < 0)
            return -1;
        if (t == TC_STOP)
            break;
        int32_t *slot = id == 1   ? &e->type
                        : id == 3 ? &e->repetition
                        : id == 5 ? &e->num_children
                        : id == 6 ? &e->converted
                        : id == 7 ? &e->scale
                        : id == 8 ? &e->precision
                                  : NULL;
        if (slot) {
            if (read_i32_field(r, t, slot) < 0)
                return -1;
        } else if (id == 4 && t == TC_BINARY) {
            const uint8_t *s = NULL;
            size_t l = 0;
            if (binary(r, &s, &l) < 0)
                return -1;
            if (l == 0 || l > CTYPE_MAX_NAME)
                return bad(r, "Parquet schema has a column name of %zu bytes (1 to %d allowed)", l, CTYPE_MAX_NAME);
            if (!ctype_utf8_valid((const char *)s, l, false, NULL) || memchr(s, 0, l))
                return bad(r, "Parquet schema has a column name that is not valid UTF-8");
            free(e->name);
            if (!(e->name = strndup((const char *)s, l)))
                return bad(r, "out of memory");
        } else if (id == 10 && t == TC_STRUCT) {
            if (read_logical(r, e) < 0)
                return -1;
        } else if (skip(r, t) < 0) {
            return -1;
        }
    }
    if (!e->name)
        return bad(r, "Parquet schema has an element without a name");
    return 0;
}

/* ---- schema tree to Glue types ---- */

typedef struct tree {
    rd_t *r;
    elem_t *el;
    size_t n, at;
} tree_t;

static ctype_t *primitive(rd_t *r, const elem_t *e)
{
    char buf[48];
    int c = e->converted, l = e->logical;
    if (c == C_DECIMAL || l == L_DECIMAL) {
        int p = l == L_DECIMAL ? e->lprecision : e->precision, s = l == L_DECIMAL ? e->lscale : e->scale;
        if (p < 1 || p > 38 || s < 0 || s > p) {
            bad(r, "Parquet column %s has decimal(%d,%d): precision 1..38 and scale 0..precision allowed", e->name, p,
                s);
            return NULL;
        }
        snprintf(buf, sizeof buf, "decimal(%d,%d)", p, s);
        return ctype_new_other(buf);
    }
    switch (e->type) {
    case P_BOOLEAN: return ctype_new(CT_BOOLEAN);
    case P_INT32:
        if (c == C_DATE || l == L_DATE)
            return ctype_new(CT_DATE);
        if (c == C_INT_8 || (l == L_INTEGER && e->int_bits == 8 && e->int_signed))
            return ctype_new(CT_TINYINT);
        if (c == C_INT_16 || c == C_UINT_8 || (l == L_INTEGER && e->int_bits <= 16 && e->int_signed) ||
            (l == L_INTEGER && e->int_bits == 8))
            return ctype_new(CT_SMALLINT);
        if (c == C_UINT_16 || (l == L_INTEGER && e->int_bits == 16))
            return ctype_new(CT_INT);
        if (c == C_UINT_32 || (l == L_INTEGER && !e->int_signed))
            return ctype_new(CT_BIGINT);
        return ctype_new(CT_INT);
    case P_INT64:
        if (c == C_TIMESTAMP_MILLIS || c == C_TIMESTAMP_MICROS || l == L_TIMESTAMP)
            return ctype_new(CT_TIMESTAMP);
        return ctype_new(CT_BIGINT);
    case P_INT96: return ctype_new(CT_TIMESTAMP);
    case P_FLOAT: return ctype_new(CT_FLOAT);
    case P_DOUBLE: return ctype_new(CT_DOUBLE);
    case P_BYTE_ARRAY:
        if (c == C_UTF8 || c == C_ENUM || c == C_JSON || l == L_STRING || l == L_ENUM || l == L_JSON)
            return ctype_new(CT_STRING);
        return ctype_new(CT_BINARY);
    case P_FIXED:
        if (l == L_UUID)
            return ctype_new(CT_STRING);
        return ctype_new(CT_BINARY);
    default: bad(r, "Parquet column %s has an unknown physical type %d", e->name, e->type); return NULL;
    }
}

static ctype_t *node(tree_t *t, int depth);

/* The children of a group element, as a struct. */
static ctype_t *group(tree_t *t, const elem_t *g, int depth)
{
    ctype_t *st = ctype_new(CT_STRUCT);
    if (!st)
        return NULL;
    for (int32_t i = 0; i < g->num_children; i++) {
        if (t->at >= t->n) {
            bad(t->r, "Parquet schema says %s has %d children but the schema ends", g->name, g->num_children);
            goto fail;
        }
        const char *name = t->el[t->at].name;
        ctype_t *c = node(t, depth + 1);
        if (!c)
            goto fail;
        if (ctype_struct_add(st, name, c) < 0) {
            bad(t->r, "Parquet schema has more than %d fields in %s", CTYPE_MAX_FIELDS, g->name);
            goto fail;
        }
    }
    return st;
fail:
    ctype_free(st);
    return NULL;
}

/* One element and its subtree; t->at moves past it. */
static ctype_t *node(tree_t *t, int depth)
{
    if (depth > CTYPE_MAX_DEPTH) {
        bad(t->r, "Parquet schema nests deeper than %d levels", CTYPE_MAX_DEPTH);
        return NULL;
    }
    const elem_t *e = &t->el[t->at++];
    ctype_t *ty = NULL;
    if (e->num_children <= 0) {
        if (e->num_children == 0 && e->type < 0) {
            ty = ctype_new(CT_STRUCT); /* an empty group */
        } else {
            if (!(ty = primitive(t->r, e)))
                return NULL;
        }
    } else {
        bool list = e->converted == C_LIST || e->logical == L_LIST;
        bool map = e->converted == C_MAP || e->converted == C_MAP_KEY_VALUE || e->logical == L_MAP;
        ctype_t *st = group(t, e, depth);
        if (!st)
            return NULL;
        if (list && st->nfields == 1) {
            /* LIST: group (LIST) { repeated group list { element } } -> array<element>; the two-level legacy
             * form (repeated element directly, or a repeated group of several fields) -> array<that> */
            ctype_t *rep = st->ftypes[0];
            ctype_t *elem;
            if (rep->kind == CT_ARRAY)
                rep = rep->elem; /* the repeated child became array<..> below; take its element */
            if (rep->kind == CT_STRUCT && rep->nfields == 1 && strcmp(st->fnames[0], "array") != 0 &&
                !(strlen(st->fnames[0]) > 6 && strcmp(st->fnames[0] + strlen(st->fnames[0]) - 6, "_tuple") == 0))
                elem = ctype_copy(rep->ftypes[0]);
            else
                elem = ctype_copy(rep);
            ctype_free(st);
            ty = elem ? ctype_new_array(elem) : NULL;
        } else if (map && st->nfields == 1) {
            ctype_t *kv = st->ftypes[0];
            if (kv->kind == CT_ARRAY)
                kv = kv->elem;
            char *k = NULL, *v = NULL;
            if (kv->kind == CT_STRUCT && kv->nfields >= 1) {
                k = ctype_text(kv->ftypes[0]);
                v = kv->nfields >= 2 ? ctype_text(kv->ftypes[1]) : strdup("string");
            }
            if (k && v && strlen(k) + strlen(v) + 8 < CTYPE_MAX_TEXT) {
                char *txt = malloc(strlen(k) + strlen(v) + 8);
                if (txt) {
                    sprintf(txt, "map<%s,%s>", k, v);
                    ty = ctype_new_other(txt);
                    free(txt);
                }
            }
            free(k);
            free(v);
            ctype_free(st);
        } else {
            ty = st;
        }
        if (!ty) {
            bad(t->r, "Parquet schema: cannot read the type of %s", e->name);
            return NULL;
        }
    }
    if (e->repetition == R_REPEATED && depth > 0)
        ty = ctype_new_array(ty);
    return ty;
}

int parquet_footer_len(uint64_t file_size, const uint8_t tail[8], uint32_t *len, char *err, size_t errlen)
{
    if (file_size < 12) {
        snprintf(err, errlen, "Parquet file of %llu bytes is too short to hold a footer",
                 (unsigned long long)file_size);
        return -1;
    }
    if (memcmp(tail + 4, "PAR1", 4) != 0) {
        snprintf(err, errlen, "Parquet file does not end with PAR1 (truncated footer)");
        return -1;
    }
    uint32_t l = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
    if (l == 0 || (uint64_t)l > file_size - 12 || l > PARQUET_MAX_FOOTER) {
        snprintf(err, errlen, "Parquet footer length %u does not fit a file of %llu bytes", l,
                 (unsigned long long)file_size);
        return -1;
    }
    *len = l;
    return 0;
}

int parquet_parse(const uint8_t *buf, size_t len, ctype_schema_t **out, char *err, size_t errlen)
{
    rd_t r = {.p = buf, .n = len, .err = err, .errlen = errlen};
    elem_t *el = NULL;
    size_t nel = 0;
    int64_t rows = -1;
    bool have_schema = false;
    ctype_schema_t *s = NULL;
    *out = NULL;
    int16_t last = 0, id;
    for (;;) {
        int t;
        if (field(&r, &last, &t, &id) < 0)
            goto fail;
        if (t == TC_STOP)
            break;
        if (id == 2 && t == TC_LIST && !have_schema) {
            int et;
            uint64_t count;
            if (list_header(&r, &et, &count) < 0)
                goto fail;
            if (et != TC_STRUCT) {
                bad(&r, "Parquet footer's schema is not a list of structs");
                goto fail;
            }
            if (count == 0 || count > PARQUET_MAX_ELEMENTS) {
                bad(&r, "Parquet schema has %llu elements (1 to %d allowed)", (unsigned long long)count,
                    PARQUET_MAX_ELEMENTS);
                goto fail;
            }
            if (!(el = calloc((size_t)count, sizeof *el))) {
                bad(&r, "out of memory");
                goto fail;
            }
            for (; nel < count; nel++)
                if (read_element(&r, &el[nel]) < 0) {
                    nel++;
                    goto fail;
                }
            have_schema = true;
        } else if (id == 3 && t == TC_I64) {
            if (zigzag(&r, &rows) < 0)
                goto fail;
        } else if (skip(&r, t) < 0) {
            goto fail;
        }
    }
    if (!have_schema) {
        bad(&r, "Parquet footer has no schema");
        goto fail;
    }
    if (rows < 0) {
        bad(&r, "Parquet footer has no row count");
        goto fail;
    }
    if (el[0].num_children < 0) {
        bad(&r, "Parquet schema's root is not a group");
        goto fail;
    }
    if (!(s = ctype_schema_new("parquet"))) {
        bad(&r, "out of memory");
        goto fail;
    }
    tree_t tr = {.r = &r, .el = el, .n = nel, .at = 1};
    for (int32_t i = 0; i < el[0].num_children; i++) {
        if (tr.at >= nel) {
            bad(&r, "Parquet schema says the root has %d columns but the schema ends", el[0].num_children);
            goto fail;
        }
        const char *name = el[tr.at].name;
        ctype_t *c = node(&tr, 1);
        if (!c)
            goto fail;
        /* Glue's columns are lowercase; a later column that folds to an earlier name widens it */
        char lower[CTYPE_MAX_NAME + 1];
        size_t k;
        for (k = 0; name[k] && k < CTYPE_MAX_NAME; k++)
            lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
        lower[k] = '\0';
        if (ctype_schema_add(s, lower, c) < 0) {
            bad(&r, "Parquet schema has more than %d columns", CTYPE_MAX_FIELDS);
            goto fail;
        }
    }
    if (tr.at != nel) {
        bad(&r, "Parquet schema has %zu elements past its root's children", nel - tr.at);
        goto fail;
    }
    for (size_t i = 0; i < nel; i++)
        free(el[i].name);
    free(el);
    s->records = rows;
    *out = s;
    return 0;
fail:
    for (size_t i = 0; i < nel; i++)
        free(el[i].name);
    free(el);
    ctype_schema_free(s);
    if (!r.failed)
        snprintf(err, errlen, "Parquet footer could not be read");
    return -1;
}
