"""check_icount.py's verdict rules on synthetic measurements: within the thresholds PASS, past either FAIL, another
build or CPU NOT COMPARABLE (exit 77, which ctest reports as skipped). The live controls (committed baseline
PASS, planted allocation FAIL) are the ctest entries suite_icount_gate and suite_icount_gate_planted."""
import unittest

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


if __name__ == "__main__":
    unittest.main()
