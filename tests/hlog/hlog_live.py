#!/usr/bin/env python3
"""loadgen --hlog read back by a reader we did not write, against loadgen's own JSON.

    hlog_live.py --reader js|python --loadgen PATH --server-async PATH

Runs server_async (store latency 50 ms + exponential jitter of mean 30 ms: a spread of buckets) and loadgen in open loop (so the corrected and uncorrected histograms
differ) with --warmup 0s, --start-at 1.5 s ahead, --json and --hlog. With no warm-up, the JSON's steady window
holds every request of the run, which is also what the interval histograms add up to; so:
  * each tag's count summed over the intervals equals the JSON's latency_us / latency_uncorrected_us count;
  * each JSON percentile (p50, p90, p99, p99.9) lies in the bucket the reader's own percentile falls in
    (HdrHistogram reports a bucket's top, loadgen its midpoint: the same bucket, a 1/128 relative width);
  * the log's BaseTime is the JSON's start_epoch_s, which is the --start-at asked for (within 5 ms).
Reader js: HdrHistogram's JavaScript port (tests/hlog/check_hlog.js); exit 77 (ctest: skipped) when node or
the package is missing. Reader python: scripts/slowio/hlog.py, written from the format, not from the C++.
Exit 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "scripts"))
from slowio import hlog  # noqa: E402

SKIP = 77
PERCENTILES = (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9))


def run_load(loadgen: str, server: str, out: Path) -> tuple[dict, Path, float]:
    """One bounded run; returns (loadgen JSON, hlog path, the --start-at asked for)."""
    srv = subprocess.Popen([server, "--port", "0", "--store-latency-ms", "50", "--store-jitter",
                            "exponential:30", "--log-level", "warn"],
                           stdout=subprocess.PIPE, text=True)
    try:
        first = srv.stdout.readline().strip()
        if not first.startswith("listening on 127.0.0.1:"):
            raise SystemExit(f"hlog_live: server said {first!r}")
        port = int(first.rsplit(":", 1)[1])
        start_at = time.time() + 1.5  # ahead of the spawn even on a loaded machine
        js, hl = out / "run.json", out / "run.hlog"
        cmd = [loadgen, "-c", "40", "-t", "2", "-R", "500", "-d", "2500ms", "--warmup", "0s", "--timeout", "5s",
               "--scrape-interval", "250ms", "--start-at", f"{start_at:.3f}", "--path", "/users/{rand:1..1000}",
               "--json", str(js), "--hlog", str(hl), "--no-progress", f"http://127.0.0.1:{port}/"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise SystemExit(f"hlog_live: loadgen exit {done.returncode}: {done.stderr.strip()}")
        return json.loads(js.read_text()), hl, start_at
    finally:
        srv.terminate()
        srv.wait(timeout=10)


def read_js(path: Path) -> dict:
    """Per tag {count, percentiles {name: (low, high)}} from hdr-histogram-js (main() checked it is installed)."""
    done = subprocess.run(["node", str(HERE / "check_hlog.js"), str(path)], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"hlog_live: check_hlog.js failed: {done.stderr.strip()}")
    out = {}
    for tag, v in json.loads(done.stdout).items():
        out[tag] = {"count": v["count"], "intervals": v["intervals"],
                    "percentiles": {k: (p["bucket_low"], p["bucket_high"]) for k, p in v["percentiles"].items()}}
    return out


def read_python(path: Path) -> dict:
    """The same from slowio.hlog: the bucket of each percentile by HdrHistogram's rank rule."""
    f = hlog.read(path)
    out = {}
    for tag in f.tags():
        h = f.total(tag)
        pct = {}
        for name, p in PERCENTILES:
            i = hlog.index_of(h.value_at_percentile(p))
            pct[name] = (hlog.lower_bound_of(i), hlog.lower_bound_of(i) + hlog.width_of(i) - 1)
        out[tag] = {"count": h.count, "intervals": sum(iv.tag == tag for iv in f.intervals), "percentiles": pct}
    return out


def main() -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", choices=("js", "python"), required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--server-async", required=True)
    args = ap.parse_args()
    if args.reader == "js":
        # Before the run, so a machine without the reader skips at once instead of after a load.
        probe = subprocess.run(["node", "-e", "require('hdr-histogram-js')"], cwd=HERE, capture_output=True) \
            if shutil.which("node") else None
        if probe is None or probe.returncode != 0:
            print("skipped: node or hdr-histogram-js missing (scripts/setup.sh installs both)")
            return SKIP
    with tempfile.TemporaryDirectory() as d:
        report, path, start_at = run_load(args.loadgen, args.server_async, Path(d))
        decoded = read_js(path) if args.reader == "js" else read_python(path)
        base = hlog.read(path).base_time_s
    failures = []

    def check(ok: bool, what: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    check(abs(report["start_epoch_s"] - start_at) < 0.005,
          f"start_epoch_s {report['start_epoch_s']:.3f} is --start-at {start_at:.3f}")
    check(abs(base - report["start_epoch_s"]) < 0.0011, f"BaseTime {base:.3f} is start_epoch_s")
    for tag, key in (("corrected", "latency_us"), ("uncorrected", "latency_uncorrected_us")):
        if tag not in decoded:
            check(False, f"tag {tag} present")
            continue
        got, want = decoded[tag], report[key]
        check(got["intervals"] >= 10, f"{tag}: {got['intervals']} intervals (2.5 s of 250 ms, drain included)")
        check(got["count"] == want["count"], f"{tag}: count {got['count']} == JSON {want['count']}")
        for name, _ in PERCENTILES:
            low, high = got["percentiles"][name]
            ns = round(want[name] * 1e3)
            check(low <= ns <= high, f"{tag}: JSON {name} {want[name]:.1f} us in the reader's bucket "
                                     f"[{low / 1e3:.1f}, {high / 1e3:.1f}] us")
    print(f"hlog_live ({args.reader} reader): {'PASS' if not failures else f'{len(failures)} FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
