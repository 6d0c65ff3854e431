#!/usr/bin/env bash
# Section 5's traced runs: the tuned sync pair (C = 1,000, L = 2 s, one core) for 60 s, 3 runs a side, .NET with
# --trace-threadpool-gate, ours with the spread (the pair runner of ../../../hillclimb-l200-20261206, as
# gate_pairs.sh runs it).
#   run.sh ROOT     (ROOT: a built checkout; writes $OUT, default /tmp/gp60)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export OUT=${OUT:-/tmp/gp60} DURATION_MS=60000
mkdir -p "$OUT"
pair=$OUT/pair.sh
sed "s#cd /work/main#cd $1#" "$here/../../../hillclimb-l200-20261206/pair.sh" > "$pair"
items=1@117,1@87,2@73,1@24,1@19,1@18,2@16,1@13,1@7,4@4,1@2,1@1,4@0
for i in 1 2 3; do
  echo "net-$i: $(bash "$pair" net-$i 0 2000 1000 net --trace-threadpool-gate | tr '\n' ' ')"
  echo "spread-$i: $(bash "$pair" spread-$i 0 2000 1000 model --io-on-pool --warm-up --start-up-items $items \
    --store-jitter uniform:1 --store-seed 0 | tr '\n' ' ')"
done
