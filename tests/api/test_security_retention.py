"""--retention-days (issue 12): run history that ended more than N days ago (default 90) is purged while glued
runs: workflow runs with their graphs, their job runs, standalone job runs, and the log files of all of them.
Newer history stays, and so does a run that a kept run was resumed from (the resumed run's graph shows its job
runs), until the pass that purges that run. Log files of job runs that no longer exist are swept once they are older than the retention.

glued's clock (--clock-start) moves one data directory 60, then 120 days ahead between lives, so nothing waits
for real days. Every boto3 answer is checked against the Glue model by the harness hook."""

import datetime
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import GlueAssertions, Glued, run_binary  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"


def clock_start(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class RetentionTest(unittest.TestCase, GlueAssertions):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glued-retention-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.script = os.path.join(self.work, "job.sh")
        with open(self.script, "w") as f:
            f.write('echo "out of $4"\necho "err of $4" >&2\n')
        os.chmod(self.work, 0o755)
        os.chmod(self.script, 0o755)
        self.server = Glued()
        self.addCleanup(self.server.cleanup)

    def life(self, days=None):
        """Starts the server (days ahead of now on its clock, or on the real clock) and returns a client."""
        self.server.extra_args = ["--clock-start", clock_start(days)] if days is not None else []
        self.server.start()
        return self.server.client(fresh=True)

    def run_done(self, g, wf, run_id):
        return self.wait_until(lambda: (lambda r: r if r["Status"] in ("COMPLETED", "STOPPED", "ERROR") else None)(
                  g.get_workflow_run(Name=wf, RunId=run_id)["Run"]), f"run {run_id} to end")

    def job_runs_of(self, g, run_id):
        return [jr for jr in g.get_job_runs(JobName="rt-job")["JobRuns"] if jr.get("Arguments", {}).get(
            "--WORKFLOW_RUN_ID") == run_id]

    def log_files(self, jr_id):
        logs = os.path.join(self.server.data_dir, "logs")
        # in the folder named by the id's first two hex digits (or, written before logs had folders, in logs/)
        return [p for d in (os.path.join(logs, jr_id[3:5]), logs) for p in
                (os.path.join(d, jr_id + ".out"), os.path.join(d, jr_id + ".err")) if os.path.exists(p)]

    def gone(self, fn):
        try:
            fn()
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "EntityNotFoundException")
            return True
        return False

    def test_history_past_the_retention_is_purged_with_its_logs(self):
        # life 1, today: an old run (A), a run that will be resumed (R0), a standalone job run (S)
        g = self.life()
        g.create_job(Name="rt-job", Role=ROLE, Command={"Name": "shell", "ScriptLocation": self.script})
        g.create_workflow(Name="rt-wf")
        g.create_trigger(Name="rt-start", WorkflowName="rt-wf", Type="ON_DEMAND", Actions=[{"JobName": "rt-job"}])
        run_a = g.start_workflow_run(Name="rt-wf")["RunId"]
        self.run_done(g, "rt-wf", run_a)
        run_r0 = g.start_workflow_run(Name="rt-wf")["RunId"]
        self.run_done(g, "rt-wf", run_r0)
        solo = g.start_job_run(JobName="rt-job")["JobRunId"]
        self.wait_until(lambda: g.get_job_run(JobName="rt-job", RunId=solo)["JobRun"]["JobRunState"] == "SUCCEEDED",
                        "the standalone job run")
        [jr_a] = [jr["Id"] for jr in self.job_runs_of(g, run_a)]
        self.assertEqual(len(self.log_files(jr_a)), 2)
        self.assertEqual(len(self.log_files(solo)), 2)
        self.server.stop_ok()

        # life 2, 60 days on: a newer run (B), and R0 resumed (R1)
        g = self.life(60)
        run_b = g.start_workflow_run(Name="rt-wf")["RunId"]
        self.run_done(g, "rt-wf", run_b)
        graph = g.get_workflow_run(Name="rt-wf", RunId=run_r0, IncludeGraph=True)["Run"]["Graph"]
        node = [n["UniqueId"] for n in graph["Nodes"] if n["Type"] == "JOB"]
        run_r1 = g.resume_workflow_run(Name="rt-wf", RunId=run_r0, NodeIds=node)["RunId"]
        self.run_done(g, "rt-wf", run_r1)
        [jr_b] = [jr["Id"] for jr in self.job_runs_of(g, run_b)]
        self.server.stop_ok()
        # logs whose job run is gone, older than the retention by their file time (one in its folder, one in
        # logs/ as written before logs had folders), and a fresh one
        logs = os.path.join(self.server.data_dir, "logs")
        stale = os.path.join(logs, "aa", "jr_" + "a" * 64 + ".out")
        stale_flat = os.path.join(logs, "jr_" + "c" * 64 + ".err")
        fresh = os.path.join(logs, "bb", "jr_" + "b" * 64 + ".err")
        # and one in every folder: a pass walks all 256 (it used to skip some, moving its start as it went)
        every = [os.path.join(logs, f"{i:02x}", f"jr_{i:02x}" + "d" * 62 + ".out") for i in range(256)]
        for p in (stale, stale_flat, fresh, *every):
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write("left behind\n")
        old = time.time() - 100 * 86400
        for p in (stale, stale_flat, *every):
            os.utime(p, (old, old))

        # life 3, 120 days on: A, its job run and S are past 90 days and go; B is 60 days old; R0 is past 90 days
        # but R1 (60 days) was resumed from it
        g = self.life(120)
        self.wait_until(lambda: self.gone(lambda: g.get_workflow_run(Name="rt-wf", RunId=run_a)), "run A to be purged")
        self.wait_until(lambda: not os.path.exists(stale) and not os.path.exists(stale_flat),
                        "the stale log files to be swept")
        self.wait_until(lambda: not any(os.path.exists(p) for p in every), "a stale log file in every folder to be "
                        "swept in the first pass (the next is an hour later)", timeout=15)
        self.assertTrue(self.gone(lambda: g.get_job_run(JobName="rt-job", RunId=jr_a)))
        self.assertTrue(self.gone(lambda: g.get_job_run(JobName="rt-job", RunId=solo)))
        self.assertEqual(self.log_files(jr_a), [])
        self.assertEqual(self.log_files(solo), [])
        self.assertTrue(os.path.exists(fresh), "a log file newer than the retention is kept")
        runs = {r["WorkflowRunId"]: r for r in g.get_workflow_runs(Name="rt-wf")["Runs"]}
        self.assertEqual(set(runs), {run_b, run_r0, run_r1})
        self.assertEqual(runs[run_b]["Status"], "COMPLETED")
        self.assertEqual(g.get_job_run(JobName="rt-job", RunId=jr_b)["JobRun"]["JobRunState"], "SUCCEEDED")
        self.assertEqual(len(self.log_files(jr_b)), 2)
        # the resumed run's graph still shows its nodes with their job runs
        r1 = g.get_workflow_run(Name="rt-wf", RunId=run_r1, IncludeGraph=True)["Run"]
        jobs = [n for n in r1["Graph"]["Nodes"] if n["Type"] == "JOB"]
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs[0]["JobDetails"]["JobRuns"][0]["JobRunState"], "SUCCEEDED")
        self.assertTrue(self.server.call("GetWorkflowRun", {"Name": "rt-wf", "RunId": run_r0}).status == 200)
        # what was purged is counted and logged
        text = self.server.raw(b"", target=None, method="GET", path="/metrics").body.decode()
        self.assertRegex(text, r'glued_history_purged_total\{what="workflow_run"\} 1\n')
        self.assertRegex(text, r'glued_history_purged_total\{what="job_run"\} 2\n')
        self.assertRegex(self.server.stderr_text(), r"purged 1 workflow runs and 2 job runs .*--retention-days 90")
        self.server.stop_ok()

        # life 4, 200 days on: B and R1 are past the retention, and R0, kept only by R1, goes in the same pass
        # (it waited for the next pass, an hour later)
        g = self.life(200)
        passes = lambda: re.findall(r"purged \d+ workflow runs and \d+ job runs", self.server.stderr_text())
        self.wait_until(lambda: len(passes()) == 2, "the first purge pass of life 4")
        self.assertEqual(passes()[1], "purged 3 workflow runs and 3 job runs")
        self.assertEqual(g.get_workflow_runs(Name="rt-wf")["Runs"], [])

    def test_retention_days_is_checked(self):
        r = run_binary(["--retention-days", "-1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--retention-days", r.stderr)
        r = run_binary(["--retention-days", "1000000"])
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape("--retention-days must be 0 (keep for ever)"))
        self.assertIn("--retention-days N", run_binary(["--help"]).stdout)


if __name__ == "__main__":
    unittest.main()
