"""slowio.claims and the report's Claims section, from fixture summary CSVs (make_claims_fixture.py writes them):
every claim's verdict rule on a run shaped as the servers behave, on one with every figure flipped, and on a run
without the claims' points ("not measured in this run"); plus the rules' edges on single rows."""
import copy
import shutil
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES

from slowio import claims  # noqa: E402
from slowio.report import generate  # noqa: E402
from slowio.rows import read_summary  # noqa: E402

FULL = FIXTURES / "run_claims" / "summary.csv"
CONTRARY = FIXTURES / "summary_claims_contrary.csv"
UNMEASURED = FIXTURES / "summary_claims_unmeasured.csv"


def by_number(path: Path) -> dict[int, claims.Claim]:
    return {c.number: c for c in claims.evaluate(read_summary(path))}


class FullRun(unittest.TestCase):
    """The verdicts the measurements give, each with its figures and points."""

    @classmethod
    def setUpClass(cls):
        cls.rows = read_summary(FULL)
        cls.c = by_number(FULL)

    def test_ten_claims_all_measured(self):
        self.assertEqual(sorted(self.c), list(range(1, 16)))  # 11-15, the database's: test_claims_db
        for c in (self.c[n] for n in range(1, 11)):
            self.assertNotEqual(c.kind, claims.NOT_MEASURED, c)
            self.assertTrue(c.points and c.figures and c.rule, c)
            self.assertTrue(c.verdict.startswith(c.kind), c)

    def test_1_single_request_holds(self):
        c = self.c[1]
        self.assertEqual(c.kind, claims.HOLDS)
        self.assertEqual(len(c.points), 4)
        self.assertIn("5% of L", c.rule)

    def test_2_exponential_does_not_hold_slope_one(self):
        c = self.c[2]
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("slope 1.00", c.figures[0])
        self.assertIn("sync N=10", c.figures[1])
        self.assertIn("slope 0.00", c.figures[1])
        self.assertIn("[0.9, 1.1]", c.rule)
        slope, used = claims.async_slope(self.rows)
        self.assertAlmostEqual(slope, 1.0, delta=0.01)
        self.assertEqual(len(used), 7)

    def test_3_eleventh_request_holds_in_effect_not_as_a_crash(self):
        c = self.c[3]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertTrue(c.verdict.startswith("holds only in effect, not as a crash: at C ≫ N"), c.verdict)
        self.assertIn("goodput falls to 0.0% of N / L (at most 0.0% of what the server writes)", c.verdict)
        self.assertIn("the 11th request waits", c.verdict)
        self.assertIn("503", c.verdict)
        self.assertIn("4,000 ms", c.figures[0])
        self.assertIn("C = 1,000, window 9.0–13.0 s (client timeout 7.5 s): goodput 0.00 req/s", c.figures[2])
        self.assertIn("the server wrote 5.00 responses/s (goodput_share 0.0%), 5.2 abandoned/s, busy threads 10 "
                      "of 10", c.figures[2])
        self.assertEqual(len(c.points), 5)  # C = 11, the three steady C >> N points, the queue limit

    def test_9_burst_recovery_only_without_metastable_retries(self):
        c = self.c[9]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertEqual(c.verdict, "holds only for 9 of 10 series (slowest: sync N=10 fifo, recovered in 6 s = 30 "
                                    "L); sync N=10 fifo, 3 retries stays down: metastable, the overload outlived the "
                                    "burst; retries make sync N=10 fifo metastable where it recovers without them")
        self.assertEqual(len(c.points), 10)
        self.assertIn("sync N=10 fifo, 3 retries: goodput before 25.0, during 0.00, after 0.00 req/s; not recovered",
                      c.figures)

    def test_10_mitigations_only_some_useful(self):
        c = self.c[10]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertEqual(c.verdict, "holds only for adaptive-lifo, codel, queue limit 20, not for drop-abandoned "
                                    "(the unmitigated FIFO pool kept 0.0%)")
        self.assertIn("sync N=10 drop-abandoned (drop-abandoned): 30.00 req/s during the burst = 60.0% of N / L = 50",
                      c.figures)
        self.assertEqual(len(c.points), 7)  # the sync fixed pools; elastic and async are not pools of N

    def test_4_thousands_holds(self):
        c = self.c[4]
        self.assertEqual(c.kind, claims.HOLDS)
        self.assertEqual([p.split("-")[-1] for p in c.points], ["c10000", "c16000"])

    def test_5_deadlock_only_event_loop(self):
        c = self.c[5]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertIn("single event loop", c.verdict)
        self.assertIn("recovers", c.verdict)
        self.assertIn("3.9–6.0 threads/s", c.verdict)
        self.assertEqual(len(c.points), 4)

    def test_6_task_run_two_threads_only_sync(self):
        c = self.c[6]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertEqual(c.verdict, "holds only when the request thread blocks on it (sync), not when awaited "
                                    "(async)")

    def test_7_background_queue_holds_offload_noted(self):
        c = self.c[7]
        self.assertEqual(c.kind, claims.HOLDS)
        self.assertIn("offload does as well on async", c.verdict)
        self.assertIn("790 done", c.figures[0])

    def test_8_growth_only_slowly(self):
        c = self.c[8]
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertIn("slowly", c.verdict)
        self.assertIn("1 of 6", c.verdict)
        self.assertIn("2,495 s", c.verdict)  # (1000 - 2) / 0.4 threads/s

    def test_worst_cell(self):
        r = claims.worst_cell(self.rows)
        self.assertTrue(r["point"].endswith("pool-sync-n1000-c1000"))
        line = claims.worst_cell_line(self.rows)
        self.assertIn("93.0%", line)
        self.assertIn("sync N=1,000, C = 1,000, L = 200 ms", line)
        self.assertIn("4 more cell(s) are queued past their client timeout (⌈C / N⌉ × L > timeout: the clients give "
                      "up first), so Little's law bounds what the server does, not what they get: goodput 0.0%–0.0% "
                      "of the bound (sync N=1 C = 1,000, sync N=2 C = 1,000, sync N=5 C = 1,000, sync N=10 C = 1,000)",
                      line)

    def test_report_opens_with_claims(self):
        tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copy(FULL, tmp / "summary.csv")
        md = generate(tmp)
        sections = [ln for ln in md.splitlines() if ln.startswith("## ")]
        self.assertEqual(sections[0], "## Claims")
        self.assertIn("| # | claim (folklore) | measured | points | rule | verdict |", md)
        table = [ln for ln in md.splitlines() if ln.startswith("| ") and ln.split("|")[1].strip().isdigit()
                 and "claim" not in ln and len(ln.split("|")) == 8]
        self.assertEqual(len(table), 15)
        self.assertIn("**holds only when the request thread blocks on it (sync), not when awaited (async)**", md)
        self.assertIn("The worst Little's-law cell", md)
        self.assertNotRegex(md, r"\bnan\b|\bNone\b")


