"""Writes the fuzzers' seed corpora from real requests: boto3 builds and signs each request (key AKIDFUZZ, the
fuzz target's credentials) and a before-send hook captures it instead of sending it.

    python3 tests/fuzz/make_seeds.py      # rewrites tests/fuzz/seeds/{request,sigv4}/

A request seed is <flags byte><METHOD> <path>\\n<headers>\\n\\n<body> (see fuzz_request.c); flags bit 0 asks the
target to check signatures. A sigv4 seed is the header block and body (see fuzz_sigv4.c)."""
import os
import shutil
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse

HERE = os.path.dirname(os.path.abspath(__file__))
CALLS = [
    ("create_workflow", {"Name": "wf", "Description": "d", "DefaultRunProperties": {"k": "v"},
                         "Tags": {"t": "1"}, "MaxConcurrentRuns": 2}),
    ("get_workflow", {"Name": "wf", "IncludeGraph": True}),
    ("list_workflows", {"MaxResults": 5}),
    ("update_workflow", {"Name": "wf", "Description": "e"}),
    ("create_job", {"Name": "j", "Role": "r", "Command": {"Name": "shell", "ScriptLocation": "s3://b/k.sh"},
                    "DefaultArguments": {"--a": "1"}, "MaxRetries": 1, "Timeout": 5}),
    ("update_job", {"JobName": "j", "JobUpdate": {"Role": "r", "Command": {"Name": "pythonshell",
                                                                            "ScriptLocation": "/x.py"}}}),
    ("start_job_run", {"JobName": "j", "Arguments": {"--b": "2"}}),
    ("get_job_runs", {"JobName": "j", "MaxResults": 3}),
    ("batch_get_jobs", {"JobNames": ["j", "k"]}),
    ("create_trigger", {"Name": "t0", "WorkflowName": "wf", "Type": "ON_DEMAND", "Actions": [{"JobName": "j"}]}),
    ("create_trigger", {"Name": "t1", "WorkflowName": "wf", "Type": "CONDITIONAL", "StartOnCreation": True,
                        "Predicate": {"Logical": "ANY", "Conditions": [
                            {"LogicalOperator": "EQUALS", "JobName": "j", "State": "SUCCEEDED"}]},
                        "Actions": [{"JobName": "j", "Arguments": {"--c": "3"}}]}),
    ("create_trigger", {"Name": "t2", "Type": "SCHEDULED", "Schedule": "cron(0/15 * * * ? *)",
                        "Actions": [{"JobName": "j"}]}),
    ("start_workflow_run", {"Name": "wf", "RunProperties": {"p": "q"}}),
    ("get_workflow_runs", {"Name": "wf", "IncludeGraph": True}),
    ("get_workflow_run", {"Name": "wf", "RunId": "wr_" + "0" * 64, "IncludeGraph": True}),
    ("put_workflow_run_properties", {"Name": "wf", "RunId": "wr_" + "0" * 64, "RunProperties": {"x": "y"}}),
    ("stop_workflow_run", {"Name": "wf", "RunId": "wr_" + "0" * 64}),
    ("resume_workflow_run", {"Name": "wf", "RunId": "wr_" + "0" * 64, "NodeIds": ["wnode_" + "0" * 64]}),
    ("batch_stop_job_run", {"JobName": "j", "JobRunIds": ["jr_" + "0" * 64]}),
    ("create_crawler", {"Name": "c", "Role": "r", "Targets": {"S3Targets": [{"Path": "s3://b/p"}]},
                        "Schedule": "cron(0 12 * * ? *)"}),
    ("start_crawler", {"Name": "c"}),
    ("tag_resource", {"ResourceArn": "arn:aws:glue:us-east-1:123456789012:workflow/wf", "TagsToAdd": {"a": "b"}}),
    ("get_tags", {"ResourceArn": "arn:aws:glue:us-east-1:123456789012:workflow/wf"}),
    ("delete_workflow", {"Name": "wf"}),
]


def capture():
    seen = []

    def before_send(request, **kw):
        seen.append(request)
        r = AWSResponse(request.url, 200, {}, None)
        r._content = b"{}"
        return r
    glue = boto3.client("glue", endpoint_url="http://127.0.0.1:8080", region_name="us-east-1",
                        aws_access_key_id="AKIDFUZZ", aws_secret_access_key="fuzz-secret")
    glue.meta.events.register("before-send.glue", before_send)
    for op, kw in CALLS:
        try:
            getattr(glue, op)(**kw)
        except Exception:
            pass
    return [(op, req) for (op, _), req in zip(CALLS, seen)]


def main():
    for d in ("request", "sigv4"):
        shutil.rmtree(os.path.join(HERE, "seeds", d), ignore_errors=True)
        os.makedirs(os.path.join(HERE, "seeds", d))
    for i, (op, req) in enumerate(capture()):
        u = urlsplit(req.url)
        headers = "".join(f"{k}: {v.decode() if isinstance(v, bytes) else v}\n" for k, v in req.headers.items())
        headers = f"Host: {u.netloc}\n" + headers
        body = req.body if isinstance(req.body, bytes) else (req.body or "").encode()
        head = f"{req.method} {u.path or '/'}{'?' + u.query if u.query else ''}\n{headers}\n".encode()
        for flags in (0, 1) if i % 4 == 0 else (0,):
            with open(os.path.join(HERE, "seeds", "request", f"{i:02d}-{op}-{flags}"), "wb") as f:
                f.write(bytes([flags]) + head + body)
        with open(os.path.join(HERE, "seeds", "sigv4", f"{i:02d}-{op}"), "wb") as f:
            f.write(headers.encode() + b"\n" + body)
    for path, flags in (("GET /metrics", 0), ("GET /health", 0), ("GET /", 0), ("GET /metrics", 1)):
        with open(os.path.join(HERE, "seeds", "request", path.replace(" /", "-").replace("/", "") + str(flags)),
                  "wb") as f:
            f.write(bytes([flags]) + f"{path}\nHost: x\n\n".encode())
    with open(os.path.join(HERE, "seeds", "sigv4", "credentials"), "wb") as f:
        f.write(b"[default]\naws_access_key_id = A\naws_secret_access_key = s\n[profile b]\n"
                b"AWS_ACCESS_KEY_ID=B\naws_secret_access_key=t\n")


if __name__ == "__main__":
    main()
