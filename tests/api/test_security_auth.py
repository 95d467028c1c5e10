"""SigV4 verification with --credentials, against the real binary: boto3, the AWS CLI and requests signed by
hand (botocore's own signer at a patched date) or not at all. Also: SIGHUP re-reads the credentials file, the
start-up refusals (a non-loopback address without credentials, broken credentials files), /metrics behind the
signature and /health in front of it, and a Python job whose boto3 uses the per-run key glued gives it."""

import datetime
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from harness import REGION, Glued, run_binary  # noqa: E402
from sigv4_helpers import (KEY, KEY2, SECRET, SECRET2, SignedServerMixin, expected_signature, json_body,  # noqa: E402
                           metric, parse_metrics, send, signed, write_credentials)
from test_engine_helpers import PY, EngineTestCase  # noqa: E402

MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.")


class SignedServerCase(SignedServerMixin, EngineTestCase):
    """A glued with --credentials naming two key pairs; self.glue signs with the first."""

    key_pairs = ((KEY, SECRET), (KEY2, SECRET2))

    def client_with(self, key, secret, region=REGION):
        return boto3.client("glue", endpoint_url=self.server.url, region_name=region, aws_access_key_id=key,
                            aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))

    def assertRefused(self, resp, code, status=400, says=None):
        self.assertIsNotNone(resp, "server hung up without an answer")
        self.assertEqual((resp.status, resp.error_type), (status, code), f"answer: {resp!r}")
        self.assertEqual(resp.headers.get("x-amzn-errortype"), code)
        self.assertTrue(resp.headers.get("x-amzn-requestid"))
        self.assertEqual(resp.headers.get("content-type"), "application/x-amz-json-1.1")
        if says:
            self.assertIn(says, resp.message)
        return resp


