/* Runners and the Python environment of a job run (see runner.h). Reading order: placeholders, the runner
 * table, expansion, then --extra-py-files and --additional-python-modules. */
#include "engine/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/s3root.h"

/* ---- placeholders ---- */

enum { PH_SCRIPT, PH_ARGS, PH_EXTRA, PH_PYTHON, PH_JOBRUN, PH_COUNT };
static const char *const placeholders[PH_COUNT] = {"script", "args", "extra_py_files", "python", "job_run_id"};

static bool ident_char(char c, bool first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* If s starts with "{identifier}", its length (braces included), with the identifier in *name and *nlen. */
static size_t brace_ident(const char *s, const char **name, size_t *nlen)
{
    if (s[0] != '{' || !ident_char(s[1], true))
        return 0;
    size_t k = 1;
    while (ident_char(s[k], false))
        k++;
    if (s[k] != '}')
        return 0;
    *name = s + 1;
    *nlen = k - 1;
    return k + 1;
}

static int placeholder_index(const char *name, size_t nlen)
{
    for (int i = 0; i < PH_COUNT; i++)
        if (strlen(placeholders[i]) == nlen && memcmp(placeholders[i], name, nlen) == 0)
            return i;
    return -1;
}

/* ---- the table ---- */

static void runner_cleanup(runner_t *r)
{
    free(r->name);
    free(r->template);
    words_cleanup(&r->words);
    memset(r, 0, sizeof *r);
}

/* Splits and checks a template into r (name and template copied). */
static int runner_parse(runner_t *r, const char *name, const char *template, char *err, size_t errlen)
{
    char why[256];
    memset(r, 0, sizeof *r);
    if (words_split(template, &r->words, why, sizeof why) < 0) {
        snprintf(err, errlen, "--runner %s: cannot split the template into words: %s", name, why);
        return -1;
    }
    if (r->words.n == 0) {
        snprintf(err, errlen, "--runner %s: the template is empty; it needs at least a program", name);
        goto fail;
    }
    for (size_t i = 0; i < r->words.n; i++) {
        const char *w = r->words.v[i];
        for (const char *p = w; *p; p++) {
            const char *id;
            size_t idlen, k = brace_ident(p, &id, &idlen);
            if (!k)
                continue;
            int ph = placeholder_index(id, idlen);
            if (ph < 0) {
                snprintf(err, errlen,
                         "--runner %s: unknown placeholder {%.*s} in word '%.200s'; the placeholders are {script}, "
                         "{args}, {extra_py_files}, {python} and {job_run_id} (no shell runs the command, so "
                         "nothing else is expanded)",
                         name, (int)idlen, id, w);
                goto fail;
            }
            if (ph == PH_ARGS && strcmp(w, "{args}") != 0) {
                snprintf(err, errlen,
                         "--runner %s: {args} must be a word of its own (it becomes one word per argument), "
                         "not part of '%.200s'",
                         name, w);
                goto fail;
            }
            if (i == 0 && ph == PH_ARGS) {
                snprintf(err, errlen, "--runner %s: the first word is the program to run; it cannot be {args}", name);
                goto fail;
            }
            p += k - 1;
        }
    }
    r->name = strdup(name);
    r->template = strdup(template);
    return 0;
fail:
    words_cleanup(&r->words);
    return -1;
}

int runners_init(runners_t *rs, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    if (runner_parse(&rs->shell, "shell", RUNNER_DEFAULT_SH, err, errlen) < 0 ||
        runner_parse(&rs->python, "python", RUNNER_DEFAULT_PY, err, errlen) < 0) {
        runners_cleanup(rs);
        return -1;
    }
    return 0;
}

int runners_add(runners_t *rs, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        snprintf(err, errlen,
                 "--runner needs NAME=TEMPLATE, e.g. --runner glueetl='spark-submit {script} {args}' (got '%.200s')",
                 spec);
        return -1;
    }
    size_t nlen = (size_t)(eq - spec);
    for (size_t i = 0; i < nlen; i++) {
        char c = spec[i];
        if (!(ident_char(c, false) || c == '-' || c == '.') || nlen > 255) {
            snprintf(err, errlen,
                     "--runner: NAME (a Command.Name such as glueetl or pythonshell) may hold letters, digits, '_', "
                     "'-' and '.' (got '%.*s')",
                     (int)(nlen > 200 ? 200 : nlen), spec);
            return -1;
        }
    }
    char name[256];
    memcpy(name, spec, nlen);
    name[nlen] = '\0';
    runner_t r;
    if (runner_parse(&r, name, eq + 1, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].name, name) == 0) {
            runner_cleanup(&rs->v[i]);
            rs->v[i] = r;
            return 0;
        }
    if (rs->n >= RUNNER_MAX) {
        snprintf(err, errlen, "--runner: at most %d runners", RUNNER_MAX);
        runner_cleanup(&r);
        return -1;
    }
    rs->v[rs->n++] = r;
    return 0;
}

