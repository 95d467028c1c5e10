"""CreateCrawler, GetCrawler, UpdateCrawler, DeleteCrawler, GetCrawlers, ListCrawlers, BatchGetCrawlers and crawler
tags with boto3 (raw HTTP for what botocore refuses to send). Every boto3 success answer is checked against the
Glue model by the harness hook."""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _res_helpers import ResTestCase, res_arn  # noqa: E402

S3 = {"S3Targets": [{"Path": "s3://bucket/data/"}]}


class CrawlerCrudTest(ResTestCase):
    def test_minimal_create_and_get(self):
        t0 = datetime.datetime.now(datetime.timezone.utc)
        name = self.uname("crawler")
        self.assertEqual(self.raw_ok("CreateCrawler", {"Name": name, "Role": "R", "Targets": S3}), {})
        c = self.getcrawler(name)
        self.assertEqual((c["Name"], c["Role"], c["State"], c["Version"]), (name, "R", "READY", 1))
        self.assertEqual(c["Targets"]["S3Targets"], [{"Path": "s3://bucket/data/"}])
        self.assertLess(abs((c["CreationTime"] - t0).total_seconds()), 30)
        self.assertGreaterEqual(c["LastUpdated"], c["CreationTime"])
        for absent in ("Schedule", "Description", "DatabaseName", "LastCrawl"):
            self.assertNotIn(absent, c)
        raw = self.raw_ok("GetCrawler", {"Name": name})["Crawler"]
        self.assertIsInstance(raw["CreationTime"], (int, float))
        self.assertIsInstance(raw["Version"], int)

    def test_full_create_round_trips(self):
        name = self.uname("crawler")
        spec = dict(
            Role="arn:aws:iam::123456789012:role/C",
            DatabaseName="db1",
            Description="multi\nline",
            Targets={"S3Targets": [{"Path": "s3://b/p1/", "Exclusions": ["**.tmp", "_x/**"]}, {"Path": "s3://b/p2"}]},
            Classifiers=["cls-a"],
            TablePrefix="pre_",
            SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
            RecrawlPolicy={"RecrawlBehavior": "CRAWL_EVERYTHING"},
            LineageConfiguration={"CrawlerLineageSettings": "DISABLE"},
            Configuration='{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}',
        )
        self.glue.create_crawler(Name=name, Schedule="cron(0 3 * * ? *)", Tags={"t": "1"}, **spec)
        c = self.getcrawler(name)
        for k, v in spec.items():
            with self.subTest(field=k):
                self.assertEqual(c[k], v)
        self.assertEqual(c["Schedule"], {"ScheduleExpression": "cron(0 3 * * ? *)", "State": "SCHEDULED"})
        self.assertEqual(self.tags("crawler", name), {"t": "1"})

    def test_targets_must_hold_a_target(self):
        for targets in ({}, {"S3Targets": []}, {"S3Targets": [{}]}, {"S3Targets": [{"Exclusions": ["a"]}]}):
            with self.subTest(targets=targets):
                name = self.uname("crawler")
                self.assertClientError("InvalidInputException", self.glue.create_crawler, Name=name, Role="R",
                                       Targets=targets)
                self.assertTrue(self.missing(self.glue.get_crawler, Name=name))

    def test_missing_required_members(self):
        base = {"Name": self.uname("crawler"), "Role": "R", "Targets": S3}
        for drop in ("Name", "Role", "Targets"):
            with self.subTest(missing=drop):
                self.raw_err("CreateCrawler", {k: v for k, v in base.items() if k != drop},
                             "InvalidInputException", drop)
        self.assertTrue(self.missing(self.glue.get_crawler, Name=base["Name"]))

    def test_type_errors(self):
        for extra in ({"Targets": "s3://x"}, {"Targets": {"S3Targets": {"Path": "s3://x"}}}, {"Role": 1},
                      {"Classifiers": "c"}):
            with self.subTest(extra=extra):
                body = {"Name": self.uname("crawler"), "Role": "R", "Targets": S3}
                body.update(extra)
                self.raw_err("CreateCrawler", body, "SerializationException")

    def test_name_and_description_rules(self):
        for kw, member in (({"Name": "c" * 256}, "Name"), ({"Name": "a\nb"}, "Name"),
                           ({"Description": "d" * 2049}, "Description"), ({"Description": "\x02"}, "Description")):
            with self.subTest(kw=kw):
                args = {"Name": self.uname("crawler"), "Role": "R", "Targets": S3}
                args.update(kw)
                self.assertClientError("InvalidInputException", self.glue.create_crawler, member=member, **args)
        self.assertEqual(self.getcrawler(self.mkcrawler(Description="d" * 2048))["Description"], "d" * 2048)
        self.raw_err("CreateCrawler", {"Name": "", "Role": "R", "Targets": S3}, "InvalidInputException", "Name")

    def test_database_name_and_role_rules(self):
        """DatabaseName follows CreateDatabase's rule for a database's Name (the crawl creates that database), and
        Role, which the model leaves unbounded, is not empty; the same on UpdateCrawler."""
        cases = [({"DatabaseName": db}, "DatabaseName") for db in ("bad\nname", "d" * 300, "x\x01")]
        for kw, member in cases + [({"Role": ""}, "Role")]:
            with self.subTest(kw=kw):
                args = {"Name": self.uname("crawler"), "Role": "R", "Targets": S3}
                args.update(kw)
                err = self.assertClientError("InvalidInputException", self.glue.create_crawler, member=member, **args)
                self.assertTrue(self.missing(self.glue.get_crawler, Name=args["Name"]))
                # the message in CreateDatabase's words for the same name
                if member == "DatabaseName":
                    db_err = self.assertClientError("InvalidInputException", self.glue.create_database,
                                                    DatabaseInput={"Name": kw["DatabaseName"]})
                    self.assertEqual(err["Error"]["Message"],
                                     db_err["Error"]["Message"].replace("DatabaseInput.Name", "DatabaseName"))
                name = self.mkcrawler(DatabaseName="keep")
                self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=name, member=member,
                                       **kw)
                c = self.getcrawler(name)
                self.assertEqual((c["DatabaseName"], c["Role"], c["Version"]), ("keep", "GlueCrawlerRole", 1))
        name = self.mkcrawler(DatabaseName="Sales_" + "d" * 249)
        self.assertEqual(self.getcrawler(name)["DatabaseName"], "Sales_" + "d" * 249)
        self.glue.update_crawler(Name=name, DatabaseName="", Role="R2")  # an empty DatabaseName: none
        self.assertEqual((self.getcrawler(name)["DatabaseName"], self.getcrawler(name)["Role"]), ("", "R2"))

    def test_configuration_rules(self):
        """Configuration is a JSON object, and the options the crawl reads take the values it knows; keys it does
        not read are kept as given. The same on UpdateCrawler."""
        bad = [("not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"),
               ('{"Version": "1.0"}', "Version must be a number"),
               ('{"Grouping": "CombineCompatibleSchemas"}', "Configuration.Grouping must be a JSON object"),
               ('{"Grouping": {"TableGroupingPolicy": "Bogus"}}',
                "Configuration.Grouping.TableGroupingPolicy must be CombineCompatibleSchemas"),
               ('{"CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "Nope"}}}',
                "Configuration.CrawlerOutput.Partitions.AddOrUpdateBehavior must be InheritFromTable"),
               ('{"CrawlerOutput": {"Tables": {"AddOrUpdateBehavior": 1}}}',
                "Configuration.CrawlerOutput.Tables.AddOrUpdateBehavior must be MergeNewColumns")]
        for conf, msg in bad:
            with self.subTest(conf=conf):
                args = {"Name": self.uname("crawler"), "Role": "R", "Targets": S3, "Configuration": conf}
                err = self.assertClientError("InvalidInputException", self.glue.create_crawler, **args)
                self.assertIn(msg, err["Error"]["Message"])
                self.assertTrue(self.missing(self.glue.get_crawler, Name=args["Name"]))
                name = self.mkcrawler()
                err = self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=name,
                                             Configuration=conf)
                self.assertIn(msg, err["Error"]["Message"])
                self.assertNotIn("Configuration", self.getcrawler(name))
        good = ('{"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}, '
                '"CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}, '
                '"CreatePartitionIndex": true}')
        self.assertEqual(self.getcrawler(self.mkcrawler(Configuration=good))["Configuration"], good)

    def test_new_folders_only_takes_log_behaviors(self):
        """RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY with any SchemaChangePolicy but LOG and LOG is refused, in AWS's words,
        on CreateCrawler (glued's default policy is UPDATE_IN_DATABASE and DEPRECATE_IN_DATABASE) and on an
        UpdateCrawler that changes either policy alone."""
        msg = ('The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG DeleteBehavior '
               'value and LOG UpdateBehavior value.')
        new_only = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
        log = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
        for scp in (None, {"UpdateBehavior": "LOG"}, {"DeleteBehavior": "LOG"},
                    {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
                    {"UpdateBehavior": "LOG", "DeleteBehavior": "DELETE_FROM_DATABASE"}):
            with self.subTest(scp=scp):
                name = self.uname("crawler")
                kw = {"SchemaChangePolicy": scp} if scp else {}
                err = self.assertClientError("InvalidInputException", self.glue.create_crawler, Name=name, Role="R",
                                             Targets=S3, RecrawlPolicy=new_only, **kw)
                self.assertEqual(err["Error"]["Message"], msg)
                self.assertTrue(self.missing(self.glue.get_crawler, Name=name))
        ok = self.mkcrawler(RecrawlPolicy=new_only, SchemaChangePolicy=log)
        self.assertEqual((self.getcrawler(ok)["RecrawlPolicy"], self.getcrawler(ok)["SchemaChangePolicy"]),
                         (new_only, log))
        # an update of one policy is held to the other as stored
        scp = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
        err = self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=ok, SchemaChangePolicy=scp)
        self.assertEqual(err["Error"]["Message"], msg)
        plain = self.mkcrawler()
        err = self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=plain,
                                     RecrawlPolicy=new_only)
        self.assertEqual(err["Error"]["Message"], msg)
        self.assertEqual((self.getcrawler(ok)["Version"], self.getcrawler(plain)["Version"]), (1, 1))
        self.assertEqual(self.getcrawler(plain)["RecrawlPolicy"], {"RecrawlBehavior": "CRAWL_EVERYTHING"})
        # both at once, or leaving new folders only first, is fine
        self.glue.update_crawler(Name=plain, RecrawlPolicy=new_only, SchemaChangePolicy=log)
        self.glue.update_crawler(Name=ok, RecrawlPolicy={"RecrawlBehavior": "CRAWL_EVERYTHING"})
        self.glue.update_crawler(Name=ok, SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE",
                                                              "DeleteBehavior": "DELETE_FROM_DATABASE"})
        self.assertEqual((self.getcrawler(plain)["Version"], self.getcrawler(ok)["Version"]), (2, 3))

    def test_tag_limits(self):
        for tags in ({f"k{i}": "v" for i in range(51)}, {"k" * 129: "v"}, {"k": "v" * 257}):
            with self.subTest(n=len(tags)):
                name = self.uname("crawler")
                self.assertClientError("InvalidInputException", self.glue.create_crawler, Name=name, Role="R",
                                       Targets=S3, Tags=tags, member="Tags")
                self.assertTrue(self.missing(self.glue.get_crawler, Name=name))

    def test_bad_schedule(self):
        for sched in ("every day", "cron(0 3 * *)", "cron(61 3 * * ? *)"):
            with self.subTest(schedule=sched):
                name = self.uname("crawler")
                self.assertClientError("InvalidInputException", self.glue.create_crawler, Name=name, Role="R",
                                       Targets=S3, Schedule=sched, member="Schedule")
                self.assertTrue(self.missing(self.glue.get_crawler, Name=name))

    def test_duplicate_is_already_exists(self):
        name = self.mkcrawler(Description="first")
        self.assertClientError("AlreadyExistsException", self.glue.create_crawler, Name=name, Role="X", Targets=S3,
                               Description="second")
        self.assertEqual(self.getcrawler(name)["Description"], "first")

    def test_missing_crawler(self):
        name = self.uname("nocr")
        for fn, kw in ((self.glue.get_crawler, {}), (self.glue.delete_crawler, {}),
                       (self.glue.update_crawler, {"Description": "x"})):
            with self.subTest(op=fn.__name__):
                err = self.assertClientError("EntityNotFoundException", fn, Name=name, **kw)
                self.assertIn(name, err["Error"]["Message"])
        self.assertTrue(self.missing(self.glue.get_crawler, Name=name), "UpdateCrawler created a crawler")
        # ListCrawls names one crawler, and the model gives it EntityNotFoundException: not an empty list
        err = self.assertClientError("EntityNotFoundException", self.glue.list_crawls, CrawlerName=name)
        self.assertIn(name, err["Error"]["Message"])

    def test_delete(self):
        name = self.mkcrawler()
        self.assertEqual(self.raw_ok("DeleteCrawler", {"Name": name}), {})
        self.assertTrue(self.missing(self.glue.get_crawler, Name=name))
        self.assertClientError("EntityNotFoundException", self.glue.delete_crawler, Name=name)

    def test_update_changes_only_given_fields(self):
        name = self.mkcrawler(DatabaseName="db", Description="d", TablePrefix="p_", Schedule="cron(0 3 * * ? *)")
        before = self.getcrawler(name)
        time.sleep(0.05)
        self.assertEqual(self.raw_ok("UpdateCrawler", {"Name": name, "Description": "new"}), {})
        after = self.getcrawler(name)
        self.assertEqual(after["Description"], "new")
        self.assertEqual(after["Version"], 2)
        self.assertGreater(after["LastUpdated"], before["LastUpdated"])
        self.assertEqual(after["CreationTime"], before["CreationTime"])
        for k in ("Role", "Targets", "DatabaseName", "TablePrefix", "Schedule", "State"):
            self.assertEqual(after[k], before[k], k)

        time.sleep(0.05)
        self.glue.update_crawler(Name=name, Role="R2", Targets={"S3Targets": [{"Path": "s3://new/"}]},
                                 Schedule="cron(30 4 * * ? *)")
        after2 = self.getcrawler(name)
        self.assertEqual(after2["Version"], 3)
        self.assertEqual(after2["Role"], "R2")
        self.assertEqual(after2["Targets"]["S3Targets"], [{"Path": "s3://new/"}])
        self.assertEqual(after2["Schedule"]["ScheduleExpression"], "cron(30 4 * * ? *)")
        self.assertEqual((after2["Description"], after2["DatabaseName"]), ("new", "db"))
        self.assertGreater(after2["LastUpdated"], after["LastUpdated"])

    def test_update_validates(self):
        name = self.mkcrawler(Description="keep")
        self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=name, Targets={})
        self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=name,
                               Description="d" * 2049, member="Description")
        self.assertClientError("InvalidInputException", self.glue.update_crawler, Name=name,
                               Schedule="cron(nope)", member="Schedule")
        c = self.getcrawler(name)
        self.assertEqual((c["Description"], c["Version"]), ("keep", 1), "a rejected update changed the crawler")

    def test_tags_on_crawler_arn(self):
        name = self.mkcrawler()
        arn = res_arn("crawler", name)
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {})
        self.glue.tag_resource(ResourceArn=arn, TagsToAdd={"a": "1", "b": "2"})
        self.glue.untag_resource(ResourceArn=arn, TagsToRemove=["b", "zz"])
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"a": "1"})
        self.assertClientError("EntityNotFoundException", self.glue.get_tags,
                               ResourceArn=res_arn("crawler", self.uname("nocr")))


