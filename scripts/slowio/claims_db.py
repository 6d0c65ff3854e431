"""The claims a real database decides (issue 26): claims 11-15 of the claims table, judged on the database rows.

The rows are the real-database points (``scenario`` "database"): our servers with ``--store postgres`` (the
C++ pools: ``store`` postgres, ``db_pool`` P) and the ASP.NET Core target's EF Core series, command series whose
label names the seed's code they run, ``EF <mode> <store>`` (``EF async pg``, ``EF sync sqlite``, ``EF
sync-over-async pg``; bench/grid_efcore.json and the default grid's database section). A point's throughput is
judged against P / L where the pool binds (C > P): what Little's law allows a pool of P connections each held
L per request. Standard library only; the constants below are printed in each rule.
"""

from __future__ import annotations

import re

from .claims import DOES_NOT_HOLD, HOLDS, HOLDS_ONLY, Claim, crashed, deadlocked, not_measured, points, who
from .fmt import f, pct
from .rows import Row, c_of, first, measured, scenario, text, val

POOL_CAP_TOL = 1.05      # 11: a pool of P "binds" when throughput <= 105% of P / L at C > P
POOL_REACHED = 0.90      # 11, 12: throughput >= 90% of P / L reaches the pool's bound
SAME_THROUGHPUT = 0.10   # 12: sync and async "deliver the same" within 10% of each other
EF_LABEL_RE = re.compile(r"\bEF (sync-over-async|sync|async) (pg|sqlite)\b")


def ef_mode(r: Row) -> tuple[str, str] | None:
    """(mode, store) of an EF Core row from its label ('EF async pg' -> ('async', 'pg')); None for any other."""
    m = EF_LABEL_RE.search(text(r, "label"))
    return (m.group(1), m.group(2)) if m else None


def db_rows(rows: list[Row]) -> list[Row]:
    """The measured real-database rows (scenario database, store postgres or sqlite)."""
    return [r for r in rows if scenario(r) == "database" and text(r, "store") in ("postgres", "sqlite")
            and measured(r) and val(r, "throughput_rps") is not None]


def awaits(r: Row) -> bool:
    """server_async, or EF Core's async on PostgreSQL: the rows whose waits hold no thread."""
    return (text(r, "server") == "async" and text(r, "antipattern") in ("", "none")) or ef_mode(r) == ("async", "pg")


def pool_bound(r: Row) -> float | None:
    """P / L in req/s for a postgres row."""
    p, l_ms = val(r, "db_pool"), val(r, "latency_ms")
    return p / (l_ms / 1000.0) if p and l_ms else None


def threads(r: Row) -> float | None:
    """The threads the server had at its peak: its own threadpool_threads where it reports them (.NET, our
    elastic pool), else the kernel's count of the process's threads."""
    return val(r, "peak_threads") if val(r, "peak_threads") is not None else val(r, "peak_proc_threads")


def error_rate(r: Row) -> float:
    """Errors of any kind per request the clients completed or gave up on."""
    errors, completed = val(r, "errors_total") or 0.0, val(r, "completed") or 0.0
    return errors / (completed + errors) if completed + errors else 0.0


def _figure(r: Row) -> str:
    bound = pool_bound(r)
    if bound and val(r, "concurrency") < val(r, "db_pool"):
        bound, name = val(r, "concurrency") / (val(r, "latency_ms") / 1000.0), "C / L"
    else:
        name = "P / L"
    share = f" = {pct(val(r, 'throughput_rps') / bound)} of {name}" if bound else ""
    return (f"{who(r)}, {c_of(r)}" + (f", P = {f(val(r, 'db_pool'), 0)}" if val(r, "db_pool") else "")
            + f": {f(val(r, 'throughput_rps'), 1)} req/s{share}, {f(threads(r), 0)} threads, errors "
            + pct(error_rate(r)))


def claim_pool_decides(rows: list[Row]) -> Claim:
    """11. One thread can handle thousands of concurrent queries, against a real database and its pool."""
    statement = "One thread can handle thousands of concurrent queries (against a real database)."
    rule = (f"postgres rows at C > P: holds only up to the pool if every one delivers at most {POOL_CAP_TOL:.0%} "
            f"of P / L, and an async row whose pool is as large as C reaches ≥ {POOL_REACHED:.0%} of C / L")
    pg = [r for r in db_rows(rows) if text(r, "store") == "postgres" and pool_bound(r)]
    over = [r for r in pg if val(r, "concurrency") > val(r, "db_pool")]
    if not over:
        return not_measured(11, statement, rule)
    capped = all(val(r, "throughput_rps") <= POOL_CAP_TOL * pool_bound(r) for r in over)
    wide = [r for r in pg if val(r, "db_pool") >= val(r, "concurrency") >= 1000 and awaits(r)]
    grew = [r for r in wide if val(r, "throughput_rps") >= POOL_REACHED * val(r, "concurrency")
            / (val(r, "latency_ms") / 1000.0)]
    used = over + wide
    figures = [_figure(r) for r in used]
    if not capped:
        return Claim(11, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": a row beyond its pool exceeded P / L "
                     "(check the pool size the server really had)", figures, points(used))
    full = [r for r in over if val(r, "throughput_rps") >= POOL_REACHED * pool_bound(r)]
    short = [f"{who(r)} at {c_of(r)}" for r in over if r not in full]
    verdict = (f"{HOLDS_ONLY} up to the connection pool: at C > P no server, sync or async, delivers more than "
               f"P / L ({len(full)} of {len(over)} reach {POOL_REACHED:.0%} of it"
               + (f"; below: {', '.join(short)}" if short else "") + ")")
    if grew:
        verdict += "; a pool as large as C gives C / L"
    elif wide:
        verdict += (f"; a pool as large as C gave only {pct(min(val(r, 'throughput_rps') * val(r, 'latency_ms') / 1000.0 / val(r, 'concurrency') for r in wide))} "
                    "of C / L here (a pool that opens on demand meets C requests at once: see its latency and errors)")
    else:
        verdict += "; no point here with a pool as large as C"
    return Claim(11, statement, rule, HOLDS_ONLY, verdict, figures, points(used))


