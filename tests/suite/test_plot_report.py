"""plot.py and report.py on a run made by sweep.py with the fake binaries: every plot in PNG and SVG, and a
report.md whose numbers come from summary.csv."""
import contextlib
import io
import re
import shutil
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES, REPO, make_fake_build

import sweep  # noqa: E402
from slowio.rows import read_summary  # noqa: E402
# Not a skip when missing: scripts/setup.sh installs python3-matplotlib and ctest runs /usr/bin/python3, so an
# ImportError here is a broken set-up and fails the test.
import matplotlib  # noqa: E402,F401


class PlotAndReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        build = make_fake_build(Path(cls.tmp.name) / "build")
        grid = Path(cls.tmp.name) / "grid.json"
        # the default grid's shape at a tiny scale: every series (sync fixed, elastic, async, deadlock demo, the
        # scenarios) at one concurrency, C = 100, where sync N = 10 is queued past its client timeout
        text = (REPO / "bench" / "grid_default.json").read_text()
        grid.write_text(text)
        with contextlib.redirect_stderr(io.StringIO()):
            rc = sweep.main(["--grid", str(grid), "--build-dir", str(build), "--results-dir",
                             str(Path(cls.tmp.name) / "res"), "--run-id", "r", "--latest", "",
                             "--concurrency", "100"])
        assert rc == 0
        cls.run_dir = Path(cls.tmp.name) / "res" / "r"
        # as bench.sh writes it: crosscheck_nginx.py --rounds 3 --pipeline 1 16 --csv
        rows = ["round,pipeline,server,rps,requests,cpu_s,cpu_us_per_request,errors"]
        for rnd, (n1, a1, n16, a16) in enumerate([(80000, 82000, 100000, 800000), (70000, 75000, 120000, 700000),
                                                  (60000, 50000, 110000, 750000)], start=1):
            for depth, server, rps in [(1, "nginx", n1), (1, "server_async", a1), (16, "nginx", n16),
                                       (16, "server_async", a16)]:
                rows.append(f"{rnd},{depth},{server},{rps},{rps * 5},1.0,{1e6 / rps:.2f},0")
        (cls.run_dir / "crosscheck_nginx.csv").write_text("\n".join(rows) + "\n")
        import plot

        with contextlib.redirect_stderr(io.StringIO()):
            cls.rc = plot.main([str(cls.run_dir)])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_plots_written(self):
        self.assertEqual(self.rc, 0)
        for name in ("throughput", "latency", "starvation", "rss"):
            for ext in ("png", "svg"):
                p = self.run_dir / f"{name}.{ext}"
                self.assertTrue(p.is_file() and p.stat().st_size > 1000, p)
        self.assertTrue(list((self.run_dir / "timeline").glob("*.png")))
        self.assertEqual((self.run_dir / "throughput.png").read_bytes()[:4], b"\x89PNG")

    def test_axes_have_units(self):
        svg = (self.run_dir / "throughput.svg").read_text()
        self.assertIn("requests/s", svg)
        self.assertIn("concurrency", svg)

    def test_report_from_data(self):
        md = (self.run_dir / "report.md").read_text()
        rows = read_summary(self.run_dir / "summary.csv")
        self.assertIn("![Throughput vs concurrency](throughput.png)", md)
        self.assertIn("## Findings", md)
        self.assertIn("Little's law", md)
        # (the fakes' sync N = 10 at C = 100 is queued past its client timeout: measured after it, set apart)
        self.assertIn("sync fixed N=10 past the client timeout: busy, and useless to its clients", md)
        self.assertIn("deadlocks", md)
        # the nginx cross-check: medians per pipelining depth, from crosscheck_nginx.csv
        self.assertIn("without pipelining: nginx 70,000 req/s, server_async 75,000 req/s (**1.07×**)", md)
        self.assertIn("pipelining 16 requests per connection: nginx 110,000 req/s, server_async 750,000 req/s "
                      "(**6.82×**)", md)
        self.assertIn("median of 3 rounds", md)
        key_numbers = md.split("## Key numbers", 1)[1].split("\n## ", 1)[0]
        table = [ln for ln in key_numbers.splitlines() if ln.startswith("| ") and "series" not in ln]
        self.assertEqual(len(table), len(rows))
        self.assertNotRegex(md, r"\bnan\b|\bNone\b")
        # a number in the report is the one in summary.csv
        async_top = max((r for r in rows if r["label"] == "async K=1"), key=lambda r: r["concurrency"])
        self.assertIn(f"{async_top['throughput_rps']:,.1f} req/s", md)

    def test_unreadable_run_exit_2(self):
        import plot
        import report

        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(plot.main([str(Path(self.tmp.name) / "nope")]), 2)
            self.assertEqual(report.main([str(Path(self.tmp.name) / "nope")]), 2)


