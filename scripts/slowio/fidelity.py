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
often k of .NET's and k of ours do, to set beside it. ``exchangeability`` asks whether our model's runs could have
been the runtime's: a permutation test that relabels each cell's pooled runs at random and judges the relabeled sets
as the real ones are.

Standard library only.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import pairs as pairs_

MARKS_SHARE_MIN = 5.0 / 6.0  # threads within target at >= 5 of the 6 marks of a 30 s load
THROUGHPUT_REL = 0.15
CELLS_SHARE_TARGET = 0.8     # the model holds when >= 80% of the cells meet both targets
DIFFERS_ALPHA = 0.05         # a cell differs beyond the runtime's own spread: Holm-adjusted p below this
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
        """The median over repetitions of the marks met."""
        return statistics.median(self.met) if self.met else None

    @property
    def threads_ok(self) -> bool | None:
        """The thread target (threads_within) over the repetitions."""
        return threads_within(self.met, self.judged)

    def median_threads(self, who: str) -> list[float | None]:
        """The median over repetitions of ``who``'s ('net' or 'model') thread count at each mark."""
        out = []
        for i in range(self.judged):
            values = [getattr(m[i], who) for m in self.marks if i < len(m) and getattr(m[i], who) is not None]
            out.append(statistics.median(values) if values else None)
        return out

    def median_rps(self, who: str) -> float | None:
        """The median over repetitions of ``who``'s throughput (req/s), of the repetitions measured."""
        values = [v for v in (pairs_.throughput(getattr(p, who)) for p in self.runs) if v is not None]
        return statistics.median(values) if values else None

    @property
    def rps_rel_diff(self) -> float | None:
        """(model − .NET) / .NET of the median throughputs."""
        return rel_diff(self.median_rps("net"), self.median_rps("model"))

    @property
    def throughput_ok(self) -> bool | None:
        """The throughput target (throughput_within) on the median throughputs."""
        return throughput_within(self.rps_rel_diff)

    @property
    def within(self) -> bool | None:
        """Both targets met (None: a target could not be judged)."""
        return within_both(self.threads_ok, self.throughput_ok)


def threads_within(met: list[int], judged: int) -> bool | None:
    """The thread target over a cell's repetitions: the median of the marks met is at least MARKS_SHARE_MIN of the
    marks judged (None: nothing to judge)."""
    if not met or not judged:
        return None
    return statistics.median(met) >= MARKS_SHARE_MIN * judged - 1e-9


def rel_diff(net: float | None, model: float | None) -> float | None:
    """(model − .NET) / .NET of two median throughputs; inf when .NET served none and the model some."""
    if net is None or model is None:
        return None
    if net <= 0:
        return 0.0 if model <= 0 else math.inf
    return (model - net) / net


def throughput_within(rel: float | None) -> bool | None:
    """The throughput target: the median throughputs within THROUGHPUT_REL of each other."""
    return None if rel is None else abs(rel) <= THROUGHPUT_REL + 1e-12


def within_both(threads_ok: bool | None, throughput_ok: bool | None) -> bool | None:
    """A cell within target: both targets met (None: one could not be judged)."""
    if threads_ok is None or throughput_ok is None:
        return None
    return threads_ok and throughput_ok


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


def cell_between(name: str, concurrency: int, a: list[Run], b: list[Run]) -> Cell:
    """The cell of a's runs against b's, the i-th against the i-th, b's standing in for the model."""
    cell = Cell(name, concurrency, [], [])
    for i, (ra, rb) in enumerate(zip(a, b)):
        cell.runs.append(pairs_.Pair(name, concurrency, ra[0], rb[0], i + 1))
        cell.marks.append(run_marks(ra, rb))
    return cell


def runtime_cells(rows_a: list[dict[str, Any]], dir_a: Path, rows_b: list[dict[str, Any]], dir_b: Path) -> list[Cell]:
    """The cells of two runs' .NET (command) points, run b's standing in for the model: each repetition of a's
    against the same repetition of b's, in a's order; cells that are not repeated in both runs are left out."""
    a, b = side_runs(rows_a, dir_a), side_runs(rows_b, dir_b)
    return [cell_between(k[0], k[1], runs, b[k]) for k, runs in a.items()
            if k in b and min(len(runs), len(b[k])) > 1]


