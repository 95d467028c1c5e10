/* JSON <-> store encodings and shared JSON builders (see codec.h). */
#include "model/codec.h"

#include <stdlib.h>
#include <string.h>

char *codec_map_encode(const json_t *map)
{
    return map ? json_dumps(map, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

char *codec_tags_encode(const json_t *tags)
{
    return tags && json_object_size(tags) ? codec_map_encode(tags) : NULL;
}

json_t *codec_map_decode(const char *text)
{
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(m)) {
        json_decref(m);
        m = json_object();
    }
    return m;
}

json_t *codec_timestamp(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

void codec_set_str(json_t *obj, const char *key, const char *s)
{
    if (s)
        json_object_set_new(obj, key, json_string(s));
}

int codec_props_check(const json_t *map, const char *what, gerr_t *e)
{
    size_t keys = json_object_size(map), bytes = 0;
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)map, k, v)
        bytes += strlen(k) + json_string_length(v);
    if (keys > CODEC_PROPS_MAX_KEYS)
        return gerr_set(e, GERR_LIMIT, "%s would hold %zu properties; the limit is %d", what, keys,
                        CODEC_PROPS_MAX_KEYS);
    if (bytes > CODEC_PROPS_MAX_BYTES)
        return gerr_set(e, GERR_LIMIT, "%s would hold %zu bytes of keys and values; the limit is %d", what, bytes,
                        CODEC_PROPS_MAX_BYTES);
    return 0;
}

int codec_props_merge(char **text, const json_t *add, const char *what, gerr_t *e)
{
    json_t *m = codec_map_decode(*text);
    json_object_update(m, (json_t *)add);
    if (codec_props_check(m, what, e) < 0) {
        json_decref(m);
        return -1;
    }
    char *out = codec_map_encode(m);
    json_decref(m);
    if (!out)
        return gerr_set(e, GERR_INTERNAL, "out of memory encoding %s", what);
    free(*text);
    *text = out;
    return 0;
}

json_t *codec_run(const store_run_t *r)
{
    static const char *const stat_names[STORE_RUN_NSTATS] = {
        [ST_TOTAL] = "TotalActions",     [ST_TIMEOUT] = "TimeoutActions",     [ST_FAILED] = "FailedActions",
        [ST_STOPPED] = "StoppedActions", [ST_SUCCEEDED] = "SucceededActions", [ST_RUNNING] = "RunningActions",
        [ST_ERRORED] = "ErroredActions", [ST_WAITING] = "WaitingActions",
    };
    json_t *o = json_object();
    codec_set_str(o, "Name", r->workflow);
    codec_set_str(o, "WorkflowRunId", r->run_id);
    codec_set_str(o, "PreviousRunId", r->previous_run_id);
    json_object_set_new(o, "WorkflowRunProperties", codec_map_decode(r->props));
    if (r->started_ms)
        json_object_set_new(o, "StartedOn", codec_timestamp(r->started_ms));
    if (r->completed_ms)
        json_object_set_new(o, "CompletedOn", codec_timestamp(r->completed_ms));
    json_object_set_new(o, "Status", json_string(store_run_status_name(r->status)));
    codec_set_str(o, "ErrorMessage", r->error_message);
    json_t *st = json_object();
    for (int i = 0; i < STORE_RUN_NSTATS; i++)
        json_object_set_new(st, stat_names[i], json_integer(r->stats[i]));
    json_object_set_new(o, "Statistics", st);
    if (r->batch_size || r->batch_window) {
        json_t *b = json_object();
        json_object_set_new(b, "BatchSize", json_integer(r->batch_size));
        json_object_set_new(b, "BatchWindow", json_integer(r->batch_window));
        json_object_set_new(o, "StartingEventBatchCondition", b);
    }
    return o;
}

json_t *codec_jobrun(const store_jobrun_t *r)
{
    json_t *o = json_object();
    codec_set_str(o, "Id", r->id);
    json_object_set_new(o, "Attempt", json_integer(r->attempt));
    codec_set_str(o, "PreviousRunId", r->previous_run_id);
    codec_set_str(o, "TriggerName", r->trigger_name);
    codec_set_str(o, "JobName", r->job);
    if (r->started_ms)
        json_object_set_new(o, "StartedOn", codec_timestamp(r->started_ms));
    if (r->modified_ms)
        json_object_set_new(o, "LastModifiedOn", codec_timestamp(r->modified_ms));
    if (r->completed_ms)
        json_object_set_new(o, "CompletedOn", codec_timestamp(r->completed_ms));
    json_object_set_new(o, "JobRunState", json_string(store_jr_state_name(r->state)));
    json_object_set_new(o, "Arguments", codec_map_decode(r->arguments));
    codec_set_str(o, "ErrorMessage", r->error_message);
    json_object_set_new(o, "PredecessorRuns", json_array()); /* replaced by the detail's when it has some */
    int64_t end = r->completed_ms ? r->completed_ms : r->modified_ms;
    json_object_set_new(o, "ExecutionTime", json_integer(end > r->started_ms ? (end - r->started_ms) / 1000 : 0));
    if (r->timeout_min)
        json_object_set_new(o, "Timeout", json_integer(r->timeout_min));
    json_t *d = r->detail ? json_loads(r->detail, 0, NULL) : NULL;
    if (json_is_object(d))
        json_object_update(o, d);
    json_decref(d);
    json_object_set_new(o, "LogGroupName", json_string("/aws-glue/jobs"));
    return o;
}

json_t *codec_crawl(const store_jobrun_t *r)
{
    json_t *o = json_pack("{ss}", "State", store_crawl_state_name(r->state));
    if (r->started_ms)
        json_object_set_new(o, "StartedOn", codec_timestamp(r->started_ms));
    if (r->completed_ms)
        json_object_set_new(o, "CompletedOn", codec_timestamp(r->completed_ms));
    codec_set_str(o, "ErrorMessage", r->error_message);
    json_object_set_new(o, "LogGroup", json_string("/aws-glue/crawlers"));
    json_object_set_new(o, "LogStream", json_string(r->job));
    return o;
}
