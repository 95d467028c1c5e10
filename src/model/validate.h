/* Input validation for Glue request members: types, lengths, the Glue string patterns, enums, map and list
 * bounds. Each reader fills a gerr_t whose message names the member, the rule and what was received.
 * Wrong JSON types are SerializationException (as AWS answers), broken rules InvalidInputException.
 * JSON null is treated as an absent member. Returned pointers are borrowed from the input object. */
#ifndef GLUED_VALIDATE_H
#define GLUED_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

enum val_pattern {
    VAL_ANY,         /* any valid UTF-8 */
    VAL_SINGLE_LINE, /* [\u0020-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF\t]* */
    VAL_MULTI_LINE,  /* the single-line set plus \r and \n */
    VAL_ALNUM_DASH,  /* [A-Za-z0-9_-]* */
    VAL_ENCLOSED,    /* the single-line set plus \v and \f (the model's EnclosedInStringProperty) */
    VAL_SPACE_TEXT,  /* the single-line set plus Java's \s: \n, \v, \f, \r (SqlQuery) */
    VAL_ASCII_TEXT,  /* printable ASCII plus Java's \s (DQDLString) */
    VAL_LINE,        /* Java's .*: anything but \n, \r, U+0085, U+2028 and U+2029 */
};

typedef struct val_str {
    size_t min, max; /* in characters (code points); max 0 means unbounded */
    enum val_pattern pattern;
} val_str_t;

extern const val_str_t VAL_NAME;        /* NameString: 1..255 single-line */
extern const val_str_t VAL_ID;          /* IdString: 1..255 single-line */
extern const val_str_t VAL_GENERIC;     /* GenericString: anything */
extern const val_str_t VAL_WF_DESC;     /* WorkflowDescriptionString: 0..120000 */
extern const val_str_t VAL_DESCRIPTION; /* DescriptionString: 0..2048 multi-line */
extern const val_str_t VAL_TAG_KEY;     /* 1..128 */
extern const val_str_t VAL_TAG_VALUE;   /* 0..256 */
extern const val_str_t VAL_ARN;         /* 1..10240, checked further by the tag code */

/* Checks a raw UTF-8 string against a rule; `what` names it in the message. 0 or -1. */
int val_check(const char *s, size_t len, const val_str_t *rule, const char *what, gerr_t *e);
/* Number of code points in valid UTF-8. */
size_t val_utf8_len(const char *s, size_t len);

/* Readers: return 1 when the member is present (and valid), 0 when absent and not required, -1 on error. */
int val_str(json_t *obj, const char *field, const val_str_t *rule, bool required, const char **out, gerr_t *e);
int val_int(json_t *obj, const char *field, int64_t min, int64_t max, bool required, int64_t *out, gerr_t *e);
int val_bool(json_t *obj, const char *field, bool *out, gerr_t *e);
/* A string member whose value must be one of `allowed` (NULL-terminated). */
int val_enum(json_t *obj, const char *field, const char *const *allowed, bool required, const char **out, gerr_t *e);
/* A JSON object (structure) member. */
int val_obj(json_t *obj, const char *field, bool required, json_t **out, gerr_t *e);
/* A map of string to string, with rules for keys and values and a bound on the number of entries. */
int val_map(json_t *obj, const char *field, const val_str_t *key, const val_str_t *value, size_t max_entries,
            bool required, json_t **out, gerr_t *e);
/* A list of strings with item rules and min/max count. */
int val_str_list(json_t *obj, const char *field, size_t min, size_t max, const val_str_t *item, bool required,
                 json_t **out, gerr_t *e);

/* Arguments glued passes to every job itself (--JOB_NAME, --JOB_RUN_ID, --WORKFLOW_NAME, --WORKFLOW_RUN_ID):
 * a map of arguments may not set them. what names the map in the message. */
int val_no_reserved_args(json_t *args, const char *what, gerr_t *e);

/* Describes a JSON value's type for messages ("a number", "an object", ...). */
const char *val_type_name(const json_t *v);

#endif
