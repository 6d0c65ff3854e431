#!/usr/bin/env python3
"""CI regression gate: run the time-dilated quick grid and check Little's-law quantities against thresholds.

What is checked (thresholds in bench/regression.json) - only quantities that do not depend on CPU speed:
  * efficiency = throughput / (min(C, capacity) / L) of every point expected to run normally:
      async (capacity C)          >= efficiency_min (0.95), <= efficiency_max;
      sync  (capacity N)          within [0.95, 1.05] (throughput = min(C, N) / L);
  * errors (connect, read, write, timeout, 4xx, 5xx, 503) == errors_max (0) where none are expected;
  * the deadlock demo (server_async --antipattern sync-over-async, K = 1, --deadlock-exit) ends in "deadlock".

Verdicts: PASS, FAIL, INCONCLUSIVE (setup failure: binary missing, server did not start, loadgen failed; or too
few samples: bound x window below min_expected_samples). Exit code: 1 if any check FAILs, else 2 if any is
INCONCLUSIVE, else 0. Inconclusive never passes.

Modes:
  check_regression.py [--build-dir build/release]      run the quick grid, then check it
  check_regression.py --from-csv results/X/summary.csv check an existing summary (fixture tests)
  check_regression.py --plant-regression               run server_async --antipattern blocking-store where async
                                                       is expected (judged against the async bound): must FAIL
  --expect fail                                        exit 0 only if the verdict is FAIL (for ctest)
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep  # noqa: E402  (same directory)

REPO_ROOT = sweep.REPO_ROOT
DEFAULT_THRESHOLDS = REPO_ROOT / "bench" / "regression.json"

PASS, FAIL, INCONCLUSIVE, INFO = "PASS", "FAIL", "INCONCLUSIVE", "INFO"
SETUP_STATUSES = {"start_failed", "loadgen_failed"}
SHUTDOWN_STATUSES = {"shutdown_timeout"}
EXIT = {PASS: 0, FAIL: 1, INCONCLUSIVE: 2}


class GateError(Exception):
    """Bad thresholds file or flags: one line, exit 2."""


@dataclass
class Check:
    """One line of the verdict table."""

    point: str
    metric: str
    expected: str
    measured: str
    verdict: str


def load_thresholds(path: Path) -> dict[str, Any]:
    """Reads and validates bench/regression.json."""
    try:
        t = json.loads(Path(path).read_text())
    except OSError as e:
        raise GateError(f"cannot read thresholds {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise GateError(f"thresholds {path}: invalid JSON at line {e.lineno}: {e.msg}") from None
    rules = t.get("rules") if isinstance(t, dict) else None
    if not isinstance(rules, dict):
        raise GateError(f"thresholds {path}: needs a 'rules' object")
    for model in ("async", "sync"):
        r = rules.get(model)
        if not isinstance(r, dict) or not isinstance(r.get("efficiency_min"), (int, float)):
            raise GateError(f"thresholds {path}: rules.{model}.efficiency_min must be a number")
    t.setdefault("min_expected_samples", 30)
    rules.setdefault("errors_max", 0)
    rules.setdefault("deadlock_status", "deadlock")
    return t


def _model_of(row: dict[str, Any]) -> str:
    """The bound model a summary row was judged with (mirrors sweep.bound_model, from the row's columns)."""
    basis = str(row.get("capacity_basis") or "")
    if basis == "N":
        return "sync"
    if basis == "C":
        return "async"
    if basis.startswith("K (blocking"):
        return "blocking"
    if "threads" in basis or "heuristic" in basis:
        return "elastic"
    if basis.startswith("deadlock") or basis.startswith("K-1"):
        return "deadlock"
    return "sync" if row.get("server") == "sync" else "async"


def _num(v: Any, fmt: str = "{:.3f}") -> str:
    return "-" if v is None else fmt.format(v)


def evaluate(rows: list[dict[str, Any]], thresholds: dict[str, Any]) -> list[Check]:
    """The verdict table for the rows of a summary.csv."""
    rules = thresholds["rules"]
    min_samples = float(thresholds["min_expected_samples"])
    checks: list[Check] = []
    if not rows:
        return [Check("(run)", "points measured", ">= 1", "0", INCONCLUSIVE)]
    for r in rows:
        pt = str(r.get("point") or r.get("label") or "?")
        status = str(r.get("status") or "")
        detail = str(r.get("detail") or "")
        if r.get("expect") == "deadlock":
            want = rules["deadlock_status"]
            if status == want:
                v = PASS
            elif status in SETUP_STATUSES:
                v = INCONCLUSIVE
            else:
                v = FAIL
            checks.append(Check(pt, "deadlock detected", f"status {want} (exit 4)",
                                f"status {status}" + (f" ({detail})" if detail and v != PASS else ""), v))
            continue
        # expected to run normally
        if status in SETUP_STATUSES:
            checks.append(Check(pt, "run", "status ok", f"{status}: {detail}"[:90], INCONCLUSIVE))
            continue
        if status != "ok":
            checks.append(Check(pt, "run", "status ok", f"{status}: {detail}"[:90], FAIL))
            if status not in SHUTDOWN_STATUSES:
                continue  # crash, hang, unexpected deadlock: no numbers worth checking
            # the load ran to the end; only the server's exit was wrong: its numbers are still checked
        model = _model_of(r)
        rule = rules.get(model)
        bound, window, eff = r.get("bound_rps"), r.get("window_s"), r.get("efficiency")
        if rule is None:
            checks.append(Check(pt, f"efficiency ({model})", "(no rule)", _num(eff), INFO))
        elif bound is None or window is None:
            checks.append(Check(pt, f"efficiency ({model})", "bound known", "no bound", INCONCLUSIVE))
        elif bound * window < min_samples:
            checks.append(Check(pt, f"efficiency ({model})", f">= {min_samples:.0f} expected samples",
                                f"{bound * window:.0f} (too few samples)", INCONCLUSIVE))
        elif eff is None:
            checks.append(Check(pt, f"efficiency ({model})", "measured", "no throughput", INCONCLUSIVE))
        else:
            lo = float(rule.get("efficiency_min", 0.0))
            hi = float(rule.get("efficiency_max", float("inf")))
            exp = f">= {lo:.2f}" if hi == float("inf") else f"{lo:.2f} .. {hi:.2f}"
            tput = r.get("throughput_rps")
            meas = f"{eff:.3f} ({_num(tput, '{:.1f}')} / {bound:.1f} req/s)"
            checks.append(Check(pt, f"efficiency ({model})", exp, meas, PASS if lo <= eff <= hi else FAIL))
        code = r.get("server_exit_code")
        if status == "ok":
            checks.append(Check(pt, "exit code after SIGTERM", "0 (drained)", _num(code, "{:.0f}"),
                                PASS if code == 0 else FAIL))
        errs = r.get("errors_total")
        emax = rules["errors_max"]
        if errs is None:
            checks.append(Check(pt, "errors", f"<= {emax}", "-", INCONCLUSIVE))
        else:
            parts = [f"{c[7:]}={int(r[c])}" for c in ("errors_connect", "errors_read", "errors_write",
                                                      "errors_timeout", "errors_4xx", "errors_5xx",
                                                      "errors_503") if r.get(c)]
            meas = f"{int(errs)}" + (f" ({', '.join(parts)})" if parts else "")
            checks.append(Check(pt, "errors", f"<= {emax}", meas, PASS if errs <= emax else FAIL))
    return checks


def overall(checks: list[Check]) -> str:
    """FAIL if any check failed, else INCONCLUSIVE if any was, else PASS."""
    verdicts = {c.verdict for c in checks}
    if FAIL in verdicts:
        return FAIL
    if INCONCLUSIVE in verdicts or not (verdicts - {INFO}):
        return INCONCLUSIVE
    return PASS


def format_table(checks: list[Check]) -> str:
    """A fixed-width table: point, metric, expected, measured, verdict."""
    head = ("point", "metric", "expected", "measured", "verdict")
    data = [head] + [(c.point, c.metric, c.expected, c.measured, c.verdict) for c in checks]
    widths = [max(len(row[i]) for row in data) for i in range(5)]
    lines = []
    for n, row in enumerate(data):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plant_regression(grid: dict[str, Any]) -> dict[str, Any]:
    """The grid with server_async --antipattern blocking-store put where plain async is expected.

    The planted series keep the async capacity model (bound C / L), so the gate judges them as async.
    """
    g = copy.deepcopy(grid)
    planted = 0
    for s in g["series"]:
        if s["server"] == "async" and s["antipattern"] == "none" and s["expect"] == "ok":
            s["extra_server_args"] = list(s["extra_server_args"]) + ["--antipattern", "blocking-store"]
            s["bound_model"] = "async"
            s["label"] += " [planted: blocking-store]"
            planted += 1
    if not planted:
        raise GateError("--plant-regression: the grid has no plain async series to plant into")
    return g


def run_gate(args: argparse.Namespace, thresholds: dict[str, Any]) -> tuple[list[dict[str, Any]], Path | None]:
    """Runs the quick grid with sweep.py's machinery; returns (rows, run_dir). Setup failures -> rows say so."""
    grid_path = Path(args.grid or (REPO_ROOT / thresholds.get("grid", "bench/grid_quick.json")))
    try:
        grid = sweep.load_grid(grid_path)
    except sweep.SweepError as e:
        raise GateError(str(e)) from None
    if args.plant_regression:
        grid = plant_regression(grid)
    points = sweep.expand_points(grid)
    binaries = sweep.Binaries.from_build_dir(args.build_dir, server_sync=args.server_sync,
                                             server_async=args.server_async, loadgen=args.loadgen)
    missing = binaries.missing(points)
    if missing:
        print(f"check_regression: missing binaries: {', '.join(missing)}", file=sys.stderr)
        return [], None
    srv_pin, lg_pin, pin_msg = sweep.pinning_plan(args.no_pin)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_id = args.run_id or f"{stamp}-gate{'-planted' if args.plant_regression else ''}"
    run_dir = Path(args.results_dir) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    est = sum(sweep.estimate_seconds(p) for p in points)
    print(f"check_regression: grid '{grid['name']}'{' (PLANTED REGRESSION)' if args.plant_regression else ''}, "
          f"{len(points)} points, ~{sweep._hms(est)}; {pin_msg}", file=sys.stderr, flush=True)
    machine = sweep.machine_info(args.build_dir, pin_msg)
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    (run_dir / "grid.json").write_text(json.dumps(grid, indent=2) + "\n")
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.monotonic()
    sweep.run_sweep(points, run_dir, binaries, (srv_pin, lg_pin), run_id, log=log)
    machine["sweep_wall_s"] = round(time.monotonic() - t0, 1)
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    return sweep.read_summary(run_dir / "summary.csv"), run_dir


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    ap = sweep.OneLineParser(description="CI regression gate: Little's-law checks on the quick grid.")
    ap.add_argument("--thresholds", type=Path, default=DEFAULT_THRESHOLDS, help="default: bench/regression.json")
    ap.add_argument("--from-csv", type=Path, help="check this summary.csv instead of running the grid")
    ap.add_argument("--grid", type=Path, help="grid to run (default: the one named in the thresholds file)")
    ap.add_argument("--build-dir", type=Path, default=sweep.DEFAULT_BUILD_DIR, help="default: build/release")
    ap.add_argument("--server-sync", help="path of server_sync (overrides --build-dir)")
    ap.add_argument("--server-async", help="path of server_async (overrides --build-dir)")
    ap.add_argument("--loadgen", help="path of loadgen (overrides --build-dir)")
    ap.add_argument("--results-dir", type=Path, default=sweep.DEFAULT_RESULTS, help="default: results/")
    ap.add_argument("--run-id", help="run directory name (default: <UTC timestamp>-gate[-planted])")
    ap.add_argument("--plant-regression", action="store_true",
                    help="run server_async --antipattern blocking-store where async is expected (must FAIL)")
    ap.add_argument("--expect", choices=("pass", "fail"), default="pass",
                    help="exit 0 when the verdict is this (default pass; 'fail' for the planted-regression test)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server/loadgen to cores")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module doc for exit codes."""
    args = parse_args(argv)
    try:
        thresholds = load_thresholds(args.thresholds)
        if args.from_csv:
            if args.plant_regression:
                raise GateError("--plant-regression needs a live run, not --from-csv")
            try:
                rows = sweep.read_summary(args.from_csv)
            except sweep.SweepError as e:
                raise GateError(str(e)) from None
            run_dir = None
        else:
            rows, run_dir = run_gate(args, thresholds)
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
