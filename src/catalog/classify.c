/* Glue's built-in classifiers (see classify.h). */
#include "catalog/classify.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "catalog/parquet.h"

static int failf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

long classify_mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    classify_mem_t *m = ctx;
    if (off >= m->n)
        return 0;
    size_t k = m->n - (size_t)off < len ? m->n - (size_t)off : len;
    memcpy(buf, m->p + off, k);
    return (long)k;
}

/* ---- CSV ---- */

static const char DELIMS[] = {',', '|', '\t', ';', '\x01'};
static const char QUOTES[] = {'"', '\''};

typedef struct row {
    size_t nf, cap;
    size_t *off, *len;
    bool *quoted;
    char *sc; /* field text, unquoted */
    size_t sn, scap;
    bool oom;
} row_t;

static void row_free(row_t *r)
{
    free(r->off);
    free(r->len);
    free(r->quoted);
    free(r->sc);
}

static void sc_put(row_t *r, char c)
{
    if (r->sn + 1 >= r->scap) {
        size_t cap = r->scap ? r->scap * 2 : 256;
        char *p = realloc(r->sc, cap);
        if (!p) {
            r->oom = true;
            return;
        }
        r->sc = p;
        r->scap = cap;
    }
    r->sc[r->sn++] = c;
}

static int field_begin(row_t *r)
{
    if (r->nf >= CTYPE_MAX_FIELDS)
        return -2;
    if (r->nf == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        size_t *o = realloc(r->off, cap * sizeof *o);
        if (o)
            r->off = o;
        size_t *l = realloc(r->len, cap * sizeof *l);
        if (l)
            r->len = l;
        bool *q = realloc(r->quoted, cap * sizeof *q);
        if (q)
            r->quoted = q;
        if (!o || !l || !q) {
            r->oom = true;
            return -3;
        }
        r->cap = cap;
    }
    r->off[r->nf] = r->sn;
    r->len[r->nf] = 0;
    r->quoted[r->nf] = false;
    return 0;
}

static void field_end(row_t *r)
{
    r->len[r->nf] = r->sn - r->off[r->nf];
    r->nf++;
    sc_put(r, '\0');
}

/* One row from s at *pos. Returns 1 (a row), 0 (no more rows; with cut, an unfinished last row is dropped),
 * -1 (a quote that never closes), -2 (more than CTYPE_MAX_FIELDS fields), -3 (out of memory). */
