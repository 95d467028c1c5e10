/* Events: envelopes, S3's "Object Created", PutEvents entries (see event.h). */
#include "events/event.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "events/pattern.h"
#include "util/util.h"

json_t *event_envelope(const char *id, const char *source, const char *detail_type, json_t *detail, json_t *resources,
                       const char *account, const char *region, int64_t time_ms)
{
    char when[32];
    util_format_iso8601(time_ms, when);
    return json_pack("{"
                     "ssssssssssssss"
                     "soso"
                     "}",
                     "version", "0", "id", id, "detail-type", detail_type, "source", source, "account", account, "time",
                     when, "region", region, "resources", resources ? resources : json_array(), "detail",
                     detail ? detail : json_object());
}

json_t *event_s3_created(const s3watch_object_t *o, const char *id, const char *account, const char *region,
                         int64_t now_ms)
{
    char arn[320], seq[32], request_id[17];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", o->bucket);
    /* S3's sequencer orders the events of one key: the file's modification time does that here */
    snprintf(seq, sizeof seq, "%016" PRIX64, (uint64_t)o->mtime_ms * 1000000u);
    uint8_t raw[8];
    util_random(raw, sizeof raw);
    util_hex(request_id, raw, sizeof raw);
    for (char *p = request_id; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    json_t *detail = json_pack("{ss s{ss} s{sssIss} ssssssss}", "version", "0", "bucket", "name", o->bucket, "object",
                               "key", o->key, "size", (json_int_t)o->size, "sequencer", seq, "request-id", request_id,
                               "requester", account, "source-ip-address", "127.0.0.1", "reason", "PutObject");
    if (!detail)
        return NULL;
    return event_envelope(id, "aws.s3", "Object Created", detail, json_pack("[s]", arn), account, region, now_ms);
}

size_t event_entry_size(const json_t *entry)
{
    size_t n = json_object_get(entry, "Time") ? 14 : 0;
    static const char *const fields[] = {"Source", "DetailType", "Detail", NULL};
    for (size_t i = 0; fields[i]; i++)
        n += json_string_length(json_object_get(entry, fields[i]));
    size_t k;
    json_t *r;
    json_array_foreach (json_object_get(entry, "Resources"), k, r)
        n += json_string_length(r);
    return n;
}

static int refuse(const char **code, const char *c, char *msg, size_t msglen, const char *text)
{
    *code = c;
    snprintf(msg, msglen, "%s", text);
    return -1;
}

int event_from_entry(const json_t *entry, const char *account, const char *region, int64_t now_ms,
                     char id[EVENT_ID_LEN], json_t **out, const char **code, char *msg, size_t msglen)
{
    const char *source = json_string_value(json_object_get(entry, "Source"));
    const char *type = json_string_value(json_object_get(entry, "DetailType"));
    const json_t *detail_s = json_object_get(entry, "Detail");
    if (!source || !*source)
        return refuse(code, "InvalidArgument", msg, msglen,
                      "Parameter Source is not valid. Reason: Source is a required argument.");
    if (!type || !*type)
        return refuse(code, "InvalidArgument", msg, msglen,
                      "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
    if (!json_is_string(detail_s) || json_string_length(detail_s) == 0)
        return refuse(code, "InvalidArgument", msg, msglen,
                      "Parameter Detail is not valid. Reason: Detail is a required argument.");
    if (strncmp(source, "aws.", 4) == 0)
        return refuse(code, "NotAuthorizedForSourceException", msg, msglen,
                      "Not authorized for the source: sources starting with 'aws.' are AWS services' own");
    if (event_entry_size(entry) > EVENT_ENTRY_MAX)
        return refuse(code, "InvalidArgument", msg, msglen, "Event entry is larger than 256 KiB");
    char why[256];
    json_t *detail = evpat_parse_object(json_string_value(detail_s), json_string_length(detail_s), EVENT_DETAIL_DEPTH,
                                        why, sizeof why);
    if (!detail) {
        *code = "MalformedDetail";
        snprintf(msg, msglen, "Detail is malformed: %s", why);
        return -1;
    }
    int64_t when = now_ms;
    const json_t *t = json_object_get(entry, "Time");
    if (json_is_number(t) && isfinite(json_number_value(t)))
        when = (int64_t)(json_number_value(t) * 1000.0);
    json_t *resources = json_array();
    size_t k;
    json_t *r;
    json_array_foreach (json_object_get(entry, "Resources"), k, r)
        json_array_append(resources, r);
    util_uuid(id);
    *out = event_envelope(id, source, type, detail, resources, account, region, when);
    return *out ? 0 : refuse(code, "InternalFailure", msg, msglen, "The event could not be built");
}
