"""report.md of a sweep run: findings and the key-numbers table, every number computed from the run's files.

The report opens with the claims table (slowio.claims: each folklore statement, its figures and a computed
verdict), then embeds the plots written by slowio.plots (when present), a table of the key numbers per point, and
one paragraph per finding; a run with pairs (slowio.pairs: ASP.NET Core beside our model of its thread pool)
gets a section comparing them. Standard library only.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path

from . import burst
from . import claims as claims_
from . import fidelity as fidelity_
from . import pairs as pairs_
from . import provenance as provenance_
from .fmt import BOUND_WRONG_ABOVE, bound_wrong, efficiency, f, ms, pct
from .loadgen import read_timeseries
from .nginx import medians
from .rows import (ERROR_COLUMNS, given_up, idle_rss_kb, lat, measured, read_summary, rss_per_request_kb, scenario,
                   series_of)


# ---------------------------------------------------------------------------------------------------------------
# Findings: each returns a paragraph (markdown) or None when the run has no data for it
# ---------------------------------------------------------------------------------------------------------------

def _efficiency_range(label: str, ok: list) -> str:
    """'**label**: 3 point(s), efficiency 98.0% to 100.0% (median 99.0%)', points above their bound counted apart."""
    effs = [r["efficiency"] for r in ok if not bound_wrong(r["efficiency"])]
    text = f"**{label}**: "
    if effs:
        text += (f"{len(effs)} point(s), efficiency {pct(min(effs))} to {pct(max(effs))} "
                 f"(median {pct(statistics.median(effs))})")
    if len(effs) < len(ok):
        text += (", and " if effs else "") + f"{len(ok) - len(effs)} point(s) above the bound"
    return text


def _off_bound(r) -> str:
    """'label C = 100 (88.8%, timeout 25)': a point off its bound, with its errors and, where they explain it, its
    capacity model (elastic: the scraped curve; above the bound: the model that is wrong)."""
    wrong = bound_wrong(r["efficiency"])
    model = f", bound_model {r.get('bound_model') or '-'}" if wrong else ""
    basis = f", capacity = {r['capacity_basis']}" if wrong or r.get("bound_model") == "elastic" else ""
    return (f"{r['label']} C = {f(r['concurrency'], 0)} ({efficiency(r['efficiency'])}"
            + (f", {_err_breakdown(r)}" if r.get("errors_total") else "") + model + basis + ")")


def finding_littles_law(rows) -> str | None:
    """How close each series came to its Little's-law bound, and which points did not (with their errors); a point
    above its bound by more than 5% says the bound is wrong, not the server fast, and is flagged, not averaged; a
    point measured past its client timeout is left to the plateau finding (its clients gave up)."""
    parts, off, wrong = [], [], []
    past = [r for r in rows if measured(r) and given_up(r)]
    for label, rs in series_of(rows).items():
        ok = [r for r in rs if measured(r) and r.get("efficiency") is not None and not given_up(r)]
        if not ok:
            continue
        parts.append(_efficiency_range(label, ok))
        wrong += [r for r in ok if bound_wrong(r["efficiency"])]
        off += [r for r in ok if abs(r["efficiency"] - 1.0) > 0.05 and not bound_wrong(r["efficiency"])]
    if not parts:
        return None
    head = "Little's law holds" if not off and not wrong else "Little's law, point by point"
    text = (f"**{head}.** A closed loop of C connections against a server that can hold `capacity` requests in "
            "the slow store at once completes at most min(C, capacity) / L requests per second. Measured "
            "throughput against that bound: " + "; ".join(parts) + ".")
    if off:
        text += (f" {len(off)} point(s) are more than 5% off the bound: " + "; ".join(_off_bound(r) for r in off)
                 + ". A growing pool's capacity changes during the window, so its bound is an average.")
    if wrong:
        text += (f" {len(wrong)} point(s) are above their bound, which no server can be: the capacity model "
                 "(`bound_model`) is wrong for them, so no efficiency is given: "
                 + "; ".join(_off_bound(r) for r in wrong) + ".")
    if past:
        text += (f" Not counted: {len(past)} point(s) queued past their client timeout (⌈C / N⌉ × L > timeout) and "
                 "measured after it, where what the clients get is set by the timeout, not by the bound (below).")
    return text


def _plateau(label: str, n: int, over: list) -> str:
    """The fixed pool's plateau at N / L over the points above C = N within the client timeout, and its queue."""
    tputs = [r["throughput_rps"] for r in over]
    bound = n / (over[0]["latency_ms"] / 1000.0)
    top = max(over, key=lambda r: r["concurrency"])
    cs = sorted({r["concurrency"] for r in over})
    where = (f"whether C is {f(cs[0], 0)} or {f(cs[-1], 0)}" if len(cs) > 1 else
             f"at C = {f(cs[0], 0)} (the larger C wait longer than the client timeout: below)")
    text = (f"**{label} plateaus at N / L.** With N = {n} worker threads and L = {lat(top)}, every C above "
            f"{n} gives the same throughput: "
            f"{f(min(tputs), 2) if abs(max(tputs) - min(tputs)) < 0.005 else f(min(tputs), 2) + '–' + f(max(tputs), 2)}"
            f" req/s against N / L = {f(bound, 2)} req/s, {where}. The extra requests wait in the pool's queue")
    if top.get("peak_queue_length") is not None:
        text += (f": at C = {f(top['concurrency'], 0)} the queue peaked at {f(top['peak_queue_length'], 0)} "
                 f"work items (C − N = {f(top['concurrency'] - n, 0)})")
        if top["peak_queue_length"] > top["concurrency"] - n + 0.5:
            text += (" — more than C − N, because the requests of clients that timed out and reconnected "
                     "stay queued and are still executed by the starved pool")
    text += "."
    w = top["concurrency"] / (top["throughput_rps"] or bound)
    text += (f" Little's law puts their steady wait at W = C / X = {ms(w * 1000)}; ")
    if top.get("errors_timeout"):
        text += (f"with the client timeout at {f(top['timeout_s'], 0)} s, {f(top['errors_timeout'], 0)} "
                 f"requests of the steady window timed out (counted as errors, not dropped)"
                 f" and the reported p99 ({ms(top.get('p99_ms'))}) is the time they were given up at.")
    else:
        text += f"the measured p50 was {ms(top.get('p50_ms'))} and p99 {ms(top.get('p99_ms'))}."
    return text


def _range(vals: list, digits: int = 2, fmt=None) -> str:
    """'a' or 'a–b' of the values that exist; '-' when none does."""
    fmt = fmt or (lambda v: f(v, digits))
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    return fmt(min(vals)) if fmt(min(vals)) == fmt(max(vals)) else f"{fmt(min(vals))}–{fmt(max(vals))}"


