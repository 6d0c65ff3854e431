"""What the command lines share: repository paths, an argparse parser with one-line errors, the flags that name
the binaries and the results, plain-text tables, m:ss times."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_GRID = REPO_ROOT / "bench" / "grid_default.json"
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "release"
DEFAULT_RESULTS = REPO_ROOT / "results"


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        print(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def add_binary_flags(ap: argparse.ArgumentParser, build_dir_help: str = "default: build/release") -> None:
    """--build-dir, --server-sync, --server-async, --loadgen and --results-dir, as every runner takes them."""
    ap.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR, help=build_dir_help)
    ap.add_argument("--server-sync", help="path of server_sync (overrides --build-dir)")
    ap.add_argument("--server-async", help="path of server_async (overrides --build-dir)")
    ap.add_argument("--loadgen", help="path of loadgen (overrides --build-dir)")
    ap.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS, help="default: results/")


def text_table(rows: list[tuple[str, ...]]) -> str:
    """Rows (the first is the header) as left-aligned columns, a dashed rule under the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def hms(seconds: float) -> str:
    """Seconds as m:ss."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"
