/* glued's client subcommands: `glued run`, `status`, `export` and `import` talk to a running glued over HTTP,
 * like any AWS client (client.h), and print for people. Exit statuses: 0 success, 1 the work failed (a job of
 * the run, a call of the import), 2 a usage or connection error or an unknown workflow. */
#ifndef GLUED_CLI_H
#define GLUED_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/client.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* Whether argv[1] names a client subcommand. */
bool cli_is_subcommand(const char *name);
/* Runs the subcommand argv[1] with its options argv[2..]; returns the exit status. */
int cli_main(int argc, char **argv);

/* The subcommands (run.c, status.c, transfer.c); argv[0] is the subcommand's name. */
int cli_run(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_import(int argc, char **argv);

/* Shared pieces (cli.c). */
/* Reads `--endpoint URL` or `--endpoint=URL` at argv[*i] (advancing *i); 1 if it was one, 0 if not, -1 if its
 * value is missing. */
int cli_endpoint_opt(int argc, char **argv, int *i, const char **endpoint);
/* Reads the arguments of a subcommand that takes --endpoint and at most one operand (with stdin_ok, "-" is one):
 * 0, or -1 for anything else (the caller prints its usage). */
int cli_operand_args(int argc, char **argv, bool stdin_ok, const char **endpoint, const char **operand);
/* A client for the endpoint (after client_default_endpoint), or NULL with a message printed. */
client_t *cli_connect(const char *cmd, const char *endpoint);
/* Prints a failed call: "glued CMD: OP: Type: message" or "glued CMD: cannot reach ...". Returns CLI_USAGE for
 * an unreachable endpoint or one that is not glued, else CLI_FAILED. */
int cli_report(const char *cmd, const char *op, const client_err_t *e);
/* A Glue timestamp (epoch seconds) as local "YYYY-MM-DD HH:MM:SS" into out (at least 20 bytes); "-" if absent. */
void cli_time(json_t *ts, char *out, size_t outlen);
/* A duration in seconds as "3.2s", "4m05s" or "2h03m". */
void cli_duration(double seconds, char *out, size_t outlen);
/* The characters of UTF-8 s (its width in a column), counted as the bytes that do not continue one. */
size_t cli_width(const char *s);

#endif