def _given_up(label: str, n: int, past: list) -> str:
    """The fixed pool past its client timeout: what the clients got and what the server still did."""
    bound = n / (past[0]["latency_ms"] / 1000.0)
    cs = [r["concurrency"] for r in past]
    waits = [math.ceil(c / n) * past[0]["latency_ms"] / 1000.0 for c in cs]
    busy = _range([r.get("peak_busy_threads") for r in past], 0)
    return (f"**{label} past the client timeout: busy, and useless to its clients.** At C = "
            f"{_range(cs, 0)} a request needs ⌈C / N⌉ × L = {_range(waits, 0)} s in the queue against a "
            f"{f(past[0]['timeout_s'], 1)} s client timeout, so these points are measured from "
            f"{_range([r['warmup_s'] for r in past], 1)} s, after the first timeouts: goodput "
            f"{_range([r['throughput_rps'] for r in past])} req/s against N / L = {f(bound, 2)}, while the server "
            f"wrote {_range([r.get('server_responses_rps') for r in past])} responses/s (goodput_share "
            f"{_range([r.get('goodput_share') for r in past], fmt=pct)}) and saw "
            f"{_range([r.get('abandoned_rps') for r in past], 1)} requests/s abandoned, with {busy} of {n} workers "
            "busy at the peak. The pool works through requests whose clients gave up and resent: starved, not "
            "crashed (claim 3).")


def finding_sync_plateau(rows) -> str | None:
    """The fixed pool's plateau at N/L and its queue; past the client timeout, what it does for nobody."""
    out = []
    for label, rs in series_of(rows).items():
        if rs[0]["server"] != "sync" or rs[0].get("pool") == "elastic" or \
                rs[0].get("antipattern") not in ("none", "", None):
            continue
        n = int(rs[0]["threads"])
        over = [r for r in rs if measured(r) and r["concurrency"] > n and r.get("throughput_rps") is not None]
        queued = [r for r in over if r["throughput_rps"] and not given_up(r)]
        if queued:
            out.append(_plateau(label, n, queued))
        if any(given_up(r) for r in over):
            out.append(_given_up(label, n, [r for r in over if given_up(r)]))
    return "\n\n".join(out) if out else None


def finding_async(rows) -> str | None:
    """Async scaling with K threads."""
    out = []
    for label, rs in series_of(rows).items():
        if rs[0]["server"] != "async" or rs[0].get("antipattern") not in ("none", "", None):
            continue
        ok = [r for r in rs if measured(r) and r.get("throughput_rps")]
        if not ok:
            continue
        top = max(ok, key=lambda r: r["concurrency"])
        k = int(top["threads"])
        text = (f"**{label} scales with C, not with threads.** With {k} io thread(s), C = "
                f"{f(top['concurrency'], 0)} connections gave {f(top['throughput_rps'], 1)} req/s, "
                f"{efficiency(top.get('efficiency'), 'C / L')} = {f(top.get('bound_rps'), 1)} req/s; p50 "
                f"{ms(top.get('p50_ms'))} and p99 {ms(top.get('p99_ms'))} against L = {lat(top)}")
        if top.get("p99_ms") is not None and top.get("latency_ms"):
            text += f" (p99 − L = {ms(top['p99_ms'] - top['latency_ms'])})"
        text += "."
        if top.get("max_loop_lag_ms") is not None:
            text += f" The event loop's largest lag was {ms(top['max_loop_lag_ms'])}."
        if top.get("errors_total"):
            text += f" Errors: {f(top['errors_total'], 0)} ({_err_breakdown(top)})."
        out.append(text)
    return "\n\n".join(out) if out else None


def _elastic_growth(run_dir: Path, r) -> tuple[float, float, float] | None:
    """(first threads, last threads, threads/s over the run): the ends of a point's scraped thread curve, and the
    row's thread_growth_per_s (the same curve's (last - first) / time, computed once, by slowio.summary)."""
    rate = r.get("thread_growth_per_s")
    ts = read_timeseries(run_dir / "timeseries" / f"{r['point']}.csv")
    threads = [x["server_threadpool_threads"] for x in ts
               if x.get("t_s") is not None and x.get("server_threadpool_threads") is not None]
    if rate is None or len(threads) < 2:
        return None
    return threads[0], threads[-1], rate


# The rule of server_sync's WorkerPool.hpp (and .NET's PortableThreadPool.Blocking.cs), for the elastic finding.
BLOCKING_ADJUSTMENT_RATE = ("blocking adjustment jumps to min + cores threads at once, then adds one thread per "
                            "min((1 + (goal − min − cores) / cores) × 25 ms, 250 ms): 4/s, one per 250 ms, is "
                            "where it ends up, not a ceiling")


def finding_elastic(rows, run_dir: Path) -> str | None:
    """How fast the elastic pool grew and what that bought."""
    out = []
    for label, rs in series_of(rows).items():
        if rs[0]["server"] != "sync" or rs[0].get("pool") != "elastic":
            continue
        ok = [r for r in rs if measured(r)]
        if not ok:
            continue
        top = max(ok, key=lambda r: r["concurrency"])
        g = _elastic_growth(run_dir, top)
        rule = ("the pool injects one thread per 500 ms gate period only while work is queued and no work item "
                "completed for more than 500 ms (.NET's GateThread rule, which stops firing once completions "
                "arrive more often than every 500 ms), plus .NET's hill climbing")
        if top.get("antipattern") == "sync-over-async":
            rule += ("; as .NET's blocking adjustment, it adds threads while workers are blocked waiting on "
                     "work queued to the same pool (sync-over-async)")
        if top.get("extra_server_args"):
            rule += f"; extra server flags: `{top['extra_server_args']}`"
        blocking = top.get("antipattern") == "sync-over-async"
        how = "grows by the blocking adjustment" if blocking else "grows one thread at a time"
        text = (f"**{label} {how}.** Starting from {f(top.get('min_threads'), 0)} threads, "
                f"{rule}.")
        if g:
            text += (f" At C = {f(top['concurrency'], 0)} it went from {f(g[0], 0)} to {f(g[1], 0)} threads in the "
                     f"run, {f(g[2], 2)} threads/s (the " + (BLOCKING_ADJUSTMENT_RATE if blocking
                                                            else "starvation gate's ceiling is 2/s") + ")")
        elif top.get("peak_threads") is not None:
            text += f" At C = {f(top['concurrency'], 0)} it peaked at {f(top['peak_threads'], 0)} threads"
        eff = top.get("efficiency")
        text += (f"; its throughput, {f(top.get('throughput_rps'), 2)} req/s, {'' if bound_wrong(eff) else 'is '}"
                 + efficiency(eff, "the bound computed from the threads it actually had over time") +
                 f" (each thread completes one request per L from the moment it is injected: the equivalent of a "
                 f"constant pool of {f(top.get('capacity'), 1)} threads over the steady window).")
        if top.get("errors_timeout"):
            text += f" {f(top['errors_timeout'], 0)} requests still timed out at {f(top['timeout_s'], 0)} s."
        out.append(text)
    return "\n\n".join(out) if out else None


