"""A full disk (issue 12): glued's data directory on a small tmpfs that the test mounts and fills. Writes then
fail with an AWS-style 500 (InternalServiceException) saying the store is full, reads keep working, /health
says 503, a job that ends meanwhile is recorded once space is back (its workflow run completes), nothing that
was acknowledged is lost (also across a kill -9), and glued recovers by itself once space is freed.

Mounting needs root (CI runs as root); the store is SQLite's file on that tmpfs (PostgreSQL keeps its data in
its own server)."""

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import GlueAssertions, Glued, sqlite_only  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"


def can_mount():
    return os.geteuid() == 0 and shutil.which("mount") is not None


@sqlite_only
@unittest.skipUnless(can_mount(), "mounting a tmpfs needs root (CI runs as root)")
class DiskFullTest(unittest.TestCase, GlueAssertions):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glued-full-work-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.mnt = tempfile.mkdtemp(prefix="glued-full-mnt-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", self.mnt], check=True)
        self.addCleanup(os.rmdir, self.mnt)
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], check=True)
        self.filler = os.path.join(self.mnt, "filler")
        self.server = Glued(data_dir=os.path.join(self.mnt, "data"))
        self.addCleanup(self.server.cleanup)
        self.mark = os.path.join(self.work, "go")
        self.script = os.path.join(self.work, "wait.sh")
        with open(self.script, "w") as f:
            f.write(f'while [ ! -e "{self.mark}" ]; do sleep 0.05; done\n')
        os.chmod(self.work, 0o755)

    def fill(self):
        """Takes every free block of the tmpfs."""
        chunk = b"\0" * 65536
        with open(self.filler, "wb", buffering=0) as f:
            while True:
                try:
                    f.write(chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    if len(chunk) == 1:
                        return
                    chunk = chunk[: len(chunk) // 2]

    def names(self, g):
        out, kw = [], {}
        while True:
            page = g.list_workflows(MaxResults=25, **kw)
            out += page["Workflows"]
            if not page.get("NextToken"):
                return set(out)
            kw = {"NextToken": page["NextToken"]}

    def health(self):
        return self.server.raw(b"", target=None, method="GET", path="/health")

    def test_full_disk_refuses_writes_keeps_reads_loses_nothing_and_recovers(self):
        g = self.server.start().client()
        g.create_job(Name="waiter", Role=ROLE, Command={"Name": "shell", "ScriptLocation": self.script})
        g.create_workflow(Name="runs")
        g.create_trigger(Name="runs-start", WorkflowName="runs", Type="ON_DEMAND", Actions=[{"JobName": "waiter"}])
        run_id = g.start_workflow_run(Name="runs")["RunId"]
        self.wait_until(
            lambda: g.get_workflow_run(Name="runs", RunId=run_id)["Run"]["Statistics"]["RunningActions"] == 1,
            "the job to run")
        acked = [f"kept-{i}" for i in range(10)]
        for n in acked:
            g.create_workflow(Name=n)

        self.fill()
        # the store may still have room in pages it holds; the first write that needs a new block is refused
        refused = None
        for i in range(5000):
            name = f"more-{i}"
            r = self.server.call("CreateWorkflow", {"Name": name, "Description": "d" * 2000})
            if r.status == 200:
                acked.append(name)
                continue
            refused = r
            break
        self.assertIsNotNone(refused, "no write was refused on a full disk")
        self.assertEqual(refused.status, 500, refused)
        self.assertEqual(refused.error_type, "InternalServiceException")
        self.assertIn("The store is full", refused.message)
        with self.assertRaises(ClientError) as cm:
            g.create_workflow(Name="refused-too")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InternalServiceException")
        self.assertIn("store is full", cm.exception.response["Error"]["Message"])
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        # reads keep working
        self.assertTrue(set(acked) <= self.names(g))
        self.assertEqual(g.get_workflow(Name="kept-0")["Workflow"]["Name"], "kept-0")
        self.assertEqual(g.get_workflow_run(Name="runs", RunId=run_id)["Run"]["Status"], "RUNNING")
        h = self.wait_until(lambda: (lambda r: r if r.status == 503 else None)(self.health()), "/health to say 503")
        self.assertEqual(h.json["status"], "unhealthy")
        # the job ends while the disk is full: its end waits for space
        with open(self.mark, "w"):
            pass
        self.wait_until(lambda: re.search(r"recording the end of a job run failed: The store is full",
                                          self.server.stderr_text()), "the job's end to be refused")
        self.assertEqual(g.get_workflow_run(Name="runs", RunId=run_id)["Run"]["Status"], "RUNNING")

        # space comes back: glued recovers by itself
        os.remove(self.filler)
        self.wait_until(lambda: self.health().status == 200, "/health to say 200 again")
        g.create_workflow(Name="after")
        acked.append("after")
        run = self.wait_until(lambda: (lambda r: r if r["Status"] == "COMPLETED" else None)(
                  g.get_workflow_run(Name="runs", RunId=run_id)["Run"]), "the run to complete")
        self.assertEqual(run["Statistics"]["SucceededActions"], 1)
        self.assertTrue(set(acked) <= self.names(g))

        # nothing acknowledged is lost across a kill -9
        self.server.kill9()
        g = self.server.start().client(fresh=True)
        names = self.names(g)
        self.assertTrue(set(acked) <= names, sorted(set(acked) - names))
        self.assertNotIn("refused-too", names)
        self.assertEqual(g.get_workflow_run(Name="runs", RunId=run_id)["Run"]["Status"], "COMPLETED")
        self.server.stop_ok()


if __name__ == "__main__":
    unittest.main()
