#!/usr/bin/env python3
"""CI regression gate: run the time-dilated quick grid and check Little's-law quantities against thresholds.

What is checked and how (thresholds in bench/regression.json): slowio.gate. The grid is run by the same runner
as sweep.py (slowio.run), into results/<run-id>/ with regression.txt and regression.json (the verdict table).
Exit code: 1 if any check FAILs, else 2 if any is INCONCLUSIVE (or bad flags / thresholds), else 0.

Modes:
  check_regression.py [--build-dir build/release]      run the quick grid, then check it
  check_regression.py --from-csv results/X/summary.csv check an existing summary (fixture tests)
  check_regression.py --plant-regression               run server_async --antipattern blocking-store where async
                                                       is expected (judged against the async bound): must FAIL
  --expect fail                                        exit 0 only if the verdict is FAIL (for ctest)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError  # noqa: E402  (the package next to this script)
from slowio.cli import REPO_ROOT, OneLineParser, add_binary_flags, hms  # noqa: E402
from slowio.gate import (EXIT, FAIL, INCONCLUSIVE, PASS, Check, GateError, evaluate, format_table,  # noqa: E402
                         load_thresholds, overall, plant_regression)
from slowio.grid import expand_points, load_grid  # noqa: E402
from slowio.point import Binaries, pinning_plan  # noqa: E402
from slowio.run import estimate_seconds, run_grid  # noqa: E402
from slowio.summary import read_summary  # noqa: E402


def run_gate(args: argparse.Namespace, thresholds: dict[str, Any]) -> tuple[list[dict[str, Any]], Path | None]:
    """Runs the gate's grid with the sweep's runner; returns (summary rows, run_dir), ([], None) when binaries
    are missing."""
    grid_path = Path(args.grid or (REPO_ROOT / thresholds.get("grid", "bench/grid_quick.json")))
    try:
        grid = load_grid(grid_path)
    except InputError as e:
        raise GateError(str(e)) from None
    if args.plant_regression:
        grid = plant_regression(grid)
    points = expand_points(grid)
    binaries = Binaries.from_build_dir(args.build_dir, server_sync=args.server_sync,
                                       server_async=args.server_async, loadgen=args.loadgen)
    missing = binaries.missing(points)
    if missing:
        print(f"check_regression: missing binaries: {', '.join(missing)}", file=sys.stderr)
        return [], None
    pin = pinning_plan(args.no_pin)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_id = args.run_id or f"{stamp}-gate{'-planted' if args.plant_regression else ''}"
    run_dir = Path(args.results_dir) / run_id
    est = sum(estimate_seconds(p) for p in points)
    print(f"check_regression: grid '{grid.name}'{' (PLANTED REGRESSION)' if args.plant_regression else ''}, "
          f"{len(points)} points, ~{hms(est)}; {pin.message}", file=sys.stderr, flush=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    run_grid(grid, points, run_dir, run_id, binaries, pin, args.build_dir, log=log)
    # judge what was written, exactly as --from-csv would
    return read_summary(run_dir / "summary.csv"), run_dir


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    ap = OneLineParser(description="CI regression gate: Little's-law checks on the quick grid.")
    ap.add_argument("--thresholds", type=Path, default=REPO_ROOT / "bench" / "regression.json",
                    help="default: bench/regression.json")
    ap.add_argument("--from-csv", type=Path, help="check this summary.csv instead of running the grid")
    ap.add_argument("--grid", type=Path, help="grid to run (default: the one named in the thresholds file)")
    add_binary_flags(ap)
    ap.add_argument("--run-id", help="run directory name (default: <UTC timestamp>-gate[-planted])")
    ap.add_argument("--plant-regression", action="store_true",
                    help="run server_async --antipattern blocking-store where async is expected (must FAIL)")
    ap.add_argument("--expect", choices=("pass", "fail"), default="pass",
                    help="exit 0 when the verdict is this (default pass; 'fail' for the planted-regression test)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server/loadgen to cores")
    return ap.parse_args(argv)


def _rows(args: argparse.Namespace, thresholds: dict[str, Any]) -> tuple[list[dict[str, Any]], Path | None]:
    """The rows to judge: from --from-csv, or from a live run of the grid."""
    if not args.from_csv:
        return run_gate(args, thresholds)
    if args.plant_regression:
        raise GateError("--plant-regression needs a live run, not --from-csv")
    try:
        return read_summary(args.from_csv), None
    except InputError as e:
        raise GateError(str(e)) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module doc for exit codes."""
    args = parse_args(argv)
    try:
        thresholds = load_thresholds(args.thresholds)
        rows, run_dir = _rows(args, thresholds)
    except GateError as e:
        print(f"check_regression.py: {e}", file=sys.stderr)
        return 2
    checks = evaluate(rows, thresholds) if (rows or args.from_csv) else [
        Check("(run)", "setup", "binaries built", "missing (see above)", INCONCLUSIVE)]
    verdict = overall(checks)
    table = format_table(checks)
    print(table)
    print(f"\nregression gate: {verdict}"
          + (" (planted regression)" if args.plant_regression else "")
          + f" - {sum(c.verdict == FAIL for c in checks)} failed, "
            f"{sum(c.verdict == INCONCLUSIVE for c in checks)} inconclusive, "
            f"{sum(c.verdict == PASS for c in checks)} passed")
    if run_dir is not None:
        (run_dir / "regression.txt").write_text(table + f"\n\nverdict: {verdict}\n")
        (run_dir / "regression.json").write_text(json.dumps(
            {"verdict": verdict, "planted": args.plant_regression,
             "checks": [c.__dict__ for c in checks]}, indent=2) + "\n")
        print(f"results: {run_dir}")
    if args.expect == "fail":
        if verdict == FAIL:
            print("expected FAIL and got it: the gate catches the regression")
            return 0
        print(f"expected FAIL, got {verdict}: the gate did NOT catch the regression")
        return 2 if verdict == INCONCLUSIVE else 1
    return EXIT[verdict]


if __name__ == "__main__":
    sys.exit(main())
