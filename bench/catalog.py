#!/usr/bin/env python3
"""The Data Catalog at scale (issue 10).

1. GetPartitions with an Expression on a table of 100,000 partitions against the same call on a table of 100: the
   table has keys (region string, day int); 100,000 partitions are 100 regions x 1,000 days, 100 are 1 region x 100
   days, and the expression `region = 'r000' AND day BETWEEN 10 AND 19` selects the same 10 partitions in both.
   Partitions are created through BatchCreatePartition (100 a call). Latency is wrk at 1 connection (p50, p99).
2. A crawl of 10,000 small CSV files in 1,000 folders (10 tables of distinct schemas x 100 day=N partitions x 10
   files), StartCrawler
   to the crawler READY again, against the floor: a plain recursive `find` over the same tree (the least any crawl
   must do is list it), both with a cold start of the process and a warm page cache."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import common as C

SECS = int(os.environ.get("BENCH_SECS", "4"))
EXPR = "region = 'r000' AND day BETWEEN 10 AND 19"


def partitions(cl, db, table, regions, days):
    cl.call("CreateTable", {"DatabaseName": db, "TableInput": {
        "Name": table, "StorageDescriptor": {"Columns": [{"Name": "v", "Type": "bigint"}], "Location": "s3://b/t/"},
        "PartitionKeys": [{"Name": "region", "Type": "string"}, {"Name": "day", "Type": "int"}]}})
    batch = []
    for r in range(regions):
        for d in range(1, days + 1):
            batch.append({"Values": ["r%03d" % r, str(d)],
                          "StorageDescriptor": {"Location": "s3://b/t/region=r%03d/day=%d/" % (r, d)}})
            if len(batch) == 100:
                cl.call("BatchCreatePartition", {"DatabaseName": db, "TableName": table, "PartitionInputList": batch})
                batch = []
    if batch:
        cl.call("BatchCreatePartition", {"DatabaseName": db, "TableName": table, "PartitionInputList": batch})


def get_partitions():
    C.heading("GetPartitions with an expression: 100,000 partitions against 100")
    g = C.Glued().start()
    try:
        cl = C.Client(g.url)
        cl.call("CreateDatabase", {"DatabaseInput": {"Name": "bench"}})
        t0 = time.time()
        partitions(cl, "bench", "small", 1, 100)
        partitions(cl, "bench", "big", 100, 1000)
        C.record("catalog", "creating 100,100 partitions by BatchCreatePartition", time.time() - t0, "s")
        res = {}
        for table in ("small", "big"):
            body = '{"DatabaseName":"bench","TableName":"%s","Expression":"%s"}' % (table, EXPR)
            n = len(cl.call("GetPartitions", {"DatabaseName": "bench", "TableName": table, "Expression": EXPR})[1]
                    ["Partitions"])
            r = C.wrk(g.url, "Raw", 1, SECS, env={"TARGET": "GetPartitions", "BODY": body})
            res[table] = r
            label = "100,000" if table == "big" else "100"
            C.record("catalog", "GetPartitions with expression, %s partitions: p50" % label, r["p50_ms"], "ms",
                     "%d partitions match; p99 %.3g ms, %.0f req/s" % (n, r["p99_ms"], r["rps"]))
        C.record("catalog", "GetPartitions with expression p50 ratio 100,000 / 100",
                 res["big"]["p50_ms"] / res["small"]["p50_ms"], "x")
        body = '{"DatabaseName":"bench","TableName":"big","MaxResults":100}'
        r = C.wrk(g.url, "Raw", 1, SECS, env={"TARGET": "GetPartitions", "BODY": body})
        C.record("catalog", "GetPartitions first page of 100, no expression, 100,000 partitions: p50", r["p50_ms"], "ms")
    finally:
        g.cleanup()


def crawl():
    C.heading("A crawl of 10,000 files in 1,000 folders against a recursive find")
    root = tempfile.mkdtemp(prefix="glued-bench-tree-")
    try:
        for t in range(10):
            for d in range(100):
                folder = os.path.join(root, "t%02d" % t, "day=%03d" % d)
                os.makedirs(folder)
                for f in range(10):
                    with open(os.path.join(folder, "part-%02d.csv" % f), "w") as fh:
                        fh.write("id_%d,name_%d,amount_%d,at_%d\n" % (t, t, t, t))  # one schema per table
                        for i in range(20):
                            fh.write("%d,name%d,%d.5,2024-01-%02d 00:00:00\n" % (i, i, i * f, 1 + d % 28))
        subprocess.run(["find", root, "-type", "f"], capture_output=True)  # warm the cache
        finds = []
        for _ in range(3):
            t0 = time.time()
            subprocess.run(["find", root, "-type", "f"], capture_output=True, check=True)
            finds.append(time.time() - t0)
        floor = sorted(finds)[1]
        C.record("catalog", "recursive find over the tree (median of 3)", floor, "s")
        g = C.Glued().start()
        try:
            cl = C.Client(g.url)
            cl.call("CreateCrawler", {"Name": "bench", "Role": "r", "DatabaseName": "benchcrawl",
                                      "Targets": {"S3Targets": [{"Path": root}]}})
            times = []
            for i in range(3):
                t0 = time.time()
                cl.call("StartCrawler", {"Name": "bench"})
                while True:
                    c = cl.call("GetCrawler", {"Name": "bench"})[1]["Crawler"]
                    if c["State"] == "READY" and c.get("LastCrawl", {}).get("StartTime", 0) >= t0 - 1:
                        break
                    time.sleep(0.01)
                times.append(time.time() - t0)
                if c["LastCrawl"]["Status"] != "SUCCEEDED":
                    raise RuntimeError("crawl %s" % c["LastCrawl"])
            tables = cl.call("GetTables", {"DatabaseName": "benchcrawl"})[1]["TableList"]
            parts = sum(len(cl.call("GetPartitions", {"DatabaseName": "benchcrawl", "TableName": t["Name"]})[1]
                            ["Partitions"]) for t in tables)
            C.record("catalog", "first crawl of 10,000 files in 1,000 folders", times[0], "s",
                     "%d tables, %d partitions" % (len(tables), parts))
            again = sorted(times[1:])[0]
            C.record("catalog", "crawl again, nothing changed (best of 2)", again, "s")
            C.record("catalog", "first crawl / recursive find", times[0] / floor, "x")
        finally:
            g.cleanup()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    get_partitions()
    crawl()


if __name__ == "__main__":
    sys.exit(main())
