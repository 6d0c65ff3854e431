#!/usr/bin/env python3
"""The fidelity grid's rule applied to the runtime against itself (issue 29): two or more grids of .NET's own points
(run directories of bench/grid_dotnet_fidelity.json, or any runs holding its command series), every pair of them
judged as the report judges our model against .NET, the second standing in for the model. The share of cells .NET
meets against itself is the verdict's resolution at the grid's repetitions: a model cannot be shown closer to .NET
than .NET's own runs are to each other.

  fidelity_self.py RUN_DIR RUN_DIR [RUN_DIR...] [--model RUN_DIR...] [--permutations N [--at K] [--seed S]]
                   [--write DIR]

Prints each pair's verdict and table (markdown), then the resolution: every grid's runs pooled by cell, how many
cells two disjoint sets of k of them meet against each other on average, at each k they allow; with --model, the
same with the second set drawn from our model's points in those runs (pooled the same way). --permutations N (with
--model) adds a permutation test at K runs a cell (default 3, the grid's): each cell's .NET runs and ours pooled
and relabeled at random N times, which says whether our model agrees with the runtime less than the runtime's own
runs would, over the grid and cell by cell (slowio.fidelity.Exchangeability). --write DIR also
writes DIR/runtime_vs_runtime.json, which DIR's report (scripts/plot.py DIR) quotes beside the model's verdict and
its missed cells. Both say whether the runs ran on one machine (slowio.provenance: .NET's runs differ by machine).
Exit 0, or 2 with one line on bad input (a run without summary.csv, a pair of runs with no cell in common).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from slowio import fidelity, provenance, report  # noqa: E402
from slowio.rows import read_summary  # noqa: E402


class SelfCheckError(Exception):
    """Bad input: printed as one line, exit 2."""


def load(run: Path) -> list[dict]:
    """A run's summary rows."""
    if not (run / "summary.csv").is_file():
        raise SelfCheckError(f"no summary.csv in {run}")
    return read_summary(run / "summary.csv")


def compute(runs: list[Path], models: list[Path], permutations: int = 0, at: int = 3,
            seed: int = 1) -> tuple[list[list[fidelity.Cell]], fidelity.RuntimeSelfCheck]:
    """Every pair of runs (in the order given) judged, its cells; the checks, the pooled resolution with our
    model's runs from ``models`` beside it, and (``permutations`` > 0) the permutation test at ``at`` runs a
    cell."""
    rows = {r: load(r) for r in runs + models}
    pairs, checks = [], []
    for a, b in itertools.combinations(runs, 2):
        cells = fidelity.runtime_cells(rows[a], a, rows[b], b)
        if not cells:
            raise SelfCheckError(f"{a} and {b} have no repeated .NET cell in common")
        pairs.append(cells)
        checks.append(fidelity.self_check((a.name, b.name), cells))
    net = fidelity.pooled([fidelity.side_runs(rows[r], r) for r in runs])
    ours = fidelity.pooled([fidelity.side_runs(rows[r], r, "model") for r in models]) if models else None
    if ours is not None and not set(net) <= set(ours):
        raise SelfCheckError(f"--model: no run of ours for {fidelity.cell_key(*sorted(set(net) - set(ours))[0])}")
    test = None
    if permutations > 0:
        test = fidelity.exchangeability(net, ours or {}, at, permutations, seed)
        if test is None:
            raise SelfCheckError(f"--permutations: a cell has fewer than {at} runs on a side (--at)")
    return pairs, fidelity.RuntimeSelfCheck(checks, fidelity.resolution(net, ours), test,
                                            machines(runs + models).text)


def machines(runs: list[Path]) -> provenance.Provenance:
    """Where the runs ran, from their machine.json (each take's, for a combined run): .NET's runs differ by
    machine, so a resolution pooled from several says so."""
    found = []
    for r in dict.fromkeys(runs):  # a run given twice (as .NET's and as ours) is one machine.json
        found += provenance.sources(report.read_machine(r), r.name)
    return provenance.judge(found)


