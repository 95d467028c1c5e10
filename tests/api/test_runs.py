"""GetWorkflowRun, GetWorkflowRuns, GetWorkflowRunProperties, PutWorkflowRunProperties, and GetWorkflow's
LastRun, on runs seeded into the database while glued is stopped (there is no API that creates runs yet)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import PaginationError  # noqa: E402

from harness import ServerTestCase, seed_runs  # noqa: E402

T0 = 1700000000123  # ms
STATUSES = ["RUNNING", "COMPLETED", "STOPPING", "STOPPED", "ERROR"]
STATS = {"TotalActions": 8, "TimeoutActions": 1, "FailedActions": 2, "StoppedActions": 3,
         "SucceededActions": 4, "RunningActions": 5, "ErroredActions": 6, "WaitingActions": 7}


class RunsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        g = cls.glue
        cls.wf_many = "runs-many"
        cls.wf_detail = "runs-detail"
        cls.wf_empty = "runs-empty"
        cls.wf_props = "runs-props"
        cls.wf_del = "runs-delete"
        cls.wf_other = "runs-other"
        for n in (cls.wf_many, cls.wf_detail, cls.wf_empty, cls.wf_props, cls.wf_del, cls.wf_other):
            g.create_workflow(Name=n)
        cls.server.stop_ok()
        # 60 runs in wf_many, oldest first (seq and StartedOn both grow)
        cls.many_ids = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_many, "status": "COMPLETED", "started_ms": T0 + i * 1000,
             "completed_ms": T0 + i * 1000 + 500, "props": {"i": str(i)}} for i in range(60)])
        d = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_detail, "status": "COMPLETED", "props": {"a": "1", "b": "x\ny"},
             "started_ms": T0, "completed_ms": T0 + 5333, "stats": STATS},
            {"workflow": cls.wf_detail, "status": "ERROR", "started_ms": T0 + 10000, "completed_ms": T0 + 10001,
             "error_message": "Concurrent runs exceeded for workflow: runs-detail.", "props": {}},
            {"workflow": cls.wf_detail, "status": "STOPPED", "started_ms": T0 + 20000,
             "completed_ms": T0 + 21000, "batch_size": 5, "batch_window": 900, "props": None},
            {"workflow": cls.wf_detail, "status": "STOPPING", "started_ms": T0 + 30000, "props": {"z": ""}},
            {"workflow": cls.wf_detail, "status": "RUNNING", "started_ms": T0 + 40000, "props": {"r": "1"}},
        ])
        cls.d_completed, cls.d_error, cls.d_stopped, cls.d_stopping, cls.d_running = d
        # a resumed run points at the one it resumes
        cls.d_resumed = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_detail, "status": "COMPLETED", "started_ms": T0 + 50000,
             "completed_ms": T0 + 51000, "previous_run_id": cls.d_stopped, "props": {}}])[0]
        cls.props_ids = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_props, "status": "COMPLETED", "started_ms": T0 + i, "completed_ms": T0 + i + 1,
             "props": {"seed": "s"}} for i in range(6)] + [
            {"workflow": cls.wf_props, "status": "RUNNING", "started_ms": T0 + 100, "props": {}}])
        cls.limit_ids = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_props, "status": "COMPLETED", "started_ms": T0 + 200 + i, "completed_ms": T0 + 300,
             "props": {}} for i in range(2)])
        cls.del_ids = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_del, "status": "COMPLETED", "started_ms": T0 + i, "completed_ms": T0 + i + 1}
            for i in range(3)])
        cls.other_ids = seed_runs(cls.server.db_path, [
            {"workflow": cls.wf_other, "status": "RUNNING", "started_ms": T0, "props": {"o": "1"}}])
        cls.server.start()
        cls.glue = cls.server.client()

    # ---- GetWorkflowRun ------------------------------------------------------------------------
    def run_raw(self, name, rid, **kw):
        r = self.server.call("GetWorkflowRun", dict({"Name": name, "RunId": rid}, **kw))
        return self.assertRawOk(r, "GetWorkflowRun")["Run"]

    def test_completed_run_fields(self):
        run = self.run_raw(self.wf_detail, self.d_completed)
        self.assertEqual(run["Name"], self.wf_detail)
        self.assertEqual(run["WorkflowRunId"], self.d_completed)
        self.assertRegex(run["WorkflowRunId"], r"^wr_[0-9a-f]{64}$")
        self.assertEqual(run["Status"], "COMPLETED")
        self.assertEqual(run["WorkflowRunProperties"], {"a": "1", "b": "x\ny"})
        self.assertAlmostEqual(run["StartedOn"], T0 / 1000, places=3)
        self.assertAlmostEqual(run["CompletedOn"], (T0 + 5333) / 1000, places=3)
        self.assertEqual(run["Statistics"], STATS)
        for absent in ("PreviousRunId", "ErrorMessage", "StartingEventBatchCondition", "Graph"):
            self.assertNotIn(absent, run)

    def test_error_run_has_error_message(self):
        run = self.run_raw(self.wf_detail, self.d_error)
        self.assertEqual(run["Status"], "ERROR")
        self.assertEqual(run["ErrorMessage"], "Concurrent runs exceeded for workflow: runs-detail.")
        self.assertEqual(run["Statistics"], {k: 0 for k in STATS})

    def test_batch_condition_and_null_props(self):
        run = self.run_raw(self.wf_detail, self.d_stopped)
        self.assertEqual(run["Status"], "STOPPED")
        self.assertEqual(run["StartingEventBatchCondition"], {"BatchSize": 5, "BatchWindow": 900})
        self.assertEqual(run.get("WorkflowRunProperties", {}), {})

    def test_running_and_stopping_have_no_completed_on(self):
        for rid, status in ((self.d_running, "RUNNING"), (self.d_stopping, "STOPPING")):
            run = self.run_raw(self.wf_detail, rid)
            self.assertEqual(run["Status"], status)
            self.assertNotIn("CompletedOn", run)

    def test_previous_run_id(self):
        run = self.run_raw(self.wf_detail, self.d_resumed)
        self.assertEqual(run["PreviousRunId"], self.d_stopped)

    def test_include_graph_on_run(self):
        run = self.run_raw(self.wf_detail, self.d_completed, IncludeGraph=True)
        self.assertEqual(run["Graph"], {"Nodes": [], "Edges": []})
        self.assertNotIn("Graph", self.run_raw(self.wf_detail, self.d_completed, IncludeGraph=False))

    def test_get_run_errors(self):
        g = self.glue
        self.assertClientError("EntityNotFoundException", g.get_workflow_run, Name=self.wf_detail,
                               RunId="wr_" + "0" * 64)
        self.assertClientError("EntityNotFoundException", g.get_workflow_run, Name="runs-no-such",
                               RunId=self.d_completed)
        # a run of another workflow is not found under this one
        self.assertClientError("EntityNotFoundException", g.get_workflow_run, Name=self.wf_detail,
                               RunId=self.other_ids[0])
        self.assertClientError("InvalidInputException", g.get_workflow_run, Name=self.wf_detail,
                               RunId="r" * 256, member="RunId")
        self.assertRawError(self.server.call("GetWorkflowRun", {"Name": self.wf_detail}), "InvalidInputException",
                            "RunId")
        self.assertRawError(self.server.call("GetWorkflowRun", {"Name": self.wf_detail, "RunId": ""}),
                            "InvalidInputException", "RunId")

    # ---- GetWorkflow LastRun -------------------------------------------------------------------
    def test_last_run_is_newest(self):
        raw = self.server.call("GetWorkflow", {"Name": self.wf_many, "IncludeGraph": True})
        wf = self.assertRawOk(raw, "GetWorkflow")["Workflow"]
        self.assertEqual(wf["LastRun"]["WorkflowRunId"], self.many_ids[-1])
        self.assertEqual(wf["LastRun"]["WorkflowRunProperties"], {"i": "59"})
        self.assertNotIn("Graph", wf["LastRun"])
        self.assertEqual(wf["Graph"], {"Nodes": [], "Edges": []})
        self.assertEqual(self.get(self.wf_detail)["LastRun"]["WorkflowRunId"], self.d_resumed)
        self.assertNotIn("LastRun", self.get(self.wf_empty))

    def test_batch_get_has_last_run(self):
        out = self.glue.batch_get_workflows(Names=[self.wf_many, self.wf_empty])
        got = {w["Name"]: w for w in out["Workflows"]}
        self.assertEqual(got[self.wf_many]["LastRun"]["WorkflowRunId"], self.many_ids[-1])
        self.assertNotIn("LastRun", got[self.wf_empty])

    # ---- GetWorkflowRuns -----------------------------------------------------------------------
    def test_runs_newest_first_default_page_25(self):
        raw = self.server.call("GetWorkflowRuns", {"Name": self.wf_many})
        out = self.assertRawOk(raw, "GetWorkflowRuns")
        self.assertEqual([r["WorkflowRunId"] for r in out["Runs"]], self.many_ids[::-1][:25])
        self.assertIn("NextToken", out)
        for r in out["Runs"]:
            self.assertNotIn("Graph", r)

    def test_runs_all_pages(self):
        seen, token, pages = [], None, 0
        while True:
            kw = {"NextToken": token} if token else {}
            out = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=7, **kw)
            pages += 1
            self.assertLessEqual(len(out["Runs"]), 7)
            seen += [r["WorkflowRunId"] for r in out["Runs"]]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, self.many_ids[::-1])
        self.assertEqual(pages, 9)

    def test_runs_exact_fit_last_page_has_no_token(self):
        out = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=30)
        out2 = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=30, NextToken=out["NextToken"])
        self.assertEqual(len(out2["Runs"]), 30)
        self.assertNotIn("NextToken", out2)
        out = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=60)
        self.assertEqual(len(out["Runs"]), 60)
        self.assertNotIn("NextToken", out)

    def test_runs_paginator(self):
        pages = list(self.glue.get_paginator("get_workflow_runs").paginate(
            Name=self.wf_many, PaginationConfig={"PageSize": 11}))
        ids = [r["WorkflowRunId"] for p in pages for r in p["Runs"]]
        self.assertEqual(ids, self.many_ids[::-1])
        self.assertNotIn("NextToken", pages[-1])

    def test_runs_max_results_bounds(self):
        out = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=1000)
        self.assertEqual(len(out["Runs"]), 60)
        self.assertEqual(len(self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=1)["Runs"]), 1)
        self.assertClientError("InvalidInputException", self.glue.get_workflow_runs, Name=self.wf_many,
                               MaxResults=1001, member="MaxResults")
        for bad in (0, -3):
            self.assertRawError(self.server.call("GetWorkflowRuns", {"Name": self.wf_many, "MaxResults": bad}),
                                "InvalidInputException", "MaxResults")

    def test_runs_include_graph(self):
        out = self.glue.get_workflow_runs(Name=self.wf_detail, IncludeGraph=True)
        self.assertEqual(len(out["Runs"]), 6)
        for r in out["Runs"]:
            self.assertEqual(r["Graph"], {"Nodes": [], "Edges": []})

    def test_runs_of_empty_and_missing_workflow(self):
        out = self.assertRawOk(self.server.call("GetWorkflowRuns", {"Name": self.wf_empty}), "GetWorkflowRuns")
        self.assertEqual(out.get("Runs"), [])
        self.assertNotIn("NextToken", out)
        self.assertClientError("EntityNotFoundException", self.glue.get_workflow_runs, Name="runs-no-such")
        self.assertRawError(self.server.call("GetWorkflowRuns", {}), "InvalidInputException", "Name")

    def test_runs_token_bound_to_its_listing(self):
        tok = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=5)["NextToken"]
        # another workflow's run listing
        self.assertClientError("InvalidInputException", self.glue.get_workflow_runs, Name=self.wf_detail,
                               NextToken=tok, member="NextToken")
        # another operation
        self.assertClientError("InvalidInputException", self.glue.list_workflows, NextToken=tok, member="NextToken")
        wtok = self.glue.list_workflows(MaxResults=1)["NextToken"]
        self.assertClientError("InvalidInputException", self.glue.get_workflow_runs, Name=self.wf_many,
                               NextToken=wtok, member="NextToken")

    def test_runs_token_forged(self):
        tok = self.glue.get_workflow_runs(Name=self.wf_many, MaxResults=5)["NextToken"]
        mid = len(tok) // 2
        flipped = tok[:mid] + ("A" if tok[mid] != "A" else "B") + tok[mid + 1:]
        for bad in ("garbage", tok[:-3], flipped, tok + "x"):
            with self.subTest(token=bad[:20]):
                self.assertClientError("InvalidInputException", self.glue.get_workflow_runs, Name=self.wf_many,
                                       NextToken=bad, member="NextToken")

    # ---- run properties ------------------------------------------------------------------------
    def props(self, rid, name=None):
        raw = self.server.call("GetWorkflowRunProperties", {"Name": name or self.wf_props, "RunId": rid})
        return self.assertRawOk(raw, "GetWorkflowRunProperties")["RunProperties"]

    def put(self, rid, props, name=None):
        raw = self.server.call("PutWorkflowRunProperties",
                               {"Name": name or self.wf_props, "RunId": rid, "RunProperties": props})
        self.assertEqual(self.assertRawOk(raw, "PutWorkflowRunProperties"), {})

    def test_get_run_properties(self):
        self.assertEqual(self.props(self.d_completed, self.wf_detail), {"a": "1", "b": "x\ny"})
        self.assertEqual(self.props(self.d_stopped, self.wf_detail), {})
        self.assertEqual(self.props(self.d_error, self.wf_detail), {})

    def test_put_merges(self):
        rid = self.props_ids[0]
        self.put(rid, {"a": "1", "b": "2"})
        self.put(rid, {"b": "20", "c": "3"})
        want = {"seed": "s", "a": "1", "b": "20", "c": "3"}
        self.assertEqual(self.props(rid), want)
        self.assertEqual(self.glue.get_workflow_run(Name=self.wf_props, RunId=rid)["Run"]["WorkflowRunProperties"],
                         want)
        self.put(rid, {})
        self.assertEqual(self.props(rid), want)

    def test_put_on_finished_and_running_runs(self):
        self.put(self.props_ids[1], {"done": "yes"})  # COMPLETED
        self.put(self.props_ids[-1], {"live": "yes"})  # RUNNING
        self.assertEqual(self.props(self.props_ids[1]), {"seed": "s", "done": "yes"})
        self.assertEqual(self.props(self.props_ids[-1]), {"live": "yes"})

    def test_put_touches_only_its_run(self):
        self.put(self.props_ids[2], {"only": "here"})
        self.assertNotIn("only", self.props(self.props_ids[3]))
        self.assertEqual(self.props(self.other_ids[0], self.wf_other), {"o": "1"})

    def test_put_values_free_text_keys_checked(self):
        rid = self.props_ids[3]
        self.put(rid, {"nl": "a\nb", "empty": "", "k" * 255: "v", "emoji": "\U0001F600"})
        got = self.props(rid)
        self.assertEqual((got["nl"], got["empty"], got["k" * 255]), ("a\nb", "", "v"))
        before = self.props(rid)
        for bad in ({"k" * 256: "v"}, {"a\nb": "v"}, {"ok": "v", "bad\x01": "v"}):
            with self.subTest(props=list(bad)[0][:10]):
                self.assertClientError("InvalidInputException", self.glue.put_workflow_run_properties,
                                       Name=self.wf_props, RunId=rid, RunProperties=bad)
        self.assertRawError(self.server.call("PutWorkflowRunProperties",
                                             {"Name": self.wf_props, "RunId": rid, "RunProperties": {"": "v"}}),
                            "InvalidInputException")
        self.assertEqual(self.props(rid), before, "a rejected put changed the properties")

    def test_put_and_get_missing(self):
        g = self.glue
        for fn, extra in ((g.put_workflow_run_properties, {"RunProperties": {"a": "b"}}),
                          (g.get_workflow_run_properties, {})):
            with self.subTest(op=fn.__name__):
                self.assertClientError("EntityNotFoundException", fn, Name=self.wf_props, RunId="wr_" + "f" * 64,
                                       **extra)
                self.assertClientError("EntityNotFoundException", fn, Name="runs-no-such", RunId=self.props_ids[0],
                                       **extra)
                self.assertClientError("EntityNotFoundException", fn, Name=self.wf_props, RunId=self.other_ids[0],
                                       **extra)
        self.assertEqual(self.props(self.other_ids[0], self.wf_other), {"o": "1"})
        self.assertRawError(self.server.call("PutWorkflowRunProperties",
                                             {"Name": self.wf_props, "RunId": self.props_ids[0]}),
                            "InvalidInputException", "RunProperties")

    def test_put_key_count_limit(self):
        rid = self.props_ids[4]  # holds {"seed": "s"}
        self.put(rid, {f"k{i}": "" for i in range(999)})  # 1000 keys in all
        self.assertEqual(len(self.props(rid)), 1000)
        self.put(rid, {"k5": "overwrite"})  # overwriting adds no key
        self.assertClientError("ResourceNumberLimitExceededException", self.glue.put_workflow_run_properties,
                               Name=self.wf_props, RunId=rid, RunProperties={"one-more": ""})
        got = self.props(rid)
        self.assertEqual(len(got), 1000)
        self.assertNotIn("one-more", got)
        self.assertEqual(got["k5"], "overwrite")

    def test_put_size_limit(self):
        rid = self.props_ids[5]  # holds {"seed": "s"}: 5 bytes
        self.put(rid, {"k": "v" * (65536 - 5 - 1)})  # 65536 bytes in all
        self.put(rid, {"k": "w" * (65536 - 5 - 1)})  # same size again
        self.assertClientError("ResourceNumberLimitExceededException", self.glue.put_workflow_run_properties,
                               Name=self.wf_props, RunId=rid, RunProperties={"x": ""})
        self.assertClientError("ResourceNumberLimitExceededException", self.glue.put_workflow_run_properties,
                               Name=self.wf_props, RunId=rid, RunProperties={"k": "w" * 65531})
        got = self.props(rid)
        self.assertEqual(got["k"], "w" * (65536 - 5 - 1))
        self.assertNotIn("x", got)

    def test_size_limit_counts_utf8_bytes(self):
        rid = self.limit_ids[0]  # empty properties
        emoji = "\U0001F600"  # 4 bytes
        self.assertClientError("ResourceNumberLimitExceededException", self.glue.put_workflow_run_properties,
                               Name=self.wf_props, RunId=rid, RunProperties={"k": emoji * 16384})  # 65537 bytes
        self.assertEqual(self.props(rid), {})
        self.put(rid, {"k": emoji * 16383 + "abc"})  # 1 + 65532 + 3 = 65536 bytes
        self.assertEqual(self.props(rid)["k"], emoji * 16383 + "abc")

    def test_limits_apply_to_a_single_put_too(self):
        rid = self.limit_ids[1]  # empty properties
        self.assertClientError("ResourceNumberLimitExceededException", self.glue.put_workflow_run_properties,
                               Name=self.wf_props, RunId=rid, RunProperties={f"k{i}": "" for i in range(1001)})
        self.assertEqual(self.props(rid), {})
        self.put(rid, {f"k{i}": "" for i in range(1000)})
        self.assertEqual(len(self.props(rid)), 1000)

    # ---- DeleteWorkflow and its runs -----------------------------------------------------------
    def test_delete_workflow_deletes_runs(self):
        self.assertEqual(len(self.glue.get_workflow_runs(Name=self.wf_del)["Runs"]), 3)
        self.glue.delete_workflow(Name=self.wf_del)
        self.assertClientError("EntityNotFoundException", self.glue.get_workflow_runs, Name=self.wf_del)
        self.assertClientError("EntityNotFoundException", self.glue.get_workflow_run, Name=self.wf_del,
                               RunId=self.del_ids[0])
        self.glue.create_workflow(Name=self.wf_del)
        self.assertEqual(self.glue.get_workflow_runs(Name=self.wf_del)["Runs"], [])
        self.assertNotIn("LastRun", self.get(self.wf_del))
        self.assertClientError("EntityNotFoundException", self.glue.get_workflow_run_properties, Name=self.wf_del,
                               RunId=self.del_ids[1])


class RunIdSyntaxTest(ServerTestCase):
    def test_run_ids_of_any_shape_are_just_not_found(self):
        name = self.create()
        for rid in ("wr_1", "x", "jr_" + "a" * 64, "\u00e9" * 255):
            with self.subTest(rid=rid[:10]):
                self.assertClientError("EntityNotFoundException", self.glue.get_workflow_run, Name=name, RunId=rid)

    def test_paginator_never_sees_same_token_twice(self):
        for _ in range(3):
            self.create()
        try:
            pages = list(self.glue.get_paginator("list_workflows").paginate(PaginationConfig={"PageSize": 1}))
        except PaginationError as e:  # botocore raises this when a token repeats
            self.fail(f"botocore saw a repeated token: {e}")
        self.assertGreaterEqual(len(pages), 3)


if __name__ == "__main__":
    import unittest
    unittest.main()
