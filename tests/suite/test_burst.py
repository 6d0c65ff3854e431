"""The burst scenario and the server's side of a window: slowio.burst on synthetic time series (before, during,
after, recovery, "not recovered"), the summary columns from fixtures (make_burst_fixture.py writes them), the
burst grid's points and command lines, and a burst run end to end on the fake binaries (sweep, plots, report)."""
import contextlib
import copy
import io
import json
import shutil
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES, REPO, FakeBuildCase

import sweep  # noqa: E402
from slowio import burst, grid, loadgen, point, summary  # noqa: E402
from slowio.grid import Stage  # noqa: E402
from slowio.rows import read_summary  # noqa: E402

STAGES = [Stage(5.0, 5), Stage(5.0, 500), Stage(10.0, 5)]  # 25 L, 25 L, 50 L at L = 200 ms
L_MS, TIMEOUT_S, IV = 200.0, 1.5, 0.25
WAVES = (20.0, 20.0, 20.0, 40.0)  # C = 5 at L = 200 ms in 250 ms intervals: one or two waves, mean 25


def series(during: float = 2500.0, after=None, drain: float = 999.0) -> list[dict]:
    """A burst point's time series: waves of C = 5 before, ``during`` in the burst, then after(t, k) (default:
    the waves again) until 20 s, and drain rows whose goodput must never count."""
    rows = []
    for k in range(1, 85):
        t = k * IV
        if t <= 5:
            g = WAVES[k % 4]
        elif t <= 10:
            g = during
        elif t <= 20:
            g = WAVES[k % 4] if after is None else after(t, k)
        else:
            g = drain
        rows.append({"t_s": t, "phase": "steady" if t <= 20 else "drain", "goodput_rps": g})
    return rows


def waves_after(down_s: float):
    """After the burst: nothing for down_s, then the waves."""
    return lambda t, k: 0.0 if t <= 10 + down_s + 1e-9 else WAVES[k % 4]


def analyse(ts):
    return burst.analyse(ts, STAGES, L_MS, TIMEOUT_S)


