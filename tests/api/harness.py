"""Start a real glued, talk to it the way users do (boto3, the AWS CLI, raw HTTP), stop it.

GLUED_BIN names the binary (default build/glued under the repository root; `make test` passes the
AddressSanitizer build). Each Glued owns a fresh temporary directory holding the data dir and the
server's captured stdout/stderr; stopping the server fails the test if stderr holds a sanitizer report.

ServerTestCase starts one server per TestCase class; tests make unique names with self.uname().

With GLUED_TEST_PG set to the libpq URI of a PostgreSQL server's maintenance database (tests/run_all.sh starts
a throwaway one), every Glued keeps its state in a fresh database of that server (`--store`), dropped at
cleanup; tests of SQLite's own files are skipped with `sqlite_only`.
"""

import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import shapes

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY_RE = re.compile(r"^glued listening on (https?)://(127\.0\.0\.1|0\.0\.0\.0):(\d+)\s*$")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "ThreadSanitizer")
START_TIMEOUT = float(os.environ.get("GLUED_START_TIMEOUT", "20"))
STOP_TIMEOUT = float(os.environ.get("GLUED_STOP_TIMEOUT", "20"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
PG_BASE = os.environ.get("GLUED_TEST_PG") or None


def sqlite_only(fn_or_cls):
    """Skips a test (or a TestCase) that checks SQLite's own files when the suite runs on PostgreSQL."""
    return unittest.skipIf(PG_BASE, "checks the SQLite database file itself")(fn_or_cls)


def psql(url, sql, timeout=30):
    """Runs SQL with psql against url; returns its stdout (unaligned, tuples only)."""
    p = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], capture_output=True,
                       text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"psql failed ({p.returncode}): {p.stderr.strip()}\nSQL: {sql[:500]}")
    return p.stdout


def pg_url(db):
    """The URI of database db on the test server."""
    return PG_BASE.rsplit("/", 1)[0] + "/" + db


def glued_bin():
    b = os.environ.get("GLUED_BIN", "build/glued")
    if not os.path.isabs(b):
        b = os.path.join(REPO_ROOT, b)
    return b


def server_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def sanitizer_report(text):
    """The sanitizer report in text, or None."""
    for m in SANITIZER_MARKERS:
        i = text.find(m)
        if i >= 0:
            return text[max(0, i - 200): i + 4000]
    return None


def as_root_args(args):
    """glued run as root must be told who jobs run as: the suites run their jobs as root (CI is root), unless a
    test names --job-user itself. Subcommands (logs, and the client's run, status, export, import) start no server
    and take no --job-user."""
    args = list(args)
    if os.geteuid() == 0 and "--job-user" not in args and (not args or args[0].startswith("-")):
        args += ["--job-user", "root"]
    return args


def run_binary(args, timeout=20, job_user=True):
    """Run glued to completion (for --help, refusals): CompletedProcess with text output."""
    args = as_root_args(args) if job_user else list(args)
    return subprocess.run([glued_bin()] + args, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=timeout, env=server_env())


