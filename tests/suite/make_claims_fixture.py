#!/usr/bin/env python3
"""Writes the claims fixtures for test_claims.py and test_plot_report.py. Committed output; rerun only to change it.

  fixtures/run_claims/summary.csv     a synthetic run of every scenario (main comparison at L = 2 s, the .NET pairs,
                                      queue_limit, recovery, pool_size, heatmap, cpu_work, burst), shaped as the
                                      real servers behave: each claim gets the verdict the measurements give (sync
                                      N = 10 at C >= 100 measured after its client timeout: no goodput while the
                                      pool stays busy; FIFO with retries never recovers from the burst)
  fixtures/summary_claims_contrary.csv the same run with the figures changed so that every claim's verdict flips
                                      (a crash at C = 11, a superlinear async curve, an elastic pool that does not
                                      recover, offload that costs two threads on both servers, every burst series
                                      recovering, every mitigation useful ...)
  fixtures/summary_claims_unmeasured.csv a run with none of the claims' points (the regression gate's L = 100 ms),
                                      in a summary.csv from before the scenario columns (none of NEW_COLUMNS)

The header is summary.py's SUMMARY_COLUMNS followed by any of the scenario columns it does not list: a column
read_summary does not know is kept as text, and slowio.claims reads every number through ``val``.
"""
import copy
import csv
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "scripts"))
from slowio.rows import SUMMARY_COLUMNS  # noqa: E402

FIXTURES = HERE / "fixtures"
NEW_COLUMNS = ["scenario", "request_class", "cpu_way", "cpu_threads_per_request", "peak_jobs_queue_length",
               "job_latency_ms", "jobs_completed", "cpu_work_rate_rps", "cpu_work_bound_rps", "thread_growth_per_s",
               "client_retries", "retry_backoff", "stages", "retries", "server_responses_rps", "abandoned_rps",
               "goodput_share", "goodput_before_rps", "goodput_during_rps", "goodput_after_rps", "recovery_s",
               "recovered"]
COLUMNS = SUMMARY_COLUMNS + [c for c in NEW_COLUMNS if c not in SUMMARY_COLUMNS]
Row = dict[str, Any]
_seq = [0]


def row(slug: str, label: str, server: str, threads: int, c: int, l_ms: float, eff: float = 1.0, **kw) -> Row:
    """One ok row: capacity N (sync fixed), C (async) unless given; throughput = eff × min(C, capacity) / L."""
    _seq[0] += 1
    r: Row = {k: None for k in COLUMNS}
    pool = kw.pop("pool", "fixed" if server == "sync" else "")
    cap = kw.pop("capacity", float(threads) if server == "sync" else float(c))
    bound = min(c, cap) / (l_ms / 1000.0)
    window = kw.get("window_s", 8)
    tput = round(eff * bound, 4)
    r.update(run_id="fixture-claims", point=f"{_seq[0]:02d}-{slug}", label=label, pair="", server=server,
             model="pool" if server == "sync" else ("coroutine" if server == "async" else "command"), pool=pool,
             antipattern="none" if server in ("sync", "async") else "", threads=threads, queue_limit=0,
             concurrency=c, latency_ms=l_ms, warmup_s=3, window_s=window, timeout_s=11, expect="ok", status="ok",
             detail="", server_exit_code=0, loadgen_exit_code=0, throughput_rps=tput, capacity=cap,
             capacity_basis="N" if server == "sync" else "C", bound_model="sync" if server == "sync" else "async",
             bound_rps=round(bound, 4), efficiency=eff, p50_ms=l_ms + 0.5, p90_ms=l_ms + 0.6, p99_ms=l_ms + 1.0,
             p999_ms=l_ms + 2.0, max_ms=l_ms + 3.0, mean_ms=l_ms + 0.5, completed=round(tput * window),
             ok=round(tput * window), errors_total=0, errors_connect=0, errors_read=0, errors_write=0,
             errors_timeout=0, errors_4xx=0, errors_5xx=0, errors_503=0, deadlock_detected=0, pinned=1,
             scenario="", request_class="", cpu_way="", wall_s=14.0)
    r.update(kw)
    return r


