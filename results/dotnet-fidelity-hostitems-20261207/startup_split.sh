#!/usr/bin/env bash
# .NET's start-up items split at its warm-up: starts the ASP.NET Core target N times with --trace-threadpool (its
# Completed lines: ThreadPool.CompletedWorkItemCount read each millisecond; WarmUp as its warm-up requests start;
# Listening at the port's announcement) on CORES, and prints per start the items completed by WarmUp (the host's
# own) and by Listening, the warm-up's duration, and for each host item k its median time (ms) before WarmUp: the
# timeline server_sync --start-up-items N@MS takes (MS before its own warm-up starts).
#   startup_split.sh ROOT CORES N
set -u
root=$1; cores=$2; n=$3
source "$(dirname "$0")/traced_start.sh"
dir=$(mktemp -d)
for i in $(seq "$n"); do
  traced_start "$root" "$cores" "$dir/$i"
  sleep 1.2; kill "$TRACED_PID"; wait "$TRACED_PID" 2>/dev/null
done
python3 - "$dir" "$n" <<'PY'
import re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
runs, at_port = [], []
for i in range(1, n + 1):
    marks, count, times = {}, 0, {}
    for line in open(f"{d}/{i}.err"):
        f = dict(re.findall(r"(\w+)=(\S+)", line))
        if f.get("event") in ("WarmUp", "Listening"):
            marks[f["event"]] = (int(f["t_ms"]), count)
        elif f.get("event") == "Completed" and "Listening" not in marks:
            count = int(f["Count"])
            if "WarmUp" not in marks:
                for k in range(len(times) + 1, count + 1): times[k] = int(f["t_ms"])
    (tw, cw), (tl, cl) = marks["WarmUp"], marks["Listening"]
    runs.append({k: tw - t for k, t in times.items()})
    at_port.append(cl)
    print(f"start {i}: {cw} items by WarmUp, {cl} by Listening ({cl - cw} in the warm-up's {tl - tw} ms);"
          " k-th host item ms before WarmUp:", " ".join(str(runs[-1][k]) for k in sorted(runs[-1])))
print(f"median items by Listening: {statistics.median(at_port):g}")
items = int(statistics.median(len(r) for r in runs))
have = [r for r in runs if len(r) >= items]
print(f"median host items {items}; median ms before WarmUp, item 1..{items} ({len(have)} starts with as many):",
      " ".join(str(int(statistics.median(r[k] for r in have))) for k in range(1, items + 1)))
PY
rm -rf "$dir"
