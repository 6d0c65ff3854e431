"""slowio.claims_db: claims 11-15, the ones a real database decides, on rows shaped as the EF Core and C++
postgres series measure (bench/grid_efcore.json), on rows with the figures flipped, and without the points."""
import unittest

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from slowio import claims, claims_db

L_MS = 200


def row(label, server="command", c=1000, rps=490.0, store="postgres", pool=100, threads=None, growth=None,
        status="ok", errors=0, bound_model="", min_threads=0, n=0, point=None, **extra):
    r = {"label": label, "point": point or f"{label}-c{c}".replace(" ", "-"), "scenario": "database",
         "server": server, "store": store, "db_pool": "" if store == "sqlite" else str(pool),
         "concurrency": str(c), "latency_ms": str(L_MS), "throughput_rps": str(rps), "status": status,
         "peak_threads": "" if threads is None else str(threads),
         "thread_growth_per_s": "" if growth is None else str(growth), "errors_total": str(errors),
         "completed": str(int(rps * 6)), "bound_model": bound_model, "min_threads": str(min_threads),
         "threads": str(n), "antipattern": "none", "pool": "fixed" if server == "sync" else ""}
    r.update({k: str(v) for k, v in extra.items()})
    return r


def measured_run():
    return [
        row("EF async pg", c=1000, rps=485.3, threads=9),
        row("EF async pg P=1000", c=1000, rps=4600.0, pool=1000, threads=11),
        row("EF sync pg min=100", c=1000, rps=470.0, threads=104, bound_model="elastic", min_threads=100),
        row("async K=1 pg P=100", server="async", c=1000, rps=480.0, n=1),
        row("sync fixed N=100 pg P=100", server="sync", c=1000, rps=478.0, n=100),
        row("EF sync-over-async pg", c=1000, rps=12.0, threads=30, bound_model="elastic"),
        row("EF sync pg", c=1000, rps=5.0, threads=28, bound_model="elastic", errors=0),
        row("EF async sqlite", c=100, rps=30.0, store="sqlite", threads=7, growth=0.9, bound_model="elastic"),
        row("EF sync sqlite", c=100, rps=31.0, store="sqlite", threads=15, growth=1.0, bound_model="elastic"),
        row("EF async pg", c=100, rps=470.0, threads=4, growth=0.0, point="ef-async-pg-c100"),
        row("async K=1 pg P=100 exhausted", server="async", c=2000, rps=480.0, n=1, errors=900, errors_503=900,
            db_pool_timeouts=900),
    ]


def by_number(rows):
    return {c.number: c for c in claims.evaluate(rows) if c.number >= 11}


class Measured(unittest.TestCase):
    def setUp(self):
        self.c = by_number(measured_run())

    def test_all_five_measured_with_figures_and_points(self):
        self.assertEqual(sorted(self.c), [11, 12, 13, 14, 15])
        for c in self.c.values():
            self.assertNotEqual(c.kind, claims.NOT_MEASURED, c)
            self.assertTrue(c.figures and c.points and c.verdict.startswith(c.kind), c)

    def test_11_the_pool_decides(self):
        c = self.c[11]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertIn("up to the connection pool", c.verdict)
        self.assertIn("a pool as large as C gives C / L", c.verdict)
        self.assertIn("5 of 7 reach 90% of it; below: EF sync-over-async pg at C = 1,000, EF sync pg at C = 1,000",
                      c.verdict)
        self.assertTrue(any("EF async pg, C = 1,000, P = 100: 485.3 req/s = 97.1% of P / L" in x for x in c.figures),
                        c.figures)

    def test_12_same_throughput_at_the_same_pool(self):
        c = self.c[12]
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertEqual(len(c.points), 4)  # ours and EF's pairs

    def test_13_sqlite_async_blocks(self):
        c = self.c[13]
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("synchronously", c.verdict)
        self.assertEqual(len(c.figures), 3)  # async, sync, and PostgreSQL's async for contrast
        self.assertIn("6.0 in flight, +0.90 threads/s", c.figures[0])  # 30 req/s x 0.2 s, with 7 threads

    def test_14_a_stall_when_nothing_is_answered(self):
        rows = [dict(r, throughput_rps="0") if r["label"] == "EF sync-over-async pg" else r for r in measured_run()]
        c = by_number(rows)
        self.assertEqual(c[14].kind, claims.HOLDS_ONLY)
        self.assertIn("a stall, not a deadlock: from C = 1,000", c[14].verdict)
        self.assertIn("a starved pool answered nothing", c[15].verdict)

    def test_14_no_deadlock(self):
        c = self.c[14]
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("SynchronizationContext", c.verdict)

    def test_15_first_failure_is_the_pool_timeout(self):
        c = self.c[15]
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("C = 2,000", c.verdict)
        self.assertIn("pool timeouts 900", c.figures[0])


class Flipped(unittest.TestCase):
    def test_each_verdict_turns(self):
        rows = measured_run()
        over = {"EF async pg": 900.0}  # beyond P / L at C > P: the pool did not bind
        flipped = [dict(r, throughput_rps=str(over[r["label"]])) if r["label"] in over and r["concurrency"] == "1000"
                   else r for r in rows]
        self.assertEqual(by_number(flipped)[11].kind, claims.DOES_NOT_HOLD)
        self.assertEqual(by_number(flipped)[12].kind, claims.HOLDS_ONLY)
        freed = [dict(r, peak_threads="3") if r["label"] == "EF async sqlite" else r for r in rows]  # 6 > 3
        self.assertEqual(by_number(freed)[13].kind, claims.HOLDS)
        stuck = [dict(r, status="deadlock") if r["label"] == "EF sync-over-async pg" else r for r in rows]
        self.assertEqual(by_number(stuck)[14].kind, claims.HOLDS_ONLY)
        crash = [dict(r, status="crash") if r["label"] == "EF sync pg" else r for r in rows]
        self.assertEqual(by_number(crash)[15].kind, claims.HOLDS_ONLY)


class NotMeasured(unittest.TestCase):
    def test_without_database_rows(self):
        c = by_number([row("async K=1", server="async", store="sim")])
        self.assertEqual({n: x.kind for n, x in c.items()}, {n: claims.NOT_MEASURED for n in range(11, 16)})

    def test_labels(self):
        self.assertEqual(claims_db.ef_mode({"label": "database: EF sync-over-async pg"}), ("sync-over-async", "pg"))
        self.assertEqual(claims_db.ef_mode({"label": "EF async sqlite"}), ("async", "sqlite"))
        self.assertIsNone(claims_db.ef_mode({"label": "aspnetcore async"}))


if __name__ == "__main__":
    unittest.main()
