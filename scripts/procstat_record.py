#!/usr/bin/env python3
"""The kernel's view of one running process tree, recorded to a CSV: slowio.procstat's sampler on its own, for a
server started by something other than the sweep (bench/multihost/loadgen.yml starts it beside the server on the
server host).

    procstat_record.py --pid PID [--interval 0.25] -o FILE.csv

Samples PID and every process below it each --interval until PID exits (or SIGTERM / SIGINT), then writes one row
per sample: ``t_s`` (seconds since the epoch) and slowio.procstat's columns (proc_threads, proc_threads_running,
proc_cpu_pct, proc_rss_kb, proc_fds, ...). Prints one line: samples, peak threads, mean CPU. Exit 0, or 2 (one
line on stderr) for a bad command line, a PID that is not there, or a file it cannot write.
"""

from __future__ import annotations

import csv
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import procstat  # noqa: E402
from slowio.cli import OneLineParser  # noqa: E402


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped by its parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X", "")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = OneLineParser(description="Record a process tree's threads, CPU, RSS and descriptors from /proc to a CSV.")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--interval", type=float, default=0.25, help="seconds between samples (0.25)")
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if not args.interval > 0:
        ap.error("--interval must be positive")
    if not alive(args.pid):
        print(f"procstat_record.py: no process {args.pid}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sampler = procstat.Sampler(args.pid, args.interval)
    sampler.start()
    while not stop.wait(args.interval) and alive(args.pid) and sampler.is_alive():
        pass
    rows = procstat.sample_rows(sampler.stop())
    try:
        with args.out.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(("t_s",) + procstat.TS_COLUMNS)
            for r in rows:
                w.writerow([f"{r['t']:.3f}"] + ["" if r.get(c) is None else r[c] for c in procstat.TS_COLUMNS])
    except OSError as e:
        print(f"procstat_record.py: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 2
    cpu = [r["proc_cpu_pct"] for r in rows if r.get("proc_cpu_pct") is not None]
    peak = max((r["proc_threads"] for r in rows), default=0)
    print(f"procstat_record.py: {len(rows)} samples of {args.pid}, peak {peak} threads, mean CPU "
          f"{sum(cpu) / len(cpu) if cpu else 0:.1f}%"
          + (f"; {sampler.error}" if sampler.error else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
