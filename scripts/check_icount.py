#!/usr/bin/env python3
"""CPU-cost gate that does not depend on the machine's noise: instructions and heap allocations per request of
core's hot path (parse, route, render, serialise: bench/icount/hot_path_icount), against a committed baseline.

    check_icount.py [--binary build/release/bench/icount/hot_path_icount] [--baseline bench/icount_baseline.json]
                    [--baseline-ref REF] [--plant-allocation] [--expect pass|fail] [--update]

How: the loop runs under valgrind's callgrind with --collect-atstart=no --toggle-collect=slowio_icount_loop,
once with N1 and once with N2 requests; instructions per request = (I(N2) - I(N1)) / (N2 - N1), so the setup
inside the loop function cancels out. Callgrind counts guest instructions exactly: the same binary gives the
same count on every run and every machine (perf stat -e instructions would need hardware counters, which VMs
and containers often do not expose). Allocations per request come from the binary's own operator new counter.
glibc picks its string functions (memcpy, strlen) by CPU feature at load time, so the counts are comparable
only on the same build *and* the same CPU vendor and feature set: the baseline records both.
What it is judged against, so that it judges on the machine it runs on:
  --plant-allocation   the same binary without the plant, measured in the same run (the control can never skip);
  --baseline-ref REF   hot_path_icount built from git REF (a detached worktree, the Release flags, a unity build
                       when the candidate's was) and measured in the same run;
  neither              the committed baseline when it is comparable (same build and CPU), else the merge base of
                       HEAD with main built and measured as with --baseline-ref (on main itself that is HEAD:
                       an A/A run; on a branch, the change against main).
Verdicts: FAIL when instructions/request exceed the baseline by more than ``instructions_threshold`` (relative)
or allocations/request exceed it by more than ``allocations_threshold``; NOT COMPARABLE when the binary was built
by another compiler, flags or libraries, or runs on another CPU vendor or feature set, than the baseline
and no git ref could be built in its place (the reason is printed: no git, no main, a build that failed);
INCONCLUSIVE when valgrind is missing or the run fails.
Exit 0 PASS, 1 FAIL, 2 INCONCLUSIVE or a bad command line, 77 NOT COMPARABLE (ctest: skipped, never passed);
with --expect fail, exit 0 only on FAIL (the planted-regression control).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio.cli import DEFAULT_BUILD_DIR, REPO_ROOT, OneLineParser, text_table  # noqa: E402

DEFAULT_BASELINE = REPO_ROOT / "bench" / "icount_baseline.json"
N1, N2 = 2000, 12000
EXIT = {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 2, "NOT COMPARABLE": 77}
# The features glibc's ifunc resolvers choose memcpy/strlen/... by (those valgrind passes on to its guest).
IFUNC_FEATURES = ("ssse3", "sse4_2", "avx", "avx2", "bmi2", "erms", "fsrm")


def cpu_key() -> str:
    """CPU vendor and the string-function features it has: the part of the machine the counts depend on."""
    vendor, flags = "unknown", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("vendor_id") and vendor == "unknown":
                vendor = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return f"{vendor} " + " ".join(f for f in IFUNC_FEATURES if f in flags)


class IcountError(Exception):
    """The measurement could not be made: one line, INCONCLUSIVE."""


def measure_once(binary: Path, iterations: int, plant: bool) -> tuple[int, float]:
    """(instructions collected inside slowio_icount_loop, allocations per request) for one run."""
    with tempfile.TemporaryDirectory() as d:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/callgrind.out", "--collect-atstart=no",
               "--toggle-collect=slowio_icount_loop", str(binary), "--iterations", str(iterations)]
        if plant:
            cmd.append("--plant-allocation")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise IcountError(f"valgrind {binary.name} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    collected = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    allocs = re.search(r"allocations_per_request ([0-9.]+)", done.stdout)
    if not collected or not allocs:
        raise IcountError("could not read callgrind's 'Collected' line or the binary's allocation count")
    return int(collected.group(1)), float(allocs.group(1))


def measure(binary: Path, plant: bool) -> dict:
    """Instructions and allocations per request, plus the build the binary reports."""
    if shutil.which("valgrind") is None:
        raise IcountError("valgrind not found (scripts/setup.sh installs it)")
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    if version.returncode != 0:
        raise IcountError(f"{binary} --version failed")
    i1, a1 = measure_once(binary, N1, plant)
    i2, a2 = measure_once(binary, N2, plant)
    return {"instructions_per_request": (i2 - i1) / (N2 - N1), "allocations_per_request": a2,
            "build": version.stdout.strip(), "cpu": cpu_key(), "iterations": [N1, N2], "instructions": [i1, i2],
            "allocations_per_request_n1": a1}


def judge(m: dict, base: dict) -> tuple[str, list[tuple[str, str, str, str, str]]]:
    """The verdict and table rows (metric, baseline, measured, limit, verdict)."""
    for key in ("build", "cpu"):
        if m[key] != base.get(key):
            return "NOT COMPARABLE", [(key, str(base.get(key)), m[key], "the same", "NOT COMPARABLE")]
    rows, worst = [], "PASS"
    ti = float(base.get("instructions_threshold", 0.005))
    ta = float(base.get("allocations_threshold", 0.5))
    for key, limit, shown in (("instructions_per_request", base["instructions_per_request"] * (1 + ti), f"+{ti:.1%}"),
                              ("allocations_per_request", base["allocations_per_request"] + ta, f"+{ta:g}")):
        b, v = base[key], m[key]
        verdict = "FAIL" if v > limit else "PASS"
        note = f" ({(v - b) / b:+.2%})" if b else ""
        rows.append((key, f"{b:,.1f}", f"{v:,.1f}{note}", f"<= {limit:,.1f} ({shown})", verdict))
        if verdict == "FAIL":
            worst = "FAIL"
    return worst, rows


def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    """`git ARGS` in the repository; its stdout stripped. IcountError (naming what failed) when it fails."""
    if shutil.which("git") is None:
        raise IcountError("git not found")
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise IcountError(f"git {' '.join(args)}: {done.stderr.strip()[-200:]}")
    return done.stdout.strip()


def merge_base_with_main() -> str:
    """The commit HEAD branched from main (local main, else origin/main): the default baseline ref."""
    for main in ("main", "origin/main"):
        try:
            return git("merge-base", "HEAD", main)
        except IcountError:
            continue
    raise IcountError("no branch main or origin/main to take the merge base with")


def is_unity_build(m: dict) -> bool:
    """Whether measurement `m`'s binary came from a unity build (hot_path_icount's version line says so)."""
    return "unity-build" in m.get("build", "").split()


def build_ref_binary(ref: str, work_dir: Path, unity: bool = False) -> Path:
    """hot_path_icount built from git `ref` (a detached worktree under `work_dir`, Release, only that target;
    a unity build when `unity`, as the candidate's was); kept per commit and kind under work_dir, so a second run
    reuses it. IcountError when any step fails."""
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    build = work_dir / f"build-{sha[:12]}{'-unity' if unity else ''}"
    binary = build / "bench" / "icount" / "hot_path_icount"
    if binary.is_file():
        return binary
    src = work_dir / f"src-{sha[:12]}"
    if src.exists():
        git("worktree", "remove", "--force", str(src))
    git("worktree", "add", "--detach", str(src), sha)
    try:
        for cmd in (["cmake", "-S", str(src), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     "-DSLOWIO_BUILD_TESTS=OFF", "-DSLOWIO_BUILD_MICRO=OFF", "-DSLOWIO_WITH_DOTNET=OFF",
                     f"-DCMAKE_UNITY_BUILD={'ON' if unity else 'OFF'}", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=0"]
                    + (["-G", "Ninja"] if shutil.which("ninja") else []),
                    ["cmake", "--build", str(build), "--target", "hot_path_icount", "-j", "2"]):
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
            if done.returncode != 0:
                raise IcountError(f"building {ref} ({sha[:12]}) failed: {(done.stdout + done.stderr).strip()[-300:]}")
    finally:
        git("worktree", "remove", "--force", str(src))
    return binary


def baseline_from_binary(binary: Path, base: dict) -> dict:
    """The measurement of `binary` (unplanted) as a baseline, with the committed thresholds."""
    m = measure(binary, False)
    return {**m, **{k: base[k] for k in ("instructions_threshold", "allocations_threshold") if k in base}}


def choose_baseline(args, m: dict, committed: dict, build_ref=build_ref_binary, measure_ref=baseline_from_binary,
                    default_ref=merge_base_with_main) -> tuple[dict, str]:
    """(baseline, what it is) for candidate measurement `m`: see the module doc. IcountError when a ref was
    needed and could not be built or measured; the committed baseline, not comparable, when no ref exists."""
    if args.plant_allocation:
        return measure_ref(args.binary, committed), "the same binary without the plant, measured now"
    if args.baseline_ref:
        ref = args.baseline_ref
    elif all(m[k] == committed.get(k) for k in ("build", "cpu")):
        return committed, f"the committed baseline {args.baseline}"
    else:
        try:
            ref = default_ref()
        except IcountError as e:
            return committed, f"the committed baseline {args.baseline} (no ref to build in its place: {e})"
    binary = build_ref(ref, args.work_dir or args.binary.resolve().parents[2] / "icount-baseline",
                       is_unity_build(m))
    return measure_ref(binary, committed), f"{ref} built and measured now"


def write_baseline(path: Path, m: dict) -> None:
    """Writes measurement `m` as the new committed baseline, keeping the thresholds and description."""
    old = json.loads(path.read_text()) if path.is_file() else {}
    new = {"description": old.get("description", "Baseline of scripts/check_icount.py: per-request cost of "
                                  "bench/icount/hot_path_icount, measured with callgrind; only comparable for "
                                  "the same build (compiler, flags)."),
           "instructions_threshold": old.get("instructions_threshold", 0.005),
           "allocations_threshold": old.get("allocations_threshold", 0.5),
           **{k: m[k] for k in ("build", "cpu", "instructions_per_request", "allocations_per_request")}}
    path.write_text(json.dumps(new, indent=2) + "\n")
    print(f"check_icount.py: baseline written to {path}: {m['instructions_per_request']:,.1f} "
          f"instructions, {m['allocations_per_request']:.1f} allocations per request ({m['build']})")


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module doc for exit codes."""
    ap = OneLineParser(description="Instructions and allocations per request of core's hot path vs a baseline.")
    ap.add_argument("--binary", type=Path, default=DEFAULT_BUILD_DIR / "bench" / "icount" / "hot_path_icount")
    ap.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    ap.add_argument("--baseline-ref", help="build hot_path_icount at this git ref and judge against it")
    ap.add_argument("--work-dir", type=Path, help="where --baseline-ref builds (default: <build dir>/icount-baseline)")
    ap.add_argument("--plant-allocation", action="store_true", help="one extra allocation per request (must FAIL)")
    ap.add_argument("--expect", choices=("pass", "fail"), default="pass")
    ap.add_argument("--update", action="store_true", help="write this measurement as the new baseline")
    args = ap.parse_args(argv)
    if not args.binary.is_file():
        print(f"check_icount.py: {args.binary} not found (build the release preset)", file=sys.stderr)
        return 2
    if args.update and args.plant_allocation:
        ap.error("--update with --plant-allocation would bless the regression")
    try:
        m = measure(args.binary, args.plant_allocation)
        if args.update:
            write_baseline(args.baseline, m)
            return 0
        committed = json.loads(args.baseline.read_text())
        base, what = choose_baseline(args, m, committed)
    except (OSError, json.JSONDecodeError) as e:
        print(f"check_icount.py: cannot read baseline {args.baseline}: {e}", file=sys.stderr)
        return 2
    except IcountError as e:
        print(f"check_icount.py: INCONCLUSIVE: {e}", file=sys.stderr)
        return 2
    verdict, rows = judge(m, base)
    print(text_table([("metric", "baseline", "measured", "limit", "verdict")] + rows))
    print(f"\nicount gate: {verdict}{' (planted: one extra allocation per request)' if args.plant_allocation else ''}"
          f" - {m['build']}, callgrind over {N1} and {N2} requests; baseline: {what}")
    if verdict == "NOT COMPARABLE":
        print("the baseline was measured with another build or CPU; re-baseline on this one with --update")
    if args.expect == "fail":
        print("expected FAIL and got it: the gate catches the regression" if verdict == "FAIL"
              else f"expected FAIL, got {verdict}: the gate did NOT catch the regression")
        return 0 if verdict == "FAIL" else (EXIT[verdict] if verdict != "PASS" else 1)
    return EXIT[verdict]


if __name__ == "__main__":
    sys.exit(main())
