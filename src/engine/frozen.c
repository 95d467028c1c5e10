/* The frozen triggers of workflow runs, kept between steps (see frozen.h). */
#include "engine/frozen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS  256
#define RUNS_MAX 256 /* runs kept at once; past it every entry goes (a reload costs one read per run) */

/* A node and the triggers watching it. */
typedef struct watch {
    const char *type, *name; /* point into the parsed definitions */
    size_t *idx, n;          /* indexes into the run's triggers, ascending (so in name order) */
} watch_t;

struct frozen_run {
    frozen_run_t *next; /* in its bucket */
    char *run_id;
    bool forgotten;
    size_t nt;
    char **names;
    json_t **docs; /* NULL for a definition that does not parse (it is skipped, as before it was cached) */
    watch_t *w;    /* sorted by (type, name) */
    size_t nw;
};

struct frozen {
    frozen_run_t *b[BUCKETS];
    size_t n;
    bool forgotten; /* some entry is */
};

static unsigned bucket(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h % BUCKETS;
}

static void run_free(frozen_run_t *r)
{
    for (size_t i = 0; i < r->nw; i++)
        free(r->w[i].idx);
    free(r->w);
    for (size_t i = 0; i < r->nt; i++) {
        free(r->names[i]);
        if (r->docs)
            json_decref(r->docs[i]);
    }
    free(r->names);
    free(r->docs);
    free(r->run_id);
    free(r);
}

frozen_t *frozen_new(void)
{
    return calloc(1, sizeof(frozen_t));
}

static void drop_all(frozen_t *f)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        for (frozen_run_t *r = f->b[b], *next; r; r = next) {
            next = r->next;
            run_free(r);
        }
        f->b[b] = NULL;
    }
    f->n = 0;
    f->forgotten = false;
}

void frozen_free(frozen_t *f)
{
    if (!f)
        return;
    drop_all(f);
    free(f);
}

static int watch_cmp(const char *type, const char *name, const watch_t *w)
{
    int c = strcmp(type, w->type);
    return c ? c : strcmp(name, w->name);
}

/* One (node, trigger) pair while the watch index is built. */
typedef struct pair {
    const char *type, *name;
    size_t i;
} pair_t;

static int pair_cmp(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    if (!c)
        c = strcmp(x->name, y->name);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The watch index: what run_watch holds for the run, made the way the run's start made it (each condition of a
 * trigger's predicate names the job, else the crawler, it watches). */
static int index_watchers(frozen_run_t *r)
{
    size_t np = 0, cap = 0;
    pair_t *p = NULL;
    for (size_t i = 0; i < r->nt; i++) {
        size_t k;
        json_t *c;
        json_array_foreach (json_object_get(json_object_get(r->docs[i], "Predicate"), "Conditions"), k, c) {
            const char *job = json_string_value(json_object_get(c, "JobName"));
            const char *cr = json_string_value(json_object_get(c, "CrawlerName"));
            if (!job && !cr)
                continue;
            if (np == cap) {
                cap = cap ? 2 * cap : 16;
                pair_t *nv = realloc(p, cap * sizeof *nv);
                if (!nv) {
                    free(p);
                    return -1;
                }
                p = nv;
            }
            p[np++] = (pair_t){job ? "JOB" : "CRAWLER", job ? job : cr, i};
        }
    }
    if (np)
        qsort(p, np, sizeof *p, pair_cmp);
    r->w = np ? calloc(np, sizeof *r->w) : NULL;
    if (np && !r->w) {
        free(p);
        return -1;
    }
    for (size_t k = 0; k < np; k++) {
        watch_t *w = r->nw ? &r->w[r->nw - 1] : NULL;
        if (!w || strcmp(w->type, p[k].type) != 0 || strcmp(w->name, p[k].name) != 0) {
            w = &r->w[r->nw++];
            *w = (watch_t){.type = p[k].type, .name = p[k].name};
        } else if (w->idx[w->n - 1] == p[k].i) {
            continue; /* a trigger watching a node twice is one watcher, as in run_watch */
        }
        size_t *nv = realloc(w->idx, (w->n + 1) * sizeof *nv);
        if (!nv) {
            free(p);
            return -1;
        }
        w->idx = nv;
        w->idx[w->n++] = p[k].i;
    }
    free(p);
    return 0;
}

static frozen_run_t *load(store_tx_t *tx, const char *run_id, int *rc)
{
    char **docs = NULL;
    int *fired = NULL;
    frozen_run_t *r = calloc(1, sizeof *r);
    if (!r || !(r->run_id = strdup(run_id))) {
        free(r);
        *rc = STORE_ERROR;
        return NULL;
    }
    *rc = store_run_triggers(tx, run_id, &r->names, &docs, &fired, &r->nt);
    free(fired);
    if (*rc < 0) {
        run_free(r);
        return NULL;
    }
    r->docs = calloc(r->nt + 1, sizeof *r->docs);
    for (size_t i = 0; i < r->nt; i++) {
        if (r->docs)
            r->docs[i] = json_loads(docs[i], 0, NULL);
        free(docs[i]);
    }
    free(docs);
    if (!r->docs || index_watchers(r) < 0) {
        run_free(r);
        *rc = STORE_ERROR;
        return NULL;
    }
    return r;
}

frozen_run_t *frozen_get(frozen_t *f, store_tx_t *tx, const char *run_id, int *rc)
{
    unsigned b = bucket(run_id);
    *rc = STORE_OK;
    for (frozen_run_t *r = f->b[b]; r; r = r->next)
        if (strcmp(r->run_id, run_id) == 0)
            return r;
    frozen_run_t *r = load(tx, run_id, rc);
    if (!r)
        return NULL;
    r->next = f->b[b];
    f->b[b] = r;
    f->n++;
    return r;
}

void frozen_watchers(const frozen_run_t *r, const char *type, const char *name, const size_t **idx, size_t *n)
{
    size_t lo = 0, hi = r->nw;
    *idx = NULL;
    *n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = watch_cmp(type, name, &r->w[mid]);
        if (c == 0) {
            *idx = r->w[mid].idx;
            *n = r->w[mid].n;
            return;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
}

const char *frozen_name(const frozen_run_t *r, size_t i)
{
    return r->names[i];
}

json_t *frozen_doc(const frozen_run_t *r, size_t i)
{
    return r->docs[i];
}

void frozen_forget(frozen_t *f, const char *run_id)
{
    for (frozen_run_t *r = f->b[bucket(run_id)]; r; r = r->next)
        if (strcmp(r->run_id, run_id) == 0) {
            r->forgotten = true;
            f->forgotten = true;
            return;
        }
}

void frozen_trim(frozen_t *f)
{
    if (f->n > RUNS_MAX) {
        drop_all(f);
        return;
    }
    if (!f->forgotten)
        return;
    for (size_t b = 0; b < BUCKETS; b++)
        for (frozen_run_t **pp = &f->b[b]; *pp;) {
            frozen_run_t *r = *pp;
            if (r->forgotten) {
                *pp = r->next;
                run_free(r);
                f->n--;
            } else {
                pp = &r->next;
            }
        }
    f->forgotten = false;
}
