"""loadgen's command line and the two outputs the suite reads (bench/loadgen/README.md is the reference).

* ``--json F``: read into a LoadgenReport. Scraped server gauges are in ``server.peaks``, keyed by the
  same column names as the time series (SERVER_COLUMNS, the unit in the name), over the steady window.
* ``--timeseries F``: one row per scrape interval: ``t_s, phase, rps, p50_us, p99_us, errors, goodput_rps,
  timeouts, status_503, retries`` and, with ``--scrape``, ``server_<column>`` for every column of SERVER_COLUMNS
  (empty cell: failed scrape or metric absent; the two counters, responses_total and abandoned_total, are the
  value at the sample). read_timeseries keeps those names as they are.

loadgen's ``--csv`` (one appended row per run) is not used: the JSON report holds the same figures per point.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .grid import Point, RequestClass, stages_text

# The scraped gauges, as loadgen names them (Scraper::columns()): column name -> server metric it comes from.
SERVER_COLUMNS = {
    "threadpool_threads": "threadpool_threads",
    "threadpool_busy_threads": "threadpool_busy_threads",
    "threadpool_queue_length": "threadpool_queue_length",
    "http_requests_in_flight": "http_requests_in_flight",
    "http_connections_open": "http_connections_open",
    "eventloop_lag_max_ms": "eventloop_lag_max_seconds",
    "rss_kb": "process_resident_memory_bytes",
    "jobs_queue_length": "jobs_queue_length",
    "responses_total": "http_responses_total",             # counters: a difference is what happened in between
    "abandoned_total": "http_requests_abandoned_total",
}
TS_PREFIX = "server_"  # a server column's name in the time series: server_<column>

# loadgen's error categories (keys of the JSON's "requests") -> the summary's errors_* column suffix.
ERROR_KEYS = {"connect": "connect", "read": "read", "write": "write", "timeout": "timeout",
              "status_4xx": "4xx", "status_5xx": "5xx", "status_503": "503"}
LATENCY_KEYS = ("p50", "p90", "p99", "p999", "max", "mean")


def _dur(seconds: float) -> str:
    """loadgen duration syntax: whole milliseconds ('8500ms')."""
    return f"{int(round(seconds * 1000))}ms"


def loadgen_command(exe: Path, p: Point, port: int, json_path: Path, timeseries_path: Path,
                    scrape_port: int | None = None, request_class: RequestClass | None = None) -> list[str]:
    """loadgen's command line for point ``p`` against 127.0.0.1:port, writing its JSON and time series;
    /metrics is scraped on ``scrape_port`` when given (a target's ``metrics on`` line), else on ``port``.
    With ``request_class`` (a multi-class point) it sends that class's requests on its connections: the
    same timeline (duration, warm-up, timeout) as the point's other classes."""
    s = p.series
    base = f"http://127.0.0.1:{port}"
    scrape = f"http://127.0.0.1:{scrape_port or port}/metrics"
    conns, path, what = p.concurrency, s.path, []
    if request_class is not None:
        rc = request_class
        conns, path = rc.connections, rc.path
        what = ["--method", rc.method] + (["--body", rc.body] if rc.body else []) + \
               (["-R", f"{rc.rate:g}"] if rc.rate > 0 else [])
    # --stages sets -c (their peak) and -d (their sum): loadgen refuses either beside it
    load = ["--stages", stages_text(s.stages)] if s.stages else ["-c", str(conns), "-d", _dur(p.duration_s)]
    client = ["--retries", str(s.retries), "--retry-backoff", s.retry_backoff] if s.retries else []
    return [str(exe), "-t", str(s.loadgen_threads), *load, "--warmup", _dur(p.warmup_s), "--timeout",
            _dur(s.timeout_s), *client, "--scrape", scrape, "--json", str(json_path), "--timeseries",
            str(timeseries_path), "--path", path, *what, "--no-progress", *s.extra_loadgen_args, base + "/"]


DEFAULT_SCRAPE_INTERVAL_S = 0.25  # loadgen's --scrape-interval default
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_DURATION_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def scrape_interval_s(extra_args: list[str]) -> float:
    """The --scrape-interval a point's loadgen runs with (from the series' extra_loadgen_args, else loadgen's
    default): the period of its time series, and of the /proc sampler beside it. Raises ValueError on a
    duration loadgen would refuse."""
    value = None
    for i, arg in enumerate(extra_args):
        if arg == "--scrape-interval" and i + 1 < len(extra_args):
            value = extra_args[i + 1]
        elif arg.startswith("--scrape-interval="):
            value = arg.partition("=")[2]
    if value is None:
        return DEFAULT_SCRAPE_INTERVAL_S
    m = _DURATION_RE.match(value)
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"--scrape-interval: expected a positive duration such as 250ms or 1s, got {value!r}")
    return float(m.group(1)) * _DURATION_UNIT_S[m.group(2)]


