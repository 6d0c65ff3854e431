#!/bin/bash
cd /work/main
ulimit -n 20000
taskset -c 0 strace -f -T -o /tmp/opening.strace build/release/server_async/server_async --port 0 --threads 1 --store-latency-ms 2000 --users 10000 --max-connections 18000 --log-level warn --store postgres --pg "$SLOWIO_PG_URL" --db-pool 1000 > /tmp/stall.out 2> /tmp/stall.err &
pid=$!
for i in $(seq 600); do grep -q listening /tmp/stall.out && break; sleep 0.1; done
port=$(sed -n 's/listening on 127.0.0.1://p' /tmp/stall.out)
for i in $(seq 600); do c=$(curl -s localhost:$port/metrics | awk '/^db_pool_connections /{print $2}'); [ "${c%.*}" = 1000 ] && break; sleep 0.1; done
echo "pool open: $c lagmax=$(curl -s -m 1 localhost:$port/metrics | awk '/^eventloop_lag_max_seconds /{print $2}')"
kill $pid; wait $pid
