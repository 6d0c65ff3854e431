#!/usr/bin/env python3
"""One line per run of jitter.sh: threads at the 5 s marks, req/s, the client's timeouts, and the starvation gate's
injections in seconds after the port (the server's start-up line, as the load starts).
    jitter_summary.py OUT_DIR NAME...        (reads OUT_DIR/NAME.err, .csv and .json, as pair.sh wrote them)"""
import csv
import json
import sys
from pathlib import Path


def seconds(line: str) -> float:
    """The wall-clock seconds of a server log line (HH:MM:SS.mmm first)."""
    h, m, s = line[:12].split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def summary(out: Path, name: str) -> str:
    lines = (out / f"{name}.err").read_text().splitlines()
    t0 = seconds(next(x for x in lines if "model pool" in x))
    injections = [seconds(x) - t0 for x in lines if "starved" in x]
    rows = list(csv.DictReader(open(out / f"{name}.csv")))
    marks = [rows[i - 1]["server_threadpool_threads"] for i in (5, 10, 15, 20, 25, 30)]
    report = json.loads((out / f"{name}.json").read_text())
    return (f"{name:9} threads at 5..30 s: {' '.join(marks)}  req/s {report['throughput_rps']:.2f}  timeouts "
            f"{report['requests']['timeout']}  starvation injections at t = {', '.join(f'{x:.1f}' for x in injections)}"
            " s (after the port)")


if __name__ == "__main__":
    for n in sys.argv[2:]:
        print(summary(Path(sys.argv[1]), n))
