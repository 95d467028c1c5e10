/* TagResource, UntagResource, GetTags for workflow, job, trigger, crawler and database ARNs:
 * arn:<partition>:glue:<region>:<account>:<type>/<name>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "model/codec.h"
#include "model/validate.h"

#define TAGS_MAX 50

typedef struct arn {
    char type[16];    /* workflow, job, trigger, crawler */
    const char *name; /* points into the input string */
} arn_t;

static int parse_arn(api_req_t *rq, const char *s, arn_t *a, gerr_t *e)
{
    static const char *const partitions[] = {"aws",       "aws-cn",    "aws-us-gov", "aws-iso",
                                             "aws-iso-b", "aws-iso-e", "aws-iso-f",  NULL};
    static const char *const types[] = {"workflow", "job", "trigger", "crawler", "database", NULL};
    const char *shape =
        "ResourceArn must look like arn:aws:glue:<region>:<account>:<workflow|job|trigger|crawler|database>/<name>";
    char part[16], svc[8], region[32], account[32];
    int used = 0;
    if (sscanf(s, "arn:%15[^:]:%7[^:]:%31[^:]:%31[^:]:%n", part, svc, region, account, &used) != 4 || !used)
        return gerr_set(e, GERR_INVALID_INPUT, "%s (got '%.200s')", shape, s);
    bool ok = false;
    for (size_t i = 0; partitions[i]; i++)
        ok |= strcmp(part, partitions[i]) == 0;
    if (!ok || strcmp(svc, "glue") != 0)
        return gerr_set(e, GERR_INVALID_INPUT, "%s (got '%.200s')", shape, s);
    const char *rest = s + used, *slash = strchr(rest, '/');
    if (!slash || (size_t)(slash - rest) >= sizeof a->type)
        return gerr_set(e, GERR_INVALID_INPUT, "%s (got '%.200s')", shape, s);
    memcpy(a->type, rest, (size_t)(slash - rest));
    a->type[slash - rest] = '\0';
    ok = false;
    for (size_t i = 0; types[i]; i++)
        ok |= strcmp(a->type, types[i]) == 0;
    if (!ok)
        return gerr_set(e, GERR_INVALID_INPUT,
                        "ResourceArn names a '%s'; glued tags workflows, jobs, triggers, crawlers and databases",
                        a->type);
    a->name = slash + 1;
    if (val_check(a->name, strlen(a->name), &VAL_NAME, "The name in ResourceArn", e) < 0)
        return -1;
    if (strcmp(account, rq->api->cfg.account) != 0)
        return gerr_set(e, GERR_NOT_FOUND, "ResourceArn names account %s; this service holds account %s", account,
                        rq->api->cfg.account);
    return 0;
}

static int arn_not_found(const arn_t *a, gerr_t *e)
{
    return gerr_set(e, GERR_NOT_FOUND, "%c%s '%s' not found", a->type[0] - 32, a->type + 1, a->name);
}

typedef struct tag_change {
    json_t *add;    /* map to merge, or NULL */
    json_t *remove; /* list of keys, or NULL */
    json_t *result; /* set by the read path: the current tags */
} tag_change_t;

static int apply(char **tags, tag_change_t *c, gerr_t *e)
{
    json_t *m = codec_map_decode(*tags);
    if (c->add)
        json_object_update(m, c->add);
    if (c->remove) {
        size_t i;
        json_t *k;
        json_array_foreach (c->remove, i, k)
            json_object_del(m, json_string_value(k));
    }
    if (json_object_size(m) > TAGS_MAX) {
        size_t n = json_object_size(m);
        json_decref(m);
        return gerr_set(e, GERR_INVALID_INPUT, "A resource may have at most %d tags; this change would leave %zu",
                        TAGS_MAX, n);
    }
    free(*tags);
    *tags = codec_tags_encode(m);
    json_decref(m);
    return 0;
}

static int wf_apply(api_req_t *rq, store_workflow_t *w, void *c, gerr_t *e)
{
    (void)rq;
    return apply(&w->tags, c, e);
}

static int res_apply(api_req_t *rq, store_res_t *r, void *c, gerr_t *e)
{
    (void)rq;
    return apply(&r->tags, c, e);
}

static int db_apply(char **tags, void *c, gerr_t *e)
{
    return apply(tags, c, e);
}

static int change(api_req_t *rq, const arn_t *a, tag_change_t *c, gerr_t *e)
{
    int rc = strcmp(a->type, "workflow") == 0   ? api_workflow_mutate(rq, a->name, wf_apply, c, e)
             : strcmp(a->type, "database") == 0 ? api_database_tags(rq, a->name, db_apply, c, NULL, e)
                                                : api_res_mutate(rq, a->type, a->name, res_apply, c, e);
    if (rc == STORE_NOTFOUND)
        return arn_not_found(a, e);
    return rc;
}

int api_tag_resource(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *s;
    arn_t a;
    tag_change_t c = {0};
    if (val_str(in, "ResourceArn", &VAL_ARN, true, &s, e) < 0 ||
        val_map(in, "TagsToAdd", &VAL_TAG_KEY, &VAL_TAG_VALUE, TAGS_MAX, true, &c.add, e) < 0 ||
        parse_arn(rq, s, &a, e) < 0 || change(rq, &a, &c, e) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int api_untag_resource(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *s;
    arn_t a;
    tag_change_t c = {0};
    if (val_str(in, "ResourceArn", &VAL_ARN, true, &s, e) < 0 ||
        val_str_list(in, "TagsToRemove", 0, TAGS_MAX, &VAL_TAG_KEY, true, &c.remove, e) < 0 ||
        parse_arn(rq, s, &a, e) < 0 || change(rq, &a, &c, e) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int api_get_tags(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *s;
    arn_t a;
    if (val_str(in, "ResourceArn", &VAL_ARN, true, &s, e) < 0 || parse_arn(rq, s, &a, e) < 0)
        return -1;
    char *tags = NULL;
    int rc;
    if (strcmp(a.type, "database") == 0) {
        rc = api_database_tags(rq, a.name, NULL, NULL, &tags, e);
        if (rc < 0 && e->type)
            return -1;
    } else if (strcmp(a.type, "workflow") == 0) {
        store_workflow_t w = {0};
        rc = store_workflow_get(api_db(rq), a.name, &w, NULL);
        tags = w.tags;
        w.tags = NULL;
        store_workflow_cleanup(&w);
    } else {
        store_res_t r = {0};
        rc = store_res_get(api_db(rq), a.type, a.name, &r);
        tags = r.tags;
        r.tags = NULL;
        store_res_cleanup(&r);
    }
    if (rc < 0)
        return gerr_store(e, rc, "reading tags");
    if (rc == STORE_NOTFOUND)
        return arn_not_found(&a, e);
    *out = json_pack("{so}", "Tags", codec_map_decode(tags));
    free(tags);
    return 0;
}
