"""Workflows that events start: an EventBridge rule whose target is a workflow delivers each matching event to the
workflow's EVENT trigger, which batches them by its EventBatchingCondition (BatchSize, BatchWindow from the first
event, default 900 s). The run says which condition closed the batch (StartingEventBatchCondition) and holds the
events' ids in its property aws:eventIds. Waiting events survive a restart with their window. Files that land in
the S3 root are S3 "Object Created" events on the default bus.

Each test starts its own glued on a fast test clock (a batch window of minutes passes in a fraction of a second).
"""

import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, REGION, Glued, GlueAssertions  # noqa: E402
from test_engine_helpers import ROLE, SH, ts  # noqa: E402

RATE = 100
CLOCK_START = "2030-01-01T00:00:00Z"
POLL = 0.05


def wf_arn(name):
    return f"arn:aws:glue:{REGION}:{ACCOUNT}:workflow/{name}"


class EventTest(unittest.TestCase, GlueAssertions):
    extra_args = ()
    rate = RATE

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glued-evt-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.srv = Glued(extra_args=self.args(CLOCK_START))
        self.addCleanup(self.srv.cleanup)
        self.srv.start()
        self.addCleanup(self.stop_server)
        self.connect()
        self.n = 0

    def args(self, clock_start, *more):
        return ("--clock-rate", str(self.rate), "--clock-start", clock_start) + tuple(self.extra_args) + more

    def connect(self):
        self.glue = self.srv.client(fresh=True)
        self.ev = self.srv.events()

    def stop_server(self):
        if self.srv.alive():
            self.srv.stop_ok()

    def restart(self, clock_start, kill=False, *more):
        if kill:
            self.srv.kill9()
        else:
            self.srv.stop_ok()
        self.srv.extra_args = list(self.args(clock_start, *more))
        self.srv.start()
        self.connect()

    def name(self, tag):
        self.n += 1
        return f"{tag}-{self._testMethodName[5:25]}-{self.n}"

    def workflow(self, batch=None, activate=True, max_runs=None, sleep=None):
        """A workflow whose EVENT start trigger runs a quick job; returns (workflow, trigger, job)."""
        wf, trig, job = self.name("wf"), self.name("evt"), self.name("job")
        self.glue.create_job(Name=job, Role=ROLE, Command={"Name": "shell", "ScriptLocation": SH},
                             DefaultArguments={"--sleep": str(sleep)} if sleep else {})
        self.glue.create_workflow(Name=wf, **({"MaxConcurrentRuns": max_runs} if max_runs else {}))
        kw = {"EventBatchingCondition": batch} if batch else {}
        if activate:
            kw["StartOnCreation"] = True
        self.glue.create_trigger(Name=trig, WorkflowName=wf, Type="EVENT", Actions=[{"JobName": job}], **kw)
        return wf, trig, job

    def route(self, wf, pattern=None):
        """A rule (pattern: events from my.app by default) whose target is wf."""
        rule = self.name("rule")
        self.ev.put_rule(Name=rule, EventPattern=json.dumps(pattern or {"source": ["my.app"]}))
        out = self.ev.put_targets(Rule=rule, Targets=[{"Id": "wf", "Arn": wf_arn(wf)}])
        self.assertEqual(out["FailedEntryCount"], 0, out)
        return rule

    def put(self, n=1, source="my.app", detail=None):
        entries = [{"Source": source, "DetailType": "Thing Happened", "Detail": json.dumps(detail or {"i": i})}
                   for i in range(n)]
        out = self.ev.put_events(Entries=entries)
        self.assertEqual(out["FailedEntryCount"], 0, out)
        return [e["EventId"] for e in out["Entries"]]

    def runs(self, wf):
        return sorted(self.glue.get_workflow_runs(Name=wf, MaxResults=100)["Runs"], key=lambda r: ts(r["StartedOn"]))

    def wait_runs(self, wf, n, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            runs = self.runs(wf)
            if len(runs) >= n:
                return runs
            if time.monotonic() > deadline:
                self.fail(f"{wf} has {len(runs)} runs, expected {n}, after {timeout} real seconds")
            time.sleep(POLL)

    def glued_now(self):
        wf = self.name("clock")
        self.glue.create_workflow(Name=wf)
        t = ts(self.glue.get_workflow(Name=wf)["Workflow"]["CreatedOn"])
        self.glue.delete_workflow(Name=wf)
        return t

    def sleep_glued(self, seconds):
        time.sleep(seconds / self.rate)

    def event_ids(self, run):
        return json.loads(run["WorkflowRunProperties"]["aws:eventIds"])


class BatchTest(EventTest):
    def test_batch_size_starts_a_run(self):
        wf, trig, job = self.workflow({"BatchSize": 3, "BatchWindow": 900})
        self.route(wf)
        ids = self.put(2)
        self.sleep_glued(120)
        self.assertEqual(self.runs(wf), [], "a run started before BatchSize events arrived")
        ids += self.put(1)
        run = self.wait_runs(wf, 1)[0]
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 3, "BatchWindow": 0})
        self.assertEqual(self.event_ids(run), ids)
        self.assertIsInstance(run["WorkflowRunProperties"]["aws:eventIds"], str)
        full = self.glue.get_workflow_run(Name=wf, RunId=run["WorkflowRunId"], IncludeGraph=True)["Run"]
        jrs = [n for n in full["Graph"]["Nodes"] if n["Type"] == "JOB"][0]["JobDetails"]["JobRuns"]
        self.assertEqual(jrs[0]["TriggerName"], trig)
        # the next batch starts from empty
        more = self.put(3)
        run2 = self.wait_runs(wf, 2)[1]
        self.assertEqual(self.event_ids(run2), more)

    def test_batch_window_starts_a_run(self):
        """BatchWindow counts from the batch's first event; a batch that did not fill starts a run with what it
        has when the window ends."""
        wf, _, _ = self.workflow({"BatchSize": 10, "BatchWindow": 300})
        self.route(wf)
        first = self.glued_now()
        ids = self.put(1)
        self.sleep_glued(100)
        ids += self.put(2)
        run = self.wait_runs(wf, 1)[0]
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 0, "BatchWindow": 300})
        self.assertEqual(self.event_ids(run), ids)
        self.assertGreaterEqual(ts(run["StartedOn"]), first + 300, "the window closed early")
        self.assertLess(ts(run["StartedOn"]), first + 300 + 120, "the window closed late")

    def test_update_trigger_applies_to_the_waiting_batch(self):
        """UpdateTrigger's new EventBatchingCondition applies to the events already waiting, at once: a BatchSize
        lowered to what waits starts a run, and a BatchWindow that has already passed closes the rest (before, both
        waited for the next event or the old 900 s window)."""
        wf, trig, job = self.workflow({"BatchSize": 5, "BatchWindow": 900})
        self.route(wf)
        first = self.glued_now()
        ids = self.put(3)
        self.sleep_glued(60)
        self.assertEqual(self.runs(wf), [])
        update = {"Actions": [{"JobName": job}], "EventBatchingCondition": {"BatchSize": 2, "BatchWindow": 900}}
        self.glue.update_trigger(Name=trig, TriggerUpdate=update)
        run = self.wait_runs(wf, 1, timeout=5)[0]
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 2, "BatchWindow": 0})
        self.assertEqual(self.event_ids(run), ids[:2])
        self.sleep_glued(60)
        self.assertEqual(len(self.runs(wf)), 1, "the one event left started a run before its window")
        update["EventBatchingCondition"] = {"BatchSize": 2, "BatchWindow": 30}
        self.glue.update_trigger(Name=trig, TriggerUpdate=update)
        run = self.wait_runs(wf, 2, timeout=5)[1]
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 0, "BatchWindow": 30})
        self.assertEqual(self.event_ids(run), ids[2:])
        self.assertLess(ts(run["StartedOn"]), first + 900, "the passed window waited for the old one")

    def test_default_window_is_900_seconds(self):
        wf, trig, _ = self.workflow({"BatchSize": 5})
        self.assertEqual(self.glue.get_trigger(Name=trig)["Trigger"]["EventBatchingCondition"],
                         {"BatchSize": 5, "BatchWindow": 900})
        self.route(wf)
        first = self.glued_now()
        ids = self.put(1)
        run = self.wait_runs(wf, 1, timeout=30)[0]
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 0, "BatchWindow": 900})
        self.assertEqual(self.event_ids(run), ids)
        self.assertGreaterEqual(ts(run["StartedOn"]), first + 900)

    def test_no_batching_condition_is_a_run_per_event(self):
        wf, _, _ = self.workflow()
        self.route(wf)
        ids = self.put(2)
        runs = self.wait_runs(wf, 2)
        self.assertEqual(sorted(i for r in runs for i in self.event_ids(r)), sorted(ids))
        for r in runs:
            self.assertEqual(r["StartingEventBatchCondition"], {"BatchSize": 1, "BatchWindow": 0})

    def test_only_matching_events_are_delivered(self):
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, {"source": ["my.app"], "detail": {"kind": [{"prefix": "order-"}]}})
        self.put(1, detail={"kind": "refund"})
        self.put(1, source="other.app", detail={"kind": "order-1"})
        ids = self.put(1, detail={"kind": "order-2"})
        run = self.wait_runs(wf, 1)[0]
        self.assertEqual(self.event_ids(run), ids)
        self.sleep_glued(600)
        self.assertEqual(len(self.runs(wf)), 1)

    def test_disabled_rule_and_inactive_trigger_deliver_nothing(self):
        wf, trig, _ = self.workflow({"BatchSize": 1})
        rule = self.route(wf)
        self.ev.disable_rule(Name=rule)
        self.put(1)
        self.sleep_glued(300)
        self.assertEqual(self.runs(wf), [])
        self.ev.enable_rule(Name=rule)
        self.glue.stop_trigger(Name=trig)
        ids = self.put(1)
        self.sleep_glued(300)
        self.assertEqual(self.runs(wf), [])
        self.assertIn(f"trigger '{trig}' of workflow '{wf}' is DEACTIVATED", self.srv.stderr_text())
        self.assertIn(ids[0], self.srv.stderr_text())
        self.glue.start_trigger(Name=trig)
        ids = self.put(1)
        self.assertEqual(self.event_ids(self.wait_runs(wf, 1)[0]), ids)

    def test_two_workflows_one_rule(self):
        a, _, _ = self.workflow({"BatchSize": 2})
        b, _, _ = self.workflow({"BatchSize": 1})
        rule = self.name("rule")
        self.ev.put_rule(Name=rule, EventPattern=json.dumps({"source": ["my.app"]}))
        self.ev.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": wf_arn(a)}, {"Id": "b", "Arn": wf_arn(b)}])
        ids = self.put(2)
        self.assertEqual(self.event_ids(self.wait_runs(a, 1)[0]), ids)
        self.assertEqual(sorted(i for r in self.wait_runs(b, 2) for i in self.event_ids(r)), sorted(ids))

    def test_max_concurrent_runs_refuses_a_batch(self):
        wf, _, _ = self.workflow({"BatchSize": 1}, max_runs=1, sleep=3)
        self.route(wf)
        self.put(1)
        self.wait_runs(wf, 1)
        refused = self.put(1)
        runs = self.wait_runs(wf, 2)
        err = [r for r in runs if r["Status"] == "ERROR"]
        self.assertEqual(len(err), 1, runs)
        self.assertEqual(err[0]["ErrorMessage"], f"Concurrent runs exceeded for workflow: {wf}.")
        self.assertEqual(self.event_ids(err[0]), refused)
        self.assertIn(f"did not start a run of workflow '{wf}'", self.srv.stderr_text())

    def test_workflow_without_event_trigger(self):
        wf = self.name("wf")
        self.glue.create_workflow(Name=wf)
        self.route(wf)
        ids = self.put(1)
        self.sleep_glued(300)
        self.assertIn(f"workflow '{wf}' has no EVENT trigger; dropped", self.srv.stderr_text())
        self.assertIn(ids[0], self.srv.stderr_text())
        # a target naming a workflow that does not exist (PutTargets takes it, as on AWS)
        gone = self.name("gone")
        self.glue.create_workflow(Name=gone)
        self.route(gone)
        self.glue.delete_workflow(Name=gone)
        ids = self.put(1)
        self.sleep_glued(300)
        self.assertIn(f"workflow '{gone}' does not exist; dropped", self.srv.stderr_text())


