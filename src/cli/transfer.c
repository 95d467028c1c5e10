/* `glued export WORKFLOW` and `glued import FILE`: a workflow with its triggers, jobs and crawlers as one JSON
 * document, and back. The format (README, "Export and import"):
 *
 *   {"Format": "glued-export/1",
 *    "Workflow": {CreateWorkflow's Name, Description, DefaultRunProperties, MaxConcurrentRuns},
 *    "Jobs":     [CreateJob requests without Tags, by Name],
 *    "Crawlers": [CreateCrawler requests without Tags, plus the ScheduleState of a Schedule, by Name],
 *    "Triggers": [CreateTrigger requests without Tags and StartOnCreation, plus State, by Name]}
 *
 * Members are what the Glue model's Create* request shapes hold (model/shapes.c), read from the Get* answers;
 * keys are sorted and the document is indented, so the same definitions always give the same bytes. Import
 * creates or updates in dependency order (jobs and crawlers, the workflow, then its triggers) and leaves what
 * is already equal alone, so running it twice changes nothing. Tags are not carried: no Glue call gives the
 * ARN to read them by. A workflow's Description, DefaultRunProperties and MaxConcurrentRuns are set when the
 * document has them and kept when it has not (UpdateWorkflow keeps what it is not given). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/shape.h"

#define EXPORT_FORMAT   "glued-export/1"
#define IMPORT_MAX_FILE (16u << 20)

static const char *const WORKFLOW_FIELDS[] = {"Name", "Description", "DefaultRunProperties", "MaxConcurrentRuns", NULL};

/* The members of src that shape has (and that are not in drop), as a new object. */
static json_t *pick(json_t *src, const shape_t *shape, const char *const *drop)
{
    json_t *out = json_object();
    for (int i = 0; i < shape->nmembers; i++) {
        const char *name = shape->members[i].name;
        bool dropped = false;
        for (size_t k = 0; drop && drop[k]; k++)
            dropped = dropped || strcmp(drop[k], name) == 0;
        json_t *v = json_object_get(src, name);
        if (v && !json_is_null(v) && !dropped)
            json_object_set(out, name, v);
    }
    return out;
}

static json_t *pick_names(json_t *src, const char *const *names)
{
    json_t *out = json_object();
    for (size_t i = 0; names[i]; i++) {
        json_t *v = json_object_get(src, names[i]);
        if (v && !json_is_null(v))
            json_object_set(out, names[i], v);
    }
    return out;
}

/* ---- the exported form of each definition, from its Get* answer (also what import compares) ---- */

static const char *const NO_TAGS[] = {"Tags", NULL};
static const char *const NO_TAGS_START[] = {"Tags", "StartOnCreation", NULL};

static json_t *job_form(json_t *job)
{
    return pick(job, SHAPE_CreateJobRequest, NO_TAGS);
}

static json_t *crawler_form(json_t *crawler)
{
    json_t *out = pick(crawler, SHAPE_CreateCrawlerRequest, NO_TAGS);
    /* GetCrawler's Schedule is {ScheduleExpression, State}; CreateCrawler's is the expression, and the state (a
     * schedule StopCrawlerSchedule stopped stays stopped) goes beside it, as a trigger's State does */
    json_t *sched = json_object_get(crawler, "Schedule");
    const char *expr = json_string_value(json_object_get(sched, "ScheduleExpression"));
    json_t *state = json_object_get(sched, "State");
    if (json_is_object(sched)) {
        if (expr && *expr) {
            json_object_set_new(out, "Schedule", json_string(expr));
            if (json_is_string(state))
                json_object_set(out, "ScheduleState", state);
        } else {
            json_object_del(out, "Schedule");
        }
    }
    return out;
}

static json_t *trigger_form(json_t *trigger)
{
    json_t *out = pick(trigger, SHAPE_CreateTriggerRequest, NO_TAGS_START);
    json_t *state = json_object_get(trigger, "State");
    if (state)
        json_object_set(out, "State", state);
    return out;
}

/* ---- export ---- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "Name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "Name")));
}

/* Fetches each named definition with op (its name under key) and returns their forms sorted by Name. A name that
 * is not found goes to missing when it is given (a job or crawler deleted after a trigger named it), and fails
 * the export otherwise. */
