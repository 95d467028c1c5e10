"""TagResource, UntagResource and GetTags on workflow ARNs."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, arn  # noqa: E402


class TagsTest(ServerTestCase):
    def test_tags_from_create_are_visible(self):
        name = self.create(Tags={"a": "1", "b": ""})
        raw = self.server.call("GetTags", {"ResourceArn": arn(name)})
        self.assertEqual(self.assertRawOk(raw, "GetTags"), {"Tags": {"a": "1", "b": ""}})

    def test_no_tags_is_empty_map(self):
        name = self.create()
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {})

    def test_tag_resource_merges_and_overwrites(self):
        name = self.create(Tags={"a": "1", "b": "2"})
        raw = self.server.call("TagResource", {"ResourceArn": arn(name), "TagsToAdd": {"b": "20", "c": "3"}})
        self.assertEqual(self.assertRawOk(raw, "TagResource"), {})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"a": "1", "b": "20", "c": "3"})

    def test_untag_removes_only_named_keys(self):
        name = self.create(Tags={"a": "1", "b": "2", "c": "3"})
        raw = self.server.call("UntagResource", {"ResourceArn": arn(name), "TagsToRemove": ["a", "c", "nope"]})
        self.assertEqual(self.assertRawOk(raw, "UntagResource"), {})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"b": "2"})

    def test_tags_do_not_leak_between_workflows(self):
        a = self.create(Tags={"x": "a"})
        b = self.create()
        self.glue.tag_resource(ResourceArn=arn(b), TagsToAdd={"y": "b"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(a))["Tags"], {"x": "a"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(b))["Tags"], {"y": "b"})

    def test_name_with_slash_in_arn(self):
        name = self.uname("with/slash")
        self.create(name, Tags={"k": "v"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"k": "v"})
        self.glue.tag_resource(ResourceArn=arn(name), TagsToAdd={"k2": "v2"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"k": "v", "k2": "v2"})

    def test_missing_workflow_is_entity_not_found(self):
        m = arn(self.uname("missing"))
        self.assertClientError("EntityNotFoundException", self.glue.get_tags, ResourceArn=m)
        self.assertClientError("EntityNotFoundException", self.glue.tag_resource, ResourceArn=m, TagsToAdd={"a": "b"})
        self.assertClientError("EntityNotFoundException", self.glue.untag_resource, ResourceArn=m,
                               TagsToRemove=["a"])

    def test_malformed_arn_is_invalid_input(self):
        name = self.create()
        for bad in ["not-an-arn", "arn:aws:s3:::bucket", f"arn:aws:glue:us-east-1:123456789012:{name}",
                    "arn:aws:glue:us-east-1:123456789012:workflow/", "arn:aws:glue"]:
            with self.subTest(arn=bad):
                self.assertClientError("InvalidInputException", self.glue.get_tags, ResourceArn=bad,
                                       member="ResourceArn")
                self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=bad,
                                       TagsToAdd={"a": "b"}, member="ResourceArn")
                self.assertClientError("InvalidInputException", self.glue.untag_resource, ResourceArn=bad,
                                       TagsToRemove=["a"], member="ResourceArn")
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {})

    def test_more_than_50_after_merge_is_invalid_and_changes_nothing(self):
        tags = {f"k{i}": "v" for i in range(45)}
        name = self.create(Tags=tags)
        self.glue.tag_resource(ResourceArn=arn(name), TagsToAdd={f"k{i}": "w" for i in range(40, 50)})
        merged = dict(tags, **{f"k{i}": "w" for i in range(40, 50)})
        self.assertEqual(len(merged), 50)
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], merged)
        self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=arn(name),
                               TagsToAdd={"k50": "x"}, member="Tags")
        self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=arn(name),
                               TagsToAdd={"k0": "changed", "k51": "x"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], merged)
        # overwriting existing keys at the limit is fine
        self.glue.tag_resource(ResourceArn=arn(name), TagsToAdd={"k0": "changed"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"]["k0"], "changed")

    def test_tag_key_and_value_bounds_on_tag_resource(self):
        name = self.create()
        self.glue.tag_resource(ResourceArn=arn(name), TagsToAdd={"k" * 128: "v" * 256})
        self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=arn(name),
                               TagsToAdd={"k" * 129: "v"})
        self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=arn(name),
                               TagsToAdd={"k": "v" * 257})
        self.assertClientError("InvalidInputException", self.glue.tag_resource, ResourceArn=arn(name),
                               TagsToAdd={f"n{i}": "" for i in range(51)}, member="Tags")
        self.assertEqual(self.glue.get_tags(ResourceArn=arn(name))["Tags"], {"k" * 128: "v" * 256})

    def test_missing_required_members(self):
        name = self.create()
        self.assertRawError(self.server.call("GetTags", {}), "InvalidInputException", "ResourceArn")
        self.assertRawError(self.server.call("TagResource", {"ResourceArn": arn(name)}), "InvalidInputException",
                            "TagsToAdd")
        self.assertRawError(self.server.call("UntagResource", {"ResourceArn": arn(name)}),
                            "InvalidInputException", "TagsToRemove")

    def test_deleting_workflow_drops_tags(self):
        name = self.create(Tags={"a": "1"})
        self.glue.delete_workflow(Name=name)
        self.assertClientError("EntityNotFoundException", self.glue.get_tags, ResourceArn=arn(name))


class AccountTagsTest(ServerTestCase):
    server_args = ("--account", "111122223333", "--region", "eu-west-1")

    def test_arn_uses_configured_account(self):
        name = self.create(Tags={"a": "1"})
        got = self.glue.get_tags(ResourceArn=arn(name, account="111122223333"))  # botocore signs us-east-1
        self.assertEqual(got["Tags"], {"a": "1"})

    def test_arn_uses_the_request_region(self):
        c = self.server.client(region="eu-west-1")
        name = self.uname()
        c.create_workflow(Name=name, Tags={"r": "eu"})
        got = c.get_tags(ResourceArn=arn(name, region="eu-west-1", account="111122223333"))
        self.assertEqual(got["Tags"], {"r": "eu"})


if __name__ == "__main__":
    import unittest
    unittest.main()
