/* The workflow graph (SPEC section 5): a TRIGGER node per member trigger, a JOB or CRAWLER node per job or
 * crawler that a member trigger starts or watches; edges trigger -> action and watched node -> trigger.
 * Built from the workflow's triggers with one indexed query, never a query per node. Node ids are derived
 * from (workflow, type, name) with the store's secret, so they are stable from call to call and across
 * restarts, and the same node has the same id in every run. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/util.h"

void api_node_id(const uint8_t secret[32], const char *workflow, const char *type, const char *name, char out[71])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t a = strlen(workflow), b = strlen(type), c = strlen(name);
    char buf[1024];
    char *p = a + b + c + 3 <= sizeof buf ? buf : NULL;
    if (!p)
        p = malloc(a + b + c + 3);
    memcpy(p, workflow, a + 1);
    memcpy(p + a + 1, type, b + 1);
    memcpy(p + a + b + 2, name, c + 1);
    HMAC(EVP_sha256(), secret, 32, (const uint8_t *)p, a + b + c + 3, md, &len);
    if (p != buf)
        free(p);
    memcpy(out, "wnode_", 6);
    util_hex(out + 6, md, 32);
}

typedef struct graph {
    json_t *nodes, *edges;
    json_t *index; /* UniqueId -> true, to add each node once */
    const uint8_t *secret;
    const char *workflow;
} graph_t;

/* Adds the node if new; returns its id in id[71]. */
static void node(graph_t *g, const char *type, const char *name, json_t *trigger, char id[71])
{
    api_node_id(g->secret, g->workflow, type, name, id);
    if (json_object_get(g->index, id))
        return;
    json_object_set_new(g->index, id, json_true());
    json_t *n = json_pack("{ssssss}", "Type", type, "Name", name, "UniqueId", id);
    if (trigger)
        json_object_set_new(n, "TriggerDetails", json_pack("{sO}", "Trigger", trigger));
    json_array_append_new(g->nodes, n);
}

static void edge(graph_t *g, const char *from, const char *to)
{
    json_array_append_new(g->edges, json_pack("{ssss}", "SourceId", from, "DestinationId", to));
}

/* The job or crawler that an Action or a Condition names, if any. */
static int target(json_t *o, const char **type, const char **name)
{
    const char *job = json_string_value(json_object_get(o, "JobName"));
    const char *crawler = json_string_value(json_object_get(o, "CrawlerName"));
    if (job) {
        *type = "JOB";
        *name = job;
        return 1;
    }
    if (crawler) {
        *type = "CRAWLER";
        *name = crawler;
        return 1;
    }
    return 0;
}

json_t *api_workflow_graph(api_req_t *rq, const char *workflow, gerr_t *e)
{
    store_res_t *trig;
    size_t n;
    if (store_res_by_workflow(rq->api->store, "trigger", workflow, &trig, &n, e) < 0)
        return NULL;
    graph_t g = {json_array(), json_array(), json_object(), store_secret(rq->api->store), workflow};
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_loads(trig[i].doc, 0, NULL);
        if (!t)
            continue;
        char tid[71], id[71];
        node(&g, "TRIGGER", trig[i].name, t, tid);
        size_t k;
        json_t *it;
        const char *type, *name;
        json_array_foreach(json_object_get(t, "Actions"), k, it) if (target(it, &type, &name))
        {
            node(&g, type, name, NULL, id);
            edge(&g, tid, id);
        }
        json_array_foreach(json_object_get(json_object_get(t, "Predicate"), "Conditions"), k, it) if (
            target(it, &type, &name))
        {
            node(&g, type, name, NULL, id);
            edge(&g, id, tid);
        }
        json_decref(t);
    }
    store_res_list_free(trig, n);
    json_decref(g.index);
    return json_pack("{soso}", "Nodes", g.nodes, "Edges", g.edges);
}
