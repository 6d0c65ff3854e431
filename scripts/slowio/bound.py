"""The Little's-law bound of a point and the capacity models behind it.

A closed loop of C connections against a server that can hold ``capacity`` requests in the slow store at once,
each for L seconds, completes at most ``min(C, capacity) / L`` requests per second (``bound_rps``);
``efficiency = throughput_rps / bound_rps``. The capacity model of a series (summary.csv's ``bound_model``):
  * ``sync``: fixed pool or thread-per-connection: N (``--threads``);
  * ``elastic``: sync elastic pool (with or without ``--antipattern sync-over-async``: the pool's blocking
    adjustment adds the threads the blocked ones wait for): the worker threads actually available, from the
    scraped ``threadpool_threads`` time series: each of the min(C, threads(t)) slots completes one request every
    L from the moment it appears, and the bound counts those completions in the steady window
    (elastic_completions); capacity is reported as the equivalent constant pool (bound x L). Without a time
    series: the starvation heuristic's ceiling, min + 2 threads/s (one per 500 ms gate period; real .NET grows
    far slower under blocking, so this bound is generous). ``min_threads`` 0 (the server's default) counts as
    the cores the server may run on;
  * ``async`` (``--antipattern none`` or ``offload``): C - awaiting costs no thread;
  * ``blocking``: async ``blocking-store``: K (each io thread is blocked for L per request);
  * ``sync-over-async``: async ``sync-over-async`` with K > 1: K - 1; sync fixed pool ``sync-over-async`` with
    N > 1: N - 1 (a worker blocks on a completion that must run on the same pool, so one worker must stay free);
  * ``deadlock``: ``sync-over-async`` with K = 1 (async) or N = 1 (sync fixed): bound 0, the point is expected to
    end in "deadlock".
A postgres series (``"store": "postgres"``) also holds a database connection per waiting request, so its
capacity is ``min(model capacity, P)`` (``db_pool``): the bound is ``min(C, capacity, P) / L``.
A grid series may force the model with ``"bound_model"`` (the regression gate's planted regression runs
``blocking-store`` but is judged against the async bound).
"""

from __future__ import annotations

import math

from .grid import Series, effective_db_pool, usable_cores
from .loadgen import TS_PREFIX

BOUND_MODELS = ("sync", "elastic", "async", "blocking", "sync-over-async", "deadlock")
ELASTIC_GROWTH_PER_S = 2.0  # the .NET starvation heuristic's ceiling: one thread per 500 ms gate period


def bound_model(s: Series) -> str:
    """Which capacity model judges a series (one of BOUND_MODELS)."""
    if s.bound_model:
        return s.bound_model
    if s.server == "sync":
        if s.model == "pool" and s.pool == "elastic":
            return "elastic"
        if s.antipattern == "sync-over-async":
            return "deadlock" if s.threads <= 1 else "sync-over-async"
        return "sync"
    if s.antipattern == "blocking-store":
        return "blocking"
    if s.antipattern == "sync-over-async":
        return "deadlock" if s.threads <= 1 else "sync-over-async"
    return "async"


def elastic_model_threads(min_threads: int, max_threads: int, t_s: float) -> float:
    """Threads the elastic heuristic can have added by time t under constant starvation."""
    return min(float(max_threads), min_threads + math.floor(t_s * ELASTIC_GROWTH_PER_S))


def compute_capacity(s: Series, concurrency: int, timeseries: list[dict[str, float]] | None,
                     warmup_s: float, duration_s: float, server_cores: int | None = None
                     ) -> tuple[float | None, str]:
    """(capacity, basis): how many requests the server can hold in the store at once (see the module doc).
    ``server_cores``: the cores the server may run on (its default min_threads); default: this process's."""
    model = bound_model(s)
    unit = "N" if s.server == "sync" else "K"
    fixed = {"sync": (float(s.threads), "N"), "async": (float(concurrency), "C"),
             "blocking": (float(s.threads), "K (blocking-store)"),
             "sync-over-async": (float(max(s.threads - 1, 0)), f"{unit}-1 (sync-over-async)"),
             "deadlock": (0.0, f"deadlock ({unit}=1)")}
    if model in fixed:
        capacity, basis = fixed[model]
    else:
        capacity, basis = _elastic_capacity(s, concurrency, timeseries, warmup_s, duration_s, server_cores)
    if s.store == "postgres" and capacity is not None and effective_db_pool(s) < capacity:
        return float(effective_db_pool(s)), "P (db pool)"
    return capacity, basis


def default_min_threads(s: Series, server_cores: int | None = None) -> int:
    """An elastic series' minimum of threads as a number: min_threads 0 is the server's default, one thread per
    core it may run on (``server_cores``, else this process's usable cores)."""
    return int(s.min_threads) if s.min_threads else int(server_cores or usable_cores())


def _elastic_capacity(s: Series, concurrency: int, timeseries: list[dict[str, float]] | None,
                      warmup_s: float, duration_s: float, server_cores: int | None) -> tuple[float, str]:
    """The elastic pool's slots (min(C, threads)) over time, from the scrape; without one, the heuristic's."""
    lat_s = s.latency_ms / 1000.0
    window_s = duration_s - warmup_s
    slots: list[tuple[float, float]] = []  # (t, min(C, threads)) steps
    basis = "threads over time (scraped), counted per L"
    threads = TS_PREFIX + "threadpool_threads"
    pts = [(r["t_s"], r[threads]) for r in timeseries or []
           if r.get(threads) is not None and r.get("t_s") is not None]
    if pts:
        dt = pts[1][0] - pts[0][0] if len(pts) > 1 else 0.25
        slots = [(0.0, min(float(concurrency), pts[0][1]))]
        slots += [(t - dt / 2, min(float(concurrency), v)) for t, v in pts[1:]]  # a change: mid-interval
    else:
        lo, hi = default_min_threads(s, server_cores), int(s.max_threads)
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
