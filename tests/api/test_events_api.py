"""The EventBridge API on glued's port, with boto3's events client and `aws events`: rules (PutRule, DescribeRule,
ListRules, EnableRule, DisableRule, DeleteRule), targets (PutTargets, RemoveTargets, ListTargetsByRule), PutEvents
and TestEventPattern, with the model's shapes (every answer is checked against botocore's events model), limits and
error codes. Delivery to workflows is in test_event_triggers.py."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, REGION, ServerTestCase  # noqa: E402

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
S3_PATTERN = {"source": ["aws.s3"], "detail-type": ["Object Created"],
              "detail": {"bucket": {"name": ["lake"]}, "object": {"key": [{"prefix": "incoming/"}]}}}


def wf_arn(name, region=REGION, account=ACCOUNT):
    return f"arn:aws:glue:{region}:{account}:workflow/{name}"


def event(**kw):
    e = {"id": "7bf73129-1428-4cd3-a780-95db273d1602", "account": ACCOUNT, "source": "my.app",
         "time": "2030-01-01T00:00:00Z", "region": REGION, "resources": [], "detail-type": "Order Placed",
         "detail": {"order": {"total": 42}}}
    e.update(kw)
    return json.dumps(e)


class EventsApiTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ev = cls.server.events()

    def rule(self, pattern=None, **kw):
        name = self.uname("rule")
        out = self.ev.put_rule(Name=name, EventPattern=json.dumps(pattern or {"source": ["my.app"]}), **kw)
        self.assertEqual(out["RuleArn"], f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}")
        return name

    # ---- rules -------------------------------------------------------------------------------------
    def test_put_and_describe_rule(self):
        name = self.rule(S3_PATTERN, Description="csv files", RoleArn="arn:aws:iam::123456789012:role/r")
        r = self.ev.describe_rule(Name=name)
        self.assertEqual(r["Name"], name)
        self.assertEqual(json.loads(r["EventPattern"]), S3_PATTERN)
        self.assertEqual(r["State"], "ENABLED")
        self.assertEqual(r["Description"], "csv files")
        self.assertEqual(r["RoleArn"], "arn:aws:iam::123456789012:role/r")
        self.assertEqual(r["EventBusName"], "default")
        self.assertEqual(r["Arn"], f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}")
        self.assertEqual(r["CreatedBy"], ACCOUNT)

    def test_put_rule_again_replaces_it(self):
        name = self.rule({"source": ["a"]})
        self.ev.put_rule(Name=name, EventPattern=json.dumps({"source": ["b"]}), State="DISABLED")
        r = self.ev.describe_rule(Name=name)
        self.assertEqual(json.loads(r["EventPattern"]), {"source": ["b"]})
        self.assertEqual(r["State"], "DISABLED")
        self.assertNotIn("Description", r)

    def test_enable_and_disable(self):
        name = self.rule()
        self.ev.disable_rule(Name=name)
        self.assertEqual(self.ev.describe_rule(Name=name)["State"], "DISABLED")
        self.ev.enable_rule(Name=name)
        self.assertEqual(self.ev.describe_rule(Name=name)["State"], "ENABLED")
        for op in (self.ev.enable_rule, self.ev.disable_rule, self.ev.describe_rule):
            self.assertClientError("ResourceNotFoundException", op, Name="no-such-rule", member="no-such-rule")

    def test_bad_patterns_name_what_is_wrong(self):
        cases = [({"detail": {"state": []}}, "Empty arrays are not allowed at detail.state"),
                 ({"source": "aws.s3"}, "must be an object or an array"),
                 ({"n": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
                 ({"k": [{"wildcard": "a**b"}]}, "Consecutive wildcard"),
                 ({"k": [{"unknown-op": 1}]}, "Unrecognized match type unknown-op"),
                 ({}, "Empty objects are not allowed")]
        for pattern, words in cases:
            err = self.assertClientError("InvalidEventPatternException", self.ev.put_rule, Name=self.uname("bad"),
                                         EventPattern=json.dumps(pattern))
            self.assertIn("Event pattern is not valid", err["Error"]["Message"])
            self.assertIn(words, err["Error"]["Message"])
        self.assertClientError("InvalidEventPatternException", self.ev.put_rule, Name=self.uname("bad"),
                               EventPattern="{not json")

    def test_put_rule_needs_a_pattern(self):
        self.assertClientError("ValidationException", self.ev.put_rule, Name=self.uname("r"), member="EventPattern")
        err = self.assertClientError("ValidationException", self.ev.put_rule, Name=self.uname("r"),
                                     ScheduleExpression="rate(5 minutes)")
        self.assertIn("SCHEDULED Glue trigger", err["Error"]["Message"])

    def test_put_rule_validates_from_the_model(self):
        r = self.server.raw(json.dumps({"Name": "has space", "EventPattern": "{\"a\":[1]}"}),
                            target="AWSEvents.PutRule")
        self.assertRawError(r, "ValidationException", member="Name")
        r = self.server.raw(json.dumps({"Name": "ok", "EventPattern": "{\"a\":[1]}", "State": "ON"}),
                            target="AWSEvents.PutRule")
        self.assertRawError(r, "ValidationException", member="State")
        r = self.server.raw(json.dumps({"Name": "ok", "EventPattern": 5}), target="AWSEvents.PutRule")
        self.assertRawError(r, "SerializationException", member="EventPattern")
        r = self.server.raw(json.dumps({"Name": "ok", "EventPattern": "{\"a\":[" + "1," * 2100 + "1]}"}),
                            target="AWSEvents.PutRule")
        self.assertRawError(r, "ValidationException", member="EventPattern")
        r = self.server.raw(json.dumps({}), target="AWSEvents.NoSuchOperation")
        self.assertRawError(r, "UnknownOperationException")

    def test_only_the_default_bus(self):
        for bus in ("custom", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/custom"):
            err = self.assertClientError("ResourceNotFoundException", self.ev.put_rule, Name=self.uname("r"),
                                         EventPattern="{\"a\":[1]}", EventBusName=bus)
            self.assertIn("default", err["Error"]["Message"])
            self.assertClientError("ResourceNotFoundException", self.ev.list_rules, EventBusName=bus)
        name = self.uname("r")
        self.ev.put_rule(Name=name, EventPattern="{\"a\":[1]}",
                         EventBusName=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default")
        self.assertEqual(self.ev.describe_rule(Name=name, EventBusName="default")["Name"], name)

    def test_list_rules_prefix_and_pages(self):
        prefix = self.uname("list")
        names = sorted(f"{prefix}-{i:02d}" for i in range(7))
        for n in names:
            self.ev.put_rule(Name=n, EventPattern="{\"a\":[1]}")
        self.ev.put_rule(Name=prefix + "x", EventPattern="{\"a\":[1]}")  # shares the prefix, sorts last
        got, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.ev.list_rules(NamePrefix=prefix + "-", Limit=3, **kw)
            self.assertLessEqual(len(page["Rules"]), 3)
            got += [r["Name"] for r in page["Rules"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(got, names)
        r = self.ev.list_rules(NamePrefix=prefix + "-00")["Rules"][0]
        self.assertEqual(r["EventBusName"], "default")
        self.assertEqual(r["State"], "ENABLED")
        # a token is the listing's own
        page = self.ev.list_rules(NamePrefix=prefix + "-", Limit=1)
        self.assertClientError("ValidationException", self.ev.list_rules, NamePrefix=prefix + "x",
                               NextToken=page["NextToken"])

    def test_delete_rule_refused_while_it_has_targets(self):
        name = self.rule()
        self.ev.put_targets(Rule=name, Targets=[{"Id": "wf", "Arn": wf_arn("some-workflow")}])
        err = self.assertClientError("ValidationException", self.ev.delete_rule, Name=name)
        self.assertIn("targets", err["Error"]["Message"])
        self.assertEqual(self.ev.describe_rule(Name=name)["Name"], name)
        out = self.ev.remove_targets(Rule=name, Ids=["wf"])
        self.assertEqual(out["FailedEntryCount"], 0)
        self.ev.delete_rule(Name=name)
        self.assertClientError("ResourceNotFoundException", self.ev.describe_rule, Name=name)
        self.ev.delete_rule(Name=name)  # deleting what is not there is done

    # ---- targets -----------------------------------------------------------------------------------
    def test_put_and_list_targets(self):
        name = self.rule()
        out = self.ev.put_targets(Rule=name, Targets=[
            {"Id": "b", "Arn": wf_arn("wf-b"), "RoleArn": "arn:aws:iam::123456789012:role/events"},
            {"Id": "a", "Arn": wf_arn("wf-a")}])
        self.assertEqual(out, {"FailedEntryCount": 0, "FailedEntries": [], "ResponseMetadata": out["ResponseMetadata"]})
        ts = self.ev.list_targets_by_rule(Rule=name)["Targets"]
        self.assertEqual([t["Id"] for t in ts], ["a", "b"])
        self.assertEqual(ts[1], {"Id": "b", "Arn": wf_arn("wf-b"), "RoleArn": "arn:aws:iam::123456789012:role/events"})
        # the same id again replaces the target
        self.ev.put_targets(Rule=name, Targets=[{"Id": "a", "Arn": wf_arn("wf-c")}])
        ts = self.ev.list_targets_by_rule(Rule=name, Limit=1)
        self.assertEqual(ts["Targets"], [{"Id": "a", "Arn": wf_arn("wf-c")}])
        ts = self.ev.list_targets_by_rule(Rule=name, Limit=1, NextToken=ts["NextToken"])
        self.assertEqual([t["Id"] for t in ts["Targets"]], ["b"])
        self.assertNotIn("NextToken", ts)

    def test_only_workflow_targets(self):
        name = self.rule()
        out = self.ev.put_targets(Rule=name, Targets=[
            {"Id": "fn", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"},
            {"Id": "job", "Arn": f"arn:aws:glue:{REGION}:{ACCOUNT}:job/j"},
            {"Id": "other-account", "Arn": wf_arn("w", account="999999999999")},
            {"Id": "ok", "Arn": wf_arn("w")}])
        self.assertEqual(out["FailedEntryCount"], 3)
        failed = {f["TargetId"]: f for f in out["FailedEntries"]}
        self.assertEqual(sorted(failed), ["fn", "job", "other-account"])
        for f in failed.values():
            self.assertEqual(f["ErrorCode"], "ValidationException")
        self.assertIn("workflow", failed["fn"]["ErrorMessage"])
        self.assertIn("arn:aws:glue:<region>:<account>:workflow/<name>", failed["job"]["ErrorMessage"])
        self.assertIn("999999999999", failed["other-account"]["ErrorMessage"])
        self.assertEqual([t["Id"] for t in self.ev.list_targets_by_rule(Rule=name)["Targets"]], ["ok"])

    def test_target_limits_and_missing_rule(self):
        name = self.rule()
        self.ev.put_targets(Rule=name, Targets=[{"Id": f"t{i}", "Arn": wf_arn(f"w{i}")} for i in range(5)])
        self.assertClientError("LimitExceededException", self.ev.put_targets, Rule=name,
                               Targets=[{"Id": "t5", "Arn": wf_arn("w5")}])
        self.assertEqual(len(self.ev.list_targets_by_rule(Rule=name)["Targets"]), 5)
        for op, kw in ((self.ev.put_targets, {"Targets": [{"Id": "x", "Arn": wf_arn("w")}]}),
                       (self.ev.remove_targets, {"Ids": ["x"]}), (self.ev.list_targets_by_rule, {})):
            self.assertClientError("ResourceNotFoundException", op, Rule="no-such-rule", member="no-such-rule", **kw)
        r = self.server.raw(json.dumps({"Rule": name, "Targets": [{"Id": "bad id", "Arn": wf_arn("w")}]}),
                            target="AWSEvents.PutTargets")
        self.assertRawError(r, "ValidationException", member="Targets[0].Id")

    # ---- events ------------------------------------------------------------------------------------
    def test_put_events_ids_and_refused_entries(self):
        out = self.ev.put_events(Entries=[
            {"Source": "my.app", "DetailType": "Order Placed", "Detail": json.dumps({"order": 1})},
            {"Source": "my.app", "DetailType": "Order Placed", "Detail": "{not json"},
            {"DetailType": "Order Placed", "Detail": "{}"},
            {"Source": "aws.s3", "DetailType": "Object Created", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "t", "Detail": "{}", "EventBusName": "custom"},
            {"Source": "my.app", "DetailType": "t", "Detail": "{}", "Resources": ["arn:x"]},
        ])
        e = out["Entries"]
        self.assertEqual(out["FailedEntryCount"], 4)
        self.assertEqual(len(e), 6)
        self.assertRegex(e[0]["EventId"], UUID_RE)
        self.assertRegex(e[5]["EventId"], UUID_RE)
        self.assertNotEqual(e[0]["EventId"], e[5]["EventId"])
        self.assertEqual(e[1]["ErrorCode"], "MalformedDetail")
        self.assertEqual(e[2]["ErrorCode"], "InvalidArgument")
        self.assertIn("Source", e[2]["ErrorMessage"])
        self.assertEqual(e[3]["ErrorCode"], "NotAuthorizedForSourceException")
        self.assertEqual(e[4]["ErrorCode"], "InvalidArgument")
        self.assertIn("custom", e[4]["ErrorMessage"])
        for x in e[1:5]:
            self.assertNotIn("EventId", x)

    def test_put_events_bounds(self):
        self.assertClientError("ValidationException", self.ev.put_events, Entries=[
            {"Source": "s", "DetailType": "t", "Detail": json.dumps({"x": "a" * 140000})},
            {"Source": "s", "DetailType": "t", "Detail": json.dumps({"x": "a" * 140000})}])
        r = self.server.raw(json.dumps({"Entries": [{"Source": "s", "DetailType": "t", "Detail": "{}"}] * 11}),
                            target="AWSEvents.PutEvents")
        self.assertRawError(r, "ValidationException", member="Entries")

    def test_test_event_pattern(self):
        pat = json.dumps({"source": ["my.app"], "detail": {"order": {"total": [{"numeric": [">", 10]}]}}})
        self.assertTrue(self.ev.test_event_pattern(EventPattern=pat, Event=event())["Result"])
        self.assertFalse(self.ev.test_event_pattern(EventPattern=pat, Event=event(source="other"))["Result"])
        err = self.assertClientError("InvalidEventPatternException", self.ev.test_event_pattern,
                                     EventPattern=json.dumps({"source": []}), Event=event())
        self.assertIn("Empty arrays are not allowed at source", err["Error"]["Message"])
        e = json.loads(event())
        del e["detail-type"]
        self.assertClientError("ValidationException", self.ev.test_event_pattern, EventPattern=pat,
                               Event=json.dumps(e), member="detail-type")
        self.assertClientError("ValidationException", self.ev.test_event_pattern, EventPattern=pat, Event="[1]",
                               member="Event")

    def test_cli(self):
        name = self.uname("cli")
        r = self.server.events_cli("put-rule", "--name", name, "--event-pattern", json.dumps(S3_PATTERN))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["RuleArn"], f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}")
        r = self.server.events_cli("put-targets", "--rule", name, "--targets", f"Id=wf,Arn={wf_arn('w')}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["FailedEntryCount"], 0)
        r = self.server.events_cli("list-targets-by-rule", "--rule", name)
        self.assertEqual(json.loads(r.stdout)["Targets"], [{"Id": "wf", "Arn": wf_arn("w")}])
        r = self.server.events_cli("put-events", "--entries",
                                   json.dumps([{"Source": "my.app", "DetailType": "t", "Detail": "{}"}]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(json.loads(r.stdout)["Entries"][0]["EventId"], UUID_RE)
        r = self.server.events_cli("test-event-pattern", "--event-pattern", json.dumps({"source": ["my.app"]}),
                                   "--event", event())
        self.assertEqual(json.loads(r.stdout), {"Result": True})
        r = self.server.events_cli("delete-rule", "--name", name)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ValidationException", r.stderr)
        r = self.server.events_cli("describe-rule", "--name", "nope")
        self.assertIn("ResourceNotFoundException", r.stderr)


class RuleLimitTest(ServerTestCase):
    def test_three_hundred_rules_per_bus(self):
        ev = self.server.events()
        for i in range(300):
            ev.put_rule(Name=f"r{i:03d}", EventPattern="{\"a\":[1]}")
        err = self.assertClientError("LimitExceededException", ev.put_rule, Name="r300", EventPattern="{\"a\":[1]}")
        self.assertIn("300", err["Error"]["Message"])
        ev.put_rule(Name="r000", EventPattern="{\"a\":[2]}")  # replacing one is not a new one
        names, token = [], None
        while True:
            page = ev.list_rules(**({"NextToken": token} if token else {}))
            names += [r["Name"] for r in page["Rules"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(names), 300)


if __name__ == "__main__":
    unittest.main()