class Response:
    """A raw HTTP answer: status, lower-cased headers, body bytes and the decoded JSON (or None)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def error_type(self):
        if isinstance(self.json, dict):
            return self.json.get("__type")
        return None

    @property
    def message(self):
        if isinstance(self.json, dict):
            return self.json.get("Message") or self.json.get("message") or ""
        return ""

    def __repr__(self):
        return f"<Response {self.status} {self.headers.get('x-amzn-errortype', '')} {self.body[:300]!r}>"


class Glued:
    """keys: the (access key, secret) its clients sign with; ca: the CA bundle that verifies its TLS."""

    def __init__(self, extra_args=(), base_dir=None, data_dir=None, store=None, keys=None, ca=None):
        self.base = base_dir or tempfile.mkdtemp(prefix="glued-api-")
        self.keys = keys
        self.ca = ca
        self.data_dir = data_dir or os.path.join(self.base, "data")
        self.extra_args = list(extra_args)
        self.stderr_path = os.path.join(self.base, "stderr.log")
        self.stdout_path = os.path.join(self.base, "stdout.log")
        self.proc = None
        self.url = None
        self.port = None
        self._stderr_checked = 0
        self._session = None
        self._client = None
        # where state is kept: the caller's choice, else a fresh PostgreSQL database in PG mode, else SQLite in
        # the data dir
        self.store = store
        self._own_db = None
        if store is None and PG_BASE and not any(a.startswith("--store") for a in self.extra_args):
            self._own_db = "g_" + secrets.token_hex(8)
            psql(PG_BASE, f"CREATE DATABASE {self._own_db}")
            self.store = pg_url(self._own_db)

    # ---- life cycle ---------------------------------------------------------------------------
    def start(self, port=0):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if not os.path.exists(glued_bin()):
            raise FileNotFoundError(f"glued binary {glued_bin()} not found (set GLUED_BIN or run make)")
        out_start = os.path.getsize(self.stdout_path) if os.path.exists(self.stdout_path) else 0
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        args = [glued_bin()] + as_root_args(["--listen", f"127.0.0.1:{port}", "--data", self.data_dir]
                                            + self.extra_args)
        if self.store:
            args += ["--store", self.store]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=server_env())
        finally:
            out.close()
            err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with open(self.stdout_path, "rb") as f:
                f.seek(out_start)
                lines = f.read().decode("utf-8", "replace").splitlines()
            ready = [m for m in (READY_RE.match(l) for l in lines) if m]
            if ready:
                # a server on every address is reached on loopback
                self.port = int(ready[0].group(3))
                self.url = f"{ready[0].group(1)}://127.0.0.1:{self.port}"
                break
            if self.proc.poll() is not None:
                raise AssertionError(f"glued exited with {self.proc.returncode} before it was ready; "
                                     f"stdout={lines!r} stderr=\n{self.stderr_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"glued printed no 'glued listening on' line within {START_TIMEOUT}s; "
                                     f"stdout={lines!r} stderr=\n{self.stderr_text()[-3000:]}")
            time.sleep(0.01)
        self._client = None
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Signal the server, wait for it, return the exit status. Fails on a sanitizer report."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"glued did not exit within {STOP_TIMEOUT}s of signal {sig}")
        self.check_sanitizers()
        return self.proc.returncode

    def stop_ok(self, sig=signal.SIGTERM):
        rc = self.stop(sig)
        if rc != 0:
            raise AssertionError(f"glued exited with status {rc} after signal {sig} (expected 0); stderr tail:\n"
                                 f"{self.stderr_text()[-3000:]}")

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.check_sanitizers()

    def restart(self):
        self.stop_ok()
        return self.start()

    def cleanup(self):
        try:
            if self.alive():
                self.kill9()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            if self._own_db:
                psql(PG_BASE, f"DROP DATABASE IF EXISTS {self._own_db} WITH (FORCE)")
                self._own_db = None

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def take_sanitizer_report(self):
        """A sanitizer report written to stderr since the last call (each report is returned once), or None."""
        text = self.stderr_text()
        rep = sanitizer_report(text[self._stderr_checked:])
        self._stderr_checked = len(text)
        return rep

    def check_sanitizers(self):
        rep = self.take_sanitizer_report()
        if rep:
            raise AssertionError("glued's stderr holds a sanitizer report:\n" + rep)

    # ---- clients ------------------------------------------------------------------------------
    def client(self, check_shapes=True, region=REGION, fresh=False):
        """A boto3 Glue client for this server (cached unless fresh; checks every answer when check_shapes)."""
        cacheable = check_shapes and region == REGION and not fresh
        if self._client is not None and cacheable:
            return self._client
        session = _session(region) if not self.keys else boto3.session.Session(
            aws_access_key_id=self.keys[0], aws_secret_access_key=self.keys[1], region_name=region)
        c = session.client("glue", endpoint_url=self.url, verify=self.ca if self.ca else None,
                           config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))
        if check_shapes:
            c.meta.events.register("after-call.glue", _after_call_check)
        if cacheable:
            self._client = c
        return c

    def events(self, region=REGION):
        """A boto3 EventBridge client for this server, every answer checked against the events model."""
        c = _session(region).client("events", endpoint_url=self.url,
                        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))
        c.meta.events.register("after-call.events", _after_call_check_events)
        return c

    def events_cli(self, *args, timeout=90):
        """`aws events ...` against this server (as cli(), for the events service)."""
        return self.cli(*args, timeout=timeout, service="events")

    def raw(self, body, target="AWSGlue.GetWorkflow", headers=None, method="POST", path="/", timeout=60):
        """Send arbitrary bytes; returns a Response (None if the server hung up without answering)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if self.url.startswith("https:"):
            import ssl
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ssl.create_default_context(cafile=self.ca))
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = {"Content-Type": "application/x-amz-json-1.1"}
        if target is not None:
            hdrs["X-Amz-Target"] = target
        hdrs.update(headers or {})
        try:
            try:
                conn.request(method, path, body=body, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer before it has read a refused body
            try:
                r = conn.getresponse()
                data = r.read()
            except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
                return None
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def call(self, op, payload, **kw):
        """Send payload (a JSON-able object, or bytes/str sent as is) to AWSGlue.<op>."""
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self.raw(payload, target="AWSGlue." + op, **kw)

    def cli(self, *args, timeout=90, service="glue", keys=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        key, secret = keys or self.keys or ("AKIDEXAMPLE", "secret")
        if self.ca:
            env["AWS_CA_BUNDLE"] = self.ca
        env.update({
            "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard", "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
        })
        cmd = [sys.executable, "-m", "awscli", service] + list(args) + [
            "--endpoint-url", self.url, "--output", "json", "--region", REGION]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)

    @property
    def db_path(self):
        """Where the state is: the SQLite file, or the PostgreSQL URI."""
        return self.store or os.path.join(self.data_dir, "glued.db")


_SESSIONS = {}


def _session(region):
    """One boto3 session per region: its loaded models make every further client cheap."""
    if region not in _SESSIONS:
        _SESSIONS[region] = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                                                  region_name=region)
    return _SESSIONS[region]


