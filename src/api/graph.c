/* The workflow graph (SPEC section 5): a TRIGGER node per member trigger, a JOB or CRAWLER node per job or
 * crawler that a member trigger starts or watches; edges trigger -> action and watched node -> trigger.
 * Built from the workflow's triggers with one indexed query, never a query per node. Node ids are derived
 * from (workflow, type, name) with the store's secret, so they are stable from call to call and across
 * restarts, and the same node has the same id in every run. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "model/codec.h"
#include "model/nodeid.h"
#include "util/util.h"

typedef struct graph {
    json_t *nodes, *edges;
    json_t *index;      /* "TYPE\nname" -> UniqueId, to add each node once */
    json_t *edge_index; /* "from>to" -> true, to add each edge once */
    const uint8_t *secret;
    const char *workflow;
} graph_t;

/* Adds the node if new; returns its id in id. */
static void node(graph_t *g, const char *type, const char *name, json_t *trigger, char id[NODEID_LEN])
{
    char key[600];
    snprintf(key, sizeof key, "%s\n%s", type, name);
    json_t *known = json_object_get(g->index, key);
    if (known) { /* each node's id is made once, however many triggers name it */
        snprintf(id, NODEID_LEN, "%s", json_string_value(known));
        return;
    }
    nodeid_make(g->secret, g->workflow, type, name, id);
    json_object_set_new(g->index, key, json_string(id));
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
    json_t *by_key = json_object(); /* "TYPE\nname" -> the run node's index: nodes + run nodes, not their product */
    for (size_t k = 0; k < nn; k++) {
        char key[600];
        snprintf(key, sizeof key, "%s\n%s", nodes[k].type, nodes[k].name);
        json_object_set_new(by_key, key, json_integer((json_int_t)k));
    }
    json_array_foreach (g.nodes, i, nd) {
        char key[600];
        snprintf(key, sizeof key, "%s\n%s", json_string_value(json_object_get(nd, "Type")),
                 json_string_value(json_object_get(nd, "Name")));
        json_t *ix = json_object_get(by_key, key);
        if (!ix)
            continue;
        store_node_t *rn = &nodes[json_integer_value(ix)];
        const char *src = rn->source_run_id ? rn->source_run_id : run->run_id;
        json_object_set_new(nd, "_source", json_string(src));
        json_object_set_new(sources, src, json_true());
    }
    json_decref(by_key);
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

/* Large workflow graphs are kept encoded: a graph is a function of the workflow's name, its triggers' names and
 * definitions and the store's secret, so a hash of those finds it again, and a change to any trigger misses.
 * Building and encoding a 1,000-node graph is most of GetWorkflow's cost (issue 13); reading and hashing the
 * triggers is a tenth of it. Shared by every HTTP thread, under a mutex; a few entries, least recently used out. */
#define GRAPH_CACHE_N        16
#define GRAPH_CACHE_TRIGGERS 16 /* smaller graphs are built each time: cheap, and not worth a slot */

typedef struct gcache {
    char *workflow, *text;
    uint64_t hash, used;
} gcache_t;

static gcache_t gcache[GRAPH_CACHE_N];
static uint64_t gcache_tick;
static pthread_mutex_t gcache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t graph_hash(const uint8_t *secret, const char *workflow, const store_res_t *trig, size_t n)
{
    uint64_t h = util_fnv1a64(UTIL_FNV64_START, secret, 32);
    h = util_fnv1a64(h, workflow, strlen(workflow) + 1);
    for (size_t i = 0; i < n; i++) {
        h = util_fnv1a64(h, trig[i].name, strlen(trig[i].name) + 1);
        h = util_fnv1a64(h, trig[i].doc, strlen(trig[i].doc) + 1);
    }
    return h;
}

/* A copy of the cached text, or NULL. */
static char *gcache_get(const char *workflow, uint64_t hash)
{
    char *out = NULL;
    pthread_mutex_lock(&gcache_lock);
    for (int i = 0; i < GRAPH_CACHE_N && !out; i++)
        if (gcache[i].text && gcache[i].hash == hash && strcmp(gcache[i].workflow, workflow) == 0) {
            gcache[i].used = ++gcache_tick;
            out = strdup(gcache[i].text);
        }
    pthread_mutex_unlock(&gcache_lock);
    return out;
}

static void gcache_put(const char *workflow, uint64_t hash, const char *text)
{
    char *w = strdup(workflow), *t = strdup(text);
    if (!w || !t) {
        free(w);
        free(t);
        return;
    }
    pthread_mutex_lock(&gcache_lock);
    int slot = 0;
    for (int i = 0; i < GRAPH_CACHE_N; i++) {
        if (gcache[i].text && strcmp(gcache[i].workflow, workflow) == 0) { /* the workflow's older graph */
            slot = i;
            break;
        }
        if (gcache[i].used < gcache[slot].used)
            slot = i;
    }
    free(gcache[slot].workflow);
    free(gcache[slot].text);
    gcache[slot] = (gcache_t){w, t, hash, ++gcache_tick};
    pthread_mutex_unlock(&gcache_lock);
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
    const uint8_t *secret = store_secret(rq->api->store);
    uint64_t hash = 0;
    if (n >= GRAPH_CACHE_TRIGGERS) {
        hash = graph_hash(secret, workflow, trig, n);
        char *text = gcache_get(workflow, hash);
        if (text) {
            store_res_list_free(trig, n);
            return api_raw(rq, text);
        }
    }
    graph_t g = {json_array(), json_array(), json_object(), json_object(), secret, workflow};
    for (size_t i = 0; i < n; i++)
        add_trigger(&g, trig[i].name, trig[i].doc);
    store_res_list_free(trig, n);
    json_t *out = graph_done(&g);
    if (n >= GRAPH_CACHE_TRIGGERS) {
        char *text = json_dumps(out, CODEC_DUMP_FLAGS);
        if (text) {
            gcache_put(workflow, hash, text);
            json_decref(out);
            return api_raw(rq, text);
        }
    }
    return out;
}
