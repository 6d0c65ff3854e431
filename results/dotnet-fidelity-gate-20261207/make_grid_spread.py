#!/usr/bin/env python3
"""The grid as committed before this folder (bench/grid_dotnet_fidelity.json at a380d4e) with our model's requests spread as .NET's are (README, section 2): the store's latency
drawn uniformly from L ± 1 ms on one core and L ± 2 ms on two (--store-jitter uniform:1 / uniform:2; sd 0.58 and
1.15 ms), the nearest whole milliseconds to the spread of .NET's request cycle measured at L = 2 s, C = 20 (sd about
0.67 ms on one core, 1.0 ms on two, once the poll's own 0.43 ms is taken out), each run with a seed of its own
(--store-seed 0: the repetitions of a cell differ, as .NET's do). .NET's side is unchanged.
    make_grid_spread.py        (writes grid_spread.json beside this script)"""
import json
import subprocess
from pathlib import Path

here = Path(__file__).resolve().parent
# The grid now carries the spread itself: start from it as it was, so running this again gives the same file.
grid = json.loads(subprocess.run(["git", "show", "a380d4e:bench/grid_dotnet_fidelity.json"], cwd=here, check=True,
                                 capture_output=True, text=True).stdout)
grid["name"] = "dotnet-fidelity-spread"
for s in grid["series"]:
    if s["server"] == "sync":
        s["jitter"] = f"uniform:{s['server_cores']}"  # the sweep passes it as --store-jitter
        s["extra_server_args"] = s.get("extra_server_args", []) + ["--store-seed", "0"]  # each run its own draws
(here / "grid_spread.json").write_text(json.dumps(grid, indent=2) + "\n")