static int read_row(const char *s, size_t n, size_t *pos, char d, char q, bool cut, row_t *r)
{
    size_t i = *pos;
    if (i >= n)
        return 0;
    r->nf = r->sn = 0;
    for (;;) {
        int rc = field_begin(r);
        if (rc < 0)
            return rc;
        if (q && i < n && s[i] == q) {
            r->quoted[r->nf] = true;
            i++;
            for (;;) {
                if (i >= n)
                    return cut ? 0 : -1;
                if (s[i] == q) {
                    if (i + 1 < n && s[i + 1] == q) {
                        sc_put(r, q);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                sc_put(r, s[i++]);
            }
            while (i < n && s[i] != d && s[i] != '\n') {
                if (s[i] != '\r')
                    sc_put(r, s[i]);
                i++;
            }
        } else {
            while (i < n && s[i] != d && s[i] != '\n')
                sc_put(r, s[i++]);
            if ((i >= n || s[i] == '\n') && r->sn > r->off[r->nf] && r->sc[r->sn - 1] == '\r')
                r->sn--;
        }
        if (r->oom)
            return -3;
        field_end(r);
        if (i >= n) {
            if (cut)
                return 0;
            *pos = n;
            return 1;
        }
        if (s[i] == '\n') {
            *pos = i + 1;
            return 1;
        }
        i++; /* the delimiter */
    }
}

static bool blank(const row_t *r)
{
    return r->nf == 1 && r->len[0] == 0 && !r->quoted[0];
}

typedef struct cand {
    char d, q;
    long rows, nf;
    bool consistent, quoted, malformed, too_wide;
    long bad_row, bad_nf;
} cand_t;

static void scan(const char *s, size_t n, bool cut, char d, char q, cand_t *c, row_t *r)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->q = q;
    c->consistent = true;
    c->nf = -1;
    size_t pos = 0;
    int rc;
    while ((rc = read_row(s, n, &pos, d, q, cut, r)) > 0) {
        if (blank(r))
            continue;
        c->rows++;
        for (size_t f = 0; f < r->nf; f++)
            c->quoted = c->quoted || r->quoted[f];
        if (c->nf < 0)
            c->nf = (long)r->nf;
        else if ((long)r->nf != c->nf && c->consistent) {
            c->consistent = false;
            c->bad_row = c->rows;
            c->bad_nf = (long)r->nf;
            break;
        }
    }
    if (rc == -1)
        c->malformed = true;
    if (rc == -2)
        c->too_wide = true;
    if (rc == -3)
        c->malformed = true;
}

static const char *delim_name(char d)
{
    switch (d) {
    case ',': return "','";
    case '|': return "'|'";
    case '\t': return "tab";
    case ';': return "';'";
    default: return "\\u0001";
    }
}

static int classify_csv(const char *s, size_t n, bool cut, ctype_schema_t **out, char *err, size_t errlen)
{
    row_t r = {0};
    cand_t best = {0}, c, first_wide = {0};
    bool have = false, have_wide = false;
    ctype_schema_t *sch = NULL;
    char **hdr = NULL;
    ctype_t **types = NULL, **htypes = NULL;
    bool *seen = NULL;
    int ret = -1;
    for (size_t di = 0; di < sizeof DELIMS; di++) {
        for (size_t qi = 0; qi < sizeof QUOTES; qi++) {
            scan(s, n, cut, DELIMS[di], QUOTES[qi], &c, &r);
            if (c.too_wide)
                return failf(err, errlen, "CSV has more than %d columns", CTYPE_MAX_FIELDS);
            if (!have_wide && c.nf >= 2 && !c.malformed) {
                first_wide = c;
                have_wide = true;
            }
            if (c.malformed || !c.consistent || c.nf < 2 || c.rows < 2)
                continue;
            if (!have || c.nf > best.nf) {
                best = c;
                have = true;
            }
            break; /* the double quote is tried first; the single quote only when it fails */
        }
    }
    if (!have) {
        row_free(&r);
        if (!have_wide)
            return failf(err, errlen,
                         "not CSV: no delimiter (',', '|', tab, ';', \\u0001) splits a row into two or "
                         "more columns");
        if (!first_wide.consistent)
            return failf(err, errlen, "CSV has ragged rows: row %ld has %ld fields where row 1 has %ld (delimiter %s)",
                         first_wide.bad_row, first_wide.bad_nf, first_wide.nf, delim_name(first_wide.d));
        return failf(err, errlen, "CSV needs at least two rows; this has %ld", first_wide.rows);
    }
    size_t nc = (size_t)best.nf;
    hdr = calloc(nc, sizeof *hdr);
    types = calloc(nc, sizeof *types);
    htypes = calloc(nc, sizeof *htypes);
    seen = calloc(nc, sizeof *seen); /* a data value equal to the column's first-row text */
    if (!hdr || !types || !htypes || !seen) {
        failf(err, errlen, "out of memory");
        goto done;
    }
    /* the chosen reading again: first-row texts, each column's type over rows 2.., and the bytes they take */
    size_t pos = 0, start = 0;
    long row = 0, records = 0;
    long long rbytes = 0;
    int rc;
    bool hdr_strings = true;
    while ((rc = read_row(s, n, &pos, best.d, best.q, cut, &r)) > 0) {
        if (blank(&r)) {
            start = pos;
            continue;
        }
        row++;
        for (size_t f = 0; f < nc; f++) {
            const char *v = r.sc + r.off[f];
            size_t l = r.len[f];
            ctype_kind_t k = ctype_of_text(v, l);
            if (row == 1) {
                if (!(hdr[f] = strdup(v)))
                    goto oom;
                htypes[f] = ctype_new(k);
                if (!htypes[f])
                    goto oom;
                if (k != CT_STRING || l == 0 || l >= CLASSIFY_MAX_FIELD)
                    hdr_strings = false;
                continue;
            }
            ctype_t *t = ctype_new(k);
            if (!t)
                goto oom;
            ctype_t *w = types[f] ? ctype_widen(types[f], t) : t;
            if (w != t)
                ctype_free(t);
            if (!w)
                goto oom;
            if (w != types[f]) {
                ctype_free(types[f]);
                types[f] = w;
            }
            if (!seen[f] && strcmp(v, hdr[f]) == 0)
                seen[f] = true;
        }
        if (row > 1) {
            records++;
            rbytes += (long long)(pos - start);
        }
        start = pos;
    }
    if (r.oom)
        goto oom;
    /* Header: every first-row field a string under 150 characters, the names unique, and the first row unlike
     * the data: some data column is not a string, or no name appears in its own column's data. */
    bool header = hdr_strings, some_typed = false, distinct = true;
    for (size_t f = 0; f < nc; f++) {
        if (types[f] && types[f]->kind != CT_STRING && types[f]->kind != CT_NULL)
            some_typed = true;
        if (seen[f])
            distinct = false;
        for (size_t g = 0; header && g < f; g++)
            if (strcasecmp(hdr[f], hdr[g]) == 0)
                header = false;
    }
    header = header && (some_typed || distinct);
    if (!(sch = ctype_schema_new("csv")))
        goto oom;
    sch->delim = best.d;
    sch->quote = best.quoted ? best.q : 0;
    sch->header = header;
    for (size_t f = 0; f < nc; f++) {
        char name[CTYPE_MAX_NAME + 1];
        ctype_t *t;
        if (header) {
            size_t k;
            for (k = 0; hdr[f][k] && k < CTYPE_MAX_NAME; k++)
                name[k] = (char)(hdr[f][k] >= 'A' && hdr[f][k] <= 'Z' ? hdr[f][k] + 32 : hdr[f][k]);
            name[k] = '\0';
            t = types[f] ? ctype_copy(types[f]) : ctype_new(CT_STRING);
        } else {
            snprintf(name, sizeof name, "col%zu", f);
            t = types[f] ? ctype_widen(types[f], htypes[f]) : ctype_copy(htypes[f]);
        }
        if (!t)
            goto oom;
        if (t->kind == CT_NULL)
            t->kind = CT_STRING;
        if (ctype_schema_add(sch, name, t) < 0)
            goto oom;
    }
    sch->records = header ? records : records + 1;
    sch->record_bytes = rbytes;
    if (!header) {
        /* the first row is a record too */
        size_t p0 = 0;
        row_t r1 = {0};
        while (read_row(s, n, &p0, best.d, best.q, cut, &r1) > 0 && blank(&r1))
            ;
        sch->record_bytes += (long long)p0;
        row_free(&r1);
    }
    *out = sch;
    sch = NULL;
    ret = 0;
    goto done;
oom:
    failf(err, errlen, "out of memory");
done:
    for (size_t f = 0; f < (size_t)best.nf; f++) {
        if (hdr)
            free(hdr[f]);
        if (types)
            ctype_free(types[f]);
        if (htypes)
            ctype_free(htypes[f]);
    }
    free(hdr);
    free(types);
    free(htypes);
    free(seen);
    ctype_schema_free(sch);
    row_free(&r);
    return ret;
}

/* ---- JSON ---- */

static ctype_t *type_of_json(json_t *v, int depth)
{
    if (depth > CTYPE_MAX_DEPTH)
        return ctype_new(CT_STRING);
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        ctype_t *st = ctype_new(CT_STRUCT);
        const char *k;
        json_t *x;
        if (!st)
            return NULL;
        json_object_foreach (v, k, x) {
            ctype_t *t = type_of_json(x, depth + 1);
            if (!t || ctype_struct_add(st, k, t) < 0) {
                ctype_free(st);
                return NULL;
            }
        }
        return st;
    }
    case JSON_ARRAY: {
        ctype_t *e = ctype_new(CT_NULL);
        size_t i;
        json_t *x;
        json_array_foreach (v, i, x) {
            ctype_t *t = type_of_json(x, depth + 1);
            ctype_t *w = t && e ? ctype_widen(e, t) : NULL;
            ctype_free(t);
            ctype_free(e);
            if (!(e = w))
                return NULL;
        }
        return ctype_new_array(e);
    }
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        return ctype_new(i >= INT32_MIN && i <= INT32_MAX ? CT_INT : CT_BIGINT);
    }
    case JSON_REAL: return ctype_new(CT_DOUBLE);
    case JSON_TRUE:
    case JSON_FALSE: return ctype_new(CT_BOOLEAN);
    case JSON_NULL: return ctype_new(CT_NULL);
    default: return ctype_new(CT_STRING);
    }
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* JSON records: objects separated by whitespace (one per line), or the objects of one top-level array. */
static int classify_json(const char *s, size_t n, bool cut, ctype_schema_t **out, char *err, size_t errlen)
{
    ctype_schema_t *sch = ctype_schema_new("json");
    if (!sch)
        return failf(err, errlen, "out of memory");
    size_t i = skip_ws(s, n, 0);
    bool array = i < n && s[i] == '[';
    long long records = 0, rbytes = 0;
    if (array)
        i = skip_ws(s, n, i + 1);
    for (;;) {
        if (i >= n) {
            if (array && !cut)
                goto bad_end;
            break;
        }
        if (array && s[i] == ']') {
            if (skip_ws(s, n, i + 1) != n) {
                failf(err, errlen, "JSON has data after its top-level array (at byte %zu)", skip_ws(s, n, i + 1));
                goto fail;
            }
            break;
        }
        json_error_t je;
        json_t *v = json_loadb(s + i, n - i, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (!v) {
            if (cut && (size_t)je.position >= n - i)
                break; /* the sample ends inside this record */
            failf(err, errlen, "not JSON: %s at byte %zu", je.text, i + (size_t)je.position);
            goto fail;
        }
        if (!json_is_object(v)) {
            json_decref(v);
            failf(err, errlen, "JSON record at byte %zu is not an object", i);
            goto fail;
        }
        const char *k;
        json_t *x;
        json_object_foreach (v, k, x) {
            char name[CTYPE_MAX_NAME + 1];
            size_t l;
            for (l = 0; k[l] && l < CTYPE_MAX_NAME; l++)
                name[l] = (char)(k[l] >= 'A' && k[l] <= 'Z' ? k[l] + 32 : k[l]);
            name[l] = '\0';
            if (l == 0 || (k[l] && l == CTYPE_MAX_NAME)) {
                size_t kl = strlen(k);
                json_decref(v);
                failf(err, errlen, "JSON record at byte %zu has a key of %zu bytes (1 to %d allowed)", i, kl,
                      CTYPE_MAX_NAME);
                goto fail;
            }
            ctype_t *t = type_of_json(x, 1);
            if (!t || ctype_schema_add(sch, name, t) < 0) {
                json_decref(v);
                failf(err, errlen, "JSON records have more than %d keys, or nest too much", CTYPE_MAX_FIELDS);
                goto fail;
            }
        }
        json_decref(v);
        records++;
        rbytes += je.position;
        i = skip_ws(s, n, i + (size_t)je.position);
        if (array) {
            if (i < n && s[i] == ',')
                i = skip_ws(s, n, i + 1);
            else if (i < n && s[i] != ']') {
                failf(err, errlen, "not JSON: ',' or ']' expected at byte %zu", i);
                goto fail;
            }
        }
    }
    if (records == 0) {
        failf(err, errlen, "JSON holds no record%s", cut ? " that fits the sample" : "");
        goto fail;
    }
    if (sch->ncols == 0) {
        failf(err, errlen, "JSON records have no keys");
        goto fail;
    }
    for (size_t c = 0; c < sch->ncols; c++)
        if (sch->types[c]->kind == CT_NULL)
            sch->types[c]->kind = CT_STRING;
    sch->records = records;
    sch->record_bytes = rbytes;
    *out = sch;
    return 0;
bad_end:
    failf(err, errlen, "not JSON: the top-level array never closes");
fail:
    ctype_schema_free(sch);
    return -1;
}

int classify_text(const char *buf, size_t len, bool cut, ctype_schema_t **out, char *err, size_t errlen)
{
    *out = NULL;
    size_t bad;
    if (len == 0)
        return failf(err, errlen, "file is empty");
    if (memchr(buf, '\0', len))
        return failf(err, errlen, "file holds NUL bytes: binary data no classifier reads");
    if (!ctype_utf8_valid(buf, len, cut, &bad))
        return failf(err, errlen, "file is not valid UTF-8 (byte %zu)", bad);
    size_t i = skip_ws(buf, len, 0);
    if (i == len)
        return failf(err, errlen, "file holds only whitespace");
    if (buf[i] == '{' || buf[i] == '[') {
        char jerr[256];
        if (classify_json(buf, len, cut, out, jerr, sizeof jerr) == 0)
            return 0;
        if (classify_csv(buf, len, cut, out, err, errlen) == 0)
            return 0;
        return failf(err, errlen, "%s", jerr);
    }
    return classify_csv(buf, len, cut, out, err, errlen);
}

/* ---- files ---- */

static int read_full(const classify_src_t *src, uint64_t off, void *buf, size_t len, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < len) {
        long k = src->read_at(src->ctx, off + got, (char *)buf + got, len - got);
        if (k < 0)
            return failf(err, errlen, "cannot read the file at byte %llu", (unsigned long long)(off + got));
        if (k == 0)
            return failf(err, errlen, "file ended at byte %llu, before its size of %llu",
                         (unsigned long long)(off + got), (unsigned long long)src->size);
        got += (size_t)k;
    }
    return 0;
}