class CrawlerListingTest(ResTestCase):
    N = 27

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.names = [f"cr-{i:03d}" for i in range(cls.N)]
        for i, n in enumerate(cls.names):
            kw = {"Tags": {"even": "1"}} if i % 2 == 0 else {}
            cls.glue.create_crawler(Name=n, Role="R", Targets=S3, **kw)

    def test_get_crawlers_default_page_is_25(self):
        r = self.glue.get_crawlers()
        self.assertEqual([c["Name"] for c in r["Crawlers"]], self.names[:25])
        r2 = self.glue.get_crawlers(NextToken=r["NextToken"])
        self.assertEqual([c["Name"] for c in r2["Crawlers"]], self.names[25:])
        self.assertNotIn("NextToken", r2)

    def test_get_crawlers_pages(self):
        for size in (1, 5, 27, 1000):
            with self.subTest(size=size):
                items, n = self.pages(self.glue.get_crawlers, "Crawlers", max_results=size)
                self.assertEqual([c["Name"] for c in items], self.names)
                self.assertEqual(n, -(-self.N // size))
                self.assertTrue(all(c["State"] == "READY" and c["Version"] == 1 for c in items))

    def test_get_crawlers_paginator(self):
        names = []
        for page in self.glue.get_paginator("get_crawlers").paginate(PaginationConfig={"PageSize": 10}):
            names += [c["Name"] for c in page["Crawlers"]]
        self.assertEqual(names, self.names)

    def test_list_crawlers(self):
        self.assertEqual(self.glue.list_crawlers()["CrawlerNames"], self.names[:25])
        self.assertEqual(self.pages(self.glue.list_crawlers, "CrawlerNames", max_results=4)[0], self.names)
        self.assertEqual(self.pages(self.glue.list_crawlers, "CrawlerNames", Tags={"even": "1"})[0],
                         self.names[::2])
        self.assertEqual(self.glue.list_crawlers(Tags={"even": "2"})["CrawlerNames"], [])

    def test_max_results_and_token(self):
        for op in ("GetCrawlers", "ListCrawlers"):
            with self.subTest(op=op):
                self.raw_err(op, {"MaxResults": 0}, "InvalidInputException", "MaxResults")
                self.raw_err(op, {"MaxResults": 1001}, "InvalidInputException", "MaxResults")
                self.raw_err(op, {"NextToken": "forged"}, "InvalidInputException")

    def test_batch_get_crawlers(self):
        r = self.glue.batch_get_crawlers(CrawlerNames=["cr-002", "cr-nope", "cr-010"])
        self.assertEqual(sorted(c["Name"] for c in r["Crawlers"]), ["cr-002", "cr-010"])
        self.assertEqual(r["CrawlersNotFound"], ["cr-nope"])
        r = self.glue.batch_get_crawlers(CrawlerNames=["cr-001"])
        self.assertEqual(r["Crawlers"][0], self.getcrawler("cr-001"))
        self.assertEqual(r.get("CrawlersNotFound", []), [])
        r = self.glue.batch_get_crawlers(CrawlerNames=self.names + [f"zz-{i}" for i in range(73)])
        self.assertEqual(len(r["Crawlers"]), self.N)
        self.assertEqual(len(r["CrawlersNotFound"]), 73)
        self.assertClientError("InvalidInputException", self.glue.batch_get_crawlers,
                               CrawlerNames=[f"x{i}" for i in range(101)], member="CrawlerNames")
        self.raw_err("BatchGetCrawlers", {}, "InvalidInputException", "CrawlerNames")

    def test_crawler_metrics_pages_over_a_name_list_in_any_order(self):
        # the token holds the last name given: a list not in name order (with repeats and unknown names) must
        # still come out whole, each crawler once, and no token may lead to an empty page
        asked = ["cr-020", "cr-003", "nope-1", "cr-011", "cr-003", "cr-000", "nope-2"]
        pages = self.glue.get_paginator("get_crawler_metrics").paginate(
            CrawlerNameList=asked, PaginationConfig={"PageSize": 1, "MaxItems": 20})
        got = [[m["CrawlerName"] for m in p["CrawlerMetricsList"]] for p in pages]
        self.assertEqual(got, [["cr-000"], ["cr-003"], ["cr-011"], ["cr-020"]])
        one = self.glue.get_crawler_metrics(CrawlerNameList=asked)
        self.assertEqual([m["CrawlerName"] for m in one["CrawlerMetricsList"]],
                         ["cr-000", "cr-003", "cr-011", "cr-020"])
        self.assertNotIn("NextToken", one)
