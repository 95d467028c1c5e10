/* `glued run WORKFLOW [--property K=V ...] [--endpoint URL] [--data DIR]`: starts a workflow run and follows
 * it. It polls GetWorkflowRun with the graph and prints a line each time a job or crawler node changes state;
 * when stdout is a terminal a progress line under them shows the counts. At the end it counts the nodes by how
 * they ended (a stopped or timed-out job is not counted as failed) and prints each unsuccessful node's error
 * and, when glued's data directory is readable here, the last lines its job wrote to stderr.
 * Exit status: 0 when every job and crawl that ran succeeded, 1 when any did not, 2 for a usage or connection
 * error or an unknown workflow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/logpool.h"

#define POLL_MS    200
#define REACH_S    60 /* how long a run being followed waits for glued to answer again (it may be restarting) */
#define MAX_NODES  4096
#define MAX_PROPS  100
#define TAIL_LINES 10

/* What we last printed for a node. */
typedef struct seen {
    char *type, *name, *state, *id;
    long attempt;
} seen_t;

typedef struct follow {
    seen_t *v;
    size_t n;
    bool tty, progress_shown;
    double started;
} follow_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: glued run WORKFLOW [--property KEY=VALUE ...] [--endpoint URL] [--data DIR]\n");
}

static bool is_ok(const char *state)
{
    return state && strcmp(state, "SUCCEEDED") == 0;
}

/* How a job or crawl ended, as the summary and the progress line count them. Succeeded, failed and did not run
 * are always shown; the others only when some node ended so. */
enum { O_SUCCEEDED, O_FAILED, O_STOPPED, O_TIMEOUT, O_ERRORED, O_EXPIRED, O_ACTIVE, O_NOT_RUN, O_N };
static const struct {
    const char *words;
    bool always;
} outcomes[O_N] = {
    [O_SUCCEEDED] = {"succeeded", true},   [O_FAILED] = {"failed", true},       [O_STOPPED] = {"stopped", false},
    [O_TIMEOUT] = {"timed out", false},    [O_ERRORED] = {"errored", false},    [O_EXPIRED] = {"expired", false},
    [O_ACTIVE] = {"still running", false}, [O_NOT_RUN] = {"did not run", true},
};

static bool is_active(const char *state)
{
    static const char *const active[] = {"STARTING", "RUNNING", "STOPPING", "WAITING", "CANCELLING", NULL};
    for (size_t i = 0; state && active[i]; i++)
        if (strcmp(state, active[i]) == 0)
            return true;
    return false;
}

/* A job run's JobRunState or a crawl's State as an outcome; one not known here counts as failed. */
static int outcome_of(const char *state)
{
    static const struct {
        const char *state;
        int outcome;
    } map[] = {{"SUCCEEDED", O_SUCCEEDED}, {"FAILED", O_FAILED}, {"STOPPED", O_STOPPED}, {"CANCELLED", O_STOPPED},
               {"TIMEOUT", O_TIMEOUT},     {"ERROR", O_ERRORED}, {"EXPIRED", O_EXPIRED}};
    if (is_active(state))
        return O_ACTIVE;
    for (size_t i = 0; state && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].state) == 0)
            return map[i].outcome;
    return O_FAILED;
}

/* ", N words" for the outcomes from..to-1 that are always shown or that some node had. */
static void print_counts(const long *n, int from, int to)
{
    for (int o = from; o < to; o++)
        if (outcomes[o].always || n[o])
            printf(", %ld %s", n[o], outcomes[o].words);
}

/* The node's latest attempt: its job run (highest Attempt) or its crawl (last in the list). */
static json_t *latest(json_t *node, bool *is_job)
{
    const char *type = json_string_value(json_object_get(node, "Type"));
    *is_job = type && strcmp(type, "JOB") == 0;
    json_t *list = *is_job ? json_object_get(json_object_get(node, "JobDetails"), "JobRuns")
                           : json_object_get(json_object_get(node, "CrawlerDetails"), "Crawls");
    json_t *best = NULL, *x;
    size_t i;
    json_array_foreach (list, i, x) {
        if (!*is_job) {
            best = x;
            continue;
        }
        if (!best ||
            json_integer_value(json_object_get(x, "Attempt")) >= json_integer_value(json_object_get(best, "Attempt")))
            best = x;
    }
    return best;
}

static const char *state_of(json_t *attempt, bool is_job)
{
    return json_string_value(json_object_get(attempt, is_job ? "JobRunState" : "State"));
}

