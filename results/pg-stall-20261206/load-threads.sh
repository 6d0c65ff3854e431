#!/bin/bash
cd /work/main
ulimit -n 20000
taskset -c 0 build/release/server_async/server_async --port 0 --threads 1 --store-latency-ms 2000 --users 10000 --max-connections 18000 --log-level warn --store postgres --pg "$SLOWIO_PG_URL" --db-pool 1000 > /tmp/stall.out 2> /tmp/stall.err &
pid=$!
for i in $(seq 300); do grep -q listening /tmp/stall.out && break; sleep 0.1; done
port=$(sed -n 's/listening on 127.0.0.1://p' /tmp/stall.out)
for i in $(seq 300); do c=$(curl -s localhost:$port/metrics | awk '/^db_pool_connections /{print $2}'); [ "${c%.*}" = 1000 ] && break; sleep 0.1; done
echo "pool open: $c; threads: $(ls /proc/$pid/task | wc -l)"
taskset -c 1 build/release/bench/loadgen/loadgen -t 1 -c 1000 -d 10s --warmup 0s --timeout 10s --path "/users/{rand:1..10000}" http://127.0.0.1:$port > /tmp/stall.lg 2>&1 &
lg=$!
for i in $(seq 20); do
  sleep 0.5
  line="t=$i"
  for t in /proc/$pid/task/*; do line="$line $(basename $t):$(awk '{print $3}' $t/stat)/$(cat $t/wchan)/$(awk '{print $14+$15}' $t/stat)"; done
  echo "$line lagmax=$(curl -s -m 1 localhost:$port/metrics | awk '/^eventloop_lag_max_seconds /{print $2}')"
done
psql "$SLOWIO_PG_URL" -Atc "select state, coalesce(wait_event,'-'), count(*) from pg_stat_activity where application_name='slowio' group by 1,2 order by 3 desc" 2>&1 | head
wait $lg
kill $pid; wait $pid
grep -E "Requests/sec" /tmp/stall.lg