def finding_memory(rows) -> str | None:
    """RSS per in-flight request: a blocked thread (sync) vs a coroutine (async)."""
    idle = idle_rss_kb(rows)
    parts = []
    for label, rs in series_of(rows).items():
        ok = [r for r in rs if measured(r) and rss_per_request_kb(r, idle) is not None]
        if not ok:
            continue
        top = max(ok, key=lambda r: r["concurrency"])
        p = (f"**{label}** at C = {f(top['concurrency'], 0)}: {f(top.get('server_rss_kb'), 0)} KiB, "
             f"{f(rss_per_request_kb(top, idle), 2)} KiB per in-flight request")
        if top["server"] == "sync" and top.get("peak_threads"):
            p += f" ({f(top['peak_threads'], 0)} worker threads)"
        parts.append(p)
    if not parts:
        return None
    return ("**Memory: what an in-flight request costs.** In the sync server a request waiting on the store "
            "holds a blocked worker thread (stack, kernel state), or - when the pool is too small - a slot in "
            "the queue, which is cheap but is exactly the starvation above; in the async server it holds a "
            "coroutine frame and its buffers. Peak resident memory over the idle server of the same binary ("
            + ", ".join(f"{k} {f(v, 0)} KiB" for k, v in idle.items()) + "), divided by C: "
            + "; ".join(parts) + ".")


def _sync_over_async_cause(r) -> str:
    """Why a sync-over-async row deadlocked, by server."""
    if r["server"] == "sync":
        return ("Every worker of the fixed pool blocks on a future whose completion is queued to that same pool, "
                "so once all of them are blocked nothing runs the completions.")
    return "The handler blocks its only io thread on a future whose completion needs that same thread."


def finding_deadlock(rows) -> str | None:
    """The sync-over-async demonstrations: a detected deadlock, or a point expected to deadlock that did not.
    (An elastic pool's sync-over-async point that ran normally recovered by growing: finding_elastic.)"""
    dl = [r for r in rows if r.get("expect") == "deadlock" or r.get("status") == "deadlock"
          or (r.get("antipattern") == "sync-over-async" and r.get("bound_model") in ("deadlock", "sync-over-async"))]
    if not dl:
        return None
    out = []
    for r in dl:
        if r["status"] == "deadlock":
            t = r.get("server_died_after_s")
            out.append(f"**Sync-over-async deadlocks ({r['label']}, C = {f(r['concurrency'], 0)}).** "
                       f"{_sync_over_async_cause(r)} The "
                       f"watchdog detected it and the server exited with code {f(r.get('server_exit_code'), 0)}"
                       + (f" {t:.1f} s after the load started" if t is not None else "")
                       + (f" (server_async's watchdog bound: 2 L + 1 s = {(2 * r['latency_ms'] / 1000 + 1):.1f} s)"
                          if t is not None and r["server"] == "async" else "")
                       + f"; the client saw {f(r.get('ok'), 0)} successful responses and "
                       f"{f(r.get('errors_total'), 0)} errors ({_err_breakdown(r)}).")
        else:
            out.append(f"**Sync-over-async ({r['label']}, C = {f(r['concurrency'], 0)}) ended with status "
                       f"`{r['status']}`**, not a detected deadlock" + (f": {r['detail']}" if r.get("detail")
                                                                         else "") + ".")
    return "\n\n".join(out)


def finding_nginx(run_dir: Path) -> str | None:
    """The /health cross-check against nginx (crosscheck_nginx.csv, written by bench.sh), if the run has one."""
    path = run_dir / "crosscheck_nginx.csv"
    if not path.is_file():
        return None
    try:
        with path.open(newline="") as fh:
            per_depth = medians(list(csv.DictReader(fh)))
    except (OSError, ValueError, KeyError):
        return None
    parts = []
    for depth, m in per_depth.items():
        if "nginx" not in m or "server_async" not in m:
            continue
        n, a = m["nginx"], m["server_async"]
        what = "without pipelining" if depth == 1 else f"pipelining {depth} requests per connection"
        parts.append(f"{what}: nginx {n['rps']:,.0f} req/s, server_async {a['rps']:,.0f} req/s "
                     f"(**{a['rps'] / n['rps']:.2f}×**); CPU per request {n['cpu_us_per_request']:.2f} µs vs "
                     f"{a['cpu_us_per_request']:.2f} µs")
    if not parts:
        return None
    rounds = max(m["server_async"]["rounds"] for m in per_depth.values() if "server_async" in m)
    return ("**/health against nginx** (`crosscheck_nginx.py`: nginx with one worker and `return 200`, "
            "server_async with one io thread, the same `wrk -t1 -c64` command against each, alternating; median of "
            f"{rounds} rounds) — " + "; ".join(parts) + ". Without pipelining wrk saturates its core and both "
            "servers spend most of their time in the kernel's loopback path, so the two are close; with "
            "pipelining the client is cheap per request and the servers differ: nginx makes one writev per "
            "response, server_async answers the requests it has already received and writes their responses "
            "together (see `crosscheck_nginx.csv`).")


def _err_breakdown(r) -> str:
    """The non-zero error categories of a row, e.g. 'timeout 12, 503 3'."""
    parts = [f"{c[7:]} {f(r[c], 0)}" for c in ERROR_COLUMNS if r.get(c)]
    return ", ".join(parts) if parts else "none"


def finding_failures(rows) -> str | None:
    """Points that did not complete normally (other than an expected deadlock), and unclean exits at SIGTERM."""
    bad = [r for r in rows if not measured(r) and not (r.get("expect") == "deadlock"
                                                       and r["status"] == "deadlock")]
    unclean = [r for r in rows if measured(r) and r.get("server_exit_code") not in (None, 0)]
    out = []
    if bad:
        items = "; ".join(f"{r['label']} C = {f(r['concurrency'], 0)}: `{r['status']}`"
                          + (f" ({r['detail']})" if r.get("detail") else "") for r in bad)
        out.append(f"**{len(bad)} point(s) did not complete normally** (kept in the table, never dropped): "
                   f"{items}.")
    if unclean:
        items = ", ".join(f"{r['label']} C = {f(r['concurrency'], 0)} (exit {f(r['server_exit_code'], 0)})"
                          for r in unclean)
        out.append(f"**Shutdown under overload.** After the load stopped, {len(unclean)} server(s) could not "
                   f"drain their backlog within the shutdown bound (store latency + 1 s) and exited non-zero "
                   f"(exit 5, status `drain_expired`: in-flight requests were lost): {items}. Their measurements "
                   f"are complete; the exit code is kept in `server_exit_code`.")
    return "\n\n".join(out) if out else None


