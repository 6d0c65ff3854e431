#!/usr/bin/env bash
# Issue 29's scenario, 3 runs each: ASP.NET Core --mode sync (with --trace-threadpool) and server_sync elastic,
# server on core 0, loadgen on core 1, C = 200, L = 500 ms, 30 s from t = 0, scraped each second.
set -u
cd /work/main
DLL=build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
LG=build/release/bench/loadgen/loadgen
out=/tmp/i29; mkdir -p $out
for run in 1 2 3; do
  for who in net model; do
    if [[ $who == net ]]; then
      taskset -c 0 dotnet $DLL --port 0 --mode sync --store-latency-ms 500 --trace-threadpool > $out/$who$run.out 2> $out/$who$run.err &
    else
      taskset -c 0 build/release/server_sync/server_sync --port 0 --pool elastic --max-threads 1000 --store-latency-ms 500 > $out/$who$run.out 2> $out/$who$run.err &
    fi
    pid=$!
    for i in $(seq 100); do grep -q "listening" $out/$who$run.out 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    port=$(sed -n 's/listening on 127.0.0.1://p' $out/$who$run.out)
    mport=$(sed -n 's/metrics on 127.0.0.1://p' $out/$who$run.out); mport=${mport:-$port}
    ulimit -n 20000
    taskset -c 1 $LG -c 200 -d 30s --warmup 0s --timeout 60s --path "/users/{rand:1..10000}" --scrape http://127.0.0.1:$mport/metrics --scrape-interval 1s --json $out/$who$run.json --timeseries $out/$who$run.csv http://127.0.0.1:$port > $out/$who$run.lg 2>&1
    kill $pid; wait $pid 2>/dev/null
  done
done