static int fetch_all(client_t *c, json_t *names, const char *op, const char *key, const char *field,
                     json_t *(*form)(json_t *), json_t *missing, json_t **out_list)
{
    size_t n = json_array_size(names);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    size_t got = 0;
    int ret = CLI_OK;
    for (size_t i = 0; i < n; i++) {
        json_t *in = json_pack("{s:O}", key, json_array_get(names, i)), *out = NULL;
        client_err_t e;
        int rc = client_call(c, op, in, &out, &e);
        json_decref(in);
        if (rc < 0 && missing && client_err_is(&e, "EntityNotFoundException")) {
            json_array_append(missing, json_array_get(names, i));
            continue;
        }
        if (rc < 0) {
            ret = cli_report("export", op, &e);
            break;
        }
        v[got++] = form(json_object_get(out, field));
        json_decref(out);
    }
    qsort(v, got, sizeof *v, cmp_name);
    json_t *list = json_array();
    for (size_t i = 0; i < got; i++)
        json_array_append_new(list, v[i]);
    free(v);
    *out_list = list;
    return ret;
}

/* Whether trigger t names the job or crawler (key "JobName" or "CrawlerName") in its actions or conditions. */
static bool names_it(json_t *t, const char *key, json_t *name)
{
    json_t *x;
    size_t i;
    json_array_foreach (json_object_get(t, "Actions"), i, x)
        if (json_equal(json_object_get(x, key), name))
            return true;
    json_array_foreach (json_object_get(json_object_get(t, "Predicate"), "Conditions"), i, x)
        if (json_equal(json_object_get(x, key), name))
            return true;
    return false;
}

/* Says which definitions the document leaves out, and which triggers name them. */
static void warn_missing(json_t *missing, const char *kind, const char *key, json_t *triggers)
{
    json_t *name, *t;
    size_t i, k;
    json_array_foreach (missing, i, name) {
        fprintf(stderr, "glued export: %s '%s' does not exist (deleted after", kind, json_string_value(name));
        const char *sep = " trigger ";
        json_array_foreach (triggers, k, t)
            if (names_it(t, key, name)) {
                fprintf(stderr, "%s'%s'", sep, json_string_value(json_object_get(t, "Name")));
                sep = ", ";
            }
        fprintf(stderr, "%s named it); the document leaves it out, and importing it needs that %s first\n",
                *sep == ' ' ? " a trigger" : "", kind);
    }
}

int cli_export(int argc, char **argv)
{
    const char *endpoint = NULL, *wf = NULL;
    if (cli_operand_args(argc, argv, false, &endpoint, &wf) < 0 || !wf) {
        fprintf(stderr, "usage: glued export WORKFLOW [--endpoint URL] > FILE\n");
        return CLI_USAGE;
    }
    client_t *c = cli_connect("export", endpoint);
    if (!c)
        return CLI_USAGE;
    json_t *in = json_pack("{s:s, s:b}", "Name", wf, "IncludeGraph", 1), *out = NULL, *doc = NULL;
    json_t *jobs = json_array(), *crawlers = json_array(), *triggers = json_array();
    json_t *no_jobs = json_array(), *no_crawlers = json_array();
    client_err_t e;
    int ret = CLI_OK;
    int rc = client_call(c, "GetWorkflow", in, &out, &e);
    json_decref(in);
    if (rc < 0) {
        if (client_err_is(&e, "EntityNotFoundException")) {
            fprintf(stderr, "glued export: no workflow named '%s' at %s\n", wf, client_endpoint(c));
            ret = CLI_USAGE;
        } else {
            ret = cli_report("export", "GetWorkflow", &e);
        }
        goto done;
    }
    json_t *w = json_object_get(out, "Workflow"), *node;
    size_t i;
    json_array_foreach (json_object_get(json_object_get(w, "Graph"), "Nodes"), i, node) {
        const char *type = json_string_value(json_object_get(node, "Type"));
        json_t *name = json_object_get(node, "Name");
        json_t *into = !type                          ? NULL
                       : strcmp(type, "JOB") == 0     ? jobs
                       : strcmp(type, "CRAWLER") == 0 ? crawlers
                       : strcmp(type, "TRIGGER") == 0 ? triggers
                                                      : NULL;
        if (!into || !json_is_string(name))
            continue;
        bool dup = false;
        json_t *x;
        size_t k;
        json_array_foreach (into, k, x)
            dup = dup || json_equal(x, name);
        if (!dup)
            json_array_append(into, name);
    }
    doc = json_object();
    json_object_set_new(doc, "Format", json_string(EXPORT_FORMAT));
    json_object_set_new(doc, "Workflow", pick_names(w, WORKFLOW_FIELDS));
    json_t *list;
    if ((ret = fetch_all(c, jobs, "GetJob", "JobName", "Job", job_form, no_jobs, &list)) != CLI_OK)
        goto fail_list;
    json_object_set_new(doc, "Jobs", list);
    if ((ret = fetch_all(c, crawlers, "GetCrawler", "Name", "Crawler", crawler_form, no_crawlers, &list)) != CLI_OK)
        goto fail_list;
    json_object_set_new(doc, "Crawlers", list);
    if ((ret = fetch_all(c, triggers, "GetTrigger", "Name", "Trigger", trigger_form, NULL, &list)) != CLI_OK)
        goto fail_list;
    json_object_set_new(doc, "Triggers", list);
    warn_missing(no_jobs, "job", "JobName", list);
    warn_missing(no_crawlers, "crawler", "CrawlerName", list);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!text || fputs(text, stdout) < 0 || fputs("\n", stdout) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "glued export: cannot write the document\n");
        ret = CLI_FAILED;
    }
    free(text);
    goto done;
