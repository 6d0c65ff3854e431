"""The sweep's postgres series (issue 25): grid keys store/db_pool and their validation, the server flags, the
Little's-law bound min(C, capacity, P) / L, the summary columns, and bench/grid_postgres.json."""
import contextlib
import csv
import io
import json
import tempfile
import unittest
from pathlib import Path

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from fakes import EnvPatch, FakeBuildCase, make_fake_pg_bin
import sweep  # noqa: E402
from slowio import InputError, dbstat, grid, point, summary
from slowio.rows import read_summary
from slowio.bound import bound_rps, compute_capacity
from slowio.rows import SUMMARY_COLUMNS

REPO = Path(__file__).resolve().parents[2]


class Keys(unittest.TestCase):
    def test_defaults_are_the_sim_store(self):
        s = grid.make_series({"server": "async", "concurrency": [1]})
        self.assertEqual((s.store, s.db_pool), ("sim", None))
        self.assertEqual(s.label, "async K=1")

    def test_postgres_series_label_and_key(self):
        s = grid.make_series({"server": "sync", "threads": 10, "store": "postgres", "db_pool": 10,
                              "concurrency": [1]})
        self.assertEqual(s.label, "sync fixed N=10 pg P=10")
        self.assertEqual(grid.series_key(s), "sync-fixed-n10-pg-p10")
        default = grid.make_series({"server": "async", "store": "postgres", "concurrency": [1]})
        self.assertEqual(grid.effective_db_pool(default), 100)

    def test_bad_values_are_one_line_errors(self):
        bad = [{"store": "mysql"}, {"db_pool": 10}, {"store": "postgres", "db_pool": 0},
               {"store": "postgres", "db_pool": "10"}]
        for extra in bad:
            with self.subTest(extra=extra), self.assertRaises(InputError):
                grid.make_series({"server": "async", "concurrency": [1], **extra})
        with self.assertRaises(InputError):
            grid.make_series({"server": "command", "command": "x --port {port}", "bound_model": "async",
                              "store": "postgres", "concurrency": [1]})


class CommandStores(unittest.TestCase):
    """A command series (the ASP.NET Core target's EF Core stores) names its store; postgres gets the run's URL."""

    TEMPLATE = "dotnet x.dll --port {port} --store {store}"

    def test_placeholders_filled(self):
        s = grid.make_series({"label": "EF async pg", "server": "command", "bound_model": "async", "store": "postgres",
                              "db_pool": 1000, "concurrency": [1],
                              "command": self.TEMPLATE + " --pg {pg_url} --db-pool {db_pool}"})
        b = point.Binaries(Path("/b/ss"), Path("/b/sa"), Path("/b/lg"), pg_url="postgresql://h/db")
        cmd = point.server_command(grid.Point(1, s, 1), b)
        self.assertEqual(cmd[cmd.index("--store") + 1:], ["postgres", "--pg", "postgresql://h/db", "--db-pool", "1000"])
        b.pg_url = None  # "": the target reads libpq's PG* environment, as our servers without --pg
        cmd = point.server_command(grid.Point(1, s, 1), b)
        self.assertEqual(cmd[cmd.index("--pg") + 1], "")
        sqlite = grid.make_series({"label": "EF sync sqlite", "server": "command", "bound_model": "elastic",
                                   "min_threads": 0, "store": "sqlite", "concurrency": [1], "command": self.TEMPLATE})
        self.assertEqual(point.server_command(grid.Point(2, sqlite, 1), b)[-2:], ["--store", "sqlite"])

    def test_a_store_the_template_does_not_pass_is_an_error(self):
        for store, command in (("sqlite", "dotnet x.dll --port {port}"), ("postgres", self.TEMPLATE)):
            with self.subTest(store=store), self.assertRaises(InputError):
                grid.make_series({"label": "x", "server": "command", "bound_model": "async", "store": store,
                                  "concurrency": [1], "command": command})
        with self.assertRaises(InputError):  # sqlite is the .NET target's, not our servers'
            grid.make_series({"server": "async", "store": "sqlite", "concurrency": [1]})

    def test_no_pool_wait_for_a_command_series(self):
        s = grid.make_series({"label": "EF async pg", "server": "command", "bound_model": "async", "store": "postgres",
                              "concurrency": [1], "command": self.TEMPLATE + " --pg {pg_url}"})
        res = point.PointResult()
        self.assertEqual(point.wait_for_db_pool(grid.Point(1, s, 1), 1, res, pause=self.fail), 0.0)

    def test_grid_efcore(self):
        g = grid.load_grid(REPO / "bench" / "grid_efcore.json")
        labels = {s.label for s in g.series}
        for mode in ("sync", "async", "sync-over-async"):
            self.assertIn(f"EF {mode} pg", labels)
        self.assertTrue({"EF sync sqlite", "EF async sqlite", "EF async pg P=1000"} <= labels)
        self.assertEqual({s.label for s in g.series if s.latency_ms != 200}, {"EF async pg P=1000"})  # at 2 s: in its description


