/* Catalog column types and file schemas (see ctype.h). */
#include "catalog/ctype.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/sbuf.h"

ctype_t *ctype_new(ctype_kind_t kind)
{
    ctype_t *t = calloc(1, sizeof *t);
    if (t)
        t->kind = kind;
    return t;
}

ctype_t *ctype_new_other(const char *text)
{
    ctype_t *t = ctype_new(CT_OTHER);
    if (!t)
        return NULL;
    t->other = strdup(text);
    if (!t->other) {
        free(t);
        return NULL;
    }
    return t;
}

ctype_t *ctype_new_array(ctype_t *elem)
{
    ctype_t *t = ctype_new(CT_ARRAY);
    if (!t) {
        ctype_free(elem);
        return NULL;
    }
    t->elem = elem;
    return t;
}

void ctype_free(ctype_t *t)
{
    if (!t)
        return;
    free(t->other);
    for (size_t i = 0; i < t->nfields; i++) {
        free(t->fnames[i]);
        ctype_free(t->ftypes[i]);
    }
    free(t->fnames);
    free(t->ftypes);
    ctype_free(t->elem);
    free(t);
}

static long field_index(const ctype_t *st, const char *name)
{
    for (size_t i = 0; i < st->nfields; i++)
        if (strcmp(st->fnames[i], name) == 0)
            return (long)i;
    return -1;
}

int ctype_struct_add(ctype_t *st, const char *name, ctype_t *t)
{
    long at = field_index(st, name);
    if (at >= 0) {
        ctype_t *w = ctype_widen(st->ftypes[at], t);
        ctype_free(t);
        if (!w)
            return -1;
        ctype_free(st->ftypes[at]);
        st->ftypes[at] = w;
        return 0;
    }
    if (st->nfields >= CTYPE_MAX_FIELDS)
        goto fail;
    char **n = realloc(st->fnames, (st->nfields + 1) * sizeof *n);
    if (!n)
        goto fail;
    st->fnames = n;
    ctype_t **ty = realloc(st->ftypes, (st->nfields + 1) * sizeof *ty);
    if (!ty)
        goto fail;
    st->ftypes = ty;
    st->fnames[st->nfields] = strdup(name);
    if (!st->fnames[st->nfields])
        goto fail;
    st->ftypes[st->nfields++] = t;
    return 0;
fail:
    ctype_free(t);
    return -1;
}

ctype_t *ctype_copy(const ctype_t *t)
{
    if (!t)
        return NULL;
    ctype_t *c = t->kind == CT_OTHER ? ctype_new_other(t->other) : ctype_new(t->kind);
    if (!c)
        return NULL;
    if (t->elem && !(c->elem = ctype_copy(t->elem)))
        goto fail;
    for (size_t i = 0; i < t->nfields; i++) {
        ctype_t *f = ctype_copy(t->ftypes[i]);
        if (!f || ctype_struct_add(c, t->fnames[i], f) < 0)
            goto fail;
    }
    return c;
fail:
    ctype_free(c);
    return NULL;
}

bool ctype_equal(const ctype_t *a, const ctype_t *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CT_OTHER: return strcmp(a->other, b->other) == 0;
    case CT_ARRAY: return ctype_equal(a->elem, b->elem);
    case CT_STRUCT:
        if (a->nfields != b->nfields)
            return false;
        for (size_t i = 0; i < a->nfields; i++)
            if (strcmp(a->fnames[i], b->fnames[i]) != 0 || !ctype_equal(a->ftypes[i], b->ftypes[i]))
                return false;
        return true;
    default: return true;
    }
}

static bool numeric(ctype_kind_t k)
{
    return k >= CT_TINYINT && k <= CT_DOUBLE;
}

