"""check_icount.py's verdict rules on synthetic measurements: within the thresholds PASS, past either FAIL, another
build or CPU NOT COMPARABLE (exit 77, which ctest reports as skipped); and what it judges against (the clean binary
for the planted control, a git ref built on the spot where the committed baseline is not comparable). The live
controls (PASS against the committed or built baseline, planted allocation FAIL against the clean binary) are the
ctest entries suite_icount_gate and suite_icount_gate_planted."""
import argparse
import tempfile
import unittest
from pathlib import Path

from fakes import REPO  # noqa: F401  (puts scripts/ on sys.path)

import check_icount  # noqa: E402

BASE = {"build": "GNU-12.2.0 Release -O3 -DNDEBUG glibc-2.36 http_parser-2.9.4", "cpu": "AuthenticAMD avx2",
        "instructions_per_request": 24000.0, "allocations_per_request": 38.0,
        "instructions_threshold": 0.005, "allocations_threshold": 0.5}


def measured(instructions, allocations, **kw):
    return {"build": BASE["build"], "cpu": BASE["cpu"], "instructions_per_request": instructions,
            "allocations_per_request": allocations, **kw}


class Judge(unittest.TestCase):
    def test_same_cost_passes(self):
        verdict, rows = check_icount.judge(measured(24000.0, 38.0), BASE)
        self.assertEqual(verdict, "PASS")
        self.assertEqual([r[-1] for r in rows], ["PASS", "PASS"])

    def test_within_threshold_passes(self):
        self.assertEqual(check_icount.judge(measured(24100.0, 38.0), BASE)[0], "PASS")  # +0.42%

    def test_more_instructions_fail(self):
        verdict, rows = check_icount.judge(measured(24200.0, 38.0), BASE)  # +0.83%
        self.assertEqual(verdict, "FAIL")
        self.assertEqual(rows[0][-1], "FAIL")
        self.assertIn("+0.83%", rows[0][2])

    def test_one_more_allocation_fails(self):
        verdict, rows = check_icount.judge(measured(24000.0, 39.0), BASE)
        self.assertEqual(verdict, "FAIL")
        self.assertEqual(rows[1][-1], "FAIL")

    def test_fewer_is_a_pass(self):
        self.assertEqual(check_icount.judge(measured(20000.0, 30.0), BASE)[0], "PASS")

    def test_another_build_or_cpu_is_not_comparable(self):
        for key, value in (("build", "GNU-13.1.0 Release -O3 -DNDEBUG glibc-2.36 http_parser-2.9.4"),
                           ("cpu", "GenuineIntel avx2")):
            m = measured(24000.0, 38.0)
            m[key] = value
            verdict, rows = check_icount.judge(m, BASE)
            self.assertEqual(verdict, "NOT COMPARABLE")
            self.assertEqual(check_icount.EXIT[verdict], 77)
            self.assertEqual(rows[0][0], key)


class ChooseBaseline(unittest.TestCase):
    """choose_baseline with the builder, the measurement and the default ref stood in for (recorded calls)."""

    def setUp(self):
        self.calls = []

    def args(self, **kw):
        base = {"plant_allocation": False, "baseline_ref": None, "baseline": Path("bench/icount_baseline.json"),
                "binary": Path("/b/build/release/bench/icount/hot_path_icount"), "work_dir": None}
        return argparse.Namespace(**{**base, **kw})

    def choose(self, args, m, default_ref=lambda: "abc123"):
        def build(ref, work, unity):
            self.calls.append(("build", ref, str(work)) + (("unity",) if unity else ()))
            return Path(f"/built/{ref}")

        def measure_ref(binary, committed):
            self.calls.append(("measure", str(binary)))
            return {**measured(23000.0, 37.0), "instructions_threshold": committed["instructions_threshold"]}

        return check_icount.choose_baseline(args, m, BASE, build_ref=build, measure_ref=measure_ref,
                                            default_ref=default_ref)

    def test_planted_control_is_judged_against_the_clean_binary(self):
        other_cpu = {**measured(24000.0, 39.0), "cpu": "GenuineIntel avx2"}  # would be NOT COMPARABLE
        base, what = self.choose(self.args(plant_allocation=True), other_cpu)
        self.assertEqual(self.calls, [("measure", "/b/build/release/bench/icount/hot_path_icount")])
        self.assertEqual(base["instructions_per_request"], 23000.0)
        self.assertIn("without the plant", what)

    def test_comparable_committed_baseline_is_used(self):
        base, what = self.choose(self.args(), measured(24000.0, 38.0))
        self.assertIs(base, BASE)
        self.assertEqual(self.calls, [])
        self.assertIn("committed", what)

    def test_not_comparable_builds_the_merge_base(self):
        m = {**measured(24000.0, 38.0), "cpu": "GenuineIntel avx2"}
        base, what = self.choose(self.args(), m)
        self.assertEqual(self.calls, [("build", "abc123", "/b/build/release/icount-baseline"),
                                      ("measure", "/built/abc123")])
        self.assertEqual(base["instructions_per_request"], 23000.0)
        self.assertEqual(check_icount.judge(m, {**base, "cpu": m["cpu"]})[0], "FAIL")  # judged, not skipped
        self.assertIn("abc123 built and measured now", what)

    def test_no_ref_leaves_it_not_comparable_and_says_why(self):
        def no_main():
            raise check_icount.IcountError("no branch main or origin/main to take the merge base with")

        m = {**measured(24000.0, 38.0), "cpu": "GenuineIntel avx2"}
        base, what = self.choose(self.args(), m, default_ref=no_main)
        self.assertIs(base, BASE)
        self.assertEqual(check_icount.judge(m, base)[0], "NOT COMPARABLE")
        self.assertIn("no branch main", what)

    def test_a_unity_candidate_gets_a_unity_baseline(self):
        m = {**measured(24000.0, 38.0), "cpu": "GenuineIntel avx2",
             "build": "GNU-12.2.0 Release -O3 -DNDEBUG unity-build glibc-2.36 http_parser-2.9.4"}
        self.assertNotEqual(m["build"], BASE["build"])  # never judged against a file-by-file baseline
        self.choose(self.args(), m)
        self.assertEqual(self.calls[0], ("build", "abc123", "/b/build/release/icount-baseline", "unity"))

    def test_explicit_ref_is_built_even_when_comparable(self):
        self.choose(self.args(baseline_ref="v1", work_dir=Path("/w")), measured(24000.0, 38.0))
        self.assertEqual(self.calls[0], ("build", "v1", "/w"))

    def test_unknown_ref_is_a_named_error(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(check_icount.IcountError, "no-such-ref-x"):
                check_icount.build_ref_binary("no-such-ref-x", Path(d))


if __name__ == "__main__":
    unittest.main()
