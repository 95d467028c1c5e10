/* libFuzzer target for the event-pattern compiler and matcher: the input is a pattern, optionally followed by a
 * NUL byte and an event. Whatever compiles is matched against the fuzzer's event and a few fixed ones; a
 * refusal must leave a message, and a pattern must give the same answers after a round trip through its own
 * JSON text. Crashes, leaks, sanitizer reports and hangs are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/pattern.h"

static const char *const EVENTS[] = {
    "{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"resources\":[\"arn:aws:s3:::b\"],"
    "\"detail\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/a.csv\",\"size\":5},\"reason\":"
    "\"PutObject\"}}",
    "{\"a\":[1,\"x\",null,true,{\"b\":[2.5,\"\\u00c9t\\u00e9\"]},[]],\"c\":{}}",
    "{}",
};

static void match_all(const evpat_t *p, const json_t *extra, int out[4])
{
    for (size_t i = 0; i < 3; i++) {
        json_t *ev = evpat_parse_object(EVENTS[i], strlen(EVENTS[i]), 16, NULL, 0);
        if (!ev)
            abort();
        out[i] = evpat_match(p, ev);
        json_decref(ev);
    }
    out[3] = extra ? evpat_match(p, extra) : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - text) : size;
    json_t *extra = nul ? evpat_parse_object(nul + 1, size - plen - 1, 16, NULL, 0) : NULL;
    char err[EVPAT_ERR_LEN];
    evpat_t *p = NULL;
    if (evpat_compile(text, plen, &p, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
        json_decref(extra);
        return 0;
    }
    int first[4], again[4];
    match_all(p, extra, first);
    /* the same pattern, compiled from its own serialisation, answers the same */
    json_t *pj = evpat_parse_object(text, plen, EVPAT_MAX_DEPTH + 4, NULL, 0);
    char *dumped = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
    evpat_t *q = NULL;
    if (!dumped || evpat_compile(dumped, strlen(dumped), &q, err, sizeof err) != 0)
        abort();
    match_all(q, extra, again);
    if (memcmp(first, again, sizeof first) != 0)
        abort();
    evpat_free(q);
    free(dumped);
    json_decref(pj);
    evpat_free(p);
    json_decref(extra);
    return 0;
}
