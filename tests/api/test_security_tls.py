"""HTTPS with --tls-cert/--tls-key (and credentials): boto3 and the AWS CLI verify glued with a CA bundle made by
openssl for this test; a client that does not trust it is refused by its own TLS check; a Python job gets an
https AWS_ENDPOINT_URL and AWS_CA_BUNDLE, and its boto3 still works."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import SSLError  # noqa: E402

from harness import REGION, glued_bin, run_binary, server_env  # noqa: E402
from sigv4_helpers import KEY, SECRET, SignedServerMixin, make_cert, send, signed  # noqa: E402
from test_engine_helpers import PY, EngineTestCase  # noqa: E402


class TlsTest(SignedServerMixin, EngineTestCase):
    @classmethod
    def more_server(cls, creds_dir):
        cls.cert, cls.key = make_cert(creds_dir)
        return ("--tls-cert", cls.cert, "--tls-key", cls.key), {"ca": cls.cert}

    def test_https_with_the_ca_bundle(self):
        self.assertTrue(self.server.url.startswith("https://127.0.0.1:"), self.server.url)
        name = self.create()
        self.assertEqual(self.get(name)["Name"], name)
        r = self.server.cli("get-workflow", "--name", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        # a signed request by hand over TLS, and the health check
        resp = send(self.server, *signed(self.server.url, b"{}"))
        self.assertEqual(resp.status, 200, resp)
        resp = send(self.server, "GET", "/health", {"Host": "x"})
        self.assertEqual(resp.status, 200, resp)

    def test_console_cookie_is_secure_over_https(self):
        """The console's session cookie is Secure when glued serves HTTPS itself, not only behind a proxy that
        says X-Forwarded-Proto: https."""
        resp = send(self.server, "GET", "/console/", {"Host": "x", "Accept": "text/html"})
        self.assertEqual(resp.status, 200, resp)
        cookie = resp.headers["set-cookie"]
        self.assertIn("; Secure", cookie)
        self.assertIn("HttpOnly", cookie)

    def test_client_subcommands_over_https(self):
        """glued's own client takes the CA bundle from AWS_CA_BUNDLE, as the AWS CLI does, and signs with the
        environment's keys; without keys it says what to set and exits 2, like a connection error."""
        import subprocess
        name = self.create()
        base = {k: v for k, v in server_env().items() if not k.startswith("AWS_")}

        def status(**env):
            return subprocess.run([glued_bin(), "status", "--endpoint", self.server.url], capture_output=True,
                                  text=True, timeout=30, env=dict(base, AWS_REGION=REGION, **env))
        r = status(AWS_CA_BUNDLE=self.cert, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(name, r.stdout)
        r = status(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)  # the certificate is not trusted
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = status(AWS_CA_BUNDLE=self.cert)  # no keys
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("MissingAuthenticationTokenException", r.stderr)
        self.assertIn("AWS_ACCESS_KEY_ID", r.stderr)

    def test_untrusted_certificate_is_refused_by_the_client(self):
        c = boto3.client("glue", endpoint_url=self.server.url, region_name=REGION, aws_access_key_id=KEY,
                         aws_secret_access_key=SECRET, config=Config(retries={"max_attempts": 1}))
        with self.assertRaises(SSLError):
            c.list_workflows()

    def test_job_boto3_over_https(self):
        out = self.path("env")
        wf = self.create(DefaultRunProperties={"over": "tls"})
        job = self.job({"--out": out, "--put": '{"job": "tls"}'}, command="pythonshell", script=PY)
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid, timeout=45)
        self.only_job_run(run, job)
        rep = self.read_json(out)
        self.assertEqual(rep["env"]["AWS_ENDPOINT_URL"], self.server.url)
        self.assertEqual(rep["env"]["AWS_CA_BUNDLE"], os.path.realpath(self.cert))
        self.assertEqual(rep["props"], {"over": "tls"})
        self.assertEqual(self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"],
                         {"over": "tls", "job": "tls"})

    def test_tls_option_refusals(self):
        data = os.path.join(self.work, "d")
        r = run_binary(["--listen", "127.0.0.1:0", "--data", data, "--tls-cert", self.cert])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tls-cert and --tls-key go together", r.stderr)
        r = run_binary(["--listen", "127.0.0.1:0", "--data", data, "--tls-cert", self.cert, "--tls-key",
                        os.path.join(self.work, "nope.pem")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read the TLS key", r.stderr)
        # a key that is not the certificate's
        other = tempfile.mkdtemp(prefix="glued-tls2-", dir=self.work)
        _, key2 = make_cert(other)
        r = run_binary(["--listen", "127.0.0.1:0", "--data", data, "--tls-cert", self.cert, "--tls-key", key2])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot start the HTTPS server", r.stderr)
