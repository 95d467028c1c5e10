"""--test-mode (issue 14): POST /_glued/reset and its moto alias POST /moto-api/reset empty the store and stop
every job, so a test suite can start one glued per session and reset it per test; without --test-mode both paths
are 404. Also `glued --version` and /health naming the schema the store was migrated to, as the README shows."""

import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import PG_BASE, REPO_ROOT, Glued, ServerTestCase, pg_url, psql, run_binary  # noqa: E402
import secrets  # noqa: E402
import unittest  # noqa: E402
from test_engine_helpers import SH, EngineTestCase, kill_all, pid_alive  # noqa: E402

PATHS = ("/_glued/reset", "/moto-api/reset")


def table_rows(db):
    """{table: rows} for every table of the store but those a reset keeps (a SQLite file or a PostgreSQL URI)."""
    if db.startswith("postgres"):
        names = psql(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                         "AND table_name NOT IN ('meta', 'nodes', 'glued_schema')").split()
        return {t: int(psql(db, f"SELECT count(*) FROM {t}")) for t in names}
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                                           "('meta', 'nodes') AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in names}
    finally:
        con.close()


class WithoutTestModeTest(ServerTestCase):
    def test_reset_paths_are_not_found(self):
        name = self.create()
        for path in PATHS:
            for method in ("POST", "GET"):
                r = self.server.raw(b"", target=None, method=method, path=path)
                self.assertEqual(r.status, 404, (method, path, r))
        self.assertTrue(self.exists(name))

    def test_version_names_the_schema(self):
        p = run_binary(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.fullmatch(r"glued \d+\.\d+\.\d+ \(schema (\d+)\)\n", p.stdout)
        self.assertTrue(m, p.stdout)
        # the schema the running server's store was migrated to, as its start-up line says
        started = re.search(r"glued (\d+\.\d+\.\d+) serving .* store \(schema v(\d+)\)", self.server.stderr_text())
        self.assertTrue(started, self.server.stderr_text()[-2000:])
        self.assertEqual(p.stdout, f"glued {started.group(1)} (schema {started.group(2)})\n")
        # /health says the same
        r = self.server.raw(b"", target=None, method="GET", path="/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok", "version": started.group(1), "schema": int(started.group(2))})

    def test_readme_shows_what_the_binary_prints(self):
        # the README's examples of --version and /health are what this build answers, not an older schema
        p = run_binary(["--version"])
        m = re.fullmatch(r"glued (\d+\.\d+\.\d+) \(schema (\d+)\)\n", p.stdout)
        self.assertTrue(m, p.stdout)
        with open(os.path.join(REPO_ROOT, "README.md")) as f:
            readme = f.read()
        versions = re.findall(r"`(glued \d+\.\d+\.\d+ \(schema \d+\))`", readme)
        self.assertEqual(versions, [p.stdout.strip()])
        health = re.findall(r'`(\{"status":"ok",[^`]*\})`', readme)
        self.assertEqual(health, ['{"status":"ok","version":"%s","schema":%s}' % m.groups()])


