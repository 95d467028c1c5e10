/* Unit tests for src/engine/runner: --runner templates (parsing, refusals, which runner serves which
 * Command.Name), one-pass expansion, and the files and modules of --extra-py-files and
 * --additional-python-modules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runner.h"

static void expect_argv(char **got, size_t n, const char *const *want)
{
    size_t k = 0;
    while (want[k])
        k++;
    ck_assert_msg(n == k, "%zu words, want %zu", n, k);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(got[i], want[i]) == 0, "word %zu is '%s', want '%s'", i, got[i], want[i]);
    ck_assert_ptr_null(got[n]);
}

START_TEST(test_defaults)
{
    runners_t rs;
    char err[512];
    ck_assert_int_eq(runners_init(&rs, err, sizeof err), 0);
    char *args[] = {"--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--k", "v w"};
    runner_values_t v = {.script = "/s/x.py", .python = "python3", .job_run_id = "jr_1", .args = args, .nargs = 6};
    size_t n;
    char **argv = runner_expand(runners_find(&rs, "pythonshell"), &v, &n);
    expect_argv(argv, n,
                (const char *const[]){"python3", "/s/x.py", "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--k", "v w",
                                      NULL});
    runner_argv_free(argv, n);
    argv = runner_expand(runners_find(&rs, "shell"), &v, &n);
    ck_assert_str_eq(argv[0], "/bin/sh");
    ck_assert_str_eq(argv[1], "/s/x.py");
    ck_assert_uint_eq(n, 8);
    runner_argv_free(argv, n);
    /* every other Command.Name gets the Python runner */
    ck_assert_ptr_eq(runners_find(&rs, "glueetl"), runners_find(&rs, "gluestreaming"));
    ck_assert_str_eq(runners_find(&rs, "glueray")->template, RUNNER_DEFAULT_PY);
    runners_cleanup(&rs);
}
END_TEST

START_TEST(test_spark_style_template)
{
    runners_t rs;
    char err[512];
    ck_assert_int_eq(runners_init(&rs, err, sizeof err), 0);
    ck_assert_int_eq(
        runners_add(&rs, "glueetl=spark-submit --master 'local[2]' --py-files {extra_py_files} {script} {args}", err,
                    sizeof err),
        0);
    ck_assert_int_eq(runners_add(&rs, "glueray=/opt/run --id={job_run_id} --py={python} -- {script}", err, sizeof err),
                     0);
    /* values that look like placeholders, or hold quotes and blanks, arrive as they are */
    char *args[] = {"--JOB_NAME", "{script}", "--x", "a 'b' \"c\" $HOME {python}"};
    runner_values_t v = {.script = "/d/{args} it's.py",
                         .python = "/usr/bin/python3",
                         .job_run_id = "jr_{job_run_id}",
                         .extra_py_files = "/a/x.zip,/b/y.py",
                         .args = args,
                         .nargs = 4};
    size_t n;
    char **argv = runner_expand(runners_find(&rs, "glueetl"), &v, &n);
    expect_argv(argv, n,
                (const char *const[]){"spark-submit", "--master", "local[2]", "--py-files", "/a/x.zip,/b/y.py",
                                      "/d/{args} it's.py", "--JOB_NAME", "{script}", "--x",
                                      "a 'b' \"c\" $HOME {python}", NULL});
    runner_argv_free(argv, n);
    argv = runner_expand(runners_find(&rs, "glueray"), &v, &n);
    expect_argv(argv, n,
                (const char *const[]){"/opt/run", "--id=jr_{job_run_id}", "--py=/usr/bin/python3", "--",
                                      "/d/{args} it's.py", NULL});
    runner_argv_free(argv, n);
    /* no arguments: {args} makes no word; an empty {extra_py_files} is an empty word */
    v.nargs = 0;
    v.extra_py_files = "";
    argv = runner_expand(runners_find(&rs, "glueetl"), &v, &n);
    ck_assert_uint_eq(n, 6);
    ck_assert_str_eq(argv[4], "");
    runner_argv_free(argv, n);
    /* the shell default is unchanged, and a later --runner for a name replaces the earlier one */
    ck_assert_str_eq(runners_find(&rs, "shell")->template, RUNNER_DEFAULT_SH);
    ck_assert_int_eq(runners_add(&rs, "glueetl=other {script}", err, sizeof err), 0);
    ck_assert_str_eq(runners_find(&rs, "glueetl")->words.v[0], "other");
    ck_assert_int_eq(runners_add(&rs, "shell=/bin/bash -e {script} {args}", err, sizeof err), 0);
    ck_assert_str_eq(runners_find(&rs, "shell")->words.v[0], "/bin/bash");
    /* literal braces that are not placeholders stay */
    ck_assert_int_eq(runners_add(&rs, "x=docker run --format '{{json .}}' img {script}", err, sizeof err), 0);
    argv = runner_expand(runners_find(&rs, "x"), &v, &n);
    ck_assert_str_eq(argv[3], "{{json .}}");
    runner_argv_free(argv, n);
    runners_cleanup(&rs);
}
END_TEST

