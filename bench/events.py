#!/usr/bin/env python3
"""Event put to workflow run started (issue 8), next to one StartWorkflowRun.

A workflow whose EVENT start trigger has BatchSize 1 (each event closes its batch at once) is the target of a rule
that matches the events put. Alternately, one PutEvents call with one matching event and one StartWorkflowRun on a
twin workflow with an ON_DEMAND trigger; both workflows run the same `exit 0` shell job. For each call:
- the call's round trip: the run is committed when the answer arrives (PutEvents delivers in its own transaction,
  and a batch that is full starts its run in it);
- from just before the call to the job run's StartedOn (the job's process started), on the one clock both sides
  read (glued's timestamps have millisecond resolution).
p50 and p99 over N calls of each (BENCH_EVENTS, default 200), with 50 rules on the bus that do not match (so each
event is tested against 51 patterns, as on a bus in real use)."""
import json
import os
import tempfile
import time

import common as C

N = int(os.environ.get("BENCH_EVENTS", "200"))
NOISE_RULES = 50


def newest_run(cl, wf):
    runs = cl.call("GetWorkflowRuns", {"Name": wf, "MaxResults": 1})[1]["Runs"]
    return runs[0] if runs else None


def job_started(cl, wf, rid, timeout=30):
    """The StartedOn (epoch seconds) of the run's job run, once its process has started."""
    end = time.time() + timeout
    while time.time() < end:
        run = cl.call("GetWorkflowRun", {"Name": wf, "RunId": rid, "IncludeGraph": True})[1]["Run"]
        for n in run.get("Graph", {}).get("Nodes", []):
            for jr in (n.get("JobDetails") or {}).get("JobRuns", []):
                if jr["JobRunState"] != "STARTING" and "StartedOn" in jr:
                    return jr["StartedOn"]
        time.sleep(0.002)
    raise RuntimeError("the job of run %s did not start" % rid)


def main():
    C.heading("Events: event put -> workflow run started, next to StartWorkflowRun (%d calls each)" % N)
    work = tempfile.mkdtemp(prefix="glued-bench-events-")
    script = C.write_script(os.path.join(work, "ok.sh"), "exit 0\n")
    g = C.Glued(args=("--no-s3-events",)).start()
    try:
        cl, ev = C.Client(g.url), C.Client(g.url, "AWSEvents.")
        cl.call("CreateJob", {"Name": "ok", "Role": "arn:aws:iam::123456789012:role/bench",
                              "Command": {"Name": "shell", "ScriptLocation": script},
                              "ExecutionProperty": {"MaxConcurrentRuns": 1000}})
        for wf, kind in (("by-event", "EVENT"), ("by-call", "ON_DEMAND")):
            cl.call("CreateWorkflow", {"Name": wf})
            t = {"Name": wf + "-start", "WorkflowName": wf, "Type": kind, "Actions": [{"JobName": "ok"}]}
            if kind == "EVENT":
                t.update({"StartOnCreation": True, "EventBatchingCondition": {"BatchSize": 1}})
            cl.call("CreateTrigger", t)
        for i in range(NOISE_RULES):
            ev.call("PutRule", {"Name": "noise-%02d" % i, "EventPattern": json.dumps(
                {"source": ["other.app"], "detail": {"n": [{"numeric": [">", i]}]}})})
            ev.call("PutTargets", {"Rule": "noise-%02d" % i, "Targets": [
                {"Id": "wf", "Arn": "arn:aws:glue:us-east-1:123456789012:workflow/by-call"}]})
        ev.call("PutRule", {"Name": "bench", "EventPattern": json.dumps({"source": ["bench.app"],
                                                                           "detail-type": ["Tick"]})})
        ev.call("PutTargets", {"Rule": "bench", "Targets": [
            {"Id": "wf", "Arn": "arn:aws:glue:us-east-1:123456789012:workflow/by-event"}]})
        put_job, put_rt, call_job, call_rt = [], [], [], []
        entry = {"Entries": [{"Source": "bench.app", "DetailType": "Tick", "Detail": "{\"n\": 1}"}]}
        for i in range(N):
            t0 = time.time()
            out = ev.call("PutEvents", entry)[1]
            t1 = time.time()
            assert out["FailedEntryCount"] == 0, out
            put_rt.append((t1 - t0) * 1000)
            put_job.append((job_started(cl, "by-event", newest_run(cl, "by-event")["WorkflowRunId"]) - t0) * 1000)
            t0 = time.time()
            rid = cl.call("StartWorkflowRun", {"Name": "by-call"})[1]["RunId"]
            t1 = time.time()
            call_rt.append((t1 - t0) * 1000)
            call_job.append((job_started(cl, "by-call", rid) - t0) * 1000)
        C.record("events", "PutEvents round trip, run committed when it answers: p50", C.pct(put_rt, 50), "ms")
        C.record("events", "PutEvents round trip: p99", C.pct(put_rt, 99), "ms")
        C.record("events", "StartWorkflowRun round trip: p50", C.pct(call_rt, 50), "ms")
        C.record("events", "StartWorkflowRun round trip: p99", C.pct(call_rt, 99), "ms")
        C.record("events", "PutEvents -> the run's job process started: p50", C.pct(put_job, 50), "ms")
        C.record("events", "PutEvents -> the run's job process started: p99", C.pct(put_job, 99), "ms")
        C.record("events", "StartWorkflowRun -> the run's job process started: p50", C.pct(call_job, 50), "ms")
        C.record("events", "StartWorkflowRun -> the run's job process started: p99", C.pct(call_job, 99), "ms")
        runs = len(cl.call("GetWorkflowRuns", {"Name": "by-event", "MaxResults": 1000})[1]["Runs"])
        C.record("events", "runs started by %d events" % N, runs, "",
                 "%d rules on the bus; each event is matched against all" % (NOISE_RULES + 1))
    finally:
        g.cleanup()


if __name__ == "__main__":
    main()
