"""Start one glued for a test session and reset it between tests, as a suite written for moto's server mode does.

    server = GluedServer().start()      # glued --test-mode on a free port, data in a temporary directory
    glue = server.client()              # a boto3 Glue client for it
    server.reset()                      # POST /_glued/reset: nothing left, nothing running (milliseconds)
    server.reset("/moto-api/reset")     # the same through moto's path, for suites written for moto
    server.stop()

glued is found through GLUED_BIN, else `glued` on PATH, else this repository's build/glued.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))


def glued_binary():
    b = os.environ.get("GLUED_BIN") or shutil.which("glued") or os.path.join(HERE, "..", "..", "build", "glued")
    return os.path.abspath(b)


class GluedServer:
    def __init__(self, binary=None):
        self.binary = binary or glued_binary()
        self.dir = None
        self.proc = None
        self.url = None

    def start(self, timeout=20):
        self.dir = tempfile.mkdtemp(prefix="glued-pytest-")
        self.out = open(os.path.join(self.dir, "stdout"), "w+")
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        # a root glued must be told who its jobs run as: here, root too (a test machine or a container)
        as_root = ["--job-user", "root"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([self.binary, "--test-mode", "--listen", "127.0.0.1:0",
                                      "--data", os.path.join(self.dir, "data")] + as_root,
                                     stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while self.url is None:
            self.out.seek(0)
            m = re.search(r"^glued listening on (http://\S+)$", self.out.read(), re.M)
            if m:
                self.url = m.group(1)
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                self.err.seek(0)
                raise RuntimeError(f"glued did not start: {self.err.read()[-2000:]}")
            else:
                time.sleep(0.02)
        return self

    def reset(self, path="/_glued/reset"):
        req = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status != 200:
                raise RuntimeError(f"reset through {path} answered {r.status}")

    def client(self):
        return boto3.client("glue", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode if self.proc else None
