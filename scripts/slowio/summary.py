"""summary.csv: one row per point (units in the column names), built from a PointResult; read back typed.

The README's column table documents every column; ``status`` is one of point.STATUSES and ``bound_model`` one
of bound.BOUND_MODELS (the capacity model that ``capacity``, ``bound_rps`` and ``efficiency`` were computed
with, and the rule the regression gate applies). ``pair`` is the grid's pair name (empty when none): the report
compares the command row of a pair (.NET) with the other one (our model). An elastic series' ``min_threads`` is
the minimum the server ran with: a grid's 0 (the server's default) is written as the cores it could run on.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import InputError
from .bound import bound_model, bound_rps, compute_capacity, default_min_threads
from .grid import Point
from .loadgen import ERROR_KEYS, number, server_peak
from .point import MEASURED_STATUSES, PointResult, server_cores

SUMMARY_COLUMNS = [
    "run_id", "point", "label", "pair", "server", "model", "pool", "antipattern", "threads", "min_threads",
    "max_threads", "queue_limit", "concurrency", "latency_ms", "warmup_s", "window_s", "timeout_s",
    "expect", "status", "detail", "server_exit_code", "loadgen_exit_code",
    "throughput_rps", "capacity", "capacity_basis", "bound_model", "bound_rps", "efficiency",
    "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
    "completed", "ok", "errors_total", "errors_connect", "errors_read", "errors_write", "errors_timeout",
    "errors_4xx", "errors_5xx", "errors_503", "littles_law_ratio",
    "per_conn_min", "per_conn_median", "per_conn_max",
    "peak_threads", "peak_busy_threads", "peak_queue_length", "max_loop_lag_ms", "peak_in_flight",
    "peak_connections_open", "deadlock_detected", "store_calls_total",
    "server_rss_base_kb", "server_rss_kb", "rss_delta_kb", "rss_per_conn_kb", "rss_per_inflight_kb",
    "server_died_after_s", "wall_s", "pinned", "extra_server_args",
]
TEXT_COLUMNS = {"run_id", "point", "label", "pair", "server", "model", "pool", "antipattern", "expect", "status",
                "detail", "capacity_basis", "bound_model", "extra_server_args"}
NUMERIC_COLUMNS = set(SUMMARY_COLUMNS) - TEXT_COLUMNS  # any other column of a CSV is read as text
ERROR_COLUMNS = [f"errors_{suffix}" for suffix in ERROR_KEYS.values()]

# summary column -> the loadgen server column (loadgen.SERVER_COLUMNS) whose peak it is
PEAK_COLUMNS = {"peak_threads": "threadpool_threads", "peak_busy_threads": "threadpool_busy_threads",
                "peak_queue_length": "threadpool_queue_length", "max_loop_lag_ms": "eventloop_lag_max_ms",
                "peak_in_flight": "http_requests_in_flight", "peak_connections_open": "http_connections_open"}


def measured(row: dict[str, Any]) -> bool:
    """Whether a row's load ran to its end, so its numbers are complete (status ok or drain_expired)."""
    return row.get("status") in MEASURED_STATUSES


def _config_cells(p: Point, run_id: str, cores: int) -> dict[str, Any]:
    """The configuration columns; ``cores``: what the server may run on (an elastic min_threads 0 is that)."""
    s = p.series
    min_threads = default_min_threads(s, cores) if s.min_threads is not None else None
    return dict(run_id=run_id, point=p.id, label=s.label, pair=s.pair or "", server=s.server, model=s.model,
                pool=s.pool, antipattern=s.antipattern if s.server in ("sync", "async") else "", threads=s.threads,
                min_threads=min_threads, max_threads=s.max_threads, queue_limit=s.queue_limit,
                concurrency=p.concurrency, latency_ms=s.latency_ms, warmup_s=p.warmup_s, window_s=s.window_s,
                timeout_s=s.timeout_s, expect=s.expect, extra_server_args=" ".join(s.extra_server_args))


def _client_cells(res: PointResult, row: dict[str, Any]) -> None:
    """Throughput, latency, counts and errors from loadgen's report."""
    lj = res.report
    if lj is None:
        return
    row["window_s"] = lj.window_s or row["window_s"]
    row["throughput_rps"] = lj.throughput_rps
    for key, us in lj.latency_us.items():
        row[f"{key}_ms"] = None if us is None else round(us / 1000.0, 3)
    row["completed"], row["ok"] = lj.completed, lj.ok
    for key, suffix in ERROR_KEYS.items():
        row[f"errors_{suffix}"] = lj.errors[key]
    row["errors_total"] = sum(lj.errors.values())
    row["littles_law_ratio"] = lj.littles_law_ratio
    row["per_conn_min"], row["per_conn_median"], row["per_conn_max"] = lj.per_connection


