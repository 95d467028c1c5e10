/* Shared reading paths of jobs, triggers and crawlers (see resources.h). */
#include "api/resources.h"

#include <stdlib.h>
#include <string.h>

#include "model/codec.h"
#include "model/validate.h"

json_t *res_name_json(const store_res_t *r)
{
    return json_string(r->name);
}

json_t *res_doc_json(const store_res_t *r, const char *created_key, const char *modified_key)
{
    json_t *o = json_loads(r->doc, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_pack("{ss}", "Name", r->name);
    }
    if (created_key)
        json_object_set_new(o, created_key, codec_timestamp(r->created_ms));
    if (modified_key)
        json_object_set_new(o, modified_key, codec_timestamp(r->modified_ms));
    return o;
}

int res_get(api_req_t *rq, const char *kind, const char *label, const char *name, res_json_fn fn, json_t **out,
            gerr_t *e)
{
    store_res_t r = {0};
    int rc = store_res_get(api_db(rq), kind, name, &r);
    if (rc < 0)
        return gerr_store(e, rc, "reading a definition");
    if (rc == STORE_NOTFOUND)
        return gerr_set(e, GERR_NOT_FOUND, "%s '%s' not found", label, name);
    *out = fn(&r);
    store_res_cleanup(&r);
    return 0;
}

static int res_batch(api_req_t *rq, const char *kind, json_t *names, res_json_fn fn, json_t *found, json_t *missing,
                     gerr_t *e)
{
    json_t *seen = json_object();
    size_t i;
    json_t *it;
    json_array_foreach (names, i, it) {
        const char *name = json_string_value(it);
        if (json_object_get(seen, name))
            continue;
        json_object_set_new(seen, name, json_true());
        store_res_t r = {0};
        int rc = store_res_get(api_db(rq), kind, name, &r);
        if (rc < 0) {
            json_decref(seen);
            return gerr_store(e, rc, "reading a definition");
        }
        if (rc == STORE_NOTFOUND)
            json_array_append_new(missing, json_string(name));
        else
            json_array_append_new(found, fn(&r));
        store_res_cleanup(&r);
    }
    json_decref(seen);
    return 0;
}

int res_batch_get(api_req_t *rq, const char *kind, json_t *in, const char *names_field, size_t max, res_json_fn fn,
                  const char *found_key, const char *missing_key, json_t **out, gerr_t *e)
{
    json_t *names;
    if (val_str_list(in, names_field, 0, max, &VAL_NAME, true, &names, e) < 0)
        return -1;
    json_t *found = json_array(), *missing = json_array();
    if (res_batch(rq, kind, names, fn, found, missing, e) < 0) {
        json_decref(found);
        json_decref(missing);
        return -1;
    }
    *out = json_pack("{so}", found_key, found);
    if (json_array_size(missing))
        json_object_set_new(*out, missing_key, missing);
    else
        json_decref(missing);
    return 0;
}

static bool has_tags(const store_res_t *r, json_t *want)
{
    if (!want || json_object_size(want) == 0)
        return true;
    json_t *have = codec_map_decode(r->tags);
    bool ok = true;
    const char *k;
    json_t *v;
    json_object_foreach (want, k, v) {
        json_t *h = json_object_get(have, k);
        if (!h || strcmp(json_string_value(h), json_string_value(v)) != 0) {
            ok = false;
            break;
        }
    }
    json_decref(have);
    return ok;
}

int res_page(api_req_t *rq, const char *kind, json_t *in, const char *scope, int max, json_t *tags,
             res_filter_fn filter, void *ctx, res_json_fn fn, const char *list_key, json_t **out, gerr_t *e)
{
    api_page_t p;
    if (api_page_read(rq, in, scope, max, &p, e) < 0)
        return -1;
    json_t *items = json_array();
    char *cursor = p.after_str;
    p.after_str = NULL;
    char *last = NULL;
    bool more = false;
    /* read in batches until one item past the page passes the filters, or the rows run out */
    int batch = p.limit + 1 < 64 ? 64 : p.limit + 1;
    for (;;) {
        store_res_t *rows;
        size_t n;
        int rc = store_res_list(api_db(rq), kind, cursor, batch, &rows, &n);
        if (rc < 0) {
            free(cursor);
            free(last);
            json_decref(items);
            return gerr_store(e, rc, "listing definitions");
        }
        for (size_t i = 0; i < n && !more; i++) {
            if (!has_tags(&rows[i], tags) || (filter && !filter(&rows[i], ctx)))
                continue;
            if (json_array_size(items) == (size_t)p.limit) {
                more = true;
                break;
            }
            json_array_append_new(items, fn(&rows[i]));
            free(last);
            last = strdup(rows[i].name);
        }
        free(cursor);
        cursor = n ? strdup(rows[n - 1].name) : NULL;
        store_res_list_free(rows, n);
        if (more || n < (size_t)batch)
            break;
    }
    free(cursor);
    *out = json_pack("{so}", list_key, items);
    if (more)
        api_page_next(rq, *out, scope, last, 0);
    free(last);
    return 0;
}
