"""examples/catalog/run.sh runs end to end: crawler -> job (reading the catalog with its own boto3) -> crawler, and
the second crawl adds the partition the job wrote."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import REPO_ROOT, ServerTestCase  # noqa: E402


class CatalogExampleTest(ServerTestCase):
    def test_example_runs(self):
        data = tempfile.mkdtemp(prefix="example-", dir=self.server.base)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
        p = subprocess.run(["bash", os.path.join(REPO_ROOT, "examples", "catalog", "run.sh"), self.server.url, data],
                           capture_output=True, text=True, timeout=180, env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertIn('"Status": "COMPLETED"', p.stdout)
        self.assertIn('"SucceededActions": 3', p.stdout)
        self.assertEqual(p.stdout.strip().splitlines()[-1].split(), ["1", "2", "3"])
        # the job read the catalog and wrote the third day from it
        with open(os.path.join(data, "raw", "events", "day=3", "events.csv")) as f:
            self.assertGreater(len(f.read().splitlines()), 5)
        t = self.glue.get_table(DatabaseName="demo_lake", Name="users")["Table"]
        self.assertEqual([c["Name"] for c in t["StorageDescriptor"]["Columns"]], ["id", "name", "address"])
