#!/usr/bin/env python3
"""Run a grid of server configurations x concurrency levels and record one summary row per point.

For every point of the grid this script
  1. starts the server (server_sync or server_async) on an ephemeral port and waits for its first stdout line,
     exactly ``listening on 127.0.0.1:PORT``;
  2. reads the server's /metrics once (baseline RSS, threads);
  3. runs loadgen (closed loop, keep-alive) with ``--scrape`` so the server's gauges land on the same timeline as
     the client's throughput and latency;
  4. reads /metrics again, sends SIGTERM and records the server's exit code (0 clean, 4 deadlock detected, ...);
  5. writes a row to ``summary.csv`` - a point that fails (crash, deadlock exit, start failure, loadgen error,
     hang) is recorded with its ``status`` and ``detail``, never dropped, and the sweep goes on.

With two or more usable cores the server is pinned to core 0 and loadgen to core 1 (``taskset``), so the load
generator never competes with the server it measures; the script says so on stderr.

Outputs, under ``results/<run-id>/``:
  summary.csv            one row per point (columns: SUMMARY_COLUMNS below; units in the names)
  loadgen/<point>.json   loadgen's full JSON report
  timeseries/<point>.csv loadgen's time series (client columns + scraped server gauges)
  logs/<point>.*.log     server stdout/stderr and loadgen stdout/stderr
  machine.json           cores, CPU model, kernel, compiler, build type, git commit
  grid.json              the expanded grid as run
and ``results/latest/`` is refreshed as a copy of the run (a copy, not a symlink, so CI artifacts keep it).

Little's-law bound: a closed loop of C connections against a server that can hold ``capacity`` requests in the
slow store at once, each for L seconds, completes at most ``min(C, capacity) / L`` requests per second
(``bound_rps``); ``efficiency = throughput_rps / bound_rps``. capacity is
  * sync, fixed pool or thread-per-connection: N (``--threads``);
  * sync, elastic pool: the worker threads actually available, from the scraped ``threadpool_threads`` time
    series: each of the min(C, threads(t)) slots completes one request every L from the moment it appears, and
    the bound counts those completions in the steady window (see elastic_completions); capacity is reported as
    the equivalent constant pool (bound x L). Without a time series: the heuristic's reach, min + 2 threads/s;
  * async (``--antipattern none`` or ``offload``): C - awaiting costs no thread;
  * async ``blocking-store``: K (each io thread is blocked for L per request);
  * async ``sync-over-async``: K - 1 (deadlocks at K = 1: bound 0, the point is expected to end in "deadlock").
A grid point may force the capacity model with ``"bound_model"`` (the regression gate's planted regression runs
``blocking-store`` but is judged against the async bound).

Standard library only. Run ``sweep.py --help`` for the flags; ``--dry-run`` prints the plan and its ETA.
"""

from __future__ import annotations

import argparse
import copy
import csv
import datetime as _dt
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GRID = REPO_ROOT / "bench" / "grid_default.json"
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "release"
DEFAULT_RESULTS = REPO_ROOT / "results"

# Binaries relative to the build directory (contract).
BINARY_PATHS = {
    "server_sync": Path("server_sync") / "server_sync",
    "server_async": Path("server_async") / "server_async",
    "loadgen": Path("bench") / "loadgen" / "loadgen",
}

LISTEN_RE = re.compile(r"^listening on 127\.0\.0\.1:(\d+)\s*$")

# Exit codes shared by the servers (CONTRACTS.md).
EXIT_OK, EXIT_BAD_ARGS, EXIT_BIND, EXIT_DEADLOCK = 0, 2, 3, 4

# Every status a point can end with. "ok" means the run completed as planned (errors, if any, are in the
# error columns); everything else says why the numbers are missing or suspect.
STATUSES = (
    "ok",                # server started, loadgen ran, server was up until SIGTERM (exit code: its own column)
    "deadlock",          # server exited 4 (deadlock detected with --deadlock-exit) or reported deadlock_detected
    "crash",             # server died during the run (signal or unexpected exit code), or by a signal at SIGTERM
    "start_failed",      # no listening line (bad flags, cannot bind, binary missing, timeout)
    "loadgen_failed",    # loadgen exited non-zero or wrote no JSON
    "hang",              # loadgen exceeded its hard time limit and was killed
    "shutdown_timeout",  # server ignored SIGTERM past its grace period and was killed
)

SUMMARY_COLUMNS = [
    "run_id", "point", "label", "server", "model", "pool", "antipattern", "threads", "min_threads",
    "max_threads", "queue_limit", "concurrency", "latency_ms", "warmup_s", "window_s", "timeout_s",
    "expect", "status", "detail", "server_exit_code", "loadgen_exit_code",
    "throughput_rps", "capacity", "capacity_basis", "bound_rps", "efficiency",
    "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
    "completed", "ok", "errors_total", "errors_connect", "errors_read", "errors_write", "errors_timeout",
    "errors_4xx", "errors_5xx", "errors_503", "littles_law_ratio",
    "per_conn_min", "per_conn_median", "per_conn_max",
    "peak_threads", "peak_busy_threads", "peak_queue_length", "max_loop_lag_ms", "peak_in_flight",
    "peak_connections_open", "deadlock_detected", "store_calls_total",
    "server_rss_base_kb", "server_rss_kb", "rss_delta_kb", "rss_per_conn_kb", "rss_per_inflight_kb",
    "server_died_after_s", "wall_s", "pinned", "extra_server_args",
]

# Fields a grid series may set, with their defaults. "concurrency" is a list; everything else scalar.
SERIES_DEFAULTS: dict[str, Any] = {
    "label": None,              # legend / report name; derived when absent
    "server": None,             # "sync" | "async" (required)
    "model": "pool",            # sync: "pool" | "thread-per-connection"; async: "coroutine"
    "pool": "fixed",            # sync pool: "fixed" | "elastic"
    "antipattern": "none",      # async: none | blocking-store | sync-over-async | offload
    "threads": 1,               # N (sync fixed / thread-per-connection) or K (async)
    "min_threads": None,        # sync elastic
    "max_threads": None,        # sync elastic
    "queue_limit": 0,           # sync: 0 = unbounded
    "deadlock_exit": False,     # async: pass --deadlock-exit
    "expect": "ok",             # "ok" or "deadlock" (what the regression gate and report expect)
    "bound_model": None,        # force capacity model: "sync" | "async" | "blocking" | None (derived)
    "latency_ms": 2000,
    "jitter": "none",
    "warmup_s": 2.0,
    "warmup_per_1k_conns_s": 0.0,  # extra warm-up per 1,000 connections: covers the connect ramp
    "window_s": 8.0,
    "timeout_s": 10.0,
    "users": 10000,
    "max_connections": 18000,     # below the 20,000 descriptor limit, so the server answers 503, not EMFILE
    "loadgen_threads": 1,
    "path": "/users/{rand:1..USERS}",
    "extra_server_args": [],
    "extra_loadgen_args": [],
    "concurrency": [],
}