class Flags(unittest.TestCase):
    def test_server_flags(self):
        s = grid.make_series({"server": "async", "store": "postgres", "db_pool": 50, "concurrency": [200]})
        p = grid.Point(1, s, 200)
        b = point.Binaries(Path("/b/ss"), Path("/b/sa"), Path("/b/lg"), pg_url="postgresql://h/db")
        cmd = point.server_command(p, b)
        self.assertEqual(cmd[cmd.index("--store") + 1], "postgres")
        self.assertEqual(cmd[cmd.index("--pg") + 1], "postgresql://h/db")
        self.assertEqual(cmd[cmd.index("--db-pool") + 1], "50")
        b.pg_url = None  # the servers' default: libpq's PG* environment
        self.assertNotIn("--pg", point.server_command(p, b))
        sim = grid.Point(2, grid.make_series({"server": "async", "concurrency": [1]}), 1)
        self.assertNotIn("--store", point.server_command(sim, b))


class PoolOpen(unittest.TestCase):
    def test_gives_up_on_a_fake_clock_and_says_so(self):
        import socket
        with socket.socket() as sock:  # bound, not listening: /metrics is refused at once
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            s = grid.make_series({"server": "async", "store": "postgres", "db_pool": 100, "concurrency": [1]})
            clock = [0.0]
            res = point.PointResult()
            waited = point.wait_for_db_pool(grid.Point(1, s, 1), port, res, now=lambda: clock[0],
                                            pause=lambda dt: clock.__setitem__(0, clock[0] + dt))
        self.assertAlmostEqual(waited, point.DB_POOL_OPEN_BASE_S + 100 * point.DB_POOL_OPEN_PER_CONN_S, delta=0.2)
        self.assertIn("db pool: 0 of 100 connections open", res.details[0])
        sim = grid.make_series({"server": "async", "concurrency": [1]})
        self.assertEqual(point.wait_for_db_pool(grid.Point(1, sim, 1), port, point.PointResult()), 0.0)


    def test_server_sync_gets_its_pool_opening_to_start(self):
        """server_sync opens its P connections (each warmed by a query) before it prints its listening line: at
        P = 1,000 that took longer than START_TIMEOUT_S here, so its start timeout grows with P; server_async
        listens first and is waited for by wait_for_db_pool instead."""
        def timeout(server: str, store: str = "postgres") -> float:
            s = grid.make_series({"server": server, "store": store, "db_pool": 1000, "concurrency": [1]}
                                 if store == "postgres" else {"server": server, "concurrency": [1]})
            return point.start_timeout_s(grid.Point(1, s, 1))
        self.assertEqual(timeout("sync"), point.START_TIMEOUT_S + 1000 * point.DB_POOL_OPEN_PER_CONN_S)
        self.assertGreaterEqual(timeout("sync") - point.START_TIMEOUT_S, 28.0)  # P = 1,000 measured 27.8 s
        self.assertEqual(timeout("async"), point.START_TIMEOUT_S)
        self.assertEqual(timeout("sync", store="sim"), point.START_TIMEOUT_S)


