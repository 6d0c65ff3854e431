"""A burst, analysed over time: goodput before, during and after a step of load, and how long recovery took.

A burst point (scenario "burst", loadgen --stages) holds a few connections, then many, then a few again; its
window is the whole run. From its time series (loadgen's per-interval ``goodput_rps``: 2xx-3xx completing in
the interval, which arrive within the client timeout by definition), in units of the store latency L:

  * burst: the first step with the peak target; it needs a step before it and one after it;
  * before: mean goodput over the last BEFORE_L x L before the burst (clipped to the run's start);
  * during: mean goodput over the burst minus its first client timeout (by then every request the burst queued
    past the timeout has timed out: what is left is what the server keeps delivering);
  * after: mean goodput over the last AFTER_L x L of the run;
  * recovery: from the burst's end to the first interval boundary t from which goodput is back at
    RECOVERED_FRACTION of before and holds for HOLD_L x L: goodput's mean over the SMOOTH_L x L from every
    boundary in [t, t + HOLD_L x L] is at least that: t - end. None ("not recovered") when no such t fits in
    the run; not judged (recovered None) without a level before.

A window takes the intervals that lie inside it (a row's interval is (t_s - interval, t_s]); rows past the
run's end (the drain) never count. Goodput is smoothed over SMOOTH_L x L because a closed loop completes in
waves every L (at L = 200 ms a 250 ms interval holds one or two of them); it must hold at every boundary of the
hold, not on average, so the responses of the burst's own connections arriving at its end (a one-interval
spike) cannot pass for a recovery. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .grid import Stage

BEFORE_L = 10.0             # before: the last 10 L before the burst
AFTER_L = 25.0              # after: the last 25 L of the run
HOLD_L = 5.0                # recovered: held for 5 L
SMOOTH_L = 5.0              # recovered: goodput's mean over 5 L (five waves of a closed loop)
RECOVERED_FRACTION = 0.9    # recovered: goodput at least 90% of before
GOODPUT = "goodput_rps"
EPS = 1e-6
STAGE_RE = re.compile(r"^([0-9.]+)(ms|s):(\d+)$")


@dataclass
class BurstFigures:
    """What one burst point's time series says (req/s; seconds from the burst's end)."""

    start_s: float               # the burst step's start and end (from the run's start)
    end_s: float
    before_rps: float | None
    during_rps: float | None
    after_rps: float | None
    recovered: bool | None       # None: not judged (no goodput before the burst)
    recovery_s: float | None     # None when not recovered (or not judged)


def parse_stages(text: str) -> list[Stage]:
    """grid.stages_text read back ('5000ms:5,5s:500'); [] for an empty or malformed text."""
    out = []
    for item in (text or "").split(","):
        m = STAGE_RE.match(item.strip())
        if not m:
            return []
        out.append(Stage(float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0), int(m.group(3))))
    return out


def burst_step(stages: list[Stage]) -> tuple[float, float, float] | None:
    """(start, end, run end) of the burst: the first step with the peak target, with a step before and after
    it; None for any other shape."""
    if len(stages) < 3:
        return None
    peak = max(st.target for st in stages)
    i = next(k for k, st in enumerate(stages) if st.target == peak)
    if i == 0 or i == len(stages) - 1:
        return None
    start = sum(st.duration_s for st in stages[:i])
    return start, start + stages[i].duration_s, sum(st.duration_s for st in stages)


def interval_s(ts: list[dict[str, Any]]) -> float:
    """The sampling interval of a time series (the smallest step of t_s; 0.25 s when it cannot tell)."""
    t = [r["t_s"] for r in ts if r.get("t_s") is not None]
    return min((b - a for a, b in zip(t, t[1:]) if b > a), default=0.25)


def mean_goodput(ts: list[dict[str, Any]], a: float, b: float, iv: float | None = None) -> float | None:
    """Mean goodput_rps of the intervals inside [a, b]; None when none is."""
    iv = interval_s(ts) if iv is None else iv
    vals = [r[GOODPUT] for r in ts if r.get(GOODPUT) is not None and r.get("t_s") is not None
            and r["t_s"] - iv >= a - EPS and r["t_s"] <= b + EPS]
    return sum(vals) / len(vals) if vals else None


def recovery_s(ts: list[dict[str, Any]], end_s: float, run_end_s: float, level: float, hold_s: float,
               smooth_s: float) -> float | None:
    """Seconds from end_s to the first interval boundary t such that goodput's mean over smooth_s from every
    boundary in [t, t + hold_s] is at least ``level`` (all inside run_end_s); None when there is none."""
    iv = interval_s(ts)
    steps = int(round(hold_s / iv))
    ok: list[bool] = []  # ok[k]: the smoothed goodput from end_s + k x iv reaches the level
    k = 0
    while end_s + k * iv + smooth_s <= run_end_s + EPS:
        m = mean_goodput(ts, end_s + k * iv, end_s + k * iv + smooth_s, iv)
        ok.append(m is not None and m >= level - EPS)
        k += 1
    for start in range(len(ok) - steps):
        if all(ok[start:start + steps + 1]):
            return start * iv
    return None


def analyse(ts: list[dict[str, Any]] | None, stages: list[Stage], latency_ms: float,
            timeout_s: float) -> BurstFigures | None:
    """The burst figures of a point's time series (module doc); None without a burst shape or goodput data."""
    step = burst_step(stages)
    if step is None or not ts or not any(r.get(GOODPUT) is not None for r in ts):
        return None
    start, end, run_end = step
    l_s = latency_ms / 1000.0
    before = mean_goodput(ts, max(0.0, start - BEFORE_L * l_s), start)
    during = mean_goodput(ts, start + timeout_s, end) if start + timeout_s < end else None
    after = mean_goodput(ts, max(end, run_end - AFTER_L * l_s), run_end)
    if not before:
        return BurstFigures(start, end, before, during, after, None, None)
    rec = recovery_s(ts, end, run_end, RECOVERED_FRACTION * before, HOLD_L * l_s, SMOOTH_L * l_s)
    return BurstFigures(start, end, before, during, after, rec is not None, rec)
