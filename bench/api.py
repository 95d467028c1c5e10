#!/usr/bin/env python3
"""API against moto, and against its own floor (issue 5, items 1 and 2).

Both servers get the same data, in the same order. First 25 workflows, and ListWorkflows (MaxResults 25, the
model's maximum) is driven while they are all there is: moto 5.2 answers HTTP 500 to any ListWorkflows that needs a
NextToken (its paginator looks for a `name` attribute on the plain strings it lists), so a fair page is one that
holds every workflow. Then 75 more workflows (bench-wf-0000..0099, each with a description and default run
properties), one shell job, an ON_DEMAND trigger on ten of the workflows and two runs of each of those ten, and
GetWorkflow (bench-wf-0020), GetWorkflowRun (a random one of the 20 runs) and last CreateWorkflow (a new name per
request) at 1, 32 and 256 connections. glued runs with --max-workflows 0 so that CreateWorkflow never hits the
quota; its runs finish (moto's stay RUNNING forever).

Then the floor: bench/.build/floor (libmicrohttpd, same thread setup, fixed JSON body) against glued's GetWorkflow
at 32 connections, alternating three times, medians compared.

Last, what checking signatures costs: GetWorkflow at 32 connections against two fresh glueds holding the same
workflow, one started with --credentials (each request really signed; wrk resends one signature, valid for its
5 minutes), alternating three times, medians compared."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import common as C

SECS_GLUED = int(os.environ.get("BENCH_SECS", "4"))
SECS_MOTO = int(os.environ.get("BENCH_SECS_MOTO", "3"))
CONNS = [1, 32, 256]
OPS = ["GetWorkflow", "ListWorkflows", "GetWorkflowRun", "CreateWorkflow"]


def seed_workflows(client, lo, hi):
    for i in range(lo, hi):
        client.call("CreateWorkflow", {"Name": "bench-wf-%04d" % i, "Description": "benchmark workflow %d" % i,
                                       "DefaultRunProperties": {"stage": "bench", "owner": "glued"}})


def seed_runs(client, script, is_glued):
    client.call("CreateJob", {"Name": "bench-job", "Role": "arn:aws:iam::123456789012:role/bench",
                              "Command": {"Name": "shell", "ScriptLocation": script},
                              "ExecutionProperty": {"MaxConcurrentRuns": 100}})
    runs = []
    for i in range(10):
        wf = "bench-wf-%04d" % i
        client.call("CreateTrigger", {"Name": "bench-start-%d" % i, "WorkflowName": wf, "Type": "ON_DEMAND",
                                      "Actions": [{"JobName": "bench-job"}]})
        for _ in range(2):
            runs.append((wf, client.call("StartWorkflowRun", {"Name": wf})[1]["RunId"]))
    if is_glued:  # let glued's runs finish so that every GetWorkflowRun reads a settled run
        for wf, rid in runs:
            for _ in range(500):
                if client.call("GetWorkflowRun", {"Name": wf, "RunId": rid})[1]["Run"]["Status"] != "RUNNING":
                    break
                time.sleep(0.01)
    return runs


def settle(url):
    """Waits until the server answers again (moto still works through the backlog of a 256-connection run)."""
    for _ in range(600):
        try:
            C.Client(url).call("GetWorkflow", {"Name": "bench-wf-0020"})
            return
        except Exception:
            time.sleep(0.1)


def drive(name, url, runs_file, secs, results, ops):
    for op in ops:
        for conns in CONNS:
            env = {"NAME": "bench-wf-0020", "RUNS": runs_file or "", "PREFIX": "%s-c%d" % (name, conns), "MAXRESULTS": 25}
            settle(url)
            r = C.wrk(url, op, conns, secs, env)
            results[(name, op, conns)] = r
            print("  %-6s %-15s c=%-4d %9.0f req/s  p50 %8.2f ms  p99 %8.2f ms  non-2xx %d  socket errors %d" % (
                name, op, conns, r["rps"], r["p50_ms"], r["p99_ms"], r["non2xx"], r["errors"]), flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="bench-api-")
    script = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    C.heading("1. API against moto (wrk, same Lua script; glued %d s a run, moto %d s)" % (SECS_GLUED, SECS_MOTO))
    g = C.Glued(os.path.join(tmp, "glued"), ["--max-workflows", "0"]).start()
    try:
        import moto.server  # noqa: F401
        m = C.Moto()
    except ImportError:
        m = None
        print("  moto is not installed in this Python: glued alone")
    results = {}
    try:
        for name, srv in (("glued", g), ("moto", m)):
            if srv is None:
                continue
            cl = C.Client(srv.url)
            secs = SECS_GLUED if name == "glued" else SECS_MOTO
            seed_workflows(cl, 0, 25)
            drive(name, srv.url, None, secs, results, ["ListWorkflows"])
            seed_workflows(cl, 25, 100)
            runs = seed_runs(cl, script, name == "glued")
            rf = os.path.join(tmp, name + ".runs")
            with open(rf, "w") as f:
                f.write("".join("%s %s\n" % r for r in runs))
            drive(name, srv.url, rf, secs, results, ["GetWorkflow", "GetWorkflowRun", "CreateWorkflow"])
    finally:
        if m:
            m.stop()
    print()
    for op in OPS:
        for conns in CONNS:
            gr = results[("glued", op, conns)]
            mr = results.get(("moto", op, conns), {"rps": float("nan"), "p50_ms": float("nan"),
                                                   "p99_ms": float("nan"), "non2xx": 0, "errors": 0})
            key = "%s c=%d" % (op, conns)
            for who, r in (("glued", gr), ("moto", mr)):
                C.record("api", "%s %s req/s" % (who, key), r["rps"], "req/s", quiet=True)
                C.record("api", "%s %s p50" % (who, key), r["p50_ms"], "ms", quiet=True)
                C.record("api", "%s %s p99" % (who, key), r["p99_ms"], "ms", quiet=True)
                C.record("api", "%s %s non-2xx" % (who, key), r["non2xx"], "", quiet=True)
                C.record("api", "%s %s socket errors" % (who, key), r["errors"], "", quiet=True)
            C.record("api", "ratio glued/moto %s" % key, gr["rps"] / mr["rps"] if mr["rps"] > 0 else float("nan"), "x")

    C.heading("2. API against its floor (libmicrohttpd, same thread setup, fixed body), 32 connections")
    floor = subprocess.Popen([os.path.join(C.BIN, "floor")], stdout=subprocess.PIPE)
    furl = floor.stdout.readline().decode().split()[3]
    fl, gl = [], []
    try:
        for _ in range(3):
            fl.append(C.wrk(furl, "Fixed", 32, 3)["rps"])
            gl.append(C.wrk(g.url, "GetWorkflow", 32, 3, {"NAME": "bench-wf-0020"})["rps"])
    finally:
        floor.terminate()
        floor.wait()
        g.cleanup()
    f_med, g_med = statistics.median(fl), statistics.median(gl)
    print("  floor runs: %s req/s; glued GetWorkflow runs: %s req/s" % (
        ", ".join("%.0f" % x for x in fl), ", ".join("%.0f" % x for x in gl)))
    C.record("floor", "floor server req/s (c=32, median of 3)", f_med, "req/s")
    C.record("floor", "glued GetWorkflow req/s (c=32, median of 3)", g_med, "req/s")
    C.record("floor", "ratio glued/floor", g_med / f_med, "x")

    C.heading("3. Signatures checked (--credentials) against none, GetWorkflow, 32 connections")
    keys = ("AKIABENCH00000000001", "bench-secret-0123456789")
    creds = os.path.join(tmp, "credentials")
    with open(creds, "w") as f:
        f.write("[bench]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % keys)
    # Two fresh servers holding the same one workflow: the only difference is the signature check.
    u = C.Glued(os.path.join(tmp, "unsigned")).start()
    s = C.Glued(os.path.join(tmp, "signed"), ["--credentials", creds]).start()
    plain, signed = [], []
    try:
        seed_workflows(C.Client(u.url), 20, 21)
        seed_workflows(C.Client(s.url, keys=keys), 20, 21)
        body = '{"Name":"bench-wf-0020"}'  # what glue.lua sends for GetWorkflow with NAME set
        for _ in range(3):
            plain.append(C.wrk(u.url, "GetWorkflow", 32, 3, {"NAME": "bench-wf-0020"})["rps"])
            amz, authz = C.sign(s.url.split("//")[1], "AWSGlue.GetWorkflow", body, *keys)
            r = C.wrk(s.url, "GetWorkflow", 32, 3, {"NAME": "bench-wf-0020", "AMZDATE": amz, "AUTHZ": authz})
            if r["non2xx"] or not r["requests"]:
                raise RuntimeError("signed GetWorkflow was refused %d times of %d" % (r["non2xx"], r["requests"]))
            signed.append(r["rps"])
    finally:
        s.cleanup()
        u.cleanup()
    p_med, s_med = statistics.median(plain), statistics.median(signed)
    print("  unsigned runs: %s req/s; signed runs: %s req/s" % (
        ", ".join("%.0f" % x for x in plain), ", ".join("%.0f" % x for x in signed)))
    C.record("sigv4", "glued GetWorkflow req/s, no --credentials (c=32, median of 3)", p_med, "req/s")
    C.record("sigv4", "glued GetWorkflow req/s, signatures checked (c=32, median of 3)", s_med, "req/s")
    C.record("sigv4", "ratio checked/unchecked", s_med / p_med, "x")
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
