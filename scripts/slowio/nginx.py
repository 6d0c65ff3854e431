"""The nginx cross-check's rows (crosscheck_nginx.py's output, crosscheck_nginx.csv): medians per depth."""

from __future__ import annotations

import statistics


def medians(rows: list[dict]) -> dict[int, dict[str, dict[str, float]]]:
    """{depth: {server: {"rps", "cpu_us_per_request", "rounds"}}}: medians over the rounds. Rows may come from
    the CSV (strings) or from crosscheck_nginx.main() (numbers)."""
    out: dict[int, dict[str, dict[str, float]]] = {}
    for depth in sorted({int(r["pipeline"]) for r in rows}):
        out[depth] = {}
        for server in ("nginx", "server_async"):
            mine = [r for r in rows if int(r["pipeline"]) == depth and r["server"] == server]
            if mine:
                out[depth][server] = {
                    "rps": statistics.median(float(r["rps"]) for r in mine),
                    "cpu_us_per_request": statistics.median(float(r["cpu_us_per_request"]) for r in mine),
                    "rounds": len(mine)}
    return out