ctype_t *ctype_widen(const ctype_t *a, const ctype_t *b)
{
    if (a->kind == CT_NULL)
        return ctype_copy(b);
    if (b->kind == CT_NULL || ctype_equal(a, b))
        return ctype_copy(a);
    if (numeric(a->kind) && numeric(b->kind)) {
        ctype_kind_t hi = a->kind > b->kind ? a->kind : b->kind;
        /* an integer meeting a float widens to double: float cannot hold a bigint */
        if (hi == CT_FLOAT && (a->kind != CT_FLOAT || b->kind != CT_FLOAT))
            hi = CT_DOUBLE;
        return ctype_new(hi);
    }
    if (a->kind == CT_STRUCT && b->kind == CT_STRUCT) {
        ctype_t *w = ctype_copy(a);
        for (size_t i = 0; w && i < b->nfields; i++) {
            ctype_t *f = ctype_copy(b->ftypes[i]);
            if (!f || ctype_struct_add(w, b->fnames[i], f) < 0) {
                ctype_free(w);
                return NULL;
            }
        }
        return w;
    }
    if (a->kind == CT_ARRAY && b->kind == CT_ARRAY) {
        ctype_t *e = ctype_widen(a->elem, b->elem);
        return e ? ctype_new_array(e) : NULL;
    }
    return ctype_new(CT_STRING);
}

static void text(sbuf_t *b, const ctype_t *t)
{
    static const char *const names[] = {
        [CT_NULL] = "string",   [CT_BOOLEAN] = "boolean",     [CT_TINYINT] = "tinyint", [CT_SMALLINT] = "smallint",
        [CT_INT] = "int",       [CT_BIGINT] = "bigint",       [CT_FLOAT] = "float",     [CT_DOUBLE] = "double",
        [CT_STRING] = "string", [CT_TIMESTAMP] = "timestamp", [CT_DATE] = "date",       [CT_BINARY] = "binary",
    };
    switch (t->kind) {
    case CT_OTHER: sbuf_str(b, t->other); return;
    case CT_ARRAY:
        sbuf_str(b, "array<");
        text(b, t->elem);
        sbuf_str(b, ">");
        return;
    case CT_STRUCT:
        sbuf_str(b, "struct<");
        for (size_t i = 0; i < t->nfields && !b->failed; i++) {
            if (i)
                sbuf_str(b, ",");
            sbuf_str(b, t->fnames[i]);
            sbuf_str(b, ":");
            text(b, t->ftypes[i]);
        }
        sbuf_str(b, ">");
        return;
    default: sbuf_str(b, names[t->kind]);
    }
}

char *ctype_text(const ctype_t *t)
{
    sbuf_t b = {.max = CTYPE_MAX_TEXT};
    text(&b, t);
    return sbuf_take(&b);
}

/* yyyy-mm-dd[ T]hh:mm:ss[.fraction][Z]: the forms Hive's timestamp and ISO 8601 writers use. */
static bool is_timestamp(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd?dd:dd:dd";
    size_t m = sizeof shape - 1;
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++) {
        char c = s[i];
        if (shape[i] == 'd' ? !isdigit((unsigned char)c) : shape[i] == '?' ? (c != ' ' && c != 'T') : c != shape[i])
            return false;
    }
    size_t i = m;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == d || i - d > 9)
            return false;
    }
    if (i < n && s[i] == 'Z')
        i++;
    return i == n;
}

ctype_kind_t ctype_of_text(const char *s, size_t n)
{
    if (n == 0)
        return CT_NULL;
    if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 5 && strncasecmp(s, "false", 5) == 0))
        return CT_BOOLEAN;
    size_t i = 0;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t d0 = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    size_t ndig = i - d0;
    if (i == n && ndig > 0) {
        /* bigint holds up to 19 digits; anything longer reads as a double */
        while (d0 < n - 1 && s[d0] == '0')
            d0++, ndig--;
        if (ndig < 19 ||
            (ndig == 19 && strncmp(s + d0, s[0] == '-' ? "9223372036854775808" : "9223372036854775807", 19) <= 0))
            return CT_BIGINT;
        return CT_DOUBLE;
    }
    size_t frac = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t f0 = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        frac = i - f0;
    }
    if (ndig + frac > 0 && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t e0 = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == e0)
            return CT_STRING;
    }
    if (i == n && ndig + frac > 0)
        return CT_DOUBLE;
    if (is_timestamp(s, n))
        return CT_TIMESTAMP;
    return CT_STRING;
}

