"""Reading summary.csv rows: the columns, read_summary, and the questions every reader asks of a row.

slowio.summary builds the rows from a point's result and writes them (so it imports slowio.point, which starts
servers); this module reads them back and answers what the report, the claims table, the plots, the pairs, the
gate and its baseline ask of a row (measured? which server? at which C? how much memory per request?), as
google/benchmark's tools split gbench's util.py (loading) from report.py (computing) and compare.py (the command
line). It imports nothing that starts a process. Standard library only.

A row is a dict as read_summary returns it: numbers as float, empty cells as None, the text columns as str; a
column this version does not list is kept as text, so the predicates read every number through ``val``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable, Iterable

from . import InputError
from .fmt import f, latency
from .grid import Series, queued_response_s, start_capacity
from .loadgen import ERROR_KEYS, number

Row = dict[str, Any]

SUMMARY_COLUMNS = [
    "run_id", "point", "label", "pair", "scenario", "request_class", "cpu_way", "server", "model", "pool", "antipattern", "threads", "min_threads",
    "max_threads", "queue_limit", "concurrency", "latency_ms", "warmup_s", "window_s", "timeout_s",
    "client_retries", "retry_backoff", "stages",
    "expect", "status", "detail", "server_exit_code", "loadgen_exit_code",
    "throughput_rps", "capacity", "capacity_basis", "bound_model", "bound_rps", "efficiency",
    "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
    "completed", "ok", "errors_total", "errors_connect", "errors_read", "errors_write", "errors_timeout",
    "errors_4xx", "errors_5xx", "errors_503", "retries", "littles_law_ratio",
    "per_conn_min", "per_conn_median", "per_conn_max",
    "peak_threads", "peak_busy_threads", "peak_queue_length", "max_loop_lag_ms", "peak_in_flight",
    "peak_connections_open", "deadlock_detected", "store_calls_total",
    "peak_proc_threads", "peak_proc_threads_running", "peak_proc_fds", "mean_proc_cpu_pct",
    "server_responses_rps", "abandoned_rps", "goodput_share",
    "server_rss_base_kb", "server_rss_kb", "rss_delta_kb", "rss_per_conn_kb", "rss_per_inflight_kb",
    "thread_growth_per_s", "cpu_work_ms", "cpu_work_n", "cpu_work_rate_rps", "cpu_work_bound_rps",
    "cpu_threads_per_request",
    "peak_jobs_queue_length", "jobs_completed", "job_latency_ms",
    "goodput_before_rps", "goodput_during_rps", "goodput_after_rps", "recovery_s", "recovered",
    "server_died_after_s", "wall_s", "pinned", "server_cores", "repetition", "extra_server_args",
    "store", "db_pool", "db_pool_timeouts", "peak_db_pool_waiters", "peak_db_active",
]
TEXT_COLUMNS = {"run_id", "point", "label", "pair", "scenario", "request_class", "cpu_way", "server", "model", "pool", "antipattern", "expect", "status",
                "detail", "capacity_basis", "bound_model", "extra_server_args", "retry_backoff", "stages", "store"}
NUMERIC_COLUMNS = set(SUMMARY_COLUMNS) - TEXT_COLUMNS  # any other column of a CSV is read as text
ERROR_COLUMNS = [f"errors_{suffix}" for suffix in ERROR_KEYS.values()]

# The load ran to its end and the numbers are complete; only the server's exit after SIGTERM was wrong
# (point.STATUSES has every status a point can end with).
MEASURED_STATUSES = ("ok", "drain_expired")


def measured(row: Row) -> bool:
    """Whether a row's load ran to its end, so its numbers are complete (status ok or drain_expired)."""
    return row.get("status") in MEASURED_STATUSES


def read_summary(path: Path) -> list[Row]:
    """summary.csv as typed rows (numbers as float, empty as None). Raises InputError when unreadable."""
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "status" not in reader.fieldnames:
                raise InputError(f"{path}: not a summary.csv (no 'status' column)")
            return [{k: number(v) if k in NUMERIC_COLUMNS else (v or "") for k, v in r.items() if k} for r in reader]
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    except csv.Error as e:
        raise InputError(f"{path}: malformed CSV: {e}") from None


