"""The grid runner the sweep and the regression gate share: run every point of a grid into a run directory.

A run directory ``results/<run-id>/`` gets machine.json, grid.json (the expanded grid as run), summary.csv
(rewritten after every point, so a killed run keeps what it measured) and each point's loadgen/, timeseries/
and logs/ files.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from .bound import bound_model
from .cli import hms
from .grid import Grid, Point, effective_db_pool
from .machine import machine_info
from .point import Binaries, Pinning, run_point
from .summary import build_rows, write_summary


def estimate_seconds(p: Point) -> float:
    """Expected wall time of a point: start + run + drain of in-flight requests + shutdown."""
    s = p.series
    lat = s.latency_ms / 1000.0
    model = bound_model(s)
    est = 0.8 + p.duration_s + lat
    if s.store == "postgres":  # the server's pool opens before the load (point.wait_for_db_pool): 23 s for 1,000
        est += 0.023 * effective_db_pool(s)
    overloaded = ((model in ("sync", "blocking") and p.concurrency > s.threads)
                  or (model == "elastic" and p.concurrency > (s.min_threads or 1)))
    if model == "deadlock":
        est += s.timeout_s  # in-flight requests die with the server; connect errors until the end
    elif overloaded:
        # requests queued at the end wait ~C/cap * L, up to the client timeout; then the server drains
        wait = min(s.timeout_s, math.ceil(p.concurrency / max(s.threads, 1)) * lat)
        est += wait + min(lat + 1.0, 3.0)
    return est


def _outcome(row: dict[str, Any]) -> str:
    """The progress line after a point: status, throughput against the bound, latency, errors, detail."""
    tput = row["throughput_rps"]
    cls = f" [{row['request_class']}]" if row.get("request_class") else ""
    msg = f"    ->{cls} {row['status']}: {tput:.2f} req/s" if tput is not None else f"    ->{cls} {row['status']}"
    if row["efficiency"] is not None:
        msg += f", bound {row['bound_rps']:.2f}, efficiency {row['efficiency']:.3f}"
    if row["p99_ms"] is not None:
        msg += f", p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms"
    if row["errors_total"]:
        msg += f", errors {row['errors_total']}"
    if row["detail"]:
        msg += f" [{row['detail']}]"
    return msg + f" ({row['wall_s']:.1f} s)"


def run_points(points: list[Point], run_dir: Path, binaries: Binaries, pin: Pinning, run_id: str,
               log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Runs every point with a progress line and an ETA, rewriting summary.csv after each; returns the rows."""
    rows: list[dict[str, Any]] = []
    estimates = [estimate_seconds(p) for p in points]
    start = time.monotonic()
    spent_est = 0.0
    for i, p in enumerate(points):
        elapsed = time.monotonic() - start
        # the ETA scales the remaining estimates by how far off the finished ones were (within 0.5x .. 3x)
        scale = elapsed / spent_est if spent_est > 0 else 1.0
        eta = sum(estimates[i:]) * min(max(scale, 0.5), 3.0)
        log(f"[{i + 1}/{len(points)}] {p.series.label} C={p.concurrency} L={p.series.latency_ms}ms "
            f"(elapsed {hms(elapsed)}, ETA {hms(eta)})")
        new = build_rows(p, run_id, run_point(p, run_dir, binaries, pin))
        rows.extend(new)
        write_summary(rows, run_dir / "summary.csv")
        spent_est += estimates[i]
        for row in new:
            log(_outcome(row))
    return rows


def run_grid(grid: Grid, points: list[Point], run_dir: Path, run_id: str, binaries: Binaries, pin: Pinning,
             build_dir: Path, log: Callable[[str], None] = print, skipped: list[dict[str, str]] | None = None
             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Runs ``points`` of ``grid`` into run_dir with machine.json and grid.json; returns (rows, machine info).
    ``skipped`` (series left out because their program is missing) is recorded in machine.json's
    ``skipped_series`` for the report."""
    for p in points:
        pin.server_prefix(p.series.server_cores)  # InputError now, not mid-run, when the machine has too few cores
    run_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_info(build_dir, pin.message)
    machine["skipped_series"] = list(skipped or [])
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    (run_dir / "grid.json").write_text(grid.as_json())
    if machine["build_type"] not in ("Release", "unknown"):
        log(f"sweep: WARNING build type is {machine['build_type']}, not Release")
    t0 = time.monotonic()
    rows = run_points(points, run_dir, binaries, pin, run_id, log=log)
    machine["sweep_wall_s"] = round(time.monotonic() - t0, 1)
    (run_dir / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    return rows, machine


def refresh_latest(run_dir: Path, latest: Path) -> None:
    """Replaces results/latest with a copy of run_dir (a copy, not a symlink, so CI artifacts keep it)."""
    tmp = latest.with_name(latest.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(run_dir, tmp, symlinks=False)
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    tmp.rename(latest)
