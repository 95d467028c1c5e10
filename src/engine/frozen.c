/* The frozen triggers of workflow runs, kept in memory once read (see frozen.h). Each thing kept is an entry in
 * one hash table, under a key made of the run's id and what it is (a node's watchers, or a trigger); the entries
 * of a run are also listed on the run, so that the run's end forgets them all. A run's first miss reads all of
 * its watchers (or triggers) at once, up to RUN_ROWS. */
#include "engine/frozen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define BUCKETS     4096
#define ENTRIES_MAX 65536 /* past it everything goes at the next trim (a miss costs one read, as without this) */
#define RUNS_MAX    1024  /* the same for runs (one stopped from another thread is not forgotten at its end) */
#define RUN_ROWS    4096  /* a run's watchers, or its triggers, read in one go up to this many (more: one by one) */

typedef struct run run_t;

typedef struct entry {
    struct entry *hnext; /* in its bucket */
    struct entry *rnext; /* in its run's list */
    char *key;
    char **names; /* a node's watchers */
    size_t n;
    json_t *doc; /* a trigger's definition */
} entry_t;

struct run {
    run_t *next; /* in frozen.runs */
    char *run_id;
    bool forgotten;
    bool watchers_all, triggers_all;   /* every watcher (trigger) of the run is kept: one not found has none */
    bool watchers_many, triggers_many; /* more than RUN_ROWS: read one by one */
    entry_t *entries;
};

/* A document as last parsed, in the slot its kind and name hash to (another in the slot replaces it). */
typedef struct parsed {
    const char *kind; /* a string constant */
    char *name, *text;
    json_t *doc;
} parsed_t;

struct frozen {
    entry_t *b[BUCKETS];
    parsed_t *parses; /* nparses slots */
    size_t nparses;
    size_t n, nruns;
    run_t *runs;
    bool forgotten; /* some run is */
};

static unsigned bucket(const char *s)
{
    return util_fnv1a32(s) % BUCKETS;
}

frozen_t *frozen_new(size_t parses)
{
    frozen_t *f = calloc(1, sizeof(frozen_t));
    if (f && parses && (f->parses = calloc(parses, sizeof *f->parses)))
        f->nparses = parses;
    return f;
}

static void entry_free(entry_t *e)
{
    store_strv_free(e->names, e->n);
    json_decref(e->doc);
    free(e->key);
    free(e);
}

static void drop_all(frozen_t *f)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        for (entry_t *e = f->b[b], *next; e; e = next) {
            next = e->hnext;
            entry_free(e);
        }
        f->b[b] = NULL;
    }
    for (run_t *r = f->runs, *next; r; r = next) {
        next = r->next;
        free(r->run_id);
        free(r);
    }
    f->runs = NULL;
    f->n = f->nruns = 0;
    f->forgotten = false;
}

static void parsed_clear(parsed_t *p)
{
    free(p->name);
    free(p->text);
    json_decref(p->doc);
    *p = (parsed_t){0};
}

void frozen_free(frozen_t *f)
{
    if (!f)
        return;
    drop_all(f);
    for (size_t i = 0; i < f->nparses; i++)
        parsed_clear(&f->parses[i]);
    free(f->parses);
    free(f);
}

json_t *frozen_parse(frozen_t *f, const char *kind, const char *name, const char *text)
{
    if (!f->nparses)
        return json_loads(text, 0, NULL);
    uint64_t h = util_fnv1a64(util_fnv1a64(UTIL_FNV64_START, kind, strlen(kind) + 1), name, strlen(name));
    parsed_t *p = &f->parses[h % f->nparses];
    if (p->doc && strcmp(p->kind, kind) == 0 && strcmp(p->name, name) == 0 && strcmp(p->text, text) == 0)
        return json_incref(p->doc);
    json_t *doc = json_loads(text, 0, NULL);
    if (!doc)
        return NULL;
    parsed_clear(p);
    p->kind = kind;
    p->name = strdup(name);
    p->text = strdup(text);
    if (p->name && p->text)
        p->doc = json_incref(doc);
    else
        parsed_clear(p);
    return doc;
}

