"""Shared pieces of glued's benchmarks: servers (glued, moto, the floor), a raw AWS JSON 1.1 client shaped like a
signed boto3 call, wrk runs with the figures parsed, RSS, percentiles, and a results file for run_all.sh.

Every benchmark prints its figures; none passes or fails. Figures are also appended as JSON lines to
$BENCH_RESULTS (one object per figure) so that report.py can write bench/RESULTS.md."""
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
GLUED = os.environ.get("GLUED", os.path.join(ROOT, "build", "glued"))
BIN = os.environ.get("BENCH_BIN", os.path.join(BENCH, ".build"))
LUA = os.path.join(BENCH, "glue.lua")

# What botocore sends for a signed call (glued checks signatures only with --credentials, and moto ignores them;
# moto needs the Authorization header to route the call to Glue at all).
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/glue/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=" + "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")


def headers(op, prefix="AWSGlue."):
    return {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": prefix + op,
        "X-Amz-Date": "20260101T000000Z",
        "Authorization": AUTH,
        "User-Agent": "Boto3/1.26.27 Python/3.11 Linux Botocore/1.29.27",
    }


def sign(host, target, body, key, secret, region="us-east-1", service="glue"):
    """(X-Amz-Date, Authorization) of a SigV4 signature as botocore makes it for POST / with this body, signing
    content-type, host, x-amz-date and x-amz-target: valid for 5 minutes on glued's clock."""
    amz = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = amz[:8]
    signed = "content-type;host;x-amz-date;x-amz-target"
    canonical = "\n".join(["POST", "/", "", "content-type:application/x-amz-json-1.1", "host:" + host,
                           "x-amz-date:" + amz, "x-amz-target:" + target, "", signed,
                           hashlib.sha256(body.encode()).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return amz, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (key, scope, signed, sig)


class Client:
    """One keep-alive connection; call(op, body) -> (status, dict). prefix "AWSEvents." talks to EventBridge.
    keys (access key, secret): sign each call (for a glued started with --credentials)."""

    def __init__(self, url, prefix="AWSGlue.", keys=None):
        m = re.match(r"http://([^:/]+):(\d+)", url)
        self.host, self.port = m.group(1), int(m.group(2))
        self.conn = None
        self.prefix = prefix
        self.keys = keys

    def call(self, op, body=None, ok=True):
        data = json.dumps(body or {})
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                h = headers(op, self.prefix)
                if self.keys:
                    h["X-Amz-Date"], h["Authorization"] = sign("%s:%d" % (self.host, self.port), self.prefix + op,
                                                               data, *self.keys)
                self.conn.request("POST", "/", data, h)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        out = json.loads(raw) if raw else {}
        if ok and r.status != 200:
            raise RuntimeError("%s -> %d %s" % (op, r.status, raw[:300]))
        return r.status, out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %d" % port)


class Glued:
    """build/glued on a free port with its own data directory (kept across stop/start)."""

    def __init__(self, data=None, args=(), env=None):
        self.data = data or tempfile.mkdtemp(prefix="glued-bench-")
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.url = None

    def start(self):
        self.log = open(os.path.join(os.path.dirname(self.data.rstrip("/")), os.path.basename(self.data) + ".log"), "ab")
        self.proc = subprocess.Popen([GLUED, "--listen", "127.0.0.1:0", "--data", self.data, "--log-level", "warn"]
                                     + (["--job-user", "root"] if os.geteuid() == 0 else [])
                                     + self.args, stdout=subprocess.PIPE, stderr=self.log, env=self.env)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not m:
            raise RuntimeError("glued did not start: %r" % line)
        self.url = m.group(1)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


class Moto:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.url = "http://127.0.0.1:%d" % self.port
        self.pid = self.proc.pid

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wrk(url, op, conns, secs, env=None, threads=None):
    """Runs wrk with glue.lua; returns dict rps, p50_ms, p99_ms, requests, non2xx, errors."""
    threads = threads or min(conns, 2)
    e = dict(os.environ, OP=op)
    e.update({k: str(v) for k, v in (env or {}).items()})
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % secs, "--timeout", "10s", "-s", LUA,
                          url], env=e, capture_output=True, text=True).stdout
    m = re.search(r"^RESULT (.*)$", out, re.M)
    if not m:
        raise RuntimeError("wrk gave no RESULT line:\n" + out)
    r = dict(kv.split("=") for kv in m.group(1).split())
    return {
        "rps": float(r["rps"]),
        "p50_ms": int(r["p50_us"]) / 1000.0,
        "p99_ms": int(r["p99_us"]) / 1000.0,
        "requests": int(r["requests"]),
        "non2xx": int(r["non2xx"]),
        "errors": int(r["errors"]),
    }


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100.0
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)


def record(section, key, value, unit="", note="", quiet=False):
    """Prints a figure (unless quiet) and appends it to $BENCH_RESULTS."""
    if isinstance(value, float):
        shown = "%.3g" % value if abs(value) < 100 else "%.0f" % value
    else:
        shown = str(value)
    if not quiet:
        print("  %-58s %12s %s%s" % (key, shown, unit, ("  (" + note + ")") if note else ""), flush=True)
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"section": section, "key": key, "value": value, "unit": unit, "note": note}) + "\n")


def heading(text):
    print("\n== " + text, flush=True)


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path