def _after_call_check_events(http_response, parsed, model, **kwargs):
    _after_call_check(http_response, parsed, model, service="events", **kwargs)


def _after_call_check(http_response, parsed, model, service="glue", **kwargs):
    """Every answer botocore sees: a request id; success bodies match the model; errors are well formed."""
    op = model.name
    hdrs = {k.lower(): v for k, v in http_response.headers.items()}
    problems = []
    if not hdrs.get("x-amzn-requestid"):
        problems.append("no x-amzn-RequestId header")
    body = http_response.content
    if http_response.status_code == 200:
        problems += shapes.problems_for(op, body, service)
    else:
        problems += shapes.error_problems(body)
        try:
            etype = json.loads(body).get("__type")
        except (ValueError, AttributeError):
            etype = None
        want = 500 if etype in ("InternalServiceException", "InternalException") else 400
        if http_response.status_code != want:
            problems.append(f"error {etype} came with HTTP {http_response.status_code}, expected {want}")
        if hdrs.get("x-amzn-errortype") != etype:
            problems.append(f"x-amzn-ErrorType header {hdrs.get('x-amzn-errortype')!r} != __type {etype!r}")
    if problems:
        raise shapes.ShapeError(f"{op} answer (HTTP {http_response.status_code}) is wrong:\n  "
                                + "\n  ".join(problems) + f"\n  body: {body[:500]!r}")


# ---- seeding runs ---------------------------------------------------------------------------------
STATUS_CODES = {"RUNNING": 0, "COMPLETED": 1, "STOPPING": 2, "STOPPED": 3, "ERROR": 4}


def new_run_id():
    return "wr_" + secrets.token_hex(32)


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def seed_runs(db_path, runs):
    """Insert runs (dicts with workflow, and optionally run_id, status, props, started_ms, ...)
    into a stopped server's database (a SQLite file, or a PostgreSQL URI). Returns the run ids in order."""
    ids, rows = [], []
    for r in runs:
        rid = r.get("run_id") or new_run_id()
        ids.append(rid)
        st = r.get("stats", {})
        props = r.get("props", {})
        rows.append((rid, r["workflow"], r.get("previous_run_id"), STATUS_CODES[r.get("status", "COMPLETED")],
                     r.get("error_message"), None if props is None else json.dumps(props),
                     r.get("started_ms", int(time.time() * 1000)), r.get("completed_ms"),
                     r.get("batch_size"), r.get("batch_window"),
                     st.get("TotalActions", 0), st.get("TimeoutActions", 0), st.get("FailedActions", 0),
                     st.get("StoppedActions", 0), st.get("SucceededActions", 0), st.get("RunningActions", 0),
                     st.get("ErroredActions", 0), st.get("WaitingActions", 0)))
    cols = ("INSERT INTO workflow_runs (run_id, workflow, previous_run_id, status, error_message, props,"
            " started_ms, completed_ms, batch_size, batch_window, st_total, st_timeout, st_failed,"
            " st_stopped, st_succeeded, st_running, st_errored, st_waiting)")
    if db_path.startswith("postgres"):
        # one statement per row keeps the insertion order (seq) the order given
        psql(db_path, "BEGIN;" + "".join(f"{cols} VALUES ({', '.join(map(_sql_literal, row))});" for row in rows)
             + "COMMIT;")
        return ids
    con = sqlite3.connect(db_path, timeout=10)
    try:
        with con:
            for row in rows:
                con.execute(cols + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
    finally:
        con.close()
    return ids


# ---- test case base -------------------------------------------------------------------------------
_counter = itertools.count(1)


class GlueAssertions:
    """Assertions shared by every API test."""

    def wait_until(self, fn, what, timeout=30, poll=0.05):
        """Polls fn() until it returns a true value, and returns that value; after timeout real seconds, fails
        naming what it waited for, with the tail of the server's stderr."""
        deadline = time.monotonic() + timeout
        while True:
            v = fn()
            if v:
                return v
            if time.monotonic() > deadline:
                server = getattr(self, "server", None)
                tail = server.stderr_text()[-3000:] if server is not None else ""
                self.fail(f"timed out after {timeout} s waiting for {what}; stderr tail:\n{tail}")
            time.sleep(poll)

    def assertClientError(self, code, fn, *args, member=None, **kwargs):
        """fn(*args, **kwargs) must raise a botocore ClientError with this code (HTTP 400, a message
        that names member when given). Returns the error response."""
        with self.assertRaises(ClientError, msg=f"expected {code}") as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, f"wrong error code; message: {err['Error'].get('Message')}")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 500 if code == "InternalServiceException" else 400)
        msg = err["Error"].get("Message", "")
        self.assertTrue(msg.strip(), "error message is empty")
        if member:
            self.assertMessageNames(msg, member)
        return err

    def assertMessageNames(self, msg, member):
        norm = lambda s: re.sub(r"[^a-z0-9]", "", s.lower())
        self.assertIn(norm(member), norm(msg), f"message {msg!r} does not name {member}")

    def assertRawError(self, resp, code, member=None):
        self.assertIsNotNone(resp, "server hung up without an answer")
        want = 500 if code == "InternalServiceException" else 400
        self.assertEqual((resp.status, resp.error_type), (want, code), f"answer: {resp!r}")
        self.assertEqual(shapes.error_problems(resp.body), [])
        self.assertEqual(resp.headers.get("x-amzn-errortype"), code)
        self.assertTrue(resp.headers.get("x-amzn-requestid"), "no x-amzn-RequestId header")
        if member:
            self.assertMessageNames(resp.message, member)

    def assertRawOk(self, resp, op):
        self.assertIsNotNone(resp, "server hung up without an answer")
        self.assertEqual(resp.status, 200, f"answer: {resp!r}")
        self.assertTrue(resp.headers.get("x-amzn-requestid"), "no x-amzn-RequestId header")
        shapes.assert_shape(op, resp.body)
        return resp.json