static entry_t *find(frozen_t *f, const char *key)
{
    for (entry_t *e = f->b[bucket(key)]; e; e = e->hnext)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static run_t *run_of(frozen_t *f, const char *run_id)
{
    for (run_t *r = f->runs; r; r = r->next)
        if (strcmp(r->run_id, run_id) == 0)
            return r;
    run_t *r = calloc(1, sizeof *r);
    if (!r || !(r->run_id = strdup(run_id))) {
        free(r);
        return NULL;
    }
    r->next = f->runs;
    f->runs = r;
    f->nruns++;
    return r;
}

/* Keeps e under key for run_id; when that cannot be (out of memory), frees it and returns NULL. */
static entry_t *keep(frozen_t *f, const char *run_id, char *key, entry_t *e)
{
    run_t *r = run_of(f, run_id);
    if (!r) {
        e->key = key;
        entry_free(e);
        return NULL;
    }
    e->key = key;
    unsigned b = bucket(key);
    e->hnext = f->b[b];
    f->b[b] = e;
    e->rnext = r->entries;
    r->entries = e;
    f->n++;
    return e;
}

static char *watchers_key(const char *run_id, const char *type, const char *name)
{
    char *key = NULL;
    return asprintf(&key, "%s\x1fW\x1f%s\x1f%s", run_id, type, name) < 0 ? NULL : key;
}

static char *trigger_key(const char *run_id, const char *trigger)
{
    char *key = NULL;
    return asprintf(&key, "%s\x1fT\x1f%s", run_id, trigger) < 0 ? NULL : key;
}

/* The run's first miss reads all its watchers in one query, so that each node's end after it reads none (in a
 * chain every node is looked up once: one read per step before). A run with more than RUN_ROWS is read node by
 * node. 0, or the store's failure. */
static int load_watchers(frozen_t *f, store_tx_t *tx, run_t *r)
{
    store_row3_t *v = NULL;
    size_t n = 0;
    int rc = store_run_watch_all(tx, r->run_id, RUN_ROWS + 1, &v, &n);
    if (rc < 0 || n > RUN_ROWS) {
        store_row3_free(v, n);
        r->watchers_many = rc == 0;
        return rc < 0 ? rc : 0;
    }
    rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && strcmp(v[j].s[0], v[i].s[0]) == 0 && strcmp(v[j].s[1], v[i].s[1]) == 0)
            j++;
        entry_t *e = calloc(1, sizeof *e);
        char *key = watchers_key(r->run_id, v[i].s[0], v[i].s[1]);
        if (e && key && (e->names = calloc(j - i, sizeof *e->names))) {
            for (size_t k = i; k < j; k++) {
                e->names[e->n++] = v[k].s[2];
                v[k].s[2] = NULL;
            }
        }
        if (!e || !key || !e->names) {
            free(key);
            free(e);
            rc = STORE_ERROR;
        } else if (!keep(f, r->run_id, key, e)) {
            rc = STORE_ERROR;
        }
        i = j;
    }
    store_row3_free(v, n);
    if (rc == 0)
        r->watchers_all = true;
    return rc;
}

/* The same for the run's frozen triggers, each parsed once. */
static int load_triggers(frozen_t *f, store_tx_t *tx, run_t *r)
{
    store_row3_t *v = NULL;
    size_t n = 0;
    int rc = store_run_trigger_docs(tx, r->run_id, RUN_ROWS + 1, &v, &n);
    if (rc < 0 || n > RUN_ROWS) {
        store_row3_free(v, n);
        r->triggers_many = rc == 0;
        return rc < 0 ? rc : 0;
    }
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        entry_t *e = calloc(1, sizeof *e);
        char *key = trigger_key(r->run_id, v[i].s[0]);
        if (!e || !key) {
            free(key);
            free(e);
            rc = STORE_ERROR;
            break;
        }
        e->doc = v[i].s[1] ? frozen_parse(f, "trigger", v[i].s[0], v[i].s[1]) : NULL;
        if (!keep(f, r->run_id, key, e))
            rc = STORE_ERROR;
    }
    store_row3_free(v, n);
    if (rc == 0)
        r->triggers_all = true;
    return rc;
}

