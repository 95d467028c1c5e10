"""Workflows far past AWS's advice of 100 nodes (issue 13): a fan-out of 1,000 jobs, a chain of 1,000 and a 30 x 30
lattice build their graphs, run to the end, stop and resume correctly. The graphs are checked against the
structure the triggers define (node and edge counts, every edge's ends), both as built and as cached."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"


def cond(job, state="SUCCEEDED"):
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


class LargeWorkflowsTest(ServerTestCase):
    server_args = ("--max-definitions", "0")  # past AWS's quotas of 1,000 jobs and 1,000 triggers

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = cls.class_tempdir("glued-large-")
        cls.ok = os.path.join(cls.tmp, "ok.sh")
        with open(cls.ok, "w") as f:
            f.write("exit 0\n")
        # fails while its flag file exists, so that a resume can succeed where the first run failed
        cls.flag = os.path.join(cls.tmp, "fail-flag")
        cls.flaky = os.path.join(cls.tmp, "flaky.sh")
        with open(cls.flaky, "w") as f:
            f.write(f'[ -e "{cls.flag}" ] && exit 1\nexit 0\n')
        cls.slow = os.path.join(cls.tmp, "slow.sh")
        with open(cls.slow, "w") as f:
            f.write("sleep 0.2\n")

    def jobs(self, names, script):
        for n in names:
            self.glue.create_job(Name=n, Role=ROLE, Command={"Name": "shell", "ScriptLocation": script},
                                 ExecutionProperty={"MaxConcurrentRuns": 10})

    def wait(self, wf, rid, timeout=240):
        deadline = time.monotonic() + timeout
        while True:
            run = self.glue.get_workflow_run(Name=wf, RunId=rid)["Run"]
            if run["Status"] not in ("RUNNING", "STOPPING"):
                return run
            self.assertLess(time.monotonic(), deadline, run["Statistics"])
            time.sleep(0.2)

    def check_graph(self, wf, nodes, edges):
        """The graph has `nodes` nodes and exactly the `edges` (pairs of names); twice, the second from the cache."""
        for _ in range(2):
            g = self.glue.get_workflow(Name=wf, IncludeGraph=True)["Workflow"]["Graph"]
            self.assertEqual(len(g["Nodes"]), nodes)
            names = {n["UniqueId"]: n["Name"] for n in g["Nodes"]}
            got = {(names[e["SourceId"]], names[e["DestinationId"]]) for e in g["Edges"]}
            self.assertEqual(len(g["Edges"]), len(got))
            self.assertEqual(got, edges)
        return g

    def test_fan_out_of_1000(self):
        wf = self.uname("fan")
        root, jobs = wf + "-root", [f"{wf}-j{i:04d}" for i in range(1000)]
        self.jobs([root] + jobs, self.ok)
        self.glue.create_workflow(Name=wf)
        self.glue.create_trigger(Name=wf + "-start", WorkflowName=wf, Type="ON_DEMAND", Actions=[{"JobName": root}])
        edges = {(wf + "-start", root)}
        for b in range(20):  # a trigger starts at most 50 jobs
            t = f"{wf}-t{b:02d}"
            part = jobs[50 * b:50 * (b + 1)]
            self.glue.create_trigger(Name=t, WorkflowName=wf, Type="CONDITIONAL", StartOnCreation=True,
                                     Predicate={"Conditions": [cond(root)]}, Actions=[{"JobName": j} for j in part])
            edges |= {(root, t)} | {(t, j) for j in part}
        self.check_graph(wf, 1 + 21 + 1000, edges)
        run = self.wait(wf, self.glue.start_workflow_run(Name=wf)["RunId"])
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertEqual(run["Statistics"]["SucceededActions"], 1001, run["Statistics"])
        self.assertEqual(run["Statistics"]["TotalActions"], 1001)

    def test_chain_of_1000_stops_and_resumes(self):
        wf = self.uname("chain")
        jobs = [f"{wf}-j{i:04d}" for i in range(1000)]
        self.jobs(jobs, self.ok)
        self.glue.create_workflow(Name=wf)
        self.glue.create_trigger(Name=wf + "-start", WorkflowName=wf, Type="ON_DEMAND",
                                 Actions=[{"JobName": jobs[0]}])
        edges = {(wf + "-start", jobs[0])}
        for i in range(1, 1000):
            t = f"{wf}-t{i:04d}"
            self.glue.create_trigger(Name=t, WorkflowName=wf, Type="CONDITIONAL", StartOnCreation=True,
                                     Predicate={"Conditions": [cond(jobs[i - 1])]}, Actions=[{"JobName": jobs[i]}])
            edges |= {(jobs[i - 1], t), (t, jobs[i])}
        g = self.check_graph(wf, 2000, edges)
        ids = {n["Name"]: n["UniqueId"] for n in g["Nodes"]}
        # stop it on its way
        rid = self.glue.start_workflow_run(Name=wf)["RunId"]
        deadline = time.monotonic() + 60
        while self.glue.get_workflow_run(Name=wf, RunId=rid)["Run"]["Statistics"]["SucceededActions"] < 20:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.glue.stop_workflow_run(Name=wf, RunId=rid)
        run = self.wait(wf, rid)
        self.assertEqual(run["Status"], "STOPPED")
        done = run["Statistics"]["SucceededActions"]
        self.assertLess(done, 1000)
        self.assertEqual(run["Statistics"]["RunningActions"], 0)
        # a whole run, then a resume from job 900: it runs the last hundred again
        rid = self.glue.start_workflow_run(Name=wf)["RunId"]
        run = self.wait(wf, rid)
        self.assertEqual(run["Statistics"]["SucceededActions"], 1000, run["Statistics"])
        out = self.glue.resume_workflow_run(Name=wf, RunId=rid, NodeIds=[ids[jobs[900]]])
        self.assertEqual(out["NodeIds"], [ids[jobs[900]]])
        resumed = self.wait(wf, out["RunId"])
        self.assertEqual(resumed["Status"], "COMPLETED")
        self.assertEqual(resumed["PreviousRunId"], rid)
        self.assertEqual(resumed["Statistics"]["SucceededActions"], 1000, resumed["Statistics"])
        g = self.glue.get_workflow_run(Name=wf, RunId=out["RunId"], IncludeGraph=True)["Run"]["Graph"]
        again = [n["Name"] for n in g["Nodes"] if n["Type"] == "JOB"
                 and n["JobDetails"]["JobRuns"][0].get("TriggerName", "") != ""
                 and n["JobDetails"]["JobRuns"][0]["StartedOn"] >= resumed["StartedOn"]]
        self.assertEqual(sorted(again), jobs[900:])

    def test_lattice_30_by_30_fails_and_resumes(self):
        wf = self.uname("lat")
        name = lambda i, j: f"{wf}-{i:02d}-{j:02d}"  # noqa: E731
        flaky = name(10, 10)
        all_jobs = [name(i, j) for i in range(30) for j in range(30)]
        self.jobs([n for n in all_jobs if n != flaky], self.ok)
        self.jobs([flaky], self.flaky)
        self.glue.create_workflow(Name=wf)
        self.glue.create_trigger(Name=wf + "-start", WorkflowName=wf, Type="ON_DEMAND",
                                 Actions=[{"JobName": name(0, 0)}])
        edges = {(wf + "-start", name(0, 0))}
        for i in range(30):
            for j in range(30):
                if i == j == 0:
                    continue
                ups = ([name(i - 1, j)] if i else []) + ([name(i, j - 1)] if j else [])
                t = f"{wf}-t{i:02d}-{j:02d}"
                pred = {"Conditions": [cond(u) for u in ups]}
                if len(ups) > 1:
                    pred["Logical"] = "AND"
                self.glue.create_trigger(Name=t, WorkflowName=wf, Type="CONDITIONAL", StartOnCreation=True,
                                         Predicate=pred, Actions=[{"JobName": name(i, j)}])
                edges |= {(u, t) for u in ups} | {(t, name(i, j))}
        g = self.check_graph(wf, 900 + 900, edges)
        ids = {n["Name"]: n["UniqueId"] for n in g["Nodes"]}
        open(self.flag, "w").close()
        rid = self.glue.start_workflow_run(Name=wf)["RunId"]
        run = self.wait(wf, rid)
        # everything downstream of (10, 10) never ran: (i, j) with i >= 10 and j >= 10, but (10, 10) itself failed
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertEqual(run["Statistics"]["FailedActions"], 1, run["Statistics"])
        self.assertEqual(run["Statistics"]["SucceededActions"], 900 - 400, run["Statistics"])
        os.remove(self.flag)
        out = self.glue.resume_workflow_run(Name=wf, RunId=rid, NodeIds=[ids[flaky]])
        resumed = self.wait(wf, out["RunId"])
        self.assertEqual(resumed["Statistics"]["SucceededActions"], 900, resumed["Statistics"])
        self.assertEqual(resumed["Statistics"]["FailedActions"], 0, resumed["Statistics"])


if __name__ == "__main__":
    unittest.main()
