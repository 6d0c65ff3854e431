"""The regression gate's baseline comparison: this run against a previous gate run, point by point.

Samples. A point's samples are its steady-phase time series (``timeseries/<point>.csv``: one row per loadgen
interval, 250 ms by default, with ``t_s, phase, rps, p50_us, p99_us``), cut into consecutive blocks of
``block_s`` (1 s: round(block_s / interval) rows; a last, shorter block is dropped). A closed loop at
L = 100 ms completes in waves, so one 250 ms interval holds 2 or 3 of them (80 or 120 req/s at C = 10): that
alternation would be noise to the test, and a block of 10 L holds the same number of waves every time. Per
block: throughput = the mean of its intervals' rps (completions / block time), p99 = the largest of its
intervals' p99 (an upper bound on the block's p99: each interval has 99% of its responses at or below its own
p99, so the union has 99% at or below the largest; an interval with no response, p99 0, has none). One
repetition of the quick grid's 8 s window gives 8 samples per point and metric.

Repetitions. A run directory holds its first repetition at its top (summary.csv, timeseries/, as without
repetitions) and repetition K >= 2 under ``rep-K/`` (the same layout). A point's samples are pooled over every
repetition whose summary.csv row says the point was measured (status ok or drain_expired), in the baseline as
in the current run, so a baseline recorded with ``--repetitions 3`` holds 24 samples per point.

Verdicts, per point and metric (thresholds in bench/regression.json's ``baseline`` object). The effect is the
relative difference of the medians, signed so that > 0 is worse (throughput: (base - current) / base; p99:
(current - base) / base); the test is a two-sided Mann-Whitney U test (slowio.stats) at ``alpha``:
  * PASS: |effect| <= the threshold (significant or not: a change too small to matter), or significant and
    better;
  * FAIL: significant and worse by more than the threshold;
  * INCONCLUSIVE: |effect| above the threshold but not significant (too few or too noisy samples), or the point
    is missing from either run or has no samples.
The deadlock demo (expect "deadlock") has no steady throughput and is not compared.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import InputError
from .gate import FAIL, INCONCLUSIVE, PASS, Check, GateError
from .loadgen import read_timeseries
from .rows import measured, read_summary
from .stats import mann_whitney_u, median, relative_change

DEFAULT_INTERVAL_S = 0.25  # loadgen's --scrape-interval default: the time series' row period
REP_RE = re.compile(r"^rep-(\d+)$")


@dataclass
class Samples:
    """A point's pooled block samples over the repetitions of one run."""

    throughput_rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    repetitions: int = 0        # repetitions that contributed (the point measured there)
    skipped: list[str] = field(default_factory=list)  # "repetition 2: crash", ... (not measured there)


def repetition_dirs(run_dir: Path) -> list[Path]:
    """The run's repetitions in order: the run directory itself (repetition 1), then rep-2/, rep-3/, ..."""
    reps = sorted(((int(m.group(1)), d) for d in Path(run_dir).iterdir()
                   if d.is_dir() and (m := REP_RE.match(d.name)) and int(m.group(1)) >= 2),
                  key=lambda t: t[0]) if Path(run_dir).is_dir() else []
    return [Path(run_dir)] + [d for _, d in reps]


def interval_s(rows: list[dict[str, Any]]) -> float:
    """The time series' row period: the median step of t_s (loadgen's default when there is no step)."""
    ts = [r["t_s"] for r in rows if r.get("t_s") is not None]
    steps = [b - a for a, b in zip(ts, ts[1:]) if b > a]
    return statistics.median(steps) if steps else DEFAULT_INTERVAL_S


def block_rows(rows: list[dict[str, Any]], block_s: float) -> int:
    """How many consecutive rows make one block of about block_s seconds (at least 1)."""
    return max(1, round(block_s / interval_s(rows)))


def steady_blocks(rows: list[dict[str, Any]], block_s: float) -> tuple[list[float], list[float]]:
    """(throughput samples in req/s, p99 samples in ms): one per whole block of the steady-phase rows."""
    k = block_rows(rows, block_s)
    steady = [r for r in rows if r.get("phase") == "steady" and r.get("rps") is not None]
    tput: list[float] = []
    p99: list[float] = []
    for i in range(0, len(steady) - k + 1, k):  # whole blocks only: a partial one would be wave-quantised
        block = steady[i:i + k]
        tput.append(sum(r["rps"] for r in block) / k)
        answered = [r["p99_us"] for r in block if (r.get("p99_us") or 0) > 0]
        if answered:
            p99.append(max(answered) / 1000.0)
    return tput, p99


def _summary_rows(rep_dir: Path) -> dict[str, dict[str, Any]]:
    """A repetition's summary rows by point id ({} when it has no readable summary.csv: a killed run)."""
    try:
        return {str(r.get("point")): r for r in read_summary(rep_dir / "summary.csv")}
    except InputError:
        return {}


def _repetitions(run_dir: Path) -> list[tuple[Path, dict[str, dict[str, Any]]]]:
    """Each repetition's directory with its summary rows, read once per run (not once per point)."""
    return [(rep, _summary_rows(rep)) for rep in repetition_dirs(run_dir)]


