"""GlueContext for Spark jobs run by glued.

AWS's GlueContext wraps a SparkContext with Glue's own JVM libraries (DynamicFrames, the Data Catalog). glued has
no Glue JVM: with pyspark importable, GlueContext here gives the Spark side of it (``spark_session``,
``get_logger()``, ``sparkSession``) so that the usual opening lines of an ETL script run; DynamicFrame methods raise
NotImplementedError naming what is missing. Without pyspark, importing this module fails with a message that
says how to run Spark jobs under glued: a ``--runner`` for the job's Command.Name.
"""

try:
    from pyspark.context import SparkContext
    from pyspark.sql import SparkSession
except ImportError as _e:  # the runner did not give this job Spark
    import sys as _sys

    raise ImportError(
        "awsglue.context needs Apache Spark (pyspark), which this Python does not have: start glued with a Spark "
        "runner for the job's Command.Name, e.g. --runner glueetl='spark-submit --py-files {extra_py_files} "
        "{script} {args}' (Python shell jobs can use awsglue.utils without Spark; this Python is "
        + _sys.executable + ")",
        name="awsglue.context") from None

import logging

__all__ = ["GlueContext"]


class GlueContext:
    """The Spark half of Glue's GlueContext: ``GlueContext(SparkContext.getOrCreate())``."""

    def __init__(self, sparkContext=None, **options):
        self._sc = sparkContext or SparkContext.getOrCreate()
        self.spark_session = SparkSession(self._sc)
        self._options = options

    @property
    def sparkSession(self):
        return self.spark_session

    def get_logger(self):
        return logging.getLogger("awsglue")

    def _missing(self, what):
        raise NotImplementedError(f"GlueContext.{what} needs AWS Glue's JVM libraries (DynamicFrames, the Data "
                                  "Catalog), which glued does not have; use spark_session's DataFrames instead")

    def create_dynamic_frame_from_options(self, *a, **kw):
        self._missing("create_dynamic_frame_from_options")

    def create_dynamic_frame_from_catalog(self, *a, **kw):
        self._missing("create_dynamic_frame_from_catalog")

    def write_dynamic_frame_from_options(self, *a, **kw):
        self._missing("write_dynamic_frame_from_options")

    @property
    def create_dynamic_frame(self):
        self._missing("create_dynamic_frame")

    @property
    def write_dynamic_frame(self):
        self._missing("write_dynamic_frame")
