#!/usr/bin/env bash
# The ASP.NET Core target's start-up work on its pool: ThreadPool.CompletedWorkItemCount (threadpool_completed_items_total,
# the sidecar /metrics, off the pool) at the listening line and 1 s later, on one core, three starts.
set -u
cd /work/main
DLL=build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
for run in 1 2 3; do
  out=/tmp/i29b/start$run.out
  taskset -c ${CORES:-0} dotnet $DLL --port 0 --mode sync --store-latency-ms 200 --users 10000 > $out 2>/tmp/i29b/start$run.err &
  pid=$!
  for i in $(seq 300); do grep -q "^metrics on" $out 2>/dev/null && break; sleep 0.01; done
  mport=$(sed -n 's/metrics on 127.0.0.1://p' $out)
  a=$(curl -s http://127.0.0.1:$mport/metrics | grep "^threadpool_completed_items_total\|^threadpool_threads ")
  sleep 1
  b=$(curl -s http://127.0.0.1:$mport/metrics | grep "^threadpool_completed_items_total\|^threadpool_threads ")
  echo "run $run at listening: $(echo $a) ; 1 s later: $(echo $b)"
  kill $pid; wait $pid 2>/dev/null
done
