"""CreateJob, GetJob, UpdateJob, DeleteJob, GetJobs, ListJobs, BatchGetJobs and job tags with boto3 (and raw HTTP
for what botocore refuses to send): defaults, every validation rule, full-overwrite updates, paging and the tag
filter. Every boto3 success answer is checked against the Glue model by the harness hook."""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _res_helpers import SCRIPT, ResTestCase, res_arn  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueRole"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class CreateGetJobTest(ResTestCase):
    def test_minimal_create_returns_name_and_defaults(self):
        t0 = now()
        name = self.uname("job")
        raw = self.raw_ok("CreateJob", {"Name": name, "Role": ROLE, "Command": {"Name": "glueetl",
                                                                                 "ScriptLocation": SCRIPT}})
        self.assertEqual(raw, {"Name": name})
        job = self.getjob(name)
        self.assertEqual(job["Name"], name)
        self.assertEqual(job["Role"], ROLE)
        self.assertEqual(job["Command"]["Name"], "glueetl")
        self.assertEqual(job["Command"]["ScriptLocation"], SCRIPT)
        self.assertEqual(job["ExecutionProperty"], {"MaxConcurrentRuns": 1})
        self.assertEqual(job["MaxRetries"], 0)
        self.assertEqual(job["Timeout"], 2880)
        self.assertLess(abs((job["CreatedOn"] - t0).total_seconds()), 30)
        self.assertGreaterEqual(job["LastModifiedOn"], job["CreatedOn"])
        for absent in ("Description", "WorkerType", "NumberOfWorkers", "SecurityConfiguration"):
            self.assertNotIn(absent, job)

    def test_get_job_raw_timestamps_are_numbers(self):
        name = self.mkjob()
        job = self.raw_ok("GetJob", {"JobName": name})["Job"]
        self.assertIsInstance(job["CreatedOn"], (int, float))
        self.assertIsInstance(job["LastModifiedOn"], (int, float))
        self.assertLess(abs(job["CreatedOn"] - time.time()), 30)

    def test_command_name_absent_means_glueetl(self):
        name = self.mkjob(command=None)
        self.assertEqual(self.getjob(name)["Command"]["Name"], "glueetl")

    def test_every_command_name_is_accepted(self):
        for cmd in ("glueetl", "pythonshell", "gluestreaming", "glueray", "shell"):
            with self.subTest(cmd=cmd):
                name = self.mkjob(command=cmd)
                self.assertEqual(self.getjob(name)["Command"]["Name"], cmd)

    def test_unknown_command_name_is_invalid_naming_it(self):
        for cmd in ("sparkjob", "GLUEETL", ""):
            with self.subTest(cmd=cmd):
                name = self.uname("job")
                self.assertClientError("InvalidInputException", self.glue.create_job, Name=name, Role=ROLE,
                                       Command={"Name": cmd, "ScriptLocation": SCRIPT}, member="Command.Name")
                self.assertTrue(self.missing(self.glue.get_job, JobName=name), "a rejected job was stored")

    def test_pythonshell_default_max_capacity(self):
        name = self.mkjob(command="pythonshell")
        job = self.getjob(name)
        self.assertEqual(job["MaxCapacity"], 0.0625)
        self.assertNotIn("WorkerType", job)

    def test_pythonshell_explicit_max_capacity_kept(self):
        name = self.mkjob(command="pythonshell", MaxCapacity=1.0)
        self.assertEqual(self.getjob(name)["MaxCapacity"], 1.0)

    def test_pythonshell_max_capacity_is_0_0625_or_1(self):
        for cap in (5.0, 0.5, 2.0):
            with self.subTest(cap=cap):
                name = self.uname("job")
                err = self.assertClientError("InvalidInputException", self.glue.create_job, Name=name, Role=ROLE,
                                             Command={"Name": "pythonshell", "ScriptLocation": SCRIPT},
                                             MaxCapacity=cap, member="MaxCapacity")
                self.assertIn("0.0625 or 1", err["Error"]["Message"])
                self.assertTrue(self.missing(self.glue.get_job, JobName=name), "a rejected job was stored")

    def test_pythonshell_with_worker_type_gets_no_default_capacity(self):
        name = self.mkjob(command="pythonshell", WorkerType="G.1X", NumberOfWorkers=2)
        job = self.getjob(name)
        self.assertNotIn("MaxCapacity", job)
        self.assertEqual((job["WorkerType"], job["NumberOfWorkers"]), ("G.1X", 2))

    def test_glueetl_gets_no_default_max_capacity(self):
        self.assertNotIn("MaxCapacity", self.getjob(self.mkjob()))

    def test_timeout_default_depends_on_glue_version(self):
        for ver, want in (("3.0", 2880), ("4.0", 2880), ("5.0", 480)):
            with self.subTest(ver=ver):
                job = self.getjob(self.mkjob(GlueVersion=ver))
                self.assertEqual(job["Timeout"], want)
                self.assertEqual(job["GlueVersion"], ver)

    def test_explicit_timeout_kept_for_glue5(self):
        self.assertEqual(self.getjob(self.mkjob(GlueVersion="5.0", Timeout=30))["Timeout"], 30)

    def test_streaming_job_has_no_default_timeout(self):
        job = self.getjob(self.mkjob(command="gluestreaming"))
        self.assertNotIn("Timeout", job)
        self.assertEqual(job["MaxRetries"], 0)
        self.assertEqual(job["ExecutionProperty"], {"MaxConcurrentRuns": 1})

    def test_all_fields_stored_and_returned(self):
        name = self.uname("job")
        spec = dict(
            Role=ROLE,
            Description="line one\nline two \u2603",
            LogUri="s3://logs/x",
            ExecutionProperty={"MaxConcurrentRuns": 7},
            Command={"Name": "glueetl", "ScriptLocation": SCRIPT, "PythonVersion": "3"},
            DefaultArguments={"--k": "v", "--empty": "", "--job-language": "python"},
            NonOverridableArguments={"--locked": "yes"},
            Connections={"Connections": ["conn-a", "conn-b"]},
            MaxRetries=4,
            Timeout=95,
            SecurityConfiguration="sec-conf",
            NotificationProperty={"NotifyDelayAfter": 12},
            GlueVersion="4.0",
            WorkerType="G.2X",
            NumberOfWorkers=10,
            ExecutionClass="FLEX",
            JobMode="SCRIPT",
            JobRunQueuingEnabled=True,
        )
        self.glue.create_job(Name=name, Tags={"team": "data"}, **spec)
        job = self.getjob(name)
        for k, v in spec.items():
            with self.subTest(field=k):
                self.assertIn(k, job)
                if isinstance(v, dict):
                    for kk, vv in v.items():
                        self.assertEqual(job[k].get(kk), vv, f"{k}.{kk}")
                else:
                    self.assertEqual(job[k], v)
        self.assertNotIn("MaxCapacity", job)
        self.assertEqual(self.tags("job", name), {"team": "data"})

    def test_ray_command_runtime_stored(self):
        name = self.mkjob(Command={"Name": "glueray", "ScriptLocation": SCRIPT, "Runtime": "Ray2.4",
                                   "PythonVersion": "3.9"}, WorkerType="Z.2X", NumberOfWorkers=2, GlueVersion="4.0")
        job = self.getjob(name)
        self.assertEqual(job["Command"]["Runtime"], "Ray2.4")
        self.assertEqual(job["Command"]["PythonVersion"], "3.9")

    def test_get_missing_is_entity_not_found_naming_it(self):
        name = self.uname("nojob")
        err = self.assertClientError("EntityNotFoundException", self.glue.get_job, JobName=name)
        self.assertIn(name, err["Error"]["Message"])

    def test_duplicate_is_already_exists_and_keeps_original(self):
        name = self.mkjob(Description="first", MaxRetries=2)
        err = self.assertClientError("AlreadyExistsException", self.glue.create_job, Name=name, Role="other",
                                     Command={"Name": "pythonshell", "ScriptLocation": SCRIPT}, Description="second")
        self.assertIn(name, err["Error"]["Message"])
        job = self.getjob(name)
        self.assertEqual((job["Description"], job["MaxRetries"], job["Role"]), ("first", 2, ROLE))


