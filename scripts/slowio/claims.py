"""The claims table: what people repeat about sync and async servers, each judged by this run's summary.csv.

One Claim per folklore statement (written in our own words): the measured figures, the points they come from,
the rule (thresholds, constants of this module, printed beside the verdict) and the verdict the rule gives:
``holds``, ``does not hold``, ``holds only …`` or, when the run has none of the points the claim needs,
``not measured in this run``. Nothing is typed by hand: every number is read from summary rows (slowio.rows
reads them and answers the questions asked of a row: ``val``, ``is_sync_fixed``, ``at`` ...). After the table:
the worst Little's-law cell of the heatmap.

Row selection, by summary.csv columns: the main comparison is ``scenario`` "" (also the .NET pairs); the other
scenarios are ``pool_size``, ``heatmap``, ``queue_limit``, ``recovery``, ``cpu_work`` (one row per
``request_class``: work, jobs, health, users; ``cpu_way`` inline, offload or jobs) and ``burst`` (slowio.burst's
goodput before, during and after the burst and the recovery time; the mitigation is read from
``queue_limit`` and ``extra_server_args``). A point queued past its client timeout counts as a steady state
only when its window starts after that timeout (rows.steady). Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import burst
from .fmt import efficiency, f, ms, pct
from .rows import (Row, at, c_of, first, given_up, is_async, is_elastic, is_sync_fixed, lat, measured, scenario,
                   text, val)

HOLDS, DOES_NOT_HOLD, HOLDS_ONLY, NOT_MEASURED = "holds", "does not hold", "holds only", "not measured in this run"

MAIN_LATENCY_MS = 2000.0      # the main comparison's L (claims 1-3 use it; the others do not depend on L)
P50_TOL = 0.05                # claim 1: |p50 - L| <= 5% of L, and |sync - async| <= 5% of L
SLOPE_LINEAR = (0.9, 1.1)     # claim 2: a log-log slope in this range is linear in C
QUEUE_P99_TOL = 0.10          # claim 3: p99 within 10% of ceil(C/N) * L
COLLAPSED_FRACTION = 0.10     # claim 3: at C >> N, goodput at most 10% of N / L past the client timeout
MANY_C = (10000, 16000)       # claim 4: the concurrencies of "thousands"
EFFICIENCY_MIN = 0.9          # claim 4: efficiency (throughput / bound) at least this, and no timeout
STARVED_FRACTION = 0.05       # claim 5: a pool "starves" when its throughput is at most 5% of C / L
RECOVERED_EFFICIENCY = 0.9    # claim 5: the recovery point "recovers" at this efficiency or more
TWO_THREADS = 1.5             # claim 6: offload "uses two threads" when threads per CPU request >= 1.5
JOBS_P99_RATIO = 0.5          # claim 7: /health p99 with /jobs at most half of inline's
USEFUL_FRACTION = 0.9         # claim 10: a mitigated pool is useful at >= 90% of N / L during the burst
MAIN_SERVERS = ("sync", "async")


@dataclass
class Claim:
    """One row of the table. ``kind`` is HOLDS, DOES_NOT_HOLD, HOLDS_ONLY or NOT_MEASURED; ``verdict`` the text
    shown (the kind and what qualifies it)."""

    number: int
    statement: str
    rule: str
    kind: str
    verdict: str
    figures: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# What the claims ask of a row beyond slowio.rows
# ---------------------------------------------------------------------------------------------------------------

def crashed(r: Row) -> bool:
    """The server crashed: status crash, or it was ended by a signal (a negative exit code)."""
    code = val(r, "server_exit_code")
    return text(r, "status") == "crash" or (code is not None and code < 0)


def deadlocked(r: Row) -> bool:
    """Status deadlock, or the server reported deadlock_detected."""
    return text(r, "status") == "deadlock" or (val(r, "deadlock_detected") or 0) > 0


def who(r: Row) -> str:
    """'sync N=10' / 'async K=1' / the label of any other row."""
    n = f(val(r, "threads"), 0)
    if is_sync_fixed(r):
        return f"sync N={n}"
    if is_async(r):
        return f"async K={n}"
    return text(r, "label") or text(r, "point")


def points(rows: Iterable[Row | None]) -> list[str]:
    """The point ids of the rows that exist, in order, once each."""
    out: list[str] = []
    for r in rows:
        if r is not None and text(r, "point") and text(r, "point") not in out:
            out.append(text(r, "point"))
    return out


def not_measured(number_: int, statement: str, rule: str) -> Claim:
    """A claim none of whose points are in the run."""
    return Claim(number_, statement, rule, NOT_MEASURED, NOT_MEASURED)


# ---------------------------------------------------------------------------------------------------------------
# The claims
# ---------------------------------------------------------------------------------------------------------------

def claim_single_request(rows: list[Row]) -> Claim:
    """1. Async does not make one request faster: p50 at C <= N, sync N=10 vs async K=1, both about L."""
    statement = "Async does not make a single request faster."
    rule = (f"holds if at each C ≤ N every p50 is within {P50_TOL:.0%} of L and sync and async differ by at most "
            f"{P50_TOL:.0%} of L (main run, sync fixed N = 10 vs async K = 1, L = {MAIN_LATENCY_MS / 1000:g} s, "
            "C ∈ {1, 10})")
    main = [r for r in rows if scenario(r) == "" and measured(r) and val(r, "p50_ms") is not None]
    figures, used, verdicts = [], [], []
    for c in (1, 10):
        s = first(main, lambda r: is_sync_fixed(r, 10) and at(r, c, MAIN_LATENCY_MS))
        a = first(main, lambda r: is_async(r, 1) and at(r, c, MAIN_LATENCY_MS))
        if s is None or a is None:
            continue
        l_ms, ps, pa = MAIN_LATENCY_MS, val(s, "p50_ms"), val(a, "p50_ms")
        ok = abs(ps - l_ms) <= P50_TOL * l_ms and abs(pa - l_ms) <= P50_TOL * l_ms and abs(ps - pa) <= P50_TOL * l_ms
        figures.append(f"{c_of(s)}: p50 sync {ms(ps)}, async {ms(pa)} (L = {lat(s)})")
        used += [s, a]
        verdicts.append(ok)
    if not verdicts:
        return not_measured(1, statement, rule)
    kind = HOLDS if all(verdicts) else DOES_NOT_HOLD
    why = ": both wait L; async changes what a wait costs, not how long it is" if kind == HOLDS else \
        ": at some C a p50 is not within the tolerance of L, or the two differ"
    return Claim(1, statement, rule, kind, kind + why, figures, points(used))


def loglog_fit(xy: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept) of log10(y) = intercept + slope·log10(x) over points with x, y > 0;
    None with fewer than 2 distinct x."""
    pts = [(math.log10(x), math.log10(y)) for x, y in xy if x and y and x > 0 and y > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return slope, my - slope * mx


def loglog_slope(xy: list[tuple[float, float]]) -> float | None:
    """The slope of loglog_fit (None with fewer than 2 distinct x)."""
    fit = loglog_fit(xy)
    return None if fit is None else fit[0]


def async_slope_rows(rows: list[Row]) -> list[Row]:
    """The rows of claim 2's fit: main async K=1 at L = MAIN_LATENCY_MS, measured, C <= capacity, throughput > 0."""
    out = [r for r in rows if scenario(r) == "" and is_async(r, 1) and measured(r)
           and val(r, "latency_ms") == MAIN_LATENCY_MS and (val(r, "throughput_rps") or 0) > 0
           and val(r, "concurrency") <= (val(r, "capacity") if val(r, "capacity") is not None
                                         else val(r, "concurrency"))]
    return sorted(out, key=lambda r: val(r, "concurrency"))


def async_slope(rows: list[Row]) -> tuple[float, list[Row]] | None:
    """(log-log slope of throughput vs C, the rows fitted) for claim 2 and throughput.png; None without 2 Cs."""
    used = async_slope_rows(rows)
    s = loglog_slope([(val(r, "concurrency"), val(r, "throughput_rps")) for r in used])
    return None if s is None else (s, used)


def _sync_plateau(rows: list[Row]) -> tuple[str, list[Row]]:
    """Claim 2's note on sync N=10 at C >= N: its slope and throughput against N / L."""
    sync = sorted((r for r in rows if scenario(r) == "" and is_sync_fixed(r, 10) and measured(r)
                   and val(r, "latency_ms") == MAIN_LATENCY_MS and (val(r, "concurrency") or 0) >= 10
                   and val(r, "throughput_rps") is not None and not given_up(r)),
                  key=lambda r: val(r, "concurrency"))
    slope = loglog_slope([(val(r, "concurrency"), val(r, "throughput_rps")) for r in sync])
    if slope is None:
        return "", []
    tputs = [val(r, "throughput_rps") for r in sync]
    bound = 10 / (MAIN_LATENCY_MS / 1000.0)
    return (f"sync N=10 at C = {f(val(sync[0], 'concurrency'), 0)}…{f(val(sync[-1], 'concurrency'), 0)}: slope "
            f"{slope:.2f}, flat at {f(min(tputs), 2)}–{f(max(tputs), 2)} req/s (N / L = {f(bound, 2)})"), sync


def claim_exponential(rows: list[Row]) -> Claim:
    """2. Async raises throughput 'exponentially': the log-log slope of async K=1's throughput vs C."""
    statement = "Async raises total throughput “exponentially”."
    lo, hi = SLOPE_LINEAR
    rule = (f"least-squares slope of log10(throughput) vs log10(C) over the main async K = 1 points with C ≤ "
            f"capacity: in [{lo:g}, {hi:g}] → linear, does not hold; above {hi:g} → holds")
    fit = async_slope(rows)
    if fit is None:
        return not_measured(2, statement, rule)
    slope, used = fit
    figures = [f"async K=1: slope {slope:.2f} over C = {f(val(used[0], 'concurrency'), 0)}…"
               f"{f(val(used[-1], 'concurrency'), 0)} ({len(used)} points), "
               f"{f(val(used[-1], 'throughput_rps'), 1)} req/s at the top = "
               f"{efficiency(val(used[-1], 'efficiency'), 'C / L')}"]
    note, sync = _sync_plateau(rows)
    if note:
        figures.append(note)
    if slope > hi:
        kind, why = HOLDS, ": faster than linear in C"
    elif slope >= lo:
        kind, why = DOES_NOT_HOLD, ": linear in C up to the bound min(C, capacity) / L"
    else:
        kind, why = DOES_NOT_HOLD, ": slower than linear in C (below the bound)"
    return Claim(2, statement, rule, kind, kind + why, figures, points(used + sync))


def _c11_figure(c11: Row) -> tuple[str, str]:
    """Claim 3's C = 11 figure, and what it says: the 11th request queues (p99 ≈ ceil(C/N)·L) or not."""
    n, c = val(c11, "threads"), val(c11, "concurrency")
    want = math.ceil(c / n) * val(c11, "latency_ms")
    p99 = val(c11, "p99_ms")
    queued = p99 is not None and abs(p99 - want) <= QUEUE_P99_TOL * want
    return (f"N=10, C = 11: status {text(c11, 'status')}, exit {f(val(c11, 'server_exit_code'), 0)}, "
            f"5xx {f(val(c11, 'errors_5xx'), 0)}, p50 {ms(val(c11, 'p50_ms'))}, p99 {ms(p99)} (⌈C/N⌉·L = {ms(want)})",
            "the 11th request waits (p99 ≈ ⌈C/N⌉·L)" if queued else "no crash, but p99 is not ⌈C/N⌉·L")


def pool_bound(r: Row) -> float | None:
    """N / L of a sync pool row (requests/s)."""
    n, l_ms = val(r, "threads"), val(r, "latency_ms")
    return None if not n or not l_ms else n / (l_ms / 1000.0)


def collapsed(r: Row) -> bool:
    """Goodput at most COLLAPSED_FRACTION of N / L."""
    return (val(r, "throughput_rps") or 0.0) <= COLLAPSED_FRACTION * (pool_bound(r) or 0.0)


def _overload_figure(r: Row) -> str:
    """A steady point at C >> N: its goodput against N / L, what the server wrote, abandoned, its busy threads."""
    x, bound = val(r, "throughput_rps"), pool_bound(r)
    warm, window = val(r, "warmup_s") or 0.0, val(r, "window_s") or 0.0
    return (f"N=10, {c_of(r)}, window {f(warm, 1)}–{f(warm + window, 1)} s (client timeout "
            f"{f(val(r, 'timeout_s'), 1)} s): goodput {f(x, 2)} req/s = {pct(x / bound if bound else None)} of N / L; "
            f"the server wrote {f(val(r, 'server_responses_rps'), 2)} responses/s (goodput_share "
            f"{pct(val(r, 'goodput_share'))}), {f(val(r, 'abandoned_rps'), 1)} abandoned/s, busy threads "
            f"{f(val(r, 'peak_busy_threads'), 0)} of {f(val(r, 'threads'), 0)}")


def _overload_rows(rows: list[Row]) -> list[Row]:
    """Claim 3's C >> N points: main sync fixed N = 10, queued past the client timeout and measured after it."""
    return [r for r in rows if scenario(r) == "" and is_sync_fixed(r, 10) and val(r, "latency_ms") == MAIN_LATENCY_MS
            and (measured(r) or crashed(r)) and given_up(r)]


def claim_eleventh_request(rows: list[Row]) -> Claim:
    """3. With 10 threads the 11th concurrent request crashes the server: C = 11, C >> N in a steady state, and
    the queue-limit point."""
    statement = "With 10 threads, the 11th concurrent request crashes the server."
    rule = (f"holds if a point crashed (status crash, a signal, 5xx); else sync fixed N = 10 (main, L = "
            f"{MAIN_LATENCY_MS / 1000:g} s): at C = 11 the 11th waits (p99 ≈ ⌈C/N⌉·L within {QUEUE_P99_TOL:.0%}); "
            f"at C ≫ N, measured after the client timeout, goodput ≤ {COLLAPSED_FRACTION:.0%} of N / L holds it in "
            "effect, not as a crash; queue_limit point: 503s and 200s")
    c11 = first(rows, lambda r: scenario(r) == "" and is_sync_fixed(r, 10) and at(r, 11, MAIN_LATENCY_MS)
                and (measured(r) or crashed(r)))
    big = _overload_rows(rows)
    ql = first(rows, lambda r: scenario(r) == "queue_limit" and is_sync_fixed(r, 10) and (measured(r) or crashed(r)))
    if c11 is None and ql is None and not big:
        return not_measured(3, statement, rule)
    figures, notes = [], []
    if c11 is not None:
        figure, note = _c11_figure(c11)
        figures.append(figure)
        notes.append(note)
    figures += [_overload_figure(r) for r in big]
    if ql is not None:
        rejects = (val(ql, "errors_503") or 0) > 0 and (val(ql, "ok") or 0) > 0
        figures.append(f"queue_limit {f(val(ql, 'queue_limit'), 0)}, N=10, {c_of(ql)}, L = {lat(ql)}: status "
                       f"{text(ql, 'status')}, {f(val(ql, 'ok'), 0)} ok, {f(val(ql, 'errors_503'), 0)} × 503")
        notes.append("with a queue limit the excess gets 503 at once" if rejects else
                     "the queue limit gave no 503 (or no 200)")
    used = points([c11, *big, ql])
    if any(crashed(r) for r in (c11, ql, *big) if r is not None) or (c11 and (val(c11, "errors_5xx") or 0) > 0):
        return Claim(3, statement, rule, HOLDS, HOLDS + ": the server crashed or answered 5xx", figures, used)
    if big and all(collapsed(r) for r in big):
        share = [val(r, "goodput_share") for r in big if val(r, "goodput_share") is not None]
        verdict = (f"{HOLDS_ONLY} in effect, not as a crash: at C ≫ N, once clients time out, goodput falls to "
                   f"{pct(max(val(r, 'throughput_rps') or 0.0 for r in big) / pool_bound(big[0]))} of N / L"
                   + (f" (at most {pct(max(share))} of what the server writes)" if share else "")
                   + " while the pool keeps working on requests nobody waits for; " + "; ".join(notes))
        return Claim(3, statement, rule, HOLDS_ONLY, verdict, figures, used)
    if big:
        notes.append("at C ≫ N goodput stays above the collapse past the client timeout")
    return Claim(3, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": " + "; ".join(notes), figures, used)


def claim_thousands(rows: list[Row]) -> Claim:
    """4. One thread can serve thousands of concurrent slow queries: async K=1 at C = 10,000 and 16,000."""
    statement = "One thread can serve thousands of concurrent slow queries."
    rule = (f"holds if async K = 1 (main) at every C ∈ {{{', '.join(f(c, 0) for c in MANY_C)}}} present has "
            f"efficiency ≥ {EFFICIENCY_MIN:.0%} and no timeout")
    used = [r for c in MANY_C for r in [first(rows, lambda r: scenario(r) == "" and is_async(r, 1) and at(r, c))]
            if r is not None]
    if not used:
        return not_measured(4, statement, rule)
    figures, ok = [], []
    for r in used:
        good = measured(r) and (val(r, "efficiency") or 0) >= EFFICIENCY_MIN and not val(r, "errors_timeout")
        ok.append(good)
        figures.append(f"{c_of(r)}: {f(val(r, 'throughput_rps'), 1)} req/s = "
                       f"{efficiency(val(r, 'efficiency'), 'C / L')}, timeouts {f(val(r, 'errors_timeout'), 0)}, p99 {ms(val(r, 'p99_ms'))}, max loop lag "
                       f"{ms(val(r, 'max_loop_lag_ms'))}" + ("" if measured(r) else f", status {text(r, 'status')}"))
    kind = HOLDS if all(ok) else DOES_NOT_HOLD
    why = ": one io thread, the waits cost no thread" if kind == HOLDS else ": below the efficiency or with timeouts"
    return Claim(4, statement, rule, kind, kind + why, figures, points(used))


def _starved(r: Row) -> bool:
    """A pool that delivered at most STARVED_FRACTION of C / L over its window."""
    c, l_ms, x = val(r, "concurrency"), val(r, "latency_ms"), val(r, "throughput_rps")
    return measured(r) and None not in (c, l_ms, x) and l_ms > 0 and x <= STARVED_FRACTION * c / (l_ms / 1000.0)


def _pool_figure(r: Row, side: str) -> str:
    """'.NET, C = 1,000: 0.00 req/s in the 60 s window (C / L = 500), +4.0 threads/s'."""
    c, l_ms = val(r, "concurrency") or 0, val(r, "latency_ms") or 0
    bound = c / (l_ms / 1000.0) if l_ms else None
    growth = val(r, "thread_growth_per_s")
    return (f"{side}, {c_of(r)}: {f(val(r, 'throughput_rps'), 2)} req/s in the {f(val(r, 'window_s'), 0)} s window "
            f"(C / L = {f(bound, 0)}), threads {'+' + f(growth, 2) + '/s' if growth is not None else 'not scraped'}"
            f", peak {f(val(r, 'peak_threads'), 0)}")


def claim_deadlock(rows: list[Row]) -> Claim:
    """5. .Result / .Wait() deadlocks the server: the K=1 demo; a fixed pool; the elastic pools (pairs, recovery)."""
    statement = "`.Result` / `.Wait()` deadlocks the server."
    rule = (f"deadlock = status deadlock or deadlock_detected; a pool starves when its throughput ≤ "
            f"{STARVED_FRACTION:.0%} of C / L and recovers when the recovery point's efficiency ≥ "
            f"{RECOVERED_EFFICIENCY:.0%}")
    soa = [r for r in rows if text(r, "antipattern") == "sync-over-async" or text(r, "pair") == "sync-over-async"]
    demo = first(soa, lambda r: text(r, "server") == "async" and val(r, "threads") == 1)
    fixed = first(soa, lambda r: text(r, "server") == "sync" and text(r, "pool") == "fixed")
    model = first(soa, lambda r: text(r, "pair") == "sync-over-async" and text(r, "server") == "sync")
    net = first(soa, lambda r: text(r, "pair") == "sync-over-async" and text(r, "server") == "command")
    rec = first(soa, lambda r: scenario(r) == "recovery" and is_elastic(r))
    if not any((demo, fixed, model, net, rec)):
        return not_measured(5, statement, rule)
    figures = []
    for r, name in ((demo, "event loop K=1"), (fixed, f"fixed pool N={f(val(fixed or {}, 'threads'), 0)}")):
        if r is not None:
            figures.append(f"{name}, {c_of(r)}: status {text(r, 'status')}, exit "
                           f"{f(val(r, 'server_exit_code'), 0)}, {f(val(r, 'ok'), 0)} ok")
    for r, side in ((model, "our elastic model"), (net, ".NET")):
        if r is not None:
            figures.append(_pool_figure(r, side))
    if rec is not None:
        figures.append(f"recovery (elastic, {c_of(rec)}, L = {lat(rec)}): efficiency "
                       f"{efficiency(val(rec, 'efficiency'))}, threads +{f(val(rec, 'thread_growth_per_s'), 2)}/s, peak {f(val(rec, 'peak_threads'), 0)}")
    kind, verdict = _deadlock_verdict(demo, fixed, [r for r in (model, net) if r is not None], rec)
    return Claim(5, statement, rule, kind, verdict, figures, points([demo, fixed, model, net, rec]))


def _deadlock_verdict(demo: Row | None, fixed: Row | None, pairs: list[Row], rec: Row | None) -> tuple[str, str]:
    """(kind, text) of claim 5 from its rows."""
    small = [r for r in (demo, fixed) if r is not None]
    small_dl = [r for r in small if deadlocked(r)]
    elastic = pairs + ([rec] if rec is not None else [])
    where = " or ".join(n for r, n in ((demo, "a single event loop"), (fixed, "a fixed pool")) if r in small_dl)
    if elastic and any(deadlocked(r) for r in elastic):
        return HOLDS, HOLDS + ": the elastic pool deadlocked too"
    if not elastic:
        if small_dl:
            return HOLDS_ONLY, f"{HOLDS_ONLY} for {where} (elastic pools not measured in this run)"
        return DOES_NOT_HOLD, DOES_NOT_HOLD + ": no deadlock detected"
    recovered = rec is not None and measured(rec) and (val(rec, "efficiency") or 0) >= RECOVERED_EFFICIENCY
    starved = [r for r in pairs if _starved(r)]
    growth = [val(r, "thread_growth_per_s") for r in ([rec] if recovered else []) + starved
              if val(r, "thread_growth_per_s") is not None]
    rate = f" at {f(min(growth), 1)}–{f(max(growth), 1)} threads/s" if len(growth) > 1 else \
        (f" at {f(growth[0], 1)} threads/s" if growth else "")
    if rec is not None and not recovered:
        return HOLDS, HOLDS + ": the elastic pool starved and had not recovered by the end of the window"
    if recovered:
        pool = "an elastic pool " + ("starves, then " if starved else "") + f"recovers as threads are injected{rate}"
    else:
        pool = f"an elastic pool starves while threads are injected{rate} (recovery not measured in this run)" \
            if starved else "an elastic pool neither starved nor deadlocked"
    if small_dl:
        return HOLDS_ONLY, f"{HOLDS_ONLY} for {where}; {pool}"
    return DOES_NOT_HOLD, f"{DOES_NOT_HOLD}: {pool}" + ("" if small else " (event loop not measured in this run)")


def cpu_rows(rows: list[Row], request_class: str) -> list[Row]:
    """The cpu_work rows of one request class."""
    return [r for r in rows if scenario(r) == "cpu_work" and text(r, "request_class") == request_class]


def cpu_row(rows: list[Row], request_class: str, server: str, way: str) -> Row | None:
    """The cpu_work row of one class, server and cpu_way."""
    return first(cpu_rows(rows, request_class), lambda r: text(r, "server") == server and text(r, "cpu_way") == way)


def servers_of(rows: list[Row]) -> list[str]:
    """The servers of the cpu_work rows, sync and async first."""
    found = {text(r, "server") for r in rows if scenario(r) == "cpu_work"}
    return [s for s in MAIN_SERVERS if s in found] + sorted(found - set(MAIN_SERVERS))


HOW_IT_WAITS = {"sync": "the request thread blocks on it", "async": "awaited"}


def claim_task_run(rows: list[Row]) -> Claim:
    """6. Task.Run inside a request uses two threads: threads per in-flight CPU request, inline vs offload."""
    statement = "`Task.Run` inside a request uses two threads instead of one."
    rule = (f"cpu_work, POST /work: threads busy per in-flight CPU request (cpu_threads_per_request); offload ≥ "
            f"{TWO_THREADS:g} → two threads")
    figures, used, two, one = [], [], [], []
    for server in servers_of(rows):
        inline, off = cpu_row(rows, "work", server, "inline"), cpu_row(rows, "work", server, "offload")
        t_off = val(off, "cpu_threads_per_request") if off is not None else None
        if t_off is None:
            continue
        t_in = val(inline, "cpu_threads_per_request") if inline is not None else None
        figures.append(f"{server}: inline {f(t_in, 2)}, offload {f(t_off, 2)} threads per request")
        used += [inline, off]
        (two if t_off >= TWO_THREADS else one).append(server)
    if not figures:
        return not_measured(6, statement, rule)
    if not one:
        kind, verdict = HOLDS, HOLDS + f" on {', '.join(two)}"
    elif not two:
        kind, verdict = DOES_NOT_HOLD, DOES_NOT_HOLD + f": one thread on {', '.join(one)}"
    else:
        kind = HOLDS_ONLY
        verdict = (f"{HOLDS_ONLY} when " + ", ".join(f"{HOW_IT_WAITS.get(s, s)} ({s})" for s in two)
                   + ", not when " + ", ".join(f"{HOW_IT_WAITS.get(s, s)} ({s})" for s in one))
    return Claim(6, statement, rule, kind, verdict, figures, points(used))


def _job_figure(job: Row) -> str:
    """'/jobs: 12.5 ms acceptance→done, peak queue 3, 600 done'."""
    return (f"/jobs {ms(val(job, 'job_latency_ms'))} acceptance→done, peak queue "
            f"{f(val(job, 'peak_jobs_queue_length'), 0)}, {f(val(job, 'jobs_completed'), 0)} done")


def claim_background_queue(rows: list[Row]) -> Claim:
    """7. CPU-heavy work belongs in a background queue with 202 Accepted: the API's latency, inline/offload/jobs."""
    statement = "CPU-heavy work belongs in a background queue (`POST /jobs`, 202 Accepted)."
    rule = (f"cpu_work: holds on a server if /health p99 with /jobs ≤ {JOBS_P99_RATIO:g} × its p99 with the work "
            "inline; noted where offload does as well")
    figures, used, helps, no_help, offload_too = [], [], [], [], []
    for server in servers_of(rows):
        health = {w: cpu_row(rows, "health", server, w) for w in ("inline", "offload", "jobs")}
        users = {w: cpu_row(rows, "users", server, w) for w in ("inline", "offload", "jobs")}
        p99 = {w: (val(r, "p99_ms") if r is not None else None) for w, r in health.items()}
        if p99["inline"] is None or p99["jobs"] is None:
            continue
        job = cpu_row(rows, "jobs", server, "jobs")
        figures.append(f"{server}: /health p50/p99 " + ", ".join(
            f"{w} {ms(val(r, 'p50_ms'))}/{ms(val(r, 'p99_ms'))}" for w, r in health.items() if r is not None)
            + "; /users p99 " + ", ".join(f"{w} {ms(val(r, 'p99_ms'))}" for w, r in users.items() if r is not None)
            + (f"; {_job_figure(job)}" if job is not None else ""))
        used += list(health.values()) + list(users.values()) + [job]
        (helps if p99["jobs"] <= JOBS_P99_RATIO * p99["inline"] else no_help).append(server)
        if p99["offload"] is not None and p99["offload"] <= JOBS_P99_RATIO * p99["inline"]:
            offload_too.append(server)
    if not figures:
        return not_measured(7, statement, rule)
    also = f"; offload does as well on {', '.join(offload_too)}" if offload_too else ""
    if helps and not no_help:
        kind, verdict = HOLDS, HOLDS + f": /jobs keeps the API responsive on {', '.join(helps)}{also}"
    elif helps:
        kind, verdict = HOLDS_ONLY, f"{HOLDS_ONLY} on {', '.join(helps)}, not on {', '.join(no_help)}{also}"
    else:
        kind, verdict = DOES_NOT_HOLD, DOES_NOT_HOLD + f": /jobs did not halve /health's p99{also}"
    return Claim(7, statement, rule, kind, verdict, figures, points(used))


def _growth_row(r: Row) -> tuple[float, float, float, float] | None:
    """(rate, threads needed, seconds to get them, load seconds) of an elastic row; None when it needs none."""
    rate, c = val(r, "thread_growth_per_s"), val(r, "concurrency")
    if rate is None or c is None:
        return None
    target = min(c, val(r, "max_threads") or c)
    need = target - (val(r, "min_threads") or 0)
    if need <= 0:
        return None
    load = (val(r, "warmup_s") or 0) + (val(r, "window_s") or 0)
    return rate, target, (need / rate if rate > 0 else math.inf), load


def claim_pool_growth(rows: list[Row]) -> Claim:
    """8. The thread pool grows to meet blocking load: threads/s of the elastic rows and the time to reach C."""
    statement = "The thread pool grows to meet blocking load."
    rule = ("per elastic series (its largest C; ours: server_sync elastic, .NET: command, bound_model elastic): "
            "thread_growth_per_s and (min(C, max) − min threads) / rate against the load's length; holds if every "
            "series gets there within its load")
    best: dict[str, Row] = {}
    for r in rows:
        if is_elastic(r) and scenario(r) != "burst" and _growth_row(r) is not None:  # a burst peaks for 25 L only
            key = text(r, "label")
            if key not in best or val(r, "concurrency") > val(best[key], "concurrency"):
                best[key] = r
    if not best:
        return not_measured(8, statement, rule)
    figures, reached, rates, worst = [], [], [], 0.0
    for r in best.values():
        rate, target, t_need, load = _growth_row(r)
        rates.append(rate)
        reached.append(t_need <= load)
        worst = max(worst, t_need)
        figures.append(f"{text(r, 'label')}, {c_of(r)}: +{f(rate, 2)} threads/s from {f(val(r, 'min_threads'), 0)}; "
                       f"{f(target, 0)} threads would take "
                       + ("forever" if math.isinf(t_need) else f"{f(t_need, 0)} s") + f" (load {f(load, 0)} s)")
    used = list(best.values())
    if all(reached):
        return Claim(8, statement, rule, HOLDS, HOLDS + ": every pool got its threads within the load", figures,
                     points(used))
    if max(rates) <= 0:
        return Claim(8, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": no pool grew", figures, points(used))
    verdict = (f"{HOLDS_ONLY} slowly: {f(min(rates), 2)}–{f(max(rates), 2)} threads/s; reaching C takes up to "
               + ("forever" if math.isinf(worst) else f"{f(worst, 0)} s")
               + f" ({sum(reached)} of {len(reached)} series got there within their load)")
    return Claim(8, statement, rule, HOLDS_ONLY, verdict, figures, points(used))


# ---------------------------------------------------------------------------------------------------------------
# The burst (scenario burst)
# ---------------------------------------------------------------------------------------------------------------

def burst_rows(rows: list[Row]) -> list[Row]:
    """The measured burst rows whose stages have a burst shape (slowio.burst.burst_step)."""
    return [r for r in rows if scenario(r) == "burst" and measured(r)
            and burst.burst_step(burst.parse_stages(text(r, "stages"))) is not None]


def mitigation(r: Row) -> str:
    """How a sync pool row sheds its overload: 'queue limit 20', 'codel', 'adaptive-lifo', 'drop-abandoned'
    (joined by ' + '); '' for an unmitigated FIFO queue."""
    args = text(r, "extra_server_args").split()
    found = [f"queue limit {f(val(r, 'queue_limit'), 0)}"] if val(r, "queue_limit") else []
    if "--queue" in args[:-1] and args[args.index("--queue") + 1] != "fifo":
        found.append(args[args.index("--queue") + 1])
    return " + ".join(found + (["drop-abandoned"] if "--drop-abandoned" in args else []))


def recovery_text(r: Row) -> str:
    """'recovered in 0.8 s = 4 L', 'not recovered' or 'recovery not judged'."""
    rec, l_ms = val(r, "recovered"), val(r, "latency_ms")
    if rec is None:
        return "recovery not judged"
    if not rec:
        return "not recovered"
    s = val(r, "recovery_s") or 0.0
    return f"recovered in {s:g} s" + (f" = {s * 1000 / l_ms:.3g} L" if l_ms else "")


def burst_name(r: Row) -> str:
    """A burst row's label without the scenario prefix: 'sync N=10 codel, 3 retries'."""
    return text(r, "label").removeprefix("burst: ")


def _burst_figure(r: Row) -> str:
    """'sync N=10 fifo, 3 retries: goodput before 25.0, during 0.00, after 0.00 req/s; not recovered'."""
    return (f"{burst_name(r)}: goodput before {f(val(r, 'goodput_before_rps'), 1)}, during "
            f"{f(val(r, 'goodput_during_rps'), 2)}, after {f(val(r, 'goodput_after_rps'), 2)} req/s; "
            f"{recovery_text(r)}")


def claim_burst_recovery(rows: list[Row]) -> Claim:
    """9. When the burst ends, the server recovers: each burst series' recovery time, with retries or not."""
    statement = "When the burst ends, the server recovers."
    rule = (f"per burst series: from the burst's end until goodput (its mean over {burst.SMOOTH_L:g} L) is back at "
            f"≥ {burst.RECOVERED_FRACTION:.0%} of its level before and holds for {burst.HOLD_L:g} L; holds if every "
            "series recovers within the run; one that never does is metastable (the overload outlived its trigger)")
    judged = [r for r in burst_rows(rows) if val(r, "recovered") is not None]
    if not judged:
        return not_measured(9, statement, rule)
    up = [r for r in judged if val(r, "recovered")]
    down = [r for r in judged if not val(r, "recovered")]
    figures, used = [_burst_figure(r) for r in judged], points(judged)
    slowest = max(up, key=lambda r: val(r, "recovery_s") or 0.0, default=None)
    if not down:
        return Claim(9, statement, rule, HOLDS, f"{HOLDS}: every series recovered (slowest: {burst_name(slowest)}, "
                     f"{recovery_text(slowest)})", figures, used)
    without = {burst_name(r).split(",")[0] for r in up if not val(r, "client_retries")}  # recovered, no retries
    only_retries = [r for r in down if val(r, "client_retries") and burst_name(r).split(",")[0] in without]
    stays = (", ".join(burst_name(r) for r in down) + (" stays" if len(down) == 1 else " stay")
             + " down: metastable, the overload outlived the burst")
    if only_retries:
        stays += "; retries make " + ", ".join(burst_name(r).split(",")[0] for r in only_retries) + \
            " metastable where it recovers without them"
    if not up:
        return Claim(9, statement, rule, DOES_NOT_HOLD, f"{DOES_NOT_HOLD}: {stays}", figures, used)
    return Claim(9, statement, rule, HOLDS_ONLY, f"{HOLDS_ONLY} for {len(up)} of {len(judged)} series (slowest: "
                 f"{burst_name(slowest)}, {recovery_text(slowest)}); " + stays, figures, used)


def claim_mitigations(rows: list[Row]) -> Claim:
    """10. A bounded queue / CoDel / adaptive LIFO keeps a starved pool useful: goodput during the burst
    against N / L, mitigated sync pools beside the unmitigated FIFO one."""
    statement = "A bounded queue, CoDel or adaptive LIFO keeps a starved pool useful."
    rule = (f"burst series of sync fixed pools: goodput during the burst (after its first client timeout) against "
            f"N / L; a mitigated pool (queue limit, --queue codel / adaptive-lifo, --drop-abandoned) is useful at "
            f"≥ {USEFUL_FRACTION:.0%} of N / L; holds if every mitigated pool is")
    pools = [r for r in burst_rows(rows) if is_sync_fixed(r) and val(r, "goodput_during_rps") is not None]
    mitigated = [r for r in pools if mitigation(r)]
    if not mitigated:
        return not_measured(10, statement, rule)
    share = {text(r, "point"): val(r, "goodput_during_rps") / pool_bound(r) for r in pools}
    figures = [f"{burst_name(r)} ({mitigation(r) or 'unmitigated FIFO'}): {f(val(r, 'goodput_during_rps'), 2)} "
               f"req/s during the burst = {pct(share[text(r, 'point')])} of N / L = {f(pool_bound(r), 0)}"
               for r in pools]
    useful = [r for r in mitigated if share[text(r, "point")] >= USEFUL_FRACTION]
    useless = [r for r in mitigated if r not in useful]
    fifo = [r for r in pools if not mitigation(r)]
    also = (f" (the unmitigated FIFO pool kept {pct(max(share[text(r, 'point')] for r in fifo))})" if fifo else "")
    names = lambda rs: ", ".join(sorted({mitigation(r) for r in rs}))  # noqa: E731
    if not useless:
        kind, verdict = HOLDS, f"{HOLDS}: {names(useful)} kept ≥ {USEFUL_FRACTION:.0%} of N / L{also}"
    elif not useful:
        kind, verdict = DOES_NOT_HOLD, f"{DOES_NOT_HOLD}: none of {names(useless)} kept {USEFUL_FRACTION:.0%} of N / L"
    else:
        kind, verdict = HOLDS_ONLY, f"{HOLDS_ONLY} for {names(useful)}, not for {names(useless)}{also}"
    return Claim(10, statement, rule, kind, verdict, figures, points(pools))


CLAIMS: list[Callable[[list[Row]], Claim]] = [
    claim_single_request, claim_exponential, claim_eleventh_request, claim_thousands, claim_deadlock,
    claim_task_run, claim_background_queue, claim_pool_growth, claim_burst_recovery, claim_mitigations]

# 11-15, the claims a real database decides, live beside this module; they use its helpers, hence the late import.
from .claims_db import CLAIMS as DATABASE_CLAIMS  # noqa: E402

CLAIMS += DATABASE_CLAIMS


def evaluate(rows: list[Row]) -> list[Claim]:
    """Every claim, judged on the run's rows."""
    return [fn(rows) for fn in CLAIMS]


# ---------------------------------------------------------------------------------------------------------------
# The pool-size axis: the worst Little's-law cell
# ---------------------------------------------------------------------------------------------------------------

def heatmap_rows(rows: list[Row]) -> list[Row]:
    """The measured rows of the pool-size axis (scenario heatmap or pool_size) that have an efficiency and are
    Little's-law cells: not measured past their client timeout (there the clients give up before the bound)."""
    return past_timeout_cells(rows, False)


def past_timeout_cells(rows: list[Row], past: bool = True) -> list[Row]:
    """The measured heatmap/pool_size rows with an efficiency that are (``past``) or are not queued past their
    client timeout and measured after it (rows.given_up)."""
    return [r for r in rows if scenario(r) in ("heatmap", "pool_size") and measured(r)
            and val(r, "efficiency") is not None and given_up(r) == past]


def worst_cell(rows: list[Row]) -> Row | None:
    """The heatmap/pool_size row with the lowest efficiency."""
    cells = heatmap_rows(rows)
    return min(cells, key=lambda r: val(r, "efficiency"), default=None)


def worst_cell_line(rows: list[Row]) -> str | None:
    """The paragraph naming the worst cell, and the cells queued past the client timeout; None when the run has
    no pool-size axis."""
    r = worst_cell(rows)
    if r is None:
        return None
    n = len(heatmap_rows(rows))
    line = (f"**The worst Little's-law cell of the pool-size axis** (of {n} heatmap/pool_size points): "
            f"{who(r)}, {c_of(r)}, L = {lat(r)}: {f(val(r, 'throughput_rps'), 2)} req/s against the bound "
            f"min(C, capacity) / L = {f(val(r, 'bound_rps'), 2)} req/s, efficiency "
            f"**{efficiency(val(r, 'efficiency'))}** (point `{text(r, 'point')}`).")
    past = past_timeout_cells(rows)
    if past:
        effs = [val(x, "efficiency") for x in past]
        line += (f" {len(past)} more cell(s) are queued past their client timeout (⌈C / N⌉ × L > timeout: the "
                 f"clients give up first), so Little's law bounds what the server does, not what they get: "
                 f"goodput {pct(min(effs))}–{pct(max(effs))} of the bound ("
                 + ", ".join(f"{who(x)} {c_of(x)}" for x in past) + ").")
    return line


# ---------------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------------

def _cell(s: str) -> str:
    """Text safe in a markdown table cell."""
    return s.replace("|", "/").replace("\n", " ")


def table(claims: list[Claim]) -> list[str]:
    """The claims as a markdown table."""
    lines = ["| # | claim (folklore) | measured | points | rule | verdict |", "|---|---|---|---|---|---|"]
    for c in claims:
        figures = "<br>".join(_cell(x) for x in c.figures) or "-"
        pts = ", ".join(f"`{p}`" for p in c.points) or "-"
        lines.append(f"| {c.number} | {_cell(c.statement)} | {figures} | {pts} | {_cell(c.rule)} | "
                     f"**{_cell(c.verdict)}** |")
    return lines


INTRO = ("What is often said about sync and async servers, judged by this run: each verdict is computed from "
         "the figures beside it by the rule beside it (the thresholds are constants of `scripts/slowio/claims.py`); "
         "a claim whose points are not in the run says so. Points at L = 200 ms are time-dilated: those claims "
         "do not depend on L.")


def section(rows: list[Row]) -> list[str]:
    """The report's Claims section: intro, table, the worst heatmap cell."""
    md = ["## Claims", "", INTRO, ""]
    md += table(evaluate(rows))
    worst = worst_cell_line(rows)
    md += ["", worst if worst else "The pool-size axis (heatmap, pool_size) is not measured in this run.", ""]
    return md