class RestartInWindowTest(EventTest):
    def test_restart_keeps_waiting_events_and_their_window(self):
        wf, _, _ = self.workflow({"BatchSize": 5, "BatchWindow": 600})
        self.route(wf)
        first = self.glued_now()
        ids = self.put(2)
        self.restart(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first + 200)))
        self.assertEqual(self.runs(wf), [])
        ids += self.put(1)
        run = self.wait_runs(wf, 1)[0]
        self.assertEqual(self.event_ids(run), ids)
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 0, "BatchWindow": 600})
        self.assertGreaterEqual(ts(run["StartedOn"]), first + 600, "the window did not keep its start")

    def test_kill9_then_restart_after_the_window(self):
        wf, _, _ = self.workflow({"BatchSize": 5, "BatchWindow": 600})
        self.route(wf)
        first = self.glued_now()
        ids = self.put(3)
        self.restart(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first + 3600)), kill=True)
        run = self.wait_runs(wf, 1)[0]
        self.assertEqual(self.event_ids(run), ids)
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 0, "BatchWindow": 600})
        time.sleep(0.3)
        self.assertEqual(len(self.runs(wf)), 1, "the batch started twice")


class S3EventsTest(EventTest):
    pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"],
               "detail": {"bucket": {"name": ["lake"]}, "object": {"key": [{"wildcard": "incoming/*.csv"}]}}}

    def write(self, key, text="a,b\n1,2\n"):
        path = os.path.join(self.srv.data_dir, "s3", "lake", key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_csv_landing_starts_the_workflow(self):
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, self.pattern)
        self.write("incoming/day1/data.json")
        self.write("other/data.csv")
        self.write("incoming/day1/data.csv")
        run = self.wait_runs(wf, 1)[0]
        ids = self.event_ids(run)
        self.assertEqual(len(ids), 1)
        self.assertIn(f"s3://lake/incoming/day1/data.csv was written (8 bytes): event {ids[0]}",
                      self.srv.stderr_text())
        time.sleep(0.5)
        self.assertEqual(len(self.runs(wf)), 1, "a file that does not match started a run")

    def test_an_s3_root_removed_or_moved_away_is_watched_again(self):
        """rm -rf of the S3 root (or mv of it) while glued runs: the root made again at its path is watched, so a
        file landing there is an event (before, the watch died silently, and the mark skipped the file at the next
        start too); a file written under the moved-away tree is none."""
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, self.pattern)
        root = os.path.join(self.srv.data_dir, "s3")
        self.write("incoming/a.csv")
        self.wait_runs(wf, 1)
        shutil.rmtree(root)
        self.write("incoming/b.csv")
        self.wait_runs(wf, 2)
        moved = os.path.join(self.work, "s3-moved")
        os.rename(root, moved)
        self.write("incoming/c.csv")
        self.wait_runs(wf, 3)
        with open(os.path.join(moved, "lake", "incoming", "c.csv"), "w") as f:
            f.write("old tree\n")
        time.sleep(0.5)
        self.assertEqual(len(self.runs(wf)), 3, "a file under the moved-away root was an event")
        log = self.srv.stderr_text()
        self.assertIn(f"the S3 root {root} was removed; watching a new one at that path", log)
        self.assertIn(f"the S3 root {root} was moved away; watching a new one at that path", log)

    def test_a_burst_of_files_is_delivered_whole(self):
        """600 files written at once (a job writing its output parts): their events are delivered in chunks of
        several per transaction, each exactly once, and close six batches of 100."""
        wf, _, _ = self.workflow({"BatchSize": 100, "BatchWindow": 900}, max_runs=10)
        self.route(wf, self.pattern)
        for i in range(600):
            self.write(f"incoming/burst/part-{i:05d}.csv")
        runs = self.wait_runs(wf, 6, timeout=60)
        ids = [i for r in runs for i in self.event_ids(r)]
        self.assertEqual([len(self.event_ids(r)) for r in runs], [100] * 6)
        self.assertEqual(len(set(ids)), 600)
        log = self.srv.stderr_text()
        for i in (0, 299, 599):
            self.assertIn(f"s3://lake/incoming/burst/part-{i:05d}.csv was written (8 bytes): event ", log)
        time.sleep(0.3)
        self.assertEqual(len(self.runs(wf)), 6)

    def test_files_racing_new_folders_are_each_seen_once(self):
        """Four writers each make new nested folders and a file in them (mkdir -p racing glued's watch of each new
        folder): every file is reported exactly once. Such races once reported a file twice (a folder its parent's
        scan found while its own creation event was queued was scanned again) and lost one now and then (the
        kernel can miss the close of a file created as its folder's watch is added)."""
        n = 400

        def writer(k):
            for i in range(k, n, 4):
                self.write(f"race/w{i}/day/x/part.csv")

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        want = {f"race/w{i}/day/x/part.csv" for i in range(n)}
        seen = collections.Counter()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = collections.Counter(re.findall(r"s3://lake/(race/\S+) was written", self.srv.stderr_text()))
            if set(seen) >= want:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(want - set(seen)), [], "files never reported")
        time.sleep(0.5)
        seen = collections.Counter(re.findall(r"s3://lake/(race/\S+) was written", self.srv.stderr_text()))
        self.assertEqual({k: c for k, c in seen.items() if c != 1}, {}, "files reported more than once")
        self.assertEqual(set(seen), want)

    def test_files_that_land_while_glued_is_down_are_events_at_its_start(self):
        """A file written, or moved in with an older modification time, while glued is down is S3's event at the next
        start, once. What was delivered before a stop or a kill -9 is not delivered again."""
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, self.pattern)
        self.write("incoming/before.csv")
        self.wait_runs(wf, 1)

        def start_again(kill):
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.glued_now() + 60))
            if kill:
                self.srv.kill9()
            else:
                self.srv.stop_ok()
            return when

        when = start_again(kill=False)
        log_from = len(self.srv.stderr_text())
        self.write("incoming/while-down.csv")
        self.write("other/not-matched.csv")
        outside = os.path.join(self.work, "old.csv")
        with open(outside, "w") as f:
            f.write("a\n1\n")
        os.utime(outside, (1577836800, 1577836800))  # 2020: only its move in is new
        os.rename(outside, os.path.join(self.srv.data_dir, "s3", "lake", "incoming", "moved.csv"))
        self.srv.extra_args = list(self.args(when))
        self.srv.start()
        self.connect()
        runs = self.wait_runs(wf, 3)
        log = self.srv.stderr_text()[log_from:]
        self.assertIn("s3 events: 3 files landed while glued was down; they are reported once settled", log)
        for key in ("incoming/while-down.csv", "incoming/moved.csv", "other/not-matched.csv"):
            self.assertIn(f"s3://lake/{key} was written", log)
        self.assertNotIn("incoming/before.csv", log)
        self.assertEqual(len({i for r in runs for i in self.event_ids(r)}), 3)

        self.write("incoming/last.csv")  # delivered while up, then glued is killed
        self.wait_runs(wf, 4)
        when = start_again(kill=True)
        log_from = len(self.srv.stderr_text())
        self.srv.extra_args = list(self.args(when))
        self.srv.start()
        self.connect()
        self.sleep_glued(300)
        time.sleep(0.5)
        self.assertEqual(len(self.runs(wf)), 4, "a file delivered before the kill was delivered again")
        self.assertNotIn("landed while glued was down", self.srv.stderr_text()[log_from:])

    def test_the_event_has_s3s_shape(self):
        """TestEventPattern on the AWS documentation's pattern shapes, and the event glued made."""
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, {"source": ["aws.s3"], "detail": {"object": {"size": [{"numeric": [">=", 8]}]},
                                                        "reason": ["PutObject"]},
                        "resources": [{"prefix": "arn:aws:s3:::lake"}]})
        self.write("incoming/x.csv", "12345678")
        self.wait_runs(wf, 1)


