/* Runners: which program runs a job, per Command.Name, and how its argv is made. A runner is a command
 * template given as `--runner NAME=TEMPLATE`, split into words once at start-up (util/words.h) and checked:
 * only the placeholders {script}, {args}, {extra_py_files}, {python} and {job_run_id} exist, and {args} is a
 * word of its own. At each job run the template's words are expanded in one pass: a placeholder becomes its
 * value, {args} becomes one word per argument; values are never split, expanded or substituted again.
 *
 * It also reads the job arguments that change a job's environment: --extra-py-files (files put on PYTHONPATH)
 * and --additional-python-modules (modules that must be importable; wheels among them join PYTHONPATH).
 * Pure functions of their arguments (and the files they stat); the engine thread calls them. */
#ifndef GLUED_RUNNER_H
#define GLUED_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/words.h"

#define RUNNER_MAX        32 /* --runner options */
#define RUNNER_MAX_FILES  64 /* entries in --extra-py-files or --additional-python-modules */
#define RUNNER_DEFAULT_SH "/bin/sh {script} {args}"
#define RUNNER_DEFAULT_PY "{python} {script} {args}"

typedef struct runner {
    char *name;     /* Command.Name it serves */
    char *template; /* as given, for messages */
    words_t words;
} runner_t;

/* Every runner glued knows: the defaults ("shell" and the Python one) and those given with --runner. */
typedef struct runners {
    runner_t v[RUNNER_MAX];
    size_t n;
    runner_t shell, python; /* the defaults */
} runners_t;

/* Sets up the defaults. */
int runners_init(runners_t *rs, char *err, size_t errlen);
/* Adds one `NAME=TEMPLATE` (a later NAME replaces an earlier one). -1 with a message naming the problem:
 * no '=', a bad name, a quote left open, an unknown placeholder, {args} inside a word, an empty template. */
int runners_add(runners_t *rs, const char *spec, char *err, size_t errlen);
void runners_cleanup(runners_t *rs);
/* The runner for a Command.Name: one given with --runner, else /bin/sh for "shell", else the Python one. */
const runner_t *runners_find(const runners_t *rs, const char *command_name);

typedef struct runner_values {
    const char *script;         /* the script's local path */
    const char *python;         /* the --python program */
    const char *job_run_id;     /* the job run's id */
    const char *extra_py_files; /* comma-separated local paths ("" when none) */
    char *const *args;          /* the script's arguments, from --JOB_NAME on */
    size_t nargs;
} runner_values_t;

/* The argv for one job run: a NULL-terminated array of *argc new strings (free with runner_argv_free). */
char **runner_expand(const runner_t *r, const runner_values_t *vals, size_t *argc);
void runner_argv_free(char **argv, size_t argc);

/* What --extra-py-files and --additional-python-modules ask of a job run's environment. */
typedef struct runner_pyenv {
    char *extra_py_files; /* the comma-separated local paths of --extra-py-files, for {extra_py_files} */
    char **path;          /* PYTHONPATH entries, in order, without duplicates */
    size_t npath;
    char **modules; /* module names that must be importable (versions and extras removed) */
    size_t nmodules;
} runner_pyenv_t;

/* Reads the two arguments (either may be NULL). Local paths (absolute, file:// or s3:// under s3_root) must
 * be .py, .zip, .whl or .egg files that exist; a .py file puts its directory on the path, the others
 * themselves. -1 with a message naming the argument and the entry that is wrong. */
int runner_pyenv(const char *extra_py_files, const char *additional_modules, const char *s3_root, runner_pyenv_t *out,
                 char *err, size_t errlen);
void runner_pyenv_cleanup(runner_pyenv_t *p);

/* The Python program (for `python -c`) that checks that every module named after it is importable in the
 * job's own environment, then executes the job's real argv: argv = python -c CODE N mod1..modN prog args...
 * A missing module ends it with status 1 and a last stderr line that names the module. */
extern const char RUNNER_MODULE_CHECK[];

#endif
