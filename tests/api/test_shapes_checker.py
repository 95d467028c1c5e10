"""The shape checker itself (no server): it must catch what strict clients choke on, or every
'matches the model' assertion in this suite would be vacuous."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import shapes  # noqa: E402

GOOD_RUN = {"Name": "w", "WorkflowRunId": "wr_" + "a" * 64, "WorkflowRunProperties": {"a": "1"},
            "StartedOn": 1700000000.5, "Status": "COMPLETED",
            "Statistics": {"TotalActions": 1, "SucceededActions": 1},
            "StartingEventBatchCondition": {"BatchSize": 1, "BatchWindow": 900}}


class ShapeCheckerTest(unittest.TestCase):
    def bad(self, op, body, needle):
        p = shapes.problems_for(op, body)
        self.assertTrue(any(needle in x for x in p), f"expected a problem mentioning {needle!r}, got {p}")

    def test_good_answers_pass(self):
        self.assertEqual(shapes.problems_for("GetWorkflowRun", {"Run": GOOD_RUN}), [])
        self.assertEqual(shapes.problems_for("ListWorkflows", b'{"Workflows":["a","b"],"NextToken":"t"}'), [])
        self.assertEqual(shapes.problems_for("PutWorkflowRunProperties", "{}"), [])
        wf = {"Name": "w", "CreatedOn": 1, "LastModifiedOn": 2.25, "MaxConcurrentRuns": 3, "LastRun": GOOD_RUN,
              "Graph": {"Nodes": [], "Edges": []}}
        self.assertEqual(shapes.problems_for("GetWorkflow", {"Workflow": wf}), [])

    def test_catches_each_kind_of_mistake(self):
        self.bad("ListWorkflows", {"Workflows": ["a"], "NextToken": None}, "null")
        self.bad("ListWorkflows", {"Workflows": ["a"], "Extra": 1}, "unknown member")
        self.bad("ListWorkflows", {"Workflows": "a"}, "expected array")
        self.bad("ListWorkflows", {"Workflows": [1]}, "expected string")
        self.bad("GetWorkflow", {"Workflow": {"Name": "w", "CreatedOn": "2020-01-01T00:00:00Z"}}, "timestamp")
        self.bad("GetWorkflow", {"Workflow": {"Name": "w", "CreatedOn": True}}, "timestamp")
        self.bad("GetWorkflow", {"Workflow": {"Name": "w", "MaxConcurrentRuns": 1.5}}, "integer")
        self.bad("GetWorkflow", {"Workflow": {"Name": "w", "MaxConcurrentRuns": True}}, "integer")
        self.bad("GetWorkflow", {"Workflow": {"Name": "w", "MaxConcurrentRuns": 2 ** 31}}, "range")
        self.bad("GetWorkflow", {"Workflow": {"Name": ""}}, "shorter")
        self.bad("GetWorkflow", {"Workflow": {"Name": "a\nb"}}, "single-line")
        self.bad("GetWorkflowRun", {"Run": dict(GOOD_RUN, Status="FAILED")}, "not one of")
        self.bad("GetWorkflowRun", {"Run": dict(GOOD_RUN, WorkflowRunProperties={"a": 1})}, "expected string")
        self.bad("GetWorkflowRun", {"Run": dict(GOOD_RUN, Statistics={"TotalActions": "1"})}, "integer")
        self.bad("GetWorkflowRunProperties", {"RunProperties": []}, "map")
        self.bad("PutWorkflowRunProperties", {"x": 1}, "unknown member")
        self.bad("GetTags", b"not json", "not JSON")

    def test_error_bodies(self):
        self.assertEqual(shapes.error_problems(b'{"__type":"InvalidInputException","Message":"Name is bad"}'), [])
        self.assertTrue(shapes.error_problems(b'{"__type":"X"}'))
        self.assertTrue(shapes.error_problems(b'{"Message":"m"}'))
        self.assertTrue(shapes.error_problems(b'{"__type":"X","Message":"m","Other":null}'))


if __name__ == "__main__":
    unittest.main()
