#!/usr/bin/env python3
"""Writes the baseline-comparison fixtures for test_check_regression.py. Committed output; rerun only to change it.

Each directory under fixtures/baseline/ is a gate run directory as check_regression.py writes it: summary.csv
(three rows of summary_pass.csv: sync N=10 and async K=1 at C = 10, and the deadlock demo, which is never
compared) and timeseries/<point>.csv in loadgen's format at its default 250 ms interval (2 warm-up rows, the
steady rows, 1 drain row). Throughput per interval alternates 80 / 120 req/s (a closed loop of C = 10 at
L = 100 ms completes 2 or 3 waves per 250 ms) with 2% noise; p99 is 100.4 ms plus an exponential tail
(mean 0.5 ms). Seeds differ per directory, so A/A is two samples of one distribution, not one sample twice.

  base/         the baseline: 8 s steady (8 one-second blocks per point)
  aa/           another draw of the same distribution: PASS
  tput_drop/    throughput x 0.7 (-30%) at both points: the baseline check FAILs (so does the efficiency)
  p99_double/   p99 x 2 at both points, throughput unchanged: only the baseline check FAILs
  few_base/     2 s steady (2 blocks), throughput x 1.4 and p99 x 0.5 (a baseline far from this run)
  few_cur/      2 s steady, the normal distribution: effect far above the thresholds, 2 vs 2 samples:
                INCONCLUSIVE (2 vs 2 never gives a two-sided p below 0.19)
  rep/          aa/ plus rep-2/ (a second repetition, another draw): pooled, 16 samples per point
"""
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
OUT = FIXTURES / "baseline"
POINTS = ("02-sync-fixed-n10-c10", "05-async-k1-c10")
DEADLOCK = "08-async-sync-over-async-k1-c4"
HEADER = ("t_s,phase,rps,p50_us,p99_us,errors,server_threadpool_threads,server_threadpool_busy_threads,"
          "server_threadpool_queue_length,server_http_requests_in_flight,server_http_connections_open,"
          "server_eventloop_lag_max_ms,server_rss_kb")
STEP = 0.25


def timeseries(rng: random.Random, steady_s: float, tput: float, p99: float) -> tuple[str, float, float]:
    """(CSV text, mean steady rps, median steady p99 ms) of one point."""
    rows, rps_all, p99_all = [HEADER], [], []
    n_steady = int(round(steady_s / STEP))
    for i in range(2 + n_steady + 1):
        t = (i + 1) * STEP
        phase = "warmup" if i < 2 else "steady" if i < 2 + n_steady else "drain"
        wave = 80.0 if i % 2 == 0 else 120.0
        rps = round(wave * tput * (1 + rng.gauss(0, 0.02)), 1)
        p99_us = round((100400.0 + rng.expovariate(1 / 500.0)) * p99, 1)
        p50_us = round(100400.0 * p99, 1)
        if phase == "steady":
            rps_all.append(rps)
            p99_all.append(p99_us / 1000)
        rows.append(f"{t:.3f},{phase},{rps},{p50_us},{p99_us},0,10,10,0,10,10,,8000")
    p99_all.sort()
    return "\n".join(rows) + "\n", sum(rps_all) / len(rps_all), p99_all[len(p99_all) // 2]


def write_run(run_dir: Path, seed: int, steady_s: float = 8.0, tput: float = 1.0, p99: float = 1.0) -> None:
    """One run directory: summary.csv (rows consistent with the time series) and timeseries/."""
    rng = random.Random(seed)
    with open(FIXTURES / "summary_pass.csv", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = {r["point"]: r for r in reader}
    (run_dir / "timeseries").mkdir(parents=True, exist_ok=True)
    out = []
    for point in POINTS:
        text, mean_rps, p99_ms = timeseries(rng, steady_s, tput, p99)
        (run_dir / "timeseries" / f"{point}.csv").write_text(text)
        r = dict(rows[point])
        r.update(run_id=run_dir.name, window_s=f"{steady_s:g}", throughput_rps=f"{mean_rps:.6g}",
                 efficiency=f"{mean_rps / float(r['bound_rps']):.4f}", p99_ms=f"{p99_ms:.6g}",
                 completed=str(int(mean_rps * steady_s)), ok=str(int(mean_rps * steady_s)))
        out.append(r)
    out.append(dict(rows[DEADLOCK], run_id=run_dir.name))
    with open(run_dir / "summary.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(out)


def main() -> int:
    write_run(OUT / "base", seed=1)
    write_run(OUT / "aa", seed=2)
    write_run(OUT / "tput_drop", seed=3, tput=0.7)
    write_run(OUT / "p99_double", seed=4, p99=2.0)
    write_run(OUT / "few_base", seed=5, steady_s=2.0, tput=1.4, p99=0.5)
    write_run(OUT / "few_cur", seed=6, steady_s=2.0)
    write_run(OUT / "rep", seed=7)
    write_run(OUT / "rep" / "rep-2", seed=8)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
