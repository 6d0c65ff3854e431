#!/usr/bin/env python3
"""The fidelity rule's two parts, apart: for .NET's 9 clean runs against themselves (and our model's runs against
them), per cell at k = 3, the share of draws that meet the thread part (median marks >= 5 of 6), the throughput part
(median req/s within 15%) and both, with the median of the cell's .NET responses in the window.

    parts.py [MODEL_RUN_DIR ...]     (default: the grid's configuration's 9 runs; from the repository's root)
"""
import itertools
import statistics
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root / "scripts"))
from slowio import fidelity, pairs as pairs_  # noqa: E402
from slowio.rows import read_summary  # noqa: E402

here = Path(__file__).resolve().parent
NET = [root / "results/dotnet-fidelity-netfix-20261207", here / "net"]
MODEL = [Path(a) for a in sys.argv[1:]] or [root / f"results/{d}" for d in (
    "dotnet-fidelity-timeline-20261206", "dotnet-fidelity-live-adopted-20261207", "dotnet-fidelity-self-20261207/ours")]


def runs(dirs, side):
    return fidelity.pooled([fidelity.side_runs(read_summary(d / "summary.csv"), d, side) for d in dirs])


def parts(table, firsts, seconds_of, k=3):
    """Shares of draws (k of ``firsts`` against k of ``seconds_of(first)``) meeting threads, throughput, both."""
    n = th = rp = both = 0
    for first in itertools.combinations(firsts, k):
        for second in itertools.combinations(seconds_of(first), k):
            pairs = [table.marks_met(a, b) for a, b in zip(first, second)]
            t = fidelity.threads_within([m for m, _ in pairs], max(x for _, x in pairs))
            r = fidelity.throughput_within(fidelity.rel_diff(table.median_rps(first), table.median_rps(second)))
            n, th, rp, both = n + 1, th + bool(t), rp + bool(r), both + bool(fidelity.within_both(t, r))
    return th / n, rp / n, both / n


net, model = runs(NET, "net"), runs(MODEL, "model")
print("| cell | .NET responses in 30 s (median of 9) | runtime against itself: threads / req/s / both |"
      " our model against it: threads / req/s / both |")
print("|---|---|---|---|")
for key in net:
    table = fidelity.RunJudgements(net[key] + model[key])
    ni, mi = list(range(len(net[key]))), list(range(len(net[key]), len(table.runs)))
    self_ = parts(table, ni, lambda first: [i for i in ni if i not in first])
    ours = parts(table, ni, lambda first: mi)
    responses = statistics.median(round(30 * (table.rps[i] or 0)) for i in ni)
    print(f"| {fidelity.cell_key(*key)} | {responses} | " + " / ".join(f"{x:.0%}" for x in self_) + " | "
          + " / ".join(f"{x:.0%}" for x in ours) + " |")