class ReadmeExampleTest(EventTest):
    def test_the_readme_example_runs_as_written(self):
        """The README's "start a workflow when a file lands", command by command, with the AWS CLI."""
        with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "README.md")) as f:
            readme = f.read()
        block = readme.split("## Runs that start themselves", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
        lines = [l for l in block.splitlines() if l.strip()]
        self.assertEqual(len(lines), 5, lines)
        self.glue.create_job(Name="load", Role=ROLE, Command={"Name": "shell", "ScriptLocation": SH})
        csv = os.path.join(self.work, "day1.csv")
        with open(csv, "w") as f:
            f.write("a,b\n1,2\n")
        for line in lines:
            if line.startswith("aws "):
                args = shlex.split(line)
                r = self.srv.cli(*args[2:], service=args[1])
                self.assertEqual(r.returncode, 0, f"{line}: {r.stderr}")
            else:  # the file landing, in the test's data directory
                line = line.replace("var/", self.srv.data_dir + "/").replace("day1.csv ", csv + " ")
                subprocess.run(line, shell=True, check=True, cwd=self.work)
        run = self.wait_runs("ingest", 1)[0]
        self.assertEqual(len(self.event_ids(run)), 1)
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 1, "BatchWindow": 0})


class NoS3EventsTest(EventTest):
    extra_args = ("--no-s3-events",)

    def test_no_s3_events(self):
        wf, _, _ = self.workflow({"BatchSize": 1})
        self.route(wf, S3EventsTest.pattern)
        path = os.path.join(self.srv.data_dir, "s3", "lake", "incoming", "a.csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("x")
        time.sleep(0.5)
        self.assertEqual(self.runs(wf), [])
        self.assertNotIn("s3 events: watching", self.srv.stderr_text())


if __name__ == "__main__":
    unittest.main()
