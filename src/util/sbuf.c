/* A growing string (see sbuf.h). */
#include "util/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more characters and the NUL: false (and failed) when out of memory or past max. */
static bool room(sbuf_t *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->max && b->len + n > b->max) {
        b->failed = true;
        return false;
    }
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void sbuf_add(sbuf_t *b, const void *s, size_t n)
{
    if (!room(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sbuf_str(sbuf_t *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

void sbuf_vprintf(sbuf_t *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = b->failed ? -1 : vsnprintf(b->cap ? b->p + b->len : NULL, b->cap ? b->cap - b->len : 0, fmt, ap);
    if (n < 0) {
        b->failed = true;
    } else if (b->cap && (size_t)n < b->cap - b->len && !(b->max && b->len + (size_t)n > b->max)) {
        b->len += (size_t)n; /* it fitted */
    } else if (b->cap && (size_t)n < b->cap - b->len) {
        b->p[b->len] = '\0'; /* it fitted, but passes max */
        b->failed = true;
    } else if (room(b, (size_t)n)) {
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void sbuf_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sbuf_take(sbuf_t *b)
{
    char *p = b->failed ? NULL : b->p ? b->p : strdup("");
    if (b->failed)
        free(b->p);
    *b = (sbuf_t){.max = b->max};
    return p;
}

void sbuf_free(sbuf_t *b)
{
    free(b->p);
    *b = (sbuf_t){.max = b->max};
}
