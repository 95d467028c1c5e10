"""Every validation edge of the workflow operations: names, descriptions, run-property keys, tags,
MaxConcurrentRuns. A rejected request is InvalidInputException naming the member, and stores nothing."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, arn  # noqa: E402

EMOJI = "\U0001F600"  # 4 bytes in UTF-8, 2 UTF-16 units, 1 code point


class NameTest(ServerTestCase):
    def _valid(self, name):
        self.assertEqual(self.glue.create_workflow(Name=name)["Name"], name)
        self.assertEqual(self.get(name)["Name"], name)
        self.assertEqual(self.glue.batch_get_workflows(Names=[name])["Workflows"][0]["Name"], name)
        self.glue.delete_workflow(Name=name)
        self.assertFalse(self.exists(name))

    def _invalid(self, name, codes=("InvalidInputException",)):
        before = self.all_workflows()
        r = self.server.call("CreateWorkflow", {"Name": name})
        self.assertIn(r.error_type, codes, f"{name!r:.80}: {r!r}")
        self.assertRawError(r, r.error_type)
        if r.error_type == "InvalidInputException":
            self.assertMessageNames(r.message, "Name")
        self.assertEqual(self.all_workflows(), before, "a rejected create stored something")

    def test_empty_name(self):
        self._invalid("")

    def test_one_char(self):
        self._valid("z")
        self._valid("\u2603")
        self._valid(EMOJI)

    def test_255_ascii_ok_256_rejected(self):
        base = self.uname()
        self._valid(base + "x" * (255 - len(base)))
        self._invalid(base + "x" * (256 - len(base)))

    def test_255_four_byte_emoji_ok_256_rejected(self):
        self._valid(EMOJI * 254 + self.uname()[-1])
        self._invalid(EMOJI * 256)

    def test_errors_that_name_a_long_multibyte_workflow(self):
        # a message quoting a 1020-byte name must stay valid UTF-8 (and the server alive)
        name = EMOJI * 255
        checks = [("GetWorkflow", {"Name": name}, "EntityNotFoundException"),
                  ("UpdateWorkflow", {"Name": name, "Description": "x"}, "EntityNotFoundException"),
                  ("GetWorkflowRuns", {"Name": name}, "EntityNotFoundException"),
                  ("GetWorkflowRun", {"Name": name, "RunId": EMOJI * 255}, "EntityNotFoundException"),
                  ("GetWorkflowRunProperties", {"Name": name, "RunId": EMOJI * 255}, "EntityNotFoundException"),
                  ("CreateWorkflow", {"Name": name}, None),
                  ("CreateWorkflow", {"Name": name}, "AlreadyExistsException"),
                  ("GetWorkflowRun", {"Name": name, "RunId": EMOJI * 255}, "EntityNotFoundException"),
                  ("DeleteWorkflow", {"Name": name}, None)]
        for op, body, code in checks:
            with self.subTest(op=op, code=code):
                r = self.server.call(op, body)
                if r is None:  # the server died: note it, start it again for the next case
                    self.server.proc.wait(10)
                    self.server.take_sanitizer_report()
                    self.server.start()
                    type(self).glue = self.server.client()
                if code is None:
                    self.assertRawOk(r, op)
                else:
                    self.assertRawError(r, code)

    def test_255_two_byte_chars_ok(self):
        self._valid("\u00e9" * 250 + self.uname()[-5:])

    def test_emoji_name_sent_as_raw_utf8(self):
        name = EMOJI * 200 + self.uname()[-6:]
        r = self.server.call("CreateWorkflow", {"Name": name})  # harness sends raw UTF-8 (ensure_ascii=False)
        self.assertEqual(self.assertRawOk(r, "CreateWorkflow"), {"Name": name})
        self.assertEqual(self.get(name)["Name"], name)

    def test_c0_control_characters_rejected(self):
        for c in ["\x01", "\x08", "\n", "\r", "\x0b", "\x0c", "\x1b", "\x1f"]:
            with self.subTest(char=hex(ord(c))):
                self._invalid("bad" + c + "name")

    def test_nul_rejected(self):
        self._invalid("bad\x00name", codes=("InvalidInputException", "SerializationException"))

    def test_tab_allowed(self):
        self._valid("tab\there" + self.uname()[-6:])

    def test_u_fffe_ffff_rejected(self):
        for c in ["\ufffe", "\uffff"]:
            with self.subTest(char=hex(ord(c))):
                self._invalid("bad" + c)
                # also as a JSON escape, the way botocore sends it
                r = self.server.call("CreateWorkflow", '{"Name":"bad\\u%04x"}' % ord(c))
                self.assertRawError(r, "InvalidInputException", "Name")

    def test_pattern_edges_allowed(self):
        # the model's single-line pattern: U+0020-U+D7FF, U+E000-U+FFFD, supplementary planes, TAB
        for c in ["\x7f", "\x85", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010FFFF", " "]:
            with self.subTest(char=hex(ord(c))):
                self._valid("edge" + c + self.uname()[-6:])

    def test_invalid_name_on_every_operation(self):
        long = "n" * 256
        g = self.glue
        calls = [
            (g.get_workflow, {"Name": long}), (g.update_workflow, {"Name": long}),
            (g.delete_workflow, {"Name": long}),
            (g.get_workflow_runs, {"Name": long}), (g.get_workflow_run, {"Name": long, "RunId": "wr_1"}),
            (g.get_workflow_run_properties, {"Name": long, "RunId": "wr_1"}),
            (g.put_workflow_run_properties, {"Name": long, "RunId": "wr_1", "RunProperties": {"a": "b"}}),
            (g.get_workflow, {"Name": "a\nb"}), (g.delete_workflow, {"Name": "a\x01b"}),
        ]
        for fn, kw in calls:
            with self.subTest(op=fn.__name__, name=kw["Name"][:8]):
                self.assertClientError("InvalidInputException", fn, member="Name", **kw)


class DescriptionTest(ServerTestCase):
    def test_120000_ok_120001_rejected(self):
        name = self.create(Description="d" * 120000)
        self.assertEqual(len(self.get(name)["Description"]), 120000)
        bad = self.uname()
        self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                               Description="d" * 120001, member="Description")
        self.assertFalse(self.exists(bad))

    def test_120000_emoji_are_characters_not_bytes(self):
        name = self.create(Description=EMOJI * 120000)
        self.assertEqual(self.get(name)["Description"], EMOJI * 120000)

    def test_empty_and_multiline_description(self):
        name = self.create(Description="line1\r\nline2\ttab")
        self.assertEqual(self.get(name)["Description"], "line1\r\nline2\ttab")
        name2 = self.create(Description="")
        self.assertEqual(self.get(name2).get("Description", ""), "")


class RunPropertiesKeyTest(ServerTestCase):
    def test_key_255_ok_256_rejected(self):
        k = "k" * 255
        name = self.create(DefaultRunProperties={k: "v"})
        self.assertEqual(self.get(name)["DefaultRunProperties"], {k: "v"})
        bad = self.uname()
        self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                               DefaultRunProperties={"k" * 256: "v"})
        self.assertFalse(self.exists(bad))

    def test_empty_key_rejected(self):
        bad = self.uname()
        r = self.server.call("CreateWorkflow", {"Name": bad, "DefaultRunProperties": {"": "v"}})
        self.assertRawError(r, "InvalidInputException", "DefaultRunProperties")
        self.assertFalse(self.exists(bad))

    def test_control_char_key_rejected(self):
        for k in ["a\nb", "a\x01b", "a\ufffeb"]:
            with self.subTest(key=k):
                bad = self.uname()
                self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                                       DefaultRunProperties={k: "v"})
                self.assertFalse(self.exists(bad))

    def test_values_are_free_text(self):
        props = {"nl": "a\nb\r\n", "ctl": "\x01\x1f", "empty": "", "big": "v" * 10000, "emoji": EMOJI}
        name = self.create(DefaultRunProperties=props)
        self.assertEqual(self.get(name)["DefaultRunProperties"], props)


class TagValidationTest(ServerTestCase):
    def test_50_tags_ok_51_rejected(self):
        tags = {f"k{i}": f"v{i}" for i in range(50)}
        name = self.create(Tags=tags)
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], tags)
        bad = self.uname()
        self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                               Tags=dict(tags, k50="v"), member="Tags")
        self.assertFalse(self.exists(bad))

    def test_key_128_ok_129_rejected(self):
        name = self.create(Tags={"k" * 128: "v"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"k" * 128: "v"})
        bad = self.uname()
        self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                               Tags={"k" * 129: "v"})
        self.assertFalse(self.exists(bad))

    def test_value_256_ok_257_rejected(self):
        name = self.create(Tags={"k": "v" * 256, "e": ""})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"k": "v" * 256, "e": ""})
        bad = self.uname()
        self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=bad,
                               Tags={"k": "v" * 257})
        self.assertFalse(self.exists(bad))

    def test_empty_tag_key_rejected(self):
        bad = self.uname()
        r = self.server.call("CreateWorkflow", {"Name": bad, "Tags": {"": "v"}})
        self.assertRawError(r, "InvalidInputException", "Tag")
        self.assertFalse(self.exists(bad))


class MaxConcurrentRunsTest(ServerTestCase):
    def test_bounds(self):
        for ok in (1, 2147483647):
            name = self.create(MaxConcurrentRuns=ok)
            self.assertEqual(self.get(name)["MaxConcurrentRuns"], ok)
        for bad in (0, -1, -2147483648, 2147483648, 10 ** 18):
            with self.subTest(value=bad):
                name = self.uname()
                self.assertClientError("InvalidInputException", self.glue.create_workflow, Name=name,
                                       MaxConcurrentRuns=bad, member="MaxConcurrentRuns")
                self.assertFalse(self.exists(name))

    def test_update_bounds(self):
        name = self.create(MaxConcurrentRuns=5)
        self.glue.update_workflow(Name=name, MaxConcurrentRuns=2147483647)
        self.assertEqual(self.get(name)["MaxConcurrentRuns"], 2147483647)
        self.assertClientError("InvalidInputException", self.glue.update_workflow, Name=name,
                               MaxConcurrentRuns=-5, member="MaxConcurrentRuns")
        self.assertEqual(self.get(name)["MaxConcurrentRuns"], 2147483647)


if __name__ == "__main__":
    import unittest
    unittest.main()
