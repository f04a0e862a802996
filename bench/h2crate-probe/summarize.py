#!/usr/bin/env python3
"""Medians and spread of run.sh's output: CPU µs per transfer (user+sys,
getrusage) and, for the bulk workload, MB/s and CPU seconds."""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in sys.stdin:
    work, _, js = line.strip().partition(" ")
    if not js.startswith("{"):
        continue
    r = json.loads(js)
    name = r["client"] + ("-" + r["transport"] if "transport" in r else "")
    name = "libcurl" if r.get("library", "").startswith("libcurl") else name
    if r["failed"] or r["stalled"]:
        print("FAILED", work, name, js, file=sys.stderr)
        continue
    runs[(work, name)].append(r)

for (work, name), rs in sorted(runs.items()):
    cpu_us = [(r["user_s"] + r["sys_s"]) * 1e6 / r["ok"] for r in rs]
    cpu_s = [r["user_s"] + r["sys_s"] for r in rs]
    mbs = [r["bytes"] / r["wall_s"] / 1e6 for r in rs]
    print(
        f"{work} {name:28s} n={len(rs)} cpu/transfer median {statistics.median(cpu_us):9.1f} µs "
        f"(min {min(cpu_us):.1f}, max {max(cpu_us):.1f}); cpu {statistics.median(cpu_s):.3f} s "
        f"(min {min(cpu_s):.3f}, max {max(cpu_s):.3f}); {statistics.median(mbs):.0f} MB/s "
        f"(min {min(mbs):.0f}, max {max(mbs):.0f})"
    )