class Analysis(unittest.TestCase):
    def test_healthy_server(self):
        fig = analyse(series())
        self.assertEqual((fig.start_s, fig.end_s), (5.0, 10.0))
        self.assertEqual((fig.before_rps, fig.during_rps, fig.after_rps), (25.0, 2500.0, 25.0))
        self.assertEqual((fig.recovered, fig.recovery_s), (True, 0.0))

    def test_collapse_is_not_recovered(self):
        fig = analyse(series(during=0.0, after=lambda t, k: 0.0))
        self.assertEqual((fig.during_rps, fig.after_rps), (0.0, 0.0))
        self.assertEqual((fig.recovered, fig.recovery_s), (False, None))

    def test_during_skips_the_first_client_timeout(self):
        # 50 req/s for the first 7.5 L of the burst (requests queued within the timeout), then nothing
        ts = series(during=0.0)
        for r in ts:
            if 5 < r["t_s"] <= 5 + TIMEOUT_S:
                r["goodput_rps"] = 50.0
        self.assertEqual(analyse(ts).during_rps, 0.0)
        self.assertIsNone(burst.analyse(ts, STAGES, L_MS, 5.0).during_rps)  # no burst left after the timeout

    def test_recovery_time_to_the_interval(self):
        fig = analyse(series(during=0.0, after=waves_after(4.0)))  # 20 L without goodput after the burst
        self.assertEqual((fig.recovered, fig.recovery_s), (True, 4.0))
        self.assertEqual(fig.after_rps, 25.0)  # the last 25 L are back at the level
        self.assertEqual(analyse(series(after=waves_after(4.25))).recovery_s, 4.25)

    def test_recovery_must_hold(self):
        # back for 0.5 s (2.5 L), down for 0.5 s, then back for good: recovered from the second return only
        def after(t, k):
            return 0.0 if 10.5 < t <= 11.0 + 1e-9 else WAVES[k % 4]
        self.assertEqual(analyse(series(after=after)).recovery_s, 1.0)
        # the burst's own connections answered at its end (one interval's spike) are no recovery
        fig = analyse(series(after=lambda t, k: 2475.0 if t <= 10.25 else 0.0))
        self.assertEqual((fig.recovered, fig.recovery_s), (False, None))

    def test_ninety_percent_of_before(self):
        fig = analyse(series(after=lambda t, k: 22.5))
        self.assertEqual((fig.recovered, fig.recovery_s), (True, 0.0))
        fig = analyse(series(after=lambda t, k: 22.4))
        self.assertFalse(fig.recovered)

    def test_too_late_to_hold_is_not_recovered(self):
        # back 9 s after the burst: the smoothing (5 L) and the hold (5 L) no longer fit in the run
        fig = analyse(series(after=waves_after(9.0)))
        self.assertEqual((fig.recovered, fig.recovery_s), (False, None))
        self.assertEqual(analyse(series(after=waves_after(8.0))).recovery_s, 8.0)

    def test_windows(self):
        ts = series()
        for r in ts:  # before is the last 10 L of the first step, after the last 25 L of the run
            if r["t_s"] <= 3.0:
                r["goodput_rps"] = 1000.0
            if 10 < r["t_s"] <= 15.0:
                r["goodput_rps"] = 1000.0
        fig = analyse(ts)
        self.assertEqual((fig.before_rps, fig.after_rps), (25.0, 25.0))

    def test_no_level_before_is_not_judged(self):
        ts = series()
        for r in ts:
            if r["t_s"] <= 5:
                r["goodput_rps"] = 0.0
        fig = analyse(ts)
        self.assertEqual((fig.before_rps, fig.recovered, fig.recovery_s), (0.0, None, None))

    def test_not_a_burst(self):
        self.assertIsNone(burst.analyse(series(), STAGES[:2], L_MS, TIMEOUT_S))
        self.assertIsNone(burst.analyse(series(), [Stage(5, 500), Stage(5, 5), Stage(5, 5)], L_MS, TIMEOUT_S))
        self.assertIsNone(analyse([{"t_s": 0.25, "phase": "steady"}]))
        self.assertIsNone(analyse(None))

    def test_stages_text(self):
        self.assertEqual(grid.stages_text(STAGES), "5000ms:5,5000ms:500,10000ms:5")
        self.assertEqual(burst.parse_stages(grid.stages_text(STAGES)), STAGES)
        self.assertEqual(burst.parse_stages("2s:3"), [Stage(2.0, 3)])
        self.assertEqual(burst.parse_stages(""), [])
        self.assertEqual(burst.parse_stages("5s:x"), [])


STEADY_JSON = FIXTURES / "burst" / "steady_loadgen.json"
STEADY_TS = FIXTURES / "burst" / "steady_timeseries.csv"


def steady_point(server: str = "sync") -> grid.Point:
    s = grid.make_series({"server": server, "label": "x", "threads": 10, "concurrency": [1000], "latency_ms": 2000,
                          "warmup_s": 3, "window_s": 4, "timeout_s": 7.5, "overload_warmup_s": 9,
                          **({"command": "srv --port {port}", "bound_model": "sync"} if server == "command"
                             else {})})
    return grid.Point(1, s, 1000, "01-x")


