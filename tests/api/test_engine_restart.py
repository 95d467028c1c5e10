"""kill -9 in the middle of several workflow runs and a standalone job run, then a restart on the same data
directory (SPEC §11 "Restart"): every run reaches an end, the interrupted job runs are FAILED with a message saying
the server restarted, triggers watching FAILED fire after the restart, nothing stays RUNNING, and what the API
acknowledged before the kill (run properties, finished runs) is still there. Every boto3 answer, before and after
the restart, is checked against the Glue model by the harness hook."""

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import PG_BASE, GlueAssertions, Glued, run_binary, sqlite_only  # noqa: E402
from test_engine_helpers import EngineTestCase, cond, kill_all  # noqa: E402

RESTART_RE = r"(?i)restart"


class RestartTest(unittest.TestCase, GlueAssertions):
    # borrow the pollers and makers of EngineTestCase without its one-server-per-class life cycle
    path = EngineTestCase.path
    wait_file = EngineTestCase.wait_file
    job = EngineTestCase.job
    start_trigger = EngineTestCase.start_trigger
    cond_trigger = EngineTestCase.cond_trigger
    start_run = EngineTestCase.start_run
    get_run = EngineTestCase.get_run
    wait_run = EngineTestCase.wait_run
    wait_job_run = EngineTestCase.wait_job_run
    node = EngineTestCase.node
    job_runs = EngineTestCase.job_runs
    only_job_run = EngineTestCase.only_job_run
    summary = EngineTestCase.summary
    assertStats = EngineTestCase.assertStats
    assertWorkflowArgs = EngineTestCase.assertWorkflowArgs
    _n = 0

    def uname(self, tag="wf"):
        RestartTest._n += 1
        return f"{tag}-restart-{RestartTest._n}-{os.getpid()}"

    def create(self, **kw):
        name = self.uname("wf")
        self.glue.create_workflow(Name=name, **kw)
        return name

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glued-restart-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.server = Glued()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.glue = self.server.client()

    def started(self, path):
        pids = [int(p) for p in self.wait_file(path).split()]
        self.addCleanup(kill_all, pids)
        return pids

    def test_kill_9_mid_run_then_restart(self):
        g = self.glue
        # A: the sleeper is interrupted; its SUCCEEDED trigger must never fire
        wf_a = self.create()
        sa = self.path("sa")
        sleep_a = self.job({"--sleep": "20", "--started": sa})
        self.start_trigger(wf_a, [sleep_a])
        after_ok = self.job()
        self.cond_trigger(wf_a, [sleep_a], [after_ok])
        # B: the sleeper is interrupted; its FAILED trigger fires after the restart, next to a quick sibling
        wf_b = self.create()
        sb = self.path("sb")
        sleep_b, quick_b = self.job({"--sleep": "20", "--started": sb}), self.job()
        self.start_trigger(wf_b, [sleep_b, quick_b])
        on_fail = self.job()
        self.cond_trigger(wf_b, [cond(sleep_b, "FAILED")], [on_fail])
        # C: finished before the kill; must stay as it was
        wf_c = self.create()
        quick_c = self.job()
        self.start_trigger(wf_c, [quick_c])
        rc = self.start_run(wf_c)
        run_c_before = self.wait_run(wf_c, rc)
        self.assertEqual(run_c_before["Status"], "COMPLETED")
        # D: a standalone job run
        sd = self.path("sd")
        sleep_d = self.job({"--sleep": "20", "--started": sd})
        jd = g.start_job_run(JobName=sleep_d)["JobRunId"]

        ra = self.start_run(wf_a, props={"before": "kill"})
        rb = self.start_run(wf_b)
        pids = []
        for p in (sa, sb, sd):
            pids += self.started(p)
        run_b = self.wait_run(wf_b, rb, statuses=("RUNNING",))
        g.put_workflow_run_properties(Name=wf_a, RunId=ra, RunProperties={"acked": "yes"})
        # make sure quick_b has ended before the kill, so B's outcome does not depend on timing
        deadline = time.monotonic() + 15
        while not [j for j in self.job_runs(run_b, quick_b) if j["JobRunState"] == "SUCCEEDED"]:
            self.assertLess(time.monotonic(), deadline, self.summary(run_b))
            time.sleep(0.05)
            run_b = self.get_run(wf_b, rb)

        self.server.kill9()
        self.server.start()
        g = self.glue = self.server.client()

        # the processes the dead server left behind are ended by the new one
        EngineTestCase.wait_gone(self, pids, timeout=15)
        run_a = self.wait_run(wf_a, ra)
        run_b = self.wait_run(wf_b, rb)
        self.assertIn(run_a["Status"], ("COMPLETED", "STOPPED"), self.summary(run_a))
        self.assertIn(run_b["Status"], ("COMPLETED", "STOPPED"), self.summary(run_b))
        ja = self.only_job_run(run_a, sleep_a, "FAILED")
        self.assertRegex(ja.get("ErrorMessage", ""), RESTART_RE)
        self.assertIn("CompletedOn", ja)
        self.assertEqual(self.job_runs(run_a, after_ok), [])
        self.assertStats(run_a, TotalActions=2, FailedActions=1)
        self.assertEqual(run_a["WorkflowRunProperties"], {"before": "kill", "acked": "yes"})

        jb = self.only_job_run(run_b, sleep_b, "FAILED")
        self.assertRegex(jb.get("ErrorMessage", ""), RESTART_RE)
        self.only_job_run(run_b, quick_b, "SUCCEEDED")
        if run_b["Status"] == "COMPLETED":
            self.only_job_run(run_b, on_fail, "SUCCEEDED")
            self.assertStats(run_b, TotalActions=3, SucceededActions=2, FailedActions=1)
        self.assertWorkflowArgs(jb, wf_b, rb)

        jr_d = self.wait_job_run(sleep_d, jd)
        self.assertEqual(jr_d["JobRunState"], "FAILED")
        self.assertRegex(jr_d.get("ErrorMessage", ""), RESTART_RE)

        run_c = self.get_run(wf_c, rc)
        self.assertEqual((run_c["Status"], run_c["Statistics"]), (run_c_before["Status"], run_c_before["Statistics"]))
        self.assertEqual(self.only_job_run(run_c, quick_c)["Id"], self.only_job_run(run_c_before, quick_c)["Id"])

        # nothing stays RUNNING, anywhere
        time.sleep(0.3)
        for wf in (wf_a, wf_b, wf_c):
            for r in g.get_workflow_runs(Name=wf, IncludeGraph=True)["Runs"]:
                self.assertIn(r["Status"], ("COMPLETED", "STOPPED"), self.summary(r))
                self.assertEqual(r["Statistics"]["RunningActions"], 0)
        for j in (sleep_a, after_ok, sleep_b, quick_b, on_fail, quick_c, sleep_d):
            for jr in g.get_job_runs(JobName=j)["JobRuns"]:
                self.assertNotIn(jr["JobRunState"], ("STARTING", "RUNNING", "STOPPING", "WAITING"), jr)
        # the restarted server runs new work on the same data
        ra2 = self.start_run(wf_c)
        self.assertEqual(self.wait_run(wf_c, ra2)["Status"], "COMPLETED")
        self.assertEqual(g.get_workflow(Name=wf_c)["Workflow"]["LastRun"]["WorkflowRunId"], ra2)
        self.server.stop_ok()

    @sqlite_only
    def test_starts_never_recorded_are_found_by_their_marker(self):
        """A crash between spawning job processes and recording their starts (a fan-out's starts are recorded in
        batches after its spawns) leaves job runs STARTING with no pid. At the restart, recovery finds each one's
        process by the GLUED_JOB_RUN_ID in its environment, ends it and records the run FAILED naming the pid; a
        run with no process is started. /proc is read once for all of them, not once per run."""
        job = self.job()
        self.server.stop_ok()
        ids = ["jr_" + secrets.token_hex(32) for _ in range(40)]
        procs = [subprocess.Popen(["sleep", "60"], env=dict(os.environ, GLUED_JOB_RUN_ID=i), start_new_session=True)
                 for i in ids[:30]]
        self.addCleanup(kill_all, [p.pid for p in procs])
        now = int(time.time() * 1000)
        con = sqlite3.connect(self.server.db_path)
        with con:
            con.executemany("INSERT INTO job_runs (id, kind, job, attempt, state, started_ms, modified_ms, timeout_min)"
                            " VALUES (?, 'job', ?, 0, 0, ?, ?, 2880)", [(i, job, now, now) for i in ids])
        con.close()
        self.server.start()
        g = self.glue = self.server.client()
        for p in procs:
            p.wait(timeout=30)
        for i, p in zip(ids[:30], procs):
            jr = self.wait_job_run(job, i)
            self.assertEqual(jr["JobRunState"], "FAILED", jr)
            self.assertIn(f"(pid {p.pid})", jr.get("ErrorMessage", ""))
        for i in ids[30:]:
            self.assertEqual(self.wait_job_run(job, i)["JobRunState"], "SUCCEEDED")
        self.assertEqual(len(g.get_job_runs(JobName=job, MaxResults=200)["JobRuns"]), 40)
        self.server.stop_ok()

    def test_the_log_stock_of_a_killed_glued_is_removed(self):
        """A glued killed with -9 leaves the logs it made ahead of time for job runs to come (its stock: empty files
        of ids no job run has). The next one's retention sweep knows them by their mark and removes them at its
        first pass, not only once they are older than the retention (90 days)."""
        logs = os.path.join(self.server.data_dir, "logs")

        def files():
            return {os.path.join(r, f) for r, _, fs in os.walk(logs) for f in fs if f.startswith("jr_")}

        def marked():  # the stock is made: 64 ids, their logs marked (each as it is made)
            f = files()
            return f if len(f) >= 128 and all(os.stat(p).st_mtime == 1 for p in f) else None

        stock = self.wait_until(marked, "the log stock")
        self.server.kill9()
        self.server.start()
        self.wait_until(lambda: not (stock & files()), "the dead glued's stock removed", timeout=30)
        self.assertGreaterEqual(len(files()), 2, "the new glued's own stock")
        # and the new glued's stock still serves job runs
        self.glue = self.server.client()
        job = self.job()
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.assertEqual(self.wait_job_run(job, rid)["JobRunState"], "SUCCEEDED")
        self.server.stop_ok()

    def test_sigterm_with_running_jobs_then_restart(self):
        wf = self.create()
        st = self.path("st")
        sleeper = self.job({"--sleep": "30", "--started": st})
        self.start_trigger(wf, [sleeper])
        handler = self.job()
        self.cond_trigger(wf, [cond(sleeper, "FAILED"), cond(sleeper, "STOPPED")], [handler], logical="ANY")
        rid = self.start_run(wf, props={"p": "1"})
        pids = self.started(st)
        t0 = time.monotonic()
        self.server.stop_ok()  # exit status 0, clean stderr
        self.assertLess(time.monotonic() - t0, 15)
        # a clean shutdown ends the job's processes before exiting
        EngineTestCase.wait_gone(self, pids, timeout=2)
        self.server.start()
        self.glue = self.server.client()
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        jr = self.job_runs(run, sleeper)
        self.assertEqual(len(jr), 1, self.summary(run))
        self.assertIn(jr[0]["JobRunState"], ("FAILED", "STOPPED"))
        self.assertRegex(jr[0].get("ErrorMessage", ""), r"(?i)shut|stop|restart")
        self.only_job_run(run, handler)
        self.assertEqual(run["WorkflowRunProperties"], {"p": "1"})
        self.server.stop_ok()

    def test_a_second_glued_on_the_same_data_is_refused(self):
        """One glued serves a data directory (and a SQLite database): a second start there, on another port, is
        refused before it opens the store, and the first one's running job is untouched (a second glued would have
        recovered it as left over from a crash, and ended it)."""
        wf = self.create()
        st = self.path("st")
        sleeper = self.job({"--sleep": "2", "--started": st})
        self.start_trigger(wf, [sleeper])
        rid = self.start_run(wf)
        self.started(st)
        second = run_binary(["--listen", "127.0.0.1:0", "--data", self.server.data_dir]
                            + (["--store", self.server.store] if self.server.store else []))
        self.assertEqual(second.returncode, 1, second.stdout + second.stderr)
        self.assertIn(f"another glued (process {self.server.proc.pid}) is serving the data directory", second.stderr)
        self.assertNotIn("listening", second.stdout)
        if not PG_BASE:  # the same SQLite database from another data directory
            other = os.path.join(self.work, "other")
            second = run_binary(["--listen", "127.0.0.1:0", "--data", other,
                                 "--store", "sqlite:" + os.path.join(self.server.data_dir, "glued.db")])
            self.assertEqual(second.returncode, 1, second.stdout + second.stderr)
            self.assertIn("is serving the database", second.stderr)
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.only_job_run(run, sleeper, "SUCCEEDED")
        # the lock goes with the process: a kill -9, and the next start takes it
        self.server.proc.kill()
        self.server.proc.wait()
        self.server.start()
        self.glue = self.server.client()
        self.assertEqual(self.get_run(wf, rid, graph=False)["Status"], "COMPLETED")
        self.server.stop_ok()

    def test_kill_9_while_stopping_then_restart(self):
        """A run is STOPPING (its job ignores TERM) when glued is killed: after the restart the run is STOPPED, the
        job run STOPPED (not FAILED: it was being stopped), and the stubborn process is gone."""
        wf = self.create()
        st = self.path("st")
        stubborn = self.job({"--sleep": "30", "--started": st, "--ignore-term": "1"})
        self.start_trigger(wf, [stubborn])
        after = self.job()
        self.cond_trigger(wf, [cond(stubborn, "STOPPED")], [after])
        rid = self.start_run(wf)
        pids = self.started(st)
        self.glue.stop_workflow_run(Name=wf, RunId=rid)
        self.assertEqual(self.get_run(wf, rid, graph=False)["Status"], "STOPPING")
        self.server.kill9()
        self.server.start()
        self.glue = self.server.client()
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "STOPPED", self.summary(run))
        self.only_job_run(run, stubborn, "STOPPED")
        self.assertEqual(self.job_runs(run, after), [])
        EngineTestCase.wait_gone(self, pids, timeout=15)
        self.server.stop_ok()
