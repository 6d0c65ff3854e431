#!/usr/bin/env python3
"""Section 5: the tuned pairs (bench/grid_dotnet_vs_model.json: C = 1,000, L = 2 s, one core, 60 s from t = 0), three
runs each, our side with and without the fidelity grid's spread, then three more of the sync pair (spread2/, exact2/). Per run: threads at each 5 s mark and req/s; then how
many of its 12 marks are within max(2, 20%) of .NET's median at that mark (the report's thread rule).
    pairs60.py            (reads pairs60/spread and spread2, which also hold .NET's runs, and exact, exact2)"""
import csv
import statistics
from pathlib import Path

here = Path(__file__).resolve().parent / "pairs60"
MARKS = range(5, 61, 5)


def runs(run_dir, label_start):
    """(req/s, threads at each mark) of each point whose label starts with label_start."""
    out = []
    for r in csv.DictReader(open(run_dir / "summary.csv")):
        if r["label"].startswith(label_start):
            rows = list(csv.DictReader(open(run_dir / "timeseries" / f"{r['point']}.csv")))
            at = [min(rows, key=lambda x: abs(float(x["t_s"]) - m)) for m in MARKS]
            out.append((float(r["throughput_rps"]), [int(float(x["server_threadpool_threads"] or -1)) for x in at]))
    return out


def main():
    print("# pairs60.py: threads -1 where a scrape failed")
    for mode in ("sync", "sync sync-over-async"):
        net_label = "aspnetcore sync (" if mode == "sync" else "aspnetcore sync-over-async ("
        model_label = "sync elastic (" if mode == "sync" else "sync elastic sync-over-async ("
        net = runs(here / "spread", net_label) + runs(here / "spread2", net_label)
        median = [statistics.median(t[i] for _, t in net) for i in range(len(MARKS))]
        print(f"== {net_label}... against {model_label}...: threads at 5, 10 .. 60 s, req/s")
        for rps, t in net:
            print(f"  .NET            {' '.join(f'{x:3d}' for x in t)}  {rps:.2f}")
        for side in ("exact", "spread"):
            for rps, t in runs(here / side, model_label) + runs(here / f"{side}2", model_label):
                within = sum(abs(x - m) <= max(2, 0.2 * m) for x, m in zip(t, median))
                print(f"  ours, {side:6s}   {' '.join(f'{x:3d}' for x in t)}  {rps:.2f}   {within} of 12 marks within")


if __name__ == "__main__":
    main()
