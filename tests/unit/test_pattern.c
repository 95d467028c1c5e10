/* Unit tests for src/events/pattern: a table of (pattern, event, matches?) cases for every kind of filter the
 * EventBridge user guide documents, a table of refused patterns with the words their message must hold, and
 * the parser's bounds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/pattern.h"

/* An S3 "Object Created" event as EventBridge delivers it, used by many cases. */
#define S3EV                                                                                                           \
    "{\"version\":\"0\",\"id\":\"17793124-05d4-b198-2fde-7ededc63b103\",\"detail-type\":\"Object Created\","           \
    "\"source\":\"aws.s3\",\"account\":\"123456789012\",\"time\":\"2021-11-12T00:00:00Z\",\"region\":\"us-east-1\","   \
    "\"resources\":[\"arn:aws:s3:::example-bucket\"],\"detail\":{\"version\":\"0\",\"bucket\":{\"name\":"              \
    "\"example-bucket\"},\"object\":{\"key\":\"incoming/day1/data.csv\",\"size\":5,\"etag\":\"b1946ac92492d2347c\"},"  \
    "\"request-id\":\"N4N7GDK58NMKJ12R\",\"requester\":\"123456789012\",\"reason\":\"PutObject\"}}"

typedef struct mcase {
    const char *pattern, *event;
    bool match;
} mcase_t;

