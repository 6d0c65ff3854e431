#!/usr/bin/env python3
"""The soak benchmark (not a ctest): each server under mixed traffic for a bounded time, then checks that
nothing was lost or leaked (slowio.soak has the traffic and the checks).

    python3 scripts/soak.py [--server sync|async|both] [--duration 600] [--build-dir build/release]

Prints one PASS/FAIL line per check and per server; exit 0 when every check passed, 1 otherwise, 2 on a bad
command line. Outputs (loadgen JSON, server logs, soak.json with the samples) in results/soak-<UTC>/.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio.cli import DEFAULT_BUILD_DIR, DEFAULT_RESULTS, OneLineParser  # noqa: E402
from slowio.soak import SoakConfig, run_soak, summary_lines  # noqa: E402

SERVERS = {
    "sync": ["server_sync/server_sync", "--threads", "64"],
    "async": ["server_async/server_async", "--threads", "1"],
}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = OneLineParser(description="Soak each server under mixed traffic and check that nothing was lost.")
    ap.add_argument("--server", choices=("sync", "async", "both"), default="both")
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of mixed traffic per server (600)")
    ap.add_argument("--latency-ms", type=int, default=20, help="store latency of the slow calls (20)")
    ap.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    ap.add_argument("--out", type=Path, help="output directory (default results/soak-<UTC>)")
    args = ap.parse_args(argv)
    if args.duration < 10:
        ap.error("--duration must be at least 10 s")
    out = args.out or DEFAULT_RESULTS / time.strftime("soak-%Y%m%dT%H%M%SZ", time.gmtime())
    loadgen = args.build_dir / "bench" / "loadgen" / "loadgen"
    failed = False
    report = {}
    for name in (("sync", "async") if args.server == "both" else (args.server,)):
        exe, *flags = SERVERS[name]
        binary = args.build_dir / exe
        if not binary.is_file() or not loadgen.is_file():
            print(f"soak.py: {binary if not binary.is_file() else loadgen} not found (build the release preset)",
                  file=sys.stderr)
            return 2
        cfg = SoakConfig(server_cmd=[str(binary), "--port", "0", *flags, "--store-latency-ms", str(args.latency_ms),
                                     "--users", "1000", "--log-level", "warn"],
                         loadgen=loadgen, out_dir=out / name, duration_s=args.duration)
        print(f"== {name}: {args.duration:.0f} s of mixed traffic", flush=True)
        res = run_soak(cfg)
        for line in summary_lines(res):
            print(line, flush=True)
        failed |= not res.passed
        report[name] = {"passed": res.passed, "checks": {k: {"passed": ok, "detail": d} for k, (ok, d) in
                                                         res.checks.items()},
                        **{k: v for k, v in asdict(res).items() if k != "checks"}}
    (out / "soak.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"soak.py: {'all checks passed' if not failed else 'FAILED'}; details in {out}/soak.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
