"""Private helpers for test_jobs.py, test_triggers.py, test_crawlers.py and test_graph.py: make jobs, crawlers,
triggers and workflows with unique names, read every page of a listing, build ARNs. Built on harness.py
(one glued per TestCase class; every boto3 success answer is checked against the Glue model by the harness)."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

import shapes  # noqa: E402
from harness import ACCOUNT, REGION, ServerTestCase  # noqa: E402

NODE_ID_RE = re.compile(r"^wnode_[0-9a-f]{64}$")
SCRIPT = "s3://glued-test-bucket/scripts/job.py"


def res_arn(kind, name, region=REGION, account=ACCOUNT):
    return f"arn:aws:glue:{region}:{account}:{kind}/{name}"


def _valid_name(name):
    return isinstance(name, str) and 1 <= len(name) <= 255 and all(
        c == "\t" or (0x20 <= ord(c) and not 0xD800 <= ord(c) <= 0xDFFF and ord(c) not in (0xFFFE, 0xFFFF))
        for c in name)


def cond(job=None, state="SUCCEEDED", crawler=None, crawl_state="SUCCEEDED"):
    """A predicate Condition watching a job (default) or a crawler."""
    if crawler is not None:
        return {"LogicalOperator": "EQUALS", "CrawlerName": crawler, "CrawlState": crawl_state}
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def pred(*conds, logical=None):
    p = {"Conditions": list(conds)}
    if logical:
        p["Logical"] = logical
    return p


class ResTestCase(ServerTestCase):
    """ServerTestCase plus makers for jobs, crawlers, triggers and workflows."""

    # ---- makers -------------------------------------------------------------------------------------
    def mkjob(self, name=None, command="glueetl", **kw):
        name = name or self.uname("job")
        kw.setdefault("Role", "arn:aws:iam::123456789012:role/GlueRole")
        if "Command" not in kw:
            kw["Command"] = {"Name": command, "ScriptLocation": SCRIPT} if command else {"ScriptLocation": SCRIPT}
        out = self.glue.create_job(Name=name, **kw)
        out.pop("ResponseMetadata", None)
        self.assertEqual(out, {"Name": name})
        return name

    def mkcrawler(self, name=None, **kw):
        name = name or self.uname("crawler")
        kw.setdefault("Role", "GlueCrawlerRole")
        kw.setdefault("Targets", {"S3Targets": [{"Path": "s3://glued-test-bucket/data/"}]})
        out = self.glue.create_crawler(Name=name, **kw)
        out.pop("ResponseMetadata", None)
        self.assertEqual(out, {})
        return name

    def mkwf(self, name=None, **kw):
        return self.create(name or self.uname("wf"), **kw)

    def mktrigger(self, name=None, type="ON_DEMAND", actions=None, **kw):
        """Creates a trigger; actions is a list of job names (or full Action dicts)."""
        name = name or self.uname("trg")
        if actions is None:
            actions = [self.mkjob()]
        acts = [a if isinstance(a, dict) else {"JobName": a} for a in actions]
        out = self.glue.create_trigger(Name=name, Type=type, Actions=acts, **kw)
        self.assertEqual(out["Name"], name)
        return name

    # ---- readers ------------------------------------------------------------------------------------
    def getjob(self, name):
        return self.glue.get_job(JobName=name)["Job"]

    def gettrigger(self, name):
        return self.glue.get_trigger(Name=name)["Trigger"]

    def getcrawler(self, name):
        return self.glue.get_crawler(Name=name)["Crawler"]

    def missing(self, fn, **kw):
        """True when fn(**kw) raises EntityNotFoundException."""
        try:
            fn(**kw)
            return False
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "EntityNotFoundException":
                return True
            # a name no resource can have may be refused outright
            name = next(iter(kw.values()), "")
            if code == "InvalidInputException" and not _valid_name(name):
                return True
            raise

    def pages(self, fn, key, max_results=None, **kw):
        """Every page of a listing: (all items, number of pages). Fails on a repeated token or a runaway."""
        items, token, n, seen = [], None, 0, set()
        while True:
            args = dict(kw)
            if max_results is not None:
                args["MaxResults"] = max_results
            if token:
                args["NextToken"] = token
            r = fn(**args)
            n += 1
            items += r[key]
            token = r.get("NextToken")
            if not token:
                return items, n
            self.assertNotIn(token, seen, "NextToken repeated")
            seen.add(token)
            self.assertLess(n, 10000, "listing never ends")

    def tags(self, kind, name):
        return self.glue.get_tags(ResourceArn=res_arn(kind, name))["Tags"]

    # ---- raw calls ----------------------------------------------------------------------------------
    def raw_ok(self, op, payload):
        return self.assertRawOk(self.server.call(op, payload), op)

    def raw_err(self, op, payload, code, member=None):
        r = self.server.call(op, payload)
        self.assertRawError(r, code, member)
        return r

    def assertShape(self, op, body):
        self.assertEqual(shapes.problems_for(op, body), [])