static void expect_refused(const char *spec, const char *needle)
{
    runners_t rs;
    char err[512] = "";
    ck_assert_int_eq(runners_init(&rs, err, sizeof err), 0);
    ck_assert_msg(runners_add(&rs, spec, err, sizeof err) < 0, "'%s' accepted", spec);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s': message '%s' lacks '%s'", spec, err, needle);
    ck_assert_uint_eq(rs.n, 0);
    runners_cleanup(&rs);
}

START_TEST(test_refusals)
{
    expect_refused("spark-submit {script}", "NAME=TEMPLATE");
    expect_refused("=x {script}", "NAME=TEMPLATE");
    expect_refused("glue etl=x", "NAME");
    expect_refused("glueetl=spark-submit '{script} {args}", "unterminated single quote at column 14");
    expect_refused("glueetl=x \"{script}", "unterminated double quote");
    expect_refused("glueetl=", "empty");
    expect_refused("glueetl=   ", "empty");
    expect_refused("glueetl=x {scirpt}", "unknown placeholder {scirpt}");
    expect_refused("glueetl=x ${HOME}/{script}", "unknown placeholder {HOME}");
    expect_refused("glueetl=x --a={args}", "{args} must be a word of its own");
    expect_refused("glueetl={args} x", "cannot be {args}");
    expect_refused("glueetl=x '{args}'x", "must be a word of its own");
}
END_TEST

/* ---- the Python environment ---- */

static char dir[64];

