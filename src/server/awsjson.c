/* AWS JSON 1.1 (see awsjson.h): finds the operation, parses and bounds the body, calls the handler, encodes
 * the answer or the error as botocore and the JS SDK expect ({"__type", "Message"}, 400 or 500). */
#include "server/awsjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/codec.h"
#include "model/validate.h"
#include "server/sigv4.h"
#include "util/util.h"

/* Deepest nesting of arrays and objects, counting outside strings; stops early past the limit. */
static int depth_ok(const char *s, size_t n)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > AWSJSON_MAX_DEPTH)
                return 0;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 1;
}

static void set_error(awsjson_resp_t *out, const gerr_t *e)
{
    json_t *b = json_pack("{ssss}", "__type", e->type, "Message", e->msg);
    if (!b) /* cannot happen once gerr_set repaired the text; never answer with nothing */
        b = json_pack("{ssss}", "__type", e->type, "Message", "(message not valid UTF-8)");
    out->status = e->status;
    out->error_type = e->type;
    out->body = json_dumps(b, CODEC_DUMP_FLAGS);
    out->len = strlen(out->body);
    json_decref(b);
}

/* Parses and bounds the body, then calls op's handler; fills out with the answer or the error. */
static void dispatch(api_t *api, const api_op_t *op, const char *body, size_t len, bool too_large, const char *region,
                     awsjson_resp_t *out)
{
    gerr_t e = {0};
    json_t *in = NULL, *res = NULL;
    out->op = op->name;
    if (too_large) {
        gerr_set(&e, GERR_INVALID_INPUT, "Request body exceeds the limit of %u bytes", AWSJSON_MAX_BODY);
        goto fail;
    }
    if (len == 0) {
        gerr_set(&e, GERR_SERIALIZATION, "Request body is empty; send a JSON object (at least {})");
        goto fail;
    }
    if (!depth_ok(body, len)) {
        gerr_set(&e, GERR_SERIALIZATION, "Request body nests deeper than %d levels", AWSJSON_MAX_DEPTH);
        goto fail;
    }
    json_error_t je;
    in = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (!in) {
        if (strstr(je.text, "NUL") || strstr(je.text, "\\u0000"))
            gerr_set(&e, GERR_SERIALIZATION,
                     "Request body is not valid: strings may not contain \\u0000 (line %d, "
                     "column %d)",
                     je.line, je.column);
        else
            gerr_set(&e, GERR_SERIALIZATION, "Request body is not valid JSON: %s at line %d, column %d", je.text,
                     je.line, je.column);
        goto fail;
    }
    if (!json_is_object(in)) {
        gerr_set(&e, GERR_SERIALIZATION, "Request body must be a JSON object, got %s", val_type_name(in));
        goto fail;
    }
    api_req_t req = {.api = api, .region = region, .now_ms = util_now_ms()};
    if (op->fn(&req, in, &res, &e) < 0) {
        free(api_splice(&req, NULL)); /* frees what the handler cached for the answer */
        if (!e.type)
            gerr_set(&e, GERR_INTERNAL, "%s failed without saying why", op->name);
        goto fail;
    }
    out->body = api_splice(&req, res ? json_dumps(res, CODEC_DUMP_FLAGS) : NULL);
    json_decref(res);
    if (!out->body) {
        gerr_set(&e, GERR_INTERNAL, "%s produced an answer that could not be encoded", op->name);
        goto fail;
    }
    out->status = 200;
    out->len = strlen(out->body);
    json_decref(in);
    return;
fail:
    json_decref(in);
    set_error(out, &e);
}

void awsjson_handle(api_t *api, const awsjson_req_t *rq, awsjson_resp_t *out)
{
    memset(out, 0, sizeof *out);
    util_uuid(out->request_id);
    gerr_t e = {0};
    static const char glue[] = "AWSGlue.", events[] = "AWSEvents.";
    if (!rq->target) {
        gerr_set(&e, GERR_UNKNOWN_OP,
                 "Missing X-Amz-Target header; send X-Amz-Target: AWSGlue.<Operation> (or AWSEvents.<Operation>)");
        set_error(out, &e);
        return;
    }
    const api_op_t *op = strncmp(rq->target, glue, sizeof glue - 1) == 0 ? api_find(rq->target + sizeof glue - 1)
                         : strncmp(rq->target, events, sizeof events - 1) == 0
                             ? api_events_find(rq->target + sizeof events - 1)
                             : NULL;
    const char *dot = strchr(rq->target, '.');
    bool ours = strncmp(rq->target, glue, sizeof glue - 1) == 0 || strncmp(rq->target, events, sizeof events - 1) == 0;
    if (!op && ours && dot[1]) {
        gerr_set(&e, GERR_UNKNOWN_OP,
                 "%.200s is not an operation glued serves (README, \"What it serves\", lists them); the target was "
                 "'%.200s'",
                 dot + 1, rq->target);
        set_error(out, &e);
        return;
    }
    if (!op) {
        gerr_set(&e, GERR_UNKNOWN_OP,
                 "Unknown operation '%.200s': X-Amz-Target must be AWSGlue.<Operation> or AWSEvents.<Operation> of "
                 "an operation glued serves",
                 rq->target);
        set_error(out, &e);
        return;
    }
    char region[64];
    dispatch(api, op, rq->body, rq->len, rq->too_large,
             sigv4_scope_region(rq->authorization, region, sizeof region) == 0 ? region : api->cfg.region, out);
}

void awsjson_call(api_t *api, const api_op_t *op, const char *body, size_t len, bool too_large, awsjson_resp_t *out)
{
    memset(out, 0, sizeof *out);
    util_uuid(out->request_id);
    dispatch(api, op, body, len, too_large, api->cfg.region, out);
}

void awsjson_error(const char *type, int status, const char *msg, awsjson_resp_t *out)
{
    memset(out, 0, sizeof *out);
    util_uuid(out->request_id);
    gerr_t e = {0};
    gerr_set(&e, type, "%s", msg);
    e.status = status;
    set_error(out, &e);
}

const char *awsjson_op(const char *target)
{
    const char *prefix = "AWSGlue.";
    const api_op_t *op =
        target && strncmp(target, prefix, strlen(prefix)) == 0 ? api_find(target + strlen(prefix)) : NULL;
    return op ? op->name : NULL;
}

const char *awsjson_service(const char *target)
{
    return target && strncmp(target, "AWSGlue.", 8) == 0 ? "glue" : NULL;
}

void awsjson_resp_cleanup(awsjson_resp_t *r)
{
    free(r->body);
    r->body = NULL;
}
