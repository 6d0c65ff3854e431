#!/usr/bin/env python3
"""One cell of the fidelity grid (L = 200 ms, two cores, C = 1,000), run by run: when the first answers came and
how many, all the answers of the 30 s window, and the thread count at each 5 s mark. Reads the timeseries CSVs of
the folders given (each a sweep's results: summary.csv, timeseries/) and prints one markdown row per run.
  first_batches.py LABEL=DIR[,DIR...] ..."""
import csv
import os
import sys


CELL_LABELS = ("aspnetcore sync L=200 ms 2 cores", "sync elastic sync L=200 ms 2 cores")


def runs(dirs):
    """The cell's points of each folder, by its summary.csv (label and concurrency), in point order."""
    for d in dirs:
        for r in csv.DictReader(open(os.path.join(d, "summary.csv"))):
            if r["label"] in CELL_LABELS and r["concurrency"] == "1000":
                side = ".NET" if r["server"] == "command" else "ours"
                yield side, os.path.join(d, "timeseries", r["point"] + ".csv")


def row(label, side, f):
    rows = [r for r in csv.DictReader(open(f)) if r["phase"] == "steady"]
    answered = [(int(float(r["t_s"])), float(r["rps"])) for r in rows if float(r["rps"] or 0) > 0]
    first = "%d at %d s" % (answered[0][1], answered[0][0]) if answered else "none"
    total = sum(n for _, n in answered)
    threads = " ".join(rows[i - 1]["server_threadpool_threads"] for i in (5, 10, 15, 20, 25, 30) if i <= len(rows))
    return "| %s | %s | %s | %d | %s |" % (label, side, first, total, threads)


def main(argv):
    print("| runs | side | first answers | answered in the window | threads at 5 … 30 s |")
    print("|---|---|---|---|---|")
    for arg in argv:
        label, dirs = arg.split("=", 1)
        for side, f in runs(dirs.split(",")):
            print(row(label, side, f))


if __name__ == "__main__":
    main(sys.argv[1:])
