#!/usr/bin/env bash
# L = 200 ms, two cores, C = 20 (the connection-item variant's one differing cell), by hand, interleaved: .NET, then
# the variant with the first 19 items of this machine's two-core timeline on top of its warm-up's, then trimmed to
# the 10 that bring its count at the port to .NET's (its warm-up through the socket engine makes 17 of .NET's 27).
#   OUT=/tmp/i29d pairs.sh ROOT RUNS      (ROOT: a checkout whose release build has the ASP.NET Core target)
set -u
root=$1; runs=$2
here=$(cd "$(dirname "$0")" && pwd)
pair=$(mktemp); sed "s#cd /work/main#cd ${root}#" "${here}/../hillclimb-l200-20261206/pair.sh" > "${pair}"
mkdir -p "${OUT:=/tmp/i29d}"
E="--io-on-pool --socket-engine --accept-work-us 47 --warm-up"
FULL="--start-up-items 1@58,1@47,1@38,1@35,1@14,2@9,3@8,1@6,1@5,2@4,5@3"
TRIM="--start-up-items 1@58,1@47,1@38,1@35,1@14,2@9,3@8"
for i in $(seq "${runs}"); do
  # shellcheck disable=SC2086  # the argument lists split on purpose
  {
    echo "== net $i: $(OUT=${OUT} bash "${pair}" "n$i" 0-1 200 20 net | tr '\n' ' ')"
    echo "== full $i: $(OUT=${OUT} bash "${pair}" "f$i" 0-1 200 20 model $E $FULL | tr '\n' ' ')"
    echo "== trim $i: $(OUT=${OUT} bash "${pair}" "t$i" 0-1 200 20 model $E $TRIM | tr '\n' ' ')"
  }
done
rm -f "${pair}"
