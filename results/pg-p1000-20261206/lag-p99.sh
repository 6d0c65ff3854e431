#!/bin/bash
# Issue 25's target point: server_async K = 1, --store postgres P = 1,000, loadgen C = 1,000, L = 2 s, server on
# core 0 and loadgen on core 1; PostgreSQL unpinned, as in the sweep, or with PG_CORE=1 on the loadgen's core. Throughput and latency from loadgen over a
# 30 s window after a 4 s warm-up (2 L); the event-loop lag p99 over the same window from the server's own
# eventloop_lag_seconds histogram (a 10 ms ticker), scraped at the window's start and end (by sleeps, +-0.1 s);
# pg_stat_activity's active backends sampled in the window. Run from scripts/ as:
#   python3 -m slowio.postgres run --max-connections 1020 -- ../results/pg-p1000-20261206/lag-p99.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
out=${OUT:-/tmp/pg-p1000}
mkdir -p "$out"
ulimit -n 20000
if [ -n "${PG_CORE:-}" ]; then  # PostgreSQL (postmaster, and so every backend it forks later) on core PG_CORE
  postmaster=$(head -1 "$SLOWIO_PG_DIR/data/postmaster.pid")
  taskset -a -p -c "$PG_CORE" "$postmaster" >/dev/null
  echo "PostgreSQL pinned to core $PG_CORE"
fi
taskset -c 0 build/release/server_async/server_async --port 0 --threads 1 --store-latency-ms 2000 --users 10000 \
  --max-connections 18000 --log-level warn --store postgres --pg "$SLOWIO_PG_URL" --db-pool 1000 \
  >"$out/server.out" 2>"$out/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q listening "$out/server.out" && break; sleep 0.1; done
port=$(sed -n 's/listening on 127.0.0.1://p' "$out/server.out")
opened=$(date +%s.%N)
for _ in $(seq 600); do
  c=$(curl -s "localhost:$port/metrics" | awk '/^db_pool_connections /{print $2}')
  [ "${c%.*}" = 1000 ] && break
  sleep 0.1
done
echo "pool open: $c connections in $(echo "$(date +%s.%N) - $opened" | bc) s after listening"
taskset -c 1 build/release/bench/loadgen/loadgen -t 1 -c 1000 -d 30s --warmup 4s --timeout 10s \
  --path "/users/{rand:1..10000}" --json "$out/loadgen.json" "http://127.0.0.1:$port" >"$out/loadgen.txt" 2>&1 &
lg=$!
sleep 4
curl -s "localhost:$port/metrics" >"$out/start.prom"
for i in $(seq 6); do
  sleep 5
  echo "t=$((4 + 5 * i)) s: pg_stat_activity active slowio backends: $(psql "$SLOWIO_PG_URL" -Atc \
    "select count(*) from pg_stat_activity where application_name = 'slowio' and state = 'active'")"
done
curl -s "localhost:$port/metrics" >"$out/end.prom"
wait $lg
grep -E "Requests/sec|Latency|errors|timeouts" "$out/loadgen.txt" || true
python3 - "$out/start.prom" "$out/end.prom" <<'PY'
import re, sys
def buckets(path):
    out = {}
    for line in open(path):
        m = re.match(r'eventloop_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m: out[float(m.group(1))] = float(m.group(2))
    return out
a, b = buckets(sys.argv[1]), buckets(sys.argv[2])
n = b[float("inf")] - a[float("inf")]
p99 = next(le for le in sorted(b) if b[le] - a[le] >= 0.99 * n)
over = {le: int(n - (b[le] - a[le])) for le in sorted(b) if le in (0.005, 0.01, 0.02, 0.05)}
print(f"loop lag in the window: {int(n)} ticks, p99 <= {p99 * 1000:g} ms; ticks later than 5/10/20/50 ms: {over}")
PY
grep -E "^eventloop_lag_max_seconds" "$out/end.prom"
