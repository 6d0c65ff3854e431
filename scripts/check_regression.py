#!/usr/bin/env python3
"""CI regression gate: run the time-dilated quick grid and check Little's-law quantities against thresholds.

What is checked and how (thresholds in bench/regression.json): slowio.gate. The grid is run by the same runner
as sweep.py (slowio.run), into results/<run-id>/ with regression.txt and regression.json (the verdict table).
Exit code: 1 if any check FAILs, else 2 if any is INCONCLUSIVE (or bad flags / thresholds), else 0.

Modes:
  check_regression.py [--build-dir build/release]      run the quick grid, then check it
  check_regression.py --from-csv results/X/summary.csv check an existing summary (fixture tests)
  check_regression.py --plant-regression               run server_async --antipattern blocking-store where async
                                                       is expected (judged against the async bound): must FAIL;
                                                       only the planted series run, unless --baseline
  --target-cmd 'ARGV' --bound-model M [--target-threads N]
                                                       the same checks against your server: one command series
                                                       (slowio.grid's "server": "command") at the grid's
                                                       concurrency levels in place of the grid's series
  --baseline DIR [--repetitions N]                     also compare throughput and p99 per point with a previous
                                                       gate run (slowio.baseline); N runs of the grid, repetition
                                                       K >= 2 in results/<run-id>/rep-K/, samples pooled
  --junit FILE, --github-benchmark-bigger FILE, --github-benchmark-smaller FILE
                                                       the verdict table as JUnit XML; throughput and p99 per point
                                                       as github-action-benchmark's customBiggerIsBetter /
                                                       customSmallerIsBetter JSON
  --expect fail                                        exit 0 only if the verdict is FAIL (for ctest)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError  # noqa: E402  (the package next to this script)
from slowio.cli import REPO_ROOT, OneLineParser, add_binary_flags, hms  # noqa: E402
from slowio.baseline import compare_runs, repetition_dirs  # noqa: E402
from slowio.gate import (EXIT, FAIL, INCONCLUSIVE, PASS, TARGET_MODELS, Check, GateError, benchmark_entries,  # noqa: E402
                         evaluate, fold_repetition, format_table, junit_xml, load_thresholds, overall,
                         plant_regression, point_id_map, target_grid)
from slowio.grid import Grid, expand_points, load_grid  # noqa: E402
from slowio.point import Binaries, pinning_plan  # noqa: E402
from slowio.rows import read_summary  # noqa: E402
from slowio.run import estimate_seconds, run_grid  # noqa: E402


@dataclass
class GateRun:
    """What a gate run judges: the summary rows of each repetition (the first is run_dir/summary.csv), where
    they were written (None for missing binaries), and the planted points' baseline ids."""

    repetitions: list[list[dict[str, Any]]]
    run_dir: Path | None
    point_map: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The first repetition's rows: what the Little's-law checks judge."""
        return self.repetitions[0] if self.repetitions else []


def gate_grid(args: argparse.Namespace, thresholds: dict[str, Any]) -> tuple[Grid, dict[str, str]]:
    """The grid to run (the thresholds' quick grid, --target-cmd's series in place of its own, or planted) and
    {planted point id: original id} for the baseline comparison."""
    grid_path = Path(args.grid or (REPO_ROOT / thresholds.get("grid", "bench/grid_quick.json")))
    try:
        grid = load_grid(grid_path)
    except InputError as e:
        raise GateError(str(e)) from None
    if args.target_cmd:
        return target_grid(grid, args.target_cmd, args.bound_model, args.target_threads, args.target_label), {}
    if args.plant_regression and not args.baseline:
        return plant_regression(grid, planted_only=True), {}
    if args.plant_regression:
        planted = plant_regression(grid)
        return planted, point_id_map(expand_points(grid), expand_points(planted))
    return grid, {}


def run_gate(args: argparse.Namespace, thresholds: dict[str, Any]) -> GateRun:
    """Runs the gate's grid --repetitions times with the sweep's runner (repetition 1 into results/<run-id>/,
    repetition K into results/<run-id>/rep-K/); returns what to judge (no repetitions when binaries are
    missing)."""
    grid, point_map = gate_grid(args, thresholds)
    points = expand_points(grid)
    binaries = Binaries.from_build_dir(args.build_dir, server_sync=args.server_sync,
                                       server_async=args.server_async, loadgen=args.loadgen)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    tag = "-planted" if args.plant_regression else "-target" if args.target_cmd else ""
    run_id = args.run_id or f"{stamp}-gate{tag}"
    run_dir = Path(args.results_dir) / run_id
    if args.baseline and run_dir.resolve() == Path(args.baseline).resolve():
        raise GateError(f"--baseline {args.baseline} is this run's own directory (pick another --run-id)")
    missing = binaries.missing(points)
    if missing:
        print(f"check_regression: missing binaries: {', '.join(missing)}", file=sys.stderr)
        return GateRun([], None)
    pin = pinning_plan(args.no_pin)
    est = sum(estimate_seconds(p) for p in points) * args.repetitions
    what = " (PLANTED REGRESSION)" if args.plant_regression else " (--target-cmd)" if args.target_cmd else ""
    reps = f" x {args.repetitions} repetitions" if args.repetitions > 1 else ""
    print(f"check_regression: grid '{grid.name}'{what}, {len(points)} points{reps}, ~{hms(est)}; {pin.message}",
          file=sys.stderr, flush=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    for stale in repetition_dirs(run_dir)[1:]:
        # an earlier run under this run id left more repetitions: their samples would be pooled with this run's
        log(f"check_regression: removing {stale} (left by an earlier run with this --run-id)")
        shutil.rmtree(stale)
    repetitions = []
    for k in range(1, args.repetitions + 1):
        # repetition 1 at the top, so the run directory is a plain run (and a baseline) with or without them
        rep_dir, rep_id = (run_dir, run_id) if k == 1 else (run_dir / f"rep-{k}", f"{run_id}-rep{k}")
        if args.repetitions > 1:
            log(f"check_regression: repetition {k}/{args.repetitions} -> {rep_dir}")
        run_grid(grid, points, rep_dir, rep_id, binaries, pin, args.build_dir, log=log)
        # judge what was written, exactly as --from-csv would
        repetitions.append(read_summary(rep_dir / "summary.csv"))
    return GateRun(repetitions, run_dir, point_map)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    ap = OneLineParser(description="CI regression gate: Little's-law checks on the quick grid, optionally "
                                   "against your own server and a previous run.")
    ap.add_argument("--thresholds", type=Path, default=REPO_ROOT / "bench" / "regression.json",
                    help="default: bench/regression.json")
    ap.add_argument("--from-csv", type=Path, help="check this summary.csv instead of running the grid")
    ap.add_argument("--grid", type=Path, help="grid to run (default: the one named in the thresholds file)")
    add_binary_flags(ap)
    ap.add_argument("--run-id", help="run directory name (default: <UTC timestamp>-gate[-planted|-target])")
    ap.add_argument("--plant-regression", action="store_true",
                    help="run server_async --antipattern blocking-store where async is expected (must FAIL)")
    ap.add_argument("--expect", choices=("pass", "fail"), default="pass",
                    help="exit 0 when the verdict is this (default pass; 'fail' for the planted-regression test)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server/loadgen to cores")
    t = ap.add_argument_group("your own server")
    t.add_argument("--target-cmd", metavar="'ARGV TEMPLATE'",
                   help="run the grid's checks against this server instead of ours: an argv template with "
                        "{port} (required) and optionally {latency_ms} {threads} {users} {max_connections} "
                        "{build_dir} {source_dir} {name=default}")
    t.add_argument("--bound-model", choices=TARGET_MODELS,
                   help="the capacity model --target-cmd is judged by (required with it)")
    t.add_argument("--target-threads", type=int, metavar="N",
                   help="the target's capacity: sync N threads, blocking K, elastic the pool's minimum "
                        "(0: the runtime's default); fills {threads}")
    t.add_argument("--target-label", default="target",
                   help="the target series' label (part of its point ids; default: target)")
    b = ap.add_argument_group("baseline comparison")
    b.add_argument("--baseline", type=Path, metavar="DIR",
                   help="compare throughput and p99 per point with this previous gate run (results/<run-id>/)")
    b.add_argument("--repetitions", type=int, default=1, metavar="N",
                   help="run the grid N times and pool the samples (repetition K >= 2 in <run-dir>/rep-K/)")
    o = ap.add_argument_group("outputs for CI")
    o.add_argument("--junit", type=Path, metavar="FILE", help="write the verdict table as JUnit XML")
    o.add_argument("--github-benchmark-bigger", type=Path, metavar="FILE",
                   help="write github-action-benchmark customBiggerIsBetter JSON (throughput per point)")
    o.add_argument("--github-benchmark-smaller", type=Path, metavar="FILE",
                   help="write github-action-benchmark customSmallerIsBetter JSON (p99 in ms per point)")
    return ap.parse_args(argv)


def check_flags(args: argparse.Namespace) -> None:
    """Flag combinations argparse cannot express; GateError (one line, exit 2) before anything runs."""
    if args.target_cmd is None and (args.bound_model or args.target_threads is not None):
        raise GateError("--bound-model and --target-threads apply to --target-cmd only")
    if args.target_cmd is not None:
        if not args.bound_model:
            raise GateError(f"--target-cmd needs --bound-model ({'|'.join(TARGET_MODELS)}): the capacity model "
                            "the target is judged by")
        if args.plant_regression or args.from_csv:
            raise GateError("--target-cmd runs the grid against your server: not with --plant-regression or "
                            "--from-csv")
    if args.repetitions < 1:
        raise GateError("--repetitions must be >= 1")
    if args.from_csv and args.repetitions > 1:
        raise GateError("--repetitions needs a live run, not --from-csv")
    if args.from_csv and args.plant_regression:
        raise GateError("--plant-regression needs a live run, not --from-csv")
    if args.baseline is not None:
        if not (args.baseline / "summary.csv").is_file():
            raise GateError(f"--baseline {args.baseline}: not a gate run directory (no summary.csv)")
        if args.from_csv and args.from_csv.name != "summary.csv":
            raise GateError("--baseline with --from-csv needs RUN_DIR/summary.csv (its time series are in "
                            "RUN_DIR/timeseries/)")


def _run(args: argparse.Namespace, thresholds: dict[str, Any]) -> GateRun:
    """What to judge: --from-csv's summary (its directory is the run), or a live run of the grid."""
    if not args.from_csv:
        return run_gate(args, thresholds)
    try:
        return GateRun([read_summary(args.from_csv)], args.from_csv.parent)
    except InputError as e:
        raise GateError(str(e)) from None


