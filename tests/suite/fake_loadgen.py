#!/usr/bin/env python3
"""A stand-in for loadgen in the suite's tests: same flags, instant run, Little's-law-shaped JSON/CSV output.

It scrapes the fake server's /metrics once for its capacity model and latency, then writes a JSON report and a
time series under loadgen's names (bench/loadgen/README.md; throughput = min(C, capacity) / L), (--csv is
accepted and ignored: the sweep does not use it). With --stages the connections follow the steps; a burst past
the client timeout on an unmitigated server (fake_mitigated 0: a sync FIFO pool) delivers no goodput once the
timeout has passed while the server stays busy and sees its clients leave, and after the burst it stays down
with --retries (metastable) or for 10 L without. The server columns end with the two counters:
responses_total (what the server wrote, plus one /metrics response per sample, as our servers count them) and
abandoned_total. FAKE_LOADGEN_SLEEP=S sleeps S seconds first (default 0), FAKE_LOADGEN_EXIT=N makes it exit N
without output, FAKE_LOADGEN_ERRORS=N reports N timeouts. Its JSON's start_epoch_s is its start, as loadgen's: a
time series no longer than FAKE_LOADGEN_SLEEP lines up with the sweep's /proc samples on the wall clock.
"""
import argparse
import json
import os
import re
import sys
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("-t", type=int, default=1)
ap.add_argument("-c", type=int, default=10)
ap.add_argument("-d", default="10s")
ap.add_argument("--warmup", default="5s")
ap.add_argument("--timeout", default="30s")
ap.add_argument("--scrape")
ap.add_argument("--scrape-interval", default="250ms")
ap.add_argument("--json")
ap.add_argument("--csv")
ap.add_argument("--timeseries")
ap.add_argument("--path")
ap.add_argument("--method", default="GET")
ap.add_argument("--body")
ap.add_argument("-R", "--rate", type=float, default=0.0)
ap.add_argument("--retries", type=int, default=0)
ap.add_argument("--retry-backoff", default="none")
ap.add_argument("--stages", default="")
ap.add_argument("--no-progress", action="store_true")
ap.add_argument("url")
a = ap.parse_args()
if os.environ.get("FAKE_LOADGEN_EXIT"):
    sys.exit(int(os.environ["FAKE_LOADGEN_EXIT"]))


def secs(text):
    m = re.fullmatch(r"([0-9.]+)(ms|s)", text)
    return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)


import time  # noqa: E402


def scrape() -> str:
    try:
        return urllib.request.urlopen(a.scrape, timeout=2).read().decode()
    except Exception:  # server gone (deadlock demo): connect errors
        return ""


# No sleeping for the run's duration: the pair's numbers are computed, not measured. The one wait is for a
# server that announced its exit (fake_exit_pending: the deadlock demo), which must be gone when we report.
start_epoch = time.time()  # t = 0 of the time series, as loadgen's JSON start_epoch_s
time.sleep(float(os.environ.get("FAKE_LOADGEN_SLEEP", "0")))
page = scrape()
deadline = time.monotonic() + 3
while re.search(r"^fake_exit_pending 1$", page, re.M) and time.monotonic() < deadline:
    time.sleep(0.05)
    page = scrape()
vals = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+)(?:\{[^}]*\})? (\S+)$", page, re.M)}
stages = [(secs(d), int(c)) for d, c in (item.split(":") for item in a.stages.split(",") if item)]
if stages:
    a.c, a.d = max(c for _, c in stages), f"{sum(d for d, _ in stages)}s"
duration, warmup, timeout = secs(a.d), secs(a.warmup), secs(a.timeout)
window = duration - warmup
lat_ms = vals.get("fake_latency_ms", 100.0)
n = vals.get("fake_capacity_N", 1)
if "fake_capacity_model_C" in vals:
    cap = a.c
elif "fake_capacity_model_elastic" in vals:
    cap = min(a.c, 2 + 2 * (warmup + window / 2))
else:
    cap = n
errors = int(os.environ.get("FAKE_LOADGEN_ERRORS", "0"))
connect = 0 if page else 50
lat_s = lat_ms / 1000.0
tput = min(a.c, cap) / lat_s if page else 0.0
p50 = lat_ms * max(1.0, a.c / cap) * 1000.0


