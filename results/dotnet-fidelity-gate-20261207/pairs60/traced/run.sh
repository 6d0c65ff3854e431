#!/usr/bin/env bash
export OUT=/tmp/gp60
items=1@117,1@87,2@73,1@24,1@19,1@18,2@16,1@13,1@7,4@4,1@2,1@1,4@0
for i in 1 2 3; do
  echo "net-$i: $(bash $(dirname "$0")/pair60.sh net-$i 0 2000 1000 net --trace-threadpool-gate | tr '\n' ' ')"
  echo "spread-$i: $(bash $(dirname "$0")/pair60.sh spread-$i 0 2000 1000 model --io-on-pool --warm-up --start-up-items $items --store-jitter uniform:1 --store-seed 0 | tr '\n' ' ')"
done
