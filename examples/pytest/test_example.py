"""A test suite in moto's server-mode style, against glued: one server for the session, a reset per test.

Run it with pytest (the fixtures are in conftest.py):

    GLUED_BIN=build/glued python3 -m pytest examples/pytest

or, where pytest is not installed, with the standard library (the same tests, through UnittestAdapter below):

    GLUED_BIN=build/glued python3 -m unittest discover -s examples/pytest -t examples/pytest
"""

import os
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from glued_server import GluedServer  # noqa: E402


def wait_run(glue, name, run_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_workflow_run(Name=name, RunId=run_id)["Run"]
        if run["Status"] != "RUNNING" or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


# ---- the tests: plain functions of a boto3 Glue client that starts from an empty glued ----

def test_starts_empty(glue):
    assert glue.list_workflows()["Workflows"] == []
    assert glue.list_jobs()["JobNames"] == []


def test_same_names_every_test(glue):
    # no test has to invent unique names: every test starts from nothing
    glue.create_workflow(Name="nightly")
    glue.create_job(Name="load", Role="any", Command={"Name": "shell", "ScriptLocation": "/bin/true"})
    assert glue.list_workflows()["Workflows"] == ["nightly"]


def test_a_workflow_really_runs(glue):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write('echo "hello from $2"\n')
    os.chmod(f.name, stat.S_IRUSR | stat.S_IWUSR)
    try:
        glue.create_job(Name="hello", Role="any", Command={"Name": "shell", "ScriptLocation": f.name})
        glue.create_workflow(Name="greet")
        glue.create_trigger(Name="greet-start", WorkflowName="greet", Type="ON_DEMAND",
                            Actions=[{"JobName": "hello"}])
        run = wait_run(glue, "greet", glue.start_workflow_run(Name="greet")["RunId"])
        assert run["Status"] == "COMPLETED"
        assert run["Statistics"]["SucceededActions"] == 1
    finally:
        os.unlink(f.name)


def test_a_long_job_does_not_outlive_its_test(glue):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write("exec sleep 600\n")
    try:
        glue.create_job(Name="sleeper", Role="any", Command={"Name": "shell", "ScriptLocation": f.name})
        run_id = glue.start_job_run(JobName="sleeper")["JobRunId"]
        deadline = time.monotonic() + 30
        while glue.get_job_run(JobName="sleeper", RunId=run_id)["JobRun"]["JobRunState"] != "RUNNING":
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.05)
        # it is still running when the test ends: the next test's reset kills it
    finally:
        os.unlink(f.name)


# ---- the same tests under `python3 -m unittest` ----

class UnittestAdapter(unittest.TestCase):
    """Runs each test function above twice, after each reset path, on one glued for the class. pytest runs the
    functions itself with the fixtures of conftest.py, so it leaves this class alone."""

    __test__ = "pytest" not in sys.modules

    @classmethod
    def setUpClass(cls):
        cls.server = GluedServer().start()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, "glued did not stop cleanly"


def _adapt(fn, path):
    def method(self):
        self.server.reset(path)
        fn(self.server.client())
    method.__doc__ = fn.__doc__
    return method


for _name, _fn in list(globals().items()):
    if _name.startswith("test_") and callable(_fn):
        for _path, _tag in (("/_glued/reset", "glued_reset"), ("/moto-api/reset", "moto_reset")):
            setattr(UnittestAdapter, f"{_name}_via_{_tag}", _adapt(_fn, _path))

if __name__ == "__main__":
    unittest.main()
