#!/usr/bin/env bash
# One point of the fidelity grid by hand, server on core 0 (or 0-1), loadgen on core 1 (as the sweep):
#   [DURATION_MS=30000] pair.sh NAME CORES L_MS C net|model [server args...]   (DURATION_MS: the load's length)
set -u
cd /work/main
name=$1; cores=$2; l=$3; c=$4; who=$5; shift 5
DLL=build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
LG=build/release/bench/loadgen/loadgen
out=${OUT:-/tmp/i29b}/$name
if [[ $who == net ]]; then
  taskset -c $cores dotnet $DLL --port 0 --mode sync --store-latency-ms $l --users 10000 --max-connections 18000 --trace-threadpool "$@" > $out.out 2> $out.err &
else
  taskset -c $cores build/release/server_sync/server_sync --port 0 --pool elastic --max-threads 1000 --store-latency-ms $l --users 10000 --log-level debug "$@" > $out.out 2> $out.err &
fi
pid=$!
for i in $(seq 500); do grep -q "^listening" $out.out 2>/dev/null && break; sleep 0.01; done
port=$(sed -n 's/listening on 127.0.0.1://p' $out.out); port=${port:-$(sed -n 's/listening on 0.0.0.0://p' $out.out)}
mport=$(sed -n 's/metrics on 127.0.0.1://p' $out.out); mport=${mport:-$port}
echo "at listening: $(curl -s http://127.0.0.1:$mport/metrics | grep '^threadpool_completed_items_total')"
ulimit -n 20000
taskset -c 1 $LG -t 1 -c $c -d ${DURATION_MS:-30000}ms --warmup 0ms --timeout 11000ms --path "/users/{rand:1..10000}" --no-progress --scrape http://127.0.0.1:$mport/metrics --scrape-interval 1s --json $out.json --timeseries $out.csv http://127.0.0.1:$port/ > $out.lg 2>&1
kill $pid; wait $pid 2>/dev/null
python3 - "$out.csv" "$out.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
th = [rows[i-1]['server_threadpool_threads'] for i in (5,10,15,20,25,30) if i <= len(rows)]
d = json.load(open(sys.argv[2]))
print("threads at 5..30 s:", " ".join(th), " req/s:", d.get('throughput_rps'))
PY