static const mcase_t cases[] = {
    /* exact values */
    {"{\"source\":[\"aws.s3\"]}", S3EV, true},
    {"{\"source\":[\"aws.ec2\"]}", S3EV, false},
    {"{\"source\":[\"aws.ec2\",\"aws.s3\"]}", S3EV, true},
    {"{\"source\":[\"AWS.S3\"]}", S3EV, false}, /* exact is case-sensitive */
    {"{\"source\":[\"aws.s3\"],\"detail-type\":[\"Object Created\"]}", S3EV, true},
    {"{\"source\":[\"aws.s3\"],\"detail-type\":[\"Object Deleted\"]}", S3EV, false},
    {"{\"missing\":[\"x\"]}", S3EV, false},
    {"{\"detail\":{\"bucket\":{\"name\":[\"example-bucket\"]}}}", S3EV, true},
    {"{\"detail\":{\"bucket\":{\"name\":[\"other\"]}}}", S3EV, false},
    {"{\"detail\":{\"bucket\":{\"nope\":[\"example-bucket\"]}}}", S3EV, false},
    {"{\"detail\":{\"nope\":{\"name\":[\"example-bucket\"]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[5]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[5.0]}}}", S3EV, true}, /* numbers compare as numbers */
    {"{\"detail\":{\"object\":{\"size\":[5e0]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[\"5\"]}}}", S3EV, false}, /* a string is not the number */
    {"{\"a\":[5]}", "{\"a\":\"5\"}", false},
    {"{\"a\":[\"\"]}", "{\"a\":\"\"}", true}, /* the empty string */
    {"{\"a\":[\"\"]}", "{\"a\":\"x\"}", false},
    {"{\"a\":[null]}", "{\"a\":null}", true},
    {"{\"a\":[null]}", "{}", false}, /* null is a value, not absence */
    {"{\"a\":[null]}", "{\"a\":\"null\"}", false},
    {"{\"a\":[true]}", "{\"a\":true}", true},
    {"{\"a\":[true]}", "{\"a\":false}", false},
    {"{\"a\":[true]}", "{\"a\":\"true\"}", false},
    {"{\"a\":[false]}", "{\"a\":false}", true},
    {"{\"a\":[1]}", "{\"a\":1.0}", true},
    {"{\"a\":[-0.5]}", "{\"a\":-0.5}", true},
    {"{\"a\":[123456789012]}", "{\"a\":123456789012}", true},
    {"{\"a\":[\"caf\\u00e9\"]}", "{\"a\":\"caf\xc3\xa9\"}", true},
    {"{\"a\":[\"x\"]}", "{\"a\":{\"b\":\"x\"}}", false}, /* an object is not a leaf */
    /* arrays in events: any element */
    {"{\"resources\":[\"arn:aws:s3:::example-bucket\"]}", S3EV, true},
    {"{\"a\":[\"x\"]}", "{\"a\":[\"w\",\"x\",\"y\"]}", true},
    {"{\"a\":[\"z\"]}", "{\"a\":[\"w\",\"x\",\"y\"]}", false},
    {"{\"a\":[\"z\",\"y\"]}", "{\"a\":[\"w\",\"x\",\"y\"]}", true},
    {"{\"a\":[\"x\"]}", "{\"a\":[]}", false},
    {"{\"a\":[\"x\"]}", "{\"a\":[[\"x\"]]}", true}, /* nested arrays are looked through */
    {"{\"a\":[1]}", "{\"a\":[3,2,1]}", true},
    {"{\"a\":{\"b\":[\"x\"]}}", "{\"a\":[{\"b\":\"y\"},{\"b\":\"x\"}]}", true},
    {"{\"a\":{\"b\":[\"x\"]}}", "{\"a\":[{\"b\":\"y\"},{\"c\":\"x\"}]}", false},
    /* an object pattern over an array of objects matches one element as a whole */
    {"{\"a\":{\"b\":[1],\"c\":[4]}}", "{\"a\":[{\"b\":1,\"c\":2},{\"b\":3,\"c\":4}]}", false},
    {"{\"a\":{\"b\":[3],\"c\":[4]}}", "{\"a\":[{\"b\":1,\"c\":2},{\"b\":3,\"c\":4}]}", true},
    /* prefix */
    {"{\"detail\":{\"object\":{\"key\":[{\"prefix\":\"incoming/\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"prefix\":\"outgoing/\"}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"prefix\":\"Incoming/\"}]}}}", S3EV, false},
    {"{\"time\":[{\"prefix\":\"2021-11-12\"}]}", S3EV, true},
    {"{\"a\":[{\"prefix\":\"\"}]}", "{\"a\":\"anything\"}", true},
    {"{\"a\":[{\"prefix\":\"\"}]}", "{\"a\":5}", false}, /* prefix is for strings */
    {"{\"a\":[{\"prefix\":\"abc\"}]}", "{\"a\":\"ab\"}", false},
    {"{\"a\":[{\"prefix\":\"abc\"}]}", "{\"a\":\"abc\"}", true},
    {"{\"a\":[{\"prefix\":{\"equals-ignore-case\":\"EventB\"}}]}", "{\"a\":\"eventbridge\"}", true},
    {"{\"a\":[{\"prefix\":{\"equals-ignore-case\":\"EventB\"}}]}", "{\"a\":\"EVENTBRIDGE\"}", true},
    {"{\"a\":[{\"prefix\":{\"equals-ignore-case\":\"EventB\"}}]}", "{\"a\":\"event\"}", false},
    /* suffix */
    {"{\"detail\":{\"object\":{\"key\":[{\"suffix\":\".csv\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"suffix\":\".CSV\"}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"suffix\":{\"equals-ignore-case\":\".CSV\"}}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"suffix\":\".png\"},{\"suffix\":\".csv\"}]}}}", S3EV, true},
    {"{\"a\":[{\"suffix\":\"xyz\"}]}", "{\"a\":\"yz\"}", false},
    /* equals-ignore-case */
    {"{\"detail-type\":[{\"equals-ignore-case\":\"object created\"}]}", S3EV, true},
    {"{\"detail-type\":[{\"equals-ignore-case\":\"OBJECT CREATED\"}]}", S3EV, true},
    {"{\"detail-type\":[{\"equals-ignore-case\":\"object create\"}]}", S3EV, false},
    {"{\"a\":[{\"equals-ignore-case\":\"\xc3\x89T\xc3\x89\"}]}", "{\"a\":\"\xc3\xa9t\xc3\xa9\"}", true}, /* ÉTÉ/été */
    {"{\"a\":[{\"equals-ignore-case\":\"\xce\xa3\"}]}", "{\"a\":\"\xcf\x83\"}", true},                   /* Σ/σ */
    {"{\"a\":[{\"equals-ignore-case\":\"5\"}]}", "{\"a\":5}", false},
    /* wildcard */
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"incoming/*.csv\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"incoming/*/data.csv\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"incoming/*.json\"}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"*\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"*day*data*\"}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"wildcard\":\"*data*day*\"}]}}}", S3EV, false},
    {"{\"a\":[{\"wildcard\":\"abc\"}]}", "{\"a\":\"abc\"}", true},
    {"{\"a\":[{\"wildcard\":\"abc\"}]}", "{\"a\":\"abcd\"}", false},
    {"{\"a\":[{\"wildcard\":\"a*a\"}]}", "{\"a\":\"a\"}", false}, /* prefix and suffix may not overlap */
    {"{\"a\":[{\"wildcard\":\"a*a\"}]}", "{\"a\":\"aa\"}", true},
    {"{\"a\":[{\"wildcard\":\"*a*b*a*\"}]}", "{\"a\":\"xaxbxa\"}", true},
    {"{\"a\":[{\"wildcard\":\"*a*b*a*\"}]}", "{\"a\":\"xaxax\"}", false},
    {"{\"a\":[{\"wildcard\":\"ab*ab*ab\"}]}", "{\"a\":\"ababab\"}", true},
    {"{\"a\":[{\"wildcard\":\"ab*ab*ab\"}]}", "{\"a\":\"abab\"}", false},
    {"{\"a\":[{\"wildcard\":\"a\\\\*b\"}]}", "{\"a\":\"a*b\"}", true}, /* \* is a star */
    {"{\"a\":[{\"wildcard\":\"a\\\\*b\"}]}", "{\"a\":\"axb\"}", false},
    {"{\"a\":[{\"wildcard\":\"a\\\\\\\\b\"}]}", "{\"a\":\"a\\\\b\"}", true}, /* \\ is a backslash */
    {"{\"a\":[{\"wildcard\":\"*\"}]}", "{\"a\":5}", false},
    {"{\"a\":[{\"wildcard\":\"\"}]}", "{\"a\":\"\"}", true},
    /* numeric */
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">\",0]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">\",5]}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">=\",5]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\"<\",5]}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\"<=\",5]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\"=\",5]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\"=\",5.5]}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">\",0,\"<=\",5]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">\",0,\"<\",5]}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[{\"numeric\":[\">=\",5,\"<\",6]}]}}}", S3EV, true},
    {"{\"a\":[{\"numeric\":[\">\",-1.5,\"<\",-1.25]}]}", "{\"a\":-1.3}", true},
    {"{\"a\":[{\"numeric\":[\">\",0]}]}", "{\"a\":\"7\"}", false}, /* numeric is for numbers */
    {"{\"a\":[{\"numeric\":[\">\",0]}]}", "{\"a\":[-1,3]}", true},
    {"{\"a\":[{\"numeric\":[\"<\",5000000000]}]}", "{\"a\":4999999999}", true},
    {"{\"a\":[{\"numeric\":[\">\",0]}]}", "{\"a\":true}", false},
    /* exists */
    {"{\"detail\":{\"object\":{\"etag\":[{\"exists\":true}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"etag\":[{\"exists\":false}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"sequencer\":[{\"exists\":false}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"sequencer\":[{\"exists\":true}]}}}", S3EV, false},
    {"{\"nothere\":{\"deeper\":[{\"exists\":false}]}}", S3EV, true}, /* absent all the way down */
    {"{\"a\":[{\"exists\":true}]}", "{\"a\":null}", true},           /* null is a value */
    {"{\"a\":[{\"exists\":true}]}", "{\"a\":{\"b\":1}}", false},     /* leaves only */
    {"{\"a\":[{\"exists\":false}]}", "{\"a\":{\"b\":1}}", true},
    {"{\"a\":[{\"exists\":true}]}", "{\"a\":[]}", false},
    {"{\"a\":[{\"exists\":false}]}", "{\"a\":[]}", true},
    {"{\"a\":[{\"exists\":true}]}", "{\"a\":[1]}", true},
    {"{\"a\":[{\"exists\":false}]}", "{\"a\":[1]}", false},
    {"{\"a\":[\"x\",{\"exists\":false}]}", "{}", true},
    {"{\"a\":[\"x\",{\"exists\":false}]}", "{\"a\":\"x\"}", true},
    {"{\"a\":[\"x\",{\"exists\":false}]}", "{\"a\":\"y\"}", false},
    {"{\"a\":{\"b\":[{\"exists\":false}]}}", "{\"a\":\"scalar\"}", true},
    {"{\"a\":{\"b\":[{\"exists\":false}]}}", "{\"a\":[]}", true},
    /* anything-but */
    {"{\"detail\":{\"reason\":[{\"anything-but\":\"DeleteObject\"}]}}", S3EV, true},
    {"{\"detail\":{\"reason\":[{\"anything-but\":\"PutObject\"}]}}", S3EV, false},
    {"{\"detail\":{\"reason\":[{\"anything-but\":[\"CopyObject\",\"PutObject\"]}]}}", S3EV, false},
    {"{\"detail\":{\"reason\":[{\"anything-but\":[\"CopyObject\",\"PostObject\"]}]}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"anything-but\":5}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"size\":[{\"anything-but\":[1,2,3]}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"size\":[{\"anything-but\":[4,5.0]}]}}}", S3EV, false},
    {"{\"detail\":{\"nope\":[{\"anything-but\":\"x\"}]}}", S3EV, false}, /* absent is not "anything" */
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"prefix\":\"incoming/\"}}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"prefix\":\"archive/\"}}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"suffix\":\".csv\"}}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"suffix\":\".png\"}}]}}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"suffix\":[\".png\",\".csv\"]}}]}}}", S3EV, false},
    {"{\"detail\":{\"reason\":[{\"anything-but\":{\"equals-ignore-case\":\"putobject\"}}]}}", S3EV, false},
    {"{\"detail\":{\"reason\":[{\"anything-but\":{\"equals-ignore-case\":[\"copyobject\",\"X\"]}}]}}", S3EV, true},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"wildcard\":\"*/day1/*\"}}]}}}", S3EV, false},
    {"{\"detail\":{\"object\":{\"key\":[{\"anything-but\":{\"wildcard\":\"*/lib/*\"}}]}}}", S3EV, true},
    {"{\"a\":[{\"anything-but\":\"x\"}]}", "{\"a\":[\"x\",\"y\"]}", true}, /* any element that is not x */
    {"{\"a\":[{\"anything-but\":\"x\"}]}", "{\"a\":[\"x\",\"x\"]}", false},
    {"{\"a\":[{\"anything-but\":\"x\"}]}", "{\"a\":5}", true},
    {"{\"a\":[{\"anything-but\":\"x\"}]}", "{\"a\":null}", true},
    /* $or */
    {"{\"source\":[\"aws.s3\"],\"$or\":[{\"detail-type\":[\"Object "
     "Deleted\"]},{\"detail\":{\"reason\":[\"PutObject\"]}}]}",
     S3EV, true},
    {"{\"source\":[\"aws.s3\"],\"$or\":[{\"detail-type\":[\"Object Deleted\"]},{\"detail\":{\"reason\":[\"Copy\"]}}]}",
     S3EV, false},
    {"{\"source\":[\"aws.ec2\"],\"$or\":[{\"detail-type\":[\"Object Created\"]},{\"region\":[\"us-east-1\"]}]}", S3EV,
     false},
    {"{\"detail\":{\"$or\":[{\"object\":{\"size\":[{\"numeric\":[\">\",100]}]}},{\"bucket\":{\"name\":[{\"prefix\":"
     "\"example\"}]}}]}}",
     S3EV, true},
    {"{\"detail\":{\"$or\":[{\"object\":{\"size\":[{\"numeric\":[\">\",100]}]}},{\"bucket\":{\"name\":[\"x\"]}}]}}",
     S3EV, false},
    {"{\"$or\":[{\"a\":[1]},{\"$or\":[{\"b\":[2]},{\"c\":[3]}]}]}", "{\"c\":3}", true}, /* nested $or */
    {"{\"$or\":[{\"a\":[1]},{\"$or\":[{\"b\":[2]},{\"c\":[3]}]}]}", "{\"d\":3}", false},
    {"{\"$or\":[{\"a\":[1]},{\"b\":[{\"exists\":false}]}]}", "{}", true},
    /* a field literally named like an operator is a field */
    {"{\"prefix\":[\"x\"]}", "{\"prefix\":\"x\"}", true},
    {"{\"a\":{\"numeric\":[\"x\"]}}", "{\"a\":{\"numeric\":\"x\"}}", true},
};

