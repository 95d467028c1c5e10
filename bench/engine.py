#!/usr/bin/env python3
"""The engine against the physical limit (issue 5, item 3; issue 4's figures).

- Chain: 200 `shell` jobs (`exit 0`) J000 -> T -> J001 -> ... -> J199 as one workflow run, from the run's StartedOn
  to its CompletedOn, against 200 back-to-back spawns of the same script by a shell loop.
- Fan-out: one ON_DEMAND trigger starting 50 jobs, against 50 parallel spawns by a shell (`&` then `wait`).
- Delay from a job's end to the start of the jobs it triggers, measured by the jobs themselves (bench/stamp.c
  writes its start and end times), over a chain of 200 and a fan-out of 50, against the same measure of the shell's
  back-to-back and parallel spawns: the difference is glued's cost on top of the spawn. The delay seen in glued's
  own timestamps (CompletedOn -> StartedOn) is printed too.
- Sustained: 20 workflows with a fan-out of 50 each, started together (1,000 job runs), against 1,000 parallel
  spawns by a shell.
- Spawn paths (bench/spawn.c): the cost of starting one job from a process shaped like glued, by uv_spawn as the
  engine does it (fork, with and without creating the two log files) and by posix_spawn (vfork-style clone).

Each glued measure and its baseline alternate three times; medians are reported."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import common as C

REPS = int(os.environ.get("BENCH_REPS", "3"))
CHAIN = 200
FAN = 50
SUSTAIN_WF = 20


def job(cl, name, script, conc=1):
    cl.call("CreateJob", {"Name": name, "Role": "arn:aws:iam::123456789012:role/bench",
                          "Command": {"Name": "shell", "ScriptLocation": script},
                          "ExecutionProperty": {"MaxConcurrentRuns": conc}})


def cond(cl, name, wf, watch, starts):
    cl.call("CreateTrigger", {"Name": name, "WorkflowName": wf, "Type": "CONDITIONAL", "StartOnCreation": True,
                              "Predicate": {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": watch,
                                                            "State": "SUCCEEDED"}]},
                              "Actions": [{"JobName": j} for j in starts]})


def make_chain(cl, wf, script, n):
    cl.call("CreateWorkflow", {"Name": wf})
    jobs = ["%s-j%03d" % (wf, i) for i in range(n)]
    for j in jobs:
        job(cl, j, script)
    cl.call("CreateTrigger", {"Name": wf + "-start", "WorkflowName": wf, "Type": "ON_DEMAND",
                              "Actions": [{"JobName": jobs[0]}]})
    for i in range(1, n):
        cond(cl, "%s-t%03d" % (wf, i), wf, jobs[i - 1], [jobs[i]])
    return jobs


def make_fan(cl, wf, jobs, root=None):
    cl.call("CreateWorkflow", {"Name": wf})
    if root:
        cl.call("CreateTrigger", {"Name": wf + "-start", "WorkflowName": wf, "Type": "ON_DEMAND",
                                  "Actions": [{"JobName": root}]})
        cond(cl, wf + "-fan", wf, root, jobs)
    else:
        cl.call("CreateTrigger", {"Name": wf + "-start", "WorkflowName": wf, "Type": "ON_DEMAND",
                                  "Actions": [{"JobName": j} for j in jobs]})


def run(cl, wf, timeout=300):
    """Starts a run, waits for its end; returns the run (with its graph)."""
    rid = cl.call("StartWorkflowRun", {"Name": wf})[1]["RunId"]
    return rid, wait_run(cl, wf, rid, timeout)


def wait_run(cl, wf, rid, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        r = cl.call("GetWorkflowRun", {"Name": wf, "RunId": rid})[1]["Run"]
        if r["Status"] not in ("RUNNING", "STOPPING"):
            return cl.call("GetWorkflowRun", {"Name": wf, "RunId": rid, "IncludeGraph": True})[1]["Run"]
        time.sleep(0.01)
    raise RuntimeError("run %s of %s did not end in %d s" % (rid, wf, timeout))


def job_runs(run):
    out = {}
    for n in run.get("Graph", {}).get("Nodes", []):
        if n["Type"] == "JOB":
            out[n["Name"]] = n.get("JobDetails", {}).get("JobRuns", [])
    return out


def sh(script_text):
    t = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", script_text], check=True)
    return time.perf_counter() - t


def stamps(path):
    d = {}
    with open(path) as f:
        for line in f:
            tag, s, e = line.split()
            d[tag] = (int(s), int(e))
    return d


def main():
    tmp = tempfile.mkdtemp(prefix="bench-engine-")
    exit0 = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    stamp_bin = os.path.join(C.BIN, "stamp")
    sfile = os.path.join(tmp, "stamps.txt")
    stamp_sh = C.write_script(os.path.join(tmp, "stamp.sh"), 'exec %s %s "$2"\n' % (stamp_bin, sfile))
    g = C.Glued(os.path.join(tmp, "glued")).start()
    cl = C.Client(g.url)
    try:
        C.heading("3. Engine against the physical limit (glued runs vs a shell's spawns; median of %d)" % REPS)
        t = time.time()
        make_chain(cl, "chain", exit0, CHAIN)
        fan_jobs = ["fan-j%02d" % i for i in range(FAN)]
        for j in fan_jobs:
            job(cl, j, exit0, conc=1000)
        make_fan(cl, "fan", fan_jobs)
        for w in range(SUSTAIN_WF):
            make_fan(cl, "sustain-%02d" % w, fan_jobs)
        dchain = make_chain(cl, "dchain", stamp_sh, CHAIN)
        dfan_jobs = ["dfan-j%02d" % i for i in range(FAN)]
        for j in dfan_jobs:
            job(cl, j, stamp_sh)
        job(cl, "dfan-root", stamp_sh)
        make_fan(cl, "dfan", dfan_jobs, root="dfan-root")
        print("  (defined %d jobs and their triggers in %.1f s)" % (2 * CHAIN + 2 * FAN + 1, time.time() - t))

        # --- chain of 200 and fan-out of 50, alternating with their baselines
        loop = 'i=0; while [ $i -lt %d ]; do /bin/sh %s --JOB_NAME x --JOB_RUN_ID y; i=$((i+1)); done' % (CHAIN, exit0)
        par = 'i=0; while [ $i -lt %d ]; do /bin/sh %s --JOB_NAME x --JOB_RUN_ID y & i=$((i+1)); done; wait'
        chain_g, chain_b, fan_g, fan_b, ok = [], [], [], [], True
        rec_gaps = []
        for _ in range(REPS):
            chain_b.append(sh(loop))
            _, r = run(cl, "chain")
            chain_g.append(r["CompletedOn"] - r["StartedOn"])
            ok &= r["Statistics"].get("SucceededActions") == CHAIN
            jr = job_runs(r)
            for i in range(1, CHAIN):
                up, down = jr["chain-j%03d" % (i - 1)][0], jr["chain-j%03d" % i][0]
                rec_gaps.append((down["StartedOn"] - up["CompletedOn"]) * 1000)
            fan_b.append(sh(par % (FAN, exit0)))
            _, r = run(cl, "fan")
            fan_g.append(r["CompletedOn"] - r["StartedOn"])
            ok &= r["Statistics"].get("SucceededActions") == FAN
        cg, cb, fg, fb = map(statistics.median, (chain_g, chain_b, fan_g, fan_b))
        print("  chain runs (s): glued %s, shell %s" % (" ".join("%.3f" % x for x in chain_g),
                                                         " ".join("%.3f" % x for x in chain_b)))
        print("  fan-out runs (s): glued %s, shell %s" % (" ".join("%.3f" % x for x in fan_g),
                                                           " ".join("%.3f" % x for x in fan_b)))
        C.record("engine", "chain of 200: glued run (StartedOn..CompletedOn)", cg, "s")
        C.record("engine", "chain of 200: shell back-to-back spawns", cb, "s")
        C.record("engine", "chain of 200: glued per step", cg / CHAIN * 1000, "ms")
        C.record("engine", "chain of 200: shell per spawn", cb / CHAIN * 1000, "ms")
        C.record("engine", "chain of 200: ratio glued/shell", cg / cb, "x")
        C.record("engine", "fan-out of 50: glued run", fg * 1000, "ms")
        C.record("engine", "fan-out of 50: shell parallel spawns", fb * 1000, "ms")
        C.record("engine", "fan-out of 50: ratio glued/shell", fg / fb, "x")
        C.record("engine", "every job run SUCCEEDED", "yes" if ok else "NO")
        C.record("engine", "recorded CompletedOn->StartedOn p50", C.pct(rec_gaps, 50), "ms",
                 "glued's own timestamps")
        C.record("engine", "recorded CompletedOn->StartedOn p99", C.pct(rec_gaps, 99), "ms")

        # --- completion-to-downstream-start, measured by the jobs themselves
        gl_chain, gl_fan, sh_chain, sh_fan = [], [], [], []
        for _ in range(REPS):
            os.unlink(sfile) if os.path.exists(sfile) else None
            run(cl, "dchain")
            st = stamps(sfile)
            gl_chain += [(st[dchain[i]][0] - st[dchain[i - 1]][1]) / 1e6 for i in range(1, CHAIN)]
            os.unlink(sfile)
            run(cl, "dfan")
            st = stamps(sfile)
            gl_fan += [(st[j][0] - st["dfan-root"][1]) / 1e6 for j in dfan_jobs]
            os.unlink(sfile)
            sh('i=0; while [ $i -lt %d ]; do /bin/sh %s --JOB_NAME b$i; i=$((i+1)); done' % (CHAIN, stamp_sh))
            st = stamps(sfile)
            sh_chain += [(st["b%d" % i][0] - st["b%d" % (i - 1)][1]) / 1e6 for i in range(1, CHAIN)]
            os.unlink(sfile)
            sh('/bin/sh %s --JOB_NAME root; i=0; while [ $i -lt %d ]; do /bin/sh %s --JOB_NAME f$i & i=$((i+1)); '
               'done; wait' % (stamp_sh, FAN, stamp_sh))
            st = stamps(sfile)
            sh_fan += [(st["f%d" % i][0] - st["root"][1]) / 1e6 for i in range(FAN)]
        for what, gv, sv in (("chain", gl_chain, sh_chain), ("fan-out", gl_fan, sh_fan)):
            for p in (50, 99):
                C.record("delay", "%s end->start p%d: glued" % (what, p), C.pct(gv, p), "ms")
                C.record("delay", "%s end->start p%d: shell" % (what, p), C.pct(sv, p), "ms")
                C.record("delay", "%s end->start p%d: glued on top of spawn" % (what, p),
                         C.pct(gv, p) - C.pct(sv, p), "ms")

        # --- spawn paths from a process shaped like glued
        logs = os.path.join(tmp, "spawnlogs")
        os.makedirs(logs)
        out = subprocess.run([os.path.join(C.BIN, "spawn"), exit0, logs, str(CHAIN), "10"], capture_output=True,
                             text=True, check=True).stdout
        for line in out.split("\n"):
            if line.startswith("path="):
                path, ms = line.split()
                C.record("spawn", "spawn + wait, one at a time, by %s" % path.split("=")[1], float(ms.split("=")[1]),
                         "ms")

        # --- sustained: 20 workflows x fan-out of 50 at once
        rates_g, rates_b, ok = [], [], True
        for _ in range(REPS):
            t = time.perf_counter()
            sh(par % (SUSTAIN_WF * FAN, exit0))
            rates_b.append(SUSTAIN_WF * FAN / (time.perf_counter() - t))
            t = time.perf_counter()
            rids = [(w, cl.call("StartWorkflowRun", {"Name": w})[1]["RunId"])
                    for w in ("sustain-%02d" % i for i in range(SUSTAIN_WF))]
            runs = [wait_run(cl, w, rid) for w, rid in rids]
            wall = time.perf_counter() - t
            first = min(r["StartedOn"] for r in runs)
            last = max(r["CompletedOn"] for r in runs)
            ok &= all(r["Statistics"].get("SucceededActions") == FAN for r in runs)
            rates_g.append(SUSTAIN_WF * FAN / (last - first))
            print("  1,000 job runs: %.3f s by glued's timestamps, %.3f s wall (with polling)" % (last - first, wall))
        rg, rb = statistics.median(rates_g), statistics.median(rates_b)
        C.record("sustained", "glued job runs/s (20 workflows x 50 at once)", rg, "runs/s")
        C.record("sustained", "shell parallel spawns/s (1,000 at once)", rb, "spawns/s")
        C.record("sustained", "ratio glued/shell", rg / rb, "x")
        C.record("sustained", "every job run SUCCEEDED", "yes" if ok else "NO")
    finally:
        g.cleanup()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
