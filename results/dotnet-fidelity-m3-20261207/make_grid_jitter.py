#!/usr/bin/env python3
"""A diagnostic, not a configuration: the grid as committed with our model's store latency drawn uniformly from
[L − L/100, L + L/100] (--store-jitter uniform:L/100) instead of exactly L, to see which cells turn on our requests
finishing in step with the starvation gate's 500 ms ticks (README, section 5). .NET's side is unchanged (its
Thread.Sleep(L) is not jittered).
    make_grid_jitter.py        (writes grid_jitter.json beside this script)"""
import json
from pathlib import Path

here = Path(__file__).resolve().parent
grid = json.loads((here / "../../bench/grid_dotnet_fidelity.json").read_text())
grid["name"] = "dotnet-fidelity-jitter"
for s in grid["series"]:
    if s["server"] == "sync":
        s["jitter"] = f"uniform:{s['latency_ms'] // 100}"  # the sweep passes it as --store-jitter
(here / "grid_jitter.json").write_text(json.dumps(grid, indent=2) + "\n")
