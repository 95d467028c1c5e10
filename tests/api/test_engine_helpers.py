"""Shared pieces of the engine tests (test_engine_*.py): workflow runs that really run jobs as processes.

No tests live here. EngineTestCase is a ServerTestCase (one glued per class, every boto3 answer checked against
the Glue model by the harness hook) with makers for jobs and triggers that use the scripts in tests/api/jobs/,
and pollers: wait_run() polls GetWorkflowRun every 50 ms until the run has ended.

Job scripts:
  jobs/job.sh    a shell job (Command.Name "shell"): --out, --started, --sleep, --exit, --counter/--fail-times,
                 --stdout, --stderr (see the script's header)
  jobs/pyjob.py  a Python job using a plain boto3.client("glue"): reports argv, AWS_* environment and the run
                 properties it read (--out), puts run properties (--put)
"""

import datetime
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import ServerTestCase  # noqa: E402

JOBS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs")
SH = os.path.join(JOBS_DIR, "job.sh")
PY = os.path.join(JOBS_DIR, "pyjob.py")
ROLE = "arn:aws:iam::123456789012:role/GlueRole"

RUN_ID_RE = re.compile(r"^wr_[0-9a-f]{64}$")
JOB_RUN_ID_RE = re.compile(r"^jr_[0-9a-f]{64}$")
NODE_ID_RE = re.compile(r"^wnode_[0-9a-f]{64}$")
RUN_ENDED = ("COMPLETED", "STOPPED", "ERROR")
JOB_ENDED = ("STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED")
STAT_KEYS = ("TotalActions", "TimeoutActions", "FailedActions", "StoppedActions", "SucceededActions",
             "RunningActions", "ErroredActions", "WaitingActions")
POLL = 0.05


def stats(**kw):
    """Expected Statistics: every counter 0 except those given."""
    d = {k: 0 for k in STAT_KEYS}
    d.update(kw)
    return d


def cond(job=None, state="SUCCEEDED", crawler=None, crawl_state="SUCCEEDED"):
    if crawler is not None:
        return {"LogicalOperator": "EQUALS", "CrawlerName": crawler, "CrawlState": crawl_state}
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def read_argv(path):
    """The NUL-separated argv job.sh wrote with --out: [$0, arg1, arg2, ...]."""
    with open(path, "rb") as f:
        data = f.read().decode("utf-8")
    assert data.endswith("\0"), f"{path} was not completely written: {data!r}"
    return data[:-1].split("\0")


def pairs(args):
    """['--a', '1', '--b', '2'] -> {'--a': '1', '--b': '2'}; fails on an odd count or a repeated key."""
    assert len(args) % 2 == 0, f"arguments do not come in pairs: {args!r}"
    d = {}
    for k, v in zip(args[::2], args[1::2]):
        assert k.startswith("--"), f"argument key {k!r} does not start with --: {args!r}"
        assert k not in d, f"argument {k} passed twice: {args!r}"
        d[k] = v
    return d


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_all(pids):
    """SIGKILL the processes a test started through glued, if any survived."""
    for p in pids:
        if pid_alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def ts(v):
    """A boto3 timestamp (datetime) as epoch seconds."""
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    return float(v)


