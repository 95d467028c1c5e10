/* `glued status [WORKFLOW] [--endpoint URL]`: a table of every workflow with its last run, or of one
 * workflow's recent runs. A workflow name is cut to NAME_WIDTH characters, so that one long name does not widen
 * every row; run ids are never cut (they are for copying). Exit status 0, or 2 for a usage or connection error
 * or an unknown workflow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define RECENT_RUNS 20
#define MAX_ROWS    100000
#define NAME_WIDTH  40 /* a workflow name may have 255 characters: past this it is cut, with "..." */
#define ELLIPSIS    "..."

/* A table of strings printed with each column as wide as its widest cell, in characters, or as its cap. */
typedef struct table {
    size_t ncols, nrows;
    char **cells;   /* nrows * ncols */
    size_t cap[16]; /* a column's greatest width (0: none); a longer cell is cut and ends in ELLIPSIS */
} table_t;

/* The bytes of s's first n characters. */
static size_t bytes_of(const char *s, size_t n)
{
    size_t b = 0;
    for (; s[b] && n; n--)
        for (b++; ((unsigned char)s[b] & 0xC0) == 0x80; b++)
            ;
    return b;
}

static void table_add(table_t *t, const char *const *row)
{
    if (t->nrows >= MAX_ROWS)
        return;
    char **cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *cells);
    if (!cells)
        return;
    t->cells = cells;
    for (size_t i = 0; i < t->ncols; i++)
        cells[t->nrows * t->ncols + i] = strdup(row[i] ? row[i] : "-");
    t->nrows++;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

/* Prints the table, then frees it. */
static void table_print(table_t *t)
{
    size_t w[16] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = cli_width(t->cells[r * t->ncols + c]);
            if (n > w[c])
                w[c] = t->cap[c] && n > t->cap[c] ? t->cap[c] : n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            size_t n = cli_width(cell);
            if (c + 1 == t->ncols) {
                printf("%s\n", cell);
            } else if (n > w[c]) { /* only past a cap, which is wider than the ellipsis */
                size_t keep = w[c] - strlen(ELLIPSIS);
                printf("%.*s%s  ", (int)bytes_of(cell, keep), cell, ELLIPSIS);
            } else {
                printf("%s%*s  ", cell, (int)(w[c] - n), "");
            }
        }
    }
    table_free(t);
}

/* The columns shared by both tables, from one WorkflowRun (NULL: never ran). */
static void run_cells(json_t *run, char started[32], char took[32], char counts[64])
{
    cli_time(json_object_get(run, "StartedOn"), started, 32);
    json_t *s = json_object_get(run, "StartedOn"), *e = json_object_get(run, "CompletedOn");
    if (json_is_number(s) && json_is_number(e))
        cli_duration(json_number_value(e) - json_number_value(s), took, 32);
    else
        snprintf(took, 32, "-");
    json_t *st = json_object_get(run, "Statistics");
    if (!st) {
        snprintf(counts, 64, "-");
        return;
    }
    long long failed = json_integer_value(json_object_get(st, "FailedActions")) +
                       json_integer_value(json_object_get(st, "TimeoutActions")) +
                       json_integer_value(json_object_get(st, "ErroredActions")) +
                       json_integer_value(json_object_get(st, "StoppedActions"));
    snprintf(counts, 64, "%lld/%lld/%lld", (long long)json_integer_value(json_object_get(st, "SucceededActions")),
             failed, (long long)json_integer_value(json_object_get(st, "TotalActions")));
}

