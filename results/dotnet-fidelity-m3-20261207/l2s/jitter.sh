#!/usr/bin/env bash
# L = 2 s, two cores, C = 20, our model only (the grid's configuration), 3 runs with the store's latency exactly L and
# 3 with it drawn from [L − 20 ms, L + 20 ms] (--store-jitter uniform:20), interleaved; for each: threads at the marks,
# req/s, the starvation gate's injections (their wall-clock times) and the client's timeouts. Output: jitter.txt.
#   jitter.sh ROOT        (a built checkout; about 4 minutes; the pair runner is ../../hillclimb-l200-20261206/pair.sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export OUT=${OUT:-/tmp/m3jit}
mkdir -p "$OUT"
sed "s#cd /work/main#cd $1#" "$here/../../hillclimb-l200-20261206/pair.sh" > "$OUT/pair.sh"
items="--io-on-pool --warm-up --start-up-items 1@159,1@130,1@107,1@101,1@38,1@36,2@35,1@32,1@27,1@22,1@17,3@16,2@15,1@12,3@4"
for i in 1 2 3; do
  for j in none uniform:20; do
    n=${j%%:*}$i
    echo "$n: $(bash "$OUT/pair.sh" "$n" 0-1 2000 20 model $items --store-jitter "$j" | tr '\n' ' ')"
    echo "  starvation injections: $(grep -c starved "$OUT/$n.err") at $(grep starved "$OUT/$n.err" | cut -c1-12 | tr '\n' ' ')"
    python3 -c "import json, sys; print('  timeouts', json.load(open(sys.argv[1]))['requests']['timeout'])" "$OUT/$n.json"
  done
done
