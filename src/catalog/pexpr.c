/* The partition-predicate language (see pexpr.h): a tokenizer, a recursive-descent parser that types each
 * literal by its key as it reads it, an evaluator, and the index key encoding with the ranges derived from an
 * expression.
 *
 * Index key: one component per key, then 0x01. A number readable as its key's type is '1' and 16 hex digits
 * of its order-preserving 64-bit image; anything else is '2' and the text with 0x01 -> 0x02 0x02 and
 * 0x02 -> 0x02 0x03. When a number's text is not its canonical form ("02" for 2), 0x03 and every value's
 * escaped text follow, so distinct value lists keep distinct keys. */
#include "catalog/pexpr.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/sbuf.h"

enum { K_STRING, K_INT, K_FLOAT, K_DATE };
enum { N_AND, N_OR, N_NOT, N_CMP, N_BETWEEN, N_IN, N_LIKE };
enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };

#define MAX_DEPTH 100

typedef struct lit {
    char *text; /* the literal as written (unquoted) */
    int64_t i;  /* K_INT */
    double d;   /* K_FLOAT */
} lit_t;

typedef struct node {
    int type, op;
    bool neg; /* NOT BETWEEN / NOT IN / NOT LIKE */
    size_t key;
    size_t nlits;
    lit_t *lits;
    struct node *a, *b;
} node_t;

struct pexpr {
    node_t *root;
    size_t nkeys;
    int *ktypes;
};

/* ---- key types and values ---- */

static int key_type(const char *t)
{
    static const char *const ints[] = {"tinyint", "smallint", "int", "integer", "bigint", "long"};
    if (!t)
        return K_STRING;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcasecmp(t, ints[i]) == 0)
            return K_INT;
    if (strcasecmp(t, "float") == 0 || strcasecmp(t, "double") == 0 || strncasecmp(t, "decimal", 7) == 0)
        return K_FLOAT;
    if (strcasecmp(t, "date") == 0)
        return K_DATE;
    return K_STRING;
}

static bool read_int(const char *s, int64_t *v)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

static bool read_float(const char *s, double *v)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    /* digits, sign, point and exponent only: strtod would also take "nan", "inf" and hex */
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p))
            return false;
    errno = 0;
    char *end;
    double x = strtod(s, &end);
    if (errno || *end || !isfinite(x))
        return false;
    *v = x;
    return true;
}

static bool is_date(const char *s)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return false;
    return s[10] == '\0';
}

/* ---- tokens ---- */

enum { T_END, T_IDENT, T_STRING, T_NUMBER, T_OP, T_LP, T_RP, T_COMMA, T_BAD };

typedef struct tok {
    int type;
    size_t pos, len; /* byte offset and length in the text */
    char *val;       /* T_IDENT, T_STRING, T_NUMBER: the unquoted text */
    int op;
} tok_t;

typedef struct parser {
    const char *s;
    size_t n, i;
    tok_t t; /* the current token */
    const struct pexpr *e;
    const char *const *names;
    int depth;
    char *err;
    size_t errlen;
    bool failed;
} parser_t;

static int fail(parser_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser_t *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return -1;
}

/* The current token as the user wrote it, for messages (at most 60 bytes). */
static const char *shown(parser_t *p, char buf[80])
{
    size_t len = p->t.len > 60 ? 60 : p->t.len;
    snprintf(buf, 80, "%.*s%s", (int)len, p->s + p->t.pos, p->t.len > 60 ? "..." : "");
    return buf;
}

static int expected(parser_t *p, const char *what)
{
    char b[80];
    if (p->t.type == T_END)
        return fail(p, "Expression ended early at position %zu: expected %s", p->t.pos + 1, what);
    return fail(p, "Unexpected '%s' at position %zu of the expression: expected %s", shown(p, b), p->t.pos + 1, what);
}

