"""The process: options, refusals to start, signals, restarts (clean and kill -9) with all data kept,
and the workflow quota."""

import os
import signal
import socket
import sqlite3
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Glued, GlueAssertions, ServerTestCase, arn, run_binary, sqlite_only,  # noqa: E402
                     sanitizer_report, seed_runs)



class CommandLineTest(unittest.TestCase, GlueAssertions):
    def test_help(self):
        p = run_binary(["--help"])
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout + p.stderr
        for opt in ("--listen", "--data", "--region", "--account", "--max-workflows"):
            self.assertIn(opt, out)
        self.assertIsNone(sanitizer_report(p.stderr))

    def test_version(self):
        p = run_binary(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout + p.stderr, r"glued.*\d+\.\d+")
        self.assertIsNone(sanitizer_report(p.stderr))

    def test_unknown_option_fails(self):
        with tempfile.TemporaryDirectory() as d:
            p = run_binary(["--no-such-option", "--listen", "127.0.0.1:0", "--data", os.path.join(d, "x")],
                           timeout=10)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-such-option", p.stderr)

    def test_bad_option_values_fail(self):
        with tempfile.TemporaryDirectory() as d:
            for args in (["--listen", "not-an-address"], ["--listen", "127.0.0.1:99999"],
                         ["--max-workflows", "-3"], ["--max-workflows", "lots"]):
                with self.subTest(args=args):
                    full = ["--listen", "127.0.0.1:0", "--data", os.path.join(d, "x")] + args
                    p = run_binary(full, timeout=10)
                    self.assertNotEqual(p.returncode, 0, f"{args}: {p.stdout}")
                    self.assertTrue(p.stderr.strip())

    def test_port_in_use_is_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            with tempfile.TemporaryDirectory() as d:
                p = run_binary(["--listen", f"127.0.0.1:{port}", "--data", os.path.join(d, "data")], timeout=15)
        finally:
            s.close()
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("glued listening on", p.stdout)
        self.assertTrue(str(port) in p.stderr or "in use" in p.stderr.lower(), p.stderr)
        self.assertIsNone(sanitizer_report(p.stderr))

    def test_port_taken_by_another_glued(self):
        first = Glued()
        try:
            first.start()
            with tempfile.TemporaryDirectory() as d:
                p = run_binary(["--listen", f"127.0.0.1:{first.port}", "--data", os.path.join(d, "data")],
                               timeout=15)
            self.assertNotEqual(p.returncode, 0)
            self.assertTrue(p.stderr.strip())
            self.assertEqual(first.client().list_workflows()["Workflows"], [])
            first.stop_ok()
        finally:
            first.cleanup()

    def test_data_dir_that_is_a_file_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "afile")
            with open(f, "w") as fh:
                fh.write("not a directory")
            for data in (f, os.path.join(f, "sub")):
                with self.subTest(data=data):
                    p = run_binary(["--listen", "127.0.0.1:0", "--data", data], timeout=15)
                    self.assertNotEqual(p.returncode, 0)
                    self.assertNotIn("glued listening on", p.stdout)
                    self.assertIn(f, p.stderr)
            with open(f) as fh:
                self.assertEqual(fh.read(), "not a directory")

    def test_unwritable_data_dir_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            if os.geteuid() == 0:
                data = "/proc/glued-api-test-data"  # root may write anywhere but procfs
            else:
                ro = os.path.join(d, "ro")
                os.mkdir(ro, 0o500)
                data = os.path.join(ro, "data")
            p = run_binary(["--listen", "127.0.0.1:0", "--data", data], timeout=15)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("glued listening on", p.stdout)
        self.assertIn(data, p.stderr)

    def test_unusable_database_file_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            data = os.path.join(d, "data")
            os.mkdir(data, 0o700)
            with open(os.path.join(data, "glued.db"), "wb") as fh:
                fh.write(b"this is not an SQLite database, just bytes " * 100)
            p = run_binary(["--listen", "127.0.0.1:0", "--data", data], timeout=15)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("glued listening on", p.stdout)
        self.assertTrue(p.stderr.strip())

    @sqlite_only
    def test_data_dir_created_0700_with_wal_database(self):
        g = Glued()
        try:
            self.assertFalse(os.path.exists(g.data_dir))
            g.start()
            self.assertEqual(stat.S_IMODE(os.stat(g.data_dir).st_mode), 0o700)
            self.assertTrue(os.path.isfile(g.db_path))
            con = sqlite3.connect(g.db_path)
            try:
                self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0].lower(), "wal")
            finally:
                con.close()
            g.stop_ok()
        finally:
            g.cleanup()

    def test_sigterm_and_sigint_exit_zero(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig):
                g = Glued()
                try:
                    g.start()
                    g.client().create_workflow(Name="sig")
                    self.assertEqual(g.stop(sig), 0, g.stderr_text()[-2000:])
                finally:
                    g.cleanup()

    def test_sigterm_while_requests_in_flight(self):
        g = Glued()
        try:
            g.start()
            procs = []
            body = b'{"MaxResults":25}'
            # a few slow clients holding connections open while the server is asked to stop
            for _ in range(4):
                s = socket.create_connection(("127.0.0.1", g.port), timeout=5)
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.ListWorkflows\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(body))
                procs.append(s)
            self.assertEqual(g.stop(), 0)
            for s in procs:
                s.close()
        finally:
            g.cleanup()


