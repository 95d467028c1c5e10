"""Installed like a service (issue 14): `make install` with DESTDIR and PREFIX, and `make uninstall`; the
installed binary finds its awsglue package; the man page made from the README (every option, rendered without
warnings); the systemd unit accepted by `systemd-analyze verify`; readiness told to $NOTIFY_SOCKET, which jobs do
not inherit; and the README, --help and the man page naming the same options."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import REPO_ROOT, Glued, run_binary  # noqa: E402
from test_engine_helpers import EngineTestCase  # noqa: E402

UNIT_HARDENING = ("NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict", "ProtectHome=read-only",
                  "PrivateDevices=yes", "DynamicUser=yes", "StateDirectory=glued")


def make(*args, timeout=600):
    return subprocess.run(["make", "-s", "-C", REPO_ROOT] + list(args), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def readme_options():
    """The options the README's "Options" section describes (its bullets' terms)."""
    with open(os.path.join(REPO_ROOT, "README.md")) as f:
        text = f.read()
    sec = re.search(r"^## Options\n(.*?)^## ", text, re.M | re.S).group(1)
    return {m.group(1) for m in re.finditer(r"^- `(--[a-z0-9-]+)", sec, re.M)}


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="glued-install-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, root):
        return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)

    def test_install_and_uninstall_with_destdir(self):
        dest = os.path.join(self.tmp, "stage")
        p = make("install", f"DESTDIR={dest}", "PREFIX=/usr")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.installed(dest), [
            "usr/bin/glued", "usr/lib/systemd/system/glued.service",
            "usr/share/glued/python/awsglue/__init__.py", "usr/share/glued/python/awsglue/context.py",
            "usr/share/glued/python/awsglue/job.py", "usr/share/glued/python/awsglue/utils.py",
            "usr/share/man/man8/glued.8"])
        mode = lambda rel: stat.S_IMODE(os.stat(os.path.join(dest, rel)).st_mode)
        self.assertEqual(mode("usr/bin/glued"), 0o755)
        self.assertEqual(mode("usr/share/man/man8/glued.8"), 0o644)
        self.assertEqual(mode("usr/lib/systemd/system/glued.service"), 0o644)
        with open(os.path.join(dest, "usr/lib/systemd/system/glued.service")) as f:
            unit = f.read()
        self.assertIn("\nExecStart=/usr/bin/glued --listen 127.0.0.1:8080 --data /var/lib/glued "
                      "--awsglue-dir /usr/share/glued/python $GLUED_OPTIONS\n", unit)
        self.assertIn("\nType=notify\n", unit)
        for line in UNIT_HARDENING:
            self.assertIn("\n" + line + "\n", unit)
        self.assertNotIn("@", unit.split("[Service]")[1].split("\n# ")[0].replace("$GLUED_OPTIONS", ""))
        p = subprocess.run([os.path.join(dest, "usr/bin/glued"), "--version"], capture_output=True, text=True)
        self.assertRegex(p.stdout, r"^glued \d+\.\d+\.\d+ \(schema \d+\)$")
        # uninstall removes what install put there (and the bytecode Python wrote of it), never a user's files
        py = os.path.join(dest, "usr/share/glued/python")
        os.makedirs(os.path.join(py, "awsglue/__pycache__"))
        mine = ["usr/share/glued/python/awsglue/local.py", "usr/share/glued/python/sitecustomize.py"]
        for rel in mine + ["usr/share/glued/python/awsglue/__pycache__/utils.cpython-311.pyc"]:
            with open(os.path.join(dest, rel), "w") as f:
                f.write("# not glued's\n")
        p = make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.installed(dest), mine)
        for rel in mine:
            os.remove(os.path.join(dest, rel))
        # and the directories it made go once nothing else is in them
        p = make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.installed(dest), [])
        self.assertFalse(os.path.exists(os.path.join(dest, "usr/share/glued")))

    def test_systemd_analyze_verifies_the_unit(self):
        if not shutil.which("systemd-analyze"):
            self.fail("systemd-analyze is missing: scripts/deps.sh --test installs Debian's systemd package")
        # installed under a real prefix (no DESTDIR), so that the unit's ExecStart names a program that exists
        prefix = os.path.join(self.tmp, "prefix")
        p = make("install", f"PREFIX={prefix}")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        unit = os.path.join(prefix, "lib/systemd/system/glued.service")
        env = dict(os.environ, MANPATH=os.path.join(prefix, "share/man") + ":")  # Documentation=man:glued(8)
        p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        # a unit with a mistake is not accepted silently, so the check above means something
        bad = os.path.join(self.tmp, "bad.service")
        with open(unit) as f, open(bad, "w") as g:
            g.write(f.read().replace("DynamicUser=yes", "DynamicUser=perhaps"))
        p = subprocess.run(["systemd-analyze", "verify", bad], capture_output=True, text=True, env=env, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Failed to parse boolean value: perhaps", p.stdout + p.stderr)
        self.assertEqual(make("uninstall", f"PREFIX={prefix}").returncode, 0)

    def test_man_page_has_every_option(self):
        p = make("man")
        self.assertEqual(p.returncode, 0, p.stderr)
        page = os.path.join(REPO_ROOT, "build", "glued.8")
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        p = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=dict(os.environ, MANWIDTH="100"))
        self.assertEqual(p.returncode, 0, p.stderr)
        text = re.sub(r".\x08", "", p.stdout)
        for section in ("SYNOPSIS", "OPTIONS", "COMMANDS", "GLUE SCRIPTS", "EXPORT AND IMPORT", "TEST SUITES"):
            self.assertIn(section, text)
        for opt in readme_options():
            self.assertRegex(text, rf"(?m)^ +{re.escape(opt)}\b", opt)
        for sub in ("glued run WORKFLOW", "glued status", "glued export WORKFLOW", "glued import FILE"):
            self.assertIn(sub, text)

    def test_readme_and_help_name_the_same_options(self):
        p = run_binary(["--help"])
        self.assertEqual(p.returncode, 0)
        helped = set(re.findall(r"(?m)^  (--[a-z0-9-]+)", p.stdout))
        self.assertEqual(readme_options(), helped)


class InstalledBinaryTest(EngineTestCase):
    """The installed binary (staged with DESTDIR) finds the installed awsglue package by itself."""

    @classmethod
    def setUpClass(cls):
        cls.stage = cls.class_tempdir("glued-stage-")
        p = make("install", f"DESTDIR={cls.stage}", "PREFIX=/opt/glued")
        if p.returncode != 0:
            raise AssertionError(p.stdout + p.stderr)
        cls.saved_bin = os.environ.get("GLUED_BIN")
        os.environ["GLUED_BIN"] = os.path.join(cls.stage, "opt/glued/bin/glued")
        try:
            super().setUpClass()
        finally:
            if cls.saved_bin is None:
                os.environ.pop("GLUED_BIN", None)
            else:
                os.environ["GLUED_BIN"] = cls.saved_bin

    def test_jobs_get_the_installed_awsglue(self):
        out = self.path("imports")
        job = self.job({"--out": out, "--modules": "awsglue.utils"}, command="pythonshell",
                       script=os.path.join(os.path.dirname(__file__), "jobs", "imports.py"))
        jr = self.wait_job_run(job, self.glue.start_job_run(JobName=job)["JobRunId"])
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        self.assertEqual(self.read_json(out)["found"]["awsglue.utils"]["file"],
                         os.path.join(self.stage, "opt/glued/share/glued/python/awsglue/utils.py"))


class NotifyTest(EngineTestCase):
    """Readiness for systemd's Type=notify: a datagram to $NOTIFY_SOCKET, which glued's jobs do not get."""

    @classmethod
    def setUpClass(cls):
        cls.sockdir = cls.class_tempdir("glued-notify-")
        cls.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        cls.sock.bind(os.path.join(cls.sockdir, "notify"))
        os.environ["NOTIFY_SOCKET"] = os.path.join(cls.sockdir, "notify")
        try:
            super().setUpClass()
        finally:
            os.environ.pop("NOTIFY_SOCKET", None)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sock.close()

    def recv(self, timeout=10):
        self.sock.settimeout(timeout)
        return self.sock.recv(4096).decode()

    def test_ready_then_stopping(self):
        msg = self.recv()
        fields = dict(line.split("=", 1) for line in msg.split("\n"))
        self.assertEqual(fields["READY"], "1")
        self.assertEqual(fields["STATUS"], f"serving {self.server.url}")
        self.assertEqual(int(fields["MAINPID"]), self.server.proc.pid)
        # jobs do not inherit the socket
        script = os.path.join(self.work, "envdump.py")
        with open(script, "w") as f:
            f.write("import json, os, sys\n"
                    "json.dump(dict(os.environ), open(sys.argv[sys.argv.index('--out') + 1], 'w'))\n")
        out = self.path("env")
        job = self.job({"--out": out}, command="pythonshell", script=script)
        jr = self.wait_job_run(job, self.glue.start_job_run(JobName=job)["JobRunId"])
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        env = self.read_json(out)
        self.assertNotIn("NOTIFY_SOCKET", env)
        self.assertEqual(env["GLUED_JOB_RUN_ID"], jr["Id"])
        # a clean stop says so
        g = Glued(extra_args=())
        os.environ["NOTIFY_SOCKET"] = self.sock.getsockname()
        try:
            g.start()
        finally:
            os.environ.pop("NOTIFY_SOCKET", None)
        try:
            self.assertIn("READY=1", self.recv())
            g.proc.send_signal(signal.SIGTERM)
            self.assertEqual(self.recv(), "STOPPING=1")
            self.assertEqual(g.proc.wait(timeout=20), 0)
        finally:
            g.cleanup()


if __name__ == "__main__":
    unittest.main()
