"""Step 3: read what the transform step left in the run properties."""
import sys

import boto3

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
props = boto3.client("glue").get_workflow_run_properties(Name=args["--WORKFLOW_NAME"],
                                                         RunId=args["--WORKFLOW_RUN_ID"])["RunProperties"]
print(f"report: total={props['total']} requested by {props.get('requested_by', 'nobody')}")
