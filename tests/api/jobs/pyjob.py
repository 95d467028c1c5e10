"""A Python job for glued's engine tests, run by glued as `python3 pyjob.py args...`.

It talks to glued with a plain boto3.client("glue"): no endpoint, region or credentials are configured here, so
it only works if glued gave the job AWS_ENDPOINT_URL(_GLUE), AWS_REGION and credentials in its environment.

Options (`--key value` pairs in argv):
  --out FILE   write a JSON report: argv, the AWS_* environment, and (inside a workflow) the run properties seen
  --put JSON   inside a workflow: PutWorkflowRunProperties with this JSON object, after reading them
  --exit N     exit with status N
"""

import json
import os
import sys


def opt(name, default=None):
    argv = sys.argv[1:]
    for i in range(len(argv) - 1):
        if argv[i] == "--" + name:
            return argv[i + 1]
    return default


def main():
    report = {"argv": sys.argv,
              "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
    wf, run = opt("WORKFLOW_NAME"), opt("WORKFLOW_RUN_ID")
    if wf and run:
        import boto3
        glue = boto3.client("glue")
        report["props"] = glue.get_workflow_run_properties(Name=wf, RunId=run)["RunProperties"]
        put = opt("put")
        if put:
            glue.put_workflow_run_properties(Name=wf, RunId=run, RunProperties=json.loads(put))
    out = opt("out")
    if out:
        with open(out + ".tmp", "w") as f:
            json.dump(report, f)
        os.rename(out + ".tmp", out)
    code = int(opt("exit", "0"))
    if code:
        print(f"pyjob exiting with {code}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
