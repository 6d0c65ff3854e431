#!/usr/bin/env bash
# When each side's hill climber closes its first samples during start-up: starts the server N times on CORES with no
# load and prints, per start, the t_ms of its first three accepted samples (the first spans from the boot) and, for
# .NET, of its port. .NET: the target's --trace-threadpool AdjustmentStats and Listening lines
# (../dotnet-fidelity-hostitems-20261207/traced_start.sh starts it); ours: server_sync --log-level debug's
# AdjustmentStats lines, t_ms from its pool's start (it prints no port line on that clock).
#   startup_samples.sh ROOT CORES N net|model [server_sync args...]
set -u
root=$1; cores=$2; n=$3; who=$4; shift 4
source "$(dirname "$0")/../dotnet-fidelity-hostitems-20261207/traced_start.sh"
dir=$(mktemp -d)
for i in $(seq "$n"); do
  if [[ $who == net ]]; then
    traced_start "$root" "$cores" "$dir/$i"
    pid=$TRACED_PID
  else
    taskset -c "$cores" "$root/build/release/server_sync/server_sync" --port 0 --pool elastic --max-threads 1000 \
      --store-latency-ms 200 --users 10000 --log-level debug "$@" > "$dir/$i.out" 2> "$dir/$i.err" &
    pid=$!
    for _ in $(seq 500); do grep -q '^listening' "$dir/$i.out" 2>/dev/null && break; sleep 0.01; done
  fi
  sleep 0.5; kill "$pid"; wait "$pid" 2>/dev/null
  python3 - "$dir/$i.err" "$i" <<'PY'
import re, sys
samples, port = [], None
for line in open(sys.argv[1], errors="replace"):
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    if f.get("event") == "AdjustmentStats": samples.append((int(f["t_ms"]), float(f["Duration"]), float(f["Throughput"])))
    elif f.get("event") == "Listening": port = int(f["t_ms"])
first = "; ".join(f"t={t} ms ({d * 1000:.0f} ms, {x:.0f}/s)" if d < 100 else f"t={t} ms (from boot)" for t, d, x in samples[:3])
print(f"start {sys.argv[2]}: samples {first}" + (f"; port at t={port} ms" if port is not None else ""))
PY
done
rm -rf "$dir"
