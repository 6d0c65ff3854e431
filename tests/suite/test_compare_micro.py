"""compare_micro.py: Google Benchmark JSON comparison, U test, report-only exit codes."""
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES

import compare_micro as cm  # noqa: E402


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cm.main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


class CompareMicro(unittest.TestCase):
    def test_report_changes_but_exit_0(self):
        rc, out, _ = run(FIXTURES / "micro_baseline.json", FIXTURES / "micro_current.json")
        self.assertEqual(rc, 0)
        lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("BM_")}
        self.assertIn("SLOWER", lines["BM_SqliteLookup"])
        self.assertRegex(lines["BM_SqliteLookup"], r"\+(49|50|51)\.\d%")
        self.assertIn("FASTER", lines["BM_HistogramRecord"])
        self.assertIn("same", lines["BM_HttpParse"])
        self.assertIn("new", lines["BM_CoroutineSpawn"])
        self.assertIn("never a failure", out)

    def test_units_normalized(self):
        data = cm.load(FIXTURES / "micro_baseline.json", "real_time")
        self.assertGreater(min(data["BM_HandleGetUser"]), 1000)  # 1.5 us in ns

    def test_u_test(self):
        self.assertLess(cm.mann_whitney_u([1, 2, 3, 4, 5], [10, 11, 12, 13, 14]), 0.05)
        self.assertGreater(cm.mann_whitney_u([1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 5.5]), 0.3)
        self.assertIsNone(cm.mann_whitney_u([1], [2, 3]))

    def test_single_sample_no_significance_claim(self):
        base = {"benchmarks": [{"name": "BM_X", "run_type": "iteration", "real_time": 100, "time_unit": "ns"}]}
        cur = {"benchmarks": [{"name": "BM_X", "run_type": "iteration", "real_time": 200, "time_unit": "ns"}]}
        with tempfile.TemporaryDirectory() as d:
            b, c = Path(d) / "b.json", Path(d) / "c.json"
            b.write_text(json.dumps(base))
            c.write_text(json.dumps(cur))
            rc, out, _ = run(b, c)
        self.assertEqual(rc, 0)
        self.assertIn("no repetitions", out)

    def test_bad_inputs_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            bad = Path(d) / "bad.json"
            bad.write_text('{"foo": 1}')
            rc, _, err = run(bad, FIXTURES / "micro_current.json")
            self.assertEqual(rc, 2)
            self.assertIn("not Google Benchmark JSON", err)
            rc, _, err = run(Path(d) / "missing.json", FIXTURES / "micro_current.json")
            self.assertEqual(rc, 2)
            self.assertEqual(len(err.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
