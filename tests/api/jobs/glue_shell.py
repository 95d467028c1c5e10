"""A Glue Python shell script as AWS documents them, run unchanged by glued's tests (test_scripts.py).

It uses what a real Glue job uses: getResolvedOptions for its arguments (JOB_NAME and the workflow's name and run
id, which Glue passes to jobs in a workflow, and an argument of its own), a plain boto3 Glue client (no endpoint,
region or credentials here), GetJobRun on itself, and the workflow's run properties: it reads them, adds its
own, and writes them back with PutWorkflowRunProperties.
"""
import sys

import boto3
from awsglue.utils import getResolvedOptions

glue_client = boto3.client("glue")
args = getResolvedOptions(sys.argv, ["JOB_NAME", "WORKFLOW_NAME", "WORKFLOW_RUN_ID", "target_table"])
workflow_name = args["WORKFLOW_NAME"]
workflow_run_id = args["WORKFLOW_RUN_ID"]

me = glue_client.get_job_run(JobName=args["JOB_NAME"], RunId=args["JOB_RUN_ID"])["JobRun"]
if me["JobRunState"] != "RUNNING":
    raise SystemExit(f"GetJobRun says {me['JobRunState']} while the job runs")

workflow_params = glue_client.get_workflow_run_properties(Name=workflow_name,
                                                          RunId=workflow_run_id)["RunProperties"]
source = workflow_params.get("source_table", "none")
workflow_params[args["JOB_NAME"]] = f"{source}->{args['target_table']}"
workflow_params["last_job"] = args["JOB_NAME"]
glue_client.put_workflow_run_properties(Name=workflow_name, RunId=workflow_run_id, RunProperties=workflow_params)
print(f"{args['JOB_NAME']}: {source} -> {args['target_table']}")
