"""--max-jobs: a node runs at most N job processes at once; job runs past the bound wait as WAITING, in the
order they were made, and start as others end. The bound holds across a restart (the waiting runs are in the
store), and a stop reaches waiting runs too."""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Glued  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"
JOB_ENDED = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")


class MaxJobsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="glued-maxjobs-")
        self.addCleanup(self.tmp.cleanup)
        self.log = os.path.join(self.tmp.name, "log")
        self.script = os.path.join(self.tmp.name, "job.sh")
        with open(self.script, "w") as f:
            # start and end lines carry the job name; the sleep length comes as --sleep
            f.write('s=1\nn=\nwhile [ $# -ge 2 ]; do case "$1" in --sleep) s=$2;; --JOB_NAME) n=$2;; esac; shift 2;'
                    ' done\necho "start $n" >> ' + self.log + '\nsleep "$s"\necho "end $n" >> ' + self.log + '\n')
        self.g = Glued(["--max-jobs", "2"])
        self.addCleanup(self.g.cleanup)
        self.g.start()
        self.c = self.g.client()

    def job(self, name, sleep="0.6"):
        self.c.create_job(Name=name, Role=ROLE, Command={"Name": "shell", "ScriptLocation": self.script},
                          DefaultArguments={"--sleep": sleep})

    def state(self, name, rid):
        return self.g.client().get_job_run(JobName=name, RunId=rid)["JobRun"]["JobRunState"]

    def wait_all(self, runs, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            states = [self.state(n, r) for n, r in runs]
            if all(s in JOB_ENDED for s in states):
                return states
            self.assertLess(time.monotonic(), deadline, states)
            time.sleep(0.1)

    def log_lines(self):
        if not os.path.exists(self.log):  # no job has started yet (a stop may come first)
            return []
        with open(self.log) as f:
            return [line.split() for line in f]

    def test_at_most_n_run_and_the_rest_wait_in_order(self):
        # the first two run long enough for every start and read below, which took 0.07-0.11 s on a loaded machine
        # (each job slept 0.6 s: a machine 6 times slower would have seen mj2 start); the others are quick
        for i in range(6):
            self.job(f"mj{i}", "2" if i < 2 else "0.3")
        runs = [(f"mj{i}", self.c.start_job_run(JobName=f"mj{i}")["JobRunId"]) for i in range(6)]
        # the last ones wait (on a shared store a node may not have claimed the second yet either)
        states = [self.state(n, r) for n, r in runs]
        self.assertEqual(states[2:], ["WAITING"] * 4, states)
        self.assertLessEqual(len([x for x in states if x != "WAITING"]), 2, states)
        self.assertEqual(self.wait_all(runs), ["SUCCEEDED"] * 6)
        running, peak, starts = 0, 0, []
        for kind, name in self.log_lines():
            running += 1 if kind == "start" else -1
            peak = max(peak, running)
            if kind == "start":
                starts.append(name)
        self.assertEqual(peak, 2)
        self.assertEqual(sorted(starts[:2]), ["mj0", "mj1"])
        # the waiting ones start in order: glued's StartedOn, as it spawned them (two started in the same
        # moment may write their lines in either order, so the log's order is not glued's)
        started = [self.c.get_job_run(JobName=n, RunId=r)["JobRun"]["StartedOn"] for n, r in runs[2:]]
        self.assertEqual(started, sorted(started), list(zip(runs[2:], started)))

    def test_waiting_counts_in_a_run_and_survives_a_restart(self):
        self.c.create_workflow(Name="wfm")
        for i in range(5):
            self.job(f"wj{i}", "1.5")
        self.c.create_trigger(Name="wfm-start", WorkflowName="wfm", Type="ON_DEMAND",
                              Actions=[{"JobName": f"wj{i}"} for i in range(5)])
        rid = self.c.start_workflow_run(Name="wfm")["RunId"]
        deadline = time.monotonic() + 10  # a node sharing a store claims the second one a moment later
        while (st := self.c.get_workflow_run(Name="wfm", RunId=rid)["Run"]["Statistics"])["RunningActions"] < 2:
            self.assertLess(time.monotonic(), deadline, st)
            time.sleep(0.05)
        self.assertEqual((st["RunningActions"], st["WaitingActions"]), (2, 3), st)
        self.g.stop_ok()
        self.g.start()
        c = self.g.client()
        deadline = time.monotonic() + 60
        while (run := c.get_workflow_run(Name="wfm", RunId=rid)["Run"])["Status"] == "RUNNING":
            self.assertLessEqual(run["Statistics"]["RunningActions"], 2, run["Statistics"])
            self.assertLess(time.monotonic(), deadline, run["Statistics"])
            time.sleep(0.1)
        # the two that ran were ended by the shutdown; the three that waited ran after the restart
        self.assertEqual(run["Statistics"]["SucceededActions"], 3, run["Statistics"])
        self.assertEqual(run["Statistics"]["FailedActions"], 2, run["Statistics"])

    def test_stop_reaches_waiting_runs(self):
        self.c.create_workflow(Name="wfs")
        for i in range(4):
            self.job(f"sj{i}", "30")
        self.c.create_trigger(Name="wfs-start", WorkflowName="wfs", Type="ON_DEMAND",
                              Actions=[{"JobName": f"sj{i}"} for i in range(4)])
        rid = self.c.start_workflow_run(Name="wfs")["RunId"]
        self.c.stop_workflow_run(Name="wfs", RunId=rid)
        deadline = time.monotonic() + 30
        while (run := self.c.get_workflow_run(Name="wfs", RunId=rid)["Run"])["Status"] != "STOPPED":
            self.assertLess(time.monotonic(), deadline, run)
            time.sleep(0.1)
        self.assertEqual(run["Statistics"]["StoppedActions"], 4, run["Statistics"])
        # nothing waiting was started by the room the stop made
        time.sleep(0.5)
        started = {x[1] for x in self.log_lines() if x[0] == "start"}
        self.assertFalse(started & {"sj2", "sj3"}, started)

    def test_batch_stop_of_a_waiting_run(self):
        for i in range(3):
            self.job(f"bj{i}", "30")
        ids = [self.c.start_job_run(JobName=f"bj{i}")["JobRunId"] for i in range(3)]
        self.assertEqual(self.state("bj2", ids[2]), "WAITING")
        out = self.c.batch_stop_job_run(JobName="bj2", JobRunIds=[ids[2]])
        self.assertEqual(len(out["SuccessfulSubmissions"]), 1, out)
        self.assertEqual(self.state("bj2", ids[2]), "STOPPED")
        for i in range(2):
            self.c.batch_stop_job_run(JobName=f"bj{i}", JobRunIds=[ids[i]])
        self.assertEqual(self.wait_all([(f"bj{i}", ids[i]) for i in range(3)]), ["STOPPED"] * 3)


if __name__ == "__main__":
    unittest.main()
