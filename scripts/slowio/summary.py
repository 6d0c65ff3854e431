"""summary.csv: one row per point (units in the column names), built from a PointResult and written; slowio.rows
has the columns (SUMMARY_COLUMNS) and reads the rows back.

results/README.md's column table documents every column; ``status`` is one of point.STATUSES and ``bound_model`` one
of bound.BOUND_MODELS (the capacity model that ``capacity``, ``bound_rps`` and ``efficiency`` were computed
with, and the rule the regression gate applies). ``pair`` is the grid's pair name (empty when none): the report
compares the command row of a pair (.NET) with the other one (our model). An elastic series' ``min_threads`` is
the minimum the server ran with: a grid's 0 (the server's default) is written as the cores it could run on.

A multi-class point (a series with request ``classes``) writes one row per class: ``request_class`` names it,
``point`` is the point's id plus the class, the client columns are that class's loadgen's, the server columns
the point's (the same in each of its rows). The kernel's view of the server's process tree
(``peak_proc_threads``, ``peak_proc_threads_running``, ``peak_proc_fds``, ``mean_proc_cpu_pct``) comes from the
time series' ``proc_*`` columns (slowio.procview says how), for every target alike; a postgres point's
``peak_db_active`` (pg_stat_activity's active client backends: the database's own view) and
``peak_db_pool_waiters`` (the server's db_pool_waiters gauge) from its ``db_*`` columns (slowio.dbstat). The CPU columns come from the server's counters, before and after
the load: ``cpu_threads_per_request`` is cpu_work_thread_seconds_total / cpu_work_request_seconds_total (on
the POST /work row; on the POST /jobs row, jobs_run_seconds_total / jobs_latency_seconds_total), and
``job_latency_ms`` the mean time from a job's 202 to its end.

The server's side of the window, from the two scraped counters in the time series (at the window's first and
last samples): ``server_responses_rps`` (http_responses_total's growth per second, less the scrapers' own
/metrics responses, one per sample interval each, which our servers count; a command target's are not
subtracted: its /metrics may be off the counted port), ``abandoned_rps`` (http_requests_abandoned_total's), and
``goodput_share`` = throughput_rps / server_responses_rps: the share of what the server wrote that reached a
client still waiting (empty on a request class's row: the server's responses are every class's). A burst point (loadgen --stages) adds
slowio.burst's figures: goodput before, during and after the burst and the recovery time; its ``bound_rps`` is
the burst's (at the peak C) and it has no ``efficiency``: the whole run's throughput is not held to it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import burst, dbstat, procview
from .bound import bound_model, bound_rps, compute_capacity, default_min_threads
from .grid import Point, effective_db_pool, stages_text
from .loadgen import ERROR_KEYS, TS_PREFIX, LoadgenReport, server_peak
from .point import PointResult
from .rows import SUMMARY_COLUMNS


# summary column -> the loadgen server column (loadgen.SERVER_COLUMNS) whose peak it is
PEAK_COLUMNS = {"peak_threads": "threadpool_threads", "peak_busy_threads": "threadpool_busy_threads",
                "peak_queue_length": "threadpool_queue_length", "max_loop_lag_ms": "eventloop_lag_max_ms",
                "peak_in_flight": "http_requests_in_flight", "peak_connections_open": "http_connections_open",
                "peak_jobs_queue_length": "jobs_queue_length"}


def _config_cells(p: Point, run_id: str, cores: int) -> dict[str, Any]:
    """The configuration columns; ``cores``: what the server may run on (an elastic min_threads 0 is that)."""
    s = p.series
    min_threads = default_min_threads(s, cores) if s.min_threads is not None else None
    return dict(run_id=run_id, point=p.id, label=s.label, pair=s.pair or "", scenario=s.scenario,
                cpu_way=s.cpu_way, server=s.server, model=s.model,
                pool=s.pool, antipattern=s.antipattern if s.server in ("sync", "async") else "", threads=s.threads,
                min_threads=min_threads, max_threads=s.max_threads, queue_limit=s.queue_limit,
                concurrency=p.concurrency, latency_ms=s.latency_ms, warmup_s=p.warmup_s, window_s=s.window_s,
                timeout_s=s.timeout_s, expect=s.expect, extra_server_args=" ".join(s.extra_server_args),
                client_retries=s.retries, retry_backoff=s.retry_backoff if s.retries else "",
                stages=stages_text(s.stages),
                store=s.store if s.server in ("sync", "async") or s.store != "sim" else "",
                db_pool=effective_db_pool(s) if s.store == "postgres" else None)


def _client_cells(lj: LoadgenReport | None, row: dict[str, Any]) -> None:
    """Throughput, latency, counts and errors from one loadgen's report."""
    if lj is None:
        return
    row["window_s"] = lj.window_s or row["window_s"]
    row["throughput_rps"] = lj.throughput_rps
    for key, us in lj.latency_us.items():
        row[f"{key}_ms"] = None if us is None else round(us / 1000.0, 3)
    row["completed"], row["ok"], row["retries"] = lj.completed, lj.ok, lj.retries
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
    row["db_pool_timeouts"] = res.db_pool_timeouts
    if after.get("eventloop_lag_max_seconds") is not None:
        lag = after["eventloop_lag_max_seconds"] * 1000.0
        row["max_loop_lag_ms"] = lag if row["max_loop_lag_ms"] is None else max(row["max_loop_lag_ms"], lag)
    if after.get("threadpool_threads") is not None and row["peak_threads"] is None:
        row["peak_threads"] = after["threadpool_threads"]
    row["deadlock_detected"] = int(res.status == "deadlock" or (after.get("deadlock_detected") or 0) > 0)
    row.update(procview.summary_cells(res.timeseries))  # the kernel's view: any target, /metrics or not
    row.update(procview.summary_cells(res.timeseries, dbstat.SUMMARY_CELLS))  # the database's: postgres points
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


