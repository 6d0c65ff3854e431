#!/usr/bin/env python3
"""Writes the burst and steady-state fixtures for test_burst.py. Committed output; rerun only to change it.

  fixtures/burst/steady_loadgen.json,   one overloaded point (sync N = 10, C = 1,000, L = 2 s) measured after
  fixtures/burst/steady_timeseries.csv  its client timeout (warm-up 9 s, window 4 s): 1 response ok in the
                                        window, retries 7; the server's counters grow by 5 responses/s (plus one
                                        /metrics response per 250 ms sample) and 100 abandoned requests/s; one
                                        failed scrape inside the window (empty cells)
  fixtures/burst/run/                   a run of four burst points of bench/grid_burst.json (summary.csv built by
                                        slowio.summary from the time series in timeseries/), shaped as the servers
                                        behave: sync FIFO with retries collapses and stays down, sync
                                        drop-abandoned recovers 20 L after the burst, CoDel and async K = 1 keep
                                        serving and recover at once

A closed loop of C = 5 at L = 200 ms completes in waves every L, so a 250 ms interval holds one or two: the
fixtures' goodput before the burst repeats 20, 20, 20, 40 req/s (mean 25 = C / L).
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "scripts"))
from make_claims_fixture import write  # noqa: E402  (a CSV with the given columns, None as an empty cell)
from slowio import grid, loadgen, point, summary  # noqa: E402

FIXTURES = HERE / "fixtures" / "burst"
IV = 0.25
TS_COLUMNS = ["t_s", "phase", "rps", "p50_us", "p99_us", "errors", "goodput_rps", "timeouts", "status_503",
              "retries", "server_threadpool_threads", "server_threadpool_busy_threads",
              "server_threadpool_queue_length", "server_http_requests_in_flight", "server_http_connections_open",
              "server_eventloop_lag_max_ms", "server_rss_kb", "server_jobs_queue_length", "server_responses_total",
              "server_abandoned_total"]
WAVES = (20.0, 20.0, 20.0, 40.0)  # C = 5, L = 200 ms, 250 ms intervals


def write_timeseries(path: Path, rows: list[dict]) -> None:
    """A loadgen time series (TS_COLUMNS; a missing key is an empty cell)."""
    write(rows, path, TS_COLUMNS)


def steady_rows() -> list[dict]:
    """sync N = 10, C = 1,000, L = 2 s: 13 s of load and one drain interval, scraped every 250 ms."""
    rows = []
    for k in range(1, 54):
        t = k * IV
        r = {"t_s": f"{t:.3f}", "phase": "warmup" if t <= 9 else ("steady" if t <= 13 else "drain"),
             "rps": 0.0, "p50_us": 0, "p99_us": 0, "errors": 4, "goodput_rps": 4.0 if k == 40 else 0.0,
             "timeouts": 4, "status_503": 0, "retries": 0}
        if k != 44 and t <= 13:  # one failed scrape (t = 11 s); none in the drain
            r.update(server_threadpool_threads=10, server_threadpool_busy_threads=10,
                     server_threadpool_queue_length=1990, server_http_requests_in_flight=1000,
                     server_http_connections_open=1000, server_rss_kb=9000, server_jobs_queue_length=0,
                     server_responses_total=f"{1000 + 5 * t + k:g}", server_abandoned_total=f"{100 * t:g}")
        rows.append(r)
    return rows


def steady_json() -> dict:
    """The loadgen JSON of the steady point (the figures the summary reads)."""
    return {"config": {"connections": 1000, "warmup_s": 9.0, "duration_s": 13.0, "timeout_s": 7.5, "retries": 3,
                       "retry_backoff": "none"},
            "window_s": 4.0, "throughput_rps": 0.25,
            "requests": {"completed": 31, "ok": 1, "connect": 0, "read": 0, "write": 0, "timeout": 30,
                         "status_4xx": 0, "status_5xx": 0, "status_503": 0, "retries": 7},
            "latency_us": {"count": 31, "p50": 7.5e6, "p90": 7.5e6, "p99": 7.5e6, "p999": 7.5e6, "max": 7.6e6,
                           "mean": 7.4e6},
            "littles_law": {"ratio": 1.0}, "per_connection": {"min": 0, "median": 0, "max": 1},
            "server": {"peaks": {"threadpool_threads": 10, "threadpool_busy_threads": 10}}}


# label in bench/grid_burst.json -> goodput over the burst's 25 L after the timeout, and after the burst
# (None: zero until the end; a number of seconds: zero for that long, then the waves again)
SHAPES = {"burst: sync N=10 fifo, 3 retries": (0.0, None),
          "burst: sync N=10 drop-abandoned": (30.0, 4.0),
          "burst: sync N=10 codel, 3 retries": (48.0, 0.0),
          "burst: async K=1, 3 retries": (2500.0, 0.0)}


def burst_rows(during: float, down_after_s: float | None, burst_cap: float) -> list[dict]:
    """A burst point's time series: 5 s at C = 5, 5 s at 500, 10 s at 5 (L = 200 ms, timeout 1.5 s)."""
    rows, responses, abandoned = [], 0.0, 0.0
    for k in range(1, 85):
        t = k * IV
        if t <= 5:
            good = WAVES[k % 4]
        elif t <= 10:
            good = min(burst_cap, 2500.0) if t <= 6.5 else during
        elif t <= 20:
            good = 0.0 if down_after_s is None or t <= 10 + down_after_s else WAVES[k % 4]
        else:
            good = 0.0
        starved = burst_cap < 100 and 5 < t <= 20 and (down_after_s is None or t <= 10 + down_after_s)
        busy = max(good, burst_cap) if starved else good  # a starved pool writes N / L, to clients or not
        responses += busy * IV + 1
        abandoned += (busy - good) * IV
        rows.append({"t_s": f"{t:.3f}", "phase": "steady" if t <= 20 else "drain", "rps": good, "p50_us": 200000,
                     "p99_us": 1500000, "errors": 0, "goodput_rps": good, "timeouts": 0, "status_503": 0,
                     "retries": 0, "server_responses_total": f"{responses:g}" if t <= 20 else None,
                     "server_abandoned_total": f"{abandoned:g}" if t <= 20 else None})
    return rows