START_TEST(test_match_case)
{
    const mcase_t *c = &cases[_i];
    char err[EVPAT_ERR_LEN];
    evpat_t *p = NULL;
    ck_assert_msg(evpat_compile(c->pattern, strlen(c->pattern), &p, err, sizeof err) == 0,
                  "case %d: pattern refused: %s\n  %s", _i, err, c->pattern);
    json_t *ev = evpat_parse_object(c->event, strlen(c->event), 64, err, sizeof err);
    ck_assert_msg(ev != NULL, "case %d: event refused: %s", _i, err);
    ck_assert_msg(evpat_match(p, ev) == c->match, "case %d: expected %s\n  pattern %s\n  event   %s", _i,
                  c->match ? "a match" : "no match", c->pattern, c->event);
    json_decref(ev);
    evpat_free(p);
}
END_TEST

typedef struct rcase {
    const char *pattern, *words; /* words: a substring the message must hold */
} rcase_t;

static const rcase_t refused[] = {
    {"", "not valid JSON"},
    {"{", "not valid JSON"},
    {"[\"a\"]", "Filter is not an object"},
    {"\"x\"", "Filter is not an object"},
    {"{}", "Empty objects are not allowed"},
    {"{\"a\":{}}", "Empty objects are not allowed at a"},
    {"{\"a\":[]}", "Empty arrays are not allowed at a"},
    {"{\"detail\":{\"state\":[]}}", "at detail.state"},
    {"{\"a\":\"x\"}", "\"a\" must be an object or an array"},
    {"{\"a\":5}", "must be an object or an array"},
    {"{\"a\":null}", "must be an object or an array"},
    {"{\"a\":[[\"x\"]]}", "Match value must be"},
    {"{\"a\":[\"x\",{}]}", "Match expression name not found"},
    {"{\"a\":[{\"prefix\":\"x\",\"suffix\":\"y\"}]}", "Only one key allowed"},
    {"{\"a\":[{\"prefix\":5}]}", "prefix match pattern must be a string"},
    {"{\"a\":[{\"prefix\":{\"nope\":\"x\"}}]}", "equals-ignore-case"},
    {"{\"a\":[{\"prefix\":{\"equals-ignore-case\":5}}]}", "must be a string"},
    {"{\"a\":[{\"suffix\":[\"x\"]}]}", "suffix match pattern must be a string"},
    {"{\"a\":[{\"equals-ignore-case\":[\"x\"]}]}", "equals-ignore-case match pattern must be a string"},
    {"{\"a\":[{\"wildcard\":5}]}", "wildcard match pattern must be a string"},
    {"{\"a\":[{\"wildcard\":\"a**b\"}]}", "Consecutive wildcard characters at pos 1"},
    {"{\"a\":[{\"wildcard\":\"a\\\\b\"}]}", "Invalid escape character at pos 1"},
    {"{\"a\":[{\"wildcard\":\"ab\\\\\"}]}", "Invalid escape character at pos 2"},
    {"{\"a\":[{\"exists\":\"true\"}]}", "exists match pattern must be either true or false"},
    {"{\"a\":[{\"exists\":1}]}", "true or false"},
    {"{\"a\":[{\"numeric\":5}]}", "Value of numeric must be an array"},
    {"{\"a\":[{\"numeric\":[\">\"]}]}", "needs an operator and a number"},
    {"{\"a\":[{\"numeric\":[\">\",1,\"<\"]}]}", "needs an operator and a number"},
    {"{\"a\":[{\"numeric\":[\">\",1,\"<\",5,\"<\",6]}]}", "Too many elements"},
    {"{\"a\":[{\"numeric\":[\"!=\",1]}]}", "Unrecognized numeric range operator: !="},
    {"{\"a\":[{\"numeric\":[1,\">\"]}]}", "Invalid member in numeric match"},
    {"{\"a\":[{\"numeric\":[\">\",\"1\"]}]}", "Value of > must be numeric"},
    {"{\"a\":[{\"numeric\":[\"=\",1,\"<\",2]}]}", "Too many elements"},
    {"{\"a\":[{\"numeric\":[\"<\",1,\">\",0]}]}", "Too many elements"},
    {"{\"a\":[{\"numeric\":[\">\",1,\">\",2]}]}", "Bad numeric range operator: >"},
    {"{\"a\":[{\"numeric\":[\">\",5,\"<\",5]}]}", "Bottom must be less than top"},
    {"{\"a\":[{\"numeric\":[\">\",6,\"<=\",5]}]}", "Bottom must be less than top"},
    {"{\"a\":[{\"numeric\":[\">\",6000000000]}]}", "between -5.0e9 and 5.0e9"},
    {"{\"a\":[{\"numeric\":[\"<\",-5000000001]}]}", "between -5.0e9 and 5.0e9"},
    {"{\"a\":[{\"anything-but\":null}]}", "Value of anything-but must be an array or a single string or number"},
    {"{\"a\":[{\"anything-but\":true}]}", "anything-but"},
    {"{\"a\":[{\"anything-but\":[]}]}", "Empty arrays are not allowed in anything-but"},
    {"{\"a\":[{\"anything-but\":[\"x\",1]}]}", "mixed types are not supported"},
    {"{\"a\":[{\"anything-but\":[\"x\",null]}]}", "only strings or numbers"},
    {"{\"a\":[{\"anything-but\":[{\"prefix\":\"x\"}]}]}", "only strings or numbers"},
    {"{\"a\":[{\"anything-but\":{}}]}", "Anything-but expression name not found"},
    {"{\"a\":[{\"anything-but\":{\"prefix\":\"x\",\"suffix\":\"y\"}}]}", "Only one key allowed"},
    {"{\"a\":[{\"anything-but\":{\"numeric\":[\">\",1]}}]}", "Unsupported anything-but pattern: numeric"},
    {"{\"a\":[{\"anything-but\":{\"prefix\":\"\"}}]}", "Null prefix/suffix not allowed"},
    {"{\"a\":[{\"anything-but\":{\"prefix\":5}}]}", "takes a string or a list of strings"},
    {"{\"a\":[{\"anything-but\":{\"wildcard\":\"a**\"}}]}", "Consecutive wildcard"},
    {"{\"a\":[{\"cidr\":\"10.0.0.0/24\"}]}", "cidr matching is not supported"},
    {"{\"a\":[{\"contains\":\"x\"}]}", "Unrecognized match type contains"},
    {"{\"$or\":{\"a\":[1]}}", "$or must be followed by an array"},
    {"{\"$or\":[{\"a\":[1]}]}", "at least 2 objects"},
    {"{\"$or\":[{\"a\":[1]},[\"b\"]]}", "Only JSON objects are allowed"},
    {"{\"$or\":[{\"a\":[1]},{}]}", "Empty objects are not allowed at $or[1]"},
    {"{\"a\":[1],\"a\":[2]}", "duplicate"},
    {"{\"detail\":{\"x\":{\"y\":[{\"numeric\":[\">\",\"no\"]}]}}}", "at detail.x.y[0]"},
};

