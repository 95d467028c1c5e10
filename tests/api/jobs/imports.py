"""Imports the modules named (comma-separated) by --modules and writes where each came from to --out
(test_scripts.py: modules reached through --extra-py-files and --additional-python-modules)."""
import importlib
import json
import os
import sys

out = sys.argv[sys.argv.index("--out") + 1]
mods = sys.argv[sys.argv.index("--modules") + 1].split(",")
found = {}
for m in mods:
    mod = importlib.import_module(m)
    found[m] = {"file": getattr(mod, "__file__", None), "value": getattr(mod, "VALUE", None)}
with open(out + ".tmp", "w") as f:
    json.dump({"found": found, "pythonpath": os.environ.get("PYTHONPATH", "")}, f)
os.rename(out + ".tmp", out)