class WrongBound(unittest.TestCase):
    """An efficiency above 105% is a capacity model that does not fit the server: report.md flags it as a wrong
    bound everywhere it would print it, and never as an efficiency (fixtures/summary_pass.csv, two rows raised)."""

    @classmethod
    def setUpClass(cls):
        import report

        cls.tmp = tempfile.TemporaryDirectory()
        run_dir = Path(cls.tmp.name) / "run"
        run_dir.mkdir()
        lines = (FIXTURES / "summary_pass.csv").read_text().splitlines()
        head = lines[0].split(",")
        point, eff = head.index("point"), head.index("efficiency")
        for i, line in enumerate(lines[1:], start=1):
            cells = line.split(",")
            raised = {"07-async-k1-c400": "1.25", "06-async-k1-c100": "1.05"}.get(cells[point])
            if raised:
                cells[eff] = raised
                lines[i] = ",".join(cells)
        (run_dir / "summary.csv").write_text("\n".join(lines) + "\n")
        cls.md = report.generate(run_dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_flagged_not_printed_as_efficiency(self):
        row = next(ln for ln in self.md.splitlines() if ln.startswith("| async K=1 | 400 |"))
        self.assertIn("| bound wrong: measured 125.0% of it |", row)
        self.assertEqual(self.md.count("125.0%"), len(re.findall(r"bound wrong: measured 125\.0% of", self.md)))
        self.assertIn("bound wrong: measured 125.0% of C / L", self.md)  # the async finding's top point

    def test_littles_law_finding_sets_it_apart(self):
        para = next(p for p in self.md.split("\n\n") if p.startswith("**Little's law"))
        self.assertIn("**async K=1**: 3 point(s), efficiency 100.0% to 105.0% (median 100.0%), and 1 point(s) above "
                      "the bound", para)
        self.assertIn("1 point(s) are above their bound", para)
        self.assertIn("async K=1 C = 400 (bound wrong: measured 125.0% of it, bound_model async, capacity = C)", para)

    def test_at_105_percent_still_an_efficiency(self):
        row = next(ln for ln in self.md.splitlines() if ln.startswith("| async K=1 | 100 |"))
        self.assertIn("| 105.0% |", row)


NEW_PLOTS = ("pool_size", "heatmap", "cpu_work")


def plot_copy(tmp: Path, fixture: Path) -> tuple[Path, int]:
    """plot.py (plots and report.md) on a copy of a fixture summary.csv; (run dir, exit code)."""
    import plot

    run_dir = tmp / fixture.stem
    run_dir.mkdir()
    shutil.copy(fixture, run_dir / "summary.csv")
    with contextlib.redirect_stderr(io.StringIO()):
        rc = plot.main([str(run_dir)])
    return run_dir, rc


class ScenarioPlots(unittest.TestCase):
    """pool_size, heatmap and cpu_work from a run that has their rows (fixtures/run_claims, make_claims_fixture.py),
    none of them from one that does not; throughput.png carries claim 2's log-log slope."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir, cls.rc = plot_copy(Path(cls.tmp.name), FIXTURES / "run_claims" / "summary.csv")
        cls.bare_dir, cls.bare_rc = plot_copy(Path(cls.tmp.name), FIXTURES / "summary_claims_unmeasured.csv")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_new_plots_written(self):
        self.assertEqual(self.rc, 0)
        for name in NEW_PLOTS:
            for ext in ("png", "svg"):
                p = self.run_dir / f"{name}.{ext}"
                self.assertTrue(p.is_file() and p.stat().st_size > 1000, p)

    def test_plot_contents(self):
        pool = (self.run_dir / "pool_size.svg").read_text()
        self.assertIn("requests per L", pool)
        self.assertIn("min(N, C)", pool)
        heat = (self.run_dir / "heatmap.svg").read_text()
        self.assertIn("93.0%", heat)  # the worst cell's efficiency, annotated
        self.assertIn("past timeout", heat)  # N <= 10 at C = 1,000: measured after the client timeout
        self.assertIn("share of the demand served = throughput / (C / L)", heat)  # what the colour is
        # sync N=1 at C = 10: 4.95 of the 50 req/s asked, at 99% of its own bound N / L
        self.assertIn("served 9.9%", heat)
        self.assertIn("eff. 99.0%", heat)
        self.assertIn("server: responses written × L", pool)
        self.assertIn("clients: no goodput (queued past their timeout)", pool)
        cpu = (self.run_dir / "cpu_work.svg").read_text()
        self.assertIn("threads per in-flight CPU request", cpu)
        self.assertIn("/users p99 (ms)", cpu)  # 201 to 420 ms: linear bars from zero, not log
        self.assertIn("/health p99 (ms, log: values span over 30×)", cpu)  # 1.5 to 180 ms
        self.assertIn("log-log slope 1.00", (self.run_dir / "throughput.svg").read_text())

    def test_report_links_them(self):
        md = (self.run_dir / "report.md").read_text()
        for name in NEW_PLOTS:
            self.assertIn(f"({name}.png)", md)

    def test_skipped_without_rows(self):
        self.assertEqual(self.bare_rc, 0)
        for name in NEW_PLOTS:
            self.assertFalse((self.bare_dir / f"{name}.png").exists(), name)
        md = (self.bare_dir / "report.md").read_text()
        self.assertNotIn("pool_size.png", md)
        self.assertTrue((self.bare_dir / "throughput.png").is_file())


class PlotsAtAGlance(unittest.TestCase):
    """#28 §4, on the figures themselves (fixtures/run_claims, no sweep): throughput.png's legend names only the
    series it draws, latency.png gives each series its own colour, the heatmap's colour is the share of the demand
    served, cpu_work.png's latency axes are linear for a narrow range."""

    @classmethod
    def setUpClass(cls):
        from slowio import plots

        cls.plots = plots
        cls.rows = read_summary(FIXTURES / "run_claims" / "summary.csv")
        cls.main = [r for r in cls.rows if plots.scenario(r) == ""]

    def legend_texts(self, ax) -> list[str]:
        leg = ax.get_legend()
        return [] if leg is None else [t.get_text() for t in leg.get_texts()]

    def test_throughput_panels_and_legend(self):
        fig = self.plots.throughput_figure(self.main)
        try:
            ours, net = fig.axes[:2]
            self.assertEqual(ours.get_title(loc="left"), "our servers: server_sync, server_async")
            self.assertEqual(net.get_title(loc="left"), "ASP.NET Core")
            series = [t for t in self.legend_texts(ours) if "\n" not in t]
            # one entry per series with a plotted throughput; the deadlock demo and sync-over-async (0 req/s at
            # every C) are named in the note instead
            self.assertEqual(series, ["sync fixed N=10", "sync elastic min=2", "async K=1",
                                      "sync fixed N=1000 (memory)", "sync elastic sync (default min threads)"])
            self.assertEqual([t for t in self.legend_texts(net) if "\n" not in t],
                             ["aspnetcore sync (default min threads)"])
            # the bound explained once per panel, not once per series
            self.assertEqual(sum("Little's-law" in t for t in self.legend_texts(ours)), 1)
            notes = [t.get_text() for t in ours.texts if t.get_text().startswith("Not plotted")]
            self.assertEqual(len(notes), 1)
            self.assertIn("deadlock demo", notes[0].replace("\n", " "))
            self.assertIn("C = 10: deadlock", notes[0].replace("\n", " "))
            # legends outside the axes: anchored right of them
            self.assertGreater(ours.get_legend().get_bbox_to_anchor().x0,
                               ours.get_window_extent().x1 - 1)
        finally:
            self.plots.plt.close(fig)

    def test_throughput_one_panel_without_command_targets(self):
        rows = [r for r in self.main if r["server"] != "command"]
        fig = self.plots.throughput_figure(rows)
        try:
            self.assertEqual(len([a for a in fig.axes if a.get_lines()]), 1)
        finally:
            self.plots.plt.close(fig)

    def test_latency_colours_distinct(self):
        colors = self.plots.series_colors(self.main)
        self.assertEqual(len(set(colors.values())), len(colors))
        many = [dict(r, label=f"s{i}") for i, r in enumerate(self.main * 2)][:len(self.plots.SERIES_COLORS)]
        self.assertEqual(len(set(self.plots.series_colors(many).values())), len(self.plots.SERIES_COLORS))
        fig = self.plots.latency_figure(self.main)
        try:
            # p50 and p99 side by side, our servers above and ASP.NET Core below, each row's legend right of it
            self.assertEqual(len(fig.axes), 4)
            self.assertEqual([bool(ax.get_legend()) for ax in fig.axes], [False, True, False, True])
            named = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()
                     if "Little's law" not in t.get_text()]
            drawn = {ln.get_label(): ln.get_color() for ax in fig.axes for ln in ax.get_lines()
                     if not ln.get_label().startswith("_")}
            self.assertEqual(sorted(named), sorted(drawn))
            self.assertEqual(len(named), len(set(named)))
            self.assertNotIn("deadlock demo: sync-over-async K=1", drawn)  # no latency to plot
            self.assertEqual(len(set(drawn.values())), len(drawn))
            self.assertGreaterEqual(len(drawn), 8)
        finally:
            self.plots.plt.close(fig)

    def test_heatmap_colours_demand_share(self):
        share = self.plots.demand_share
        # sync N=1 at C = 1,000, L = 200 ms: 5 of the 5,000 req/s asked, at 100% of its own bound
        self.assertAlmostEqual(share({"throughput_rps": 5.0, "concurrency": 1000, "latency_ms": 200,
                                      "efficiency": 1.0}), 0.001)
        self.assertAlmostEqual(share({"throughput_rps": 4995.0, "concurrency": 1000, "latency_ms": 200}), 0.999)
        self.assertIsNone(share({"throughput_rps": None, "concurrency": 1000, "latency_ms": 200}))
        self.assertIsNone(share({"throughput_rps": 5.0, "concurrency": 0, "latency_ms": 200}))
        cell = self.plots._heat_cell(self.rows, "sync", 1, 100)
        self.assertEqual(self.plots._heat_text(cell), "served 1.0%\neff. 99.0%\n5.0 req/s")

    def test_cpu_work_log_only_for_a_wide_span(self):
        self.assertFalse(self.plots.cpu_log_scale([200.0, 207.0, 0.0]))
        self.assertFalse(self.plots.cpu_log_scale([]))
        self.assertTrue(self.plots.cpu_log_scale([1.5, 180.0]))


if __name__ == "__main__":
    unittest.main()
