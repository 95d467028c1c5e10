#!/usr/bin/env python3
"""The web console (issue 11's figure): its first page, the workflow list, loaded in Debian's headless Chromium
with 1,000 workflows (100 of them with a run), from navigation start to the list drawn (bench/console_load.mjs):
median and p90 of 10 cold loads (fresh profile, the tab already on glued's origin so that Chromium's own renderer
start is not counted) and 10 warm reloads, and as the floor of the moment, the same tab loading glued's /healthz
(a few bytes of text). Then the same at 10,000.

Also the reason for the console-only read ListWorkflowSummaries, measured from Python on one connection: one
page of 50 workflows with their last run through the public API (ListWorkflows x2 + BatchGetWorkflows x2)
against one ListWorkflowSummaries call, and a search by name at 10,000 workflows (every ListWorkflows page,
25 names each, against one ListWorkflowSummaries call).

Needs Debian's chromium and tests/browser/node_modules (scripts/deps.sh --test); without them the page-load
figures are skipped, with a message."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import common as C

ROUNDS = 10


def make(cl, start, count, script, with_runs=0):
    for i in range(start, start + count):
        cl.call("CreateWorkflow", {"Name": "wf-%05d" % i})
    if with_runs:
        cl.call("CreateJob", {"Name": "bench-job", "Role": "r", "Command": {"Name": "shell", "ScriptLocation": script}})
        for i in range(start, start + with_runs):
            cl.call("CreateTrigger", {"Name": "t-%05d" % i, "WorkflowName": "wf-%05d" % i, "Type": "ON_DEMAND",
                                      "Actions": [{"JobName": "bench-job"}]})
            cl.call("StartWorkflowRun", {"Name": "wf-%05d" % i})


class Session:
    """A console session over one keep-alive connection (cookie + anti-forgery token)."""

    def __init__(self, url):
        import http.client
        host, port = url[len("http://"):].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.conn.request("GET", "/console/")
        r = self.conn.getresponse()
        r.read()
        self.cookie = r.getheader("Set-Cookie").split(";")[0]
        self.conn.request("GET", "/console/api/session", headers={"Cookie": self.cookie})
        self.token = json.loads(self.conn.getresponse().read())["Token"]

    def op(self, name, body):
        self.conn.request("POST", "/console/api/" + name, json.dumps(body),
                          {"Cookie": self.cookie, "X-Glued-Token": self.token, "Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError("%s -> %d %s" % (name, r.status, data[:200]))
        return json.loads(data)


def median_ms(fn, n=30):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    return C.pct(xs, 50)


def page_load(url, label):
    node_modules = os.path.join(C.ROOT, "tests", "browser", "node_modules", "playwright-core")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.isdir(node_modules) or not os.path.exists(chromium):
        print("  (skipped: needs %s and %s; run scripts/deps.sh --test)" % (chromium, node_modules), flush=True)
        return
    out = subprocess.run(["node", os.path.join(C.BENCH, "console_load.mjs"), url, str(ROUNDS)], capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("console_load.mjs failed:\n" + out.stderr[-2000:])
    r = json.loads(out.stdout.strip().splitlines()[-1])
    C.record("console", "floor: /healthz (text) in the same browser at %s: median" % label, C.pct(r["floor"], 50), "ms",
             "what any page from glued costs the browser at that moment")
    C.record("console", "first page (list of %d rows) at %s, cold: median" % (r["rows"], label), C.pct(r["cold"], 50), "ms",
             "navigation start to list drawn, fresh profile, %d loads" % ROUNDS)
    C.record("console", "first page at %s, cold: p90" % label, C.pct(r["cold"], 90), "ms")
    C.record("console", "first page at %s, warm reload: median" % label, C.pct(r["warm"], 50), "ms")
    C.record("console", "first page at %s, warm reload: p90" % label, C.pct(r["warm"], 90), "ms")


def main():
    tmp = tempfile.mkdtemp(prefix="bench-console-")
    C.heading("7. The web console")
    script = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    g = C.Glued(os.path.join(tmp, "glued"), args=["--max-workflows", "0"]).start()
    try:
        cl = C.Client(g.url)
        make(cl, 0, 1000, script, with_runs=100)
        time.sleep(1)  # the runs end
        page_load(g.url, "1,000 workflows")
        s = Session(g.url)

        def public_page():
            names, token = [], None
            for _ in range(2):
                body = {"MaxResults": 25}
                if token:
                    body["NextToken"] = token
                r = cl.call("ListWorkflows", body)[1]
                names += r["Workflows"]
                token = r.get("NextToken")
                cl.call("BatchGetWorkflows", {"Names": r["Workflows"]})
            return names
        C.record("console", "a page of 50 with last runs: ListWorkflows x2 + BatchGetWorkflows x2", median_ms(public_page), "ms",
                 "1,000 workflows, median of 30")
        C.record("console", "a page of 50 with last runs: one ListWorkflowSummaries",
                 median_ms(lambda: s.op("ListWorkflowSummaries", {"MaxResults": 50})), "ms", "1,000 workflows, median of 30")

        make(cl, 1000, 9000, script)
        page_load(g.url, "10,000 workflows")

        def public_search():
            found, token = [], None
            while True:
                body = {"MaxResults": 25}
                if token:
                    body["NextToken"] = token
                r = cl.call("ListWorkflows", body)[1]
                found += [n for n in r["Workflows"] if "0999" in n]
                token = r.get("NextToken")
                if not token:
                    return found
        C.record("console", "search by name at 10,000: every ListWorkflows page", median_ms(public_search, 5), "ms",
                 "400 calls, median of 5")
        C.record("console", "search by name at 10,000: one ListWorkflowSummaries",
                 median_ms(lambda: s.op("ListWorkflowSummaries", {"NameContains": "0999", "MaxResults": 50}), 5), "ms",
                 "median of 5")
    finally:
        g.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
