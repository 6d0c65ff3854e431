"""Our model of .NET's thread pool held against the runtime over a grid of scenarios (issue 29): the cells of a
repeated pair grid (bench/grid_dotnet_fidelity.json) and whether each meets the fidelity targets.

A cell is one pair name at one C (the grid names each pair after its scenario: mode, L, the server's cores); its
repetitions are that pair's runs at that C (the series' ``"repeat"``). Per repetition (slowio.pairs): at how many
MARK_EVERY_S marks the model's ``threadpool_threads`` is within max(2, 20% of .NET's), and both throughputs over
the window. Per cell: the median over repetitions of the marks met, the median of each side's throughput and the
median thread count at each mark; the cell meets the target when that median of marks met is at least
MARKS_SHARE_MIN of the marks and the two median throughputs are within THROUGHPUT_REL of each other. The medians
are over repetitions because .NET's hill climbing draws random sample intervals: one run of it is one draw.

The runtime against itself (runtime_cells, SelfCheck, agreement): two grids of .NET's own points, the second
standing in for the model, judged by the same rule. What share of the cells .NET's runs meet against .NET's runs is
what a model that behaved exactly as .NET would be expected to meet at the grid's repetitions: the verdict's
resolution.
``scripts/fidelity_self.py`` writes it to a result folder's SELF_CHECK_FILE, which the report reads beside the
model's verdict. ``agreement`` pools a cell's runs from several grids and gives how often two disjoint sets of k of
them meet the target against each other: what a grid of k repetitions can resolve; and, given our model's runs, how
often k of .NET's and k of ours do, to set beside it.

Standard library only.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import pairs as pairs_

MARKS_SHARE_MIN = 5.0 / 6.0  # threads within target at >= 5 of the 6 marks of a 30 s load
THROUGHPUT_REL = 0.15
CELLS_SHARE_TARGET = 0.8     # the model holds when >= 80% of the cells meet both targets
SELF_CHECK_FILE = "runtime_vs_runtime.json"


@dataclass
class Cell:
    """One scenario of the grid (pair name, C) over its repetitions."""

    name: str
    concurrency: int
    runs: list[pairs_.Pair]
    marks: list[list[pairs_.Mark]]  # per repetition

    @property
    def first(self) -> dict[str, Any]:
        """The model's first row: the cell's configuration (L, server cores, antipattern)."""
        return self.runs[0].model

    @property
    def met(self) -> list[int]:
        """Marks within the thread target, per repetition."""
        return [pairs_.thread_verdict(m).met for m in self.marks]

    @property
    def judged(self) -> int:
        """Marks judged in a repetition (the most any repetition had: a missing count is not a pass)."""
        return max((len(m) for m in self.marks), default=0)

    @property
    def median_met(self) -> float | None:
        return statistics.median(self.met) if self.met else None

    @property
    def threads_ok(self) -> bool | None:
        if self.median_met is None or not self.judged:
            return None
        return self.median_met >= MARKS_SHARE_MIN * self.judged - 1e-9

    def median_threads(self, who: str) -> list[float | None]:
        """The median over repetitions of ``who``'s ('net' or 'model') thread count at each mark."""
        out = []
        for i in range(self.judged):
            values = [getattr(m[i], who) for m in self.marks if i < len(m) and getattr(m[i], who) is not None]
            out.append(statistics.median(values) if values else None)
        return out

    def median_rps(self, who: str) -> float | None:
        values = [v for v in (pairs_.throughput(getattr(p, who)) for p in self.runs) if v is not None]
        return statistics.median(values) if values else None

    @property
    def rps_rel_diff(self) -> float | None:
        """(model − .NET) / .NET of the median throughputs."""
        net, model = self.median_rps("net"), self.median_rps("model")
        if net is None or model is None:
            return None
        if net <= 0:
            return 0.0 if model <= 0 else math.inf
        return (model - net) / net

    @property
    def throughput_ok(self) -> bool | None:
        rel = self.rps_rel_diff
        return None if rel is None else abs(rel) <= THROUGHPUT_REL + 1e-12

    @property
    def within(self) -> bool | None:
        """Both targets met (None: a target could not be judged)."""
        if self.threads_ok is None or self.throughput_ok is None:
            return None
        return self.threads_ok and self.throughput_ok


