/* glued: options, start-up, signals and shutdown. Start-up order: store (the truth), then the HTTP front.
 * Shutdown (SIGTERM/SIGINT): stop accepting, finish in-flight requests, close the store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "engine/logpool.h"
#include "server/auth.h"
#include "server/console.h"
#include "engine/runner.h"
#include "server/http.h"
#include "store/store.h"
#include "util/metrics.h"
#include "util/sdnotify.h"
#include "util/util.h"

#include "version.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: glued [options]\n"
               "\n"
               "A self-hosted AWS Glue Workflows service. Point any AWS client at it with --endpoint-url.\n"
               "\n"
               "  --listen HOST:PORT     address to serve on (default 127.0.0.1:8080; port 0 picks a free one)\n"
               "  --data DIR             data directory, created with mode 0700 (default ./var)\n"
               "  --store STORE          where state is kept: postgresql://... (any libpq URI; several glued nodes\n"
               "                         may share one) or sqlite:PATH (default sqlite:DATA/glued.db)\n"
               "  --node-name NAME       this node's name among nodes sharing a store (default: the host name)\n"
               "  --node-lease-s N       seconds a node's lease lasts before the others take over its job runs\n"
               "                         (default 15; shared stores only)\n"
               "  --max-jobs N           job processes this node runs at once; more wait as WAITING, in order\n"
               "                         (default 0: no bound)\n"
               "  --region REGION        region for ARNs when a request is unsigned (default us-east-1)\n"
               "  --account ID           account id in ARNs (default 123456789012)\n"
               "  --max-workflows N      ResourceNumberLimitExceeded past N workflows (default 10000; 0 = none)\n"
               "  --max-definitions N    ... past N jobs, N triggers, N crawlers (default 1000, AWS's quotas; 0 = none)\n"
               "  --threads N            HTTP worker threads (default 8 x CPUs, at least 32: writes that arrive\n"
               "                         together share one commit, so more threads mean fewer fsyncs)\n"
               "  --s3-root DIR          where s3://bucket/key resolves: DIR/bucket/key (default DATA/s3)\n"
               "  --no-s3-events         do not turn files written under the S3 root into events\n"
               "  --catch-up             at start, fire once the most recent fire time each schedule missed while\n"
               "                         glued was down (default: missed fire times are skipped and logged)\n"
               "  --python PATH          interpreter for Python jobs (default python3)\n"
               "  --job-minute-ms N      real length of one minute of a job Timeout, for tests (default: one\n"
               "                         minute of glued's clock)\n"
               "  --clock-rate N         for tests: glued's clock runs N times faster than real time (default 1)\n"
               "  --clock-start TIME     for tests: glued's clock starts at TIME, e.g. 2030-01-01T00:00:00Z\n"
               "  --runner NAME=TEMPLATE program for jobs whose Command.Name is NAME (repeatable), e.g.\n"
               "                         glueetl='spark-submit --py-files {extra_py_files} {script} {args}'\n"
               "  --awsglue-dir DIR      directory holding the awsglue package put on jobs' PYTHONPATH\n"
               "                         (default: found next to the binary; 'none' for no package)\n"
               "  --test-mode            serve POST /_glued/reset and /moto-api/reset (empty everything)\n"
               "  --log-level LEVEL      debug, info, warn or error (default info)\n"
               "  --credentials FILE     check SigV4 signatures against the access keys of this AWS shared-\n"
               "                         credentials file (every profile's pair); re-read on SIGHUP\n"
               "  --insecure             serve a non-loopback address without --credentials (anyone who reaches\n"
               "                         the port can then run programs on this machine)\n"
               "  --tls-cert FILE        serve HTTPS with this PEM certificate (chain); needs --tls-key\n"
               "  --tls-key FILE         the certificate's PEM private key\n"
               "  --tls-ca FILE          the CA bundle jobs trust glued with (AWS_CA_BUNDLE; default --tls-cert)\n"
               "  --metrics-listen HOST:PORT  serve GET /metrics and /health there, unauthenticated, instead of\n"
               "                         on the API's address\n"
               "  --job-user NAME        run job processes as this user (glued must be root); when glued runs as\n"
               "                         root this is required: --job-user root runs jobs as root\n"
               "  --retention-days N     purge workflow runs, job runs and crawls (and their logs) that ended more\n"
               "                         than N days ago, in small batches while glued runs (default 90, as AWS;\n"
               "                         0 keeps them for ever)\n"
               "  --help                 this text\n"
               "  --version              the version, and the schema version of the store\n"
               "\n"
               "       glued logs JOB_RUN_ID|CRAWL_ID [--data DIR] [--store STORE]\n"
               "\n"
               "Prints the output (stdout, then stderr) that a job run wrote: from DATA/logs, else from the store\n"
               "(nodes sharing a PostgreSQL store keep the last MiB of each stream there).\n"
               "\n"
               "       glued run WORKFLOW [--property KEY=VALUE ...] [--endpoint URL] [--data DIR]\n"
               "       glued status [WORKFLOW] [--endpoint URL]\n"
               "       glued export WORKFLOW [--endpoint URL] > FILE\n"
               "       glued import FILE [--endpoint URL]\n"
               "\n"
               "Client subcommands, for a running glued: start a run and follow it (exit 0 when every job\n"
               "succeeded, 1 when one failed, 2 on a usage or connection error), show workflows and their runs,\n"
               "write a workflow with its triggers, jobs and crawlers as JSON, and create or update them from\n"
               "it. The endpoint defaults to AWS_ENDPOINT_URL_GLUE, then AWS_ENDPOINT_URL, then\n"
               "http://127.0.0.1:8080.\n");
}

/* The runners given with --runner; static so that an early return from main leaks nothing. */
static runners_t runners;

