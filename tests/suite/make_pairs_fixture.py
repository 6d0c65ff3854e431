#!/usr/bin/env python3
"""Writes fixtures/run_pairs/: a synthetic run of grid_dotnet_vs_model.json's shape (C = 1,000, L = 2 s, 60 s of
load from t = 0, scraped once a second) for test_dotnet_vs_model.py. Committed output; rerun only to change it.

Pair "sync": our model's threads track .NET's within the target at every mark, throughputs 2.5% apart.
Pair "sync-over-async": the model keeps up until 20 s and then grows at half .NET's rate (misses the target
from 35 s on), and .NET's throughput is lower than the model's by far more than 5% (a starved Kestrel also stops
writing finished responses). Rows are built with slowio.summary.write_summary, so the header is the real one.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "scripts"))
from slowio.bound import bound_rps, compute_capacity  # noqa: E402
from slowio.grid import Series  # noqa: E402
from slowio.loadgen import read_timeseries  # noqa: E402
from slowio.rows import SUMMARY_COLUMNS  # noqa: E402
from slowio.summary import thread_growth_per_s, write_summary  # noqa: E402

OUT = HERE / "fixtures" / "run_pairs"
L_S, C, WINDOW = 2.0, 1000, 60

CURVES = {  # point -> threads(t), fraction of completions whose response is written
    "01-cmd-aspnetcore-sync-default-min-threads-c1000": (lambda t: 2 + t // 2, 1.0),
    "02-sync-elastic-mindefault-max1000-c1000": (lambda t: 2 + (t + 1) // 2, 1.0),
    "03-cmd-aspnetcore-sync-over-async-default-min-threads-c1000": (lambda t: 2 + t, 0.6),
    "04-sync-elastic-sync-over-async-mindefault-max1000-c1000": (lambda t: 2 + t if t <= 20 else 22 + (t - 20) // 2,
                                                                 1.0),
}
SERIES = [  # point, label, pair, server, model, pool, antipattern, bound_model
    ("01-cmd-aspnetcore-sync-default-min-threads-c1000", "aspnetcore sync (default min threads)", "sync",
     "command", "command", "", "", "elastic"),
    ("02-sync-elastic-mindefault-max1000-c1000", "sync elastic (default min threads)", "sync", "sync", "pool",
     "elastic", "none", "elastic"),
    ("03-cmd-aspnetcore-sync-over-async-default-min-threads-c1000", "aspnetcore sync-over-async (default min threads)",
     "sync-over-async", "command", "command", "", "", "elastic"),
    ("04-sync-elastic-sync-over-async-mindefault-max1000-c1000", "sync elastic sync-over-async (default min threads)",
     "sync-over-async", "sync", "pool", "elastic", "sync-over-async", "elastic"),
]


def timeseries(point: str) -> list[str]:
    threads, written = CURVES[point]
    head = ("t_s,phase,rps,p50_us,p99_us,errors,server_threadpool_threads,server_threadpool_busy_threads,"
            "server_threadpool_queue_length,server_http_requests_in_flight,server_http_connections_open,"
            "server_eventloop_lag_max_ms,server_rss_kb")
    lines = [head]
    for t in range(1, WINDOW + 3):
        n = threads(t)
        rps = 0.0 if t < L_S else threads(t - 2) / L_S * written
        phase = "steady" if t <= WINDOW else "drain"
        timeouts = 0 if t < 11 else C // 11
        lines.append(f"{t:.3f},{phase},{rps:.1f},{min(t, 11) * 1e6 / 2:.1f},{min(t, 11) * 1e6:.1f},{timeouts},"
                     f"{n},{n},{C - n},{C},{C},,{30000 + 256 * n}")
    return lines


def main() -> None:
    (OUT / "timeseries").mkdir(parents=True, exist_ok=True)
    rows = []
    for point, label, pair, server, model, pool, anti, bm in SERIES:
        ts = timeseries(point)
        (OUT / "timeseries" / f"{point}.csv").write_text("\n".join(ts) + "\n")
        cells = [ln.split(",") for ln in ts[1:]]
        ok = round(sum(float(c[2]) for c in cells if c[1] == "steady"))
        timeouts = sum(int(c[5]) for c in cells if c[1] == "steady")
        peak = max(int(c[6]) for c in cells)
        r = {c: None for c in SUMMARY_COLUMNS}
        r.update(run_id="fixture-pairs", point=point, label=label, pair=pair, server=server, model=model, pool=pool,
                 antipattern=anti, threads=1, min_threads=1, max_threads=1000, queue_limit=0, concurrency=C,
                 latency_ms=2000, warmup_s=0, window_s=WINDOW, timeout_s=11, expect="ok", status="ok", detail="",
                 server_exit_code=0, loadgen_exit_code=0, throughput_rps=round(ok / WINDOW, 4),
                 capacity_basis="threads over time (scraped), counted per L", bound_model=bm, completed=ok,
                 ok=ok, errors_total=timeouts, errors_connect=0, errors_read=0, errors_write=0,
                 errors_timeout=timeouts, errors_4xx=0, errors_5xx=0, errors_503=0, peak_threads=peak,
                 peak_busy_threads=peak, peak_queue_length=C - 1, peak_in_flight=C, peak_connections_open=C,
                 deadlock_detected=0, server_rss_base_kb=30000, server_rss_kb=30000 + 256 * peak, pinned=True,
                 extra_server_args="", wall_s=75.0)
        elastic = Series(server="sync", pool="elastic", min_threads=1, max_threads=1000, latency_ms=2000)
        scraped = read_timeseries(OUT / "timeseries" / f"{point}.csv")
        cap, _ = compute_capacity(elastic, C, scraped, 0.0, WINDOW)
        bound = bound_rps(cap, C, 2000)
        r.update(capacity=round(cap, 3), bound_rps=round(bound, 4), efficiency=round(r["throughput_rps"] / bound, 4),
                 p50_ms=5500.0, p90_ms=10000.0, p99_ms=11000.0, p999_ms=11000.0, max_ms=11000.0, mean_ms=5800.0,
                 thread_growth_per_s=round(thread_growth_per_s(scraped), 3))  # as summary.build_row writes it
        rows.append(r)
    write_summary(rows, OUT / "summary.csv")


if __name__ == "__main__":
    main()