static int next(parser_t *p)
{
    free(p->t.val);
    memset(&p->t, 0, sizeof p->t);
    while (p->i < p->n && isspace((unsigned char)p->s[p->i]))
        p->i++;
    size_t st = p->i;
    p->t.pos = st;
    if (st >= p->n) {
        p->t.type = T_END;
        return 0;
    }
    char c = p->s[st];
    const char *s = p->s;
    if (c == '(' || c == ')' || c == ',') {
        p->t.type = c == '(' ? T_LP : c == ')' ? T_RP : T_COMMA;
        p->i++;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
        size_t l = 1;
        if (c == '=')
            p->t.op = OP_EQ;
        else if (c == '<' && st + 1 < p->n && s[st + 1] == '>')
            p->t.op = OP_NE, l = 2;
        else if (c == '<' && st + 1 < p->n && s[st + 1] == '=')
            p->t.op = OP_LE, l = 2;
        else if (c == '<')
            p->t.op = OP_LT;
        else if (c == '>' && st + 1 < p->n && s[st + 1] == '=')
            p->t.op = OP_GE, l = 2;
        else if (c == '>')
            p->t.op = OP_GT;
        else if (st + 1 < p->n && s[st + 1] == '=')
            p->t.op = OP_NE, l = 2;
        else {
            p->t.type = T_BAD;
            p->t.len = 1;
            p->i++;
            return 0;
        }
        p->t.type = T_OP;
        p->i += l;
    } else if (c == '\'') {
        /* 'text' with '' for a quote */
        size_t i = st + 1, o = 0;
        char *v = malloc(p->n - st + 1);
        if (!v)
            return fail(p, "out of memory");
        for (;;) {
            if (i >= p->n) {
                free(v);
                return fail(p, "Unterminated string starting at position %zu of the expression", st + 1);
            }
            if (s[i] == '\'') {
                if (i + 1 < p->n && s[i + 1] == '\'') {
                    v[o++] = '\'';
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            v[o++] = s[i++];
        }
        v[o] = '\0';
        p->t.type = T_STRING;
        p->t.val = v;
        p->i = i;
    } else if (c == '`') {
        const char *end = memchr(s + st + 1, '`', p->n - st - 1);
        if (!end)
            return fail(p, "Unterminated `name` starting at position %zu of the expression", st + 1);
        p->t.type = T_IDENT;
        p->t.val = strndup(s + st + 1, (size_t)(end - s - st - 1));
        p->i = (size_t)(end - s) + 1;
    } else if (isdigit((unsigned char)c) || ((c == '-' || c == '+' || c == '.') && st + 1 < p->n &&
                                             (isdigit((unsigned char)s[st + 1]) || s[st + 1] == '.'))) {
        size_t i = st + 1;
        while (i < p->n && (isalnum((unsigned char)s[i]) || s[i] == '.' ||
                            ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
            i++;
        p->t.type = T_NUMBER;
        p->t.val = strndup(s + st, i - st);
        p->i = i;
    } else if (isalpha((unsigned char)c) || c == '_') {
        size_t i = st + 1;
        while (i < p->n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
            i++;
        p->t.type = T_IDENT;
        p->t.val = strndup(s + st, i - st);
        p->i = i;
    } else {
        /* one whole UTF-8 character, so the message stays valid text */
        size_t l = 1;
        while (st + l < p->n && ((unsigned char)s[st + l] & 0xc0) == 0x80 && l < 4)
            l++;
        p->t.type = T_BAD;
        p->i += l;
    }
    p->t.len = p->i - st;
    if ((p->t.type == T_IDENT || p->t.type == T_NUMBER) && !p->t.val)
        return fail(p, "out of memory");
    if (p->t.type == T_BAD) {
        char b[80];
        return fail(p, "Unexpected '%s' at position %zu of the expression", shown(p, b), st + 1);
    }
    return 0;
}

static bool is_kw(parser_t *p, const char *kw)
{
    return p->t.type == T_IDENT && p->t.val && strcasecmp(p->t.val, kw) == 0 && p->s[p->t.pos] != '`';
}

static void node_free(node_t *n)
{
    if (!n)
        return;
    node_free(n->a);
    node_free(n->b);
    for (size_t i = 0; i < n->nlits; i++)
        free(n->lits[i].text);
    free(n->lits);
    free(n);
}

static node_t *node_new(parser_t *p, int type)
{
    node_t *n = calloc(1, sizeof *n);
    if (!n)
        fail(p, "out of memory");
    else
        n->type = type;
    return n;
}

static const char *const KTYPE_NAMES[] = {
    [K_STRING] = "string", [K_INT] = "integer", [K_FLOAT] = "number", [K_DATE] = "date (yyyy-mm-dd)"};

/* Reads a literal for key k into n's list, typed by the key. */
static int literal(parser_t *p, node_t *n, size_t k)
{
    if (p->t.type != T_STRING && p->t.type != T_NUMBER)
        return expected(p, "a value (a 'quoted string' or a number)");
    lit_t l = {.text = p->t.val};
    int kt = p->e->ktypes[k];
    bool ok = kt == K_INT     ? read_int(l.text, &l.i)
              : kt == K_FLOAT ? read_float(l.text, &l.d)
              : kt == K_DATE  ? is_date(l.text)
                              : true;
    if (!ok) {
        char b[80];
        return fail(p, "Value %s at position %zu of the expression is not a valid %s for partition key %s", shown(p, b),
                    p->t.pos + 1, KTYPE_NAMES[kt], p->names[k]);
    }
    lit_t *nl = realloc(n->lits, (n->nlits + 1) * sizeof *nl);
    if (!nl)
        return fail(p, "out of memory");
    n->lits = nl;
    n->lits[n->nlits++] = l;
    p->t.val = NULL; /* the node owns it now */
    return next(p);
}

static node_t *expr_or(parser_t *p);

static node_t *comparison(parser_t *p)
{
    if (p->t.type != T_IDENT || is_kw(p, "AND") || is_kw(p, "OR") || is_kw(p, "NOT") || is_kw(p, "BETWEEN") ||
        is_kw(p, "IN") || is_kw(p, "LIKE")) {
        expected(p, "a partition key");
        return NULL;
    }
    size_t k;
    for (k = 0; k < p->e->nkeys; k++)
        if (strcasecmp(p->names[k], p->t.val) == 0)
            break;
    if (k == p->e->nkeys) {
        char b[80];
        fail(p, "Unknown partition key '%s' at position %zu of the expression", shown(p, b), p->t.pos + 1);
        return NULL;
    }
    if (next(p) < 0)
        return NULL;
    bool neg = false;
    if (is_kw(p, "NOT")) {
        neg = true;
        if (next(p) < 0)
            return NULL;
    }
    node_t *n = NULL;
    if (!neg && p->t.type == T_OP) {
        if (!(n = node_new(p, N_CMP)))
            return NULL;
        n->op = p->t.op;
        if (next(p) < 0)
            goto fail;
        n->key = k;
        if (literal(p, n, k) < 0)
            goto fail;
        return n;
    }
    if (is_kw(p, "BETWEEN")) {
        if (!(n = node_new(p, N_BETWEEN)) || next(p) < 0)
            goto fail;
        n->key = k;
        if (literal(p, n, k) < 0)
            goto fail;
        if (!is_kw(p, "AND")) {
            expected(p, "AND in BETWEEN ... AND ...");
            goto fail;
        }
        if (next(p) < 0 || literal(p, n, k) < 0)
            goto fail;
    } else if (is_kw(p, "IN")) {
        if (!(n = node_new(p, N_IN)) || next(p) < 0)
            goto fail;
        n->key = k;
        if (p->t.type != T_LP) {
            expected(p, "'(' after IN");
            goto fail;
        }
        if (next(p) < 0)
            goto fail;
        for (;;) {
            if (literal(p, n, k) < 0)
                goto fail;
            if (p->t.type == T_RP)
                break;
            if (p->t.type != T_COMMA) {
                expected(p, "',' or ')' in the IN list");
                goto fail;
            }
            if (next(p) < 0)
                goto fail;
        }
        if (next(p) < 0)
            goto fail;
    } else if (is_kw(p, "LIKE")) {
        if (p->e->ktypes[k] != K_STRING) {
            fail(p, "LIKE at position %zu of the expression needs a string partition key; %s is not one", p->t.pos + 1,
                 p->names[k]);
            return NULL;
        }
        if (!(n = node_new(p, N_LIKE)) || next(p) < 0)
            goto fail;
        n->key = k;
        if (p->t.type != T_STRING) {
            expected(p, "a 'quoted pattern' after LIKE");
            goto fail;
        }
        if (literal(p, n, k) < 0)
            goto fail;
    } else {
        expected(p, neg ? "BETWEEN, IN or LIKE after NOT" : "a comparison (=, <>, <, >, <=, >=, BETWEEN, IN, LIKE)");
        return NULL;
    }
    n->neg = neg;
    return n;
fail:
    node_free(n);
    return NULL;
}

static node_t *unary(parser_t *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail(p, "Expression nests deeper than %d levels at position %zu", MAX_DEPTH, p->t.pos + 1);
        return NULL;
    }
    node_t *r = NULL;
    if (is_kw(p, "NOT")) {
        if (next(p) < 0)
            return NULL;
        node_t *a = unary(p);
        if (!a)
            return NULL;
        if (!(r = node_new(p, N_NOT))) {
            node_free(a);
            return NULL;
        }
        r->a = a;
    } else if (p->t.type == T_LP) {
        if (next(p) < 0)
            return NULL;
        r = expr_or(p);
        if (!r)
            return NULL;
        if (p->t.type != T_RP) {
            expected(p, "')'");
            node_free(r);
            return NULL;
        }
        if (next(p) < 0) {
            node_free(r);
            return NULL;
        }
    } else {
        r = comparison(p);
    }
    p->depth--;
    return r;
}

static node_t *binary(parser_t *p, int type)
{
    node_t *l = type == N_OR ? binary(p, N_AND) : unary(p);
    while (l && is_kw(p, type == N_OR ? "OR" : "AND")) {
        if (next(p) < 0)
            goto fail;
        node_t *r = type == N_OR ? binary(p, N_AND) : unary(p);
        if (!r)
            goto fail;
        node_t *n = node_new(p, type);
        if (!n) {
            node_free(r);
            goto fail;
        }
        n->a = l;
        n->b = r;
        l = n;
    }
    return l;
fail:
    node_free(l);
    return NULL;
}

static node_t *expr_or(parser_t *p)
{
    return binary(p, N_OR);
}

int pexpr_parse(const char *text, size_t nkeys, const char *const *names, const char *const *types, pexpr_t **out,
                char *err, size_t errlen)
{
    *out = NULL;
    pexpr_t *e = calloc(1, sizeof *e);
    parser_t p = {.s = text, .n = strlen(text), .e = e, .names = names, .err = err, .errlen = errlen};
    if (!e || (nkeys && !(e->ktypes = calloc(nkeys, sizeof *e->ktypes)))) {
        fail(&p, "out of memory");
        goto fail;
    }
    e->nkeys = nkeys;
    for (size_t i = 0; i < nkeys; i++)
        e->ktypes[i] = key_type(types ? types[i] : NULL);
    if (next(&p) < 0)
        goto fail;
    if (p.t.type == T_END) {
        fail(&p, "Expression is empty");
        goto fail;
    }
    e->root = expr_or(&p);
    if (!e->root)
        goto fail;
    if (p.t.type != T_END) {
        expected(&p, "AND, OR or the end of the expression");
        goto fail;
    }
    free(p.t.val);
    *out = e;
    return 0;
fail:
    free(p.t.val);
    pexpr_free(e);
    return -1;
}

void pexpr_free(pexpr_t *e)
{
    if (!e)
        return;
    node_free(e->root);
    free(e->ktypes);
    free(e);
}

/* ---- evaluation ---- */

/* <0, 0, >0 comparing value v (of key type kt) with literal l; 2 when v cannot be read as kt. */
static int compare(int kt, const char *v, const lit_t *l)
{
    if (kt == K_INT) {
        int64_t x;
        if (!read_int(v, &x))
            return 2;
        return x < l->i ? -1 : x > l->i;
    }
    if (kt == K_FLOAT) {
        double x;
        if (!read_float(v, &x))
            return 2;
        return x < l->d ? -1 : x > l->d;
    }
    int c = strcmp(v, l->text);
    return c < 0 ? -1 : c > 0;
}

/* LIKE with % (any run) and _ (one character); iterative, so a hostile pattern cannot make it exponential. */
static size_t char_len(const char *s)
{
    size_t l = 1;
    while (s[l] && ((unsigned char)s[l] & 0xc0) == 0x80)
        l++;
    return l;
}

static bool like(const char *s, const char *pat)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '%') {
            star = ++pat;
            resume = s;
        } else if (*pat == '_') {
            s += char_len(s);
            pat++;
        } else if (*pat && *pat == *s) {
            s++;
            pat++;
        } else if (star) {
            pat = star;
            resume += char_len(resume);
            s = resume;
        } else {
            return false;
        }
    }
    while (*pat == '%')
        pat++;
    return *pat == '\0';
}

static bool eval(const pexpr_t *e, const node_t *n, const char *const *v)
{
    switch (n->type) {
    case N_AND: return eval(e, n->a, v) && eval(e, n->b, v);
    case N_OR: return eval(e, n->a, v) || eval(e, n->b, v);
    case N_NOT: return !eval(e, n->a, v);
    default: break;
    }
    int kt = e->ktypes[n->key];
    const char *x = v[n->key];
    bool r = false;
    if (n->type == N_CMP) {
        int c = compare(kt, x, &n->lits[0]);
        if (c == 2)
            return false;
        switch (n->op) {
        case OP_EQ: return c == 0;
        case OP_NE: return c != 0;
        case OP_LT: return c < 0;
        case OP_GT: return c > 0;
        case OP_LE: return c <= 0;
        default: return c >= 0;
        }
    } else if (n->type == N_BETWEEN) {
        int a = compare(kt, x, &n->lits[0]), b = compare(kt, x, &n->lits[1]);
        if (a == 2)
            return false;
        r = a >= 0 && b <= 0;
    } else if (n->type == N_IN) {
        for (size_t i = 0; i < n->nlits && !r; i++) {
            int c = compare(kt, x, &n->lits[i]);
            if (c == 2)
                return false;
            r = c == 0;
        }
    } else {
        r = like(x, n->lits[0].text);
    }
    return n->neg ? !r : r;
}

bool pexpr_match(const pexpr_t *e, const char *const *values, size_t nvalues)
{
    if (!e)
        return true;
    if (nvalues < e->nkeys)
        return false;
    for (size_t i = 0; i < e->nkeys; i++)
        if (!values[i])
            return false;
    return eval(e, e->root, values);
}

/* ---- index keys ---- */

static void put_escaped(sbuf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == 1)
            sbuf_add(b, "\x02\x02", 2);
        else if (*s == 2)
            sbuf_add(b, "\x02\x03", 2);
        else
            sbuf_add(b, s, 1);
    }
}

