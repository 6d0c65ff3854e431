"""merge_results.py and slowio.hlog on real loadgen outputs (fixtures/merge: three loadgens in network namespaces,
one --start-at, 30 connections each, against server_async at L = 100 ms; single.json: one loadgen with all 90).

The merge must add the hosts' counts exactly, merge their histograms bucket by bucket, sum their throughput over
the common window, keep Little's law, and agree with the single loadgen; a host that started more than one interval
late against --start-at is refused by name; bad inputs are one line and exit 2."""
import contextlib
import copy
import io
import json
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES

import merge_results  # noqa: E402
from slowio import InputError, hlog  # noqa: E402
from slowio.merge import load, merge  # noqa: E402

M = FIXTURES / "merge"
HOSTS = [(M / f"host{n}.json", M / f"host{n}.hlog") for n in (1, 2, 3)]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = merge_results.main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


class HlogFormat(unittest.TestCase):
    def test_fixture_logs_decode(self):
        f = hlog.read(M / "host1.hlog")
        self.assertEqual(f.tags(), ["corrected", "uncorrected"])
        self.assertAlmostEqual(f.base_time_s, json.loads((M / "host1.json").read_text())["start_epoch_s"], places=2)
        # with a 1 s warm-up the JSON selects by intended send time, the intervals by completion: close, not equal
        j = json.loads((M / "host1.json").read_text())
        start = f.base_time_s
        h = f.total("corrected", start + 1.0, start + 6.0)
        self.assertLessEqual(abs(h.count - j["latency_us"]["count"]), 30)

    def test_encode_decode_round_trip(self):
        h = hlog.Histogram({1: 2, 278: 1, 3000: 7, 4607: 1})
        back = hlog.decode(hlog.encode(h))
        self.assertEqual(back.counts, h.counts)
        self.assertTrue(hlog.encode(h).startswith("HISTF"))
        self.assertEqual(hlog.decode(hlog.encode(hlog.Histogram())).count, 0)

    def test_layout_matches_loadgen(self):
        # the values the C++ test pins: 300 ns is bucket 278, buckets of 2 ns from 256
        self.assertEqual(hlog.index_of(300), 278)
        self.assertEqual(hlog.lower_bound_of(278), 300)
        self.assertEqual(hlog.width_of(278), 2)
        for v in (0, 1, 255, 256, 257, 511, 512, 10**6, 10**9, 3_600_000_000_000):
            i = hlog.index_of(v)
            self.assertLessEqual(hlog.lower_bound_of(i), v)
            self.assertLess(v, hlog.lower_bound_of(i) + hlog.width_of(i))

    def test_bad_histograms_are_named(self):
        for text, words in (("!!!", "base64"), ("AAAAAAAAAAA=", "cookie")):
            with self.assertRaises(ValueError) as cm:
                hlog.decode(text)
            self.assertIn(words, str(cm.exception))