# ---------------------------------------------------------------------------------------------------------------
# .NET's thread pool vs our model (pairs)
# ---------------------------------------------------------------------------------------------------------------

DOTNET_PLOT = "dotnet_vs_model.png"
KESTREL_CAUSE = ("Kestrel runs its own socket work (accepts, reads, response writes) on the same thread pool, in "
                 "one FIFO global queue behind the blocked requests, so a starved .NET pool also stops writing the "
                 "responses of requests that already finished; our server_sync does its socket I/O on a separate "
                 "I/O thread.")
# The same difference where the model ran with --io-on-pool: only the reads are left.
KESTREL_READS_CAUSE = ("Kestrel runs its reads on the same thread pool too (the socket engine's completions are pool "
                       "work items before the request's own), behind the blocked requests; our model with "
                       "--io-on-pool runs its sends there (Kestrel's IOQueues) but reads on its I/O thread.")

# And with --socket-engine: Kestrel's socket work is all on the pool on both sides; what is left is the burst.
KESTREL_ENGINE_CAUSE = ("Both run their socket work on the pool (our model with --socket-engine: the engine's items, "
                        "Kestrel's accept loop, the sends); what is left is when each accept loop first empties the "
                        "kernel's backlog: a small first batch is answered before the client timeout, a burst "
                        "accepted in one go is not (results/dotnet-fidelity-live-20261207).")


def model_ran_with(row: dict, flag: str) -> bool:
    """Whether our model's point ran with this server flag (summary.csv's extra_server_args)."""
    return flag in str(row.get("extra_server_args") or "").split()


def kestrel_cause(model_row: dict) -> str:
    """Why a starved .NET pool serves less than our model: what of Kestrel's socket work the model leaves off it."""
    if model_ran_with(model_row, "--socket-engine"):
        return KESTREL_ENGINE_CAUSE
    return KESTREL_READS_CAUSE if model_ran_with(model_row, "--io-on-pool") else KESTREL_CAUSE


# Known from the runtime's sources, not measured here: why .NET's .Result pool still trickles responses.
TIMER_THREAD_CAUSE = (
    "A known difference, from the runtime's sources rather than this run: .NET's timer thread fires the first "
    "due timer of each wake-up itself and queues only the others to the pool (TimerQueue's FireNextTimers), so "
    "for some requests the Task.Delay completes - and the .Result blocked on it returns - without a pool "
    "thread; our model queues every completion to the pool, behind the blocked requests.")

HILL_CLIMBING_CAUSE = (
    "hill climbing made its first climbing move on one side and not (yet) on the other: a move needs 8 samples, "
    "each closed on a completed work item once it holds (threads − 1) / 15% of them, at random 10–200 ms "
    "intervals, so when the first move comes varies from run to run (between 20 s and 100 s in our runs, on either "
    "side); Kestrel's own socket work (accepts, reads, the reconnects after client timeouts) also counts as "
    "completed items in .NET's pool, ours runs only the requests (server_sync/README.md).")


def first_departure(marks: list[pairs_.Mark]) -> str | None:
    """'from t = X s (.NET A → B threads in the 5 s before)': where the model first leaves the target band."""
    prev = None
    for m in marks:
        if m.within is False:
            grew = (f" (since t = {prev.t_s:g} s: .NET {f(prev.net, 0)} → {f(m.net, 0)}, model "
                    f"{f(prev.model, 0)} → {f(m.model, 0)} threads)"
                    if prev is not None and None not in (prev.net, m.net, prev.model, m.model) else "")
            return f"from t = {m.t_s:g} s{grew}"
        prev = m
    return None


def _signed(v: float | None, digits: int = 0) -> str:
    """A difference with its sign ('+3', '−2', '0')."""
    if v is None:
        return "-"
    return "0" if round(v, digits) == 0 else f"{v:+,.{digits}f}".replace("-", "−")


def _yes(v: bool | None) -> str:
    return "-" if v is None else ("yes" if v else "no")


def _rel(v: float | None) -> str:
    """A relative difference as a signed percentage."""
    if v is None:
        return "-"
    return "∞" if math.isinf(v) else f"{100.0 * v:+.1f}%"


def _threads_table(marks: list[pairs_.Mark]) -> list[str]:
    lines = ["| t | .NET threads | model threads | model − .NET | target | within target? |",
             "|---|---|---|---|---|---|"]
    for m in marks:
        tol = "-" if m.tolerance is None else f"±{m.tolerance:.3g}"
        lines.append(f"| {m.t_s:g} s | {f(m.net, 0)} | {f(m.model, 0)} | {_signed(m.diff)} | {tol} | "
                     f"{_yes(m.within)} |")
    return lines


def thread_verdict_line(v: pairs_.ThreadVerdict) -> str:
    """'thread target met at k of n marks (worst: t = ..., .NET X vs model Y)'."""
    text = f"thread target met at {v.met} of {v.judged} marks"
    if v.worst is not None:
        text += f" (worst: t = {v.worst.t_s:g} s, .NET {f(v.worst.net, 0)} vs model {f(v.worst.model, 0)})"
    if v.missing:
        text += f"; {v.missing} mark(s) without a thread count on one side"
    return text


def throughput_verdict_line(v: pairs_.ThroughputVerdict) -> str:
    """'throughput: .NET A req/s vs model B req/s (differs by ...)'."""
    text = f"throughput: .NET {f(v.net, 2)} req/s vs model {f(v.model, 2)} req/s"
    rel = v.rel_diff
    if rel is not None:
        text += " (differs by " + ("∞" if math.isinf(rel) else f"{100.0 * abs(rel):.1f}%") + \
                (f", model {'higher' if rel > 0 else 'lower'}" if rel else "") + ")"
    return text


def _pair_status(pair: pairs_.Pair) -> str:
    """A sentence for pair rows that did not end normally (their throughput is not compared)."""
    bad = [(who, r) for who, r in ((".NET", pair.net), ("model", pair.model)) if r.get("status") != "ok"]
    return " ".join(f"The {who} point ended with status `{r['status']}`"
                    + (f" ({r['detail']})" if r.get("detail") else "") + "." for who, r in bad)


