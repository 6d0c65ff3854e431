#!/usr/bin/env bash
# The accept loop in a live burst, with the load generator untraced: the server on CORES, the load generator (as
# the grid runs it: C clients, scraped once a second) on core 1, the kernel's tracepoint for the server's own
# accept4(2) only (perf -p), so the clients connect at their own pace. Prints how many the loop had accepted at
# marks after its first accept of the burst, each stall over 10 ms (when, after how many, how long), and its pace.
# (A variant of ../dotnet-fidelity-acceptwork-20261207/accept_burst.sh, which traced every connect too.)
#   accept_timeline.sh ROOT CORES L_MS C net|model [server args...]     (perf and root needed; ~4 s)
set -u
root=$1; cores=$2; l=$3; c=$4; who=$5; shift 5
dll=$root/build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
dir=$(mktemp -d)
if [[ $who == net ]]; then
  taskset -c "$cores" dotnet "$dll" --port 0 --mode sync --store-latency-ms "$l" --users 10000 \
    --max-connections 18000 "$@" > "$dir/out" 2> "$dir/err" &
else
  taskset -c "$cores" "$root/build/release/server_sync/server_sync" --port 0 --pool elastic --max-threads 1000 \
    --store-latency-ms "$l" --users 10000 "$@" > "$dir/out" 2> "$dir/err" &
fi
pid=$!
for _ in $(seq 500); do grep -q '^listening' "$dir/out" 2>/dev/null && break; sleep 0.01; done
port=$(sed -n 's/^listening on [0-9.]*://p' "$dir/out")
mport=$(sed -n 's/^metrics on [0-9.]*://p' "$dir/out"); mport=${mport:-$port}
perf record -p "$pid" -e syscalls:sys_exit_accept4 -o "$dir/perf" > /dev/null 2>&1 &
perf_pid=$!
sleep 0.3
ulimit -n 20000
taskset -c 1 "$root/build/release/bench/loadgen/loadgen" -t 1 -c "$c" -d ${DUR:-2000ms} --warmup 0ms --timeout 11000ms \
  --path "/users/{rand:1..10000}" --no-progress --scrape "http://127.0.0.1:$mport/metrics" --scrape-interval 1s \
  "http://127.0.0.1:$port/" > "$dir/lg" 2>&1
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
kill "$pid"; wait "$pid" 2>/dev/null
perf script -i "$dir/perf" -F comm,tid,time,event,trace 2>/dev/null > "$dir/trace"
python3 - "$dir/trace" <<'PY'
import re, sys, statistics
ts = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)', line)
    if not m: continue
    comm, _, t, event, rest = m.groups()
    if 'metrics' in comm: continue
    if int(re.search(r'0x([0-9a-f]+)', rest).group(1), 16) < (1 << 31): ts.append(float(t))
# the burst: from the first accept that 50 more follow within 1 s (the load generator's probe may come first)
start = next(i for i in range(len(ts)) if i + 50 < len(ts) and ts[i + 50] - ts[i] < 1.0)
b = ts[start:]
t0 = b[0]
gaps = [(b[i + 1] - b[i], i + 1) for i in range(len(b) - 1)]
big = [(round((b[i - 1] - t0) * 1e3, 1), i, round(g * 1e3, 1)) for g, i in gaps if g > 0.01]
print("burst: %d accepts; at 50/100/200/300/500 ms: %s" % (len(b), [sum(1 for t in b if t - t0 <= x / 1e3) for x in (50, 100, 200, 300, 500)]))
print("stalls > 10 ms (at ms, after N accepts, gap ms):", big[:6])
pace = [g for g, i in gaps if g < 0.01]
print("interval median %.0f us over %d" % (statistics.median(pace) * 1e6, len(pace)))
PY
rm -rf "$dir"
