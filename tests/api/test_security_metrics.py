"""GET /metrics (Prometheus text) and GET /health against the real binary: request counters and latency
histograms by operation and status, job runs started and ended, the upstream-end-to-downstream-start delay,
crawls, process facts, store commits, active runs by state (WAITING under --max-jobs), event deliveries by
outcome (delivered, dropped, unmatched); --metrics-listen serving them on an address of their own; /health turning 503 while the
store cannot take a write, and 200 again after."""

import os
import re
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import sqlite_only  # noqa: E402
from sigv4_helpers import SignedServerMixin, metric, parse_metrics, send  # noqa: E402
from test_engine_helpers import EngineTestCase, cond  # noqa: E402


def scrape(server, port=None):
    """(samples, types) of GET /metrics."""
    s = server if port is None else type("S", (), {"url": "http://x", "port": port, "ca": None})()
    resp = send(s, "GET", "/metrics", {"Host": "x"})
    assert resp is not None and resp.status == 200, resp
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4"), resp.headers
    return parse_metrics(resp.body.decode())


class MetricsTest(EngineTestCase):
    def test_requests_by_operation_and_status(self):
        before, _ = scrape(self.server)
        for _ in range(3):
            self.glue.list_workflows()
        self.server.call("GetWorkflow", {"Name": "no-such-" + self.uname()})
        self.server.call("NoSuchOperation", {})
        after, types = scrape(self.server)
        d = lambda name, **kw: metric(after, name, **kw) - metric(before, name, **kw)  # noqa: E731
        self.assertEqual(d("glued_http_requests_total", op="ListWorkflows", code="200"), 3)
        self.assertEqual(d("glued_http_requests_total", op="GetWorkflow", code="400"), 1)
        self.assertEqual(d("glued_http_requests_total", op="unknown", code="400"), 1)
        self.assertEqual(d("glued_http_request_duration_seconds_count", op="ListWorkflows"), 3)
        self.assertEqual(d("glued_http_request_duration_seconds_bucket", op="ListWorkflows", le="+Inf"), 3)
        self.assertGreater(metric(after, "glued_http_request_duration_seconds_sum", op="ListWorkflows"), 0)
        self.assertEqual(types["glued_http_requests_total"], "counter")
        self.assertEqual(types["glued_http_request_duration_seconds"], "histogram")
        # process facts
        self.assertGreater(metric(after, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(metric(after, "process_open_fds"), 3)
        start = metric(after, "process_start_time_seconds")
        self.assertLess(abs(start - time.time()), 3600)
        self.assertIn("glued_event_deliveries_total", types)

    def test_job_runs_and_the_downstream_delay(self):
        before, _ = scrape(self.server)
        wf = self.create()
        a, b = self.job(), self.job({"--exit": "3"})
        self.start_trigger(wf, [a])
        self.cond_trigger(wf, [cond(a)], [b])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid, timeout=45)
        self.only_job_run(run, b, state="FAILED")
        after, types = scrape(self.server)
        d = lambda name, **kw: metric(after, name, **kw) - metric(before, name, **kw)  # noqa: E731
        self.assertEqual(d("glued_job_runs_started_total"), 2)
        self.assertEqual(d("glued_job_runs_ended_total", state="SUCCEEDED"), 1)
        self.assertEqual(d("glued_job_runs_ended_total", state="FAILED"), 1)
        self.assertEqual(metric(after, "glued_job_processes_running"), 0)
        self.assertEqual(d("glued_downstream_start_delay_seconds_count"), 1)
        self.assertEqual(types["glued_downstream_start_delay_seconds"], "histogram")

    def test_crawls(self):
        before, _ = scrape(self.server)
        os.makedirs(os.path.join(self.s3_root, "bucket", "data"), exist_ok=True)
        name = self.uname("crawler")
        self.glue.create_crawler(Name=name, Role="r", Targets={"S3Targets": [{"Path": "s3://bucket/data"}]})
        self.glue.start_crawler(Name=name)
        deadline = time.monotonic() + 20
        while self.glue.get_crawler(Name=name)["Crawler"]["State"] != "READY" or \
                "LastCrawl" not in self.glue.get_crawler(Name=name)["Crawler"]:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        after, _ = scrape(self.server)
        self.assertEqual(metric(after, "glued_crawls_started_total") - metric(before, "glued_crawls_started_total"),
                         1)
        self.assertEqual(metric(after, "glued_crawls_ended_total", state="SUCCEEDED")
                         - metric(before, "glued_crawls_ended_total", state="SUCCEEDED"), 1)

    def test_store_commits_active_runs_and_event_deliveries(self):
        before, types = scrape(self.server)
        wf = self.create()
        marker = self.path("go")
        a = self.job({"--sleep": "30", "--started": marker})
        self.start_trigger(wf, [a])
        rid = self.start_run(wf)
        self.wait_file(marker)
        during, _ = scrape(self.server)
        self.assertGreaterEqual(metric(during, "glued_workflow_runs", status="RUNNING"), 1)
        self.assertGreaterEqual(metric(during, "glued_job_runs", state="RUNNING"), 1)
        self.assertEqual(types["glued_workflow_runs"], "gauge")
        self.assertEqual(types["glued_job_runs"], "gauge")
        self.glue.stop_workflow_run(Name=wf, RunId=rid)
        self.wait_run(wf, rid, timeout=45)
        # commits: the CreateWorkflow, CreateJob, CreateTrigger, StartWorkflowRun, ... each took one
        after, types = scrape(self.server)
        backend = "postgresql" if self.server.store else "sqlite"
        d = lambda name, **kw: metric(after, name, **kw) - metric(before, name, **kw)  # noqa: E731
        self.assertEqual(types["glued_store_commit_duration_seconds"], "histogram")
        self.assertGreaterEqual(d("glued_store_commit_duration_seconds_count", backend=backend), 4)
        self.assertEqual(d("glued_store_commit_duration_seconds_bucket", backend=backend, le="+Inf"),
                         d("glued_store_commit_duration_seconds_count", backend=backend))
        self.assertGreater(d("glued_store_commit_duration_seconds_sum", backend=backend), 0)
        self.assertGreaterEqual(d("glued_store_commit_transactions_sum", backend=backend),
                                d("glued_store_commit_transactions_count", backend=backend))
        self.assertEqual(metric(after, "glued_workflow_runs", status="RUNNING"), 0)
        self.assertEqual(metric(after, "glued_job_runs", state="RUNNING"), 0)
        # events: one that a rule delivers to a workflow without an EVENT trigger (dropped), one no rule matches
        ev = self.server.events()
        rule = self.uname("rule")
        ev.put_rule(Name=rule, EventPattern='{"source": ["metrics.test"]}')
        ev.put_targets(Rule=rule, Targets=[{"Id": "t", "Arn": f"arn:aws:glue:us-east-1:123456789012:workflow/{wf}"}])
        ev.put_events(Entries=[{"Source": "metrics.test", "DetailType": "t", "Detail": "{}"},
                               {"Source": "metrics.other", "DetailType": "t", "Detail": "{}"}])
        last, _ = scrape(self.server)
        d = lambda name, **kw: metric(last, name, **kw) - metric(after, name, **kw)  # noqa: E731
        self.assertEqual(d("glued_event_deliveries_total", outcome="dropped"), 1)
        self.assertEqual(d("glued_event_deliveries_total", outcome="unmatched"), 1)

    def test_event_delivered_to_an_event_trigger(self):
        # a rule whose target is a workflow with an active EVENT trigger (BatchSize 1): the event is delivered,
        # and it starts a run
        wf, job, rule = self.create(), self.job(), self.uname("rule")
        self.glue.create_trigger(Name=self.uname("evt"), WorkflowName=wf, Type="EVENT", Actions=[{"JobName": job}],
                                 EventBatchingCondition={"BatchSize": 1}, StartOnCreation=True)
        ev = self.server.events()
        ev.put_rule(Name=rule, EventPattern='{"source": ["metrics.delivered"]}')
        out = ev.put_targets(Rule=rule, Targets=[{"Id": "wf", "Arn": f"arn:aws:glue:us-east-1:123456789012:workflow/{wf}"}])
        self.assertEqual(out["FailedEntryCount"], 0, out)
        before, _ = scrape(self.server)
        out = ev.put_events(Entries=[{"Source": "metrics.delivered", "DetailType": "t", "Detail": "{}"}])
        self.assertEqual(out["FailedEntryCount"], 0, out)
        after, _ = scrape(self.server)  # PutEvents answers once the delivery is committed
        d = lambda name, **kw: metric(after, name, **kw) - metric(before, name, **kw)  # noqa: E731
        self.assertEqual(d("glued_event_deliveries_total", outcome="delivered"), 1)
        self.assertEqual(d("glued_event_deliveries_total", outcome="dropped"), 0)
        self.assertEqual(d("glued_event_deliveries_total", outcome="unmatched"), 0)
        deadline = time.monotonic() + 20
        while not (runs := self.glue.get_workflow_runs(Name=wf)["Runs"]):
            self.assertLess(time.monotonic(), deadline, "the delivered event started no run")
            time.sleep(0.05)
        self.assertEqual(len(runs), 1, runs)
        self.assertEqual(runs[0]["StartingEventBatchCondition"], {"BatchSize": 1, "BatchWindow": 0})
        self.wait_run(wf, runs[0]["WorkflowRunId"], timeout=45)


class MetricsWaitingTest(EngineTestCase):
    """glued_job_runs{state}: under --max-jobs 1, one job run RUNNING and the next WAITING; none once both end."""

    server_args = ("--max-jobs", "1")

    def test_running_and_waiting_job_runs(self):
        marker = self.path("go")
        job = self.job({"--sleep": "30", "--started": marker}, ExecutionProperty={"MaxConcurrentRuns": 2})
        first = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.wait_file(marker)
        self.wait_job_run(job, first, states=("RUNNING",))
        second = self.glue.start_job_run(JobName=job)["JobRunId"]
        self.assertEqual(self.glue.get_job_run(JobName=job, RunId=second)["JobRun"]["JobRunState"], "WAITING")
        during, types = scrape(self.server)
        self.assertEqual(types["glued_job_runs"], "gauge")
        self.assertEqual(metric(during, "glued_job_runs", state="RUNNING"), 1)
        self.assertEqual(metric(during, "glued_job_runs", state="WAITING"), 1)
        self.assertEqual(metric(during, "glued_job_runs", state="STARTING"), 0)
        self.assertEqual(metric(during, "glued_job_processes_running"), 1)
        out = self.glue.batch_stop_job_run(JobName=job, JobRunIds=[second, first])
        self.assertEqual(out["Errors"], [], out)
        for rid in (first, second):
            self.wait_job_run(job, rid, timeout=30)
        after, _ = scrape(self.server)
        for state in ("STARTING", "RUNNING", "STOPPING", "WAITING"):
            self.assertEqual(metric(after, "glued_job_runs", state=state), 0, state)
        self.assertEqual(metric(after, "glued_job_processes_running"), 0)


class MetricsListenTest(SignedServerMixin, EngineTestCase):
    """--metrics-listen: metrics and health on their own address, without signatures; the API's address then
    serves no /metrics."""

    @classmethod
    def more_server(cls, creds_dir):
        return ("--metrics-listen", "127.0.0.1:0"), {}

    def metrics_port(self):
        with open(self.server.stdout_path) as f:
            m = re.search(r"^glued metrics on http://127\.0\.0\.1:(\d+)/metrics$", f.read(), re.M)
        self.assertIsNotNone(m, "no 'glued metrics on' line")
        return int(m.group(1))

    def test_metrics_on_their_own_address(self):
        port = self.metrics_port()
        self.assertNotEqual(port, self.server.port)
        self.glue.list_workflows()
        samples, _ = scrape(self.server, port)
        self.assertGreaterEqual(metric(samples, "glued_http_requests_total", op="ListWorkflows", code="200"), 1)
        resp = send(self.server, "GET", "/metrics", {"Host": "x"})
        self.assertEqual(resp.status, 404, resp)
        probe = type("S", (), {"url": "http://x", "port": port, "ca": None})()
        self.assertEqual(send(probe, "GET", "/health", {"Host": "x"}).status, 200)
        # the metrics address serves no API
        resp = send(probe, "POST", "/", {"Host": "x", "X-Amz-Target": "AWSGlue.ListWorkflows"}, b"{}")
        self.assertEqual(resp.status, 404, resp)
        # and its one thread is no pool: libmicrohttpd has nothing to warn of at start
        self.assertNotIn("thread pool", self.server.stderr_text())


@sqlite_only
class HealthTest(EngineTestCase):
    def health(self):
        return send(self.server, "GET", "/health", {"Host": "x"}, timeout=30)

    def test_unhealthy_while_the_store_takes_no_write(self):
        self.assertEqual(self.health().status, 200)
        time.sleep(1.1)  # past the probe's one-second cache
        db = sqlite3.connect(self.server.db_path, timeout=1, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")  # the database's write lock, held by someone else
        first = {}
        t = threading.Thread(target=lambda: first.setdefault("r", self.health()))
        try:
            t.start()  # this one probes, and waits on the lock
            time.sleep(5.5)
            resp = self.health()
            self.assertEqual(resp.status, 503, resp)
            self.assertEqual(resp.json["status"], "unhealthy")
            self.assertIn("store", resp.json["reason"])
        finally:
            db.execute("ROLLBACK")
            db.close()
            t.join(30)
        self.assertIn(first["r"].status, (200, 503))
        deadline = time.monotonic() + 10
        while self.health().status != 200:
            self.assertLess(time.monotonic(), deadline, "still unhealthy after the lock was released")
            time.sleep(0.2)
