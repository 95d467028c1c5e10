"""glued's client subcommands against a real glued (issue 14): `glued run` (node lines, the progress line only on a
terminal, the failed jobs' stderr, the summary's count of each way a job ended, exit statuses 0/1/2), `glued status`,
the endpoint defaults (AWS_ENDPOINT_URL_GLUE, then AWS_ENDPOINT_URL, then http://127.0.0.1:8080), SigV4 signing
checked by botocore, and `glued export` / `glued import` (dependency order, idempotence, an exact round trip,
updates)."""

import http.server
import json
import os
import pty
import re
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from harness import Glued, glued_bin, sanitizer_report, server_env  # noqa: E402
from test_engine_helpers import SH, EngineTestCase  # noqa: E402

RUN_LINE = re.compile(r"^\d\d:\d\d:\d\d  (JOB|CRAWLER) +(\S+) +([A-Z]+)(  attempt \d+)?(  \S+)?$")


def cli_env(**extra):
    env = {k: v for k, v in server_env().items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(extra)
    return env


def glued(*args, env=None, timeout=60):
    """Runs a client subcommand to its end; fails on a sanitizer report in its stderr."""
    p = subprocess.run([glued_bin()] + list(args), capture_output=True, text=True, timeout=timeout,
                       env=env if env is not None else cli_env(), stdin=subprocess.DEVNULL)
    rep = sanitizer_report(p.stderr)
    if rep:
        raise AssertionError(f"glued {' '.join(args)}: sanitizer report:\n{rep}")
    return p


class RunStatusTest(EngineTestCase):
    server_args = ("--job-minute-ms", "1000")  # a job's Timeout=1 lasts a second

    def cli(self, *args, **kw):
        return glued(*args, "--endpoint", self.server.url, **kw)

    def workflow(self, fail=False, sleep="0"):
        """start -> ok (and -> bad, failing with two stderr lines, when fail)."""
        wf = self.create()
        ok = self.job({"--sleep": sleep}, name=self.uname("z-ok"))  # after bad in the graph's order by name
        self.start_trigger(wf, [ok])
        if fail:
            bad = self.job({"--stderr": "first words", "--exit": "3"}, name=self.uname("a-bad"))
            self.cond_trigger(wf, [ok], [bad])
            return wf, ok, bad
        return wf, ok, None

    def test_run_succeeds_with_a_line_per_state(self):
        wf, ok, _ = self.workflow()
        p = self.cli("run", wf, "--property", "stage=test", "--property=who=cli")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        m = re.match(r"^Started run (wr_[0-9a-f]{64}) of workflow " + re.escape(wf) + "$", lines[0])
        self.assertTrue(m, lines[0])
        rid = m.group(1)
        nodes = [RUN_LINE.match(l) for l in lines[1:-1]]
        self.assertTrue(all(nodes), lines)
        self.assertEqual({(n.group(2), n.group(3)) for n in nodes if n.group(3) == "SUCCEEDED"}, {(ok, "SUCCEEDED")})
        self.assertRegex(lines[-1], rf"^Run {rid} COMPLETED in [0-9.]+s: 1 succeeded, 0 failed, 0 did not run$")
        self.assertNotIn("\r", p.stdout)  # no progress line when stdout is not a terminal
        self.assertNotIn("\033", p.stdout)
        props = self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"]
        self.assertEqual(props, {"stage": "test", "who": "cli"})

    def test_run_pads_a_non_ascii_name_by_characters(self):
        """The name column is 30 characters wide whatever bytes a name's characters take, so the states line up."""
        wf = self.create()
        tag = secrets.token_hex(4)  # names shorter than the column, one of them with two 2-byte characters
        plain, accented = self.job(name=f"ete-{tag}"), self.job(name=f"\u00e9t\u00e9-{tag}")
        self.start_trigger(wf, [plain, accented])
        p = self.cli("run", wf)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        cols = {m.group(2): l.index(m.group(3)) for l in p.stdout.splitlines() if (m := RUN_LINE.match(l))}
        self.assertEqual(set(cols), {plain, accented}, p.stdout)
        self.assertEqual(cols[plain], cols[accented], p.stdout)

    def test_run_with_a_failed_job_exits_1_with_its_stderr(self):
        wf, ok, bad = self.workflow(fail=True)
        p = self.cli("run", wf, "--data", self.server.data_dir)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"Job {bad} FAILED: Job process exited with status 3: first words", p.stdout)
        self.assertIn("    | first words", p.stdout)
        # lines in the order things happened: ok's end before anything of bad, which it started
        order = [tuple(l.split()[2:4]) for l in p.stdout.splitlines() if re.match(r"\d\d:\d\d:\d\d  JOB ", l)]
        self.assertLess(order.index((ok, "SUCCEEDED")), min(i for i, (n, _) in enumerate(order) if n == bad),
                        p.stdout)
        self.assertRegex(p.stdout, r"COMPLETED in [0-9.]+s: 1 succeeded, 1 failed, 0 did not run")
        # without the data directory: where the whole output is
        p = self.cli("run", wf, "--data", "/nonexistent")
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout, r"\(its output, if it started: glued logs jr_[0-9a-f]{64} --data <glued's data "
                                   r"directory>\)")

    def test_run_summary_counts_each_end(self):
        """A stopped job counts as stopped and a timed-out one as timed out, not as failed; a job of a deleted
        definition as errored. The exit status is 1 all the same: not every job that ran succeeded."""
        wf = self.create()
        ok, bad, after = self.job(), self.job({"--exit": "3"}), self.job()
        started = self.path("started")
        slow = self.job({"--sleep": "30", "--started": started})
        timed = self.job({"--sleep": "30"})
        gone = self.job()
        self.start_trigger(wf, [ok, bad, slow, {"JobName": timed, "Timeout": 1}, gone])
        self.cond_trigger(wf, [slow], [after])
        self.glue.delete_job(JobName=gone)
        proc = subprocess.Popen([glued_bin(), "run", wf, "--endpoint", self.server.url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=cli_env())
        try:
            self.wait_file(started)
            jr = self.glue.get_job_runs(JobName=slow)["JobRuns"]
            self.glue.batch_stop_job_run(JobName=slow, JobRunIds=[jr[0]["Id"]])
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
            proc.wait()
        self.assertIsNone(sanitizer_report(err), err)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertRegex(out, r"\nRun wr_[0-9a-f]{64} COMPLETED in [0-9.]+s: 1 succeeded, 1 failed, 1 stopped, "
                              r"1 timed out, 1 errored, 1 did not run\n")
        self.assertIn(f"Job {slow} STOPPED", out)
        self.assertIn(f"Job {timed} TIMEOUT", out)
        self.assertIn(f"Job {gone} ERROR", out)

    def test_run_waits_for_glued_to_come_back(self):
        """glued restarting under a `glued run` that follows a run: the command waits for it to answer again and
        follows the run to its end (it exited 2 at the first refused connection, and the run's outcome was lost)."""
        g = Glued().start()
        self.addCleanup(g.cleanup)
        self.glue = g.client()  # the helpers below make the workflow on this glued
        tmp = tempfile.mkdtemp(prefix="glued-run-")
        self.addCleanup(shutil.rmtree, tmp, True)
        started = os.path.join(tmp, "started")
        wf = self.create()
        slow = self.job({"--sleep": "30", "--started": started})
        self.start_trigger(wf, [slow])
        proc = subprocess.Popen([glued_bin(), "run", wf, "--endpoint", g.url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=cli_env())
        try:
            self.wait_file(started)
            port = g.port
            g.stop_ok()  # ends the job (FAILED, glued shut down) and the run
            time.sleep(1.0)  # a few refused polls
            g.start(port=port)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
            proc.wait()
        self.assertIsNone(sanitizer_report(err), err)
        self.assertIn("waiting up to 60 s for it to answer again", err)
        self.assertIn("glued answers again", err)
        self.assertEqual(proc.returncode, 1, out + err)  # the job failed: glued was stopped under it
        self.assertRegex(out, r"\nRun wr_[0-9a-f]{64} COMPLETED in [0-9.]+s: .*1 failed")

    def test_progress_line_only_on_a_terminal(self):
        wf, ok, _ = self.workflow(sleep="0.8")
        master, slave = pty.openpty()
        proc = subprocess.Popen([glued_bin(), "run", wf, "--endpoint", self.server.url], stdout=slave,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=cli_env())
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        os.close(master)
        self.assertEqual(proc.wait(timeout=30), 0)
        text = out.decode()
        self.assertRegex(text, r"\r\x1b\[K\[[0-9.]+s\] \d of 1 succeeded, \d running, 0 failed")
        self.assertRegex(text, r"COMPLETED in")

    def test_run_usage_and_connection_errors_exit_2(self):
        p = self.cli("run", self.uname("nope"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("no workflow named", p.stderr)
        p = glued("run", "x", "--endpoint", "http://127.0.0.1:1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot reach http://127.0.0.1:1", p.stderr)
        for bad in (["run"], ["run", "wf", "--property", "novalue"], ["run", "wf", "--bogus"],
                    ["run", "wf", "--endpoint"], ["status", "a", "b"], ["export"], ["import"],
                    ["run", "wf", "--endpoint", "ftp://x"]):
            p = glued(*bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertTrue(p.stderr.strip(), bad)

    def test_a_bad_option_is_one_line_not_the_whole_usage(self):
        for bad in (["--bogus"], ["--listen"], ["stray"]):
            p = glued(*bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertLessEqual(len(p.stderr.strip().splitlines()), 2, p.stderr)
            self.assertIn("glued --help lists the options", p.stderr)
        p = glued("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--job-user NAME", p.stdout)
        p = glued("logs", "--help")
        self.assertEqual((p.returncode, p.stdout.strip()),
                         (0, "usage: glued logs JOB_RUN_ID|CRAWL_ID [--data DIR] [--store STORE]"))

    def test_status_tables(self):
        wf, ok, _ = self.workflow()
        idle = self.create()
        self.assertEqual(self.cli("run", wf).returncode, 0)
        p = self.cli("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["WORKFLOW", "LAST", "RUN", "STATUS", "STARTED", "DURATION",
                                            "SUCCEEDED/FAILED/TOTAL"])
        row = next(l.split() for l in lines if l.startswith(wf + " "))
        self.assertRegex(row[1], r"^wr_[0-9a-f]{64}$")
        self.assertEqual((row[2], row[-1]), ("COMPLETED", "1/0/1"))
        row = next(l.split() for l in lines if l.startswith(idle + " "))
        self.assertEqual(row[1:], ["-"] * 5)
        names = [l.split()[0] for l in lines[1:]]
        self.assertEqual(names, sorted(names))
        p = self.cli("status", wf)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split()[:3], ["RUN", "STATUS", "STARTED"])
        self.assertEqual(len(lines), 2)
        self.assertIn("COMPLETED", lines[1])
        p = self.cli("status", idle)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, f"Workflow {idle} has no runs"))
        p = self.cli("status", self.uname("nope"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("no workflow named", p.stderr)

    def test_status_caps_the_workflow_column(self):
        """A 255-character name does not widen the WORKFLOW column of every row: the column is at most 40 wide
        and a longer name is cut to 37 characters (not bytes: a UTF-8 name is not cut inside a character) and
        "..."; a short name is shown whole, and the other columns line up after it."""
        long_name = self.uname("long") + "x" * 200
        long_name += "y" * (255 - len(long_name))
        accented = self.uname("acc") + "\u00e9" * 60
        short = self.create()
        self.create(long_name)
        self.create(accented)
        p = self.cli("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0][:42], "WORKFLOW".ljust(42))
        self.assertTrue(lines[0][42:].startswith("LAST RUN"), lines[0])
        rows = {l[:40]: l[40:] for l in lines[1:]}
        self.assertTrue(all(len(l) > 42 and l[40:42] == "  " and l[42] != " " for l in lines[1:]), lines)
        self.assertEqual(rows[long_name[:37] + "..."].split(), ["-"] * 5)
        self.assertEqual(rows[accented[:37] + "..."].split(), ["-"] * 5)
        self.assertEqual(rows[short.ljust(40)].split(), ["-"] * 5)
        self.assertNotIn(long_name, p.stdout)

    def test_endpoint_defaults(self):
        wf = self.create()
        dead = "http://127.0.0.1:1"
        # AWS_ENDPOINT_URL_GLUE first, then AWS_ENDPOINT_URL; --endpoint beats both
        p = glued("status", wf, env=cli_env(AWS_ENDPOINT_URL_GLUE=self.server.url, AWS_ENDPOINT_URL=dead))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = glued("status", wf, env=cli_env(AWS_ENDPOINT_URL=self.server.url))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = glued("status", wf, env=cli_env(AWS_ENDPOINT_URL_GLUE=dead, AWS_ENDPOINT_URL=self.server.url))
        self.assertEqual(p.returncode, 2)
        self.assertIn(dead, p.stderr)
        p = glued("status", wf, "--endpoint", self.server.url, env=cli_env(AWS_ENDPOINT_URL_GLUE=dead))
        self.assertEqual(p.returncode, 0, p.stderr)
        # with neither, http://127.0.0.1:8080 (whatever listens there, the answer names it or is glued's table)
        p = glued("status", self.uname("nope"), env=cli_env())
        self.assertEqual(p.returncode, 2)
        self.assertIn("http://127.0.0.1:8080", p.stderr)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers ListWorkflows with no workflows and keeps the request for the signature check."""

    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).seen.append((self.command, self.path, dict(self.headers.items()), body))
        out = b'{"Workflows": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


class SigningTest(unittest.TestCase):
    """The subcommands sign as an AWS SDK does: botocore, given the same request, computes the same signature."""

    def setUp(self):
        _Recorder.seen = []
        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def tearDown(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def check_signature(self, region, token=None):
        env = cli_env(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                      AWS_REGION=region)
        if token:
            env["AWS_SESSION_TOKEN"] = token
        p = glued("status", "--endpoint", self.url, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), f"No workflows at {self.url}")
        method, path, headers, body = _Recorder.seen[-1]
        self.assertEqual(headers["X-Amz-Target"], "AWSGlue.ListWorkflows")
        self.assertEqual(json.loads(body), {"MaxResults": 25})
        auth = headers["Authorization"]
        m = re.match(r"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/(\d{8})/([a-z0-9-]+)/glue/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", auth)
        self.assertTrue(m, auth)
        self.assertEqual(m.group(2), region)
        signed = m.group(3).split(";")
        for h in ("host", "x-amz-date", "x-amz-target", "content-type"):
            self.assertIn(h, signed)
        if token:
            self.assertEqual(headers["X-Amz-Security-Token"], token)
            self.assertIn("x-amz-security-token", signed)
        lower = {k.lower(): v for k, v in headers.items()}
        req = AWSRequest(method=method, url=self.url + path, data=body,
                         headers={h: lower[h] for h in signed})
        req.context["timestamp"] = lower["x-amz-date"]
        creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
        signer = SigV4Auth(creds, "glue", region)
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        self.assertEqual(m.group(4), want, f"canonical request botocore made:\n{canonical}")

    def test_signed_like_botocore(self):
        self.check_signature("us-east-1")
        self.check_signature("eu-west-3", token="FQoGZXIvYXdzEXAMPLETOKEN//+=")

    def test_unsigned_without_credentials(self):
        env = {k: v for k, v in cli_env().items() if not k.startswith("AWS_")}
        p = glued("status", "--endpoint", self.url, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Authorization", _Recorder.seen[-1][2])


class ExportImportTest(EngineTestCase):
    def cli(self, *args, server=None, **kw):
        return glued(*args, "--endpoint", (server or self.server).url, **kw)

    def second(self):
        g = Glued().start()
        self.addCleanup(g.cleanup)
        self.addCleanup(g.stop_ok)
        return g

    def rich_workflow(self):
        wf = self.create(Description="nightly load", DefaultRunProperties={"env": "test", "b": "2"},
                         MaxConcurrentRuns=2)
        extract = self.job({"--sleep": "0", "--k": "v w"}, Description="extract step", MaxRetries=2, Timeout=30,
                           NonOverridableArguments={"--fixed": "1"})
        load = self.job(None, command="glueetl", script="s3://code/load.py", GlueVersion="4.0", WorkerType="G.1X",
                        NumberOfWorkers=3, ExecutionProperty={"MaxConcurrentRuns": 4})
        crawler = self.uname("crawler")
        self.glue.create_crawler(Name=crawler, Role="arn:aws:iam::123456789012:role/R", DatabaseName="db",
                                 Targets={"S3Targets": [{"Path": "s3://data/in/"}]}, Schedule="cron(0 3 * * ? *)",
                                 Description="finds tables")
        self.glue.create_trigger(Name=self.uname("sched"), WorkflowName=wf, Type="SCHEDULED",
                                 Schedule="cron(15 12 * * ? *)", Description="starts it",
                                 Actions=[{"JobName": extract, "Arguments": {"--a": "b"}}])
        self.cond_trigger(wf, [extract], [load, {"CrawlerName": crawler}], logical="ANY")
        self.cond_trigger(wf, [load], [extract], activate=False)
        stopped = self.cond_trigger(wf, [{"LogicalOperator": "EQUALS", "CrawlerName": crawler,
                                          "CrawlState": "FAILED"}], [load])
        self.glue.stop_trigger(Name=stopped)
        return wf, extract, load, crawler

    def export(self, wf, server=None):
        p = self.cli("export", wf, server=server)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def import_(self, path, server=None, rc=0):
        p = self.cli("import", path, server=server)
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return {tuple(l.split()[:2]): l.split()[2] for l in p.stdout.splitlines()[:-1]} if rc == 0 else p

    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_round_trip_is_exact_and_import_is_idempotent(self):
        wf, extract, load, crawler = self.rich_workflow()
        text = self.export(wf)
        doc = json.loads(text)
        self.assertEqual(doc["Format"], "glued-export/1")
        self.assertEqual(doc["Workflow"], {"Name": wf, "Description": "nightly load", "MaxConcurrentRuns": 2,
                                           "DefaultRunProperties": {"env": "test", "b": "2"}})
        self.assertEqual([j["Name"] for j in doc["Jobs"]], sorted([extract, load]))
        self.assertEqual([c["Name"] for c in doc["Crawlers"]], [crawler])
        self.assertEqual(doc["Crawlers"][0]["Schedule"], "cron(0 3 * * ? *)")
        self.assertEqual(doc["Crawlers"][0]["ScheduleState"], "SCHEDULED")
        self.assertEqual(len(doc["Triggers"]), 4)
        self.assertEqual(sorted(t["State"] for t in doc["Triggers"]),
                         ["ACTIVATED", "CREATED", "CREATED", "DEACTIVATED"])
        for t in doc["Triggers"]:
            self.assertNotIn("StartOnCreation", t)
            self.assertNotIn("Id", t)
        self.assertEqual(text, json.dumps(doc, indent=2, sort_keys=True) + "\n")  # canonical bytes
        self.assertEqual(self.export(wf), text)  # same definitions, same bytes
        path = self.write(text)
        other = self.second()
        out = self.import_(path, server=other)
        self.assertEqual(set(out.values()), {"created"})
        self.assertEqual(len(out), 2 + 1 + 1 + 4)
        self.assertEqual(self.export(wf, server=other), text)
        out = self.import_(path, server=other)
        self.assertEqual(set(out.values()), {"unchanged"})
        self.assertEqual(self.export(wf, server=other), text)
        # the imported workflow runs there
        p = self.cli("run", wf, server=other)
        self.assertIn(f"JOB      {extract}", p.stdout)

    def test_import_updates_what_differs(self):
        wf, extract, load, crawler = self.rich_workflow()
        doc = json.loads(self.export(wf))
        doc["Workflow"]["Description"] = "changed"
        doc["Workflow"]["MaxConcurrentRuns"] = 5
        job = next(j for j in doc["Jobs"] if j["Name"] == extract)
        job["DefaultArguments"]["--k"] = "new"
        job["MaxRetries"] = 0
        crawl = doc["Crawlers"][0]
        crawl["Schedule"] = "cron(0 4 * * ? *)"
        cond = next(t for t in doc["Triggers"] if t["Type"] == "CONDITIONAL" and t["State"] == "ACTIVATED")
        stopped = next(t for t in doc["Triggers"] if t["State"] == "DEACTIVATED")
        stopped["State"] = "ACTIVATED"
        cond["State"] = "DEACTIVATED"
        sched = next(t for t in doc["Triggers"] if t["Type"] == "SCHEDULED")
        sched["Type"] = "ON_DEMAND"
        del sched["Schedule"]
        other = next(t for t in doc["Triggers"] if t["Type"] == "CONDITIONAL" and t["State"] == "CREATED")
        other["Description"] = "now described"
        out = self.import_(self.write(json.dumps(doc)))
        self.assertEqual(out[("workflow", wf)], "updated")
        self.assertEqual(out[("job", extract)], "updated")
        self.assertEqual(out[("job", load)], "unchanged")
        self.assertEqual(out[("crawler", crawler)], "updated")
        self.assertEqual(out[("trigger", cond["Name"])], "updated")
        self.assertEqual(out[("trigger", sched["Name"])], "replaced")
        self.assertEqual(out[("trigger", other["Name"])], "updated")
        self.assertEqual(out[("trigger", stopped["Name"])], "updated")
        self.assertEqual(self.export(wf), json.dumps(doc, indent=2, sort_keys=True) + "\n")
        out = self.import_(self.write(json.dumps(doc)))
        self.assertEqual(set(out.values()), {"unchanged"})
        # CREATED and DEACTIVATED both mean "not active": no call makes a stopped trigger CREATED again
        self.glue.stop_trigger(Name=stopped["Name"])
        stopped["State"] = "CREATED"
        out = self.import_(self.write(json.dumps(doc)))
        self.assertEqual(out[("trigger", stopped["Name"])], "unchanged")

    def test_a_stopped_crawler_schedule_stays_stopped(self):
        """The schedule's state goes with the crawler: one StopCrawlerSchedule stopped is imported stopped (it came
        back SCHEDULED, crawling every 5 minutes, and exporting again hid that), and the import sets a state
        that differs."""
        wf = self.create()
        crawler = self.uname("crawler")
        self.glue.create_crawler(Name=crawler, Role="arn:aws:iam::123456789012:role/R", DatabaseName="db",
                                 Targets={"S3Targets": [{"Path": "s3://data/in/"}]}, Schedule="cron(0/5 * * * ? *)")
        self.cond_trigger(wf, [{"LogicalOperator": "EQUALS", "CrawlerName": crawler, "CrawlState": "SUCCEEDED"}],
                          [self.job()])
        self.glue.stop_crawler_schedule(CrawlerName=crawler)
        text = self.export(wf)
        doc = json.loads(text)
        self.assertEqual(doc["Crawlers"][0]["ScheduleState"], "NOT_SCHEDULED")
        other = self.second()
        out = self.import_(self.write(text), server=other)
        self.assertEqual(out[("crawler", crawler)], "created")
        state = lambda g: g.client().get_crawler(Name=crawler)["Crawler"]["Schedule"]["State"]
        self.assertEqual(state(other), "NOT_SCHEDULED")
        self.assertEqual(self.export(wf, server=other), text)
        self.assertEqual(self.import_(self.write(text), server=other)[("crawler", crawler)], "unchanged")
        doc["Crawlers"][0]["ScheduleState"] = "SCHEDULED"
        self.assertEqual(self.import_(self.write(json.dumps(doc)), server=other)[("crawler", crawler)], "updated")
        self.assertEqual(state(other), "SCHEDULED")
        # an export made before the state was written out leaves the schedule as it is
        del doc["Crawlers"][0]["ScheduleState"]
        self.assertEqual(self.import_(self.write(json.dumps(doc)))[("crawler", crawler)], "unchanged")
        self.assertEqual(state(self.server), "NOT_SCHEDULED")
        doc["Crawlers"][0]["ScheduleState"] = "OFF"
        p = self.import_(self.write(json.dumps(doc)), rc=2)
        self.assertIn('"ScheduleState" must be "SCHEDULED" or "NOT_SCHEDULED"', p.stderr)

    def test_export_leaves_out_a_deleted_job_and_names_its_trigger(self):
        """A job deleted after a trigger named it (glued, as AWS, allows that): the export still comes out, without
        the job, and says which trigger names it; importing that document elsewhere stops at that trigger."""
        wf = self.create()
        a, gone = self.job(), self.job()
        self.start_trigger(wf, [a])
        t = self.cond_trigger(wf, [a], [gone])
        self.glue.delete_job(JobName=gone)
        p = self.cli("export", wf)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual([j["Name"] for j in doc["Jobs"]], [a])
        self.assertEqual(len(doc["Triggers"]), 2)
        self.assertIn(f"glued export: job '{gone}' does not exist (deleted after trigger '{t}' named it); the "
                      "document leaves it out, and importing it needs that job first", p.stderr)
        p = self.import_(self.write(p.stdout), server=self.second(), rc=1)
        self.assertIn(gone, p.stderr)

    def test_import_refuses_what_is_not_an_export(self):
        for text, needle in (("not json", "is not JSON"), ("[]", "not a JSON object"),
                             ('{"Format": "x"}', '"Format" must be "glued-export/1"'),
                             ('{"Format": "glued-export/1", "Workflow": {}}', '"Workflow" must be an object'),
                             ('{"Format": "glued-export/1", "Workflow": {"Name": "w"}, "Jobs": {}}', '"Jobs" must'),
                             ('{"Format": "glued-export/1", "Workflow": {"Name": "w"}, "Triggers": '
                              '[{"Name": "t", "WorkflowName": "v"}]}', "belongs to workflow 'v'")):
            p = self.import_(self.write(text), rc=2)
            self.assertIn(needle, p.stderr)
        p = self.cli("import", "/nonexistent/wf.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot open /nonexistent/wf.json", p.stderr)
        # a definition glued refuses: exit 1, naming the call and the field
        doc = {"Format": "glued-export/1", "Workflow": {"Name": self.uname()},
               "Jobs": [{"Name": self.uname("job"), "Role": "r", "Command": {"Name": "shell", "ScriptLocation": SH},
                         "MaxRetries": -4}]}
        p = self.import_(self.write(json.dumps(doc)), rc=1)
        self.assertIn("CreateJob: InvalidInputException", p.stderr)
        self.assertIn("MaxRetries", p.stderr)
        p = self.cli("export", self.uname("nope"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("no workflow named", p.stderr)


if __name__ == "__main__":
    unittest.main()