static void put_u64(sbuf_t *b, uint64_t u)
{
    char h[18];
    snprintf(h, sizeof h, "1%016" PRIx64, u);
    sbuf_add(b, h, 17);
}

static uint64_t double_image(double d)
{
    if (d == 0)
        d = 0; /* -0 and 0 are one value */
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

/* One component, without its 0x01 terminator; *canon says whether the text is the number's canonical form. */
static void component(sbuf_t *b, int kt, const char *v, bool *canon)
{
    char c[40];
    int64_t i;
    double d;
    *canon = true;
    if (kt == K_INT && read_int(v, &i)) {
        put_u64(b, (uint64_t)i ^ (UINT64_C(1) << 63));
        snprintf(c, sizeof c, "%" PRId64, i);
        *canon = strcmp(c, v) == 0;
    } else if (kt == K_FLOAT && read_float(v, &d)) {
        put_u64(b, double_image(d));
        snprintf(c, sizeof c, "%.17g", d);
        *canon = strcmp(c, v) == 0;
    } else {
        sbuf_add(b, "2", 1);
        put_escaped(b, v);
    }
}

char *pexpr_index_key(size_t nkeys, const char *const *types, const char *const *values)
{
    sbuf_t b = {0};
    bool all_canon = true;
    sbuf_add(&b, "", 0);
    for (size_t k = 0; k < nkeys; k++) {
        bool canon;
        component(&b, key_type(types ? types[k] : NULL), values[k] ? values[k] : "", &canon);
        sbuf_add(&b, "\x01", 1);
        all_canon = all_canon && canon;
    }
    if (!all_canon) {
        sbuf_add(&b, "\x03", 1);
        for (size_t k = 0; k < nkeys; k++) {
            put_escaped(&b, values[k] ? values[k] : "");
            sbuf_add(&b, "\x01", 1);
        }
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- ranges ---- */

/* Top-level conjuncts of n (n itself when it is not an AND), at most cap of them. */
static size_t conjuncts(const node_t *n, const node_t **out, size_t cap, size_t k)
{
    if (n->type == N_AND) {
        k = conjuncts(n->a, out, cap, k);
        return conjuncts(n->b, out, cap, k);
    }
    if (k < cap)
        out[k++] = n;
    return k;
}

static char *dup_with(const char *prefix, size_t plen, const char *tail, size_t tlen)
{
    char *s = malloc(plen + tlen + 1);
    if (!s)
        return NULL;
    memcpy(s, prefix, plen);
    memcpy(s + plen, tail, tlen);
    s[plen + tlen] = '\0';
    return s;
}

int pexpr_ranges(const pexpr_t *e, pexpr_range_t **out, size_t *nout)
{
    enum { MAXC = 256 };
    const node_t *c[MAXC];
    sbuf_t pre[PEXPR_MAX_RANGES];
    size_t npre = 1, nc = 0;
    int rc = -1;
    memset(pre, 0, sizeof pre);
    *out = NULL;
    *nout = 0;
    sbuf_add(&pre[0], "", 0);
    sbuf_t lo = {0}, hi = {0};
    bool has_lo = false, has_hi = false;
    if (e)
        nc = conjuncts(e->root, c, MAXC, 0);
    for (size_t k = 0; e && k < e->nkeys; k++) {
        int kt = e->ktypes[k];
        const node_t *eq = NULL;
        for (size_t j = 0; j < nc && !eq; j++)
            if (c[j]->key == k && !c[j]->neg && ((c[j]->type == N_CMP && c[j]->op == OP_EQ) || c[j]->type == N_IN))
                eq = c[j];
        if (eq && npre * eq->nlits <= PEXPR_MAX_RANGES) {
            /* each prefix times each value, values sorted by their component so the ranges stay in order */
            sbuf_t comp[PEXPR_MAX_RANGES];
            size_t ncomp = 0;
            for (size_t j = 0; j < eq->nlits; j++) {
                sbuf_t cb = {0};
                bool canon;
                char txt[40];
                const char *v = eq->lits[j].text;
                if (kt == K_INT)
                    snprintf(txt, sizeof txt, "%" PRId64, eq->lits[j].i), v = txt;
                else if (kt == K_FLOAT)
                    snprintf(txt, sizeof txt, "%.17g", eq->lits[j].d), v = txt;
                component(&cb, kt, v, &canon);
                sbuf_add(&cb, "\x01", 1);
                size_t at = ncomp;
                bool dup = false;
                for (size_t q = 0; q < ncomp; q++) {
                    int d = strcmp(comp[q].p ? comp[q].p : "", cb.p ? cb.p : "");
                    if (d == 0)
                        dup = true;
                    if (d > 0 && at == ncomp)
                        at = q;
                }
                if (dup || cb.failed) {
                    free(cb.p);
                    if (cb.failed)
                        goto done;
                    continue;
                }
                memmove(&comp[at + 1], &comp[at], (ncomp - at) * sizeof comp[0]);
                comp[at] = cb;
                ncomp++;
            }
            sbuf_t np[PEXPR_MAX_RANGES];
            size_t nn = 0;
            for (size_t a = 0; a < npre; a++)
                for (size_t q = 0; q < ncomp; q++) {
                    np[nn] = (sbuf_t){0};
                    sbuf_add(&np[nn], pre[a].p, pre[a].len);
                    sbuf_add(&np[nn], comp[q].p, comp[q].len);
                    nn++;
                }
            for (size_t q = 0; q < ncomp; q++)
                free(comp[q].p);
            for (size_t a = 0; a < npre; a++)
                free(pre[a].p);
            memcpy(pre, np, nn * sizeof np[0]);
            npre = nn;
            if (npre == 0) {
                /* IN with no distinct value cannot happen (the grammar needs one); keep one empty prefix */
                sbuf_add(&pre[0], "", 0);
                npre = 1;
            }
            continue;
        }
        /* no equality on this key: one range on it, then stop */
        for (size_t j = 0; j < nc; j++) {
            const node_t *n = c[j];
            if (n->key != k || n->neg || n->type == N_NOT || n->type == N_AND || n->type == N_OR)
                continue;
            const lit_t *l = NULL, *u = NULL;
            if (n->type == N_CMP && (n->op == OP_GT || n->op == OP_GE))
                l = &n->lits[0];
            else if (n->type == N_CMP && (n->op == OP_LT || n->op == OP_LE))
                u = &n->lits[0];
            else if (n->type == N_BETWEEN)
                l = &n->lits[0], u = &n->lits[1];
            else if (n->type == N_LIKE && !has_lo && !has_hi) {
                /* LIKE 'abc%': the keys that start with abc, when its last byte is ASCII below '~' */
                const char *pat = n->lits[0].text;
                size_t pl = strcspn(pat, "%_");
                if (pl > 0 && (unsigned char)pat[pl - 1] < 0x7e && !memchr(pat, 1, pl) && !memchr(pat, 2, pl)) {
                    sbuf_add(&lo, "2", 1);
                    sbuf_add(&lo, pat, pl);
                    sbuf_add(&hi, "2", 1);
                    sbuf_add(&hi, pat, pl);
                    hi.p[hi.len - 1]++;
                    has_lo = has_hi = true;
                }
                continue;
            }
            char txt[40];
            bool canon;
            if (l && !has_lo) {
                const char *v = l->text;
                if (kt == K_INT)
                    snprintf(txt, sizeof txt, "%" PRId64, l->i), v = txt;
                else if (kt == K_FLOAT)
                    snprintf(txt, sizeof txt, "%.17g", l->d), v = txt;
                component(&lo, kt, v, &canon);
                has_lo = true;
            }
            if (u && !has_hi) {
                const char *v = u->text;
                if (kt == K_INT)
                    snprintf(txt, sizeof txt, "%" PRId64, u->i), v = txt;
                else if (kt == K_FLOAT)
                    snprintf(txt, sizeof txt, "%.17g", u->d), v = txt;
                component(&hi, kt, v, &canon);
                sbuf_add(&hi, "\x02", 1); /* past every key whose component equals u */
                has_hi = true;
            }
        }
        break;
    }
    if (lo.failed || hi.failed)
        goto done;
    pexpr_range_t *r = calloc(npre, sizeof *r);
    if (!r)
        goto done;
    for (size_t a = 0; a < npre; a++) {
        if (pre[a].failed)
            goto fail_r;
        size_t pl = pre[a].len;
        const char *pp = pre[a].p ? pre[a].p : "";
        if (has_lo)
            r[a].lo = dup_with(pp, pl, lo.p, lo.len);
        else if (pl)
            r[a].lo = dup_with(pp, pl, "", 0);
        if (has_hi)
            r[a].hi = dup_with(pp, pl, hi.p, hi.len);
        else if (pl) {
            /* every key that starts with the prefix: its last byte, the 0x01 terminator, becomes 0x02 */
            r[a].hi = dup_with(pp, pl, "", 0);
            if (r[a].hi)
                r[a].hi[pl - 1] = 0x02;
        }
        if (((has_lo || pl) && !r[a].lo) || ((has_hi || pl) && !r[a].hi))
            goto fail_r;
    }
    *out = r;
    *nout = npre;
    rc = 0;
    goto done;
fail_r:
    pexpr_ranges_free(r, npre);
done:
    for (size_t a = 0; a < npre; a++)
        free(pre[a].p);
    free(lo.p);
    free(hi.p);
    return rc;
}

void pexpr_ranges_free(pexpr_range_t *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++) {
        free(r[i].lo);
        free(r[i].hi);
    }
    free(r);
}
