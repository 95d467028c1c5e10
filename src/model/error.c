/* gerr_set: the one place an error's HTTP status is derived from its Glue type. */
#include "model/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int gerr_set(gerr_t *e, const char *type, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->type = type;
    e->status = strcmp(type, GERR_INTERNAL) == 0 ? 500 : 400;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    util_utf8_repair(e->msg); /* a name cut by %.Ns or by the buffer must not make the answer invalid JSON */
    return -1;
}