class ServerTestCase(unittest.TestCase, GlueAssertions):
    """One glued per class, started in setUpClass and stopped (exit 0, clean stderr) in tearDownClass."""

    server_args = ()
    server_kwargs = {}  # more of Glued's arguments (keys, ca)

    @classmethod
    def setUpClass(cls):
        cls.server = Glued(extra_args=cls.server_args, **cls.server_kwargs)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.glue = cls.server.client()

    @classmethod
    def class_tempdir(cls, prefix):
        """A new directory for the class, removed after tearDownClass, or when setUpClass fails after this."""
        path = tempfile.mkdtemp(prefix=prefix)
        cls.addClassCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.proc is not None and cls.server.proc.poll() is None:
                cls.server.stop_ok()
            else:
                cls.server.check_sanitizers()
        finally:
            cls.server.cleanup()

    def setUp(self):
        # A server killed by an earlier test (that test failed for it) is restarted on the same data,
        # so one crash does not fail the rest of the class.
        srv = self.server
        if srv.proc is not None and srv.proc.poll() is not None and getattr(srv, "expect_running", True):
            srv.take_sanitizer_report()
            srv.start()
            type(self).glue = srv.client()

    def tearDown(self):
        # A server that died under a test is that test's failure, with its stderr as the reason.
        srv = self.server
        if srv.proc is not None and srv.proc.poll() is not None and getattr(srv, "expect_running", True):
            rep = srv.take_sanitizer_report()
            self.fail(f"glued died (status {srv.proc.returncode}) during the test; "
                      + (rep or srv.stderr_text()[-2000:]))
        rep = srv.take_sanitizer_report()
        if rep:
            self.fail("glued's stderr holds a sanitizer report:\n" + rep)

    def uname(self, tag="wf"):
        return f"{tag}-{self._testMethodName[5:30]}-{next(_counter)}-{secrets.token_hex(3)}"

    def glue_for(self, region=REGION):
        return self.server.client(region=region)

    def create(self, name=None, **kw):
        name = name or self.uname()
        self.assertEqual(self.glue.create_workflow(Name=name, **kw)["Name"], name)
        return name

    def get(self, name, **kw):
        return self.glue.get_workflow(Name=name, **kw)["Workflow"]

    def exists(self, name):
        try:
            self.glue.get_workflow(Name=name)
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] == "EntityNotFoundException":
                return False
            raise

    def all_workflows(self):
        names, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            r = self.glue.list_workflows(MaxResults=25, **kw)
            names += r["Workflows"]
            token = r.get("NextToken")
            if not token:
                return names

    def assertStillServes(self):
        """The server answers a plain request after whatever the test sent it."""
        r = self.server.call("ListWorkflows", {"MaxResults": 1})
        self.assertRawOk(r, "ListWorkflows")


def arn(name, region=REGION, account=ACCOUNT):
    return f"arn:aws:glue:{region}:{account}:workflow/{name}"