def thread_growth_per_s(ts: list[dict[str, Any]] | None) -> float | None:
    """Threads added per second over the scraped samples ((last - first) / (t_last - t_first)); None
    without at least two samples of threadpool_threads."""
    col = "server_threadpool_threads"
    samples = [(r["t_s"], r[col]) for r in ts or [] if r.get(col) is not None and r.get("t_s") is not None]
    if len(samples) < 2 or samples[-1][0] <= samples[0][0]:
        return None
    return (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])


def counter_rate(ts: list[dict[str, Any]] | None, column: str, w0: float, w1: float,
                 own_per_sample: int = 0) -> float | None:
    """A scraped counter's growth per second from the first to the last sample in [w0, w1] (time-series column
    server_<column>), less ``own_per_sample`` for each sample interval between them; None without two samples."""
    name, eps = TS_PREFIX + column, 1e-6
    pts = [(r["t_s"], r[name]) for r in ts or [] if r.get(name) is not None and r.get("t_s") is not None
           and w0 - eps <= r["t_s"] <= w1 + eps]
    if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
        return None
    (t0, v0), (t1, v1) = pts[0], pts[-1]
    own = own_per_sample * round((t1 - t0) / burst.interval_s(ts))
    return round(max(0.0, v1 - v0 - own) / (t1 - t0), 3)


def _server_rate_cells(p: Point, res: PointResult, row: dict[str, Any]) -> None:
    """server_responses_rps, abandoned_rps and goodput_share over the point's window (see the module doc)."""
    scrapers = max(1, len(p.series.classes)) if p.series.server in ("sync", "async") else 0
    scrapers += p.series.store == "postgres"  # slowio.dbstat reads the pool gauges once per interval too
    ts, w0, w1 = res.timeseries, p.warmup_s, p.duration_s
    row["server_responses_rps"] = counter_rate(ts, "responses_total", w0, w1, scrapers)
    row["abandoned_rps"] = counter_rate(ts, "abandoned_total", w0, w1)
    if not p.series.classes:
        row["goodput_share"] = _ratio(row["throughput_rps"], row["server_responses_rps"])


def _burst_cells(p: Point, res: PointResult, row: dict[str, Any]) -> None:
    """Goodput before, during and after a burst point's burst, and its recovery time (slowio.burst)."""
    fig = burst.analyse(res.timeseries, p.series.stages, p.series.latency_ms, p.series.timeout_s)
    if fig is None:
        return
    r3 = lambda v: None if v is None else round(v, 3)  # noqa: E731
    row.update(goodput_before_rps=r3(fig.before_rps), goodput_during_rps=r3(fig.during_rps),
               goodput_after_rps=r3(fig.after_rps), recovery_s=r3(fig.recovery_s),
               recovered=None if fig.recovered is None else int(fig.recovered))