def conns_at(t):
    """Connections at time t: the target of the step holding t (a.c without stages)."""
    start = 0.0
    for d, c in stages:
        if t <= start + d + 1e-9:
            return c
        start += d
    return a.c


def burst_step():
    """(start, end) of the step with the peak target."""
    targets = [c for _, c in stages]
    i = targets.index(max(targets))
    start = sum(d for d, _ in stages[:i])
    return start, start + stages[i][0]


def interval(t):
    """(goodput/s, server writes/s, abandoned/s) in the interval ending at t."""
    c = conns_at(t)
    healthy = min(c, cap) / lat_s if page else 0.0
    if not stages or vals.get("fake_mitigated", 1) or a.c <= cap:
        return healthy, healthy, 0.0
    start, end = burst_step()
    collapsed = start + timeout < t <= end or (end < t and (a.retries or t <= end + 10 * lat_s))
    return (0.0, cap / lat_s, c / timeout) if collapsed else (healthy, healthy, 0.0)


step = secs(a.scrape_interval)
rows, written, dropped, good_window = [], 0.0, 0.0, []
for i in range(int(round(duration / step)) + 1):
    t = (i + 1) * step
    good, writes, gone = interval(t)
    written, dropped = written + writes * step, dropped + gone * step
    if warmup < t <= duration + 1e-9:
        good_window.append(good)
    rows.append((t, good, written + i + 1, dropped))
if stages:
    tput = sum(good_window) / len(good_window) if good_window else 0.0
ok = int(tput * window)
retries = int(dropped) if a.retries else 0  # each request that left was resent
j = {"config": {"connections": a.c, "retries": a.retries, "retry_backoff": a.retry_backoff,
                "stages": [{"duration_s": d, "target": c} for d, c in stages], "interval_s": step},
     "machine": {"cores": 2}, "start_epoch_s": start_epoch, "window_s": window, "throughput_rps": tput,
     "requests": {"completed": ok, "ok": ok, "connect": connect, "read": 0, "write": 0, "timeout": errors,
                  "status_4xx": 0, "status_5xx": 0, "status_503": 0, "retries": retries},
     "latency_us": {"p50": p50, "p90": p50 * 1.01, "p99": p50 * 1.02, "p999": p50 * 1.03, "p9999": p50 * 1.03,
                    "max": p50 * 1.05, "mean": p50, "stdev": 10.0},
     "latency_uncorrected_us": {"p50": p50},
     "littles_law": {"concurrency": a.c, "predicted_in_flight": a.c, "ratio": 1.0},
     "per_connection": {"min": 1, "median": 2, "max": 3},
     "server": {"scraped": True, "samples": 10, "failures": 0,
                "peaks": {"threadpool_threads": vals.get("threadpool_threads"),
                          "threadpool_queue_length": vals.get("threadpool_queue_length"),
                          "rss_kb": (vals.get("process_resident_memory_bytes", 0) + a.c * 4096) / 1024}}}
with open(a.json, "w") as f:
    json.dump(j, f)
with open(a.timeseries, "w") as f:
    f.write("t_s,phase,rps,p50_us,p99_us,errors,goodput_rps,timeouts,status_503,retries,server_threadpool_threads,"
            "server_threadpool_busy_threads,server_threadpool_queue_length,server_http_requests_in_flight,"
            "server_http_connections_open,server_eventloop_lag_max_ms,server_rss_kb,server_jobs_queue_length,"
            "server_responses_total,server_abandoned_total\n")
    for t, good, responses, gone in rows:
        th = vals.get("threadpool_threads", 1)
        if "fake_capacity_model_elastic" in vals:
            th = min(a.c, 2 + int(2 * t))
        phase = "warmup" if t <= warmup else ("steady" if t <= duration + 1e-9 else "drain")
        rps = good if stages else tput
        f.write(f"{t:.3f},{phase},{rps:.1f},{p50:.1f},{p50 * 1.02:.1f},0,{good if stages else tput:.1f},0,0,0,"
                f"{th},{th},{max(0, a.c - th)},{a.c},{a.c},{lat_ms if 'fake_capacity_model_K' in vals else 1.0},"
                f"{8000 + t},0,{responses:g},{gone:g}\n")
print(f"fake loadgen: {tput:.1f} req/s")
