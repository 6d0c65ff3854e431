""".NET's thread pool against our model of it: the pairs of a run and how close the model came.

A grid pairs two series by giving both the same ``"pair"`` name (summary.csv's ``pair`` column): the command
series is ".NET" (ASP.NET Core run as a target), the other is "our model" (server_sync's elastic pool). For
each pair name and concurrency present in both, two questions, each with a target fixed here so the report and
the plot judge alike:

  * threads: at every MARK_EVERY_S mark of the load, is the model's ``threadpool_threads`` within
    max(THREADS_ABS, THREADS_REL x .NET's) of .NET's? (A pool that grows by single threads cannot be asked
    for less than a couple of threads; 20% keeps the target meaningful once the pool is large.)
  * throughput: are the two steady-window throughputs within THROUGHPUT_REL of each other?

The threads come from each point's time series (timeseries/<point>.csv, loadgen's ``--timeseries``), the
throughput from the summary rows. Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import dotnetcounters
from .loadgen import TS_PREFIX, read_timeseries
from .rows import measured

THREADS_ABS, THREADS_REL = 2.0, 0.2
THROUGHPUT_REL = 0.05
MARK_EVERY_S = 5.0
THREADS_COLUMN = TS_PREFIX + "threadpool_threads"


@dataclass
class Pair:
    """The two rows of one pair at one concurrency (and repetition): ``net`` the command row (.NET), ``model``
    ours."""

    name: str
    concurrency: int
    net: dict[str, Any]
    model: dict[str, Any]
    repetition: int = 1


def repetition(row: dict[str, Any]) -> int:
    """A row's repetition (1 for runs from before the column, and for a series that is not repeated)."""
    return int(row.get("repetition") or 1)


def find_pairs(rows: list[dict[str, Any]]) -> list[Pair]:
    """Every (pair name, C, repetition) that has both a command row and one of ours, in the order the pairs
    first appear."""
    out: list[Pair] = []
    seen: set[tuple[str, int, int]] = set()
    for r in rows:
        name = r.get("pair") or ""
        if not name or r.get("concurrency") is None:
            continue
        key = (name, int(r["concurrency"]), repetition(r))
        if key in seen:
            continue
        same = [x for x in rows if x.get("pair") == name and x.get("concurrency") == r["concurrency"]
                and repetition(x) == key[2]]
        net = [x for x in same if x.get("server") == "command"]
        model = [x for x in same if x.get("server") != "command"]
        if net and model:
            seen.add(key)
            out.append(Pair(name, key[1], net[0], model[0], key[2]))
    return out


def thread_tolerance(net_threads: float) -> float:
    """How far the model's thread count may be from .NET's: max(2, 20% of .NET's)."""
    return max(THREADS_ABS, THREADS_REL * net_threads)


def thread_curve(run_dir: Path, row: dict[str, Any]) -> list[tuple[float, float]]:
    """(t_s, threadpool_threads) samples of a row's time series; [] when it has none."""
    ts = read_timeseries(Path(run_dir) / "timeseries" / f"{row['point']}.csv")
    return [(x["t_s"], x[THREADS_COLUMN]) for x in ts
            if x.get("t_s") is not None and x.get(THREADS_COLUMN) is not None]


def value_at(curve: list[tuple[float, float]], t: float) -> float | None:
    """The sample nearest to t, if it is no farther than one sampling interval; else None."""
    if not curve:
        return None
    dt = min((b[0] - a[0] for a, b in zip(curve, curve[1:]) if b[0] > a[0]), default=1.0)
    near = min(curve, key=lambda p: abs(p[0] - t))
    return near[1] if abs(near[0] - t) <= dt + 1e-9 else None


def mark_times(row: dict[str, Any]) -> list[float]:
    """Every MARK_EVERY_S mark from the first to the end of the load (warm-up + window)."""
    end = (row.get("warmup_s") or 0.0) + (row.get("window_s") or 0.0)
    return [k * MARK_EVERY_S for k in range(1, int(math.floor(end / MARK_EVERY_S + 1e-9)) + 1)]


@dataclass
class Mark:
    """Both thread counts at one mark (None: no sample there)."""

    t_s: float
    net: float | None
    model: float | None

    @property
    def diff(self) -> float | None:
        """model − .NET."""
        return None if self.net is None or self.model is None else self.model - self.net

    @property
    def tolerance(self) -> float | None:
        return None if self.net is None else thread_tolerance(self.net)

    @property
    def within(self) -> bool | None:
        """Whether the model is within the target (None: a count is missing)."""
        return None if self.diff is None else abs(self.diff) <= self.tolerance + 1e-9


