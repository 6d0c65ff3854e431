#!/usr/bin/env bash
# One cell (L = 200 ms, two cores, C = 1,000) as the grid runs it (sweep.py, one point a call), three sides taken
# in turn, N rounds: ASP.NET Core, our socket-engine configuration as committed before ConnectionItem (a clone
# at 4dfe35e, OLD), and the same with ConnectionItem (NEW). Results in /tmp/fidres/il/{net,eng,item}-R.
#   interleave.sh N      (OLD and NEW: clones with release builds; ~13 min for N = 6)
set -u
N=${1:-6}
OLD=${OLD:-/work/fresh15}; NEW=${NEW:-/work/fresh11}; HERE=$(cd "$(dirname "$0")" && pwd)
for r in $(seq $N); do
  (cd "$NEW" && flock /tmp/slowio-cpu.lock python3 scripts/sweep.py --grid "$HERE/grid_net.json" --results-dir /tmp/fidres/il --run-id net-$r --latest "" > /dev/null 2>&1)
  (cd "$OLD" && flock /tmp/slowio-cpu.lock python3 scripts/sweep.py --grid "$HERE/grid_model.json" --results-dir /tmp/fidres/il --run-id eng-$r --latest "" > /dev/null 2>&1)
  (cd "$NEW" && flock /tmp/slowio-cpu.lock python3 scripts/sweep.py --grid "$HERE/grid_model.json" --results-dir /tmp/fidres/il --run-id item-$r --latest "" > /dev/null 2>&1)
done