def pair_section(pair: pairs_.Pair, run_dir: Path) -> list[str]:
    """One pair: the thread counts at every mark, the throughputs, the two verdict lines and, past 5%, why."""
    marks = pairs_.thread_marks(pair, run_dir)
    tv, xv = pairs_.thread_verdict(marks), pairs_.throughput_verdict(pair)
    md = [f"### Pair `{pair.name}`, C = {f(pair.concurrency, 0)}: {pair.net['label']} (.NET) vs "
          f"{pair.model['label']} (our model)", ""]
    status = _pair_status(pair)
    if status:
        md += [status, ""]
    md += _threads_table(marks) if marks else ["No thread counts: the run has no time series for this pair."]
    window = f"the {f(xv.window_s, 0)} s window" if xv.window_s else "the window"
    md += ["", f"| throughput over {window} | .NET | model | difference | within "
               f"{pairs_.THROUGHPUT_REL:.0%}? |", "|---|---|---|---|---|",
           f"| req/s | {f(xv.net, 2)} | {f(xv.model, 2)} | {_rel(xv.rel_diff)} | {_yes(xv.within)} |", ""]
    md += [f"- {thread_verdict_line(tv)}", f"- {throughput_verdict_line(xv)}",
           f"- {counters_line(pairs_.counters_check(pair, run_dir))}"]
    departure = first_departure(marks)
    if departure and pair.model.get("antipattern") != "sync-over-async":  # HC is skipped while blocking adjusts
        ahead = next((m for m in marks if m.within is False), None)
        who = "our model" if ahead is not None and (ahead.diff or 0) > 0 else ".NET"
        md += ["", f"Threads part {departure}, {who} ahead: " + HILL_CLIMBING_CAUSE]
    if xv.within is False:
        md += ["", throughput_cause(xv, pair)]
    return md + [""]


def counters_line(c: pairs_.CountersCheck) -> str:
    """.NET's own counters against the target's /metrics, and what its Meter publishes."""
    if c.missing:
        head = f".NET's own counters: not read ({c.missing})"
    elif not c.marks:
        head = ".NET's own counters: no mark has both counts"
    else:
        agree = sum(1 for _, m, n in c.marks if m == n)
        diff, t = c.largest
        head = (f".NET's own counters (dotnet-counters, `threadpool-thread-count`): equal to the target's "
                f"`threadpool_threads` at {agree} of {len(c.marks)} marks"
                + (f", at most {f(diff, 0)} apart (t = {f(t, 0)} s): both read `ThreadPool.ThreadCount`, up to a "
                   "second apart, while the pool moves" if diff else ": both read `ThreadPool.ThreadCount`"))
    return head + (f"; its Meter: {c.meter}" if c.meter else "")


FEW_RESPONSES = 50  # below this many responses in the window on both sides, a 5% target measures noise


def throughput_cause(xv: pairs_.ThroughputVerdict, pair: pairs_.Pair,
                     target: float = pairs_.THROUGHPUT_REL) -> str:
    """Why the throughputs differ by more than ``target``, from the numbers: too few responses to compare,
    Kestrel's socket work on the starved pool (.NET lower), or no known cause (model lower with enough
    responses)."""
    window = xv.window_s or 0.0
    n_net, n_model = (round((v or 0.0) * window) for v in (xv.net, xv.model))
    if window and max(n_net, n_model) < FEW_RESPONSES:
        timeout = pair.model.get("timeout_s")
        gives_up = f"the client gives up after {f(timeout, 0)} s, so " if timeout else ""
        few = (f"Both pools are starved: {gives_up}each side delivered only about {f(n_net, 0)} (.NET) and "
               f"{f(n_model, 0)} (model) responses in {f(window, 0)} s, a difference of "
               f"{f(abs(n_net - n_model), 0)} request(s); a {target:.0%} target is not meaningful on so few.")
        return f"{few} {kestrel_cause(pair.model)}" if n_net < n_model else few
    if (xv.net or 0.0) < (xv.model or 0.0):
        return kestrel_cause(pair.model)
    if pair.model.get("antipattern") == "sync-over-async":
        return TIMER_THREAD_CAUSE
    return ("Our model served fewer requests than .NET with the same threads; the run does not show why (compare "
            "the two time series).")


def section_dotnet_vs_model(rows, run_dir: Path) -> list[str]:
    """The section comparing each pair's .NET point with our model's; [] when the run has no pair."""
    found = pairs_.find_pairs(rows)
    if not found:
        return []
    md = ["## .NET's thread pool vs our model", "",
          "Each pair runs ASP.NET Core (the real .NET thread pool, a command series) and our model of it "
          "(server_sync) under the same load. Targets: at every "
          f"{pairs_.MARK_EVERY_S:g} s mark, |model − .NET| ≤ max({pairs_.THREADS_ABS:g}, "
          f"{pairs_.THREADS_REL:.0%} of .NET) threads (`threadpool_threads` from each point's time series); "
          f"throughput over the steady window within {pairs_.THROUGHPUT_REL:.0%}.", ""]
    if (run_dir / DOTNET_PLOT).exists():
        md += [f"![.NET's thread pool vs our model]({DOTNET_PLOT})", ""]
    cells = fidelity_.find_cells(rows, run_dir)
    if cells:
        return md + fidelity_section(cells, run_dir)
    for pair in found:
        md += pair_section(pair, run_dir)
    return md


# Measured by issue 29's traces (results/hillclimb-20261206), at L = 500 ms, C = 200, one core.
STARTUP_HISTORY_CAUSE = (
    "as far as traced (results/hillclimb-20261206, L = 500 ms, C = 200, one core), hill climbing's input, not its "
    "rules (tests/server_sync/HillClimbingReplayTests.cpp replays the runtime's "
    "own adjustment events through our HillClimbing and gets its numbers): .NET's climber enters the load with "
    "the process's start-up work items in its sample history (39-92 completions/s against 2-4/s under load), so "
    "its first analysed window sets the noise estimate near 0.6 and the wave's magnitude to 4-5 while the "
    "control setting is still at its minimum, and the wave alone lifts .NET's count; ours starts cold at the "
    "first request (magnitude 1)")
# The same where the model ran with --warm-up: it has the warm-up requests' items, not the host's own.
STARTUP_HISTORY_WARM_UP_CAUSE = (
    "as far as traced (results/hillclimb-20261206), hill climbing's input, not its rules: .NET's climber enters the "
    "load with the process's start-up work items in its sample history (30-33 of them besides the warm-up "
    "requests' in the traces, at 39-92 completions/s), which set the wave's magnitude of its first climbing move; "
    "ours, with --warm-up, has only the warm-up requests' 3 items, and the randomness of the sample intervals does "
    "the rest")


# The same where the model also ran with --start-up-items: both climbers start from the same history.
STARTUP_ITEMS_CAUSE = (
    "not the start-up history any more: with --start-up-items our climber enters the load with the same items as "
    ".NET's (27-29 at the port; at their measured times with N@MS, results/dotnet-fidelity-timeline-20261206), and "
    "traced side by side (results/hillclimb-l200-20261206, L = 200 ms, C = 200, one core) it takes the "
    "same first analysed window (noise 0.62 against .NET's 0.70, magnitude 4 both) and the same first climbing "
    "move (to 5 threads at t = 4.9 s against 4.6 s); after it the control setting stays near the minimum on both "
    "sides and the count is the wave's, so the marks fall on the wave's high or low half by the random sample "
    "intervals; where .NET climbs past the wave later, its trace shows why: once the clients time out and "
    "reconnect, the items Kestrel queues for the connections they left (the read continuation that finds the "
    "input completed, the ConnectionClosed callback) complete at once (a sample of 2,008 completions/s at t = "
    "21.9 s), and that burst drives its climbing moves (5 → 13 threads by 32 s); with --io-on-pool our model "
    "queues the same two items per connection a client ends and climbs on the same burst (2 5 6 10 14 16 threads "
    "at C = 200, results/dotnet-fidelity-end-20261206). Whether the clients time out together, which decides "
    "whether a burst comes at all, turns on the first climbing move against the backlog: in the grid .NET had 6 "
    "threads at 5 s and 5 timeouts at C = 200, our model 2 threads at 5 s (its move came at 4.9 s) and 204")


