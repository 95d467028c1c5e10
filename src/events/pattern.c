/* The event-pattern compiler and matcher (see pattern.h). Reading order: the compiled form, case folding and
 * wildcards, compiling (one function per kind of JSON the pattern holds, each naming where it failed), then
 * matching, which walks the pattern and the event together. */
#include "events/pattern.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ---- the compiled form ---- */

enum mkind { M_EXACT, M_PREFIX, M_SUFFIX, M_EIC, M_WILDCARD, M_NUMERIC, M_EXISTS, M_ANYBUT };

/* A wildcard as its literal segments: seg[0] * seg[1] * ... * seg[n-1]. */
typedef struct wild {
    char **seg;
    size_t *len;
    size_t n;
} wild_t;

typedef struct matcher {
    enum mkind kind;
    bool fold;     /* M_PREFIX, M_SUFFIX: compared case-folded (s is folded) */
    json_t *value; /* M_EXACT: a scalar */
    char *s;       /* M_PREFIX, M_SUFFIX, M_EIC (folded) */
    size_t n;
    wild_t wild;                           /* M_WILDCARD */
    bool has_lo, has_hi, lo_incl, hi_incl; /* M_NUMERIC */
    double lo, hi;                         /* M_NUMERIC */
    bool exists;                           /* M_EXISTS */
    struct matcher * not ;                 /* M_ANYBUT: a leaf matches when it matches none of these */
    size_t nnot;
} matcher_t;

typedef struct node node_t;

typedef struct field {
    char *key;
    node_t *obj; /* a nested pattern, or NULL for a leaf */
    matcher_t *m;
    size_t nm;
} field_t;

struct node {
    field_t *f;
    size_t nf;
    node_t **alt; /* $or: at least two alternatives */
    size_t nalt;
};

struct evpat {
    node_t *root;
};

static void matcher_cleanup(matcher_t *m)
{
    json_decref(m->value);
    free(m->s);
    for (size_t i = 0; i < m->wild.n; i++)
        free(m->wild.seg[i]);
    free(m->wild.seg);
    free(m->wild.len);
    for (size_t i = 0; i < m->nnot; i++)
        matcher_cleanup(&m->not [i]);
    free(m->not );
}

static void node_free(node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nf; i++) {
        free(n->f[i].key);
        node_free(n->f[i].obj);
        for (size_t k = 0; k < n->f[i].nm; k++)
            matcher_cleanup(&n->f[i].m[k]);
        free(n->f[i].m);
    }
    free(n->f);
    for (size_t i = 0; i < n->nalt; i++)
        node_free(n->alt[i]);
    free(n->alt);
    free(n);
}

void evpat_free(evpat_t *p)
{
    if (!p)
        return;
    node_free(p->root);
    free(p);
}

/* ---- case folding ---- */

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static locale_t fold_locale; /* C.UTF-8 for towlower_l; (locale_t)0 when the system has none: ASCII only */

static void fold_init(void)
{
    fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!fold_locale)
        fold_locale = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

/* Decodes one UTF-8 sequence at s (n bytes left); *len gets its length. Invalid bytes decode as themselves with
 * length 1 (they are copied through unchanged). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    size_t l = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (l == 0 || l > n) {
        *len = 1;
        return 0xffffffffu;
    }
    uint32_t cp = l == 1 ? c : l == 2 ? (c & 0x1fu) : l == 3 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t i = 1; i < l; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xffffffffu;
        }
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    *len = l;
    return cp;
}

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The lower-cased copy of s (a new string; *outn its length). Lower-casing never more than doubles the UTF-8
 * length (the worst case is 2 bytes becoming 3). */
