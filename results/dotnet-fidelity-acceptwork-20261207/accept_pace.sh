#!/usr/bin/env bash
# The accept loop's own pace: the server is stopped (SIGSTOP) while C clients connect (the kernel completes their
# handshakes into the listener's backlog), then continued; the kernel's accept4 tracepoint times each accept, and
# the drain after the stop gives the time per accepted connection. One client is served first, so the accept path
# has run once, as the load generator's probe connection does in a run.
#   accept_pace.sh ROOT CORES C net|model [server args...]     (perf and root needed; ~5 s)
set -u
root=$1; cores=$2; c=$3; who=$4; shift 4
dll=$root/build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
dir=$(mktemp -d)
if [[ $who == net ]]; then
  taskset -c "$cores" dotnet "$dll" --port 0 --mode sync --store-latency-ms 2000 --users 10000 \
    --max-connections 18000 "$@" > "$dir/out" 2> "$dir/err" &
else
  taskset -c "$cores" "$root/build/release/server_sync/server_sync" --port 0 --pool elastic --max-threads 1000 \
    --store-latency-ms 2000 --users 10000 "$@" > "$dir/out" 2> "$dir/err" &
fi
pid=$!
for _ in $(seq 500); do grep -q '^listening' "$dir/out" 2>/dev/null && break; sleep 0.01; done
port=$(sed -n 's/^listening on [0-9.]*://p' "$dir/out")
sleep 1
perf record -a -e syscalls:sys_exit_accept4 -o "$dir/perf" > /dev/null 2>&1 &
perf_pid=$!
sleep 0.3
ulimit -n 20000
curl -s -m 0.2 "http://127.0.0.1:$port/users/1" > /dev/null
sleep 0.5
kill -STOP "$pid"
taskset -c 1 "$root/build/release/bench/loadgen/loadgen" -t 1 -c "$c" -d 3000ms --warmup 0ms --timeout 11000ms \
  --path "/users/{rand:1..10000}" --no-progress "http://127.0.0.1:$port/" > "$dir/lg" 2>&1 &
lg=$!
sleep 0.5
kill -CONT "$pid"
wait "$lg"
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
kill "$pid"; wait "$pid" 2>/dev/null
perf script -i "$dir/perf" -F comm,tid,time,event,trace 2>/dev/null > "$dir/trace"
python3 - "$dir/trace" <<'PY'
import re, sys
accepts = []  # (time, succeeded); the target's metrics sidecar accepts on a port of its own: left out
for line in open(sys.argv[1]):
    m = re.match(r'\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)', line)
    if not m or 'metrics' in m.group(1):
        continue
    value = int(re.search(r'0x([0-9a-f]+)', m.group(5)).group(1), 16)
    accepts.append((float(m.group(3)), value < (1 << 31)))
accepts.sort()
ok = [t for t, good in accepts if good]
gap, start = max((ok[i + 1] - ok[i], i + 1) for i in range(len(ok) - 1))  # the stop
drain = ok[start:]
again = sum(1 for t, good in accepts if not good and drain[0] <= t <= drain[-1])
print("drained %d accepts in %.2f ms: %.1f us each; EAGAIN during: %d"
      % (len(drain), (drain[-1] - drain[0]) * 1e3, (drain[-1] - drain[0]) * 1e6 / max(1, len(drain) - 1), again))
PY
rm -rf "$dir"
