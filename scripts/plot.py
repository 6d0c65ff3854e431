#!/usr/bin/python3
"""Plots of a sweep run (matplotlib; run under Debian's /usr/bin/python3) and, by default, its report.md.

    /usr/bin/python3 scripts/plot.py [RUN_DIR] [--summary-md FILE]   # default RUN_DIR: results/latest

Writes throughput, latency, starvation, timeline/<point> and rss plots (and dotnet_vs_model when the run has
pairs) into RUN_DIR, each as PNG and SVG (slowio.plots), then report.md (slowio.report; ``--no-report`` to skip)
and index.html, the one page to open: the claims table, the key numbers and every plot inlined, self-contained
(slowio.page; ``--no-page`` to skip). ``--summary-md FILE`` appends a short markdown summary (claims with
verdicts, key numbers) for a CI job's summary page, e.g. "$GITHUB_STEP_SUMMARY" (slowio.job_summary; '-':
stdout). Exit 2 when RUN_DIR has no readable summary.csv or matplotlib is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError, job_summary, page  # noqa: E402  (the package next to this script)
from slowio.cli import DEFAULT_RESULTS, OneLineParser  # noqa: E402
from slowio.plots import make_plots, plt  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 on success, 2 on a missing/unreadable run or missing matplotlib."""
    ap = OneLineParser(description="Plot a sweep run (and write its report.md).")
    ap.add_argument("run_dir", nargs="?", type=Path, default=DEFAULT_RESULTS / "latest",
                    help="results/<run-id> (default: results/latest)")
    ap.add_argument("--formats", default="png,svg", help="comma-separated (default: png,svg)")
    ap.add_argument("--no-report", action="store_true", help="do not run report.py afterwards")
    ap.add_argument("--no-page", action="store_true", help="do not write index.html")
    ap.add_argument("--summary-md", metavar="FILE",
                    help="also append a markdown summary for a CI job page to FILE ('-': stdout)")
    args = ap.parse_args(argv)
    if plt is None:
        print("plot.py: matplotlib is not importable; run under /usr/bin/python3 (python3-matplotlib)",
              file=sys.stderr)
        return 2
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    try:
        files = make_plots(args.run_dir, formats)
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    print(f"plot.py: wrote {len(files)} files in {args.run_dir}", file=sys.stderr)
    if not args.no_report:
        import report  # the report.py command line next to this one

        rc = report.main([str(args.run_dir)])
        if rc:
            return rc
    if not args.no_page:
        print(f"plot.py: wrote {page.write(args.run_dir)}", file=sys.stderr)
    if args.summary_md:
        job_summary.write(args.run_dir, args.summary_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
