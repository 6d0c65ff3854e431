#!/usr/bin/env python3
"""Compare Google Benchmark JSON results (``--benchmark_format=json``) against a saved baseline. Report only.

    python3 scripts/compare_micro.py BASELINE.json CURRENT.json [--metric real_time|cpu_time]
                                     [--threshold 0.05] [--alpha 0.05] [--json-out FILE]

For every benchmark present in both files it prints baseline and current time (ns), the relative change and a
verdict. With repetitions (>= 2 per side; ``--benchmark_repetitions``) it also runs a two-sided Mann-Whitney U
test on the per-repetition times - Google Benchmark's own tools/compare.py method - and calls a change only when
it is both larger than ``--threshold`` and significant at ``--alpha``; without repetitions the verdict is
"(no repetitions)" beyond the threshold, since one sample cannot tell noise from change.

Wall time on a shared 2-core CI box is noisy, so this never fails a build: exit 0 whatever the numbers, 2 only
when an input is missing or not Google Benchmark JSON. Standard library only.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from slowio import InputError, read_json
from slowio.cli import OneLineParser, text_table
from slowio.stats import mann_whitney_u as mann_whitney_test

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(path: Path, metric: str) -> dict[str, list[float]]:
    """{benchmark name: [time in ns per repetition]} from a Google Benchmark JSON file.

    Iteration entries are used (one per repetition); when a file holds aggregates only (``_mean``, ``_median``
    ...), the median (else mean) aggregate stands in as a single sample.
    """
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"{path}: not Google Benchmark JSON (no 'benchmarks' list)")
    samples: dict[str, list[float]] = {}
    aggregates: dict[str, dict[str, float]] = {}
    for b in data["benchmarks"]:
        if not isinstance(b, dict) or metric not in b:
            continue
        if b.get("error_occurred"):
            continue
        scale = UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
        value = float(b[metric]) * scale
        name = b.get("run_name") or b.get("name")
        if b.get("run_type") == "aggregate":
            aggregates.setdefault(name, {})[b.get("aggregate_name", "")] = value
        else:
            samples.setdefault(name, []).append(value)
    for name, agg in aggregates.items():
        if name not in samples:
            pick = agg.get("median", agg.get("mean"))
            if pick is not None:
                samples[name] = [pick]
    return samples


def mann_whitney_u(a: list[float], b: list[float]) -> float | None:
    """Two-sided p-value of the Mann-Whitney U test (slowio.stats: normal approximation with tie and continuity
    corrections, the gate's own test). None when either side has fewer than 2 samples."""
    if len(a) < 2 or len(b) < 2:
        return None
    return mann_whitney_test(a, b).p_value


def compare(base: dict[str, list[float]], cur: dict[str, list[float]], threshold: float, alpha: float
            ) -> list[dict[str, Any]]:
    """One result per benchmark name in either file."""
    out = []
    for name in list(base) + [n for n in cur if n not in base]:
        if name not in cur or name not in base:
            out.append({"name": name, "baseline_ns": _med(base.get(name)), "current_ns": _med(cur.get(name)),
                        "change": None, "p_value": None,
                        "verdict": "only in baseline" if name in base else "new"})
            continue
        b, c = statistics.median(base[name]), statistics.median(cur[name])
        change = (c - b) / b if b > 0 else None
        p = mann_whitney_u(base[name], cur[name])
        if change is None:
            verdict = "?"
        elif abs(change) < threshold:
            verdict = "same"
        elif p is None:
            verdict = ("slower" if change > 0 else "faster") + " (no repetitions)"
        elif p < alpha:
            verdict = "SLOWER" if change > 0 else "FASTER"
        else:
            verdict = "same (not significant)"
        out.append({"name": name, "baseline_ns": b, "current_ns": c, "change": change, "p_value": p,
                    "n_baseline": len(base[name]), "n_current": len(cur[name]), "verdict": verdict})
    return out


def _med(v: list[float] | None) -> float | None:
    return statistics.median(v) if v else None


def _ns(v: float | None) -> str:
    if v is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if v >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:.3g} ns"


def format_table(results: list[dict[str, Any]]) -> str:
    """Fixed-width table of the comparison."""
    head = ("benchmark", "baseline", "current", "change", "p-value", "verdict")
    data = [head]
    for r in results:
        data.append((r["name"], _ns(r["baseline_ns"]), _ns(r["current_ns"]),
                     "-" if r["change"] is None else f"{100 * r['change']:+.1f}%",
                     "-" if r["p_value"] is None else f"{r['p_value']:.3f}", r["verdict"]))
    return text_table(data)


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 always after a comparison (report only), 2 on unreadable input."""
    ap = OneLineParser(description="Compare Google Benchmark JSON against a baseline (report only).")
    ap.add_argument("baseline", type=Path, help="baseline JSON (--benchmark_format=json output)")
    ap.add_argument("current", type=Path, help="current JSON")
    ap.add_argument("--metric", choices=("real_time", "cpu_time"), default="real_time")
    ap.add_argument("--threshold", type=float, default=0.05, help="relative change to report (default 0.05)")
    ap.add_argument("--alpha", type=float, default=0.05, help="U-test significance level (default 0.05)")
    ap.add_argument("--json-out", type=Path, help="also write the comparison as JSON")
    args = ap.parse_args(argv)
    try:
        base = load(args.baseline, args.metric)
        cur = load(args.current, args.metric)
    except InputError as e:
        print(f"compare_micro.py: {e}", file=sys.stderr)
        return 2
    results = compare(base, cur, args.threshold, args.alpha)
    print(format_table(results))
    changed = [r for r in results if r["verdict"] in ("SLOWER", "FASTER")]
    print(f"\n{len(results)} benchmarks, {len(changed)} significant change(s) beyond "
          f"{100 * args.threshold:.0f}% ({args.metric}); report only, never a failure")
    if args.json_out:
        args.json_out.write_text(json.dumps({"metric": args.metric, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
