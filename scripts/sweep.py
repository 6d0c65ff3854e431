#!/usr/bin/env python3
"""Run a grid of server configurations x concurrency levels and record one summary row per point.

    sweep.py [--grid bench/grid_default.json] [--only LABEL] [--concurrency 1,10] [--dry-run] [--report] ...

Each point starts the server on port 0, runs loadgen with ``--scrape`` and SIGTERMs the server
(slowio.point); a failed point is recorded with its ``status`` and ``detail``, never dropped, and the sweep goes
on. With two or more usable cores the server is pinned to core 0 and loadgen to core 1 (``taskset``).
Outputs, under ``results/<run-id>/`` (slowio.run): summary.csv (slowio.summary), loadgen/<point>.json,
timeseries/<point>.csv, logs/, machine.json, grid.json; and ``results/latest/`` is refreshed as a copy of the
run. The Little's-law bound behind ``bound_rps`` and ``efficiency``: slowio.bound.

Exit 0 when the sweep ran (failed points are data), 1 when --report's plot.py failed, 2 on bad input or missing
binaries. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError  # noqa: E402  (the package next to this script)
from slowio.cli import DEFAULT_GRID, REPO_ROOT, OneLineParser, add_binary_flags, hms  # noqa: E402
from slowio import postgres  # noqa: E402
from slowio.grid import effective_db_pool, expand_points, load_grid  # noqa: E402
from slowio.point import Binaries, Pinning, pinning_plan, server_command, skip_unavailable  # noqa: E402
from slowio.run import estimate_seconds, refresh_latest, run_grid  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line: grid file + overrides."""
    ap = OneLineParser(
        description="Sweep server configurations x concurrency with loadgen; writes results/<run-id>/.",
        epilog="Grid files: bench/grid_default.json (the README's main command, L=2 s), bench/grid_quick.json "
               "(L=100 ms, the regression gate's).")
    ap.add_argument("--grid", type=Path, default=DEFAULT_GRID, help="JSON grid file (default: %(default)s)")
    add_binary_flags(ap, "build tree with server_sync/, server_async/, bench/loadgen/ (default: build/release)")
    ap.add_argument("--run-id", help="run directory name (default: UTC timestamp + grid name)")
    ap.add_argument("--latest", default="latest",
                    help="name of the refreshed copy under --results-dir ('' to skip; default: latest)")
    ap.add_argument("--only", help="run only the series with this label or id (else: whose label/id contains it)")
    ap.add_argument("--concurrency", help="override every series' concurrency list, e.g. 1,10,100")
    ap.add_argument("--latency-ms", type=int, help="override L (store latency) for every series")
    ap.add_argument("--warmup", type=float, dest="warmup_s", help="override warm-up seconds")
    ap.add_argument("--window", type=float, dest="window_s", help="override steady-window seconds")
    ap.add_argument("--timeout", type=float, dest="timeout_s", help="override loadgen --timeout seconds")
    ap.add_argument("--pg", metavar="URL",
                    help="PostgreSQL for the \"store\": \"postgres\" series (default: a private cluster started "
                         "for the run and removed after it, scripts/slowio/postgres.py)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server/loadgen to cores")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and its ETA, run nothing")
    ap.add_argument("--report", action="store_true",
                    help="after the sweep, run plot.py (plots + report.md, under /usr/bin/python3) on the run")
    return ap.parse_args(argv)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The series fields the flags override (None: not given)."""
    out: dict[str, Any] = {"latency_ms": args.latency_ms, "warmup_s": args.warmup_s, "window_s": args.window_s,
                           "timeout_s": args.timeout_s}
    if args.concurrency:
        try:
            out["concurrency"] = [int(x) for x in args.concurrency.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"--concurrency: expected comma-separated integers, got {args.concurrency!r}")
    return out


def _skip_postgres(points: list, skipped: list[dict[str, str]], pg_url: str | None) -> tuple[list, list]:
    """Without --pg and without PostgreSQL installed, the postgres series are skipped by name (never run against
    nothing, never passed)."""
    if pg_url or postgres.available():
        return points, skipped
    labels = sorted({p.series.label for p in points if p.series.store == "postgres"})
    skipped = skipped + [{"label": label, "reason": "PostgreSQL not found (install postgresql, or pass --pg)"}
                         for label in labels]
    return [p for p in points if p.series.store != "postgres"], skipped


def _postgres_for(points: list, pg_url: str | None, stack: contextlib.ExitStack, err, pin: Pinning) -> tuple[str | None, postgres.PrivatePostgres | None]:
    """The URL the postgres series use and the private cluster behind it, if any: --pg (no cluster), or a private
    cluster for the whole run (stopped and removed when ``stack`` closes), sized for the largest pool plus the
    sweep's own sessions, and pinned to the loadgen's core when the run pins (spread over every core only while a
    point's pool opens: point.spread_database): its backends never take the server's core under load (at P = C = 1,000, L = 2 s, unpinned, the
    event loop's lag p99 was 50-100 ms, pinned under 5 ms: results/pg-p1000-20261206)."""
    pools = [effective_db_pool(p.series) for p in points if p.series.store == "postgres"]
    if not pools or pg_url:
        return pg_url, None
    cores = pin.loadgen_cores() or None
    pg = stack.enter_context(postgres.PrivatePostgres(max_connections=max(pools) + 20, cores=cores))
    where = f"on core {cores[0]} with loadgen" if cores else "unpinned"
    err(f"sweep: private PostgreSQL on 127.0.0.1:{pg.port} (max_connections {pg.max_connections}, fsync off: "
        f"a benchmark database; {where}), removed after the run")
    return pg.url, pg


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 0 when the sweep ran (failed points are data), 2 on bad input or missing binaries."""
    args = parse_args(argv)
    err = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    try:
        grid = load_grid(args.grid, _overrides(args))
        points = expand_points(grid, args.only)
        if not points:
            raise InputError(f"no point matches --only {args.only!r}")
        binaries = Binaries.from_build_dir(args.build_dir, server_sync=args.server_sync,
                                           server_async=args.server_async, loadgen=args.loadgen)
    except InputError as e:
        err(f"sweep.py: {e}")
        return 2
    points, skipped = skip_unavailable(points, binaries)
    points, skipped = _skip_postgres(points, skipped, args.pg)
    for sk in skipped:
        err(f"sweep: skipped '{sk['label']}': {sk['reason']}")
    if not points:
        err("sweep.py: every point was skipped")
        return 2
    pin = pinning_plan(args.no_pin)
    err(f"sweep: grid '{grid.name}', {len(points)} points, estimated "
        f"{hms(sum(estimate_seconds(p) for p in points))} (m:ss)")
    err(f"sweep: {pin.message}")
    if args.dry_run:
        for p in points:
            err(f"  {p.id:40s} ~{estimate_seconds(p):5.1f} s  server: {' '.join(server_command(p, binaries)[1:])}")
        return 0
    missing = binaries.missing(points)
    if missing:
        err(f"sweep.py: missing binaries: {', '.join(missing)} (build release first, or pass --build-dir)")
        return 2
    run_id = args.run_id or (_dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + grid.name)
    if "/" in run_id or run_id in (".", "..", args.latest):
        err(f"sweep.py: bad --run-id {run_id!r}")
        return 2
    run_dir = args.results_dir / run_id
    with contextlib.ExitStack() as stack:
        binaries.pg_url, binaries.pg_cluster = _postgres_for(points, args.pg, stack, err, pin)
        rows, machine = run_grid(grid, points, run_dir, run_id, binaries, pin, args.build_dir, log=err,
                                 skipped=skipped)
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    err(f"sweep: done in {hms(machine['sweep_wall_s'])}: "
        + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items())) + f"; results in {run_dir}/summary.csv")
    rc = 0
    if args.report:
        py = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
        r = subprocess.run([py, str(REPO_ROOT / "scripts" / "plot.py"), str(run_dir)])  # plots + report.md
        if r.returncode != 0:
            err(f"sweep: plot.py failed (exit {r.returncode})")
            rc = 1
    if args.latest:
        refresh_latest(run_dir, args.results_dir / args.latest)
        err(f"sweep: refreshed {args.results_dir / args.latest}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
