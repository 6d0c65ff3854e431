#!/usr/bin/env python3
"""Copies a run directory whose .NET series ran 6 times twice, keeping .NET's runs 1-3 in the first copy's
summary.csv and 4-6 in the second's (and no other series), so fidelity_self.py (which pools its run directories
by cell) can take one 6-run grid as two.
    halves.py RUN_DIR OUT_1 OUT_2"""
import csv, shutil, sys

run, outs = sys.argv[1], sys.argv[2:4]
rows = list(csv.reader(open(f"{run}/summary.csv")))
point, server = rows[0].index("point"), rows[0].index("server")
for out, reps in zip(outs, (("r1", "r2", "r3"), ("r4", "r5", "r6"))):
    shutil.copytree(run, out, ignore=shutil.ignore_patterns("item", "*.png", "*.svg"))
    kept = [r for r in rows[1:] if r[server] == "command" and r[point].rsplit("-", 1)[1] in reps]
    csv.writer(open(f"{out}/summary.csv", "w", newline="")).writerows([rows[0]] + kept)