class RunJudgements:
    """A cell's runs, every ordered pair of them judged once (the marks met with the first as .NET's and the
    second as the model's) and each run's throughput: a pair recurs in thousands of draws, so each draw is judged
    from these by the rule Cell applies (threads_within, rel_diff, throughput_within, within_both)."""

    def __init__(self, runs: list[Run]):
        self.runs = runs
        self.rps = [pairs_.throughput(r[0]) for r in runs]
        self._marks: dict[tuple[int, int], tuple[int, int]] = {}
        self._medians: dict[tuple[int, ...], float | None] = {}
        self._draws: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}  # relabelings meet the same draws

    def marks_met(self, a: int, b: int) -> tuple[int, int]:
        """Run a (as .NET) against run b (as the model): marks met, marks in a's load."""
        if (a, b) not in self._marks:
            m = run_marks(self.runs[a], self.runs[b])
            self._marks[(a, b)] = (pairs_.thread_verdict(m).met, len(m))
        return self._marks[(a, b)]

    def within(self, first: tuple[int, ...], second: tuple[int, ...]) -> bool:
        """The cell of runs ``first`` against runs ``second`` (by index, the i-th against the i-th) within target;
        a cell that cannot be judged is not."""
        if len(first) != len(second) or not first:
            raise ValueError("a draw pairs k >= 1 runs of each side")
        if (first, second) not in self._draws:
            pairs = [self.marks_met(a, b) for a, b in zip(first, second)]
            threads = threads_within([met for met, _ in pairs], max(marks for _, marks in pairs))
            rps = throughput_within(rel_diff(self.median_rps(first), self.median_rps(second)))
            self._draws[(first, second)] = bool(within_both(threads, rps))
        return self._draws[(first, second)]

    def median_rps(self, runs: tuple[int, ...]) -> float | None:
        """The median throughput of a set of runs (those measured)."""
        if runs not in self._medians:
            values = [self.rps[i] for i in runs if self.rps[i] is not None]
            self._medians[runs] = statistics.median(values) if values else None
        return self._medians[runs]

    def agreement(self, net: list[int], k: int, models: list[int] | None = None) -> float | None:
        """agreement() over the runs indexed by ``net`` (and ``models``)."""
        if k < 1:
            raise ValueError("k runs a cell: k >= 1")
        if len(net) < (k if models is not None else 2 * k) or (models is not None and len(models) < k):
            return None
        met = n = 0
        for first in itertools.combinations(net, k):
            rest = [i for i in net if i not in first] if models is None else models
            for second in itertools.combinations(rest, k):
                n += 1
                met += self.within(first, second)
        return met / n


class CellRuns:
    """A cell's .NET runs and our model's, judged from one RunJudgements over both (.NET's first)."""

    def __init__(self, net: list[Run], model: list[Run]):
        self.table = RunJudgements(net + model)
        self.net = list(range(len(net)))
        self.model = list(range(len(net), len(net) + len(model)))

    def agreement(self, k: int, ours: bool = False) -> float | None:
        """agreement() at k: the runtime against itself, or (``ours``) against our model's runs."""
        return self.table.agreement(self.net, k, self.model if ours else None)

    def relabeled_agreement(self, k: int, rng: random.Random) -> float | None:
        """agreement() at k of our model against the runtime with the runs relabeled at random: as many of all the
        runs as .NET ran play .NET's part, the rest the model's (see exchangeability)."""
        everyone = self.net + self.model
        chosen = sorted(rng.sample(everyone, len(self.net)))
        return self.table.agreement(chosen, k, [i for i in everyone if i not in chosen])


def agreement(runs: list[Run], k: int, models: list[Run] | None = None) -> float | None:
    """The share of the ways to draw k of a cell's .NET runs and k others (the second set standing in for the
    model) whose cell meets the target (a draw that cannot be judged counts as not met): how often the runtime
    meets it against itself at k runs a cell. With ``models``, the second set is drawn from those (our model's
    runs) instead. None when there are too few runs."""
    return CellRuns(runs, models or []).agreement(k, ours=models is not None)


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
    per_cell: dict[str, float]  # cell_key -> agreement at k
    model_expected_met: float | None = None
    model_per_cell: dict[str, float] | None = None

    @property
    def cells(self) -> int:
        """The cells judged."""
        return len(self.per_cell)