fail_list:
    json_decref(list);
done:
    json_decref(doc);
    json_decref(out);
    json_decref(jobs);
    json_decref(crawlers);
    json_decref(triggers);
    json_decref(no_jobs);
    json_decref(no_crawlers);
    client_free(c);
    return ret;
}

/* ---- import ---- */

typedef struct importer {
    client_t *c;
    int created, updated, unchanged;
} importer_t;

/* Calls op; on failure reports it and returns -1 (with *ret set). */
static int call(importer_t *im, const char *op, json_t *in, json_t **out, int *ret)
{
    client_err_t e;
    json_t *o = NULL;
    int rc = client_call(im->c, op, in, &o, &e);
    json_decref(in);
    if (rc < 0) {
        *ret = cli_report("import", op, &e);
        return -1;
    }
    if (out)
        *out = o;
    else
        json_decref(o);
    return 0;
}

/* Reads an existing definition: 1 found (*out set), 0 absent, -1 failed. */
static int lookup(importer_t *im, const char *op, const char *key, const char *name, json_t **out, int *ret)
{
    client_err_t e;
    json_t *in = json_pack("{s:s}", key, name);
    int rc = client_call(im->c, op, in, out, &e);
    json_decref(in);
    if (rc == 0)
        return 1;
    if (client_err_is(&e, "EntityNotFoundException"))
        return 0;
    *ret = cli_report("import", op, &e);
    return -1;
}

static void said(importer_t *im, const char *kind, const char *name, const char *what)
{
    printf("%-8s %-40s %s\n", kind, name, what);
    if (strcmp(what, "created") == 0)
        im->created++;
    else if (strcmp(what, "unchanged") == 0)
        im->unchanged++;
    else
        im->updated++;
}

static int import_job(importer_t *im, json_t *doc, int *ret)
{
    const char *name = json_string_value(json_object_get(doc, "Name"));
    json_t *have = NULL;
    int found = lookup(im, "GetJob", "JobName", name, &have, ret);
    if (found < 0)
        return -1;
    if (!found) {
        if (call(im, "CreateJob", json_deep_copy(doc), NULL, ret) < 0)
            return -1;
        said(im, "job", name, "created");
        return 0;
    }
    json_t *form = job_form(json_object_get(have, "Job"));
    bool same = json_equal(form, doc);
    json_decref(form);
    json_decref(have);
    if (same) {
        said(im, "job", name, "unchanged");
        return 0;
    }
    json_t *in = json_pack("{s:s, s:o}", "JobName", name, "JobUpdate", pick(doc, SHAPE_JobUpdate, NULL));
    if (call(im, "UpdateJob", in, NULL, ret) < 0)
        return -1;
    said(im, "job", name, "updated");
    return 0;
}