def _pairs_at_same_pool(rows: list[Row]) -> list[tuple[Row, Row]]:
    """(sync with N >= P threads, async) pairs at the same C and P: ours, and EF Core's."""
    pg = [r for r in db_rows(rows) if text(r, "store") == "postgres" and pool_bound(r)]
    out = []
    for a in pg:
        if not awaits(a):
            continue
        same = lambda s: (val(s, "concurrency") == val(a, "concurrency") and val(s, "db_pool") == val(a, "db_pool")  # noqa: E731
                          and (text(s, "server") == "command") == (text(a, "server") == "command"))
        s = first(pg, lambda s: same(s) and (val(s, "min_threads") or val(s, "threads") or 0) >= val(s, "db_pool")
                  and (text(s, "server") == "sync" or ef_mode(s) == ("sync", "pg")))
        if s is not None and val(a, "concurrency") > val(a, "db_pool"):
            out.append((s, a))
    return out


def claim_async_throughput(rows: list[Row]) -> Claim:
    """12. Async raises total throughput, with a real database: sync with N >= P threads vs async, same P."""
    statement = "Async raises total throughput (with a real database)."
    rule = (f"at the same C > P and the same pool P: sync with N ≥ P threads against async; does not hold if they "
            f"deliver within {SAME_THROUGHPUT:.0%} of each other")
    pairs = _pairs_at_same_pool(rows)
    if not pairs:
        return not_measured(12, statement, rule)
    figures, differ = [], []
    for s, a in pairs:
        ts, ta = val(s, "throughput_rps"), val(a, "throughput_rps")
        if abs(ts - ta) > SAME_THROUGHPUT * max(ts, ta):
            differ.append(f"{who(s)} {f(ts, 1)} vs {who(a)} {f(ta, 1)} req/s")
        figures += [_figure(s), _figure(a)]
    used = [r for pair in pairs for r in pair]
    if not differ:
        return Claim(12, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": with the pool as the limit both deliver "
                     "the same (P / L at most); async saves threads, not throughput", figures, points(used))
    rest = len(pairs) - len(differ)
    return Claim(12, statement, rule, HOLDS_ONLY, f"{HOLDS_ONLY} for {'; '.join(differ)}"
                 + (f"; {rest} other pair(s) deliver the same" if rest else "")
                 + " (compare the threads: a sync pool with N = P threads also runs the server's own work)",
                 figures, points(used))


def in_flight(r: Row) -> float | None:
    """Requests in the store at once, by Little's law: throughput x L."""
    x, l_ms = val(r, "throughput_rps"), val(r, "latency_ms")
    return None if x is None or not l_ms else x * l_ms / 1000.0


def claim_sqlite_async(rows: list[Row]) -> Claim:
    """13. FirstOrDefaultAsync frees the thread, on SQLite: requests in flight against threads, async vs sync."""
    statement = "`FirstOrDefaultAsync` frees the thread (EF Core on SQLite)."
    rule = (f"EF async on SQLite: a wait that frees its thread lets more requests wait at once than the pool has "
            f"threads; does not hold if throughput × L (requests in flight, Little's law) ≤ its peak pool threads "
            f"at every C, as EF sync's (both thread-growth slopes shown; PostgreSQL's EF async for contrast)")
    db = db_rows(rows)
    asyncs = [a for a in db if ef_mode(a) == ("async", "sqlite") and threads(a)]
    if not asyncs:
        return not_measured(13, statement, rule)
    figures, held, used = [], [], []
    for a in sorted(asyncs, key=lambda r: val(r, "concurrency")):
        held.append(in_flight(a) <= threads(a))
        sync = first(db, lambda s: ef_mode(s) == ("sync", "sqlite") and val(s, "concurrency") == val(a, "concurrency"))
        pg = first(db, lambda r: ef_mode(r) == ("async", "pg") and val(r, "concurrency") == val(a, "concurrency"))
        for r in (a,) + tuple(x for x in (sync, pg) if x is not None):
            figures.append(_figure(r) + f", {f(in_flight(r), 1)} in flight, "
                           f"+{f(val(r, 'thread_growth_per_s') or 0.0, 2)} threads/s")
            used.append(r)
    if all(held):
        return Claim(13, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": no more requests waited than it had "
                     "threads, as with sync: Microsoft.Data.Sqlite runs the async call synchronously, so each wait "
                     "holds its thread and the pool must grow to serve more", figures, points(used))
    return Claim(13, statement, rule, HOLDS, HOLDS + ": more requests waited at once than it had threads",
                 figures, points(used))


