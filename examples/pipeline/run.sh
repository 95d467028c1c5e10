#!/usr/bin/env bash
# A three-step pipeline on a running glued, with the AWS CLI only:
#   extract (shell) -> transform (Python, writes run properties) -> report (Python, reads them)
# Usage: examples/pipeline/run.sh [ENDPOINT]   (default http://127.0.0.1:8080)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
url="${1:-http://127.0.0.1:8080}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-demo}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-demo}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
glue() { aws glue --endpoint-url "$url" --output json "$@"; }
scratch="$(mktemp -d)"

glue delete-workflow --name demo-pipeline >/dev/null
glue create-workflow --name demo-pipeline --default-run-properties requested_by=example >/dev/null
for j in extract:shell:extract.sh transform:pythonshell:transform.py report:pythonshell:report.py; do
  IFS=: read -r name kind script <<<"$j"
  glue delete-job --job-name "demo-$name" >/dev/null
  glue create-job --name "demo-$name" --role demo --command "Name=$kind,ScriptLocation=$here/$script" \
    --default-arguments "{\"--out\": \"$scratch\"}" >/dev/null
done
glue create-trigger --name demo-start --workflow-name demo-pipeline --type ON_DEMAND \
  --actions JobName=demo-extract >/dev/null
glue create-trigger --name demo-after-extract --workflow-name demo-pipeline --type CONDITIONAL --start-on-creation \
  --predicate '{"Conditions":[{"LogicalOperator":"EQUALS","JobName":"demo-extract","State":"SUCCEEDED"}]}' \
  --actions JobName=demo-transform >/dev/null
glue create-trigger --name demo-after-transform --workflow-name demo-pipeline --type CONDITIONAL --start-on-creation \
  --predicate '{"Conditions":[{"LogicalOperator":"EQUALS","JobName":"demo-transform","State":"SUCCEEDED"}]}' \
  --actions JobName=demo-report >/dev/null

run=$(glue start-workflow-run --name demo-pipeline --query RunId --output text)
echo "started run $run"
for _ in $(seq 1 200); do
  status=$(glue get-workflow-run --name demo-pipeline --run-id "$run" --query Run.Status --output text)
  [ "$status" != RUNNING ] && break
  sleep 0.1
done
glue get-workflow-run --name demo-pipeline --run-id "$run" --query 'Run.{Status: Status, Statistics: Statistics, Properties: WorkflowRunProperties}'
echo "job runs of demo-report:"
glue get-job-runs --job-name demo-report --query 'JobRuns[0].{Id: Id, State: JobRunState}'
rm -rf "$scratch"
