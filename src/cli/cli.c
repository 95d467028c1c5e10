/* Dispatch and shared pieces of the client subcommands (see cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/error.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
} subcommands[] = {
    {"run", cli_run},
    {"status", cli_status},
    {"export", cli_export},
    {"import", cli_import},
};

bool cli_is_subcommand(const char *name)
{
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(subcommands[i].name, name) == 0)
            return true;
    return false;
}

int cli_main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(subcommands[i].name, argv[1]) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "glued: unknown subcommand '%s'\n", argv[1]);
    return CLI_USAGE;
}

int cli_endpoint_opt(int argc, char **argv, int *i, const char **endpoint)
{
    const char *a = argv[*i];
    if (strcmp(a, "--endpoint") == 0 || strcmp(a, "--endpoint-url") == 0) {
        if (*i + 1 >= argc)
            return -1;
        *endpoint = argv[++*i];
        return 1;
    }
    if (strncmp(a, "--endpoint=", 11) == 0) {
        *endpoint = a + 11;
        return 1;
    }
    if (strncmp(a, "--endpoint-url=", 15) == 0) {
        *endpoint = a + 15;
        return 1;
    }
    return 0;
}

int cli_operand_args(int argc, char **argv, bool stdin_ok, const char **endpoint, const char **operand)
{
    for (int i = 1; i < argc; i++) {
        int r = cli_endpoint_opt(argc, argv, &i, endpoint);
        if (r > 0)
            continue;
        if (r == 0 && !*operand && (argv[i][0] != '-' || (stdin_ok && strcmp(argv[i], "-") == 0))) {
            *operand = argv[i];
            continue;
        }
        return -1;
    }
    return 0;
}

client_t *cli_connect(const char *cmd, const char *endpoint)
{
    const char *url = client_default_endpoint(endpoint);
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        fprintf(stderr, "glued %s: the endpoint must be an http:// or https:// URL (got '%s')\n", cmd, url);
        return NULL;
    }
    client_t *c = client_new(url);
    if (!c)
        fprintf(stderr, "glued %s: cannot start the HTTP client: %s\n", cmd,
                client_load_error() ? client_load_error() : "libcurl failed to start");
    return c;
}

int cli_report(const char *cmd, const char *op, const client_err_t *e)
{
    if (!e->type[0]) {
        fprintf(stderr, "glued %s: %s\n", cmd, e->msg);
        return CLI_USAGE;
    }
    fprintf(stderr, "glued %s: %s: %s: %s\n", cmd, op, e->type, e->msg);
    static const char *const auth[] = {GERR_MISSING_AUTH, GERR_UNRECOGNIZED_CLIENT, GERR_INVALID_SIG,
                                       GERR_INCOMPLETE_SIG};
    for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++)
        if (strcmp(e->type, auth[i]) == 0) { /* glued would not take the call: like a connection error */
            fprintf(stderr,
                    "glued %s: this glued checks signatures: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                    "to a key pair of its credentials file\n",
                    cmd);
            return CLI_USAGE;
        }
    return CLI_FAILED;
}

void cli_time(json_t *ts, char *out, size_t outlen)
{
    if (!json_is_number(ts)) {
        snprintf(out, outlen, "-");
        return;
    }
    time_t t = (time_t)json_number_value(ts);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}

void cli_duration(double s, char *out, size_t outlen)
{
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(out, outlen, "%.1fs", s);
    else if (s < 3600)
        snprintf(out, outlen, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(out, outlen, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

size_t cli_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}
