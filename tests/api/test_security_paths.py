"""Paths that requests can name never leave where they belong: s3:// script locations and crawler targets stay
under --s3-root ('..', '.', absolute keys, symbolic links out of the root, NUL bytes, percent-encodings), and
`glued logs` takes only job run ids, so it can read nothing but <data>/logs. A script placed outside the root
writes a marker file if it is ever run: each refusal is checked by its message and by the marker's absence."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import run_binary  # noqa: E402
from test_engine_helpers import EngineTestCase  # noqa: E402


class S3PathTest(EngineTestCase):
    explicit_s3_root = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # <work>/s3root/bucket/ok.sh           a script inside the root
        # <work>/outside.sh                    a script outside it, which leaves a marker when run
        # <work>/s3root/bucket/out-link.sh     -> ../../outside.sh   (a symbolic link out)
        # <work>/s3root/bucket/dir-link        -> <work>             (a directory link out)
        # <work>/s3root/bucket/in-link.sh      -> ok.sh              (a link that stays inside: fine)
        cls.marker = os.path.join(cls.work, "outside-ran")
        cls.bucket = os.path.join(cls.s3_root, "bucket")
        os.makedirs(os.path.join(cls.bucket, "data"))
        with open(os.path.join(cls.work, "outside.sh"), "w") as f:
            f.write(f"#!/bin/sh\ntouch {cls.marker}\n")
        with open(os.path.join(cls.bucket, "ok.sh"), "w") as f:
            f.write("#!/bin/sh\necho inside\n")
        os.symlink("../../outside.sh", os.path.join(cls.bucket, "out-link.sh"))
        os.symlink(cls.work, os.path.join(cls.bucket, "dir-link"))
        os.symlink("ok.sh", os.path.join(cls.bucket, "in-link.sh"))
        os.makedirs(os.path.join(cls.work, "outside-data"))

    def run_script(self, location):
        job = self.uname("job")
        self.glue.create_job(Name=job, Role="r", Command={"Name": "shell", "ScriptLocation": location})
        rid = self.glue.start_job_run(JobName=job)["JobRunId"]
        return self.wait_job_run(job, rid)

    def assertRefused(self, location, says):
        jr = self.run_script(location)
        self.assertEqual(jr["JobRunState"], "FAILED", f"{location} ran")
        self.assertIn(says, jr.get("ErrorMessage", ""), location)
        self.assertFalse(os.path.exists(self.marker), f"{location} ran the script outside the s3 root")

    def test_inside_the_root_runs(self):
        self.assertEqual(self.run_script("s3://bucket/ok.sh")["JobRunState"], "SUCCEEDED")
        self.assertEqual(self.run_script("s3://bucket/in-link.sh")["JobRunState"], "SUCCEEDED")

    def test_dot_dot(self):
        for loc in ("s3://bucket/../../outside.sh", "s3://bucket/data/../../../outside.sh", "s3://../outside.sh",
                    "s3://bucket/..", "s3://bucket/./ok.sh", "s3://./bucket/ok.sh"):
            self.assertRefused(loc, "is not an s3://bucket/key URL that stays in its bucket")

    def test_absolute_and_empty_keys(self):
        outside = os.path.join(self.work, "outside.sh")
        for loc in ("s3://bucket/" + outside, "s3:///" + outside.lstrip("/"), "s3://" + outside, "s3://",
                    "s3://bucket//ok.sh"):
            self.assertRefused(loc, "is not an s3://bucket/key URL")

    def test_symlinks_out_of_the_root(self):
        self.assertRefused("s3://bucket/out-link.sh", "leads outside the s3 root")
        self.assertRefused("s3://bucket/dir-link/outside.sh", "leads outside the s3 root")

    def test_percent_encodings_stay_literal(self):
        for loc in ("s3://bucket/%2e%2e/%2e%2e/outside.sh", "s3://bucket/%2E%2E%2F%2E%2E%2Foutside.sh",
                    "s3://%2e%2e/outside.sh"):
            self.assertRefused(loc, "does not exist")

    def test_nul_bytes(self):
        # JSON's \u0000 and a raw NUL never reach a path: the request itself is refused
        job = self.uname("job")
        body = ('{"Name": "%s", "Role": "r", "Command": {"Name": "shell", '
                '"ScriptLocation": "s3://bucket/ok.sh\\u0000/../../outside.sh"}}' % job)
        self.assertRawError(self.server.call("CreateJob", body), "SerializationException")
        raw = body.replace("\\u0000", "\x00").encode()
        self.assertRawError(self.server.call("CreateJob", raw), "SerializationException")
        self.assertFalse(os.path.exists(self.marker))

    def test_control_characters(self):
        self.assertRefused("s3://bucket/ok.sh\n", "is not an s3://bucket/key URL")

    def crawl(self, path):
        name = self.uname("crawler")
        self.glue.create_crawler(Name=name, Role="r", Targets={"S3Targets": [{"Path": path}]})
        self.glue.start_crawler(Name=name)
        import time
        deadline = time.monotonic() + 20
        while True:
            c = self.glue.get_crawler(Name=name)["Crawler"]
            if c["State"] == "READY" and "LastCrawl" in c:
                return c["LastCrawl"]
            self.assertLess(time.monotonic(), deadline, "crawl did not end")
            time.sleep(0.05)

    def test_crawler_targets(self):
        self.assertEqual(self.crawl("s3://bucket/data")["Status"], "SUCCEEDED")
        for path, says in (("s3://bucket/../../outside-data", "stays in its bucket"),
                           ("s3://bucket//outside-data", "stays in its bucket"),
                           ("s3://bucket/dir-link/outside-data", "leads outside the s3 root")):
            last = self.crawl(path)
            self.assertEqual(last["Status"], "FAILED", path)
            self.assertIn(says, last.get("ErrorMessage", ""), path)
        # percent-encoded dots stay literal: a folder of that name under the root, which does not exist, so an
        # empty target
        self.assertEqual(self.crawl("s3://bucket/%2e%2e/%2e%2e/outside-data")["Status"], "SUCCEEDED")


class LogsPathTest(EngineTestCase):
    def test_logs_takes_only_job_run_ids(self):
        data = self.server.data_dir
        secret = os.path.join(data, "glued.db")
        for bad in ("../glued", "../glued.db", secret, "jr_../../glued", "jr_" + "0" * 64 + "/../../glued",
                    "jr_%2e%2e%2fglued", "jr_" + "A" * 64, "jr_" + "0" * 63, "cr_" + "0" * 63, "xr_" + "0" * 64, "-",
                    ""):
            p = run_binary(["logs", bad, "--data", data])
            self.assertEqual(p.returncode, 2, f"{bad!r}: {p.stdout!r} {p.stderr!r}")
            self.assertIn("usage: glued logs" if bad == "-" else "64 hex digits", p.stderr)
            self.assertEqual(p.stdout, "")
        # a well-formed id with no logs is a plain "no logs"
        p = run_binary(["logs", "jr_" + "0" * 64, "--data", data])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no logs", p.stderr)