def resolution(net: dict[tuple[str, int], list[Run]],
               model: dict[tuple[str, int], list[Run]] | None = None) -> list[Resolution]:
    """Resolution at every k the pooled runs allow (each cell needs 2k of .NET's runs, and k of ours), k = 1 up."""
    tables = {key: CellRuns(runs, (model or {}).get(key, [])) for key, runs in net.items()}
    out = []
    for k in itertools.count(1):
        shares = {key: t.agreement(k) for key, t in tables.items()}
        ours = {key: t.agreement(k, ours=True) for key, t in tables.items()} if model else None
        if not net or None in shares.values() or (ours is not None and None in ours.values()):
            return out
        out.append(Resolution(k, sum(shares.values()), {cell_key(*c): x for c, x in shares.items()},
                              None if ours is None else sum(ours.values()),
                              None if ours is None else {cell_key(*c): x for c, x in ours.items()}))


def resolution_at(resolutions: list[Resolution], k: int) -> Resolution | None:
    """The resolution at k runs a cell, if the pooled runs allowed it."""
    return next((r for r in resolutions if r.k == k), None)


@dataclass
class CellTest:
    """One cell's permutation test (see Exchangeability)."""

    observed: float      # agreement of our model's runs with the runtime's at k
    relabeled: float     # its mean over the relabelings
    p: float             # (1 + relabelings that agree as little or less) / (1 + relabelings)
    p_holm: float = 1.0  # p adjusted for testing every cell (Holm's step-down)
    runs: tuple[int, int] = (0, 0)  # .NET's runs, ours: C(sum, .NET's) labelings exist, so p cannot go far below 1 / that


@dataclass
class Exchangeability:
    """A permutation test of whether our model's runs could have been the runtime's, at k runs a cell. In each
    cell, .NET's runs and ours are pooled and relabeled at random, as many playing .NET's part as .NET ran, ``rounds``
    times, and the relabeled sets judged as the real ones are (agreement at k). If our model behaved as the runtime
    does, its runs would be exchangeable with .NET's, and the cells it meets would be a typical draw of the
    relabeled figures. p (+1 corrected: the real labeling counts as one of them) is the share of relabelings that
    meet as few cells or fewer: one-sided, since the question is whether ours agrees less than the runtime's own
    runs would. Pooling runs from several grids assumes the grids differ only by chance: a day's effect on one side
    would show as a difference of the model's."""

    k: int
    rounds: int
    seed: int
    observed: float
    relabeled: float
    p: float
    per_cell: dict[str, CellTest]

    @property
    def cells(self) -> int:
        """The cells tested."""
        return len(self.per_cell)

    def differs(self, alpha: float = DIFFERS_ALPHA) -> list[str]:
        """The cells where our model differs beyond the runtime's own spread: Holm-adjusted p below alpha."""
        return [c for c, t in self.per_cell.items() if t.p_holm < alpha]


def permutation_p(observed: float, relabeled: list[float]) -> float:
    """(1 + the relabelings as low as observed or lower) / (1 + relabelings): ties count against the model."""
    return (1 + sum(x <= observed + 1e-9 for x in relabeled)) / (1 + len(relabeled))


def exchangeability(net: dict[tuple[str, int], list[Run]], model: dict[tuple[str, int], list[Run]], k: int,
                    rounds: int, seed: int = 1) -> Exchangeability | None:
    """The permutation test over every cell of ``net`` (each relabeled on its own, the grid's figure the sum of
    the cells' in each round); None when a cell has fewer than k runs on a side. A cell one at a time: its table
    of judged draws is dropped before the next."""
    if rounds < 1:
        raise ValueError("a permutation test needs rounds >= 1")
    rng = random.Random(seed)
    draws: dict[str, list[float]] = {}
    per_cell: dict[str, CellTest] = {}
    for key, runs in net.items():
        cell = CellRuns(runs, model.get(key, []))
        observed = cell.agreement(k, ours=True)
        if observed is None:
            return None
        xs = draws[cell_key(*key)] = [cell.relabeled_agreement(k, rng) for _ in range(rounds)]
        per_cell[cell_key(*key)] = CellTest(observed, statistics.fmean(xs), permutation_p(observed, xs),
                                            runs=(len(cell.net), len(cell.model)))
    if not per_cell:
        return None
    holm(per_cell)
    total = sum(t.observed for t in per_cell.values())
    totals = [sum(xs[r] for xs in draws.values()) for r in range(rounds)]
    return Exchangeability(k, rounds, seed, total, statistics.fmean(totals), permutation_p(total, totals), per_cell)


