"""Writes the example's raw data under DATA/raw: CSV events in events/day=1 and day=2, JSON users."""
import json
import os
import sys

data = sys.argv[1]
for day in (1, 2):
    d = os.path.join(data, "raw", "events", f"day={day}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "events.csv"), "w") as f:
        f.write("user_id,action,amount\n")
        for i in range(10 * day):
            f.write(f"{i % 4},{'buy' if i % 3 else 'view'},{i * 1.5}\n")
d = os.path.join(data, "raw", "users")
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "users.json"), "w") as f:
    for i in range(4):
        f.write(json.dumps({"id": i, "name": f"user{i}", "address": {"city": "Paris", "zip": 75000 + i}}) + "\n")
print(f"generated data under {data}/raw")
