"""The web console's server side over raw HTTP: sessions and anti-forgery tokens, the operations it proxies
(answered exactly as POST / answers them), ListWorkflowSummaries (search and pages), and job run logs (offsets,
tail, download). The pages themselves are driven in a browser by tests/browser."""
import json
import os
import time
import unittest

from tests.api.harness import ServerTestCase


class ConsoleSession:
    """A browser's console session, by hand: the cookie from the page, the token from api/session."""

    def __init__(self, server):
        self.server = server
        r = server.raw(b"", target=None, method="GET", path="/console/")
        assert r.status == 200, r
        self.cookie = r.headers["set-cookie"].split(";")[0]
        s = self.get("/console/api/session")
        self.token = s.json["Token"]

    def get(self, path, headers=None):
        h = {"Cookie": self.cookie}
        h.update(headers or {})
        return self.server.raw(b"", target=None, method="GET", path=path, headers=h)

    def op(self, name, body, headers=None):
        h = {"Cookie": self.cookie, "X-Glued-Token": self.token, "Content-Type": "application/json"}
        h.update(headers or {})
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.server.raw(data, target=None, method="POST", path="/console/api/" + name, headers=h)


class TestConsoleServer(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.s = ConsoleSession(self.server)

    def test_answers_as_the_aws_endpoint(self):
        name = self.create()
        for op, body in [("GetWorkflow", {"Name": name}), ("GetWorkflow", {"Name": "missing-" + name}),
                         ("GetWorkflow", {}), ("ListWorkflows", {"MaxResults": 0}), ("GetWorkflow", b"{not json")]:
            mine = self.s.op(op, body)
            theirs = self.server.call(op, body)
            self.assertEqual(mine.status, theirs.status, op)
            self.assertEqual(mine.json, theirs.json, op)
            self.assertEqual(mine.headers.get("x-amzn-errortype"), theirs.headers.get("x-amzn-errortype"))
            self.assertIn("x-amzn-requestid", mine.headers)
            self.assertEqual(mine.headers["cache-control"], "no-store")
        r = self.s.op("NoSuchOperation", {})
        self.assertEqual((r.status, r.error_type), (400, "UnknownOperationException"))

    def test_state_changes_need_session_token_and_origin(self):
        name = self.uname()
        body = {"Name": name}
        cases = [
            ({"X-Glued-Token": ""}, "InvalidTokenException"),
            ({"X-Glued-Token": self.s.token[:-1] + ("A" if self.s.token[-1] != "A" else "B")}, "InvalidTokenException"),
            ({"Cookie": ""}, "InvalidTokenException"),
            ({"Origin": "http://evil.example"}, "AccessDeniedException"),
            ({"Origin": "null"}, "AccessDeniedException"),
            ({"Sec-Fetch-Site": "cross-site"}, "AccessDeniedException"),
            ({"Sec-Fetch-Site": "same-site"}, "AccessDeniedException"),
        ]
        for headers, err in cases:
            r = self.s.op("CreateWorkflow", body, headers)
            self.assertEqual((r.status, r.error_type), (403, err), headers)
        # another session's token is not this session's
        other = ConsoleSession(self.server)
        r = self.s.op("CreateWorkflow", body, {"X-Glued-Token": other.token})
        self.assertEqual(r.error_type, "InvalidTokenException")
        # a GET never acts
        r = self.s.get("/console/api/CreateWorkflow?Name=" + name, {"X-Glued-Token": self.s.token})
        self.assertEqual(r.status, 405)
        self.assertFalse(self.exists(name))
        # the right request does
        host = "127.0.0.1:%d" % self.server.port
        r = self.s.op("CreateWorkflow", body, {"Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.exists(name))

    def test_session_cookie_and_headers(self):
        r = self.server.raw(b"", target=None, method="GET", path="/console/")
        cookie = r.headers["set-cookie"]
        for part in ("HttpOnly", "SameSite=Strict", "Path=/console"):
            self.assertIn(part, cookie)
        self.assertIn("script-src 'self'", r.headers["content-security-policy"])
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        self.assertEqual(r.headers["x-frame-options"], "DENY")
        # a page load with a valid session keeps it (no new cookie)
        again = self.s.get("/console/")
        self.assertNotIn("set-cookie", again.headers)
        # a forged cookie is replaced by a new session
        forged = self.server.raw(b"", target=None, method="GET", path="/console/",
                                 headers={"Cookie": self.s.cookie[:-4] + "0000"})
        self.assertIn("set-cookie", forged.headers)
        s = self.s.get("/console/api/session")
        self.assertEqual(s.json["AuthRequired"], False)
        self.assertEqual(s.json["SignedIn"], True)
        self.assertEqual(s.json["Token"], self.s.token, "a session's token is stable")

    def test_page_carries_token_and_first_list_page(self):
        evil = "</script><script>alert(1)</script>" + self.uname("x")
        self.glue.create_workflow(Name=evil)
        html = self.s.get("/console/").body.decode()
        import re
        m = re.search(r'<script type="application/json" id="glued-boot">(.*?)</script>', html, re.S)
        self.assertIsNotNone(m, html[:500])
        self.assertEqual(html.count("</script>"), html.count("<script"), "nothing in the data closes an element")
        self.assertNotIn("<script>alert", html)
        boot = json.loads(m.group(1))
        self.assertEqual(boot["Token"], self.s.token)
        self.assertEqual(boot["SignedIn"], True)
        names = [w["Name"] for w in boot["Workflows"]["Workflows"]]
        self.assertIn(evil, names)
        self.assertEqual(self.s.get("/console/").headers["cache-control"], "no-store")

    def test_sign_out_ends_the_session(self):
        name = self.uname()
        old_cookie, old_token = self.s.cookie, self.s.token
        r = self.s.op("logout", {})
        self.assertEqual(r.status, 200, r)
        self.assertIn("set-cookie", r.headers)
        # the old cookie, even kept elsewhere, opens nothing any more
        r = self.s.op("CreateWorkflow", {"Name": name})
        self.assertEqual((r.status, r.error_type), (403, "InvalidTokenException"))
        self.assertFalse(self.exists(name))
        self.assertEqual((old_cookie, old_token), (self.s.cookie, self.s.token))

    def test_redirect_and_unknown_paths(self):
        r = self.server.raw(b"", target=None, method="GET", path="/", headers={"Accept": "text/html"})
        self.assertEqual((r.status, r.headers.get("location")), (302, "/console/"))
        r = self.server.raw(b"", target=None, method="GET", path="/console")
        self.assertEqual((r.status, r.headers.get("location")), (302, "/console/"))
        for path in ("/console/nothing.js", "/console/index.html", "/console/../etc/passwd"):
            r = self.server.raw(b"", target=None, method="GET", path=path)
            self.assertEqual(r.status, 404, path)
        r = self.server.raw(b"{}", target=None, method="POST", path="/console/app.js")
        self.assertEqual(r.status, 405)
        # the internal read is not an AWS operation
        r = self.server.call("ListWorkflowSummaries", {})
        self.assertEqual(r.error_type, "UnknownOperationException")

    def test_assets_by_content_hash(self):
        page = self.s.get("/console/").body.decode()
        import re
        refs = re.findall(r'(?:src|href)="([a-z]+\.(?:js|css|svg))\?v=([0-9a-f]{16})"', page)
        self.assertGreaterEqual(len(refs), 3, page)
        for name, h in refs:
            r = self.s.get("/console/%s?v=%s" % (name, h))
            self.assertEqual(r.status, 200)
            self.assertIn("immutable", r.headers["cache-control"])
            self.assertEqual(r.headers["etag"], '"%s"' % h)
            r2 = self.s.get("/console/" + name, {"If-None-Match": '"%s"' % h})
            self.assertEqual(r2.status, 304)
            r3 = self.s.get("/console/%s?v=0000000000000000" % name)
            self.assertEqual(r3.headers["cache-control"], "no-cache", "a stale hash is not cached for long")

    def test_list_workflow_summaries(self):
        prefix = self.uname("sum")
        names = sorted("%s-%03d" % (prefix, i) for i in range(120))
        for n in names:
            self.glue.create_workflow(Name=n)
        job = self.uname("job")
        self.glue.create_job(Name=job, Role="r", Command={"Name": "shell", "ScriptLocation": "/bin/true"})
        self.glue.create_trigger(Name=self.uname("t"), WorkflowName=names[5], Type="ON_DEMAND",
                                 Actions=[{"JobName": job}])
        run_id = self.glue.start_workflow_run(Name=names[5], RunProperties={"secret": "x"})["RunId"]
        seen, token = [], None
        while True:
            body = {"NameContains": prefix.upper(), "MaxResults": 50}
            if token:
                body["NextToken"] = token
            r = self.s.op("ListWorkflowSummaries", body)
            self.assertEqual(r.status, 200, r)
            page = r.json["Workflows"]
            self.assertLessEqual(len(page), 50)
            seen += page
            token = r.json.get("NextToken")
            if not token:
                break
        self.assertEqual([w["Name"] for w in seen], names, "every match once, in order, the last page has no token")
        last = next(w for w in seen if w["Name"] == names[5])["LastRun"]
        self.assertEqual(last["WorkflowRunId"], run_id)
        self.assertIn("Statistics", last)
        self.assertNotIn("WorkflowRunProperties", last, "a list carries no run properties")
        r = self.s.op("ListWorkflowSummaries", {"NameContains": prefix + "-11", "MaxResults": 100})
        self.assertEqual([w["Name"] for w in r.json["Workflows"]], names[110:120])
        self.assertNotIn("NextToken", r.json)
        # a token belongs to its search
        first = self.s.op("ListWorkflowSummaries", {"NameContains": prefix, "MaxResults": 10})
        r = self.s.op("ListWorkflowSummaries", {"NameContains": "other", "NextToken": first.json["NextToken"]})
        self.assertEqual(r.error_type, "InvalidInputException")
        r = self.s.op("ListWorkflowSummaries", {"MaxResults": 101})
        self.assertEqual(r.error_type, "InvalidInputException")
        self.assertIn("MaxResults", r.message)


class TestConsoleLogs(ServerTestCase):
    def ended_run(self):
        """A job run that wrote two lines to stdout and one to stderr, ended: (job, run id)."""
        script = os.path.join(self.server.base, "talk.sh")
        with open(script, "w") as f:
            f.write('printf "line one\\nline two\\n"\nprintf "oops <b>\\n" >&2\nexit 1\n')
        job = self.uname("job")
        self.glue.create_job(Name=job, Role="r", Command={"Name": "shell", "ScriptLocation": script})
        jr = self.glue.start_job_run(JobName=job)["JobRunId"]
        deadline = time.time() + 20
        while self.glue.get_job_run(JobName=job, RunId=jr)["JobRun"]["JobRunState"] not in ("FAILED", "SUCCEEDED"):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        return job, jr

    def test_log_offsets_tail_and_download(self):
        s = ConsoleSession(self.server)
        job, jr = self.ended_run()
        base = "/console/api/log?job=%s&run=%s" % (job, jr)
        r = s.get(base + "&stream=stdout")
        self.assertEqual((r.status, r.body), (200, b"line one\nline two\n"))
        self.assertEqual((r.headers["x-log-start"], r.headers["x-log-end"], r.headers["x-log-size"]), ("0", "18", "18"))
        self.assertTrue(r.headers["content-type"].startswith("text/plain"))
        r = s.get(base + "&stream=stdout&offset=9")
        self.assertEqual((r.body, r.headers["x-log-start"]), (b"line two\n", "9"))
        r = s.get(base + "&stream=stdout&offset=99")
        self.assertEqual((r.body, r.headers["x-log-start"], r.headers["x-log-end"]), (b"", "18", "18"))
        r = s.get(base + "&stream=stdout&tail=9")
        self.assertEqual(r.body, b"line two\n")
        r = s.get(base + "&stream=stderr&download=1")
        self.assertEqual(r.body, b"oops <b>\n")
        self.assertEqual(r.headers["content-disposition"], 'attachment; filename="%s.stderr.log"' % jr)
        # refusals: a run of another job, a bad stream, no session, another origin
        r = s.get("/console/api/log?job=other&run=%s&stream=stdout" % jr)
        self.assertEqual(r.error_type, "EntityNotFoundException")
        r = s.get(base + "&stream=../../etc/passwd")
        self.assertEqual(r.error_type, "InvalidInputException")
        r = self.server.raw(b"", target=None, method="GET", path=base + "&stream=stdout")
        self.assertEqual((r.status, r.error_type), (403, "InvalidTokenException"))
        r = s.get(base + "&stream=stdout", {"Sec-Fetch-Site": "cross-site"})
        self.assertEqual((r.status, r.error_type), (403, "AccessDeniedException"))
        r = s.get(base + "&stream=stdout", {"Sec-Fetch-Site": "none"})
        self.assertEqual(r.status, 200, "a typed URL or a download reads the log")

    def test_log_refuses_a_bad_offset_or_tail(self):
        """offset and tail are whole numbers of bytes that fit in 63 bits: a negative, non-numeric, empty or
        too large one is refused with 400 and a message naming it (not read as 0 or as the end: an empty 200)."""
        s = ConsoleSession(self.server)
        job, jr = self.ended_run()
        base = "/console/api/log?job=%s&run=%s&stream=stdout" % (job, jr)
        for param in ("offset", "tail"):
            for bad in ("-5", "abc", "", "5x", "+5", "%205", "0x10", "9223372036854775808",
                        "99999999999999999999999"):
                for dl in ("", "&download=1"):
                    r = s.get(base + "&%s=%s%s" % (param, bad, dl))
                    self.assertEqual((r.status, r.error_type), (400, "InvalidInputException"), (param, bad, dl, r))
                    self.assertIn(param, r.message)
                    self.assertIn("whole number", r.message)
            # the largest it takes, and 0
            r = s.get(base + "&%s=9223372036854775807" % param)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, b"" if param == "offset" else b"line one\nline two\n")
            r = s.get(base + "&%s=0" % param)
            self.assertEqual((r.status, r.body), (200, b"line one\nline two\n" if param == "offset" else b""))


if __name__ == "__main__":
    unittest.main()
