"""The plots of a sweep run (matplotlib, as Debian's /usr/bin/python3 has it; imported only by plot.py).

Written into RUN_DIR, each as PNG and SVG:
  throughput.{png,svg}      throughput vs concurrency (log-log) per server, Little's-law bound min(C, cap)/L dashed
  latency.{png,svg}         p50 and p99 vs concurrency, with Little's-law latency C / bound dashed and L, timeout
  starvation.{png,svg}      side by side timelines of the overloaded points (client req/s and p99 above; server
                            threads as it reports them and as the kernel counts them, busy threads, queue
                            length and event-loop lag below)
  timeline/<point>.{png,svg} the same timeline for every overloaded or failed point, one file each
  rss.{png,svg}             server memory growth and RSS per in-flight request: threads (sync) vs coroutines (async)
  pool_size.{png,svg}       only with pool_size rows: throughput × L against the pool size N (log-log) at one C,
                            the bound min(N, C) dashed, async K=1/2 and the main run's L = 2 s points as reference
  heatmap.{png,svg}         only with heatmap/pool_size rows: the share of the demand served, throughput / (C / L)
                            (demand_share), over N × C, each cell annotated with it, its efficiency (throughput /
                            bound) and throughput, '-' where the run has no point
  cpu_work.{png,svg}        only with cpu_work rows: per server and cpu_way, the CPU work's throughput, /health and
                            /users p99 (bars from zero; log only past a 30× span), threads per in-flight CPU request
  dotnet_vs_model.{png,svg} only when the run has pairs (slowio.pairs): per pair, threads over time of .NET and
                            of our model with the thread target's band around .NET's curve (top), and both
                            throughputs, a 5 s rolling mean (bottom)
  burst.{png,svg}           only with burst rows (slowio.burst): goodput over time of every burst series on one
                            clock (its mean over the last 5 L), the burst shaded, one panel without retries and
                            one with them; each legend entry gives the series' recovery time
  database.{png,svg}        only with postgres rows (store postgres): req/s against C per (server, N or K, pool P),
                            the bound min(C, capacity, P)/L dashed in the same colour (top), and the database's own
                            active backends (peak_db_active, from pg_stat_activity) against min(C, capacity, P)
                            dashed (bottom)
throughput, latency and rss plot the main comparison (scenario ""); the other scenarios have their own plots.
throughput and latency draw our servers and the command targets (ASP.NET Core) in separate panels (server_panels),
one colour per series (series_colors), each legend outside the axes and naming only the series drawn; throughput's
note names the series with no throughput at any C.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import burst as burst_
from . import claims as claims_
from . import fidelity as fidelity_
from . import pairs as pairs_
from .fmt import latency
from .loadgen import TS_PREFIX, read_timeseries
from .rows import (at, first, given_up, idle_rss_kb, is_async, is_sync_fixed, lat, measured, read_summary,
                   rss_per_request_kb, scenario, series_of, val)

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter
except ImportError:  # pragma: no cover - depends on the interpreter
    plt = None

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def is_overloaded(r: dict[str, Any]) -> bool:
    """More connections than the server can hold in the store at once (requests must queue), or an anti-pattern."""
    cap, c = r.get("capacity"), r.get("concurrency") or 0
    if r.get("antipattern") not in (None, "", "none") or r.get("expect") == "deadlock":
        return True
    return cap is not None and c > cap + 1e-9 and r.get("bound_model") in ("sync", "elastic")


# What a timeline plots -> (loadgen's time-series column, factor to the plotted unit).
TS_COLUMNS = {
    "rps": ("rps", 1.0),
    "p50": ("p50_us", 1e-3),  # ms
    "p99": ("p99_us", 1e-3),  # ms
    "errors": ("errors", 1.0),
    "threads": (TS_PREFIX + "threadpool_threads", 1.0),
    "busy": (TS_PREFIX + "threadpool_busy_threads", 1.0),
    "queue": (TS_PREFIX + "threadpool_queue_length", 1.0),
    "lag": (TS_PREFIX + "eventloop_lag_max_ms", 1.0),
    "in_flight": (TS_PREFIX + "http_requests_in_flight", 1.0),
    "proc_threads": ("proc_threads", 1.0),          # the kernel's count (slowio.procstat), any target
}


def ts_series(ts: list[dict[str, Any]], what: str) -> list[float | None] | None:
    """Column ``what`` (TS_COLUMNS) of a time series in the plotted unit; None if it has no value in it."""
    name, k = TS_COLUMNS[what]
    if not ts or not any(r.get(name) is not None for r in ts):
        return None
    return [None if r.get(name) is None else r[name] * k for r in ts]


def load_run(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(summary rows, machine.json) of a run directory. Raises InputError when summary.csv is unreadable."""
    rows = read_summary(run_dir / "summary.csv")
    try:
        machine = json.loads((run_dir / "machine.json").read_text())
    except (OSError, ValueError):
        machine = {}
    return rows, machine


# ---------------------------------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------------------------------

def _save(fig, run_dir: Path, name: str, formats: list[str]) -> list[Path]:
    paths = []
    for ext in formats:
        p = run_dir / f"{name}.{ext}"
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p, dpi=110, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    return paths


def _num_fmt(v, _pos=None) -> str:
    if v >= 1:
        return f"{v:,.0f}"
    return f"{v:g}"


def _log_axes(ax, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    has_data = any(len(line.get_xdata()) and min(line.get_xdata()) > 0 and min(line.get_ydata()) > 0
                   for line in ax.get_lines())
    if not has_data:
        ax.text(0.5, 0.5, "no completed points to plot", ha="center", va="center", transform=ax.transAxes)
        return
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_num_fmt))
    ax.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
    lo, hi = ax.get_ylim()
    # less than ~1.5 decades shown: label the minor ticks too, else a log axis may show no number at all
    ax.yaxis.set_minor_formatter(FuncFormatter(_num_fmt) if hi / max(lo, 1e-12) < 30 else NullFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.1)


def _latency_title(rows) -> str:
    """'L = 2 s, L = 200 ms': the run's store latencies, for a title."""
    return ", ".join(f"L = {latency(v)}" for v in sorted({val(r, "latency_ms") for r in rows} - {None}))


# One colour per series in throughput.png and latency.png (COLORS first, so the first series keep theirs; no grey
# and no black: those are the reference lines); distinct up to len(SERIES_COLORS) series.
SERIES_COLORS = COLORS + ["#bcbd22", "#393b79", "#c51b7d", "#843c39", "#637939", "#7b4173", "#6baed6", "#fd8d3c"]


def series_colors(rows) -> dict[str, str]:
    """Series label -> its colour, in series_of's order: no two series share one (up to len(SERIES_COLORS))."""
    return {label: SERIES_COLORS[i % len(SERIES_COLORS)] for i, label in enumerate(series_of(rows))}


