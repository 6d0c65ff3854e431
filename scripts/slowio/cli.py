"""What the command lines share: repository paths, an argparse parser with one-line errors, m:ss times."""

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


def hms(seconds: float) -> str:
    """Seconds as m:ss."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"
