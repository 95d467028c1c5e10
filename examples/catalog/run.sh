#!/usr/bin/env bash
# crawler -> job -> crawler on a running glued, with the AWS CLI:
#   1. generates CSV events in day=N folders and JSON users under a data folder;
#   2. the crawler demo-raw catalogs them (tables events, partitioned by day, and users);
#   3. the job demo-rollup reads the events table from glued's catalog with its own boto3 (GetTable,
#      GetPartitions) and writes the next day's partition, day=<last+1>, from what it read;
#   4. the crawler demo-events crawls the events folder again and adds that partition.
# Usage: examples/catalog/run.sh [ENDPOINT] [DATA_DIR]   (default http://127.0.0.1:8080, a fresh temporary folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
url="${1:-http://127.0.0.1:8080}"
data="${2:-$(mktemp -d)}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-demo}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-demo}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
glue() { aws glue --endpoint-url "$url" --output json "$@"; }

python3 "$here/generate.py" "$data"

for c in demo-raw demo-events; do glue delete-crawler --name "$c" >/dev/null 2>&1 || true; done
glue delete-workflow --name demo-catalog >/dev/null
glue delete-job --job-name demo-rollup >/dev/null
glue delete-database --name demo_lake >/dev/null 2>&1 || true
glue create-crawler --name demo-raw --role demo --database-name demo_lake \
  --targets "{\"S3Targets\": [{\"Path\": \"$data/raw\"}]}" >/dev/null
glue create-crawler --name demo-events --role demo --database-name demo_lake \
  --targets "{\"S3Targets\": [{\"Path\": \"$data/raw/events\"}]}" >/dev/null
glue create-job --name demo-rollup --role demo --command "Name=pythonshell,ScriptLocation=$here/rollup.py" \
  --default-arguments '{"--database": "demo_lake", "--table": "events"}' >/dev/null
glue create-workflow --name demo-catalog >/dev/null
glue create-trigger --name demo-catalog-start --workflow-name demo-catalog --type ON_DEMAND \
  --actions CrawlerName=demo-raw >/dev/null
glue create-trigger --name demo-catalog-rollup --workflow-name demo-catalog --type CONDITIONAL --start-on-creation \
  --predicate '{"Conditions":[{"LogicalOperator":"EQUALS","CrawlerName":"demo-raw","CrawlState":"SUCCEEDED"}]}' \
  --actions JobName=demo-rollup >/dev/null
glue create-trigger --name demo-catalog-recrawl --workflow-name demo-catalog --type CONDITIONAL --start-on-creation \
  --predicate '{"Conditions":[{"LogicalOperator":"EQUALS","JobName":"demo-rollup","State":"SUCCEEDED"}]}' \
  --actions CrawlerName=demo-events >/dev/null

run=$(glue start-workflow-run --name demo-catalog --query RunId --output text)
echo "started run $run"
for _ in $(seq 1 600); do
  status=$(glue get-workflow-run --name demo-catalog --run-id "$run" --query Run.Status --output text)
  [ "$status" != RUNNING ] && break
  sleep 0.1
done
glue get-workflow-run --name demo-catalog --run-id "$run" --query 'Run.{Status: Status, Statistics: Statistics}'
echo "tables:"
glue get-tables --database-name demo_lake --query 'TableList[].{Name: Name, Keys: PartitionKeys[].Name}'
echo "partitions of events:"
glue get-partitions --database-name demo_lake --table-name events --query 'Partitions[].Values[0]' --output text
echo "the data is in $data (the tables point at it): remove it when you are done with them" >&2