def _delta(res: PointResult, name: str) -> float | None:
    """How much a server counter grew over the load (None when either scrape lacks it)."""
    a, b = res.metrics_after.get(name), res.metrics_before.get(name)
    return None if a is None or b is None else a - b


def _ratio(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    return None if num is None or not den else round(num / den * scale, 4)


def _cpu_cells(p: Point, res: PointResult, row: dict[str, Any], request_class: str, cores: int) -> None:
    """The CPU-work and job columns of a multi-class point's rows (see the module doc)."""
    jobs = _delta(res, "jobs_completed_total")
    row["jobs_completed"] = jobs
    row["job_latency_ms"] = _ratio(_delta(res, "jobs_latency_seconds_total"), jobs, 1000.0)
    row["cpu_work_ms"] = None if res.cpu_work_ms is None else round(res.cpu_work_ms, 3)
    row["cpu_work_n"] = res.cpu_work_n
    if res.cpu_work_ms:
        row["cpu_work_bound_rps"] = round(cores * 1000.0 / res.cpu_work_ms, 3)
    rc = next((c for c in p.series.classes if c.name == request_class), None)
    if rc is None or rc.method != "POST":
        return
    route = rc.route
    row["cpu_work_rate_rps"] = rc.rate or None
    if route == "/work":
        row["cpu_threads_per_request"] = _ratio(_delta(res, "cpu_work_thread_seconds_total"),
                                                _delta(res, "cpu_work_request_seconds_total"))
    elif route == "/jobs":
        row["cpu_threads_per_request"] = _ratio(_delta(res, "jobs_run_seconds_total"),
                                                _delta(res, "jobs_latency_seconds_total"))


def build_rows(p: Point, run_id: str, res: PointResult) -> list[dict[str, Any]]:
    """The summary.csv rows of a point: one, or one per request class of a multi-class point."""
    if not p.series.classes:
        return [build_row(p, run_id, res)]
    rows = []
    for rc in p.series.classes:
        got = res.classes.get(rc.name)
        row = build_row(p, run_id, res, report=got.report if got else None)
        row.update(point=f"{p.id}-{rc.name}", request_class=rc.name, concurrency=rc.connections,
                   loadgen_exit_code=got.loadgen_exit_code if got else None)
        _cpu_cells(p, res, row, rc.name, res.server_cores)
        for col in ("capacity", "capacity_basis", "bound_rps", "efficiency", "rss_per_conn_kb"):
            row[col] = None  # a class's share of the server has no Little's-law bound of its own
        rows.append(row)
    return rows


_OWN = object()  # build_row's default: the point's own (single-class) loadgen report


def build_row(p: Point, run_id: str, res: PointResult, report: Any = _OWN) -> dict[str, Any]:
    """One summary.csv row from a point and the result of running it (``report``: a request class's
    loadgen report instead of the point's own)."""
    row: dict[str, Any] = {c: None for c in SUMMARY_COLUMNS}
    cores = res.server_cores
    row.update(_config_cells(p, run_id, cores))
    row.update(status=res.status, detail="; ".join(res.details), server_exit_code=res.server_exit_code,
               loadgen_exit_code=res.loadgen_exit_code, server_died_after_s=res.server_died_after_s,
               wall_s=round(res.wall_s, 2), pinned=res.pinned,
               server_cores=res.server_cores, repetition=p.repetition)
    _client_cells(res.report if report is _OWN else report, row)
    _server_cells(res, row)
    _server_rate_cells(p, res, row)
    _burst_cells(p, res, row)
    growth = thread_growth_per_s(res.timeseries)
    row["thread_growth_per_s"] = None if growth is None else round(growth, 3)
    cap, basis = compute_capacity(p.series, p.concurrency, res.timeseries, p.warmup_s, p.duration_s, cores)
    row["capacity"] = None if cap is None else round(cap, 3)
    row["capacity_basis"] = basis
    row["bound_model"] = bound_model(p.series)
    b = bound_rps(cap, p.concurrency, p.series.latency_ms)
    row["bound_rps"] = None if b is None else round(b, 4)
    if b and row["throughput_rps"] is not None and not p.series.stages:  # a burst's bound is its peak's alone
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