class EngineTestCase(ServerTestCase):
    """ServerTestCase with a work directory (cls.work) for job outputs, and with cls.s3_root: the directory glued
    resolves s3:// locations under (an explicit --s3-root when explicit_s3_root, else the default <data>/s3)."""

    explicit_s3_root = False

    @classmethod
    def setUpClass(cls):
        cls.work = cls.class_tempdir("glued-engine-")
        if cls.explicit_s3_root:
            cls.s3_root = os.path.join(cls.work, "s3root")
            os.makedirs(cls.s3_root)
            cls.server_args = tuple(cls.server_args) + ("--s3-root", cls.s3_root)
        super().setUpClass()
        if not cls.explicit_s3_root:
            cls.s3_root = os.path.join(cls.server.data_dir, "s3")

    # ---- files --------------------------------------------------------------------------------------
    def path(self, tag="out"):
        """A fresh path in the work directory (not created)."""
        return os.path.join(self.work, self.uname(tag))

    def wait_file(self, path, timeout=15):
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                self.fail(f"{path} did not appear within {timeout}s")
            time.sleep(POLL)
        with open(path) as f:
            return f.read()

    def read_json(self, path):
        self.assertTrue(os.path.exists(path), f"the job did not write {path}")
        with open(path) as f:
            return json.load(f)

    # ---- makers -------------------------------------------------------------------------------------
    def job(self, args=None, command="shell", script=SH, name=None, **kw):
        """CreateJob running script; args become DefaultArguments ({'--sleep': '0.2'})."""
        name = name or self.uname("job")
        kw.setdefault("Role", ROLE)
        if args:
            kw["DefaultArguments"] = dict(args)
        out = self.glue.create_job(Name=name, Command={"Name": command, "ScriptLocation": script}, **kw)
        self.assertEqual(out["Name"], name)
        return name

    def start_trigger(self, wf, jobs, name=None, arguments=None, **kw):
        """The workflow's ON_DEMAND start trigger starting jobs (names, or Action dicts)."""
        name = name or self.uname("start")
        acts = [a if isinstance(a, dict) else {"JobName": a} for a in jobs]
        if arguments:
            for a in acts:
                a.setdefault("Arguments", dict(arguments))
        self.glue.create_trigger(Name=name, WorkflowName=wf, Type="ON_DEMAND", Actions=acts, **kw)
        return name

    def cond_trigger(self, wf, conds, actions, logical=None, activate=True, name=None):
        """A CONDITIONAL trigger of wf; conds are Condition dicts or job names (watched for SUCCEEDED);
        actions are job names or Action dicts. Activated (StartOnCreation) unless activate=False."""
        name = name or self.uname("cond")
        cs = [c if isinstance(c, dict) else cond(c) for c in conds]
        pred = {"Conditions": cs}
        if logical:
            pred["Logical"] = logical
        acts = [a if isinstance(a, dict) else {"JobName": a} for a in actions]
        kw = {"StartOnCreation": True} if activate else {}
        self.glue.create_trigger(Name=name, WorkflowName=wf, Type="CONDITIONAL", Predicate=pred, Actions=acts, **kw)
        return name

    def start_run(self, wf, props=None):
        kw = {"RunProperties": props} if props is not None else {}
        r = self.glue.start_workflow_run(Name=wf, **kw)
        self.assertRegex(r["RunId"], RUN_ID_RE)
        return r["RunId"]

    # ---- readers ------------------------------------------------------------------------------------
    def get_run(self, wf, rid, graph=True):
        return self.glue.get_workflow_run(Name=wf, RunId=rid, IncludeGraph=graph)["Run"]

    def wait_run(self, name, run_id, timeout=30, statuses=RUN_ENDED):
        """Poll GetWorkflowRun (with the graph) every 50 ms until its Status is one of statuses."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(name, run_id)
            if run["Status"] in statuses:
                return run
            if time.monotonic() > deadline:
                self.fail(f"workflow run {name}/{run_id} still {run['Status']} after {timeout}s: "
                          f"{self.summary(run)}")
            time.sleep(POLL)

    def wait_job_run(self, job, run_id, timeout=30, states=JOB_ENDED):
        deadline = time.monotonic() + timeout
        while True:
            jr = self.glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
            if jr["JobRunState"] in states:
                return jr
            if time.monotonic() > deadline:
                self.fail(f"job run {job}/{run_id} still {jr['JobRunState']} after {timeout}s")
            time.sleep(POLL)

    def wait_running(self, wf, rid, job, timeout=15):
        """Poll the run's graph until job's (only) job run is RUNNING; a job may write its --started file just
        before glued has recorded it RUNNING. Returns (run, job run)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(wf, rid)
            jrs = self.job_runs(run, job)
            if jrs and jrs[-1]["JobRunState"] == "RUNNING":
                self.assertEqual(len(jrs), 1, self.summary(run))
                return run, jrs[0]
            if time.monotonic() > deadline:
                self.fail(f"{job} not RUNNING after {timeout}s: {self.summary(run)}")
            time.sleep(POLL)

    def node(self, run, name):
        nodes = [n for n in run.get("Graph", {}).get("Nodes", []) if n["Name"] == name and n["Type"] != "TRIGGER"]
        self.assertEqual(len(nodes), 1, f"expected one JOB/CRAWLER node named {name} in the run graph: "
                                        f"{self.summary(run)}")
        return nodes[0]

    def trigger_node(self, run, name):
        nodes = [n for n in run.get("Graph", {}).get("Nodes", []) if n["Name"] == name and n["Type"] == "TRIGGER"]
        self.assertEqual(len(nodes), 1)
        return nodes[0]

    def job_runs(self, run, name):
        """The job runs of job name in this workflow run, by Attempt (then StartedOn)."""
        node = self.node(run, name)
        self.assertEqual(node["Type"], "JOB")
        jrs = (node.get("JobDetails") or {}).get("JobRuns") or []
        return sorted(jrs, key=lambda j: (j.get("Attempt", 0), ts(j.get("StartedOn", 0))))

    def only_job_run(self, run, name, state="SUCCEEDED"):
        jrs = self.job_runs(run, name)
        self.assertEqual(len(jrs), 1, f"{name} should have run once in this run: {self.summary(run)}")
        self.assertEqual(jrs[0]["JobRunState"], state, f"{name}: {jrs[0].get('ErrorMessage')}")
        return jrs[0]

    def crawls(self, run, name):
        node = self.node(run, name)
        self.assertEqual(node["Type"], "CRAWLER")
        return (node.get("CrawlerDetails") or {}).get("Crawls") or []

    def summary(self, run):
        """A short description of a run for failure messages."""
        parts = [f"Status={run.get('Status')} Stats={run.get('Statistics')}"]
        for n in run.get("Graph", {}).get("Nodes", []):
            if n["Type"] == "JOB":
                jrs = (n.get("JobDetails") or {}).get("JobRuns") or []
                parts.append(f"{n['Name']}: " + ", ".join(
                    f"{j.get('Attempt')}:{j.get('JobRunState')}:{j.get('ErrorMessage', '')}" for j in jrs))
            elif n["Type"] == "CRAWLER":
                cs = (n.get("CrawlerDetails") or {}).get("Crawls") or []
                parts.append(f"{n['Name']}: " + ", ".join(f"{c.get('State')}:{c.get('ErrorMessage', '')}"
                                                           for c in cs))
        return "; ".join(parts)

    def assertWorkflowArgs(self, jr, wf, rid):
        self.assertEqual(jr["Arguments"].get("--WORKFLOW_NAME"), wf)
        self.assertEqual(jr["Arguments"].get("--WORKFLOW_RUN_ID"), rid)

    def assertStats(self, run, **kw):
        self.assertEqual(run["Statistics"], stats(**kw), self.summary(run))

    def assertErrorCode(self, code, fn, **kw):
        """fn(**kw) fails with code; returns the message."""
        with self.assertRaises(ClientError, msg=f"expected {code}") as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err.get("Message"))
        self.assertTrue(err.get("Message"), "empty error message")
        return err["Message"]

    def started_pids(self, path, timeout=15):
        """Wait for job.sh's --started file; returns its pids and makes sure they die when the test ends."""
        pids = [int(p) for p in self.wait_file(path, timeout).split()]
        self.addCleanup(kill_all, pids)
        return pids

    def wait_gone(self, pids, timeout=10):
        deadline = time.monotonic() + timeout
        while any(pid_alive(p) for p in pids):
            if time.monotonic() > deadline:
                self.fail(f"job processes {[p for p in pids if pid_alive(p)]} still alive {timeout}s after the stop")
            time.sleep(POLL)
