"""Workflow runs that really run (SPEC §6, §11): fan-out, fan-in with AND, ANY on failure, PredecessorRuns, many
runs at once, concurrent runs of one workflow, failing jobs, retries, a workflow job stopped by BatchStopJobRun,
reserved arguments, conditional triggers that are not activated, cycles, trigger vs job edits during a run, an
action on a deleted job, standalone vs workflow triggers, run properties passed between Python jobs, LastRun,
StartTrigger, start errors and crawler actions. Jobs are tests/api/jobs/job.sh and pyjob.py run by glued."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_engine_helpers import (JOB_RUN_ID_RE, PY, ROLE, SH, EngineTestCase, cond, pairs, read_argv, ts)  # noqa: E402

ROLE_C = "GlueCrawlerRole"


class GraphRunTest(EngineTestCase):
    def test_fan_out_starts_three_jobs_at_once(self):
        wf = self.create()
        jobs = [self.job({"--sleep": "0.6"}) for _ in range(3)]
        start = self.start_trigger(wf, jobs)
        last = self.job()
        # ANY over three successes fires once, not three times
        anyt = self.cond_trigger(wf, jobs, [last], logical="ANY")
        rid = self.start_run(wf)
        early = self.get_run(wf, rid, graph=False)
        self.assertEqual(early["Status"], "RUNNING")
        self.assertEqual(early["WorkflowRunId"], rid)
        self.assertEqual(early["Name"], wf)
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.assertGreaterEqual(ts(run["CompletedOn"]), ts(run["StartedOn"]))
        self.assertNotIn("ErrorMessage", run)
        jrs = [self.only_job_run(run, j) for j in jobs]
        for j, jr in zip(jobs, jrs):
            self.assertEqual(jr["JobName"], j)
            self.assertEqual(jr["TriggerName"], start)
            self.assertEqual(jr["Attempt"], 0)
            self.assertRegex(jr["Id"], JOB_RUN_ID_RE)
            self.assertWorkflowArgs(jr, wf, rid)
            self.assertGreaterEqual(ts(jr["CompletedOn"]), ts(jr["StartedOn"]))
        # the three ran side by side: each started before any of them ended
        self.assertLess(max(ts(j["StartedOn"]) for j in jrs), min(ts(j["CompletedOn"]) for j in jrs))
        self.assertEqual(len({j["Id"] for j in jrs}), 3)
        jl = self.only_job_run(run, last)
        self.assertEqual(jl["TriggerName"], anyt)
        self.assertStats(run, TotalActions=4, SucceededActions=4)
        # the same job run is visible through GetJobRun
        one = self.glue.get_job_run(JobName=jobs[0], RunId=jrs[0]["Id"])["JobRun"]
        self.assertEqual((one["Id"], one["JobRunState"], one["TriggerName"]), (jrs[0]["Id"], "SUCCEEDED", start))
        self.assertWorkflowArgs(one, wf, rid)

    def test_fan_in_and_waits_for_all_three(self):
        wf = self.create()
        jobs = [self.job({"--sleep": s}) for s in ("0.2", "0.4", "0.8")]
        self.start_trigger(wf, jobs)
        down = self.job()
        t = self.cond_trigger(wf, jobs, [down], logical="AND")
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        ups = [self.only_job_run(run, j) for j in jobs]
        d = self.only_job_run(run, down)
        self.assertEqual(d["TriggerName"], t)
        self.assertGreaterEqual(ts(d["StartedOn"]) + 0.002, max(ts(u["CompletedOn"]) for u in ups),
                                "the AND trigger fired before every upstream job had ended")
        self.assertStats(run, TotalActions=4, SucceededActions=4)

    def test_trigger_started_job_run_lists_its_predecessors(self):
        """JobRun.PredecessorRuns: the job runs used in the predicate of the conditional trigger that started it."""
        wf = self.create()
        u1, u2 = self.job(), self.job({"--sleep": "0.2"})
        self.start_trigger(wf, [u1, u2])
        down = self.job()
        self.cond_trigger(wf, [u1, u2], [down], logical="AND")
        run = self.wait_run(wf, self.start_run(wf))
        want = sorted([{"JobName": u1, "RunId": self.only_job_run(run, u1)["Id"]},
                       {"JobName": u2, "RunId": self.only_job_run(run, u2)["Id"]}], key=lambda p: p["JobName"])
        d = self.only_job_run(run, down)
        self.assertEqual(sorted(d.get("PredecessorRuns", []), key=lambda p: p["JobName"]), want)
        jr = self.glue.get_job_run(JobName=down, RunId=d["Id"], PredecessorsIncluded=True)["JobRun"]
        self.assertEqual(sorted(jr.get("PredecessorRuns", []), key=lambda p: p["JobName"]), want)
        # a job run started by the start trigger has none
        self.assertEqual(self.only_job_run(run, u1).get("PredecessorRuns", []), [])

    def test_concurrent_runs_of_one_workflow_keep_their_own_jobs_and_properties(self):
        wf = self.create(DefaultRunProperties={"d": "0"})
        j = self.job({"--sleep": "0.5"}, ExecutionProperty={"MaxConcurrentRuns": 5})
        self.start_trigger(wf, [j])
        rids = [self.start_run(wf, props={"n": str(i)}) for i in range(3)]
        self.assertEqual(len(set(rids)), 3)
        seen = set()
        for i, rid in enumerate(rids):
            run = self.wait_run(wf, rid)
            self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
            jr = self.only_job_run(run, j)
            self.assertWorkflowArgs(jr, wf, rid)
            seen.add(jr["Id"])
            self.assertEqual(run["WorkflowRunProperties"], {"d": "0", "n": str(i)})
            self.assertStats(run, TotalActions=1, SucceededActions=1)
        self.assertEqual(len(seen), 3)
        self.assertEqual(len(self.glue.get_job_runs(JobName=j)["JobRuns"]), 3)

    def test_batch_stop_of_a_workflow_job_fires_stopped_triggers_and_is_not_retried(self):
        wf = self.create()
        started = self.path("started")
        s = self.job({"--sleep": "30", "--started": started}, MaxRetries=2)
        self.start_trigger(wf, [s])
        on_stop = self.job()
        self.cond_trigger(wf, [cond(s, "STOPPED")], [on_stop])
        rid = self.start_run(wf)
        pids = self.started_pids(started)
        jid = self.wait_running(wf, rid, s)[1]["Id"]
        out = self.glue.batch_stop_job_run(JobName=s, JobRunIds=[jid])
        self.assertEqual(out["SuccessfulSubmissions"], [{"JobName": s, "JobRunId": jid}])
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", "stopping one job run does not stop the workflow run")
        self.only_job_run(run, s, "STOPPED")
        self.only_job_run(run, on_stop)
        self.assertStats(run, TotalActions=2, SucceededActions=1, StoppedActions=1)
        self.wait_gone(pids)

    def test_reserved_arguments_are_refused_everywhere(self):
        """--JOB_NAME, --JOB_RUN_ID, --WORKFLOW_NAME, --WORKFLOW_RUN_ID are glued's: no map of arguments may set
        them (a script reading the last value would act on a forged id), so argv carries each once."""
        for key in ("--JOB_NAME", "--JOB_RUN_ID", "--WORKFLOW_NAME", "--WORKFLOW_RUN_ID"):
            with self.subTest(key=key):
                for field in ("DefaultArguments", "NonOverridableArguments"):
                    msg = self.assertErrorCode("InvalidInputException", self.glue.create_job, Name=self.uname("job"),
                                               Role=ROLE, Command={"Name": "shell", "ScriptLocation": SH},
                                               **{field: {key: "forged"}})
                    self.assertIn(key, msg)
                job = self.job()
                self.assertErrorCode("InvalidInputException", self.glue.start_job_run, JobName=job,
                                     Arguments={key: "forged"})
                self.assertErrorCode("InvalidInputException", self.glue.create_trigger, Name=self.uname("t"),
                                     Type="ON_DEMAND", Actions=[{"JobName": job, "Arguments": {key: "forged"}}])
                self.assertEqual(self.glue.get_job_runs(JobName=job)["JobRuns"], [])
        # and what a job gets: each reserved key once, with glued's values; a key written without -- gets it
        out = self.path("argv")
        job = self.job({"--out": out, "plain": "v"})
        wf = self.create()
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        jr = self.only_job_run(self.wait_run(wf, rid), job)
        got = pairs(read_argv(out)[1:])  # fails on a key passed twice
        self.assertEqual(got, {"--JOB_NAME": job, "--JOB_RUN_ID": jr["Id"], "--WORKFLOW_NAME": wf,
                               "--WORKFLOW_RUN_ID": rid, "--out": out, "--plain": "v"})
        self.assertEqual(jr["Arguments"].get("--plain", jr["Arguments"].get("plain")), "v")

    def test_and_with_one_failure_never_fires(self):
        wf = self.create()
        ok, bad = self.job({"--sleep": "0.2"}), self.job({"--exit": "1"})
        self.start_trigger(wf, [ok, bad])
        down = self.job()
        self.cond_trigger(wf, [ok, bad], [down], logical="AND")
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.only_job_run(run, ok)
        self.only_job_run(run, bad, "FAILED")
        self.assertEqual(self.job_runs(run, down), [])
        self.assertEqual(self.glue.get_job_runs(JobName=down)["JobRuns"], [])
        self.assertStats(run, TotalActions=3, SucceededActions=1, FailedActions=1)

    def test_any_fires_on_one_failure_without_waiting_for_the_other(self):
        wf = self.create()
        bad, slow = self.job({"--exit": "2"}), self.job({"--sleep": "1.5"})
        self.start_trigger(wf, [bad, slow])
        handler = self.job()
        t = self.cond_trigger(wf, [cond(bad, "FAILED"), cond(slow, "FAILED")], [handler], logical="ANY")
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        b = self.only_job_run(run, bad, "FAILED")
        s = self.only_job_run(run, slow, "SUCCEEDED")
        h = self.only_job_run(run, handler, "SUCCEEDED")
        self.assertEqual(h["TriggerName"], t)
        self.assertGreaterEqual(ts(h["StartedOn"]) + 0.002, ts(b["CompletedOn"]))
        self.assertLess(ts(h["StartedOn"]), ts(s["CompletedOn"]), "ANY waited for the slow job")
        self.assertStats(run, TotalActions=3, SucceededActions=2, FailedActions=1)

    def test_failing_jobs_are_failed_with_status_and_last_stderr_line(self):
        wf = self.create()
        exit3 = self.job({"--stderr": "boom: the disk is on fire", "--exit": "3"})
        counter = self.path("counter")
        twolines = self.job({"--counter": counter, "--fail-times": "9"})
        self.start_trigger(wf, [exit3, twolines])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", "a run is COMPLETED even when its jobs fail")
        self.assertNotIn("ErrorMessage", run)
        a = self.only_job_run(run, exit3, "FAILED")
        self.assertIn("boom: the disk is on fire", a.get("ErrorMessage", ""))
        self.assertRegex(a["ErrorMessage"], r"(?<![0-9])3(?![0-9])", "the message does not give the exit status")
        self.assertIn("CompletedOn", a)
        b = self.only_job_run(run, twolines, "FAILED")
        self.assertIn("failing on purpose: attempt 1", b.get("ErrorMessage", ""))
        self.assertNotIn("of the counter job", b["ErrorMessage"], "the message should hold the LAST stderr line")
        self.assertStats(run, TotalActions=2, FailedActions=2)
        jr = self.glue.get_job_run(JobName=exit3, RunId=a["Id"])["JobRun"]
        self.assertEqual((jr["JobRunState"], jr["ErrorMessage"]), ("FAILED", a["ErrorMessage"]))

    def test_retries_until_success_show_three_attempts(self):
        wf = self.create()
        counter = self.path("counter")
        flaky = self.job({"--counter": counter, "--fail-times": "2"}, MaxRetries=2)
        self.start_trigger(wf, [flaky])
        down = self.job()
        self.cond_trigger(wf, [flaky], [down])
        on_fail = self.job()
        self.cond_trigger(wf, [cond(flaky, "FAILED")], [on_fail])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        jrs = self.job_runs(run, flaky)
        self.assertEqual([j["Attempt"] for j in jrs], [0, 1, 2], self.summary(run))
        self.assertEqual([j["JobRunState"] for j in jrs], ["FAILED", "FAILED", "SUCCEEDED"])
        self.assertNotIn("PreviousRunId", jrs[0])
        self.assertEqual(jrs[1].get("PreviousRunId"), jrs[0]["Id"])
        self.assertEqual(jrs[2].get("PreviousRunId"), jrs[1]["Id"])
        self.assertEqual(len({j["Id"] for j in jrs}), 3)
        for j in jrs:
            self.assertWorkflowArgs(j, wf, rid)
        with open(counter) as f:
            self.assertEqual(f.read().strip(), "3")
        # only the last attempt counts: the SUCCEEDED trigger fired once, the FAILED one never
        self.only_job_run(run, down)
        self.assertEqual(self.job_runs(run, on_fail), [])
        self.assertStats(run, TotalActions=3, SucceededActions=2)

    def test_retries_exhausted_fire_the_failure_trigger_once_after_the_last_attempt(self):
        wf = self.create()
        doomed = self.job({"--exit": "1"}, MaxRetries=1)
        self.start_trigger(wf, [doomed])
        on_fail = self.job()
        self.cond_trigger(wf, [cond(doomed, "FAILED")], [on_fail])
        run = self.wait_run(wf, self.start_run(wf))
        jrs = self.job_runs(run, doomed)
        self.assertEqual([(j["Attempt"], j["JobRunState"]) for j in jrs], [(0, "FAILED"), (1, "FAILED")])
        self.assertEqual(jrs[1].get("PreviousRunId"), jrs[0]["Id"])
        h = self.only_job_run(run, on_fail)
        self.assertGreaterEqual(ts(h["StartedOn"]) + 0.002, ts(jrs[1]["CompletedOn"]),
                                "the FAILED trigger fired on the first attempt, before the retry ended")
        self.assertStats(run, TotalActions=2, SucceededActions=1, FailedActions=1)

    def test_conditional_trigger_not_activated_does_not_fire(self):
        wf = self.create()
        first, second = self.job(), self.job()
        self.start_trigger(wf, [first])
        t = self.cond_trigger(wf, [first], [second], activate=False)
        self.assertIn(self.glue.get_trigger(Name=t)["Trigger"]["State"], ("CREATED", "DEACTIVATED"))
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.only_job_run(run, first)
        self.assertEqual(self.job_runs(run, second), [])
        self.assertStats(run, TotalActions=2, SucceededActions=1)
        # once activated, the next run fires it
        self.glue.start_trigger(Name=t)
        run2 = self.wait_run(wf, self.start_run(wf))
        self.only_job_run(run2, second)
        self.assertStats(run2, TotalActions=2, SucceededActions=2)

    def test_cycle_of_triggers_still_ends(self):
        wf = self.create()
        a, b = self.job(), self.job()
        self.start_trigger(wf, [a])
        self.cond_trigger(wf, [a], [b])
        self.cond_trigger(wf, [b], [a])
        run = self.wait_run(wf, self.start_run(wf), timeout=20)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.assertEqual(len(self.job_runs(run, b)), 1, "each trigger fires at most once per run")
        self.assertIn(len(self.job_runs(run, a)), (1, 2))

    def test_last_run_is_the_newest_and_runs_list_newest_first(self):
        wf = self.create()
        self.start_trigger(wf, [self.job()])
        r1 = self.start_run(wf)
        self.wait_run(wf, r1)
        r2 = self.start_run(wf)
        self.assertNotEqual(r1, r2)
        self.wait_run(wf, r2)
        w = self.glue.get_workflow(Name=wf, IncludeGraph=True)["Workflow"]
        self.assertEqual(w["LastRun"]["WorkflowRunId"], r2)
        self.assertEqual(w["LastRun"]["Status"], "COMPLETED")
        self.assertNotIn("Graph", w["LastRun"])
        runs = self.glue.get_workflow_runs(Name=wf)["Runs"]
        self.assertEqual([r["WorkflowRunId"] for r in runs], [r2, r1])

    def test_start_trigger_on_the_on_demand_start_trigger_starts_a_run(self):
        wf = self.create()
        j = self.job()
        t = self.start_trigger(wf, [j])
        self.assertEqual(self.glue.start_trigger(Name=t)["Name"], t)
        runs = self.glue.get_workflow_runs(Name=wf)["Runs"]
        self.assertEqual(len(runs), 1)
        run = self.wait_run(wf, runs[0]["WorkflowRunId"])
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.assertEqual(self.only_job_run(run, j)["TriggerName"], t)

    def test_start_errors(self):
        empty = self.create()
        msg = self.assertErrorCode("InvalidInputException", self.glue.start_workflow_run, Name=empty)
        self.assertIn(empty, msg)
        only_cond = self.create()
        self.cond_trigger(only_cond, [self.job()], [self.job()])
        msg = self.assertErrorCode("InvalidInputException", self.glue.start_workflow_run, Name=only_cond)
        self.assertIn(only_cond, msg)
        self.assertEqual(self.glue.get_workflow_runs(Name=only_cond)["Runs"], [])
        missing = self.uname("nope")
        msg = self.assertErrorCode("EntityNotFoundException", self.glue.start_workflow_run, Name=missing)
        self.assertIn(missing, msg)

    def test_trigger_edits_do_not_touch_a_running_run_but_job_edits_do(self):
        wf = self.create()
        started, b_out = self.path("started"), self.path("b")
        a = self.job({"--sleep": "1", "--started": started})
        b = self.job({"--out": b_out, "--tag": "old"})
        c = self.job()
        self.start_trigger(wf, [a])
        t = self.cond_trigger(wf, [a], [b])
        rid = self.start_run(wf)
        self.started_pids(started)
        # mid-run: the trigger now starts c instead of b, and b's arguments change
        self.glue.update_trigger(Name=t, TriggerUpdate={
            "Actions": [{"JobName": c}],
            "Predicate": {"Conditions": [cond(a)]}})
        self.glue.update_job(JobName=b, JobUpdate={
            "Role": ROLE,
            "Command": {"Name": "shell", "ScriptLocation": self.glue.get_job(JobName=b)["Job"]["Command"]
                        ["ScriptLocation"]},
            "DefaultArguments": {"--out": b_out, "--tag": "new"}})
        run = self.wait_run(wf, rid)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.only_job_run(run, b)
        self.assertEqual(self.glue.get_job_runs(JobName=c)["JobRuns"], [], "a trigger edit changed a running run")
        self.assertEqual(pairs(read_argv(b_out)[9:]).get("--tag"), "new", "a job edit did not reach the running run")
        # the next run follows the edited trigger
        run2 = self.wait_run(wf, self.start_run(wf))
        self.only_job_run(run2, c)
        self.assertEqual(len(self.glue.get_job_runs(JobName=b)["JobRuns"]), 1)

    def test_each_start_uses_the_job_as_it_is_now(self):
        """The engine keeps a job's parsed definition between starts: an edit, or a delete and a create under the
        same name, between two runs reaches the next start (arguments, timeout, the script's argv)."""
        wf = self.create()
        out = self.path("b")
        a = self.job()
        b = self.job({"--out": out, "--tag": "old"}, Timeout=30)
        self.start_trigger(wf, [a])
        self.cond_trigger(wf, [a], [b])

        def b_run():
            run = self.wait_run(wf, self.start_run(wf))
            self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
            jr = self.only_job_run(run, b)
            return jr, pairs(read_argv(out)[9:])

        jr, argv = b_run()
        self.assertEqual((jr["Arguments"]["--tag"], jr["Timeout"], argv["--tag"]), ("old", 30, "old"))
        script = self.glue.get_job(JobName=b)["Job"]["Command"]["ScriptLocation"]
        self.glue.update_job(JobName=b, JobUpdate={"Role": ROLE, "Command": {"Name": "shell", "ScriptLocation": script},
                                                   "DefaultArguments": {"--out": out, "--tag": "new"}, "Timeout": 40})
        jr, argv = b_run()
        self.assertEqual((jr["Arguments"]["--tag"], jr["Timeout"], argv["--tag"]), ("new", 40, "new"))
        self.glue.delete_job(JobName=b)
        self.job({"--out": out, "--tag": "again"}, name=b, Timeout=50)
        jr, argv = b_run()
        self.assertEqual((jr["Arguments"]["--tag"], jr["Timeout"], argv["--tag"]), ("again", 50, "again"))

    def test_action_on_a_deleted_job_is_an_error_job_run(self):
        wf = self.create()
        a, gone = self.job(), self.job()
        self.start_trigger(wf, [a])
        self.cond_trigger(wf, [a], [gone])
        self.glue.delete_job(JobName=gone)
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        jr = self.only_job_run(run, gone, "ERROR")
        self.assertIn(gone, jr.get("ErrorMessage", ""))
        self.assertStats(run, TotalActions=2, SucceededActions=1, ErroredActions=1)

    def test_standalone_triggers_and_workflow_triggers_are_isolated(self):
        j, k, m = self.job(), self.job(ExecutionProperty={"MaxConcurrentRuns": 5}), self.job()
        outside = self.uname("outside")
        self.glue.create_trigger(Name=outside, Type="CONDITIONAL", StartOnCreation=True,
                                 Predicate={"Conditions": [cond(j)]}, Actions=[{"JobName": k}])
        wf = self.create()
        self.start_trigger(wf, [j])
        self.cond_trigger(wf, [j], [m])
        # a standalone run of j fires the standalone trigger, not the workflow's
        jid = self.glue.start_job_run(JobName=j)["JobRunId"]
        self.assertEqual(self.wait_job_run(j, jid)["JobRunState"], "SUCCEEDED")
        deadline = time.monotonic() + 15
        while not self.glue.get_job_runs(JobName=k)["JobRuns"]:
            self.assertLess(time.monotonic(), deadline, "the standalone CONDITIONAL trigger never fired")
            time.sleep(0.05)
        kr = self.glue.get_job_runs(JobName=k)["JobRuns"]
        self.assertEqual(len(kr), 1)
        self.assertEqual(kr[0]["TriggerName"], outside)
        self.assertNotIn("--WORKFLOW_NAME", kr[0].get("Arguments", {}))
        # its predecessor is the standalone run of j that met the condition
        self.assertEqual(kr[0].get("PredecessorRuns"), [{"JobName": j, "RunId": jid}])
        self.wait_job_run(k, kr[0]["Id"])
        # j inside the workflow fires the workflow's trigger only
        run = self.wait_run(wf, self.start_run(wf))
        self.only_job_run(run, m)
        time.sleep(0.3)
        self.assertEqual(len(self.glue.get_job_runs(JobName=k)["JobRuns"]), 1, "a workflow job fired an outside trigger")
        self.assertEqual(len(self.glue.get_job_runs(JobName=m)["JobRuns"]), 1)
        # StartTrigger on a standalone ON_DEMAND trigger: its actions as standalone job runs, with their Arguments
        out = self.path("argv")
        od = self.uname("od")
        n = self.job({"--out": out})
        self.glue.create_trigger(Name=od, Type="ON_DEMAND", Actions=[{"JobName": n, "Arguments": {"--x": "y"}}])
        self.glue.start_trigger(Name=od)
        deadline = time.monotonic() + 15
        while not self.glue.get_job_runs(JobName=n)["JobRuns"]:
            self.assertLess(time.monotonic(), deadline, "StartTrigger started nothing")
            time.sleep(0.05)
        nr = self.wait_job_run(n, self.glue.get_job_runs(JobName=n)["JobRuns"][0]["Id"])
        self.assertEqual((nr["JobRunState"], nr.get("TriggerName")), ("SUCCEEDED", od))
        self.assertEqual(pairs(read_argv(out)[5:]), {"--out": out, "--x": "y"})

    def test_a_standalone_trigger_follows_its_updates_and_its_deletion(self):
        """What a standalone CONDITIONAL trigger watches is indexed as it is created, updated and deleted."""
        j1, j3, k = self.job(), self.job(), self.job(ExecutionProperty={"MaxConcurrentRuns": 5})
        name = self.uname("watch")
        self.glue.create_trigger(Name=name, Type="CONDITIONAL", StartOnCreation=True,
                                 Predicate={"Conditions": [cond(j1)]}, Actions=[{"JobName": k}])

        def k_runs_after(job):
            before = len(self.glue.get_job_runs(JobName=k)["JobRuns"])
            self.wait_job_run(job, self.glue.start_job_run(JobName=job)["JobRunId"])
            time.sleep(0.4)  # a trigger fires in the transaction that records the end: this is ample
            return len(self.glue.get_job_runs(JobName=k)["JobRuns"]) - before

        self.assertEqual(k_runs_after(j1), 1)
        self.glue.update_trigger(Name=name, TriggerUpdate={"Predicate": {"Conditions": [cond(j3)]},
                                                           "Actions": [{"JobName": k}]})
        self.assertEqual(k_runs_after(j1), 0)
        self.assertEqual(k_runs_after(j3), 1)
        self.glue.delete_trigger(Name=name)
        self.assertEqual(k_runs_after(j3), 0)

    def test_run_properties_pass_between_python_jobs(self):
        wf = self.create(DefaultRunProperties={"a": "1", "b": "2"})
        out1, out2 = self.path("p1"), self.path("p2")
        p1 = self.job({"--out": out1, "--put": '{"from_p1": "hello", "a": "changed"}'}, command="pythonshell",
                      script=PY)
        p2 = self.job({"--out": out2}, command="glueetl", script=PY)
        self.start_trigger(wf, [p1])
        self.cond_trigger(wf, [p1], [p2])
        rid = self.start_run(wf, props={"b": "X", "c": "3"})
        self.assertEqual(self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"],
                         {"a": "1", "b": "X", "c": "3"})
        run = self.wait_run(wf, rid, timeout=45)
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        self.only_job_run(run, p1)
        self.only_job_run(run, p2)
        r1, r2 = self.read_json(out1), self.read_json(out2)
        self.assertEqual(r1["props"], {"a": "1", "b": "X", "c": "3"})
        self.assertEqual(r2["props"], {"a": "changed", "b": "X", "c": "3", "from_p1": "hello"})
        self.assertEqual(r1["argv"][0], PY)
        self.assertEqual(r1["argv"][1:5], ["--JOB_NAME", p1, "--JOB_RUN_ID", self.only_job_run(run, p1)["Id"]])
        self.assertEqual(r1["env"].get("AWS_ENDPOINT_URL", "").rstrip("/"), self.server.url)
        self.assertEqual(run["WorkflowRunProperties"], r2["props"])
        self.assertEqual(self.glue.get_workflow(Name=wf)["Workflow"]["DefaultRunProperties"], {"a": "1", "b": "2"})


class CrawlerRunTest(EngineTestCase):
    explicit_s3_root = True

    def test_crawlers_in_a_workflow(self):
        bucket = self.uname("bkt").lower()
        os.makedirs(os.path.join(self.s3_root, bucket, "data", "part"))
        with open(os.path.join(self.s3_root, bucket, "data", "part", "x.csv"), "w") as f:
            f.write("a,b\n1,2\n")
        good = self.uname("crawler")
        bad = self.uname("crawler")
        self.glue.create_crawler(Name=good, Role=ROLE_C, DatabaseName=bucket,
                                 Targets={"S3Targets": [{"Path": f"s3://{bucket}/data"}]})
        # a target that is no s3://, file:// or absolute path fails the crawl (a missing folder would not)
        self.glue.create_crawler(Name=bad, Role=ROLE_C, DatabaseName=bucket,
                                 Targets={"S3Targets": [{"Path": f"ftp://{bucket}/missing"}]})
        wf = self.create()
        self.start_trigger(wf, [{"CrawlerName": good}, {"CrawlerName": bad}])
        after_good, after_bad, never = self.job(), self.job(), self.job()
        self.cond_trigger(wf, [cond(crawler=good)], [after_good])
        self.cond_trigger(wf, [cond(crawler=bad, crawl_state="FAILED")], [after_bad])
        self.cond_trigger(wf, [cond(crawler=bad)], [never])
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED", self.summary(run))
        cg, cb = self.crawls(run, good), self.crawls(run, bad)
        self.assertEqual([c["State"] for c in cg], ["SUCCEEDED"], self.summary(run))
        self.assertEqual([c["State"] for c in cb], ["FAILED"], self.summary(run))
        self.assertIn("StartedOn", cg[0])
        self.assertIn("CompletedOn", cg[0])
        self.assertIn(f"{bucket}/missing", cb[0].get("ErrorMessage", ""))
        self.only_job_run(run, after_good)
        self.only_job_run(run, after_bad)
        self.assertEqual(self.job_runs(run, never), [])
        self.assertStats(run, TotalActions=5, SucceededActions=3, FailedActions=1)
        g = self.glue.get_crawler(Name=good)["Crawler"]
        b = self.glue.get_crawler(Name=bad)["Crawler"]
        self.assertEqual((g["State"], b["State"]), ("READY", "READY"))
        self.assertEqual(g["LastCrawl"]["Status"], "SUCCEEDED")
        self.assertEqual(b["LastCrawl"]["Status"], "FAILED")
        self.assertIn(f"{bucket}/missing", b["LastCrawl"].get("ErrorMessage", ""))

