/* A growing string, for text built piece by piece (canonical requests, type names, index keys, metrics pages). */
#ifndef GLUED_SBUF_H
#define GLUED_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Start from {0} (or {.max = N}). p is NUL-terminated once anything was added. failed says that memory ran out
 * or that the text would have passed max characters (0: no bound); once failed, adding does nothing. */
typedef struct sbuf {
    char *p;
    size_t len, cap, max;
    bool failed;
} sbuf_t;

void sbuf_add(sbuf_t *b, const void *s, size_t n);
void sbuf_str(sbuf_t *b, const char *s);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(sbuf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The text, the caller's to free ("" when nothing was added), or NULL when the buffer failed; b is emptied. */
char *sbuf_take(sbuf_t *b);
void sbuf_free(sbuf_t *b);

#endif
