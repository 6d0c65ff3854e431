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

Also here: the grid variants the gate runs (``plant_regression``; ``target_grid``: the user's server as one
command series at the grid's concurrency levels), the thresholds file's ``baseline`` object (slowio.baseline
compares with a previous run and returns Checks of this module), and the table's CI forms: ``junit_xml`` and
``benchmark_entries`` (github-action-benchmark's custom JSON).
"""

from __future__ import annotations

import copy
import statistics
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import InputError, read_json
from .cli import text_table
from .grid import Grid, Point, make_series
from .rows import ERROR_COLUMNS, measured

PASS, FAIL, INCONCLUSIVE, INFO = "PASS", "FAIL", "INCONCLUSIVE", "INFO"
EXIT = {PASS: 0, FAIL: 1, INCONCLUSIVE: 2}
SETUP_STATUSES = {"start_failed", "loadgen_failed"}
# The load ran to the end and only the server's exit was wrong: the point fails, its numbers are still checked.
SHUTDOWN_STATUSES = {"shutdown_timeout", "drain_expired"}


# The --baseline comparison (slowio.baseline): significance level, block length of a sample, and the relative
# change of the medians that matters (throughput drop, p99 rise).
BASELINE_DEFAULTS = {"alpha": 0.01, "block_s": 1.0, "throughput_rel": 0.05, "p99_rel": 0.10}


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
    t["baseline"] = _baseline_config(t.get("baseline"), path)
    return t


def _baseline_config(raw: Any, path: Path) -> dict[str, float]:
    """The ``baseline`` object (the --baseline comparison's alpha, block length and effect thresholds) with its
    defaults; GateError when a value is missing its range (0 < alpha < 1, block_s > 0, thresholds >= 0)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GateError(f"thresholds {path}: 'baseline' must be an object")
    unknown = sorted(set(raw) - set(BASELINE_DEFAULTS) - {"description"})
    if unknown:
        raise GateError(f"thresholds {path}: unknown key(s) in 'baseline': {', '.join(unknown)}")
    cfg: dict[str, float] = {}
    for key, default in BASELINE_DEFAULTS.items():
        v = raw.get(key, default)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise GateError(f"thresholds {path}: baseline.{key} must be a number")
        cfg[key] = float(v)
    if not (0.0 < cfg["alpha"] < 1.0 and cfg["block_s"] > 0 and cfg["throughput_rel"] >= 0
            and cfg["p99_rel"] >= 0):
        raise GateError(f"thresholds {path}: baseline needs 0 < alpha < 1, block_s > 0, "
                        "throughput_rel >= 0 and p99_rel >= 0")
    return cfg


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


def plant_regression(grid: Grid, planted_only: bool = False) -> Grid:
    """The grid with server_async --antipattern blocking-store put where plain async is expected.

    The planted series keep the async capacity model (bound C / L), so the gate judges them as async. With
    ``planted_only`` the other series are left out (without a baseline they would only repeat the A/A run; a
    baseline comparison keeps them, to map each planted point to its original by position), and so are the
    planted series' levels C <= K, where blocking and awaiting serve alike.
    """
    g = copy.deepcopy(grid)
    planted = []
    for s in g.series:
        if s.server == "async" and s.antipattern == "none" and s.expect == "ok":
            s.extra_server_args = list(s.extra_server_args) + ["--antipattern", "blocking-store"]
            s.bound_model = "async"
            s.label += " [planted: blocking-store]"
            planted.append(s)
    if not planted:
        raise GateError("--plant-regression: the grid has no plain async series to plant into")
    if planted_only:
        # Only the levels where the plant can show: with C <= K, K blocked threads serve C requests as fast as
        # awaiting does, and such a point would pass.
        for s in planted:
            s.concurrency = [c for c in s.concurrency if c > s.threads] or s.concurrency
        g.series = planted
    return g


TARGET_MODELS = ("sync", "async", "blocking", "elastic")  # grid.FORCED_BOUND_MODELS: what --bound-model takes
# The series fields a --target-cmd series takes from the gate's grid: the same timing and load as our servers.
TARGET_FIELDS = ("latency_ms", "warmup_s", "warmup_per_1k_conns_s", "window_s", "timeout_s", "users",
                 "max_connections", "loadgen_threads", "path")


def target_grid(grid: Grid, command: str, model: str, threads: int | None, label: str = "target") -> Grid:
    """The gate's grid with its series replaced by one command series (``command``, an argv template with
    {port} ...) at every concurrency level of the grid's normally-running series, with their timing; the
    deadlock demo is dropped (a foreign server has no --antipattern to plant it with).

    ``model`` is the capacity model the target is judged by (TARGET_MODELS); ``threads`` its capacity where
    the model needs one: sync N (worker threads), blocking K (blocked I/O threads), elastic the pool's minimum
    (0: the runtime's default, one per usable core); with async it only fills {threads} (default 1).
    GateError (one line) for a bad template or a missing capacity.
    """
    if model not in TARGET_MODELS:
        raise GateError(f"--bound-model must be one of {', '.join(TARGET_MODELS)}")
    if model in ("sync", "blocking", "elastic") and threads is None:
        what = {"sync": "N, its worker threads", "blocking": "K, its blocked I/O threads",
                "elastic": "its pool's minimum of threads, 0 = the runtime's default"}[model]
        raise GateError(f"--bound-model {model} needs --target-threads ({what})")
    if threads is not None and (threads < 0 or (threads == 0 and model != "elastic")):
        raise GateError("--target-threads must be >= 1 (0 only with --bound-model elastic: the runtime's default)")
    normal = [s for s in grid.series if s.expect == "ok" and not s.classes]
    if not normal:
        raise GateError(f"grid '{grid.name}' has no normally-running series to take concurrency levels from")
    levels = sorted({int(c) for s in normal for c in s.concurrency})
    fields_ = {k: getattr(normal[0], k) for k in TARGET_FIELDS}
    fields_.update(server="command", command=command, label=label, bound_model=model, concurrency=levels,
                   threads=max(1, threads or 1))
    if model == "elastic":
        fields_["min_threads"] = threads
    try:
        series = make_series(fields_, "--target-cmd")
    except InputError as e:
        raise GateError(str(e)) from None
    return Grid(name=f"{grid.name}-target", description=f"{grid.name} grid's levels and timing against "
                f"--target-cmd {command!r} (bound model {model})", series=[series])


def point_id_map(original: list[Point], changed: list[Point]) -> dict[str, str]:
    """{changed point id: original point id} for a grid changed in place (plant_regression keeps every point
    in its order; only the planted series' ids change, as their extra server flags are part of the id), so
    a planted run is compared with the baseline's unplanted points."""
    if len(original) != len(changed):
        return {}
    return {c.id: o.id for o, c in zip(original, changed) if o.id != c.id}


def fold_repetition(checks: list[Check], rep: int) -> list[Check]:
    """A later repetition's checks for the table: one PASS line when all pass, else the lines that do not,
    their point prefixed rep-K/ (so nothing a repetition found is lost and the table stays short)."""
    bad = [c for c in checks if c.verdict not in (PASS, INFO)]
    if not bad:
        return [Check(f"rep-{rep}", "Little's-law checks", "all pass", f"{len(checks)} checks passed", PASS)]
    return [Check(f"rep-{rep}/{c.point}", c.metric, c.expected, c.measured, c.verdict) for c in bad]


def junit_xml(checks: list[Check], suite: str = "regression-gate") -> str:
    """The checks as JUnit XML: one testsuite, one testcase per check (classname = point, name = metric).

    FAIL is a <failure>; INCONCLUSIVE an <error> (never a pass, and not a <skipped>, which CI shows as
    benign); PASS and INFO pass. Every testcase carries "VERDICT: expected ..., measured ..." as system-out.
    """
    n_fail = sum(c.verdict == FAIL for c in checks)
    n_err = sum(c.verdict == INCONCLUSIVE for c in checks)
    counts = {"tests": str(len(checks)), "failures": str(n_fail), "errors": str(n_err), "skipped": "0"}
    root = ET.Element("testsuites", {"name": suite, **{k: v for k, v in counts.items() if k != "skipped"}})
    ts = ET.SubElement(root, "testsuite", {"name": suite, **counts})
    for c in checks:
        tc = ET.SubElement(ts, "testcase", {"classname": c.point, "name": c.metric})
        msg = f"expected {c.expected}, measured {c.measured}"
        if c.verdict == FAIL:
            ET.SubElement(tc, "failure", {"message": msg, "type": FAIL}).text = msg
        elif c.verdict == INCONCLUSIVE:
            ET.SubElement(tc, "error", {"message": msg, "type": INCONCLUSIVE}).text = \
                f"inconclusive (never a pass): {msg}"
        ET.SubElement(tc, "system-out").text = f"{c.verdict}: {msg}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# github-action-benchmark's custom tools: (summary column, name suffix, unit) per direction.
BENCHMARK_METRICS = {"bigger": ("throughput_rps", "throughput", "req/s"), "smaller": ("p99_ms", "p99", "ms")}


def benchmark_entries(repetitions: list[list[dict[str, Any]]], which: str) -> list[dict[str, Any]]:
    """github-action-benchmark's custom JSON (a list of {"name", "unit", "value", "range"?, "extra"}) for
    ``which`` = "bigger" (customBiggerIsBetter: throughput in req/s per point) or "smaller"
    (customSmallerIsBetter: p99 in ms per point). ``repetitions``: the summary rows of each repetition; the
    value is the median over the repetitions where the point was measured, ``range`` (two or more) is
    +- half their spread. Points that were not measured, and the deadlock demo, have no entry."""
    column, suffix, unit = BENCHMARK_METRICS[which]
    by_point: dict[str, list[float]] = {}
    first: dict[str, dict[str, Any]] = {}
    for rows in repetitions:
        for r in rows:
            point, v = str(r.get("point") or ""), r.get(column)
            if not point or r.get("expect") == "deadlock" or not measured(r) or v is None:
                continue
            by_point.setdefault(point, []).append(float(v))
            first.setdefault(point, r)
    out = []
    for point, values in by_point.items():
        r = first[point]
        entry: dict[str, Any] = {"name": f"{point} {suffix}", "unit": unit,
                                 "value": round(statistics.median(values), 4)}
        if len(values) > 1:
            entry["range"] = f"± {(max(values) - min(values)) / 2:.4g}"
        entry["extra"] = (f"{r.get('label')}, C={_num(r.get('concurrency'), '{:.0f}')}, "
                          f"L={_num(r.get('latency_ms'), '{:.0f}')} ms, bound {r.get('bound_model') or '-'}, "
                          f"{len(values)} repetition(s)")
        out.append(entry)
    return out