class JobValidationTest(ResTestCase):
    def bad(self, member, code="InvalidInputException", **kw):
        name = self.uname("job")
        args = {"Name": name, "Role": ROLE, "Command": {"Name": "glueetl", "ScriptLocation": SCRIPT}}
        args.update(kw)
        self.assertClientError(code, self.glue.create_job, member=member, **args)
        self.assertTrue(self.missing(self.glue.get_job, JobName=name), "a rejected job was stored")

    def bad_raw(self, member, code="InvalidInputException", **kw):
        name = self.uname("job")
        args = {"Name": name, "Role": ROLE, "Command": {"Name": "glueetl", "ScriptLocation": SCRIPT}}
        args.update(kw)
        self.raw_err("CreateJob", args, code, member)
        self.assertTrue(self.missing(self.glue.get_job, JobName=name), "a rejected job was stored")

    def test_timeout_bounds(self):
        self.assertEqual(self.getjob(self.mkjob(Timeout=1))["Timeout"], 1)
        self.assertEqual(self.getjob(self.mkjob(Timeout=10080))["Timeout"], 10080)
        self.bad("Timeout", Timeout=10081)
        self.bad_raw("Timeout", Timeout=0)
        self.bad_raw("Timeout", Timeout=-5)

    def test_max_retries_bounds(self):
        self.assertEqual(self.getjob(self.mkjob(MaxRetries=0))["MaxRetries"], 0)
        self.assertEqual(self.getjob(self.mkjob(MaxRetries=10))["MaxRetries"], 10)
        self.bad("MaxRetries", MaxRetries=11)
        self.bad("MaxRetries", MaxRetries=-1)

    def test_max_concurrent_runs_bounds(self):
        j = self.getjob(self.mkjob(ExecutionProperty={"MaxConcurrentRuns": 1000}))
        self.assertEqual(j["ExecutionProperty"]["MaxConcurrentRuns"], 1000)
        self.bad("MaxConcurrentRuns", ExecutionProperty={"MaxConcurrentRuns": 1001})
        self.bad("MaxConcurrentRuns", ExecutionProperty={"MaxConcurrentRuns": 0})
        self.bad("MaxConcurrentRuns", ExecutionProperty={"MaxConcurrentRuns": -1})

    def test_empty_execution_property_gets_default(self):
        j = self.getjob(self.mkjob(ExecutionProperty={}))
        self.assertEqual(j["ExecutionProperty"], {"MaxConcurrentRuns": 1})

    def test_worker_type_needs_number_of_workers(self):
        self.bad("NumberOfWorkers", WorkerType="G.1X")
        self.bad("WorkerType", NumberOfWorkers=3)

    def test_max_capacity_excludes_workers(self):
        self.bad("MaxCapacity", MaxCapacity=2.0, WorkerType="G.1X", NumberOfWorkers=2)
        self.bad(None, MaxCapacity=2.0, WorkerType="G.1X")
        self.bad(None, MaxCapacity=2.0, NumberOfWorkers=2)
        self.assertEqual(self.getjob(self.mkjob(MaxCapacity=10.0))["MaxCapacity"], 10.0)

    def test_description_rules(self):
        self.assertEqual(self.getjob(self.mkjob(Description="x" * 2048))["Description"], "x" * 2048)
        self.assertEqual(self.getjob(self.mkjob(Description="a\r\nb\tc"))["Description"], "a\r\nb\tc")
        self.bad("Description", Description="x" * 2049)
        self.bad("Description", Description="bell\x07")

    def test_name_rules(self):
        long_ok = ("n%06d" % (hash(self.id()) % 10 ** 6)) + "x" * 248
        self.assertEqual(len(long_ok), 255)
        self.mkjob(name=long_ok)
        self.bad("Name", Name="y" * 256)
        self.bad("Name", Name="two\nlines")
        self.bad_raw("Name", Name="")

    def test_worker_type_enum(self):
        self.bad("WorkerType", WorkerType="G.99X", NumberOfWorkers=2)

    def test_tag_limits(self):
        self.bad("Tags", Tags={f"k{i}": "v" for i in range(51)})
        self.bad("Tags", Tags={"k" * 129: "v"})
        self.bad("Tags", Tags={"k": "v" * 257})
        name = self.mkjob(Tags={**{f"k{i}": "v" for i in range(49)}, "k" * 128: "v" * 256})
        self.assertEqual(len(self.tags("job", name)), 50)

    def test_lengths_count_characters_not_bytes(self):
        emoji = "\U0001F600"
        self.mkjob(name=emoji * 255)
        self.assertEqual(self.getjob(emoji * 255)["Name"], emoji * 255)
        self.bad("Name", Name=emoji * 256)
        self.assertEqual(self.getjob(self.mkjob(Description=emoji * 2048))["Description"], emoji * 2048)
        self.bad("Description", Description=emoji * 2049)

    def test_unicode_and_tab_in_name(self):
        name = self.uname("job") + "-\u00e9\U0001F600\tx"
        self.mkjob(name=name)
        self.assertEqual(self.getjob(name)["Name"], name)
        self.assertIn(name, [j["Name"] for j in self.glue.batch_get_jobs(JobNames=[name])["Jobs"]])

    def test_missing_required_members(self):
        base = {"Name": self.uname("job"), "Role": ROLE, "Command": {"Name": "glueetl", "ScriptLocation": SCRIPT}}
        for drop in ("Name", "Role", "Command"):
            with self.subTest(missing=drop):
                args = {k: v for k, v in base.items() if k != drop}
                self.raw_err("CreateJob", args, "InvalidInputException", drop)

    def test_start_job_run_capacity_rules(self):
        # StartJobRun's capacity overrides follow CreateJob's rules (glued once started a run with 0 workers)
        job = self.mkjob()
        cases = [("NumberOfWorkers", {"NumberOfWorkers": 0}), ("NumberOfWorkers", {"NumberOfWorkers": -3}),
                 ("MaxCapacity", {"MaxCapacity": 0.0}), ("MaxCapacity", {"MaxCapacity": -1.0}),
                 ("MaxCapacity", {"MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2}),
                 ("MaxCapacity", {"MaxCapacity": 2.0, "NumberOfWorkers": 2})]
        for member, extra in cases:
            with self.subTest(extra=extra):
                self.raw_err("StartJobRun", {"JobName": job, **extra}, "InvalidInputException", member)
        self.assertEqual(self.glue.get_job_runs(JobName=job)["JobRuns"], [], "a refused StartJobRun started a run")

    def test_patterns_that_look_permissive_are_enforced(self):
        # The model's EnclosedInStringProperty, SqlQuery, DQDLString and RuntimeNameString (.*) patterns each refuse
        # some characters; glued once let all of them through.
        sql = {"Name": "sql", "Inputs": ["src"], "SqlQuery": "select 1", "SqlAliases": [{"From": "src", "Alias": "t"}]}
        dq = {"Name": "dq", "Inputs": ["src"], "Ruleset": "Rules = [ RowCount > 0 ]"}
        node = lambda **kw: {"CodeGenConfigurationNodes": {"node-1": kw}}
        cases = [
            ("Database", node(CatalogSource={"Name": "src", "Database": "db\nx", "Table": "t"})),
            ("Table", node(CatalogSource={"Name": "src", "Database": "db", "Table": "t\x01"})),
            ("SqlQuery", node(SparkSQL={**sql, "SqlQuery": "select\x07 1"})),
            ("Ruleset", node(EvaluateDataQuality={**dq, "Ruleset": "Rules = [ \u00e9 ]"})),
            ("Runtime", {"Command": {"Name": "glueray", "ScriptLocation": SCRIPT, "Runtime": "Ray2.4\n"}}),
        ]
        for member, extra in cases:
            with self.subTest(member=member):
                self.bad_raw(member, **extra)
        # what the patterns allow is still accepted: tab, vertical tab and form feed in an enclosed string, line
        # breaks in SQL and rulesets, any character but a line break in a runtime name
        self.mkjob(**node(CatalogSource={"Name": "src", "Database": "d\tb\x0b\x0c\u00e9", "Table": "t"}))
        self.mkjob(**node(SparkSQL={**sql, "SqlQuery": "select 1\r\nfrom\tt\x0b\x0c\u00e9"}))
        self.mkjob(**node(EvaluateDataQuality={**dq, "Ruleset": "Rules = [\r\n\tRowCount > 0\x0b\x0c]"}))
        self.mkjob(command="glueray", Command={"Name": "glueray", "ScriptLocation": SCRIPT, "Runtime": "Ray2.4\x01"})

    def test_type_errors_are_serialization_exception(self):
        cases = [
            {"MaxRetries": "3"},
            {"Timeout": "10"},
            {"Timeout": 1.5},
            {"Command": "glueetl"},
            {"DefaultArguments": ["--a", "b"]},
            {"DefaultArguments": {"--a": 1}},
            {"ExecutionProperty": {"MaxConcurrentRuns": "2"}},
            {"MaxCapacity": "1.0"},
            {"Role": 7},
        ]
        for extra in cases:
            with self.subTest(extra=extra):
                name = self.uname("job")
                args = {"Name": name, "Role": ROLE, "Command": {"Name": "glueetl", "ScriptLocation": SCRIPT}}
                args.update(extra)
                self.raw_err("CreateJob", args, "SerializationException")
                self.assertTrue(self.missing(self.glue.get_job, JobName=name))


class UpdateJobTest(ResTestCase):
    def test_update_overwrites_whole_definition(self):
        name = self.mkjob(Description="d", DefaultArguments={"--a": "1"}, NonOverridableArguments={"--n": "x"},
                          MaxRetries=3, Timeout=100, ExecutionProperty={"MaxConcurrentRuns": 5},
                          WorkerType="G.1X", NumberOfWorkers=4, GlueVersion="4.0")
        before = self.getjob(name)
        time.sleep(0.05)
        out = self.glue.update_job(JobName=name, JobUpdate={"Role": "NewRole",
                                                            "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/new.py"}})
        self.assertEqual(out["JobName"], name)
        after = self.getjob(name)
        self.assertEqual(after["Role"], "NewRole")
        self.assertEqual(after["Command"]["ScriptLocation"], "s3://b/new.py")
        for gone in ("Description", "DefaultArguments", "NonOverridableArguments", "WorkerType", "NumberOfWorkers",
                     "GlueVersion"):
            self.assertFalse(after.get(gone), f"{gone} should have been cleared by the overwrite: {after.get(gone)!r}")
        self.assertEqual(after["MaxRetries"], 0)
        self.assertEqual(after["Timeout"], 2880)
        self.assertEqual(after["ExecutionProperty"], {"MaxConcurrentRuns": 1})
        self.assertEqual(after["CreatedOn"], before["CreatedOn"])
        self.assertGreater(after["LastModifiedOn"], before["LastModifiedOn"])

    def test_update_sets_new_values(self):
        name = self.mkjob()
        self.glue.update_job(JobName=name, JobUpdate={
            "Role": ROLE, "Command": {"Name": "pythonshell", "ScriptLocation": SCRIPT},
            "Description": "new", "MaxRetries": 2, "Timeout": 60, "DefaultArguments": {"--x": "y"}})
        job = self.getjob(name)
        self.assertEqual((job["Description"], job["MaxRetries"], job["Timeout"]), ("new", 2, 60))
        self.assertEqual(job["DefaultArguments"], {"--x": "y"})
        self.assertEqual(job["Command"]["Name"], "pythonshell")
        self.assertEqual(job["MaxCapacity"], 0.0625, "pythonshell default capacity applies on update too")

    def test_update_response_raw(self):
        name = self.mkjob()
        out = self.raw_ok("UpdateJob", {"JobName": name, "JobUpdate": {"Role": ROLE, "Command": {"Name": "glueetl"}}})
        self.assertEqual(out, {"JobName": name})

    def test_update_to_streaming_drops_timeout(self):
        name = self.mkjob(Timeout=77)
        self.glue.update_job(JobName=name, JobUpdate={"Role": ROLE, "Command": {"Name": "gluestreaming"}})
        self.assertNotIn("Timeout", self.getjob(name))

    def test_update_to_glue5_gets_480_timeout(self):
        name = self.mkjob()
        self.glue.update_job(JobName=name, JobUpdate={"Role": ROLE, "Command": {"Name": "glueetl"},
                                                      "GlueVersion": "5.0"})
        self.assertEqual(self.getjob(name)["Timeout"], 480)

    def test_update_requires_role_and_command(self):
        name = self.mkjob(Description="keep")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={"Command": {"Name": "glueetl"}}, member="Role")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={"Role": ROLE}, member="Command")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name, JobUpdate={})
        self.assertEqual(self.getjob(name)["Description"], "keep", "a rejected update changed the job")

    def test_update_missing_job_is_entity_not_found(self):
        name = self.uname("nojob")
        err = self.assertClientError("EntityNotFoundException", self.glue.update_job, JobName=name,
                                     JobUpdate={"Role": ROLE, "Command": {"Name": "glueetl"}})
        self.assertIn(name, err["Error"]["Message"])
        self.assertTrue(self.missing(self.glue.get_job, JobName=name), "UpdateJob created a job")

    def test_update_applies_the_create_rules(self):
        name = self.mkjob(Timeout=50)
        good = {"Role": ROLE, "Command": {"Name": "glueetl"}}
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "Command": {"Name": "bogus"}}, member="Command.Name")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "Timeout": 10081}, member="Timeout")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "MaxRetries": 11}, member="MaxRetries")
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "WorkerType": "G.1X"})
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2})
        self.assertClientError("InvalidInputException", self.glue.update_job, JobName=name,
                               JobUpdate={**good, "Description": "x" * 2049}, member="Description")
        self.raw_err("UpdateJob", {"JobName": name, "JobUpdate": {**good, "Timeout": 0}}, "InvalidInputException",
                     "Timeout")
        self.raw_err("UpdateJob", {"JobName": name, "JobUpdate": {**good, "MaxRetries": "1"}},
                     "SerializationException")
        self.assertEqual(self.getjob(name)["Timeout"], 50, "a rejected update changed the job")