def main_rows() -> list[Row]:
    """The main comparison at L = 2 s and the deadlock demo."""
    out = []
    for c in (1, 10, 11, 100, 1000, 10000):
        kw: dict[str, Any] = {}
        if c == 11:
            kw = dict(p50_ms=2000.7, p99_ms=3998.2)
        if c >= 100:  # measured after the 7.5 s client timeout: the pool works for clients that left
            kw = dict(status="drain_expired", server_exit_code=5, warmup_s=9, window_s=4, timeout_s=7.5,
                      throughput_rps=0.0, efficiency=0.0, ok=0, completed=40, p50_ms=7500.0, p99_ms=7510.0,
                      errors_timeout=40, errors_total=40, server_responses_rps=5.0, abandoned_rps=5.25,
                      goodput_share=0.0, peak_busy_threads=10)
        out.append(row(f"sync-fixed-n10-c{c}", "sync fixed N=10", "sync", 10, c, 2000, **kw))
    out.append(row("sync-elastic-min2-max1000-c1000", "sync elastic min=2", "sync", 1, 1000, 2000, pool="elastic",
                   min_threads=2, max_threads=1000, capacity=4.75, bound_model="elastic", thread_growth_per_s=0.4,
                   peak_threads=6, status="drain_expired", server_exit_code=5))
    for c in (1, 10, 11, 100, 1000, 10000, 16000):
        eff = {10000: 0.9988, 16000: 0.97}.get(c, 1.0)
        out.append(row(f"async-k1-c{c}", "async K=1", "async", 1, c, 2000, eff=eff, max_loop_lag_ms=3.0 + c / 1000))
    out.append(row("sync-fixed-n1000-c1000", "sync fixed N=1000 (memory)", "sync", 1000, 1000, 2000))
    out.append(row("async-sync-over-async-k1-c10", "deadlock demo: sync-over-async K=1", "async", 1, 10, 2000,
                   antipattern="sync-over-async", expect="deadlock", status="deadlock", server_exit_code=4,
                   capacity=0.0, bound_model="deadlock", throughput_rps=0.0, bound_rps=0.0, efficiency=None, ok=0,
                   completed=0, deadlock_detected=1, p50_ms=None, p90_ms=None, p99_ms=None, p999_ms=None,
                   max_ms=None, mean_ms=None))
    return out


def pair_rows() -> list[Row]:
    """The two .NET pairs at C = 1,000, 30 s from t = 0."""
    out = []
    for pair, rate_net, rate_model, tput in (("sync", 0.5, 0.55, 0.3), ("sync-over-async", 4.0, 3.9, 0.0)):
        common = dict(pair=pair, pool="elastic", min_threads=1, max_threads=1000, warmup_s=0, window_s=30,
                      bound_model="elastic", status="drain_expired", server_exit_code=5, p50_ms=11039.4,
                      p99_ms=11106.5, errors_timeout=2000, errors_total=2000)
        out.append(row(f"cmd-aspnetcore-{pair}-c1000", f"aspnetcore {pair} (default min threads)", "command", 1,
                       1000, 2000, capacity=1 + rate_net * 15, thread_growth_per_s=rate_net,
                       peak_threads=1 + rate_net * 30, **common))
        out.append(row(f"sync-elastic-{pair}-c1000", f"sync elastic {pair} (default min threads)", "sync", 1, 1000,
                       2000, antipattern="none" if pair == "sync" else "sync-over-async",
                       capacity=1 + rate_model * 15, thread_growth_per_s=rate_model,
                       peak_threads=1 + rate_model * 30, **common))
    for r in out:
        r["throughput_rps"] = 0.3 if r["pair"] == "sync" else 0.0
        r["efficiency"] = round(r["throughput_rps"] / r["bound_rps"], 4)
        r["ok"] = r["completed"] = round(r["throughput_rps"] * 30)
    return out


