"""The Data Catalog API with boto3 and the AWS CLI: databases (tags, lowercase names, CatalogId), tables (versions,
GetTables' Expression, SearchTables, BatchDeleteTable), partitions (batch operations, paging, Segment) and the
partition-predicate language of GetPartitions as a table of cases. Every boto3 answer is checked against the Glue
model by the harness hook."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, REGION, ServerTestCase  # noqa: E402


def sd(location, cols=(("id", "bigint"),)):
    return {"Columns": [{"Name": n, "Type": t} for n, t in cols], "Location": location}


class CatalogTestCase(ServerTestCase):
    def db(self, **kw):
        name = self.uname("db").replace("-", "_")
        self.glue.create_database(DatabaseInput={"Name": name, **kw})
        return name.lower()

    def table(self, db, name=None, keys=(), cols=(("id", "bigint"),), **kw):
        name = (name or self.uname("t")).replace("-", "_").lower()
        self.glue.create_table(DatabaseName=db, TableInput={
            "Name": name, "StorageDescriptor": sd(f"s3://b/{name}/", cols),
            "PartitionKeys": [{"Name": k, "Type": t} for k, t in keys], **kw})
        return name


class DatabaseTest(CatalogTestCase):
    def test_create_get_update_delete(self):
        name = self.uname("DB").replace("-", "_")
        self.glue.create_database(DatabaseInput={"Name": name, "Description": "d", "LocationUri": "s3://b/x",
                                                 "Parameters": {"k": "v"}}, Tags={"team": "a"})
        low = name.lower()
        d = self.glue.get_database(Name=name)["Database"]  # any case finds it
        self.assertEqual((d["Name"], d["Description"], d["LocationUri"], d["Parameters"], d["CatalogId"]),
                         (low, "d", "s3://b/x", {"k": "v"}, ACCOUNT))
        self.assertIn("CreateTime", d)
        self.assertClientError("AlreadyExistsException", self.glue.create_database, DatabaseInput={"Name": low})
        self.glue.update_database(Name=low, DatabaseInput={"Name": low, "Description": "e"})
        self.assertEqual(self.glue.get_database(Name=low)["Database"]["Description"], "e")
        arn = f"arn:aws:glue:{REGION}:{ACCOUNT}:database/{low}"
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"team": "a"})
        self.glue.tag_resource(ResourceArn=arn, TagsToAdd={"x": "1"})
        self.glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
        self.assertEqual(self.glue.get_tags(ResourceArn=arn)["Tags"], {"x": "1"})
        t = self.table(low, keys=[("k", "string")])
        self.glue.create_partition(DatabaseName=low, TableName=t, PartitionInput={"Values": ["a"]})
        self.glue.delete_database(Name=low)
        self.assertClientError("EntityNotFoundException", self.glue.get_database, Name=low)
        # its tables and partitions went with it
        self.glue.create_database(DatabaseInput={"Name": low})
        self.assertEqual(self.glue.get_tables(DatabaseName=low)["TableList"], [])
        self.assertClientError("EntityNotFoundException", self.glue.delete_database, Name=low + "x")
        self.assertClientError("EntityNotFoundException", self.glue.get_tags,
                               ResourceArn=f"arn:aws:glue:{REGION}:{ACCOUNT}:database/nope")

    def test_catalog_id_must_be_glueds(self):
        db = self.db()
        self.glue.get_database(Name=db, CatalogId=ACCOUNT)
        self.assertClientError("EntityNotFoundException", self.glue.get_database, Name=db, CatalogId="999999999999")
        self.assertClientError("EntityNotFoundException", self.glue.create_database, CatalogId="999999999999",
                               DatabaseInput={"Name": self.uname("x")})

    def test_shapes_are_checked(self):
        self.assertClientError("InvalidInputException", self.glue.create_database, DatabaseInput={"Name": "x" * 256})
        self.assertClientError("InvalidInputException", self.glue.get_databases, MaxResults=101)

    def test_paging(self):
        names = {self.db() for _ in range(5)}
        seen, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            r = self.glue.get_databases(MaxResults=2, **kw)
            self.assertLessEqual(len(r["DatabaseList"]), 2)
            seen += [d["Name"] for d in r["DatabaseList"]]
            token = r.get("NextToken")
            if not token:
                break
        self.assertTrue(names <= set(seen))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(seen, sorted(seen))

    def test_cli(self):
        name = self.uname("clidb").replace("-", "_").lower()

        def cli(*args):
            p = self.server.cli(*args)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else {}

        cli("create-database", "--database-input", json.dumps({"Name": name}))
        self.assertEqual(cli("get-database", "--name", name)["Database"]["Name"], name)
        cli("create-table", "--database-name", name, "--table-input",
            json.dumps({"Name": "t", "PartitionKeys": [{"Name": "y", "Type": "int"}]}))
        cli("batch-create-partition", "--database-name", name, "--table-name", "t",
            "--partition-input-list", json.dumps([{"Values": [str(y)]} for y in range(5)]))
        out = cli("get-partitions", "--database-name", name, "--table-name", "t", "--expression", "y > 2")
        self.assertEqual(sorted(p["Values"][0] for p in out["Partitions"]), ["3", "4"])
        self.assertEqual([t["Name"] for t in cli("get-tables", "--database-name", name)["TableList"]], ["t"])
        cli("delete-database", "--name", name)


class TableTest(CatalogTestCase):
    def test_create_get_versions(self):
        db = self.db()
        self.assertClientError("EntityNotFoundException", self.glue.create_table, DatabaseName=db + "nope",
                               TableInput={"Name": "t"})
        self.glue.create_table(DatabaseName=db.upper(), TableInput={"Name": "Orders", "Description": "first",
                                                                    "StorageDescriptor": sd("s3://b/o/")})
        t = self.glue.get_table(DatabaseName=db, Name="ORDERS")["Table"]
        self.assertEqual((t["Name"], t["DatabaseName"], t["VersionId"], t["Description"]), ("orders", db, "1", "first"))
        self.assertClientError("AlreadyExistsException", self.glue.create_table, DatabaseName=db,
                               TableInput={"Name": "orders"})
        self.glue.update_table(DatabaseName=db, TableInput={"Name": "orders", "Description": "second",
                                                            "StorageDescriptor": sd("s3://b/o/")})
        self.glue.update_table(DatabaseName=db, TableInput={"Name": "orders", "Description": "third"},
                               VersionId="2")
        self.assertClientError("ConcurrentModificationException", self.glue.update_table, DatabaseName=db,
                               TableInput={"Name": "orders"}, VersionId="1")
        t = self.glue.get_table(DatabaseName=db, Name="orders")["Table"]
        self.assertEqual((t["VersionId"], t["Description"]), ("3", "third"))
        vs = self.glue.get_table_versions(DatabaseName=db, TableName="orders")["TableVersions"]
        self.assertEqual([(v["VersionId"], v["Table"]["Description"]) for v in vs],
                         [("3", "third"), ("2", "second"), ("1", "first")])
        v1 = self.glue.get_table_version(DatabaseName=db, TableName="orders", VersionId="1")["TableVersion"]
        self.assertEqual(v1["Table"]["Description"], "first")
        page = self.glue.get_table_versions(DatabaseName=db, TableName="orders", MaxResults=2)
        self.assertEqual(len(page["TableVersions"]), 2)
        rest = self.glue.get_table_versions(DatabaseName=db, TableName="orders", NextToken=page["NextToken"])
        self.assertEqual([v["VersionId"] for v in rest["TableVersions"]], ["1"])
        # SkipArchive does not keep the version the table had (3); the new one is the table's, and a version
        self.glue.update_table(DatabaseName=db, TableInput={"Name": "orders", "Description": "4"}, SkipArchive=True)
        vs = self.glue.get_table_versions(DatabaseName=db, TableName="orders")["TableVersions"]
        self.assertEqual([(v["VersionId"], v["Table"]["Description"]) for v in vs],
                         [("4", "4"), ("2", "second"), ("1", "first")])
        self.assertEqual(self.glue.get_table_version(DatabaseName=db, TableName="orders",
                                                     VersionId="4")["TableVersion"]["Table"]["Description"], "4")
        self.assertClientError("EntityNotFoundException", self.glue.get_table_version, DatabaseName=db,
                               TableName="orders", VersionId="3")
        # and an ordinary update after it archives version 4
        self.glue.update_table(DatabaseName=db, TableInput={"Name": "orders", "Description": "5"})
        self.assertEqual([v["VersionId"] for v in
                          self.glue.get_table_versions(DatabaseName=db, TableName="orders")["TableVersions"]],
                         ["5", "4", "2", "1"])
        self.glue.delete_table_version(DatabaseName=db, TableName="orders", VersionId="1")
        self.assertClientError("EntityNotFoundException", self.glue.get_table_version, DatabaseName=db,
                               TableName="orders", VersionId="1")
        self.assertClientError("InvalidInputException", self.glue.delete_table_version, DatabaseName=db,
                               TableName="orders", VersionId="5")  # the current one
        r = self.glue.batch_delete_table_version(DatabaseName=db, TableName="orders", VersionIds=["2", "9", "x"])
        self.assertEqual(sorted(e["VersionId"] for e in r["Errors"]), ["9", "x"])
        self.assertEqual([v["VersionId"] for v in
                          self.glue.get_table_versions(DatabaseName=db, TableName="orders")["TableVersions"]],
                         ["5", "4"])

    def test_get_tables_expression_and_paging(self):
        db = self.db()
        for n in ("sales_2023", "sales_2024", "orders", "sales_eu"):
            self.table(db, n)
        names = lambda **kw: [t["Name"] for t in self.glue.get_tables(DatabaseName=db, **kw)["TableList"]]  # noqa
        self.assertEqual(names(), ["orders", "sales_2023", "sales_2024", "sales_eu"])
        self.assertEqual(names(Expression="sales*"), ["sales_2023", "sales_2024", "sales_eu"])
        self.assertEqual(names(Expression="sales_20.*"), ["sales_2023", "sales_2024"])
        self.assertEqual(names(Expression="ORD.*|sales_eu"), ["orders", "sales_eu"])
        self.assertClientError("InvalidInputException", self.glue.get_tables, DatabaseName=db, Expression="(")
        p1 = self.glue.get_tables(DatabaseName=db, Expression="sales*", MaxResults=2)
        self.assertEqual([t["Name"] for t in p1["TableList"]], ["sales_2023", "sales_2024"])
        p2 = self.glue.get_tables(DatabaseName=db, Expression="sales*", MaxResults=2, NextToken=p1["NextToken"])
        self.assertEqual([t["Name"] for t in p2["TableList"]], ["sales_eu"])
        self.assertNotIn("NextToken", p2)
        self.assertClientError("EntityNotFoundException", self.glue.get_tables, DatabaseName=db + "x")

    def test_delete_and_batch_delete(self):
        db = self.db()
        a, b = self.table(db, "a", keys=[("k", "string")]), self.table(db, "b")
        self.glue.create_partition(DatabaseName=db, TableName=a, PartitionInput={"Values": ["1"]})
        r = self.glue.batch_delete_table(DatabaseName=db, TablesToDelete=[a, "missing"])
        self.assertEqual([e["TableName"] for e in r["Errors"]], ["missing"])
        self.glue.delete_table(DatabaseName=db, Name=b)
        self.assertClientError("EntityNotFoundException", self.glue.delete_table, DatabaseName=db, Name=b)
        self.assertEqual(self.glue.get_tables(DatabaseName=db)["TableList"], [])
        # a table created again under the name has no old partitions
        self.table(db, "a", keys=[("k", "string")])
        self.assertEqual(self.glue.get_partitions(DatabaseName=db, TableName="a")["Partitions"], [])

    def test_search_tables(self):
        db, other = self.db(), self.db()
        self.table(db, "clicks", cols=[("user_agent", "string")], Description="Web Traffic")
        self.table(other, "orders", cols=[("amount", "double")])
        hit = lambda **kw: sorted(t["Name"] for t in self.glue.search_tables(**kw)["TableList"]  # noqa
                                  if t["DatabaseName"] in (db, other))
        self.assertEqual(hit(SearchText="traffic"), ["clicks"])
        self.assertEqual(hit(SearchText="USER_AGENT"), ["clicks"])
        self.assertEqual(hit(SearchText="amount"), ["orders"])
        self.assertEqual(hit(SearchText="o", Filters=[{"Key": "DatabaseName", "Value": other,
                                                       "Comparator": "EQUALS"}]), ["orders"])
        self.assertEqual(hit(SearchText="100%_sure"), [])

    def test_partition_key_types_are_fixed_while_partitions_exist(self):
        db = self.db()
        t = self.table(db, keys=[("y", "int")])
        self.glue.create_partition(DatabaseName=db, TableName=t, PartitionInput={"Values": ["1"]})
        self.assertClientError("InvalidInputException", self.glue.update_table, DatabaseName=db,
                               TableInput={"Name": t, "PartitionKeys": [{"Name": "y", "Type": "string"}]})


    def test_schema_reference_patterns(self):
        # SchemaVersionId is a lowercase UUID, SchemaName and RegistryName [a-zA-Z0-9-_$#.]+, SchemaArn a Glue ARN:
        # glued once checked only their lengths
        db = self.db()
        uuid = "0123abcd-0123-4567-89ab-0123456789ab"
        good = [{"SchemaVersionId": uuid},
                {"SchemaId": {"SchemaName": "a-Z_0$#.", "RegistryName": "r"}, "SchemaVersionNumber": 1},
                {"SchemaId": {"SchemaArn": f"arn:aws-us-gov:glue:us-gov-west-1:{ACCOUNT}:schema/r/s"},
                 "SchemaVersionNumber": 1}]
        for i, ref in enumerate(good):
            with self.subTest(good=ref):
                self.glue.create_table(DatabaseName=db, TableInput={
                    "Name": f"ok{i}", "StorageDescriptor": {"SchemaReference": ref}})
        bad = [("SchemaVersionId", {"SchemaVersionId": uuid.upper()}),
               ("SchemaVersionId", {"SchemaVersionId": uuid[:8] + "x" + uuid[9:]}),
               ("SchemaName", {"SchemaId": {"SchemaName": "a b", "RegistryName": "r"}}),
               ("RegistryName", {"SchemaId": {"SchemaName": "s", "RegistryName": "r/1"}}),
               ("SchemaArn", {"SchemaId": {"SchemaArn": f"arn:aws:s3:us-east-1:{ACCOUNT}:schema/r/s"}}),
               ("SchemaArn", {"SchemaId": {"SchemaArn": f"arn:aws:glue:us-east-1:{ACCOUNT}:schema/r/s\n"}})]
        for member, ref in bad:
            with self.subTest(bad=ref):
                self.assertClientError("InvalidInputException", self.glue.create_table, DatabaseName=db,
                                       TableInput={"Name": "bad", "StorageDescriptor": {"SchemaReference": ref}},
                                       member=member)

class PartitionTest(CatalogTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.db()
        self.t = self.table(self.d, keys=[("year", "int"), ("month", "string"), ("region", "string")])

    def create(self, vals):
        r = self.glue.batch_create_partition(DatabaseName=self.d, TableName=self.t, PartitionInputList=[
            {"Values": list(v), "StorageDescriptor": sd(f"s3://b/{'/'.join(v)}/")} for v in vals])
        self.assertNotIn("Errors", r)

    def values(self, **kw):
        out, token = [], None
        while True:
            r = self.glue.get_partitions(DatabaseName=self.d, TableName=self.t, **kw,
                                         **({"NextToken": token} if token else {}))
            out += [tuple(p["Values"]) for p in r["Partitions"]]
            token = r.get("NextToken")
            if not token:
                return out

    def test_crud_and_batches(self):
        self.create([("2024", "01", "eu")])
        p = self.glue.get_partition(DatabaseName=self.d, TableName=self.t, PartitionValues=["2024", "01", "eu"])
        self.assertEqual((p["Partition"]["Values"], p["Partition"]["TableName"]), (["2024", "01", "eu"], self.t))
        self.assertClientError("AlreadyExistsException", self.glue.create_partition, DatabaseName=self.d,
                               TableName=self.t, PartitionInput={"Values": ["2024", "01", "eu"]})
        self.assertClientError("InvalidInputException", self.glue.create_partition, DatabaseName=self.d,
                               TableName=self.t, PartitionInput={"Values": ["2024"]})
        self.assertClientError("EntityNotFoundException", self.glue.get_partition, DatabaseName=self.d,
                               TableName=self.t, PartitionValues=["1", "1", "1"])
        r = self.glue.batch_create_partition(DatabaseName=self.d, TableName=self.t, PartitionInputList=[
            {"Values": ["2024", "01", "eu"]}, {"Values": ["2024", "02", "eu"]}, {"Values": ["x"]}])
        self.assertEqual(sorted(e["ErrorDetail"]["ErrorCode"] for e in r["Errors"]),
                         ["AlreadyExistsException", "InvalidInputException"])
        self.glue.update_partition(DatabaseName=self.d, TableName=self.t, PartitionValueList=["2024", "02", "eu"],
                                   PartitionInput={"Values": ["2024", "03", "eu"], "Parameters": {"p": "1"}})
        got = self.glue.batch_get_partition(DatabaseName=self.d, TableName=self.t, PartitionsToGet=[
            {"Values": ["2024", "03", "eu"]}, {"Values": ["2024", "02", "eu"]}])["Partitions"]
        self.assertEqual([(p["Values"], p["Parameters"]) for p in got], [(["2024", "03", "eu"], {"p": "1"})])
        r = self.glue.batch_update_partition(DatabaseName=self.d, TableName=self.t, Entries=[
            {"PartitionValueList": ["2024", "03", "eu"], "PartitionInput": {"Values": ["2024", "03", "eu"],
                                                                            "Parameters": {"p": "2"}}},
            {"PartitionValueList": ["1999", "03", "eu"], "PartitionInput": {"Values": ["1999", "03", "eu"]}}])
        self.assertEqual([e["PartitionValueList"] for e in r["Errors"]], [["1999", "03", "eu"]])
        self.glue.delete_partition(DatabaseName=self.d, TableName=self.t, PartitionValues=["2024", "01", "eu"])
        r = self.glue.batch_delete_partition(DatabaseName=self.d, TableName=self.t, PartitionsToDelete=[
            {"Values": ["2024", "03", "eu"]}, {"Values": ["2024", "01", "eu"]}])
        self.assertEqual([e["PartitionValues"] for e in r["Errors"]], [["2024", "01", "eu"]])
        self.assertEqual(self.values(), [])
        # the model's limits: 100 per BatchCreatePartition, 25 per BatchDeletePartition
        self.assertClientError("InvalidInputException", self.glue.batch_create_partition, DatabaseName=self.d,
                               TableName=self.t, PartitionInputList=[{"Values": ["1", "1", str(i)]}
                                                                     for i in range(101)])
        self.assertClientError("InvalidInputException", self.glue.batch_delete_partition, DatabaseName=self.d,
                               TableName=self.t, PartitionsToDelete=[{"Values": ["1", "1", str(i)]}
                                                                     for i in range(26)])

    def test_paging_segments_and_exclude_columns(self):
        vals = [(str(y), f"{m:02d}", r) for y in (2023, 2024) for m in range(1, 13) for r in ("eu", "us")]
        for i in range(0, len(vals), 100):
            self.create(vals[i:i + 100])
        self.assertEqual(self.values(MaxResults=7), sorted(vals, key=lambda v: (int(v[0]), v[1], v[2])))
        segs = [set(self.values(Segment={"SegmentNumber": i, "TotalSegments": 3})) for i in range(3)]
        self.assertEqual(set().union(*segs), set(vals))
        self.assertEqual(sum(len(s) for s in segs), len(vals))
        p = self.glue.get_partitions(DatabaseName=self.d, TableName=self.t, MaxResults=1,
                                     ExcludeColumnSchema=True)["Partitions"][0]
        self.assertNotIn("Columns", p["StorageDescriptor"])
        self.assertClientError("InvalidInputException", self.glue.get_partitions, DatabaseName=self.d,
                               TableName=self.t, MaxResults=1001)

    def test_paging_partitions_with_long_values(self):
        # a partition's index key holds all its values (here over 1,600 bytes): the NextToken must carry it
        # whole, or the next page starts before the last partition given and repeats it for ever
        vals = [("2024", "m" * 1000, "r" * 600 + str(i)) for i in range(3)]
        self.create(vals)
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=self.d, TableName=self.t, PaginationConfig={"PageSize": 1, "MaxItems": 10})
        got = [tuple(p["Values"]) for p in pages.build_full_result()["Partitions"]]
        self.assertEqual([v[2][600:] for v in got], ["0", "1", "2"])
        self.assertEqual(got, vals)

    # (expression, the partitions it selects) over years 2019..2025 x months 01..12 x regions eu/us/ap
    EXPRESSIONS = [
        ("year = 2024", lambda y, m, r: y == 2024),
        ("year = '2024'", lambda y, m, r: y == 2024),
        ("year <> 2024 AND month = '01' AND region = 'eu'", lambda y, m, r: y != 2024 and m == "01" and r == "eu"),
        ("year > 2023", lambda y, m, r: y > 2023),
        ("year >= 2023 AND year <= 2024 AND month < '03'", lambda y, m, r: 2023 <= y <= 2024 and m < "03"),
        ("year BETWEEN 2020 AND 2021 AND region = 'us'", lambda y, m, r: 2020 <= y <= 2021 and r == "us"),
        ("year = 2024 AND month IN ('01', '12')", lambda y, m, r: y == 2024 and m in ("01", "12")),
        ("year IN (2019, 2025) AND region NOT IN ('eu')", lambda y, m, r: y in (2019, 2025) and r != "eu"),
        ("region LIKE 'e%'", lambda y, m, r: r.startswith("e")),
        ("region LIKE '_s' AND year = 2019", lambda y, m, r: r == "us" and y == 2019),
        ("NOT (year = 2024 OR month > '02')", lambda y, m, r: not (y == 2024 or m > "02")),
        ("(year = 2020 OR year = 2021) AND NOT region = 'ap'", lambda y, m, r: y in (2020, 2021) and r != "ap"),
        ("year = 2024 and month between '05' and '06'", lambda y, m, r: y == 2024 and "05" <= m <= "06"),
        ("month = '13'", lambda y, m, r: False),
    ]

    def test_expression_table(self):
        vals = [(str(y), f"{m:02d}", r) for y in range(2019, 2026) for m in range(1, 13) for r in ("eu", "us", "ap")]
        for i in range(0, len(vals), 100):
            self.create(vals[i:i + 100])
        for expr, want in self.EXPRESSIONS:
            with self.subTest(expr=expr):
                expected = sorted(v for v in vals if want(int(v[0]), v[1], v[2]))
                got = self.values(Expression=expr, MaxResults=50)
                self.assertEqual(sorted(got), expected)
                self.assertEqual(len(got), len(set(got)))

    def test_expression_errors(self):
        self.create([("2024", "01", "eu")])
        cases = [
            ("year = 'abc'", "'abc'"),
            ("year = 2024 AND", "ended early"),
            ("color = 'red'", "color"),
            ("year LIKE '2%'", "LIKE"),
            ("(year = 1", "ended early"),
            ("year == 1", "Unexpected"),
        ]
        for expr, word in cases:
            with self.subTest(expr=expr):
                self.assertClientError("InvalidInputException", self.glue.get_partitions, DatabaseName=self.d,
                                       TableName=self.t, Expression=expr)
                try:
                    self.glue.get_partitions(DatabaseName=self.d, TableName=self.t, Expression=expr)
                except self.glue.exceptions.InvalidInputException as e:
                    self.assertIn(word, e.response["Error"]["Message"])
        self.assertClientError("InvalidInputException", self.glue.get_partitions, DatabaseName=self.d,
                               TableName=self.t, Expression="year = 1 OR " * 200 + "year = 1")