def snapshot(g):
    """Everything the API shows about every workflow: documents, tags, runs and run properties."""
    c = g.client()
    names, token = [], None
    while True:
        r = c.list_workflows(MaxResults=25, **({"NextToken": token} if token else {}))
        names += r["Workflows"]
        token = r.get("NextToken")
        if not token:
            break
    snap = {"names": names}
    for n in names:
        snap[n] = {
            "wf": g.call("GetWorkflow", {"Name": n, "IncludeGraph": True}).json,
            "tags": g.call("GetTags", {"ResourceArn": arn(n)}).json,
            "runs": g.call("GetWorkflowRuns", {"Name": n, "MaxResults": 1000}).json,
        }
        for run in snap[n]["runs"]["Runs"]:
            snap[n][run["WorkflowRunId"]] = g.call("GetWorkflowRunProperties",
                                                   {"Name": n, "RunId": run["WorkflowRunId"]}).json
    return snap


class RestartTest(unittest.TestCase, GlueAssertions):
    def setUp(self):
        self.g = Glued()
        self.addCleanup(self.g.cleanup)
        self.g.start()

    def populate_with_runs(self):
        c = self.g.client()
        c.create_workflow(Name="keep-full", Description="all\nfields", DefaultRunProperties={"a": "1"},
                          MaxConcurrentRuns=3, Tags={"t": "v"})
        c.create_workflow(Name="keep-bare")
        c.create_workflow(Name="keep-\U0001F600-unicode", Description="\u2603")
        self.g.stop_ok()
        self.run_ids = seed_runs(self.g.db_path, [
            {"workflow": "keep-full", "status": "COMPLETED", "started_ms": 1700000000000 + i,
             "completed_ms": 1700000000500 + i, "props": {"n": str(i)}} for i in range(3)] + [
            {"workflow": "keep-full", "status": "RUNNING", "started_ms": 1700000001000, "props": {}}])
        self.g.start()

    def test_clean_restart_keeps_everything(self):
        self.populate_with_runs()
        c = self.g.client()
        c.put_workflow_run_properties(Name="keep-full", RunId=self.run_ids[0], RunProperties={"put": "yes"})
        c.update_workflow(Name="keep-bare", Description="updated", MaxConcurrentRuns=9)
        c.tag_resource(ResourceArn=arn("keep-bare"), TagsToAdd={"x": "y"})
        before = snapshot(self.g)
        self.g.restart()
        after = snapshot(self.g)
        self.assertEqual(after, before)
        self.assertEqual(after["keep-full"][self.run_ids[0]]["RunProperties"], {"n": "0", "put": "yes"})
        self.assertEqual(len(before["names"]), 3)

    def test_kill_9_after_acknowledged_writes_keeps_them(self):
        self.populate_with_runs()
        c = self.g.client()
        for i in range(40):
            c.create_workflow(Name=f"burst-{i:02d}", Description=f"d{i}", Tags={"i": str(i)})
        for i in range(0, 40, 4):
            c.delete_workflow(Name=f"burst-{i:02d}")
        for i in range(1, 40, 4):
            c.update_workflow(Name=f"burst-{i:02d}", MaxConcurrentRuns=i)
        for i in range(20):
            c.put_workflow_run_properties(Name="keep-full", RunId=self.run_ids[i % 4],
                                          RunProperties={f"p{i}": "v" * i})
        c.tag_resource(ResourceArn=arn("keep-bare"), TagsToAdd={"last": "write"})
        before = snapshot(self.g)
        self.g.kill9()
        self.g.start()
        after = snapshot(self.g)
        self.assertEqual(after, before)
        self.assertEqual(len([n for n in after["names"] if n.startswith("burst-")]), 30)
        self.assertEqual(after["keep-bare"]["tags"]["Tags"], {"last": "write"})

    def test_kill_9_immediately_after_last_ack(self):
        c = self.g.client()
        c.create_workflow(Name="last-one", Description="acknowledged")
        self.g.kill9()
        self.g.start()
        wf = self.g.client().get_workflow(Name="last-one")["Workflow"]
        self.assertEqual(wf["Description"], "acknowledged")

    def test_pagination_token_survives_restart(self):
        c = self.g.client()
        for i in range(10):
            c.create_workflow(Name=f"tok-{i}")
        first = c.list_workflows(MaxResults=4)
        self.g.restart()
        c = self.g.client()
        second = c.list_workflows(MaxResults=4, NextToken=first["NextToken"])
        self.assertEqual(first["Workflows"] + second["Workflows"], [f"tok-{i}" for i in range(8)])

    def test_restart_twice_and_keep_writing(self):
        c = self.g.client()
        c.create_workflow(Name="gen-1")
        self.g.restart()
        self.g.client().create_workflow(Name="gen-2")
        self.g.restart()
        c = self.g.client()
        self.assertEqual(c.list_workflows()["Workflows"], ["gen-1", "gen-2"])
        self.assertClientError("AlreadyExistsException", c.create_workflow, Name="gen-1")
        self.g.stop_ok()


class MaxWorkflowsTest(ServerTestCase):
    server_args = ("--max-workflows", "3")

    def test_quota(self):
        names = [self.create() for _ in range(3)]
        extra = self.uname()
        err = self.assertClientError("ResourceNumberLimitExceededException", self.glue.create_workflow, Name=extra)
        self.assertIn("3", err["Error"]["Message"])
        self.assertFalse(self.exists(extra))
        # a duplicate at the quota is still reported (either way, nothing is created)
        r = self.server.call("CreateWorkflow", {"Name": names[0]})
        self.assertIn(r.error_type, ("AlreadyExistsException", "ResourceNumberLimitExceededException"))
        self.glue.delete_workflow(Name=names[0])
        self.create(extra)
        self.assertEqual(sorted(self.all_workflows()), sorted(names[1:] + [extra]))


if __name__ == "__main__":
    unittest.main()
