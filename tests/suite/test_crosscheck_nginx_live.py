"""crosscheck_nginx.py live: one short round at pipelining depths 1 and 8 against nginx and this build's
server_async (SLOWIO_SERVER_ASYNC). Asserts that both answer without errors, not how fast."""
import contextlib
import csv
import io
import os
import shutil
import tempfile
import unittest
from pathlib import Path

from fakes import REPO  # noqa: F401  (puts scripts/ on sys.path)

import crosscheck_nginx as xc  # noqa: E402

SERVER_ASYNC = os.environ.get("SLOWIO_SERVER_ASYNC", "")


class LiveRun(unittest.TestCase):
    def test_one_round_against_both_servers(self):
        # Never skipped: ctest registers this entry only where wrk and nginx exist (disabled otherwise), so a
        # missing piece here is a failure.
        self.assertTrue(shutil.which("wrk"), "wrk not found (scripts/setup.sh installs it)")
        self.assertTrue(shutil.which("nginx"), "nginx not found (scripts/setup.sh installs nginx-light)")
        self.assertTrue(os.access(SERVER_ASYNC, os.X_OK), f"SLOWIO_SERVER_ASYNC={SERVER_ASYNC!r} is not executable")
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "xc.csv"
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                code = xc.main(["--server-async", SERVER_ASYNC, "--rounds", "1", "--duration", "1",
                                "--connections", "4", "--pipeline", "1", "8", "--csv", str(out)])
            self.assertEqual(code, 0, printed.getvalue())
            with out.open() as f:
                rows = list(csv.DictReader(f))
        self.assertEqual([(r["pipeline"], r["server"]) for r in rows],
                         [("1", "nginx"), ("1", "server_async"), ("8", "nginx"), ("8", "server_async")])
        for r in rows:
            self.assertGreater(float(r["rps"]), 0)
            self.assertGreater(int(r["requests"]), 0)
            self.assertEqual(int(r["errors"]), 0)
            self.assertGreater(float(r["cpu_us_per_request"]), 0)
        self.assertIn("pipeline 1: median req/s", printed.getvalue())
        self.assertIn("pipeline 8: median req/s", printed.getvalue())



if __name__ == "__main__":
    unittest.main()
