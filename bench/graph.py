#!/usr/bin/env python3
"""The 1,000-node graph (issue 3's figure): a workflow of 500 jobs and 500 triggers (an ON_DEMAND start trigger
and 499 conditional triggers, each watching one job and starting the next), so that its triggers reference 1,000
nodes. GetWorkflow with IncludeGraph=True: latency median and p99 of 300 sequential calls from Python (client
overhead included) and wrk at 1 connection; the same for GetWorkflow without the graph for comparison."""
import json
import os
import sys
import tempfile
import time

import common as C

JOBS = 500


def main():
    tmp = tempfile.mkdtemp(prefix="bench-graph-")
    C.heading("6. A 1,000-node workflow graph (GetWorkflow IncludeGraph=True)")
    script = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    g = C.Glued(os.path.join(tmp, "glued")).start()
    try:
        cl = C.Client(g.url)
        cl.call("CreateWorkflow", {"Name": "big"})
        jobs = ["big-j%03d" % i for i in range(JOBS)]
        for j in jobs:
            cl.call("CreateJob", {"Name": j, "Role": "r", "Command": {"Name": "shell", "ScriptLocation": script}})
        cl.call("CreateTrigger", {"Name": "big-start", "WorkflowName": "big", "Type": "ON_DEMAND",
                                  "Actions": [{"JobName": jobs[0]}]})
        for i in range(1, JOBS):
            cl.call("CreateTrigger", {"Name": "big-t%03d" % i, "WorkflowName": "big", "Type": "CONDITIONAL",
                                      "StartOnCreation": True,
                                      "Predicate": {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": jobs[i - 1],
                                                                    "State": "SUCCEEDED"}]},
                                      "Actions": [{"JobName": jobs[i]}]})
        wf = cl.call("GetWorkflow", {"Name": "big", "IncludeGraph": True})[1]["Workflow"]
        nodes, edges = len(wf["Graph"]["Nodes"]), len(wf["Graph"]["Edges"])
        size = len(json.dumps(wf))
        C.record("graph", "nodes / edges in the graph", "%d / %d" % (nodes, edges), "", "answer %d KB" % (size // 1024))
        lat = []
        for _ in range(300):
            t = time.perf_counter()
            cl.call("GetWorkflow", {"Name": "big", "IncludeGraph": True})
            lat.append((time.perf_counter() - t) * 1000)
        C.record("graph", "GetWorkflow IncludeGraph (1,000 nodes) median, Python client", C.pct(lat, 50), "ms")
        C.record("graph", "GetWorkflow IncludeGraph (1,000 nodes) p99, Python client", C.pct(lat, 99), "ms")
        r = C.wrk(g.url, "GetWorkflowGraph", 1, 4, {"NAME": "big"})
        C.record("graph", "GetWorkflow IncludeGraph (1,000 nodes) p50, wrk c=1", r["p50_ms"], "ms",
                 "%.0f req/s, p99 %.2f ms" % (r["rps"], r["p99_ms"]))
        r0 = C.wrk(g.url, "GetWorkflow", 1, 3, {"NAME": "big"})
        C.record("graph", "GetWorkflow without graph (same workflow) p50, wrk c=1", r0["p50_ms"], "ms",
                 "%.0f req/s" % r0["rps"])
    finally:
        g.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