static double seconds_between(json_t *from, json_t *to)
{
    return json_is_number(from) && json_is_number(to) ? json_number_value(to) - json_number_value(from) : -1;
}

static void clear_progress(follow_t *f)
{
    if (f->tty && f->progress_shown) {
        fputs("\r\033[K", stdout);
        f->progress_shown = false;
    }
}

/* A change a poll saw: its line, and when it happened (its end, or its start while active). */
typedef struct change {
    double at;
    size_t order; /* in the graph: ties keep it */
    char line[1024];
} change_t;

static int change_cmp(const void *a, const void *b)
{
    const change_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Prints the nodes whose state changed since the last poll, in the order the changes happened (a poll that sees a
 * job end and the next one start prints the end first). */
static void print_changes(follow_t *f, json_t *run)
{
    json_t *nodes = json_object_get(json_object_get(run, "Graph"), "Nodes"), *node;
    size_t i, nch = 0;
    change_t *ch = calloc(json_array_size(nodes) + 1, sizeof *ch);
    if (!ch)
        return;
    json_array_foreach (nodes, i, node) {
        bool is_job;
        json_t *a = latest(node, &is_job);
        const char *type = json_string_value(json_object_get(node, "Type"));
        const char *name = json_string_value(json_object_get(node, "Name"));
        const char *state = state_of(a, is_job);
        if (!a || !type || !name || !state || strcmp(type, "TRIGGER") == 0)
            continue;
        long attempt = is_job ? (long)json_integer_value(json_object_get(a, "Attempt")) : 0;
        seen_t *s = NULL;
        for (size_t k = 0; k < f->n && !s; k++)
            if (strcmp(f->v[k].name, name) == 0 && strcmp(f->v[k].type, type) == 0)
                s = &f->v[k];
        if (s && strcmp(s->state, state) == 0 && s->attempt == attempt)
            continue;
        if (!s) {
            if (f->n >= MAX_NODES)
                continue;
            s = &f->v[f->n++];
            s->type = strdup(type);
            s->name = strdup(name);
            s->state = s->id = NULL;
        }
        free(s->state);
        free(s->id);
        s->state = strdup(state);
        s->attempt = attempt;
        const char *id = json_string_value(json_object_get(a, is_job ? "Id" : "CrawlId"));
        s->id = id ? strdup(id) : NULL;

        char clock[16], took[32] = "";
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(clock, sizeof clock, "%H:%M:%S", &tm);
        if (!is_active(state)) {
            double d = seconds_between(json_object_get(a, "StartedOn"), json_object_get(a, "CompletedOn"));
            if (d >= 0)
                cli_duration(d, took, sizeof took);
        }
        change_t *c = &ch[nch++];
        c->order = i;
        json_t *when = json_object_get(a, is_active(state) ? "StartedOn" : "CompletedOn");
        c->at = json_is_number(when) ? json_number_value(when) : now_s();
        char *line = c->line;
        size_t width = cli_width(name); /* the name's column is padded to 30 characters, not bytes */
        int pad = width < 30 ? (int)(30 - width) : 0;
        int k = snprintf(line, sizeof c->line, "%s  %-7s  %s%*s  %-9s", clock, type, name, pad, "", state);
        if (attempt > 0 && k > 0 && (size_t)k < sizeof c->line)
            k += snprintf(line + k, sizeof c->line - (size_t)k, "  attempt %ld", attempt + 1);
        if (*took && k > 0 && (size_t)k < sizeof c->line)
            snprintf(line + k, sizeof c->line - (size_t)k, "  %s", took);
        size_t len = strlen(line);
        while (len && line[len - 1] == ' ')
            line[--len] = '\0';
    }
    qsort(ch, nch, sizeof *ch, change_cmp);
    if (nch)
        clear_progress(f);
    for (size_t k = 0; k < nch; k++)
        printf("%s\n", ch[k].line);
    free(ch);
    fflush(stdout);
}

static void print_progress(follow_t *f, json_t *run)
{
    if (!f->tty)
        return;
    json_t *st = json_object_get(run, "Statistics");
    long total = (long)json_integer_value(json_object_get(st, "TotalActions"));
    long ok = (long)json_integer_value(json_object_get(st, "SucceededActions"));
    long running = (long)json_integer_value(json_object_get(st, "RunningActions")) +
                   (long)json_integer_value(json_object_get(st, "WaitingActions"));
    long n[O_N] = {
        [O_FAILED] = (long)json_integer_value(json_object_get(st, "FailedActions")),
        [O_STOPPED] = (long)json_integer_value(json_object_get(st, "StoppedActions")),
        [O_TIMEOUT] = (long)json_integer_value(json_object_get(st, "TimeoutActions")),
        [O_ERRORED] = (long)json_integer_value(json_object_get(st, "ErroredActions")),
    };
    char el[32];
    cli_duration(now_s() - f->started, el, sizeof el);
    printf("\r\033[K[%s] %ld of %ld succeeded, %ld running", el, ok, total, running);
    print_counts(n, O_FAILED, O_EXPIRED); /* the statistics count an expired run as failed */
    fflush(stdout);
    f->progress_shown = true;
}

/* The last lines of a job's stderr, when glued's data directory is readable from here. */
static void print_tail(const char *data_dir, const char *id)
{
    char path[4096];
    FILE *fp = logpool_find_log(data_dir, id, "err", path, sizeof path) == 0 ? fopen(path, "r") : NULL;
    if (!fp) {
        printf("    (its output, if it started: glued logs %s --data <glued's data directory>)\n", id);
        return;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    long from = size > 65536 ? size - 65536 : 0;
    fseek(fp, from, SEEK_SET);
    char *buf = malloc(65537);
    size_t n = fread(buf, 1, 65536, fp);
    fclose(fp);
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    size_t start = n;
    int lines = 0;
    while (start > 0 && lines < TAIL_LINES) {
        start--;
        if (buf[start] == '\n' && ++lines == TAIL_LINES) {
            start++;
            break;
        }
    }
    if (from > 0 && start == 0) /* the first line may be cut */
        while (buf[start] && buf[start] != '\n')
            start++;
    if (n > start) {
        printf("    last lines of stderr:\n");
        for (char *line = buf + start, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            printf("    | %s\n", line);
        }
    }
    free(buf);
}

/* The end: a summary line, then each node whose last attempt did not succeed. Returns the exit status. */
static int summarize(follow_t *f, json_t *run, const char *data_dir)
{
    clear_progress(f);
    const char *status = json_string_value(json_object_get(run, "Status"));
    const char *rid = json_string_value(json_object_get(run, "WorkflowRunId"));
    json_t *nodes = json_object_get(json_object_get(run, "Graph"), "Nodes"), *node;
    size_t i;
    long n[O_N] = {0};
    json_array_foreach (nodes, i, node) {
        bool is_job;
        const char *type = json_string_value(json_object_get(node, "Type"));
        if (!type || strcmp(type, "TRIGGER") == 0)
            continue;
        json_t *a = latest(node, &is_job);
        n[a ? outcome_of(state_of(a, is_job)) : O_NOT_RUN]++;
    }
    char took[32];
    double d = seconds_between(json_object_get(run, "StartedOn"), json_object_get(run, "CompletedOn"));
    cli_duration(d >= 0 ? d : now_s() - f->started, took, sizeof took);
    printf("Run %s %s in %s: %ld succeeded", rid ? rid : "?", status ? status : "?", took, n[O_SUCCEEDED]);
    print_counts(n, O_FAILED, O_N);
    putchar('\n');
    const char *err = json_string_value(json_object_get(run, "ErrorMessage"));
    if (err)
        printf("  %s\n", err);
    json_array_foreach (nodes, i, node) {
        bool is_job;
        json_t *a = latest(node, &is_job);
        const char *state = state_of(a, is_job);
        if (!a || is_ok(state))
            continue;
        const char *name = json_string_value(json_object_get(node, "Name"));
        const char *id = json_string_value(json_object_get(a, is_job ? "Id" : "CrawlId"));
        const char *msg = json_string_value(json_object_get(a, "ErrorMessage"));
        printf("%s %s %s%s%s\n", is_job ? "Job" : "Crawler", name ? name : "?", state ? state : "?", msg ? ": " : "",
               msg ? msg : "");
        if (is_job && id && strcmp(state ? state : "", "ERROR") != 0) /* ERROR: it never started, no output */
            print_tail(data_dir, id);
    }
    fflush(stdout);
    bool all_ok = true; /* every job and crawl that ran succeeded */
    for (int o = O_FAILED; o < O_NOT_RUN; o++)
        all_ok = all_ok && n[o] == 0;
    return all_ok && status && strcmp(status, "COMPLETED") == 0 ? CLI_OK : CLI_FAILED;
}

int cli_run(int argc, char **argv)
{
    const char *endpoint = NULL, *wf = NULL, *data_dir = "./var";
    json_t *props = json_object();
    client_t *c = NULL;
    follow_t f = {0};
    json_t *out = NULL;
    int ret = CLI_USAGE;
    for (int i = 1; i < argc; i++) {
        int r = cli_endpoint_opt(argc, argv, &i, &endpoint);
        if (r < 0)
            goto usage;
        if (r > 0)
            continue;
        const char *kv = NULL;
        if ((strcmp(argv[i], "--property") == 0 || strcmp(argv[i], "-p") == 0) && i + 1 < argc)
            kv = argv[++i];
        else if (strncmp(argv[i], "--property=", 11) == 0)
            kv = argv[i] + 11;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_dir = argv[++i];
            continue;
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            data_dir = argv[i] + 7;
            continue;
        } else if (argv[i][0] != '-' && !wf) {
            wf = argv[i];
            continue;
        } else
            goto usage;
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            fprintf(stderr, "glued run: --property needs KEY=VALUE (got '%s')\n", kv);
            goto usage;
        }
        if (json_object_size(props) >= MAX_PROPS) {
            fprintf(stderr, "glued run: at most %d run properties\n", MAX_PROPS);
            goto usage;
        }
        char *key = strndup(kv, (size_t)(eq - kv));
        json_object_set_new(props, key, json_string(eq + 1));
        free(key);
    }
    if (!wf)
        goto usage;
    if (!(c = cli_connect("run", endpoint)))
        goto done;
    json_t *in = json_pack("{s:s}", "Name", wf);
    if (json_object_size(props))
        json_object_set(in, "RunProperties", props);
    client_err_t e;
    int rc = client_call(c, "StartWorkflowRun", in, &out, &e);
    json_decref(in);
    if (rc < 0) {
        if (client_err_is(&e, "EntityNotFoundException"))
            fprintf(stderr, "glued run: no workflow named '%s' at %s\n", wf, client_endpoint(c));
        else
            cli_report("run", "StartWorkflowRun", &e);
        ret = CLI_USAGE; /* the run did not start */
        goto done;
    }
    char *rid = strdup(json_string_value(json_object_get(out, "RunId")) ?: "");
    json_decref(out);
    out = NULL;
    f.tty = isatty(STDOUT_FILENO);
    f.started = now_s();
    f.v = calloc(MAX_NODES, sizeof *f.v);
    printf("Started run %s of workflow %s\n", rid, wf);
    fflush(stdout);
    double lost = 0; /* since when glued has not answered (0: it answers) */
    for (;;) {
        json_t *q = json_pack("{s:s, s:s, s:b}", "Name", wf, "RunId", rid, "IncludeGraph", 1);
        rc = client_call(c, "GetWorkflowRun", q, &out, &e);
        json_decref(q);
        struct timespec ts = {0, POLL_MS * 1000000L};
        if (rc < 0 && !e.type[0] && (!lost || now_s() - lost < REACH_S)) { /* no answer: a restart, say */
            if (!lost) {
                lost = now_s();
                clear_progress(&f);
                fprintf(stderr, "glued run: %s; waiting up to %d s for it to answer again\n", e.msg, REACH_S);
            }
            nanosleep(&ts, NULL);
            continue;
        }
        if (rc < 0) {
            clear_progress(&f);
            cli_report("run", "GetWorkflowRun", &e);
            ret = CLI_USAGE; /* lost the run: whether its jobs succeeded is not known */
            break;
        }
        if (lost) {
            fprintf(stderr, "glued run: glued answers again; following run %s\n", rid);
            lost = 0;
        }
        json_t *run = json_object_get(out, "Run");
        print_changes(&f, run);
        const char *status = json_string_value(json_object_get(run, "Status"));
        if (status && strcmp(status, "RUNNING") != 0 && strcmp(status, "STOPPING") != 0) {
            ret = summarize(&f, run, data_dir);
            break;
        }
        print_progress(&f, run);
        json_decref(out);
        out = NULL;
        nanosleep(&ts, NULL);
    }
    free(rid);
    goto done;
usage:
    usage();
    ret = CLI_USAGE;
done:
    for (size_t i = 0; i < f.n; i++) {
        free(f.v[i].type);
        free(f.v[i].name);
        free(f.v[i].state);
        free(f.v[i].id);
    }
    free(f.v);
    json_decref(out);
    json_decref(props);
    client_free(c);
    return ret;
}