ELASTIC_GROWTH_PER_S = 2.0  # the .NET starvation heuristic: one thread per 500 ms gate period


class SweepError(Exception):
    """A bad grid, bad flag or missing input: reported as one line, exit 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        print(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


# ---------------------------------------------------------------------------------------------------------------
# Grid
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Point:
    """One sweep point: a server configuration at one concurrency level."""

    index: int
    series: dict[str, Any]
    concurrency: int
    id: str = ""

    def __getattr__(self, name: str) -> Any:  # series fields read as attributes
        series = self.__dict__.get("series")
        if series is not None and name in series:
            return series[name]
        raise AttributeError(name)

    @property
    def warmup_s(self) -> float:
        """Warm-up of this point: the series' warm-up plus its per-1,000-connections extra (connect ramp)."""
        extra = float(self.series["warmup_per_1k_conns_s"]) * self.concurrency / 1000.0
        return float(self.series["warmup_s"]) + extra

    @property
    def duration_s(self) -> float:
        """The whole loadgen run, warm-up included."""
        return self.warmup_s + float(self.series["window_s"])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def series_label(s: dict[str, Any]) -> str:
    """A short human name for a series when the grid gives none, e.g. 'sync fixed N=10'."""
    if s["server"] == "sync":
        if s["model"] == "thread-per-connection":
            return f"sync thread-per-conn N={s['threads']}"
        if s["pool"] == "elastic":
            return f"sync elastic min={s['min_threads']}"
        return f"sync fixed N={s['threads']}"
    if s["antipattern"] != "none":
        return f"async {s['antipattern']} K={s['threads']}"
    return f"async K={s['threads']}"


def series_key(s: dict[str, Any]) -> str:
    """A file-name-safe id for a series, e.g. 'sync-fixed-n10'; extra server flags are part of it, so two
    series that differ only by them (e.g. --starvation-signal) get distinct point ids."""
    if s["server"] == "sync":
        if s["model"] == "thread-per-connection":
            key = f"sync-tpc-n{s['threads']}"
        elif s["pool"] == "elastic":
            key = f"sync-elastic-min{s['min_threads']}-max{s['max_threads']}"
        else:
            key = f"sync-fixed-n{s['threads']}"
    else:
        tag = "" if s["antipattern"] == "none" else "-" + _slug(s["antipattern"])
        key = f"async{tag}-k{s['threads']}"
    if s["extra_server_args"]:
        key += "-" + _slug("-".join(str(a).lstrip("-") for a in s["extra_server_args"]))
    return key


def _validate_series(s: dict[str, Any], where: str) -> None:
    unknown = sorted(set(s) - set(SERIES_DEFAULTS))
    if unknown:
        raise SweepError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if s["server"] not in ("sync", "async"):
        raise SweepError(f"{where}: 'server' must be 'sync' or 'async', got {s['server']!r}")
    if s["server"] == "sync":
        if s["model"] not in ("pool", "thread-per-connection"):
            raise SweepError(f"{where}: sync 'model' must be 'pool' or 'thread-per-connection'")
        if s["pool"] not in ("fixed", "elastic"):
            raise SweepError(f"{where}: sync 'pool' must be 'fixed' or 'elastic'")
        if s["antipattern"] != "none":
            raise SweepError(f"{where}: 'antipattern' applies to async only")
        if s["pool"] == "elastic":
            s["min_threads"] = int(s["min_threads"] if s["min_threads"] is not None else (os.cpu_count() or 2))
            s["max_threads"] = int(s["max_threads"] if s["max_threads"] is not None else 1000)
            if not 1 <= s["min_threads"] <= s["max_threads"]:
                raise SweepError(f"{where}: need 1 <= min_threads <= max_threads")
    else:
        s["model"] = "coroutine"
        s["pool"] = ""
        if s["antipattern"] not in ("none", "blocking-store", "sync-over-async", "offload"):
            raise SweepError(f"{where}: unknown antipattern {s['antipattern']!r}")
    if s["expect"] not in ("ok", "deadlock"):
        raise SweepError(f"{where}: 'expect' must be 'ok' or 'deadlock'")
    if s["bound_model"] not in (None, "sync", "async", "blocking", "elastic"):
        raise SweepError(f"{where}: 'bound_model' must be sync|async|blocking|elastic")
    for key in ("threads", "latency_ms", "users", "max_connections", "loadgen_threads", "queue_limit"):
        try:
            s[key] = int(s[key])
        except (TypeError, ValueError):
            raise SweepError(f"{where}: '{key}' must be an integer, got {s[key]!r}") from None
    if s["threads"] < 1 or s["latency_ms"] < 0 or s["loadgen_threads"] < 1:
        raise SweepError(f"{where}: threads and loadgen_threads must be >= 1, latency_ms >= 0")
    for key in ("warmup_s", "warmup_per_1k_conns_s", "window_s", "timeout_s"):
        try:
            s[key] = float(s[key])
        except (TypeError, ValueError):
            raise SweepError(f"{where}: '{key}' must be a number, got {s[key]!r}") from None
    if s["window_s"] <= 0 or s["warmup_s"] < 0 or s["timeout_s"] <= 0:
        raise SweepError(f"{where}: window_s and timeout_s must be > 0, warmup_s >= 0")
    conc = s["concurrency"]
    if not isinstance(conc, list) or not conc or not all(isinstance(c, int) and c >= 1 for c in conc):
        raise SweepError(f"{where}: 'concurrency' must be a non-empty list of positive integers")
    for key in ("extra_server_args", "extra_loadgen_args"):
        if not isinstance(s[key], list) or not all(isinstance(a, str) for a in s[key]):
            raise SweepError(f"{where}: '{key}' must be a list of strings")