START_TEST(test_refused_case)
{
    const rcase_t *c = &refused[_i];
    char err[EVPAT_ERR_LEN] = "";
    evpat_t *p = NULL;
    int rc = evpat_compile(c->pattern, strlen(c->pattern), &p, err, sizeof err);
    evpat_free(p);
    ck_assert_msg(rc == -1, "refused case %d was accepted: %s", _i, c->pattern);
    ck_assert_msg(strstr(err, c->words) != NULL, "refused case %d: message '%s' lacks '%s'", _i, err, c->words);
}
END_TEST

START_TEST(test_depth_bound)
{
    /* EVPAT_MAX_DEPTH nested objects compile; one more is refused with a message that says so */
    char buf[4096];
    for (int depth = EVPAT_MAX_DEPTH - 1; depth <= EVPAT_MAX_DEPTH; depth++) {
        size_t o = 0;
        for (int i = 0; i < depth; i++)
            o += (size_t)sprintf(buf + o, "{\"k\":");
        o += (size_t)sprintf(buf + o, "{\"leaf\":[1]}");
        for (int i = 0; i < depth; i++)
            buf[o++] = '}';
        buf[o] = '\0';
        evpat_t *p = NULL;
        char err[EVPAT_ERR_LEN];
        int rc = evpat_compile(buf, o, &p, err, sizeof err);
        if (depth < EVPAT_MAX_DEPTH) {
            ck_assert_msg(rc == 0, "depth %d refused: %s", depth, err);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_msg(strstr(err, "deeper than"), "message: %s", err);
        }
        evpat_free(p);
    }
}
END_TEST