class ContraryRun(unittest.TestCase):
    """The same rules on figures that say the opposite."""

    @classmethod
    def setUpClass(cls):
        cls.c = by_number(CONTRARY)

    def test_verdicts_flip(self):
        want = {1: claims.DOES_NOT_HOLD, 2: claims.HOLDS, 3: claims.HOLDS, 4: claims.DOES_NOT_HOLD,
                5: claims.HOLDS, 6: claims.HOLDS, 7: claims.DOES_NOT_HOLD, 8: claims.HOLDS, 9: claims.HOLDS,
                10: claims.HOLDS}
        self.assertEqual({n: c.kind for n, c in self.c.items() if n <= 10}, want)  # 11-15: test_claims_db

    def test_reasons(self):
        self.assertIn("faster than linear", self.c[2].verdict)
        self.assertIn("crashed", self.c[3].verdict)
        self.assertIn("timeouts 12", self.c[4].figures[1])
        self.assertIn("had not recovered", self.c[5].verdict)
        self.assertEqual(self.c[6].verdict, "holds on sync, async")
        self.assertIn("did not halve", self.c[7].verdict)
        self.assertEqual(self.c[9].verdict, "holds: every series recovered (slowest: sync N=10 fifo, 3 retries, "
                                            "recovered in 8 s = 40 L)")
        self.assertEqual(self.c[10].verdict, "holds: adaptive-lifo, codel, drop-abandoned, queue limit 20 kept ≥ 90% "
                                             "of N / L (the unmitigated FIFO pool kept 0.0%)")


class NotMeasured(unittest.TestCase):
    """A run without the claims' points: every row says so, and the report still renders."""

    def test_every_claim_not_measured(self):
        for c in by_number(UNMEASURED).values():
            self.assertEqual(c.kind, claims.NOT_MEASURED)
            self.assertEqual(c.verdict, "not measured in this run")
            self.assertEqual(c.points, [])

    def test_report(self):
        tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copy(UNMEASURED, tmp / "summary.csv")
        md = generate(tmp)
        self.assertEqual(md.count("**not measured in this run**"), 15)
        self.assertIn("The pool-size axis (heatmap, pool_size) is not measured in this run.", md)


