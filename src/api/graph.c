/* The workflow graph (SPEC section 5): a TRIGGER node per member trigger, a JOB or CRAWLER node per job or
 * crawler that a member trigger starts or watches; edges trigger -> action and watched node -> trigger.
 * Built from the workflow's triggers with one indexed query, never a query per node. Node ids are derived
 * from (workflow, type, name) with the store's secret, so they are stable from call to call and across
 * restarts, and the same node has the same id in every run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "model/codec.h"
#include "model/nodeid.h"
#include "util/util.h"

typedef struct graph {
    json_t *nodes, *edges;
    json_t *index;      /* UniqueId -> true, to add each node once */
    json_t *edge_index; /* "from>to" -> true, to add each edge once */
    const uint8_t *secret;
    const char *workflow;
} graph_t;

/* Adds the node if new; returns its id in id. */
static void node(graph_t *g, const char *type, const char *name, json_t *trigger, char id[NODEID_LEN])
{
    nodeid_make(g->secret, g->workflow, type, name, id);
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
    char key[150];
    snprintf(key, sizeof key, "%s>%s", from, to);
    if (json_object_get(g->edge_index, key))
        return; /* a trigger that starts or watches the same node twice still has one edge to it */
    json_object_set_new(g->edge_index, key, json_true());
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

/* Adds a trigger's node, the nodes it starts and watches, and the edges between them. */
static void add_trigger(graph_t *g, const char *name, const char *text)
{
    json_t *t = json_loads(text, 0, NULL);
    if (!t)
        return;
    char tid[NODEID_LEN], id[NODEID_LEN];
    node(g, "TRIGGER", name, t, tid);
    size_t k;
    json_t *it;
    const char *type, *nname;
    json_array_foreach (json_object_get(t, "Actions"), k, it)
        if (target(it, &type, &nname)) {
            node(g, type, nname, NULL, id);
            edge(g, tid, id);
        }
    json_array_foreach (json_object_get(json_object_get(t, "Predicate"), "Conditions"), k, it)
        if (target(it, &type, &nname)) {
            node(g, type, nname, NULL, id);
            edge(g, id, tid);
        }
    json_decref(t);
}

static json_t *graph_done(graph_t *g)
{
    json_decref(g->index);
    json_decref(g->edge_index);
    return json_pack("{soso}", "Nodes", g->nodes, "Edges", g->edges);
}

/* Sets JobDetails.JobRuns / CrawlerDetails.Crawls on the nodes whose runs live in run_id. The runs are
 * indexed by node first, so a large run costs nodes + runs, not nodes x runs. */
static void attach(json_t *nodes, const char *run_id, store_jobrun_t *runs, size_t n)
{
    json_t *by_node = json_object(); /* "job\nname" -> [index, ...] */
    for (size_t k = 0; k < n; k++) {
        char key[600];
        snprintf(key, sizeof key, "%s\n%s", runs[k].kind, runs[k].job);
        json_t *l = json_object_get(by_node, key);
        if (!l)
            json_object_set_new(by_node, key, l = json_array());
        json_array_append_new(l, json_integer((json_int_t)k));
    }
    size_t i;
    json_t *nd;
    json_array_foreach (nodes, i, nd) {
        const char *type = json_string_value(json_object_get(nd, "Type"));
        const char *name = json_string_value(json_object_get(nd, "Name"));
        const char *src = json_string_value(json_object_get(nd, "_source"));
        bool job = strcmp(type, "JOB") == 0;
        if (!job && strcmp(type, "CRAWLER") != 0)
            continue;
        if (strcmp(src ? src : "", run_id) != 0)
            continue;
        char key[600];
        snprintf(key, sizeof key, "%s\n%s", job ? "job" : "crawl", name);
        json_t *list = json_array();
        size_t m;
        json_t *ix;
        json_array_foreach (json_object_get(by_node, key), m, ix) {
            store_jobrun_t *r = &runs[json_integer_value(ix)];
            json_array_append_new(list, job ? codec_jobrun(r) : codec_crawl(r));
        }
        if (json_array_size(list))
            json_object_set_new(nd, job ? "JobDetails" : "CrawlerDetails",
                                json_pack("{so}", job ? "JobRuns" : "Crawls", list));
        else
            json_decref(list);
    }
    json_decref(by_node);
}

json_t *api_run_graph(api_req_t *rq, const store_run_t *run, gerr_t *e)
{
    store_tx_t *db = api_db(rq);
    char **names = NULL, **docs = NULL;
    int *fired = NULL;
    size_t nt = 0, nn = 0;
    store_node_t *nodes = NULL;
    int rc;
    if ((rc = store_run_triggers(db, run->run_id, &names, &docs, &fired, &nt)) < 0 ||
        (rc = store_run_nodes(db, run->run_id, &nodes, &nn)) < 0) {
        store_strv_free(names, nt);
        store_strv_free(docs, nt);
        free(fired);
        gerr_store(e, rc, "reading a run's graph");
        return NULL;
    }
    graph_t g = {json_array(), json_array(), json_object(), json_object(), store_secret(rq->api->store), run->workflow};
    for (size_t i = 0; i < nt; i++)
        add_trigger(&g, names[i], docs[i]);
    /* where each node's runs live: this run, or the run it was resumed from */
    json_t *sources = json_object();
    size_t i;
    json_t *nd;
    json_array_foreach (g.nodes, i, nd) {
        const char *type = json_string_value(json_object_get(nd, "Type"));
        const char *name = json_string_value(json_object_get(nd, "Name"));
        for (size_t k = 0; k < nn; k++)
            if (strcmp(nodes[k].type, type) == 0 && strcmp(nodes[k].name, name) == 0) {
                const char *src = nodes[k].source_run_id ? nodes[k].source_run_id : run->run_id;
                json_object_set_new(nd, "_source", json_string(src));
                json_object_set_new(sources, src, json_true());
            }
    }
    const char *src;
    json_t *unused;
    json_object_foreach (sources, src, unused) {
        store_jobrun_t *runs = NULL;
        size_t n = 0;
        if ((rc = store_jobrun_list_run(db, src, &runs, &n)) < 0) {
            gerr_store(e, rc, "reading a run's job runs");
            break;
        }
        attach(g.nodes, src, runs, n);
        store_jobrun_list_free(runs, n);
    }
    json_array_foreach (g.nodes, i, nd)
        json_object_del(nd, "_source");
    json_decref(sources);
    store_strv_free(names, nt);
    store_strv_free(docs, nt);
    free(fired);
    store_node_list_free(nodes, nn);
    json_t *out = graph_done(&g);
    if (rc < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *api_workflow_graph(api_req_t *rq, const char *workflow, gerr_t *e)
{
    store_res_t *trig;
    size_t n;
    int rc = store_res_by_workflow(api_db(rq), "trigger", workflow, &trig, &n);
    if (rc < 0) {
        gerr_store(e, rc, "reading a workflow's triggers");
        return NULL;
    }
    graph_t g = {json_array(), json_array(), json_object(), json_object(), store_secret(rq->api->store), workflow};
    for (size_t i = 0; i < n; i++)
        add_trigger(&g, trig[i].name, trig[i].doc);
    store_res_list_free(trig, n);
    return graph_done(&g);
}
