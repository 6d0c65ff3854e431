#!/usr/bin/env python3
"""The connection-item variant's grid (`--socket-engine`, whose warm-up makes 17 of .NET's start-up items) with
this machine's start-up timeline (startup_timeline.txt: the medians of 7 starts, and the median count at the port),
by ../dotnet-fidelity-hostitems-20261207/make_grids.py's rule.
    make_grid_item.py OUT_DIR      (here: make_grid_item.py . writes grid_item.json)"""
import importlib.util
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("make_grids", HERE.parent / "dotnet-fidelity-hostitems-20261207/make_grids.py")
make_grids = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_grids)
make_grids.TIMELINE = {
    1: [106, 79, 65, 65, 24, 18, 17, 14, 14, 13, 7, 6, 6, 6, 6, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0],
    2: [91, 76, 68, 64, 25, 22, 21, 20, 19, 18, 18, 11, 11, 11, 11, 10, 9, 3, 3, 3, 3, 2, 2, 2],
}
make_grids.NET_AT_PORT = {1: 30, 2: 29}
make_grids.CONFIGS = {"item": make_grids.CONFIGS["item"]}

if __name__ == "__main__":
    make_grids.main()
    out = pathlib.Path(sys.argv[1]) / "grid_item.json"
    grid = json.loads(out.read_text())
    grid["description"] = grid["description"].replace(
        "the machine of 2026-12-07 15:30 UTC", "the machine of 2026-12-07 19:30 UTC (results/dotnet-fidelity-m3-20261207)")
    out.write_text(json.dumps(grid, indent=2) + "\n")