ctype_schema_t *ctype_schema_new(const char *classification)
{
    ctype_schema_t *s = calloc(1, sizeof *s);
    if (s)
        snprintf(s->classification, sizeof s->classification, "%s", classification);
    return s;
}

void ctype_schema_free(ctype_schema_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++) {
        free(s->names[i]);
        ctype_free(s->types[i]);
    }
    free(s->names);
    free(s->types);
    free(s);
}

long ctype_schema_find(const ctype_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->names[i], name) == 0)
            return (long)i;
    return -1;
}

int ctype_schema_add(ctype_schema_t *s, const char *name, ctype_t *t)
{
    long at = ctype_schema_find(s, name);
    if (at >= 0) {
        ctype_t *w = ctype_widen(s->types[at], t);
        ctype_free(t);
        if (!w)
            return -1;
        ctype_free(s->types[at]);
        s->types[at] = w;
        return 0;
    }
    if (s->ncols >= CTYPE_MAX_FIELDS)
        goto fail;
    char **n = realloc(s->names, (s->ncols + 1) * sizeof *n);
    if (!n)
        goto fail;
    s->names = n;
    ctype_t **ty = realloc(s->types, (s->ncols + 1) * sizeof *ty);
    if (!ty)
        goto fail;
    s->types = ty;
    if (!(s->names[s->ncols] = strdup(name)))
        goto fail;
    s->types[s->ncols++] = t;
    return 0;
fail:
    ctype_free(t);
    return -1;
}

ctype_schema_t *ctype_schema_copy(const ctype_schema_t *s)
{
    ctype_schema_t *c = ctype_schema_new(s->classification);
    if (!c)
        return NULL;
    memcpy(c->compression, s->compression, sizeof c->compression);
    c->delim = s->delim;
    c->quote = s->quote;
    c->header = s->header;
    c->records = s->records;
    c->record_bytes = s->record_bytes;
    for (size_t i = 0; i < s->ncols; i++) {
        ctype_t *t = ctype_copy(s->types[i]);
        if (!t || ctype_schema_add(c, s->names[i], t) < 0) {
            ctype_schema_free(c);
            return NULL;
        }
    }
    return c;
}

bool ctype_schema_same_format(const ctype_schema_t *a, const ctype_schema_t *b)
{
    if (strcmp(a->classification, b->classification) != 0)
        return false;
    if (strcmp(a->classification, "csv") == 0)
        return a->delim == b->delim && a->header == b->header && (a->quote == b->quote || !a->quote || !b->quote);
    return true;
}

bool ctype_schema_equal(const ctype_schema_t *a, const ctype_schema_t *b)
{
    if (!ctype_schema_same_format(a, b) || a->ncols != b->ncols)
        return false;
    for (size_t i = 0; i < a->ncols; i++)
        if (strcmp(a->names[i], b->names[i]) != 0 || !ctype_equal(a->types[i], b->types[i]))
            return false;
    return true;
}

int ctype_schema_merge(ctype_schema_t *a, const ctype_schema_t *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        ctype_t *t = ctype_copy(b->types[i]);
        if (!t || ctype_schema_add(a, b->names[i], t) < 0)
            return -1;
    }
    if (!a->quote)
        a->quote = b->quote;
    a->records += b->records;
    a->record_bytes += b->record_bytes;
    return 0;
}

double ctype_schema_similarity(const ctype_schema_t *s, const ctype_schema_t *u)
{
    if (u->ncols == 0)
        return 1.0;
    size_t have = 0;
    for (size_t i = 0; i < u->ncols; i++)
        if (ctype_schema_find(s, u->names[i]) >= 0)
            have++;
    return (double)have / (double)u->ncols;
}

bool ctype_utf8_valid(const char *str, size_t n, bool cut, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            goto fail;
        }
        for (size_t k = 1; k < len; k++) {
            if (i + k >= n) {
                if (cut)
                    return true;
                goto fail;
            }
            unsigned d = s[i + k];
            if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf))
                goto fail;
        }
        i += len;
    }
    return true;
fail:
    if (bad)
        *bad = i;
    return false;
}