/* The directory holding glued's awsglue package: <prefix>/share/glued/python next to an installed
 * <prefix>/bin/glued, or the repository's python/ next to build/glued and build/asan/glued. */
static int find_awsglue(char *out, size_t outlen)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    static const char *const rel[] = {"../share/glued/python", "../python", "../../python"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/%s/awsglue/__init__.py", exe, rel[i]);
        if (access(probe, R_OK) == 0) {
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/%s", exe, rel[i]);
            if (!realpath(dir, out) || strlen(out) >= outlen)
                return -1;
            return 0;
        }
    }
    return -1;
}

static int parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= hostlen)
        return -1;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') { /* [::1]:8080 */
        memcpy(host, s + 1, hl - 2);
        host[hl - 2] = '\0';
    } else {
        memcpy(host, s, hl);
        host[hl] = '\0';
    }
    *port = (int)p;
    return 0;
}

static int parse_count(const char *opt, const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 0) {
        fprintf(stderr, "glued: %s needs a whole number >= 0 (got '%s')\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* The whole of a small file (a PEM) as a string, or NULL with a sentence in err. */
static char *read_small(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    size_t cap = 1u << 20;
    char *buf = malloc(cap + 1);
    size_t n = buf ? fread(buf, 1, cap + 1, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n > cap) {
        snprintf(err, errlen, "%s %s is empty or larger than 1 MiB", what, path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* /metrics at scrape time: workflow runs and job runs in each active state, counted by the store (through its
 * partial indexes of active runs: the cost follows what runs, not the history). Ended runs are counted by
 * glued_job_runs_ended_total and the history is kept for --retention-days. */
static void store_facts(void *ctx, metrics_buf_t *out)
{
    int64_t runs[5], jobruns[4];
    if (store_count_active(store_read(ctx), runs, jobruns) != STORE_OK)
        return; /* the families are left out of this scrape; the log says why */
    metrics_append(out, "# HELP glued_workflow_runs Workflow runs in each active status.\n"
                        "# TYPE glued_workflow_runs gauge\n");
    static const int rs[] = {RUN_RUNNING, RUN_STOPPING};
    for (size_t i = 0; i < 2; i++)
        metrics_append(out, "glued_workflow_runs{status=\"%s\"} %lld\n", store_run_status_name(rs[i]),
                       (long long)runs[rs[i]]);
    metrics_append(out, "# HELP glued_job_runs Job runs in each active state (WAITING: ready, waiting for room "
                        "under --max-jobs or for a node to claim them).\n"
                        "# TYPE glued_job_runs gauge\n");
    for (int k = JR_STARTING; k <= JR_WAITING; k++)
        metrics_append(out, "glued_job_runs{state=\"%s\"} %lld\n", store_jr_state_name(k), (long long)jobruns[k]);
}

/* A job run's output as the store keeps it (a shared store keeps the tail of each stream): 0, or 1 when absent. */
static int logs_from_store(const char *target, const char *id)
{
    char err[512];
    store_t *s = NULL;
    if (store_open(target, NULL, &s, err, sizeof err) < 0) {
        fprintf(stderr, "glued logs: %s\n", err);
        return 2;
    }
    char *out = NULL, *errb = NULL;
    size_t outlen = 0, errlen = 0;
    int64_t out_size = 0, err_size = 0;
    int rc = store_joblog_get(store_read(s), id, &out, &outlen, &out_size, &errb, &errlen, &err_size);
    if (rc == 0) {
        if ((int64_t)outlen < out_size)
            fprintf(stderr, "glued logs: stdout was %lld bytes; the store keeps its last %zu\n", (long long)out_size,
                    outlen);
        fwrite(out, 1, outlen, stdout);
        if ((int64_t)errlen < err_size)
            fprintf(stderr, "glued logs: stderr was %lld bytes; the store keeps its last %zu\n", (long long)err_size,
                    errlen);
        fwrite(errb, 1, errlen, stderr);
    }
    free(out);
    free(errb);
    store_close(s);
    return rc == 0 ? 0 : 1;
}

/* glued logs JOB_RUN_ID [--data DIR] [--store STORE]: a job run's stdout then stderr, from the log files of
 * this node, else from the store (nodes sharing a store keep their job runs' output there). */
static int cmd_logs(int argc, char **argv)
{
    const char *data = "./var", *id = NULL, *target = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strncmp(argv[i], "--data=", 7) == 0)
            data = argv[i] + 7;
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (strncmp(argv[i], "--store=", 8) == 0)
            target = argv[i] + 8;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: glued logs JOB_RUN_ID|CRAWL_ID [--data DIR] [--store STORE]\n");
            return 0;
        } else if (!id && argv[i][0] != '-')
            id = argv[i];
        else {
            fprintf(stderr, "usage: glued logs JOB_RUN_ID|CRAWL_ID [--data DIR] [--store STORE]\n");
            return 2;
        }
    }
    char probe[4096];
    if (!id || logpool_find_log(data, id, "out", probe, sizeof probe) < 0) {
        fprintf(stderr, "glued logs: give a job run id (jr_ and 64 hex digits) or a crawl id (cr_ and 64 hex "
                        "digits), e.g. from GetJobRuns or ListCrawls\n");
        return 2;
    }
    int found = 0;
    static const char *const exts[] = {"out", "err"};
    for (int k = 0; k < 2; k++) {
        char path[4096];
        logpool_find_log(data, id, exts[k], path, sizeof path);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        found++;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, k == 0 ? stdout : stderr);
        fclose(f);
    }
    if (found)
        return 0;
    if (target) {
        int rc = logs_from_store(target, id);
        if (rc != 1)
            return rc;
        fprintf(stderr, "glued logs: no logs for %s under %s/logs nor in the store\n", id, data);
        return 1;
    }
    fprintf(stderr,
            "glued logs: no logs for %s under %s/logs: give --data with glued's data directory (the default is "
            "./var), or --store for a job run of another node sharing a PostgreSQL store. A job run that failed "
            "before its program started (a missing script, say) has no logs: its ErrorMessage says why.\n",
            id, data);
    return 1;
}

/* Takes path (a lock file, made if missing) for this process's life: one glued serves a data directory, and one
 * a SQLite database. A second would recover the first one's running jobs as left over from a crash, and end
 * them. The lock goes with the process however it ends (flock), and job processes do not inherit it (O_CLOEXEC).
 * 0 with *fd, or -1 having said why on stderr. */
static int hold_lock(const char *path, const char *what, const char *where, int *fd)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0) {
        fprintf(stderr, "glued: cannot open %s to lock %s %s: %s\n", path, what, where, strerror(errno));
        return -1;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(*fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (errno == EWOULDBLOCK || errno == EAGAIN)
            fprintf(stderr,
                    "glued: another glued%s%s%s is serving %s %s (it holds %s): stop it first, or give this one "
                    "a %s of its own\n",
                    *pid ? " (process " : "", pid, *pid ? ")" : "", what, where, path,
                    strcmp(what, "the data directory") == 0 ? "--data" : "--store");
        else
            fprintf(stderr, "glued: cannot lock %s: %s\n", path, strerror(errno));
        close(*fd);
        *fd = -1;
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(*fd, 0) < 0 || pwrite(*fd, pid, (size_t)len, 0) != len)
        log_warn("cannot write this process's id into %s: %s", path, strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "logs") == 0)
        return cmd_logs(argc, argv);
    if (argc > 1 && cli_is_subcommand(argv[1]))
        return cli_main(argc, argv);
    const char *listen = "127.0.0.1:8080", *data = "./var", *region = "us-east-1", *account = "123456789012";
    const char *s3_root = NULL, *python = "python3", *store_target = NULL, *node_name = NULL, *awsglue_dir = NULL;
    const char *creds_path = NULL, *tls_cert_path = NULL, *tls_key_path = NULL, *tls_ca_path = NULL,
               *metrics_listen = NULL, *job_user = NULL;
    int64_t max_workflows = 10000, threads = 0, minute_ms = 0, clock_start = -1;
    int64_t lease_s = 15, max_jobs = 0, max_defs = 1000, retention_days = 90;
    double clock_rate = 1.0;
    bool insecure = false, s3_events = true, catch_up = false;
    bool test_mode = false;
    char err[512];
    if (runners_init(&runners, err, sizeof err) < 0) {
        fprintf(stderr, "glued: %s\n", err);
        return 1;
    }
    enum {
        O_LISTEN = 1,
        O_DATA,
        O_REGION,
        O_ACCOUNT,
        O_MAXWF,
        O_THREADS,
        O_LOG,
        O_HELP,
        O_VERSION,
        O_S3,
        O_PY,
        O_MIN,
        O_CREDS,
        O_INSECURE,
        O_TLS_CERT,
        O_TLS_KEY,
        O_TLS_CA,
        O_METRICS_LISTEN,
        O_STORE,
        O_CLOCK_RATE,
        O_CLOCK_START,
        O_NO_S3_EVENTS,
        O_CATCH_UP,
        O_NODE,
        O_LEASE,
        O_MAXJOBS,
        O_RUNNER,
        O_AWSGLUE,
        O_TEST,
        O_MAXDEFS,
        O_JOB_USER,
        O_RETENTION,
    };
    static const struct option longopts[] = {
        {"listen", required_argument, 0, O_LISTEN},
        {"data", required_argument, 0, O_DATA},
        {"region", required_argument, 0, O_REGION},
        {"account", required_argument, 0, O_ACCOUNT},
        {"max-workflows", required_argument, 0, O_MAXWF},
        {"threads", required_argument, 0, O_THREADS},
        {"log-level", required_argument, 0, O_LOG},
        {"help", no_argument, 0, O_HELP},
        {"version", no_argument, 0, O_VERSION},
        {"s3-root", required_argument, 0, O_S3},
        {"python", required_argument, 0, O_PY},
        {"job-minute-ms", required_argument, 0, O_MIN},
        {"credentials", required_argument, 0, O_CREDS},
        {"insecure", no_argument, 0, O_INSECURE},
        {"tls-cert", required_argument, 0, O_TLS_CERT},
        {"tls-key", required_argument, 0, O_TLS_KEY},
        {"tls-ca", required_argument, 0, O_TLS_CA},
        {"metrics-listen", required_argument, 0, O_METRICS_LISTEN},
        {"store", required_argument, 0, O_STORE},
        {"clock-rate", required_argument, 0, O_CLOCK_RATE},
        {"clock-start", required_argument, 0, O_CLOCK_START},
        {"no-s3-events", no_argument, 0, O_NO_S3_EVENTS},
        {"catch-up", no_argument, 0, O_CATCH_UP},
        {"node-name", required_argument, 0, O_NODE},
        {"node-lease-s", required_argument, 0, O_LEASE},
        {"max-jobs", required_argument, 0, O_MAXJOBS},
        {"runner", required_argument, 0, O_RUNNER},
        {"awsglue-dir", required_argument, 0, O_AWSGLUE},
        {"test-mode", no_argument, 0, O_TEST},
        {"max-definitions", required_argument, 0, O_MAXDEFS},
        {"job-user", required_argument, 0, O_JOB_USER},
        {"retention-days", required_argument, 0, O_RETENTION},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN: listen = optarg; break;
        case O_DATA: data = optarg; break;
        case O_STORE: store_target = optarg; break;
        case O_NODE: node_name = optarg; break;
        case O_LEASE:
            if (parse_count("--node-lease-s", optarg, &lease_s) < 0 || lease_s < 1 || lease_s > 3600) {
                fprintf(stderr, "glued: --node-lease-s must be 1 to 3600 seconds (got '%s')\n", optarg);
                return 2;
            }
            break;
        case O_MAXDEFS:
            if (parse_count("--max-definitions", optarg, &max_defs) < 0)
                return 2;
            break;
        case O_MAXJOBS:
            if (parse_count("--max-jobs", optarg, &max_jobs) < 0)
                return 2;
            break;
        case O_REGION: region = optarg; break;
        case O_ACCOUNT: account = optarg; break;
        case O_MAXWF:
            if (parse_count("--max-workflows", optarg, &max_workflows) < 0)
                return 2;
            break;
        case O_THREADS:
            if (parse_count("--threads", optarg, &threads) < 0)
                return 2;
            break;
        case O_S3: s3_root = optarg; break;
        case O_CREDS: creds_path = optarg; break;
        case O_INSECURE: insecure = true; break;
        case O_TLS_CERT: tls_cert_path = optarg; break;
        case O_TLS_KEY: tls_key_path = optarg; break;
        case O_TLS_CA: tls_ca_path = optarg; break;
        case O_METRICS_LISTEN: metrics_listen = optarg; break;
        case O_JOB_USER: job_user = optarg; break;
        case O_RETENTION:
            if (parse_count("--retention-days", optarg, &retention_days) < 0)
                return 2;
            if (retention_days > 100000) {
                fprintf(stderr, "glued: --retention-days must be 0 (keep for ever) to 100000 (got '%s')\n", optarg);
                return 2;
            }
            break;
        case O_PY: python = optarg; break;
        case O_RUNNER:
            if (runners_add(&runners, optarg, err, sizeof err) < 0) {
                fprintf(stderr, "glued: %s\n", err);
                return 2;
            }
            break;
        case O_AWSGLUE: awsglue_dir = optarg; break;
        case O_TEST: test_mode = true; break;
        case O_MIN:
            if (parse_count("--job-minute-ms", optarg, &minute_ms) < 0 || minute_ms == 0) {
                fprintf(stderr, "glued: --job-minute-ms must be at least 1\n");
                return 2;
            }
            break;
        case O_CLOCK_RATE: {
            char *end;
            errno = 0;
            clock_rate = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(clock_rate > 0 && clock_rate <= UTIL_CLOCK_RATE_MAX)) {
                fprintf(stderr, "glued: --clock-rate needs a number above 0 and at most %.0f (got '%s')\n",
                        UTIL_CLOCK_RATE_MAX, optarg);
                return 2;
            }
            break;
        }
        case O_CLOCK_START:
            if (util_parse_iso8601(optarg, &clock_start) < 0 || clock_start < 0) {
                fprintf(stderr,
                        "glued: --clock-start needs an ISO 8601 instant after 1970, e.g. 2030-01-01T00:00:00Z "
                        "(got '%s')\n",
                        optarg);
                return 2;
            }
            break;
        case O_NO_S3_EVENTS: s3_events = false; break;
        case O_CATCH_UP: catch_up = true; break;
        case O_LOG:
            if (strcmp(optarg, "debug") == 0)
                util_log_level(LOG_DEBUG);
            else if (strcmp(optarg, "info") == 0)
                util_log_level(LOG_INFO);
            else if (strcmp(optarg, "warn") == 0)
                util_log_level(LOG_WARN);
            else if (strcmp(optarg, "error") == 0)
                util_log_level(LOG_ERROR);
            else {
                fprintf(stderr, "glued: --log-level must be debug, info, warn or error (got '%s')\n", optarg);
                return 2;
            }
            break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        case O_VERSION: printf("glued %s (schema %d)\n", GLUED_VERSION, store_schema_latest()); return 0;
        default: fprintf(stderr, "glued: glued --help lists the options\n"); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "glued: unexpected argument '%s'; glued --help lists the options\n", argv[optind]);
        return 2;
    }
    char host[256];
    int port;
    if (parse_listen(listen, host, sizeof host, &port) < 0) {
        fprintf(stderr, "glued: --listen needs HOST:PORT, e.g. 127.0.0.1:8080 (got '%s')\n", listen);
        return 2;
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 4 ? 8 * n : 32; /* idle threads cost no memory to speak of; busy ones share commits */
    }
    if (!tls_cert_path != !tls_key_path) {
        fprintf(stderr, "glued: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (tls_ca_path && !tls_cert_path) {
        fprintf(stderr, "glued: --tls-ca names what jobs trust glued's --tls-cert with; give --tls-cert too\n");
        return 2;
    }
    /* Who jobs run as: a root glued must be told (a job is any program its callers name) */
    bool switch_user = false;
    uid_t job_uid = 0;
    gid_t job_gid = 0;
    char job_home[PATH_MAX] = "/";
    if (job_user) {
        struct passwd *pw = getpwnam(job_user);
        if (!pw) {
            fprintf(stderr, "glued: --job-user: there is no user named '%s'\n", job_user);
            return 2;
        }
        if (pw->pw_uid != geteuid()) {
            if (geteuid() != 0) {
                fprintf(stderr, "glued: --job-user %s needs glued to run as root (it runs as uid %u)\n", job_user,
                        (unsigned)geteuid());
                return 2;
            }
            switch_user = true;
            job_uid = pw->pw_uid;
            job_gid = pw->pw_gid;
            snprintf(job_home, sizeof job_home, "%s", pw->pw_dir ? pw->pw_dir : "/");
        }
    } else if (geteuid() == 0) {
        fprintf(stderr, "glued: glued runs as root, so say which user job processes run as: --job-user NAME (a user "
                        "with only the rights jobs need, e.g. nobody), or --job-user root to run them as root. See "
                        "the README, \"Running glued for others\".\n");
        return 2;
    }
    char mhost[256];
    int mport = 0;
    if (metrics_listen && parse_listen(metrics_listen, mhost, sizeof mhost, &mport) < 0) {
        fprintf(stderr, "glued: --metrics-listen needs HOST:PORT, e.g. 127.0.0.1:9090 (got '%s')\n", metrics_listen);
        return 2;
    }

    if (clock_rate != 1.0 || clock_start >= 0)
        util_clock_set(clock_start, clock_rate); /* before any thread: every timestamp follows it */

    sdnotify_init();
    /* Signals are taken synchronously by the main thread; every thread started after this inherits the mask.
     * SIGCHLD is taken by the engine's thread alone (it unblocks it), so that no other thread is interrupted. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    sigset_t blocked = sigs; /* sigwait below waits for sigs; SIGCHLD is not for it */
    sigaddset(&blocked, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1, fd = -1, mfd = -1, bound = 0, mbound = 0, lock_fd = -1, db_lock_fd = -1;
    gerr_t e = {0};
    store_t *store = NULL;
    auth_t *auth = NULL;
    http_server_t *http = NULL, *mhttp = NULL;
    engine_t *engine = NULL;
    console_t *console = NULL;
    char *tls_cert = NULL, *tls_key = NULL, ca[PATH_MAX];
    if (tls_cert_path && (!(tls_cert = read_small("the TLS certificate", tls_cert_path, err, sizeof err)) ||
                          !(tls_key = read_small("the TLS key", tls_key_path, err, sizeof err)))) {
        fprintf(stderr, "glued: %s\n", err);
        goto out;
    }
    if (tls_cert_path && !realpath(tls_ca_path ? tls_ca_path : tls_cert_path, ca)) {
        fprintf(stderr, "glued: cannot resolve %s: %s\n", tls_ca_path ? tls_ca_path : tls_cert_path, strerror(errno));
        goto out;
    }
    if (store_target && strncmp(store_target, "sqlite:", 7) != 0 && strncmp(store_target, "postgresql://", 13) != 0 &&
        strncmp(store_target, "postgres://", 11) != 0) {
        fprintf(stderr, "glued: --store needs postgresql://... or sqlite:PATH (got '%s')\n", store_target);
        rc = 2;
        goto out;
    }
    http_opts_t ho = {.host = host,
                      .port = port,
                      .threads = (unsigned)threads,
                      .tls_cert = tls_cert,
                      .tls_key = tls_key,
                      .metrics = !metrics_listen,
                      .api = true};
    http_opts_t mo = {.host = mhost, .port = mport, .threads = 1, .metrics = true};
    if ((fd = http_bind(&ho, &bound, err, sizeof err)) < 0 ||
        (metrics_listen && (mfd = http_bind(&mo, &mbound, err, sizeof err)) < 0)) {
        fprintf(stderr, "glued: %s\n", err);
        goto out;
    }
    if (!creds_path && !insecure && !http_is_loopback(fd)) { /* before anything is made on disk */
        fprintf(stderr,
                "glued: refusing to serve %s:%d without --credentials: anyone who reaches it could start jobs, "
                "and a job is a program that runs on this machine. Give --credentials FILE (see README, "
                "\"Running glued for others\"), or --insecure if the network is yours alone.\n",
                host, bound);
        rc = 2;
        goto out;
    }
    if (util_mkdirs(data) < 0) {
        fprintf(stderr, "glued: cannot use the data directory %s: %s\n", data, strerror(errno));
        goto out;
    }
    /* before the store is opened and recovery runs: a second glued must not take the first one's work */
    char lockpath[PATH_MAX + 16];
    snprintf(lockpath, sizeof lockpath, "%s/glued.lock", data);
    if (hold_lock(lockpath, "the data directory", data, &lock_fd) < 0)
        goto out;
    char db[PATH_MAX];
    if (store_sqlite_path(store_target ? store_target : data, db, sizeof db)) { /* SQLite: its database too */
        snprintf(lockpath, sizeof lockpath, "%s.lock", db);
        char *slash = strrchr(db, '/');
        if (slash && slash != db) { /* its directory, as store_open would make it */
            *slash = '\0';
            util_mkdirs(db);
            *slash = '/';
        }
        if (hold_lock(lockpath, "the database", db, &db_lock_fd) < 0)
            goto out;
    }
    metrics_process_init();
    if (store_open(store_target ? store_target : data, NULL, &store, err, sizeof err) < 0) {
        fprintf(stderr, "glued: %s\n", err);
        goto out;
    }
    metrics_collector(store_facts, store);
    if (creds_path && auth_open(creds_path, store, &auth, err, sizeof err) < 0) {
        fprintf(stderr, "glued: %s\n", err);
        goto out;
    }
    ho.auth = auth;
    api_t api = {.store = store,
                 .cfg = {.region = region,
                         .account = account,
                         .max_workflows = max_workflows,
                         .max_jobs = max_defs,
                         .max_triggers = max_defs,
                         .max_crawlers = max_defs,
                         .test_mode = test_mode}};
    const char *shown = strchr(host, ':') ? "[%s]" : "%s";
    const char *scheme = tls_cert ? "https" : "http";
    char hostpart[300], url[400], s3buf[4096];
    /* jobs reach glued on loopback when it listens on every address */
    const char *job_host = strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : strcmp(host, "::") == 0 ? "::1" : host;
    snprintf(hostpart, sizeof hostpart, shown, job_host);
    snprintf(url, sizeof url, "%s://%s:%d", scheme, hostpart, bound);
    if (!s3_root) {
        snprintf(s3buf, sizeof s3buf, "%s/s3", data);
        s3_root = s3buf;
    }
    char host_name[256] = "local";
    if (!node_name) {
        gethostname(host_name, sizeof host_name - 1);
        node_name = host_name;
    }
    if (!*node_name || strlen(node_name) > 200) {
        fprintf(stderr, "glued: --node-name must be 1 to 200 characters\n");
        rc = 2;
        goto out;
    }
    char awsglue_buf[4096];
    if (!awsglue_dir) {
        if (find_awsglue(awsglue_buf, sizeof awsglue_buf) == 0)
            awsglue_dir = awsglue_buf;
        else
            log_warn("the awsglue package was not found next to the binary; Python jobs get none (give its "
                     "directory with --awsglue-dir)");
    } else if (strcmp(awsglue_dir, "none") == 0) {
        awsglue_dir = NULL;
    }
    engine_config_t ec = {.url = url,
                          .region = region,
                          .data_dir = data,
                          .s3_root = s3_root,
                          .python = python,
                          .awsglue_dir = awsglue_dir,
                          .runners = &runners,
                          .ca_bundle = tls_cert ? ca : NULL,
                          .minute_ms = minute_ms,
                          .s3_events = s3_events,
                          .account = account,
                          .catch_up = catch_up,
                          .node = node_name,
                          .max_jobs = max_jobs,
                          .lease_ms = lease_s * 1000,
                          .switch_user = switch_user,
                          .job_uid = job_uid,
                          .job_gid = job_gid,
                          .job_user = job_user,
                          .job_home = job_home,
                          .retention_ms = retention_days * 86400000LL};
    if (engine_start(store, &ec, &engine, &e) < 0) {
        fprintf(stderr, "glued: %s\n", e.msg);
        goto out;
    }
    api.engine = engine;
    api.flow = *engine_flow(engine);
    console_opts_t co = {.api = &api,
                         .data_dir = data,
                         .auth = auth ? auth_console_check : NULL,
                         .auth_ctx = auth,
                         .tls = tls_cert != NULL};
    if (!(console = console_new(&co))) {
        fprintf(stderr, "glued: out of memory starting the console\n");
        goto out;
    }
    ho.console = console;
    ho.port = bound;
    mo.port = mbound;
    int started = http_start(&api, &ho, fd, &http, err, sizeof err);
    fd = -1; /* http_start owns it now, whatever happened */
    if (started == 0 && metrics_listen) {
        started = http_start(&api, &mo, mfd, &mhttp, err, sizeof err);
        mfd = -1;
    }
    if (started < 0) {
        fprintf(stderr, "glued: %s\n", err);
        goto out;
    }
    snprintf(hostpart, sizeof hostpart, shown, host);
    printf("glued listening on %s://%s:%d\n", scheme, hostpart, bound);
    if (metrics_listen)
        printf("glued metrics on http://%s%s%s:%d/metrics\n", strchr(mhost, ':') ? "[" : "", mhost,
               strchr(mhost, ':') ? "]" : "", mbound);
    fflush(stdout);
    char status[512];
    snprintf(status, sizeof status, "READY=1\nSTATUS=serving %s://%s:%d\nMAINPID=%ld", scheme, hostpart, bound,
             (long)getpid());
    if (sdnotify_send(status) < 0)
        log_warn("cannot tell systemd glued is ready ($NOTIFY_SOCKET): %s", strerror(errno));
    if (clock_rate != 1.0 || clock_start >= 0)
        log_info("test clock: glued's time runs %g times real time", clock_rate);
    log_info("glued %s serving %s:%d%s%s, data in %s, %s store (schema v%d); web console at %s://%s:%d/console/",
             GLUED_VERSION, host, bound, tls_cert ? " over TLS" : "", auth ? ", signatures checked" : "", data,
             store_backend_name(store), store_schema_version(store), scheme, hostpart, bound);

    for (;;) {
        int sig = 0;
        sigwait(&sigs, &sig);
        if (sig != SIGHUP) {
            log_info("received %s; shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            sdnotify_send("STOPPING=1");
            break;
        }
        size_t n = 0;
        if (!auth)
            log_info("received SIGHUP; no --credentials to re-read");
        else if (auth_reload(auth, &n, err, sizeof err) < 0)
            log_error("received SIGHUP; keeping the keys in use: %s", err);
        else
            log_info("received SIGHUP; %zu access keys from %s", n, creds_path);
    }
    rc = 0;
out:
    http_stop(mhttp);
    http_stop(http);
    console_free(console);
    engine_stop(engine);
    auth_free(auth);
    store_close(store);
    if (fd >= 0)
        close(fd);
    if (mfd >= 0)
        close(mfd);
    if (db_lock_fd >= 0)
        close(db_lock_fd);
    if (lock_fd >= 0)
        close(lock_fd); /* last: the store is closed */
    runners_cleanup(&runners);
    free(tls_cert);
    if (tls_key) {
        memset(tls_key, 0, strlen(tls_key));
        free(tls_key);
    }
    if (rc == 0)
        log_info("stopped cleanly");
    return rc;
}