def read_timeline(path: Path) -> tuple[float | None, float | None]:
    """(start_epoch_s, interval_s) of a loadgen JSON report: its t = 0 on the wall clock and its time series'
    period; (None, None) when the file is unreadable, either when absent (an older loadgen)."""
    try:
        j = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None, None
    if not isinstance(j, dict):
        return None, None
    return number(j.get("start_epoch_s")), number((j.get("config") or {}).get("interval_s"))


def number(v: Any) -> float | None:
    """A finite float, or None for anything else (empty cell, missing key, NaN)."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass
class LoadgenReport:
    """The figures of loadgen's JSON report that a summary row uses (latencies in microseconds)."""

    window_s: float | None
    throughput_rps: float | None
    latency_us: dict[str, float | None]     # LATENCY_KEYS; empty when no response completed in the window
    completed: int | None
    ok: int | None
    errors: dict[str, int]                  # ERROR_KEYS' keys
    littles_law_ratio: float | None
    per_connection: tuple[Any, Any, Any]    # min, median, max
    server_peaks: dict[str, float] = field(default_factory=dict)  # SERVER_COLUMNS' names
    retries: int | None = None              # resends in the window (requests.retries; None: an older loadgen)

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> "LoadgenReport":
        """From the parsed JSON (missing sections read as absent figures)."""
        lat = j.get("latency_us") or {}
        if lat.get("count") == 0:  # no response in the window: no latency (not 0 ms)
            lat = {}
        req = j.get("requests") or {}
        pc = j.get("per_connection") or {}
        peaks = (j.get("server") or {}).get("peaks") or {}
        return cls(window_s=number(j.get("window_s")), throughput_rps=number(j.get("throughput_rps")),
                   latency_us={k: number(lat.get(k)) for k in LATENCY_KEYS},
                   completed=req.get("completed"), ok=req.get("ok"),
                   errors={k: int(req[k]) if isinstance(req.get(k), (int, float)) else 0 for k in ERROR_KEYS},
                   littles_law_ratio=number((j.get("littles_law") or {}).get("ratio")),
                   per_connection=(pc.get("min"), pc.get("median"), pc.get("max")),
                   server_peaks={k: v for k in SERVER_COLUMNS if (v := number(peaks.get(k))) is not None},
                   retries=req.get("retries") if isinstance(req.get("retries"), int) else None)


def read_report(path: Path) -> LoadgenReport:
    """loadgen's JSON report. Raises OSError or ValueError (json.JSONDecodeError) when unreadable."""
    return LoadgenReport.from_json(json.loads(Path(path).read_text()))


def read_timeseries(path: Path) -> list[dict[str, Any]]:
    """The time-series CSV as rows of {column: float or None}, ``phase`` kept as text; [] when unreadable."""
    rows = []
    try:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                row: dict[str, Any] = {k: number(v) for k, v in r.items() if k}
                if "phase" in r:
                    row["phase"] = r["phase"]
                rows.append(row)
    except OSError:
        return []
    return rows


def server_peak(report: LoadgenReport | None, ts: list[dict[str, Any]] | None, column: str) -> float | None:
    """Highest value of a scraped gauge: the JSON's steady-window peak and every time-series sample."""
    vals = [report.server_peaks[column]] if report and column in report.server_peaks else []
    vals += [r[TS_PREFIX + column] for r in ts or [] if r.get(TS_PREFIX + column) is not None]
    return max(vals) if vals else None