class TestModeTest(EngineTestCase):
    server_args = ("--test-mode",)

    def reset(self, path):
        r = self.server.raw(b"", target=None, path=path)
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}), r)

    def everything(self):
        g = self.glue
        return (g.list_workflows()["Workflows"], g.list_jobs()["JobNames"], g.list_triggers()["TriggerNames"],
                g.list_crawlers()["CrawlerNames"])

    def populate(self):
        wf = self.create("same-name")
        job = self.job({"--sleep": "0"}, name="same-job")
        self.start_trigger(wf, [job], name="same-trigger")
        self.glue.create_crawler(Name="same-crawler", Role="r", Targets={"S3Targets": [{"Path": "s3://b/p"}]})
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Status"], "COMPLETED")
        return wf, job

    def test_each_path_empties_everything(self):
        for path in PATHS:
            with self.subTest(path=path):
                wf, job = self.populate()  # the same names each time: the reset freed them
                self.assertNotEqual(self.everything(), ([], [], [], []))
                self.reset(path)
                self.assertEqual(self.everything(), ([], [], [], []))
                self.assertErrorCode("EntityNotFoundException", self.glue.get_workflow, Name=wf)
                self.assertErrorCode("EntityNotFoundException", self.glue.get_job_runs, JobName=job)
        counts = table_rows(self.server.db_path)
        self.assertGreaterEqual(len(counts), 7)
        self.assertEqual({t: n for t, n in counts.items() if n}, {})

    def test_reset_stops_running_jobs(self):
        for path in PATHS:
            with self.subTest(path=path):
                wf = self.create()
                started = self.path("started")
                job = self.job({"--sleep": "60", "--started": started})
                self.start_trigger(wf, [job])
                self.start_run(wf)
                pids = self.started_pids(started)
                self.reset(path)
                self.wait_gone(pids)
                self.assertEqual(self.everything(), ([], [], [], []))
        # glued goes on: a new workflow runs, and the killed jobs' ends were not recorded anywhere
        wf = self.create()
        job = self.job({"--sleep": "0"})
        self.start_trigger(wf, [job])
        run = self.wait_run(wf, self.start_run(wf))
        self.assertEqual(run["Statistics"]["SucceededActions"], 1)
        time.sleep(0.3)
        self.assertNotIn("recording the end", self.server.stderr_text())

    def test_reset_is_post_only(self):
        wf = self.create()
        for path in PATHS:
            r = self.server.raw(b"", target=None, method="GET", path=path)
            self.assertEqual(r.status, 405, r)
        self.assertTrue(self.exists(wf))

    def test_the_api_is_unchanged(self):
        name = self.create()
        self.assertEqual(self.get(name)["Name"], name)
        self.reset(PATHS[0])
        self.assertFalse(self.exists(name))


class CrawlResetTest(ServerTestCase):
    """A crawl that is writing tables when the reset comes leaves nothing behind: the reset answers after the
    crawl has stopped and the store has been emptied once more. A pause before each file
    (GLUED_CRAWL_FILE_DELAY_MS) keeps the crawl running long enough."""

    server_args = ("--test-mode",)

    @classmethod
    def setUpClass(cls):
        os.environ["GLUED_CRAWL_FILE_DELAY_MS"] = "40"
        try:
            super().setUpClass()
        finally:
            os.environ.pop("GLUED_CRAWL_FILE_DELAY_MS", None)

    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_reset_during_a_crawl(self):
        root = tempfile.mkdtemp(prefix="crawl-", dir=self.server.base)
        self.write(f"{root}/small/s/a.csv", "a,b\n1,2\n")
        for i in range(60):
            self.write(f"{root}/big/d{i}/a.csv", "a,b\n1,2\n")
        self.glue.create_crawler(Name="c", Role="r", DatabaseName="db",
                                 Targets={"S3Targets": [{"Path": f"{root}/small"}, {"Path": f"{root}/big"}]})
        self.glue.start_crawler(Name="c")
        deadline = time.monotonic() + 30
        while True:  # the first target's table is committed; the second target is being read
            try:
                if self.glue.get_tables(DatabaseName="db")["TableList"]:
                    break
            except self.glue.exceptions.EntityNotFoundException:
                pass
            self.assertLess(time.monotonic(), deadline, "the crawl wrote no table")
            time.sleep(0.02)
        self.assertEqual(self.glue.get_crawler(Name="c")["Crawler"]["State"], "RUNNING")
        r = self.server.raw(b"", target=None, path="/_glued/reset")
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}), r)
        for _ in range(2):  # right after the reset, and after the crawl would have gone on
            self.assertEqual(self.glue.get_databases()["DatabaseList"], [])
            self.assertEqual(self.glue.list_crawlers()["CrawlerNames"], [])
            time.sleep(1)
        self.assertEqual({t: n for t, n in table_rows(self.server.db_path).items() if n}, {})


