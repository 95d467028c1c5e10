"""Many clients at once: every acknowledged write is there, racing creates of one name have exactly one
winner, and concurrent PutWorkflowRunProperties on one run lose no key."""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import ServerTestCase, seed_runs  # noqa: E402

THREADS = 8


class ConcurrencyTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.glue.create_workflow(Name="conc-props")
        cls.server.stop_ok()
        cls.run_ids = seed_runs(cls.server.db_path, [
            {"workflow": "conc-props", "status": "RUNNING", "props": {"seed": "1"}} for _ in range(2)])
        cls.server.start()
        cls.glue = cls.server.client()

    def clients(self, n=THREADS):
        # a boto3 client is thread-safe, but one per thread keeps connections independent
        return [self.server.client(fresh=True) for _ in range(n)]

    def test_parallel_creates_all_stored(self):
        names = [f"conc-create-{i:03d}" for i in range(80)]
        clients = self.clients()

        def work(i):
            return clients[i % THREADS].create_workflow(Name=names[i], Description=str(i))["Name"]

        with ThreadPoolExecutor(THREADS) as ex:
            got = list(ex.map(work, range(len(names))))
        self.assertEqual(got, names)
        listed = [n for n in self.all_workflows() if n.startswith("conc-create-")]
        self.assertEqual(listed, names)
        out = self.glue.batch_get_workflows(Names=names[:25])
        self.assertEqual(sorted(w["Description"] for w in out["Workflows"]), sorted(str(i) for i in range(25)))

    def test_racing_creates_of_one_name_have_one_winner(self):
        clients = self.clients()
        barrier = threading.Barrier(THREADS)
        results = []

        def work(i):
            barrier.wait()
            try:
                clients[i].create_workflow(Name="conc-race", Description=f"winner {i}")
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        with ThreadPoolExecutor(THREADS) as ex:
            results = list(ex.map(work, range(THREADS)))
        self.assertEqual(results.count("ok"), 1, results)
        self.assertEqual(results.count("AlreadyExistsException"), THREADS - 1, results)
        self.assertEqual(self.all_workflows().count("conc-race"), 1)

    def test_parallel_run_property_puts_lose_nothing(self):
        clients = self.clients()
        rid = self.run_ids[0]

        def work(i):
            clients[i % THREADS].put_workflow_run_properties(Name="conc-props", RunId=rid,
                                                             RunProperties={f"t{i}": str(i), "shared": str(i)})

        with ThreadPoolExecutor(THREADS) as ex:
            list(ex.map(work, range(64)))
        props = self.glue.get_workflow_run_properties(Name="conc-props", RunId=rid)["RunProperties"]
        self.assertEqual({k for k in props if k.startswith("t")}, {f"t{i}" for i in range(64)})
        self.assertEqual(props["seed"], "1")
        self.assertIn(props["shared"], {str(i) for i in range(64)})

    def test_parallel_mixed_reads_and_writes(self):
        clients = self.clients()
        errors = []

        def work(i):
            c = clients[i % THREADS]
            name = f"conc-mixed-{i:03d}"
            try:
                c.create_workflow(Name=name)
                c.update_workflow(Name=name, Description="u")
                c.get_workflow(Name=name, IncludeGraph=True)
                c.list_workflows(MaxResults=10)
                c.get_workflow_runs(Name="conc-props")
                if i % 2:
                    c.delete_workflow(Name=name)
            except Exception as e:  # collected, asserted below
                errors.append(f"{name}: {e!r}")

        with ThreadPoolExecutor(THREADS) as ex:
            list(ex.map(work, range(48)))
        self.assertEqual(errors, [])
        left = [n for n in self.all_workflows() if n.startswith("conc-mixed-")]
        self.assertEqual(left, [f"conc-mixed-{i:03d}" for i in range(0, 48, 2)])


if __name__ == "__main__":
    import unittest
    unittest.main()