def startup_history_cause(model_row: dict) -> str:
    """Why .NET's thread count runs ahead of ours in hill climbing's regime."""
    if model_ran_with(model_row, "--start-up-items"):
        return STARTUP_ITEMS_CAUSE
    return STARTUP_HISTORY_WARM_UP_CAUSE if model_ran_with(model_row, "--warm-up") else STARTUP_HISTORY_CAUSE


def fidelity_table(cells: list[fidelity_.Cell], sides: tuple[str, str] = (".NET", "model"),
                   pooled: fidelity_.Resolution | None = None) -> list[str]:
    """One line per cell: its marks met per repetition, the median thread curves and throughputs, verdicts
    (``sides`` names the two columns: .NET's and the model's, or two of .NET's own grids; ``pooled``, the
    resolution at the cell's runs, adds how often the runtime meets the cell against itself, and our model
    against the runtime, over the pooled draws)."""
    a, b = sides
    extra = (" pooled draws within: runtime against itself / model |", "---|") if pooled else ("", "")
    lines = [f"| cell | C | runs | marks met (each run) | {a} threads at the marks (median) | {b} threads "
             f"(median) | {a} req/s | {b} req/s | difference | within target? |{extra[0]}",
             "|---|---|---|---|---|---|---|---|---|---|" + extra[1]]
    for c in cells:
        curve = lambda who: " ".join(f(v, 0) for v in c.median_threads(who))  # noqa: E731
        lines.append(f"| {c.name} | {f(c.concurrency, 0)} | {len(c.runs)} | "
                     f"{', '.join(str(m) for m in c.met)} of {c.judged} | {curve('net')} | {curve('model')} | "
                     f"{f(c.median_rps('net'), 2)} | {f(c.median_rps('model'), 2)} | {_rel(c.rps_rel_diff)} | "
                     f"{_yes(c.within)} |{pooled_shares(c, pooled) if pooled else ''}")
    return lines


def pooled_shares(c: fidelity_.Cell, at: fidelity_.Resolution) -> str:
    """' 61% / 69% |': a cell's share of pooled draws within target, the runtime's against itself / our model's."""
    key = fidelity_.cell_key(c.name, c.concurrency)
    share = lambda x: "-" if x is None else f"{x:.0%}"  # noqa: E731
    model = at.model_per_cell.get(key) if at.model_per_cell else None
    return f" {share(at.per_cell.get(key))} / {share(model)} |"


def cell_cause(c: fidelity_.Cell) -> str:
    """What a missed cell missed, where the model first left the band, and the cause where it is known."""
    parts = []
    if c.threads_ok is False:
        net, model = c.median_threads("net"), c.median_threads("model")
        marks = [pairs_.Mark(t, n, m) for t, n, m in zip(pairs_.mark_times(c.runs[0].net), net, model)]
        departure = first_departure(marks) or "at some marks"
        ahead = next((m for m in marks if m.within is False), None)
        behind = ahead is not None and (ahead.diff or 0) < 0
        if c.first.get("antipattern") == "sync-over-async":
            why = "the blocking adjustment decides this mode (hill climbing is skipped while it adds threads)"
        elif behind:
            why = startup_history_cause(c.first)
        else:
            why = "not known: our model ahead of .NET is not what the traces so far show"
        parts.append(f"threads (median {f(c.median_met, 1)} of {c.judged} marks) part {departure}, "
                     f"{'.NET' if behind else 'our model'} ahead: {why}.")
    if c.throughput_ok is False:
        xv = pairs_.ThroughputVerdict(c.median_rps("net"), c.median_rps("model"), c.runs[0].net.get("window_s"))
        fewer_threads = c.threads_ok is False and (c.rps_rel_diff or 0) < 0 and sum(
            (m or 0) - (n or 0) for n, m in zip(c.median_threads("net"), c.median_threads("model"))) < 0
        why = ("it follows from the thread counts: a blocked thread serves at most 1 / L requests a second, and "
               "the model had fewer" if fewer_threads else throughput_cause(xv, c.runs[0], fidelity_.THROUGHPUT_REL))
        parts.append(f"throughput {_rel(c.rps_rel_diff)}: {why.rstrip('.')}.")
    return " ".join(parts)


def run_provenance(run_dir: Path) -> provenance_.Provenance:
    """Whether the run's two sides ran on one machine: one sweep's do; a combined run's takes say (merged_from)."""
    machine = read_machine(run_dir)
    if not machine:
        return provenance_.Provenance("unknown", "Whether both sides ran on one machine cannot be told: the run has "
                                                 "no machine.json.")
    return provenance_.judge(provenance_.sources(machine, run_dir.name), one_sweep=not machine.get("merged_from"))


def self_check_lines(checks: list[fidelity_.SelfCheck], resolutions: list[fidelity_.Resolution],
                     runs: int, provenance: str = "") -> list[str]:
    """What the runtime against itself meets: the verdict's resolution at the grid's runs a cell; where its runs
    ran."""
    md = []
    if checks:
        scores = ", ".join(f"{c.met} of {c.judged}" for c in checks)
        grids = "; ".join(f"{a} against {b}" for a, b in (c.runs for c in checks))
        md.append(f"The runtime against itself (`{fidelity_.SELF_CHECK_FILE}`, written by "
                  f"`scripts/fidelity_self.py`): grids of .NET's own points, each pair judged by the same rule, the "
                  f"second standing in for the model, meet {scores} cells ({grids}).")
    at = fidelity_.resolution_at(resolutions, runs)
    if at is not None:
        ours = "" if at.model_expected_met is None else (
            f", and {runs} of our model's runs (pooled likewise) against {runs} of .NET's meet "
            f"{at.model_expected_met:.1f}")
        md.append(f"Every way to draw two disjoint sets of {runs} runs a cell from those grids' runs pooled, the "
                  f"runtime meets {at.expected_met:.1f} of {at.cells} cells against itself on average{ours}: at "
                  f"{runs} runs a cell, no model can be expected to be shown closer to .NET than the runtime's "
                  f"{at.expected_met:.1f}.")
    if md and provenance:
        md.append(provenance)
    return [" ".join(md), ""] if md else []


