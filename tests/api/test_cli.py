"""The AWS CLI against glued: a short create/get/list/update/delete session and one error."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase  # noqa: E402


class CliTest(ServerTestCase):
    def cli_json(self, *args):
        p = self.server.cli(*args)
        self.assertEqual(p.returncode, 0, f"aws glue {' '.join(args)} failed: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def test_session(self):
        name = self.uname("cli")
        out = self.cli_json("create-workflow", "--name", name, "--description", "from the cli",
                            "--default-run-properties", "stage=dev,team=data", "--max-concurrent-runs", "2",
                            "--tags", "owner=me")
        self.assertEqual(out, {"Name": name})
        wf = self.cli_json("get-workflow", "--name", name, "--include-graph")["Workflow"]
        self.assertEqual(wf["Name"], name)
        self.assertEqual(wf["Description"], "from the cli")
        self.assertEqual(wf["DefaultRunProperties"], {"stage": "dev", "team": "data"})
        self.assertEqual(wf["MaxConcurrentRuns"], 2)
        self.assertEqual(wf["Graph"], {"Nodes": [], "Edges": []})
        self.assertIn("CreatedOn", wf)
        names = self.cli_json("list-workflows")["Workflows"]
        self.assertIn(name, names)
        self.assertEqual(self.cli_json("update-workflow", "--name", name, "--description", "changed"), {"Name": name})
        wf = self.get(name)
        self.assertEqual((wf["Description"], wf["MaxConcurrentRuns"]), ("changed", 2))
        self.assertEqual(self.cli_json("delete-workflow", "--name", name), {"Name": name})
        self.assertFalse(self.exists(name))

    def test_error_exit_code_and_exception_name(self):
        p = self.server.cli("get-workflow", "--name", self.uname("cli-missing"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("EntityNotFoundException", p.stderr)
        self.assertEqual(p.stdout.strip(), "")


if __name__ == "__main__":
    import unittest
    unittest.main()
