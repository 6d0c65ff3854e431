#!/usr/bin/env bash
# Our model's completed items when its port is announced and 0.3 s later (threadpool_completed_items_total):
#   at_port.sh ROOT CORES [server_sync args...]      (ROOT: a checkout with a release build)
set -u
root=$1; cores=$2; shift 2
out=$(mktemp)
taskset -c "$cores" "$root/build/release/server_sync/server_sync" --port 0 --pool elastic --max-threads 1000 \
  --store-latency-ms 200 --users 10000 "$@" > "$out" 2>/dev/null &
pid=$!
for _ in $(seq 500); do grep -q "^listening" "$out" 2>/dev/null && break; sleep 0.01; done
mport=$(sed -n 's/^metrics on 127.0.0.1://p' "$out"); mport=${mport:-$(sed -n 's/^listening on [0-9.]*://p' "$out")}
count() { curl -s "http://127.0.0.1:$mport/metrics" | awk '/^threadpool_completed_items_total/{print $2}'; }
at=$(count); sleep 0.3; echo "at the port $at, 0.3 s later $(count)"
kill "$pid"; wait "$pid" 2>/dev/null; rm -f "$out"
