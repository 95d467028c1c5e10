/* Reads the API does not offer, for the web console only (not in the AWS operation table):
 * ListWorkflowSummaries, one page of workflows, each with its last run, filtered by a part of the name.
 * With the public API the console's list would take ListWorkflows plus BatchGetWorkflows for every 25 names,
 * and a search by name would have to list every name first (400 calls at 10,000 workflows). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "model/codec.h"
#include "model/validate.h"

#define SUMMARY_PAGE_MAX   100
#define SUMMARY_SCAN_CHUNK 500
/* At most this many names are read for one page: a filter matching little of a large store returns a short
 * page (with a NextToken to go on) instead of reading every name in one request. */
#define SUMMARY_SCAN_MAX 20000

static const val_str_t FILTER = {0, 255, VAL_SINGLE_LINE};

/* One workflow's summary: Name, Description and LastRun without its properties (a list shows none). */
static int summary(api_req_t *rq, const char *name, json_t *list, gerr_t *e)
{
    store_workflow_t w = {0};
    store_run_t last = {0};
    int rc = store_workflow_get(api_db(rq), name, &w, &last);
    if (rc < 0)
        rc = gerr_store(e, rc, "reading a workflow");
    if (rc == 0) {
        json_t *o = json_pack("{ss}", "Name", w.name);
        codec_set_str(o, "Description", w.description);
        if (last.run_id) {
            json_t *run = codec_run(&last);
            json_object_del(run, "WorkflowRunProperties");
            json_object_set_new(o, "LastRun", run);
        }
        json_array_append_new(list, o);
    }
    store_workflow_cleanup(&w);
    store_run_cleanup(&last);
    return rc < 0 ? -1 : 0; /* deleted since it was listed: skipped */
}

int api_list_workflow_summaries(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    const char *filter = NULL;
    if (val_str(in, "NameContains", &FILTER, false, &filter, e) < 0)
        return -1;
    if (!filter)
        filter = "";
    char scope[300];
    snprintf(scope, sizeof scope, "ListWorkflowSummaries/%s", filter);
    api_page_t p;
    if (api_page_read(rq, in, scope, SUMMARY_PAGE_MAX, &p, e) < 0)
        return -1;
    json_t *list = json_array();
    char *after = p.after_str; /* taken */
    p.after_str = NULL;
    char *resume = NULL;      /* where the next page starts, when there is one */
    bool surely_more = false; /* a name past resume was read already */
    size_t scanned = 0;
    int ret = -1;
    while (json_array_size(list) < (size_t)p.limit) {
        char **names;
        size_t n;
        /* without a filter every name read is shown: read no more than the page needs */
        int chunk = *filter ? SUMMARY_SCAN_CHUNK : p.limit - (int)json_array_size(list) + 1;
        int rc = store_workflow_names(api_db(rq), after, chunk, &names, &n);
        if (rc < 0) {
            gerr_store(e, rc, "listing workflows");
            goto out;
        }
        size_t i = 0;
        for (; i < n && json_array_size(list) < (size_t)p.limit; i++)
            if ((!*filter || strcasestr(names[i], filter)) && summary(rq, names[i], list, e) < 0) {
                store_strv_free(names, n);
                goto out;
            }
        scanned += i;
        bool more = i < n || n == (size_t)chunk;
        if (i > 0) {
            free(after);
            after = strdup(names[i - 1]);
        }
        store_strv_free(names, n);
        if (!more)
            break;
        if (json_array_size(list) == (size_t)p.limit || scanned >= SUMMARY_SCAN_MAX) {
            resume = after; /* the page is full, or the scan bound hit: go on after the last name read */
            surely_more = i < n;
            break;
        }
    }
    *out = json_pack("{sO}", "Workflows", list);
    if (resume && surely_more) {
        api_page_next(rq, *out, scope, resume, 0);
    } else if (resume) {
        /* a full page whose last name was also the store's last would carry a token to an empty page; one
         * more look avoids it */
        char **next;
        size_t nn;
        int rc = store_workflow_names(api_db(rq), resume, 1, &next, &nn);
        if (rc < 0) {
            gerr_store(e, rc, "listing workflows");
            json_decref(*out);
            *out = NULL;
            goto out;
        }
        store_strv_free(next, nn);
        if (nn)
            api_page_next(rq, *out, scope, resume, 0);
    }
    ret = 0;
out:
    free(after);
    json_decref(list);
    return ret;
}
