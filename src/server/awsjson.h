/* The AWS JSON 1.1 protocol: from (target, body) to (status, body), with AWS's error shapes. Knows no HTTP
 * library; http.c feeds it. */
#ifndef GLUED_AWSJSON_H
#define GLUED_AWSJSON_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"

#define AWSJSON_MAX_BODY  (4u << 20) /* 4 MiB: room for a 400,000-character script location and more */
#define AWSJSON_MAX_DEPTH 64

typedef struct awsjson_req {
    const char *target;        /* X-Amz-Target, or NULL */
    const char *authorization; /* Authorization, or NULL */
    const char *body;
    size_t len;
    bool too_large; /* the body passed AWSJSON_MAX_BODY and was cut */
} awsjson_req_t;

typedef struct awsjson_resp {
    int status;
    char *body; /* heap, owned by the response */
    size_t len;
    const char *error_type; /* static, NULL on success */
    const char *op;         /* the operation's name, or NULL when unknown (for metrics and logs) */
    char request_id[37];
} awsjson_resp_t;

void awsjson_handle(api_t *api, const awsjson_req_t *rq, awsjson_resp_t *out);
/* Calls op directly, as the console does: the same parsing, bounds, handler and error words as
 * awsjson_handle, with the configured region. */
void awsjson_call(api_t *api, const api_op_t *op, const char *body, size_t len, bool too_large, awsjson_resp_t *out);
/* An error answer in the protocol's shape ({"__type", "Message"}) with the given HTTP status. */
void awsjson_error(const char *type, int status, const char *msg, awsjson_resp_t *out);
void awsjson_resp_cleanup(awsjson_resp_t *r);
/* The operation named by an X-Amz-Target (static), or NULL when it names none. */
const char *awsjson_op(const char *target);
/* The SigV4 service a target's signature must be scoped to ("glue"), or NULL when any will do. */
const char *awsjson_service(const char *target);

#endif
