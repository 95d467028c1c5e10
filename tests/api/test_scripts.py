"""Real Glue scripts under glued (issue 14): glued's awsglue package on every Python job's PYTHONPATH
(getResolvedOptions as Glue documents it, GlueArgumentError, awsglue.context without Spark naming --runner), a
Glue Python shell script written for AWS running unchanged in a workflow, --extra-py-files and
--additional-python-modules, and --runner templates proven with a stand-in program that records its argv."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import REPO_ROOT, run_binary  # noqa: E402
from test_engine_helpers import JOBS_DIR, EngineTestCase, read_argv  # noqa: E402

sys.path.insert(0, os.path.join(REPO_ROOT, "python"))
from awsglue.utils import GlueArgumentError, getResolvedOptions  # noqa: E402

GLUE_SHELL = os.path.join(JOBS_DIR, "glue_shell.py")
RESOLVE = os.path.join(JOBS_DIR, "resolve.py")
IMPORTS = os.path.join(JOBS_DIR, "imports.py")
ETL_CONTEXT = os.path.join(JOBS_DIR, "etl_context.py")
RECORDER = os.path.join(JOBS_DIR, "record_argv.sh")
AWSGLUE_DIR = os.path.realpath(os.path.join(REPO_ROOT, "python"))


def have_pyspark():
    try:
        import pyspark  # noqa: F401
        return True
    except ImportError:
        return False


class GetResolvedOptionsTest(unittest.TestCase):
    """awsglue.utils itself, in this process: each option form and each error."""

    ARGV = ["script.py", "--JOB_NAME", "job1", "--JOB_RUN_ID", "jr_1", "--WORKFLOW_NAME", "wf",
            "--WORKFLOW_RUN_ID", "wr_1", "--day", "2024-01-01"]

    def test_key_value_and_key_equals_value(self):
        args = getResolvedOptions(self.ARGV + ["--eq=a=b", "--spaced", "x y", "--neg", "-5", "--dash=-x"],
                                  ["JOB_NAME", "day", "eq", "spaced", "neg", "dash"])
        self.assertEqual((args["JOB_NAME"], args["day"], args["eq"], args["spaced"], args["neg"], args["dash"]),
                         ("job1", "2024-01-01", "a=b", "x y", "-5", "-x"))

    def test_workflow_arguments(self):
        args = getResolvedOptions(self.ARGV, ["WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
        self.assertEqual((args["WORKFLOW_NAME"], args["WORKFLOW_RUN_ID"]), ("wf", "wr_1"))

    def test_arguments_every_job_gets_are_there_unasked(self):
        args = getResolvedOptions(self.ARGV, ["day"])
        self.assertEqual(args["JOB_RUN_ID"], "jr_1")
        self.assertEqual(args["job_bookmark_option"], "job-bookmark-disable")
        for k in ("JOB_ID", "SECURITY_CONFIGURATION", "TempDir", "RedshiftTempDir", "encryption_type"):
            self.assertIn(k, args)
            self.assertIsNone(args[k])
        self.assertNotIn("WORKFLOW_NAME", args)  # not asked for: not read
        args = getResolvedOptions(self.ARGV + ["--TempDir", "s3://b/tmp", "--job-bookmark-option",
                                               "job-bookmark-enable"], ["JOB_NAME", "JOB_RUN_ID"])
        self.assertEqual((args["TempDir"], args["RedshiftTempDir"]), ("s3://b/tmp", "s3://b/tmp"))
        self.assertEqual(args["job_bookmark_option"], "job-bookmark-enable")

    def test_dashes_become_underscores_repeats_keep_the_last_unknown_are_ignored(self):
        args = getResolvedOptions(["s", "--my-key", "v", "--x", "1", "--x", "2", "--other", "o", "stray"],
                                  ["my-key", "x", "x"])
        self.assertEqual((args["my_key"], args["x"]), ("v", "2"))
        self.assertNotIn("other", args)

    def test_missing_options_are_named(self):
        with self.assertRaises(GlueArgumentError) as cm:
            getResolvedOptions(["script.py", "--JOB_NAME", "j"], ["JOB_NAME", "WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
        self.assertEqual(str(cm.exception), "the following arguments are required: --WORKFLOW_NAME, --WORKFLOW_RUN_ID")
        with self.assertRaises(GlueArgumentError) as cm:
            getResolvedOptions(self.ARGV, ["day", "hour_partition_key"])
        self.assertIn("--hour_partition_key", str(cm.exception))

    def test_option_without_value(self):
        with self.assertRaises(GlueArgumentError) as cm:
            getResolvedOptions(["s", "--day"], ["day"])
        self.assertIn("--day", str(cm.exception))
        self.assertIn("expected one argument", str(cm.exception))
        with self.assertRaises(GlueArgumentError):
            getResolvedOptions(["s", "--day", "--hour", "1"], ["day", "hour"])

    def test_reserved_and_malformed_names(self):
        with self.assertRaisesRegex(RuntimeError, "reserved.*job-bookmark-option"):
            getResolvedOptions(self.ARGV, ["job-bookmark-option"])
        with self.assertRaisesRegex(GlueArgumentError, "without dashes"):
            getResolvedOptions(self.ARGV, ["--day"])
        with self.assertRaises(TypeError):
            getResolvedOptions(self.ARGV, "day")
        with self.assertRaises(GlueArgumentError):  # a bad choice, as on Glue
            getResolvedOptions(self.ARGV + ["--job-bookmark-option", "sometimes"], ["day"])

    def test_glue_argument_error_is_an_exception(self):
        self.assertTrue(issubclass(GlueArgumentError, Exception))


class GlueScriptsTest(EngineTestCase):
    """Python jobs under the default runner ({python} {script} {args})."""

    def run_job(self, script, args, command="pythonshell", **kw):
        job = self.job(args, command=command, script=script, **kw)
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        return job, self.wait_job_run(job, rid)

    def test_documented_python_shell_script_runs_unchanged_in_a_workflow(self):
        wf = self.create()
        first = self.job({"--target_table": "clean"}, command="pythonshell", script=GLUE_SHELL)
        second = self.job({"--target_table": "report"}, command="pythonshell", script=GLUE_SHELL)
        self.start_trigger(wf, [first])
        self.cond_trigger(wf, [first], [second])
        rid = self.start_run(wf, {"source_table": "raw"})
        run = self.wait_run(wf, rid)
        self.only_job_run(run, first)
        self.only_job_run(run, second)
        props = self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"]
        self.assertEqual(props, {"source_table": "raw", first: "raw->clean", second: "raw->report",
                                 "last_job": second})

    def test_resolved_options_in_a_job(self):
        out = self.path("resolved")
        job, jr = self.run_job(RESOLVE, {"--out": out, "--ask": "JOB_NAME,day,my-key,spaced,neg",
                                         "--day": "2024-01-01", "my-key": "v", "--spaced": "a b 'c'",
                                         "--neg": "-5"})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        args = self.read_json(out)["args"]
        self.assertEqual((args["JOB_NAME"], args["JOB_RUN_ID"], args["day"], args["my_key"], args["spaced"],
                          args["neg"]), (job, jr["Id"], "2024-01-01", "v", "a b 'c'", "-5"))

    def test_missing_option_fails_the_job_run_naming_it(self):
        out = self.path("resolved")
        _, jr = self.run_job(RESOLVE, {"--out": out, "--ask": "JOB_NAME,day,WORKFLOW_NAME", "--day": "x"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertEqual(self.read_json(out), {"error": "the following arguments are required: --WORKFLOW_NAME"})
        self.assertIn("GlueArgumentError: the following arguments are required: --WORKFLOW_NAME",
                      jr["ErrorMessage"])

    @unittest.skipIf(have_pyspark(), "pyspark is installed here, so awsglue.context imports")
    def test_awsglue_context_without_spark_names_the_runner_option(self):
        _, jr = self.run_job(ETL_CONTEXT, None, command="glueetl")
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("ImportError: awsglue.context needs Apache Spark", jr["ErrorMessage"])
        self.assertIn("--runner glueetl=", jr["ErrorMessage"])

    def make_libs(self):
        """helpers.py and a zip (zipped_mod) under s3://libs/, and a local wheel (wheeled)."""
        lib = os.path.join(self.s3_root, "libs")
        os.makedirs(lib, exist_ok=True)
        with open(os.path.join(lib, "helpers.py"), "w") as f:
            f.write("VALUE = 'from helpers.py'\n")
        with zipfile.ZipFile(os.path.join(lib, "bundle.zip"), "w") as z:
            z.writestr("zipped_mod/__init__.py", "VALUE = 'from bundle.zip'\n")
        wheel = os.path.join(self.work, "wheeled-1.0-py3-none-any.whl")
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr("wheeled.py", "VALUE = 'from the wheel'\n")
        return wheel

    def test_extra_py_files_are_on_the_pythonpath(self):
        wheel = self.make_libs()
        out = self.path("imports")
        _, jr = self.run_job(IMPORTS, {"--out": out, "--modules": "helpers,zipped_mod,wheeled,awsglue.utils",
                                       "--extra-py-files": f"s3://libs/helpers.py, s3://libs/bundle.zip,{wheel}"})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        rep = self.read_json(out)
        found = rep["found"]
        self.assertEqual((found["helpers"]["value"], found["zipped_mod"]["value"], found["wheeled"]["value"]),
                         ("from helpers.py", "from bundle.zip", "from the wheel"))
        self.assertEqual(found["awsglue.utils"]["file"], os.path.join(AWSGLUE_DIR, "awsglue", "utils.py"))
        lib = os.path.realpath(os.path.join(self.s3_root, "libs"))
        path = [os.path.realpath(p) for p in rep["pythonpath"].split(":")]
        # the extra files first, in order (a .py file by its directory, once), glued's awsglue last
        self.assertEqual(path[:3], [lib, os.path.join(lib, "bundle.zip"), os.path.realpath(wheel)])
        self.assertEqual(path[-1], AWSGLUE_DIR)

    def test_missing_extra_py_file_fails_naming_it(self):
        self.make_libs()
        _, jr = self.run_job(IMPORTS, {"--out": self.path(), "--modules": "helpers",
                                       "--extra-py-files": "s3://libs/helpers.py,s3://libs/nothere.py"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("--extra-py-files: 's3://libs/nothere.py' not found", jr["ErrorMessage"])
        _, jr = self.run_job(IMPORTS, {"--out": self.path(), "--modules": "helpers",
                                       "--extra-py-files": "libs/helpers.txt"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("must be an s3:// URL, a file:// URL or an absolute path", jr["ErrorMessage"])

    def test_additional_python_modules_must_be_importable(self):
        self.make_libs()
        out = self.path("imports")
        # installed (with a version, which is not checked), in the standard library, or given by --extra-py-files
        _, jr = self.run_job(IMPORTS, {"--out": out, "--modules": "helpers",
                                       "--additional-python-modules": "boto3>=1.0, json, helpers",
                                       "--extra-py-files": "s3://libs/helpers.py"})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        self.assertEqual(self.read_json(out)["found"]["helpers"]["value"], "from helpers.py")
        out = self.path("imports")
        _, jr = self.run_job(IMPORTS, {"--out": out, "--modules": "json",
                                       "--additional-python-modules": "boto3,no_such_module_glued==1.0"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("--additional-python-modules: 'no_such_module_glued' is not installed", jr["ErrorMessage"])
        self.assertIn("glued installs nothing", jr["ErrorMessage"])
        self.assertFalse(os.path.exists(out), "the script ran although a module was missing")
        _, jr = self.run_job(IMPORTS, {"--out": out, "--modules": "json",
                                       "--additional-python-modules": "pip install x"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("'pip install x' is not a module name", jr["ErrorMessage"])


class RunnerTest(EngineTestCase):
    """--runner templates, proven with record_argv.sh standing in for spark-submit."""

    @classmethod
    def setUpClass(cls):
        cls.rec = cls.class_tempdir("glued-rec-")
        cls.server_args = (
            "--runner", f"glueetl={RECORDER} {cls.rec}/{{job_run_id}}.argv --master 'local[2]' "
                        "--conf \"spark.driver.extraJavaOptions=-Da=b -Dc='d e'\" --name=job-{job_run_id} "
                        "--py-files {extra_py_files} {script} {args}",
            "--runner", "gluestreaming=no-such-program-glued {script} {args}",
            "--runner", f"glueray={RECORDER} {cls.rec}/{{job_run_id}}.argv {{python}} {{script}}",
        )
        super().setUpClass()

    def run_job(self, args, command="glueetl", script="s3://code/etl.py"):
        job = self.job(args, command=command, script=script)
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        return job, self.wait_job_run(job, rid)

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.s3_root, "code"), exist_ok=True)
        with open(os.path.join(self.s3_root, "code", "etl.py"), "w") as f:
            f.write("raise SystemExit('a runner should have run me, not Python')\n")
        with open(os.path.join(self.s3_root, "code", "lib.py"), "w") as f:
            f.write("")

    def test_spark_style_template_gives_the_program_exact_words(self):
        nasty = "a 'b' \"c\" $HOME `id` ; rm -rf / {script} {args} * \\"
        job, jr = self.run_job({"--nasty": nasty, "--empty": "", "--extra-py-files": "s3://code/lib.py"})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        rid = jr["Id"]
        argv = read_argv(os.path.join(self.rec, rid + ".argv"))
        script = os.path.join(self.s3_root, "code", "etl.py")
        lib = os.path.join(self.s3_root, "code", "lib.py")
        self.assertEqual(argv[:9], ["--master", "local[2]", "--conf", "spark.driver.extraJavaOptions=-Da=b -Dc='d e'",
                                    f"--name=job-{rid}", "--py-files", lib, script, "--JOB_NAME"])
        rest = argv[8:]
        self.assertEqual(rest[:4], ["--JOB_NAME", job, "--JOB_RUN_ID", rid])
        pairs = dict(zip(rest[4::2], rest[5::2]))
        self.assertEqual(pairs, {"--nasty": nasty, "--empty": "", "--extra-py-files": "s3://code/lib.py"})
        with open(os.path.join(self.rec, rid + ".argv.env")) as f:
            path = f.read().split(":")
        self.assertEqual(path[0], os.path.dirname(lib))
        self.assertEqual(os.path.realpath(path[-1]), AWSGLUE_DIR)

    def test_module_check_runs_before_the_runner_command(self):
        _, jr = self.run_job({"--additional-python-modules": "json"})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        argv = read_argv(os.path.join(self.rec, jr["Id"] + ".argv"))
        self.assertEqual(argv[:2], ["--master", "local[2]"])
        self.assertEqual(argv[-2:], ["--additional-python-modules", "json"])
        _, jr = self.run_job({"--additional-python-modules": "no_such_module_glued"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("'no_such_module_glued' is not installed", jr["ErrorMessage"])
        self.assertFalse(os.path.exists(os.path.join(self.rec, jr["Id"] + ".argv")))

    def test_python_placeholder_and_empty_extra_files(self):
        _, jr = self.run_job(None, command="glueray")
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        argv = read_argv(os.path.join(self.rec, jr["Id"] + ".argv"))
        self.assertEqual(argv, ["python3", os.path.join(self.s3_root, "code", "etl.py")])

    def test_other_commands_keep_their_defaults(self):
        out = self.path("resolved")
        _, jr = self.run_job({"--out": out, "--ask": "JOB_NAME"}, command="pythonshell", script=RESOLVE)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        self.assertEqual(self.read_json(out)["args"]["JOB_NAME"], jr["JobName"])

    def test_program_not_on_path_fails_the_job_run(self):
        _, jr = self.run_job(None, command="gluestreaming")
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("Cannot start no-such-program-glued: not found on PATH (runner 'gluestreaming'",
                      jr["ErrorMessage"])


# A job that is a program of its own (the kind of static binary a benchmark runs): it writes its argv, each
# followed by a NUL byte, to the file after --out, and then the program it is (/proc/self/exe) and its parent's
# pid, a line each, to that file with .meta added; --exit N ends it with status N and a line on stderr.
PROGRAM_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *out = NULL;
    int code = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        if (strcmp(argv[i], "--exit") == 0) code = atoi(argv[i + 1]);
    }
    if (out) {
        char path[4096], exe[4096];
        FILE *f = fopen(out, "w");
        for (int i = 0; f && i < argc; i++) { fputs(argv[i], f); fputc(0, f); }
        if (f) fclose(f);
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        snprintf(path, sizeof path, "%s.meta", out);
        f = fopen(path, "w");
        if (f) { fprintf(f, "%s\n%ld\n", exe, (long)getppid()); fclose(f); }
    }
    if (code) fprintf(stderr, "the program ends with status %d\n", code);
    return code;
}
"""


def compile_program(src_dir, out):
    """PROGRAM_C built static when the C library allows it (a dynamic build runs the same way)."""
    src = os.path.join(src_dir, "program.c")
    with open(src, "w") as f:
        f.write(PROGRAM_C)
    cc = os.environ.get("CC", "cc")
    for flags in (["-static"], []):
        p = subprocess.run([cc, "-O1"] + flags + ["-o", out, src], capture_output=True, text=True)
        if p.returncode == 0:
            return
    raise AssertionError(f"cannot compile the test program with {cc}: {p.stderr}")


class ExecutableScriptTest(EngineTestCase):
    """--runner shell='{script} {args}': a ScriptLocation that is itself an executable (a static binary here) is
    executed directly by glued, with no shell or interpreter in between: it is its own argv[0] and
    /proc/self/exe, glued is its parent, and each argument reaches it as one word, whatever it holds."""

    server_args = ("--runner", "shell={script} {args}")

    def setUp(self):
        super().setUp()
        code = os.path.join(self.s3_root, "bin")
        os.makedirs(code, exist_ok=True)
        self.program = os.path.join(code, "program")
        if not os.path.exists(self.program):
            compile_program(self.work, self.program)
            with open(self.program, "rb") as f:
                self.assertEqual(f.read(4), b"\x7fELF")

    def run_job(self, args, script="s3://bin/program"):
        job = self.job(args, command="shell", script=script)
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        return job, self.wait_job_run(job, rid)

    def test_the_program_runs_directly_with_exact_words(self):
        out = self.path("argv")
        nasty = "a 'b' \"c\" $HOME `id` ; * {script} \\"
        job, jr = self.run_job({"--out": out, "--nasty": nasty, "--empty": ""})
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        argv = read_argv(out)
        self.assertEqual(argv[:5], [self.program, "--JOB_NAME", job, "--JOB_RUN_ID", jr["Id"]])
        self.assertEqual(dict(zip(argv[5::2], argv[6::2])), {"--out": out, "--nasty": nasty, "--empty": ""})
        with open(out + ".meta") as f:
            exe, parent = f.read().split("\n")[:2]
        self.assertEqual(exe, os.path.realpath(self.program))
        self.assertEqual(int(parent), self.server.proc.pid)

    def test_its_exit_status_decides_the_run(self):
        _, jr = self.run_job({"--exit": "3"})
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertEqual(jr["ErrorMessage"], "Job process exited with status 3: the program ends with status 3")

    def test_a_file_that_is_not_executable_fails_the_run(self):
        plain = os.path.join(self.s3_root, "bin", "plain")
        with open(plain, "w") as f:
            f.write("echo not a program\n")
        os.chmod(plain, 0o644)
        _, jr = self.run_job(None, script="s3://bin/plain")
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertEqual(jr["ErrorMessage"], f"Cannot start {plain}: Permission denied")


class RunnerOptionTest(unittest.TestCase):
    """Templates are checked when glued starts: a bad one stops it with status 2 and a message."""

    def refused(self, spec, needle):
        data = tempfile.mkdtemp(prefix="glued-x-")
        self.addCleanup(shutil.rmtree, data, True)
        p = run_binary(["--listen", "127.0.0.1:0", "--data", data, "--runner", spec])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(needle, p.stderr)
        self.assertNotIn("listening", p.stdout)

    def test_refusals(self):
        self.refused("glueetl=spark-submit '{script} {args}", "--runner glueetl: cannot split the template into words: "
                                                             "unterminated single quote at column 14")
        self.refused("glueetl=spark-submit \"{script}", "unterminated double quote")
        self.refused("glueetl=x {scirpt}", "unknown placeholder {scirpt}")
        self.refused("glueetl=x --args={args}", "{args} must be a word of its own")
        self.refused("glueetl=", "the template is empty")
        self.refused("spark-submit {script}", "--runner needs NAME=TEMPLATE")

    def test_help_lists_the_options(self):
        p = run_binary(["--help"])
        self.assertEqual(p.returncode, 0)
        for opt in ("--runner NAME=TEMPLATE", "--awsglue-dir DIR", "--test-mode"):
            self.assertIn(opt, p.stdout)


if __name__ == "__main__":
    unittest.main()
