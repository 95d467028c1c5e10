"""The example's job: reads the events table from glued's catalog with its own boto3 (no configuration: glued gives
jobs AWS_ENDPOINT_URL and credentials), reads the files of its partitions, and writes the next day's partition."""
import csv
import os
import sys

import boto3

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
db, table = args["--database"], args["--table"]
glue = boto3.client("glue")
t = glue.get_table(DatabaseName=db, Name=table)["Table"]
location = t["StorageDescriptor"]["Location"]
keys = [k["Name"] for k in t["PartitionKeys"]]
parts = glue.get_partitions(DatabaseName=db, TableName=table, Expression="day >= '1'")["Partitions"]
rows = []
for p in parts:
    folder = p["StorageDescriptor"]["Location"]
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as f:
            rows += list(csv.DictReader(f))
last = max(int(p["Values"][keys.index("day")]) for p in parts)
out = os.path.join(location, f"day={last + 1}")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "events.csv"), "w") as f:
    f.write("user_id,action,amount\n")
    for r in rows:
        if r["action"] == "buy":
            f.write(f"{r['user_id']},buy,{r['amount']}\n")
print(f"read {len(rows)} events from {len(parts)} partitions of {db}.{table}; wrote {out}")
