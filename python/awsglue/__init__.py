"""glued's own awsglue package: the parts of AWS Glue's Python library that a job script needs outside AWS.

glued puts the directory holding this package on every job's PYTHONPATH, so that a Glue script's first lines,
``from awsglue.utils import getResolvedOptions`` and, under a Spark runner, ``from awsglue.context import
GlueContext``, work unchanged. It is written for glued, not copied from AWS's library:

- ``awsglue.utils``: ``getResolvedOptions`` and ``GlueArgumentError``, as Glue documents them;
- ``awsglue.context``: ``GlueContext`` over a plain SparkContext when pyspark is importable; without Spark,
  importing it fails with a message that says how to run Spark jobs (glued's ``--runner`` option);
- ``awsglue.job``: ``Job`` with ``init`` and ``commit`` (job bookmarks are not kept).
"""

__version__ = "glued"
