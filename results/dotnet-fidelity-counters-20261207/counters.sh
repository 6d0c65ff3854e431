#!/usr/bin/env bash
# ASP.NET Core at L = 200 ms, two cores, C = 1,000, as the grid runs it, with and without the sweep's dotnet-counters
# sessions (a point in a pair gets them; the same point without the pair does not), taken in turn, N rounds.
set -u
N=${1:-4}; ROOT=${ROOT:-/work/fresh11}; HERE=$(cd "$(dirname "$0")" && pwd); OUT=${OUT:-/tmp/fidres/ab}
for r in $(seq $N); do
  (cd "$ROOT" && flock /tmp/slowio-cpu.lock python3 scripts/sweep.py --grid "$HERE/grid_pair.json" --only aspnetcore --results-dir "$OUT" --run-id with-$r --latest "" > /dev/null 2>&1)
  (cd "$ROOT" && flock /tmp/slowio-cpu.lock python3 scripts/sweep.py --grid "$HERE/grid_net.json" --results-dir "$OUT" --run-id without-$r --latest "" > /dev/null 2>&1)
done