/* Whether definitions x and y are equal but for their member key (a state, set by calls of its own). */
static bool equal_but(json_t *x, json_t *y, const char *key)
{
    json_t *a = json_deep_copy(x), *b = json_deep_copy(y);
    json_object_del(a, key);
    json_object_del(b, key);
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same;
}

/* The schedule state a crawler's document asks for: its ScheduleState beside a Schedule, or NULL (a document
 * from an older glued says none: the schedule is left as CreateCrawler, SCHEDULED, or UpdateCrawler, unchanged,
 * left it). */
static const char *wanted_schedule_state(json_t *doc)
{
    return json_object_get(doc, "Schedule") ? json_string_value(json_object_get(doc, "ScheduleState")) : NULL;
}

/* Sets the crawler's schedule to the state its document asks for, unless it is in it already (now). */
static int crawler_schedule_state(importer_t *im, const char *name, const char *now, json_t *doc, int *ret)
{
    const char *want = wanted_schedule_state(doc);
    if (!want || strcmp(now, want) == 0)
        return 0;
    return call(im, strcmp(want, "SCHEDULED") == 0 ? "StartCrawlerSchedule" : "StopCrawlerSchedule",
                json_pack("{s:s}", "CrawlerName", name), NULL, ret);
}

static int import_crawler(importer_t *im, json_t *doc, int *ret)
{
    const char *name = json_string_value(json_object_get(doc, "Name"));
    json_t *have = NULL;
    int found = lookup(im, "GetCrawler", "Name", name, &have, ret);
    if (found < 0)
        return -1;
    if (!found) {
        if (call(im, "CreateCrawler", pick(doc, SHAPE_CreateCrawlerRequest, NULL), NULL, ret) < 0 ||
            crawler_schedule_state(im, name, "SCHEDULED", doc, ret) < 0) /* CreateCrawler schedules it */
            return -1;
        said(im, "crawler", name, "created");
        return 0;
    }
    json_t *form = crawler_form(json_object_get(have, "Crawler"));
    json_decref(have);
    /* its schedule's state (glued's is never TRANSITIONING); a crawler without one gets one SCHEDULED from
     * UpdateCrawler */
    const char *st = json_string_value(json_object_get(form, "ScheduleState"));
    const char *now = st && strcmp(st, "NOT_SCHEDULED") == 0 ? "NOT_SCHEDULED" : "SCHEDULED";
    bool same_def = equal_but(form, doc, "ScheduleState");
    json_decref(form);
    const char *want = wanted_schedule_state(doc);
    if (same_def && (!want || strcmp(want, now) == 0)) {
        said(im, "crawler", name, "unchanged");
        return 0;
    }
    /* UpdateCrawler keeps the schedule's state */
    if (!same_def && call(im, "UpdateCrawler", pick(doc, SHAPE_UpdateCrawlerRequest, NULL), NULL, ret) < 0)
        return -1;
    if (crawler_schedule_state(im, name, now, doc, ret) < 0)
        return -1;
    said(im, "crawler", name, "updated");
    return 0;
}

static int import_workflow(importer_t *im, json_t *doc, int *ret)
{
    const char *name = json_string_value(json_object_get(doc, "Name"));
    json_t *have = NULL;
    int found = lookup(im, "GetWorkflow", "Name", name, &have, ret);
    if (found < 0)
        return -1;
    json_t *want = pick_names(doc, WORKFLOW_FIELDS);
    if (!found) {
        if (call(im, "CreateWorkflow", want, NULL, ret) < 0)
            return -1;
        said(im, "workflow", name, "created");
        return 0;
    }
    /* UpdateWorkflow keeps what it is not given, so only the fields the document has are compared */
    json_t *form = pick_names(json_object_get(have, "Workflow"), WORKFLOW_FIELDS);
    const char *key;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(form, tmp, key, val) if (!json_object_get(want, key)) json_object_del(form, key);
    bool same = json_equal(form, want);
    json_decref(form);
    json_decref(have);
    if (same) {
        json_decref(want);
        said(im, "workflow", name, "unchanged");
        return 0;
    }
    if (call(im, "UpdateWorkflow", want, NULL, ret) < 0)
        return -1;
    said(im, "workflow", name, "updated");
    return 0;
}

static bool activates(json_t *doc)
{
    const char *state = json_string_value(json_object_get(doc, "State"));
    const char *type = json_string_value(json_object_get(doc, "Type"));
    return state && strcmp(state, "ACTIVATED") == 0 && type && strcmp(type, "ON_DEMAND") != 0;
}

