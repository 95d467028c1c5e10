"""Jobs as local processes (SPEC §7, §11): standalone job runs, argv and JobRun.Arguments exactly as passed (job
defaults, action/StartJobRun overrides, NonOverridableArguments), script locations (absolute, file://, s3:// under
the default <data>/s3), a missing script, the environment a job gets (endpoint, region, placeholder credentials),
retries of standalone runs (MaxRetries and StartJobRun's JobRunId), big and odd output (2 MB streams, a 200 KB last
line, non-UTF-8 bytes, death by signal), paths with spaces, BatchStopJobRun, `glued logs` (also while running),
--python, Timeout (with --job-minute-ms) and the AWS CLI."""

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import run_binary  # noqa: E402
from test_engine_helpers import (JOB_RUN_ID_RE, PY, SH, EngineTestCase, cond, pairs, read_argv, ts)  # noqa: E402

HIDDEN_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE", "AWS_REGION", "AWS_DEFAULT_REGION")


class JobRunTest(EngineTestCase):
    """glued here starts with no AWS credentials, region or endpoint in its environment, so the Python jobs'
    boto3 calls only work with what glued gives them."""

    @classmethod
    def setUpClass(cls):
        saved = {k: os.environ.pop(k) for k in HIDDEN_ENV if k in os.environ}
        extra = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                 "AWS_EC2_METADATA_DISABLED": "true"}
        saved_extra = {k: os.environ.get(k) for k in extra}
        os.environ.update(extra)
        try:
            super().setUpClass()
        finally:
            os.environ.update(saved)
            for k, v in saved_extra.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    # ---- standalone runs ----------------------------------------------------------------------------
    def test_standalone_job_run(self):
        job = self.job({"--sleep": "0.2"}, ExecutionProperty={"MaxConcurrentRuns": 3})
        out = self.glue.start_job_run(JobName=job)
        self.assertRegex(out["JobRunId"], JOB_RUN_ID_RE)
        rid = out["JobRunId"]
        jr = self.glue.get_job_run(JobName=job, RunId=rid)["JobRun"]
        self.assertIn(jr["JobRunState"], ("STARTING", "RUNNING", "SUCCEEDED"))
        jr = self.wait_job_run(job, rid)
        self.assertEqual((jr["Id"], jr["JobName"], jr["JobRunState"], jr["Attempt"]), (rid, job, "SUCCEEDED", 0))
        self.assertLessEqual(ts(jr["StartedOn"]), ts(jr["CompletedOn"]))
        self.assertGreaterEqual(ts(jr["CompletedOn"]) - ts(jr["StartedOn"]), 0.15)
        self.assertIsInstance(jr["ExecutionTime"], int)
        for absent in ("TriggerName", "PreviousRunId", "ErrorMessage"):
            self.assertNotIn(absent, jr)
        self.assertNotIn("--WORKFLOW_NAME", jr.get("Arguments", {}))
        rid2 = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.wait_job_run(job, rid2)
        self.assertEqual([j["Id"] for j in self.glue.get_job_runs(JobName=job)["JobRuns"]], [rid2, rid])

    def test_standalone_errors(self):
        missing = self.uname("nojob")
        self.assertErrorCode("EntityNotFoundException", self.glue.start_job_run, JobName=missing)
        job = self.job()
        self.assertErrorCode("EntityNotFoundException", self.glue.get_job_run, JobName=job, RunId="jr_" + "0" * 64)
        self.assertEqual(self.glue.get_job_runs(JobName=job)["JobRuns"], [])

    def test_standalone_retries(self):
        job = self.job({"--exit": "5"}, MaxRetries=1)
        first = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.assertEqual(self.wait_job_run(job, first)["JobRunState"], "FAILED")
        deadline = time.monotonic() + 20
        while True:
            runs = self.glue.get_job_runs(JobName=job)["JobRuns"]
            if len(runs) == 2 and runs[0]["JobRunState"] in ("FAILED", "SUCCEEDED"):
                break
            self.assertLess(time.monotonic(), deadline, f"no finished retry: {runs}")
            time.sleep(0.05)
        retry, orig = runs
        self.assertEqual(orig["Id"], first)
        self.assertEqual((retry["Attempt"], retry.get("PreviousRunId"), retry["JobRunState"]), (1, first, "FAILED"))
        self.assertRegex(retry["ErrorMessage"], r"(?<![0-9])5(?![0-9])")
        time.sleep(0.3)
        self.assertEqual(len(self.glue.get_job_runs(JobName=job)["JobRuns"]), 2, "more attempts than MaxRetries")

    # ---- arguments ----------------------------------------------------------------------------------
    def args_job(self, out):
        return self.job({"--out": out, "--a": "default-a", "--b": "default-b", "--n": "default-n"},
                        NonOverridableArguments={"--n": "fixed"}, ExecutionProperty={"MaxConcurrentRuns": 3})

    def assertArgs(self, jr, argv, head, merged):
        self.assertEqual(argv[0], SH)
        self.assertEqual(argv[1:1 + len(head)], head)
        self.assertEqual(pairs(argv[1 + len(head):]), merged)
        reported = dict(jr.get("Arguments", {}))
        for k, v in zip(head[::2], head[1::2]):
            if k in ("--JOB_NAME", "--JOB_RUN_ID"):
                self.assertEqual(reported.pop(k, v), v)
            else:
                self.assertEqual(reported.pop(k, None), v, f"JobRun.Arguments lacks {k}")
        self.assertEqual(reported, merged, "JobRun.Arguments is not what was passed")

    def test_arguments_in_a_workflow(self):
        out = self.path("argv")
        job = self.args_job(out)
        wf = self.create()
        odd = 'x y $HOME "q" ; `true` \\ \u00e9'
        self.start_trigger(wf, [{"JobName": job, "Arguments": {"--a": "from-action", "--c": odd,
                                                                "--n": "attempted"}}])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid)
        jr = self.only_job_run(run, job)
        argv = read_argv(out)
        self.assertArgs(jr, argv, ["--JOB_NAME", job, "--JOB_RUN_ID", jr["Id"], "--WORKFLOW_NAME", wf,
                                   "--WORKFLOW_RUN_ID", rid],
                        {"--out": out, "--a": "from-action", "--b": "default-b", "--c": odd, "--n": "fixed"})

    def test_arguments_of_start_job_run(self):
        out = self.path("argv")
        job = self.args_job(out)
        rid = self.glue.start_job_run(JobName=job, Arguments={"--a": "from-run", "--n": "attempted",
                                                              "--d": ""})["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        argv = read_argv(out)
        self.assertArgs(jr, argv, ["--JOB_NAME", job, "--JOB_RUN_ID", rid],
                        {"--out": out, "--a": "from-run", "--b": "default-b", "--d": "", "--n": "fixed"})
        # without overrides, the defaults
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertArgs(jr, read_argv(out), ["--JOB_NAME", job, "--JOB_RUN_ID", rid],
                        {"--out": out, "--a": "default-a", "--b": "default-b", "--n": "fixed"})

    # ---- script locations ---------------------------------------------------------------------------
    def run_ok(self, job):
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        return jr

    def test_file_url_script_location(self):
        out = self.path("argv")
        self.run_ok(self.job({"--out": out}, script="file://" + SH))
        self.assertEqual(read_argv(out)[0], SH)

    def test_s3_script_location_under_the_default_s3_root(self):
        self.assertEqual(self.s3_root, os.path.join(self.server.data_dir, "s3"))
        bucket = self.uname("scripts").lower()
        dest = os.path.join(self.s3_root, bucket, "jobs", "job.sh")
        os.makedirs(os.path.dirname(dest))
        shutil.copy(SH, dest)
        out = self.path("argv")
        self.run_ok(self.job({"--out": out}, script=f"s3://{bucket}/jobs/job.sh"))
        self.assertEqual(read_argv(out)[0], dest)
        # a python job from s3, too
        pdest = os.path.join(self.s3_root, bucket, "py", "pyjob.py")
        os.makedirs(os.path.dirname(pdest))
        shutil.copy(PY, pdest)
        pout = self.path("py")
        self.run_ok(self.job({"--out": pout}, command="pythonshell", script=f"s3://{bucket}/py/pyjob.py"))
        self.assertEqual(self.read_json(pout)["argv"][0], pdest)

    def test_missing_script_fails_naming_the_path(self):
        cases = [("/nonexistent-glued-dir/nope.sh", "/nonexistent-glued-dir/nope.sh"),
                 ("file:///nonexistent-glued-dir/f.sh", "/nonexistent-glued-dir/f.sh"),
                 ("s3://no-such-bucket-glued/k/nope.py", os.path.join(self.s3_root, "no-such-bucket-glued/k/nope.py"))]
        for loc, path in cases:
            with self.subTest(location=loc):
                job = self.job(script=loc)
                rid = self.glue.start_job_run(JobName=job)["JobRunId"]
                jr = self.wait_job_run(job, rid)
                self.assertEqual(jr["JobRunState"], "FAILED")
                self.assertIn(path, jr.get("ErrorMessage", ""))
        # a directory is there but is no script: the message says so rather than "not found"
        folder = self.path("a-folder")
        os.makedirs(folder)
        job = self.job(script=folder)
        jr = self.wait_job_run(job, self.glue.start_job_run(JobName=job)["JobRunId"])
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn(f"{folder} (from ScriptLocation '{folder}') is a directory, not a file", jr.get("ErrorMessage", ""))
        # in a workflow: FAILED, and the run still completes
        wf = self.create()
        job = self.job(script="/nonexistent-glued-dir/wf.sh")
        self.start_trigger(wf, [job])
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertIn("/nonexistent-glued-dir/wf.sh", self.only_job_run(run, job, "FAILED").get("ErrorMessage", ""))
        self.assertStats(run, TotalActions=1, FailedActions=1)

    def test_script_path_with_spaces_and_quotes(self):
        d = os.path.join(self.work, self.uname("dir") + " with 'spaces' \"and quotes\"")
        os.makedirs(d)
        script = os.path.join(d, "my job.sh")
        shutil.copy(SH, script)
        out = self.path("argv")
        self.run_ok(self.job({"--out": out}, script=script))
        self.assertEqual(read_argv(out)[0], script)

    def test_start_job_run_with_job_run_id_retries_that_run(self):
        job = self.job({"--exit": "1"})
        first = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.assertEqual(self.wait_job_run(job, first)["JobRunState"], "FAILED")
        again = self.glue.start_job_run(JobName=job, JobRunId=first)["JobRunId"]
        self.assertNotEqual(again, first)
        jr = self.wait_job_run(job, again)
        self.assertEqual((jr["PreviousRunId"], jr["Attempt"], jr["JobRunState"]), (first, 1, "FAILED"))
        self.assertErrorCode("EntityNotFoundException", self.glue.start_job_run, JobName=job,
                             JobRunId="jr_" + "0" * 64)

    # ---- what a job writes --------------------------------------------------------------------------
    def test_large_output_does_not_block_the_job(self):
        """2 MB on stdout and on stderr: far beyond a pipe's buffer; the job must still end, logs keep the end."""
        job = self.job({"--spam": "20000", "--stdout": "end of stdout", "--stderr": "end of stderr"})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        jr = self.wait_job_run(job, rid, timeout=30)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        p = run_binary(["logs", rid, "--data", self.server.data_dir])
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        self.assertIn("end of stdout", p.stdout + p.stderr)
        self.assertIn("end of stderr", p.stdout + p.stderr)
        self.assertGreater(len(p.stdout + p.stderr), 4 * 1000 * 1000)

    def test_logs_live_in_folders_by_id_and_flat_ones_are_still_read(self):
        """<data>/logs/<2 hex digits>/<id>.out: no folder grows with every job run ever made. A log written flat
        by an older glued is still printed."""
        job = self.job({"--stdout": "in a folder"})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.wait_job_run(job, rid)
        logs = os.path.join(self.server.data_dir, "logs")
        self.assertTrue(os.path.isfile(os.path.join(logs, rid[3:5], rid + ".out")), sorted(os.listdir(logs))[:5])
        self.assertFalse(os.path.exists(os.path.join(logs, rid + ".out")))
        old = "jr_" + "ab" * 32
        with open(os.path.join(logs, old + ".out"), "w") as f:
            f.write("written flat\n")
        p = run_binary(["logs", old, "--data", self.server.data_dir])
        self.assertEqual((p.returncode, p.stdout), (0, "written flat\n"), p.stderr)

    def test_huge_last_stderr_line_gives_a_bounded_error_message(self):
        job = self.job({"--stderr-raw": "%0200000d", "--exit": "1"})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertIn("0000000000", jr["ErrorMessage"])
        self.assertLess(len(jr["ErrorMessage"]), 65536, "ErrorMessage grows with whatever the job writes")

    def test_non_utf8_stderr_still_gives_a_valid_error_message(self):
        wf = self.create()
        job = self.job({"--stderr-raw": "bad bytes \\377\\376\\300 here\\n", "--exit": "1"})
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid)  # the harness hook checks every answer is valid JSON of the right shape
        msg = self.only_job_run(run, job, "FAILED").get("ErrorMessage", "")
        self.assertIn("bad bytes", msg)
        self.assertIn("here", msg)
        self.glue.get_job_runs(JobName=job)
        self.glue.get_workflow_runs(Name=wf, IncludeGraph=True)

    def test_job_killed_by_a_signal_is_failed_naming_the_signal(self):
        job = self.job({"--stderr": "going down", "--kill-self": "KILL"})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertEqual(jr["JobRunState"], "FAILED")
        self.assertRegex(jr.get("ErrorMessage", ""), r"(?i)signal")
        self.assertRegex(jr["ErrorMessage"], r"(?<![0-9])9(?![0-9])|KILL")

    # ---- environment --------------------------------------------------------------------------------
    def test_python_job_environment_reaches_glued(self):
        out = self.path("env")
        wf = self.create(DefaultRunProperties={"seen": "yes"})
        job = self.job({"--out": out, "--put": '{"job": "was here"}'}, command="pythonshell", script=PY)
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid, timeout=45)
        self.only_job_run(run, job)
        rep = self.read_json(out)
        env = rep["env"]
        self.assertEqual(env.get("AWS_ENDPOINT_URL", "").rstrip("/"), self.server.url)
        self.assertEqual(env.get("AWS_ENDPOINT_URL_GLUE", "").rstrip("/"), self.server.url)
        self.assertTrue(env.get("AWS_REGION"))
        self.assertEqual(env.get("AWS_DEFAULT_REGION"), env.get("AWS_REGION"))
        self.assertTrue(env.get("AWS_ACCESS_KEY_ID"), "no placeholder credentials")
        self.assertTrue(env.get("AWS_SECRET_ACCESS_KEY"), "no placeholder credentials")
        self.assertEqual(rep["props"], {"seen": "yes"})
        self.assertEqual(self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"],
                         {"seen": "yes", "job": "was here"})

    # ---- stopping -----------------------------------------------------------------------------------
    def test_batch_stop_job_run(self):
        started = self.path("started")
        job = self.job({"--sleep": "30", "--started": started, "--stdout": "written before the sleep"})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        pids = self.started_pids(started)
        self.assertEqual(self.wait_job_run(job, rid, states=("RUNNING",))["JobRunState"], "RUNNING")
        # the log of a running job already holds what it wrote
        p = run_binary(["logs", rid, "--data", self.server.data_dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("written before the sleep", p.stdout)
        bogus = "jr_" + "0" * 64
        out = self.glue.batch_stop_job_run(JobName=job, JobRunIds=[rid, bogus])
        self.assertEqual(out["SuccessfulSubmissions"], [{"JobName": job, "JobRunId": rid}])
        self.assertEqual(len(out["Errors"]), 1)
        err = out["Errors"][0]
        self.assertEqual((err["JobName"], err["JobRunId"]), (job, bogus))
        self.assertTrue(err["ErrorDetail"].get("ErrorCode"))
        self.assertTrue(err["ErrorDetail"].get("ErrorMessage"))
        jr = self.wait_job_run(job, rid, timeout=15)
        self.assertEqual(jr["JobRunState"], "STOPPED")
        self.assertIn("CompletedOn", jr)
        self.wait_gone(pids)
        # a missing job is reported per id (BatchStopJobRun has no EntityNotFoundException in the Glue model)
        nojob = self.uname("nojob")
        out = self.glue.batch_stop_job_run(JobName=nojob, JobRunIds=[rid])
        self.assertEqual(out["SuccessfulSubmissions"], [])
        self.assertEqual([(e["JobName"], e["JobRunId"]) for e in out["Errors"]], [(nojob, rid)])
        self.assertIn("EntityNotFound", out["Errors"][0]["ErrorDetail"]["ErrorCode"])
        self.assertEqual(self.glue.get_job_run(JobName=job, RunId=rid)["JobRun"]["JobRunState"], "STOPPED")

    # ---- logs ---------------------------------------------------------------------------------------
    def test_glued_logs_prints_stdout_and_stderr(self):
        job = self.job({"--stdout": "hello from stdout", "--stderr": "hello from stderr"})
        jr = self.run_ok(job)
        p = run_binary(["logs", jr["Id"], "--data", self.server.data_dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        both = p.stdout + p.stderr
        self.assertIn("hello from stdout", both)
        self.assertIn("hello from stderr", both)
        # a failed run's logs hold what it wrote before failing
        bad = self.job({"--stderr": "about to fail", "--exit": "7"})
        rid = self.glue.start_job_run(JobName=bad)["JobRunId"]
        self.assertEqual(self.wait_job_run(bad, rid)["JobRunState"], "FAILED")
        p = run_binary(["logs", rid, "--data", self.server.data_dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("about to fail", p.stdout + p.stderr)
        # an unknown job run is an error
        p = run_binary(["logs", "jr_" + "0" * 64, "--data", self.server.data_dir])
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.strip(), "no message for an unknown job run")


    def test_empty_logs_go_back_to_the_pool_and_never_mix(self):
        """A job run that writes nothing leaves two empty logs. Their inodes go back to the log pool and each path
        then links one shared empty file, so a busy glued whose jobs print nothing makes no new files (on ext4 an
        inode is the dearest part of starting a job). Whatever a later job writes, into a file that came back, is
        its own alone; an empty log still reads as empty."""
        n = 100  # 400 logs: more than the pool's stock of 256, so it is refilled with what came back
        quiet = self.job(ExecutionProperty={"MaxConcurrentRuns": n})
        loud = self.job({"--stdout": "loud out", "--stderr": "loud err"}, ExecutionProperty={"MaxConcurrentRuns": n})
        logs = os.path.join(self.server.data_dir, "logs")

        def path(rid, ext):
            return os.path.join(logs, rid[3:5], rid + "." + ext)

        quiet_ids = [self.glue.start_job_run(JobName=quiet)["JobRunId"] for _ in range(n)]
        for rid in quiet_ids:
            self.assertEqual(self.wait_job_run(quiet, rid, timeout=60)["JobRunState"], "SUCCEEDED")
        loud_ids = [self.glue.start_job_run(JobName=loud)["JobRunId"] for _ in range(n)]
        for rid in loud_ids:
            self.assertEqual(self.wait_job_run(loud, rid, timeout=60)["JobRunState"], "SUCCEEDED")
        for rid in loud_ids:
            for ext, text in (("out", "loud out\n"), ("err", "loud err\n")):
                with open(path(rid, ext)) as f:
                    self.assertEqual(f.read(), text, f"{rid}.{ext} holds more than its own output")
        inodes = set()
        for rid in quiet_ids:
            for ext in ("out", "err"):
                st = os.stat(path(rid, ext))
                self.assertEqual(st.st_size, 0, f"{rid}.{ext}")
                inodes.add(st.st_ino)
        self.assertLess(len(inodes), 2 * n, "no empty log went back to the pool")
        p = run_binary(["logs", quiet_ids[0], "--data", self.server.data_dir])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))


    def test_a_log_still_open_elsewhere_does_not_go_back(self):
        """A job that leaves a process behind in a session of its own (setsid escapes the process group glued
        kills) with the job's stdout: its log, empty when the job ends, stays its own, and what that process
        writes later lands there, not in a later job's log."""
        script = os.path.join(self.work, "escape.sh")
        with open(script, "w") as f:
            # the job waits a moment, so that the escapee has left the group before glued kills the group
            f.write("setsid sh -c 'sleep 3; echo late-from-escapee' &\nsleep 0.5\nexit 0\n")
        escape = self.job(script=script)
        rid = self.glue.start_job_run(JobName=escape)["JobRunId"]
        self.assertEqual(self.wait_job_run(escape, rid)["JobRunState"], "SUCCEEDED")
        n = 150  # 300 logs: the pool is refilled, and takes back what it may, while the escapee still sleeps
        quiet = self.job(ExecutionProperty={"MaxConcurrentRuns": n})
        ids = [self.glue.start_job_run(JobName=quiet)["JobRunId"] for _ in range(n)]
        for q in ids:
            self.assertEqual(self.wait_job_run(quiet, q, timeout=60)["JobRunState"], "SUCCEEDED")
        out = os.path.join(self.server.data_dir, "logs", rid[3:5], rid + ".out")
        def landed():
            with open(out) as f:
                return f.read() == "late-from-escapee\n"

        self.wait_until(landed, "the escapee's line in its own job's log", timeout=15)
        for q in ids:
            for ext in ("out", "err"):
                with open(os.path.join(self.server.data_dir, "logs", q[3:5], q + "." + ext)) as f:
                    self.assertEqual(f.read(), "", f"{q}.{ext}")


class LogStockTest(EngineTestCase):
    """glued makes job logs ahead of time, under the ids that the job runs it will start are to take (the log
    pool); a user sees only the logs of job runs."""

    def log_files(self):
        logs = os.path.join(self.server.data_dir, "logs")
        return {os.path.join(d, f) for d in os.listdir(logs) if not d.startswith(".")
                for f in os.listdir(os.path.join(logs, d))}

    def test_every_log_file_is_a_job_runs(self):
        """A job run's two logs are there from its start, and what it wrote is in them; one that failed before
        its program started (its script is missing) has none; a stop removes the logs no job run took, so that
        afterwards every file under logs/ is a log of a job run that exists."""
        quiet, loud = self.job(), self.job({"--stdout": "loud out"})
        missing = self.job(script="/nonexistent-glued-dir/nope.sh")
        wf = self.create()
        self.start_trigger(wf, [quiet, loud, missing])
        run = self.wait_run(wf, self.start_run(wf))
        rids = {job: self.only_job_run(run, job, state)["Id"]
                for job, state in ((quiet, "SUCCEEDED"), (loud, "SUCCEEDED"), (missing, "FAILED"))}
        rids["standalone"] = self.glue.start_job_run(JobName=quiet)["JobRunId"]
        self.assertEqual(self.wait_job_run(quiet, rids["standalone"])["JobRunState"], "SUCCEEDED")
        p = run_binary(["logs", rids[loud], "--data", self.server.data_dir])
        self.assertEqual((p.returncode, p.stdout), (0, "loud out\n"))
        p = run_binary(["logs", rids[missing], "--data", self.server.data_dir])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no logs", p.stderr)
        ended = {f"{rid[3:5]}/{rid}.{ext}" for job, rid in rids.items() if job != missing for ext in ("out", "err")}
        self.assertLessEqual(ended, self.log_files())
        # the stock is made in the background, more slowly on a file system that freed many inodes of late
        self.wait_until(lambda: len(self.log_files()) > len(ended), "logs made ahead of time", timeout=30)
        self.server.stop_ok()
        try:
            self.assertEqual(self.log_files(), ended)
        finally:
            self.server.start()
            type(self).glue = self.server.client()


class CliTest(EngineTestCase):
    def cli_json(self, *args):
        p = self.server.cli(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def test_aws_cli_start_job_run_and_workflow_run(self):
        out = self.path("argv")
        job = self.job({"--out": out})
        rid = self.cli_json("start-job-run", "--job-name", job, "--arguments", '{"--cli":"yes"}')["JobRunId"]
        self.assertRegex(rid, JOB_RUN_ID_RE)
        self.wait_job_run(job, rid)
        jr = self.cli_json("get-job-run", "--job-name", job, "--run-id", rid)["JobRun"]
        self.assertEqual(jr["JobRunState"], "SUCCEEDED")
        self.assertEqual(pairs(read_argv(out)[5:]), {"--out": out, "--cli": "yes"})

        wf = self.create()
        self.start_trigger(wf, [job])
        run_id = self.cli_json("start-workflow-run", "--name", wf, "--run-properties", "k=v")["RunId"]
        self.wait_run(wf, run_id)
        run = self.cli_json("get-workflow-run", "--name", wf, "--run-id", run_id, "--include-graph")["Run"]
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertEqual(run["WorkflowRunProperties"], {"k": "v"})
        node = next(n for n in run["Graph"]["Nodes"] if n["Type"] == "JOB")
        self.assertEqual(node["JobDetails"]["JobRuns"][0]["JobRunState"], "SUCCEEDED")
        p = self.server.cli("stop-workflow-run", "--name", wf, "--run-id", run_id)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("IllegalWorkflowStateException", p.stderr)


class PythonOptionTest(EngineTestCase):
    """--python picks the interpreter of pythonshell/glueetl/gluestreaming/glueray jobs; "shell" stays /bin/sh.
    Here the "interpreter" is /bin/sh, so a Python-typed job can run job.sh and show its argv."""

    server_args = ("--python", "/bin/sh")

    def test_python_option_runs_every_python_command_type(self):
        for command in ("pythonshell", "glueetl", "gluestreaming", "glueray"):
            with self.subTest(command=command):
                out = self.path("argv")
                job = self.job({"--out": out}, command=command)
                rid = self.glue.start_job_run(JobName=job)["JobRunId"]
                jr = self.wait_job_run(job, rid)
                self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
                self.assertEqual(read_argv(out)[:5], [SH, "--JOB_NAME", job, "--JOB_RUN_ID", rid])


class TimeoutTest(EngineTestCase):
    """Timeout is in minutes; --job-minute-ms 1000 makes a minute last one second here."""

    server_args = ("--job-minute-ms", "1000")

    def test_job_timeout_and_action_timeout(self):
        """StartJobRun Timeout=2 and a trigger action Timeout=1, side by side: both TIMEOUT after two and one
        (short) minutes, saying so in their ErrorMessage, the process group is ended, and the workflow run
        COMPLETEs with TimeoutActions=1."""
        s1, s2 = self.path("s1"), self.path("s2")
        direct = self.job({"--sleep": "30", "--started": s1})
        in_wf = self.job({"--sleep": "30", "--started": s2})
        wf = self.create()
        self.start_trigger(wf, [{"JobName": in_wf, "Timeout": 1}])
        on_timeout = self.job()
        self.cond_trigger(wf, [cond(in_wf, "TIMEOUT")], [on_timeout])
        jr_id = self.glue.start_job_run(JobName=direct, Timeout=2)["JobRunId"]
        rid = self.start_run(wf)
        pids = self.started_pids(s1) + self.started_pids(s2)
        jr = self.wait_job_run(direct, jr_id, timeout=20)
        self.assertEqual(jr["JobRunState"], "TIMEOUT", jr.get("ErrorMessage"))
        self.assertEqual(jr.get("Timeout"), 2)
        self.assertEqual(jr.get("ErrorMessage"), "Job run timed out after 2 minutes")
        self.assertGreaterEqual(ts(jr["CompletedOn"]) - ts(jr["StartedOn"]), 1.9)
        self.assertLess(ts(jr["CompletedOn"]) - ts(jr["StartedOn"]), 15)
        run = self.wait_run(wf, rid, timeout=20)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        t = self.only_job_run(run, in_wf, "TIMEOUT")
        self.assertEqual(t.get("Timeout"), 1)
        self.assertEqual(t.get("ErrorMessage"), "Job run timed out after 1 minute")
        self.only_job_run(run, on_timeout)
        self.assertStats(run, TotalActions=2, SucceededActions=1, TimeoutActions=1)
        self.wait_gone(pids)

    def test_job_timeout_with_retries(self):
        """A job's own Timeout, with MaxRetries=1: a TIMEOUT is retried, and the retry times out too."""
        job = self.job({"--sleep": "30"}, Timeout=1, MaxRetries=1)
        first = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.assertEqual(self.wait_job_run(job, first, timeout=20)["JobRunState"], "TIMEOUT")
        deadline = time.monotonic() + 20
        while True:
            runs = self.glue.get_job_runs(JobName=job)["JobRuns"]
            if len(runs) == 2 and runs[0]["JobRunState"] == "TIMEOUT":
                break
            self.assertLess(time.monotonic(), deadline, f"no timed-out retry: {runs}")
            time.sleep(0.05)
        self.assertEqual((runs[0]["Attempt"], runs[0].get("PreviousRunId")), (1, first))
