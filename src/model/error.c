/* gerr_set: the one place an error's HTTP status is derived from its Glue type. */
#include "model/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"

int gerr_set(gerr_t *e, const char *type, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->type = type;
    e->status = strcmp(type, GERR_INTERNAL) == 0 || strcmp(type, GERR_EV_INTERNAL) == 0 ? 500
                : strcmp(type, GERR_MISSING_AUTH) == 0                                   ? 403
                                                                                         : 400;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    util_utf8_repair(e->msg); /* a name cut by %.Ns or by the buffer must not make the answer invalid JSON */
    return -1;
}

int gerr_store(gerr_t *e, int status, const char *what)
{
    switch (status) {
    case STORE_FULL:
        return gerr_set(e, GERR_INTERNAL,
                        "The store is full, so %s failed and nothing was saved. Free space where glued keeps its "
                        "data; glued recovers by itself, and this request can be sent again",
                        what);
    case STORE_CONFLICT:
        return gerr_set(e, GERR_CONCURRENT_MOD,
                        "%c%s conflicted with concurrent changes too many times and was not applied; send it again",
                        what[0] >= 'a' && what[0] <= 'z' ? what[0] - 32 : what[0], what + 1);
    default: return gerr_set(e, GERR_INTERNAL, "Storage error while %s; the request was not applied", what);
    }
}