class DeleteAndTagJobTest(ResTestCase):
    def test_delete_then_gone_and_idempotent(self):
        name = self.mkjob()
        self.assertEqual(self.raw_ok("DeleteJob", {"JobName": name}), {"JobName": name})
        self.assertTrue(self.missing(self.glue.get_job, JobName=name))
        self.assertEqual(self.glue.delete_job(JobName=name)["JobName"], name)
        never = self.uname("never")
        self.assertEqual(self.glue.delete_job(JobName=never)["JobName"], never)

    def test_recreate_after_delete(self):
        name = self.mkjob(Description="old")
        self.glue.delete_job(JobName=name)
        self.mkjob(name=name, Description="new")
        self.assertEqual(self.getjob(name)["Description"], "new")

    def test_tags_on_job_arn(self):
        name = self.mkjob(Tags={"a": "1"})
        arn = res_arn("job", name)
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"a": "1"})
        self.glue.tag_resource(ResourceArn=arn, TagsToAdd={"b": "2", "a": "one"})
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"a": "one", "b": "2"})
        self.glue.untag_resource(ResourceArn=arn, TagsToRemove=["a"])
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"b": "2"})

    def test_tags_on_missing_job(self):
        arn = res_arn("job", self.uname("nojob"))
        self.assertClientError("EntityNotFoundException", self.glue.get_tags, ResourceArn=arn)
        self.assertClientError("EntityNotFoundException", self.glue.tag_resource, ResourceArn=arn,
                               TagsToAdd={"a": "b"})

    def test_update_keeps_tags(self):
        name = self.mkjob(Tags={"keep": "me"})
        self.glue.update_job(JobName=name, JobUpdate={"Role": ROLE, "Command": {"Name": "glueetl"}})
        self.assertEqual(self.tags("job", name), {"keep": "me"})

    def test_recreated_job_has_no_old_tags(self):
        name = self.mkjob(Tags={"old": "1"})
        self.glue.delete_job(JobName=name)
        self.mkjob(name=name)
        self.assertEqual(self.tags("job", name), {})

    def test_paging_is_stable_under_deletes_and_inserts(self):
        pre = self.uname("pg")
        mine = [f"{pre}-{i:02d}" for i in range(8)]
        for n in mine:
            self.mkjob(name=n)
        full = self.pages(self.glue.get_jobs, "Jobs", max_results=1000)[0]
        names = [j["Name"] for j in full]
        cut = names.index(mine[2]) + 1
        first, seen, token = [], [], None
        while len(first) < cut:  # page up to and including mine[2]
            r = self.glue.get_jobs(MaxResults=min(3, cut - len(first)), **({"NextToken": token} if token else {}))
            first += [j["Name"] for j in r["Jobs"]]
            token = r["NextToken"]
        self.assertEqual(first, names[:cut])
        self.glue.delete_job(JobName=mine[3])      # the next item goes
        self.glue.delete_job(JobName=mine[0])      # an item already seen goes
        self.mkjob(name=mine[4] + "a")             # an item ahead is added
        rest = []
        while token:
            r = self.glue.get_jobs(MaxResults=2, NextToken=token)
            rest += [j["Name"] for j in r["Jobs"]]
            token = r.get("NextToken")
        want = [n for n in names[cut:] if n != mine[3]]
        want.insert(want.index(mine[4]) + 1, mine[4] + "a")
        self.assertEqual(rest, want)

    def test_token_of_another_listing_is_refused(self):
        self.mkjob()
        self.mkjob()
        tok = self.glue.list_jobs(MaxResults=1)["NextToken"]
        self.assertClientError("InvalidInputException", self.glue.get_jobs, NextToken=tok)
        self.assertClientError("InvalidInputException", self.glue.get_triggers, NextToken=tok)
        self.assertClientError("InvalidInputException", self.glue.get_crawlers, NextToken=tok)

    def test_job_tags_do_not_leak_to_workflow_of_same_name(self):
        name = self.mkjob(Tags={"k": "job"})
        self.mkwf(name=name, Tags={"k": "wf"})
        self.assertEqual(self.tags("job", name), {"k": "job"})
        self.assertEqual(self.tags("workflow", name), {"k": "wf"})