static char *fold(const char *s, size_t n, size_t *outn)
{
    pthread_once(&fold_once, fold_init);
    char *out = malloc(2 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        uint32_t cp = utf8_next((const unsigned char *)s + i, n - i, &len);
        if (cp == 0xffffffffu) {
            out[o++] = s[i];
        } else if (cp < 0x80) {
            out[o++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        } else if (fold_locale) {
            uint32_t low = (uint32_t)towlower_l((wint_t)cp, fold_locale);
            size_t k = utf8_put(out + o, low);
            if (k > len * 2) /* cannot happen for Unicode's mappings; keep the bound whatever the locale says */
                k = utf8_put(out + o, cp);
            o += k;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    *outn = o;
    return out;
}

/* ---- wildcards ---- */

static bool wild_match(const wild_t *w, const char *s, size_t n)
{
    if (w->n == 1)
        return n == w->len[0] && memcmp(s, w->seg[0], n) == 0;
    size_t first = w->len[0], last = w->len[w->n - 1];
    if (n < first + last || memcmp(s, w->seg[0], first) != 0 || memcmp(s + n - last, w->seg[w->n - 1], last) != 0)
        return false;
    /* with only '*' (no single-character wildcard), taking each middle segment at its leftmost place is never
     * worse than any other choice, so one pass decides */
    size_t pos = first, end = n - last;
    for (size_t i = 1; i + 1 < w->n; i++) {
        const char *hit = memmem(s + pos, end - pos, w->seg[i], w->len[i]);
        if (!hit)
            return false;
        pos = (size_t)(hit - s) + w->len[i];
    }
    return true;
}

/* ---- compiling ---- */

typedef struct cctx {
    char *err;
    size_t errlen;
    char path[512];
    size_t plen;
    bool failed;
} cctx_t;

static int fail(cctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cctx_t *c, const char *fmt, ...)
{
    if (c->failed)
        return -1;
    c->failed = true;
    if (!c->err || c->errlen == 0)
        return -1;
    char reason[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->plen)
        snprintf(c->err, c->errlen, "%s at %s", reason, c->path);
    else
        snprintf(c->err, c->errlen, "%s", reason);
    return -1;
}

/* Appends ".key" (or "key" at the top) or "[i]" to the path; returns the length to restore. */
static size_t path_key(cctx_t *c, const char *key)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%.100s", c->plen ? "." : "", key);
    if (n > 0)
        c->plen = c->plen + (size_t)n < sizeof c->path ? c->plen + (size_t)n : sizeof c->path - 1;
    return old;
}

static size_t path_index(cctx_t *c, size_t i)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "[%zu]", i);
    if (n > 0)
        c->plen = c->plen + (size_t)n < sizeof c->path ? c->plen + (size_t)n : sizeof c->path - 1;
    return old;
}

static void path_restore(cctx_t *c, size_t len)
{
    c->plen = len;
    c->path[len] = '\0';
}

static bool is_scalar(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v) || json_is_null(v);
}

static int compile_wildcard(cctx_t *c, const char *s, size_t n, wild_t *w)
{
    size_t stars = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '*') {
            if (i + 1 < n && s[i + 1] == '*')
                return fail(c, "Consecutive wildcard characters at pos %zu", i);
            stars++;
        } else if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '*' && s[i + 1] != '\\'))
                return fail(c, "Invalid escape character at pos %zu (only \\* and \\\\ are escapes)", i);
            i++;
        }
    }
    w->n = stars + 1;
    w->seg = calloc(w->n, sizeof *w->seg);
    w->len = calloc(w->n, sizeof *w->len);
    char *cur = malloc(n + 1);
    if (!w->seg || !w->len || !cur) {
        free(cur);
        return fail(c, "out of memory");
    }
    size_t k = 0, o = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '*') {
            w->seg[k] = malloc(o + 1);
            if (!w->seg[k]) {
                free(cur);
                return fail(c, "out of memory");
            }
            memcpy(w->seg[k], cur, o);
            w->seg[k][o] = '\0';
            w->len[k++] = o;
            o = 0;
        } else if (s[i] == '\\') {
            cur[o++] = s[++i];
        } else {
            cur[o++] = s[i];
        }
    }
    free(cur);
    return 0;
}

static int set_string(cctx_t *c, matcher_t *m, const json_t *v, bool folded)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    m->s = folded ? fold(s, n, &m->n) : strndup(s, n);
    if (!folded)
        m->n = n;
    return m->s ? 0 : fail(c, "out of memory");
}

static int number_in_range(cctx_t *c, const char *op, const json_t *v, double *out)
{
    if (!json_is_number(v))
        return fail(c, "Value of %s must be numeric", op);
    double x = json_number_value(v);
    if (!(x >= -EVPAT_NUMERIC_MAX && x <= EVPAT_NUMERIC_MAX))
        return fail(c, "Value of %s must be between -5.0e9 and 5.0e9 (got %g)", op, x);
    *out = x;
    return 0;
}