class Merge(unittest.TestCase):
    def setUp(self):
        self.runs = [load(j, h) for j, h in HOSTS]
        self.merged = merge(self.runs)
        self.single = json.loads((M / "single.json").read_text())

    def test_counts_add_exactly(self):
        for key in ("completed", "ok", "errors", "sent"):
            self.assertEqual(self.merged["requests"][key], sum(r.report["requests"][key] for r in self.runs), key)
        self.assertEqual(self.merged["requests"]["total"]["completed"],
                         sum(r.report["requests"]["total"]["completed"] for r in self.runs))
        self.assertEqual(self.merged["config"]["connections"], 90)
        self.assertEqual(self.merged["per_connection"]["connections"], 90)

    def test_histograms_merge_bucket_by_bucket(self):
        start, end = self.merged["common_window"]["start_epoch_s"], self.merged["common_window"]["end_epoch_s"]
        want = hlog.Histogram()
        for r in self.runs:
            want.add(r.log.total("corrected", start, end))
        self.assertEqual(self.merged["latency_us"]["count"], want.count)
        self.assertAlmostEqual(self.merged["latency_us"]["p99"], want.value_at_percentile(99) / 1e3)

    def test_throughput_is_the_sum_over_the_common_window(self):
        self.assertAlmostEqual(self.merged["window_s"], 5.0, delta=0.01)
        hosts = sum(r.report["throughput_rps"] for r in self.runs)
        self.assertAlmostEqual(self.merged["throughput_rps"], hosts, delta=hosts * 0.01)

    def test_agrees_with_one_loadgen(self):
        one = self.single
        self.assertAlmostEqual(self.merged["throughput_rps"], one["throughput_rps"], delta=one["throughput_rps"] * 0.03)
        self.assertAlmostEqual(self.merged["latency_us"]["p50"], one["latency_us"]["p50"],
                               delta=one["latency_us"]["p50"] * 0.02)

    def test_littles_law_over_the_merged_figures(self):
        ll = self.merged["littles_law"]
        self.assertAlmostEqual(ll["concurrency"], sum(r.report["littles_law"]["concurrency"] for r in self.runs))
        self.assertAlmostEqual(ll["ratio"], 1.0, delta=0.05)

    def test_windows_that_do_not_overlap_are_refused(self):
        late = copy.deepcopy(self.runs[1])
        late.report["start_epoch_s"] += 100  # a --start-at 100 s later, started on time
        late.report["config"]["start_at"] += 100
        with self.assertRaises(InputError) as cm:
            merge([self.runs[0], late])
        self.assertIn("--start-at", str(cm.exception))

    def test_a_partial_overlap_uses_the_intersection(self):
        shifted = copy.deepcopy(self.runs[1])
        shifted.report["start_epoch_s"] += 2.0  # its window is 2 s later; its intervals move with it
        shifted.report["config"]["start_at"] += 2.0  # (another --start-at, met on time)
        for iv in shifted.log.intervals:
            iv.start_s += 2.0
        m = merge([self.runs[0], shifted])
        self.assertAlmostEqual(m["window_s"], 3.0, delta=0.01)
        self.assertFalse(m["merge_notes"]["aligned_starts"])
        both = self.runs[0].report["throughput_rps"] + self.runs[1].report["throughput_rps"]
        self.assertAlmostEqual(m["throughput_rps"], both, delta=both * 0.03)

    def late(self, n, late_s, key=False):
        """Host n (0-based) with t = 0 ``late_s`` after its --start-at (its intervals move with it)."""
        r = copy.deepcopy(self.runs[n])
        if key:
            r.report["start_late_s"] = late_s
            return r
        r.report["start_epoch_s"] += late_s
        for iv in r.log.intervals:
            iv.start_s += late_s
        return r

    def test_a_host_more_than_one_interval_late_is_refused_by_name(self):
        with self.assertRaises(InputError) as cm:
            merge([self.runs[0], self.late(1, 0.30), self.runs[2]])
        msg = str(cm.exception)
        self.assertIn(str(HOSTS[1][0]), msg)
        self.assertIn("0.300 s late (interval 0.25 s)", msg)
        self.assertNotIn(str(HOSTS[2][0]), msg)
        self.assertNotIn(str(HOSTS[0][0]), msg)

    def test_every_late_host_is_named(self):
        with self.assertRaises(InputError) as cm:
            merge([self.late(0, 1.0), self.runs[1], self.late(2, 0.5)])
        self.assertIn(str(HOSTS[0][0]), str(cm.exception))
        self.assertIn(str(HOSTS[2][0]), str(cm.exception))

    def test_up_to_one_interval_late_is_merged(self):
        m = merge([self.runs[0], self.late(1, 0.25), self.runs[2]])
        self.assertAlmostEqual(m["merged_from"][1]["start_late_s"], 0.25, places=6)
        self.assertEqual(m["merged_from"][0]["start_late_s"], 0.0)

    def test_loadgens_own_start_late_s_is_used_when_written(self):
        with self.assertRaises(InputError) as cm:
            merge([self.runs[0], self.late(1, 0.4, key=True)])
        self.assertIn("0.400 s late", str(cm.exception))
        m = merge([self.runs[0], self.late(1, 0.01, key=True)])
        self.assertEqual(m["merged_from"][1]["start_late_s"], 0.01)

    def test_without_start_at_lateness_is_not_judged(self):
        free = copy.deepcopy(self.runs[1])
        free.report["config"]["start_at"] = 0
        self.assertIsNone(free.start_late_s)
        m = merge([self.runs[0], free])
        self.assertIsNone(m["merged_from"][1]["start_late_s"])

    def test_different_intervals_are_refused(self):
        other = copy.deepcopy(self.runs[1])
        other.report["config"]["interval_s"] = 0.5
        with self.assertRaises(InputError):
            merge([self.runs[0], other])


class CommandLine(unittest.TestCase):
    def test_merge_writes_json_and_a_summed_log(self):
        with tempfile.TemporaryDirectory() as d:
            out, hl = Path(d) / "m.json", Path(d) / "m.hlog"
            args = [a for j, h in HOSTS for a in ("--run", j, h)]
            rc, stdout, err = run_cli(*args, "-o", out, "--hlog-out", hl)
            self.assertEqual(rc, 0, err)
            self.assertIn("3 hosts, 90 connections", stdout)
            m = json.loads(out.read_text())
            for key in ("config", "machine", "window_s", "throughput_rps", "requests", "latency_us",
                        "latency_uncorrected_us", "littles_law", "per_connection", "server", "start_epoch_s"):
                self.assertIn(key, m)
            summed = hlog.read(hl)
            want = sum(hlog.read(h).total("corrected").count for _, h in HOSTS)
            self.assertEqual(summed.total("corrected").count, want)
            self.assertEqual(len(summed.intervals), len(hlog.read(HOSTS[0][1]).intervals))

    def test_bad_inputs_are_one_line_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            bad = Path(d) / "bad.json"
            bad.write_text("{}")
            for args in ([("--run", HOSTS[0][0], HOSTS[0][1])],
                         [("--run", HOSTS[0][0], HOSTS[0][1]), ("--run", bad, HOSTS[1][1])],
                         [("--run", HOSTS[0][0], HOSTS[0][1]), ("--run", HOSTS[1][0], Path(d) / "missing.hlog")]):
                rc, _, err = run_cli(*[a for t in args for a in t], "-o", Path(d) / "m.json")
                self.assertEqual(rc, 2)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertTrue(err.startswith("merge_results.py: "), err)

    def test_a_late_host_is_named_on_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            late = Path(d) / "host2-late.json"
            j = json.loads(HOSTS[1][0].read_text())
            j["start_epoch_s"] += 1.5
            late.write_text(json.dumps(j))
            rc, _, err = run_cli("--run", *HOSTS[0], "--run", late, HOSTS[1][1], "-o", Path(d) / "m.json")
            self.assertEqual(rc, 2)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn(f"{late} (hostname vm) 1.500 s late", err)


if __name__ == "__main__":
    unittest.main()
