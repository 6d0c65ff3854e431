#!/usr/bin/env bash
# N interleaved pairs of one fidelity cell, each side showing what its starvation gate compared at each check:
# .NET with --trace-threadpool-gate (the pool's lastDequeueTime and the gate thread's wake-ups, read each ms),
# ours with --log-level debug (a GateActivity line per check, a Completed line per work item) and the grid's
# configuration, plus any further arguments (e.g. --store-jitter uniform:2). SIDES=model runs our side only.
# Output in $OUT (default /tmp/gatepairs): NAME.err (the trace), NAME.csv (the load's time series), NAME.json
# (loadgen), NAME named net|ours-c0|c01-I (I from FIRST, default 1).
#   gate_pairs.sh ROOT N CORES L_MS C [server_sync args...]   (ROOT: a built checkout; CORES 0 or 0-1; ~70 s a pair)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$1; n=$2; cores=$3; l=$4; c=$5; shift 5
export OUT=${OUT:-/tmp/gatepairs}
mkdir -p "$OUT"
pair=$OUT/pair.sh
sed "s#cd /work/main#cd $root#" "$here/../hillclimb-l200-20261206/pair.sh" > "$pair"
# The grid's arguments (bench/grid_dotnet_fidelity.json): .NET's start-up timeline on one core (0) or two (0-1).
items=1@159,1@130,1@107,1@101,1@38,1@36,2@35,1@32,1@27,1@22,1@17,3@16,2@15,1@12,3@4
[[ $cores == 0 ]] && items=1@117,1@87,2@73,1@24,1@19,1@18,2@16,1@13,1@7,4@4,1@2,1@1,4@0
tag=c${cores/-/}
for i in $(seq "${FIRST:-1}" $(( ${FIRST:-1} + n - 1 ))); do
  if [[ ${SIDES:-both} != model ]]; then
    echo "net-$tag-$i: $(bash "$pair" "net-$tag-$i" "$cores" "$l" "$c" net --trace-threadpool-gate | tr '\n' ' ')"
  fi
  echo "ours-$tag-$i: $(bash "$pair" "ours-$tag-$i" "$cores" "$l" "$c" model --io-on-pool --warm-up \
    --start-up-items "$items" "$@" | tr '\n' ' ')"
done