static void touch(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
    ck_assert_int_eq(system(cmd), 0);
    *slash = '/';
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/glued-runner-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    touch("lib/a.py");
    touch("lib/b.py");
    touch("z/c.zip");
    touch("w/d-1.0-py3-none-any.whl");
    touch("s3/bucket/libs/e.py");
    touch("s3/bucket/wheels/f-2.0-py3-none-any.whl");
    touch("lib/notes.txt");
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_pyenv_files)
{
    char extra[1024], s3root[128], err[1024] = "", want[1024];
    snprintf(s3root, sizeof s3root, "%s/s3", dir);
    snprintf(extra, sizeof extra, " %s/lib/a.py , file://%s/lib/b.py,%s/z/c.zip,,s3://bucket/libs/e.py,%s/w/d-1.0-py3-none-any.whl",
             dir, dir, dir, dir);
    runner_pyenv_t p;
    ck_assert_msg(runner_pyenv(extra, "pandas==2.1.0, scikit-learn>=1.0,requests[socks],s3://bucket/wheels/f-2.0-py3-none-any.whl,numpy",
                               s3root, &p, err, sizeof err) == 0,
                  "refused: %s", err);
    snprintf(want, sizeof want, "%s/lib/a.py,%s/lib/b.py,%s/z/c.zip,%s/s3/bucket/libs/e.py,%s/w/d-1.0-py3-none-any.whl",
             dir, dir, dir, dir, dir);
    ck_assert_str_eq(p.extra_py_files, want);
    /* .py files put their directory on the path (once), archives themselves, in the order given */
    ck_assert_uint_eq(p.npath, 5);
    snprintf(want, sizeof want, "%s/lib", dir);
    ck_assert_str_eq(p.path[0], want);
    snprintf(want, sizeof want, "%s/z/c.zip", dir);
    ck_assert_str_eq(p.path[1], want);
    snprintf(want, sizeof want, "%s/s3/bucket/libs", dir);
    ck_assert_str_eq(p.path[2], want);
    snprintf(want, sizeof want, "%s/w/d-1.0-py3-none-any.whl", dir);
    ck_assert_str_eq(p.path[3], want);
    snprintf(want, sizeof want, "%s/s3/bucket/wheels/f-2.0-py3-none-any.whl", dir);
    ck_assert_str_eq(p.path[4], want);
    ck_assert_uint_eq(p.nmodules, 4);
    ck_assert_str_eq(p.modules[0], "pandas");
    ck_assert_str_eq(p.modules[1], "scikit-learn");
    ck_assert_str_eq(p.modules[2], "requests");
    ck_assert_str_eq(p.modules[3], "numpy");
    runner_pyenv_cleanup(&p);
    /* neither argument: nothing to do */
    ck_assert_int_eq(runner_pyenv(NULL, NULL, s3root, &p, err, sizeof err), 0);
    ck_assert_str_eq(p.extra_py_files, "");
    ck_assert_uint_eq(p.npath + p.nmodules, 0);
    runner_pyenv_cleanup(&p);
}
END_TEST

static void expect_pyenv_refused(const char *extra, const char *mods, const char *needle)
{
    char s3root[128], err[1024] = "";
    snprintf(s3root, sizeof s3root, "%s/s3", dir);
    runner_pyenv_t p;
    ck_assert_msg(runner_pyenv(extra, mods, s3root, &p, err, sizeof err) < 0, "accepted: %s / %s", extra, mods);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    ck_assert_ptr_null(p.path);
    ck_assert_ptr_null(p.extra_py_files);
}

START_TEST(test_pyenv_refusals)
{
    char e[512];
    expect_pyenv_refused("s3://bucket/libs/missing.py", NULL, "--extra-py-files: 's3://bucket/libs/missing.py' not found");
    expect_pyenv_refused("relative/a.py", NULL, "must be an s3:// URL, a file:// URL or an absolute path");
    snprintf(e, sizeof e, "%s/lib/notes.txt", dir);
    expect_pyenv_refused(e, NULL, "must name a .py, .zip, .whl or .egg file");
    snprintf(e, sizeof e, "%s/lib", dir);
    expect_pyenv_refused(e, NULL, "must name a .py");
    expect_pyenv_refused("s3://", NULL, "not a valid s3://bucket/key URL");
    expect_pyenv_refused(NULL, "pandas,==1.0", "'==1.0' is not a module name");
    expect_pyenv_refused(NULL, "numpy >= 1.0, pip install x", "'pip install x' is not a module name");
    expect_pyenv_refused(NULL, "s3://bucket/wheels/nope.whl", "--additional-python-modules: 's3://bucket/wheels/nope.whl' not found");
    expect_pyenv_refused(NULL, "/etc/passwd", "must name a .whl file");
    char many[4096] = "";
    for (int i = 0; i <= RUNNER_MAX_FILES; i++)
        strcat(many, "m,");
    expect_pyenv_refused(NULL, many, "at most");
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *t = tcase_create("templates");
    tcase_add_test(t, test_defaults);
    tcase_add_test(t, test_spark_style_template);
    tcase_add_test(t, test_refusals);
    suite_add_tcase(s, t);
    TCase *py = tcase_create("pyenv");
    tcase_add_checked_fixture(py, setup, teardown);
    tcase_add_test(py, test_pyenv_files);
    tcase_add_test(py, test_pyenv_refusals);
    suite_add_tcase(s, py);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(runner_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
