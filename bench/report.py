#!/usr/bin/env python3
"""Writes bench/RESULTS.md (to stdout) from the JSON lines the benchmarks appended to a results file:
the machine, every figure by section, and issue 5's targets with the measured figure and met / not met.

    report.py RESULTS_JSONL ELAPSED_SECONDS"""
import datetime
import json
import os
import platform
import subprocess
import sys

SECTIONS = [
    ("floor", "2. API against its floor (GetWorkflow, 32 connections)"),
    ("sigv4", "2. What checking signatures costs (GetWorkflow, 32 connections, issue 12)"),
    ("engine", "3. Engine against the physical limit"),
    ("delay", "3. Completion-to-downstream-start delay, measured by the jobs (bench/stamp.c)"),
    ("sustained", "3. Sustained job runs"),
    ("spawn", "3. Spawn paths from a process shaped like glued (bench/spawn.c)"),
    ("events", "3. Runs that start themselves: event put -> workflow run started (issue 8)"),
    ("durability", "4. Durability cost"),
    ("scale", "5. Scale"),
    ("memory", "5. Memory"),
    ("graph", "6. The 1,000-node graph"),
    ("console", "7. The web console (issue 11)"),
    ("catalog", "8. The Data Catalog and crawls (issue 10)"),
    ("cluster", "9. Several nodes on one PostgreSQL (issue 9)"),
    ("cheap", "10. The engine with the cheapest jobs: a static binary without a shell, and the shell job (issue 13)"),
    ("sweep", "11. Bulk work against the engine's loop: job runs one at a time during retention's log sweep, a burst of S3 files and schedules due together"),
]