def axis_rows() -> list[Row]:
    """queue_limit, recovery, pool_size and heatmap, at a time-dilated L = 200 ms."""
    out = [row("sync-fixed-n10-q10-c100", "sync fixed N=10 queue 10", "sync", 10, 100, 200, scenario="queue_limit",
               queue_limit=10, eff=0.98, errors_503=5200, errors_total=5200, p99_ms=401.0),
           row("sync-elastic-soa-recovery-c50", "sync elastic sync-over-async (recovery)", "sync", 1, 50, 200,
               scenario="recovery", pool="elastic", antipattern="sync-over-async", min_threads=2, max_threads=1000,
               bound_model="elastic", capacity=44.0, eff=0.95, thread_growth_per_s=6.0, peak_threads=52)]
    for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        eff = {500: 0.98, 1000: 0.93}.get(n, 1.0)
        # ceil(1000 / N) x 200 ms > 11 s for N <= 10: measured after the client timeout, the clients get nothing
        past = dict(warmup_s=12, eff=0.0, server_responses_rps=n / 0.2, goodput_share=0.0) if n <= 10 else {}
        out.append(row(f"pool-sync-n{n}-c1000", f"pool size N={n}", "sync", n, 1000, 200, scenario="pool_size",
                       **{"eff": eff, **past}))
    for n in (1, 10, 100, 1000):
        for c in (1, 10, 100):
            out.append(row(f"heat-sync-n{n}-c{c}", f"heatmap sync N={n}", "sync", n, c, 200, scenario="heatmap",
                           eff=0.99 if c > n else 1.0))
    for k in (1, 2):
        for c in (1, 10, 100, 1000):
            if (k, c) != (2, 1):  # one missing cell: drawn as '-'
                out.append(row(f"heat-async-k{k}-c{c}", f"heatmap async K={k}", "async", k, c, 200,
                               scenario="heatmap", eff=0.999))
    return out


# (server, way) -> (threads per CPU request, CPU-class throughput, /health p50, p99, /users p99)
CPU = {("sync", "inline"): (1.0, 80.0, 20.0, 180.0, 420.0), ("sync", "offload"): (2.0, 78.0, 15.0, 150.0, 380.0),
       ("sync", "jobs"): (1.0, 100.0, 0.4, 4.0, 205.0), ("async", "inline"): (1.0, 95.0, 8.0, 60.0, 260.0),
       ("async", "offload"): (1.05, 97.0, 0.3, 2.0, 202.0), ("async", "jobs"): (1.0, 100.0, 0.3, 1.5, 201.0)}


def cpu_rows() -> list[Row]:
    """cpu_work: per server and way one row per request class (work or jobs, health, users)."""
    out = []
    for (server, way), (tpr, tput, h50, h99, u99) in CPU.items():
        base = dict(scenario="cpu_work", cpu_way=way, warmup_s=2, window_s=8, cpu_work_rate_rps=100.0,
                    cpu_work_bound_rps=100.0, label=f"cpu {server} {way}")
        threads = 4
        cls = "jobs" if way == "jobs" else "work"
        extra: dict[str, Any] = dict(cpu_threads_per_request=tpr, throughput_rps=tput, p50_ms=25.0, p99_ms=90.0)
        if cls == "jobs":
            extra.update(job_latency_ms=35.0, peak_jobs_queue_length=4, jobs_completed=790, p50_ms=0.5, p99_ms=2.0)
        for rc, kw in ((cls, extra), ("health", dict(p50_ms=h50, p99_ms=h99, throughput_rps=50.0)),
                       ("users", dict(p50_ms=201.0, p99_ms=u99, throughput_rps=50.0))):
            r = row(f"cpu-{server}-{way}-{rc}", base["label"], server, threads, 10, 200, request_class=rc,
                    **{k: v for k, v in base.items() if k != "label"}, **kw)
            r["bound_model"], r["bound_rps"], r["efficiency"], r["capacity"] = "", None, None, None
            out.append(r)
    return out


# label (after 'burst: '), extra server args, queue limit, retries -> goodput during, recovery s (None: never)
BURST = [("sync N=10 fifo", [], 0, 0, 0.0, 6.0), ("sync N=10 fifo, 3 retries", [], 0, 3, 0.0, None),
         ("sync N=10 drop-abandoned", ["--drop-abandoned"], 0, 0, 30.0, 0.75),
         ("sync N=10 queue-limit 20", [], 20, 0, 48.0, 0.0),
         ("sync N=10 adaptive-lifo", ["--queue", "adaptive-lifo"], 0, 0, 46.0, 0.0),
         ("sync N=10 codel", ["--queue", "codel"], 0, 0, 49.0, 0.0),
         ("sync N=10 codel, 3 retries", ["--queue", "codel"], 0, 3, 47.0, 0.25),
         ("sync elastic min=2", [], 0, 0, 40.0, 1.0), ("async K=1", [], 0, 0, 2500.0, 0.0),
         ("async K=1, 3 retries", [], 0, 3, 2500.0, 0.0)]