static int one_workflow(client_t *c, const char *name)
{
    json_t *in = json_pack("{s:s}", "Name", name), *out = NULL;
    client_err_t e;
    int rc = client_call(c, "GetWorkflow", in, &out, &e);
    json_decref(in);
    if (rc < 0) {
        if (client_err_is(&e, "EntityNotFoundException")) {
            fprintf(stderr, "glued status: no workflow named '%s' at %s\n", name, client_endpoint(c));
            return CLI_USAGE;
        }
        return cli_report("status", "GetWorkflow", &e);
    }
    json_decref(out);
    in = json_pack("{s:s, s:i}", "Name", name, "MaxResults", RECENT_RUNS);
    rc = client_call(c, "GetWorkflowRuns", in, &out, &e);
    json_decref(in);
    if (rc < 0)
        return cli_report("status", "GetWorkflowRuns", &e);
    table_t t = {.ncols = 5};
    table_add(&t, (const char *const[]){"RUN", "STATUS", "STARTED", "DURATION", "SUCCEEDED/FAILED/TOTAL"});
    json_t *runs = json_object_get(out, "Runs"), *run;
    size_t i;
    json_array_foreach (runs, i, run) {
        char started[32], took[32], counts[64];
        run_cells(run, started, took, counts);
        table_add(&t, (const char *const[]){json_string_value(json_object_get(run, "WorkflowRunId")),
                                            json_string_value(json_object_get(run, "Status")), started, took, counts});
    }
    if (json_array_size(runs) == 0) {
        printf("Workflow %s has no runs\n", name);
        table_free(&t);
    } else {
        table_print(&t);
    }
    json_decref(out);
    return CLI_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int all_workflows(client_t *c)
{
    char **names = NULL;
    size_t n = 0;
    json_t *out = NULL;
    char *token = NULL;
    client_err_t e;
    int ret = CLI_OK;
    table_t t = {.ncols = 6, .cap = {NAME_WIDTH}};
    do {
        json_t *in = json_pack("{s:i}", "MaxResults", 25);
        if (token)
            json_object_set_new(in, "NextToken", json_string(token));
        int rc = client_call(c, "ListWorkflows", in, &out, &e);
        json_decref(in);
        free(token);
        token = NULL;
        if (rc < 0) {
            ret = cli_report("status", "ListWorkflows", &e);
            goto done;
        }
        json_t *w;
        size_t i;
        json_array_foreach (json_object_get(out, "Workflows"), i, w) {
            if (n >= MAX_ROWS)
                break;
            char **nv = realloc(names, (n + 1) * sizeof *nv);
            if (!nv)
                break;
            names = nv;
            names[n++] = strdup(json_string_value(w));
        }
        const char *next = json_string_value(json_object_get(out, "NextToken"));
        token = next ? strdup(next) : NULL;
        json_decref(out);
        out = NULL;
    } while (token);
    if (n == 0) {
        printf("No workflows at %s\n", client_endpoint(c));
        goto done;
    }
    qsort(names, n, sizeof *names, cmp_str);
    table_add(&t,
              (const char *const[]){"WORKFLOW", "LAST RUN", "STATUS", "STARTED", "DURATION", "SUCCEEDED/FAILED/TOTAL"});
    for (size_t at = 0; at < n; at += 25) {
        json_t *list = json_array();
        for (size_t k = at; k < n && k < at + 25; k++)
            json_array_append_new(list, json_string(names[k]));
        json_t *in = json_pack("{s:o, s:b}", "Names", list, "IncludeGraph", 0);
        int rc = client_call(c, "BatchGetWorkflows", in, &out, &e);
        json_decref(in);
        if (rc < 0) {
            ret = cli_report("status", "BatchGetWorkflows", &e);
            goto done;
        }
        /* in name order, whatever order the answer has */
        for (size_t k = at; k < n && k < at + 25; k++) {
            json_t *w, *found = NULL;
            size_t i;
            json_array_foreach (json_object_get(out, "Workflows"), i, w)
                if (strcmp(json_string_value(json_object_get(w, "Name")) ?: "", names[k]) == 0)
                    found = w;
            if (!found)
                continue; /* deleted meanwhile */
            json_t *last = json_object_get(found, "LastRun");
            char started[32], took[32], counts[64];
            run_cells(last, started, took, counts);
            table_add(&t,
                      (const char *const[]){names[k], json_string_value(json_object_get(last, "WorkflowRunId")),
                                            json_string_value(json_object_get(last, "Status")), started, took, counts});
        }
        json_decref(out);
        out = NULL;
    }
    table_print(&t);
done:
    table_free(&t);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(token);
    json_decref(out);
    return ret;
}

int cli_status(int argc, char **argv)
{
    const char *endpoint = NULL, *wf = NULL;
    if (cli_operand_args(argc, argv, false, &endpoint, &wf) < 0) {
        fprintf(stderr, "usage: glued status [WORKFLOW] [--endpoint URL]\n");
        return CLI_USAGE;
    }
    client_t *c = cli_connect("status", endpoint);
    if (!c)
        return CLI_USAGE;
    int ret = wf ? one_workflow(c, wf) : all_workflows(c);
    client_free(c);
    return ret;
}