def self_check_cause(c: fidelity_.Cell, resolutions: list[fidelity_.Resolution]) -> str:
    """' The runtime meets this cell against itself in only P% of draws ...' when its own runs spread wider than
    the target there."""
    at = fidelity_.resolution_at(resolutions, len(c.runs))
    key = fidelity_.cell_key(c.name, c.concurrency)
    share = None if at is None else at.per_cell.get(key)
    if share is None or share >= fidelity_.CELLS_SHARE_TARGET:
        return ""
    model = at.model_per_cell.get(key) if at.model_per_cell else None
    ours = "" if model is None else f"; our model's runs against .NET's, in {model:.0%}"
    return (f" The runtime meets this cell against itself in only {share:.0%} of the draws of {len(c.runs)} runs "
            f"against another {len(c.runs)}{ours} (`{fidelity_.SELF_CHECK_FILE}`): .NET's own runs spread wider "
            "than the target here.")


def exchangeability_lines(t: fidelity_.Exchangeability | None) -> list[str]:
    """The permutation test: whether our model's runs agree with the runtime's less than its own runs would."""
    if t is None:
        return []
    differs = t.differs()
    alpha = f"Holm-adjusted p < {fidelity_.DIFFERS_ALPHA:.0%}"
    cells = (f"; it differs beyond the runtime's own spread ({alpha}) in " + ", ".join(
        f"{c} (p = {t.per_cell[c].p_holm:.4f})" for c in differs) if differs else
             f"; no cell is shown to differ beyond the runtime's own spread ({alpha})")
    return [f"Could our model's runs have been the runtime's? A permutation test at {t.k} runs a cell: each cell's "
            f".NET runs and ours pooled and relabeled at random, {t.rounds:,} times, and judged as the real ones are. "
            f"Relabeled runs meet {t.relabeled:.1f} of {t.cells} cells on average; ours meet {t.observed:.1f} (p = "
            f"{t.p:.4f}: the share of relabelings, the real one counted among them, that meet as few or fewer)"
            f"{cells}.", ""]


def exchangeability_cause(c: fidelity_.Cell, t: fidelity_.Exchangeability | None) -> str:
    """' Against the runtime's own spread: ...': whether a missed cell's difference is beyond what .NET's own runs
    show, by the permutation test."""
    test = None if t is None else t.per_cell.get(fidelity_.cell_key(c.name, c.concurrency))
    if test is None:
        return ""
    beyond = test.p_holm < fidelity_.DIFFERS_ALPHA
    return (f" Against the runtime's own spread: our runs meet it in {test.observed:.0%} of draws, relabeled runs in "
            f"{test.relabeled:.0%} (p = {test.p:.4f}, Holm-adjusted {test.p_holm:.4f}): "
            + ("a difference of the model's, beyond .NET's own runs." if beyond else
               "not shown to differ from the runtime's own runs."))


def fidelity_section(cells: list[fidelity_.Cell], run_dir: Path) -> list[str]:
    """The grid's verdict, its table and every missed cell with its cause."""
    v = fidelity_.verdict(cells)
    holds = {True: "holds", False: "does not hold", None: "cannot be judged"}[v.holds]
    runs = max(len(c.runs) for c in cells)
    md = [f"Over a grid of scenarios, each run {runs} times (.NET's hill climbing is "
          f"random): a cell meets the target when the median over its runs of the marks within the thread band "
          f"is at least {fidelity_.MARKS_SHARE_MIN * 6:.0f} of 6 and the median throughputs are within "
          f"{fidelity_.THROUGHPUT_REL:.0%}.", "",
          f"**Verdict: {v.met} of {v.judged} cells within target ({pct(v.share)}); the model {holds} "
          f"(target: {fidelity_.CELLS_SHARE_TARGET:.0%} of the cells).**", ""]
    md += [run_provenance(run_dir).text, ""]
    found = fidelity_.read_self_checks(run_dir)
    md += self_check_lines(found.checks, found.resolutions, runs, found.provenance)
    md += exchangeability_lines(found.test)
    md += fidelity_table(cells, pooled=fidelity_.resolution_at(found.resolutions, runs)) + [""]
    for c in v.missed:
        md.append(f"- **{c.name}, C = {f(c.concurrency, 0)}**: {cell_cause(c)}"
                  f"{self_check_cause(c, found.resolutions)}{exchangeability_cause(c, found.test)}")
    for c in v.unjudged:
        md.append(f"- **{c.name}, C = {f(c.concurrency, 0)}**: not judged (a side has no thread count or no "
                  "throughput; see its points' status).")
    return md + [""]


# ---------------------------------------------------------------------------------------------------------------
# The burst (scenario burst)
# ---------------------------------------------------------------------------------------------------------------

BURST_PLOT = "burst.png"


def burst_table(found) -> list[str]:
    """One line per burst series: goodput before, during and after, the recovery, the server's side."""
    lines = ["| series | client retries | goodput before | during (of the bound) | after | recovery | server "
             "writes/s | abandoned/s | goodput share |", "|---|---|---|---|---|---|---|---|---|"]
    for r in found:
        during, bound = r.get("goodput_during_rps"), r.get("bound_rps")
        retries = f"{f(r.get('client_retries'), 0)} ({r.get('retry_backoff')})" if r.get("client_retries") else "0"
        lines.append(f"| {claims_.burst_name(r)} | {retries} | {f(r.get('goodput_before_rps'), 1)} | "
                     f"{f(during, 2)} ({pct(during / bound if during is not None and bound else None)}) | "
                     f"{f(r.get('goodput_after_rps'), 2)} | {claims_.recovery_text(r)} | "
                     f"{f(r.get('server_responses_rps'), 1)} | {f(r.get('abandoned_rps'), 1)} | "
                     f"{pct(r.get('goodput_share'))} |")
    return lines


def section_burst(rows, run_dir: Path) -> list[str]:
    """The burst section: how the scenario runs, the table and burst.png; [] when the run has no burst."""
    found = claims_.burst_rows(rows)
    if not found:
        return []
    r = found[0]
    steps = ", then ".join(f"C = {st.target:,} for {st.duration_s:g} s" for st in burst.parse_stages(r["stages"]))
    md = ["## The burst", "",
          f"{steps}, L = {lat(r)}, client timeout {f(r.get('timeout_s'), 1)} s; the window is the whole run. Goodput "
          "(2xx within the client timeout, per interval of loadgen's time series): **before**, the mean over the "
          f"last {burst.BEFORE_L:g} L before the burst; **during**, over the burst after its first client timeout "
          f"(of the bound: min(C, capacity) / L, N / L for a sync pool); **after**, over the last {burst.AFTER_L:g} L; "
          "**recovery**, from the burst's end until goodput (its mean over "
          f"{burst.SMOOTH_L:g} L) is back at {burst.RECOVERED_FRACTION:.0%} of before and holds for {burst.HOLD_L:g} "
          "L. The server's side over the whole run: responses written per second, requests whose client left, and "
          "the share of the responses that reached a client still waiting.", ""]
    md += burst_table(found) + [""]
    if (run_dir / BURST_PLOT).exists():
        md += [f"![Goodput through a burst]({BURST_PLOT})", ""]
    return md


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------