/* {"numeric": [op, n]} or [">"/">=", n, "<"/"<=", n] */
static int compile_numeric(cctx_t *c, const json_t *v, matcher_t *m)
{
    m->kind = M_NUMERIC;
    if (!json_is_array(v))
        return fail(c, "Value of numeric must be an array");
    size_t n = json_array_size(v);
    if (n != 2 && n != 4)
        return fail(c, n > 4 ? "Too many elements in numeric expression"
                             : "A numeric expression needs an operator and a number, or two of each");
    const char *op = json_string_value(json_array_get(v, 0));
    if (!op)
        return fail(c, "Invalid member in numeric match: the first element must be an operator");
    double x;
    if (strcmp(op, "=") != 0 && strcmp(op, "<") != 0 && strcmp(op, "<=") != 0 && strcmp(op, ">") != 0 &&
        strcmp(op, ">=") != 0)
        return fail(c, "Unrecognized numeric range operator: %.40s", op);
    if (number_in_range(c, op, json_array_get(v, 1), &x) < 0)
        return -1;
    if (op[0] == '=') {
        m->has_lo = m->has_hi = m->lo_incl = m->hi_incl = true;
        m->lo = m->hi = x;
    } else if (op[0] == '<') {
        m->has_hi = true;
        m->hi_incl = op[1] == '=';
        m->hi = x;
    } else {
        m->has_lo = true;
        m->lo_incl = op[1] == '=';
        m->lo = x;
    }
    if (n == 2)
        return 0;
    if (op[0] != '>')
        return fail(c, "Too many elements in numeric expression: '%s' takes no second bound", op);
    const char *op2 = json_string_value(json_array_get(v, 2));
    if (!op2 || (strcmp(op2, "<") != 0 && strcmp(op2, "<=") != 0))
        return fail(c, "Bad numeric range operator: %.40s (the upper bound takes < or <=)",
                    op2 ? op2 : "(not a string)");
    if (number_in_range(c, op2, json_array_get(v, 3), &x) < 0)
        return -1;
    m->has_hi = true;
    m->hi_incl = op2[1] == '=';
    m->hi = x;
    if (!(m->lo < m->hi))
        return fail(c, "Bottom must be less than top in a numeric range (got %g and %g)", m->lo, m->hi);
    return 0;
}

/* A string, or a non-empty list of strings, for an anything-but operator: one inner matcher each. */
static int anything_but_strings(cctx_t *c, const char *op, const json_t *v, matcher_t *m, enum mkind kind)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (json_is_array(v) && n == 0)
        return fail(c, "Empty arrays are not allowed in anything-but %s", op);
    m->not = calloc(n, sizeof *m->not );
    if (!m->not )
        return fail(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_is_array(v) ? json_array_get(v, i) : v;
        matcher_t *in = &m->not [m->nnot++];
        in->kind = kind;
        if (!json_is_string(s))
            return fail(c, "anything-but %s takes a string or a list of strings", op);
        if ((kind == M_PREFIX || kind == M_SUFFIX) && json_string_length(s) == 0)
            return fail(c, "Null prefix/suffix not allowed in anything-but");
        if (kind == M_WILDCARD) {
            if (compile_wildcard(c, json_string_value(s), json_string_length(s), &in->wild) < 0)
                return -1;
        } else if (set_string(c, in, s, kind == M_EIC) < 0) {
            return -1;
        }
    }
    return 0;
}

