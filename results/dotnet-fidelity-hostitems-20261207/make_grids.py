#!/usr/bin/env python3
"""The two model grids run here, from .NET's start-up timeline on this machine: the grid's configuration
(`--io-on-pool --warm-up`, whose warm-up makes 6 items) and the connection-item variant (`--socket-engine`, whose
warm-up makes 17), each with `--start-up-items` carrying the items .NET completes before its port less those its
own warm-up makes: the first (count at the port - ours) of .NET's, at their median times before `Listening` less
3 ms (our warm-up's time before our port), grouped.
    make_grids.py OUT_DIR      (here: make_grids.py . writes grid_config.json and grid_item.json)"""
import collections, json, pathlib, sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# startup_timeline.txt's medians (ms before Listening) and startup_split.txt's median count at Listening, per
# server_cores; at_port.txt's count at our port for each configuration's warm-up.
TIMELINE = {
    1: [56, 44, 36, 36, 13, 10, 10, 8, 8, 7, 7, 3, 3, 3, 3, 3, 2, 1, 1, 1, 1, 1, 1, 0],
    2: [61, 50, 41, 38, 17, 12, 12, 11, 11, 11, 9, 8, 7, 7, 6, 6, 6, 6, 6, 2, 2, 2, 2, 1, 1, 1, 1],
}
NET_AT_PORT = {1: 24, 2: 30}
CONFIGS = {  # name: (the args before --start-up-items per cores, our warm-up's items at the port per cores)
    "config": ({1: ["--io-on-pool", "--warm-up"], 2: ["--io-on-pool", "--warm-up"]}, {1: 6, 2: 6}),
    "item": ({1: ["--io-on-pool", "--socket-engine", "--accept-work-us", "97", "--warm-up"],
              2: ["--io-on-pool", "--socket-engine", "--accept-work-us", "47", "--warm-up"]}, {1: 17, 2: 17}),
}


def items(cores: int, ours: int) -> str:
    """--start-up-items' N@MS groups: the first NET_AT_PORT - ours items, 3 ms earlier, grouped by time."""
    keep = TIMELINE[cores][: NET_AT_PORT[cores] - ours]
    groups = collections.Counter(max(0, ms - 3) for ms in keep)
    return ",".join(f"{n}@{ms}" for ms, n in sorted(groups.items(), reverse=True))


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    source = json.loads((ROOT / "bench/grid_dotnet_fidelity.json").read_text())
    for name, (args, ours) in CONFIGS.items():
        grid = json.loads(json.dumps(source))
        grid["description"] = (
            f"results/dotnet-fidelity-hostitems-20261207/make_grids.py, '{name}': the model series' --start-up-items"
            " from the timeline measured on the machine of 2026-12-07 15:30 UTC, less the items its own warm-up makes"
            f" ({ours[1]}). The grid it derives from: " + source["description"])
        for s in (s for s in grid["series"] if s.get("server") == "sync"):  # run with --only "sync elastic"
            cores = s["server_cores"]
            s["extra_server_args"] = args[cores] + ["--start-up-items", items(cores, ours[cores])]
        (out / f"grid_{name}.json").write_text(json.dumps(grid, indent=2) + "\n")
        print(name, {c: items(c, ours[c]) for c in (1, 2)})


if __name__ == "__main__":
    main()