def series_of(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows grouped by series label, in first-seen order, each sorted by concurrency."""
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r["label"], []).append(r)
    for v in out.values():
        v.sort(key=lambda r: r["concurrency"] or 0)
    return out


def val(r: Row, key: str) -> float | None:
    """A numeric cell as a float (None when empty), whether read_summary typed it or left it as text."""
    return number(r.get(key))


def text(r: Row, key: str) -> str:
    """A text cell ('' when empty)."""
    v = r.get(key)
    return "" if v is None else str(v)


def scenario(r: Row) -> str:
    """The row's scenario ('' for the main comparison, and for a summary.csv older than the column)."""
    return text(r, "scenario")


def plain(r: Row) -> bool:
    """No anti-pattern."""
    return text(r, "antipattern") in ("", "none")


def is_sync_fixed(r: Row, n: float | None = None) -> bool:
    """server_sync, fixed pool, no anti-pattern (and N = n when given)."""
    return (text(r, "server") == "sync" and text(r, "pool") != "elastic" and plain(r)
            and (n is None or val(r, "threads") == n))


def is_async(r: Row, k: float | None = None) -> bool:
    """server_async, no anti-pattern (and K = k when given)."""
    return text(r, "server") == "async" and plain(r) and (k is None or val(r, "threads") == k)


def is_elastic(r: Row) -> bool:
    """An elastic pool: server_sync's (our model of .NET's) or a command series judged as elastic (.NET's)."""
    return ((text(r, "server") == "sync" and text(r, "pool") == "elastic")
            or (text(r, "server") == "command" and text(r, "bound_model") == "elastic"))


def past_timeout(r: Row) -> bool:
    """Its requests need longer than the client timeout in the closed loop's queue: ceil(C / capacity) x L >
    timeout_s, capacity N for a fixed pool, the minimum for an elastic one (grid.start_capacity)."""
    c, l_ms, timeout = val(r, "concurrency"), val(r, "latency_ms"), val(r, "timeout_s")
    if None in (c, l_ms, timeout) or text(r, "stages"):
        return False
    cap = start_capacity(Series(server=text(r, "server"), pool=text(r, "pool"), threads=int(val(r, "threads") or 1),
                                min_threads=int(val(r, "min_threads") or 0),
                                bound_model=text(r, "bound_model") or None, antipattern=text(r, "antipattern")))
    return cap is not None and queued_response_s(c, cap, l_ms) > timeout


def steady(r: Row) -> bool:
    """Its window shows a steady state: not queued past the client timeout, or starting after that timeout."""
    return not past_timeout(r) or (val(r, "warmup_s") or 0.0) >= (val(r, "timeout_s") or 0.0)


def given_up(r: Row) -> bool:
    """Queued past the client timeout and measured after it: its clients give up before its bound is reached."""
    return past_timeout(r) and steady(r)


def first(rows: Iterable[Row], pred: Callable[[Row], bool]) -> Row | None:
    """The first row matching ``pred``."""
    return next((r for r in rows if pred(r)), None)


def at(r: Row, c: float, latency_ms: float | None = None) -> bool:
    """The row is at concurrency c (and latency_ms when given)."""
    return val(r, "concurrency") == c and (latency_ms is None or val(r, "latency_ms") == latency_ms)


def lat(r: Row) -> str:
    """L of a row for prose: '2 s' or '200 ms'."""
    return latency(val(r, "latency_ms") or 0.0)


def c_of(r: Row) -> str:
    """'C = 1,000'."""
    return f"C = {f(val(r, 'concurrency'), 0)}"


def binary_of(r: Row) -> str:
    """Which program a row ran: server_sync / server_async by kind, a command series by its label."""
    return r["label"] if r["server"] == "command" else r["server"]


def idle_rss_kb(rows: Iterable[Row]) -> dict[str, float]:
    """Per program (binary_of): the smallest RSS measured at start, before any load - the idle server."""
    out: dict[str, float] = {}
    for r in rows:
        b = r.get("server_rss_base_kb")
        if b:
            out[binary_of(r)] = min(out.get(binary_of(r), b), b)
    return out


def rss_per_request_kb(r: Row, idle: dict[str, float]) -> float | None:
    """(peak RSS - idle RSS of the same binary) / C: memory per in-flight request, thread stacks included even
    when the pool created its threads before the load."""
    base = idle.get(binary_of(r))
    if not base or not r.get("server_rss_kb") or not r.get("concurrency"):
        return None
    return max(0.0, r["server_rss_kb"] - base) / r["concurrency"]