TABLE = [("series", lambda r: r["label"]), ("C", lambda r: f(r["concurrency"], 0)),
         ("status", lambda r: r["status"]), ("req/s", lambda r: f(r.get("throughput_rps"), 2)),
         ("bound req/s", lambda r: f(r.get("bound_rps"), 2)), ("efficiency", lambda r: efficiency(r.get("efficiency"))),
         ("p50", lambda r: ms(r.get("p50_ms"))), ("p99", lambda r: ms(r.get("p99_ms"))),
         ("errors", lambda r: f(r.get("errors_total"), 0) + (f" ({_err_breakdown(r)})" if r.get("errors_total")
                                                            else "")),
         ("server writes/s", lambda r: f(r.get("server_responses_rps"), 2)),
         ("goodput share", lambda r: pct(r.get("goodput_share"))),
         ("peak threads", lambda r: f(r.get("peak_threads"), 0)),
         ("kernel threads", lambda r: f(r.get("peak_proc_threads"), 0)),  # any target: /proc, not /metrics
         ("peak queue", lambda r: f(r.get("peak_queue_length"), 0)),
         ("max loop lag", lambda r: ms(r.get("max_loop_lag_ms"))),
         ("RSS KiB", lambda r: f(r.get("server_rss_kb"), 0))]


def table(rows) -> str:
    """The key-numbers table in markdown."""
    lines = ["| " + " | ".join(h for h, _ in TABLE) + " |", "|" + "---|" * len(TABLE)]
    for r in rows:
        lines.append("| " + " | ".join(str(fn(r)).replace("|", "/") for _, fn in TABLE) + " |")
    return "\n".join(lines)


# The plots of the report's Plots section (the burst and .NET plots are in their own sections: BURST_PLOT,
# DOTNET_PLOT), in order, with their titles.
PLOTS = [("Throughput vs concurrency", "throughput.png"), ("Latency vs concurrency", "latency.png"),
         ("Starvation timelines", "starvation.png"), ("Memory: thread vs coroutine", "rss.png"),
         ("Pool size: throughput vs N", "pool_size.png"), ("Share of the demand served over N × C", "heatmap.png"),
         ("CPU work three ways", "cpu_work.png"), ("A real database: PostgreSQL behind the pool", "database.png")]


def read_machine(run_dir: Path) -> dict:
    """RUN_DIR/machine.json, or {} when it is missing or unreadable."""
    try:
        return json.loads((run_dir / "machine.json").read_text())
    except (OSError, ValueError):
        return {}


def machine_facts(machine: dict) -> list[tuple[str, str]]:
    """(name, value) of what machine.json says about the run's machine, build and pinning, the empty ones left
    out."""
    facts = [("date (UTC)", machine.get("date_utc")), ("machine", f"{machine.get('cpu_model', '?')}, "
                                                                  f"{machine.get('cores', '?')} cores"),
             ("kernel", machine.get("kernel")), ("compiler", machine.get("compiler")),
             ("build type", machine.get("build_type")),
             ("git commit", (machine.get("git_commit") or "?")[:12] + (" (dirty)" if machine.get("git_dirty")
                                                                      else "")),
             ("pinning", machine.get("pinning")), ("CPU signature", machine.get("cpu_signature")),
             ("speed probe", provenance_.speed_text(machine.get("speed") or {})),
             ("boot id", (machine.get("boot_id") or "")[:8])]
    return [(k, v) for k, v in facts if v]


def generate(run_dir: Path) -> str:
    """The report's markdown text."""
    rows = read_summary(run_dir / "summary.csv")
    machine = read_machine(run_dir)
    run_id = rows[0]["run_id"] if rows else run_dir.name
    md = [f"# Sync vs async under slow I/O — run `{run_id}`", ""]
    wall = machine.get("sweep_wall_s")
    md.append(f"{len(rows)} points; sweep wall time {f(wall, 0)} s" if wall else f"{len(rows)} points")
    md.append("")
    md += [f"- **{k}**: {v}" for k, v in machine_facts(machine)]
    md += [f"- **skipped**: {sk.get('label')} ({sk.get('reason')})" for sk in machine.get("skipped_series") or []]
    md += ["", "How to read it: every point is a closed loop of C keep-alive connections (loadgen) against one "
           "server whose store call takes L. The **bound** is Little's law: min(C, capacity) / L requests per "
           "second, where capacity is N worker threads for the sync fixed pool, the threads the elastic pool "
           "actually had over time (scraped; each completes one request per L from its injection), and C for async (awaiting holds no "
           f"thread). **Efficiency** = measured / bound; above {BOUND_WRONG_ABOVE:.0%} it is not an efficiency but "
           "a wrong bound (a capacity model that does not fit the server), flagged as such. Latency is measured "
           "from the intended send time; a request past the client timeout is an error in the table, never "
           "dropped.", ""]
    md += claims_.section(rows)
    main = [r for r in rows if scenario(r) == ""]  # the other scenarios: the claims and their plots
    findings = [finding_littles_law(main), finding_sync_plateau(main), finding_async(main),
                finding_elastic(main, run_dir), finding_memory(main), finding_deadlock(rows),
                finding_nginx(run_dir), finding_failures(rows)]
    md += ["## Findings", ""]
    if len(main) < len(rows):
        md += ["On the main comparison (the points without a `scenario`); the pool-size axis, the queue-limit, "
               "recovery, CPU-work and burst points are judged in Claims and drawn in their own plots.", ""]
    for para in findings:
        if para:
            md += [para, ""]
    md += section_burst(rows, run_dir)
    md += section_dotnet_vs_model(rows, run_dir)
    md += ["## Key numbers", "", table(rows), ""]
    present = [(t, p) for t, p in PLOTS if (run_dir / p).exists()]
    if present:
        md += ["## Plots", ""]
        for title, p in present:
            md += [f"### {title}", "", f"![{title}]({p})", ""]
        tl = sorted((run_dir / "timeline").glob("*.png")) if (run_dir / "timeline").is_dir() else []
        if tl:
            md += ["Per-point timelines: " + ", ".join(f"[{p.stem}](timeline/{p.name})" for p in tl), ""]
    md += ["## Files", "", "`summary.csv` (one row per point), `loadgen/<point>.json`, `timeseries/<point>.csv`, "
           "`logs/`, `machine.json`, `grid.json`, `micro.json` and `crosscheck_nginx.csv` (from bench.sh). Generated by `scripts/report.py` from those files.", ""]
    return "\n".join(md)
