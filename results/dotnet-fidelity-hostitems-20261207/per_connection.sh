#!/usr/bin/env bash
# Work items per connection, warm against cold: starts the ASP.NET Core target N times with --trace-threadpool on
# CORES; once it listens, sends the warm-up's four requests again (curl, one connection each, Connection: close,
# 100 ms apart) and counts the completions each adds, from the trace's Completed lines (read until 1 s after
# Listening). Printed per start: the warm-up's completions (WarmUp → Listening, the cold path) and the same four
# requests', warm.
#   per_connection.sh ROOT CORES N      (REQUESTS=0: send none, to count what the second after the port completes alone)
set -u
root=$1; cores=$2; n=$3
source "$(dirname "$0")/traced_start.sh"
dir=$(mktemp -d)
for i in $(seq "$n"); do
  traced_start "$root" "$cores" "$dir/$i"
  sleep 0.1
  requests=("GET /health" "GET /metrics" "POST /work?n=1" "GET /nope")
  [[ ${REQUESTS:-4} == 0 ]] && requests=()
  for req in "${requests[@]}"; do
    curl -s -o /dev/null -X "${req% *}" -H 'Connection: close' "http://127.0.0.1:${TRACED_PORT}${req#* }"
    sleep 0.1
  done
  sleep 0.8; kill "$TRACED_PID"; wait "$TRACED_PID" 2>/dev/null
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
