/* EventBridge events as glued builds them: the envelope every event carries (version, id, detail-type, source,
 * account, time, region, resources, detail), the "Object Created" event S3 sends for a file that landed, and
 * the checks PutEvents applies to each entry (with the ErrorCode and ErrorMessage AWS gives a refused entry).
 * Pure functions; no I/O. */
#ifndef GLUED_EVENTS_EVENT_H
#define GLUED_EVENTS_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "events/s3watch.h"

#define EVENT_ID_LEN       37           /* a UUID and its NUL */
#define EVENT_ENTRY_MAX    (256 * 1024) /* bytes: one PutEvents call's entries together, as AWS counts them */
#define EVENT_DETAIL_DEPTH 1000         /* PutEvents reads nested JSON up to 1000 levels deep */

/* A new event object. detail and resources (may be NULL: an empty list) are taken. time_ms is glued's clock. */
json_t *event_envelope(const char *id, const char *source, const char *detail_type, json_t *detail, json_t *resources,
                       const char *account, const char *region, int64_t time_ms);

/* The event S3 puts on the default bus when an object is created (source aws.s3, detail-type "Object Created",
 * detail.bucket.name, detail.object.key/size/sequencer, detail.reason PutObject, resources: the bucket's ARN). */
json_t *event_s3_created(const s3watch_object_t *o, const char *id, const char *account, const char *region,
                         int64_t now_ms);

/* The size AWS counts for a PutEvents entry: Time (14 bytes when present), Source, DetailType, Detail and each
 * of Resources in UTF-8 bytes. */
size_t event_entry_size(const json_t *entry);

/* One PutEventsRequestEntry to an event with a new id (written to id). Returns 0 with *out, or -1 with the
 * entry's ErrorCode (a static string: InvalidArgument, MalformedDetail, NotAuthorizedForSourceException) and an
 * ErrorMessage. The entry's EventBusName, if any, is the caller's to check. */
int event_from_entry(const json_t *entry, const char *account, const char *region, int64_t now_ms,
                     char id[EVENT_ID_LEN], json_t **out, const char **code, char *msg, size_t msglen);

#endif
