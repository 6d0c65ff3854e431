#!/usr/bin/env python3
"""Combines the points of several sweep runs into one run directory, so that one side of a comparison measured again
(after a change to our model) can be judged beside the other side's points measured once (.NET's, whose code did
not change), without running those again.

  combine_runs.py OUT_DIR --grid GRID --take RUN_DIR[=LABEL_PART] [--take ...]

Each --take adds the rows of RUN_DIR/summary.csv whose label contains LABEL_PART (all rows without it), with their
files (logs/, loadgen/, timeseries/, timeline/: every file named "<point id>.*"). Point ids must be unique across the
takes. summary.csv is written in the grid's series order, then by concurrency and repetition, with run_id set to
OUT_DIR's name; machine.json is the first take's, plus "merged_from": what came from where (run, label filter, rows,
git commit, date, and which machine: boot id, CPU signature, speed probe), so the report can say whether its sides
ran on one machine (slowio.provenance). Then `python3 scripts/plot.py OUT_DIR` renders the report.
Exit 0, or 2 with one line on bad input (a missing run, no row taken, a duplicate point id, OUT_DIR not empty).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

POINT_DIRS = ("logs", "loadgen", "timeseries", "timeline")
# What merged_from keeps of each take's machine.json: its commit and date, and which machine it was
# (slowio.provenance; a take that was itself combined keeps its own merged_from).
MACHINE_KEYS = ("git_commit", "date_utc", "boot_id", "cpu_signature", "speed", "merged_from")


class CombineError(Exception):
    """Bad input: printed as one line, exit 2."""


def parse_take(text: str) -> tuple[Path, str]:
    """RUN_DIR[=LABEL_PART] -> (RUN_DIR, LABEL_PART or '')."""
    run, _, part = text.partition("=")
    return Path(run), part


def read_rows(run: Path, part: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of run/summary.csv whose label contains part."""
    path = run / "summary.csv"
    if not path.is_file():
        raise CombineError(f"no summary.csv in {run}")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if part in r["label"]]
        header = list(reader.fieldnames or [])
    if not rows:
        raise CombineError(f"no row of {path} has a label containing {part!r}")
    return header, rows


def copy_point_files(run: Path, point: str, out: Path) -> int:
    """Copies run's files of one point into out; returns how many."""
    n = 0
    for d in POINT_DIRS:
        src = run / d
        if not src.is_dir():
            continue
        for f in src.glob(f"{point}.*"):
            (out / d).mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out / d / f.name)
            n += 1
    return n


def sort_key(series_order: dict[str, int]):
    """Grid order of a row's series, then its C and repetition (rows of a series the grid lacks go last)."""
    def key(r: dict[str, str]):
        return (series_order.get(r["label"], len(series_order)), float(r.get("concurrency") or 0),
                float(r.get("repetition") or 0))
    return key


def combine(out: Path, grid: Path, takes: list[tuple[Path, str]]) -> int:
    """Writes the combined run into out; returns the number of rows. Every take is read and checked before
    anything is written."""
    if out.exists() and any(out.iterdir()):
        raise CombineError(f"{out} exists and is not empty")
    series_order = {s["label"]: i for i, s in enumerate(json.loads(grid.read_text())["series"])}
    read = [(run, part, *read_rows(run, part)) for run, part in takes]
    twice = [p for p, n in Counter(r["point"] for _, _, _, taken in read for r in taken).items() if n > 1]
    if twice:
        raise CombineError(f"point {twice[0]} is in two takes")
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    sources = []
    for run, part, _, taken in read:
        for r in taken:
            copy_point_files(run, r["point"], out)
        rows += taken
        sources.append({"run": run.name, "label_contains": part, "rows": len(taken),
                        **run_machine(run, *MACHINE_KEYS)})
    machine = run_machine(takes[0][0])
    machine["merged_from"] = sources
    (out / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    shutil.copy2(grid, out / "grid.json")
    rows.sort(key=sort_key(series_order))
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=read[0][2], extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "run_id": out.name})
    return len(rows)


def run_machine(run: Path, *keys: str) -> dict:
    """run/machine.json ({} without one), or only its ``keys`` when given (None where missing)."""
    path = run / "machine.json"
    machine = json.loads(path.read_text()) if path.is_file() else {}
    return {k: machine.get(k) for k in keys} if keys else machine


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="the merged run's directory (new or empty)")
    ap.add_argument("--grid", type=Path, required=True, help="the grid whose series order the summary follows")
    ap.add_argument("--take", action="append", required=True, metavar="RUN_DIR[=LABEL_PART]",
                    help="rows (and their files) of RUN_DIR whose label contains LABEL_PART; repeatable")
    args = ap.parse_args(argv)
    try:
        n = combine(args.out, args.grid, [parse_take(t) for t in args.take])
    except (CombineError, OSError, ValueError, KeyError) as e:
        print(f"combine_runs.py: {e}", file=sys.stderr)
        return 2
    print(f"combine_runs.py: {n} points in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
