"""Writes what awsglue.utils.getResolvedOptions returns to a file (test_scripts.py).

Asks for the options named (comma-separated) in the --ask argument, plus out and ask. The result goes to the
--out file as JSON; a GlueArgumentError is written there as {"error": message} and then raised, so the job run
fails with Glue's own message as its last stderr line."""
import json
import os
import sys

from awsglue.utils import GlueArgumentError, getResolvedOptions

out = sys.argv[sys.argv.index("--out") + 1]
ask = sys.argv[sys.argv.index("--ask") + 1]
names = [n for n in ask.split(",") if n] + ["out", "ask"]
try:
    args = getResolvedOptions(sys.argv, names)
    result = {"args": args}
except GlueArgumentError as e:
    result = {"error": str(e)}
    raise
finally:
    with open(out + ".tmp", "w") as f:
        json.dump(result, f)
    os.rename(out + ".tmp", out)