def server_panels(rows) -> list[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """The series split for side-by-side reading: (title, series) for our servers (server_sync, server_async), then
    for the command targets (ASP.NET Core); a panel without series is left out."""
    ours, others = {}, {}
    for label, rs in series_of(rows).items():
        (ours if rs[0].get("server") in ("sync", "async") else others)[label] = rs
    other_title = ("ASP.NET Core" if others and all(l.startswith("aspnetcore") for l in others)
                   else "other servers (command targets)")
    return [(t, g) for t, g in (("our servers: server_sync, server_async", ours), (other_title, others)) if g]


def _wrap(s: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(s, width))


def _tput_ok(r: dict[str, Any]) -> bool:
    return measured(r) and bool(r.get("throughput_rps"))


def _fail_reason(r: dict[str, Any]) -> str:
    """Why a point has no throughput to plot: its clients gave up, it measured none, or it failed (its status)."""
    if measured(r):
        return "no goodput" if given_up(r) else f"0 req/s ({r['status']})"
    return r["status"]


def _throughput_panel(ax, groups: dict[str, list], colors: dict[str, str], floor: float) -> tuple[list, list[str]]:
    """One panel of throughput.png: per series its measured throughput (solid) and its bound (dashed, same colour),
    its failed points as x on the floor; returns (legend handles: one per series with a plotted throughput,
    the series without one, each with why)."""
    handles, unplotted = [], []
    fails: dict[float, list[tuple[str, str]]] = {}  # C -> (colour, why) of the failed points there
    for label, rs in groups.items():
        col = colors[label]
        good = [r for r in rs if _tput_ok(r)]
        if not good:  # nothing to draw: named in the note instead of an empty legend entry
            why = sorted({f"C = {r['concurrency']:,.0f}: {_fail_reason(r)}" for r in rs})
            unplotted.append(f"{label} ({'; '.join(why)})")
            continue
        handles += ax.plot([r["concurrency"] for r in good], [r["throughput_rps"] for r in good], "o-", color=col,
                           label=label, lw=2, ms=6)
        bnd = [r for r in rs if r.get("bound_rps")]
        ax.plot([r["concurrency"] for r in bnd], [r["bound_rps"] for r in bnd], "--" if len(bnd) > 1 else "_",
                color=col, lw=1.3, ms=16, mew=1.5, alpha=0.8)
        for r in rs:
            if not _tput_ok(r):
                fails.setdefault(r["concurrency"], []).append((col, _fail_reason(r)))
    for c, marks in fails.items():  # side by side at their C, one label per distinct reason
        for k, (col, _) in enumerate(marks):
            ax.plot([c * 1.13 ** (k - (len(marks) - 1) / 2)], [floor], "x", color=col, ms=10, mew=2.5)
        whys = sorted({w for _, w in marks})
        ax.annotate("\n".join(whys), (c, floor), textcoords="offset points", xytext=(0, 8), ha="center",
                    va="bottom", fontsize=8, color="#333333")
    return handles, unplotted


def plot_throughput(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """Throughput vs C, our servers and the command targets (ASP.NET Core) in separate panels: measured solid, the
    Little's-law bound dashed in the same colour, failed points marked x at the bottom; legends outside."""
    fig = throughput_figure(rows)
    return _save(fig, run_dir, "throughput", formats)


def throughput_figure(rows):
    """The figure of throughput.png (plot_throughput saves it): one panel per server_panels entry."""
    panels = server_panels(rows) or [("", {})]
    colors = series_colors(rows)
    fig, axes = plt.subplots(len(panels), 1, figsize=(12, 4.3 * len(panels) + 0.4), sharex=True, sharey=True,
                             squeeze=False)
    ys = [r["throughput_rps"] for r in rows if r.get("throughput_rps")] + \
         [r["bound_rps"] for r in rows if r.get("bound_rps")]
    floor = min(ys) / 3 if ys else 0.1
    bound_key = plt.Line2D([], [], ls="--", color="gray", lw=1.3, label="dashed, same colour: its Little's-law\n"
                                                                      "bound min(C, capacity) / L")
    fail_key = plt.Line2D([], [], ls="", marker="x", color="gray", ms=8, mew=2,
                      label="x at the bottom: no goodput\n(or the point failed: its status)")
    for ax, (title, groups) in zip(axes[:, 0], panels):
        handles, unplotted = _throughput_panel(ax, groups, colors, floor)
        if ax is axes[0][0]:
            _slope_line(ax, rows)
        _log_axes(ax, "concurrency C (closed-loop connections)" if ax is axes[-1][0] else "",
                  "throughput (requests/s)")
        ax.set_title(title, fontsize=10, loc="left")
        keys = [bound_key] + ([fail_key] if any(ln.get_marker() == "x" for ln in ax.get_lines()) else [])
        ax.legend(handles=handles + keys, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        if unplotted:
            ax.annotate(_wrap("Not plotted, no throughput at any C: " + "; ".join(unplotted), 52),
                        (1.01, 0.0), xycoords="axes fraction", va="bottom", fontsize=7.5, color="#333333")
    fig.suptitle(f"Throughput vs concurrency ({_latency_title(rows)}): measured (solid) against the Little's-law "
                 "bound (dashed)", fontsize=11)
    fig.tight_layout()
    return fig


def _slope_line(ax, rows) -> None:
    """The least-squares log-log fit of async K=1's throughput vs C (claims.async_slope), dotted, with its slope."""
    fit = claims_.async_slope(rows)
    if fit is None:
        return
    _, used = fit
    xy = [(val(r, "concurrency"), val(r, "throughput_rps")) for r in used]
    slope, intercept = claims_.loglog_fit(xy)
    xs = [xy[0][0], xy[-1][0]]
    ax.plot(xs, [10 ** intercept * x ** slope for x in xs], ":", color="black", lw=1.5,
            label=f"fit, async K=1: log-log slope {slope:.2f} (1 = linear in C)")
    ax.text(0.02, 0.96, f"dotted: async K=1's fit, log-log slope {slope:.2f}\n(least squares over {len(used)} "
            "points; 1 = linear in C,\n“exponential” would curve upward)", transform=ax.transAxes, ha="left",
            va="top", fontsize=8, bbox=dict(facecolor="white", edgecolor="gray", alpha=0.9))


def plot_latency(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """p50 (left) and p99 (right) vs C; dashed: Little's-law latency C / bound; dotted: L; dash-dot: timeout.
    In seconds when L >= 1 s, else milliseconds."""
    return _save(latency_figure(rows), run_dir, "latency", formats)


def _widest_gap(ax) -> float:
    """The x in the middle of the widest gap (log scale) between the plotted points' x, to label a line there."""
    xs = sorted({float(x) for ln in ax.get_lines() for x in ln.get_xdata() if x and x > 0})
    if len(xs) < 2:
        return xs[0] if xs else 1.0
    a, b = max(zip(xs, xs[1:]), key=lambda p: p[1] / p[0])
    return (a * b) ** 0.5


LATENCY_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")  # latency.png: coincident points stay told apart


def latency_figure(rows):
    """The figure of latency.png (plot_latency saves it): p50 (left) and p99 (right), one row of panels per
    server_panels entry (our servers, ASP.NET Core), one colour per series (series_colors), each row's legend right
    of it with only the series it draws. Within a panel each series has its own marker, a step smaller than the
    previous one's, so points at the same place stay told apart."""
    panels = server_panels(rows) or [("", {})]
    colors = series_colors(rows)
    fig, axes = plt.subplots(len(panels), 2, figsize=(13, 4.4 * len(panels) + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    big = max((r.get("latency_ms") or 0 for r in rows), default=0) >= 1000
    unit, k = ("s", 1e-3) if big else ("ms", 1.0)
    dashed = plt.Line2D([], [], ls="--", color="gray", lw=1.2, label="dashed, same colour: Little's law\nW = C / bound")
    for i, ((title, groups), row) in enumerate(zip(panels, axes)):
        legend: dict[str, Any] = {}
        for ax, key, name in ((row[0], "p50_ms", "p50"), (row[1], "p99_ms", "p99")):
            drawn = 0
            for label, rs in groups.items():
                col = colors[label]
                good = [r for r in rs if r.get(key) and measured(r)]
                if not good:
                    continue
                (h,) = ax.plot([r["concurrency"] for r in good], [r[key] * k for r in good], "-", color=col, lw=2,
                               marker=LATENCY_MARKERS[drawn % len(LATENCY_MARKERS)], ms=max(4.0, 10 - 1.2 * drawn),
                               label=label)
                drawn += 1
                legend.setdefault(label, h)
                pred = [r for r in rs if r.get("bound_rps")]
                if len(pred) > 1:
                    ax.plot([r["concurrency"] for r in pred],
                            [1000.0 * k * r["concurrency"] / r["bound_rps"] for r in pred], "--", color=col,
                            lw=1.2, alpha=0.8)
            ax.set_title(f"{name} latency" + (f" — {title}" if title else ""), fontsize=10, loc="left")
        for ax, name in ((row[0], "p50"), (row[1], "p99")):
            _log_axes(ax, "concurrency C (closed-loop connections)" if i == len(panels) - 1 else "",
                      f"{name} latency ({unit})" if ax is row[0] else "")
        if legend:
            row[1].legend(list(legend.values()) + [dashed], list(legend.keys()) + [dashed.get_label()], fontsize=8,
                          loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    lo, hi = axes[0][0].get_ylim()
    ls_ = [r["latency_ms"] * k for r in rows if r.get("latency_ms")]
    if axes[0][0].get_yscale() == "log" and ls_:  # room under L for its label
        axes[0][0].set_ylim(min(lo, min(ls_) / 1.6), hi)
    for ax in axes.flat:
        x0 = ax.get_xlim()[0]
        xl = _widest_gap(ax)
        for l in sorted(set(ls_)):
            ax.axhline(l, color="gray", ls=":", lw=1)
            # under the line, between the points that sit on it
            ax.annotate(f"L = {l:g} {unit}", (xl, l), xytext=(0, -3), textcoords="offset points", ha="center",
                        va="top", fontsize=8, color="gray")
        for t in sorted({r["timeout_s"] for r in rows if r.get("timeout_s")}):
            ax.axhline(t * 1000 * k, color="black", ls="-.", lw=0.9, alpha=0.6)
            ax.annotate(f"client timeout {t:g} s", (x0, t * 1000 * k), xytext=(4, 3), textcoords="offset points",
                        fontsize=8)
    fig.suptitle(f"Latency vs concurrency ({_latency_title(rows)}): measured (solid) against Little's law (dashed)",
                 fontsize=11)
    fig.tight_layout()
    fig.text(0.01, 0.0, "A request past the client timeout is counted as a timeout (error) at that age, never "
             "hidden: a p99 at the timeout line means requests timed out.", fontsize=8, va="top", color="#333333")
    return fig


def _rolling_mean(values: list[float | None], n: int) -> list[float | None]:
    """Trailing mean over n samples (None counted as 0 once any sample is seen)."""
    out, window = [], []
    for v in values:
        window.append(v or 0.0)
        if len(window) > n:
            window.pop(0)
        out.append(sum(window) / len(window))
    return out


def _client_lines(ax, r: dict[str, Any], ts: list[dict[str, Any]], t: list, dt: float) -> list:
    """Client req/s (per interval, and its mean over L), the bound and errors/s."""
    rps = ts_series(ts, "rps")
    handles = []
    if rps:
        ax.plot(t, rps, color="#1f77b4", lw=0.8, alpha=0.35)
        n = max(1, int(round((r.get("latency_ms") or 0) / 1000.0 / dt)))
        handles += ax.plot(t, _rolling_mean(rps, n), color="#1f77b4", lw=2,
                           label=f"client req/s (mean over L; faint: per {dt * 1000:.0f} ms)")
    if r.get("bound_rps"):
        handles.append(ax.axhline(r["bound_rps"], color="#1f77b4", ls="--", lw=1, label="Little's-law bound"))
    errs = ts_series(ts, "errors")
    if errs and any(errs):
        handles += ax.plot(t, [None if v is None else v / dt for v in errs], color="black", lw=1.2, ls=":",
                           label="client errors/s (timeouts, resets, ...)")
    return handles


def _mark_exit(ax_top, ax_bot, r: dict[str, Any]) -> None:
    """A vertical line on both axes where the server exited on its own, with its exit code."""
    died = r.get("server_died_after_s")
    if died is None:
        return
    for ax in (ax_top, ax_bot):
        ax.axvline(died, color="black", lw=1.5)
    code = r.get("server_exit_code")
    ax_top.annotate(f"server exit {'?' if code is None else int(code)} at {died:.1f} s", (died, 0),
                    xytext=(4, 20), textcoords="offset points", fontsize=8)


def _client_p99(ax, ts: list[dict[str, Any]], t: list) -> list:
    """The client axis' scale, and p99 on a right axis (gaps where nothing completed)."""
    rps, p99 = ts_series(ts, "rps"), ts_series(ts, "p99")
    ax.set_ylabel("requests/s (symlog)")
    ax.set_yscale("symlog", linthresh=10)
    ax.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
    ax.set_ylim(bottom=0)
    if p99 and rps:  # an interval with no completion has no p99 (loadgen writes 0): a gap, not 0 ms
        p99 = [None if (v is None or v <= 0 or not x) else v for v, x in zip(p99, rps)]
    if not p99 or all(v is None for v in p99):
        return []
    ax2 = ax.twinx()
    handles = ax2.plot(t, p99, color="#d62728", lw=1.3, marker=".", ms=3, label="client p99 (ms, right)")
    ax2.set_ylabel("p99 latency (ms)", color="#d62728")
    ax2.set_ylim(bottom=0)
    ax2.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
    return handles


def _shade_phases(ax_top, ax_bot, r: dict[str, Any], t: list) -> None:
    """On both axes: the warm-up (grey) and the drain (orange), and a grid."""
    warm, window = r.get("warmup_s"), r.get("window_s")
    for ax in (ax_top, ax_bot):
        if warm:
            ax.axvspan(0, warm, color="gray", alpha=0.12, lw=0)
        if warm is not None and window and t and t[-1] and t[-1] > warm + window:
            ax.axvspan(warm + window, t[-1], color="orange", alpha=0.08, lw=0)
        ax.grid(True, alpha=0.3)


SERVER_LINES = (  # what the server timeline draws: key (TS_COLUMNS), colour, legend label, style
    ("threads", "#2ca02c", "worker threads (server's threadpool_threads)", dict(lw=3, alpha=0.6)),
    ("proc_threads", "#0b3d0b", "threads (kernel: /proc/PID/task)", dict(lw=1.4, ls="-.")),
    ("busy", "#ff7f0e", "busy threads", dict(lw=1.5, ls="--")),
    ("queue", "#9467bd", "queue length", dict(lw=2.5, alpha=0.7)),
    ("in_flight", "#8c564b", "requests in flight", dict(lw=1.2, ls=":")),
)


def _server_timeline(ax, ts: list[dict[str, Any]], t: list) -> list:
    """Server threads as the server reports them and as the kernel counts them (the difference is the threads
    outside the pool: the README's "The kernel's view"), busy threads, queue length, in flight (symlog), and
    event-loop lag on a right axis."""
    handles = []
    for key, col, name, style in SERVER_LINES:
        vals = ts_series(ts, key)
        if vals and any(v is not None for v in vals):
            handles += ax.plot(t, vals, color=col, label=name, **style)
    ax.set_ylabel("threads / requests (symlog)")
    ax.set_xlabel("time since start (s); grey = warm-up, orange = drain")
    server_data = [y for ln in ax.get_lines() if not ln.get_label().startswith("_")
                   for y in ln.get_ydata() if y is not None]
    if server_data:
        ax.set_yscale("symlog", linthresh=10)
        ax.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
        ax.set_ylim(0, max(20.0, float(max(server_data)) * 3))
    lag = ts_series(ts, "lag")
    if lag and any(v for v in lag if v):
        ax3 = ax.twinx()
        handles += ax3.plot(t, lag, color="#e377c2", lw=1.5, ls="-", label="event-loop lag, max so far (ms, right)")
        ax3.set_ylabel("event-loop lag (ms)", color="#e377c2")
        ax3.set_ylim(bottom=0)
    scraped = any(k.startswith(TS_PREFIX) and v is not None for r in ts for k, v in r.items())
    if not server_data and not handles:
        ax.text(0.5, 0.5, "no server metrics scraped\n(server stuck or gone)", ha="center", va="center",
                transform=ax.transAxes, fontsize=9)
    elif not scraped:
        ax.text(0.99, 0.02, "no /metrics: the kernel's view only", ha="right", va="bottom",
                transform=ax.transAxes, fontsize=8, color="#0b3d0b")
    return handles


def _timeline_axes(ax_top, ax_bot, r: dict[str, Any], ts: list[dict[str, Any]], legend: bool = True) -> list:
    """A point's timeline: the client's view above, the server's below, on one clock; returns the handles."""
    t = [x.get("t_s") for x in ts]
    dt = (t[1] - t[0]) if len(t) > 1 and t[0] is not None and t[1] is not None and t[1] > t[0] else 0.25
    # the calls' order is the artists' order, and the axes' autoscaling depends on it
    top = _client_lines(ax_top, r, ts, t, dt)
    _mark_exit(ax_top, ax_bot, r)
    top += _client_p99(ax_top, ts, t)
    _shade_phases(ax_top, ax_bot, r, t)
    if legend and top:
        ax_top.legend(handles=top, fontsize=7, loc="upper right")
    bottom = _server_timeline(ax_bot, ts, t)
    if legend and bottom:
        ax_bot.legend(handles=bottom, fontsize=7, loc="upper left")
    return top + bottom


def _tl_title(r) -> str:
    s = f"{r['label']}, C = {int(r['concurrency']):,}"
    if r["status"] != "ok":
        s += f" [{r['status']}]"
    return s


TIMELINE_SCENARIOS = ("", "queue_limit", "recovery", "burst")  # the pool-size axis and cpu_work: own plots


def plot_timelines(rows, run_dir: Path, formats: list[str]) -> dict[str, list[Path]]:
    """One timeline figure per overloaded/failed point with a time series, plus starvation.png for a selection."""
    made: dict[str, list[Path]] = {}
    rows = [r for r in rows if scenario(r) in TIMELINE_SCENARIOS]
    picks = starvation_picks(rows)
    loaded = {}
    for r in rows:
        if not (is_overloaded(r) or r["status"] != "ok" or r in picks):
            continue
        ts = read_timeseries(run_dir / "timeseries" / f"{r['point']}.csv")
        if not ts:
            continue
        loaded[r["point"]] = ts
        fig, (a, b) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
        _timeline_axes(a, b, r, ts)
        a.set_title(f"Starvation timeline: {_tl_title(r)}")
        made[r["point"]] = _save(fig, run_dir, f"timeline/{r['point']}", formats)
    picks = [r for r in picks if r["point"] in loaded]
    if picks:
        fig, axes = plt.subplots(2, len(picks), figsize=(4.6 * len(picks) + 1, 7), sharex="col", squeeze=False)
        legend: dict[str, Any] = {}
        for j, r in enumerate(picks):
            for h in _timeline_axes(axes[0][j], axes[1][j], r, loaded[r["point"]], legend=False):
                legend.setdefault(h.get_label(), h)
            axes[0][j].set_title(_tl_title(r), fontsize=10)
        fig.suptitle("Starvation timelines: client view (top) and server view (bottom)", fontsize=12)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.legend(list(legend.values()), list(legend.keys()), loc="lower center", ncol=5, fontsize=8,
                   frameon=False)
        made["starvation"] = _save(fig, run_dir, "starvation", formats)
    return made


def starvation_picks(rows) -> list[dict[str, Any]]:
    """Points for the side-by-side figure: per normal series the largest C <= 1000 that overloads a sync server
    (the same C for async, for contrast), plus the first deadlock-expected point."""
    sync_over = [r for r in rows if r.get("bound_model") in ("sync", "elastic") and is_overloaded(r) and measured(r)]
    cs = sorted({r["concurrency"] for r in sync_over})
    target = max([c for c in cs if c <= 1000] or cs or [None])
    picks = []
    for label, rs in series_of(rows).items():
        if rs[0].get("expect") == "deadlock" or len(rs) < 2:  # single-point series (e.g. memory) are not sweeps
            continue
        cand = [r for r in rs if r["concurrency"] == target] if target is not None else []
        if cand:
            picks.append(cand[0])
    dl = [r for r in rows if r.get("expect") == "deadlock" or r.get("status") == "deadlock"]
    if dl:
        picks.append(dl[0])
    return picks[:4]


def plot_rss(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """Server peak RSS vs C, and RSS per in-flight request over the idle server of the same binary:
    a blocked thread (sync) vs a coroutine (async)."""
    idle = idle_rss_kb(rows)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    colors = series_colors(rows)  # one per series, as throughput.png's (COLORS' 8 repeat past 8 series)
    for label, rs in series_of(rows).items():
        col = colors[label]
        g = [r for r in rs if r.get("server_rss_kb") and measured(r)]
        if g:
            axes[0].plot([r["concurrency"] for r in g], [r["server_rss_kb"] / 1024.0 for r in g], "o-",
                         color=col, lw=2, label=label)
        g = [(r["concurrency"], rss_per_request_kb(r, idle)) for r in rs if measured(r)]
        g = [(c, v) for c, v in g if v]
        if g:
            axes[1].plot([c for c, _ in g], [v for _, v in g], "o-", color=col, lw=2, label=label)
    _log_axes(axes[0], "concurrency C (connections)", "server peak RSS (MiB)")
    axes[0].set_title("Server resident memory under load")
    if idle:  # the lowest idle RSS as a dotted line; every server's, wrapped under the panels (not over them)
        axes[0].axhline(min(idle.values()) / 1024.0, color="gray", ls=":", lw=1)
        fig.text(0.01, -0.02, _wrap("dotted: the lowest idle server RSS; idle servers: " + ", ".join(
            f"{k} {v / 1024.0:.1f} MiB" for k, v in idle.items()), 190), fontsize=8, color="gray", va="top")
    _log_axes(axes[1], "concurrency C (connections)", "(peak RSS - idle RSS) / C  (KiB per request)")
    axes[1].set_title("Memory per in-flight request: thread (sync) vs coroutine (async)")
    # Both panels draw the same series in the same colours: one legend, right of them, off the data.
    handles, labels = next((ax.get_legend_handles_labels() for ax in axes if ax.get_lines()), ([], []))
    if handles:
        axes[1].legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return _save(fig, run_dir, "rss", formats)


ROLLING_S = 5.0  # dotnet_vs_model.png: throughput as a rolling mean over this many seconds
NET_COLOR, MODEL_COLOR = "#d62728", "#1f77b4"


def _pair_threads(ax, net_ts: list[dict[str, Any]], model_ts: list[dict[str, Any]]) -> None:
    """Threads over time of .NET (with the target band around it) and of the model."""
    col = pairs_.THREADS_COLUMN
    net = [(x["t_s"], x[col]) for x in net_ts if x.get("t_s") is not None and x.get(col) is not None]
    model = [(x["t_s"], x[col]) for x in model_ts if x.get("t_s") is not None and x.get(col) is not None]
    if net:
        t, v = [a for a, _ in net], [b for _, b in net]
        tol = [pairs_.thread_tolerance(x) for x in v]
        ax.fill_between(t, [x - d for x, d in zip(v, tol)], [x + d for x, d in zip(v, tol)], color=NET_COLOR,
                        alpha=0.15, lw=0, label=f"target: .NET ± max({pairs_.THREADS_ABS:g}, "
                                                 f"{pairs_.THREADS_REL:.0%})")
        ax.plot(t, v, color=NET_COLOR, lw=2, label=".NET threadpool_threads")
    own = [(x["t_s"], x[pairs_.COUNTERS_COLUMN]) for x in net_ts
           if x.get("t_s") is not None and x.get(pairs_.COUNTERS_COLUMN) is not None]
    if own:  # the runtime's own reading (EventCounters' levels: the Meter's may be per-second deltas)
        ax.plot([a for a, _ in own], [b for _, b in own], color="black", lw=1, ls=":",
                label=".NET dotnet-counters threadpool-thread-count")
    if model:
        ax.plot([a for a, _ in model], [b for _, b in model], color=MODEL_COLOR, lw=2, ls="--",
                label="model threadpool_threads")
    if not net and not model:
        ax.text(0.5, 0.5, "no thread counts scraped", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("pool threads")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)


def _pair_throughput(ax, net_ts: list[dict[str, Any]], model_ts: list[dict[str, Any]]) -> None:
    """Client req/s of both, as a ROLLING_S rolling mean."""
    for ts, col, name, ls in ((net_ts, NET_COLOR, ".NET", "-"), (model_ts, MODEL_COLOR, "model", "--")):
        rps = ts_series(ts, "rps")
        if not rps:
            continue
        n = max(1, int(round(ROLLING_S / burst_.interval_s(ts))))
        ax.plot([x.get("t_s") for x in ts], _rolling_mean(rps, n), color=col, lw=2, ls=ls,
                label=f"{name} req/s ({ROLLING_S:g} s rolling mean)")
    ax.set_ylabel("requests/s")
    ax.set_xlabel("time since start (s)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)


def _cell_threads(ax, c: fidelity_.Cell, run_dir: Path) -> None:
    """One fidelity cell: each run's thread curves thin, the median at each mark bold, .NET's band shaded."""
    col = pairs_.THREADS_COLUMN
    for p in c.runs:
        for row, color, ls in ((p.net, NET_COLOR, "-"), (p.model, MODEL_COLOR, "--")):
            ts = [x for x in read_timeseries(run_dir / "timeseries" / f"{row['point']}.csv")
                  if x.get("t_s") is not None and x.get(col) is not None]
            ax.plot([x["t_s"] for x in ts], [x[col] for x in ts], color=color, lw=0.7, ls=ls, alpha=0.45)
    t = pairs_.mark_times(c.runs[0].net)[:c.judged]
    net, model = c.median_threads("net"), c.median_threads("model")
    known = [(a, v) for a, v in zip(t, net) if v is not None]
    if known:
        ax.fill_between([a for a, _ in known], [v - pairs_.thread_tolerance(v) for _, v in known],
                        [v + pairs_.thread_tolerance(v) for _, v in known], color=NET_COLOR, alpha=0.15, lw=0,
                        label="target band")
    ax.plot(t, net, "o-", color=NET_COLOR, lw=2, ms=4, label=".NET (median at the marks)")
    ax.plot(t, model, "s--", color=MODEL_COLOR, lw=2, ms=4, label="model (median at the marks)")
    verdict = {True: "within target", False: "MISSED", None: "not judged"}[c.within]
    ax.set_title(f"{c.name}, C = {c.concurrency:,}\n{c.median_met:g} of {c.judged} marks; req/s "
                 f"{c.median_rps('net') or 0:.1f} vs {c.median_rps('model') or 0:.1f}: {verdict}", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)


def plot_dotnet_fidelity(cells: list[fidelity_.Cell], run_dir: Path, formats: list[str]) -> list[Path]:
    """dotnet_vs_model for a repeated grid: one small panel of threads per cell, four to a row."""
    cols = min(4, len(cells))
    nrows = -(-len(cells) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.3 * nrows + 0.8), squeeze=False)
    for ax, c in zip(axes.flat, cells):
        _cell_threads(ax, c, run_dir)
    for ax in list(axes.flat)[len(cells):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    v = fidelity_.verdict(cells)
    for row in axes:
        row[0].set_ylabel("pool threads")
    for ax in axes[-1]:
        ax.set_xlabel("time since start (s)")
    fig.suptitle(f".NET's thread pool vs our model: {v.met} of {v.judged} cells within target\n"
                 "pool threads over the load (thin lines: each run)", fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return _save(fig, run_dir, "dotnet_vs_model", formats)


def plot_dotnet_vs_model(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """dotnet_vs_model: one column per pair, threads over time (top) and throughput (bottom); for a repeated
    pair grid one panel per cell (plot_dotnet_fidelity); nothing when the run has no pair."""
    found = pairs_.find_pairs(rows)
    if not found:
        return []
    cells = fidelity_.find_cells(rows, run_dir)
    if cells:
        return plot_dotnet_fidelity(cells, run_dir, formats)
    fig, axes = plt.subplots(2, len(found), figsize=(5.5 * len(found) + 1, 7.5), sharex="col", squeeze=False)
    for j, pair in enumerate(found):
        net_ts = read_timeseries(run_dir / "timeseries" / f"{pair.net['point']}.csv")
        model_ts = read_timeseries(run_dir / "timeseries" / f"{pair.model['point']}.csv")
        _pair_threads(axes[0][j], net_ts, model_ts)
        _pair_throughput(axes[1][j], net_ts, model_ts)
        axes[0][j].set_title(f"pair {pair.name}, C = {pair.concurrency:,}\n.NET: {pair.net['label']}\n"
                             f"model: {pair.model['label']}", fontsize=9)
        for ax in axes[:, j]:
            if ax.get_lines():
                ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(".NET's thread pool (ASP.NET Core) vs our model (server_sync): threads and throughput",
                 fontsize=12)
    fig.tight_layout()
    return _save(fig, run_dir, "dotnet_vs_model", formats)


# ---------------------------------------------------------------------------------------------------------------
# The pool-size axis and CPU work (scenarios pool_size, heatmap, cpu_work)
# ---------------------------------------------------------------------------------------------------------------

def _per_l(r: dict[str, Any]) -> float | None:
    """Throughput × L: the requests a point kept in the store at once (Little's law), comparable across L."""
    x, l_ms = val(r, "throughput_rps"), val(r, "latency_ms")
    return None if x is None or not l_ms else x * l_ms / 1000.0


def _pool_rows(rows) -> list[dict[str, Any]]:
    """Measured sync fixed rows of scenario pool_size with a throughput, sorted by N."""
    out = [r for r in rows if scenario(r) == "pool_size" and is_sync_fixed(r) and measured(r) and _per_l(r)]
    return sorted(out, key=lambda r: val(r, "threads"))


def _pool_references(ax, rows, c: float) -> None:
    """Async K=1/2 at the same C (horizontal lines) and the main run's sync fixed points at that C (markers)."""
    refs = [r for r in rows if scenario(r) in ("pool_size", "heatmap") and is_async(r)
            and val(r, "threads") in (1, 2) and at(r, c) and measured(r) and _per_l(r)]
    for i, r in enumerate(sorted(refs, key=lambda r: val(r, "threads"))):
        ax.axhline(_per_l(r), color=COLORS[2 + i], ls="-.", lw=1.3,
                   label=f"async K={val(r, 'threads'):g}, L = {lat(r)}: {_per_l(r):,.0f} per L")
    main = [r for r in rows if scenario(r) == "" and is_sync_fixed(r) and at(r, c) and measured(r) and _per_l(r)]
    for r in main:
        ax.plot([val(r, "threads")], [_per_l(r)], "D", color=COLORS[1], ms=9, mfc="none", mew=2,
                label=f"main run, sync N={val(r, 'threads'):g}, L = {lat(r)}")


def plot_pool_size(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """pool_size: throughput × L against N at one C, the bound min(N, C) dashed; nothing without pool_size rows."""
    sync = _pool_rows(rows)
    if not sync:
        return []
    c = val(sync[-1], "concurrency")
    sync = [r for r in sync if at(r, c)]
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    ns = [val(r, "threads") for r in sync]
    ax.plot(ns, [_per_l(r) for r in sync], "o-", color=COLORS[0], lw=2, ms=6,
            label=f"sync fixed pool, L = {lat(sync[0])}: measured")
    served = sorted((r for r in rows if scenario(r) == "pool_size" and is_sync_fixed(r) and at(r, c) and measured(r)
                     and val(r, "server_responses_rps")), key=lambda r: val(r, "threads"))
    if any(given_up(r) for r in served):  # where clients give up, what the pool still does for nobody
        ax.plot([val(r, "threads") for r in served], [val(r, "server_responses_rps") * val(r, "latency_ms") / 1000
                                                      for r in served], "s:", color=COLORS[0], lw=1.2, mfc="none",
                label="server: responses written × L (to waiting clients or not)")
        ns += [val(r, "threads") for r in served]
        none = [r for r in served if given_up(r) and not _per_l(r)]
        floor = min(val(r, "server_responses_rps") * val(r, "latency_ms") / 1000 for r in served) / 2
        ax.plot([val(r, "threads") for r in none], [floor] * len(none), "x", color=COLORS[0], ms=9, mew=2,
                label="clients: no goodput (queued past their timeout)")
    grid = sorted(set(ns) | ({c} if min(ns) < c < max(ns) else set()))
    ax.plot(grid, [min(n, c) for n in grid], "--", color=COLORS[0], lw=1.3, alpha=0.8,
            label="bound min(N, C) (Little's law)")
    _pool_references(ax, rows, c)
    _log_axes(ax, "worker threads N (sync fixed pool)", "throughput × L  (requests per L = requests in the store)")
    ax.set_title(f"Pool size: throughput vs N at C = {c:,.0f}; ×L normalises the latencies to one axis")
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, run_dir, "pool_size", formats)


HEATMAP_LATENCY_MS = 200.0
HEATMAP_ROWS = [("sync", 1), ("sync", 10), ("sync", 100), ("sync", 1000), ("async", 1), ("async", 2)]
HEATMAP_C = [1, 10, 100, 1000]


def _heat_cell(rows, server: str, n: int, c: int) -> dict[str, Any] | None:
    """The heatmap/pool_size row of one cell (measured, with an efficiency), or None."""
    pick = is_sync_fixed if server == "sync" else is_async
    return first(rows, lambda r: scenario(r) in ("heatmap", "pool_size") and pick(r, n)
                 and at(r, c, HEATMAP_LATENCY_MS) and measured(r) and val(r, "efficiency") is not None)


def demand_share(r: dict[str, Any]) -> float | None:
    """The share of the demand a point served: throughput / (C / L), C / L being what C closed-loop clients ask
    for when each request takes L. Unlike the efficiency (throughput / its own bound min(C, capacity) / L), a
    pool too small for C scores low: sync N=1 at C = 1,000 serves 5 of the 5,000 req/s asked, 0.1%."""
    x, c, l_ms = val(r, "throughput_rps"), val(r, "concurrency"), val(r, "latency_ms")
    return None if x is None or not c or not l_ms else x * l_ms / 1000.0 / c


def _heat_text(x: dict[str, Any] | None) -> str:
    """A heatmap cell's text: the share of the demand served (the colour), the efficiency, the throughput."""
    if x is None:
        return "-"
    return (f"served {100 * demand_share(x):.1f}%\neff. {100 * val(x, 'efficiency'):.1f}%\n"
            f"{val(x, 'throughput_rps'):,.1f} req/s" + ("\npast timeout" if given_up(x) else ""))


def plot_heatmap(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """heatmap: the share of the demand served (demand_share) over (server, N or K) × C at L = 200 ms, each cell
    annotated with it, its efficiency and its throughput; nothing without cells."""
    cells = [[_heat_cell(rows, s, n, c) for c in HEATMAP_C] for s, n in HEATMAP_ROWS]
    if not any(x for line in cells for x in line):
        return []
    share = [[float("nan") if x is None else demand_share(x) for x in line] for line in cells]
    fig, ax = plt.subplots(figsize=(8.5, 6.2))
    im = ax.imshow(share, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    for i, line in enumerate(cells):
        for j, x in enumerate(line):
            ax.text(j, i, _heat_text(x), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(HEATMAP_C)), [f"{c:,}" for c in HEATMAP_C])
    ax.set_yticks(range(len(HEATMAP_ROWS)), [f"sync N={n:,}" if s == "sync" else f"async K={n}"
                                             for s, n in HEATMAP_ROWS])
    ax.set_xlabel("concurrency C (closed-loop connections)")
    ax.set_ylabel("server and pool size")
    fig.colorbar(im, ax=ax, label="share of the demand served = throughput / (C / L)")
    ax.set_title(f"Share of the demand C / L served, over N × C (L = {HEATMAP_LATENCY_MS:g} ms, time-dilated)",
                 fontsize=11)
    ax.text(0.0, -0.13, "Cell: served = throughput / (C / L) (the colour); eff. = throughput / min(C, capacity) / L; "
            "throughput.\n'-' = not in this run; 'past timeout': ⌈C / N⌉ × L exceeds the client timeout "
            "(measured after it: what clients get).", transform=ax.transAxes, va="top", fontsize=8)
    return _save(fig, run_dir, "heatmap", formats)


CPU_WAYS = ("inline", "offload", "jobs")


def _cpu_value(rows, server: str, way: str, what: str) -> float | None:
    """One bar of cpu_work.png: 'tput' (work req/s, or jobs completed / window), 'health'/'users' p99,
    'threads' (threads per in-flight CPU request)."""
    if what in ("health", "users"):
        r = claims_.cpu_row(rows, what, server, way)
        return None if r is None else val(r, "p99_ms")
    r = claims_.cpu_row(rows, "jobs" if way == "jobs" else "work", server, way)
    if r is None:
        return None
    if what == "threads":
        return val(r, "cpu_threads_per_request")
    if way == "jobs":
        # jobs_completed counts the whole load (warm-up included: the counters are read before and after it)
        done = val(r, "jobs_completed")
        load = (val(r, "warmup_s") or 0.0) + (val(r, "window_s") or 0.0)
        return None if done is None or not load else done / load
    return val(r, "throughput_rps")


def _cpu_bars(ax, rows, servers: list[str], what: str) -> None:
    """Grouped bars: one group per cpu_way, one bar per server, each labelled with its value."""
    width = 0.8 / max(1, len(servers))
    for i, server in enumerate(servers):
        vals = [_cpu_value(rows, server, w, what) for w in CPU_WAYS]
        xs = [j + (i - (len(servers) - 1) / 2) * width for j in range(len(CPU_WAYS))]
        bars = ax.bar(xs, [v or 0 for v in vals], width, color=COLORS[i % len(COLORS)], label=server)
        for b, v in zip(bars, vals):
            ax.annotate("-" if v is None else f"{v:,.3g}", (b.get_x() + b.get_width() / 2, b.get_height()),
                        xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(range(len(CPU_WAYS)), CPU_WAYS)
    ax.grid(True, axis="y", alpha=0.3)


def _cpu_limits(ax, rows) -> None:
    """The CPU-work panel's dashed bound (cores × 1000 / work_ms) and dotted offered rate."""
    cpu = claims_.cpu_rows(rows, "work") + claims_.cpu_rows(rows, "jobs")
    for key, ls, name in (("cpu_work_bound_rps", "--", "bound: cores × 1000 / work_ms"),
                          ("cpu_work_rate_rps", ":", "offered rate")):
        v = max((val(r, key) for r in cpu if val(r, key) is not None), default=None)
        if v is not None:
            ax.axhline(v, color="black", ls=ls, lw=1, label=f"{name} ({v:,.0f}/s)")


CPU_LOG_RATIO = 30.0  # cpu_work.png: a latency panel goes log only when its bars span more than this factor


def cpu_log_scale(values: list[float]) -> bool:
    """Whether a cpu_work latency panel needs a log axis: only when its bars span over CPU_LOG_RATIO (a starved
    /health next to a quick one). Else linear bars from zero, so that 200 against 207 ms looks like 3.5%."""
    pos = [v for v in values if v and v > 0]
    return bool(pos) and max(pos) / min(pos) > CPU_LOG_RATIO


def plot_cpu_work(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """cpu_work: per server × cpu_way, CPU-work throughput, /health and /users p99, threads per CPU request;
    nothing without cpu_work rows."""
    servers = claims_.servers_of(rows)
    if not servers:
        return []
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.8))
    panels = (("tput", "CPU work done (req/s; jobs: finished per s of load)"), ("health", "/health p99 (ms)"),
              ("users", "/users p99 (ms)"), ("threads", "threads per in-flight CPU request"))
    for ax, (what, title) in zip(axes, panels):
        _cpu_bars(ax, rows, servers, what)
        if what in ("health", "users") and cpu_log_scale([p.get_height() for p in ax.patches]):
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
            title = title.replace("(ms)", "(ms, log: values span over 30×)")
        ax.set_title(title, fontsize=10)
    _cpu_limits(axes[0], rows)
    axes[0].set_ylim(top=axes[0].get_ylim()[1] * 1.5)  # the legend above the bars and their labels
    axes[0].legend(fontsize=8, loc="upper left")
    axes[3].axhline(1.0, color="gray", ls=":", lw=1)
    axes[3].axhline(2.0, color="gray", ls=":", lw=1)
    fig.suptitle("CPU work three ways — inline, offload (Task.Run analogue), POST /jobs (202 + background queue): "
                 "the work done and the API's p99 while it runs", fontsize=11)
    fig.tight_layout()
    return _save(fig, run_dir, "cpu_work", formats)


# ---------------------------------------------------------------------------------------------------------------
# The burst (scenario burst)
# ---------------------------------------------------------------------------------------------------------------

def _centered_mean(values: list[float | None], n: int) -> list[float | None]:
    """The mean of n samples centred on each one (None counted as 0), so a change is drawn where it happened."""
    v = [x or 0.0 for x in values]
    out = []
    for i in range(len(v)):
        window = v[max(0, i - n // 2): i + n - n // 2]
        out.append(sum(window) / len(window))
    return out


def _burst_panel(ax, run_dir: Path, rows, colors: dict[str, str]) -> None:
    """Goodput over time (mean over SMOOTH_L x L around each sample) of each row, the burst shaded."""
    for r in rows:
        ts = read_timeseries(run_dir / "timeseries" / f"{r['point']}.csv")
        pts = [(x["t_s"], x.get(burst_.GOODPUT)) for x in ts if x.get("t_s") is not None and x.get("phase") != "drain"]
        if not pts:
            continue
        n = max(1, int(round(burst_.SMOOTH_L * (val(r, "latency_ms") or 0) / 1000 / burst_.interval_s(ts))))
        name = r["label"].removeprefix("burst: ")
        ax.plot([a for a, _ in pts], _centered_mean([b for _, b in pts], n), lw=1.8,
                color=colors[name.split(",")[0]], label=f"{name}: {claims_.recovery_text(r)}")
    start, end, _ = burst_.burst_step(burst_.parse_stages(rows[0]["stages"]))
    ax.axvspan(start, end, color="orange", alpha=0.15, lw=0, label="the burst")
    pool = first(rows, is_sync_fixed)
    if pool is not None and claims_.pool_bound(pool):
        ax.axhline(claims_.pool_bound(pool), color="black", ls="--", lw=0.8,
                   label=f"N / L of sync N={val(pool, 'threads'):g}: {claims_.pool_bound(pool):g} req/s")
    timeout = val(rows[0], "timeout_s")
    if timeout:
        ax.axvline(start + timeout, color="gray", ls=":", lw=1, label="burst start + client timeout")
    ax.set_yscale("symlog", linthresh=10)
    ax.yaxis.set_major_formatter(FuncFormatter(_num_fmt))
    ax.set_ylabel(f"goodput (req/s, mean over {burst_.SMOOTH_L:g} L; symlog)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def plot_burst(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """burst: goodput over time per burst series, without retries (top) and with them (bottom); nothing
    without burst rows."""
    found = claims_.burst_rows(rows)
    if not found:
        return []
    groups = [g for g in ([r for r in found if not val(r, "client_retries")],
                          [r for r in found if val(r, "client_retries")]) if g]
    names = sorted({r["label"].removeprefix("burst: ").split(",")[0] for r in found})
    colors = {name: COLORS[i % len(COLORS)] for i, name in enumerate(names)}
    fig, axes = plt.subplots(len(groups), 1, figsize=(13, 4.2 * len(groups) + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        _burst_panel(ax, run_dir, group, colors)
        retries = val(group[0], "client_retries")
        ax.set_title(f"clients retry {retries:g} times ({group[0].get('retry_backoff')})" if retries
                     else "clients do not retry", fontsize=10)
    axes[-1][0].set_xlabel("time since start (s)")
    axes[0][0].set_ylim(bottom=0)  # once every panel is drawn: the shared scale fits them all
    r = found[0]
    steps = ", then ".join(f"{st.target:,} for {st.duration_s:g} s" for st in burst_.parse_stages(r["stages"]))
    fig.suptitle(f"A burst: C = {steps}; L = {lat(r)}, client timeout {val(r, 'timeout_s'):g} s. Goodput: what "
                 "reaches a client within its timeout", fontsize=10)
    fig.tight_layout()
    return _save(fig, run_dir, "burst", formats)


# ---------------------------------------------------------------------------------------------------------------
# A real database behind the store (store postgres, issue 25)

def _db_groups(rows) -> dict[str, list[dict[str, Any]]]:
    """The postgres rows by (server, N or K, pool P), each sorted by C: one line per group (the exhausted-pool
    point joins its server's line at its C); a command series (EF Core on the .NET target) by its label."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("store") == "postgres":
            n = "K" if r.get("server") == "async" else "N"
            key = f"{r.get('server')} {n}={val(r, 'threads') or 0:.0f} P={val(r, 'db_pool') or 0:.0f}"
            if r.get("server") == "command":
                key = f"{str(r.get('label')).removeprefix('database: ')} P={val(r, 'db_pool') or 0:.0f}"
            out.setdefault(key, []).append(r)
    for rs in out.values():
        rs.sort(key=lambda r: val(r, "concurrency") or 0)
    return out


def _db_panel(ax, groups: dict[str, list[dict[str, Any]]], measured_col: str, bound) -> None:
    """One panel of database.png: ``measured_col`` of the measured rows (solid) and ``bound(row)`` (dashed) per
    group, in the group's colour; a point that did not measure is an x at the bottom."""
    vals = [v for rs in groups.values() for r in rs for v in (val(r, measured_col), bound(r)) if v]
    floor = min(vals) / 3 if vals else 0.1
    for i, (label, rs) in enumerate(groups.items()):
        col = SERIES_COLORS[i % len(SERIES_COLORS)]  # grid_postgres has 10 groups: COLORS' 8 would repeat
        good = [r for r in rs if measured(r) and val(r, measured_col)]
        if good:
            ax.plot([val(r, "concurrency") for r in good], [val(r, measured_col) for r in good], "o-", color=col,
                    lw=2, ms=6, label=label)
        bnd = [r for r in rs if bound(r)]
        if bnd:
            ax.plot([val(r, "concurrency") for r in bnd], [bound(r) for r in bnd], "_--", color=col, lw=1.3,
                    ms=14, mew=1.5, alpha=0.8)  # the tick shows a one-point bound too
        bad = [r for r in rs if r not in good]
        if bad:  # named in the legend when it is all the group has (a stalled point: nothing answered)
            ax.plot([val(r, "concurrency") for r in bad], [floor] * len(bad), "x", color=col, ms=10, mew=2.2,
                    label=None if good else f"{label} (nothing measured: x)")


def _db_in_flight(r: dict[str, Any]) -> float | None:
    """The requests the pool lets into the database at once, min(C, capacity, P): bound_rps x L."""
    b, l_ms = val(r, "bound_rps"), val(r, "latency_ms")
    return None if b is None or not l_ms else round(b * l_ms / 1000.0, 3)


def plot_database(rows, run_dir: Path, formats: list[str]) -> list[Path]:
    """database: req/s against C per (server, P) with the bound min(C, capacity, P)/L dashed, and the database's
    active backends (pg_stat_activity) against min(C, capacity, P); nothing without postgres rows."""
    groups = _db_groups(rows)
    if not groups:
        return []
    fig, (top, bot) = plt.subplots(2, 1, figsize=(11.5, 9.0), sharex=True)
    _db_panel(top, groups, "throughput_rps", lambda r: val(r, "bound_rps"))
    _log_axes(top, "", "throughput (requests/s)")
    top.set_title(f"A real database (PostgreSQL, {_latency_title(sum(groups.values(), []))}): "
                  "dashed = bound min(C, capacity, P)/L")
    # beside the panels, not over them: the lines start at the top left, where a legend inside would sit
    top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="server, threads, pool P",
               title_fontsize=8)
    _db_panel(bot, groups, "peak_db_active", _db_in_flight)
    _log_axes(bot, "concurrency C (closed-loop connections)", "active backends (peak)")
    bot.set_xticks(sorted({val(r, "concurrency") for rs in groups.values() for r in rs} - {None}))
    bot.xaxis.set_major_formatter(FuncFormatter(_num_fmt))
    bot.set_title("The database's own view: peak active backends in pg_stat_activity; dashed = min(C, capacity, P)",
                  fontsize=10)
    fig.tight_layout()
    return _save(fig, run_dir, "database", formats)


def make_plots(run_dir: Path, formats: list[str]) -> list[Path]:
    """All plots of a run; returns the files written."""
    rows, _ = load_run(run_dir)
    main = [r for r in rows if scenario(r) == ""]
    written = []
    written += plot_throughput(main, run_dir, formats)
    written += plot_latency(main, run_dir, formats)
    for paths in plot_timelines(rows, run_dir, formats).values():
        written += paths
    written += plot_rss(main, run_dir, formats)
    written += plot_dotnet_vs_model(rows, run_dir, formats)
    written += plot_pool_size(rows, run_dir, formats)
    written += plot_heatmap(rows, run_dir, formats)
    written += plot_cpu_work(rows, run_dir, formats)
    written += plot_burst(rows, run_dir, formats)
    written += plot_database(rows, run_dir, formats)
    return written