START_TEST(test_parse_object_bounds)
{
    char err[256];
    json_t *v = evpat_parse_object("{\"a\":[[[1]]]}", 13, 3, err, sizeof err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(strstr(err, "deeper than 3"));
    v = evpat_parse_object("{\"a\":[[1]]}", 11, 3, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    /* brackets inside strings do not count */
    v = evpat_parse_object("{\"a\":\"[[[[[[\"}", 14, 1, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    v = evpat_parse_object("[1]", 3, 8, err, sizeof err);
    ck_assert_ptr_null(v);
    ck_assert_str_eq(err, "must be a JSON object");
    /* an integer past 64 bits is still a number */
    const char *big = "{\"n\":123456789012345678901234567890}";
    v = evpat_parse_object(big, strlen(big), 8, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    ck_assert(json_is_real(json_object_get(v, "n")));
    json_decref(v);
    v = evpat_parse_object("{\"a\":1,\"a\":2}", 13, 8, err, sizeof err);
    ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_compile_json_and_reuse)
{
    /* a compiled pattern keeps nothing of its source and can be used many times */
    json_t *src = json_pack("{s:[s]}", "source", "aws.s3");
    evpat_t *p = NULL;
    char err[EVPAT_ERR_LEN];
    ck_assert_int_eq(evpat_compile_json(src, &p, err, sizeof err), 0);
    json_decref(src);
    json_t *yes = json_pack("{ss}", "source", "aws.s3"), *no = json_pack("{ss}", "source", "x");
    for (int i = 0; i < 3; i++) {
        ck_assert(evpat_match(p, yes));
        ck_assert(!evpat_match(p, no));
    }
    ck_assert(!evpat_match(NULL, yes));
    json_decref(yes);
    json_decref(no);
    evpat_free(p);
    evpat_free(NULL);
    /* err may be NULL */
    ck_assert_int_eq(evpat_compile("{}", 2, &p, NULL, 0), -1);
}
END_TEST

static Suite *pattern_suite(void)
{
    Suite *s = suite_create("pattern");
    TCase *tc = tcase_create("pattern");
    tcase_add_loop_test(tc, test_match_case, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_loop_test(tc, test_refused_case, 0, (int)(sizeof refused / sizeof refused[0]));
    tcase_add_test(tc, test_depth_bound);
    tcase_add_test(tc, test_parse_object_bounds);
    tcase_add_test(tc, test_compile_json_and_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pattern_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