static bool is_on_demand(json_t *doc)
{
    const char *type = json_string_value(json_object_get(doc, "Type"));
    return type && strcmp(type, "ON_DEMAND") == 0;
}

static const char *state_of(json_t *doc)
{
    const char *state = json_string_value(json_object_get(doc, "State"));
    return state ? state : "";
}

/* Whether two trigger states are the same for an import: CREATED and DEACTIVATED both mean "not active", and
 * no call turns a DEACTIVATED trigger back into CREATED. */
static bool same_state(const char *a, const char *b)
{
    bool a_on = strcmp(a, "ACTIVATED") == 0, b_on = strcmp(b, "ACTIVATED") == 0;
    return strcmp(a, b) == 0 || (!a_on && !b_on);
}

/* Creates the trigger in the document's state: activated on creation, or stopped after it. */
static int create_trigger(importer_t *im, json_t *doc, int *ret)
{
    json_t *in = pick(doc, SHAPE_CreateTriggerRequest, NO_TAGS_START);
    if (activates(doc))
        json_object_set_new(in, "StartOnCreation", json_true());
    if (call(im, "CreateTrigger", in, NULL, ret) < 0)
        return -1;
    if (!is_on_demand(doc) && strcmp(state_of(doc), "DEACTIVATED") == 0)
        return call(im, "StopTrigger", json_pack("{s:s}", "Name", json_string_value(json_object_get(doc, "Name"))),
                    NULL, ret);
    return 0;
}

static int import_trigger(importer_t *im, json_t *doc, int *ret)
{
    const char *name = json_string_value(json_object_get(doc, "Name"));
    json_t *have = NULL;
    int found = lookup(im, "GetTrigger", "Name", name, &have, ret);
    if (found < 0)
        return -1;
    if (!found) {
        if (create_trigger(im, doc, ret) < 0)
            return -1;
        said(im, "trigger", name, "created");
        return 0;
    }
    json_t *form = trigger_form(json_object_get(have, "Trigger"));
    json_decref(have);
    /* Type and WorkflowName cannot be updated: such a trigger is made again */
    static const char *const fixed[] = {"Type", "WorkflowName"};
    bool remake = false;
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_object_get(form, fixed[i]), *b = json_object_get(doc, fixed[i]);
        remake = remake || !(a ? b && json_equal(a, b) : !b);
    }
    if (remake) {
        json_decref(form);
        if (call(im, "DeleteTrigger", json_pack("{s:s}", "Name", name), NULL, ret) < 0 ||
            create_trigger(im, doc, ret) < 0)
            return -1;
        said(im, "trigger", name, "replaced");
        return 0;
    }
    bool same_def = equal_but(form, doc, "State");
    bool same_st = same_state(state_of(form), state_of(doc));
    json_decref(form);
    if (same_def && same_st) {
        said(im, "trigger", name, "unchanged");
        return 0;
    }
    if (!same_def) {
        json_t *upd = pick(doc, SHAPE_TriggerUpdate, NULL);
        if (call(im, "UpdateTrigger", json_pack("{s:s, s:o}", "Name", name, "TriggerUpdate", upd), NULL, ret) < 0)
            return -1;
    }
    if (!same_st && !is_on_demand(doc) &&
        call(im, activates(doc) ? "StartTrigger" : "StopTrigger", json_pack("{s:s}", "Name", name), NULL, ret) < 0)
        return -1;
    said(im, "trigger", name, "updated");
    return 0;
}