static int classify_parquet(const classify_src_t *src, ctype_schema_t **out, char *err, size_t errlen)
{
    uint8_t tail[8];
    uint32_t len;
    if (src->size < 12)
        return failf(err, errlen, "Parquet file of %llu bytes is too short to hold a footer",
                     (unsigned long long)src->size);
    if (read_full(src, src->size - 8, tail, 8, err, errlen) < 0 ||
        parquet_footer_len(src->size, tail, &len, err, errlen) < 0)
        return -1;
    uint8_t *f = malloc(len);
    if (!f)
        return failf(err, errlen, "out of memory for a footer of %u bytes", len);
    int rc = read_full(src, src->size - 8 - len, f, len, err, errlen);
    if (rc == 0)
        rc = parquet_parse(f, len, out, err, errlen);
    free(f);
    if (rc == 0)
        (*out)->record_bytes = (long long)src->size;
    return rc;
}

/* Inflates a gzip file (several members allowed) into at most cap bytes. *cut: the output stopped at cap.
 * *in_used: compressed bytes consumed for that output. */
static int gunzip(const classify_src_t *src, size_t cap, char **out, size_t *outlen, bool *cut, uint64_t *in_used,
                  char *err, size_t errlen)
{
    z_stream z = {0};
    uint8_t in[65536];
    char *o = malloc(cap + 1);
    uint64_t off = 0;
    int ret = -1, zr = Z_OK;
    if (!o)
        return failf(err, errlen, "out of memory");
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(o);
        return failf(err, errlen, "cannot start zlib");
    }
    z.next_out = (Bytef *)o;
    z.avail_out = (uInt)cap;
    *cut = false;
    for (;;) {
        if (z.avail_in == 0) {
            if (off >= src->size)
                break;
            long k = src->read_at(src->ctx, off, in, sizeof in);
            if (k <= 0) {
                failf(err, errlen, "cannot read the file at byte %llu", (unsigned long long)off);
                goto done;
            }
            off += (uint64_t)k;
            z.next_in = in;
            z.avail_in = (uInt)k;
        }
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            /* another member may follow */
            if (z.avail_in == 0 && off >= src->size)
                break;
            if (inflateReset(&z) != Z_OK) {
                failf(err, errlen, "cannot restart zlib");
                goto done;
            }
            zr = Z_OK;
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            failf(err, errlen, "gzip data is corrupt (%s) near byte %llu", z.msg ? z.msg : "zlib error",
                  (unsigned long long)(off - z.avail_in));
            goto done;
        }
        if (z.avail_out == 0) {
            *cut = true;
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && off >= src->size)
            break;
    }
    if (!*cut && zr != Z_STREAM_END) {
        failf(err, errlen, "gzip stream ends early: the file is truncated");
        goto done;
    }
    *outlen = cap - z.avail_out;
    *in_used = off - z.avail_in;
    o[*outlen] = '\0';
    *out = o;
    o = NULL;
    ret = 0;
