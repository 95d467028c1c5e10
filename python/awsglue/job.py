"""Job, as an ETL script uses it: ``job = Job(glueContext); job.init(args['JOB_NAME'], args); ...; job.commit()``.

glued keeps no job bookmarks: init records the name and commit does nothing, so scripts written for Glue run."""

__all__ = ["Job"]


class Job:
    def __init__(self, glue_context=None):
        self._context = glue_context
        self._name = None
        self._args = {}

    def init(self, job_name, args=None):
        self._name = job_name
        self._args = dict(args or {})
        return self

    def commit(self):
        return None

    @property
    def name(self):
        return self._name
