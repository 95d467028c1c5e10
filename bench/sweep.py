#!/usr/bin/env python3
"""11. Bulk work against the engine's loop: one job at a time (the static stamp binary, no shell) is started and
waited for while glued does bulk work that must not hold the loop (its job starts and ends wait for it). The
figures are the median and the worst time from StartJobRun to SUCCEEDED: work that holds the loop shows as one
start waiting for all of it.

- Retention's log sweep: glued starts on a data directory holding the logs of 50,000 job runs (100,000 files,
  all younger than the retention, as on a busy node), probed for 4 seconds. The first purge pass, and with it
  the sweep that stats every log file, comes 1 second after the start (every hour after that).
- A burst of S3 files: 3,000 files land in the S3 root at once (a job writing its output parts), matched by a
  rule whose target is an EVENT trigger (batches of 100), probed from before the first file until the last
  event is delivered.
- Schedules due together: 500 SCHEDULED triggers on the same cron expression, each starting a workflow of one
  job, with glued's clock at 60 times real time: they fire every 5 real seconds, and the probe runs 10 s."""
import json
import os
import secrets
import shutil
import statistics
import sys
import threading
import time
import urllib.request

import common as C

FILES = int(os.environ.get("BENCH_SWEEP_FILES", "100000"))
S3_FILES = int(os.environ.get("BENCH_S3_FILES", "3000"))
SCHEDULES = int(os.environ.get("BENCH_SCHEDULES", "500"))
SECS = 4


class Probe(threading.Thread):
    """Starts job j one run at a time and keeps (seconds since start, ms from StartJobRun to SUCCEEDED)."""

    def __init__(self, url):
        super().__init__()
        self.cl = C.Client(url)
        self.lat = []
        self.done = False
        self.t0 = time.monotonic()

    def run(self):
        while not self.done:
            a = time.monotonic()
            rid = self.cl.call("StartJobRun", {"JobName": "j"})[1]["JobRunId"]
            while True:
                state = self.cl.call("GetJobRun", {"JobName": "j", "RunId": rid})[1]["JobRun"]["JobRunState"]
                if state not in ("STARTING", "RUNNING", "WAITING"):
                    break
            if state != "SUCCEEDED":
                raise RuntimeError("job run %s ended %s" % (rid, state))
            self.lat.append((a - self.t0, (time.monotonic() - a) * 1000))

    def record(self, what, note):
        worst = max(self.lat, key=lambda x: x[1])
        C.record("sweep", "%s: job runs one at a time" % what, len(self.lat), "")
        C.record("sweep", "%s: StartJobRun -> SUCCEEDED, median" % what, statistics.median(v for _, v in self.lat),
                 "ms")
        C.record("sweep", "%s: StartJobRun -> SUCCEEDED, worst" % what, worst[1], "ms", note % worst[0])


def start(data, args=()):
    g = C.Glued(data, ["--runner", "shell={script} {args}"] + list(args)).start()
    C.Client(g.url).call("CreateJob", {"Name": "j", "Role": "r", "Command": {
        "Name": "shell", "ScriptLocation": os.path.join(C.BIN, "stampx")}})
    return g


def log_sweep(data):
    for _ in range(FILES // 2):
        h = secrets.token_hex(32)
        sub = os.path.join(data, "logs", h[:2])
        os.makedirs(sub, exist_ok=True)
        for ext in ("out", "err"):
            open(os.path.join(sub, "jr_%s.%s" % (h, ext)), "w").close()
    os.sync()
    g = start(data)
    try:
        p = Probe(g.url)
        p.start()
        time.sleep(SECS)
        p.done = True
        p.join()
        p.record("log sweep of %d files" % FILES, "started %.2f s after glued; the sweep begins at 1 s")
    finally:
        g.cleanup()


def delivered(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith('glued_event_deliveries_total{outcome="delivered"}'):
                return int(float(line.split()[-1]))
    return 0


def s3_burst(data):
    g = start(data)
    try:
        cl = C.Client(g.url)
        cl.call("CreateJob", {"Name": "wj", "Role": "r", "ExecutionProperty": {"MaxConcurrentRuns": 1000},
                              "Command": {"Name": "shell", "ScriptLocation": os.path.join(C.BIN, "stampx")}})
        cl.call("CreateWorkflow", {"Name": "wf"})
        cl.call("CreateTrigger", {"Name": "evt", "WorkflowName": "wf", "Type": "EVENT", "StartOnCreation": True,
                                  "EventBatchingCondition": {"BatchSize": 100, "BatchWindow": 900},
                                  "Actions": [{"JobName": "wj"}]})
        ev = C.Client(g.url, prefix="AWSEvents.")
        ev.call("PutRule", {"Name": "r", "EventPattern": json.dumps(
            {"source": ["aws.s3"], "detail": {"bucket": {"name": ["lake"]}}})})
        ev.call("PutTargets", {"Rule": "r", "Targets": [
            {"Id": "wf", "Arn": "arn:aws:glue:us-east-1:123456789012:workflow/wf"}]})
        parts = os.path.join(data, "s3", "lake", "out")
        os.makedirs(parts)
        p = Probe(g.url)
        p.start()
        time.sleep(0.5)
        t = time.monotonic()
        for i in range(S3_FILES):
            with open(os.path.join(parts, "part-%05d.csv" % i), "w") as f:
                f.write("a,b\n1,2\n")
        while delivered(g.url) < S3_FILES and time.monotonic() - t < 120:
            time.sleep(0.02)
        took = time.monotonic() - t
        p.done = True
        p.join()
        C.record("sweep", "S3 burst: %d files written and their events delivered" % S3_FILES, took, "s")
        p.record("S3 burst of %d files" % S3_FILES, "started %.2f s after the probe; the files land from 0.5 s")
    finally:
        g.cleanup()


def sched_burst(data):
    g = start(data, ["--clock-rate", "60", "--clock-start", "2030-01-01T00:00:00Z", "--max-definitions", "0"])
    try:
        cl = C.Client(g.url)
        cl.call("CreateJob", {"Name": "wj", "Role": "r", "ExecutionProperty": {"MaxConcurrentRuns": 1000},
                              "Command": {"Name": "shell", "ScriptLocation": os.path.join(C.BIN, "stampx")}})
        for i in range(SCHEDULES):
            cl.call("CreateWorkflow", {"Name": "w%d" % i})
            cl.call("CreateTrigger", {"Name": "t%d" % i, "WorkflowName": "w%d" % i, "Type": "SCHEDULED",
                                      "Schedule": "cron(0/5 * * * ? *)", "StartOnCreation": True,
                                      "Actions": [{"JobName": "wj"}]})
        p = Probe(g.url)  # over two fires at least: they come every 5 real seconds
        p.start()
        time.sleep(10)
        p.done = True
        p.join()
        p.record("%d schedules due together" % SCHEDULES, "started %.2f s after the probe; fires every 5 s")
    finally:
        g.cleanup()


def main():
    C.heading("11. Bulk work against the engine's loop: retention's log sweep, a burst of S3 files, schedules")
    # not under /tmp: creating files there is slow on machines whose /tmp saw many deletions (bench/README.md)
    data = os.path.join(C.BIN, "sweep-data")
    for fn in (log_sweep, s3_burst, sched_burst):
        shutil.rmtree(data, ignore_errors=True)
        fn(data)


if __name__ == "__main__":
    sys.exit(main())