void runners_cleanup(runners_t *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        runner_cleanup(&rs->v[i]);
    runner_cleanup(&rs->shell);
    runner_cleanup(&rs->python);
    rs->n = 0;
}

const runner_t *runners_find(const runners_t *rs, const char *command_name)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].name, command_name) == 0)
            return &rs->v[i];
    return strcmp(command_name, "shell") == 0 ? &rs->shell : &rs->python;
}

/* ---- expansion ---- */

static const char *value_of(int ph, const runner_values_t *v)
{
    switch (ph) {
    case PH_SCRIPT: return v->script;
    case PH_EXTRA: return v->extra_py_files ? v->extra_py_files : "";
    case PH_PYTHON: return v->python;
    case PH_JOBRUN: return v->job_run_id;
    default: return "";
    }
}

/* One template word with its placeholders replaced, in one pass over the template (values are copied, never
 * scanned). */
static char *expand_word(const char *w, const runner_values_t *vals)
{
    size_t cap = strlen(w) + 1;
    for (const char *p = w; *p; p++) {
        const char *id;
        size_t idlen, k = brace_ident(p, &id, &idlen);
        int ph = k ? placeholder_index(id, idlen) : -1;
        if (ph >= 0) {
            cap += strlen(value_of(ph, vals));
            p += k - 1;
        }
    }
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (const char *p = w; *p;) {
        const char *id;
        size_t idlen, k = brace_ident(p, &id, &idlen);
        int ph = k ? placeholder_index(id, idlen) : -1;
        if (ph >= 0) {
            const char *val = value_of(ph, vals);
            size_t vl = strlen(val);
            memcpy(o, val, vl);
            o += vl;
            p += k;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

char **runner_expand(const runner_t *r, const runner_values_t *vals, size_t *argc)
{
    size_t cap = r->words.n + vals->nargs + 1, n = 0;
    char **v = calloc(cap, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->words.n; i++) {
        const char *w = r->words.v[i];
        if (strcmp(w, "{args}") == 0) {
            for (size_t k = 0; k < vals->nargs; k++)
                if (!(v[n++] = strdup(vals->args[k])))
                    goto fail;
        } else if (!(v[n++] = expand_word(w, vals))) {
            goto fail;
        }
    }
    *argc = n;
    return v;
fail:
    runner_argv_free(v, n);
    return NULL;
}

void runner_argv_free(char **argv, size_t argc)
{
    if (!argv)
        return;
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* ---- --extra-py-files and --additional-python-modules ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int push_str(char ***v, size_t *n, const char *s, size_t len)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = strndup(s, len)))
        return -1;
    (*n)++;
    return 0;
}

/* Adds a PYTHONPATH entry unless it is there already. */
static int add_path(runner_pyenv_t *p, const char *entry, size_t len)
{
    for (size_t i = 0; i < p->npath; i++)
        if (strlen(p->path[i]) == len && memcmp(p->path[i], entry, len) == 0)
            return 0;
    return push_str(&p->path, &p->npath, entry, len);
}

/* Resolves one file entry (absolute path, file:// or s3:// URL) to a local file that exists and has one of
 * the allowed suffixes (NULL-terminated). */
static int resolve_file(const char *arg, const char *entry, const char *s3_root, const char *const *suffixes, char *out,
                        size_t outlen, char *err, size_t errlen)
{
    if (strncmp(entry, "s3://", 5) == 0) {
        /* only inside the s3 root (crawler.h): a URL that climbs out or a link that leads out is refused */
        char why[1024];
        int rc = s3root_resolve(s3_root, entry, out, outlen, why, sizeof why);
        if (rc == S3ROOT_INVALID) {
            snprintf(err, errlen, "%s: '%.300s' is not a valid s3://bucket/key URL", arg, entry);
            return -1;
        }
        if (rc == S3ROOT_OUTSIDE) {
            snprintf(err, errlen, "%s: %.900s", arg, why);
            return -1;
        }
        if (rc == S3ROOT_MISSING) /* said below, with the path looked for */
            snprintf(out, outlen, "%s/%s", s3_root, entry + 5);
    } else if (strncmp(entry, "file://", 7) == 0 && entry[7] == '/') {
        snprintf(out, outlen, "%s", entry + 7);
    } else if (entry[0] == '/') {
        snprintf(out, outlen, "%s", entry);
    } else {
        snprintf(err, errlen, "%s: '%.300s' must be an s3:// URL, a file:// URL or an absolute path", arg, entry);
        return -1;
    }
    bool ok = false;
    for (size_t i = 0; suffixes[i]; i++)
        ok = ok || ends_with(entry, suffixes[i]); /* the name given: out may be where a link leads */
    if (!ok) {
        snprintf(err, errlen, "%s: '%.300s' must name a %s file", arg, entry,
                 suffixes[1] ? ".py, .zip, .whl or .egg" : ".whl");
        return -1;
    }
    struct stat sb;
    if (stat(out, &sb) < 0 || !S_ISREG(sb.st_mode) || access(out, R_OK) < 0) {
        snprintf(err, errlen, "%s: '%.300s' not found (looked for %.600s)", arg, entry, out);
        return -1;
    }
    return 0;
}

/* Calls fn on each trimmed, non-empty comma-separated entry of list. */
typedef int (*entry_fn)(const char *entry, void *ctx, char *err, size_t errlen);
static int each_entry(const char *arg, const char *list, entry_fn fn, void *ctx, char *err, size_t errlen)
{
    size_t count = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchrnul(p, ',');
        const char *s = p, *e = end;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s) {
            if (++count > RUNNER_MAX_FILES) {
                snprintf(err, errlen, "%s: at most %d entries", arg, RUNNER_MAX_FILES);
                return -1;
            }
            char *entry = strndup(s, (size_t)(e - s));
            int rc = entry ? fn(entry, ctx, err, errlen) : -1;
            free(entry);
            if (rc < 0)
                return -1;
        }
        if (!*end)
            return 0;
        p = end + 1;
    }
}

