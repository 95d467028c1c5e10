"""The opening lines of a Glue Spark ETL script (test_scripts.py): without Spark, importing awsglue.context must
fail with a message that names glued's --runner option."""
import sys

from awsglue.context import GlueContext  # noqa: F401
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext  # noqa: F401

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
