#!/usr/bin/env python3
"""Merge the loadgen outputs of several load hosts of one run into one result (loadgen's JSON shape).

    merge_results.py --run host1.json host1.hlog --run host2.json host2.hlog [...] -o merged.json
                     [--hlog-out merged.hlog]

Each host runs loadgen with --json, --hlog and one shared --start-at EPOCH (bench/multihost/loadgen.yml starts
them with Ansible; a CI matrix or a job scheduler will do); this script adds the counts, merges the histograms over
the common window and checks Little's law over the merged figures (slowio.merge says exactly how). --hlog-out
also writes the summed interval log.
A host that started more than one interval late against --start-at is refused, named (slowio.merge).
Prints one line with the merged figures; exit 0, or 2 (one line on stderr) for a bad or inconsistent input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slowio import InputError  # noqa: E402  (the package next to this script)
from slowio import hlog  # noqa: E402
from slowio.cli import OneLineParser  # noqa: E402
from slowio.merge import load, merge, merged_intervals, one_line  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = OneLineParser(description="Merge several load hosts' loadgen JSON + hlog files into one result.")
    ap.add_argument("--run", nargs=2, action="append", metavar=("JSON", "HLOG"), required=True,
                    help="one host's loadgen --json and --hlog files (repeat per host, at least two)")
    ap.add_argument("-o", "--out", type=Path, required=True, help="merged JSON")
    ap.add_argument("--hlog-out", type=Path, help="also write the summed interval log (needs one --start-at)")
    args = ap.parse_args(argv)
    try:
        runs = [load(Path(j), Path(h)) for j, h in args.run]
        merged = merge(runs)
        if args.hlog_out:
            base, intervals = merged_intervals(runs)
            hlog.write(args.hlog_out, base, intervals, f"merge_results.py: {len(runs)} load hosts")
    except InputError as e:
        print(f"merge_results.py: {e}", file=sys.stderr)
        return 2
    try:
        args.out.write_text(json.dumps(merged, indent=2) + "\n")
    except OSError as e:
        print(f"merge_results.py: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 2
    print(one_line(merged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