def all_checks(args: argparse.Namespace, thresholds: dict[str, Any], run: GateRun) -> list[Check]:
    """The verdict table: the Little's-law checks of repetition 1, what later repetitions found, and the
    comparison with --baseline."""
    if not run.repetitions and not args.from_csv:
        return [Check("(run)", "setup", "binaries built", "missing (see above)", INCONCLUSIVE)]
    checks = evaluate(run.rows, thresholds)
    for k, rows in enumerate(run.repetitions[1:], start=2):
        checks += fold_repetition(evaluate(rows, thresholds), k)
    if args.baseline is not None and run.run_dir is not None:
        checks += compare_runs(run.run_dir, args.baseline, thresholds["baseline"], run.point_map)
    return checks


def write_outputs(args: argparse.Namespace, run: GateRun, checks: list[Check], verdict: str, table: str) -> None:
    """regression.txt / regression.json in the run directory, and the CI files the flags ask for."""
    if run.run_dir is not None and not args.from_csv:
        (run.run_dir / "regression.txt").write_text(table + f"\n\nverdict: {verdict}\n")
        (run.run_dir / "regression.json").write_text(json.dumps(
            {"verdict": verdict, "planted": args.plant_regression, "target_cmd": args.target_cmd,
             "bound_model": args.bound_model, "repetitions": len(run.repetitions),
             "baseline": None if args.baseline is None else str(args.baseline),
             "checks": [c.__dict__ for c in checks]}, indent=2) + "\n")
        print(f"results: {run.run_dir}")
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(checks))
    for which, path in (("bigger", args.github_benchmark_bigger), ("smaller", args.github_benchmark_smaller)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(benchmark_entries(run.repetitions, which), indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module doc for exit codes."""
    args = parse_args(argv)
    try:
        check_flags(args)
        thresholds = load_thresholds(args.thresholds)
        run = _run(args, thresholds)
        checks = all_checks(args, thresholds, run)
    except GateError as e:
        print(f"check_regression.py: {e}", file=sys.stderr)
        return 2
    verdict = overall(checks)
    table = format_table(checks)
    print(table)
    print(f"\nregression gate: {verdict}"
          + (" (planted regression)" if args.plant_regression else "")
          + f" - {sum(c.verdict == FAIL for c in checks)} failed, "
            f"{sum(c.verdict == INCONCLUSIVE for c in checks)} inconclusive, "
            f"{sum(c.verdict == PASS for c in checks)} passed")
    write_outputs(args, run, checks, verdict, table)
    if args.expect == "fail":
        if verdict == FAIL:
            print("expected FAIL and got it: the gate catches the regression")
            return 0
        print(f"expected FAIL, got {verdict}: the gate did NOT catch the regression")
        return 2 if verdict == INCONCLUSIVE else 1
    return EXIT[verdict]


if __name__ == "__main__":
    sys.exit(main())