def burst_run() -> None:
    """fixtures/burst/run: the four burst points' time series and the summary.csv slowio.summary builds."""
    series = {s.label: s for s in grid.load_grid(HERE.parent.parent / "bench" / "grid_burst.json").series}
    out, built = FIXTURES / "run", []
    for i, (label, (during, down)) in enumerate(SHAPES.items(), start=1):
        s = series[label]
        p = grid.Point(i, s, 500, f"{i:02d}-{grid.series_key(s)}-c500")
        cap = 2500.0 if s.server == "async" else 50.0
        write_timeseries(out / "timeseries" / f"{p.id}.csv", burst_rows(during, down, cap))
        ts = loadgen.read_timeseries(out / "timeseries" / f"{p.id}.csv")
        good = [r["goodput_rps"] for r in ts if r["phase"] == "steady"]
        report = loadgen.LoadgenReport.from_json({"window_s": 20.0, "throughput_rps": sum(good) / len(good),
                                                  "requests": {"ok": round(sum(good) * IV), "retries": 0}})
        res = point.PointResult(report=report, timeseries=ts, server_exit_code=0, loadgen_exit_code=0, pinned=True)
        built.append(summary.build_row(p, "fixture-burst", res))
    summary.write_summary(built, out / "summary.csv")


def main() -> None:
    write_timeseries(FIXTURES / "steady_timeseries.csv", steady_rows())
    (FIXTURES / "steady_loadgen.json").write_text(json.dumps(steady_json(), indent=1) + "\n")
    burst_run()


if __name__ == "__main__":
    main()
