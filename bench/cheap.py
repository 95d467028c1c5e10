#!/usr/bin/env python3
"""10. The engine with the cheapest jobs (issue 13): a job that is a static binary (bench/stamp.c built static as
stampx), run without a shell (`--runner shell='{script} {args}'`), and the same with the `shell` job (`exit 0`),
against the floor of starting the same program with posix_spawn (bench/bare.c) as glued does:

- chain of 200: per step, beyond one bare spawn-and-wait of the same program; and the delay from a job's end to
  the next one's start, measured by the static jobs themselves (p50, p99), beyond the same delay between bare
  back-to-back spawns;
- 999 jobs at once (one root job, then 20 triggers starting 999 jobs): the time from the root's end to the last
  job's end against 999 bare parallel spawns, and the job runs per second it makes;
- what a chain step is made of, from glued's own histograms (/metrics) over the chains: the mean of its durable
  commits (a step is one), and of the delay from seeing a job's end to having spawned the next.

Each glued figure and its floor alternate three times; medians. Targets (issue 13): per step under 0.3 ms
beyond a bare spawn, p99 of end-to-start under 2 ms beyond it; 999 at once within 1.3x of the bare spawns and at
least 1,000 job runs/s where the bare spawns allow 1,500/s."""
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request

import common as C
import engine as E

REPS = int(os.environ.get("BENCH_REPS", "3"))
CHAIN = 200
FAN = 999


def bare(mode, n, argv, env=None):
    out = subprocess.run([os.path.join(C.BIN, "bare"), mode, str(n)] + argv, capture_output=True, text=True,
                         check=True, env=dict(os.environ, **(env or {}))).stdout
    return float(out.strip())


