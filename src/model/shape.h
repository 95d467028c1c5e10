/* Generic validation of request structures against a table of Glue and EventBridge model shapes (generated into
 * shapes.c by scripts/gen_shapes.py from botocore's model). One walker enforces what the model says of every member:
 * JSON types (SerializationException), required members, lengths and ranges, enums and patterns
 * (InvalidInputException naming the member's path, e.g. "JobUpdate.Command.ScriptLocation").
 * The resource handlers add the rules the model cannot express. */
#ifndef GLUED_SHAPE_H
#define GLUED_SHAPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

enum shape_type { SH_STRUCT, SH_LIST, SH_MAP, SH_STRING, SH_INT, SH_LONG, SH_DOUBLE, SH_BOOL, SH_TIMESTAMP, SH_BLOB };
enum shape_pattern {
    SP_NONE,
    SP_SINGLE_LINE,
    SP_MULTI_LINE,
    SP_ALNUM_DASH,
    SP_STAR_ALNUM_DASH,
    SP_PYTHON_VERSION,
    SP_GLUE_VERSION,
    SP_MAINTENANCE_WINDOW,
    SP_NO_NEWLINE,
    SP_UPPER_UNDERSCORE,
    SP_ALNUM,
    SP_EV_NAME,     /* [\.\-_A-Za-z0-9]+ (EventBridge rule names, target ids) */
    SP_EV_PATH_KEY, /* [A-Za-z0-9\_\-]+ */
    SP_EV_BUS,      /* an event bus name, or its ARN */
    SP_ENCLOSED,    /* no line breaks or control characters but tab, VT and FF (EnclosedInStringProperty) */
    SP_SPACE_TEXT,  /* the single-line set plus \s (SqlQuery) */
    SP_ASCII_TEXT,  /* ([\u0020-\u007E\r\s\n])* (DQDLString) */
    SP_LINE,        /* .*, Java's dot: no line terminators */
    SP_UUID,        /* [a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12} */
    SP_REGISTRY,    /* [a-zA-Z0-9-_$#.]+ (schema registry names) */
    SP_GLUE_ARN,    /* arn:aws(-(cn|us-gov|iso(-[bef])?))?:glue:.* */
};

typedef struct shape_member {
    const char *name;
    int shape; /* index into shape_table */
    bool required;
} shape_member_t;

typedef struct shape {
    const char *name;
    enum shape_type type;
    enum shape_pattern pattern;
    bool has_min, has_max;
    int64_t min, max;         /* length for strings, lists and maps; value for numbers */
    const char *const *enums; /* NULL-terminated, strings only */
    const shape_member_t *members;
    int nmembers;
    int item; /* list member or map value */
    int key;  /* map key */
} shape_t;

extern const shape_t shape_table[];
extern const size_t shape_count;
extern const shape_t *const SHAPE_CreateJobRequest;
extern const shape_t *const SHAPE_JobUpdate;
extern const shape_t *const SHAPE_CreateTriggerRequest;
extern const shape_t *const SHAPE_TriggerUpdate;
extern const shape_t *const SHAPE_CreateCrawlerRequest;
extern const shape_t *const SHAPE_UpdateCrawlerRequest;
extern const shape_t *const SHAPE_StartJobRunRequest;
extern const shape_t *const SHAPE_EV_PutRuleRequest;
extern const shape_t *const SHAPE_EV_DescribeRuleRequest;
extern const shape_t *const SHAPE_EV_ListRulesRequest;
extern const shape_t *const SHAPE_EV_EnableRuleRequest;
extern const shape_t *const SHAPE_EV_DisableRuleRequest;
extern const shape_t *const SHAPE_EV_DeleteRuleRequest;
extern const shape_t *const SHAPE_EV_PutTargetsRequest;
extern const shape_t *const SHAPE_EV_RemoveTargetsRequest;
extern const shape_t *const SHAPE_EV_ListTargetsByRuleRequest;
extern const shape_t *const SHAPE_EV_PutEventsRequest;
extern const shape_t *const SHAPE_EV_TestEventPatternRequest;
extern const shape_t *const SHAPE_CreateDatabaseRequest;
extern const shape_t *const SHAPE_GetDatabaseRequest;
extern const shape_t *const SHAPE_GetDatabasesRequest;
extern const shape_t *const SHAPE_UpdateDatabaseRequest;
extern const shape_t *const SHAPE_DeleteDatabaseRequest;
extern const shape_t *const SHAPE_CreateTableRequest;
extern const shape_t *const SHAPE_GetTableRequest;
extern const shape_t *const SHAPE_GetTablesRequest;
extern const shape_t *const SHAPE_UpdateTableRequest;
extern const shape_t *const SHAPE_DeleteTableRequest;
extern const shape_t *const SHAPE_BatchDeleteTableRequest;
extern const shape_t *const SHAPE_GetTableVersionsRequest;
extern const shape_t *const SHAPE_GetTableVersionRequest;
extern const shape_t *const SHAPE_DeleteTableVersionRequest;
extern const shape_t *const SHAPE_BatchDeleteTableVersionRequest;
extern const shape_t *const SHAPE_SearchTablesRequest;
extern const shape_t *const SHAPE_CreatePartitionRequest;
extern const shape_t *const SHAPE_BatchCreatePartitionRequest;
extern const shape_t *const SHAPE_GetPartitionRequest;
extern const shape_t *const SHAPE_GetPartitionsRequest;
extern const shape_t *const SHAPE_BatchGetPartitionRequest;
extern const shape_t *const SHAPE_UpdatePartitionRequest;
extern const shape_t *const SHAPE_BatchUpdatePartitionRequest;
extern const shape_t *const SHAPE_DeletePartitionRequest;
extern const shape_t *const SHAPE_BatchDeletePartitionRequest;
extern const shape_t *const SHAPE_ListCrawlsRequest;
extern const shape_t *const SHAPE_GetCrawlerMetricsRequest;

/* Checks v against s and returns a new value holding only the members the model knows (unknown members are
 * dropped, JSON nulls are treated as absent). NULL with *e set when v breaks a rule. path names v. */
json_t *shape_check(const shape_t *s, json_t *v, const char *path, gerr_t *e);
/* The shape of structure s's member name (borrowed from the static table), or NULL when s has no such member:
 * for checking one value by the rule a request gives it elsewhere. */
const shape_t *shape_member(const shape_t *s, const char *name);

#endif
