"""check_regression.py: fixture summaries give PASS / FAIL / INCONCLUSIVE with the documented exit codes, and the
gate run end to end on the fake binaries passes A/A and fails the planted regression."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES, REPO, EnvPatch, FakeBuildCase

import check_regression as gate  # noqa: E402
from slowio.gate import load_thresholds  # noqa: E402


def run_gate(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = gate.main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


class FromCsv(unittest.TestCase):
    def check(self, name, want_rc, want_words=()):
        rc, out, err = run_gate("--from-csv", FIXTURES / name)
        self.assertEqual(rc, want_rc, out + err)
        for w in want_words:
            self.assertIn(w, out)
        return out

    def test_pass(self):
        out = self.check("summary_pass.csv", 0, ["regression gate: PASS", "deadlock detected"])
        self.assertNotIn("FAIL", out)

    def test_planted_regression_fails(self):
        out = self.check("summary_fail_planted.csv", 1, ["regression gate: FAIL"])
        self.assertRegex(out, r"efficiency \(async\).*FAIL")

    def test_errors_fail(self):
        self.check("summary_fail_errors.csv", 1, ["timeout=12"])

    def test_sync_above_bound_fails(self):
        # throughput above min(C, N)/L means the store was not slow: a regression too
        self.check("summary_fail_sync_too_fast.csv", 1)

    def test_unclean_shutdown_fails(self):
        self.check("summary_fail_exit_code.csv", 1, ["exit code after SIGTERM"])

    def test_drain_expired_fails(self):
        # exit 5 after SIGTERM: the drain bound expired with requests in flight, which were lost
        out = self.check("summary_fail_drain_expired.csv", 1, ["regression gate: FAIL"])
        self.assertRegex(out, r"05-async-k1-c10 +run +status ok +drain_expired: .*FAIL")
        self.assertRegex(out, r"05-async-k1-c10 +exit code after SIGTERM +0 \(drained\) +5 +FAIL")
        # its numbers are complete and still checked
        self.assertRegex(out, r"05-async-k1-c10 +efficiency \(async\) .*PASS")
        self.assertEqual(out.count("FAIL") - out.count("regression gate: FAIL"), 2, out)

    def test_missing_bound_model_is_inconclusive(self):
        # a summary without the bound_model column cannot be judged: never a pass
        with tempfile.TemporaryDirectory() as d:
            lines = (FIXTURES / "summary_pass.csv").read_text().splitlines()
            col = lines[0].split(",").index("bound_model")
            p = Path(d) / "summary.csv"
            p.write_text("\n".join(",".join(c for i, c in enumerate(ln.split(",")) if i != col)
                                   for ln in lines) + "\n")
            rc, out, _ = run_gate("--from-csv", p)
            self.assertEqual(rc, 2, out)
            self.assertIn("no bound_model", out)

    def test_deadlock_not_detected_fails(self):
        self.check("summary_fail_deadlock_missed.csv", 1)

    def test_setup_failure_is_inconclusive(self):
        self.check("summary_inconclusive_setup.csv", 2, ["INCONCLUSIVE", "start_failed"])

    def test_too_few_samples_is_inconclusive(self):
        self.check("summary_inconclusive_few_samples.csv", 2, ["too few samples"])

    def test_fail_wins_over_inconclusive(self):
        self.check("summary_fail_and_inconclusive.csv", 1)

    def test_table_columns(self):
        out = self.check("summary_pass.csv", 0)
        header = out.splitlines()[0].split()
        self.assertEqual(header, ["point", "metric", "expected", "measured", "verdict"])

    def test_empty_summary_is_inconclusive(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "summary.csv"
            p.write_text((FIXTURES / "summary_pass.csv").read_text().splitlines()[0] + "\n")
            rc, out, _ = run_gate("--from-csv", p)
            self.assertEqual(rc, 2, out)

    def test_expect_fail_inverts_only_fail(self):
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_fail_planted.csv", "--expect", "fail")[0], 0)
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_pass.csv", "--expect", "fail")[0], 1)
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_inconclusive_setup.csv",
                                  "--expect", "fail")[0], 2)


class BadInput(unittest.TestCase):
    def test_missing_csv(self):
        rc, _, err = run_gate("--from-csv", "/nonexistent/summary.csv")
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_not_a_summary(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "x.csv"
            p.write_text("a,b\n1,2\n")
            rc, _, err = run_gate("--from-csv", p)
            self.assertEqual(rc, 2)
            self.assertIn("not a summary.csv", err)

    def test_bad_thresholds(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "t.json"
            p.write_text(json.dumps({"rules": {"async": {}}}))
            rc, _, err = run_gate("--thresholds", p, "--from-csv", FIXTURES / "summary_pass.csv")
            self.assertEqual(rc, 2)
            self.assertIn("efficiency_min", err)

    def test_shipped_thresholds_match_the_issue(self):
        t = load_thresholds(REPO / "bench" / "regression.json")
        self.assertGreaterEqual(t["rules"]["async"]["efficiency_min"], 0.95)
        self.assertEqual(t["rules"]["sync"]["efficiency_min"], 0.95)
        self.assertEqual(t["rules"]["sync"]["efficiency_max"], 1.05)
        self.assertEqual(t["rules"]["errors_max"], 0)


class LiveOnFakes(FakeBuildCase):
    """The whole gate (sweep + checks) on the Python stand-ins: A/A passes, planted regression fails."""

    def test_aa_passes(self):
        rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                "--run-id", "aa")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue((Path(self.tmp.name) / "res" / "aa" / "regression.txt").is_file())

    def test_planted_fails(self):
        rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                "--run-id", "planted", "--plant-regression", "--expect", "fail")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("planted", out)

    def test_missing_binaries_inconclusive(self):
        rc, out, err = run_gate("--build-dir", Path(self.tmp.name) / "nothing", "--results-dir",
                                Path(self.tmp.name) / "res")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("missing binaries", err)

    def test_server_crash_fails(self):
        with EnvPatch(FAKE_SERVER_CRASH="1"):
            rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                    "--run-id", "crash", "--grid", REPO / "tests/suite/fixtures/grid_tiny.json")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("crash", out)


if __name__ == "__main__":
    unittest.main()
