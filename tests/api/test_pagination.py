"""ListWorkflows pagination on a server of its own: page sizes, the default page of 25, the last page,
stability while workflows come and go between pages, and tokens that are forged, stale or from elsewhere."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import PaginationError  # noqa: E402

from harness import Glued, ServerTestCase  # noqa: E402


class ListPaginationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = [f"base-{i:03d}" for i in range(40)]
        for n in cls.base:
            cls.glue.create_workflow(Name=n)

    def pages(self, size, **kw):
        out, token = [], None
        while True:
            args = dict(kw)
            if size is not None:
                args["MaxResults"] = size
            if token:
                args["NextToken"] = token
            r = self.glue.list_workflows(**args)
            out.append(r)
            token = r.get("NextToken")
            if not token:
                return out

    def test_default_page_is_25(self):
        raw = self.server.call("ListWorkflows", {})
        out = self.assertRawOk(raw, "ListWorkflows")
        self.assertEqual(len(out["Workflows"]), 25)
        self.assertIsInstance(out["NextToken"], str)
        self.assertTrue(out["NextToken"])

    def test_pages_cover_everything_once_in_order(self):
        total = self.all_workflows()
        for size in (1, 6, 25):
            with self.subTest(size=size):
                pages = self.pages(size)
                names = [n for p in pages for n in p["Workflows"]]
                self.assertEqual(names, total)
                self.assertTrue(all(len(p["Workflows"]) == size for p in pages[:-1]))
                self.assertNotIn("NextToken", pages[-1])
                self.assertGreater(len(pages[-1]["Workflows"]), 0, "an empty last page wastes a call")

    def test_exact_fit_last_page_has_no_token(self):
        total = self.all_workflows()
        n = len(total)
        self.assertGreater(n, 25)
        # n = 25 + k: a page of 25 then exactly k with no token after it
        first = self.glue.list_workflows(MaxResults=25)
        rest = self.glue.list_workflows(MaxResults=n - 25, NextToken=first["NextToken"])
        self.assertEqual(first["Workflows"] + rest["Workflows"], total)
        self.assertNotIn("NextToken", rest)

    def test_varying_page_size_between_pages(self):
        total = self.all_workflows()
        names, token, sizes = [], None, [3, 10, 1, 25, 7] * 40
        for s in sizes:
            r = self.glue.list_workflows(MaxResults=s, **({"NextToken": token} if token else {}))
            names += r["Workflows"]
            token = r.get("NextToken")
            if not token:
                break
        self.assertIsNone(token)
        self.assertEqual(names, total)

    def test_same_token_twice_gives_same_page(self):
        tok = self.glue.list_workflows(MaxResults=5)["NextToken"]
        a = self.glue.list_workflows(MaxResults=5, NextToken=tok)
        b = self.glue.list_workflows(MaxResults=5, NextToken=tok)
        self.assertEqual(a["Workflows"], b["Workflows"])

    def test_botocore_paginator(self):
        try:
            pages = list(self.glue.get_paginator("list_workflows").paginate(PaginationConfig={"PageSize": 4}))
        except PaginationError as e:
            self.fail(f"botocore saw a repeated token: {e}")
        self.assertEqual([n for p in pages for n in p["Workflows"]], self.all_workflows())
        self.assertNotIn("NextToken", pages[-1])

    def test_stable_under_create_and_delete_between_pages(self):
        # Names sorting before, inside and after the pages already read come and go between pages.
        stay = [f"mid-{i:03d}" for i in range(30)]
        doomed = [f"mid-{i:03d}x" for i in range(0, 30, 3)]
        for n in stay + doomed:
            self.glue.create_workflow(Name=n)
        throughout = set(self.all_workflows()) - set(doomed)
        seen, token, step = [], None, 0
        while True:
            r = self.glue.list_workflows(MaxResults=4, **({"NextToken": token} if token else {}))
            seen += r["Workflows"]
            token = r.get("NextToken")
            if not token:
                break
            step += 1
            # churn: new names everywhere in the order, and deletion of the doomed ones and of seen ones
            for n in (f"aaa-new-{step}", f"mid-{step:03d}-new", f"zzz-new-{step}"):
                self.glue.create_workflow(Name=n)
            if doomed:
                self.glue.delete_workflow(Name=doomed.pop())
            if step % 2 == 0 and seen:
                victim = f"aaa-new-{step - 1}"
                self.glue.delete_workflow(Name=victim)
        self.assertEqual(len(seen), len(set(seen)), f"duplicates: {sorted(n for n in seen if seen.count(n) > 1)}")
        missing = throughout - set(seen)
        self.assertEqual(missing, set(), "workflows that existed throughout were skipped")
        self.assertEqual(seen, sorted(seen), "pages must stay in name order")

    def test_deleting_the_last_returned_name_does_not_break_the_token(self):
        for i in range(6):
            self.glue.create_workflow(Name=f"del-{i}")
        # position a token right after del-2
        tok = None
        names = []
        while "del-2" not in names:
            r = self.glue.list_workflows(MaxResults=1, **({"NextToken": tok} if tok else {}))
            names += r["Workflows"]
            tok = r["NextToken"]
        self.glue.delete_workflow(Name="del-2")
        self.glue.delete_workflow(Name="del-3")
        r = self.glue.list_workflows(MaxResults=2, NextToken=tok)
        self.assertEqual(r["Workflows"], ["del-4", "del-5"])

    def test_paging_one_by_one_through_unusual_names(self):
        odd = ["pg-\t-tab", "pg-\U0001F600" * 60, "pg-" + "\u00e9" * 252, "pg-\"quote\\", "pg-/slash", "pg-.",
               "pg-" + "z" * 252]
        for n in odd:
            self.glue.create_workflow(Name=n)
        names, token = [], None
        while True:
            r = self.glue.list_workflows(MaxResults=1, **({"NextToken": token} if token else {}))
            names += r["Workflows"]
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual([n for n in names if n.startswith("pg-")], sorted(odd))
        self.assertEqual(names, self.all_workflows())

    def test_tokens_forged_truncated_modified(self):
        tok = self.glue.list_workflows(MaxResults=3)["NextToken"]
        mid = len(tok) // 2
        flipped = tok[:mid] + ("A" if tok[mid] != "A" else "B") + tok[mid + 1:]
        bads = ["x", "garbage-token", tok[: len(tok) // 2], tok[:-1], flipped, tok + tok, " " + tok,
                "\u00e9" * 40, "A" * 5000]
        for bad in bads:
            with self.subTest(token=bad[:16]):
                self.assertClientError("InvalidInputException", self.glue.list_workflows, NextToken=bad,
                                       member="NextToken")
        self.assertStillServes()

    def test_token_of_wrong_json_type(self):
        r = self.server.call("ListWorkflows", {"NextToken": 5})
        self.assertRawError(r, "SerializationException")
        r = self.server.call("ListWorkflows", {"MaxResults": "5"})
        self.assertRawError(r, "SerializationException")

    def test_token_from_another_server_is_rejected(self):
        other = Glued()
        try:
            other.start()
            c = other.client()
            for i in range(3):
                c.create_workflow(Name=f"other-{i}")
            foreign = c.list_workflows(MaxResults=1)["NextToken"]
            other.stop_ok()
        finally:
            other.cleanup()
        self.assertClientError("InvalidInputException", self.glue.list_workflows, NextToken=foreign,
                               member="NextToken")


class ScopedTokenTest(ServerTestCase):
    """A token names its listing with the whole workflow or job name, however many bytes the name takes."""

    def test_run_tokens_do_not_cross_long_names_sharing_a_prefix(self):
        # 200 two-byte characters: 400 bytes of UTF-8, the same up to the last character
        a, b = "\u00e9" * 200 + "A", "\u00e9" * 200 + "B"
        for name in (a, b):
            self.glue.create_job(Name=name, Role="R", Command={"Name": "pythonshell",
                                                                "ScriptLocation": "/nonexistent/x.py"},
                                 ExecutionProperty={"MaxConcurrentRuns": 10})
            self.glue.create_workflow(Name=name)
            self.glue.create_trigger(Name=self.uname("start"), WorkflowName=name, Type="ON_DEMAND",
                                     Actions=[{"JobName": name}])
        for _ in range(2):
            for name in (a, b):
                self.glue.start_job_run(JobName=name)
                self.glue.start_workflow_run(Name=name)
        tok = self.glue.get_job_runs(JobName=a, MaxResults=1)["NextToken"]
        self.assertClientError("InvalidInputException", self.glue.get_job_runs, JobName=b, NextToken=tok,
                               member="NextToken")
        tok = self.glue.get_workflow_runs(Name=a, MaxResults=1)["NextToken"]
        self.assertClientError("InvalidInputException", self.glue.get_workflow_runs, Name=b, NextToken=tok,
                               member="NextToken")


class EmptyListTest(ServerTestCase):
    def test_empty_server_lists_nothing_without_token(self):
        out = self.assertRawOk(self.server.call("ListWorkflows", {}), "ListWorkflows")
        self.assertEqual(out.get("Workflows"), [])
        self.assertNotIn("NextToken", out)

    def test_exactly_one_page(self):
        names = [f"one-{i:02d}" for i in range(25)]
        for n in names:
            self.glue.create_workflow(Name=n)
        out = self.glue.list_workflows()
        self.assertEqual(out["Workflows"], names)
        self.assertNotIn("NextToken", out)


if __name__ == "__main__":
    import unittest
    unittest.main()
