#!/usr/bin/env python3
"""Write RUN_DIR/report.md from a sweep's summary.csv, machine.json and time series - no hand-written numbers.

    python3 scripts/report.py [RUN_DIR] [--summary-md FILE]    # default RUN_DIR: results/latest

The findings and tables: slowio.report. ``--summary-md FILE`` also appends a short markdown summary (the claims
with their verdicts, the key numbers) to FILE, e.g. "$GITHUB_STEP_SUMMARY" (slowio.job_summary; '-': stdout).
Standard library only. Exit 2 when RUN_DIR has no readable summary.csv.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError, job_summary  # noqa: E402  (the package next to this script)
from slowio.cli import DEFAULT_RESULTS, OneLineParser  # noqa: E402
from slowio.report import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Entry point: writes RUN_DIR/report.md; exit 2 when the run is unreadable."""
    ap = OneLineParser(description="Write report.md for a sweep run.")
    ap.add_argument("run_dir", nargs="?", type=Path, default=DEFAULT_RESULTS / "latest",
                    help="results/<run-id> (default: results/latest)")
    ap.add_argument("--summary-md", metavar="FILE",
                    help="also append a markdown summary for a CI job page to FILE ('-': stdout)")
    args = ap.parse_args(argv)
    try:
        text = generate(args.run_dir)
    except InputError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 2
    (args.run_dir / "report.md").write_text(text)
    print(f"report.py: wrote {args.run_dir / 'report.md'}", file=sys.stderr)
    if args.summary_md:
        job_summary.write(args.run_dir, args.summary_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
