"""Bad input over raw HTTP. Each case: the right error type and status, an x-amzn-RequestId, the server still
serves afterwards, and nothing stored changed."""

import http.client
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase  # noqa: E402

MIB4 = 4 * 1024 * 1024


class RawHttpTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.glue.create_workflow(Name="raw-existing", Description="keep me", MaxConcurrentRuns=2)

    def snapshot(self):
        names = self.all_workflows()
        docs = self.glue.batch_get_workflows(Names=names[:25])["Workflows"] if names else []
        return names, sorted(json.dumps(d, default=str, sort_keys=True) for d in docs)

    def expect(self, body, error, target="AWSGlue.CreateWorkflow", headers=None, member=None):
        before = self.snapshot()
        r = self.server.raw(body, target=target, headers=headers)
        self.assertRawError(r, error, member)
        self.assertStillServes()
        self.assertEqual(self.snapshot(), before, "a rejected request changed stored data")
        return r

    # ---- targets ---------------------------------------------------------------------------------
    def test_unknown_operation(self):
        for target in ("AWSGlue.NoSuchOperation", "AWSGlue.", "AWSGlue", "Foo.CreateWorkflow", "",
                       "AWSGlue.CreateWorkflowX", "AWSGlue.createworkflow"):
            with self.subTest(target=target):
                self.expect('{"Name":"raw-unknown-op"}', "UnknownOperationException", target=target)
        # a Glue operation glued does not serve is named as such
        r = self.expect("{}", "UnknownOperationException", target="AWSGlue.GetMLTransforms")
        self.assertIn("GetMLTransforms is not an operation glued serves", r.message)

    def test_missing_target(self):
        self.expect('{"Name":"raw-no-target"}', "UnknownOperationException", target=None)

    def test_target_header_is_case_insensitive(self):
        r = self.server.raw('{"Name":"raw-existing"}', target=None, headers={"x-amz-target": "AWSGlue.GetWorkflow"})
        self.assertEqual(self.assertRawOk(r, "GetWorkflow")["Workflow"]["Name"], "raw-existing")

    # ---- JSON syntax -----------------------------------------------------------------------------
    def test_malformed_json(self):
        for body in ('{"Name":', '{"Name":"raw-x"', "{Name: 'raw-x'}", '{"Name":"raw-x",}', '{"Name":"raw-x"}x',
                     '{"Name":"raw-x"}{}', "{'Name':'raw-x'}", "\x00", "nul", '{"Name":"raw-\\x"}'):
            with self.subTest(body=body):
                self.expect(body, "SerializationException")

    def test_invalid_utf8(self):
        for body in (b'{"Name":"raw-\xff"}', b'{"Name":"raw-\xc0\xaf"}', b'{"Name":"raw-\xed\xa0\x80"}',
                     b'{"Name":"raw-\xf4\x90\x80\x80"}', b'{"Name":"raw-\xe2\x82"}', b'\xef\xbb\xbf{"Name":"raw-bom"}'):
            with self.subTest(body=body):
                self.expect(body, "SerializationException")

    def test_lone_surrogates(self):
        for esc in ("\\ud800", "\\udc00", "\\ud83d x", "\\ude00\\ud83d"):
            with self.subTest(esc=esc):
                self.expect('{"Name":"raw-%s"}' % esc, "SerializationException")

    def test_not_an_object(self):
        for body in ("[]", '["raw-x"]', '"raw-x"', "1", "null", "true", " "):
            with self.subTest(body=body):
                self.expect(body, "SerializationException")

    def test_empty_body(self):
        self.expect(b"", "SerializationException")
        self.expect(b"", "SerializationException", target="AWSGlue.ListWorkflows")

    def test_deep_nesting(self):
        deep65 = '{"Name":"raw-deep","DefaultRunProperties":{"a":' + "[" * 63 + "]" * 63 + "}}"
        self.expect(deep65, "SerializationException")
        # 65 levels in a member glued does not know: still refused by depth alone
        self.expect('{"Name":"raw-deep2","Extra":' + "[" * 64 + "]" * 64 + "}", "SerializationException")
        # 64 levels is within the limit: whatever the answer, it is not a parse error
        r = self.server.raw('{"Name":"raw-deep3","Extra":' + "[" * 63 + "]" * 63 + "}",
                            target="AWSGlue.GetWorkflow")
        self.assertNotEqual(r.error_type, "SerializationException", r)
        self.expect("[" * 100000, "SerializationException")
        self.expect('{"a":' * 50000 + "1" + "}" * 50000, "SerializationException")

    # ---- member types ----------------------------------------------------------------------------
    def test_wrong_member_types(self):
        cases = [
            ("AWSGlue.CreateWorkflow", '{"Name":5}'),
            ("AWSGlue.CreateWorkflow", '{"Name":true}'),
            ("AWSGlue.CreateWorkflow", '{"Name":["raw-t"]}'),
            ("AWSGlue.CreateWorkflow", '{"Name":{"a":"b"}}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t1","MaxConcurrentRuns":1.5}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t2","MaxConcurrentRuns":"3"}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t3","MaxConcurrentRuns":true}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t4","MaxConcurrentRuns":3.0}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t5","MaxConcurrentRuns":1e2}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t6","Description":7}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t7","Tags":["a"]}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t8","Tags":{"a":1}}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t9","DefaultRunProperties":{"a":false}}'),
            ("AWSGlue.CreateWorkflow", '{"Name":"raw-t10","DefaultRunProperties":"a=b"}'),
            ("AWSGlue.GetWorkflow", '{"Name":"raw-existing","IncludeGraph":"true"}'),
            ("AWSGlue.GetWorkflow", '{"Name":"raw-existing","IncludeGraph":1}'),
            ("AWSGlue.ListWorkflows", '{"MaxResults":"5"}'),
            ("AWSGlue.ListWorkflows", '{"MaxResults":2.5}'),
            ("AWSGlue.ListWorkflows", '{"NextToken":5}'),
            ("AWSGlue.BatchGetWorkflows", '{"Names":"raw-existing"}'),
            ("AWSGlue.BatchGetWorkflows", '{"Names":[1]}'),
            ("AWSGlue.UpdateWorkflow", '{"Name":"raw-existing","MaxConcurrentRuns":"9"}'),
            ("AWSGlue.UpdateWorkflow", '{"Name":"raw-existing","Description":["x"]}'),
            ("AWSGlue.DeleteWorkflow", '{"Name":1}'),
            ("AWSGlue.GetWorkflowRuns", '{"Name":"raw-existing","MaxResults":"1"}'),
            ("AWSGlue.PutWorkflowRunProperties", '{"Name":"raw-existing","RunId":"wr_1","RunProperties":["a"]}'),
            ("AWSGlue.TagResource", '{"ResourceArn":1,"TagsToAdd":{}}'),
            ("AWSGlue.UntagResource",
             '{"ResourceArn":"arn:aws:glue:us-east-1:123456789012:workflow/raw-existing","TagsToRemove":"a"}'),
        ]
        for target, body in cases:
            with self.subTest(target=target, body=body):
                self.expect(body, "SerializationException", target=target)
        for n in ("raw-t1", "raw-t2", "raw-t3", "raw-t4", "raw-t5"):
            self.assertFalse(self.exists(n))
        wf = self.get("raw-existing")
        self.assertEqual((wf["Description"], wf["MaxConcurrentRuns"]), ("keep me", 2))

    def test_missing_required_member(self):
        self.expect("{}", "InvalidInputException", member="Name")
        self.expect("{}", "InvalidInputException", target="AWSGlue.GetWorkflow", member="Name")
        self.expect('{"Description":"x"}', "InvalidInputException", target="AWSGlue.UpdateWorkflow", member="Name")

    # ---- size ------------------------------------------------------------------------------------
    def test_body_over_4_mib(self):
        head, tail = b'{"Name":"raw-big","DefaultRunProperties":{"k":"', b'"}}'
        body = head + b"v" * (MIB4 + 1 - len(head) - len(tail))
        self.assertEqual(len(body + tail), MIB4 + 1)
        r = self.expect(body + tail, "InvalidInputException")
        self.assertRegex(r.message, r"4\s*MiB|4194304|4\s*MB|4096\s*KiB", "the message should state the limit")
        self.assertFalse(self.exists("raw-big"))

    def test_body_of_exactly_4_mib_is_accepted(self):
        head, tail = b'{"Name":"raw-4mib"', b"}"
        body = head + b" " * (MIB4 - len(head) - len(tail)) + tail
        self.assertEqual(len(body), MIB4)
        r = self.server.raw(body, target="AWSGlue.CreateWorkflow")
        self.assertEqual(self.assertRawOk(r, "CreateWorkflow"), {"Name": "raw-4mib"})

    def test_body_of_8_mib_is_refused_and_not_stored(self):
        body = b'{"Name":"raw-8mib","Description":"' + b"d" * (8 * MIB4 // 4) + b'"}'
        r = self.expect(body, "InvalidInputException")
        self.assertRegex(r.message, r"4\s*MiB|4194304|4\s*MB|4096\s*KiB")
        self.assertFalse(self.exists("raw-8mib"))

    def test_announced_huge_upload_is_refused_before_it_is_read(self):
        # announce 1 GiB: the answer comes at once, before the body is read, and others are still served
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
        try:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.CreateWorkflow\r\n"
                      b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 1073741824\r\n\r\n{\"Name\":")
            answer = b""
            while b"\r\n\r\n" not in answer or b"}" not in answer.split(b"\r\n\r\n", 1)[1]:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 400"), head)
            self.assertIn(b"InvalidInputException", body)
            self.assertIn(b"limit", body)
            self.assertStillServes()
        finally:
            s.close()
        self.assertStillServes()
        self.assertFalse(self.exists("x"))

    # ---- protocol details ------------------------------------------------------------------------
    def test_every_answer_has_a_distinct_request_id(self):
        ids = set()
        for body, target in (('{"Name":"raw-existing"}', "AWSGlue.GetWorkflow"), ("{", "AWSGlue.GetWorkflow"),
                             ("{}", "AWSGlue.Nope"), ('{"Name":"raw-existing"}', "AWSGlue.GetWorkflow")):
            r = self.server.raw(body, target=target)
            rid = r.headers.get("x-amzn-requestid")
            self.assertTrue(rid, f"no x-amzn-RequestId on {r!r}")
            ids.add(rid)
        self.assertEqual(len(ids), 4)

    def test_success_content_type(self):
        r = self.server.call("GetWorkflow", {"Name": "raw-existing"})
        self.assertRawOk(r, "GetWorkflow")
        self.assertEqual(r.headers.get("content-type", "").split(";")[0].strip(), "application/x-amz-json-1.1")

    def test_unsigned_request_is_served(self):
        r = self.server.call("GetWorkflow", {"Name": "raw-existing"}, headers={})
        self.assertEqual(r.status, 200)

    def test_keep_alive_connection_serves_many(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        try:
            for i in range(5):
                conn.request("POST", "/", body=b'{"Name":"raw-existing"}',
                             headers={"X-Amz-Target": "AWSGlue.GetWorkflow",
                                      "Content-Type": "application/x-amz-json-1.1"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                self.assertEqual(json.loads(r.read())["Workflow"]["Name"], "raw-existing")
        finally:
            conn.close()

    def test_garbage_bytes_on_the_socket(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        try:
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200) + b"\r\n\r\n")
            try:
                s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                pass
        finally:
            s.close()
        self.assertStillServes()


if __name__ == "__main__":
    import unittest
    unittest.main()