class JobListingTest(ResTestCase):
    """A server holding exactly the jobs made in setUpClass (tests here only read, or add jobs they remove)."""

    N = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.names = sorted(f"lj-{i:03d}-{'x' * (i % 4)}" for i in range(cls.N))
        for i, n in enumerate(cls.names):
            tags = {}
            if i % 3 == 0:
                tags["color"] = "red"
            if i % 5 == 0:
                tags["size"] = "big"
            kw = {"Tags": tags} if tags else {}
            cls.glue.create_job(Name=n, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": SCRIPT}, **kw)

    def test_get_jobs_default_page_is_25(self):
        r = self.glue.get_jobs()
        self.assertEqual([j["Name"] for j in r["Jobs"]], self.names[:25])
        self.assertTrue(r.get("NextToken"))
        r2 = self.glue.get_jobs(NextToken=r["NextToken"])
        self.assertEqual([j["Name"] for j in r2["Jobs"]], self.names[25:])
        self.assertNotIn("NextToken", r2)

    def test_get_jobs_pages_sorted(self):
        for size in (1, 7, 30, 1000):
            with self.subTest(size=size):
                items, n = self.pages(self.glue.get_jobs, "Jobs", max_results=size)
                self.assertEqual([j["Name"] for j in items], self.names)
                self.assertEqual(n, -(-self.N // size))

    def test_get_jobs_items_are_full_jobs(self):
        r = self.glue.get_jobs(MaxResults=2)
        for j in r["Jobs"]:
            self.assertEqual(j["Role"], ROLE)
            self.assertEqual(j["Command"]["Name"], "glueetl")
            self.assertEqual(j["Timeout"], 2880)

    def test_get_jobs_paginator(self):
        names = []
        for page in self.glue.get_paginator("get_jobs").paginate(PaginationConfig={"PageSize": 4}):
            names += [j["Name"] for j in page["Jobs"]]
        self.assertEqual(names, self.names)

    def test_list_jobs_pages(self):
        r = self.glue.list_jobs()
        self.assertEqual(r["JobNames"], self.names[:25])
        items, n = self.pages(self.glue.list_jobs, "JobNames", max_results=8)
        self.assertEqual(items, self.names)
        self.assertEqual(n, 4)

    def test_list_jobs_tag_filter(self):
        red = [n for i, n in enumerate(self.names) if i % 3 == 0]
        big = [n for i, n in enumerate(self.names) if i % 5 == 0]
        both = [n for i, n in enumerate(self.names) if i % 15 == 0]
        self.assertEqual(self.pages(self.glue.list_jobs, "JobNames", Tags={"color": "red"})[0], red)
        self.assertEqual(self.pages(self.glue.list_jobs, "JobNames", max_results=2, Tags={"size": "big"})[0], big)
        self.assertEqual(self.pages(self.glue.list_jobs, "JobNames", Tags={"color": "red", "size": "big"})[0], both)
        self.assertEqual(self.pages(self.glue.list_jobs, "JobNames", Tags={"color": "blue"})[0], [])
        self.assertEqual(self.pages(self.glue.list_jobs, "JobNames", Tags={"nosuch": "red"})[0], [])

    def test_list_jobs_tag_filter_sees_tag_resource(self):
        name = self.names[1]
        arn = res_arn("job", name)
        self.glue.tag_resource(ResourceArn=arn, TagsToAdd={"late": "yes"})
        try:
            self.assertEqual(self.glue.list_jobs(Tags={"late": "yes"})["JobNames"], [name])
        finally:
            self.glue.untag_resource(ResourceArn=arn, TagsToRemove=["late"])
        self.assertEqual(self.glue.list_jobs(Tags={"late": "yes"})["JobNames"], [])

    def test_max_results_bounds(self):
        for op in ("GetJobs", "ListJobs"):
            with self.subTest(op=op):
                self.raw_err(op, {"MaxResults": 0}, "InvalidInputException", "MaxResults")
                self.raw_err(op, {"MaxResults": 1001}, "InvalidInputException", "MaxResults")
                self.raw_err(op, {"MaxResults": "5"}, "SerializationException")
        self.assertClientError("InvalidInputException", self.glue.get_jobs, MaxResults=1001, member="MaxResults")

    def test_forged_token_is_invalid_input(self):
        for tok in ("garbage", "eyJ4IjoxfQ==", "A" * 200):
            with self.subTest(tok=tok):
                self.assertClientError("InvalidInputException", self.glue.get_jobs, NextToken=tok)
                self.assertClientError("InvalidInputException", self.glue.list_jobs, NextToken=tok)

    def test_batch_get_jobs(self):
        want = [self.names[3], self.names[0]]
        r = self.glue.batch_get_jobs(JobNames=want + ["lj-nope-1", "lj-nope-2"])
        self.assertEqual(sorted(j["Name"] for j in r["Jobs"]), sorted(want))
        self.assertEqual(sorted(r["JobsNotFound"]), ["lj-nope-1", "lj-nope-2"])
        r = self.glue.batch_get_jobs(JobNames=want)
        self.assertEqual(len(r["Jobs"]), 2)
        self.assertEqual(r.get("JobsNotFound", []), [])
        r = self.glue.batch_get_jobs(JobNames=["lj-nope-3"])
        self.assertEqual((r.get("Jobs", []), r["JobsNotFound"]), ([], ["lj-nope-3"]))
        got = r = self.raw_ok("BatchGetJobs", {"JobNames": [self.names[5]]})
        self.assertEqual(got["Jobs"][0]["Name"], self.names[5])

    def test_batch_get_jobs_requires_names(self):
        self.raw_err("BatchGetJobs", {}, "InvalidInputException", "JobNames")