/* Checks the document's shape; -1 with a message naming what is wrong. */
static int check_doc(json_t *doc, char *why, size_t whylen)
{
    if (!json_is_object(doc))
        return snprintf(why, whylen, "the document is not a JSON object"), -1;
    const char *fmt = json_string_value(json_object_get(doc, "Format"));
    if (!fmt || strcmp(fmt, EXPORT_FORMAT) != 0)
        return snprintf(why, whylen, "\"Format\" must be \"%s\" (got %s%s%s)", EXPORT_FORMAT, fmt ? "\"" : "",
                        fmt ? fmt : "none", fmt ? "\"" : ""),
               -1;
    json_t *w = json_object_get(doc, "Workflow");
    const char *wf = json_string_value(json_object_get(w, "Name"));
    if (!json_is_object(w) || !wf || !*wf)
        return snprintf(why, whylen, "\"Workflow\" must be an object with a \"Name\""), -1;
    static const char *const lists[] = {"Jobs", "Crawlers", "Triggers"};
    for (size_t k = 0; k < 3; k++) {
        json_t *l = json_object_get(doc, lists[k]), *x;
        if (l && !json_is_array(l))
            return snprintf(why, whylen, "\"%s\" must be a list", lists[k]), -1;
        size_t i;
        json_array_foreach (l, i, x) {
            if (!json_is_object(x) || !json_is_string(json_object_get(x, "Name")))
                return snprintf(why, whylen, "%s[%zu] must be an object with a \"Name\"", lists[k], i), -1;
            const char *tw = json_string_value(json_object_get(x, "WorkflowName"));
            const char *ss = json_string_value(json_object_get(x, "ScheduleState"));
            if (k == 1 && json_object_get(x, "ScheduleState") &&
                (!ss || (strcmp(ss, "SCHEDULED") != 0 && strcmp(ss, "NOT_SCHEDULED") != 0)))
                return snprintf(why, whylen,
                                "Crawlers[%zu] (%s): \"ScheduleState\" must be \"SCHEDULED\" or "
                                "\"NOT_SCHEDULED\"",
                                i, json_string_value(json_object_get(x, "Name"))),
                       -1;
            if (k == 2 && tw && strcmp(tw, wf) != 0)
                return snprintf(why, whylen, "Triggers[%zu] (%s) belongs to workflow '%s', not '%s'", i,
                                json_string_value(json_object_get(x, "Name")), tw, wf),
                       -1;
        }
    }
    return 0;
}

int cli_import(int argc, char **argv)
{
    const char *endpoint = NULL, *file = NULL;
    if (cli_operand_args(argc, argv, true, &endpoint, &file) < 0 || !file) {
        fprintf(stderr, "usage: glued import FILE [--endpoint URL]   (FILE from glued export; - reads stdin)\n");
        return CLI_USAGE;
    }
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!f) {
        fprintf(stderr, "glued import: cannot open %s: %m\n", file);
        return CLI_USAGE;
    }
    char *text = malloc(IMPORT_MAX_FILE + 1);
    size_t n = text ? fread(text, 1, IMPORT_MAX_FILE + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!text || n > IMPORT_MAX_FILE) {
        fprintf(stderr, "glued import: %s is larger than %u bytes\n", file, IMPORT_MAX_FILE);
        free(text);
        return CLI_USAGE;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, n, 0, &je);
    free(text);
    char why[512];
    if (!doc) {
        fprintf(stderr, "glued import: %s is not JSON: %s (line %d, column %d)\n", file, je.text, je.line, je.column);
        return CLI_USAGE;
    }
    if (check_doc(doc, why, sizeof why) < 0) {
        fprintf(stderr, "glued import: %s is not a glued export: %s\n", file, why);
        json_decref(doc);
        return CLI_USAGE;
    }
    importer_t im = {.c = cli_connect("import", endpoint)};
    int ret = CLI_OK;
    if (!im.c) {
        json_decref(doc);
        return CLI_USAGE;
    }
    json_t *x;
    size_t i;
    const char *wf = json_string_value(json_object_get(json_object_get(doc, "Workflow"), "Name"));
    json_array_foreach (json_object_get(doc, "Jobs"), i, x)
        if (import_job(&im, x, &ret) < 0)
            goto done;
    json_array_foreach (json_object_get(doc, "Crawlers"), i, x)
        if (import_crawler(&im, x, &ret) < 0)
            goto done;
    if (import_workflow(&im, json_object_get(doc, "Workflow"), &ret) < 0)
        goto done;
    json_array_foreach (json_object_get(doc, "Triggers"), i, x) {
        if (!json_object_get(x, "WorkflowName"))
            json_object_set_new(x, "WorkflowName", json_string(wf));
        if (import_trigger(&im, x, &ret) < 0)
            goto done;
    }
    printf("Imported workflow %s: %d created, %d updated, %d unchanged\n", wf, im.created, im.updated, im.unchanged);
done:
    fflush(stdout);
    json_decref(doc);
    client_free(im.c);
    return ret;
}
