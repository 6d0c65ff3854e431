#!/usr/bin/env bash
# The accept loop in a live burst: the server on CORES, the load generator (as the grid runs it: C clients at its
# default 10,000 connects/s, scraped once a second) on core 1, the kernel's tracepoints for every connect(2) of
# the load generator and accept4(2) of the server (perf). Prints connects/accepts at marks after the load's first
# connect, and the accept loop's own pace: the interval between two accepts while 3+ clients waited.
#   accept_burst.sh ROOT CORES L_MS C net|model [server args...]     (perf and root needed; ~3 s)
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
perf record -a -e syscalls:sys_exit_accept4 -e syscalls:sys_enter_connect -o "$dir/perf" > /dev/null 2>&1 &
perf_pid=$!
sleep 0.3
ulimit -n 20000
taskset -c 1 "$root/build/release/bench/loadgen/loadgen" -t 1 -c "$c" -d 1500ms --warmup 0ms --timeout 11000ms \
  --path "/users/{rand:1..10000}" --no-progress --scrape "http://127.0.0.1:$mport/metrics" --scrape-interval 1s \
  "http://127.0.0.1:$port/" > "$dir/lg" 2>&1
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
kill "$pid"; wait "$pid" 2>/dev/null
perf script -i "$dir/perf" -F comm,tid,time,event,trace 2>/dev/null > "$dir/trace"
python3 - "$dir/trace" <<'PY'
import re, statistics, sys
events = []  # (time, 'C' a load connect | 'A' an accept); the target's metrics sidecar has a port of its own
for line in open(sys.argv[1]):
    m = re.match(r'\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)', line)
    if not m:
        continue
    comm, _, t, event, rest = m.groups()
    if 'connect' in event and comm.startswith('loadgen'):
        events.append((float(t), 'C'))
    elif 'accept4' in event and 'metrics' not in comm:
        if int(re.search(r'0x([0-9a-f]+)', rest).group(1), 16) < (1 << 31):
            events.append((float(t), 'A'))
events.sort()
t0 = [t for t, kind in events if kind == 'C'][2]  # after the probe and the scraper's connects
connects = accepts = 0
last = None
marks, shown, paces = [1, 2, 3, 5, 10, 15, 20, 30], [], []
for t, kind in events:
    if t < t0 - 1e-4:
        continue
    while marks and (t - t0) * 1e3 >= marks[0]:
        shown.append("%d ms: %d/%d" % (marks.pop(0), connects, accepts))
    if kind == 'C':
        connects += 1
        continue
    if last is not None and connects - accepts >= 3:
        paces.append(t - last)
    accepts += 1
    last = t
print("connects/accepts since the load's first connect:", ", ".join(shown))
if paces:
    print("accept loop, %d accepts with 3+ waiting: interval median %.0f us, mean %.0f us"
          % (len(paces), statistics.median(paces) * 1e6, statistics.mean(paces) * 1e6))
PY
rm -rf "$dir"
