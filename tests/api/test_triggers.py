"""CreateTrigger, GetTrigger, UpdateTrigger, DeleteTrigger, GetTriggers, ListTriggers, BatchGetTriggers, StartTrigger,
StopTrigger and trigger tags with boto3 (raw HTTP for what botocore refuses to send): every validation rule of
the trigger contract, state changes, full-overwrite updates, DependentJobName, paging. Every boto3 success answer
is checked against the Glue model by the harness hook."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _res_helpers import ResTestCase, cond, pred, res_arn  # noqa: E402

CRON = "cron(15 12 * * ? *)"


class CreateGetTriggerTest(ResTestCase):
    def test_on_demand_minimal(self):
        job = self.mkjob()
        name = self.uname("trg")
        out = self.raw_ok("CreateTrigger", {"Name": name, "Type": "ON_DEMAND", "Actions": [{"JobName": job}]})
        self.assertEqual(out, {"Name": name})
        t = self.gettrigger(name)
        self.assertEqual(t["Name"], name)
        self.assertEqual(t["Type"], "ON_DEMAND")
        self.assertEqual(t["State"], "CREATED")
        self.assertEqual(t["Actions"], [{"JobName": job}])
        for absent in ("WorkflowName", "Schedule", "Predicate", "EventBatchingCondition", "Description"):
            self.assertNotIn(absent, t)

    def test_in_workflow(self):
        wf = self.mkwf()
        name = self.mktrigger(WorkflowName=wf, Description="start it")
        t = self.gettrigger(name)
        self.assertEqual((t["WorkflowName"], t["Description"]), (wf, "start it"))

    def test_missing_workflow_is_entity_not_found(self):
        wf = self.uname("nowf")
        name = self.uname("trg")
        err = self.assertClientError("EntityNotFoundException", self.glue.create_trigger, Name=name, Type="ON_DEMAND",
                                     WorkflowName=wf, Actions=[{"JobName": self.mkjob()}])
        self.assertIn(wf, err["Error"]["Message"])
        self.assertTrue(self.missing(self.glue.get_trigger, Name=name))

    def test_action_fields_round_trip(self):
        job, crawler = self.mkjob(), self.mkcrawler()
        acts = [{"JobName": job, "Arguments": {"--a": "1", "--b": ""}, "Timeout": 33,
                 "SecurityConfiguration": "sc", "NotificationProperty": {"NotifyDelayAfter": 4}},
                {"CrawlerName": crawler}]
        name = self.uname("trg")
        self.glue.create_trigger(Name=name, Type="ON_DEMAND", Actions=acts)
        self.assertEqual(self.gettrigger(name)["Actions"], acts)

    def test_get_missing_is_entity_not_found(self):
        name = self.uname("notrg")
        err = self.assertClientError("EntityNotFoundException", self.glue.get_trigger, Name=name)
        self.assertIn(name, err["Error"]["Message"])

    def test_duplicate_is_already_exists(self):
        name = self.mktrigger(Description="first")
        self.assertClientError("AlreadyExistsException", self.glue.create_trigger, Name=name, Type="ON_DEMAND",
                               Actions=[{"JobName": self.mkjob()}], Description="second")
        self.assertEqual(self.gettrigger(name)["Description"], "first")

    def test_scheduled(self):
        name = self.mktrigger(type="SCHEDULED", Schedule=CRON)
        t = self.gettrigger(name)
        self.assertEqual((t["Type"], t["Schedule"], t["State"]), ("SCHEDULED", CRON, "CREATED"))

    def test_conditional_with_one_condition_defaults_to_and(self):
        watched = self.mkjob()
        name = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(watched)))
        t = self.gettrigger(name)
        self.assertEqual(t["Predicate"]["Logical"], "AND")
        self.assertEqual(t["Predicate"]["Conditions"], [cond(watched)])

    def test_conditional_any_and_crawler_condition(self):
        j, c = self.mkjob(), self.mkcrawler()
        p = pred(cond(j, "FAILED"), cond(crawler=c, crawl_state="CANCELLED"), logical="ANY")
        name = self.mktrigger(type="CONDITIONAL", Predicate=p)
        self.assertEqual(self.gettrigger(name)["Predicate"], p)

    def test_every_watchable_state(self):
        j, c = self.mkjob(), self.mkcrawler()
        for st in ("SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT"):
            with self.subTest(job_state=st):
                n = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(j, st)))
                self.assertEqual(self.gettrigger(n)["Predicate"]["Conditions"][0]["State"], st)
        for st in ("SUCCEEDED", "FAILED", "CANCELLED"):
            with self.subTest(crawl_state=st):
                n = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(crawler=c, crawl_state=st)))
                self.assertEqual(self.gettrigger(n)["Predicate"]["Conditions"][0]["CrawlState"], st)

    def test_event_trigger_batching(self):
        wf = self.mkwf()
        name = self.mktrigger(type="EVENT", WorkflowName=wf, EventBatchingCondition={"BatchSize": 5})
        t = self.gettrigger(name)
        self.assertEqual(t["EventBatchingCondition"], {"BatchSize": 5, "BatchWindow": 900})
        wf2 = self.mkwf()
        name = self.mktrigger(type="EVENT", WorkflowName=wf2,
                              EventBatchingCondition={"BatchSize": 100, "BatchWindow": 1})
        self.assertEqual(self.gettrigger(name)["EventBatchingCondition"], {"BatchSize": 100, "BatchWindow": 1})
        wf3 = self.mkwf()
        name = self.mktrigger(type="EVENT", WorkflowName=wf3,
                              EventBatchingCondition={"BatchSize": 1, "BatchWindow": 900})
        self.assertEqual(self.gettrigger(name)["EventBatchingCondition"], {"BatchSize": 1, "BatchWindow": 900})

    def test_start_on_creation(self):
        wf = self.mkwf()
        s = self.mktrigger(type="SCHEDULED", Schedule=CRON, StartOnCreation=True, WorkflowName=wf)
        self.assertEqual(self.gettrigger(s)["State"], "ACTIVATED")
        c = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(self.mkjob())), StartOnCreation=True,
                           WorkflowName=wf)
        self.assertEqual(self.gettrigger(c)["State"], "ACTIVATED")
        e = self.mktrigger(type="EVENT", WorkflowName=self.mkwf(), StartOnCreation=True,
                           EventBatchingCondition={"BatchSize": 2})
        self.assertEqual(self.gettrigger(e)["State"], "ACTIVATED")
        o = self.mktrigger(StartOnCreation=False)
        self.assertEqual(self.gettrigger(o)["State"], "CREATED")
        c2 = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(self.mkjob())), StartOnCreation=False)
        self.assertEqual(self.gettrigger(c2)["State"], "CREATED")

    def test_tags_on_trigger_arn(self):
        name = self.mktrigger(Tags={"x": "1"})
        arn = res_arn("trigger", name)
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"x": "1"})
        self.glue.tag_resource(ResourceArn=arn, TagsToAdd={"y": "2"})
        self.glue.untag_resource(ResourceArn=arn, TagsToRemove=["x"])
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"y": "2"})
        self.assertClientError("EntityNotFoundException", self.glue.get_tags,
                               ResourceArn=res_arn("trigger", self.uname("notrg")))


class TriggerValidationTest(ResTestCase):
    def bad(self, member=None, code="InvalidInputException", name=None, **kw):
        name = name or self.uname("trg")
        kw.setdefault("Type", "ON_DEMAND")
        if "Actions" not in kw:
            kw["Actions"] = [{"JobName": self.mkjob()}]
        err = self.assertClientError(code, self.glue.create_trigger, Name=name, member=member, **kw)
        self.assertTrue(self.missing(self.glue.get_trigger, Name=name), "a rejected trigger was stored")
        return err["Error"]["Message"]

    def bad_raw(self, payload, member=None, code="InvalidInputException"):
        name = self.uname("trg")
        body = {"Name": name, "Type": "ON_DEMAND"}
        body.update(payload)
        if "Actions" not in body:
            body["Actions"] = [{"JobName": self.mkjob()}]
        r = self.raw_err("CreateTrigger", body, code, member)
        self.assertTrue(self.missing(self.glue.get_trigger, Name=name), "a rejected trigger was stored")
        return r.message

    # ---- names, type, description ---------------------------------------------------------------
    def test_name_rules(self):
        self.bad("Name", name="t" * 256)
        self.bad("Name", name="a\nb")
        self.bad_raw({"Name": ""}, "Name")
        ok = "t" + self.uname("x") + "z" * 200
        self.mktrigger(name=ok[:255])

    def test_type_enum(self):
        self.bad("Type", Type="WEEKLY")
        self.bad("Type", Type="on_demand")

    def test_missing_required(self):
        name = self.uname("trg")
        self.raw_err("CreateTrigger", {"Name": name, "Actions": [{"JobName": self.mkjob()}]},
                     "InvalidInputException", "Type")
        self.raw_err("CreateTrigger", {"Type": "ON_DEMAND", "Actions": [{"JobName": self.mkjob()}]},
                     "InvalidInputException", "Name")
        self.raw_err("CreateTrigger", {"Name": name, "Type": "ON_DEMAND"}, "InvalidInputException", "Actions")

    def test_description_rules(self):
        self.bad("Description", Description="d" * 2049)
        self.bad("Description", Description="nul\x01")
        n = self.mktrigger(Description="d" * 2048)
        self.assertEqual(len(self.gettrigger(n)["Description"]), 2048)
        n = self.mktrigger(Description="two\nlines")
        self.assertEqual(self.gettrigger(n)["Description"], "two\nlines")

    def test_tag_limits(self):
        self.bad("Tags", Tags={f"k{i}": "v" for i in range(51)})
        self.bad("Tags", Tags={"k" * 129: "v"})
        self.bad("Tags", Tags={"k": "v" * 257})

    def test_empty_description_kept(self):
        n = self.mktrigger(Description="")
        self.assertEqual(self.gettrigger(n).get("Description", ""), "")

    def test_type_errors_are_serialization_exception(self):
        for payload in ({"Actions": {"JobName": "x"}}, {"StartOnCreation": "true"}, {"Type": 3},
                        {"Actions": [{"JobName": 5}]}, {"Tags": ["a"]}):
            with self.subTest(payload=payload):
                self.bad_raw(payload, code="SerializationException")

    # ---- actions --------------------------------------------------------------------------------------
    def test_action_must_name_exactly_one_target(self):
        j, c = self.mkjob(), self.mkcrawler()
        self.bad(Actions=[{"JobName": j, "CrawlerName": c}])
        self.bad(Actions=[{}])
        self.bad(Actions=[{"Arguments": {"--a": "b"}}])
        self.bad(Actions=[{"JobName": j}, {"Timeout": 5}])

    def test_action_target_must_exist(self):
        nojob, nocr = self.uname("nojob"), self.uname("nocr")
        msg = self.bad(code="EntityNotFoundException", Actions=[{"JobName": nojob}])
        self.assertIn(nojob, msg)
        msg = self.bad(code="EntityNotFoundException", Actions=[{"JobName": self.mkjob()}, {"CrawlerName": nocr}])
        self.assertIn(nocr, msg)

    def test_action_count(self):
        self.bad("Actions", Actions=[])
        jobs = [self.mkjob() for _ in range(51)]
        self.bad("Actions", Actions=[{"JobName": j} for j in jobs])
        n = self.mktrigger(actions=jobs[:50])
        self.assertEqual(len(self.gettrigger(n)["Actions"]), 50)

    def test_action_timeout_zero(self):
        self.bad_raw({"Actions": [{"JobName": self.mkjob(), "Timeout": 0}]}, "Timeout")

    # ---- schedules ----------------------------------------------------------------------------------
    def test_scheduled_needs_schedule(self):
        self.bad("Schedule", Type="SCHEDULED")
        self.bad("Schedule", Type="SCHEDULED", Schedule="")

    def test_schedule_refused_for_other_types(self):
        self.bad("Schedule", Type="ON_DEMAND", Schedule=CRON)
        self.bad("Schedule", Type="CONDITIONAL", Schedule=CRON, Predicate=pred(cond(self.mkjob())))
        self.bad("Schedule", Type="EVENT", Schedule=CRON, WorkflowName=self.mkwf(),
                 EventBatchingCondition={"BatchSize": 1})

    def test_valid_schedules(self):
        for s in ("cron(15 12 * * ? *)", "cron(0/5 * * * ? *)", "cron(0 8 ? * MON-FRI *)", "cron(0 0 1 * ? *)",
                  "cron(30 6 L * ? 2030)", "cron(0,30 * * * ? *)", "cron(0 12 ? JAN,JUL 2 *)",
                  "cron(5 0/2 * * ? *)"):
            with self.subTest(schedule=s):
                n = self.mktrigger(type="SCHEDULED", Schedule=s)
                self.assertEqual(self.gettrigger(n)["Schedule"], s)

    def test_invalid_schedules(self):
        for s in ("cron(15 12 * *)", "cron(15 12 * * ? * *)", "cron(61 12 * * ? *)", "cron(0 24 * * ? *)",
                  "cron(0 12 32 * ? *)", "cron(0 12 1 * MON *)", "cron(0 12 * * * *)", "cron(0 12 * 13 ? *)",
                  "cron(0 12 * * ? 1969)", "hello", "15 12 * * ? *", "rate(5 minutes)", "cron()", "cron(a b c d e f)"):
            with self.subTest(schedule=s):
                self.bad("Schedule", Type="SCHEDULED", Schedule=s)

    def test_too_frequent_schedules(self):
        for s in ("cron(* * * * ? *)", "cron(0/4 * * * ? *)", "cron(0,3 * * * ? *)", "cron(0/1 12 * * ? *)",
                  "cron(0-4 * * * ? *)"):
            with self.subTest(schedule=s):
                self.bad("Schedule", Type="SCHEDULED", Schedule=s)

    # ---- predicates ---------------------------------------------------------------------------------
    def test_conditional_needs_predicate_with_conditions(self):
        self.bad("Predicate", Type="CONDITIONAL")
        self.bad("Conditions", Type="CONDITIONAL", Predicate={"Conditions": []})
        self.bad("Conditions", Type="CONDITIONAL", Predicate={"Logical": "AND"})

    def test_logical_operator_required_and_names_the_condition(self):
        j1, j2, j3 = self.mkjob(), self.mkjob(), self.mkjob()
        conds = [cond(j1), cond(j2), {"JobName": j3, "State": "SUCCEEDED"}]
        msg = self.bad("LogicalOperator", Type="CONDITIONAL", Predicate=pred(*conds, logical="AND"))
        self.assertRegex(msg, r"\b[23]\b", "the message should name the failing condition's index")
        msg = self.bad("LogicalOperator", Type="CONDITIONAL",
                       Predicate=pred({"JobName": j1, "State": "SUCCEEDED", "LogicalOperator": ""}))

    def test_logical_operator_must_be_equals(self):
        j = self.mkjob()
        self.bad("LogicalOperator", Type="CONDITIONAL",
                 Predicate=pred({"LogicalOperator": "NOT_EQUALS", "JobName": j, "State": "SUCCEEDED"}))

    def test_condition_must_name_exactly_one_target(self):
        j, c = self.mkjob(), self.mkcrawler()
        both = {"LogicalOperator": "EQUALS", "JobName": j, "State": "SUCCEEDED", "CrawlerName": c,
                "CrawlState": "SUCCEEDED"}
        self.bad(Type="CONDITIONAL", Predicate=pred(both))
        self.bad(Type="CONDITIONAL", Predicate=pred({"LogicalOperator": "EQUALS", "State": "SUCCEEDED"}))
        self.bad(Type="CONDITIONAL", Predicate=pred({"LogicalOperator": "EQUALS"}))

    def test_condition_state_required_and_matched_to_target(self):
        j, c = self.mkjob(), self.mkcrawler()
        self.bad("State", Type="CONDITIONAL", Predicate=pred({"LogicalOperator": "EQUALS", "JobName": j}))
        self.bad("CrawlState", Type="CONDITIONAL", Predicate=pred({"LogicalOperator": "EQUALS", "CrawlerName": c}))
        self.bad(Type="CONDITIONAL",
                 Predicate=pred({"LogicalOperator": "EQUALS", "JobName": j, "CrawlState": "SUCCEEDED"}))
        self.bad(Type="CONDITIONAL",
                 Predicate=pred({"LogicalOperator": "EQUALS", "CrawlerName": c, "State": "SUCCEEDED"}))

    def test_unwatchable_states(self):
        j, c = self.mkjob(), self.mkcrawler()
        for st in ("RUNNING", "STARTING", "STOPPING", "ERROR", "WAITING", "EXPIRED", "succeeded", "DONE"):
            with self.subTest(job_state=st):
                self.bad("State", Type="CONDITIONAL", Predicate=pred(cond(j, st)))
        for st in ("RUNNING", "CANCELLING", "ERROR", "STOPPED", "TIMEOUT"):
            with self.subTest(crawl_state=st):
                self.bad("CrawlState", Type="CONDITIONAL", Predicate=pred(cond(crawler=c, crawl_state=st)))

    def test_watched_targets_must_exist(self):
        nojob, nocr = self.uname("nojob"), self.uname("nocr")
        msg = self.bad(code="EntityNotFoundException", Type="CONDITIONAL", Predicate=pred(cond(nojob)))
        self.assertIn(nojob, msg)
        msg = self.bad(code="EntityNotFoundException", Type="CONDITIONAL",
                       Predicate=pred(cond(crawler=nocr)))
        self.assertIn(nocr, msg)

    def test_logical_required_with_several_conditions(self):
        j1, j2 = self.mkjob(), self.mkjob()
        self.bad("Logical", Type="CONDITIONAL", Predicate=pred(cond(j1), cond(j2)))
        self.bad("Logical", Type="CONDITIONAL", Predicate=pred(cond(j1), cond(j2), logical="OR"))
        self.bad("Logical", Type="CONDITIONAL", Predicate=pred(cond(j1), logical="ALL"))
        n = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(j1), cond(j2), logical="AND"))
        self.assertEqual(self.gettrigger(n)["Predicate"]["Logical"], "AND")

    def test_predicate_refused_for_other_types(self):
        p = pred(cond(self.mkjob()))
        self.bad("Predicate", Type="ON_DEMAND", Predicate=p)
        self.bad("Predicate", Type="SCHEDULED", Schedule=CRON, Predicate=p)
        self.bad("Predicate", Type="EVENT", WorkflowName=self.mkwf(), Predicate=p,
                 EventBatchingCondition={"BatchSize": 1})

    def test_job_watched_and_started_is_refused(self):
        j, other = self.mkjob(), self.mkjob()
        msg = self.bad(Type="CONDITIONAL", Predicate=pred(cond(j)), Actions=[{"JobName": j}])
        self.assertIn(j, msg)
        self.bad(Type="CONDITIONAL", Predicate=pred(cond(other), cond(j, "FAILED"), logical="ANY"),
                 Actions=[{"JobName": other}, {"JobName": self.mkjob()}])

    # ---- start triggers and workflows -------------------------------------------------------------
    def test_one_start_trigger_per_workflow(self):
        wf = self.mkwf()
        first = self.mktrigger(WorkflowName=wf)
        self.bad(WorkflowName=wf, Type="ON_DEMAND")
        self.bad(WorkflowName=wf, Type="SCHEDULED", Schedule=CRON)
        self.bad(WorkflowName=wf, Type="EVENT", EventBatchingCondition={"BatchSize": 1})
        # conditional triggers are not start triggers
        self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(self.mkjob())))
        self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(self.mkjob())))
        # once the start trigger is gone, another may take its place
        self.glue.delete_trigger(Name=first)
        self.mktrigger(WorkflowName=wf, type="SCHEDULED", Schedule=CRON)

    def test_start_triggers_outside_workflows_are_unlimited(self):
        j = self.mkjob()
        for _ in range(3):
            self.mktrigger(actions=[j])
        self.mktrigger(WorkflowName=self.mkwf(), actions=[j])
        self.mktrigger(WorkflowName=self.mkwf(), actions=[j])

    def test_start_on_creation_refused_for_on_demand(self):
        self.bad("StartOnCreation", StartOnCreation=True)

    # ---- event batching -----------------------------------------------------------------------------
    def test_event_batching_only_for_event(self):
        ebc = {"BatchSize": 3}
        self.bad("EventBatchingCondition", Type="ON_DEMAND", EventBatchingCondition=ebc)
        self.bad("EventBatchingCondition", Type="SCHEDULED", Schedule=CRON, EventBatchingCondition=ebc)
        self.bad("EventBatchingCondition", Type="CONDITIONAL", Predicate=pred(cond(self.mkjob())),
                 EventBatchingCondition=ebc)

    def test_event_batching_bounds(self):
        wf = self.mkwf()
        self.bad("BatchSize", Type="EVENT", WorkflowName=wf, EventBatchingCondition={"BatchSize": 101})
        self.bad("BatchWindow", Type="EVENT", WorkflowName=wf,
                 EventBatchingCondition={"BatchSize": 1, "BatchWindow": 901})
        self.bad_raw({"Type": "EVENT", "WorkflowName": wf, "EventBatchingCondition": {"BatchSize": 0}}, "BatchSize")
        self.bad_raw({"Type": "EVENT", "WorkflowName": wf,
                      "EventBatchingCondition": {"BatchSize": 1, "BatchWindow": 0}}, "BatchWindow")
        self.bad_raw({"Type": "EVENT", "WorkflowName": wf, "EventBatchingCondition": {"BatchWindow": 10}},
                     "BatchSize")
        # the workflow still has no start trigger: a good one goes in
        self.mktrigger(type="EVENT", WorkflowName=wf, EventBatchingCondition={"BatchSize": 1})


class UpdateTriggerTest(ResTestCase):
    def test_update_overwrites_and_returns_trigger(self):
        j1, j2 = self.mkjob(), self.mkjob()
        name = self.mktrigger(actions=[j1], Description="old")
        out = self.glue.update_trigger(Name=name, TriggerUpdate={"Actions": [{"JobName": j2,
                                                                              "Arguments": {"--x": "1"}}]})
        t = self.gettrigger(name)
        self.assertEqual(out["Trigger"], t)
        self.assertEqual(t["Actions"], [{"JobName": j2, "Arguments": {"--x": "1"}}])
        self.assertNotIn("Description", t, "an omitted Description is cleared by the overwrite")
        self.assertEqual((t["Type"], t["Name"]), ("ON_DEMAND", name))

    def test_update_raw_response_shape(self):
        name = self.mktrigger()
        out = self.raw_ok("UpdateTrigger", {"Name": name, "TriggerUpdate": {"Description": "new",
                                                                            "Actions": [{"JobName": self.mkjob()}]}})
        self.assertEqual(out["Trigger"]["Name"], name)
        self.assertEqual(out["Trigger"]["Description"], "new")

    def test_update_keeps_type_and_workflow(self):
        wf = self.mkwf()
        j = self.mkjob()
        name = self.mktrigger(type="SCHEDULED", Schedule=CRON, WorkflowName=wf)
        self.glue.update_trigger(Name=name, TriggerUpdate={"Schedule": "cron(0 1 * * ? *)",
                                                           "Actions": [{"JobName": j}]})
        t = self.gettrigger(name)
        self.assertEqual((t["Type"], t["WorkflowName"], t["Schedule"]), ("SCHEDULED", wf, "cron(0 1 * * ? *)"))

    def test_update_conditional_predicate(self):
        j1, j2, j3 = self.mkjob(), self.mkjob(), self.mkjob()
        name = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j3])
        p = pred(cond(j1, "FAILED"), cond(j2, "TIMEOUT"), logical="ANY")
        self.glue.update_trigger(Name=name, TriggerUpdate={"Predicate": p, "Actions": [{"JobName": j3}]})
        self.assertEqual(self.gettrigger(name)["Predicate"], p)

    def test_update_event_batching(self):
        name = self.mktrigger(type="EVENT", WorkflowName=self.mkwf(), EventBatchingCondition={"BatchSize": 3})
        j = self.mkjob()
        self.glue.update_trigger(Name=name, TriggerUpdate={"Actions": [{"JobName": j}],
                                                           "EventBatchingCondition": {"BatchSize": 7}})
        self.assertEqual(self.gettrigger(name)["EventBatchingCondition"], {"BatchSize": 7, "BatchWindow": 900})

    def test_update_missing_is_entity_not_found(self):
        name = self.uname("notrg")
        err = self.assertClientError("EntityNotFoundException", self.glue.update_trigger, Name=name,
                                     TriggerUpdate={"Actions": [{"JobName": self.mkjob()}]})
        self.assertIn(name, err["Error"]["Message"])
        self.assertTrue(self.missing(self.glue.get_trigger, Name=name))

    def test_update_applies_the_create_rules(self):
        wf = self.mkwf()
        j, w = self.mkjob(), self.mkjob()
        cnd = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(w)), actions=[j], WorkflowName=wf,
                             Description="keep")
        before = self.gettrigger(cnd)
        bad = [
            ({"Actions": []}, "InvalidInputException"),
            ({"Predicate": pred(cond(w))}, "InvalidInputException"),  # the overwrite drops every action
            ({"Actions": [{"JobName": j}]}, "InvalidInputException"),  # the overwrite drops the predicate
            ({"Actions": [{"JobName": self.uname("nojob")}], "Predicate": pred(cond(w))}, "EntityNotFoundException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(self.uname("nojob")))}, "EntityNotFoundException"),
            ({"Actions": [{"JobName": w}], "Predicate": pred(cond(w))}, "InvalidInputException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(w, "RUNNING"))}, "InvalidInputException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(w), cond(j))}, "InvalidInputException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(w)), "Schedule": CRON}, "InvalidInputException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(w)), "EventBatchingCondition": {"BatchSize": 1}},
             "InvalidInputException"),
            ({"Actions": [{"JobName": j}], "Predicate": pred(cond(w)), "Description": "x" * 2049},
             "InvalidInputException"),
            ({"Actions": [{"JobName": j, "CrawlerName": "c"}], "Predicate": pred(cond(w))}, "InvalidInputException"),
        ]
        for upd, code in bad:
            with self.subTest(update=upd):
                self.assertClientError(code, self.glue.update_trigger, Name=cnd, TriggerUpdate=upd)
                self.assertEqual(self.gettrigger(cnd), before, "a rejected update changed the trigger")

    def test_update_scheduled_rules(self):
        j = self.mkjob()
        name = self.mktrigger(type="SCHEDULED", Schedule=CRON, actions=[j])
        for sched in ("cron(* * * * ? *)", "cron(bad)", None):
            with self.subTest(schedule=sched):
                upd = {"Actions": [{"JobName": j}]}
                if sched:
                    upd["Schedule"] = sched
                self.assertClientError("InvalidInputException", self.glue.update_trigger, Name=name,
                                       TriggerUpdate=upd, member="Schedule")
        self.assertEqual(self.gettrigger(name)["Schedule"], CRON)

    def test_update_on_demand_refuses_schedule_and_predicate(self):
        j = self.mkjob()
        name = self.mktrigger(actions=[j])
        self.assertClientError("InvalidInputException", self.glue.update_trigger, Name=name,
                               TriggerUpdate={"Actions": [{"JobName": j}], "Schedule": CRON}, member="Schedule")
        self.assertClientError("InvalidInputException", self.glue.update_trigger, Name=name,
                               TriggerUpdate={"Actions": [{"JobName": j}], "Predicate": pred(cond(self.mkjob()))},
                               member="Predicate")

    def test_update_event_batching_bounds(self):
        name = self.mktrigger(type="EVENT", WorkflowName=self.mkwf(), EventBatchingCondition={"BatchSize": 3})
        j = self.mkjob()
        self.assertClientError("InvalidInputException", self.glue.update_trigger, Name=name,
                               TriggerUpdate={"Actions": [{"JobName": j}], "EventBatchingCondition": {"BatchSize": 101}},
                               member="BatchSize")
        self.raw_err("UpdateTrigger", {"Name": name, "TriggerUpdate": {"Actions": [{"JobName": j}],
                                                                       "EventBatchingCondition": {"BatchSize": 0}}},
                     "InvalidInputException", "BatchSize")
        self.assertEqual(self.gettrigger(name)["EventBatchingCondition"]["BatchSize"], 3)


class TriggerStateTest(ResTestCase):
    def test_start_and_stop_scheduled(self):
        name = self.mktrigger(type="SCHEDULED", Schedule=CRON)
        self.assertEqual(self.raw_ok("StartTrigger", {"Name": name}), {"Name": name})
        self.assertEqual(self.gettrigger(name)["State"], "ACTIVATED")
        self.assertEqual(self.raw_ok("StopTrigger", {"Name": name}), {"Name": name})
        self.assertEqual(self.gettrigger(name)["State"], "DEACTIVATED")
        self.assertEqual(self.glue.start_trigger(Name=name)["Name"], name)
        self.assertEqual(self.gettrigger(name)["State"], "ACTIVATED")

    def test_start_and_stop_conditional_and_event(self):
        c = self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(self.mkjob())))
        e = self.mktrigger(type="EVENT", WorkflowName=self.mkwf(), EventBatchingCondition={"BatchSize": 1})
        for name in (c, e):
            with self.subTest(trigger=name):
                self.glue.start_trigger(Name=name)
                self.assertEqual(self.gettrigger(name)["State"], "ACTIVATED")
                self.glue.stop_trigger(Name=name)
                self.assertEqual(self.gettrigger(name)["State"], "DEACTIVATED")

    def test_start_on_creation_then_stop(self):
        name = self.mktrigger(type="SCHEDULED", Schedule=CRON, StartOnCreation=True)
        self.glue.stop_trigger(Name=name)
        self.assertEqual(self.gettrigger(name)["State"], "DEACTIVATED")

    def test_missing_trigger(self):
        name = self.uname("notrg")
        for fn in (self.glue.start_trigger, self.glue.stop_trigger):
            with self.subTest(op=fn.__name__):
                err = self.assertClientError("EntityNotFoundException", fn, Name=name)
                self.assertIn(name, err["Error"]["Message"])

    def test_delete_is_idempotent(self):
        name = self.mktrigger()
        self.assertEqual(self.raw_ok("DeleteTrigger", {"Name": name}), {"Name": name})
        self.assertTrue(self.missing(self.glue.get_trigger, Name=name))
        self.assertEqual(self.glue.delete_trigger(Name=name)["Name"], name)
        never = self.uname("never")
        self.assertEqual(self.glue.delete_trigger(Name=never)["Name"], never)

    def test_recreate_after_delete(self):
        name = self.mktrigger(Description="old")
        self.glue.delete_trigger(Name=name)
        self.mktrigger(name=name, type="SCHEDULED", Schedule=CRON)
        self.assertEqual(self.gettrigger(name)["Type"], "SCHEDULED")
        self.assertNotIn("Description", self.gettrigger(name))


class TriggerListingTest(ResTestCase):
    """A server whose triggers are exactly those made in setUpClass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        g = cls.glue
        role, cmd = "R", {"Name": "glueetl", "ScriptLocation": "s3://b/k.py"}
        for j in ("ja", "jb", "jc", "jd"):
            g.create_job(Name=j, Role=role, Command=cmd)
        cls.names = []
        # 27 triggers: t-000..t-026; t-i starts ja when i%3==0, jb when i%3==1, nothing of ours else (jc)
        for i in range(27):
            n = f"t-{i:03d}"
            job = ("ja", "jb", "jc")[i % 3]
            tags = {"parity": "even" if i % 2 == 0 else "odd"}
            if i % 9 == 0:
                tags["nine"] = "yes"
            g.create_trigger(Name=n, Type="ON_DEMAND", Actions=[{"JobName": job}], Tags=tags)
            cls.names.append(n)
        # a conditional trigger that only watches jd and starts jc, and one that starts both ja and jd
        g.create_trigger(Name="t-watch", Type="CONDITIONAL", Predicate=pred(cond("jd")), Actions=[{"JobName": "jc"}])
        g.create_trigger(Name="t-two", Type="ON_DEMAND", Actions=[{"JobName": "jd"}, {"JobName": "ja"}])
        cls.names += ["t-two", "t-watch"]
        cls.names.sort()

    def test_get_triggers_default_page_is_25(self):
        r = self.glue.get_triggers()
        self.assertEqual([t["Name"] for t in r["Triggers"]], self.names[:25])
        r2 = self.glue.get_triggers(NextToken=r["NextToken"])
        self.assertEqual([t["Name"] for t in r2["Triggers"]], self.names[25:])
        self.assertNotIn("NextToken", r2)

    def test_get_triggers_pages(self):
        for size in (1, 4, 29, 200):
            with self.subTest(size=size):
                items, n = self.pages(self.glue.get_triggers, "Triggers", max_results=size)
                self.assertEqual([t["Name"] for t in items], self.names)
                self.assertEqual(n, -(-len(self.names) // size))
        got = self.gettrigger("t-004")
        items, _ = self.pages(self.glue.get_triggers, "Triggers")
        self.assertEqual([t for t in items if t["Name"] == "t-004"], [got])

    def test_get_triggers_paginator(self):
        names = []
        for page in self.glue.get_paginator("get_triggers").paginate(PaginationConfig={"PageSize": 6}):
            names += [t["Name"] for t in page["Triggers"]]
        self.assertEqual(names, self.names)

    def test_dependent_job_name(self):
        ja = sorted([n for i, n in enumerate(self.names) if re.fullmatch(r"t-\d+", n) and int(n[2:]) % 3 == 0]
                    + ["t-two"])
        items, _ = self.pages(self.glue.get_triggers, "Triggers", max_results=3, DependentJobName="ja")
        self.assertEqual([t["Name"] for t in items], ja)
        items, _ = self.pages(self.glue.list_triggers, "TriggerNames", max_results=2, DependentJobName="ja")
        self.assertEqual(items, ja)
        # jd is started by t-two only; t-watch merely watches it
        self.assertEqual([t["Name"] for t in self.glue.get_triggers(DependentJobName="jd")["Triggers"]], ["t-two"])
        self.assertEqual(self.glue.list_triggers(DependentJobName="jd")["TriggerNames"], ["t-two"])

    def test_dependent_job_started_by_no_trigger(self):
        # jd has a starter (t-two), so the filter holds even when the tags then leave nothing
        self.assertEqual(self.glue.list_triggers(DependentJobName="jd", Tags={"parity": "even"})["TriggerNames"], [])
        # the API reference: "If there is no such trigger, all triggers are returned" (SPEC.md section 4)
        self.glue.create_job(Name="je-lonely", Role="R", Command={"Name": "glueetl"})
        try:
            items, _ = self.pages(self.glue.get_triggers, "Triggers", max_results=10, DependentJobName="je-lonely")
            self.assertEqual([t["Name"] for t in items], self.names)
            items, _ = self.pages(self.glue.list_triggers, "TriggerNames", max_results=10,
                                  DependentJobName="je-lonely")
            self.assertEqual(items, self.names)
            even = [f"t-{i:03d}" for i in range(27) if i % 2 == 0]
            self.assertEqual(self.pages(self.glue.list_triggers, "TriggerNames", DependentJobName="je-lonely",
                                        Tags={"parity": "even"})[0], even)
        finally:
            self.glue.delete_job(JobName="je-lonely")

    def test_list_triggers(self):
        self.assertEqual(self.glue.list_triggers()["TriggerNames"], self.names[:25])
        items, n = self.pages(self.glue.list_triggers, "TriggerNames", max_results=10)
        self.assertEqual((items, n), (self.names, 3))

    def test_list_triggers_tag_filter(self):
        even = [f"t-{i:03d}" for i in range(27) if i % 2 == 0]
        nine = ["t-000", "t-009", "t-018"]
        self.assertEqual(self.pages(self.glue.list_triggers, "TriggerNames", Tags={"parity": "even"})[0], even)
        self.assertEqual(self.pages(self.glue.list_triggers, "TriggerNames", max_results=1,
                                    Tags={"nine": "yes", "parity": "even"})[0], ["t-000", "t-018"])
        self.assertEqual(self.glue.list_triggers(Tags={"nine": "yes"})["TriggerNames"], nine)
        self.assertEqual(self.glue.list_triggers(Tags={"parity": "none"})["TriggerNames"], [])
        self.assertEqual(self.glue.list_triggers(Tags={"nine": "yes"}, DependentJobName="ja")["TriggerNames"],
                         ["t-000", "t-009", "t-018"])
        self.assertEqual(self.glue.list_triggers(Tags={"parity": "odd"}, DependentJobName="ja")["TriggerNames"],
                         ["t-003", "t-009", "t-015", "t-021"])

    def test_max_results_bounds(self):
        for op in ("GetTriggers", "ListTriggers"):
            with self.subTest(op=op):
                self.raw_err(op, {"MaxResults": 0}, "InvalidInputException", "MaxResults")
                self.raw_err(op, {"MaxResults": 201}, "InvalidInputException", "MaxResults")
        self.assertClientError("InvalidInputException", self.glue.list_triggers, MaxResults=201,
                               member="MaxResults")

    def test_forged_token(self):
        for tok in ("x", "bm90IGEgdG9rZW4=", "t-010"):
            with self.subTest(tok=tok):
                self.assertClientError("InvalidInputException", self.glue.get_triggers, NextToken=tok)
                self.assertClientError("InvalidInputException", self.glue.list_triggers, NextToken=tok)

    def test_batch_get_triggers(self):
        r = self.glue.batch_get_triggers(TriggerNames=["t-001", "t-watch", "t-nope"])
        self.assertEqual(sorted(t["Name"] for t in r["Triggers"]), ["t-001", "t-watch"])
        self.assertEqual(r["TriggersNotFound"], ["t-nope"])
        by = {t["Name"]: t for t in r["Triggers"]}
        self.assertEqual(by["t-watch"], self.gettrigger("t-watch"))
        r = self.glue.batch_get_triggers(TriggerNames=["t-002"])
        self.assertEqual(r.get("TriggersNotFound", []), [])
        self.raw_err("BatchGetTriggers", {}, "InvalidInputException", "TriggerNames")
