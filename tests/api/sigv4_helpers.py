"""Shared pieces of the security suites (test_security*.py): credentials files, requests signed by hand with
botocore's own signer (at any date), Prometheus text parsing, and a throwaway TLS certificate.

No tests live here."""

import datetime
import http.client
import json
import os
import re
import ssl
import subprocess
import unittest.mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import REGION, Response

KEY, SECRET = "AKIAGLUEDTESTKEY0001", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYglued001"
KEY2, SECRET2 = "AKIAGLUEDTESTKEY0002", "another+secret/with=odd chars"


def write_credentials(path, pairs, extra=""):
    """An AWS shared-credentials file with one profile per (key, secret) pair."""
    with open(path, "w") as f:
        for i, (k, s) in enumerate(pairs):
            name = "default" if i == 0 else f"profile{i}"
            f.write(f"[{name}]\naws_access_key_id = {k}\naws_secret_access_key = {s}\n\n")
        f.write(extra)
    os.chmod(path, 0o600)


class SignedServerMixin:
    """For a server test case class (put it first among the bases): the class's glued checks signatures against
    cls.creds, a credentials file of cls.key_pairs in a directory of its own (cls.creds_dir, removed at the end),
    and self.glue signs with the first pair. more_server(creds_dir) gives more options and Glued arguments."""

    key_pairs = ((KEY, SECRET),)

    @classmethod
    def more_server(cls, creds_dir):
        return (), {}

    @classmethod
    def setUpClass(cls):
        cls.creds_dir = cls.class_tempdir("glued-creds-")
        cls.creds = os.path.join(cls.creds_dir, "credentials")
        write_credentials(cls.creds, list(cls.key_pairs))
        args, kwargs = cls.more_server(cls.creds_dir)
        cls.server_args = ("--credentials", cls.creds) + tuple(args)
        cls.server_kwargs = dict({"keys": cls.key_pairs[0]}, **kwargs)
        super().setUpClass()


def signed(url, body=b"", target="AWSGlue.ListWorkflows", key=KEY, secret=SECRET, when=None, method="POST",
           path="/", service="glue", region=REGION, headers=None):
    """(method, path, headers, body) signed by botocore's SigV4Auth as boto3 would, dated `when` (a UTC
    datetime, default now)."""
    hdrs = {"Content-Type": "application/x-amz-json-1.1"} if method == "POST" else {}
    if target:
        hdrs["X-Amz-Target"] = target
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=url.rstrip("/") + path, data=body, headers=hdrs)
    signer = SigV4Auth(Credentials(key, secret), service, region)
    if when is None:
        signer.add_auth(req)
    else:
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(req)
    return method, path, dict(req.headers.items()), body


def send(server, method, path, headers, body=b"", timeout=30):
    """Sends exactly these headers and body; returns a harness Response (None if the server hung up)."""
    if server.url.startswith("https:"):
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=timeout,
                                           context=ssl.create_default_context(cafile=server.ca))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers or "host" in headers,
                        skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body and "Content-Length" not in headers:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        try:
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        except (ConnectionResetError, http.client.RemoteDisconnected):
            return None
    finally:
        conn.close()


def expected_signature(url, method, path, headers, body, secret, service="glue", region=REGION):
    """The signature glued would compute for this request with this secret (for 'never revealed' checks)."""
    hdrs = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    req = AWSRequest(method=method, url=url.rstrip("/") + path, data=body, headers=hdrs)
    signer = SigV4Auth(Credentials("x", secret), service, region)
    when = datetime.datetime.strptime(hdrs["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(req)
    return req.headers["Authorization"].split("Signature=")[1]


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> ({(name, frozenset(labels.items())): value}, {name: type}). Every line must be
    a comment or a sample."""
    samples, types = {}, {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a Prometheus sample line: {line!r}")
        labels = frozenset(_LABEL.findall(m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples, types


def metric(samples, name, **labels):
    """The value of one sample (0 when absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def make_cert(directory, cn="127.0.0.1"):
    """A self-signed EC certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    os.chmod(cert, 0o644)
    return cert, key


def json_body(obj):
    return json.dumps(obj).encode()
