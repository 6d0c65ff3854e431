# Sourced by startup_split.sh, per_connection.sh and ../dotnet-fidelity-m3-20261207/startup_samples.sh:
# traced_start ROOT CORES OUT_PREFIX starts the ASP.NET Core target on CORES with --trace-threadpool (stdout
# OUT_PREFIX.out, the trace OUT_PREFIX.err), waits for its port's announcement and sets TRACED_PID and TRACED_PORT.
# (../dotnet-fidelity-timeline-20261206/startup_timeline.sh, a committed record, keeps its own copy of these lines.)
traced_start() {
  local dll=$1/build/release/bench/targets/aspnetcore/bin/SlowioAspNetCore/release/SlowioAspNetCore.dll
  taskset -c "$2" dotnet "${dll}" --port 0 --mode sync --store-latency-ms 200 --users 10000 \
    --max-connections 18000 --trace-threadpool > "$3.out" 2> "$3.err" &
  TRACED_PID=$!
  for _ in $(seq 500); do grep -q '^listening' "$3.out" 2>/dev/null && break; sleep 0.01; done
  TRACED_PORT=$(sed -n 's/^listening on [0-9.]*://p' "$3.out")
}