def load_grid(path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Reads and validates a JSON grid file; ``overrides`` replace series fields (after the grid's defaults).

    Grid format::

        {"name": "...", "description": "...",
         "defaults": {<series fields>},
         "series": [{<series fields>, "concurrency": [1, 10, ...]}, ...]}
    """
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise SweepError(f"cannot read grid {path}: {e.strerror}") from None
    try:
        grid = json.loads(text)
    except json.JSONDecodeError as e:
        raise SweepError(f"grid {path}: invalid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(grid, dict) or not isinstance(grid.get("series"), list) or not grid["series"]:
        raise SweepError(f"grid {path}: needs a non-empty 'series' list")
    defaults = grid.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SweepError(f"grid {path}: 'defaults' must be an object")
    expanded = []
    for i, raw in enumerate(grid["series"]):
        if not isinstance(raw, dict):
            raise SweepError(f"grid {path}: series #{i + 1} must be an object")
        s = copy.deepcopy(SERIES_DEFAULTS)
        s.update(copy.deepcopy(defaults))
        s.update(copy.deepcopy(raw))
        for k, v in (overrides or {}).items():
            if v is not None:
                s[k] = copy.deepcopy(v)
        if "USERS" in s["path"]:
            s["path"] = s["path"].replace("USERS", str(s.get("users", 10000)))
        _validate_series(s, f"grid {path}: series #{i + 1}")
        if not s["label"]:
            s["label"] = series_label(s)
        expanded.append(s)
    return {"name": grid.get("name", Path(path).stem), "description": grid.get("description", ""),
            "series": expanded}


def expand_points(grid: dict[str, Any], only: str | None = None) -> list[Point]:
    """The grid's points in run order (series by series, as listed); ``only`` selects series by label or id
    (an exact match wins over substring matches)."""
    points: list[Point] = []
    chosen = grid["series"]
    if only:
        o = only.lower()
        exact = [s for s in chosen if o in (s["label"].lower(), series_key(s))]
        chosen = exact or [s for s in chosen if o in s["label"].lower() or o in series_key(s)]
    for s in chosen:
        for c in s["concurrency"]:
            p = Point(index=len(points) + 1, series=s, concurrency=int(c))
            p.id = f"{p.index:02d}-{series_key(s)}-c{c}"
            points.append(p)
    return points


# ---------------------------------------------------------------------------------------------------------------
# Little's law bound
# ---------------------------------------------------------------------------------------------------------------

def bound_model(s: dict[str, Any]) -> str:
    """Which capacity model judges a series: 'sync', 'elastic', 'async', 'blocking' or 'deadlock'."""
    if s.get("bound_model"):
        return s["bound_model"]
    if s["server"] == "sync":
        return "elastic" if (s["model"] == "pool" and s["pool"] == "elastic") else "sync"
    ap = s.get("antipattern", "none")
    if ap == "blocking-store":
        return "blocking"
    if ap == "sync-over-async":
        return "deadlock" if int(s["threads"]) <= 1 else "sync-over-async"
    return "async"


def elastic_model_threads(min_threads: int, max_threads: int, t_s: float) -> float:
    """Threads the elastic heuristic can have added by time t under constant starvation."""
    return min(float(max_threads), min_threads + math.floor(t_s * ELASTIC_GROWTH_PER_S))


def compute_capacity(s: dict[str, Any], concurrency: int, timeseries: list[dict[str, float]] | None,
                     warmup_s: float, duration_s: float) -> tuple[float | None, str]:
    """(capacity, basis): how many requests the server can hold in the store at once (see module doc)."""
    model = bound_model(s)
    k = int(s["threads"])
    if model == "sync":
        return float(k), "N"
    if model == "async":
        return float(concurrency), "C"
    if model == "blocking":
        return float(k), "K (blocking-store)"
    if model == "sync-over-async":
        return float(max(k - 1, 0)), "K-1 (sync-over-async)"
    if model == "deadlock":
        return 0.0, "deadlock (K=1)"
    # elastic: the pool's slots (min(C, threads)) over time, from the scrape; without one, the heuristic's reach
    lat_s = float(s["latency_ms"]) / 1000.0
    window_s = duration_s - warmup_s
    slots: list[tuple[float, float]] = []  # (t, min(C, threads)) steps
    basis = "threads over time (scraped), counted per L"
    if timeseries:
        pts = [(r["t_s"], r["threadpool_threads"]) for r in timeseries
               if r.get("threadpool_threads") is not None and r.get("t_s") is not None]
        if pts:
            dt = pts[1][0] - pts[0][0] if len(pts) > 1 else 0.25
            slots = [(0.0, min(float(concurrency), pts[0][1]))]
            slots += [(t - dt / 2, min(float(concurrency), v)) for t, v in pts[1:]]  # a change: mid-interval
    if not slots:
        lo, hi = int(s["min_threads"]), int(s["max_threads"])
        slots = [(t / ELASTIC_GROWTH_PER_S, min(float(concurrency), float(elastic_model_threads(lo, hi, t / 2))))
                 for t in range(int(duration_s * ELASTIC_GROWTH_PER_S) + 1)]
        basis = "heuristic min+2/s (no time series)"
    if lat_s <= 0 or window_s <= 0:
        return slots[-1][1], basis
    return elastic_completions(slots, lat_s, warmup_s, duration_s) * lat_s / window_s, basis


def elastic_completions(slots: list[tuple[float, float]], lat_s: float, w0: float, w1: float) -> float:
    """Completions in [w0, w1) of a pool whose busy slots follow the step function ``slots`` [(t, count)].

    Each slot, from the instant it appears (a thread injected while work is queued picks a request at once),
    completes a request every L: at tau + L, tau + 2L, ... A slot that disappears (thread retired) stops. This
    is Little's law per slot; averaging min(C, threads) over the window instead would miss that a slot added at
    a random instant completes ceil((w1 - L - tau) / L) requests in the window - on average half a request more
    than its share of the integral.
    """
    active: list[float] = []  # start times of the live slots
    ended: list[tuple[float, float]] = []  # (start, end) of retired slots
    for t, n in slots:
        n = int(round(n))
        while len(active) < n:
            active.append(t)
        while len(active) > n:
            ended.append((active.pop(), t))
    total = 0
    for tau, end in [(a, float("inf")) for a in active] + ended:
        k = 1
        while tau + k * lat_s < min(w1, end + lat_s):
            if tau + k * lat_s >= w0:
                total += 1
            k += 1
    return float(total)


def bound_rps(capacity: float | None, concurrency: int, latency_ms: float) -> float | None:
    """min(C, capacity) / L in requests per second (None when L = 0: no bound from the store)."""
    if capacity is None or latency_ms <= 0:
        return None
    return min(float(concurrency), capacity) / (latency_ms / 1000.0)


# ---------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Binaries:
    """Paths of the three programs a sweep runs."""

    server_sync: Path
    server_async: Path
    loadgen: Path

    @classmethod
    def from_build_dir(cls, build_dir: Path, **explicit: str | None) -> "Binaries":
        """Contract paths under ``build_dir``; any explicit path (flag) wins."""
        paths = {}
        for name, rel in BINARY_PATHS.items():
            paths[name] = Path(explicit[name]) if explicit.get(name) else Path(build_dir) / rel
        return cls(**paths)

    def missing(self, points: list[Point]) -> list[str]:
        """Binaries the given points need that do not exist or are not executable."""
        need = {"loadgen"} | {f"server_{p.server}" for p in points}
        return [str(getattr(self, n)) for n in sorted(need)
                if not (getattr(self, n).is_file() and os.access(getattr(self, n), os.X_OK))]


def server_command(p: Point, binaries: Binaries) -> list[str]:
    """The server's command line for point ``p`` (port 0: ephemeral)."""
    s = p.series
    exe = binaries.server_sync if s["server"] == "sync" else binaries.server_async
    cmd = [str(exe), "--port", "0", "--threads", str(s["threads"]),
           "--store-latency-ms", str(s["latency_ms"]), "--store-jitter", str(s["jitter"]),
           "--users", str(s["users"]), "--max-connections", str(s["max_connections"]),
           "--log-level", "warn"]
    if s["server"] == "sync":
        cmd += ["--model", s["model"]]
        if s["model"] == "pool":
            cmd += ["--pool", s["pool"]]
            if s["pool"] == "elastic":
                cmd += ["--min-threads", str(s["min_threads"]), "--max-threads", str(s["max_threads"])]
        if s["queue_limit"]:
            cmd += ["--queue-limit", str(s["queue_limit"])]
    else:
        if s["antipattern"] != "none":
            cmd += ["--antipattern", s["antipattern"]]
        if s["deadlock_exit"]:
            cmd += ["--deadlock-exit"]
    return cmd + list(s["extra_server_args"])


def _dur(seconds: float) -> str:
    """loadgen duration syntax: whole milliseconds ('8500ms')."""
    return f"{int(round(seconds * 1000))}ms"


def loadgen_command(p: Point, binaries: Binaries, port: int, out: dict[str, Path]) -> list[str]:
    """loadgen's command line for point ``p`` against 127.0.0.1:port, writing the files in ``out``."""
    s = p.series
    base = f"http://127.0.0.1:{port}"
    return [str(binaries.loadgen), "-t", str(s["loadgen_threads"]), "-c", str(p.concurrency),
            "-d", _dur(p.duration_s), "--warmup", _dur(p.warmup_s), "--timeout", _dur(s["timeout_s"]),
            "--scrape", f"{base}/metrics", "--json", str(out["json"]), "--csv", str(out["csv"]),
            "--timeseries", str(out["timeseries"]), "--path", s["path"], "--no-progress",
            *s["extra_loadgen_args"], base + "/"]


def pinning_plan(no_pin: bool) -> tuple[list[str], list[str], str]:
    """(server prefix, loadgen prefix, message): taskset pinning when >= 2 usable cores and taskset exists."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except AttributeError:
        cores = list(range(os.cpu_count() or 1))
    taskset = shutil.which("taskset")
    if no_pin:
        return [], [], "pinning: off (--no-pin)"
    if len(cores) < 2:
        return [], [], f"pinning: off (only {len(cores)} usable core)"
    if not taskset:
        return [], [], "pinning: off (taskset not found)"
    a, b = cores[0], cores[1]
    return ([taskset, "-c", str(a)], [taskset, "-c", str(b)],
            f"pinning: server on core {a}, loadgen on core {b} (taskset; {len(cores)} usable cores)")


# ---------------------------------------------------------------------------------------------------------------
# Running one point
# ---------------------------------------------------------------------------------------------------------------

def scrape_metrics(port: int, timeout: float = 2.0) -> dict[str, float]:
    """GET /metrics and sum samples by metric name (labels folded); {} when it cannot be read."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as r:
            text = r.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - any failure just means "no sample"
        return {}
    return parse_prometheus(text)


def parse_prometheus(text: str) -> dict[str, float]:
    """Minimal Prometheus text reader: {name: value}, samples of one name with different labels summed."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m:
            continue
        try:
            v = float(m.group(3))
        except ValueError:
            continue
        out[m.group(1)] = out.get(m.group(1), 0.0) + v
    return out


class _LineReader(threading.Thread):
    """Copies a pipe to a log file; the first line is handed to whoever waits on ``first_line``."""

    def __init__(self, pipe, log_path: Path):
        super().__init__(daemon=True)
        self.pipe, self.log_path = pipe, log_path
        self.first_line: str | None = None
        self.got_first = threading.Event()

    def run(self) -> None:
        with open(self.log_path, "w", encoding="utf-8", errors="replace") as log:
            for raw in iter(self.pipe.readline, b""):
                line = raw.decode("utf-8", "replace")
                if self.first_line is None:
                    self.first_line = line.rstrip("\r\n")
                    self.got_first.set()
                log.write(line)
                log.flush()
        self.got_first.set()


def _terminate(proc: subprocess.Popen, grace_s: float) -> tuple[int | None, bool]:
    """SIGTERM, wait up to grace_s, then SIGKILL. Returns (exit code, killed)."""
    if proc.poll() is not None:
        return proc.returncode, False
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=grace_s), False
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(), True


def _exit_text(code: int | None) -> str:
    if code is None:
        return "none"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


def run_point(p: Point, run_dir: Path, binaries: Binaries, pin: tuple[list[str], list[str]],
              run_id: str) -> dict[str, Any]:
    """Runs one point end to end and returns its summary row (never raises for a failed run)."""
    s = p.series
    t0 = time.monotonic()
    logs = run_dir / "logs"
    out = {"json": run_dir / "loadgen" / f"{p.id}.json",
           "csv": run_dir / "loadgen" / "loadgen_summary.csv",
           "timeseries": run_dir / "timeseries" / f"{p.id}.csv"}
    for d in (logs, out["json"].parent, out["timeseries"].parent):
        d.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {"status": "ok", "detail": [], "server_exit_code": None, "loadgen_exit_code": None,
                            "base": {}, "final": {}}
    srv_cmd = pin[0] + server_command(p, binaries)
    (logs / f"{p.id}.cmd.txt").write_text(" ".join(srv_cmd) + "\n")
    try:
        server = subprocess.Popen(srv_cmd, stdout=subprocess.PIPE, stderr=open(logs / f"{p.id}.server.err", "wb"),
                                  stdin=subprocess.DEVNULL)
    except OSError as e:
        info["status"] = "start_failed"
        info["detail"].append(f"cannot start server: {e.strerror}")
        return build_row(p, run_id, info, None, None, time.monotonic() - t0, pin)
    reader = _LineReader(server.stdout, logs / f"{p.id}.server.out")
    reader.start()
    port = None
    if reader.got_first.wait(timeout=15.0) and reader.first_line is not None:
        m = LISTEN_RE.match(reader.first_line)
        if m:
            port = int(m.group(1))
        else:
            info["detail"].append(f"unexpected first line {reader.first_line[:80]!r}")
    if port is None:
        code, _ = _terminate(server, 3.0)
        info["status"] = "start_failed"
        info["server_exit_code"] = code
        err = _tail(logs / f"{p.id}.server.err")
        info["detail"].append(f"no listening line (server {_exit_text(code)}){': ' + err if err else ''}")
        return build_row(p, run_id, info, None, None, time.monotonic() - t0, pin)

    info["base"] = scrape_metrics(port)
    t_load = time.monotonic()
    died_at: list[float] = []
    watcher = threading.Thread(target=lambda: (server.wait(), died_at.append(time.monotonic() - t_load)),
                               daemon=True)
    watcher.start()
    lg_cmd = pin[1] + loadgen_command(p, binaries, port, out)
    with open(logs / f"{p.id}.cmd.txt", "a") as f:
        f.write(" ".join(lg_cmd) + "\n")
    hard_limit = p.duration_s + s["timeout_s"] + 20.0
    try:
        lg = subprocess.run(lg_cmd, stdout=open(logs / f"{p.id}.loadgen.out", "wb"),
                            stderr=open(logs / f"{p.id}.loadgen.err", "wb"), stdin=subprocess.DEVNULL,
                            timeout=hard_limit)
        info["loadgen_exit_code"] = lg.returncode
    except subprocess.TimeoutExpired:
        info["status"] = "hang"
        info["detail"].append(f"loadgen still running after {hard_limit:.0f} s: killed")
    except OSError as e:
        info["status"] = "loadgen_failed"
        info["detail"].append(f"cannot start loadgen: {e.strerror}")

    server_died = server.poll() is not None
    if server_died:
        watcher.join(timeout=1.0)
        info["server_died_after_s"] = round(died_at[0], 2) if died_at else None
    if not server_died:
        info["final"] = scrape_metrics(port)
    grace = s["latency_ms"] / 1000.0 + 1.0 + 5.0
    code, killed = _terminate(server, grace)
    info["server_exit_code"] = code
    reader.join(timeout=2.0)
    deadlock_metric = (info["final"].get("deadlock_detected") or 0) > 0

    # Status, worst cause first.
    if code == EXIT_DEADLOCK or (deadlock_metric and s["server"] == "async"):
        info["status"] = "deadlock"
        info["detail"].append("server exited 4: deadlock detected" if code == EXIT_DEADLOCK
                              else "deadlock_detected metric set")
    elif server_died and code != EXIT_OK:
        info["status"] = "crash"
        info["detail"].append(f"server died during the run ({_exit_text(code)})")
    elif killed:
        if info["status"] == "ok":
            info["status"] = "shutdown_timeout"
        info["detail"].append(f"server ignored SIGTERM for {grace:.0f} s: killed")
    elif code is not None and code < 0 and info["status"] == "ok":
        info["status"] = "crash"
        info["detail"].append(f"server crashed during shutdown ({_exit_text(code)})")
    elif code != EXIT_OK:
        # The measurement is complete; the server only reported that it could not drain everything within its
        # bound (e.g. an overloaded pool's queue of requests whose clients already gave up). Kept as data:
        # server_exit_code says it, the detail says why, and the regression gate checks it.
        err = _tail(logs / f"{p.id}.server.err")
        info["detail"].append(f"server {_exit_text(code)} after SIGTERM{': ' + err if err else ''}")
    lj = None
    if out["json"].is_file():
        try:
            lj = json.loads(out["json"].read_text())
        except (OSError, json.JSONDecodeError) as e:
            info["detail"].append(f"loadgen JSON unreadable: {e}")
    lg_code = info["loadgen_exit_code"]
    if lg_code not in (None, 0) or (lj is None and info["status"] == "ok"):
        if info["status"] == "ok":
            info["status"] = "loadgen_failed"
        err = _tail(logs / f"{p.id}.loadgen.err")
        info["detail"].append(f"loadgen {_exit_text(lg_code)}{', no JSON' if lj is None else ''}"
                              f"{': ' + err if err else ''}")
    ts = read_timeseries(out["timeseries"]) if out["timeseries"].is_file() else None
    return build_row(p, run_id, info, lj, ts, time.monotonic() - t0, pin)


def _tail(path: Path, limit: int = 160) -> str:
    """Last non-empty line of a log file, shortened (for the detail column)."""
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:limit] if lines else ""


# ---------------------------------------------------------------------------------------------------------------
# Reading loadgen output
# ---------------------------------------------------------------------------------------------------------------

def read_timeseries(path: Path) -> list[dict[str, float]]:
    """The time-series CSV as a list of {column: float or None} (``phase`` kept as text; ``server_X`` also as X)."""
    rows = []
    try:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                row = {k: _float(v) for k, v in r.items() if k}
                for k in list(row):  # loadgen prefixes scraped gauges with "server_": alias the bare name
                    if k.startswith("server_") and k[7:] not in row:
                        row[k[7:]] = row[k]
                if "phase" in r:
                    row["phase"] = r["phase"]
                rows.append(row)
    except OSError:
        return []
    return rows


def _float(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _get(d: Any, *path: str) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


# metric -> names the loadgen JSON 'server' section or the time series may use for it (column names carry units)
SERVER_KEYS = {
    "threadpool_threads": (["threadpool_threads"], 1.0),
    "threadpool_busy_threads": (["threadpool_busy_threads"], 1.0),
    "threadpool_queue_length": (["threadpool_queue_length"], 1.0),
    "http_requests_in_flight": (["http_requests_in_flight"], 1.0),
    "http_connections_open": (["http_connections_open"], 1.0),
    "eventloop_lag_max_ms": (["eventloop_lag_max_ms", "eventloop_lag_ms"], 1.0),
    "eventloop_lag_max_seconds": (["eventloop_lag_max_seconds", "eventloop_lag_seconds"], 1000.0),
    "rss_kb": (["rss_kb", "process_resident_memory_kb"], 1.0),
    "rss_bytes": (["process_resident_memory_bytes"], 1.0 / 1024.0),
}


def server_peak(lj: dict | None, ts: list[dict[str, float]] | None, names: list[str], scale: float = 1.0
                ) -> float | None:
    """Highest value of a scraped gauge: from the loadgen JSON 'server' peaks, else from the time series."""
    best = None
    section = _get(lj, "server") if lj else None
    if isinstance(section, dict):
        pools = [section] + [v for v in section.values() if isinstance(v, dict)]
        for pool in pools:
            for n in names:
                v = pool.get(n)
                if isinstance(v, dict):  # {"max": x} / {"peak": x}
                    v = v.get("max", v.get("peak"))
                v = _float(v)
                if v is not None:
                    best = v * scale if best is None else max(best, v * scale)
    for r in ts or []:
        for n in names:
            v = r.get(n)
            if v is not None:
                best = v * scale if best is None else max(best, v * scale)
    return best


def _peak_any(lj, ts, *keys: str) -> float | None:
    vals = [server_peak(lj, ts, *SERVER_KEYS[k]) for k in keys]
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


def build_row(p: Point, run_id: str, info: dict[str, Any], lj: dict | None,
              ts: list[dict[str, float]] | None, wall_s: float, pin) -> dict[str, Any]:
    """One summary.csv row from a point, its run information, loadgen's JSON and time series."""
    s = p.series
    row: dict[str, Any] = {c: None for c in SUMMARY_COLUMNS}
    row.update(run_id=run_id, point=p.id, label=s["label"], server=s["server"], model=s["model"],
               pool=s["pool"], antipattern=s["antipattern"] if s["server"] == "async" else "",
               threads=s["threads"], min_threads=s["min_threads"], max_threads=s["max_threads"],
               queue_limit=s["queue_limit"], concurrency=p.concurrency, latency_ms=s["latency_ms"],
               warmup_s=p.warmup_s, window_s=s["window_s"], timeout_s=s["timeout_s"], expect=s["expect"],
               status=info["status"], detail="; ".join(info["detail"]),
               server_exit_code=info["server_exit_code"], loadgen_exit_code=info["loadgen_exit_code"],
               server_died_after_s=info.get("server_died_after_s"),
               wall_s=round(wall_s, 2), pinned=bool(pin[0]), extra_server_args=" ".join(s["extra_server_args"]))
    if lj:
        window = _float(lj.get("window_s")) or s["window_s"]
        row["window_s"] = window
        row["throughput_rps"] = _float(lj.get("throughput_rps"))
        lat = lj.get("latency_us") or {}
        if lat.get("count") == 0:  # no response in the window: no latency (not 0 ms)
            lat = {}
        for col, key in (("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("p999_ms", "p999"),
                         ("max_ms", "max"), ("mean_ms", "mean")):
            v = _float(lat.get(key))
            row[col] = None if v is None else round(v / 1000.0, 3)
        req = lj.get("requests") or {}
        row["completed"] = req.get("completed")
        row["ok"] = req.get("ok")
        errs = {"errors_connect": "connect", "errors_read": "read", "errors_write": "write",
                "errors_timeout": "timeout", "errors_4xx": "status_4xx", "errors_5xx": "status_5xx",
                "errors_503": "status_503"}
        total = 0
        for col, key in errs.items():
            v = req.get(key)
            row[col] = int(v) if isinstance(v, (int, float)) else 0
            total += row[col]
        row["errors_total"] = total
        row["littles_law_ratio"] = _float(_get(lj, "littles_law", "ratio"))
        pc = lj.get("per_connection") or {}
        row["per_conn_min"], row["per_conn_median"], row["per_conn_max"] = (pc.get("min"), pc.get("median"),
                                                                            pc.get("max"))
    row["peak_threads"] = _peak_any(lj, ts, "threadpool_threads")
    row["peak_busy_threads"] = _peak_any(lj, ts, "threadpool_busy_threads")
    row["peak_queue_length"] = _peak_any(lj, ts, "threadpool_queue_length")
    row["max_loop_lag_ms"] = _peak_any(lj, ts, "eventloop_lag_max_ms", "eventloop_lag_max_seconds")
    row["peak_in_flight"] = _peak_any(lj, ts, "http_requests_in_flight")
    row["peak_connections_open"] = _peak_any(lj, ts, "http_connections_open")
    final, base = info.get("final") or {}, info.get("base") or {}
    if final.get("eventloop_lag_max_seconds") is not None:
        lag = final["eventloop_lag_max_seconds"] * 1000.0
        row["max_loop_lag_ms"] = lag if row["max_loop_lag_ms"] is None else max(row["max_loop_lag_ms"], lag)
    if final.get("threadpool_threads") is not None and row["peak_threads"] is None:
        row["peak_threads"] = final["threadpool_threads"]
    row["deadlock_detected"] = int(info["status"] == "deadlock" or (final.get("deadlock_detected") or 0) > 0)
    row["store_calls_total"] = final.get("store_calls_total")
    rss = _peak_any(lj, ts, "rss_kb", "rss_bytes")
    if final.get("process_resident_memory_bytes"):
        fin = final["process_resident_memory_bytes"] / 1024.0
        rss = fin if rss is None else max(rss, fin)
    row["server_rss_kb"] = None if rss is None else round(rss)
    if base.get("process_resident_memory_bytes"):
        row["server_rss_base_kb"] = round(base["process_resident_memory_bytes"] / 1024.0)
    if row["server_rss_kb"] is not None and row["server_rss_base_kb"] is not None:
        delta = max(0.0, row["server_rss_kb"] - row["server_rss_base_kb"])
        row["rss_delta_kb"] = round(delta)
        row["rss_per_conn_kb"] = round(delta / p.concurrency, 3)
        if row["peak_in_flight"]:
            row["rss_per_inflight_kb"] = round(delta / row["peak_in_flight"], 3)
    cap, basis = compute_capacity(s, p.concurrency, ts, p.warmup_s, p.duration_s)
    row["capacity"] = None if cap is None else round(cap, 3)
    row["capacity_basis"] = basis
    b = bound_rps(cap, p.concurrency, s["latency_ms"])
    row["bound_rps"] = None if b is None else round(b, 4)
    if b and row["throughput_rps"] is not None:
        row["efficiency"] = round(row["throughput_rps"] / b, 4)
    return row


# ---------------------------------------------------------------------------------------------------------------
# summary.csv
# ---------------------------------------------------------------------------------------------------------------

def write_summary(rows: list[dict[str, Any]], path: Path) -> None:
    """Writes (rewrites) summary.csv with SUMMARY_COLUMNS in order; None is written as an empty cell."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else _fmt(r.get(k))) for k in SUMMARY_COLUMNS})
    tmp.replace(path)


def _fmt(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    return v


NUMERIC_COLUMNS = {c for c in SUMMARY_COLUMNS if c not in (
    "run_id", "point", "label", "server", "model", "pool", "antipattern", "expect", "status", "detail",
    "capacity_basis", "extra_server_args")}


def series_of(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by series label, in first-seen order, each sorted by concurrency."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["label"], []).append(r)
    for v in out.values():
        v.sort(key=lambda r: r["concurrency"] or 0)
    return out


def read_summary(path: Path) -> list[dict[str, Any]]:
    """summary.csv as typed rows (numbers as float, empty as None). Raises SweepError when unreadable."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "status" not in reader.fieldnames:
                raise SweepError(f"{path}: not a summary.csv (no 'status' column)")
            rows = []
            for r in reader:
                rows.append({k: (_float(v) if k in NUMERIC_COLUMNS else (v or "")) for k, v in r.items() if k})
            return rows
    except OSError as e:
        raise SweepError(f"cannot read {path}: {e.strerror}") from None
    except csv.Error as e:
        raise SweepError(f"{path}: malformed CSV: {e}") from None


# ---------------------------------------------------------------------------------------------------------------
# machine.json
# ---------------------------------------------------------------------------------------------------------------

def _run(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=cwd).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cmake_cache(build_dir: Path) -> dict[str, str]:
    out = {}
    try:
        for line in (Path(build_dir) / "CMakeCache.txt").read_text(errors="replace").splitlines():
            m = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line)
            if m:
                out[m.group(1)] = m.group(2)
    except OSError:
        pass
    return out


def machine_info(build_dir: Path, pin_message: str) -> dict[str, Any]:
    """Cores, CPU model, kernel, compiler, build type, git commit - what a number needs to be comparable."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        m = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_kb = int(m.group(1)) if m else None
    except OSError:
        pass
    cache = _cmake_cache(build_dir)
    compiler = cache.get("CMAKE_CXX_COMPILER", "")
    version = _run([compiler, "--version"]).splitlines()[0] if compiler and Path(compiler).exists() else ""
    commit = _run(["git", "rev-parse", "HEAD"], REPO_ROOT)
    dirty = bool(_run(["git", "status", "--porcelain", "--untracked-files=no"], REPO_ROOT))
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        nofile = __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)
    except Exception:  # noqa: BLE001
        nofile = None
    return {
        "cores": os.cpu_count(), "usable_cores": usable, "cpu_model": cpu_model, "memory_kb": mem_kb,
        "kernel": platform.release(), "os": platform.platform(), "hostname": platform.node(),
        "compiler": version or compiler, "build_type": cache.get("CMAKE_BUILD_TYPE", "unknown"),
        "build_dir": str(build_dir), "git_commit": commit, "git_dirty": dirty,
        "python": platform.python_version(), "pinning": pin_message,
        "rlimit_nofile": list(nofile) if nofile else None,
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------------------------------------------------------
# Plan, ETA, main
# ---------------------------------------------------------------------------------------------------------------

def estimate_seconds(p: Point) -> float:
    """Expected wall time of a point: start + run + drain of in-flight requests + shutdown."""
    s = p.series
    lat = s["latency_ms"] / 1000.0
    model = bound_model(s)
    est = 0.8 + p.duration_s + lat
    overloaded = ((model in ("sync", "blocking") and p.concurrency > s["threads"])
                  or (model == "elastic" and p.concurrency > (s["min_threads"] or 1)))
    if model == "deadlock":
        est += s["timeout_s"]  # in-flight requests die with the server; connect errors until the end
    elif overloaded:
        # requests queued at the end wait ~C/cap * L, up to the client timeout; then the server drains
        wait = min(s["timeout_s"], math.ceil(p.concurrency / max(s["threads"], 1)) * lat)
        est += wait + min(lat + 1.0, 3.0)
    return est


def _hms(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def refresh_latest(run_dir: Path, latest: Path) -> None:
    """Replaces results/latest with a copy of run_dir."""
    tmp = latest.with_name(latest.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(run_dir, tmp, symlinks=False)
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    tmp.rename(latest)


def run_sweep(points: list[Point], run_dir: Path, binaries: Binaries, pin: tuple[list[str], list[str]],
              run_id: str, log=print) -> list[dict[str, Any]]:
    """Runs every point, rewriting summary.csv after each (a killed sweep keeps what it measured)."""
    rows: list[dict[str, Any]] = []
    stale = run_dir / "loadgen" / "loadgen_summary.csv"  # loadgen appends: start it afresh on a reused run id
    if stale.exists():
        stale.unlink()
    estimates = [estimate_seconds(p) for p in points]
    start = time.monotonic()
    spent_est = 0.0
    for i, p in enumerate(points):
        elapsed = time.monotonic() - start
        scale = elapsed / spent_est if spent_est > 0 else 1.0
        eta = sum(estimates[i:]) * min(max(scale, 0.5), 3.0)
        log(f"[{i + 1}/{len(points)}] {p.label} C={p.concurrency} L={p.latency_ms}ms "
            f"(elapsed {_hms(elapsed)}, ETA {_hms(eta)})")
        row = run_point(p, run_dir, binaries, pin, run_id)
        rows.append(row)
        write_summary(rows, run_dir / "summary.csv")
        spent_est += estimates[i]
        tput = row["throughput_rps"]
        msg = (f"    -> {row['status']}: {tput:.2f} req/s" if tput is not None else f"    -> {row['status']}")
        if row["efficiency"] is not None:
            msg += f", bound {row['bound_rps']:.2f}, efficiency {row['efficiency']:.3f}"
        if row["p99_ms"] is not None:
            msg += f", p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms"
        if row["errors_total"]:
            msg += f", errors {row['errors_total']}"
        if row["detail"]:
            msg += f" [{row['detail']}]"
        log(msg + f" ({row['wall_s']:.1f} s)")
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line: grid file + overrides."""
    ap = OneLineParser(
        description="Sweep server configurations x concurrency with loadgen; writes results/<run-id>/.",
        epilog="Grid files: bench/grid_default.json (the README's main command, L=2 s), bench/grid_quick.json "
               "(L=100 ms, the regression gate's).")
    ap.add_argument("--grid", type=Path, default=DEFAULT_GRID, help="JSON grid file (default: %(default)s)")
    ap.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR,
                    help="build tree with server_sync/, server_async/, bench/loadgen/ (default: build/release)")
    ap.add_argument("--server-sync", help="path of server_sync (overrides --build-dir)")
    ap.add_argument("--server-async", help="path of server_async (overrides --build-dir)")
    ap.add_argument("--loadgen", help="path of loadgen (overrides --build-dir)")
    ap.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS, help="default: results/")
    ap.add_argument("--run-id", help="run directory name (default: UTC timestamp + grid name)")
    ap.add_argument("--latest", default="latest",
                    help="name of the refreshed copy under --results-dir ('' to skip; default: latest)")
    ap.add_argument("--only", help="run only the series with this label or id (else: whose label/id contains it)")
    ap.add_argument("--concurrency", help="override every series' concurrency list, e.g. 1,10,100")
    ap.add_argument("--latency-ms", type=int, help="override L (store latency) for every series")
    ap.add_argument("--warmup", type=float, dest="warmup_s", help="override warm-up seconds")
    ap.add_argument("--window", type=float, dest="window_s", help="override steady-window seconds")
    ap.add_argument("--timeout", type=float, dest="timeout_s", help="override loadgen --timeout seconds")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server/loadgen to cores")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and its ETA, run nothing")
    ap.add_argument("--report", action="store_true",
                    help="after the sweep, run plot.py (plots + report.md, under /usr/bin/python3) on the run")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 0 when the sweep ran (failed points are data), 2 on bad input or missing binaries."""
    args = parse_args(argv)
    overrides: dict[str, Any] = {"latency_ms": args.latency_ms, "warmup_s": args.warmup_s,
                                 "window_s": args.window_s, "timeout_s": args.timeout_s}
    try:
        if args.concurrency:
            try:
                overrides["concurrency"] = [int(x) for x in args.concurrency.split(",") if x.strip()]
            except ValueError:
                raise SweepError(f"--concurrency: expected comma-separated integers, got {args.concurrency!r}")
        grid = load_grid(args.grid, overrides)
        points = expand_points(grid, args.only)
        if not points:
            raise SweepError(f"no point matches --only {args.only!r}")
        binaries = Binaries.from_build_dir(args.build_dir, server_sync=args.server_sync,
                                           server_async=args.server_async, loadgen=args.loadgen)
    except SweepError as e:
        print(f"sweep.py: {e}", file=sys.stderr)
        return 2
    srv_pin, lg_pin, pin_msg = pinning_plan(args.no_pin)
    total_est = sum(estimate_seconds(p) for p in points)
    err = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    err(f"sweep: grid '{grid['name']}', {len(points)} points, estimated {_hms(total_est)} (m:ss)")
    err(f"sweep: {pin_msg}")
    if args.dry_run:
        for p in points:
            err(f"  {p.id:40s} ~{estimate_seconds(p):5.1f} s  server: {' '.join(server_command(p, binaries)[1:])}")
        return 0
    missing = binaries.missing(points)
    if missing:
        err(f"sweep.py: missing binaries: {', '.join(missing)} (build release first, or pass --build-dir)")
        return 2
    run_id = args.run_id or (_dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + grid["name"])
    if "/" in run_id or run_id in (".", "..", args.latest):
        err(f"sweep.py: bad --run-id {run_id!r}")
        return 2
    run_dir = args.results_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_info(args.build_dir, pin_msg)
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    (run_dir / "grid.json").write_text(json.dumps(grid, indent=2) + "\n")
    if machine["build_type"] not in ("Release", "unknown"):
        err(f"sweep: WARNING build type is {machine['build_type']}, not Release")
    t0 = time.monotonic()
    rows = run_sweep(points, run_dir, binaries, (srv_pin, lg_pin), run_id, log=err)
    wall = time.monotonic() - t0
    machine["sweep_wall_s"] = round(wall, 1)
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    err(f"sweep: done in {_hms(wall)}: " + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items()))
        + f"; results in {run_dir}/summary.csv")
    rc = 0
    if args.report:
        py = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
        r = subprocess.run([py, str(REPO_ROOT / "scripts" / "plot.py"), str(run_dir)])  # plots + report.md
        if r.returncode != 0:
            err(f"sweep: plot.py failed (exit {r.returncode})")
            rc = 1
    if args.latest:
        refresh_latest(run_dir, args.results_dir / args.latest)
        err(f"sweep: refreshed {args.results_dir / args.latest}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
