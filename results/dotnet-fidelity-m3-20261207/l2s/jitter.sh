#!/usr/bin/env bash
# L = 2 s, two cores, C = 20, our model only (the grid's configuration), 3 runs with the store's latency exactly L and
# 3 with it drawn from [L − 20 ms, L + 20 ms] (--store-jitter uniform:20), interleaved; then jitter_summary.py's line
# for each (threads at the marks, req/s, the client's timeouts, the starvation gate's injections). Output: jitter.txt.
#   jitter.sh ROOT        (a built checkout; about 4 minutes; the pair runner is ../../hillclimb-l200-20261206/pair.sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export OUT=${OUT:-/tmp/m3jit}
mkdir -p "$OUT"
sed "s#cd /work/main#cd $1#" "$here/../../hillclimb-l200-20261206/pair.sh" > "$OUT/pair.sh"
items="--io-on-pool --warm-up --start-up-items 1@159,1@130,1@107,1@101,1@38,1@36,2@35,1@32,1@27,1@22,1@17,3@16,2@15,1@12,3@4"
names=()
for i in 1 2 3; do
  for j in none uniform:20; do
    n=${j%%:*}$i
    bash "$OUT/pair.sh" "$n" 0-1 2000 20 model $items --store-jitter "$j" > /dev/null
    names+=("$n")
  done
done
{
  echo "# jitter.sh $1: t is seconds after the port was announced (the server's start-up line), as the load starts"
  python3 "$here/jitter_summary.py" "$OUT" "${names[@]}"
} > "$here/jitter.txt"
