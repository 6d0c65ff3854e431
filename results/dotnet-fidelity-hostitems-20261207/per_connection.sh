#!/usr/bin/env bash
# Work items per connection, warm against cold: starts the ASP.NET Core target N times with --trace-threadpool on
# CORES; once it listens, sends the warm-up's four requests again (curl, one connection each, Connection: close,
# 100 ms apart) and counts the completions each adds, from the trace's Completed lines (read until 1 s after
# Listening). Printed per start: the warm-up's completions (WarmUp → Listening, the cold path) and the same four
# requests', warm.
#   per_connection.sh ROOT CORES N      (REQUESTS=0: send none, to count what the second after the port completes alone)
set -u
root=$1; cores=$2; n=$3
dll=$root/build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
dir=$(mktemp -d)
for i in $(seq "$n"); do
  taskset -c "$cores" dotnet "$dll" --port 0 --mode sync --store-latency-ms 200 --users 10000 \
    --max-connections 18000 --trace-threadpool > "$dir/$i.out" 2> "$dir/$i.err" &
  pid=$!
  for _ in $(seq 500); do grep -q '^listening' "$dir/$i.out" 2>/dev/null && break; sleep 0.01; done
  port=$(sed -n 's/^listening on [0-9.]*://p' "$dir/$i.out")
  sleep 0.1
  requests=("GET /health" "GET /metrics" "POST /work?n=1" "GET /nope")
  [[ ${REQUESTS:-4} == 0 ]] && requests=()
  for req in "${requests[@]}"; do
    curl -s -o /dev/null -X "${req% *}" -H 'Connection: close' "http://127.0.0.1:${port}${req#* }"
    echo "sent $(date +%s%3N)" >> "$dir/$i.sent"; sleep 0.1
  done
  sleep 0.8; kill "$pid"; wait "$pid" 2>/dev/null
done
python3 - "$dir" "$n" <<'PY'
import re, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    marks, count, last = {}, 0, 0
    for line in open(f"{d}/{i}.err"):
        f = dict(re.findall(r"(\w+)=(\S+)", line))
        if f.get("event") in ("WarmUp", "Listening"): marks[f["event"]] = count
        elif f.get("event") == "Completed": count = int(f["Count"])
    warm = count - marks["Listening"]
    print(f"start {i}: warm-up (cold) {marks['Listening'] - marks['WarmUp']} items; the same four requests warm: {warm}")
PY
rm -rf "$dir"