def fmt(v):
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if abs(v) >= 100:
            return "{:,.0f}".format(v)
        if abs(v) >= 10:
            return "%.1f" % v
        return "%.3g" % v
    return str(v)


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"], capture_output=True,
                               text=True).stdout.strip()
        rev += " (src/ has uncommitted changes)" if dirty else ""
    except OSError:
        rev = "unknown"
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.1f GB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return cpu, rev, mem


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    elapsed = float(sys.argv[2]) if len(sys.argv) > 2 else 0
    val = {(r["section"], r["key"]): r["value"] for r in rows}
    cpu, rev, mem = machine()
    out = []
    w = out.append
    w("# glued benchmarks: results of `make bench`\n")
    w("Written by `bench/run_all.sh` (do not edit by hand; `make bench` rewrites it). How each figure is measured: "
      "`bench/README.md` and the docstring at the top of each `bench/*.py`.\n")
    w("| | |\n|---|---|")
    w("| date | %s |" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    w("| machine | %s CPUs (nproc), %s, %s RAM |" % (os.cpu_count(), cpu, mem))
    w("| kernel | %s %s |" % (platform.system(), platform.release()))
    w("| load average at the end | %s |" % " ".join("%.2f" % x for x in os.getloadavg()))
    w("| glued | commit %s, `build/glued` as `make` builds it (-O2) |" % rev)
    w("| whole run | %.0f s |" % elapsed)
    w("")
    w("The machine is shared and noisy: compare the ratios, each measured within one run, rather than absolute "
      "figures.\n")

    # ---- targets
    def g(sec, key):
        return val.get((sec, key), float("nan"))

    def target(name, figure, unit, ok, note=""):
        shown = fmt(figure) + (" " + unit if unit else "")
        status = "n/a" if figure != figure else ("met" if ok else "**not met**")
        w("| %s | %s | %s | %s |" % (name, shown, status, note))

    w("## Targets (issues 5, 10 and 11)\n")
    w("| target | measured | | note |\n|---|---|---|---|")
    r = g("api", "ratio glued/moto GetWorkflow c=32")
    target("GetWorkflow at 32 connections >= 100x moto", r, "x", r >= 100,
           "%s vs %s req/s" % (fmt(g("api", "glued GetWorkflow c=32 req/s")), fmt(g("api", "moto GetWorkflow c=32 req/s"))))
    r = g("floor", "ratio glued/floor")
    target("GetWorkflow at 32 connections >= 0.5x the floor server", r, "x", r >= 0.5,
           "%s vs %s req/s (medians of 3)" % (fmt(g("floor", "glued GetWorkflow req/s (c=32, median of 3)")),
                                             fmt(g("floor", "floor server req/s (c=32, median of 3)"))))
    r = g("delay", "chain end->start p50: glued on top of spawn")
    target("completion -> downstream start p50 < 1 ms on top of spawn", r, "ms", r < 1,
           "glued %s ms, shell %s ms (chain of 200)" % (fmt(g("delay", "chain end->start p50: glued")),
                                                      fmt(g("delay", "chain end->start p50: shell"))))
    r = g("delay", "chain end->start p99: glued on top of spawn")
    target("completion -> downstream start p99 < 5 ms on top of spawn", r, "ms", r < 5,
           "glued %s ms, shell %s ms" % (fmt(g("delay", "chain end->start p99: glued")),
                                         fmt(g("delay", "chain end->start p99: shell"))))
    r = g("engine", "chain of 200: ratio glued/shell")
    target("chain of 200 within 1.5x of back-to-back spawns", r, "x", r <= 1.5,
           "%s s vs %s s" % (fmt(g("engine", "chain of 200: glued run (StartedOn..CompletedOn)")),
                            fmt(g("engine", "chain of 200: shell back-to-back spawns"))))
    r = g("sustained", "glued job runs/s (20 workflows x 50 at once)")
    target(">= 1,000 job runs/s sustained", r, "runs/s", r >= 1000,
           "the shell itself spawns %s/s in parallel on this machine" %
           fmt(g("sustained", "shell parallel spawns/s (1,000 at once)")))
    r1 = g("scale", "ListWorkflows page p50 ratio 100,000 / 100")
    target("ListWorkflows page at 100,000 within 2x of at 100", r1, "x", r1 <= 2)
    r2 = g("scale", "GetWorkflow p50 ratio 100,000 / 100")
    target("GetWorkflow at 100,000 within 2x of at 100", r2, "x", r2 <= 2)
    r = g("memory", "RSS idle (fresh start, empty store)")
    target("idle RSS < 10 MB", r, "MB", r < 10)
    r = next((v for (sec, key), v in val.items() if sec == "console" and key.startswith("first page (list of")
              and "1,000 workflows, cold: median" in key), float("nan"))
    target("console's first page < 100 ms with 1,000 workflows (issue 11)", r, "ms", r < 100,
           "cold load, median; warm reload %s ms; a text page from glued %s ms in the same browser" %
           (fmt(g("console", "first page at 1,000 workflows, warm reload: median")),
            fmt(g("console", "floor: /healthz (text) in the same browser at 1,000 workflows: median"))))
    r = g("catalog", "GetPartitions with expression p50 ratio 100,000 / 100")
    target("GetPartitions with an expression at 100,000 partitions within 2x of at 100 (issue 10)", r, "x", r <= 2)
    r = g("catalog", "first crawl of 10,000 files in 1,000 folders")
    target("a crawl of 10,000 files in 1,000 folders finishes in seconds (issue 10)", r, "s", r < 10,
           "%s x a recursive find (%s s)" % (fmt(g("catalog", "first crawl / recursive find")),
                                             fmt(g("catalog", "recursive find over the tree (median of 3)"))))
    w("")

    # ---- API table
    ops = ["GetWorkflow", "ListWorkflows", "GetWorkflowRun", "CreateWorkflow"]
    if any(k[0] == "api" for k in val):
        w("## 1. API against moto (same wrk script, requests shaped like signed boto3 calls)\n")
        w("| operation | conns | glued req/s | p50 ms | p99 ms | moto req/s | p50 ms | p99 ms | glued/moto | "
          "non-2xx + socket errors (glued / moto) |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for op in ops:
            for c in (1, 32, 256):
                k = "%s c=%d" % (op, c)

                def a(who, what):
                    return g("api", "%s %s %s" % (who, k, what))
                w("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s / %s |" % (
                    op, c, fmt(a("glued", "req/s")), fmt(a("glued", "p50")), fmt(a("glued", "p99")),
                    fmt(a("moto", "req/s")), fmt(a("moto", "p50")), fmt(a("moto", "p99")),
                    fmt(g("api", "ratio glued/moto " + k)) + "x",
                    fmt(a("glued", "non-2xx") + a("glued", "socket errors")),
                    fmt(a("moto", "non-2xx") + a("moto", "socket errors"))))
        w("\nListWorkflows is measured while both servers hold 25 workflows, with MaxResults 25 (one page holding "
          "all of them): moto 5.2 answers HTTP 500 to any ListWorkflows that needs a NextToken (its paginator looks "
          "for a `name` attribute on plain strings). The other operations run with 100 workflows and 20 runs; "
          "CreateWorkflow last, glued with `--max-workflows 0`. CreateWorkflow figures depend on the shared disk's "
          "fsync latency at that moment; section 4 measures them with alternation.\n")
    for sec, title in SECTIONS:
        items = [r for r in rows if r["section"] == sec]
        if not items:
            continue
        w("## %s\n" % title)
        w("| figure | value | note |\n|---|---|---|")
        for it in items:
            w("| %s | %s %s | %s |" % (it["key"], fmt(it["value"]), it["unit"], it["note"]))
        w("")
    failed = [r for r in rows if r["section"] == "failed"]
    if failed:
        w("## Benchmarks that failed in this run\n")
        for r in failed:
            w("- %s" % r["key"])
        w("")
    w("See `bench/README.md` for what limits the targets that are not met, with the profiles that show it and the "
      "proposed fixes.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