def histograms(g, names):
    """(sum, count) of each of glued's histograms named, from its /metrics."""
    out = {n: [0.0, 0] for n in names}
    with urllib.request.urlopen(g.url + "/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            for n in names:
                if line.startswith(n + "_sum"):
                    out[n][0] += float(line.rsplit(" ", 1)[1])
                elif line.startswith(n + "_count"):
                    out[n][1] += int(float(line.rsplit(" ", 1)[1]))
    return out


COMMIT, DELAY = "glued_store_commit_duration_seconds", "glued_downstream_start_delay_seconds"


def make_fan999(cl, wf, script, root):
    jobs = ["%s-j%03d" % (wf, i) for i in range(FAN)]
    for j in [root] + jobs:
        E.job(cl, j, script)
    cl.call("CreateWorkflow", {"Name": wf})
    cl.call("CreateTrigger", {"Name": wf + "-start", "WorkflowName": wf, "Type": "ON_DEMAND",
                              "Actions": [{"JobName": root}]})
    for b in range(0, FAN, 50):  # a trigger starts at most 50 jobs
        E.cond(cl, "%s-t%03d" % (wf, b), wf, root, jobs[b:b + 50])
    return jobs


def measure(kind, g, script, argv, sfile):
    cl = C.Client(g.url)
    chain = E.make_chain(cl, kind + "-chain", script, CHAIN)
    root = kind + "-root"
    make_fan999(cl, kind + "-fan", script, root)
    step_g, step_b, fan_g, fan_b, gaps_g, gaps_b = [], [], [], [], [], []
    parts = {COMMIT: [0.0, 0], DELAY: [0.0, 0]}
    for _ in range(REPS):
        step_b.append(bare("seq", CHAIN, argv) / CHAIN * 1000)
        if sfile and os.path.exists(sfile):
            os.unlink(sfile)
        h0 = histograms(g, parts)
        _, r = E.run(cl, kind + "-chain")
        h1 = histograms(g, parts)
        for n in parts:
            parts[n] = [parts[n][0] + h1[n][0] - h0[n][0], parts[n][1] + h1[n][1] - h0[n][1]]
        step_g.append((r["CompletedOn"] - r["StartedOn"]) / CHAIN * 1000)
        if sfile and os.path.exists(sfile):
            st = E.stamps(sfile)
            gaps_g += [(st[chain[i]][0] - st[chain[i - 1]][1]) / 1e6 for i in range(1, CHAIN)]
        fan_b.append(bare("par", FAN, argv))
        _, r = E.run(cl, kind + "-fan")
        runs = E.job_runs(r)
        ends = [jr[0]["CompletedOn"] for n, jr in runs.items() if n != root and jr]
        if r["Statistics"]["SucceededActions"] != FAN + 1:
            raise RuntimeError("the 999 did not all succeed: %s" % r["Statistics"])
        fan_g.append(max(ends) - runs[root][0]["CompletedOn"])
    if sfile:
        # bare back-to-back spawns of the stamping job measure the floor of end-to-start themselves
        for _ in range(REPS):
            os.unlink(sfile) if os.path.exists(sfile) else None
            bare("seq", CHAIN, argv + ["--JOB_NAME", "b"], {"STAMP_FILE": sfile})
            with open(sfile) as f:
                rows = [line.split() for line in f]
            gaps_b += [(int(rows[i][1]) - int(rows[i - 1][2])) / 1e6 for i in range(1, len(rows))]
    sg, sb, fg, fb = map(statistics.median, (step_g, step_b, fan_g, fan_b))
    label = {"static": "static binary", "shell": "shell job"}[kind]
    C.record("cheap", "%s: chain of 200, glued per step" % label, sg, "ms")
    C.record("cheap", "%s: bare spawn-and-wait, one after another" % label, sb, "ms")
    C.record("cheap", "%s: chain step beyond a bare spawn (target < 0.3 ms)" % label, sg - sb, "ms")
    if parts[COMMIT][1] and parts[DELAY][1]:
        C.record("cheap", "%s: in the chains, a durable commit (mean, glued's histogram)" % label,
                 parts[COMMIT][0] / parts[COMMIT][1] * 1000, "ms", "%d commits" % parts[COMMIT][1])
        C.record("cheap", "%s: in the chains, a job's end seen -> the next one spawned (mean)" % label,
                 parts[DELAY][0] / parts[DELAY][1] * 1000, "ms", "the commit included")
        # what is left of a step once the disk's durable commit, which must precede the spawn, is taken out
        C.record("cheap", "%s: chain step beyond a bare spawn and its durable commit" % label,
                 sg - sb - parts[COMMIT][0] / parts[COMMIT][1] * 1000, "ms", "glued's own work per step")
    if gaps_g and gaps_b:
        for p in (50, 99):
            C.record("cheap", "%s: end->start p%d beyond bare spawns (target p99 < 2 ms)" % (label, p),
                     C.pct(gaps_g, p) - C.pct(gaps_b, p), "ms",
                     "glued %.2f ms, bare %.2f ms" % (C.pct(gaps_g, p), C.pct(gaps_b, p)))
    C.record("cheap", "%s: 999 at once, glued (root's end -> last end)" % label, fg, "s")
    C.record("cheap", "%s: 999 bare parallel spawns" % label, fb, "s")
    C.record("cheap", "%s: 999 at once, ratio glued/bare (target <= 1.3x)" % label, fg / fb, "x")
    C.record("cheap", "%s: job runs/s in the 999 (target >= 1,000 where bare allows 1,500)" % label, FAN / fg,
             "runs/s", "bare: %.0f spawns/s" % (FAN / fb))


def main():
    tmp = tempfile.mkdtemp(prefix="bench-cheap-")
    C.heading("10. The engine with the cheapest jobs (static binary and shell; median of %d)" % REPS)
    sfile = os.path.join(tmp, "stamps.txt")
    stampx = os.path.join(C.BIN, "stampx")
    exit0 = C.write_script(os.path.join(tmp, "exit0.sh"), "exit 0\n")
    g = C.Glued(os.path.join(tmp, "static"), ["--runner", "shell={script} {args}", "--max-definitions", "0"],
                env={"STAMP_FILE": sfile}).start()
    try:
        measure("static", g, stampx, [stampx], sfile)
    finally:
        g.cleanup()
    g = C.Glued(os.path.join(tmp, "shell"), ["--max-definitions", "0"]).start()
    try:
        measure("shell", g, exit0, ["/bin/sh", exit0], None)
    finally:
        g.cleanup()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