static int compile_anything_but(cctx_t *c, const json_t *v, matcher_t *m)
{
    m->kind = M_ANYBUT;
    if (json_is_object(v)) {
        if (json_object_size(v) != 1)
            return fail(c, json_object_size(v) ? "Only one key allowed in an anything-but expression"
                                               : "Anything-but expression name not found");
        const char *op = json_object_iter_key(json_object_iter((json_t *)v));
        const json_t *arg = json_object_iter_value(json_object_iter((json_t *)v));
        if (strcmp(op, "prefix") == 0)
            return anything_but_strings(c, op, arg, m, M_PREFIX);
        if (strcmp(op, "suffix") == 0)
            return anything_but_strings(c, op, arg, m, M_SUFFIX);
        if (strcmp(op, "equals-ignore-case") == 0)
            return anything_but_strings(c, op, arg, m, M_EIC);
        if (strcmp(op, "wildcard") == 0)
            return anything_but_strings(c, op, arg, m, M_WILDCARD);
        return fail(c, "Unsupported anything-but pattern: %.60s", op);
    }
    if (json_is_string(v) || json_is_number(v)) {
        m->not = calloc(1, sizeof *m->not );
        if (!m->not )
            return fail(c, "out of memory");
        m->nnot = 1;
        m->not [0].kind = M_EXACT;
        m->not [0].value = json_deep_copy(v);
        return 0;
    }
    if (!json_is_array(v))
        return fail(c, "Value of anything-but must be an array or a single string or number");
    size_t n = json_array_size(v), strings = 0, numbers = 0;
    if (n == 0)
        return fail(c, "Empty arrays are not allowed in anything-but");
    m->not = calloc(n, sizeof *m->not );
    if (!m->not )
        return fail(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        if (json_is_string(x))
            strings++;
        else if (json_is_number(x))
            numbers++;
        else
            return fail(c, "Inside an anything-but list, only strings or numbers are supported (not objects, "
                           "lists, null or booleans)");
        m->not [m->nnot].kind = M_EXACT;
        m->not [m->nnot++].value = json_deep_copy(x);
    }
    if (strings && numbers)
        return fail(c, "Inside an anything-but list, either all values are numbers or all are strings: mixed types "
                       "are not supported");
    return 0;
}

/* {"operator": argument}: one match expression. */
static int compile_expr(cctx_t *c, const json_t *o, matcher_t *m)
{
    if (json_object_size(o) != 1)
        return fail(c, json_object_size(o) ? "Only one key allowed in a match expression"
                                           : "Match expression name not found (an empty object)");
    const char *op = json_object_iter_key(json_object_iter((json_t *)o));
    const json_t *v = json_object_iter_value(json_object_iter((json_t *)o));
    if (strcmp(op, "prefix") == 0 || strcmp(op, "suffix") == 0) {
        m->kind = op[0] == 'p' ? M_PREFIX : M_SUFFIX;
        if (json_is_object(v)) {
            const json_t *eic = json_object_get(v, "equals-ignore-case");
            if (json_object_size(v) != 1 || !eic)
                return fail(c, "%s takes a string or {\"equals-ignore-case\": string}", op);
            if (!json_is_string(eic))
                return fail(c, "equals-ignore-case match pattern must be a string");
            m->fold = true;
            return set_string(c, m, eic, true);
        }
        if (!json_is_string(v))
            return fail(c, "%s match pattern must be a string", op);
        return set_string(c, m, v, false);
    }
    if (strcmp(op, "equals-ignore-case") == 0) {
        m->kind = M_EIC;
        if (!json_is_string(v))
            return fail(c, "equals-ignore-case match pattern must be a string");
        return set_string(c, m, v, true);
    }
    if (strcmp(op, "wildcard") == 0) {
        m->kind = M_WILDCARD;
        if (!json_is_string(v))
            return fail(c, "wildcard match pattern must be a string");
        return compile_wildcard(c, json_string_value(v), json_string_length(v), &m->wild);
    }
    if (strcmp(op, "numeric") == 0)
        return compile_numeric(c, v, m);
    if (strcmp(op, "exists") == 0) {
        m->kind = M_EXISTS;
        if (!json_is_boolean(v))
            return fail(c, "exists match pattern must be either true or false");
        m->exists = json_is_true(v);
        return 0;
    }
    if (strcmp(op, "anything-but") == 0)
        return compile_anything_but(c, v, m);
    if (strcmp(op, "cidr") == 0)
        return fail(c, "cidr matching is not supported by glued");
    return fail(c, "Unrecognized match type %.60s", op);
}

