"""Our model of .NET's thread pool held against the runtime over a grid of scenarios (issue 29): the cells of a
repeated pair grid (bench/grid_dotnet_fidelity.json) and whether each meets the fidelity targets.

A cell is one pair name at one C (the grid names each pair after its scenario: mode, L, the server's cores); its
repetitions are that pair's runs at that C (the series' ``"repeat"``). Per repetition (slowio.pairs): at how many
MARK_EVERY_S marks the model's ``threadpool_threads`` is within max(2, 20% of .NET's), and both throughputs over
the window. Per cell: the median over repetitions of the marks met, the median of each side's throughput and the
median thread count at each mark; the cell meets the target when that median of marks met is at least
MARKS_SHARE_MIN of the marks and the two median throughputs are within THROUGHPUT_REL of each other. The medians
are over repetitions because .NET's hill climbing draws random sample intervals: one run of it is one draw.

Standard library only.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import pairs as pairs_

MARKS_SHARE_MIN = 5.0 / 6.0  # threads within target at >= 5 of the 6 marks of a 30 s load
THROUGHPUT_REL = 0.15
CELLS_SHARE_TARGET = 0.8     # the model holds when >= 80% of the cells meet both targets


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