def holm(tests: dict[str, CellTest]) -> None:
    """Holm's step-down adjustment of every cell's p (the i-th smallest times the cells left, never below the one
    before it), in place: with 14 cells tested, some p below 5% is expected by chance alone."""
    running = 0.0
    ordered = sorted(tests.values(), key=lambda t: t.p)
    for i, t in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - i) * t.p))
        t.p_holm = running


@dataclass
class RuntimeSelfCheck:
    """What SELF_CHECK_FILE holds: the pairwise checks, the pooled resolution by k and, if it was run, the
    permutation test of our model's runs against the runtime's."""

    checks: list[SelfCheck]
    resolutions: list[Resolution]
    test: Exchangeability | None = None
    provenance: str = ""  # where the grids' runs ran (slowio.provenance), as one sentence


def round3(x: float | None) -> float | None:
    """x to 3 decimals for SELF_CHECK_FILE."""
    return None if x is None else round(x, 3)


def write_self_checks(path: Path, found: RuntimeSelfCheck) -> None:
    """SELF_CHECK_FILE: per pair of grids, their names, the cells met and judged, and each cell's verdict; the
    pooled resolution at each k; the permutation test; where the runs ran."""
    t = found.test
    path.write_text(json.dumps({
        "checks": [{"runs": list(c.runs), "met": c.met, "judged": c.judged, "within": c.within}
                   for c in found.checks],
        "resolution": [{"k": r.k, "expected_met": round(r.expected_met, 2), "cells": r.cells,
                        "per_cell": {c: round3(x) for c, x in r.per_cell.items()},
                        "model_expected_met": None if r.model_expected_met is None else round(r.model_expected_met, 2),
                        "model_per_cell": None if r.model_per_cell is None else {
                            c: round3(x) for c, x in r.model_per_cell.items()}} for r in found.resolutions],
        "exchangeability": None if t is None else {
            "k": t.k, "rounds": t.rounds, "seed": t.seed, "observed": round(t.observed, 2),
            "relabeled": round(t.relabeled, 2), "p": round(t.p, 4), "cells": t.cells,
            "per_cell": {c: {"observed": round3(x.observed), "relabeled": round3(x.relabeled), "p": round(x.p, 4),
                             "p_holm": round(x.p_holm, 4), "runs": list(x.runs)} for c, x in t.per_cell.items()}},
        "provenance": found.provenance,
    }, indent=2) + "\n")


def read_self_checks(run_dir: Path) -> RuntimeSelfCheck:
    """run_dir's SELF_CHECK_FILE; empty when it has none or it is unreadable (the report then says nothing of it)."""
    try:
        data = json.loads((Path(run_dir) / SELF_CHECK_FILE).read_text())
        t = data.get("exchangeability")
        return RuntimeSelfCheck(
            [SelfCheck((d["runs"][0], d["runs"][1]), dict(d["within"])) for d in data["checks"]],
            [Resolution(int(r["k"]), float(r["expected_met"]),
                        {str(c): float(x) for c, x in r["per_cell"].items()},
                        None if r.get("model_expected_met") is None else float(r["model_expected_met"]),
                        None if r.get("model_per_cell") is None else {
                            str(c): float(x) for c, x in r["model_per_cell"].items()})
             for r in data["resolution"]],
            None if t is None else Exchangeability(
                int(t["k"]), int(t["rounds"]), int(t["seed"]), float(t["observed"]), float(t["relabeled"]),
                float(t["p"]), {str(c): CellTest(
                    float(x["observed"]), float(x["relabeled"]), float(x["p"]), float(x["p_holm"]),
                    (int(x["runs"][0]), int(x["runs"][1]))) for c, x in t["per_cell"].items()}),
            str(data.get("provenance") or ""))
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return RuntimeSelfCheck([], [])