def curve_marks(net_row: dict[str, Any], net: list[tuple[float, float]],
                model: list[tuple[float, float]]) -> list[Mark]:
    """Both thread counts at every mark of net_row's load, from the two thread curves."""
    return [Mark(t, value_at(net, t), value_at(model, t)) for t in mark_times(net_row)]


def thread_marks(pair: Pair, run_dir: Path) -> list[Mark]:
    """Both thread counts at every mark of the .NET row's load."""
    return curve_marks(pair.net, thread_curve(run_dir, pair.net), thread_curve(run_dir, pair.model))


@dataclass
class ThreadVerdict:
    """How many marks met the thread target, and the worst one (largest |difference| / tolerance)."""

    met: int
    judged: int     # marks with both counts
    missing: int    # marks where a count is missing
    worst: Mark | None


def thread_verdict(marks: list[Mark]) -> ThreadVerdict:
    """The thread target over the marks."""
    judged = [m for m in marks if m.within is not None]
    worst = max(judged, key=lambda m: abs(m.diff) / m.tolerance, default=None)
    return ThreadVerdict(sum(1 for m in judged if m.within), len(judged), len(marks) - len(judged), worst)


def throughput(row: dict[str, Any]) -> float | None:
    """A row's steady-window throughput (req/s): the throughput column, else ok responses / window."""
    if not measured(row):
        return None
    if row.get("throughput_rps") is not None:
        return row["throughput_rps"]
    if row.get("ok") is not None and row.get("window_s"):
        return row["ok"] / row["window_s"]
    return None


@dataclass
class ThroughputVerdict:
    """Both throughputs over the window and their relative difference ((model − .NET) / .NET)."""

    net: float | None
    model: float | None
    window_s: float | None

    @property
    def rel_diff(self) -> float | None:
        if self.net is None or self.model is None:
            return None
        if self.net <= 0:  # .NET completed nothing: equal only if the model did not either
            return 0.0 if self.model <= 0 else math.inf
        return (self.model - self.net) / self.net

    @property
    def within(self) -> bool | None:
        """Within THROUGHPUT_REL of each other (None: a throughput is missing)."""
        return None if self.rel_diff is None else abs(self.rel_diff) <= THROUGHPUT_REL + 1e-12


def throughput_verdict(pair: Pair) -> ThroughputVerdict:
    """The two throughputs of a pair."""
    return ThroughputVerdict(throughput(pair.net), throughput(pair.model), pair.net.get("window_s"))


# ---------------------------------------------------------------------------------------------------------------
# .NET's own counters (dotnet-counters, slowio.dotnetcounters) against the target's /metrics
# ---------------------------------------------------------------------------------------------------------------

COUNTERS_COLUMN = "dn_threadpool_threads"


@dataclass
class CountersCheck:
    """The .NET point's thread count as dotnet-counters read it against its /metrics, at every mark with both;
    and what the runtime's Meter publishes (slowio.dotnetcounters.meter_verdict), or why nothing was read."""

    marks: list[tuple[float, float, float]]  # (t_s, /metrics, dotnet-counters)
    meter: str | None
    missing: str | None

    @property
    def largest(self) -> tuple[float, float] | None:
        """(|difference|, t_s) of the largest disagreement; None without marks."""
        return max(((abs(m - c), t) for t, m, c in self.marks), default=None)


def counters_check(pair: Pair, run_dir: Path) -> CountersCheck:
    """dotnet-counters' threadpool-thread-count against the .NET point's threadpool_threads at every mark."""
    run_dir = Path(run_dir)
    ts = read_timeseries(run_dir / "timeseries" / f"{pair.net['point']}.csv")
    counted = [(x["t_s"], x[COUNTERS_COLUMN]) for x in ts
               if x.get("t_s") is not None and x.get(COUNTERS_COLUMN) is not None]
    meter_csv = run_dir / "logs" / f"{pair.net['point']}.dotnet-counters-meter.csv"
    meter = (dotnetcounters.meter_verdict(dotnetcounters.read_csv(meter_csv.read_text()))
             if meter_csv.exists() else None)
    if not counted:
        detail = str(pair.net.get("detail") or "")
        why = next((part.strip() for part in detail.split(";") if "dotnet-counters" in part),
                   "no dotnet-counters columns in its time series")
        return CountersCheck([], meter, why)
    own = thread_curve(run_dir, pair.net)
    marks = [(t, value_at(own, t), value_at(counted, t)) for t in mark_times(pair.net)]
    return CountersCheck([(t, m, c) for t, m, c in marks if m is not None and c is not None], meter, None)