class WaitingResetTest(EngineTestCase):
    """With --max-jobs, job runs past the bound wait as WAITING (in the store, owned by no node): a reset ends the
    one running and drops the waiting ones, which never start, and the room they held is free again."""

    server_args = ("--test-mode", "--max-jobs", "1")

    def test_reset_drops_waiting_job_runs(self):
        running, waiting = self.path("running"), self.path("waiting")
        first = self.job({"--sleep": "60", "--started": running})
        second = self.job({"--sleep": "0", "--started": waiting})
        self.glue.start_job_run(JobName=first)
        pids = self.started_pids(running)
        rid = self.glue.start_job_run(JobName=second)["JobRunId"]
        self.assertEqual(self.glue.get_job_run(JobName=second, RunId=rid)["JobRun"]["JobRunState"], "WAITING")
        self.reset_ok()
        self.wait_gone(pids)
        self.assertEqual({t: n for t, n in table_rows(self.server.db_path).items() if n}, {})
        # the one slot is free: a new job run starts and ends at once, and the dropped one never ran
        job = self.job({"--sleep": "0"})
        jr = self.wait_job_run(job, self.glue.start_job_run(JobName=job)["JobRunId"], timeout=15)
        self.assertEqual(jr["JobRunState"], "SUCCEEDED", jr.get("ErrorMessage"))
        time.sleep(0.5)
        self.assertFalse(os.path.exists(waiting), "a WAITING job run started after the reset")

    def reset_ok(self):
        r = self.server.raw(b"", target=None, path="/_glued/reset")
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}), r)


@unittest.skipUnless(PG_BASE, "nodes share a store only on PostgreSQL (run with GLUED_TEST_PG)")
class NodesResetTest(unittest.TestCase):
    """Two nodes on one database: a reset sent to one empties the store for both, ends the job processes of the
    other node too (told through the store's notifications), and fences neither (the node registry is kept)."""

    def setUp(self):
        self.db = "r_" + secrets.token_hex(8)
        psql(PG_BASE, f"CREATE DATABASE {self.db}")
        self.addCleanup(psql, PG_BASE, f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        self.tmp = tempfile.mkdtemp(prefix="glued-nodes-reset-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.nodes = []
        for name in ("n1", "n2"):
            g = Glued(["--test-mode", "--node-name", name, "--node-lease-s", "2"], store=pg_url(self.db))
            self.addCleanup(g.cleanup)
            g.start()
            self.nodes.append(g)

    def test_a_reset_reaches_every_node(self):
        n1, n2 = self.nodes
        c1, c2 = n1.client(), n2.client()
        started = os.path.join(self.tmp, "started")
        c2.create_job(Name="long", Role="arn:aws:iam::123456789012:role/R",
                      Command={"Name": "shell", "ScriptLocation": SH},
                      DefaultArguments={"--sleep": "60", "--started": started})
        c2.start_job_run(JobName="long")  # the node that makes a job run owns it while it has room
        deadline = time.monotonic() + 15
        while not os.path.exists(started):
            self.assertLess(time.monotonic(), deadline, "the job did not start")
            time.sleep(0.05)
        with open(started) as f:
            pids = [int(p) for p in f.read().split()]
        self.addCleanup(kill_all, pids)
        r = n1.raw(b"", target=None, path="/moto-api/reset")
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}), r)
        deadline = time.monotonic() + 10
        while any(pid_alive(p) for p in pids):
            self.assertLess(time.monotonic(), deadline, "the other node's job process outlived the reset")
            time.sleep(0.05)
        self.assertEqual((c1.list_jobs()["JobNames"], c2.list_jobs()["JobNames"]), ([], []))
        self.assertEqual(sorted(psql(pg_url(self.db), "SELECT name FROM nodes").split()), ["n1", "n2"])
        # both nodes go on working, and neither lost its lease over it
        for c in (c1, c2):
            c.create_job(Name="short", Role="arn:aws:iam::123456789012:role/R",
                         Command={"Name": "shell", "ScriptLocation": SH})
            rid = c.start_job_run(JobName="short")["JobRunId"]
            deadline = time.monotonic() + 15
            while c.get_job_run(JobName="short", RunId=rid)["JobRun"]["JobRunState"] != "SUCCEEDED":
                self.assertLess(time.monotonic(), deadline, "a job run after the reset did not succeed")
                time.sleep(0.05)
            c.delete_job(JobName="short")
        for g in (n1, n2):
            self.assertNotIn("lost its lease", g.stderr_text())
            self.assertNotIn("recording the end", g.stderr_text())
        self.assertIn("another node emptied the store", n2.stderr_text())


if __name__ == "__main__":
    import unittest
    unittest.main()
