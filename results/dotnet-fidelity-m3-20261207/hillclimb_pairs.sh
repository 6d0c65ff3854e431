#!/usr/bin/env bash
# N interleaved pairs of one fidelity cell by hand, each side traced (.NET: --trace-threadpool, the runtime's
# ThreadPoolWorkerThreadAdjustment* events; ours: --log-level debug, each hill-climbing sample as the runtime's
# AdjustmentStats line), then each trace's first analysed window and first climbing move side by side.
#   hillclimb_pairs.sh ROOT N CORES L_MS C [server_sync args...]      (output in $OUT, default /tmp/m3pairs)
# The pair runner is ../hillclimb-l200-20261206/pair.sh, pointed at ROOT (a built checkout); compare.py is beside it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$1; n=$2; cores=$3; l=$4; c=$5; shift 5
export OUT=${OUT:-/tmp/m3pairs}
mkdir -p "$OUT"
pair=$OUT/pair.sh
sed "s#cd /work/main#cd $root#" "$here/../hillclimb-l200-20261206/pair.sh" > "$pair"
for i in $(seq "$n"); do
  echo "net$i: $(bash "$pair" "net$i" "$cores" "$l" "$c" net | tr '\n' ' ')"
  echo "ours$i: $(bash "$pair" "ours$i" "$cores" "$l" "$c" model "$@" | tr '\n' ' ')"
done
python3 "$here/../hillclimb-l200-20261206/compare.py" $(for i in $(seq "$n"); do echo "$OUT/net$i.err"; done) \
  $(for i in $(seq "$n"); do echo "$OUT/ours$i.err"; done)