static int compile_leaf(cctx_t *c, const json_t *arr, field_t *f)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return fail(c, "Empty arrays are not allowed");
    f->m = calloc(n, sizeof *f->m);
    if (!f->m)
        return fail(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        matcher_t *m = &f->m[f->nm++];
        size_t old = path_index(c, i);
        int rc = 0;
        if (json_is_object(v)) {
            rc = compile_expr(c, v, m);
        } else if (is_scalar(v)) {
            m->kind = M_EXACT;
            m->value = json_deep_copy(v);
        } else {
            rc = fail(c, "Match value must be a string, number, true, false, or null (not a list)");
        }
        path_restore(c, old);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static node_t *compile_node(cctx_t *c, const json_t *o, int depth)
{
    if (!json_is_object(o)) {
        fail(c, "Filter is not an object");
        return NULL;
    }
    if (depth > EVPAT_MAX_DEPTH) {
        fail(c, "Pattern nests deeper than %d levels", EVPAT_MAX_DEPTH);
        return NULL;
    }
    if (json_object_size(o) == 0) {
        fail(c, "Empty objects are not allowed");
        return NULL;
    }
    node_t *n = calloc(1, sizeof *n);
    if (!n || !(n->f = calloc(json_object_size(o), sizeof *n->f))) {
        free(n);
        fail(c, "out of memory");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)o, key, v) {
        if (strcmp(key, "$or") == 0) {
            size_t old = path_key(c, key);
            if (!json_is_array(v)) {
                fail(c, "$or must be followed by an array of objects");
            } else if (json_array_size(v) < 2) {
                fail(c, "There must be at least 2 objects in a $or relationship");
            } else if (!(n->alt = calloc(json_array_size(v), sizeof *n->alt))) {
                fail(c, "out of memory");
            } else {
                for (size_t i = 0; i < json_array_size(v) && !c->failed; i++) {
                    const json_t *alt = json_array_get(v, i);
                    size_t o2 = path_index(c, i);
                    if (!json_is_object(alt))
                        fail(c, "Only JSON objects are allowed in the array of a $or relationship");
                    else if ((n->alt[n->nalt] = compile_node(c, alt, depth + 1)))
                        n->nalt++;
                    path_restore(c, o2);
                }
            }
            path_restore(c, old);
        } else {
            field_t *f = &n->f[n->nf++];
            size_t old = path_key(c, key);
            if (!(f->key = strdup(key)))
                fail(c, "out of memory");
            else if (json_is_object(v))
                f->obj = compile_node(c, v, depth + 1);
            else if (json_is_array(v))
                compile_leaf(c, v, f);
            else
                fail(c, "\"%.100s\" must be an object or an array", key);
            path_restore(c, old);
        }
        if (c->failed)
            break;
    }
    if (c->failed) {
        node_free(n);
        return NULL;
    }
    return n;
}

int evpat_compile_json(const json_t *pattern, evpat_t **out, char *err, size_t errlen)
{
    cctx_t c = {.err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    node_t *root = compile_node(&c, pattern, 1);
    if (!root)
        return -1;
    evpat_t *p = malloc(sizeof *p);
    if (!p) {
        node_free(root);
        return fail(&c, "out of memory");
    }
    p->root = root;
    *out = p;
    return 0;
}

/* Deepest nesting of arrays and objects outside strings; stops counting past the limit. */
static bool depth_ok(const char *s, size_t n, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max)
                return false;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return true;
}

json_t *evpat_parse_object(const char *text, size_t len, int max_depth, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!depth_ok(text, len, max_depth)) {
        if (err && errlen)
            snprintf(err, errlen, "JSON nests deeper than %d levels", max_depth);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v && strstr(je.text, "too big")) /* integers past 64 bits are still numbers */
        v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
    if (!v) {
        if (err && errlen)
            snprintf(err, errlen, "not valid JSON: %s at line %d, column %d", je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        if (err && errlen)
            snprintf(err, errlen, "must be a JSON object");
        json_decref(v);
        return NULL;
    }
    return v;
}

int evpat_compile(const char *text, size_t len, evpat_t **out, char *err, size_t errlen)
{
    char why[EVPAT_ERR_LEN];
    /* the depth bound of parsing leaves room for the deepest pattern compile_node accepts (leaf arrays and
     * match expressions add levels below the objects) */
    json_t *v = evpat_parse_object(text, len, EVPAT_MAX_DEPTH + 4, why, sizeof why);
    if (!v) {
        if (err && errlen)
            snprintf(err, errlen, "%s", strcmp(why, "must be a JSON object") == 0 ? "Filter is not an object" : why);
        return -1;
    }
    int rc = evpat_compile_json(v, out, err, errlen);
    json_decref(v);
    return rc;
}

