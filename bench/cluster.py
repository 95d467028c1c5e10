"""9. Several nodes on one PostgreSQL (issue 9): job runs per second and API requests per second with 1, 2 and 3
glued nodes on a throwaway PostgreSQL server (tests/pg.sh), next to one node on SQLite.

- job runs/s: 8 workflows, each a fan-out of 50 cheap shell jobs (`exit 0`), started round-robin over the nodes;
  from the first StartWorkflowRun to the last run COMPLETED (polled every 20 ms), 400 job runs.
- API req/s: GetWorkflow at 32 connections in all, split evenly over the nodes (one wrk per node, at once).

All nodes share this machine's two cores with PostgreSQL: the figures say what one machine gets out of more
nodes, not what more machines would."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

SECTION = "cluster"
WORKFLOWS, FAN = 8, 50
WRK_SECS = 5


def pg_start(d):
    out = subprocess.run(["bash", os.path.join(C.ROOT, "tests", "pg.sh"), "start", d], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def pg_stop(d):
    subprocess.run(["bash", os.path.join(C.ROOT, "tests", "pg.sh"), "stop", d], capture_output=True)


def psql(url, sql):
    subprocess.run(["psql", url, "-qAt", "-c", sql], check=True, capture_output=True)


def setup(cl, script):
    for w in range(WORKFLOWS):
        wf = "bw%d" % w
        cl.call("CreateWorkflow", {"Name": wf})
        for j in range(FAN):
            cl.call("CreateJob", {"Name": "%s-j%d" % (wf, j), "Role": "r",
                                  "Command": {"Name": "shell", "ScriptLocation": script}})
        cl.call("CreateTrigger", {"Name": wf + "-start", "WorkflowName": wf, "Type": "ON_DEMAND",
                                  "Actions": [{"JobName": "%s-j%d" % (wf, j)} for j in range(FAN)]})


def job_runs_per_s(clients):
    t0 = time.monotonic()
    runs = []
    for w in range(WORKFLOWS):
        cl = clients[w % len(clients)]
        runs.append(("bw%d" % w, cl.call("StartWorkflowRun", {"Name": "bw%d" % w})[1]["RunId"]))
    pending = list(runs)
    while pending:
        wf, rid = pending[0]
        st, out = clients[0].call("GetWorkflowRun", {"Name": wf, "RunId": rid})
        if out["Run"]["Status"] != "RUNNING":
            if out["Run"]["Statistics"]["SucceededActions"] != FAN:
                raise RuntimeError("run %s ended with %s" % (rid, out["Run"]["Statistics"]))
            pending.pop(0)
        else:
            time.sleep(0.02)
    return WORKFLOWS * FAN / (time.monotonic() - t0)


def api_rps(urls):
    per = max(1, 32 // len(urls))
    procs = []
    for u in urls:
        e = dict(os.environ, OP="GetWorkflow", NAME="bw0")
        procs.append(subprocess.Popen(["wrk", "-t1", "-c%d" % per, "-d%ds" % WRK_SECS, "--timeout", "10s", "-s", C.LUA,
                                       u], env=e, stdout=subprocess.PIPE, text=True))
    total = 0.0
    for p in procs:
        out = p.communicate()[0]
        for line in out.splitlines():
            if line.startswith("RESULT "):
                total += float(dict(kv.split("=") for kv in line[7:].split())["rps"])
    return total


def cpu_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def measure(label, nodes, script):
    clients = [C.Client(g.url) for g in nodes]
    setup(clients[0], script)
    job_runs_per_s(clients)  # warm: every node has claimed and spawned once
    b0, t0 = cpu_busy()
    jr = sorted(job_runs_per_s(clients) for _ in range(3))[1]
    b1, t1 = cpu_busy()
    C.record(SECTION, "%s: the machine's CPUs busy during the job runs" % label, 100.0 * (b1 - b0) / (t1 - t0), "%",
             "all processes: glued, PostgreSQL, the jobs, and whatever else runs")
    rps = api_rps([g.url for g in nodes])
    C.record(SECTION, "%s: job runs/s (8 x fan-out of 50, median of 3)" % label, jr, "runs/s")
    C.record(SECTION, "%s: GetWorkflow req/s at 32 connections" % label, rps, "req/s")
    return jr, rps


def main():
    C.heading(SECTION)
    tmp = tempfile.mkdtemp(prefix="glued-bench-cluster-")
    script = C.write_script(os.path.join(tmp, "noop.sh"), "exit 0\n")
    pgdir = "/tmp/glued-bench-pg-%d" % os.getpid()
    base = pg_start(pgdir)
    results = {}
    try:
        g = C.Glued(os.path.join(tmp, "sqlite")).start()
        try:
            results["sqlite"] = measure("SQLite, 1 node", [g], script)
        finally:
            g.cleanup()
        for n in (1, 2, 3):
            db = "bench%d" % n
            psql(base, "CREATE DATABASE %s" % db)
            url = base.rsplit("/", 1)[0] + "/" + db
            nodes = []
            try:
                for i in range(n):
                    nodes.append(C.Glued(os.path.join(tmp, "pg%d-%d" % (n, i)),
                                         args=["--store", url, "--node-name", "n%d" % i]).start())
                results[n] = measure("PostgreSQL, %d node%s" % (n, "s" if n > 1 else ""), nodes, script)
            finally:
                for g in nodes:
                    g.cleanup()
        C.record(SECTION, "job runs/s: 3 nodes / 1 node on PostgreSQL (target >= 2x)", results[3][0] / results[1][0],
                 "x")
        C.record(SECTION, "job runs/s: 1 node on PostgreSQL / 1 node on SQLite", results[1][0] / results["sqlite"][0],
                 "x")
        C.record(SECTION, "GetWorkflow req/s: 3 nodes / 1 node on PostgreSQL", results[3][1] / results[1][1], "x")
    finally:
        pg_stop(pgdir)


if __name__ == "__main__":
    main()