int frozen_watchers(frozen_t *f, store_tx_t *tx, const char *run_id, const char *type, const char *name,
                    char *const **names, size_t *n)
{
    char *key = watchers_key(run_id, type, name);
    if (!key)
        return STORE_ERROR;
    entry_t *e = find(f, key);
    run_t *r = e ? NULL : run_of(f, run_id);
    if (!e && r && !r->watchers_all && !r->watchers_many) {
        int rc = load_watchers(f, tx, r);
        if (rc < 0) {
            free(key);
            return rc;
        }
        e = find(f, key);
    }
    if (!e && r && r->watchers_all) { /* the node has no watchers */
        free(key);
        *names = NULL;
        *n = 0;
        return 0;
    }
    if (!e) {
        if (!(e = calloc(1, sizeof *e))) {
            free(key);
            return STORE_ERROR;
        }
        int rc = store_run_watchers(tx, run_id, type, name, &e->names, &e->n);
        if (rc < 0) {
            free(key);
            free(e);
            return rc;
        }
        if (!(e = keep(f, run_id, key, e)))
            return STORE_ERROR;
    } else {
        free(key);
    }
    *names = e->names;
    *n = e->n;
    return 0;
}

int frozen_trigger(frozen_t *f, store_tx_t *tx, const char *run_id, const char *trigger, json_t **doc)
{
    char *key = trigger_key(run_id, trigger);
    if (!key)
        return STORE_ERROR;
    entry_t *e = find(f, key);
    run_t *r = e ? NULL : run_of(f, run_id);
    if (!e && r && !r->triggers_all && !r->triggers_many) {
        int rc = load_triggers(f, tx, r);
        if (rc < 0) {
            free(key);
            return rc;
        }
        e = find(f, key);
    }
    if (!e && r && r->triggers_all) { /* no such trigger in the run */
        free(key);
        *doc = NULL;
        return 0;
    }
    if (!e) {
        char *text = NULL;
        int rc = store_run_trigger_doc(tx, run_id, trigger, &text);
        if (rc < 0 || !(e = calloc(1, sizeof *e))) {
            free(text);
            free(key);
            return rc < 0 ? rc : STORE_ERROR;
        }
        e->doc = text ? frozen_parse(f, "trigger", trigger, text) : NULL;
        free(text);
        if (!(e = keep(f, run_id, key, e)))
            return STORE_ERROR;
    } else {
        free(key);
    }
    *doc = e->doc;
    return 0;
}

void frozen_forget(frozen_t *f, const char *run_id)
{
    for (run_t *r = f->runs; r; r = r->next)
        if (strcmp(r->run_id, run_id) == 0) {
            r->forgotten = true;
            f->forgotten = true;
            return;
        }
}

void frozen_trim(frozen_t *f)
{
    if (f->n > ENTRIES_MAX || f->nruns > RUNS_MAX) {
        drop_all(f);
        return;
    }
    if (!f->forgotten)
        return;
    for (run_t **rp = &f->runs; *rp;) {
        run_t *r = *rp;
        if (!r->forgotten) {
            rp = &r->next;
            continue;
        }
        for (entry_t *e = r->entries, *next; e; e = next) {
            next = e->rnext;
            for (entry_t **pp = &f->b[bucket(e->key)]; *pp; pp = &(*pp)->hnext)
                if (*pp == e) {
                    *pp = e->hnext;
                    break;
                }
            entry_free(e);
            f->n--;
        }
        *rp = r->next;
        free(r->run_id);
        free(r);
        f->nruns--;
    }
    f->forgotten = false;
}
