"""--job-user: when glued runs as root, job processes run as the named user (groups dropped), their logs are
created by glued before the switch and stay readable by glued, a stop or a timeout still ends them, and a job's
own boto3 still works. Running as root needs it said (--job-user root); a missing user is refused.

The user is a throwaway one made with useradd when the machine has it, else nobody. Skipped unless the tests run
as root (CI does)."""

import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import run_binary  # noqa: E402
from test_engine_helpers import PY, SH, EngineTestCase  # noqa: E402

ROOT = os.geteuid() == 0
ID_SCRIPT = """#!/bin/sh
# writes who it runs as, and whether it can read glued's database (--db FILE), to --out FILE
out= db=/nonexistent
while [ $# -ge 2 ]; do case "$1" in --out) out=$2 ;; --db) db=$2 ;; esac; shift 2; done
{
  echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME user=$USER"
  if cat "$db" >/dev/null 2>&1; then echo "db=readable"; else echo "db=unreadable"; fi
} > "$out"
echo "to stdout as $(id -un)"
echo "to stderr as $(id -un)" >&2
"""


@unittest.skipUnless(ROOT, "--job-user switches users only when glued runs as root")
class JobUserTest(EngineTestCase):
    @classmethod
    def setUpClass(cls):
        cls.made_user = None
        if shutil.which("useradd"):
            name = "gluedjob" + secrets.token_hex(3)
            subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                            "/usr/sbin/nologin", name], check=True, capture_output=True)
            cls.made_user = name
        cls.user = cls.made_user or "nobody"
        cls.pw = pwd.getpwnam(cls.user)
        cls.server_args = ("--job-user", cls.user)
        try:
            super().setUpClass()
        except BaseException:
            cls._drop_user()
            raise
        # the work directory holds scripts and outputs the job user must reach
        os.chmod(cls.work, 0o755)
        cls.outdir = os.path.join(cls.work, "out")
        os.makedirs(cls.outdir)
        os.chmod(cls.outdir, 0o777)
        cls.script = os.path.join(cls.work, "id.sh")
        with open(cls.script, "w") as f:
            f.write(ID_SCRIPT)
        os.chmod(cls.script, 0o755)
        # copies of the shared job scripts: the checkout may sit where only root reaches (a 0700 temporary
        # directory, /root), and the job user must read the script it runs
        cls.sh, cls.py = (shutil.copy(src, cls.work) for src in (SH, PY))
        for path in (cls.sh, cls.py):
            os.chmod(path, 0o755)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls._drop_user()

    @classmethod
    def _drop_user(cls):
        if cls.made_user:
            subprocess.run(["userdel", cls.made_user], capture_output=True)
            cls.made_user = None

    def out_path(self):
        return os.path.join(self.outdir, self.uname("id"))

    def test_job_runs_as_the_user_with_logs_glued_can_read(self):
        out = self.out_path()
        job = self.job(command="shell", script=self.script)
        rid = self.glue.start_job_run(JobName=job, Arguments={"--out": out, "--db": self.server.db_path})["JobRunId"]
        jr = self.wait_job_run(job, rid)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        with open(out) as f:
            seen = f.read()
        self.assertIn(f"uid={self.pw.pw_uid} gid={self.pw.pw_gid} groups={self.pw.pw_gid}\n".replace("\n", " "),
                      seen.replace("\n", " "))
        self.assertIn(f"home={self.pw.pw_dir} user={self.user}", seen)
        # the job cannot read glued's database (the data directory is 0700, glued's)
        self.assertIn("db=unreadable", seen)
        self.assertEqual(stat.S_IMODE(os.stat(self.server.data_dir).st_mode) & 0o077, 0)
        # the logs: created by glued (root, 0600) before the switch, written by the job, read by glued logs
        log_dir = os.path.join(self.server.data_dir, "logs")
        for ext in ("out", "err"):
            st = os.stat(os.path.join(log_dir, rid[3:5], f"{rid}.{ext}"))
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))
        p = run_binary(["logs", rid, "--data", self.server.data_dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"to stdout as {self.user}", p.stdout)
        self.assertIn(f"to stderr as {self.user}", p.stderr)

    def test_stop_and_timeout_end_a_job_of_another_user(self):
        started = os.path.join(self.outdir, self.uname("started"))
        job = self.job({"--sleep": "30", "--started": started}, script=self.sh)
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        pids = self.started_pids(started)
        self.assertEqual(os.stat(f"/proc/{pids[0]}").st_uid, self.pw.pw_uid)
        self.glue.batch_stop_job_run(JobName=job, JobRunIds=[rid])
        self.assertEqual(self.wait_job_run(job, rid)["JobRunState"], "STOPPED")
        self.wait_gone(pids)

    def test_python_job_boto3_as_the_user(self):
        py = shutil.which("python3")
        if not shutil.which("setpriv"):
            self.skipTest("setpriv (util-linux) is missing: cannot tell whether the job user reaches python3")
        probe = subprocess.run(["setpriv", f"--reuid={self.pw.pw_uid}", f"--regid={self.pw.pw_gid}", "--clear-groups",
                                py, "-c", "import boto3"], capture_output=True, text=True, cwd="/")
        if probe.returncode != 0:
            self.skipTest(f"{py} with boto3 cannot be run by {self.user} on this machine (it lives where only root "
                          f"reaches, e.g. under /root): {probe.stderr.strip()[-200:]}")
        out = self.out_path()
        wf = self.create(DefaultRunProperties={"as": "user"})
        job = self.job({"--out": out, "--put": '{"job": "user"}'}, command="pythonshell", script=self.py)
        self.start_trigger(wf, [job])
        rid = self.start_run(wf)
        run = self.wait_run(wf, rid, timeout=45)
        self.only_job_run(run, job)
        rep = self.read_json(out)
        self.assertEqual(rep["props"], {"as": "user"})
        self.assertEqual(self.glue.get_workflow_run_properties(Name=wf, RunId=rid)["RunProperties"],
                         {"as": "user", "job": "user"})


@unittest.skipUnless(ROOT, "the refusals are about glued running as root")
class JobUserRefusalTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="glued-jobuser-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_root_must_say_who_jobs_run_as(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.dir, "d")], job_user=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--job-user NAME", p.stderr)
        self.assertIn("--job-user root", p.stderr)

    def test_unknown_user(self):
        p = run_binary(["--listen", "127.0.0.1:0", "--data", os.path.join(self.dir, "d"), "--job-user",
                        "no-such-user-" + secrets.token_hex(3)])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("there is no user named", p.stderr)