def point_samples(reps: list[tuple[Path, dict[str, dict[str, Any]]]], point: str, block_s: float) -> Samples:
    """The point's samples pooled over the run's repetitions (``_repetitions``) where it was measured."""
    out = Samples()
    for n, (rep, rows) in enumerate(reps, start=1):
        row = rows.get(point)
        if row is None:
            continue
        if not measured(row):
            out.skipped.append(f"repetition {n}: {row.get('status')}")
            continue
        tput, p99 = steady_blocks(read_timeseries(rep / "timeseries" / f"{point}.csv"), block_s)
        if not tput:
            out.skipped.append(f"repetition {n}: no steady time series")
            continue
        out.throughput_rps += tput
        out.p99_ms += p99
        out.repetitions += 1
    return out


def judge(base: list[float], cur: list[float], higher_is_better: bool, threshold: float,
          alpha: float) -> tuple[str, float, float | None]:
    """(verdict, worse_effect, p) for one metric by the module doc's rules; worse_effect > 0 is worse
    (p None: a side without samples, INCONCLUSIVE)."""
    if not base or not cur:
        return INCONCLUSIVE, 0.0, None
    change = relative_change(median(base), median(cur))
    worse = -change if higher_is_better else change
    p = mann_whitney_u(cur, base).p_value
    if abs(worse) <= threshold:
        return PASS, worse, p  # too small to matter, significant or not
    if p >= alpha:
        return INCONCLUSIVE, worse, p  # a large effect the samples cannot tell from noise
    return (FAIL if worse > 0 else PASS), worse, p


METRICS = (  # (metric name, Samples attribute, unit, higher is better, threshold key, what "worse" is)
    ("throughput vs baseline", "throughput_rps", "req/s", True, "throughput_rel", "drop"),
    ("p99 vs baseline", "p99_ms", "ms", False, "p99_rel", "rise"),
)


def _fmt(v: float) -> str:
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.3g}"


def compare_point(point: str, base_point: str, base: Samples, cur: Samples, cfg: dict[str, float]) -> list[Check]:
    """The two verdicts (throughput, p99) of one point present in both runs."""
    out = []
    alpha = cfg["alpha"]
    for metric, attr, unit, higher, key, worse_word in METRICS:
        b, c = getattr(base, attr), getattr(cur, attr)
        expected = f"{worse_word} <= {cfg[key] * 100:g}% (U test, alpha {alpha:g})"
        verdict, worse, p = judge(b, c, higher, cfg[key], alpha)
        if p is None:
            side = "baseline" if not b else "current run"
            skipped = (base.skipped if not b else cur.skipped)
            what_measured = f"no samples in the {side}" + (f" ({', '.join(skipped)})" if skipped else "")
        else:
            change = relative_change(median(b), median(c))
            pct = "inf" if change in (float("inf"), float("-inf")) else f"{change * 100:+.1f}%"
            what_measured = (f"{_fmt(median(b))} -> {_fmt(median(c))} {unit} ({pct}), p={p:.2g}, "
                             f"n={len(b)}/{len(c)}")
            if verdict == INCONCLUSIVE:
                what_measured += " - not significant"
        if base_point != point:
            what_measured += f" [baseline point {base_point}]"
        out.append(Check(point, metric, expected, what_measured, verdict))
    return out


def _compared_points(reps: list[tuple[Path, dict[str, dict[str, Any]]]]) -> list[str]:
    """The point ids of a run's first repetition that have a steady phase (not the deadlock demo)."""
    return [p for p, r in (reps[0][1] if reps else {}).items() if r.get("expect") != "deadlock"]


def compare_runs(current_dir: Path, baseline_dir: Path, cfg: dict[str, float],
                 point_map: dict[str, str] | None = None) -> list[Check]:
    """Every point of the current run against the same point of the baseline (``point_map``: current id ->
    baseline id where they differ, e.g. the planted series' ids), then the baseline points the current run
    lacks. Raises GateError (one line, exit 2) when the baseline is not a run directory with a summary.csv."""
    baseline_dir = Path(baseline_dir)
    try:
        read_summary(baseline_dir / "summary.csv")
    except InputError as e:
        raise GateError(f"--baseline {baseline_dir}: not a gate run directory ({e})") from None
    point_map = point_map or {}
    base_reps, cur_reps = _repetitions(baseline_dir), _repetitions(Path(current_dir))
    base_points = _compared_points(base_reps)
    out: list[Check] = []
    matched: set[str] = set()
    for point in _compared_points(cur_reps):
        base_point = point_map.get(point, point)
        if base_point not in base_points:
            for metric, *_ in METRICS:
                out.append(Check(point, metric, "point in the baseline", "not in the baseline", INCONCLUSIVE))
            continue
        matched.add(base_point)
        out += compare_point(point, base_point, point_samples(base_reps, base_point, cfg["block_s"]),
                             point_samples(cur_reps, point, cfg["block_s"]), cfg)
    for base_point in base_points:
        if base_point not in matched:
            for metric, *_ in METRICS:
                out.append(Check(base_point, metric, "point in the current run", "not in the current run",
                                   INCONCLUSIVE))
    return out