class Bound(unittest.TestCase):
    def test_the_pool_caps_the_bound(self):
        cases = [({"server": "sync", "threads": 20, "db_pool": 10}, 40, 10.0, "P (db pool)"),
                 ({"server": "sync", "threads": 10, "db_pool": 100}, 1000, 10.0, "N"),
                 ({"server": "async", "threads": 1, "db_pool": 50}, 200, 50.0, "P (db pool)"),
                 ({"server": "async", "threads": 1, "db_pool": 1000}, 100, 100.0, "C")]
        for fields, c, cap, basis in cases:
            with self.subTest(fields=fields, c=c):
                s = grid.make_series({**fields, "store": "postgres", "latency_ms": 50, "concurrency": [c]})
                self.assertEqual(compute_capacity(s, c, None, 1.0, 3.0), (cap, basis))
        self.assertAlmostEqual(bound_rps(50.0, 200, 50), 1000.0)


class Summary(unittest.TestCase):
    def test_columns(self):
        for col in ("store", "db_pool", "db_pool_timeouts", "peak_db_pool_waiters", "peak_db_active"):
            self.assertIn(col, SUMMARY_COLUMNS)
        s = grid.make_series({"server": "sync", "threads": 10, "store": "postgres", "db_pool": 10,
                              "concurrency": [40]})
        res = point.PointResult(db_pool_timeouts=3.0)
        row = summary.build_row(grid.Point(1, s, 40, id="01-x"), "run", res)
        self.assertEqual((row["store"], row["db_pool"], row["db_pool_timeouts"]), ("postgres", 10, 3.0))
        sim = grid.make_series({"server": "async", "concurrency": [1]})
        row = summary.build_row(grid.Point(1, sim, 1, id="01-y"), "run", point.PointResult())
        self.assertEqual((row["store"], row["db_pool"], row["db_pool_timeouts"]), ("sim", None, None))


class GridFile(unittest.TestCase):
    def test_grid_postgres(self):
        g = grid.load_grid(REPO / "bench" / "grid_postgres.json")
        pts = grid.expand_points(g)
        self.assertTrue(all(p.series.store == "postgres" for p in pts))
        pools = {(p.series.server, p.series.threads, p.series.db_pool) for p in pts}
        for server, threads in (("sync", 10), ("sync", 100), ("async", 1)):
            for pool in (10, 100, 1000):
                self.assertIn((server, threads, pool), pools)
        exhausted = [p for p in pts if p.concurrency == 2000]
        self.assertEqual(len(exhausted), 1)
        self.assertEqual(exhausted[0].series.db_pool, 100)


class SweepOnFakes(FakeBuildCase):
    """The sweep on the fake binaries with a fake psql (--pg: no cluster started): the database's view lands in
    the time series and the summary; a psql that cannot connect leaves the columns empty and says why."""

    GRID = {"defaults": {"latency_ms": 100, "warmup_s": 0.5, "window_s": 1.0, "timeout_s": 2},
            "series": [{"server": "async", "label": "pg", "store": "postgres", "db_pool": 5, "concurrency": [8]},
                       {"server": "async", "label": "sim", "concurrency": [8]}]}

    def sweep(self, **env) -> tuple[dict, dict, list[dict], str]:
        """Runs GRID; returns (postgres row, sim row, the postgres point's time series, its dbstat log)."""
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "g.json").write_text(json.dumps(self.GRID))
            pg_bin = make_fake_pg_bin(Path(d) / "pgbin")
            with EnvPatch(PG_BIN=str(pg_bin), FAKE_LOADGEN_SLEEP="1.5", **env), \
                    contextlib.redirect_stderr(io.StringIO()) as err:
                rc = sweep.main(["--grid", str(Path(d) / "g.json"), "--build-dir", str(self.build), "--pg",
                                 "postgresql://fake/db", "--results-dir", d, "--run-id", "r", "--latest", ""])
            self.assertEqual(rc, 0, err.getvalue())
            run = Path(d) / "r"
            pg, sim = read_summary(run / "summary.csv")
            with open(run / "timeseries" / f"{pg['point']}.csv", newline="") as f:
                ts = list(csv.DictReader(f))
            return pg, sim, ts, (run / "logs" / f"{pg['point']}.dbstat.txt").read_text()

    def test_columns(self):
        pg, sim, ts, log = self.sweep(FAKE_PSQL_ACTIVE="5", FAKE_SERVER_DB_WAITERS="3")
        self.assertEqual(list(ts[0])[-len(dbstat.TS_COLUMNS):], list(dbstat.TS_COLUMNS))
        self.assertTrue([r for r in ts if r["db_active"] == "5"], log)
        self.assertEqual((pg["status"], pg["peak_db_active"], pg["peak_db_pool_waiters"]), ("ok", 5.0, 3.0))
        self.assertEqual((sim["peak_db_active"], sim["peak_db_pool_waiters"]), (None, None))
        self.assertIn("dbstat:", log)

    def test_a_database_that_refuses(self):
        pg, _, ts, log = self.sweep(FAKE_PSQL_REFUSE="1")
        self.assertEqual(pg["status"], "ok")  # the load ran: only the database's view is missing
        self.assertIn("dbstat: psql exited", pg["detail"])
        self.assertIsNone(pg["peak_db_active"])
        self.assertTrue(all(r["db_active"] == "" for r in ts))
        self.assertIn("stopped early", log)