class AuthTest(SignedServerCase):
    # ---- boto3 and the CLI ----------------------------------------------------------------------------
    def test_boto3_with_each_profile_key(self):
        for key, secret in ((KEY, SECRET), (KEY2, SECRET2)):
            name = self.uname()
            c = self.client_with(key, secret, region="eu-west-1")
            c.create_workflow(Name=name)
            self.assertEqual(c.get_workflow(Name=name)["Workflow"]["Name"], name)

    def test_boto3_wrong_secret(self):
        c = self.client_with(KEY, SECRET + "x")
        with self.assertRaises(ClientError) as cm:
            c.list_workflows()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(err["Error"]["Message"], MISMATCH)

    def test_boto3_unknown_key(self):
        c = self.client_with("AKIANOBODYKNOWS", SECRET)
        with self.assertRaises(ClientError) as cm:
            c.list_workflows()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "UnrecognizedClientException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(err["Error"]["Message"], "The security token included in the request is invalid.")

    def test_cli_right_and_wrong_keys(self):
        name = self.uname()
        r = self.server.cli("create-workflow", "--name", name, keys=(KEY2, SECRET2))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("get-workflow", "--name", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(name, r.stdout)
        r = self.server.cli("get-workflow", "--name", name, keys=(KEY, "nope"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidSignatureException", r.stderr)
        r = self.server.cli("get-workflow", "--name", name, keys=("AKIAUNKNOWN", "nope"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("UnrecognizedClientException", r.stderr)

    # ---- the clock -------------------------------------------------------------------------------------
    def test_dated_outside_five_minutes(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for delta, says in ((-400, "Signature expired: "), (400, "Signature not yet current: ")):
            when = now + datetime.timedelta(seconds=delta)
            resp = send(self.server, *signed(self.server.url, b"{}", when=when))
            self.assertRefused(resp, "InvalidSignatureException", says=says)
            stamp = when.strftime("%Y%m%dT%H%M%SZ")
            self.assertRegex(resp.message, rf"^{says}{stamp} is (now earlier|still later) than \d{{8}}T\d{{6}}Z "
                                           rf"\(\d{{8}}T\d{{6}}Z [-+] 5 min\.\)$")
        # inside the window, either side, is fine
        for delta in (-200, 200):
            resp = send(self.server, *signed(self.server.url, b"{}", when=now + datetime.timedelta(seconds=delta)))
            self.assertEqual(resp.status, 200, resp)

    # ---- missing and malformed -----------------------------------------------------------------------------
    def test_no_authorization_header(self):
        resp = self.server.call("ListWorkflows", {})
        self.assertRefused(resp, "MissingAuthenticationTokenException", status=403, says="Missing Authentication Token")

    def test_malformed_authorization(self):
        method, path, hdrs, body = signed(self.server.url, b"{}")
        good = hdrs["Authorization"]
        cred = good.split("Credential=")[1].split(",")[0]
        sig = good.split("Signature=")[1]
        cases = {
            "Bearer abc": "Unsupported Authorization type 'Bearer'",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + sig: "requires 'Credential' parameter",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host;x-amz-date": "requires 'Signature'",
            f"AWS4-HMAC-SHA256 Credential={cred}, Signature={sig}": "requires 'SignedHeaders'",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host, Signature=xyz": "Signature must be 64",
            f"AWS4-HMAC-SHA256 Credential={KEY}/20240101, SignedHeaders=host, Signature={sig}": "Credential must",
            f"AWS4-HMAC-SHA256 Credential={cred.replace('/glue/', '/s3/')}, SignedHeaders=host, Signature={sig}":
                "correct service: 'glue'",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=x-amz-date, Signature={sig}": "'Host'",
        }
        for auth, says in cases.items():
            h = dict(hdrs, Authorization=auth)
            self.assertRefused(send(self.server, method, path, h, body), "IncompleteSignatureException", says=says)
        # no date at all
        h = {k: v for k, v in hdrs.items() if k != "X-Amz-Date"}
        self.assertRefused(send(self.server, method, path, h, body), "IncompleteSignatureException",
                           says="'X-Amz-Date' or a 'Date' header")
        h = dict(hdrs, **{"X-Amz-Date": "2024-01-01T00:00:00Z"})
        self.assertRefused(send(self.server, method, path, h, body), "IncompleteSignatureException",
                           says="ISO-8601 'basic format'")

    def test_tampering_is_caught_and_nothing_is_revealed(self):
        name = self.uname()
        body = json_body({"Name": name})
        method, path, hdrs, _ = signed(self.server.url, body, target="AWSGlue.CreateWorkflow")
        cases = {
            "another body": (hdrs, json_body({"Name": name + "x"})),
            "another target": (dict(hdrs, **{"X-Amz-Target": "AWSGlue.DeleteWorkflow"}), body),
            "a body hash that is not the body's": (
                dict(hdrs, **{"X-Amz-Content-Sha256": "0" * 64}), body),
        }
        for what, (h, b) in cases.items():
            with self.subTest(what):
                resp = self.assertRefused(send(self.server, method, path, h, b), "InvalidSignatureException")
                want = expected_signature(self.server.url, method, path, h, b, SECRET)
                self.assertNotIn(want, resp.body.decode())
                self.assertNotIn(SECRET, resp.body.decode())
        self.assertFalse(self.exists(name), "a refused request was acted on")
        # and the untouched request works
        resp = send(self.server, method, path, hdrs, body)
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(self.exists(name))

    def test_the_target_must_be_signed(self):
        """A request signed without X-Amz-Target (which names the operation) could be replayed as another
        operation, the body's hash being all that holds the body: refused, whatever the target says."""
        name = self.uname()
        body = json_body({"Name": name})
        method, path, hdrs, _ = signed(self.server.url, body, target=None)
        for target in ("AWSGlue.CreateWorkflow", "AWSGlue.DeleteWorkflow"):
            with self.subTest(target):
                resp = self.assertRefused(send(self.server, method, path, dict(hdrs, **{"X-Amz-Target": target}),
                                               body), "IncompleteSignatureException")
                self.assertIn("'X-Amz-Target' must be a 'SignedHeader'", resp.body.decode())
        self.assertFalse(self.exists(name), "a refused request was acted on")

    def test_refused_before_the_body_is_read(self):
        # an unsigned 3 MiB upload is answered from its headers; the server does not wait for the body
        resp = self.server.raw(b"{" + b" " * (3 << 20) + b"}", target="AWSGlue.ListWorkflows")
        if resp is not None:
            self.assertEqual(resp.status, 403)
        self.assertStillServes()

    def assertStillServes(self):
        self.assertEqual(self.glue.list_workflows(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"], 200)

    # ---- metrics and health ---------------------------------------------------------------------------------
    def test_metrics_need_a_signature_and_health_does_not(self):
        resp = send(self.server, "GET", "/metrics", {"Host": f"127.0.0.1:{self.server.port}"})
        self.assertRefused(resp, "MissingAuthenticationTokenException", status=403)
        resp = send(self.server, *signed(self.server.url, method="GET", path="/metrics", target=None,
                                         secret="wrong"))
        self.assertRefused(resp, "InvalidSignatureException")
        resp = send(self.server, *signed(self.server.url, method="GET", path="/metrics", target=None))
        self.assertEqual(resp.status, 200, resp)
        samples, _ = parse_metrics(resp.body.decode())
        self.assertGreaterEqual(metric(samples, "glued_http_requests_total", op="/metrics", code="403"), 1)
        resp = send(self.server, "GET", "/health", {"Host": "x"})
        self.assertEqual((resp.status, resp.json["status"]), (200, "ok"), resp)

    # ---- jobs --------------------------------------------------------------------------------------------------
    def test_job_boto3_works_with_its_own_key_while_it_runs(self):
        out = self.path("env")
        wf = self.create(DefaultRunProperties={"seen": "yes"})
        job = self.job({"--out": out, "--put": '{"job": "signed"}'}, command="pythonshell", script=PY)
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid, timeout=45)
        jr = self.only_job_run(run, job)
        rep = self.read_json(out)
        self.assertEqual(rep["props"], {"seen": "yes"})
        self.assertEqual(self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"],
                         {"seen": "yes", "job": "signed"})
        env = rep["env"]
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], jr["Id"], "a job's key id is its run id")
        self.assertNotIn("AWS_SESSION_TOKEN", env)
        # the run has ended: its key is no longer accepted
        c = self.client_with(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
        with self.assertRaises(ClientError) as cm:
            c.get_workflow_run_properties(Name=wf, RunId=rid)
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        # and a made-up job key never was
        c = self.client_with("jr_" + "0" * 64, env["AWS_SECRET_ACCESS_KEY"])
        with self.assertRaises(ClientError) as cm:
            c.list_workflows()
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")


class ConsoleSignInTest(SignedServerCase):
    """With --credentials the console needs a sign-in with a key of the file; job keys do not sign in."""

    def test_console_sign_in(self):
        from tests.api.test_console import ConsoleSession
        s = ConsoleSession(self.server)
        self.assertEqual(s.get("/console/api/session").json["AuthRequired"], True)
        r = s.op("ListWorkflows", {})
        self.assertNotEqual(r.status, 200, "a console session that has not signed in may not call the API")
        for key, secret in ((KEY, SECRET + "x"), ("AKIANOBODY", SECRET), (KEY, ""), ("jr_" + "0" * 64, SECRET)):
            r = s.op("login", {"AccessKeyId": key, "SecretAccessKey": secret})
            self.assertEqual((r.status, r.error_type), (401, "UnrecognizedClientException"), key)
        r = s.op("login", {"AccessKeyId": KEY2, "SecretAccessKey": SECRET2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["SignedIn"], r.json["User"]), (True, KEY2))
        s.cookie = r.headers["set-cookie"].split(";")[0]
        s.token = r.json["Token"]
        self.assertEqual(s.op("ListWorkflows", {}).status, 200)


class ReloadTest(SignedServerCase):
    def test_sighup_rereads_the_file(self):
        new_key, new_secret = "AKIANEWKEYAFTERHUP", "fresh-secret"
        # a key in use on a kept-alive connection: its server thread has its signing key memoized
        old = self.client_with(KEY2, SECRET2)
        for _ in range(3):
            old.list_workflows()
        write_credentials(self.creds, [(KEY, SECRET), (new_key, new_secret)])
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "2 access keys" not in self.server.stderr_text():
            self.assertLess(time.monotonic(), deadline, "no reload logged")
            time.sleep(0.05)
        self.client_with(new_key, new_secret).list_workflows()
        with self.assertRaises(ClientError) as cm:
            self.client_with(KEY2, SECRET2).list_workflows()
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        with self.assertRaises(ClientError) as cm:
            old.list_workflows()  # the same connection: the memoized key lapsed with the reload
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        # a broken file keeps the keys in use
        with open(self.creds, "w") as f:
            f.write("[default]\naws_access_key_id = ONLYTHEKEY\n")
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "keeping the keys in use" not in self.server.stderr_text():
            self.assertLess(time.monotonic(), deadline, "no refusal logged")
            time.sleep(0.05)
        self.assertIn("[default]", self.server.stderr_text())
        self.client_with(new_key, new_secret).list_workflows()


class StartupTest(EngineTestCase):
    """Refusals at start-up, each with a sentence that says why."""

    def test_non_loopback_needs_credentials_or_insecure(self):
        r = run_binary(["--listen", "0.0.0.0:0", "--data", os.path.join(self.work, "d1")])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("without --credentials", r.stderr)
        self.assertIn("--insecure", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.work, "d1")), "a refused start made its data directory")
        g = Glued(extra_args=["--listen", "0.0.0.0:0", "--insecure"])
        try:
            g.start()
            self.assertEqual(g.client().list_workflows()["Workflows"], [])
            g.stop_ok()
        finally:
            g.cleanup()

    def test_credentials_files_that_are_refused(self):
        cases = {
            "[default]\naws_access_key_id = AKIAONLY\n": "has aws_access_key_id but no aws_secret_access_key",
            "[a]\naws_secret_access_key = s\n": "has aws_secret_access_key but no aws_access_key_id",
            "# nothing\n": "no profile has both",
            "[a]\naws_access_key_id = jr_" + "a" * 64 + "\naws_secret_access_key = s\n": "reserved for job runs",
            "[a]\naws_access_key_id = K\naws_secret_access_key = s\n[b]\naws_access_key_id = K\n"
            "aws_secret_access_key = t\n": "given twice with different secrets",
            "aws_access_key_id = K\n": "outside a [profile]",
            "[a\n": "line 1",
        }
        for text, says in cases.items():
            with self.subTest(says):
                path = os.path.join(self.work, self.uname("creds"))
                with open(path, "w") as f:
                    f.write(text)
                r = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.work, "d2"),
                                "--credentials", path])
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(says, r.stderr)
                self.assertIn(path, r.stderr)
        r = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.work, "d3"),
                        "--credentials", os.path.join(self.work, "missing")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read the credentials file", r.stderr)
