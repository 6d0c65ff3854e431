#!/usr/bin/env bash
# The README's test command: set-up if needed, then every test, each in the one build it needs —
#   1. release build of what the optimized-only tests run (build target optimized_tests) + those tests: labels
#      perf (throughput ratios against Little's law), suite (the script tests, the regression and
#      instruction-count gates), hlog (loadgen's logs read back), dotnet (the ASP.NET Core target's contract
#      cases and EF Core stores; the target is not built under the sanitizers);
#   2. the ASan/UBSan build + every other test (unit, wire, contract, postgres, the libFuzzer harnesses' short
#      runs): the functional tests run once, where memory errors and undefined behaviour are caught;
#   3. the ThreadSanitizer build of the threaded parts (WorkerPool, JobQueue, the watchdog, loadgen's threads,
#      the database pools: core, server_sync, server_async, loadgen and postgres_live tests) + those tests.
# The two sanitizer builds run in the background from the start, one after the other, at idle priority
# (SCHED_IDLE and nice 19): they get only the CPU that the release build and the tests leave unused (the
# time-dilated tests mostly wait), so a test never competes with a compiler for a core it wants; each test phase
# starts when its build is done, and while a phase waits for its build, the build runs at normal priority.
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

# The sanitizer builds, in the background: logs in build/<preset>.build.log, exit codes in build/<preset>.build.rc.
mkdir -p build
rm -f build/asan.build.rc build/tsan.build.rc
idle_build() {  # configure and build preset $1 at idle priority; its exit code into build/$1.build.rc
  local rc=0
  { cmake --preset "$1" && chrt --idle 0 nice -n 19 cmake --build --preset "$1"; } >"build/$1.build.log" 2>&1 || rc=$?
  echo "${rc}" >"build/$1.build.rc"
}
# Its own process group (job control) but this session: a new session (setsid) would put it in a scheduler
# autogroup of its own, which the kernel gives an equal share of the CPU whatever its priority. On any exit the
# whole group, ninja and the compilers included, is ended.
set -m
{ idle_build asan; idle_build tsan; } </dev/null &
builds_pid=$!
set +m
trap 'kill -- -"${builds_pid}" 2>/dev/null || true' EXIT

set_builds_priority() {  # idle|normal: the background builds' scheduling, every process of their group
  local pid
  for pid in $(pgrep -g "${builds_pid}" 2>/dev/null); do
    if [[ "$1" == normal ]]; then
      chrt --other -a -p 0 "${pid}" && renice -n 0 -p "${pid}"
    else
      chrt --idle -a -p 0 "${pid}" && renice -n 19 -p "${pid}"
    fi
  done >/dev/null 2>&1 || true  # a process may have ended meanwhile; without the right to raise it, it stays idle
}

wait_for_build() {  # waits for build/$1.build.rc; on a failed build prints its log's end and exits 1
  # Nothing of ours runs in the foreground while it waits, so the builds get normal priority meanwhile: at idle
  # priority they would get no CPU at all from another program running beside the test command (with one core
  # busy, a wait of 260 s for the ASan build's rest and 200 s for TSan's, on one core instead of a fair share).
  # Back to idle once the tests run, so a compiler never competes with a test for a core it wants.
  set_builds_priority normal
  while [[ ! -f "build/$1.build.rc" ]]; do sleep 1; done
  set_builds_priority idle
  if [[ "$(cat "build/$1.build.rc")" != 0 ]]; then
    tail -n 60 "build/$1.build.log"
    echo "== $1 build failed (build/$1.build.log)"
    exit 1
  fi
}

echo "== release: configure, build what the optimized-only tests run, run them (asan, then tsan, build beside it)"
cmake --workflow --preset release-optimized
phase release

echo "== asan+ubsan: wait for its build, test (tsan builds beside it)"
wait_for_build asan
phase "asan+ubsan build (what was left of it)"
ctest --preset asan
phase "asan+ubsan tests"

echo "== tsan: wait for its build, test (core, server_sync, server_async, loadgen, postgres_live)"
wait_for_build tsan
phase "tsan build (what was left of it)"
ctest --preset tsan
phase "tsan tests"

echo "== all tests passed in $(( $(date +%s) - start )) s"
