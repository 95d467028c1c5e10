"""Step 2: read the rows, sum them, and hand the total to later jobs through the workflow run's properties."""
import sys

import boto3  # reaches glued with no configuration: glued sets AWS_ENDPOINT_URL for its jobs

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
rows = open(args["--out"] + "/rows.csv").read().splitlines()[1:]
total = sum(int(r.split(",")[1]) for r in rows)
glue = boto3.client("glue")
glue.put_workflow_run_properties(Name=args["--WORKFLOW_NAME"], RunId=args["--WORKFLOW_RUN_ID"],
                                 RunProperties={"total": str(total)})
print("total", total)