def burst_rows() -> list[Row]:
    """The burst scenario (bench/grid_burst.json): C = 5, 500, 5 for 25, 25, 50 L at L = 200 ms."""
    out = []
    for name, args, q, retries, during, rec in BURST:
        server = "async" if name.startswith("async") else "sync"
        kw: dict[str, Any] = dict(pool="elastic", bound_model="elastic", capacity=14.0, min_threads=2,
                                  max_threads=1000) if "elastic" in name else {}
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).replace("--", "-")
        out.append(row(f"burst-{slug}", "burst: " + name, server, 10 if server == "sync" else 1, 500, 200,
                       scenario="burst", warmup_s=0, window_s=20, timeout_s=1.5, queue_limit=q,
                       extra_server_args=" ".join(args), client_retries=retries,
                       retry_backoff="exponential:200:1500" if retries else "", stages="5000ms:5,5000ms:500,10000ms:5",
                       goodput_before_rps=25.0, goodput_during_rps=during,
                       goodput_after_rps=0.0 if rec is None else 25.0, recovered=int(rec is not None),
                       recovery_s=rec, eff=0.4 if server == "sync" else 0.2, **kw))
    return out


def full_run() -> list[Row]:
    """Every scenario, shaped as the real servers behave."""
    _seq[0] = 0
    return main_rows() + pair_rows() + axis_rows() + cpu_rows() + burst_rows()


def set_where(rows: list[Row], pred, **kw) -> None:
    """Updates the rows matching pred (at least one)."""
    hits = [r for r in rows if pred(r)]
    assert hits, kw
    for r in hits:
        r.update(kw)


def contrary_run() -> list[Row]:
    """The full run with every claim's figures changed so its verdict flips."""
    rows = copy.deepcopy(full_run())
    pt = lambda s: (lambda r: r["point"].endswith(s))  # noqa: E731
    set_where(rows, pt("-async-k1-c10"), p50_ms=1500.0)                                           # 1
    for r in rows:                                                                                 # 2: superlinear
        if r["scenario"] == "" and r["server"] == "async" and r["antipattern"] == "none":
            r["throughput_rps"] = round(0.5 * r["concurrency"] ** 1.3, 4)
    set_where(rows, pt("-sync-fixed-n10-c11"), status="crash", server_exit_code=-11)               # 3
    set_where(rows, pt("-async-k1-c16000"), errors_timeout=12, errors_total=12)                    # 4
    set_where(rows, pt("-recovery-c50"), efficiency=0.3)                                           # 5
    set_where(rows, pt("-cpu-async-offload-work"), cpu_threads_per_request=1.9)                    # 6
    set_where(rows, lambda r: r["request_class"] == "health" and r["cpu_way"] in ("jobs", "offload"),  # 7
              p99_ms=500.0)
    set_where(rows, lambda r: r["scenario"] == "burst" and not r["recovered"], recovered=1, recovery_s=8.0)   # 9
    set_where(rows, lambda r: r["label"].endswith("drop-abandoned"), goodput_during_rps=45.0)               # 10
    return [r for r in rows if not (r["pair"] or r["label"] == "sync elastic min=2")]              # 8: all reach


def unmeasured_run() -> list[Row]:
    """None of the claims' points: the regression gate's quick grid (L = 100 ms) without a scenario column."""
    _seq[0] = 0
    return [row("sync-fixed-n10-c100", "sync fixed N=10", "sync", 10, 100, 100),
            row("async-k1-c100", "async K=1", "async", 1, 100, 100)]


def write(rows: list[Row], path: Path, columns: list[str]) -> None:
    """A summary.csv with ``columns`` (None as an empty cell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if r.get(k) is None else r[k] for k in columns})


def main() -> None:
    write(full_run(), FIXTURES / "run_claims" / "summary.csv", COLUMNS)
    write(contrary_run(), FIXTURES / "summary_claims_contrary.csv", COLUMNS)
    write(unmeasured_run(), FIXTURES / "summary_claims_unmeasured.csv",
          [c for c in SUMMARY_COLUMNS if c not in NEW_COLUMNS])


if __name__ == "__main__":
    main()