class SummaryColumns(unittest.TestCase):
    """server_responses_rps, abandoned_rps, retries and goodput_share from a loadgen JSON and time series."""

    def row(self, j=None, ts=None, server="sync"):
        j = json.loads(STEADY_JSON.read_text()) if j is None else j
        ts = loadgen.read_timeseries(STEADY_TS) if ts is None else ts
        res = point.PointResult(report=loadgen.LoadgenReport.from_json(j), timeseries=ts)
        return summary.build_row(steady_point(server), "r", res)

    def test_the_window_after_the_timeout(self):
        p = steady_point()
        self.assertTrue(p.past_timeout)
        self.assertEqual((p.warmup_s, p.duration_s), (9, 13))  # overload_warmup_s: the window starts past 7.5 s

    def test_columns(self):
        r = self.row()
        # responses: 5/s plus one /metrics per 250 ms sample between t = 9 and 13 s, which is subtracted
        self.assertEqual(r["server_responses_rps"], 5.0)
        self.assertEqual(r["abandoned_rps"], 100.0)
        self.assertEqual(r["retries"], 7)
        self.assertEqual(r["goodput_share"], 0.05)  # 0.25 ok/s of 5 written
        self.assertEqual((r["client_retries"], r["retry_backoff"], r["stages"]), (0, "", ""))

    def test_command_target_scrapes_are_not_subtracted(self):
        self.assertEqual(self.row(server="command")["server_responses_rps"], 9.0)

    def test_absent_is_empty(self):
        j = json.loads(STEADY_JSON.read_text())
        del j["requests"]["retries"]
        ts = [{k: v for k, v in r.items() if not k.endswith("_total")} for r in loadgen.read_timeseries(STEADY_TS)]
        r = self.row(j, ts)
        for col in ("server_responses_rps", "abandoned_rps", "retries", "goodput_share", "goodput_before_rps",
                    "recovery_s", "recovered"):
            self.assertIsNone(r[col], col)

    def test_one_sample_is_no_rate(self):
        ts = loadgen.read_timeseries(STEADY_TS)
        self.assertIsNone(summary.counter_rate(ts, "responses_total", 12.9, 13.0))
        self.assertEqual(summary.counter_rate(ts, "abandoned_total", 12.0, 13.0), 100.0)

    def test_burst_run_fixture(self):
        rows = {r["label"]: r for r in read_summary(FIXTURES / "burst" / "run" / "summary.csv")}
        fifo = rows["burst: sync N=10 fifo, 3 retries"]
        self.assertEqual((fifo["goodput_before_rps"], fifo["goodput_during_rps"], fifo["goodput_after_rps"]),
                         (25.0, 0.0, 0.0))
        self.assertEqual((fifo["recovered"], fifo["recovery_s"]), (0.0, None))
        self.assertEqual((fifo["client_retries"], fifo["retry_backoff"]), (3.0, "exponential:200:1500"))
        self.assertEqual(fifo["stages"], "5000ms:5,5000ms:500,10000ms:5")
        self.assertEqual((fifo["bound_rps"], fifo["efficiency"]), (50.0, None))  # the burst's bound, no efficiency
        drop = rows["burst: sync N=10 drop-abandoned"]
        self.assertEqual((drop["goodput_during_rps"], drop["recovered"], drop["recovery_s"]), (30.0, 1.0, 4.0))
        self.assertEqual(rows["burst: async K=1, 3 retries"]["goodput_during_rps"], 2500.0)


class BurstGrid(unittest.TestCase):
    def test_points_and_commands(self):
        g = grid.load_grid(REPO / "bench" / "grid_burst.json")
        pts = grid.expand_points(g)
        self.assertEqual(len(pts), 10)
        self.assertEqual(len({p.id for p in pts}), 10)
        b = point.Binaries(Path("/b/ss"), Path("/b/sa"), Path("/b/lg"))
        for p in pts:
            s = p.series
            self.assertEqual((s.scenario, s.latency_ms, p.concurrency, p.warmup_s, p.duration_s, s.window_s),
                             ("burst", 200, 500, 0.0, 20.0, 20.0), p.id)
            self.assertEqual(s.timeout_s, 7.5 * s.latency_ms / 1000)
            lg = loadgen.loadgen_command(b.loadgen, p, 1, Path("j"), Path("t"))
            self.assertNotIn("-c", lg)
            self.assertNotIn("-d", lg)
            self.assertEqual(lg[lg.index("--stages") + 1], "5000ms:5,5000ms:500,10000ms:5")
            self.assertEqual(lg[lg.index("--warmup") + 1], "0ms")
            self.assertEqual("--retries" in lg, bool(s.retries))
        retried = sorted(p.series.label for p in pts if p.series.retries)
        self.assertEqual(retried, ["burst: async K=1, 3 retries", "burst: sync N=10 codel, 3 retries",
                                   "burst: sync N=10 fifo, 3 retries"])
        lg = loadgen.loadgen_command(b.loadgen, next(p for p in pts if p.series.retries), 1, Path("j"), Path("t"))
        self.assertEqual(lg[lg.index("--retries") + 1: lg.index("--retries") + 4],
                         ["3", "--retry-backoff", "exponential:200:1500"])
        flags = {p.series.label: point.server_command(p, b) for p in pts}
        self.assertIn("--drop-abandoned", flags["burst: sync N=10 drop-abandoned"])
        self.assertEqual(flags["burst: sync N=10 queue-limit 20"][-2:], ["--queue-limit", "20"])
        self.assertEqual(flags["burst: sync N=10 codel"][-2:], ["--queue", "codel"])
        self.assertEqual(flags["burst: sync N=10 adaptive-lifo"][-2:], ["--queue", "adaptive-lifo"])

    def test_c_over_l_within_async_k1(self):
        # the burst's C / L must stay within what async K = 1 served at >= 95% (results/latest's heatmap:
        # about 4,500 req/s at C = 1,000, L = 200 ms)
        for p in grid.expand_points(grid.load_grid(REPO / "bench" / "grid_burst.json")):
            self.assertLessEqual(p.concurrency / (p.series.latency_ms / 1000), 0.95 * 4500)

    def test_default_grid_carries_the_claims_subset(self):
        burst_ = [p for p in grid.expand_points(grid.load_grid(REPO / "bench" / "grid_default.json"))
                  if p.series.scenario == "burst"]
        self.assertEqual(sorted(p.series.label for p in burst_),
                         ["burst: async K=1, 3 retries", "burst: sync N=10 codel, 3 retries",
                          "burst: sync N=10 fifo, 3 retries"])
        same = {s.label: s for s in grid.load_grid(REPO / "bench" / "grid_burst.json").series}
        for p in burst_:
            self.assertEqual(p.series, same[p.series.label])  # the same series in both grids