done:
    inflateEnd(&z);
    free(o);
    return ret;
}

int classify_file(const classify_src_t *src, size_t sample, ctype_schema_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!sample)
        sample = CLASSIFY_SAMPLE;
    if (src->size == 0)
        return failf(err, errlen, "file is empty");
    uint8_t magic[4] = {0};
    size_t m = src->size < 4 ? (size_t)src->size : 4;
    if (read_full(src, 0, magic, m, err, errlen) < 0)
        return -1;
    if (m == 4 && memcmp(magic, "PAR1", 4) == 0)
        return classify_parquet(src, out, err, errlen);
    char *text = NULL;
    size_t len;
    bool cut;
    uint64_t in_used = 0;
    const char *compression = "";
    if (m >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        if (gunzip(src, sample, &text, &len, &cut, &in_used, err, errlen) < 0)
            return -1;
        compression = "gzip";
    } else {
        len = src->size < sample ? (size_t)src->size : sample;
        cut = src->size > sample;
        in_used = len;
        if (!(text = malloc(len + 1)))
            return failf(err, errlen, "out of memory");
        if (read_full(src, 0, text, len, err, errlen) < 0) {
            free(text);
            return -1;
        }
    }
    int rc = classify_text(text, len, cut, out, err, errlen);
    free(text);
    if (rc < 0)
        return -1;
    ctype_schema_t *s = *out;
    snprintf(s->compression, sizeof s->compression, "%s", compression);
    if (cut && len > 0 && in_used > 0) {
        /* estimate the whole file from the sample: records per sampled byte, scaled to the file's size */
        double scale = (double)src->size / (double)in_used;
        s->records = (long long)((double)s->records * scale);
        s->record_bytes = (long long)((double)s->record_bytes * scale);
    }
    return 0;
}
