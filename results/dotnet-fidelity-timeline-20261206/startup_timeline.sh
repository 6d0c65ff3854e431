#!/usr/bin/env bash
# .NET's start-up items, when they complete: starts the ASP.NET Core target N times with --trace-threadpool (its
# Completed lines: ThreadPool.CompletedWorkItemCount read each millisecond) on CORES, and prints, for each item
# k, the median time (ms) before the Listening line at which the k-th item had completed.
#   startup_timeline.sh ROOT CORES N
set -u
root=$1; cores=$2; n=$3
dll=$root/build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
dir=$(mktemp -d)
for i in $(seq "$n"); do
  taskset -c "$cores" dotnet "$dll" --port 0 --mode sync --store-latency-ms 200 --users 10000 \
    --max-connections 18000 --trace-threadpool > "$dir/$i.out" 2> "$dir/$i.err" &
  pid=$!
  for _ in $(seq 500); do grep -q '^listening' "$dir/$i.out" 2>/dev/null && break; sleep 0.01; done
  sleep 1.2; kill "$pid"; wait "$pid" 2>/dev/null
done
python3 - "$dir" "$n" <<'PY'
import re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
runs = []
for i in range(1, n + 1):
    listening, times = None, {}
    for line in open(f"{d}/{i}.err"):
        f = dict(re.findall(r"(\w+)=(\S+)", line))
        if f.get("event") == "Listening": listening = int(f["t_ms"])
        elif f.get("event") == "Completed" and listening is None:
            for k in range(len(times) + 1, int(f["Count"]) + 1): times[k] = int(f["t_ms"])
    runs.append({k: listening - t for k, t in times.items()})
    print(f"start {i}: {len(times)} items by Listening; k-th item ms before it:",
          " ".join(str(runs[-1][k]) for k in sorted(runs[-1])))
items = min(len(r) for r in runs)
print("median ms before Listening, item 1..%d:" % items,
      " ".join(str(int(statistics.median(r[k] for r in runs))) for k in range(1, items + 1)))
PY
rm -rf "$dir"
