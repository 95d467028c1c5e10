"""CreateWorkflow, GetWorkflow, UpdateWorkflow, DeleteWorkflow, BatchGetWorkflows, ListWorkflows with boto3:
happy paths and every documented error. Every success answer is checked against the Glue model (harness hook)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, arn  # noqa: E402


class CreateGetTest(ServerTestCase):
    def test_create_minimal_then_get(self):
        t0 = time.time()
        name = self.create()
        raw = self.server.call("GetWorkflow", {"Name": name})
        wf = self.assertRawOk(raw, "GetWorkflow")["Workflow"]
        self.assertEqual(wf["Name"], name)
        self.assertIsInstance(wf["CreatedOn"], (int, float))
        self.assertLessEqual(abs(wf["CreatedOn"] - t0), 30, "CreatedOn is not the creation time (epoch seconds)")
        self.assertGreaterEqual(wf["LastModifiedOn"], wf["CreatedOn"])
        for absent in ("Description", "MaxConcurrentRuns", "LastRun", "Graph", "BlueprintDetails"):
            self.assertNotIn(absent, wf, f"{absent} should be omitted for a bare workflow")
        self.assertEqual(wf.get("DefaultRunProperties", {}), {})

    def test_create_full_then_get(self):
        name = self.uname()
        props = {"k1": "v1", "empty": "", "multi": "line1\nline2", "uni": "h\u00e9llo \U0001F600"}
        self.glue.create_workflow(Name=name, Description="a\nmulti-line description \u2603",
                                  DefaultRunProperties=props, Tags={"team": "data", "e": ""},
                                  MaxConcurrentRuns=3)
        wf = self.get(name)
        self.assertEqual(wf["Description"], "a\nmulti-line description \u2603")
        self.assertEqual(wf["DefaultRunProperties"], props)
        self.assertEqual(wf["MaxConcurrentRuns"], 3)
        self.assertNotIn("Graph", wf)
        self.assertNotIn("LastRun", wf)

    def test_create_returns_name_only(self):
        name = self.uname()
        raw = self.server.call("CreateWorkflow", {"Name": name})
        self.assertEqual(self.assertRawOk(raw, "CreateWorkflow"), {"Name": name})
        self.assertEqual(raw.headers.get("content-type", "").split(";")[0].strip(), "application/x-amz-json-1.1")

    def test_duplicate_create_is_already_exists_and_keeps_original(self):
        name = self.create(Description="first", MaxConcurrentRuns=2)
        self.assertClientError("AlreadyExistsException", self.glue.create_workflow, Name=name,
                               Description="second", MaxConcurrentRuns=9)
        wf = self.get(name)
        self.assertEqual((wf["Description"], wf["MaxConcurrentRuns"]), ("first", 2))

    def test_already_exists_message_names_the_workflow(self):
        name = self.create()
        err = self.assertClientError("AlreadyExistsException", self.glue.create_workflow, Name=name)
        self.assertIn(name, err["Error"]["Message"])

    def test_get_missing_is_entity_not_found_naming_it(self):
        name = self.uname("missing")
        err = self.assertClientError("EntityNotFoundException", self.glue.get_workflow, Name=name)
        self.assertIn(name, err["Error"]["Message"])

    def test_get_include_graph(self):
        name = self.create()
        self.assertEqual(self.get(name, IncludeGraph=True)["Graph"], {"Nodes": [], "Edges": []})
        self.assertNotIn("Graph", self.get(name, IncludeGraph=False))
        self.assertNotIn("Graph", self.get(name))

    def test_names_are_case_sensitive(self):
        base = self.uname("Case")
        self.create(base)
        self.create(base.lower())
        self.create(base.upper())
        self.assertEqual(self.get(base)["Name"], base)
        self.assertEqual(self.get(base.upper())["Name"], base.upper())

    def test_name_with_spaces_slash_and_unicode_round_trips(self):
        name = f" sp ace/slash:colon*{self._testMethodName[-4:]}\u00e9\u4e2d\U0001F680 {os.getpid()}"
        self.create(name)
        self.assertEqual(self.get(name)["Name"], name)
        self.assertIn(name, self.all_workflows())

    def test_create_missing_name_is_invalid_input(self):
        r = self.server.call("CreateWorkflow", {"Description": "no name"})
        self.assertRawError(r, "InvalidInputException", member="Name")
        self.assertStillServes()


class UpdateTest(ServerTestCase):
    def _full(self):
        return self.create(Description="d0", DefaultRunProperties={"a": "1", "b": "2"}, MaxConcurrentRuns=4)

    def test_update_description_only_keeps_the_rest(self):
        name = self._full()
        before = self.get(name)
        time.sleep(0.02)
        self.assertEqual(self.glue.update_workflow(Name=name, Description="d1")["Name"], name)
        after = self.get(name)
        self.assertEqual(after["Description"], "d1")
        self.assertEqual(after["DefaultRunProperties"], {"a": "1", "b": "2"})
        self.assertEqual(after["MaxConcurrentRuns"], 4)
        self.assertEqual(after["CreatedOn"], before["CreatedOn"])
        self.assertGreater(after["LastModifiedOn"], before["LastModifiedOn"])

    def test_update_max_concurrent_runs_only(self):
        name = self._full()
        self.glue.update_workflow(Name=name, MaxConcurrentRuns=7)
        wf = self.get(name)
        self.assertEqual((wf["MaxConcurrentRuns"], wf["Description"]), (7, "d0"))
        self.assertEqual(wf["DefaultRunProperties"], {"a": "1", "b": "2"})

    def test_update_default_run_properties_replaces_the_map(self):
        name = self._full()
        self.glue.update_workflow(Name=name, DefaultRunProperties={"c": "3"})
        wf = self.get(name)
        self.assertEqual(wf["DefaultRunProperties"], {"c": "3"})
        self.assertEqual((wf["Description"], wf["MaxConcurrentRuns"]), ("d0", 4))

    def test_update_sets_fields_absent_at_create(self):
        name = self.create()
        self.glue.update_workflow(Name=name, Description="now", DefaultRunProperties={"x": "y"},
                                  MaxConcurrentRuns=1)
        wf = self.get(name)
        self.assertEqual((wf["Description"], wf["DefaultRunProperties"], wf["MaxConcurrentRuns"]),
                         ("now", {"x": "y"}, 1))

    def test_update_with_name_only_changes_nothing(self):
        name = self._full()
        before = self.get(name)
        self.assertEqual(self.glue.update_workflow(Name=name)["Name"], name)
        after = self.get(name)
        for k in ("Description", "DefaultRunProperties", "MaxConcurrentRuns", "CreatedOn"):
            self.assertEqual(after[k], before[k])

    def test_update_missing_is_entity_not_found(self):
        name = self.uname("missing")
        err = self.assertClientError("EntityNotFoundException", self.glue.update_workflow, Name=name,
                                     Description="x")
        self.assertIn(name, err["Error"]["Message"])
        self.assertFalse(self.exists(name), "UpdateWorkflow must not create a workflow")

    def test_invalid_update_changes_nothing(self):
        name = self._full()
        before = self.get(name)
        self.assertClientError("InvalidInputException", self.glue.update_workflow, Name=name,
                               Description="x" * 120001, member="Description")
        self.assertClientError("InvalidInputException", self.glue.update_workflow, Name=name,
                               Description="ok", MaxConcurrentRuns=0, member="MaxConcurrentRuns")
        self.assertClientError("InvalidInputException", self.glue.update_workflow, Name=name,
                               DefaultRunProperties={"bad\nkey": "v"}, Description="ok")
        self.assertEqual(self.get(name), before)

    def test_update_does_not_touch_tags(self):
        name = self.create(Tags={"t": "1"})
        self.glue.update_workflow(Name=name, Description="x")
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"t": "1"})


class DeleteTest(ServerTestCase):
    def test_delete_returns_name_and_removes(self):
        name = self.create(Description="bye")
        raw = self.server.call("DeleteWorkflow", {"Name": name})
        self.assertEqual(self.assertRawOk(raw, "DeleteWorkflow"), {"Name": name})
        self.assertFalse(self.exists(name))
        self.assertNotIn(name, self.all_workflows())

    def test_delete_is_idempotent(self):
        name = self.create()
        self.assertEqual(self.glue.delete_workflow(Name=name)["Name"], name)
        self.assertEqual(self.glue.delete_workflow(Name=name)["Name"], name)
        never = self.uname("never")
        self.assertEqual(self.glue.delete_workflow(Name=never)["Name"], never)

    def test_delete_then_recreate_is_a_new_workflow(self):
        name = self.create(Description="old", Tags={"old": "1"}, MaxConcurrentRuns=5)
        old = self.get(name)
        self.glue.delete_workflow(Name=name)
        time.sleep(0.02)
        self.create(name)
        new = self.get(name)
        self.assertNotIn("Description", new)
        self.assertNotIn("MaxConcurrentRuns", new)
        self.assertGreater(new["CreatedOn"], old["CreatedOn"])
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {})

    def test_delete_only_the_named_one(self):
        a, b = self.create(), self.create()
        self.glue.delete_workflow(Name=a)
        self.assertFalse(self.exists(a))
        self.assertTrue(self.exists(b))

    def test_delete_invalid_name(self):
        self.assertClientError("InvalidInputException", self.glue.delete_workflow, Name="x" * 256, member="Name")
        self.assertRawError(self.server.call("DeleteWorkflow", {"Name": ""}), "InvalidInputException", "Name")
        self.assertRawError(self.server.call("DeleteWorkflow", {}), "InvalidInputException", "Name")


class BatchGetTest(ServerTestCase):
    def test_mixed_existing_and_missing(self):
        a = self.create(Description="A")
        b = self.create(MaxConcurrentRuns=2)
        m1, m2 = self.uname("miss"), self.uname("miss")
        raw = self.server.call("BatchGetWorkflows", {"Names": [a, m1, b, m2]})
        out = self.assertRawOk(raw, "BatchGetWorkflows")
        got = {w["Name"]: w for w in out["Workflows"]}
        self.assertEqual(set(got), {a, b})
        self.assertEqual(sorted(out["MissingWorkflows"]), sorted([m1, m2]))
        self.assertEqual(got[a]["Description"], "A")
        self.assertEqual(got[b]["MaxConcurrentRuns"], 2)
        self.assertNotIn("Graph", got[a])
        self.assertEqual(got[a], self.server.call("GetWorkflow", {"Name": a}).json["Workflow"])

    def test_all_found_omits_missing_workflows(self):
        a, b = self.create(), self.create()
        out = self.assertRawOk(self.server.call("BatchGetWorkflows", {"Names": [a, b]}), "BatchGetWorkflows")
        self.assertNotIn("MissingWorkflows", out)
        self.assertEqual(len(out["Workflows"]), 2)

    def test_none_found_still_has_workflows_list(self):
        m = self.uname("miss")
        out = self.assertRawOk(self.server.call("BatchGetWorkflows", {"Names": [m]}), "BatchGetWorkflows")
        self.assertEqual(out["Workflows"], [])
        self.assertEqual(out["MissingWorkflows"], [m])

    def test_include_graph(self):
        a = self.create()
        out = self.glue.batch_get_workflows(Names=[a], IncludeGraph=True)
        self.assertEqual(out["Workflows"][0]["Graph"], {"Nodes": [], "Edges": []})
        out = self.glue.batch_get_workflows(Names=[a], IncludeGraph=False)
        self.assertNotIn("Graph", out["Workflows"][0])

    def test_25_names_ok_26_invalid(self):
        names = [self.create() for _ in range(3)] + [self.uname("m") for _ in range(22)]
        out = self.glue.batch_get_workflows(Names=names)
        self.assertEqual(len(out["Workflows"]) + len(out["MissingWorkflows"]), 25)
        self.assertClientError("InvalidInputException", self.glue.batch_get_workflows,
                               Names=names + [self.uname("m")], member="Names")

    def test_zero_names_invalid(self):
        self.assertRawError(self.server.call("BatchGetWorkflows", {"Names": []}), "InvalidInputException", "Names")
        self.assertRawError(self.server.call("BatchGetWorkflows", {}), "InvalidInputException", "Names")


class ListTest(ServerTestCase):
    def test_list_contains_created_sorted_unique(self):
        mine = {self.create() for _ in range(5)}
        names = self.all_workflows()
        self.assertTrue(mine <= set(names))
        self.assertEqual(names, sorted(names), "ListWorkflows must return names sorted")
        self.assertEqual(len(names), len(set(names)))

    def test_list_order_is_code_point_order(self):
        tag = self.uname("ord")
        mine = [tag + s for s in ("\t", " ", "A", "Z", "a", "z", "\u00e9", "\u4e2d", "\ufffd", "\U0001F600",
                                  "\U0010FFFF", "0", "~")]
        for n in mine:
            self.create(n)
        listed = [n for n in self.all_workflows() if n.startswith(tag)]
        self.assertEqual(listed, sorted(mine))

    def test_list_answer_shape_and_no_token_when_all_fit(self):
        self.create()
        out = self.assertRawOk(self.server.call("ListWorkflows", {"MaxResults": 25}), "ListWorkflows")
        if len(out["Workflows"]) < 25:
            self.assertNotIn("NextToken", out)
        self.assertTrue(all(isinstance(n, str) for n in out["Workflows"]))

    def test_max_results_bounds(self):
        self.create()
        self.assertLessEqual(len(self.glue.list_workflows(MaxResults=1)["Workflows"]), 1)
        self.assertLessEqual(len(self.glue.list_workflows(MaxResults=25)["Workflows"]), 25)
        self.assertClientError("InvalidInputException", self.glue.list_workflows, MaxResults=26, member="MaxResults")
        self.assertClientError("InvalidInputException", self.glue.list_workflows, MaxResults=1000,
                               member="MaxResults")
        for bad in (0, -1):
            self.assertRawError(self.server.call("ListWorkflows", {"MaxResults": bad}), "InvalidInputException",
                                "MaxResults")

    def test_empty_body_object_lists(self):
        self.assertRawOk(self.server.call("ListWorkflows", {}), "ListWorkflows")


if __name__ == "__main__":
    import unittest
    unittest.main()
