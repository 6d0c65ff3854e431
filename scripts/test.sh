#!/usr/bin/env bash
# The README's test command: set-up if needed, then every test, each in the one build it needs —
#   1. release build of what the optimized-only tests run (build target optimized_tests) + those tests: labels
#      perf (throughput ratios against Little's law), suite (the script tests, the regression and
#      instruction-count gates), hlog (loadgen's logs read back), dotnet (the ASP.NET Core target's contract
#      cases; the target is not built under the sanitizers);
#   2. the ASan/UBSan build + every other test (unit, wire, contract, postgres, the libFuzzer harnesses' short
#      runs): the functional tests run once, where memory errors and undefined behaviour are caught;
#   3. the ThreadSanitizer build of the threaded parts (WorkerPool, JobQueue, the watchdog, loadgen's threads:
#      core, server_sync, server_async and loadgen tests) + those tests.
# `cmake --workflow --preset release` still builds everything and runs every test in the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

source scripts/ninja_build_dirs.sh
remove_foreign_build_dirs release asan tsan

start=$(date +%s)
phase_start=${start}
phase() {  # prints how long the previous phase took
  local now
  now=$(date +%s)
  echo "== $1 took $((now - phase_start)) s"
  phase_start=${now}
}

echo "== release: configure, build what the optimized-only tests run, run them"
cmake --workflow --preset release-optimized
phase release

echo "== asan+ubsan: configure, build, test"
cmake --workflow --preset asan
phase asan+ubsan

echo "== tsan: configure, build, test (core, server_sync, server_async, loadgen)"
cmake --workflow --preset tsan
phase tsan

echo "== all tests passed in $(( $(date +%s) - start )) s"
