#!/usr/bin/env python3
"""Scale (issue 5, item 5): ListWorkflows page time and GetWorkflow latency with 100 and with 100,000 workflows
stored, and memory (VmRSS): idle, with 10,000 workflows, and after 1,000 workflow runs' history.

The stores of 100, 10,000 and 100,000 workflows are pre-built: glued starts once on an empty directory (it creates
and migrates the schema), stops, the rows are inserted with Python's sqlite3, and glued starts again. Latencies are
wrk at 1 connection (p50 and p99): GetWorkflow of a random stored name, and ListWorkflows of a random page (25 a
page, tokens collected by walking every page first; the first page included)."""
import os
import random
import sqlite3
import sys
import tempfile
import time

import common as C

SECS = int(os.environ.get("BENCH_SECS", "4"))


def prebuilt(tmp, n):
    data = os.path.join(tmp, "wf%d" % n)
    g = C.Glued(data).start()
    g.stop()
    db = sqlite3.connect(os.path.join(data, [f for f in os.listdir(data) if f.endswith(".db")][0]))
    now = int(time.time() * 1000)
    db.executemany("INSERT INTO workflows (name, description, default_props, tags, max_runs, created_ms, modified_ms)"
                   " VALUES (?, ?, NULL, NULL, NULL, ?, ?)",
                   (("bench-wf-%06d" % i, "benchmark workflow %d" % i, now, now) for i in range(n)))
    db.commit()
    db.close()
    return g


def tokens(cl, limit=2000):
    out, tok = [""], None
    while True:
        body = {"MaxResults": 25}
        if tok:
            body["NextToken"] = tok
        r = cl.call("ListWorkflows", body)[1]
        tok = r.get("NextToken")
        if not tok:
            break
        out.append(tok)
    random.seed(1)
    return out if len(out) <= limit else [""] + random.sample(out[1:], limit - 1)


def main():
    tmp = tempfile.mkdtemp(prefix="bench-scale-")
    C.heading("5. Scale: 100 against 100,000 workflows stored (wrk, 1 connection, %d s each)" % SECS)
    res = {}
    for n in (100, 100000):
        g = prebuilt(tmp, n).start()
        try:
            cl = C.Client(g.url)
            t = time.time()
            toks = tokens(cl)
            walk = time.time() - t
            tf = os.path.join(tmp, "tokens%d" % n)
            with open(tf, "w") as f:
                f.write("\n".join(toks) + "\n")
            res[n] = {
                "get": C.wrk(g.url, "GetWorkflow", 1, SECS, {"NWF": n, "PAD": 6}),
                "list": C.wrk(g.url, "ListWorkflows", 1, SECS, {"TOKENS": tf}),
            }
            res[n]["rss"] = C.rss_kb(g.pid)
            C.record("scale", "walk every page of %d workflows (25 a page)" % n, walk * 1000, "ms",
                     "%.3f ms a page" % (walk * 1000 / max(1, (n + 24) // 25)))
            for what in ("get", "list"):
                r = res[n][what]
                label = "GetWorkflow (random name)" if what == "get" else "ListWorkflows page (random token)"
                C.record("scale", "%s at %d: p50" % (label, n), r["p50_ms"], "ms", "%.0f req/s" % r["rps"])
                C.record("scale", "%s at %d: p99" % (label, n), r["p99_ms"], "ms")
                if r["non2xx"] or r["errors"]:
                    C.record("scale", "%s at %d: non-2xx/errors" % (label, n), r["non2xx"] + r["errors"])
            C.record("memory", "RSS after the scale runs with %d workflows" % n, res[n]["rss"] / 1024.0, "MB")
        finally:
            g.cleanup()
    for what, label in (("get", "GetWorkflow"), ("list", "ListWorkflows page")):
        C.record("scale", "%s p50 ratio 100,000 / 100" % label,
                 res[100000][what]["p50_ms"] / res[100][what]["p50_ms"], "x")

    C.heading("5. Memory (VmRSS)")
    g = C.Glued(os.path.join(tmp, "idle")).start()
    time.sleep(0.5)
    C.record("memory", "RSS idle (fresh start, empty store)", C.rss_kb(g.pid) / 1024.0, "MB")
    cl = C.Client(g.url)
    cl.call("ListWorkflows", {})
    C.record("memory", "RSS idle after one request", C.rss_kb(g.pid) / 1024.0, "MB")
    # 1,000 runs' history: a workflow whose start trigger runs one `exit 0` job, run 1,000 times, 50 at a time
    script = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    cl.call("CreateWorkflow", {"Name": "history"})
    cl.call("CreateJob", {"Name": "history-job", "Role": "r", "Command": {"Name": "shell", "ScriptLocation": script},
                          "ExecutionProperty": {"MaxConcurrentRuns": 1000}})
    cl.call("CreateTrigger", {"Name": "history-start", "WorkflowName": "history", "Type": "ON_DEMAND",
                              "Actions": [{"JobName": "history-job"}]})
    t = time.time()
    pending = []
    for i in range(1000):
        pending.append(cl.call("StartWorkflowRun", {"Name": "history"})[1]["RunId"])
        if len(pending) >= 50 or i == 999:
            for rid in pending:
                while cl.call("GetWorkflowRun", {"Name": "history", "RunId": rid})[1]["Run"]["Status"] == "RUNNING":
                    time.sleep(0.01)
            pending = []
    el = time.time() - t
    C.record("memory", "1,000 runs (one job each, 50 at a time)", el, "s", "%.0f runs/s" % (1000 / el))
    runs = cl.call("GetWorkflowRuns", {"Name": "history", "MaxResults": 1000})[1]["Runs"]
    C.record("memory", "runs listed by GetWorkflowRuns", len(runs), "", "%d COMPLETED" % sum(
        r["Status"] == "COMPLETED" for r in runs))
    C.record("memory", "RSS after 1,000 runs' history", C.rss_kb(g.pid) / 1024.0, "MB")
    g.cleanup()

    g = prebuilt(tmp, 10000).start()
    cl = C.Client(g.url)
    C.record("memory", "RSS with 10,000 workflows stored (after restart)", C.rss_kb(g.pid) / 1024.0, "MB")
    tokens(cl)
    for i in range(0, 10000, 7):
        cl.call("GetWorkflow", {"Name": "bench-wf-%06d" % i})
    C.record("memory", "RSS with 10,000 workflows, after listing all and reading 1,429", C.rss_kb(g.pid) / 1024.0,
             "MB")
    g.cleanup()
    subprocess_rm(tmp)


def subprocess_rm(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