def find_cells(rows: list[dict[str, Any]], run_dir: Path) -> list[Cell]:
    """The repeated pairs of a run grouped into cells, in the order they first appear; [] when no pair of the
    run is repeated (a single-run pair grid is reported pair by pair instead)."""
    found = pairs_.find_pairs(rows)
    if not any(p.repetition > 1 for p in found):
        return []
    cells: dict[tuple[str, int], Cell] = {}
    for p in found:
        cell = cells.setdefault((p.name, p.concurrency), Cell(p.name, p.concurrency, [], []))
        cell.runs.append(p)
        cell.marks.append(pairs_.thread_marks(p, run_dir))
    return list(cells.values())


@dataclass
class Verdict:
    """How many cells met both targets, of those that could be judged."""

    met: int
    judged: int
    missed: list[Cell]
    unjudged: list[Cell]

    @property
    def share(self) -> float | None:
        return self.met / self.judged if self.judged else None

    @property
    def holds(self) -> bool | None:
        """Whether the model holds over the grid: >= CELLS_SHARE_TARGET of the judged cells within target."""
        return None if self.share is None else self.share >= CELLS_SHARE_TARGET - 1e-12


def verdict(cells: list[Cell]) -> Verdict:
    """The grid's verdict over its cells."""
    judged = [c for c in cells if c.within is not None]
    return Verdict(sum(1 for c in judged if c.within), len(judged), [c for c in judged if not c.within],
                   [c for c in cells if c.within is None])


Run = tuple[dict[str, Any], list[tuple[float, float]]]  # a .NET point's row and its thread curve


def side_runs(rows: list[dict[str, Any]], run_dir: Path, side: str = "net") -> dict[tuple[str, int], list[Run]]:
    """A run's points of one side ('net': .NET's, the command series; 'model': ours) by cell (pair name, C), in
    repetition order, each with its thread curve."""
    out: dict[tuple[str, int], list[Run]] = {}
    for r in sorted((r for r in rows if (r.get("server") == "command") == (side == "net") and r.get("pair")
                     and r.get("concurrency") is not None), key=pairs_.repetition):
        out.setdefault((r["pair"], int(r["concurrency"])), []).append((r, pairs_.thread_curve(run_dir, r)))
    return out


def pooled(grids: list[dict[tuple[str, int], list[Run]]]) -> dict[tuple[str, int], list[Run]]:
    """Several grids' runs of one side, pooled by cell."""
    out: dict[tuple[str, int], list[Run]] = {}
    for g in grids:
        for key, runs in g.items():
            out.setdefault(key, []).extend(runs)
    return out


def run_marks(a: Run, b: Run) -> list[pairs_.Mark]:
    """Both thread counts at every mark of a's load: a's run against b's."""
    return pairs_.curve_marks(a[0], a[1], b[1])


def cell_between(name: str, concurrency: int, a: list[Run], b: list[Run],
                 marks: Callable[[Run, Run], list[pairs_.Mark]] = run_marks) -> Cell:
    """The cell of a's runs against b's, the i-th against the i-th, b's standing in for the model (``marks``: how
    a pair of runs' marks are had, run_marks or a cache of it)."""
    cell = Cell(name, concurrency, [], [])
    for i, (ra, rb) in enumerate(zip(a, b)):
        cell.runs.append(pairs_.Pair(name, concurrency, ra[0], rb[0], i + 1))
        cell.marks.append(marks(ra, rb))
    return cell


def runtime_cells(rows_a: list[dict[str, Any]], dir_a: Path, rows_b: list[dict[str, Any]], dir_b: Path) -> list[Cell]:
    """The cells of two runs' .NET (command) points, run b's standing in for the model: each repetition of a's
    against the same repetition of b's, in a's order; cells that are not repeated in both runs are left out."""
    a, b = side_runs(rows_a, dir_a), side_runs(rows_b, dir_b)
    return [cell_between(k[0], k[1], runs, b[k]) for k, runs in a.items()
            if k in b and min(len(runs), len(b[k])) > 1]


def agreement(runs: list[Run], k: int, models: list[Run] | None = None) -> float | None:
    """The share of the ways to draw k of a cell's .NET runs and k others (the second set standing in for the
    model) whose cell meets the target (a draw that cannot be judged counts as not met): how often the runtime
    meets it against itself at k runs a cell. With ``models``, the second set is drawn from those (our model's
    runs) instead. None when there are too few runs."""
    if len(runs) < (k if models is not None else 2 * k) or (models is not None and len(models) < k):
        return None
    name, concurrency = runs[0][0]["pair"], int(runs[0][0]["concurrency"])
    cache: dict[tuple[int, int], list[pairs_.Mark]] = {}  # a pair of runs recurs in many draws

    def marks(a: Run, b: Run) -> list[pairs_.Mark]:
        key = (id(a), id(b))
        if key not in cache:
            cache[key] = run_marks(a, b)
        return cache[key]

    met = n = 0
    for first in itertools.combinations(range(len(runs)), k):
        if models is None:
            rest = [i for i in range(len(runs)) if i not in first]
            seconds = [[runs[i] for i in second] for second in itertools.combinations(rest, k)]
        else:
            seconds = [list(second) for second in itertools.combinations(models, k)]
        for second in seconds:
            n += 1
            met += bool(cell_between(name, concurrency, [runs[i] for i in first], second, marks).within)
    return met / n