BURST_GRID = {"defaults": {"scenario": "burst", "latency_ms": 100, "warmup_s": 0, "timeout_s": 0.3,
                           "stages": [{"duration_s": 1, "target": 2}, {"duration_s": 1, "target": 50},
                                      {"duration_s": 2, "target": 2}]},
              "series": [{"label": "burst: sync N=10 fifo, 3 retries", "server": "sync", "threads": 10,
                          "retries": 3, "retry_backoff": "exponential:100:750"},
                         {"label": "burst: sync N=10 fifo", "server": "sync", "threads": 10},
                         {"label": "burst: sync N=10 codel", "server": "sync", "threads": 10,
                          "extra_server_args": ["--queue", "codel"]},
                         {"label": "burst: async K=1", "server": "async", "threads": 1}]}


class EndToEndOnFakes(FakeBuildCase):
    """A burst grid on the fake binaries: the summary's burst columns, burst.png and the report's sections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        g = Path(cls.tmp.name) / "burst.json"
        g.write_text(json.dumps(BURST_GRID))
        with contextlib.redirect_stderr(io.StringIO()):
            cls.rc = sweep.main(["--grid", str(g), "--build-dir", str(cls.build), "--results-dir",
                                 str(Path(cls.tmp.name) / "res"), "--run-id", "b", "--latest", ""])
        cls.run_dir = Path(cls.tmp.name) / "res" / "b"
        cls.rows = {r["label"]: r for r in read_summary(cls.run_dir / "summary.csv")}

    def test_burst_columns(self):
        self.assertEqual(self.rc, 0)
        metastable = self.rows["burst: sync N=10 fifo, 3 retries"]
        self.assertEqual((metastable["goodput_before_rps"], metastable["goodput_during_rps"]), (20.0, 0.0))
        self.assertEqual((metastable["recovered"], metastable["recovery_s"]), (0.0, None))
        self.assertGreater(metastable["abandoned_rps"], 0)
        self.assertEqual((self.rows["burst: sync N=10 fifo"]["recovered"],
                          self.rows["burst: sync N=10 fifo"]["recovery_s"]), (1.0, 1.0))  # down for 10 L
        for label in ("burst: sync N=10 codel", "burst: async K=1"):
            self.assertEqual((self.rows[label]["recovered"], self.rows[label]["recovery_s"]), (1.0, 0.0), label)
        self.assertEqual(self.rows["burst: async K=1"]["goodput_during_rps"], 500.0)
        # (the counter starts at the first sample, t = 250 ms: the first interval is not in its rate)
        self.assertAlmostEqual(self.rows["burst: async K=1"]["goodput_share"], 1.0, delta=0.1)

    def test_plots_and_report(self):
        import plot

        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(plot.main([str(self.run_dir)]), 0)
        svg = (self.run_dir / "burst.svg").read_text()
        for words in ("the burst", "burst start + client timeout", "sync N=10 fifo, 3 retries: not recovered",
                      "async K=1: recovered in 0 s = 0 L", "clients retry 3 times (exponential:100:750)",
                      "clients do not retry", "N / L of sync N=10: 100 req/s"):
            self.assertIn(words, svg)
        self.assertTrue((self.run_dir / "burst.png").stat().st_size > 1000)
        self.assertTrue(list((self.run_dir / "timeline").glob("*burst*.png")))  # each burst point's timeline
        md = (self.run_dir / "report.md").read_text()
        section = md.split("## The burst", 1)[1].split("\n## ", 1)[0]
        self.assertIn("C = 2 for 1 s, then C = 50 for 1 s, then C = 2 for 2 s, L = 100 ms, client timeout 0.3 s", section)
        self.assertIn("| sync N=10 fifo, 3 retries | 3 (exponential:100:750) | 20.0 | 0.00 (0.0%) | 0.00 | not "
                      "recovered |", section)
        self.assertIn("| async K=1 | 0 | 20.0 | 500 (100.0%) | 20.00 | recovered in 0 s = 0 L |", section)
        self.assertIn("![Goodput through a burst](burst.png)", section)
        claims_rows = [ln for ln in md.splitlines() if ln.startswith("| 9 |") or ln.startswith("| 10 |")]
        self.assertEqual(len(claims_rows), 2)
        self.assertIn("**holds only for 3 of 4 series (slowest: sync N=10 fifo, recovered in 1 s = 10 L); sync "
                      "N=10 fifo, 3 retries stays down: metastable, the overload outlived the burst; retries make "
                      "sync N=10 fifo metastable where it recovers without them**", claims_rows[0])
        self.assertIn("**holds: codel kept ≥ 90% of N / L (the unmitigated FIFO pool kept 0.0%)**", claims_rows[1])
        self.assertNotRegex(md, r"\bnan\b|\bNone\b")


class SteadyReport(unittest.TestCase):
    """report.md on the claims fixture: the points measured past their client timeout are set apart from
    Little's law and described by what the server still does; the key numbers carry the server's side."""

    @classmethod
    def setUpClass(cls):
        from slowio.report import generate

        cls.tmp = tempfile.TemporaryDirectory()
        run_dir = Path(cls.tmp.name)
        shutil.copy(FIXTURES / "run_claims" / "summary.csv", run_dir / "summary.csv")
        cls.md = generate(run_dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_given_up_finding(self):
        para = next(p for p in self.md.split("\n\n") if p.startswith("**sync fixed N=10 past the client timeout"))
        self.assertIn("At C = 100–10,000 a request needs ⌈C / N⌉ × L = 20–2,000 s in the queue against a 7.5 s "
                      "client timeout, so these points are measured from 9.0 s", para)
        self.assertIn("goodput 0.00 req/s against N / L = 5.00, while the server wrote 5.00 responses/s "
                      "(goodput_share 0.0%) and saw 5.2 requests/s abandoned, with 10 of 10 workers busy", para)
        plateau = next(p for p in self.md.split("\n\n") if p.startswith("**sync fixed N=10 plateaus"))
        self.assertIn("at C = 11 (the larger C wait longer than the client timeout: below)", plateau)

    def test_littles_law_sets_them_apart(self):
        para = next(p for p in self.md.split("\n\n") if p.startswith("**Little's law"))
        self.assertIn("Not counted: 3 point(s) queued past their client timeout", para)
        self.assertNotIn("sync fixed N=10 C = 100 (0.0%", para)

    def test_key_numbers_columns(self):
        head = next(ln for ln in self.md.splitlines() if ln.startswith("| series | C |"))
        self.assertIn("| server writes/s | goodput share |", head)
        row = next(ln for ln in self.md.splitlines() if ln.startswith("| sync fixed N=10 | 1,000 |"))
        self.assertIn("| 5.00 | 0.0% |", row)