/* ---- matching ---- */

static bool exact_match(const json_t *want, const json_t *v)
{
    if (json_is_string(want))
        return json_is_string(v) && json_string_length(v) == json_string_length(want) &&
               memcmp(json_string_value(v), json_string_value(want), json_string_length(v)) == 0;
    if (json_is_number(want)) {
        if (!json_is_number(v))
            return false;
        if (json_is_integer(want) && json_is_integer(v))
            return json_integer_value(want) == json_integer_value(v);
        return json_number_value(want) == json_number_value(v);
    }
    return json_typeof(want) == json_typeof(v); /* true, false, null */
}

/* m against one leaf value (a scalar). */
static bool m_match(const matcher_t *m, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    switch (m->kind) {
    case M_EXACT: return exact_match(m->value, v);
    case M_EXISTS: return m->exists;
    case M_NUMERIC: {
        if (!json_is_number(v))
            return false;
        double x = json_number_value(v);
        if (m->has_lo && (m->lo_incl ? x < m->lo : x <= m->lo))
            return false;
        if (m->has_hi && (m->hi_incl ? x > m->hi : x >= m->hi))
            return false;
        return !isnan(x);
    }
    case M_WILDCARD: return s && wild_match(&m->wild, s, n);
    case M_ANYBUT:
        for (size_t i = 0; i < m->nnot; i++)
            if (m_match(&m->not [i], v))
                return false;
        return true;
    case M_PREFIX:
    case M_SUFFIX:
    case M_EIC: {
        if (!s)
            return false;
        char *folded = NULL;
        if (m->fold || m->kind == M_EIC) {
            folded = fold(s, n, &n);
            if (!folded)
                return false;
            s = folded;
        }
        bool hit = m->kind == M_EIC      ? n == m->n && memcmp(s, m->s, n) == 0
                   : n < m->n            ? false
                   : m->kind == M_PREFIX ? memcmp(s, m->s, m->n) == 0
                                         : memcmp(s + n - m->n, m->s, m->n) == 0;
        free(folded);
        return hit;
    }
    }
    return false;
}

/* Whether a leaf field matches: each scalar in v (arrays are looked through) against each alternative. With no
 * scalar there (absent, an object, an empty array) only {"exists": false} matches. */
static bool leaf_any(const field_t *f, const json_t *v, bool *seen)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach ((json_t *)v, i, x)
            if (leaf_any(f, x, seen))
                return true;
        return false;
    }
    if (!v || json_is_object(v))
        return false;
    *seen = true;
    for (size_t k = 0; k < f->nm; k++)
        if (m_match(&f->m[k], v))
            return true;
    return false;
}

static bool leaf_match(const field_t *f, const json_t *v)
{
    bool seen = false;
    if (leaf_any(f, v, &seen))
        return true;
    if (seen)
        return false;
    for (size_t k = 0; k < f->nm; k++)
        if (f->m[k].kind == M_EXISTS && !f->m[k].exists)
            return true;
    return false;
}

static bool node_match(const node_t *n, const json_t *ev);

/* The node against one value that is not an array (an object, a scalar, or absent). */
static bool node_match_one(const node_t *n, const json_t *ev)
{
    const json_t *obj = json_is_object(ev) ? ev : NULL;
    for (size_t i = 0; i < n->nf; i++) {
        const field_t *f = &n->f[i];
        const json_t *v = obj ? json_object_get(obj, f->key) : NULL;
        if (f->obj ? !node_match(f->obj, v) : !leaf_match(f, v))
            return false;
    }
    if (n->nalt == 0)
        return true;
    for (size_t i = 0; i < n->nalt; i++)
        if (node_match(n->alt[i], ev))
            return true;
    return false;
}

/* An object pattern over an array must match one element as a whole; an empty array is as absent. */
static bool node_match(const node_t *n, const json_t *ev)
{
    if (!json_is_array(ev))
        return node_match_one(n, ev);
    if (json_array_size(ev) == 0)
        return node_match_one(n, NULL);
    size_t i;
    json_t *x;
    json_array_foreach ((json_t *)ev, i, x)
        if (node_match(n, x))
            return true;
    return false;
}

bool evpat_match(const evpat_t *p, const json_t *event)
{
    return p && node_match(p->root, event);
}