typedef struct pyenv_ctx {
    runner_pyenv_t *p;
    const char *s3_root;
    size_t files_len;
} pyenv_ctx_t;

static int on_extra_file(const char *entry, void *ctx, char *err, size_t errlen)
{
    pyenv_ctx_t *c = ctx;
    static const char *const suffixes[] = {".py", ".zip", ".whl", ".egg", NULL};
    char local[4096];
    if (resolve_file("--extra-py-files", entry, c->s3_root, suffixes, local, sizeof local, err, errlen) < 0)
        return -1;
    /* the comma-separated list for {extra_py_files} */
    size_t ll = strlen(local);
    char *files = realloc(c->p->extra_py_files, c->files_len + ll + 2);
    if (!files)
        return -1;
    c->p->extra_py_files = files;
    if (c->files_len)
        files[c->files_len++] = ',';
    memcpy(files + c->files_len, local, ll + 1);
    c->files_len += ll;
    if (ends_with(local, ".py")) {
        const char *slash = strrchr(local, '/');
        return add_path(c->p, local, slash == local ? 1 : (size_t)(slash - local));
    }
    return add_path(c->p, local, ll);
}

static int on_module(const char *entry, void *ctx, char *err, size_t errlen)
{
    pyenv_ctx_t *c = ctx;
    if (strncmp(entry, "s3://", 5) == 0 || strncmp(entry, "file://", 7) == 0 || entry[0] == '/' ||
        ends_with(entry, ".whl")) {
        static const char *const suffixes[] = {".whl", NULL};
        char local[4096];
        if (resolve_file("--additional-python-modules", entry, c->s3_root, suffixes, local, sizeof local, err, errlen) <
            0)
            return -1;
        return add_path(c->p, local, strlen(local));
    }
    /* a requirement such as "pandas==2.1.0", "scikit-learn>=1.0" or "requests[socks]": its name */
    size_t n = 0;
    while (entry[n] && (ident_char(entry[n], false) || entry[n] == '-' || entry[n] == '.'))
        n++;
    size_t rest = n;
    while (entry[rest] == ' ')
        rest++;
    if (n == 0 || (entry[rest] && !strchr("=<>!~[;", entry[rest]))) {
        snprintf(err, errlen, "--additional-python-modules: '%.300s' is not a module name (with an optional version)",
                 entry);
        return -1;
    }
    return push_str(&c->p->modules, &c->p->nmodules, entry, n);
}

