"""Several glued nodes on one PostgreSQL store (runs only when the suite runs on PostgreSQL: GLUED_TEST_PG).

Three nodes share one database. Each job appends "<job run id> <node pid>" to a ledger file, so the tests can
count how often each job run ran and on which node. They check that:
- fan-outs and chains spread over the nodes and every job run runs exactly once;
- a node killed with -9 in the middle of runs is declared dead when its lease lapses: its job runs are
  recorded FAILED with a message naming it, retried under MaxRetries on the others, and every run ends;
- a node restarted under its name rejoins and takes work again, and a second live node under the same name is
  refused, while a lease left on this host by a process that is gone (a zombie, or a pid now another
  process's) is taken over;
- StopWorkflowRun sent to one node stops job processes that another node runs;
- a job run's output is readable from any node's data directory with `glued logs --store`.
"""

import collections
import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import PG_BASE, Glued, psql, pg_url, run_binary  # noqa: E402
import secrets  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"
LEASE_S = 2
RUN_ENDED = ("COMPLETED", "STOPPED", "ERROR")
JOB_ENDED = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")


def children(pid):
    """The processes whose parent is pid (the job processes a node started)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


@unittest.skipUnless(PG_BASE, "nodes share a store only on PostgreSQL (run with GLUED_TEST_PG)")
class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.db = "c_" + secrets.token_hex(8)
        psql(PG_BASE, f"CREATE DATABASE {self.db}")
        self.store = pg_url(self.db)
        self.tmp = tempfile.mkdtemp(prefix="glued-cluster-")
        self.ledger = os.path.join(self.tmp, "ledger")
        open(self.ledger, "w").close()
        self.script = os.path.join(self.tmp, "job.sh")
        with open(self.script, "w") as f:
            # the node is the job's parent process; sleeping first gives the other nodes time to claim
            f.write('s=0.3\nwhile [ $# -ge 2 ]; do [ "$1" = --sleep ] && s=$2\n'
                    '[ "$1" = --say ] && echo "$2 $GLUED_JOB_RUN_ID"; shift 2; done\nsleep "$s"\n'
                    'echo "$GLUED_JOB_RUN_ID $PPID" >> ' + self.ledger + '\necho "output of $GLUED_JOB_RUN_ID"\n')
        self.nodes = {}
        for name in ("n1", "n2", "n3"):
            self.nodes[name] = self.node(name)

    def tearDown(self):
        for g in self.nodes.values():
            g.cleanup()
        psql(PG_BASE, f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        for root, dirs, files in os.walk(self.tmp, topdown=False):
            for n in files:
                os.remove(os.path.join(root, n))
            for n in dirs:
                os.rmdir(os.path.join(root, n))
        os.rmdir(self.tmp)

    def node(self, name):
        g = Glued(["--node-name", name, "--node-lease-s", str(LEASE_S)], store=self.store)
        g.start()
        return g

    def client(self, name):
        return self.nodes[name].client()

    # ---- helpers ---------------------------------------------------------------------------------------
    def job(self, name, sleep="0.3", retries=0):
        self.client("n1").create_job(Name=name, Role=ROLE, MaxRetries=retries,
                                     Command={"Name": "shell", "ScriptLocation": self.script},
                                     DefaultArguments={"--sleep": sleep}, ExecutionProperty={"MaxConcurrentRuns": 100})

    def fan_out(self, wf, n, sleep="0.3", retries=0):
        c = self.client("n1")
        c.create_workflow(Name=wf)
        for i in range(n):
            self.job(f"{wf}-j{i}", sleep, retries)
        c.create_trigger(Name=f"{wf}-start", WorkflowName=wf, Type="ON_DEMAND",
                         Actions=[{"JobName": f"{wf}-j{i}"} for i in range(n)])

    def chain(self, wf, n):
        c = self.client("n1")
        c.create_workflow(Name=wf)
        for i in range(n):
            self.job(f"{wf}-j{i}", "0")
        c.create_trigger(Name=f"{wf}-start", WorkflowName=wf, Type="ON_DEMAND", Actions=[{"JobName": f"{wf}-j0"}])
        for i in range(1, n):
            c.create_trigger(Name=f"{wf}-t{i}", WorkflowName=wf, Type="CONDITIONAL", StartOnCreation=True,
                             Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": f"{wf}-j{i - 1}",
                                                        "State": "SUCCEEDED"}]},
                             Actions=[{"JobName": f"{wf}-j{i}"}])

    def wait_run(self, node, wf, run_id, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            run = self.client(node).get_workflow_run(Name=wf, RunId=run_id, IncludeGraph=True)["Run"]
            if run["Status"] in RUN_ENDED:
                return run
            self.assertLess(time.monotonic(), deadline, f"run {run_id} of {wf} still {run['Status']}: "
                                                        f"{run['Statistics']}")
            time.sleep(0.1)

    def ledger_rows(self):
        with open(self.ledger) as f:
            return [line.split() for line in f if line.strip()]

    def job_runs(self, run):
        out = []
        for n in run["Graph"]["Nodes"]:
            out += (n.get("JobDetails") or {}).get("JobRuns", [])
        return out

    def node_pids(self):
        return {g.proc.pid: name for name, g in self.nodes.items() if g.alive()}

    # ---- tests -----------------------------------------------------------------------------------------
    def test_fan_out_spreads_and_runs_each_job_once(self):
        self.fan_out("fan", 24)
        rid = self.client("n1").start_workflow_run(Name="fan")["RunId"]
        run = self.wait_run("n2", "fan", rid)
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertEqual(run["Statistics"]["SucceededActions"], 24, run["Statistics"])
        rows = self.ledger_rows()
        counts = collections.Counter(r[0] for r in rows)
        self.assertEqual(len(counts), 24)
        self.assertEqual(set(counts.values()), {1}, f"job runs that ran more than once: {counts}")
        ids = {j["Id"] for j in self.job_runs(run)}
        self.assertEqual(ids, set(counts))
        by_node = collections.Counter(self.node_pids().get(int(r[1]), r[1]) for r in rows)
        self.assertGreaterEqual(len(by_node), 2, f"the fan-out ran on one node only: {by_node}")

    def test_chains_started_on_every_node_run_each_job_once(self):
        runs = []
        for k, name in enumerate(("n1", "n2", "n3")):
            self.chain(f"ch{k}", 5)
        for k, name in enumerate(("n1", "n2", "n3")):
            runs.append((f"ch{k}", self.client(name).start_workflow_run(Name=f"ch{k}")["RunId"]))
        for wf, rid in runs:
            run = self.wait_run("n3", wf, rid)
            self.assertEqual(run["Statistics"]["SucceededActions"], 5, run["Statistics"])
        counts = collections.Counter(r[0] for r in self.ledger_rows())
        self.assertEqual(len(counts), 15)
        self.assertEqual(set(counts.values()), {1})
        by_node = collections.Counter(self.node_pids().get(int(r[1]), r[1]) for r in self.ledger_rows())
        self.assertGreaterEqual(len(by_node), 2, by_node)

    def test_kill_9_of_a_node_mid_run(self):
        self.fan_out("k9", 12, sleep="4", retries=1)
        # started on n2, which takes the first job run of the transaction that creates them: n2 surely has one
        # (the others are claimed by whichever node is quickest, which may be another node for all of them)
        rid = self.client("n2").start_workflow_run(Name="k9")["RunId"]
        # wait until every job run is RUNNING somewhere
        deadline = time.monotonic() + 30
        while True:
            run = self.client("n1").get_workflow_run(Name="k9", RunId=rid)["Run"]
            if run["Statistics"]["RunningActions"] == 12 and not run["Statistics"]["WaitingActions"]:
                break
            self.assertLess(time.monotonic(), deadline, run["Statistics"])
            time.sleep(0.1)
        dead_pid = self.nodes["n2"].proc.pid
        owned = children(dead_pid)
        self.assertTrue(owned, "n2 runs none of the fan-out's jobs; the test needs it to")
        self.nodes["n2"].kill9()
        run = self.wait_run("n1", "k9", rid, timeout=90)
        self.assertEqual(run["Status"], "COMPLETED")
        jrs = self.job_runs(run)
        for j in jrs:
            self.assertIn(j["JobRunState"], JOB_ENDED)
        lost = [j for j in jrs if "n2" in j.get("ErrorMessage", "") and "lease" in j.get("ErrorMessage", "")]
        retried = [j for j in jrs if j.get("Attempt") == 1]
        rows = self.ledger_rows()
        on_n2 = {r[0] for r in rows if int(r[1]) == dead_pid}
        # n2's job runs were recorded FAILED, naming it, and retried on a live node
        # (at least those it had started; one it had claimed but not yet started ends the same way)
        self.assertGreaterEqual(len(lost), len(owned), [(j["Id"], j.get("ErrorMessage")) for j in jrs])
        self.assertEqual(len(retried), len(lost), [(j["Id"], j.get("ErrorMessage")) for j in jrs])
        for j in lost:
            self.assertEqual(j["JobRunState"], "FAILED")
        self.assertEqual(run["Statistics"]["SucceededActions"], 12, run["Statistics"])
        # a run id never runs twice (n2's orphaned processes may still finish: their ids stay n2's own)
        counts = collections.Counter(r[0] for r in rows)
        self.assertEqual(set(counts.values()) - {1}, set(), counts)
        self.assertFalse(on_n2 & {j["Id"] for j in retried})
        # the restarted node rejoins under its name and takes work again (in a data directory of its own: the
        # killed one's goes)
        self.nodes["n2"].cleanup()
        self.nodes["n2"] = self.node("n2")
        self.fan_out("after", 9)
        rid2 = self.client("n2").start_workflow_run(Name="after")["RunId"]
        run2 = self.wait_run("n2", "after", rid2)
        self.assertEqual(run2["Statistics"]["SucceededActions"], 9)

    def test_nodes_starting_together_on_a_new_database(self):
        """Three nodes started at the same moment on an empty database: one creates the tables, the others wait
        for its lock and find them made (a second node used to create them again and exit)."""
        import threading
        db = "c_" + secrets.token_hex(8)
        psql(PG_BASE, f"CREATE DATABASE {db}")
        self.addCleanup(psql, PG_BASE, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        nodes = [Glued(["--node-name", f"t{i}", "--node-lease-s", str(LEASE_S)], store=pg_url(db)) for i in range(3)]
        errors = []

        def start(g):
            try:
                g.start()
            except AssertionError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=start, args=(g,)) for g in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            self.assertEqual(errors, [])
            nodes[0].client().create_workflow(Name="together")
            for g in nodes:
                self.assertEqual(g.client().get_workflow(Name="together")["Workflow"]["Name"], "together")
        finally:
            for g in nodes:
                g.cleanup()

    def test_a_node_shutting_down_leaves_its_retries_to_the_others(self):
        """SIGTERM on a node ends its job processes and records their runs FAILED; a retry that makes is left
        WAITING for the other nodes, not taken by the node on its way out (which then never started it, and the
        others failed it when its lease lapsed)."""
        self.job("sj", sleep="2", retries=1)
        rid = self.client("n2").start_job_run(JobName="sj")["JobRunId"]
        c = self.client("n1")
        deadline = time.monotonic() + 30
        while c.get_job_run(JobName="sj", RunId=rid)["JobRun"]["JobRunState"] != "RUNNING":
            self.assertLess(time.monotonic(), deadline, "the job run never started")
            time.sleep(0.05)
        self.nodes["n2"].stop_ok()
        deadline = time.monotonic() + 30
        while True:
            runs = {r["Attempt"]: r for r in c.get_job_runs(JobName="sj")["JobRuns"]}
            if 1 in runs and runs[1]["JobRunState"] in JOB_ENDED:
                break
            self.assertLess(time.monotonic(), deadline, runs)
            time.sleep(0.1)
        self.assertEqual(runs[0]["JobRunState"], "FAILED")
        self.assertIn("shut down", runs[0].get("ErrorMessage", ""))
        self.assertEqual(runs[1]["JobRunState"], "SUCCEEDED", runs[1].get("ErrorMessage"))

    def test_output_of_a_job_a_killed_node_ran_reaches_the_store_at_its_restart(self):
        """A node killed with -9 while its job ran, restarted under its name before its lease lapsed: its recovery
        ends the job run (outcome unknown) and copies what the job printed into the store, as a job's end does,
        so every node can show it. It used to record the end with no output. The node's lease is long here, so
        that no other node's sweep (which has no copy of the output) can end the run first."""
        self.nodes["n4"] = g = Glued(["--node-name", "n4", "--node-lease-s", "60"], store=self.store)
        g.start()
        c = g.client()
        c.create_job(Name="printer", Role=ROLE, Command={"Name": "shell", "ScriptLocation": self.script},
                     DefaultArguments={"--say": "started", "--sleep": "30"})
        jr = c.start_job_run(JobName="printer")["JobRunId"]
        deadline = time.monotonic() + 30
        while c.get_job_run(JobName="printer", RunId=jr)["JobRun"]["JobRunState"] != "RUNNING":
            self.assertLess(time.monotonic(), deadline, "the job run never started")
            time.sleep(0.05)
        # what it printed at its start is in its log file before the node dies
        deadline = time.monotonic() + 30
        while run_binary(["logs", jr, "--data", g.data_dir]).stdout != f"started {jr}\n":
            self.assertLess(time.monotonic(), deadline, "the job printed nothing")
            time.sleep(0.05)
        g.kill9()
        g.start()
        c = self.client("n1")
        deadline = time.monotonic() + 30
        while (run := c.get_job_run(JobName="printer", RunId=jr)["JobRun"])["JobRunState"] not in JOB_ENDED:
            self.assertLess(time.monotonic(), deadline, run)
            time.sleep(0.1)
        self.assertEqual(run["JobRunState"], "FAILED")
        self.assertIn("glued restarted while this job run was running", run.get("ErrorMessage", ""))
        p = run_binary(["logs", jr, "--data", os.path.join(self.tmp, "elsewhere"), "--store", self.store])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, f"started {jr}\n")

    def test_same_name_while_alive_is_refused(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.tmp, "dup"), "--store", self.store,
                        "--node-name", "n1"], timeout=20)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("node name 'n1' is in use by a live glued", p.stderr)
        self.assertIn("--node-name", p.stderr)

    def test_a_lease_of_a_gone_process_on_this_host_is_taken_over(self):
        """A valid lease of this host whose process is a zombie (a glued that died and was not waited for yet),
        or whose pid now names a process started after the lease was taken, is a crashed node's leftover: a
        node under that name starts. A process that was there before its lease still holds the name."""
        host, now = socket.gethostname(), int(time.time() * 1000)
        zombie = subprocess.Popen(["true"])
        other = subprocess.Popen(["sleep", "60"])
        try:
            deadline = time.monotonic() + 10
            while True:  # exited, and never waited for until the finally
                with open(f"/proc/{zombie.pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
                self.assertLess(time.monotonic(), deadline, "the child never became a zombie")
                time.sleep(0.05)
            live_since = int(time.time() * 1000)  # the sleep started before this lease
            for name, pid, started in (("gz", zombie.pid, now), ("gr", other.pid, now - 60000),
                                       ("gl", other.pid, live_since)):
                psql(self.store, f"INSERT INTO nodes VALUES ('{name}', 'e', '{host}', {pid}, NULL, {started}, "
                                 f"{now + 600000})")
            for name in ("gz", "gr"):
                self.nodes[name] = self.node(name)
                self.assertEqual(psql(self.store, f"SELECT pid FROM nodes WHERE name = '{name}'").strip(),
                                 str(self.nodes[name].proc.pid))
            p = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.tmp, "gl"), "--store",
                            self.store, "--node-name", "gl"], timeout=20)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(f"node name 'gl' is in use by a live glued (process {other.pid}", p.stderr)
        finally:
            other.kill()
            other.wait()
            zombie.wait()

    def test_stop_reaches_the_node_that_owns_the_process(self):
        self.fan_out("stop", 9, sleep="30")
        rid = self.client("n1").start_workflow_run(Name="stop")["RunId"]
        deadline = time.monotonic() + 30
        while self.client("n1").get_workflow_run(Name="stop", RunId=rid)["Run"]["Statistics"]["RunningActions"] < 9:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.client("n3").stop_workflow_run(Name="stop", RunId=rid)
        run = self.wait_run("n3", "stop", rid, timeout=30)
        self.assertEqual(run["Status"], "STOPPED")
        self.assertEqual(run["Statistics"]["StoppedActions"], 9, run["Statistics"])
        self.assertEqual(self.ledger_rows(), [])  # no job got past its sleep

    def test_a_schedule_fires_each_time_once_across_nodes(self):
        # the nodes' clocks run 600 times fast (a 5-minute cron every half second) and agree to within a few glued
        # seconds, so that they race for every fire time: the store must let only one node fire each
        for name, g in self.nodes.items():
            g.cleanup()
        self.nodes = {}
        base, t0 = 1893456000, time.time()  # 2030-01-01T00:00:00Z
        for name in ("n1", "n2", "n3"):
            start = datetime.datetime.fromtimestamp(base + (time.time() - t0) * 600, datetime.timezone.utc)
            g = Glued(["--node-name", name, "--node-lease-s", str(LEASE_S), "--clock-rate", "600",
                       "--clock-start", start.strftime("%Y-%m-%dT%H:%M:%SZ")], store=self.store)
            g.start()
            self.nodes[name] = g
        self.job("tick", "0")
        # made on n1 after every node started: the others learn of it when n1 tells them, not a minute later, so
        # the schedule goes on firing after n1 stops
        self.client("n1").create_trigger(Name="every5", Type="SCHEDULED", Schedule="cron(0/5 * * * ? *)",
                                         StartOnCreation=True, Actions=[{"JobName": "tick"}])
        time.sleep(1)
        n1_pid = self.nodes["n1"].proc.pid
        self.nodes["n1"].stop_ok()
        time.sleep(3)
        self.client("n2").stop_trigger(Name="every5")
        time.sleep(1)
        runs = []
        self.nodes["n1"].cleanup()
        del self.nodes["n1"]
        for page in self.client("n3").get_paginator("get_job_runs").paginate(JobName="tick"):
            runs += page["JobRuns"]
        fires = int(psql(self.store, "SELECT count(*) FROM schedule_fires WHERE name = 'every5'").strip())
        self.assertGreaterEqual(fires, 4)
        self.assertEqual(len(runs), fires, "a fire time started more than one job run, or one started none")
        for r in runs:
            self.assertEqual(r.get("TriggerName"), "every5")
        deadline = time.monotonic() + 20
        while not all(r["JobRunState"] in JOB_ENDED for r in runs):
            self.assertLess(time.monotonic(), deadline, [(r["Id"], r["JobRunState"]) for r in runs])
            time.sleep(0.1)
            runs = [r for page in self.client("n3").get_paginator("get_job_runs").paginate(JobName="tick")
                    for r in page["JobRuns"]]
        # every job run ran once; one that n1 ran when it stopped was ended by the shutdown (it may have written
        # its line first), so it is FAILED, not left out: only such runs may have no line
        rows = self.ledger_rows()
        counts = collections.Counter(r[0] for r in rows)
        self.assertEqual(set(counts.values()), {1}, counts)
        ids = {r["Id"] for r in runs}
        self.assertLessEqual(set(counts), ids)
        for r in runs:
            if r["Id"] not in counts or r["JobRunState"] != "SUCCEEDED":
                self.assertEqual(r["JobRunState"], "FAILED", r)
                self.assertIn("glued shut down", r.get("ErrorMessage", ""), r)
        self.assertLessEqual(len(ids - set(counts)), 1, "more than the one job run n1 ran as it stopped")
        later = [r for r in rows if int(r[1]) != n1_pid]
        self.assertGreaterEqual(len(later), 2, f"n2 and n3 did not fire the schedule n1 made: {rows}")

    def test_logs_readable_from_any_node(self):
        self.job("logjob", "0")
        jr = self.client("n1").start_job_run(JobName="logjob")["JobRunId"]
        deadline = time.monotonic() + 30
        while self.client("n2").get_job_run(JobName="logjob", RunId=jr)["JobRun"]["JobRunState"] not in JOB_ENDED:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        empty = os.path.join(self.tmp, "elsewhere")
        p = run_binary(["logs", jr, "--data", empty, "--store", self.store])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, f"output of {jr}\n")
        p = run_binary(["logs", jr, "--data", empty])
        self.assertEqual(p.returncode, 1)
        self.assertIn("--store", p.stderr)
        self.assertIn("give --data with glued's data directory", p.stderr)


if __name__ == "__main__":
    unittest.main()
