#!/usr/bin/env bash
# The README's main command: set-up if needed, release build, the default side-by-side sweep
# (sync N=10, sync elastic, async K=1 at L = 2 s; C in {1, 10, 11, 100, 1000, 10000}; the deadlock demo; a burst; where
# dotnet is found, ASP.NET Core beside them and .NET's thread pool against our model), microbenchmarks, the
# nginx cross-check, plots and report. Results in results/<run-id>/ and results/latest/.
# Extra arguments are passed to sweep.py (e.g. --grid bench/grid_quick.json).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

start=$(date +%s)
echo "== release build"
source scripts/ninja_build_dirs.sh
remove_foreign_build_dirs release
cmake --preset release >/dev/null
# Only what the benchmark runs (the tests are test.sh's business): keeps a fresh clone within ~10 minutes.
targets=(server_sync server_async loadgen micro_bench)
# The ASP.NET Core target exists when configure found dotnet (else the sweep skips its series by name). The
# target list is read whole before grep: `ninja help | grep -q` lets grep exit at the first match, the build tool
# dies of SIGPIPE, and under pipefail the test fails, so the .NET series were skipped with dotnet right there.
# (Ninja lists `aspnetcore_target: phony`; Make, before the presets used Ninja, `... aspnetcore_target`.)
build_targets="$(cmake --build --preset release --target help)"
if grep -qxE '(\.\.\. )?aspnetcore_target(: phony)?' <<<"${build_targets}"; then
  targets+=(aspnetcore_target)
fi
cmake --build --preset release --target "${targets[@]}"

run_id="$(date -u +%Y%m%dT%H%M%SZ)"
out="results/${run_id}"
mkdir -p "${out}"

echo "== microbenchmarks"
./build/release/bench/micro/micro_bench --benchmark_min_time=0.2 \
  --benchmark_format=json --benchmark_out="${out}/micro.json" --benchmark_out_format=json >/dev/null
if [[ -f results/micro_baseline.json ]]; then
  /usr/bin/python3 scripts/compare_micro.py results/micro_baseline.json "${out}/micro.json" || true
fi

echo "== /health against nginx, without and with pipelining (crosscheck_nginx.py, ~40 s)"
if ! /usr/bin/python3 scripts/crosscheck_nginx.py --server-async build/release/server_async/server_async \
    --rounds 2 --pipeline 1 16 --csv "${out}/crosscheck_nginx.csv"; then
  echo "== crosscheck_nginx.py failed (reason above): the report leaves it out"
fi

echo "== sweep, plots and report (sweep.py --report runs plot.py and report.py, then refreshes results/latest)"
/usr/bin/python3 scripts/sweep.py --build-dir build/release --run-id "${run_id}" --report "$@"
echo "== done in $(( $(date +%s) - start )) s: results/latest/ (index.html: open it; summary.csv, report.md, *.png)"