@dataclass
class SelfCheck:
    """One pair of .NET's own grids judged by the rule the model is: which cells each met."""

    runs: tuple[str, str]
    within: dict[str, bool | None]  # cell_key(cell) -> within target

    @property
    def met(self) -> int:
        return sum(1 for v in self.within.values() if v)

    @property
    def judged(self) -> int:
        return sum(1 for v in self.within.values() if v is not None)


def cell_key(name: str, concurrency: int) -> str:
    """A cell's name in SELF_CHECK_FILE: its pair name and C."""
    return f"{name}, C = {concurrency}"


def self_check(runs: tuple[str, str], cells: list[Cell]) -> SelfCheck:
    """The verdicts of runtime_cells' cells, by cell_key."""
    return SelfCheck(runs, {cell_key(c.name, c.concurrency): c.within for c in cells})


@dataclass
class Resolution:
    """From every grid's runs pooled by cell, at k runs a cell: the expected number of cells within target when the
    runtime is judged against itself (the sum over cells of agreement(runs, k)), of how many cells; and, when our
    model's runs are given, the same with the second set drawn from them."""

    k: int
    expected_met: float
    cells: int
    per_cell: dict[str, float]  # cell_key -> agreement at k
    model_expected_met: float | None = None
    model_per_cell: dict[str, float] | None = None


def resolution(net: dict[tuple[str, int], list[Run]],
               model: dict[tuple[str, int], list[Run]] | None = None) -> list[Resolution]:
    """Resolution at every k the pooled runs allow (each cell needs 2k of .NET's runs, and k of ours), k = 1 up."""
    out = []
    for k in itertools.count(1):
        shares = {key: agreement(runs, k) for key, runs in net.items()}
        ours = {key: agreement(runs, k, model.get(key, [])) for key, runs in net.items()} if model else None
        if not net or None in shares.values() or (ours is not None and None in ours.values()):
            return out
        out.append(Resolution(k, sum(shares.values()), len(shares), {cell_key(*c): x for c, x in shares.items()},
                              None if ours is None else sum(ours.values()),
                              None if ours is None else {cell_key(*c): x for c, x in ours.items()}))


def resolution_at(resolutions: list[Resolution], k: int) -> Resolution | None:
    """The resolution at k runs a cell, if the pooled runs allowed it."""
    return next((r for r in resolutions if r.k == k), None)


def write_self_checks(path: Path, checks: list[SelfCheck], resolutions: list[Resolution]) -> None:
    """SELF_CHECK_FILE: per pair of grids, their names, the cells met and judged, and each cell's verdict; and
    the pooled resolution at each k."""
    path.write_text(json.dumps({
        "checks": [{"runs": list(c.runs), "met": c.met, "judged": c.judged, "within": c.within} for c in checks],
        "resolution": [{"k": r.k, "expected_met": round(r.expected_met, 2), "cells": r.cells,
                        "per_cell": {c: round(x, 3) for c, x in r.per_cell.items()},
                        "model_expected_met": None if r.model_expected_met is None else round(r.model_expected_met, 2),
                        "model_per_cell": None if r.model_per_cell is None else {
                            c: round(x, 3) for c, x in r.model_per_cell.items()}} for r in resolutions],
    }, indent=2) + "\n")


def read_self_checks(run_dir: Path) -> tuple[list[SelfCheck], list[Resolution]]:
    """run_dir's SELF_CHECK_FILE; empty when it has none or it is unreadable (the report then says nothing of it)."""
    try:
        data = json.loads((Path(run_dir) / SELF_CHECK_FILE).read_text())
        return ([SelfCheck((d["runs"][0], d["runs"][1]), dict(d["within"])) for d in data["checks"]],
                [Resolution(int(r["k"]), float(r["expected_met"]), int(r["cells"]),
                            {str(c): float(x) for c, x in r["per_cell"].items()},
                            None if r.get("model_expected_met") is None else float(r["model_expected_met"]),
                            None if r.get("model_per_cell") is None else {
                                str(c): float(x) for c, x in r["model_per_cell"].items()})
                 for r in data["resolution"]])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return [], []
