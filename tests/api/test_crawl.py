"""Crawls that crawl, against a real glued with boto3: each classifier on generated files (CSV and its kin, JSON,
Parquet written by hyparquet-writer, gzip, and bad files), partitions, names and TablePrefix, Exclusions and
SampleSize, SchemaChangePolicy, RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY, the Configuration options, ListCrawls,
GetCrawlerMetrics and the crawl log (its escapes too), what a crawl refuses (a stored DatabaseName the catalog
refuses, targets glued does not crawl), StopCrawler, CrawlElapsedTime, and a restart during a crawl."""

import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import PG_BASE, REPO_ROOT, ServerTestCase, psql, run_binary  # noqa: E402

PARQUET_WRITER = os.path.join(REPO_ROOT, "tests", "parquet", "write.mjs")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def write_parquet(specs):
    """Writes Parquet files with hyparquet-writer (npm, installed by make test)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(specs, f)
    try:
        subprocess.run(["node", PARQUET_WRITER, f.name], check=True, capture_output=True, timeout=60)
    finally:
        os.unlink(f.name)


class CrawlTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="crawl-", dir=self.server.base)

    def crawler(self, path=None, db=None, **kw):
        name = self.uname("crawler")
        db = db or self.uname("db").replace("-", "_").lower()
        self.glue.create_crawler(Name=name, Role="r", DatabaseName=db,
                                 Targets={"S3Targets": [{"Path": path or self.root, **kw.pop("target", {})}]}, **kw)
        return name, db

    def crawl(self, name, timeout=60, want="SUCCEEDED"):
        self.glue.start_crawler(Name=name)
        deadline = time.time() + timeout
        while time.time() < deadline:
            c = self.glue.get_crawler(Name=name)["Crawler"]
            if c["State"] == "READY" and "LastCrawl" in c:
                break
            time.sleep(0.05)
        else:
            self.fail(f"crawler {name} still {c['State']} after {timeout}s")
        if want:
            self.assertEqual(c["LastCrawl"]["Status"], want, c["LastCrawl"].get("ErrorMessage"))
        return c

    def tables(self, db):
        return {t["Name"]: t for t in self.glue.get_tables(DatabaseName=db)["TableList"]}

    def cols(self, t):
        return [(c["Name"], c["Type"]) for c in t["StorageDescriptor"]["Columns"]]

    def parts(self, db, table):
        out, token = [], None
        while True:
            r = self.glue.get_partitions(DatabaseName=db, TableName=table, MaxResults=50,
                                         **({"NextToken": token} if token else {}))
            out += [tuple(p["Values"]) for p in r["Partitions"]]
            token = r.get("NextToken")
            if not token:
                return sorted(out)


class ClassifierTest(CrawlTestCase):
    def test_each_classifier(self):
        r = self.root
        write(f"{r}/comma/a.csv", "id,name,score,ok\n1,ann,1.5,true\n2,bob,2,false\n")
        write(f"{r}/pipe/a.txt", "id|name\n1|ann\n2|bob\n")
        write(f"{r}/tab/a.tsv", "id\tname\n1\tann\n2\tbob\n")
        write(f"{r}/semi/a.csv", "id;name\n1;ann\n2;bob\n")
        write(f"{r}/ctrla/a", "id\x01name\n1\x01ann\n2\x01bob\n")
        write(f"{r}/quoted/a.csv", 'id,text\n1,"a, b"\n2,"say ""hi"""\n')
        write(f"{r}/noheader/a.csv", "1,ann\n2,bob\n3,cy\n")
        write(f"{r}/strings/a.csv", "name,city\nann,paris\nbob,rome\n")
        write(f"{r}/jsonl/a.json", '{"id": 1, "geo": {"lat": 1.5}, "tags": ["x"]}\n{"id": 5000000000, "name": "b"}\n')
        write(f"{r}/jarray/a.json", '[{"a": 1}, {"a": 2.5, "b": true}]')
        write(f"{r}/gz/a.csv.gz", gzip.compress(b"id,v\n1,2\n3,4\n"))
        write(f"{r}/bad/empty.csv", "")
        write(f"{r}/bad/ragged.csv", "a,b\n1,2,3\n")
        write(f"{r}/bad/notutf8.csv", b"a,b\n\xff\xfe,1\n")
        write(f"{r}/bad/truncated.parquet", b"PAR1" + b"\0" * 20 + b"\x10\0\0\0PAR1"[:-3])
        os.makedirs(f"{r}/pq")
        write_parquet([{"file": f"{r}/pq/a.parquet", "columns": [
            {"name": "Id", "type": "INT64", "data": ["1", "2", "3"]},
            {"name": "name", "type": "STRING", "data": ["a", None, "c"]},
            {"name": "score", "type": "DOUBLE", "data": [1.5, 2, 3]},
            {"name": "at", "type": "TIMESTAMP", "data": ["2024-01-01T00:00:00Z", None, None]},
            {"name": "ok", "type": "BOOLEAN", "data": [True, False, True]}]}])
        name, db = self.crawler()
        c = self.crawl(name)
        t = self.tables(db)
        self.assertEqual(self.cols(t["comma"]), [("id", "bigint"), ("name", "string"), ("score", "double"),
                                                 ("ok", "boolean")])
        p = t["comma"]["Parameters"]
        self.assertEqual((p["classification"], p["skip.header.line.count"], p["recordCount"], p["objectCount"],
                          p["compressionType"], p["UPDATED_BY_CRAWLER"]), ("csv", "1", "2", "1", "none", name))
        for k in ("averageRecordSize", "sizeKey", "CrawlerSchemaSerializerVersion"):
            self.assertIn(k, p)
        serde = t["comma"]["StorageDescriptor"]["SerdeInfo"]
        self.assertEqual(serde["SerializationLibrary"], "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
        self.assertEqual(serde["Parameters"], {"field.delim": ","})
        for tname, delim in (("pipe", "|"), ("tab", "\t"), ("semi", ";"), ("ctrla", "\x01")):
            with self.subTest(table=tname):
                self.assertEqual(t[tname]["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"], delim)
                self.assertEqual(self.cols(t[tname]), [("id", "bigint"), ("name", "string")])
        self.assertEqual(t["quoted"]["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
                         "org.apache.hadoop.hive.serde2.OpenCSVSerde")
        self.assertEqual(self.cols(t["noheader"]), [("col0", "bigint"), ("col1", "string")])
        self.assertNotIn("skip.header.line.count", t["noheader"]["Parameters"])
        self.assertEqual(self.cols(t["strings"]), [("name", "string"), ("city", "string")])
        self.assertEqual(self.cols(t["jsonl"]), [("id", "bigint"), ("geo", "struct<lat:double>"),
                                                 ("tags", "array<string>"), ("name", "string")])
        self.assertEqual(t["jsonl"]["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
                         "org.openx.data.jsonserde.JsonSerDe")
        self.assertEqual(self.cols(t["jarray"]), [("a", "double"), ("b", "boolean")])
        self.assertEqual(t["gz"]["Parameters"]["compressionType"], "gzip")
        self.assertEqual(self.cols(t["gz"]), [("id", "bigint"), ("v", "bigint")])
        self.assertEqual(self.cols(t["pq"]), [("id", "bigint"), ("name", "string"), ("score", "double"),
                                              ("at", "timestamp"), ("ok", "boolean")])
        self.assertEqual((t["pq"]["Parameters"]["classification"], t["pq"]["Parameters"]["recordCount"]),
                         ("parquet", "3"))
        self.assertEqual(t["pq"]["StorageDescriptor"]["InputFormat"],
                         "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
        self.assertNotIn("bad", t)  # every bad file was skipped, and the crawl still succeeded
        log = run_binary(["logs", c["LastCrawl"]["MessagePrefix"], "--data", self.server.data_dir])
        self.assertEqual(log.returncode, 0, log.stderr)
        for why in ("empty.csv: file is empty", "ragged.csv: CSV has ragged rows", "notutf8.csv: file is not valid "
                    "UTF-8", "truncated.parquet: Parquet", "Created table comma"):
            self.assertIn(why, log.stdout)
        crawls = self.glue.list_crawls(CrawlerName=name)["Crawls"]
        self.assertEqual([x["State"] for x in crawls], ["COMPLETED"])
        self.assertEqual(json.loads(crawls[0]["Summary"])["TablesCreated"], len(t))
        m = self.glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
        self.assertEqual((m["CrawlerName"], m["TablesCreated"], m["StillEstimating"]), (name, len(t), False))

    def test_partitions_names_and_options(self):
        r = self.root
        for y, m in (("2023", "12"), ("2024", "01"), ("2024", "02")):
            write(f"{r}/Sales-Data/year={y}/month={m}/part.csv", f"id,amount\n1,{m}.5\n")
        write(f"{r}/Sales-Data/year=2024/month=02/_SUCCESS", "")
        write(f"{r}/logs/east/a.json", '{"msg": "x", "level": 1}\n')
        write(f"{r}/logs/west/b.json", '{"msg": "y", "level": 2}\n')
        write(f"{r}/scratch/tmp.csv", "a,b\n1,2\n")
        write(f"{r}/single.json", '{"k": 1}\n')
        name, db = self.crawler(TablePrefix="Raw_", target={"Exclusions": ["scratch/**"]})
        self.crawl(name)
        t = self.tables(db)
        self.assertEqual(sorted(t), ["raw_logs", "raw_sales_data", "raw_single_json"])
        s = t["raw_sales_data"]
        self.assertEqual([k["Name"] for k in s["PartitionKeys"]], ["year", "month"])
        self.assertEqual([k["Type"] for k in s["PartitionKeys"]], ["string", "string"])
        self.assertEqual(s["StorageDescriptor"]["Location"], f"{r}/Sales-Data/")
        self.assertEqual(self.parts(db, "raw_sales_data"), [("2023", "12"), ("2024", "01"), ("2024", "02")])
        p = self.glue.get_partition(DatabaseName=db, TableName="raw_sales_data", PartitionValues=["2024", "01"])
        self.assertEqual(p["Partition"]["StorageDescriptor"]["Location"], f"{r}/Sales-Data/year=2024/month=01/")
        self.assertEqual([k["Name"] for k in t["raw_logs"]["PartitionKeys"]], ["partition_0"])
        self.assertEqual(self.parts(db, "raw_logs"), [("east",), ("west",)])
        # the partition-predicate language on what the crawler wrote
        got = self.glue.get_partitions(DatabaseName=db, TableName="raw_sales_data",
                                       Expression="year = '2024' AND month > '01'")["Partitions"]
        self.assertEqual([x["Values"] for x in got], [["2024", "02"]])

    def test_sample_size_and_s3_and_file_urls(self):
        bucket = self.uname("bkt").lower()
        s3 = os.path.join(self.server.data_dir, "s3", bucket, "data", "t")
        for i in range(5):
            write(f"{s3}/f{i}.csv", "a,b\n1,2\n" if i < 2 else "x,y,z\n1,2,3\n")
        name, db = self.crawler(path=f"s3://{bucket}/data", target={"SampleSize": 2})
        self.crawl(name)
        t = self.tables(db)["data"] if "data" in self.tables(db) else self.tables(db)["t"]
        self.assertEqual(t["StorageDescriptor"]["Location"], f"s3://{bucket}/data/" if t["Name"] == "data"
                         else f"s3://{bucket}/data/t/")
        self.assertEqual(self.cols(t), [("a", "bigint"), ("b", "bigint")])  # only the first 2 files were read
        self.assertEqual(t["Parameters"]["objectCount"], "5")
        write(f"{self.root}/u/x.csv", "a,b\n1,2\n")
        name, db = self.crawler(path=f"file://{self.root}/u")
        self.crawl(name)
        self.assertEqual(self.tables(db)["u"]["StorageDescriptor"]["Location"], f"file://{self.root}/u/")
        name, db = self.crawler(path="ftp://nowhere/x")
        c = self.crawl(name, want="FAILED")
        self.assertIn("ftp://nowhere/x", c["LastCrawl"]["ErrorMessage"])


class PolicyTest(CrawlTestCase):
    def test_update_in_database_and_log(self):
        r = self.root
        write(f"{r}/t/a.csv", "id,v\n1,2\n")
        name, db = self.crawler(path=f"{r}/t")
        self.crawl(name)
        self.assertEqual(self.glue.get_table(DatabaseName=db, Name="t")["Table"]["VersionId"], "1")
        write(f"{r}/t/a.csv", "id,v,extra\n1,2,x\n")
        self.crawl(name)
        t = self.glue.get_table(DatabaseName=db, Name="t")["Table"]
        self.assertEqual((t["VersionId"], self.cols(t)[-1]), ("2", ("extra", "string")))
        self.assertEqual(len(self.glue.get_table_versions(DatabaseName=db, TableName="t")["TableVersions"]), 2)
        m = self.glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
        self.assertEqual(m["TablesUpdated"], 1)
        # LOG: the change is logged, the table stays
        self.glue.update_crawler(Name=name, SchemaChangePolicy={"UpdateBehavior": "LOG",
                                                                "DeleteBehavior": "LOG"})
        write(f"{r}/t/a.csv", "id,v,extra,more\n1,2,x,3\n")
        c = self.crawl(name)
        t = self.glue.get_table(DatabaseName=db, Name="t")["Table"]
        self.assertEqual((t["VersionId"], len(self.cols(t))), ("2", 3))
        log = run_binary(["logs", c["LastCrawl"]["MessagePrefix"], "--data", self.server.data_dir]).stdout
        self.assertIn("not applied (UpdateBehavior LOG)", log)

    def test_delete_behaviors(self):
        for behavior in ("DEPRECATE_IN_DATABASE", "DELETE_FROM_DATABASE", "LOG"):
            with self.subTest(behavior=behavior):
                root = tempfile.mkdtemp(dir=self.root)
                write(f"{root}/keep/a.csv", "a,b\n1,2\n")
                write(f"{root}/other/a.csv", "p,q,r\n1,2,3\n")
                write(f"{root}/gone/a.json", '{"q": 1}\n')
                name, db = self.crawler(path=root, SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE",
                                                                       "DeleteBehavior": behavior})
                self.crawl(name)
                self.assertEqual(sorted(self.tables(db)), ["gone", "keep", "other"])
                os.remove(f"{root}/gone/a.json")
                os.rmdir(f"{root}/gone")
                self.crawl(name)
                t = self.tables(db)
                if behavior == "DELETE_FROM_DATABASE":
                    self.assertEqual(sorted(t), ["keep", "other"])
                elif behavior == "DEPRECATE_IN_DATABASE":
                    self.assertIn("DEPRECATED_BY_CRAWLER", t["gone"]["Parameters"])
                else:
                    self.assertNotIn("DEPRECATED_BY_CRAWLER", t["gone"]["Parameters"])
                self.assertNotIn("DEPRECATED_BY_CRAWLER", t["keep"]["Parameters"])

    def test_partitions_whose_folders_are_gone(self):
        """DeleteBehavior for partitions as for tables: a partition of a crawled table whose folder is gone is kept
        (LOG), marked (DEPRECATE_IN_DATABASE) or deleted (DELETE_FROM_DATABASE); one outside the table's folder is
        not the crawl's."""
        for behavior in ("DEPRECATE_IN_DATABASE", "DELETE_FROM_DATABASE", "LOG"):
            with self.subTest(behavior=behavior):
                root = tempfile.mkdtemp(dir=self.root)
                for k in (1, 2, 3):
                    write(f"{root}/t/k={k}/a.csv", "id,v\n1,2\n")
                name, db = self.crawler(path=f"{root}/t", SchemaChangePolicy={
                    "UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": behavior})
                self.crawl(name)
                self.assertEqual(list(self.tables(db)), ["t"])
                t = self.glue.get_table(DatabaseName=db, Name="t")["Table"]
                sd = dict(t["StorageDescriptor"], Location="s3://elsewhere/k=9/")
                self.glue.create_partition(DatabaseName=db, TableName="t",
                                           PartitionInput={"Values": ["9"], "StorageDescriptor": sd})
                os.remove(f"{root}/t/k=2/a.csv")
                os.rmdir(f"{root}/t/k=2")
                c = self.crawl(name)
                parts = {p["Values"][0]: p for p in
                         self.glue.get_partitions(DatabaseName=db, TableName="t")["Partitions"]}
                marked = sorted(k for k, p in parts.items() if "DEPRECATED_BY_CRAWLER" in p.get("Parameters", {}))
                log = run_binary(["logs", c["LastCrawl"]["MessagePrefix"], "--data", self.server.data_dir]).stdout
                if behavior == "DELETE_FROM_DATABASE":
                    self.assertEqual((sorted(parts), marked), (["1", "3", "9"], []))
                    self.assertIn("Table t: 1 partitions' folders are gone; 1 deleted", log)
                elif behavior == "DEPRECATE_IN_DATABASE":
                    self.assertEqual((sorted(parts), marked), (["1", "2", "3", "9"], ["2"]))
                    self.assertIn("1 marked deprecated", log)
                else:
                    self.assertEqual((sorted(parts), marked), (["1", "2", "3", "9"], []))
                    self.assertIn("kept (DeleteBehavior LOG)", log)
                # the folder back: a partition again, found and unmarked
                write(f"{root}/t/k=2/a.csv", "id,v\n1,2\n")
                self.crawl(name)
                parts = {p["Values"][0]: p for p in
                         self.glue.get_partitions(DatabaseName=db, TableName="t")["Partitions"]}
                self.assertEqual(sorted(parts), ["1", "2", "3", "9"])
                self.assertNotIn("DEPRECATED_BY_CRAWLER", parts["2"].get("Parameters", {}))

    def test_missing_target_is_empty(self):
        write(f"{self.root}/t/a.csv", "a,b\n1,2\n")
        name, db = self.crawler(path=f"{self.root}/t", SchemaChangePolicy={
            "UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"})
        self.crawl(name)
        self.assertEqual(list(self.tables(db)), ["t"])
        os.remove(f"{self.root}/t/a.csv")
        os.rmdir(f"{self.root}/t")
        self.crawl(name)  # SUCCEEDED, and DeleteBehavior applied
        self.assertEqual(self.tables(db), {})
        os.makedirs(f"{self.root}/t")  # an empty folder is an empty target too
        self.crawl(name)
        self.assertEqual(self.tables(db), {})

    def test_new_folders_only(self):
        r = self.root
        write(f"{r}/ev/day=1/a.csv", "id,v\n1,2\n")
        write(f"{r}/ev/day=2/a.csv", "id,v\n1,2\n")
        name, db = self.crawler(path=f"{r}/ev", RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
                                SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"})
        self.crawl(name)
        self.assertEqual(self.parts(db, "ev"), [("1",), ("2",)])
        write(f"{r}/ev/day=1/a.csv", "totally,different,cols\nx,y,z\n")  # a seen folder: not read again
        write(f"{r}/ev/day=3/a.csv", "id,v\n5,6\n")
        c = self.crawl(name)
        self.assertEqual(self.parts(db, "ev"), [("1",), ("2",), ("3",)])
        self.assertEqual(self.cols(self.tables(db)["ev"]), [("id", "bigint"), ("v", "bigint")])
        summary = json.loads(self.glue.list_crawls(CrawlerName=name)["Crawls"][0]["Summary"])
        self.assertEqual((summary["FilesRead"], summary["PartitionsAdded"]), (1, 1))
        self.assertEqual(c["LastCrawl"]["Status"], "SUCCEEDED")

    def test_configuration_options(self):
        r = self.root
        # six distinct schemas would be six tables; CombineCompatibleSchemas makes one
        for i in range(6):
            write(f"{r}/p{i}/a.csv", f"a,b,c{i}\n1,2,3\n")
        conf = {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
                "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}
        name, db = self.crawler(Configuration=json.dumps(conf))
        self.crawl(name)
        t = self.tables(db)
        self.assertEqual(len(t), 1)
        (table,) = t.values()
        self.assertEqual(len(self.cols(table)), 8)
        # InheritFromTable: every partition carries the table's columns
        for p in self.glue.get_partitions(DatabaseName=db, TableName=table["Name"])["Partitions"]:
            self.assertEqual(p["StorageDescriptor"]["Columns"], table["StorageDescriptor"]["Columns"])
        name2, db2 = self.crawler()
        self.crawl(name2)
        self.assertEqual(len(self.tables(db2)), 6)


class GuardTest(CrawlTestCase):
    """What a crawl refuses to do, and says so."""

    def test_last_updated_is_the_definitions(self):
        """LastUpdated is when the definition last changed (CreateCrawler, UpdateCrawler): a crawl, which changes
        the crawler's State twice, leaves it."""
        write(f"{self.root}/t/a.csv", "a,b\n1,2\n")
        name, db = self.crawler(path=f"{self.root}/t")
        before = self.glue.get_crawler(Name=name)["Crawler"]["LastUpdated"]
        time.sleep(0.05)
        c = self.crawl(name)
        self.assertEqual(c["LastUpdated"], before)
        self.glue.update_crawler(Name=name, Description="d")
        self.assertGreater(self.glue.get_crawler(Name=name)["Crawler"]["LastUpdated"], before)

    def replace_in_doc(self, crawler, old, new):
        """Replaces text in a crawler's stored document, as a crawler stored by an older glued may hold it."""
        sql = "UPDATE resources SET doc = replace(doc, {0}, {1}) WHERE kind = 'crawler' AND name = {2}"
        if PG_BASE:
            lit = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731
            psql(self.server.db_path, sql.format(lit(old), lit(new), lit(crawler)))
            return
        con = sqlite3.connect(self.server.db_path, timeout=10)
        try:
            with con:
                self.assertEqual(con.execute(sql.format("?", "?", "?"), (old, new, crawler)).rowcount, 1)
        finally:
            con.close()

    def test_stored_bad_database_name_fails_the_crawl(self):
        write(f"{self.root}/t/a.csv", "a,b\n1,2\n")
        name, db = self.crawler(path=f"{self.root}/t")
        was = db
        for bad, why in (("bad\nname", "must be a single line"), ("d" * 300, "must be 1 to 255 characters")):
            with self.subTest(bad=bad[:10]):
                self.replace_in_doc(name, f'"DatabaseName":{json.dumps(was)}', f'"DatabaseName":{json.dumps(bad)}')
                was = bad
                self.assertEqual(self.glue.get_crawler(Name=name)["Crawler"]["DatabaseName"], bad)
                c = self.crawl(name, want="FAILED")
                msg = c["LastCrawl"]["ErrorMessage"]
                self.assertIn("DatabaseName " + why, msg)
                self.assertIn("no database was created", msg)
                names = [d["Name"] for d in self.glue.get_databases()["DatabaseList"]]
                self.assertNotIn(bad, names)
                self.assertNotIn(bad.lower(), names)
        self.glue.update_crawler(Name=name, DatabaseName=db)  # corrected, it crawls
        self.crawl(name)
        self.assertEqual(list(self.tables(db)), ["t"])

    def log(self, crawl):
        out = run_binary(["logs", crawl["LastCrawl"]["MessagePrefix"], "--data", self.server.data_dir])
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_unsupported_targets_are_named(self):
        jdbc = {"ConnectionName": "pg", "Path": "sales/%"}
        name, db = self.uname("crawler"), self.uname("db").replace("-", "_").lower()
        self.glue.create_crawler(Name=name, Role="r", DatabaseName=db, Targets={"JdbcTargets": [jdbc]})
        c = self.crawl(name, want="FAILED")
        msg = c["LastCrawl"]["ErrorMessage"]
        self.assertIn("no S3 target", msg)
        self.assertIn("1 JdbcTargets", msg)
        self.assertIn("not support yet", msg)
        log = self.log(c)
        self.assertIn('Skipping JdbcTargets[0] {"ConnectionName":"pg","Path":"sales/%"}: glued crawls S3 targets '
                      "only; JDBC targets are not supported yet", log)
        self.assertIn(msg, log)
        with self.assertRaises(self.glue.exceptions.EntityNotFoundException):
            self.glue.get_database(Name=db)  # nothing to write: no database either
        self.assertEqual(self.glue.list_crawls(CrawlerName=name)["Crawls"][0]["State"], "FAILED")
        # beside an S3 target, the others are skipped and named, and the crawl goes on
        write(f"{self.root}/t/a.csv", "a,b\n1,2\n")
        self.glue.update_crawler(Name=name, Targets={"S3Targets": [{"Path": f"{self.root}/t"}],
                                                     "DynamoDBTargets": [{"Path": "orders"}, {"Path": "users"}]})
        c = self.crawl(name)
        self.assertEqual(list(self.tables(db)), ["t"])
        log = self.log(c)
        for i, table in enumerate(("orders", "users")):
            self.assertIn(f'Skipping DynamoDBTargets[{i}] {{"Path":"{table}"}}: glued crawls S3 targets only; '
                          "DynamoDB targets are not supported yet", log)

    def test_log_escapes_control_characters(self):
        """Names in the crawl log keep to their line: a newline, an escape sequence, a C1 control, a byte that is not
        UTF-8 (file names) or a tab (crawler names) are written escaped."""
        t = f"{self.root}/tar\nget"
        write(f"{t}/new\nline/a.csv", "a,b\n1,2\n")
        write(f"{t}/new\nline/bad\x1b[31m.csv", "")
        write(f"{t}/x\u0085y\r.csv", "")
        write(os.fsencode(t) + b"/back\\slash\xff.csv", "")
        name, db = self.uname("crawler") + "\tx", self.uname("db").replace("-", "_").lower()
        self.glue.create_crawler(Name=name, Role="r", DatabaseName=db, Targets={"S3Targets": [{"Path": t}]})
        log = self.log(self.crawl(name))
        line = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[cr_[0-9a-f]{64}\] [A-Z]+ : \S")
        for ln in log.rstrip("\n").split("\n"):
            self.assertRegex(ln, line)
        self.assertFalse([ch for ch in log if ch != "\n" and (ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0)], log)
        shown = t.replace("\n", "\\n")
        for want in ("Running Start Crawl for Crawler " + name.replace("\t", "\\t"),
                     "/new\\nline/bad\\x1b[31m.csv: file is empty",
                     "/x\\u0085y\\r.csv: file is empty",
                     "/back\\\\slash\\xff.csv: file is empty",
                     f"at {shown}/", f"Target {shown}: 4 files"):
            self.assertIn(want, log)


class StopAndRestartTest(CrawlTestCase):
    """A pause before each file (GLUED_CRAWL_FILE_DELAY_MS) makes a crawl slow enough to stop or kill."""

    @classmethod
    def setUpClass(cls):
        os.environ["GLUED_CRAWL_FILE_DELAY_MS"] = "40"  # for this class's servers, restarts included
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            os.environ.pop("GLUED_CRAWL_FILE_DELAY_MS", None)

    def two_targets(self):
        write(f"{self.root}/small/s/a.csv", "a,b\n1,2\n")
        for i in range(60):
            write(f"{self.root}/big/d{i}/a.csv", "a,b\n1,2\n")
        name = self.uname("crawler")
        db = self.uname("db").replace("-", "_").lower()
        self.glue.create_crawler(Name=name, Role="r", DatabaseName=db, Targets={"S3Targets": [
            {"Path": f"{self.root}/small"}, {"Path": f"{self.root}/big"}]})
        return name, db

    def wait_running_big(self, name):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.glue.get_crawler(Name=name)["Crawler"]["State"] == "RUNNING":
                db = self.glue.get_crawler(Name=name)["Crawler"]["DatabaseName"]
                try:
                    if self.glue.get_tables(DatabaseName=db)["TableList"]:
                        return  # the first target is committed; the second is being read
                except self.glue.exceptions.EntityNotFoundException:
                    pass
            time.sleep(0.02)
        self.fail("the crawl never reached its second target")

    def test_stop_keeps_what_was_committed(self):
        name, db = self.two_targets()
        self.glue.start_crawler(Name=name)
        self.wait_running_big(name)
        self.glue.stop_crawler(Name=name)
        # STOPPING until the crawl sees the stop at its next file (40 ms at most here) and ends, which may be before
        # this read on a busy machine; that a read does say STOPPING is test_elapsed_time_while_running's to check
        self.assertIn(self.glue.get_crawler(Name=name)["Crawler"]["State"], ("STOPPING", "READY"))
        c = self.crawl_wait(name)
        self.assertEqual(c["LastCrawl"]["Status"], "CANCELLED")
        self.assertEqual(list(self.tables(db)), ["small"])
        self.assertEqual(self.glue.list_crawls(CrawlerName=name)["Crawls"][0]["State"], "STOPPED")
        # the next crawl finishes the work
        c = self.crawl(name)
        self.assertEqual(sorted(self.tables(db)), ["big", "small"])

    def test_elapsed_time_while_running(self):
        """CrawlElapsedTime is the milliseconds since the running crawl began, in GetCrawler, GetCrawlers and
        BatchGetCrawlers, while RUNNING and STOPPING; 0 once READY."""

        def elapsed(name):
            one = self.glue.get_crawler(Name=name)["Crawler"]
            listed = [c for c in self.glue.get_crawlers(MaxResults=1000)["Crawlers"] if c["Name"] == name]
            batch = self.glue.batch_get_crawlers(CrawlerNames=[name])["Crawlers"]
            return one["State"], [one["CrawlElapsedTime"], listed[0]["CrawlElapsedTime"], batch[0]["CrawlElapsedTime"]]

        # the crawl sees a stop at its next file (40 ms at most here) and ends: on a busy machine that can be
        # before the first read after StopCrawler, and the STOPPING state is then tried again with a new crawl
        for attempt in range(5):
            name, db = self.two_targets()
            t0 = time.monotonic()
            self.glue.start_crawler(Name=name)
            self.wait_running_big(name)
            state, first = elapsed(name)
            self.assertEqual(state, "RUNNING")
            time.sleep(0.3)
            state, later = elapsed(name)
            bound = (time.monotonic() - t0) * 1000 + 50
            self.assertEqual(state, "RUNNING")
            for a, b in zip(first, later):
                self.assertGreater(a, 0)
                self.assertGreaterEqual(b - a, 250)  # milliseconds, and not a stored figure
                self.assertLessEqual(b, bound)
            self.glue.stop_crawler(Name=name)
            # each read while the crawl stops goes on counting; the stop may end between the three reads, and a
            # read after it says 0 (checked below)
            one = self.glue.get_crawler(Name=name)["Crawler"]
            listed = [c for c in self.glue.get_crawlers(MaxResults=1000)["Crawlers"] if c["Name"] == name][0]
            batch = self.glue.batch_get_crawlers(CrawlerNames=[name])["Crawlers"][0]
            for c, before in zip((one, listed, batch), later):
                if c["State"] == "STOPPING":
                    self.assertGreaterEqual(c["CrawlElapsedTime"], before, (c["State"], c["CrawlElapsedTime"], later))
                else:
                    self.assertEqual((c["State"], c["CrawlElapsedTime"]), ("READY", 0))
            self.crawl_wait(name)
            self.assertEqual(elapsed(name), ("READY", [0, 0, 0]))
            if one["State"] == "STOPPING":
                break
        else:
            self.fail("no read after StopCrawler found the crawl STOPPING, in 5 crawls")

    def crawl_wait(self, name):
        deadline = time.time() + 30
        while time.time() < deadline:
            c = self.glue.get_crawler(Name=name)["Crawler"]
            if c["State"] == "READY":
                return c
            time.sleep(0.05)
        self.fail("the crawl did not end")

    def test_restart_during_a_crawl(self):
        name, db = self.two_targets()
        self.glue.start_crawler(Name=name)
        self.wait_running_big(name)
        self.server.kill9()
        self.server.start()
        type(self).glue = self.server.client()
        c = self.crawl_wait(name)
        self.assertEqual(c["LastCrawl"]["Status"], "SUCCEEDED")
        self.assertEqual(sorted(self.tables(db)), ["big", "small"])
        self.assertEqual(self.parts(db, "big")[:2], [("d0",), ("d1",)])
        self.assertEqual(len(self.parts(db, "big")), 60)
