"""Several load hosts, one result: N loadgen JSON + --hlog pairs of one run merged into loadgen's JSON shape.

What adds up and how:
  * the steady windows are lined up on the wall clock (each JSON's ``start_epoch_s`` + warm-up .. + duration;
    start the loadgens with one ``--start-at``); the merged window is their intersection, the *common window*;
  * ``requests`` counts add (every number, ``total`` included): each host's own window, as loadgen counts them;
  * latency: the hosts' interval histograms that lie wholly inside the common window are added bucket by bucket
    (exact: every loadgen has the same buckets), ``latency_us`` from the corrected tag and
    ``latency_uncorrected_us`` from the uncorrected one, percentiles by loadgen's own rule (slowio.hlog). An
    interval holds what *completed* in it, so these are the responses completing in the common window (loadgen's
    own JSON selects by intended send time: the two differ only by the requests straddling the window's edges);
  * throughput is the sum over hosts of each host's completions in the common window (its interval counts there
    / the time they cover), times its share of 2xx-3xx in its own window;
  * Little's law over the merged figures: the summed all-status throughput times the merged mean uncorrected
    latency, against the sum of the hosts' measured mean requests in flight;
  * per connection: min of the minima, max of the maxima, median of the medians;
  * a host that started more than one interval (--scrape-interval) after its --start-at is refused, by its JSON
    path and hostname: its first interval would not be the others' first. How late it started is its
    ``start_late_s`` when its loadgen writes one, otherwise ``start_epoch_s - config.start_at`` (loadgen puts
    t = 0 at --start-at, or at the moment it made its timeline if that was later; it refuses a --start-at
    already past when it parses its flags). A host run without --start-at is not judged here.
bench/multihost/loadgen.yml launches the loadgens with Ansible; any other launcher (a CI matrix, a job
scheduler) will do.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import InputError, read_json
from . import hlog as hl

ALIGN_TOLERANCE_S = 0.002  # starts closer than this count as one shared --start-at


@dataclass
class HostRun:
    """One load host's outputs."""

    json_path: Path
    hlog_path: Path
    report: dict[str, Any]
    log: hl.HlogFile

    @property
    def start_s(self) -> float:
        """t = 0 of this host's run, seconds since the epoch."""
        return float(self.report["start_epoch_s"])

    @property
    def window(self) -> tuple[float, float]:
        """The steady window on the wall clock."""
        c = self.report["config"]
        return self.start_s + float(c["warmup_s"]), self.start_s + float(c["duration_s"])

    @property
    def name(self) -> str:
        """The host as a person reads it: its JSON file and the hostname loadgen recorded."""
        host = self.report.get("machine", {}).get("hostname", "")
        return f"{self.json_path} (hostname {host})" if host else str(self.json_path)

    @property
    def start_late_s(self) -> float | None:
        """How late t = 0 came against --start-at (None without --start-at)."""
        if isinstance(self.report.get("start_late_s"), (int, float)):
            return float(self.report["start_late_s"])
        start_at = float(self.report["config"].get("start_at") or 0)
        return self.start_s - start_at if start_at > 0 else None

    @property
    def interval_s(self) -> float:
        """The --scrape-interval, which is the hlog's interval length."""
        return float(self.report["config"]["interval_s"])


def load(json_path: Path, hlog_path: Path) -> HostRun:
    """Reads one host's pair; InputError naming what is missing."""
    report = read_json(json_path, "loadgen JSON")
    if not isinstance(report, dict) or "start_epoch_s" not in report or "config" not in report:
        raise InputError(f"{json_path}: no start_epoch_s (written by a loadgen without --hlog support?)")
    return HostRun(Path(json_path), Path(hlog_path), report, hl.read(hlog_path))


def _add_numbers(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Adds every number of ``other`` into ``into`` (recursively; other values keep the first host's)."""
    for k, v in other.items():
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)) and isinstance(into.get(k), (int, float)):
            into[k] = into[k] + v
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            _add_numbers(into[k], v)


def common_window(runs: list[HostRun]) -> tuple[float, float]:
    """The intersection of the hosts' steady windows; InputError when they do not overlap."""
    start = max(r.window[0] for r in runs)
    end = min(r.window[1] for r in runs)
    if end <= start:
        raise InputError("the hosts' steady windows do not overlap: start every loadgen with the same --start-at")
    return start, end


def check_starts(runs: list[HostRun]) -> None:
    """InputError naming every host that started more than one interval after its --start-at."""
    late = [(r, r.start_late_s) for r in runs]
    late = [(r, s) for r, s in late if s is not None and s > r.interval_s]
    if late:
        raise InputError("started more than one interval late against --start-at: "
                         + ", ".join(f"{r.name} {s:.3f} s late (interval {r.interval_s:g} s)" for r, s in late)
                         + "; start it earlier (a larger lead before --start-at) and run again")


def _host_rate(run: HostRun, start: float, end: float) -> tuple[float, float]:
    """(completions/s in [start, end) from its corrected intervals, the seconds those intervals cover)."""
    inside = run.log.inside("corrected", start, end)
    count = sum(iv.histogram.count for iv in inside)
    covered = sum(iv.length_s for iv in inside)
    return (count / covered if covered > 0 else 0.0), covered


def check_mergeable(runs: list[HostRun]) -> None:
    """InputError unless the runs can be merged: two or more, one scrape interval, both tags, none started late."""
    if len(runs) < 2:
        raise InputError("merge needs at least two runs")
    intervals = {r.interval_s for r in runs}
    if len(intervals) != 1:
        raise InputError(f"the runs used different --scrape-interval values: {sorted(intervals)}")
    for r in runs:
        if not {"corrected", "uncorrected"} <= set(r.log.tags()):
            raise InputError(f"{r.hlog_path}: needs Tag=corrected and Tag=uncorrected intervals (loadgen --hlog)")
    check_starts(runs)


