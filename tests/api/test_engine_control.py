"""Run control with real jobs (SPEC §6, §10, §11): StopWorkflowRun on a sleeping job and on one that ignores TERM
(KILL after the grace), DeleteWorkflow stopping its runs, ResumeWorkflowRun twice in a row, downstream re-runs and
refusals (including past MaxConcurrentRuns), the workflow's MaxConcurrentRuns (StartWorkflowRun and StartTrigger)
and the job's ExecutionProperty.MaxConcurrentRuns (direct StartJobRun refused, a workflow's job counts, a
trigger-started job run beyond it FAILED)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402
from test_engine_helpers import (NODE_ID_RE, RUN_ID_RE, EngineTestCase, cond, pid_alive)  # noqa: E402


class StopTest(EngineTestCase):
    def test_stop_a_running_run(self):
        wf = self.create()
        started = self.path("started")
        sleeper = self.job({"--sleep": "30", "--started": started})
        self.start_trigger(wf, [sleeper])
        down = self.job()
        self.cond_trigger(wf, [cond(sleeper, s) for s in ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT")], [down],
                          logical="ANY")
        rid = self.start_run(wf)
        pids = self.started_pids(started)
        run, _ = self.wait_running(wf, rid, sleeper)
        self.assertEqual(run["Status"], "RUNNING")
        self.assertEqual(run["Statistics"]["RunningActions"], 1)
        t0 = time.monotonic()
        out = self.glue.stop_workflow_run(Name=wf, RunId=rid)
        out.pop("ResponseMetadata")
        self.assertEqual(out, {})
        self.assertIn(self.get_run(wf, rid, graph=False)["Status"], ("STOPPING", "STOPPED"))
        run = self.wait_run(wf, rid, timeout=20)
        self.assertEqual(run["Status"], "STOPPED", self.summary(run))
        self.assertLess(time.monotonic() - t0, 15)
        self.assertIn("CompletedOn", run)
        jr = self.only_job_run(run, sleeper, "STOPPED")
        self.assertIn("CompletedOn", jr)
        # the whole process group ended: the shell and its sleeping child
        self.wait_gone(pids)
        time.sleep(0.5)
        run = self.get_run(wf, rid)
        self.assertEqual(self.job_runs(run, down), [], "a job started after StopWorkflowRun")
        self.assertEqual(self.glue.get_job_runs(JobName=down)["JobRuns"], [])
        self.assertStats(run, TotalActions=2, StoppedActions=1)
        # a stopped run cannot be stopped again
        self.assertErrorCode("IllegalWorkflowStateException", self.glue.stop_workflow_run, Name=wf, RunId=rid)

    def test_stop_a_finished_run_is_illegal(self):
        wf = self.create()
        self.start_trigger(wf, [self.job()])
        rid = self.start_run(wf)
        self.assertEqual(self.wait_run(wf, rid)["Status"], "COMPLETED")
        self.assertErrorCode("IllegalWorkflowStateException", self.glue.stop_workflow_run, Name=wf, RunId=rid)
        self.assertEqual(self.get_run(wf, rid, graph=False)["Status"], "COMPLETED")
        self.assertErrorCode("EntityNotFoundException", self.glue.stop_workflow_run, Name=wf, RunId="wr_" + "0" * 64)


    def test_stop_kills_a_job_that_ignores_term_after_a_grace(self):
        wf = self.create()
        started = self.path("started")
        stubborn = self.job({"--sleep": "30", "--started": started, "--ignore-term": "1"})
        self.start_trigger(wf, [stubborn])
        rid = self.start_run(wf)
        pids = self.started_pids(started)
        self.wait_running(wf, rid, stubborn)
        t0 = time.monotonic()
        self.glue.stop_workflow_run(Name=wf, RunId=rid)
        time.sleep(0.5)
        run = self.get_run(wf, rid)
        self.assertEqual(run["Status"], "STOPPING", "the job ignores TERM, so the run must still be STOPPING")
        self.assertEqual(self.only_job_run(run, stubborn, "STOPPING")["JobRunState"], "STOPPING")
        self.assertTrue(all(pid_alive(p) for p in pids))
        self.assertErrorCode("IllegalWorkflowStateException", self.glue.stop_workflow_run, Name=wf, RunId=rid)
        run = self.wait_run(wf, rid, timeout=30)
        self.assertEqual(run["Status"], "STOPPED", self.summary(run))
        self.only_job_run(run, stubborn, "STOPPED")
        self.wait_gone(pids)
        self.assertLess(time.monotonic() - t0, 25)

    def test_delete_workflow_stops_its_running_runs(self):
        wf = self.create()
        started = self.path("started")
        sleeper = self.job({"--sleep": "30", "--started": started})
        start = self.start_trigger(wf, [sleeper])
        rid = self.start_run(wf)
        pids = self.started_pids(started)
        jr_id = self.wait_running(wf, rid, sleeper)[1]["Id"]
        self.glue.delete_workflow(Name=wf)
        self.assertEqual(self.wait_job_run(sleeper, jr_id, timeout=20)["JobRunState"], "STOPPED")
        self.wait_gone(pids)
        self.assertErrorCode("EntityNotFoundException", self.glue.get_workflow_run, Name=wf, RunId=rid)
        self.assertErrorCode("EntityNotFoundException", self.glue.get_trigger, Name=start)
        self.assertEqual(self.glue.get_job(JobName=sleeper)["Job"]["Name"], sleeper)


class ResumeTest(EngineTestCase):
    def chain(self, fail_times):
        """wf: start -> A; A SUCCEEDED -> B (fails fail_times times, then succeeds); B SUCCEEDED -> C.
        Each job counts its executions."""
        wf = self.create()
        ca, cb, cc = self.path("ca"), self.path("cb"), self.path("cc")
        a = self.job({"--counter": ca})
        b = self.job({"--counter": cb, "--fail-times": str(fail_times)})
        c = self.job({"--counter": cc})
        self.start_trigger(wf, [a])
        self.cond_trigger(wf, [a], [b])
        self.cond_trigger(wf, [b], [c])
        return wf, (a, b, c), (ca, cb, cc)

    def count(self, path):
        try:
            with open(path) as f:
                return int(f.read().strip())
        except FileNotFoundError:
            return 0

    def resume(self, wf, rid, node_ids):
        out = self.glue.resume_workflow_run(Name=wf, RunId=rid, NodeIds=node_ids)
        self.assertRegex(out["RunId"], RUN_ID_RE)
        self.assertNotEqual(out["RunId"], rid)
        for n in node_ids:
            self.assertIn(n, out["NodeIds"])
        for n in out["NodeIds"]:
            self.assertRegex(n, NODE_ID_RE)
        return out["RunId"]

    def test_resume_twice_in_a_row(self):
        wf, (a, b, c), (ca, cb, cc) = self.chain(fail_times=2)
        r1 = self.start_run(wf, props={"k": "v"})
        run1 = self.wait_run(wf, r1)
        self.assertEqual(run1["Status"], "COMPLETED", self.summary(run1))
        a1 = self.only_job_run(run1, a)
        self.only_job_run(run1, b, "FAILED")
        self.assertEqual(self.job_runs(run1, c), [])
        self.assertStats(run1, TotalActions=3, SucceededActions=1, FailedActions=1)

        # first resume: B fails again, C still does not run, A is not re-run
        b_node = self.node(run1, b)["UniqueId"]
        r2 = self.resume(wf, r1, [b_node])
        run2 = self.wait_run(wf, r2)
        self.assertEqual(run2["Status"], "COMPLETED", self.summary(run2))
        self.assertEqual(run2.get("PreviousRunId"), r1)
        self.assertEqual(self.only_job_run(run2, a)["Id"], a1["Id"], "A's result is copied from the original run")
        b2 = self.only_job_run(run2, b, "FAILED")
        self.assertWorkflowArgs(b2, wf, r2)
        # what started B again is A's result, which the resumed run copied: its job run is B's predecessor
        self.assertEqual(b2.get("PredecessorRuns"), [{"JobName": a, "RunId": a1["Id"]}])
        self.assertEqual(self.job_runs(run2, c), [])
        self.assertEqual(run2["WorkflowRunProperties"].get("k"), "v")

        # second resume, of the resumed run: B succeeds and C runs
        r3 = self.resume(wf, r2, [self.node(run2, b)["UniqueId"]])
        run3 = self.wait_run(wf, r3)
        self.assertEqual(run3["Status"], "COMPLETED", self.summary(run3))
        self.assertEqual(run3.get("PreviousRunId"), r2)
        self.assertEqual(self.only_job_run(run3, a)["Id"], a1["Id"])
        b3 = self.only_job_run(run3, b, "SUCCEEDED")
        self.assertNotEqual(b3["Id"], b2["Id"])
        c3 = self.only_job_run(run3, c, "SUCCEEDED")
        self.assertWorkflowArgs(c3, wf, r3)
        # A's run, copied twice (r1 -> r2 -> r3), and B's run of this run
        self.assertEqual(b3.get("PredecessorRuns"), [{"JobName": a, "RunId": a1["Id"]}])
        self.assertEqual(c3.get("PredecessorRuns"), [{"JobName": b, "RunId": b3["Id"]}])
        jr = self.glue.get_job_run(JobName=b, RunId=b3["Id"], PredecessorsIncluded=True)["JobRun"]
        self.assertEqual(jr.get("PredecessorRuns"), [{"JobName": a, "RunId": a1["Id"]}])
        self.assertEqual(run3["Statistics"]["TotalActions"], 3)
        self.assertEqual((self.count(ca), self.count(cb), self.count(cc)), (1, 3, 1))
        # the original runs are history, untouched
        self.assertEqual(self.get_run(wf, r1, graph=False)["Status"], "COMPLETED")
        self.assertNotIn("PreviousRunId", self.get_run(wf, r1, graph=False))
        self.assertEqual(self.glue.get_workflow(Name=wf)["Workflow"]["LastRun"]["WorkflowRunId"], r3)

    def test_resume_reruns_the_node_and_everything_downstream(self):
        wf, (a, b, c), (ca, cb, cc) = self.chain(fail_times=0)
        r1 = self.start_run(wf)
        run1 = self.wait_run(wf, r1)
        self.assertStats(run1, TotalActions=3, SucceededActions=3)
        r2 = self.resume(wf, r1, [self.node(run1, a)["UniqueId"]])
        run2 = self.wait_run(wf, r2)
        self.assertEqual(run2["Status"], "COMPLETED", self.summary(run2))
        for j in (a, b, c):
            self.assertNotEqual(self.only_job_run(run2, j)["Id"], self.only_job_run(run1, j)["Id"])
        self.assertEqual((self.count(ca), self.count(cb), self.count(cc)), (2, 2, 2))

    def test_resume_beyond_max_concurrent_runs(self):
        wf = self.create(MaxConcurrentRuns=1)
        a = self.job({"--sleep": "1"}, ExecutionProperty={"MaxConcurrentRuns": 5})
        self.start_trigger(wf, [a])
        r1 = self.start_run(wf)
        run1 = self.wait_run(wf, r1)
        node = self.node(run1, a)["UniqueId"]
        r2 = self.start_run(wf)
        with self.assertRaises(ClientError) as cm:
            self.glue.resume_workflow_run(Name=wf, RunId=r1, NodeIds=[node])
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ConcurrentRunsExceededException")
        # as StartWorkflowRun says it: how many are active, and the limit
        self.assertEqual(err["Message"], f"Concurrent runs exceeded for workflow: {wf}. 1 runs are active and "
                                         "MaxConcurrentRuns is 1")
        self.assertEqual(self.wait_run(wf, r2)["Status"], "COMPLETED")
        r3 = self.resume(wf, r1, [node])
        self.assertEqual(self.wait_run(wf, r3)["Status"], "COMPLETED")

    def test_resume_refusals(self):
        wf, (a, b, c), _ = self.chain(fail_times=1)
        r1 = self.start_run(wf)
        run1 = self.wait_run(wf, r1)
        self.assertEqual(run1["Status"], "COMPLETED")
        trig = next(n["UniqueId"] for n in run1["Graph"]["Nodes"] if n["Type"] == "TRIGGER")
        for bad in ([trig], ["wnode_" + "0" * 64], [self.node(run1, c)["UniqueId"]]):
            with self.subTest(node_ids=bad):
                self.assertErrorCode("InvalidInputException", self.glue.resume_workflow_run, Name=wf, RunId=r1,
                                     NodeIds=bad)
        self.assertErrorCode("EntityNotFoundException", self.glue.resume_workflow_run, Name=wf,
                             RunId="wr_" + "0" * 64, NodeIds=[self.node(run1, b)["UniqueId"]])
        self.assertEqual(len(self.glue.get_workflow_runs(Name=wf)["Runs"]), 1, "a refused resume made a run")

        # a RUNNING run and a STOPPED run cannot be resumed
        wf2 = self.create()
        started = self.path("started")
        sleeper = self.job({"--sleep": "30", "--started": started})
        self.start_trigger(wf2, [sleeper])
        r2 = self.start_run(wf2)
        self.started_pids(started)
        node = self.node(self.get_run(wf2, r2), sleeper)["UniqueId"]
        self.assertErrorCode("IllegalWorkflowStateException", self.glue.resume_workflow_run, Name=wf2, RunId=r2,
                             NodeIds=[node])
        self.glue.stop_workflow_run(Name=wf2, RunId=r2)
        self.assertEqual(self.wait_run(wf2, r2)["Status"], "STOPPED")
        self.assertErrorCode("IllegalWorkflowStateException", self.glue.resume_workflow_run, Name=wf2, RunId=r2,
                             NodeIds=[node])


class ConcurrencyTest(EngineTestCase):
    def test_workflow_max_concurrent_runs(self):
        wf = self.create(MaxConcurrentRuns=2)
        start = self.start_trigger(wf, [self.job({"--sleep": "1.5"}, ExecutionProperty={"MaxConcurrentRuns": 10})])
        r1, r2 = self.start_run(wf), self.start_run(wf)
        msg = self.assertErrorCode("ConcurrentRunsExceededException", self.glue.start_workflow_run, Name=wf)
        self.assertIn(wf, msg)
        self.assertErrorCode("ConcurrentRunsExceededException", self.glue.start_trigger, Name=start)
        self.assertEqual(len(self.glue.get_workflow_runs(Name=wf)["Runs"]), 2)
        self.assertEqual(self.get_run(wf, r1, graph=False)["Status"], "RUNNING")
        self.assertEqual(self.wait_run(wf, r1)["Status"], "COMPLETED")
        self.assertEqual(self.wait_run(wf, r2)["Status"], "COMPLETED")
        r4 = self.start_run(wf)
        run4 = self.wait_run(wf, r4)
        self.assertEqual(run4["Status"], "COMPLETED", self.summary(run4))
        running = [r for r in self.glue.get_workflow_runs(Name=wf)["Runs"] if r["Status"] == "RUNNING"]
        self.assertEqual(running, [])

    def test_job_max_concurrent_runs_on_start_job_run(self):
        one = self.job({"--sleep": "1"})  # ExecutionProperty.MaxConcurrentRuns defaults to 1
        first = self.glue.start_job_run(JobName=one)["JobRunId"]
        msg = self.assertErrorCode("ConcurrentRunsExceededException", self.glue.start_job_run, JobName=one)
        self.assertIn(one, msg)
        self.assertEqual(self.wait_job_run(one, first)["JobRunState"], "SUCCEEDED")
        again = self.glue.start_job_run(JobName=one)["JobRunId"]
        self.assertEqual(self.wait_job_run(one, again)["JobRunState"], "SUCCEEDED")
        self.assertEqual(len(self.glue.get_job_runs(JobName=one)["JobRuns"]), 2)

        two = self.job({"--sleep": "1"}, ExecutionProperty={"MaxConcurrentRuns": 2})
        ids = [self.glue.start_job_run(JobName=two)["JobRunId"] for _ in range(2)]
        self.assertErrorCode("ConcurrentRunsExceededException", self.glue.start_job_run, JobName=two)
        for i in ids:
            self.assertEqual(self.wait_job_run(two, i)["JobRunState"], "SUCCEEDED")

    def test_a_job_running_in_a_workflow_counts_toward_its_limit(self):
        started = self.path("started")
        busy = self.job({"--sleep": "1", "--started": started})
        wf = self.create()
        self.start_trigger(wf, [busy])
        rid = self.start_run(wf)
        self.started_pids(started)
        self.assertErrorCode("ConcurrentRunsExceededException", self.glue.start_job_run, JobName=busy)
        run = self.wait_run(wf, rid)
        self.only_job_run(run, busy)
        self.assertEqual(len(self.glue.get_job_runs(JobName=busy)["JobRuns"]), 1)

    def test_job_limit_reached_by_a_trigger_fails_that_job_run(self):
        started = self.path("started")
        busy = self.job({"--sleep": "1.5", "--started": started})
        direct = self.glue.start_job_run(JobName=busy)["JobRunId"]
        self.started_pids(started)
        wf = self.create()
        self.start_trigger(wf, [busy])
        on_fail = self.job()
        self.cond_trigger(wf, [cond(busy, "FAILED")], [on_fail])
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        jr = self.only_job_run(run, busy, "FAILED")
        self.assertRegex(jr.get("ErrorMessage", ""), r"(?i)concurrent")
        self.only_job_run(run, on_fail)
        self.assertStats(run, TotalActions=2, SucceededActions=1, FailedActions=1)
        self.assertEqual(self.wait_job_run(busy, direct)["JobRunState"], "SUCCEEDED")
