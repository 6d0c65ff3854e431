#!/usr/bin/env bash
# The README's test command: set-up if needed, then every test —
#   1. release build + the whole ctest suite (unit, wire, Little's-law tests, script tests, regression gate);
#   2. the ASan/UBSan build + its ctest suite (throughput-ratio tests labelled "perf" are skipped there:
#      a sanitizer's slowdown makes them meaningless, not wrong), the libFuzzer harnesses' short runs included;
#   3. the ThreadSanitizer build of the threaded parts (WorkerPool, JobQueue, the watchdog, loadgen's threads:
#      core, server_sync, server_async and loadgen tests) + those tests.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

start=$(date +%s)
echo "== release: configure, build, test"
cmake --workflow --preset release

echo "== asan+ubsan: configure, build, test"
cmake --workflow --preset asan

echo "== tsan: configure, build, test (core, server_sync, server_async, loadgen)"
cmake --workflow --preset tsan

echo "== all tests passed in $(( $(date +%s) - start )) s"