def _server_cells(res: PointResult, row: dict[str, Any]) -> None:
    """Peaks of the scraped gauges (loadgen's JSON and time series, and the sweep's own scrape after the load)."""
    for col, source in PEAK_COLUMNS.items():
        row[col] = server_peak(res.report, res.timeseries, source)
    after, before = res.metrics_after, res.metrics_before
    if after.get("eventloop_lag_max_seconds") is not None:
        lag = after["eventloop_lag_max_seconds"] * 1000.0
        row["max_loop_lag_ms"] = lag if row["max_loop_lag_ms"] is None else max(row["max_loop_lag_ms"], lag)
    if after.get("threadpool_threads") is not None and row["peak_threads"] is None:
        row["peak_threads"] = after["threadpool_threads"]
    row["deadlock_detected"] = int(res.status == "deadlock" or (after.get("deadlock_detected") or 0) > 0)
    row["store_calls_total"] = after.get("store_calls_total")
    rss = server_peak(res.report, res.timeseries, "rss_kb")
    if after.get("process_resident_memory_bytes"):
        fin = after["process_resident_memory_bytes"] / 1024.0
        rss = fin if rss is None else max(rss, fin)
    row["server_rss_kb"] = None if rss is None else round(rss)
    if before.get("process_resident_memory_bytes"):
        row["server_rss_base_kb"] = round(before["process_resident_memory_bytes"] / 1024.0)
    if row["server_rss_kb"] is not None and row["server_rss_base_kb"] is not None:
        delta = max(0.0, row["server_rss_kb"] - row["server_rss_base_kb"])
        row["rss_delta_kb"] = round(delta)
        row["rss_per_conn_kb"] = round(delta / row["concurrency"], 3)
        if row["peak_in_flight"]:
            row["rss_per_inflight_kb"] = round(delta / row["peak_in_flight"], 3)


def build_row(p: Point, run_id: str, res: PointResult) -> dict[str, Any]:
    """One summary.csv row from a point and the result of running it."""
    row: dict[str, Any] = {c: None for c in SUMMARY_COLUMNS}
    cores = server_cores(res.pinned)
    row.update(_config_cells(p, run_id, cores))
    row.update(status=res.status, detail="; ".join(res.details), server_exit_code=res.server_exit_code,
               loadgen_exit_code=res.loadgen_exit_code, server_died_after_s=res.server_died_after_s,
               wall_s=round(res.wall_s, 2), pinned=res.pinned)
    _client_cells(res, row)
    _server_cells(res, row)
    cap, basis = compute_capacity(p.series, p.concurrency, res.timeseries, p.warmup_s, p.duration_s, cores)
    row["capacity"] = None if cap is None else round(cap, 3)
    row["capacity_basis"] = basis
    row["bound_model"] = bound_model(p.series)
    b = bound_rps(cap, p.concurrency, p.series.latency_ms)
    row["bound_rps"] = None if b is None else round(b, 4)
    if b and row["throughput_rps"] is not None:
        row["efficiency"] = round(row["throughput_rps"] / b, 4)
    return row


def _fmt(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    return v


def write_summary(rows: list[dict[str, Any]], path: Path) -> None:
    """Writes (rewrites) summary.csv with SUMMARY_COLUMNS in order; None is written as an empty cell."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else _fmt(r.get(k))) for k in SUMMARY_COLUMNS})
    tmp.replace(path)


def read_summary(path: Path) -> list[dict[str, Any]]:
    """summary.csv as typed rows (numbers as float, empty as None). Raises InputError when unreadable."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "status" not in reader.fieldnames:
                raise InputError(f"{path}: not a summary.csv (no 'status' column)")
            return [{k: number(v) if k in NUMERIC_COLUMNS else (v or "") for k, v in r.items() if k} for r in reader]
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    except csv.Error as e:
        raise InputError(f"{path}: malformed CSV: {e}") from None


def series_of(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by series label, in first-seen order, each sorted by concurrency."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["label"], []).append(r)
    for v in out.values():
        v.sort(key=lambda r: r["concurrency"] or 0)
    return out