def fixture_rows() -> list[dict]:
    """summary.csv rows of a small real-database section at L = 200 ms (sync N = 100 P = 100, async K = 1 at
    P = 100 and 1,000, the exhausted pool at C = 2,000) and one sim row, as the sweep writes them."""
    rows = []
    points = (("sync", 100, 100, 100, 495.0, 100), ("sync", 100, 100, 1000, 490.0, 100),
              ("async", 1, 100, 100, 494.0, 100), ("async", 1, 100, 1000, 492.0, 100),
              ("async", 1, 1000, 1000, 4700.0, 987), ("async", 1, 100, 2000, 300.0, 100))
    for server, n, pool, c, tput, active in points:
        s = grid.make_series({"server": server, "threads": n, "store": "postgres", "db_pool": pool,
                              "latency_ms": 200, "scenario": "database", "concurrency": [c]})
        row = summary.build_row(grid.Point(1, s, c, id=f"db-{server}-{pool}-{c}"), "fixture", point.PointResult())
        row.update(throughput_rps=tput, peak_db_active=active, efficiency=tput / row["bound_rps"])
        rows.append(row)
    sim = grid.make_series({"server": "async", "concurrency": [10]})
    rows.append(summary.build_row(grid.Point(2, sim, 10, id="sim"), "fixture", point.PointResult()))
    return rows


class DatabasePlot(unittest.TestCase):
    """database.png from a fixture summary: written (and linked from report.md) with postgres rows, not without."""

    def setUp(self):
        from slowio import plots
        if plots.plt is None:
            self.skipTest("matplotlib missing: run under /usr/bin/python3")
        self.plots = plots

    def test_written_with_postgres_rows(self):
        from slowio import report
        with tempfile.TemporaryDirectory() as d:
            summary.write_summary(fixture_rows(), Path(d) / "summary.csv")
            rows = read_summary(Path(d) / "summary.csv")
            self.assertEqual([r["bound_rps"] for r in rows[:3]], [500.0, 500.0, 500.0])
            written = self.plots.plot_database(rows, Path(d), ["png"])
            self.assertEqual(written, [Path(d) / "database.png"])
            self.assertGreater(written[0].stat().st_size, 10_000)
            self.assertIn("](database.png)", report.generate(Path(d)))

    def test_not_written_without_them(self):
        with tempfile.TemporaryDirectory() as d:
            summary.write_summary([r for r in fixture_rows() if r["store"] != "postgres"], Path(d) / "summary.csv")
            rows = read_summary(Path(d) / "summary.csv")
            self.assertEqual(self.plots.plot_database(rows, Path(d), ["png"]), [])
            self.assertFalse((Path(d) / "database.png").exists())


if __name__ == "__main__":
    unittest.main()
