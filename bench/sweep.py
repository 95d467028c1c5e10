#!/usr/bin/env python3
"""11. Retention's log sweep against the engine: glued starts on a data directory holding the logs of 50,000 job
runs (100,000 files, all younger than the retention, as on a busy node), and one job at a time (the static stamp
binary, no shell) is started and waited for during the first 4 seconds. The first purge pass, and with it the sweep
that stats every log file, comes 1 second after the start (every hour after that). The figures are the median and
the worst time from StartJobRun to SUCCEEDED, and the worst's moment: a pass that holds the engine's loop shows as
one start waiting for the whole sweep."""
import os
import secrets
import shutil
import statistics
import sys
import time

import common as C

FILES = int(os.environ.get("BENCH_SWEEP_FILES", "100000"))
SECS = 4


def main():
    C.heading("11. Retention's log sweep over %d log files, against job starts" % FILES)
    # not under /tmp: creating files there is slow on machines whose /tmp saw many deletions (bench/README.md)
    data = os.path.join(C.BIN, "sweep-data")
    shutil.rmtree(data, ignore_errors=True)
    for _ in range(FILES // 2):
        h = secrets.token_hex(32)
        sub = os.path.join(data, "logs", h[:2])
        os.makedirs(sub, exist_ok=True)
        for ext in ("out", "err"):
            open(os.path.join(sub, "jr_%s.%s" % (h, ext)), "w").close()
    os.sync()
    g = C.Glued(data, ["--runner", "shell={script} {args}"]).start()
    try:
        cl = C.Client(g.url)
        cl.call("CreateJob", {"Name": "j", "Role": "r",
                              "Command": {"Name": "shell", "ScriptLocation": os.path.join(C.BIN, "stampx")}})
        t0 = time.monotonic()
        lat = []
        while time.monotonic() - t0 < SECS:
            a = time.monotonic()
            rid = cl.call("StartJobRun", {"JobName": "j"})[1]["JobRunId"]
            while True:
                state = cl.call("GetJobRun", {"JobName": "j", "RunId": rid})[1]["JobRun"]["JobRunState"]
                if state not in ("STARTING", "RUNNING", "WAITING"):
                    break
            if state != "SUCCEEDED":
                raise RuntimeError("job run %s ended %s" % (rid, state))
            lat.append((a - t0, (time.monotonic() - a) * 1000))
        worst = max(lat, key=lambda x: x[1])
        C.record("sweep", "job runs started and ended one at a time in %d s" % SECS, len(lat), "")
        C.record("sweep", "StartJobRun -> SUCCEEDED, median", statistics.median(v for _, v in lat), "ms")
        C.record("sweep", "StartJobRun -> SUCCEEDED, worst", worst[1], "ms",
                 "started %.2f s after glued; the sweep begins at 1 s" % worst[0])
    finally:
        g.cleanup()


if __name__ == "__main__":
    sys.exit(main())