int runner_pyenv(const char *extra_py_files, const char *additional_modules, const char *s3_root, runner_pyenv_t *out,
                 char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    pyenv_ctx_t c = {.p = out, .s3_root = s3_root};
    if (extra_py_files && each_entry("--extra-py-files", extra_py_files, on_extra_file, &c, err, errlen) < 0)
        goto fail;
    if (additional_modules &&
        each_entry("--additional-python-modules", additional_modules, on_module, &c, err, errlen) < 0)
        goto fail;
    if (!out->extra_py_files && !(out->extra_py_files = strdup("")))
        goto fail;
    return 0;
fail:
    if (!*err)
        snprintf(err, errlen, "out of memory");
    runner_pyenv_cleanup(out);
    return -1;
}

void runner_pyenv_cleanup(runner_pyenv_t *p)
{
    if (!p)
        return;
    free(p->extra_py_files);
    runner_argv_free(p->path, p->npath);
    runner_argv_free(p->modules, p->nmodules);
    memset(p, 0, sizeof *p);
}

/* Run as `python -c RUNNER_MODULE_CHECK N mod1 .. modN program args...` in the job's environment: a module is
 * there when an installed distribution has its name or an import finds it ("-" read as "_"). */
const char RUNNER_MODULE_CHECK[] =
    "import sys, os, importlib.util\n"
    "from importlib import metadata\n"
    "n = int(sys.argv[1]); mods = sys.argv[2:2 + n]; cmd = sys.argv[2 + n:]\n"
    "def present(m):\n"
    "    try:\n"
    "        metadata.distribution(m)\n"
    "        return True\n"
    "    except Exception:\n"
    "        pass\n"
    "    try:\n"
    "        return importlib.util.find_spec(m.replace('-', '_')) is not None\n"
    "    except Exception:\n"
    "        return False\n"
    "missing = [m for m in mods if not present(m)]\n"
    "if missing:\n"
    "    one = len(missing) == 1\n"
    "    sys.stderr.write('--additional-python-modules: %s %s not installed for %s (glued installs nothing: install '\n"
    "                     '%s for that Python, or put %s on --extra-py-files)\\n' % (', '.join(repr(m) for m in "
    "missing),\n"
    "                     'is' if one else 'are', sys.executable, 'it' if one else 'them', 'it' if one else 'them'))\n"
    "    sys.exit(1)\n"
    "sys.stdout.flush()\n"
    "os.execv(cmd[0], cmd)\n";
