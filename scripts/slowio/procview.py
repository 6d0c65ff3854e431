"""The kernel's view (slowio.procstat's samples) in a point's outputs: appended to the point's time series and
summed up into its summary.csv columns.

Time series: loadgen writes ``timeseries/<point>.csv`` (bench/loadgen/README.md); after it exits the sweep
appends procstat.TS_COLUMNS to every row, after loadgen's own columns. A row describes the interval that ends at
``start_epoch_s + t_s`` on the wall clock (its JSON's t = 0); it gets the last sample taken in that interval (the
sampler runs on its own schedule at the same period, so an interval normally holds one), else empty cells:
absent, never carried over from another interval. Not the nearest sample: the one just after the last steady
row's end already sees the connections closing (Python's ThreadingHTTPServer: 19 threads instead of 51), and
the sample's CPU figure covers the time before it, as the row's figures do. The server's own scraped columns
(``server_*``) stay as loadgen wrote them.

Summary (summary.csv): ``peak_proc_threads``, ``peak_proc_threads_running``, ``peak_proc_fds`` are the highest
value in the rows of the load, warm-up and window (the rows the scraped ``peak_threads`` comes from: loadgen
does not scrape in its drain, and a pool that goes on growing while the last requests drain - server_sync's
elastic pool went from 6 to 9 threads there - would make the kernel's peak incomparable with the server's);
``mean_proc_cpu_pct`` is the mean of the ``steady`` rows' proc_cpu_pct: the CPU the target's process tree used
during the measured window, warm-up excluded (100 = one core). A time series without a ``phase`` column has
every row taken as the load's.
"""

from __future__ import annotations

import bisect
import csv
import statistics
from pathlib import Path
from typing import Any

from .loadgen import number
from .procstat import TS_COLUMNS, ProcSample, sample_rows

# summary column -> (time-series column, the phases whose rows count, how they are reduced)
LOAD_PHASES = ("warmup", "steady")
SUMMARY_CELLS = {"peak_proc_threads": ("proc_threads", LOAD_PHASES, max),
                 "peak_proc_threads_running": ("proc_threads_running", LOAD_PHASES, max),
                 "peak_proc_fds": ("proc_fds", LOAD_PHASES, max),
                 "mean_proc_cpu_pct": ("proc_cpu_pct", ("steady",), lambda v: round(statistics.fmean(v), 1))}


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


CLOCK_SLACK_S = 0.005  # loadgen's t_s is printed to the millisecond


def in_interval(rows: list[dict[str, Any]], times: list[float], end: float, interval_s: float) -> dict[str, Any] | None:
    """The last of ``rows`` (sorted by ``times``) taken in the interval (end - interval_s, end], or None."""
    i = bisect.bisect_right(times, end + CLOCK_SLACK_S) - 1
    return rows[i] if i >= 0 and times[i] > end - interval_s else None


def annotate_timeseries(path: Path, samples: list[ProcSample], start_epoch_s: float,
                        interval_s: float) -> tuple[int, int]:
    """Appends TS_COLUMNS to loadgen's time series at ``path`` (rewritten in place; columns of an earlier
    annotation are replaced). Returns (rows given a sample, rows). A missing or empty file is left alone."""
    return annotate_columns(path, sample_rows(samples), TS_COLUMNS, start_epoch_s, interval_s)


def annotate_columns(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...], start_epoch_s: float,
                     interval_s: float) -> tuple[int, int]:
    """Appends ``columns`` of a sampler's ``rows`` (each with ``t``, the epoch, sorted by it) to the time series
    at ``path``, each row of the file given the last sample in its interval (in_interval); annotate_timeseries
    for the kernel's view, slowio.dbstat for the database's. Returns (rows given a sample, rows)."""
    try:
        with open(path, newline="") as f:
            table = list(csv.reader(f))
    except OSError:
        return 0, 0
    if not table or "t_s" not in table[0]:
        return 0, 0
    keep = [i for i, name in enumerate(table[0]) if name not in columns]
    t_col = table[0].index("t_s")
    times = [r["t"] for r in rows]
    out, matched = [[table[0][i] for i in keep] + list(columns)], 0
    for line in table[1:]:
        t_s = number(line[t_col]) if t_col < len(line) else None
        got = None if t_s is None else in_interval(rows, times, start_epoch_s + t_s, interval_s)
        matched += got is not None
        out.append([line[i] for i in keep if i < len(line)] + [_cell(got and got[c]) for c in columns])
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(out)
    tmp.replace(path)
    return matched, len(table) - 1


def summary_cells(ts: list[dict[str, Any]] | None, cells: dict | None = None) -> dict[str, float | None]:
    """SUMMARY_CELLS (or ``cells``, in the same shape: slowio.dbstat's) from a point's time series as
    loadgen.read_timeseries reads it (None where no row has the column's value: the sampler did not run or the
    target was gone)."""
    out: dict[str, float | None] = {}
    for name, (col, phases, reduce) in (SUMMARY_CELLS if cells is None else cells).items():
        vals = [r[col] for r in ts or [] if r.get(col) is not None and r.get("phase", phases[0]) in phases]
        out[name] = reduce(vals) if vals else None
    return out


def sampler_report(name: str, samples: list, interval_s: float, error: str | None,
                   matched: list[tuple[str, int, int]], measured: list[str]) -> str:
    """What a sampler beside a point did and cost, for logs/<point>.<name>.txt: samples, time per sample,
    ``measured`` (the sampler's own lines, given when it has samples), and per time series how many rows got a
    sample. Shared by the kernel's view (cost_text below) and the database's (slowio.dbstat)."""
    lines = [f"{name}: {len(samples)} samples every {interval_s:g} s"]
    if samples:
        costs = [s.cost_s * 1000.0 for s in samples if s.cost_s is not None]  # None: not measured by us
        if costs:
            lines.append(f"cost per sample: mean {statistics.fmean(costs):.2f} ms, max {max(costs):.2f} ms")
        lines += measured
    for series, got, total in matched:
        lines.append(f"{series}: {got} of {total} rows given a sample")
    if error:
        lines.append(f"stopped early: {error}")
    return "\n".join(lines) + "\n"


def cost_text(samples: list[ProcSample], interval_s: float, error: str | None,
              matched: list[tuple[str, int, int]]) -> str:
    """logs/<point>.procstat.txt: sampler_report with the vanished threads and the tree's peak size."""
    measured = [f"threads or processes gone between listing and read: {sum(s.vanished for s in samples)}",
                f"peak {max((s.threads for s in samples), default=0)} threads in "
                f"{max((s.processes for s in samples), default=0)} processes"]
    return sampler_report("procstat", samples, interval_s, error, matched, measured)