def claim_ef_deadlock(rows: list[Row]) -> Claim:
    """14. .Result deadlocks the server, re-measured with EF Core on PostgreSQL."""
    statement = "`.Result` deadlocks the server (EF Core on PostgreSQL)."
    rule = ("EF sync-over-async on PostgreSQL: holds if a point deadlocked (status deadlock, or no response in its "
            "window); otherwise compared with EF sync at the same C")
    db = [r for r in rows if scenario(r) == "database"]
    soa = [r for r in db if ef_mode(r) == ("sync-over-async", "pg")]
    if not soa:
        return not_measured(14, statement, rule)
    figures, stuck, used = [], [], []
    for r in soa:
        stuck.append(deadlocked(r) or (measured(r) and not val(r, "throughput_rps")))
        sync = first(db_rows(rows), lambda s: ef_mode(s) == ("sync", "pg") and val(s, "concurrency")
                     == val(r, "concurrency") and (val(s, "min_threads") or 0) == (val(r, "min_threads") or 0))
        for x in (r,) + ((sync,) if sync else ()):
            figures.append(_figure(x) if measured(x) else f"{who(x)}, {c_of(x)}: status {text(x, 'status')}")
            used.append(x)
    if any(stuck):
        first_stuck = min((r for r, x in zip(soa, stuck) if x), key=lambda r: val(r, "concurrency"))
        return Claim(14, statement, rule, HOLDS_ONLY, f"{HOLDS_ONLY} as a stall, not a deadlock: from "
                     f"{c_of(first_stuck)} it answered nothing in its window while its pool kept growing "
                     f"({f(threads(first_stuck), 0)} threads): every pool thread blocks in .Result and the "
                     "continuations that would complete them queue behind new requests (starvation, not a lock "
                     "cycle: ASP.NET Core has no SynchronizationContext); no recovery within the point",
                     figures, points(used))
    return Claim(14, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + ": ASP.NET Core has no SynchronizationContext; "
                 "it blocks a pool thread per request like sync, and the continuation needs another", figures,
                 points(used))


def claim_stock_pool_failure(rows: list[Row]) -> Claim:
    """15. The 11th request crashes the server, with the stock connection pool: what fails first, at which C."""
    statement = "The 11th request crashes the server (with the stock connection pool)."
    rule = ("every database point: holds if any server crashed; otherwise the first failure by C is named "
            "(client timeouts, 503s from the pool's acquire timeout), with its error rate")
    db = [r for r in rows if scenario(r) == "database" and text(r, "store") in ("postgres", "sqlite")]
    if not db:
        return not_measured(15, statement, rule)
    crashes = [r for r in db if crashed(r)]
    failing = sorted((r for r in db if measured(r) and (error_rate(r) > 0 or not val(r, "throughput_rps"))),
                     key=lambda r: val(r, "concurrency"))
    figures = [f"{who(r)}, {c_of(r)}: crashed (status {text(r, 'status')})" for r in crashes]
    figures += [(f"{who(r)}, {c_of(r)}: errors {pct(error_rate(r))} (timeouts {f(val(r, 'errors_timeout'), 0)}, "
                 f"503s {f(val(r, 'errors_503'), 0)}, pool timeouts {f(val(r, 'db_pool_timeouts'), 0)})")
                if error_rate(r) > 0 else f"{who(r)}, {c_of(r)}: answered nothing in its window (no error: the "
                f"clients were still waiting), {f(threads(r), 0)} threads" for r in failing]
    if crashes:
        return Claim(15, statement, rule, HOLDS_ONLY, f"{HOLDS_ONLY} as a crash at {c_of(crashes[0])}", figures,
                     points(crashes + failing))
    top = max(val(r, "concurrency") for r in db)
    if not failing:
        return Claim(15, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + f": nothing crashed or failed up to "
                     f"C = {f(top, 0)}; past the pool requests wait for a connection", figures, points(db))
    first_fail = failing[0]
    how = "requests that waited past a timeout" if error_rate(first_fail) > 0 else "a starved pool answered nothing"
    return Claim(15, statement, rule, DOES_NOT_HOLD, DOES_NOT_HOLD + f": nothing crashed up to C = {f(top, 0)}; "
                 f"what gives first is at {c_of(first_fail)} ({who(first_fail)}): {how}", figures, points(failing))


CLAIMS = [claim_pool_decides, claim_async_throughput, claim_sqlite_async, claim_ef_deadlock, claim_stock_pool_failure]
