"""The regression gate's checks: Little's-law quantities of a summary.csv against bench/regression.json.

Only quantities that do not depend on CPU speed are checked:
  * efficiency = throughput / (min(C, capacity) / L) of every point expected to run normally, by the rule of
    its ``bound_model`` column (rules.<model>: efficiency_min .. efficiency_max; a model without a rule is INFO);
  * errors (connect, read, write, timeout, 4xx, 5xx, 503) <= errors_max where none are expected;
  * a clean exit after SIGTERM: server exit code 0 (exit 5, status drain_expired, means in-flight requests
    were lost);
  * the deadlock demo (server_async --antipattern sync-over-async, K = 1, --deadlock-exit) ends in "deadlock".

Verdicts: PASS, FAIL, INCONCLUSIVE (setup failure: binary missing, server did not start, loadgen failed; too few
samples: bound x window below min_expected_samples; or no bound model). Inconclusive never passes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import InputError, read_json
from .cli import text_table
from .grid import Grid
from .summary import ERROR_COLUMNS

PASS, FAIL, INCONCLUSIVE, INFO = "PASS", "FAIL", "INCONCLUSIVE", "INFO"
EXIT = {PASS: 0, FAIL: 1, INCONCLUSIVE: 2}
SETUP_STATUSES = {"start_failed", "loadgen_failed"}
# The load ran to the end and only the server's exit was wrong: the point fails, its numbers are still checked.
SHUTDOWN_STATUSES = {"shutdown_timeout", "drain_expired"}


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
        t = read_json(path, "thresholds")
    except InputError as e:
        raise GateError(str(e)) from None
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


def _num(v: Any, fmt: str = "{:.3f}") -> str:
    return "-" if v is None else fmt.format(v)


def _check_deadlock(pt: str, r: dict[str, Any], want: str) -> Check:
    status, detail = str(r.get("status") or ""), str(r.get("detail") or "")
    v = PASS if status == want else INCONCLUSIVE if status in SETUP_STATUSES else FAIL
    return Check(pt, "deadlock detected", f"status {want} (exit 4)",
                 f"status {status}" + (f" ({detail})" if detail and v != PASS else ""), v)


def _check_efficiency(pt: str, r: dict[str, Any], rules: dict[str, Any], min_samples: float) -> Check:
    model = str(r.get("bound_model") or "")
    if not model:  # a summary without the column (or a row without a model) cannot be judged
        return Check(pt, "efficiency", "bound_model known", "no bound_model", INCONCLUSIVE)
    name = f"efficiency ({model})"
    rule = rules.get(model)
    bound, window, eff = r.get("bound_rps"), r.get("window_s"), r.get("efficiency")
    if rule is None:
        return Check(pt, name, "(no rule)", _num(eff), INFO)
    if bound is None or window is None:
        return Check(pt, name, "bound known", "no bound", INCONCLUSIVE)
    if bound * window < min_samples:
        return Check(pt, name, f">= {min_samples:.0f} expected samples", f"{bound * window:.0f} (too few samples)",
                     INCONCLUSIVE)
    if eff is None:
        return Check(pt, name, "measured", "no throughput", INCONCLUSIVE)
    lo = float(rule.get("efficiency_min", 0.0))
    hi = float(rule.get("efficiency_max", float("inf")))
    exp = f">= {lo:.2f}" if hi == float("inf") else f"{lo:.2f} .. {hi:.2f}"
    meas = f"{eff:.3f} ({_num(r.get('throughput_rps'), '{:.1f}')} / {bound:.1f} req/s)"
    return Check(pt, name, exp, meas, PASS if lo <= eff <= hi else FAIL)


def _check_errors(pt: str, r: dict[str, Any], emax: float) -> Check:
    errs = r.get("errors_total")
    if errs is None:
        return Check(pt, "errors", f"<= {emax}", "-", INCONCLUSIVE)
    parts = [f"{c[7:]}={int(r[c])}" for c in ERROR_COLUMNS if r.get(c)]
    meas = f"{int(errs)}" + (f" ({', '.join(parts)})" if parts else "")
    return Check(pt, "errors", f"<= {emax}", meas, PASS if errs <= emax else FAIL)


def evaluate(rows: list[dict[str, Any]], thresholds: dict[str, Any]) -> list[Check]:
    """The verdict table for the rows of a summary.csv."""
    rules = thresholds["rules"]
    if not rows:
        return [Check("(run)", "points measured", ">= 1", "0", INCONCLUSIVE)]
    checks: list[Check] = []
    for r in rows:
        pt = str(r.get("point") or r.get("label") or "?")
        status = str(r.get("status") or "")
        if r.get("expect") == "deadlock":
            checks.append(_check_deadlock(pt, r, rules["deadlock_status"]))
            continue
        if status != "ok":
            run_failed = f"{status}: {r.get('detail') or ''}"[:90]
            checks.append(Check(pt, "run", "status ok", run_failed,
                                INCONCLUSIVE if status in SETUP_STATUSES else FAIL))
            if status not in SHUTDOWN_STATUSES:
                continue  # setup failure, crash, hang, unexpected deadlock: no numbers worth checking
        checks.append(_check_efficiency(pt, r, rules, float(thresholds["min_expected_samples"])))
        code = r.get("server_exit_code")
        checks.append(Check(pt, "exit code after SIGTERM", "0 (drained)", _num(code, "{:.0f}"),
                            PASS if code == 0 else FAIL))
        checks.append(_check_errors(pt, r, rules["errors_max"]))
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
    return text_table([head] + [(c.point, c.metric, c.expected, c.measured, c.verdict) for c in checks])


def plant_regression(grid: Grid) -> Grid:
    """The grid with server_async --antipattern blocking-store put where plain async is expected.

    The planted series keep the async capacity model (bound C / L), so the gate judges them as async.
    """
    g = copy.deepcopy(grid)
    planted = 0
    for s in g.series:
        if s.server == "async" and s.antipattern == "none" and s.expect == "ok":
            s.extra_server_args = list(s.extra_server_args) + ["--antipattern", "blocking-store"]
            s.bound_model = "async"
            s.label += " [planted: blocking-store]"
            planted += 1
    if not planted:
        raise GateError("--plant-regression: the grid has no plain async series to plant into")
    return g
