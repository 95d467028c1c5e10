/* Grouping files into tables and partitions (see group.h). Files are sorted by path, so the files under any
 * folder are one contiguous run; the walk visits each folder once per level with that run. */
#include "catalog/group.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct ctx {
    const group_file_t *files;
    size_t *ord; /* file indices sorted by path */
    const group_opts_t *o;
    bool *anchored; /* by file index */
    group_result_t *out;
    bool oom;
} ctx_t;

static int by_path(const void *a, const void *b, void *files)
{
    const group_file_t *f = files;
    return strcmp(f[*(const size_t *)a].path, f[*(const size_t *)b].path);
}

static size_t depth_of(const char *rest)
{
    size_t d = 0;
    for (; *rest; rest++)
        d += *rest == '/';
    return d;
}

char *group_table_name(const char *prefix, const char *base)
{
    char *s = malloc(GROUP_MAX_NAME + 1);
    if (!s)
        return NULL;
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        const unsigned char *p = (const unsigned char *)(part ? base : prefix);
        for (; p && *p && n < GROUP_MAX_NAME; p++) {
            unsigned char c = *p;
            if ((c & 0xc0) == 0x80)
                continue; /* one '_' for a whole multi-byte character */
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            s[n++] = (char)((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
    }
    if (n == 0)
        s[n++] = '_';
    s[n] = '\0';
    return s;
}

/* The 64-bit FNV-1a hash of a followed by b (NULL: nothing). */
static uint64_t fnv(const char *a, const char *b)
{
    uint64_t h = util_fnv1a64(UTIL_FNV64_START, a, strlen(a));
    return b ? util_fnv1a64(h, b, strlen(b)) : h;
}

static bool used(ctx_t *c, const char *name, const char *rel)
{
    for (size_t i = 0; i < c->out->ntables; i++)
        if (strcmp(c->out->tables[i].name, name) == 0)
            return true;
    return c->o->taken && c->o->taken(c->o->ctx, name, rel);
}

/* A unique name for a table at rel: the plain name, else with _<8 hex of a hash of the location>. */
static char *unique_name(ctx_t *c, const char *base, const char *rel)
{
    char *name = group_table_name(c->o->prefix, base);
    if (!name || !used(c, name, rel))
        return name;
    for (unsigned salt = 0; salt < 1000; salt++) {
        char loc[64];
        snprintf(loc, sizeof loc, "/%u", salt);
        uint64_t h = fnv(c->o->location, rel) ^ (salt ? fnv(loc, NULL) : 0);
        char sfx[16];
        snprintf(sfx, sizeof sfx, "_%08x", (unsigned)(h ^ (h >> 32)));
        size_t keep = strlen(name);
        if (keep > GROUP_MAX_NAME - strlen(sfx))
            keep = GROUP_MAX_NAME - strlen(sfx);
        char *n2 = malloc(keep + strlen(sfx) + 1);
        if (!n2)
            break;
        memcpy(n2, name, keep);
        strcpy(n2 + keep, sfx);
        if (!used(c, n2, rel)) {
            free(name);
            return n2;
        }
        free(n2);
    }
    free(name);
    return NULL;
}

/* Whether the folder prefix (ending in '/', or "" for the root) holds or is an anchor's folder. */
static bool blocked(ctx_t *c, const char *prefix, size_t plen)
{
    for (size_t a = 0; a < c->o->nanchors; a++) {
        const char *r = c->o->anchors[a].rel;
        size_t rl = strlen(r);
        if (plen == 0 || (rl + 1 >= plen && strncmp(r, prefix, plen - 1) == 0 && (r[plen - 1] == '/' || !r[plen - 1])))
            return true;
    }
    return false;
}

/* Whether the files ord[lo..hi) (all under prefix) can be one table. */
static bool groupable(ctx_t *c, size_t plen, size_t lo, size_t hi, size_t *depth)
{
    const ctype_schema_t *dist[GROUP_MAX_SCHEMAS + 1];
    size_t nd = 0;
    const ctype_schema_t *first = c->files[c->ord[lo]].schema;
    *depth = depth_of(c->files[c->ord[lo]].path + plen);
    for (size_t i = lo; i < hi; i++) {
        const group_file_t *f = &c->files[c->ord[i]];
        if (depth_of(f->path + plen) != *depth || !ctype_schema_same_format(f->schema, first))
            return false;
        if (c->o->combine)
            continue;
        size_t k;
        for (k = 0; k < nd; k++)
            if (dist[k] == f->schema || ctype_schema_equal(dist[k], f->schema))
                break;
        if (k == nd) {
            if (nd == GROUP_MAX_SCHEMAS)
                return false;
            dist[nd++] = f->schema;
        }
    }
    if (nd <= 1)
        return true;
    ctype_schema_t *u = ctype_schema_copy(dist[0]);
    bool ok = u != NULL;
    for (size_t k = 1; ok && k < nd; k++)
        ok = ctype_schema_merge(u, dist[k]) == 0;
    for (size_t k = 0; ok && k < nd; k++)
        ok = ctype_schema_similarity(dist[k], u) > GROUP_MIN_SIMILAR;
    if (!u)
        c->oom = true;
    ctype_schema_free(u);
    return ok;
}

static group_table_t *new_table(ctx_t *c)
{
    group_result_t *r = c->out;
    group_table_t *t = realloc(r->tables, (r->ntables + 1) * sizeof *t);
    if (!t) {
        c->oom = true;
        return NULL;
    }
    r->tables = t;
    t = &r->tables[r->ntables];
    memset(t, 0, sizeof *t);
    return t;
}

/* The i-th folder name (0-based) of rest, into buf. */
static void segment(const char *rest, size_t i, char *buf, size_t cap)
{
    for (; i > 0; i--)
        rest = strchr(rest, '/') + 1;
    size_t l = strcspn(rest, "/");
    if (l >= cap)
        l = cap - 1;
    memcpy(buf, rest, l);
    buf[l] = '\0';
}

/* A table of the files in idx[0..n) under the folder prefix[0..plen), with depth partition levels. */
static void emit(ctx_t *c, const char *prefix, size_t plen, const size_t *idx, size_t n, size_t depth,
                 const group_anchor_t *anchor)
{
    if (c->oom || n == 0)
        return;
    char *rel = strndup(prefix, plen ? plen - 1 : 0);
    char base[1024];
    if (!rel) {
        c->oom = true;
        return;
    }
    if (anchor)
        snprintf(base, sizeof base, "%s", anchor->name);
    else if (plen == 0)
        snprintf(base, sizeof base, "%s", c->o->root_name ? c->o->root_name : "");
    else {
        const char *slash = memrchr(rel, '/', strlen(rel));
        snprintf(base, sizeof base, "%s", slash ? slash + 1 : rel);
    }
    char *name = anchor ? strdup(anchor->name) : unique_name(c, base, rel);
    group_table_t *t = name ? new_table(c) : NULL;
    if (!t) {
        free(rel);
        free(name);
        c->oom = true;
        return;
    }
    c->out->ntables++;
    t->name = name;
    t->rel = rel;
    t->anchor = anchor;
    t->nkeys = depth;
    bool *kvlevel = NULL; /* whether a level's values come from key=value folders */
    if (depth && (!(t->keys = calloc(depth, sizeof *t->keys)) || !(kvlevel = calloc(depth, sizeof *kvlevel))))
        goto oom;
    /* keys: key=value at every folder of a level gives the key; otherwise partition_<level> */
    char seg[1024];
    for (size_t k = 0; k < depth; k++) {
        char key[1024] = "";
        bool kv = true;
        for (size_t i = 0; i < n && kv; i++) {
            segment(c->files[idx[i]].path + plen, k, seg, sizeof seg);
            char *eq = strchr(seg, '=');
            if (!eq || eq == seg) {
                kv = false;
                break;
            }
            *eq = '\0';
            if (i == 0)
                snprintf(key, sizeof key, "%s", seg);
            else if (strcmp(key, seg) != 0)
                kv = false;
        }
        char *name_k = kv ? group_table_name(NULL, key) : NULL;
        for (size_t j = 0; name_k && j < k; j++)
            if (strcmp(t->keys[j], name_k) == 0) {
                free(name_k);
                name_k = NULL;
            }
        if (!name_k) {
            char pk[32];
            snprintf(pk, sizeof pk, "partition_%zu", k);
            kv = false;
            name_k = strdup(pk);
        }
        if (!name_k)
            goto oom;
        t->keys[k] = name_k;
        kvlevel[k] = kv;
    }
    /* the schema, and one partition per leaf folder (files of one folder are contiguous) */
    for (size_t i = 0; i < n; i++) {
        const group_file_t *f = &c->files[idx[i]];
        if (!t->schema) {
            if (!(t->schema = ctype_schema_copy(f->schema)))
                goto oom;
        } else if (ctype_schema_merge(t->schema, f->schema) < 0) {
            goto oom;
        }
        t->size += f->size;
        t->objects++;
        if (depth == 0)
            continue;
        const char *rest = f->path + plen;
        const char *last = strrchr(rest, '/');
        size_t flen = (size_t)(last - f->path); /* the leaf folder, relative to the target root */
        group_part_t *p = t->nparts ? &t->parts[t->nparts - 1] : NULL;
        if (!p || strlen(p->rel) != flen || strncmp(p->rel, f->path, flen) != 0) {
            group_part_t *np = realloc(t->parts, (t->nparts + 1) * sizeof *np);
            if (!np)
                goto oom;
            t->parts = np;
            p = &t->parts[t->nparts++];
            memset(p, 0, sizeof *p);
            if (!(p->rel = strndup(f->path, flen)) || !(p->values = calloc(depth, sizeof *p->values)))
                goto oom;
            for (size_t k = 0; k < depth; k++) {
                segment(rest, k, seg, sizeof seg);
                char *eq = strchr(seg, '=');
                if (!(p->values[k] = strdup(kvlevel[k] ? eq + 1 : seg)))
                    goto oom;
            }
            if (!(p->schema = ctype_schema_copy(f->schema)))
                goto oom;
        } else if (ctype_schema_merge(p->schema, f->schema) < 0) {
            goto oom;
        }
        p->size += f->size;
        p->objects++;
    }
    /* a column named like a partition key gives way to the key */
    for (size_t k = 0; k < depth; k++) {
        long at = ctype_schema_find(t->schema, t->keys[k]);
        if (at < 0)
            continue;
        free(t->schema->names[at]);
        ctype_free(t->schema->types[at]);
        memmove(&t->schema->names[at], &t->schema->names[at + 1], (t->schema->ncols - (size_t)at - 1) * sizeof(char *));
        memmove(&t->schema->types[at], &t->schema->types[at + 1],
                (t->schema->ncols - (size_t)at - 1) * sizeof(ctype_t *));
        t->schema->ncols--;
    }
    free(kvlevel);
    return;
oom:
    free(kvlevel);
    c->oom = true;
}

static void single(ctx_t *c, size_t i)
{
    const group_file_t *f = &c->files[c->ord[i]];
    const char *slash = strrchr(f->path, '/');
    char *name = unique_name(c, slash ? slash + 1 : f->path, f->path);
    group_table_t *t = name ? new_table(c) : NULL;
    if (!t) {
        free(name);
        c->oom = true;
        return;
    }
    c->out->ntables++;
    t->name = name;
    t->single_file = true;
    t->size = f->size;
    t->objects = 1;
    if (!(t->rel = strdup(f->path)) || !(t->schema = ctype_schema_copy(f->schema)))
        c->oom = true;
}

/* The folder prefix[0..plen) holding ord[lo..hi). */
static void visit(ctx_t *c, const char *prefix, size_t plen, size_t lo, size_t hi)
{
    size_t depth;
    if (c->oom || lo >= hi)
        return;
    if (!blocked(c, prefix, plen) && groupable(c, plen, lo, hi, &depth)) {
        emit(c, prefix, plen, c->ord + lo, hi - lo, depth, NULL);
        return;
    }
    size_t i = lo;
    while (i < hi && !c->oom) {
        const char *rest = c->files[c->ord[i]].path + plen;
        const char *slash = strchr(rest, '/');
        if (!slash) {
            single(c, i++);
            continue;
        }
        size_t sl = (size_t)(slash - rest) + 1, j = i + 1;
        while (j < hi && strncmp(c->files[c->ord[j]].path + plen, rest, sl) == 0)
            j++;
        visit(c, c->files[c->ord[i]].path, plen + sl, i, j);
        i = j;
    }
}

int group_build(const group_file_t *files, size_t n, const group_opts_t *o, group_result_t *out, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof *out);
    ctx_t c = {.files = files, .o = o, .out = out};
    size_t m = 0;
    c.ord = malloc((n ? n : 1) * sizeof *c.ord);
    c.anchored = calloc(n ? n : 1, sizeof *c.anchored);
    size_t *aidx = malloc((n ? n : 1) * sizeof *aidx);
    if (!c.ord || !c.anchored || !aidx)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (files[i].schema && files[i].path[0] && files[i].path[strlen(files[i].path) - 1] != '/')
            c.ord[m++] = i;
    qsort_r(c.ord, m, sizeof *c.ord, by_path, (void *)files);
    /* files that grow an anchor's table */
    for (size_t a = 0; a < o->nanchors && !c.oom; a++) {
        const group_anchor_t *an = &o->anchors[a];
        size_t rl = strlen(an->rel), na = 0;
        for (size_t i = 0; i < m; i++) {
            const char *p = files[c.ord[i]].path;
            if (c.anchored[c.ord[i]])
                continue;
            if (rl && (strncmp(p, an->rel, rl) != 0 || p[rl] != '/'))
                continue;
            if (depth_of(p + (rl ? rl + 1 : 0)) != an->depth)
                continue;
            c.anchored[c.ord[i]] = true;
            aidx[na++] = c.ord[i];
        }
        char *pre = malloc(rl + 2);
        if (!pre)
            goto oom;
        snprintf(pre, rl + 2, "%s%s", an->rel, rl ? "/" : "");
        emit(&c, pre, rl ? rl + 1 : 0, aidx, na, an->depth, an);
        free(pre);
    }
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (!c.anchored[c.ord[i]])
            c.ord[k++] = c.ord[i];
    visit(&c, "", 0, 0, k);
    if (c.oom)
        goto oom;
    free(c.ord);
    free(c.anchored);
    free(aidx);
    return 0;
oom:
    free(c.ord);
    free(c.anchored);
    free(aidx);
    group_result_cleanup(out);
    snprintf(err, errlen, "out of memory grouping %zu files", n);
    return -1;
}

void group_result_cleanup(group_result_t *r)
{
    for (size_t i = 0; i < r->ntables; i++) {
        group_table_t *t = &r->tables[i];
        for (size_t p = 0; p < t->nparts; p++) {
            for (size_t k = 0; t->parts[p].values && k < t->nkeys; k++)
                free(t->parts[p].values[k]);
            free(t->parts[p].values);
            free(t->parts[p].rel);
            ctype_schema_free(t->parts[p].schema);
        }
        free(t->parts);
        for (size_t k = 0; t->keys && k < t->nkeys; k++)
            free(t->keys[k]);
        free(t->keys);
        free(t->name);
        free(t->rel);
        ctype_schema_free(t->schema);
    }
    free(r->tables);
    memset(r, 0, sizeof *r);
}