def _window_rates(runs: list[HostRun], start: float, end: float) -> tuple[list[float], float, float]:
    """Each host's completion rate over the common window, the hosts' summed goodput (each rate times its ok share)
    and the shortest span of whole intervals a host had inside the window."""
    rates, throughput, covered_min = [], 0.0, float("inf")
    for r in runs:
        rate, covered = _host_rate(r, start, end)
        if covered <= 0:
            raise InputError(f"{r.hlog_path}: no whole interval inside the common window [{start:.3f}, {end:.3f})")
        covered_min = min(covered_min, covered)
        req = r.report["requests"]
        ok_share = req["ok_in_window"] / req["completed_in_window"] if req.get("completed_in_window") else 0.0
        rates.append(rate)
        throughput += rate * ok_share
    return rates, throughput, covered_min


def merge(runs: list[HostRun]) -> dict[str, Any]:
    """The merged report, in loadgen's JSON shape plus ``common_window`` and ``merged_from``."""
    check_mergeable(runs)
    start, end = common_window(runs)
    first = runs[0].report
    out: dict[str, Any] = {}
    out["config"] = dict(first["config"])
    for k in ("connections", "threads", "rate_rps"):
        out["config"][k] = sum(r.report["config"].get(k, 0) for r in runs)
    out["config"]["hosts"] = len(runs)
    out["machine"] = dict(first.get("machine", {}))
    out["machine"]["hostnames"] = [r.report.get("machine", {}).get("hostname", "") for r in runs]
    out["start_epoch_s"] = min(r.start_s for r in runs)
    out["common_window"] = {"start_epoch_s": start, "end_epoch_s": end}
    out["window_s"] = end - start
    out["elapsed_s"] = max(r.start_s + float(r.report.get("elapsed_s", 0)) for r in runs) - out["start_epoch_s"]

    rates, out["throughput_rps"], covered_min = _window_rates(runs, start, end)

    requests = json.loads(json.dumps(first["requests"]))
    for r in runs[1:]:
        _add_numbers(requests, r.report["requests"])
    out["requests"] = requests

    merged = {tag: hl.Histogram() for tag in ("corrected", "uncorrected")}
    for r in runs:
        for tag, h in merged.items():
            h.add(r.log.total(tag, start, end))
    out["latency_us"] = merged["corrected"].summary_us()
    out["latency_us"]["saturated"] = sum(r.report["latency_us"].get("saturated", 0) for r in runs)
    out["latency_uncorrected_us"] = merged["uncorrected"].summary_us()

    x_all = sum(rates)
    mean_us = merged["uncorrected"].mean() / 1e3
    concurrency = sum(float(r.report["littles_law"]["concurrency"]) for r in runs)
    predicted = x_all * mean_us / 1e6
    out["littles_law"] = {"throughput_rps": x_all, "mean_latency_us": mean_us, "predicted_in_flight": predicted,
                          "concurrency": concurrency, "connections": out["config"]["connections"],
                          "ratio": predicted / concurrency if concurrency > 0 else 0.0}
    pcs = [r.report["per_connection"] for r in runs]
    out["per_connection"] = {"min": min(p["min"] for p in pcs), "median": statistics.median(p["median"] for p in pcs),
                             "max": max(p["max"] for p in pcs), "connections": sum(p["connections"] for p in pcs)}
    scraped = [r.report["server"] for r in runs if r.report.get("server", {}).get("scraped")]
    out["server"] = scraped[0] if scraped else {"scraped": False}
    out["merged_from"] = [{"json": str(r.json_path), "hlog": str(r.hlog_path),
                           "hostname": r.report.get("machine", {}).get("hostname", ""), "start_epoch_s": r.start_s,
                           "start_late_s": r.start_late_s,
                           "connections": r.report["config"]["connections"],
                           "throughput_rps": r.report["throughput_rps"], "window_s": r.report["window_s"]}
                          for r in runs]
    out["merge_notes"] = {"covered_s_min": covered_min,
                          "aligned_starts": max(r.start_s for r in runs) - min(r.start_s for r in runs)
                          <= ALIGN_TOLERANCE_S}
    return out


def merged_intervals(runs: list[HostRun]) -> tuple[float, list[hl.Interval]]:
    """The hosts' interval logs added interval by interval; needs one shared --start-at (InputError if not)."""
    starts = [r.start_s for r in runs]
    if max(starts) - min(starts) > ALIGN_TOLERANCE_S:
        raise InputError("merging interval logs needs the runs to share one --start-at "
                         f"(their starts differ by {max(starts) - min(starts):.3f} s)")
    base = min(starts)
    iv = runs[0].interval_s
    slots: dict[tuple[int, str], hl.Interval] = {}
    for r in runs:
        for x in r.log.intervals:
            key = (round((x.start_s - r.start_s) / iv), x.tag)
            slot = slots.setdefault(key, hl.Interval(x.tag, base + key[0] * iv, x.length_s, hl.Histogram()))
            slot.histogram.add(x.histogram)
    return base, [slots[k] for k in sorted(slots, key=lambda k: (k[0], k[1]))]


def one_line(m: dict[str, Any]) -> str:
    """The merged figures in one line, for a terminal."""
    lat = m["latency_us"]
    return (f"{m['config']['hosts']} hosts, {m['config']['connections']} connections, common window "
            f"{m['window_s']:.2f} s: {m['throughput_rps']:.1f} req/s, p50 {lat['p50'] / 1e3:.2f} ms, "
            f"p99 {lat['p99'] / 1e3:.2f} ms, Little's law ratio {m['littles_law']['ratio']:.3f}")