def render(pairs: list[list[fidelity.Cell]], found: fidelity.RuntimeSelfCheck) -> str:
    """Markdown: each pair's verdict and table, then the resolution by k and per cell, then the permutation test."""
    md, resolutions = [found.provenance, ""] if found.provenance else [], found.resolutions
    for check, cells in zip(found.checks, pairs):
        a, b = check.runs
        md += [f"## {a} against {b}", "", f"**{check.met} of {check.judged} cells within target** (the model's rule: "
               f"threads at >= 5 of 6 marks, median of {max(len(c.runs) for c in cells)} runs; median req/s "
               f"within {fidelity.THROUGHPUT_REL:.0%}).", ""]
        md += report.fidelity_table(cells, (a, b)) + [""]
    ours = bool(resolutions) and resolutions[0].model_expected_met is not None
    md += ["## Resolution: every grid's runs pooled by cell", "",
           "Two disjoint sets of k of a cell's runs, every way to draw them, judged against each other: the "
           "expected number of cells within target at k runs a cell" + (
               "; beside it, k of .NET's runs against k of our model's." if ours else "."), "",
           "| k (runs a cell) | runtime against itself | share |" + (" our model against the runtime | share |"
                                                                    if ours else ""),
           "|---|---|---|" + ("---|---|" if ours else "")]
    for r in resolutions:
        line = f"| {r.k} | {r.expected_met:.1f} of {r.cells} | {r.expected_met / r.cells:.0%} |"
        if ours:
            line += f" {r.model_expected_met:.1f} of {r.cells} | {r.model_expected_met / r.cells:.0%} |"
        md.append(line)
    if resolutions:
        md += ["", "Per cell, how often it is within target (of every draw; runtime against itself" +
               (" / our model against the runtime):" if ours else "):"), "",
               "| cell | " + " | ".join(f"k = {r.k}" for r in resolutions) + " |",
               "|---|" + "---|" * len(resolutions)]
        for cell in resolutions[0].per_cell:
            shares = [f"{r.per_cell[cell]:.0%}" + (f" / {r.model_per_cell[cell]:.0%}" if ours else "")
                      for r in resolutions]
            md.append(f"| {cell} | " + " | ".join(shares) + " |")
    return "\n".join(md + render_test(found.test) + [""])


def render_test(t: fidelity.Exchangeability | None) -> list[str]:
    """The permutation test's section: the grid's figure and p, then each cell's."""
    if t is None:
        return []
    md = ["", f"## Permutation test: could our model's runs have been the runtime's? (k = {t.k}, {t.rounds:,} "
          f"relabelings a cell, seed {t.seed})", "",
          f"Our model against the runtime: **{t.observed:.1f} of {t.cells}** cells; relabeled runs: "
          f"{t.relabeled:.1f} on average; **p = {t.p:.4f}** (the share of relabelings, the real one counted among "
          f"them, that meet as few or fewer). A cell's p cannot go below 1 / (1 + relabelings) = "
          f"{1 / (1 + t.rounds):.4f}, nor far below 1 / (the ways to label its runs).", "",
          "| cell | runs (.NET + ours) | ours within (share of draws) | relabeled (mean) | p | Holm-adjusted p |",
          "|---|---|---|---|---|---|"]
    for cell, x in t.per_cell.items():
        flag = " **differs**" if x.p_holm < fidelity.DIFFERS_ALPHA else ""
        md.append(f"| {cell} | {x.runs[0]} + {x.runs[1]} ({math.comb(sum(x.runs), x.runs[0]):,} labelings) | "
                  f"{x.observed:.0%} | {x.relabeled:.0%} | {x.p:.4f} | {x.p_holm:.4f}{flag} |")
    return md


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="grids of .NET's points (two or more)")
    ap.add_argument("--model", nargs="+", type=Path, default=[], metavar="RUN_DIR",
                    help="runs holding our model's points (server_sync's series of the same grid), pooled")
    ap.add_argument("--permutations", type=int, default=0, metavar="N",
                    help="with --model: a permutation test, N relabelings of each cell's runs (0: none)")
    ap.add_argument("--at", type=int, default=3, metavar="K", help="the permutation test's runs a cell (default 3)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="the relabelings' random seed (default 1)")
    ap.add_argument("--write", type=Path, metavar="DIR",
                    help=f"also write DIR/{fidelity.SELF_CHECK_FILE} for DIR's report")
    args = ap.parse_args(argv)
    try:
        if len(args.runs) < 2:
            raise SelfCheckError("give two or more run directories")
        if args.write is not None and not args.write.is_dir():
            raise SelfCheckError(f"--write: {args.write} is not a directory")
        if args.permutations < 0 or args.at < 1:
            raise SelfCheckError("--permutations must be >= 0 and --at >= 1")
        if args.permutations and not args.model:
            raise SelfCheckError("--permutations needs --model: it tests our model's runs against the runtime's")
        pairs, found = compute(args.runs, args.model, args.permutations, args.at, args.seed)
    except SelfCheckError as e:
        print(f"fidelity_self: {e}", file=sys.stderr)
        return 2
    print(render(pairs, found))
    if args.write is not None:
        fidelity.write_self_checks(args.write / fidelity.SELF_CHECK_FILE, found)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