class Rules(unittest.TestCase):
    """Edges of the rules, on single rows of the full fixture."""

    @classmethod
    def setUpClass(cls):
        cls.rows = read_summary(FULL)

    def rows_with(self, suffix: str, **kw) -> list[dict]:
        rows = copy.deepcopy(self.rows)
        hits = [r for r in rows if r["point"].endswith(suffix)]
        self.assertTrue(hits, suffix)
        for r in hits:
            r.update(kw)
        return rows

    def test_slope(self):
        self.assertAlmostEqual(claims.loglog_slope([(1, 2), (10, 20), (100, 200)]), 1.0)
        self.assertAlmostEqual(claims.loglog_slope([(1, 5), (1000, 5)]), 0.0)
        self.assertIsNone(claims.loglog_slope([(10, 5), (10, 6)]))
        self.assertIsNone(claims.loglog_slope([(0, 5), (10, 0)]))

    def test_1_p50_tolerance_edge(self):
        l, tol = claims.MAIN_LATENCY_MS, claims.P50_TOL
        rows = self.rows_with("-async-k1-c10", p50_ms=l * (1 + tol) + 1)
        self.assertEqual(claims.claim_single_request(rows).kind, claims.DOES_NOT_HOLD)
        rows = self.rows_with("-async-k1-c10", p50_ms=l * (1 + tol / 2))
        self.assertEqual(claims.claim_single_request(rows).kind, claims.HOLDS)
        # each within 5% of L, but 8% of L apart
        rows = self.rows_with("-async-k1-c10", p50_ms=l * (1 + 0.04))
        next(r for r in rows if r["point"].endswith("-sync-fixed-n10-c10"))["p50_ms"] = l * (1 - 0.04)
        self.assertEqual(claims.claim_single_request(rows).kind, claims.DOES_NOT_HOLD)

    def test_1_one_pair_is_enough(self):
        rows = [r for r in self.rows if not r["point"].endswith("-async-k1-c1")]
        c = claims.claim_single_request(rows)
        self.assertEqual((c.kind, len(c.points)), (claims.HOLDS, 2))

    def test_2_slower_than_linear(self):
        rows = copy.deepcopy(self.rows)
        for r in claims.async_slope_rows(rows):
            r["throughput_rps"] = r["concurrency"] ** 0.5
        c = claims.claim_exponential(rows)
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("slower than linear", c.verdict)

    def test_3_five_xx_is_a_crash_and_a_signal_too(self):
        self.assertEqual(claims.claim_eleventh_request(self.rows_with("-sync-fixed-n10-c11", errors_5xx=3)).kind,
                         claims.HOLDS)
        self.assertEqual(claims.claim_eleventh_request(
            self.rows_with("-sync-fixed-n10-q10-c100", server_exit_code=-9, status="drain_expired")).kind,
            claims.HOLDS)

    def test_3_only_the_queue_limit_point(self):
        rows = [r for r in self.rows if not (r["scenario"] == "" and r["label"] == "sync fixed N=10")]
        c = claims.claim_eleventh_request(rows)
        self.assertEqual((c.kind, len(c.points)), (claims.DOES_NOT_HOLD, 1))
        self.assertIn("503", c.verdict)

    def test_3_goodput_past_the_timeout_edge(self):
        # at C >> N the goodput measured after the client timeout decides: up to 10% of N / L is a collapse
        bound = 10 / (claims.MAIN_LATENCY_MS / 1000)
        rows = self.rows_with("-sync-fixed-n10-c1000", throughput_rps=claims.COLLAPSED_FRACTION * bound)
        self.assertEqual(claims.claim_eleventh_request(rows).kind, claims.HOLDS_ONLY)
        rows = self.rows_with("-sync-fixed-n10-c1000", throughput_rps=claims.COLLAPSED_FRACTION * bound + 0.01)
        c = claims.claim_eleventh_request(rows)
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("goodput stays above the collapse", c.verdict)
        self.assertIn("the 11th request waits", c.verdict)

    def test_3_a_transient_is_no_steady_state(self):
        # the same points measured before the client timeout (warm-up 3 s < 7.5 s) are not judged at C >> N
        rows = self.rows_with("-sync-fixed-n10-c1000", warmup_s=3)
        c = claims.claim_eleventh_request(rows)
        self.assertEqual(len(c.points), 4)
        self.assertNotIn("C = 1,000, window", " ".join(c.figures))

    def test_9_none_recovered_and_not_judged(self):
        rows = copy.deepcopy(self.rows)
        for r in claims.burst_rows(rows):
            r.update(recovered=0.0, recovery_s=None)
        c = claims.claim_burst_recovery(rows)
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertTrue(c.verdict.startswith("does not hold: sync N=10 fifo, sync N=10 fifo, 3 retries, "), c.verdict)
        for r in claims.burst_rows(rows):
            r.update(recovered=None)  # no goodput before the burst: nothing to recover to
        self.assertEqual(claims.claim_burst_recovery(rows).kind, claims.NOT_MEASURED)

    def test_10_edge_and_none_useful(self):
        edge = self.rows_with("burst-sync-n-10-drop-abandoned", goodput_during_rps=claims.USEFUL_FRACTION * 50)
        self.assertEqual(claims.claim_mitigations(edge).kind, claims.HOLDS)
        rows = copy.deepcopy(self.rows)
        for r in claims.burst_rows(rows):
            r["goodput_during_rps"] = 10.0
        c = claims.claim_mitigations(rows)
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertEqual(c.verdict, "does not hold: none of adaptive-lifo, codel, drop-abandoned, queue limit 20 kept "
                                    "90% of N / L")
        fifo_only = [r for r in rows if not claims.mitigation(r)]
        self.assertEqual(claims.claim_mitigations(fifo_only).kind, claims.NOT_MEASURED)

    def test_burst_row_questions(self):
        self.assertEqual(claims.mitigation({"extra_server_args": "--queue codel --drop-abandoned", "queue_limit": 20}),
                         "queue limit 20 + codel + drop-abandoned")
        self.assertEqual(claims.mitigation({"extra_server_args": "--queue fifo"}), "")
        self.assertEqual(claims.mitigation({"extra_server_args": "--queue"}), "")
        self.assertEqual(claims.recovery_text({"recovered": 1.0, "recovery_s": 0.75, "latency_ms": 200.0}),
                         "recovered in 0.75 s = 3.75 L")
        self.assertEqual(claims.recovery_text({"recovered": 0.0, "latency_ms": 200.0}), "not recovered")
        self.assertEqual(claims.recovery_text({}), "recovery not judged")

    def test_4_efficiency_threshold(self):
        rows = self.rows_with("-async-k1-c16000", efficiency=claims.EFFICIENCY_MIN - 0.01)
        self.assertEqual(claims.claim_thousands(rows).kind, claims.DOES_NOT_HOLD)
        rows = self.rows_with("-async-k1-c16000", efficiency=claims.EFFICIENCY_MIN)
        self.assertEqual(claims.claim_thousands(rows).kind, claims.HOLDS)

    def test_5_demo_alone_and_no_deadlock(self):
        demo = [r for r in self.rows if r["antipattern"] == "sync-over-async" and r["server"] == "async"]
        c = claims.claim_deadlock(demo)
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertIn("elastic pools not measured in this run", c.verdict)
        alive = copy.deepcopy(demo)
        alive[0].update(status="ok", deadlock_detected=0)
        self.assertEqual(claims.claim_deadlock(alive).kind, claims.DOES_NOT_HOLD)

    def test_6_no_offload_row_is_not_measured(self):
        rows = [r for r in self.rows if r.get("cpu_way") != "offload"]
        self.assertEqual(claims.claim_task_run(rows).kind, claims.NOT_MEASURED)

    def test_7_ratio_edge_and_one_server(self):
        rows = self.rows_with("-cpu-sync-jobs-health", p99_ms=180.0 * claims.JOBS_P99_RATIO)
        self.assertEqual(claims.claim_background_queue(rows).kind, claims.HOLDS)
        rows = self.rows_with("-cpu-sync-jobs-health", p99_ms=180.0 * claims.JOBS_P99_RATIO + 1)
        c = claims.claim_background_queue(rows)
        self.assertEqual(c.kind, claims.HOLDS_ONLY)
        self.assertTrue(c.verdict.startswith("holds only on async, not on sync"), c.verdict)

    def test_8_no_growth(self):
        rows = copy.deepcopy(self.rows)
        for r in rows:
            if claims.is_elastic(r):
                r["thread_growth_per_s"] = "0"  # as read_summary leaves a column it does not know: text
        c = claims.claim_pool_growth(rows)
        self.assertEqual(c.kind, claims.DOES_NOT_HOLD)
        self.assertIn("forever", c.figures[0])

    def test_text_cells_are_numbers(self):
        self.assertEqual(claims.val({"x": "1.5"}, "x"), 1.5)
        self.assertEqual(claims.val({"x": 2.0}, "x"), 2.0)
        self.assertIsNone(claims.val({"x": ""}, "x"))
        self.assertIsNone(claims.val({}, "x"))


if __name__ == "__main__":
    unittest.main()
